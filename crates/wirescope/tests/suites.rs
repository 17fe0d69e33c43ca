//! Suites against a real `wirescope serve` probing the lab: added and checked over the API (each
//! mistake naming its field), fired by their schedules with the runs tagged, skipped while their
//! runs are still going, disabled, run on demand, caught up once after the server was down, and
//! read back by the `suite` commands. Needs root and the lab.

mod common;

use common::server::Server;
use serde_json::{Value, json};
use std::process::Command;
use std::time::{Duration, Instant};

fn suite(name: &str, cron: &str, targets: &str, options: Value) -> Value {
    json!({
        "name": name,
        "schedule": {"cron": cron, "timezone": "UTC"},
        "runs": [{"kind": "ping", "targets": targets, "options": options, "net": {"netns": "wsl-c"}}],
    })
}

fn fires(server: &Server, id: i64) -> Vec<Value> {
    let (status, detail) = server.json("GET", &format!("/api/suites/{id}"), None);
    assert_eq!(status, 200, "{detail}");
    detail["fires"].as_array().cloned().unwrap_or_default()
}

/// Waits until the suite has `n` fires (at most `secs`).
fn wait_fires(server: &Server, id: i64, n: usize, secs: u64) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let f = fires(server, id);
        if f.len() >= n || Instant::now() > deadline {
            return f;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn create(server: &Server, body: Value) -> i64 {
    let (status, created) = server.json("POST", "/api/suites", Some(body));
    assert_eq!(status, 201, "{created}");
    created["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{created}"))
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn suites_are_checked_fired_skipped_and_run_on_demand() {
    common::lab();
    let server = Server::start("suites", &[]);

    let bad = [
        (
            json!({"runs": [{"kind": "ping", "targets": "198.18.16.1"}]}),
            "name",
        ),
        (suite("x", "* *", "198.18.16.1", json!({})), "schedule.cron"),
        (
            json!({"name": "x", "schedule": {"cron": "* * * * *", "timezone": "Moon/Base"}, "runs": [{"kind": "ping", "targets": "a"}]}),
            "schedule.timezone",
        ),
        (
            suite("x", "* * * * *", "198.18.16.1", json!({"count": 0})),
            "runs[0].options",
        ),
        (
            suite("x", "* * * * *", "198.18.16.1", json!({"count": "two"})),
            "runs[0].options.count",
        ),
        (
            json!({"name": "x", "runs": [{"kind": "snmp", "targets": "a", "options": {"community": "private"}}]}),
            "runs[0].options",
        ),
        (
            json!({"name": "x", "runs": [{"kind": "ping"}]}),
            "runs[0].targets",
        ),
        (json!({"name": "x", "runs": []}), "runs"),
        (
            json!({"name": "x", "runs": [{"kind": "ping", "targets_file": "/etc/passwd"}]}),
            "runs[0].targets_file",
        ),
        (
            json!({"name": "x", "runs": [{"kind": "ping", "targets": "a", "net": {"netns": "/proc/1/ns/net"}}]}),
            "runs[0].net.netns",
        ),
        (
            json!({"name": "bad name!", "runs": [{"kind": "ping", "targets": "a"}]}),
            "name",
        ),
    ];
    let wrong: Vec<String> = bad
        .iter()
        .filter_map(|(body, field)| {
            let (status, e) = server.json("POST", "/api/suites", Some(body.clone()));
            (status != 400 || e["field"] != *field)
                .then(|| format!("{body}: {status} {e}, expected 400 naming {field}"))
        })
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");

    // An editor's preview of a schedule.
    let (status, p) = server.json(
        "POST",
        "/api/suites/schedule",
        Some(json!({"cron": "0 9 * * MON-FRI", "timezone": "Europe/Berlin"})),
    );
    assert_eq!(status, 200, "{p}");
    assert!(
        p["text"]
            .as_str()
            .is_some_and(|t| t.contains("Europe/Berlin")),
        "{p}"
    );
    assert_eq!(p["next"].as_array().map(Vec::len), Some(5), "{p}");
    let (status, e) = server.json("POST", "/api/suites/schedule", Some(json!({"cron": "* *"})));
    assert_eq!(
        (status, e["field"].as_str()),
        (400, Some("schedule.cron")),
        "{e}"
    );

    // Every second: fired on time, each fire's runs tagged with the suite.
    let id = create(
        &server,
        suite(
            "core",
            "* * * * * *",
            "198.18.16.1-3",
            json!({"timeout": "500ms"}),
        ),
    );
    let (status, e) = server.json(
        "POST",
        "/api/suites",
        Some(suite("core", "* * * * *", "198.18.16.1", json!({}))),
    );
    assert_eq!((status, e["field"].as_str()), (409, Some("name")), "{e}");
    let f = wait_fires(&server, id, 3, 10);
    assert!(f.len() >= 3, "{f:?}");
    for fire in &f {
        assert_eq!(fire["outcome"], "started", "{fire}");
        assert!(fire["due_at"].as_i64().is_some());
        for run in fire["runs"].as_array().into_iter().flatten() {
            let run = server.wait(run.as_i64().unwrap_or_default(), 10);
            assert_eq!(
                (run["source"].as_str(), run["suite_id"].as_i64()),
                (Some("suite"), Some(id))
            );
            assert_eq!(run["summary"]["alive"], 3, "{run}");
        }
    }
    let dues: Vec<i64> = f.iter().filter_map(|x| x["due_at"].as_i64()).collect();
    let mut unique = dues.clone();
    unique.dedup();
    assert_eq!(dues, unique, "one fire per due time");

    // The scheduled pings became trends: a series per target, samples and rollups.
    let deadline = Instant::now() + Duration::from_secs(15);
    let series = loop {
        let (status, list) = server.json("GET", &format!("/api/suites/{id}/series"), None);
        assert_eq!(status, 200, "{list}");
        let series = list["series"].as_array().cloned().unwrap_or_default();
        if series.len() == 3 && series.iter().all(|s| s["samples"].as_i64() >= Some(2)) {
            break series;
        }
        assert!(Instant::now() < deadline, "no trends: {list}");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(series.iter().all(|s| s["kind"] == "ping"), "{series:?}");
    let sid = series[0]["id"].as_i64().unwrap_or_default();
    for range in ["3h", "1d", "7d", "30d"] {
        let (status, t) = server.json(
            "GET",
            &format!("/api/suites/{id}/trend?series={sid}&range={range}"),
            None,
        );
        assert_eq!(status, 200, "{t}");
        let buckets = t["buckets"].as_array().cloned().unwrap_or_default();
        assert!(!buckets.is_empty(), "{range}: {t}");
        let b = &buckets[buckets.len() - 1];
        assert!(
            b["median_ms"].as_f64().is_some_and(|m| m > 0.0),
            "{range}: {b}"
        );
        assert_eq!(b["loss_pct"], 0.0, "{range}: {b}");
        if range == "3h" {
            assert_eq!(t["width"], 0);
            assert!(buckets.len() >= 2, "every sample: {t}");
        } else {
            // The samples may straddle a bucket boundary: count them over the buckets.
            let samples: u64 = buckets.iter().filter_map(|b| b["samples"].as_u64()).sum();
            assert!(samples >= 2, "{range}: {t}");
        }
    }
    let (status, e) = server.json(
        "GET",
        &format!("/api/suites/{id}/trend?series={sid}&range=2h"),
        None,
    );
    assert_eq!((status, e["field"].as_str()), (400, Some("range")), "{e}");
    let (status, _) = server.json(
        "GET",
        &format!("/api/suites/{id}/trend?series=999999"),
        None,
    );
    assert_eq!(status, 404);

    // Disabled: no more scheduled fires; still runs on demand.
    let (status, view) = server.json("POST", &format!("/api/suites/{id}/disable"), None);
    assert_eq!(
        (status, view["enabled"].as_bool()),
        (200, Some(false)),
        "{view}"
    );
    // A turn of the scheduler that read the suite just before may still record its fire.
    std::thread::sleep(Duration::from_millis(300));
    let before = fires(&server, id).len();
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(
        fires(&server, id).len(),
        before,
        "a disabled suite does not fire"
    );
    let (status, fired) = server.json("POST", &format!("/api/suites/{id}/run"), None);
    assert_eq!(
        (status, fired["outcome"].as_str()),
        (201, Some("started")),
        "{fired}"
    );
    let now = fires(&server, id);
    assert_eq!(
        now[0]["due_at"],
        Value::Null,
        "a fire on demand has no due time"
    );

    // A suite whose runs outlast its interval is skipped, and the skip recorded.
    let slow = create(
        &server,
        suite(
            "slow",
            "* * * * * *",
            "198.18.128.1",
            json!({"timeout": "4s"}),
        ),
    );
    let f = wait_fires(&server, slow, 3, 10);
    assert!(
        f.iter().any(|x| x["outcome"] == "skipped"
            && x["note"]
                .as_str()
                .is_some_and(|n| n.contains("still going"))),
        "{f:?}"
    );
    server.json("POST", &format!("/api/suites/{slow}/disable"), None);

    // The command line reads the same suites.
    let db = server.dir.join("wirescope.db");
    let db = db.to_string_lossy();
    let out = Command::new(env!("CARGO_BIN_EXE_wirescope"))
        .args(["suite", "show", "core", "--json", "--db", &db])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert_eq!(shown["enabled"], false);
    assert!(
        shown["fires"].as_array().is_some_and(|f| f.len() > before),
        "{shown}"
    );

    // Deleted: gone, its runs kept.
    let run = now[0]["runs"][0].as_i64().unwrap_or_default();
    let (status, _) = server.json("DELETE", &format!("/api/suites/{id}"), None);
    assert_eq!(status, 204);
    assert_eq!(
        server.json("GET", &format!("/api/suites/{id}"), None).0,
        404
    );
    let (status, kept) = server.json("GET", &format!("/api/runs/{run}"), None);
    assert_eq!(
        (status, kept["suite_id"].clone()),
        (200, Value::Null),
        "{kept}"
    );
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn after_downtime_a_schedule_catches_up_once() {
    common::lab();
    let mut server = Server::start("suites-down", &[]);
    let id = create(
        &server,
        suite(
            "every2",
            "*/2 * * * * *",
            "198.18.16.1",
            json!({"timeout": "500ms"}),
        ),
    );
    let f = wait_fires(&server, id, 1, 6);
    assert_eq!(f.len(), 1, "{f:?}");
    let _ = server.child.kill();
    let _ = server.child.wait();
    // Down across at least three due times.
    std::thread::sleep(Duration::from_millis(6500));
    let dir = std::mem::take(&mut server.dir);
    drop(server);
    let server = Server::start_in(dir, &[]);
    std::thread::sleep(Duration::from_millis(1500));
    let f = fires(&server, id);
    let caught: Vec<&Value> = f.iter().filter(|x| x["outcome"] == "caught_up").collect();
    assert_eq!(caught.len(), 1, "one catch-up: {f:?}");
    assert!(
        caught[0]["note"]
            .as_str()
            .is_some_and(|n| n.contains("due times missed")),
        "{f:?}"
    );
    let dues: Vec<i64> = f.iter().filter_map(|x| x["due_at"].as_i64()).collect();
    let mut unique = dues.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(dues.len(), unique.len(), "no due time fired twice: {f:?}");

    // `suite run` from a shell, beside the server: printed, saved, tagged, recorded.
    let (_, view) = server.json("POST", &format!("/api/suites/{id}/disable"), None);
    assert_eq!(view["enabled"], false);
    let db = server.dir.join("wirescope.db");
    let out = Command::new(env!("CARGO_BIN_EXE_wirescope"))
        .args([
            "suite",
            "run",
            "every2",
            "--json",
            "--db",
            &db.to_string_lossy(),
        ])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (results, summary) = common::ndjson(&out);
    assert_eq!(
        (results.len(), summary["alive"].as_u64()),
        (1, Some(1)),
        "{summary}"
    );
    let last = &fires(&server, id)[0];
    assert_eq!(
        (last["outcome"].as_str(), last["due_at"].clone()),
        (Some("started"), Value::Null),
        "{last}"
    );
    let run = last["runs"][0].as_i64().unwrap_or_default();
    let (_, run) = server.json("GET", &format!("/api/runs/{run}"), None);
    assert_eq!(run["suite_id"].as_i64(), Some(id), "{run}");
}
