//! What one result shows under one rule: whether its condition holds (or, for change presets,
//! whether it differs from what was known in a way that counts), why in one line, the evidence
//! to keep with an event, and the reference to keep for the next run (the ports that were
//! open, the paths learnt at each TTL, the answers, the output). Pure.

use super::{AlertRule, DEFAULT_LOSS_PCT, DEFAULT_OVER_MS, DEFAULT_OVER_PCT, Preset};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use wirescope_probe::ProbeResult;

/// Addresses learnt at one TTL, at most (a wide ECMP fan-out).
const MAX_LEARNT: usize = 16;
/// Bytes of a diff kept as evidence, at most.
pub const MAX_DIFF: usize = 64 << 10;
/// Recent medians kept with a latency event, at most.
const MAX_RECENT: usize = 120;

/// Whether a rule's condition holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// It holds (a state), or a change counts.
    Holds,
    Clear,
    /// The result does not tell (a failed probe for a change preset, no baseline yet).
    Unknown,
}

/// What a result shows under a rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub verdict: Verdict,
    pub summary: String,
    pub evidence: Value,
    /// What to know next time: for a state preset always, for a change preset when it does
    /// not count (what was learnt) or once the change is told (the new value).
    pub reference: Option<Value>,
}

impl Observation {
    fn unknown() -> Self {
        Observation {
            verdict: Verdict::Unknown,
            summary: String::new(),
            evidence: Value::Null,
            reference: None,
        }
    }
}

/// The latency baseline of a target: the median of the medians in the window before the run,
/// and those medians (time ms, µs), oldest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Baseline {
    pub median_us: Option<i64>,
    pub samples: usize,
    pub recent: Vec<(i64, i64)>,
}

impl Baseline {
    /// From the medians of the window.
    pub fn of(medians: &[(i64, i64)]) -> Baseline {
        let mut v: Vec<i64> = medians.iter().map(|(_, m)| *m).collect();
        v.sort_unstable();
        Baseline {
            median_us: (!v.is_empty()).then(|| v[(v.len() - 1) / 2]),
            samples: v.len(),
            recent: medians[medians.len().saturating_sub(MAX_RECENT)..].to_vec(),
        }
    }
}

/// Baseline samples needed before latency_up judges.
pub const MIN_BASELINE: usize = 3;

/// Whether a result says its target did not answer at all, and why.
pub fn down(result: &ProbeResult) -> Option<String> {
    match result {
        ProbeResult::Ping(p) if !p.alive => Some(
            p.error
                .clone()
                .unwrap_or_else(|| format!("all {} echoes lost", p.sent)),
        ),
        ProbeResult::Trace(t) if !t.reached => Some(t.error.clone().unwrap_or_else(|| {
            format!(
                "not reached (last answer at hop {})",
                t.hops
                    .iter()
                    .rev()
                    .find(|h| h.addr.is_some())
                    .map_or("none".into(), |h| h.ttl.to_string())
            )
        })),
        ProbeResult::Dns(d) => match (&d.error, d.rcode.as_deref()) {
            (Some(e), _) => Some(e.clone()),
            (None, Some("NOERROR" | "NXDOMAIN")) => None,
            (None, Some(code)) => Some(format!("the server answered {code}")),
            (None, None) => Some("no answer".into()),
        },
        ProbeResult::Scan(s) => match &s.error {
            Some(e) => Some(e.clone()),
            None if s.open.is_empty() && s.closed == 0 => {
                Some(format!("no port answered ({} filtered)", s.filtered))
            }
            None => None,
        },
        ProbeResult::Snmp(s) => s.error.clone(),
        ProbeResult::Ssh(s) => s.error.clone(),
        _ => None,
    }
}

/// What a result showed, for its target's history: a trace's path (the addresses at each
/// TTL, whether it reached), a scan's open ports, a DNS answer (code and sorted answers).
/// `None` for other kinds and for probes that failed.
pub fn shown(result: &ProbeResult) -> Option<Value> {
    match result {
        ProbeResult::Trace(t) if t.error.is_none() => {
            let hops: Path = t
                .hops
                .iter()
                .filter(|h| !h.addrs.is_empty())
                .map(|h| (h.ttl, h.addrs.iter().map(|a| a.to_string()).collect()))
                .collect();
            Some(json!({ "reached": t.reached, "hops": path_json(&hops) }))
        }
        ProbeResult::Scan(s) if s.error.is_none() => {
            let mut open = s.open.clone();
            open.sort_unstable();
            Some(json!({ "open": open }))
        }
        ProbeResult::Dns(d) if d.error.is_none() && d.rcode.is_some() => {
            let mut answers = d.answers.clone();
            answers.sort();
            Some(json!({ "rcode": d.rcode, "answers": answers }))
        }
        _ => None,
    }
}

