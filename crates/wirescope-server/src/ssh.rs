//! SSH in the dashboard: the terminal WebSocket that bridges a browser's xterm.js to a shell on
//! a PTY (host key prompt on first contact, refusal of a changed key, resize, idle timeout, an
//! asciicast recording of every session), the recordings, and the known host keys.

use crate::AppState;
use crate::error::ApiError;
use crate::error::Query;
use axum::body::Body;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use futures::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::json;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;
use wirescope_probe::ssh::default_known_hosts;
use wirescope_ssh::cast::Recorder;
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

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/ssh/terminal", get(upgrade))
        .route("/ssh/known-hosts", get(known_hosts))
        .route(
            "/ssh/known-hosts/{host}",
            axum::routing::delete(forget_host),
        )
        .route("/ssh/recordings", get(recordings))
        .route(
            "/ssh/recordings/{id}",
            get(recording).delete(delete_recording),
        )
        .route("/ssh/recordings/{id}/cast", get(recording_cast))
}

async fn upgrade(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if !crate::ws::same_origin(&headers) {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "WebSocket from a foreign origin refused",
        )
        .into_response();
    }
    ws.on_upgrade(move |socket| terminal(state, socket))
}

/// What the browser sends.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum ClientMsg {
    Open(Box<OpenRequest>),
    AcceptHostKey {
        fingerprint: String,
    },
    /// Answers to a keyboard-interactive round, one per prompt; `null` gives up.
    AuthResponse {
        responses: Option<Vec<String>>,
    },
    Resize {
        cols: u16,
        rows: u16,
    },
}

/// A keyboard-interactive round on its way to the browser, and where its answer goes.
type PromptRequest = (
    serde_json::Value,
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
            let prompts: Vec<_> = prompts
                .into_iter()
                .map(|(prompt, echo)| json!({"prompt": prompt, "echo": echo}))
                .collect();
            let msg = json!({"type": "auth_prompt", "name": name, "instructions": instructions,
                "prompts": prompts});
            let (reply, answer) = tokio::sync::oneshot::channel();
            tx.send((msg, reply)).await.ok()?;
            answer.await.ok().flatten()
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OpenRequest {
    target: String,
    #[serde(default = "default_port")]
    port: u16,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    profile: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    jump: Option<String>,
    #[serde(default)]
    netns: Option<String>,
    #[serde(default = "default_cols")]
    cols: u16,
    #[serde(default = "default_rows")]
    rows: u16,
}

impl std::fmt::Debug for OpenRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenRequest")
            .field("target", &self.target)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("profile", &self.profile)
            .field("password", &self.password.as_ref().map(|_| "<secret>"))
            .field("jump", &self.jump)
            .field("netns", &self.netns)
            .finish()
    }
}

fn default_port() -> u16 {
    22
}
fn default_cols() -> u16 {
    80
}
fn default_rows() -> u16 {
    24
}

fn clamp_size(cols: u16, rows: u16) -> (u16, u16) {
    (cols.clamp(2, 1000), rows.clamp(1, 500))
}

/// A message to the browser, or the reason the session cannot go on.
struct Bridge {
    ws: WebSocket,
}

impl Bridge {
    async fn send(&mut self, v: serde_json::Value) -> bool {
        self.ws
            .send(Message::Text(v.to_string().into()))
            .await
            .is_ok()
    }

