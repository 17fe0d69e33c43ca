//! The runs a server has in progress: each is recorded, started and driven through its own
//! `Pipeline` in a task, its events on a broadcast channel that followers subscribe to (a slow
//! follower lags and catches up from the store; it never slows the run).

use crate::engine::RunRequest;
use crate::pipeline::{OnStoreError, Pipeline, RunEvent, START_DEADLINE};
use crate::remote::{JobRequest, LOCAL_SITE};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;
use wirescope_store::{NewRun, Origin, Store, StoreError};

/// Why a run was not started.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("too many runs in progress (limit {limit}); wait for one to finish or cancel one")]
    TooMany { limit: usize },
    #[error(
        "no agent probes from site '{0}': add one (wirescope agents add NAME --site {0}), or \
         run from a site that has one, or from 'local' (this server)"
    )]
    UnknownSite(String),
    #[error("site '{0}' is named twice")]
    SiteTwice(String),
    #[error("a run is made from {max} sites at most ({given} given)")]
    TooManySites { given: usize, max: usize },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Sites one run may be asked from at most.
pub const MAX_SITES: usize = 16;
/// Agents of one site that share a run at most.
pub const MAX_PARTS: usize = 16;

/// One of the runs started for a request: where it is made.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[schema(as = StartedRun)]
pub struct Started {
    pub id: i64,
    /// The site whose agent makes it; `null` for this server.
    pub site: Option<String>,
}

#[derive(Debug)]
struct Live {
    cancel: CancellationToken,
    events: broadcast::Sender<RunEvent>,
}

/// Told of every run this server makes as it goes (the server's metrics).
pub trait Observer: Send + Sync {
    /// A batch of results, stored.
    fn results(&self, run: &RunInfo, results: &[wirescope_probe::ProbeResult]);
    /// The run ended so.
    fn ended(&self, run: &RunInfo, status: wirescope_store::RunStatus);
}

/// What an `Observer` is told of a run.
#[derive(Debug, Clone)]
pub struct RunInfo {
    pub kind: wirescope_probe::ProbeKind,
    /// The suite that fired it, if one did.
    pub suite_id: Option<i64>,
}

/// The runs in progress.
pub struct Manager {
    store: Arc<Store>,
    live: Mutex<HashMap<i64, Live>>,
    max_runs: usize,
    observer: std::sync::OnceLock<Arc<dyn Observer>>,
}

impl std::fmt::Debug for Manager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Manager")
            .field("max_runs", &self.max_runs)
            .finish_non_exhaustive()
    }
}

impl Manager {
    pub fn new(store: Arc<Store>, max_runs: usize) -> Self {
        Manager {
            store,
            live: Mutex::new(HashMap::new()),
            max_runs,
            observer: std::sync::OnceLock::new(),
        }
    }

    /// Tells `observer` of every run started from now on (the first observer set stays).
    pub fn observe(&self, observer: Arc<dyn Observer>) {
        let _ = self.observer.set(observer);
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
        let origin = origin.into();
        let mut live = self.live();
        if live.len() >= self.max_runs {
            return Err(RunError::TooMany {
                limit: self.max_runs,
            });
        }
        let (pipeline, id) = Pipeline::record(
            self.store.clone(),
            &req,
            targets_text,
            origin,
            OnStoreError::StopRun,
        )?;
        self.launch(&mut live, pipeline, id, req, origin.suite_id);
        Ok(id)
    }

    /// Starts a run from each of `sites` (none: from this server alone): this server's part
    /// is started here, each other site's is queued as a job for its agents. The runs share a
    /// batch when there are several. Every site is checked before any run is stored.
    pub fn start_from(
        self: &Arc<Self>,
        req: RunRequest,
        targets_text: &str,
        origin: impl Into<Origin>,
        sites: &[String],
    ) -> Result<Vec<Started>, RunError> {
        let origin = origin.into();
        if sites.is_empty() || sites == [LOCAL_SITE] {
            let id = self.start(req, targets_text, origin)?;
            return Ok(vec![Started { id, site: None }]);
        }
        if sites.len() > MAX_SITES {
            return Err(RunError::TooManySites {
                given: sites.len(),
                max: MAX_SITES,
            });
        }
        for (i, site) in sites.iter().enumerate() {
            if sites[..i].contains(site) {
                return Err(RunError::SiteTwice(site.clone()));
            }
            if site != LOCAL_SITE && !self.store.site_known(site)? {
                return Err(RunError::UnknownSite(site.clone()));
            }
        }
        let mut live = self.live();
        let local = sites.iter().any(|s| s == LOCAL_SITE);
        if local && live.len() >= self.max_runs {
            return Err(RunError::TooMany {
                limit: self.max_runs,
            });
        }
        let options = req.probe.options_json();
        let net = serde_json::to_string(&req.net).map_err(StoreError::from)?;
        let new: Vec<NewRun<'_>> = sites
            .iter()
            .map(|site| NewRun {
                kind: req.probe.kind(),
                targets_text,
                options: &options,
                net: &net,
                total: req.total() as i64,
                origin,
                site: (site != LOCAL_SITE).then_some(site.as_str()),
            })
            .collect();
        let ids = self.store.create_batch(&new)?;
        let mut started = Vec::with_capacity(ids.len());
        for (id, site) in ids.into_iter().zip(sites) {
            if site == LOCAL_SITE {
                let pipeline =
                    Pipeline::recorded(self.store.clone(), id, &req, OnStoreError::StopRun);
                self.launch(&mut live, pipeline, id, req.clone(), origin.suite_id);
                started.push(Started { id, site: None });
            } else {
                // Shared among the site's agents connected now, a part each.
                let agents = self.store.agents_online(site)?;
                let jobs = JobRequest::parts(&req, agents.clamp(1, MAX_PARTS as i64) as usize);
                self.store.enqueue_jobs(id, site, &jobs)?;
                started.push(Started {
                    id,
                    site: Some(site.clone()),
                });
            }
        }
        Ok(started)
    }

    fn launch(
        self: &Arc<Self>,
        live: &mut HashMap<i64, Live>,
        pipeline: Pipeline,
        id: i64,
        req: RunRequest,
        suite_id: Option<i64>,
    ) {
        let (events, _) = broadcast::channel(4096);
        let manager = Arc::clone(self);
        // Out of the live set before the last event: a follower that sees the end and looks
        // again finds the run ended in the store.
        let mut pipeline = pipeline.publish_to(events.clone()).on_end(move || {
            manager.live().remove(&id);
        });
        if let Some(observer) = self.observer.get() {
            let info = RunInfo {
                kind: req.probe.kind(),
                suite_id,
            };
            pipeline = pipeline.observed_by(observer.clone(), info);
        }
        let cancel = CancellationToken::new();
        live.insert(
            id,
            Live {
                cancel: cancel.clone(),
                events,
            },
        );
        tokio::spawn(drive(pipeline, req, cancel));
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
