//! Target expressions: addresses, hostnames, CIDR blocks, ranges and target files, expanded in order without duplicates.

use std::collections::HashSet;
use std::fmt;
use std::io::BufRead;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Default ceiling on the number of targets one expansion may produce.
pub const DEFAULT_MAX_TARGETS: u64 = 65_536;

/// The most targets any expansion may produce, whatever `--max-targets` says (a /8).
pub const HARD_MAX_TARGETS: u64 = 1 << 24;

/// Memory one target costs a run at most, roughly: its expansion, the duplicate check, the
/// probe's per-target state and its result on the way to the store.
pub const BYTES_PER_TARGET: u64 = 512;

/// The most targets this machine's memory holds now: half of what is available, at
/// `BYTES_PER_TARGET` each, and never more than `HARD_MAX_TARGETS`.
pub fn memory_ceiling() -> u64 {
    let available = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemAvailable:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(u64::MAX, |kib| kib.saturating_mul(1024));
    (available / 2 / BYTES_PER_TARGET).min(HARD_MAX_TARGETS)
}

/// One thing to probe, as the user wrote it (or as a member of a block the user wrote).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The text shown and reported as `target`: the token itself, or the address for block members.
    pub spec: String,
    /// What to probe.
    pub host: Host,
}

/// An address to probe directly, or a name to resolve first.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Host {
    Ip(IpAddr),
    Name(String),
}

/// Where a bad token came from, so the error can point at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: String,
    pub line: usize,
}

/// A target expression that cannot be used, naming the token and where it stood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("{}invalid target '{token}': {reason}", origin_prefix(.origin))]
    Invalid {
        token: String,
        reason: String,
        origin: Option<Origin>,
    },
    #[error("the targets expand to {count} addresses, above the limit of {limit}; {}", advice(*.count, *.ceiling))]
    TooMany {
        count: u64,
        limit: u64,
        /// The most this machine can hold (`memory_ceiling`).
        ceiling: u64,
    },
    #[error("cannot read target file '{file}': {reason}")]
    File { file: String, reason: String },
    #[error("no targets given")]
    Empty,
}

/// Raising the limit helps only up to what memory holds; past that the expression must shrink.
fn advice(count: u64, ceiling: u64) -> String {
    if count <= ceiling {
        format!("raise it with --max-targets {count}")
    } else {
        format!(
            "this machine's memory holds at most {ceiling} targets per run: split the \
             expression into smaller blocks"
        )
    }
}

fn origin_prefix(origin: &Option<Origin>) -> String {
    match origin {
        Some(o) => format!("{}:{}: ", o.file, o.line),
        None => String::new(),
    }
}

/// A parsed but not yet expanded piece of a target expression.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Single(Target),
    V4Range {
        token: String,
        first: u32,
        last: u32,
    },
    V6Range {
        token: String,
        first: u128,
        last: u128,
    },
}

impl Piece {
    fn count(&self) -> u64 {
        match self {
            Piece::Single(_) => 1,
            Piece::V4Range { first, last, .. } => u64::from(last - first) + 1,
            Piece::V6Range { first, last, .. } => {
                u64::try_from(last - first).map_or(u64::MAX, |n| n.saturating_add(1))
            }
        }
    }
}

/// Collects target tokens from arguments and files, then expands them into an ordered, duplicate-free list.
#[derive(Debug, Default)]
pub struct TargetList {
    pieces: Vec<Piece>,
}

impl TargetList {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the tokens of one command-line argument (commas and white space separate tokens).
    pub fn add_arg(&mut self, arg: &str) -> Result<(), TargetError> {
        self.add_text(arg, None)
    }

    /// Adds every token of a text, one or more per line, `#` starting a comment; `name` labels errors.
    pub fn add_text_named(&mut self, text: &str, name: &str) -> Result<(), TargetError> {
        for (i, line) in text.lines().enumerate() {
            let origin = Origin {
                file: name.to_string(),
                line: i + 1,
            };
            self.add_text(strip_comment(line), Some(origin))?;
        }
        Ok(())
    }

