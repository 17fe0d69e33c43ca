//! PDF reports and evidence bundles over HTTP: a run's or a comparison's report, typeset by
//! `wirescope-report` off the async workers, one at a time (a report of 10,000 rows holds about
//! 250 MB while typst lays it out), and a run's bundle with slices of the server's captures,
//! served as downloads.

use crate::AppState;
use crate::api::parse_id;
use crate::error::{ApiError, Query};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::sync::Arc;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wirescope_report::bundle::{self, Capture, Evidence};
use wirescope_report::{Report, ReportError, RunReport};

/// Reports typeset at once; a request past it gets 429.
pub const MAX_REPORTS: usize = 1;
/// Characters of a report's title at most.
const MAX_TITLE: usize = 200;

pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(run_report))
        .routes(routes!(comparison_report))
        .routes(routes!(run_bundle))
        .routes(routes!(capture_report))
        .routes(routes!(alert_report))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ReportQuery {
    /// The report's title (at most 200 characters); `wirescope KIND report` by default.
    title: Option<String>,
    /// Every IPv4 and IPv6 address in it (tables, text, charts) replaced by its Crypto-PAn
    /// pseudonym under the server's key, as in an anonymised export or capture; names stay.
    /// Run and comparison reports only.
    anonymize: Option<bool>,
}

/// A run's PDF report: how it was run, its figures, charts, every result and per-kind detail.
#[utoipa::path(get, path = "/runs/{id}/report", tag = "runs", params(("id" = i64, Path), ReportQuery), responses(
    (status = 200, description = "the PDF, as an attachment; `X-Data-SHA256` is the hash it prints", content_type = "application/pdf"),
    (status = 400, body = ApiError, description = "a bad id or title, or a run past 50,000 results"),
    (status = 404, body = ApiError),
    (status = 429, body = ApiError, description = "another report is being typeset"),
))]
async fn run_report(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let anonymize = q.anonymize.unwrap_or(false);
    let ask = RunReport {
        runs: vec![id],
        title: title(q.title)?,
        ..RunReport::default()
    };
    let name = format!("wirescope-run-{id}{}", if anonymize { "-anon" } else { "" });
    make(&state, ask, name, anonymize).await
}

/// The PDF report of a comparison of run a (before) with run b (after), both of one kind.
#[utoipa::path(get, path = "/runs/{a}/compare/{b}/report", tag = "runs", params(("a" = i64, Path), ("b" = i64, Path), ReportQuery), responses(
    (status = 200, description = "the PDF, as an attachment; `X-Data-SHA256` is the hash it prints", content_type = "application/pdf"),
    (status = 400, body = ApiError, description = "runs of different kinds, a bad id or title"),
    (status = 404, body = ApiError),
    (status = 429, body = ApiError, description = "another report is being typeset"),
))]
async fn comparison_report(
    State(state): State<Arc<AppState>>,
    Path((a, b)): Path<(String, String)>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    let (a, b) = (parse_id(&a)?, parse_id(&b)?);
    let anonymize = q.anonymize.unwrap_or(false);
    let ask = RunReport {
        compare: Some((a, b)),
        title: title(q.title)?,
        ..RunReport::default()
    };
    let name = format!(
        "wirescope-compare-{a}-{b}{}",
        if anonymize { "-anon" } else { "" }
    );
    make(&state, ask, name, anonymize).await
}

