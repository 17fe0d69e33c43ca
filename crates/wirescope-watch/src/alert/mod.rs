//! Alert rules as a suite writes them: named presets with parameters rather than a language
//! (latency up against a baseline, loss up, down, ports closed or opened, DNS changed, path
//! changed, interface down, neighbour gone or new, output changed), each with the habits
//! monitoring users ask for (fire after N consecutive runs, re-notify while it holds, a
//! recovery notice, its own recipients); maintenance windows (cron + duration) and parents (a
//! parent down silences its children) for the suite. `observe` reads what one result shows
//! under a preset; `machine` turns observations into rule states and events. Both pure.

pub mod machine;
pub mod observe;

use crate::period::serde_period;
use crate::schedule::Schedule;
use crate::spec::{ScheduleSpec, SuiteError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;
use wirescope_probe::ProbeKind;

/// Rules in one suite, at most.
pub const MAX_RULES: usize = 50;
/// Maintenance windows in one suite, at most.
pub const MAX_WINDOWS: usize = 20;
/// Parent links in one suite, at most.
pub const MAX_PARENTS: usize = 10_000;
/// Ignore patterns of one rule, at most, and bytes of each.
pub const MAX_IGNORE: usize = 32;
const MAX_PATTERN: usize = 512;

/// What a rule watches for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// The median RTT is above its baseline (the median of the samples in the `baseline`
    /// window before the run) by `over_ms` and by `over_pct` (ping, trace, dns).
    LatencyUp,
    /// Loss at or above `loss_pct` (ping; trace: the destination).
    LossUp,
    /// No answer: ping all lost, trace not reached, DNS failed, scan/SNMP/SSH error.
    Down,
    /// Ports that were open are closed (scan); holds until they open again.
    PortClosed,
    /// Ports that were not open are (scan).
    PortOpened,
    /// The answers or the response code changed (dns).
    DnsChanged,
    /// A hop moved to addresses never seen at its TTL (trace). ECMP-aware: the addresses every
    /// flow saw are learnt, so a load-balanced alternate is not a change (give the trace
    /// `flows` of 4 or more).
    PathChanged,
    /// An interface that was up is not (SNMP `interfaces`); holds until it is up again.
    InterfaceDown,
    /// An LLDP/CDP neighbour seen before is gone (SNMP `neighbors`); holds until it is back.
    NeighborGone,
    /// A neighbour not seen before appeared (SNMP `neighbors`).
    NeighborNew,
    /// The command's output changed, lines matching `ignore` left out (SSH: config backups).
    OutputChanged,
}

impl Preset {
    pub fn as_str(self) -> &'static str {
        match self {
            Preset::LatencyUp => "latency_up",
            Preset::LossUp => "loss_up",
            Preset::Down => "down",
            Preset::PortClosed => "port_closed",
            Preset::PortOpened => "port_opened",
            Preset::DnsChanged => "dns_changed",
            Preset::PathChanged => "path_changed",
            Preset::InterfaceDown => "interface_down",
            Preset::NeighborGone => "neighbor_gone",
            Preset::NeighborNew => "neighbor_new",
            Preset::OutputChanged => "output_changed",
        }
    }

    /// The kinds of runs it reads.
    pub fn kinds(self) -> &'static [ProbeKind] {
        use ProbeKind::*;
        match self {
            Preset::LatencyUp => &[Ping, Trace, Dns],
            Preset::LossUp => &[Ping, Trace],
            Preset::Down => &[Ping, Trace, Dns, Scan, Snmp, Ssh],
            Preset::PortClosed | Preset::PortOpened => &[Scan],
            Preset::DnsChanged => &[Dns],
            Preset::PathChanged => &[Trace],
            Preset::InterfaceDown | Preset::NeighborGone | Preset::NeighborNew => &[Snmp],
            Preset::OutputChanged => &[Ssh],
        }
    }

    /// A condition that holds until it clears (and can re-notify and recover), rather than a
    /// change told once.
    pub fn is_state(self) -> bool {
        matches!(
            self,
            Preset::LatencyUp
                | Preset::LossUp
                | Preset::Down
                | Preset::PortClosed
                | Preset::InterfaceDown
                | Preset::NeighborGone
        )
    }

    /// The parameters it takes.
    fn params(self) -> &'static [&'static str] {
        match self {
            Preset::LatencyUp => &["baseline", "over_ms", "over_pct"],
            Preset::LossUp => &["loss_pct"],
            Preset::OutputChanged => &["ignore"],
            _ => &[],
        }
    }
}

