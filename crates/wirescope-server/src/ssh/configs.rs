//! Configuration versions over REST: every device whose running configuration backups keep,
//! one device's versions, and one version's text with its diff against the version before.

use crate::AppState;
use crate::error::{ApiError, Query};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use wirescope_store::{ConfigDevice, ConfigVersion};

/// The devices with kept configurations.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConfigDevices {
    pub devices: Vec<ConfigDevice>,
}

/// Every device with kept configurations (its newest version, how many), by target.
#[utoipa::path(get, path = "/ssh/configs", tag = "ssh", responses((status = 200, body = ConfigDevices)))]
pub(super) async fn devices(
    State(state): State<Arc<AppState>>,
) -> Result<Json<ConfigDevices>, ApiError> {
    Ok(Json(ConfigDevices {
        devices: state.store.config_devices()?,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct Device {
    /// The device as backups targeted it.
    target: String,
}

/// One device's versions.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConfigVersions {
    pub target: String,
    /// Newest first.
    pub versions: Vec<ConfigVersion>,
}

/// One device's kept versions, newest first; 404 when none is kept.
#[utoipa::path(get, path = "/ssh/configs/versions", tag = "ssh", params(Device), responses(
    (status = 200, body = ConfigVersions),
    (status = 404, body = ApiError),
))]
pub(super) async fn versions(
    State(state): State<Arc<AppState>>,
    Query(d): Query<Device>,
) -> Result<Json<ConfigVersions>, ApiError> {
    let versions = state.store.config_versions(&d.target)?;
    if versions.is_empty() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no configuration kept of {}", d.target),
        ));
    }
    Ok(Json(ConfigVersions {
        target: d.target,
        versions,
    }))
}

/// A version's configuration, and how it differs from the device's version before it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConfigText {
    pub version: ConfigVersion,
    pub text: String,
    /// The device's version before this one (`null`: this is its first kept).
    pub previous: Option<ConfigVersion>,
    /// A unified diff from the previous version, without the platform's self-changing lines
    /// (`null` for the first).
    pub diff: Option<String>,
}

/// One version's configuration and its diff against the one before.
#[utoipa::path(get, path = "/ssh/configs/versions/{id}", tag = "ssh", params(("id" = i64, Path)), responses(
    (status = 200, body = ConfigText),
    (status = 404, body = ApiError),
))]
pub(super) async fn version(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<ConfigText>, ApiError> {
    let id = crate::api::parse_id(&id)?;
    let (version, text) = state.store.config_version(id)?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no configuration version {id}"),
        )
    })?;
    let before = state.store.config_before(id)?;
    let diff = match (
        &before,
        wirescope_ssh::platform::platform(&version.platform),
    ) {
        (Some((b, old)), Ok(p)) => Some(p.config_diff(
            old,
            &text,
            (&format!("version {}", b.id), &format!("version {id}")),
        )),
        _ => None,
    };
    Ok(Json(ConfigText {
        version,
        text,
        previous: before.map(|(b, _)| b),
        diff,
    }))
}
