//! Anonymising captures so they can be shared: every IPv4 and IPv6 address in the IP headers,
//! in ARP, in the headers an ICMP error quotes and in IP-in-IP tunnels is replaced by its
//! Crypto-PAn pseudonym (prefixes kept, one key one mapping), the checksums that cover them are
//! fixed, MAC addresses are scrambled the same way on request, and payloads can be cut after a
//! layer. The output is written afresh as pcapng: no comment, interface name or other option of
//! the input survives.

pub mod cryptopan;
mod text;

use crate::read::{CaptureFile, Damage, MAX_CAPLEN, OpenError, linktype, packets};
use crate::stats::WordHasher;
use crate::write::PcapNgWriter;
use cryptopan::{CryptoPan, KEY_LEN};
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::path::Path;

/// Pseudonyms remembered per kind of address before the memo starts afresh (a capture has far
/// fewer distinct addresses; a scan of a /8 costs AES again, not memory).
const MEMO: usize = 1 << 20;
/// IP headers inside IP (tunnels, quoted headers) followed at most.
const MAX_DEPTH: u8 = 4;
/// IPv6 extension headers walked at most.
const MAX_EXTENSIONS: usize = 8;

/// Where to cut each frame: what is kept is the headers up to and including this layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// The link header (Ethernet, VLAN tags, Linux cooked).
    Link,
    /// IP and its extension headers (ARP whole).
    Network,
    /// TCP, UDP, ICMP headers (an ICMP error's quoted packet is payload).
    Transport,
}

impl std::str::FromStr for Cut {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "link" | "l2" => Ok(Cut::Link),
            "network" | "ip" | "l3" => Ok(Cut::Network),
            "transport" | "l4" => Ok(Cut::Transport),
            _ => Err(format!("'{s}': link, network or transport")),
        }
    }
}

/// What anonymising changed, counted over a file.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub packets: u64,
    /// IPv4 and IPv6 headers rewritten (tunnelled and quoted ones included).
    pub ip_headers: u64,
    pub arp: u64,
    /// Headers quoted in ICMP errors rewritten.
    pub icmp_quoted: u64,
    /// Frames whose MAC addresses were scrambled.
    pub macs: u64,
    /// Frames cut short, and the bytes cut.
    pub cut_frames: u64,
    pub cut_bytes: u64,
    /// Frames of a link type or protocol left as they were (no address found to rewrite).
    pub untouched: u64,
}

type Memo<K, V> = HashMap<K, V, BuildHasherDefault<WordHasher>>;

/// `make(key)`, remembered (the memo starts afresh once it holds [`MEMO`] of them).
fn memoised<K: std::hash::Hash + Eq + Copy, V: Copy>(
    memo: &mut Memo<K, V>,
    key: K,
    make: impl FnOnce(K) -> V,
) -> V {
    if let Some(v) = memo.get(&key) {
        return *v;
    }
    if memo.len() >= MEMO {
        memo.clear();
    }
    let v = make(key);
    memo.insert(key, v);
    v
}

/// Rewrites frames with one key.
pub struct Anonymizer {
    pan: CryptoPan,
    macs: bool,
    cut: Option<Cut>,
    v4: Memo<[u8; 4], [u8; 4]>,
    v6: Memo<[u8; 16], [u8; 16]>,
    mac: Memo<[u8; 6], [u8; 6]>,
    pub counts: Counts,
}

impl std::fmt::Debug for Anonymizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Anonymizer")
            .field("macs", &self.macs)
            .field("cut", &self.cut)
            .field("counts", &self.counts)
            .finish()
    }
}

/// The Internet checksum of a region adjusted for `old` bytes in it becoming `new` (RFC 1624;
/// both even-length and starting at an even offset of the region).
fn adjust(sum: u16, old: &[u8], new: &[u8]) -> u16 {
    let mut acc = u32::from(!sum);
    for (o, n) in old.chunks_exact(2).zip(new.chunks_exact(2)) {
        acc += u32::from(!u16::from_be_bytes([o[0], o[1]]));
        acc += u32::from(u16::from_be_bytes([n[0], n[1]]));
    }
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    !(acc as u16)
}

/// The Internet checksum of `data` (its checksum field zeroed by the caller).
fn checksum(data: &[u8]) -> u16 {
    let mut acc: u32 = 0;
    let mut chunks = data.chunks_exact(2);
    for c in chunks.by_ref() {
        acc += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [last] = chunks.remainder() {
        acc += u32::from(*last) << 8;
    }
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    !(acc as u16)
}

fn get16(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*d.get(at)?, *d.get(at + 1)?]))
}

