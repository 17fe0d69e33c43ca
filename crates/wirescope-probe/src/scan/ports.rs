//! Port lists: `22,80,8000-8100`, `-` for all, and the most frequently open ports with service names.

use crate::error::ProbeError;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

const TOP_PORTS: &str = include_str!("top_ports.txt");

fn table() -> &'static (Vec<u16>, HashMap<u16, &'static str>) {
    static TABLE: OnceLock<(Vec<u16>, HashMap<u16, &'static str>)> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut order = Vec::with_capacity(1000);
        let mut names = HashMap::with_capacity(1000);
        for line in TOP_PORTS.lines().filter(|l| !l.starts_with('#')) {
            let mut it = line.split_whitespace();
            if let (Some(p), Some(n)) = (it.next().and_then(|p| p.parse().ok()), it.next()) {
                order.push(p);
                names.insert(p, n);
            }
        }
        (order, names)
    })
}

/// How many ports the frequency table knows.
pub fn top_available() -> usize {
    table().0.len()
}

/// The `n` most frequently open TCP ports, most frequent first (as nmap's --top-ports).
pub fn top(n: usize) -> Result<Vec<u16>, ProbeError> {
    let order = &table().0;
    if n == 0 || n > order.len() {
        return Err(ProbeError::Options(format!(
            "--top takes 1 to {}",
            order.len()
        )));
    }
    Ok(order[..n].to_vec())
}

/// The well-known service name of a TCP port, if any.
pub fn service(port: u16) -> Option<&'static str> {
    table().1.get(&port).copied()
}

/// Parses a port list: numbers and ranges separated by commas, `-` alone for 1-65535, in the
/// order given without repeats.
pub fn parse(spec: &str) -> Result<Vec<u16>, ProbeError> {
    let bad = |token: &str, why: &str| {
        Err(ProbeError::Options(format!(
            "invalid port '{token}' in '{spec}': {why}"
        )))
    };
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for token in spec.split(',').map(str::trim) {
        if token.is_empty() {
            return bad(token, "empty entry");
        }
        let (lo, hi) = if token == "-" {
            (1, 65_535)
        } else if let Some((a, b)) = token.split_once('-') {
            let lo = if a.is_empty() {
                Ok(1)
            } else {
                a.parse::<u32>()
            };
            let hi = if b.is_empty() {
                Ok(65_535)
            } else {
                b.parse::<u32>()
            };
            match (lo, hi) {
                (Ok(lo), Ok(hi)) => (lo, hi),
                _ => return bad(token, "not a number or range"),
            }
        } else {
            match token.parse::<u32>() {
                Ok(p) => (p, p),
                Err(_) => return bad(token, "not a number"),
            }
        };
        if lo == 0 || hi > 65_535 {
            return bad(token, "ports are 1 to 65535");
        }
        if hi < lo {
            return bad(token, "range end is below its start");
        }
        for p in lo..=hi {
            let p = p as u16;
            if seen.insert(p) {
                out.push(p);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(spec: &str) -> String {
        match parse(spec) {
            Ok(v) => panic!("'{spec}' parsed to {v:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn lists_and_ranges() {
        assert_eq!(
            parse("22,80,8000-8002").ok(),
            Some(vec![22, 80, 8000, 8001, 8002])
        );
        assert_eq!(parse("80, 22,80").ok(), Some(vec![80, 22]));
        assert_eq!(parse("-").map(|v| v.len()).ok(), Some(65_535));
        assert_eq!(parse("65530-").map(|v| v.len()).ok(), Some(6));
    }

    #[test]
    fn bad_ports_are_named() {
        assert_eq!(
            err("22,70000"),
            "invalid port '70000' in '22,70000': ports are 1 to 65535"
        );
        assert!(err("0").contains("ports are 1 to 65535"));
        assert!(err("90-80").contains("range end is below its start"));
        assert!(err("ssh").contains("invalid port 'ssh'"));
        assert!(err("22,,80").contains("empty entry"));
    }

    #[test]
    fn top_ports_in_frequency_order_with_names() {
        let t = top(1000).unwrap_or_default();
        assert_eq!(t.len(), 1000);
        assert_eq!(&t[..3], &[80, 23, 443]);
        assert!(t.contains(&3389) && t.contains(&8080));
        assert_eq!(t.iter().collect::<HashSet<_>>().len(), 1000);
        assert_eq!(service(22), Some("ssh"));
        assert_eq!(service(3389), Some("ms-wbt-server"));
        assert!(top(0).is_err() && top(1001).is_err());
    }
}
