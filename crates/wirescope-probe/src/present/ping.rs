//! How ping results read: alive or dead with the RTT, the changes that matter (went dead or
//! alive, the average RTT moved), fping-like table rows.

use super::{ChangeType, Difference, Paint, Present, Widths, csv_addr, csv_num, csv_opt, shown};
use crate::result::{PingResult, Summary};
use crate::stats::RttStats;
use std::fmt::Write as _;

/// An RTT change counts when it is both above 1 ms and above half the earlier value.
const RTT_ABS_MS: f64 = 1.0;
const RTT_REL: f64 = 0.5;

impl Present for PingResult {
    const COUNTS: &'static [&'static str] = &["alive", "dead"];
    const UNIT: &'static str = "targets";
    const COLUMNS: &'static [&'static str] = &[
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
    ];

    fn key(&self) -> String {
        self.target.clone()
    }

    fn describe(&self) -> String {
        match (self.alive, &self.rtt_ms) {
            (true, Some(rtt)) => format!("alive {:.3} ms", rtt.avg),
            (true, None) => "alive".into(),
            (false, _) => "dead".into(),
        }
    }

    fn changes(&self, later: &Self) -> Vec<Difference> {
        let (before, after) = (self.describe(), later.describe());
        match (self.alive, later.alive) {
            (true, false) => vec![Difference::new(
                ChangeType::BecameDead,
                before,
                after,
                later.error.clone().unwrap_or_default(),
            )],
            (false, true) => vec![Difference::new(
                ChangeType::BecameAlive,
                before,
                after,
                String::new(),
            )],
            (true, true) => {
                let avg = |p: &PingResult| p.rtt_ms.map_or(0.0, |r| r.avg);
                let (a, b) = (avg(self), avg(later));
                if (b - a).abs() > RTT_ABS_MS && (b - a).abs() > a * RTT_REL {
                    vec![Difference::new(
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

    fn tally(&self, bump: &mut dyn FnMut(&'static str, u64)) {
        bump(if self.alive { "alive" } else { "dead" }, 1);
    }

    fn counts(s: &Summary) -> String {
        format!("{} alive, {} dead", s.count("alive"), s.count("dead"))
    }

    fn rows(&self) -> Vec<Vec<String>> {
        let rtt = |f: fn(&RttStats) -> f64| {
            self.rtt_ms
                .as_ref()
                .map(|s| csv_num(f(s)))
                .unwrap_or_default()
        };
        vec![vec![
            self.target.clone(),
            csv_addr(&self.addr),
            self.alive.to_string(),
            self.sent.to_string(),
            self.received.to_string(),
            csv_num(self.loss_pct),
            rtt(|s| s.min),
            rtt(|s| s.avg),
            rtt(|s| s.max),
            rtt(|s| s.stddev),
            csv_opt(&self.error),
        ]]
    }

    fn header(
        Widths {
            target: w,
            addr: aw,
        }: Widths,
    ) -> Option<String> {
        Some(format!(
            "{:<w$}  {:<aw$}  {:<5}  {:>4} {:>4} {:>5}  {:>8} {:>8} {:>8} {:>8}",
            "TARGET",
            "ADDRESS",
            "STATE",
            "SENT",
            "RECV",
            "LOSS",
            "MIN ms",
            "AVG ms",
            "MAX ms",
            "STDDEV"
        ))
    }

    fn lines(
        &self,
        Widths {
            target: w,
            addr: aw,
        }: Widths,
        paint: &dyn Paint,
    ) -> String {
        let state = if self.alive {
            paint.good("alive")
        } else {
            paint.bad("dead ")
        };
        let mut line = format!(
            "{:<w$}  {:<aw$}  {}  {:>4} {:>4} {:>4.0}%",
            self.target,
            shown(self.addr),
            state,
            self.sent,
            self.received,
            self.loss_pct
        );
        match &self.rtt_ms {
            Some(s) => {
                let _ = write!(
                    line,
                    "  {:>8.3} {:>8.3} {:>8.3} {:>8.3}",
                    s.min, s.avg, s.max, s.stddev
                );
            }
            None => {
                if let Some(e) = &self.error {
                    let _ = write!(line, "  {}", paint.dim(e));
                }
            }
        }
        line
    }
}
