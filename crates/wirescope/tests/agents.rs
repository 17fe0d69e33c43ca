//! Remote agents, as real processes: `wirescope agent` dialling home to `wirescope serve`.
//! Without the lab: the refusals (an unknown, revoked or other site's token, a site without
//! an agent) and a run made by an agent on loopback, followed live. In the lab: two agents in
//! namespaces that see different parts of it, under two servers on one PostgreSQL; an agent
//! killed mid-run; a server that dies while its agent works on, and the agent's spool sent
//! when it is back.

mod common;

use common::server::Server;
use serde_json::{Value, json};
use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `wirescope agent` process; killed when dropped.
struct Agent {
    child: Child,
    log: PathBuf,
}

impl Agent {
    fn start(server: &str, token: &str, site: &str, netns: Option<&str>, dir: &PathBuf) -> Agent {
        std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{e}"));
        let log = dir.join(format!("agent-{site}.log"));
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_wirescope"));
        cmd.args(["agent", "--server", server, "--site", site, "--spool"])
            .arg(dir.join(format!("{site}.spool")))
            .env("WIRESCOPE_AGENT_TOKEN", token)
            .stdout(Stdio::null())
            .stderr(Stdio::from(out));
        if let Some(ns) = netns {
            cmd.args(["--netns", ns]);
        }
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("start wirescope agent: {e}"));
        Agent { child, log }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until the agent's log has said `what` `times` times.
    fn said(&self, what: &str, times: usize, secs: u64) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while self.log().matches(what).count() < times {
            assert!(
                Instant::now() < deadline,
                "the agent did not say {what:?} {times} times within {secs} s: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        self.kill();
    }
}

/// An agent that exits by itself: its status and what it said.
fn agent_refused(server: &str, token: &str, site: &str) -> (Option<i32>, String) {
    let spool = std::env::temp_dir().join(format!(
        "wirescope-agent-refused-{}.spool",
        std::process::id()
    ));
    agent_exits(server, token, site, &spool)
}

fn agent_exits(
    server: &str,
    token: &str,
    site: &str,
    spool: &std::path::Path,
) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wirescope"))
        .args(["agent", "--server", server, "--site", site, "--spool"])
        .arg(spool)
        .env("WIRESCOPE_AGENT_TOKEN", token)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap_or_else(|e| panic!("{e}")) {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the agent kept going with a refused token");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    (status.code(), err)
}

fn add_agent(server: &Server, name: &str, site: &str) -> String {
    let (status, made) = server.json(
        "POST",
        "/api/agents",
        Some(json!({"name": name, "site": site})),
    );
    assert_eq!(status, 201, "{made}");
    made["token"]
        .as_str()
        .unwrap_or_else(|| panic!("{made}"))
        .to_string()
}

fn base(server: &Server) -> String {
    format!("http://127.0.0.1:{}", server.port)
}

/// Waits until the server lists `name` online.
fn online(server: &Server, name: &str, secs: u64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let (_, list) = server.json("GET", "/api/agents", None);
        if let Some(a) = list["agents"]
            .as_array()
            .and_then(|l| l.iter().find(|a| a["name"] == name))
            && a["online"] == true
        {
            return a.clone();
        }
        assert!(
            Instant::now() < deadline,
            "{name} not online within {secs} s: {list}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The seqs of a run's stored results: each once.
fn distinct_seqs(run: &Value) -> usize {
    let results = run["results"].as_array().cloned().unwrap_or_default();
    let n = results.len();
    assert_eq!(
        run["done"].as_u64(),
        Some(n as u64),
        "done and the stored results differ"
    );
    n
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("wirescope-agents-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn agents_are_refused_by_name_and_a_run_from_a_site_is_made_and_followed() {
    let server = Server::start("agents-basic", &[]);
    let dir = scratch("basic");
    // Bad agents and sites are refused at once.
    for (body, field) in [
        (json!({"name": "x", "site": "local"}), "site"),
        (json!({"name": "x", "site": "a b"}), "site"),
        (json!({"name": "", "site": "branch"}), "name"),
    ] {
        let (status, e) = server.json("POST", "/api/agents", Some(body));
        assert_eq!((status, e["field"].as_str()), (400, Some(field)), "{e}");
    }
    let token = add_agent(&server, "branch-1", "branch");
    let (status, e) = server.json(
        "POST",
        "/api/agents",
        Some(json!({"name": "branch-1", "site": "elsewhere"})),
    );
    assert_eq!(status, 409, "{e}");
    // A run from a site nobody probes from.
    let (status, e) = server.json(
        "POST",
        "/api/runs",
        Some(json!({"kind": "ping", "targets": ["127.0.0.1"], "sites": ["nowhere"]})),
    );
    assert_eq!((status, e["field"].as_str()), (400, Some("sites")), "{e}");
    assert!(e["error"].as_str().unwrap_or("").contains("nowhere"), "{e}");
    // Tokens that are not this agent's, or not for this site.
    let (code, said) = agent_refused(&base(&server), "wsa_0123456789abcdef", "branch");
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("unknown agent token"), "{said}");
    let (code, said) = agent_refused(&base(&server), &token, "hq");
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("cannot probe for site 'hq'"), "{said}");
    let (code, said) = agent_refused(&base(&server), "not-an-agent-token", "branch");
    assert_eq!(code, Some(2), "{said}");
    assert!(said.contains("--token"), "{said}");

    // The agent, connected: listed online with what it can do.
    let agent = Agent::start(&base(&server), &token, "branch", None, &dir);
    let listed = online(&server, "branch-1", 20);
    assert_eq!(listed["site"], "branch", "{listed}");
    assert_eq!(
        listed["version"].as_str(),
        Some(env!("CARGO_PKG_VERSION")),
        "{listed}"
    );
    assert!(
        listed["capabilities"]["interfaces"]
            .as_array()
            .is_some_and(|i| i.iter().any(|n| n == "lo")),
        "{listed}"
    );
    let (_, list) = server.json("GET", "/api/agents", None);
    assert_eq!(list["sites"], json!(["local", "branch"]), "{list}");

    // It sends samples of its machine (at once, then every 30 s): the Host page's agent view.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let host = loop {
        let (status, host) = server.json("GET", "/api/host?agent=branch-1", None);
        if status == 200 || std::time::Instant::now() > deadline {
            break host;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    assert_eq!(host["agent"], "branch-1", "{host}");
    assert!(
        host["hostname"].as_str().is_some_and(|h| !h.is_empty()),
        "{host}"
    );
    let sample = &host["samples"][0];
    assert!(sample["memory"]["total"].as_u64() > Some(0), "{host}");
    assert!(
        sample["interfaces"]
            .as_array()
            .is_some_and(|i| i.iter().any(|n| n["name"] == "lo")),
        "{host}"
    );
    let (_, own) = server.json("GET", "/api/host", None);
    assert_eq!(own["agents"], json!(["branch-1"]), "{own}");
    let (status, none) = server.json("GET", "/api/host?agent=nobody", None);
    assert_eq!(
        (status, none["field"].as_str()),
        (404, Some("agent")),
        "{none}"
    );
    let (status, bad) = server.json("GET", "/api/host?since=yesterday", None);
    assert_eq!(
        (status, bad["field"].as_str()),
        (400, Some("since")),
        "{bad}"
    );
    let (status, bad) = server.json("GET", "/api/host?since=yesterday", None);
    assert_eq!(
        (status, bad["field"].as_str()),
        (400, Some("since")),
        "{bad}"
    );
    // Its spool is its own.
    let (code, said) = agent_exits(&base(&server), &token, "branch", &dir.join("branch.spool"));
    assert_eq!(code, Some(2), "{said}");
    assert!(said.contains("another agent uses the spool"), "{said}");

    // A run from the branch and from the server: two runs of one batch, each followed live.
    let (status, made) = server.json(
        "POST",
        "/api/runs",
        Some(json!({
            "kind": "ping",
            "targets_text": "127.0.0.1-127.0.0.40",
            "options": {"count": 3, "interval": "100ms"},
            "sites": ["branch", "local"]
        })),
    );
    assert_eq!(status, 201, "{made}");
    let runs = made["runs"].as_array().cloned().unwrap_or_default();
    assert_eq!(runs.len(), 2, "{made}");
    assert_eq!(
        (runs[0]["site"].as_str(), runs[1]["site"].as_str()),
        (Some("branch"), None),
        "{made}"
    );
    assert_eq!(made["batch"], runs[0]["id"], "{made}");
    let ids: Vec<i64> = runs.iter().filter_map(|r| r["id"].as_i64()).collect();
    let followed = runtime().block_on(async {
        let ws = server.ws_url();
        tokio::join!(
            common::follow(&ws, ids[0], Duration::ZERO),
            common::follow(&ws, ids[1], Duration::ZERO)
        )
    });
    for (seqs, end) in [&followed.0, &followed.1] {
        assert_eq!(end["status"], "finished", "{end}");
        assert_eq!(seqs, &(0..40).collect::<Vec<i64>>());
    }
    let from_branch = server.wait(ids[0], 30);
    assert_eq!(
        (
            from_branch["site"].as_str(),
            from_branch["batch"].as_i64(),
            from_branch["summary"]["alive"].as_i64()
        ),
        (Some("branch"), Some(ids[0]), Some(40)),
        "{from_branch}"
    );
    assert_eq!(distinct_seqs(&from_branch), 40);

    // A second agent of the site: the next run is shared, half each, numbered as stored.
    let token2 = add_agent(&server, "branch-2", "branch");
    let _second = Agent::start(&base(&server), &token2, "branch", None, &dir.join("2"));
    online(&server, "branch-2", 20);
    let shared = server.create(json!({
        "kind": "ping",
        "targets_text": "127.0.0.1-127.0.0.40",
        "options": {"count": 2, "interval": "100ms"},
        "sites": ["branch"]
    }));
    let (seqs, end) = runtime().block_on(common::follow(&server.ws_url(), shared, Duration::ZERO));
    assert_eq!(end["status"], "finished", "{end}");
    assert_eq!(seqs, (0..40).collect::<Vec<i64>>());
    let run = server.wait(shared, 30);
    let mut parts: Vec<(String, i64)> = run["parts"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            (
                p["agent"].as_str().unwrap_or("").to_string(),
                p["results"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    parts.sort();
    assert_eq!(
        parts,
        [("branch-1".to_string(), 20), ("branch-2".to_string(), 20)],
        "{run}"
    );
    assert_eq!(
        (
            run["summary"]["targets"].as_i64(),
            run["summary"]["alive"].as_i64()
        ),
        (Some(40), Some(40)),
        "{run}"
    );

    // Revoked: cut off, and refused when it dials again.
    let (status, _) = server.request("DELETE", "/api/agents/branch-1", None, &[]);
    assert_eq!(status, 204);
    agent.said("was revoked", 1, 60);
    let (code, said) = agent_refused(&base(&server), &token, "branch");
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("'branch-1' was revoked"), "{said}");
}

/// Two servers on a fresh lab database, the first on a port of its own to start it again on.
fn pair(name: &str, lease: &str) -> (Server, Server, String, u16) {
    let url = common::pg_database(name);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"));
    let a = server_on(name, "a", &url, Some(port), lease);
    let b = server_on(name, "b", &url, None, lease);
    (a, b, url, port)
}

fn server_on(name: &str, side: &str, url: &str, port: Option<u16>, lease: &str) -> Server {
    let files = scratch(&format!("{name}-{side}-files"));
    let listen = port.map(|p| format!("127.0.0.1:{p}"));
    let mut args = vec![
        "--db",
        url,
        "--files",
        files.to_str().unwrap_or_default(),
        "--agent-lease",
        lease,
    ];
    if let Some(l) = &listen {
        args.extend(["--listen", l.as_str()]);
    }
    Server::start(&format!("{name}-{side}"), &args)
}

/// Held by each lab test for its whole length: one restarts the database the others use.
static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn turn() -> std::sync::MutexGuard<'static, ()> {
    TURN.lock().unwrap_or_else(|p| p.into_inner())
}

fn lab(key: &str) -> String {
    common::var(common::lab(), key).to_string()
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn two_sites_see_the_lab_each_their_own_way_side_by_side() {
    let _turn = turn();
    let (a, b, _url, _) = pair("sites", "60s");
    let dir = scratch("sites");
    let hq = add_agent(&a, "hq-1", "hq");
    let branch = add_agent(&b, "branch-1", "branch");
    // The head office probes from the lab's client, the branch from the namespace behind its
    // second interface; each dials a different server.
    let _hq = Agent::start(&base(&a), &hq, "hq", Some(&lab("LAB_CLIENT_NS")), &dir);
    let _br = Agent::start(&base(&b), &branch, "branch", Some(&lab("LAB_ALT_NS")), &dir);
    online(&a, "hq-1", 20);
    online(&a, "branch-1", 20);
    let many = lab("LAB_MANY_FIRST");
    let alt = lab("LAB_ALT_V4");
    let (status, made) = a.json(
        "POST",
        "/api/runs",
        Some(json!({
            "kind": "ping",
            "targets": [many, alt],
            "options": {"count": 1, "timeout": "1s"},
            "sites": ["hq", "branch"]
        })),
    );
    assert_eq!(status, 201, "{made}");
    let batch = made["batch"].as_i64().unwrap_or_else(|| panic!("{made}"));
    // The other server follows the branch's run live.
    let (seqs, end) = runtime().block_on(common::follow(
        &b.ws_url(),
        made["runs"][1]["id"].as_i64().unwrap_or(-1),
        Duration::ZERO,
    ));
    assert_eq!(
        (seqs, end["status"].as_str()),
        (vec![0, 1], Some("finished"))
    );
    let mut seen = std::collections::BTreeMap::new();
    for r in made["runs"].as_array().cloned().unwrap_or_default() {
        let run = b.wait(r["id"].as_i64().unwrap_or(-1), 30);
        assert_eq!(run["batch"].as_i64(), Some(batch), "{run}");
        for res in run["results"].as_array().cloned().unwrap_or_default() {
            seen.insert(
                (
                    run["site"].as_str().unwrap_or("").to_string(),
                    res["target"].as_str().unwrap_or("").to_string(),
                ),
                res["alive"].as_bool(),
            );
        }
    }
    let want: std::collections::BTreeMap<_, _> = [
        (("branch".to_string(), alt.clone()), Some(true)),
        (("branch".to_string(), many.clone()), Some(false)),
        (("hq".to_string(), alt.clone()), Some(true)),
        (("hq".to_string(), many.clone()), Some(true)),
    ]
    .into_iter()
    .collect();
    assert_eq!(seen, want, "who reaches what, per site");

    // A suite run from both sites: a run each per fire, and trends per vantage point.
    let (status, suite) = a.json(
        "POST",
        "/api/suites",
        Some(json!({
            "name": "vantage",
            "runs": [{"kind": "ping", "targets": many, "options": {"count": 1, "timeout": "1s"},
                      "sites": ["hq", "branch"]}],
        })),
    );
    assert_eq!(status, 201, "{suite}");
    let sid = suite["id"].as_i64().unwrap_or(-1);
    let (status, fired) = b.json("POST", &format!("/api/suites/{sid}/run"), None);
    assert_eq!(status, 201, "{fired}");
    let fired_runs = fired["runs"].as_array().cloned().unwrap_or_default();
    assert_eq!(fired_runs.len(), 2, "{fired}");
    for r in &fired_runs {
        b.wait(r.as_i64().unwrap_or(-1), 30);
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, series) = a.json("GET", &format!("/api/suites/{sid}/series"), None);
        let mut targets: Vec<String> = series["series"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s["target"].as_str().map(str::to_string))
            .collect();
        targets.sort();
        if targets == [format!("{many}@branch"), format!("{many}@hq")] {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no series per site within 30 s: {series}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn an_agent_killed_mid_run_loses_and_repeats_nothing() {
    let _turn = turn();
    let (a, _b, _url, _) = pair("killed", "3s");
    let dir = scratch("killed");
    let token = add_agent(&a, "hq-1", "hq");
    let ns = lab("LAB_CLIENT_NS");
    let mut agent = Agent::start(&base(&a), &token, "hq", Some(&ns), &dir);
    online(&a, "hq-1", 20);
    // 400 targets, four echoes 300 ms apart, 200 packets a second in all: results come for
    // about eight seconds (at full rate they all came within one, and a loaded machine could
    // see the first only once the agent had finished).
    let id = a.create(json!({
        "kind": "ping",
        "targets_text": format!("{}-{}", lab("LAB_MANY_FIRST"), lab("LAB_MANY_LAST")),
        "options": {"count": 4, "interval": "300ms", "timeout": "1s", "rate": 200},
        "sites": ["hq"]
    }));
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, run) = a.json("GET", &format!("/api/runs/{id}"), None);
        if run["done"].as_i64().unwrap_or(0) > 0 {
            break;
        }
        assert!(Instant::now() < deadline, "no result within 20 s: {run}");
        std::thread::sleep(Duration::from_millis(20));
    }
    agent.kill();
    // Its lease runs out: the run ends interrupted with what had arrived, each once.
    let run = a.wait(id, 30);
    assert_eq!(run["status"], "interrupted", "{run}");
    let before = distinct_seqs(&run);
    assert!(before > 0 && before <= 400, "{before}");
    // Started again, it sends what its spool kept and reports the job it was making.
    let again = Agent::start(&base(&a), &token, "hq", Some(&ns), &dir);
    again.said("connected to", 2, 30);
    let deadline = Instant::now() + Duration::from_secs(30);
    let run = loop {
        let (_, run) = a.json("GET", &format!("/api/runs/{id}"), None);
        if run["error"]
            .as_str()
            .is_some_and(|e| e.contains("the agent stopped while making it"))
        {
            break run;
        }
        assert!(
            Instant::now() < deadline,
            "the restarted agent did not report the job: {run}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(run["status"], "interrupted", "{run}");
    let after = distinct_seqs(&run);
    assert!(after >= before, "{after} < {before}");
    let seqs: Vec<i64> = run["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["seq"].as_i64())
        .collect();
    let distinct: std::collections::HashSet<_> = seqs.iter().collect();
    assert_eq!(distinct.len(), seqs.len(), "a result stored twice");

    // Killed before its first result: the job goes back to the queue and is made again, whole.
    drop(again);
    let mut agent = Agent::start(&base(&a), &token, "hq", Some(&ns), &dir);
    online(&a, "hq-1", 20);
    let slow = a.create(json!({
        "kind": "ping",
        "targets": [lab("LAB_MISSING_GW_V4")],
        "options": {"count": 1, "timeout": "4s"},
        "sites": ["hq"]
    }));
    let deadline = Instant::now() + Duration::from_secs(20);
    while a.json("GET", &format!("/api/runs/{slow}"), None).1["status"] != "running" {
        assert!(Instant::now() < deadline, "the job was not taken");
        std::thread::sleep(Duration::from_millis(20));
    }
    agent.kill();
    let again = Agent::start(&base(&a), &token, "hq", Some(&ns), &dir);
    let run = a.wait(slow, 60);
    assert_eq!(
        (run["status"].as_str(), run["done"].as_i64()),
        (Some("finished"), Some(1)),
        "{run}"
    );
    assert!(again.log().contains("connected to"), "{}", again.log());
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn a_server_that_dies_under_its_agent_gets_every_result_from_the_spool() {
    let _turn = turn();
    let (a, b, url, port) = pair("spool", "60s");
    let dir = scratch("spool");
    let token = add_agent(&a, "hq-1", "hq");
    let agent = Agent::start(&base(&a), &token, "hq", Some(&lab("LAB_CLIENT_NS")), &dir);
    online(&a, "hq-1", 20);
    // About three seconds of results.
    let id = b.create(json!({
        "kind": "ping",
        "targets_text": format!("{}-{}", lab("LAB_MANY_FIRST"), lab("LAB_MANY_LAST")),
        "options": {"count": 6, "interval": "500ms", "timeout": "1s"},
        "sites": ["hq"]
    }));
    let deadline = Instant::now() + Duration::from_secs(20);
    while b.json("GET", &format!("/api/runs/{id}"), None).1["status"] != "running" {
        assert!(Instant::now() < deadline, "the job was not taken");
        std::thread::sleep(Duration::from_millis(20));
    }
    // The server the agent dials dies; the agent works on, offline, and dials again.
    drop(a);
    agent.said("dialling again", 1, 20);
    std::thread::sleep(Duration::from_secs(5));
    let (_, mid) = b.json("GET", &format!("/api/runs/{id}"), None);
    assert_eq!(mid["status"], "running", "{mid}");
    // Back on its port: the agent reconnects and sends what waited.
    let _a = server_on("spool", "a2", &url, Some(port), "60s");
    agent.said("connected to", 2, 60);
    let run = b.wait(id, 60);
    assert_eq!(run["status"], "finished", "{run}");
    assert_eq!(distinct_seqs(&run), 400);
    assert_eq!(run["summary"]["targets"].as_i64(), Some(400), "{run}");
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn an_agent_run_outlives_a_database_restart() {
    let _turn = turn();
    let (a, _b, _url, _) = pair("pgrestart", "60s");
    let dir = scratch("pgrestart");
    let token = add_agent(&a, "hq-1", "hq");
    let agent = Agent::start(&base(&a), &token, "hq", Some(&lab("LAB_CLIENT_NS")), &dir);
    online(&a, "hq-1", 20);
    let id = a.create(json!({
        "kind": "ping",
        "targets_text": format!("{}-{}", lab("LAB_MANY_FIRST"), lab("LAB_MANY_LAST")),
        "options": {"count": 6, "interval": "500ms", "timeout": "1s"},
        "sites": ["hq"]
    }));
    let deadline = Instant::now() + Duration::from_secs(20);
    while a.json("GET", &format!("/api/runs/{id}"), None).1["status"] != "running" {
        assert!(Instant::now() < deadline, "the job was not taken");
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = Command::new("bash")
        .arg(common::repo().join("lab/lab.sh"))
        .arg("pg-restart")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let deadline = Instant::now() + Duration::from_secs(90);
    let run = loop {
        let (status, run) = a.json("GET", &format!("/api/runs/{id}"), None);
        if status == 200 && !["queued", "running"].contains(&run["status"].as_str().unwrap_or("")) {
            break run;
        }
        assert!(
            Instant::now() < deadline,
            "the run did not end within 90 s: {run}; agent: {}",
            agent.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(run["status"], "finished", "{run}");
    assert_eq!(distinct_seqs(&run), 400);
}
