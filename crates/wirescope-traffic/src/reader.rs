//! One reader thread per interface, shared by `wirescope capture` and the server's capture
//! sessions: the thread enters the capture's network namespace, opens the libpcap handle (the
//! caller learns at once whether it opened), then hands frames over a burst at a time (wait
//! for one, take what is queued behind it) until stopped, keeping the kernel's counters fresh.

use crate::live::{CaptureError, CaptureOptions, CaptureStats, LiveCapture, LivePacket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use wirescope_net::NetError;

/// Frames taken in one burst at most (one lock or one channel message per burst).
pub const MAX_BURST: usize = 1024;

/// How often a reader hands over the kernel's counters.
const COUNTERS_EVERY: Duration = Duration::from_millis(500);

/// Frames read in one go: their bytes back to back (one buffer, reused, not one allocation per
/// frame) and where each starts and ends.
#[derive(Debug, Default)]
pub struct Burst {
    bytes: Vec<u8>,
    /// (timestamp ns, length on the wire, start, end) of each frame.
    frames: Vec<(i64, u32, usize, usize)>,
}

impl Burst {
    fn clear(&mut self) {
        self.bytes.clear();
        self.frames.clear();
    }

    fn push(&mut self, p: &LivePacket<'_>) {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(p.data);
        self.frames.push((p.ts_ns, p.len, start, self.bytes.len()));
    }

    pub fn len(&self) -> usize {
        self.frames.len()
    }

    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// Each frame: timestamp (ns since the epoch), length on the wire, captured bytes.
    pub fn iter(&self) -> impl Iterator<Item = (i64, u32, &[u8])> {
        self.frames
            .iter()
            .map(|&(ts, len, start, end)| (ts, len, &self.bytes[start..end]))
    }
}

/// Where a reader's frames go.
pub trait Sink: Send + 'static {
    /// A burst of frames of link type `linktype`; false stops the reader. A sink that keeps
    /// the burst may take it (`std::mem::take`).
    fn burst(&mut self, linktype: u32, burst: &mut Burst) -> bool;
    /// The kernel's counters for this interface: every half second, and once at the end.
    fn counters(&mut self, _interface: &str, _stats: CaptureStats) {}
}

/// Why a reader could not start.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Netns(#[from] NetError),
    #[error(transparent)]
    Capture(#[from] CaptureError),
}

/// What a reader ended with.
#[derive(Debug)]
pub struct ReaderEnd {
    pub interface: String,
    /// Frames handed to the sink.
    pub frames: u64,
    /// The kernel's counters at the end.
    pub stats: CaptureStats,
    /// The read error that ended it, if one did.
    pub error: Option<String>,
}

/// Opens `interface` inside `netns` (the caller's namespace when `None`) on a thread of its own
/// and reads into `sink` there until `stop`; returns once the handle is open, or why it is not.
pub fn spawn<S: Sink>(
    interface: &str,
    opts: &CaptureOptions,
    netns: Option<String>,
    stop: Arc<AtomicBool>,
    mut sink: S,
) -> Result<JoinHandle<ReaderEnd>, OpenError> {
    let (opened_tx, opened_rx) = std::sync::mpsc::channel();
    let (name, opts) = (interface.to_string(), opts.clone());
    let thread = format!("wirescope-cap-{interface}");
    let handle = wirescope_net::in_netns(&thread, netns, move |entered| {
        let open = entered
            .map_err(OpenError::from)
            .and_then(|()| LiveCapture::open(&name, &opts).map_err(OpenError::from));
        let mut cap = match open {
            Ok(cap) => {
                let _ = opened_tx.send(Ok(()));
                cap
            }
            Err(e) => {
                let _ = opened_tx.send(Err(e));
                return ReaderEnd {
                    interface: name,
                    frames: 0,
                    stats: CaptureStats::default(),
                    error: None,
                };
            }
        };
        read(&mut cap, &stop, &mut sink)
    })?;
    match opened_rx.recv() {
        Ok(Ok(())) => Ok(handle),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(OpenError::Capture(CaptureError::Interface {
            interface: interface.into(),
            message: "the reader thread ended before it opened the interface".into(),
        })),
    }
}

/// The read loop: bursts until `stop`, the sink says so, or a read error.
fn read<S: Sink>(cap: &mut LiveCapture, stop: &AtomicBool, sink: &mut S) -> ReaderEnd {
    let linktype = cap.linktype;
    let mut frames = 0u64;
    let mut error = None;
    let mut counters_at = Instant::now();
    let mut burst = Burst::default();
    while !stop.load(Ordering::Relaxed) {
        burst.clear();
        match cap.read() {
            Ok(Some(p)) => {
                burst.push(&p);
                while burst.len() < MAX_BURST {
                    match cap.try_read() {
                        Ok(Some(p)) => burst.push(&p),
                        Ok(None) => break,
                        Err(e) => {
                            error = Some(e.to_string());
                            break;
                        }
                    }
                }
                frames += burst.len() as u64;
                if !sink.burst(linktype, &mut burst) || error.is_some() {
                    break;
                }
            }
            Ok(None) => {}
            Err(e) => {
                error = Some(e.to_string());
                break;
            }
        }
        if counters_at.elapsed() >= COUNTERS_EVERY {
            counters_at = Instant::now();
            sink.counters(&cap.interface, cap.stats());
        }
    }
    let stats = cap.stats();
    sink.counters(&cap.interface, stats);
    ReaderEnd {
        interface: cap.interface.clone(),
        frames,
        stats,
        error,
    }
}
