//! A capture kept on disk: its frames written to pcapng files that rotate by size or by age (as
//! dumpcap's ring buffer does), and its traffic summed by minute and by hour (packets, bytes,
//! protocol mix, top talkers), each minute handed out once it has ended.

use crate::dissect::{Addr, PROTOCOLS, Summary};
use crate::stats::{Count, WordHasher};
use crate::write::PcapNgWriter;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::hash::BuildHasherDefault;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

pub const MINUTE_MS: i64 = 60_000;
pub const HOUR_MS: i64 = 3_600_000;
/// Talkers kept per interval: the busiest by bytes.
pub const INTERVAL_TALKERS: usize = 20;
/// Addresses one open interval counts apart; frames of addresses past it count only in the
/// totals and the protocol mix.
pub const MAX_TRACKED: usize = 10_000;
/// How long after its end a minute waits for frames that come late (another interface's reader
/// hands its burst over a little after this one).
pub const GRACE_MS: i64 = 2_000;

/// One address's traffic in an interval, sent and received together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Talker {
    #[schema(value_type = String)]
    pub addr: std::net::IpAddr,
    pub packets: u64,
    pub bytes: u64,
}

/// A minute's or an hour's traffic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Interval {
    /// Its start, milliseconds since the epoch.
    pub t: i64,
    pub packets: u64,
    pub bytes: u64,
    /// By Wireshark display-filter name: frames in which the protocol appears, and their bytes.
    pub protocols: BTreeMap<String, Count>,
    /// The busiest addresses (at most 20), by bytes.
    pub talkers: Vec<Talker>,
    /// Frames of addresses past the interval's address table (in the totals, not in talkers).
    #[serde(default)]
    pub untracked: u64,
}

type Talkers = HashMap<Addr, Count, BuildHasherDefault<WordHasher>>;

/// An interval being counted.
#[derive(Debug, Default)]
struct Acc {
    packets: u64,
    bytes: u64,
    protos: [Count; 32],
    talkers: Talkers,
    untracked: u64,
}

impl Acc {
    fn add(&mut self, len: u32, s: &Summary) {
        let len = u64::from(len);
        self.packets += 1;
        self.bytes += len;
        let mut bits = s.protos;
        while bits != 0 {
            self.protos[bits.trailing_zeros() as usize].add(len);
            bits &= bits - 1;
        }
        let mut untracked = false;
        // A frame counts once for an address that both sends and receives it.
        let dst = s.dst.filter(|d| Some(*d) != s.src);
        for a in [s.src, dst].into_iter().flatten() {
            if let Some(c) = self.talkers.get_mut(&a) {
                c.add(len);
            } else if self.talkers.len() < MAX_TRACKED {
                self.talkers.insert(
                    a,
                    Count {
                        packets: 1,
                        bytes: len,
                    },
                );
            } else {
                untracked = true;
            }
        }
        self.untracked += u64::from(untracked);
    }

    fn merge(&mut self, o: &Acc) {
        self.packets += o.packets;
        self.bytes += o.bytes;
        self.untracked += o.untracked;
        for (mine, theirs) in self.protos.iter_mut().zip(o.protos.iter()) {
            mine.merge(*theirs);
        }
        for (a, c) in &o.talkers {
            if let Some(mine) = self.talkers.get_mut(a) {
                mine.merge(*c);
            } else if self.talkers.len() < MAX_TRACKED {
                self.talkers.insert(*a, *c);
            } else {
                self.untracked += c.packets;
            }
        }
    }

    fn interval(&self, t: i64) -> Interval {
        let protocols = PROTOCOLS
            .iter()
            .filter_map(|(bit, name)| {
                let c = self.protos[bit.trailing_zeros() as usize];
                (c.packets > 0).then(|| (name.to_string(), c))
            })
            .collect();
        let mut talkers: Vec<(&Addr, &Count)> = self.talkers.iter().collect();
        let n = INTERVAL_TALKERS.min(talkers.len());
        if n > 0 && n < talkers.len() {
            talkers.select_nth_unstable_by(n - 1, busier);
        }
        talkers.truncate(n);
        talkers.sort_unstable_by(busier);
        Interval {
            t,
            packets: self.packets,
            bytes: self.bytes,
            protocols,
            talkers: talkers
                .into_iter()
                .map(|(a, c)| Talker {
                    addr: a.ip(),
                    packets: c.packets,
                    bytes: c.bytes,
                })
                .collect(),
            untracked: self.untracked,
        }
    }
}

