//! From a suite run's results to trend samples: ping (the RTTs of its echoes and their loss),
//! trace (the destination's RTTs, or full loss when it was not reached) and DNS (the answer's
//! time; a failure is a loss) give one sample per target key; other kinds none. Pure.

use wirescope_probe::ProbeResult;
use wirescope_store::Sample;

/// Min, median and max of the RTTs (ms) that came back, in microseconds.
fn spread(rtts: &[f64]) -> (Option<i64>, Option<i64>, Option<i64>) {
    let mut v: Vec<i64> = rtts.iter().map(|ms| (ms * 1000.0).round() as i64).collect();
    if v.is_empty() {
        return (None, None, None);
    }
    v.sort_unstable();
    (Some(v[0]), Some(v[(v.len() - 1) / 2]), Some(v[v.len() - 1]))
}

fn per_mille(lost: usize, sent: usize) -> u16 {
    (lost * 1000).checked_div(sent).map_or(1000, |v| v as u16)
}

/// The sample a result gives, taken at `t` (its run's start), with the key of its series.
pub fn sample_of(result: &ProbeResult, t: i64) -> Option<(String, Sample)> {
    let (rtts, sent) = match result {
        ProbeResult::Ping(p) => {
            let rtts: Vec<f64> = p.rtts_ms.iter().flatten().copied().collect();
            (rtts, p.sent as usize)
        }
        ProbeResult::Trace(tr) => {
            let last = tr.hops.last().filter(|_| tr.reached);
            let rtts: Vec<f64> = last
                .map(|h| h.rtt_ms.iter().flatten().copied().collect())
                .unwrap_or_default();
            let sent = last.map_or(1, |h| h.rtt_ms.len().max(1));
            (rtts, sent)
        }
        ProbeResult::Dns(d) => {
            let answered = d.error.is_none()
                && matches!(d.rcode.as_deref(), Some("NOERROR") | Some("NXDOMAIN"));
            (
                if answered {
                    vec![d.elapsed_ms]
                } else {
                    Vec::new()
                },
                1,
            )
        }
        ProbeResult::Scan(_) | ProbeResult::Snmp(_) | ProbeResult::Ssh(_) => return None,
    };
    let (min_us, med_us, max_us) = spread(&rtts);
    Some((
        result.key(),
        Sample {
            t,
            min_us,
            med_us,
            max_us,
            loss: per_mille(sent.saturating_sub(rtts.len()), sent),
            sent: sent as u32,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wirescope_probe::result::{DnsResult, Hop, PingResult, ScanResult, TraceResult};

    #[test]
    fn ping_trace_and_dns_give_samples() {
        let ping = ProbeResult::Ping(PingResult {
            target: "core1".into(),
            sent: 4,
            received: 3,
            rtts_ms: vec![Some(1.5), None, Some(0.5), Some(2.25)],
            ..Default::default()
        });
        let (key, s) = sample_of(&ping, 7).expect("a ping sample");
        assert_eq!(key, "core1");
        assert_eq!(
            (s.t, s.min_us, s.med_us, s.max_us, s.loss, s.sent),
            (7, Some(500), Some(1500), Some(2250), 250, 4)
        );

        let hop = |rtts: Vec<Option<f64>>| Hop {
            rtt_ms: rtts,
            ..Default::default()
        };
        let reached = ProbeResult::Trace(TraceResult {
            target: "edge".into(),
            reached: true,
            hops: vec![
                hop(vec![Some(9.0); 3]),
                hop(vec![Some(3.0), Some(4.0), None]),
            ],
            ..Default::default()
        });
        let (_, s) = sample_of(&reached, 0).expect("a trace sample");
        assert_eq!((s.med_us, s.loss, s.sent), (Some(3000), 333, 3));
        let lost = ProbeResult::Trace(TraceResult {
            reached: false,
            hops: vec![hop(vec![Some(9.0); 3])],
            ..Default::default()
        });
        assert_eq!(
            sample_of(&lost, 0).map(|(_, s)| (s.med_us, s.loss)),
            Some((None, 1000))
        );

        let dns = |rcode: &str| {
            ProbeResult::Dns(DnsResult {
                target: "example.net".into(),
                rtype: "AAAA".into(),
                rcode: Some(rcode.into()),
                elapsed_ms: 12.5,
                ..Default::default()
            })
        };
        let (key, s) = sample_of(&dns("NOERROR"), 0).expect("a DNS sample");
        assert_eq!(
            (key.as_str(), s.med_us, s.loss),
            ("example.net AAAA", Some(12_500), 0)
        );
        assert_eq!(
            sample_of(&dns("SERVFAIL"), 0).map(|(_, s)| s.loss),
            Some(1000)
        );
        assert!(sample_of(&ProbeResult::Scan(ScanResult::default()), 0).is_none());
    }
}
