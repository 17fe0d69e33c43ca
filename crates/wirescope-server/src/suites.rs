//! Suites over REST: list, add, show (with its next due times and last fires), replace, delete,
//! enable or disable its schedule, and run now. A suite is checked whole on the way in, every
//! error naming its field (`runs[1].options.count`, `schedule.timezone`); the scheduler is told
//! of every change so a new schedule takes effect at once.

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
use wirescope_store::{
    Bucket, Fire, FireOutcome, ROLLUP_WIDTHS, SeriesInfo, StoreError, SuiteRecord, now_ms,
};
use wirescope_watch::{Schedule, ScheduleSpec, Suite, SuiteError};

/// Fires listed with a suite.
const FIRES_SHOWN: i64 = 50;
/// Due times listed ahead.
const NEXT_SHOWN: usize = 5;

pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, replace, remove))
        .routes(routes!(run_now))
        .routes(routes!(preview))
        .routes(routes!(series))
        .routes(routes!(trend))
        .routes(routes!(trend_report))
        .routes(routes!(history))
        .routes(routes!(enable))
        .routes(routes!(disable))
}

/// A suite as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuiteView {
    pub id: i64,
    pub name: String,
    /// Whether its schedule fires it (it runs on demand either way).
    pub enabled: bool,
    pub suite: Suite,
    /// The schedule in words, with its time zone; `null` for a suite run on demand.
    pub schedule_text: Option<String>,
    /// Its next due times (ms since the epoch), when enabled.
    pub next: Vec<i64>,
    /// Its last fire.
    pub last_fire: Option<Fire>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The suites.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuiteList {
    pub suites: Vec<SuiteView>,
}

/// A suite with its last fires, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuiteDetail {
    #[serde(flatten)]
    pub view: SuiteView,
    pub fires: Vec<Fire>,
}

/// A schedule read back before it is saved.
#[derive(Debug, Serialize, ToSchema)]
pub struct SchedulePreview {
    /// The pattern in words, with its time zone.
    pub text: String,
    /// Its next due times (ms since the epoch).
    pub next: Vec<i64>,
    /// The time zone used (the server's when none was given).
    pub timezone: String,
}

/// A suite's series: one per kind and target of its scheduled ping, trace and DNS runs.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeriesList {
    pub series: Vec<SeriesInfo>,
}

/// How far back a trend looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
pub enum TrendRange {
    #[serde(rename = "3h")]
    Hours3,
    #[serde(rename = "1d")]
    Day,
    #[serde(rename = "7d")]
    Week,
    #[serde(rename = "30d")]
    Month,
}

impl TrendRange {
    /// Its span and the bucket width it is drawn from (0: every sample).
    fn span_and_width(self) -> (i64, i64) {
        const H: i64 = 3_600_000;
        match self {
            TrendRange::Hours3 => (3 * H, 0),
            TrendRange::Day => (24 * H, ROLLUP_WIDTHS[0]),
            TrendRange::Week => (7 * 24 * H, ROLLUP_WIDTHS[1]),
            TrendRange::Month => (30 * 24 * H, ROLLUP_WIDTHS[1]),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct TrendQuery {
    /// The series (from `/suites/{id}/series`).
    series: i64,
    /// 3h (every sample), 1d (5-minute buckets), 7d or 30d (hourly buckets).
    #[param(inline)]
    range: Option<TrendRange>,
}

/// A series over a range: buckets of min, p10, median, p90, max (ms) and loss.
#[derive(Debug, Serialize, ToSchema)]
pub struct Trend {
    pub series: SeriesInfo,
    pub from: i64,
    pub to: i64,
    /// Bucket width (ms); 0 when each bucket is one sample.
    pub width: i64,
    pub buckets: Vec<Bucket>,
}

/// Which history.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct HistoryQuery {
    /// trace (paths), scan (open ports) or dns (answers).
    kind: wirescope_probe::ProbeKind,
    /// The target as results name it (DNS: `name TYPE`).
    target: String,
}

/// What one target showed over a suite's runs of one kind: each distinct value in a row,
/// newest first (at most 100).
#[derive(Debug, Serialize, ToSchema)]
pub struct TargetHistory {
    pub kind: wirescope_probe::ProbeKind,
    pub target: String,
    pub entries: Vec<wirescope_store::HistoryEntry>,
}

/// A suite added.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuiteCreated {
    pub id: i64,
}

/// What running a suite now did.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuiteFired {
    pub outcome: FireOutcome,
    /// The runs it started (follow them as any run).
    pub runs: Vec<i64>,
    /// The runs that could not start, and why.
    pub note: Option<String>,
}

fn suite_error(e: SuiteError) -> ApiError {
    ApiError::field(e.field, e.message)
}