/// Adjusts the 16-bit checksum at `at` in `d` (when the field is there) for `old` -> `new`.
fn fix(d: &mut [u8], at: usize, old: &[u8], new: &[u8], zero_means_none: bool) {
    let Some(sum) = get16(d, at) else { return };
    if zero_means_none && sum == 0 {
        return;
    }
    let mut next = adjust(sum, old, new);
    if zero_means_none && next == 0 {
        next = 0xffff;
    }
    d[at..at + 2].copy_from_slice(&next.to_be_bytes());
}

/// Where a transport header's checksum lies, by IP protocol; whether 0 means "none".
fn transport_checksum(proto: u8) -> Option<(usize, bool)> {
    match proto {
        6 => Some((16, false)),
        17 => Some((6, true)),
        136 => Some((6, false)),
        58 => Some((2, false)),
        _ => None,
    }
}

/// How long a transport header is (as far as the captured bytes tell).
fn transport_len(proto: u8, d: &[u8]) -> usize {
    match proto {
        6 => d.get(12).map_or(20, |b| usize::from(b >> 4) * 4).max(20),
        17 | 136 | 1 | 58 => 8,
        _ => 0,
    }
}

impl Anonymizer {
    pub fn new(key: &[u8; KEY_LEN], macs: bool, cut: Option<Cut>) -> Self {
        Anonymizer {
            pan: CryptoPan::new(key),
            macs,
            cut,
            v4: Memo::default(),
            v6: Memo::default(),
            mac: Memo::default(),
            counts: Counts::default(),
        }
    }

    fn v4(&mut self, a: [u8; 4]) -> [u8; 4] {
        memoised(&mut self.v4, a, |a| self.pan.v4(a))
    }

    fn v6(&mut self, a: [u8; 16]) -> [u8; 16] {
        memoised(&mut self.v6, a, |a| self.pan.v6(a))
    }

    fn mac(&mut self, a: [u8; 6]) -> [u8; 6] {
        // broadcast and all-zero stay what they are: they name no one
        if a == [0xff; 6] || a == [0; 6] {
            return a;
        }
        memoised(&mut self.mac, a, |a| self.pan.mac(a))
    }

    fn scramble_mac_at(&mut self, d: &mut [u8], at: usize) -> bool {
        let Some(raw) = d.get(at..at + 6) else {
            return false;
        };
        let mut old = [0u8; 6];
        old.copy_from_slice(raw);
        let new = self.mac(old);
        d[at..at + 6].copy_from_slice(&new);
        true
    }

    /// Rewrites one frame in place; it may come back shorter (a cut).
    pub fn frame(&mut self, link: u32, data: &mut Vec<u8>) {
        self.counts.packets += 1;
        let before = self.counts.clone();
        let keep = match link {
            linktype::ETHERNET => self.ethernet(data),
            linktype::LINUX_SLL => self.sll(data),
            linktype::LINUX_SLL2 => self.sll2(data),
            linktype::RAW
            | linktype::RAW_12
            | linktype::RAW_14
            | linktype::IPV4
            | linktype::IPV6 => {
                let version = data.first().map_or(0, |b| b >> 4);
                self.network(data, 0, version, 0)
            }
            linktype::NULL | linktype::LOOP => self.null(data),
            _ => None,
        };
        let changed = before.ip_headers != self.counts.ip_headers
            || before.arp != self.counts.arp
            || before.macs != self.counts.macs;
        if !changed {
            self.counts.untouched += 1;
        }
        if let (Some(keep), Some(_)) = (keep, self.cut)
            && keep < data.len()
        {
            self.counts.cut_frames += 1;
            self.counts.cut_bytes += (data.len() - keep) as u64;
            data.truncate(keep);
        }
    }

    /// The length kept by the cut for a frame whose link header ends at `link_end`, given where
    /// the network and transport headers end.
    fn kept(&self, link_end: usize, net_end: Option<usize>, transport_end: Option<usize>) -> usize {
        match self.cut {
            Some(Cut::Link) => link_end,
            Some(Cut::Network) => net_end.unwrap_or(link_end),
            Some(Cut::Transport) | None => transport_end.or(net_end).unwrap_or(link_end),
        }
    }

