//! Network CLIs as data: for each platform, how its prompts look (user, privileged and
//! configuration modes), how paging is turned off, how privileged mode is entered, how
//! configuration mode is entered, left and saved, what its errors look like, how it shows its
//! configuration and what in that configuration changes by itself. With them, a command's
//! output is cut out of an interactive session's bytes (echo, prompts, pager debris and colours
//! removed), errors are found, and a device's platform is guessed from what it says.

pub mod driver;

use regex::Regex;
use std::sync::OnceLock;

/// One platform's CLI.
#[derive(Debug)]
pub struct Platform {
    pub name: &'static str,
    /// Any prompt of the CLI (the last line of output once a command is done).
    prompt: &'static str,
    /// The prompt of privileged mode (when the platform has one apart).
    privileged: Option<&'static str>,
    /// The prompt of configuration mode.
    config_prompt: Option<&'static str>,
    /// Commands that turn paging off for the session.
    pub paging_off: &'static [&'static str],
    /// The command entering privileged mode, and the prompt asking its secret.
    pub enable: Option<(&'static str, &'static str)>,
    pub config_enter: &'static [&'static str],
    pub config_leave: &'static [&'static str],
    /// Commands that apply what configuration mode was given (Junos's commit), typed before
    /// leaving it.
    pub commit: &'static [&'static str],
    /// Commands that drop what was given but not applied, typed before leaving (so the device
    /// does not ask whether to keep it).
    pub discard: &'static [&'static str],
    pub save: &'static [&'static str],
    /// What the pager prints while it waits for a key.
    pager: Option<&'static str>,
    /// A line that means the device refused a command.
    errors: &'static [&'static str],
    /// The command that prints the running configuration.
    pub show_config: Option<&'static str>,
    /// Lines of that configuration that change by themselves (times, counters): left out of
    /// comparisons.
    pub ignore: &'static [&'static str],
    /// A banner that waits for a key before the prompt (HP ProCurve).
    press_key: Option<&'static str>,
    /// Questions the platform asks while applying, saving or leaving configuration mode
    /// (Huawei's `save` asks `[Y/N]`), and the answer typed. Only those lines get answers: a
    /// question during a command is never answered for the operator.
    confirm: &'static [(&'static str, &'static str)],
}

