//! The terminal WebSocket: bridges a browser's xterm.js to a shell on a PTY (host key prompt on
//! first contact, refusal of a changed key, keyboard-interactive prompts, resize, idle timeout)
//! and records every session's output as asciicast v2.

use super::messages::{
    AuthPrompt, CloseReason, HostKeyStatus, OpenRequest, TerminalEvent, TerminalRequest,
};
use crate::AppState;
use crate::error::ApiError;
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::HeaderMap;
use axum::response::Response;
use futures::{SinkExt, StreamExt};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;
use wirescope_ssh::cast::Recorder;
use wirescope_ssh::exec::default_known_hosts;
use wirescope_ssh::{ConnectOptions, Endpoint, FirstContact, HostKeyPolicy, Login, SshError};
use zeroize::Zeroizing;

/// Bytes of asciicast text kept per session; output past it is dropped and marked.
const RECORDING_LIMIT: usize = 64 << 20;
/// How often what an open session recorded since is appended to the history.
const RECORDING_FLUSH: Duration = Duration::from_secs(10);
/// How long the browser has to send `open`, and to answer a host-key prompt.
const PROMPT_WAIT: Duration = Duration::from_secs(300);
/// Limit for one step that should be quick: the device opening a shell, a message reaching the
/// browser, the goodbyes.
const STEP_WAIT: Duration = Duration::from_secs(15);
/// WebSocket: an SSH terminal (a shell on a PTY), recorded.
///
/// Text messages are JSON: the browser sends `TerminalRequest`s (first `open`), the server
/// `TerminalEvent`s; binary frames both ways are terminal bytes (keystrokes in, output out).
/// Every session's output and resizes are recorded as asciicast v2 (keystrokes are not). An
/// upgrade whose Origin is not this server is refused with 403.
#[utoipa::path(get, path = "/ssh/terminal", tag = "ssh", responses(
    (status = 101, description = "switching protocols"),
    (status = 401, body = ApiError),
    (status = 403, body = ApiError, description = "a foreign Origin"),
))]
pub(super) async fn upgrade(
    State(state): State<Arc<AppState>>,
    who: Option<axum::Extension<crate::auth::Identity>>,
    peer: Option<axum::Extension<crate::conn::Peer>>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if let Some(refused) = super::foreign(&state, &headers) {
        return refused;
    }
    let actor = Actor::of(who.as_ref().map(|w| &w.0), peer.map(|p| p.0));
    ws.on_upgrade(move |socket| async move {
        let _counted = crate::metrics::Connected::new(&state);
        terminal(state, socket, actor).await
    })
}

/// Who opened or watches a terminal, for its owner, its audience and the audit trail.
pub(super) struct Actor {
    pub(super) name: String,
    via: &'static str,
    address: String,
}

impl Actor {
    pub(super) fn of(who: Option<&crate::auth::Identity>, peer: Option<crate::conn::Peer>) -> Self {
        Actor {
            name: who.map_or_else(|| "nobody".into(), |w| w.name.clone()),
            via: who.map_or("none", crate::audit::via),
            address: peer.map(|p| p.0.ip().to_string()).unwrap_or_default(),
        }
    }

    pub(super) fn record(&self, state: &AppState, action: &str, object: &str) {
        crate::audit::record(
            state,
            &wirescope_store::NewAudit {
                actor: &self.name,
                via: self.via,
                address: &self.address,
                action,
                object,
                status: 0,
            },
        );
    }
}

/// A keyboard-interactive round on its way to the browser, and where its answer goes.
type PromptRequest = (
    TerminalEvent,
    tokio::sync::oneshot::Sender<Option<Vec<String>>>,
);

/// Relays keyboard-interactive prompts to the person at the terminal.
struct BrowserPrompter(tokio::sync::mpsc::Sender<PromptRequest>);

