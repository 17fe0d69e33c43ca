//! Traffic over REST and WebSocket: capture sessions started and stopped from the dashboard (live
//! on the server's interfaces, or from an uploaded capture file), their statistics, the packet
//! list with display filters, one packet's detail, and pcapng downloads. A session keeps a ring of
//! the newest frames; memory is bounded by its size, not by the traffic. Every session is also
//! kept in the history (`keep`, `history`): its files on the disk, its minutes in the store.

mod history;
mod keep;
mod registry;
mod upload;

pub use keep::{KeepConfig, MIN_ROTATE_BYTES};
pub use registry::Captures;
pub use upload::{MAX_UPLOAD, clean_uploads, upload_dir, upload_routes};

use crate::AppState;
use crate::api::parse_id;
use crate::error::ApiError;
use crate::error::Query;
use crate::ws::ServerMessage;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use registry::{Capture, IntoSession, locked, snapshot};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use tokio::sync::mpsc;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wirescope_traffic::detail::PacketDetail;
use wirescope_traffic::filter::Filter;
use wirescope_traffic::live::{CaptureError, CaptureOptions, CaptureStats};
use wirescope_traffic::reader::{self, OpenError};
use wirescope_traffic::session::PacketRow;
use wirescope_traffic::session::{Session, SessionLimits};
use wirescope_traffic::stats::Report;

/// Largest ring a client may ask for.
const MAX_RING: usize = 1_000_000;
/// Interfaces one live capture may read at once.
pub const MAX_INTERFACES: usize = 16;
/// Where a capture's frames come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CaptureSource {
    /// The server's interfaces.
    Live,
    /// An uploaded capture file.
    File,
}

/// What a capture is, for lists.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaptureInfo {
    pub id: i64,
    pub source: CaptureSource,
    pub interfaces: Vec<String>,
    pub bpf: Option<String>,
    /// The uploaded file's name.
    pub file: Option<String>,
    pub ring_size: usize,
    /// The buffer the kept frames' bytes share.
    pub ring_bytes: usize,
    /// The most memory the session can hold (counted against `--capture-memory`).
    pub memory_bytes: usize,
    /// Milliseconds since the epoch.
    pub started_at: i64,
    pub running: bool,
    /// Its frames are held in memory (else a look at it opens its kept files first).
    pub loaded: bool,
    /// What the history holds of it (in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stored: Option<wirescope_store::StoredCapture>,
}

/// The server's network interfaces.
#[derive(Debug, Serialize, ToSchema)]
pub struct Interfaces {
    /// Names in the server's namespace, then "any".
    pub interfaces: Vec<String>,
}

/// Capture sessions, live and uploaded, as the history holds them, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaptureList {
    pub captures: Vec<CaptureInfo>,
    /// Ask again with `before` this for older ones.
    pub next_before: Option<i64>,
}

/// One interface's kernel counters.
#[derive(Debug, Serialize, ToSchema)]
pub struct InterfaceCounters {
    pub interface: String,
    #[serde(flatten)]
    pub stats: CaptureStats,
}

/// A capture's state.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaptureState {
    pub capture: CaptureInfo,
    /// Frames seen.
    pub frames: u64,
    /// Frames kept in the ring with their bytes.
    pub kept: usize,
    pub interfaces: Vec<InterfaceCounters>,
    /// Where an uploaded file is damaged ("what, at byte offset N"); what came before is kept.
    pub damage: Option<String>,
    /// The statistics, as `wirescope analyze --json` prints them (top 20 rows per table).
    pub report: Report,
}

/// A capture started.
#[derive(Debug, Serialize, ToSchema)]
pub struct Started {
    pub id: i64,
}

/// A capture file taken in.
#[derive(Debug, Serialize, ToSchema)]
pub struct Uploaded {
    pub id: i64,
    /// Where the file is damaged ("what, at byte offset N"); what came before it is kept.
    pub damage: Option<String>,
    /// Bytes received.
    pub bytes: usize,
}

