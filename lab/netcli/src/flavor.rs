//! What each emulated vendor's CLI says: its prompts, pager, paging commands, the words its
//! configuration mode knows, its error messages and the headers of its configuration. Written
//! from the vendors' manuals independently of wirescope's own platform table, so a mistake in
//! one is not mirrored by the other.

use serde::Deserialize;

/// The CLIs the lab emulates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flavor {
    CiscoIos,
    CiscoNxos,
    AristaEos,
    JuniperJunos,
    HpProcurve,
    MikrotikRouteros,
    HuaweiVrp,
}

/// Where a session is in the CLI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    User,
    Privileged,
    Config,
}

impl Flavor {
    /// Whether a session starts in user mode and needs `enable` for privileged commands.
    pub fn has_enable(self) -> bool {
        matches!(
            self,
            Flavor::CiscoIos | Flavor::AristaEos | Flavor::HpProcurve
        )
    }

    /// The prompt for a mode; `block` is the configuration context (an interface) when in one.
    pub fn prompt(self, host: &str, user: &str, mode: Mode, block: Option<&str>) -> String {
        use Flavor::*;
        match (self, mode) {
            (JuniperJunos, Mode::Config) => match block {
                Some(b) => format!("[edit {b}]\r\n{user}@{host}# "),
                None => format!("[edit]\r\n{user}@{host}# "),
            },
            (JuniperJunos, _) => format!("{user}@{host}> "),
            (MikrotikRouteros, _) => format!("[{user}@{host}] > "),
            (HuaweiVrp, Mode::Config) => match block {
                Some(b) => format!("[{host}-{b}]"),
                None => format!("[{host}]"),
            },
            (HuaweiVrp, _) => format!("<{host}>"),
            (HpProcurve, Mode::Config) => match block {
                Some(b) => format!("{host}(eth-{})# ", b.trim_start_matches("ethernet ")),
                None => format!("{host}(config)# "),
            },
            (HpProcurve, Mode::User) => format!("{host}> "),
            (HpProcurve, Mode::Privileged) => format!("{host}# "),
            (_, Mode::Config) => match block {
                Some(_) => format!("{host}(config-if)#"),
                None => format!("{host}(config)#"),
            },
            (_, Mode::User) => format!("{host}>"),
            (_, Mode::Privileged) => format!("{host}#"),
        }
    }

    /// What the pager prints while it waits, and what erases it once a key came.
    pub fn pager(self) -> Option<(&'static str, &'static str)> {
        use Flavor::*;
        match self {
            CiscoIos | CiscoNxos | AristaEos => Some((
                " --More-- ",
                "\u{8}\u{8}\u{8}\u{8}\u{8}\u{8}\u{8}\u{8}\u{8}\u{8}          \u{8}\u{8}\u{8}\u{8}\u{8}\u{8}\u{8}\u{8}\u{8}\u{8}",
            )),
            JuniperJunos => Some(("---(more 42%)---", "\r                \r")),
            HpProcurve => Some((
                "-- MORE --, next page: Space, next line: Enter, quit: Control-C",
                "\x1b[2K\r",
            )),
            HuaweiVrp => Some(("  ---- More ----", "\x1b[16D                \x1b[16D")),
            MikrotikRouteros => None,
        }
    }

    /// The answer to a command that sets the page length (`None` when it is not one): the new
    /// length and what the device says.
    pub fn paging_command(self, line: &str) -> Option<(usize, String)> {
        use Flavor::*;
        let words: Vec<&str> = line.split_whitespace().collect();
        let number = |w: Option<&&str>| w.and_then(|n| n.parse::<usize>().ok());
        match (self, words.as_slice()) {
            (CiscoIos | CiscoNxos | AristaEos, ["terminal", "length", n]) => {
                Some((number(Some(n))?, String::new()))
            }
            (CiscoIos | CiscoNxos | AristaEos, ["terminal", "width", _]) => {
                Some((usize::MAX, String::new()))
            }
            (JuniperJunos, ["set", "cli", "screen-length", n]) => {
                Some((number(Some(n))?, format!("Screen length set to {n}")))
            }
            (JuniperJunos, ["set", "cli", "screen-width", n]) => {
                Some((usize::MAX, format!("Screen width set to {n}")))
            }
            (HpProcurve, ["no", "page"]) => Some((0, String::new())),
            (HuaweiVrp, ["screen-length", n, "temporary"]) => Some((
                number(Some(n))?,
                "Info: The configuration takes effect on the current user terminal interface only."
                    .into(),
            )),
            _ => None,
        }
    }

