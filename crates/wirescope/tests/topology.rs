//! Topology crawls against the lab's three switches (snmpd + lldpd, a triangle of LLDP and CDP
//! links): every link with the right ports on both ends, the depth limit, credential profiles
//! tried in order, JSON and DOT exports, and a dead seed. Needs root and the lab; mandatory
//! under CI=true.

mod common;

use common::*;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::process::{Command, Output};

/// Runs wirescope in the client namespace with a private profile store.
fn run(lab: &HashMap<String, String>, dir: &Path, args: &[&str]) -> Output {
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
        .env("WIRESCOPE_SECRETS_PASSPHRASE", "topology test passphrase")
        .env(
            "WIRESCOPE_SNMP_AUTH_PASSWORD",
            var(lab, "LAB_SNMP_V3_SHA_AES_AUTH_PASS"),
        )
        .env(
            "WIRESCOPE_SNMP_PRIV_PASSWORD",
            var(lab, "LAB_SNMP_V3_SHA_AES_PRIV_PASS"),
        )
        .output()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The lab's links as unordered pairs of (LLDP name, port).
fn lab_links(lab: &HashMap<String, String>) -> BTreeSet<BTreeSet<(String, String)>> {
    var(lab, "LAB_SW_LINKS")
        .split(',')
        .map(|link| {
            ["A", "B"]
                .iter()
                .map(|side| {
                    let v = var(lab, &format!("LAB_SW_{link}_{side}"));
                    let (sw, port) = v.split_once(':').unwrap_or_else(|| panic!("{v}"));
                    let name = var(lab, &format!("LAB_{}_LLDP_NAME", sw.to_uppercase()));
                    (name.to_string(), port.to_string())
                })
                .collect()
        })
        .collect()
}

fn map_links(map: &Value) -> BTreeSet<BTreeSet<(String, String)>> {
    map["links"]
        .as_array()
        .unwrap_or_else(|| panic!("no links in {map}"))
        .iter()
        .map(|l| {
            let s = |k: &str| l[k].as_str().unwrap_or_default().to_string();
            [
                (s("source"), s("source_port")),
                (s("target"), s("target_port")),
            ]
            .into_iter()
            .collect()
        })
        .collect()
}

fn switch(lab: &HashMap<String, String>, n: u32) -> (&str, &str) {
    (
        var(lab, &format!("LAB_S{n}_LLDP_NAME")),
        var(lab, &format!("LAB_S{n}_LAN_V4")),
    )
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn the_lab_is_crawled_from_one_seed_with_profiles_tried_in_order() {
    let lab = lab();
    let dir = std::env::temp_dir().join(format!("wirescope-topology-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    // A profile that gets no answer (wrong community) comes first; the v3 one answers.
    ok(&run(
        lab,
        &dir,
        &["creds", "add", "wrong", "-c", "not-the-community"],
    ));
    ok(&run(
        lab,
        &dir,
        &[
            "creds",
            "add",
            "lab-v3",
            "-v",
            "3",
            "-u",
            var(lab, "LAB_SNMP_V3_SHA_AES_USER"),
            "-a",
            "SHA",
            "-x",
            "AES",
        ],
    ));
    let map_file = dir.join("map.json");
    let (s1, seed) = switch(lab, 1);
    let out = run(
        lab,
        &dir,
        &[
            "topology",
            seed,
            "--depth",
            "1",
            "--profile",
            "wrong",
            "--profile",
            "lab-v3",
            "-t",
            "300ms",
            "-r",
            "0",
            "--json",
            "-o",
            map_file.to_str().unwrap_or_default(),
        ],
    );
    ok(&out);
    let (rows, summary) = ndjson(&out);
    let devices: Vec<&Value> = rows.iter().filter(|r| r["kind"] == "device").collect();
    assert_eq!(devices.len(), 3, "{rows:?}");
    assert!(
        devices.iter().all(|d| d["credential"] == "lab-v3"),
        "the first profile that answers is used: {devices:?}"
    );
    assert_eq!(summary["answered"], 3);
    let map = rows
        .iter()
        .find(|r| r["kind"] == "topology")
        .unwrap_or_else(|| panic!("no topology row"));
    let nodes: BTreeSet<(String, String, bool)> = map["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{map}"))
        .iter()
        .map(|n| {
            (
                n["id"].as_str().unwrap_or_default().to_string(),
                n["addr"].as_str().unwrap_or_default().to_string(),
                n["polled"] == true,
            )
        })
        .collect();
    let want: BTreeSet<(String, String, bool)> = (1..=3)
        .map(|n| {
            let (name, addr) = switch(lab, n);
            (name.to_string(), addr.to_string(), true)
        })
        .collect();
    assert_eq!(nodes, want);
    assert_eq!(map_links(map), lab_links(lab));
    assert!(
        map["links"]
            .as_array()
            .is_some_and(|l| l.iter().all(|l| l["both_ends"] == true)),
        "every link is seen from both ends"
    );
    assert_eq!(map["components"], 1);
    let seed_node = &map["nodes"][0];
    assert_eq!(seed_node["id"], s1);
    assert_eq!(seed_node["depth"], 0);
    assert_eq!(seed_node["descr"], var(lab, "LAB_S1_DESCR"));
    // The file holds the same map.
    let written: Value = serde_json::from_slice(
        &std::fs::read(&map_file).unwrap_or_else(|e| panic!("{}: {e}", map_file.display())),
    )
    .unwrap_or_default();
    assert_eq!(written["nodes"], map["nodes"]);
    assert_eq!(written["links"], map["links"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn depth_zero_reads_the_seed_and_draws_its_neighbours() {
    let lab = lab();
    let community = var(lab, "LAB_SNMP_COMMUNITY");
    let (s1, seed) = switch(lab, 1);
    let out = client(
        lab,
        &["topology", seed, "-c", community, "--depth", "0", "--json"],
    );
    let (rows, _) = ndjson(&out);
    let map = rows
        .iter()
        .find(|r| r["kind"] == "topology")
        .unwrap_or_else(|| panic!("no topology row"));
    let polled: Vec<(&str, bool)> = map["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{map}"))
        .iter()
        .map(|n| (n["id"].as_str().unwrap_or_default(), n["polled"] == true))
        .collect();
    let (s2, a2) = switch(lab, 2);
    let (s3, a3) = switch(lab, 3);
    assert_eq!(polled, [(s1, true), (s2, false), (s3, false)]);
    assert_eq!(map["nodes"][1]["addr"], a2);
    assert_eq!(map["nodes"][2]["addr"], a3);
    let links = map_links(map);
    let want: BTreeSet<_> = lab_links(lab)
        .into_iter()
        .filter(|l| l.iter().any(|(name, _)| name == s1))
        .collect();
    assert_eq!(links, want);
    assert_eq!(rows.iter().filter(|r| r["kind"] == "device").count(), 1);
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn dot_export_and_a_dead_seed() {
    let lab = lab();
    let community = var(lab, "LAB_SNMP_COMMUNITY");
    let (_, seed) = switch(lab, 2);
    let dead = var(lab, "LAB_DEAD_V4");
    let seeds = format!("{seed},{dead}");
    let out = client(
        lab,
        &[
            "topology", &seeds, "-c", community, "-t", "300ms", "-r", "0", "--dot",
        ],
    );
    ok(&out);
    let dot = String::from_utf8_lossy(&out.stdout);
    assert!(dot.starts_with("graph wirescope {"), "{dot}");
    assert!(
        dot.trim_end().ends_with('}'),
        "stdout is the DOT document alone"
    );
    assert_eq!(dot.lines().filter(|l| l.contains(" -- ")).count(), 3);
    assert!(
        dot.contains(&format!(
            "\"{dead}\" [label=\"{dead}\\n{dead}\", style=\"rounded,dashed\"]"
        )),
        "{dot}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 failed"));
    let json = client(
        lab,
        &[
            "topology", dead, "-c", community, "-t", "300ms", "-r", "0", "--json",
        ],
    );
    let (rows, _) = ndjson(&json);
    let map = rows
        .iter()
        .find(|r| r["kind"] == "topology")
        .unwrap_or_else(|| panic!("no topology row"));
    assert!(
        map["nodes"][0]["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("no response")),
        "{map}"
    );
    for bad in [["--depth", "17"], ["--dot", "--json"]] {
        let mut args = vec!["topology", seed];
        args.extend(bad);
        let out = client(lab, &args);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
    }
}