/// The platforms known, by name.
pub const PLATFORMS: &[Platform] = &[
    Platform {
        name: "cisco_ios",
        prompt: r"^[\w.\-@/:]{1,63}(\(config[\w.\-@/:+]*\))?[>#]\s*$",
        privileged: Some(r"^[\w.\-@/:]{1,63}(\(config[\w.\-@/:+]*\))?#\s*$"),
        config_prompt: Some(r"\(config[\w.\-@/:+]*\)#\s*$"),
        paging_off: &["terminal length 0", "terminal width 511"],
        enable: Some(("enable", r"(?i)^password:\s*$")),
        config_enter: &["configure terminal"],
        config_leave: &["end"],
        commit: &[],
        discard: &[],
        save: &["write memory"],
        pager: Some(r" ?--More-- ?|<--- More --->"),
        errors: &[
            r"^% Invalid input",
            r"^% Incomplete command",
            r"^% Ambiguous command",
            r"^% Unknown command",
            r"^%Error",
            r"^% Access denied",
            r"^% Bad secrets",
        ],
        show_config: Some("show running-config"),
        ignore: &[
            r"^! Last configuration change",
            r"^! NVRAM config last updated",
            r"^ntp clock-period",
            r"^Building configuration",
            r"^Current configuration : \d+ bytes",
        ],
        press_key: None,
        confirm: &[],
    },
    Platform {
        name: "cisco_nxos",
        prompt: r"^[\w.\-]{1,63}(\(config[\w.\-]*\))?#\s*$",
        privileged: None,
        config_prompt: Some(r"\(config[\w.\-]*\)#\s*$"),
        paging_off: &["terminal length 0", "terminal width 511"],
        enable: None,
        config_enter: &["configure terminal"],
        config_leave: &["end"],
        commit: &[],
        discard: &[],
        save: &["copy running-config startup-config"],
        pager: Some(r" ?--More-- ?"),
        errors: &[
            r"^% Invalid command",
            r"^% Incomplete command",
            r"^% Invalid parameter",
            r"Syntax error while parsing",
        ],
        show_config: Some("show running-config"),
        ignore: &[r"^!Time:", r"^!Running configuration last done at"],
        press_key: None,
        confirm: &[],
    },
    Platform {
        name: "arista_eos",
        prompt: r"^[\w.\-]{1,63}(\(config[\w.\-]*\))?[>#]\s*$",
        privileged: Some(r"^[\w.\-]{1,63}(\(config[\w.\-]*\))?#\s*$"),
        config_prompt: Some(r"\(config[\w.\-]*\)#\s*$"),
        paging_off: &["terminal length 0", "terminal width 32767"],
        enable: Some(("enable", r"(?i)^password:\s*$")),
        config_enter: &["configure terminal"],
        config_leave: &["end"],
        commit: &[],
        discard: &[],
        save: &["write memory"],
        pager: Some(r" ?--More-- ?"),
        errors: &[
            r"^% Invalid input",
            r"^% Incomplete command",
            r"^% Ambiguous command",
            r"^% Access denied",
        ],
        show_config: Some("show running-config"),
        ignore: &[r"^! Command: show running-config", r"^! device: .*EOS-"],
        press_key: None,
        confirm: &[],
    },
    Platform {
        name: "juniper_junos",
        prompt: r"^[\w.\-]+@[\w.\-]+[>#]\s*$",
        privileged: None,
        config_prompt: Some(r"^[\w.\-]+@[\w.\-]+#\s*$"),
        paging_off: &["set cli screen-length 0", "set cli screen-width 0"],
        enable: None,
        config_enter: &["configure"],
        config_leave: &["exit configuration-mode"],
        commit: &["commit"],
        discard: &["rollback 0"],
        save: &[],
        pager: Some(r"---\(more( \d+%)?\)---"),
        errors: &[
            r"^syntax error",
            r"^unknown command",
            r"^error:",
            r"^\s*missing argument",
        ],
        show_config: Some("show configuration | display set"),
        ignore: &[r"^## Last commit:", r"^## Last changed:"],
        press_key: None,
        confirm: &[],
    },
    Platform {
        name: "hp_procurve",
        prompt: r"^[\w.\-]{1,63}(\(config[\w.\-]*\))?[>#]\s*$",
        privileged: Some(r"^[\w.\-]{1,63}(\(config[\w.\-]*\))?#\s*$"),
        config_prompt: Some(r"\(config[\w.\-]*\)#\s*$"),
        paging_off: &["no page"],
        enable: Some(("enable", r"(?i)^password:\s*$")),
        config_enter: &["configure terminal"],
        config_leave: &["end"],
        commit: &[],
        discard: &[],
        save: &["write memory"],
        pager: Some(r"-- MORE --, next page: Space, next line: Enter, quit: Control-C"),
        errors: &[r"^Invalid input:", r"^Incomplete input", r"^% "],
        show_config: Some("show running-config"),
        ignore: &[
            r"^; .* Configuration Editor; Created on release",
            r"^; Ver ",
        ],
        press_key: Some(r"Press any key to continue"),
        confirm: &[],
    },
    Platform {
        name: "mikrotik_routeros",
        prompt: r"^\[[\w.\-@]+\] [/\w\- ]*>\s*$",
        privileged: None,
        config_prompt: None,
        paging_off: &[],
        enable: None,
        config_enter: &[],
        config_leave: &[],
        commit: &[],
        discard: &[],
        save: &[],
        pager: None,
        errors: &[
            r"^bad command name",
            r"^expected end of command",
            r"^syntax error",
            r"^failure:",
            r"^input does not match",
        ],
        show_config: Some("/export"),
        ignore: &[r"^# .* by RouterOS", r"^# software id ="],
        press_key: None,
        confirm: &[],
    },
    Platform {
        name: "huawei_vrp",
        prompt: r"^(<[\w.\-]{1,63}>|\[[~*]?[\w.\-]{1,63}(-[\w.\-/:]+)*\])\s*$",
        privileged: None,
        config_prompt: Some(r"^\[[~*]?[\w.\-]{1,63}(-[\w.\-/:]+)*\]\s*$"),
        paging_off: &["screen-length 0 temporary"],
        enable: None,
        config_enter: &["system-view"],
        config_leave: &["return"],
        commit: &[],
        discard: &[],
        save: &["save"],
        pager: Some(r"[ \t]*---- More ----"),
        errors: &[r"^Error:", r"^\s*\^\s*$"],
        show_config: Some("display current-configuration"),
        ignore: &[
            r"^!Software Version",
            r"^!Last configuration was updated at",
        ],
        press_key: None,
        confirm: &[(r"(?i)\[Y/N\]:?\s*$", "y")],
    },
    Platform {
        name: "linux",
        prompt: r"^[\w.\-@:~/\[\] ]{0,200}[$#]\s*$",
        privileged: None,
        config_prompt: None,
        paging_off: &["export PAGER=cat SYSTEMD_PAGER= GIT_PAGER=cat"],
        enable: None,
        config_enter: &[],
        config_leave: &[],
        commit: &[],
        discard: &[],
        save: &[],
        pager: None,
        errors: &[],
        show_config: None,
        ignore: &[],
        press_key: None,
        confirm: &[],
    },
];

