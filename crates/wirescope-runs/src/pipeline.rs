//! One run's path: started within a deadline, its results stored in batches and then handed
//! to the caller and published to followers, its end recorded with a typed status.

use crate::engine::{Run, RunRequest};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;
use wirescope_probe::{ProbeResult, Summary};
use wirescope_store::{NewRun, Origin, RunStatus, Store, StoreError};

/// Results stored and published together at most.
const BATCH: usize = 256;
/// How long a store write is tried again while the database is away (a PostgreSQL restart)
/// before the run gives up on it.
pub const STORE_RETRY: Duration = Duration::from_secs(30);

/// Runs a store write, again with a growing pause (100 ms to 2 s) while its error is transient,
/// for at most [`STORE_RETRY`]: a database that restarts under a run loses none of it.
async fn stored<T>(mut write: impl FnMut() -> Result<T, StoreError>) -> Result<T, StoreError> {
    let deadline = tokio::time::Instant::now() + STORE_RETRY;
    let mut pause = Duration::from_millis(100);
    loop {
        match write() {
            Err(e) if e.is_transient() && tokio::time::Instant::now() + pause < deadline => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(2));
            }
            other => return other,
        }
    }
}

/// A run whose probe has not opened its sockets by then has failed (and frees its slot).
pub const START_DEADLINE: Duration = Duration::from_secs(30);

/// What followers of a run receive, in order.
#[derive(Debug, Clone)]
pub enum RunEvent {
    /// A result, stored before it was sent; `seq` counts from 0.
    Result { seq: i64, json: Arc<str> },
    /// Results stored so far.
    Progress { done: i64, total: i64 },
    /// The run's status changed; `summary` (JSON) once it ended.
    Status {
        status: RunStatus,
        summary: Option<Arc<str>>,
        error: Option<String>,
    },
}

/// What a run does when its results can no longer be stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnStoreError {
    /// Stop the run: what followers saw must be what the store holds (the server).
    StopRun,
    /// Go on without storing (the CLI, whose printed output is the point).
    StopSaving,
}

/// How a run ended.
#[derive(Debug)]
pub struct Ended {
    pub status: RunStatus,
    /// The engine's summary, when it finished or was cancelled.
    pub summary: Option<Summary>,
    /// Why it failed.
    pub error: Option<String>,
    /// Why storing stopped, when it did.
    pub store_error: Option<String>,
}

/// One run's pipeline.
pub struct Pipeline {
    /// The store and the run's id there, while results are being stored.
    store: Option<(Arc<Store>, i64)>,
    on_store_error: OnStoreError,
    store_error: Option<String>,
    events: Option<broadcast::Sender<RunEvent>>,
    seq: i64,
    total: i64,
    /// Called once the end is stored, before it is published.
    on_end: Option<Box<dyn FnOnce() + Send>>,
    observer: Option<(Arc<dyn crate::manager::Observer>, crate::manager::RunInfo)>,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("id", &self.id())
            .field("on_store_error", &self.on_store_error)
            .field("store_error", &self.store_error)
            .field("seq", &self.seq)
            .field("total", &self.total)
            .finish_non_exhaustive()
    }
}

impl Pipeline {
    /// A run that is not stored (the CLI without `--save`).
    pub fn unrecorded(req: &RunRequest) -> Self {
        Pipeline {
            store: None,
            on_store_error: OnStoreError::StopSaving,
            store_error: None,
            events: None,
            seq: 0,
            total: req.total() as i64,
            on_end: None,
            observer: None,
        }
    }

    /// A run recorded in `store` as queued, and its id there.
    pub fn record(
        store: Arc<Store>,
        req: &RunRequest,
        targets_text: &str,
        origin: Origin,
        on_store_error: OnStoreError,
    ) -> Result<(Self, i64), StoreError> {
        let options = req.probe.options_json();
        let net = serde_json::to_string(&req.net)?;
        let total = req.total() as i64;
        let id = store.create_run(&NewRun {
            kind: req.probe.kind(),
            targets_text,
            options: &options,
            net: &net,
            total,
            origin,
            site: None,
        })?;
        Ok((Self::recorded(store, id, req, on_store_error), id))
    }

