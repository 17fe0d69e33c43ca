//! Terminal recordings over REST: listed, described, played back as asciicast v2, deleted.

use crate::AppState;
use crate::error::{ApiError, Query};
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use wirescope_store::Recording;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct Page {
    #[param(default = 50, minimum = 1, maximum = 500)]
    limit: Option<i64>,
    #[param(default = 0, minimum = 0)]
    offset: Option<i64>,
}

/// A page of recordings.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordingPage {
    pub recordings: Vec<Recording>,
    pub total: i64,
}

/// Terminal recordings, newest first.
#[utoipa::path(get, path = "/ssh/recordings", tag = "ssh", params(Page), responses((status = 200, body = RecordingPage)))]
pub(super) async fn recordings(
    State(state): State<Arc<AppState>>,
    Query(p): Query<Page>,
) -> Result<Response, ApiError> {
    let (list, total) = state.store.recordings(
        p.limit.unwrap_or(50).clamp(1, 500),
        p.offset.unwrap_or(0).max(0),
    )?;
    Ok(Json(RecordingPage {
        recordings: list,
        total,
    })
    .into_response())
}

fn not_found(id: i64) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, format!("no recording {id}"))
}

/// One recording's details.
#[utoipa::path(get, path = "/ssh/recordings/{id}", tag = "ssh", params(("id" = i64, Path)), responses(
    (status = 200, body = Recording),
    (status = 404, body = ApiError),
))]
pub(super) async fn recording(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = crate::api::parse_id(&id)?;
    let r = state.store.recording(id)?.ok_or_else(|| not_found(id))?;
    Ok(Json(r).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct CastQuery {
    /// Any value but 0: as an attachment.
    download: Option<String>,
}

/// The recording as asciicast v2 (plays in asciinema).
#[utoipa::path(get, path = "/ssh/recordings/{id}/cast", tag = "ssh", params(("id" = i64, Path), CastQuery), responses(
    (status = 200, content_type = "application/x-asciicast", body = String),
    (status = 404, body = ApiError),
))]
pub(super) async fn recording_cast(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(q): Query<CastQuery>,
) -> Result<Response, ApiError> {
    let id = crate::api::parse_id(&id)?;
    let cast = state
        .store
        .recording_cast(id)?
        .ok_or_else(|| not_found(id))?;
    let mut resp = Response::new(Body::from(cast));
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/x-asciicast"),
    );
    if q.download.is_some_and(|d| d != "0")
        && let Ok(v) = header::HeaderValue::from_str(&format!(
            "attachment; filename=\"wirescope-ssh-{id}.cast\""
        ))
    {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

/// Delete a recording.
#[utoipa::path(delete, path = "/ssh/recordings/{id}", tag = "ssh", params(("id" = i64, Path)), responses(
    (status = 204, description = "deleted"),
    (status = 404, body = ApiError),
))]
pub(super) async fn delete_recording(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = crate::api::parse_id(&id)?;
    if state.store.delete_recording(id)? {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(not_found(id))
    }
}