/// A stop requested.
#[derive(Debug, Serialize, ToSchema)]
pub struct Stopping {
    pub stopped: bool,
}

/// The packet list.
#[derive(Debug, Serialize, ToSchema)]
pub struct PacketList {
    pub packets: Vec<PacketRow>,
}

pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(interfaces))
        .routes(routes!(list, start))
        .routes(routes!(show, remove))
        .routes(routes!(stop))
        .routes(routes!(packets))
        .routes(routes!(packet))
        .routes(routes!(pcapng))
        .routes(routes!(stats_csv))
        .routes(routes!(history::history))
        .routes(routes!(history::files))
        .routes(routes!(history::file))
}

/// The server's network interfaces (its namespace), and "any".
#[utoipa::path(get, path = "/interfaces", tag = "traffic", responses((status = 200, body = Interfaces)))]
async fn interfaces() -> Result<Response, ApiError> {
    let mut names: Vec<String> = std::fs::read_dir("/sys/class/net")
        .map_err(ApiError::internal)?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names.push("any".into());
    Ok(Json(Interfaces { interfaces: names }).into_response())
}

/// A live capture to start.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartCapture {
    /// Interface names, or "any"; duplicates are dropped; at most 16.
    interfaces: Vec<String>,
    /// BPF capture filter (tcpdump syntax).
    #[serde(default)]
    bpf: Option<String>,
    #[serde(default)]
    promiscuous: bool,
    /// Each frame handed over as it arrives (one wake-up per frame), instead of in kernel blocks
    /// at most 100 ms old.
    #[serde(default)]
    immediate: bool,
    /// Frames kept with their bytes (default 100000).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 1_000_000)]
    ring_size: Option<usize>,
    /// Capture inside this network namespace: a name under /run/netns, not a path.
    #[serde(default)]
    netns: Option<String>,
    /// Its files rotate before this many bytes (default `--capture-rotate-size`; at least 64 KiB,
    /// at most `--capture-keep`).
    #[serde(default)]
    #[schema(minimum = 65536)]
    rotate_bytes: Option<u64>,
    /// ... and once a file spans this many seconds (default `--capture-rotate-every`; 0: never).
    #[serde(default)]
    rotate_seconds: Option<u64>,
    /// Only the newest this many closed files of it are kept (a ring buffer, as dumpcap's
    /// `-b files:N`); default: as the server's retention allows.
    #[serde(default)]
    #[schema(minimum = 1)]
    ring_files: Option<usize>,
}

/// How a capture's files rotate, from its request and the server's defaults; `None` when the
/// server keeps no files.
fn rotation(
    keep: &KeepConfig,
    bytes: Option<u64>,
    seconds: Option<u64>,
) -> Result<Option<wirescope_traffic::record::Rotation>, ApiError> {
    if let Some(b) = bytes.filter(|b| *b < MIN_ROTATE_BYTES) {
        return Err(ApiError::field(
            "rotate_bytes",
            format!("{b} bytes: a file rotates at 64 KiB (65536) or more"),
        ));
    }
    // The open file counts against no budget until it closes: it may not outgrow the whole
    // retention.
    if let Some(b) = bytes.filter(|b| keep.bytes > 0 && *b > keep.bytes) {
        return Err(ApiError::field(
            "rotate_bytes",
            format!(
                "{b} bytes: a file rotates at most at the server's --capture-keep ({} bytes)",
                keep.bytes
            ),
        ));
    }
    if seconds.is_some_and(|s| s > 400 * 86_400) {
        return Err(ApiError::field(
            "rotate_seconds",
            "at most 400 days (34560000)",
        ));
    }
    if keep.bytes == 0 {
        return Ok(None);
    }
    Ok(Some(wirescope_traffic::record::Rotation {
        max_bytes: bytes.unwrap_or(keep.rotation.max_bytes),
        max_age_ms: match seconds {
            Some(0) => None,
            Some(s) => Some(s as i64 * 1000),
            None => keep.rotation.max_age_ms,
        },
    }))
}

