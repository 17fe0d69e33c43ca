//! `wirescope report` on runs saved from the lab: the PDF read back with poppler's pdftotext
//! and pdfinfo holds every target and the right figures, its data file hashes to the SHA-256
//! it prints, and awkward results (a run still going, binary and 64 MiB command output,
//! right-to-left and CJK DNS answers, unknown runs) give a whole PDF or a clear error.

mod common;

use common::server::Server;
use common::{lab, ndjson, pdftotext, sha256_file, tshark_count, unzip_and_verify, var};
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("wirescope-report-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap_or_else(|e| panic!("{e}"));
    d
}

fn wirescope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wirescope"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run wirescope: {e}"))
}

/// Runs a probe command from the lab's client namespace with `--json --save --db DB` (before
/// the `--` of an ssh command).
fn save(lab: &HashMap<String, String>, db: &Path, args: &[&str]) -> Vec<Value> {
    let split = args.iter().position(|a| *a == "--").unwrap_or(args.len());
    let out = Command::new("ip")
        .args(["netns", "exec", var(lab, "LAB_CLIENT_NS")])
        .arg(env!("CARGO_BIN_EXE_wirescope"))
        .args(&args[..split])
        .args(["--json", "--save", "--db"])
        .arg(db)
        .args(&args[split..])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let (rows, _) = ndjson(&out);
    rows
}

/// `wirescope report ARGS -o DIR/NAME.pdf --db DB`: the PDF's text and page count, with stderr.
fn report(db: &Path, out: &Path, args: &[&str]) -> (String, usize, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_wirescope"))
        .arg("report")
        .args(args)
        .arg("-o")
        .arg(out)
        .arg("--db")
        .arg(db)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stderr = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(0), "report failed: {stderr}");
    (pdftotext(out), pages(out), stderr)
}

/// A summary figure's value in `pdftotext -layout` text: the boxes' labels are on one line and
/// their values on the next, each value starting in its label's column.
fn figure(text: &str, label: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let (i, column) = lines.iter().enumerate().find_map(|(i, l)| {
        let padded = format!(" {l} ");
        padded
            .find(&format!(" {label} "))
            .filter(|_| l.split_whitespace().count() > 1)
            .map(|c| (i, c))
    })?;
    let values = lines[i + 1..].iter().find(|l| !l.trim().is_empty())?;
    let rest = values.get(column..)?;
    let value: String = rest.trim_start().split("   ").next()?.trim().to_string();
    (!value.is_empty()).then_some(value)
}

