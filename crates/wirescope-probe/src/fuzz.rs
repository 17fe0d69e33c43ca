//! Entry points for the packet fuzz target in `fuzz/` and the deterministic junk the junk-input
//! tests of this crate and the SNMP crate feed their parsers: hostile packets through the ICMP and
//! TCP parsers, returning how many parsed, so tests can check the inputs reach the code.

use crate::wire::{icmp, l4};

/// Runs hostile packets through the ICMP (v4 with and without IP header, v6) and TCP parsers;
/// returns how many parsed.
pub fn packets(data: &[u8]) -> usize {
    let mut parsed = 0;
    for (v6, ip_header) in [(false, true), (false, false), (true, false)] {
        parsed += usize::from(icmp::parse(data, v6, ip_header).is_some());
    }
    parsed + usize::from(l4::TcpHeader::parse(data).is_some())
}

/// Deterministic junk (xorshift64*): `n` inputs of 0 to 1020 bytes from `seed`.
pub fn junk(seed: u64, n: usize) -> Vec<Vec<u8>> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s ^= s >> 12;
            s ^= s << 25;
            s ^= s >> 27;
            let len = (s.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as usize * 4;
            (0..len)
                .map(|_| {
                    s ^= s >> 12;
                    s ^= s << 25;
                    s ^= s >> 27;
                    (s.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 56) as u8
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn junk_packets_never_panic() {
        let parsed: usize = junk(0xfeed, 20_000).iter().map(|i| packets(i)).sum();
        assert!(parsed > 0, "some junk parses as a packet");
    }
}