impl wirescope_ssh::Prompter for BrowserPrompter {
    fn answer(
        &self,
        name: String,
        instructions: String,
        prompts: Vec<(String, bool)>,
    ) -> futures::future::BoxFuture<'static, Option<Vec<String>>> {
        let tx = self.0.clone();
        Box::pin(async move {
            let prompts = prompts
                .into_iter()
                .map(|(prompt, echo)| AuthPrompt { prompt, echo })
                .collect();
            let msg = TerminalEvent::AuthPrompt {
                name,
                instructions,
                prompts,
            };
            let (reply, answer) = tokio::sync::oneshot::channel();
            tx.send((msg, reply)).await.ok()?;
            answer.await.ok().flatten()
        })
    }
}

fn clamp_size(cols: u16, rows: u16) -> (u16, u16) {
    (cols.clamp(2, 1000), rows.clamp(1, 500))
}

/// A message to the browser, or the reason the session cannot go on.
struct Bridge {
    ws: WebSocket,
}

impl Bridge {
    async fn send(&mut self, event: TerminalEvent) -> bool {
        let Ok(text) = serde_json::to_string(&event) else {
            return false;
        };
        self.ws.send(Message::Text(text.into())).await.is_ok()
    }

    async fn fail(self, code: &str, message: &str) {
        self.fail_with(TerminalEvent::error(code, message)).await;
    }

    async fn fail_with(mut self, event: TerminalEvent) {
        let _ = self.send(event).await;
        let _ = self
            .ws
            .send(Message::Close(Some(CloseFrame {
                code: 1000,
                reason: "".into(),
            })))
            .await;
    }

    /// The next message that means something (pings and pongs are the socket's business).
    async fn next(&mut self) -> Option<Message> {
        while let Some(Ok(m)) = self.ws.recv().await {
            match m {
                Message::Ping(_) | Message::Pong(_) => continue,
                Message::Close(_) => return None,
                m => return Some(m),
            }
        }
        None
    }
}

fn parse_msg(m: &Message) -> Result<TerminalRequest, String> {
    match m {
        Message::Text(t) => {
            serde_json::from_str(t.as_str()).map_err(|e| format!("bad message: {e}"))
        }
        _ => Err("expected a JSON text message".into()),
    }
}

