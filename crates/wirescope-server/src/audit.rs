//! The audit trail over HTTP: every action a request takes (starting, cancelling and deleting
//! runs; captures; terminals opened; credentials, users, roles, tokens, suites with their alert
//! rules, channels and trap settings changed; exports, reports, bundles and pcap downloads;
//! sign-ins, failed sign-ins and requests refused for their role) appended to the store's
//! hash-chained trail with who, when, from where and on what; and the admin's listing of it,
//! filtered, as JSON or CSV.

use crate::AppState;
use crate::auth::Identity;
use crate::conn::Peer;
use crate::error::{ApiError, Query};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::sync::Arc;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wirescope_store::{AUDIT_LISTED, AuditEntry, AuditFilter, NewAudit};

/// The action a request takes, when it is one the trail keeps.
pub fn action_of(method: &Method, path: &str) -> Option<&'static str> {
    let path = path.strip_prefix("/api").unwrap_or(path);
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let m = method.as_str();
    Some(match (m, parts.as_slice()) {
        ("POST", ["runs"]) => "run.start",
        ("POST", ["runs", _, "cancel"]) => "run.cancel",
        ("DELETE", ["runs", _]) => "run.delete",
        ("GET", ["runs", _, "export"]) => "run.export",
        ("GET", ["runs", _, "bundle"]) => "run.bundle",
        ("GET", ["runs", .., "report"]) | ("GET", ["captures", _, "report"]) => "report",
        ("GET", ["alerts", _, "report"]) | ("GET", ["suites", _, "trend", "report"]) => "report",
        ("GET", ["alerts", _, "diagnostics"]) => "diagnostics.download",
        ("POST", ["captures"]) => "capture.start",
        ("POST", ["captures", "upload"]) => "capture.upload",
        ("POST", ["captures", _, "stop"]) => "capture.stop",
        ("DELETE", ["captures", _]) => "capture.delete",
        ("GET", ["captures", _, "pcapng"]) => "capture.download",
        ("GET", ["captures", _, "csv"]) => "capture.export",
        ("PUT", ["creds", _]) => "creds.put",
        ("DELETE", ["creds", _]) => "creds.delete",
        ("POST", ["users"]) => "user.add",
        ("PUT", ["users", _]) => "user.change",
        ("DELETE", ["users", _]) => "user.delete",
        ("DELETE", ["users", _, "sessions"]) => "user.sessions.end",
        ("DELETE", ["me", "sessions"]) => "sessions.end",
        ("POST", ["logout"]) => "logout",
        ("POST", ["tokens"]) => "token.add",
        ("DELETE", ["tokens", _]) => "token.revoke",
        ("POST", ["suites"]) => "suite.add",
        ("PUT", ["suites", _]) => "suite.change",
        ("DELETE", ["suites", _]) => "suite.delete",
        ("POST", ["suites", _, "run"]) => "suite.run",
        ("POST", ["suites", _, "enable"]) => "suite.enable",
        ("POST", ["suites", _, "disable"]) => "suite.disable",
        ("PUT", ["channels", _]) => "channel.put",
        ("DELETE", ["channels", _]) => "channel.delete",
        ("POST", ["channels", _, "test"]) => "channel.test",
        ("PUT", ["traps", "receiver"]) => "traps.receiver",
        ("PUT", ["traps", "rules"]) => "traps.rules",
        ("PUT", ["topology", "layout"]) => "layout.save",
        ("GET", ["ssh", "terminal"]) => "terminal.open",
        ("DELETE", ["ssh", "known-hosts", _]) => "hostkey.delete",
        ("GET", ["ssh", "recordings", _, "cast"]) => "recording.download",
        ("DELETE", ["ssh", "recordings", _]) => "recording.delete",
        _ => return None,
    })
}

/// Appends one action to the trail (a failure to write is reported, never the request's).
pub(crate) fn record(state: &AppState, e: &NewAudit<'_>) {
    if let Err(err) = state.store.audit(e) {
        eprintln!(
            "wirescope: audit: cannot record {} by {}: {err}",
            e.action, e.actor
        );
    }
}

/// Keeps the audit trail to `keep`: hourly (and at start), the rows older go, and the removal
/// is itself a row of the trail (`audit.prune`), the kept chain anchored to the last removed.
pub(crate) async fn retain(
    store: std::sync::Arc<wirescope_store::Store>,
    keep: std::time::Duration,
) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tick.tick().await;
        let s = store.clone();
        let before = wirescope_store::now_ms() - keep.as_millis() as i64;
        let pruned = tokio::task::spawn_blocking(move || {
            let n = s.audit_prune(before)?;
            if n > 0 {
                s.audit(&NewAudit {
                    actor: "wirescope",
                    via: "server",
                    address: "",
                    action: "audit.prune",
                    object: &format!("{n} rows older than {}", span(keep)),
                    status: 0,
                })?;
            }
            Ok::<_, wirescope_store::StoreError>(n)
        })
        .await;
        if let Ok(Err(e)) = pruned {
            eprintln!("wirescope: audit: cannot apply the retention: {e}");
        }
    }
}

/// A retention as given: whole days (`400d`) or hours (`36h`).
fn span(d: std::time::Duration) -> String {
    let s = d.as_secs();
    if s.is_multiple_of(86_400) {
        format!("{}d", s / 86_400)
    } else {
        format!("{}h", s / 3600)
    }
}

/// The `via` of an identity, as the trail writes it.
pub(crate) fn via(who: &Identity) -> &'static str {
    match who.via {
        crate::auth::Via::Session => "session",
        crate::auth::Via::ApiToken => "api_token",
        crate::auth::Via::Token => "token",
        crate::auth::Via::Open => "open",
    }
}

