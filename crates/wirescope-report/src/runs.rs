//! A stored run as a report section: how it was run (when, by whom, from where, with which
//! options), its summary figures, its full results table, and what each kind adds: hop tables
//! for traces, answers for DNS, ports with banners, SNMP neighbours, ARP and interfaces, ssh
//! outputs grouped by what they said with their differences, and latency charts.

use crate::model::{Block, Figure, Report, Section, clean_line, duration, time_utc};
use crate::svg;
use serde_json::Value;
use std::collections::BTreeMap;
use wirescope_probe::ProbeResult;
use wirescope_probe::result::{
    DnsResult, PingResult, ScanResult, SnmpResult, SshResult, TraceResult,
};
use wirescope_store::{RunInfo, Source};

/// Adds run `run` with its `results` to `report`, as it stood at `now_ms`.
pub fn add_run(report: &mut Report, run: &RunInfo, results: &[ProbeResult], now_ms: i64) {
    let mut blocks = vec![Block::Facts {
        rows: facts(run, now_ms),
    }];
    blocks.push(Block::Figures {
        items: figures(run, results),
    });
    let mut detail = Vec::new();
    match run.kind {
        wirescope_probe::ProbeKind::Ping => ping(report, results, &mut blocks, &mut detail),
        wirescope_probe::ProbeKind::Trace => trace(report, results, &mut blocks, &mut detail),
        wirescope_probe::ProbeKind::Dns => dns(report, results, &mut blocks, &mut detail),
        wirescope_probe::ProbeKind::Scan => scan(report, results, &mut blocks, &mut detail),
        wirescope_probe::ProbeKind::Snmp => snmp(report, results, &mut blocks, &mut detail),
        wirescope_probe::ProbeKind::Ssh => ssh(results, &mut blocks, &mut detail),
    }
    blocks.extend(detail);
    report.sections.push(Section {
        heading: format!("Run {} · {}", run.id, run.kind),
        blocks,
    });
}

/// The topology picture of the devices and links the run's neighbour tables show (any SNMP
/// run that found a link: a crawl, or one hop of neighbours), with its links as a table.
fn topology(report: &mut Report, agents: &[&SnmpResult], out: &mut Vec<Block>) {
    let owned: Vec<SnmpResult> = agents.iter().map(|s| (*s).clone()).collect();
    let map = wirescope_snmp::topology::graph(&owned);
    if map.links.is_empty() {
        return;
    }
    out.push(Block::Heading {
        text: "Topology".into(),
    });
    let saved = map
        .nodes
        .iter()
        .filter(|n| report.layout.contains_key(&n.id))
        .count();
    let at = crate::map::place(&map, &report.layout);
    let whence = match saved {
        0 => "laid out in layers from the seeds (the dashboard's map has no saved positions for them)".to_string(),
        n if n == map.nodes.len() => "where the dashboard's saved map layout has them".to_string(),
        n => format!(
            "{n} of {} where the dashboard's saved map layout has them, the rest beside their neighbours",
            map.nodes.len()
        ),
    };
    let caption = format!(
        "{} devices, {} links, {} connected {}; devices {whence}. Dashed boxes were seen but not polled; dashed lines are reported by one end only.",
        map.nodes.len(),
        map.links.len(),
        map.components,
        if map.components == 1 {
            "group"
        } else {
            "groups"
        }
    );
    match crate::map::draw(&map, &at) {
        Some(svg) => {
            let block = report.chart("Map", svg, caption);
            out.push(block);
        }
        None => out.push(Block::Note {
            text: format!(
                "{} devices: more than the {} a picture draws legibly; the links are listed below",
                map.nodes.len(),
                crate::map::MAX_DRAWN
            ),
        }),
    }
    let label: BTreeMap<&str, &str> = map
        .nodes
        .iter()
        .map(|n| (n.id.as_str(), n.label.as_str()))
        .collect();
    out.push(Block::table(
        &[
            "Device",
            "Port",
            "Neighbour",
            "Its port",
            "Via",
            "Both ends",
        ],
        map.links
            .iter()
            .map(|l| {
                vec![
                    label
                        .get(l.source.as_str())
                        .copied()
                        .unwrap_or(&l.source)
                        .to_string(),
                    l.source_port.clone(),
                    label
                        .get(l.target.as_str())
                        .copied()
                        .unwrap_or(&l.target)
                        .to_string(),
                    l.target_port.clone().unwrap_or_default(),
                    l.protocol.to_uppercase(),
                    if l.both_ends { "yes" } else { "no" }.into(),
                ]
            })
            .collect(),
    ));
}

