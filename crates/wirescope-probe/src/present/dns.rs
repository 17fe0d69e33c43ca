//! How DNS results read: the rcode and the answers, changed rcodes or answers since a run
//! before, dig-like table rows.

use super::{ChangeType, Difference, Paint, Present, Widths, csv_num, csv_opt};
use crate::result::{DnsResult, Summary};

/// The answers, sorted (their order is the server's choice, not a change).
fn answers(d: &DnsResult) -> Vec<String> {
    let mut v = d.answers.clone();
    v.sort();
    v
}

impl Present for DnsResult {
    const COUNTS: &'static [&'static str] = &["answered", "nxdomain", "failed"];
    const UNIT: &'static str = "questions";
    const COLUMNS: &'static [&'static str] = &[
        "target",
        "name",
        "type",
        "rcode",
        "elapsed_ms",
        "transport",
        "answers",
        "error",
    ];

    fn key(&self) -> String {
        format!("{} {}", self.target, self.rtype)
    }

    fn describe(&self) -> String {
        format!(
            "{} {}",
            self.rcode.as_deref().unwrap_or(""),
            answers(self).join(", ")
        )
    }

    fn changes(&self, later: &Self) -> Vec<Difference> {
        if self.rcode != later.rcode {
            vec![Difference::new(
                ChangeType::RcodeChanged,
                self.rcode.clone().unwrap_or_default(),
                later.rcode.clone().unwrap_or_default(),
                String::new(),
            )]
        } else if answers(self) != answers(later) {
            vec![Difference::new(
                ChangeType::AnswersChanged,
                answers(self).join(", "),
                answers(later).join(", "),
                String::new(),
            )]
        } else {
            Vec::new()
        }
    }

    fn tally(&self, bump: &mut dyn FnMut(&'static str, u64)) {
        match (self.error.as_deref(), self.rcode.as_deref()) {
            (None, Some("NOERROR")) => bump("answered", 1),
            (None, Some("NXDOMAIN")) => bump("nxdomain", 1),
            _ => bump("failed", 1),
        }
    }

    fn counts(s: &Summary) -> String {
        format!(
            "{} answered, {} NXDOMAIN, {} failed",
            s.count("answered"),
            s.count("nxdomain"),
            s.count("failed")
        )
    }

    fn rows(&self) -> Vec<Vec<String>> {
        vec![vec![
            self.target.clone(),
            self.name.clone(),
            self.rtype.clone(),
            csv_opt(&self.rcode),
            csv_num(self.elapsed_ms),
            csv_opt(&self.transport),
            self.answers.join(" | "),
            csv_opt(&self.error),
        ]]
    }

    fn header(Widths { target: w, .. }: Widths) -> Option<String> {
        Some(format!(
            "{:<w$}  {:<6} {:<9} {:>8}  ANSWERS",
            "NAME", "TYPE", "RCODE", "TIME ms"
        ))
    }

    fn lines(&self, Widths { target: w, .. }: Widths, paint: &dyn Paint) -> String {
        let rcode = self.rcode.as_deref().unwrap_or("-");
        let painted = match rcode {
            "NOERROR" => paint.good(rcode),
            "NXDOMAIN" => paint.warn(rcode),
            _ => paint.bad(rcode),
        };
        let pad = " ".repeat(9usize.saturating_sub(rcode.len()));
        let answers = match &self.error {
            Some(e) => paint.bad(e),
            None if self.answers.is_empty() => paint.dim("(no answers)"),
            None => self.answers.join(", "),
        };
        let tcp = if self.transport.as_deref() == Some("tcp") {
            paint.dim(" [tcp]")
        } else {
            String::new()
        };
        format!(
            "{:<w$}  {:<6} {painted}{pad} {:>8.3}  {answers}{tcp}",
            self.name, self.rtype, self.elapsed_ms
        )
    }
}
