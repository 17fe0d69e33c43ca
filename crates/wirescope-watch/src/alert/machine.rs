//! A rule's state for one target, run after run: a condition fires after `after` consecutive
//! runs hold it, is told again every `renotify` while it holds, and recovers (told when its
//! firing was); a change is told once it has been seen in `after` consecutive runs, and then
//! becomes what is known. A notice due while the suite is silenced (a maintenance window, a
//! parent down) is kept in the timeline untold; a firing still holding when the silence ends
//! is told then. Pure: the time is an argument.

use super::observe::{Observation, Verdict};
use super::{AlertRule, Preset};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use wirescope_store::EventKind;

/// What a rule remembers of one target.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RuleState {
    /// Consecutive runs the condition held (or the change was seen).
    #[serde(default)]
    pub streak: u32,
    /// When it began firing (ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firing_since: Option<i64>,
    /// When its firing was last told (ms); `None` while untold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub told_at: Option<i64>,
    /// What is known: the ports expected open, the paths learnt, the output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<Value>,
}

/// An event a step raised.
#[derive(Debug, Clone, PartialEq)]
pub struct Raised {
    pub kind: EventKind,
    pub summary: String,
    pub evidence: Value,
    /// Why nobody is told; `None`: tell the rule's channels.
    pub silenced: Option<String>,
}

/// The next state of `rule` for a target, from its state before and what its result at `at`
/// showed; `silence` says why nobody may be told now, if so.
pub fn step(
    rule: &AlertRule,
    before: RuleState,
    obs: Observation,
    at: i64,
    silence: Option<&str>,
) -> (RuleState, Option<Raised>) {
    if obs.verdict == Verdict::Unknown {
        return (before, None);
    }
    if rule.preset.is_state() {
        condition(rule, before, obs, at, silence)
    } else {
        change(rule, before, obs, silence)
    }
}

fn raised(kind: EventKind, obs: &Observation, silenced: Option<&str>) -> Raised {
    Raised {
        kind,
        summary: obs.summary.clone(),
        evidence: obs.evidence.clone(),
        silenced: silenced.map(str::to_string),
    }
}

fn condition(
    rule: &AlertRule,
    mut s: RuleState,
    obs: Observation,
    at: i64,
    silence: Option<&str>,
) -> (RuleState, Option<Raised>) {
    s.reference = obs.reference.clone();
    if obs.verdict == Verdict::Clear {
        s.streak = 0;
        let Some(_) = s.firing_since.take() else {
            return (s, None);
        };
        // A recovery is told whenever its firing was, silence or not: whoever was told it
        // broke must hear it mended.
        let why = match (s.told_at.take(), rule.recovery) {
            (Some(_), true) => None,
            (Some(_), false) => Some("recovery notices are off for this rule"),
            (None, _) => Some("its firing was never told"),
        };
        return (s, Some(raised(EventKind::Resolved, &obs, why)));
    }
    s.streak = s.streak.saturating_add(1);
    match (s.firing_since, s.told_at) {
        (None, _) if s.streak >= rule.after => {
            s.firing_since = Some(at);
            if silence.is_none() {
                s.told_at = Some(at);
            }
            (s, Some(raised(EventKind::Firing, &obs, silence)))
        }
        (None, _) => (s, None),
        // Fired while silenced, still holding, no longer silenced: told now.
        (Some(_), None) if silence.is_none() => {
            s.told_at = Some(at);
            (s, Some(raised(EventKind::Firing, &obs, None)))
        }
        (Some(_), Some(told))
            if silence.is_none()
                && rule
                    .renotify
                    .is_some_and(|every| at - told >= every.as_millis() as i64) =>
        {
            s.told_at = Some(at);
            (s, Some(raised(EventKind::Renotify, &obs, None)))
        }
        (Some(_), _) => (s, None),
    }
}

fn change(
    rule: &AlertRule,
    mut s: RuleState,
    obs: Observation,
    silence: Option<&str>,
) -> (RuleState, Option<Raised>) {
    if obs.verdict == Verdict::Clear {
        s.streak = 0;
        s.reference = obs.reference;
        return (s, None);
    }
    s.streak = s.streak.saturating_add(1);
    if s.streak < rule.after {
        return (s, None);
    }
    s.streak = 0;
    s.reference = obs.reference.clone();
    (s, Some(raised(EventKind::Changed, &obs, silence)))
}

