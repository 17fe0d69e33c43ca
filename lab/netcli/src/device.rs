//! One emulated device and one CLI session on it, without I/O: keys typed go in, what the
//! device prints comes out (echo, prompts, the pager and its erasure, pauses for slow output).
//! The running configuration belongs to the device and outlives the session, so a push is seen
//! by the next backup.

use crate::flavor::{Flavor, Mode};
use serde::Deserialize;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How a device behaves (from the lab's configuration file).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub platform: Flavor,
    /// Its name (default: from its address, `r40-7` for 198.18.40.7).
    #[serde(default)]
    pub hostname: Option<String>,
    /// Printed after login, before the prompt.
    #[serde(default)]
    pub motd: Option<String>,
    /// The SSH authentication banner.
    #[serde(default)]
    pub auth_banner: Option<String>,
    /// The SSH identification string (`SSH-2.0-Cisco-1.25`).
    #[serde(default)]
    pub ssh_id: Option<String>,
    /// Lines per page until paging is turned off (0: never pages).
    #[serde(default = "default_page")]
    pub page_lines: usize,
    /// Whether it answers the paging commands but pages all the same (as some do on consoles
    /// and in some contexts).
    #[serde(default)]
    pub ignore_paging: bool,
    /// Lines of the generated running configuration.
    #[serde(default = "default_lines")]
    pub config_lines: usize,
    /// A pause after every 20 lines printed.
    #[serde(default)]
    pub slow_ms: u64,
    /// A pause before the login's first words.
    #[serde(default)]
    pub login_delay_ms: u64,
    /// Whether it ever shows a prompt (false: a device that prints its banner and hangs).
    #[serde(default = "yes")]
    pub prompt: bool,
    /// Whether it runs commands over the exec channel (most network CLIs refuse).
    #[serde(default)]
    pub exec: bool,
}

fn default_page() -> usize {
    24
}
fn default_lines() -> usize {
    120
}
fn yes() -> bool {
    true
}

/// What a device keeps between sessions.
#[derive(Debug)]
pub struct State {
    pub host: String,
    pub running: Vec<String>,
    /// Bumped by every change (the time of the last change in the headers).
    pub changed: u64,
    /// Bumped by every showing (a clock in the headers).
    pub shown: u64,
}

impl State {
    pub fn new(flavor: Flavor, host: &str, lines: usize) -> Arc<Mutex<State>> {
        Arc::new(Mutex::new(State {
            host: host.to_string(),
            running: flavor.initial_config(host, lines),
            changed: 1,
            shown: 0,
        }))
    }
}

/// What the session prints, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Out {
    Text(String),
    Pause(Duration),
    Close,
}

/// What the session waits for.
#[derive(Debug)]
enum Wait {
    /// A command line.
    Line,
    /// Any key (a banner's "Press any key").
    Key,
    /// The enable secret (not echoed).
    Secret(String),
    /// A key for the pager; the lines still to show.
    Pager(VecDeque<String>),
    /// An answer to a question (yes to save), typed so far.
    Confirm(String),
    /// Nothing ever (a device that never shows its prompt).
    Nothing,
}

/// One CLI session.
pub struct Session {
    flavor: Flavor,
    profile: Profile,
    user: String,
    secret: String,
    state: Arc<Mutex<State>>,
    mode: Mode,
    block: Option<String>,
    /// Junos's candidate configuration while in configuration mode.
    candidate: Option<Vec<String>>,
    page: usize,
    line: String,
    wait: Wait,
    last_cr: bool,
    /// Lines printed since the last pause (slow output).
    printed: usize,
}

impl Session {
    pub fn new(profile: Profile, user: &str, secret: &str, state: Arc<Mutex<State>>) -> Self {
        let flavor = profile.platform;
        Session {
            flavor,
            page: profile.page_lines,
            profile,
            user: user.to_string(),
            secret: secret.to_string(),
            state,
            mode: if flavor.has_enable() || flavor == Flavor::HuaweiVrp {
                Mode::User
            } else {
                Mode::Privileged
            },
            block: None,
            candidate: None,
            line: String::new(),
            wait: Wait::Line,
            last_cr: false,
            printed: 0,
        }
    }

