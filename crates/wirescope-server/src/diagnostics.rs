//! Diagnostics on alert: when a scheduled suite's rule fires (or sees a change), the server
//! collects evidence at that moment, as an engineer on call would: a trace to the target, DNS
//! for its name (or its address's PTR), the interface counters of the SNMP agents on the path
//! (fresh, with the credential profiles they were polled with before), and the last seconds of
//! every running capture. The runs are the server's like any other (source `alert`); the
//! bundle (the alert's report with the runs, their data, the capture slices, a manifest) is kept
//! in the store against the event and served by `GET /api/alerts/{id}/diagnostics`.
//!
//! Bounded: two collections at once, one per suite and target every ten minutes, 32 agents
//! polled, 64 MiB per capture slice, 256 MiB per bundle, and only the newest bundles (serve's
//! `--diagnostics-keep`, 2 GiB in all) keep their zip.

use crate::AppState;
use crate::api::parse_id;
use crate::error::ApiError;
use crate::reports::download;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use std::collections::BTreeSet;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Semaphore, broadcast};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wirescope_net::socket::NetOptions;
use wirescope_probe::dns::DnsOptions;
use wirescope_probe::targets::{Host, Target};
use wirescope_probe::trace::TraceOptions;
use wirescope_probe::{ProbeKind, ProbeResult};
use wirescope_report::bundle::{self, Evidence};
use wirescope_runs::engine::{ProbeOptions, RunRequest};
use wirescope_snmp::{SnmpOp, SnmpOptions};
use wirescope_store::{AlertEvent, EventKind, Origin, RunInfo, Source, StoreError, now_ms};

/// Collections under way at once; an alert past it is skipped, and says so.
pub const MAX_COLLECTING: usize = 2;
/// One collection per suite and target in this long (a flapping target raises many events).
pub const EVERY: Duration = Duration::from_secs(600);
/// How long a diagnostic run may take before the bundle is made without it.
const RUN_WAIT: Duration = Duration::from_secs(90);
/// SNMP agents on the path polled at most.
pub const MAX_AGENTS: usize = 32;
/// Bytes of one capture slice at most.
pub const SLICE_BYTES: usize = 64 << 20;
/// Bytes of one bundle at most; a bigger one fails, saying so.
pub const MAX_BUNDLE: usize = 256 << 20;
/// Bytes of all kept bundles at most: past it the oldest zips are pruned first.
pub const KEPT_BYTES: i64 = 2 << 30;
/// Who a diagnostics report is by.
const BY: &str = "wirescope diagnostics";

pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new().routes(routes!(download_bundle))
}

/// The evidence bundle collected when an alert fired (zip): the alert's report with the
/// diagnostic runs (trace, DNS, SNMP interfaces), their results as NDJSON and CSV, the SNMP
/// interface counters of the agents on the path, slices of the running captures, a manifest
/// and SHA256SUMS. The event's `diagnostics` says whether one is ready.
#[utoipa::path(get, path = "/alerts/{id}/diagnostics", tag = "alerts", params(("id" = i64, Path)), responses(
    (status = 200, description = "the zip, as an attachment; `X-Data-SHA256` is the zip's own hash", content_type = "application/zip"),
    (status = 400, body = ApiError),
    (status = 404, body = ApiError, description = "no such event, or nothing was collected for it"),
    (status = 409, body = ApiError, description = "still collecting, or it failed, was skipped or pruned (the error says which)"),
))]
async fn download_bundle(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let store = state.store.clone();
    let (event, zip) = tokio::task::spawn_blocking(move || {
        Ok::<_, StoreError>((store.alert_event(id)?, store.diagnostics_zip(id)?))
    })
    .await
    .map_err(ApiError::internal)??;
    let event = event
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no alert event {id}")))?;
    if let Some((bytes, sha)) = zip {
        return Ok(download(
            "application/zip",
            format!("wirescope-diagnostics-alert-{id}.zip"),
            sha,
            bytes,
        ));
    }
    let Some(d) = event.diagnostics else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!(
                "nothing was collected for alert event {id} (diagnostics are collected for suites' firing and changed events, not silenced)"
            ),
        ));
    };
    let why = d.note.map(|n| format!(": {n}")).unwrap_or_default();
    Err(ApiError::new(
        StatusCode::CONFLICT,
        format!(
            "the diagnostics of alert event {id} are {}{why}",
            d.status.as_str()
        ),
    ))
}