    /// Adds the targets of a file (`-` reads standard input).
    pub fn add_file(&mut self, path: &str) -> Result<(), TargetError> {
        let file_err = |e: std::io::Error| TargetError::File {
            file: path.to_string(),
            reason: e.to_string(),
        };
        let reader: Box<dyn BufRead> = if path == "-" {
            Box::new(std::io::stdin().lock())
        } else {
            Box::new(std::io::BufReader::new(
                std::fs::File::open(path).map_err(file_err)?,
            ))
        };
        let name = if path == "-" { "<stdin>" } else { path };
        for (i, line) in reader.lines().enumerate() {
            let line = line.map_err(file_err)?;
            let origin = Origin {
                file: name.to_string(),
                line: i + 1,
            };
            self.add_text(strip_comment(&line), Some(origin))?;
        }
        Ok(())
    }

    fn add_text(&mut self, text: &str, origin: Option<Origin>) -> Result<(), TargetError> {
        for token in text
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|t| !t.is_empty())
        {
            let piece = parse_token(token).map_err(|reason| TargetError::Invalid {
                token: token.to_string(),
                reason,
                origin: origin.clone(),
            })?;
            self.pieces.push(piece);
        }
        Ok(())
    }

    /// How many targets the expansion yields at most (before duplicates are removed).
    pub fn count(&self) -> u64 {
        self.pieces
            .iter()
            .fold(0u64, |acc, p| acc.saturating_add(p.count()))
    }

    /// Expands every piece in order, dropping repeats; refuses more than `max` targets, and more
    /// than memory holds (`memory_ceiling`) whatever `max` is.
    pub fn expand(self, max: u64) -> Result<Vec<Target>, TargetError> {
        self.expand_within(max, memory_ceiling())
    }

    fn expand_within(self, max: u64, ceiling: u64) -> Result<Vec<Target>, TargetError> {
        let count = self.count();
        if count == 0 {
            return Err(TargetError::Empty);
        }
        let limit = max.min(ceiling);
        if count > limit {
            return Err(TargetError::TooMany {
                count,
                limit,
                ceiling,
            });
        }
        // Grown as targets come (duplicates shrink the total): nothing reserved up front for
        // the worst case.
        let first = count.min(1 << 16) as usize;
        let mut seen: HashSet<Host> = HashSet::with_capacity(first);
        let mut out = Vec::with_capacity(first);
        let mut push = |t: Target, out: &mut Vec<Target>| {
            if seen.insert(t.host.clone()) {
                out.push(t);
            }
        };
        for piece in self.pieces {
            match piece {
                Piece::Single(t) => push(t, &mut out),
                Piece::V4Range { first, last, .. } => {
                    for n in first..=last {
                        let ip = IpAddr::V4(Ipv4Addr::from(n));
                        push(
                            Target {
                                spec: ip.to_string(),
                                host: Host::Ip(ip),
                            },
                            &mut out,
                        );
                    }
                }
                Piece::V6Range { first, last, .. } => {
                    for n in first..=last {
                        let ip = IpAddr::V6(Ipv6Addr::from(n));
                        push(
                            Target {
                                spec: ip.to_string(),
                                host: Host::Ip(ip),
                            },
                            &mut out,
                        );
                    }
                }
            }
        }
        Ok(out)
    }
}

/// Parses a whole target expression (arguments only) and expands it; a convenience for tests and the API.
pub fn expand_args<'a>(
    args: impl IntoIterator<Item = &'a str>,
    max: u64,
) -> Result<Vec<Target>, TargetError> {
    let mut list = TargetList::new();
    for a in args {
        list.add_arg(a)?;
    }
    list.expand(max)
}

fn strip_comment(line: &str) -> &str {
    line.split_once('#').map_or(line, |(before, _)| before)
}

fn parse_token(token: &str) -> Result<Piece, String> {
    if let Some((addr, len)) = token.split_once('/') {
        return parse_cidr(addr, len);
    }
    if let Some(ip) = parse_ip(token) {
        return Ok(Piece::Single(Target {
            spec: token.to_string(),
            host: Host::Ip(ip),
        }));
    }
    if let Some((a, b)) = token.split_once('-')
        && let Some(first) = parse_ip(a)
    {
        return parse_range(first, b);
    }
    if token.contains(':') {
        return Err("not a valid IPv6 address".into());
    }
    if token.bytes().all(|c| c.is_ascii_digit() || c == b'.') {
        return Err("not a valid IPv4 address".into());
    }
    validate_hostname(token)?;
    Ok(Piece::Single(Target {
        spec: token.to_string(),
        host: Host::Name(token.to_ascii_lowercase()),
    }))
}