/// A run's evidence bundle (zip): its PDF report and data, its results as NDJSON and CSV, a
/// pcapng slice of each of the server's captures for the run's window (30 s either side) and
/// addresses, a manifest and SHA256SUMS.
#[utoipa::path(get, path = "/runs/{id}/bundle", tag = "runs", params(("id" = i64, Path), ReportQuery), responses(
    (status = 200, description = "the zip, as an attachment; `X-Data-SHA256` is the report data's hash", content_type = "application/zip"),
    (status = 400, body = ApiError),
    (status = 404, body = ApiError),
    (status = 429, body = ApiError, description = "another report is being typeset"),
))]
async fn run_bundle(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let ask = RunReport {
        runs: vec![id],
        title: title(q.title)?,
        by: BY.into(),
        ..RunReport::default()
    };
    let Ok(_permit) = state.reports.clone().try_acquire_owned() else {
        return Err(busy());
    };
    let store = state.store.clone();
    let shared = state.clone();
    let (zip, sha) = tokio::task::spawn_blocking(move || {
        let now = jiff::Timestamp::now().as_millisecond();
        let pdf = typeset(&store, &ask, now)?;
        let run = wirescope_runs::export::load(&store, id).map_err(|e| error(e.into()))?;
        let copies = shared.captures.pcapngs(false);
        let slices = capture_slices(&copies);
        let runs = [run];
        let snmp = bundle::snmp_runs(&store).map_err(|e| error(e.into()))?;
        let evidence = Evidence {
            runs: &runs,
            captures: &slices,
            snmp: &snmp,
            pad_ms: BUNDLE_PAD_MS,
            window: None,
            slice_bytes: bundle::MAX_SLICE_BYTES,
            now_ms: now,
        };
        let (zip, _) = bundle::bundle(&pdf, &evidence, BY).map_err(ApiError::internal)?;
        Ok::<_, ApiError>((zip, pdf.sha256))
    })
    .await
    .map_err(ApiError::internal)??;
    Ok(download(
        "application/zip",
        format!("wirescope-evidence-run-{id}.zip"),
        sha,
        zip,
    ))
}

/// A capture session's PDF report: what was captured and where, its figures, bandwidth over
/// time, protocol mix, and the protocol, talker (top 50) and conversation (top 50) tables.
#[utoipa::path(get, path = "/captures/{id}/report", tag = "traffic", params(("id" = i64, Path), ReportQuery), responses(
    (status = 200, description = "the PDF, as an attachment; `X-Data-SHA256` is the hash it prints", content_type = "application/pdf"),
    (status = 400, body = ApiError),
    (status = 404, body = ApiError),
    (status = 410, body = ApiError, description = "the capture was closed to make room"),
    (status = 429, body = ApiError, description = "another report is being typeset"),
))]
async fn capture_report(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let title = title(q.title)?;
    let Ok(_permit) = state.reports.clone().try_acquire_owned() else {
        return Err(busy());
    };
    let (info, stats) = state.captures.summary(id, CAPTURE_TOP)?;
    let pdf = tokio::task::spawn_blocking(move || {
        let now = jiff::Timestamp::now().as_millisecond();
        let title = title.unwrap_or_else(|| "wirescope capture report".into());
        let mut report = Report::new(&title, format!("Capture {id}"), now, BY);
        let mut facts = vec![
            (
                "Source".to_string(),
                match &info.file {
                    Some(f) => format!("the uploaded file {f}"),
                    None => format!("live, on {}", info.interfaces.join(", ")),
                },
            ),
            (
                "Started".into(),
                wirescope_report::model::time_utc(info.started_at),
            ),
            (
                "Status".into(),
                if info.running {
                    format!("running; as of {}", wirescope_report::model::time_utc(now))
                } else {
                    "stopped".into()
                },
            ),
            (
                "Frames kept".into(),
                format!("the last {} with their bytes", info.ring_size),
            ),
        ];
        if let Some(bpf) = &info.bpf {
            facts.push(("Capture filter".into(), bpf.clone()));
        }
        wirescope_report::capture::add_capture(
            &mut report,
            &format!("Capture {id}"),
            facts,
            &stats,
        );
        wirescope_report::render(&report, now).map_err(error)
    })
    .await
    .map_err(ApiError::internal)??;
    Ok(download(
        "application/pdf",
        format!("wirescope-capture-{id}.pdf"),
        pdf.sha256,
        pdf.bytes,
    ))
}