/// One alert rule of a suite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertRule {
    /// Its name in the suite (events and states are keyed by it); default: the preset's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub preset: Preset,
    /// Which of the suite's runs it reads (indexes into `runs`); default: every run of a kind
    /// the preset reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runs: Option<Vec<usize>>,
    /// Only these targets (as results name them; DNS: `name TYPE`); default: all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targets: Option<Vec<String>>,
    /// Consecutive runs the condition (or the new value) must be seen before it is told:
    /// 1 to 100.
    #[serde(default = "one")]
    #[schema(minimum = 1, maximum = 100, default = 1)]
    pub after: u32,
    /// While it holds, tell again this often (`30m`, `4h`); none: once.
    #[serde(
        default,
        with = "serde_period::option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<crate::period::PeriodSchema>)]
    pub renotify: Option<Duration>,
    /// Tell when it clears.
    #[serde(default = "yes")]
    #[schema(default = true)]
    pub recovery: bool,
    /// Channels to tell (by name); none: the dashboard only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notify: Vec<String>,
    /// latency_up: the window before the run its baseline is the median of (default `1h`).
    #[serde(
        default,
        with = "serde_period::option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<crate::period::PeriodSchema>)]
    pub baseline: Option<Duration>,
    /// latency_up: fires when the median is this many ms above the baseline (default 10)...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0)]
    pub over_ms: Option<f64>,
    /// ...and this many percent above it (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0)]
    pub over_pct: Option<f64>,
    /// loss_up: fires at this loss, percent (default 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 100)]
    pub loss_pct: Option<f64>,
    /// output_changed: regular expressions; lines matching any are left out before comparing
    /// (timestamps, uptime, counters).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore: Vec<String>,
}

fn one() -> u32 {
    1
}

fn yes() -> bool {
    true
}

/// The latency rule's defaults.
pub const DEFAULT_BASELINE: Duration = Duration::from_secs(3600);
pub const DEFAULT_OVER_MS: f64 = 10.0;
pub const DEFAULT_OVER_PCT: f64 = 50.0;
pub const DEFAULT_LOSS_PCT: f64 = 20.0;

