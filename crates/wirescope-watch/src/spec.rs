//! A suite as written (TOML, YAML or JSON) and as stored (JSON): its runs, each a kind with its
//! options, its targets (inline, a file read at each fire, or the devices of a topology run) and
//! where to probe from; and its schedule. Checked whole when it is added, with every error naming
//! its field (`runs[1].options.count`, `schedule.timezone`).

use crate::alert::{AlertRule, MaintenanceSpec};
use crate::schedule::Schedule;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;
use wirescope_net::NetOptions;
use wirescope_probe::ProbeKind;
use wirescope_runs::engine::ProbeOptions;

/// Runs in one suite, at most.
pub const MAX_RUNS: usize = 64;
/// Bytes of a suite file or body, at most.
pub const MAX_SPEC_BYTES: usize = 1 << 20;

/// What is wrong with a suite, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct SuiteError {
    /// The field at fault, as a path (`runs[0].options.count`), or `suite` for the whole.
    pub field: String,
    pub message: String,
}

impl SuiteError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        SuiteError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// A named set of runs kept to be run again, on demand or on a schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Suite {
    /// The suite's name, in a file or a new suite's body (the store keeps it beside the spec,
    /// not in it; a name given on the command line wins).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// When it runs by itself; none: on demand only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<ScheduleSpec>,
    /// The runs a fire starts, together.
    pub runs: Vec<RunSpec>,
    /// Alert rules over the results of its scheduled runs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alerts: Vec<AlertRule>,
    /// Windows when its alerts are kept but nobody is told.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub maintenance: Vec<MaintenanceSpec>,
    /// Dependencies, target to parent (as results name them): while a parent is down, its
    /// children's alerts are kept but nobody is told.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parents: BTreeMap<String, String>,
}

/// A cron schedule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleSpec {
    /// Five fields (minute hour day-of-month month day-of-week), or six with seconds first;
    /// names (MON, JAN), ranges, steps, `L`, `W` and `#` as croner reads them.
    pub cron: String,
    /// An IANA time zone (`Europe/Berlin`); none: the server's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// How long a scheduled fire spreads its probes over, each run paced to fit, so thousands
    /// of targets do not go out in the same millisecond (ping, trace, dns and scan runs; SNMP
    /// and SSH runs are bounded by their concurrency). Default: half the interval, at most a
    /// minute; `0s`: as fast as the runs' own rates allow.
    #[serde(
        default,
        with = "wirescope_probe::duration::serde_human::option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<wirescope_probe::duration::DurationSchema>)]
    pub spread: Option<Duration>,
}

/// One run of a suite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunSpec {
    pub kind: ProbeKind,
    /// The kind's options, as a run takes them; secrets belong in credential profiles
    /// (`profiles` for SNMP, `profile` for SSH), not in a suite.
    #[serde(default = "empty_object")]
    #[schema(value_type = Object)]
    pub options: serde_json::Value,
    /// Target expressions, as a run takes them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targets: Option<String>,
    /// A file of target expressions, read at every fire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub targets_file: Option<PathBuf>,
    /// The devices a stored topology run found (their addresses), read at every fire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topology_run: Option<i64>,
    #[serde(default)]
    pub net: NetOptions,
    /// Where to run it from: `local` (the server) and remote agents' sites, up to 16; each
    /// makes its own run, and trends and alerts keep them apart (`TARGET@SITE`). None: the
    /// server alone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sites: Vec<String>,
}

fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(serde_json::Map::new())
}

/// The format of a suite's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Toml,
    Yaml,
    Json,
}

impl Format {
    /// By a file's extension (`.toml`, `.yaml`/`.yml`, `.json`).
    pub fn of_path(path: &std::path::Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "toml" => Some(Format::Toml),
            "yaml" | "yml" => Some(Format::Yaml),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

/// Checks a suite's name: 1 to 64 letters, digits, '-', '_' or '.' (what a shell and an
/// address bar take as they are).
pub fn check_name(name: &str) -> Result<(), SuiteError> {
    check_label("name", "suite name", name)
}

/// Checks a name of something a suite names (a rule, a channel) as [`check_name`] does; the
/// error names `field` and says what the name is of.
pub fn check_label(field: &str, what: &str, name: &str) -> Result<(), SuiteError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(SuiteError::new(
            field,
            format!("{what} '{name}': 1 to 64 letters, digits, '-', '_' or '.'"),
        ))
    }
}

