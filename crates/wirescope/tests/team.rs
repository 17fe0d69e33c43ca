//! Two `wirescope serve` on one database on the lab's PostgreSQL, as a team runs them: a run
//! started on one is listed on the other, and a WebSocket subscriber on the other follows it
//! live (LISTEN/NOTIFY), every result exactly once; a suite due on both fires once per due time;
//! both carry on after the database restarts. The tests here take turns: one restarts the
//! database the others use.

mod common;

use common::server::Server;
use serde_json::json;
use std::time::{Duration, Instant};

/// Held by each test for its whole length.
static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn turn() -> std::sync::MutexGuard<'static, ()> {
    TURN.lock().unwrap_or_else(|p| p.into_inner())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Two servers on the database at `url`, each with its own files.
fn pair(name: &str, url: &str) -> (Server, Server) {
    let files = |side: &str| {
        let d = std::env::temp_dir().join(format!(
            "wirescope-team-{}-{name}-{side}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&d);
        d.display().to_string()
    };
    let (fa, fb) = (files("a"), files("b"));
    // each with its own home too (its known SSH hosts, its credential profiles)
    let a = Server::start_env(&format!("{name}-a"), &["--db", url, "--files", &fa], &[]);
    let b = Server::start_env(&format!("{name}-b"), &["--db", url, "--files", &fb], &[]);
    (a, b)
}

/// That `seqs` is 0..n, each once, in order; else which are missing, repeated or out of order.
fn every_once(seqs: &[i64], n: i64) {
    let missing: Vec<i64> = (0..n).filter(|s| !seqs.contains(s)).collect();
    let mut seen = std::collections::HashSet::new();
    let repeated: Vec<i64> = seqs.iter().copied().filter(|s| !seen.insert(*s)).collect();
    assert!(
        seqs.iter().copied().eq(0..n),
        "{} results: missing {missing:?}, repeated {repeated:?}",
        seqs.len()
    );
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn a_run_on_one_server_is_followed_live_on_the_other() {
    let _turn = turn();
    let url = common::pg_database("follow");
    let (a, b) = pair("follow", &url);
    // 400 targets, three echoes 200 ms apart: results keep arriving for about a second.
    let id = a.create(json!({
        "kind": "ping",
        "targets_text": "198.18.16.1-198.18.17.144",
        "options": {"count": 3, "interval": "200ms", "timeout": "1s"},
        "net": {"netns": "wsl-c"}
    }));
    let rt = runtime();
    let ws = b.ws_url();
    let (early, late) = rt.block_on(async {
        let early = common::follow(&ws, id, Duration::ZERO);
        let late = async {
            tokio::time::sleep(Duration::from_millis(400)).await;
            common::follow(&ws, id, Duration::ZERO).await
        };
        tokio::join!(early, late)
    });
    for (seqs, status) in [&early, &late] {
        assert_eq!(status["status"], "finished", "{status}");
        // Every result once, in order: no gap, no repeat.
        every_once(seqs, 400);
    }
    // The run is B's to list and show as much as A's.
    let (status, listed) = b.json("GET", "/api/runs?limit=5", None);
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed["runs"][0]["id"], id, "{listed}");
    let (status, shown) = b.json("GET", &format!("/api/runs/{id}"), None);
    assert_eq!(
        (status, shown["done"].as_i64()),
        (200, Some(400)),
        "{shown}"
    );
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn a_suite_due_on_two_servers_fires_once_per_due_time() {
    let _turn = turn();
    let url = common::pg_database("fires");
    let (a, b) = pair("fires", &url);
    let (status, created) = a.json(
        "POST",
        "/api/suites",
        Some(json!({
            "name": "every-2s",
            "schedule": {"cron": "*/2 * * * * *", "timezone": "UTC"},
            "runs": [{"kind": "ping", "targets": "127.0.0.1", "options": {"count": 1}}],
        })),
    );
    assert_eq!(status, 201, "{created}");
    let suite = created["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{created}"));
    // Both schedulers look at least every 5 s; let several due times pass.
    let deadline = Instant::now() + Duration::from_secs(30);
    let fires = loop {
        let n: i64 = common::pg_query(
            &url,
            &format!(
                "SELECT COUNT(*) FROM suite_fires WHERE suite_id = {suite} AND due_at IS NOT NULL"
            ),
        )
        .parse()
        .unwrap_or(0);
        if n >= 4 {
            break n;
        }
        assert!(Instant::now() < deadline, "only {n} fires in 30 s");
        std::thread::sleep(Duration::from_millis(500));
    };
    drop((a, b));
    let twice = common::pg_query(
        &url,
        &format!(
            "SELECT COUNT(*) FROM (SELECT due_at FROM suite_fires WHERE suite_id = {suite}
             GROUP BY due_at HAVING COUNT(*) > 1) AS d"
        ),
    );
    assert_eq!(twice, "0", "a due time fired twice");
    let runs: i64 = common::pg_query(
        &url,
        &format!("SELECT COUNT(*) FROM runs WHERE suite_id = {suite}"),
    )
    .parse()
    .unwrap_or(-1);
    let started: i64 = common::pg_query(
        &url,
        &format!(
            "SELECT COUNT(*) FROM suite_fires WHERE suite_id = {suite}
             AND outcome IN ('started', 'caught_up')"
        ),
    )
    .parse()
    .unwrap_or(-2);
    assert!(
        fires >= 4 && runs == started,
        "{fires} fires, {started} started, {runs} runs"
    );
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn both_servers_carry_on_after_the_database_restarts() {
    let _turn = turn();
    let url = common::pg_database("restart");
    let (mut a, mut b) = pair("restart", &url);
    let body = json!({
        "kind": "ping",
        "targets_text": "198.18.16.1-198.18.16.100",
        "options": {"count": 2, "interval": "200ms", "timeout": "1s"},
        "net": {"netns": "wsl-c"}
    });
    let before = a.create(body.clone());
    assert_eq!(a.wait(before, 60)["status"], "finished");
    let out = std::process::Command::new("bash")
        .arg(common::repo().join("lab/lab.sh"))
        .arg("pg-restart")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The pools connect again: the first request after may still meet a cut connection.
    let deadline = Instant::now() + Duration::from_secs(20);
    let after = loop {
        let (status, v) = a.json("POST", "/api/runs", Some(body.clone()));
        if status == 201 {
            break v["id"].as_i64().unwrap_or_else(|| panic!("{v}"));
        }
        assert!(
            Instant::now() < deadline,
            "no run accepted 20 s after the restart: {v}"
        );
        std::thread::sleep(Duration::from_millis(250));
    };
    // B follows it live again (its listening connection came back), every result once.
    let ws = b.ws_url();
    let (seqs, status) = runtime().block_on(common::follow(&ws, after, Duration::ZERO));
    assert_eq!(status["status"], "finished", "{status}");
    every_once(&seqs, 100);
    // Nothing from before was lost; neither server stopped.
    let (_, old) = b.json("GET", &format!("/api/runs/{before}"), None);
    assert_eq!(old["done"].as_i64(), Some(100), "{old}");
    assert!(
        a.child.try_wait().ok().flatten().is_none(),
        "server A stopped"
    );
    assert!(
        b.child.try_wait().ok().flatten().is_none(),
        "server B stopped"
    );
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn a_run_going_while_the_database_restarts_loses_nothing() {
    let _turn = turn();
    let url = common::pg_database("midrun");
    let (mut a, b) = pair("midrun", &url);
    // The 1,022 hosts of a /22 of the lab's AnyIP block (its network and broadcast addresses
    // are not probed) at 400 echoes a second: a result every 2.5 ms for about 2.6 s, so the
    // restart falls among the writes.
    let id = a.create(json!({
        "kind": "ping",
        "targets_text": "198.18.64.0/22",
        "options": {"count": 1, "rate": 400, "timeout": "1s"},
        "net": {"netns": "wsl-c"}
    }));
    let ws = b.ws_url();
    let rt = runtime();
    let restart = std::thread::spawn(|| {
        std::thread::sleep(Duration::from_millis(700));
        std::process::Command::new("bash")
            .arg(common::repo().join("lab/lab.sh"))
            .arg("pg-restart")
            .output()
            .unwrap_or_else(|e| panic!("{e}"))
    });
    let (seqs, status) = rt.block_on(common::follow(&ws, id, Duration::ZERO));
    let out = restart.join().unwrap_or_else(|_| panic!("restart"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The run waited for the database and went on: every result stored and seen once.
    assert_eq!(status["status"], "finished", "{status}");
    every_once(&seqs, 1022);
    let run = a.wait(id, 30);
    assert_eq!(run["done"].as_i64(), Some(1022), "{run}");
    let stored: i64 = common::pg_query(
        &url,
        &format!("SELECT COUNT(*) FROM results WHERE run_id = {id}"),
    )
    .parse()
    .unwrap_or(-1);
    assert_eq!(stored, 1022);
    assert!(
        a.child.try_wait().ok().flatten().is_none(),
        "server A stopped"
    );
}

/// The next JSON message of a terminal WebSocket (binary output skipped), within 10 s.
async fn next_event(
    ws: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
) -> serde_json::Value {
    use futures::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => {
                return serde_json::from_str(&t).unwrap_or_else(|e| panic!("{e}: {t}"));
            }
            Ok(Some(Ok(_))) => continue,
            other => panic!("the terminal socket ended: {other:?}"),
        }
    }
}

/// Polls `GET /api/ssh/terminals` on `server` until `done` holds of it (10 s at most).
fn terminals_until(server: &Server, what: &str, done: impl Fn(&serde_json::Value) -> bool) {
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, live) = server.json("GET", "/api/ssh/terminals", None);
        assert_eq!(status, 200, "{live}");
        if done(&live) {
            return;
        }
        assert!(Instant::now() < until, "{what}: the list reads {live}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn a_terminal_stays_on_its_server_and_is_listed_on_every_one() {
    use futures::SinkExt;
    let _turn = turn();
    let lab = common::lab();
    let var = |k: &str| common::var(lab, k).to_string();
    let url = common::pg_database("terminals");
    let (a, b) = pair("terminals", &url);
    let open = json!({"type": "open", "target": var("LAB_SSH_V4"), "user": var("LAB_SSH_PW_USER"),
        "password": var("LAB_SSH_PW_PASSWORD"), "netns": var("LAB_CLIENT_NS"), "cols": 100, "rows": 30});
    runtime().block_on(async {
        let (mut ws, _) =
            tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{}/api/ssh/terminal", a.port))
                .await
                .unwrap_or_else(|e| panic!("terminal ws on A: {e}"));
        ws.send(tokio_tungstenite::tungstenite::Message::Text(
            open.to_string().into(),
        ))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        let ready = loop {
            let e = next_event(&mut ws).await;
            match e["type"].as_str() {
                Some("ready") => break e,
                // the lab's sshd, first seen by this server: its key trusted as shown
                Some("host_key") => ws
                    .send(tokio_tungstenite::tungstenite::Message::Text(
                        json!({"type": "accept_host_key", "fingerprint": e["fingerprint"]})
                            .to_string()
                            .into(),
                    ))
                    .await
                    .unwrap_or_else(|err| panic!("{err}")),
                _ => panic!("the terminal did not open: {e}"),
            }
        };
        let id = ready["recording"].as_i64().unwrap_or(-1);
        // A lists it as its own; B lists it as A's, within a publication.
        let (_, on_a) = a.json("GET", "/api/ssh/terminals", None);
        let instance_a = on_a[0]["instance"].as_str().unwrap_or("").to_string();
        assert_eq!(
            (on_a[0]["recording"].as_i64(), on_a[0]["here"].as_bool()),
            (Some(id), Some(true)),
            "{on_a}"
        );
        assert!(!instance_a.is_empty(), "{on_a}");
        terminals_until(&b, "A's terminal listed on B", |live| {
            live.as_array().is_some_and(|l| l.len() == 1)
                && live[0]["recording"].as_i64() == Some(id)
                && live[0]["here"] == false
                && live[0]["instance"] == instance_a.as_str()
                && live[0]["cols"] == 100
                && live[0]["shared"] == false
        });
        // Shared on A: B sees it shared. B cannot watch it itself and says where it is.
        ws.send(tokio_tungstenite::tungstenite::Message::Text(
            json!({"type": "share", "shared": true}).to_string().into(),
        ))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        terminals_until(&b, "sharing seen on B", |live| live[0]["shared"] == true);
        let watch = format!("ws://127.0.0.1:{}/api/ssh/terminals/{id}/watch", b.port);
        match tokio_tungstenite::connect_async(watch).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(r)) => {
                assert_eq!(r.status(), 404);
                let body =
                    String::from_utf8_lossy(r.body().as_deref().unwrap_or_default()).to_string();
                assert!(
                    body.contains("another server") && body.contains(&instance_a),
                    "{body}"
                );
            }
            other => panic!(
                "B let a watcher of A's terminal in: {:?}",
                other.map(|_| ())
            ),
        }
        // Closed on A: gone from B's list too.
        ws.close(None).await.unwrap_or_else(|e| panic!("{e}"));
        drop(ws);
        terminals_until(&b, "A's closed terminal gone from B", |live| {
            live.as_array().is_some_and(|l| l.is_empty())
        });
    });
}