/// A platform by name (`cisco_ios`, ...); the error names the known ones.
pub fn platform(name: &str) -> Result<&'static Platform, String> {
    PLATFORMS.iter().find(|p| p.name == name).ok_or_else(|| {
        format!(
            "'{name}' is not a platform: {}, or auto",
            PLATFORMS
                .iter()
                .map(|p| p.name)
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

/// The compiled patterns of every platform, in `PLATFORMS`' order.
struct Compiled {
    prompt: Regex,
    privileged: Option<Regex>,
    config: Option<Regex>,
    pager: Option<Regex>,
    errors: Vec<Regex>,
    ignore: Vec<Regex>,
    press_key: Option<Regex>,
    confirm: Vec<(Regex, &'static str)>,
}

fn compiled(p: &Platform) -> &'static Compiled {
    static ALL: OnceLock<Vec<Compiled>> = OnceLock::new();
    let all = ALL.get_or_init(|| {
        let re = |s: &str| Regex::new(&format!("(?m){s}")).expect("a platform's pattern");
        PLATFORMS
            .iter()
            .map(|p| Compiled {
                prompt: re(p.prompt),
                privileged: p.privileged.map(re),
                config: p.config_prompt.map(re),
                pager: p.pager.map(re),
                errors: p.errors.iter().map(|e| re(e)).collect(),
                ignore: p.ignore.iter().map(|e| re(e)).collect(),
                press_key: p.press_key.map(re),
                confirm: p.confirm.iter().map(|(q, a)| (re(q), *a)).collect(),
            })
            .collect()
    });
    let i = PLATFORMS
        .iter()
        .position(|q| q.name == p.name)
        .unwrap_or_default();
    &all[i]
}

/// Which mode a prompt says the CLI is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    User,
    Privileged,
    Config,
}

impl Platform {
    /// The prompt the output ends with, if it does (its last line, trimmed of the cursor's
    /// spaces), and the mode it says.
    pub fn prompt_at_end(&self, output: &str) -> Option<(String, Mode)> {
        let c = compiled(self);
        let last = output.rsplit('\n').next()?.trim_end_matches(['\r', ' ']);
        let last = strip_ansi(last);
        if last.is_empty() || !c.prompt.is_match(&last) {
            return None;
        }
        let mode = if c.config.as_ref().is_some_and(|r| r.is_match(&last)) {
            Mode::Config
        } else if self.privileged.is_none()
            || c.privileged.as_ref().is_some_and(|r| r.is_match(&last))
        {
            Mode::Privileged
        } else {
            Mode::User
        };
        Some((last, mode))
    }

    /// Whether the output ends with the pager waiting for a key.
    pub fn pager_at_end(&self, output: &str) -> bool {
        let tail = strip_ansi(output.rsplit('\n').next().unwrap_or(""));
        compiled(self)
            .pager
            .as_ref()
            .is_some_and(|r| r.is_match(tail.trim_end()))
    }

    /// Whether the output ends with a banner waiting for a key before the prompt.
    pub fn key_wanted(&self, output: &str) -> bool {
        let tail = strip_ansi(output.rsplit('\n').next().unwrap_or(""));
        compiled(self)
            .press_key
            .as_ref()
            .is_some_and(|r| r.is_match(&tail))
    }

    /// The answer to a question the output ends with (while applying or saving), if the
    /// platform knows the question.
    pub fn answer_to(&self, output: &str) -> Option<&'static str> {
        let tail = strip_ansi(output.rsplit('\n').next().unwrap_or(""));
        compiled(self)
            .confirm
            .iter()
            .find(|(q, _)| q.is_match(tail.trim_end_matches('\r')))
            .map(|(_, a)| *a)
    }

    /// Whether the output ends with privileged mode's password prompt.
    pub fn secret_wanted(&self, output: &str) -> bool {
        let Some((_, prompt)) = self.enable else {
            return false;
        };
        let tail = strip_ansi(output.rsplit('\n').next().unwrap_or(""));
        Regex::new(prompt).is_ok_and(|r| r.is_match(tail.trim_end()))
    }

    /// The first line of a command's output that says the device refused it.
    pub fn error_in(&self, output: &str) -> Option<String> {
        let c = compiled(self);
        let lines: Vec<&str> = output.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if c.errors.iter().any(|r| r.is_match(line)) {
                // A caret under the faulty word is followed by the message: give both.
                let next = lines.get(i + 1).map(|l| l.trim()).filter(|l| !l.is_empty());
                return Some(match (line.trim(), next) {
                    ("^", Some(n)) => n.to_string(),
                    (l, _) => l.to_string(),
                });
            }
        }
        None
    }

    /// A configuration without the lines that change by themselves.
    pub fn comparable(&self, config: &str) -> String {
        let c = compiled(self);
        config
            .lines()
            .filter(|l| !c.ignore.iter().any(|r| r.is_match(l)))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// A unified diff of two configurations without their lines that change by themselves;
    /// empty when they are the same. `names` head the diff (`before`, `after`).
    pub fn config_diff(&self, old: &str, new: &str, names: (&str, &str)) -> String {
        let a = self.comparable(old) + "\n";
        let b = self.comparable(new) + "\n";
        if a == b {
            return String::new();
        }
        similar::TextDiff::from_lines(&a, &b)
            .unified_diff()
            .context_radius(3)
            .header(names.0, names.1)
            .to_string()
    }

    /// A command's output alone, from what the session printed after it was sent: colours,
    /// pager prompts and what erased them, the echoed command and the closing prompt removed.
    pub fn clean(&self, raw: &str, command: &str) -> String {
        let c = compiled(self);
        // A cursor moved left (how some pagers erase themselves) is as many backspaces.
        static LEFT: OnceLock<Regex> = OnceLock::new();
        let left = LEFT.get_or_init(|| Regex::new(r"\x1b\[(\d*)D").expect("the cursor pattern"));
        let text = left.replace_all(raw, |m: &regex::Captures<'_>| {
            let n = m[1].parse::<usize>().unwrap_or(1).min(4096);
            "\u{8}".repeat(n)
        });
        let text = strip_ansi(&text);
        let text = match &c.pager {
            Some(r) => r.replace_all(&text, "").into_owned(),
            None => text,
        };
        let mut lines: Vec<String> = text.split('\n').map(overprint).collect();
        // The echo: the first line that ends with the command (after the prompt, or alone).
        if let Some(first) = lines.iter().position(|l| !l.trim().is_empty())
            && lines[first].trim_end().ends_with(command.trim())
        {
            lines.drain(..=first);
        }
        // The closing prompt.
        while lines.last().is_some_and(|l| l.trim().is_empty()) {
            lines.pop();
        }
        if lines
            .last()
            .is_some_and(|l| c.prompt.is_match(l.trim_end()))
        {
            lines.pop();
        }
        while lines.last().is_some_and(|l| l.trim().is_empty()) {
            lines.pop();
        }
        lines.join("\n")
    }
}

