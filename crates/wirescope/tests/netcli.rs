//! Network CLIs in the lab (lab/netcli: emulated IOS, NX-OS, EOS, Junos, ProCurve, RouterOS and
//! VRP devices over SSH): interactive sessions on every vendor, paged and slow output, enable
//! refused, a device that never prompts, the exec channel refused, configuration pushes that
//! stop at a refused line, and backups kept as versions with their diffs (from the CLI, and from
//! the server's runs and its configuration routes).

mod common;

use common::server::Server;
use common::{lab, ndjson, var};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Output;

type Lab = HashMap<String, String>;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wirescope-netcli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    dir
}

/// `wirescope ssh SUB ... --json` from the client namespace, logged in to the emulated devices.
fn ssh(lab: &Lab, dir: &std::path::Path, sub: &str, args: &[&str], secret: Option<&str>) -> Output {
    let mut cmd = std::process::Command::new("ip");
    cmd.args([
        "netns",
        "exec",
        var(lab, "LAB_CLIENT_NS"),
        env!("CARGO_BIN_EXE_wirescope"),
        "ssh",
        sub,
    ]);
    if sub != "configs" {
        cmd.args([
            "--json",
            "--known-hosts",
            &dir.join("known_hosts").display().to_string(),
            "--accept-new-host-keys",
            "-p",
            var(lab, "LAB_NETCLI_PORT"),
            "-l",
            var(lab, "LAB_NETCLI_USER"),
            "--password-env",
            "WS_PW",
        ]);
        if !args.contains(&"--command-timeout") {
            cmd.args(["--command-timeout", "3s"]);
        }
    }
    if let Some(s) = secret {
        cmd.args(["--enable-secret-env", "WS_EN"]).env("WS_EN", s);
    }
    cmd.args(args)
        .env("WS_PW", var(lab, "LAB_NETCLI_PASSWORD"))
        .output()
        .unwrap_or_else(|e| panic!("run wirescope: {e}"))
}

fn rows(out: &Output) -> HashMap<String, Value> {
    let (rows, summary) = ndjson(out);
    assert_eq!(summary["probe"], "ssh", "{summary}");
    rows.into_iter()
        .map(|r| (r["target"].as_str().unwrap_or_default().to_string(), r))
        .collect()
}

fn enable(lab: &Lab) -> Option<&str> {
    Some(var(lab, "LAB_NETCLI_ENABLE"))
}

