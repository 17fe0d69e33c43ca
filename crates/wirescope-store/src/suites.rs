//! Suites: named sets of runs kept to be run again, on demand or by a schedule, and what each
//! fire did (runs started, skipped while the last was still going, caught up after downtime,
//! failed). The spec is JSON the layer above reads; the store keeps it whole, with the schedule's
//! last due time so a restart neither repeats nor loses a fire.

use crate::sql::{Optional, Row, params};
use crate::{Store, StoreError, now_ms};
use serde::Serialize;
use serde_json::value::RawValue;
use wirescope_probe::error::UnknownValue;

/// Suites kept, at most.
pub const MAX_SUITES: i64 = 1_000;
/// Fires kept per suite, the newest (a suite firing every minute keeps about 16 hours of them;
/// its runs stay in the history).
pub const FIRES_KEPT: i64 = 1_000;

/// A stored suite.
#[derive(Debug, Clone, Serialize)]
pub struct SuiteRecord {
    pub id: i64,
    pub name: String,
    /// The suite as JSON (its runs and schedule).
    pub spec: Box<RawValue>,
    pub enabled: bool,
    /// Milliseconds since the epoch.
    pub created_at: i64,
    pub updated_at: i64,
    /// The schedule's due time last handled (fired, caught up or skipped).
    pub last_due: Option<i64>,
}

/// What a fire of a suite did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FireOutcome {
    /// Its runs started, on time or on demand.
    Started,
    /// Its runs started late, once, for every due time missed while the server was down.
    CaughtUp,
    /// Not run: the suite's runs from before were still going.
    Skipped,
    /// Not run: its targets could not be read, or a run could not start.
    Failed,
}

impl FireOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            FireOutcome::Started => "started",
            FireOutcome::CaughtUp => "caught_up",
            FireOutcome::Skipped => "skipped",
            FireOutcome::Failed => "failed",
        }
    }
}

impl std::str::FromStr for FireOutcome {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const ALL: [FireOutcome; 4] = [
            FireOutcome::Started,
            FireOutcome::CaughtUp,
            FireOutcome::Skipped,
            FireOutcome::Failed,
        ];
        ALL.into_iter()
            .find(|o| o.as_str() == s)
            .ok_or_else(|| UnknownValue::new("outcome", s, ALL.map(FireOutcome::as_str)))
    }
}

/// One fire of a suite.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Fire {
    pub id: i64,
    pub suite_id: i64,
    /// The schedule's due time (ms since the epoch); `null` for a run on demand.
    pub due_at: Option<i64>,
    /// When it was handled.
    pub fired_at: i64,
    pub outcome: FireOutcome,
    /// The runs it started.
    pub runs: Vec<i64>,
    /// Why it was skipped or failed, or how many due times a catch-up stood for.
    pub note: Option<String>,
}

const SELECT_SUITE: &str =
    "SELECT id, name, spec, enabled, created_at, updated_at, last_due FROM suites";

type SuiteRow = (i64, String, String, bool, i64, i64, Option<i64>);

fn read_suite(r: &Row<'_, '_>) -> Result<SuiteRow, StoreError> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}

fn to_record(
    (id, name, spec, enabled, created_at, updated_at, last_due): SuiteRow,
) -> Result<SuiteRecord, StoreError> {
    Ok(SuiteRecord {
        id,
        name,
        spec: RawValue::from_string(spec)?,
        enabled,
        created_at,
        updated_at,
        last_due,
    })
}

impl Store {
    /// Stores a new suite; its name must be free, and there are at most `MAX_SUITES`.
    pub fn create_suite(&self, name: &str, spec: &str) -> Result<i64, StoreError> {
        self.transaction(|db| {
            let count: i64 =
                db.query_row("SELECT COUNT(*) FROM suites", params![], |r| r.get(0))?;
            if count >= MAX_SUITES {
                return Err(StoreError::TooManySuites(MAX_SUITES));
            }
            db.query_row(
                "INSERT INTO suites (name, spec, enabled, created_at, updated_at)
                 VALUES (?1, ?2, 1, ?3, ?3) ON CONFLICT (name) DO NOTHING RETURNING id",
                params![name, spec, now_ms()],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| StoreError::SuiteExists(name.to_string()))
        })
    }

    /// Replaces a suite's spec (its schedule state is kept); false when there is no such suite.
    pub fn replace_suite(&self, id: i64, spec: &str) -> Result<bool, StoreError> {
        Ok(self.write(|db| {
            db.execute(
                "UPDATE suites SET spec = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, spec, now_ms()],
            )
        })? > 0)
    }

    /// A suite by name.
    pub fn suite(&self, name: &str) -> Result<Option<SuiteRecord>, StoreError> {
        self.read(|db| {
            db.query_row(
                &format!("{SELECT_SUITE} WHERE name = ?1"),
                params![name],
                read_suite,
            )
        })
        .optional()?
        .map(to_record)
        .transpose()
    }

    /// A suite by id.
    pub fn suite_by_id(&self, id: i64) -> Result<Option<SuiteRecord>, StoreError> {
        self.read(|db| {
            db.query_row(
                &format!("{SELECT_SUITE} WHERE id = ?1"),
                params![id],
                read_suite,
            )
        })
        .optional()?
        .map(to_record)
        .transpose()
    }

