//! Comparing two runs of one kind target by target: who became dead or alive, RTT shifts, ports
//! opened or closed, DNS answers or codes that changed, paths that changed, SSH command outputs
//! and exit statuses that changed.

use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

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

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub changes: Vec<Change>,
    pub unchanged: usize,
}

/// Two runs of one kind compared target by target.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Comparison {
    /// The earlier run.
    pub a: i64,
    /// The later run.
    pub b: i64,
    pub kind: wirescope_probe::ProbeKind,
    /// In run b's order, then targets only in a.
    pub changes: Vec<Change>,
    /// Targets present in both with no change.
    pub unchanged: usize,
}

/// An RTT change counts when it is both above 1 ms and above half the earlier value.
const RTT_ABS_MS: f64 = 1.0;
const RTT_REL: f64 = 0.5;

fn key(r: &Value) -> String {
    let t = r["target"].as_str().unwrap_or_default();
    match r["type"].as_str() {
        Some(ty) => format!("{t} {ty}"),
        None => t.to_string(),
    }
}

fn text(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_string)
}

/// Compares the results of two runs of `kind`, in the order of run B (then targets only in A).
pub fn compare(kind: &str, a: &[Value], b: &[Value]) -> Report {
    let before: HashMap<String, &Value> = a.iter().map(|r| (key(r), r)).collect();
    let after_keys: BTreeSet<String> = b.iter().map(key).collect();
    let mut changes = Vec::new();
    let mut unchanged = 0;
    for new in b {
        let k = key(new);
        let Some(old) = before.get(&k) else {
            changes.push(Change {
                target: k,
                change: ChangeType::Added,
                before: String::new(),
                after: describe(kind, new),
                detail: "only in the second run".into(),
            });
            continue;
        };
        let found = diff(kind, &k, old, new);
        if found.is_empty() {
            unchanged += 1;
        }
        changes.extend(found);
    }
    for old in a {
        let k = key(old);
        if !after_keys.contains(&k) {
            changes.push(Change {
                target: k,
                change: ChangeType::Removed,
                before: describe(kind, old),
                after: String::new(),
                detail: "only in the first run".into(),
            });
        }
    }
    Report { changes, unchanged }
}

