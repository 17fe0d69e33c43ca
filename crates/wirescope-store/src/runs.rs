//! The runs table: a run's kind, typed status and source, options, counts and summary;
//! created queued, set running, ended; listed with filters and paging.

use crate::sql::{Db, Optional, Row, params};
use crate::{Store, StoreError, now_ms};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use wirescope_probe::ProbeKind;
use wirescope_probe::error::UnknownValue;

/// Where a run is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Stored, not yet started.
    Queued,
    Running,
    /// Every target has its result.
    Finished,
    /// Stopped on request; what finished is kept.
    Cancelled,
    /// Its process died while it ran (found when the store is opened or swept).
    Interrupted,
    /// It could not start or the engine failed; `error` says why.
    Failed,
}

impl RunStatus {
    pub const ALL: [RunStatus; 6] = [
        RunStatus::Queued,
        RunStatus::Running,
        RunStatus::Finished,
        RunStatus::Cancelled,
        RunStatus::Interrupted,
        RunStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Queued => "queued",
            RunStatus::Running => "running",
            RunStatus::Finished => "finished",
            RunStatus::Cancelled => "cancelled",
            RunStatus::Interrupted => "interrupted",
            RunStatus::Failed => "failed",
        }
    }

    /// Queued or running.
    pub fn in_progress(self) -> bool {
        matches!(self, RunStatus::Queued | RunStatus::Running)
    }
}

impl std::fmt::Display for RunStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for RunStatus {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, UnknownValue> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| UnknownValue::new("status", s, Self::ALL.map(RunStatus::as_str)))
    }
}

/// Who started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The REST API (the dashboard).
    Api,
    /// `wirescope ... --save`.
    Cli,
    /// A suite, run on demand or by its schedule.
    Suite,
    /// A trap rule's follow-up check of the device a trap came from.
    Trap,
    /// The diagnostics collected when an alert fired (a trace, DNS, SNMP interfaces).
    Alert,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Api => "api",
            Source::Cli => "cli",
            Source::Suite => "suite",
            Source::Trap => "trap",
            Source::Alert => "alert",
        }
    }
}

/// Who started a run: where from, and which suite when a suite did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    pub source: Source,
    pub suite_id: Option<i64>,
    /// Which of the suite's runs (its index in the suite's `runs`).
    pub suite_run: Option<i64>,
}

impl Origin {
    /// Run `index` of a suite.
    pub fn suite(id: i64, index: usize) -> Self {
        Origin {
            source: Source::Suite,
            suite_id: Some(id),
            suite_run: i64::try_from(index).ok(),
        }
    }
}

impl From<Source> for Origin {
    fn from(source: Source) -> Self {
        Origin {
            source,
            suite_id: None,
            suite_run: None,
        }
    }
}

/// Stored as text; read back with an error naming a value this version does not know.
macro_rules! sql_text {
    ($ty:ty, $parse:expr) => {
        impl crate::sql::AsArg for $ty {
            fn arg(&self) -> crate::sql::Arg<'_> {
                crate::sql::Arg::Text(self.as_str())
            }
        }

        impl crate::sql::FromVal for $ty {
            fn from_val(v: crate::sql::Val) -> Result<Self, String> {
                let text = <String as crate::sql::FromVal>::from_val(v)?;
                let parse: fn(&str) -> Result<$ty, UnknownValue> = $parse;
                parse(&text).map_err(|e| e.to_string())
            }
        }
    };
}

sql_text!(RunStatus, |s| s.parse());
sql_text!(Source, |s| match s {
    "api" => Ok(Source::Api),
    "cli" => Ok(Source::Cli),
    "suite" => Ok(Source::Suite),
    "trap" => Ok(Source::Trap),
    "alert" => Ok(Source::Alert),
    other => Err(UnknownValue::new(
        "source",
        other,
        ["api", "cli", "suite", "trap", "alert"]
    )),
});