fn parse_ip(s: &str) -> Option<IpAddr> {
    let s = s
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .unwrap_or(s);
    s.parse().ok()
}

fn parse_cidr(addr: &str, len: &str) -> Result<Piece, String> {
    let ip = parse_ip(addr).ok_or_else(|| format!("'{addr}' is not an IP address"))?;
    let bits: u32 = len
        .parse()
        .map_err(|_| format!("'{len}' is not a prefix length"))?;
    let token = format!("{addr}/{len}");
    match ip {
        IpAddr::V4(v4) => {
            if bits > 32 {
                return Err(format!("prefix length {bits} is above 32"));
            }
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            let net = u32::from(v4) & mask;
            let last = net | !mask;
            // Like fping -g: the network and broadcast addresses of a subnet are not hosts.
            let (first, last) = if bits <= 30 {
                (net + 1, last - 1)
            } else {
                (net, last)
            };
            Ok(Piece::V4Range { token, first, last })
        }
        IpAddr::V6(v6) => {
            if bits > 128 {
                return Err(format!("prefix length {bits} is above 128"));
            }
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            let net = u128::from(v6) & mask;
            Ok(Piece::V6Range {
                token,
                first: net,
                last: net | !mask,
            })
        }
    }
}

fn parse_range(first: IpAddr, end: &str) -> Result<Piece, String> {
    let token = format!("{first}-{end}");
    match first {
        IpAddr::V4(a) => {
            let a = u32::from(a);
            let b = if let Ok(last_octet) = end.parse::<u8>() {
                (a & 0xffff_ff00) | u32::from(last_octet)
            } else {
                match parse_ip(end) {
                    Some(IpAddr::V4(b)) => u32::from(b),
                    _ => {
                        return Err(format!(
                            "range end '{end}' is not an IPv4 address or a last octet (0-255)"
                        ));
                    }
                }
            };
            if b < a {
                return Err("range end is below its start".into());
            }
            Ok(Piece::V4Range {
                token,
                first: a,
                last: b,
            })
        }
        IpAddr::V6(a) => {
            let a = u128::from(a);
            let b = if let Ok(last) = u16::from_str_radix(end, 16)
                && !end.contains(':')
            {
                (a & !0xffff) | u128::from(last)
            } else {
                match parse_ip(end) {
                    Some(IpAddr::V6(b)) => u128::from(b),
                    _ => {
                        return Err(format!(
                            "range end '{end}' is not an IPv6 address or a last group"
                        ));
                    }
                }
            };
            if b < a {
                return Err("range end is below its start".into());
            }
            Ok(Piece::V6Range {
                token,
                first: a,
                last: b,
            })
        }
    }
}

