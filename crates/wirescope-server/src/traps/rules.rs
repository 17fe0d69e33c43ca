//! Trap rules at work: the rule list (a setting, edited over REST), each stored batch of traps
//! checked against it, an alert event per rule and source (held while a storm goes on) recorded
//! with its deliveries and announced like a suite's, and the follow-up check started for the
//! device: its interfaces and its LLDP/CDP neighbours polled, then the neighbours pinged; the
//! runs are attached to the trap and the event.

use super::Traps;
use crate::AppState;
use crate::error::ApiError;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;
use utoipa::ToSchema;
use wirescope_net::socket::NetOptions;
use wirescope_probe::ping::PingOptions;
use wirescope_probe::result::ProbeResult;
use wirescope_probe::targets::{Host, Target};
use wirescope_runs::engine::{ProbeOptions, RunRequest};
use wirescope_snmp::trap::Trap;
use wirescope_snmp::{SnmpOp, SnmpOptions};
use wirescope_store::{EventKind, NewEvent, Origin, Source, StoreError, now_ms};
use wirescope_watch::trap_rule::{Holds, TrapRule, Verdict, check_rules};

/// The setting keeping the rules.
pub(super) const RULES_KEY: &str = "traps.rules";
/// Neighbours a follow-up pings, at most.
const NEIGHBOURS_PINGED: usize = 256;
/// How long a follow-up waits for the neighbour poll.
const POLL_WAIT: Duration = Duration::from_secs(60);

/// The rules, as stored and edited.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrapRules {
    pub rules: Vec<TrapRule>,
}

/// What the rules act with: the server's run manager, alert announcements, the notifier.
#[derive(Debug, Clone)]
pub struct Actions {
    pub runs: Arc<wirescope_runs::Manager>,
    pub scheduler: Arc<wirescope_watch::Scheduler>,
    pub notifier: Option<Arc<wirescope_watch::notify::Notifier>>,
}

/// The rules in force and their holds.
#[derive(Debug, Default)]
pub struct Rules {
    pub rules: Vec<TrapRule>,
    holds: Holds,
}

impl Rules {
    /// The stored rules (none when the setting is missing or unreadable).
    pub fn load(store: &wirescope_store::Store) -> Rules {
        let rules = store
            .setting(RULES_KEY)
            .ok()
            .flatten()
            .and_then(|s| serde_json::from_str::<TrapRules>(&s).ok())
            .map(|r| r.rules)
            .unwrap_or_default();
        Rules {
            rules,
            holds: Holds::default(),
        }
    }

    /// The alerts a batch raises: (trap, rule) for each one not held.
    fn decide(&mut self, batch: &[Trap]) -> Vec<(Trap, TrapRule)> {
        let now = now_ms();
        let mut out = Vec::new();
        for t in batch {
            for r in self.rules.iter().filter(|r| r.matches(t)) {
                if let Verdict::Alert = self.holds.decide(r, t.source, now) {
                    out.push((t.clone(), r.clone()));
                }
            }
        }
        out
    }
}

/// Checks a stored batch against the rules; records and announces what they raise and starts
/// the follow-ups.
pub(super) async fn act(traps: &Arc<Traps>, batch: &[Trap]) {
    let raised = {
        let mut rules = traps.rules.lock().await;
        if rules.rules.is_empty() {
            return;
        }
        rules.decide(batch)
    };
    let Some(actions) = traps.actions.get().cloned() else {
        return;
    };
    for (trap, rule) in raised {
        let Some(trap_id) = trap.id else { continue };
        let event = event_of(&trap, &rule);
        let store = traps.store.clone();
        let recorded =
            tokio::task::spawn_blocking(move || store.trap_events(trap_id, &[event])).await;
        let Ok(Ok(ids)) = recorded else { continue };
        for id in &ids {
            actions.scheduler.announce(*id);
        }
        if let Some(n) = &actions.notifier {
            n.wake();
        }
        if rule.follow_up {
            let (traps, actions) = (traps.clone(), actions.clone());
            let event = ids.first().copied();
            tokio::spawn(async move {
                if let Err(e) = follow_up(&traps, &actions, &trap, &rule, event).await {
                    eprintln!(
                        "wirescope: trap {trap_id}: follow-up of rule '{}': {e}",
                        rule.name
                    );
                }
            });
        }
    }
}

/// The alert event a rule raises for a trap.
fn event_of(t: &Trap, rule: &TrapRule) -> NewEvent {
    let target = t
        .device
        .as_ref()
        .map_or_else(|| t.source.to_string(), |d| d.name.clone());
    let what = t.name.as_deref().unwrap_or(&t.oid);
    let bindings: Vec<String> = t
        .varbinds
        .iter()
        .take(4)
        .map(|v| {
            let name = v.name.as_deref().map_or(v.oid.as_str(), |n| {
                n.split_once("::").map_or(n, |(_, short)| short)
            });
            format!("{name}={}", v.value)
        })
        .collect();
    let summary = format!(
        "{what} from {target}{}{}",
        if target == t.source.to_string() {
            String::new()
        } else {
            format!(" ({})", t.source)
        },
        if bindings.is_empty() {
            String::new()
        } else {
            format!(": {}", bindings.join(" "))
        }
    );
    NewEvent {
        rule: rule.name.clone(),
        preset: "trap".into(),
        target,
        kind: EventKind::Changed,
        at: t.at_ms,
        summary,
        evidence: serde_json::json!({ "trap": t }).to_string(),
        silenced: None,
        channels: rule.channels.clone(),
    }
}

