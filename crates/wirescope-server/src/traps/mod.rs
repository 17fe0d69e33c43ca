//! SNMP traps in the server: the receiver (started by `serve --traps`, or from the
//! `traps.receiver` setting the dashboard edits), the writer that stores each batch with the
//! device its source was matched to and hands it to WebSocket watchers, pruning by age and
//! count, and the REST routes: the list with its filters, one trap, a run's traps, and the
//! receiver's status and settings.

mod devices;
pub mod rules;

use crate::AppState;
use crate::api::parse_id;
use crate::error::{ApiError, Query};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use devices::Devices;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::{Mutex, broadcast};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wirescope_snmp::trap::{Trap, TrapConfig, TrapCounter, TrapCounts, TrapReceiver};
use wirescope_store::{NewTrap, Store, StoreError, TRAPS_KEPT, TrapFilter, now_ms};

/// Traps listed at once, at most.
const MAX_LISTED: i64 = 1_000;
/// The setting keeping the receiver's settings.
const SETTINGS_KEY: &str = "traps.receiver";
/// Traps written to the store in one transaction, at most.
const BATCH: usize = 4_096;
/// Transactions start at most this often: under a flood each commit carries a thousand traps
/// (a commit rewrites the table's and each index's last pages whatever it holds), and a lone
/// trap waits no longer than this to be stored.
const COMMIT_GAP: std::time::Duration = std::time::Duration::from_millis(25);
/// Batches waiting for WebSocket watchers; one that falls further behind skips.
const LIVE_BATCHES: usize = 64;

pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(show))
        .routes(routes!(run_traps))
        .routes(routes!(status, put_settings))
        .routes(routes!(rules::get_rules, rules::put_rules))
}

/// How `serve` was told to receive traps (its flags win over the setting).
#[derive(Debug, Clone, Default)]
pub struct TrapFlags {
    pub listen: Option<SocketAddr>,
    pub netns: Option<String>,
    pub communities: Vec<String>,
    pub profiles: Vec<String>,
    /// The v3 engine ID, hex.
    pub engine_id: Option<String>,
    /// Where the engine ID and boots are kept (default: beside the database).
    pub engine_state: Option<std::path::PathBuf>,
}

/// The receiver's settings as the dashboard edits them (communities come from credential
/// profiles, so no secret is kept here).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiverSettings {
    /// `ADDR:PORT` to receive on; `null` turns the receiver off.
    #[schema(example = "0.0.0.0:162")]
    pub listen: Option<String>,
    /// The network namespace to receive in.
    #[serde(default)]
    pub netns: Option<String>,
    /// Credential profiles whose communities and v3 users are accepted; none accepts any
    /// v1/v2c community.
    #[serde(default)]
    pub profiles: Vec<String>,
}

/// The receiver now.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiverStatus {
    pub settings: ReceiverSettings,
    /// The settings come from `serve --traps` flags and cannot be changed here.
    pub from_flags: bool,
    /// The address receiving, when it is.
    pub listening: Option<String>,
    /// The SNMPv3 engine ID (hex), when v3 users are configured.
    pub engine_id: Option<String>,
    /// No community or user was configured: every v1/v2c community is accepted.
    pub accepts_any: bool,
    /// When it started, RFC 3339.
    pub since: Option<String>,
    /// The socket's kernel receive buffer in bytes (where bursts wait).
    pub buffer: Option<usize>,
    /// Why it is not receiving (a bind failure, an unknown profile).
    pub error: Option<String>,
    /// Counts since it started.
    pub counts: TrapCounts,
    /// Traps in the history, the oldest one's time, and how long and how many are kept.
    pub stored: i64,
    pub oldest: Option<String>,
    pub retention: String,
    pub kept_at_most: i64,
}

/// A running receiver, as the status shows it.
#[derive(Debug)]
struct Running {
    listening: SocketAddr,
    engine_id: Option<String>,
    accepts_any: bool,
    since: i64,
    buffer: Option<usize>,
    counter: TrapCounter,
    writer: tokio::task::JoinHandle<()>,
}

