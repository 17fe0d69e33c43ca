//! How SSH results read: the exit status and output, changed exits or outputs since a run
//! before, a header line per device with its output under it.

use super::{
    ChangeType, Difference, Paint, Present, Widths, csv_addr, csv_num, csv_opt, line_changes,
};
use crate::result::{ConfigResult, SshResult, Summary};

impl Present for SshResult {
    const COUNTS: &'static [&'static str] = &["succeeded", "nonzero", "failed"];
    const UNIT: &'static str = "devices";
    const COLUMNS: &'static [&'static str] = &[
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
    ];

    fn key(&self) -> String {
        self.target.clone()
    }

    fn describe(&self) -> String {
        if let (None, Some(c)) = (&self.error, &self.config) {
            return config_state(c);
        }
        match (&self.error, self.exit_status) {
            (Some(e), _) => format!("failed: {e}"),
            (None, Some(n)) => format!("exit {n}, {} lines", self.stdout.lines().count()),
            (None, None) => "no exit status".into(),
        }
    }

    fn changes(&self, later: &Self) -> Vec<Difference> {
        let mut out = Vec::new();
        if self.exit_status != later.exit_status || self.error_kind != later.error_kind {
            out.push(Difference::new(
                ChangeType::ExitChanged,
                self.describe(),
                later.describe(),
                later.error.clone().unwrap_or_default(),
            ));
        }
        if self.stdout != later.stdout {
            let (added, removed) = line_changes(&self.stdout, &later.stdout);
            out.push(Difference::new(
                ChangeType::OutputChanged,
                self.describe(),
                later.describe(),
                format!("+{added} -{removed} lines"),
            ));
        }
        out
    }

    fn tally(&self, bump: &mut dyn FnMut(&'static str, u64)) {
        // An interactive session has no exit status: a command the device refused counts as
        // the other exits do.
        let shell = self.platform.is_some();
        bump(
            match (&self.error, self.exit_status) {
                (Some(_), _) => "failed",
                (None, _) if shell && self.outputs.iter().any(|o| o.error.is_some()) => "nonzero",
                (None, _) if shell => "succeeded",
                (None, Some(0)) => "succeeded",
                (None, _) => "nonzero",
            },
            1,
        );
    }

    fn counts(s: &Summary) -> String {
        format!(
            "{} exit 0, {} other exit, {} failed",
            s.count("succeeded"),
            s.count("nonzero"),
            s.count("failed")
        )
    }

    fn rows(&self) -> Vec<Vec<String>> {
        vec![vec![
            self.target.clone(),
            csv_addr(&self.addr),
            self.port.to_string(),
            self.user.clone(),
            self.command.clone(),
            csv_opt(&self.exit_status),
            csv_opt(&self.exit_signal),
            csv_opt(&self.error_kind),
            csv_opt(&self.error),
            csv_num(self.elapsed_ms),
            self.truncated.to_string(),
            self.stdout.clone(),
            self.stderr.clone(),
        ]]
    }

    fn header(_: Widths) -> Option<String> {
        None
    }

    /// A device's header line (target, exit status or error, time), then its output as it
    /// came, stderr lines marked.
    fn lines(&self, _: Widths, paint: &dyn Paint) -> String {
        let took = format!("{:.0} ms", self.elapsed_ms);
        if let Some(c) = &self.config {
            return self.config_lines(c, &took, paint);
        }
        let mut out = match (&self.error, self.exit_status) {
            (Some(e), _) => {
                return paint.bad(&format!("── {}  FAILED ({took}): {e}", self.target));
            }
            (None, None) if self.platform.is_some() => paint.good(&format!(
                "── {}  {}  {took}",
                self.target,
                self.platform.as_deref().unwrap_or_default()
            )),
            (None, Some(0)) => paint.good(&format!("── {}  exit 0  {took}", self.target)),
            (None, Some(n)) => paint.warn(&format!("── {}  exit {n}  {took}", self.target)),
            (None, None) => paint.warn(&format!(
                "── {}  no exit status{}  {took}",
                self.target,
                self.exit_signal
                    .as_ref()
                    .map(|s| format!(" (signal {s})"))
                    .unwrap_or_default()
            )),
        };
        for line in self.stdout.lines() {
            out.push('\n');
            out.push_str(line);
        }
        for line in self.stderr.lines() {
            out.push('\n');
            out.push_str(&paint.warn(&format!("stderr: {line}")));
        }
        if self.truncated {
            out.push('\n');
            out.push_str(&paint.warn("(output truncated at --max-output)"));
        }
        out
    }
}

/// A configuration backup's or push's outcome in a few words.
fn config_state(c: &ConfigResult) -> String {
    match c.action.as_str() {
        "backup" => match (c.version, c.changed) {
            (Some(v), None) => format!("version {v}, the first kept"),
            (Some(v), Some(true)) => format!("version {v}, changed"),
            (Some(v), Some(false)) => format!("version {v}, unchanged"),
            _ => format!("{} lines, not kept", c.text.lines().count()),
        },
        _ if c.dry_run => "dry run".into(),
        _ => format!(
            "{} line{} applied{}",
            c.applied,
            if c.applied == 1 { "" } else { "s" },
            if c.saved { ", saved" } else { "" }
        ),
    }
}

impl SshResult {
    /// A backup or push: its header, then what changed (a diff), or a dry run's configuration.
    fn config_lines(&self, c: &ConfigResult, took: &str, paint: &dyn Paint) -> String {
        let platform = self.platform.as_deref().unwrap_or_default();
        let mut out = match &self.error {
            Some(e) => paint.bad(&format!("── {}  FAILED ({took}): {e}", self.target)),
            None => paint.good(&format!(
                "── {}  {platform}  {}  {took}",
                self.target,
                config_state(c)
            )),
        };
        let body = match (&c.diff, c.dry_run) {
            (_, true) => c.text.as_str(),
            (Some(d), _) => d.as_str(),
            (None, _) => "",
        };
        for line in body.lines() {
            out.push('\n');
            out.push_str(&match line.as_bytes().first() {
                _ if c.dry_run => line.to_string(),
                Some(b'+') if !line.starts_with("+++") => paint.good(line),
                Some(b'-') if !line.starts_with("---") => paint.bad(line),
                _ => line.to_string(),
            });
        }
        if self.error.is_none() && c.action == "push" && !c.dry_run && body.is_empty() {
            out.push('\n');
            out.push_str("(the configuration did not change)");
        }
        out
    }
}
