//! A run's results for other tools: CSV (RFC 4180, CRLF line ends, one row per result with the
//! columns of its kind; SNMP one row per variable binding) and JSON (`{run, results}`); and the
//! typed results of a stored run, read back.

use serde::Serialize;
use wirescope_probe::ProbeKind;
use wirescope_probe::ProbeResult;
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
    csv_rows(kind.columns(), results.iter().flat_map(ProbeResult::rows))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wirescope_probe::result::{
        DnsResult, PingResult, ScanResult, SnmpResult, SshResult, TraceResult,
    };
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