async fn terminal(state: Arc<AppState>, ws: WebSocket, actor: Actor) {
    let mut bridge = Bridge { ws };
    let first = match tokio::time::timeout(PROMPT_WAIT, bridge.next()).await {
        Ok(Some(m)) => m,
        _ => return,
    };
    let req = match parse_msg(&first) {
        Ok(TerminalRequest::Open(r)) => r,
        Ok(_) => {
            return bridge
                .fail("bad_request", "the first message must be \"open\"")
                .await;
        }
        Err(e) => return bridge.fail("bad_request", &e).await,
    };
    let (cols, rows) = clamp_size(req.cols, req.rows);
    let (mut login, mut jump) = match login_of(&req).await {
        Ok(l) => l,
        Err(e) => return bridge.fail("bad_request", &e).await,
    };
    // Keyboard-interactive prompts the device sends during the login go to the browser.
    let (prompt_tx, mut prompt_rx) = tokio::sync::mpsc::channel::<PromptRequest>(1);
    let prompter: Arc<dyn wirescope_ssh::Prompter> = Arc::new(BrowserPrompter(prompt_tx));
    login.prompter = Some(prompter.clone());
    if let Some((_, jl)) = jump.as_mut() {
        jl.prompter = Some(prompter);
    }
    let endpoint = Endpoint::new(req.target.trim().to_string(), req.port);
    let conn = ConnectOptions {
        login,
        jump,
        timeout: Duration::from_secs(15),
        keepalive: Some(Duration::from_secs(30)),
    };
    // Through a jump host two hosts may be new: each gets its own prompt, in the order met.
    let mut accept: Option<(String, String)> = None;
    let mut prompts = 0;
    let session = loop {
        let policy = Arc::new(HostKeyPolicy {
            store: default_known_hosts(None),
            first_contact: FirstContact::Ask,
            accept: accept.clone(),
        });
        let attempt = async {
            match dial(
                &endpoint,
                &conn,
                req.netns.clone().filter(|n| !n.is_empty()),
            )
            .await
            {
                Ok(tcp) => wirescope_ssh::connect(&endpoint, tcp, &conn, &policy).await,
                Err(e) => Err(e),
            }
        };
        tokio::pin!(attempt);
        let res = loop {
            tokio::select! {
                r = &mut attempt => break r,
                Some((msg, reply)) = prompt_rx.recv() => {
                    if !bridge.send(msg).await {
                        return;
                    }
                    let answer = match tokio::time::timeout(PROMPT_WAIT, bridge.next()).await {
                        Ok(Some(m)) => match parse_msg(&m) {
                            Ok(TerminalRequest::AuthResponse { responses }) => responses,
                            _ => None,
                        },
                        _ => None,
                    };
                    let _ = reply.send(answer);
                }
            }
        };
        match res {
            Ok(s) => break s,
            Err(e) => match e.innermost().clone() {
                SshError::HostKeyUnknown {
                    host,
                    pattern,
                    algorithm,
                    fingerprint,
                } if prompts < 2 && accept.as_ref().map(|(_, f)| f) != Some(&fingerprint) => {
                    prompts += 1;
                    let prompt = TerminalEvent::HostKey {
                        status: HostKeyStatus::Unknown,
                        host,
                        algorithm,
                        fingerprint: fingerprint.clone(),
                    };
                    if !bridge.send(prompt).await {
                        return;
                    }
                    match tokio::time::timeout(PROMPT_WAIT, bridge.next()).await {
                        Ok(Some(m)) => match parse_msg(&m) {
                            Ok(TerminalRequest::AcceptHostKey { fingerprint: fp })
                                if fp == fingerprint =>
                            {
                                accept = Some((pattern, fp));
                            }
                            Ok(TerminalRequest::AcceptHostKey { .. }) => {
                                return bridge
                                    .fail(
                                        "host_key",
                                        "the accepted fingerprint is not the one presented",
                                    )
                                    .await;
                            }
                            _ => {
                                return bridge.fail("cancelled", "host key not accepted").await;
                            }
                        },
                        _ => return,
                    }
                }
                SshError::HostKeyChanged {
                    host,
                    algorithm,
                    fingerprint,
                    known,
                    ..
                } => {
                    return bridge
                        .fail_with(TerminalEvent::Error {
                            code: e.code().into(),
                            message: e.to_string(),
                            host: Some(host),
                            algorithm: Some(algorithm),
                            fingerprint: Some(fingerprint),
                            known: Some(known),
                        })
                        .await;
                }
                _ => return bridge.fail(e.code(), &e.to_string()).await,
            },
        }
    };
    run_shell(state, bridge, session, &req, cols, rows, actor).await;
}

/// The login of an open request: its own user and password, or a profile's SSH login.
async fn login_of(req: &OpenRequest) -> Result<(Login, Option<(Endpoint, Login)>), String> {
    wirescope_ssh::check_host(req.target.trim())
        .map_err(|e| format!("target: '{}': {e}", req.target.escape_debug()))?;
    if let Some(ns) = req.netns.as_deref().filter(|n| !n.is_empty()) {
        wirescope_net::netns::check_name(ns)
            .and_then(|()| wirescope_net::netns::check(ns))
            .map_err(|e| format!("netns: {e}"))?;
    }
    if req.port == 0 {
        return Err("port: must be 1-65535".into());
    }
    let mut o = wirescope_ssh::exec::SshOptions {
        user: req.user.clone().unwrap_or_default(),
        password: req.password.clone(),
        profile: req.profile.clone().filter(|p| !p.is_empty()),
        ..Default::default()
    };
    if o.profile.is_some() {
        o = crate::creds::resolve_ssh(o)
            .await
            .map_err(|e| format!("profile: {}", e.error))?;
    }
    if o.user.trim().is_empty() {
        return Err("user: needed (or a profile with an SSH login)".into());
    }
    let login = Login {
        user: o.user.clone(),
        password: o.password.clone().map(Zeroizing::new),
        key: o.private_key.clone().map(Zeroizing::new),
        passphrase: o.key_passphrase.clone().map(Zeroizing::new),
        ..Login::default()
    };
    // The key is decrypted once, off the async workers; the jump login shares it.
    let decoding = login.clone();
    tokio::task::spawn_blocking(move || decoding.private_key().map(|_| ()))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    let jump = match req.jump.as_deref().map(str::trim).filter(|j| !j.is_empty()) {
        Some(j) => {
            let (user, ep) = Endpoint::parse(j, 22).map_err(|e| format!("jump: {e}"))?;
            let mut jl = login.clone();
            if let Some(u) = user {
                jl.user = u;
            }
            Some((ep, jl))
        }
        None => None,
    };
    Ok((login, jump))
}