/// What a new capture reads, as the history records it.
struct Reads {
    source: &'static str,
    interfaces: Vec<String>,
    bpf: Option<String>,
    file: Option<String>,
    netns: Option<String>,
}

/// Records a new capture in the store and starts keeping it; returns its recording.
async fn record(
    state: &Arc<AppState>,
    reads: Reads,
    rotation: Option<wirescope_traffic::record::Rotation>,
    ring_files: Option<usize>,
) -> Result<keep::Keeping, ApiError> {
    let Reads {
        source,
        interfaces,
        bpf,
        file,
        netns,
    } = reads;
    let store = state.store.clone();
    let host = state.captures.host.clone();
    let files = state.config.files.clone();
    let rotated = state.captures.rotated.clone();
    tokio::task::spawn_blocking(move || {
        let rotation_text = serde_json::json!({
            "max_bytes": rotation.map(|r| r.max_bytes),
            "max_age_ms": rotation.and_then(|r| r.max_age_ms),
            "ring_files": ring_files,
        })
        .to_string();
        // The directory is named by the id, which the row gives: set once it is known.
        let id = store
            .insert_capture(&wirescope_store::NewCapture {
                source,
                interfaces: &interfaces,
                bpf: bpf.as_deref(),
                file: file.as_deref(),
                netns: netns.as_deref(),
                host: &host,
                dir: "",
                started_at: wirescope_store::now_ms(),
                rotation: &rotation_text,
            })
            .map_err(ApiError::internal)?;
        let dir = keep::capture_dir(&files, id);
        store
            .set_capture_dir(id, &dir.display().to_string())
            .map_err(ApiError::internal)?;
        keep::Keeping::start(id, &dir, rotation, ring_files, Some(rotated)).map_err(|e| {
            let _ = store.delete_capture(id);
            ApiError::internal(format!("cannot keep the capture in {}: {e}", dir.display()))
        })
    })
    .await
    .map_err(ApiError::internal)?
}

/// Forgets a capture that could not start: its row and its directory.
async fn unrecord(state: &Arc<AppState>, id: i64) {
    let store = state.store.clone();
    let dir = keep::capture_dir(&state.config.files, id);
    let _ = tokio::task::spawn_blocking(move || {
        let _ = std::fs::remove_dir_all(dir);
        store.delete_capture(id)
    })
    .await;
}

/// Runs retention: when a file is closed, and every minute.
pub fn spawn_sweeper(state: &Arc<AppState>) {
    let state = state.clone();
    tokio::spawn(async move {
        loop {
            let s = state.clone();
            let swept = tokio::task::spawn_blocking(move || {
                keep::sweep(
                    &s.store,
                    &s.captures.keep,
                    &s.captures.host,
                    &s.captures.running(),
                )
            })
            .await;
            if let Ok(Err(e)) = swept {
                eprintln!("wirescope: capture retention: {e}");
            }
            tokio::select! {
                () = state.captures.rotated.notified() => {}
                () = tokio::time::sleep(std::time::Duration::from_secs(60)) => {}
            }
        }
    });
}

/// The interfaces a capture names, each once, in order; at most `MAX_INTERFACES`.
fn interface_list(asked: &[String]) -> Result<Vec<String>, ApiError> {
    let mut out: Vec<String> = Vec::new();
    for name in asked {
        let name = name.trim();
        if name.is_empty()
            || name.len() >= 16
            || name
                .chars()
                .any(|c| c == '/' || c.is_whitespace() || c.is_control())
        {
            return Err(ApiError::field(
                "interfaces",
                format!("'{}' is not an interface name", name.escape_debug()),
            ));
        }
        if !out.iter().any(|n| n == name) {
            out.push(name.to_string());
        }
    }
    if out.is_empty() {
        return Err(ApiError::field("interfaces", "name at least one interface"));
    }
    if out.len() > MAX_INTERFACES {
        return Err(ApiError::field(
            "interfaces",
            format!(
                "{} interfaces named; one capture reads at most {MAX_INTERFACES} (or use \"any\")",
                out.len()
            ),
        ));
    }
    Ok(out)
}

