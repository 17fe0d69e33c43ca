//! DNS values as text, the way dig prints them: response code mnemonics and record data.

use hickory_proto::op::ResponseCode;
use hickory_proto::rr::RData;

/// The mnemonic of a response code (`NOERROR`, `NXDOMAIN`, ...), as dig prints it.
pub fn rcode_name(code: ResponseCode) -> String {
    let n = u16::from(code);
    let name = match n {
        0 => "NOERROR",
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        5 => "REFUSED",
        6 => "YXDOMAIN",
        7 => "YXRRSET",
        8 => "NXRRSET",
        9 => "NOTAUTH",
        10 => "NOTZONE",
        16 => "BADVERS",
        23 => "BADCOOKIE",
        _ => return format!("RCODE{n}"),
    };
    name.to_string()
}

/// Record data as `dig +short` shows it, except that TXT strings in UTF-8 show their text
/// (Hebrew, Chinese, ...) rather than `\DDD` for every byte of it.
pub fn rdata(data: &RData) -> String {
    match data {
        RData::TXT(txt) => txt
            .txt_data
            .iter()
            .map(|s| format!("\"{}\"", escape(s)))
            .collect::<Vec<_>>()
            .join(" "),
        other => other.to_string(),
    }
}

/// A character-string quoted as dig does: `"` and `\` escaped, printable text as itself, and
/// control characters, invisible formatting (bidirectional overrides) and bytes that are not
/// UTF-8 as `\DDD`.
fn escape(bytes: &[u8]) -> String {
    fn byte_escapes(out: &mut String, bytes: &[u8]) {
        for b in bytes {
            out.push_str(&format!("\\{b:03}"));
        }
    }
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                ' '..='~' => out.push(c),
                c if !c.is_ascii() && !c.is_control() && !invisible(c) => out.push(c),
                c => byte_escapes(&mut out, c.encode_utf8(&mut [0; 4]).as_bytes()),
            }
        }
        byte_escapes(&mut out, chunk.invalid());
    }
    out
}

/// Characters that change how the text around them is shown without showing themselves.
fn invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::rr::rdata::TXT;

    #[test]
    fn rcodes_use_dig_mnemonics() {
        assert_eq!(rcode_name(ResponseCode::NoError), "NOERROR");
        assert_eq!(rcode_name(ResponseCode::NXDomain), "NXDOMAIN");
        assert_eq!(rcode_name(ResponseCode::Refused), "REFUSED");
        assert_eq!(rcode_name(ResponseCode::Unknown(3841)), "RCODE3841");
    }

    #[test]
    fn txt_is_quoted_and_escaped() {
        let t = RData::TXT(TXT::new(vec!["v=lab".into(), "say \"hi\"\u{1}".into()]));
        assert_eq!(rdata(&t), r#""v=lab" "say \"hi\"\001""#);
    }

    #[test]
    fn txt_in_other_scripts_shows_its_text_and_escapes_what_is_not_text() {
        let t = RData::TXT(TXT::from_bytes(vec![
            "שלום".as_bytes(),
            "你好".as_bytes(),
            b"\xff\xfe",
            "a\u{202E}b".as_bytes(),
        ]));
        assert_eq!(rdata(&t), r#""שלום" "你好" "\255\254" "a\226\128\174b""#);
    }
}
