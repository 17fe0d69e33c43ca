//! Live terminals and their audience: every open terminal is listed here; its owner may share
//! it read-only, and signed-in users then watch it (the screen so far, then the live output),
//! each of them seeing who else is watching. Each terminal's output also runs through a virtual
//! terminal (asciinema's avt), so a late joiner gets the screen as it is, full-screen programs
//! included, with the recent scrollback above it. Servers sharing a PostgreSQL database publish
//! their open terminals to each other ([`spawn_publisher`]), so each lists them all; a terminal
//! is watched on the server holding it.

use axum::body::Bytes;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, broadcast, watch};
use utoipa::ToSchema;

use super::messages::CloseReason;
use wirescope_store::OpenTerminal;

/// Cells of scrollback the virtual terminal keeps for late joiners (lines = this / columns, at
/// most `SCROLLBACK_LINES`).
const SCROLLBACK_CELLS: usize = 200_000;
const SCROLLBACK_LINES: usize = 1000;
/// Watchers of one terminal at once.
pub const MAX_WATCHERS: usize = 32;
/// Output pieces queued for a slow watcher before it is resynchronised from the screen.
const FEED_QUEUE: usize = 256;
/// How often a server publishes its open terminals to the others even when nothing changed
/// (a publication lost while the database was away is made good by the next).
const PUBLISH_EVERY: Duration = Duration::from_secs(10);
/// Changes gathered into one publication.
const PUBLISH_GATHER: Duration = Duration::from_millis(100);

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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
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
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
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
    /// The server holding it (its instance name among those sharing the database).
    pub instance: String,
    /// Held by the server answering: watchable here (on another server's address otherwise).
    pub here: bool,
}

/// The open terminals, by recording id.
#[derive(Debug, Default)]
pub struct Hub {
    live: Mutex<BTreeMap<i64, Arc<Live>>>,
    /// Told of every terminal opened or closed, resized, shared or unshared, joined or left.
    changed: Arc<Notify>,
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
            inner: Mutex::new(Inner::new(cols, rows)),
            feed: broadcast::channel(FEED_QUEUE).0,
            audience,
            changed: self.changed.clone(),
        });
        lock(&self.live).insert(recording, live.clone());
        self.changed.notify_one();
        live
    }

    /// Takes a terminal off the list and tells its watchers why it ended.
    pub fn close(&self, live: &Live, reason: CloseReason) {
        lock(&self.live).remove(&live.recording);
        self.changed.notify_one();
        let mut inner = lock(&live.inner);
        inner.ended = true;
        let _ = live.feed.send(Feed::Closed(reason));
    }

    pub fn get(&self, recording: i64) -> Option<Arc<Live>> {
        lock(&self.live).get(&recording).cloned()
    }

    /// The open terminals of this server, oldest first.
    pub fn list(&self) -> Vec<LiveTerminal> {
        let all: Vec<Arc<Live>> = lock(&self.live).values().cloned().collect();
        all.iter().map(|l| l.describe()).collect()
    }
}

/// This server's open terminals as it publishes them to the others.
fn published(hub: &Hub) -> Vec<OpenTerminal> {
    hub.list()
        .into_iter()
        .map(|t| OpenTerminal {
            recording: t.recording,
            instance: String::new(),
            started_at: t.started_at,
            listing: serde_json::to_string(&t).unwrap_or_default(),
        })
        .collect()
}

/// A terminal another server holds, as this one lists it; None when its listing cannot be read
/// (a server of another version).
pub fn elsewhere(t: OpenTerminal) -> Option<LiveTerminal> {
    let listed: LiveTerminal = serde_json::from_str(&t.listing).ok()?;
    Some(LiveTerminal {
        instance: t.instance,
        here: false,
        ..listed
    })
}

