//! The Internet checksum (RFC 1071) and the IPv4/IPv6 pseudo-headers of UDP and TCP.

use std::net::IpAddr;

/// Adds 16-bit big-endian words of `data` to a running sum (an odd last byte is padded with zero).
pub fn sum(mut acc: u32, data: &[u8]) -> u32 {
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        acc += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [last] = chunks.remainder() {
        acc += u32::from(*last) << 8;
    }
    acc
}

/// Folds a running sum into the final one's-complement checksum.
pub fn finish(mut acc: u32) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    !(acc as u16)
}

/// The checksum of a buffer.
pub fn checksum(data: &[u8]) -> u16 {
    finish(sum(0, data))
}

/// The running sum of the pseudo-header for an upper-layer packet of `len` bytes.
pub fn pseudo_header(src: IpAddr, dst: IpAddr, proto: u8, len: usize) -> u32 {
    let mut acc = 0;
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            acc = sum(acc, &s.octets());
            acc = sum(acc, &d.octets());
            acc += u32::from(proto) + len as u32;
        }
        (s, d) => {
            acc = sum(acc, &to_v6(s));
            acc = sum(acc, &to_v6(d));
            acc += len as u32 + u32::from(proto);
        }
    }
    acc
}

fn to_v6(ip: IpAddr) -> [u8; 16] {
    match ip {
        IpAddr::V4(v4) => v4.to_ipv6_mapped().octets(),
        IpAddr::V6(v6) => v6.octets(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example() {
        // The worked example of RFC 1071 section 3: words 0001 f203 f4f5 f6f7 sum to ddf2 (checksum 220d).
        assert_eq!(
            checksum(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]),
            0x220d
        );
    }

    #[test]
    fn ipv6_udp_known_answer() {
        // UDP 33434 -> 53 carrying "wirescope", from 2001:db8:5753::10 to 2001:db8:5753::53:
        // checksum 0x40de, as tshark computes it (udp.check_checksum: "[Checksum Status: Good]").
        let (src, dst): (IpAddr, IpAddr) = (
            "2001:db8:5753::10"
                .parse()
                .unwrap_or(IpAddr::from([0u8; 16])),
            "2001:db8:5753::53"
                .parse()
                .unwrap_or(IpAddr::from([0u8; 16])),
        );
        let mut udp = vec![0x82, 0x9a, 0x00, 0x35, 0x00, 0x11, 0x00, 0x00];
        udp.extend_from_slice(b"wirescope");
        let acc = sum(pseudo_header(src, dst, 17, udp.len()), &udp);
        assert_eq!(finish(acc), 0x40de);
    }

    #[test]
    fn odd_length_pads() {
        assert_eq!(checksum(&[0xff]), !0xff00);
    }

    #[test]
    fn valid_packet_sums_to_zero() {
        let mut pkt = vec![8, 0, 0, 0, 0x12, 0x34, 0x00, 0x01, b'h', b'i'];
        let c = checksum(&pkt);
        pkt[2..4].copy_from_slice(&c.to_be_bytes());
        assert_eq!(checksum(&pkt), 0);
    }
}
