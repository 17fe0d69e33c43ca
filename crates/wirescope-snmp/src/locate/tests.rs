//! Locate on hand-made device answers: a router's ARP table, switches' forwarding databases and
//! their LLDP neighbours.

use super::*;
use wirescope_probe::result::{ArpEntry, Device, FdbEntry, Neighbor};

fn fdb(mac: &str, vlan: u32, interface: &str, alias: &str) -> FdbEntry {
    FdbEntry {
        mac: mac.into(),
        vlan: Some(vlan),
        interface: interface.into(),
        alias: (!alias.is_empty()).then(|| alias.to_string()),
        status: "learned".into(),
        ..FdbEntry::default()
    }
}

fn device(name: &str, addr: &str) -> SnmpResult {
    SnmpResult {
        target: addr.into(),
        addr: addr.parse().ok(),
        device: Some(Device {
            name: Some(name.into()),
            ..Device::default()
        }),
        ..SnmpResult::default()
    }
}

fn uplink(local: &str, remote: &str) -> Neighbor {
    Neighbor {
        protocol: "lldp".into(),
        local_port: local.into(),
        remote_name: Some(remote.into()),
        ..Neighbor::default()
    }
}

const HOST: &str = "02:57:53:00:48:11";

/// A router (gw1) with the host's ARP entry; a core switch that learnt the host on its uplink to
/// the access switch; the access switch that learnt it on ge1, and three MACs on its uplink.
fn lab() -> Vec<SnmpResult> {
    let mut gw = device("gw1", "198.18.0.171");
    gw.arp = vec![ArpEntry {
        ip: "198.18.48.11".parse().unwrap(),
        mac: HOST.into(),
        vendor: None,
        interface: "trunk20".into(),
        entry_type: "dynamic".into(),
    }];
    gw.neighbors = vec![uplink("trunk20", "as1")];
    let mut core = device("core1", "198.18.0.172");
    core.fdb = vec![
        fdb(HOST, 20, "to-as1", ""),
        fdb("02:57:53:00:48:12", 20, "to-as1", ""),
    ];
    core.neighbors = vec![uplink("to-as1", "as1")];
    let mut access = device("as1", "198.18.0.170");
    access.fdb = vec![
        fdb(HOST, 20, "ge1", "desk 4.12"),
        fdb("02:57:53:00:48:12", 20, "ge2", "desk 4.14"),
        fdb("02:57:53:00:0b:01", 20, "uplink20", ""),
        fdb("02:57:53:00:0b:02", 20, "uplink20", ""),
        fdb("02:57:53:00:0b:03", 20, "uplink20", ""),
    ];
    access.neighbors = vec![uplink("uplink20", "gw1")];
    vec![gw, core, access]
}

#[test]
fn queries_read_as_addresses_macs_or_names() {
    assert_eq!(
        Query::parse("198.18.48.11"),
        Ok(Query::Ip("198.18.48.11".parse().unwrap()))
    );
    let m = Query::Mac([0x02, 0x57, 0x53, 0x00, 0x48, 0x11]);
    for t in [
        "02:57:53:00:48:11",
        "02-57-53-00-48-11",
        "0257.5300.4811",
        "025753004811",
        "02:57:53:00:48:11 ",
    ] {
        assert_eq!(Query::parse(t).as_ref(), Ok(&m), "{t}");
    }
    assert_eq!(
        Query::parse("h1.lab.test"),
        Ok(Query::Name("h1.lab.test".into(), Vec::new()))
    );
    for bad in ["", "02:57:53:00:48", "a b", "x..y", "02:57:53:00:48:1g:00"] {
        let e = Query::parse(bad).unwrap_err();
        assert!(
            e.to_string().contains("neither an IP address"),
            "{bad}: {e}"
        );
    }
}

