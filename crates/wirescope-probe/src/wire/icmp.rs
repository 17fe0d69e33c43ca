//! ICMP and ICMPv6: echo requests, and parsing of replies and errors with the packet they quote.
//!
//! Parsing validates lengths once; every accessor afterwards works on checked slices, so hostile
//! bytes yield `None` or `Icmp::Other`, never a panic.

use super::checksum;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub const V4_ECHO_REPLY: u8 = 0;
pub const V4_UNREACHABLE: u8 = 3;
pub const V4_ECHO_REQUEST: u8 = 8;
pub const V4_TIME_EXCEEDED: u8 = 11;
pub const V6_UNREACHABLE: u8 = 1;
pub const V6_TOO_BIG: u8 = 2;
pub const V6_TIME_EXCEEDED: u8 = 3;
pub const V6_ECHO_REQUEST: u8 = 128;
pub const V6_ECHO_REPLY: u8 = 129;

pub const PROTO_ICMP: u8 = 1;
pub const PROTO_TCP: u8 = 6;
pub const PROTO_UDP: u8 = 17;
pub const PROTO_ICMPV6: u8 = 58;

/// Builds an echo request. For ICMPv6 the kernel fills in the checksum (it needs the source address).
pub fn echo_request(v6: bool, ident: u16, seq: u16, payload: &[u8]) -> Vec<u8> {
    let mut pkt = Vec::with_capacity(8 + payload.len());
    pkt.push(if v6 { V6_ECHO_REQUEST } else { V4_ECHO_REQUEST });
    pkt.extend_from_slice(&[0, 0, 0]);
    pkt.extend_from_slice(&ident.to_be_bytes());
    pkt.extend_from_slice(&seq.to_be_bytes());
    pkt.extend_from_slice(payload);
    if !v6 {
        let c = checksum::checksum(&pkt);
        pkt[2..4].copy_from_slice(&c.to_be_bytes());
    }
    pkt
}

/// What an ICMP error reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// TTL or hop limit reached zero in transit (code 0) or fragment reassembly timed out (code 1).
    TimeExceeded,
    /// Destination unreachable with its code (v4 and v6 codes differ; see `describe`).
    Unreachable(u8),
    PacketTooBig,
}

/// The IP packet an ICMP error quotes: enough to tell which probe caused it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quoted<'a> {
    pub proto: u8,
    pub src: IpAddr,
    pub dst: IpAddr,
    /// IPv4 identification field (none for IPv6).
    pub ip_id: Option<u16>,
    /// The quoted transport header and whatever payload the router kept (at least 8 bytes).
    pub l4: &'a [u8],
}

/// A parsed ICMP message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Icmp<'a> {
    EchoReply {
        ident: u16,
        seq: u16,
        payload: &'a [u8],
    },
    Error {
        kind: ErrorKind,
        code: u8,
        quoted: Quoted<'a>,
    },
    Other {
        icmp_type: u8,
    },
}

/// Parses an ICMP message. `ip_header` says the buffer starts with an IPv4 header (raw IPv4 sockets);
/// returns the message and, for raw IPv4, the TTL of the packet that carried it.
pub fn parse(buf: &[u8], v6: bool, ip_header: bool) -> Option<(Icmp<'_>, Option<u8>)> {
    let (icmp, ttl) = if ip_header {
        let (hlen, ttl) = ipv4_header_len(buf)?;
        (buf.get(hlen..)?, Some(ttl))
    } else {
        (buf, None)
    };
    if icmp.len() < 8 {
        return None;
    }
    let (ty, code) = (icmp[0], icmp[1]);
    let ident = u16::from_be_bytes([icmp[4], icmp[5]]);
    let seq = u16::from_be_bytes([icmp[6], icmp[7]]);
    let body = &icmp[8..];
    let msg = match (v6, ty) {
        (false, V4_ECHO_REPLY) | (true, V6_ECHO_REPLY) => Icmp::EchoReply {
            ident,
            seq,
            payload: body,
        },
        (false, V4_TIME_EXCEEDED) | (true, V6_TIME_EXCEEDED) => Icmp::Error {
            kind: ErrorKind::TimeExceeded,
            code,
            quoted: parse_quoted(body, v6)?,
        },
        (false, V4_UNREACHABLE) | (true, V6_UNREACHABLE) => Icmp::Error {
            kind: ErrorKind::Unreachable(code),
            code,
            quoted: parse_quoted(body, v6)?,
        },
        (true, V6_TOO_BIG) => Icmp::Error {
            kind: ErrorKind::PacketTooBig,
            code,
            quoted: parse_quoted(body, v6)?,
        },
        _ => Icmp::Other { icmp_type: ty },
    };
    Some((msg, ttl))
}