/// Publishes this server's open terminals to the servers sharing its PostgreSQL database: on
/// every change (gathered over [`PUBLISH_GATHER`]) and every [`PUBLISH_EVERY`]. Not started on
/// SQLite, where this server is the only one.
pub(crate) fn spawn_publisher(state: &Arc<crate::AppState>) {
    if !state.store.is_postgres() {
        return;
    }
    let state = state.clone();
    tokio::spawn(async move {
        loop {
            let changed = state.terminals.changed.clone();
            let _ = tokio::time::timeout(PUBLISH_EVERY, changed.notified()).await;
            tokio::time::sleep(PUBLISH_GATHER).await;
            let open = published(&state.terminals);
            let store = state.store.clone();
            // A database away now: the next publication says it all again.
            let _ = tokio::task::spawn_blocking(move || store.publish_terminals(&open)).await;
        }
    });
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// One open terminal.
pub struct Live {
    pub recording: i64,
    pub owner: String,
    pub target: String,
    pub started_at: i64,
    inner: Mutex<Inner>,
    feed: broadcast::Sender<Feed>,
    audience: watch::Sender<Audience>,
    /// The hub's: told of a resize or a change of audience.
    changed: Arc<Notify>,
}

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Live")
            .field("recording", &self.recording)
            .field("owner", &self.owner)
            .field("target", &self.target)
            .finish()
    }
}

struct Inner {
    /// The owner's screen, as a terminal would show it.
    vt: avt::Terminal,
    /// The start of a UTF-8 sequence the last output piece cut in two.
    partial: Vec<u8>,
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
            instance: String::new(),
            here: true,
        }
    }

    /// The shell's output: kept for late joiners and passed to the watchers.
    pub fn output(&self, data: &[u8]) {
        let mut inner = lock(&self.inner);
        let Inner { vt, partial, .. } = &mut *inner;
        feed(vt, partial, data);
        if self.feed.receiver_count() > 0 {
            let _ = self.feed.send(Feed::Output(Bytes::copy_from_slice(data)));
        }
    }

    pub fn resize(&self, cols: u16, rows: u16) {
        let mut inner = lock(&self.inner);
        (inner.cols, inner.rows) = (cols, rows);
        inner.vt.resize(usize::from(cols), usize::from(rows));
        let _ = self.feed.send(Feed::Resize(cols, rows));
        self.changed.notify_one();
    }

    /// Shares the terminal or stops sharing it (which sends its watchers away); false when it
    /// already was so.
    pub fn set_shared(&self, shared: bool) -> bool {
        let _inner = lock(&self.inner);
        if self.audience.borrow().shared == shared {
            return false;
        }
        if !shared {
            let _ = self.feed.send(Feed::Unshared);
        }
        self.audience.send_modify(|a| {
            a.shared = shared;
            if !shared {
                a.watchers.clear();
            }
        });
        self.changed.notify_one();
        true
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
        self.changed.notify_one();
        let joined = Joined {
            screen: snapshot(&inner),
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
            screen: snapshot(&inner),
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
        let left = self.live.audience.send_if_modified(|a| {
            let before = a.watchers.len();
            a.watchers.retain(|w| w.key != key);
            a.watchers.len() != before
        });
        if left {
            self.live.changed.notify_one();
        }
    }
}

impl Inner {
    fn new(cols: u16, rows: u16) -> Self {
        Inner {
            vt: virtual_terminal(cols, rows),
            partial: Vec::new(),
            cols,
            rows,
            next_key: 0,
            ended: false,
        }
    }
}

fn virtual_terminal(cols: u16, rows: u16) -> avt::Terminal {
    let (cols, rows) = (usize::from(cols.max(1)), usize::from(rows.max(1)));
    let lines = (SCROLLBACK_CELLS / cols).min(SCROLLBACK_LINES);
    avt::Terminal::with_scrollback(cols, rows, Some(lines)).expect("the size is at least 1x1")
}

/// Feeds output bytes to the virtual terminal as text: a UTF-8 sequence cut between pieces
/// waits in `partial` for the rest; bytes that are not UTF-8 become U+FFFD, as xterm.js shows
/// them.
fn feed(vt: &mut avt::Terminal, partial: &mut Vec<u8>, data: &[u8]) {
    let joined;
    let mut rest: &[u8] = if partial.is_empty() {
        data
    } else {
        partial.extend_from_slice(data);
        joined = std::mem::take(partial);
        &joined
    };
    loop {
        match std::str::from_utf8(rest) {
            Ok(text) => {
                vt.feed(text);
                return;
            }
            Err(e) => {
                let (good, after) = rest.split_at(e.valid_up_to());
                vt.feed(std::str::from_utf8(good).unwrap_or_default());
                match e.error_len() {
                    Some(bad) => {
                        vt.feed('\u{fffd}');
                        rest = &after[bad..];
                    }
                    None => {
                        partial.extend_from_slice(after);
                        return;
                    }
                }
            }
        }
    }
}

