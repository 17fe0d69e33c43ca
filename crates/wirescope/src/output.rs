//! Printers for the result stream: an aligned, coloured table for people and NDJSON for programs.
//! Both consume the same `ProbeResult`s; the engine never prints.

use std::fmt::Write as _;
use wirescope_probe::result::{
    DnsResult, PingResult, ScanResult, SnmpResult, SshResult, TraceResult,
};
use wirescope_probe::{ProbeKind, ProbeResult, Summary};

/// Terminal colours used by the human printer.
#[derive(Debug, Clone, Copy)]
pub struct Palette {
    on: bool,
}

impl Palette {
    pub fn new(on: bool) -> Self {
        Palette { on }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn good(&self, t: &str) -> String {
        self.paint("32", t)
    }

    fn bad(&self, t: &str) -> String {
        self.paint("31", t)
    }

    fn warn(&self, t: &str) -> String {
        self.paint("33", t)
    }

    fn dim(&self, t: &str) -> String {
        self.paint("2", t)
    }

    fn bold(&self, t: &str) -> String {
        self.paint("1", t)
    }
}

/// Formats results and the summary, human or NDJSON.
#[derive(Debug)]
pub struct Printer {
    json: bool,
    palette: Palette,
    /// Width of the target column, from the longest target given.
    width: usize,
    /// Width of the address column: an IPv4 address, or the longest address target given.
    addr_width: usize,
}

impl Printer {
    pub fn new(json: bool, palette: Palette, width: usize, addr_width: usize) -> Self {
        Printer {
            json,
            palette,
            width: width.clamp(8, 48),
            addr_width: addr_width.clamp(15, 39),
        }
    }

    /// The header line of the human table, if the kind has one.
    pub fn header(&self, kind: ProbeKind) -> Option<String> {
        if self.json {
            return None;
        }
        let (w, aw) = (self.width, self.addr_width);
        let line = match kind {
            ProbeKind::Ping => format!(
                "{:<w$}  {:<aw$}  {:<5}  {:>4} {:>4} {:>5}  {:>8} {:>8} {:>8} {:>8}",
                "TARGET",
                "ADDRESS",
                "STATE",
                "SENT",
                "RECV",
                "LOSS",
                "MIN ms",
                "AVG ms",
                "MAX ms",
                "STDDEV"
            ),
            ProbeKind::Dns => {
                format!(
                    "{:<w$}  {:<6} {:<9} {:>8}  ANSWERS",
                    "NAME", "TYPE", "RCODE", "TIME ms"
                )
            }
            ProbeKind::Scan => {
                format!(
                    "{:<w$}  {:<aw$}  {:>4} {:>6} {:>8}  OPEN PORTS",
                    "TARGET", "ADDRESS", "OPEN", "CLOSED", "FILTERED"
                )
            }
            ProbeKind::Trace | ProbeKind::Snmp | ProbeKind::Ssh => return None,
        };
        Some(self.palette.bold(&line))
    }

    /// One result as printed lines (no trailing newline).
    pub fn result(&self, r: &ProbeResult) -> String {
        if self.json {
            if let ProbeResult::Snmp(r) = r {
                return Self::snmp_json(r);
            }
            return serde_json::to_string(r).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
        }
        match r {
            ProbeResult::Ping(p) => self.ping(p),
            ProbeResult::Trace(t) => self.trace(t),
            ProbeResult::Dns(d) => self.dns(d),
            ProbeResult::Scan(s) => self.scan(s),
            ProbeResult::Snmp(r) => self.snmp(r),
            ProbeResult::Ssh(r) => self.ssh(r),
        }
    }