/// The IPv4 header length and TTL, after checking version and bounds.
pub fn ipv4_header_len(buf: &[u8]) -> Option<(usize, u8)> {
    let first = *buf.first()?;
    if first >> 4 != 4 {
        return None;
    }
    let hlen = usize::from(first & 0x0f) * 4;
    if hlen < 20 || buf.len() < hlen {
        return None;
    }
    Some((hlen, buf[8]))
}

fn parse_quoted(body: &[u8], v6: bool) -> Option<Quoted<'_>> {
    if v6 {
        if body.len() < 48 || body[0] >> 4 != 6 {
            return None;
        }
        let src = Ipv6Addr::from(<[u8; 16]>::try_from(&body[8..24]).ok()?);
        let dst = Ipv6Addr::from(<[u8; 16]>::try_from(&body[24..40]).ok()?);
        Some(Quoted {
            proto: body[6],
            src: src.into(),
            dst: dst.into(),
            ip_id: None,
            l4: &body[40..],
        })
    } else {
        let (hlen, _) = ipv4_header_len(body)?;
        let l4 = body.get(hlen..)?;
        if l4.len() < 8 {
            return None;
        }
        let src = Ipv4Addr::new(body[12], body[13], body[14], body[15]);
        let dst = Ipv4Addr::new(body[16], body[17], body[18], body[19]);
        let ip_id = u16::from_be_bytes([body[4], body[5]]);
        Some(Quoted {
            proto: body[9],
            src: src.into(),
            dst: dst.into(),
            ip_id: Some(ip_id),
            l4,
        })
    }
}