    async fn fail(mut self, code: &str, message: &str, extra: serde_json::Value) {
        let mut v = json!({"type": "error", "code": code, "message": message});
        if let (Some(o), serde_json::Value::Object(x)) = (v.as_object_mut(), extra) {
            o.extend(x);
        }
        let _ = self.send(v).await;
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

fn parse_msg(m: &Message) -> Result<ClientMsg, String> {
    match m {
        Message::Text(t) => {
            serde_json::from_str(t.as_str()).map_err(|e| format!("bad message: {e}"))
        }
        _ => Err("expected a JSON text message".into()),
    }
}

async fn terminal(state: Arc<AppState>, ws: WebSocket) {
    let mut bridge = Bridge { ws };
    let first = match tokio::time::timeout(PROMPT_WAIT, bridge.next()).await {
        Ok(Some(m)) => m,
        _ => return,
    };
    let req = match parse_msg(&first) {
        Ok(ClientMsg::Open(r)) => r,
        Ok(_) => {
            return bridge
                .fail(
                    "bad_request",
                    "the first message must be \"open\"",
                    json!({}),
                )
                .await;
        }
        Err(e) => return bridge.fail("bad_request", &e, json!({})).await,
    };
    let (cols, rows) = clamp_size(req.cols, req.rows);
    let (mut login, mut jump) = match login_of(&req).await {
        Ok(l) => l,
        Err(e) => return bridge.fail("bad_request", &e, json!({})).await,
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
                            Ok(ClientMsg::AuthResponse { responses }) => responses,
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
                    let prompt = json!({"type": "host_key", "status": "unknown", "host": host,
                        "algorithm": algorithm, "fingerprint": fingerprint});
                    if !bridge.send(prompt).await {
                        return;
                    }
                    match tokio::time::timeout(PROMPT_WAIT, bridge.next()).await {
                        Ok(Some(m)) => match parse_msg(&m) {
                            Ok(ClientMsg::AcceptHostKey { fingerprint: fp })
                                if fp == fingerprint =>
                            {
                                accept = Some((pattern, fp));
                            }
                            Ok(ClientMsg::AcceptHostKey { .. }) => {
                                return bridge
                                    .fail(
                                        "host_key",
                                        "the accepted fingerprint is not the one presented",
                                        json!({}),
                                    )
                                    .await;
                            }
                            _ => {
                                return bridge
                                    .fail("cancelled", "host key not accepted", json!({}))
                                    .await;
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
                    let extra = json!({"host": host, "algorithm": algorithm,
                        "fingerprint": fingerprint, "known": known});
                    return bridge.fail(e.code(), &e.to_string(), extra).await;
                }
                _ => return bridge.fail(e.code(), &e.to_string(), json!({})).await,
            },
        }
    };
    run_shell(state, bridge, session, &req, cols, rows).await;
}

/// The login of an open request: its own user and password, or a profile's SSH login.
async fn login_of(req: &OpenRequest) -> Result<(Login, Option<(Endpoint, Login)>), String> {
    wirescope_ssh::check_host(req.target.trim())
        .map_err(|e| format!("target: '{}': {e}", req.target.escape_debug()))?;
    if let Some(ns) = req.netns.as_deref().filter(|n| !n.is_empty()) {
        wirescope_probe::net::netns::check_name(ns)
            .and_then(|()| wirescope_probe::net::netns::check(ns))
            .map_err(|e| format!("netns: {e}"))?;
    }
    if req.port == 0 {
        return Err("port: must be 1-65535".into());
    }
    let mut o = wirescope_probe::ssh::SshOptions {
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
    std::thread::Builder::new()
        .name("wirescope-ssh-dial".into())
        .spawn(move || {
            let res = (|| {
                if let Some(ns) = &netns {
                    wirescope_probe::net::netns::enter(ns).map_err(|e| e.to_string())?;
                }
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| e.to_string())?;
                rt.block_on(async {
                    let addr = match hop2.host.parse::<IpAddr>() {
                        Ok(ip) => SocketAddr::new(ip, hop2.port),
                        Err(_) => {
                            let net = wirescope_probe::net::NetOptions {
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
) {
    let channel = match tokio::time::timeout(STEP_WAIT, session.shell(cols, rows)).await {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => {
            session.close().await;
            return bridge.fail(e.code(), &e.to_string(), json!({})).await;
        }
        Err(_) => {
            session.close().await;
            return bridge
                .fail(
                    "timeout",
                    "the device did not open a shell within 15 s",
                    json!({}),
                )
                .await;
        }
    };
    let user = session.user.clone();
    let store = state.store.clone();
    let started = {
        let store = store.clone();
        let (target, user, netns) = (req.target.clone(), user.clone(), req.netns.clone());
        let port = req.port;
        tokio::task::spawn_blocking(move || {
            store.start_recording(&wirescope_store::NewRecording {
                target: &target,
                port,
                user: &user,
                netns: netns.as_deref(),
                cols,
                rows,
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
            return bridge.fail("recording", &msg, json!({})).await;
        }
        Err(e) => {
            session.close().await;
            let msg = format!("cannot start the recording: {e}");
            return bridge.fail("recording", &msg, json!({})).await;
        }
    };
    let idle = state.config.ssh_idle_timeout;
    let mut rec = Recorder::new(
        cols,
        rows,
        Some(format!("{user}@{}", req.target)),
        RECORDING_LIMIT,
    );
    let ready = json!({"type": "ready", "recording": id, "host_key": session.host_key,
        "auth": session.auth_method, "idle_timeout_s": idle.as_secs()});
    if !matches!(
        tokio::time::timeout(STEP_WAIT, bridge.send(ready)).await,
        Ok(true)
    ) {
        session.close().await;
        save(&store, id, rec.finish(), false, Some("client")).await;
        return;
    }
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
                        return "remote";
                    }
                }
                Some(Ok(Message::Text(t))) => {
                    touch(&input_activity);
                    if let Ok(ClientMsg::Resize { cols, rows }) = serde_json::from_str(t.as_str()) {
                        let (c, r) = clamp_size(cols, rows);
                        let _ = resize_tx.send((c, r));
                        let _ = writer.window_change(u32::from(c), u32::from(r), 0, 0).await;
                    }
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                Some(Ok(Message::Close(_)) | Err(_)) | None => return "client",
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
            r = &mut input => break r.unwrap_or("server"),
            Some((c, r)) = resize_rx.recv() => rec.resize(c, r),
            m = reader.wait() => match m {
                Some(russh::ChannelMsg::Data { data }) | Some(russh::ChannelMsg::ExtendedData { data, .. }) => {
                    touch(&activity);
                    rec.output(&data);
                    // A browser that stops reading for this long is gone.
                    match tokio::time::timeout(STEP_WAIT, ws_tx.send(Message::Binary(data.to_vec().into()))).await {
                        // time spent waiting for a slow browser is not idle time
                        Ok(Ok(())) => touch(&activity),
                        _ => break "client",
                    }
                }
                Some(russh::ChannelMsg::ExitStatus { exit_status }) => status = Some(exit_status),
                Some(russh::ChannelMsg::Close) | None => break if status.is_some() { "exit" } else { "remote" },
                Some(_) => {}
            },
            _ = tick.tick() => {
                let last = Duration::from_millis(activity.load(std::sync::atomic::Ordering::Relaxed));
                if started_at.elapsed().saturating_sub(last) >= idle {
                    break "idle";
                }
                let said = Duration::from_millis(heard.load(std::sync::atomic::Ordering::Relaxed));
                if started_at.elapsed().saturating_sub(said) >= silence_limit {
                    break "client";
                }
                if Instant::now() >= ping_at {
                    ping_at = Instant::now() + ping_every;
                    let ping = ws_tx.send(Message::Ping(Vec::new().into()));
                    if !matches!(tokio::time::timeout(STEP_WAIT, ping).await, Ok(Ok(()))) {
                        break "client";
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
    // The device first, then the recording, then the browser (which may be gone).
    let _ = tokio::time::timeout(STEP_WAIT, session.close()).await;
    let truncated = rec.truncated();
    save(&store, id, rec.finish(), truncated, Some(reason)).await;
    let closed = json!({"type": "closed", "reason": reason, "status": status});
    let _ = tokio::time::timeout(STEP_WAIT, async {
        let _ = ws_tx.send(Message::Text(closed.to_string().into())).await;
        let _ = ws_tx
            .send(Message::Close(Some(CloseFrame {
                code: 1000,
                reason: reason.into(),
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

async fn known_hosts() -> Result<Response, ApiError> {
    let store = default_known_hosts(None);
    let entries = store
        .list()
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    Ok(Json(json!({"file": store.path(), "entries": entries})).into_response())
}

#[derive(Debug, Deserialize)]
struct PortQuery {
    port: Option<u16>,
}

async fn forget_host(
    Path(host): Path<String>,
    Query(q): Query<PortQuery>,
) -> Result<Response, ApiError> {
    let port = q.port.unwrap_or(22);
    if port == 0 {
        return Err(ApiError::field("port", "must be 1-65535"));
    }
    let store = default_known_hosts(None);
    let removed = store
        .remove(&host, port)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    if removed == 0 {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!(
                "no entry for {}",
                wirescope_ssh::known_hosts::host_pattern(&host, port)
            ),
        ));
    }
    Ok(Json(json!({"removed": removed})).into_response())
}

#[derive(Debug, Deserialize)]
struct Page {
    limit: Option<i64>,
    offset: Option<i64>,
}

async fn recordings(
    State(state): State<Arc<AppState>>,
    Query(p): Query<Page>,
) -> Result<Response, ApiError> {
    let (list, total) = state.store.recordings(
        p.limit.unwrap_or(50).clamp(1, 500),
        p.offset.unwrap_or(0).max(0),
    )?;
    Ok(Json(json!({"recordings": list, "total": total})).into_response())
}

fn not_found(id: i64) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, format!("no recording {id}"))
}

async fn recording(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = crate::api::parse_id(&id)?;
    let r = state.store.recording(id)?.ok_or_else(|| not_found(id))?;
    Ok(Json(r).into_response())
}

#[derive(Debug, Deserialize)]
struct CastQuery {
    download: Option<String>,
}

async fn recording_cast(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(q): Query<CastQuery>,
) -> Result<Response, ApiError> {
    let id = crate::api::parse_id(&id)?;
    let cast = state
        .store
        .recording_cast(id)?
        .ok_or_else(|| not_found(id))?;
    let mut resp = Response::new(Body::from(cast));
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/x-asciicast"),
    );
    if q.download.is_some_and(|d| d != "0")
        && let Ok(v) = header::HeaderValue::from_str(&format!(
            "attachment; filename=\"wirescope-ssh-{id}.cast\""
        ))
    {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

async fn delete_recording(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = crate::api::parse_id(&id)?;
    if state.store.delete_recording(id)? {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(not_found(id))
    }
}
