//! The server's known host keys over REST: its own known_hosts file listed, a host's entries
//! removed (how a changed key is accepted again, on purpose).

use crate::error::{ApiError, Query};
use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use wirescope_ssh::exec::default_known_hosts;

/// The server's known host keys.
#[derive(Debug, Serialize, ToSchema)]
pub struct KnownHosts {
    /// The server's own known_hosts file (~/.ssh/known_hosts is read, never listed or written).
    #[schema(value_type = String)]
    pub file: std::path::PathBuf,
    pub entries: Vec<wirescope_ssh::known_hosts::Entry>,
}

/// Entries removed.
#[derive(Debug, Serialize, ToSchema)]
pub struct Removed {
    pub removed: usize,
}

/// The server's known_hosts entries.
#[utoipa::path(get, path = "/ssh/known-hosts", tag = "ssh", responses((status = 200, body = KnownHosts)))]
pub(super) async fn known_hosts() -> Result<Response, ApiError> {
    let store = default_known_hosts(None);
    let entries = store
        .list()
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let file = store.path().to_path_buf();
    Ok(Json(KnownHosts { file, entries }).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct PortQuery {
    #[param(default = 22, minimum = 1)]
    port: Option<u16>,
}

/// Remove every entry of a host (how a changed key gets accepted again, on purpose).
#[utoipa::path(delete, path = "/ssh/known-hosts/{host}", tag = "ssh", params(("host" = String, Path), PortQuery), responses(
    (status = 200, body = Removed),
    (status = 400, body = ApiError),
    (status = 404, body = ApiError),
))]
pub(super) async fn forget_host(
    Path(host): Path<String>,
    Query(q): Query<PortQuery>,
) -> Result<Response, ApiError> {
    let port = q.port.unwrap_or(22);
    if port == 0 {
        return Err(ApiError::field("port", "must be 1-65535"));
    }
    let store = default_known_hosts(None);
    let removed = store
        .remove(&host, port)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    if removed == 0 {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!(
                "no entry for {}",
                wirescope_ssh::known_hosts::host_pattern(&host, port)
            ),
        ));
    }
    Ok(Json(Removed { removed }).into_response())
}