/// When, by whom, from where, with what.
fn facts(run: &RunInfo, now_ms: i64) -> Vec<(String, String)> {
    let mut rows = Vec::new();
    let mut row = |k: &str, v: String| rows.push((k.to_string(), v));
    let status = if run.status.in_progress() {
        format!(
            "{}: in progress as of {} ({} of {} {} done)",
            run.status,
            time_utc(now_ms),
            run.done,
            run.total,
            run.kind.unit()
        )
    } else {
        run.status.to_string()
    };
    row("Status", status);
    if let Some(e) = &run.error {
        row("Error", clean_line(e, 500));
    }
    let start = run.started_at.unwrap_or(run.created_at);
    let span = match run.finished_at {
        Some(end) => format!(
            "{} to {} ({})",
            time_utc(start),
            time_utc(end),
            duration(end - start)
        ),
        None => format!("from {}", time_utc(start)),
    };
    row("Time", span);
    row(
        "Started by",
        match (run.source, run.suite_id) {
            (Source::Cli, _) => "the CLI (--save)".into(),
            (Source::Api, _) => "the dashboard or the API".into(),
            (Source::Suite, Some(s)) => format!("suite {s}"),
            (Source::Suite, None) => "a suite".into(),
            (Source::Trap, _) => "a trap rule's follow-up".into(),
            (Source::Alert, _) => "the diagnostics of an alert".into(),
        },
    );
    row("From", origin(run.net.get()));
    row(
        "Targets",
        format!(
            "{}: {}",
            counted(run.total, run.kind.unit()),
            clean_line(
                &run.targets_text.lines().collect::<Vec<_>>().join(", "),
                400
            )
        ),
    );
    let options = options(run.options.get());
    if !options.is_empty() {
        row("Options", options);
    }
    rows
}

/// `1 device`, `12 devices`.
fn counted(n: i64, unit: &str) -> String {
    if n == 1 {
        format!("1 {}", unit.strip_suffix('s').unwrap_or(unit))
    } else {
        format!("{n} {unit}")
    }
}

/// Where the run was sent from: namespace, interface, source address (the host's own when none).
fn origin(net: &str) -> String {
    let v: Value = serde_json::from_str(net).unwrap_or(Value::Null);
    let mut parts = Vec::new();
    let field = |k: &str| v.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    if let Some(ns) = field("netns") {
        parts.push(format!("namespace {ns}"));
    }
    if let Some(i) = field("interface") {
        parts.push(format!("interface {i}"));
    }
    if let Some(s) = field("source") {
        parts.push(format!("source {s}"));
    }
    if parts.is_empty() {
        "this host's own network (no namespace, interface or source set)".into()
    } else {
        clean_line(&parts.join(", "), 300)
    }
}

/// The options as `key = value`, in the order stored, nested ones flattened.
fn options(json: &str) -> String {
    let v: Value = serde_json::from_str(json).unwrap_or(Value::Null);
    let mut out = Vec::new();
    flatten("", &v, &mut out);
    clean_line(&out.join(", "), 1_000)
}

fn flatten(prefix: &str, v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        Value::Null => {}
        Value::Array(a) if a.is_empty() => {}
        Value::String(s) => out.push(format!("{prefix} = {s}")),
        other => out.push(format!("{prefix} = {other}")),
    }
}