/// What `result` shows under `rule`, given what was known (`reference`) and, for latency, the
/// target's baseline.
pub fn observe(
    rule: &AlertRule,
    result: &ProbeResult,
    reference: Option<&Value>,
    baseline: &Baseline,
    ignore: Option<&regex::RegexSet>,
) -> Observation {
    let target = result.key();
    match rule.preset {
        Preset::Down => state(
            down(result),
            |why| format!("{target} is down: {why}"),
            format!("{target} answers again"),
            json!({ "result": result.describe() }),
            None,
        ),
        Preset::LossUp => {
            let Some((_, s)) = crate::trend::sample_of(result, 0) else {
                return Observation::unknown();
            };
            let pct = f64::from(s.loss) / 10.0;
            let limit = rule.loss_pct.unwrap_or(DEFAULT_LOSS_PCT);
            state(
                (pct >= limit && pct > 0.0).then_some(pct),
                |p| format!("{target}: {p}% lost (limit {limit}%)"),
                format!("{target}: loss back to {pct}%"),
                json!({ "loss_pct": pct, "limit_pct": limit, "sent": s.sent }),
                None,
            )
        }
        Preset::LatencyUp => latency(rule, result, &target, reference, baseline),
        Preset::PortClosed | Preset::PortOpened => ports(rule.preset, result, &target, reference),
        Preset::DnsChanged => dns(result, &target, reference),
        Preset::PathChanged => path(result, &target, reference),
        Preset::InterfaceDown => interfaces(result, &target, reference),
        Preset::NeighborGone | Preset::NeighborNew => {
            neighbors(rule.preset, result, &target, reference)
        }
        Preset::OutputChanged => output(result, &target, reference, ignore),
    }
}

/// A state preset's observation: `holding` says why it holds.
fn state<T>(
    holding: Option<T>,
    why: impl FnOnce(T) -> String,
    clear: String,
    evidence: Value,
    reference: Option<Value>,
) -> Observation {
    match holding {
        Some(t) => Observation {
            verdict: Verdict::Holds,
            summary: why(t),
            evidence,
            reference,
        },
        None => Observation {
            verdict: Verdict::Clear,
            summary: clear,
            evidence,
            reference,
        },
    }
}

fn ms(us: i64) -> f64 {
    us as f64 / 1000.0
}

fn latency(
    rule: &AlertRule,
    result: &ProbeResult,
    target: &str,
    reference: Option<&Value>,
    baseline: &Baseline,
) -> Observation {
    let Some(now_us) = crate::trend::sample_of(result, 0).and_then(|(_, s)| s.med_us) else {
        return Observation::unknown();
    };
    // While it holds, the baseline it fired against stays: the window would otherwise fill
    // with the raised latency and clear it.
    let frozen = reference.and_then(|r| r["baseline_us"].as_i64());
    let base_us = match (frozen, baseline.median_us) {
        (Some(b), _) => b,
        (None, Some(b)) if baseline.samples >= MIN_BASELINE => b,
        _ => return Observation::unknown(),
    };
    let (over_ms, over_pct) = (
        rule.over_ms.unwrap_or(DEFAULT_OVER_MS),
        rule.over_pct.unwrap_or(DEFAULT_OVER_PCT),
    );
    let up = now_us - base_us;
    let holds = ms(up) >= over_ms && (now_us as f64) >= base_us as f64 * (1.0 + over_pct / 100.0);
    let evidence = json!({
        "median_ms": ms(now_us),
        "baseline_ms": ms(base_us),
        "over_ms": over_ms,
        "over_pct": over_pct,
        "baseline_window": crate::period::format(rule.baseline.unwrap_or(super::DEFAULT_BASELINE)),
        "recent": baseline.recent.iter().map(|(t, m)| json!([t, ms(*m)])).collect::<Vec<_>>(),
    });
    state(
        holds.then_some(()),
        |()| {
            format!(
                "{target}: median {:.1} ms, {:+.1} ms over its baseline {:.1} ms",
                ms(now_us),
                ms(up),
                ms(base_us)
            )
        },
        format!(
            "{target}: median {:.1} ms, back near its baseline {:.1} ms",
            ms(now_us),
            ms(base_us)
        ),
        evidence,
        holds.then(|| json!({ "baseline_us": base_us })),
    )
}

