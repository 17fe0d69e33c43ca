//! An interactive CLI session as a state machine, without I/O: what the device printed goes in
//! (`feed`), what to type comes out (a key for a banner or a pager, the paging-off commands, the
//! enable command and its secret, each line of the plan in turn) with each line's output alone
//! once the prompt is back. A plan is commands, or a configuration backup, or a configuration
//! push that stops at the first refused line. The caller owns the channel and the clock
//! (`timed_out`).

use super::{Mode, Platform};
use std::collections::VecDeque;

/// What a typed line is for, and so what a refusal of it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A command whose output is wanted; a refusal is reported and the session goes on.
    Command,
    /// The configuration shown before a push (a refusal is reported, nothing stops).
    Before,
    /// Entering configuration mode: the prompt must then say so.
    Enter,
    /// A configuration line: a refusal stops every change after it.
    Change,
    /// Applying (commit) or saving: a refusal stops what follows too.
    Apply,
    /// Discarding, leaving configuration mode, showing the configuration after: typed even
    /// after a refusal, so the device is left as it was found.
    Always,
}

/// One line of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub text: String,
    pub kind: Kind,
}

impl Item {
    fn new(text: &str, kind: Kind) -> Self {
        Item {
            text: text.to_string(),
            kind,
        }
    }
}

/// What a session is asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Task {
    /// These commands, in order.
    Commands(Vec<String>),
    /// Show the running configuration.
    Backup,
    /// Show the configuration, enter configuration mode, type `lines` (stopping at the first
    /// refused), apply, leave, save when asked, show it again. A dry run only shows it.
    Push {
        lines: Vec<String>,
        save: bool,
        dry_run: bool,
    },
}

impl Task {
    /// The lines to type on `platform`, or why this task cannot be done there.
    pub fn plan(&self, platform: &Platform) -> Result<Vec<Item>, String> {
        let show = || {
            platform.show_config.ok_or_else(|| {
                format!(
                    "{} has no command that shows its configuration",
                    platform.name
                )
            })
        };
        Ok(match self {
            Task::Commands(c) => c.iter().map(|c| Item::new(c, Kind::Command)).collect(),
            Task::Backup => vec![Item::new(show()?, Kind::Command)],
            Task::Push {
                lines,
                save,
                dry_run,
            } => {
                let show = show()?;
                let mut plan = vec![Item::new(show, Kind::Before)];
                if *dry_run {
                    return Ok(plan);
                }
                let all = |cmds: &'static [&'static str], kind: Kind| {
                    cmds.iter().map(move |c| Item::new(c, kind))
                };
                plan.extend(all(platform.config_enter, Kind::Enter));
                plan.extend(lines.iter().map(|l| Item::new(l, Kind::Change)));
                plan.extend(all(platform.commit, Kind::Apply));
                plan.extend(all(platform.discard, Kind::Always));
                plan.extend(all(platform.config_leave, Kind::Always));
                if *save {
                    plan.extend(all(platform.save, Kind::Apply));
                }
                plan.push(Item::new(show, Kind::Always));
                plan
            }
        })
    }
}

/// What the session asks of its caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Write these bytes to the channel.
    Send(String),
    /// A line's output, alone, and the device's error line if it refused it.
    Output {
        command: String,
        kind: Kind,
        text: String,
        error: Option<String>,
    },
    /// The session cannot go on (said in words); nothing more comes.
    Failed(String),
    /// Every command has run.
    Done,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Phase {
    /// Waiting for the first prompt.
    Login,
    /// The n-th paging-off command was sent.
    Paging(usize),
    /// The enable command was sent (and maybe its secret).
    Enabling {
        secret_sent: bool,
    },
    /// A line was sent; its output is coming.
    Running(Item),
    Over,
}

/// One interactive session's progress.
#[derive(Debug)]
pub struct Driver {
    platform: &'static Platform,
    plan: VecDeque<Item>,
    secret: Option<String>,
    buf: String,
    phase: Phase,
    /// The most one command (or the login) may print before its prompt.
    limit: usize,
    /// Where in `buf` the last question was answered (none is answered twice).
    answered: usize,
}

impl Driver {
    /// A session that runs `commands` in order on `platform`, entering privileged mode with
    /// `secret` when the device starts in user mode and the platform has one.
    /// Each command (and the login) may print `limit` bytes before its prompt.
    pub fn new(
        platform: &'static Platform,
        commands: Vec<String>,
        secret: Option<String>,
        limit: usize,
    ) -> Self {
        let plan = commands
            .into_iter()
            .map(|c| Item {
                text: c,
                kind: Kind::Command,
            })
            .collect();
        Self::with_plan(platform, plan, secret, limit)
    }

    /// A session that types `plan` (from [`Task::plan`]).
    pub fn with_plan(
        platform: &'static Platform,
        plan: Vec<Item>,
        secret: Option<String>,
        limit: usize,
    ) -> Self {
        Driver {
            platform,
            plan: plan.into(),
            secret,
            buf: String::new(),
            phase: Phase::Login,
            limit,
            answered: 0,
        }
    }

