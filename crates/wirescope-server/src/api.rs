//! REST handlers: create, list, show, cancel/delete, export and compare runs. Each maps HTTP to
//! one call on the run manager or the store; bad bodies get a 400 naming the field.

use crate::AppState;
use crate::error::ApiError;
use crate::error::Query;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;
use wirescope_probe::net::NetOptions;
use wirescope_probe::{ProbeKind, ProbeOptions, RunRequest, TargetList};
use wirescope_store::RunStatus;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/runs", get(list).post(create))
        .route("/runs/{id}", get(show).delete(remove))
        .route("/runs/{id}/export", get(export))
        .route("/runs/{id}/cancel", axum::routing::post(cancel))
        .route("/runs/{a}/compare/{b}", get(compare))
        .route("/runs/{id}/topology", get(crate::topology::map))
        .route(
            "/topology/layout",
            get(crate::topology::layout).put(crate::topology::save_layout),
        )
        .merge(crate::creds::routes())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateRun {
    kind: ProbeKind,
    #[serde(default)]
    targets: Option<Vec<String>>,
    #[serde(default)]
    targets_text: Option<String>,
    #[serde(default)]
    options: serde_json::Value,
    #[serde(default)]
    net: serde_json::Value,
}

/// Turns a request body into a run request, or a 400 naming the field at fault.
pub(crate) fn parse_create(
    body: &[u8],
    max_targets: u64,
) -> Result<(RunRequest, String), ApiError> {
    let req: CreateRun = crate::error::json_body(body)?;
    let mut list = TargetList::new();
    let targets_text = match (&req.targets, &req.targets_text) {
        (Some(_), Some(_)) => {
            return Err(ApiError::field(
                "targets",
                "give either targets or targets_text, not both",
            ));
        }
        (Some(items), None) => {
            for t in items {
                list.add_arg(t)
                    .map_err(|e| ApiError::field("targets", e.to_string()))?;
            }
            items.join("\n")
        }
        (None, Some(text)) => {
            list.add_text_named(text, "targets_text")
                .map_err(|e| ApiError::field("targets_text", e.to_string()))?;
            text.clone()
        }
        (None, None) => {
            return Err(ApiError::field(
                "targets",
                "no targets given (targets or targets_text)",
            ));
        }
    };
    let field_of = if req.targets.is_some() {
        "targets"
    } else {
        "targets_text"
    };
    let targets = list
        .expand(max_targets)
        .map_err(|e| ApiError::field(field_of, e.to_string()))?;
    let options = if req.options.is_null() {
        json!({})
    } else {
        req.options
    };
    let probe = match req.kind {
        ProbeKind::Ping => ProbeOptions::Ping(options_of(options)?),
        ProbeKind::Trace => ProbeOptions::Trace(options_of(options)?),
        ProbeKind::Dns => ProbeOptions::Dns(options_of(options)?),
        ProbeKind::Scan => ProbeOptions::Scan(options_of(options)?),
        ProbeKind::Snmp => ProbeOptions::Snmp(options_of(options)?),
        ProbeKind::Ssh => ProbeOptions::Ssh(options_of(options)?),
    };
    // An SSH login from a profile is checked once the profile has filled it in.
    if !matches!(&probe, ProbeOptions::Ssh(o) if o.profile.is_some()) {
        let valid = probe.validate();
        valid.map_err(|e| ApiError::field("options", e.to_string()))?;
    }
    let net_value = if req.net.is_null() {
        json!({})
    } else {
        req.net
    };
    let mut net: NetOptions = crate::error::json_value("net", net_value)?;
    // An empty name means the server's own namespace, as for captures and terminals.
    net.netns = net.netns.filter(|n| !n.is_empty());
    if let Some(ns) = &net.netns {
        // Clients name namespaces; paths (another process's /proc/PID/ns/net, any file) are
        // for the CLI, whose user already runs it.
        wirescope_probe::net::netns::check_name(ns)
            .map_err(|e| ApiError::field("net.netns", e.to_string()))?;
    }
    net.check().map_err(|e| {
        let field = match e {
            wirescope_probe::ProbeError::Netns { .. } => "net.netns",
            _ => "net.interface",
        };
        ApiError::field(field, e.to_string())
    })?;
    Ok((
        RunRequest {
            targets,
            probe,
            net,
        },
        targets_text,
    ))
}