fn check_name(name: Option<&str>) -> Result<String, ApiError> {
    let name = name.map(str::trim).unwrap_or_default();
    wirescope_watch::spec::check_name(name).map_err(suite_error)?;
    Ok(name.to_string())
}

fn parse_suite(state: &AppState, body: &Bytes) -> Result<Suite, ApiError> {
    let value: serde_json::Value = crate::error::json_body(body)?;
    let suite = Suite::from_value(value).map_err(suite_error)?;
    suite.check_remote().map_err(suite_error)?;
    let channels: Vec<String> = state
        .store
        .channels()?
        .into_iter()
        .map(|c| c.name)
        .collect();
    suite
        .check_channels(|n| channels.iter().any(|c| c == n))
        .map_err(suite_error)?;
    Ok(suite)
}

/// Checks that the credential profiles the suite's runs name exist (and resolve), so a missing
/// one is a 400 naming `runs[N].options.profile(s)` now rather than a failed fire later.
async fn check_profiles(suite: &Suite) -> Result<(), ApiError> {
    use wirescope_runs::engine::ProbeOptions;
    for (i, run) in suite.runs.iter().enumerate() {
        let at = |e: ApiError| ApiError {
            field: e.field.map(|f| format!("runs[{i}].{f}")),
            ..e
        };
        match run.probe().map_err(suite_error)? {
            ProbeOptions::Snmp(o) if !o.profiles.is_empty() => {
                crate::creds::resolve(o, false).await.map_err(at)?;
            }
            ProbeOptions::Ssh(o) if o.profile.is_some() => {
                crate::creds::resolve_ssh(o).await.map_err(at)?;
            }
            _ => {}
        }
    }
    Ok(())
}

fn view(state: &AppState, rec: SuiteRecord) -> Result<SuiteView, ApiError> {
    let value = serde_json::from_str(rec.spec.get()).map_err(ApiError::internal)?;
    let suite = Suite::from_value(value).map_err(ApiError::internal)?;
    let schedule = suite.schedule.as_ref().and_then(|s| Schedule::new(s).ok());
    let next = match (&schedule, rec.enabled) {
        (Some(s), true) => s.upcoming(now_ms(), NEXT_SHOWN),
        _ => Vec::new(),
    };
    let last_fire = state.store.fires(rec.id, 1)?.into_iter().next();
    Ok(SuiteView {
        id: rec.id,
        name: rec.name,
        enabled: rec.enabled,
        suite,
        schedule_text: schedule.map(|s| s.describe()),
        next,
        last_fire,
        created_at: rec.created_at,
        updated_at: rec.updated_at,
    })
}

fn find(state: &AppState, id: &str) -> Result<SuiteRecord, ApiError> {
    state
        .store
        .suite_by_id(parse_id(id)?)?
        .ok_or_else(|| ApiError::not_found("suite"))
}

/// A suite and one of its series; 404 when either is not there.
fn find_series(
    state: &AppState,
    id: &str,
    series: i64,
) -> Result<(SuiteRecord, SeriesInfo), ApiError> {
    let rec = find(state, id)?;
    let series = state
        .store
        .series_of(rec.id, series)?
        .ok_or_else(|| ApiError::not_found("series"))?;
    Ok((rec, series))
}

/// The suites, by name.
#[utoipa::path(get, path = "/suites", tag = "suites", responses((status = 200, body = SuiteList)))]
async fn list(State(state): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let suites = state
        .store
        .suites()?
        .into_iter()
        .map(|rec| view(&state, rec))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Json(SuiteList { suites }).into_response())
}

/// Add a suite (its `name` in the body).
#[utoipa::path(post, path = "/suites", tag = "suites", request_body = Suite, responses(
    (status = 201, body = SuiteCreated),
    (status = 400, body = ApiError, description = "`field` names the fault: name, runs, runs[N].kind, runs[N].options.NAME (a credential profile that does not exist: runs[N].options.profile or .profiles), runs[N].targets, schedule.cron, schedule.timezone, alerts[N].FIELD (alerts[N].notify[M]: no such channel), maintenance[N].FIELD, parents.TARGET"),
    (status = 503, body = ApiError, description = "a run names a credential profile and the secret store cannot be opened"),
    (status = 409, body = ApiError, description = "a suite of that name exists (`field` name), or 1,000 suites do"),
))]
async fn create(State(state): State<Arc<AppState>>, body: Bytes) -> Result<Response, ApiError> {
    let suite = parse_suite(&state, &body)?;
    let name = check_name(suite.name.as_deref())?;
    check_profiles(&suite).await?;
    let id = match state.store.create_suite(&name, &suite.to_json()) {
        Ok(id) => id,
        Err(e @ StoreError::SuiteExists(_)) => {
            return Err(ApiError {
                status: StatusCode::CONFLICT,
                error: e.to_string(),
                field: Some("name".into()),
            });
        }
        Err(e @ StoreError::TooManySuites(_)) => {
            return Err(ApiError::new(StatusCode::CONFLICT, e.to_string()));
        }
        Err(e) => return Err(e.into()),
    };
    state.scheduler.suites_changed();
    Ok((StatusCode::CREATED, Json(SuiteCreated { id })).into_response())
}