fn port_set(v: Option<&Value>) -> Option<BTreeSet<u16>> {
    Some(
        v?.as_array()?
            .iter()
            .filter_map(|p| p.as_u64().and_then(|p| u16::try_from(p).ok()))
            .collect(),
    )
}

fn list<T: std::fmt::Display>(items: impl IntoIterator<Item = T>) -> String {
    items
        .into_iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn ports(
    preset: Preset,
    result: &ProbeResult,
    target: &str,
    reference: Option<&Value>,
) -> Observation {
    let ProbeResult::Scan(s) = result else {
        return Observation::unknown();
    };
    if s.error.is_some() {
        return Observation::unknown();
    }
    let open: BTreeSet<u16> = s.open.iter().copied().collect();
    let Some(known) = port_set(reference) else {
        return clear(format!("{target}: open {}", list(&open)), json!(open));
    };
    if preset == Preset::PortClosed {
        let closed: Vec<u16> = known.difference(&open).copied().collect();
        let evidence = json!({ "closed": closed, "expected": known, "open": open });
        if closed.is_empty() {
            return Observation {
                verdict: Verdict::Clear,
                summary: format!("{target}: every expected port is open again"),
                evidence,
                reference: Some(json!(open)),
            };
        }
        return Observation {
            verdict: Verdict::Holds,
            summary: format!("{target}: port {} closed", list(&closed)),
            evidence,
            reference: Some(json!(known)),
        };
    }
    let opened: Vec<u16> = open.difference(&known).copied().collect();
    if opened.is_empty() {
        return clear(format!("{target}: no new port"), json!(open));
    }
    Observation {
        verdict: Verdict::Holds,
        summary: format!("{target}: port {} opened", list(&opened)),
        evidence: json!({ "opened": opened, "before": known, "open": open }),
        reference: Some(json!(open)),
    }
}

/// A change preset's observation that does not count: `reference` is what is known now.
fn clear(summary: String, reference: Value) -> Observation {
    Observation {
        verdict: Verdict::Clear,
        summary,
        evidence: Value::Null,
        reference: Some(reference),
    }
}

fn dns(result: &ProbeResult, target: &str, reference: Option<&Value>) -> Observation {
    let ProbeResult::Dns(d) = result else {
        return Observation::unknown();
    };
    if d.error.is_some() || d.rcode.is_none() {
        return Observation::unknown();
    }
    let mut answers = d.answers.clone();
    answers.sort();
    let now = json!({ "rcode": d.rcode, "answers": answers });
    match reference {
        Some(before) if *before != now => {
            let show = |v: &Value| {
                let a: Vec<&str> = v["answers"]
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                format!(
                    "{} {}",
                    v["rcode"].as_str().unwrap_or("?"),
                    if a.is_empty() {
                        "(no answers)".into()
                    } else {
                        a.join(" ")
                    }
                )
            };
            Observation {
                verdict: Verdict::Holds,
                summary: format!("{target}: {} → {}", show(before), show(&now)),
                evidence: json!({ "before": before, "after": now }),
                reference: Some(now),
            }
        }
        _ => clear(format!("{target}: answers as before"), now),
    }
}

/// A trace's path: the addresses that answered at each TTL.
type Path = BTreeMap<u8, BTreeSet<String>>;

fn path_of(v: &Value) -> Path {
    v.as_object()
        .map(|o| {
            o.iter()
                .filter_map(|(ttl, addrs)| {
                    Some((
                        ttl.parse().ok()?,
                        addrs
                            .as_array()?
                            .iter()
                            .filter_map(|a| a.as_str().map(str::to_string))
                            .collect(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn path_json(p: &Path) -> Value {
    Value::Object(
        p.iter()
            .map(|(ttl, addrs)| (ttl.to_string(), json!(addrs)))
            .collect(),
    )
}

fn path(result: &ProbeResult, target: &str, reference: Option<&Value>) -> Observation {
    let ProbeResult::Trace(t) = result else {
        return Observation::unknown();
    };
    if t.error.is_some() {
        return Observation::unknown();
    }
    let now: Path = t
        .hops
        .iter()
        .filter(|h| !h.addrs.is_empty())
        .map(|h| (h.ttl, h.addrs.iter().map(|a| a.to_string()).collect()))
        .collect();
    let known = reference.map(path_of).unwrap_or_default();
    // A hop moved when every address that answered at its TTL is new there (an ECMP sibling
    // already seen is not a move; a TTL that never answered before teaches, not moves).
    let moved: Vec<u8> = now
        .iter()
        .filter(|(ttl, addrs)| {
            known
                .get(ttl)
                .is_some_and(|k| !k.is_empty() && k.is_disjoint(addrs))
        })
        .map(|(ttl, _)| *ttl)
        .collect();
    if moved.is_empty() || reference.is_none() {
        let mut learnt = known;
        for (ttl, addrs) in &now {
            let k = learnt.entry(*ttl).or_default();
            for a in addrs {
                if k.len() < MAX_LEARNT {
                    k.insert(a.clone());
                }
            }
        }
        return clear(format!("{target}: path as known"), path_json(&learnt));
    }
    let first = moved[0];
    let show = |p: &Path| {
        p.get(&first).map_or("*".into(), |a| {
            a.iter().cloned().collect::<Vec<_>>().join("|")
        })
    };
    Observation {
        verdict: Verdict::Holds,
        summary: format!(
            "{target}: path changed at hop {first}: {} → {}",
            show(&known),
            show(&now)
        ),
        evidence: json!({ "before": path_json(&known), "after": path_json(&now), "moved": moved }),
        reference: Some(path_json(&now)),
    }
}

fn names(v: Option<&Value>) -> Option<BTreeSet<String>> {
    Some(
        v?.as_array()?
            .iter()
            .filter_map(|n| n.as_str().map(str::to_string))
            .collect(),
    )
}

fn interfaces(result: &ProbeResult, target: &str, reference: Option<&Value>) -> Observation {
    let ProbeResult::Snmp(s) = result else {
        return Observation::unknown();
    };
    if s.error.is_some() || s.interfaces.is_empty() {
        return Observation::unknown();
    }
    let name = |i: &wirescope_probe::result::Interface| {
        if i.name.is_empty() {
            i.descr.clone()
        } else {
            i.name.clone()
        }
    };
    let up: BTreeSet<String> = s
        .interfaces
        .iter()
        .filter(|i| i.oper == "up")
        .map(name)
        .collect();
    let Some(known) = names(reference) else {
        return clear(format!("{target}: {} up", up.len()), json!(up));
    };
    let down: Vec<Value> = known
        .difference(&up)
        .map(|n| {
            let i = s.interfaces.iter().find(|i| name(i) == *n);
            json!({
                "name": n,
                "oper": i.map_or("absent", |i| i.oper.as_str()),
                "admin": i.map(|i| i.admin.as_str()),
            })
        })
        .collect();
    if down.is_empty() {
        return Observation {
            verdict: Verdict::Clear,
            summary: format!("{target}: every interface that was up is up"),
            evidence: json!({ "down": down }),
            reference: Some(json!(up)),
        };
    }
    Observation {
        verdict: Verdict::Holds,
        summary: format!(
            "{target}: interface {} down",
            list(down.iter().filter_map(|d| d["name"].as_str()))
        ),
        evidence: json!({ "down": down }),
        reference: Some(json!(known)),
    }
}

fn neighbors(
    preset: Preset,
    result: &ProbeResult,
    target: &str,
    reference: Option<&Value>,
) -> Observation {
    let ProbeResult::Snmp(s) = result else {
        return Observation::unknown();
    };
    if s.error.is_some() {
        return Observation::unknown();
    }
    let now: BTreeSet<String> = s
        .neighbors
        .iter()
        .map(|n| {
            format!(
                "{} → {} {}",
                n.local_port,
                n.remote_name
                    .as_deref()
                    .or(n.chassis_id.as_deref())
                    .unwrap_or("?"),
                n.remote_port.as_deref().unwrap_or("")
            )
            .trim_end()
            .to_string()
        })
        .collect();
    let Some(known) = names(reference) else {
        return clear(format!("{target}: {} neighbours", now.len()), json!(now));
    };
    if preset == Preset::NeighborGone {
        let gone: Vec<&String> = known.difference(&now).collect();
        let evidence = json!({ "gone": gone, "now": now });
        return if gone.is_empty() {
            Observation {
                verdict: Verdict::Clear,
                summary: format!("{target}: every neighbour is back"),
                evidence,
                reference: Some(json!(now)),
            }
        } else {
            Observation {
                verdict: Verdict::Holds,
                summary: format!("{target}: neighbour gone: {}", list(&gone)),
                evidence,
                reference: Some(json!(known)),
            }
        };
    }
    let new: Vec<&String> = now.difference(&known).collect();
    if new.is_empty() {
        return clear(format!("{target}: no new neighbour"), json!(now));
    }
    Observation {
        verdict: Verdict::Holds,
        summary: format!("{target}: new neighbour: {}", list(&new)),
        evidence: json!({ "new": new, "now": now }),
        reference: Some(json!(now)),
    }
}

/// The output with the lines `ignore` matches left out.
pub fn normalise(text: &str, ignore: Option<&regex::RegexSet>) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        if ignore.is_some_and(|set| set.is_match(line)) {
            continue;
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn output(
    result: &ProbeResult,
    target: &str,
    reference: Option<&Value>,
    ignore: Option<&regex::RegexSet>,
) -> Observation {
    let ProbeResult::Ssh(s) = result else {
        return Observation::unknown();
    };
    if s.error.is_some() {
        return Observation::unknown();
    }
    // A kept backup says itself whether the device's configuration changed since its previous
    // version, without the platform's self-changing lines: no pattern is needed.
    if let Some(c) = s
        .config
        .as_ref()
        .filter(|c| c.action == "backup" && c.changed.is_some())
    {
        return backup(target, c);
    }
    let now = normalise(&s.stdout, ignore);
    let Some(before) = reference.and_then(Value::as_str) else {
        return clear(format!("{target}: output kept"), json!(now));
    };
    if before == now {
        return clear(format!("{target}: output as before"), json!(now));
    }
    let diff = similar::TextDiff::from_lines(before, now.as_str());
    let (mut added, mut removed) = (0, 0);
    for change in diff.iter_all_changes() {
        match change.tag() {
            similar::ChangeTag::Insert => added += 1,
            similar::ChangeTag::Delete => removed += 1,
            similar::ChangeTag::Equal => {}
        }
    }
    let (text, truncated) = bounded(
        diff.unified_diff()
            .context_radius(3)
            .header("before", "after")
            .to_string(),
    );
    Observation {
        verdict: Verdict::Holds,
        summary: format!(
            "{target}: `{}` output changed (+{added} -{removed} lines)",
            s.command
        ),
        evidence: json!({
            "command": s.command,
            "diff": text,
            "added": added,
            "removed": removed,
            "truncated": truncated,
        }),
        reference: Some(json!(now)),
    }
}

/// A diff cut to [`MAX_DIFF`] bytes (at a character's boundary), and whether it was.
fn bounded(mut text: String) -> (String, bool) {
    let truncated = text.len() > MAX_DIFF;
    if truncated {
        let mut cut = MAX_DIFF;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    (text, truncated)
}

/// A kept backup's verdict: holds when it is a new version.
fn backup(target: &str, c: &wirescope_probe::result::ConfigResult) -> Observation {
    let version = c.version.unwrap_or_default();
    if c.changed != Some(true) {
        return clear(
            format!("{target}: configuration as before (version {version})"),
            json!(version),
        );
    }
    let diff = c.diff.clone().unwrap_or_default();
    let count = |sign: char, head: &str| {
        diff.lines()
            .filter(|l| l.starts_with(sign) && !l.starts_with(head))
            .count()
    };
    let (added, removed) = (count('+', "+++"), count('-', "---"));
    let (text, truncated) = bounded(diff);
    Observation {
        verdict: Verdict::Holds,
        summary: format!(
            "{target}: configuration changed, version {version} (+{added} -{removed} lines)"
        ),
        evidence: json!({
            "version": version,
            "diff": text,
            "added": added,
            "removed": removed,
            "truncated": truncated,
        }),
        reference: Some(json!(version)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::IpAddr;
    use wirescope_probe::result::{DnsResult, Hop, PingResult, ScanResult, SshResult, TraceResult};

    fn rule(preset: &str) -> AlertRule {
        serde_json::from_value(json!({ "preset": preset })).unwrap()
    }

    fn ping(rtts: &[Option<f64>]) -> ProbeResult {
        let received = rtts.iter().flatten().count() as u32;
        ProbeResult::Ping(PingResult {
            target: "198.18.0.1".into(),
            alive: received > 0,
            sent: rtts.len() as u32,
            received,
            rtts_ms: rtts.to_vec(),
            ..Default::default()
        })
    }

    #[test]
    fn latency_up_needs_both_thresholds_and_keeps_the_baseline_it_fired_against() {
        let r = rule("latency_up");
        let base = Baseline::of(&[(1, 10_000), (2, 11_000), (3, 9_000)]);
        assert_eq!(base.median_us, Some(10_000));
        // +15 ms and +150%: holds.
        let o = observe(&r, &ping(&[Some(25.0)]), None, &base, None);
        assert_eq!(o.verdict, Verdict::Holds, "{o:?}");
        assert_eq!(
            o.summary,
            "198.18.0.1: median 25.0 ms, +15.0 ms over its baseline 10.0 ms"
        );
        assert_eq!(o.reference, Some(json!({ "baseline_us": 10_000 })));
        assert_eq!(o.evidence["recent"].as_array().map(Vec::len), Some(3));
        // +5 ms is under the absolute threshold.
        assert_eq!(
            observe(&r, &ping(&[Some(15.0)]), None, &base, None).verdict,
            Verdict::Clear
        );
        // On a 100 ms path, +20 ms is under 50%.
        let slow = Baseline::of(&[(1, 100_000), (2, 100_000), (3, 100_000)]);
        assert_eq!(
            observe(&r, &ping(&[Some(120.0)]), None, &slow, None).verdict,
            Verdict::Clear
        );
        // While it holds, the window having caught up does not clear it.
        let caught_up = Baseline::of(&[(1, 25_000), (2, 25_000), (3, 25_000)]);
        let frozen = json!({ "baseline_us": 10_000 });
        assert_eq!(
            observe(&r, &ping(&[Some(25.0)]), Some(&frozen), &caught_up, None).verdict,
            Verdict::Holds
        );
        // Too few samples, or nothing answered: no verdict.
        let thin = Baseline::of(&[(1, 10_000)]);
        assert_eq!(
            observe(&r, &ping(&[Some(99.0)]), None, &thin, None).verdict,
            Verdict::Unknown
        );
        assert_eq!(
            observe(&r, &ping(&[None]), None, &base, None).verdict,
            Verdict::Unknown
        );
    }

    #[test]
    fn down_and_loss_read_every_kind_they_apply_to() {
        let o = observe(
            &rule("down"),
            &ping(&[None, None]),
            None,
            &Baseline::default(),
            None,
        );
        assert_eq!(
            (o.verdict, o.summary.as_str()),
            (Verdict::Holds, "198.18.0.1 is down: all 2 echoes lost")
        );
        let o = observe(
            &rule("loss_up"),
            &ping(&[None, Some(1.0), Some(1.0), Some(1.0), Some(1.0)]),
            None,
            &Baseline::default(),
            None,
        );
        assert_eq!(
            (o.verdict, o.evidence["loss_pct"].as_f64()),
            (Verdict::Holds, Some(20.0))
        );
        let servfail = ProbeResult::Dns(DnsResult {
            target: "lab".into(),
            name: "a.lab".into(),
            rtype: "A".into(),
            rcode: Some("SERVFAIL".into()),
            ..Default::default()
        });
        assert_eq!(
            down(&servfail).as_deref(),
            Some("the server answered SERVFAIL")
        );
        let all_filtered = ProbeResult::Scan(ScanResult {
            target: "h".into(),
            filtered: 3,
            ..Default::default()
        });
        assert_eq!(
            down(&all_filtered).as_deref(),
            Some("no port answered (3 filtered)")
        );
    }

    fn scan(open: &[u16]) -> ProbeResult {
        ProbeResult::Scan(ScanResult {
            target: "h".into(),
            open: open.to_vec(),
            closed: 10,
            ..Default::default()
        })
    }

    #[test]
    fn ports_closed_hold_until_they_open_and_new_ports_are_told_once() {
        let closed = rule("port_closed");
        let first = observe(&closed, &scan(&[22, 80]), None, &Baseline::default(), None);
        assert_eq!(
            (first.verdict, first.reference.clone()),
            (Verdict::Clear, Some(json!([22, 80])))
        );
        let o = observe(
            &closed,
            &scan(&[22]),
            first.reference.as_ref(),
            &Baseline::default(),
            None,
        );
        assert_eq!(
            (o.verdict, o.summary.as_str()),
            (Verdict::Holds, "h: port 80 closed")
        );
        assert_eq!(o.reference, Some(json!([22, 80])), "what is expected stays");
        let back = observe(
            &closed,
            &scan(&[22, 80, 443]),
            o.reference.as_ref(),
            &Baseline::default(),
            None,
        );
        assert_eq!(
            (back.verdict, back.reference),
            (Verdict::Clear, Some(json!([22, 80, 443])))
        );
        let opened = rule("port_opened");
        let o = observe(
            &opened,
            &scan(&[22, 8080]),
            Some(&json!([22, 80])),
            &Baseline::default(),
            None,
        );
        assert_eq!(
            (o.verdict, o.summary.as_str()),
            (Verdict::Holds, "h: port 8080 opened")
        );
        assert_eq!(
            observe(
                &opened,
                &scan(&[22]),
                Some(&json!([22, 80])),
                &Baseline::default(),
                None
            )
            .verdict,
            Verdict::Clear,
            "a close is port_closed's business"
        );
    }

    fn trace(hops: &[&[&str]]) -> ProbeResult {
        ProbeResult::Trace(TraceResult {
            target: "t".into(),
            reached: true,
            hops: hops
                .iter()
                .enumerate()
                .map(|(i, addrs)| Hop {
                    ttl: i as u8 + 1,
                    addrs: addrs.iter().map(|a| a.parse::<IpAddr>().unwrap()).collect(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        })
    }

    #[test]
    fn a_path_change_is_a_hop_moving_to_addresses_never_seen_at_its_ttl() {
        let r = rule("path_changed");
        let b = Baseline::default();
        // Two ECMP branches at hop 2, seen over two runs: learnt, never a change.
        let a = observe(
            &r,
            &trace(&[&["10.0.0.1"], &["10.1.0.1"], &["10.9.0.9"]]),
            None,
            &b,
            None,
        );
        assert_eq!(a.verdict, Verdict::Clear);
        let o = observe(
            &r,
            &trace(&[&["10.0.0.1"], &["10.2.0.1"], &["10.9.0.9"]]),
            a.reference.as_ref(),
            &b,
            None,
        );
        assert_eq!(
            o.verdict,
            Verdict::Holds,
            "a sibling never seen before moves the hop"
        );
        let both = observe(
            &r,
            &trace(&[&["10.0.0.1"], &["10.1.0.1", "10.2.0.1"], &["10.9.0.9"]]),
            None,
            &b,
            None,
        );
        for seen in [&["10.1.0.1"][..], &["10.2.0.1"], &["10.1.0.1", "10.2.0.1"]] {
            let o = observe(
                &r,
                &trace(&[&["10.0.0.1"], seen, &["10.9.0.9"]]),
                both.reference.as_ref(),
                &b,
                None,
            );
            assert_eq!(o.verdict, Verdict::Clear, "{seen:?}");
        }
        // A timeout teaches nothing and moves nothing; a new router does.
        let gap = observe(
            &r,
            &trace(&[&["10.0.0.1"], &[], &["10.9.0.9"]]),
            both.reference.as_ref(),
            &b,
            None,
        );
        assert_eq!(gap.verdict, Verdict::Clear);
        let moved = observe(
            &r,
            &trace(&[&["10.0.0.1"], &["10.3.0.1"], &["10.9.0.9"]]),
            both.reference.as_ref(),
            &b,
            None,
        );
        assert_eq!(
            moved.summary,
            "t: path changed at hop 2: 10.1.0.1|10.2.0.1 → 10.3.0.1"
        );
        assert_eq!(moved.evidence["moved"], json!([2]));
        // A shorter path puts the destination where a router was.
        let short = observe(
            &r,
            &trace(&[&["10.0.0.1"], &["10.9.0.9"]]),
            both.reference.as_ref(),
            &b,
            None,
        );
        assert_eq!(short.verdict, Verdict::Holds);
    }

    #[test]
    fn histories_keep_paths_ports_and_answers_in_one_shape() {
        let t = trace(&[&["10.0.0.1"], &[], &["10.9.0.9"]]);
        assert_eq!(
            shown(&t),
            Some(json!({"reached": true, "hops": {"1": ["10.0.0.1"], "3": ["10.9.0.9"]}}))
        );
        assert_eq!(shown(&scan(&[443, 22])), Some(json!({"open": [22, 443]})));
        assert_eq!(shown(&ping(&[Some(1.0)])), None);
    }

    #[test]
    fn dns_answers_are_compared_as_sets_with_their_code() {
        let r = rule("dns_changed");
        let q = |rcode: &str, answers: &[&str]| {
            ProbeResult::Dns(DnsResult {
                target: "www.lab".into(),
                name: "www.lab".into(),
                rtype: "A".into(),
                rcode: Some(rcode.into()),
                answers: answers.iter().map(|a| a.to_string()).collect(),
                ..Default::default()
            })
        };
        let b = Baseline::default();
        let first = observe(&r, &q("NOERROR", &["10.0.0.2", "10.0.0.1"]), None, &b, None);
        let same = observe(
            &r,
            &q("NOERROR", &["10.0.0.1", "10.0.0.2"]),
            first.reference.as_ref(),
            &b,
            None,
        );
        assert_eq!(
            same.verdict,
            Verdict::Clear,
            "round-robin order is no change"
        );
        let o = observe(&r, &q("NXDOMAIN", &[]), first.reference.as_ref(), &b, None);
        assert_eq!(
            o.summary,
            "www.lab A: NOERROR 10.0.0.1 10.0.0.2 → NXDOMAIN (no answers)"
        );
    }

    #[test]
    fn a_kept_backup_says_itself_whether_the_configuration_changed() {
        use wirescope_probe::result::ConfigResult;
        let r = rule("output_changed");
        let kept = |changed, diff: Option<&str>| {
            ProbeResult::Ssh(SshResult {
                target: "r1".into(),
                stdout: "hostname r1\n! clock moved".into(),
                config: Some(ConfigResult {
                    action: "backup".into(),
                    version: Some(7),
                    changed,
                    diff: diff.map(str::to_string),
                    ..ConfigResult::default()
                }),
                ..Default::default()
            })
        };
        let b = Baseline::default();
        let same = observe(&r, &kept(Some(false), None), None, &b, None);
        assert_eq!(same.verdict, Verdict::Clear);
        assert_eq!(same.summary, "r1: configuration as before (version 7)");
        let diff =
            "--- version 6\n+++ version 7\n@@ -1 +1,2 @@\n hostname r1\n+ntp server 10.0.0.1\n";
        let o = observe(&r, &kept(Some(true), Some(diff)), None, &b, None);
        assert_eq!(o.verdict, Verdict::Holds);
        assert_eq!(
            o.summary,
            "r1: configuration changed, version 7 (+1 -0 lines)"
        );
        assert_eq!(o.evidence["diff"], diff);
    }

    #[test]
    fn output_changes_ignore_matching_lines_and_carry_a_diff() {
        let r: AlertRule = serde_json::from_value(json!({
            "preset": "output_changed",
            "ignore": ["^! Last configuration change", "uptime is"]
        }))
        .unwrap();
        let set = r.ignore_set().unwrap();
        let ssh = |out: &str| {
            ProbeResult::Ssh(SshResult {
                target: "r1".into(),
                command: "show running-config".into(),
                stdout: out.into(),
                ..Default::default()
            })
        };
        let b = Baseline::default();
        let first = observe(
            &r,
            &ssh("! Last configuration change at 09:00\nhostname r1\nuptime is 3 days\n"),
            None,
            &b,
            Some(&set),
        );
        let same = observe(
            &r,
            &ssh("! Last configuration change at 10:00\nhostname r1\nuptime is 4 days\n"),
            first.reference.as_ref(),
            &b,
            Some(&set),
        );
        assert_eq!(same.verdict, Verdict::Clear);
        let o = observe(
            &r,
            &ssh("hostname r1\nntp server 10.0.0.1\n"),
            first.reference.as_ref(),
            &b,
            Some(&set),
        );
        assert_eq!(
            o.summary,
            "r1: `show running-config` output changed (+1 -0 lines)"
        );
        assert_eq!(
            o.evidence["diff"].as_str().unwrap(),
            "--- before\n+++ after\n@@ -1 +1,2 @@\n hostname r1\n+ntp server 10.0.0.1\n"
        );
    }
}