/// What a late joiner's terminal is sent: the scrollback as plain lines, pushed up out of the
/// view, then the screen itself as escape sequences (colours, cursor, the alternate screen of a
/// full-screen program) drawn on a blank view from its top left corner.
fn snapshot(inner: &Inner) -> Vec<u8> {
    let primary = inner.vt.primary_screen();
    let rows = primary.visible_lines().len();
    let lines: Vec<&avt::Line> = primary.all_lines().collect();
    let mut out = String::new();
    for line in &lines[..lines.len().saturating_sub(rows)] {
        out.push_str(line.text().trim_end());
        out.push_str("\r\n");
    }
    if !out.is_empty() {
        out.push_str(&"\r\n".repeat(rows));
        out.push_str("\x1b[H");
    }
    out.push_str(&inner.vt.dump());
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The screen a joiner would see: the snapshot fed to a fresh terminal of the same size.
    fn seen(inner: &Inner) -> Vec<String> {
        let (cols, rows) = (usize::from(inner.cols), usize::from(inner.rows));
        let mut t = avt::Terminal::with_scrollback(cols, rows, None).unwrap();
        t.feed(String::from_utf8(snapshot(inner)).unwrap().as_str());
        t.screen().text()
    }

    #[test]
    fn a_late_joiner_gets_the_screen_as_it_is() {
        let mut i = Inner::new(20, 4);
        let Inner { vt, partial, .. } = &mut i;
        // more lines than the screen holds: the first ones are scrollback
        for n in 1..=6 {
            feed(vt, partial, format!("line {n}\r\n").as_bytes());
        }
        // a snowman cut between two pieces, and a byte that is no UTF-8
        let snowman = "\u{2603}".as_bytes();
        feed(vt, partial, &[b'x', snowman[0]]);
        feed(vt, partial, &snowman[1..]);
        feed(vt, partial, b" \xff\r\n");
        let text = seen(&i);
        assert!(text.iter().any(|l| l == "x\u{2603} \u{fffd}"), "{text:?}");
        assert!(
            text.iter().any(|l| l == "line 1"),
            "scrollback kept: {text:?}"
        );
        // a full-screen program: the joiner sees its screen, not the history of its drawing
        let Inner { vt, partial, .. } = &mut i;
        feed(
            vt,
            partial,
            b"\x1b[?1049h\x1b[2J\x1b[H-- editor --\x1b[3;1Hstatus",
        );
        let mut t = avt::Terminal::new(20, 4).unwrap();
        t.feed(String::from_utf8(snapshot(&i)).unwrap().as_str());
        let screen: Vec<String> = t
            .screen()
            .visible_lines()
            .map(|l| l.text().trim_end().to_string())
            .collect();
        assert_eq!(screen, ["-- editor --", "", "status", ""]);
    }

    #[tokio::test]
    async fn watchers_join_shared_terminals_see_the_screen_and_leave() {
        let hub = Hub::default();
        let live = hub.open(7, "ann", "root@h1:22", 80, 24);
        live.output(b"$ uptime\r\n");
        assert_eq!(live.join("bob").err(), Some(JoinError::NotShared));
        assert!(!live.set_shared(false), "not shared already");
        let first_screen = |j: &Joined| String::from_utf8_lossy(&j.screen).to_string();
        assert!(live.set_shared(true));
        assert!(!live.set_shared(true), "shared already");
        let mut audience = live.audience();
        let (mut joined, guard) = live.join("bob").unwrap();
        assert!(
            first_screen(&joined).starts_with("$ uptime"),
            "{}",
            first_screen(&joined)
        );
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