/// The summary's counts as figures, coloured where a count is good or bad news.
fn figures(run: &RunInfo, results: &[ProbeResult]) -> Vec<Figure> {
    let mut summary = wirescope_probe::Summary::new(run.kind, run.total.max(0) as usize);
    for r in results {
        summary.add(r);
    }
    let crawl = serde_json::from_str::<Value>(run.options.get())
        .ok()
        .is_some_and(|o| {
            matches!(
                o.get("op").and_then(Value::as_str),
                Some("topology" | "locate")
            )
        });
    let mut items = vec![if crawl {
        // A crawl's total is its seeds: it reads every device it finds from them.
        Figure::new(
            "Devices",
            format!("{} from {}", results.len(), counted(run.total, "seeds")),
            "",
        )
    } else {
        Figure::new("Results", format!("{} of {}", results.len(), run.total), "")
    }];
    for (name, n) in &summary.counts {
        // SNMP reads either variables or a view's rows: the other is always 0, and noise.
        if *n == 0 && matches!(*name, "varbinds" | "rows") {
            continue;
        }
        let tone = match *name {
            "alive" | "reached" | "answered" | "succeeded" | "hosts_up" => "good",
            "dead" | "unreached" | "failed" | "nxdomain" if *n > 0 => "bad",
            "nonzero" if *n > 0 => "warn",
            _ => "",
        };
        items.push(Figure::new(&name.replace('_', " "), n, tone));
    }
    items
}

fn ms(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

fn opt_ms(v: Option<f64>) -> String {
    v.map(ms).unwrap_or_else(|| "-".into())
}

fn addr(a: Option<std::net::IpAddr>) -> String {
    a.map(|a| a.to_string()).unwrap_or_else(|| "-".into())
}

/// The address a target resolved to, blank when the target is that address (a column of
/// nothing but blanks is left out of the table).
fn resolved(target: &str, a: Option<std::net::IpAddr>) -> String {
    match (target.parse::<std::net::IpAddr>(), a) {
        (Ok(t), Some(a)) if t == a => String::new(),
        _ => addr(a),
    }
}

fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(v[v.len() / 2])
}

fn each<'a, T>(
    results: &'a [ProbeResult],
    pick: fn(&'a ProbeResult) -> Option<&'a T>,
) -> impl Iterator<Item = &'a T> {
    results.iter().filter_map(pick)
}

fn ping(report: &mut Report, results: &[ProbeResult], out: &mut Vec<Block>, _: &mut Vec<Block>) {
    let pings: Vec<&PingResult> = each(results, |r| match r {
        ProbeResult::Ping(p) => Some(p),
        _ => None,
    })
    .collect();
    let all: Vec<f64> = pings
        .iter()
        .flat_map(|p| p.rtts_ms.iter().flatten().copied())
        .collect();
    if let Some(chart) = svg::histogram(&all, "ms") {
        let caption = format!(
            "{} replies from {} targets; lost probes are not drawn",
            all.len(),
            pings.iter().filter(|p| p.received > 0).count()
        );
        out.push(report.chart("Round-trip times", chart, caption));
    }
    let rows = pings
        .iter()
        .map(|p| {
            let mut rtts: Vec<f64> = p.rtts_ms.iter().flatten().copied().collect();
            vec![
                p.target.clone(),
                resolved(&p.target, p.addr),
                if p.alive { "alive" } else { "dead" }.into(),
                format!("{}/{}", p.received, p.sent),
                format!("{:.0}%", p.loss_pct),
                opt_ms(p.rtt_ms.as_ref().map(|s| s.min)),
                opt_ms(median(&mut rtts)),
                opt_ms(p.rtt_ms.as_ref().map(|s| s.max)),
                opt_ms(p.rtt_ms.as_ref().map(|s| s.stddev)),
                p.error.clone().unwrap_or_default(),
            ]
        })
        .collect();
    out.push(Block::Heading {
        text: "Results".into(),
    });
    out.push(Block::table(
        &[
            "Target",
            "Address",
            "State",
            "Replies",
            "Loss",
            "Min ms",
            "Median ms",
            "Max ms",
            "Jitter ms",
            "Error",
        ],
        rows,
    ));
}

