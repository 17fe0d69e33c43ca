//! Two runs of one kind compared target by target: who became dead or alive, RTT shifts, ports
//! opened or closed, DNS answers or codes that changed, paths that changed, SSH command outputs
//! and exit statuses that changed. Works on typed results: a renamed field is a compile error.

use serde::Serialize;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::net::IpAddr;
use wirescope_probe::result::{DnsResult, PingResult, ScanResult, SshResult, TraceResult};
use wirescope_probe::{ProbeKind, ProbeResult};

/// What changed for one target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeType {
    /// ping: answered before, not after.
    BecameDead,
    BecameAlive,
    /// ping: average RTT moved by more than 1 ms and half its earlier value.
    RttChanged,
    PortsOpened,
    PortsClosed,
    AnswersChanged,
    RcodeChanged,
    /// trace: a hop's address differs.
    PathChanged,
    ReachedChanged,
    /// ssh: exit status (or failure) differs.
    ExitChanged,
    OutputChanged,
    /// Only in the second run.
    Added,
    /// Only in the first run.
    Removed,
}

impl ChangeType {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeType::BecameDead => "became_dead",
            ChangeType::BecameAlive => "became_alive",
            ChangeType::RttChanged => "rtt_changed",
            ChangeType::PortsOpened => "ports_opened",
            ChangeType::PortsClosed => "ports_closed",
            ChangeType::AnswersChanged => "answers_changed",
            ChangeType::RcodeChanged => "rcode_changed",
            ChangeType::PathChanged => "path_changed",
            ChangeType::ReachedChanged => "reached_changed",
            ChangeType::ExitChanged => "exit_changed",
            ChangeType::OutputChanged => "output_changed",
            ChangeType::Added => "added",
            ChangeType::Removed => "removed",
        }
    }
}

/// One target's difference between run A (before) and run B (after).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Change {
    /// The target (with the question type for DNS: `name TYPE`).
    pub target: String,
    pub change: ChangeType,
    pub before: String,
    pub after: String,
    pub detail: String,
}

/// Two runs of one kind compared target by target.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Comparison {
    /// The earlier run.
    pub a: i64,
    /// The later run.
    pub b: i64,
    pub kind: ProbeKind,
    /// In run b's order, then targets only in a.
    pub changes: Vec<Change>,
    /// Targets present in both with no change.
    pub unchanged: usize,
}

/// An RTT change counts when it is both above 1 ms and above half the earlier value.
const RTT_ABS_MS: f64 = 1.0;
const RTT_REL: f64 = 0.5;

/// A result's identity across runs: its target (and question type for DNS).
fn key(r: &ProbeResult) -> String {
    match r {
        ProbeResult::Dns(d) => format!("{} {}", d.target, d.rtype),
        other => other.target().to_string(),
    }
}

/// Compares the results of run `a` with those of run `b` (both of `kind`), in the order of
/// run b, then targets only in a.
pub fn compare(
    (a, before): (i64, &[ProbeResult]),
    (b, after): (i64, &[ProbeResult]),
    kind: ProbeKind,
) -> Comparison {
    let old: HashMap<String, &ProbeResult> = before.iter().map(|r| (key(r), r)).collect();
    let after_keys: HashSet<String> = after.iter().map(key).collect();
    let mut changes = Vec::new();
    let mut unchanged = 0;
    for new in after {
        let k = key(new);
        let Some(old) = old.get(&k) else {
            changes.push(Change {
                target: k,
                change: ChangeType::Added,
                before: String::new(),
                after: describe(new),
                detail: "only in the second run".into(),
            });
            continue;
        };
        let found = diff(&k, old, new);
        if found.is_empty() {
            unchanged += 1;
        }
        changes.extend(found);
    }
    for gone in before {
        let k = key(gone);
        if !after_keys.contains(&k) {
            changes.push(Change {
                target: k,
                change: ChangeType::Removed,
                before: describe(gone),
                after: String::new(),
                detail: "only in the first run".into(),
            });
        }
    }
    Comparison {
        a,
        b,
        kind,
        changes,
        unchanged,
    }
}

