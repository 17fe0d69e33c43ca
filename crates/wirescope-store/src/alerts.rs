//! Alerts: each rule's state per target (kept as the watch layer's JSON), the timeline of alert
//! events with their evidence, the outbox of deliveries to notification channels (sent by a
//! worker with retries, so a slow destination never holds the scheduler), and the channels
//! themselves (their settings; secrets live in the secret store). A run's samples, the state
//! its results left, its events and their deliveries are written in one transaction with the
//! mark that the run was taken, so a restart neither loses nor repeats an alert.

use crate::sql::{Optional, Row, params};
use crate::trends::write_samples;
use crate::{Sample, Store, StoreError, now_ms};
use serde::Serialize;
use serde_json::value::RawValue;

/// Alert events kept, the newest (older ones and their deliveries are pruned).
pub const EVENTS_KEPT: i64 = 100_000;
/// Notification channels, at most.
pub const MAX_CHANNELS: i64 = 100;
/// Attempts at a delivery before it is given up as failed.
pub const DELIVERY_ATTEMPTS: i64 = 6;

/// What an alert event says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A condition began to hold (after its consecutive count).
    Firing,
    /// Still holding: sent again after the rule's re-notify interval.
    Renotify,
    /// The condition cleared.
    Resolved,
    /// A change was seen (a new path, DNS answer, open port, output).
    Changed,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Firing => "firing",
            EventKind::Renotify => "renotify",
            EventKind::Resolved => "resolved",
            EventKind::Changed => "changed",
        }
    }

    fn parse(s: &str) -> EventKind {
        match s {
            "firing" => EventKind::Firing,
            "renotify" => EventKind::Renotify,
            "resolved" => EventKind::Resolved,
            _ => EventKind::Changed,
        }
    }
}

/// An event to record, with the channels to tell.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub rule: String,
    /// The rule's preset (latency_up, path_changed, ...).
    pub preset: String,
    pub target: String,
    pub kind: EventKind,
    pub at: i64,
    pub summary: String,
    /// JSON: what the rule saw (paths, ports, the diff, the latency around the change).
    pub evidence: String,
    /// Why nobody was told (a maintenance window, a parent down); `None` when delivered.
    pub silenced: Option<String>,
    /// Channels to deliver to (none when silenced).
    pub channels: Vec<String>,
}

/// What evaluating a run's results changed: rule states (`None` deletes one), new events, and
/// what each target showed (for its history).
#[derive(Debug, Clone, Default)]
pub struct AlertWrite {
    /// (rule, target, state JSON).
    pub states: Vec<(String, String, Option<String>)>,
    pub events: Vec<NewEvent>,
    /// (target, value JSON): a trace's path, a scan's open ports, a DNS answer.
    pub seen: Vec<(String, String)>,
}

/// Distinct values kept per target and kind, the newest.
pub const HISTORY_KEPT: i64 = 100;

/// One distinct value a target showed (a path, its open ports, a DNS answer) and when.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    /// Its shape by kind: trace `{"reached", "hops": {"ttl": [addrs]}}`, scan `{"open": [ports]}`,
    /// dns `{"rcode", "answers"}`.
    #[schema(value_type = Object)]
    pub value: Box<RawValue>,
    /// When a run first and last showed it (ms), in a row.
    pub first_seen: i64,
    pub last_seen: i64,
    /// Runs in a row that showed it.
    pub runs: i64,
    pub last_run: Option<i64>,
}

/// A stored alert event.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AlertEvent {
    pub id: i64,
    /// The suite whose rule raised it (`null` for a trap rule's).
    pub suite_id: Option<i64>,
    pub suite: Option<String>,
    /// The received trap a trap rule raised it for.
    pub trap_id: Option<i64>,
    /// The rule's name in its suite, or the trap rule's.
    pub rule: String,
    /// The rule's preset.
    pub preset: String,
    pub target: String,
    pub kind: EventKind,
    /// When it happened (ms since the epoch): the start of the run that showed it.
    pub at: i64,
    /// The run whose results raised it.
    pub run_id: Option<i64>,
    pub summary: String,
    /// What the rule saw; its shape depends on the preset (see the alerts section of README).
    #[schema(value_type = Object)]
    pub evidence: Box<RawValue>,
    /// Why nobody was told: `maintenance` or `parent <target> down`; `null` when delivered.
    pub silenced: Option<String>,
    pub deliveries: Vec<Delivery>,
    /// What was collected when it fired (scheduled suites' firing and changed events); `null`:
    /// nothing was tried.
    pub diagnostics: Option<crate::Diagnostics>,
}

