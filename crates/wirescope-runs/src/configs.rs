//! Backups kept as they come: each configuration a recorded run fetched becomes a version of its
//! device (when it changed), and its result says whether it changed, and how. What devices say
//! of themselves over SNMP (sysDescr) is remembered too, and tells an interactive SSH run the
//! platform of each device it does not name.

use crate::engine::{ProbeOptions, RunRequest};
use wirescope_probe::result::{SnmpResult, SshResult};
use wirescope_store::{Store, StoreError};

/// sysDescr.0, as SNMP results name it.
const SYS_DESCR: &str = ".1.3.6.1.2.1.1.1.0";

/// The sysDescr an SNMP result carries (a crawl's device, or a get or walk of it), under its
/// target and its address, added to `facts`.
pub(crate) fn facts(r: &SnmpResult, facts: &mut Vec<(String, String)>) {
    let descr = r.device.as_ref().and_then(|d| d.descr.clone()).or_else(|| {
        r.varbinds
            .iter()
            .find(|v| v.oid == SYS_DESCR && v.value_type == "STRING")
            .map(|v| v.value.clone())
    });
    let Some(descr) = descr.filter(|d| !d.trim().is_empty()) else {
        return;
    };
    if let Some(a) = r.addr.map(|a| a.to_string()).filter(|a| *a != r.target) {
        facts.push((a, descr.clone()));
    }
    facts.push((r.target.clone(), descr));
}

/// Gives an interactive SSH run without a named platform what the history knows of its
/// devices. A store that cannot answer leaves the run to guess from what devices print.
pub(crate) fn hint_platforms(store: &Store, req: &mut RunRequest) {
    let ProbeOptions::Ssh(o) = &mut req.probe else {
        return;
    };
    if !o.shell || o.platform.as_deref().is_some_and(|p| p != "auto") {
        return;
    }
    let mut names: Vec<String> = Vec::with_capacity(req.targets.len() * 2);
    for t in &req.targets {
        names.push(t.spec.clone());
        if let wirescope_probe::targets::Host::Ip(ip) = &t.host {
            names.push(ip.to_string());
        }
    }
    if let Ok(known) = store.device_descrs(&names) {
        o.descrs = std::sync::Arc::new(known);
    }
}

/// Keeps the configuration of a backup's result, filling in its version, whether it changed
/// and the diff against the previous version. Anything else is left alone.
pub(crate) fn keep(store: &Store, run_id: i64, r: &mut SshResult) -> Result<(), StoreError> {
    if r.error.is_some() {
        return Ok(());
    }
    let Some(c) = r.config.as_mut().filter(|c| c.action == "backup") else {
        return Ok(());
    };
    let Some(p) = r
        .platform
        .as_deref()
        .and_then(|p| wirescope_ssh::platform::platform(p).ok())
    else {
        return Ok(());
    };
    let kept = store.keep_config(
        &r.target,
        p.name,
        &c.text,
        &p.comparable(&c.text),
        Some(run_id),
    )?;
    c.version = Some(kept.version);
    c.changed = kept.changed;
    if let Some((id, before)) = kept.previous {
        c.diff = Some(p.config_diff(
            &before,
            &c.text,
            (
                &format!("version {id}"),
                &format!("version {}", kept.version),
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use wirescope_probe::result::{Device, SnmpVarbind};
    use wirescope_probe::targets::{Host, Target};

    fn store(name: &str) -> Store {
        let path = std::env::temp_dir().join(format!(
            "wirescope-runs-configs-{}-{name}.db",
            std::process::id()
        ));
        let _ = std::fs::remove_file(&path);
        Store::connect(&wirescope_store::Location::Sqlite(path)).expect("a store")
    }

    #[test]
    fn what_devices_say_over_snmp_tells_an_interactive_run_their_platform() {
        let s = store("hints");
        let crawl = SnmpResult {
            target: "core1".into(),
            addr: "198.18.0.1".parse().ok(),
            device: Some(Device {
                descr: Some("Arista Networks EOS version 4.30.1F".into()),
                ..Device::default()
            }),
            ..SnmpResult::default()
        };
        let get = SnmpResult {
            target: "198.18.0.2".into(),
            varbinds: vec![SnmpVarbind {
                oid: SYS_DESCR.into(),
                name: Some("SNMPv2-MIB::sysDescr.0".into()),
                value_type: "STRING".into(),
                value: "Huawei Versatile Routing Platform Software".into(),
            }],
            ..SnmpResult::default()
        };
        let mut noted = Vec::new();
        for r in [&crawl, &get, &SnmpResult::default()] {
            facts(r, &mut noted);
        }
        assert_eq!(
            noted.len(),
            3,
            "a crawl's target and address, a get's target: {noted:?}"
        );
        s.note_devices(&noted).expect("noted");
        let target = |spec: &str| Target {
            spec: spec.into(),
            host: spec
                .parse()
                .map(Host::Ip)
                .unwrap_or_else(|_| Host::Name(spec.into())),
        };
        let request = |platform: Option<&str>, shell: bool| RunRequest {
            targets: vec![target("198.18.0.1"), target("198.18.0.2"), target("nobody")],
            probe: ProbeOptions::Ssh(wirescope_ssh::exec::SshOptions {
                shell,
                platform: platform.map(str::to_string),
                ..Default::default()
            }),
            net: Default::default(),
        };
        let hinted = |mut req: RunRequest| {
            hint_platforms(&s, &mut req);
            let ProbeOptions::Ssh(o) = req.probe else {
                panic!("ssh")
            };
            let mut known: Vec<(String, String)> = (*o.descrs).clone().into_iter().collect();
            known.sort();
            known
        };
        assert_eq!(
            hinted(request(Some("auto"), true)),
            [
                (
                    "198.18.0.1".to_string(),
                    "Arista Networks EOS version 4.30.1F".to_string()
                ),
                (
                    "198.18.0.2".to_string(),
                    "Huawei Versatile Routing Platform Software".to_string()
                ),
            ]
        );
        // A named platform, or no shell, needs no hint.
        assert!(hinted(request(Some("cisco_ios"), true)).is_empty());
        assert!(hinted(request(None, false)).is_empty());
    }
}