    /// A device's header line (target, exit status or error, time), then its output as it came,
    /// stderr lines marked.
    fn ssh(&self, r: &SshResult) -> String {
        let took = format!("{:.0} ms", r.elapsed_ms);
        let mut out = match (&r.error, r.exit_status) {
            (Some(e), _) => {
                return self
                    .palette
                    .bad(&format!("── {}  FAILED ({took}): {e}", r.target));
            }
            (None, Some(0)) => self
                .palette
                .good(&format!("── {}  exit 0  {took}", r.target)),
            (None, Some(n)) => self
                .palette
                .warn(&format!("── {}  exit {n}  {took}", r.target)),
            (None, None) => self.palette.warn(&format!(
                "── {}  no exit status{}  {took}",
                r.target,
                r.exit_signal
                    .as_ref()
                    .map(|s| format!(" (signal {s})"))
                    .unwrap_or_default()
            )),
        };
        for line in r.stdout.lines() {
            out.push('\n');
            out.push_str(line);
        }
        for line in r.stderr.lines() {
            out.push('\n');
            out.push_str(&self.palette.warn(&format!("stderr: {line}")));
        }
        if r.truncated {
            out.push('\n');
            out.push_str(&self.palette.warn("(output truncated at --max-output)"));
        }
        out
    }

    /// NDJSON for SNMP: one line per variable binding (or neighbour, ARP entry, interface), and a
    /// line with the error when there is one.
    fn snmp_json(r: &SnmpResult) -> String {
        let with = |kind: &str, row: serde_json::Value| {
            let mut v = serde_json::json!({"kind": kind, "target": r.target, "addr": r.addr});
            if let (Some(obj), serde_json::Value::Object(fields)) = (v.as_object_mut(), row) {
                obj.extend(fields);
            }
            v.to_string()
        };
        let mut lines: Vec<String> = Vec::new();
        if let Some(d) = &r.device {
            lines.push(with("device", serde_json::to_value(d).unwrap_or_default()));
        }
        lines.extend(
            r.neighbors
                .iter()
                .map(|n| with("neighbor", serde_json::to_value(n).unwrap_or_default())),
        );
        lines.extend(
            r.arp
                .iter()
                .map(|a| with("arp", serde_json::to_value(a).unwrap_or_default())),
        );
        lines.extend(
            r.interfaces
                .iter()
                .map(|i| with("interface", serde_json::to_value(i).unwrap_or_default())),
        );
        #[derive(serde::Serialize)]
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
        lines.extend(r.varbinds.iter().map(|vb| {
            let row = Row {
                kind: "snmp",
                target: &r.target,
                addr: r.addr,
                oid: &vb.oid,
                name: vb.name.as_deref(),
                value_type: &vb.value_type,
                value: &vb.value,
            };
            serde_json::to_string(&row).unwrap_or_default()
        }));
        if let Some(e) = &r.error {
            lines.push(
                serde_json::json!({"kind": "snmp", "target": r.target, "addr": r.addr, "error": e})
                    .to_string(),
            );
        }
        lines.join("\n")
    }

