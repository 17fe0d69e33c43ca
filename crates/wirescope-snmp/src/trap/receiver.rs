//! The receiving end: async-snmp's notification receiver, built on a thread inside the network
//! namespace (it binds its own socket, so the socket lives where the thread is), the allow-list
//! check that counts what it refuses, the v3 engine ID and boots kept in a locked file across
//! restarts, and a bounded queue to the consumer (what overflows is counted, never buffered).

use super::Trap;
use super::count::{self, Counters, Refusal, TrapCounts};
use crate::security::{SecurityLevel, SnmpVersion};
use crate::{Credential, SnmpOptions};
use async_snmp::{
    AuthoritativeEngine, DesSaltState, InformAckOutcome, MasterKeys, NotificationAcceptance,
    NotificationEnvelope, NotificationReceiver, PersistedAuthoritativeEngine,
    PersistedDesSaltState, UsmUser,
};
use std::collections::HashMap;
use std::collections::VecDeque;
use std::io::Write as _;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, Mutex};
use tokio::sync::{Notify, oneshot};

/// Notifications waiting for the consumer, by default, and the bytes they may hold.
pub const DEFAULT_QUEUE: usize = 65_536;
pub const DEFAULT_QUEUE_BYTES: usize = 128 << 20;
/// The kernel receive buffer asked for, by default: at 60,000 small traps a second the system's
/// usual 208 KiB holds about 4 ms of them, this about half a second.
pub const DEFAULT_BUFFER: usize = 16 << 20;

/// How a receiver listens and whom it accepts.
#[derive(Debug, Clone)]
pub struct TrapConfig {
    pub listen: SocketAddr,
    /// The network namespace to listen in (the caller's own when `None`).
    pub netns: Option<String>,
    /// v1/v2c communities accepted, each with the label records name it by.
    pub communities: Vec<(String, String)>,
    /// v3 users (from credential profiles), each accepted at its profile's level or above.
    pub users: Vec<Credential>,
    /// Where the v3 engine ID and boots are kept (used only when there are v3 users).
    pub engine_state: PathBuf,
    /// The engine ID to use (hex given by the user); a stored one is kept otherwise.
    pub engine_id: Option<Vec<u8>>,
    /// Notifications held for a slow consumer before more are dropped (and counted), and the
    /// bytes they may hold together.
    pub queue: usize,
    pub queue_bytes: usize,
    /// The kernel receive buffer asked for (bursts wait there while the receiver is busy).
    pub buffer: usize,
}

impl TrapConfig {
    pub fn new(listen: SocketAddr) -> TrapConfig {
        TrapConfig {
            listen,
            netns: None,
            communities: Vec::new(),
            users: Vec::new(),
            engine_state: engine_state_path(),
            engine_id: None,
            queue: DEFAULT_QUEUE,
            queue_bytes: DEFAULT_QUEUE_BYTES,
            buffer: DEFAULT_BUFFER,
        }
    }

    /// Accepts what a credential profile describes: its community (v1/v2c) or its v3 user.
    pub fn add_credential(&mut self, c: Credential) {
        if c.version == SnmpVersion::V3 {
            self.users.push(c);
        } else {
            self.communities
                .push((c.label.clone(), c.community.clone()));
        }
    }

    /// True when no community or user was given: every v1/v2c community is accepted.
    pub fn accepts_any(&self) -> bool {
        self.communities.is_empty() && self.users.is_empty()
    }
}

/// `$XDG_DATA_HOME/wirescope/snmp-trap-engine` (the default engine state file).
pub fn engine_state_path() -> PathBuf {
    crate::des::state_path().with_file_name("snmp-trap-engine")
}

/// Why a receiver could not start or stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrapError {
    #[error("cannot receive on {addr}: {reason}")]
    Listen { addr: SocketAddr, reason: String },
    #[error("{0}")]
    Config(String),
    #[error("SNMPv3 engine state {path}: {reason}")]
    EngineState { path: String, reason: String },
    #[error("the trap receiver stopped: {0}")]
    Stopped(String),
}

