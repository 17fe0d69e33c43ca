//! A capture session as the dashboard sees it: frames come in (live, or from an uploaded file),
//! are dissected and counted, and the newest are kept with their bytes for the packet list, the
//! detail pane and pcapng export: at most `ring_size` frames, their bytes back to back in one
//! circular buffer of `ring_bytes` (no allocation per frame). Memory is bounded by the ring and
//! the stats' table limits, never by the traffic.

use crate::detail;
use crate::dissect::{Dissector, PROTOCOLS, Summary};
use crate::filter::{Filter, Frame};
use crate::stats::{Report, Stats};
use crate::write::PcapNgWriter;
use serde::Serialize;
use std::collections::VecDeque;

/// One kept frame; its bytes are in the session's circular buffer from `at` (an absolute
/// position: the buffer index is `at % ring_bytes`).
#[derive(Debug, Clone)]
struct Stored {
    no: u64,
    ts_ns: i64,
    len: u32,
    linktype: u32,
    summary: Summary,
    at: u64,
    caplen: u32,
}

/// A row of the packet list.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct PacketRow {
    /// Frame number, from 1, over the whole session (the ring forgets the oldest).
    pub no: u64,
    pub ts_ns: i64,
    #[schema(value_type = Option<String>)]
    pub src: Option<std::net::IpAddr>,
    #[schema(value_type = Option<String>)]
    pub dst: Option<std::net::IpAddr>,
    /// The innermost protocol found, by Wireshark filter name.
    pub protocol: &'static str,
    pub len: u32,
    /// A Wireshark-like summary: ports, flags, what the application layer is.
    pub info: String,
}

/// Limits of a session.
#[derive(Debug, Clone, Copy)]
pub struct SessionLimits {
    /// Frames kept with their bytes.
    pub ring_size: usize,
    /// The buffer their bytes share (the oldest frames go when it is full).
    pub ring_bytes: usize,
    /// Flows kept by the statistics.
    pub max_flows: usize,
    /// Seconds of bandwidth kept.
    pub window_s: usize,
}

impl Default for SessionLimits {
    fn default() -> Self {
        SessionLimits {
            ring_size: 100_000,
            ring_bytes: 64 << 20,
            max_flows: 100_000,
            window_s: 300,
        }
    }
}

impl SessionLimits {
    /// The most memory a session with these limits can hold: the byte buffer, a ring entry per
    /// kept frame, the flow table (doubled: a vector and its index, grown by doubling) and the
    /// bandwidth window.
    pub fn memory_bound(&self) -> usize {
        let bytes = if self.ring_size == 0 {
            0
        } else {
            self.ring_bytes.max(crate::read::MAX_CAPLEN as usize)
        };
        let ring = self
            .ring_size
            .saturating_mul(std::mem::size_of::<Stored>() * 2);
        let flows = self.max_flows.saturating_mul(crate::stats::FLOW_BYTES * 2);
        let window = self.window_s.saturating_mul(64);
        bytes
            .saturating_add(ring)
            .saturating_add(flows)
            .saturating_add(window)
    }
}

/// Frames, their statistics and the newest of their bytes.
#[derive(Debug)]
pub struct Session {
    dissector: Dissector,
    stats: Stats,
    ring: VecDeque<Stored>,
    bytes: Vec<u8>,
    /// Where the next frame's bytes go (absolute).
    head: u64,
    limits: SessionLimits,
    next_no: u64,
}

fn innermost(bits: u32) -> &'static str {
    PROTOCOLS
        .iter()
        .rev()
        .find(|(b, n)| bits & b != 0 && *n != "data")
        .or_else(|| PROTOCOLS.iter().find(|(b, _)| bits & b != 0))
        .map_or("frame", |(_, n)| *n)
}