/// The first TCP hop, opened inside the network namespace when one is named (name resolution
/// too: the namespace's resolv.conf applies).
async fn dial(
    target: &Endpoint,
    conn: &ConnectOptions,
    netns: Option<String>,
) -> Result<tokio::net::TcpStream, SshError> {
    let hop = wirescope_ssh::first_hop(target, conn).clone();
    let timeout = conn.timeout;
    let err = |reason: String| SshError::Connect {
        host: hop.display(),
        reason,
    };
    let (tx, rx) = tokio::sync::oneshot::channel();
    let hop2 = hop.clone();
    let ns = netns.clone();
    wirescope_net::in_netns("wirescope-ssh-dial", ns, move |entered| {
        let res = (|| {
            entered.map_err(|e| e.to_string())?;
            let rt = wirescope_net::netns::runtime().map_err(|e| e.to_string())?;
            rt.block_on(async {
                let addr = match hop2.host.parse::<IpAddr>() {
                    Ok(ip) => SocketAddr::new(ip, hop2.port),
                    Err(_) => {
                        let net = wirescope_net::NetOptions {
                            netns: netns.clone(),
                            ..Default::default()
                        };
                        let answers = wirescope_probe::dns::resolve::resolve_all(
                            std::slice::from_ref(&hop2.host),
                            &net,
                        )
                        .await;
                        match answers.get(&hop2.host) {
                            Some(Ok(ip)) => SocketAddr::new(*ip, hop2.port),
                            Some(Err(e)) => return Err(format!("cannot resolve: {e}")),
                            None => return Err("cannot resolve".into()),
                        }
                    }
                };
                let s = wirescope_ssh::dial(&hop2, addr, timeout)
                    .await
                    .map_err(|e| e.to_string())?;
                s.into_std().map_err(|e| e.to_string())
            })
        })();
        let _ = tx.send(res);
    })
    .map_err(|e| err(e.to_string()))?;
    let std_stream = rx
        .await
        .map_err(|_| err("the dial thread died".into()))?
        .map_err(|reason| {
            // dial's own errors already name the host; keep them readable
            SshError::Connect {
                host: hop.display(),
                reason: reason
                    .strip_prefix(&format!("{}: cannot connect: ", hop.display()))
                    .map(str::to_string)
                    .unwrap_or(reason.clone()),
            }
        })?;
    let s = tokio::net::TcpStream::from_std(std_stream).map_err(|e| err(e.to_string()))?;
    let wrap = |e: SshError| {
        if conn.jump.is_some() {
            SshError::Jump {
                jump: hop.display(),
                source: Box::new(e),
            }
        } else {
            e
        }
    };
    s.set_nodelay(true).map_err(|e| wrap(err(e.to_string())))?;
    Ok(s)
}

