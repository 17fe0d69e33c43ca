//! Credential profiles over REST: list (which secrets are set, never the secrets), add or
//! replace (secrets given replace the stored ones, secrets left out stay), remove; and the
//! profiles an SNMP run names, put to use before it starts. Secret-store calls are blocking
//! (D-Bus, Argon2id) and run off the async workers.

use crate::AppState;
use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;
use wirescope_creds::{Creds, CredsError, SnmpProfile, SnmpSecrets, SshProfile, SshSecrets};
use wirescope_probe::snmp::security::empty_as_none;
use wirescope_probe::snmp::{AuthProtocol, PrivProtocol, SecurityLevel, SnmpOptions, SnmpVersion};
use wirescope_probe::ssh::SshOptions;
use zeroize::Zeroizing;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/creds", get(list))
        .route("/creds/{name}", axum::routing::put(put).delete(remove))
}

fn store_error(e: CredsError) -> ApiError {
    match e {
        CredsError::Unknown(_) => ApiError::new(StatusCode::NOT_FOUND, e.to_string()),
        CredsError::BadName(_) => ApiError::field("name", e.to_string()),
        CredsError::Profiles(m) => ApiError::field("body", m),
        CredsError::Store(_) => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    }
}

/// Runs `f` on the opened profiles off the async workers. The server never prompts: the file
/// store's passphrase comes from the environment.
async fn with_creds<T: Send + 'static>(
    f: impl FnOnce(&Creds) -> Result<T, CredsError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(move || Creds::open_default(false).and_then(|c| f(&c)))
        .await
        .map_err(ApiError::internal)?
        .map_err(store_error)
}

async fn list() -> Result<Response, ApiError> {
    let (store, profiles) = with_creds(|c| Ok((c.store(), c.list()?))).await?;
    Ok(Json(json!({"store": store, "profiles": profiles})).into_response())
}

/// A profile as the dashboard sends it: settings, and the secrets to set or replace.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PutProfile {
    #[serde(default)]
    version: SnmpVersion,
    #[serde(default)]
    user: Option<String>,
    #[serde(default, deserialize_with = "empty_as_none")]
    level: Option<SecurityLevel>,
    #[serde(default, deserialize_with = "empty_as_none")]
    auth_protocol: Option<AuthProtocol>,
    #[serde(default, deserialize_with = "empty_as_none")]
    priv_protocol: Option<PrivProtocol>,
    #[serde(default)]
    community: Option<String>,
    #[serde(default)]
    auth_password: Option<String>,
    #[serde(default)]
    priv_password: Option<String>,
    /// An SSH login for this profile: its user, and secrets to set or replace.
    #[serde(default)]
    ssh_user: Option<String>,
    #[serde(default)]
    ssh_password: Option<String>,
    #[serde(default)]
    ssh_private_key: Option<String>,
    #[serde(default)]
    ssh_key_passphrase: Option<String>,
}

async fn put(Path(name): Path<String>, body: Bytes) -> Result<Response, ApiError> {
    let p: PutProfile = crate::error::json_body(&body)?;
    let secret = |s: Option<String>| s.filter(|v| !v.is_empty()).map(Zeroizing::new);
    let secrets = SnmpSecrets {
        community: secret(p.community),
        auth_password: secret(p.auth_password),
        priv_password: secret(p.priv_password),
    };
    let profile = SnmpProfile {
        version: p.version,
        user: p.user.filter(|u| !u.is_empty()),
        level: p.level,
        auth_protocol: p.auth_protocol,
        priv_protocol: p.priv_protocol,
    };
    let ssh = p.ssh_user.filter(|u| !u.trim().is_empty()).map(|user| {
        (
            SshProfile { user },
            SshSecrets {
                password: secret(p.ssh_password),
                private_key: secret(p.ssh_private_key),
                key_passphrase: secret(p.ssh_key_passphrase),
            },
        )
    });
    let saved = with_creds(move |c| {
        c.add_snmp(&name, profile, &secrets)?;
        if let Some((p, s)) = ssh {
            c.set_ssh(&name, p, &s)?;
        }
        c.list()?
            .into_iter()
            .find(|i| i.name == name)
            .ok_or(CredsError::Unknown(name))
    })
    .await?;
    Ok(Json(saved).into_response())
}

async fn remove(Path(name): Path<String>) -> Result<Response, ApiError> {
    let shown = name.clone();
    if with_creds(move |c| c.remove(&name)).await? {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ApiError::not_found(&format!("profile '{shown}'")))
    }
}

/// Puts the profiles an SNMP run names to use (a 400 naming `options.profiles` when one is
/// unknown); a topology crawl also keeps the body's own credentials when it gave some.
pub(crate) async fn resolve(mut o: SnmpOptions, keep_own: bool) -> Result<SnmpOptions, ApiError> {
    tokio::task::spawn_blocking(move || {
        Creds::open_default(false)
            .and_then(|c| c.apply(&mut o, keep_own))
            .map(|()| o)
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(|e| match e {
        CredsError::Store(_) => store_error(e),
        other => ApiError::field("options.profiles", other.to_string()),
    })
}

/// Fills an SSH run's login from the profile it names (off the async workers: the secret store
/// may block).
pub(crate) async fn resolve_ssh(mut o: SshOptions) -> Result<SshOptions, ApiError> {
    tokio::task::spawn_blocking(move || {
        Creds::open_default(false)
            .and_then(|c| c.apply_ssh(&mut o))
            .map(|()| o)
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(|e| match e {
        CredsError::Store(_) => store_error(e),
        other => ApiError::field("options.profile", other.to_string()),
    })
}