/// The preset's name for people, as the start of a notice's title.
pub fn title(preset: Preset, kind: EventKind) -> &'static str {
    match (preset, kind) {
        (_, EventKind::Resolved) => "recovered",
        (Preset::LatencyUp, _) => "latency up",
        (Preset::LossUp, _) => "loss up",
        (Preset::Down, _) => "down",
        (Preset::PortClosed, _) => "port closed",
        (Preset::PortOpened, _) => "port opened",
        (Preset::DnsChanged, _) => "DNS answer changed",
        (Preset::PathChanged, _) => "path changed",
        (Preset::InterfaceDown, _) => "interface down",
        (Preset::NeighborGone, _) => "neighbour gone",
        (Preset::NeighborNew, _) => "new neighbour",
        (Preset::OutputChanged, _) => "output changed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(json: Value) -> AlertRule {
        serde_json::from_value(json).unwrap()
    }

    fn obs(verdict: Verdict) -> Observation {
        Observation {
            verdict,
            summary: format!("{verdict:?}"),
            evidence: Value::Null,
            reference: None,
        }
    }

    /// Runs the verdicts a minute apart; returns the events, and the silence reasons.
    fn run(
        rule: &AlertRule,
        verdicts: &[(Verdict, Option<&str>)],
    ) -> Vec<(usize, EventKind, Option<String>)> {
        let mut s = RuleState::default();
        let mut out = Vec::new();
        for (i, (v, silence)) in verdicts.iter().enumerate() {
            let (next, e) = step(rule, s, obs(*v), i as i64 * 60_000, *silence);
            s = next;
            if let Some(e) = e {
                out.push((i, e.kind, e.silenced));
            }
        }
        out
    }

    use Verdict::{Clear, Holds, Unknown};

    #[test]
    fn a_condition_fires_after_n_runs_renotifies_and_recovers_once() {
        let r = rule(json!({"preset": "down", "after": 3, "renotify": "2m"}));
        let seq = [
            Holds, Holds, Unknown, Holds, Holds, Holds, Holds, Clear, Clear,
        ]
        .map(|v| (v, None));
        assert_eq!(
            run(&r, &seq),
            [
                (3, EventKind::Firing, None),
                (5, EventKind::Renotify, None),
                (7, EventKind::Resolved, None)
            ],
            "an unknown run neither counts nor breaks the streak"
        );
        // A flap shorter than `after` never fires.
        let flap = [Holds, Holds, Clear, Holds, Holds, Clear].map(|v| (v, None));
        assert!(run(&r, &flap).is_empty());
    }

    #[test]
    fn a_silenced_firing_is_told_when_the_silence_ends_and_only_then_recovers_aloud() {
        let r = rule(json!({"preset": "down"}));
        let m = Some("maintenance");
        assert_eq!(
            run(&r, &[(Holds, m), (Holds, m), (Holds, None), (Clear, None)]),
            [
                (0, EventKind::Firing, Some("maintenance".into())),
                (2, EventKind::Firing, None),
                (3, EventKind::Resolved, None)
            ]
        );
        // Fired and cleared inside the window: the timeline keeps both, nobody is told.
        assert_eq!(
            run(&r, &[(Holds, m), (Clear, m)]),
            [
                (0, EventKind::Firing, Some("maintenance".into())),
                (
                    1,
                    EventKind::Resolved,
                    Some("its firing was never told".into())
                )
            ]
        );
        // Told before the window: its recovery inside it is told.
        assert_eq!(
            run(&r, &[(Holds, None), (Clear, m)]),
            [(0, EventKind::Firing, None), (1, EventKind::Resolved, None)]
        );
        let quiet = rule(json!({"preset": "down", "recovery": false}));
        assert_eq!(
            run(&quiet, &[(Holds, None), (Clear, None)])[1].2.as_deref(),
            Some("recovery notices are off for this rule")
        );
    }

    #[test]
    fn a_change_is_told_once_after_n_runs_and_becomes_the_reference() {
        let r = rule(json!({"preset": "dns_changed", "after": 2}));
        let new = Observation {
            reference: Some(json!("B")),
            ..obs(Holds)
        };
        let (s, e) = step(
            &r,
            RuleState {
                reference: Some(json!("A")),
                ..Default::default()
            },
            new.clone(),
            0,
            None,
        );
        assert_eq!(
            (e, s.reference.clone()),
            (None, Some(json!("A"))),
            "seen once of twice"
        );
        let (s, e) = step(&r, s, new, 1, None);
        assert_eq!(e.map(|e| e.kind), Some(EventKind::Changed));
        assert_eq!((s.reference, s.streak), (Some(json!("B")), 0));
        let flap = [Holds, Clear, Holds, Clear].map(|v| (v, None));
        assert!(run(&r, &flap).is_empty());
    }
}
