//! Live terminals and their audience: every open terminal is listed here; its owner may share
//! it read-only, and signed-in users then watch it (the screen so far, then the live output),
//! each of them seeing who else is watching.

use axum::body::Bytes;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{broadcast, watch};
use utoipa::ToSchema;

use super::messages::CloseReason;

/// Output kept for late joiners, per terminal: the newest bytes, cut at a line start.
pub const SCREEN_KEEP: usize = 1 << 20;
/// Watchers of one terminal at once.
pub const MAX_WATCHERS: usize = 32;
/// Output pieces queued for a slow watcher before it is resynchronised from the screen.
const FEED_QUEUE: usize = 256;

/// What watchers receive besides the audience.
#[derive(Debug, Clone)]
pub enum Feed {
    Output(Bytes),
    Resize(u16, u16),
    /// The owner stopped sharing: watchers go.
    Unshared,
    /// The session ended.
    Closed(CloseReason),
}

/// Someone watching a shared terminal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Watcher {
    pub name: String,
    /// Milliseconds since the epoch.
    pub since: i64,
    #[serde(skip)]
    key: u64,
}

/// Whether a terminal is shared, and who is watching it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Audience {
    pub shared: bool,
    pub watchers: Vec<Watcher>,
}

/// An open terminal as the list of live terminals shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LiveTerminal {
    /// Its recording's id, which names the live session too.
    pub recording: i64,
    /// Who opened it.
    pub owner: String,
    /// `user@host:port`.
    pub target: String,
    /// Milliseconds since the epoch.
    pub started_at: i64,
    pub cols: u16,
    pub rows: u16,
    pub shared: bool,
    pub watchers: Vec<Watcher>,
}

/// The open terminals, by recording id.
#[derive(Debug, Default)]
pub struct Hub {
    live: Mutex<BTreeMap<i64, Arc<Live>>>,
}

impl Hub {
    /// Lists a terminal that just opened.
    pub fn open(
        &self,
        recording: i64,
        owner: &str,
        target: &str,
        cols: u16,
        rows: u16,
    ) -> Arc<Live> {
        let (audience, _) = watch::channel(Audience::default());
        let live = Arc::new(Live {
            recording,
            owner: owner.to_string(),
            target: target.to_string(),
            started_at: wirescope_store::now_ms(),
            inner: Mutex::new(Inner {
                screen: Vec::new(),
                cols,
                rows,
                next_key: 0,
                ended: false,
            }),
            feed: broadcast::channel(FEED_QUEUE).0,
            audience,
        });
        lock(&self.live).insert(recording, live.clone());
        live
    }

    /// Takes a terminal off the list and tells its watchers why it ended.
    pub fn close(&self, live: &Live, reason: CloseReason) {
        lock(&self.live).remove(&live.recording);
        let mut inner = lock(&live.inner);
        inner.ended = true;
        let _ = live.feed.send(Feed::Closed(reason));
    }

    pub fn get(&self, recording: i64) -> Option<Arc<Live>> {
        lock(&self.live).get(&recording).cloned()
    }

    /// The open terminals, oldest first.
    pub fn list(&self) -> Vec<LiveTerminal> {
        let all: Vec<Arc<Live>> = lock(&self.live).values().cloned().collect();
        all.iter().map(|l| l.describe()).collect()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// One open terminal.
#[derive(Debug)]
pub struct Live {
    pub recording: i64,
    pub owner: String,
    pub target: String,
    pub started_at: i64,
    inner: Mutex<Inner>,
    feed: broadcast::Sender<Feed>,
    audience: watch::Sender<Audience>,
}

#[derive(Debug)]
struct Inner {
    screen: Vec<u8>,
    cols: u16,
    rows: u16,
    next_key: u64,
    ended: bool,
}

/// Why someone cannot watch a terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum JoinError {
    #[error("this terminal is not shared")]
    NotShared,
    #[error("this terminal has ended")]
    Ended,
    #[error("this terminal already has {MAX_WATCHERS} watchers")]
    Full,
}

/// What a watcher starts from: the screen so far and the terminal's size, with the output that
/// follows it.
#[derive(Debug)]
pub struct Joined {
    pub screen: Vec<u8>,
    pub cols: u16,
    pub rows: u16,
    pub feed: broadcast::Receiver<Feed>,
}

impl Live {
    fn describe(&self) -> LiveTerminal {
        let a = self.audience.borrow().clone();
        let inner = lock(&self.inner);
        LiveTerminal {
            recording: self.recording,
            owner: self.owner.clone(),
            target: self.target.clone(),
            started_at: self.started_at,
            cols: inner.cols,
            rows: inner.rows,
            shared: a.shared,
            watchers: a.watchers,
        }
    }

