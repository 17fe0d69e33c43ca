//! When a suite is due: a cron pattern (five fields, or six with seconds) in a time zone, and the
//! rule for a server that was down or busy: every due time that passed is handled by one fire,
//! for the latest of them, counted as a catch-up when it comes late. Pure: the clock is an
//! argument (milliseconds since the epoch), so the rules are unit-tested.

use crate::spec::{ScheduleSpec, SuiteError};
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use std::time::Duration;

/// A fire this much after its due time counts as a catch-up (the server was down or stopped).
pub const GRACE_MS: i64 = 10_000;
/// Missed due times counted at most (a per-second schedule down for a week stops counting).
const MAX_COUNTED: u64 = 100_000;

/// The longest a scheduled fire spreads its probes over by default.
pub const MAX_SPREAD: Duration = Duration::from_secs(60);

/// A parsed schedule.
#[derive(Debug, Clone)]
pub struct Schedule {
    spread: Option<Duration>,
    cron: Cron,
    tz: TimeZone,
    pattern: String,
    zone: String,
}

/// What a schedule says at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Nothing due before this time (ms).
    At(i64),
    /// Due now: one fire for the due time `due`, standing for `missed` due times in all (1 when
    /// on time), late by `late_ms`.
    Now { due: i64, missed: u64, late_ms: i64 },
    /// The pattern never matches again.
    Never,
}

impl Schedule {
    /// Parses a schedule; errors name `schedule.cron` or `schedule.timezone`.
    pub fn new(spec: &ScheduleSpec) -> Result<Schedule, SuiteError> {
        let cron = CronParser::builder()
            .seconds(Seconds::Optional)
            .year(Year::Disallowed)
            .build()
            .parse(spec.cron.trim())
            .map_err(|e| SuiteError::new("schedule.cron", format!("'{}': {e}", spec.cron)))?;
        let (tz, zone) = match spec.timezone.as_deref().map(str::trim) {
            Some(name) if !name.is_empty() => (
                TimeZone::get(name).map_err(|_| {
                    SuiteError::new(
                        "schedule.timezone",
                        format!("unknown time zone '{name}' (use an IANA name such as Europe/Berlin or UTC)"),
                    )
                })?,
                name.to_string(),
            ),
            _ => {
                let tz = TimeZone::system();
                let zone = tz.iana_name().unwrap_or("the server's time zone").to_string();
                (tz, zone)
            }
        };
        Ok(Schedule {
            spread: spec.spread,
            cron,
            tz,
            pattern: spec.cron.trim().to_string(),
            zone,
        })
    }

    fn zoned(&self, ms: i64) -> Option<jiff::Zoned> {
        Some(
            Timestamp::from_millisecond(ms)
                .ok()?
                .to_zoned(self.tz.clone()),
        )
    }

    /// The first due time after `ms`.
    pub fn next_after(&self, ms: i64) -> Option<i64> {
        let z = self
            .cron
            .find_next_occurrence(&self.zoned(ms)?, false)
            .ok()?;
        Some(z.timestamp().as_millisecond())
    }

    /// The last due time at or before `ms`.
    pub fn last_at_or_before(&self, ms: i64) -> Option<i64> {
        let z = self
            .cron
            .find_previous_occurrence(&self.zoned(ms)?, true)
            .ok()?;
        Some(z.timestamp().as_millisecond())
    }

    /// How long the fire due at `due` spreads its probes over: as the schedule says, else half
    /// the time to the next due time, at most `MAX_SPREAD`.
    pub fn spread_at(&self, due: i64) -> Duration {
        self.spread.unwrap_or_else(|| {
            let interval = self.next_after(due).map_or(0, |n| n - due).max(0) as u64;
            Duration::from_millis(interval / 2).min(MAX_SPREAD)
        })
    }

    /// The next `n` due times after `ms`.
    pub fn upcoming(&self, ms: i64, n: usize) -> Vec<i64> {
        let mut out = Vec::with_capacity(n);
        let mut at = ms;
        while out.len() < n {
            match self.next_after(at) {
                Some(next) => {
                    out.push(next);
                    at = next;
                }
                None => break,
            }
        }
        out
    }

    /// The pattern in words, with its time zone.
    pub fn describe(&self) -> String {
        format!(
            "{} ({})",
            self.cron.describe().trim_end_matches('.'),
            self.zone
        )
    }

    /// A time (ms) as people read it in the schedule's zone: `2026-12-03 09:05:00 CET`.
    pub fn show(&self, ms: i64) -> String {
        show_in(ms, &self.tz)
    }

    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    pub fn zone(&self) -> &str {
        &self.zone
    }

    /// What is due at `now`, for a suite whose schedule last handled `last_due`, or, never yet,
    /// that exists (or was enabled) since `since`.
    pub fn due(&self, last_due: Option<i64>, since: i64, now: i64) -> Due {
        let from = last_due.unwrap_or(since);
        let Some(next) = self.next_after(from) else {
            return Due::Never;
        };
        if next > now {
            return Due::At(next);
        }
        let latest = self.last_at_or_before(now).unwrap_or(next).max(next);
        let mut missed = 1;
        let mut at = next;
        while at < latest && missed < MAX_COUNTED {
            match self.next_after(at) {
                Some(n) if n <= latest => {
                    missed += 1;
                    at = n;
                }
                _ => break,
            }
        }
        Due::Now {
            due: latest,
            missed,
            late_ms: now - latest,
        }
    }
}

