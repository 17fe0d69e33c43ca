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
            "description": "Batch network diagnostics (ping, traceroute, DNS, TCP scan, SNMP: get/walk, neighbours, ARP, interfaces, topology crawls) streamed live, and credential profiles whose secrets stay in the secret store. When the server was started with an access token, every /api request needs `Authorization: Bearer TOKEN` or `?token=TOKEN` (401 otherwise)."
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
                        {"name": "kind", "in": "query", "schema": {"enum": ["ping", "trace", "dns", "scan", "snmp", "ssh"]}},
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
            "/api/runs/{id}/topology": {
                "get": {
                    "summary": "The map of an SNMP run (a topology crawl: devices, links between ports)",
                    "parameters": [id_param("id"), {"name": "format", "in": "query", "schema": {"enum": ["json", "dot"], "default": "json"}}],
                    "responses": {"200": {"description": "the map (JSON), or Graphviz DOT as a download", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Topology"}}, "text/vnd.graphviz": {}}}, "400": error, "404": error, "409": error}
                }
            },
            "/api/topology/layout": {
                "get": {"summary": "The saved positions of map nodes", "responses": {"200": {"description": "the layout", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Layout"}}}}}},
                "put": {
                    "summary": "Save the positions of map nodes (replaces the saved layout)",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Layout"}}}},
                    "responses": {"204": {"description": "saved"}, "400": error}
                }
            },
            "/api/creds": {
                "get": {
                    "summary": "Credential profiles and where their secrets are kept (never the secrets)",
                    "responses": {"200": {"description": "the profiles", "content": {"application/json": {"schema": {"type": "object", "properties": {"store": {"type": "string", "examples": ["the OS secret store (Secret Service)"]}, "profiles": {"type": "array", "items": {"$ref": "#/components/schemas/Profile"}}}}}}}, "503": {"description": "no secret store: no Secret Service on the session bus and no WIRESCOPE_SECRETS_PASSPHRASE for the encrypted file", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}
                }
            },
            "/api/creds/{name}": {
                "put": {
                    "summary": "Add or replace a profile; set or replace its secrets",
                    "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,64}$"}}],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PutProfile"}}}},
                    "responses": {"200": {"description": "the profile as listed", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Profile"}}}}, "400": error, "503": error}
                },
                "delete": {
                    "summary": "Remove a profile and its secrets",
                    "parameters": [{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "responses": {"204": {"description": "removed"}, "404": error, "503": error}
                }
            },
            "/api/interfaces": {"get": {"summary": "The server's network interfaces, and \"any\"", "responses": {"200": {"description": "`{\"interfaces\": [names]}`"}}}},
            "/api/captures": {
                "get": {"summary": "Capture sessions (live and uploaded)", "responses": {"200": {"description": "`{\"captures\": [CaptureInfo]}`"}}},
                "post": {
                    "summary": "Start a live capture",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "required": ["interfaces"], "properties": {
                        "interfaces": {"type": "array", "items": {"type": "string"}, "description": "interface names, or \"any\"; duplicates are dropped; at most 16"},
                        "bpf": {"type": "string", "description": "BPF capture filter (tcpdump syntax)"},
                        "promiscuous": {"type": "boolean", "default": false},
                        "immediate": {"type": "boolean", "default": false, "description": "hand over each frame as it arrives (one wake-up per frame) instead of in kernel blocks at most 100 ms old"},
                        "ring_size": {"type": "integer", "default": 100000, "minimum": 1, "maximum": 1000000, "description": "frames kept with their bytes"},
                        "netns": {"type": "string", "description": "capture inside this network namespace: a name under /run/netns, not a path"}}}}}},
                    "responses": {"201": {"description": "`{\"id\"}`"}, "400": {"description": "`field`: interfaces (cannot open: the reason, e.g. no such device or no permission; more than 16), bpf (libpcap's message), netns, ring_size (more than the whole --capture-memory)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}, "429": {"description": "`field` interfaces: --max-captures live captures run already; ring_size: running captures hold the --capture-memory budget", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}
                }
            },
            "/api/captures/upload": {
                "post": {
                    "summary": "Analyze a capture file (pcap or pcapng, up to 512 MiB, streamed to a file in the data directory): it becomes a session of its own; the least recently used stopped sessions are closed to keep --capture-memory",
                    "parameters": [{"name": "name", "in": "query", "schema": {"type": "string"}}, {"name": "ring_size", "in": "query", "schema": {"type": "integer"}}],
                    "requestBody": {"required": true, "content": {"application/octet-stream": {}}},
                    "responses": {"201": {"description": "`{\"id\", \"damage\": \"what, at byte offset N\" | null, \"bytes\"}`; a damaged file keeps what came before the damage"}, "400": error, "413": {"description": "larger than 512 MiB"}, "429": {"description": "--max-uploads uploads are in progress"}}
                }
            },
            "/api/captures/{id}": {
                "get": {"summary": "A capture's state: `capture` (info, running), `frames`, `kept`, `interfaces` (kernel counters: received, dropped, if_dropped), `damage`, `report` (as `wirescope analyze --json`)", "parameters": [id_param("id")], "responses": {"200": {"description": "the state"}, "404": error, "410": {"description": "closed to make room within --capture-memory; `error` says which and why"}}},
                "delete": {"summary": "Stop and forget a capture", "parameters": [id_param("id")], "responses": {"204": {"description": "gone"}, "404": error}}
            },
            "/api/captures/{id}/stop": {"post": {"summary": "Stop a live capture (its frames stay)", "parameters": [id_param("id")], "responses": {"200": {"description": "stopping"}, "404": error}}},
            "/api/captures/{id}/packets": {
                "get": {
                    "summary": "The packet list: kept frames, newest `limit` (or from frame `from` on), matching a display filter",
                    "parameters": [id_param("id"), {"name": "from", "in": "query", "schema": {"type": "integer"}}, {"name": "limit", "in": "query", "schema": {"type": "integer", "default": 1000, "maximum": 100000}}, {"name": "filter", "in": "query", "schema": {"type": "string"}, "description": "display filter, e.g. `ip.addr == 10.0.0.1 && tcp.port == 443`"}],
                    "responses": {"200": {"description": "`{\"packets\": [{no, ts_ns, src, dst, protocol, len, info}]}`"}, "400": {"description": "`field: filter`, the error names the column", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}, "404": error}
                }
            },
            "/api/captures/{id}/packets/{no}": {
                "get": {"summary": "One frame in detail: `layers` [{protocol, title, offset, len, fields: [{name, value, offset, len}]}], `hex`, `malformed`", "parameters": [id_param("id"), id_param("no")], "responses": {"200": {"description": "the frame"}, "404": {"description": "no such frame in the ring (the oldest are forgotten)"}}}
            },
            "/api/captures/{id}/csv": {
                "get": {"summary": "One table of a capture's statistics as CSV (all rows)", "parameters": [id_param("id"), {"name": "table", "in": "query", "schema": {"enum": ["protocols", "talkers", "conversations", "flows", "bandwidth"], "default": "protocols"}}], "responses": {"200": {"description": "CSV", "content": {"text/csv": {}}}, "400": error, "404": error}}
            },
            "/api/captures/{id}/pcapng": {
                "get": {"summary": "The kept frames (matching `filter`) as a pcapng file", "parameters": [id_param("id"), {"name": "filter", "in": "query", "schema": {"type": "string"}}], "responses": {"200": {"description": "pcapng", "content": {"application/x-pcapng": {}}}, "400": error, "404": error}}
            },
            "/api/ws": {
                "get": {
                    "summary": "WebSocket: live results",
                    "description": "Send `{\"type\":\"subscribe\",\"run\":ID}` or `{\"type\":\"unsubscribe\",\"run\":ID}`. The server sends `{\"type\":\"result\",\"run\":ID,\"seq\":N,\"result\":RESULT}` (seq from 0, each exactly once, in order: a late subscriber first gets what is stored, then the live tail), `{\"type\":\"progress\",\"run\":ID,\"done\":N,\"total\":N}`, `{\"type\":\"status\",\"run\":ID,\"status\":STATUS,\"summary\":SUMMARY|null,\"error\":TEXT|null}` and `{\"type\":\"error\",\"message\":TEXT}`. Captures: send `{\"type\":\"watch\",\"capture\":ID}` (or `unwatch`); the server sends `{\"type\":\"capture\",\"id\":ID, ...the state of GET /api/captures/{id}}` once a second while it runs, and once after it stops. Upgrades whose Origin is not this server are refused with 403.",
                    "responses": {"101": {"description": "switching protocols"}, "401": error, "403": error}
                }
            },
            "/api/ssh/terminal": {
                "get": {
                    "summary": "WebSocket: an SSH terminal (shell on a PTY), recorded",
                    "description": "First send `{\"type\":\"open\",\"target\":HOST,\"port\":22,\"user\":USER,\"password\":PW?,\"profile\":NAME?,\"jump\":\"[user@]host[:port]\"?,\"netns\":NS?,\"cols\":80,\"rows\":24}` (a profile with an SSH login gives user and secrets; the jump host is logged into with the same credentials). A host seen for the first time gets `{\"type\":\"host_key\",\"status\":\"unknown\",\"host\",\"algorithm\",\"fingerprint\"}`: answer `{\"type\":\"accept_host_key\",\"fingerprint\":FP}` to record it and go on, or close (through a jump host each new key is asked about in turn). Keyboard-interactive rounds the device sends (a password not given in `open`, a one-time code) come as `{\"type\":\"auth_prompt\",\"name\",\"instructions\",\"prompts\":[{\"prompt\",\"echo\"}]}`: answer `{\"type\":\"auth_response\",\"responses\":[...]}` (one per prompt) or `null` to give up; a password given in `open` answers the device's password prompt once by itself. A key that differs from the one on record is refused: `{\"type\":\"error\",\"code\":\"host_key_changed\",\"message\",\"host\",\"algorithm\",\"fingerprint\":NEW,\"known\":[{\"algorithm\",\"fingerprint\",\"file\",\"line\"}]}`; other failures are `{\"type\":\"error\",\"code\":\"auth|connect|timeout|host_key|key|protocol|bad_request|cancelled\",\"message\"}`, then the socket closes. Once logged in: `{\"type\":\"ready\",\"recording\":ID,\"host_key\":{\"algorithm\",\"fingerprint\",\"added\"},\"auth\",\"idle_timeout_s\"}`; then binary frames both ways are terminal bytes (keystrokes in, output out), `{\"type\":\"resize\",\"cols\",\"rows\"}` resizes the PTY, and the end is `{\"type\":\"closed\",\"reason\":\"exit|remote|client|idle\",\"status\":N|null}`. Every session's output and resizes are recorded as asciicast v2 (keystrokes are not). Upgrades whose Origin is not this server are refused with 403.",
                    "responses": {"101": {"description": "switching protocols"}, "401": error, "403": error}
                }
            },
            "/api/ssh/recordings": {
                "get": {"summary": "Terminal recordings, newest first", "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "default": 50}}, {"name": "offset", "in": "query", "schema": {"type": "integer", "default": 0}}], "responses": {"200": {"description": "`{\"recordings\": [Recording], \"total\": N}`"}}}
            },
            "/api/ssh/recordings/{id}": {
                "get": {"summary": "One recording's details", "parameters": [id_param("id")], "responses": {"200": {"description": "a Recording", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Recording"}}}}, "404": error}},
                "delete": {"summary": "Delete a recording", "parameters": [id_param("id")], "responses": {"204": {"description": "deleted"}, "404": error}}
            },
            "/api/ssh/recordings/{id}/cast": {
                "get": {"summary": "The recording as asciicast v2 (plays in asciinema)", "parameters": [id_param("id"), {"name": "download", "in": "query", "schema": {"type": "string"}, "description": "any value but 0: as an attachment"}], "responses": {"200": {"description": "asciicast v2", "content": {"application/x-asciicast": {}}}, "404": error}}
            },
            "/api/ssh/known-hosts": {
                "get": {"summary": "The server's known_hosts entries (its own file; ~/.ssh/known_hosts is read, never listed or written)", "responses": {"200": {"description": "`{\"file\": PATH, \"entries\": [{\"hosts\", \"algorithm\", \"fingerprint\", \"marker\"?, \"line\"}]}`"}}}
            },
            "/api/ssh/known-hosts/{host}": {
                "delete": {"summary": "Remove every entry of a host (how a changed key gets accepted again, on purpose)", "parameters": [{"name": "host", "in": "path", "required": true, "schema": {"type": "string"}}, {"name": "port", "in": "query", "schema": {"type": "integer", "default": 22}}], "responses": {"200": {"description": "`{\"removed\": N}`"}, "400": error, "404": error}}
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
                        "kind": {"enum": ["ping", "trace", "dns", "scan", "snmp", "ssh"]},
                        "targets": {"type": "array", "items": {"type": "string"}, "description": "target expressions: addresses, names, CIDR, ranges"},
                        "targets_text": {"type": "string", "description": "the same as text: commas, spaces, newlines, # comments (give targets or targets_text)"},
                        "options": {"oneOf": [{"$ref": "#/components/schemas/PingOptions"}, {"$ref": "#/components/schemas/TraceOptions"}, {"$ref": "#/components/schemas/DnsOptions"}, {"$ref": "#/components/schemas/ScanOptions"}, {"$ref": "#/components/schemas/SnmpOptions"}, {"$ref": "#/components/schemas/SshOptions"}]},
                        "net": {"$ref": "#/components/schemas/NetOptions"}
                    }
                },
                "Duration": {"oneOf": [{"type": "string", "examples": ["500ms", "3s"]}, {"type": "integer", "description": "milliseconds"}]},
                "PingOptions": {"type": "object", "additionalProperties": false, "properties": {"count": {"type": "integer", "default": 1}, "interval": {"$ref": "#/components/schemas/Duration"}, "timeout": {"$ref": "#/components/schemas/Duration"}, "size": {"type": "integer", "default": 56}, "ttl": {"type": "integer"}, "rate": {"type": "integer", "default": 10000}, "unprivileged": {"type": "boolean"}}},
                "TraceOptions": {"type": "object", "additionalProperties": false, "properties": {"protocol": {"enum": ["icmp", "udp", "tcp"]}, "max_hops": {"type": "integer", "default": 30}, "first_hop": {"type": "integer", "default": 1}, "port": {"type": "integer"}, "queries": {"type": "integer", "default": 3}, "timeout": {"$ref": "#/components/schemas/Duration"}, "wait_here": {"type": "number", "default": 3, "minimum": 0, "maximum": 1000, "description": "once a TTL answered, its probes are waited for this many times its slowest RTT (0: the timeout)"}, "wait_near": {"type": "number", "default": 10, "minimum": 0, "maximum": 1000, "description": "else, once any TTL answered, this many times the slowest RTT (0: the timeout)"}, "wait_min": {"$ref": "#/components/schemas/Duration"}, "rate": {"type": "integer", "default": 10000}, "resolve": {"type": "boolean"}}},
                "DnsOptions": {"type": "object", "additionalProperties": false, "properties": {"types": {"type": "array", "items": {"enum": ["A", "AAAA", "CNAME", "MX", "NS", "TXT", "SOA", "PTR", "SRV", "CAA", "ANY"]}}, "server": {"type": "string", "description": "IP or IP:PORT"}, "timeout": {"$ref": "#/components/schemas/Duration"}, "retries": {"type": "integer", "default": 2}, "tcp": {"type": "boolean"}, "concurrency": {"type": "integer", "default": 100}, "rate": {"type": "integer", "default": 0}}},
                "ScanOptions": {"type": "object", "additionalProperties": false, "properties": {"ports": {"type": "string", "examples": ["22,80,8000-8100"]}, "top": {"type": "integer", "default": 1000}, "timeout": {"$ref": "#/components/schemas/Duration"}, "banners": {"type": "boolean"}, "banner_timeout": {"$ref": "#/components/schemas/Duration"}, "concurrency": {"type": "integer", "default": 0}, "rate": {"type": "integer", "default": 0}, "method": {"enum": ["auto", "syn", "connect"]}, "retries": {"type": "integer", "default": 1}}},
                "SnmpOptions": {"type": "object", "additionalProperties": false, "description": "Secrets (community, auth_password, priv_password) are used, never stored or returned; better, name credential profiles in `profiles`.", "properties": {
                    "op": {"enum": ["get", "walk", "neighbors", "arp", "interfaces", "topology"], "default": "get"},
                    "oids": {"type": "array", "items": {"type": "string"}, "examples": [["sysName.0", "IF-MIB::ifTable", "1.3.6.1.2.1.1"]], "description": "get: required; walk: mib-2 when empty"},
                    "version": {"enum": ["1", "2c", "3"], "default": "2c"},
                    "community": {"type": "string", "writeOnly": true, "default": "public"},
                    "user": {"type": "string"}, "level": {"enum": ["noAuthNoPriv", "authNoPriv", "authPriv"]},
                    "auth_protocol": {"enum": ["MD5", "SHA", "SHA-224", "SHA-256", "SHA-384", "SHA-512"]}, "auth_password": {"type": "string", "writeOnly": true},
                    "priv_protocol": {"enum": ["DES", "AES", "AES-192", "AES-256", "AES-192-C", "AES-256-C"]}, "priv_password": {"type": "string", "writeOnly": true},
                    "profiles": {"type": "array", "items": {"type": "string"}, "description": "credential profiles (see /api/creds): one for get/walk/neighbors/arp/interfaces; topology tries them in order on each device (then the body's own community/user when given)"},
                    "port": {"type": "integer", "default": 161}, "timeout": {"$ref": "#/components/schemas/Duration"}, "retries": {"type": "integer", "default": 2},
                    "max_repetitions": {"type": "integer", "default": 25}, "concurrency": {"type": "integer", "default": 100},
                    "rate": {"$ref": "#/components/schemas/Duration", "description": "interfaces: poll twice this far apart for bit rates"},
                    "depth": {"type": "integer", "default": 2, "maximum": 16, "description": "topology: hops from the seeds"}
                }},
                "SshOptions": {"type": "object", "additionalProperties": false, "required": ["command"], "description": "One command on every target. Secrets (password, private_key, key_passphrase) are used, never stored or returned; better, name a credential profile with an SSH login. Host keys are checked against the server's known_hosts: an unknown key fails the device (error_kind host_key_unknown) unless accept_new_host_keys; a changed key always fails it (host_key_changed).", "properties": {
                    "command": {"type": "string", "examples": ["show running-config"]}, "user": {"type": "string"}, "port": {"type": "integer", "default": 22},
                    "password": {"type": "string", "writeOnly": true, "description": "tried as password, then as keyboard-interactive answer"},
                    "private_key": {"type": "string", "writeOnly": true, "description": "OpenSSH or PEM private key text (ed25519, ECDSA, RSA)"}, "key_passphrase": {"type": "string", "writeOnly": true},
                    "profile": {"type": "string", "description": "credential profile with an SSH login (fills user and secrets not given)"},
                    "jump": {"type": "string", "description": "one jump host, [user@]host[:port], logged into with the same credentials"},
                    "accept_new_host_keys": {"type": "boolean", "default": false},
                    "timeout": {"$ref": "#/components/schemas/Duration", "description": "connect, and again key exchange + login (default 10s)"},
                    "command_timeout": {"$ref": "#/components/schemas/Duration", "description": "default 60s"},
                    "concurrency": {"type": "integer", "default": 100}, "max_output": {"type": "integer", "default": 4194304, "description": "bytes kept of each of stdout and stderr"}
                }},
                "Recording": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "target": {"type": "string"}, "port": {"type": "integer"}, "user": {"type": "string"}, "netns": {"type": ["string", "null"]},
                    "started_at": {"type": "integer", "description": "ms since the epoch"}, "ended_at": {"type": ["integer", "null"], "description": "null while open"}, "duration_ms": {"type": ["integer", "null"]},
                    "cols": {"type": "integer"}, "rows": {"type": "integer"}, "bytes": {"type": "integer"}, "truncated": {"type": "boolean", "description": "output past 64 MiB was not kept"},
                    "end_reason": {"type": ["string", "null"], "enum": ["exit", "remote", "client", "idle", "interrupted", null], "description": "interrupted: the server stopped during the session (what was flushed, every 10 s, is kept)"}
                }},
                "Profile": {"type": "object", "description": "a credential profile as listed: its settings and which secrets are set, never the secrets", "properties": {
                    "name": {"type": "string"},
                    "snmp": {"type": "object", "properties": {"version": {"enum": ["1", "2c", "3"]}, "user": {"type": ["string", "null"]}, "level": {"type": ["string", "null"]}, "auth_protocol": {"type": ["string", "null"]}, "priv_protocol": {"type": ["string", "null"]}}},
                    "community": {"enum": ["set", "not set"]}, "auth_password": {"enum": ["set", "not set"]}, "priv_password": {"enum": ["set", "not set"]},
                    "ssh": {"type": ["object", "null"], "description": "the profile's SSH login, when it has one", "properties": {"user": {"type": "string"}, "password": {"enum": ["set", "not set"]}, "private_key": {"enum": ["set", "not set"]}, "key_passphrase": {"enum": ["set", "not set"]}}}
                }},
                "PutProfile": {"type": "object", "additionalProperties": false, "description": "secrets given (non-empty) set or replace the stored ones; secrets left out stay", "properties": {
                    "version": {"enum": ["1", "2c", "3"], "default": "2c"}, "user": {"type": "string"}, "level": {"enum": ["noAuthNoPriv", "authNoPriv", "authPriv"]},
                    "auth_protocol": {"type": "string"}, "priv_protocol": {"type": "string"},
                    "community": {"type": "string", "writeOnly": true}, "auth_password": {"type": "string", "writeOnly": true}, "priv_password": {"type": "string", "writeOnly": true},
                    "ssh_user": {"type": "string", "description": "gives the profile an SSH login"}, "ssh_password": {"type": "string", "writeOnly": true},
                    "ssh_private_key": {"type": "string", "writeOnly": true, "description": "PEM or OpenSSH private key text"}, "ssh_key_passphrase": {"type": "string", "writeOnly": true}
                }},
                "Topology": {"type": "object", "properties": {
                    "nodes": {"type": "array", "items": {"type": "object", "properties": {
                        "id": {"type": "string"}, "label": {"type": "string"}, "addr": {"type": ["string", "null"]}, "polled": {"type": "boolean", "description": "false: seen as a neighbour but not read (depth limit, no address, no answer)"},
                        "descr": {"type": ["string", "null"]}, "object_id": {"type": ["string", "null"]}, "chassis_id": {"type": ["string", "null"]}, "platform": {"type": ["string", "null"]}, "capabilities": {"type": ["string", "null"]},
                        "credential": {"type": ["string", "null"]}, "depth": {"type": ["integer", "null"]}, "error": {"type": ["string", "null"]}}}},
                    "links": {"type": "array", "items": {"type": "object", "properties": {
                        "source": {"type": "string"}, "source_port": {"type": "string"}, "target": {"type": "string"}, "target_port": {"type": ["string", "null"]},
                        "protocol": {"type": "string", "examples": ["lldp", "cdp", "cdp,lldp"]}, "both_ends": {"type": "boolean"}}}},
                    "components": {"type": "integer", "description": "connected groups of devices"}
                }},
                "Layout": {"type": "object", "additionalProperties": false, "required": ["positions"], "properties": {"positions": {"type": "object", "additionalProperties": {"type": "object", "required": ["x", "y"], "properties": {"x": {"type": "number"}, "y": {"type": "number"}}}, "description": "node positions by device id"}}},
                "NetOptions": {"type": "object", "additionalProperties": false, "properties": {"netns": {"type": "string", "description": "a network namespace name under /run/netns (not a path); empty: the server's own"}, "interface": {"type": "string"}, "source": {"type": "string"}, "family": {"enum": ["any", "v4", "v6"]}, "resolvers": {"type": "array", "items": {"type": "string", "examples": ["192.0.2.53:53"]}}}},
                "Run": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "kind": {"enum": ["ping", "trace", "dns", "scan", "snmp", "ssh"]}, "status": {"$ref": "#/components/schemas/Status"},
                    "created_at": {"type": "integer", "description": "ms since the epoch"}, "started_at": {"type": ["integer", "null"]}, "finished_at": {"type": ["integer", "null"]},
                    "targets_text": {"type": "string"}, "options": {"type": "object"}, "net": {"type": "object"}, "total": {"type": "integer"}, "done": {"type": "integer"},
                    "summary": {"type": ["object", "null"], "description": "the closing summary, as the CLI's summary line"}, "error": {"type": ["string", "null"]}, "source": {"enum": ["api", "cli"]}
                }},
                "Result": {"type": "object", "description": "exactly the CLI's NDJSON result objects (see README: kind, target, addr, error and the per-kind fields)", "required": ["kind", "target"], "properties": {"kind": {"enum": ["ping", "trace", "dns", "scan", "snmp", "ssh"]}, "target": {"type": "string"}, "addr": {"type": ["string", "null"]}, "error": {"type": ["string", "null"]}}},
                "Comparison": {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}, "kind": {"type": "string"}, "unchanged": {"type": "integer"}, "changes": {"type": "array", "items": {"type": "object", "properties": {"target": {"type": "string"}, "change": {"enum": ["became_dead", "became_alive", "rtt_changed", "ports_opened", "ports_closed", "answers_changed", "rcode_changed", "path_changed", "reached_changed", "exit_changed", "output_changed", "added", "removed"]}, "before": {"type": "string"}, "after": {"type": "string"}, "detail": {"type": "string"}}}}}}
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
            "/api/runs/{id}/topology",
            "/api/topology/layout",
            "/api/creds",
            "/api/creds/{name}",
            "/api/captures",
            "/api/captures/upload",
            "/api/captures/{id}/packets",
            "/api/captures/{id}/packets/{no}",
            "/api/captures/{id}/pcapng",
            "/api/ssh/terminal",
            "/api/ssh/recordings",
            "/api/ssh/recordings/{id}",
            "/api/ssh/recordings/{id}/cast",
            "/api/ssh/known-hosts",
            "/api/ssh/known-hosts/{host}",
        ] {
            assert!(spec["paths"][route].is_object(), "{route} is documented");
        }
        assert_eq!(spec["openapi"], "3.1.0");
    }
}