    fn ethernet(&mut self, d: &mut [u8]) -> Option<usize> {
        if d.len() < 14 {
            return None;
        }
        if self.macs {
            self.scramble_mac_at(d, 0);
            self.scramble_mac_at(d, 6);
            self.counts.macs += 1;
        }
        let mut at = 12;
        let mut ethertype = get16(d, at)?;
        // VLAN tags (802.1Q, 802.1ad, and the old QinQ)
        let mut tags = 0;
        while matches!(ethertype, 0x8100 | 0x88a8 | 0x9100) && tags < 4 {
            at += 4;
            ethertype = get16(d, at)?;
            tags += 1;
        }
        self.ethertype(d, at + 2, ethertype)
    }

    fn sll(&mut self, d: &mut [u8]) -> Option<usize> {
        if d.len() < 16 {
            return None;
        }
        if self.macs && get16(d, 4) == Some(6) {
            self.scramble_mac_at(d, 6);
            self.counts.macs += 1;
        }
        let ethertype = get16(d, 14)?;
        self.ethertype(d, 16, ethertype)
    }

    fn sll2(&mut self, d: &mut [u8]) -> Option<usize> {
        if d.len() < 20 {
            return None;
        }
        if self.macs && d[11] == 6 {
            self.scramble_mac_at(d, 12);
            self.counts.macs += 1;
        }
        let ethertype = get16(d, 0)?;
        self.ethertype(d, 20, ethertype)
    }

    fn null(&mut self, d: &mut [u8]) -> Option<usize> {
        let family = d.get(..4)?;
        let (le, be) = (
            u32::from_le_bytes([family[0], family[1], family[2], family[3]]),
            u32::from_be_bytes([family[0], family[1], family[2], family[3]]),
        );
        let version = match le.min(be) {
            2 => 4,
            24 | 28 | 30 => 6,
            _ => return Some(4),
        };
        self.network(d, 4, version, 0)
    }

    fn ethertype(&mut self, d: &mut [u8], at: usize, ethertype: u16) -> Option<usize> {
        match ethertype {
            0x0800 => self.network(d, at, 4, 0),
            0x86dd => self.network(d, at, 6, 0),
            0x0806 => self.arp(d, at),
            _ => Some(at),
        }
    }

    fn arp(&mut self, d: &mut [u8], at: usize) -> Option<usize> {
        let a = d.get(at..at + 8)?;
        let (htype, ptype, hlen, plen) = (
            u16::from_be_bytes([a[0], a[1]]),
            u16::from_be_bytes([a[2], a[3]]),
            usize::from(a[4]),
            usize::from(a[5]),
        );
        if ptype != 0x0800 || plen != 4 {
            return Some(at);
        }
        let sender_hw = at + 8;
        let sender_ip = sender_hw + hlen;
        let target_hw = sender_ip + 4;
        let target_ip = target_hw + hlen;
        if d.len() < target_ip + 4 {
            return Some(at);
        }
        for ip in [sender_ip, target_ip] {
            let old = [d[ip], d[ip + 1], d[ip + 2], d[ip + 3]];
            let new = self.v4(old);
            d[ip..ip + 4].copy_from_slice(&new);
        }
        if self.macs && htype == 1 && hlen == 6 {
            self.scramble_mac_at(d, sender_hw);
            self.scramble_mac_at(d, target_hw);
        }
        self.counts.arp += 1;
        Some(self.kept(at, Some(target_ip + 4), Some(target_ip + 4)))
    }

    /// Rewrites the IP packet at `at` (and what it carries); returns the length the cut keeps.
    /// `depth` counts IP headers inside IP.
    fn network(&mut self, d: &mut [u8], at: usize, version: u8, depth: u8) -> Option<usize> {
        match version {
            4 => self.ipv4(d, at, depth),
            6 => self.ipv6(d, at, depth),
            _ => Some(at),
        }
    }

    fn ipv4(&mut self, d: &mut [u8], at: usize, depth: u8) -> Option<usize> {
        let ihl = usize::from(*d.get(at)? & 0x0f) * 4;
        if ihl < 20 || d.len() < at + 20 {
            return Some(at);
        }
        let mut old = [0u8; 8];
        old.copy_from_slice(&d[at + 12..at + 20]);
        let src = self.v4([old[0], old[1], old[2], old[3]]);
        let dst = self.v4([old[4], old[5], old[6], old[7]]);
        let mut new = [0u8; 8];
        new[..4].copy_from_slice(&src);
        new[4..].copy_from_slice(&dst);
        d[at + 12..at + 20].copy_from_slice(&new);
        // the header's checksum, made again when the whole header was captured
        if d.len() >= at + ihl {
            d[at + 10] = 0;
            d[at + 11] = 0;
            let sum = checksum(&d[at..at + ihl]);
            d[at + 10..at + 12].copy_from_slice(&sum.to_be_bytes());
        }
        self.counts.ip_headers += 1;
        let proto = d[at + 9];
        let frag_offset = get16(d, at + 6).unwrap_or(0) & 0x1fff;
        let body = at + ihl;
        let net_end = body.min(d.len());
        if frag_offset != 0 {
            // a later fragment: no transport header in it
            return Some(self.kept(at, Some(net_end), Some(net_end)));
        }
        self.carried(d, at, net_end, proto, &old, &new, depth)
    }