/// Polls the device's interfaces and neighbours, then pings the neighbours; attaches the runs.
async fn follow_up(
    traps: &Arc<Traps>,
    actions: &Actions,
    trap: &Trap,
    rule: &TrapRule,
    event: Option<i64>,
) -> Result<(), String> {
    let trap_id = trap.id.ok_or("the trap has no id")?;
    let addr: IpAddr = trap
        .device
        .as_ref()
        .and_then(|d| d.addr)
        .unwrap_or(trap.source);
    let net = NetOptions {
        netns: traps.settings.lock().await.netns.clone(),
        ..Default::default()
    };
    let snmp = |op: SnmpOp| SnmpOptions {
        op,
        profiles: rule.profile.iter().cloned().collect(),
        ..Default::default()
    };
    let start = |probe: ProbeOptions, targets: Vec<IpAddr>| {
        let text = targets
            .iter()
            .map(IpAddr::to_string)
            .collect::<Vec<_>>()
            .join(" ");
        let req = RunRequest {
            targets: targets
                .iter()
                .map(|a| Target {
                    spec: a.to_string(),
                    host: Host::Ip(*a),
                })
                .collect(),
            probe,
            net: net.clone(),
        };
        actions
            .runs
            .start(req, &text, Origin::from(Source::Trap))
            .map_err(|e| e.to_string())
    };
    let interfaces = crate::creds::resolve(snmp(SnmpOp::Interfaces), false)
        .await
        .map_err(|e| e.error)?;
    let neighbours = crate::creds::resolve(snmp(SnmpOp::Neighbors), false)
        .await
        .map_err(|e| e.error)?;
    let first = start(ProbeOptions::Snmp(interfaces), vec![addr])?;
    let second = start(ProbeOptions::Snmp(neighbours), vec![addr])?;
    let mut runs = vec![first, second];
    attach(traps, trap_id, &runs, event, first).await;

    let found = ended(traps, second).await?;
    let mut pinged: Vec<IpAddr> = Vec::new();
    for r in found {
        if let ProbeResult::Snmp(s) = r {
            for n in s.neighbors {
                if let Some(a) = n
                    .mgmt_addr
                    .filter(|a| !a.is_unspecified() && !pinged.contains(a))
                {
                    pinged.push(a);
                }
            }
        }
    }
    pinged.truncate(NEIGHBOURS_PINGED);
    if !pinged.is_empty() {
        let ping = PingOptions {
            count: 3,
            interval: Duration::from_millis(200),
            ..Default::default()
        };
        runs.push(start(ProbeOptions::Ping(ping), pinged)?);
        attach(traps, trap_id, &runs, event, first).await;
    }
    Ok(())
}

/// Records the follow-up runs on the trap and the first on the event.
async fn attach(traps: &Arc<Traps>, trap: i64, runs: &[i64], event: Option<i64>, first: i64) {
    let store = traps.store.clone();
    let runs = runs.to_vec();
    let _ = tokio::task::spawn_blocking(move || {
        store.set_trap_follow_up(trap, &runs)?;
        if let Some(e) = event {
            store.set_event_run(e, first)?;
        }
        Ok::<_, StoreError>(())
    })
    .await;
}

/// A run's results once it has ended (waiting at most `POLL_WAIT`).
async fn ended(traps: &Arc<Traps>, run: i64) -> Result<Vec<ProbeResult>, String> {
    crate::api::run_ended(&traps.store, run, POLL_WAIT).await?;
    let store = traps.store.clone();
    let rows = tokio::task::spawn_blocking(move || store.results(run, 0))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    Ok(rows
        .into_iter()
        .filter_map(|(_, json)| serde_json::from_str(json.get()).ok())
        .collect())
}

/// The trap rules.
#[utoipa::path(get, path = "/traps/rules", tag = "traps",
    responses((status = 200, body = TrapRules)))]
pub(super) async fn get_rules(State(state): State<Arc<AppState>>) -> Json<TrapRules> {
    Json(TrapRules {
        rules: state.traps.rules.lock().await.rules.clone(),
    })
}

/// Replaces the trap rules (checked whole; their channels must exist).
#[utoipa::path(put, path = "/traps/rules", tag = "traps", request_body = TrapRules,
    responses(
        (status = 200, body = TrapRules),
        (status = 400, body = ApiError, description = "`field`: rules[N].name, .oid, .source, .channels[M], .profile, .hold"),
    ))]
pub(super) async fn put_rules(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> Result<Json<TrapRules>, ApiError> {
    let given: TrapRules = crate::error::json_body(&body)?;
    check_rules(&given.rules).map_err(|e| ApiError::field(e.field, e.message))?;
    let channels: std::collections::HashSet<String> = state
        .store
        .channels()?
        .into_iter()
        .map(|c| c.name)
        .collect();
    for (i, r) in given.rules.iter().enumerate() {
        for (j, c) in r.channels.iter().enumerate() {
            if !channels.contains(c) {
                return Err(ApiError::field(
                    format!("rules[{i}].channels[{j}]"),
                    format!("no channel named '{c}' (add it on the Channels page first)"),
                ));
            }
        }
    }
    state.store.set_setting(
        RULES_KEY,
        &serde_json::to_string(&given).unwrap_or_default(),
    )?;
    let mut rules = state.traps.rules.lock().await;
    rules.rules = given.rules.clone();
    Ok(Json(given))
}