    fn host(&self) -> String {
        self.state
            .lock()
            .map(|s| s.host.clone())
            .unwrap_or_default()
    }

    /// The login: banner, then the prompt (or a key first, or nothing ever).
    pub fn start(&mut self) -> Vec<Out> {
        let mut out = Vec::new();
        if self.profile.login_delay_ms > 0 {
            out.push(Out::Pause(Duration::from_millis(
                self.profile.login_delay_ms,
            )));
        }
        if let Some(m) = self.profile.motd.clone() {
            for l in m.lines() {
                self.print_line(&mut out, l);
            }
        }
        if !self.profile.prompt {
            self.wait = Wait::Nothing;
        } else if self.flavor == Flavor::HpProcurve {
            out.push(Out::Text("Press any key to continue".into()));
            self.wait = Wait::Key;
        } else {
            self.prompt(&mut out);
        }
        out
    }

    /// Keys typed; what the device prints back.
    pub fn input(&mut self, bytes: &[u8]) -> Vec<Out> {
        let mut out = Vec::new();
        for &b in bytes {
            if b == b'\n' && self.last_cr {
                self.last_cr = false;
                continue;
            }
            self.last_cr = b == b'\r';
            let enter = b == b'\r' || b == b'\n';
            match &mut self.wait {
                Wait::Nothing => {}
                Wait::Key => {
                    self.text(&mut out, "\r\n");
                    self.wait = Wait::Line;
                    self.prompt(&mut out);
                }
                Wait::Pager(rest) => {
                    let rest = std::mem::take(rest);
                    if let Some((_, erase)) = self.flavor.pager() {
                        self.text(&mut out, erase);
                    }
                    match b {
                        b' ' => self.show(rest, self.page.max(1), &mut out),
                        _ if enter => self.show(rest, 1, &mut out),
                        b'q' | 3 => self.show(VecDeque::new(), 0, &mut out),
                        _ => self.wait = Wait::Pager(rest),
                    }
                }
                Wait::Confirm(typed) => {
                    if enter {
                        let yes = typed.trim().eq_ignore_ascii_case("y");
                        self.wait = Wait::Line;
                        self.text(&mut out, "\r\n");
                        let said = if yes {
                            "Info: Save the configuration successfully."
                        } else {
                            "Info: The configuration was not saved."
                        };
                        self.emit(vec![said.into()], &mut out);
                    } else if b >= 0x20 {
                        typed.push(b as char);
                        let echo = (b as char).to_string();
                        self.text(&mut out, &echo);
                    }
                }
                Wait::Secret(typed) => {
                    if enter {
                        let right = *typed == self.secret;
                        self.wait = Wait::Line;
                        self.text(&mut out, "\r\n");
                        if right {
                            self.mode = Mode::Privileged;
                        } else {
                            self.print_line(&mut out, "% Access denied");
                        }
                        self.prompt(&mut out);
                    } else if b >= 0x20 {
                        typed.push(b as char);
                    }
                }
                Wait::Line => {
                    if enter {
                        self.text(&mut out, "\r\n");
                        let line = std::mem::take(&mut self.line);
                        self.run(&line, &mut out);
                    } else if b == 0x7f || b == 8 {
                        if self.line.pop().is_some() {
                            self.text(&mut out, "\u{8} \u{8}");
                        }
                    } else if b >= 0x20 {
                        self.line.push(b as char);
                        self.text(&mut out, &(b as char).to_string());
                    }
                }
            }
        }
        out
    }

    /// A command over the exec channel: its output alone and an exit status.
    pub fn exec(&mut self, command: &str) -> (String, u32) {
        self.mode = Mode::Privileged;
        self.page = 0;
        self.profile.prompt = false;
        self.profile.slow_ms = 0;
        let mut out = Vec::new();
        let refused = self.run(command, &mut out);
        let text = out
            .into_iter()
            .filter_map(|o| match o {
                Out::Text(t) => Some(t),
                _ => None,
            })
            .collect::<String>()
            .replace("\r\n", "\n");
        (text, u32::from(refused))
    }