fn trace(
    report: &mut Report,
    results: &[ProbeResult],
    out: &mut Vec<Block>,
    detail: &mut Vec<Block>,
) {
    let traces: Vec<&TraceResult> = each(results, |r| match r {
        ProbeResult::Trace(t) => Some(t),
        _ => None,
    })
    .collect();
    let last_rtt = |t: &TraceResult| -> Option<f64> {
        let mut v: Vec<f64> = t
            .hops
            .iter()
            .rev()
            .find(|h| h.addr.is_some())?
            .rtt_ms
            .iter()
            .flatten()
            .copied()
            .collect();
        median(&mut v)
    };
    let finals: Vec<f64> = traces
        .iter()
        .filter(|t| t.reached)
        .filter_map(|t| last_rtt(t))
        .collect();
    if let Some(chart) = svg::histogram(&finals, "ms") {
        out.push(report.chart(
            "Round-trip time to each destination reached",
            chart,
            format!(
                "median of the last hop's probes, {} destinations",
                finals.len()
            ),
        ));
    }
    out.push(Block::Heading {
        text: "Results".into(),
    });
    out.push(Block::table(
        &[
            "Target",
            "Address",
            "Protocol",
            "Reached",
            "Hops",
            "Last hop ms",
            "Error",
        ],
        traces
            .iter()
            .map(|t| {
                vec![
                    t.target.clone(),
                    resolved(&t.target, t.addr),
                    t.protocol.clone(),
                    if t.reached { "yes" } else { "no" }.into(),
                    t.hops.len().to_string(),
                    opt_ms(last_rtt(t)),
                    t.error.clone().unwrap_or_default(),
                ]
            })
            .collect(),
    ));
    for t in traces {
        detail.push(Block::Heading {
            text: format!("Path to {} ({})", t.target, addr(t.addr)),
        });
        detail.push(Block::table(
            &["TTL", "Address", "Name", "Also answered", "Loss", "RTTs ms"],
            t.hops
                .iter()
                .map(|h| {
                    vec![
                        h.ttl.to_string(),
                        h.addr.map(|a| a.to_string()).unwrap_or_else(|| "*".into()),
                        h.name.clone().unwrap_or_default(),
                        h.addrs
                            .iter()
                            .filter(|a| Some(**a) != h.addr)
                            .map(|a| a.to_string())
                            .collect::<Vec<_>>()
                            .join(", "),
                        format!("{:.0}%", h.loss_pct),
                        h.rtt_ms
                            .iter()
                            .map(|r| r.map(ms).unwrap_or_else(|| "*".into()))
                            .collect::<Vec<_>>()
                            .join("  "),
                    ]
                })
                .collect(),
        ));
    }
}

fn dns(report: &mut Report, results: &[ProbeResult], out: &mut Vec<Block>, _: &mut Vec<Block>) {
    let answers: Vec<&DnsResult> = each(results, |r| match r {
        ProbeResult::Dns(d) => Some(d),
        _ => None,
    })
    .collect();
    let times: Vec<f64> = answers
        .iter()
        .filter(|d| d.error.is_none())
        .map(|d| d.elapsed_ms)
        .collect();
    if let Some(chart) = svg::histogram(&times, "ms") {
        out.push(report.chart("Response times", chart, format!("{} answers", times.len())));
    }
    out.push(Block::Heading {
        text: "Answers".into(),
    });
    out.push(Block::table(
        &[
            "Server", "Name", "Type", "Rcode", "Answers", "ms", "Via", "Error",
        ],
        answers
            .iter()
            .map(|d| {
                vec![
                    d.server.clone().unwrap_or_else(|| d.target.clone()),
                    d.name.clone(),
                    d.rtype.clone(),
                    d.rcode.clone().unwrap_or_else(|| "-".into()),
                    d.records
                        .iter()
                        .map(|r| format!("{} {} {}", r.rtype, r.ttl, r.data))
                        .collect::<Vec<_>>()
                        .join("\n"),
                    ms(d.elapsed_ms),
                    d.transport.clone().unwrap_or_default(),
                    d.error.clone().unwrap_or_default(),
                ]
            })
            .collect(),
    ));
}

