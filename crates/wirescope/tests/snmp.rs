//! SNMP end to end against the lab's snmpd + lldpd: walks compared OID for OID with
//! `snmpbulkwalk -On`, v1/v2c/v3 (SHA/AES and SHA-256/AES-256), wrong community and wrong
//! password, LLDP and CDP neighbours on both ends of every link, ARP tables equal to `ip neigh`,
//! interfaces, many agents at once; recorded walks of other vendors' devices (Cisco, Juniper,
//! Arista, HP, MikroTik, Huawei) served by snmpsim. Needs root and the lab; mandatory under
//! CI=true.

mod common;

use common::*;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::process::Command;
use std::time::{Duration, Instant};

fn snmpbulkwalk(lab: &HashMap<String, String>, agent: &str, oid: &str) -> Vec<(String, String)> {
    let out = Command::new("ip")
        .args([
            "netns",
            "exec",
            var(lab, "LAB_CLIENT_NS"),
            "snmpbulkwalk",
            "-v2c",
            "-c",
            var(lab, "LAB_SNMP_COMMUNITY"),
            "-On",
            "-Cr25",
            agent,
            oid,
        ])
        .output()
        .unwrap_or_else(|e| panic!("snmpbulkwalk: {e}"));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            l.split_once(" = ")
                .map(|(o, v)| (o.to_string(), v.to_string()))
        })
        .collect()
}

fn rows(out: &std::process::Output, kind: &str) -> Vec<Value> {
    ok(out);
    ndjson(out)
        .0
        .into_iter()
        .filter(|r| r["kind"] == kind)
        .collect()
}