    /// The pipeline of run `id`, already stored queued (one of a batch asked from several
    /// sites, this server among them).
    pub fn recorded(
        store: Arc<Store>,
        id: i64,
        req: &RunRequest,
        on_store_error: OnStoreError,
    ) -> Self {
        Pipeline {
            store: Some((store, id)),
            on_store_error,
            store_error: None,
            events: None,
            seq: 0,
            total: req.total() as i64,
            on_end: None,
            observer: None,
        }
    }

    /// Publishes the run's events to `events` as well.
    pub fn publish_to(mut self, events: broadcast::Sender<RunEvent>) -> Self {
        self.events = Some(events);
        self
    }

    /// Calls `f` once the run's end is stored, before it is published (the server takes the
    /// run out of its live set there, so a follower that sees the end finds it in the store).
    pub fn on_end(mut self, f: impl FnOnce() + Send + 'static) -> Self {
        self.on_end = Some(Box::new(f));
        self
    }

    /// Tells `observer` of the run's results and its end.
    pub fn observed_by(
        mut self,
        observer: Arc<dyn crate::manager::Observer>,
        info: crate::manager::RunInfo,
    ) -> Self {
        self.observer = Some((observer, info));
        self
    }

    /// The run's id in the store, when it is recorded.
    pub fn id(&self) -> Option<i64> {
        self.store.as_ref().map(|(_, id)| *id)
    }

    fn publish(&self, event: RunEvent) {
        if let Some(tx) = &self.events {
            // No follower is fine: they read the store when they come.
            let _ = tx.send(event);
        }
    }

    /// Starts the run on the engine. A start that neither succeeds nor fails within
    /// `deadline`, or that is cancelled first, fails the run (recorded and published), so a
    /// blocked namespace or interface never holds a slot.
    pub async fn start(
        &mut self,
        mut req: RunRequest,
        cancel: &CancellationToken,
        deadline: Duration,
    ) -> Result<Run, Ended> {
        if let Some((store, _)) = &self.store {
            crate::configs::hint_platforms(store, &mut req);
        }
        let start = crate::engine::start(req, cancel.clone());
        match start_within(start, cancel, deadline).await {
            Ok(run) => {
                let running = match &self.store {
                    Some((store, id)) => stored(|| store.set_running(*id))
                        .await
                        .map_err(|e| e.to_string()),
                    None => Ok(()),
                };
                if let Err(e) = running {
                    self.store_failed(e, cancel);
                }
                self.publish(RunEvent::Status {
                    status: RunStatus::Running,
                    summary: None,
                    error: None,
                });
                Ok(run)
            }
            Err(Stopped::Cancelled) => Err(self.end(RunStatus::Cancelled, None, None).await),
            Err(Stopped::Failed(m)) => Err(self.end(RunStatus::Failed, None, Some(m)).await),
        }
    }

    fn store_failed(&mut self, error: String, cancel: &CancellationToken) {
        self.store_error = Some(error);
        if self.on_store_error == OnStoreError::StopRun {
            cancel.cancel();
        }
    }