fn scan(
    report: &mut Report,
    results: &[ProbeResult],
    out: &mut Vec<Block>,
    detail: &mut Vec<Block>,
) {
    let scans: Vec<&ScanResult> = each(results, |r| match r {
        ProbeResult::Scan(s) => Some(s),
        _ => None,
    })
    .collect();
    let mut by_port: BTreeMap<u16, usize> = BTreeMap::new();
    for s in &scans {
        for p in &s.open {
            *by_port.entry(*p).or_default() += 1;
        }
    }
    let mut ports: Vec<(u16, usize)> = by_port.into_iter().collect();
    ports.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let service = |p: u16| {
        scans
            .iter()
            .find_map(|s| s.services.get(&p.to_string()).cloned())
            .map(|n| format!("{p}/tcp {n}"))
            .unwrap_or_else(|| format!("{p}/tcp"))
    };
    let items: Vec<(String, f64)> = ports
        .iter()
        .map(|(p, n)| (service(*p), *n as f64))
        .collect();
    if let Some(chart) = svg::bars(&items, "hosts") {
        out.push(report.chart(
            "Open ports",
            chart,
            "how many targets have each port open (the 20 most common)".into(),
        ));
    }
    out.push(Block::Heading {
        text: "Results".into(),
    });
    out.push(Block::table(
        &[
            "Target", "Address", "Open", "Closed", "Filtered", "Method", "Error",
        ],
        scans
            .iter()
            .map(|s| {
                vec![
                    s.target.clone(),
                    resolved(&s.target, s.addr),
                    s.open
                        .iter()
                        .map(u16::to_string)
                        .collect::<Vec<_>>()
                        .join(", "),
                    s.closed.to_string(),
                    s.filtered.to_string(),
                    s.method.clone(),
                    s.error.clone().unwrap_or_default(),
                ]
            })
            .collect(),
    ));
    let rows: Vec<Vec<String>> = scans
        .iter()
        .flat_map(|s| {
            s.open.iter().map(move |p| {
                let key = p.to_string();
                vec![
                    s.target.clone(),
                    format!("{p}/tcp"),
                    s.services.get(&key).cloned().unwrap_or_default(),
                    s.banners.get(&key).cloned().unwrap_or_default(),
                ]
            })
        })
        .collect();
    if !rows.is_empty() {
        detail.push(Block::Heading {
            text: "Open ports and what they said".into(),
        });
        detail.push(Block::table(&["Target", "Port", "Service", "Banner"], rows));
    }
}

