//! The server's capture sessions within one memory budget: admitting a capture (refused past
//! the live-capture cap, or evicting the least recently used stopped ones until it fits), the
//! sink live readers feed, lookups that say why an evicted capture is gone, and a capture's
//! state as the API and the WebSocket give it. Each capture is also recorded into the history
//! (`keep`) as its frames arrive.

use super::keep::{KeepConfig, Keeping};
use super::{CaptureInfo, CaptureState, InterfaceCounters};
use crate::error::ApiError;
use axum::http::StatusCode;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use wirescope_traffic::live::CaptureStats;
use wirescope_traffic::reader::{Burst, Sink};
use wirescope_traffic::session::Session;

/// Evicted captures remembered, so a client asking for one learns why it is gone.
const EVICTED_KEPT: usize = 1024;

/// Where a live capture's readers put their frames: the session (one lock per burst) and the
/// kernel's counters; the last reader to end marks the capture stopped.
pub(super) struct IntoSession {
    pub(super) capture: Arc<Capture>,
    /// Readers of this capture still reading.
    pub(super) left: Arc<AtomicU64>,
    /// The interface this reader reads, and the metrics it counts its frames into (per
    /// protocol, a burst at a time) with the kernel's drops as last counted.
    pub(super) interface: String,
    pub(super) metrics: Arc<crate::metrics::Metrics>,
    pub(super) drops_counted: u64,
    pub(super) store: Arc<wirescope_store::Store>,
}

impl Sink for IntoSession {
    fn burst(&mut self, linktype: u32, burst: &mut Burst) -> bool {
        let mut tally = [(0u64, 0u64); 32];
        {
            let mut session = locked(&self.capture.session);
            let mut keep = locked(&self.capture.keep);
            for (ts_ns, len, data) in burst.iter() {
                let summary = session.ingest(linktype, ts_ns, len, data);
                if let Some(k) = keep.as_mut() {
                    k.frame(linktype, ts_ns, len, data, &summary);
                }
                let mut bits = summary.protos;
                while bits != 0 {
                    let t = &mut tally[bits.trailing_zeros() as usize];
                    t.0 += 1;
                    t.1 += u64::from(len);
                    bits &= bits - 1;
                }
            }
        }
        self.metrics.captured(&self.interface, &tally, 0);
        true
    }

    fn counters(&mut self, interface: &str, stats: CaptureStats) {
        let drops = stats.dropped.saturating_sub(self.drops_counted);
        self.drops_counted = self.drops_counted.max(stats.dropped);
        self.metrics.captured(interface, &[(0, 0); 32], drops);
        locked(&self.capture.counters).insert(interface.to_string(), stats);
        // Minutes that ended go to the store (under the lock, so they are written in order).
        let mut keep = locked(&self.capture.keep);
        if let Some(k) = keep.as_mut() {
            let id = k.id;
            if let Err(e) = k.tick(wirescope_store::now_ms()).write(&self.store, id) {
                eprintln!("wirescope: capture {id}: its statistics could not be stored: {e}");
            }
        }
    }
}

impl Drop for IntoSession {
    fn drop(&mut self) {
        if self.left.fetch_sub(1, Ordering::AcqRel) == 1 {
            locked(&self.capture.info).running = false;
            self.capture.end(&self.store, "stopped", None);
        }
    }
}

/// One capture: its session, its readers' stop flag and kernel counters.
#[derive(Debug)]
pub(super) struct Capture {
    pub(super) info: Mutex<CaptureInfo>,
    pub(super) session: Mutex<Session>,
    pub(super) stop: Arc<AtomicBool>,
    /// Its recording into the history, while it runs.
    pub(super) keep: Mutex<Option<Keeping>>,
    counters: Mutex<BTreeMap<String, CaptureStats>>,
    damage: Option<String>,
    /// When a client last asked for it (ms since the epoch): the least recently used capture
    /// file goes first when memory runs short.
    used: AtomicI64,
}

impl Capture {
    pub(super) fn new(
        info: CaptureInfo,
        session: Session,
        stop: Arc<AtomicBool>,
        damage: Option<String>,
    ) -> Self {
        Capture {
            info: Mutex::new(info),
            session: Mutex::new(session),
            stop,
            keep: Mutex::new(None),
            counters: Mutex::new(BTreeMap::new()),
            damage,
            used: AtomicI64::new(0),
        }
    }

