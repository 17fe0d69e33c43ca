//! Capture files uploaded to the server: the body streamed to a file beside the history
//! database (removed however the upload ends), read from a map of it a page at a time into a
//! session of its own, under `--max-uploads`, and kept in the history as pcapng files with its
//! minutes (by the frames' own time).

use super::registry::Capture;
use super::{CaptureInfo, CaptureSource, Uploaded, ring_size};
use crate::AppState;
use crate::error::{ApiError, Query};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wirescope_traffic::session::{Session, SessionLimits};

/// Largest capture file accepted for upload.
pub const MAX_UPLOAD: usize = 512 << 20;
/// The upload route, which streams bodies up to `MAX_UPLOAD` to a file (the others keep the
/// server's limit).
pub fn upload_routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new().routes(routes!(upload))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct UploadQuery {
    /// The file's name, shown in lists.
    name: Option<String>,
    /// Frames kept with their bytes (default 100000).
    ring_size: Option<usize>,
}

/// Where uploads are written while they arrive: in the server's own files.
pub fn upload_dir(files: &std::path::Path) -> std::path::PathBuf {
    files.join("uploads")
}

/// Removes upload files a server that died left behind.
pub fn clean_uploads(dir: &std::path::Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().ends_with(".part") {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

/// An upload's file, removed when the upload ends whichever way (done, refused, or the client
/// gone mid-body).
struct PartFile(std::path::PathBuf);

impl Drop for PartFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

static UPLOADS: AtomicU64 = AtomicU64::new(0);

/// A capture file sent as the body becomes a session of its own (source "file"). The body is
/// streamed to a file in the data directory and read from a map of it, a page at a time, so an
/// upload costs the session's ring, not the file's size; `--max-uploads` run at once.
#[utoipa::path(post, path = "/captures/upload", tag = "traffic", params(UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "a pcap or pcapng file, up to 512 MiB"),
    responses(
        (status = 201, body = Uploaded, description = "a damaged file keeps what came before the damage"),
        (status = 400, body = ApiError),
        (status = 413, body = ApiError, description = "larger than 512 MiB"),
        (status = 429, body = ApiError, description = "--max-uploads uploads are in progress"),
    ))]
