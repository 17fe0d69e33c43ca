//! The OpenAPI 3.1 document of the REST API and the WebSocket messages, served at /api/openapi.json.

use axum::Json;
use serde_json::{Value, json};

pub async fn document() -> Json<Value> {
    Json(spec())
}

fn spec() -> Value {
    let id_param = |name: &str| json!({"name": name, "in": "path", "required": true, "schema": {"type": "integer"}});
    let error = json!({"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "wirescope",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Batch network diagnostics (ping, traceroute, DNS, TCP scan) streamed live. When the server was started with an access token, every /api request needs `Authorization: Bearer TOKEN` or `?token=TOKEN` (401 otherwise)."
        },
        "paths": {
            "/api/runs": {
                "post": {
                    "summary": "Start a run",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CreateRun"}}}},
                    "responses": {
                        "201": {"description": "started", "content": {"application/json": {"schema": {"type": "object", "properties": {"id": {"type": "integer"}, "total": {"type": "integer"}}}}}},
                        "400": {"description": "invalid body; `field` names the offending field (body, kind, targets, targets_text, options, options.NAME, net, net.NAME)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                        "413": {"description": "body larger than the limit (4 MiB by default)"},
                        "429": error
                    }
                },
                "get": {
                    "summary": "List runs, newest first",
                    "parameters": [
                        {"name": "kind", "in": "query", "schema": {"enum": ["ping", "trace", "dns", "scan"]}},
                        {"name": "status", "in": "query", "schema": {"$ref": "#/components/schemas/Status"}},
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "default": 50, "minimum": 1, "maximum": 500}},
                        {"name": "offset", "in": "query", "schema": {"type": "integer", "default": 0}}
                    ],
                    "responses": {"200": {"description": "a page of runs", "content": {"application/json": {"schema": {"type": "object", "properties": {"runs": {"type": "array", "items": {"$ref": "#/components/schemas/Run"}}, "total": {"type": "integer"}}}}}}, "400": error}
                }
            },
            "/api/runs/{id}": {
                "get": {
                    "summary": "A run with all its results so far",
                    "parameters": [id_param("id")],
                    "responses": {"200": {"description": "the run", "content": {"application/json": {"schema": {"allOf": [{"$ref": "#/components/schemas/Run"}, {"type": "object", "properties": {"results": {"type": "array", "items": {"$ref": "#/components/schemas/Result"}}}}]}}}}, "404": error}
                },
                "delete": {
                    "summary": "Cancel a run in progress, or delete a finished one",
                    "parameters": [id_param("id")],
                    "responses": {"202": {"description": "cancellation requested; the run ends as `cancelled` with what finished"}, "204": {"description": "deleted"}, "404": error}
                }
            },
            "/api/runs/{id}/cancel": {
                "post": {
                    "summary": "Cancel a run in progress (never deletes: safe against a run that just finished)",
                    "parameters": [id_param("id")],
                    "responses": {"202": {"description": "cancellation requested"}, "404": error, "409": {"description": "the run is not in progress", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}
                }
            },
            "/api/runs/{id}/export": {
                "get": {
                    "summary": "Download a run's results",
                    "parameters": [id_param("id"), {"name": "format", "in": "query", "schema": {"enum": ["json", "csv"], "default": "json"}}],
                    "responses": {"200": {"description": "JSON `{run, results}` or CSV with one row per result", "content": {"application/json": {}, "text/csv": {}}}, "400": error, "404": error}
                }
            },
            "/api/runs/{a}/compare/{b}": {
                "get": {
                    "summary": "Per-target differences from run a (before) to run b (after); both of one kind",
                    "parameters": [id_param("a"), id_param("b")],
                    "responses": {"200": {"description": "the differences", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Comparison"}}}}, "400": error, "404": error}
                }
            },
            "/api/ws": {
                "get": {
                    "summary": "WebSocket: live results",
                    "description": "Send `{\"type\":\"subscribe\",\"run\":ID}` or `{\"type\":\"unsubscribe\",\"run\":ID}`. The server sends `{\"type\":\"result\",\"run\":ID,\"seq\":N,\"result\":RESULT}` (seq from 0, each exactly once, in order: a late subscriber first gets what is stored, then the live tail), `{\"type\":\"progress\",\"run\":ID,\"done\":N,\"total\":N}`, `{\"type\":\"status\",\"run\":ID,\"status\":STATUS,\"summary\":SUMMARY|null,\"error\":TEXT|null}` and `{\"type\":\"error\",\"message\":TEXT}`. Upgrades whose Origin is not this server are refused with 403.",
                    "responses": {"101": {"description": "switching protocols"}, "401": error, "403": error}
                }
            },
            "/api/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3.1"}}}}
        },
        "components": {
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}, "field": {"type": "string"}}},
                "Status": {"enum": ["queued", "running", "finished", "cancelled", "interrupted", "failed"]},
                "CreateRun": {
                    "type": "object",
                    "required": ["kind"],
                    "additionalProperties": false,
                    "properties": {
                        "kind": {"enum": ["ping", "trace", "dns", "scan"]},
                        "targets": {"type": "array", "items": {"type": "string"}, "description": "target expressions: addresses, names, CIDR, ranges"},
                        "targets_text": {"type": "string", "description": "the same as text: commas, spaces, newlines, # comments (give targets or targets_text)"},
                        "options": {"oneOf": [{"$ref": "#/components/schemas/PingOptions"}, {"$ref": "#/components/schemas/TraceOptions"}, {"$ref": "#/components/schemas/DnsOptions"}, {"$ref": "#/components/schemas/ScanOptions"}]},
                        "net": {"$ref": "#/components/schemas/NetOptions"}
                    }
                },
                "Duration": {"oneOf": [{"type": "string", "examples": ["500ms", "3s"]}, {"type": "integer", "description": "milliseconds"}]},
                "PingOptions": {"type": "object", "additionalProperties": false, "properties": {"count": {"type": "integer", "default": 1}, "interval": {"$ref": "#/components/schemas/Duration"}, "timeout": {"$ref": "#/components/schemas/Duration"}, "size": {"type": "integer", "default": 56}, "ttl": {"type": "integer"}, "rate": {"type": "integer", "default": 10000}, "unprivileged": {"type": "boolean"}}},
                "TraceOptions": {"type": "object", "additionalProperties": false, "properties": {"protocol": {"enum": ["icmp", "udp", "tcp"]}, "max_hops": {"type": "integer", "default": 30}, "first_hop": {"type": "integer", "default": 1}, "port": {"type": "integer"}, "queries": {"type": "integer", "default": 3}, "timeout": {"$ref": "#/components/schemas/Duration"}, "rate": {"type": "integer", "default": 10000}, "resolve": {"type": "boolean"}}},
                "DnsOptions": {"type": "object", "additionalProperties": false, "properties": {"types": {"type": "array", "items": {"enum": ["A", "AAAA", "CNAME", "MX", "NS", "TXT", "SOA", "PTR", "SRV", "CAA", "ANY"]}}, "server": {"type": "string", "description": "IP or IP:PORT"}, "timeout": {"$ref": "#/components/schemas/Duration"}, "retries": {"type": "integer", "default": 2}, "tcp": {"type": "boolean"}, "concurrency": {"type": "integer", "default": 100}, "rate": {"type": "integer", "default": 0}}},
                "ScanOptions": {"type": "object", "additionalProperties": false, "properties": {"ports": {"type": "string", "examples": ["22,80,8000-8100"]}, "top": {"type": "integer", "default": 1000}, "timeout": {"$ref": "#/components/schemas/Duration"}, "banners": {"type": "boolean"}, "banner_timeout": {"$ref": "#/components/schemas/Duration"}, "concurrency": {"type": "integer", "default": 0}, "rate": {"type": "integer", "default": 0}, "method": {"enum": ["auto", "syn", "connect"]}, "retries": {"type": "integer", "default": 1}}},
                "NetOptions": {"type": "object", "additionalProperties": false, "properties": {"netns": {"type": "string"}, "interface": {"type": "string"}, "source": {"type": "string"}, "family": {"enum": ["any", "v4", "v6"]}, "resolvers": {"type": "array", "items": {"type": "string", "examples": ["192.0.2.53:53"]}}}},
                "Run": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "kind": {"enum": ["ping", "trace", "dns", "scan"]}, "status": {"$ref": "#/components/schemas/Status"},
                    "created_at": {"type": "integer", "description": "ms since the epoch"}, "started_at": {"type": ["integer", "null"]}, "finished_at": {"type": ["integer", "null"]},
                    "targets_text": {"type": "string"}, "options": {"type": "object"}, "net": {"type": "object"}, "total": {"type": "integer"}, "done": {"type": "integer"},
                    "summary": {"type": ["object", "null"], "description": "the closing summary, as the CLI's summary line"}, "error": {"type": ["string", "null"]}, "source": {"enum": ["api", "cli"]}
                }},
                "Result": {"type": "object", "description": "exactly the CLI's NDJSON result objects (see README: kind, target, addr, error and the per-kind fields)", "required": ["kind", "target"], "properties": {"kind": {"enum": ["ping", "trace", "dns", "scan"]}, "target": {"type": "string"}, "addr": {"type": ["string", "null"]}, "error": {"type": ["string", "null"]}}},
                "Comparison": {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}, "kind": {"type": "string"}, "unchanged": {"type": "integer"}, "changes": {"type": "array", "items": {"type": "object", "properties": {"target": {"type": "string"}, "change": {"enum": ["became_dead", "became_alive", "rtt_changed", "ports_opened", "ports_closed", "answers_changed", "rcode_changed", "path_changed", "reached_changed", "added", "removed"]}, "before": {"type": "string"}, "after": {"type": "string"}, "detail": {"type": "string"}}}}}}
            }
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn document_names_every_route() {
        let spec = super::spec();
        for route in [
            "/api/runs",
            "/api/runs/{id}",
            "/api/runs/{id}/export",
            "/api/runs/{a}/compare/{b}",
            "/api/ws",
            "/api/openapi.json",
        ] {
            assert!(spec["paths"][route].is_object(), "{route} is documented");
        }
        assert_eq!(spec["openapi"], "3.1.0");
    }
}