fn snmp(
    report: &mut Report,
    results: &[ProbeResult],
    out: &mut Vec<Block>,
    detail: &mut Vec<Block>,
) {
    let agents: Vec<&SnmpResult> = each(results, |r| match r {
        ProbeResult::Snmp(s) => Some(s),
        _ => None,
    })
    .collect();
    topology(report, &agents, out);
    let name = |s: &SnmpResult| {
        s.device
            .as_ref()
            .and_then(|d| d.name.clone())
            .unwrap_or_else(|| s.target.clone())
    };
    out.push(Block::Heading {
        text: "Agents".into(),
    });
    out.push(Block::table(
        &[
            "Target",
            "Address",
            "Device",
            "Bindings",
            "Neighbours",
            "ARP",
            "Interfaces",
            "ms",
            "Error",
        ],
        agents
            .iter()
            .map(|s| {
                vec![
                    s.target.clone(),
                    resolved(&s.target, s.addr),
                    s.device
                        .as_ref()
                        .map(|d| {
                            [d.name.clone(), d.descr.clone()]
                                .into_iter()
                                .flatten()
                                .collect::<Vec<_>>()
                                .join(": ")
                        })
                        .unwrap_or_default(),
                    s.varbinds.len().to_string(),
                    s.neighbors.len().to_string(),
                    s.arp.len().to_string(),
                    s.interfaces.len().to_string(),
                    ms(s.elapsed_ms),
                    s.error.clone().unwrap_or_default(),
                ]
            })
            .collect(),
    ));
    let neighbours: Vec<Vec<String>> = agents
        .iter()
        .flat_map(|s| {
            s.neighbors.iter().map(move |n| {
                vec![
                    name(s),
                    n.local_port.clone(),
                    n.protocol.to_uppercase(),
                    n.remote_name.clone().unwrap_or_default(),
                    n.remote_port.clone().unwrap_or_default(),
                    n.mgmt_addr.map(|a| a.to_string()).unwrap_or_default(),
                    n.platform.clone().unwrap_or_default(),
                ]
            })
        })
        .collect();
    if !neighbours.is_empty() {
        detail.push(Block::Heading {
            text: "LLDP and CDP neighbours".into(),
        });
        detail.push(Block::table(
            &[
                "Device",
                "Local port",
                "Via",
                "Neighbour",
                "Its port",
                "Mgmt address",
                "Platform",
            ],
            neighbours,
        ));
    }
    let interfaces: Vec<Vec<String>> = agents
        .iter()
        .flat_map(|s| {
            s.interfaces.iter().map(move |i| {
                let n = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
                vec![
                    name(s),
                    if i.name.is_empty() {
                        i.descr.clone()
                    } else {
                        i.name.clone()
                    },
                    i.alias.clone(),
                    format!("{}/{}", i.admin, i.oper),
                    i.speed_mbps
                        .map(|s| format!("{s} Mb/s"))
                        .unwrap_or_default(),
                    n(i.in_octets),
                    n(i.out_octets),
                    format!("{}/{}", i.in_errors.unwrap_or(0), i.out_errors.unwrap_or(0)),
                    format!(
                        "{}/{}",
                        i.in_discards.unwrap_or(0),
                        i.out_discards.unwrap_or(0)
                    ),
                ]
            })
        })
        .collect();
    if !interfaces.is_empty() {
        detail.push(Block::Heading {
            text: "Interfaces".into(),
        });
        detail.push(Block::table(
            &[
                "Device",
                "Interface",
                "Alias",
                "Admin/oper",
                "Speed",
                "In octets",
                "Out octets",
                "Errors in/out",
                "Discards in/out",
            ],
            interfaces,
        ));
    }
    let arp: Vec<Vec<String>> = agents
        .iter()
        .flat_map(|s| {
            s.arp.iter().map(move |a| {
                vec![
                    name(s),
                    a.ip.to_string(),
                    a.mac.clone(),
                    a.vendor.clone().unwrap_or_default(),
                    a.interface.clone(),
                    a.entry_type.clone(),
                ]
            })
        })
        .collect();
    if !arp.is_empty() {
        detail.push(Block::Heading {
            text: "ARP and neighbour tables".into(),
        });
        detail.push(Block::table(
            &["Device", "Address", "MAC", "Vendor", "Interface", "Type"],
            arp,
        ));
    }
    let bindings: Vec<Vec<String>> = agents
        .iter()
        .flat_map(|s| {
            s.varbinds.iter().map(move |v| {
                vec![
                    s.target.clone(),
                    v.name.clone().unwrap_or_else(|| v.oid.clone()),
                    v.value_type.clone(),
                    v.value.clone(),
                ]
            })
        })
        .collect();
    if !bindings.is_empty() {
        detail.push(Block::Heading {
            text: "Variable bindings".into(),
        });
        detail.push(Block::table(
            &["Target", "Object", "Type", "Value"],
            bindings,
        ));
    }
}