/// A time (ms) in the server's zone, as people read it.
pub fn show_time(ms: i64) -> String {
    show_in(ms, &TimeZone::system())
}

fn show_in(ms: i64, tz: &TimeZone) -> String {
    match Timestamp::from_millisecond(ms) {
        Ok(t) => t
            .to_zoned(tz.clone())
            .strftime("%Y-%m-%d %H:%M:%S %Z")
            .to_string(),
        Err(_) => ms.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(cron: &str, tz: &str) -> Schedule {
        Schedule::new(&ScheduleSpec {
            cron: cron.into(),
            timezone: Some(tz.into()),
            ..Default::default()
        })
        .expect("a valid schedule")
    }

    /// Milliseconds of an instant written in RFC 3339.
    fn ms(text: &str) -> i64 {
        text.parse::<Timestamp>().expect("a time").as_millisecond()
    }

    #[test]
    fn five_fields_six_fields_and_time_zones() {
        let s = schedule("*/5 * * * *", "UTC");
        assert_eq!(
            s.next_after(ms("2026-12-03T10:02:00Z")),
            Some(ms("2026-12-03T10:05:00Z"))
        );
        let s = schedule("*/10 * * * * *", "UTC");
        assert_eq!(
            s.next_after(ms("2026-12-03T10:02:01Z")),
            Some(ms("2026-12-03T10:02:10Z"))
        );
        // 09:00 in Berlin is 08:00 UTC in winter, 07:00 in summer.
        let s = schedule("0 9 * * *", "Europe/Berlin");
        assert_eq!(
            s.next_after(ms("2026-12-03T00:00:00Z")),
            Some(ms("2026-12-03T08:00:00Z"))
        );
        assert_eq!(
            s.next_after(ms("2026-07-01T00:00:00Z")),
            Some(ms("2026-07-01T07:00:00Z"))
        );
        assert!(s.describe().contains("Europe/Berlin"), "{}", s.describe());
        assert_eq!(
            s.show(ms("2026-12-03T08:00:00Z")),
            "2026-12-03 09:00:00 CET"
        );
        assert_eq!(
            s.upcoming(ms("2026-12-03T00:00:00Z"), 3),
            [
                ms("2026-12-03T08:00:00Z"),
                ms("2026-12-04T08:00:00Z"),
                ms("2026-12-05T08:00:00Z")
            ]
        );
    }

    #[test]
    fn fires_spread_over_half_the_interval_at_most_a_minute() {
        let due = ms("2026-12-03T10:00:00Z");
        assert_eq!(
            schedule("*/10 * * * * *", "UTC").spread_at(due),
            Duration::from_secs(5)
        );
        assert_eq!(schedule("*/5 * * * *", "UTC").spread_at(due), MAX_SPREAD);
        let given = Schedule::new(&ScheduleSpec {
            cron: "* * * * *".into(),
            spread: Some(Duration::ZERO),
            ..Default::default()
        });
        assert_eq!(given.map(|s| s.spread_at(due)), Ok(Duration::ZERO));
    }

    #[test]
    fn bad_patterns_and_zones_name_their_field() {
        for cron in ["", "* * *", "61 * * * *", "* * * * * * * *", "every minute"] {
            let e = Schedule::new(&ScheduleSpec {
                cron: cron.into(),
                ..Default::default()
            })
            .unwrap_err();
            assert_eq!(e.field, "schedule.cron", "{cron}: {e}");
        }
        let e = Schedule::new(&ScheduleSpec {
            cron: "* * * * *".into(),
            timezone: Some("Mars/Olympus".into()),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(e.field, "schedule.timezone");
        assert!(e.message.contains("Mars/Olympus"), "{e}");
    }

    #[test]
    fn on_time_fires_once_per_due_time() {
        let s = schedule("* * * * *", "UTC");
        let since = ms("2026-12-03T10:00:30Z");
        assert_eq!(
            s.due(None, since, since),
            Due::At(ms("2026-12-03T10:01:00Z"))
        );
        let now = ms("2026-12-03T10:01:00.200Z");
        assert_eq!(
            s.due(None, since, now),
            Due::Now {
                due: ms("2026-12-03T10:01:00Z"),
                missed: 1,
                late_ms: 200
            }
        );
        // Once handled, the next is a minute on.
        assert_eq!(
            s.due(Some(ms("2026-12-03T10:01:00Z")), since, now),
            Due::At(ms("2026-12-03T10:02:00Z"))
        );
    }

    #[test]
    fn after_downtime_one_fire_stands_for_every_missed_due_time() {
        let s = schedule("*/5 * * * *", "UTC");
        let last = ms("2026-12-03T10:00:00Z");
        let now = ms("2026-12-03T10:31:10Z");
        assert_eq!(
            s.due(Some(last), 0, now),
            Due::Now {
                due: ms("2026-12-03T10:30:00Z"),
                missed: 6,
                late_ms: 70_000
            }
        );
        // And after that one fire, nothing until the next due time.
        assert_eq!(
            s.due(Some(ms("2026-12-03T10:30:00Z")), 0, now),
            Due::At(ms("2026-12-03T10:35:00Z"))
        );
    }

    #[test]
    fn a_pattern_that_never_matches_again_says_so() {
        // February 30th does not exist.
        let s = schedule("0 0 30 2 *", "UTC");
        assert_eq!(s.due(None, 0, ms("2026-12-03T00:00:00Z")), Due::Never);
    }
}
