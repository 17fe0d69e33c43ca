//! Taking an ended suite run: its results become trend samples and its targets' histories
//! (each distinct path, set of open ports, DNS answer, and when), and each of its suite's alert
//! rules that reads the run steps its state for every target, with the suite's maintenance
//! windows and parents deciding who may be told. A run an agent made from a site names its
//! targets `TARGET@SITE`, so each vantage point has its own trends and alerts. Everything a run leaves is written in one
//! transaction with the mark that it was taken (the store's `take_run`), so each run is
//! evaluated exactly once, across restarts.

use crate::alert::machine::{RuleState, step, title};
use crate::alert::observe::{Baseline, down, observe, shown};
use crate::alert::{AlertRule, DEFAULT_BASELINE, Preset, Windows, down_ancestor};
use crate::spec::Suite;
use std::collections::{HashMap, HashSet};
use wirescope_probe::{ProbeKind, ProbeResult};
use wirescope_store::{AlertWrite, NewEvent, RunToTake, Store, StoreError};

/// Runs taken per pass, at most.
const PER_PASS: i64 = 100;

/// Takes the suite runs that ended since the last pass; returns the ids of the events raised.
pub fn take_runs(store: &Store) -> Result<Vec<i64>, StoreError> {
    let mut events = Vec::new();
    let mut suites: HashMap<i64, Option<(Suite, String)>> = HashMap::new();
    for run in store.runs_to_trend(PER_PASS)? {
        let suite = match suites.get(&run.suite_id) {
            Some(s) => s.clone(),
            None => {
                let s = store.suite_by_id(run.suite_id)?.and_then(|rec| {
                    let spec = serde_json::from_str(rec.spec.get()).ok()?;
                    Suite::from_value(spec).ok().map(|s| (s, rec.name))
                });
                suites.insert(run.suite_id, s.clone());
                s
            }
        };
        events.extend(take(store, &run, suite.as_ref().map(|(s, _)| s))?);
    }
    Ok(events)
}

/// State keys carry the run's index, so two runs of a suite probing one target keep apart.
fn state_key(index: Option<i64>, target: &str) -> String {
    format!("{}:{target}", index.unwrap_or(-1))
}

fn take(store: &Store, run: &RunToTake, suite: Option<&Suite>) -> Result<Vec<i64>, StoreError> {
    let mut results: Vec<ProbeResult> = store
        .results(run.run, 0)?
        .iter()
        .filter_map(|(_, raw)| serde_json::from_str(raw.get()).ok())
        .collect();
    // A run from a site is that site's view: its series, states and alerts are its own.
    if let Some(site) = &run.site {
        for r in &mut results {
            r.seen_from(site);
        }
    }
    let samples: Vec<_> = results
        .iter()
        .filter_map(|r| crate::trend::sample_of(r, run.started))
        .collect();
    let mut write = match (suite, run.kind.parse::<ProbeKind>()) {
        (Some(suite), Ok(kind)) if !suite.alerts.is_empty() => {
            evaluate(store, run, suite, kind, &results)?
        }
        _ => AlertWrite::default(),
    };
    write.seen = results
        .iter()
        .filter_map(|r| Some((r.key(), serde_json::to_string(&shown(r)?).ok()?)))
        .collect();
    store.take_run(run.run, run.suite_id, &run.kind, &samples, &write)
}

fn evaluate(
    store: &Store,
    run: &RunToTake,
    suite: &Suite,
    kind: ProbeKind,
    results: &[ProbeResult],
) -> Result<AlertWrite, StoreError> {
    let index = run.suite_run.and_then(|i| usize::try_from(i).ok());
    let rules: Vec<&AlertRule> = suite
        .alerts
        .iter()
        .filter(|r| r.reads(index, kind))
        .collect();
    if rules.is_empty() {
        return Ok(AlertWrite::default());
    }
    let mut states: HashMap<(String, String), RuleState> = HashMap::new();
    let mut firing_down: HashSet<String> = HashSet::new();
    let down_rules: HashSet<&str> = suite
        .alerts
        .iter()
        .filter(|r| r.preset == Preset::Down)
        .map(AlertRule::name)
        .collect();
    for (rule, key, json) in store.alert_states(run.suite_id)? {
        let Ok(state) = serde_json::from_str::<RuleState>(&json) else {
            continue;
        };
        if down_rules.contains(rule.as_str()) && state.firing_since.is_some() {
            let target = key.split_once(':').map_or(key.as_str(), |(_, t)| t);
            firing_down.insert(target.to_string());
        }
        states.insert((rule, key), state);
    }
    let down_now: HashSet<String> = results
        .iter()
        .filter(|r| down(r).is_some())
        .map(ProbeResult::key)
        .collect();
    let is_down = |t: &str| down_now.contains(t) || firing_down.contains(t);
    let maintenance = Windows::new(&suite.maintenance)
        .unwrap_or_default()
        .open_at(run.started);
    let mut write = AlertWrite::default();
    for rule in rules {
        let ignore = (rule.preset == Preset::OutputChanged)
            .then(|| rule.ignore_set().ok())
            .flatten();
        for result in results {
            let target = result.key();
            if !rule.covers(&target) {
                continue;
            }
            let key = state_key(run.suite_run, &target);
            let before = states
                .remove(&(rule.name().to_string(), key.clone()))
                .unwrap_or_default();
            let baseline = if rule.preset == Preset::LatencyUp {
                let window = rule.baseline.unwrap_or(DEFAULT_BASELINE).as_millis() as i64;
                Baseline::of(&store.medians(
                    run.suite_id,
                    kind.as_str(),
                    &target,
                    run.started - window,
                    run.started,
                )?)
            } else {
                Baseline::default()
            };
            let obs = observe(
                rule,
                result,
                before.reference.as_ref(),
                &baseline,
                ignore.as_ref(),
            );
            let silence = if maintenance {
                Some("maintenance".to_string())
            } else {
                down_ancestor(&suite.parents, &target, is_down).map(|p| format!("parent {p} down"))
            };
            let (after, raised) = step(rule, before.clone(), obs, run.started, silence.as_deref());
            if after != before {
                write.states.push((
                    rule.name().to_string(),
                    key,
                    Some(serde_json::to_string(&after)?),
                ));
            }
            if let Some(e) = raised {
                write.events.push(NewEvent {
                    rule: rule.name().to_string(),
                    preset: rule.preset.as_str().to_string(),
                    target: target.clone(),
                    kind: e.kind,
                    at: run.started,
                    summary: format!("{}: {}", title(rule.preset, e.kind), e.summary),
                    evidence: serde_json::to_string(&e.evidence)?,
                    channels: if e.silenced.is_none() {
                        rule.notify.clone()
                    } else {
                        Vec::new()
                    },
                    silenced: e.silenced,
                });
            }
        }
    }
    Ok(write)
}