/// An alert event's PDF report: what fired and why (the rule's evidence), who was told, the
/// timeline of the same suite and target (the last 200 events), and the run that raised it.
#[utoipa::path(get, path = "/alerts/{id}/report", tag = "alerts", params(("id" = i64, Path)), responses(
    (status = 200, description = "the PDF, as an attachment; `X-Data-SHA256` is the hash it prints", content_type = "application/pdf"),
    (status = 400, body = ApiError),
    (status = 404, body = ApiError),
    (status = 429, body = ApiError, description = "another report is being typeset"),
))]
async fn alert_report(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let Ok(_permit) = state.reports.clone().try_acquire_owned() else {
        return Err(busy());
    };
    let store = state.store.clone();
    let pdf = tokio::task::spawn_blocking(move || {
        let now = jiff::Timestamp::now().as_millisecond();
        let report = wirescope_report::alert::alert_report(&store, id, now, BY).map_err(error)?;
        wirescope_report::render(&report, now).map_err(error)
    })
    .await
    .map_err(ApiError::internal)??;
    Ok(download(
        "application/pdf",
        format!("wirescope-alert-{id}.pdf"),
        pdf.sha256,
        pdf.bytes,
    ))
}

/// The captures a bundle slices, from the server's copies of their rings (`Captures::pcapngs`).
pub(crate) fn capture_slices(copies: &[(String, String, Vec<u8>)]) -> Vec<Capture<'_>> {
    copies
        .iter()
        .map(|(name, what, bytes)| Capture {
            name: name.clone(),
            what: what.clone(),
            bytes,
        })
        .collect()
}

/// Rows of a capture report's talker and conversation tables.
const CAPTURE_TOP: usize = 50;

/// Time a bundle's capture slices keep either side of the run.
const BUNDLE_PAD_MS: i64 = 30_000;
/// Who reports from the dashboard are by.
pub(crate) const BY: &str = "the dashboard";

pub(crate) fn busy() -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        format!(
            "{MAX_REPORTS} report is typeset at a time and one is under way; try again in a few seconds"
        ),
    )
}

pub(crate) fn error(e: ReportError) -> ApiError {
    match e {
        ReportError::Load(wirescope_runs::export::LoadError::NotFound(id)) => {
            ApiError::new(StatusCode::NOT_FOUND, format!("no run {id}"))
        }
        ReportError::NotFound(m) => ApiError::new(StatusCode::NOT_FOUND, m),
        ReportError::Usage(m) => ApiError::field("id", m),
        other => ApiError::internal(other),
    }
}

fn typeset(
    store: &wirescope_store::Store,
    ask: &RunReport,
    now: i64,
) -> Result<wirescope_report::Pdf, ApiError> {
    let report = wirescope_report::run_report(store, ask, now).map_err(error)?;
    wirescope_report::render(&report, now).map_err(error)
}

pub(crate) fn download(content_type: &str, name: String, sha: String, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::HeaderName::from_static("x-data-sha256"), sha),
        ],
        body,
    )
        .into_response()
}

fn title(t: Option<String>) -> Result<Option<String>, ApiError> {
    match t {
        Some(t) if t.chars().count() > MAX_TITLE => Err(ApiError::field(
            "title",
            format!("a title holds {MAX_TITLE} characters at most"),
        )),
        Some(t) if t.trim().is_empty() => Ok(None),
        t => Ok(t),
    }
}

async fn make(
    state: &Arc<AppState>,
    mut ask: RunReport,
    name: String,
    anonymize: bool,
) -> Result<Response, ApiError> {
    let Ok(_permit) = state.reports.clone().try_acquire_owned() else {
        return Err(busy());
    };
    ask.by = BY.into();
    let mut anon = match anonymize {
        true => Some(crate::anon::anonymizer(state, false, None).await?),
        false => None,
    };
    let store = state.store.clone();
    let pdf = tokio::task::spawn_blocking(move || {
        let now = jiff::Timestamp::now().as_millisecond();
        match &mut anon {
            Some(anon) => {
                let report = wirescope_report::run_report(&store, &ask, now).map_err(error)?;
                wirescope_report::render_rewritten(&report, now, &mut |t| anon.text(t))
                    .map_err(error)
            }
            None => typeset(&store, &ask, now),
        }
    })
    .await
    .map_err(ApiError::internal)??;
    Ok(download(
        "application/pdf",
        format!("{name}.pdf"),
        pdf.sha256,
        pdf.bytes,
    ))
}
