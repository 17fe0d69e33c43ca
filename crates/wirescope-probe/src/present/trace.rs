//! How trace results read: the path as hop addresses, a changed path or reachability since a run
//! before, traceroute-like hop lists.

use super::{ChangeType, Difference, Paint, Present, Widths, csv_addr, csv_opt, shown};
use crate::result::{Summary, TraceResult};
use std::fmt::Write as _;

/// The path as each hop's address, `*` for a silent one.
fn path(t: &TraceResult) -> Vec<String> {
    t.hops
        .iter()
        .map(|h| h.addr.map_or_else(|| "*".into(), |a| a.to_string()))
        .collect()
}

impl Present for TraceResult {
    const COUNTS: &'static [&'static str] = &["reached", "unreached"];
    const UNIT: &'static str = "targets";
    const COLUMNS: &'static [&'static str] = &[
        "target", "addr", "protocol", "reached", "hops", "path", "error",
    ];

    fn key(&self) -> String {
        self.target.clone()
    }

    fn describe(&self) -> String {
        path(self).join(" > ")
    }

    fn changes(&self, later: &Self) -> Vec<Difference> {
        let mut out = Vec::new();
        if self.reached != later.reached {
            out.push(Difference::new(
                ChangeType::ReachedChanged,
                self.reached.to_string(),
                later.reached.to_string(),
                String::new(),
            ));
        }
        if path(self) != path(later) {
            out.push(Difference::new(
                ChangeType::PathChanged,
                self.describe(),
                later.describe(),
                String::new(),
            ));
        }
        out
    }

    fn tally(&self, bump: &mut dyn FnMut(&'static str, u64)) {
        bump(if self.reached { "reached" } else { "unreached" }, 1);
    }

    fn counts(s: &Summary) -> String {
        format!(
            "{} reached, {} not reached",
            s.count("reached"),
            s.count("unreached")
        )
    }

    fn rows(&self) -> Vec<Vec<String>> {
        vec![vec![
            self.target.clone(),
            csv_addr(&self.addr),
            self.protocol.clone(),
            self.reached.to_string(),
            self.hops.len().to_string(),
            path(self).join(" "),
            csv_opt(&self.error),
        ]]
    }

    fn header(_: Widths) -> Option<String> {
        None
    }

    fn lines(&self, _: Widths, paint: &dyn Paint) -> String {
        let mut out = String::new();
        let verdict = if self.reached {
            paint.good(&format!("reached in {} hops", self.hops.len()))
        } else {
            paint.bad("not reached")
        };
        let _ = write!(
            out,
            "{} {} ({}) over {}: {}",
            paint.bold("trace to"),
            self.target,
            shown(self.addr),
            self.protocol,
            verdict
        );
        if let Some(e) = &self.error {
            let _ = write!(out, " - {}", paint.warn(e));
        }
        for h in &self.hops {
            let who = match (h.addr, &h.name) {
                (Some(a), Some(n)) => format!("{n} ({a})"),
                (Some(a), None) => a.to_string(),
                (None, _) => "*".to_string(),
            };
            let rtts: Vec<String> = h
                .rtt_ms
                .iter()
                .map(|r| r.map_or_else(|| "*".to_string(), |v| format!("{v:.3} ms")))
                .collect();
            let _ = write!(out, "\n  {:>3}  {:<28} {}", h.ttl, who, rtts.join("  "));
            if h.addrs.len() > 1 {
                let others: Vec<String> = h.addrs.iter().skip(1).map(|a| a.to_string()).collect();
                let _ = write!(
                    out,
                    "  {}",
                    paint.warn(&format!("(also {})", others.join(", ")))
                );
            }
            if h.loss_pct > 0.0 && h.addr.is_some() {
                let _ = write!(out, "  {}", paint.dim(&format!("{:.0}% loss", h.loss_pct)));
            }
        }
        out
    }
}
