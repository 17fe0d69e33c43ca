//! Trap rules: which received SNMP traps raise an alert (to the same channels suites use) and
//! start a follow-up check of the device (its interfaces polled, its LLDP/CDP neighbours
//! pinged). A rule is a notification pattern and a source pattern, checked whole with the field
//! at fault named; matching and the hold that makes a trap storm one alert are pure.

use crate::spec::{SuiteError, check_label};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;
use wirescope_snmp::trap::Trap;

/// Trap rules kept, at most.
pub const MAX_RULES: usize = 100;
/// Sources a rule's hold remembers at once, at most (the oldest go first).
const HOLDS_KEPT: usize = 10_000;

/// One trap rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrapRule {
    /// 1 to 64 letters, digits, `-`, `_` or `.`.
    pub name: String,
    /// The notifications it takes: a dotted OID (`.1.3.6.1.6.3.1.1.5.3`, which also takes what
    /// is below it), a name (`linkDown`, `IF-MIB::linkDown`) with `*` for any run of
    /// characters (`IF-MIB::link*`), or `*` for every notification.
    pub oid: String,
    /// The sources it takes: an address, a prefix (`198.18.0.0/24`), or a device name with `*`
    /// (matched against the device the trap was matched to); absent takes every source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Channels told, by name.
    #[serde(default)]
    pub channels: Vec<String>,
    /// Also check the device at once: poll its interfaces and ping its LLDP/CDP neighbours
    /// (needs `profile`); the runs are attached to the trap and the alert.
    #[serde(default)]
    pub follow_up: bool,
    /// The SNMP credential profile the follow-up polls the device with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// After an alert, more traps of this rule from the same source raise nothing for this
    /// long (a flapping port is one alert, not hundreds) [default: 5m].
    #[serde(default = "default_hold", with = "crate::period::serde_period")]
    #[schema(value_type = crate::period::PeriodSchema)]
    pub hold: Duration,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn default_hold() -> Duration {
    Duration::from_secs(300)
}

fn yes() -> bool {
    true
}

/// Checks a rule list whole: names unique, patterns readable, a follow-up with its profile.
pub fn check_rules(rules: &[TrapRule]) -> Result<(), SuiteError> {
    if rules.len() > MAX_RULES {
        return Err(SuiteError::new(
            "rules",
            format!("{} rules; at most {MAX_RULES}", rules.len()),
        ));
    }
    let mut names = std::collections::HashSet::new();
    for (i, r) in rules.iter().enumerate() {
        let at = |f: &str| format!("rules[{i}].{f}");
        check_label(&at("name"), "a rule name", &r.name)?;
        if !names.insert(r.name.as_str()) {
            return Err(SuiteError::new(
                at("name"),
                format!("'{}' is used twice", r.name),
            ));
        }
        Pattern::of_oid(&r.oid).map_err(|m| SuiteError::new(at("oid"), m))?;
        if let Some(s) = &r.source {
            Source::of(s).map_err(|m| SuiteError::new(at("source"), m))?;
        }
        for (j, c) in r.channels.iter().enumerate() {
            check_label(&at(&format!("channels[{j}]")), "a channel name", c)?;
        }
        if r.follow_up && r.profile.as_deref().is_none_or(str::is_empty) {
            return Err(SuiteError::new(
                at("profile"),
                "a follow-up polls the device: name the SNMP credential profile to poll it with",
            ));
        }
        if let Some(p) = &r.profile {
            check_label(&at("profile"), "a profile name", p)?;
        }
        if r.hold > Duration::from_secs(7 * 86_400) {
            return Err(SuiteError::new(at("hold"), "at most 7 days"));
        }
    }
    Ok(())
}

/// A notification pattern.
#[derive(Debug, Clone, PartialEq)]
enum Pattern {
    Any,
    /// Dotted, with a leading dot and no trailing one.
    Oid(String),
    /// A name glob, lower case.
    Name(String),
}

impl Pattern {
    fn of_oid(text: &str) -> Result<Pattern, String> {
        let t = text.trim();
        if t.is_empty() || t.len() > 256 {
            return Err("give a notification: a dotted OID, a name, or *".into());
        }
        if t == "*" {
            return Ok(Pattern::Any);
        }
        if t.starts_with('.') || t.starts_with(|c: char| c.is_ascii_digit()) {
            let arcs = t.trim_start_matches('.');
            let ok = !arcs.is_empty()
                && arcs.split('.').all(|a| {
                    !a.is_empty() && a.len() <= 10 && a.bytes().all(|b| b.is_ascii_digit())
                });
            return if ok {
                Ok(Pattern::Oid(format!(".{arcs}")))
            } else {
                Err(format!("'{text}' is not a dotted OID"))
            };
        }
        if t.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!("'{text}': a name has no spaces"));
        }
        Ok(Pattern::Name(t.to_ascii_lowercase()))
    }

    fn matches(&self, t: &Trap) -> bool {
        match self {
            Pattern::Any => true,
            Pattern::Oid(prefix) => {
                t.oid == *prefix
                    || t.oid
                        .strip_prefix(prefix.as_str())
                        .is_some_and(|rest| rest.starts_with('.'))
            }
            Pattern::Name(glob) => t.name.as_deref().is_some_and(|full| {
                let full = full.to_ascii_lowercase();
                let short = full.split_once("::").map_or(full.as_str(), |(_, n)| n);
                glob_match(glob, &full) || glob_match(glob, short)
            }),
        }
    }
}

