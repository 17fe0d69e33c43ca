//! REST handlers: create, list, show, cancel/delete, export and compare runs. Each maps HTTP to
//! one call on the run manager or the store; bad bodies get a 400 naming the field.

use crate::AppState;
use crate::error::ApiError;
use crate::error::Query;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wirescope_net::NetOptions;
use wirescope_probe::{ProbeKind, ProbeResult, TargetList};
use wirescope_runs::compare::{self, Comparison};
use wirescope_runs::engine::{ProbeOptions, RunRequest};
use wirescope_runs::export;
use wirescope_store::{RunInfo, RunStatus, Source};

pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, remove))
        .routes(routes!(export))
        .routes(routes!(cancel))
        .routes(routes!(compare))
        .routes(routes!(crate::topology::map))
        .routes(routes!(crate::topology::locate))
        .routes(routes!(
            crate::topology::layout,
            crate::topology::save_layout
        ))
        .merge(crate::creds::routes())
}

/// A run to start.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRun {
    kind: ProbeKind,
    /// Target expressions: addresses, names, CIDR blocks, ranges (give this or `targets_text`).
    #[serde(default)]
    targets: Option<Vec<String>>,
    /// The same as text: commas, spaces, newlines, `#` comments.
    #[serde(default)]
    targets_text: Option<String>,
    /// The options of `kind` (every field has a default).
    #[serde(default)]
    #[schema(schema_with = wirescope_runs::engine::options_schema)]
    options: serde_json::Value,
    #[serde(default)]
    #[schema(value_type = Option<NetOptions>)]
    net: serde_json::Value,
    /// Where to run it from: `local` (this server) and the sites of remote agents (`GET
    /// /api/agents` lists them), up to 16; each site makes its own run, side by side in one
    /// batch. Absent: this server alone.
    #[serde(default)]
    sites: Option<Vec<String>>,
}

/// A run just started.
#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    /// The run (the first one, when several sites make it).
    pub id: i64,
    /// Targets after expansion (results to expect, per site).
    pub total: usize,
    /// Every run started: one per site asked.
    pub runs: Vec<wirescope_runs::Started>,
    /// The batch the runs share when several sites make it (the first run's id).
    pub batch: Option<i64>,
}

/// A page of runs.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunPage {
    pub runs: Vec<RunInfo>,
    /// Runs matching the filter, on every page.
    pub total: i64,
}

/// A run with every result stored so far.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunDetail {
    #[serde(flatten)]
    pub run: RunInfo,
    /// In the order they finished: exactly the CLI's NDJSON lines.
    pub results: Vec<ProbeResult>,
    /// A run from a site: its parts, one per agent of the site that shared it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<wirescope_store::RunPart>,
}

/// A cancellation under way.
#[derive(Debug, Serialize, ToSchema)]
pub struct Cancelling {
    /// Always `cancelled`: the run ends so, with what finished.
    pub status: RunStatus,
}

/// Turns a request body into a run request, or a 400 naming the field at fault.
pub(crate) fn parse_create(
    body: &[u8],
    max_targets: u64,
) -> Result<(RunRequest, String, Vec<String>), ApiError> {
    let req: CreateRun = crate::error::json_body(body)?;
    let sites = req.sites.clone().unwrap_or_default();
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
    // `ProbeOptions` reads `{kind, options}` as one value: the kind picks the options' type, and
    // an error names `options.FIELD`.
    let probe: ProbeOptions =
        crate::error::json_value("", json!({"kind": req.kind, "options": options}))?;
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
        wirescope_net::netns::check_name(ns)
            .map_err(|e| ApiError::field("net.netns", e.to_string()))?;
    }
    net.check().map_err(|e| {
        let field = match e {
            wirescope_net::NetError::Netns { .. } => "net.netns",
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
        sites,
    ))
}

