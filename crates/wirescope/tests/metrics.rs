//! `GET /api/metrics` scraped by a real Prometheus server (Debian's `prometheus`, started here
//! on loopback with the access token in its scrape config) while `wirescope serve` runs a ping
//! suite into the lab, receives a trap from the lab's host and captures on the client's
//! interface; the series are read back through Prometheus's HTTP query API. Without the token
//! the route answers 401, as the API does. Needs root, the lab and prometheus; mandatory under
//! CI=true.

mod common;

use common::server::Server;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "metrics-test-token-0123456789abcdef";

fn lab(key: &str) -> String {
    common::var(common::lab(), key).to_string()
}

/// A GET on loopback `port`, HTTP/1.0 (no chunks): status and body.
fn get(port: u16, path: &str) -> (u16, String) {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return (0, String::new());
    };
    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let _ = s.write_all(format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").as_bytes());
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, body.to_string())
}

/// The value of a Prometheus instant query (the sum over its series), once it has one.
fn query(port: u16, promql: &str) -> Option<f64> {
    let q: String = form_urlencoded::byte_serialize(promql.as_bytes()).collect();
    let (status, body) = get(port, &format!("/api/v1/query?query={q}"));
    let v: Value = serde_json::from_str(&body).ok()?;
    if status != 200 || v["status"] != "success" {
        return None;
    }
    let series = v["data"]["result"].as_array()?;
    if series.is_empty() {
        return None;
    }
    Some(
        series
            .iter()
            .filter_map(|s| s["value"][1].as_str()?.parse::<f64>().ok())
            .sum(),
    )
}

/// Waits (at most `secs`) until `promql` has a value `ok` accepts.
fn wait_query(port: u16, promql: &str, secs: u64, ok: impl Fn(f64) -> bool) -> f64 {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let v = query(port, promql);
        if let Some(v) = v.filter(|v| ok(*v)) {
            return v;
        }
        assert!(Instant::now() < deadline, "{promql}: {v:?} after {secs} s");
        std::thread::sleep(Duration::from_millis(300));
    }
}