fn validate_hostname(name: &str) -> Result<(), String> {
    let trimmed = name.strip_suffix('.').unwrap_or(name);
    if trimmed.is_empty() || trimmed.len() > 253 {
        return Err("a hostname has 1 to 253 characters".into());
    }
    for label in trimmed.split('.') {
        if label.is_empty() {
            return Err("empty label in hostname".into());
        }
        if label.len() > 63 {
            return Err(format!("label '{label}' is longer than 63 characters"));
        }
        if let Some(bad) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
        {
            return Err(format!("character '{bad}' is not allowed in a hostname"));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!("label '{label}' starts or ends with '-'"));
        }
    }
    Ok(())
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Ip(ip) => write!(f, "{ip}"),
            Host::Name(n) => f.write_str(n),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specs(args: &[&str]) -> Vec<String> {
        expand_args(args.iter().copied(), DEFAULT_MAX_TARGETS)
            .map(|v| v.into_iter().map(|t| t.spec).collect())
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn err(args: &[&str]) -> String {
        match expand_args(args.iter().copied(), DEFAULT_MAX_TARGETS) {
            Ok(v) => panic!("expected an error, got {} targets", v.len()),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn addresses_names_and_duplicates_keep_order() {
        assert_eq!(
            specs(&[
                "10.0.0.2",
                "host.example",
                "10.0.0.1,10.0.0.2",
                "::1",
                "[::2]",
                "HOST.example"
            ]),
            ["10.0.0.2", "host.example", "10.0.0.1", "::1", "[::2]"]
        );
    }

    #[test]
    fn cidr_skips_network_and_broadcast_like_fping() {
        let v = specs(&["192.0.2.0/30"]);
        assert_eq!(v, ["192.0.2.1", "192.0.2.2"]);
        assert_eq!(specs(&["192.0.2.9/31"]), ["192.0.2.8", "192.0.2.9"]);
        assert_eq!(specs(&["192.0.2.7/32"]), ["192.0.2.7"]);
        assert_eq!(specs(&["10.0.0.0/24"]).len(), 254);
    }

    #[test]
    fn ipv6_cidr_and_ranges() {
        let v = specs(&["2001:db8::/126"]);
        assert_eq!(
            v,
            ["2001:db8::", "2001:db8::1", "2001:db8::2", "2001:db8::3"]
        );
        assert_eq!(specs(&["2001:db8::/120"]).len(), 256);
        assert_eq!(
            specs(&["2001:db8::1-3"]),
            ["2001:db8::1", "2001:db8::2", "2001:db8::3"]
        );
        assert_eq!(specs(&["2001:db8::fe-2001:db8::101"]).len(), 4);
    }

    #[test]
    fn v4_ranges_full_and_short() {
        assert_eq!(specs(&["10.0.0.1-3"]), ["10.0.0.1", "10.0.0.2", "10.0.0.3"]);
        assert_eq!(
            specs(&["10.0.0.254-10.0.1.1"]),
            ["10.0.0.254", "10.0.0.255", "10.0.1.0", "10.0.1.1"]
        );
    }

    #[test]
    fn bad_tokens_are_named() {
        assert_eq!(
            err(&["10.0.0.1", "10.0.0.300"]),
            "invalid target '10.0.0.300': not a valid IPv4 address"
        );
        assert!(err(&["10.0.0.0/33"]).contains("'10.0.0.0/33': prefix length 33 is above 32"));
        assert!(err(&["10.0.0.5-2"]).contains("'10.0.0.5-2': range end is below its start"));
        assert!(err(&["10.0.0.5-300"]).contains("range end '300'"));
        assert!(err(&["bad_host!"]).contains("invalid target 'bad_host!': character '!'"));
        assert!(err(&["fe80::zz"]).contains("not a valid IPv6 address"));
        assert!(err(&["a..b"]).contains("empty label"));
        assert_eq!(err(&[]), "no targets given");
    }

    #[test]
    fn file_errors_carry_line_numbers() {
        let mut list = TargetList::new();
        let e = list.add_text_named(
            "# header\n10.0.0.1 # first\n\n10.0.0.2, nope!\n",
            "hosts.txt",
        );
        assert_eq!(
            e.map_err(|e| e.to_string()),
            Err(
                "hosts.txt:4: invalid target 'nope!': character '!' is not allowed in a hostname"
                    .to_string()
            )
        );
    }

    #[test]
    fn expansion_limit() {
        let e = err(&["10.0.0.0/8"]);
        assert!(
            e.contains("16777214 addresses, above the limit of 65536"),
            "{e}"
        );
        assert!(e.contains("--max-targets 16777214"));
        let ok = expand_args(["10.0.0.0/15"], 200_000).map(|v| v.len());
        assert_eq!(ok, Ok(131_070));
        let huge = err(&["2001:db8::/64"]);
        assert!(huge.contains("above the limit"), "{huge}");
        // A raised limit stops at what memory holds, and never advises going past it.
        let list = |t: &str| {
            let mut l = TargetList::new();
            l.add_arg(t).expect("parses");
            l
        };
        let e = list("0.0.0.0/0")
            .expand_within(u64::MAX, 1000)
            .unwrap_err()
            .to_string();
        assert!(e.contains("above the limit of 1000"), "{e}");
        assert!(e.contains("memory holds at most 1000 targets"), "{e}");
        assert!(!e.contains("--max-targets"), "{e}");
        let e = list("10.0.0.0/30")
            .expand_within(1, 1000)
            .unwrap_err()
            .to_string();
        assert!(e.contains("raise it with --max-targets 2"), "{e}");
        assert!(memory_ceiling() <= HARD_MAX_TARGETS && memory_ceiling() > 0);
    }
}
