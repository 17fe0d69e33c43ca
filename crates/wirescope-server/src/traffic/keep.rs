//! Captures kept in the history: each session's frames written to rotating pcapng files in the
//! data directory, its traffic by minute and hour written to the store as each minute ends, and
//! the sweep that removes the oldest files past the size and age the server keeps.

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use wirescope_store::{CaptureFile, CaptureStat, Store, StoreError};
use wirescope_traffic::dissect::Summary;
use wirescope_traffic::record::{
    Ended, FileInfo, HOUR_MS, Interval, MINUTE_MS, Recorder, Rotation, Tally,
};

/// Minute intervals are kept this long; hour intervals `HOURS_KEPT`.
pub const MINUTES_KEPT: Duration = Duration::from_secs(14 * 86_400);
pub const HOURS_KEPT: Duration = Duration::from_secs(400 * 86_400);
/// Stored captures kept at most; past it the oldest that have ended are forgotten, files and all.
pub const MAX_STORED: i64 = 10_000;
/// The smallest file size a capture may rotate at.
pub const MIN_ROTATE_BYTES: u64 = 64 << 10;
/// Minutes an upload gathers before writing them in one go.
const UPLOAD_BATCH: usize = 512;
/// The open file's row is written at least this often (ms), so a server killed mid-capture
/// leaves it findable.
const TELL_EVERY: i64 = 10_000;

/// What the server keeps of its captures.
#[derive(Debug, Clone)]
pub struct KeepConfig {
    /// Closed files of all captures together are kept up to this many bytes (0: no files are
    /// written; the statistics still are).
    pub bytes: u64,
    /// Files whose last frame is older than this are removed.
    pub age: Duration,
    /// How live captures' files rotate unless they say otherwise.
    pub rotation: Rotation,
}

impl Default for KeepConfig {
    fn default() -> Self {
        KeepConfig {
            bytes: 2 << 30,
            age: Duration::from_secs(30 * 86_400),
            rotation: Rotation {
                max_bytes: 64 << 20,
                max_age_ms: Some(3_600_000),
            },
        }
    }
}

/// Where stored captures' files live: in the server's own files.
pub fn capture_dir(files: &Path, id: i64) -> PathBuf {
    files.join("captures").join(id.to_string())
}

/// This machine's name, which stored captures record as where their files are.
pub fn host_name() -> String {
    sysinfo::System::host_name().unwrap_or_else(|| "localhost".into())
}

/// What is to be written to the store for one capture.
#[derive(Debug, Default)]
pub(super) struct Pending {
    files: BTreeMap<u32, CaptureFile>,
    removed: Vec<i64>,
    minutes: Vec<Interval>,
    /// The newest state of each hour touched.
    hours: BTreeMap<i64, Interval>,
    progress: Option<(u64, u64)>,
    /// The sweep, told once a closed file is in the store.
    sweep: Option<Arc<tokio::sync::Notify>>,
}

/// A file's row in the store.
pub(super) fn file_row(f: &FileInfo, closed: bool) -> CaptureFile {
    CaptureFile {
        seq: i64::from(f.seq),
        name: f.name.clone(),
        first_ns: f.first_ns,
        last_ns: f.last_ns,
        frames: f.frames as i64,
        size: f.size as i64,
        closed,
        removed_at: None,
    }
}

fn stat(i: &Interval) -> Result<CaptureStat, serde_json::Error> {
    Ok(CaptureStat {
        t: i.t,
        packets: i.packets as i64,
        bytes: i.bytes as i64,
        data: serde_json::to_string(i)?,
    })
}

impl Pending {
    fn ended(&mut self, e: Ended) {
        self.minutes.extend(e.minutes);
        for h in e.hours {
            self.hours.insert(h.t, h);
        }
    }

    fn is_empty(&self) -> bool {
        self.files.is_empty()
            && self.removed.is_empty()
            && self.minutes.is_empty()
            && self.hours.is_empty()
            && self.progress.is_none()
    }

    /// Writes it all for capture `id`.
    pub(super) fn write(self, store: &Store, id: i64) -> Result<(), StoreError> {
        if self.is_empty() {
            return Ok(());
        }
        for f in self.files.values() {
            store.put_capture_file(id, f)?;
        }
        if !self.removed.is_empty() {
            let gone: Vec<(i64, i64)> = self.removed.iter().map(|s| (id, *s)).collect();
            store.remove_capture_files(&gone, wirescope_store::now_ms())?;
        }
        let minutes = self
            .minutes
            .iter()
            .map(stat)
            .collect::<Result<Vec<_>, _>>()?;
        let hours = self
            .hours
            .values()
            .map(stat)
            .collect::<Result<Vec<_>, _>>()?;
        store.put_capture_stats(id, MINUTE_MS, &minutes)?;
        store.put_capture_stats(id, HOUR_MS, &hours)?;
        if let Some((frames, bytes)) = self.progress {
            store.capture_progress(id, frames as i64, bytes as i64)?;
        }
        if let Some(n) = self.sweep {
            n.notify_one();
        }
        Ok(())
    }
}