/// A result in a few words, as the comparison shows it.
pub fn describe(r: &ProbeResult) -> String {
    match r {
        ProbeResult::Ping(p) => match (p.alive, &p.rtt_ms) {
            (true, Some(rtt)) => format!("alive {:.3} ms", rtt.avg),
            (true, None) => "alive".into(),
            (false, _) => "dead".into(),
        },
        ProbeResult::Scan(s) => format!("open {}", join(&s.open, ",")),
        ProbeResult::Dns(d) => format!(
            "{} {}",
            d.rcode.as_deref().unwrap_or(""),
            answers(d).join(", ")
        ),
        ProbeResult::Trace(t) => path(t).join(" > "),
        ProbeResult::Ssh(s) => match (&s.error, s.exit_status) {
            (Some(e), _) => format!("failed: {e}"),
            (None, Some(n)) => format!("exit {n}, {} lines", s.stdout.lines().count()),
            (None, None) => "no exit status".into(),
        },
        ProbeResult::Snmp(s) => match &s.error {
            Some(e) => format!("failed: {e}"),
            None => format!("{} bindings", s.varbinds.len()),
        },
    }
}

fn join<T: ToString>(items: &[T], sep: &str) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(sep)
}

/// Lines only in `after` and lines only in `before`, counted as multisets (the dashboard
/// shows the ordered diff).
fn line_changes(before: &str, after: &str) -> (usize, usize) {
    let mut count: HashMap<&str, i64> = HashMap::new();
    for l in after.lines() {
        *count.entry(l).or_insert(0) += 1;
    }
    for l in before.lines() {
        *count.entry(l).or_insert(0) -= 1;
    }
    let added = count
        .values()
        .filter(|&&n| n > 0)
        .map(|&n| n as usize)
        .sum();
    let removed = count
        .values()
        .filter(|&&n| n < 0)
        .map(|&n| (-n) as usize)
        .sum();
    (added, removed)
}

fn answers(d: &DnsResult) -> Vec<String> {
    let mut v = d.answers.clone();
    v.sort();
    v
}

fn path(t: &TraceResult) -> Vec<String> {
    t.hops
        .iter()
        .map(|h| {
            h.addr
                .as_ref()
                .map_or_else(|| "*".into(), IpAddr::to_string)
        })
        .collect()
}

fn diff(target: &str, old: &ProbeResult, new: &ProbeResult) -> Vec<Change> {
    let mk = |change: ChangeType, before: String, after: String, detail: String| Change {
        target: target.to_string(),
        change,
        before,
        after,
        detail,
    };
    match (old, new) {
        (ProbeResult::Ping(x), ProbeResult::Ping(y)) => ping(x, y, old, new, &mk),
        (ProbeResult::Scan(x), ProbeResult::Scan(y)) => scan(x, y, old, new, &mk),
        (ProbeResult::Dns(x), ProbeResult::Dns(y)) => dns(x, y, &mk),
        (ProbeResult::Trace(x), ProbeResult::Trace(y)) => trace(x, y, old, new, &mk),
        (ProbeResult::Ssh(x), ProbeResult::Ssh(y)) => ssh(x, y, old, new, &mk),
        _ => Vec::new(),
    }
}

type Make<'a> = dyn Fn(ChangeType, String, String, String) -> Change + 'a;

fn ping(
    x: &PingResult,
    y: &PingResult,
    old: &ProbeResult,
    new: &ProbeResult,
    mk: &Make,
) -> Vec<Change> {
    match (x.alive, y.alive) {
        (true, false) => vec![mk(
            ChangeType::BecameDead,
            describe(old),
            describe(new),
            y.error.clone().unwrap_or_default(),
        )],
        (false, true) => vec![mk(
            ChangeType::BecameAlive,
            describe(old),
            describe(new),
            String::new(),
        )],
        (true, true) => {
            let avg = |p: &PingResult| p.rtt_ms.map_or(0.0, |r| r.avg);
            let (a, b) = (avg(x), avg(y));
            if (b - a).abs() > RTT_ABS_MS && (b - a).abs() > a * RTT_REL {
                vec![mk(
                    ChangeType::RttChanged,
                    format!("{a:.3} ms"),
                    format!("{b:.3} ms"),
                    format!("{:+.3} ms", b - a),
                )]
            } else {
                Vec::new()
            }
        }
        (false, false) => Vec::new(),
    }
}