fn v3_args<'a>(lab: &'a HashMap<String, String>, key: &str) -> Vec<&'a str> {
    let k = |s: &str| var(lab, &format!("LAB_SNMP_V3_{key}_{s}"));
    vec![
        "-v",
        "3",
        "-u",
        k("USER"),
        "-a",
        k("AUTH"),
        "-A",
        k("AUTH_PASS"),
        "-x",
        k("PRIV"),
        "-X",
        k("PRIV_PASS"),
    ]
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn walks_match_snmpbulkwalk_oid_for_oid() {
    let lab = lab();
    let agent = var(lab, "LAB_S1_LAN_V4");
    let c = var(lab, "LAB_SNMP_COMMUNITY");
    for subtree in [
        "1.3.6.1.2.1.1",
        "1.3.6.1.2.1.2",
        "1.3.6.1.2.1.31",
        "1.0.8802.1.1.2.1.4",
    ] {
        let net = snmpbulkwalk(lab, agent, subtree);
        assert!(!net.is_empty(), "net-snmp walked nothing under {subtree}");
        let ours = rows(
            &client(lab, &["snmp", "walk", agent, subtree, "-c", c, "--json"]),
            "snmp",
        );
        let our_oids: Vec<&str> = ours.iter().filter_map(|r| r["oid"].as_str()).collect();
        let net_oids: Vec<&str> = net.iter().map(|(o, _)| o.as_str()).collect();
        assert_eq!(
            our_oids, net_oids,
            "walk of {subtree}: the same OIDs in the same order"
        );
        // Values that do not move between two walks must be equal too.
        for (r, (oid, v)) in ours.iter().zip(&net) {
            if v.starts_with("STRING: ") && !oid.starts_with(".1.3.6.1.2.1.1.3") {
                let theirs = v.trim_start_matches("STRING: ").trim_matches('"');
                if r["type"] == "STRING" && !theirs.contains(':') {
                    assert_eq!(r["value"].as_str(), Some(theirs), "{oid}");
                }
            }
            if let Some(n) = v.strip_prefix("INTEGER: ") {
                let ours = r["value"].as_str().unwrap_or_default();
                let num = ours
                    .rsplit_once('(')
                    .map_or(ours, |(_, x)| x.trim_end_matches(')'));
                let theirs = n
                    .rsplit_once('(')
                    .map_or(n, |(_, x)| x.trim_end_matches(')'));
                assert_eq!(num, theirs, "{oid}");
            }
        }
    }
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn v1_v2c_and_v3_read_the_same_system_group() {
    let lab = lab();
    let agent = var(lab, "LAB_S2_LAN_V4");
    let c = var(lab, "LAB_SNMP_COMMUNITY");
    let oids = |extra: &[&str]| {
        let mut args = vec!["snmp", "walk", agent, "system", "--json"];
        args.extend_from_slice(extra);
        let r = rows(&client(lab, &args), "snmp");
        r.iter()
            .filter_map(|x| x["oid"].as_str().map(String::from))
            .collect::<Vec<_>>()
    };
    let v2c = oids(&["-c", c]);
    assert!(v2c.len() >= 8, "{v2c:?}");
    assert_eq!(
        oids(&["-c", c, "-v", "1"]),
        v2c,
        "SNMPv1 walks with GETNEXT"
    );
    assert_eq!(oids(&v3_args(lab, "SHA_AES")), v2c, "v3 authPriv SHA/AES");
    assert_eq!(
        oids(&v3_args(lab, "SHA256_AES256")),
        v2c,
        "v3 authPriv SHA-256/AES-256"
    );
    // DES: each run takes a fresh salt epoch from durable state.
    let des_state = std::env::temp_dir().join(format!("wirescope-des-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&des_state);
    let boots = des_state.join("boots");
    for epoch in ["1", "2"] {
        let mut args = vec!["snmp", "walk", agent, "system", "--json"];
        args.extend(v3_args(lab, "MD5_DES"));
        let out = Command::new("ip")
            .args([
                "netns",
                "exec",
                var(lab, "LAB_CLIENT_NS"),
                env!("CARGO_BIN_EXE_wirescope"),
            ])
            .args(&args)
            .env("WIRESCOPE_DES_STATE", &boots)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let des: Vec<String> = rows(&out, "snmp")
            .iter()
            .filter_map(|x| x["oid"].as_str().map(String::from))
            .collect();
        assert_eq!(des, v2c, "v3 authPriv MD5/DES");
        assert_eq!(
            std::fs::read_to_string(&boots).unwrap_or_default().trim(),
            epoch
        );
    }
    let _ = std::fs::remove_dir_all(&des_state);
    let auth_only = [
        "-v",
        "3",
        "-u",
        var(lab, "LAB_SNMP_V3_AUTHONLY_USER"),
        "-l",
        "authNoPriv",
        "-a",
        "SHA",
        "-A",
        var(lab, "LAB_SNMP_V3_AUTHONLY_AUTH_PASS"),
    ];
    assert_eq!(oids(&auth_only), v2c, "v3 authNoPriv");
    let get = rows(
        &client(lab, &["snmp", "get", agent, "sysName.0", "-c", c, "--json"]),
        "snmp",
    );
    assert_eq!(
        (get[0]["value"].as_str(), get[0]["name"].as_str()),
        (
            Some(var(lab, "LAB_S2_SYSNAME")),
            Some("SNMPv2-MIB::sysName.0")
        )
    );
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn wrong_community_is_no_response_and_wrong_password_an_authentication_error() {
    let lab = lab();
    let agent = var(lab, "LAB_S1_LAN_V4");
    let started = Instant::now();
    let bad = rows(
        &client(
            lab,
            &[
                "snmp",
                "get",
                agent,
                "sysName.0",
                "-c",
                "not-the-community",
                "-t",
                "300ms",
                "-r",
                "1",
                "--json",
            ],
        ),
        "snmp",
    );
    assert!(
        bad[0]["error"]
            .as_str()
            .unwrap_or_default()
            .starts_with("no response after 2 attempts"),
        "{}",
        bad[0]
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "bounded by the timeout"
    );
    let mut args = vec![
        "snmp",
        "get",
        agent,
        "sysName.0",
        "-t",
        "500ms",
        "-r",
        "0",
        "--json",
    ];
    let mut creds = v3_args(lab, "SHA_AES");
    creds[7] = "wrong-password";
    args.extend(creds);
    let started = Instant::now();
    let wrong = rows(&client(lab, &args), "snmp");
    let err = wrong[0]["error"].as_str().unwrap_or_default();
    assert!(
        err.starts_with("authentication failed: the agent answers"),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(3), "not a hang");
    let unknown = rows(
        &client(
            lab,
            &[
                "snmp",
                "get",
                agent,
                "sysName.0",
                "-v",
                "3",
                "-u",
                "nobody-here",
                "-a",
                "SHA",
                "-A",
                "12345678",
                "-t",
                "500ms",
                "-r",
                "0",
                "--json",
            ],
        ),
        "snmp",
    );
    assert_eq!(
        unknown[0]["error"],
        "authentication failed: unknown user name 'nobody-here'"
    );
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn neighbours_on_both_ends_of_every_link() {
    let lab = lab();
    let agents: Vec<&str> = ["LAB_S1_LAN_V4", "LAB_S2_LAN_V4", "LAB_S3_LAN_V4"]
        .iter()
        .map(|k| var(lab, k))
        .collect();
    let mut args = vec!["neighbors", "-c", var(lab, "LAB_SNMP_COMMUNITY"), "--json"];
    args.extend(agents.iter().copied());
    let found = rows(&client(lab, &args), "neighbor");
    let addr_of = |sw: &str| var(lab, &format!("LAB_{}_LAN_V4", sw.to_uppercase()));
    let seen: BTreeSet<(String, String, String, String)> = found
        .iter()
        .map(|n| {
            let s = |k: &str| n[k].as_str().unwrap_or_default().to_string();
            (
                s("target"),
                s("local_port"),
                s("remote_name"),
                s("remote_port"),
            )
        })
        .collect();
    for link in var(lab, "LAB_SW_LINKS").split(',') {
        let end = |side: &str| {
            let v = var(lab, &format!("LAB_SW_{link}_{side}"));
            let (sw, port) = v.split_once(':').unwrap_or_else(|| panic!("{v}"));
            (sw.to_string(), port.to_string())
        };
        let ((sa, pa), (sb, pb)) = (end("A"), end("B"));
        let name = |sw: &str| var(lab, &format!("LAB_{}_LLDP_NAME", sw.to_uppercase())).to_string();
        assert!(
            seen.contains(&(addr_of(&sa).into(), pa.clone(), name(&sb), pb.clone())),
            "{link}: {sa}:{pa} sees {sb}:{pb} in {seen:?}"
        );
        assert!(
            seen.contains(&(addr_of(&sb).into(), pb.clone(), name(&sa), pa.clone())),
            "{link}: {sb}:{pb} sees {sa}:{pa}"
        );
        if var(lab, &format!("LAB_SW_{link}_PROTO")) == "cdp" {
            // lldpd exports CDP-learnt neighbours into LLDP-MIB; check it did learn them over CDP.
            let out = Command::new("ip")
                .args([
                    "netns",
                    "exec",
                    &format!("wsl-{sa}"),
                    "lldpcli",
                    "-u",
                    &format!("/run/wirescope-lab/lldpd-{sa}.ctl"),
                    "show",
                    "neighbors",
                    "ports",
                    &pa,
                ])
                .output()
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(
                String::from_utf8_lossy(&out.stdout).contains("via: CDP"),
                "{link} is a CDP link"
            );
        }
    }
    assert!(
        found.iter().all(|n| n["mgmt_addr"].is_string()),
        "management addresses come from lldpRemManAddrTable"
    );
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn arp_tables_equal_the_namespaces_ip_neigh() {
    let lab = lab();
    for sw in ["s1", "s2", "s3"] {
        let agent = var(lab, &format!("LAB_{}_LAN_V4", sw.to_uppercase()));
        let entries = rows(
            &client(
                lab,
                &["arp", agent, "-c", var(lab, "LAB_SNMP_COMMUNITY"), "--json"],
            ),
            "arp",
        );
        let ours: BTreeSet<(String, String, String)> = entries
            .iter()
            .map(|e| {
                (
                    e["ip"].as_str().unwrap_or("").into(),
                    e["mac"].as_str().unwrap_or("").into(),
                    e["interface"].as_str().unwrap_or("").into(),
                )
            })
            .collect();
        let out = Command::new("ip")
            .args(["-n", &format!("wsl-{sw}"), "neigh", "show"])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let theirs: BTreeSet<(String, String, String)> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.contains("lladdr"))
            .filter_map(|l| {
                let w: Vec<&str> = l.split_whitespace().collect();
                let at = |k: &str| {
                    w.iter()
                        .position(|x| *x == k)
                        .and_then(|i| w.get(i + 1))
                        .map(|s| s.to_string())
                };
                Some((w.first()?.to_string(), at("lladdr")?, at("dev")?))
            })
            .collect();
        let v4 = |s: &BTreeSet<(String, String, String)>| {
            s.iter()
                .filter(|e| !e.0.contains(':'))
                .cloned()
                .collect::<BTreeSet<_>>()
        };
        assert!(!v4(&theirs).is_empty(), "{sw} has IPv4 neighbours");
        assert_eq!(
            v4(&ours),
            v4(&theirs),
            "{sw}: SNMP's ARP table is the kernel's"
        );
        assert!(
            entries
                .iter()
                .all(|e| e["vendor"] == "(locally administered)"),
            "lab MACs are locally administered"
        );
    }
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn interfaces_with_counters_and_rates() {
    let lab = lab();
    let agent = var(lab, "LAB_S1_LAN_V4");
    let out = client(
        lab,
        &[
            "interfaces",
            agent,
            "-c",
            var(lab, "LAB_SNMP_COMMUNITY"),
            "--rate",
            "1s",
            "--json",
        ],
    );
    let ifs = rows(&out, "interface");
    let names: BTreeSet<&str> = ifs.iter().filter_map(|i| i["name"].as_str()).collect();
    assert!(
        names.is_superset(&BTreeSet::from(["lo", "eth0", "swp1", "swp2"])),
        "{names:?}"
    );
    let swp1 = ifs
        .iter()
        .find(|i| i["name"] == "swp1")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (swp1["admin"].as_str(), swp1["oper"].as_str()),
        (Some("up"), Some("up"))
    );
    assert_eq!(swp1["mac"], var(lab, "LAB_S1_SWP1_MAC"));
    assert!(
        swp1["in_octets"].as_u64().is_some_and(|o| o > 0),
        "LLDP frames arrive on swp1: {swp1}"
    );
    assert!(
        swp1["in_bps"].as_u64().is_some(),
        "a rate over one second: {swp1}"
    );
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn many_agents_at_once_and_dead_ones() {
    let lab = lab();
    let out = client(
        lab,
        &[
            "snmp",
            "walk",
            "198.18.16.1-100,198.18.128.1",
            "ifTable",
            "-c",
            var(lab, "LAB_SNMP_COMMUNITY"),
            "-t",
            "500ms",
            "-r",
            "0",
            "--json",
        ],
    );
    ok(&out);
    let (lines, summary) = ndjson(&out);
    assert_eq!(
        (summary["answered"].as_u64(), summary["failed"].as_u64()),
        (Some(100), Some(1)),
        "{summary}"
    );
    let per_agent: HashMap<&str, usize> =
        lines
            .iter()
            .filter(|l| l["oid"].is_string())
            .fold(HashMap::new(), |mut m, l| {
                *m.entry(l["target"].as_str().unwrap_or("")).or_default() += 1;
                m
            });
    let counts: BTreeSet<usize> = per_agent.values().copied().collect();
    assert_eq!(
        counts.len(),
        1,
        "every agent gave the whole ifTable: {counts:?}"
    );
    assert!(lines.iter().any(|l| {
        l["target"] == "198.18.128.1"
            && l["error"]
                .as_str()
                .is_some_and(|e| e.starts_with("no response"))
    }));
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn bad_oids_and_secrets_stay_out_of_history() {
    let lab = lab();
    let bad = client(
        lab,
        &["snmp", "get", var(lab, "LAB_S1_LAN_V4"), "sysNaem.0"],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown object name 'sysNaem'"));
    let dir = std::env::temp_dir().join(format!("wirescope-snmp-{}", std::process::id()));
    let db = dir.join("w.db");
    let mut args = vec![
        "snmp",
        "get",
        var(lab, "LAB_S1_LAN_V4"),
        "sysName.0",
        "--save",
        "--db",
        db.to_str().unwrap_or(""),
    ];
    args.extend(v3_args(lab, "SHA_AES"));
    ok(&client(lab, &args));
    let stored = std::fs::read(&db).unwrap_or_default();
    let text = String::from_utf8_lossy(&stored);
    for secret in [
        var(lab, "LAB_SNMP_V3_SHA_AES_AUTH_PASS"),
        var(lab, "LAB_SNMP_V3_SHA_AES_PRIV_PASS"),
    ] {
        assert!(!text.contains(secret), "{secret} must not be stored");
    }
    assert!(
        text.contains(var(lab, "LAB_S1_SYSNAME")),
        "the result itself is stored"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn credential_profiles_keep_secrets_encrypted_and_work() {
    let lab = lab();
    let dir = std::env::temp_dir().join(format!("wirescope-creds-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (auth, privacy) = (
        var(lab, "LAB_SNMP_V3_SHA_AES_AUTH_PASS"),
        var(lab, "LAB_SNMP_V3_SHA_AES_PRIV_PASS"),
    );
    let run = |args: &[&str], passphrase: &str| {
        Command::new("ip")
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
            .env("WIRESCOPE_SECRETS_PASSPHRASE", passphrase)
            .env("WIRESCOPE_SNMP_AUTH_PASSWORD", auth)
            .env("WIRESCOPE_SNMP_PRIV_PASSWORD", privacy)
            .output()
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let pass = "lab test passphrase";
    let user = var(lab, "LAB_SNMP_V3_SHA_AES_USER");
    ok(&run(
        &[
            "creds", "add", "lab-v3", "-v", "3", "-u", user, "-a", "SHA", "-x", "AES",
        ],
        pass,
    ));
    let list = run(&["creds", "list", "--json"], pass);
    ok(&list);
    let listed: Value = serde_json::from_slice(&list.stdout).unwrap_or_default();
    assert_eq!(
        (
            listed[0]["name"].as_str(),
            listed[0]["auth_password"].as_str(),
            listed[0]["priv_password"].as_str()
        ),
        (Some("lab-v3"), Some("set"), Some("set"))
    );
    let agent = var(lab, "LAB_S3_LAN_V4");
    let got = run(
        &[
            "snmp",
            "get",
            agent,
            "sysName.0",
            "--profile",
            "lab-v3",
            "--json",
        ],
        pass,
    );
    assert_eq!(rows(&got, "snmp")[0]["value"], var(lab, "LAB_S3_SYSNAME"));
    let tested = run(&["creds", "test", "lab-v3", agent, "--json"], pass);
    assert_eq!(ndjson(&tested).1["answered"], 1);
    // Nothing on disk or in any output holds the secrets in plaintext.
    let mut seen = String::new();
    for out in [&list, &got, &tested] {
        seen.push_str(&String::from_utf8_lossy(&out.stdout));
        seen.push_str(&String::from_utf8_lossy(&out.stderr));
    }
    for sub in [
        "config/wirescope/profiles.json",
        "data/wirescope/secrets.enc",
    ] {
        seen.push_str(
            &std::fs::read_to_string(dir.join(sub)).unwrap_or_else(|e| panic!("{sub}: {e}")),
        );
    }
    assert!(
        !seen.contains(auth) && !seen.contains(privacy),
        "a secret leaked"
    );
    let wrong = run(
        &["snmp", "get", agent, "sysName.0", "--profile", "lab-v3"],
        "not the passphrase",
    );
    assert_eq!(wrong.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("wrong passphrase"));
    let unknown = run(
        &["snmp", "get", agent, "sysName.0", "--profile", "nope"],
        pass,
    );
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no profile named 'nope'"));
    ok(&run(&["creds", "rm", "lab-v3"], pass));
    let after = run(&["creds", "list", "--json"], pass);
    assert_eq!(
        serde_json::from_slice::<Value>(&after.stdout).unwrap_or_default(),
        serde_json::json!([])
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A device view of a recorded vendor walk, as snmpsim serves it (the community names the file).
fn vendor(lab: &HashMap<String, String>, view: &str, recording: &str) -> (Vec<Value>, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_wirescope"))
        .args([
            view,
            "-c",
            recording,
            "--port",
            var(lab, "LAB_SNMPSIM_PORT"),
            "--json",
            "127.0.0.1",
        ])
        .output()
        .unwrap_or_else(|e| panic!("wirescope {view}: {e}"));
    ok(&out);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(!text.starts_with('\n'), "no empty first line: {text:?}");
    ndjson(&out)
}

fn find<'a>(rows: &'a [Value], key: &str, value: &str) -> &'a Value {
    rows.iter()
        .find(|r| r[key] == value)
        .unwrap_or_else(|| panic!("no row with {key} = {value} in {rows:?}"))
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn recorded_vendor_walks_read_as_their_devices_mean_them() {
    let lab = lab();
    // Cisco: IPv4 neighbours only in ipNetToMediaTable, IPv6 in ipNetToPhysicalTable.
    let (arp, summary) = vendor(lab, "arp", "cisco-ios");
    let ips: BTreeSet<&str> = arp.iter().filter_map(|r| r["ip"].as_str()).collect();
    assert_eq!(
        ips,
        BTreeSet::from([
            "198.18.30.1",
            "198.18.30.10",
            "198.18.30.11",
            "2001:db8:5753:30::55",
            "fe80::225:90ff:feaa:1"
        ])
    );
    assert_eq!(summary["rows"], 5, "{summary}");
    let (n, _) = vendor(lab, "neighbors", "cisco-ios");
    let phone = find(&n, "remote_name", "SEP001122334455");
    assert_eq!(phone["mgmt_addr"], "2001:db8:5753:30::55");
    assert_eq!(phone["local_port"], "Gi1/0/2");
    // Juniper: the port's name, its LLDP number kept; a real address over 0.0.0.0.
    let (n, _) = vendor(lab, "neighbors", "juniper-junos");
    let core = find(&n, "remote_name", "core-1");
    assert_eq!(
        (core["local_port"].as_str(), core["local_port_num"].as_u64()),
        (Some("ge-0/0/0.0"), Some(1))
    );
    assert_eq!(core["mgmt_addr"], "198.18.31.1");
    assert_eq!(core["mgmt_addrs"][0], "0.0.0.0");
    // HP ProCurve: port 25 is B1.
    let (n, _) = vendor(lab, "neighbors", "hp-procurve");
    assert_eq!(find(&n, "remote_name", "aruba-core")["local_port"], "B1");
    // MikroTik before 7.7: rows indexed by one number; and one with LLDP off.
    let (n, _) = vendor(lab, "neighbors", "mikrotik-routeros6");
    assert_eq!(n.len(), 2, "{n:?}");
    assert_eq!(
        find(&n, "remote_name", "crs-2")["local_port"],
        "sfp-sfpplus1"
    );
    assert_eq!(find(&n, "remote_name", "hap-2")["mgmt_addr"], "198.18.33.2");
    let (n, _) = vendor(lab, "neighbors", "mikrotik-mndp");
    assert_eq!(find(&n, "remote_name", "cap-ac-1")["protocol"], "mndp");
    // Huawei: the port from lldpLocPortDesc, CDP capabilities written as text.
    let (n, _) = vendor(lab, "neighbors", "huawei-vrp");
    assert_eq!(
        find(&n, "remote_name", "S6730-core")["local_port"],
        "GigabitEthernet0/0/1"
    );
    assert_eq!(
        find(&n, "remote_name", "ip-phone-2")["capabilities"],
        "host,phone"
    );
    // Arista: a routable address preferred over the link-local one announced first.
    let (n, _) = vendor(lab, "neighbors", "arista-eos");
    assert_eq!(
        find(&n, "remote_name", "spine-1")["mgmt_addr"],
        "198.18.32.1"
    );
    // Cisco keeps BRIDGE-MIB per VLAN: its contexts (community@VLAN) give their entries.
    let out = Command::new(env!("CARGO_BIN_EXE_wirescope"))
        .args([
            "fdb",
            "-c",
            "cisco-ios",
            "--port",
            var(lab, "LAB_SNMPSIM_PORT"),
            "--json",
        ])
        .args(["--vlan-context", "20,30", "127.0.0.1"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let fdb = rows(&out, "fdb");
    let in_vlan = |v: u64| -> BTreeSet<(String, String)> {
        fdb.iter()
            .filter(|r| r["vlan"] == v)
            .map(|r| {
                let s = |k: &str| r[k].as_str().unwrap_or_default().to_string();
                (s("mac"), s("interface"))
            })
            .collect()
    };
    assert_eq!(
        in_vlan(20),
        BTreeSet::from([
            ("00:1b:21:00:20:01".to_string(), "Gi1/0/1".to_string()),
            ("00:25:90:aa:00:01".to_string(), "Te1/0/1".to_string())
        ])
    );
    assert_eq!(
        in_vlan(30),
        BTreeSet::from([("00:1b:21:00:30:02".to_string(), "Gi1/0/2".to_string())])
    );
    // A VLAN without a context: the error names it, what was read stays.
    let out = Command::new(env!("CARGO_BIN_EXE_wirescope"))
        .args([
            "fdb",
            "-c",
            "cisco-ios",
            "--port",
            var(lab, "LAB_SNMPSIM_PORT"),
            "--json",
        ])
        .args(["--vlan-context", "31", "-t", "1s", "-r", "0", "127.0.0.1"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let (lines, _) = ndjson(&out);
    assert_eq!(lines.iter().filter(|l| l["kind"] == "fdb").count(), 4);
    assert!(
        lines.iter().any(|l| l["error"]
            .as_str()
            .unwrap_or_default()
            .starts_with("VLAN 31's context: no response")),
        "{lines:?}"
    );
    // A device with no neighbour rows says so, in a line of its own (not an empty line).
    let (rows, summary) = vendor(lab, "neighbors", "hp-procurve-none");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["kind"], "note");
    assert!(
        rows[0]["note"]
            .as_str()
            .unwrap_or_default()
            .contains("no neighbour rows"),
        "{rows:?}"
    );
    assert_eq!(summary["rows"], 0);
}

/// `bridge -j fdb show br BR` in the access switch: (mac, port) of every entry its bridges learnt.
fn bridge_fdb(lab: &HashMap<String, String>, bridge: &str) -> BTreeSet<(String, String)> {
    let out = Command::new("ip")
        .args([
            "netns",
            "exec",
            var(lab, "LAB_AS_NS"),
            "bridge",
            "-j",
            "fdb",
            "show",
            "br",
            bridge,
        ])
        .output()
        .unwrap_or_else(|e| panic!("bridge fdb: {e}"));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("bridge -j: {e}"));
    v.as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["master"] == bridge && e["state"] != "permanent")
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or_default().to_string();
            (s("mac"), s("ifname"))
        })
        .collect()
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn a_bridges_forwarding_database_reads_as_bridge_fdb_shows_it_with_vlans() {
    let lab = lab();
    // Fresh entries: every host says something to its gateway first.
    for h in var(lab, "LAB_ACCESS_HOSTS").split(',') {
        let ns = var(lab, &format!("LAB_{}_NS", h.to_uppercase()));
        let tag = var(lab, &format!("LAB_{}_VLAN", h.to_uppercase()));
        let gw = var(lab, &format!("LAB_VLAN_{tag}_GW_V4"));
        let ok = Command::new("ip")
            .args(["netns", "exec", ns, "ping", "-c1", "-w3", gw])
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(ok, "{h} reaches its gateway {gw}");
    }
    let switch = var(lab, "LAB_AS_LAN_V4");
    let rows = rows(
        &client(
            lab,
            &[
                "fdb",
                "-c",
                var(lab, "LAB_SNMP_COMMUNITY"),
                "--json",
                switch,
            ],
        ),
        "fdb",
    );
    for tag in ["A", "B"] {
        let vlan: u64 = var(lab, &format!("LAB_VLAN_{tag}")).parse().unwrap_or(0);
        let want = bridge_fdb(lab, &format!("br{vlan}"));
        let got: BTreeSet<(String, String)> = rows
            .iter()
            .filter(|r| r["vlan"] == vlan && r["status"] == "learned")
            .map(|r| {
                let s = |k: &str| r[k].as_str().unwrap_or_default().to_string();
                (s("mac"), s("interface"))
            })
            .collect();
        assert_eq!(got, want, "VLAN {vlan}: what bridge fdb shows, learnt");
    }
    // Each host on its port and VLAN; the ports have their ifIndex.
    for h in var(lab, "LAB_ACCESS_HOSTS").split(',') {
        let k = |s: &str| var(lab, &format!("LAB_{}_{s}", h.to_uppercase()));
        let row = rows
            .iter()
            .find(|r| r["mac"] == k("MAC"))
            .unwrap_or_else(|| panic!("{h} is not in {rows:?}"));
        let vlan: u64 = var(lab, &format!("LAB_VLAN_{}", k("VLAN")))
            .parse()
            .unwrap_or(0);
        assert_eq!(
            (row["interface"].as_str(), row["vlan"].as_u64()),
            (Some(k("PORT")), Some(vlan))
        );
        assert!(row["if_index"].is_u64());
    }
    // A router has no bridge MIBs: it says so.
    let out = client(
        lab,
        &[
            "fdb",
            "-c",
            var(lab, "LAB_SNMP_COMMUNITY"),
            "--json",
            var(lab, "LAB_GW_LAN_V4"),
        ],
    );
    let (lines, summary) = ndjson(&out);
    assert_eq!(summary["rows"], 0);
    assert!(
        lines[0]["note"]
            .as_str()
            .unwrap_or_default()
            .contains("no forwarding database rows"),
        "{lines:?}"
    );
}

/// `wirescope locate QUERY --seed <the router> --json` from the client: the answer, the exit code.
fn locate(lab: &HashMap<String, String>, query: &str, extra: &[&str]) -> (Value, Option<i32>) {
    let mut args = vec![
        "locate",
        query,
        "--seed",
        var(lab, "LAB_GW_LAN_V4"),
        "-c",
        var(lab, "LAB_SNMP_COMMUNITY"),
        "--json",
    ];
    args.extend_from_slice(extra);
    let out = client(lab, &args);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let located = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|v| v["kind"] == "located")
        .unwrap_or_else(|| {
            panic!(
                "no located line: {text} {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    (located, out.status.code())
}

/// A static entry for a MAC on another port of the access switch, removed when dropped.
struct Duplicate<'a>(&'a str, String, &'a str);

impl Drop for Duplicate<'_> {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args([
                "netns", "exec", self.0, "bridge", "fdb", "del", &self.1, "dev", self.2, "master",
            ])
            .output();
    }
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn locate_finds_each_hosts_port_vlan_and_alias_by_address_mac_and_name() {
    let lab = lab();
    let hosts: Vec<&str> = var(lab, "LAB_ACCESS_HOSTS").split(',').collect();
    for h in &hosts {
        let k = |s: &str| var(lab, &format!("LAB_{}_{s}", h.to_uppercase()));
        let gw = var(lab, &format!("LAB_VLAN_{}_GW_V4", k("VLAN")));
        let pinged = Command::new("ip")
            .args(["netns", "exec", k("NS"), "ping", "-c1", "-w3", gw])
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(pinged, "{h} reaches {gw}");
        let vlan: u64 = var(lab, &format!("LAB_VLAN_{}", k("VLAN")))
            .parse()
            .unwrap_or(0);
        let name = format!("{h}.{}", var(lab, "LAB_DOMAIN"));
        for query in [k("V4"), k("MAC"), name.as_str()] {
            let (l, code) = locate(lab, query, &[]);
            assert_eq!(code, Some(0), "{query}: {l}");
            assert_eq!(l["found"].as_array().map(Vec::len), Some(1), "{query}: {l}");
            let p = &l["found"][0];
            assert_eq!(p["device"], var(lab, "LAB_AS_SYSNAME"), "{query}");
            assert_eq!(p["interface"], k("PORT"), "{query}");
            assert_eq!(p["vlan"].as_u64(), Some(vlan), "{query}");
            assert_eq!(p["alias"], k("ALIAS"), "{query}");
            assert_eq!(
                (p["edge"].as_bool(), p["macs_on_port"].as_u64()),
                (Some(true), Some(1))
            );
            assert_eq!(l["macs"][0], k("MAC"));
            assert_eq!(
                l["devices"], 2,
                "the router, and the switch its LLDP neighbour names"
            );
        }
    }
    // Bad input: a MAC nobody learnt, an address without an ARP entry, a query that is neither,
    // the switch not read (depth 0).
    let (l, code) = locate(lab, "02:00:00:00:00:09", &[]);
    assert_eq!(code, Some(1));
    assert!(
        l["note"]
            .as_str()
            .unwrap_or_default()
            .contains("not in the forwarding database"),
        "{l}"
    );
    let (l, code) = locate(lab, "198.18.48.99", &[]);
    assert_eq!(code, Some(1));
    assert!(
        l["note"]
            .as_str()
            .unwrap_or_default()
            .starts_with("no ARP entry for 198.18.48.99"),
        "{l}"
    );
    let (l, code) = locate(lab, var(lab, "LAB_HA_V4"), &["--depth", "0"]);
    assert_eq!(code, Some(1));
    assert_eq!(l["devices"], 1);
    let out = client(
        lab,
        &["locate", "02:57:zz", "--seed", var(lab, "LAB_GW_LAN_V4")],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("neither an IP address"));
    // The same MAC on a second edge port: both are listed, and said.
    let (ns, mac, other) = (
        var(lab, "LAB_AS_NS"),
        var(lab, "LAB_HA_MAC"),
        var(lab, "LAB_HC_PORT"),
    );
    let added = Command::new("ip")
        .args([
            "netns", "exec", ns, "bridge", "fdb", "add", mac, "dev", other, "master", "static",
        ])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(added, "bridge fdb add {mac} dev {other}");
    let _undo = Duplicate(ns, mac.to_string(), other);
    std::thread::sleep(std::time::Duration::from_millis(1_100));
    let (l, code) = locate(lab, mac, &[]);
    assert_eq!(code, Some(0));
    let ports: BTreeSet<&str> = l["found"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["interface"].as_str())
        .collect();
    assert_eq!(
        ports,
        BTreeSet::from([var(lab, "LAB_HA_PORT"), other]),
        "{l}"
    );
    assert!(
        l["note"]
            .as_str()
            .unwrap_or_default()
            .starts_with("learnt on 2 edge ports"),
        "{l}"
    );
}
