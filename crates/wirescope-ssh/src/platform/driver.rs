//! An interactive CLI session as a state machine, without I/O: what the device printed goes in
//! (`feed`), what to type comes out (a key for a banner or a pager, the paging-off commands, the
//! enable command and its secret, each command in turn) with each command's output alone once
//! the prompt is back. The caller owns the channel and the clock (`timed_out`).

use super::{Mode, Platform};
use std::collections::VecDeque;

/// What the session asks of its caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Write these bytes to the channel.
    Send(String),
    /// A command's output, alone, and the device's error line if it refused it.
    Output {
        command: String,
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
    /// A command was sent; its output is coming.
    Running(String),
    Over,
}

/// One interactive session's progress.
#[derive(Debug)]
pub struct Driver {
    platform: &'static Platform,
    commands: VecDeque<String>,
    secret: Option<String>,
    buf: String,
    phase: Phase,
    /// The most one command (or the login) may print before its prompt.
    limit: usize,
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
        Driver {
            platform,
            commands: commands.into(),
            secret,
            buf: String::new(),
            phase: Phase::Login,
            limit,
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
            Phase::Running(command) => {
                let text = p.clean(&printed, &command);
                let error = p.error_in(&text);
                steps.push(Step::Output {
                    command,
                    text,
                    error,
                });
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
        match self.commands.pop_front() {
            Some(cmd) => {
                steps.push(Step::Send(format!("{cmd}\n")));
                self.phase = Phase::Running(cmd);
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
            Phase::Running(c) => format!("the prompt after '{c}'"),
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