    fn ipv6(&mut self, d: &mut [u8], at: usize, depth: u8) -> Option<usize> {
        if d.len() < at + 40 {
            return Some(at);
        }
        let mut old = [0u8; 32];
        old.copy_from_slice(&d[at + 8..at + 40]);
        let mut a = [0u8; 16];
        a.copy_from_slice(&old[..16]);
        let src = self.v6(a);
        a.copy_from_slice(&old[16..]);
        let dst = self.v6(a);
        let mut new = [0u8; 32];
        new[..16].copy_from_slice(&src);
        new[16..].copy_from_slice(&dst);
        d[at + 8..at + 40].copy_from_slice(&new);
        self.counts.ip_headers += 1;
        // walk the extension headers to what they carry
        let mut next = d[at + 6];
        let mut pos = at + 40;
        for _ in 0..MAX_EXTENSIONS {
            match next {
                0 | 43 | 60 => {
                    let (Some(&n), Some(&len)) = (d.get(pos), d.get(pos + 1)) else {
                        return Some(self.kept(at, Some(d.len()), Some(d.len())));
                    };
                    next = n;
                    pos += (usize::from(len) + 1) * 8;
                }
                44 => {
                    let Some(&n) = d.get(pos) else {
                        return Some(self.kept(at, Some(d.len()), Some(d.len())));
                    };
                    let offset = get16(d, pos + 2).unwrap_or(0) >> 3;
                    next = n;
                    pos += 8;
                    if offset != 0 {
                        let end = pos.min(d.len());
                        return Some(self.kept(at, Some(end), Some(end)));
                    }
                }
                51 => {
                    let (Some(&n), Some(&len)) = (d.get(pos), d.get(pos + 1)) else {
                        return Some(self.kept(at, Some(d.len()), Some(d.len())));
                    };
                    next = n;
                    pos += (usize::from(len) + 2) * 4;
                }
                _ => break,
            }
        }
        let net_end = pos.min(d.len());
        self.carried(d, at, net_end, next, &old, &new, depth)
    }

    /// What an IP header at `ip` carries, from `body` on: its checksum fixed for the addresses
    /// changed (`old` -> `new`, the pseudo-header's), a tunnel followed, an ICMP error's quoted
    /// header rewritten.
    #[allow(clippy::too_many_arguments)]
    fn carried(
        &mut self,
        d: &mut [u8],
        ip: usize,
        body: usize,
        proto: u8,
        old: &[u8],
        new: &[u8],
        depth: u8,
    ) -> Option<usize> {
        let transport_end =
            (body + transport_len(proto, d.get(body..).unwrap_or(&[]))).min(d.len());
        match proto {
            // IP in IP
            4 | 41 if depth < MAX_DEPTH => {
                let inner = self.network(d, body, if proto == 4 { 4 } else { 6 }, depth + 1);
                return Some(match self.cut {
                    Some(Cut::Link) => ip,
                    _ => inner.unwrap_or(body),
                });
            }
            1 => {
                self.icmp_error(d, body, 1, depth);
            }
            58 => {
                if let Some((at, _)) = transport_checksum(58) {
                    fix(d, body + at, old, new, false);
                }
                self.icmp_error(d, body, 58, depth);
            }
            _ => {
                if let Some((at, zero)) = transport_checksum(proto) {
                    fix(d, body + at, old, new, zero);
                }
            }
        }
        Some(self.kept(ip, Some(body.min(d.len())), Some(transport_end)))
    }

    /// An ICMP error quotes the packet that caused it: its header is rewritten like any, and the
    /// ICMP checksum (which covers it) adjusted.
    fn icmp_error(&mut self, d: &mut [u8], at: usize, proto: u8, depth: u8) {
        let Some(&kind) = d.get(at) else { return };
        let error = match proto {
            1 => matches!(kind, 3 | 4 | 5 | 11 | 12),
            _ => matches!(kind, 1..=4),
        };
        let quoted = at + 8;
        if !error || depth >= MAX_DEPTH || d.len() <= quoted {
            return;
        }
        // the quoted bytes before and after, as far as they were captured: the ICMP checksum
        // covers them all
        let before = d[quoted..].to_vec();
        let version = d[quoted] >> 4;
        if version != 4 && version != 6 {
            return;
        }
        self.network(d, quoted, version, depth + 1);
        self.counts.icmp_quoted += 1;
        let after = d[quoted..].to_vec();
        let even = before.len() & !1;
        fix(d, at + 2, &before[..even], &after[..even], false);
    }
}

