//! The WebSocket: clients subscribe to runs and receive every result, progress and status change.
//! A late subscriber gets what is stored first, then the live tail; sequence numbers make the
//! hand-over free of gaps and duplicates. Upgrades from a foreign Origin are refused.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;
use utoipa::ToSchema;
use wirescope_probe::{ProbeResult, Summary};
use wirescope_runs::RunEvent;
use wirescope_store::RunStatus;

/// WebSocket: live results of runs and statistics of captures.
///
/// The client sends `ClientMessage`s, the server `ServerMessage`s (JSON text). A subscriber gets
/// each result of a run exactly once and in order (`seq` from 0): what is stored first, then the
/// live tail. A watched capture's state comes once a second while it runs, and once after it
/// stops. An upgrade whose Origin is not this server is refused with 403.
#[utoipa::path(get, path = "/ws", tag = "runs", responses(
    (status = 101, description = "switching protocols"),
    (status = 401, body = ApiError),
    (status = 403, body = ApiError, description = "a foreign Origin"),
))]
pub async fn upgrade(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if !same_origin(&headers, state.config.tls.is_some()) {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "WebSocket from a foreign origin refused",
        )
        .into_response();
    }
    ws.on_upgrade(move |socket| async move {
        let _counted = crate::metrics::Connected::new(&state);
        session(state, socket).await
    })
}

/// A browser always sends Origin; it must be this server exactly: the scheme it serves
/// (`https://` with `tls`, else `http://`) and the Host the request was sent to (the other
/// scheme, `null`, or another port is another origin).
pub(crate) fn same_origin(headers: &HeaderMap, tls: bool) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let scheme = if tls { "https://" } else { "http://" };
    let Some(origin_host) = origin
        .get(..scheme.len())
        .filter(|s| s.eq_ignore_ascii_case(scheme))
        .and_then(|_| origin.get(scheme.len()..))
    else {
        return false;
    };
    !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
}

/// What a client sends on /api/ws.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// A run's results (stored, then live), progress and status.
    Subscribe {
        run: i64,
    },
    Unsubscribe {
        run: i64,
    },
    /// A capture's state, once a second while it runs.
    Watch {
        capture: i64,
    },
    Unwatch {
        capture: i64,
    },
    /// SNMP traps as they are stored (`traps` messages, at most four a second).
    WatchTraps,
    UnwatchTraps,
}

/// What the server sends on /api/ws.
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ServerMessage {
    /// One result of a run; `seq` counts from 0, each sent once, in order.
    Result {
        run: i64,
        seq: i64,
        #[schema(value_type = ProbeResult)]
        result: Box<RawValue>,
    },
    /// Results stored so far.
    Progress { run: i64, done: i64, total: i64 },
    /// The run's status changed (`summary` once it ended).
    Status {
        run: i64,
        status: RunStatus,
        #[schema(value_type = Option<Summary>)]
        summary: Option<Box<RawValue>>,
        error: Option<String>,
    },
    /// A watched capture's state.
    Capture {
        id: i64,
        #[serde(flatten)]
        state: Box<crate::traffic::CaptureState>,
    },
    /// An alert event was raised (every socket gets it), with the unread count after it.
    Alert {
        event: Box<wirescope_store::AlertEvent>,
        unread: i64,
    },
    /// Traps stored since the last such message, oldest first. `skipped`: more arrived than a
    /// message carries (at least this many; the traps page reads them from the history).
    Traps {
        traps: Vec<wirescope_snmp::trap::Trap>,
        skipped: u64,
    },
    /// A message that could not be followed: bad JSON, an unknown run or capture, too many
    /// followed.
    Error {
        #[serde(skip_serializing_if = "Option::is_none")]
        run: Option<i64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        capture: Option<i64>,
        message: String,
    },
}

impl ServerMessage {
    /// The message as sent.
    pub fn text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    fn error(message: String) -> Self {
        ServerMessage::Error {
            run: None,
            capture: None,
            message,
        }
    }
}