/// How a delivery of an event to a channel went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Pending,
    Sent,
    /// Given up after its attempts, or the channel no longer exists.
    Failed,
}

impl DeliveryStatus {
    fn parse(s: &str) -> DeliveryStatus {
        match s {
            "sent" => DeliveryStatus::Sent,
            "failed" => DeliveryStatus::Failed,
            _ => DeliveryStatus::Pending,
        }
    }
}

/// One event's delivery to one channel.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Delivery {
    pub id: i64,
    pub event_id: i64,
    pub channel: String,
    pub status: DeliveryStatus,
    pub attempts: i64,
    /// When it is tried next (ms), while pending.
    pub next_at: i64,
    pub last_error: Option<String>,
    pub sent_at: Option<i64>,
}

/// Which events to list.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub suite_id: Option<i64>,
    pub target: Option<String>,
    /// Only events with an id below this (paging back through the timeline).
    pub before: Option<i64>,
    pub limit: i64,
}

/// A stored notification channel.
#[derive(Debug, Clone, Serialize)]
pub struct ChannelRecord {
    pub id: i64,
    pub name: String,
    /// Its settings as JSON (no secrets).
    pub spec: Box<RawValue>,
    pub created_at: i64,
    pub updated_at: i64,
}

const SELECT_EVENT: &str = "SELECT e.id, e.suite_id, s.name, e.rule, e.preset, e.target, e.kind,
    e.at, e.run_id, e.summary, e.evidence, e.silenced, e.trap_id,
    d.status, d.started_at, d.finished_at, d.runs, d.bytes, d.sha256, d.note
    FROM alert_events e LEFT JOIN suites s ON s.id = e.suite_id
    LEFT JOIN diagnostics d ON d.event_id = e.id";

fn read_event(r: &Row<'_, '_>) -> Result<(AlertEvent, String), StoreError> {
    let kind: String = r.get(6)?;
    let evidence: String = r.get(10)?;
    Ok((
        AlertEvent {
            id: r.get(0)?,
            suite_id: r.get(1)?,
            suite: r.get(2)?,
            rule: r.get(3)?,
            preset: r.get(4)?,
            target: r.get(5)?,
            kind: EventKind::parse(&kind),
            at: r.get(7)?,
            run_id: r.get(8)?,
            summary: r.get(9)?,
            evidence: RawValue::NULL.to_owned(),
            silenced: r.get(11)?,
            trap_id: r.get(12)?,
            deliveries: Vec::new(),
            diagnostics: crate::diagnostics::read_diagnostics(r, 13)?,
        },
        evidence,
    ))
}

fn read_delivery(r: &Row<'_, '_>) -> Result<Delivery, StoreError> {
    let status: String = r.get(3)?;
    Ok(Delivery {
        id: r.get(0)?,
        event_id: r.get(1)?,
        channel: r.get(2)?,
        status: DeliveryStatus::parse(&status),
        attempts: r.get(4)?,
        next_at: r.get(5)?,
        last_error: r.get(6)?,
        sent_at: r.get(7)?,
    })
}

const SELECT_DELIVERY: &str = "SELECT id, event_id, channel, status, attempts, next_at,
    last_error, sent_at FROM deliveries";