async fn upload(
    State(state): State<Arc<AppState>>,
    Query(q): Query<UploadQuery>,
    body: axum::body::Body,
) -> Result<Response, ApiError> {
    let ring = ring_size(q.ring_size)?;
    let name = match q.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) if n.len() > 255 || n.chars().any(char::is_control) => {
            return Err(ApiError::field(
                "name",
                "a file name is at most 255 bytes, without control characters",
            ));
        }
        other => other.map(str::to_string),
    };
    let _slot = state
        .captures
        .uploads
        .clone()
        .try_acquire_owned()
        .map_err(|_| ApiError {
            status: StatusCode::TOO_MANY_REQUESTS,
            error: format!(
                "{} uploads are in progress (--max-uploads {}): wait for one to finish",
                state.captures.max_uploads, state.captures.max_uploads
            ),
            field: Some("body".into()),
        })?;
    let dir = upload_dir(&state.config.files);
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| ApiError::internal(format!("cannot create {}: {e}", dir.display())))?;
    let n = UPLOADS.fetch_add(1, Ordering::Relaxed);
    let part = PartFile(dir.join(format!("upload-{}-{n}.part", std::process::id())));
    let mut file = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&part.0)
        .await
        .map_err(|e| ApiError::internal(format!("cannot write {}: {e}", part.0.display())))?;
    let mut stream = body.into_data_stream();
    let mut size = 0usize;
    while let Some(chunk) = futures::StreamExt::next(&mut stream).await {
        let chunk = chunk.map_err(|e| ApiError::field("body", format!("upload broke off: {e}")))?;
        size += chunk.len();
        if size > MAX_UPLOAD {
            return Err(ApiError {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                error: format!("a capture upload is at most {} MiB", MAX_UPLOAD >> 20),
                field: Some("body".into()),
            });
        }
        tokio::io::AsyncWriteExt::write_all(&mut file, &chunk)
            .await
            .map_err(|e| ApiError::internal(format!("cannot write the upload: {e}")))?;
    }
    tokio::io::AsyncWriteExt::flush(&mut file)
        .await
        .map_err(|e| ApiError::internal(format!("cannot write the upload: {e}")))?;
    drop(file);
    let limits = SessionLimits {
        ring_size: ring,
        ..SessionLimits::default()
    };
    let path = part.0.clone();
    let map = tokio::task::spawn_blocking(move || {
        wirescope_traffic::read::CaptureFile::open_streaming(&path)
            .map_err(|e| ApiError::internal(e.to_string()))
    })
    .await
    .map_err(ApiError::internal)??;
    // Not a capture file at all: refused before anything is recorded.
    if let Err(d) = wirescope_traffic::read::packets(map.bytes()) {
        return Err(ApiError::field("body", d.to_string()));
    }
    let keep = &state.captures.keep;
    let rotation = (keep.bytes > 0).then_some(wirescope_traffic::record::Rotation {
        max_bytes: keep.rotation.max_bytes,
        max_age_ms: None,
    });
    let reads = super::Reads {
        source: "file",
        interfaces: Vec::new(),
        bpf: None,
        file: name.clone(),
        netns: None,
    };
    let mut keeping = super::record(&state, reads, rotation, None).await?;
    let id = keeping.id;
    let store = state.store.clone();
    let read = tokio::task::spawn_blocking(move || {
        let mut session = Session::new(limits);
        let mut packets = wirescope_traffic::read::packets(map.bytes())
            .map_err(|d| ApiError::field("body", d.to_string()))?;
        let mut released = 0u64;
        while let Some(p) = packets.next() {
            let s = session.ingest(p.linktype, p.ts_ns, p.len, p.data);
            keeping.frame(p.linktype, p.ts_ns, p.len, p.data, &s);
            if let Some(pending) = keeping.tick_file(p.ts_ns.div_euclid(1_000_000)) {
                pending.write(&store, id).map_err(ApiError::internal)?;
            }
            // Read pages go back to the kernel every 16 MiB.
            if packets.position() >= released + (16 << 20) {
                released = packets.position();
                map.release(released as usize);
            }
        }
        let damage = packets.damage().map(ToString::to_string);
        let (pending, frames, bytes) = keeping.finish();
        pending.write(&store, id).map_err(ApiError::internal)?;
        store
            .end_capture(
                id,
                "stopped",
                wirescope_store::now_ms(),
                frames as i64,
                bytes as i64,
                damage.as_deref().or(keeping.failed.as_deref()),
            )
            .map_err(ApiError::internal)?;
        Ok::<_, ApiError>((session, damage))
    })
    .await
    .map_err(ApiError::internal)?;
    let (session, damage) = match read {
        Ok(r) => r,
        Err(e) => {
            super::unrecord(&state, id).await;
            return Err(e);
        }
    };
    drop(part);
    let cost = limits.memory_bound();
    state.captures.admit(id, cost, false, |id| {
        let info = CaptureInfo {
            id,
            source: CaptureSource::File,
            interfaces: Vec::new(),
            bpf: None,
            file: name.clone(),
            ring_size: ring,
            ring_bytes: limits.ring_bytes,
            memory_bytes: cost,
            started_at: wirescope_store::now_ms(),
            running: false,
            loaded: true,
            stored: None,
        };
        let stopped = Arc::new(AtomicBool::new(true));
        Capture::new(info, session, stopped, damage.clone())
    })?;
    Ok((
        StatusCode::CREATED,
        Json(Uploaded {
            id,
            damage,
            bytes: size,
        }),
    )
        .into_response())
}
