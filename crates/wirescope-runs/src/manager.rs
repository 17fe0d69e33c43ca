//! The runs a server has in progress: each is recorded, started and driven through its own
//! `Pipeline` in a task, its events on a broadcast channel that followers subscribe to (a slow
//! follower lags and catches up from the store; it never slows the run).

use crate::engine::RunRequest;
use crate::pipeline::{OnStoreError, Pipeline, RunEvent, START_DEADLINE};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;
use wirescope_store::{Origin, Store, StoreError};

/// Why a run was not started.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("too many runs in progress (limit {limit}); wait for one to finish or cancel one")]
    TooMany { limit: usize },
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug)]
struct Live {
    cancel: CancellationToken,
    events: broadcast::Sender<RunEvent>,
}

/// The runs in progress.
#[derive(Debug)]
pub struct Manager {
    store: Arc<Store>,
    live: Mutex<HashMap<i64, Live>>,
    max_runs: usize,
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

    /// Records the run and starts it; returns its id.
    pub fn start(
        self: &Arc<Self>,
        req: RunRequest,
        targets_text: &str,
        origin: impl Into<Origin>,
    ) -> Result<i64, RunError> {
        let mut live = self.live();
        if live.len() >= self.max_runs {
            return Err(RunError::TooMany {
                limit: self.max_runs,
            });
        }
        let (events, _) = broadcast::channel(4096);
        let (pipeline, id) = Pipeline::record(
            self.store.clone(),
            &req,
            targets_text,
            origin.into(),
            OnStoreError::StopRun,
        )?;
        let manager = Arc::clone(self);
        // Out of the live set before the last event: a follower that sees the end and looks
        // again finds the run ended in the store.
        let pipeline = pipeline.publish_to(events.clone()).on_end(move || {
            manager.live().remove(&id);
        });
        let cancel = CancellationToken::new();
        live.insert(
            id,
            Live {
                cancel: cancel.clone(),
                events,
            },
        );
        drop(live);
        tokio::spawn(drive(pipeline, req, cancel));
        Ok(id)
    }

    /// Subscribes to a live run's events; `None` when the run is not in progress.
    pub fn subscribe(&self, id: i64) -> Option<broadcast::Receiver<RunEvent>> {
        self.live().get(&id).map(|l| l.events.subscribe())
    }

    /// Cancels a run in progress; false when it is not in progress.
    pub fn cancel(&self, id: i64) -> bool {
        self.live().get(&id).map(|l| l.cancel.cancel()).is_some()
    }
}

/// One server run from start to end (its end is stored and published by the pipeline).
async fn drive(mut pipeline: Pipeline, req: RunRequest, cancel: CancellationToken) {
    if let Ok(mut run) = pipeline.start(req, &cancel, START_DEADLINE).await {
        pipeline.drive(&mut run, &cancel, |_| {}).await;
        pipeline.finish(run).await;
    }
}
