//! Stored captures over REST: a stored capture opened again from its kept files (after a
//! restart, or once evicted from memory), its traffic over a time range from the minutes and
//! hours in the store, and its files as they lie on the disk.

use super::registry::Capture;
use super::{CaptureInfo, CaptureSource};
use crate::AppState;
use crate::api::parse_id;
use crate::error::{ApiError, Query};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use utoipa::{IntoParams, ToSchema};
use wirescope_store::{CaptureFile, StoredCapture};
use wirescope_traffic::record::{HOUR_MS, INTERVAL_TALKERS, Interval, MINUTE_MS, Talker};
use wirescope_traffic::session::{Session, SessionLimits};
use wirescope_traffic::stats::Count;

/// Buckets one history answer may hold.
pub const MAX_BUCKETS: i64 = 2_000;
/// The longest range one history answer covers.
pub const MAX_RANGE_MS: i64 = 400 * 86_400_000;

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, wirescope_store::StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
}

pub(super) async fn stored(state: &Arc<AppState>, id: i64) -> Result<StoredCapture, ApiError> {
    let store = state.store.clone();
    blocking(move || store.capture(id))
        .await?
        .ok_or_else(|| ApiError::not_found("capture"))
}

/// A capture in memory, or opened from the history: its kept files read (in order) into a
/// session of its own, one opening at a time per `--max-uploads` slot.
pub(super) async fn find(state: &Arc<AppState>, id: i64) -> Result<Arc<Capture>, ApiError> {
    let held = match state.captures.get(id) {
        Ok(c) => return Ok(c),
        Err(e) => e,
    };
    let store = state.store.clone();
    let Some(s) = blocking(move || store.capture(id)).await? else {
        return Err(held);
    };
    if s.host != state.captures.host {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!(
                "capture {id}'s files are on {}, not on this server's machine ({}): open it there",
                s.host, state.captures.host
            ),
        ));
    }
    let _slot = state
        .captures
        .uploads
        .clone()
        .acquire_owned()
        .await
        .map_err(ApiError::internal)?;
    // Another request may have opened it while this one waited.
    if let Ok(c) = state.captures.get(id) {
        return Ok(c);
    }
    let store = state.store.clone();
    let files = blocking(move || store.capture_files(id)).await?;
    let limits = SessionLimits::default();
    let dir = std::path::PathBuf::from(&s.dir);
    let (session, damage) =
        tokio::task::spawn_blocking(move || read_files(&dir, &files, limits, MAX_OPEN_BYTES))
            .await
            .map_err(ApiError::internal)?;
    let cost = limits.memory_bound();
    let damage = damage.or_else(|| s.damage.clone());
    state.captures.admit(id, cost, false, |_| {
        let info = CaptureInfo {
            ring_size: limits.ring_size,
            ring_bytes: limits.ring_bytes,
            memory_bytes: cost,
            loaded: true,
            ..info_of(&s)
        };
        Capture::new(info, session, Arc::new(AtomicBool::new(true)), damage)
    })
}

/// A stored capture as lists show it: not in memory, holding nothing.
fn info_of(s: &StoredCapture) -> CaptureInfo {
    CaptureInfo {
        id: s.id,
        source: if s.source == "file" {
            CaptureSource::File
        } else {
            CaptureSource::Live
        },
        interfaces: s.interfaces.clone(),
        bpf: s.bpf.clone(),
        file: s.file.clone(),
        ring_size: 0,
        ring_bytes: 0,
        memory_bytes: 0,
        started_at: s.started_at,
        running: false,
        loaded: false,
        stored: None,
    }
}

/// The most bytes of files one opening reads: the newest files up to it (a capture's whole
/// weeks are in its minutes).
pub const MAX_OPEN_BYTES: i64 = 512 << 20;