/// A capture being recorded into the history.
#[derive(Debug)]
pub(super) struct Keeping {
    pub(super) id: i64,
    /// `None` when files are not kept, or after the disk failed.
    recorder: Option<Recorder>,
    tally: Tally,
    frames: u64,
    bytes: u64,
    /// Closed files still on the disk (for `ring_files`), oldest first.
    closed: VecDeque<FileInfo>,
    ring_files: Option<usize>,
    pending: Pending,
    /// Why the files stopped being written.
    pub(super) failed: Option<String>,
    /// Told when a file is closed (the sweep looks at the disk again).
    rotated: Option<Arc<tokio::sync::Notify>>,
    /// The open file whose row was last written, and when (ms).
    told: Option<(u32, i64)>,
}

impl Keeping {
    /// Starts recording capture `id` into `dir` (no files when `rotation` is `None`).
    pub(super) fn start(
        id: i64,
        dir: &Path,
        rotation: Option<Rotation>,
        ring_files: Option<usize>,
        rotated: Option<Arc<tokio::sync::Notify>>,
    ) -> std::io::Result<Self> {
        let recorder = match rotation {
            Some(r) => Some(Recorder::create(dir, r)?),
            None => None,
        };
        Ok(Keeping {
            id,
            recorder,
            tally: Tally::new(),
            frames: 0,
            bytes: 0,
            closed: VecDeque::new(),
            ring_files,
            pending: Pending::default(),
            failed: None,
            rotated,
            told: None,
        })
    }

    pub(super) fn frame(&mut self, linktype: u32, ts_ns: i64, len: u32, data: &[u8], s: &Summary) {
        self.frames += 1;
        self.bytes += u64::from(len);
        self.tally.add(ts_ns, len, s);
        if let Some(r) = self.recorder.as_mut() {
            match r.write(linktype, ts_ns, len, data) {
                Ok(Some(closed)) => self.file_closed(closed),
                Ok(None) => {}
                Err(e) => self.fail(&e),
            }
        }
    }

    fn fail(&mut self, e: &std::io::Error) {
        let dir = self
            .recorder
            .as_ref()
            .map(|r| r.dir().display().to_string());
        self.recorder = None;
        let why = format!(
            "its files stopped being written ({}: {e}); the statistics go on",
            dir.unwrap_or_default()
        );
        eprintln!("wirescope: capture {}: {why}", self.id);
        self.failed = Some(why);
    }

    fn file_closed(&mut self, f: FileInfo) {
        self.pending.files.insert(f.seq, file_row(&f, true));
        self.closed.push_back(f);
        if let Some(keep) = self.ring_files {
            while self.closed.len() > keep {
                if let (Some(old), Some(r)) = (self.closed.pop_front(), self.recorder.as_ref()) {
                    let _ = std::fs::remove_file(r.dir().join(&old.name));
                    self.pending.removed.push(i64::from(old.seq));
                }
            }
        }
        self.pending.sweep.clone_from(&self.rotated);
    }

    /// Flushes the open file to the disk, and writes its row when it is new, when `due`, or
    /// every `TELL_EVERY` ms.
    fn current(&mut self, now_ms: i64, due: bool) {
        let Some(r) = self.recorder.as_mut() else {
            return;
        };
        if let Err(e) = r.flush() {
            self.fail(&e);
            return;
        }
        if let Some(f) = r.current() {
            let told = self
                .told
                .is_some_and(|(seq, at)| seq == f.seq && now_ms - at < TELL_EVERY);
            if due || !told {
                self.pending.files.insert(f.seq, file_row(f, false));
                self.told = Some((f.seq, now_ms));
            }
        }
    }

    /// A live capture's clock (every half second): the file flushed, and rotated if it is
    /// old; the minutes ended by `now_ms` with the counts; returns what to write.
    pub(super) fn tick(&mut self, now_ms: i64) -> Pending {
        if let Some(r) = self.recorder.as_mut() {
            match r.tick(now_ms) {
                Ok(Some(closed)) => self.file_closed(closed),
                Ok(None) => {}
                Err(e) => self.fail(&e),
            }
        }
        let due = self.tally.next_due().is_some_and(|d| d <= now_ms);
        if due {
            let ended = self.tally.due(now_ms);
            self.pending.ended(ended);
            self.pending.progress = Some((self.frames, self.bytes));
        }
        self.current(now_ms, due);
        std::mem::take(&mut self.pending)
    }

