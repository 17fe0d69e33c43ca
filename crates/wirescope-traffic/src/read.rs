//! Capture files: classic pcap (both byte orders, micro- and nanosecond stamps) read by hand for
//! speed, pcapng through pcap-parser's block parsers. Packets come out as borrowed slices of the
//! mapped file; damage (a cut header, a packet cut in half, an absurd length, a malformed block)
//! ends the iteration and is kept, with its byte offset, for the caller to report next to what
//! was read before it.

use pcap_parser::pcapng::{Block, parse_block_be, parse_block_le, parse_sectionheaderblock};
use std::path::Path;

/// The largest captured length believed (Wireshark's own limit for most link types).
pub const MAX_CAPLEN: u32 = 262_144;

/// Records in a row whose headers must look right before `resync` believes a record starts.
const RESYNC_CHAIN: usize = 8;

/// The largest length on the wire `resync` believes (a segmentation-offload super-frame is
/// under 64 KiB; this leaves room for odd link types).
const MAX_WIRE_LEN: u32 = 16 << 20;

/// Link types met in practice (LINKTYPE_* numbers).
pub mod linktype {
    pub const NULL: u32 = 0;
    pub const ETHERNET: u32 = 1;
    pub const RAW: u32 = 101;
    pub const RAW_12: u32 = 12;
    pub const RAW_14: u32 = 14;
    pub const LOOP: u32 = 108;
    pub const LINUX_SLL: u32 = 113;
    pub const IPV4: u32 = 228;
    pub const IPV6: u32 = 229;
    pub const LINUX_SLL2: u32 = 276;
}

/// One packet of a capture file.
#[derive(Debug, Clone, Copy)]
pub struct Packet<'a> {
    /// Nanoseconds since the epoch.
    pub ts_ns: i64,
    /// Length on the wire (the captured bytes may be fewer).
    pub len: u32,
    pub linktype: u32,
    pub data: &'a [u8],
    /// Where its record starts in the file.
    pub offset: u64,
}

/// Why a file could not be read at all, or where reading stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} at byte offset {offset}")]
pub struct Damage {
    pub offset: u64,
    pub what: String,
}

/// An opened capture file.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {damage}")]
    Format { path: String, damage: Damage },
}

/// A capture file mapped into memory.
#[derive(Debug)]
pub struct CaptureFile {
    map: Option<memmap2::Mmap>,
}

