//! Helpers shared by the integration test files: the lab's addresses from lab/lab.env (a test
//! that needs them fails when the lab is down, and is marked ignored so a plain `cargo test`
//! says so), running the binary inside a lab namespace, NDJSON parsing.
#![allow(dead_code)] // each test file uses its own subset

pub mod server;

/// An Ethernet frame of `size` bytes: UDP from 198.18.0.1:40000 to 198.18.0.2:53, its payload
/// 0xab.
pub fn udp_frame(size: usize) -> Vec<u8> {
    let mut frame = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00];
    let ip_len = (size - 14) as u16;
    frame.extend_from_slice(&[0x45, 0]);
    frame.extend_from_slice(&ip_len.to_be_bytes());
    frame.extend_from_slice(&[0, 1, 0, 0, 64, 17, 0, 0, 198, 18, 0, 1, 198, 18, 0, 2]);
    frame.extend_from_slice(&[0x9c, 0x40, 0, 53]);
    frame.extend_from_slice(&(ip_len - 20).to_be_bytes());
    frame.extend_from_slice(&[0, 0]);
    frame.resize(size, 0xab);
    frame
}

use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The lab's addresses (lab/lab.env). Tests that call this are marked
/// `#[ignore = "needs the lab: ..."]`, so a plain `cargo test` reports them as ignored; run with
/// `-- --include-ignored` (as scripts/test.sh does) once the lab is up. A missing lab then fails
/// the test with what to do, never a silent pass.
pub fn lab() -> &'static HashMap<String, String> {
    static LAB: OnceLock<Result<HashMap<String, String>, String>> = OnceLock::new();
    let lab = LAB.get_or_init(|| {
        let up = Command::new("bash")
            .arg(repo().join("lab/lab.sh"))
            .arg("status")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !up {
            return Err(
                "the lab is not up: as root run `bash lab/lab.sh up`, then the lab tests with \
                 `cargo test -- --include-ignored` (scripts/test.sh does both)"
                    .into(),
            );
        }
        let text = std::fs::read_to_string(repo().join("lab/lab.env")).unwrap_or_default();
        Ok(text
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect())
    });
    match lab {
        Ok(l) => l,
        Err(e) => panic!("{e}"),
    }
}