/// More bytes first, then more packets, then the lower address: one order for equal counts.
fn busier(a: &(&Addr, &Count), b: &(&Addr, &Count)) -> std::cmp::Ordering {
    b.1.bytes
        .cmp(&a.1.bytes)
        .then(b.1.packets.cmp(&a.1.packets))
        .then(a.0.cmp(b.0))
}

/// Minutes that have ended, and the hours they belong to as they now stand (an hour is handed
/// out again with each of its minutes: the newest copy replaces the one before).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Ended {
    pub minutes: Vec<Interval>,
    pub hours: Vec<Interval>,
}

impl Ended {
    pub fn is_empty(&self) -> bool {
        self.minutes.is_empty() && self.hours.is_empty()
    }
}

/// Traffic summed by minute (and so by hour), by the frames' own timestamps.
#[derive(Debug, Default)]
pub struct Tally {
    minutes: BTreeMap<i64, Acc>,
    hours: BTreeMap<i64, Acc>,
    /// Minutes before this one have been handed out: a frame older than it counts in it.
    closed_until: i64,
}

impl Tally {
    pub fn new() -> Self {
        Tally {
            closed_until: i64::MIN,
            ..Tally::default()
        }
    }

    /// Counts one frame (`ts_ns`: nanoseconds since the epoch, `len` on the wire).
    pub fn add(&mut self, ts_ns: i64, len: u32, s: &Summary) {
        let minute = (ts_ns.div_euclid(1_000_000))
            .div_euclid(MINUTE_MS)
            .saturating_mul(MINUTE_MS)
            .max(self.closed_until);
        self.minutes.entry(minute).or_default().add(len, s);
    }

    /// When the oldest open minute may be handed out (ms since the epoch).
    pub fn next_due(&self) -> Option<i64> {
        self.minutes
            .keys()
            .next()
            .map(|t| t.saturating_add(MINUTE_MS + GRACE_MS))
    }

    /// Hands out the minutes that ended `GRACE_MS` or more before `now_ms`.
    pub fn due(&mut self, now_ms: i64) -> Ended {
        let upto = now_ms.saturating_sub(MINUTE_MS + GRACE_MS);
        self.close(|t| t <= upto)
    }

    /// Hands out every minute still open (the capture has ended).
    pub fn finish(&mut self) -> Ended {
        self.close(|_| true)
    }

    fn close(&mut self, ended: impl Fn(i64) -> bool) -> Ended {
        let mut out = Ended::default();
        let mut touched = Vec::new();
        while let Some(entry) = self.minutes.first_entry() {
            let t = *entry.key();
            if !ended(t) {
                break;
            }
            let acc = entry.remove();
            let hour = t.div_euclid(HOUR_MS) * HOUR_MS;
            self.hours.entry(hour).or_default().merge(&acc);
            if touched.last() != Some(&hour) {
                touched.push(hour);
            }
            out.minutes.push(acc.interval(t));
            self.closed_until = t + MINUTE_MS;
        }
        for hour in touched {
            if let Some(acc) = self.hours.get(&hour) {
                out.hours.push(acc.interval(hour));
            }
        }
        // An hour whose last minute has been handed out is complete.
        let closed = self.closed_until;
        self.hours.retain(|t, _| t + HOUR_MS > closed);
        out
    }
}

/// When a capture's file is closed and the next begun.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rotation {
    /// A file is closed before a frame would take it past this many bytes.
    pub max_bytes: u64,
    /// A file is closed once its frames span this long (by their timestamps), or, while no
    /// frame comes, once this long has passed since its first (`Recorder::tick`).
    pub max_age_ms: Option<i64>,
}

/// One file of a capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileInfo {
    /// 1, 2, ... in the order written.
    pub seq: u32,
    /// Its name in the capture's directory.
    pub name: String,
    pub first_ns: Option<i64>,
    pub last_ns: Option<i64>,
    pub frames: u64,
    /// Bytes written.
    pub size: u64,
}