/// A suite, its next due times and its last fires.
#[utoipa::path(get, path = "/suites/{id}", tag = "suites", params(("id" = i64, Path)), responses(
    (status = 200, body = SuiteDetail),
    (status = 404, body = ApiError),
))]
async fn show(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let rec = find(&state, &id)?;
    let fires = state.store.fires(rec.id, FIRES_SHOWN)?;
    let view = view(&state, rec)?;
    Ok(Json(SuiteDetail { view, fires }).into_response())
}

/// Replace a suite's runs and schedule (its name, state and fires are kept).
#[utoipa::path(put, path = "/suites/{id}", tag = "suites", params(("id" = i64, Path)), request_body = Suite, responses(
    (status = 200, body = SuiteView),
    (status = 400, body = ApiError),
    (status = 404, body = ApiError),
))]
async fn replace(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let rec = find(&state, &id)?;
    let suite = parse_suite(&state, &body)?;
    check_profiles(&suite).await?;
    state.store.replace_suite(rec.id, &suite.to_json())?;
    state.scheduler.suites_changed();
    let rec = find(&state, &id)?;
    Ok(Json(view(&state, rec)?).into_response())
}

/// Delete a suite and its fires; its runs stay in the history.
#[utoipa::path(delete, path = "/suites/{id}", tag = "suites", params(("id" = i64, Path)), responses(
    (status = 204, description = "gone"),
    (status = 404, body = ApiError),
))]
async fn remove(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let rec = find(&state, &id)?;
    state.store.delete_suite(rec.id)?;
    state.scheduler.suites_changed();
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Run a suite now, whatever its schedule.
#[utoipa::path(post, path = "/suites/{id}/run", tag = "suites", params(("id" = i64, Path)), responses(
    (status = 201, body = SuiteFired, description = "its runs started (`note` names those that could not)"),
    (status = 404, body = ApiError),
    (status = 409, body = ApiError, description = "none of its runs could start; `error` says why"),
))]
async fn run_now(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let rec = find(&state, &id)?;
    let fired = state.scheduler.fire_now(&rec).await;
    if fired.outcome == FireOutcome::Failed {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            fired.note.unwrap_or_else(|| "no run could start".into()),
        ));
    }
    let body = SuiteFired {
        outcome: fired.outcome,
        runs: fired.runs,
        note: fired.note,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// A schedule in words with its next due times, before it is saved (for an editor).
#[utoipa::path(post, path = "/suites/schedule", tag = "suites", request_body = ScheduleSpec, responses(
    (status = 200, body = SchedulePreview),
    (status = 400, body = ApiError, description = "`field`: schedule.cron or schedule.timezone"),
))]
async fn preview(body: Bytes) -> Result<Response, ApiError> {
    let spec: ScheduleSpec = crate::error::json_value("schedule", crate::error::json_body(&body)?)?;
    let schedule = Schedule::new(&spec).map_err(suite_error)?;
    Ok(Json(SchedulePreview {
        text: schedule.describe(),
        next: schedule.upcoming(now_ms(), NEXT_SHOWN),
        timezone: schedule.zone().to_string(),
    })
    .into_response())
}

/// A suite's series (per kind and target), with their newest sample.
#[utoipa::path(get, path = "/suites/{id}/series", tag = "suites", params(("id" = i64, Path)), responses(
    (status = 200, body = SeriesList),
    (status = 404, body = ApiError),
))]
async fn series(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let rec = find(&state, &id)?;
    let series = state.store.series(rec.id)?;
    Ok(Json(SeriesList { series }).into_response())
}

/// One series of a suite over 3 h, 1 d, 7 d or 30 d, as SmokePing draws it: the median line,
/// the spread of the medians (p10 to p90), min and max, the loss.
#[utoipa::path(get, path = "/suites/{id}/trend", tag = "suites", params(("id" = i64, Path), TrendQuery), responses(
    (status = 200, body = Trend),
    (status = 400, body = ApiError, description = "`field`: series, range"),
    (status = 404, body = ApiError, description = "no such suite, or the series is not the suite's"),
))]
async fn trend(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(q): Query<TrendQuery>,
) -> Result<Response, ApiError> {
    let (_, series) = find_series(&state, &id, q.series)?;
    let (span, width) = q.range.unwrap_or(TrendRange::Day).span_and_width();
    let to = now_ms();
    let from = to - span;
    let buckets = state.store.trend(series.id, from, to, width)?;
    Ok(Json(Trend {
        series,
        from,
        to,
        width,
        buckets,
    })
    .into_response())
}