    fn text(&self, out: &mut Vec<Out>, t: &str) {
        match out.last_mut() {
            Some(Out::Text(s)) => s.push_str(t),
            _ => out.push(Out::Text(t.to_string())),
        }
    }

    fn print_line(&mut self, out: &mut Vec<Out>, l: &str) {
        self.text(out, l);
        self.text(out, "\r\n");
        self.printed += 1;
        if self.profile.slow_ms > 0 && self.printed.is_multiple_of(20) {
            out.push(Out::Pause(Duration::from_millis(self.profile.slow_ms)));
        }
    }

    fn prompt(&mut self, out: &mut Vec<Out>) {
        if !self.profile.prompt {
            return;
        }
        let p = self
            .flavor
            .prompt(&self.host(), &self.user, self.mode, self.block.as_deref());
        self.text(out, &p);
    }

    /// Prints lines a page at a time, then the prompt.
    fn emit(&mut self, lines: Vec<String>, out: &mut Vec<Out>) {
        if self.page > 0 && lines.len() > self.page && self.flavor.pager().is_some() {
            self.show(lines.into(), self.page, out);
        } else {
            for l in &lines {
                self.print_line(out, l);
            }
            self.prompt(out);
        }
    }

    fn show(&mut self, mut rest: VecDeque<String>, n: usize, out: &mut Vec<Out>) {
        for _ in 0..n {
            match rest.pop_front() {
                Some(l) => self.print_line(out, &l),
                None => break,
            }
        }
        match self.flavor.pager() {
            Some((pager, _)) if !rest.is_empty() => {
                self.text(out, pager);
                self.wait = Wait::Pager(rest);
            }
            _ => {
                self.wait = Wait::Line;
                self.prompt(out);
            }
        }
    }

    /// Refuses a line; true (for the exec channel's status).
    fn refuse(&mut self, line: &str, at: usize, out: &mut Vec<Out>) -> bool {
        let lines = self.flavor.error(line, at, self.mode);
        self.emit(lines, out);
        true
    }

    /// Runs one command line; true when it was refused.
    fn run(&mut self, line: &str, out: &mut Vec<Out>) -> bool {
        let line = line.trim();
        let f = self.flavor;
        if line.is_empty() {
            self.prompt(out);
            return false;
        }
        if self.mode == Mode::Config {
            return self.config_line(line, out);
        }
        let needs_enable = f.has_enable() && self.mode == Mode::User;
        if let Some((n, said)) = f.paging_command(line) {
            if n != usize::MAX && !self.profile.ignore_paging {
                self.page = n;
            }
            let lines = if said.is_empty() { vec![] } else { vec![said] };
            self.emit(lines, out);
        } else if f.has_enable() && line == "enable" {
            if self.mode == Mode::User {
                self.text(out, "Password: ");
                self.wait = Wait::Secret(String::new());
            } else {
                self.prompt(out);
            }
        } else if f.has_enable() && line == "disable" {
            self.mode = Mode::User;
            self.prompt(out);
        } else if f.config_enter().contains(&line) {
            if needs_enable {
                return self.refuse(line, 0, out);
            }
            self.mode = Mode::Config;
            if f == Flavor::JuniperJunos {
                self.candidate = self.state.lock().ok().map(|s| s.running.clone());
            }
            let banner = f.config_banner();
            let lines = if banner.is_empty() {
                vec![]
            } else {
                vec![banner.to_string()]
            };
            self.emit(lines, out);
        } else if f.show_config().contains(&line) {
            if needs_enable {
                return self.refuse(line, 0, out);
            }
            let lines = match self.state.lock() {
                Ok(mut s) => {
                    s.shown += 1;
                    f.config_text(&s.host, &s.running, s.shown, s.changed)
                }
                Err(_) => vec![],
            };
            self.emit(lines, out);
        } else if line == f.version_command() {
            let lines = f.version().iter().map(|l| l.to_string()).collect();
            self.emit(lines, out);
        } else if let Some((_, said)) = f.save().filter(|(c, _)| *c == line) {
            if needs_enable {
                return self.refuse(line, 0, out);
            }
            if f == Flavor::HuaweiVrp && self.profile.prompt {
                // VRP asks before it writes.
                self.text(
                    out,
                    "Warning: The current configuration will be written to the device. Continue? [Y/N]:",
                );
                self.wait = Wait::Confirm(String::new());
                return false;
            }
            self.emit(said.split("\r\n").map(String::from).collect(), out);
        } else if matches!(line, "exit" | "quit" | "logout" | "/quit") {
            out.push(Out::Close);
        } else if f == Flavor::MikrotikRouteros && line.starts_with('/') {
            return self.mikrotik(line, out);
        } else {
            return self.refuse(line, 0, out);
        }
        false
    }