/// A running receiver: notifications come out of `next`, counts out of `counts`. Dropping it
/// stops the receiving thread.
#[derive(Debug)]
pub struct TrapReceiver {
    local_addr: SocketAddr,
    engine_id: Vec<u8>,
    buffer: Option<usize>,
    counters: Arc<Counters>,
    queue: Arc<Queue>,
    failure: Arc<Mutex<Option<String>>>,
}

struct Ready {
    local_addr: SocketAddr,
    engine_id: Vec<u8>,
    buffer: Option<usize>,
}

impl TrapReceiver {
    /// Starts receiving; returns once the socket is bound (or why it could not be).
    pub async fn start(config: TrapConfig) -> Result<TrapReceiver, TrapError> {
        if config.queue == 0 {
            return Err(TrapError::Config(
                "the trap queue needs room for one".into(),
            ));
        }
        let counters = Arc::new(Counters::default());
        let failure = Arc::new(Mutex::new(None));
        let queue = Arc::new(Queue::new(config.queue, config.queue_bytes));
        let tx = queue.clone();
        let (ready_tx, ready_rx) = oneshot::channel();
        let (c, f) = (counters.clone(), failure.clone());
        let listen = config.listen;
        let netns = config.netns.clone();
        wirescope_net::netns::in_netns("wirescope-traps", netns, move |entered| {
            let setup = entered
                .map_err(|e| TrapError::Listen {
                    addr: config.listen,
                    reason: e.to_string(),
                })
                .and_then(|()| {
                    wirescope_net::netns::runtime().map_err(|e| TrapError::Listen {
                        addr: config.listen,
                        reason: e.to_string(),
                    })
                });
            match setup {
                Ok(rt) => rt.block_on(receive(config, c, f, tx, ready_tx)),
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                }
            }
        })
        .map_err(|e| TrapError::Listen {
            addr: listen,
            reason: e.to_string(),
        })?;
        let ready = ready_rx
            .await
            .map_err(|_| TrapError::Stopped("the receiving thread ended".into()))??;
        Ok(TrapReceiver {
            local_addr: ready.local_addr,
            engine_id: ready.engine_id,
            buffer: ready.buffer,
            counters,
            queue,
            failure,
        })
    }

    /// The address receiving (with the port the system chose for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The socket's kernel receive buffer in bytes (what bursts wait in), when it could be read.
    pub fn buffer(&self) -> Option<usize> {
        self.buffer
    }

    /// The v3 engine ID senders localize keys to and informs are answered with.
    pub fn engine_id_hex(&self) -> String {
        self.engine_id.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The next notification; `None` once the receiver stopped (`failure` says why).
    pub async fn next(&mut self) -> Option<Trap> {
        loop {
            if let Some(t) = self.queue.pop() {
                return Some(t);
            }
            if self.queue.ended.load(Relaxed) {
                return None;
            }
            // A push after the check above left a permit: this returns at once then.
            self.queue.ready.notified().await;
        }
    }

    /// Takes up to `limit` notifications already waiting (after `next` gave one), for batching.
    pub fn take_waiting(&mut self, into: &mut Vec<Trap>, limit: usize) {
        while into.len() < limit {
            match self.queue.pop() {
                Some(t) => into.push(t),
                None => break,
            }
        }
    }

    pub fn counts(&self) -> TrapCounts {
        self.counters.snapshot()
    }

    /// A handle that reads the counts while the receiver itself is elsewhere.
    pub fn counter(&self) -> TrapCounter {
        TrapCounter(self.counters.clone())
    }

    /// Why the receiver stopped, if it did.
    pub fn failure(&self) -> Option<String> {
        self.failure
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl Drop for TrapReceiver {
    fn drop(&mut self) {
        self.queue.stopped.store(true, Relaxed);
        self.queue.stop.notify_one();
    }
}

/// Notifications between the receiving thread and the consumer: pushed one at a time, woken
/// only when the consumer waits (a notification per trap would cost a system call each);
/// bounded by count and by the bytes the records hold (a stream of 64 KiB traps must not hold
/// gigabytes).
#[derive(Debug)]
struct Queue {
    /// The records and the bytes they hold.
    items: Mutex<(VecDeque<Trap>, usize)>,
    cap: usize,
    max_bytes: usize,
    /// A push happened (a permit when nobody waits).
    ready: Notify,
    /// The receiving thread ended.
    ended: AtomicBool,
    /// The consumer went: the thread should end.
    stopped: AtomicBool,
    stop: Notify,
}

impl Queue {
    fn new(cap: usize, max_bytes: usize) -> Queue {
        Queue {
            items: Mutex::new((VecDeque::new(), 0)),
            cap,
            max_bytes,
            ready: Notify::new(),
            ended: AtomicBool::new(false),
            stopped: AtomicBool::new(false),
            stop: Notify::new(),
        }
    }

    fn items(&self) -> std::sync::MutexGuard<'_, (VecDeque<Trap>, usize)> {
        self.items.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues a trap; false when the queue is full (by count or bytes).
    fn push(&self, t: Trap) -> bool {
        {
            let mut items = self.items();
            let size = t.weight();
            if items.0.len() >= self.cap || items.1 + size > self.max_bytes {
                return false;
            }
            items.0.push_back(t);
            items.1 += size;
        }
        self.ready.notify_one();
        true
    }

    fn pop(&self) -> Option<Trap> {
        let mut items = self.items();
        let t = items.0.pop_front()?;
        items.1 = items.1.saturating_sub(t.weight());
        Some(t)
    }

    fn end(&self) {
        self.ended.store(true, Relaxed);
        self.ready.notify_one();
    }
}

/// Reads a receiver's counts.
#[derive(Debug, Clone)]
pub struct TrapCounter(Arc<Counters>);

impl TrapCounter {
    pub fn counts(&self) -> TrapCounts {
        self.0.snapshot()
    }
}

/// Milliseconds since the epoch, now.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The receiving thread's work: build, report ready, receive until the consumer goes.
async fn receive(
    config: TrapConfig,
    counters: Arc<Counters>,
    failure: Arc<Mutex<Option<String>>>,
    queue: Arc<Queue>,
    ready: oneshot::Sender<Result<Ready, TrapError>>,
) {
    receive_until_stopped(config, counters, failure, &queue, ready).await;
    queue.end();
}

async fn receive_until_stopped(
    config: TrapConfig,
    counters: Arc<Counters>,
    failure: Arc<Mutex<Option<String>>>,
    queue: &Queue,
    ready: oneshot::Sender<Result<Ready, TrapError>>,
) {
    count::count_on_this_thread(counters.clone());
    let before = open_sockets();
    let built = build(&config, counters.clone()).await;
    let (receiver, _lock) = match built {
        Ok(r) => r,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let buffer = enlarge_buffer(receiver.local_addr(), &before, config.buffer);
    let _ = ready.send(Ok(Ready {
        local_addr: receiver.local_addr(),
        engine_id: receiver.engine_id().to_vec(),
        buffer,
    }));
    let labels = Labels::new(&config);
    loop {
        if queue.stopped.load(Relaxed) {
            return;
        }
        let got = tokio::select! {
            got = receiver.recv() => got,
            () = queue.stop.notified() => return,
        };
        match got {
            Ok(r) => {
                counters.received.fetch_add(1, Relaxed);
                if matches!(r.inform_ack, Some(InformAckOutcome::Sent)) {
                    counters.informs_acked.fetch_add(1, Relaxed);
                }
                let credential = labels.of(&r.notification);
                let trap = Trap::from_notification(&r.notification, r.source, now_ms(), credential);
                if !queue.push(trap) {
                    counters.dropped.fetch_add(1, Relaxed);
                }
            }
            Err(e) if e.kind() == async_snmp::ErrorKind::Network => {
                // A transient socket error (an ICMP error queued on the socket, say): go on.
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
            Err(e) => {
                *failure.lock().unwrap_or_else(|p| p.into_inner()) = Some(e.to_string());
                return;
            }
        }
    }
}

/// Which label a notification's credential goes by.
struct Labels {
    communities: Vec<(String, String)>,
    users: HashMap<Vec<u8>, String>,
    any: bool,
}

impl Labels {
    fn new(config: &TrapConfig) -> Labels {
        Labels {
            communities: config.communities.clone(),
            users: config
                .users
                .iter()
                .filter_map(|u| Some((u.user.clone()?.into_bytes(), u.label.clone())))
                .collect(),
            any: config.accepts_any(),
        }
    }

    fn of_community(&self, c: &[u8]) -> Option<String> {
        if self.any {
            return Some("any".into());
        }
        self.communities
            .iter()
            .find(|(_, known)| known.as_bytes() == c)
            .map(|(label, _)| label.clone())
    }

    fn of(&self, n: &async_snmp::Notification) -> Option<String> {
        use async_snmp::Notification as N;
        match n {
            N::TrapV1 { community, .. }
            | N::TrapV2c { community, .. }
            | N::InformV2c { community, .. } => self.of_community(community.as_bytes()),
            N::TrapV3 { username, .. } | N::InformV3 { username, .. } => {
                self.users.get(username.as_ref()).cloned()
            }
        }
    }
}

/// The receiver, and the lock on the engine state file it holds while it runs.
async fn build(
    config: &TrapConfig,
    counters: Arc<Counters>,
) -> Result<(NotificationReceiver, Option<std::fs::File>), TrapError> {
    let mut b = NotificationReceiver::builder().bind(config.listen.to_string());
    let mut users = HashMap::new();
    let mut des = false;
    for c in &config.users {
        let (name, user, level, is_des) = usm_user(c)?;
        des |= is_des;
        b = b
            .usm_user(name.clone(), |_| Ok(user))
            .map_err(|e| TrapError::Config(format!("profile '{}': {e}", c.label)))?;
        users.insert(name.into_bytes(), level);
    }
    let mut lock = None;
    if !config.users.is_empty() {
        let (engine, file) = engine(&config.engine_state, config.engine_id.as_deref())?;
        if des {
            b = b.des_salt_state(des_state(engine.engine_boots(), &config.engine_state)?);
        }
        b = b.authoritative_engine(engine);
        lock = Some(file);
    }
    let communities: Vec<Vec<u8>> = config
        .communities
        .iter()
        .map(|(_, c)| c.as_bytes().to_vec())
        .collect();
    let any = config.accepts_any();
    b = b.acceptance_policy(move |env: &NotificationEnvelope<'_>| {
        accept(env, any, &communities, &users, &counters)
    });
    let receiver = b.build().await.map_err(|e| TrapError::Listen {
        addr: config.listen,
        reason: bind_reason(config.listen, &e.to_string()),
    })?;
    Ok((receiver, lock))
}

/// The acceptance check: a known community (unless any is accepted), a v3 user at or above its
/// profile's level. Refusals are counted with their source.
fn accept(
    env: &NotificationEnvelope<'_>,
    any: bool,
    communities: &[Vec<u8>],
    users: &HashMap<Vec<u8>, SecurityLevel>,
    counters: &Counters,
) -> NotificationAcceptance {
    let source = Some(super::canonical(env.source.ip()));
    if let Some(c) = env.community {
        if any || communities.iter().any(|k| same(k, c.as_bytes())) {
            return NotificationAcceptance::Accept;
        }
        counters.refuse(Refusal::UnknownCommunity, source);
        return NotificationAcceptance::Reject;
    }
    let Some(wanted) = env.username.and_then(|u| users.get(u.as_ref())) else {
        counters.refuse(Refusal::UnknownUser, source);
        return NotificationAcceptance::Reject;
    };
    let level = env.security_level.map(super::level);
    if level.is_some_and(|l| rank(l) >= rank(*wanted)) {
        NotificationAcceptance::Accept
    } else {
        counters.refuse(Refusal::BadAuth, source);
        NotificationAcceptance::Reject
    }
}

fn rank(l: SecurityLevel) -> u8 {
    match l {
        SecurityLevel::NoAuthNoPriv => 0,
        SecurityLevel::AuthNoPriv => 1,
        SecurityLevel::AuthPriv => 2,
    }
}

/// Compares without stopping at the first difference (a community is a shared secret).
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A profile's v3 user: its name, the USM user with master keys derived once, its level, and
/// whether it encrypts with DES.
fn usm_user(c: &Credential) -> Result<(String, UsmUser, SecurityLevel, bool), TrapError> {
    let o = SnmpOptions::default().with_credential(c);
    let bad = |m: String| TrapError::Config(format!("profile '{}': {m}", c.label));
    let name = o
        .user
        .clone()
        .filter(|u| !u.is_empty())
        .ok_or_else(|| bad("an SNMPv3 profile needs a user".into()))?;
    let level = o.level_in_use();
    let crypto = |e: async_snmp::CryptoError| bad(format!("SNMPv3 keys: {e}"));
    let need = |p: &Option<String>, what: &str| {
        p.clone()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| bad(format!("{what} needed for {level}")))
    };
    let mut des = false;
    let user = match level {
        SecurityLevel::NoAuthNoPriv => UsmUser::new(name.clone()),
        SecurityLevel::AuthNoPriv | SecurityLevel::AuthPriv => {
            let pass = need(&o.auth_password, "an authentication password")?;
            let mut keys =
                MasterKeys::new(o.auth_in_use().usm(), pass.as_bytes()).map_err(crypto)?;
            if level == SecurityLevel::AuthPriv {
                let pp = o.priv_in_use().usm();
                des = pp.is_des_family();
                let ppass = need(&o.priv_password, "a privacy password")?;
                keys = keys.with_privacy(pp, ppass.as_bytes()).map_err(crypto)?;
            }
            UsmUser::new(name.clone())
                .with_master_keys(keys)
                .map_err(crypto)?
        }
    };
    Ok((name, user, level, des))
}

/// The engine, restarted from the state file (boots + 1) or installed (a stored ID is kept
/// unless another is asked for), and the file lock held while the receiver runs: two receivers
/// never share an engine's boots.
fn engine(
    path: &Path,
    wanted: Option<&[u8]>,
) -> Result<(AuthoritativeEngine, std::fs::File), TrapError> {
    let fail = |r: String| TrapError::EngineState {
        path: path.display().to_string(),
        reason: r,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| fail(e.to_string()))?;
    }
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path.with_extension("lock"))
        .map_err(|e| fail(e.to_string()))?;
    // SAFETY: flock on a descriptor this function owns; released when the file is dropped.
    if unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
        return Err(fail(
            "another wirescope trap receiver is using it (give this one --engine-state)".into(),
        ));
    }
    let stored = match std::fs::read_to_string(path) {
        Ok(text) => Some(parse_engine(&text).map_err(fail)?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(fail(e.to_string())),
    };
    let file = path.to_path_buf();
    let persist = move |p: &PersistedAuthoritativeEngine| {
        write_engine(&file, p.engine_id(), p.engine_boots())
    };
    let engine = match (stored, wanted) {
        (Some((id, boots)), w) if w.is_none_or(|w| w == id.as_slice()) => {
            let previous =
                PersistedAuthoritativeEngine::new(id, boots).map_err(|e| fail(e.to_string()))?;
            AuthoritativeEngine::restart(previous, persist)
        }
        (_, Some(w)) => AuthoritativeEngine::install(w.to_vec(), persist),
        (_, None) => {
            let id = async_snmp::generate_engine_id().map_err(|e| fail(e.to_string()))?;
            AuthoritativeEngine::install(id, persist)
        }
    }
    .map_err(|e| fail(e.to_string()))?;
    Ok((engine, lock))
}

