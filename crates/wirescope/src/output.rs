//! Printers for the result stream: an aligned, coloured table for people and NDJSON for programs.
//! Both consume the same `ProbeResult`s; the engine never prints.

use wirescope_probe::present::{Paint, Widths};
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
}

impl Paint for Palette {
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
        kind.header(self.widths())
            .map(|line| self.palette.bold(&line))
    }

    /// One result as printed lines (no trailing newline).
    pub fn result(&self, r: &ProbeResult) -> String {
        if self.json {
            r.json_lines()
        } else {
            r.lines(self.widths(), &self.palette)
        }
    }

    fn widths(&self) -> Widths {
        Widths {
            target: self.width,
            addr: self.addr_width,
        }
    }

    fn addr(a: Option<std::net::IpAddr>) -> String {
        a.map_or_else(|| "-".to_string(), |a| a.to_string())
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
        let counts = s.probe.counts(s);
        let what = s.probe.unit();
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

    /// Where a host is: its port (or ports), then where else it was seen, and why when nothing
    /// was found; with --json one object of kind "located".
    pub fn located(&self, l: &wirescope_snmp::locate::Located) -> String {
        if self.json {
            let mut v = serde_json::to_value(l).unwrap_or_default();
            if let Some(o) = v.as_object_mut() {
                o.insert("kind".into(), "located".into());
            }
            return v.to_string();
        }
        let mut lines: Vec<String> = l
            .found
            .iter()
            .map(|p| self.palette.bold(&wirescope_snmp::locate::line(p)))
            .collect();
        lines.extend(l.seen.iter().map(|p| {
            self.palette
                .dim(&format!("  also: {}", wirescope_snmp::locate::line(p)))
        }));
        if let Some(n) = &l.note {
            lines.push(self.palette.warn(n));
        }
        if !l.failed.is_empty() {
            lines.push(
                self.palette
                    .warn(&format!("not read: {}", l.failed.join(", "))),
            );
        }
        lines.join("\n")
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
    use wirescope_probe::result::PingResult;
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