/// Each vendor: its address, platform, a command, its output's first line, and what it says
/// to a command it does not know.
const VENDORS: [(&str, &str, &str, &str, &str); 7] = [
    (
        "LAB_NETCLI_IOS_V4",
        "cisco_ios",
        "show version",
        "Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E8, RELEASE SOFTWARE (fc1)",
        "% Invalid input detected at '^' marker.",
    ),
    (
        "LAB_NETCLI_NXOS_V4",
        "cisco_nxos",
        "show version",
        "Cisco Nexus Operating System (NX-OS) Software",
        "% Invalid command at '^' marker.",
    ),
    (
        "LAB_NETCLI_EOS_V4",
        "arista_eos",
        "show version",
        "Arista DCS-7050SX3-48YC8",
        "% Invalid input",
    ),
    (
        "LAB_NETCLI_JUNOS_V4",
        "juniper_junos",
        "show version",
        "Model: ex4300-48t",
        "unknown command.",
    ),
    (
        "LAB_NETCLI_HP_V4",
        "hp_procurve",
        "show version",
        "Image stamp:    /ws/swbuildm/rel_onterio_qaoff/code/build/",
        "Invalid input: frobnicate",
    ),
    (
        "LAB_NETCLI_ROS_V4",
        "mikrotik_routeros",
        "/system resource print",
        "uptime: 3w2d",
        "bad command name frobnicate (line 1 column 1)",
    ),
    (
        "LAB_NETCLI_VRP_V4",
        "huawei_vrp",
        "display version",
        "Huawei Versatile Routing Platform Software",
        "Error: Unrecognized command found at '^' position.",
    ),
];

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn every_vendor_gives_each_commands_output_alone_and_its_refusals() {
    let lab = lab();
    let dir = scratch("vendors");
    for (addr, platform, command, first, refusal) in VENDORS {
        let host = var(lab, addr);
        let out = ssh(
            lab,
            &dir,
            "exec",
            &[
                host,
                "--shell",
                "--platform",
                platform,
                "--",
                command,
                "frobnicate",
            ],
            enable(lab),
        );
        let r = &rows(&out)[host];
        assert_eq!(r["error"], Value::Null, "{platform}: {r}");
        assert_eq!(r["platform"], platform);
        let outputs = r["outputs"].as_array().cloned().unwrap_or_default();
        assert_eq!(outputs.len(), 2, "{platform}: {r}");
        let text = outputs[0]["output"].as_str().unwrap_or_default();
        assert_eq!(text.lines().next(), Some(first), "{platform}: {text:?}");
        assert!(
            !text.contains(command) && !text.contains('\u{8}') && !text.contains('\r'),
            "{platform}: no echo, no debris: {text:?}"
        );
        assert_eq!(outputs[0]["error"], Value::Null, "{platform}");
        assert_eq!(outputs[1]["error"], refusal, "{platform}: {r}");
    }
    // Guessed from what each prints (the prompt's shape, a banner, a key to press).
    let hosts: Vec<&str> = ["IOS", "NXOS", "JUNOS", "HP", "ROS", "VRP"]
        .iter()
        .map(|v| var(lab, &format!("LAB_NETCLI_{v}_V4")))
        .collect();
    let mut args = hosts.clone();
    args.extend(["--shell", "--", "frobnicate"]);
    let out = ssh(lab, &dir, "exec", &args, enable(lab));
    let all = rows(&out);
    let guessed: Vec<&str> = hosts
        .iter()
        .map(|h| all[*h]["platform"].as_str().unwrap_or("none"))
        .collect();
    assert_eq!(
        guessed,
        [
            "cisco_ios",
            "cisco_nxos",
            "juniper_junos",
            "hp_procurve",
            "mikrotik_routeros",
            "huawei_vrp"
        ]
    );
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn a_long_slow_paged_output_comes_whole_and_without_pager_debris() {
    let lab = lab();
    let dir = scratch("paged");
    // This device pages by 24 lines even after `terminal length 0`, and pauses every 20 lines.
    let host = var(lab, "LAB_NETCLI_SLOW_V4");
    let out = ssh(
        lab,
        &dir,
        "exec",
        &[
            host,
            "--shell",
            "--platform",
            "cisco_ios",
            "--",
            "show running-config",
        ],
        enable(lab),
    );
    let r = &rows(&out)[host];
    assert_eq!(r["error"], Value::Null, "{r}");
    let text = r["outputs"][0]["output"].as_str().unwrap_or_default();
    assert!(
        !text.contains("More") && !text.contains('\u{8}'),
        "no pager left: {text}"
    );
    // Every interface block, in order, whole: nothing lost at the page breaks.
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.first().copied(), Some("Building configuration..."));
    assert_eq!(lines.last().copied(), Some("end"));
    let interfaces: Vec<&str> = lines
        .iter()
        .filter(|l| l.starts_with("interface "))
        .copied()
        .collect();
    let expected: Vec<String> = (0..interfaces.len())
        .map(|i| format!("interface GigabitEthernet0/{i}"))
        .collect();
    assert_eq!(interfaces, expected);
    assert!(interfaces.len() >= 20, "{} interfaces", interfaces.len());
    for (i, l) in lines.iter().enumerate() {
        if let Some(n) = l.strip_prefix("interface GigabitEthernet0/") {
            assert_eq!(lines[i + 1], format!(" description link {n}"));
            assert_eq!(lines[i + 4], "!");
        }
    }
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn a_wrong_enable_secret_a_silent_device_and_a_refused_exec_channel_are_each_said() {
    let lab = lab();
    let dir = scratch("refusals");
    let ios = var(lab, "LAB_NETCLI_IOS_V4");
    let show = [
        ios,
        "--shell",
        "--platform",
        "cisco_ios",
        "--",
        "show running-config",
    ];
    let wrong = &rows(&ssh(lab, &dir, "exec", &show, Some("not-the-secret")))[ios];
    assert_eq!(
        wrong["error"], "privileged mode was refused: % Access denied",
        "{wrong}"
    );
    let none = &rows(&ssh(lab, &dir, "exec", &show, None))[ios];
    assert!(
        none["error"]
            .as_str()
            .is_some_and(|e| e.contains("none was given")),
        "{none}"
    );
    // A device that shows its banner and never a prompt: the wait ends, naming what it printed.
    let mute = var(lab, "LAB_NETCLI_MUTE_V4");
    let started = std::time::Instant::now();
    let named = &rows(&ssh(
        lab,
        &dir,
        "exec",
        &[
            mute,
            "--shell",
            "--platform",
            "cisco_ios",
            "--command-timeout",
            "2s",
            "--",
            "show clock",
        ],
        enable(lab),
    ))[mute];
    assert_eq!(
        named["error"],
        "no cisco_ios prompt seen in 2.0 s waiting for the first prompt; the last line was 'mute1: authorised access only'"
    );
    let guessed = &rows(&ssh(
        lab,
        &dir,
        "exec",
        &[
            mute,
            "--shell",
            "--command-timeout",
            "2s",
            "--",
            "show clock",
        ],
        None,
    ))[mute];
    assert!(
        guessed["error"].as_str().is_some_and(|e| e.starts_with(
            "the platform could not be told from what the device printed in 2.0 s (give --platform): 'mute1: authorised access only'"
        )),
        "{guessed}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(15));
    // Most network CLIs refuse the exec channel; EOS takes it.
    let refused = &rows(&ssh(lab, &dir, "exec", &[ios, "--", "show version"], None))[ios];
    assert!(
        refused["error"]
            .as_str()
            .is_some_and(|e| e.contains("refused to run the command") && e.contains("--shell")),
        "{refused}"
    );
    let eos = var(lab, "LAB_NETCLI_EOS_V4");
    let taken = &rows(&ssh(lab, &dir, "exec", &[eos, "--", "show version"], None))[eos];
    assert_eq!(taken["exit_status"], 0, "{taken}");
    assert_eq!(
        taken["stdout"],
        "Arista DCS-7050SX3-48YC8\nSoftware image version: 4.30.1F\n"
    );
}

fn config(r: &Value) -> &Value {
    &r["config"]
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn a_push_stops_at_the_refused_line_and_backups_keep_each_change_as_a_version() {
    let lab = lab();
    let dir = scratch("push");
    let db = dir.join("history.db").display().to_string();
    let host = var(lab, "LAB_NETCLI_PUSH_V4");
    let backup =
        || rows(&ssh(lab, &dir, "backup", &[host, "--db", &db], enable(lab)))[host].clone();
    let first = backup();
    assert_eq!(first["error"], Value::Null, "{first}");
    let v1 = config(&first)["version"].as_i64().expect("a version");
    assert_eq!(config(&first)["changed"], Value::Null, "the first version");
    assert!(
        config(&first)["text"]
            .as_str()
            .is_some_and(|t| t.contains("\nhostname push1\n")),
        "{first}"
    );

    let changes = dir.join("changes.txt");
    let push = |lines: &str, extra: &[&str]| {
        std::fs::write(&changes, lines).unwrap_or_else(|e| panic!("{e}"));
        let path = changes.display().to_string();
        let mut args = vec![host, "-f", path.as_str()];
        args.extend_from_slice(extra);
        rows(&ssh(lab, &dir, "config", &args, enable(lab)))[host].clone()
    };
    // Values of this run's own: the device keeps its configuration while the lab is up.
    let n = std::process::id() % 200 + 10;
    let (a, b, never) = (
        format!("ntp server 198.51.100.{n}"),
        format!("ntp server 203.0.113.{n}"),
        format!("ntp server 192.0.2.{n}"),
    );
    let good = format!("interface GigabitEthernet0/3\n description uplink {n}\n\n{a}\n");
    // A dry run changes nothing: the next backup is the same version.
    let dry = push(&good, &["--dry-run"]);
    assert_eq!(config(&dry)["dry_run"], true, "{dry}");
    let shown = config(&dry)["text"].as_str().unwrap_or_default();
    assert!(
        shown.contains("\nhostname push1\n") && !shown.contains(&a),
        "{shown}"
    );
    let again = backup();
    assert_eq!(
        (
            config(&again)["version"].as_i64(),
            &config(&again)["changed"]
        ),
        (Some(v1), &Value::Bool(false)),
        "{again}"
    );

    let applied = push(&good, &["--save-config"]);
    assert_eq!(applied["error"], Value::Null, "{applied}");
    let c = config(&applied);
    assert_eq!(
        (c["applied"].as_u64(), &c["saved"]),
        (Some(3), &Value::Bool(true))
    );
    let diff = c["diff"].as_str().unwrap_or_default();
    assert!(diff.starts_with("--- before\n+++ after\n"), "{diff}");
    let added: Vec<&str> = diff
        .lines()
        .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
        .collect();
    assert_eq!(
        added,
        [format!("+ description uplink {n}"), format!("+{a}")]
    );

    // The second line is refused: the third is never typed, nothing is saved.
    let refused = push(&format!("{b}\nfrobnicate 7\n{never}\n"), &["--save-config"]);
    assert_eq!(
        refused["error"],
        "line 2 'frobnicate 7' was refused: % Invalid input detected at '^' marker."
    );
    assert_eq!(refused["error_kind"], "refused");
    let c = config(&refused);
    assert_eq!(c["refused"]["line_no"], 2);
    assert_eq!(
        (c["applied"].as_u64(), &c["saved"]),
        (Some(1), &Value::Bool(false))
    );
    let diff = c["diff"].as_str().unwrap_or_default();
    assert!(
        diff.contains(&format!("\n+{b}\n")) && !diff.contains(&never),
        "{diff}"
    );

    // The backup after: a new version, its diff against the first (the clock lines left out).
    let changed = backup();
    let c = config(&changed);
    let v2 = c["version"].as_i64().expect("a version");
    assert!(v2 > v1 && c["changed"] == true, "{changed}");
    let diff = c["diff"].as_str().unwrap_or_default();
    assert!(
        diff.starts_with(&format!("--- version {v1}\n+++ version {v2}\n")),
        "{diff}"
    );
    assert!(
        !diff.contains("ntp clock-period") && !diff.contains("Current configuration"),
        "{diff}"
    );
    assert_eq!(
        diff.lines()
            .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
            .count(),
        3,
        "{diff}"
    );

    // The history: both versions, one's text, the other's diff.
    let listed = ssh(lab, &dir, "configs", &[host, "--db", &db, "--json"], None);
    let listed: Value = serde_json::from_slice(&listed.stdout).expect("JSON");
    let ids: Vec<i64> = listed["versions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v["id"].as_i64())
        .collect();
    assert_eq!(ids, [v2, v1]);
    let shown = ssh(
        lab,
        &dir,
        "configs",
        &[host, "--db", &db, "--show", &v1.to_string()],
        None,
    );
    let shown = String::from_utf8_lossy(&shown.stdout);
    assert!(
        shown.contains("hostname push1") && !shown.contains(&a),
        "{shown}"
    );
    let d = ssh(
        lab,
        &dir,
        "configs",
        &[host, "--db", &db, "--diff", &v2.to_string()],
        None,
    );
    assert!(String::from_utf8_lossy(&d.stdout).contains(&format!("\n+{b}\n")));
    let other = ssh(
        lab,
        &dir,
        "configs",
        &["192.0.2.99", "--db", &db, "--show", &v1.to_string()],
        None,
    );
    assert_eq!(other.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&other.stderr).contains("192.0.2.99 has no configuration version")
    );
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn junos_commits_a_whole_push_and_rolls_back_a_refused_one() {
    let lab = lab();
    let dir = scratch("junos");
    let host = var(lab, "LAB_NETCLI_PUSHJ_V4");
    let changes = dir.join("changes.txt");
    let push = |lines: &str| {
        std::fs::write(&changes, lines).unwrap_or_else(|e| panic!("{e}"));
        let path = changes.display().to_string();
        rows(&ssh(
            lab,
            &dir,
            "config",
            &[host, "-f", &path, "--platform", "auto"],
            None,
        ))[host]
            .clone()
    };
    // Values of this run's own: the device keeps its configuration while the lab is up.
    let n = std::process::id();
    let ok = push(&format!(
        "set snmp location rack-{n}\nset system host-name push2-{n}\n"
    ));
    assert_eq!(ok["error"], Value::Null, "{ok}");
    assert_eq!(ok["platform"], "juniper_junos");
    let diff = config(&ok)["diff"].as_str().unwrap_or_default();
    assert!(
        diff.contains("\n-set system host-name push2")
            && diff.contains(&format!("\n+set system host-name push2-{n}\n"))
            && diff.contains(&format!("\n+set snmp location rack-{n}\n")),
        "{diff}"
    );
    let bad = push("set snmp contact noc\nsett foo\n");
    assert_eq!(bad["error"], "line 2 'sett foo' was refused: syntax error.");
    // Nothing was committed: the configuration after is the one before.
    assert_eq!(config(&bad)["diff"], "", "{bad}");
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn backups_of_every_vendor_are_kept_once_and_bad_changes_files_are_refused() {
    let lab = lab();
    let dir = scratch("backups");
    let db = dir.join("history.db").display().to_string();
    let hosts: Vec<&str> = ["IOS", "NXOS", "EOS", "JUNOS", "HP", "ROS", "VRP"]
        .iter()
        .map(|v| var(lab, &format!("LAB_NETCLI_{v}_V4")))
        .collect();
    let mut args = hosts.clone();
    args.extend(["--db", &db]);
    let first = rows(&ssh(lab, &dir, "backup", &args, enable(lab)));
    let second = rows(&ssh(lab, &dir, "backup", &args, enable(lab)));
    for (h, name) in hosts
        .iter()
        .zip(["ios1", "nx1", "eos1", "junos1", "hp1", "ros1", "vrp1"])
    {
        let (a, b) = (config(&first[*h]), config(&second[*h]));
        assert_eq!(first[*h]["error"], Value::Null, "{}", first[*h]);
        assert!(
            a["text"].as_str().is_some_and(|t| t.contains(name)),
            "{h}: {a}"
        );
        assert_eq!(a["changed"], Value::Null, "{h}: the first version");
        // Their clocks moved between the two; their configurations did not.
        assert_eq!(
            (&b["version"], &b["changed"]),
            (&a["version"], &Value::Bool(false)),
            "{h}: {b}"
        );
    }
    let listed = ssh(lab, &dir, "configs", &["--db", &db, "--json"], None);
    let listed: Value = serde_json::from_slice(&listed.stdout).expect("JSON");
    assert_eq!(
        listed["devices"].as_array().map(Vec::len),
        Some(7),
        "{listed}"
    );

    // Bad changes files: named, before any device is touched.
    let ios = var(lab, "LAB_NETCLI_IOS_V4");
    let bad = dir.join("bad.txt");
    for (text, says) in [
        ("\n\n", "no lines to type"),
        ("hostname a\x07b\n", "line 1 holds a control character"),
    ] {
        std::fs::write(&bad, text).unwrap_or_else(|e| panic!("{e}"));
        let out = ssh(
            lab,
            &dir,
            "config",
            &[ios, "-f", &bad.display().to_string()],
            None,
        );
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("--changes {}: {says}", bad.display())),
            "{err}"
        );
    }
    let missing = ssh(
        lab,
        &dir,
        "config",
        &[ios, "-f", "/nonexistent/changes"],
        None,
    );
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("--changes /nonexistent/changes"));
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn the_server_keeps_a_backup_run_as_versions_and_names_bad_configuration_tasks() {
    let lab = lab();
    // Its own data directory: its own known_hosts, which the lab's host keys may not match.
    let server = Server::start_env("netcli-configs", &[], &[]);
    let eos = var(lab, "LAB_NETCLI_EOS_V4");
    let options = |config: Value, shell: bool| {
        json!({
            "kind": "ssh",
            "targets": [eos],
            "options": {
                "user": var(lab, "LAB_NETCLI_USER"),
                "password": var(lab, "LAB_NETCLI_PASSWORD"),
                "enable_secret": var(lab, "LAB_NETCLI_ENABLE"),
                "port": var(lab, "LAB_NETCLI_PORT").parse::<u16>().unwrap_or(2300),
                "shell": shell,
                "platform": "arista_eos",
                "accept_new_host_keys": true,
                "config": config,
            },
            "net": {"netns": var(lab, "LAB_CLIENT_NS")},
        })
    };
    // Two backups: one version, seen twice.
    for _ in 0..2 {
        let id = server.create(options(json!({"action": "backup"}), true));
        let run = server.wait(id, 30);
        assert_eq!(run["status"], "finished", "{run}");
        assert_eq!(run["results"][0]["error"], Value::Null, "{run}");
    }
    let (status, devices) = server.json("GET", "/api/ssh/configs", None);
    assert_eq!(status, 200);
    assert_eq!(devices["devices"][0]["latest"]["target"], eos, "{devices}");
    assert_eq!(devices["devices"][0]["versions"], 1, "{devices}");
    let (status, versions) = server.json(
        "GET",
        &format!("/api/ssh/configs/versions?target={eos}"),
        None,
    );
    assert_eq!(status, 200);
    let v = &versions["versions"][0];
    assert_ne!(
        v["run_id"], v["seen_run_id"],
        "seen again by the second run: {v}"
    );
    let (status, text) = server.json(
        "GET",
        &format!("/api/ssh/configs/versions/{}", v["id"]),
        None,
    );
    assert_eq!(status, 200);
    assert!(
        text["text"]
            .as_str()
            .is_some_and(|t| t.contains("! device: eos1 (DCS-7050SX3-48YC8, EOS-4.30.1F)")),
        "{text}"
    );
    assert_eq!(
        (&text["previous"], &text["diff"]),
        (&Value::Null, &Value::Null)
    );
    for (path, code) in [
        ("/api/ssh/configs/versions?target=192.0.2.9", 404),
        ("/api/ssh/configs/versions/999999", 404),
        ("/api/ssh/configs/versions/abc", 400),
        ("/api/ssh/configs/versions", 400),
    ] {
        assert_eq!(server.json("GET", path, None).0, code, "{path}");
    }
    // Bad tasks, named before anything runs.
    for (config, shell, says) in [
        (
            json!({"action": "push", "lines": ["", " "]}),
            true,
            "no lines to type",
        ),
        (
            json!({"action": "push", "lines": ["a\u{7}"]}),
            true,
            "line 1 holds a control character",
        ),
        (json!({"action": "backup"}), false, "config goes with shell"),
        (json!({"action": "restore"}), true, "restore"),
    ] {
        let (status, e) = server.json("POST", "/api/runs", Some(options(config, shell)));
        assert_eq!(status, 400, "{e}");
        assert!(
            e["error"].as_str().is_some_and(|m| m.contains(says)),
            "{says}: {e}"
        );
    }
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn a_profile_gives_the_login_and_the_enable_secret() {
    let lab = lab();
    let dir = scratch("profile");
    let run = |args: &[&str], env: &[(&str, &str)]| {
        std::process::Command::new("ip")
            .args([
                "netns",
                "exec",
                var(lab, "LAB_CLIENT_NS"),
                env!("CARGO_BIN_EXE_wirescope"),
            ])
            .args(args)
            .env("XDG_CONFIG_HOME", dir.join("config"))
            .env("XDG_DATA_HOME", dir.join("data"))
            .env("WIRESCOPE_SECRET_STORE", "file")
            .env("WIRESCOPE_SECRETS_PASSPHRASE", "netcli profile test")
            .envs(env.iter().copied())
            .output()
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let added = run(
        &[
            "creds",
            "add",
            "lab-net",
            "--ssh-user",
            var(lab, "LAB_NETCLI_USER"),
        ],
        &[
            ("WIRESCOPE_SNMP_COMMUNITY", "unused"),
            ("WIRESCOPE_SSH_PASSWORD", var(lab, "LAB_NETCLI_PASSWORD")),
            ("WIRESCOPE_SSH_ENABLE_SECRET", var(lab, "LAB_NETCLI_ENABLE")),
        ],
    );
    assert_eq!(
        added.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let listed = run(&["creds", "list", "--json"], &[]);
    let listed: Value = serde_json::from_slice(&listed.stdout).unwrap_or_default();
    assert_eq!(listed[0]["ssh"]["enable_secret"], "set", "{listed}");
    // IOS starts in user mode: the running configuration needs the profile's enable secret.
    let ios = var(lab, "LAB_NETCLI_IOS_V4");
    let kh = dir.join("known_hosts").display().to_string();
    let out = run(
        &[
            "ssh",
            "exec",
            ios,
            "--json",
            "--profile",
            "lab-net",
            "-p",
            var(lab, "LAB_NETCLI_PORT"),
            "--known-hosts",
            &kh,
            "--accept-new-host-keys",
            "--shell",
            "--platform",
            "cisco_ios",
            "--",
            "show running-config",
        ],
        &[],
    );
    let r = &rows(&out)[ios];
    assert_eq!(r["error"], Value::Null, "{r}");
    assert!(
        r["outputs"][0]["output"]
            .as_str()
            .is_some_and(|t| t.contains("\nhostname ios1\n")),
        "{r}"
    );
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn a_vrp_save_that_asks_first_is_answered_and_saved() {
    let lab = lab();
    let dir = scratch("vrp");
    let host = var(lab, "LAB_NETCLI_PUSHV_V4");
    let changes = dir.join("changes.txt");
    // Values of this run's own: the device keeps its configuration while the lab is up.
    let n = std::process::id();
    let push = |lines: String| {
        std::fs::write(&changes, lines).unwrap_or_else(|e| panic!("{e}"));
        let path = changes.display().to_string();
        let args = [
            host,
            "-f",
            path.as_str(),
            "--platform",
            "huawei_vrp",
            "--save-config",
        ];
        rows(&ssh(lab, &dir, "config", &args, None))[host].clone()
    };
    let saved = push(format!(
        "interface GigabitEthernet0/0/2\n description core-{n}\n"
    ));
    assert_eq!(saved["error"], Value::Null, "{saved}");
    let c = config(&saved);
    assert_eq!(
        (c["applied"].as_u64(), &c["saved"]),
        (Some(2), &Value::Bool(true)),
        "{c}"
    );
    assert!(
        c["diff"]
            .as_str()
            .is_some_and(|d| d.contains(&format!("\n+ description core-{n}\n"))),
        "{c}"
    );
    // The save's own output: the question answered, then the device's word.
    let outputs = saved["outputs"].as_array().cloned().unwrap_or_default();
    let save = outputs
        .iter()
        .find(|o| o["command"] == "save")
        .unwrap_or_else(|| panic!("no save in {saved}"));
    assert!(
        save["output"]
            .as_str()
            .is_some_and(|t| t.contains("[Y/N]")
                && t.ends_with("Info: Save the configuration successfully.")),
        "{save}"
    );
    // Refused: the save is never typed, so never asked.
    let refused = push("undo frobnicate\nbogus 1\n".into());
    assert_eq!(
        refused["error"],
        "line 2 'bogus 1' was refused: Error: Unrecognized command found at '^' position."
    );
    assert_eq!(config(&refused)["saved"], false);
    assert!(
        !refused["outputs"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|o| o["command"] == "save"),
        "{refused}"
    );
}