/// Start a run.
#[utoipa::path(post, path = "/runs", tag = "runs", request_body = CreateRun, responses(
    (status = 201, body = Created, description = "started"),
    (status = 400, body = ApiError, description = "invalid body; `field` names the offending field (body, kind, targets, targets_text, options, options.NAME, net, net.NAME, sites: a site without an agent)"),
    (status = 413, body = ApiError, description = "body larger than --body-limit (4 MiB by default)"),
    (status = 429, body = ApiError, description = "--max-runs runs are in progress"),
))]
async fn create(State(state): State<Arc<AppState>>, body: Bytes) -> Result<Response, ApiError> {
    // Checking a body can cost CPU (expanding big target blocks, opening an encrypted key):
    // done off the async workers.
    let max_targets = state.config.max_targets;
    let parse_body = body.clone();
    let (mut req, text, sites) =
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
    let runs = state.runs.clone();
    let runs =
        tokio::task::spawn_blocking(move || runs.start_from(req, &text, Source::Api, &sites))
            .await
            .map_err(ApiError::internal)??;
    let id = runs.first().map_or(0, |r| r.id);
    let batch = (runs.len() > 1).then_some(id);
    let created = Created {
        id,
        total,
        runs,
        batch,
    };
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    kind: Option<ProbeKind>,
    status: Option<RunStatus>,
    /// Runs per page (1 to 500).
    #[param(default = 50, minimum = 1, maximum = 500)]
    limit: Option<i64>,
    #[param(default = 0, minimum = 0)]
    offset: Option<i64>,
    /// The runs of one batch: a run asked from several sites (its first run's id).
    batch: Option<i64>,
}

/// List runs, newest first.
#[utoipa::path(get, path = "/runs", tag = "runs", params(ListQuery), responses(
    (status = 200, body = RunPage, description = "a page of runs"),
    (status = 400, body = ApiError, description = "`field` names the bad parameter"),
))]
async fn list(
    State(state): State<Arc<AppState>>,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let filter = wirescope_store::RunFilter {
        kind: q.kind,
        status: q.status,
        limit: q.limit.unwrap_or(50).clamp(1, 500),
        offset: q.offset.unwrap_or(0).max(0),
        batch: q.batch,
    };
    let (runs, total) = state.store.list(&filter)?;
    Ok(Json(RunPage { runs, total }).into_response())
}

pub(crate) fn parse_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::field("id", format!("'{raw}' is not a run id")))
}

/// A run with all its results so far.
#[utoipa::path(get, path = "/runs/{id}", tag = "runs", params(("id" = i64, Path)), responses(
    (status = 200, body = RunDetail, description = "the run"),
    (status = 404, body = ApiError),
))]
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
    let parts = match run.site {
        Some(_) => state.store.run_parts(id)?,
        None => Vec::new(),
    };
    // Results are stored as the JSON they were sent as: splice them in without re-parsing.
    let mut body = serde_json::to_string(&run).map_err(ApiError::internal)?;
    body.pop();
    if !parts.is_empty() {
        body.push_str(",\"parts\":");
        body.push_str(&serde_json::to_string(&parts).map_err(ApiError::internal)?);
    }
    body.push_str(",\"results\":");
    body.push_str(&results);
    body.push('}');
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// Cancel a run in progress, or delete a finished one.
#[utoipa::path(delete, path = "/runs/{id}", tag = "runs", params(("id" = i64, Path)), responses(
    (status = 202, body = Cancelling, description = "cancellation requested; the run ends as `cancelled` with what finished"),
    (status = 204, description = "deleted"),
    (status = 404, body = ApiError),
))]
async fn remove(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    if state.runs.cancel(id) {
        return Ok(cancelling());
    }
    // An agent's run: its job is cancelled in the queue, or its agent told.
    let store = state.store.clone();
    let job = tokio::task::spawn_blocking(move || store.cancel_job(id))
        .await
        .map_err(ApiError::internal)??;
    if job.is_some() {
        return Ok(cancelling());
    }
    if state.store.delete(id)? {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ApiError::not_found("run"))
    }
}

