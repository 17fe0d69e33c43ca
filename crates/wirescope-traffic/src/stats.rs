//! Aggregation over dissected frames: the protocol hierarchy (a frame counts once for every
//! protocol that appears in it), bandwidth in 1 s buckets, and flows (5-tuples, bytes and packets
//! each way, TCP flags and resets). Conversations (IP address pairs) and top talkers (per address,
//! sent and received) are sums over the flows, made when the report is asked for, so a frame
//! costs one table lookup (none when it belongs to the flow of the frame before). The flow table
//! is bounded: past `max_entries` flows, frames of new flows are counted as overflow, not stored.

use crate::dissect::{Addr, PROTOCOLS, Summary};
use serde::Serialize;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

/// A multiply-rotate hasher over 64-bit words (FxHash's): flow keys are fixed-shape, and SipHash
/// would cost more than the rest of a frame's work.
#[derive(Debug, Default)]
pub struct WordHasher(u64);

impl WordHasher {
    #[inline]
    fn mix(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for WordHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in chunks.by_ref() {
            self.mix(u64::from_le_bytes([
                c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7],
            ]));
        }
        for b in chunks.remainder() {
            self.mix(u64::from(*b));
        }
    }

    fn write_u64(&mut self, x: u64) {
        self.mix(x);
    }
}

/// Packets and bytes.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema,
)]
pub struct Count {
    pub packets: u64,
    pub bytes: u64,
}

impl Count {
    #[inline]
    pub(crate) fn add(&mut self, bytes: u64) {
        self.packets += 1;
        self.bytes += bytes;
    }

    pub(crate) fn merge(&mut self, other: Count) {
        self.packets += other.packets;
        self.bytes += other.bytes;
    }
}

/// A frame's flow as `Stats::ahead` found it, to be counted with `Stats::add_ahead`.
#[derive(Debug, Clone, Copy)]
pub struct Ahead {
    key: FlowKey,
    forward: bool,
    hash: u64,
    /// Where the flow seemed to be in the table (same tag), if anywhere.
    at: Option<u32>,
}

/// A flow, with its ends in order (lower address first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FlowKey {
    proto: u8,
    a: Addr,
    b: Addr,
    pa: u16,
    pb: u16,
}

impl Hash for FlowKey {
    fn hash<H: Hasher>(&self, h: &mut H) {
        let word = |b: &[u8]| u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
        h.write_u64(word(&self.a.bytes[..8]) ^ word(&self.a.bytes[8..]).rotate_left(17));
        h.write_u64(word(&self.b.bytes[..8]) ^ word(&self.b.bytes[8..]).rotate_left(17));
        h.write_u64(
            u64::from(self.pa)
                | u64::from(self.pb) << 16
                | u64::from(self.proto) << 32
                | u64::from(self.a.v6) << 40,
        );
    }
}

/// Memory one entry of the flow table takes (key, counters, and its index slot).
pub const FLOW_BYTES: usize = std::mem::size_of::<(FlowKey, Flow)>() + 2 * 9;

/// The high half of a flow's hash, kept beside its position in the index (the low half).
#[inline]
fn tag(hash: u64) -> u64 {
    hash & 0xffff_ffff_0000_0000
}