fn scan(
    x: &ScanResult,
    y: &ScanResult,
    old: &ProbeResult,
    new: &ProbeResult,
    mk: &Make,
) -> Vec<Change> {
    let (a, b): (BTreeSet<u16>, BTreeSet<u16>) = (
        x.open.iter().copied().collect(),
        y.open.iter().copied().collect(),
    );
    let opened: Vec<u16> = b.difference(&a).copied().collect();
    let closed: Vec<u16> = a.difference(&b).copied().collect();
    let mut out = Vec::new();
    if !opened.is_empty() {
        out.push(mk(
            ChangeType::PortsOpened,
            describe(old),
            describe(new),
            join(&opened, ","),
        ));
    }
    if !closed.is_empty() {
        out.push(mk(
            ChangeType::PortsClosed,
            describe(old),
            describe(new),
            join(&closed, ","),
        ));
    }
    out
}

fn dns(x: &DnsResult, y: &DnsResult, mk: &Make) -> Vec<Change> {
    if x.rcode != y.rcode {
        vec![mk(
            ChangeType::RcodeChanged,
            x.rcode.clone().unwrap_or_default(),
            y.rcode.clone().unwrap_or_default(),
            String::new(),
        )]
    } else if answers(x) != answers(y) {
        vec![mk(
            ChangeType::AnswersChanged,
            answers(x).join(", "),
            answers(y).join(", "),
            String::new(),
        )]
    } else {
        Vec::new()
    }
}

fn trace(
    x: &TraceResult,
    y: &TraceResult,
    old: &ProbeResult,
    new: &ProbeResult,
    mk: &Make,
) -> Vec<Change> {
    let mut out = Vec::new();
    if x.reached != y.reached {
        out.push(mk(
            ChangeType::ReachedChanged,
            x.reached.to_string(),
            y.reached.to_string(),
            String::new(),
        ));
    }
    if path(x) != path(y) {
        out.push(mk(
            ChangeType::PathChanged,
            describe(old),
            describe(new),
            String::new(),
        ));
    }
    out
}