/// A new, empty database on the lab's PostgreSQL (dropped first if a run before left it); its
/// URL, for `--db`.
pub fn pg_database(name: &str) -> String {
    let lab = lab();
    let socket = var(lab, "LAB_PG_SOCKET_DIR");
    let user = var(lab, "LAB_PG_USER");
    let db = format!("wsdb_{}_{name}", std::process::id());
    for sql in [
        format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
        format!("CREATE DATABASE {db}"),
    ] {
        let out = Command::new("runuser")
            .args(["-u", user, "--", "psql", "-h", socket, "-qc", &sql])
            .output()
            .unwrap_or_else(|e| panic!("psql: {e}"));
        assert!(
            out.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    format!("postgres://{user}@/{db}?host={socket}")
}

/// One value a query on a lab PostgreSQL database answers (psql, unaligned, tuples only).
pub fn pg_query(url: &str, sql: &str) -> String {
    let lab = lab();
    let user = var(lab, "LAB_PG_USER");
    let out = Command::new("runuser")
        .args(["-u", user, "--", "psql", "-qAtX", "-d", url, "-c", sql])
        .output()
        .unwrap_or_else(|e| panic!("psql: {e}"));
    assert!(
        out.status.success(),
        "{sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

pub fn var<'a>(lab: &'a HashMap<String, String>, key: &str) -> &'a str {
    lab.get(key)
        .map(String::as_str)
        .unwrap_or_else(|| panic!("lab.env has no {key}"))
}

/// Runs wirescope inside a lab namespace (as `ip netns exec NS wirescope ...`).
pub fn run_in(ns: &str, args: &[&str]) -> Output {
    Command::new("ip")
        .args(["netns", "exec", ns, env!("CARGO_BIN_EXE_wirescope")])
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run wirescope in {ns}: {e}"))
}

pub fn client(lab: &HashMap<String, String>, args: &[&str]) -> Output {
    run_in(var(lab, "LAB_CLIENT_NS"), args)
}

/// Parses NDJSON output into (results, summary), checking that the last line is the summary.
pub fn ndjson(out: &Output) -> (Vec<Value>, Value) {
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect();
    let summary = lines.pop().unwrap_or_else(|| {
        panic!(
            "no output; stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(summary["kind"], "summary", "the last line is the summary");
    (lines, summary)
}

pub fn by_target(results: &[Value]) -> HashMap<String, Value> {
    results
        .iter()
        .map(|r| {
            (
                r["target"].as_str().unwrap_or_default().to_string(),
                r.clone(),
            )
        })
        .collect()
}

pub fn ok(out: &Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs the binary as user nobody inside a lab namespace.
pub fn as_nobody(ns: &str, args: &[&str]) -> Output {
    Command::new("ip")
        .args([
            "netns",
            "exec",
            ns,
            "setpriv",
            "--reuid=nobody",
            "--regid=nogroup",
            "--clear-groups",
            "--",
        ])
        .arg(env!("CARGO_BIN_EXE_wirescope"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The text of a PDF as poppler's `pdftotext -layout` reads it.
#[allow(dead_code)]
pub fn pdftotext(pdf: &std::path::Path) -> String {
    let o = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap_or_else(|e| panic!("pdftotext (poppler-utils): {e}"));
    assert!(
        o.status.success(),
        "pdftotext could not read {}: {}",
        pdf.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).to_string()
}

/// Output of `tshark -r FILE [-Y FILTER]`: its frame count.
pub fn tshark_count(file: &std::path::Path, filter: Option<&str>) -> usize {
    let mut cmd = Command::new("tshark");
    cmd.arg("-n").arg("-r").arg(file);
    if let Some(f) = filter {
        cmd.args(["-Y", f]);
    }
    let o = cmd.output().unwrap_or_else(|e| panic!("tshark: {e}"));
    assert!(
        o.status.success(),
        "tshark could not read {}: {}",
        file.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).lines().count()
}

/// `python3 -m zipfile -e ZIP DIR`, then `sha256sum -c SHA256SUMS` in DIR: what it said.
pub fn unzip_and_verify(zip: &std::path::Path, out: &std::path::Path) -> String {
    let unzip = Command::new("python3")
        .args(["-m", "zipfile", "-e"])
        .arg(zip)
        .arg(out)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        unzip.status.success(),
        "{}",
        String::from_utf8_lossy(&unzip.stderr)
    );
    let check = Command::new("sha256sum")
        .args(["-c", "SHA256SUMS"])
        .current_dir(out)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let said = String::from_utf8_lossy(&check.stdout).to_string();
    assert!(check.status.success(), "{said}");
    said
}

/// The SHA-256 of a file, as `sha256sum` prints it.
pub fn sha256_file(path: &std::path::Path) -> String {
    let o = Command::new("sha256sum")
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    String::from_utf8_lossy(&o.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}

/// Every result's seq of `run`, in order of arrival, and its final status, as the WebSocket at
/// `url` tells a subscriber that comes `delay` after now (90 s at most).
pub async fn follow(url: &str, run: i64, delay: std::time::Duration) -> (Vec<i64>, Value) {
    use futures::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    tokio::time::sleep(delay).await;
    let (mut ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .unwrap_or_else(|e| panic!("ws: {e}"));
    ws.send(Message::Text(
        serde_json::json!({"type": "subscribe", "run": run})
            .to_string()
            .into(),
    ))
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let mut seqs = Vec::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(90);
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next())
            .await
            .unwrap_or_else(|_| panic!("no final status within 90 s; {} results", seqs.len()));
        let Some(Ok(Message::Text(text))) = msg else {
            continue;
        };
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        match v["type"].as_str() {
            Some("result") => seqs.push(v["seq"].as_i64().unwrap_or(-1)),
            Some("status")
                if !["queued", "running"].contains(&v["status"].as_str().unwrap_or("")) =>
            {
                return (seqs, v);
            }
            _ => {}
        }
    }
}