impl AlertRule {
    /// Its name: given, or its preset's.
    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or(self.preset.as_str())
    }

    /// Whether it reads run `index` of kind `kind`.
    pub fn reads(&self, index: Option<usize>, kind: ProbeKind) -> bool {
        self.preset.kinds().contains(&kind)
            && match (&self.runs, index) {
                (None, _) => true,
                (Some(runs), Some(i)) => runs.contains(&i),
                (Some(_), None) => false,
            }
    }

    /// Whether it reads this target.
    pub fn covers(&self, target: &str) -> bool {
        self.targets
            .as_ref()
            .is_none_or(|t| t.iter().any(|x| x == target))
    }

    /// Its ignore patterns, compiled.
    pub fn ignore_set(&self) -> Result<regex::RegexSet, SuiteError> {
        regex::RegexSetBuilder::new(&self.ignore)
            .size_limit(1 << 20)
            .build()
            .map_err(|e| SuiteError::new("ignore", e.to_string()))
    }

    /// Errors name the field within the rule; `kinds` are the suite's runs' kinds.
    fn check(&self, kinds: &[ProbeKind]) -> Result<(), SuiteError> {
        if let Some(name) = &self.name {
            crate::spec::check_label("name", "rule name", name)?;
        }
        let given: [(&str, bool); 5] = [
            ("baseline", self.baseline.is_some()),
            ("over_ms", self.over_ms.is_some()),
            ("over_pct", self.over_pct.is_some()),
            ("loss_pct", self.loss_pct.is_some()),
            ("ignore", !self.ignore.is_empty()),
        ];
        for (param, _) in given.iter().filter(|(_, g)| *g) {
            if !self.preset.params().contains(param) {
                return Err(SuiteError::new(
                    *param,
                    format!(
                        "not a parameter of {} (it takes {})",
                        self.preset.as_str(),
                        match self.preset.params() {
                            [] => "none".to_string(),
                            p => p.join(", "),
                        }
                    ),
                ));
            }
        }
        if !(1..=100).contains(&self.after) {
            return Err(SuiteError::new("after", "1 to 100 consecutive runs"));
        }
        if self.renotify.is_some_and(|d| d < Duration::from_secs(60)) {
            return Err(SuiteError::new("renotify", "at least 1m"));
        }
        if self.renotify.is_some() && !self.preset.is_state() {
            return Err(SuiteError::new(
                "renotify",
                format!(
                    "{} tells each change once; re-notify is for conditions that hold",
                    self.preset.as_str()
                ),
            ));
        }
        if let Some(b) = self.baseline
            && !(Duration::from_secs(60)..=Duration::from_secs(30 * 86_400)).contains(&b)
        {
            return Err(SuiteError::new("baseline", "1m to 30d"));
        }
        for (field, v, max) in [
            ("over_ms", self.over_ms, 1e6),
            ("over_pct", self.over_pct, 1e6),
            ("loss_pct", self.loss_pct, 100.0),
        ] {
            if let Some(v) = v
                && !(v.is_finite() && (0.0..=max).contains(&v))
            {
                return Err(SuiteError::new(field, format!("0 to {max}")));
            }
        }
        if self.ignore.len() > MAX_IGNORE {
            return Err(SuiteError::new(
                "ignore",
                format!("{MAX_IGNORE} patterns at most"),
            ));
        }
        for (i, p) in self.ignore.iter().enumerate() {
            if p.len() > MAX_PATTERN {
                return Err(SuiteError::new(
                    format!("ignore[{i}]"),
                    format!("{MAX_PATTERN} bytes at most"),
                ));
            }
            regex::RegexBuilder::new(p)
                .size_limit(1 << 20)
                .build()
                .map_err(|e| SuiteError::new(format!("ignore[{i}]"), e.to_string()))?;
        }
        let readable = |k: &ProbeKind| self.preset.kinds().contains(k);
        match &self.runs {
            Some(runs) => {
                for (j, &i) in runs.iter().enumerate() {
                    let Some(k) = kinds.get(i) else {
                        return Err(SuiteError::new(
                            format!("runs[{j}]"),
                            format!(
                                "the suite has {} runs (0 to {})",
                                kinds.len(),
                                kinds.len().saturating_sub(1)
                            ),
                        ));
                    };
                    if !readable(k) {
                        return Err(SuiteError::new(
                            format!("runs[{j}]"),
                            format!(
                                "run {i} is a {k} run; {} reads {}",
                                self.preset.as_str(),
                                kind_list(self.preset)
                            ),
                        ));
                    }
                }
            }
            None if !kinds.iter().any(readable) => {
                return Err(SuiteError::new(
                    "preset",
                    format!(
                        "{} reads {} runs and the suite has none",
                        self.preset.as_str(),
                        kind_list(self.preset)
                    ),
                ));
            }
            None => {}
        }
        for (i, n) in self.notify.iter().enumerate() {
            crate::spec::check_label(&format!("notify[{i}]"), "channel name", n)?;
        }
        Ok(())
    }
}

