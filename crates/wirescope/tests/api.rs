//! API integration tests against a real `wirescope serve` on a temporary store, probing the lab
//! through `net.netns`: validation, cancel, export, compare, kill -9 and restart, WebSocket late
//! subscription without gaps or duplicates, foreign Origin, tokens, run cap, body limit.
//! Needs root and the lab; under CI=true a missing lab fails instead of skipping.

mod common;

use common::server::Server;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn ping_body(targets: &str, options: Value) -> Value {
    json!({"kind": "ping", "targets_text": targets, "options": options, "net": {"netns": "wsl-c"}})
}

#[test]
fn validation_errors_name_the_field() {
    let server = Server::start("validate", &[]);
    // One row per case: (method, path, body, status, field named, words of the error). Every
    // row is tried, and the failures are reported together.
    let run = |body: Value| ("POST", "/api/runs", Some(body));
    let target = |extra: Value| {
        let mut body = json!({"kind": "ping", "targets": ["198.18.16.1"]});
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        body
    };
    type Row<'a> = ((&'a str, &'a str, Option<Value>), u16, &'a str, &'a str);
    let cases: Vec<Row> = vec![
        (
            run(json!({"kind": "ping", "targets": ["198.18.16.300"]})),
            400,
            "targets",
            "invalid target '198.18.16.300'",
        ),
        (
            run(json!({"kind": "ping", "targets_text": "198.18.16.1\nnope!"})),
            400,
            "targets_text",
            "targets_text:2: invalid target 'nope!'",
        ),
        (
            run(json!({"kind": "ping", "targets": ["198.18.0.0/8"]})),
            400,
            "targets",
            "above the limit of 65536",
        ),
        (
            run(json!({"kind": "ping", "targets": ["a"], "targets_text": "b"})),
            400,
            "targets",
            "not both",
        ),
        (
            run(json!({"kind": "ping"})),
            400,
            "targets",
            "no targets given",
        ),
        (
            run(json!({"kind": "traceroute", "targets": ["198.18.16.1"]})),
            400,
            "kind",
            "unknown variant",
        ),
        (
            run(json!({"kind": "ping", "targets": ["198.18.16.1"], "extra": 1})),
            400,
            "extra",
            "unknown field",
        ),
        (
            run(target(json!({"options": {"timeout": "3000"}}))),
            400,
            "options.timeout",
            "has no unit",
        ),
        (
            run(target(json!({"options": {"cuont": 2}}))),
            400,
            "options.cuont",
            "unknown field",
        ),
        (
            run(target(json!({"options": {"count": 0}}))),
            400,
            "options",
            "count must be between 1 and 100000",
        ),
        (
            run(
                json!({"kind": "scan", "targets": ["198.18.16.1"], "options": {"ports": "1-99999"}}),
            ),
            400,
            "options",
            "invalid port",
        ),
        (
            run(
                json!({"kind": "dns", "targets": ["h1.lab.test"], "options": {"types": ["BOGUS"]}}),
            ),
            400,
            "options",
            "unknown record type 'BOGUS'",
        ),
        (
            run(json!({"kind": "snmp", "targets": ["198.18.0.161"], "options": {"version": "4"}})),
            400,
            "options.version",
            "unknown SNMP version '4' (1, 2c, 3)",
        ),
        (
            run(
                json!({"kind": "snmp", "targets": ["198.18.0.161"], "options": {"version": "3", "user": "u", "level": "authOnly"}}),
            ),
            400,
            "options.level",
            "unknown security level 'authOnly'",
        ),
        (
            run(
                json!({"kind": "snmp", "targets": ["198.18.0.161"], "options": {"oids": ["sysName.0"], "auth_protocol": "SHA-999"}}),
            ),
            400,
            "options.auth_protocol",
            "unknown auth protocol 'SHA-999'",
        ),
        (
            run(
                json!({"kind": "snmp", "targets": ["198.18.0.161"], "options": {"oids": ["sysName.0"], "priv_protocol": "3DES"}}),
            ),
            400,
            "options.priv_protocol",
            "unknown privacy protocol '3DES'",
        ),
        (
            run(target(json!({"net": {"netns": "wsl-nonexistent"}}))),
            400,
            "net.netns",
            "not found",
        ),
        (
            run(target(json!({"net": {"netns": "../../proc/1/ns/net"}}))),
            400,
            "net.netns",
            "network namespace",
        ),
        (
            run(target(json!({"net": {"source": "x"}}))),
            400,
            "net.source",
            "invalid IP address",
        ),
        (
            run(target(json!({"net": {"family": "v5"}}))),
            400,
            "net.family",
            "unknown variant",
        ),
        (
            ("GET", "/api/runs?kind=bogus", None),
            400,
            "kind",
            "unknown variant",
        ),
        (
            ("GET", "/api/runs?status=done", None),
            400,
            "status",
            "unknown variant",
        ),
        (
            ("GET", "/api/runs?limit=many", None),
            400,
            "limit",
            "invalid digit",
        ),
        (
            ("GET", "/api/runs/abc", None),
            400,
            "id",
            "'abc' is not a run id",
        ),
        (
            ("GET", "/api/runs/1/export?format=xml", None),
            400,
            "format",
            "unknown variant",
        ),
        (
            ("PUT", "/api/creds/x", Some(json!({"version": "4"}))),
            400,
            "version",
            "unknown SNMP version '4'",
        ),
        (
            (
                "PUT",
                "/api/topology/layout",
                Some(json!({"positions": {"a": {"x": 1}}})),
            ),
            400,
            "positions.a",
            "missing field",
        ),
        (
            ("POST", "/api/captures", Some(json!({"interfaces": []}))),
            400,
            "interfaces",
            "name at least one interface",
        ),
        (
            (
                "POST",
                "/api/captures",
                Some(json!({"interfaces": ["eth0"], "ring_size": 0})),
            ),
            400,
            "ring_size",
            "between 1 and",
        ),
    ];
    let mut failures = Vec::new();
    for ((method, path, body), status, field, needle) in cases {
        let (got, v) = server.json(method, path, body.clone());
        let error = v["error"].as_str().unwrap_or_default();
        if got != status || v["field"] != field || !error.contains(needle) {
            failures.push(format!(
                "{method} {path} {}: want {status} {field:?} '{needle}', got {got} {v}",
                body.map(|b| b.to_string()).unwrap_or_default()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let (status, body) = server.request("POST", "/api/runs", Some("{not json"), &[]);
    assert_eq!(status, 400, "{body}");
    let (status, _) = server.json("GET", "/api/runs/999", None);
    assert_eq!(status, 404);
    // The body limit: 5 MiB of targets is refused before it is parsed.
    let big = format!(
        r#"{{"kind":"ping","targets_text":"{}"}}"#,
        "198.18.16.1 ".repeat(450_000)
    );
    let (status, _) = server.request("POST", "/api/runs", Some(&big), &[]);
    assert_eq!(status, 413);
    let (status, spec) = server.json("GET", "/api/openapi.json", None);
    assert_eq!(status, 200);
    assert!(spec["paths"]["/api/runs/{a}/compare/{b}"].is_object());
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn run_export_compare_and_delete() {
    common::lab();
    let server = Server::start("export", &[]);
    let a = server.create(ping_body(
        "198.18.16.1-10, 198.18.128.1",
        json!({"timeout": "300ms"}),
    ));
    let run_a = server.wait(a, 20);
    assert_eq!(run_a["status"], "finished");
    assert_eq!(run_a["results"].as_array().map(Vec::len), Some(11));
    assert_eq!(
        (
            run_a["summary"]["alive"].as_u64(),
            run_a["summary"]["dead"].as_u64()
        ),
        (Some(10), Some(1))
    );
    assert_eq!(run_a["done"], 11);
    // The same targets, one now dead (never alive) and one new.
    let b = server.create(ping_body(
        "198.18.16.1-9, 198.18.128.1, 198.18.16.50",
        json!({"timeout": "300ms"}),
    ));
    assert_eq!(server.wait(b, 20)["status"], "finished");
    let (status, cmp) = server.json("GET", &format!("/api/runs/{a}/compare/{b}"), None);
    assert_eq!(status, 200, "{cmp}");
    let changes: Vec<(String, String)> = cmp["changes"]
        .as_array()
        .map(|c| {
            c.iter()
                .map(|x| {
                    (
                        x["target"].as_str().unwrap_or("").into(),
                        x["change"].as_str().unwrap_or("").into(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert!(
        changes.contains(&("198.18.16.50".into(), "added".into())),
        "{cmp}"
    );
    assert!(
        changes.contains(&("198.18.16.10".into(), "removed".into())),
        "{cmp}"
    );
    assert_eq!(cmp["unchanged"], 10, "{cmp}");

    let (status, csv) = server.request(
        "GET",
        &format!("/api/runs/{a}/export?format=csv"),
        None,
        &[],
    );
    assert_eq!(status, 200);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "target,addr,alive,sent,received,loss_pct,rtt_min_ms,rtt_avg_ms,rtt_max_ms,rtt_stddev_ms,error"
    );
    assert_eq!(lines.len(), 12);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("198.18.128.1,198.18.128.1,false,1,0,100.0")),
        "{csv}"
    );
    let (status, export) = server.json("GET", &format!("/api/runs/{a}/export?format=json"), None);
    assert_eq!(
        (status, export["results"].as_array().map(Vec::len)),
        (200, Some(11))
    );
    let (status, _) = server.json("GET", &format!("/api/runs/{a}/export?format=xml"), None);
    assert_eq!(status, 400);

    let (status, list) = server.json("GET", "/api/runs?kind=ping&limit=1", None);
    assert_eq!(
        (
            status,
            list["total"].as_i64(),
            list["runs"][0]["id"].as_i64()
        ),
        (200, Some(2), Some(b))
    );
    let (status, _) = server.json("DELETE", &format!("/api/runs/{a}"), None);
    assert_eq!(status, 204);
    assert_eq!(server.json("GET", &format!("/api/runs/{a}"), None).0, 404);
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn cancel_keeps_what_finished() {
    common::lab();
    let server = Server::start("cancel", &[]);
    let id = server.create(ping_body(
        "198.18.16.1-20 198.18.128.1-30",
        json!({"timeout": "20s"}),
    ));
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.json("GET", &format!("/api/runs/{id}"), None).1["done"].as_i64() < Some(20) {
        assert!(
            Instant::now() < deadline,
            "the live targets should finish at once"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let (status, v) = server.json("DELETE", &format!("/api/runs/{id}"), None);
    assert_eq!((status, v["status"].as_str()), (202, Some("cancelled")));
    let run = server.wait(id, 5);
    assert_eq!(run["status"], "cancelled");
    assert_eq!(run["results"].as_array().map(Vec::len), Some(20));
    assert_eq!(run["summary"]["cancelled"], true);
    // Cancelling what has ended is a conflict, never a deletion.
    let (status, v) = server.json("POST", &format!("/api/runs/{id}/cancel"), None);
    assert_eq!(status, 409, "{v}");
    assert_eq!(server.json("GET", &format!("/api/runs/{id}"), None).0, 200);
    let (status, _) = server.json("POST", "/api/runs/424242/cancel", None);
    assert_eq!(status, 404);
    // POST cancel on a run in progress.
    let id = server.create(ping_body("198.18.128.1-5", json!({"timeout": "20s"})));
    let (status, _) = server.json("POST", &format!("/api/runs/{id}/cancel"), None);
    assert_eq!(status, 202);
    assert_eq!(server.wait(id, 5)["status"], "cancelled");
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn kill_9_and_restart_keeps_the_run_as_interrupted() {
    common::lab();
    let server = Server::start("kill", &[]);
    let id = server.create(ping_body(
        "198.18.16.1-25 198.18.128.1-10",
        json!({"timeout": "30s"}),
    ));
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.json("GET", &format!("/api/runs/{id}"), None).1["done"].as_i64() < Some(25) {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(50));
    }
    let again = server.killed_and_started_again(&[]);
    let (status, run) = again.json("GET", &format!("/api/runs/{id}"), None);
    assert_eq!(status, 200);
    assert_eq!(run["status"], "interrupted");
    assert_eq!(
        run["results"].as_array().map(Vec::len),
        Some(25),
        "every stored result survives"
    );
    assert!(
        run["results"]
            .as_array()
            .is_some_and(|r| r.iter().all(|x| x["alive"] == true))
    );
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn run_cap_gives_429() {
    common::lab();
    let server = Server::start("cap", &["--max-runs", "1"]);
    let first = server.create(ping_body("198.18.128.1-5", json!({"timeout": "10s"})));
    let (status, v) = server.json(
        "POST",
        "/api/runs",
        Some(ping_body("198.18.16.1", json!({}))),
    );
    assert_eq!(status, 429, "{v}");
    assert!(v["error"].as_str().unwrap_or_default().contains("limit 1"));
    server.json("DELETE", &format!("/api/runs/{first}"), None);
    server.wait(first, 10);
    server.create(ping_body("198.18.16.1", json!({})));
}

#[test]
fn token_is_required_when_set() {
    let server = Server::start("token", &["--token", "s3cret-token-0123"]);
    let (status, v) = server.request(
        "GET",
        "/api/runs",
        None,
        &[("Authorization", "Bearer wrong")],
    );
    assert_eq!(status, 401, "{v}");
    assert_eq!(server.json("GET", "/api/runs", None).0, 200);
    let (status, _) = server.request(
        "GET",
        "/api/runs?token=s3cret-token-0123",
        None,
        &[("Authorization", "Bearer nope")],
    );
    assert_eq!(status, 401, "a wrong header is not rescued by the query");
    let rt = runtime();
    let port = server.port;
    rt.block_on(async {
        let denied =
            tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{port}/api/ws")).await;
        assert!(denied.is_err(), "WebSocket without the token is refused");
        let ok = tokio_tungstenite::connect_async(format!(
            "ws://127.0.0.1:{port}/api/ws?token=s3cret-token-0123"
        ))
        .await;
        assert!(ok.is_ok());
        // the SSH terminal and recordings follow the same rule
        let denied =
            tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{port}/api/ssh/terminal"))
                .await;
        assert!(denied.is_err(), "a terminal without the token is refused");
        let ok = tokio_tungstenite::connect_async(format!(
            "ws://127.0.0.1:{port}/api/ssh/terminal?token=s3cret-token-0123"
        ))
        .await;
        assert!(ok.is_ok());
    });
    let (status, _) = server.request(
        "GET",
        "/api/ssh/recordings",
        None,
        &[("Authorization", "Bearer wrong")],
    );
    assert_eq!(status, 401);
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn non_loopback_listen_generates_a_token() {
    common::lab();
    // Inside the lab namespace, on its LAN address: a token must be made and demanded.
    let mut child = Command::new("ip")
        .args([
            "netns",
            "exec",
            "wsl-c",
            env!("CARGO_BIN_EXE_wirescope"),
            "serve",
            "--listen",
            "198.18.0.10:0",
            "--db",
        ])
        .arg(std::env::temp_dir().join(format!("wirescope-api-{}-lan/w.db", std::process::id())))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap_or_else(|| panic!("no stdout")))
        .read_line(&mut line)
        .ok();
    let _ = child.kill();
    let _ = child.wait();
    let mut err = String::new();
    child.stderr.take().map(|mut e| e.read_to_string(&mut err));
    assert!(err.contains("generated access token"), "{err}");
    assert!(
        line.contains("http://198.18.0.10:") && line.contains("/?token="),
        "{line}"
    );
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn websocket_foreign_origin_is_refused() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let server = Server::start("origin", &[]);
    let url = server.ws_url();
    let with_origin = |origin: String| {
        let mut req = url
            .as_str()
            .into_client_request()
            .unwrap_or_else(|e| panic!("{e}"));
        req.headers_mut()
            .insert("Origin", origin.parse().unwrap_or_else(|e| panic!("{e}")));
        req
    };
    runtime().block_on(async {
        match tokio_tungstenite::connect_async(with_origin("http://evil.example".into())).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
                assert_eq!(resp.status(), 403)
            }
            other => panic!(
                "a foreign origin must be refused, got {:?}",
                other.map(|_| ())
            ),
        }
        let same = with_origin(format!("http://127.0.0.1:{}", server.port));
        assert!(
            tokio_tungstenite::connect_async(same).await.is_ok(),
            "the page's own origin is welcome"
        );
    });
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn websocket_subscribers_early_and_late_get_every_result_once() {
    common::lab();
    let server = Server::start("ws", &[]);
    // 400 targets, three echoes 150 ms apart: results trickle in for about half a second.
    let id = server.create(ping_body(
        "198.18.16.1-198.18.17.144",
        json!({"count": 3, "interval": "150ms", "timeout": "1s"}),
    ));
    let url = server.ws_url();
    let rt = runtime();
    let results = rt.block_on(async {
        let early = common::follow(&url, id, Duration::ZERO);
        let mid = common::follow(&url, id, Duration::from_millis(350));
        let late = async {
            // After the run ended: everything from the store, then the final status.
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                assert!(Instant::now() < deadline, "the run did not finish within 60 s");
                tokio::time::sleep(Duration::from_millis(100)).await;
                let url2 = url.clone();
                let (status, v) = tokio::task::spawn_blocking({
                    let port = server.port;
                    move || {
                        let mut s = TcpStream::connect(("127.0.0.1", port))
                            .unwrap_or_else(|e| panic!("{e}"));
                        let _ = write!(
                            s,
                            "GET /api/runs/{id} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                        );
                        let mut out = String::new();
                        let _ = s.read_to_string(&mut out);
                        let body = out
                            .split_once("\r\n\r\n")
                            .map(|x| x.1.to_string())
                            .unwrap_or_default();
                        (
                            200,
                            serde_json::from_str::<Value>(&body).unwrap_or(Value::Null),
                        )
                    }
                })
                .await
                .unwrap_or((0, Value::Null));
                assert_eq!(status, 200);
                if v["status"] == "finished" {
                    return common::follow(&url2, id, Duration::ZERO).await;
                }
            }
        };
        futures::join!(early, mid, late)
    });
    for (name, (seqs, status)) in [
        ("early", results.0),
        ("mid-run", results.1),
        ("after the end", results.2),
    ] {
        assert_eq!(
            seqs,
            (0..400).collect::<Vec<i64>>(),
            "{name} subscriber: every result exactly once, in order"
        );
        assert_eq!(status["status"], "finished", "{name}");
        assert_eq!(status["summary"]["alive"], 400, "{name}");
    }
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn cli_runs_saved_with_save_appear_in_the_history() {
    common::lab();
    let dir = std::env::temp_dir().join(format!("wirescope-api-{}-save", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let db = dir.join("wirescope.db");
    let out = Command::new(env!("CARGO_BIN_EXE_wirescope"))
        .args([
            "ping",
            "--netns",
            "wsl-c",
            "198.18.16.1-5",
            "198.18.128.1",
            "--timeout",
            "300ms",
            "--json",
            "--save",
            "--db",
        ])
        .arg(&db)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let server = Server::start_in(dir, &[]);
    let (status, list) = server.json("GET", "/api/runs", None);
    assert_eq!((status, list["total"].as_i64()), (200, Some(1)));
    let run = &list["runs"][0];
    assert_eq!(
        (
            run["source"].as_str(),
            run["status"].as_str(),
            run["done"].as_i64()
        ),
        (Some("cli"), Some("finished"), Some(6))
    );
    assert_eq!(run["summary"]["alive"], 5);
    let id = run["id"].as_i64().unwrap_or(0);
    let (_, full) = server.json("GET", &format!("/api/runs/{id}"), None);
    let printed: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert_eq!(full["results"].as_array().map(Vec::len), Some(6));
    assert_eq!(
        &full["results"][0], &printed[0],
        "the history holds exactly what was printed"
    );
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn compare_and_export_from_the_command_line_match_the_api() {
    common::lab();
    let dir = std::env::temp_dir().join(format!("wirescope-api-{}-history", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let db = dir.join("wirescope.db");
    let wirescope = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_wirescope"))
            .args(args)
            .arg("--db")
            .arg(&db)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        (String::from_utf8_lossy(&out.stdout).into_owned(), stderr)
    };
    let save = |targets: &str| {
        let args = [
            "ping",
            "--netns",
            "wsl-c",
            targets,
            "--timeout",
            "300ms",
            "--no-progress",
            "--save",
        ];
        wirescope(&args).1
    };
    // Before: .1-.3 answer, 198.18.128.1 does not; after: .3 is gone, .4 is new.
    assert!(save("198.18.16.1-3,198.18.128.1").contains("saved as run #1"));
    assert!(save("198.18.16.1-2,198.18.16.4,198.18.128.1").contains("saved as run #2"));
    let (ndjson, _) = wirescope(&["compare", "1", "2", "--json"]);
    let lines: Vec<Value> = ndjson
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let (table, _) = wirescope(&["compare", "1", "2", "--color", "never"]);
    let (csv, _) = wirescope(&["export", "2", "--format", "csv"]);
    let key_file = dir.join("site.key");
    std::fs::write(&key_file, [0x5a; 32]).unwrap_or_else(|e| panic!("{e}"));
    let server = Server::start_in(
        dir.clone(),
        &["--anon-key", &key_file.display().to_string()],
    );
    let (status, api) = server.json("GET", "/api/runs/1/compare/2", None);
    assert_eq!(status, 200);
    let changes = api["changes"].as_array().cloned().unwrap_or_default();
    assert_eq!(
        lines[..lines.len() - 1].to_vec(),
        changes,
        "the CLI and the API compare alike"
    );
    let kinds: Vec<(&str, &str)> = changes
        .iter()
        .map(|c| {
            (
                c["target"].as_str().unwrap_or(""),
                c["change"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [("198.18.16.4", "added"), ("198.18.16.3", "removed")],
        "{table}"
    );
    assert_eq!(
        (lines.last().map(|s| &s["unchanged"]), &api["unchanged"]),
        (Some(&Value::from(3)), &Value::from(3))
    );
    assert!(
        table.contains("198.18.16.4") && table.contains("2 changed, 3 unchanged"),
        "{table}"
    );
    let (status, body) = server.request("GET", "/api/runs/2/export?format=csv", None, &[]);
    assert_eq!(status, 200);
    assert_eq!(csv, body, "one CSV writer for both");
    // Anonymised with the key the server was given: the CLI with the same key agrees, and
    // every address is the key's pseudonym.
    let (anon_cli, _) = wirescope(&[
        "export",
        "2",
        "--format",
        "csv",
        "--anonymize",
        &key_file.display().to_string(),
    ]);
    let (status, anon_api) = server.request(
        "GET",
        "/api/runs/2/export?format=csv&anonymize=true",
        None,
        &[],
    );
    assert_eq!(status, 200);
    assert_eq!(anon_cli, anon_api);
    assert!(!anon_api.contains("198.18.16."), "{anon_api}");
    let pan = wirescope_traffic::anon::cryptopan::CryptoPan::new(&[0x5a; 32]);
    let pseudonym = std::net::Ipv4Addr::from(pan.v4([198, 18, 16, 4])).to_string();
    assert!(
        anon_api.contains(&format!("{pseudonym},{pseudonym},true")),
        "{anon_api}"
    );
    assert_eq!(anon_api.lines().count(), csv.lines().count());
    let (status, json) = server.request(
        "GET",
        "/api/runs/2/export?format=json&anonymize=true",
        None,
        &[],
    );
    assert_eq!(status, 200);
    let doc: Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    assert_eq!(doc["results"].as_array().map(Vec::len), Some(4));
    assert!(!json.contains("198.18.16."), "{json}");
    assert!(csv.starts_with("target,addr,alive,") && csv.ends_with("\r\n"));
    assert_eq!(
        csv.matches("\r\n").count(),
        5,
        "a header and four rows: {csv}"
    );
}

/// Every file under `dir`, as text.
fn everything_under(dir: &std::path::Path) -> String {
    let mut out = String::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                out.push_str(&everything_under(&path));
            } else if let Ok(bytes) = std::fs::read(&path) {
                out.push_str(&String::from_utf8_lossy(&bytes));
            }
        }
    }
    out
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn credential_profiles_and_topology_maps_over_the_api() {
    common::lab();
    // Secrets of the lab's v3 user (lab/lab.env), set through the API only.
    let (auth, privacy) = ("wsl-auth-sha-aes", "wsl-priv-sha-aes");
    let server = Server::start_env(
        "creds",
        &[],
        &[
            ("WIRESCOPE_SECRET_STORE", "file"),
            ("WIRESCOPE_SECRETS_PASSPHRASE", "api test passphrase"),
        ],
    );
    let (status, listed) = server.json("GET", "/api/creds", None);
    assert_eq!(status, 200, "{listed}");
    assert!(
        listed["store"]
            .as_str()
            .is_some_and(|s| s.contains("encrypted file"))
    );
    assert_eq!(listed["profiles"], json!([]));
    let v3 = json!({"version": "3", "user": "wsl-sha-aes", "auth_protocol": "SHA", "priv_protocol": "AES",
        "auth_password": auth, "priv_password": privacy});
    let (status, saved) = server.json("PUT", "/api/creds/lab-v3", Some(v3));
    assert_eq!(status, 200, "{saved}");
    assert_eq!(
        (
            saved["auth_password"].as_str(),
            saved["priv_password"].as_str(),
            saved["community"].as_str()
        ),
        (Some("set"), Some("set"), Some("not set"))
    );
    // Settings replaced without secrets keep the stored secrets.
    let (status, kept) = server.json(
        "PUT",
        "/api/creds/lab-v3",
        Some(json!({"version": "3", "user": "wsl-sha-aes", "auth_protocol": "SHA", "priv_protocol": "AES"})),
    );
    assert_eq!((status, kept["auth_password"].as_str()), (200, Some("set")));
    let (status, _) = server.json(
        "PUT",
        "/api/creds/wrong",
        Some(json!({"community": "not-the-community"})),
    );
    assert_eq!(status, 200);
    // An SSH login in a profile: password and key set, never shown.
    let key = "-----BEGIN OPENSSH PRIVATE KEY-----\nwirescope-test-key-body\n-----END OPENSSH PRIVATE KEY-----\n";
    let (status, ssh) = server.json(
        "PUT",
        "/api/creds/edge-ssh",
        Some(json!({"ssh_user": "netops", "ssh_password": "ssh-secret-pass", "ssh_private_key": key})),
    );
    assert_eq!(
        (
            status,
            ssh["ssh"]["user"].as_str(),
            ssh["ssh"]["password"].as_str(),
            ssh["ssh"]["private_key"].as_str()
        ),
        (200, Some("netops"), Some("set"), Some("set")),
        "{ssh}"
    );
    let (status, err) = server.json(
        "PUT",
        "/api/creds/edge-ssh",
        Some(json!({"ssh_user": "netops", "ssh_private_key": "not a key"})),
    );
    assert_eq!(
        (status, err["field"].as_str()),
        (400, Some("body")),
        "{err}"
    );
    for (path, body, field) in [
        ("/api/creds/bad%20name", json!({}), "name"),
        ("/api/creds/x", json!({"secret": "x"}), "secret"),
        ("/api/creds/x", json!({"version": "4"}), "version"),
    ] {
        let (status, err) = server.json("PUT", path, Some(body));
        assert_eq!(
            (status, err["field"].as_str()),
            (400, Some(field)),
            "{path}: {err}"
        );
    }
    let (status, _) = server.json("DELETE", "/api/creds/absent", None);
    assert_eq!(status, 404);

    // A crawl that tries the profiles in order.
    let id = server.create(json!({"kind": "snmp", "targets": ["198.18.0.161"], "net": {"netns": "wsl-c"},
        "options": {"op": "topology", "depth": 1, "profiles": ["wrong", "lab-v3"], "timeout": "300ms", "retries": 0}}));
    let run = server.wait(id, 30);
    assert_eq!(run["status"], "finished", "{run}");
    assert_eq!(run["options"]["profiles"], json!(["wrong", "lab-v3"]));
    let (status, map) = server.json("GET", &format!("/api/runs/{id}/topology"), None);
    assert_eq!(status, 200, "{map}");
    let nodes: Vec<(&str, bool, &str)> = map["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{map}"))
        .iter()
        .map(|n| {
            (
                n["id"].as_str().unwrap_or(""),
                n["polled"] == true,
                n["credential"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        nodes,
        [
            ("s1", true, "lab-v3"),
            ("s2", true, "lab-v3"),
            ("s3", true, "lab-v3")
        ]
    );
    assert_eq!(map["links"].as_array().map(Vec::len), Some(3));
    let (status, dot) = server.request(
        "GET",
        &format!("/api/runs/{id}/topology?format=dot"),
        None,
        &[],
    );
    assert_eq!(status, 200);
    assert!(
        dot.starts_with("graph wirescope {") && dot.matches(" -- ").count() == 3,
        "{dot}"
    );
    let (status, err) = server.json("GET", &format!("/api/runs/{id}/topology?format=svg"), None);
    assert_eq!((status, err["field"].as_str()), (400, Some("format")));
    // Locate in a crawl that read no ARP or forwarding table: nothing, and why.
    let (status, l) = server.json("GET", &format!("/api/runs/{id}/locate?q=198.18.0.10"), None);
    assert_eq!(status, 200, "{l}");
    assert_eq!(l["found"].as_array().map(Vec::len), Some(0));
    assert!(
        l["note"]
            .as_str()
            .unwrap_or_default()
            .starts_with("no ARP entry for 198.18.0.10"),
        "{l}"
    );
    let (status, err) = server.json("GET", &format!("/api/runs/{id}/locate?q=02:57:zz"), None);
    assert_eq!((status, err["field"].as_str()), (400, Some("q")), "{err}");
    let (status, _) = server.json("GET", "/api/runs/99999/locate?q=198.18.0.10", None);
    assert_eq!(status, 404);
    let (status, err) = server.json(
        "POST",
        "/api/runs",
        Some(json!({"kind": "snmp", "targets": ["198.18.0.161"],
        "options": {"op": "get", "oids": ["sysName.0"], "profiles": ["nope"]}})),
    );
    assert_eq!(
        (status, err["field"].as_str()),
        (400, Some("options.profiles")),
        "{err}"
    );
    assert!(err["error"].as_str().is_some_and(|e| e.contains("'nope'")));
    let (status, err) = server.json(
        "POST",
        "/api/runs",
        Some(json!({"kind": "snmp", "targets": ["198.18.0.161"],
        "options": {"op": "get", "oids": ["sysName.0"], "profiles": ["wrong", "lab-v3"]}})),
    );
    assert_eq!(
        (status, err["field"].as_str()),
        (400, Some("options.profiles")),
        "{err}"
    );
    // One profile in a get: its credentials are used.
    let get = server.create(
        json!({"kind": "snmp", "targets": ["198.18.0.162"], "net": {"netns": "wsl-c"},
        "options": {"op": "get", "oids": ["sysName.0"], "profiles": ["lab-v3"]}}),
    );
    let got = server.wait(get, 20);
    assert_eq!(
        got["results"][0]["varbinds"][0]["value"], "s2.lab.test",
        "{got}"
    );

    // The saved layout.
    let (status, empty) = server.json("GET", "/api/topology/layout", None);
    assert_eq!((status, empty), (200, json!({"positions": {}})));
    let layout = json!({"positions": {"s1": {"x": 10.5, "y": -3.0}, "s2": {"x": 0.0, "y": 0.0}}});
    let (status, _) = server.json("PUT", "/api/topology/layout", Some(layout.clone()));
    assert_eq!(status, 204);
    assert_eq!(server.json("GET", "/api/topology/layout", None).1, layout);
    let (status, err) = server.json(
        "PUT",
        "/api/topology/layout",
        Some(json!({"positions": {"s1": {"x": "left"}}})),
    );
    assert_eq!(
        (
            status,
            err["field"].as_str().map(|f| f.starts_with("positions.s1"))
        ),
        (400, Some(true)),
        "{err}"
    );

    // The crawl's report draws the map: s1 and s2 where the layout has them, s3 beside them.
    let pdf = server.dir.join("topology.pdf");
    let (code, head) = server.download(&format!("/api/runs/{id}/report"), &pdf);
    assert_eq!(code, 200, "{head}");
    let text = common::pdftotext(&pdf);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for words in [
        "Topology",
        "3 from 1 seed",
        "3 devices, 3 links, 1 connected group",
        "2 of 3 where the dashboard's saved map layout has them",
        "Both ends",
    ] {
        assert!(flat.contains(words), "{words} is missing:\n{text}");
    }
    let links = text
        .lines()
        .filter(|l| l.contains("swp") && l.contains("LLDP") && l.trim_end().ends_with("yes"))
        .count();
    assert_eq!(links, 3, "a row per link:\n{text}");
    // Without a saved layout, the devices are laid out in layers.
    let (status, _) = server.json(
        "PUT",
        "/api/topology/layout",
        Some(json!({"positions": {}})),
    );
    assert_eq!(status, 204);
    server.download(&format!("/api/runs/{id}/report"), &pdf);
    let flat = common::pdftotext(&pdf)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(flat.contains("laid out in layers from the seeds"), "{flat}");

    // Nothing the server wrote or answered holds a secret: store, profiles, secrets file, log.
    let mut seen = everything_under(&server.dir);
    for path in [
        "/api/creds".to_string(),
        format!("/api/runs/{id}"),
        format!("/api/runs/{id}/export?format=json"),
        format!("/api/runs/{id}/export?format=csv"),
        format!("/api/runs/{get}"),
        "/api/runs".to_string(),
    ] {
        seen.push_str(&server.request("GET", &path, None, &[]).1);
    }
    assert!(seen.contains("wsl-sha-aes"), "the profile's user is there");
    for secret in [
        auth,
        privacy,
        "not-the-community",
        "ssh-secret-pass",
        "wirescope-test-key-body",
    ] {
        assert!(!seen.contains(secret), "{secret} leaked");
    }
    let (status, _) = server.json("DELETE", "/api/creds/lab-v3", None);
    assert_eq!(status, 204);
    assert_eq!(
        server.json("GET", "/api/creds", None).1["profiles"]
            .as_array()
            .map(Vec::len),
        Some(2),
        "wrong and edge-ssh are left"
    );
}

/// The first "capture" message a watcher gets with at least `frames` frames.
async fn watch_capture(url: &str, capture: i64, frames: u64) -> Value {
    use futures::{SinkExt, StreamExt};
    let (mut ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .unwrap_or_else(|e| panic!("ws: {e}"));
    ws.send(tokio_tungstenite::tungstenite::Message::Text(
        json!({"type": "watch", "capture": capture})
            .to_string()
            .into(),
    ))
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next())
            .await
            .unwrap_or_else(|_| panic!("no capture message with {frames} frames"));
        let Some(Ok(tokio_tungstenite::tungstenite::Message::Text(text))) = msg else {
            continue;
        };
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if v["type"] == "capture" && v["frames"].as_u64().unwrap_or(0) >= frames {
            return v;
        }
    }
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn live_captures_and_uploaded_files_over_the_api() {
    common::lab();
    let server = Server::start("captures", &[]);
    let (status, ifs) = server.json("GET", "/api/interfaces", None);
    assert_eq!(status, 200);
    assert!(
        ifs["interfaces"]
            .as_array()
            .is_some_and(|a| a.iter().any(|i| i == "any"))
    );
    for (body, field) in [
        (
            json!({"interfaces": ["nope0"], "netns": "wsl-c"}),
            "interfaces",
        ),
        (
            json!({"interfaces": ["eth0"], "netns": "wsl-c", "bpf": "icmp and"}),
            "bpf",
        ),
        (
            json!({"interfaces": ["eth0"], "netns": "no-such-ns"}),
            "netns",
        ),
        (json!({"interfaces": ["eth0"], "ring_size": 0}), "ring_size"),
        (json!({"interfaces": []}), "interfaces"),
        (json!({"interfaces": ["eth0"], "colour": "blue"}), "colour"),
    ] {
        let (status, err) = server.json("POST", "/api/captures", Some(body.clone()));
        assert_eq!(
            (status, err["field"].as_str()),
            (400, Some(field)),
            "{body}: {err}"
        );
    }
    // An AnyIP address no other test of this file uses: they run at the same time, in the same
    // namespace, and their pings must not reach this capture.
    let target = "198.18.100.77";
    let (status, created) = server.json(
        "POST",
        "/api/captures",
        Some(json!({"interfaces": ["eth0"], "netns": "wsl-c", "bpf": format!("icmp and host {target}"), "ring_size": 1000})),
    );
    assert_eq!(status, 201, "{created}");
    let id = created["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{created}"));
    std::thread::sleep(Duration::from_millis(500));
    let ping = Command::new("ip")
        .args([
            "netns",
            "exec",
            "wsl-c",
            env!("CARGO_BIN_EXE_wirescope"),
            "ping",
            target,
        ])
        .args(["-c", "10", "-i", "20ms"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(ping.status.success());
    // The WebSocket pushes the statistics once a second.
    let pushed = runtime().block_on(watch_capture(&server.ws_url(), id, 20));
    assert_eq!(pushed["frames"], 20, "10 echoes, 10 replies: {pushed}");
    assert_eq!(pushed["report"]["protocols"]["icmp"]["packets"], 20);
    assert_eq!(pushed["capture"]["running"], true);
    let (_, shown) = server.json("GET", &format!("/api/captures/{id}"), None);
    assert_eq!(
        shown["report"]["protocols"]["icmp"]["packets"], 20,
        "{shown}"
    );
    let (_, last5) = server.json("GET", &format!("/api/captures/{id}/packets?limit=5"), None);
    let nos: Vec<u64> = last5["packets"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .filter_map(|p| p["no"].as_u64())
        .collect();
    assert_eq!(nos, [16, 17, 18, 19, 20]);
    let (_, to) = server.json(
        "GET",
        &format!("/api/captures/{id}/packets?filter=ip.dst%20%3D%3D%20{target}"),
        None,
    );
    assert_eq!(to["packets"].as_array().map(Vec::len), Some(10));
    assert!(
        to["packets"]
            .as_array()
            .is_some_and(|a| a.iter().all(|p| p["protocol"] == "icmp"))
    );
    let (status, err) = server.json(
        "GET",
        &format!("/api/captures/{id}/packets?filter=ip.dst%20%3D%3D"),
        None,
    );
    assert_eq!((status, err["field"].as_str()), (400, Some("filter")));
    assert!(
        err["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("column "))
    );
    let (status, detail) = server.json("GET", &format!("/api/captures/{id}/packets/1"), None);
    assert_eq!(status, 200);
    let layers: Vec<String> = detail["layers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l["protocol"].as_str().map(String::from))
        .collect();
    assert_eq!(layers, ["eth", "ip", "icmp", "data"]);
    assert_eq!(detail["hex"].as_str().map(str::len), Some(98 * 2));
    assert_eq!(
        server
            .json("GET", &format!("/api/captures/{id}/packets/999"), None)
            .0,
        404
    );
    // The ring as pcapng, read back by tshark.
    let (status, _) = server.request("GET", &format!("/api/captures/{id}/pcapng"), None, &[]);
    assert_eq!(status, 200);
    let file = server.dir.join("ring.pcapng");
    let mut raw = Vec::new();
    {
        let mut s =
            TcpStream::connect(("127.0.0.1", server.port)).unwrap_or_else(|e| panic!("{e}"));
        write!(
            s,
            "GET /api/captures/{id}/pcapng HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        .unwrap_or_else(|e| panic!("{e}"));
        s.read_to_end(&mut raw).unwrap_or_else(|e| panic!("{e}"));
    }
    let at = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(0) + 4;
    let body = &raw[at..];
    std::fs::write(&file, body).unwrap_or_else(|e| panic!("{e}"));
    let tshark = Command::new("tshark")
        .arg("-r")
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(String::from_utf8_lossy(&tshark.stdout).lines().count(), 20);
    // Anonymised with the server's key (made on first use, kept in its files): the same 20
    // frames, not one byte of the pinged address left, the same pseudonym every time.
    let anon = server.dir.join("anon.pcapng");
    let (status, _) = server.download(
        &format!("/api/captures/{id}/pcapng?anonymize=true&macs=true"),
        &anon,
    );
    assert_eq!(status, 200);
    let anon_bytes = std::fs::read(&anon).unwrap_or_else(|e| panic!("{e}"));
    let octets = target
        .parse::<std::net::Ipv4Addr>()
        .unwrap_or_else(|e| panic!("{e}"))
        .octets();
    assert!(
        !anon_bytes.windows(4).any(|w| w == octets),
        "{target} left in the anonymised pcapng"
    );
    let frames = Command::new("tshark")
        .arg("-r")
        .arg(&anon)
        .args(["-T", "fields", "-e", "ip.dst", "-Y", "icmp.type == 8"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let dsts: std::collections::BTreeSet<String> = String::from_utf8_lossy(&frames.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(dsts.len(), 1, "one pseudonym for the target: {dsts:?}");
    assert!(!dsts.contains(target));
    let key = std::fs::read(server.dir.join("files").join("anon.key"))
        .or_else(|_| std::fs::read(server.dir.join("anon.key")))
        .unwrap_or_else(|e| panic!("the server's anon.key: {e}"));
    let key = wirescope_traffic::anon::parse_key(&key).unwrap_or_else(|e| panic!("{e}"));
    let pan = wirescope_traffic::anon::cryptopan::CryptoPan::new(&key);
    assert_eq!(
        dsts.iter().next().map(String::as_str),
        Some(
            std::net::Ipv4Addr::from(pan.v4(octets))
                .to_string()
                .as_str()
        ),
        "the pseudonym under the server's key"
    );
    let (status, err) = server.json("GET", &format!("/api/captures/{id}/pcapng?macs=true"), None);
    assert_eq!(
        (status, err["field"].as_str()),
        (400, Some("anonymize")),
        "{err}"
    );
    let (status, csv) = server.request(
        "GET",
        &format!("/api/captures/{id}/csv?table=protocols"),
        None,
        &[],
    );
    assert_eq!(status, 200);
    assert!(csv.lines().any(|l| l.starts_with("icmp,20,")), "{csv}");
    let (status, err) = server.json("GET", &format!("/api/captures/{id}/csv?table=nope"), None);
    assert_eq!((status, err["field"].as_str()), (400, Some("table")));
    let (status, _) = server.json("POST", &format!("/api/captures/{id}/stop"), None);
    assert_eq!(status, 200);
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(
        server.json("GET", &format!("/api/captures/{id}"), None).1["capture"]["running"],
        false
    );
    // The same file uploaded is a session of its own.
    let (status, up) =
        server.request_bytes("POST", "/api/captures/upload?name=ring.pcapng", body, &[]);
    assert_eq!(status, 201, "{up}");
    let up: Value = serde_json::from_str(&up).unwrap_or(Value::Null);
    let uid = up["id"].as_i64().unwrap_or_else(|| panic!("{up}"));
    let (_, file_session) = server.json("GET", &format!("/api/captures/{uid}"), None);
    assert_eq!(file_session["frames"], 20);
    assert_eq!(file_session["capture"]["source"], "file");
    assert_eq!(file_session["report"]["protocols"]["icmp"]["packets"], 20);
    let (status, err) = server.request_bytes("POST", "/api/captures/upload", b"not a capture", &[]);
    assert_eq!(status, 400, "{err}");
    assert!(err.contains("not a pcap or pcapng file"));
    assert_eq!(
        server
            .json("DELETE", &format!("/api/captures/{uid}"), None)
            .0,
        204
    );
    assert_eq!(
        server.json("GET", &format!("/api/captures/{uid}"), None).0,
        404
    );
}

/// A value of lab/lab.env.
fn lab_var(key: &str) -> String {
    common::var(common::lab(), key).to_string()
}

/// The terminal WebSocket: messages as they come, binary output gathered.
struct Term {
    ws: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    screen: String,
}

impl Term {
    async fn open(server: &Server, open: Value) -> Term {
        use futures::SinkExt;
        let url = format!("ws://127.0.0.1:{}/api/ssh/terminal", server.port);
        let (mut ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .unwrap_or_else(|e| panic!("terminal ws: {e}"));
        ws.send(tokio_tungstenite::tungstenite::Message::Text(
            open.to_string().into(),
        ))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        Term {
            ws,
            screen: String::new(),
        }
    }

    /// Watches terminal `id` (its recording's id) read-only.
    async fn watch(server: &Server, id: i64) -> Term {
        let url = format!(
            "ws://127.0.0.1:{}/api/ssh/terminals/{id}/watch",
            server.port
        );
        let (ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .unwrap_or_else(|e| panic!("watch ws: {e}"));
        Term {
            ws,
            screen: String::new(),
        }
    }

    /// Opens and logs in, trusting the host key if asked: the `ready` message.
    async fn ready(server: &Server, open: Value) -> (Term, Value) {
        let mut t = Term::open(server, open).await;
        loop {
            let m = t.message().await;
            match m["type"].as_str() {
                Some("host_key") => {
                    let fp = m["fingerprint"].clone();
                    t.text(json!({"type": "accept_host_key", "fingerprint": fp}))
                        .await;
                }
                Some("ready") => return (t, m),
                _ => panic!("not ready: {m}"),
            }
        }
    }

    async fn text(&mut self, v: Value) {
        use futures::SinkExt;
        self.ws
            .send(tokio_tungstenite::tungstenite::Message::Text(
                v.to_string().into(),
            ))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }

    async fn keys(&mut self, s: &str) {
        use futures::SinkExt;
        self.ws
            .send(tokio_tungstenite::tungstenite::Message::Binary(
                s.as_bytes().to_vec().into(),
            ))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }

    /// The next JSON message (output arriving meanwhile is gathered).
    async fn message(&mut self) -> Value {
        use futures::StreamExt;
        use tokio_tungstenite::tungstenite::Message;
        loop {
            let m = tokio::time::timeout(Duration::from_secs(20), self.ws.next())
                .await
                .unwrap_or_else(|_| panic!("no message; screen so far: {:?}", self.screen));
            match m {
                Some(Ok(Message::Text(t))) => {
                    return serde_json::from_str(&t).unwrap_or_else(|e| panic!("{e}: {t}"));
                }
                Some(Ok(Message::Binary(b))) => self.screen.push_str(&String::from_utf8_lossy(&b)),
                Some(Ok(_)) => {}
                other => panic!("socket ended: {other:?}; screen: {:?}", self.screen),
            }
        }
    }

    /// Waits until the output gathered since the last call contains `want`; returns it.
    async fn until(&mut self, want: &str) -> String {
        use futures::StreamExt;
        use tokio_tungstenite::tungstenite::Message;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        // only the part not searched yet (plus an overlap) is searched: big outputs stay linear
        let mut from = 0;
        loop {
            if self.screen[from..].contains(want) {
                break;
            }
            from = self.screen.len().saturating_sub(want.len());
            while !self.screen.is_char_boundary(from) {
                from -= 1;
            }
            match tokio::time::timeout_at(deadline, self.ws.next()).await {
                Ok(Some(Ok(Message::Binary(b)))) => {
                    self.screen.push_str(&String::from_utf8_lossy(&b))
                }
                Ok(Some(Ok(Message::Text(t)))) => panic!("unexpected {t} waiting for {want:?}"),
                Ok(Some(Ok(_))) => {}
                other => panic!("waiting for {want:?}: {other:?}; screen: {:?}", self.screen),
            }
        }
        std::mem::take(&mut self.screen)
    }
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn a_shared_terminal_is_watched_live_and_read_only() {
    common::lab();
    let var = lab_var;
    let server = Server::start_env("ssh-share", &[], &[]);
    let open = json!({"type": "open", "target": var("LAB_SSH_V4"), "user": var("LAB_SSH_PW_USER"),
        "password": var("LAB_SSH_PW_PASSWORD"), "netns": "wsl-c", "cols": 80, "rows": 24});
    runtime().block_on(async {
        let (mut owner, ready) = Term::ready(&server, open.clone()).await;
        let id = ready["recording"].as_i64().unwrap_or(-1);
        let (code, live) = server.json("GET", "/api/ssh/terminals", None);
        assert_eq!(code, 200);
        assert_eq!(
            (live[0]["recording"].as_i64(), live[0]["shared"].as_bool()),
            (Some(id), Some(false)),
            "{live}"
        );
        let url = format!(
            "ws://127.0.0.1:{}/api/ssh/terminals/{}/watch",
            server.port,
            id + 1000
        );
        match tokio_tungstenite::connect_async(url).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(r)) => assert_eq!(r.status(), 404),
            other => panic!("no such terminal, yet: {:?}", other.map(|_| ())),
        }
        // not shared yet: a watcher is turned away
        let mut early = Term::watch(&server, id).await;
        let refused = early.message().await;
        assert_eq!(
            (refused["type"].as_str(), refused["code"].as_str()),
            (Some("error"), Some("not_shared")),
            "{refused}"
        );

        owner.keys("echo be''fore\n").await;
        owner.until("before").await;
        owner.text(json!({"type": "share", "shared": true})).await;
        let a = owner.message().await;
        assert_eq!(
            (a["type"].as_str(), a["shared"].as_bool()),
            (Some("audience"), Some(true)),
            "{a}"
        );

        // a late joiner gets the screen so far, then who watches
        let mut w = Term::watch(&server, id).await;
        let hello = w.message().await;
        assert_eq!(
            (
                hello["type"].as_str(),
                hello["recording"].as_i64(),
                hello["cols"].as_i64(),
                hello["rows"].as_i64()
            ),
            (Some("watching"), Some(id), Some(80), Some(24)),
            "{hello}"
        );
        let a = w.message().await;
        assert!(
            w.screen.contains("before"),
            "the screen so far: {:?}",
            w.screen
        );
        w.screen.clear();
        assert_eq!(
            (a["type"].as_str(), a["watchers"][0]["name"].as_str()),
            (Some("audience"), Some("local")),
            "{a}"
        );
        // the owner sees the watcher arrive
        let a = owner.message().await;
        assert_eq!(a["watchers"].as_array().map(Vec::len), Some(1), "{a}");
        let (_, live) = server.json("GET", "/api/ssh/terminals", None);
        assert_eq!(
            (
                live[0]["shared"].as_bool(),
                live[0]["watchers"].as_array().map(Vec::len)
            ),
            (Some(true), Some(1)),
            "{live}"
        );

        // live output reaches the watcher; what the watcher types reaches nothing
        w.keys("echo intru''der\n").await;
        owner.keys("echo af''ter\n").await;
        w.until("after").await;
        let seen = owner.until("after").await;
        assert!(
            !seen.contains("intruder"),
            "a watcher typed into the terminal: {seen:?}"
        );
        owner
            .text(json!({"type": "resize", "cols": 100, "rows": 30}))
            .await;
        let r = w.message().await;
        assert_eq!(
            (r["type"].as_str(), r["cols"].as_i64(), r["rows"].as_i64()),
            (Some("resize"), Some(100), Some(30)),
            "{r}"
        );

        // a watcher that sends more than a watcher needs (4 KiB) is cut off; the session goes on
        let mut big = Term::watch(&server, id).await;
        assert_eq!(big.message().await["type"], "watching");
        assert_eq!(big.message().await["type"], "audience");
        assert_eq!(
            owner.message().await["watchers"].as_array().map(Vec::len),
            Some(2)
        );
        big.keys(&"x".repeat(8192)).await;
        let cut = loop {
            use futures::StreamExt;
            match tokio::time::timeout(Duration::from_secs(10), big.ws.next()).await {
                Ok(Some(Ok(tokio_tungstenite::tungstenite::Message::Close(_)) | Err(_)) | None) => {
                    break true;
                }
                Ok(Some(Ok(_))) => continue,
                Err(_) => break false,
            }
        };
        assert!(cut, "an 8 KiB message from a watcher was taken");
        assert_eq!(
            owner.message().await["watchers"].as_array().map(Vec::len),
            Some(1)
        );

        // the watcher leaving is seen by the owner
        drop(w);
        let a = owner.message().await;
        assert_eq!(a["watchers"].as_array().map(Vec::len), Some(0), "{a}");

        // unsharing sends the watchers away
        let mut w = Term::watch(&server, id).await;
        assert_eq!(w.message().await["type"], "watching");
        assert_eq!(w.message().await["type"], "audience");
        assert_eq!(
            owner.message().await["watchers"].as_array().map(Vec::len),
            Some(1)
        );
        owner.text(json!({"type": "share", "shared": false})).await;
        let gone = w.message().await;
        assert_eq!(
            (gone["type"].as_str(), gone["code"].as_str()),
            (Some("error"), Some("unshared")),
            "{gone}"
        );
        let a = owner.message().await;
        assert_eq!(
            (
                a["shared"].as_bool(),
                a["watchers"].as_array().map(Vec::len)
            ),
            (Some(false), Some(0)),
            "{a}"
        );

        // shared again: the session's end reaches the watcher
        owner.text(json!({"type": "share", "shared": true})).await;
        assert_eq!(owner.message().await["shared"], true);
        let mut w = Term::watch(&server, id).await;
        assert_eq!(w.message().await["type"], "watching");
        assert_eq!(w.message().await["type"], "audience");
        assert_eq!(owner.message().await["type"], "audience");
        owner.keys("exit\n").await;
        assert_eq!(owner.message().await["reason"], "exit");
        let end = w.message().await;
        assert_eq!(
            (end["type"].as_str(), end["reason"].as_str()),
            (Some("closed"), Some("exit")),
            "{end}"
        );
        let (_, live) = server.json("GET", "/api/ssh/terminals", None);
        assert_eq!(live.as_array().map(Vec::len), Some(0), "{live}");

        // the recording names who opened it and who watched
        let (_, r) = server.json("GET", &format!("/api/ssh/recordings/{id}"), None);
        assert_eq!(r["opened_by"], "local", "{r}");
        assert_eq!(r["watchers"], json!(["local"]), "{r}");
    });
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn ssh_terminal_recordings_and_host_keys_over_the_api() {
    common::lab();
    let var = lab_var;
    let server = Server::start_env("ssh", &["--ssh-idle-timeout", "2s"], &[]);
    let host = var("LAB_SSH_V4");
    let open = json!({"type": "open", "target": host, "user": var("LAB_SSH_PW_USER"),
        "password": var("LAB_SSH_PW_PASSWORD"), "netns": "wsl-c", "cols": 80, "rows": 24});
    runtime().block_on(async {
        // first contact: the key is shown and accepted explicitly
        let mut t = Term::open(&server, open.clone()).await;
        let prompt = t.message().await;
        assert_eq!(
            (prompt["type"].as_str(), prompt["status"].as_str()),
            (Some("host_key"), Some("unknown")),
            "{prompt}"
        );
        let fp = prompt["fingerprint"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(fp.starts_with("SHA256:"));
        t.text(json!({"type": "accept_host_key", "fingerprint": fp}))
            .await;
        let ready = t.message().await;
        assert_eq!(ready["type"], "ready", "{ready}");
        assert_eq!(
            (ready["auth"].as_str(), ready["host_key"]["added"].as_bool()),
            (Some("password"), Some(true))
        );
        let rec = ready["recording"]
            .as_i64()
            .unwrap_or_else(|| panic!("no recording id"));

        // the PTY's size, a resize reaching the remote, UTF-8 and 256 colours, Ctrl-C
        t.keys("stty size\n").await;
        t.until("24 80").await;
        t.text(json!({"type": "resize", "cols": 120, "rows": 40}))
            .await;
        t.keys("stty size\n").await;
        t.until("40 120").await;
        t.keys("printf '\\342\\230\\203 \\033[38;5;196mred\\033[0m\\n'\n")
            .await;
        t.until("\u{2603} \x1b[38;5;196mred").await;
        t.keys("sleep 30\n").await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let t0 = Instant::now();
        t.keys("\x03echo after''ctrlc\n").await;
        t.until("afterctrlc").await;
        assert!(
            t0.elapsed() < Duration::from_secs(5),
            "Ctrl-C interrupted the sleep"
        );
        // a big paste into a program that echoes it: input and output both keep flowing
        t.keys("cat > /dev/null\n").await;
        let line = format!("{}\n", "0123456789abcdef".repeat(4));
        // 3 MiB: more than sshd's 2 MiB channel window, so the paste waits for window updates
        t.keys(&line.repeat(48 * 1024)).await;
        t.keys("\x04").await;
        t.keys("echo pas''ted\n").await;
        t.until("pasted").await;
        t.keys("echo hel''lo\n").await;
        t.until("hello").await;
        t.keys("exit\n").await;
        let closed = t.message().await;
        assert_eq!(
            (
                closed["type"].as_str(),
                closed["reason"].as_str(),
                closed["status"].as_i64()
            ),
            (Some("closed"), Some("exit"), Some(0)),
            "{closed}"
        );

        // the recording: listed, and its asciicast holds the output and the resize
        let (code, list) = server.json("GET", "/api/ssh/recordings", None);
        assert_eq!(code, 200);
        let r = &list["recordings"][0];
        assert_eq!(
            (
                r["id"].as_i64(),
                r["end_reason"].as_str(),
                r["cols"].as_i64()
            ),
            (Some(rec), Some("exit"), Some(80)),
            "{list}"
        );
        let (code, cast) =
            server.request("GET", &format!("/api/ssh/recordings/{rec}/cast"), None, &[]);
        assert_eq!(code, 200);
        let mut lines = cast.lines();
        let header: Value =
            serde_json::from_str(lines.next().unwrap_or_default()).unwrap_or_default();
        assert_eq!(
            (
                header["version"].as_i64(),
                header["width"].as_i64(),
                header["height"].as_i64()
            ),
            (Some(2), Some(80), Some(24)),
            "{cast}"
        );
        let events: Vec<Value> = lines.filter_map(|l| serde_json::from_str(l).ok()).collect();
        let output: String = events
            .iter()
            .filter(|e| e[1] == "o")
            .filter_map(|e| e[2].as_str())
            .collect();
        assert!(
            output.contains("hello") && output.contains("40 120"),
            "{output}"
        );
        assert!(events.iter().any(|e| e[1] == "r" && e[2] == "120x40"));
        assert!(
            events
                .windows(2)
                .all(|w| w[0][0].as_f64() <= w[1][0].as_f64())
        );
        assert!(
            !cast.contains(&var("LAB_SSH_PW_PASSWORD")),
            "keystrokes and secrets are not recorded"
        );

        // the host is known now: no prompt; an idle session is closed
        let mut t = Term::open(&server, open.clone()).await;
        let ready = t.message().await;
        assert_eq!(
            (ready["type"].as_str(), ready["host_key"]["added"].as_bool()),
            (Some("ready"), Some(false)),
            "{ready}"
        );
        let closed = t.message().await;
        assert_eq!(
            (closed["type"].as_str(), closed["reason"].as_str()),
            (Some("closed"), Some("idle")),
            "{closed}"
        );

        // the browser going away ends the SSH session, and its recording says so
        let mut t = Term::open(&server, open.clone()).await;
        let ready = t.message().await;
        let rec2 = ready["recording"].as_i64().unwrap_or(-1);
        t.keys("echo bye''bye\n").await;
        t.until("byebye").await;
        drop(t);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let (_, r) = server.json("GET", &format!("/api/ssh/recordings/{rec2}"), None);
            if r["end_reason"] == "client" {
                break;
            }
            assert!(Instant::now() < deadline, "the session did not end: {r}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }

        // a key on record that differs from the one served: refused, both fingerprints given
        let kh = server.dir.join("data/wirescope/known_hosts");
        let fake = std::fs::read_to_string(format!("{}/id_ed25519.pub", var("LAB_SSH_KEY_DIR")))
            .unwrap_or_default();
        let port = var("LAB_SSH_ROTATE_PORT");
        let mut text = std::fs::read_to_string(&kh).unwrap_or_default();
        text.push_str(&format!(
            "[{host}]:{port} {}\n",
            fake.split_whitespace()
                .take(2)
                .collect::<Vec<_>>()
                .join(" ")
        ));
        std::fs::write(&kh, &text).unwrap_or_else(|e| panic!("{e}"));
        let mut other = open.clone();
        other["port"] = json!(port.parse::<u16>().unwrap_or(0));
        let mut t = Term::open(&server, other).await;
        let err = t.message().await;
        assert_eq!(
            (err["type"].as_str(), err["code"].as_str()),
            (Some("error"), Some("host_key_changed")),
            "{err}"
        );
        assert!(
            err["known"][0]["fingerprint"]
                .as_str()
                .is_some_and(|f| f.starts_with("SHA256:"))
        );
        assert!(err["fingerprint"].as_str() != err["known"][0]["fingerprint"].as_str());
        assert_eq!(
            std::fs::read_to_string(&kh).unwrap_or_default(),
            text,
            "never written over"
        );

        // through the bastion: one prompt per new host key, the bastion's first
        let mut via = open.clone();
        via["target"] = json!(var("LAB_SSH_INNER_V4"));
        via["jump"] = json!(var("LAB_SSH_BASTION_V4"));
        let mut t = Term::open(&server, via).await;
        for (want, algorithm) in [
            (
                format!("{}:22", var("LAB_SSH_BASTION_V4")),
                "ecdsa-sha2-nistp256",
            ),
            (format!("{}:22", var("LAB_SSH_INNER_V4")), "ssh-rsa"),
        ] {
            let p = t.message().await;
            assert_eq!(
                (
                    p["type"].as_str(),
                    p["host"].as_str(),
                    p["algorithm"].as_str()
                ),
                (Some("host_key"), Some(want.as_str()), Some(algorithm)),
                "{p}"
            );
            t.text(json!({"type": "accept_host_key", "fingerprint": p["fingerprint"]}))
                .await;
        }
        let ready = t.message().await;
        assert_eq!(ready["type"], "ready", "{ready}");
        t.keys("echo $SSH_CONNECTION\n").await;
        t.until(&format!("{} 22", var("LAB_SSH_INNER_V4"))).await;
        t.keys("exit\n").await;
        assert_eq!(t.message().await["reason"], "exit");

        // keyboard-interactive without a password: the device's prompt goes to the person
        let kbd = json!({"type": "open", "target": host, "user": var("LAB_SSH_KBD_USER"), "netns": "wsl-c"});
        let mut t = Term::open(&server, kbd.clone()).await;
        let ask = t.message().await;
        assert_eq!(ask["type"], "auth_prompt", "{ask}");
        assert!(ask["prompts"][0]["prompt"].as_str().is_some_and(|p| p.contains("Password")), "{ask}");
        assert_eq!(ask["prompts"][0]["echo"], false);
        t.text(json!({"type": "auth_response", "responses": [var("LAB_SSH_KBD_PASSWORD")]})).await;
        let ready = t.message().await;
        assert_eq!((ready["type"].as_str(), ready["auth"].as_str()), (Some("ready"), Some("keyboard-interactive")), "{ready}");
        t.keys("id -un\n").await;
        t.until(&format!("{}\r\n", var("LAB_SSH_KBD_USER"))).await;
        // giving up at the prompt is an authentication error
        let mut t = Term::open(&server, kbd).await;
        assert_eq!(t.message().await["type"], "auth_prompt");
        t.text(json!({"type": "auth_response", "responses": null})).await;
        let err = t.message().await;
        assert_eq!(err["code"], "auth", "{err}");

        // a wrong password is an authentication error
        let mut bad = open.clone();
        bad["password"] = json!("wrong");
        let mut t = Term::open(&server, bad).await;
        let err = t.message().await;
        assert_eq!(err["code"], "auth", "{err}");
    });

    // the known hosts over the API, and removing an entry
    let (code, kh) = server.json("GET", "/api/ssh/known-hosts", None);
    assert_eq!(code, 200);
    let hosts: Vec<&str> = kh["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["hosts"].as_str())
        .collect();
    assert!(hosts.contains(&host.as_str()), "{kh}");
    let port = var("LAB_SSH_ROTATE_PORT");
    let (code, v) = server.json(
        "DELETE",
        &format!("/api/ssh/known-hosts/{host}?port={port}"),
        None,
    );
    assert_eq!((code, v["removed"].as_i64()), (200, Some(1)), "{v}");
    let (code, _) = server.json(
        "DELETE",
        &format!("/api/ssh/known-hosts/{host}?port={port}"),
        None,
    );
    assert_eq!(code, 404);
    let (code, _) = server.json("GET", "/api/ssh/recordings/999999/cast", None);
    assert_eq!(code, 404);

    // a foreign Origin cannot open a terminal
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut req = format!("ws://127.0.0.1:{}/api/ssh/terminal", server.port)
        .into_client_request()
        .unwrap_or_else(|e| panic!("{e}"));
    req.headers_mut().insert(
        "Origin",
        "http://evil.example"
            .parse()
            .unwrap_or_else(|e| panic!("{e}")),
    );
    runtime().block_on(async {
        match tokio_tungstenite::connect_async(req).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
                assert_eq!(resp.status(), 403)
            }
            other => panic!(
                "a foreign origin must be refused, got {:?}",
                other.map(|_| ())
            ),
        }
    });
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn ssh_runs_with_a_profile_and_with_inline_secrets() {
    common::lab();
    let var = lab_var;
    let server = Server::start_env(
        "sshruns",
        &[],
        &[
            ("WIRESCOPE_SECRET_STORE", "file"),
            ("WIRESCOPE_SECRETS_PASSPHRASE", "api ssh passphrase"),
        ],
    );
    let key = std::fs::read_to_string(format!("{}/id_ed25519", var("LAB_SSH_KEY_DIR")))
        .unwrap_or_else(|e| panic!("{e}"));
    let (status, saved) = server.json(
        "PUT",
        "/api/creds/lab-ssh",
        Some(json!({"ssh_user": var("LAB_SSH_KEY_USER"), "ssh_private_key": key})),
    );
    assert_eq!(status, 200, "{saved}");
    // bad bodies name their field
    for (options, field) in [
        (json!({"user": "u", "password": "p"}), "options"),
        (
            json!({"command": "true", "profile": "no-such"}),
            "options.profile",
        ),
        (
            json!({"command": "true", "user": "u", "password": "p", "jump": "h:0"}),
            "options",
        ),
        (json!({"command": "true", "bogus": 1}), "options.bogus"),
        (
            json!({"command": "true", "user": "u", "password": "p", "concurrency": 20000}),
            "options",
        ),
    ] {
        let body = json!({"kind": "ssh", "targets_text": var("LAB_SSH_V4"), "options": options, "net": {"netns": "wsl-c"}});
        let (status, err) = server.json("POST", "/api/runs", Some(body));
        assert_eq!((status, err["field"].as_str()), (400, Some(field)), "{err}");
    }
    // ten addresses no other test uses, the login from the profile
    let body = json!({"kind": "ssh", "targets_text": "198.18.40.151-198.18.40.160",
        "options": {"command": "echo $SSH_CONNECTION", "profile": "lab-ssh", "accept_new_host_keys": true},
        "net": {"netns": "wsl-c"}});
    let (status, created) = server.json("POST", "/api/runs", Some(body));
    assert_eq!(status, 201, "{created}");
    let run = server.wait(created["id"].as_i64().unwrap_or(-1), 60);
    assert_eq!(run["status"], "finished", "{run}");
    assert_eq!(run["summary"]["succeeded"], 10, "{run}");
    for r in run["results"].as_array().into_iter().flatten() {
        assert_eq!(
            (r["kind"].as_str(), r["auth"].as_str()),
            (Some("ssh"), Some("publickey"))
        );
        let t = r["target"].as_str().unwrap_or_default();
        assert!(
            r["stdout"]
                .as_str()
                .unwrap_or_default()
                .trim_end()
                .ends_with(&format!("{t} 22")),
            "{r}"
        );
    }
    assert_eq!(run["options"]["profile"], "lab-ssh");

    // a terminal with the profile's key: the same login, from the secret store
    runtime().block_on(async {
        let open = json!({"type": "open", "target": var("LAB_SSH_V4"), "profile": "lab-ssh", "netns": "wsl-c"});
        let mut t = Term::open(&server, open).await;
        let prompt = t.message().await;
        assert_eq!(prompt["type"], "host_key", "{prompt}");
        t.text(json!({"type": "accept_host_key", "fingerprint": prompt["fingerprint"]})).await;
        let ready = t.message().await;
        assert_eq!((ready["type"].as_str(), ready["auth"].as_str()), (Some("ready"), Some("publickey")), "{ready}");
        t.keys("id -un\n").await;
        t.until(&format!("{}\r\n", var("LAB_SSH_KEY_USER"))).await;
        let mut t = Term::open(&server, json!({"type": "open", "target": var("LAB_SSH_V4"), "profile": "nope", "netns": "wsl-c"})).await;
        let err = t.message().await;
        assert_eq!(err["code"], "bad_request", "{err}");
        assert!(err["message"].as_str().unwrap_or_default().contains("nope"), "{err}");
    });

    // inline password: used, never stored or returned; a wrong one fails each device as auth
    let pw = var("LAB_SSH_PW_PASSWORD");
    let run_with = |password: &str| {
        let body = json!({"kind": "ssh", "targets_text": var("LAB_SSH_V4"),
            "options": {"command": "id -un", "user": var("LAB_SSH_PW_USER"), "password": password, "accept_new_host_keys": true},
            "net": {"netns": "wsl-c"}});
        let (status, created) = server.json("POST", "/api/runs", Some(body));
        assert_eq!(status, 201, "{created}");
        server.wait(created["id"].as_i64().unwrap_or(-1), 60)
    };
    let good = run_with(&pw);
    assert_eq!(
        good["results"][0]["stdout"],
        format!("{}\n", var("LAB_SSH_PW_USER")),
        "{good}"
    );
    assert!(good["options"].get("password").is_none(), "{good}");
    let bad = run_with("wrong-password");
    assert_eq!(bad["results"][0]["error_kind"], "auth", "{bad}");
    // comparing the two: the device's exit changed
    let (a, b) = (
        good["id"].as_i64().unwrap_or(-1),
        bad["id"].as_i64().unwrap_or(-1),
    );
    let (status, cmp) = server.json("GET", &format!("/api/runs/{a}/compare/{b}"), None);
    assert_eq!(status, 200, "{cmp}");
    assert_eq!(cmp["changes"][0]["change"], "exit_changed", "{cmp}");
    // no secret in anything the server wrote
    let written = everything_under(&server.dir);
    let key_body = key.lines().nth(1).unwrap_or_default();
    assert!(
        !key_body.is_empty() && !written.contains(key_body),
        "the private key leaked"
    );
    assert!(!written.contains(&pw), "the password leaked");
}

#[test]
fn cross_site_requests_and_foreign_hosts_are_refused() {
    let server = Server::start("csrf", &[]);
    let body = ping_body("127.0.0.1", json!({}));
    // a page elsewhere posting to the dashboard: its Origin gives it away
    let (status, v) = server.request(
        "POST",
        "/api/runs",
        Some(&body.to_string()),
        &[("Origin", "http://evil.example")],
    );
    assert_eq!(status, 403, "{v}");
    let (status, _) = server.request(
        "GET",
        "/api/ssh/known-hosts",
        None,
        &[("Origin", "http://evil.example")],
    );
    assert_eq!(status, 403);
    // the page's own origin, and tools that send none, are welcome
    let own = format!("http://127.0.0.1:{}", server.port);
    assert_eq!(
        server
            .request("GET", "/api/runs", None, &[("Origin", &own)])
            .0,
        200
    );
    assert_eq!(server.json("GET", "/api/runs", None).0, 200);
    // DNS rebinding: a name of the attacker's resolving to 127.0.0.1 (Origin and Host agree)
    let answer = server.raw(&format!(
        "GET /api/runs HTTP/1.1\r\nHost: rebind.example:{p}\r\nOrigin: http://rebind.example:{p}\r\nConnection: close\r\n\r\n",
        p = server.port
    ));
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    assert!(answer.contains("rebind.example"), "{answer}");
}