pub(super) fn ring_size(asked: Option<usize>) -> Result<usize, ApiError> {
    match asked {
        None => Ok(SessionLimits::default().ring_size),
        Some(n) if (1..=MAX_RING).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::field(
            "ring_size",
            format!("between 1 and {MAX_RING} packets"),
        )),
    }
}

/// Start a live capture.
#[utoipa::path(post, path = "/captures", tag = "traffic", request_body = StartCapture, responses(
    (status = 201, body = Started),
    (status = 400, body = ApiError, description = "`field`: interfaces (cannot open: the reason, e.g. no such device or no permission; more than 16), bpf (libpcap's message), netns, ring_size (more than the whole --capture-memory)"),
    (status = 429, body = ApiError, description = "`field` interfaces: --max-captures live captures run already; ring_size: running captures hold the --capture-memory budget"),
))]
async fn start(State(state): State<Arc<AppState>>, body: Bytes) -> Result<Response, ApiError> {
    let req: StartCapture = crate::error::json_body(&body)?;
    let interfaces = interface_list(&req.interfaces)?;
    let ring = ring_size(req.ring_size)?;
    let opts = CaptureOptions {
        promiscuous: req.promiscuous,
        immediate: req.immediate,
        bpf: req.bpf.clone().filter(|b| !b.trim().is_empty()),
        ..CaptureOptions::default()
    };
    let netns = req.netns.clone().filter(|n| !n.is_empty());
    if let Some(ns) = &netns {
        wirescope_net::netns::check_name(ns)
            .and_then(|()| wirescope_net::netns::check(ns))
            .map_err(|e| ApiError::field("netns", e.to_string()))?;
    }
    let limits = SessionLimits {
        ring_size: ring,
        ..SessionLimits::default()
    };
    // The session, plus the kernel's buffer for each interface.
    let cost = limits
        .memory_bound()
        .saturating_add(interfaces.len() * opts.buffer_bytes as usize);
    let rotation = rotation(&state.captures.keep, req.rotate_bytes, req.rotate_seconds)?;
    if req.ring_files == Some(0) {
        return Err(ApiError::field("ring_files", "keep at least 1 file"));
    }
    let reads = Reads {
        source: "live",
        interfaces: interfaces.clone(),
        bpf: opts.bpf.clone(),
        file: None,
        netns: netns.clone(),
    };
    let keeping = record(&state, reads, rotation, req.ring_files).await?;
    let id = keeping.id;
    let stop = Arc::new(AtomicBool::new(false));
    let admitted = state.captures.admit(id, cost, true, |id| {
        let info = CaptureInfo {
            id,
            source: CaptureSource::Live,
            interfaces: interfaces.clone(),
            bpf: req.bpf.clone(),
            file: None,
            ring_size: ring,
            ring_bytes: limits.ring_bytes,
            memory_bytes: cost,
            started_at: wirescope_store::now_ms(),
            running: true,
            loaded: true,
            stored: None,
        };
        Capture::new(info, Session::new(limits), stop.clone(), None)
    });
    let capture = match admitted {
        Ok(c) => c,
        Err(e) => {
            unrecord(&state, id).await;
            return Err(e);
        }
    };
    *registry::locked(&capture.keep) = Some(keeping);
    // A reader thread per interface (wirescope-traffic's, as `wirescope capture` uses): it
    // enters the namespace, opens its handle, then feeds the session a burst at a time.
    let left = Arc::new(AtomicU64::new(interfaces.len() as u64));
    let metrics = state.metrics.clone();
    let store = state.store.clone();
    let opened = tokio::task::spawn_blocking(move || {
        for name in &interfaces {
            let sink = IntoSession {
                capture: capture.clone(),
                left: left.clone(),
                interface: name.clone(),
                metrics: metrics.clone(),
                drops_counted: 0,
                store: store.clone(),
            };
            reader::spawn(name, &opts, netns.clone(), stop.clone(), sink).map_err(|e| {
                stop.store(true, Ordering::Relaxed);
                match e {
                    OpenError::Netns(e) => ApiError::field("netns", e.to_string()),
                    OpenError::Capture(e @ CaptureError::Filter { .. }) => {
                        ApiError::field("bpf", e.to_string())
                    }
                    OpenError::Capture(e) => ApiError::field("interfaces", e.to_string()),
                }
            })?;
        }
        Ok::<_, ApiError>(())
    })
    .await
    .map_err(ApiError::internal)?;
    if let Err(e) = opened {
        if let Some(c) = state.captures.remove(id) {
            // Readers already started end by themselves; the rest never will.
            registry::locked(&c.keep).take();
        }
        unrecord(&state, id).await;
        return Err(e);
    }
    Ok((StatusCode::CREATED, Json(Started { id })).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Only captures with a smaller id (the next page).
    before: Option<i64>,
    #[param(default = 200, minimum = 1, maximum = 1000)]
    limit: Option<i64>,
}

/// Capture sessions (live and uploaded) as the history holds them, newest first, each saying
/// whether it is held in memory.
#[utoipa::path(get, path = "/captures", tag = "traffic", params(ListQuery), responses((status = 200, body = CaptureList)))]
async fn list(
    State(state): State<Arc<AppState>>,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let limit = q.limit.unwrap_or(200).clamp(1, 1000);
    let store = state.store.clone();
    let stored = tokio::task::spawn_blocking(move || store.captures(q.before, limit))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let next_before = (stored.len() as i64 == limit)
        .then(|| stored.last().map(|c| c.id))
        .flatten();
    let captures = history::listed(&state, stored);
    Ok(Json(CaptureList {
        captures,
        next_before,
    })
    .into_response())
}

/// A capture's state: info, frames, kernel counters, damage, statistics.
#[utoipa::path(get, path = "/captures/{id}", tag = "traffic", params(("id" = i64, Path)), responses(
    (status = 200, body = CaptureState),
    (status = 404, body = ApiError),
    (status = 410, body = ApiError, description = "closed to make room within --capture-memory; `error` says which and why"),
))]
async fn show(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let c = history::find(&state, parse_id(&id)?).await?;
    Ok(Json(snapshot(&c, 20)).into_response())
}