/// A line as a terminal shows it: a backspace takes the character before it back, a carriage
/// return starts the line over (what follows covers what came before).
fn overprint(line: &str) -> String {
    let mut cells: Vec<char> = Vec::new();
    let mut col = 0usize;
    for ch in line.chars() {
        match ch {
            '\u{8}' => col = col.saturating_sub(1),
            '\r' => col = 0,
            c => {
                if col < cells.len() {
                    cells[col] = c;
                } else {
                    cells.push(c);
                }
                col += 1;
            }
        }
    }
    let s: String = cells.into_iter().collect();
    s.trim_end().to_string()
}

/// Text without terminal escape sequences (colours, cursor moves).
pub fn strip_ansi(s: &str) -> String {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][A-Za-z0-9]|\x1b[=>78]|\x1b\][^\x07]*\x07")
            .expect("the escape pattern")
    });
    re.replace_all(s, "").into_owned()
}

/// The platform a device most likely runs, from what is known of it: its SNMP sysDescr, its
/// SSH banner or its first output (a prompt). `None` when nothing says.
pub fn guess(sys_descr: Option<&str>, said: &str) -> Option<&'static Platform> {
    let by_text = |t: &str| -> Option<&'static str> {
        let rules: [(&str, &str); 12] = [
            ("Cisco NX-OS", "cisco_nxos"),
            ("NX-OS", "cisco_nxos"),
            ("Cisco IOS", "cisco_ios"),
            ("Arista Networks EOS", "arista_eos"),
            ("JUNOS", "juniper_junos"),
            ("Junos", "juniper_junos"),
            ("ProCurve", "hp_procurve"),
            ("Press any key to continue", "hp_procurve"),
            ("RouterOS", "mikrotik_routeros"),
            ("MikroTik", "mikrotik_routeros"),
            ("Huawei Versatile Routing Platform", "huawei_vrp"),
            ("Huawei", "huawei_vrp"),
        ];
        rules.iter().find(|(k, _)| t.contains(k)).map(|(_, n)| *n)
    };
    let hp = |t: &str| t.contains("HP ") && t.contains("Switch");
    if let Some(d) = sys_descr {
        if let Some(n) = by_text(d) {
            return platform(n).ok();
        }
        if hp(d) {
            return platform("hp_procurve").ok();
        }
        if d.starts_with("Linux") {
            return platform("linux").ok();
        }
    }
    let clean = strip_ansi(said);
    if let Some(n) = by_text(&clean) {
        return platform(n).ok();
    }
    // The prompt's shape.
    let last = clean.trim_end().rsplit('\n').next().unwrap_or("").trim();
    let shape = |pattern: &str| Regex::new(pattern).is_ok_and(|r| r.is_match(last));
    let name = if shape(r"^<[\w.\-]+>$") {
        "huawei_vrp"
    } else if shape(r"^\[[\w.\-@]+\] [/\w\- ]*>$") {
        "mikrotik_routeros"
    } else if shape(r"^[\w.\-]+@[\w.\-]+[>#]$") {
        "juniper_junos"
    } else if shape(r"^[\w.\-]+@[\w.\-]+:.*[$#]$") || last.ends_with('$') {
        "linux"
    } else if shape(r"^[\w.\-]{1,63}[>#]$") {
        "cisco_ios"
    } else {
        return None;
    };
    platform(name).ok()
}

#[cfg(test)]
mod tests;
