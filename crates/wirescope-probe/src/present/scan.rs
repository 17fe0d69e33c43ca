//! How scan results read: the open ports, ports opened or closed since a run before, nmap-like
//! table rows with the banners under them.

use super::{ChangeType, Difference, Paint, Present, Widths, csv_addr, csv_opt, join, shown};
use crate::result::{ScanResult, Summary};
use std::collections::BTreeSet;
use std::fmt::Write as _;

impl Present for ScanResult {
    const COUNTS: &'static [&'static str] = &["hosts_up", "open_ports", "filtered_ports"];
    const UNIT: &'static str = "targets";
    const COLUMNS: &'static [&'static str] = &[
        "target", "addr", "open", "closed", "filtered", "method", "error",
    ];

    fn key(&self) -> String {
        self.target.clone()
    }

    fn describe(&self) -> String {
        format!("open {}", join(&self.open, ","))
    }

    fn changes(&self, later: &Self) -> Vec<Difference> {
        let (a, b): (BTreeSet<u16>, BTreeSet<u16>) = (
            self.open.iter().copied().collect(),
            later.open.iter().copied().collect(),
        );
        let opened: Vec<u16> = b.difference(&a).copied().collect();
        let closed: Vec<u16> = a.difference(&b).copied().collect();
        let mut out = Vec::new();
        for (change, ports) in [
            (ChangeType::PortsOpened, opened),
            (ChangeType::PortsClosed, closed),
        ] {
            if !ports.is_empty() {
                out.push(Difference::new(
                    change,
                    self.describe(),
                    later.describe(),
                    join(&ports, ","),
                ));
            }
        }
        out
    }

    fn tally(&self, bump: &mut dyn FnMut(&'static str, u64)) {
        if !self.open.is_empty() || self.closed > 0 {
            bump("hosts_up", 1);
        }
        bump("open_ports", self.open.len() as u64);
        bump("filtered_ports", u64::from(self.filtered));
    }

    fn counts(s: &Summary) -> String {
        format!(
            "{} hosts up, {} open ports, {} filtered",
            s.count("hosts_up"),
            s.count("open_ports"),
            s.count("filtered_ports")
        )
    }

    fn rows(&self) -> Vec<Vec<String>> {
        let open: Vec<String> = self.open.iter().map(u16::to_string).collect();
        vec![vec![
            self.target.clone(),
            csv_addr(&self.addr),
            open.join(" "),
            self.closed.to_string(),
            self.filtered.to_string(),
            self.method.clone(),
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
            "{:<w$}  {:<aw$}  {:>4} {:>6} {:>8}  OPEN PORTS",
            "TARGET", "ADDRESS", "OPEN", "CLOSED", "FILTERED"
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
        let ports: Vec<String> = self
            .open
            .iter()
            .map(|p| match self.services.get(&p.to_string()) {
                Some(name) => format!("{p}/{name}"),
                None => p.to_string(),
            })
            .collect();
        let mut out = format!(
            "{:<w$}  {:<aw$}  {:>4} {:>6} {:>8}  {}",
            self.target,
            shown(self.addr),
            self.open.len(),
            self.closed,
            self.filtered,
            paint.good(&ports.join(" "))
        );
        if let Some(e) = &self.error {
            let _ = write!(out, "{}", paint.bad(e));
        }
        for (port, banner) in &self.banners {
            let _ = write!(out, "\n{:<w$}    {:>5}  {}", "", port, paint.dim(banner));
        }
        out
    }
}
