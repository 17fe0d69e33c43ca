//! Alerts over REST: the timeline of events with their evidence and deliveries, the unread
//! count and marking read; and notification channels (webhooks, mailboxes): list, add or
//! replace (their URL, signing secret and password go to the secret store, never the
//! database or a response), remove, and send a test notice that answers with what the
//! destination said. Events also arrive live on the WebSocket (`alert` messages).

use crate::AppState;
use crate::api::parse_id;
use crate::error::{ApiError, Query};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wirescope_creds::Secrets;
use wirescope_store::{AlertEvent, EventFilter, StoreError, now_ms};
use wirescope_watch::notify::{self, ChannelSpec, payload::Notice};

/// Events listed at once, at most.
const MAX_LISTED: i64 = 500;
/// The setting keeping the newest event read.
const READ_KEY: &str = "alerts.read";

pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(show))
        .routes(routes!(mark_read))
        .routes(routes!(channels))
        .routes(routes!(put_channel, delete_channel))
        .routes(routes!(test_channel))
}

/// Which events to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlertQuery {
    /// Only this suite's.
    suite: Option<i64>,
    /// Only this target's (as results name it).
    target: Option<String>,
    /// Only events older than this id (the next page back).
    before: Option<i64>,
    /// 1 to 500 (default 100).
    limit: Option<i64>,
}

/// Events, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertList {
    pub events: Vec<AlertEvent>,
    /// Events not silenced and newer than the last read.
    pub unread: i64,
    /// The newest event marked read (0: none).
    pub read: i64,
}

/// What was read.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkRead {
    /// Every event up to this id is read.
    pub up_to: i64,
}

/// The unread count after marking.
#[derive(Debug, Serialize, ToSchema)]
pub struct Unread {
    pub unread: i64,
    pub read: i64,
}

fn read_mark(state: &AppState) -> Result<i64, StoreError> {
    Ok(state
        .store
        .setting(READ_KEY)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

/// The unread count now.
pub(crate) fn unread(state: &AppState) -> Result<Unread, StoreError> {
    let read = read_mark(state)?;
    Ok(Unread {
        unread: state.store.events_after(read)?,
        read,
    })
}

/// Alert events, newest first, with the unread count.
#[utoipa::path(get, path = "/alerts", tag = "alerts", params(AlertQuery), responses(
    (status = 200, body = AlertList),
    (status = 400, body = ApiError, description = "`field`: limit"),
))]
async fn list(
    State(state): State<Arc<AppState>>,
    Query(q): Query<AlertQuery>,
) -> Result<Response, ApiError> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=MAX_LISTED).contains(&limit) {
        return Err(ApiError::field("limit", format!("1 to {MAX_LISTED}")));
    }
    let events = state.store.alert_events(&EventFilter {
        suite_id: q.suite,
        target: q.target,
        before: q.before,
        limit,
    })?;
    let Unread { unread, read } = unread(&state)?;
    Ok(Json(AlertList {
        events,
        unread,
        read,
    })
    .into_response())
}

/// One event, with its evidence and deliveries.
#[utoipa::path(get, path = "/alerts/{id}", tag = "alerts", params(("id" = i64, Path)), responses(
    (status = 200, body = AlertEvent),
    (status = 404, body = ApiError),
))]
async fn show(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let event = state
        .store
        .alert_event(parse_id(&id)?)?
        .ok_or_else(|| ApiError::not_found("alert event"))?;
    Ok(Json(event).into_response())
}

/// Mark every event up to an id read.
#[utoipa::path(post, path = "/alerts/read", tag = "alerts", request_body = MarkRead, responses(
    (status = 200, body = Unread),
    (status = 400, body = ApiError, description = "`field`: up_to"),
))]
async fn mark_read(State(state): State<Arc<AppState>>, body: Bytes) -> Result<Response, ApiError> {
    let m: MarkRead = crate::error::json_body(&body)?;
    let last = state.store.last_event_id()?;
    if m.up_to < 0 || m.up_to > last {
        return Err(ApiError::field(
            "up_to",
            format!("0 to the newest event's id ({last})"),
        ));
    }
    let read = read_mark(&state)?.max(m.up_to);
    state.store.set_setting(READ_KEY, &read.to_string())?;
    Ok(Json(unread(&state)?).into_response())
}