fn pages(pdf: &Path) -> usize {
    let o = Command::new("pdfinfo")
        .arg(pdf)
        .output()
        .unwrap_or_else(|e| panic!("pdfinfo: {e}"));
    assert!(
        o.status.success(),
        "pdfinfo: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("pdfinfo gave no page count"))
}

/// The AnyIP block's address number `i` (every one answers ping in wsl-h).
fn anyip(lab: &HashMap<String, String>, i: u32) -> String {
    let first: std::net::Ipv4Addr = var(lab, "LAB_ANYIP_FIRST")
        .parse()
        .unwrap_or_else(|e| panic!("{e}"));
    std::net::Ipv4Addr::from(u32::from(first) + i).to_string()
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn a_500_target_ping_report_holds_every_target_its_figures_and_its_data_hash() {
    let lab = lab();
    let d = dir("ping500");
    let db = d.join("w.db");
    let range = format!("{}-{}", anyip(lab, 1), anyip(lab, 497));
    // Three addresses of the lab's dead network: nothing answers there.
    let dead: std::net::Ipv4Addr = var(lab, "LAB_DEAD_V4")
        .parse()
        .unwrap_or_else(|e| panic!("{e}"));
    let dead = format!("{dead}-{}", std::net::Ipv4Addr::from(u32::from(dead) + 2));
    let rows = save(
        lab,
        &db,
        &["ping", &range, &dead, "-c", "2", "--timeout", "500ms"],
    );
    assert_eq!(rows.len(), 500);
    let alive = rows.iter().filter(|r| r["alive"] == true).count();
    assert_eq!(alive, 497, "the AnyIP block answers, the rest do not");
    let pdf = d.join("ping.pdf");
    let data = d.join("ping.json");
    let (text, pages, stderr) = report(
        &db,
        &pdf,
        &[
            "1",
            "--title",
            "Ping sweep of the lab",
            "--data",
            &data.to_string_lossy(),
        ],
    );
    for r in &rows {
        let target = r["target"].as_str().unwrap_or_default();
        assert!(
            text.split_whitespace().any(|w| w == target),
            "{target} is missing from the report"
        );
    }
    assert!(text.contains("Ping sweep of the lab"));
    // The figures: 500 results of 500, 497 alive, 3 dead.
    assert_eq!(figure(&text, "Results").as_deref(), Some("500 of 500"));
    assert_eq!(figure(&text, "alive").as_deref(), Some("497"));
    assert_eq!(figure(&text, "dead").as_deref(), Some("3"));
    assert!(
        text.contains("Round-trip times"),
        "the latency chart's title"
    );
    assert!(text.contains("the CLI (--save)"), "who ran it");
    assert!(text.contains("namespace") || text.contains("this host's own network"));
    // The data file is what the printed SHA-256 is of.
    let sha = sha256_file(&data);
    assert_eq!(sha.len(), 64);
    assert!(text.contains(&sha), "the full SHA-256 on the title page");
    assert!(stderr.contains(&sha), "{stderr}");
    assert!(text.contains(&sha[..16]), "and its start on every page");
    assert!(text.contains(&format!("page 1 of {pages}")));
    assert!(pages >= 5, "500 rows take pages: {pages}");
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn a_10000_row_run_is_reported_whole_as_a_listing() {
    let lab = lab();
    let d = dir("ping10k");
    let db = d.join("w.db");
    let range = format!("{}-{}", anyip(lab, 0), anyip(lab, 9_999));
    let rows = save(lab, &db, &["ping", &range, "-c", "1", "--timeout", "500ms"]);
    assert_eq!(rows.len(), 10_000);
    let pdf = d.join("ping.pdf");
    let (text, pages, _) = report(&db, &pdf, &["1"]);
    // Every target is on a line of its own band, in the listing's first column.
    let firsts: std::collections::HashSet<&str> = text
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    for r in &rows {
        let target = r["target"].as_str().unwrap_or_default();
        assert!(
            firsts.contains(target),
            "{target} is missing from the report"
        );
    }
    assert_eq!(figure(&text, "Results").as_deref(), Some("10000 of 10000"));
    // The header repeats on every page of the listing.
    let headers = text
        .lines()
        .filter(|l| l.trim_start().starts_with("Target "))
        .count();
    assert!(headers + 3 >= pages, "{headers} headers on {pages} pages");
    assert!(text.contains(&format!("page {pages} of {pages}")));
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn traces_dns_in_other_scripts_and_scans_get_their_own_tables() {
    let lab = lab();
    let d = dir("kinds");
    let db = d.join("w.db");
    let host = var(lab, "LAB_HOST_V4");
    save(lab, &db, &["trace", host, "--max-hops", "8"]);
    let name = var(lab, "LAB_DNS_INTL_NAME");
    save(
        lab,
        &db,
        &["dns", name, "-t", "TXT", "--server", var(lab, "LAB_DNS_V4")],
    );
    save(
        lab,
        &db,
        &["scan", host, "-p", var(lab, "LAB_OPEN_PORTS"), "-b"],
    );
    let pdf = d.join("kinds.pdf");
    let (text, _, _) = report(&db, &pdf, &["1", "2", "3"]);
    assert!(text.contains("Runs 1, 2 and 3"));
    assert!(text.contains(&format!("Path to {host}")), "the hop table");
    for word in var(lab, "LAB_DNS_INTL_WORDS").split(',') {
        assert!(text.contains(word), "{word} typeset and extractable");
    }
    assert!(text.contains("Open ports and what they said"));
    assert!(text.contains("SSH-2.0"), "the ssh banner");
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn binary_and_64_mib_command_output_still_make_a_whole_pdf() {
    let lab = lab();
    let d = dir("ssh");
    let db = d.join("w.db");
    let kh = d.join("known_hosts");
    let key = format!("{}/id_ed25519", var(lab, "LAB_SSH_KEY_DIR"));
    let user = var(lab, "LAB_SSH_KEY_USER");
    let host = var(lab, "LAB_SSH_V4");
    let kh = kh.to_string_lossy().to_string();
    let ssh = |command: &str, extra: &[&str]| {
        let mut args = vec!["ssh", "exec", host, "-l", user, "-i", &key];
        args.extend(["--accept-new-host-keys", "--known-hosts", &kh]);
        args.extend_from_slice(extra);
        args.extend(["--", command]);
        save(lab, &db, &args)
    };
    let rows = ssh(
        r"printf 'ok \377\376 bytes\000nul \033[31mred\033[0m\n'",
        &[],
    );
    assert_eq!(rows[0]["exit_status"], 0, "{:?}", rows[0]);
    let rows = ssh(
        "head -c 67108864 /dev/zero | tr '\\0' x",
        &["--max-output", "67108864", "--timeout", "60s"],
    );
    assert_eq!(rows[0]["stdout"].as_str().map(str::len), Some(64 << 20));
    let pdf = d.join("ssh.pdf");
    let (text, pages, _) = report(&db, &pdf, &["1", "2"]);
    assert!(text.contains("ok"), "the binary output's text");
    assert!(
        text.contains("bytes^@nul ^[[31mred"),
        "controls in caret notation: {text}"
    );
    assert!(
        text.contains("[cut here: the first 64.0 KiB of 64.0 MiB shown"),
        "the 64 MiB output is cut with a note"
    );
    assert!(
        pages < 60,
        "64 KiB of output is tens of pages, not thousands: {pages}"
    );
    let size = std::fs::metadata(&pdf).map(|m| m.len()).unwrap_or(0);
    assert!(size < 4 << 20, "the PDF stays small: {size}");
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn a_run_still_going_is_reported_as_it_stands() {
    let lab = lab();
    let d = dir("running");
    let db = d.join("w.db");
    let mut child = Command::new("ip")
        .args(["netns", "exec", var(lab, "LAB_CLIENT_NS")])
        .arg(env!("CARGO_BIN_EXE_wirescope"))
        .args([
            "ping",
            var(lab, "LAB_HOST_V4"),
            "-c",
            "40",
            "-i",
            "250ms",
            "--json",
            "--save",
            "--db",
        ])
        .arg(&db)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    // The run is stored as running as soon as it starts.
    let pdf = d.join("running.pdf");
    let mut text = String::new();
    for _ in 0..50 {
        std::thread::sleep(std::time::Duration::from_millis(200));
        let o = wirescope(&[
            "report",
            "1",
            "-o",
            &pdf.to_string_lossy(),
            "--db",
            &db.to_string_lossy(),
        ]);
        if o.status.success() {
            text = pdftotext(&pdf);
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(text.contains("in progress as of"), "{text}");
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn unknown_runs_and_bad_arguments_are_refused_by_name() {
    let lab = lab();
    let d = dir("errors");
    let db = d.join("w.db");
    save(lab, &db, &["ping", var(lab, "LAB_HOST_V4"), "-c", "1"]);
    let out = d.join("x.pdf");
    let run = |args: &[&str]| {
        let mut a = vec!["report"];
        a.extend_from_slice(args);
        let (out, db) = (out.to_string_lossy(), db.to_string_lossy());
        a.extend(["-o", &out, "--db", &db]);
        let o = wirescope(&a);
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).to_string(),
        )
    };
    let (code, err) = run(&["999"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("no run 999"), "{err}");
    let (code, err) = run(&[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("name the runs"), "{err}");
    let notes = d.join("notes.bin");
    std::fs::write(&notes, [b'o', b'k', 0xff, 0xfe]).unwrap_or_else(|e| panic!("{e}"));
    let (code, err) = run(&["1", "--notes", &notes.to_string_lossy()]);
    assert_eq!(code, Some(2));
    assert!(err.contains("not UTF-8 text (byte 2 is not)"), "{err}");
    let (code, err) = run(&["--compare", "1"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(!out.exists(), "no PDF is left behind by a refusal");
    let (code, err) = run(&["1"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(pdftotext(&out).contains("Run 1 · ping"));
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn the_api_serves_run_and_comparison_reports_as_pdf_downloads() {
    let lab = lab();
    let d = dir("api");
    let db = d.join("w.db");
    save(
        lab,
        &db,
        &[
            "ping",
            &format!("{}-{}", anyip(lab, 0), anyip(lab, 19)),
            "-c",
            "1",
        ],
    );
    save(
        lab,
        &db,
        &[
            "ping",
            &format!("{}-{}", anyip(lab, 5), anyip(lab, 24)),
            "-c",
            "1",
        ],
    );
    let server = Server::start_in(d.join("server"), &["--db", &db.to_string_lossy()]);
    let pdf = d.join("run.pdf");
    let (code, head) = server.download("/api/runs/1/report?title=Morning%20sweep", &pdf);
    assert_eq!(code, 200, "{head}");
    let head = head.to_ascii_lowercase();
    assert!(head.contains("content-type: application/pdf"), "{head}");
    assert!(
        head.contains("attachment; filename=\"wirescope-run-1.pdf\""),
        "{head}"
    );
    let text = pdftotext(&pdf);
    assert!(text.contains("Morning sweep"));
    assert!(text.contains("the dashboard"), "who asked");
    let sha = head
        .lines()
        .find_map(|l| l.strip_prefix("x-data-sha256: "))
        .map(str::trim)
        .unwrap_or_default()
        .to_string();
    assert_eq!(sha.len(), 64, "{head}");
    assert!(
        text.contains(&sha),
        "the hash in the header is the one printed"
    );
    for i in 0..20 {
        assert!(text.split_whitespace().any(|w| w == anyip(lab, i)));
    }

    // Anonymised with the key the server was given, and by the CLI with the same key: no
    // address of the run is left, each is the key's pseudonym, and both agree.
    let key_file = d.join("site.key");
    std::fs::write(&key_file, [0x42; 32]).unwrap_or_else(|e| panic!("{e}"));
    let pan = wirescope_traffic::anon::cryptopan::CryptoPan::new(&[0x42; 32]);
    let pseudonym = |i: u32| {
        let a: std::net::Ipv4Addr = anyip(lab, i).parse().unwrap_or_else(|e| panic!("{e}"));
        std::net::Ipv4Addr::from(pan.v4(a.octets())).to_string()
    };
    let anon_server = Server::start_in(
        d.join("server-anon"),
        &[
            "--db",
            &db.to_string_lossy(),
            "--anon-key",
            &key_file.to_string_lossy(),
        ],
    );
    let anon = d.join("run-anon.pdf");
    let (code, head) = anon_server.download("/api/runs/1/report?anonymize=true", &anon);
    assert_eq!(code, 200, "{head}");
    assert!(head.contains("wirescope-run-1-anon.pdf"), "{head}");
    let text = pdftotext(&anon);
    for i in 0..20 {
        assert!(
            !text.split_whitespace().any(|w| w == anyip(lab, i)),
            "{} left",
            anyip(lab, i)
        );
        assert!(
            text.split_whitespace().any(|w| w == pseudonym(i)),
            "{} missing",
            pseudonym(i)
        );
    }
    let cli = d.join("run-anon-cli.pdf");
    let (cli_text, _, _) = report(
        &db,
        &cli,
        &["1", "--anonymize", &key_file.to_string_lossy()],
    );
    for i in 0..20 {
        assert!(cli_text.split_whitespace().any(|w| w == pseudonym(i)));
    }
    let refused = wirescope(&[
        "bundle",
        "1",
        "-o",
        &d.join("b.zip").to_string_lossy(),
        "--anonymize",
        &key_file.to_string_lossy(),
        "--db",
        &db.to_string_lossy(),
    ]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("a bundle is not anonymised"));
    drop(anon_server);

    let cmp = d.join("cmp.pdf");
    let (code, head) = server.download("/api/runs/1/compare/2/report", &cmp);
    assert_eq!(code, 200, "{head}");
    let text = pdftotext(&cmp);
    assert!(text.contains("Run 1 compared with run 2"), "{text}");
    assert!(text.contains(&anyip(lab, 24)), "an added target is listed");

    // Errors are JSON naming the problem.
    let err = d.join("err.json");
    let (code, _) = server.download("/api/runs/99/report", &err);
    assert_eq!(code, 404);
    assert!(
        std::fs::read_to_string(&err)
            .unwrap_or_default()
            .contains("99")
    );
    let (code, _) = server.download("/api/runs/x/report", &err);
    assert_eq!(code, 400);
    let long = "t".repeat(201);
    let (code, _) = server.download(&format!("/api/runs/1/report?title={long}"), &err);
    assert_eq!(code, 400);
    assert!(
        std::fs::read_to_string(&err)
            .unwrap_or_default()
            .contains("title")
    );
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn a_bundle_holds_the_report_results_and_a_capture_slice_whose_hashes_verify() {
    let lab = lab();
    let d = dir("bundle");
    let db = d.join("w.db");
    let pcap = d.join("client.pcapng");
    // A capture on the client's lab interface while two runs go out: the bundle of the first
    // must keep its frames and none of the second's.
    let mut dumpcap = Command::new("ip")
        .args([
            "netns",
            "exec",
            var(lab, "LAB_CLIENT_NS"),
            "dumpcap",
            "-q",
            "-i",
        ])
        .arg(var(lab, "LAB_CLIENT_IF"))
        .arg("-w")
        .arg(&pcap)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("dumpcap: {e}"));
    let started = std::time::Instant::now();
    while std::fs::metadata(&pcap).map(|m| m.len()).unwrap_or(0) == 0 {
        assert!(started.elapsed().as_secs() < 10, "dumpcap did not start");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    let many = var(lab, "LAB_MANY_FIRST");
    let many2: std::net::Ipv4Addr = many.parse().unwrap_or_else(|e| panic!("{e}"));
    let many2 = std::net::Ipv4Addr::from(u32::from(many2) + 1).to_string();
    let host = var(lab, "LAB_HOST_V4");
    let switch = var(lab, "LAB_S1_LAN_V4");
    let rows = save(lab, &db, &["ping", many, &many2, switch, "-c", "3"]);
    assert_eq!(rows.len(), 3);
    save(lab, &db, &["ping", host, "-c", "2"]);
    std::thread::sleep(std::time::Duration::from_millis(300));
    let _ = Command::new("kill")
        .args(["-INT", &dumpcap.id().to_string()])
        .status();
    let _ = dumpcap.wait();
    // The switch's interfaces, walked after the capture: the bundle takes its counters.
    let walked = save(
        lab,
        &db,
        &["interfaces", switch, "-c", var(lab, "LAB_SNMP_COMMUNITY")],
    );
    assert!(!walked.is_empty());

    let zip = d.join("evidence.zip");
    let o = wirescope(&[
        "bundle",
        "1",
        "--pcap",
        &pcap.to_string_lossy(),
        "-o",
        &zip.to_string_lossy(),
        "--db",
        &db.to_string_lossy(),
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("evidence.zip"), "{stderr}");
    let out = d.join("ev");
    let said = unzip_and_verify(&zip, &out);
    for f in [
        "report.pdf",
        "report-data.json",
        "run-1-ping.ndjson",
        "run-1-ping.csv",
        "capture-1-client.pcapng",
    ] {
        assert!(
            said.contains(&format!("{f}: OK")),
            "{f} in SHA256SUMS: {said}"
        );
    }
    let manifest: Value = serde_json::from_slice(
        &std::fs::read(out.join("manifest.json")).unwrap_or_else(|e| panic!("{e}")),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(manifest["runs"], serde_json::json!([1]));
    assert_eq!(manifest["files"].as_array().map(Vec::len), Some(6));
    let counters = std::fs::read_to_string(out.join("snmp-interfaces.csv")).unwrap_or_default();
    assert!(
        counters.starts_with("agent,device,run,walked,ifIndex,name"),
        "{counters}"
    );
    assert!(
        counters
            .lines()
            .any(|l| l.starts_with(&format!("{switch},")) && l.contains(",swp1,")),
        "the switch's swp1 counters: {counters}"
    );
    // The report in the bundle names its targets, and its data hashes as it says.
    let text = pdftotext(&out.join("report.pdf"));
    assert!(text.contains(many) && text.contains(&many2));
    assert!(text.contains(&sha256_file(&out.join("report-data.json"))));
    let nd = std::fs::read_to_string(out.join("run-1-ping.ndjson")).unwrap_or_default();
    assert_eq!(nd.lines().count(), 3);
    // The slice: every frame of the capture to or from the run's two targets, none of the
    // other run's.
    let slice = out.join("capture-1-client.pcapng");
    let ours = format!("ip.addr == {many} || ip.addr == {many2} || ip.addr == {switch}");
    let want = tshark_count(&pcap, Some(&ours));
    assert!(want >= 18, "3 echoes and 3 replies to each target: {want}");
    assert!(tshark_count(&pcap, Some(&format!("ip.addr == {host}"))) >= 4);
    assert_eq!(tshark_count(&slice, None), want);
    assert_eq!(tshark_count(&slice, Some(&format!("ip.addr == {host}"))), 0);

    // A missing capture is named; no zip is left behind.
    let missing = d.join("none.pcap");
    let zip2 = d.join("no.zip");
    let o = wirescope(&[
        "bundle",
        "1",
        "--pcap",
        &missing.to_string_lossy(),
        "-o",
        &zip2.to_string_lossy(),
        "--db",
        &db.to_string_lossy(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("none.pcap"));
    assert!(!zip2.exists());
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn the_api_bundles_a_run_with_a_slice_of_the_servers_live_capture() {
    let lab = lab();
    let d = dir("api-bundle");
    let server = Server::start_in(d.join("server"), &[]);
    let ns = var(lab, "LAB_CLIENT_NS");
    let (status, cap) = server.json(
        "POST",
        "/api/captures",
        Some(serde_json::json!({"interfaces": [var(lab, "LAB_CLIENT_IF")], "netns": ns, "immediate": true})),
    );
    assert_eq!(status, 201, "{cap}");
    let cap = cap["id"].as_i64().unwrap_or_default();
    std::thread::sleep(std::time::Duration::from_millis(500));
    let many = var(lab, "LAB_MANY_FIRST");
    let host = var(lab, "LAB_HOST_V4");
    let ping = |t: &str| {
        server.create(serde_json::json!({"kind": "ping", "targets_text": t,
            "options": {"count": 3, "interval": "600ms"}, "net": {"netns": ns}}))
    };
    let run = ping(many);
    assert_eq!(server.wait(run, 20)["status"], "finished");
    let other = ping(host);
    assert_eq!(server.wait(other, 20)["status"], "finished");
    std::thread::sleep(std::time::Duration::from_millis(500));

    let zip = d.join("bundle.zip");
    let (code, head) = server.download(&format!("/api/runs/{run}/bundle"), &zip);
    assert_eq!(code, 200, "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/zip")
    );
    let out = d.join("ev");
    let said = unzip_and_verify(&zip, &out);
    let slice_name = format!("capture-1-live-{cap}-{}.pcapng", var(lab, "LAB_CLIENT_IF"));
    for f in ["report.pdf", "report-data.json", slice_name.as_str()] {
        assert!(said.contains(&format!("{f}: OK")), "{f}: {said}");
    }
    let whole = d.join("whole.pcapng");
    let (code, _) = server.download(&format!("/api/captures/{cap}/pcapng"), &whole);
    assert_eq!(code, 200);
    let slice = out.join(&slice_name);
    let want = tshark_count(&whole, Some(&format!("ip.addr == {many}")));
    assert!(want >= 6, "3 echoes and 3 replies: {want}");
    assert_eq!(
        tshark_count(&slice, None),
        want,
        "the run's frames, and only them"
    );
    assert!(tshark_count(&whole, Some(&format!("ip.addr == {host}"))) >= 6);
    let text = pdftotext(&out.join("report.pdf"));
    assert!(text.contains("the dashboard") && text.contains(many));

    // The capture's own report: its figures, charts and tables.
    let pdf = d.join("capture.pdf");
    let (code, head) = server.download(&format!("/api/captures/{cap}/report"), &pdf);
    assert_eq!(code, 200, "{head}");
    let text = pdftotext(&pdf);
    for words in [
        "Capture ",
        "Bandwidth",
        "Protocol mix",
        "icmp",
        "Top talkers",
        "Conversations",
        many,
        host,
    ] {
        assert!(
            text.contains(words),
            "{words} is missing from the capture report:\n{text}"
        );
    }
    let (code, _) = server.download("/api/captures/999/report", &d.join("e.json"));
    assert_eq!(code, 404);
}