/// The trap service the handlers share.
#[derive(Debug)]
pub struct Traps {
    store: Arc<Store>,
    flags: TrapFlags,
    engine_state: std::path::PathBuf,
    retention: std::time::Duration,
    running: Mutex<Option<Running>>,
    settings: Mutex<ReceiverSettings>,
    error: std::sync::Mutex<Option<String>>,
    live: broadcast::Sender<Arc<Vec<Trap>>>,
    devices: Arc<Devices>,
    rules: Mutex<rules::Rules>,
    actions: std::sync::OnceLock<rules::Actions>,
    /// Traps received and stored since the server started.
    pub received: std::sync::atomic::AtomicU64,
}

impl Traps {
    pub fn new(
        store: Arc<Store>,
        flags: TrapFlags,
        files: &std::path::Path,
        retention: std::time::Duration,
    ) -> Arc<Traps> {
        let engine_state = flags
            .engine_state
            .clone()
            .unwrap_or_else(|| files.join("snmp-trap-engine"));
        Arc::new(Traps {
            devices: Arc::new(Devices::new(store.clone())),
            rules: Mutex::new(rules::Rules::load(&store)),
            actions: std::sync::OnceLock::new(),
            store,
            flags,
            engine_state,
            retention,
            running: Mutex::new(None),
            settings: Mutex::new(ReceiverSettings::default()),
            error: std::sync::Mutex::new(None),
            live: broadcast::channel(LIVE_BATCHES).0,
            received: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// Gives the trap rules what they act with (once the server's state exists).
    pub fn attach(&self, actions: rules::Actions) {
        let _ = self.actions.set(actions);
    }

    /// New traps as they are stored, a batch at a time.
    pub fn live(&self) -> broadcast::Receiver<Arc<Vec<Trap>>> {
        self.live.subscribe()
    }

    fn set_by_flags(&self) -> bool {
        self.flags.listen.is_some()
    }

    fn set_error(&self, e: Option<String>) {
        *self.error.lock().unwrap_or_else(|p| p.into_inner()) = e;
    }

    /// Starts what the flags ask for (a failure is returned: `serve` stops), or else what the
    /// stored setting asks for (a failure is kept for the status).
    pub async fn start(self: &Arc<Self>) -> Result<(), String> {
        self.start_settings().await.map_err(|e| e.message)
    }

    async fn start_settings(self: &Arc<Self>) -> Result<(), StartError> {
        if let Some(listen) = self.flags.listen {
            let settings = ReceiverSettings {
                listen: Some(listen.to_string()),
                netns: self.flags.netns.clone(),
                profiles: self.flags.profiles.clone(),
            };
            return self.apply(settings).await;
        }
        let stored = self
            .store
            .setting(SETTINGS_KEY)
            .ok()
            .flatten()
            .and_then(|s| serde_json::from_str::<ReceiverSettings>(&s).ok())
            .unwrap_or_default();
        if let Err(e) = self.apply(stored).await {
            eprintln!("wirescope: traps: {}", e.message);
        }
        Ok(())
    }

    /// Stops the receiver and starts one with `settings` (none when `listen` is null).
    async fn apply(self: &Arc<Self>, settings: ReceiverSettings) -> Result<(), StartError> {
        let mut running = self.running.lock().await;
        if let Some(old) = running.take() {
            old.writer.abort();
            // The receiving thread goes when the queue's reader is dropped with the writer.
            let _ = old.writer.await;
        }
        *self.settings.lock().await = settings.clone();
        self.set_error(None);
        let Some(listen) = &settings.listen else {
            return Ok(());
        };
        let started = match self.receiver(listen, &settings).await {
            Ok(r) => r,
            Err(e) => {
                self.set_error(Some(e.message.clone()));
                return Err(e);
            }
        };
        eprintln!(
            "wirescope: receiving SNMP traps on {}{}",
            started.receiver.local_addr(),
            if started.v3 {
                format!(" (SNMPv3 engine ID {})", started.receiver.engine_id_hex())
            } else {
                String::new()
            }
        );
        *running = Some(Running {
            listening: started.receiver.local_addr(),
            engine_id: started.v3.then(|| started.receiver.engine_id_hex()),
            accepts_any: started.any,
            since: now_ms(),
            buffer: started.receiver.buffer(),
            counter: started.receiver.counter(),
            writer: tokio::spawn(write(self.clone(), started.receiver)),
        });
        Ok(())
    }

    async fn receiver(
        &self,
        listen: &str,
        settings: &ReceiverSettings,
    ) -> Result<Started, StartError> {
        let addr: SocketAddr = listen
            .parse()
            .map_err(|_| StartError::new("listen", format!("'{listen}' is not ADDR:PORT")))?;
        let mut config = TrapConfig::new(addr);
        config.netns = settings.netns.clone();
        config.engine_state = self.engine_state.clone();
        for (i, c) in self.flags.communities.iter().enumerate() {
            config
                .communities
                .push((format!("--trap-community {}", i + 1), c.clone()));
        }
        if let Some(hex) = &self.flags.engine_id {
            config.engine_id = Some(
                wirescope_snmp::trap::parse_hex(hex)
                    .map_err(|e| StartError::new("engine_id", e))?,
            );
        }
        if !settings.profiles.is_empty() {
            let names = settings.profiles.clone();
            let creds = tokio::task::spawn_blocking(move || {
                let creds =
                    wirescope_creds::Creds::open_default(false).map_err(|e| e.to_string())?;
                names
                    .iter()
                    .map(|n| {
                        creds
                            .snmp_credential(n)
                            .map_err(|e| format!("profile '{n}': {e}"))
                    })
                    .collect::<Result<Vec<_>, String>>()
            })
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r)
            .map_err(|e| StartError::new("profiles", e))?;
            for c in creds {
                config.add_credential(c);
            }
        }
        let v3 = !config.users.is_empty();
        let any = config.accepts_any();
        let receiver = TrapReceiver::start(config)
            .await
            .map_err(|e| StartError::new("listen", e.to_string()))?;
        Ok(Started { receiver, v3, any })
    }

    async fn status(&self) -> Result<ReceiverStatus, StoreError> {
        let running = self.running.lock().await;
        let settings = self.settings.lock().await.clone();
        let store = self.store.clone();
        let (stored, oldest) = tokio::task::spawn_blocking(move || store.trap_totals())
            .await
            .unwrap_or(Ok((0, None)))?;
        let mut error = self.error.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(r) = running.as_ref().filter(|r| r.writer.is_finished()) {
            error.get_or_insert_with(|| format!("the receiver on {} stopped", r.listening));
        }
        Ok(ReceiverStatus {
            settings,
            from_flags: self.set_by_flags(),
            listening: running.as_ref().map(|r| r.listening.to_string()),
            engine_id: running.as_ref().and_then(|r| r.engine_id.clone()),
            accepts_any: running.as_ref().is_some_and(|r| r.accepts_any),
            since: running
                .as_ref()
                .map(|r| wirescope_snmp::trap::rfc3339_ms(r.since)),
            buffer: running.as_ref().and_then(|r| r.buffer),
            error,
            counts: running
                .as_ref()
                .map(|r| r.counter.counts())
                .unwrap_or_default(),
            stored,
            oldest: oldest.map(wirescope_snmp::trap::rfc3339_ms),
            retention: days_or_hours(self.retention),
            kept_at_most: TRAPS_KEPT,
        })
    }

    /// Deletes what is past the retention or the count cap, every minute.
    pub async fn prune(self: Arc<Self>) {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            let before = now_ms() - i64::try_from(self.retention.as_millis()).unwrap_or(i64::MAX);
            let store = self.store.clone();
            let _ =
                tokio::task::spawn_blocking(move || store.prune_traps(before, TRAPS_KEPT)).await;
        }
    }
}

/// `30d`, `36h`, or the duration as the flags write it.
fn days_or_hours(d: std::time::Duration) -> String {
    let s = d.as_secs();
    if s > 0 && s.is_multiple_of(86_400) {
        format!("{}d", s / 86_400)
    } else if s > 0 && s.is_multiple_of(3_600) {
        format!("{}h", s / 3_600)
    } else {
        wirescope_probe::duration::format_duration(d)
    }
}

/// Why a receiver could not start, and which setting is at fault.
#[derive(Debug)]
struct StartError {
    field: &'static str,
    message: String,
}

impl StartError {
    fn new(field: &'static str, message: impl Into<String>) -> StartError {
        StartError {
            field,
            message: message.into(),
        }
    }
}

/// A receiver just started, with what the status shows about its configuration.
struct Started {
    receiver: TrapReceiver,
    v3: bool,
    any: bool,
}

/// Stores each batch the receiver hands over (with the device each came from), then tells the
/// live watchers.
async fn write(traps: Arc<Traps>, mut receiver: TrapReceiver) {
    let mut last_commit = tokio::time::Instant::now();
    loop {
        let Some(first) = receiver.next().await else {
            let why = receiver
                .failure()
                .unwrap_or_else(|| "the receiving thread ended".into());
            traps.set_error(Some(format!("the receiver stopped: {why}")));
            return;
        };
        tokio::time::sleep_until(last_commit + COMMIT_GAP).await;
        last_commit = tokio::time::Instant::now();
        let mut batch = vec![first];
        receiver.take_waiting(&mut batch, BATCH);
        let devices = traps.devices.clone();
        let store = traps.store.clone();
        let stored = tokio::task::spawn_blocking(move || {
            let index = devices.index();
            let rows: Vec<NewTrap> = batch
                .iter_mut()
                .map(|t| {
                    // The community is a shared secret: the history keeps which one matched.
                    t.community = None;
                    t.device = index.matching(t);
                    NewTrap {
                        at: t.at_ms,
                        source: t.source.to_string(),
                        oid: t.oid.clone(),
                        name: t.name.clone(),
                        device: t.device.as_ref().map(|d| d.name.clone()),
                        record: record(t),
                    }
                })
                .collect();
            let ids = store.insert_traps(&rows)?;
            for (t, id) in batch.iter_mut().zip(ids) {
                t.id = Some(id);
            }
            Ok::<_, StoreError>(batch)
        })
        .await;
        match stored {
            Ok(Ok(batch)) => {
                traps
                    .received
                    .fetch_add(batch.len() as u64, std::sync::atomic::Ordering::Relaxed);
                let batch = Arc::new(batch);
                let _ = traps.live.send(batch.clone());
                rules::act(&traps, &batch).await;
            }
            Ok(Err(e)) => traps.set_error(Some(format!("storing traps: {e}"))),
            Err(e) => traps.set_error(Some(format!("storing traps: {e}"))),
        }
    }
}

/// A trap's stored JSON, written into a buffer of about its size (growing one from nothing
/// costs a reallocation per doubling).
fn record(t: &Trap) -> String {
    let mut out = Vec::with_capacity(t.weight());
    match serde_json::to_writer(&mut out, t) {
        Ok(()) => String::from_utf8(out).unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// A stored trap as the API shows it: the record with its id and follow-up run.
fn shown(t: wirescope_store::StoredTrap) -> Result<Trap, StoreError> {
    let mut trap: Trap = serde_json::from_str(t.record.get())?;
    trap.id = Some(t.id);
    trap.follow_up = t.follow_up;
    Ok(trap)
}

/// Which traps to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TrapQuery {
    /// The source address, exactly.
    source: Option<String>,
    /// A notification OID prefix (`.1.3.6.1.6.3.1.1.5`, the leading dot optional: what is below
    /// it too) or part of the name (`linkDown`), any case.
    oid: Option<String>,
    /// The device's name, as matched.
    device: Option<String>,
    /// From this time on: RFC 3339 or milliseconds since the epoch.
    since: Option<String>,
    /// Before this time: RFC 3339 or milliseconds since the epoch.
    until: Option<String>,
    /// Only traps with a smaller id (the next page back).
    before: Option<i64>,
    /// 1 to 1000 (default 200).
    limit: Option<i64>,
}

/// Traps, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrapList {
    pub traps: Vec<Trap>,
    /// More match beyond this page (ask again with `before` = the last id).
    pub more: bool,
}

/// A time in a query: RFC 3339 or milliseconds since the epoch.
fn time_param(field: &str, text: &str) -> Result<i64, ApiError> {
    if let Ok(ms) = text.trim().parse::<i64>() {
        return Ok(ms);
    }
    text.trim()
        .parse::<jiff::Timestamp>()
        .map(|t| t.as_millisecond())
        .map_err(|_| {
            ApiError::field(
                field,
                format!("'{text}' is neither RFC 3339 nor milliseconds since the epoch"),
            )
        })
}

/// Received traps, newest first, filtered.
#[utoipa::path(get, path = "/traps", tag = "traps", params(TrapQuery), responses(
    (status = 200, body = TrapList),
    (status = 400, body = ApiError, description = "`field`: limit, since, until"),
))]
async fn list(
    State(state): State<Arc<AppState>>,
    Query(q): Query<TrapQuery>,
) -> Result<Json<TrapList>, ApiError> {
    let limit = q.limit.unwrap_or(200);
    if !(1..=MAX_LISTED).contains(&limit) {
        return Err(ApiError::field("limit", format!("1 to {MAX_LISTED}")));
    }
    let filter = TrapFilter {
        source: q.source.filter(|s| !s.is_empty()),
        oid: q.oid.filter(|s| !s.is_empty()),
        device: q.device.filter(|s| !s.is_empty()),
        since: q
            .since
            .as_deref()
            .map(|t| time_param("since", t))
            .transpose()?,
        until: q
            .until
            .as_deref()
            .map(|t| time_param("until", t))
            .transpose()?,
        before: q.before,
        limit: limit + 1,
    };
    let store = state.store.clone();
    let rows = tokio::task::spawn_blocking(move || store.traps(&filter))
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))??;
    let more = rows.len() as i64 > limit;
    let traps = rows
        .into_iter()
        .take(limit as usize)
        .map(shown)
        .collect::<Result<_, _>>()?;
    Ok(Json(TrapList { traps, more }))
}