#[derive(Debug)]
struct OpenFile {
    w: PcapNgWriter<BufWriter<File>>,
    info: FileInfo,
}

/// Writes a capture's frames into numbered pcapng files in one directory, rotating them.
#[derive(Debug)]
pub struct Recorder {
    dir: PathBuf,
    rotation: Rotation,
    open: Option<OpenFile>,
    next_seq: u32,
}

/// A file's name by its number: `part-00001.pcapng`.
pub fn file_name(seq: u32) -> String {
    format!("part-{seq:05}.pcapng")
}

impl Recorder {
    /// Makes the directory; the first file is created with the first frame.
    pub fn create(dir: &Path, rotation: Rotation) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        Ok(Recorder {
            dir: dir.to_path_buf(),
            rotation: Rotation {
                max_bytes: rotation.max_bytes.max(1),
                max_age_ms: rotation.max_age_ms.filter(|a| *a > 0),
            },
            open: None,
            next_seq: 1,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file being written, as it stands.
    pub fn current(&self) -> Option<&FileInfo> {
        self.open.as_ref().map(|o| &o.info)
    }

    /// Writes a frame; returns the file closed to make room for it, if one was.
    pub fn write(
        &mut self,
        linktype: u32,
        ts_ns: i64,
        len: u32,
        data: &[u8],
    ) -> std::io::Result<Option<FileInfo>> {
        let need = 32 + data.len().next_multiple_of(4) as u64 + 32;
        let full = self.open.as_ref().is_some_and(|o| {
            o.info.frames > 0
                && (o.info.size + need > self.rotation.max_bytes
                    || self.rotation.max_age_ms.is_some_and(|age| {
                        o.info
                            .first_ns
                            .is_some_and(|f| ts_ns.saturating_sub(f) >= age * 1_000_000)
                    }))
        });
        let closed = if full { self.close()? } else { None };
        if self.open.is_none() {
            let seq = self.next_seq;
            self.next_seq += 1;
            let name = file_name(seq);
            let file = File::create_new(self.dir.join(&name))?;
            let w = PcapNgWriter::new(
                BufWriter::with_capacity(256 << 10, file),
                crate::read::MAX_CAPLEN,
            )?;
            self.open = Some(OpenFile {
                info: FileInfo {
                    seq,
                    name,
                    first_ns: None,
                    last_ns: None,
                    frames: 0,
                    size: w.bytes,
                },
                w,
            });
        }
        let Some(o) = self.open.as_mut() else {
            unreachable!("a file was opened above")
        };
        o.w.packet(linktype, ts_ns, len, data)?;
        o.info.frames += 1;
        o.info.size = o.w.bytes;
        o.info.first_ns = Some(o.info.first_ns.map_or(ts_ns, |f| f.min(ts_ns)));
        o.info.last_ns = Some(o.info.last_ns.map_or(ts_ns, |l| l.max(ts_ns)));
        Ok(closed)
    }

    /// Pushes what is buffered to the file, so a crash loses at most what came since.
    pub fn flush(&mut self) -> std::io::Result<()> {
        match self.open.as_mut() {
            Some(o) => std::io::Write::flush(o.w.inner_mut()),
            None => Ok(()),
        }
    }

    /// With no frame coming: closes the file once it is older than the rotation allows
    /// (`now_ms`, ms since the epoch); returns it.
    pub fn tick(&mut self, now_ms: i64) -> std::io::Result<Option<FileInfo>> {
        let old = self.open.as_ref().is_some_and(|o| {
            self.rotation.max_age_ms.is_some_and(|age| {
                o.info
                    .first_ns
                    .is_some_and(|f| now_ms.saturating_sub(f / 1_000_000) >= age)
            })
        });
        if old { self.close() } else { Ok(None) }
    }

    /// Closes the file being written; returns it.
    pub fn close(&mut self) -> std::io::Result<Option<FileInfo>> {
        match self.open.take() {
            Some(o) => {
                let mut w = o.w.finish()?;
                std::io::Write::flush(&mut w)?;
                Ok(Some(o.info))
            }
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests;
