//! Crypto-PAn (Xu, Fan, Ammar and Moon, 2002): prefix-preserving pseudonyms for addresses. Bit
//! `i` of an address is flipped or kept by the first bit of AES-128 over the address's first `i`
//! bits padded with a secret pad, so two addresses sharing an `n`-bit prefix share an `n`-bit
//! prefix after, and one key gives one mapping in every file. The same construction serves IPv4
//! (32 bits), IPv6 (128) and MAC addresses (48: vendors stay apart, the vendor does not show).

use aes::Aes128;
use aes::cipher::{Array, BlockCipherEncrypt, KeyInit};

/// A Crypto-PAn key: 16 bytes of AES key, then 16 bytes the pad is made from.
pub const KEY_LEN: usize = 32;

/// The pseudonym function of one key.
#[derive(Clone)]
pub struct CryptoPan {
    cipher: Aes128,
    /// AES of the key's second half: the bits after each prefix.
    pad: u128,
}

impl std::fmt::Debug for CryptoPan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CryptoPan { .. }")
    }
}

impl CryptoPan {
    pub fn new(key: &[u8; KEY_LEN]) -> Self {
        let mut first = [0u8; 16];
        first.copy_from_slice(&key[..16]);
        let cipher = Aes128::new(&Array::from(first));
        let mut pad = [0u8; 16];
        pad.copy_from_slice(&key[16..]);
        let mut block = Array::from(pad);
        cipher.encrypt_block(&mut block);
        let mut out = [0u8; 16];
        out.copy_from_slice(&block);
        CryptoPan {
            cipher,
            pad: u128::from_be_bytes(out),
        }
    }

    /// The pseudonym of the first `bits` bits of `addr` (left-aligned: bit 127 first). The blocks
    /// of every prefix are independent of each other: encrypted together, so AES runs them side
    /// by side.
    fn left_aligned(&self, addr: u128, bits: u32) -> u128 {
        debug_assert!(bits <= 128);
        let mut blocks = [Array::from([0u8; 16]); 128];
        for (pos, block) in blocks.iter_mut().take(bits as usize).enumerate() {
            // the address's first `pos` bits, then the pad's
            let prefix = if pos == 0 {
                0
            } else {
                u128::MAX << (128 - pos)
            };
            *block = Array::from(((addr & prefix) | (self.pad & !prefix)).to_be_bytes());
        }
        let blocks = &mut blocks[..bits as usize];
        self.cipher.encrypt_blocks(blocks);
        let mut flips = 0u128;
        for (pos, block) in blocks.iter().enumerate() {
            flips |= u128::from(block[0] >> 7) << (127 - pos);
        }
        addr ^ flips
    }

    pub fn v4(&self, addr: [u8; 4]) -> [u8; 4] {
        let left = u128::from(u32::from_be_bytes(addr)) << 96;
        ((self.left_aligned(left, 32) >> 96) as u32).to_be_bytes()
    }

    pub fn v6(&self, addr: [u8; 16]) -> [u8; 16] {
        self.left_aligned(u128::from_be_bytes(addr), 128)
            .to_be_bytes()
    }