/// Watches alert events for as long as the server runs, collecting diagnostics for those that
/// call for them (`--diagnostics-keep 0` turns it off).
pub(crate) fn spawn(state: Arc<AppState>) {
    if state.config.diagnostics_keep == 0 {
        return;
    }
    let mut events = state.scheduler.events();
    tokio::spawn(async move {
        let store = state.store.clone();
        let _ = tokio::task::spawn_blocking(move || {
            store.fail_unfinished_diagnostics("the server stopped while collecting")
        })
        .await;
        let slots = Arc::new(Semaphore::new(MAX_COLLECTING));
        loop {
            match events.recv().await {
                Ok(id) => consider(&state, &slots, id).await,
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    eprintln!("wirescope: diagnostics: {n} alert events went by unlooked at");
                }
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    });
}

/// What a new event calls for: nothing, a skip (recorded with why), or a collection.
async fn consider(state: &Arc<AppState>, slots: &Arc<Semaphore>, id: i64) {
    let store = state.store.clone();
    let looked = tokio::task::spawn_blocking(move || {
        let Some(event) = store.alert_event(id)? else {
            return Ok(None);
        };
        let Some(suite) = event.suite_id else {
            return Ok(None);
        };
        if event.diagnostics.is_some()
            || event.silenced.is_some()
            || !matches!(event.kind, EventKind::Firing | EventKind::Changed)
        {
            return Ok(None);
        }
        let recent = store
            .last_diagnosed(suite, &event.target)?
            .is_some_and(|t| now_ms() - t < EVERY.as_millis() as i64);
        Ok::<_, StoreError>(Some((event, recent)))
    })
    .await;
    let (event, recent) = match looked {
        Ok(Ok(Some(found))) => found,
        Ok(Ok(None)) => return,
        Ok(Err(e)) => return eprintln!("wirescope: diagnostics of alert event {id}: {e}"),
        Err(e) => return eprintln!("wirescope: diagnostics of alert event {id}: {e}"),
    };
    let skip = |why: String| {
        let store = state.store.clone();
        let state = state.clone();
        async move {
            let _ = tokio::task::spawn_blocking(move || store.skip_diagnostics(id, &why)).await;
            state.scheduler.announce(id);
        }
    };
    if recent {
        return skip(format!(
            "diagnostics of {} were collected less than {} minutes before",
            event.target,
            EVERY.as_secs() / 60
        ))
        .await;
    }
    let Ok(permit) = slots.clone().try_acquire_owned() else {
        return skip(format!(
            "{MAX_COLLECTING} collections were under way already"
        ))
        .await;
    };
    let store = state.store.clone();
    if !matches!(
        tokio::task::spawn_blocking(move || store.begin_diagnostics(id)).await,
        Ok(Ok(true))
    ) {
        return;
    }
    state.scheduler.announce(id);
    let state = state.clone();
    tokio::spawn(async move {
        let _permit = permit;
        let outcome = collect(&state, &event).await;
        let store = state.store.clone();
        let keep = state.config.diagnostics_keep as i64;
        let written = tokio::task::spawn_blocking(move || match outcome {
            Ok((zip, notes)) => {
                let sha = wirescope_report::sha256_hex(&zip);
                let note = (!notes.is_empty()).then(|| notes.join("; "));
                store.finish_diagnostics(id, Ok((&zip, &sha)), note.as_deref(), keep, KEPT_BYTES)
            }
            Err(why) => store.finish_diagnostics(id, Err(&why), None, keep, KEPT_BYTES),
        })
        .await;
        if let Ok(Err(e)) = written {
            eprintln!("wirescope: diagnostics of alert event {id}: {e}");
        }
        state.scheduler.announce(id);
    });
}

/// Collects an event's diagnostics: the bundle's bytes and what it lacks, or why it failed.
async fn collect(
    state: &Arc<AppState>,
    event: &AlertEvent,
) -> Result<(Vec<u8>, Vec<String>), String> {
    let id = event.id;
    let store = state.store.clone();
    let (raised, suite_dns) = {
        let (run, suite) = (event.run_id, event.suite_id);
        let target = event.target.clone();
        tokio::task::spawn_blocking(move || {
            let raised = run
                .and_then(|r| wirescope_runs::export::load(&store, r).ok())
                .map(|(info, results)| {
                    let mine: Vec<ProbeResult> =
                        results.into_iter().filter(|r| r.key() == target).collect();
                    (info, mine)
                });
            let dns = suite
                .and_then(|s| store.suite_by_id(s).ok().flatten())
                .and_then(|rec| serde_json::from_str::<serde_json::Value>(rec.spec.get()).ok())
                .and_then(|spec| suite_dns(&spec));
            (raised, dns)
        })
        .await
        .map_err(|e| e.to_string())?
    };
    let net: NetOptions = raised
        .as_ref()
        .and_then(|(info, _)| serde_json::from_str(info.net.get()).ok())
        .unwrap_or_default();
    let host = match event.target.parse::<IpAddr>() {
        Ok(a) => Host::Ip(a),
        Err(_) => Host::Name(event.target.clone()),
    };
    let target = Target {
        spec: event.target.clone(),
        host: host.clone(),
    };
    let mut notes = Vec::new();
    let mut started = Vec::new();
    let start = |probe: ProbeOptions, targets: Vec<Target>, net: &NetOptions| {
        let text = targets
            .iter()
            .map(|t| t.spec.clone())
            .collect::<Vec<_>>()
            .join(" ");
        state
            .runs
            .start(
                RunRequest {
                    targets,
                    probe,
                    net: net.clone(),
                },
                &text,
                Origin::from(Source::Alert),
            )
            .map_err(|e| e.to_string())
    };
    let mut dns = suite_dns.unwrap_or_default();
    dns.types = match host {
        Host::Name(_) => vec!["A".into(), "AAAA".into()],
        Host::Ip(_) => Vec::new(),
    };
    for (what, probe) in [
        ("trace", ProbeOptions::Trace(TraceOptions::default())),
        ("DNS", ProbeOptions::Dns(dns)),
    ] {
        match start(probe, vec![target.clone()], &net) {
            Ok(run) => started.push(run),
            Err(e) => notes.push(format!("the {what} could not start: {e}")),
        }
    }
    record_runs(state, id, &started).await;
    for run in &started {
        if let Err(e) = crate::api::run_ended(&state.store, *run, RUN_WAIT).await {
            notes.push(format!("{e}: the bundle has what it had"));
        }
    }

    // The path: the new trace's hops, the trace that raised it, the last stored path.
    let store = state.store.clone();
    let (suite, name, ran) = (event.suite_id, event.target.clone(), started.clone());
    let (path, known) = tokio::task::spawn_blocking(move || {
        let mut runs: Vec<(RunInfo, Vec<ProbeResult>)> = ran
            .iter()
            .filter_map(|r| wirescope_runs::export::load(&store, *r).ok())
            .filter(|(info, _)| info.kind == ProbeKind::Trace)
            .collect();
        runs.extend(raised.clone());
        let mut path = bundle::addresses(&runs);
        if let Some(s) = suite
            && let Ok(history) = store.target_history(s, ProbeKind::Trace.as_str(), &name)
            && let Some(last) = history.first()
            && let Ok(v) = serde_json::from_str::<serde_json::Value>(last.value.get())
        {
            path.extend(history_hops(&v));
        }
        let known = bundle::snmp_runs(&store).unwrap_or_default();
        (path, known)
    })
    .await
    .map_err(|e| e.to_string())?;

    match agents_on(&known, &path) {
        Agents::None => notes.push(
            "no SNMP agent on the path was polled before: no interface counters".into(),
        ),
        Agents::NoProfile => notes.push(
            "the SNMP agents on the path were polled with credentials that are not kept (not a profile): their stored counters are given".into(),
        ),
        Agents::Poll(profiles, mut agents) => {
            if agents.len() > MAX_AGENTS {
                notes.push(format!(
                    "{} SNMP agents on the path: the first {MAX_AGENTS} were polled",
                    agents.len()
                ));
                agents.truncate(MAX_AGENTS);
            }
            let asked = SnmpOptions {
                op: SnmpOp::Interfaces,
                profiles,
                ..Default::default()
            };
            match crate::creds::resolve(asked, false).await {
                Ok(options) => {
                    let targets = agents
                        .iter()
                        .map(|a| Target {
                            spec: a.to_string(),
                            host: Host::Ip(*a),
                        })
                        .collect();
                    match start(ProbeOptions::Snmp(options), targets, &net) {
                        Ok(run) => {
                            started.push(run);
                            record_runs(state, id, &started).await;
                            if let Err(e) =
                                crate::api::run_ended(&state.store, run, RUN_WAIT).await
                            {
                                notes.push(format!("{e}: the bundle has what it had"));
                            }
                        }
                        Err(e) => notes.push(format!("the SNMP poll could not start: {e}")),
                    }
                }
                Err(e) => notes.push(format!("the SNMP poll: {}", e.error)),
            }
        }
    }

    let window_ms = i64::try_from(state.config.diagnostics_capture.as_millis()).unwrap_or(0);
    // One report or bundle is made at a time: the capture copies below count against it too.
    let permit = state
        .reports
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| e.to_string())?;
    let captures = state.captures.pcapngs(true);
    if captures.is_empty() {
        notes.push("no capture was running".into());
    }
    let store = state.store.clone();
    let event = event.clone();
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let now = now_ms();
        let runs: Vec<(RunInfo, Vec<ProbeResult>)> = started
            .iter()
            .filter_map(|r| wirescope_runs::export::load(&store, *r).ok())
            .collect();
        let slices = crate::reports::capture_slices(&captures);
        let window = (now.saturating_sub(window_ms), now);
        let mut facts = vec![
            (
                "Collected".to_string(),
                format!(
                    "from {} to {}",
                    wirescope_report::model::time_utc(
                        event.diagnostics.as_ref().map_or(now, |d| d.started_at)
                    ),
                    wirescope_report::model::time_utc(now)
                ),
            ),
            (
                "Runs".into(),
                runs.iter()
                    .map(|(r, _)| format!("{} {}", r.kind.as_str(), r.id))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        ];
        if !slices.is_empty() {
            facts.push((
                "Captures".into(),
                format!(
                    "the last {} s of {}",
                    window_ms / 1000,
                    slices
                        .iter()
                        .map(|c| c.what.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        let report = wirescope_report::alert::diagnostics_report(
            &store, event.id, &runs, facts, &notes, now, BY,
        )
        .map_err(|e| e.to_string())?;
        let pdf = wirescope_report::render(&report, now).map_err(|e| e.to_string())?;
        let snmp = bundle::snmp_runs(&store).map_err(|e| e.to_string())?;
        let mut bundled = runs;
        if let Some(r) = event.run_id
            && let Ok((info, results)) = wirescope_runs::export::load(&store, r)
        {
            let mine = results
                .into_iter()
                .filter(|x| x.key() == event.target)
                .collect();
            bundled.push((info, mine));
        }
        let evidence = Evidence {
            runs: &bundled,
            captures: &slices,
            snmp: &snmp,
            pad_ms: 0,
            now_ms: now,
            window: Some(window),
            slice_bytes: SLICE_BYTES,
        };
        let (zip, manifest) = bundle::bundle(&pdf, &evidence, BY).map_err(|e| e.to_string())?;
        if zip.len() > MAX_BUNDLE {
            return Err(format!(
                "the bundle came to {} MiB, more than the {} MiB kept",
                zip.len() >> 20,
                MAX_BUNDLE >> 20
            ));
        }
        let mut notes = notes;
        notes.extend(manifest.notes);
        Ok((zip, notes))
    })
    .await
    .map_err(|e| e.to_string())?
}

/// The hop addresses of a trace path as the target history keeps it
/// (`{"hops": {"1": ["198.18.0.1"], ...}}`).
fn history_hops(v: &serde_json::Value) -> Vec<IpAddr> {
    v.get("hops")
        .and_then(|h| h.as_object())
        .into_iter()
        .flat_map(|h| h.values())
        .filter_map(|a| a.as_array())
        .flatten()
        .filter_map(|a| a.as_str()?.parse().ok())
        .collect()
}

/// The options of a suite's first DNS run (its server), to ask the target's name the same way.
fn suite_dns(spec: &serde_json::Value) -> Option<DnsOptions> {
    spec.get("runs")?
        .as_array()?
        .iter()
        .find(|r| r.get("kind").and_then(|k| k.as_str()) == Some(ProbeKind::Dns.as_str()))
        .and_then(|r| serde_json::from_value(r.get("options")?.clone()).ok())
}

/// The SNMP agents on a path, and how to poll them.
#[derive(Debug, PartialEq, Eq)]
enum Agents {
    /// None of the path's addresses was polled before.
    None,
    /// Some were, but with credentials given inline (not kept).
    NoProfile,
    /// These agents, with the profiles of the runs that reached them (in order, each once).
    Poll(Vec<String>, Vec<IpAddr>),
}

/// The agents among `path` that stored SNMP runs reached, and those runs' profiles.
fn agents_on(known: &[(RunInfo, Vec<ProbeResult>)], path: &BTreeSet<IpAddr>) -> Agents {
    let mut agents: Vec<IpAddr> = Vec::new();
    let mut profiles: Vec<String> = Vec::new();
    for (run, results) in known {
        let reached: Vec<IpAddr> = results
            .iter()
            .filter_map(|r| match r {
                ProbeResult::Snmp(s) if s.error.is_none() => s.addr,
                _ => None,
            })
            .filter(|a| path.contains(a))
            .collect();
        if reached.is_empty() {
            continue;
        }
        let theirs: Vec<String> = serde_json::from_str::<serde_json::Value>(run.options.get())
            .ok()
            .and_then(|o| serde_json::from_value(o.get("profiles")?.clone()).ok())
            .unwrap_or_default();
        if theirs.is_empty() {
            continue;
        }
        for p in theirs {
            if !profiles.contains(&p) {
                profiles.push(p);
            }
        }
        for a in reached {
            if !agents.contains(&a) {
                agents.push(a);
            }
        }
    }
    if !agents.is_empty() {
        return Agents::Poll(profiles, agents);
    }
    let any = known.iter().any(|(_, results)| {
        results
            .iter()
            .any(|r| matches!(r, ProbeResult::Snmp(s) if s.addr.is_some_and(|a| path.contains(&a))))
    });
    if any { Agents::NoProfile } else { Agents::None }
}

async fn record_runs(state: &Arc<AppState>, id: i64, runs: &[i64]) {
    let store = state.store.clone();
    let runs = runs.to_vec();
    let _ = tokio::task::spawn_blocking(move || store.diagnostics_runs(id, &runs)).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use serde_json::value::RawValue;
    use wirescope_store::RunStatus;

    fn snmp_run(
        id: i64,
        options: serde_json::Value,
        agents: &[(&str, bool)],
    ) -> (RunInfo, Vec<ProbeResult>) {
        let raw = |v: serde_json::Value| {
            RawValue::from_string(v.to_string()).unwrap_or_else(|e| panic!("{e}"))
        };
        let info = RunInfo {
            id,
            kind: ProbeKind::Snmp,
            status: RunStatus::Finished,
            created_at: 0,
            started_at: Some(0),
            finished_at: Some(1),
            targets_text: String::new(),
            options: raw(options),
            net: raw(json!({})),
            total: 1,
            done: 1,
            summary: None,
            error: None,
            source: Source::Api,
            suite_id: None,
            site: None,
            batch: None,
        };
        let results = agents
            .iter()
            .map(|(addr, ok)| {
                serde_json::from_value(json!({"kind": "snmp", "target": addr, "addr": addr,
                    "varbinds": [], "neighbors": [], "arp": [], "interfaces": [], "elapsed_ms": 1.0, "error": if *ok { None } else { Some("timeout") }}))
                .unwrap_or_else(|e| panic!("{e}"))
            })
            .collect();
        (info, results)
    }

    fn path(addrs: &[&str]) -> BTreeSet<IpAddr> {
        addrs.iter().filter_map(|a| a.parse().ok()).collect()
    }

    #[test]
    fn the_agents_on_a_path_are_polled_with_the_profiles_that_reached_them() {
        let known = [
            snmp_run(
                3,
                json!({"profiles": ["core", "lab"]}),
                &[("198.18.0.20", true), ("198.18.9.9", true)],
            ),
            snmp_run(
                2,
                json!({"profiles": ["lab", "old"]}),
                &[("198.18.0.1", true), ("198.18.0.2", false)],
            ),
            snmp_run(1, json!({"community": "x"}), &[("198.18.0.3", true)]),
        ];
        let on = path(&["198.18.0.1", "198.18.0.2", "198.18.0.20", "198.18.0.3"]);
        assert_eq!(
            agents_on(&known, &on),
            Agents::Poll(
                vec!["core".into(), "lab".into(), "old".into()],
                vec![
                    "198.18.0.20".parse().unwrap_or(IpAddr::from([0; 4])),
                    "198.18.0.1".parse().unwrap_or(IpAddr::from([0; 4]))
                ]
            ),
            "an agent that did not answer is not polled; profile order kept, each once"
        );
        assert_eq!(agents_on(&known, &path(&["198.18.0.3"])), Agents::NoProfile);
        assert_eq!(agents_on(&known, &path(&["198.18.5.5"])), Agents::None);
    }

    #[test]
    fn a_stored_path_gives_its_hops_and_a_suite_its_dns_server() {
        let v = json!({"reached": true, "hops": {"1": ["198.18.0.1"], "2": ["198.18.2.2", "198.18.2.6"], "3": ["junk"]}});
        assert_eq!(
            history_hops(&v),
            ["198.18.0.1", "198.18.2.2", "198.18.2.6"]
                .iter()
                .filter_map(|a| a.parse().ok())
                .collect::<Vec<IpAddr>>()
        );
        assert!(history_hops(&json!({"open": [22]})).is_empty());
        let spec = json!({"runs": [
            {"kind": "ping", "targets": "a"},
            {"kind": "dns", "targets": "h1.lab.test", "options": {"server": "198.18.0.53", "types": ["MX"]}},
        ]});
        let dns = suite_dns(&spec).unwrap_or_default();
        assert_eq!(dns.server.as_deref(), Some("198.18.0.53"));
        assert!(suite_dns(&json!({"runs": [{"kind": "ping"}]})).is_none());
    }
}