    pub fn config_enter(self) -> &'static [&'static str] {
        use Flavor::*;
        match self {
            CiscoIos | CiscoNxos | AristaEos | HpProcurve => &["configure terminal", "conf t"],
            JuniperJunos => &["configure", "edit"],
            HuaweiVrp => &["system-view"],
            MikrotikRouteros => &[],
        }
    }

    /// What configuration mode says on entry.
    pub fn config_banner(self) -> &'static str {
        match self {
            Flavor::CiscoIos => "Enter configuration commands, one per line.  End with CNTL/Z.",
            Flavor::JuniperJunos => "Entering configuration mode",
            Flavor::HuaweiVrp => "Enter system view, return user view with return command.",
            _ => "",
        }
    }

    pub fn show_config(self) -> &'static [&'static str] {
        use Flavor::*;
        match self {
            CiscoIos | CiscoNxos | AristaEos | HpProcurve => {
                &["show running-config", "show run", "sh run"]
            }
            JuniperJunos => &["show configuration | display set"],
            HuaweiVrp => &["display current-configuration"],
            MikrotikRouteros => &["/export"],
        }
    }

    pub fn save(self) -> Option<(&'static str, &'static str)> {
        use Flavor::*;
        match self {
            CiscoIos | AristaEos | HpProcurve => {
                Some(("write memory", "Building configuration...\r\n[OK]"))
            }
            CiscoNxos => Some((
                "copy running-config startup-config",
                "[########################################] 100%\r\nCopy complete.",
            )),
            HuaweiVrp => Some(("save", "Info: Save the configuration successfully.")),
            JuniperJunos | MikrotikRouteros => None,
        }
    }

    pub fn version(self) -> &'static [&'static str] {
        use Flavor::*;
        match self {
            CiscoIos => &[
                "Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E8, RELEASE SOFTWARE (fc1)",
                "Technical Support: http://www.cisco.com/techsupport",
                "ROM: Bootstrap program is C2960X boot loader",
            ],
            CiscoNxos => &[
                "Cisco Nexus Operating System (NX-OS) Software",
                "  NXOS: version 9.3(10)",
            ],
            AristaEos => &[
                "Arista DCS-7050SX3-48YC8",
                "Software image version: 4.30.1F",
            ],
            JuniperJunos => &["Model: ex4300-48t", "Junos: 21.4R3-S4.9"],
            HpProcurve => &[
                "Image stamp:    /ws/swbuildm/rel_onterio_qaoff/code/build/",
                "WB.16.10.0012",
            ],
            MikrotikRouteros => &[
                "uptime: 3w2d",
                "version: 7.12.1 (stable)",
                "board-name: CCR2004-1G-12S+2XS",
            ],
            HuaweiVrp => &[
                "Huawei Versatile Routing Platform Software",
                "VRP (R) software, Version 8.180 (CE6881 V200R019C10SPC800)",
            ],
        }
    }

    pub fn version_command(self) -> &'static str {
        match self {
            Flavor::HuaweiVrp => "display version",
            Flavor::MikrotikRouteros => "/system resource print",
            _ => "show version",
        }
    }

    /// The lines a refused command prints; `at` is where its first unknown word starts.
    pub fn error(self, line: &str, at: usize, mode: Mode) -> Vec<String> {
        use Flavor::*;
        // The caret sits under the faulty word, after the prompt's width (as devices do).
        let caret = format!("{}^", " ".repeat(at + 12));
        match self {
            CiscoIos => vec![caret, "% Invalid input detected at '^' marker.".into()],
            AristaEos => vec!["% Invalid input".into()],
            CiscoNxos => vec![caret, "% Invalid command at '^' marker.".into()],
            HpProcurve => vec![format!(
                "Invalid input: {}",
                line.split_whitespace().next().unwrap_or("")
            )],
            JuniperJunos if mode == Mode::Config => vec![caret, "syntax error.".into()],
            JuniperJunos => vec![caret, "unknown command.".into()],
            HuaweiVrp => vec![
                caret,
                "Error: Unrecognized command found at '^' position.".into(),
            ],
            MikrotikRouteros => vec![format!(
                "bad command name {} (line 1 column {})",
                line.split_whitespace().next().unwrap_or(""),
                at + 1
            )],
        }
    }

    /// The words a configuration line may start with.
    pub fn config_words(self) -> &'static [&'static str] {
        use Flavor::*;
        match self {
            CiscoIos | CiscoNxos | AristaEos | HpProcurve => &[
                "hostname",
                "interface",
                "description",
                "ip",
                "ipv6",
                "shutdown",
                "no",
                "vlan",
                "name",
                "ntp",
                "logging",
                "snmp-server",
                "username",
                "switchport",
                "spanning-tree",
                "service",
                "banner",
                "router",
                "network",
                "untagged",
                "tagged",
            ],
            HuaweiVrp => &[
                "sysname",
                "interface",
                "description",
                "ip",
                "undo",
                "shutdown",
                "vlan",
                "ntp-service",
                "info-center",
                "snmp-agent",
                "port",
            ],
            JuniperJunos => &["set", "delete"],
            MikrotikRouteros => &[],
        }
    }

    /// The headers around a configuration when it is shown; `n` changes on every showing (a
    /// clock), `changed` when the configuration last changed.
    pub fn config_text(self, host: &str, body: &[String], n: u64, changed: u64) -> Vec<String> {
        use Flavor::*;
        let time = |t: u64| format!("12:{:02}:{:02} UTC Sat Dec 5 2026", (t / 60) % 60, t % 60);
        let bytes: usize = body.iter().map(|l| l.len() + 1).sum();
        let mut out: Vec<String> = match self {
            CiscoIos => vec![
                "Building configuration...".into(),
                String::new(),
                format!("Current configuration : {bytes} bytes"),
                "!".into(),
                format!("! Last configuration change at {}", time(changed)),
                format!(
                    "ntp clock-period 36{:07}",
                    n.wrapping_mul(7919) % 10_000_000
                ),
                "!".into(),
            ],
            CiscoNxos => vec![
                String::new(),
                "!Command: show running-config".into(),
                format!("!Running configuration last done at: {}", time(changed)),
                format!("!Time: {}", time(n)),
                String::new(),
            ],
            AristaEos => vec![
                "! Command: show running-config".into(),
                format!("! device: {host} (DCS-7050SX3-48YC8, EOS-4.30.1F)"),
                "!".into(),
            ],
            JuniperJunos => vec![format!(
                "## Last commit: 2026-12-05 {} by wsl",
                time(changed)
            )],
            HpProcurve => vec![
                "Running configuration:".into(),
                String::new(),
                "; J9729A Configuration Editor; Created on release #WB.16.10.0012".into(),
                format!(
                    "; Ver #14:{:02}.ef.7c.5f.fc.6b.fb.9f.fc.f3.ff.37.ef:91",
                    n % 100
                ),
            ],
            HuaweiVrp => vec![
                "!Software Version V200R019C10SPC800".into(),
                format!("!Last configuration was updated at {}", time(changed)),
                "#".into(),
            ],
            MikrotikRouteros => vec![
                format!("# {} by RouterOS 7.12.1", time(n)),
                "# software id = 8FXQ-4K2B".into(),
                "#".into(),
            ],
        };
        out.extend(body.iter().cloned());
        match self {
            CiscoIos | AristaEos => out.push("end".into()),
            HuaweiVrp => out.push("return".into()),
            _ => {}
        }
        out
    }

    /// A generated running configuration of about `lines` lines for `host`.
    pub fn initial_config(self, host: &str, lines: usize) -> Vec<String> {
        use Flavor::*;
        let mut out = Vec::with_capacity(lines + 8);
        match self {
            JuniperJunos => {
                out.push(format!("set system host-name {host}"));
                let mut i = 0;
                while out.len() < lines {
                    out.push(format!(
                        "set interfaces ge-0/0/{i} description \"link {i}\""
                    ));
                    out.push(format!(
                        "set interfaces ge-0/0/{i} unit 0 family inet address 10.{}.{}.1/24",
                        i / 256,
                        i % 256
                    ));
                    i += 1;
                }
            }
            MikrotikRouteros => {
                out.push("/system identity".into());
                out.push(format!("set name={host}"));
                out.push("/ip address".into());
                let mut i = 0;
                while out.len() < lines {
                    out.push(format!(
                        "add address=10.{}.{}.1/24 interface=ether{} comment=\"link {i}\"",
                        i / 256,
                        i % 256,
                        i + 1
                    ));
                    i += 1;
                }
            }
            HuaweiVrp => {
                out.push(format!("sysname {host}"));
                out.push("#".into());
                let mut i = 0;
                while out.len() < lines {
                    out.push(format!("interface GigabitEthernet0/0/{i}"));
                    out.push(format!(" description link {i}"));
                    out.push(format!(
                        " ip address 10.{}.{}.1 255.255.255.0",
                        i / 256,
                        i % 256
                    ));
                    out.push("#".into());
                    i += 1;
                }
            }
            _ => {
                out.push(format!("hostname {host}"));
                out.push("!".into());
                let mut i = 0;
                let name = |i: usize| match self {
                    HpProcurve => format!("interface {}", i + 1),
                    CiscoNxos | AristaEos => format!("interface Ethernet1/{}", i + 1),
                    _ => format!("interface GigabitEthernet0/{i}"),
                };
                while out.len() < lines {
                    out.push(name(i));
                    out.push(format!(" description link {i}"));
                    out.push(format!(
                        " ip address 10.{}.{}.1 255.255.255.0",
                        i / 256,
                        i % 256
                    ));
                    out.push(" no shutdown".into());
                    out.push("!".into());
                    i += 1;
                }
            }
        }
        out
    }
}