/// Asks the CPU to start loading a flow table entry (its two cache lines).
#[inline(always)]
fn prefetch<T>(entry: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        let p = std::ptr::from_ref(entry).cast::<i8>();
        // SAFETY: prefetches are hints that read nothing and cannot fault, whatever the address.
        unsafe {
            std::arch::x86_64::_mm_prefetch(p, std::arch::x86_64::_MM_HINT_T0);
            std::arch::x86_64::_mm_prefetch(p.wrapping_add(64), std::arch::x86_64::_MM_HINT_T0);
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = entry;
}

fn flow_hash(key: &FlowKey) -> u64 {
    let mut h = WordHasher::default();
    key.hash(&mut h);
    h.finish()
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
    /// Per protocol bit.
    protos: [Count; 32],
    /// 1 s buckets; bounded by `max_buckets` (the oldest roll off).
    buckets: std::collections::VecDeque<(i64, Count)>,
    max_buckets: usize,
    /// Where each flow is in `flows`: its hash's high half (`tag`) and its position; the key is
    /// compared where it lies in `flows`, so the index stays small.
    index: hashbrown::HashTable<u64>,
    flows: Vec<(FlowKey, Flow)>,
    last: Option<(FlowKey, u32)>,
    max_entries: usize,
    /// Frames of flows that did not fit under `max_entries`.
    pub overflow: u64,
}

impl Stats {
    /// Statistics keeping at most `max_entries` flows and the last `max_buckets` seconds of
    /// bandwidth.
    pub fn new(max_entries: usize, max_buckets: usize) -> Self {
        Stats {
            packets: 0,
            bytes: 0,
            malformed: 0,
            first_ns: None,
            last_ns: None,
            protos: [Count::default(); 32],
            buckets: std::collections::VecDeque::new(),
            max_buckets: max_buckets.max(1),
            index: hashbrown::HashTable::new(),
            flows: Vec::new(),
            last: None,
            max_entries,
            overflow: 0,
        }
    }

    /// Counts one frame of `len` bytes on the wire.
    #[inline]
    pub fn add(&mut self, ts_ns: i64, len: u32, s: &Summary) {
        let ahead = self.ahead(s);
        self.add_ahead(ts_ns, len, s, ahead);
    }

    /// Looks a frame's flow up before the frame ahead of it is counted, and starts its table
    /// entry on its way into the CPU's cache: counted next with `add_ahead`, the frame does not
    /// wait for memory. `None` for a frame without addresses.
    #[inline]
    pub fn ahead(&self, s: &Summary) -> Option<Ahead> {
        let (Some(src), Some(dst)) = (s.src, s.dst) else {
            return None;
        };
        let forward = src <= dst;
        let key = if forward {
            FlowKey {
                proto: s.l4,
                a: src,
                b: dst,
                pa: s.sport,
                pb: s.dport,
            }
        } else {
            FlowKey {
                proto: s.l4,
                a: dst,
                b: src,
                pa: s.dport,
                pb: s.sport,
            }
        };
        let hash = flow_hash(&key);
        let at = self
            .index
            .find(hash, |&e| tag(e) == tag(hash))
            .map(|&e| e as u32);
        if let Some(entry) = at.and_then(|i| self.flows.get(i as usize)) {
            prefetch(entry);
        }
        Some(Ahead {
            key,
            forward,
            hash,
            at,
        })
    }

    /// Counts a frame looked up with `ahead` (frames between the two calls change nothing: an
    /// entry that is not the frame's flow after all is looked up again).
    #[inline]
    pub fn add_ahead(&mut self, ts_ns: i64, len: u32, s: &Summary, ahead: Option<Ahead>) {
        let bytes = u64::from(len);
        self.packets += 1;
        self.bytes += bytes;
        self.malformed += u64::from(s.malformed);
        if self.first_ns.is_none() {
            self.first_ns = Some(ts_ns);
        }
        if self.last_ns.is_none_or(|l| ts_ns > l) {
            self.last_ns = Some(ts_ns);
        }
        let mut bits = s.protos;
        while bits != 0 {
            self.protos[bits.trailing_zeros() as usize].add(bytes);
            bits &= bits - 1;
        }
        self.bucket(ts_ns.div_euclid(1_000_000_000), bytes);
        let Some(Ahead {
            key,
            forward,
            hash,
            at,
        }) = ahead
        else {
            return;
        };
        let i = match self.last {
            Some((k, i)) if k == key => i,
            _ => match at
                .filter(|&i| self.flows.get(i as usize).is_some_and(|f| f.0 == key))
                .or_else(|| self.find(&key, hash))
            {
                Some(i) => i,
                None if self.flows.len() < self.max_entries => self.insert(
                    key,
                    hash,
                    Flow {
                        first_ns: ts_ns,
                        last_ns: ts_ns,
                        ..Flow::default()
                    },
                ),
                None => {
                    self.overflow += 1;
                    return;
                }
            },
        };
        self.last = Some((key, i));
        let f = &mut self.flows[i as usize].1;
        if forward {
            f.ab.add(bytes);
        } else {
            f.ba.add(bytes);
        }
        f.first_ns = f.first_ns.min(ts_ns);
        f.last_ns = f.last_ns.max(ts_ns);
        f.flags |= s.tcp_flags;
        f.resets += u32::from(s.tcp_flags & 0x04 != 0);
    }

    #[inline]
    fn find(&self, key: &FlowKey, hash: u64) -> Option<u32> {
        let flows = &self.flows;
        self.index
            .find(hash, |&e| {
                tag(e) == tag(hash) && flows.get(e as u32 as usize).is_some_and(|f| f.0 == *key)
            })
            .map(|&e| e as u32)
    }

    /// A new flow's place in the table.
    fn insert(&mut self, key: FlowKey, hash: u64, flow: Flow) -> u32 {
        let i = self.flows.len() as u32;
        self.flows.push((key, flow));
        let flows = &self.flows;
        self.index
            .insert_unique(hash, tag(hash) | u64::from(i), |&e| {
                flow_hash(&flows[e as u32 as usize].0)
            });
        i
    }

    #[inline]
    fn bucket(&mut self, second: i64, bytes: u64) {
        match self.buckets.back_mut() {
            Some((t, c)) if *t == second => c.add(bytes),
            Some((t, _)) if *t > second => self.late(second, Count { packets: 1, bytes }),
            _ => {
                let mut c = Count::default();
                c.add(bytes);
                self.buckets.push_back((second, c));
                while self.buckets.len() > self.max_buckets {
                    self.buckets.pop_front();
                }
            }
        }
    }

    /// A frame older than the newest second: into its bucket, a new one if the second is among
    /// the last `max_buckets` seen, nowhere if older than all of them. Whatever the frames'
    /// order, the buckets end as the last `max_buckets` seconds with all of their frames.
    fn late(&mut self, second: i64, c: Count) {
        match self.buckets.binary_search_by_key(&second, |(t, _)| *t) {
            Ok(i) => self.buckets[i].1.merge(c),
            Err(0) if self.buckets.len() >= self.max_buckets => {}
            Err(i) => {
                self.buckets.insert(i, (second, c));
                while self.buckets.len() > self.max_buckets {
                    self.buckets.pop_front();
                }
            }
        }
    }

    /// Adds the statistics of the frames that came right after these (`other`, made with the
    /// same limits): the result is what one pass over both runs of frames would have counted,
    /// provided `other` kept every flow it met (`other.overflow == 0`; the caller counts those
    /// frames again otherwise).
    pub(crate) fn merge(&mut self, other: Stats) {
        self.packets += other.packets;
        self.bytes += other.bytes;
        self.malformed += other.malformed;
        self.first_ns = self.first_ns.or(other.first_ns);
        self.last_ns = self.last_ns.max(other.last_ns);
        for (mine, theirs) in self.protos.iter_mut().zip(other.protos) {
            mine.merge(theirs);
        }
        let mut mine = std::mem::take(&mut self.buckets).into_iter().peekable();
        let mut theirs = other.buckets.into_iter().peekable();
        let mut merged = std::collections::VecDeque::with_capacity(mine.len() + theirs.len());
        loop {
            let next = match (mine.peek(), theirs.peek()) {
                (Some(a), Some(b)) if a.0 == b.0 => {
                    let (t, mut c) = mine.next().unwrap_or_default();
                    c.merge(theirs.next().unwrap_or_default().1);
                    (t, c)
                }
                (Some(a), Some(b)) if a.0 < b.0 => mine.next().unwrap_or_default(),
                (_, Some(_)) => theirs.next().unwrap_or_default(),
                (Some(_), None) => mine.next().unwrap_or_default(),
                (None, None) => break,
            };
            merged.push_back(next);
        }
        while merged.len() > self.max_buckets {
            merged.pop_front();
        }
        self.buckets = merged;
        for (key, f) in other.flows {
            let hash = flow_hash(&key);
            match self.find(&key, hash) {
                Some(i) => {
                    let mine = &mut self.flows[i as usize].1;
                    mine.ab.merge(f.ab);
                    mine.ba.merge(f.ba);
                    mine.first_ns = mine.first_ns.min(f.first_ns);
                    mine.last_ns = mine.last_ns.max(f.last_ns);
                    mine.flags |= f.flags;
                    mine.resets += f.resets;
                }
                None if self.flows.len() < self.max_entries => {
                    self.insert(key, hash, f);
                }
                None => self.overflow += f.ab.packets + f.ba.packets,
            }
        }
        self.overflow += other.overflow;
        self.last = None;
    }

    /// The report: every protocol seen, the top `top` talkers, conversations and flows by bytes.
    pub fn report(&self, top: usize) -> Report {
        let start = self.first_ns.unwrap_or(0);
        let secs = |ns: i64| (ns - start) as f64 / 1e9;
        let protocols = PROTOCOLS
            .iter()
            .map(|(bit, name)| (*name, self.protos[bit.trailing_zeros() as usize]))
            .filter(|(_, c)| c.packets > 0)
            .map(|(name, c)| (name.to_string(), c))
            .collect();
        #[derive(Default)]
        struct Conv {
            ab: Count,
            ba: Count,
            first_ns: i64,
            last_ns: i64,
        }
        let mut convs: HashMap<(Addr, Addr), Conv> = HashMap::new();
        let mut talkers: HashMap<Addr, (Count, Count)> = HashMap::new();
        for (k, f) in &self.flows {
            let c = convs.entry((k.a, k.b)).or_insert(Conv {
                first_ns: f.first_ns,
                last_ns: f.last_ns,
                ..Conv::default()
            });
            c.ab.merge(f.ab);
            c.ba.merge(f.ba);
            c.first_ns = c.first_ns.min(f.first_ns);
            c.last_ns = c.last_ns.max(f.last_ns);
            let a = talkers.entry(k.a).or_default();
            a.0.merge(f.ab);
            a.1.merge(f.ba);
            let b = talkers.entry(k.b).or_default();
            b.0.merge(f.ba);
            b.1.merge(f.ab);
        }
        let mut top_talkers: Vec<TalkerRow> = talkers
            .iter()
            .map(|(a, (tx, rx))| TalkerRow {
                addr: a.ip(),
                packets: tx.packets + rx.packets,
                bytes: tx.bytes + rx.bytes,
                tx_packets: tx.packets,
                tx_bytes: tx.bytes,
                rx_packets: rx.packets,
                rx_bytes: rx.bytes,
            })
            .collect();
        top_talkers.sort_by(|x, y| y.bytes.cmp(&x.bytes).then(x.addr.cmp(&y.addr)));
        top_talkers.truncate(top);
        let mut conversations: Vec<ConvRow> = convs
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
                .then((x.a, x.a_port, x.b, x.b_port).cmp(&(y.a, y.a_port, y.b, y.b_port)))
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
            talkers_total: talkers.len(),
            conversations_total: convs.len(),
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
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Bucket {
    /// Seconds since the epoch.
    pub t: i64,
    pub packets: u64,
    pub bytes: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct TalkerRow {
    #[schema(value_type = String)]
    pub addr: std::net::IpAddr,
    pub packets: u64,
    pub bytes: u64,
    pub tx_packets: u64,
    pub tx_bytes: u64,
    pub rx_packets: u64,
    pub rx_bytes: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct ConvRow {
    #[schema(value_type = String)]
    pub a: std::net::IpAddr,
    #[schema(value_type = String)]
    pub b: std::net::IpAddr,
    pub packets: u64,
    pub bytes: u64,
    pub a_to_b: Count,
    pub b_to_a: Count,
    /// Seconds from the first frame of the capture.
    pub start_s: f64,
    pub duration_s: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct FlowRow {
    pub protocol: String,
    #[schema(value_type = String)]
    pub a: std::net::IpAddr,
    pub a_port: u16,
    #[schema(value_type = String)]
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
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
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
    /// Frames of flows past the flow table's limit (not in talkers, conversations, flows).
    pub overflow: u64,
}

/// The tables `csv` can write.
pub const CSV_TABLES: [&str; 5] = [
    "protocols",
    "talkers",
    "conversations",
    "flows",
    "bandwidth",
];

/// One table of a report as CSV (RFC 4180: header line first, quoted where needed, CRLF line
/// ends); an error names the tables there are.
pub fn csv(r: &Report, table: &str) -> Result<String, TableError> {
    csv_text(r, table).map_err(TableError)
}

/// Why a table cannot be written (the message names the tables there are).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TableError(pub String);

fn csv_text(r: &Report, table: &str) -> Result<String, String> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    // Writing to memory cannot fail.
    let mut line = |cells: &[String]| {
        let _ = w.write_record(cells);
    };
    let s = |v: &dyn ToString| v.to_string();
    match table {
        "protocols" => {
            line(&["protocol".into(), "packets".into(), "bytes".into()]);
            for (name, c) in &r.protocols {
                line(&[name.clone(), s(&c.packets), s(&c.bytes)]);
            }
        }
        "talkers" => {
            line(
                &[
                    "addr",
                    "packets",
                    "bytes",
                    "tx_packets",
                    "tx_bytes",
                    "rx_packets",
                    "rx_bytes",
                ]
                .map(String::from),
            );
            for t in &r.top_talkers {
                line(&[
                    s(&t.addr),
                    s(&t.packets),
                    s(&t.bytes),
                    s(&t.tx_packets),
                    s(&t.tx_bytes),
                    s(&t.rx_packets),
                    s(&t.rx_bytes),
                ]);
            }
        }
        "conversations" => {
            line(
                &[
                    "a",
                    "b",
                    "packets",
                    "bytes",
                    "a_to_b_packets",
                    "a_to_b_bytes",
                    "b_to_a_packets",
                    "b_to_a_bytes",
                    "start_s",
                    "duration_s",
                ]
                .map(String::from),
            );
            for c in &r.conversations {
                line(&[
                    s(&c.a),
                    s(&c.b),
                    s(&c.packets),
                    s(&c.bytes),
                    s(&c.a_to_b.packets),
                    s(&c.a_to_b.bytes),
                    s(&c.b_to_a.packets),
                    s(&c.b_to_a.bytes),
                    format!("{:.6}", c.start_s),
                    format!("{:.6}", c.duration_s),
                ]);
            }
        }
        "flows" => {
            line(
                &[
                    "protocol",
                    "a",
                    "a_port",
                    "b",
                    "b_port",
                    "packets",
                    "bytes",
                    "a_to_b_packets",
                    "b_to_a_packets",
                    "start_s",
                    "duration_s",
                    "tcp_flags",
                    "resets",
                ]
                .map(String::from),
            );
            for f in &r.flows {
                line(&[
                    f.protocol.clone(),
                    s(&f.a),
                    s(&f.a_port),
                    s(&f.b),
                    s(&f.b_port),
                    s(&f.packets),
                    s(&f.bytes),
                    s(&f.a_to_b.packets),
                    s(&f.b_to_a.packets),
                    format!("{:.6}", f.start_s),
                    format!("{:.6}", f.duration_s),
                    f.tcp_flags.clone(),
                    s(&f.resets),
                ]);
            }
        }
        "bandwidth" => {
            line(&["t", "packets", "bytes"].map(String::from));
            for b in &r.bandwidth {
                line(&[s(&b.t), s(&b.packets), s(&b.bytes)]);
            }
        }
        other => {
            return Err(format!(
                "unknown table '{other}' ({})",
                CSV_TABLES.join(", ")
            ));
        }
    }
    let bytes = w.into_inner().unwrap_or_default();
    Ok(String::from_utf8(bytes).unwrap_or_default())
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
    fn csv_tables() {
        use crate::dissect::proto;
        let mut st = Stats::new(100, 100);
        let p = proto::ETH | proto::IP | proto::TCP;
        st.add(
            1_000_000_000,
            100,
            &summary([10, 0, 0, 2], [10, 0, 0, 1], 5000, 22, p),
        );
        let r = st.report(10);
        assert_eq!(
            csv(&r, "protocols").unwrap(),
            "protocol,packets,bytes\r\neth,1,100\r\nip,1,100\r\ntcp,1,100\r\n"
        );
        assert!(
            csv(&r, "talkers")
                .unwrap()
                .starts_with("addr,packets,bytes,tx_packets")
        );
        assert_eq!(csv(&r, "flows").unwrap().lines().count(), 2);
        assert_eq!(
            csv(&r, "conversations")
                .unwrap()
                .lines()
                .nth(1)
                .map(|l| l.split(',').count()),
            Some(10)
        );
        assert!(
            csv(&r, "nope")
                .unwrap_err()
                .0
                .contains("protocols, talkers, conversations, flows, bandwidth")
        );
        let text = csv(&r, "protocols").unwrap_or_default();
        assert!(
            !text.is_empty() && text.split_inclusive('\n').all(|l| l.ends_with("\r\n")),
            "RFC 4180 line ends: {text:?}"
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
        assert_eq!(
            (r.flows_total, r.conversations_total, r.talkers_total),
            (2, 2, 4)
        );
        assert_eq!(r.overflow, 8);
        assert_eq!(r.bandwidth.len(), 2, "the oldest seconds roll off");
        assert_eq!(r.packets, 10);
    }
}
