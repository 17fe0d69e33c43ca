//! The server's scheduler: one task that, for every enabled suite with a schedule, asks the
//! schedule what is due, fires it through the run manager (the runs are the server's like any
//! other, followed over the WebSocket, kept in the history, tagged with the suite), and records
//! the fire in the store before it sleeps until the next due time or a change of the suites. A
//! suite whose runs are still going is skipped, and the skip recorded; after downtime one fire
//! stands for every due time missed. A fire that cannot start (targets unreadable, a profile
//! missing, too many runs) is recorded as failed and never stops the others.

use crate::schedule::{Due, GRACE_MS, Schedule};
use crate::spec::{RunSpec, Suite};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, broadcast};
use wirescope_probe::{ProbeResult, Target, TargetList};
use wirescope_runs::Manager;
use wirescope_runs::engine::{ProbeOptions, RunRequest};
use wirescope_store::{FireOutcome, Origin, Store, SuiteRecord, now_ms};

/// Fills in what a run needs from outside its suite (the secrets of its credential profiles)
/// before it starts; the error says what is missing.
pub type Prepare = Arc<
    dyn Fn(RunRequest) -> Pin<Box<dyn Future<Output = Result<RunRequest, String>> + Send>>
        + Send
        + Sync,
>;

/// The longest the scheduler sleeps without looking again (suites may be edited by another
/// process sharing the database, and ended runs wait to be taken into the trends).
const RECHECK: Duration = Duration::from_secs(5);
const PRUNE_EVERY_MS: i64 = 3_600_000;

/// How long trends are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Samples (the 3-hour view draws every one) and their 5-minute rollups (the day view):
    /// 8 days by default.
    pub samples: Duration,
    /// Hourly rollups (the week and month views): 400 days by default.
    pub rollups: Duration,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            samples: Duration::from_secs(8 * 86_400),
            rollups: Duration::from_secs(400 * 86_400),
        }
    }
}

/// What a fire did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fired {
    pub outcome: FireOutcome,
    pub runs: Vec<i64>,
    pub note: Option<String>,
}

/// Fires suites: on their schedules (`run`), or on demand (`fire_now`).
pub struct Scheduler {
    store: Arc<Store>,
    runs: Arc<Manager>,
    prepare: Prepare,
    max_targets: u64,
    retention: Retention,
    changed: Notify,
    /// When trends were last pruned (ms).
    pruned: std::sync::Mutex<i64>,
    /// The ids of alert events as they are raised.
    events: broadcast::Sender<i64>,
}

impl std::fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduler")
            .field("max_targets", &self.max_targets)
            .finish_non_exhaustive()
    }
}

impl Scheduler {
    pub fn new(
        store: Arc<Store>,
        runs: Arc<Manager>,
        prepare: Prepare,
        max_targets: u64,
        retention: Retention,
    ) -> Self {
        Scheduler {
            store,
            runs,
            prepare,
            max_targets,
            retention,
            changed: Notify::new(),
            pruned: std::sync::Mutex::new(0),
            events: broadcast::channel(1024).0,
        }
    }

    /// Alert event ids as they are raised (a receiver that falls behind misses some: the
    /// store has them all).
    pub fn events(&self) -> broadcast::Receiver<i64> {
        self.events.subscribe()
    }

    /// Announces an event raised elsewhere (a trap rule's) to the same listeners.
    pub fn announce(&self, id: i64) {
        let _ = self.events.send(id);
    }

    /// Tells the loop the suites changed (added, edited, enabled): it looks again at once.
    pub fn suites_changed(&self) {
        self.changed.notify_one();
    }

