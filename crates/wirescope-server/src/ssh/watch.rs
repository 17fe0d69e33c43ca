//! Shared terminals over HTTP: the list of open terminals, and the read-only WebSocket on which
//! a signed-in user watches one that its owner shares.

use super::live::{Feed, Joined, LiveTerminal};
use super::messages::TerminalEvent;
use crate::AppState;
use crate::error::ApiError;
use axum::Json;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::{SinkExt, StreamExt};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;

/// The largest message a watcher may send (its socket closes past it).
const WATCHER_MESSAGE: usize = 4096;
/// How long one message to a watcher may take before the watcher is taken for gone.
const SEND_WAIT: Duration = Duration::from_secs(15);

/// The open terminals: who opened which, whether it is shared, who watches it. With servers
/// sharing a PostgreSQL database, those the others hold too (`here` false: watch them on the
/// server named by `instance`).
#[utoipa::path(get, path = "/ssh/terminals", tag = "ssh", responses(
    (status = 200, body = Vec<LiveTerminal>),
))]
pub(super) async fn terminals(State(state): State<Arc<AppState>>) -> Json<Vec<LiveTerminal>> {
    let me = state.store.instance().to_string();
    let mut all: Vec<LiveTerminal> = state
        .terminals
        .list()
        .into_iter()
        .map(|t| LiveTerminal {
            instance: me.clone(),
            ..t
        })
        .collect();
    let store = state.store.clone();
    // The database away: this server's own terminals are still listed.
    if let Ok(Ok(others)) = tokio::task::spawn_blocking(move || store.terminals_elsewhere()).await {
        all.extend(others.into_iter().filter_map(super::live::elsewhere));
        all.sort_by_key(|t| (t.started_at, t.recording));
    }
    Json(all)
}

/// WebSocket: watch a shared terminal, read-only.
///
/// The server sends `watching` (the owner, the target, the size), a binary frame with the
/// screen so far, `audience` (who watches; again on each change), then the output as binary
/// frames and `resize`s; it ends with `closed` (the session ended) or an `error` (`not_shared`,
/// `full`, `unshared`). What the watcher sends is ignored: the terminal is the
/// owner's.
#[utoipa::path(get, path = "/ssh/terminals/{id}/watch", tag = "ssh", params(("id" = i64, Path, description = "the terminal's recording id")), responses(
    (status = 101, description = "switching protocols"),
    (status = 401, body = ApiError),
    (status = 403, body = ApiError, description = "a foreign Origin"),
    (status = 404, body = ApiError, description = "no open terminal with this id here (one another server holds is named)"),
))]
pub(super) async fn watch(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    who: Option<axum::Extension<crate::auth::Identity>>,
    peer: Option<axum::Extension<crate::conn::Peer>>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if let Some(refused) = super::foreign(&state, &headers) {
        return refused;
    }
    let id = match crate::api::parse_id(&id) {
        Ok(id) => id,
        Err(e) => return e.into_response(),
    };
    let Some(live) = state.terminals.get(id) else {
        let store = state.store.clone();
        let held = tokio::task::spawn_blocking(move || store.terminals_elsewhere())
            .await
            .ok()
            .and_then(Result::ok)
            .and_then(|all| all.into_iter().find(|t| t.recording == id));
        let message = match held {
            Some(t) => format!(
                "terminal {id} is open on another server (instance {}): watch it there",
                t.instance
            ),
            None => format!("no open terminal {id}"),
        };
        return ApiError::new(StatusCode::NOT_FOUND, message).into_response();
    };
    let actor = super::terminal::Actor::of(who.as_ref().map(|w| &w.0), peer.map(|p| p.0));
    // A watcher has nothing to say: its messages are read and dropped, so they are kept small.
    ws.max_message_size(WATCHER_MESSAGE)
        .max_frame_size(WATCHER_MESSAGE)
        .on_upgrade(move |socket| async move {
            let _counted = crate::metrics::Connected::new(&state);
            follow(state, socket, live, actor).await
        })
}

fn text(event: &TerminalEvent) -> Message {
    Message::Text(serde_json::to_string(event).unwrap_or_default().into())
}

