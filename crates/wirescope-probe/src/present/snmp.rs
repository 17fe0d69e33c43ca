//! How SNMP results read: bindings as snmpwalk prints them, device views (neighbours, ARP,
//! interfaces) as table lines, NDJSON with one line per binding or row, CSV with one row per
//! binding.

use super::{Difference, Paint, Present, Widths, csv_addr, csv_opt};
use crate::result::{SnmpResult, Summary};
use serde::Serialize;

impl Present for SnmpResult {
    const COUNTS: &'static [&'static str] = &["answered", "failed", "varbinds", "rows"];
    const UNIT: &'static str = "agents";
    const COLUMNS: &'static [&'static str] =
        &["target", "addr", "oid", "name", "type", "value", "error"];

    fn key(&self) -> String {
        self.target.clone()
    }

    fn describe(&self) -> String {
        match &self.error {
            Some(e) => format!("failed: {e}"),
            None => format!("{} bindings", self.varbinds.len()),
        }
    }

    /// Runs of SNMP reads are not compared: what an agent holds changes by the second.
    fn changes(&self, _: &Self) -> Vec<Difference> {
        Vec::new()
    }

    fn tally(&self, bump: &mut dyn FnMut(&'static str, u64)) {
        bump(
            if self.error.is_none() {
                "answered"
            } else {
                "failed"
            },
            1,
        );
        bump("varbinds", self.varbinds.len() as u64);
        bump(
            "rows",
            (self.neighbors.len() + self.arp.len() + self.fdb.len() + self.interfaces.len()) as u64,
        );
    }

    /// Answered and failed, then the variables read, or for the device views their rows.
    fn counts(s: &Summary) -> String {
        let what = if s.count("varbinds") > 0 {
            format!("{} variables", s.count("varbinds"))
        } else {
            format!("{} rows", s.count("rows"))
        };
        format!(
            "{} answered, {} failed, {what}",
            s.count("answered"),
            s.count("failed"),
        )
    }

    fn rows(&self) -> Vec<Vec<String>> {
        let mut rows: Vec<Vec<String>> = self
            .varbinds
            .iter()
            .map(|vb| {
                vec![
                    self.target.clone(),
                    csv_addr(&self.addr),
                    vb.oid.clone(),
                    csv_opt(&vb.name),
                    vb.value_type.clone(),
                    vb.value.clone(),
                    String::new(),
                ]
            })
            .collect();
        if rows.is_empty() || self.error.is_some() {
            rows.push(vec![
                self.target.clone(),
                csv_addr(&self.addr),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                csv_opt(&self.error),
            ]);
        }
        rows
    }

    fn header(_: Widths) -> Option<String> {
        None
    }

    /// Like snmpwalk: `TARGET  NAME = TYPE: VALUE`, one line per binding; device views as tables.
    fn lines(&self, Widths { target: w, .. }: Widths, paint: &dyn Paint) -> String {
        let dash = |o: &Option<String>| o.clone().unwrap_or_else(|| "-".into());
        let mut lines: Vec<String> = Vec::new();
        if let Some(d) = &self.device {
            lines.push(paint.bold(&format!(
                "{:<w$}  {} (depth {}, {} neighbours, credential {})  {}",
                self.target,
                dash(&d.name),
                d.depth,
                self.neighbors.len(),
                d.credential,
                dash(&d.descr)
            )));
        }
        for n in &self.neighbors {
            let addr = n.mgmt_addr.map_or_else(|| "-".into(), |a| a.to_string());
            lines.push(format!(
                "{:<w$}  {:<4} {:<10} -> {:<20} {:<12} {:<15} {}",
                self.target,
                n.protocol,
                n.local_port,
                dash(&n.remote_name),
                dash(&n.remote_port),
                addr,
                dash(&n.capabilities)
            ));
        }
        for a in &self.arp {
            lines.push(format!(
                "{:<w$}  {:<39} {:<17} {:<10} {:<8} {}",
                self.target,
                a.ip,
                a.mac,
                a.interface,
                a.entry_type,
                a.vendor.as_deref().unwrap_or("")
            ));
        }
        for f in &self.fdb {
            lines.push(format!(
                "{:<w$}  {:<17} vlan {:<5} {:<12} port {:<4} {:<8} {}",
                self.target,
                f.mac,
                f.vlan.map_or_else(|| "-".to_string(), |v| v.to_string()),
                f.interface,
                f.port,
                f.status,
                f.vendor.as_deref().unwrap_or("")
            ));
        }
        for i in &self.interfaces {
            let speed = i
                .speed_mbps
                .map_or_else(|| "-".into(), |s| format!("{s} Mb/s"));
            let oper = if i.oper == "up" {
                paint.good(&i.oper)
            } else {
                paint.bad(&i.oper)
            };
            let rates = match (i.in_bps, i.out_bps) {
                (Some(a), Some(b)) => format!("  in {a} b/s  out {b} b/s"),
                _ => String::new(),
            };
            let errors = i.in_errors.unwrap_or(0) + i.out_errors.unwrap_or(0);
            let discards = i.in_discards.unwrap_or(0) + i.out_discards.unwrap_or(0);
            lines.push(format!(
                "{:<w$}  {:>4} {:<12} {:<5} {:<16} {:>11}  in {} out {} octets  errors {errors} discards {discards}{rates}  {}",
                self.target,
                i.index,
                i.name,
                i.admin,
                oper,
                speed,
                i.in_octets.unwrap_or(0),
                i.out_octets.unwrap_or(0),
                i.alias
            ));
        }
        lines.extend(self.varbinds.iter().map(|vb| {
            let name = vb.name.as_deref().unwrap_or(&vb.oid);
            format!(
                "{:<w$}  {name} = {}: {}",
                self.target, vb.value_type, vb.value
            )
        }));
        if let Some(e) = &self.error {
            lines.push(format!("{:<w$}  {}", self.target, paint.bad(e)));
        }
        if let Some(n) = &self.note {
            lines.push(format!("{:<w$}  {}", self.target, paint.warn(n)));
        }
        if lines.is_empty() {
            lines.push(format!("{:<w$}  {}", self.target, paint.dim("no rows")));
        }
        lines.join("\n")
    }

    /// One line per variable binding (or neighbour, ARP entry, interface), and a line with the
    /// error when there is one.
    fn json_lines(&self) -> Option<String> {
        let with = |kind: &str, row: serde_json::Value| {
            let mut v = serde_json::json!({"kind": kind, "target": self.target, "addr": self.addr});
            if let (Some(obj), serde_json::Value::Object(fields)) = (v.as_object_mut(), row) {
                obj.extend(fields);
            }
            v.to_string()
        };
        let mut lines: Vec<String> = Vec::new();
        if let Some(d) = &self.device {
            lines.push(with("device", serde_json::to_value(d).unwrap_or_default()));
        }
        lines.extend(
            self.neighbors
                .iter()
                .map(|n| with("neighbor", serde_json::to_value(n).unwrap_or_default())),
        );
        lines.extend(
            self.arp
                .iter()
                .map(|a| with("arp", serde_json::to_value(a).unwrap_or_default())),
        );
        lines.extend(
            self.fdb
                .iter()
                .map(|f| with("fdb", serde_json::to_value(f).unwrap_or_default())),
        );
        lines.extend(
            self.interfaces
                .iter()
                .map(|i| with("interface", serde_json::to_value(i).unwrap_or_default())),
        );
        #[derive(Serialize)]
        struct Row<'a> {
            kind: &'static str,
            target: &'a str,
            addr: Option<std::net::IpAddr>,
            oid: &'a str,
            name: Option<&'a str>,
            #[serde(rename = "type")]
            value_type: &'a str,
            value: &'a str,
        }
        lines.extend(self.varbinds.iter().map(|vb| {
            let row = Row {
                kind: "snmp",
                target: &self.target,
                addr: self.addr,
                oid: &vb.oid,
                name: vb.name.as_deref(),
                value_type: &vb.value_type,
                value: &vb.value,
            };
            serde_json::to_string(&row).unwrap_or_default()
        }));
        if let Some(e) = &self.error {
            lines.push(
                serde_json::json!({"kind": "snmp", "target": self.target, "addr": self.addr, "error": e})
                    .to_string(),
            );
        }
        // A device that answered no rows still has its line (no empty line), with why.
        if let Some(n) = &self.note {
            lines.push(
                serde_json::json!({"kind": "note", "target": self.target, "addr": self.addr, "note": n})
                    .to_string(),
            );
        }
        if lines.is_empty() {
            lines.push(
                serde_json::json!({"kind": "snmp", "target": self.target, "addr": self.addr, "rows": 0})
                    .to_string(),
            );
        }
        Some(lines.join("\n"))
    }
}