/// Stop a live capture (its frames stay).
#[utoipa::path(post, path = "/captures/{id}/stop", tag = "traffic", params(("id" = i64, Path)), responses(
    (status = 200, body = Stopping),
    (status = 404, body = ApiError),
    (status = 410, body = ApiError),
))]
async fn stop(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let c = state.captures.get(parse_id(&id)?)?;
    c.stop.store(true, Ordering::Relaxed);
    Ok(Json(Stopping { stopped: true }).into_response())
}

/// Stop a capture and forget it: from memory, and from the history with its files.
#[utoipa::path(delete, path = "/captures/{id}", tag = "traffic", params(("id" = i64, Path)), responses(
    (status = 204, description = "gone"),
    (status = 404, body = ApiError),
))]
async fn remove(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let held = state.captures.remove(id);
    if let Some(c) = &held {
        c.stop.store(true, Ordering::Relaxed);
    }
    let stored = history::stored(&state, id).await.ok();
    if held.is_none() && stored.is_none() {
        return Err(ApiError::not_found("capture"));
    }
    if let Some(s) = stored {
        let store = state.store.clone();
        let here = s.host == state.captures.host;
        tokio::task::spawn_blocking(move || {
            // Its readers may still be ending: what they would write goes with the row.
            if let Some(c) = held {
                registry::locked(&c.keep).take();
            }
            if here && !s.dir.is_empty() {
                let _ = std::fs::remove_dir_all(&s.dir);
            }
            store.delete_capture(id)
        })
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct PacketsQuery {
    /// The first frame number wanted (else the newest `limit`).
    from: Option<u64>,
    #[param(default = 1000, minimum = 1, maximum = 100_000)]
    limit: Option<usize>,
    /// A display filter, e.g. `ip.addr == 10.0.0.1 && tcp.port == 443`.
    filter: Option<String>,
}

fn parse_filter(text: Option<&str>) -> Result<Option<Filter>, ApiError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => Filter::parse(t)
            .map(Some)
            .map_err(|e| ApiError::field("filter", e.to_string())),
        None => Ok(None),
    }
}

