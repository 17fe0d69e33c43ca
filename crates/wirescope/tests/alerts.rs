//! Alerts against a real `wirescope serve` watching the lab, delivered to the lab's real sinks
//! (an HTTP webhook receiver and an aiosmtpd mailbox on loopback): a listener stopped raises
//! "port closed" and its restart a recovery, each reaching the webhook (signed) and the mailbox
//! exactly once, also across a server restart, a flaky webhook getting it on a retry; latency
//! added by the lab's delay line raises "latency up" and its removal a recovery; a route
//! change in the router chain raises "path changed" while an ECMP pair seen over eight flows
//! raises nothing; a changed file behind an SSH config backup raises "output changed" with the
//! diff, lines matching the ignore patterns left out; a maintenance window and a parent down
//! silence. Bad channels and rules name their field. Needs root and the lab.

mod common;

use common::server::Server;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn lab(key: &str) -> String {
    common::var(common::lab(), key).to_string()
}

/// Polls `f` until it gives a value, for at most `secs`; panics with `what` otherwise.
fn wait_for<T>(secs: u64, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "waited {secs} s for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The webhook sink's records whose path contains `tag`.
fn hooks(tag: &str) -> Vec<Value> {
    let path = format!("{}/webhook.jsonl", lab("LAB_SINK_DIR"));
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|r| r["path"].as_str().is_some_and(|p| p.contains(tag)))
        .collect()
}

/// The mailbox's messages that contain `needle`.
fn mails(needle: &str) -> Vec<String> {
    let dir = std::path::PathBuf::from(lab("LAB_SINK_DIR")).join("mailbox");
    ["new", "cur"]
        .iter()
        .filter_map(|d| std::fs::read_dir(dir.join(d)).ok())
        .flatten()
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .filter(|m| m.contains(needle))
        .collect()
}

fn events(server: &Server, suite: i64) -> Vec<Value> {
    let (status, list) = server.json("GET", &format!("/api/alerts?suite={suite}&limit=500"), None);
    assert_eq!(status, 200, "{list}");
    list["events"].as_array().cloned().unwrap_or_default()
}

/// Waits for an event of `preset` and `kind` in the suite.
fn wait_event(server: &Server, suite: i64, preset: &str, kind: &str, secs: u64) -> Value {
    wait_for(secs, &format!("a {kind} {preset} event"), || {
        events(server, suite)
            .into_iter()
            .find(|e| e["preset"] == preset && e["kind"] == kind)
    })
}

/// Waits until every delivery of the event is sent (or one failed: then panics).
fn wait_delivered(server: &Server, id: i64, secs: u64) -> Value {
    wait_for(secs, &format!("event {id} delivered"), || {
        let (_, e) = server.json("GET", &format!("/api/alerts/{id}"), None);
        let d = e["deliveries"].as_array()?;
        assert!(
            d.iter().all(|x| x["status"] != "failed"),
            "a delivery failed: {e}"
        );
        (!d.is_empty() && d.iter().all(|x| x["status"] == "sent")).then_some(e)
    })
}

fn create_suite(server: &Server, body: Value) -> i64 {
    let (status, created) = server.json("POST", "/api/suites", Some(body));
    assert_eq!(status, 201, "{created}");
    created["id"].as_i64().unwrap_or(-1)
}

fn samples(server: &Server, suite: i64) -> i64 {
    let (_, s) = server.json("GET", &format!("/api/suites/{suite}/series"), None);
    s["series"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x["samples"].as_i64()).sum())
        .unwrap_or(0)
}

const SECRETS: [(&str, &str); 2] = [
    ("WIRESCOPE_SECRET_STORE", "file"),
    ("WIRESCOPE_SECRETS_PASSPHRASE", "alerts test passphrase"),
];

/// A TCP listener of the test's own in a lab namespace; stopped when dropped.
struct Listener(Child);