fn options_of<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    crate::error::json_value("options", value)
}

async fn create(State(state): State<Arc<AppState>>, body: Bytes) -> Result<Response, ApiError> {
    // Checking a body can cost CPU (expanding big target blocks, opening an encrypted key):
    // done off the async workers.
    let max_targets = state.config.max_targets;
    let parse_body = body.clone();
    let (mut req, text) =
        tokio::task::spawn_blocking(move || parse_create(&parse_body, max_targets))
            .await
            .map_err(ApiError::internal)??;
    if let ProbeOptions::Snmp(o) = &mut req.probe
        && !o.profiles.is_empty()
    {
        // A crawl tries the body's own credentials after the profiles only when it gave some.
        let given: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        let keep_own = ["community", "user"]
            .iter()
            .any(|k| given["options"].get(k).is_some());
        let resolved = crate::creds::resolve(std::mem::take(o), keep_own).await?;
        resolved
            .validate()
            .map_err(|e| ApiError::field("options.profiles", e.to_string()))?;
        *o = resolved;
    }
    if let ProbeOptions::Ssh(o) = &mut req.probe
        && o.profile.is_some()
    {
        let resolved = crate::creds::resolve_ssh(std::mem::take(o)).await?;
        resolved
            .validate()
            .map_err(|e| ApiError::field("options", e.to_string()))?;
        *o = resolved;
    }
    let total = req.total();
    let id = state.runs.start(req, &text)?;
    Ok((StatusCode::CREATED, Json(json!({"id": id, "total": total}))).into_response())
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    kind: Option<ProbeKind>,
    status: Option<RunStatus>,
    limit: Option<i64>,
    offset: Option<i64>,
}

async fn list(
    State(state): State<Arc<AppState>>,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let filter = wirescope_store::RunFilter {
        kind: q.kind,
        status: q.status,
        limit: q.limit.unwrap_or(50).clamp(1, 500),
        offset: q.offset.unwrap_or(0).max(0),
    };
    let (runs, total) = state.store.list(&filter)?;
    Ok(Json(json!({"runs": runs, "total": total})).into_response())
}

pub(crate) fn parse_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::field("id", format!("'{raw}' is not a run id")))
}

async fn show(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let run = state
        .store
        .run(id)?
        .ok_or_else(|| ApiError::not_found("run"))?;
    let results = state.store.results_array(id, 0)?;
    // Results are stored as the JSON they were sent as: splice them in without re-parsing.
    let mut body = serde_json::to_string(&run).map_err(ApiError::internal)?;
    body.pop();
    body.push_str(",\"results\":");
    body.push_str(&results);
    body.push('}');
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

async fn remove(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    if state.runs.cancel(id) {
        return Ok((StatusCode::ACCEPTED, Json(json!({"status": "cancelled"}))).into_response());
    }
    if state.store.delete(id)? {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ApiError::not_found("run"))
    }
}

/// Cancels a run in progress; unlike DELETE it never deletes a run that has just finished.
async fn cancel(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    if state.runs.cancel(id) {
        return Ok((StatusCode::ACCEPTED, Json(json!({"status": "cancelled"}))).into_response());
    }
    let run = state
        .store
        .run(id)?
        .ok_or_else(|| ApiError::not_found("run"))?;
    Err(ApiError::new(
        StatusCode::CONFLICT,
        format!("run {id} is not in progress (status {})", run.status),
    ))
}

#[derive(Debug, Deserialize)]
struct ExportQuery {
    format: Option<String>,
}

async fn export(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let run = state
        .store
        .run(id)?
        .ok_or_else(|| ApiError::not_found("run"))?;
    let results = state.store.results(id, 0)?;
    let values: Vec<serde_json::Value> = results
        .iter()
        .filter_map(|(_, r)| serde_json::from_str(r.get()).ok())
        .collect();
    let name = format!("wirescope-run-{id}-{}", run.kind);
    match q.format.as_deref().unwrap_or("json") {
        "json" => {
            let body = serde_json::to_string_pretty(&json!({"run": run, "results": values}))
                .map_err(ApiError::internal)?;
            Ok((
                [
                    (header::CONTENT_TYPE, "application/json".to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{name}.json\""),
                    ),
                ],
                body,
            )
                .into_response())
        }
        "csv" => Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}.csv\""),
                ),
            ],
            crate::export::csv(run.kind.as_str(), &values),
        )
            .into_response()),
        other => Err(ApiError::field(
            "format",
            format!("unknown format '{other}' (csv or json)"),
        )),
    }
}

