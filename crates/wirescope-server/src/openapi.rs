//! The OpenAPI 3.1 document of the REST API and the WebSocket messages, served at
//! /api/openapi.json. Paths come from the handlers' `#[utoipa::path]`s (collected by the
//! routers that serve them), schemas from the types the handlers take and return; the options'
//! defaults are filled from their `Default`s, so the document cannot disagree with the code.
//! `openapi.json` beside this crate is the committed copy (the dashboard's types are generated
//! from it); a test fails when it differs from what the code generates.

use crate::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa::openapi::schema::Schema;
use utoipa::openapi::{Components, OpenApi as Document, RefOr};

const DESCRIPTION: &str = "Batch network diagnostics (ping, traceroute, DNS, TCP scan, SNMP: \
get/walk, neighbours, ARP, interfaces, topology crawls; SSH exec and terminals) streamed live, \
traffic captures, and credential profiles whose secrets stay in the secret store. Once the \
server has users, every /api request needs a session (`POST /api/login` sets its cookie) or the \
server's access token (`Authorization: Bearer TOKEN` or `?token=TOKEN`): 401 otherwise, and 403 \
for a role too low (viewer: looking; operator: also starting and stopping; admin: also users, \
credentials, channels and settings). A server started with an access token and no users needs \
the token. Errors are JSON: `{\"error\", \"field\"?}`.";

#[derive(OpenApi)]
#[openapi(
    info(title = "wirescope", description = DESCRIPTION),
    components(schemas(
        crate::ws::ClientMessage,
        crate::ws::ServerMessage,
        crate::ssh::TerminalRequest,
        crate::ssh::TerminalEvent,
    )),
    tags(
        (name = "runs", description = "Probe runs: start, follow (WebSocket), list, compare, export"),
        (name = "suites", description = "Suites: named sets of runs, run on demand or on their cron schedules; their fires, trends and alert rules"),
        (name = "alerts", description = "Alert events with their evidence, and the channels (webhooks, mail) they are delivered to"),
        (name = "creds", description = "Credential profiles (secrets never leave the store)"),
        (name = "traffic", description = "Capture sessions: live or uploaded files, packets, statistics"),
        (name = "ssh", description = "Terminals, their recordings, known host keys"),
        (name = "users", description = "Signing in and out, the first admin's setup, and users with their roles"),
        (name = "agents", description = "Remote probe agents: add (token shown once), list, revoke; the WebSocket they dial home on"),
        (name = "host", description = "The machine the server runs on: CPU, memory, disks and interfaces, sampled every 10 s"),
        (name = "metrics", description = "Prometheus metrics (OpenMetrics text) of runs, suites, alerts, traps, captures and the server"),
    )
)]
struct Base;

/// The document, as the code defines it.
pub fn document() -> Document {
    let mut doc = Base::openapi();
    let routes = utoipa_axum::router::OpenApiRouter::new().nest("/api", crate::api_routes(0));
    doc.merge(routes.into_openapi());
    doc.info.version = env!("CARGO_PKG_VERSION").into();
    name_operations(&mut doc);
    let components = doc.components.get_or_insert_with(Default::default);
    for options in wirescope_runs::engine::options_schemas() {
        let mut schema = options.schema;
        fill_defaults(&mut schema, options.defaults);
        components.schemas.extend(options.refers_to);
        components.schemas.insert(options.name, schema);
    }
    type_run_options(components);
    doc
}

/// The store types a run's options as any object (the kinds' options are defined above it); the
/// document says which: one of the kinds' options.
fn type_run_options(components: &mut Components) {
    let Some(RefOr::T(Schema::Object(run))) = components.schemas.get_mut("RunInfo") else {
        return;
    };
    if let Some(RefOr::T(Schema::Object(options))) = run.properties.get_mut("options") {
        let mut typed = wirescope_runs::engine::options_schema();
        if let Schema::OneOf(one_of) = &mut typed {
            one_of.description = options.description.take();
        }
        run.properties.insert("options".into(), RefOr::T(typed));
    }
}