/// What an ICMP or ICMPv6 type means, as Wireshark's Info column says it.
fn icmp_text(v6: bool, t: u8, code: u8) -> String {
    let name = match (v6, t) {
        (false, 0) | (true, 129) => "Echo (ping) reply",
        (false, 8) | (true, 128) => "Echo (ping) request",
        (false, 3) | (true, 1) => "Destination unreachable",
        (false, 11) | (true, 3) => "Time-to-live exceeded",
        (false, 5) => "Redirect",
        (true, 2) => "Packet too big",
        (true, 133) => "Router Solicitation",
        (true, 134) => "Router Advertisement",
        (true, 135) => "Neighbor Solicitation",
        (true, 136) => "Neighbor Advertisement",
        _ => return format!("type {t}, code {code}"),
    };
    if code == 0 || matches!(t, 0 | 8 | 128 | 129) {
        name.to_string()
    } else {
        format!("{name} (code {code})")
    }
}

fn info(s: &Summary) -> String {
    let mut parts = Vec::new();
    if let Some((t, code)) = s.icmp {
        parts.push(icmp_text(s.src.is_some_and(|a| a.v6), t, code));
    }
    if s.l4 == 6 || s.l4 == 17 {
        parts.push(format!("{} → {}", s.sport, s.dport));
    }
    if s.l4 == 6 {
        let flags: String = [
            (0x02, "SYN"),
            (0x10, "ACK"),
            (0x08, "PSH"),
            (0x01, "FIN"),
            (0x04, "RST"),
        ]
        .iter()
        .filter(|(b, _)| s.tcp_flags & b != 0)
        .map(|(_, n)| *n)
        .collect::<Vec<_>>()
        .join(",");
        if !flags.is_empty() {
            parts.push(format!("[{flags}]"));
        }
    }
    if s.fragment {
        parts.push("fragment".into());
    }
    if s.malformed {
        parts.push("[malformed]".into());
    }
    parts.join(" ")
}

impl Session {
    pub fn new(limits: SessionLimits) -> Self {
        let limits = SessionLimits {
            ring_bytes: limits.ring_bytes.max(crate::read::MAX_CAPLEN as usize),
            ..limits
        };
        Session {
            dissector: Dissector::new(),
            stats: Stats::new(limits.max_flows, limits.window_s),
            ring: VecDeque::with_capacity(limits.ring_size.min(1 << 16)),
            // Zeroed lazily by the kernel: only the bytes written become resident.
            bytes: vec![
                0;
                if limits.ring_size == 0 {
                    0
                } else {
                    limits.ring_bytes
                }
            ],
            head: 0,
            limits,
            next_no: 1,
        }
    }

    /// A row's Info: the application layer's (DNS, HTTP, TLS: the frame dissected in detail
    /// for it, only for frames that carry one), else the transport's.
    fn info_of(&self, p: &Stored) -> String {
        const APP: u32 =
            crate::dissect::proto::DNS | crate::dissect::proto::HTTP | crate::dissect::proto::TLS;
        if p.summary.protos & APP != 0 && !p.summary.malformed {
            let d = crate::detail::detail(p.no, p.ts_ns, p.len, p.linktype, &self.data(p));
            if let Some(app) = crate::detail::app_info(&d) {
                return app;
            }
        }
        info(&p.summary)
    }