/// A stored capture's kept files into a session (the newest up to `MAX_OPEN_BYTES`): what
/// could not be read is said (the first such thing), the rest kept.
fn read_files(
    dir: &std::path::Path,
    files: &[CaptureFile],
    limits: SessionLimits,
    max_bytes: i64,
) -> (Session, Option<String>) {
    let mut session = Session::new(limits);
    let mut damage = None;
    let mut note = |what: String| {
        if damage.is_none() {
            damage = Some(what);
        }
    };
    let removed = files.iter().filter(|f| f.removed_at.is_some()).count();
    if removed > 0 {
        note(format!(
            "{removed} of its {} files were removed by retention: their frames are not here",
            files.len()
        ));
    }
    // The newest files that fit, read oldest first.
    let mut kept: Vec<&CaptureFile> = files.iter().filter(|f| f.removed_at.is_none()).collect();
    let mut bytes = 0i64;
    let newest = kept
        .iter()
        .rev()
        .take_while(|f| {
            bytes += f.size;
            bytes <= max_bytes
        })
        .count()
        .max(1)
        .min(kept.len());
    let skipped = kept.len() - newest;
    if skipped > 0 {
        note(format!(
            "its {skipped} oldest files are not read (an opening reads the newest {} MiB); \
             its history has their minutes",
            max_bytes >> 20
        ));
    }
    kept.drain(..skipped);
    for f in kept {
        let path = dir.join(&f.name);
        let map = match wirescope_traffic::read::CaptureFile::open_streaming(&path) {
            Ok(m) => m,
            Err(e) => {
                note(format!("{}: {e}", f.name));
                continue;
            }
        };
        let mut packets = match wirescope_traffic::read::packets(map.bytes()) {
            Ok(p) => p,
            Err(d) => {
                note(format!("{}: {d}", f.name));
                continue;
            }
        };
        let mut released = 0u64;
        while let Some(p) = packets.next() {
            session.ingest(p.linktype, p.ts_ns, p.len, p.data);
            if packets.position() >= released + (16 << 20) {
                released = packets.position();
                map.release(released as usize);
            }
        }
        // The file a stopped server was writing ends part-way: what came before is kept.
        if let Some(d) = packets.damage() {
            note(format!("{}: {d}", f.name));
        }
    }
    (session, damage)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct HistoryQuery {
    /// The range's start (ms since the epoch); default: a day before its end.
    from: Option<i64>,
    /// The range's end (ms); default: the capture's newest minute's end.
    to: Option<i64>,
    /// Bucket width in ms (a multiple of a minute); default: the smallest of 1 m, 5 m, 15 m,
    /// 1 h, 3 h, 6 h, 1 d giving at most 500 buckets.
    step: Option<i64>,
}

/// One bucket of a capture's traffic.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryBucket {
    /// Its start (ms since the epoch).
    pub t: i64,
    pub packets: u64,
    pub bytes: u64,
    /// By Wireshark display-filter name.
    pub protocols: BTreeMap<String, Count>,
}

/// A capture's traffic over a time range, from the store's minutes (or hours, for long
/// ranges and where the minutes are no longer kept).
#[derive(Debug, Serialize, ToSchema)]
pub struct TrafficHistory {
    pub capture: StoredCapture,
    /// The range, and the buckets' width (ms).
    pub from: i64,
    pub to: i64,
    pub step: i64,
    /// The width of the stored intervals summed: 60000 (minutes) or 3600000 (hours).
    pub resolution: i64,
    /// Where its stored traffic begins (the first interval's start) and ends (the newest
    /// minute's end, else the newest hour's), whatever the range asked.
    pub first: Option<i64>,
    pub last: Option<i64>,
    /// Buckets with traffic, oldest first (a bucket without any is left out).
    pub buckets: Vec<HistoryBucket>,
    /// The range's protocol mix and its busiest addresses (summed from each interval's 20).
    pub protocols: BTreeMap<String, Count>,
    pub talkers: Vec<Talker>,
    pub packets: u64,
    pub bytes: u64,
}

const STEPS: [i64; 7] = [
    MINUTE_MS,
    5 * MINUTE_MS,
    15 * MINUTE_MS,
    HOUR_MS,
    3 * HOUR_MS,
    6 * HOUR_MS,
    24 * HOUR_MS,
];

