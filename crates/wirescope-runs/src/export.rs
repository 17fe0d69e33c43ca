//! A run's results for other tools: CSV (RFC 4180, CRLF line ends, one row per result with the
//! columns of its kind; SNMP one row per variable binding) and JSON (`{run, results}`); and the
//! typed results of a stored run, read back.

use serde::Serialize;
use std::net::IpAddr;
use wirescope_probe::ProbeKind;
use wirescope_probe::ProbeResult;
use wirescope_probe::result::{
    DnsResult, PingResult, ScanResult, SnmpResult, SshResult, TraceResult,
};
use wirescope_store::{RunInfo, Store, StoreError};

/// Why a stored run cannot be read back.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("no run {0}")]
    NotFound(i64),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("run {run}: stored result {seq} is not a {kind} result: {source}")]
    Damaged {
        run: i64,
        seq: i64,
        kind: ProbeKind,
        source: serde_json::Error,
    },
}

/// A stored run and its results, typed.
pub fn load(store: &Store, id: i64) -> Result<(RunInfo, Vec<ProbeResult>), LoadError> {
    let run = store.run(id)?.ok_or(LoadError::NotFound(id))?;
    let results = store
        .results(id, 0)?
        .into_iter()
        .map(|(seq, raw)| {
            serde_json::from_str(raw.get()).map_err(|source| LoadError::Damaged {
                run: id,
                seq,
                kind: run.kind,
                source,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((run, results))
}

/// A run and its results, as the JSON export writes them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Export<'a> {
    pub run: &'a RunInfo,
    pub results: &'a [ProbeResult],
}

/// The JSON export, indented.
pub fn json(run: &RunInfo, results: &[ProbeResult]) -> String {
    serde_json::to_string_pretty(&Export { run, results }).unwrap_or_default()
}

fn addr(a: &Option<IpAddr>) -> String {
    a.map(|a| a.to_string()).unwrap_or_default()
}

/// A number as the JSON export writes it (`100.0`, `0.25`).
fn num(f: f64) -> String {
    serde_json::to_string(&f).unwrap_or_default()
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// The header of a kind's CSV.
fn header(kind: ProbeKind) -> &'static [&'static str] {
    match kind {
        ProbeKind::Ping => &[
            "target",
            "addr",
            "alive",
            "sent",
            "received",
            "loss_pct",
            "rtt_min_ms",
            "rtt_avg_ms",
            "rtt_max_ms",
            "rtt_stddev_ms",
            "error",
        ],
        ProbeKind::Trace => &[
            "target", "addr", "protocol", "reached", "hops", "path", "error",
        ],
        ProbeKind::Dns => &[
            "target",
            "name",
            "type",
            "rcode",
            "elapsed_ms",
            "transport",
            "answers",
            "error",
        ],
        ProbeKind::Scan => &[
            "target", "addr", "open", "closed", "filtered", "method", "error",
        ],
        ProbeKind::Snmp => &["target", "addr", "oid", "name", "type", "value", "error"],
        ProbeKind::Ssh => &[
            "target",
            "addr",
            "port",
            "user",
            "command",
            "exit_status",
            "exit_signal",
            "error_kind",
            "error",
            "elapsed_ms",
            "truncated",
            "stdout",
            "stderr",
        ],
    }
}

fn ping(r: &PingResult) -> Vec<String> {
    let rtt = |f: fn(&wirescope_probe::stats::RttStats) -> f64| {
        r.rtt_ms.as_ref().map(|s| num(f(s))).unwrap_or_default()
    };
    vec![
        r.target.clone(),
        addr(&r.addr),
        r.alive.to_string(),
        r.sent.to_string(),
        r.received.to_string(),
        num(r.loss_pct),
        rtt(|s| s.min),
        rtt(|s| s.avg),
        rtt(|s| s.max),
        rtt(|s| s.stddev),
        opt(&r.error),
    ]
}

fn trace(r: &TraceResult) -> Vec<String> {
    let path: Vec<String> = r
        .hops
        .iter()
        .map(|h| h.addr.map_or_else(|| "*".into(), |a| a.to_string()))
        .collect();
    vec![
        r.target.clone(),
        addr(&r.addr),
        r.protocol.clone(),
        r.reached.to_string(),
        r.hops.len().to_string(),
        path.join(" "),
        opt(&r.error),
    ]
}

fn dns(r: &DnsResult) -> Vec<String> {
    vec![
        r.target.clone(),
        r.name.clone(),
        r.rtype.clone(),
        opt(&r.rcode),
        num(r.elapsed_ms),
        opt(&r.transport),
        r.answers.join(" | "),
        opt(&r.error),
    ]
}

fn scan(r: &ScanResult) -> Vec<String> {
    let open: Vec<String> = r.open.iter().map(u16::to_string).collect();
    vec![
        r.target.clone(),
        addr(&r.addr),
        open.join(" "),
        r.closed.to_string(),
        r.filtered.to_string(),
        r.method.clone(),
        opt(&r.error),
    ]
}

fn snmp(r: &SnmpResult) -> Vec<Vec<String>> {
    let mut rows: Vec<Vec<String>> = r
        .varbinds
        .iter()
        .map(|vb| {
            vec![
                r.target.clone(),
                addr(&r.addr),
                vb.oid.clone(),
                opt(&vb.name),
                vb.value_type.clone(),
                vb.value.clone(),
                String::new(),
            ]
        })
        .collect();
    if rows.is_empty() || r.error.is_some() {
        rows.push(vec![
            r.target.clone(),
            addr(&r.addr),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            opt(&r.error),
        ]);
    }
    rows
}

fn ssh(r: &SshResult) -> Vec<String> {
    vec![
        r.target.clone(),
        addr(&r.addr),
        r.port.to_string(),
        r.user.clone(),
        r.command.clone(),
        opt(&r.exit_status),
        opt(&r.exit_signal),
        opt(&r.error_kind),
        opt(&r.error),
        num(r.elapsed_ms),
        r.truncated.to_string(),
        r.stdout.clone(),
        r.stderr.clone(),
    ]
}

/// The rows of one result.
fn rows(r: &ProbeResult) -> Vec<Vec<String>> {
    match r {
        ProbeResult::Ping(p) => vec![ping(p)],
        ProbeResult::Trace(t) => vec![trace(t)],
        ProbeResult::Dns(d) => vec![dns(d)],
        ProbeResult::Scan(s) => vec![scan(s)],
        ProbeResult::Snmp(s) => snmp(s),
        ProbeResult::Ssh(s) => vec![ssh(s)],
    }
}

/// Writes rows as RFC 4180 CSV (quoted where needed, CRLF line ends): the one CSV writer of
/// the run exports.
pub fn csv_rows(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    // Writing to memory cannot fail.
    let _ = w.write_record(header);
    for row in rows {
        let _ = w.write_record(&row);
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// The results of a run of `kind` as CSV with a header row.
pub fn csv(kind: ProbeKind, results: &[ProbeResult]) -> String {
    csv_rows(header(kind), results.iter().flat_map(rows))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wirescope_probe::result::{Hop, SnmpVarbind};
    use wirescope_probe::stats::RttStats;

    #[test]
    fn csv_is_rfc_4180_with_the_columns_of_each_kind() {
        let ping = ProbeResult::Ping(PingResult {
            target: "h1".into(),
            addr: Some([198, 18, 0, 1].into()),
            alive: true,
            sent: 1,
            received: 1,
            rtt_ms: Some(RttStats {
                min: 0.5,
                avg: 0.5,
                max: 0.5,
                stddev: 0.0,
            }),
            ..Default::default()
        });
        assert_eq!(
            csv(ProbeKind::Ping, &[ping]),
            "target,addr,alive,sent,received,loss_pct,rtt_min_ms,rtt_avg_ms,rtt_max_ms,rtt_stddev_ms,error\r\n\
             h1,198.18.0.1,true,1,1,0.0,0.5,0.5,0.5,0.0,\r\n"
        );
        let dns = ProbeResult::Dns(DnsResult {
            target: "lab.test".into(),
            name: "lab.test".into(),
            rtype: "TXT".into(),
            rcode: Some("NOERROR".into()),
            answers: vec!["\"a,b\"".into()],
            ..Default::default()
        });
        assert!(
            csv(ProbeKind::Dns, &[dns])
                .ends_with("lab.test,lab.test,TXT,NOERROR,0.0,,\"\"\"a,b\"\"\",\r\n"),
            "quotes doubled, the field quoted"
        );
        let trace = ProbeResult::Trace(TraceResult {
            target: "d".into(),
            reached: true,
            hops: vec![
                Hop {
                    addr: Some([198, 18, 0, 1].into()),
                    ..Default::default()
                },
                Hop::default(),
            ],
            ..Default::default()
        });
        assert!(csv(ProbeKind::Trace, &[trace]).ends_with("d,,,true,2,198.18.0.1 *,\r\n"));
        let ssh = ProbeResult::Ssh(SshResult {
            target: "r1".into(),
            port: 22,
            user: "ops".into(),
            command: "show run".into(),
            exit_status: Some(0),
            stdout: "line 1\r\nline 2\n".into(),
            ..Default::default()
        });
        let text = csv(ProbeKind::Ssh, &[ssh]);
        assert!(
            text.starts_with("target,addr,port,user,command,exit_status,"),
            "{text}"
        );
        assert!(text.ends_with(",\"line 1\r\nline 2\n\",\r\n"), "{text}");
        let snmp = ProbeResult::Snmp(SnmpResult {
            target: "s1".into(),
            varbinds: vec![SnmpVarbind {
                oid: ".1.3.6.1.2.1.1.5.0".into(),
                name: Some("SNMPv2-MIB::sysName.0".into()),
                value_type: "STRING".into(),
                value: "s1".into(),
            }],
            ..Default::default()
        });
        assert_eq!(
            csv(ProbeKind::Snmp, &[snmp]).lines().nth(1),
            Some("s1,,.1.3.6.1.2.1.1.5.0,SNMPv2-MIB::sysName.0,STRING,s1,")
        );
    }

    #[test]
    fn results_read_back_as_written() {
        let all = [
            ProbeResult::Ping(PingResult {
                target: "a".into(),
                rtts_ms: vec![Some(0.25), None],
                ..Default::default()
            }),
            ProbeResult::Scan(ScanResult {
                target: "b".into(),
                open: vec![22],
                ..Default::default()
            }),
            ProbeResult::Ssh(SshResult {
                target: "c".into(),
                exit_signal: Some("KILL".into()),
                ..Default::default()
            }),
        ];
        for r in all {
            let text = serde_json::to_string(&r).unwrap_or_default();
            assert_eq!(
                serde_json::from_str::<ProbeResult>(&text).ok(),
                Some(r),
                "{text}"
            );
        }
    }
}