    /// A kept frame's bytes (copied only when they wrap around the end of the buffer).
    fn data(&self, p: &Stored) -> std::borrow::Cow<'_, [u8]> {
        let cap = self.bytes.len();
        let start = (p.at % cap as u64) as usize;
        let n = p.caplen as usize;
        if start + n <= cap {
            std::borrow::Cow::Borrowed(&self.bytes[start..start + n])
        } else {
            let mut v = self.bytes[start..].to_vec();
            v.extend_from_slice(&self.bytes[..n - (cap - start)]);
            std::borrow::Cow::Owned(v)
        }
    }

    /// Takes one frame in; returns what the dissector made of it.
    pub fn ingest(&mut self, linktype: u32, ts_ns: i64, len: u32, data: &[u8]) -> Summary {
        let summary = self.dissector.frame(linktype, data);
        self.stats.add(ts_ns, len, &summary);
        if self.limits.ring_size == 0 {
            return summary;
        }
        let cap = self.bytes.len();
        let data = &data[..data.len().min(cap)];
        let n = data.len() as u64;
        // Forget the oldest frames whose bytes the new one would overwrite, and past the count.
        while let Some(old) = self.ring.front() {
            let overwritten = old.at < (self.head + n).saturating_sub(cap as u64);
            if overwritten || self.ring.len() >= self.limits.ring_size {
                self.ring.pop_front();
            } else {
                break;
            }
        }
        let start = (self.head % cap as u64) as usize;
        let first = data.len().min(cap - start);
        self.bytes[start..start + first].copy_from_slice(&data[..first]);
        self.bytes[..data.len() - first].copy_from_slice(&data[first..]);
        self.ring.push_back(Stored {
            no: self.next_no,
            ts_ns,
            len,
            linktype,
            summary,
            at: self.head,
            caplen: data.len() as u32,
        });
        self.head += n;
        self.next_no += 1;
        summary
    }

    /// Frames seen so far.
    pub fn frames(&self) -> u64 {
        self.stats.packets
    }

    /// Frames kept.
    pub fn kept(&self) -> usize {
        self.ring.len()
    }

    /// The statistics so far.
    pub fn report(&self, top: usize) -> Report {
        self.stats.report(top)
    }

    fn matching<'a>(&'a self, filter: Option<&'a Filter>) -> impl Iterator<Item = &'a Stored> + 'a {
        self.ring.iter().filter(move |p| {
            filter.is_none_or(|f| {
                f.matches(&Frame {
                    summary: &p.summary,
                    len: p.len,
                    caplen: p.caplen,
                })
            })
        })
    }

    /// Up to `limit` rows of kept frames numbered `from` or more (the newest `limit` when `from`
    /// is None) that `filter` matches.
    pub fn packets(
        &self,
        from: Option<u64>,
        limit: usize,
        filter: Option<&Filter>,
    ) -> Vec<PacketRow> {
        let row = |p: &Stored| PacketRow {
            no: p.no,
            ts_ns: p.ts_ns,
            src: p.summary.src.map(|a| a.ip()),
            dst: p.summary.dst.map(|a| a.ip()),
            protocol: innermost(p.summary.protos),
            len: p.len,
            info: self.info_of(p),
        };
        match from {
            Some(from) => self
                .matching(filter)
                .filter(|p| p.no >= from)
                .take(limit)
                .map(row)
                .collect(),
            None => {
                let mut newest: Vec<PacketRow> = self
                    .matching(filter)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .take(limit)
                    .map(row)
                    .collect();
                newest.reverse();
                newest
            }
        }
    }

    /// One kept frame in detail: its layers and fields with byte ranges, and its bytes.
    pub fn detail(&self, no: u64) -> Option<detail::PacketDetail> {
        let first = self.ring.front()?.no;
        let p = self
            .ring
            .get(usize::try_from(no.checked_sub(first)?).ok()?)?;
        Some(detail::detail(
            p.no,
            p.ts_ns,
            p.len,
            p.linktype,
            &self.data(p),
        ))
    }

    /// The kept frames `filter` matches, as a pcapng file.
    pub fn pcapng(&self, filter: Option<&Filter>) -> std::io::Result<Vec<u8>> {
        let mut w = PcapNgWriter::new(Vec::new(), crate::read::MAX_CAPLEN)?;
        for p in self.matching(filter) {
            w.packet(p.linktype, p.ts_ns, p.len, &self.data(p))?;
        }
        w.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::linktype;

    fn udp_frame(dport: u16) -> Vec<u8> {
        let mut f = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00];
        f.extend_from_slice(&[
            0x45, 0, 0, 32, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
        ]);
        f.extend_from_slice(&5000u16.to_be_bytes());
        f.extend_from_slice(&dport.to_be_bytes());
        f.extend_from_slice(&[0, 12, 0, 0, 1, 2, 3, 4]);
        f
    }

    #[test]
    fn the_byte_buffer_wraps_and_forgets_what_it_overwrites() {
        let mut s = Session::new(SessionLimits {
            ring_size: 1_000_000,
            ring_bytes: 0,
            ..SessionLimits::default()
        });
        // The buffer is at least MAX_CAPLEN (262,144) bytes: 100,000-byte frames, 2 fit whole.
        let frame = |b: u8| {
            let mut f = udp_frame(53);
            f.resize(100_000, b);
            f
        };
        for i in 0..5u8 {
            s.ingest(linktype::ETHERNET, i64::from(i), 100_000, &frame(i));
        }
        assert_eq!(s.kept(), 2, "two 100,000-byte frames fit in 262,144 bytes");
        for no in [4, 5] {
            let d = s.detail(no).unwrap();
            assert_eq!(d.caplen, 100_000);
            let want = frame(no as u8 - 1);
            assert_eq!(
                d.hex[..20],
                crate::tests_hex(&want[..10]),
                "frame {no} starts right"
            );
            assert_eq!(
                d.hex[d.hex.len() - 2..],
                format!("{:02x}", no - 1),
                "frame {no} ends right"
            );
        }
        let file = s.pcapng(None).unwrap();
        let back: Vec<Vec<u8>> = crate::read::packets(&file)
            .unwrap()
            .map(|p| p.data.to_vec())
            .collect();
        assert_eq!(back, [frame(3), frame(4)], "wrapped frames come out whole");
    }

    #[test]
    fn the_ring_keeps_the_newest_and_numbers_stay() {
        let mut s = Session::new(SessionLimits {
            ring_size: 3,
            ..SessionLimits::default()
        });
        for i in 0..5u16 {
            s.ingest(
                linktype::ETHERNET,
                i64::from(i) * 1_000_000_000,
                46,
                &udp_frame(50 + i),
            );
        }
        assert_eq!((s.frames(), s.kept()), (5, 3));
        let rows = s.packets(None, 10, None);
        assert_eq!(rows.iter().map(|r| r.no).collect::<Vec<_>>(), [3, 4, 5]);
        assert_eq!(
            rows.iter().map(|r| r.protocol).collect::<Vec<_>>(),
            ["udp", "dns", "udp"],
            "ports 52, 53, 54"
        );
        assert_eq!(rows[0].info, "5000 → 52");
        assert_eq!(rows[1].info, "5000 → 53", "not DNS after all: the ports");
        // a real DNS query: its question in the Info column
        let mut dns = vec![0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        dns.extend_from_slice(b"\x02h1\x03lab\x04test\x00\x00\x01\x00\x01");
        let mut q = udp_frame(53);
        q.truncate(q.len() - 4);
        q.extend_from_slice(&dns);
        let udp_len = (8 + dns.len()) as u16;
        q[16..18].copy_from_slice(&(20 + udp_len).to_be_bytes());
        q[38..40].copy_from_slice(&udp_len.to_be_bytes());
        let mut one = Session::new(SessionLimits::default());
        one.ingest(linktype::ETHERNET, 0, q.len() as u32, &q);
        assert_eq!(
            one.packets(None, 1, None)[0].info,
            "Standard query 0x1234 A h1.lab.test"
        );
        assert_eq!(icmp_text(false, 8, 0), "Echo (ping) request");
        assert_eq!(icmp_text(false, 3, 3), "Destination unreachable (code 3)");
        assert_eq!(icmp_text(true, 135, 0), "Neighbor Solicitation");
        let f = Filter::parse("udp.port == 54").unwrap();
        assert_eq!(
            s.packets(None, 10, Some(&f))
                .iter()
                .map(|r| r.no)
                .collect::<Vec<_>>(),
            [5]
        );
        assert_eq!(s.packets(Some(4), 1, None)[0].no, 4);
        assert!(s.detail(2).is_none(), "forgotten by the ring");
        assert_eq!(s.detail(5).map(|d| d.no), Some(5));
        let file = s.pcapng(Some(&f)).unwrap();
        assert_eq!(crate::read::packets(&file).unwrap().count(), 1);
        assert_eq!(s.report(10).packets, 5);
    }
}
