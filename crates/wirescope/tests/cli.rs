//! End-to-end tests of the real binary that need no lab: bad input is a usage error (exit 2)
//! that names the offending token, and help documents every probe.

use std::process::{Command, Output};

fn wirescope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wirescope"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run wirescope: {e}"))
}

fn usage_error(args: &[&str], needle: &str) {
    let out = wirescope(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{args:?} should be a usage error; stderr: {err}"
    );
    assert!(
        err.contains(needle),
        "{args:?}: stderr should mention {needle:?}, got: {err}"
    );
    assert!(out.stdout.is_empty(), "no results for a usage error");
}

#[test]
fn bad_targets_are_named() {
    usage_error(
        &["ping", "127.0.0.1", "10.0.0.300"],
        "invalid target '10.0.0.300'",
    );
    usage_error(
        &["ping", "10.0.0.0/33"],
        "invalid target '10.0.0.0/33': prefix length 33 is above 32",
    );
    usage_error(&["scan", "10.0.0.9-3"], "range end is below its start");
    usage_error(&["trace", "bad!host"], "invalid target 'bad!host'");
    usage_error(&["ping"], "no targets given");
}

#[test]
fn expansion_limit_is_enforced() {
    usage_error(
        &["ping", "10.0.0.0/8"],
        "above the limit of 65536; raise it with --max-targets 16777214",
    );
    usage_error(
        &["ping", "10.0.0.0/24", "--max-targets", "100"],
        "254 addresses, above the limit of 100",
    );
}

