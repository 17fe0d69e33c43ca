//! SNMP traps and informs from real senders in the lab: net-snmp's `snmptrap` and `snmpinform`
//! (v1, v2c, v3 authPriv with AES and with DES) in a host namespace, into `wirescope traps`
//! listening in the client namespace and into `wirescope serve --traps`; informs acknowledged
//! (the sender's exit status says so); wrong communities, unknown users, wrong keys, a level
//! below the profile's, and junk, truncated and oversized datagrams counted by why while the
//! receiver goes on; the v3 engine ID kept across restarts; stored traps matched to the device a
//! stored SNMP run knows, listed with filters, beside the run, and live on the WebSocket; and a
//! lab switch's snmpd sending a real linkDown when a link goes down. Needs root and the lab.

mod common;

use common::server::Server;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
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

/// A net-snmp tool (snmptrap, snmpinform) run in the lab's host namespace.
fn from_host(tool: &str, args: &[&str]) -> Output {
    let dir = std::env::temp_dir().join(format!("wirescope-traps-sender-{}", std::process::id()));
    Command::new("ip")
        .args(["netns", "exec", &lab("LAB_HOST_NS"), "env", "MIBS="])
        .arg(format!("SNMP_PERSISTENT_DIR={}", dir.display()))
        .arg(tool)
        .args(["-r", "1", "-t", "2"])
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run {tool}: {e}"))
}