/// A source pattern.
#[derive(Debug, Clone, PartialEq)]
enum Source {
    Addr(IpAddr),
    Prefix(IpAddr, u8),
    Name(String),
}

impl Source {
    fn of(text: &str) -> Result<Source, String> {
        let t = text.trim();
        if t.is_empty() || t.len() > 256 {
            return Err("give an address, a prefix or a device name".into());
        }
        if let Ok(a) = t.parse::<IpAddr>() {
            return Ok(Source::Addr(a));
        }
        if let Some((a, len)) = t.split_once('/') {
            let a: IpAddr = a
                .parse()
                .map_err(|_| format!("'{text}': '{a}' is not an address"))?;
            let max = if a.is_ipv4() { 32 } else { 128 };
            let len: u8 = len
                .parse()
                .ok()
                .filter(|l| *l <= max)
                .ok_or_else(|| format!("'{text}': the prefix length is 0 to {max}"))?;
            return Ok(Source::Prefix(a, len));
        }
        if t.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!("'{text}': a device name has no spaces"));
        }
        Ok(Source::Name(t.to_ascii_lowercase()))
    }

    fn matches(&self, t: &Trap) -> bool {
        match self {
            Source::Addr(a) => t.source == *a,
            Source::Prefix(net, len) => in_prefix(t.source, *net, *len),
            Source::Name(glob) => t
                .device
                .as_ref()
                .is_some_and(|d| glob_match(glob, &d.name.to_ascii_lowercase())),
        }
    }
}

fn in_prefix(a: IpAddr, net: IpAddr, len: u8) -> bool {
    let bits = |x: IpAddr| -> (u128, u32) {
        match x {
            IpAddr::V4(v) => (u128::from(u32::from(v)), 32),
            IpAddr::V6(v) => (u128::from(v), 128),
        }
    };
    let ((a, wa), (n, wn)) = (bits(a), bits(net));
    if wa != wn {
        return false;
    }
    let shift = wa - u32::from(len);
    shift >= wa || (a >> shift) == (n >> shift)
}