/// A run's event as the message sent.
fn event_text(run: i64, event: &RunEvent) -> String {
    match event {
        RunEvent::Result { seq, json } => result_text(run, *seq, json),
        RunEvent::Progress { done, total } => ServerMessage::Progress {
            run,
            done: *done,
            total: *total,
        }
        .text(),
        RunEvent::Status {
            status,
            summary,
            error,
        } => ServerMessage::Status {
            run,
            status: *status,
            summary: summary
                .as_deref()
                .and_then(|s| RawValue::from_string(s.into()).ok()),
            error: error.clone(),
        }
        .text(),
    }
}

/// A result message written straight from the stored JSON (the hot path: no re-parse); the same
/// text as `ServerMessage::Result` serialized.
fn result_text(run: i64, seq: i64, result: &str) -> String {
    format!(r#"{{"type":"result","run":{run},"seq":{seq},"result":{result}}}"#)
}

/// How often the server pings a WebSocket client, and how long a client may stay silent (no
/// message, not even a pong) before it is taken for gone: three pings per `--idle-timeout`.
pub(crate) fn keepalive(
    config: &crate::ServerConfig,
) -> (std::time::Duration, std::time::Duration) {
    let silence = config.idle_timeout.max(std::time::Duration::from_secs(1));
    (silence / 3, silence)
}
/// Runs and captures one socket may follow at once.
const MAX_FOLLOWS: usize = 64;

async fn session(state: Arc<AppState>, socket: WebSocket) {
    let (ping_every, silence_limit) = keepalive(&state.config);
    let (mut sink, mut stream) = socket.split();
    let (out_tx, mut out_rx) = mpsc::channel::<String>(1024);
    let writer = tokio::spawn(async move {
        let mut ping = tokio::time::interval(ping_every);
        loop {
            let msg = tokio::select! {
                text = out_rx.recv() => match text {
                    Some(t) => Message::Text(t.into()),
                    None => break,
                },
                _ = ping.tick() => Message::Ping(Vec::new().into()),
            };
            // A client that stops reading holds the send: bounded like its silence.
            match tokio::time::timeout(silence_limit, sink.send(msg)).await {
                Ok(Ok(())) => {}
                _ => break,
            }
        }
    });
    let mut subs: HashMap<i64, JoinHandle<()>> = HashMap::new();
    let mut watches: HashMap<i64, JoinHandle<()>> = HashMap::new();
    let alerts = tokio::spawn(tell_alerts(state.clone(), out_tx.clone()));
    let mut traps: Option<JoinHandle<()>> = None;
    loop {
        let msg = match tokio::time::timeout(silence_limit, stream.next()).await {
            Ok(Some(Ok(m))) => m,
            // Closed, broken, or silent past the limit (pongs count as speech).
            _ => break,
        };
        if writer.is_finished() {
            break;
        }
        let text = match msg {
            Message::Text(t) => t,
            Message::Close(_) => break,
            _ => continue,
        };
        let parsed = serde_json::from_str::<ClientMessage>(&text);
        let adds = matches!(
            &parsed,
            Ok(ClientMessage::Subscribe { run }) if !subs.contains_key(run)
        ) || matches!(
            &parsed,
            Ok(ClientMessage::Watch { capture }) if !watches.contains_key(capture)
        );
        subs.retain(|_, t| !t.is_finished());
        watches.retain(|_, t| !t.is_finished());
        if adds && subs.len() + watches.len() >= MAX_FOLLOWS {
            let err = ServerMessage::error(format!(
                "this socket follows {MAX_FOLLOWS} runs and captures already; unsubscribe first"
            ))
            .text();
            if out_tx.send(err).await.is_err() {
                break;
            }
            continue;
        }
        match parsed {
            Ok(ClientMessage::Subscribe { run }) => {
                if let Some(old) = subs.remove(&run) {
                    old.abort();
                }
                subs.insert(
                    run,
                    tokio::spawn(follow(state.clone(), run, out_tx.clone())),
                );
            }
            Ok(ClientMessage::Unsubscribe { run }) => {
                if let Some(old) = subs.remove(&run) {
                    old.abort();
                }
            }
            Ok(ClientMessage::Watch { capture }) => {
                if let Some(old) = watches.remove(&capture) {
                    old.abort();
                }
                watches.insert(
                    capture,
                    tokio::spawn(crate::traffic::watch(
                        state.clone(),
                        capture,
                        out_tx.clone(),
                    )),
                );
            }
            Ok(ClientMessage::Unwatch { capture }) => {
                if let Some(old) = watches.remove(&capture) {
                    old.abort();
                }
            }
            Ok(ClientMessage::WatchTraps) => {
                if traps.as_ref().is_none_or(|t| t.is_finished()) {
                    traps = Some(tokio::spawn(tell_traps(state.clone(), out_tx.clone())));
                }
            }
            Ok(ClientMessage::UnwatchTraps) => {
                if let Some(t) = traps.take() {
                    t.abort();
                }
            }
            Err(e) => {
                let err = ServerMessage::error(format!("bad message: {e}")).text();
                if out_tx.send(err).await.is_err() {
                    break;
                }
            }
        }
    }
    for (_, task) in subs.into_iter().chain(watches) {
        task.abort();
    }
    alerts.abort();
    if let Some(t) = traps {
        t.abort();
    }
    drop(out_tx);
    let _ = writer.await;
}

/// Traps one `traps` message carries, at most.
const TRAPS_PER_MESSAGE: usize = 100;

/// Sends the traps stored, gathered four times a second: the newest `TRAPS_PER_MESSAGE`, with
/// the rest (and whatever a lagging socket missed) counted as skipped.
async fn tell_traps(state: Arc<AppState>, out: mpsc::Sender<String>) {
    let mut live = state.traps.live();
    let mut pending: std::collections::VecDeque<wirescope_snmp::trap::Trap> = Default::default();
    let mut skipped = 0u64;
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(250));
    loop {
        tokio::select! {
            got = live.recv() => match got {
                Ok(batch) => {
                    for t in batch.iter() {
                        if pending.len() == TRAPS_PER_MESSAGE {
                            pending.pop_front();
                            skipped += 1;
                        }
                        pending.push_back(t.clone());
                    }
                }
                Err(broadcast::error::RecvError::Lagged(n)) => skipped += n,
                Err(broadcast::error::RecvError::Closed) => return,
            },
            _ = tick.tick() => {
                if pending.is_empty() && skipped == 0 {
                    continue;
                }
                let msg = ServerMessage::Traps {
                    traps: pending.drain(..).collect(),
                    skipped: std::mem::take(&mut skipped),
                };
                if out.send(msg.text()).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// Sends every alert event as it is raised (one that falls behind skips to the newest: the
/// alerts page reads the rest).
async fn tell_alerts(state: Arc<AppState>, out: mpsc::Sender<String>) {
    let mut events = state.scheduler.events();
    loop {
        let id = match events.recv().await {
            Ok(id) => id,
            Err(broadcast::error::RecvError::Lagged(_)) => continue,
            Err(broadcast::error::RecvError::Closed) => return,
        };
        let store = state.clone();
        let found = tokio::task::spawn_blocking(move || {
            let event = store.store.alert_event(id)?;
            let unread = crate::alerts::unread(&store)?.unread;
            Ok::<_, wirescope_store::StoreError>(event.map(|e| (e, unread)))
        })
        .await;
        if let Ok(Ok(Some((event, unread)))) = found {
            let msg = ServerMessage::Alert {
                event: Box::new(event),
                unread,
            };
            if out.send(msg.text()).await.is_err() {
                return;
            }
        }
    }
}

/// Sends one run's stored results, then its live events, to the client: from the run manager
/// when this server makes the run, else from the run's relay (an agent's run, another
/// server's, one that ended).
async fn follow(state: Arc<AppState>, run: i64, out: mpsc::Sender<String>) {
    // Subscribe before reading the store: anything stored later arrives on the channel.
    let (mut rx, relayed) = match state.runs.subscribe(run) {
        Some(rx) => (rx, false),
        None => (state.relays.subscribe(&state.store, run), true),
    };
    let mut next_seq = 0i64;
    if catch_up(&state, run, &mut next_seq, &out).await.is_err() {
        return;
    }
    loop {
        match rx.recv().await {
            Ok(event) => {
                if let RunEvent::Result { seq, .. } = event {
                    if seq < next_seq {
                        continue;
                    }
                    if seq > next_seq {
                        // Results came before the relay began: read them from the store.
                        if catch_up(&state, run, &mut next_seq, &out).await.is_err() {
                            return;
                        }
                        continue;
                    }
                    next_seq = seq + 1;
                }
                let end = relayed && matches!(event, RunEvent::Status { .. });
                if out.send(event_text(run, &event)).await.is_err() || end {
                    return;
                }
            }
            Err(broadcast::error::RecvError::Lagged(_)) => {
                if catch_up(&state, run, &mut next_seq, &out).await.is_err() {
                    return;
                }
            }
            Err(broadcast::error::RecvError::Closed) => {
                let _ = catch_up(&state, run, &mut next_seq, &out).await;
                if relayed {
                    let _ = send_final(&state, run, &out).await;
                }
                return;
            }
        }
    }
}

/// Sends stored results from `next_seq` on, and the progress so far.
async fn catch_up(
    state: &AppState,
    run: i64,
    next_seq: &mut i64,
    out: &mpsc::Sender<String>,
) -> Result<(), ()> {
    let info = match state.store.run(run) {
        Ok(Some(info)) => info,
        Ok(None) => {
            let _ = out
                .send(
                    ServerMessage::Error {
                        run: Some(run),
                        capture: None,
                        message: "run not found".into(),
                    }
                    .text(),
                )
                .await;
            return Err(());
        }
        Err(_) => return Err(()),
    };
    let rows = state.store.results(run, *next_seq).map_err(|_| ())?;
    for (seq, data) in rows {
        out.send(result_text(run, seq, data.get()))
            .await
            .map_err(|_| ())?;
        *next_seq = seq + 1;
    }
    let progress = ServerMessage::Progress {
        run,
        done: *next_seq,
        total: info.total,
    };
    out.send(progress.text()).await.map_err(|_| ())
}

async fn send_final(state: &AppState, run: i64, out: &mpsc::Sender<String>) -> Result<(), ()> {
    let Ok(Some(info)) = state.store.run(run) else {
        return Err(());
    };
    let msg = ServerMessage::Status {
        run,
        status: info.status,
        summary: info.summary,
        error: info.error,
    };
    out.send(msg.text()).await.map_err(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_text_is_the_result_message() {
        let result = r#"{"kind":"ping","target":"a"}"#;
        let typed = ServerMessage::Result {
            run: 7,
            seq: 3,
            result: RawValue::from_string(result.into()).unwrap(),
        };
        assert_eq!(result_text(7, 3, result), typed.text());
    }

    fn headers(origin: Option<&str>, host: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, host.parse().unwrap());
        if let Some(o) = origin {
            h.insert(header::ORIGIN, o.parse().unwrap());
        }
        h
    }

    #[test]
    fn origin_must_match_host_and_scheme() {
        let plain = |o: Option<&str>, h: &str| same_origin(&headers(o, h), false);
        let tls = |o: Option<&str>, h: &str| same_origin(&headers(o, h), true);
        assert!(
            plain(None, "127.0.0.1:7878") && tls(None, "127.0.0.1:7878"),
            "non-browser clients send no Origin"
        );
        assert!(plain(Some("http://127.0.0.1:7878"), "127.0.0.1:7878"));
        assert!(tls(Some("https://127.0.0.1:7878"), "127.0.0.1:7878"));
        assert!(!plain(Some("http://evil.example"), "127.0.0.1:7878"));
        for foreign in [
            "http://127.0.0.1:9999",
            "https://127.0.0.1:7878",
            "ws://127.0.0.1:7878",
            "127.0.0.1:7878",
            "null",
            "http://127.0.0.1:7878/",
        ] {
            assert!(!plain(Some(foreign), "127.0.0.1:7878"), "{foreign}");
        }
        for foreign in [
            "http://127.0.0.1:7878",
            "https://127.0.0.1:9999",
            "https://",
            "https",
        ] {
            assert!(!tls(Some(foreign), "127.0.0.1:7878"), "over TLS: {foreign}");
        }
        assert!(plain(Some("HTTP://LOCALHOST:7878"), "localhost:7878"));
        assert!(tls(Some("HTTPS://LOCALHOST:7878"), "localhost:7878"));
    }
}