    /// Every suite, by name.
    pub fn suites(&self) -> Result<Vec<SuiteRecord>, StoreError> {
        let rows = self.read(|db| {
            db.query_map(
                &format!("{SELECT_SUITE} ORDER BY name"),
                params![],
                read_suite,
            )
        })?;
        rows.into_iter().map(to_record).collect()
    }

    /// Deletes a suite and its fires (its runs stay, no longer linked); false when there was
    /// none.
    pub fn delete_suite(&self, id: i64) -> Result<bool, StoreError> {
        self.transaction(|db| {
            db.execute(
                "UPDATE runs SET suite_id = NULL WHERE suite_id = ?1",
                params![id],
            )?;
            db.execute("DELETE FROM suite_fires WHERE suite_id = ?1", params![id])?;
            Ok(db.execute("DELETE FROM suites WHERE id = ?1", params![id])? > 0)
        })
    }

    /// Turns a suite's schedule on or off; false when there is no such suite. Turned on, it
    /// fires from its next due time on: the time it was off is not caught up.
    pub fn set_suite_enabled(&self, id: i64, enabled: bool) -> Result<bool, StoreError> {
        Ok(self.write(|db| {
            db.execute(
                "UPDATE suites SET updated_at = ?3,
                 last_due = CASE WHEN ?2 = 1 AND enabled = 0
                                 THEN CASE WHEN COALESCE(last_due, 0) > ?3 THEN last_due ELSE ?3 END
                                 ELSE last_due END,
                 enabled = ?2
             WHERE id = ?1",
                params![id, enabled, now_ms()],
            )
        })? > 0)
    }

    /// Claims the due time `due` of a suite whose last due time was read as `last_due`: true
    /// for exactly one of the servers sharing the database that try (compare and set), which
    /// then fires it; the others leave it.
    pub fn claim_due(
        &self,
        suite_id: i64,
        last_due: Option<i64>,
        due: i64,
    ) -> Result<bool, StoreError> {
        Ok(self.write(|db| {
            db.execute(
                "UPDATE suites SET last_due = ?3
                 WHERE id = ?1 AND last_due IS NOT DISTINCT FROM ?2",
                params![suite_id, last_due, due],
            )
        })? == 1)
    }

    /// Records a fire; a scheduled one (with `due_at`) also becomes the suite's last due time,
    /// in the same transaction, so a restart resumes after it.
    pub fn record_fire(
        &self,
        suite_id: i64,
        due_at: Option<i64>,
        outcome: FireOutcome,
        runs: &[i64],
        note: Option<&str>,
    ) -> Result<i64, StoreError> {
        self.transaction(|tx| {
        let id = tx.insert(
            "INSERT INTO suite_fires (suite_id, due_at, fired_at, outcome, runs, note)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
            params![
                suite_id,
                due_at,
                now_ms(),
                outcome.as_str(),
                serde_json::to_string(runs)?,
                note
            ],
        )?;
        tx.execute(
            "DELETE FROM suite_fires WHERE suite_id = ?1 AND id < (
                 SELECT MIN(id) FROM (SELECT id FROM suite_fires WHERE suite_id = ?1
                                      ORDER BY id DESC LIMIT ?2) AS kept)",
            params![suite_id, FIRES_KEPT],
        )?;
        if let Some(due) = due_at {
            tx.execute(
                "UPDATE suites SET last_due = CASE WHEN COALESCE(last_due, 0) > ?2 THEN last_due ELSE ?2 END
                 WHERE id = ?1",
                params![suite_id, due],
            )?;
        }
                Ok(id)
        })
    }

    /// A suite's fires, newest first, at most `limit`.
    pub fn fires(&self, suite_id: i64, limit: i64) -> Result<Vec<Fire>, StoreError> {
        let rows = self.read(|db| {
            db.query_map(
                "SELECT id, suite_id, due_at, fired_at, outcome, runs, note FROM suite_fires
             WHERE suite_id = ?1 ORDER BY id DESC LIMIT ?2",
                params![suite_id, limit],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, Option<i64>>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, Option<String>>(6)?,
                    ))
                },
            )
        })?;
        rows.into_iter()
            .map(|(id, suite_id, due_at, fired_at, outcome, runs, note)| {
                let outcome = outcome
                    .parse()
                    .map_err(|e: UnknownValue| StoreError::Column {
                        index: 4,
                        message: e.to_string(),
                    })?;
                Ok(Fire {
                    id,
                    suite_id,
                    due_at,
                    fired_at,
                    outcome,
                    runs: serde_json::from_str(&runs)?,
                    note,
                })
            })
            .collect()
    }

    /// Whether runs a suite started are still queued or running.
    pub fn suite_busy(&self, suite_id: i64) -> Result<bool, StoreError> {
        self.read(|db| db.query_row(
            "SELECT EXISTS (SELECT 1 FROM runs WHERE suite_id = ?1 AND status IN ('queued', 'running'))",
            params![suite_id],
            |r| r.get(0),
        ))
    }
}