/// A short human description of an ICMP error, as ping and traceroute print them.
pub fn describe(kind: ErrorKind, v6: bool) -> &'static str {
    match (kind, v6) {
        (ErrorKind::TimeExceeded, _) => "time exceeded",
        (ErrorKind::PacketTooBig, _) => "packet too big",
        (ErrorKind::Unreachable(code), false) => match code {
            0 => "network unreachable",
            1 => "host unreachable",
            2 => "protocol unreachable",
            3 => "port unreachable",
            4 => "fragmentation needed",
            9 | 10 | 13 => "administratively prohibited",
            _ => "destination unreachable",
        },
        (ErrorKind::Unreachable(code), true) => match code {
            0 => "no route to destination",
            1 | 5 | 6 => "administratively prohibited",
            3 => "address unreachable",
            4 => "port unreachable",
            _ => "destination unreachable",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ipv4_header(proto: u8, src: [u8; 4], dst: [u8; 4], ttl: u8, total: u16) -> Vec<u8> {
        let mut h = vec![0x45, 0, 0, 0, 0xbe, 0xef, 0, 0, ttl, proto, 0, 0];
        h[2..4].copy_from_slice(&total.to_be_bytes());
        h.extend_from_slice(&src);
        h.extend_from_slice(&dst);
        h
    }

    #[test]
    fn echo_request_v4_has_valid_checksum() {
        let pkt = echo_request(false, 0x1234, 7, b"abcdefgh");
        assert_eq!(pkt[0], 8);
        assert_eq!(checksum::checksum(&pkt), 0);
        assert_eq!(&pkt[4..8], &[0x12, 0x34, 0, 7]);
    }

    #[test]
    fn echo_reply_through_raw_v4_socket() {
        let mut reply = echo_request(false, 0x1234, 7, b"payload!");
        reply[0] = V4_ECHO_REPLY;
        let mut buf = ipv4_header(1, [10, 0, 0, 2], [10, 0, 0, 1], 63, 36);
        buf.extend_from_slice(&reply);
        let parsed = parse(&buf, false, true);
        assert_eq!(
            parsed,
            Some((
                Icmp::EchoReply {
                    ident: 0x1234,
                    seq: 7,
                    payload: b"payload!"
                },
                Some(63)
            ))
        );
    }

    #[test]
    fn time_exceeded_quotes_udp_probe() {
        let mut quoted = ipv4_header(17, [10, 0, 0, 1], [192, 0, 2, 9], 1, 36);
        quoted.extend_from_slice(&[0x82, 0x9a, 0x82, 0x9b, 0, 16, 0xab, 0xcd]);
        let mut icmp = vec![V4_TIME_EXCEEDED, 0, 0, 0, 0, 0, 0, 0];
        icmp.extend_from_slice(&quoted);
        let Some((
            Icmp::Error {
                kind, quoted: q, ..
            },
            None,
        )) = parse(&icmp, false, false)
        else {
            panic!("not parsed as an error");
        };
        assert_eq!(kind, ErrorKind::TimeExceeded);
        assert_eq!(q.proto, 17);
        assert_eq!(q.dst, IpAddr::from([192, 0, 2, 9]));
        assert_eq!(q.ip_id, Some(0xbeef));
        assert_eq!(&q.l4[6..8], &[0xab, 0xcd]);
    }

    #[test]
    fn v6_unreachable_quotes_echo() {
        let mut quoted = vec![0x60, 0, 0, 0, 0, 16, PROTO_ICMPV6, 64];
        quoted.extend_from_slice(&Ipv6Addr::LOCALHOST.octets());
        quoted.extend_from_slice(
            &"2001:db8::9"
                .parse::<Ipv6Addr>()
                .map(|a| a.octets())
                .unwrap_or_default(),
        );
        quoted.extend_from_slice(&echo_request(true, 1, 2, b"12345678"));
        let mut icmp = vec![V6_UNREACHABLE, 3, 0, 0, 0, 0, 0, 0];
        icmp.extend_from_slice(&quoted);
        let Some((
            Icmp::Error {
                kind: ErrorKind::Unreachable(3),
                quoted: q,
                ..
            },
            _,
        )) = parse(&icmp, true, false)
        else {
            panic!("not parsed");
        };
        assert_eq!(q.dst.to_string(), "2001:db8::9");
        assert_eq!(
            describe(ErrorKind::Unreachable(3), true),
            "address unreachable"
        );
    }

    #[test]
    fn hostile_bytes_never_panic() {
        assert_eq!(parse(&[], false, true), None);
        assert_eq!(parse(&[0x4f, 0, 0], false, true), None);
        assert_eq!(parse(&[0x45; 23], false, true), None);
        // An error whose quote is cut short is dropped, not misread.
        assert_eq!(
            parse(
                &[V4_TIME_EXCEEDED, 0, 0, 0, 0, 0, 0, 0, 0x45, 0],
                false,
                false
            ),
            None
        );
        assert_eq!(
            parse(&[V6_TIME_EXCEEDED, 0, 0, 0, 0, 0, 0, 0, 0x60], true, false),
            None
        );
        assert_eq!(
            parse(&[42, 0, 0, 0, 0, 0, 0, 0], false, false),
            Some((Icmp::Other { icmp_type: 42 }, None))
        );
        for len in 0..80 {
            let junk: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let _ = parse(&junk, false, true);
            let _ = parse(&junk, true, false);
        }
    }
}
