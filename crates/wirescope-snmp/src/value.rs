//! SNMP values as net-snmp prints them: a type word (STRING, INTEGER, Timeticks, IpAddress,
//! Hex-STRING, Counter32, ...) and the value text, with enumerations named and MAC addresses
//! written aa:bb:cc:dd:ee:ff.

use crate::mib::{self, Hint};
use async_snmp::Value;

/// The type word and the value text of one binding.
pub fn format(oid: &[u32], value: &Value) -> (&'static str, String) {
    let hint = mib::lookup(oid).map_or(Hint::Plain, |(o, _)| o.hint);
    match value {
        Value::Integer(v) => match hint {
            Hint::Enum(names) => match names.iter().find(|(n, _)| *n == i64::from(*v)) {
                Some((_, name)) => ("INTEGER", format!("{name}({v})")),
                None => ("INTEGER", v.to_string()),
            },
            _ => ("INTEGER", v.to_string()),
        },
        Value::OctetString(bytes) => octets(bytes, hint),
        Value::Null => ("NULL", String::new()),
        Value::ObjectIdentifier(o) => ("OID", mib::dotted(o.arcs())),
        Value::IpAddress(a) => ("IpAddress", format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3])),
        Value::Counter32(v) => ("Counter32", v.to_string()),
        Value::Gauge32(v) | Value::UInteger32(v) => ("Gauge32", v.to_string()),
        Value::TimeTicks(t) => ("Timeticks", timeticks(*t)),
        Value::Opaque(b) => ("OPAQUE", hex(b)),
        Value::Nsap(b) => ("NsapAddress", hex(b)),
        Value::Counter64(v) => ("Counter64", v.to_string()),
        Value::NoSuchObject => (
            "noSuchObject",
            "No Such Object available on this agent at this OID".into(),
        ),
        Value::NoSuchInstance => (
            "noSuchInstance",
            "No Such Instance currently exists at this OID".into(),
        ),
        Value::EndOfMibView => (
            "endOfMibView",
            "No more variables left in this MIB View".into(),
        ),
        other => ("UNKNOWN", other.to_string()),
    }
}

fn octets(bytes: &[u8], hint: Hint) -> (&'static str, String) {
    if hint == Hint::Mac && bytes.len() == 6 {
        return ("STRING", mac(bytes));
    }
    match std::str::from_utf8(bytes) {
        Ok(s)
            if hint == Hint::Text
                || s.chars()
                    .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t')) =>
        {
            ("STRING", s.trim_end_matches('\0').to_string())
        }
        _ => ("Hex-STRING", hex(bytes)),
    }
}

/// A MAC address, lower-case and zero-padded.
pub fn mac(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Bytes as net-snmp's Hex-STRING: upper-case pairs separated by spaces.
pub fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Timeticks as net-snmp prints them: `(8640123) 1 day, 0:00:01.23`.
pub fn timeticks(t: u32) -> String {
    let cs = t % 100;
    let secs = t / 100;
    let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    let days = match d {
        0 => String::new(),
        1 => "1 day, ".into(),
        n => format!("{n} days, "),
    };
    format!("({t}) {days}{h}:{m:02}:{s:02}.{cs:02}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_snmp::Oid;

    #[test]
    fn like_net_snmp() {
        let admin = [1, 3, 6, 1, 2, 1, 2, 2, 1, 7, 1];
        assert_eq!(
            format(&admin, &Value::Integer(1)),
            ("INTEGER", "up(1)".into())
        );
        assert_eq!(
            format(&admin, &Value::Integer(99)),
            ("INTEGER", "99".into())
        );
        let phys = [1, 3, 6, 1, 2, 1, 2, 2, 1, 6, 2];
        let m = Value::OctetString(vec![0x52, 0x54, 0, 0x12, 0x34, 0x0a].into());
        assert_eq!(format(&phys, &m), ("STRING", "52:54:00:12:34:0a".into()));
        let descr = [1, 3, 6, 1, 2, 1, 1, 1, 0];
        assert_eq!(
            format(&descr, &Value::OctetString(b"Linux s1".to_vec().into())),
            ("STRING", "Linux s1".into())
        );
        let other = [1, 3, 6, 1, 4, 1, 9, 1];
        assert_eq!(
            format(&other, &Value::OctetString(vec![0, 0xff, 0x10].into())),
            ("Hex-STRING", "00 FF 10".into())
        );
        assert_eq!(
            format(&other, &Value::IpAddress([198, 18, 0, 1])),
            ("IpAddress", "198.18.0.1".into())
        );
        assert_eq!(
            format(
                &other,
                &Value::ObjectIdentifier(Oid::from_slice(&[1, 3, 6, 1]))
            ),
            ("OID", ".1.3.6.1".into())
        );
        assert_eq!(format(&other, &Value::Counter64(1 << 40)).0, "Counter64");
        assert_eq!(format(&other, &Value::Gauge32(5)), ("Gauge32", "5".into()));
    }

    #[test]
    fn timeticks_format() {
        assert_eq!(timeticks(2287), "(2287) 0:00:22.87");
        assert_eq!(timeticks(8_640_123), "(8640123) 1 day, 0:00:01.23");
        assert_eq!(
            timeticks(17_280_000 + 366_100),
            "(17646100) 2 days, 1:01:01.00"
        );
    }
}
