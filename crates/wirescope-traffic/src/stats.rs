//! Aggregation over dissected frames: the protocol hierarchy (a frame counts once for every
//! protocol that appears in it), bandwidth in 1 s buckets, top talkers (per IP address, sent and
//! received), conversations (IP address pairs) and flows (5-tuples, with TCP flags and resets).
//! Maps are bounded: past `max_entries` new keys are counted as overflow, never stored.

use crate::dissect::{Addr, PROTOCOLS, Summary};
use serde::Serialize;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// FNV-1a over the key bytes: keys are small and trusted-shape, and SipHash would cost more
/// than the rest of a frame's work.
#[derive(Debug, Default)]
pub struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

/// Packets and bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Count {
    pub packets: u64,
    pub bytes: u64,
}

impl Count {
    fn add(&mut self, bytes: u64) {
        self.packets += 1;
        self.bytes += bytes;
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Talker {
    tx: Count,
    rx: Count,
}

#[derive(Debug, Clone, Copy, Default)]
struct Conv {
    /// From the lower address to the higher.
    ab: Count,
    ba: Count,
    first_ns: i64,
    last_ns: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct FlowKey {
    proto: u8,
    a: Addr,
    b: Addr,
    pa: u16,
    pb: u16,
}

#[derive(Debug, Clone, Copy, Default)]
struct Flow {
    ab: Count,
    ba: Count,
    first_ns: i64,
    last_ns: i64,
    flags: u8,
    resets: u32,
}

/// Statistics of a stream of frames.
#[derive(Debug)]
pub struct Stats {
    pub packets: u64,
    pub bytes: u64,
    pub malformed: u64,
    pub first_ns: Option<i64>,
    pub last_ns: Option<i64>,
    protos: [Count; PROTOCOLS.len()],
    /// 1 s buckets from the first frame's second; bounded by `max_buckets` (older ones roll off).
    buckets: std::collections::VecDeque<(i64, Count)>,
    max_buckets: usize,
    talkers: FastMap<Addr, Talker>,
    convs: FastMap<(Addr, Addr), Conv>,
    flows: FastMap<FlowKey, Flow>,
    max_entries: usize,
    /// Frames whose talker, conversation or flow did not fit under `max_entries`.
    pub overflow: u64,
}

impl Stats {
    /// Statistics keeping at most `max_entries` talkers, conversations and flows each, and the
    /// last `max_buckets` seconds of bandwidth.
    pub fn new(max_entries: usize, max_buckets: usize) -> Self {
        Stats {
            packets: 0,
            bytes: 0,
            malformed: 0,
            first_ns: None,
            last_ns: None,
            protos: [Count::default(); PROTOCOLS.len()],
            buckets: std::collections::VecDeque::new(),
            max_buckets: max_buckets.max(1),
            talkers: FastMap::default(),
            convs: FastMap::default(),
            flows: FastMap::default(),
            max_entries,
            overflow: 0,
        }
    }

    /// Counts one frame of `len` bytes on the wire.
    pub fn add(&mut self, ts_ns: i64, len: u32, s: &Summary) {
        let bytes = u64::from(len);
        self.packets += 1;
        self.bytes += bytes;
        self.malformed += u64::from(s.malformed);
        self.first_ns.get_or_insert(ts_ns);
        self.last_ns = Some(self.last_ns.map_or(ts_ns, |l| l.max(ts_ns)));
        let mut bits = s.protos;
        while bits != 0 {
            let bit = bits.trailing_zeros();
            bits &= bits - 1;
            if let Some(i) = PROTOCOLS.iter().position(|(b, _)| *b == 1 << bit) {
                self.protos[i].add(bytes);
            }
        }
        let second = ts_ns.div_euclid(1_000_000_000);
        match self.buckets.back_mut() {
            Some((t, c)) if *t == second => c.add(bytes),
            Some((t, _)) if *t > second => {
                // Out of order: find its bucket, if still kept.
                if let Some((_, c)) = self.buckets.iter_mut().rev().find(|(t, _)| *t == second) {
                    c.add(bytes);
                }
            }
            _ => {
                let mut c = Count::default();
                c.add(bytes);
                self.buckets.push_back((second, c));
                while self.buckets.len() > self.max_buckets {
                    self.buckets.pop_front();
                }
            }
        }
        let (Some(src), Some(dst)) = (s.src, s.dst) else {
            return;
        };
        let room = |n: usize| n < self.max_entries;
        let mut overflow = false;
        for (addr, sent) in [(src, true), (dst, false)] {
            let talkers_len = self.talkers.len();
            match self.talkers.get_mut(&addr) {
                Some(t) => {
                    if sent {
                        t.tx.add(bytes)
                    } else {
                        t.rx.add(bytes)
                    }
                }
                None if room(talkers_len) => {
                    let mut t = Talker::default();
                    if sent {
                        t.tx.add(bytes)
                    } else {
                        t.rx.add(bytes)
                    }
                    self.talkers.insert(addr, t);
                }
                None => overflow = true,
            }
        }
        let forward = src <= dst;
        let key = if forward { (src, dst) } else { (dst, src) };
        let convs_len = self.convs.len();
        let conv = match self.convs.get_mut(&key) {
            Some(c) => Some(c),
            None if room(convs_len) => Some(self.convs.entry(key).or_insert(Conv {
                first_ns: ts_ns,
                last_ns: ts_ns,
                ..Conv::default()
            })),
            None => None,
        };
        match conv {
            Some(c) => {
                if forward {
                    c.ab.add(bytes)
                } else {
                    c.ba.add(bytes)
                }
                c.first_ns = c.first_ns.min(ts_ns);
                c.last_ns = c.last_ns.max(ts_ns);
            }
            None => overflow = true,
        }
        let (pa, pb) = if forward {
            (s.sport, s.dport)
        } else {
            (s.dport, s.sport)
        };
        let fkey = FlowKey {
            proto: s.l4,
            a: key.0,
            b: key.1,
            pa,
            pb,
        };
        let flows_len = self.flows.len();
        let flow = match self.flows.get_mut(&fkey) {
            Some(f) => Some(f),
            None if room(flows_len) => Some(self.flows.entry(fkey).or_insert(Flow {
                first_ns: ts_ns,
                last_ns: ts_ns,
                ..Flow::default()
            })),
            None => None,
        };
        match flow {
            Some(f) => {
                if forward {
                    f.ab.add(bytes)
                } else {
                    f.ba.add(bytes)
                }
                f.first_ns = f.first_ns.min(ts_ns);
                f.last_ns = f.last_ns.max(ts_ns);
                f.flags |= s.tcp_flags;
                f.resets += u32::from(s.tcp_flags & 0x04 != 0);
            }
            None => overflow = true,
        }
        self.overflow += u64::from(overflow);
    }

    /// The report: every protocol seen, the top `top` talkers, conversations and flows by bytes.
    pub fn report(&self, top: usize) -> Report {
        let start = self.first_ns.unwrap_or(0);
        let secs = |ns: i64| (ns - start) as f64 / 1e9;
        let protocols = PROTOCOLS
            .iter()
            .zip(self.protos.iter())
            .filter(|(_, c)| c.packets > 0)
            .map(|((_, name), c)| ((*name).to_string(), *c))
            .collect();
        let mut top_talkers: Vec<TalkerRow> = self
            .talkers
            .iter()
            .map(|(a, t)| TalkerRow {
                addr: a.ip(),
                packets: t.tx.packets + t.rx.packets,
                bytes: t.tx.bytes + t.rx.bytes,
                tx_packets: t.tx.packets,
                tx_bytes: t.tx.bytes,
                rx_packets: t.rx.packets,
                rx_bytes: t.rx.bytes,
            })
            .collect();
        top_talkers.sort_by(|x, y| y.bytes.cmp(&x.bytes).then(x.addr.cmp(&y.addr)));
        top_talkers.truncate(top);
        let mut conversations: Vec<ConvRow> = self
            .convs
            .iter()
            .map(|((a, b), c)| ConvRow {
                a: a.ip(),
                b: b.ip(),
                packets: c.ab.packets + c.ba.packets,
                bytes: c.ab.bytes + c.ba.bytes,
                a_to_b: c.ab,
                b_to_a: c.ba,
                start_s: secs(c.first_ns),
                duration_s: (c.last_ns - c.first_ns) as f64 / 1e9,
            })
            .collect();
        conversations.sort_by(|x, y| y.bytes.cmp(&x.bytes).then((x.a, x.b).cmp(&(y.a, y.b))));
        conversations.truncate(top);
        let mut flows: Vec<FlowRow> = self
            .flows
            .iter()
            .map(|(k, f)| FlowRow {
                protocol: match k.proto {
                    6 => "tcp".into(),
                    17 => "udp".into(),
                    1 => "icmp".into(),
                    58 => "icmpv6".into(),
                    n => n.to_string(),
                },
                a: k.a.ip(),
                a_port: k.pa,
                b: k.b.ip(),
                b_port: k.pb,
                packets: f.ab.packets + f.ba.packets,
                bytes: f.ab.bytes + f.ba.bytes,
                a_to_b: f.ab,
                b_to_a: f.ba,
                start_s: secs(f.first_ns),
                duration_s: (f.last_ns - f.first_ns) as f64 / 1e9,
                tcp_flags: tcp_flags(f.flags),
                resets: f.resets,
            })
            .collect();
        flows.sort_by(|x, y| {
            y.bytes
                .cmp(&x.bytes)
                .then((x.a, x.a_port).cmp(&(y.a, y.a_port)))
        });
        flows.truncate(top);
        Report {
            packets: self.packets,
            bytes: self.bytes,
            malformed: self.malformed,
            start_ns: self.first_ns,
            duration_s: match (self.first_ns, self.last_ns) {
                (Some(a), Some(b)) => (b - a) as f64 / 1e9,
                _ => 0.0,
            },
            protocols,
            bandwidth: self
                .buckets
                .iter()
                .map(|(t, c)| Bucket {
                    t: *t,
                    packets: c.packets,
                    bytes: c.bytes,
                })
                .collect(),
            top_talkers,
            conversations,
            flows,
            talkers_total: self.talkers.len(),
            conversations_total: self.convs.len(),
            flows_total: self.flows.len(),
            overflow: self.overflow,
        }
    }
}

fn tcp_flags(f: u8) -> String {
    [
        (0x02, 'S'),
        (0x10, 'A'),
        (0x08, 'P'),
        (0x01, 'F'),
        (0x04, 'R'),
        (0x20, 'U'),
    ]
    .iter()
    .filter(|(b, _)| f & b != 0)
    .map(|(_, c)| *c)
    .collect()
}

/// One second of traffic.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Bucket {
    /// Seconds since the epoch.
    pub t: i64,
    pub packets: u64,
    pub bytes: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TalkerRow {
    pub addr: std::net::IpAddr,
    pub packets: u64,
    pub bytes: u64,
    pub tx_packets: u64,
    pub tx_bytes: u64,
    pub rx_packets: u64,
    pub rx_bytes: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ConvRow {
    pub a: std::net::IpAddr,
    pub b: std::net::IpAddr,
    pub packets: u64,
    pub bytes: u64,
    pub a_to_b: Count,
    pub b_to_a: Count,
    /// Seconds from the first frame of the capture.
    pub start_s: f64,
    pub duration_s: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FlowRow {
    pub protocol: String,
    pub a: std::net::IpAddr,
    pub a_port: u16,
    pub b: std::net::IpAddr,
    pub b_port: u16,
    pub packets: u64,
    pub bytes: u64,
    pub a_to_b: Count,
    pub b_to_a: Count,
    pub start_s: f64,
    pub duration_s: f64,
    /// TCP flags seen in either direction: S A P F R U.
    pub tcp_flags: String,
    pub resets: u32,
}

/// What a capture holds, as `wirescope analyze --json` prints it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    pub packets: u64,
    pub bytes: u64,
    pub malformed: u64,
    pub start_ns: Option<i64>,
    pub duration_s: f64,
    /// By Wireshark display-filter name: frames in which the protocol appears, and their bytes.
    pub protocols: std::collections::BTreeMap<String, Count>,
    pub bandwidth: Vec<Bucket>,
    pub top_talkers: Vec<TalkerRow>,
    pub conversations: Vec<ConvRow>,
    pub flows: Vec<FlowRow>,
    pub talkers_total: usize,
    pub conversations_total: usize,
    pub flows_total: usize,
    /// Frames whose talker, conversation or flow was past the table limit.
    pub overflow: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16, protos: u32) -> Summary {
        let addr = |b: [u8; 4]| {
            let mut bytes = [0u8; 16];
            bytes[..4].copy_from_slice(&b);
            Addr { v6: false, bytes }
        };
        Summary {
            protos,
            src: Some(addr(src)),
            dst: Some(addr(dst)),
            l4: 6,
            sport,
            dport,
            tcp_flags: 0x12,
            ..Summary::default()
        }
    }

    #[test]
    fn both_directions_make_one_conversation_and_flow() {
        use crate::dissect::proto;
        let mut st = Stats::new(100, 100);
        let p = proto::ETH | proto::IP | proto::TCP;
        st.add(
            1_000_000_000,
            100,
            &summary([10, 0, 0, 2], [10, 0, 0, 1], 5000, 22, p),
        );
        st.add(
            1_500_000_000,
            60,
            &summary([10, 0, 0, 1], [10, 0, 0, 2], 22, 5000, p | proto::SSH),
        );
        st.add(
            2_100_000_000,
            40,
            &summary([10, 0, 0, 3], [10, 0, 0, 1], 1, 2, p),
        );
        let r = st.report(10);
        assert_eq!((r.packets, r.bytes), (3, 200));
        assert_eq!(
            r.protocols["tcp"],
            Count {
                packets: 3,
                bytes: 200
            }
        );
        assert_eq!(
            r.protocols["ssh"],
            Count {
                packets: 1,
                bytes: 60
            }
        );
        assert!(!r.protocols.contains_key("udp"));
        assert_eq!(r.conversations.len(), 2);
        let c = &r.conversations[0];
        assert_eq!(
            (c.a.to_string(), c.b.to_string()),
            ("10.0.0.1".into(), "10.0.0.2".into())
        );
        assert_eq!(
            (c.a_to_b.bytes, c.b_to_a.bytes, c.duration_s),
            (60, 100, 0.5)
        );
        assert_eq!(r.flows[0].tcp_flags, "SA");
        assert_eq!(r.top_talkers[0].addr.to_string(), "10.0.0.1");
        assert_eq!(
            (r.top_talkers[0].tx_bytes, r.top_talkers[0].rx_bytes),
            (60, 140)
        );
        assert_eq!(
            r.bandwidth,
            [
                Bucket {
                    t: 1,
                    packets: 2,
                    bytes: 160
                },
                Bucket {
                    t: 2,
                    packets: 1,
                    bytes: 40
                }
            ]
        );
    }

    #[test]
    fn tables_are_bounded() {
        let mut st = Stats::new(2, 2);
        for i in 0..10u8 {
            st.add(
                i64::from(i) * 1_000_000_000,
                10,
                &summary([10, 0, 0, i], [10, 0, 1, i], 1, 2, 0),
            );
        }
        let r = st.report(100);
        assert!(r.talkers_total <= 2 && r.conversations_total <= 2 && r.flows_total <= 2);
        assert_eq!(
            r.overflow, 9,
            "the first frame fills the talkers (2 addresses)"
        );
        assert_eq!(r.bandwidth.len(), 2, "the oldest seconds roll off");
        assert_eq!(r.packets, 10);
    }
}