/// Sends `tool` and checks how it ended (an inform exits 0 only once acknowledged).
fn send(tool: &str, args: &[&str], acked: bool) {
    let out = from_host(tool, args);
    assert_eq!(
        out.status.success(),
        acked,
        "{tool} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Datagrams from the host namespace, as they are (junk, a cut trap, 60,000 bytes).
fn raw_from_host(to: &str, port: &str, payloads: &[&str]) {
    let script = format!(
        "import socket,sys\n\
         s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n\
         for p in sys.argv[1:]:\n    s.sendto(bytes.fromhex(p) if p!='big' else bytes(60000),('{to}',{port}))\n"
    );
    let out = Command::new("ip")
        .args([
            "netns",
            "exec",
            &lab("LAB_HOST_NS"),
            "python3",
            "-c",
            &script,
        ])
        .args(payloads)
        .output()
        .unwrap_or_else(|e| panic!("python3: {e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Junk, a v2c trap cut short, and an oversized datagram: three malformed ones.
const JUNK: &[&str] = &[
    "6761726261676521",
    "307802010104036c6162a76e02046d488ad102010002010030603000",
    "big",
];

/// A profile environment: file secret store under `dir`.
fn creds_env(dir: &std::path::Path) -> Vec<(&'static str, String)> {
    vec![
        ("XDG_CONFIG_HOME", dir.join("config").display().to_string()),
        ("XDG_DATA_HOME", dir.join("data").display().to_string()),
        ("WIRESCOPE_SECRET_STORE", "file".into()),
        (
            "WIRESCOPE_SECRETS_PASSPHRASE",
            "traps test passphrase".into(),
        ),
    ]
}

/// Stores the lab's SHA/AES and MD5/DES users as profiles `v3aes` and `v3des`.
fn add_profiles(env: &[(&str, String)]) {
    for (name, tag) in [("v3aes", "SHA_AES"), ("v3des", "MD5_DES")] {
        let v = |k: &str| lab(&format!("LAB_SNMP_V3_{tag}_{k}"));
        let out = Command::new(env!("CARGO_BIN_EXE_wirescope"))
            .args(["creds", "add", name, "-v", "3", "-u", &v("USER")])
            .args(["-a", &v("AUTH"), "-x", &v("PRIV")])
            .envs(env.iter().map(|(k, v)| (k, v)))
            .env("WIRESCOPE_SNMP_AUTH_PASSWORD", v("AUTH_PASS"))
            .env("WIRESCOPE_SNMP_PRIV_PASSWORD", v("PRIV_PASS"))
            .output()
            .unwrap_or_else(|e| panic!("creds add: {e}"));
        common::ok(&out);
    }
}

/// v3 sender flags for the lab user `tag`, with `auth` as its authentication password.
fn v3(tag: &str, auth: &str) -> Vec<String> {
    let v = |k: &str| lab(&format!("LAB_SNMP_V3_{tag}_{k}"));
    [
        "-v",
        "3",
        "-l",
        "authPriv",
        "-u",
        &v("USER"),
        "-a",
        &v("AUTH"),
        "-A",
        auth,
        "-x",
        &v("PRIV"),
        "-X",
        &v("PRIV_PASS"),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

const LINK_DOWN: &str = "1.3.6.1.6.3.1.1.5.3";
const IF_INDEX_3: [&str; 3] = ["1.3.6.1.2.1.2.2.1.1.3", "i", "3"];

/// Sends one of each accepted kind and one of each refusal to `to:port`; returns how many were
/// accepted and of those how many were informs.
fn send_everything(to: &str, port: &str, community: &str) -> (u64, u64) {
    let dest = format!("{to}:{port}");
    let mut v2c = vec!["-v", "2c", "-c", community, &dest, "", LINK_DOWN];
    v2c.extend(IF_INDEX_3);
    send("snmptrap", &v2c, true);
    let host = lab("LAB_HOST_V4");
    send(
        "snmptrap",
        &[
            "-v",
            "1",
            "-c",
            community,
            &dest,
            "1.3.6.1.4.1.8072.3.2.10",
            &host,
            "2",
            "0",
            "",
        ],
        true,
    );
    send(
        "snmpinform",
        &[
            "-v",
            "2c",
            "-c",
            community,
            &dest,
            "",
            "1.3.6.1.6.3.1.1.5.1",
        ],
        true,
    );
    let aes = v3("SHA_AES", &lab("LAB_SNMP_V3_SHA_AES_AUTH_PASS"));
    let mut trap = strs(&aes);
    trap.extend(["-e", "0x8000000001020304", &dest, "", LINK_DOWN]);
    send("snmptrap", &trap, true);
    let mut inform = strs(&aes);
    inform.extend([&dest, "", "1.3.6.1.6.3.1.1.5.4"]);
    send("snmpinform", &inform, true);
    let des = v3("MD5_DES", &lab("LAB_SNMP_V3_MD5_DES_AUTH_PASS"));
    let mut inform = strs(&des);
    inform.extend([&dest, "", "1.3.6.1.6.3.1.1.5.4"]);
    send("snmpinform", &inform, true);

    // Refused: a wrong community (an inform is then never acknowledged), an unknown user, a
    // wrong key, a level below the profile's, junk.
    send(
        "snmpinform",
        &["-v", "2c", "-c", "not-the-community", &dest, "", LINK_DOWN],
        false,
    );
    let mut unknown = strs(&aes);
    unknown[5] = "nobody-here";
    unknown.extend(["-e", "0x8000000001020304", &dest, "", LINK_DOWN]);
    send("snmptrap", &unknown, true);
    let wrong = v3("SHA_AES", "a-wrong-password");
    let mut trap = strs(&wrong);
    trap.extend(["-e", "0x8000000001020304", &dest, "", LINK_DOWN]);
    send("snmptrap", &trap, true);
    let user = lab("LAB_SNMP_V3_SHA_AES_USER");
    send(
        "snmptrap",
        &[
            "-v",
            "3",
            "-l",
            "noAuthNoPriv",
            "-u",
            &user,
            "-e",
            "0x8000000001020304",
            &dest,
            "",
            LINK_DOWN,
        ],
        true,
    );
    raw_from_host(to, port, JUNK);
    (6, 3)
}

/// The refusals `send_everything` makes, as the counts show them.
fn check_refusals(counts: &Value) {
    // The inform with a wrong community is sent twice (-r 1): each datagram is refused.
    assert_eq!(counts["unknown_community"], 2, "{counts}");
    assert_eq!(counts["unknown_user"], 1, "{counts}");
    assert_eq!(counts["bad_auth"], 2, "{counts}");
    assert_eq!(counts["malformed"], 3, "{counts}");
    assert_eq!(counts["dropped"], 0, "{counts}");
    let host = lab("LAB_HOST_V4");
    let reasons: Vec<&str> = counts["rejected"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["source"] == host.as_str())
        .filter_map(|r| r["reason"].as_str())
        .collect();
    for why in [
        "unknown community",
        "unknown user",
        "bad authentication",
        "malformed",
    ] {
        assert!(reasons.contains(&why), "{why} from {host} in {counts}");
    }
}

/// `wirescope traps` in the client namespace (by --netns), printing NDJSON, until `count`.
fn cli_receiver(env: &[(&str, String)], port: &str, count: u64, extra: &[&str]) -> Child {
    let listen = format!("{}:{port}", lab("LAB_CLIENT_V4"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_wirescope"))
        .args([
            "traps",
            "--netns",
            &lab("LAB_CLIENT_NS"),
            "--listen",
            &listen,
            "--json",
        ])
        .args(["--count", &count.to_string(), "--for", "90s"])
        .args(extra)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("wirescope traps: {e}"));
    // It says it is receiving once the socket is bound.
    let mut line = String::new();
    let stderr = child.stderr.take().unwrap_or_else(|| panic!("no stderr"));
    BufReader::new(stderr)
        .read_line(&mut line)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(line.contains("receiving SNMP notifications on"), "{line}");
    child
}

#[test]
#[ignore = "needs the lab: sudo lab/lab.sh up"]
fn the_cli_receives_every_version_acknowledges_informs_and_counts_refusals() {
    let dir = std::env::temp_dir().join(format!("wirescope-traps-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let env = creds_env(&dir);
    add_profiles(&env);
    let port = "10171";
    let engine = dir.join("engine");
    let engine_arg = engine.display().to_string();
    let extra = [
        "-c",
        "wsl-traps-cli",
        "--profile",
        "v3aes",
        "--profile",
        "v3des",
        "--engine-state",
        &engine_arg,
    ];
    let child = cli_receiver(&env, port, 7, &extra);
    let (accepted, informs) = send_everything(&lab("LAB_CLIENT_V4"), port, "wsl-traps-cli");
    // One more after every refusal: the receiver went on.
    send(
        "snmptrap",
        &[
            "-v",
            "2c",
            "-c",
            "wsl-traps-cli",
            &format!("{}:{port}", lab("LAB_CLIENT_V4")),
            "",
            "1.3.6.1.6.3.1.1.5.2",
        ],
        true,
    );
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert!(out.status.success(), "{out:?}");
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(lines.len() as u64, accepted + 2, "{lines:#?}");
    let traps = &lines[..lines.len() - 1];
    let host = lab("LAB_HOST_V4");
    assert!(
        traps
            .iter()
            .all(|t| t["kind"] == "trap" && t["source"] == host.as_str()),
        "{traps:#?}"
    );
    let names: Vec<(&str, &str, &str)> = traps
        .iter()
        .map(|t| {
            (
                t["version"].as_str().unwrap_or(""),
                t["pdu"].as_str().unwrap_or(""),
                t["name"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("2c", "trap", "IF-MIB::linkDown"),
            ("1", "trap", "IF-MIB::linkDown"),
            ("2c", "inform", "SNMPv2-MIB::coldStart"),
            ("3", "trap", "IF-MIB::linkDown"),
            ("3", "inform", "IF-MIB::linkUp"),
            ("3", "inform", "IF-MIB::linkUp"),
            ("2c", "trap", "SNMPv2-MIB::warmStart"),
        ]
    );
    assert_eq!(traps[0]["varbinds"][0]["name"], "IF-MIB::ifIndex.3");
    assert_eq!(traps[0]["varbinds"][0]["value"], "3");
    assert_eq!(traps[0]["community"], "wsl-traps-cli");
    assert_eq!(traps[0]["credential"], "-c 1");
    assert_eq!(traps[1]["agent_addr"], host.as_str());
    assert_eq!(traps[1]["generic"], 2);
    assert_eq!(traps[3]["user"], lab("LAB_SNMP_V3_SHA_AES_USER").as_str());
    assert_eq!(traps[3]["level"], "authPriv");
    assert_eq!(traps[3]["credential"], "v3aes");
    assert_eq!(traps[5]["credential"], "v3des");
    let closing = &lines[lines.len() - 1];
    assert_eq!(closing["kind"], "traps");
    assert_eq!(closing["received"].as_u64(), Some(accepted + 1));
    assert_eq!(closing["informs_acked"].as_u64(), Some(informs));
    check_refusals(closing);

    // The engine ID is kept, its boots counted, across runs.
    let first = std::fs::read_to_string(&engine).unwrap_or_default();
    let (id, boots) = first
        .trim()
        .split_once(' ')
        .unwrap_or_else(|| panic!("{first}"));
    assert_eq!(boots, "1");
    let child = cli_receiver(&env, port, 1, &extra);
    let des = v3("MD5_DES", &lab("LAB_SNMP_V3_MD5_DES_AUTH_PASS"));
    let dest = format!("{}:{port}", lab("LAB_CLIENT_V4"));
    let mut inform = strs(&des);
    inform.extend([dest.as_str(), "", "1.3.6.1.6.3.1.1.5.4"]);
    send("snmpinform", &inform, true);
    common::ok(&child.wait_with_output().unwrap_or_else(|e| panic!("{e}")));
    assert_eq!(
        std::fs::read_to_string(&engine).unwrap_or_default().trim(),
        format!("{id} 2")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[ignore = "needs the lab: sudo lab/lab.sh up"]
fn bad_flags_and_a_taken_port_are_clear_errors() {
    let bad = common::run_in(&lab("LAB_CLIENT_NS"), &["traps", "--engine-id", "12zz"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--engine-id: '12zz'"));
    let empty = common::run_in(&lab("LAB_CLIENT_NS"), &["traps", "-c", ""]);
    assert!(String::from_utf8_lossy(&empty.stderr).contains("a community cannot be empty"));
    let dir = std::env::temp_dir().join(format!("wirescope-traps-busy-{}", std::process::id()));
    let env = creds_env(&dir);
    let first = cli_receiver(&env, "10172", 1, &[]);
    let listen = format!("{}:10172", lab("LAB_CLIENT_V4"));
    let second = Command::new(env!("CARGO_BIN_EXE_wirescope"))
        .args([
            "traps",
            "--netns",
            &lab("LAB_CLIENT_NS"),
            "--listen",
            &listen,
        ])
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(second.status.code(), Some(1));
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(err.contains("is taken by another program"), "{err}");
    let mut first = first;
    let _ = first.kill();
    let _ = first.wait();
    let _ = std::fs::remove_dir_all(&dir);
}

/// An SNMP run asking the agent at `addr` its sysName from the client namespace, so the server
/// knows the device; returns the run's id once it has ended.
fn known_device(server: &Server, addr: &str) -> i64 {
    let run = server.create(json!({
        "kind": "snmp",
        "targets": [addr],
        "options": {"op": "get", "oids": ["sysName.0"], "community": lab("LAB_SNMP_COMMUNITY")},
        "net": {"netns": lab("LAB_CLIENT_NS")},
    }));
    let ended = server.wait(run, 30);
    assert_eq!(ended["status"], "finished", "{ended}");
    run
}

/// The server's traps matching `query`.
fn traps(server: &Server, query: &str) -> Vec<Value> {
    let (status, list) = server.json("GET", &format!("/api/traps?{query}"), None);
    assert_eq!(status, 200, "{list}");
    list["traps"].as_array().cloned().unwrap_or_default()
}

#[test]
#[ignore = "needs the lab: sudo lab/lab.sh up"]
fn the_server_stores_traps_matches_their_device_and_streams_them() {
    let dir = std::env::temp_dir().join(format!("wirescope-api-{}-traps", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let env = creds_env(&dir);
    add_profiles(&env);
    let port = "10173";
    let listen = format!("{}:{port}", lab("LAB_CLIENT_V4"));
    let client_ns = lab("LAB_CLIENT_NS");
    let log = std::fs::File::create(dir.join("server.log")).unwrap_or_else(|e| panic!("{e}"));
    let server = Server::spawn(
        dir.clone(),
        &[
            "--traps",
            &listen,
            "--trap-netns",
            &client_ns,
            "--trap-community",
            "wsl-traps-srv",
            "--trap-profile",
            "v3aes",
            "--trap-profile",
            "v3des",
        ],
        &env,
        Stdio::from(log),
    );

    // A stored SNMP run makes the host a known device (by its sysName).
    let host = lab("LAB_HOST_V4");
    let run = known_device(&server, &host);

    // A WebSocket watching traps sees them arrive.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let url = server.ws_url();
    let live = std::thread::spawn(move || {
        rt.block_on(async {
            use futures::{SinkExt, StreamExt};
            use tokio_tungstenite::tungstenite::Message;
            let (mut ws, _) = tokio_tungstenite::connect_async(url)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            ws.send(Message::text(r#"{"type":"watch_traps"}"#))
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let mut seen = Vec::new();
            let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
            while seen.len() < 6 {
                let msg = tokio::time::timeout_at(deadline, ws.next()).await;
                let Ok(Some(Ok(Message::Text(t)))) = msg else {
                    if matches!(msg, Ok(Some(Ok(_)))) {
                        continue;
                    }
                    break;
                };
                let v: Value = serde_json::from_str(&t).unwrap_or_default();
                if v["type"] == "traps" {
                    seen.extend(v["traps"].as_array().cloned().unwrap_or_default());
                }
            }
            seen
        })
    });
    std::thread::sleep(Duration::from_millis(500));

    let (accepted, informs) = send_everything(&lab("LAB_CLIENT_V4"), port, "wsl-traps-srv");
    let stored = wait_for(30, "every accepted trap stored", || {
        let t = traps(&server, &format!("source={host}"));
        (t.len() as u64 == accepted).then_some(t)
    });
    let seen = live
        .join()
        .unwrap_or_else(|_| panic!("the WebSocket thread"));
    assert_eq!(seen.len() as u64, accepted, "{seen:#?}");
    assert!(seen.iter().all(|t| t["id"].as_i64().is_some()));

    let sys_name = lab("LAB_HOST_NAME");
    for t in &stored {
        assert_eq!(t["device"]["name"], sys_name.as_str(), "{t}");
        assert_eq!(t["device"]["by"], "address");
        assert_eq!(t["device"]["run_id"], run);
        assert!(
            t.get("community").is_none(),
            "the history keeps no community: {t}"
        );
    }
    assert_eq!(
        traps(&server, &format!("device={sys_name}")).len() as u64,
        accepted
    );
    assert_eq!(traps(&server, "oid=.1.3.6.1.6.3.1.1.5.3").len(), 3);
    assert_eq!(traps(&server, "oid=linkup").len(), 2);
    assert_eq!(traps(&server, "source=198.18.99.99").len(), 0);
    let (_, page) = server.json("GET", "/api/traps?limit=2", None);
    assert_eq!(page["more"], true);
    let last = page["traps"][1]["id"].as_i64().unwrap_or(0);
    assert_eq!(
        traps(&server, &format!("before={last}&limit=100")).len() as u64,
        accepted - 2
    );
    let (status, bad) = server.json("GET", "/api/traps?until=later", None);
    assert_eq!((status, bad["field"].as_str()), (400, Some("until")));
    let (status, one) = server.json("GET", &format!("/api/traps/{}", stored[0]["id"]), None);
    assert_eq!(status, 200);
    assert_eq!(one, stored[0]);
    let (status, _) = server.json("GET", "/api/traps/999999", None);
    assert_eq!(status, 404);

    // Beside the run.
    let (status, beside) = server.json("GET", &format!("/api/runs/{run}/traps"), None);
    assert_eq!(status, 200, "{beside}");
    assert_eq!(
        beside["traps"].as_array().map(Vec::len),
        Some(accepted as usize)
    );

    // The receiver's counts.
    let (_, r) = server.json("GET", "/api/traps/receiver", None);
    assert_eq!(r["listening"], listen.as_str(), "{r}");
    assert_eq!(r["from_flags"], true);
    assert!(
        r["engine_id"].as_str().is_some_and(|e| e.len() >= 10),
        "{r}"
    );
    assert_eq!(r["counts"]["received"].as_u64(), Some(accepted));
    assert_eq!(r["counts"]["informs_acked"].as_u64(), Some(informs));
    check_refusals(&r["counts"]);
    assert_eq!(r["stored"].as_u64(), Some(accepted));
    let (status, refused) = server.json(
        "PUT",
        "/api/traps/receiver",
        Some(json!({"listen": null, "profiles": []})),
    );
    assert_eq!(status, 409, "{refused}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[ignore = "needs the lab: sudo lab/lab.sh up"]
fn the_receiver_is_switched_by_its_setting_and_says_why_it_cannot_start() {
    let mut server = Server::start("traps-setting", &[]);
    let (_, off) = server.json("GET", "/api/traps/receiver", None);
    assert_eq!(off["listening"], Value::Null, "{off}");
    let listen = format!("{}:10174", lab("LAB_CLIENT_V4"));
    let settings = json!({"listen": listen, "netns": lab("LAB_CLIENT_NS"), "profiles": []});
    let (status, on) = server.json("PUT", "/api/traps/receiver", Some(settings.clone()));
    assert_eq!(status, 200, "{on}");
    assert_eq!(on["listening"], listen.as_str());
    assert_eq!(on["accepts_any"], true);
    send(
        "snmptrap",
        &["-v", "2c", "-c", "anything", &listen, "", LINK_DOWN],
        true,
    );
    let first = wait_for(20, "the trap stored", || {
        traps(&server, "").into_iter().next()
    });
    assert_eq!(
        first["device"],
        Value::Null,
        "no run knows the host yet: {first}"
    );
    // An SNMP run that ends makes the host known to the very next trap.
    let host = lab("LAB_HOST_V4");
    known_device(&server, &host);
    send(
        "snmptrap",
        &["-v", "2c", "-c", "anything", &listen, "", LINK_DOWN],
        true,
    );
    let second = wait_for(20, "the second trap stored", || {
        traps(&server, "")
            .into_iter()
            .find(|t| t["id"] != first["id"])
    });
    assert_eq!(
        second["device"]["name"],
        lab("LAB_HOST_NAME").as_str(),
        "{second}"
    );

    // Kept across a restart of the server.
    let dir = std::mem::take(&mut server.dir);
    drop(server);
    let server = Server::start_in(dir, &[]);
    let (_, again) = server.json("GET", "/api/traps/receiver", None);
    assert_eq!(again["listening"], listen.as_str(), "{again}");
    assert_eq!(again["stored"], 2);

    for (body, field) in [
        (json!({"listen": "nowhere"}), "listen"),
        (json!({"listen": "0.0.0.0:10175", "netns": "../x"}), "netns"),
        (
            json!({"listen": "0.0.0.0:10175", "profiles": ["no-such-profile"]}),
            "profiles",
        ),
        (
            json!({"listen": "0.0.0.0:10175", "colour": "red"}),
            "colour",
        ),
    ] {
        let (status, e) = server.json("PUT", "/api/traps/receiver", Some(body.clone()));
        assert_eq!(status, 400, "{body} -> {e}");
        assert_eq!(e["field"], field, "{body} -> {e}");
    }
    let (status, off) = server.json("PUT", "/api/traps/receiver", Some(json!({"listen": null})));
    assert_eq!(status, 200, "{off}");
    assert_eq!(off["listening"], Value::Null);
}

/// The lab's webhook sink's records whose path contains `tag`.
fn hooks(tag: &str) -> Vec<Value> {
    let path = format!("{}/webhook.jsonl", lab("LAB_SINK_DIR"));
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|r| r["path"].as_str().is_some_and(|p| p.contains(tag)))
        .collect()
}

#[test]
#[ignore = "needs the lab: sudo lab/lab.sh up"]
fn a_switch_link_going_down_alerts_and_checks_the_switch_and_its_neighbours() {
    let listen = format!("{}:{}", lab("LAB_CLIENT_V4"), lab("LAB_TRAP_PORT"));
    let client_ns = lab("LAB_CLIENT_NS");
    let dir =
        std::env::temp_dir().join(format!("wirescope-api-{}-traps-switch", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let env = creds_env(&dir);
    let out = Command::new(env!("CARGO_BIN_EXE_wirescope"))
        .args(["creds", "add", "lab-v2", "-v", "2c"])
        .envs(env.iter().map(|(k, v)| (k, v)))
        .env("WIRESCOPE_SNMP_COMMUNITY", lab("LAB_SNMP_COMMUNITY"))
        .output()
        .unwrap_or_else(|e| panic!("creds add: {e}"));
    common::ok(&out);
    let log = std::fs::File::create(dir.join("server.log")).unwrap_or_else(|e| panic!("{e}"));
    let server = Server::spawn(
        dir.clone(),
        &[
            "--traps",
            &listen,
            "--trap-netns",
            &client_ns,
            "--trap-community",
            &lab("LAB_TRAP_COMMUNITY"),
            "--notify-retry",
            "1s",
        ],
        &env,
        Stdio::from(log),
    );
    let s1 = lab("LAB_S1_LAN_V4");
    let run = known_device(&server, &s1);

    // A rule: s1's link traps alert the lab's webhook and start a check of s1.
    let tag = format!("traps-{}", std::process::id());
    let hook = format!("http://127.0.0.1:{}/ok/{tag}", lab("LAB_WEBHOOK_PORT"));
    let (status, c) = server.json(
        "PUT",
        "/api/channels/hook",
        Some(json!({"type": "webhook", "url": hook})),
    );
    assert_eq!(status, 201, "{c}");
    let rule = json!({"name": "s1-links", "oid": "IF-MIB::link*", "source": "s1*",
                      "channels": ["hook"], "follow_up": true, "profile": "lab-v2", "hold": "10m"});
    for (bad, field) in [
        (
            json!({"rules": [{"name": "x", "oid": "*", "channels": ["nope"]}]}),
            "rules[0].channels[0]",
        ),
        (
            json!({"rules": [{"name": "x", "oid": "*", "follow_up": true}]}),
            "rules[0].profile",
        ),
        (
            json!({"rules": [{"name": "x", "oid": "*", "source": "1.2.3.4/40"}]}),
            "rules[0].source",
        ),
    ] {
        let (status, e) = server.json("PUT", "/api/traps/rules", Some(bad.clone()));
        assert_eq!(
            (status, e["field"].as_str()),
            (400, Some(field)),
            "{bad} -> {e}"
        );
    }
    let (status, saved) = server.json("PUT", "/api/traps/rules", Some(json!({"rules": [rule]})));
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["rules"][0]["hold"], "10m");

    // s1's link to s3 goes down, then up again.
    let port = lab("LAB_SW_S1_S3_A")
        .split_once(':')
        .map(|(_, p)| p.to_string())
        .unwrap_or_default();
    let link = |state: &str| {
        let out = Command::new("ip")
            .args([
                "netns",
                "exec",
                &lab("LAB_S1_NS"),
                "ip",
                "link",
                "set",
                &port,
                state,
            ])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        common::ok(&out);
    };
    link("down");
    let down = wait_for(30, "s1's linkDown", || {
        traps(&server, &format!("source={s1}&oid=linkDown"))
            .into_iter()
            .next()
    });
    link("up");
    let up = wait_for(30, "s1's linkUp", || {
        traps(&server, &format!("source={s1}&oid=linkUp"))
            .into_iter()
            .next()
    });
    assert_eq!(
        down["device"]["name"],
        lab("LAB_S1_SYSNAME").as_str(),
        "{down}"
    );
    assert_eq!(down["device"]["run_id"], run);
    let oper = down["varbinds"]
        .as_array()
        .and_then(|v| {
            v.iter().find(|b| {
                b["name"]
                    .as_str()
                    .is_some_and(|n| n.starts_with("IF-MIB::ifOperStatus"))
            })
        })
        .cloned()
        .unwrap_or_default();
    assert_eq!(oper["value"], "down(2)", "{down}");
    assert!(up["id"].as_i64() > down["id"].as_i64());
    let (_, beside) = server.json("GET", &format!("/api/runs/{run}/traps"), None);
    assert!(
        beside["traps"].as_array().is_some_and(|t| t.len() >= 2),
        "{beside}"
    );

    // One alert (the linkUp falls in the rule's hold), delivered to the webhook.
    let (_, alerts) = server.json("GET", "/api/alerts?limit=50", None);
    let events: Vec<Value> = alerts["events"].as_array().cloned().unwrap_or_default();
    assert_eq!(events.len(), 1, "{alerts}");
    let event = &events[0];
    assert_eq!(event["trap_id"], down["id"], "{event}");
    assert_eq!(event["suite_id"], Value::Null);
    assert_eq!(event["rule"], "s1-links");
    assert_eq!(event["target"], lab("LAB_S1_SYSNAME").as_str());
    assert!(
        event["summary"]
            .as_str()
            .is_some_and(|s| s.starts_with("IF-MIB::linkDown from")),
        "{event}"
    );
    wait_for(30, "the webhook told", || {
        hooks(&tag)
            .into_iter()
            .find(|h| h["body"]["event"]["rule"] == "s1-links")
    });

    // The follow-up: s1's interfaces and neighbours polled, its neighbours pinged.
    let checked = wait_for(60, "the follow-up runs attached", || {
        let (_, t) = server.json("GET", &format!("/api/traps/{}", down["id"]), None);
        (t["follow_up"].as_array().map(Vec::len) == Some(3)).then_some(t)
    });
    let runs: Vec<i64> = checked["follow_up"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_i64)
        .collect();
    let ran: Vec<Value> = runs.iter().map(|r| server.wait(*r, 60)).collect();
    assert!(
        ran.iter()
            .all(|r| r["source"] == "trap" && r["status"] == "finished"),
        "{ran:#?}"
    );
    assert_eq!(ran[0]["options"]["op"], "interfaces");
    assert!(
        ran[0]["results"][0]["interfaces"]
            .as_array()
            .is_some_and(|i| i.len() >= 3),
        "s1's interfaces: {}",
        ran[0]
    );
    assert_eq!(ran[1]["options"]["op"], "neighbors");
    assert_eq!(ran[2]["kind"], "ping");
    let pinged: Vec<&str> = ran[2]["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["alive"] == true)
        .filter_map(|r| r["target"].as_str())
        .collect();
    assert!(!pinged.is_empty(), "a neighbour of s1 answers: {}", ran[2]);
    let (_, e) = server.json("GET", &format!("/api/alerts/{}", event["id"]), None);
    assert_eq!(e["run_id"].as_i64(), Some(runs[0]));
    let _ = std::fs::remove_dir_all(&dir);
}