fn ssh(
    x: &SshResult,
    y: &SshResult,
    old: &ProbeResult,
    new: &ProbeResult,
    mk: &Make,
) -> Vec<Change> {
    let mut out = Vec::new();
    if x.exit_status != y.exit_status || x.error_kind != y.error_kind {
        out.push(mk(
            ChangeType::ExitChanged,
            describe(old),
            describe(new),
            y.error.clone().unwrap_or_default(),
        ));
    }
    if x.stdout != y.stdout {
        let (added, removed) = line_changes(&x.stdout, &y.stdout);
        out.push(mk(
            ChangeType::OutputChanged,
            describe(old),
            describe(new),
            format!("+{added} -{removed} lines"),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use wirescope_probe::result::Hop;
    use wirescope_probe::stats::RttStats;

    fn run(results: &[ProbeResult]) -> (i64, &[ProbeResult]) {
        (1, results)
    }

    fn cmp(kind: ProbeKind, a: &[ProbeResult], b: &[ProbeResult]) -> Comparison {
        compare(run(a), (2, b), kind)
    }

    fn ssh_result(t: &str, exit: Option<u32>, out: &str, err: Option<&str>) -> ProbeResult {
        ProbeResult::Ssh(SshResult {
            target: t.into(),
            exit_status: exit,
            stdout: out.into(),
            error: err.map(Into::into),
            error_kind: err.map(|_| "auth".into()),
            ..Default::default()
        })
    }

    #[test]
    fn ssh_outputs_and_exit_statuses() {
        let a = [
            ssh_result("r1", Some(0), "hostname r1\nntp server 1\n", None),
            ssh_result("r2", Some(0), "same\n", None),
            ssh_result("r3", Some(0), "x\n", None),
        ];
        let b = [
            ssh_result(
                "r1",
                Some(0),
                "hostname r1\nntp server 2\nlogging on\n",
                None,
            ),
            ssh_result("r2", Some(0), "same\n", None),
            ssh_result("r3", None, "", Some("authentication failed")),
        ];
        let rep = cmp(ProbeKind::Ssh, &a, &b);
        assert_eq!(rep.unchanged, 1);
        let r1: Vec<_> = rep.changes.iter().filter(|c| c.target == "r1").collect();
        assert_eq!(r1.len(), 1);
        assert_eq!(
            (r1[0].change, r1[0].detail.as_str()),
            (ChangeType::OutputChanged, "+2 -1 lines")
        );
        assert!(rep.changes.iter().any(|c| c.target == "r3"
            && c.change == ChangeType::ExitChanged
            && c.after == "failed: authentication failed"));
    }

    fn ping_result(t: &str, alive: bool, avg: f64) -> ProbeResult {
        ProbeResult::Ping(PingResult {
            target: t.into(),
            alive,
            rtt_ms: alive.then_some(RttStats {
                avg,
                ..Default::default()
            }),
            error: (!alive).then(|| "host unreachable".into()),
            ..Default::default()
        })
    }

    #[test]
    fn ping_changes() {
        let a = [
            ping_result("x", true, 1.0),
            ping_result("y", false, 0.0),
            ping_result("z", true, 1.0),
            ping_result("w", true, 10.0),
            ping_result("gone", true, 1.0),
        ];
        let b = [
            ping_result("x", false, 0.0),
            ping_result("y", true, 0.5),
            ping_result("z", true, 1.2),
            ping_result("w", true, 30.0),
            ping_result("new", true, 1.0),
        ];
        let r = cmp(ProbeKind::Ping, &a, &b);
        let kinds: Vec<(&str, ChangeType)> = r
            .changes
            .iter()
            .map(|c| (c.target.as_str(), c.change))
            .collect();
        assert_eq!(
            kinds,
            [
                ("x", ChangeType::BecameDead),
                ("y", ChangeType::BecameAlive),
                ("w", ChangeType::RttChanged),
                ("new", ChangeType::Added),
                ("gone", ChangeType::Removed)
            ]
        );
        assert_eq!(r.unchanged, 1, "z moved by 0.2 ms: not a change");
        assert_eq!(r.changes[2].detail, "+20.000 ms");
        assert_eq!(r.changes[0].detail, "host unreachable");
        assert_eq!(
            (r.changes[1].before.as_str(), r.changes[1].after.as_str()),
            ("dead", "alive 0.500 ms")
        );
    }

    #[test]
    fn scan_dns_and_trace_changes() {
        let s = |open: &[u16]| {
            ProbeResult::Scan(ScanResult {
                target: "h".into(),
                open: open.to_vec(),
                ..Default::default()
            })
        };
        let r = cmp(ProbeKind::Scan, &[s(&[22, 80])], &[s(&[22, 443])]);
        let got: Vec<(ChangeType, &str)> = r
            .changes
            .iter()
            .map(|c| (c.change, c.detail.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (ChangeType::PortsOpened, "443"),
                (ChangeType::PortsClosed, "80")
            ]
        );
        let d = |rcode: &str, ans: &[&str]| {
            ProbeResult::Dns(DnsResult {
                target: "n".into(),
                rtype: "A".into(),
                rcode: Some(rcode.into()),
                answers: ans.iter().map(|a| a.to_string()).collect(),
                ..Default::default()
            })
        };
        let dns_cmp = |a, b| cmp(ProbeKind::Dns, &[a], &[b]);
        assert_eq!(
            dns_cmp(
                d("NOERROR", &["1.1.1.1", "2.2.2.2"]),
                d("NOERROR", &["2.2.2.2", "1.1.1.1"])
            )
            .unchanged,
            1
        );
        let answers = dns_cmp(d("NOERROR", &["1.1.1.1"]), d("NOERROR", &["3.3.3.3"]));
        assert_eq!(
            (
                answers.changes[0].target.as_str(),
                answers.changes[0].change
            ),
            ("n A", ChangeType::AnswersChanged)
        );
        assert_eq!(
            dns_cmp(d("NOERROR", &["1.1.1.1"]), d("NXDOMAIN", &[])).changes[0].change,
            ChangeType::RcodeChanged
        );
        let hop = |a: [u8; 4]| Hop {
            ttl: 1,
            addr: Some(IpAddr::from(a)),
            ..Default::default()
        };
        let t = |second: [u8; 4], reached: bool| {
            ProbeResult::Trace(TraceResult {
                target: "d".into(),
                reached,
                hops: vec![hop([198, 18, 0, 1]), hop(second), Hop::default()],
                ..Default::default()
            })
        };
        let r = cmp(
            ProbeKind::Trace,
            &[t([198, 18, 1, 1], true)],
            &[t([198, 18, 2, 1], true)],
        );
        assert_eq!(
            (r.changes[0].change, r.changes[0].after.as_str()),
            (ChangeType::PathChanged, "198.18.0.1 > 198.18.2.1 > *")
        );
        assert_eq!(
            cmp(
                ProbeKind::Trace,
                &[t([198, 18, 1, 1], true)],
                &[t([198, 18, 1, 1], false)]
            )
            .changes[0]
                .change,
            ChangeType::ReachedChanged
        );
    }
}