/// A capture's traffic over a time range: bytes and packets per bucket with their protocol
/// mix, and the range's protocols and top talkers. Minutes are kept 14 days, hours 400.
#[utoipa::path(get, path = "/captures/{id}/history", tag = "traffic", params(("id" = i64, Path), HistoryQuery), responses(
    (status = 200, body = TrafficHistory),
    (status = 400, body = ApiError, description = "`field`: from, to, step"),
    (status = 404, body = ApiError),
))]
pub(super) async fn history(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(q): Query<HistoryQuery>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let capture = stored(&state, id).await?;
    let store = state.store.clone();
    let (first, last) = blocking(move || {
        let minutes = store.capture_stats_extent(id, MINUTE_MS)?;
        let hours = store.capture_stats_extent(id, HOUR_MS)?;
        // The newest minute ends the traffic (hours are kept longer, so they may begin it).
        Ok((
            minutes.0.into_iter().chain(hours.0).min(),
            minutes
                .1
                .map(|t| t + MINUTE_MS)
                .or(hours.1.map(|t| t + HOUR_MS)),
        ))
    })
    .await?;
    let to = q.to.or(last).unwrap_or_else(wirescope_store::now_ms);
    let from = q.from.unwrap_or(to - 24 * HOUR_MS);
    if from >= to {
        return Err(ApiError::field(
            "from",
            "the range's start comes before its end",
        ));
    }
    if to - from > MAX_RANGE_MS {
        return Err(ApiError::field("from", "a range covers at most 400 days"));
    }
    let span = to - from;
    let step = match q.step {
        Some(s) if s < MINUTE_MS || s % MINUTE_MS != 0 => {
            return Err(ApiError::field(
                "step",
                "a whole number of minutes, in ms (60000, 300000, ...)",
            ));
        }
        Some(s) if span / s > MAX_BUCKETS => {
            return Err(ApiError::field(
                "step",
                format!(
                    "{} buckets: at most {MAX_BUCKETS}; ask for a wider step",
                    span / s
                ),
            ));
        }
        Some(s) => s,
        None => STEPS
            .iter()
            .copied()
            .find(|s| span / s <= 500)
            .unwrap_or(24 * HOUR_MS),
    };
    let store = state.store.clone();
    let (resolution, rows) = blocking(move || {
        if step < HOUR_MS || step % HOUR_MS != 0 {
            let rows = store.capture_stats(id, MINUTE_MS, from, to)?;
            if !rows.is_empty() {
                return Ok((MINUTE_MS, rows));
            }
        }
        Ok((
            HOUR_MS,
            store.capture_stats(id, HOUR_MS, from.div_euclid(HOUR_MS) * HOUR_MS, to)?,
        ))
    })
    .await?;
    let step = if resolution == HOUR_MS {
        (step.max(HOUR_MS) + HOUR_MS - 1) / HOUR_MS * HOUR_MS
    } else {
        step
    };
    let mut buckets: BTreeMap<i64, HistoryBucket> = BTreeMap::new();
    let mut protocols: BTreeMap<String, Count> = BTreeMap::new();
    let mut talkers: HashMap<std::net::IpAddr, (u64, u64)> = HashMap::new();
    let (mut packets, mut bytes) = (0u64, 0u64);
    for row in rows {
        let i: Interval = serde_json::from_str(&row.data).map_err(ApiError::internal)?;
        let t = from + (i.t.max(from) - from) / step * step;
        let b = buckets.entry(t).or_insert_with(|| HistoryBucket {
            t,
            packets: 0,
            bytes: 0,
            protocols: BTreeMap::new(),
        });
        b.packets += i.packets;
        b.bytes += i.bytes;
        packets += i.packets;
        bytes += i.bytes;
        for (name, c) in &i.protocols {
            let add = |m: &mut BTreeMap<String, Count>| {
                let e = m.entry(name.clone()).or_default();
                e.packets += c.packets;
                e.bytes += c.bytes;
            };
            add(&mut b.protocols);
            add(&mut protocols);
        }
        for tk in &i.talkers {
            let e = talkers.entry(tk.addr).or_default();
            e.0 += tk.packets;
            e.1 += tk.bytes;
        }
    }
    let mut talkers: Vec<Talker> = talkers
        .into_iter()
        .map(|(addr, (packets, bytes))| Talker {
            addr,
            packets,
            bytes,
        })
        .collect();
    talkers.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.addr.cmp(&b.addr)));
    talkers.truncate(INTERVAL_TALKERS);
    Ok(Json(TrafficHistory {
        capture,
        from,
        to,
        step,
        resolution,
        first,
        last,
        buckets: buckets.into_values().collect(),
        protocols,
        talkers,
        packets,
        bytes,
    })
    .into_response())
}

/// A stored capture's files, removed ones too (with when).
#[derive(Debug, Serialize, ToSchema)]
pub struct CaptureFiles {
    pub files: Vec<CaptureFile>,
}

/// A stored capture's files, in order.
#[utoipa::path(get, path = "/captures/{id}/files", tag = "traffic", params(("id" = i64, Path)), responses(
    (status = 200, body = CaptureFiles),
    (status = 404, body = ApiError),
))]
pub(super) async fn files(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    stored(&state, id).await?;
    let store = state.store.clone();
    let files = blocking(move || store.capture_files(id)).await?;
    Ok(Json(CaptureFiles { files }).into_response())
}