async fn run_shell(
    state: Arc<AppState>,
    mut bridge: Bridge,
    session: wirescope_ssh::Session,
    req: &OpenRequest,
    cols: u16,
    rows: u16,
    actor: Actor,
) {
    let channel = match tokio::time::timeout(STEP_WAIT, session.shell(cols, rows)).await {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => {
            session.close().await;
            return bridge.fail(e.code(), &e.to_string()).await;
        }
        Err(_) => {
            session.close().await;
            return bridge
                .fail("timeout", "the device did not open a shell within 15 s")
                .await;
        }
    };
    let user = session.user.clone();
    let store = state.store.clone();
    let started = {
        let store = store.clone();
        let (target, user, netns) = (req.target.clone(), user.clone(), req.netns.clone());
        let port = req.port;
        let owner = actor.name.clone();
        tokio::task::spawn_blocking(move || {
            store.start_recording(&wirescope_store::NewRecording {
                target: &target,
                port,
                user: &user,
                netns: netns.as_deref(),
                cols,
                rows,
                opened_by: Some(&owner),
            })
        })
        .await
    };
    // Every session is recorded: one that cannot be is not opened.
    let id = match started {
        Ok(Ok(id)) => id,
        Ok(Err(e)) => {
            session.close().await;
            let msg = format!("cannot start the recording: {e}");
            return bridge.fail("recording", &msg).await;
        }
        Err(e) => {
            session.close().await;
            let msg = format!("cannot start the recording: {e}");
            return bridge.fail("recording", &msg).await;
        }
    };
    let where_ = format!(
        "ssh {user}@{}:{}{} recording {id}",
        req.target,
        req.port,
        req.netns
            .as_deref()
            .map(|n| format!(" netns {n}"))
            .unwrap_or_default()
    );
    actor.record(&state, "terminal.session", &where_);
    let idle = state.config.ssh_idle_timeout;
    let mut rec = Recorder::new(
        cols,
        rows,
        Some(format!("{user}@{}", req.target)),
        RECORDING_LIMIT,
    );
    let ready = TerminalEvent::Ready {
        recording: id,
        host_key: session.host_key.clone(),
        auth: session.auth_method.into(),
        idle_timeout_s: idle.as_secs(),
    };
    // Listed before the browser hears "ready": whoever it tells can already find it.
    let live = state.terminals.open(
        id,
        &actor.name,
        &format!("{user}@{}:{}", req.target, req.port),
        cols,
        rows,
    );
    if !matches!(
        tokio::time::timeout(STEP_WAIT, bridge.send(ready)).await,
        Ok(true)
    ) {
        state.terminals.close(&live, CloseReason::Client);
        session.close().await;
        save(
            &store,
            id,
            rec.finish(),
            false,
            Some(CloseReason::Client.as_str()),
        )
        .await;
        return;
    }
    let mut audience = live.audience();
    let (mut reader, writer) = channel.split();
    let (mut ws_tx, mut ws_rx) = bridge.ws.split();
    let started_at = Instant::now();
    let activity = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let touch = move |a: &std::sync::atomic::AtomicU64| {
        a.store(
            started_at.elapsed().as_millis() as u64,
            std::sync::atomic::Ordering::Relaxed,
        );
    };
    // Keystrokes go to the device from a task of their own: a write waiting for the device's
    // window must never stop the output (and the window updates that come with it) from
    // being read below.
    let (resize_tx, mut resize_rx) = tokio::sync::mpsc::unbounded_channel::<(u16, u16)>();
    // A few share requests may wait; more are dropped (the state changes once anyway).
    let (share_tx, mut share_rx) = tokio::sync::mpsc::channel::<bool>(4);
    let input_activity = activity.clone();
    // When the browser last said anything, pongs included: a browser that vanished without
    // closing its socket stops answering the pings below.
    let heard = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let input_heard = heard.clone();
    let mut input = tokio::spawn(async move {
        loop {
            let m = ws_rx.next().await;
            touch(&input_heard);
            match m {
                Some(Ok(Message::Binary(data))) => {
                    touch(&input_activity);
                    if writer.data(&data[..]).await.is_err() {
                        return CloseReason::Remote;
                    }
                }
                Some(Ok(Message::Text(t))) => {
                    touch(&input_activity);
                    match serde_json::from_str(t.as_str()) {
                        Ok(TerminalRequest::Resize { cols, rows }) => {
                            let (c, r) = clamp_size(cols, rows);
                            let _ = resize_tx.send((c, r));
                            let _ = writer.window_change(u32::from(c), u32::from(r), 0, 0).await;
                        }
                        Ok(TerminalRequest::Share { shared }) => {
                            let _ = share_tx.try_send(shared);
                        }
                        _ => {}
                    }
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                Some(Ok(Message::Close(_)) | Err(_)) | None => return CloseReason::Client,
            }
        }
    });
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut flush_at = Instant::now() + RECORDING_FLUSH;
    let (ping_every, silence_limit) = crate::ws::keepalive(&state.config);
    let mut ping_at = Instant::now() + ping_every;
    let mut status: Option<u32> = None;
    let reason = loop {
        tokio::select! {
            r = &mut input => break r.unwrap_or(CloseReason::Server),
            Some((c, r)) = resize_rx.recv() => {
                rec.resize(c, r);
                live.resize(c, r);
            }
            Some(shared) = share_rx.recv() => {
                // only a change is an action of the trail
                if live.set_shared(shared) {
                    let action = if shared { "terminal.share" } else { "terminal.unshare" };
                    actor.record(&state, action, &where_);
                }
            }
            Ok(()) = audience.changed() => {
                let a = audience.borrow_and_update().clone();
                let event = TerminalEvent::Audience { shared: a.shared, watchers: a.watchers };
                let text = serde_json::to_string(&event).unwrap_or_default();
                if !matches!(tokio::time::timeout(STEP_WAIT, ws_tx.send(Message::Text(text.into()))).await, Ok(Ok(()))) {
                    break CloseReason::Client;
                }
            }
            m = reader.wait() => match m {
                Some(russh::ChannelMsg::Data { data }) | Some(russh::ChannelMsg::ExtendedData { data, .. }) => {
                    touch(&activity);
                    rec.output(&data);
                    live.output(&data);
                    // A browser that stops reading for this long is gone.
                    match tokio::time::timeout(STEP_WAIT, ws_tx.send(Message::Binary(data.to_vec().into()))).await {
                        // time spent waiting for a slow browser is not idle time
                        Ok(Ok(())) => touch(&activity),
                        _ => break CloseReason::Client,
                    }
                }
                Some(russh::ChannelMsg::ExitStatus { exit_status }) => status = Some(exit_status),
                Some(russh::ChannelMsg::Close) | None => break if status.is_some() { CloseReason::Exit } else { CloseReason::Remote },
                Some(_) => {}
            },
            _ = tick.tick() => {
                let last = Duration::from_millis(activity.load(std::sync::atomic::Ordering::Relaxed));
                if started_at.elapsed().saturating_sub(last) >= idle {
                    break CloseReason::Idle;
                }
                let said = Duration::from_millis(heard.load(std::sync::atomic::Ordering::Relaxed));
                if started_at.elapsed().saturating_sub(said) >= silence_limit {
                    break CloseReason::Client;
                }
                if Instant::now() >= ping_at {
                    ping_at = Instant::now() + ping_every;
                    let ping = ws_tx.send(Message::Ping(Vec::new().into()));
                    if !matches!(tokio::time::timeout(STEP_WAIT, ping).await, Ok(Ok(()))) {
                        break CloseReason::Client;
                    }
                }
                if Instant::now() >= flush_at {
                    flush_at = Instant::now() + RECORDING_FLUSH;
                    if !rec.is_empty() {
                        let piece = rec.take();
                        save(&store, id, piece, rec.truncated(), None).await;
                    }
                }
            }
        }
    };
    input.abort();
    state.terminals.close(&live, reason);
    // The device first, then the recording, then the browser (which may be gone).
    let _ = tokio::time::timeout(STEP_WAIT, session.close()).await;
    let truncated = rec.truncated();
    save(&store, id, rec.finish(), truncated, Some(reason.as_str())).await;
    actor.record(
        &state,
        "terminal.close",
        &format!("{where_} ({})", reason.as_str()),
    );
    let closed =
        serde_json::to_string(&TerminalEvent::Closed { reason, status }).unwrap_or_default();
    let _ = tokio::time::timeout(STEP_WAIT, async {
        let _ = ws_tx.send(Message::Text(closed.into())).await;
        let _ = ws_tx
            .send(Message::Close(Some(CloseFrame {
                code: 1000,
                reason: reason.as_str().into(),
            })))
            .await;
    })
    .await;
}

async fn save(
    store: &Arc<wirescope_store::Store>,
    id: i64,
    cast: Vec<u8>,
    truncated: bool,
    ended: Option<&'static str>,
) {
    let store = store.clone();
    let _ = tokio::task::spawn_blocking(move || store.save_recording(id, &cast, truncated, ended))
        .await;
}