/// A channel as listed (never its secrets).
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelView {
    pub name: String,
    #[serde(flatten)]
    pub spec: ChannelSpec,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The channels, and where their secrets are kept.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelList {
    pub channels: Vec<ChannelView>,
}

/// The channels, by name.
#[utoipa::path(get, path = "/channels", tag = "alerts", responses((status = 200, body = ChannelList)))]
async fn channels(State(state): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let channels = state
        .store
        .channels()?
        .into_iter()
        .map(|c| {
            Ok(ChannelView {
                spec: serde_json::from_str(c.spec.get()).map_err(ApiError::internal)?,
                name: c.name,
                created_at: c.created_at,
                updated_at: c.updated_at,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(Json(ChannelList { channels }).into_response())
}

fn field_error(e: wirescope_watch::SuiteError) -> ApiError {
    ApiError::field(e.field, e.message)
}

/// How the notifier reads channels' secrets: from the store `WIRESCOPE_SECRET_STORE` picks,
/// opened for each read (the server never prompts).
pub(crate) fn secret_lookup() -> notify::Secrets {
    Arc::new(|key: &str| {
        let store = Secrets::open_default(false).map_err(|e| e.to_string())?;
        store
            .get(key)
            .map(|v| v.map(|s| s.to_string()))
            .map_err(|e| e.to_string())
    })
}

/// Runs `f` on the secret store off the async workers (D-Bus and Argon2id block).
async fn with_secrets<T: Send + 'static>(
    f: impl FnOnce(&Secrets) -> Result<T, wirescope_creds::CredsError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(move || Secrets::open_default(false).and_then(|s| f(&s)))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string()))
}

/// Add or replace a channel. Its secrets (`url`, `secret`, `password`) go to the secret store;
/// left out on a replace, the stored ones stay.
#[utoipa::path(put, path = "/channels/{name}", tag = "alerts", params(("name" = String, Path)), request_body = ChannelSpec, responses(
    (status = 201, body = ChannelView, description = "added"),
    (status = 200, body = ChannelView, description = "replaced"),
    (status = 400, body = ApiError, description = "`field` names the fault: name, type, url, server, user, from, to[N]"),
    (status = 409, body = ApiError, description = "100 channels exist"),
    (status = 503, body = ApiError, description = "the secret store cannot be opened"),
))]
async fn put_channel(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    notify::check_name(&name).map_err(field_error)?;
    let mut spec: ChannelSpec = crate::error::json_body(&body)?;
    let existing = state.store.channel(&name)?;
    spec.check(existing.is_some()).map_err(field_error)?;
    let mut secrets: Vec<(&'static str, Option<String>)> = Vec::new();
    match &mut spec {
        ChannelSpec::Webhook {
            url,
            shown,
            secret,
            signed,
            ..
        } => {
            let before: Option<ChannelSpec> = existing
                .as_ref()
                .and_then(|c| serde_json::from_str(c.spec.get()).ok());
            let (shown_before, signed_before) = match before {
                Some(ChannelSpec::Webhook { shown, signed, .. }) => (shown, signed),
                _ => (None, false),
            };
            match url.take() {
                Some(u) => {
                    *shown = Some(notify::check_url(&u).map_err(field_error)?);
                    secrets.push(("url", Some(u)));
                }
                None if shown_before.is_some() => *shown = shown_before,
                None => return Err(ApiError::field("url", "a webhook needs its url")),
            }
            *signed = match secret.take() {
                Some(s) if s.is_empty() => {
                    secrets.push(("secret", None));
                    false
                }
                Some(s) => {
                    secrets.push(("secret", Some(s)));
                    true
                }
                None => signed_before,
            };
        }
        ChannelSpec::Email { password, .. } => {
            if let Some(p) = password.take() {
                secrets.push(("password", (!p.is_empty()).then_some(p)));
            }
        }
    }
    if !secrets.is_empty() {
        let channel = name.clone();
        with_secrets(move |store| {
            for (field, value) in secrets {
                let key = notify::secret_key(&channel, field);
                match value {
                    Some(v) => store.set(&key, &v)?,
                    None => store.remove_prefix(&key)?,
                }
            }
            Ok(())
        })
        .await?;
    }
    let json = serde_json::to_string(&spec).map_err(ApiError::internal)?;
    let status = if existing.is_some() {
        state.store.replace_channel(&name, &json)?;
        StatusCode::OK
    } else {
        match state.store.create_channel(&name, &json) {
            Ok(_) => StatusCode::CREATED,
            Err(e @ StoreError::TooManyChannels(_)) => {
                return Err(ApiError::new(StatusCode::CONFLICT, e.to_string()));
            }
            Err(e @ StoreError::ChannelExists(_)) => {
                return Err(ApiError {
                    status: StatusCode::CONFLICT,
                    error: e.to_string(),
                    field: Some("name".into()),
                });
            }
            Err(e) => return Err(e.into()),
        }
    };
    let rec = state
        .store
        .channel(&name)?
        .ok_or_else(|| ApiError::not_found("channel"))?;
    let view = ChannelView {
        name: rec.name,
        spec,
        created_at: rec.created_at,
        updated_at: rec.updated_at,
    };
    Ok((status, Json(view)).into_response())
}

/// Remove a channel and its secrets; deliveries waiting for it fail. Suites that name it keep
/// the name (their notices to it fail) until edited.
#[utoipa::path(delete, path = "/channels/{name}", tag = "alerts", params(("name" = String, Path)), responses(
    (status = 204, description = "gone"),
    (status = 404, body = ApiError),
))]
async fn delete_channel(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    if !state.store.delete_channel(&name)? {
        return Err(ApiError::not_found("channel"));
    }
    let prefix = notify::secret_prefix(&name);
    with_secrets(move |s| s.remove_prefix(&prefix)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A test notice's outcome.
#[derive(Debug, Serialize, ToSchema)]
pub struct TestSent {
    /// How long the destination took (ms).
    pub elapsed_ms: f64,
}

/// Send a test notice to a channel now; answers with what the destination said.
#[utoipa::path(post, path = "/channels/{name}/test", tag = "alerts", params(("name" = String, Path)), responses(
    (status = 200, body = TestSent, description = "delivered"),
    (status = 404, body = ApiError),
    (status = 502, body = ApiError, description = "the destination refused or failed: `error` says how"),
))]
async fn test_channel(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let rec = state
        .store
        .channel(&name)?
        .ok_or_else(|| ApiError::not_found("channel"))?;
    let spec: ChannelSpec = serde_json::from_str(rec.spec.get()).map_err(ApiError::internal)?;
    let notifier = state.notifier.as_ref().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "notifications are off: the HTTP client could not start",
        )
    })?;
    let started = std::time::Instant::now();
    let sent = tokio::time::timeout(
        notify::SEND_TIMEOUT,
        notifier.send(&name, &spec, &Notice::test(&name, now_ms())),
    )
    .await
    .unwrap_or_else(|_| Err("no answer in time".into()));
    match sent {
        Ok(()) => Ok(Json(TestSent {
            elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
        })
        .into_response()),
        Err(e) => Err(ApiError::new(
            StatusCode::BAD_GATEWAY,
            format!("{name}: {e}"),
        )),
    }
}