#[test]
fn an_address_is_found_on_its_edge_port_with_its_vlan_and_alias() {
    let q = Query::parse("198.18.48.11").unwrap();
    let l = find(&q, "198.18.48.11", &lab());
    assert_eq!(l.macs, [HOST]);
    assert_eq!(l.note, None);
    assert_eq!(l.found.len(), 1);
    let p = &l.found[0];
    assert_eq!(
        (
            p.device.as_str(),
            p.interface.as_str(),
            p.vlan,
            p.alias.as_deref(),
            p.macs_on_port,
            p.edge
        ),
        ("as1", "ge1", Some(20), Some("desk 4.12"), 1, true)
    );
    assert_eq!(
        line(p),
        "as1 ge1 vlan 20 'desk 4.12'  (02:57:53:00:48:11, 1 MAC on the port)"
    );
    // The core saw it on its uplink: listed, not the answer.
    assert_eq!(l.seen.len(), 1);
    assert_eq!(
        (l.seen[0].device.as_str(), l.seen[0].edge),
        ("core1", false)
    );
    // By MAC, and by a name that resolved to the address, the same port.
    let by_mac = find(&Query::Mac([2, 0x57, 0x53, 0, 0x48, 0x11]), HOST, &lab());
    assert_eq!(by_mac.found, l.found);
    let by_name = find(
        &Query::Name("ha.lab.test".into(), vec!["198.18.48.11".parse().unwrap()]),
        "ha.lab.test",
        &lab(),
    );
    assert_eq!(by_name.found, l.found);
}

#[test]
fn what_cannot_be_found_is_said() {
    // No ARP entry for the address.
    let l = find(
        &Query::Ip("198.18.48.99".parse().unwrap()),
        "198.18.48.99",
        &lab(),
    );
    assert!(l.found.is_empty());
    assert!(
        l.note
            .as_deref()
            .unwrap_or_default()
            .starts_with("no ARP entry for 198.18.48.99 on the 3 devices"),
        "{l:?}"
    );
    // A MAC no switch learnt.
    let l = find(&Query::Mac([2, 0, 0, 0, 0, 9]), "02:00:00:00:00:09", &lab());
    assert!(
        l.note
            .as_deref()
            .unwrap_or_default()
            .contains("is not in the forwarding database"),
        "{l:?}"
    );
    // A name that did not resolve.
    let l = find(
        &Query::Name("nowhere.lab.test".into(), Vec::new()),
        "nowhere.lab.test",
        &lab(),
    );
    assert_eq!(
        l.note.as_deref(),
        Some("the name 'nowhere.lab.test' does not resolve")
    );
    // Learnt only on an uplink: the access switch was not read.
    let only_core: Vec<SnmpResult> = lab().into_iter().take(2).collect();
    let l = find(
        &Query::Ip("198.18.48.11".parse().unwrap()),
        "198.18.48.11",
        &only_core,
    );
    assert!(l.found.is_empty() && l.seen.len() == 1);
    assert!(
        l.note.as_deref().unwrap_or_default().contains("uplinks"),
        "{l:?}"
    );
    // A duplicate MAC on two edge ports: both, and a note.
    let mut two = lab();
    two[2].fdb.push(fdb(HOST, 30, "ge3", "printer 4.2"));
    let l = find(
        &Query::Ip("198.18.48.11".parse().unwrap()),
        "198.18.48.11",
        &two,
    );
    assert_eq!(
        l.found
            .iter()
            .map(|p| p.interface.as_str())
            .collect::<Vec<_>>(),
        ["ge1", "ge3"]
    );
    assert_eq!(
        l.note.as_deref(),
        Some("learnt on 2 edge ports: as1 ge1, as1 ge3")
    );
    // Another switch that learnt it on a busy port without a neighbour (an unmanaged switch
    // hangs there): seen, not found.
    let mut busy = lab();
    for i in 0..20 {
        busy[1]
            .fdb
            .push(fdb(&format!("02:00:00:00:01:{i:02x}"), 20, "ge9", ""));
    }
    busy[1].fdb.push(fdb(HOST, 20, "ge9", ""));
    let l = find(
        &Query::Ip("198.18.48.11".parse().unwrap()),
        "198.18.48.11",
        &busy,
    );
    assert_eq!(l.found.len(), 1, "{l:?}");
    assert_eq!(
        (l.found[0].device.as_str(), l.found[0].interface.as_str()),
        ("as1", "ge1")
    );
    assert!(
        l.seen
            .iter()
            .any(|p| p.interface == "ge9" && p.edge && p.macs_on_port == 21)
    );
    assert_eq!(l.note, None);
    // Devices that did not answer are named.
    let mut down = lab();
    down.push(SnmpResult {
        target: "198.18.0.199".into(),
        error: Some("no response".into()),
        ..SnmpResult::default()
    });
    let l = find(
        &Query::Ip("198.18.48.11".parse().unwrap()),
        "198.18.48.11",
        &down,
    );
    assert_eq!(
        (l.devices, l.failed.as_slice()),
        (3, ["198.18.0.199".to_string()].as_slice())
    );
}