fn describe(kind: &str, r: &Value) -> String {
    match kind {
        "ping" if r["alive"] == true => format!("alive {} ms", r["rtt_ms"]["avg"]),
        "ping" => "dead".into(),
        "scan" => format!(
            "open {}",
            ports(r)
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(",")
        ),
        "dns" => format!("{} {}", text(&r["rcode"]), answers(r).join(", ")),
        "trace" => path(r).join(" > "),
        "ssh" => match (&r["error"], r["exit_status"].as_u64()) {
            (Value::String(e), _) => format!("failed: {e}"),
            (_, Some(n)) => format!(
                "exit {n}, {} lines",
                r["stdout"].as_str().unwrap_or_default().lines().count()
            ),
            _ => "no exit status".into(),
        },
        _ => r.to_string(),
    }
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

fn ports(r: &Value) -> BTreeSet<u64> {
    r["open"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default()
}

fn answers(r: &Value) -> Vec<String> {
    let mut v: Vec<String> = r["answers"]
        .as_array()
        .map(|a| a.iter().map(text).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn path(r: &Value) -> Vec<String> {
    r["hops"]
        .as_array()
        .map(|h| {
            h.iter()
                .map(|hop| {
                    if hop["addr"].is_null() {
                        "*".into()
                    } else {
                        text(&hop["addr"])
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

fn diff(kind: &str, target: &str, old: &Value, new: &Value) -> Vec<Change> {
    let mk = |change: ChangeType, before: String, after: String, detail: String| Change {
        target: target.to_string(),
        change,
        before,
        after,
        detail,
    };
    let mut out = Vec::new();
    match kind {
        "ssh" => {
            if old["exit_status"] != new["exit_status"] || old["error_kind"] != new["error_kind"] {
                out.push(mk(
                    ChangeType::ExitChanged,
                    describe(kind, old),
                    describe(kind, new),
                    text(&new["error"]),
                ));
            }
            let (x, y) = (
                old["stdout"].as_str().unwrap_or_default(),
                new["stdout"].as_str().unwrap_or_default(),
            );
            if x != y {
                let (added, removed) = line_changes(x, y);
                out.push(mk(
                    ChangeType::OutputChanged,
                    describe(kind, old),
                    describe(kind, new),
                    format!("+{added} -{removed} lines"),
                ));
            }
        }
        "ping" => match (old["alive"] == true, new["alive"] == true) {
            (true, false) => out.push(mk(
                ChangeType::BecameDead,
                describe(kind, old),
                describe(kind, new),
                text(&new["error"]),
            )),
            (false, true) => out.push(mk(
                ChangeType::BecameAlive,
                describe(kind, old),
                describe(kind, new),
                String::new(),
            )),
            (true, true) => {
                let (x, y) = (
                    old["rtt_ms"]["avg"].as_f64().unwrap_or(0.0),
                    new["rtt_ms"]["avg"].as_f64().unwrap_or(0.0),
                );
                if (y - x).abs() > RTT_ABS_MS && (y - x).abs() > x * RTT_REL {
                    out.push(mk(
                        ChangeType::RttChanged,
                        format!("{x:.3} ms"),
                        format!("{y:.3} ms"),
                        format!("{:+.3} ms", y - x),
                    ));
                }
            }
            (false, false) => {}
        },
        "scan" => {
            let (x, y) = (ports(old), ports(new));
            let opened: Vec<String> = y.difference(&x).map(u64::to_string).collect();
            let closed: Vec<String> = x.difference(&y).map(u64::to_string).collect();
            if !opened.is_empty() {
                out.push(mk(
                    ChangeType::PortsOpened,
                    describe(kind, old),
                    describe(kind, new),
                    opened.join(","),
                ));
            }
            if !closed.is_empty() {
                out.push(mk(
                    ChangeType::PortsClosed,
                    describe(kind, old),
                    describe(kind, new),
                    closed.join(","),
                ));
            }
        }
        "dns" => {
            if old["rcode"] != new["rcode"] {
                out.push(mk(
                    ChangeType::RcodeChanged,
                    text(&old["rcode"]),
                    text(&new["rcode"]),
                    String::new(),
                ));
            } else if answers(old) != answers(new) {
                out.push(mk(
                    ChangeType::AnswersChanged,
                    answers(old).join(", "),
                    answers(new).join(", "),
                    String::new(),
                ));
            }
        }
        "trace" => {
            if old["reached"] != new["reached"] {
                out.push(mk(
                    ChangeType::ReachedChanged,
                    text(&old["reached"]),
                    text(&new["reached"]),
                    String::new(),
                ));
            }
            if path(old) != path(new) {
                out.push(mk(
                    ChangeType::PathChanged,
                    describe(kind, old),
                    describe(kind, new),
                    String::new(),
                ));
            }
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ssh_outputs_and_exit_statuses() {
        let r = |t: &str, exit: Value, out: &str, err: Value| json!({"kind":"ssh","target":t,"exit_status":exit,"stdout":out,"error":err,"error_kind": if err.is_null() { Value::Null } else { json!("auth") }});
        let a = [
            r("r1", json!(0), "hostname r1\nntp server 1\n", Value::Null),
            r("r2", json!(0), "same\n", Value::Null),
            r("r3", json!(0), "x\n", Value::Null),
        ];
        let b = [
            r(
                "r1",
                json!(0),
                "hostname r1\nntp server 2\nlogging on\n",
                Value::Null,
            ),
            r("r2", json!(0), "same\n", Value::Null),
            r("r3", Value::Null, "", json!("authentication failed")),
        ];
        let rep = compare("ssh", &a, &b);
        assert_eq!(rep.unchanged, 1);
        let r1: Vec<_> = rep.changes.iter().filter(|c| c.target == "r1").collect();
        assert_eq!(r1.len(), 1);
        assert_eq!(
            (r1[0].change, r1[0].detail.as_str()),
            (ChangeType::OutputChanged, "+2 -1 lines")
        );
        assert!(rep.changes.iter().any(|c| c.target == "r3"
            && c.change == ChangeType::ExitChanged
            && c.after.starts_with("failed")));
    }

    fn ping(t: &str, alive: bool, avg: f64) -> Value {
        json!({"kind":"ping","target":t,"alive":alive,"rtt_ms": if alive { json!({"avg": avg}) } else { Value::Null },"error": if alive { Value::Null } else { json!("host unreachable") }})
    }

    #[test]
    fn ping_changes() {
        let a = [
            ping("x", true, 1.0),
            ping("y", false, 0.0),
            ping("z", true, 1.0),
            ping("w", true, 10.0),
            ping("gone", true, 1.0),
        ];
        let b = [
            ping("x", false, 0.0),
            ping("y", true, 0.5),
            ping("z", true, 1.2),
            ping("w", true, 30.0),
            ping("new", true, 1.0),
        ];
        let r = compare("ping", &a, &b);
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
    }

    #[test]
    fn scan_dns_and_trace_changes() {
        let s = |open: &[u64]| json!({"target":"h","open":open});
        let r = compare("scan", &[s(&[22, 80])], &[s(&[22, 443])]);
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
        let d = |rcode: &str, ans: &[&str]| json!({"target":"n","type":"A","rcode":rcode,"answers":ans});
        assert_eq!(
            compare(
                "dns",
                &[d("NOERROR", &["1.1.1.1", "2.2.2.2"])],
                &[d("NOERROR", &["2.2.2.2", "1.1.1.1"])]
            )
            .unchanged,
            1
        );
        assert_eq!(
            compare(
                "dns",
                &[d("NOERROR", &["1.1.1.1"])],
                &[d("NOERROR", &["3.3.3.3"])]
            )
            .changes[0]
                .change,
            ChangeType::AnswersChanged
        );
        assert_eq!(
            compare("dns", &[d("NOERROR", &["1.1.1.1"])], &[d("NXDOMAIN", &[])]).changes[0].change,
            ChangeType::RcodeChanged
        );
        let t = |hop2: &str, reached: bool| json!({"target":"d","reached":reached,"hops":[{"addr":"r1"},{"addr":hop2}]});
        let r = compare("trace", &[t("r2a", true)], &[t("r2b", true)]);
        assert_eq!(
            (r.changes[0].change, r.changes[0].after.as_str()),
            (ChangeType::PathChanged, "r1 > r2b")
        );
        assert_eq!(
            compare("trace", &[t("r2a", true)], &[t("r2a", false)]).changes[0].change,
            ChangeType::ReachedChanged
        );
    }
}