impl CaptureFile {
    pub fn open(path: &Path) -> Result<Self, OpenError> {
        let io = |source| OpenError::Io {
            path: path.display().to_string(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        if len == 0 {
            return Ok(CaptureFile { map: None });
        }
        // SAFETY: the map is read-only; a file truncated under us can fault, as with any reader
        // of a file being rewritten, which capture analysis does not guard against. Populated
        // up front: one pass in the kernel instead of a fault per page.
        let map = unsafe { memmap2::MmapOptions::new().populate().map(&file) }.map_err(io)?;
        #[cfg(unix)]
        let _ = map.advise(memmap2::Advice::Sequential);
        Ok(CaptureFile { map: Some(map) })
    }

    /// Maps a file for one pass that keeps little of it resident: pages are read as they are
    /// reached (nothing populated up front) and given back with `release` once read.
    pub fn open_streaming(path: &Path) -> Result<Self, OpenError> {
        let io = |source| OpenError::Io {
            path: path.display().to_string(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        if file.metadata().map_err(io)?.len() == 0 {
            return Ok(CaptureFile { map: None });
        }
        // SAFETY: as in `open`; the file is the caller's own (an upload it wrote).
        let map = unsafe { memmap2::MmapOptions::new().map(&file) }.map_err(io)?;
        #[cfg(unix)]
        let _ = map.advise(memmap2::Advice::Sequential);
        Ok(CaptureFile { map: Some(map) })
    }

    pub fn bytes(&self) -> &[u8] {
        self.map.as_deref().unwrap_or(&[])
    }

    /// Reads the pages of `range` in now, in one call instead of a fault for every few pages
    /// (a mapping made by `open_streaming`, read by parts on several threads).
    pub fn populate(&self, range: std::ops::Range<usize>) {
        #[cfg(target_os = "linux")]
        if let Some(map) = &self.map {
            let start = range.start.min(map.len()) / 4096 * 4096;
            let end = range.end.min(map.len());
            if end > start {
                let _ = map.advise_range(memmap2::Advice::PopulateRead, start, end - start);
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = range;
    }

    /// Gives the pages of the first `upto` bytes back to the kernel (they stay in the page cache
    /// and are read again if touched), so a pass over a large file does not keep all of it in
    /// the process's memory.
    pub fn release(&self, upto: usize) {
        #[cfg(unix)]
        if let Some(map) = &self.map {
            let page = 4096;
            let upto = upto.min(map.len()) / page * page;
            if upto > 0 {
                // SAFETY: a shared, read-only file mapping: dropped pages are read back from the
                // file on the next access, so the bytes any slice sees do not change.
                let _ = unsafe {
                    map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, 0, upto)
                };
            }
        }
    }
}

#[derive(Clone, PartialEq, Eq)]
enum Kind {
    Pcap {
        big: bool,
        nanos: bool,
        linktype: u32,
    },
    PcapNg(Vec<Interface>),
}

#[derive(Clone, Copy, PartialEq, Eq)]
struct Interface {
    linktype: u32,
    /// Timestamp units per second.
    units: u64,
    offset_s: i64,
}

/// The packets of a capture held in memory.
#[derive(Clone)]
pub struct Packets<'a> {
    data: &'a [u8],
    pos: usize,
    kind: Kind,
    big_ng: bool,
    damage: Option<Damage>,
}

impl std::fmt::Debug for Packets<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Packets")
            .field("pos", &self.pos)
            .field("damage", &self.damage)
            .finish_non_exhaustive()
    }
}

fn damage(offset: usize, what: impl Into<String>) -> Damage {
    Damage {
        offset: offset as u64,
        what: what.into(),
    }
}

fn u32_at(d: &[u8], at: usize, big: bool) -> u32 {
    let b = [d[at], d[at + 1], d[at + 2], d[at + 3]];
    if big {
        u32::from_be_bytes(b)
    } else {
        u32::from_le_bytes(b)
    }
}

/// Asks the CPU to start loading the bytes at `at`: the next records' headers are a pointer chase
/// through the file, and on big packets each one is a cache (and TLB) miss without this.
#[inline(always)]
fn prefetch(d: &[u8], at: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(b) = d.get(at) {
        // SAFETY: a prefetch hint for an address inside the slice; it reads nothing.
        unsafe {
            std::arch::x86_64::_mm_prefetch(
                std::ptr::from_ref(b).cast::<i8>(),
                std::arch::x86_64::_MM_HINT_T0,
            );
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (d, at);
}

/// Reads the file header; an error when this is not a capture file.
pub fn packets(data: &[u8]) -> Result<Packets<'_>, Damage> {
    if data.is_empty() {
        return Err(damage(0, "empty file: no capture header"));
    }
    if data.len() < 4 {
        return Err(damage(0, "file too short for a capture header"));
    }
    let magic = [data[0], data[1], data[2], data[3]];
    let (big, nanos) = match magic {
        [0xd4, 0xc3, 0xb2, 0xa1] => (false, false),
        [0xa1, 0xb2, 0xc3, 0xd4] => (true, false),
        [0x4d, 0x3c, 0xb2, 0xa1] => (false, true),
        [0xa1, 0xb2, 0x3c, 0x4d] => (true, true),
        [0x0a, 0x0d, 0x0d, 0x0a] => {
            let mut p = Packets {
                data,
                pos: 0,
                kind: Kind::PcapNg(Vec::new()),
                big_ng: false,
                damage: None,
            };
            p.section_header()?;
            return Ok(p);
        }
        _ => {
            return Err(damage(
                0,
                format!(
                    "not a pcap or pcapng file (magic {:02x}{:02x}{:02x}{:02x})",
                    magic[0], magic[1], magic[2], magic[3]
                ),
            ));
        }
    };
    if data.len() < 24 {
        return Err(damage(
            data.len(),
            format!("pcap file header cut short ({} of 24 bytes)", data.len()),
        ));
    }
    Ok(Packets {
        data,
        pos: 24,
        kind: Kind::Pcap {
            big,
            nanos,
            linktype: u32_at(data, 20, big) & 0x0fff_ffff,
        },
        big_ng: false,
        damage: None,
    })
}

impl<'a> Packets<'a> {
    /// Where reading stopped early, if it did.
    pub fn damage(&self) -> Option<&Damage> {
        self.damage.as_ref()
    }

    /// Bytes consumed so far.
    pub fn position(&self) -> u64 {
        self.pos as u64
    }

    /// The link type of a classic pcap file (pcapng has one per interface).
    pub fn pcap_linktype(&self) -> Option<u32> {
        match self.kind {
            Kind::Pcap { linktype, .. } => Some(linktype),
            Kind::PcapNg(_) => None,
        }
    }

    /// This reader moved to byte `pos`, a record boundary (one `resync` found, or one another
    /// reader stopped at), with this reader's state (byte order, pcapng interfaces).
    pub(crate) fn at(&self, pos: usize) -> Packets<'a> {
        Packets {
            pos: pos.min(self.data.len()),
            damage: None,
            ..self.clone()
        }
    }

    /// Whether two readers of the same file stand at the same byte in the same state: where one
    /// stopped, the other can go on exactly as the first would have.
    pub(crate) fn same_place(&self, other: &Packets<'_>) -> bool {
        self.pos == other.pos
            && self.kind == other.kind
            && self.big_ng == other.big_ng
            && self.damage.is_none()
            && other.damage.is_none()
    }

    /// The first byte in `from..to` where a record seems to start: `RESYNC_CHAIN` records in a
    /// row (or all up to the end of the file) have plausible headers, each where the one before
    /// ends. A guess, never trusted alone: a reader started here is kept only once the reader
    /// before it is seen to stop at exactly this byte (`same_place`).
    pub(crate) fn resync(&self, from: usize, to: usize) -> Option<usize> {
        let to = to.min(self.data.len());
        match self.kind {
            Kind::Pcap { big, nanos, .. } => {
                (from..to).find(|&at| self.plausible_pcap(at, big, nanos))
            }
            Kind::PcapNg(_) => (from.next_multiple_of(4)..to)
                .step_by(4)
                .find(|&at| self.plausible_ng(at)),
        }
    }

    fn plausible_pcap(&self, mut at: usize, big: bool, nanos: bool) -> bool {
        let d = self.data;
        let frac_limit = if nanos { 1_000_000_000 } else { 1_000_000 };
        let mut first_secs = None;
        for _ in 0..RESYNC_CHAIN {
            if at == d.len() {
                return true;
            }
            if d.len() - at < 16 {
                return false;
            }
            let secs = u32_at(d, at, big);
            let caplen = u32_at(d, at + 8, big);
            let len = u32_at(d, at + 12, big);
            let near = first_secs.get_or_insert(secs).abs_diff(secs) <= 86_400;
            if !near
                || u32_at(d, at + 4, big) >= frac_limit
                || caplen == 0
                || caplen > MAX_CAPLEN
                || caplen > len
                || len > MAX_WIRE_LEN
            {
                return false;
            }
            at += 16 + caplen as usize;
            if at > d.len() {
                return false;
            }
        }
        true
    }

    fn plausible_ng(&self, mut at: usize) -> bool {
        let d = self.data;
        for _ in 0..RESYNC_CHAIN {
            if at == d.len() {
                return true;
            }
            if d.len() - at < 12 {
                return false;
            }
            let kind = u32_at(d, at, self.big_ng);
            let len = u32_at(d, at + 4, self.big_ng) as usize;
            let known = matches!(kind, 1..=10 | 0x0a0d_0d0a | 0x0000_0bad | 0x4000_0bad);
            if !known
                || len < 12
                || !len.is_multiple_of(4)
                || len > d.len() - at
                || u32_at(d, at + len - 4, self.big_ng) as usize != len
            {
                return false;
            }
            at += len;
        }
        true
    }

    fn section_header(&mut self) -> Result<(), Damage> {
        let rest = &self.data[self.pos..];
        match parse_sectionheaderblock(rest) {
            Ok((after, shb)) => {
                self.big_ng = shb.big_endian();
                self.pos = self.data.len() - after.len();
                if let Kind::PcapNg(ifaces) = &mut self.kind {
                    ifaces.clear();
                }
                Ok(())
            }
            Err(pcap_parser::nom::Err::Incomplete(_)) => {
                Err(damage(self.pos, "pcapng section header cut short"))
            }
            Err(_) => Err(damage(self.pos, "malformed pcapng section header")),
        }
    }

    fn next_pcap(&mut self, big: bool, nanos: bool, linktype: u32) -> Option<Packet<'a>> {
        let d = self.data;
        let at = self.pos;
        if at >= d.len() {
            return None;
        }
        if d.len() - at < 16 {
            self.damage = Some(damage(
                at,
                format!(
                    "packet record header cut short ({} of 16 bytes)",
                    d.len() - at
                ),
            ));
            return None;
        }
        let secs = u32_at(d, at, big);
        let frac = u32_at(d, at + 4, big);
        let caplen = u32_at(d, at + 8, big);
        let len = u32_at(d, at + 12, big);
        if caplen > MAX_CAPLEN {
            self.damage = Some(damage(
                at,
                format!("absurd captured length {caplen} (at most {MAX_CAPLEN})"),
            ));
            return None;
        }
        let start = at + 16;
        let end = start + caplen as usize;
        if end > d.len() {
            self.damage = Some(damage(
                at,
                format!(
                    "packet cut short: {caplen} bytes announced, {} in the file",
                    d.len() - start
                ),
            ));
            return None;
        }
        self.pos = end;
        prefetch(d, end + 2048);
        let frac_ns = if nanos {
            i64::from(frac)
        } else {
            i64::from(frac) * 1000
        };
        Some(Packet {
            ts_ns: i64::from(secs) * 1_000_000_000 + frac_ns,
            len: len.max(caplen),
            linktype,
            data: &d[start..end],
            offset: at as u64,
        })
    }

    fn next_ng(&mut self) -> Option<Packet<'a>> {
        loop {
            let at = self.pos;
            let rest = &self.data[at..];
            if rest.is_empty() {
                return None;
            }
            if rest.len() >= 4 && rest[..4] == [0x0a, 0x0d, 0x0d, 0x0a] {
                if let Err(d) = self.section_header() {
                    self.damage = Some(d);
                    return None;
                }
                continue;
            }
            let parsed = if self.big_ng {
                parse_block_be(rest)
            } else {
                parse_block_le(rest)
            };
            let (after, block) = match parsed {
                Ok(v) => v,
                Err(pcap_parser::nom::Err::Incomplete(_)) => {
                    self.damage = Some(damage(
                        at,
                        format!("pcapng block cut short ({} bytes left)", rest.len()),
                    ));
                    return None;
                }
                Err(_) => {
                    self.damage = Some(damage(at, "malformed pcapng block"));
                    return None;
                }
            };
            self.pos = self.data.len() - after.len();
            let Kind::PcapNg(ifaces) = &mut self.kind else {
                return None;
            };
            match block {
                Block::InterfaceDescription(idb) => {
                    let Some(units) = idb.ts_resolution() else {
                        self.damage = Some(damage(
                            at,
                            format!(
                                "interface with an impossible time resolution ({})",
                                idb.if_tsresol
                            ),
                        ));
                        return None;
                    };
                    ifaces.push(Interface {
                        linktype: u32::from(idb.linktype.0 as u16),
                        units,
                        offset_s: idb.ts_offset(),
                    });
                }
                Block::EnhancedPacket(epb) => {
                    let Some(iface) = ifaces.get(epb.if_id as usize).copied() else {
                        self.damage = Some(damage(
                            at,
                            format!(
                                "packet of interface {}, which no block described",
                                epb.if_id
                            ),
                        ));
                        return None;
                    };
                    if epb.caplen > MAX_CAPLEN {
                        self.damage = Some(damage(
                            at,
                            format!(
                                "absurd captured length {} (at most {MAX_CAPLEN})",
                                epb.caplen
                            ),
                        ));
                        return None;
                    }
                    let ticks = (u128::from(epb.ts_high) << 32) | u128::from(epb.ts_low);
                    let ns = ticks * 1_000_000_000 / u128::from(iface.units.max(1));
                    let data: &'a [u8] = epb.data;
                    let data = &data[..(epb.caplen as usize).min(data.len())];
                    return Some(Packet {
                        ts_ns: i64::try_from(ns).unwrap_or(i64::MAX)
                            + iface.offset_s.saturating_mul(1_000_000_000),
                        len: epb.origlen.max(data.len() as u32),
                        linktype: iface.linktype,
                        data,
                        offset: at as u64,
                    });
                }
                Block::SimplePacket(spb) => {
                    let Some(iface) = ifaces.first().copied() else {
                        self.damage =
                            Some(damage(at, "simple packet before any interface description"));
                        return None;
                    };
                    let data: &'a [u8] = spb.data;
                    let data = &data[..(spb.origlen as usize).min(data.len())];
                    return Some(Packet {
                        ts_ns: 0,
                        len: spb.origlen.max(data.len() as u32),
                        linktype: iface.linktype,
                        data,
                        offset: at as u64,
                    });
                }
                _ => {}
            }
        }
    }
}

