//! The topology map of a crawl run (JSON for the dashboard, DOT for Graphviz), built from the
//! stored results so it redraws any past crawl; where a host is, from a locate crawl's stored
//! results; and the map's saved layout (node positions by device id), one document kept in the
//! store's settings.

use crate::AppState;
use crate::api::parse_id;
use crate::error::ApiError;
use crate::error::Query;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};
use wirescope_probe::result::SnmpResult;
use wirescope_snmp::topology;
use wirescope_snmp::topology::Topology;

use wirescope_snmp::topology::LAYOUT_SETTING as LAYOUT_KEY;
/// More devices than any map the dashboard draws well.
const MAX_LAYOUT_NODES: usize = 20_000;

/// How a map is given.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
enum MapFormat {
    #[default]
    Json,
    /// Graphviz DOT, as a download.
    Dot,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct MapQuery {
    #[param(inline)]
    format: Option<MapFormat>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct LocateQuery {
    /// An IP address, a MAC address (any usual spelling) or a host name (resolved by the server).
    q: String,
}

/// Where a host is plugged in, from what an SNMP run read (a locate crawl's ARP tables,
/// forwarding databases and neighbours; `wirescope locate` decides the same way).
#[utoipa::path(get, path = "/runs/{id}/locate", tag = "runs", params(("id" = i64, Path), LocateQuery), responses(
    (status = 200, body = wirescope_snmp::locate::Located, description = "`found` empty and `note` saying why when it is nowhere"),
    (status = 400, body = ApiError, description = "`field: q`: neither an address, a MAC nor a name"),
    (status = 404, body = ApiError),
    (status = 409, body = ApiError, description = "not an SNMP run"),
))]
pub(crate) async fn locate(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(q): Query<LocateQuery>,
) -> Result<Response, ApiError> {
    use wirescope_snmp::locate::Query as Wanted;
    let id = parse_id(&id)?;
    let mut wanted = Wanted::parse(&q.q).map_err(|e| ApiError::field("q", e.to_string()))?;
    if let Wanted::Name(name, ips) = &mut wanted
        && let Ok(found) = tokio::net::lookup_host((name.as_str(), 0)).await
    {
        for a in found {
            if !ips.contains(&a.ip()) {
                ips.push(a.ip());
            }
        }
    }
    let results = snmp_results(&state, id).await?;
    let located = wirescope_snmp::locate::find(&wanted, q.q.trim(), &results);
    Ok(Json(located).into_response())
}

/// A stored SNMP run's results.
async fn snmp_results(state: &Arc<AppState>, id: i64) -> Result<Vec<SnmpResult>, ApiError> {
    let store = state.store.clone();
    tokio::task::spawn_blocking(move || {
        let run = store.run(id)?.ok_or_else(|| ApiError::not_found("run"))?;
        if run.kind != wirescope_probe::ProbeKind::Snmp {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                format!(
                    "run {id} is a {} run; maps and locations come from SNMP runs",
                    run.kind
                ),
            ));
        }
        Ok(store
            .results(id, 0)?
            .iter()
            .filter_map(|(_, raw)| serde_json::from_str(raw.get()).ok())
            .collect())
    })
    .await
    .map_err(ApiError::internal)?
}

/// The map of an SNMP run (a topology crawl: devices, links between ports).
#[utoipa::path(get, path = "/runs/{id}/topology", tag = "runs", params(("id" = i64, Path), MapQuery), responses(
    (status = 200, description = "the map (JSON), or Graphviz DOT as a download", content(
        (Topology = "application/json"),
        (String = "text/vnd.graphviz"),
    )),
    (status = 400, body = ApiError),
    (status = 404, body = ApiError),
    (status = 409, body = ApiError, description = "not an SNMP run"),
))]
pub(crate) async fn map(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(q): Query<MapQuery>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let results = snmp_results(&state, id).await?;
    let map = topology::graph(&results);
    match q.format.unwrap_or_default() {
        MapFormat::Json => Ok(Json(map).into_response()),
        MapFormat::Dot => Ok((
            [
                (
                    header::CONTENT_TYPE,
                    "text/vnd.graphviz; charset=utf-8".to_string(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"wirescope-topology-{id}.dot\""),
                ),
            ],
            map.to_dot(),
        )
            .into_response()),
    }
}

/// Where a node sits on the map.
#[derive(Debug, Clone, Copy, Deserialize, serde::Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Position {
    x: f64,
    y: f64,
}

/// The saved positions of map nodes.
#[derive(Debug, Deserialize, serde::Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Layout {
    /// Node positions by device id (at most 20000).
    positions: BTreeMap<String, Position>,
}

/// The saved positions of map nodes.
#[utoipa::path(get, path = "/topology/layout", tag = "runs", responses((status = 200, body = Layout)))]
pub(crate) async fn layout(State(state): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let body = state
        .store
        .setting(LAYOUT_KEY)?
        .unwrap_or_else(|| r#"{"positions":{}}"#.into());
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// Save the positions of map nodes (replaces the saved layout).
#[utoipa::path(put, path = "/topology/layout", tag = "runs", request_body = Layout, responses(
    (status = 204, description = "saved"),
    (status = 400, body = ApiError),
))]
pub(crate) async fn save_layout(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let layout: Layout = crate::error::json_body(&body)?;
    if layout.positions.len() > MAX_LAYOUT_NODES {
        return Err(ApiError::field(
            "positions",
            format!("at most {MAX_LAYOUT_NODES} nodes"),
        ));
    }
    if let Some((id, _)) = layout
        .positions
        .iter()
        .find(|(_, p)| !p.x.is_finite() || !p.y.is_finite())
    {
        return Err(ApiError::field(
            format!("positions.{id}"),
            "coordinates must be finite numbers",
        ));
    }
    let text = serde_json::to_string(&layout).map_err(ApiError::internal)?;
    state.store.set_setting(LAYOUT_KEY, &text)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