impl Store {
    /// A suite's rule states: (rule, target, state JSON).
    pub fn alert_states(&self, suite_id: i64) -> Result<Vec<(String, String, String)>, StoreError> {
        let rows = self.read(|db| {
            db.query_map(
                "SELECT rule, target, state FROM alert_states WHERE suite_id = ?1",
                params![suite_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
        })?;
        Ok(rows)
    }

    /// The medians (µs) of a series' samples from `from` up to `to` (ms), oldest first, with
    /// their times; samples with no answer are left out.
    pub fn medians(
        &self,
        suite_id: i64,
        kind: &str,
        target: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        let rows = self.read(|db| {
            db.query_map(
                "SELECT p.t, p.med_us FROM samples p JOIN series s ON s.id = p.series_id
             WHERE s.suite_id = ?1 AND s.kind = ?2 AND s.target = ?3
               AND p.t >= ?4 AND p.t < ?5 AND p.med_us IS NOT NULL ORDER BY p.t",
                params![suite_id, kind, target, from, to],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })?;
        Ok(rows)
    }

    /// Takes an ended suite run: adds its samples to the trends, writes the rule states its
    /// results left and the events they raised (with a pending delivery per channel), and
    /// marks the run taken, all in one transaction. Returns the new events' ids.
    pub fn take_run(
        &self,
        run: i64,
        suite_id: i64,
        kind: &str,
        samples: &[(String, Sample)],
        alerts: &AlertWrite,
    ) -> Result<Vec<i64>, StoreError> {
        self.transaction(|tx| {
            // Taken once, whichever server of those sharing the database gets to it first:
            // the other finds it taken (its update waits for this one's commit) and leaves it.
            if tx.execute(
                "UPDATE runs SET trended = 1 WHERE id = ?1 AND trended = 0",
                params![run],
            )? == 0
            {
                return Ok(Vec::new());
            }
        write_samples(tx, suite_id, kind, samples)?;
        let now = now_ms();
        for (rule, target, state) in &alerts.states {
            match state {
                Some(s) => tx.execute(
                    "INSERT INTO alert_states (suite_id, rule, target, state, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (suite_id, rule, target)
                     DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
                    params![suite_id, rule, target, s, now],
                )?,
                None => tx.execute(
                    "DELETE FROM alert_states WHERE suite_id = ?1 AND rule = ?2 AND target = ?3",
                    params![suite_id, rule, target],
                )?,
            };
        }
        let mut ids = Vec::with_capacity(alerts.events.len());
        for e in &alerts.events {
            let id = tx.insert(
                "INSERT INTO alert_events
                 (suite_id, rule, preset, target, kind, at, run_id, summary, evidence, silenced)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id",
                params![
                    suite_id,
                    e.rule,
                    e.preset,
                    e.target,
                    e.kind.as_str(),
                    e.at,
                    run,
                    e.summary,
                    e.evidence,
                    e.silenced
                ],
            )?;
            for channel in &e.channels {
                tx.execute(
                    "INSERT INTO deliveries (event_id, channel, status, attempts, next_at)
                     VALUES (?1, ?2, 'pending', 0, ?3)",
                    params![id, channel, now],
                )?;
            }
            ids.push(id);
        }
        let started: i64 = tx
            .query_row(
                "SELECT COALESCE(started_at, created_at) FROM runs WHERE id = ?1",
                params![run],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(now);
        for (target, value) in &alerts.seen {
            let last: Option<(i64, String)> = tx
                .query_row(
                    "SELECT id, value FROM target_history WHERE suite_id = ?1 AND kind = ?2 AND target = ?3
                     ORDER BY id DESC LIMIT 1",
                    params![suite_id, kind, target],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            match last {
                Some((id, v)) if v == *value => {
                    tx.execute(
                        "UPDATE target_history SET last_seen = CASE WHEN last_seen > ?2 THEN last_seen ELSE ?2 END, runs = runs + 1,
                           last_run = ?3 WHERE id = ?1",
                        params![id, started, run],
                    )?;
                }
                _ => {
                    tx.execute(
                        "INSERT INTO target_history
                         (suite_id, kind, target, value, first_seen, last_seen, runs, last_run)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?5, 1, ?6)",
                        params![suite_id, kind, target, value, started, run],
                    )?;
                    tx.execute(
                        "DELETE FROM target_history WHERE suite_id = ?1 AND kind = ?2 AND target = ?3
                           AND id NOT IN (SELECT id FROM target_history
                                          WHERE suite_id = ?1 AND kind = ?2 AND target = ?3
                                          ORDER BY id DESC LIMIT ?4)",
                        params![suite_id, kind, target, HISTORY_KEPT],
                    )?;
                }
            }
        }
        if !alerts.events.is_empty() {
            tx.execute(
                "DELETE FROM alert_events WHERE id <= (SELECT MAX(id) FROM alert_events) - ?1",
                params![EVENTS_KEPT],
            )?;
        }
                Ok(ids)
        })
    }

    /// Records events a trap rule raised for trap `trap_id`, with their deliveries; returns
    /// their ids.
    pub fn trap_events(&self, trap_id: i64, events: &[NewEvent]) -> Result<Vec<i64>, StoreError> {
        self.transaction(|tx| {
            let now = now_ms();
            let mut ids = Vec::with_capacity(events.len());
            for e in events {
                let id = tx.insert(
                    "INSERT INTO alert_events
                 (trap_id, rule, preset, target, kind, at, summary, evidence, silenced)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
                    params![
                        trap_id,
                        e.rule,
                        e.preset,
                        e.target,
                        e.kind.as_str(),
                        e.at,
                        e.summary,
                        e.evidence,
                        e.silenced
                    ],
                )?;
                for channel in &e.channels {
                    tx.execute(
                        "INSERT INTO deliveries (event_id, channel, status, attempts, next_at)
                     VALUES (?1, ?2, 'pending', 0, ?3)",
                        params![id, channel, now],
                    )?;
                }
                ids.push(id);
            }
            tx.execute(
                "DELETE FROM alert_events WHERE id <= (SELECT MAX(id) FROM alert_events) - ?1",
                params![EVENTS_KEPT],
            )?;
            Ok(ids)
        })
    }

    /// Attaches a run to an event (a trap rule's follow-up, started after the event).
    pub fn set_event_run(&self, id: i64, run: i64) -> Result<(), StoreError> {
        self.write(|db| {
            db.execute(
                "UPDATE alert_events SET run_id = ?2 WHERE id = ?1",
                params![id, run],
            )
        })?;
        Ok(())
    }

    /// What a target of a suite showed over its runs of `kind`: each distinct value in a row,
    /// newest first.
    pub fn target_history(
        &self,
        suite_id: i64,
        kind: &str,
        target: &str,
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        let rows = self.read(|db| {
            db.query_map(
                "SELECT value, first_seen, last_seen, runs, last_run FROM target_history
             WHERE suite_id = ?1 AND kind = ?2 AND target = ?3 ORDER BY id DESC",
                params![suite_id, kind, target],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                    ))
                },
            )
        })?;
        rows.into_iter()
            .map(|(value, first_seen, last_seen, runs, last_run)| {
                Ok(HistoryEntry {
                    value: RawValue::from_string(value)?,
                    first_seen,
                    last_seen,
                    runs,
                    last_run,
                })
            })
            .collect()
    }

    /// Alert events, newest first.
    pub fn alert_events(&self, f: &EventFilter) -> Result<Vec<AlertEvent>, StoreError> {
        let rows = {
            self.read(|db| {
                db.query_map(
                    &format!(
                        "{SELECT_EVENT} WHERE (CAST(?1 AS BIGINT) IS NULL OR e.suite_id = ?1)
                   AND (CAST(?2 AS TEXT) IS NULL OR e.target = ?2)
                   AND (CAST(?3 AS BIGINT) IS NULL OR e.id < ?3)
                 ORDER BY e.id DESC LIMIT ?4"
                    ),
                    params![f.suite_id, f.target, f.before, f.limit],
                    read_event,
                )
            })?
        };
        rows.into_iter().map(|row| self.finish_event(row)).collect()
    }

    /// One alert event.
    pub fn alert_event(&self, id: i64) -> Result<Option<AlertEvent>, StoreError> {
        let row = self
            .read(|db| {
                db.query_row(
                    &format!("{SELECT_EVENT} WHERE e.id = ?1"),
                    params![id],
                    read_event,
                )
            })
            .optional()?;
        row.map(|row| self.finish_event(row)).transpose()
    }

    fn finish_event(
        &self,
        (mut event, evidence): (AlertEvent, String),
    ) -> Result<AlertEvent, StoreError> {
        event.evidence = RawValue::from_string(evidence)?;
        event.deliveries = self.read(|db| {
            db.query_map(
                &format!("{SELECT_DELIVERY} WHERE event_id = ?1 ORDER BY id"),
                params![event.id],
                read_delivery,
            )
        })?;
        Ok(event)
    }

    /// The newest event's id (0 when there is none).
    pub fn last_event_id(&self) -> Result<i64, StoreError> {
        self.read(|db| {
            db.query_row(
                "SELECT COALESCE(MAX(id), 0) FROM alert_events",
                params![],
                |r| r.get(0),
            )
        })
    }

    /// Events with an id above `after` that were not silenced.
    pub fn events_after(&self, after: i64) -> Result<i64, StoreError> {
        self.read(|db| {
            db.query_row(
                "SELECT COUNT(*) FROM alert_events WHERE id > ?1 AND silenced IS NULL",
                params![after],
                |r| r.get(0),
            )
        })
    }

    /// Deliveries pending and due at `now`, the oldest first.
    pub fn deliveries_due(&self, now: i64, limit: i64) -> Result<Vec<Delivery>, StoreError> {
        let rows = self.read(|db| db.query_map(&format!(
            "{SELECT_DELIVERY} WHERE status = 'pending' AND next_at <= ?1 ORDER BY next_at, id LIMIT ?2"
        ), params![now, limit], read_delivery))?;
        Ok(rows)
    }

    /// When the next pending delivery is due (ms), if any.
    pub fn next_delivery(&self) -> Result<Option<i64>, StoreError> {
        self.read(|db| {
            db.query_row(
                "SELECT MIN(next_at) FROM deliveries WHERE status = 'pending'",
                params![],
                |r| r.get(0),
            )
        })
    }

    /// Records an attempt at a delivery: sent, to be tried again at `retry_at`, or (with
    /// neither) failed for good.
    pub fn delivery_attempted(
        &self,
        id: i64,
        sent: bool,
        error: Option<&str>,
        retry_at: Option<i64>,
    ) -> Result<(), StoreError> {
        let now = now_ms();
        let status = match (sent, retry_at) {
            (true, _) => "sent",
            (false, Some(_)) => "pending",
            (false, None) => "failed",
        };
        self.write(|db| {
            db.execute(
                "UPDATE deliveries SET status = ?2, attempts = attempts + 1, last_error = ?3,
               next_at = COALESCE(?4, next_at), sent_at = CASE WHEN ?2 = 'sent' THEN CAST(?5 AS BIGINT) END
             WHERE id = ?1",
                params![id, status, error, retry_at, now],
            )
        })?;
        Ok(())
    }

    /// Adds a channel; its name must be free, and there are at most [`MAX_CHANNELS`].
    pub fn create_channel(&self, name: &str, spec: &str) -> Result<i64, StoreError> {
        self.transaction(|db| {
            let count: i64 =
                db.query_row("SELECT COUNT(*) FROM channels", params![], |r| r.get(0))?;
            if count >= MAX_CHANNELS {
                return Err(StoreError::TooManyChannels(MAX_CHANNELS));
            }
            db.query_row(
                "INSERT INTO channels (name, spec, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)
                 ON CONFLICT (name) DO NOTHING RETURNING id",
                params![name, spec, now_ms()],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| StoreError::ChannelExists(name.to_string()))
        })
    }

    /// Replaces a channel's settings; false when there is no such channel.
    pub fn replace_channel(&self, name: &str, spec: &str) -> Result<bool, StoreError> {
        Ok(self.write(|db| {
            db.execute(
                "UPDATE channels SET spec = ?2, updated_at = ?3 WHERE name = ?1",
                params![name, spec, now_ms()],
            )
        })? == 1)
    }

    pub fn channel(&self, name: &str) -> Result<Option<ChannelRecord>, StoreError> {
        let row = self
            .read(|db| {
                db.query_row(
                    "SELECT id, name, spec, created_at, updated_at FROM channels WHERE name = ?1",
                    params![name],
                    read_channel,
                )
            })
            .optional()?;
        row.map(to_channel).transpose()
    }

    pub fn channels(&self) -> Result<Vec<ChannelRecord>, StoreError> {
        let rows = {
            self.read(|db| {
                db.query_map(
                    "SELECT id, name, spec, created_at, updated_at FROM channels ORDER BY name",
                    params![],
                    read_channel,
                )
            })?
        };
        rows.into_iter().map(to_channel).collect()
    }

    /// Removes a channel; its pending deliveries fail. False when there is no such channel.
    pub fn delete_channel(&self, name: &str) -> Result<bool, StoreError> {
        self.transaction(|tx| {
            let n = tx.execute("DELETE FROM channels WHERE name = ?1", params![name])?;
            tx.execute(
                "UPDATE deliveries SET status = 'failed', last_error = 'the channel was removed'
             WHERE channel = ?1 AND status = 'pending'",
                params![name],
            )?;
            Ok(n == 1)
        })
    }
}

type ChannelRow = (i64, String, String, i64, i64);

fn read_channel(r: &Row<'_, '_>) -> Result<ChannelRow, StoreError> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn to_channel(
    (id, name, spec, created_at, updated_at): ChannelRow,
) -> Result<ChannelRecord, StoreError> {
    Ok(ChannelRecord {
        id,
        name,
        spec: RawValue::from_string(spec)?,
        created_at,
        updated_at,
    })
}