impl Suite {
    /// Checks what a suite given over the network may not do that its server's own user may:
    /// read a file of the server (`targets_file`: its lines would come back in errors) or enter
    /// a namespace by path (`net.netns` is a name under /run/netns, as for runs).
    pub fn check_remote(&self) -> Result<(), SuiteError> {
        for (i, run) in self.runs.iter().enumerate() {
            if run.targets_file.is_some() {
                return Err(SuiteError::new(
                    format!("runs[{i}].targets_file"),
                    "a file of targets on the server is named by `wirescope suite add` on the server itself; over the API give targets or a topology run",
                ));
            }
            if let Some(ns) = run.net.netns.as_deref().filter(|n| !n.is_empty()) {
                wirescope_net::netns::check_name(ns)
                    .map_err(|e| SuiteError::new(format!("runs[{i}].net.netns"), e.to_string()))?;
            }
        }
        Ok(())
    }

    /// Reads a suite from text in `format`, and checks it.
    pub fn parse(text: &str, format: Format) -> Result<Suite, SuiteError> {
        if text.len() > MAX_SPEC_BYTES {
            return Err(SuiteError::new(
                "suite",
                format!("larger than {} KiB", MAX_SPEC_BYTES >> 10),
            ));
        }
        let value: serde_json::Value = match format {
            Format::Toml => {
                toml::from_str(text).map_err(|e| SuiteError::new("suite", e.to_string()))
            }
            Format::Yaml => {
                yaml_serde::from_str(text).map_err(|e| SuiteError::new("suite", e.to_string()))
            }
            Format::Json => {
                serde_json::from_str(text).map_err(|e| SuiteError::new("suite", e.to_string()))
            }
        }?;
        Suite::from_value(value)
    }