    /// Takes what the device printed; returns what to do about it, in order.
    pub fn feed(&mut self, text: &str) -> Vec<Step> {
        let mut steps = Vec::new();
        if self.phase == Phase::Over {
            return steps;
        }
        self.buf.push_str(text);
        if self.buf.len() > self.limit {
            self.phase = Phase::Over;
            steps.push(Step::Failed(format!(
                "more than {} bytes of output without a prompt (max-output)",
                self.limit
            )));
            return steps;
        }
        let p = self.platform;
        if p.key_wanted(&self.buf) {
            self.buf.clear();
            steps.push(Step::Send(" ".into()));
            return steps;
        }
        if p.pager_at_end(&self.buf) {
            steps.push(Step::Send(" ".into()));
            return steps;
        }
        // A question while applying, saving or leaving gets the platform's answer, once.
        if let Phase::Running(item) = &self.phase
            && matches!(item.kind, Kind::Apply | Kind::Always)
            && self.buf.rfind('\n').map_or(0, |i| i + 1) >= self.answered
            && let Some(answer) = p.answer_to(&self.buf)
        {
            self.answered = self.buf.len();
            steps.push(Step::Send(format!("{answer}\n")));
            return steps;
        }
        if let Phase::Enabling { secret_sent: false } = self.phase
            && p.secret_wanted(&self.buf)
        {
            let Some(secret) = self.secret.clone() else {
                self.phase = Phase::Over;
                steps.push(Step::Failed(
                    "privileged mode asks for a secret and none was given (the profile's enable secret)"
                        .into(),
                ));
                return steps;
            };
            self.buf.clear();
            self.phase = Phase::Enabling { secret_sent: true };
            steps.push(Step::Send(format!("{secret}\n")));
            return steps;
        }
        let Some((_, mode)) = p.prompt_at_end(&self.buf) else {
            return steps;
        };
        let printed = std::mem::take(&mut self.buf);
        self.answered = 0;
        match std::mem::replace(&mut self.phase, Phase::Over) {
            Phase::Login => self.after_login(mode, &mut steps),
            Phase::Paging(i) => {
                // A paging command a device does not know is no reason to stop.
                self.paging_from(i + 1, mode, &mut steps);
            }
            Phase::Enabling { .. } => {
                if mode == Mode::User {
                    steps.push(Step::Failed(format!(
                        "privileged mode was refused{}",
                        match p.error_in(&printed) {
                            Some(e) => format!(": {e}"),
                            None => " (a wrong enable secret?)".into(),
                        }
                    )));
                } else {
                    self.next_command(&mut steps);
                }
            }
            Phase::Running(item) => {
                let text = p.clean(&printed, &item.text);
                let mut error = p.error_in(&text);
                if item.kind == Kind::Enter && error.is_none() && mode != Mode::Config {
                    error = Some(format!(
                        "configuration mode was not entered (the prompt is '{}')",
                        p.prompt_at_end(&printed)
                            .map(|(s, _)| s)
                            .unwrap_or_default()
                    ));
                }
                let stops = error.is_some()
                    && matches!(item.kind, Kind::Enter | Kind::Change | Kind::Apply);
                steps.push(Step::Output {
                    command: item.text,
                    kind: item.kind,
                    text,
                    error,
                });
                if stops {
                    // Nothing more is changed on this device: only what leaves it as found.
                    self.plan.retain(|i| i.kind == Kind::Always);
                }
                self.next_command(&mut steps);
            }
            Phase::Over => {}
        }
        steps
    }

    fn after_login(&mut self, mode: Mode, steps: &mut Vec<Step>) {
        self.paging_from(0, mode, steps);
    }

    /// Sends the i-th paging command, or, past the last, goes on to privileged mode.
    fn paging_from(&mut self, i: usize, mode: Mode, steps: &mut Vec<Step>) {
        if let Some(cmd) = self.platform.paging_off.get(i) {
            self.phase = Phase::Paging(i);
            steps.push(Step::Send(format!("{cmd}\n")));
            return;
        }
        match (mode, self.platform.enable) {
            (Mode::User, Some((enable, _))) => {
                self.phase = Phase::Enabling { secret_sent: false };
                steps.push(Step::Send(format!("{enable}\n")));
            }
            _ => self.next_command(steps),
        }
    }

    fn next_command(&mut self, steps: &mut Vec<Step>) {
        match self.plan.pop_front() {
            Some(item) => {
                steps.push(Step::Send(format!("{}\n", item.text)));
                self.phase = Phase::Running(item);
            }
            None => {
                self.phase = Phase::Over;
                steps.push(Step::Done);
            }
        }
    }

    /// The caller's deadline for the current step passed: why, with the last thing the device
    /// printed (so a wrong platform or a prompt never seen can be told apart).
    pub fn timed_out(&mut self, after: std::time::Duration) -> Step {
        let last = super::strip_ansi(self.buf.trim_end().rsplit('\n').next().unwrap_or(""));
        let last = last.trim();
        let waiting = match &self.phase {
            Phase::Login => "the first prompt".to_string(),
            Phase::Paging(i) => format!(
                "the prompt after '{}'",
                self.platform.paging_off.get(*i).unwrap_or(&"")
            ),
            Phase::Enabling { .. } => "privileged mode's prompt".to_string(),
            Phase::Running(c) => format!("the prompt after '{}'", c.text),
            Phase::Over => "nothing".to_string(),
        };
        self.phase = Phase::Over;
        Step::Failed(format!(
            "no {} prompt seen in {:.1} s waiting for {waiting}{}",
            self.platform.name,
            after.as_secs_f64(),
            if last.is_empty() {
                " (the device printed nothing)".to_string()
            } else {
                format!(
                    "; the last line was '{}'",
                    last.chars().take(120).collect::<String>()
                )
            }
        ))
    }
}
