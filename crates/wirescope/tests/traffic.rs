//! `wirescope analyze` against tshark on captures made in the lab with tcpdump while it carries
//! ping (v4 and v6), DNS over UDP and TCP, an SNMP walk (with IP fragments), an SSH banner,
//! traceroute (UDP and ICMP, so ICMP errors quoting packets), LLDP and CDP: protocol counts equal
//! `tshark -Y PROTO`, top talkers equal `-z endpoints,ip`, conversations equal `-z conv,ip`; the
//! same capture as pcapng gives the same report; damaged files give the offset and what was read;
//! live capture on two interfaces with a BPF filter sees exactly the packets generated.
//! Needs root, the lab, tcpdump and tshark; mandatory under CI=true.

mod common;

use common::*;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// The protocols compared with tshark, by display-filter name.
const PROTOCOLS: [&str; 17] = [
    "eth", "sll", "arp", "ip", "ipv6", "icmp", "icmpv6", "tcp", "udp", "dns", "snmp", "ssh",
    "data", "lldp", "cdp", "llc", "vlan",
];

fn tcpdump(ns: &str, iface: &str, file: &Path) -> Child {
    Command::new("ip")
        .args(["netns", "exec", ns, "tcpdump", "-i", iface, "-U", "-w"])
        .arg(file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("tcpdump (apt install tcpdump): {e}"))
}

fn stop(mut c: Child) {
    let _ = Command::new("kill")
        .args(["-INT", &c.id().to_string()])
        .status();
    let _ = c.wait();
}

fn analyze(file: &Path) -> (Output, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_wirescope"))
        .arg("analyze")
        .arg(file)
        .args(["--json", "--top", "1000"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let v = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out, v)
}

fn tshark(file: &Path, args: &[&str]) -> String {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(file)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("tshark (apt install tshark): {e}"));
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// Frames tshark matches with a display filter.
fn tshark_count(file: &Path, filter: &str) -> u64 {
    tshark(file, &["-Y", filter]).lines().count() as u64
}

/// `-z endpoints,ip`: address -> (tx packets, tx bytes, rx packets, rx bytes).
fn tshark_endpoints(file: &Path) -> BTreeMap<String, [u64; 4]> {
    tshark(file, &["-q", "-z", "endpoints,ip"])
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let nums: Option<Vec<u64>> = f.get(1..7)?.iter().map(|n| n.parse().ok()).collect();
            let n = nums?;
            f[0].parse::<std::net::Ipv4Addr>()
                .ok()
                .map(|_| (f[0].to_string(), [n[2], n[3], n[4], n[5]]))
        })
        .collect()
}

/// `-z conv,ip`: (A, B) -> (frames B->A, frames A->B, exact bytes A<->B when printed in bytes).
fn tshark_convs(file: &Path) -> BTreeMap<(String, String), (u64, u64, Option<u64>)> {
    tshark(file, &["-q", "-z", "conv,ip"])
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.get(1) != Some(&"<->") {
                return None;
            }
            // A <-> B  framesBA bytes unit  framesAB bytes unit  total bytes unit  start dur
            let ba: u64 = f.get(3)?.parse().ok()?;
            let ab: u64 = f.get(6)?.parse().ok()?;
            let total = match (f.get(10), f.get(11)) {
                (Some(n), Some(&"bytes")) => n.parse().ok(),
                _ => None,
            };
            Some(((f[0].to_string(), f[2].to_string()), (ba, ab, total)))
        })
        .collect()
}