#[test]
fn target_files_report_line_numbers() {
    let dir = std::env::temp_dir().join(format!("wirescope-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let file = dir.join("targets.txt");
    std::fs::write(
        &file,
        "# routers\n127.0.0.1\n127.0.0.2 # lo\n\n127.0.0.999\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let path = file.to_string_lossy().to_string();
    usage_error(
        &["ping", "-f", &path],
        &format!("{path}:5: invalid target '127.0.0.999'"),
    );
    usage_error(
        &["ping", "-f", "/nonexistent/targets.txt"],
        "cannot read target file '/nonexistent/targets.txt'",
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_flags_are_usage_errors() {
    usage_error(
        &["serve", "--trend-samples", "0d"],
        "'0d': a retention is 1h to 3650d",
    );
    usage_error(
        &["serve", "--trend-rollups", "5m"],
        "'5m' is not a retention (use whole days or hours: 8d, 36h)",
    );
    usage_error(
        &["ping", "127.0.0.1", "--timeout", "3000"],
        "'3000' has no unit",
    );
    usage_error(
        &["ping", "127.0.0.1", "-c", "0"],
        "count must be between 1 and 100000",
    );
    usage_error(
        &["scan", "127.0.0.1", "-p", "22,70000"],
        "invalid port '70000'",
    );
    usage_error(
        &["scan", "127.0.0.1", "-p", "22", "--top", "10"],
        "cannot be used with",
    );
    usage_error(
        &["dns", "example.test", "-t", "BOGUS"],
        "unknown record type 'BOGUS'",
    );
    usage_error(
        &["dns", "example.test", "--server", "not-an-ip"],
        "server 'not-an-ip' is not an address",
    );
    usage_error(&["trace", "127.0.0.1", "--ttl-typo"], "unexpected argument");
    usage_error(&["trace", "127.0.0.1", "-m", "0"], "is not a TTL");
    usage_error(&["ping", "127.0.0.1", "--resolver", "x"], "--resolver");
    // SNMP settings are enums: a value no agent speaks is refused, never taken for a default.
    usage_error(
        &["snmp", "get", "127.0.0.1", "sysName.0", "-v", "4"],
        "invalid value '4' for '--snmp-version",
    );
    usage_error(
        &[
            "snmp",
            "get",
            "127.0.0.1",
            "sysName.0",
            "-v3",
            "-u",
            "u",
            "-a",
            "SHA-999",
        ],
        "invalid value 'SHA-999' for '--auth-protocol",
    );
    usage_error(
        &[
            "snmp",
            "get",
            "127.0.0.1",
            "sysName.0",
            "-v3",
            "-u",
            "u",
            "-x",
            "3DES",
        ],
        "[possible values: DES, AES, AES-192, AES-256, AES-192-C, AES-256-C]",
    );
    usage_error(
        &["neighbors", "127.0.0.1", "-v3", "-u", "u", "-l", "authOnly"],
        "invalid value 'authOnly' for '--level",
    );
}

#[test]
fn missing_namespace_is_a_runtime_error() {
    let out = wirescope(&["ping", "127.0.0.1", "--netns", "wirescope-no-such-ns"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("network namespace 'wirescope-no-such-ns': not found"),
        "{err}"
    );
}

#[test]
fn help_documents_the_probes() {
    let out = wirescope(&["--help"]);
    let text = String::from_utf8_lossy(&out.stdout);
    for cmd in ["ping", "trace", "dns", "scan"] {
        assert!(text.contains(cmd), "--help lists {cmd}");
    }
    let ping = String::from_utf8_lossy(&wirescope(&["ping", "--help"]).stdout).to_string();
    for flag in [
        "--count",
        "--interval",
        "--timeout",
        "--size",
        "--ttl",
        "--interface",
        "--netns",
        "--source",
        "--json",
        "Exit status",
    ] {
        assert!(ping.contains(flag), "ping --help documents {flag}");
    }
}

/// A fake SNMP agent on loopback that answers every request with malformed bytes: cut-off BER,
/// absurd lengths, a wrong version, an echo of the request with a broken PDU, random junk.
#[test]
fn malformed_snmp_replies_are_errors_not_panics() {
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let port = sock
        .local_addr()
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"));
    sock.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .ok();
    let agent = std::thread::spawn(move || {
        let replies: Vec<Vec<u8>> = vec![
            vec![0x30],
            vec![0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x02, 0x01, 0x01],
            vec![
                0x30, 0x0b, 0x02, 0x01, 0x07, 0x04, 0x06, b'p', b'u', b'b', b'l', b'i', b'c',
            ],
            (0..200u32).map(|i| (i * 73 + 5) as u8).collect(),
        ];
        let mut buf = [0u8; 2048];
        let mut served = 0usize;
        while let Ok((n, from)) = sock.recv_from(&mut buf) {
            let reply = if served % 5 == 4 {
                // The request itself with its PDU tag turned into garbage.
                let mut r = buf[..n].to_vec();
                if let Some(b) = r.iter_mut().rev().find(|b| **b == 0xa0 || **b == 0xa5) {
                    *b = 0xa2;
                }
                r.truncate(n.saturating_sub(3));
                r
            } else {
                replies[served % replies.len()].clone()
            };
            let _ = sock.send_to(&reply, from);
            served += 1;
            if served > 40 {
                break;
            }
        }
    });
    for op in ["get", "walk"] {
        let out = wirescope(&[
            "snmp",
            op,
            "127.0.0.1",
            "sysName.0",
            "--port",
            &port.to_string(),
            "-t",
            "200ms",
            "-r",
            "1",
            "--json",
        ]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{op}: {stderr}");
        assert!(!stderr.contains("panicked"), "{op}: {stderr}");
        assert!(
            stdout.contains("\"error\""),
            "{op}: the agent's garbage is an error: {stdout}"
        );
    }
    drop(agent);
}

#[test]
fn suites_from_files_and_flags_name_their_mistakes() {
    let dir = std::env::temp_dir().join(format!("wirescope-cli-suites-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let db = dir.join("h.db");
    let db = db.to_string_lossy();
    let file = dir.join("core.yaml");
    std::fs::write(
        &file,
        "name: core\nschedule: {cron: '0 9 * * MON-FRI', timezone: Europe/Berlin}\nruns:\n  - kind: ping\n    targets: 127.0.0.1\n    options: {count: 2, interval: 50ms}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let file = file.to_string_lossy();
    let out = wirescope(&["suite", "add", "-f", &file, "--db", &db]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("added suite core: 1 run") && said.contains("Europe/Berlin"),
        "{said}"
    );
    usage_error(
        &["suite", "add", "-f", &file, "--db", &db],
        "exists already (--replace replaces it)",
    );
    let out = wirescope(&["suite", "add", "-f", &file, "--replace", "--db", &db]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "name = \"x\"\n[[runs]]\nkind = \"ping\"\ntargets = \"a\"\noptions = { count = \"two\" }\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    usage_error(
        &["suite", "add", "-f", &bad.to_string_lossy(), "--db", &db],
        "runs[0].options.count",
    );
    let flags = |extra: &[&str]| {
        let mut a = vec!["suite", "add", "edge", "--kind", "ping", "--db", &db];
        a.extend_from_slice(extra);
        a.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let cases: [(&[&str], &str); 6] = [
        (
            &["--targets", "127.0.0.1", "--cron", "* *"],
            "--cron: '* *'",
        ),
        (
            &[
                "--targets",
                "127.0.0.1",
                "--cron",
                "* * * * *",
                "--timezone",
                "Atlantis/Capital",
            ],
            "--timezone: unknown time zone 'Atlantis/Capital'",
        ),
        (
            &["--targets", "127.0.0.1", "-o", "count=0"],
            "--option: count must be between 1",
        ),
        (
            &["--targets", "127.0.0.1", "-o", "count"],
            "--option 'count': KEY=VALUE",
        ),
        (&[], "--targets: give exactly one of targets"),
        (
            &["--targets", "127.0.0.1", "-o", "bogus=1"],
            "unknown field `bogus`",
        ),
    ];
    for (extra, needle) in cases {
        let args = flags(extra);
        usage_error(&args.iter().map(String::as_str).collect::<Vec<_>>(), needle);
    }
    usage_error(
        &[
            "suite",
            "add",
            "bad name!",
            "--kind",
            "ping",
            "--targets",
            "127.0.0.1",
            "--db",
            &db,
        ],
        "suite name 'bad name!'",
    );
    usage_error(
        &["suite", "show", "nope", "--db", &db],
        "no suite named 'nope'",
    );

    let out = wirescope(&["suite", "list", "--json", "--db", &db]);
    let line: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}"));
    assert_eq!(line["name"], "core");
    assert_eq!(line["schedule"]["timezone"], "Europe/Berlin");
    assert!(
        line["next"]
            .as_str()
            .is_some_and(|n| n.ends_with(" CET") || n.ends_with(" CEST")),
        "{line}"
    );
    let out = wirescope(&["suite", "disable", "core", "--db", &db]);
    assert!(out.status.success());
    let out = wirescope(&["suite", "show", "core", "--json", "--db", &db]);
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert_eq!(shown["enabled"], false, "{shown}");
    let out = wirescope(&["suite", "rm", "core", "--db", &db]);
    assert!(out.status.success());
    usage_error(
        &["suite", "rm", "core", "--db", &db],
        "no suite named 'core'",
    );
    let _ = std::fs::remove_dir_all(&dir);
}