/// The `watching` message and the screen so far, which open a watch and restart one that fell
/// behind.
fn watching(live: &super::live::Live, screen: Vec<u8>, cols: u16, rows: u16) -> Vec<Message> {
    let event = TerminalEvent::Watching {
        recording: live.recording,
        owner: live.owner.clone(),
        target: live.target.clone(),
        cols,
        rows,
    };
    vec![text(&event), Message::Binary(screen.into())]
}

fn unshared() -> TerminalEvent {
    TerminalEvent::error("unshared", "the owner stopped sharing this terminal")
}

async fn follow(
    state: Arc<AppState>,
    socket: WebSocket,
    live: Arc<super::live::Live>,
    actor: super::terminal::Actor,
) {
    let (mut tx, mut rx) = socket.split();
    let (joined, guard) = match live.join(&actor.name) {
        Ok(j) => j,
        Err(e) => {
            let code = match e {
                super::live::JoinError::NotShared => "not_shared",
                super::live::JoinError::Ended => "closed",
                super::live::JoinError::Full => "full",
            };
            let _ = tokio::time::timeout(SEND_WAIT, async {
                let _ = tx
                    .send(text(&TerminalEvent::error(code, &e.to_string())))
                    .await;
                let _ = tx.send(Message::Close(None)).await;
            })
            .await;
            return;
        }
    };
    let store = state.store.clone();
    let (id, name) = (live.recording, actor.name.clone());
    let _ = tokio::task::spawn_blocking(move || store.add_recording_watcher(id, &name)).await;
    actor.record(
        &state,
        "terminal.watch",
        &format!("{} of {} recording {id}", live.target, live.owner),
    );
    let mut audience = live.audience();
    let first = audience.borrow_and_update().clone();
    let Joined {
        screen,
        cols,
        rows,
        mut feed,
    } = joined;
    let mut opening = watching(&live, screen, cols, rows);
    opening.push(text(&TerminalEvent::Audience {
        shared: first.shared,
        watchers: first.watchers,
    }));
    for m in opening {
        if !matches!(
            tokio::time::timeout(SEND_WAIT, tx.send(m)).await,
            Ok(Ok(()))
        ) {
            return;
        }
    }
    let (ping_every, silence_limit) = crate::ws::keepalive(&state.config);
    let mut heard = Instant::now();
    let mut ping = tokio::time::interval_at(Instant::now() + ping_every, ping_every);
    let ending = loop {
        let out = tokio::select! {
            f = feed.recv() => match f {
                Ok(Feed::Output(b)) => vec![Message::Binary(b)],
                Ok(Feed::Resize(cols, rows)) => vec![text(&TerminalEvent::Resize { cols, rows })],
                Ok(Feed::Unshared) => break Some(unshared()),
                Ok(Feed::Closed(reason)) => break Some(TerminalEvent::Closed { reason, status: None }),
                Err(RecvError::Lagged(_)) => {
                    let j = live.resync();
                    feed = j.feed;
                    watching(&live, j.screen, j.cols, j.rows)
                }
                Err(RecvError::Closed) => break None,
            },
            changed = audience.changed() => {
                if changed.is_err() {
                    break None;
                }
                let a = audience.borrow_and_update().clone();
                // no longer shared: the watcher goes, whichever of the two news came first
                if !a.shared {
                    break Some(unshared());
                }
                vec![text(&TerminalEvent::Audience { shared: a.shared, watchers: a.watchers })]
            }
            m = rx.next() => match m {
                // Read-only: keystrokes and requests from a watcher go nowhere.
                Some(Ok(Message::Close(_)) | Err(_)) | None => break None,
                Some(Ok(_)) => {
                    heard = Instant::now();
                    continue;
                }
            },
            _ = ping.tick() => {
                if heard.elapsed() >= silence_limit {
                    break None;
                }
                vec![Message::Ping(Vec::new().into())]
            }
        };
        for m in out {
            if !matches!(
                tokio::time::timeout(SEND_WAIT, tx.send(m)).await,
                Ok(Ok(()))
            ) {
                return;
            }
        }
    };
    drop(guard);
    let _ = tokio::time::timeout(SEND_WAIT, async {
        if let Some(event) = ending {
            let _ = tx.send(text(&event)).await;
        }
        let _ = tx
            .send(Message::Close(Some(CloseFrame {
                code: 1000,
                reason: "".into(),
            })))
            .await;
    })
    .await;
}