    /// Like snmpwalk: `TARGET  NAME = TYPE: VALUE`, one line per binding; device views as tables.
    fn snmp(&self, r: &SnmpResult) -> String {
        let w = self.width;
        let dash = |o: &Option<String>| o.clone().unwrap_or_else(|| "-".into());
        let mut lines: Vec<String> = Vec::new();
        if let Some(d) = &r.device {
            lines.push(self.palette.bold(&format!(
                "{:<w$}  {} (depth {}, {} neighbours, credential {})  {}",
                r.target,
                dash(&d.name),
                d.depth,
                r.neighbors.len(),
                d.credential,
                dash(&d.descr)
            )));
        }
        for n in &r.neighbors {
            let addr = n.mgmt_addr.map_or_else(|| "-".into(), |a| a.to_string());
            lines.push(format!(
                "{:<w$}  {:<4} {:<10} -> {:<20} {:<12} {:<15} {}",
                r.target,
                n.protocol,
                n.local_port,
                dash(&n.remote_name),
                dash(&n.remote_port),
                addr,
                dash(&n.capabilities)
            ));
        }
        for a in &r.arp {
            lines.push(format!(
                "{:<w$}  {:<39} {:<17} {:<10} {:<8} {}",
                r.target,
                a.ip,
                a.mac,
                a.interface,
                a.entry_type,
                a.vendor.as_deref().unwrap_or("")
            ));
        }
        for i in &r.interfaces {
            let speed = i
                .speed_mbps
                .map_or_else(|| "-".into(), |s| format!("{s} Mb/s"));
            let oper = if i.oper == "up" {
                self.palette.good(&i.oper)
            } else {
                self.palette.bad(&i.oper)
            };
            let rates = match (i.in_bps, i.out_bps) {
                (Some(a), Some(b)) => format!("  in {a} b/s  out {b} b/s"),
                _ => String::new(),
            };
            let errors = i.in_errors.unwrap_or(0) + i.out_errors.unwrap_or(0);
            let discards = i.in_discards.unwrap_or(0) + i.out_discards.unwrap_or(0);
            lines.push(format!(
                "{:<w$}  {:>4} {:<12} {:<5} {:<16} {:>11}  in {} out {} octets  errors {errors} discards {discards}{rates}  {}",
                r.target,
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
        lines.extend(r.varbinds.iter().map(|vb| {
            let name = vb.name.as_deref().unwrap_or(&vb.oid);
            format!("{:<w$}  {name} = {}: {}", r.target, vb.value_type, vb.value)
        }));
        if let Some(e) = &r.error {
            lines.push(format!("{:<w$}  {}", r.target, self.palette.bad(e)));
        }
        lines.join("\n")
    }

    fn addr(a: Option<std::net::IpAddr>) -> String {
        a.map_or_else(|| "-".to_string(), |a| a.to_string())
    }

    fn ping(&self, p: &PingResult) -> String {
        let (w, aw) = (self.width, self.addr_width);
        let state = if p.alive {
            self.palette.good("alive")
        } else {
            self.palette.bad("dead ")
        };
        let mut line = format!(
            "{:<w$}  {:<aw$}  {}  {:>4} {:>4} {:>4.0}%",
            p.target,
            Self::addr(p.addr),
            state,
            p.sent,
            p.received,
            p.loss_pct
        );
        match &p.rtt_ms {
            Some(s) => {
                let _ = write!(
                    line,
                    "  {:>8.3} {:>8.3} {:>8.3} {:>8.3}",
                    s.min, s.avg, s.max, s.stddev
                );
            }
            None => {
                if let Some(e) = &p.error {
                    let _ = write!(line, "  {}", self.palette.dim(e));
                }
            }
        }
        line
    }

    fn trace(&self, t: &TraceResult) -> String {
        let mut out = String::new();
        let verdict = if t.reached {
            self.palette
                .good(&format!("reached in {} hops", t.hops.len()))
        } else {
            self.palette.bad("not reached")
        };
        let _ = write!(
            out,
            "{} {} ({}) over {}: {}",
            self.palette.bold("trace to"),
            t.target,
            Self::addr(t.addr),
            t.protocol,
            verdict
        );
        if let Some(e) = &t.error {
            let _ = write!(out, " - {}", self.palette.warn(e));
        }
        for h in &t.hops {
            let who = match (h.addr, &h.name) {
                (Some(a), Some(n)) => format!("{n} ({a})"),
                (Some(a), None) => a.to_string(),
                (None, _) => "*".to_string(),
            };
            let rtts: Vec<String> = h
                .rtt_ms
                .iter()
                .map(|r| r.map_or_else(|| "*".to_string(), |v| format!("{v:.3} ms")))
                .collect();
            let _ = write!(out, "\n  {:>3}  {:<28} {}", h.ttl, who, rtts.join("  "));
            if h.addrs.len() > 1 {
                let others: Vec<String> = h.addrs.iter().skip(1).map(|a| a.to_string()).collect();
                let _ = write!(
                    out,
                    "  {}",
                    self.palette.warn(&format!("(also {})", others.join(", ")))
                );
            }
            if h.loss_pct > 0.0 && h.addr.is_some() {
                let _ = write!(
                    out,
                    "  {}",
                    self.palette.dim(&format!("{:.0}% loss", h.loss_pct))
                );
            }
        }
        out
    }

    fn dns(&self, d: &DnsResult) -> String {
        let w = self.width;
        let rcode = d.rcode.as_deref().unwrap_or("-");
        let painted = match rcode {
            "NOERROR" => self.palette.good(rcode),
            "NXDOMAIN" => self.palette.warn(rcode),
            _ => self.palette.bad(rcode),
        };
        let pad = " ".repeat(9usize.saturating_sub(rcode.len()));
        let answers = match &d.error {
            Some(e) => self.palette.bad(e),
            None if d.answers.is_empty() => self.palette.dim("(no answers)"),
            None => d.answers.join(", "),
        };
        let tcp = if d.transport.as_deref() == Some("tcp") {
            self.palette.dim(" [tcp]")
        } else {
            String::new()
        };
        format!(
            "{:<w$}  {:<6} {painted}{pad} {:>8.3}  {answers}{tcp}",
            d.name, d.rtype, d.elapsed_ms
        )
    }

    fn scan(&self, s: &ScanResult) -> String {
        let (w, aw) = (self.width, self.addr_width);
        let ports: Vec<String> = s
            .open
            .iter()
            .map(|p| match s.services.get(&p.to_string()) {
                Some(name) => format!("{p}/{name}"),
                None => p.to_string(),
            })
            .collect();
        let mut out = format!(
            "{:<w$}  {:<aw$}  {:>4} {:>6} {:>8}  {}",
            s.target,
            Self::addr(s.addr),
            s.open.len(),
            s.closed,
            s.filtered,
            self.palette.good(&ports.join(" "))
        );
        if let Some(e) = &s.error {
            let _ = write!(out, "{}", self.palette.bad(e));
        }
        for (port, banner) in &s.banners {
            let _ = write!(
                out,
                "\n{:<w$}    {:>5}  {}",
                "",
                port,
                self.palette.dim(banner)
            );
        }
        out
    }

    /// The closing summary.
    pub fn summary(&self, s: &Summary) -> String {
        if self.json {
            return serde_json::to_string(s).unwrap_or_default();
        }
        let took = if s.elapsed_ms < 1000.0 {
            format!("{:.0} ms", s.elapsed_ms.max(1.0))
        } else {
            format!("{:.2} s", s.elapsed_ms / 1000.0)
        };
        let counts = match s.probe {
            ProbeKind::Ping => format!("{} alive, {} dead", s.count("alive"), s.count("dead")),
            ProbeKind::Trace => format!(
                "{} reached, {} not reached",
                s.count("reached"),
                s.count("unreached")
            ),
            ProbeKind::Dns => format!(
                "{} answered, {} NXDOMAIN, {} failed",
                s.count("answered"),
                s.count("nxdomain"),
                s.count("failed")
            ),
            ProbeKind::Scan => format!(
                "{} hosts up, {} open ports, {} filtered",
                s.count("hosts_up"),
                s.count("open_ports"),
                s.count("filtered_ports")
            ),
            ProbeKind::Snmp => format!(
                "{} answered, {} failed, {} variables",
                s.count("answered"),
                s.count("failed"),
                s.count("varbinds")
            ),
            ProbeKind::Ssh => format!(
                "{} exit 0, {} other exit, {} failed",
                s.count("succeeded"),
                s.count("nonzero"),
                s.count("failed")
            ),
        };
        let what = match s.probe {
            ProbeKind::Dns => "questions",
            ProbeKind::Snmp => "agents",
            ProbeKind::Ssh => "devices",
            _ => "targets",
        };
        let cancelled = if s.cancelled {
            self.palette.warn(&format!(
                " (interrupted: {} of {} finished)",
                s.completed, s.targets
            ))
        } else {
            String::new()
        };
        // A topology crawl polls more agents than it was given seeds.
        let n = if s.probe == ProbeKind::Snmp {
            s.targets.max(s.completed)
        } else {
            s.targets
        };
        let what = if n == 1 {
            what.trim_end_matches('s')
        } else {
            what
        };
        format!("{n} {what}: {counts} in {took}{cancelled}")
    }

    /// A topology map: the devices, then the links between their ports.
    pub fn map(&self, t: &wirescope_snmp::topology::Topology) -> String {
        if self.json {
            let mut v = serde_json::to_value(t).unwrap_or_default();
            if let Some(o) = v.as_object_mut() {
                o.insert("kind".into(), "topology".into());
            }
            return v.to_string();
        }
        let polled = t.nodes.iter().filter(|n| n.polled).count();
        let w = t.nodes.iter().map(|n| n.id.len()).max().unwrap_or(4).max(4);
        let mut lines = vec![self.palette.bold(&format!(
            "map: {} devices ({polled} polled), {} links, {} connected group{}",
            t.nodes.len(),
            t.links.len(),
            t.components,
            if t.components == 1 { "" } else { "s" }
        ))];
        for n in &t.nodes {
            let state = if n.polled {
                self.palette.good("polled")
            } else {
                self.palette.warn("seen  ")
            };
            lines.push(format!(
                "  {:<w$}  {state}  {:<15}  {}",
                n.id,
                Self::addr(n.addr),
                n.error
                    .as_deref()
                    .or(n.descr.as_deref())
                    .or(n.platform.as_deref())
                    .unwrap_or("")
            ));
        }
        for l in &t.links {
            let ends = if l.both_ends { "both ends" } else { "one end" };
            lines.push(format!(
                "  {}:{} -- {}:{}  {} ({ends})",
                l.source,
                l.source_port,
                l.target,
                l.target_port.as_deref().unwrap_or("?"),
                l.protocol
            ));
        }
        lines.join("\n")
    }
}

/// A capture's report as text: totals, protocol hierarchy, top talkers, conversations.
pub fn analysis(r: &wirescope_traffic::stats::Report) -> String {
    let mut lines = vec![format!(
        "{} packets, {} bytes over {:.3} s{}",
        r.packets,
        r.bytes,
        r.duration_s,
        if r.malformed > 0 {
            format!(", {} malformed", r.malformed)
        } else {
            String::new()
        }
    )];
    lines.push(String::new());
    lines.push(format!(
        "{:<10} {:>12} {:>7} {:>14}",
        "PROTOCOL", "PACKETS", "%", "BYTES"
    ));
    for (_, name) in wirescope_traffic::dissect::PROTOCOLS {
        if let Some(c) = r.protocols.get(name) {
            let pct = c.packets as f64 * 100.0 / r.packets.max(1) as f64;
            lines.push(format!(
                "{name:<10} {:>12} {pct:>6.1}% {:>14}",
                c.packets, c.bytes
            ));
        }
    }
    if !r.top_talkers.is_empty() {
        lines.push(String::new());
        lines.push(format!(
            "{:<39} {:>10} {:>12} {:>10} {:>12}",
            "TOP TALKER", "TX PKTS", "TX BYTES", "RX PKTS", "RX BYTES"
        ));
        for t in &r.top_talkers {
            lines.push(format!(
                "{:<39} {:>10} {:>12} {:>10} {:>12}",
                t.addr.to_string(),
                t.tx_packets,
                t.tx_bytes,
                t.rx_packets,
                t.rx_bytes
            ));
        }
    }
    if !r.conversations.is_empty() {
        lines.push(String::new());
        lines.push(format!(
            "{:<39} {:<39} {:>10} {:>12} {:>10}",
            "CONVERSATION A", "B", "PACKETS", "BYTES", "DURATION"
        ));
        for c in &r.conversations {
            lines.push(format!(
                "{:<39} {:<39} {:>10} {:>12} {:>9.3}s",
                c.a.to_string(),
                c.b.to_string(),
                c.packets,
                c.bytes,
                c.duration_s
            ));
        }
    }
    lines.join("\n")
}

/// A comparison as a table: one row per change (target, change, before, after, detail), then a
/// line with the counts.
pub fn comparison(c: &wirescope_runs::compare::Comparison, p: Palette) -> String {
    use wirescope_runs::compare::ChangeType;
    let width = c
        .changes
        .iter()
        .map(|ch| ch.target.len())
        .max()
        .unwrap_or(6)
        .max(6);
    let mut out = vec![p.dim(&format!(
        "{:<width$}  {:<15}  {:<24}  {:<24}  DETAIL",
        "TARGET", "CHANGE", "BEFORE", "AFTER"
    ))];
    for ch in &c.changes {
        let name = format!("{:<15}", ch.change.as_str());
        let name = match ch.change {
            ChangeType::BecameDead | ChangeType::PortsClosed | ChangeType::Removed => p.bad(&name),
            ChangeType::BecameAlive | ChangeType::Added => p.good(&name),
            _ => p.warn(&name),
        };
        out.push(format!(
            "{:<width$}  {name}  {:<24}  {:<24}  {}",
            ch.target, ch.before, ch.after, ch.detail
        ));
    }
    out.push(format!(
        "# {} run #{} -> #{}: {} changed, {} unchanged",
        c.kind,
        c.a,
        c.b,
        c.changes.len(),
        c.unchanged
    ));
    out.join("\n")
}

/// A comparison as NDJSON: one object per change, then a summary object.
pub fn comparison_ndjson(c: &wirescope_runs::compare::Comparison) -> String {
    let mut out: Vec<String> = c
        .changes
        .iter()
        .map(|ch| serde_json::to_string(ch).unwrap_or_default())
        .collect();
    out.push(
        serde_json::json!({
            "kind": "summary",
            "probe": c.kind,
            "a": c.a,
            "b": c.b,
            "changed": c.changes.len(),
            "unchanged": c.unchanged,
        })
        .to_string(),
    );
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use wirescope_probe::stats::RttStats;

    fn ping(alive: bool) -> ProbeResult {
        ProbeResult::Ping(PingResult {
            target: "h1".into(),
            addr: Some([198, 18, 0, 20].into()),
            alive,
            sent: 1,
            received: u32::from(alive),
            loss_pct: if alive { 0.0 } else { 100.0 },
            rtt_ms: alive.then_some(RttStats {
                min: 0.05,
                avg: 0.05,
                max: 0.05,
                stddev: 0.0,
            }),
            rtts_ms: vec![alive.then_some(0.05)],
            error: (!alive).then(|| "host unreachable (from 198.18.0.10)".into()),
        })
    }

    #[test]
    fn json_line_follows_the_contract() {
        let p = Printer::new(true, Palette::new(false), 10, 15);
        let v: serde_json::Value = serde_json::from_str(&p.result(&ping(true))).unwrap_or_default();
        assert_eq!(v["kind"], "ping");
        assert_eq!(v["target"], "h1");
        assert_eq!(v["addr"], "198.18.0.20");
        assert_eq!(v["alive"], true);
        assert_eq!(v["rtt_ms"]["avg"], 0.05);
        let dead: serde_json::Value =
            serde_json::from_str(&p.result(&ping(false))).unwrap_or_default();
        assert!(dead["rtt_ms"].is_null());
        assert_eq!(dead["loss_pct"], 100.0);
    }

    #[test]
    fn human_rows_align_without_colour() {
        let p = Printer::new(false, Palette::new(false), 10, 15);
        let alive = p.result(&ping(true));
        let dead = p.result(&ping(false));
        assert!(
            alive.starts_with("h1          198.18.0.20      alive"),
            "{alive}"
        );
        assert!(
            dead.contains("dead ") && dead.contains("host unreachable"),
            "{dead}"
        );
        assert!(!alive.contains('\x1b'));
        let coloured = Printer::new(false, Palette::new(true), 10, 15).result(&ping(true));
        assert!(coloured.contains("\x1b[32malive\x1b[0m"));
    }

    #[test]
    fn summary_counts() {
        let mut s = Summary::new(ProbeKind::Ping, 2);
        s.add(&ping(true));
        s.add(&ping(false));
        s.elapsed_ms = 1500.0;
        let p = Printer::new(false, Palette::new(false), 10, 15);
        assert_eq!(p.summary(&s), "2 targets: 1 alive, 1 dead in 1.50 s");
        s.elapsed_ms = 3.4;
        assert_eq!(p.summary(&s), "2 targets: 1 alive, 1 dead in 3 ms");
        let j: serde_json::Value =
            serde_json::from_str(&Printer::new(true, Palette::new(false), 10, 15).summary(&s))
                .unwrap_or_default();
        assert_eq!(
            (j["kind"].as_str(), j["alive"].as_u64(), j["dead"].as_u64()),
            (Some("summary"), Some(1), Some(1))
        );
        assert_eq!(j["targets"], 2);
    }
}