    /// Fires due suites, for as long as the server runs.
    pub async fn run(self: Arc<Self>) {
        loop {
            let next = self.turn(now_ms()).await;
            let wait = next
                .map(|at| Duration::from_millis((at - now_ms()).max(0) as u64))
                .unwrap_or(RECHECK)
                .min(RECHECK);
            tokio::select! {
                _ = self.changed.notified() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// Takes the results of suite runs that ended into the trends and alerts (announcing the
    /// events raised), and prunes what is past its retention (at most once an hour).
    async fn trends(&self, now: i64) {
        let store = self.store.clone();
        let keep = |d: Duration| now - i64::try_from(d.as_millis()).unwrap_or(i64::MAX).min(now);
        let (samples_before, rollups_before) =
            (keep(self.retention.samples), keep(self.retention.rollups));
        let prune = {
            let mut last = self.pruned.lock().unwrap_or_else(|p| p.into_inner());
            let due = now - *last >= PRUNE_EVERY_MS;
            if due {
                *last = now;
            }
            due
        };
        let done = tokio::task::spawn_blocking(move || {
            let events = crate::take::take_runs(&store)?;
            if prune {
                store.prune_trends(samples_before, rollups_before)?;
            }
            Ok::<_, wirescope_store::StoreError>(events)
        })
        .await;
        match done {
            Ok(Ok(events)) => {
                for id in events {
                    // Nobody listening is fine: the events are in the store.
                    let _ = self.events.send(id);
                }
            }
            Ok(Err(e)) => eprintln!("wirescope: scheduler: trends and alerts: {e}"),
            Err(e) => eprintln!("wirescope: scheduler: trends and alerts: {e}"),
        }
    }

    /// One look at every suite: fires what is due at `now`, then takes ended runs into the
    /// trends and alerts (after: taking a big run must not make a fire late); returns the
    /// earliest due time ahead.
    async fn turn(&self, now: i64) -> Option<i64> {
        let earliest = self.fire_due(now).await;
        self.trends(now_ms()).await;
        earliest
    }

    /// Fires what is due at `now`; returns the earliest due time ahead.
    async fn fire_due(&self, now: i64) -> Option<i64> {
        let suites = match self.store.suites() {
            Ok(s) => s,
            Err(e) => {
                eprintln!("wirescope: scheduler: cannot read the suites: {e}");
                return None;
            }
        };
        let mut earliest: Option<i64> = None;
        for rec in suites.iter().filter(|s| s.enabled) {
            let Ok(suite) =
                Suite::from_value(serde_json::from_str(rec.spec.get()).unwrap_or_default())
            else {
                continue;
            };
            let Some(Ok(schedule)) = suite.schedule.as_ref().map(Schedule::new) else {
                continue;
            };
            match schedule.due(rec.last_due, rec.created_at, now) {
                Due::Never => {}
                Due::At(at) => earliest = Some(earliest.map_or(at, |e| e.min(at))),
                Due::Now {
                    due,
                    missed,
                    late_ms,
                } => {
                    // Several servers on one database: the one that claims the due time fires.
                    if !self
                        .store
                        .claim_due(rec.id, rec.last_due, due)
                        .unwrap_or(false)
                    {
                        continue;
                    }
                    let fired = if self.store.suite_busy(rec.id).unwrap_or(false) {
                        Fired {
                            outcome: FireOutcome::Skipped,
                            runs: Vec::new(),
                            note: Some("its runs from before were still going".into()),
                        }
                    } else {
                        let mut fired = self.fire(rec, &suite, schedule.spread_at(due)).await;
                        if fired.outcome == FireOutcome::Started
                            && (missed > 1 || late_ms > GRACE_MS)
                        {
                            fired.outcome = FireOutcome::CaughtUp;
                            let what = if missed == 1 {
                                format!("{} s late", late_ms / 1000)
                            } else {
                                format!("one fire for {missed} due times missed")
                            };
                            fired.note = Some(match fired.note {
                                Some(n) => format!("{what}; {n}"),
                                None => what,
                            });
                        }
                        fired
                    };
                    self.record(rec.id, Some(due), &fired);
                    if let Some(at) = schedule.next_after(due) {
                        earliest = Some(earliest.map_or(at, |e| e.min(at)));
                    }
                }
            }
        }
        earliest
    }

    /// Fires a suite now, whatever its schedule, and records it.
    pub async fn fire_now(&self, rec: &SuiteRecord) -> Fired {
        let fired =
            match Suite::from_value(serde_json::from_str(rec.spec.get()).unwrap_or_default()) {
                Ok(suite) => self.fire(rec, &suite, Duration::ZERO).await,
                Err(e) => Fired {
                    outcome: FireOutcome::Failed,
                    runs: Vec::new(),
                    note: Some(format!("the stored suite is not valid: {e}")),
                },
            };
        self.record(rec.id, None, &fired);
        fired
    }

    fn record(&self, suite_id: i64, due: Option<i64>, fired: &Fired) {
        if let Err(e) = self.store.record_fire(
            suite_id,
            due,
            fired.outcome,
            &fired.runs,
            fired.note.as_deref(),
        ) {
            eprintln!("wirescope: scheduler: cannot record a fire of suite {suite_id}: {e}");
        }
    }

    /// Starts every run of the suite, its probes spread over `spread`; each run that cannot
    /// start is named in the note.
    async fn fire(&self, rec: &SuiteRecord, suite: &Suite, spread: Duration) -> Fired {
        let mut runs = Vec::new();
        let mut problems = Vec::new();
        for (i, spec) in suite.runs.iter().enumerate() {
            match self.start(rec.id, i, spec, spread).await {
                Ok(ids) => runs.extend(ids),
                Err(e) => problems.push(format!("runs[{i}] ({}): {e}", spec.kind)),
            }
        }
        Fired {
            outcome: if runs.is_empty() {
                FireOutcome::Failed
            } else {
                FireOutcome::Started
            },
            runs,
            note: (!problems.is_empty()).then(|| problems.join("; ")),
        }
    }

    async fn start(
        &self,
        suite_id: i64,
        index: usize,
        spec: &RunSpec,
        spread: Duration,
    ) -> Result<Vec<i64>, String> {
        let mut probe = spec.probe().map_err(|e| e.to_string())?;
        let (targets, text) = {
            let (store, spec, max) = (self.store.clone(), spec.clone(), self.max_targets);
            tokio::task::spawn_blocking(move || targets_of(&store, &spec, max))
                .await
                .map_err(|e| e.to_string())??
        };
        pace(&mut probe, targets.len(), spread);
        let req = RunRequest {
            targets,
            probe,
            net: spec.net.clone(),
        };
        let req = (self.prepare)(req).await?;
        let (runs, sites) = (self.runs.clone(), spec.sites.clone());
        let origin = Origin::suite(suite_id, index);
        let started = tokio::task::spawn_blocking(move || {
            runs.start_from(req, &text, origin, &sites)
                .map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| e.to_string())??;
        Ok(started.into_iter().map(|s| s.id).collect())
    }
}

/// Paces a run so its probes spread over `spread`: its rate (per second) becomes what sends
/// them all in that time, unless its own rate is lower already. Ping counts its echoes, trace
/// its probes per hop and TTL, DNS its questions, scan its ports; SNMP and SSH runs are bounded
/// by their concurrency instead. A zero spread leaves the run as it is.
pub fn pace(probe: &mut ProbeOptions, targets: usize, spread: Duration) {
    if spread.is_zero() || targets == 0 {
        return;
    }
    let (probes, rate) = match probe {
        ProbeOptions::Ping(o) => (u64::from(o.count), &mut o.rate),
        ProbeOptions::Trace(o) => (
            u64::from(o.max_hops.saturating_sub(o.first_hop) + 1) * u64::from(o.queries),
            &mut o.rate,
        ),
        ProbeOptions::Dns(o) => (o.types.len().max(1) as u64, &mut o.rate),
        ProbeOptions::Scan(o) => (o.port_list().map_or(1, |p| p.len()) as u64, &mut o.rate),
        ProbeOptions::Snmp(_) | ProbeOptions::Ssh(_) => return,
    };
    let total = probes.saturating_mul(targets as u64);
    let fits = (total as f64 / spread.as_secs_f64())
        .ceil()
        .clamp(1.0, u32::MAX as f64) as u32;
    if *rate == 0 || *rate > fits {
        *rate = fits;
    }
}

/// A run's targets and their text, read now: inline, from its file, or from a topology run's
/// devices.
pub fn targets_of(
    store: &Store,
    spec: &RunSpec,
    max: u64,
) -> Result<(Vec<Target>, String), String> {
    let text = if let Some(text) = &spec.targets {
        text.clone()
    } else if let Some(path) = &spec.targets_file {
        let mut list = TargetList::new();
        list.add_file(&path.to_string_lossy())
            .map_err(|e| e.to_string())?;
        let targets = list.expand(max).map_err(|e| e.to_string())?;
        let text = targets
            .iter()
            .map(|t| t.spec.clone())
            .collect::<Vec<_>>()
            .join("\n");
        return Ok((targets, text));
    } else if let Some(run) = spec.topology_run {
        let (_, results) = wirescope_runs::export::load(store, run).map_err(|e| e.to_string())?;
        let addrs: Vec<String> = results
            .iter()
            .filter_map(|r| match r {
                ProbeResult::Snmp(s) if s.device.is_some() => s.addr.map(|a| a.to_string()),
                _ => None,
            })
            .collect();
        if addrs.is_empty() {
            return Err(format!(
                "topology run {run} found no devices with an address"
            ));
        }
        addrs.join("\n")
    } else {
        return Err("no targets".into());
    };
    let mut list = TargetList::new();
    list.add_text_named(&text, "targets")
        .map_err(|e| e.to_string())?;
    let targets = list.expand(max).map_err(|e| e.to_string())?;
    Ok((targets, text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wirescope_probe::dns::DnsOptions;
    use wirescope_probe::ping::PingOptions;
    use wirescope_probe::scan::ScanOptions;
    use wirescope_probe::trace::TraceOptions;

    fn rate_of(mut probe: ProbeOptions, targets: usize, spread_s: u64) -> u32 {
        pace(&mut probe, targets, Duration::from_secs(spread_s));
        match probe {
            ProbeOptions::Ping(o) => o.rate,
            ProbeOptions::Trace(o) => o.rate,
            ProbeOptions::Dns(o) => o.rate,
            ProbeOptions::Scan(o) => o.rate,
            _ => u32::MAX,
        }
    }

    #[test]
    fn probes_are_spread_over_the_window_unless_already_slower() {
        // 10,000 targets, 3 echoes each, over 30 s: 1,000 per second (the default is 10,000).
        let ping = PingOptions {
            count: 3,
            ..Default::default()
        };
        assert_eq!(rate_of(ProbeOptions::Ping(ping.clone()), 10_000, 30), 1_000);
        // A run already slower keeps its rate.
        let slow = PingOptions { rate: 50, ..ping };
        assert_eq!(rate_of(ProbeOptions::Ping(slow), 10_000, 30), 50);
        // Unlimited DNS: two questions for each of 100 names over 10 s.
        let dns = DnsOptions {
            types: vec!["A".into(), "AAAA".into()],
            ..Default::default()
        };
        assert_eq!(rate_of(ProbeOptions::Dns(dns), 100, 10), 20);
        // A trace probes (30 - 1 + 1) TTLs x 3 queries.
        assert_eq!(
            rate_of(ProbeOptions::Trace(TraceOptions::default()), 10, 9),
            100
        );
        let scan = ScanOptions {
            ports: Some("22,80".into()),
            ..Default::default()
        };
        assert_eq!(rate_of(ProbeOptions::Scan(scan), 5, 1), 10);
        // At least one a second; a zero spread leaves the rate alone.
        assert_eq!(
            rate_of(ProbeOptions::Ping(PingOptions::default()), 1, 60),
            1
        );
        assert_eq!(
            rate_of(ProbeOptions::Ping(PingOptions::default()), 1_000, 0),
            10_000
        );
    }
}
