//! Addresses written in text (a run's CSV or JSON export, a report's tables): every IPv4 and
//! IPv6 address that stands as a word of its own, port suffix or not, becomes its pseudonym
//! under the same key as in captures, so an anonymised capture and an anonymised export of the
//! same incident still line up. Names are not addresses and stay.

use super::Anonymizer;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The characters an address is written with (a port suffix included).
fn address_char(c: char) -> bool {
    c.is_ascii_hexdigit() || c == ':' || c == '.'
}

/// Whether `c` would make the run part of a longer word (`IF-MIB::ifDescr`, `host1.lab`).
fn word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

impl Anonymizer {
    /// The pseudonym of an address written as `word`, if it is one: `a.b.c.d`, `a.b.c.d:port`,
    /// or IPv6 (`::` alone, the unspecified address, is left).
    fn word(&mut self, word: &str) -> Option<String> {
        if let Ok(v4) = word.parse::<Ipv4Addr>() {
            return Some(Ipv4Addr::from(self.v4(v4.octets())).to_string());
        }
        if word.matches(':').count() >= 2
            && let Ok(v6) = word.parse::<Ipv6Addr>()
        {
            if v6.is_unspecified() {
                return None;
            }
            return Some(self.ip(IpAddr::V6(v6)).to_string());
        }
        let (host, port) = word.rsplit_once(':')?;
        if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let v4 = host.parse::<Ipv4Addr>().ok()?;
        Some(format!("{}:{port}", Ipv4Addr::from(self.v4(v4.octets()))))
    }

    fn ip(&mut self, ip: IpAddr) -> IpAddr {
        match ip {
            IpAddr::V4(a) => IpAddr::V4(Ipv4Addr::from(self.v4(a.octets()))),
            IpAddr::V6(a) => IpAddr::V6(Ipv6Addr::from(self.v6(a.octets()))),
        }
    }

    /// `text` with every address in it replaced by its pseudonym.
    pub fn text(&mut self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        let mut before: Option<char> = None;
        while let Some(start) = rest.find(address_char) {
            let (lead, from) = rest.split_at(start);
            out.push_str(lead);
            if let Some(c) = lead.chars().next_back() {
                before = Some(c);
            }
            let len = from.find(|c: char| !address_char(c)).unwrap_or(from.len());
            let (run, after) = from.split_at(len);
            // a trailing dot ends a sentence, not an address
            let run_trimmed = run.trim_end_matches('.');
            let next = after.chars().next();
            // part of a longer word: a letter or digit just before, or just after (unless a
            // trailing dot was trimmed off: that ends the address)
            let glued_before = before.is_some_and(word_char);
            let glued_after = run_trimmed.len() == run.len() && next.is_some_and(word_char);
            let whole = !(glued_before || glued_after);
            match whole.then(|| self.word(run_trimmed)).flatten() {
                Some(p) => {
                    out.push_str(&p);
                    out.push_str(&run[run_trimmed.len()..]);
                }
                None => out.push_str(run),
            }
            before = run.chars().next_back();
            rest = after;
        }
        out.push_str(rest);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anon() -> Anonymizer {
        Anonymizer::new(&[3u8; 32], false, None)
    }

    #[test]
    fn addresses_in_text_become_the_pseudonyms_of_captures() {
        let mut a = anon();
        let p4 = |a: &mut Anonymizer, s: &str| {
            Ipv4Addr::from(a.v4(s.parse::<Ipv4Addr>().unwrap().octets())).to_string()
        };
        let p6 = |a: &mut Anonymizer, s: &str| {
            Ipv6Addr::from(a.v6(s.parse::<Ipv6Addr>().unwrap().octets())).to_string()
        };
        let (x, y) = (p4(&mut a, "198.18.0.122"), p4(&mut a, "10.0.0.0"));
        let z = p6(&mut a, "2001:db8:5753::10");
        assert_eq!(
            a.text(r#"{"target":"198.18.0.122","server":"198.18.0.122:53","net":"10.0.0.0/24","v6":"[2001:db8:5753::10]:22"}"#),
            format!(r#"{{"target":"{x}","server":"{x}:53","net":"{y}/24","v6":"[{z}]:22"}}"#)
        );
        assert_eq!(
            a.text("198.18.0.122,2001:db8:5753::10\r\n"),
            format!("{x},{z}\r\n")
        );
        assert_eq!(a.text("reached 198.18.0.122."), format!("reached {x}."));
    }

    #[test]
    fn what_only_looks_like_an_address_stays() {
        let mut a = anon();
        for text in [
            "IF-MIB::ifDescr.2",
            "SNMPv2-MIB::sysName.0 = s1.lab.test",
            "00:1b:21:0a:0b:0c",
            "12:30:45",
            "rtt 0.125 ms, 1.5 s",
            "std::vector",
            "::",
            "host-198.18.0.1x",
            "a1.2.3.4",
            "deadbeef",
            "",
        ] {
            assert_eq!(a.text(text), text);
        }
    }
}