fn ssh(results: &[ProbeResult], out: &mut Vec<Block>, detail: &mut Vec<Block>) {
    let runs: Vec<&SshResult> = each(results, |r| match r {
        ProbeResult::Ssh(s) => Some(s),
        _ => None,
    })
    .collect();
    out.push(Block::Heading {
        text: "Results".into(),
    });
    out.push(Block::table(
        &["Target", "User", "Command", "Exit", "ms", "Output", "Error"],
        runs.iter()
            .map(|s| {
                vec![
                    s.target.clone(),
                    s.user.clone(),
                    s.command.clone(),
                    s.exit_status
                        .map(|e| e.to_string())
                        .or_else(|| s.exit_signal.clone())
                        .unwrap_or_else(|| "-".into()),
                    ms(s.elapsed_ms),
                    format!(
                        "{} lines{}",
                        s.stdout.lines().count(),
                        if s.truncated {
                            ", cut by max-output"
                        } else {
                            ""
                        }
                    ),
                    s.error.clone().unwrap_or_default(),
                ]
            })
            .collect(),
    ));
    // Identical outputs once, with every target that gave them; each variant then as its
    // difference from the most common one.
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for s in runs.iter().filter(|s| s.error.is_none()) {
        match groups.iter_mut().find(|(o, _)| *o == s.stdout) {
            Some((_, targets)) => targets.push(&s.target),
            None => groups.push((&s.stdout, vec![&s.target])),
        }
    }
    groups.sort_by_key(|g| std::cmp::Reverse(g.1.len()));
    let Some((common, _)) = groups.first().cloned() else {
        return;
    };
    for (i, (text, targets)) in groups.iter().enumerate() {
        let who = clean_line(&targets.join(", "), 600);
        if i == 0 {
            detail.push(Block::pre(
                &format!(
                    "Output of {} target{}: {who}",
                    targets.len(),
                    if targets.len() == 1 { "" } else { "s" }
                ),
                text,
            ));
        } else {
            let diff = similar::TextDiff::from_lines(common, text)
                .unified_diff()
                .context_radius(2)
                .header("most common output", "this output")
                .to_string();
            detail.push(Block::pre(
                &format!(
                    "Differs on {} target{}: {who}",
                    targets.len(),
                    if targets.len() == 1 { "" } else { "s" }
                ),
                &diff,
            ));
        }
    }
    for s in runs.iter().filter(|s| !s.stderr.is_empty()) {
        detail.push(Block::pre(
            &format!("{}: standard error", s.target),
            &s.stderr,
        ));
    }
}

/// Adds the comparison of run `a` with the later run `b` to `report`: what changed, target by
/// target, and how many stayed the same.
pub fn add_comparison(
    report: &mut Report,
    (a, before): (&RunInfo, &[ProbeResult]),
    (b, after): (&RunInfo, &[ProbeResult]),
) {
    let c = wirescope_runs::compare::compare((a.id, before), (b.id, after), a.kind);
    let mut kinds: BTreeMap<&'static str, u64> = BTreeMap::new();
    for ch in &c.changes {
        *kinds.entry(ch.change.as_str()).or_default() += 1;
    }
    let mut items = vec![
        Figure::new(
            "Changes",
            c.changes.len(),
            if c.changes.is_empty() { "good" } else { "warn" },
        ),
        Figure::new("Unchanged", c.unchanged, ""),
    ];
    items.extend(kinds.iter().map(|(k, n)| {
        let tone = match *k {
            "became_dead" | "ports_closed" | "removed" => "bad",
            "became_alive" => "good",
            _ => "warn",
        };
        Figure::new(&k.replace('_', " "), n, tone)
    }));
    let mut blocks = vec![
        Block::Facts {
            rows: vec![
                (
                    "Before".into(),
                    format!(
                        "run {} ({}), {}",
                        a.id,
                        a.kind,
                        time_utc(a.started_at.unwrap_or(a.created_at))
                    ),
                ),
                (
                    "After".into(),
                    format!(
                        "run {} ({}), {}",
                        b.id,
                        b.kind,
                        time_utc(b.started_at.unwrap_or(b.created_at))
                    ),
                ),
            ],
        },
        Block::Figures { items },
    ];
    if c.changes.is_empty() {
        blocks.push(Block::Note {
            text: "Nothing changed between the two runs.".into(),
        });
    } else {
        blocks.push(Block::table(
            &["Target", "Change", "Before", "After", "Detail"],
            c.changes
                .iter()
                .map(|ch| {
                    vec![
                        ch.target.clone(),
                        ch.change.as_str().replace('_', " "),
                        ch.before.clone(),
                        ch.after.clone(),
                        ch.detail.clone(),
                    ]
                })
                .collect(),
        ));
    }
    report.sections.push(Section {
        heading: format!("Run {} compared with run {}", a.id, b.id),
        blocks,
    });
}