/// `ENGINE_ID_HEX BOOTS`.
fn parse_engine(text: &str) -> Result<(Vec<u8>, u32), String> {
    let mut parts = text.split_whitespace();
    let (Some(id), Some(boots), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(format!(
            "'{}' is not 'ENGINE_ID_HEX BOOTS'",
            text.trim().chars().take(80).collect::<String>()
        ));
    };
    let id = parse_hex(id).map_err(|e| format!("engine ID: {e}"))?;
    let boots = boots
        .parse()
        .map_err(|_| format!("'{boots}' is not a boots number"))?;
    Ok((id, boots))
}

/// Hex digits (an optional `0x`, `:` or spaces between bytes allowed) as bytes.
pub fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    let t = text.trim();
    let t = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    let digits: String = t.chars().filter(|c| *c != ':' && *c != ' ').collect();
    if digits.is_empty() || !digits.len().is_multiple_of(2) || digits.len() > 64 {
        return Err(format!(
            "'{text}' is not an even number of hex digits (10 to 64)"
        ));
    }
    let bytes = (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&digits[i..i + 2], 16))
        .collect::<Result<Vec<u8>, _>>()
        .map_err(|_| format!("'{text}' has a character that is not a hex digit"))?;
    if bytes.len() < 5 || bytes.iter().all(|b| *b == 0) {
        return Err(format!(
            "'{text}': an engine ID has 5 to 32 bytes, not all zero"
        ));
    }
    Ok(bytes)
}