fn compare_with_tshark(file: &Path) -> Value {
    let (out, report) = analyze(file);
    ok(&out);
    assert!(report["damage"].is_null(), "{}", report["damage"]);
    for p in PROTOCOLS {
        let ours = report["protocols"][p]["packets"].as_u64().unwrap_or(0);
        assert_eq!(
            ours,
            tshark_count(file, p),
            "{}: frames with {p}",
            file.display()
        );
    }
    assert_eq!(
        report["packets"].as_u64(),
        Some(tshark(file, &[]).lines().count() as u64)
    );
    let ours: BTreeMap<String, [u64; 4]> = report["top_talkers"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .filter(|t| t["addr"].as_str().is_some_and(|a| !a.contains(':')))
        .map(|t| {
            let n = |k: &str| t[k].as_u64().unwrap_or(0);
            (
                t["addr"].as_str().unwrap_or("").to_string(),
                [
                    n("tx_packets"),
                    n("tx_bytes"),
                    n("rx_packets"),
                    n("rx_bytes"),
                ],
            )
        })
        .collect();
    assert_eq!(
        ours,
        tshark_endpoints(file),
        "{}: endpoints",
        file.display()
    );
    let convs: HashMap<(String, String), (u64, u64, u64)> = report["conversations"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap_or("").to_string();
            (
                (s("a"), s("b")),
                (
                    c["a_to_b"]["packets"].as_u64().unwrap_or(0),
                    c["b_to_a"]["packets"].as_u64().unwrap_or(0),
                    c["bytes"].as_u64().unwrap_or(0),
                ),
            )
        })
        .collect();
    let theirs = tshark_convs(file);
    let v4 = convs.keys().filter(|(a, _)| !a.contains(':')).count();
    assert_eq!(v4, theirs.len(), "{}: IPv4 conversations", file.display());
    for ((a, b), (ba, ab, total)) in theirs {
        let (fwd, back, bytes) = convs
            .get(&(a.clone(), b.clone()))
            .map(|&(x, y, z)| (x, y, z))
            .or_else(|| {
                convs
                    .get(&(b.clone(), a.clone()))
                    .map(|&(x, y, z)| (y, x, z))
            })
            .unwrap_or_else(|| panic!("conversation {a} <-> {b} missing"));
        assert_eq!((fwd, back), (ab, ba), "{a} <-> {b}: frames each way");
        if let Some(t) = total {
            assert_eq!(bytes, t, "{a} <-> {b}: bytes");
        }
    }
    report
}

