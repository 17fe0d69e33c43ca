//! Display filters: a small expression language with Wireshark's field names, parsed once into a
//! tree that is evaluated per frame. Protocol names test presence (`dns`, `!arp`); fields compare
//! with `==`, `!=`, `<`, `<=`, `>`, `>=` (or `eq`, `ne`, `lt`, `le`, `gt`, `ge`); `&&`/`and`,
//! `||`/`or`, `!`/`not` and parentheses combine them. Errors name the column (1-based).
//!
//! ```text
//! ip.addr == 10.0.0.1 && tcp.port == 443
//! ip.src == 198.18.0.0/16 or ipv6
//! tcp.flags.syn == 1 && tcp.flags.ack == 0
//! frame.len > 1000 && !(udp.port == 53)
//! ```

use crate::dissect::{Addr, PROTOCOLS, Summary};

/// A filter that did not parse: what and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct FilterError {
    /// 1-based column of the offending text.
    pub column: usize,
    pub message: String,
}

/// What a frame offers a filter: its dissection and its length on the wire.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    pub summary: &'a Summary,
    pub len: u32,
    pub caplen: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// The fields a filter can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Proto(u32),
    FrameLen,
    FrameCapLen,
    IpSrc,
    IpDst,
    IpAddr,
    Ip6Src,
    Ip6Dst,
    Ip6Addr,
    IpProto,
    TcpSrcPort,
    TcpDstPort,
    TcpPort,
    UdpSrcPort,
    UdpDstPort,
    UdpPort,
    TcpFlags,
    TcpFlag(u8),
}

impl Field {
    fn by_name(name: &str) -> Option<Field> {
        if let Some((bit, _)) = PROTOCOLS.iter().find(|(_, n)| *n == name) {
            return Some(Field::Proto(*bit));
        }
        Some(match name {
            "frame.len" => Field::FrameLen,
            "frame.cap_len" => Field::FrameCapLen,
            "ip.src" => Field::IpSrc,
            "ip.dst" => Field::IpDst,
            "ip.addr" => Field::IpAddr,
            "ipv6.src" => Field::Ip6Src,
            "ipv6.dst" => Field::Ip6Dst,
            "ipv6.addr" => Field::Ip6Addr,
            "ip.proto" => Field::IpProto,
            "tcp.srcport" => Field::TcpSrcPort,
            "tcp.dstport" => Field::TcpDstPort,
            "tcp.port" => Field::TcpPort,
            "udp.srcport" => Field::UdpSrcPort,
            "udp.dstport" => Field::UdpDstPort,
            "udp.port" => Field::UdpPort,
            "tcp.flags" => Field::TcpFlags,
            "tcp.flags.fin" => Field::TcpFlag(0x01),
            "tcp.flags.syn" => Field::TcpFlag(0x02),
            "tcp.flags.reset" | "tcp.flags.rst" => Field::TcpFlag(0x04),
            "tcp.flags.push" | "tcp.flags.psh" => Field::TcpFlag(0x08),
            "tcp.flags.ack" => Field::TcpFlag(0x10),
            "tcp.flags.urg" => Field::TcpFlag(0x20),
            _ => return None,
        })
    }

    fn is_address(self) -> bool {
        matches!(
            self,
            Field::IpSrc
                | Field::IpDst
                | Field::IpAddr
                | Field::Ip6Src
                | Field::Ip6Dst
                | Field::Ip6Addr
        )
    }
}

/// An address, or a block of them (`10.0.0.0/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Net {
    addr: Addr,
    prefix: u8,
}