    /// An upload's clock is its frames' time: minutes are written a batch at a time.
    pub(super) fn tick_file(&mut self, frame_ms: i64) -> Option<Pending> {
        if self.tally.next_due().is_some_and(|d| d <= frame_ms) {
            let ended = self.tally.due(frame_ms);
            self.pending.ended(ended);
        }
        (self.pending.minutes.len() >= UPLOAD_BATCH || !self.pending.files.is_empty())
            .then(|| std::mem::take(&mut self.pending))
    }

    /// The capture has ended: every minute, the last file closed; returns what to write and
    /// the frames and bytes seen.
    pub(super) fn finish(&mut self) -> (Pending, u64, u64) {
        let ended = self.tally.finish();
        self.pending.ended(ended);
        if let Some(r) = self.recorder.as_mut() {
            match r.close() {
                Ok(Some(f)) => self.file_closed(f),
                Ok(None) => {}
                Err(e) => self.fail(&e),
            }
        }
        self.recorder = None;
        self.pending.progress = Some((self.frames, self.bytes));
        (std::mem::take(&mut self.pending), self.frames, self.bytes)
    }
}

/// The oldest closed files to remove so the rest fit in `bytes` and none is older than
/// `cutoff` (ms): (capture id, directory, file), oldest first.
pub(super) fn to_remove(
    kept: &[wirescope_store::KeptFile],
    bytes: u64,
    cutoff: i64,
) -> Vec<&wirescope_store::KeptFile> {
    let mut total: u64 = kept.iter().map(|k| k.file.size.max(0) as u64).sum();
    let mut out = Vec::new();
    for k in kept {
        let old = k.at < cutoff;
        if total > bytes || old {
            total -= k.file.size.max(0) as u64;
            out.push(k);
        }
    }
    out
}

/// One pass of retention: files past the size or age removed (on this host), intervals past
/// their age deleted, the oldest ended captures past `MAX_STORED` forgotten.
pub(super) fn sweep(
    store: &Store,
    config: &KeepConfig,
    host: &str,
    running: &[i64],
) -> Result<(), StoreError> {
    let now = wirescope_store::now_ms();
    let kept = store.kept_capture_files(host)?;
    let cutoff = now.saturating_sub(config.age.as_millis() as i64);
    let gone = to_remove(&kept, config.bytes, cutoff);
    if !gone.is_empty() {
        for k in &gone {
            let _ = std::fs::remove_file(Path::new(&k.dir).join(&k.file.name));
        }
        let ids: Vec<(i64, i64)> = gone.iter().map(|k| (k.capture_id, k.file.seq)).collect();
        store.remove_capture_files(&ids, now)?;
    }
    store.prune_capture_stats(MINUTE_MS, now - MINUTES_KEPT.as_millis() as i64)?;
    store.prune_capture_stats(HOUR_MS, now - HOURS_KEPT.as_millis() as i64)?;
    let stored = store.captures(None, MAX_STORED + 100)?;
    for c in stored
        .iter()
        .skip(MAX_STORED as usize)
        .filter(|c| !running.contains(&c.id))
    {
        if c.host == host {
            let _ = std::fs::remove_dir_all(&c.dir);
        }
        store.delete_capture(c.id)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use wirescope_store::KeptFile;

    fn kept(id: i64, at: i64, size: i64) -> KeptFile {
        KeptFile {
            capture_id: id,
            at,
            dir: "/d".into(),
            file: CaptureFile {
                seq: 1,
                name: "part-00001.pcapng".into(),
                first_ns: None,
                last_ns: None,
                frames: 1,
                size,
                closed: true,
                removed_at: None,
            },
        }
    }

    #[test]
    fn the_oldest_files_go_until_the_rest_fit_and_none_is_too_old() {
        let files = [
            kept(1, 10, 100),
            kept(2, 20, 100),
            kept(3, 30, 100),
            kept(4, 40, 100),
        ];
        let ids = |v: Vec<&KeptFile>| v.iter().map(|k| k.capture_id).collect::<Vec<_>>();
        assert_eq!(ids(to_remove(&files, 400, 0)), Vec::<i64>::new());
        assert_eq!(ids(to_remove(&files, 399, 0)), [1]);
        assert_eq!(ids(to_remove(&files, 150, 0)), [1, 2, 3]);
        assert_eq!(ids(to_remove(&files, 0, 0)), [1, 2, 3, 4]);
        assert_eq!(
            ids(to_remove(&files, 1_000, 25)),
            [1, 2],
            "older than the cutoff"
        );
    }
}
