//! Configuration backups and pushes from an interactive session's lines: the configuration
//! shown, what a push changed (a diff of the configurations without their self-changing lines),
//! the line a device refused, and whether it was saved.

use crate::exec::ConfigTask;
use crate::platform::Platform;
use crate::platform::driver::Kind;
use wirescope_probe::result::{CommandOutput, ConfigResult, RefusedLine, SshResult};

/// Fills `r.config` (and the error when a line was refused or no configuration was shown)
/// from the session's lines.
pub fn assemble(
    r: &mut SshResult,
    task: &ConfigTask,
    platform: &'static Platform,
    outputs: &[(Kind, CommandOutput)],
) {
    let show = platform.show_config.unwrap_or_default();
    match task {
        ConfigTask::Backup => {
            let Some((_, o)) = outputs.first() else {
                return;
            };
            if let Some(e) = &o.error {
                set_error(r, format!("'{}' was refused: {e}", o.command), "refused");
                return;
            }
            r.stdout = o.output.clone();
            r.config = Some(ConfigResult {
                action: "backup".into(),
                text: o.output.clone(),
                ..ConfigResult::default()
            });
        }
        ConfigTask::Push { save, dry_run, .. } => {
            let before = outputs
                .iter()
                .find(|(k, _)| *k == Kind::Before)
                .filter(|(_, o)| o.error.is_none())
                .map(|(_, o)| o.output.clone());
            let after = outputs
                .iter()
                .rev()
                .find(|(k, o)| *k == Kind::Always && o.command == show)
                .filter(|(_, o)| o.error.is_none())
                .map(|(_, o)| o.output.clone());
            let mut change_no = 0;
            let mut applied = 0;
            let mut refused = None;
            for (kind, o) in outputs {
                if *kind == Kind::Change {
                    change_no += 1;
                }
                match (&o.error, kind) {
                    (None, Kind::Change) => applied += 1,
                    (Some(e), Kind::Enter | Kind::Change | Kind::Apply) if refused.is_none() => {
                        refused = Some(RefusedLine {
                            line_no: (*kind == Kind::Change).then_some(change_no),
                            line: o.command.clone(),
                            error: e.clone(),
                        });
                    }
                    _ => {}
                }
            }
            let saved = *save
                && refused.is_none()
                && !platform.save.is_empty()
                && platform.save.iter().all(|s| {
                    outputs
                        .iter()
                        .any(|(k, o)| *k == Kind::Apply && o.command == *s)
                });
            let diff = match (&before, &after) {
                (Some(b), Some(a)) if !dry_run => {
                    Some(platform.config_diff(b, a, ("before", "after")))
                }
                _ => None,
            };
            if let Some(l) = &refused {
                let at = l.line_no.map(|n| format!("line {n} ")).unwrap_or_default();
                set_error(
                    r,
                    format!("{at}'{}' was refused: {}", l.line, l.error),
                    "refused",
                );
            } else if before.is_none() && r.error.is_none() {
                set_error(r, format!("'{show}' showed no configuration"), "refused");
            }
            r.stdout = match (&diff, dry_run) {
                (_, true) => before.clone().unwrap_or_default(),
                (Some(d), _) => d.clone(),
                (None, _) => String::new(),
            };
            r.config = Some(ConfigResult {
                action: "push".into(),
                text: if *dry_run { before.clone() } else { after }.unwrap_or_default(),
                before: before.filter(|_| !dry_run),
                diff,
                applied,
                refused,
                saved,
                dry_run: *dry_run,
                ..ConfigResult::default()
            });
        }
    }
}

fn set_error(r: &mut SshResult, why: String, kind: &str) {
    if r.error.is_none() {
        r.error = Some(why);
        r.error_kind = Some(kind.into());
    }
}
