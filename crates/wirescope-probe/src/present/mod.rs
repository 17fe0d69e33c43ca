//! How each kind's results read outside the live stream, one file per kind: the words a
//! comparison shows, what changed for a target between two runs, the CSV columns and rows, the
//! CLI's table lines and summary counts. Compare, export and the CLI's printer know no kind: they
//! call `ProbeResult`/`ProbeKind` (result.rs), which hand each call to the kind's `Present`.

mod dns;
mod ping;
mod scan;
mod snmp;
mod ssh;
mod trace;

use crate::result::Summary;
use serde::Serialize;
use std::collections::HashMap;
use std::net::IpAddr;

/// Colours for the CLI's human lines (the CLI's palette; plain text when colour is off).
pub trait Paint {
    fn good(&self, text: &str) -> String;
    fn bad(&self, text: &str) -> String;
    fn warn(&self, text: &str) -> String;
    fn dim(&self, text: &str) -> String;
    fn bold(&self, text: &str) -> String;
}

/// Column widths of the CLI's table: the target column and the address column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Widths {
    pub target: usize,
    pub addr: usize,
}

/// What changed for one target between two runs.
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

/// One change a kind finds between a target's earlier and later result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub change: ChangeType,
    pub before: String,
    pub after: String,
    pub detail: String,
}

impl Difference {
    fn new(change: ChangeType, before: String, after: String, detail: String) -> Self {
        Difference {
            change,
            before,
            after,
            detail,
        }
    }
}

/// How one kind's results read. Implemented by each kind's result record, in this directory.
pub trait Present {
    /// The summary's count names, in the order the summary line gives them.
    const COUNTS: &'static [&'static str];
    /// What a run of the kind counts: targets, questions, agents, devices.
    const UNIT: &'static str;
    /// The CSV header.
    const COLUMNS: &'static [&'static str];

    /// The result's identity across runs: its target (DNS adds the question type).
    fn key(&self) -> String;
    /// The result in a few words, as a comparison shows it ("alive 1.203 ms", "open 22,80").
    fn describe(&self) -> String;
    /// What changed from this result to `later`, the same target's in a later run.
    fn changes(&self, later: &Self) -> Vec<Difference>;
    /// Counts the result into the summary through `bump(name, n)`.
    fn tally(&self, bump: &mut dyn FnMut(&'static str, u64));
    /// The summary's counts in words ("3 alive, 1 dead").
    fn counts(summary: &Summary) -> String;
    /// The result's CSV rows (one for most kinds; SNMP one per variable binding).
    fn rows(&self) -> Vec<Vec<String>>;
    /// The CLI table's header line, for kinds printed as one row per result.
    fn header(widths: Widths) -> Option<String>;
    /// The result as the CLI prints it for people (no trailing newline).
    fn lines(&self, widths: Widths, paint: &dyn Paint) -> String;
    /// The result as NDJSON lines, when the kind prints more than its one JSON object.
    fn json_lines(&self) -> Option<String> {
        None
    }
}

/// Items joined by `sep`.
fn join<T: ToString>(items: &[T], sep: &str) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(sep)
}

/// An address for the CLI's table ("-" when none).
fn shown(a: Option<IpAddr>) -> String {
    a.map_or_else(|| "-".to_string(), |a| a.to_string())
}

/// CSV cells: an address (empty when none), a number as the JSON export writes it (`100.0`,
/// `0.25`), an optional value.
fn csv_addr(a: &Option<IpAddr>) -> String {
    a.map(|a| a.to_string()).unwrap_or_default()
}

fn csv_num(f: f64) -> String {
    serde_json::to_string(&f).unwrap_or_default()
}

fn csv_opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// Lines only in `after` and lines only in `before`, counted as multisets (the dashboard shows
/// the ordered diff).
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

#[cfg(test)]
mod tests {
    use crate::result::{
        DnsResult, PingResult, ProbeKind, ProbeResult, ScanResult, SnmpResult, SshResult, Summary,
        TraceResult,
    };

    /// An empty result of every kind, in `ProbeKind::ALL` order.
    fn one_of_each() -> Vec<ProbeResult> {
        vec![
            ProbeResult::Ping(PingResult::default()),
            ProbeResult::Trace(TraceResult::default()),
            ProbeResult::Dns(DnsResult::default()),
            ProbeResult::Scan(ScanResult::default()),
            ProbeResult::Snmp(SnmpResult::default()),
            ProbeResult::Ssh(SshResult::default()),
        ]
    }

    #[test]
    fn every_kind_reads_in_its_own_columns_and_counts() {
        let results = one_of_each();
        assert_eq!(
            results.iter().map(ProbeResult::kind).collect::<Vec<_>>(),
            ProbeKind::ALL
        );
        for r in &results {
            let kind = r.kind();
            for row in r.rows() {
                assert_eq!(row.len(), kind.columns().len(), "{kind}: a row per column");
            }
            let mut s = Summary::new(kind, 1);
            let names: Vec<&str> = s.counts.keys().copied().collect();
            s.add(r);
            assert_eq!(
                s.counts.keys().copied().collect::<Vec<_>>(),
                names,
                "{kind}: a result counts only under the kind's count names"
            );
            let words = kind.counts(&s);
            assert!(
                !words.is_empty() && !kind.unit().is_empty(),
                "{kind}: {words}"
            );
            assert!(
                r.changes(r).is_empty(),
                "{kind}: a result has not changed from itself"
            );
        }
    }

    #[test]
    fn kinds_are_not_compared_across() {
        let results = one_of_each();
        let (ping, trace) = (&results[0], &results[1]);
        assert!(ping.changes(trace).is_empty());
    }
}