    /// Takes the run's results as they come, in batches of what is waiting (up to 256): each
    /// batch is stored in one transaction, then handed to `each`, then published with the
    /// progress.
    pub async fn drive(
        &mut self,
        run: &mut Run,
        cancel: &CancellationToken,
        mut each: impl FnMut(&[ProbeResult]),
    ) {
        while let Some(first) = run.next().await {
            let mut batch = vec![first];
            while batch.len() < BATCH {
                match run.try_next() {
                    Some(r) => batch.push(r),
                    None => break,
                }
            }
            // Backups become versions before their results are stored (which then say so);
            // what devices say of themselves over SNMP is remembered.
            if self.store_error.is_none()
                && let Some((store, id)) = &self.store
            {
                let mut facts = Vec::new();
                let kept = batch
                    .iter_mut()
                    .try_for_each(|r| match r {
                        ProbeResult::Ssh(s) => crate::configs::keep(store, *id, s),
                        ProbeResult::Snmp(s) => {
                            crate::configs::facts(s, &mut facts);
                            Ok(())
                        }
                        _ => Ok(()),
                    })
                    .and_then(|()| store.note_devices(&facts));
                if let Err(e) = kept {
                    self.store_failed(format!("keeping configurations failed: {e}"), cancel);
                    if self.on_store_error == OnStoreError::StopRun {
                        break;
                    }
                }
            }
            // JSON only when something keeps or follows the run (the CLI without --save prints
            // the results itself).
            let storing = self.store.is_some() && self.store_error.is_none();
            let texts: Vec<(String, String)> = if storing || self.events.is_some() {
                batch
                    .iter()
                    .map(|r| (r.target().to_string(), to_json(r)))
                    .collect()
            } else {
                Vec::new()
            };
            if storing && let Some((store, id)) = &self.store {
                let rows: Vec<(&str, &str)> = texts
                    .iter()
                    .map(|(t, d)| (t.as_str(), d.as_str()))
                    .collect();
                // Stored first: whatever a follower sees survives a crash.
                if let Err(e) = stored(|| store.append_results(*id, self.seq, &rows)).await {
                    self.store_failed(format!("storing results failed: {e}"), cancel);
                    if self.on_store_error == OnStoreError::StopRun {
                        break;
                    }
                }
            }
            each(&batch);
            if let Some((observer, info)) = &self.observer {
                observer.results(info, &batch);
            }
            if self.events.is_some() {
                for (_, json) in texts {
                    self.publish(RunEvent::Result {
                        seq: self.seq,
                        json: json.into(),
                    });
                    self.seq += 1;
                }
            } else {
                self.seq += batch.len() as i64;
            }
            self.publish(RunEvent::Progress {
                done: self.seq,
                total: self.total,
            });
        }
    }

    /// Waits for the engine to finish and records how the run ended: failed when the engine
    /// failed (or storing did, for a run that stops then), else cancelled or finished.
    pub async fn finish(mut self, run: Run) -> Ended {
        let outcome = run.finish().await;
        let stopped = match self.on_store_error {
            OnStoreError::StopRun => self.store_error.clone(),
            OnStoreError::StopSaving => None,
        };
        match (outcome, stopped) {
            (_, Some(e)) => self.end(RunStatus::Failed, None, Some(e)).await,
            (Err(e), None) => self.end(RunStatus::Failed, None, Some(e.to_string())).await,
            (Ok(s), None) => {
                let status = if s.cancelled {
                    RunStatus::Cancelled
                } else {
                    RunStatus::Finished
                };
                self.end(status, Some(s), None).await
            }
        }
    }

    /// Records the end in the store and publishes it.
    async fn end(
        &mut self,
        status: RunStatus,
        summary: Option<Summary>,
        error: Option<String>,
    ) -> Ended {
        let summary_json = summary.as_ref().and_then(|s| serde_json::to_string(s).ok());
        if let Some((store, id)) = &self.store
            && let Err(e) = stored(|| {
                store.set_finished(*id, status, summary_json.as_deref(), error.as_deref())
            })
            .await
        {
            self.store_error.get_or_insert(e.to_string());
        }
        if let Some(f) = self.on_end.take() {
            f();
        }
        if let Some((observer, info)) = &self.observer {
            observer.ended(info, status);
        }
        self.publish(RunEvent::Status {
            status,
            summary: summary_json.map(Into::into),
            error: error.clone(),
        });
        Ended {
            status,
            summary,
            error,
            store_error: self.store_error.take(),
        }
    }
}

fn to_json(r: &ProbeResult) -> String {
    serde_json::to_string(r).unwrap_or_else(|e| {
        serde_json::json!({"kind": "error", "target": r.target(), "error": e.to_string()})
            .to_string()
    })
}

/// Why a run never started.
#[derive(Debug, PartialEq, Eq)]
enum Stopped {
    Cancelled,
    Failed(String),
}

/// Waits for a run's start, giving up at once when it is cancelled and at the deadline.
async fn start_within<T, E: std::fmt::Display>(
    start: impl std::future::Future<Output = Result<T, E>>,
    cancel: &CancellationToken,
    deadline: Duration,
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

#[cfg(test)]
mod tests {
    use super::*;

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