impl<'a> Iterator for Packets<'a> {
    type Item = Packet<'a>;

    fn next(&mut self) -> Option<Packet<'a>> {
        if self.damage.is_some() {
            return None;
        }
        match self.kind {
            Kind::Pcap {
                big,
                nanos,
                linktype,
            } => self.next_pcap(big, nanos, linktype),
            Kind::PcapNg(_) => self.next_ng(),
        }
    }
}

/// Writes a classic pcap header (microsecond stamps, little-endian).
pub fn pcap_header(linktype: u32, snaplen: u32) -> [u8; 24] {
    let mut h = [0u8; 24];
    h[0..4].copy_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    h[4..6].copy_from_slice(&2u16.to_le_bytes());
    h[6..8].copy_from_slice(&4u16.to_le_bytes());
    h[16..20].copy_from_slice(&snaplen.to_le_bytes());
    h[20..24].copy_from_slice(&linktype.to_le_bytes());
    h
}

/// Writes one classic pcap record (microsecond stamps, little-endian).
pub fn pcap_record(out: &mut Vec<u8>, ts_ns: i64, len: u32, data: &[u8]) {
    let secs = ts_ns.div_euclid(1_000_000_000) as u32;
    let us = (ts_ns.rem_euclid(1_000_000_000) / 1000) as u32;
    out.extend_from_slice(&secs.to_le_bytes());
    out.extend_from_slice(&us.to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(data);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(records: &[&[u8]]) -> Vec<u8> {
        let mut f = pcap_header(linktype::ETHERNET, 65535).to_vec();
        for (i, r) in records.iter().enumerate() {
            pcap_record(
                &mut f,
                1_700_000_000_000_000_000 + i as i64 * 1000,
                r.len() as u32,
                r,
            );
        }
        f
    }

    #[test]
    fn classic_pcap_round_trips() {
        let f = file(&[&[1, 2, 3], &[4; 60]]);
        let mut p = packets(&f).unwrap();
        let a = p.next().unwrap();
        assert_eq!(
            (a.data, a.len, a.linktype, a.offset),
            (&[1u8, 2, 3][..], 3, 1, 24)
        );
        assert_eq!(a.ts_ns, 1_700_000_000_000_000_000);
        let b = p.next().unwrap();
        assert_eq!((b.data.len(), b.offset), (60, 24 + 16 + 3));
        assert!(p.next().is_none());
        assert!(p.damage().is_none());
    }

    #[test]
    fn damage_is_named_with_its_offset_and_what_came_before_is_kept() {
        let f = file(&[&[1, 2, 3], &[4; 60]]);
        // Cut in the middle of the second packet.
        let cut = &f[..f.len() - 10];
        let mut p = packets(cut).unwrap();
        assert!(p.next().is_some());
        assert!(p.next().is_none());
        let d = p.damage().unwrap();
        assert_eq!(d.offset, 43);
        assert_eq!(
            d.what,
            "packet cut short: 60 bytes announced, 50 in the file"
        );
        // Cut inside a record header.
        let mut p = packets(&f[..24 + 16 + 3 + 5]).unwrap();
        assert!(p.next().is_some());
        assert!(p.next().is_none());
        assert!(p.damage().unwrap().what.contains("record header cut short"));
        // An absurd length.
        let mut bad = f.clone();
        bad[24 + 8..24 + 12].copy_from_slice(&u32::MAX.to_le_bytes());
        let mut p = packets(&bad).unwrap();
        assert!(p.next().is_none());
        assert_eq!(p.damage().unwrap().offset, 24);
        assert!(
            p.damage()
                .unwrap()
                .what
                .starts_with("absurd captured length 4294967295")
        );
    }

    #[test]
    fn not_a_capture() {
        assert_eq!(
            packets(&[]).unwrap_err().what,
            "empty file: no capture header"
        );
        assert!(
            packets(b"GIF89a....")
                .unwrap_err()
                .what
                .starts_with("not a pcap or pcapng file")
        );
        assert!(
            packets(&f24()[..10])
                .unwrap_err()
                .what
                .contains("header cut short")
        );
    }

    fn f24() -> Vec<u8> {
        pcap_header(1, 65535).to_vec()
    }

    #[test]
    fn junk_never_panics() {
        let mut s = 0x9e37_79b9_7f4a_7c15u64;
        for n in 0..5000 {
            let mut f = if n % 2 == 0 {
                f24()
            } else {
                vec![0x0a, 0x0d, 0x0d, 0x0a]
            };
            for _ in 0..(n % 97) {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                f.push(s as u8);
            }
            if let Ok(p) = packets(&f) {
                let _ = p.count();
            }
        }
    }
}