    /// RouterOS changes its configuration by path commands, without a configuration mode.
    fn mikrotik(&mut self, line: &str, out: &mut Vec<Out>) -> bool {
        let words: Vec<&str> = line.split_whitespace().collect();
        let verb = words
            .iter()
            .position(|w| matches!(*w, "add" | "set" | "remove"));
        let Some(verb) = verb else {
            return self.refuse(line, 0, out);
        };
        if words[..verb] == ["/system", "identity"]
            && let Some(name) = words.get(verb + 1).and_then(|w| w.strip_prefix("name="))
        {
            self.change(|s| {
                s.host = name.to_string();
                if let Some(l) = s.running.iter_mut().find(|l| l.starts_with("set name=")) {
                    *l = format!("set name={name}");
                }
            });
        } else {
            let section = words[..verb].join(" ");
            let entry = words[verb..].join(" ");
            self.change(|s| match s.running.iter().position(|l| *l == section) {
                Some(i) => {
                    let mut end = i + 1;
                    while end < s.running.len() && !s.running[end].starts_with('/') {
                        end += 1;
                    }
                    s.running.insert(end, entry.clone());
                }
                None => {
                    s.running.push(section.clone());
                    s.running.push(entry.clone());
                }
            });
        }
        self.prompt(out);
        false
    }

    fn change(&mut self, f: impl FnOnce(&mut State)) {
        if let Ok(mut s) = self.state.lock() {
            f(&mut s);
            s.changed += 1;
        }
    }

    /// A line typed in configuration mode.
    fn config_line(&mut self, line: &str, out: &mut Vec<Out>) -> bool {
        let f = self.flavor;
        let words: Vec<&str> = line.split_whitespace().collect();
        let first = words.first().copied().unwrap_or("");
        if f == Flavor::JuniperJunos {
            return self.junos_config(line, &words, out);
        }
        let leave_mode = if f == Flavor::HuaweiVrp {
            Mode::User
        } else {
            Mode::Privileged
        };
        match first {
            "end" | "return" if (first == "return") == (f == Flavor::HuaweiVrp) => {
                self.mode = leave_mode;
                self.block = None;
                self.prompt(out);
                return false;
            }
            "exit" | "quit" if (first == "quit") == (f == Flavor::HuaweiVrp) => {
                if self.block.take().is_none() {
                    self.mode = leave_mode;
                }
                self.prompt(out);
                return false;
            }
            _ => {}
        }
        if !f.config_words().contains(&first) {
            return self.refuse(line, 0, out);
        }
        let rest = line[first.len()..].trim().to_string();
        // A global command typed in an interface's context leaves that context (as IOS does).
        if matches!(
            first,
            "hostname"
                | "sysname"
                | "interface"
                | "ntp"
                | "ntp-service"
                | "logging"
                | "snmp-server"
                | "snmp-agent"
                | "username"
                | "vlan"
                | "service"
                | "banner"
                | "router"
                | "info-center"
        ) {
            self.block = None;
        }
        match first {
            "hostname" | "sysname" if !rest.is_empty() => {
                self.change(|s| {
                    s.host = rest.clone();
                    if let Some(l) = s.running.iter_mut().find(|l| l.starts_with(first)) {
                        *l = format!("{first} {rest}");
                    }
                });
            }
            "interface" if !rest.is_empty() => {
                let header = line.to_string();
                self.change(|s| {
                    if !s.running.contains(&header) {
                        s.running.push(header.clone());
                    }
                });
                self.block = Some(rest);
            }
            "no" | "undo" => {
                let gone = match &self.block {
                    Some(_) => format!(" {rest}"),
                    None => rest.clone(),
                };
                let block = self.block.clone();
                self.change(|s| {
                    let (from, to) = block_span(&s.running, block.as_deref());
                    if let Some(i) = (from..to).find(|&i| s.running[i] == gone) {
                        s.running.remove(i);
                    }
                });
            }
            _ => {
                let block = self.block.clone();
                let entry = match &block {
                    Some(_) => format!(" {line}"),
                    None => line.to_string(),
                };
                self.change(|s| {
                    let (from, to) = block_span(&s.running, block.as_deref());
                    if !(from..to).any(|i| s.running[i] == entry) {
                        s.running.insert(to, entry.clone());
                    }
                });
            }
        }
        self.prompt(out);
        false
    }