impl Net {
    fn contains(&self, a: &Addr) -> bool {
        if a.v6 != self.addr.v6 {
            return false;
        }
        let bits = usize::from(self.prefix);
        let full = bits / 8;
        if a.bytes[..full] != self.addr.bytes[..full] {
            return false;
        }
        let rest = bits % 8;
        rest == 0 || {
            let mask = 0xffu8 << (8 - rest);
            a.bytes[full] & mask == self.addr.bytes[full] & mask
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Value {
    Number(u64),
    Net(Net),
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Present(Field),
    Compare(Field, Op, Value),
    Not(Box<Node>),
    /// A chain `a && b && ...` is one node, so a long chain is wide, not deep.
    And(Vec<Node>),
    Or(Vec<Node>),
}

/// Deepest nesting of `!` and `(` a filter may have. The parser and the evaluator recurse once
/// per level, so this bounds their stack use whatever a client sends.
pub const MAX_DEPTH: usize = 256;

/// Longest filter text accepted, in bytes.
pub const MAX_LEN: usize = 64 << 10;

/// A compiled display filter.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    root: Node,
    text: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Op(Op),
    And,
    Or,
    Not,
    Open,
    Close,
}

fn lex(text: &str) -> Result<Vec<(usize, Tok)>, FilterError> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let err = |at: usize, m: String| FilterError {
        column: at + 1,
        message: m,
    };
    while i < chars.len() {
        let c = chars[i];
        let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
        let start = i;
        let tok = match (c, two.as_str()) {
            (c, _) if c.is_whitespace() => {
                i += 1;
                continue;
            }
            (_, "&&") => {
                i += 2;
                Tok::And
            }
            (_, "||") => {
                i += 2;
                Tok::Or
            }
            (_, "==") => {
                i += 2;
                Tok::Op(Op::Eq)
            }
            (_, "!=") => {
                i += 2;
                Tok::Op(Op::Ne)
            }
            (_, "<=") => {
                i += 2;
                Tok::Op(Op::Le)
            }
            (_, ">=") => {
                i += 2;
                Tok::Op(Op::Ge)
            }
            ('<', _) => {
                i += 1;
                Tok::Op(Op::Lt)
            }
            ('>', _) => {
                i += 1;
                Tok::Op(Op::Gt)
            }
            ('!', _) => {
                i += 1;
                Tok::Not
            }
            ('(', _) => {
                i += 1;
                Tok::Open
            }
            (')', _) => {
                i += 1;
                Tok::Close
            }
            (c, _) if c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '/' | '_' | '-') => {
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric()
                        || matches!(chars[i], '.' | ':' | '/' | '_' | '-'))
                {
                    i += 1;
                }
                let w: String = chars[start..i].iter().collect();
                match w.as_str() {
                    "and" => Tok::And,
                    "or" => Tok::Or,
                    "not" => Tok::Not,
                    "eq" => Tok::Op(Op::Eq),
                    "ne" => Tok::Op(Op::Ne),
                    "lt" => Tok::Op(Op::Lt),
                    "le" => Tok::Op(Op::Le),
                    "gt" => Tok::Op(Op::Gt),
                    "ge" => Tok::Op(Op::Ge),
                    _ => Tok::Word(w),
                }
            }
            (c, _) => return Err(err(i, format!("unexpected character '{c}'"))),
        };
        out.push((start, tok));
    }
    Ok(out)
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    pos: usize,
    end: usize,
    /// Current nesting of `!` and `(`.
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(_, t)| t)
    }

    fn column(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end, |(c, _)| *c) + 1
    }

    fn fail<T>(&self, message: impl Into<String>) -> Result<T, FilterError> {
        Err(FilterError {
            column: self.column(),
            message: message.into(),
        })
    }

    fn or(&mut self) -> Result<Node, FilterError> {
        let mut terms = vec![self.and()?];
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            terms.push(self.and()?);
        }
        Ok(if terms.len() == 1 {
            terms.swap_remove(0)
        } else {
            Node::Or(terms)
        })
    }

    fn and(&mut self) -> Result<Node, FilterError> {
        let mut terms = vec![self.not()?];
        while self.peek() == Some(&Tok::And) {
            self.pos += 1;
            terms.push(self.not()?);
        }
        Ok(if terms.len() == 1 {
            terms.swap_remove(0)
        } else {
            Node::And(terms)
        })
    }

    /// One level deeper into `!` or `(`; refused past `MAX_DEPTH`.
    fn descend(&mut self) -> Result<(), FilterError> {
        if self.depth >= MAX_DEPTH {
            return self.fail(format!(
                "nested deeper than {MAX_DEPTH} levels of '!' and '('"
            ));
        }
        self.depth += 1;
        Ok(())
    }

    fn not(&mut self) -> Result<Node, FilterError> {
        if self.peek() == Some(&Tok::Not) {
            self.descend()?;
            self.pos += 1;
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(Node::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Node, FilterError> {
        match self.peek().cloned() {
            Some(Tok::Open) => {
                self.descend()?;
                self.pos += 1;
                let inner = self.or()?;
                if self.peek() != Some(&Tok::Close) {
                    return self.fail("expected ')'");
                }
                self.pos += 1;
                self.depth -= 1;
                Ok(inner)
            }
            Some(Tok::Word(name)) => {
                let at = self.column();
                let Some(field) = Field::by_name(&name) else {
                    return Err(FilterError {
                        column: at,
                        message: format!("unknown field or protocol '{name}'"),
                    });
                };
                self.pos += 1;
                let Some(Tok::Op(op)) = self.peek().cloned() else {
                    return Ok(Node::Present(field));
                };
                self.pos += 1;
                if let Field::Proto(_) = field {
                    return Err(FilterError {
                        column: at,
                        message: format!("'{name}' is a protocol: test it alone, as '{name}'"),
                    });
                }
                let Some(Tok::Word(raw)) = self.peek().cloned() else {
                    return self.fail(format!("expected a value after the comparison with {name}"));
                };
                let value = self.value(field, &raw)?;
                self.pos += 1;
                Ok(Node::Compare(field, op, value))
            }
            Some(_) => self.fail("expected a field, a protocol, '!' or '('"),
            None => self.fail("the filter ends where a field or protocol was expected"),
        }
    }

    fn value(&self, field: Field, raw: &str) -> Result<Value, FilterError> {
        if field.is_address() {
            let (addr, prefix) = match raw.split_once('/') {
                Some((a, p)) => (a, Some(p)),
                None => (raw, None),
            };
            let ip: std::net::IpAddr = addr
                .parse()
                .or_else(|_| self.fail(format!("'{raw}' is not an IP address or block")))?;
            let v6 = ip.is_ipv6();
            let v6_field = matches!(field, Field::Ip6Src | Field::Ip6Dst | Field::Ip6Addr);
            if v6 != v6_field {
                return self.fail(format!(
                    "'{raw}' is an IPv{} address; this field holds IPv{} ones",
                    if v6 { 6 } else { 4 },
                    if v6_field { 6 } else { 4 }
                ));
            }
            let max = if v6 { 128 } else { 32 };
            let prefix = match prefix {
                Some(p) => match p.parse::<u8>() {
                    Ok(n) if n <= max => n,
                    _ => return self.fail(format!("'/{p}': a prefix length is 0 to {max}")),
                },
                None => max,
            };
            let mut bytes = [0u8; 16];
            match ip {
                std::net::IpAddr::V4(a) => bytes[..4].copy_from_slice(&a.octets()),
                std::net::IpAddr::V6(a) => bytes = a.octets(),
            }
            return Ok(Value::Net(Net {
                addr: Addr { v6, bytes },
                prefix,
            }));
        }
        let n = if let Some(hex) = raw.strip_prefix("0x") {
            u64::from_str_radix(hex, 16).ok()
        } else {
            raw.parse::<u64>().ok()
        };
        match n {
            Some(n) => Ok(Value::Number(n)),
            None => self.fail(format!("'{raw}' is not a number")),
        }
    }
}

impl Filter {
    /// Compiles a filter; an error names the column of what could not be read.
    pub fn parse(text: &str) -> Result<Filter, FilterError> {
        if text.len() > MAX_LEN {
            return Err(FilterError {
                column: 1,
                message: format!(
                    "the filter is {} bytes long; at most {MAX_LEN} are accepted",
                    text.len()
                ),
            });
        }
        let toks = lex(text)?;
        let mut p = Parser {
            toks,
            pos: 0,
            end: text.chars().count(),
            depth: 0,
        };
        let root = p.or()?;
        if p.pos < p.toks.len() {
            return p.fail("unexpected text after a complete expression (missing && or ||?)");
        }
        Ok(Filter {
            root,
            text: text.to_string(),
        })
    }

    /// The text it was compiled from.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Does the frame match?
    pub fn matches(&self, f: &Frame<'_>) -> bool {
        eval(&self.root, f)
    }
}

/// The values a field has in a frame (addresses and ports can have two: source and
/// destination); none when the frame lacks it.
fn numbers(field: Field, f: &Frame<'_>) -> ([u64; 2], usize) {
    let s = f.summary;
    let tcp = s.l4 == 6 && s.protos & crate::dissect::proto::TCP != 0;
    let udp = s.l4 == 17 && s.protos & crate::dissect::proto::UDP != 0;
    match field {
        Field::FrameLen => ([u64::from(f.len), 0], 1),
        Field::FrameCapLen => ([u64::from(f.caplen), 0], 1),
        Field::IpProto if s.src.is_some_and(|a| !a.v6) => ([u64::from(s.l4), 0], 1),
        Field::TcpSrcPort if tcp => ([u64::from(s.sport), 0], 1),
        Field::TcpDstPort if tcp => ([u64::from(s.dport), 0], 1),
        Field::TcpPort if tcp => ([u64::from(s.sport), u64::from(s.dport)], 2),
        Field::UdpSrcPort if udp => ([u64::from(s.sport), 0], 1),
        Field::UdpDstPort if udp => ([u64::from(s.dport), 0], 1),
        Field::UdpPort if udp => ([u64::from(s.sport), u64::from(s.dport)], 2),
        Field::TcpFlags if tcp => ([u64::from(s.tcp_flags), 0], 1),
        Field::TcpFlag(bit) if tcp => ([u64::from(s.tcp_flags & bit != 0), 0], 1),
        _ => ([0, 0], 0),
    }
}

fn addresses(field: Field, s: &Summary) -> ([Option<Addr>; 2], bool) {
    let family = |a: Option<Addr>, v6: bool| a.filter(|a| a.v6 == v6);
    match field {
        Field::IpSrc => ([family(s.src, false), None], false),
        Field::IpDst => ([family(s.dst, false), None], false),
        Field::IpAddr => ([family(s.src, false), family(s.dst, false)], true),
        Field::Ip6Src => ([family(s.src, true), None], false),
        Field::Ip6Dst => ([family(s.dst, true), None], false),
        Field::Ip6Addr => ([family(s.src, true), family(s.dst, true)], true),
        _ => ([None, None], false),
    }
}

fn eval(n: &Node, f: &Frame<'_>) -> bool {
    match n {
        Node::Not(inner) => !eval(inner, f),
        Node::And(terms) => terms.iter().all(|t| eval(t, f)),
        Node::Or(terms) => terms.iter().any(|t| eval(t, f)),
        Node::Present(Field::Proto(bit)) => f.summary.protos & bit != 0,
        Node::Present(field) if field.is_address() => {
            addresses(*field, f.summary).0.iter().any(Option::is_some)
        }
        Node::Present(field) => numbers(*field, f).1 > 0,
        Node::Compare(field, op, Value::Net(net)) => {
            let (addrs, _) = addresses(*field, f.summary);
            let present: Vec<&Addr> = addrs.iter().flatten().collect();
            // As Wireshark: `==` when any value matches; `!=` is the negation of `==`.
            let any = present.iter().any(|a| net.contains(a));
            match op {
                Op::Eq => any,
                Op::Ne => !present.is_empty() && !any,
                _ => false,
            }
        }
        Node::Compare(field, op, Value::Number(want)) => {
            let (vals, n) = numbers(*field, f);
            let vals = &vals[..n];
            let test = |v: u64| match op {
                Op::Eq => v == *want,
                Op::Ne => v != *want,
                Op::Lt => v < *want,
                Op::Le => v <= *want,
                Op::Gt => v > *want,
                Op::Ge => v >= *want,
            };
            match op {
                Op::Ne => !vals.is_empty() && !vals.contains(want),
                _ => vals.iter().any(|v| test(*v)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dissect::Dissector;
    use crate::read::linktype;

    fn frame(proto_num: u8, sport: u16, dport: u16, flags: u8) -> Vec<u8> {
        let mut f = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00];
        let l4: Vec<u8> = match proto_num {
            6 => {
                let mut t = sport.to_be_bytes().to_vec();
                t.extend_from_slice(&dport.to_be_bytes());
                t.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
                t
            }
            _ => {
                let mut u = sport.to_be_bytes().to_vec();
                u.extend_from_slice(&dport.to_be_bytes());
                u.extend_from_slice(&[0, 12, 0, 0, 1, 2, 3, 4]);
                u
            }
        };
        let total = (20 + l4.len()) as u16;
        f.extend_from_slice(&[0x45, 0]);
        f.extend_from_slice(&total.to_be_bytes());
        f.extend_from_slice(&[0, 1, 0, 0, 64, proto_num, 0, 0, 10, 0, 0, 1, 192, 168, 7, 9]);
        f.extend_from_slice(&l4);
        f
    }

    fn check(filter: &str, bytes: &[u8]) -> bool {
        let s = Dissector::new().frame(linktype::ETHERNET, bytes);
        let f = Filter::parse(filter).unwrap_or_else(|e| panic!("{filter}: {e}"));
        f.matches(&Frame {
            summary: &s,
            len: bytes.len() as u32,
            caplen: bytes.len() as u32,
        })
    }

    #[test]
    fn wireshark_style_expressions() {
        let syn = frame(6, 40000, 443, 0x02);
        let dns = frame(17, 5353, 53, 0);
        for (f, want) in [
            ("ip.addr == 10.0.0.1 && tcp.port == 443", true),
            ("ip.addr == 192.168.0.0/16 and tcp.dstport eq 443", true),
            ("ip.src == 192.168.7.9", false),
            ("tcp.flags.syn == 1 && tcp.flags.ack == 0", true),
            // As in Wireshark, a bare field tests presence: a TCP frame always has its flags.
            ("!tcp.flags.ack", false),
            ("tcp.flags == 0x02", true),
            ("udp", false),
            ("!arp", true),
            ("frame.len > 1000", false),
            ("frame.len >= 54", true),
            ("tcp.port != 443", false),
            ("tcp.port != 80", true),
            ("udp.port == 443", false),
            ("(dns || tcp) && ip", true),
            ("ipv6 or ip.proto == 6", true),
            ("ipv6.addr == ::1", false),
        ] {
            assert_eq!(check(f, &syn), want, "{f} on a SYN");
        }
        assert!(check("dns && udp.port == 53", &dns));
        assert!(check("not tcp", &dns));
        assert!(!check("udp.port != 53", &dns), "!= is the negation of ==");
    }

    #[test]
    fn errors_name_the_column() {
        for (text, column, part) in [
            ("ip.adr == 1.2.3.4", 1, "unknown field or protocol 'ip.adr'"),
            ("tcp.port == ", 13, "expected a value"),
            ("tcp.port == http", 13, "'http' is not a number"),
            ("ip.addr == 300.1.1.1", 12, "not an IP address"),
            ("ip.addr == 10.0.0.0/33", 12, "prefix length is 0 to 32"),
            ("ip.src == ::1", 11, "IPv6 address; this field holds IPv4"),
            ("dns == 1", 1, "is a protocol"),
            ("(tcp", 5, "expected ')'"),
            ("tcp udp", 5, "missing && or ||"),
            ("tcp && $", 8, "unexpected character '$'"),
            ("", 1, "ends where a field"),
            ("&& tcp", 1, "expected a field"),
        ] {
            let e = Filter::parse(text).unwrap_err();
            assert_eq!(e.column, column, "{text}: {e}");
            assert!(e.message.contains(part), "{text}: {e}");
        }
    }

    #[test]
    fn nesting_is_capped_and_long_chains_stay_flat() {
        let syn = frame(6, 40000, 443, 0x02);
        // At the cap: parses and evaluates (each '!' flips; 256 of them leave "tcp" as it is).
        assert!(check(&format!("{}tcp", "!".repeat(MAX_DEPTH)), &syn));
        let parens = format!("{}tcp{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert!(check(&parens, &syn));
        // One past it, and far past it (what used to overflow a worker's stack), are refused.
        for text in [
            format!("{}tcp", "!".repeat(MAX_DEPTH + 1)),
            format!("{}tcp", "!".repeat(60_000)),
            format!("{}tcp", "(".repeat(5_000)),
            format!("{}tcp", "not ".repeat(8_000)),
        ] {
            let e = Filter::parse(&text).unwrap_err();
            assert!(e.message.contains("nested deeper than 256"), "{e}");
            assert_eq!(
                e.column,
                MAX_DEPTH
                    + 1
                    + if text.starts_with('n') {
                        3 * MAX_DEPTH
                    } else {
                        0
                    }
            );
        }
        // A chain of 8,000 terms is wide, not deep: no recursion per term.
        let chain = vec!["tcp"; 8_000].join(" && ");
        assert!(check(&chain, &syn));
        let chain = vec!["udp"; 8_000].join(" || ");
        assert!(!check(&chain, &syn));
        let e = Filter::parse(&"tcp && ".repeat(20_000)).unwrap_err();
        assert!(e.message.contains("at most 65536"), "{e}");
    }

    #[test]
    fn junk_never_panics() {
        let alphabet: Vec<char> = "ip.addrtcp port=!<>&|() 0x1:/9aAnd or not eq"
            .chars()
            .collect();
        let mut s = 7u64;
        for n in 0..20_000 {
            let text: String = (0..n % 40)
                .map(|_| {
                    s ^= s << 13;
                    s ^= s >> 7;
                    s ^= s << 17;
                    alphabet[(s % alphabet.len() as u64) as usize]
                })
                .collect();
            let _ = Filter::parse(&text);
        }
    }
}