struct Prometheus(Child);

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn prometheus_scrapes_runs_suites_traps_captures_and_health() {
    common::lab();
    let dir = std::env::temp_dir().join(format!("wirescope-metrics-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let trap_port = free_port();
    let listen = format!("{}:{trap_port}", lab("LAB_CLIENT_V4"));
    let client_ns = lab("LAB_CLIENT_NS");
    let server = Server::start(
        "metrics",
        &[
            "--token",
            TOKEN,
            "--traps",
            &listen,
            "--trap-netns",
            &client_ns,
            "--trap-community",
            "wsl-metrics",
        ],
    );

    // Protected like the API.
    let (status, _) = get(server.port, "/api/metrics");
    assert_eq!(status, 401);
    let (status, text) = server.request("GET", "/api/metrics", None, &[]);
    assert_eq!(status, 200, "{text}");
    assert!(
        text.contains("# TYPE wirescope_http_requests counter"),
        "{text}"
    );
    assert!(text.ends_with("# EOF\n"), "OpenMetrics ends so: {text}");

    // Prometheus scrapes it every second with the token.
    let prom_port = free_port();
    let config = dir.join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: wirescope\n    metrics_path: /api/metrics\n    authorization:\n      type: Bearer\n      credentials: {TOKEN}\n    static_configs:\n      - targets: ['127.0.0.1:{}']\n",
            server.port
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let log = std::fs::File::create(dir.join("prometheus.log")).unwrap_or_else(|e| panic!("{e}"));
    let _prometheus = Prometheus(
        Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("tsdb").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{prom_port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .spawn()
            .unwrap_or_else(|e| panic!("prometheus (apt install prometheus): {e}")),
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while get(prom_port, "/-/ready").0 != 200 {
        assert!(Instant::now() < deadline, "prometheus did not get ready");
        std::thread::sleep(Duration::from_millis(200));
    }
    wait_query(prom_port, r#"up{job="wirescope"}"#, 30, |v| v == 1.0);

    // A live capture on the client's interface sees the suite's pings.
    let (status, cap) = server.json(
        "POST",
        "/api/captures",
        Some(json!({"interfaces": [lab("LAB_CLIENT_IF")], "netns": client_ns, "immediate": true})),
    );
    assert_eq!(status, 201, "{cap}");
    let capture = cap["id"].as_i64().unwrap_or_else(|| panic!("{cap}"));

    // A ping suite, run now: three echoes to the lab's host.
    let host = lab("LAB_HOST_V4");
    let (status, created) = server.json(
        "POST",
        "/api/suites",
        Some(json!({
            "name": "edge",
            "runs": [{"kind": "ping", "targets": host, "options": {"count": 3, "interval": "100ms"},
                      "net": {"netns": client_ns}}],
        })),
    );
    assert_eq!(status, 201, "{created}");
    let suite = created["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{created}"));
    let (status, fired) = server.json("POST", &format!("/api/suites/{suite}/run"), None);
    assert_eq!(status, 201, "{fired}");

    // A trap from the lab's host.
    let out = Command::new("ip")
        .args(["netns", "exec", &lab("LAB_HOST_NS"), "env", "MIBS="])
        .arg(format!(
            "SNMP_PERSISTENT_DIR={}",
            dir.join("snmp").display()
        ))
        .args([
            "snmptrap",
            "-v2c",
            "-c",
            "wsl-metrics",
            &listen,
            "",
            "1.3.6.1.6.3.1.1.5.3",
        ])
        .output()
        .unwrap_or_else(|e| panic!("snmptrap: {e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let series = format!(r#"suite="edge",target="{host}""#);
    wait_query(
        prom_port,
        r#"wirescope_runs_total{kind="ping",status="finished"}"#,
        60,
        |v| v >= 1.0,
    );
    wait_query(
        prom_port,
        r#"wirescope_results_total{kind="ping",status="ok"}"#,
        30,
        |v| v >= 1.0,
    );
    let echoes = wait_query(
        prom_port,
        &format!("wirescope_probe_rtt_seconds_count{{{series}}}"),
        30,
        |v| v >= 3.0,
    );
    assert_eq!(echoes, 3.0, "three echoes, three round trips");
    let slowest_bucket = wait_query(
        prom_port,
        &format!(r#"wirescope_probe_rtt_seconds_bucket{{{series},le="+Inf"}}"#),
        10,
        |v| v >= 3.0,
    );
    assert_eq!(slowest_bucket, 3.0);
    let median = wait_query(
        prom_port,
        &format!("histogram_quantile(0.5, wirescope_probe_rtt_seconds_bucket{{{series}}})"),
        10,
        |v| v > 0.0,
    );
    assert!(
        median < 1.0,
        "a lab round trip is well under a second: {median}"
    );
    let loss = wait_query(
        prom_port,
        &format!("wirescope_probe_loss_ratio{{{series}}}"),
        10,
        |v| v >= 0.0,
    );
    assert_eq!(loss, 0.0);
    wait_query(prom_port, "wirescope_traps_received_total", 30, |v| {
        v >= 1.0
    });
    wait_query(
        prom_port,
        &format!(
            r#"wirescope_capture_packets_total{{interface="{}",protocol="icmp"}}"#,
            lab("LAB_CLIENT_IF")
        ),
        30,
        |v| v >= 6.0,
    );
    wait_query(
        prom_port,
        r#"wirescope_capture_bytes_total{protocol="eth"}"#,
        10,
        |v| v > 0.0,
    );
    wait_query(
        prom_port,
        r#"wirescope_http_requests_total{method="GET",code="2xx"}"#,
        10,
        |v| v >= 3.0,
    );
    wait_query(prom_port, "wirescope_store_bytes", 10, |v| v > 0.0);

    // The server's machine: its memory as /proc/meminfo says, loopback's traffic.
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let total_kib: f64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    let total = wait_query(
        prom_port,
        r#"wirescope_host_memory_bytes{state="total"}"#,
        20,
        |v| v > 0.0,
    );
    assert_eq!(total, total_kib * 1024.0);
    wait_query(
        prom_port,
        r#"wirescope_host_network_bytes_total{interface="lo",direction="rx"}"#,
        20,
        |v| v > 0.0,
    );
    wait_query(prom_port, "wirescope_host_cpu_ratio", 20, |v| {
        (0.0..=1.0).contains(&v)
    });
    let (status, host) = server.json("GET", "/api/host", None);
    assert_eq!(status, 200, "{host}");
    assert!(
        host["samples"].as_array().is_some_and(|s| !s.is_empty()),
        "{host}"
    );
    assert_eq!(host["every_s"], 10, "{host}");
    wait_query(prom_port, "wirescope_websocket_clients", 10, |v| v == 0.0);

    // A made-up method makes no series of its own.
    let answer = server.raw(&format!(
        "BREW /api/metrics HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
        server.port
    ));
    assert!(answer.starts_with("HTTP/1.1 "), "{answer}");
    wait_query(
        prom_port,
        r#"wirescope_http_requests_total{method="other"}"#,
        10,
        |v| v >= 1.0,
    );
    assert_eq!(
        query(prom_port, r#"wirescope_http_requests_total{method="BREW"}"#),
        None
    );

    let _ = server.json("POST", &format!("/api/captures/{capture}/stop"), None);
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