async fn compare(
    State(state): State<Arc<AppState>>,
    Path((a, b)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (a, b) = (parse_id(&a)?, parse_id(&b)?);
    let run_a = state
        .store
        .run(a)?
        .ok_or_else(|| ApiError::not_found("run a"))?;
    let run_b = state
        .store
        .run(b)?
        .ok_or_else(|| ApiError::not_found("run b"))?;
    if run_a.kind != run_b.kind {
        return Err(ApiError::field(
            "b",
            format!(
                "run {a} is {} and run {b} is {}: compare runs of one kind",
                run_a.kind, run_b.kind
            ),
        ));
    }
    let load = |id| -> Result<Vec<serde_json::Value>, ApiError> {
        Ok(state
            .store
            .results(id, 0)?
            .iter()
            .filter_map(|(_, r)| serde_json::from_str(r.get()).ok())
            .collect())
    };
    let report = crate::compare::compare(run_a.kind.as_str(), &load(a)?, &load(b)?);
    Ok(Json(json!({"a": a, "b": b, "kind": run_a.kind, "changes": report.changes, "unchanged": report.unchanged}))
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(body: &str) -> (Option<String>, String) {
        match parse_create(body.as_bytes(), 1000) {
            Ok(_) => panic!("{body} should be refused"),
            Err(e) => (e.field, e.error),
        }
    }

    #[test]
    fn bodies_are_validated_field_by_field() {
        assert!(parse_create(br#"{"kind":"ping","targets":["127.0.0.1"]}"#, 10).is_ok());
        assert_eq!(
            err(r#"{"kind":"pong","targets":["a"]}"#).0.as_deref(),
            Some("kind")
        );
        let (f, e) = err(r#"{"kind":"ping","targets":["10.0.0.300"]}"#);
        assert_eq!(
            (f.as_deref(), e.as_str()),
            (
                Some("targets"),
                "invalid target '10.0.0.300': not a valid IPv4 address"
            )
        );
        let (f, e) = err(r#"{"kind":"ping","targets_text":"10.0.0.1\n\nbad!"}"#);
        assert_eq!(f.as_deref(), Some("targets_text"));
        assert!(
            e.starts_with("targets_text:3: invalid target 'bad!'"),
            "{e}"
        );
        assert_eq!(
            err(r#"{"kind":"ping","targets":["10.0.0.0/16"]}"#)
                .0
                .as_deref(),
            Some("targets")
        );
        assert_eq!(
            err(r#"{"kind":"ping","targets":["a"],"options":{"timeout":"3000"}}"#)
                .0
                .as_deref(),
            Some("options.timeout")
        );
        assert_eq!(
            err(r#"{"kind":"ping","targets":["a"],"options":{"cuont":2}}"#)
                .0
                .as_deref(),
            Some("options.cuont")
        );
        assert_eq!(
            err(r#"{"kind":"scan","targets":["a"],"options":{"ports":"99999"}}"#)
                .0
                .as_deref(),
            Some("options")
        );
        assert_eq!(
            err(r#"{"kind":"ping","targets":["a"],"net":{"netns":"no-such-ns-here"}}"#)
                .0
                .as_deref(),
            Some("net.netns")
        );
        assert_eq!(
            err(r#"{"kind":"ping","targets":["a"],"net":{"source":"x"}}"#)
                .0
                .as_deref(),
            Some("net.source")
        );
        assert_eq!(err(r#"{"kind":"ping"}"#).0.as_deref(), Some("targets"));
        assert_eq!(
            err(r#"{"kind":"ping","targets":["a"],"targets_text":"b"}"#)
                .0
                .as_deref(),
            Some("targets")
        );
        assert_eq!(err("not json").0.as_deref(), Some("body"));
        assert_eq!(
            err(r#"{"kind":"ping","targets":["a"],"extra":1}"#)
                .0
                .as_deref(),
            Some("extra")
        );
    }
}