/// A run as listed and returned by the API (without its results).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RunInfo {
    pub id: i64,
    pub kind: ProbeKind,
    pub status: RunStatus,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    /// The targets as given (expressions, one per line).
    pub targets_text: String,
    /// The options of the run's kind, secrets left out.
    // The API document gives it the kinds' options schemas, which live above the store.
    #[schema(value_type = Object)]
    pub options: Box<RawValue>,
    #[schema(value_type = wirescope_net::NetOptions)]
    pub net: Box<RawValue>,
    /// Targets in the run.
    pub total: i64,
    /// Results stored so far.
    pub done: i64,
    /// The closing summary (as the CLI's summary line); `null` until the run ends.
    #[schema(value_type = Option<wirescope_probe::Summary>)]
    pub summary: Option<Box<RawValue>>,
    pub error: Option<String>,
    pub source: Source,
    /// The suite that started the run.
    pub suite_id: Option<i64>,
    /// The site whose agent makes the run; `null` when this server makes it.
    pub site: Option<String>,
    /// The runs started together from several sites share this (the first one's id): the
    /// vantage points of one question, side by side.
    pub batch: Option<i64>,
}

/// A run about to be stored.
#[derive(Debug, Clone)]
pub struct NewRun<'a> {
    pub kind: ProbeKind,
    pub targets_text: &'a str,
    /// JSON of the probe options.
    pub options: &'a str,
    /// JSON of the network options.
    pub net: &'a str,
    pub total: i64,
    pub origin: Origin,
    /// The site whose agent is to make it (`None`: this process).
    pub site: Option<&'a str>,
}

/// Filters and paging for listing runs.
#[derive(Debug, Clone, Default)]
pub struct RunFilter {
    pub kind: Option<ProbeKind>,
    pub status: Option<RunStatus>,
    /// The runs of one batch (asked together from several sites).
    pub batch: Option<i64>,
    pub limit: i64,
    pub offset: i64,
}

impl Store {
    /// Stores a new queued run and returns its id.
    pub fn create_run(&self, run: &NewRun<'_>) -> Result<i64, StoreError> {
        self.write(|db| insert_run(&db, &self.owner_id, run, None))
    }