    /// The shell's output: kept for late joiners and passed to the watchers.
    pub fn output(&self, data: &[u8]) {
        let mut inner = lock(&self.inner);
        keep(&mut inner.screen, data);
        if self.feed.receiver_count() > 0 {
            let _ = self.feed.send(Feed::Output(Bytes::copy_from_slice(data)));
        }
    }

    pub fn resize(&self, cols: u16, rows: u16) {
        let mut inner = lock(&self.inner);
        (inner.cols, inner.rows) = (cols, rows);
        let _ = self.feed.send(Feed::Resize(cols, rows));
    }

    /// Shares the terminal or stops sharing it (which sends its watchers away).
    pub fn set_shared(&self, shared: bool) {
        let _inner = lock(&self.inner);
        if !shared {
            let _ = self.feed.send(Feed::Unshared);
        }
        self.audience.send_modify(|a| {
            a.shared = shared;
            if !shared {
                a.watchers.clear();
            }
        });
    }

    /// Who watches, as it changes.
    pub fn audience(&self) -> watch::Receiver<Audience> {
        self.audience.subscribe()
    }

    /// Adds a watcher; the screen so far and the feed are taken together, so no output is lost
    /// or shown twice. The guard takes the watcher off the list when dropped.
    pub fn join(self: &Arc<Self>, name: &str) -> Result<(Joined, WatchGuard), JoinError> {
        let mut inner = lock(&self.inner);
        if inner.ended {
            return Err(JoinError::Ended);
        }
        let mut key = None;
        let mut refused = None;
        self.audience.send_if_modified(|a| {
            if !a.shared {
                refused = Some(JoinError::NotShared);
                return false;
            }
            if a.watchers.len() >= MAX_WATCHERS {
                refused = Some(JoinError::Full);
                return false;
            }
            inner.next_key += 1;
            key = Some(inner.next_key);
            a.watchers.push(Watcher {
                name: name.to_string(),
                since: wirescope_store::now_ms(),
                key: inner.next_key,
            });
            true
        });
        if let Some(e) = refused {
            return Err(e);
        }
        let joined = Joined {
            screen: inner.screen.clone(),
            cols: inner.cols,
            rows: inner.rows,
            feed: self.feed.subscribe(),
        };
        Ok((
            joined,
            WatchGuard {
                live: self.clone(),
                key: key.unwrap_or_default(),
            },
        ))
    }