/// `*` for any run of characters; everything else literally.
fn glob_match(glob: &str, text: &str) -> bool {
    let parts: Vec<&str> = glob.split('*').collect();
    if parts.len() == 1 {
        return glob == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

impl TrapRule {
    /// Whether the rule takes this trap (a rule that does not check takes none).
    pub fn matches(&self, t: &Trap) -> bool {
        self.enabled
            && Pattern::of_oid(&self.oid).is_ok_and(|p| p.matches(t))
            && self
                .source
                .as_deref()
                .is_none_or(|s| Source::of(s).is_ok_and(|s| s.matches(t)))
    }
}

/// What a rule did with a trap from a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Raise an alert (and start the follow-up).
    Alert,
    /// Held: an alert for this rule and source was raised less than `hold` ago; this is the
    /// Nth trap held since.
    Held(u64),
}

/// The holds of every rule and source: when each last alerted and what was held since.
#[derive(Debug, Default)]
pub struct Holds {
    /// (rule, source) -> (alerted at ms, held since).
    last: HashMap<(String, IpAddr), (i64, u64)>,
}

impl Holds {
    /// Decides for a trap of `rule` from `source` at `now` (ms).
    pub fn decide(&mut self, rule: &TrapRule, source: IpAddr, now: i64) -> Verdict {
        let hold = i64::try_from(rule.hold.as_millis()).unwrap_or(i64::MAX);
        let key = (rule.name.clone(), source);
        if let Some((at, held)) = self.last.get_mut(&key)
            && now.saturating_sub(*at) < hold
        {
            *held += 1;
            return Verdict::Held(*held);
        }
        if self.last.len() >= HOLDS_KEPT
            && let Some(oldest) = self
                .last
                .iter()
                .min_by_key(|(_, v)| v.0)
                .map(|(k, _)| k.clone())
        {
            self.last.remove(&oldest);
        }
        self.last.insert(key, (now, 0));
        Verdict::Alert
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wirescope_snmp::trap::TrapDevice;

    fn trap(oid: &str, name: Option<&str>, source: &str, device: Option<&str>) -> Trap {
        let mut t: Trap = serde_json::from_value(serde_json::json!({
            "time": "2026-12-03T10:00:00.000Z", "source": source, "port": 162, "version": "2c",
            "pdu": "trap", "oid": oid, "name": name, "uptime": 1, "varbinds": []
        }))
        .unwrap();
        t.device = device.map(|d| TrapDevice {
            name: d.into(),
            addr: None,
            by: "address".into(),
            run_id: None,
        });
        t
    }

    fn rule(oid: &str, source: Option<&str>) -> TrapRule {
        serde_json::from_value(serde_json::json!({"name": "r", "oid": oid, "source": source}))
            .unwrap()
    }

    #[test]
    fn rules_take_notifications_by_oid_name_and_source() {
        let down = trap(
            ".1.3.6.1.6.3.1.1.5.3",
            Some("IF-MIB::linkDown"),
            "198.18.0.161",
            Some("s1.lab.test"),
        );
        let cisco = trap(".1.3.6.1.4.1.9.9.43.2.0.1", None, "10.0.0.1", None);
        for (oid, source, takes_down, takes_cisco) in [
            ("*", None, true, true),
            (".1.3.6.1.6.3.1.1.5", None, true, false),
            ("1.3.6.1.6.3.1.1.5.3", None, true, false),
            (".1.3.6.1.6.3.1.1.5.30", None, false, false),
            (".1.3.6.1.4.1.9", None, false, true),
            ("linkDown", None, true, false),
            ("IF-MIB::link*", None, true, false),
            ("*down", None, true, false),
            ("linkUp", None, false, false),
            ("*", Some("198.18.0.161"), true, false),
            ("*", Some("198.18.0.0/24"), true, false),
            ("*", Some("10.0.0.0/8"), false, true),
            ("*", Some("0.0.0.0/0"), true, true),
            ("*", Some("s*.lab.test"), true, false),
            ("*", Some("S1.LAB.TEST"), true, false),
            ("*", Some("2001:db8::/32"), false, false),
        ] {
            let r = rule(oid, source);
            check_rules(std::slice::from_ref(&r)).unwrap();
            assert_eq!(r.matches(&down), takes_down, "{oid} {source:?} on linkDown");
            assert_eq!(
                r.matches(&cisco),
                takes_cisco,
                "{oid} {source:?} on the Cisco one"
            );
        }
        let mut off = rule("*", None);
        off.enabled = false;
        assert!(!off.matches(&down));
    }

    #[test]
    fn bad_rules_name_their_field() {
        let check = |v: serde_json::Value| {
            let rules: Vec<TrapRule> = serde_json::from_value(v).unwrap();
            check_rules(&rules).unwrap_err()
        };
        let e = check(serde_json::json!([{"name": "a b", "oid": "*"}]));
        assert_eq!(e.field, "rules[0].name");
        let e = check(serde_json::json!([{"name": "a", "oid": "*"}, {"name": "a", "oid": "*"}]));
        assert_eq!(
            (e.field.as_str(), e.message.as_str()),
            ("rules[1].name", "'a' is used twice")
        );
        let e = check(serde_json::json!([{"name": "a", "oid": ".1.3.x"}]));
        assert_eq!(e.field, "rules[0].oid");
        let e = check(serde_json::json!([{"name": "a", "oid": "*", "source": "10.0.0.0/33"}]));
        assert!(e.message.contains("0 to 32"), "{e:?}");
        let e = check(serde_json::json!([{"name": "a", "oid": "*", "follow_up": true}]));
        assert_eq!(e.field, "rules[0].profile");
        let e = check(serde_json::json!([{"name": "a", "oid": "*", "hold": "8d"}]));
        assert_eq!(e.field, "rules[0].hold");
        let many: Vec<_> = (0..=MAX_RULES)
            .map(|i| serde_json::json!({"name": format!("r{i}"), "oid": "*"}))
            .collect();
        assert_eq!(check(serde_json::Value::Array(many)).field, "rules");
        assert!(
            serde_json::from_value::<TrapRule>(
                serde_json::json!({"name": "a", "oid": "*", "colour": 1})
            )
            .is_err()
        );
    }

    #[test]
    fn a_storm_from_one_source_is_one_alert_per_hold() {
        let r = rule("*", None);
        let (a, b) = (IpAddr::from([10, 0, 0, 1]), IpAddr::from([10, 0, 0, 2]));
        let mut h = Holds::default();
        assert_eq!(h.decide(&r, a, 0), Verdict::Alert);
        assert_eq!(h.decide(&r, a, 1_000), Verdict::Held(1));
        assert_eq!(h.decide(&r, b, 1_000), Verdict::Alert);
        assert_eq!(h.decide(&r, a, 299_999), Verdict::Held(2));
        assert_eq!(h.decide(&r, a, 300_000), Verdict::Alert);
        assert_eq!(h.decide(&r, a, 300_001), Verdict::Held(1));
    }

    #[test]
    fn globs_match_whole_texts() {
        assert!(glob_match("a*c", "abc"));
        assert!(glob_match("a*c", "ac"));
        assert!(!glob_match("a*c", "acb"));
        assert!(glob_match("*b*", "abc"));
        assert!(!glob_match("ab*ba", "aba"));
        assert!(glob_match("**", ""));
    }
}