/// One trap.
#[utoipa::path(get, path = "/traps/{id}", tag = "traps",
    params(("id" = i64, Path, description = "Trap id")),
    responses((status = 200, body = Trap), (status = 404, body = ApiError)))]
async fn show(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<Trap>, ApiError> {
    let id = parse_id(&id)?;
    let t = state
        .store
        .trap(id)?
        .ok_or_else(|| ApiError::not_found("trap"))?;
    Ok(Json(shown(t)?))
}

/// A run's traps: those from its targets' addresses and devices, from an hour before it
/// started to an hour after it ended, newest first (at most 500).
#[utoipa::path(get, path = "/runs/{id}/traps", tag = "traps",
    params(("id" = i64, Path, description = "Run id")),
    responses((status = 200, body = TrapList), (status = 404, body = ApiError)))]
async fn run_traps(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<TrapList>, ApiError> {
    let id = parse_id(&id)?;
    let store = state.store.clone();
    let found = tokio::task::spawn_blocking(move || devices::traps_of_run(&store, id, 500))
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))??;
    let (rows, more) = found.ok_or_else(|| ApiError::not_found("run"))?;
    let traps = rows.into_iter().map(shown).collect::<Result<_, _>>()?;
    Ok(Json(TrapList { traps, more }))
}

/// The receiver's settings, state and counts, and what the history holds.
#[utoipa::path(get, path = "/traps/receiver", tag = "traps",
    responses((status = 200, body = ReceiverStatus)))]