fn kind_list(p: Preset) -> String {
    p.kinds()
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A recurring maintenance window: alerts are kept but nobody is told while it is open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MaintenanceSpec {
    /// When it opens, as a schedule's cron pattern.
    pub cron: String,
    /// An IANA time zone; none: the server's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// How long it stays open (`2h`).
    #[serde(with = "serde_period")]
    #[schema(value_type = crate::period::PeriodSchema)]
    pub duration: Duration,
}

/// Maintenance windows, parsed.
#[derive(Debug, Clone, Default)]
pub struct Windows(Vec<(Schedule, i64)>);

impl Windows {
    /// Parses windows; errors name `maintenance[i].cron`, `.timezone` or `.duration`.
    pub fn new(specs: &[MaintenanceSpec]) -> Result<Windows, SuiteError> {
        let mut out = Vec::with_capacity(specs.len());
        for (i, m) in specs.iter().enumerate() {
            let schedule = Schedule::new(&ScheduleSpec {
                cron: m.cron.clone(),
                timezone: m.timezone.clone(),
                spread: None,
            })
            .map_err(|e| {
                SuiteError::new(
                    format!(
                        "maintenance[{i}].{}",
                        e.field.trim_start_matches("schedule.")
                    ),
                    e.message,
                )
            })?;
            if m.duration.is_zero() || m.duration > Duration::from_secs(31 * 86_400) {
                return Err(SuiteError::new(
                    format!("maintenance[{i}].duration"),
                    "more than 0s, at most 31d",
                ));
            }
            out.push((schedule, m.duration.as_millis() as i64));
        }
        Ok(Windows(out))
    }

    /// Whether a window is open at `ms`.
    pub fn open_at(&self, ms: i64) -> bool {
        self.0.iter().any(|(s, len)| {
            s.last_at_or_before(ms)
                .is_some_and(|start| ms - start < *len)
        })
    }
}

/// Checks a suite's rules, windows and parents against its runs' kinds.
pub fn check(
    rules: &[AlertRule],
    maintenance: &[MaintenanceSpec],
    parents: &BTreeMap<String, String>,
    kinds: &[ProbeKind],
) -> Result<(), SuiteError> {
    if rules.len() > MAX_RULES {
        return Err(SuiteError::new(
            "alerts",
            format!("{MAX_RULES} rules at most"),
        ));
    }
    let mut names = std::collections::HashSet::new();
    for (i, rule) in rules.iter().enumerate() {
        rule.check(kinds)
            .map_err(|e| SuiteError::new(format!("alerts[{i}].{}", e.field), e.message))?;
        if !names.insert(rule.name()) {
            return Err(SuiteError::new(
                format!("alerts[{i}].name"),
                format!("two rules are named '{}': name them apart", rule.name()),
            ));
        }
    }
    if maintenance.len() > MAX_WINDOWS {
        return Err(SuiteError::new(
            "maintenance",
            format!("{MAX_WINDOWS} windows at most"),
        ));
    }
    Windows::new(maintenance)?;
    if parents.len() > MAX_PARENTS {
        return Err(SuiteError::new(
            "parents",
            format!("{MAX_PARENTS} links at most"),
        ));
    }
    for (child, parent) in parents {
        if child == parent {
            return Err(SuiteError::new(
                format!("parents.{child}"),
                "a target cannot be its own parent",
            ));
        }
        let mut seen = std::collections::HashSet::from([child.as_str()]);
        let mut at = parent.as_str();
        while let Some(next) = parents.get(at) {
            if !seen.insert(at) {
                return Err(SuiteError::new(
                    format!("parents.{child}"),
                    format!("the parents loop back through {at}"),
                ));
            }
            at = next;
        }
    }
    Ok(())
}

/// The nearest ancestor of `target` that is down, if any (parents are acyclic, checked).
pub fn down_ancestor<'a>(
    parents: &'a BTreeMap<String, String>,
    target: &str,
    is_down: impl Fn(&str) -> bool,
) -> Option<&'a str> {
    let mut at = parents.get(target)?;
    for _ in 0..=parents.len() {
        if is_down(at) {
            return Some(at);
        }
        at = parents.get(at.as_str())?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(json: serde_json::Value) -> AlertRule {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn rules_take_only_their_own_parameters_and_runs() {
        use ProbeKind::*;
        let kinds = [Ping, Trace, Ssh];
        let ok = rule(serde_json::json!({"preset": "latency_up", "over_ms": 5, "baseline": "30m"}));
        assert_eq!(check(&[ok], &[], &BTreeMap::new(), &kinds), Ok(()));
        let err = |json: serde_json::Value| {
            check(&[rule(json)], &[], &BTreeMap::new(), &kinds)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err(serde_json::json!({"preset": "down", "over_ms": 5})),
            "alerts[0].over_ms: not a parameter of down (it takes none)"
        );
        assert_eq!(
            err(serde_json::json!({"preset": "port_closed"})),
            "alerts[0].preset: port_closed reads scan runs and the suite has none"
        );
        assert_eq!(
            err(serde_json::json!({"preset": "path_changed", "runs": [0]})),
            "alerts[0].runs[0]: run 0 is a ping run; path_changed reads trace"
        );
        assert_eq!(
            err(serde_json::json!({"preset": "down", "runs": [3]})),
            "alerts[0].runs[0]: the suite has 3 runs (0 to 2)"
        );
        assert_eq!(
            err(serde_json::json!({"preset": "output_changed", "ignore": ["ok", "(unclosed"]})),
            "alerts[0].ignore[1]: regex parse error:\n    (unclosed\n    ^\nerror: unclosed group"
        );
        assert_eq!(
            err(serde_json::json!({"preset": "path_changed", "renotify": "1h"})),
            "alerts[0].renotify: path_changed tells each change once; re-notify is for conditions that hold"
        );
        assert_eq!(
            err(serde_json::json!({"preset": "down", "after": 0})),
            "alerts[0].after: 1 to 100 consecutive runs"
        );
        assert_eq!(
            err(serde_json::json!({"preset": "down", "notify": ["ops hook"]})),
            "alerts[0].notify[0]: channel name 'ops hook': 1 to 64 letters, digits, '-', '_' or '.'"
        );
        let twice = [
            rule(serde_json::json!({"preset": "down"})),
            rule(serde_json::json!({"preset": "down", "runs": [1]})),
        ];
        assert_eq!(
            check(&twice, &[], &BTreeMap::new(), &kinds)
                .unwrap_err()
                .to_string(),
            "alerts[1].name: two rules are named 'down': name them apart"
        );
    }

    #[test]
    fn parents_must_not_loop_and_the_nearest_down_ancestor_is_found() {
        let parents: BTreeMap<String, String> = [("c", "b"), ("b", "a")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(check(&[], &[], &parents, &[]), Ok(()));
        assert_eq!(down_ancestor(&parents, "c", |t| t == "a"), Some("a"));
        assert_eq!(down_ancestor(&parents, "c", |t| t != "c"), Some("b"));
        assert_eq!(down_ancestor(&parents, "a", |_| true), None);
        let mut looped = parents.clone();
        looped.insert("a".into(), "c".into());
        assert!(
            check(&[], &[], &looped, &[])
                .unwrap_err()
                .message
                .starts_with("the parents loop back")
        );
    }

    #[test]
    fn a_maintenance_window_is_open_from_its_start_for_its_duration() {
        let w = Windows::new(&[MaintenanceSpec {
            cron: "0 2 * * *".into(),
            timezone: Some("UTC".into()),
            duration: Duration::from_secs(7200),
        }])
        .unwrap();
        let day = 86_400_000;
        let h = 3_600_000;
        assert!(!w.open_at(10 * day + 2 * h - 1));
        assert!(w.open_at(10 * day + 2 * h));
        assert!(w.open_at(10 * day + 4 * h - 1));
        assert!(!w.open_at(10 * day + 4 * h));
        let bad = Windows::new(&[MaintenanceSpec {
            cron: "0 2 * * *".into(),
            timezone: Some("Mars/Olympus".into()),
            duration: Duration::from_secs(60),
        }])
        .unwrap_err();
        assert_eq!(bad.field, "maintenance[0].timezone");
    }
}