/// The packet list: kept frames, newest `limit` (or from frame `from` on), matching a display filter.
#[utoipa::path(get, path = "/captures/{id}/packets", tag = "traffic", params(("id" = i64, Path), PacketsQuery), responses(
    (status = 200, body = PacketList),
    (status = 400, body = ApiError, description = "`field: filter`, the error names the column"),
    (status = 404, body = ApiError),
))]
async fn packets(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(q): Query<PacketsQuery>,
) -> Result<Response, ApiError> {
    let c = history::find(&state, parse_id(&id)?).await?;
    let filter = parse_filter(q.filter.as_deref())?;
    let limit = q.limit.unwrap_or(1000).clamp(1, 100_000);
    let rows = locked(&c.session).packets(q.from, limit, filter.as_ref());
    Ok(Json(PacketList { packets: rows }).into_response())
}

/// One frame in detail: its layers and fields with byte ranges, and its bytes.
#[utoipa::path(get, path = "/captures/{id}/packets/{no}", tag = "traffic", params(("id" = i64, Path), ("no" = u64, Path)), responses(
    (status = 200, body = PacketDetail),
    (status = 404, body = ApiError, description = "no such frame in the ring (the oldest are forgotten)"),
))]
async fn packet(
    State(state): State<Arc<AppState>>,
    Path((id, no)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let c = history::find(&state, parse_id(&id)?).await?;
    let no: u64 = no
        .parse()
        .map_err(|_| ApiError::field("no", format!("'{no}' is not a frame number")))?;
    let d = locked(&c.session)
        .detail(no)
        .ok_or_else(|| ApiError::not_found("packet (not in the ring)"))?;
    Ok(Json(d).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct PcapngQuery {
    /// Only the kept frames this display filter matches.
    filter: Option<String>,
    /// Anonymised (as `wirescope anonymize` does, with the server's key): every IPv4 and IPv6
    /// address a Crypto-PAn pseudonym, checksums fixed.
    anonymize: Option<bool>,
    /// With `anonymize`: MAC addresses scrambled too.
    macs: Option<bool>,
    /// With `anonymize`: each frame's headers kept up to this layer, the rest dropped.
    #[param(inline)]
    cut_after: Option<CutAfter>,
}

/// Where an anonymised download cuts frames.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
enum CutAfter {
    Link,
    Network,
    Transport,
}

impl From<CutAfter> for wirescope_traffic::anon::Cut {
    fn from(c: CutAfter) -> Self {
        match c {
            CutAfter::Link => wirescope_traffic::anon::Cut::Link,
            CutAfter::Network => wirescope_traffic::anon::Cut::Network,
            CutAfter::Transport => wirescope_traffic::anon::Cut::Transport,
        }
    }
}

/// The kept frames as a pcapng file.
#[utoipa::path(get, path = "/captures/{id}/pcapng", tag = "traffic", params(("id" = i64, Path), PcapngQuery), responses(
    (status = 200, content_type = "application/x-pcapng", body = Vec<u8>),
    (status = 400, body = ApiError),
    (status = 404, body = ApiError),
))]
async fn pcapng(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(q): Query<PcapngQuery>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let c = history::find(&state, id).await?;
    let filter = parse_filter(q.filter.as_deref())?;
    let mut bytes = locked(&c.session)
        .pcapng(filter.as_ref())
        .map_err(ApiError::internal)?;
    let anonymize = q.anonymize.unwrap_or(false);
    if anonymize {
        let mut anon =
            crate::anon::anonymizer(&state, q.macs.unwrap_or(false), q.cut_after.map(Into::into))
                .await?;
        bytes = tokio::task::spawn_blocking(move || {
            wirescope_traffic::anon::anonymize_bytes(&bytes, &mut anon)
        })
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    } else if q.macs.is_some() || q.cut_after.is_some() {
        return Err(ApiError::field(
            "anonymize",
            "macs and cut_after go with anonymize=true",
        ));
    }
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-pcapng".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"wirescope-capture-{id}{}.pcapng\"",
                    if anonymize { "-anon" } else { "" }
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct CsvQuery {
    /// Which table (default protocols).
    #[param(schema_with = csv_tables)]
    table: Option<String>,
}

fn csv_tables() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(wirescope_traffic::stats::CSV_TABLES))
        .default(Some("protocols".into()))
        .build()
}