async fn status(State(state): State<Arc<AppState>>) -> Result<Json<ReceiverStatus>, ApiError> {
    Ok(Json(state.traps.status().await?))
}

/// Changes where and for whom the receiver listens (it restarts; `listen: null` stops it).
#[utoipa::path(put, path = "/traps/receiver", tag = "traps", request_body = ReceiverSettings,
    responses(
        (status = 200, body = ReceiverStatus),
        (status = 400, body = ApiError, description = "`field`: listen, profiles, or the start failed"),
        (status = 409, body = ApiError, description = "set by `serve --traps`"),
    ))]
async fn put_settings(
    State(state): State<Arc<AppState>>,
    body: axum::body::Bytes,
) -> Result<Json<ReceiverStatus>, ApiError> {
    let s: ReceiverSettings = crate::error::json_body(&body)?;
    if state.traps.set_by_flags() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "the trap receiver was set by `serve --traps`: change the flags and restart",
        ));
    }
    if let Some(l) = &s.listen
        && l.parse::<SocketAddr>().is_err()
    {
        return Err(ApiError::field("listen", format!("'{l}' is not ADDR:PORT")));
    }
    if s.profiles.len() > 32 {
        return Err(ApiError::field("profiles", "at most 32 profiles"));
    }
    if let Some(ns) = &s.netns {
        wirescope_net::netns::check_name(ns)
            .map_err(|e| ApiError::field("netns", e.to_string()))?;
    }
    let previous = state.traps.settings.lock().await.clone();
    if let Err(e) = state.traps.apply(s.clone()).await {
        // What ran before runs again; the failed settings are not kept.
        let _ = state.traps.apply(previous).await;
        return Err(ApiError::field(e.field, e.message));
    }
    state
        .store
        .set_setting(SETTINGS_KEY, &serde_json::to_string(&s).unwrap_or_default())?;
    Ok(Json(state.traps.status().await?))
}