/// Names each operation after its method and path (`getRunsIdExport`): handler names repeat
/// across areas (`list`, `show`), and operation ids must not.
fn name_operations(doc: &mut Document) {
    for (path, item) in doc.paths.paths.iter_mut() {
        let words: String = path
            .trim_start_matches("/api/")
            .split(['/', '-', '{', '}', '.'])
            .filter(|w| !w.is_empty())
            .map(|w| {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            })
            .collect();
        for (method, op) in [
            ("get", &mut item.get),
            ("put", &mut item.put),
            ("post", &mut item.post),
            ("delete", &mut item.delete),
        ] {
            if let Some(op) = op {
                op.operation_id = Some(format!("{method}{words}"));
            }
        }
    }
}

/// Sets each property's `default` from the options' `Default` serialized (`defaults`), so a
/// duration reads `"1000ms"` as the API writes it. Secrets (never serialized) keep the schema's.
fn fill_defaults(schema: &mut RefOr<Schema>, defaults: serde_json::Value) {
    let (RefOr::T(Schema::Object(object)), serde_json::Value::Object(defaults)) =
        (schema, defaults)
    else {
        return;
    };
    for (field, value) in defaults {
        if value.is_null() {
            continue;
        }
        match object.properties.get_mut(&field) {
            Some(RefOr::T(Schema::Object(p))) => p.default = Some(value),
            Some(RefOr::T(Schema::OneOf(p))) => p.default = Some(value),
            Some(RefOr::T(Schema::AllOf(p))) => p.default = Some(value),
            Some(RefOr::T(Schema::Array(p))) => p.default = Some(value),
            Some(RefOr::Ref(r)) => r.default = Some(value),
            _ => {}
        }
    }
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "runs", responses(
    (status = 200, content_type = "application/json", description = "OpenAPI 3.1", body = Object),
))]
pub(crate) async fn serve(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        state.openapi.clone(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed document beside the crate (what the dashboard's types come from).
    const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");

    #[test]
    fn committed_document_is_what_the_code_generates() {
        let generated = document().to_pretty_json().expect("serializes") + "\n";
        if std::env::var_os("WIRESCOPE_BLESS").is_some() {
            std::fs::write(COMMITTED, &generated).expect("writes openapi.json");
        }
        let committed = std::fs::read_to_string(COMMITTED).unwrap_or_default();
        assert!(
            committed == generated,
            "{COMMITTED} differs from the document the code generates: run \
             `WIRESCOPE_BLESS=1 cargo test -p wirescope-server openapi` and commit it \
             (then `npm run gen` in web/)"
        );
    }

    /// Every `$ref` in `value`, with where it is.
    fn refs(value: &serde_json::Value, at: &str, out: &mut Vec<(String, String)>) {
        match value {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    match (k.as_str(), v) {
                        ("$ref", serde_json::Value::String(r)) => out.push((at.into(), r.clone())),
                        _ => refs(v, &format!("{at}/{k}"), out),
                    }
                }
            }
            serde_json::Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    refs(v, &format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
    }

    #[test]
    fn every_reference_resolves() {
        let doc: serde_json::Value =
            serde_json::from_str(&document().to_json().expect("serializes")).expect("JSON");
        let mut found = Vec::new();
        refs(&doc, "", &mut found);
        let dangling: Vec<String> = found
            .iter()
            .filter(|(_, r)| {
                let name = r.trim_start_matches("#/components/schemas/");
                doc["components"]["schemas"].get(name).is_none()
            })
            .map(|(at, r)| format!("{at}: {r}"))
            .collect();
        assert!(found.len() > 100, "the document refers to its schemas");
        assert!(
            dangling.is_empty(),
            "schemas not in the document: {dangling:#?}"
        );
    }
}