/// One of a stored capture's files, as written (pcapng); the one still being written holds
/// what has been flushed.
#[utoipa::path(get, path = "/captures/{id}/files/{seq}", tag = "traffic", params(("id" = i64, Path), ("seq" = i64, Path)), responses(
    (status = 200, content_type = "application/x-pcapng", body = Vec<u8>),
    (status = 404, body = ApiError, description = "no such file"),
    (status = 409, body = ApiError, description = "on another machine"),
    (status = 410, body = ApiError, description = "removed by retention"),
))]
pub(super) async fn file(
    State(state): State<Arc<AppState>>,
    Path((id, seq)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let seq: i64 = seq
        .parse()
        .map_err(|_| ApiError::field("seq", format!("'{seq}' is not a file number")))?;
    let capture = stored(&state, id).await?;
    let store = state.store.clone();
    let files = blocking(move || store.capture_files(id)).await?;
    let f = files
        .into_iter()
        .find(|f| f.seq == seq)
        .ok_or_else(|| ApiError::not_found("file"))?;
    if let Some(at) = f.removed_at {
        return Err(ApiError::new(
            StatusCode::GONE,
            format!("{} was removed by retention at {at} (ms)", f.name),
        ));
    }
    if capture.host != state.captures.host {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!(
                "{} is on {}, not on this server's machine",
                f.name, capture.host
            ),
        ));
    }
    let path = std::path::Path::new(&capture.dir).join(&f.name);
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|e| ApiError::new(StatusCode::GONE, format!("{}: {e}", f.name)))?;
    let body = axum::body::Body::from_stream(tokio_util::io::ReaderStream::new(file));
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-pcapng".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"wirescope-capture-{id}-{}\"", f.name),
            ),
        ],
        body,
    )
        .into_response())
}

/// Stored captures with whether each is held in memory.
pub(super) fn listed(state: &AppState, stored: Vec<StoredCapture>) -> Vec<CaptureInfo> {
    let held: BTreeMap<i64, CaptureInfo> = state
        .captures
        .infos()
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    stored
        .into_iter()
        .map(|s| match held.get(&s.id) {
            Some(i) => CaptureInfo {
                stored: Some(s),
                ..i.clone()
            },
            None => CaptureInfo {
                stored: Some(s.clone()),
                ..info_of(&s)
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wirescope_traffic::record::{Recorder, Rotation};

    fn row(f: &wirescope_traffic::record::FileInfo) -> CaptureFile {
        super::super::keep::file_row(f, true)
    }

    #[test]
    fn an_opening_reads_the_newest_files_that_fit_and_says_what_it_left() {
        let dir = std::env::temp_dir().join(format!("wirescope-open-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let rotation = Rotation {
            max_bytes: 2_000,
            max_age_ms: None,
        };
        let mut r = Recorder::create(&dir, rotation).unwrap();
        let mut files = Vec::new();
        for i in 0..40i64 {
            files.extend(r.write(1, i, 200, &[0u8; 200]).unwrap().as_ref().map(row));
        }
        files.extend(r.close().unwrap().as_ref().map(row));
        assert!(files.len() >= 5, "{files:?}");
        let limits = SessionLimits::default();
        let all = i64::MAX;
        let (s, damage) = read_files(&dir, &files, limits, all);
        assert_eq!((s.frames(), damage), (40, None));
        // Only the newest two fit.
        let two = files[files.len() - 2].size + files[files.len() - 1].size;
        let (s, damage) = read_files(&dir, &files, limits, two);
        let want: i64 = files[files.len() - 2..].iter().map(|f| f.frames).sum();
        assert_eq!(s.frames() as i64, want);
        let damage = damage.unwrap_or_default();
        assert!(
            damage.contains(&format!(
                "its {} oldest files are not read",
                files.len() - 2
            )),
            "{damage}"
        );
        // One removed by retention, one cut short by a server killed mid-write.
        files[0].removed_at = Some(1);
        std::fs::remove_file(dir.join(&files[0].name)).unwrap();
        let last = dir.join(&files[files.len() - 1].name);
        let bytes = std::fs::read(&last).unwrap();
        std::fs::write(&last, &bytes[..bytes.len() - 100]).unwrap();
        let (s, damage) = read_files(&dir, &files, limits, all);
        let lost = files[0].frames + 1;
        assert_eq!(s.frames() as i64, 40 - lost);
        assert!(
            damage.unwrap_or_default().contains("1 of its"),
            "retention is said first"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
