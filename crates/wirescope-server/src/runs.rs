//! Runs in progress: each one drives the probe engine, stores every result before it is
//! published, and fans it out to WebSocket subscribers through a per-run broadcast channel (a
//! slow subscriber lags and catches up from the store; it never slows the run).

use crate::error::ApiError;
use crate::ws::{ServerMessage, result_text};
use axum::http::StatusCode;
use serde_json::json;
use serde_json::value::RawValue;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;
use wirescope_probe::{ProbeResult, RunRequest};
use wirescope_store::{NewRun, RunStatus, Source, Store};

/// A message for subscribers of one run: the JSON text sent as is, and for results their sequence number.
#[derive(Debug, Clone)]
pub struct Event {
    pub seq: Option<i64>,
    pub text: Arc<str>,
}

#[derive(Debug)]
struct Live {
    cancel: CancellationToken,
    events: broadcast::Sender<Event>,
}

/// The runs in progress.
#[derive(Debug)]
pub struct Manager {
    store: Arc<Store>,
    live: Mutex<HashMap<i64, Live>>,
    max_runs: usize,
}

/// Results stored and published together at most.
const BATCH: usize = 256;

/// A run whose probe has not opened its sockets by then has failed (and frees its slot).
const START_DEADLINE: std::time::Duration = std::time::Duration::from_secs(30);

/// Why a run never started.
#[derive(Debug, PartialEq, Eq)]
enum Stopped {
    Cancelled,
    Failed(String),
}

/// Waits for a run's start, giving up at once when it is cancelled and at the deadline: a start
/// that blocks must not hold a run slot forever.
async fn start_within<T, E: std::fmt::Display>(
    start: impl std::future::Future<Output = Result<T, E>>,
    cancel: &CancellationToken,
    deadline: std::time::Duration,
) -> Result<T, Stopped> {
    tokio::select! {
        biased;
        r = start => r.map_err(|e| Stopped::Failed(e.to_string())),
        () = cancel.cancelled() => Err(Stopped::Cancelled),
        () = tokio::time::sleep(deadline) => Err(Stopped::Failed(format!(
            "the run did not start within {} s (its namespace, interface or sockets did not \
             open)",
            deadline.as_secs()
        ))),
    }
}

impl Manager {
    pub fn new(store: Arc<Store>, max_runs: usize) -> Self {
        Manager {
            store,
            live: Mutex::new(HashMap::new()),
            max_runs,
        }
    }