    /// A suite from a JSON value (an API body, a stored spec), checked.
    pub fn from_value(value: serde_json::Value) -> Result<Suite, SuiteError> {
        let suite: Suite = serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            let field = if path == "." { "suite".into() } else { path };
            SuiteError::new(field, e.inner().to_string())
        })?;
        suite.check()?;
        Ok(suite)
    }

    /// Checks what serde cannot: the schedule, each run's options and targets.
    pub fn check(&self) -> Result<(), SuiteError> {
        if let Some(s) = &self.schedule {
            Schedule::new(s)?;
        }
        if self.runs.is_empty() {
            return Err(SuiteError::new("runs", "a suite needs at least one run"));
        }
        if self.runs.len() > MAX_RUNS {
            return Err(SuiteError::new(
                "runs",
                format!("a suite has at most {MAX_RUNS} runs"),
            ));
        }
        for (i, run) in self.runs.iter().enumerate() {
            run.check()
                .map_err(|e| SuiteError::new(format!("runs[{i}].{}", e.field), e.message))?;
        }
        let kinds: Vec<_> = self.runs.iter().map(|r| r.kind).collect();
        crate::alert::check(&self.alerts, &self.maintenance, &self.parents, &kinds)
    }

    /// Checks that every channel its rules notify exists.
    pub fn check_channels(&self, exists: impl Fn(&str) -> bool) -> Result<(), SuiteError> {
        for (i, rule) in self.alerts.iter().enumerate() {
            for (j, name) in rule.notify.iter().enumerate() {
                if !exists(name) {
                    return Err(SuiteError::new(
                        format!("alerts[{i}].notify[{j}]"),
                        format!("no channel named '{name}' (add it first)"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The suite as stored (JSON), without its name.
    pub fn to_json(&self) -> String {
        let unnamed = Suite {
            name: None,
            ..self.clone()
        };
        serde_json::to_string(&unnamed).unwrap_or_default()
    }
}

impl RunSpec {
    /// The run's options, typed.
    pub fn probe(&self) -> Result<ProbeOptions, SuiteError> {
        let value = serde_json::json!({"kind": self.kind, "options": self.options});
        serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            let field = if path == "." { "options".into() } else { path };
            SuiteError::new(field, e.inner().to_string())
        })
    }

    /// Errors name the field within the run (`options.count`, `targets`).
    fn check(&self) -> Result<(), SuiteError> {
        let probe = self.probe()?;
        // Secrets are never written out, so a suite cannot keep them: what it was given must
        // survive being stored.
        let stored: serde_json::Value =
            serde_json::from_str(&probe.options_json()).unwrap_or_default();
        let again = RunSpec {
            options: stored,
            ..self.clone()
        }
        .probe()?;
        if again != probe {
            return Err(SuiteError::new(
                "options",
                "a suite keeps no secrets (communities, passwords, keys): put them in a credential profile and name it (profiles for SNMP, profile for SSH)",
            ));
        }
        let uses_profile = matches!(&probe, ProbeOptions::Ssh(o) if o.profile.is_some());
        if !uses_profile {
            probe
                .validate()
                .map_err(|e| SuiteError::new("options", e.to_string()))?;
        }
        let given = [
            self.targets.is_some(),
            self.targets_file.is_some(),
            self.topology_run.is_some(),
        ]
        .iter()
        .filter(|g| **g)
        .count();
        if given != 1 {
            return Err(SuiteError::new(
                "targets",
                "give exactly one of targets, targets_file, topology_run",
            ));
        }
        if let Some(text) = &self.targets
            && text.trim().is_empty()
        {
            return Err(SuiteError::new("targets", "no targets"));
        }
        if self.sites.len() > wirescope_runs::MAX_SITES {
            return Err(SuiteError::new(
                "sites",
                format!(
                    "a run is made from {} sites at most",
                    wirescope_runs::MAX_SITES
                ),
            ));
        }
        for (i, site) in self.sites.iter().enumerate() {
            let field = format!("sites[{i}]");
            check_label(&field, "site", site)?;
            if self.sites[..i].contains(site) {
                return Err(SuiteError::new(
                    field,
                    format!("site '{site}' is named twice"),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CORE_TOML: &str = r#"
name = "core"
description = "core routers, every five minutes"
schedule = { cron = "*/5 * * * *", timezone = "UTC" }

[[runs]]
kind = "ping"
targets = "198.18.0.1 198.18.0.2"
options = { count = 3, interval = "200ms" }

[[runs]]
kind = "trace"
targets_file = "/etc/wirescope/core.txt"
options = { protocol = "tcp", port = 443 }
net = { netns = "lab-client" }

[[runs]]
kind = "snmp"
topology_run = 7
options = { op = "interfaces", profiles = ["core-v3"] }
"#;

    const CORE_YAML: &str = "
name: core
description: core routers, every five minutes
schedule:
  cron: '*/5 * * * *'
  timezone: UTC
runs:
  - kind: ping
    targets: 198.18.0.1 198.18.0.2
    options: {count: 3, interval: 200ms}
  - kind: trace
    targets_file: /etc/wirescope/core.txt
    options: {protocol: tcp, port: 443}
    net: {netns: lab-client}
  - kind: snmp
    topology_run: 7
    options: {op: interfaces, profiles: [core-v3]}
";

    #[test]
    fn toml_yaml_and_json_read_alike_and_round_trip() {
        let toml = Suite::parse(CORE_TOML, Format::Toml).expect("TOML");
        let yaml = Suite::parse(CORE_YAML, Format::Yaml).expect("YAML");
        assert_eq!(toml, yaml);
        assert_eq!(toml.name.as_deref(), Some("core"));
        assert_eq!(toml.runs.len(), 3);
        assert_eq!(toml.runs[1].net.netns.as_deref(), Some("lab-client"));
        let stored = Suite::parse(&toml.to_json(), Format::Json).expect("stored JSON");
        assert_eq!(stored, Suite { name: None, ..toml });
        assert!(matches!(
            stored.runs[0].probe(),
            Ok(ProbeOptions::Ping(o)) if o.count == 3
        ));
    }

    /// The field an error names, for a suite in JSON.
    fn field_of(json: &str) -> String {
        Suite::parse(json, Format::Json).unwrap_err().field
    }

    #[test]
    fn every_mistake_names_its_field() {
        let cases = [
            (r#"{"runs": []}"#, "runs"),
            (r#"{"runs": [{"kind": "ping"}]}"#, "runs[0].targets"),
            (
                r#"{"runs": [{"kind": "ping", "targets": "a", "targets_file": "f"}]}"#,
                "runs[0].targets",
            ),
            (
                r#"{"runs": [{"kind": "ping", "targets": "  "}]}"#,
                "runs[0].targets",
            ),
            (
                r#"{"runs": [{"kind": "pong", "targets": "a"}]}"#,
                "runs[0].kind",
            ),
            (
                r#"{"runs": [{"kind": "ping", "targets": "a"}, {"kind": "ping", "targets": "a", "options": {"count": "x"}}]}"#,
                "runs[1].options.count",
            ),
            (
                r#"{"runs": [{"kind": "ping", "targets": "a", "options": {"count": 0}}]}"#,
                "runs[0].options",
            ),
            (
                r#"{"runs": [{"kind": "ping", "targets": "a", "colour": 1}]}"#,
                "runs[0].colour",
            ),
            (
                r#"{"schedule": {"cron": "* * *"}, "runs": [{"kind": "ping", "targets": "a"}]}"#,
                "schedule.cron",
            ),
            (
                r#"{"schedule": {"cron": "* * * * *", "timezone": "Nowhere/Else"}, "runs": [{"kind": "ping", "targets": "a"}]}"#,
                "schedule.timezone",
            ),
            (
                r#"{"runs": [{"kind": "snmp", "targets": "a", "options": {"community": "private"}}]}"#,
                "runs[0].options",
            ),
            (
                r#"{"runs": [{"kind": "ssh", "targets": "a", "options": {"command": "id", "user": "u", "password": "p"}}]}"#,
                "runs[0].options",
            ),
            (r#"{"runs": 3}"#, "runs"),
            ("[1, 2", "suite"),
        ];
        let wrong: Vec<String> = cases
            .iter()
            .filter_map(|(json, field)| {
                let got = field_of(json);
                (got != *field).then(|| format!("{json}: named {got}, not {field}"))
            })
            .collect();
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    #[test]
    fn secrets_are_refused_with_the_way_to_keep_them() {
        let e = Suite::parse(
            r#"{"runs": [{"kind": "snmp", "targets": "a", "options": {"community": "private"}}]}"#,
            Format::Json,
        )
        .unwrap_err();
        assert!(e.message.contains("credential profile"), "{e}");
        // A profile is how: an SSH run naming one passes without a password.
        Suite::parse(
            r#"{"runs": [{"kind": "ssh", "targets": "a", "options": {"command": "show version", "profile": "lab"}}]}"#,
            Format::Json,
        )
        .expect("an SSH run with a profile");
    }

    #[test]
    fn size_and_run_count_are_bounded() {
        let big = " ".repeat(MAX_SPEC_BYTES + 1);
        assert_eq!(Suite::parse(&big, Format::Json).unwrap_err().field, "suite");
        let run = r#"{"kind": "ping", "targets": "a"}"#;
        let many = format!(r#"{{"runs": [{}]}}"#, vec![run; MAX_RUNS + 1].join(","));
        assert_eq!(field_of(&many), "runs");
    }

    #[test]
    fn formats_by_extension() {
        use std::path::Path;
        assert_eq!(Format::of_path(Path::new("a.TOML")), Some(Format::Toml));
        assert_eq!(Format::of_path(Path::new("a.yml")), Some(Format::Yaml));
        assert_eq!(Format::of_path(Path::new("a.json")), Some(Format::Json));
        assert_eq!(Format::of_path(Path::new("a.txt")), None);
    }
}