/// What anonymising a file came to.
#[derive(Debug)]
pub struct FileDone {
    pub counts: Counts,
    /// Where reading stopped early (a truncated or damaged file): what came before it was
    /// written.
    pub damage: Option<Damage>,
}

/// Why a file could not be anonymised.
#[derive(Debug, thiserror::Error)]
pub enum AnonError {
    #[error(transparent)]
    Open(#[from] OpenError),
    #[error("{path}: {damage}")]
    Format { path: String, damage: Damage },
    #[error("writing the anonymised capture: {0}")]
    Write(#[from] std::io::Error),
}

/// Writes every frame of `frames`, anonymised, to `w`; `read` is told how far the input was
/// read (a mapped file gives those pages back).
fn rewrite<W: std::io::Write>(
    frames: &mut crate::read::Packets<'_>,
    w: &mut PcapNgWriter<W>,
    anon: &mut Anonymizer,
    mut read: impl FnMut(u64),
) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(MAX_CAPLEN as usize);
    for p in frames.by_ref() {
        buf.clear();
        buf.extend_from_slice(p.data);
        anon.frame(p.linktype, &mut buf);
        w.packet(p.linktype, p.ts_ns, p.len, &buf)?;
        read(p.offset);
    }
    Ok(())
}

/// Anonymises the capture file at `input` (pcap or pcapng) into `out` as pcapng, frame by
/// frame, in one pass over the mapped file.
pub fn anonymize_file(
    input: &Path,
    out: impl std::io::Write,
    anon: &mut Anonymizer,
) -> Result<FileDone, AnonError> {
    let file = CaptureFile::open_streaming(input)?;
    let mut frames = packets(file.bytes()).map_err(|damage| AnonError::Format {
        path: input.display().to_string(),
        damage,
    })?;
    let mut w = PcapNgWriter::new(std::io::BufWriter::with_capacity(1 << 20, out), MAX_CAPLEN)?;
    let mut released = 0u64;
    rewrite(&mut frames, &mut w, anon, |at| {
        if at - released > 64 << 20 {
            file.release(at as usize);
            released = at;
        }
    })?;
    let damage = frames.damage().cloned();
    w.finish()?.into_inner().map_err(|e| e.into_error())?;
    Ok(FileDone {
        counts: anon.counts.clone(),
        damage,
    })
}

/// Anonymises a capture held in memory (pcap or pcapng) into pcapng bytes.
pub fn anonymize_bytes(data: &[u8], anon: &mut Anonymizer) -> Result<Vec<u8>, Damage> {
    let mut frames = packets(data)?;
    let mut w =
        PcapNgWriter::new(Vec::with_capacity(data.len()), MAX_CAPLEN).map_err(|e| Damage {
            offset: 0,
            what: e.to_string(),
        })?;
    rewrite(&mut frames, &mut w, anon, |_| {})
        .and_then(|()| w.finish())
        .map_err(|e| Damage {
            offset: frames.position(),
            what: e.to_string(),
        })
}

/// A key as kept in a key file: the 32 bytes themselves, or 64 hexadecimal digits (a line of
/// text, as `head -c 32 /dev/urandom | xxd -p -c 64` makes).
pub fn parse_key(bytes: &[u8]) -> Result<[u8; KEY_LEN], String> {
    let text = std::str::from_utf8(bytes).ok().map(str::trim);
    if let Some(t) = text
        && t.len() == KEY_LEN * 2
        && t.bytes().all(|b| b.is_ascii_hexdigit())
    {
        let mut key = [0u8; KEY_LEN];
        for (i, k) in key.iter_mut().enumerate() {
            *k = u8::from_str_radix(&t[i * 2..i * 2 + 2], 16).map_err(|e| e.to_string())?;
        }
        return Ok(key);
    }
    if bytes.len() == KEY_LEN {
        let mut key = [0u8; KEY_LEN];
        key.copy_from_slice(bytes);
        return Ok(key);
    }
    Err(format!(
        "a key is {KEY_LEN} bytes, or {} hexadecimal digits; this one is {} bytes",
        KEY_LEN * 2,
        bytes.len()
    ))
}

#[cfg(test)]
mod tests;