/// One table of a capture's statistics as CSV (every row, not just the top 20).
#[utoipa::path(get, path = "/captures/{id}/csv", tag = "traffic", params(("id" = i64, Path), CsvQuery), responses(
    (status = 200, content_type = "text/csv", body = String),
    (status = 400, body = ApiError),
    (status = 404, body = ApiError),
))]
async fn stats_csv(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(q): Query<CsvQuery>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let c = history::find(&state, id).await?;
    let table = q.table.unwrap_or_else(|| "protocols".into());
    let report = locked(&c.session).report(usize::MAX);
    let body = wirescope_traffic::stats::csv(&report, &table)
        .map_err(|e| ApiError::field("table", e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"wirescope-capture-{id}-{table}.csv\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// Sends a capture's state to a WebSocket client once a second, and a last time after it stops.
pub async fn watch(state: Arc<AppState>, id: i64, out: mpsc::Sender<String>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    loop {
        tick.tick().await;
        let Ok(c) = state.captures.get(id) else {
            let gone = ServerMessage::Error {
                run: None,
                capture: Some(id),
                message: "no such capture".into(),
            };
            let _ = out.send(gone.text()).await;
            return;
        };
        let running = locked(&c.info).running;
        let msg = ServerMessage::Capture {
            id,
            state: Box::new(snapshot(&c, 20)),
        };
        if out.send(msg.text()).await.is_err() || !running {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rotation_size_is_bounded_by_the_retention_and_named_when_refused() {
        let keep = KeepConfig {
            bytes: 1 << 20,
            ..KeepConfig::default()
        };
        let refused = |bytes, seconds| {
            let e = rotation(&keep, bytes, seconds).expect_err("refused");
            serde_json::to_value(&e).expect("json").to_string()
        };
        let small = refused(Some(1_000), None);
        assert!(
            small.contains("rotate_bytes") && small.contains("65536"),
            "{small}"
        );
        let big = refused(Some(2 << 20), None);
        assert!(
            big.contains("rotate_bytes") && big.contains("--capture-keep"),
            "{big}"
        );
        let long = refused(None, Some(401 * 86_400));
        assert!(long.contains("rotate_seconds"), "{long}");
        let kept = rotation(&keep, Some(1 << 20), Some(0))
            .expect("accepted")
            .expect("files are kept");
        assert_eq!((kept.max_bytes, kept.max_age_ms), (1 << 20, None));
        let none = KeepConfig {
            bytes: 0,
            ..KeepConfig::default()
        };
        assert!(
            rotation(&none, Some(1 << 40), None)
                .expect("no files")
                .is_none()
        );
    }
}
