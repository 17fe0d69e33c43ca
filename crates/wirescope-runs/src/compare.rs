//! Two runs of one kind compared target by target: who became dead or alive, RTT shifts, ports
//! opened or closed, DNS answers or codes that changed, paths that changed, SSH command outputs
//! and exit statuses that changed. Works on typed results: a renamed field is a compile error.

use serde::Serialize;
use std::collections::{HashMap, HashSet};
pub use wirescope_probe::present::ChangeType;
use wirescope_probe::{ProbeKind, ProbeResult};

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

/// Compares the results of run `a` with those of run `b` (both of `kind`), in the order of
/// run b, then targets only in a.
pub fn compare(
    (a, before): (i64, &[ProbeResult]),
    (b, after): (i64, &[ProbeResult]),
    kind: ProbeKind,
) -> Comparison {
    let old: HashMap<String, &ProbeResult> = before.iter().map(|r| (r.key(), r)).collect();
    let after_keys: HashSet<String> = after.iter().map(ProbeResult::key).collect();
    let mut changes = Vec::new();
    let mut unchanged = 0;
    for new in after {
        let k = new.key();
        let Some(old) = old.get(&k) else {
            changes.push(Change {
                target: k,
                change: ChangeType::Added,
                before: String::new(),
                after: new.describe(),
                detail: "only in the second run".into(),
            });
            continue;
        };
        let found = old.changes(new);
        if found.is_empty() {
            unchanged += 1;
        }
        changes.extend(found.into_iter().map(|d| Change {
            target: k.clone(),
            change: d.change,
            before: d.before,
            after: d.after,
            detail: d.detail,
        }));
    }
    for gone in before {
        let k = gone.key();
        if !after_keys.contains(&k) {
            changes.push(Change {
                target: k,
                change: ChangeType::Removed,
                before: gone.describe(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::IpAddr;
    use wirescope_probe::result::Hop;
    use wirescope_probe::result::{DnsResult, PingResult, ScanResult, SshResult, TraceResult};
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