fn in_client(lab: &HashMap<String, String>, args: &[&str]) {
    let _ = Command::new("ip")
        .args(["netns", "exec", var(lab, "LAB_CLIENT_NS")])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn lab_captures_match_tshark() {
    let lab = lab();
    let dir: PathBuf =
        std::env::temp_dir().join(format!("wirescope-traffic-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let (client_pcap, switch_pcap) = (dir.join("client.pcap"), dir.join("switch.pcap"));
    let client = tcpdump(var(lab, "LAB_CLIENT_NS"), "eth0", &client_pcap);
    // On the switch, all interfaces: Linux cooked (SLL2) frames with LLDP and CDP.
    let switch = tcpdump(var(lab, "LAB_S2_NS"), "any", &switch_pcap);
    std::thread::sleep(std::time::Duration::from_millis(500));
    let bin = env!("CARGO_BIN_EXE_wirescope");
    let dns = var(lab, "LAB_DNS_V4");
    let host = var(lab, "LAB_MANY_FIRST");
    in_client(
        lab,
        &[
            bin,
            "ping",
            host,
            var(lab, "LAB_MANY_V6_FIRST"),
            "-c",
            "2",
            "-i",
            "100ms",
        ],
    );
    in_client(lab, &["dig", &format!("@{dns}"), "h1.lab.test", "+short"]);
    in_client(
        lab,
        &["dig", &format!("@{dns}"), "h1.lab.test", "+tcp", "+short"],
    );
    in_client(
        lab,
        &[
            bin,
            "snmp",
            "walk",
            var(lab, "LAB_S1_LAN_V4"),
            "-c",
            var(lab, "LAB_SNMP_COMMUNITY"),
        ],
    );
    in_client(lab, &["timeout", "1", "nc", host, "22"]);
    let far = var(lab, "LAB_TRACE_FIRST");
    in_client(lab, &["traceroute", "-n", "-q", "1", "-w", "1", far]);
    in_client(lab, &[bin, "trace", far]);
    // LLDP and CDP go out every second.
    std::thread::sleep(std::time::Duration::from_millis(2500));
    stop(client);
    stop(switch);

    let report = compare_with_tshark(&client_pcap);
    // The same statistics as CSV tables.
    let csv = |table: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_wirescope"))
            .arg("analyze")
            .arg(&client_pcap)
            .args(["--top", "1000", "--csv", table])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        ok(&out);
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let convs = csv("conversations");
    assert_eq!(
        convs.lines().count() - 1,
        report["conversations"].as_array().map_or(0, Vec::len)
    );
    let snmp = report["protocols"]["snmp"]["packets"].as_u64().unwrap_or(0);
    assert!(
        csv("protocols")
            .lines()
            .any(|l| l.starts_with(&format!("snmp,{snmp},")))
    );
    for p in ["icmp", "icmpv6", "dns", "snmp", "ssh", "udp", "tcp", "data"] {
        assert!(
            report["protocols"][p]["packets"].as_u64().unwrap_or(0) > 0,
            "the capture has {p}"
        );
    }
    let switch_report = compare_with_tshark(&switch_pcap);
    for p in ["sll", "lldp", "cdp", "llc"] {
        assert!(
            switch_report["protocols"][p]["packets"]
                .as_u64()
                .unwrap_or(0)
                > 0,
            "the switch capture has {p}"
        );
    }
    // Display filters select what tshark's do; the frames written read back in tshark.
    for f in [
        "udp.port == 53",
        "ip.addr == 198.18.0.161 && udp",
        "tcp.flags.syn == 1 && tcp.flags.ack == 0",
        "icmp && !udp",
        "frame.len > 1000",
        "ip.dst == 198.18.16.0/24 || ipv6",
        "!(tcp || udp)",
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_wirescope"))
            .arg("analyze")
            .arg(&client_pcap)
            .args(["--json", "--filter", f])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        ok(&out);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        assert_eq!(
            v["packets"].as_u64(),
            Some(tshark_count(&client_pcap, f)),
            "--filter '{f}'"
        );
    }
    let written = dir.join("snmp.pcapng");
    let out = Command::new(env!("CARGO_BIN_EXE_wirescope"))
        .arg("analyze")
        .arg(&client_pcap)
        .args(["--filter", "snmp || icmp", "--write"])
        .arg(&written)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    ok(&out);
    // Frames are compared by time and length (raw bytes would need tshark's hex dump); their
    // protocols are not: a last fragment written without its first no longer reassembles.
    let fields = [
        "-T",
        "fields",
        "-e",
        "frame.time_epoch",
        "-e",
        "frame.len",
        "-e",
        "frame.cap_len",
    ];
    let mut want = vec!["-Y", "snmp || icmp"];
    want.extend(fields);
    let expected = tshark(&client_pcap, &want);
    assert!(expected.lines().count() > 100, "{expected}");
    assert_eq!(
        tshark(&written, &fields),
        expected,
        "the pcapng holds the same frames"
    );
    let bad = Command::new(env!("CARGO_BIN_EXE_wirescope"))
        .arg("analyze")
        .arg(&client_pcap)
        .args(["--filter", "tcp.port == https"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("column 13: 'https' is not a number"));
    // The same packets as pcapng.
    let ng = dir.join("client.pcapng");
    let conv = Command::new("editcap")
        .args(["-F", "pcapng"])
        .arg(&client_pcap)
        .arg(&ng)
        .output()
        .unwrap_or_else(|e| panic!("editcap: {e}"));
    assert!(conv.status.success(), "{conv:?}");
    let (out, ng_report) = analyze(&ng);
    ok(&out);
    for k in [
        "packets",
        "bytes",
        "protocols",
        "top_talkers",
        "conversations",
        "flows",
    ] {
        assert_eq!(ng_report[k], report[k], "pcapng and pcap agree on {k}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn damaged_files_name_the_problem_and_keep_what_came_before() {
    // The traffic crate's fixtures (tests/data there; they open in Wireshark).
    let data =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../wirescope-traffic/tests/data");
    let cases: [(&str, &str, Option<u64>); 7] = [
        ("good.pcap", "", Some(3)),
        ("good.pcapng", "", Some(3)),
        (
            "empty.pcap",
            "empty file: no capture header at byte offset 0",
            None,
        ),
        (
            "garbage.pcap",
            "not a pcap or pcapng file (magic 3c68746d) at byte offset 0",
            None,
        ),
        (
            "cut-header.pcap",
            "pcap file header cut short (20 of 24 bytes) at byte offset 20",
            None,
        ),
        (
            "cut-packet.pcap",
            "packet cut short: 60 bytes announced, 30 in the file at byte offset 176",
            Some(2),
        ),
        (
            "absurd.pcap",
            "absurd captured length 2147483647 (at most 262144) at byte offset 100",
            Some(1),
        ),
    ];
    for (name, message, packets) in cases {
        let (out, report) = analyze(&data.join(name));
        let err = String::from_utf8_lossy(&out.stderr);
        if message.is_empty() {
            ok(&out);
            assert_eq!(report["packets"], 3);
            assert_eq!(report["protocols"]["arp"]["packets"], 3);
            continue;
        }
        assert_eq!(out.status.code(), Some(1), "{name}: {err}");
        assert!(err.contains(message), "{name}: {err}");
        match packets {
            Some(n) => {
                assert_eq!(
                    report["packets"], n,
                    "{name}: what was read before the damage"
                );
                assert_eq!(
                    report["damage"]["what"]
                        .as_str()
                        .map(|w| message.starts_with(w)),
                    Some(true)
                );
            }
            None => assert!(out.stdout.is_empty(), "{name}: no report without a header"),
        }
    }
    let missing = analyze(&data.join("absent.pcap")).0;
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("absent.pcap: No such file"));
}

/// A classic pcap of `frames` Ethernet frames: UDP, TCP and ICMP over a few thousand flows,
/// 60 to 250 bytes each, a millisecond apart, the last one cut in half.
fn many_frames(path: &Path, frames: u32) {
    let mut out = Vec::with_capacity(frames as usize * 170);
    out.extend_from_slice(&[0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0]);
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&65_535u32.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for i in 0..frames {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let proto = [17u8, 6, 1][(x % 3) as usize];
        let payload = 14 + (x >> 8) % 190;
        let mut f = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 8, 0];
        let total = 20 + 8 + payload as u16;
        f.extend_from_slice(&[0x45, 0]);
        f.extend_from_slice(&total.to_be_bytes());
        f.extend_from_slice(&[0, 0, 0, 0, 64, proto, 0, 0]);
        f.extend_from_slice(&[10, 1, (x >> 20) as u8 % 8, (x >> 24) as u8 % 50]);
        f.extend_from_slice(&[10, 2, 0, (x >> 30) as u8 % 20]);
        f.extend_from_slice(&(1024 + (x >> 36) as u16 % 64).to_be_bytes());
        f.extend_from_slice(&[0, 53, 0, 0, 0, 0]);
        f.resize(f.len() + payload as usize, 0x5a);
        let keep = if i + 1 == frames {
            f.len() / 2
        } else {
            f.len()
        };
        out.extend_from_slice(&(1_700_000_000 + i / 1000).to_le_bytes());
        out.extend_from_slice(&((i % 1000) * 1000).to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(&f[..keep]);
    }
    std::fs::write(path, out).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

#[test]
fn a_large_file_gives_the_same_report_on_any_number_of_threads() {
    let dir = std::env::temp_dir().join(format!("wirescope-threads-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let file = dir.join("many.pcap");
    many_frames(&file, 200_000);
    let run = |threads: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_wirescope"))
            .arg("analyze")
            .arg(&file)
            .args(["--json", "--top", "100000", "-j", threads])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out.status.code(), Some(1), "the cut last frame is damage");
        serde_json::from_slice::<Value>(&out.stdout).unwrap_or(Value::Null)
    };
    let one = run("1");
    assert_eq!(
        one["packets"], 199_999,
        "all but the cut frame: {}",
        one["damage"]
    );
    assert!(one["flows_total"].as_u64() > Some(1000));
    for threads in ["2", "3", "8"] {
        assert_eq!(
            run(threads),
            one,
            "-j {threads} gives the one-thread report"
        );
    }
    let zero = Command::new(env!("CARGO_BIN_EXE_wirescope"))
        .arg("analyze")
        .arg(&file)
        .args(["-j", "0"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(zero.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&zero.stderr).contains("--threads"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn live_capture_with_a_bpf_filter_sees_exactly_the_packets_generated() {
    let lab = lab();
    let dir = std::env::temp_dir().join(format!("wirescope-live-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let bin = env!("CARGO_BIN_EXE_wirescope");
    let target = var(lab, "LAB_MANY_LAST");
    let out_file = dir.join("live.pcapng");
    // Two interfaces of the client's namespace (entered with --netns from this one): the LAN
    // (Ethernet) and loopback; only ICMP to/from two hosts passes.
    let filter = format!("icmp and (host {target} or host 127.0.0.1)");
    let capture = Command::new(bin)
        .args(["capture", "--netns", var(lab, "LAB_CLIENT_NS")])
        .args([
            "-i",
            "eth0,lo",
            "-f",
            &filter,
            "--duration",
            "3s",
            "--json",
            "-w",
        ])
        .arg(&out_file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    std::thread::sleep(std::time::Duration::from_millis(800));
    // Other traffic at the same time must not show: a ping elsewhere, a DNS question.
    in_client(
        lab,
        &[
            bin,
            "ping",
            var(lab, "LAB_MANY_FIRST"),
            "-c",
            "3",
            "-i",
            "50ms",
        ],
    );
    in_client(lab, &[bin, "ping", target, "-c", "20", "-i", "20ms"]);
    in_client(lab, &[bin, "ping", "127.0.0.1", "-c", "4", "-i", "20ms"]);
    in_client(
        lab,
        &[
            "dig",
            &format!("@{}", var(lab, "LAB_DNS_V4")),
            "h1.lab.test",
            "+short",
        ],
    );
    let out = capture.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    ok(&out);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    // 20 echoes and 20 replies on eth0; on lo each of the 4 echoes and replies is seen once.
    assert_eq!(report["packets"], 48, "{report}");
    assert_eq!(report["protocols"]["icmp"]["packets"], 48);
    assert!(
        report["protocols"]["udp"].is_null(),
        "the BPF filter kept DNS out"
    );
    let per_if: BTreeMap<String, (u64, u64)> = report["capture"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|c| {
            (
                c["interface"].as_str().unwrap_or("").to_string(),
                (
                    c["packets"].as_u64().unwrap_or(0),
                    c["dropped"].as_u64().unwrap_or(u64::MAX),
                ),
            )
        })
        .collect();
    assert_eq!(per_if["eth0"], (40, 0));
    // (The kernel's `received` counts each loopback frame twice, out and in; libpcap hands it
    // over once, as tcpdump shows it.)
    assert_eq!(per_if["lo"], (8, 0));
    assert_eq!(report["written"], 48);
    assert_eq!(
        tshark_count(&out_file, "icmp"),
        48,
        "the pcapng reads back in tshark"
    );
    let bad = Command::new("ip")
        .args(["netns", "exec", var(lab, "LAB_CLIENT_NS"), bin, "capture"])
        .args(["-i", "eth0", "-f", "icmp and", "-c", "1"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("capture filter 'icmp and'"));
    let missing = Command::new("ip")
        .args(["netns", "exec", var(lab, "LAB_CLIENT_NS"), bin, "capture"])
        .args(["-i", "wirescope-nope0", "-c", "1"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("wirescope-nope0"));
    let no_ns = Command::new(bin)
        .args(["capture", "--netns", "wsl-nope", "-i", "eth0", "-c", "1"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(no_ns.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&no_ns.stderr).contains("network namespace 'wsl-nope'"),
        "{}",
        String::from_utf8_lossy(&no_ns.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every IPv4 and IPv6 address tshark finds in a capture, frame by frame (outer and quoted
/// headers alike, in the order tshark lists them).
fn addresses(file: &Path) -> Vec<Vec<String>> {
    tshark(
        file,
        &[
            "-T",
            "fields",
            "-E",
            "separator=,",
            "-e",
            "ip.src",
            "-e",
            "ip.dst",
            "-e",
            "ipv6.src",
            "-e",
            "ipv6.dst",
            "-e",
            "arp.src.proto_ipv4",
            "-e",
            "arp.dst.proto_ipv4",
        ],
    )
    .lines()
    .map(|l| {
        l.split(',')
            .filter(|a| !a.is_empty())
            .map(str::to_string)
            .collect()
    })
    .collect()
}

/// Frames whose IP, TCP, UDP, ICMP or ICMPv6 checksum tshark finds good, and bad.
fn checksums(file: &Path) -> (usize, usize) {
    let out = tshark(
        file,
        &[
            "-o",
            "ip.check_checksum:TRUE",
            "-o",
            "tcp.check_checksum:TRUE",
            "-o",
            "udp.check_checksum:TRUE",
            "-T",
            "fields",
            "-e",
            "ip.checksum.status",
            "-e",
            "tcp.checksum.status",
            "-e",
            "udp.checksum.status",
            "-e",
            "icmp.checksum.status",
            "-e",
            "icmpv6.checksum.status",
        ],
    );
    let statuses: Vec<&str> = out
        .split(['\t', '\n', ','])
        .filter(|s| !s.is_empty())
        .collect();
    (
        statuses.iter().filter(|s| **s == "1").count(),
        statuses.iter().filter(|s| **s == "0").count(),
    )
}

/// The length of the common prefix of two addresses of one family, in bits.
fn common_prefix(a: &std::net::IpAddr, b: &std::net::IpAddr) -> Option<u32> {
    match (a, b) {
        (std::net::IpAddr::V4(a), std::net::IpAddr::V4(b)) => {
            Some((u32::from(*a) ^ u32::from(*b)).leading_zeros())
        }
        (std::net::IpAddr::V6(a), std::net::IpAddr::V6(b)) => {
            Some((u128::from(*a) ^ u128::from(*b)).leading_zeros())
        }
        _ => None,
    }
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn an_anonymised_lab_capture_keeps_its_protocols_and_checksums_and_loses_its_addresses() {
    let lab = lab();
    let dir: PathBuf = std::env::temp_dir().join(format!("wirescope-anon-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let raw = dir.join("raw.pcap");
    let ns = var(lab, "LAB_CLIENT_NS");
    // ARP and neighbour discovery anew, then ICMP and ICMPv6, DNS over UDP and TCP, a TCP
    // connection, traceroute's UDP probes and the ICMP errors that quote them
    let _ = Command::new("ip")
        .args(["netns", "exec", ns, "ip", "neigh", "flush", "all"])
        .status();
    let capture = tcpdump(ns, "eth0", &raw);
    std::thread::sleep(std::time::Duration::from_millis(500));
    let bin = env!("CARGO_BIN_EXE_wirescope");
    let (host, host6, dns) = (
        var(lab, "LAB_MANY_FIRST"),
        var(lab, "LAB_MANY_V6_FIRST"),
        var(lab, "LAB_DNS_V4"),
    );
    in_client(lab, &[bin, "ping", host, host6, "-c", "2", "-i", "100ms"]);
    in_client(lab, &["dig", &format!("@{dns}"), "h1.lab.test", "+short"]);
    in_client(
        lab,
        &["dig", &format!("@{dns}"), "h1.lab.test", "+tcp", "+short"],
    );
    in_client(lab, &["timeout", "1", "nc", host, "22"]);
    in_client(
        lab,
        &[
            "traceroute",
            "-n",
            "-q",
            "1",
            "-w",
            "1",
            var(lab, "LAB_TRACE_FIRST"),
        ],
    );
    // tcpdump hands frames over in blocks up to a second old: the last ones come after a wait
    std::thread::sleep(std::time::Duration::from_millis(2000));
    stop(capture);

    let key_hex = "4f1c0a77d2e9b35b60aa18c2f04d9e7715b3c6d8e2a1f0937c4b5d6e7f8091a2";
    let key_file = dir.join("site.key");
    std::fs::write(&key_file, format!("{key_hex}\n")).unwrap_or_else(|e| panic!("{e}"));
    let anonymise = |out: &Path, extra: &[&str]| {
        let o = Command::new(bin)
            .arg("anonymize")
            .arg(&raw)
            .arg("-o")
            .arg(out)
            .arg("--key")
            .arg(&key_file)
            .arg("--json")
            .args(extra)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        ok(&o);
        serde_json::from_slice::<Value>(&o.stdout).unwrap_or(Value::Null)
    };
    let whole = dir.join("whole.pcapng");
    let done = anonymise(&whole, &[]);
    assert!(
        done["icmp_quoted"].as_u64().unwrap_or(0) >= 2,
        "traceroute's ICMP errors: {done}"
    );
    assert!(done["arp"].as_u64().unwrap_or(0) >= 1, "{done}");

    // tshark sees the same protocols, frame for frame, byte for byte
    let phs = |f: &Path| tshark(f, &["-q", "-z", "io,phs"]);
    assert_eq!(phs(&whole), phs(&raw));
    // every checksum that verified still does (what the NIC left unfilled stays so)
    let (good, bad) = checksums(&raw);
    assert!(good > 20, "{good} good checksums in the capture");
    assert_eq!(checksums(&whole), (good, bad));

    // one pseudonym per address, the key's, and every shared prefix kept
    let (before, after) = (addresses(&raw), addresses(&whole));
    assert_eq!(before.len(), after.len());
    let key =
        wirescope_traffic::anon::parse_key(key_hex.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let pan = wirescope_traffic::anon::cryptopan::CryptoPan::new(&key);
    let mut map: BTreeMap<std::net::IpAddr, std::net::IpAddr> = BTreeMap::new();
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b.len(), a.len(), "{b:?} -> {a:?}");
        for (b, a) in b.iter().zip(a) {
            let (b, a): (std::net::IpAddr, std::net::IpAddr) = (
                b.parse().unwrap_or_else(|e| panic!("{b}: {e}")),
                a.parse().unwrap_or_else(|e| panic!("{a}: {e}")),
            );
            assert_eq!(*map.entry(b).or_insert(a), a, "{b} has two pseudonyms");
        }
    }
    let client: std::net::Ipv4Addr = var(lab, "LAB_CLIENT_V4")
        .parse()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        map.get(&client.into()),
        Some(&std::net::IpAddr::from(pan.v4(client.octets()))),
        "the client's pseudonym under this key"
    );
    assert!(map.len() >= 6, "{map:?}");
    for (b1, a1) in &map {
        assert_ne!(b1, a1);
        for (b2, a2) in &map {
            assert_eq!(
                common_prefix(b1, b2),
                common_prefix(a1, a2),
                "{b1} {b2} -> {a1} {a2}"
            );
        }
    }

    // headers only, MACs scrambled: not one original address or MAC left in the bytes
    let headers = dir.join("headers.pcapng");
    let done = anonymise(&headers, &["--macs", "--cut-after", "transport"]);
    assert!(done["cut_frames"].as_u64().unwrap_or(0) > 0, "{done}");
    let bytes = std::fs::read(&headers).unwrap_or_else(|e| panic!("{e}"));
    let find = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    for addr in map.keys() {
        let octets = match addr {
            std::net::IpAddr::V4(a) => a.octets().to_vec(),
            std::net::IpAddr::V6(a) => a.octets().to_vec(),
        };
        assert!(
            !find(&octets),
            "{addr} is still in the headers-only capture"
        );
    }
    let macs = tshark(
        &raw,
        &[
            "-T",
            "fields",
            "-E",
            "separator=,",
            "-e",
            "eth.src",
            "-e",
            "eth.dst",
        ],
    );
    let mut checked = 0;
    for mac in macs
        .split(['\n', ','])
        .filter(|m| m.len() == 17 && *m != "ff:ff:ff:ff:ff:ff")
    {
        let octets: Vec<u8> = mac
            .split(':')
            .filter_map(|h| u8::from_str_radix(h, 16).ok())
            .collect();
        assert!(!find(&octets), "MAC {mac} is still in the capture");
        checked += 1;
    }
    assert!(checked > 0);
    // the cut capture still reads: the same frames, their headers dissected (an ICMP error's
    // quoted packet is payload: cut)
    let count = |f: &Path, filter: &str| tshark_count(f, filter);
    for proto in [
        "arp",
        "icmp",
        "icmpv6",
        "tcp && !icmp",
        "udp && !icmp && !icmpv6",
    ] {
        assert_eq!(count(&headers, proto), count(&raw, proto), "{proto}");
    }

    // bad input: a key that is not one, the input as output, a damaged capture
    let short_key = dir.join("short.key");
    std::fs::write(&short_key, b"0123").unwrap_or_else(|e| panic!("{e}"));
    let o = Command::new(bin)
        .arg("anonymize")
        .arg(&raw)
        .args(["-o"])
        .arg(dir.join("x.pcapng"))
        .arg("--key")
        .arg(&short_key)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("this one is 4 bytes"));
    assert!(!dir.join("x.pcapng").exists());
    let o = Command::new(bin)
        .arg("anonymize")
        .arg(&raw)
        .arg("-o")
        .arg(&raw)
        .arg("--key")
        .arg(&key_file)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("that is the input"));
    let data = std::fs::read(&raw).unwrap_or_else(|e| panic!("{e}"));
    let cut = dir.join("cut.pcap");
    std::fs::write(&cut, &data[..data.len() - 7]).unwrap_or_else(|e| panic!("{e}"));
    let o = Command::new(bin)
        .arg("anonymize")
        .arg(&cut)
        .arg("-o")
        .arg(dir.join("cut.pcapng"))
        .arg("--key")
        .arg(&key_file)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("is damaged"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        tshark_count(&dir.join("cut.pcapng"), "frame"),
        tshark_count(&raw, "frame") - 1,
        "every frame before the damage"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