    /// A watcher that fell behind starts again from the screen.
    pub fn resync(&self) -> Joined {
        let inner = lock(&self.inner);
        Joined {
            screen: inner.screen.clone(),
            cols: inner.cols,
            rows: inner.rows,
            feed: self.feed.subscribe(),
        }
    }
}

/// Keeps a watcher on a terminal's list while it lives.
#[derive(Debug)]
pub struct WatchGuard {
    live: Arc<Live>,
    key: u64,
}

impl Drop for WatchGuard {
    fn drop(&mut self) {
        let key = self.key;
        self.live.audience.send_if_modified(|a| {
            let before = a.watchers.len();
            a.watchers.retain(|w| w.key != key);
            a.watchers.len() != before
        });
    }
}

/// How far past the cut the kept screen looks for a line start.
const LINE_LOOKAHEAD: usize = 4096;

/// Appends output to the kept screen; past `SCREEN_KEEP` the oldest bytes go, up to the next
/// line start when one is near, so a replay rarely begins inside an escape sequence.
fn keep(screen: &mut Vec<u8>, data: &[u8]) {
    screen.extend_from_slice(data);
    if screen.len() > SCREEN_KEEP {
        let over = screen.len() - SCREEN_KEEP;
        let near = &screen[over..screen.len().min(over + LINE_LOOKAHEAD)];
        let cut = near
            .iter()
            .position(|&b| b == b'\n')
            .map_or(over, |p| over + p + 1);
        screen.drain(..cut);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_screen_keeps_the_newest_output_from_a_line_start() {
        let mut s = Vec::new();
        keep(&mut s, b"first line\nsecond line\n");
        keep(&mut s, &vec![b'x'; SCREEN_KEEP - 16]);
        // over the limit by 7: the first line goes whole
        assert_eq!(s.len(), SCREEN_KEEP - 4);
        assert!(s.starts_with(b"second line\nxxx"));
        // no line start near the cut: it falls where the limit does
        let mut s = vec![b'x'; SCREEN_KEEP];
        keep(&mut s, b"\nlast\n");
        assert_eq!(s.len(), SCREEN_KEEP);
        assert!(s.ends_with(b"x\nlast\n"));
    }

    #[tokio::test]
    async fn watchers_join_shared_terminals_see_the_screen_and_leave() {
        let hub = Hub::default();
        let live = hub.open(7, "ann", "root@h1:22", 80, 24);
        live.output(b"$ uptime\r\n");
        assert_eq!(live.join("bob").err(), Some(JoinError::NotShared));
        live.set_shared(true);
        let mut audience = live.audience();
        let (mut joined, guard) = live.join("bob").unwrap();
        assert_eq!(joined.screen, b"$ uptime\r\n");
        assert!(audience.has_changed().unwrap());
        let names: Vec<String> = audience
            .borrow_and_update()
            .watchers
            .iter()
            .map(|w| w.name.clone())
            .collect();
        assert_eq!(names, ["bob"]);
        live.output(b" 10:00 up 3 days\r\n");
        live.resize(120, 40);
        match joined.feed.recv().await.unwrap() {
            Feed::Output(b) => assert_eq!(&b[..], b" 10:00 up 3 days\r\n"),
            f => panic!("{f:?}"),
        }
        assert!(matches!(
            joined.feed.recv().await.unwrap(),
            Feed::Resize(120, 40)
        ));
        assert_eq!(hub.list()[0].watchers.len(), 1);
        assert_eq!((hub.list()[0].cols, hub.list()[0].rows), (120, 40));
        drop(guard);
        assert!(audience.borrow_and_update().watchers.is_empty());
        let (mut again, _g) = live.join("bob").unwrap();
        live.set_shared(false);
        assert!(matches!(again.feed.recv().await.unwrap(), Feed::Unshared));
        assert!(live.audience().borrow().watchers.is_empty());
        live.set_shared(true);
        hub.close(&live, CloseReason::Exit);
        assert_eq!(live.join("bob").err(), Some(JoinError::Ended));
        assert!(hub.list().is_empty());
    }

    #[test]
    fn a_terminal_takes_at_most_max_watchers() {
        let hub = Hub::default();
        let live = hub.open(1, "ann", "t", 80, 24);
        live.set_shared(true);
        let guards: Vec<_> = (0..MAX_WATCHERS)
            .map(|i| live.join(&format!("u{i}")).unwrap().1)
            .collect();
        assert_eq!(live.join("late").err(), Some(JoinError::Full));
        drop(guards);
        assert!(live.join("late").is_ok());
    }
}