/// A series' trend as a PDF: the median over the range as a chart, typical and worst latency
/// and loss, the target's alerts in the range, and every bucket.
#[utoipa::path(get, path = "/suites/{id}/trend/report", tag = "suites", params(("id" = i64, Path), TrendQuery), responses(
    (status = 200, description = "the PDF, as an attachment; `X-Data-SHA256` is the hash it prints", content_type = "application/pdf"),
    (status = 400, body = ApiError, description = "`field`: series, range"),
    (status = 404, body = ApiError, description = "no such suite, or the series is not the suite's"),
    (status = 429, body = ApiError, description = "another report is being typeset"),
))]
async fn trend_report(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(q): Query<TrendQuery>,
) -> Result<Response, ApiError> {
    let (rec, series) = find_series(&state, &id, q.series)?;
    let Ok(_permit) = state.reports.clone().try_acquire_owned() else {
        return Err(crate::reports::busy());
    };
    let (span, width) = q.range.unwrap_or(TrendRange::Day).span_and_width();
    let store = state.store.clone();
    let pdf = tokio::task::spawn_blocking(move || {
        let to = now_ms();
        let from = to - span;
        let buckets = store.trend(series.id, from, to, width)?;
        // The target of a DNS series is `name TYPE`; its alerts name the name.
        let target = series
            .target
            .split(' ')
            .next()
            .unwrap_or_default()
            .to_string();
        let events = store.alert_events(&wirescope_store::EventFilter {
            suite_id: Some(rec.id),
            target: Some(target),
            before: None,
            limit: wirescope_report::alert::MAX_TIMELINE,
        })?;
        let title = format!("Trend of {} in {}", series.target, rec.name);
        let mut report = wirescope_report::Report::new(
            &title,
            format!("Series {} of suite {}", series.id, rec.id),
            to,
            crate::reports::BY,
        );
        wirescope_report::trend::add_trend(
            &mut report,
            &wirescope_report::trend::TrendData {
                suite: &rec.name,
                series: &series,
                from,
                to,
                width,
                buckets: &buckets,
                events: &events,
            },
        );
        wirescope_report::render(&report, to).map_err(crate::reports::error)
    })
    .await
    .map_err(ApiError::internal)??;
    Ok(crate::reports::download(
        "application/pdf",
        format!("wirescope-trend-{}-{}.pdf", rec.id, q.series),
        pdf.sha256,
        pdf.bytes,
    ))
}

/// A target's history in a suite: each distinct path (trace), set of open ports (scan) or
/// DNS answer (dns) it showed, when first and last, over how many runs in a row.
#[utoipa::path(get, path = "/suites/{id}/history", tag = "suites", params(("id" = i64, Path), HistoryQuery), responses(
    (status = 200, body = TargetHistory),
    (status = 400, body = ApiError, description = "`field`: kind (trace, scan or dns), target"),
    (status = 404, body = ApiError),
))]
async fn history(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(q): Query<HistoryQuery>,
) -> Result<Response, ApiError> {
    use wirescope_probe::ProbeKind;
    let rec = find(&state, &id)?;
    if !matches!(q.kind, ProbeKind::Trace | ProbeKind::Scan | ProbeKind::Dns) {
        return Err(ApiError::field(
            "kind",
            "trace, scan or dns: the kinds with a history",
        ));
    }
    if q.target.is_empty() || q.target.len() > 1024 {
        return Err(ApiError::field("target", "1 to 1024 bytes"));
    }
    let entries = state
        .store
        .target_history(rec.id, q.kind.as_str(), &q.target)?;
    Ok(Json(TargetHistory {
        kind: q.kind,
        target: q.target,
        entries,
    })
    .into_response())
}

/// Let the schedule fire the suite again, from its next due time on.
#[utoipa::path(post, path = "/suites/{id}/enable", tag = "suites", params(("id" = i64, Path)), responses(
    (status = 200, body = SuiteView),
    (status = 404, body = ApiError),
))]
async fn enable(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    set_enabled(&state, &id, true)
}

/// Stop the schedule firing the suite (it still runs on demand).
#[utoipa::path(post, path = "/suites/{id}/disable", tag = "suites", params(("id" = i64, Path)), responses(
    (status = 200, body = SuiteView),
    (status = 404, body = ApiError),
))]
async fn disable(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    set_enabled(&state, &id, false)
}

fn set_enabled(state: &AppState, id: &str, on: bool) -> Result<Response, ApiError> {
    let rec = find(state, id)?;
    state.store.set_suite_enabled(rec.id, on)?;
    state.scheduler.suites_changed();
    let rec = find(state, id)?;
    Ok(Json(view(state, rec)?).into_response())
}