/// Records each request that takes an action the trail keeps, once it is answered: the object
/// is the path with its query (a terminal's target), and for something created, the path of
/// what was made (`/runs/13`).
pub(crate) async fn trail(
    State(state): State<Arc<AppState>>,
    req: Request,
    next: Next,
) -> Response {
    let Some(action) = action_of(req.method(), req.uri().path()) else {
        return next.run(req).await;
    };
    let who = req.extensions().get::<Identity>().cloned();
    let address = req
        .extensions()
        .get::<Peer>()
        .map(|p| p.0.ip().to_string())
        .unwrap_or_default();
    let mut object = req.uri().path().to_string();
    if action == "terminal.open"
        && let Some(q) = req.uri().query()
    {
        let target: Vec<String> = form_urlencoded::parse(q.as_bytes())
            .filter(|(k, _)| matches!(k.as_ref(), "target" | "user" | "port" | "netns"))
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        object = format!("{object}?{}", target.join("&"));
    }
    let res = next.run(req).await;
    let status = res.status();
    let res = if status == StatusCode::CREATED {
        let (parts, body) = res.into_parts();
        let bytes = axum::body::to_bytes(body, 1 << 20)
            .await
            .unwrap_or_default();
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&bytes) {
            // Users go by name (their routes take it); everything else by id.
            let name = v.get("name").and_then(|n| n.as_str()).map(str::to_string);
            let id = v.get("id").map(|i| i.to_string());
            let made = if action == "user.add" {
                name.or(id)
            } else {
                id.or(name)
            };
            if let Some(made) = made {
                object = format!("{object}/{made}");
            }
        }
        Response::from_parts(parts, Body::from(bytes))
    } else {
        res
    };
    let (actor, how) = who
        .as_ref()
        .map_or(("nobody".to_string(), "none"), |w| (w.name.clone(), via(w)));
    record(
        &state,
        &NewAudit {
            actor: &actor,
            via: how,
            address: &address,
            action,
            object: &object,
            status: status.as_u16(),
        },
    );
    res
}

pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new().routes(routes!(list))
}

/// Which audit rows to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only this actor's (a user name, `token`, `local`, `cli`).
    actor: Option<String>,
    /// Only actions starting with this (`run.`, `login`, `user.`).
    action: Option<String>,
    /// From this time (ms since the epoch).
    since: Option<i64>,
    /// Before this time (ms).
    until: Option<i64>,
    /// Rows older than this id (the next page back).
    before: Option<i64>,
    /// 1 to 10,000 (default 500).
    limit: Option<i64>,
    /// `json` (default) or `csv` (a download).
    format: Option<String>,
}

/// The audit trail, newest first (admin).
#[utoipa::path(get, path = "/audit", tag = "users", params(AuditQuery), responses(
    (status = 200, body = Vec<AuditEntry>, description = "JSON, or CSV with `format=csv`"),
    (status = 400, body = ApiError, description = "`field`: limit, format"),
))]
async fn list(
    State(state): State<Arc<AppState>>,
    Query(q): Query<AuditQuery>,
) -> Result<Response, ApiError> {
    let limit = q.limit.unwrap_or(500);
    if !(1..=AUDIT_LISTED).contains(&limit) {
        return Err(ApiError::field("limit", format!("1 to {AUDIT_LISTED}")));
    }
    let csv = match q.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => return Err(ApiError::field("format", format!("'{other}': json or csv"))),
    };
    let filter = AuditFilter {
        actor: q.actor,
        action: q.action,
        since: q.since,
        until: q.until,
        before: q.before,
        limit,
    };
    let store = state.store.clone();
    let rows = tokio::task::spawn_blocking(move || store.audit_entries(&filter))
        .await
        .map_err(ApiError::internal)??;
    if !csv {
        return Ok(axum::Json(rows).into_response());
    }
    let header = [
        "id", "at", "actor", "via", "address", "action", "object", "status", "hash",
    ];
    let lines: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.id.to_string(),
                jiff::Timestamp::from_millisecond(r.at)
                    .map(|t| t.to_string())
                    .unwrap_or_default(),
                r.actor.clone(),
                r.via.clone(),
                r.address.clone(),
                r.action.clone(),
                r.object.clone(),
                r.status.to_string(),
                r.hash.clone(),
            ]
        })
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"wirescope-audit.csv\"",
            ),
        ],
        wirescope_runs::export::csv_rows(&header, lines),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_actions_kept_are_named_and_looking_is_not_kept() {
        for (m, path, want) in [
            (Method::POST, "/api/runs", Some("run.start")),
            (Method::POST, "/runs/4/cancel", Some("run.cancel")),
            (Method::DELETE, "/runs/4", Some("run.delete")),
            (Method::GET, "/runs/4/report", Some("report")),
            (Method::GET, "/runs/3/compare/4/report", Some("report")),
            (Method::GET, "/captures/2/pcapng", Some("capture.download")),
            (Method::PUT, "/creds/core", Some("creds.put")),
            (Method::PUT, "/users/bob", Some("user.change")),
            (Method::PUT, "/suites/3", Some("suite.change")),
            (Method::GET, "/ssh/terminal", Some("terminal.open")),
            (Method::GET, "/runs", None),
            (Method::GET, "/runs/4", None),
            (Method::POST, "/alerts/read", None),
            (Method::GET, "/audit", None),
        ] {
            assert_eq!(action_of(&m, path), want, "{m} {path}");
        }
    }
}
