//! UDP and TCP-SYN probe packets with Paris-traceroute flow identifiers.
//!
//! A Paris probe keeps the whole flow identifier (addresses, protocol, ports) constant so that
//! per-flow load balancers send every probe down the same path, and tells probes apart by a field
//! routers quote back but do not hash on: the UDP checksum (steered through two payload bytes) or
//! the TCP sequence number.

use super::checksum;
use super::icmp::{PROTO_TCP, PROTO_UDP};
use std::net::IpAddr;

/// Builds a UDP datagram whose checksum equals `want` (non-zero), by choosing its first two payload
/// bytes. `payload_len` is at least 2.
pub fn udp_paris(
    src: IpAddr,
    dst: IpAddr,
    sport: u16,
    dport: u16,
    want: u16,
    payload_len: usize,
) -> Vec<u8> {
    let payload_len = payload_len.max(2);
    let len = 8 + payload_len;
    let mut pkt = vec![0u8; len];
    pkt[0..2].copy_from_slice(&sport.to_be_bytes());
    pkt[2..4].copy_from_slice(&dport.to_be_bytes());
    pkt[4..6].copy_from_slice(&(len as u16).to_be_bytes());
    // The checksum field holds `want`; the two steering bytes make the whole sum come out right.
    pkt[6..8].copy_from_slice(&want.to_be_bytes());
    let acc = checksum::sum(checksum::pseudo_header(src, dst, PROTO_UDP, len), &pkt);
    // A valid datagram sums to 0xffff (checksum 0). Find the word w with fold(acc + w) == 0xffff.
    let folded = !checksum::finish(acc);
    let steer = !folded;
    pkt[8..10].copy_from_slice(&steer.to_be_bytes());
    pkt
}

/// Builds a TCP SYN with the given sequence number, a 1024-byte window and an MSS option.
pub fn tcp_syn(src: IpAddr, dst: IpAddr, sport: u16, dport: u16, seq: u32) -> Vec<u8> {
    let mut pkt = vec![0u8; 24];
    pkt[0..2].copy_from_slice(&sport.to_be_bytes());
    pkt[2..4].copy_from_slice(&dport.to_be_bytes());
    pkt[4..8].copy_from_slice(&seq.to_be_bytes());
    pkt[12] = 6 << 4; // data offset: 6 words (20 bytes + MSS option)
    pkt[13] = 0x02; // SYN
    pkt[14..16].copy_from_slice(&1024u16.to_be_bytes());
    pkt[20..24].copy_from_slice(&[2, 4, 0x05, 0xb4]); // MSS 1460
    let c = checksum::finish(checksum::sum(
        checksum::pseudo_header(src, dst, PROTO_TCP, pkt.len()),
        &pkt,
    ));
    pkt[16..18].copy_from_slice(&c.to_be_bytes());
    pkt
}

/// The fields of a TCP segment a trace needs to recognise an answer to its SYN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpHeader {
    pub sport: u16,
    pub dport: u16,
    pub seq: u32,
    pub ack: u32,
    pub flags: u8,
}

impl TcpHeader {
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const ACK: u8 = 0x10;

    pub fn parse(buf: &[u8]) -> Option<Self> {
        if buf.len() < 20 {
            return None;
        }
        Some(TcpHeader {
            sport: u16::from_be_bytes([buf[0], buf[1]]),
            dport: u16::from_be_bytes([buf[2], buf[3]]),
            seq: u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]),
            ack: u32::from_be_bytes([buf[8], buf[9], buf[10], buf[11]]),
            flags: buf[13],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verify(src: IpAddr, dst: IpAddr, proto: u8, pkt: &[u8]) -> u16 {
        checksum::finish(checksum::sum(
            checksum::pseudo_header(src, dst, proto, pkt.len()),
            pkt,
        ))
    }

    #[test]
    fn udp_checksum_is_steered_and_valid() {
        let (s, d): (IpAddr, IpAddr) = (
            "198.18.0.10".parse().unwrap_or(IpAddr::from([0; 4])),
            IpAddr::from([198, 18, 3, 1]),
        );
        for want in [1u16, 2, 0x8000, 0xfffe, 0x1234] {
            let pkt = udp_paris(s, d, 33434, 33435, want, 12);
            assert_eq!(u16::from_be_bytes([pkt[6], pkt[7]]), want);
            assert_eq!(
                verify(s, d, PROTO_UDP, &pkt),
                0,
                "checksum {want:#x} must verify"
            );
            assert_eq!(pkt.len(), 20);
        }
    }

    #[test]
    fn udp_checksum_v6() {
        let s: IpAddr = "2001:db8::10".parse().unwrap_or(IpAddr::from([0u8; 16]));
        let d: IpAddr = "2001:db8::d".parse().unwrap_or(IpAddr::from([0u8; 16]));
        let pkt = udp_paris(s, d, 40000, 33434, 77, 2);
        assert_eq!(verify(s, d, PROTO_UDP, &pkt), 0);
    }

    #[test]
    fn tcp_syn_is_valid_and_parses_back() {
        let (s, d) = (IpAddr::from([10, 0, 0, 1]), IpAddr::from([10, 0, 0, 2]));
        let pkt = tcp_syn(s, d, 50000, 80, 0xdead_beef);
        assert_eq!(verify(s, d, PROTO_TCP, &pkt), 0);
        let h = TcpHeader::parse(&pkt);
        assert_eq!(
            h.map(|h| (h.sport, h.dport, h.seq, h.flags)),
            Some((50000, 80, 0xdead_beef, TcpHeader::SYN))
        );
        assert_eq!(TcpHeader::parse(&pkt[..19]), None);
    }
}