    /// Stores runs asked together (one per site), in one transaction; when there are several,
    /// each carries the first one's id as its `batch`. Returns their ids in order.
    pub fn create_batch(&self, runs: &[NewRun<'_>]) -> Result<Vec<i64>, StoreError> {
        self.transaction(|db| {
            let mut ids: Vec<i64> = Vec::with_capacity(runs.len());
            for run in runs {
                let batch = (runs.len() > 1).then(|| ids.first().copied()).flatten();
                let id = insert_run(&db, &self.owner_id, run, batch)?;
                ids.push(id);
            }
            if runs.len() > 1 {
                db.execute("UPDATE runs SET batch = id WHERE id = ?1", params![ids[0]])?;
            }
            Ok(ids)
        })
    }

    /// The runs of a batch, by id.
    pub fn batch(&self, batch: i64) -> Result<Vec<RunInfo>, StoreError> {
        self.read(|db| {
            db.query_map(
                &format!("{SELECT_RUN} WHERE batch = ?1 ORDER BY id"),
                params![batch],
                read_run,
            )?
            .into_iter()
            .collect()
        })
    }

    pub fn set_running(&self, id: i64) -> Result<(), StoreError> {
        self.write(|db| {
            db.execute(
                "UPDATE runs SET status = 'running', started_at = ?2 WHERE id = ?1",
                params![id, now_ms()],
            )?;
            db.notify_run(id)
        })?;
        Ok(())
    }

    /// Ends a run: finished, cancelled or failed, with its summary or error.
    pub fn set_finished(
        &self,
        id: i64,
        status: RunStatus,
        summary: Option<&str>,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        self.write(|db| {
            db.execute(
            "UPDATE runs SET status = ?2, finished_at = ?3, summary = ?4, error = ?5 WHERE id = ?1",
            params![id, status, now_ms(), summary, error],
        )?;
            db.notify_run(id)
        })?;
        Ok(())
    }

    /// One run.
    pub fn run(&self, id: i64) -> Result<Option<RunInfo>, StoreError> {
        let row = self
            .read(|db| {
                db.query_row(
                    &format!("{SELECT_RUN} WHERE id = ?1"),
                    params![id],
                    read_run,
                )
            })
            .optional()?;
        row.transpose()
    }

    /// Runs, newest first, with the total number matching the filter.
    pub fn list(&self, f: &RunFilter) -> Result<(Vec<RunInfo>, i64), StoreError> {
        let cond = "WHERE (CAST(?1 AS TEXT) IS NULL OR kind = ?1) AND (CAST(?2 AS TEXT) IS NULL OR status = ?2)
            AND (CAST(?3 AS BIGINT) IS NULL OR batch = ?3)";
        self.read(|db| {
            let total: i64 = db.query_row(
                &format!("SELECT COUNT(*) FROM runs {cond}"),
                params![f.kind.map(ProbeKind::as_str), f.status, f.batch],
                |r| r.get(0),
            )?;
            let runs = db
                .query_map(
                    &format!("{SELECT_RUN} {cond} ORDER BY id DESC LIMIT ?4 OFFSET ?5"),
                    params![
                        f.kind.map(ProbeKind::as_str),
                        f.status,
                        f.batch,
                        f.limit,
                        f.offset
                    ],
                    read_run,
                )?
                .into_iter()
                .collect::<Result<Vec<_>, _>>()?;
            Ok((runs, total))
        })
    }

    /// The newest run of `kind` that has ended, if any (what a cache built from ended runs
    /// checks to know it is behind).
    pub fn newest_ended(&self, kind: ProbeKind) -> Result<Option<i64>, StoreError> {
        self.read(|db| {
            db.query_row(
                "SELECT MAX(id) FROM runs WHERE kind = ?1 AND status NOT IN ('queued', 'running')",
                params![kind.as_str()],
                |r| r.get(0),
            )
        })
    }

    /// Deletes a run and its results; false when there was no such run.
    pub fn delete(&self, id: i64) -> Result<bool, StoreError> {
        Ok(self.write(|db| db.execute("DELETE FROM runs WHERE id = ?1", params![id]))? > 0)
    }
}

const SELECT_RUN: &str =
    "SELECT id, kind, status, created_at, started_at, finished_at, targets_text, options, net,
    total, done, summary, error, source, suite_id, site, batch FROM runs";

/// Stores one queued run, owned by this process unless an agent of a site is to make it (then
/// its job's lease decides when it is given up).
fn insert_run(
    db: &Db<'_>,
    owner: &str,
    run: &NewRun<'_>,
    batch: Option<i64>,
) -> Result<i64, StoreError> {
    let owner = run.site.is_none().then_some(owner);
    db.insert(
        "INSERT INTO runs (kind, status, created_at, targets_text, options, net, total, source,
             owner, suite_id, suite_run, site, batch)
         VALUES (?1, 'queued', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) RETURNING id",
        params![
            run.kind.as_str(),
            now_ms(),
            run.targets_text,
            run.options,
            run.net,
            run.total,
            run.origin.source,
            owner,
            run.origin.suite_id,
            run.origin.suite_run,
            run.site,
            batch
        ],
    )
}

fn read_run(r: &Row<'_, '_>) -> Result<Result<RunInfo, StoreError>, StoreError> {
    let kind: String = r.get(1)?;
    let kind: ProbeKind = kind.parse().map_err(|e: UnknownValue| StoreError::Column {
        index: 1,
        message: e.to_string(),
    })?;
    let options: String = r.get(7)?;
    let net: String = r.get(8)?;
    let summary: Option<String> = r.get(11)?;
    let base = (
        r.get(0)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(9)?,
        r.get(10)?,
        r.get(12)?,
        r.get(13)?,
        r.get(14)?,
        r.get(15)?,
        r.get(16)?,
    );
    Ok((|| {
        let (
            id,
            status,
            created_at,
            started_at,
            finished_at,
            targets_text,
            total,
            done,
            error,
            source,
            suite_id,
            site,
            batch,
        ) = base;
        Ok(RunInfo {
            id,
            kind,
            status,
            created_at,
            started_at,
            finished_at,
            targets_text,
            options: RawValue::from_string(options)?,
            net: RawValue::from_string(net)?,
            total,
            done,
            summary: summary.map(RawValue::from_string).transpose()?,
            error,
            source,
            suite_id,
            site,
            batch,
        })
    })())
}