/// Cancel a run in progress (never deletes: safe against a run that just finished).
#[utoipa::path(post, path = "/runs/{id}/cancel", tag = "runs", params(("id" = i64, Path)), responses(
    (status = 202, body = Cancelling, description = "cancellation requested"),
    (status = 404, body = ApiError),
    (status = 409, body = ApiError, description = "the run is not in progress"),
))]
async fn cancel(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    if state.runs.cancel(id) {
        return Ok(cancelling());
    }
    // An agent's run: its job is cancelled in the queue, or its agent told.
    let store = state.store.clone();
    let job = tokio::task::spawn_blocking(move || store.cancel_job(id))
        .await
        .map_err(ApiError::internal)??;
    if job.is_some() {
        return Ok(cancelling());
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

fn cancelling() -> Response {
    let body = Cancelling {
        status: RunStatus::Cancelled,
    };
    (StatusCode::ACCEPTED, Json(body)).into_response()
}

/// How a run is downloaded.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
enum ExportFormat {
    /// `{run, results}`.
    #[default]
    Json,
    /// One row per result (RFC 4180).
    Csv,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ExportQuery {
    #[param(inline)]
    format: Option<ExportFormat>,
    /// Every IPv4 and IPv6 address in it replaced by its Crypto-PAn pseudonym under the
    /// server's key (the same as in an anonymised capture download); names stay.
    anonymize: Option<bool>,
}

/// Download a run's results.
#[utoipa::path(get, path = "/runs/{id}/export", tag = "runs", params(("id" = i64, Path), ExportQuery), responses(
    (status = 200, description = "JSON `{run, results}`, or CSV with one row per result", content(
        (wirescope_runs::export::Export = "application/json"),
        (String = "text/csv"),
    )),
    (status = 400, body = ApiError),
    (status = 404, body = ApiError),
))]
async fn export(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let (run, results) = load(&state, id, "run").await?;
    let anonymize = q.anonymize.unwrap_or(false);
    let name = format!(
        "wirescope-run-{id}-{}{}",
        run.kind,
        if anonymize { "-anon" } else { "" }
    );
    let (content_type, extension, mut body) = match q.format.unwrap_or_default() {
        ExportFormat::Json => ("application/json", "json", export::json(&run, &results)),
        ExportFormat::Csv => (
            "text/csv; charset=utf-8",
            "csv",
            export::csv(run.kind, &results),
        ),
    };
    if anonymize {
        let mut anon = crate::anon::anonymizer(&state, false, None).await?;
        body = anon.text(&body);
    }
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.{extension}\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// A stored run with its typed results (read off the async workers); 404 naming `what`.
async fn load(
    state: &Arc<AppState>,
    id: i64,
    what: &'static str,
) -> Result<(RunInfo, Vec<ProbeResult>), ApiError> {
    let store = state.store.clone();
    tokio::task::spawn_blocking(move || export::load(&store, id))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| match e {
            export::LoadError::NotFound(_) => ApiError::not_found(what),
            other => ApiError::internal(other),
        })
}

/// Per-target differences from run a (before) to run b (after); both of one kind.
#[utoipa::path(get, path = "/runs/{a}/compare/{b}", tag = "runs", params(("a" = i64, Path), ("b" = i64, Path)), responses(
    (status = 200, body = Comparison, description = "the differences"),
    (status = 400, body = ApiError, description = "`field` b: the runs are of different kinds"),
    (status = 404, body = ApiError),
))]
async fn compare(
    State(state): State<Arc<AppState>>,
    Path((a, b)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (a, b) = (parse_id(&a)?, parse_id(&b)?);
    let (run_a, before) = load(&state, a, "run a").await?;
    let (run_b, after) = load(&state, b, "run b").await?;
    if run_a.kind != run_b.kind {
        return Err(ApiError::field(
            "b",
            format!(
                "run {a} is {} and run {b} is {}: compare runs of one kind",
                run_a.kind, run_b.kind
            ),
        ));
    }
    let comparison = compare::compare((a, &before), (b, &after), run_a.kind);
    Ok(Json(comparison).into_response())
}

/// Waits for run `run` to end, looking every 250 ms for at most `within`; the error says it
/// had not.
pub(crate) async fn run_ended(
    store: &Arc<wirescope_store::Store>,
    run: i64,
    within: std::time::Duration,
) -> Result<(), String> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let s = store.clone();
        let info = tokio::task::spawn_blocking(move || s.run(run))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
        if info.is_none_or(|i| !i.status.in_progress()) {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(format!(
                "run {run} had not ended after {} s",
                within.as_secs()
            ));
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
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