    pub fn mac(&self, addr: [u8; 6]) -> [u8; 6] {
        let mut wide = [0u8; 16];
        wide[..6].copy_from_slice(&addr);
        let out = self
            .left_aligned(u128::from_be_bytes(wide), 48)
            .to_be_bytes();
        let mut mac = [0u8; 6];
        mac.copy_from_slice(&out[..6]);
        mac
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    /// The sample key of the Crypto-PAn reference distribution.
    const REFERENCE_KEY: [u8; 32] = [
        21, 34, 23, 141, 51, 164, 207, 128, 19, 10, 91, 22, 73, 144, 125, 16, 216, 152, 143, 131,
        121, 121, 101, 39, 98, 87, 76, 45, 42, 132, 34, 2,
    ];

    /// Addresses of the reference's sample trace and their pseudonyms in its sanitised trace.
    const REFERENCE_V4: &[(&str, &str)] = &[
        ("128.11.68.132", "135.242.180.132"),
        ("129.118.74.4", "134.136.186.123"),
        ("130.132.252.244", "133.68.164.234"),
        ("141.223.7.43", "141.167.8.160"),
        ("141.233.145.108", "141.129.237.235"),
        ("152.163.225.39", "151.140.114.167"),
        ("156.29.3.236", "147.225.12.42"),
        ("165.247.96.84", "162.9.99.234"),
        ("166.107.77.190", "160.132.178.185"),
        ("192.102.249.13", "252.138.62.131"),
        ("192.215.32.125", "252.43.47.189"),
        ("192.233.80.103", "252.25.108.8"),
        ("192.41.57.43", "252.222.221.184"),
        ("193.150.244.223", "253.169.52.216"),
        ("195.205.63.100", "255.186.223.5"),
        ("198.200.171.101", "249.199.68.213"),
        ("198.36.213.5", "249.7.21.132"),
        ("198.51.77.238", "249.18.186.254"),
        ("199.217.79.101", "248.38.184.213"),
        ("202.49.198.20", "245.206.7.234"),
        ("203.12.160.252", "244.248.163.4"),
        ("204.184.162.189", "243.192.77.90"),
        ("205.188.147.153", "242.96.16.101"),
        ("207.105.49.5", "241.118.205.138"),
        ("208.147.89.59", "227.237.98.191"),
        ("209.238.72.3", "226.6.119.243"),
        ("212.120.124.31", "228.135.163.231"),
        ("216.148.237.145", "235.84.194.111"),
        ("24.0.250.221", "100.15.198.226"),
        ("38.15.67.68", "64.3.66.187"),
        ("4.3.88.225", "124.60.155.63"),
        ("63.14.55.111", "95.9.215.7"),
        ("64.14.118.196", "0.255.183.58"),
        ("64.34.154.117", "0.221.154.117"),
        ("10.185.25.118", "117.161.29.118"),
    ];

    /// IPv6 with the same key, as other implementations of the scheme give them.
    const REFERENCE_V6: &[(&str, &str)] = &[
        ("::1", "78ff:f001:9fc0:20df:8380:b1f1:704:ed"),
        ("::2", "78ff:f001:9fc0:20df:8380:b1f1:704:ef"),
        ("::ffff", "78ff:f001:9fc0:20df:8380:b1f1:704:f838"),
        ("2001:db8::1", "4401:2bc:603f:d91d:27f:ff8e:e6f1:dc1e"),
        ("2001:db8::2", "4401:2bc:603f:d91d:27f:ff8e:e6f1:dc1c"),
    ];

    #[test]
    fn gives_the_reference_pseudonyms() {
        let pan = CryptoPan::new(&REFERENCE_KEY);
        for (raw, want) in REFERENCE_V4 {
            let raw: Ipv4Addr = raw.parse().unwrap();
            assert_eq!(
                Ipv4Addr::from(pan.v4(raw.octets())).to_string(),
                *want,
                "{raw}"
            );
        }
        for (raw, want) in REFERENCE_V6 {
            let raw: Ipv6Addr = raw.parse().unwrap();
            let want: Ipv6Addr = want.parse().unwrap();
            assert_eq!(Ipv6Addr::from(pan.v6(raw.octets())), want, "{raw}");
        }
    }

    /// Length of the common prefix of two addresses, in bits.
    fn common(a: u128, b: u128) -> u32 {
        (a ^ b).leading_zeros()
    }

    #[test]
    fn keeps_every_shared_prefix_and_nothing_more() {
        let pan = CryptoPan::new(&[7u8; 32]);
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..2_000 {
            let a = next() as u32;
            // b shares a prefix of a random length with a
            let keep = (next() % 33) as u32;
            let mask = if keep == 0 {
                0
            } else {
                u32::MAX << (32 - keep)
            };
            let b = (a & mask) | (next() as u32 & !mask);
            let (pa, pb) = (
                u32::from_be_bytes(pan.v4(a.to_be_bytes())),
                u32::from_be_bytes(pan.v4(b.to_be_bytes())),
            );
            let shared = |u: u32, v: u32| common(u128::from(u) << 96, u128::from(v) << 96).min(32);
            assert_eq!(shared(pa, pb), shared(a, b), "{a:#x} {b:#x}");
            let c = u128::from(next()) << 64 | u128::from(next());
            let d = c ^ (1u128 << (next() % 128));
            let (pc, pd) = (
                u128::from_be_bytes(pan.v6(c.to_be_bytes())),
                u128::from_be_bytes(pan.v6(d.to_be_bytes())),
            );
            assert_eq!(common(pc, pd), common(c, d));
        }
    }

    #[test]
    fn macs_keep_their_vendor_prefix_shared_and_a_key_is_its_own_mapping() {
        let pan = CryptoPan::new(&[9u8; 32]);
        let a = pan.mac([0x00, 0x1b, 0x21, 0x01, 0x02, 0x03]);
        let b = pan.mac([0x00, 0x1b, 0x21, 0xaa, 0xbb, 0xcc]);
        assert_eq!(a[..3], b[..3]);
        assert_ne!(a, [0x00, 0x1b, 0x21, 0x01, 0x02, 0x03]);
        let other = CryptoPan::new(&[10u8; 32]);
        assert_ne!(other.mac([0x00, 0x1b, 0x21, 0x01, 0x02, 0x03]), a);
        assert_eq!(
            CryptoPan::new(&[9u8; 32]).v4([198, 18, 0, 1]),
            pan.v4([198, 18, 0, 1])
        );
    }
}