    fn junos_config(&mut self, line: &str, words: &[&str], out: &mut Vec<Out>) -> bool {
        let mut candidate = self.candidate.take().unwrap_or_default();
        let refused = match words {
            ["commit", ..] => {
                let host = candidate
                    .iter()
                    .find_map(|l| l.strip_prefix("set system host-name "))
                    .map(String::from);
                let new = candidate.clone();
                self.change(|s| {
                    s.running = new;
                    if let Some(h) = host {
                        s.host = h;
                    }
                });
                self.candidate = Some(candidate);
                self.emit(vec!["commit complete".into()], out);
                return false;
            }
            ["exit", "configuration-mode"] | ["exit"] | ["quit"] => {
                let running = self.state.lock().map(|s| s.running.clone()).ok();
                let lines = if running.as_ref() != Some(&candidate) {
                    vec!["warning: uncommitted changes discarded".to_string()]
                } else {
                    vec![]
                };
                self.mode = Mode::Privileged;
                self.block = None;
                self.text(out, "Exiting configuration mode\r\n");
                self.emit(lines, out);
                return false;
            }
            ["rollback", ..] => {
                candidate = self
                    .state
                    .lock()
                    .map(|s| s.running.clone())
                    .unwrap_or_default();
                self.candidate = Some(candidate);
                self.emit(vec!["load complete".into()], out);
                return false;
            }
            ["set", _, ..] => {
                // A leaf with one value (the host name) is replaced, not added beside.
                if line.starts_with("set system host-name ") {
                    candidate.retain(|l| !l.starts_with("set system host-name "));
                }
                if !candidate.iter().any(|l| l == line) {
                    candidate.push(line.to_string());
                }
                false
            }
            ["delete", _, ..] => {
                let path = format!("set {}", &line["delete ".len()..]);
                candidate.retain(|l| !(l == &path || l.starts_with(&format!("{path} "))));
                false
            }
            _ => true,
        };
        self.candidate = Some(candidate);
        if refused {
            return self.refuse(line, 0, out);
        }
        self.prompt(out);
        false
    }
}

/// Where a configuration context's lines are: after its header, up to the next unindented line
/// (or the whole configuration, appending at its end, without one).
fn block_span(running: &[String], block: Option<&str>) -> (usize, usize) {
    let Some(b) = block else {
        return (0, running.len());
    };
    let Some(i) = running
        .iter()
        .position(|l| l.strip_prefix("interface ").is_some_and(|n| n == b))
    else {
        return (running.len(), running.len());
    };
    let mut end = i + 1;
    while end < running.len() && running[end].starts_with(' ') {
        end += 1;
    }
    (i + 1, end)
}

#[cfg(test)]
mod tests;