    /// Ends its recording: the last minutes and file written, the capture's end stored with
    /// `status` and why its files stopped, if they did (or `damage`).
    pub(super) fn end(&self, store: &wirescope_store::Store, status: &str, damage: Option<&str>) {
        let Some(mut k) = locked(&self.keep).take() else {
            return;
        };
        let (pending, frames, bytes) = k.finish();
        let why = k.failed.as_deref().or(damage);
        let ended = pending.write(store, k.id).and_then(|()| {
            store.end_capture(
                k.id,
                status,
                wirescope_store::now_ms(),
                frames as i64,
                bytes as i64,
                why,
            )
        });
        if let Err(e) = ended {
            eprintln!(
                "wirescope: capture {}: its end could not be stored: {e}",
                k.id
            );
        }
    }
}

/// Every capture of this server, within one memory budget.
#[derive(Debug)]
pub struct Captures {
    all: Mutex<BTreeMap<i64, Arc<Capture>>>,
    /// Captures evicted for memory, and why.
    evicted: Mutex<BTreeMap<i64, String>>,
    /// Bytes all sessions together may hold.
    budget: usize,
    max_live: usize,
    pub(super) uploads: Arc<tokio::sync::Semaphore>,
    pub(super) max_uploads: usize,
    /// What is kept of captures, where, and the sweep's wake-up when a file is closed.
    pub(super) keep: KeepConfig,
    pub(super) host: String,
    pub(super) rotated: Arc<tokio::sync::Notify>,
}

pub(super) fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn mib(bytes: usize) -> usize {
    bytes.div_ceil(1 << 20)
}

impl Captures {
    pub fn new(budget: usize, max_live: usize, max_uploads: usize, keep: KeepConfig) -> Self {
        Captures {
            all: Mutex::new(BTreeMap::new()),
            evicted: Mutex::new(BTreeMap::new()),
            budget,
            max_live: max_live.max(1),
            uploads: Arc::new(tokio::sync::Semaphore::new(max_uploads.max(1))),
            max_uploads: max_uploads.max(1),
            keep,
            host: super::keep::host_name(),
            rotated: Arc::new(tokio::sync::Notify::new()),
        }
    }

    /// The ids of the captures running here.
    pub(super) fn running(&self) -> Vec<i64> {
        locked(&self.all)
            .iter()
            .filter(|(_, c)| locked(&c.info).running)
            .map(|(id, _)| *id)
            .collect()
    }

    /// Admits capture `id` that may hold `cost` bytes: refused past the live-capture cap, or
    /// when running captures hold the budget; otherwise the least recently used stopped
    /// captures are evicted until it fits (they stay in the history).
    pub(super) fn admit(
        &self,
        id: i64,
        cost: usize,
        live: bool,
        make: impl FnOnce(i64) -> Capture,
    ) -> Result<Arc<Capture>, ApiError> {
        if cost > self.budget {
            return Err(ApiError::field(
                "ring_size",
                format!(
                    "this capture needs up to {} MiB, more than the whole capture memory \
                     budget of {} MiB (--capture-memory): ask for a smaller ring",
                    mib(cost),
                    mib(self.budget)
                ),
            ));
        }
        let mut all = locked(&self.all);
        let running = |c: &Capture| locked(&c.info).running;
        if live && all.values().filter(|c| running(c)).count() >= self.max_live {
            return Err(ApiError {
                status: StatusCode::TOO_MANY_REQUESTS,
                error: format!(
                    "{} live captures are running (--max-captures {}): stop one first",
                    self.max_live, self.max_live
                ),
                field: Some("interfaces".into()),
            });
        }
        loop {
            let held: usize = all.values().map(|c| locked(&c.info).memory_bytes).sum();
            if held + cost <= self.budget {
                break;
            }
            let oldest = all
                .iter()
                .filter(|(_, c)| !running(c))
                .min_by_key(|(_, c)| c.used.load(Ordering::Relaxed))
                .map(|(id, _)| *id);
            let Some(id) = oldest else {
                return Err(ApiError {
                    status: StatusCode::TOO_MANY_REQUESTS,
                    error: format!(
                        "running captures hold {} MiB of the {} MiB capture memory budget \
                         (--capture-memory) and this one needs up to {} MiB: stop a capture \
                         or ask for a smaller ring",
                        mib(held),
                        mib(self.budget),
                        mib(cost)
                    ),
                    field: Some("ring_size".into()),
                });
            };
            if let Some(gone) = all.remove(&id) {
                gone.stop.store(true, Ordering::Relaxed);
                let what = match &locked(&gone.info).file {
                    Some(f) => format!("the capture file '{f}'"),
                    None => "the stopped capture".into(),
                };
                let mut evicted = locked(&self.evicted);
                evicted.insert(
                    id,
                    format!(
                        "capture {id} ({what}) was closed to make room for a newer one within \
                         the capture memory budget (--capture-memory, {} MiB); open it again",
                        mib(self.budget)
                    ),
                );
                while evicted.len() > EVICTED_KEPT {
                    evicted.pop_first();
                }
            }
        }
        let c = Arc::new(make(id));
        c.used.store(wirescope_store::now_ms(), Ordering::Relaxed);
        all.insert(id, c.clone());
        Ok(c)
    }