impl Listener {
    fn start(ns: &str, addr: &str, port: u16) -> Listener {
        let code = format!(
            "import socket,time\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ns.bind(('{addr}',{port}))\ns.listen(16)\nprint('up',flush=True)\nwhile True:\n    c,_=s.accept(); c.close()"
        );
        let mut child = Command::new("ip")
            .args(["netns", "exec", ns, "python3", "-c", &code])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("start a listener: {e}"));
        let mut line = String::new();
        let out = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        std::io::BufRead::read_line(&mut std::io::BufReader::new(out), &mut line)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(line.trim(), "up");
        Listener(child)
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn verify_signature(record: &Value, secret: &str) {
    let ts = record["headers"]["x-wirescope-timestamp"]
        .as_str()
        .unwrap_or_else(|| panic!("no timestamp header: {record}"));
    let raw = record["raw"].as_str().unwrap_or_default();
    let mut mac =
        Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    mac.update(format!("{ts}.{raw}").as_bytes());
    let want = format!(
        "sha256={}",
        data_encoding::HEXLOWER.encode(&mac.finalize().into_bytes())
    );
    assert_eq!(
        record["headers"]["x-wirescope-signature"].as_str(),
        Some(want.as_str()),
        "{record}"
    );
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn a_closed_port_reaches_the_webhook_and_the_mailbox_once_and_its_recovery_too() {
    common::lab();
    let tag = format!("ports-{}", std::process::id());
    let mut server = Server::start_env("alerts-ports", &["--notify-retry", "1s"], &SECRETS);
    let hook_port = lab("LAB_WEBHOOK_PORT");
    let smtp_port: u16 = lab("LAB_SMTP_SINK_PORT").parse().unwrap_or(0);

    // Bad channels name their field.
    for (name, body, field) in [
        (
            "x",
            json!({"type": "webhook", "url": "ftp://127.0.0.1/x"}),
            "url",
        ),
        ("x", json!({"type": "webhook"}), "url"),
        (
            "x",
            json!({"type": "email", "server": "127.0.0.1", "security": "none", "user": "u", "from": "a@lab.test", "to": ["b@lab.test"]}),
            "user",
        ),
        (
            "x",
            json!({"type": "email", "server": "127.0.0.1", "from": "a@lab.test", "to": ["not an address"]}),
            "to[0]",
        ),
        (
            "bad%20name",
            json!({"type": "webhook", "url": "http://127.0.0.1/"}),
            "name",
        ),
    ] {
        let (status, e) = server.json("PUT", &format!("/api/channels/{name}"), Some(body.clone()));
        assert_eq!(
            (status, e["field"].as_str()),
            (400, Some(field)),
            "{body}: {e}"
        );
    }
    let hook_url = format!("http://127.0.0.1:{hook_port}/ok/{tag}");
    let (status, hook) = server.json(
        "PUT",
        "/api/channels/hook",
        Some(json!({"type": "webhook", "url": hook_url, "secret": "s3cret"})),
    );
    assert_eq!(status, 201, "{hook}");
    assert_eq!(hook["shown"], format!("http://127.0.0.1:{hook_port}/…"));
    assert_eq!(hook["signed"], true);
    for (name, body) in [
        (
            "mail",
            json!({"type": "email", "server": "127.0.0.1", "port": smtp_port, "security": "none",
                   "from": "wirescope <ws@lab.test>", "to": ["noc@lab.test"]}),
        ),
        (
            "flaky",
            json!({"type": "webhook", "url": format!("http://127.0.0.1:{hook_port}/flaky/2/{tag}"), "format": "slack"}),
        ),
        (
            "deadmail",
            json!({"type": "email", "server": "127.0.0.1", "port": smtp_port + 1, "security": "none",
                   "from": "ws@lab.test", "to": ["noc@lab.test"]}),
        ),
    ] {
        let (status, c) = server.json("PUT", &format!("/api/channels/{name}"), Some(body));
        assert_eq!(status, 201, "{c}");
    }
    let (status, listed) = server.json("GET", "/api/channels", None);
    assert_eq!(status, 200);
    let text = listed.to_string();
    assert!(
        !text.contains("s3cret") && !text.contains(&tag),
        "no secret or URL path in the listing: {text}"
    );
    // A test notice reaches a live destination; a refusing one answers 502 saying so.
    let (status, sent) = server.json("POST", "/api/channels/hook/test", None);
    assert_eq!(status, 200, "{sent}");
    let (status, e) = server.json("POST", "/api/channels/deadmail/test", None);
    assert_eq!(status, 502, "{e}");
    assert!(
        e["error"]
            .as_str()
            .is_some_and(|m| m.contains("deadmail") && m.contains("refused")),
        "{e}"
    );

    // A suite scanning a listener of this test's own.
    let port: u16 = 47_000 + (std::process::id() % 1000) as u16;
    let host = lab("LAB_HOST_V4");
    let listener = Listener::start(&lab("LAB_HOST_NS"), &host, port);
    let suite = |notify: Value| {
        json!({
            "name": tag,
            "schedule": {"cron": "*/2 * * * * *", "timezone": "UTC"},
            "runs": [{"kind": "scan", "targets": host, "options": {"ports": port.to_string(), "timeout": "500ms"}, "net": {"netns": "wsl-c"}}],
            "alerts": [{"preset": "port_closed", "notify": notify}],
        })
    };
    let (status, e) = server.json("POST", "/api/suites", Some(suite(json!(["hook", "nope"]))));
    assert_eq!(
        (status, e["field"].as_str()),
        (400, Some("alerts[0].notify[1]")),
        "{e}"
    );
    let id = create_suite(&server, suite(json!(["hook", "mail", "flaky"])));
    // Two scheduled runs see the port open.
    std::thread::sleep(Duration::from_secs(5));
    assert!(events(&server, id).is_empty(), "{:?}", events(&server, id));
    drop(listener);
    let fired = wait_event(&server, id, "port_closed", "firing", 20);
    assert_eq!(fired["target"], host);
    assert_eq!(fired["evidence"]["closed"], json!([port]));
    let fired = wait_delivered(&server, fired["id"].as_i64().unwrap_or(-1), 30);
    let flaky = fired["deliveries"]
        .as_array()
        .and_then(|d| d.iter().find(|x| x["channel"] == "flaky"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(flaky["attempts"], 3, "503, 503, then 200: {fired}");
    let listener = Listener::start(&lab("LAB_HOST_NS"), &host, port);
    let resolved = wait_event(&server, id, "port_closed", "resolved", 20);
    wait_delivered(&server, resolved["id"].as_i64().unwrap_or(-1), 30);

    // The firing's PDF: what, the evidence, who was told, the timeline, the run.
    let fid = fired["id"].as_i64().unwrap_or(-1);
    let pdf = server.dir.join("alert.pdf");
    let (code, head) = server.download(&format!("/api/alerts/{fid}/report"), &pdf);
    assert_eq!(code, 200, "{head}");
    let text = common::pdftotext(&pdf);
    for words in [
        host.as_str(),
        "port_closed",
        "firing (this one)",
        "resolved",
        "Timeline of",
        "flaky: sent",
        "What the rule saw",
    ] {
        assert!(
            text.contains(words),
            "{words} is missing from the alert's report:\n{text}"
        );
    }
    assert!(
        text.contains(&format!("Run {} ", fired["run_id"])),
        "the run that raised it:\n{text}"
    );
    let (code, _) = server.download("/api/alerts/999999/report", &server.dir.join("none.json"));
    assert_eq!(code, 404);

    // A restart re-sends nothing and raises nothing twice.
    let dir = std::mem::take(&mut server.dir);
    let _ = server.child.kill();
    let _ = server.child.wait();
    drop(server);
    let vars: Vec<(&str, String)> = [
        ("XDG_CONFIG_HOME", dir.join("config").display().to_string()),
        ("XDG_DATA_HOME", dir.join("data").display().to_string()),
    ]
    .into_iter()
    .chain(SECRETS.iter().map(|(k, v)| (*k, v.to_string())))
    .collect();
    let server = Server::spawn(dir, &["--notify-retry", "1s"], &vars, Stdio::inherit());
    std::thread::sleep(Duration::from_secs(5));
    let all = events(&server, id);
    assert_eq!(all.len(), 2, "one firing, one recovery: {all:#?}");
    for e in &all {
        let eid = e["id"].as_i64().unwrap_or(-1);
        let got: Vec<Value> = hooks(&format!("/ok/{tag}"))
            .into_iter()
            .filter(|r| r["body"]["event"]["id"] == eid)
            .collect();
        assert_eq!(
            got.len(),
            1,
            "event {eid} reached the webhook once: {got:#?}"
        );
        verify_signature(&got[0], "s3cret");
        assert_eq!(got[0]["body"]["version"], 1);
        assert_eq!(got[0]["body"]["event"]["suite"], tag);
        let kind = e["kind"].as_str().unwrap_or_default().to_uppercase();
        let m = mails(&format!("[wirescope] {kind} "))
            .into_iter()
            .filter(|m| m.contains(&tag))
            .count();
        assert_eq!(m, 1, "event {eid} ({kind}) reached the mailbox once");
    }
    let flaky = hooks(&format!("/flaky/2/{tag}"));
    assert_eq!(
        flaky
            .iter()
            .map(|r| r["status"].as_i64().unwrap_or(0))
            .collect::<Vec<_>>(),
        [503, 503, 200, 200],
        "the firing retried twice, the recovery went through at once"
    );
    assert!(
        flaky[2]["body"]["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("*[FIRING] port closed"))
    );
    // Read, then unread no more.
    let (_, list) = server.json("GET", "/api/alerts", None);
    assert!(list["unread"].as_i64() >= Some(2), "{list}");
    let newest = list["events"][0]["id"].as_i64().unwrap_or(0);
    let (status, read) = server.json("POST", "/api/alerts/read", Some(json!({"up_to": newest})));
    assert_eq!((status, read["unread"].as_i64()), (200, Some(0)), "{read}");
    let (status, e) = server.json(
        "POST",
        "/api/alerts/read",
        Some(json!({"up_to": newest + 1})),
    );
    assert_eq!((status, e["field"].as_str()), (400, Some("up_to")), "{e}");
    drop(listener);
}

/// The delay line's latency for the slow host; put back to none when dropped.
struct Delay;

impl Delay {
    fn set(ms: u32) {
        std::fs::write(lab("LAB_DELAY_FILE"), ms.to_string()).unwrap_or_else(|e| panic!("{e}"));
    }
}

impl Drop for Delay {
    fn drop(&mut self) {
        Delay::set(0);
    }
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn latency_added_on_a_link_raises_latency_up_and_its_removal_a_recovery() {
    common::lab();
    let tag = format!("latency-{}", std::process::id());
    let server = Server::start_env("alerts-latency", &[], &SECRETS);
    let (status, c) = server.json(
        "PUT",
        "/api/channels/hook",
        Some(json!({"type": "webhook", "url": format!("http://127.0.0.1:{}/ok/{tag}", lab("LAB_WEBHOOK_PORT"))})),
    );
    assert_eq!(status, 201, "{c}");
    let slow = lab("LAB_SLOW_V4");
    let (dead, dead_child) = ("198.18.128.1", "198.18.128.2");
    let delay = Delay;
    Delay::set(0);
    let id = create_suite(
        &server,
        json!({
            "name": tag,
            "schedule": {"cron": "* * * * * *", "timezone": "UTC"},
            "runs": [{"kind": "ping", "targets": format!("{slow} {dead} {dead_child}"),
                      "options": {"count": 3, "interval": "100ms", "timeout": "600ms"}, "net": {"netns": "wsl-c"}}],
            "alerts": [
                {"preset": "latency_up", "baseline": "1m", "over_ms": 20, "over_pct": 50, "targets": [slow], "notify": ["hook"]},
                {"preset": "down", "targets": [dead, dead_child], "notify": ["hook"]},
            ],
            "parents": {dead_child: dead},
        }),
    );
    wait_for(30, "four latency samples", || {
        (samples(&server, id) >= 12).then_some(())
    });
    Delay::set(40);
    let up = wait_event(&server, id, "latency_up", "firing", 20);
    let (base, now) = (
        up["evidence"]["baseline_ms"].as_f64().unwrap_or(f64::NAN),
        up["evidence"]["median_ms"].as_f64().unwrap_or(f64::NAN),
    );
    // The delay may have come in the middle of a run: its median is over the thresholds.
    assert!(
        base < 5.0 && now >= base + 20.0 && now >= base * 1.5,
        "{up}"
    );
    assert!(
        up["evidence"]["recent"]
            .as_array()
            .is_some_and(|r| r.len() >= 3),
        "{up}"
    );
    drop(delay);
    let down = wait_event(&server, id, "latency_up", "resolved", 20);

    // The slow host's trend as a PDF: the chart, the firing and recovery, every sample.
    let (_, series) = server.json("GET", &format!("/api/suites/{id}/series"), None);
    let sid = series["series"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["target"] == slow.as_str()))
        .and_then(|x| x["id"].as_i64())
        .unwrap_or(-1);
    let pdf = server.dir.join("trend.pdf");
    let (code, head) = server.download(
        &format!("/api/suites/{id}/trend/report?series={sid}&range=3h"),
        &pdf,
    );
    assert_eq!(code, 200, "{head}");
    let text = common::pdftotext(&pdf);
    for words in [
        slow.as_str(),
        "Latency trend",
        "latency_up",
        "firing",
        "resolved",
        "Buckets",
        "Typical (median)",
    ] {
        assert!(
            text.contains(words),
            "{words} is missing from the trend report:\n{text}"
        );
    }
    let (code, _) = server.download(
        &format!("/api/suites/{id}/trend/report?series=999999"),
        &server.dir.join("e.json"),
    );
    assert_eq!(code, 404);
    for e in [&up, &down] {
        wait_delivered(&server, e["id"].as_i64().unwrap_or(-1), 20);
        let got = hooks(&format!("/ok/{tag}"))
            .into_iter()
            .filter(|r| r["body"]["event"]["id"] == e["id"])
            .count();
        assert_eq!(got, 1, "{e}");
    }
    // The dead parent's alert went out; its child's was kept, silenced.
    let all = events(&server, id);
    let of = |t: &str| -> Vec<&Value> {
        all.iter()
            .filter(|e| e["preset"] == "down" && e["target"] == t)
            .collect()
    };
    assert_eq!(of(dead).len(), 1, "{all:#?}");
    assert_eq!(of(dead)[0]["silenced"], Value::Null);
    assert_eq!(of(dead_child).len(), 1, "{all:#?}");
    assert_eq!(of(dead_child)[0]["silenced"], format!("parent {dead} down"));
    assert_eq!(of(dead_child)[0]["deliveries"], json!([]));

    // A maintenance window always open keeps its alerts untold.
    let quiet = create_suite(
        &server,
        json!({
            "name": format!("{tag}-quiet"),
            "schedule": {"cron": "* * * * * *", "timezone": "UTC"},
            "runs": [{"kind": "ping", "targets": dead, "options": {"count": 1, "timeout": "300ms"}, "net": {"netns": "wsl-c"}}],
            "alerts": [{"preset": "down", "notify": ["hook"]}],
            "maintenance": [{"cron": "* * * * *", "duration": "1h", "timezone": "UTC"}],
        }),
    );
    let silenced = wait_event(&server, quiet, "down", "firing", 20);
    assert_eq!(
        (silenced["silenced"].as_str(), &silenced["deliveries"]),
        (Some("maintenance"), &json!([])),
        "{silenced}"
    );
}

/// An alert event, as the API gives it.
fn event(server: &Server, id: i64) -> Value {
    let (status, e) = server.json("GET", &format!("/api/alerts/{id}"), None);
    assert_eq!(status, 200, "{e}");
    e
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn a_firing_alert_collects_a_trace_dns_fresh_counters_and_the_capture_into_a_bundle() {
    common::lab();
    let tag = format!("diag-{}", std::process::id());
    let server = Server::start_env(
        "alerts-diagnostics",
        &["--diagnostics-capture", "30s"],
        &SECRETS,
    );
    let (ns, host, name) = (
        lab("LAB_CLIENT_NS"),
        lab("LAB_HOST_V4"),
        lab("LAB_HOST_NAME"),
    );
    // The server learns the host's SNMP agent from a walk made with a credential profile.
    let (status, saved) = server.json(
        "PUT",
        "/api/creds/lab-snmp",
        Some(json!({"version": "2c", "community": lab("LAB_SNMP_COMMUNITY")})),
    );
    assert_eq!(status, 200, "{saved}");
    let walk = server.create(json!({"kind": "snmp", "targets_text": host,
        "options": {"op": "interfaces", "profiles": ["lab-snmp"]}, "net": {"netns": ns}}));
    assert_eq!(server.wait(walk, 30)["status"], "finished");
    let (status, cap) = server.json(
        "POST",
        "/api/captures",
        Some(json!({"interfaces": [lab("LAB_CLIENT_IF")], "netns": ns, "immediate": true})),
    );
    assert_eq!(status, 201, "{cap}");

    // A suite scanning a listener of the test's own, and asking the lab's DNS for the host.
    let port: u16 = 46_000 + (std::process::id() % 1000) as u16;
    let listener = Listener::start(&lab("LAB_HOST_NS"), &host, port);
    let id = create_suite(
        &server,
        json!({
            "name": tag,
            "schedule": {"cron": "*/2 * * * * *", "timezone": "UTC"},
            "runs": [
                {"kind": "scan", "targets": host, "options": {"ports": port.to_string(), "timeout": "500ms"}, "net": {"netns": ns}},
                {"kind": "dns", "targets": name, "options": {"server": lab("LAB_DNS_V4")}, "net": {"netns": ns}},
            ],
            "alerts": [{"preset": "port_closed"}],
        }),
    );
    std::thread::sleep(Duration::from_secs(3));
    drop(listener);
    let fired = wait_event(&server, id, "port_closed", "firing", 20);
    let fid = fired["id"].as_i64().unwrap_or(-1);
    let diagnostics = wait_for(150, "the diagnostics to be ready", || {
        let d = event(&server, fid)["diagnostics"].clone();
        assert!(
            d.is_null() || d["status"] == "collecting" || d["status"] == "ready",
            "{d}"
        );
        (d["status"] == "ready").then_some(d)
    });
    let runs: Vec<i64> = diagnostics["runs"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default();
    let kinds: Vec<String> = runs
        .iter()
        .map(|r| {
            let (status, info) = server.json("GET", &format!("/api/runs/{r}"), None);
            assert_eq!(status, 200, "{info}");
            assert_eq!(info["source"], "alert", "{info}");
            assert_eq!(
                info["net"]["netns"],
                ns.as_str(),
                "run where the suite runs: {info}"
            );
            info["kind"].as_str().unwrap_or_default().to_string()
        })
        .collect();
    assert_eq!(kinds, ["trace", "dns", "snmp"], "{diagnostics}");
    let note = diagnostics["note"].as_str().unwrap_or_default();
    assert!(!note.contains("no capture"), "{note}");

    // The bundle: hashes verify; each run's data; fresh counters; the capture's last 30 s.
    let d = std::env::temp_dir().join(format!("wirescope-{tag}"));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap_or_else(|e| panic!("{e}"));
    let zip = d.join("diagnostics.zip");
    let (code, head) = server.download(&format!("/api/alerts/{fid}/diagnostics"), &zip);
    assert_eq!(code, 200, "{head}");
    let zip_sha = common::sha256_file(&zip);
    assert!(
        head.to_ascii_lowercase()
            .contains(&format!("x-data-sha256: {zip_sha}")),
        "{head}"
    );
    assert_eq!(diagnostics["sha256"], zip_sha.as_str());
    let out = d.join("ev");
    let said = common::unzip_and_verify(&zip, &out);
    let (trace, dns, snmp) = (runs[0], runs[1], runs[2]);
    for f in [
        "report.pdf".to_string(),
        format!("run-{trace}-trace.ndjson"),
        format!("run-{dns}-dns.ndjson"),
        format!("run-{snmp}-snmp.csv"),
        "snmp-interfaces.csv".into(),
    ] {
        assert!(said.contains(&format!("{f}: OK")), "{f}: {said}");
    }
    let read = |f: &str| std::fs::read_to_string(out.join(f)).unwrap_or_default();
    let hops: Value = serde_json::from_str(read(&format!("run-{trace}-trace.ndjson")).trim())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (hops["target"].as_str(), hops["reached"].as_bool()),
        (Some(host.as_str()), Some(true)),
        "{hops}"
    );
    let ptr = read(&format!("run-{dns}-dns.ndjson"));
    assert!(
        ptr.contains("PTR") && ptr.contains(&name),
        "the host's PTR from the lab's DNS: {ptr}"
    );
    let counters = read("snmp-interfaces.csv");
    assert!(
        counters
            .lines()
            .any(|l| l.starts_with(&format!("{host},")) && l.contains(&format!(",{snmp},"))),
        "the host's counters from the fresh poll (run {snmp}): {counters}"
    );
    let slice = std::fs::read_dir(&out)
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "pcapng"))
        .unwrap_or_else(|| panic!("no capture slice: {said}"));
    let scans = common::tshark_count(
        &slice,
        Some(&format!("ip.addr == {host} && tcp.port == {port}")),
    );
    assert!(
        scans >= 2,
        "the scans of the closed port are in the slice: {scans}"
    );
    let manifest: Value =
        serde_json::from_str(&read("manifest.json")).unwrap_or_else(|e| panic!("{e}"));
    let (from, to) = (
        manifest["window"][0].as_str().unwrap_or_default(),
        manifest["window"][1].as_str().unwrap_or_default(),
    );
    assert!(!from.is_empty() && from < to, "{manifest}");
    let text = common::pdftotext(&out.join("report.pdf"));
    for words in [
        "Diagnostics: Alert",
        "Collected when it fired",
        "port_closed",
        host.as_str(),
        &format!("Run {trace} "),
        &format!("Run {snmp} "),
    ] {
        assert!(text.contains(words), "{words} is missing:\n{text}");
    }

    // Its recovery collects nothing; a second firing within ten minutes is skipped, saying so.
    let listener = Listener::start(&lab("LAB_HOST_NS"), &host, port);
    let resolved = wait_event(&server, id, "port_closed", "resolved", 20);
    drop(listener);
    let again = wait_for(20, "a second firing", || {
        events(&server, id)
            .into_iter()
            .find(|e| e["kind"] == "firing" && e["id"] != fired["id"])
    });
    let skipped = wait_for(10, "the skip", || {
        let d = event(&server, again["id"].as_i64().unwrap_or(-1))["diagnostics"].clone();
        (!d.is_null()).then_some(d)
    });
    assert_eq!(skipped["status"], "skipped", "{skipped}");
    assert!(
        skipped["note"]
            .as_str()
            .is_some_and(|n| n.contains("less than 10 minutes")),
        "{skipped}"
    );
    let rid = resolved["id"].as_i64().unwrap_or(-1);
    assert!(event(&server, rid)["diagnostics"].is_null());
    for (path, want) in [
        (format!("/api/alerts/{}/diagnostics", again["id"]), 409),
        (format!("/api/alerts/{rid}/diagnostics"), 404),
        ("/api/alerts/999999/diagnostics".into(), 404),
        ("/api/alerts/x/diagnostics".into(), 400),
    ] {
        let (code, body) = server.download(&path, &d.join("e.json"));
        assert_eq!(code, want, "{path}: {body}");
    }
    let _ = std::fs::remove_dir_all(&d);
}

/// A route of the test's own on r1; removed when dropped.
struct Route(String);

impl Route {
    fn pin(dst: &str, gw: &str, dev: &str) -> Route {
        let route = Route(dst.to_string());
        route.via(gw, dev);
        route
    }

    fn via(&self, gw: &str, dev: &str) {
        let ok = Command::new("ip")
            .args([
                "-n",
                "wsl-r1",
                "route",
                "replace",
                &format!("{}/32", self.0),
                "via",
                gw,
                "dev",
                dev,
            ])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "ip route replace {} via {gw}", self.0);
    }
}

impl Drop for Route {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["-n", "wsl-r1", "route", "del", &format!("{}/32", self.0)])
            .status();
    }
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn a_route_change_raises_path_changed_and_a_stable_ecmp_pair_nothing() {
    common::lab();
    let tag = format!("path-{}", std::process::id());
    let server = Server::start_env("alerts-path", &[], &SECRETS);
    let (status, c) = server.json(
        "PUT",
        "/api/channels/hook",
        Some(json!({"type": "webhook", "url": format!("http://127.0.0.1:{}/ok/{tag}", lab("LAB_WEBHOOK_PORT")), "format": "mattermost"})),
    );
    assert_eq!(status, 201, "{c}");
    let (pinned, ecmp) = ("198.18.4.97", "198.18.4.98");
    let (via_a, via_b) = (lab("LAB_R1_R2A_V4_B"), lab("LAB_R1_R2B_V4_B"));
    let route = Route::pin(pinned, &via_a, "to-r2a");
    let trace = |target: &str, flows: u32| {
        json!({"kind": "trace", "targets": target, "net": {"netns": "wsl-c"},
               "options": {"protocol": "udp", "max_hops": 6, "queries": flows, "flows": flows, "timeout": "500ms"}})
    };
    let id = create_suite(
        &server,
        json!({
            "name": tag,
            "schedule": {"cron": "*/2 * * * * *", "timezone": "UTC"},
            "runs": [trace(pinned, 1), trace(ecmp, 8)],
            "alerts": [{"preset": "path_changed", "notify": ["hook"]}],
        }),
    );
    wait_for(30, "three runs of each trace", || {
        (samples(&server, id) >= 6).then_some(())
    });
    // Moved between two runs (not in the middle of one: its path would be half of each).
    let (status, _) = server.json("POST", &format!("/api/suites/{id}/disable"), None);
    assert_eq!(status, 200);
    std::thread::sleep(Duration::from_millis(1500));
    route.via(&via_b, "to-r2b");
    let (status, _) = server.json("POST", &format!("/api/suites/{id}/enable"), None);
    assert_eq!(status, 200);
    let changed = wait_event(&server, id, "path_changed", "changed", 20);
    assert_eq!(changed["target"], pinned, "{changed}");
    assert_eq!(
        changed["evidence"]["before"]["2"],
        json!([via_a]),
        "{changed}"
    );
    assert_eq!(
        changed["evidence"]["after"]["2"],
        json!([via_b]),
        "{changed}"
    );
    assert_eq!(changed["evidence"]["moved"][0], 2, "{changed}");
    wait_delivered(&server, changed["id"].as_i64().unwrap_or(-1), 20);
    let told: Vec<Value> = hooks(&format!("/ok/{tag}"));
    assert_eq!(told.len(), 1, "{told:#?}");
    assert!(
        told[0]["body"]["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("**[CHANGED] path changed")),
        "{told:#?}"
    );
    // More runs: the ECMP pair, seen by eight flows, is never a change.
    let before = samples(&server, id);
    wait_for(30, "four more runs", || {
        (samples(&server, id) >= before + 8).then_some(())
    });
    drop(route);
    let all = events(&server, id);
    assert!(all.iter().all(|e| e["target"] != ecmp), "{all:#?}");
    // ...and the flows did meet both branches.
    let (_, runs) = server.json("GET", "/api/runs?limit=50", None);
    let both = runs["runs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["kind"] == "trace" && r["targets_text"] == ecmp)
        .filter_map(|r| r["id"].as_i64())
        .any(|run| {
            let (_, detail) = server.json("GET", &format!("/api/runs/{run}"), None);
            detail["results"][0]["hops"].as_array().is_some_and(|h| {
                h.iter()
                    .any(|hop| hop["addrs"].as_array().is_some_and(|a| a.len() == 2))
            })
        });
    assert!(both, "some run of the ECMP trace saw both r2a and r2b");
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn a_changed_config_behind_ssh_raises_output_changed_with_its_diff() {
    common::lab();
    let tag = format!("backup-{}", std::process::id());
    let server = Server::start_env("alerts-backup", &[], &SECRETS);
    let key = std::fs::read_to_string(format!("{}/id_ed25519", lab("LAB_SSH_KEY_DIR")))
        .unwrap_or_else(|e| panic!("{e}"));
    let (status, saved) = server.json(
        "PUT",
        "/api/creds/lab-ssh",
        Some(json!({"ssh_user": lab("LAB_SSH_KEY_USER"), "ssh_private_key": key})),
    );
    assert_eq!(status, 200, "{saved}");
    let (status, c) = server.json(
        "PUT",
        "/api/channels/hook",
        Some(json!({"type": "webhook", "url": format!("http://127.0.0.1:{}/ok/{tag}", lab("LAB_WEBHOOK_PORT")), "format": "teams"})),
    );
    assert_eq!(status, 201, "{c}");
    let file = std::env::temp_dir().join(format!("wirescope-{tag}.conf"));
    let write = |text: &str| {
        std::fs::write(&file, text).unwrap_or_else(|e| panic!("{e}"));
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644));
    };
    write(
        "! Last change at 09:00 by admin\nhostname r1\ninterface eth0\n ip address 198.18.0.1/24\n",
    );
    let bad = json!({"name": "x", "runs": [{"kind": "ssh", "targets": "198.18.40.171", "options": {"command": "true", "profile": "lab-ssh"}}],
                     "alerts": [{"preset": "output_changed", "ignore": ["(unclosed"]}]});
    let (status, e) = server.json("POST", "/api/suites", Some(bad));
    assert_eq!(
        (status, e["field"].as_str()),
        (400, Some("alerts[0].ignore[0]")),
        "{e}"
    );
    let id = create_suite(
        &server,
        json!({
            "name": tag,
            "schedule": {"cron": "*/2 * * * * *", "timezone": "UTC"},
            "runs": [{"kind": "ssh", "targets": "198.18.40.171", "net": {"netns": "wsl-c"},
                      "options": {"command": format!("cat {}", file.display()), "profile": "lab-ssh", "accept_new_host_keys": true}}],
            "alerts": [{"preset": "output_changed", "ignore": ["^! Last change"], "notify": ["hook"]}],
        }),
    );
    let fires_done = |n: usize| {
        let (_, d) = server.json("GET", &format!("/api/suites/{id}"), None);
        d["fires"].as_array().is_some_and(|f| f.len() >= n)
    };
    wait_for(20, "two fires", || fires_done(2).then_some(()));
    std::thread::sleep(Duration::from_secs(2));
    // Only the ignored line changes: nothing to tell.
    write(
        "! Last change at 10:30 by other\nhostname r1\ninterface eth0\n ip address 198.18.0.1/24\n",
    );
    wait_for(20, "two more fires", || fires_done(4).then_some(()));
    std::thread::sleep(Duration::from_secs(2));
    assert!(events(&server, id).is_empty(), "{:?}", events(&server, id));
    write(
        "! Last change at 11:00 by admin\nhostname r1\ninterface eth0\n ip address 198.18.0.1/24\nntp server 198.18.0.53\n",
    );
    let changed = wait_event(&server, id, "output_changed", "changed", 20);
    assert_eq!(
        changed["evidence"]["diff"].as_str(),
        Some(
            "--- before\n+++ after\n@@ -1,3 +1,4 @@\n hostname r1\n interface eth0\n  ip address 198.18.0.1/24\n+ntp server 198.18.0.53\n"
        ),
        "{changed}"
    );
    wait_delivered(&server, changed["id"].as_i64().unwrap_or(-1), 20);
    let told = hooks(&format!("/ok/{tag}"));
    assert_eq!(told.len(), 1, "{told:#?}");
    assert_eq!(
        told[0]["body"]["attachments"][0]["content"]["type"],
        "AdaptiveCard"
    );
    let _ = std::fs::remove_file(&file);
}