    fn live(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Live>> {
        self.live.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Stores the run and starts it; returns its id.
    pub fn start(self: &Arc<Self>, req: RunRequest, targets_text: &str) -> Result<i64, ApiError> {
        let mut live = self.live();
        if live.len() >= self.max_runs {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "too many runs in progress (limit {}); wait for one to finish or cancel one",
                    self.max_runs
                ),
            ));
        }
        let options = req.probe.options_json();
        let net = serde_json::to_string(&req.net).map_err(ApiError::internal)?;
        let kind = req.probe.kind();
        let total = req.total();
        let id = self.store.create_run(&NewRun {
            kind,
            targets_text,
            options: &options,
            net: &net,
            total: total as i64,
            source: Source::Api,
        })?;
        let (events, _) = broadcast::channel(4096);
        let cancel = CancellationToken::new();
        live.insert(
            id,
            Live {
                cancel: cancel.clone(),
                events: events.clone(),
            },
        );
        drop(live);
        let manager = Arc::clone(self);
        tokio::spawn(async move { manager.drive(id, req, total as i64, cancel, events).await });
        Ok(id)
    }

    /// Subscribes to a live run's events; `None` when the run is not in progress.
    pub fn subscribe(&self, id: i64) -> Option<broadcast::Receiver<Event>> {
        self.live().get(&id).map(|l| l.events.subscribe())
    }

    /// Cancels a run in progress; false when it is not in progress.
    pub fn cancel(&self, id: i64) -> bool {
        self.live().get(&id).map(|l| l.cancel.cancel()).is_some()
    }

    pub fn is_live(&self, id: i64) -> bool {
        self.live().contains_key(&id)
    }

    async fn drive(
        &self,
        id: i64,
        req: RunRequest,
        total: i64,
        cancel: CancellationToken,
        events: broadcast::Sender<Event>,
    ) {
        let publish = |text: String, seq: Option<i64>| {
            // No subscriber is fine: they read the store when they come.
            let _ = events.send(Event {
                seq,
                text: text.into(),
            });
        };
        let status = |status: RunStatus, summary: Option<&str>, error: Option<&str>| {
            ServerMessage::Status {
                run: id,
                status,
                summary: summary.and_then(|s| RawValue::from_string(s.into()).ok()),
                error: error.map(str::to_string),
            }
            .text()
        };
        let start = wirescope_probe::start(req, cancel.clone());
        let mut run = match start_within(start, &cancel, START_DEADLINE).await {
            Ok(run) => run,
            Err(stopped) => {
                let (state, msg) = match stopped {
                    Stopped::Cancelled => (RunStatus::Cancelled, None),
                    Stopped::Failed(msg) => (RunStatus::Failed, Some(msg)),
                };
                let _ = self.store.set_finished(id, state, None, msg.as_deref());
                self.live().remove(&id);
                publish(status(state, None, msg.as_deref()), None);
                return;
            }
        };
        if self.store.set_running(id).is_ok() {
            publish(status(RunStatus::Running, None, None), None);
        }
        let mut seq = 0i64;
        let mut failure = None;
        while let Some(first) = run.next().await {
            let mut batch = vec![first];
            while batch.len() < BATCH {
                match run.try_next() {
                    Some(r) => batch.push(r),
                    None => break,
                }
            }
            let texts: Vec<(String, String)> = batch
                .iter()
                .map(|r| (r.target().to_string(), to_json(r)))
                .collect();
            let rows: Vec<(&str, &str)> = texts
                .iter()
                .map(|(t, d)| (t.as_str(), d.as_str()))
                .collect();
            // Stored first: whatever a subscriber sees survives a crash.
            if let Err(e) = self.store.append_results(id, seq, &rows) {
                failure = Some(format!("storing results failed: {e}"));
                cancel.cancel();
                break;
            }
            for (_, data) in &texts {
                publish(result_text(id, seq, data), Some(seq));
                seq += 1;
            }
            publish(
                ServerMessage::Progress {
                    run: id,
                    done: seq,
                    total,
                }
                .text(),
                None,
            );
        }
        let outcome = run.finish().await;
        let (state, summary, error) = match (outcome, failure) {
            (_, Some(f)) => (RunStatus::Failed, None, Some(f)),
            (Err(e), None) => (RunStatus::Failed, None, Some(e.to_string())),
            (Ok(s), None) => (
                if s.cancelled {
                    RunStatus::Cancelled
                } else {
                    RunStatus::Finished
                },
                serde_json::to_string(&s).ok(),
                None,
            ),
        };
        let _ = self
            .store
            .set_finished(id, state, summary.as_deref(), error.as_deref());
        // Removed from the live set before the last event, so a subscriber that sees the final
        // status and re-reads finds the run finished in the store.
        self.live().remove(&id);
        publish(status(state, summary.as_deref(), error.as_deref()), None);
    }
}

fn to_json(r: &ProbeResult) -> String {
    serde_json::to_string(r)
        .unwrap_or_else(|e| json!({"kind": "error", "error": e.to_string()}).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_start_that_blocks_gives_way_to_cancel_and_to_the_deadline() {
        let never = std::future::pending::<Result<(), String>>;
        let cancel = CancellationToken::new();
        let c = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            c.cancel();
        });
        let t = std::time::Instant::now();
        let r = start_within(never(), &cancel, Duration::from_secs(30)).await;
        assert_eq!(r, Err(Stopped::Cancelled));
        assert!(t.elapsed() < Duration::from_secs(5));
        let r = start_within(
            never(),
            &CancellationToken::new(),
            Duration::from_millis(30),
        )
        .await;
        assert!(
            matches!(&r, Err(Stopped::Failed(m)) if m.contains("did not start within")),
            "{r:?}"
        );
        let ok = start_within(
            async { Ok::<_, String>(7) },
            &cancel,
            Duration::from_secs(1),
        );
        assert_eq!(
            ok.await,
            Ok(7),
            "a start already cancelled still takes a ready result"
        );
    }
}