/// Writes the engine state durably: a temporary file, fsync, rename.
fn write_engine(path: &Path, id: &[u8], boots: u32) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::File::create(&tmp)?;
    let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
    writeln!(f, "{hex} {boots}")?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

/// DES salts for inform responses: the epoch is the engine's boots, which the engine state file
/// (locked, written before use) makes unique to this run.
fn des_state(boots: u32, path: &Path) -> Result<DesSaltState, TrapError> {
    let fail = |r: String| TrapError::EngineState {
        path: path.display().to_string(),
        reason: format!("DES salt state: {r}"),
    };
    let kept = |_: &PersistedDesSaltState| Ok::<(), std::io::Error>(());
    if boots <= 1 {
        DesSaltState::install(kept)
    } else {
        let previous = PersistedDesSaltState::new(boots - 1).map_err(|e| fail(e.to_string()))?;
        DesSaltState::restart(previous, kept)
    }
    .map_err(|e| fail(e.to_string()))
}

/// The sockets open in this process: descriptor -> the socket's inode (`socket:[N]`), which
/// stays the socket's own when descriptor numbers are reused.
fn open_sockets() -> HashMap<i32, String> {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| {
            d.flatten()
                .filter_map(|e| {
                    let fd = e.file_name().to_str()?.parse().ok()?;
                    let link = std::fs::read_link(e.path()).ok()?;
                    let link = link.to_str()?;
                    link.starts_with("socket:").then(|| (fd, link.to_string()))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Sets the receive buffer of the receiver's socket: async-snmp binds the socket itself and
/// offers no way to size its buffer, so the socket is found among the sockets `build` opened
/// (a UDP socket bound to the receiver's address) and sized here: SO_RCVBUFFORCE when
/// the process may (CAP_NET_ADMIN), else SO_RCVBUF within net.core.rmem_max. Returns the size
/// the kernel gives (it counts its bookkeeping too), or `None` when the socket was not found.
fn enlarge_buffer(local: SocketAddr, before: &HashMap<i32, String>, bytes: usize) -> Option<usize> {
    let known: std::collections::HashSet<&String> = before.values().collect();
    let mut new: Vec<i32> = open_sockets()
        .into_iter()
        .filter(|(_, inode)| !known.contains(inode))
        .map(|(fd, _)| fd)
        .collect();
    new.sort_unstable();
    for fd in new {
        // SAFETY: the descriptor is open in this process (listed just now) and only borrowed
        // for these calls; a socket bound to the receiver's address is the receiver's.
        let borrowed = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) };
        let sock = socket2::SockRef::from(&borrowed);
        let ours = sock.r#type().is_ok_and(|t| t == socket2::Type::DGRAM)
            && sock.local_addr().ok().and_then(|a| a.as_socket()) == Some(local);
        if !ours {
            continue;
        }
        let size = libc::c_int::try_from(bytes).unwrap_or(libc::c_int::MAX);
        // SAFETY: setsockopt with a pointer to a c_int and its size, on a socket (checked above).
        let forced = unsafe {
            libc::setsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_RCVBUFFORCE,
                (&raw const size).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        } == 0;
        if !forced {
            let _ = sock.set_recv_buffer_size(bytes);
        }
        return sock.recv_buffer_size().ok();
    }
    None
}

/// A bind failure in words an operator can act on.
fn bind_reason(addr: SocketAddr, error: &str) -> String {
    if addr.port() < 1024 && (error.contains("ermission denied") || error.contains("os error 13")) {
        format!(
            "UDP port {} needs root or CAP_NET_BIND_SERVICE (sudo setcap \
             cap_net_bind_service,cap_net_raw,cap_net_admin+ep $(command -v wirescope)), \
             or listen on a port above 1023 ({error})",
            addr.port()
        )
    } else if error.contains("in use") || error.contains("os error 98") {
        format!(
            "UDP port {} is taken by another program (snmptrapd?) ({error})",
            addr.port()
        )
    } else {
        error.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_ids_and_state_are_read_strictly() {
        assert_eq!(
            parse_hex("0x80001f8803aabbcc").unwrap(),
            [0x80, 0x00, 0x1f, 0x88, 0x03, 0xaa, 0xbb, 0xcc]
        );
        assert_eq!(parse_hex("80:00:1f:88:04").unwrap().len(), 5);
        assert!(parse_hex("800").unwrap_err().contains("even number"));
        assert!(
            parse_hex("80001f88zz")
                .unwrap_err()
                .contains("not a hex digit")
        );
        assert!(
            parse_hex("0000000000")
                .unwrap_err()
                .contains("not all zero")
        );
        assert!(parse_hex("8000").unwrap_err().contains("5 to 32 bytes"));
        assert_eq!(
            parse_engine("80001f8803aabbcc 7\n").unwrap(),
            (parse_hex("80001f8803aabbcc").unwrap(), 7)
        );
        assert!(
            parse_engine("garbage")
                .unwrap_err()
                .contains("is not 'ENGINE_ID_HEX BOOTS'")
        );
        assert!(
            parse_engine("80001f8803 x")
                .unwrap_err()
                .contains("'x' is not a boots")
        );
    }

    #[test]
    fn the_engine_keeps_its_id_and_counts_boots_across_restarts() {
        let dir = std::env::temp_dir().join(format!("wirescope-engine-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("snmp-trap-engine");
        let (first, lock) = engine(&path, None).unwrap();
        assert_eq!(first.engine_boots(), 1);
        let busy = engine(&path, None).err().map(|e| e.to_string());
        assert!(busy.is_some_and(|e| e.contains("another wirescope trap receiver")));
        drop(lock);
        let (second, lock) = engine(&path, None).unwrap();
        assert_eq!(second.engine_id(), first.engine_id());
        assert_eq!(second.engine_boots(), 2);
        drop(lock);
        let wanted = parse_hex("80001f8803010203").unwrap();
        let (third, lock) = engine(&path, Some(&wanted)).unwrap();
        assert_eq!(third.engine_id(), wanted.as_slice());
        assert_eq!(third.engine_boots(), 1);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap().trim(),
            "80001f8803010203 1"
        );
        drop(lock);
        std::fs::write(&path, "nonsense here too").unwrap();
        let damaged = engine(&path, None).err().map(|e| e.to_string());
        assert!(damaged.is_some_and(|e| e.contains("is not 'ENGINE_ID_HEX BOOTS'")));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_queue_is_bounded_by_count_and_by_bytes() {
        let trap = |value: usize| -> Trap {
            serde_json::from_value(serde_json::json!({
                "time": "2026-12-03T10:00:00.000Z", "source": "10.0.0.1", "port": 162,
                "version": "2c", "pdu": "trap", "oid": ".1.3", "name": null, "uptime": 1,
                "varbinds": [{"oid": ".1.3.6", "name": null, "type": "STRING", "value": "x".repeat(value)}]
            }))
            .unwrap()
        };
        let q = Queue::new(3, 1 << 20);
        assert!(q.push(trap(1)) && q.push(trap(1)) && q.push(trap(1)));
        assert!(!q.push(trap(1)), "a fourth is past the count");
        assert!(q.pop().is_some());
        assert!(q.push(trap(1)));
        let q = Queue::new(1_000, 200_000);
        assert!(q.push(trap(60_000)) && q.push(trap(60_000)) && q.push(trap(60_000)));
        assert!(
            !q.push(trap(60_000)),
            "a fourth 60 KB trap is past the bytes"
        );
        assert!(q.push(trap(10)), "a small one still fits");
        while q.pop().is_some() {}
        assert_eq!(q.items().1, 0, "the byte count goes back to zero");
        assert!(q.push(trap(60_000)));
    }

    #[test]
    fn bind_failures_say_what_to_do() {
        let a: SocketAddr = "0.0.0.0:162".parse().unwrap();
        assert!(bind_reason(a, "Permission denied (os error 13)").contains("CAP_NET_BIND_SERVICE"));
        assert!(bind_reason(a, "Address already in use (os error 98)").contains("snmptrapd"));
    }
}
