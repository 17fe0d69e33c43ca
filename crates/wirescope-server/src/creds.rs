//! Credential profiles over REST: list (which secrets are set, never the secrets), add or
//! replace (secrets given replace the stored ones, secrets left out stay), remove; and the
//! profiles an SNMP run names, put to use before it starts. Secret-store calls are blocking
//! (D-Bus, Argon2id) and run off the async workers.

use crate::AppState;
use crate::error::ApiError;
use axum::Json;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wirescope_creds::{
    Creds, CredsError, ProfileInfo, SnmpProfile, SnmpSecrets, SshProfile, SshSecrets,
};
use wirescope_snmp::security::empty_as_none;
use wirescope_snmp::{AuthProtocol, PrivProtocol, SecurityLevel, SnmpOptions, SnmpVersion};
use wirescope_ssh::exec::SshOptions;
use zeroize::Zeroizing;

pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(put, remove))
}

/// The profiles, and where their secrets are kept.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileList {
    /// Where secrets are kept, e.g. "the OS secret store (Secret Service)".
    pub store: String,
    pub profiles: Vec<ProfileInfo>,
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

/// Credential profiles and where their secrets are kept (never the secrets).
#[utoipa::path(get, path = "/creds", tag = "creds", responses(
    (status = 200, body = ProfileList),
    (status = 503, body = ApiError, description = "no secret store: no Secret Service on the session bus and no WIRESCOPE_SECRETS_PASSPHRASE for the encrypted file"),
))]
async fn list() -> Result<Response, ApiError> {
    let (store, profiles) = with_creds(|c| Ok((c.store(), c.list()?))).await?;
    Ok(Json(ProfileList { store, profiles }).into_response())
}

/// A profile as the dashboard sends it: settings, and the secrets to set or replace. Secrets
/// given (non-empty) set or replace the stored ones; secrets left out stay. Empty strings of the
/// choices mean unset.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutProfile {
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
    #[schema(write_only)]
    community: Option<String>,
    #[serde(default)]
    #[schema(write_only)]
    auth_password: Option<String>,
    #[serde(default)]
    #[schema(write_only)]
    priv_password: Option<String>,
    /// Gives the profile an SSH login: its user (secrets below set or replace its own).
    #[serde(default)]
    ssh_user: Option<String>,
    #[serde(default)]
    #[schema(write_only)]
    ssh_password: Option<String>,
    /// PEM or OpenSSH private key text.
    #[serde(default)]
    #[schema(write_only)]
    ssh_private_key: Option<String>,
    #[serde(default)]
    #[schema(write_only)]
    ssh_key_passphrase: Option<String>,
    /// The secret a network CLI's privileged mode asks for (enable).
    #[serde(default)]
    #[schema(write_only)]
    ssh_enable_secret: Option<String>,
}

/// Add or replace a profile; set or replace its secrets.
#[utoipa::path(put, path = "/creds/{name}", tag = "creds", request_body = PutProfile,
    params(("name" = String, Path, description = "letters, digits, '.', '_', '-'; at most 64", pattern = r"^[A-Za-z0-9._-]{1,64}$")),
    responses(
        (status = 200, body = ProfileInfo, description = "the profile as listed"),
        (status = 400, body = ApiError),
        (status = 503, body = ApiError),
    ))]
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
                enable_secret: secret(p.ssh_enable_secret),
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

/// Remove a profile and its secrets.
#[utoipa::path(delete, path = "/creds/{name}", tag = "creds", params(("name" = String, Path)), responses(
    (status = 204, description = "removed"),
    (status = 404, body = ApiError),
    (status = 503, body = ApiError),
))]
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
/// What a suite's run needs before it starts: the secrets of the profiles it names, from the
/// server's credential store (the scheduler's `Prepare`).
pub(crate) fn prepare() -> wirescope_watch::Prepare {
    use wirescope_runs::engine::ProbeOptions;
    std::sync::Arc::new(|mut req| {
        Box::pin(async move {
            match &mut req.probe {
                ProbeOptions::Snmp(o) if !o.profiles.is_empty() => {
                    let resolved = resolve(std::mem::take(o), false)
                        .await
                        .map_err(|e| e.error)?;
                    resolved.validate().map_err(|e| e.to_string())?;
                    *o = resolved;
                }
                ProbeOptions::Ssh(o) if o.profile.is_some() => {
                    let resolved = resolve_ssh(std::mem::take(o)).await.map_err(|e| e.error)?;
                    resolved.validate().map_err(|e| e.to_string())?;
                    *o = resolved;
                }
                _ => {}
            }
            Ok(req)
        })
    })
}

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