    /// Every capture's info, by id.
    pub(super) fn infos(&self) -> Vec<CaptureInfo> {
        locked(&self.all)
            .values()
            .map(|c| locked(&c.info).clone())
            .collect()
    }

    /// A capture's facts (for a report's heading) and its statistics with `top` rows a table.
    pub(crate) fn summary(
        &self,
        id: i64,
        top: usize,
    ) -> Result<(CaptureInfo, wirescope_traffic::stats::Report), ApiError> {
        let c = self.get(id)?;
        let info = locked(&c.info).clone();
        let report = locked(&c.session).report(top);
        Ok((info, report))
    }

    /// Every capture's kept frames (or only the running captures') as pcapng, with a name for
    /// a file and what it is (for evidence bundles): a copy of each ring, taken one capture at
    /// a time.
    pub(crate) fn pcapngs(&self, running_only: bool) -> Vec<(String, String, Vec<u8>)> {
        let all: Vec<Arc<Capture>> = locked(&self.all).values().cloned().collect();
        all.iter()
            .filter_map(|c| {
                let info = locked(&c.info).clone();
                if running_only && !info.running {
                    return None;
                }
                let bytes = locked(&c.session).pcapng(None).ok()?;
                let (name, what) = match &info.file {
                    Some(f) => (
                        format!("upload-{}", info.id),
                        format!("capture {} (the uploaded file {f})", info.id),
                    ),
                    None => (
                        format!("live-{}-{}", info.id, info.interfaces.join("-")),
                        format!("live capture {} on {}", info.id, info.interfaces.join(", ")),
                    ),
                };
                Some((name, what, bytes))
            })
            .collect()
    }

    /// Takes a capture out (its readers still have to be told to stop).
    pub(super) fn remove(&self, id: i64) -> Option<Arc<Capture>> {
        locked(&self.all).remove(&id)
    }

    pub(super) fn get(&self, id: i64) -> Result<Arc<Capture>, ApiError> {
        if let Some(c) = locked(&self.all).get(&id).cloned() {
            c.used.store(wirescope_store::now_ms(), Ordering::Relaxed);
            return Ok(c);
        }
        match locked(&self.evicted).get(&id) {
            Some(why) => Err(ApiError::new(StatusCode::GONE, why.clone())),
            None => Err(ApiError::not_found("capture")),
        }
    }
}

/// A capture's state as the API and the WebSocket give it.
pub(super) fn snapshot(c: &Capture, top: usize) -> CaptureState {
    let capture = locked(&c.info).clone();
    let (report, frames, kept) = {
        let s = locked(&c.session);
        (s.report(top), s.frames(), s.kept())
    };
    let interfaces = locked(&c.counters)
        .iter()
        .map(|(name, stats)| InterfaceCounters {
            interface: name.clone(),
            stats: *stats,
        })
        .collect();
    CaptureState {
        capture,
        frames,
        kept,
        interfaces,
        damage: c.damage.clone(),
        report,
    }
}
