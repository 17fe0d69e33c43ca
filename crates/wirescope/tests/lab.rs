//! End-to-end tests of the real binary against the lab of network namespaces (lab/lab.sh):
//! every probe, dead targets, NXDOMAIN, filtered ports, IPv6, --interface, --netns,
//! unprivileged ICMP, missing privileges and Ctrl-C. Needs root and a running lab; under
//! CI=true a missing lab fails the tests instead of skipping them.

mod common;

use common::*;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn ping_batch_alive_dead_ipv6_and_names() {
    let lab = lab();
    let out = client(
        lab,
        &[
            "ping",
            "198.18.16.1-50",
            var(lab, "LAB_DEAD_V4"),
            var(lab, "LAB_HOST_V6"),
            var(lab, "LAB_HOST_NAME"),
            "nope.lab.test",
            "-c",
            "2",
            "-i",
            "50ms",
            "--timeout",
            "500ms",
            "--json",
        ],
    );
    ok(&out);
    let (results, summary) = ndjson(&out);
    assert_eq!(results.len(), 54);
    let r = by_target(&results);
    for i in 1..=50 {
        let p = &r[&format!("198.18.16.{i}")];
        assert_eq!(p["alive"], true, "{p}");
        assert_eq!(
            (
                p["sent"].as_u64(),
                p["received"].as_u64(),
                p["loss_pct"].as_f64()
            ),
            (Some(2), Some(2), Some(0.0))
        );
        let rtt = &p["rtt_ms"];
        assert!(
            rtt["min"].as_f64() <= rtt["avg"].as_f64()
                && rtt["avg"].as_f64() <= rtt["max"].as_f64(),
            "{rtt}"
        );
        assert!(rtt["stddev"].as_f64().is_some());
    }
    let dead = &r[var(lab, "LAB_DEAD_V4")];
    assert_eq!(
        (
            dead["alive"].as_bool(),
            dead["received"].as_u64(),
            dead["loss_pct"].as_f64()
        ),
        (Some(false), Some(0), Some(100.0))
    );
    assert!(dead["rtt_ms"].is_null());
    assert_eq!(r[var(lab, "LAB_HOST_V6")]["alive"], true);
    let named = &r[var(lab, "LAB_HOST_NAME")];
    assert_eq!(
        (named["alive"].as_bool(), named["addr"].as_str()),
        (Some(true), Some(var(lab, "LAB_HOST_V4")))
    );
    let nx = &r["nope.lab.test"];
    assert_eq!(nx["alive"], false);
    assert!(
        nx["error"]
            .as_str()
            .unwrap_or_default()
            .contains("NXDOMAIN"),
        "{nx}"
    );
    assert_eq!(
        (
            summary["targets"].as_u64(),
            summary["alive"].as_u64(),
            summary["dead"].as_u64()
        ),
        (Some(54), Some(52), Some(2))
    );
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn ping_reports_host_unreachable_from_the_missing_neighbour() {
    let lab = lab();
    // The neighbour never answers ARP; after about 3 s the kernel reports the host unreachable.
    let out = client(
        lab,
        &["ping", var(lab, "LAB_DEAD_V4"), "--timeout", "5s", "--json"],
    );
    ok(&out);
    let (results, _) = ndjson(&out);
    let err = results[0]["error"].as_str().unwrap_or_default();
    assert!(err.starts_with("host unreachable (from "), "{}", results[0]);
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn ping_from_the_root_namespace_with_netns() {
    let lab = lab();
    let out = Command::new(env!("CARGO_BIN_EXE_wirescope"))
        .args([
            "ping",
            "--netns",
            var(lab, "LAB_CLIENT_NS"),
            var(lab, "LAB_FAR_V4"),
            var(lab, "LAB_HOST_NAME"),
            "--json",
        ])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    ok(&out);
    let (results, summary) = ndjson(&out);
    assert_eq!(summary["alive"], 2, "{results:?}");
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn interface_binding_reaches_the_overlapping_host() {
    let lab = lab();
    let (host, port) = (var(lab, "LAB_ALT_OVERLAP_V4"), var(lab, "LAB_ALT_PORT"));
    let via_eth1 = client(
        lab,
        &[
            "scan",
            host,
            "-p",
            port,
            "-I",
            var(lab, "LAB_CLIENT_ALT_IF"),
            "--json",
        ],
    );
    ok(&via_eth1);
    let (r, _) = ndjson(&via_eth1);
    assert_eq!(
        r[0]["open"],
        serde_json::json!([port.parse::<u16>().unwrap_or(0)]),
        "{}",
        r[0]
    );
    let default_route = client(lab, &["scan", host, "-p", port, "--json"]);
    let (r, _) = ndjson(&default_route);
    assert_eq!(
        (
            r[0]["open"].as_array().map(Vec::len),
            r[0]["closed"].as_u64()
        ),
        (Some(0), Some(1)),
        "{}",
        r[0]
    );
    let ping = client(
        lab,
        &["ping", host, "-I", var(lab, "LAB_CLIENT_ALT_IF"), "--json"],
    );
    assert_eq!(ndjson(&ping).1["alive"], 1);
    let bad = client(lab, &["ping", host, "-I", "nosuchif0"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("interface 'nosuchif0': no such interface")
    );
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn unprivileged_icmp_where_the_sysctl_allows_it() {
    let lab = lab();
    // wsl-c allows unprivileged ICMP (ping_group_range 0..2^31): a non-root user pings through it.
    let out = as_nobody(
        var(lab, "LAB_CLIENT_NS"),
        &["ping", "198.18.16.1-20", var(lab, "LAB_HOST_V6"), "--json"],
    );
    ok(&out);
    let (results, summary) = ndjson(&out);
    assert_eq!(summary["alive"], 21, "{results:?}");
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn missing_privilege_names_the_capability() {
    let lab = lab();
    // wsl-alt keeps the default ping_group_range "1 0": without CAP_NET_RAW nothing can send ICMP.
    for args in [&["ping", "198.18.7.10"][..], &["trace", "198.18.7.10"][..]] {
        let out = as_nobody(var(lab, "LAB_ALT_NS"), args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains("CAP_NET_RAW"), "{err}");
        assert!(err.contains("setcap cap_net_raw,cap_net_admin+ep"), "{err}");
        assert!(out.stdout.is_empty(), "it fails before any result");
    }
}

fn trace(lab: &HashMap<String, String>, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["trace", "--json"];
    args.extend_from_slice(extra);
    let out = client(lab, &args);
    ok(&out);
    ndjson(&out).0
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn trace_four_hops_over_icmp_udp_and_tcp_stays_on_one_ecmp_path() {
    let lab = lab();
    let far = var(lab, "LAB_FAR_V4");
    let hop2: BTreeSet<&str> = [var(lab, "LAB_R1_R2A_V4_B"), var(lab, "LAB_R1_R2B_V4_B")].into();
    for proto in ["icmp", "udp", "tcp"] {
        let r = &trace(lab, &[far, "-P", proto, "-q", "5"])[0];
        assert_eq!(r["protocol"], proto);
        let hops = r["hops"].as_array().cloned().unwrap_or_default();
        // The far host rate-limits its ICMP errors (the lab keeps the kernel's default there),
        // so a UDP trace may find it silent when other traces spent its allowance; its TCP
        // answers and echo replies are not limited.
        if proto != "udp" || r["reached"] == true {
            assert_eq!(r["reached"], true, "{proto}: {r}");
            assert_eq!(hops.len(), 4, "{proto}: {r}");
            assert_eq!(hops[3]["addr"], far);
        }
        assert_eq!(hops[0]["addr"], var(lab, "LAB_R1_LAN_V4"));
        assert!(
            hop2.contains(hops[1]["addr"].as_str().unwrap_or_default()),
            "{proto}: {}",
            hops[1]
        );
        // Paris: every probe of a hop took the same path, so one address answered them all;
        // the routers answer every probe.
        for h in &hops[..3] {
            assert_eq!(h["addrs"].as_array().map(Vec::len), Some(1), "{proto}: {h}");
            assert_eq!(h["rtt_ms"].as_array().map(Vec::len), Some(5));
            assert_eq!(h["loss_pct"], 0.0, "{proto}: {h}");
        }
    }
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn back_to_back_traces_to_a_rate_limiting_host_wait_a_few_rtts_not_the_timeout() {
    let lab = lab();
    let far = var(lab, "LAB_FAR_V4");
    for proto in ["udp", "tcp", "icmp"] {
        // The first trace spends the far host's ICMP burst; the second meets its rate limit.
        trace(lab, &[far, "-P", proto]);
        let started = std::time::Instant::now();
        let r = &trace(lab, &[far, "-P", proto])[0];
        let took = started.elapsed();
        let hops = r["hops"].as_array().cloned().unwrap_or_default();
        assert_eq!(hops[0]["addr"], var(lab, "LAB_R1_LAN_V4"), "{proto}: {r}");
        // Port unreachables are rate-limited (the host may stay silent at its TTL); TCP
        // resets and echo replies are not.
        if proto != "udp" || r["reached"] == true {
            assert_eq!(r["reached"], true, "{proto}: {r}");
            assert_eq!(hops.len(), 4, "{proto}: {r}");
            assert_eq!(hops[3]["addr"], far, "{proto}: {r}");
        }
        // The lost probes cost a few RTTs (at least --wait-min), not the 2 s timeout.
        assert!(took < Duration::from_millis(1000), "{proto}: {took:?}");
        // With the adaptive wait off, a lost probe costs the whole timeout again.
        if proto == "udp" {
            let started = std::time::Instant::now();
            let r = &trace(
                lab,
                &[
                    far,
                    "-P",
                    proto,
                    "--wait-here",
                    "0",
                    "--wait-near",
                    "0",
                    "-t",
                    "1s",
                ],
            )[0];
            let lost = r["hops"][3]["loss_pct"].as_f64().unwrap_or(100.0);
            if lost > 0.0 {
                assert!(started.elapsed() >= Duration::from_millis(1000), "{r}");
            }
        }
    }
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn trace_ipv6_with_reverse_names_and_an_unreachable_target() {
    let lab = lab();
    let results = trace(
        lab,
        &[
            var(lab, "LAB_FAR_V6"),
            var(lab, "LAB_DEAD_V4"),
            "-r",
            "--timeout",
            "1s",
        ],
    );
    let r = by_target(&results);
    let v6 = &r[var(lab, "LAB_FAR_V6")];
    assert_eq!(
        (v6["reached"].as_bool(), v6["hops"].as_array().map(Vec::len)),
        (Some(true), Some(4)),
        "{v6}"
    );
    assert_eq!(v6["hops"][0]["name"], "r1.lab.test");
    assert_eq!(v6["hops"][3]["name"], "d.lab.test");
    let dead = &r[var(lab, "LAB_DEAD_V4")];
    assert_eq!(dead["reached"], false);
    assert!(dead["hops"][0]["addr"].is_null(), "{dead}");
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn trace_many_targets_concurrently() {
    let lab = lab();
    let started = Instant::now();
    let results = trace(lab, &["198.18.4.1-100", "-q", "1"]);
    assert_eq!(results.len(), 100);
    assert!(
        results
            .iter()
            .all(|r| r["reached"] == true && r["hops"].as_array().map(Vec::len) == Some(4))
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "concurrent, not one after the other"
    );
}

fn dns(lab: &HashMap<String, String>, args: &[&str]) -> HashMap<(String, String), Value> {
    let mut all = vec!["dns", "--json", "--server", var(lab, "LAB_DNS_V4")];
    all.extend_from_slice(args);
    let out = client(lab, &all);
    ok(&out);
    ndjson(&out)
        .0
        .into_iter()
        .map(|r| {
            (
                (
                    r["target"].as_str().unwrap_or("").to_string(),
                    r["type"].as_str().unwrap_or("").to_string(),
                ),
                r,
            )
        })
        .collect()
}

fn answers(v: &Value) -> Vec<String> {
    v["answers"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn dns_record_types_nxdomain_and_ptr() {
    let lab = lab();
    let r = dns(
        lab,
        &[
            "h1.lab.test",
            "www.lab.test",
            "nope.lab.test",
            "-t",
            "A",
            "-t",
            "AAAA",
        ],
    );
    let a = &r[&("h1.lab.test".into(), "A".into())];
    assert_eq!(
        (a["rcode"].as_str(), answers(a)),
        (Some("NOERROR"), vec![var(lab, "LAB_HOST_V4").to_string()])
    );
    assert!(
        a["elapsed_ms"]
            .as_f64()
            .is_some_and(|e| e > 0.0 && e < 1000.0),
        "{a}"
    );
    assert_eq!(a["transport"], "udp");
    assert_eq!(
        answers(&r[&("h1.lab.test".into(), "AAAA".into())]),
        vec![var(lab, "LAB_HOST_V6").to_string()]
    );
    assert_eq!(
        answers(&r[&("www.lab.test".into(), "A".into())]),
        vec!["h1.lab.test.".to_string(), var(lab, "LAB_HOST_V4").into()]
    );
    assert_eq!(
        r[&("nope.lab.test".into(), "A".into())]["rcode"],
        "NXDOMAIN"
    );

    let r = dns(
        lab,
        &["lab.test", "-t", "MX", "-t", "TXT", "-t", "NS", "-t", "CAA"],
    );
    assert_eq!(
        answers(&r[&("lab.test".into(), "MX".into())]),
        ["10 mail.lab.test."]
    );
    assert_eq!(
        answers(&r[&("lab.test".into(), "TXT".into())]),
        ["\"v=wirescope-lab\""]
    );
    assert_eq!(
        answers(&r[&("lab.test".into(), "NS".into())]),
        ["ns.lab.test."]
    );
    assert_eq!(
        answers(&r[&("lab.test".into(), "CAA".into())]),
        ["0 issue \"letsencrypt.org\""]
    );
    let r = dns(lab, &["_ssh._tcp.lab.test", "-t", "SRV"]);
    assert_eq!(
        answers(&r[&("_ssh._tcp.lab.test".into(), "SRV".into())]),
        ["0 5 22 h1.lab.test."]
    );
    // An address gets a PTR question on its reverse name.
    let r = dns(lab, &[var(lab, "LAB_HOST_V4"), var(lab, "LAB_FAR_V6")]);
    let ptr = &r[&(var(lab, "LAB_HOST_V4").to_string(), "PTR".into())];
    assert_eq!(
        (ptr["name"].as_str(), answers(ptr)),
        (
            Some("20.0.18.198.in-addr.arpa"),
            vec!["h1.lab.test.".to_string()]
        )
    );
    assert_eq!(
        answers(&r[&(var(lab, "LAB_FAR_V6").to_string(), "PTR".into())]),
        ["d.lab.test."]
    );
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn dns_truncated_answers_fall_back_to_tcp() {
    let lab = lab();
    let r = dns(lab, &[var(lab, "LAB_DNS_BIG_NAME"), "-t", "TXT"]);
    let big = &r[&(var(lab, "LAB_DNS_BIG_NAME").to_string(), "TXT".into())];
    assert_eq!(big["transport"], "tcp", "{big}");
    assert_eq!(
        answers(big).len(),
        var(lab, "LAB_DNS_BIG_STRINGS")
            .parse::<usize>()
            .unwrap_or(0)
    );
    let r = dns(lab, &["h1.lab.test", "--tcp"]);
    assert_eq!(r[&("h1.lab.test".into(), "A".into())]["transport"], "tcp");
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn dns_server_failures_are_results() {
    let lab = lab();
    // A host with no DNS server: port unreachable comes back at once.
    let out = client(
        lab,
        &[
            "dns",
            "h1.lab.test",
            "--server",
            var(lab, "LAB_HOST_V4"),
            "--json",
        ],
    );
    ok(&out);
    let (r, summary) = ndjson(&out);
    assert!(
        r[0]["error"]
            .as_str()
            .unwrap_or_default()
            .contains("connection refused"),
        "{}",
        r[0]
    );
    assert_eq!(summary["failed"], 1);
    // A server that never answers: retries, then a clear timeout, bounded in time.
    let started = Instant::now();
    let out = client(
        lab,
        &[
            "dns",
            "h1.lab.test",
            "--server",
            var(lab, "LAB_DEAD_V4"),
            "--timeout",
            "300ms",
            "--retries",
            "1",
            "--json",
        ],
    );
    ok(&out);
    let (r, _) = ndjson(&out);
    assert!(
        r[0]["error"]
            .as_str()
            .unwrap_or_default()
            .contains("no answer from 198.18.128.1:53 after 2 attempts"),
        "{}",
        r[0]
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn dns_default_server_comes_from_the_namespace_resolv_conf() {
    let lab = lab();
    let out = client(lab, &["dns", "d.lab.test", "--json"]);
    ok(&out);
    let (r, _) = ndjson(&out);
    assert_eq!(r[0]["server"], format!("{}:53", var(lab, "LAB_DNS_V4")));
    assert_eq!(answers(&r[0]), [var(lab, "LAB_FAR_V4")]);
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn scan_open_closed_filtered_and_banners() {
    let lab = lab();
    let filtered_host = var(lab, "LAB_FILTERED_8080_ADDR");
    let out = client(
        lab,
        &[
            "scan",
            var(lab, "LAB_MANY_FIRST"),
            filtered_host,
            var(lab, "LAB_HOST_V6"),
            "-p",
            "20-25,80,443,3389,8080",
            "-b",
            "--timeout",
            "500ms",
            "--json",
        ],
    );
    ok(&out);
    let (results, summary) = ndjson(&out);
    let r = by_target(&results);
    let open: Vec<u64> = var(lab, "LAB_OPEN_PORTS")
        .split(',')
        .filter_map(|p| p.parse().ok())
        .collect();
    let first = &r[var(lab, "LAB_MANY_FIRST")];
    assert_eq!(first["open"], serde_json::json!(open), "{first}");
    assert_eq!(
        (first["closed"].as_u64(), first["filtered"].as_u64()),
        (Some(3), Some(1)),
        "{first}"
    );
    assert!(
        first["banners"]["22"]
            .as_str()
            .unwrap_or_default()
            .starts_with(var(lab, "LAB_SSH_BANNER_PREFIX"))
    );
    assert!(
        first["banners"]["80"]
            .as_str()
            .unwrap_or_default()
            .contains(var(lab, "LAB_HTTP_SERVER")),
        "{first}"
    );
    assert_eq!(first["services"]["22"], "ssh");
    let f = &r[filtered_host];
    assert_eq!(
        f["filtered"], 2,
        "3389 and 8080 are dropped on {filtered_host}: {f}"
    );
    assert!(
        !f["open"]
            .as_array()
            .is_some_and(|a| a.contains(&serde_json::json!(8080)))
    );
    assert_eq!(r[var(lab, "LAB_HOST_V6")]["open"], serde_json::json!(open));
    assert_eq!(summary["hosts_up"], 3);
    assert!(
        results.iter().all(|x| x["method"] == "syn"),
        "root scans with SYN by default"
    );
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn connect_scan_and_syn_scan_agree_and_privilege_decides() {
    let lab = lab();
    let filtered_host = var(lab, "LAB_FILTERED_8080_ADDR");
    let args = [
        "scan",
        "198.18.17.140-144",
        var(lab, "LAB_HOST_V6"),
        "-p",
        "20-25,80,443,3389,8080",
        "--timeout",
        "500ms",
        "--json",
    ];
    let shape = |out: &Output| -> Vec<(String, Value, Value, Value, Value)> {
        let mut v: Vec<_> = ndjson(out)
            .0
            .into_iter()
            .map(|r| {
                (
                    r["target"].as_str().unwrap_or("").to_string(),
                    r["open"].clone(),
                    r["closed"].clone(),
                    r["filtered"].clone(),
                    r["method"].clone(),
                )
            })
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    };
    let syn = client(lab, &[&args[..], &["--method", "syn"]].concat());
    let connect = client(lab, &[&args[..], &["--method", "connect"]].concat());
    let nobody = as_nobody(var(lab, "LAB_CLIENT_NS"), &args);
    for out in [&syn, &connect, &nobody] {
        ok(out);
    }
    let (syn, connect, nobody) = (shape(&syn), shape(&connect), shape(&nobody));
    assert_eq!(syn.len(), 6);
    for ((s, c), n) in syn.iter().zip(&connect).zip(&nobody) {
        assert_eq!(
            (&s.0, &s.1, &s.2, &s.3),
            (&c.0, &c.1, &c.2, &c.3),
            "syn and connect agree"
        );
        assert_eq!(
            (&c.0, &c.1, &c.2, &c.3),
            (&n.0, &n.1, &n.2, &n.3),
            "the unprivileged scan agrees"
        );
        assert_eq!(
            (s.4.as_str(), c.4.as_str(), n.4.as_str()),
            (Some("syn"), Some("connect"), Some("connect"))
        );
    }
    let f = syn
        .iter()
        .find(|x| x.0 == filtered_host)
        .map(|x| x.3.clone());
    assert_eq!(f, Some(serde_json::json!(2)));
    let denied = as_nobody(
        var(lab, "LAB_CLIENT_NS"),
        &["scan", "198.18.16.1", "-p", "22", "--method", "syn"],
    );
    let err = String::from_utf8_lossy(&denied.stderr);
    assert_eq!(denied.status.code(), Some(1), "{err}");
    assert!(err.contains("CAP_NET_RAW"), "{err}");
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn scan_top_ports_finds_every_listener() {
    let lab = lab();
    let out = client(lab, &["scan", "198.18.16.1-10", "--top", "1000", "--json"]);
    ok(&out);
    let (results, summary) = ndjson(&out);
    assert_eq!(results.len(), 10);
    for r in &results {
        assert_eq!(r["open"].as_array().map(Vec::len), Some(6), "{r}");
        assert_eq!(r["filtered"], 1, "3389 is in the top 1000 and dropped: {r}");
        assert_eq!(r["closed"], 993);
    }
    assert_eq!(summary["open_ports"], 60);
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn ctrl_c_prints_what_finished_and_the_summary() {
    let lab = lab();
    // 20 live targets answer at once; 200 dead ones would take the 10 s timeout.
    let child = Command::new("ip")
        .args([
            "netns",
            "exec",
            var(lab, "LAB_CLIENT_NS"),
            env!("CARGO_BIN_EXE_wirescope"),
        ])
        .args([
            "ping",
            "198.18.16.1-20",
            "198.18.128.1-200",
            "--timeout",
            "10s",
            "--json",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    std::thread::sleep(Duration::from_millis(1500));
    // ip netns exec execs wirescope, so the child's pid is wirescope's.
    let rc = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    assert!(rc.is_ok_and(|s| s.success()));
    let started = Instant::now();
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert!(started.elapsed() < Duration::from_secs(3), "stops promptly");
    assert_eq!(out.status.code(), Some(130));
    let (results, summary) = ndjson(&out);
    assert_eq!(results.len(), 20, "the live targets had finished");
    assert!(results.iter().all(|r| r["alive"] == true));
    assert_eq!(
        (
            summary["cancelled"].as_bool(),
            summary["completed"].as_u64(),
            summary["targets"].as_u64()
        ),
        (Some(true), Some(20), Some(220))
    );
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn human_output_is_an_aligned_table() {
    let lab = lab();
    let out = client(
        lab,
        &[
            "ping",
            "198.18.16.1-3",
            var(lab, "LAB_DEAD_V4"),
            "--timeout",
            "300ms",
        ],
    );
    ok(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("TARGET"), "{text}");
    assert!(!text.contains('\x1b'), "no colour when not a terminal");
    let col = lines[0].find("STATE").unwrap_or(0);
    for l in &lines[1..5] {
        assert!(
            l[col..].starts_with("alive") || l[col..].starts_with("dead"),
            "{l}"
        );
    }
    assert!(
        lines[5].starts_with("4 targets: 3 alive, 1 dead in "),
        "{text}"
    );
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn source_address_is_used_and_checked() {
    let lab = lab();
    let (alt, client_v4) = (var(lab, "LAB_ALT_V4"), var(lab, "LAB_CLIENT_V4"));
    for args in [
        &["ping", alt, "--source", client_v4][..],
        &[
            "scan",
            alt,
            "-p",
            var(lab, "LAB_ALT_PORT"),
            "--source",
            client_v4,
        ][..],
    ] {
        let out = client(lab, &[args, &["--json"]].concat());
        ok(&out);
        let (r, _) = ndjson(&out);
        assert!(
            r[0]["alive"] == true || r[0]["open"].as_array().is_some_and(|o| o.len() == 1),
            "{}",
            r[0]
        );
    }
    // An address this host does not have, and one of the wrong family: clear errors, nothing sent.
    let foreign = client(lab, &["ping", alt, "--source", "192.0.2.1"]);
    assert_eq!(foreign.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&foreign.stderr)
            .contains("source address 192.0.2.1: Cannot assign requested address")
    );
    let family = client(
        lab,
        &[
            "scan",
            alt,
            "-p",
            "22",
            "--source",
            var(lab, "LAB_CLIENT_V6"),
        ],
    );
    assert_eq!(family.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&family.stderr).contains("is IPv6 but the target is IPv4"));
}
