//! A remote agent's spool: a small SQLite file where every result waits until its server said
//! it stored it. The agent writes each result here first and sends from here, so a server that
//! is away (or an agent restarted) loses nothing: whatever the server had not acknowledged is
//! sent again when the connection is back, and the server keeps each `(run, seq)` once.

use crate::StoreError;
use rusqlite::{Connection, OptionalExtension};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Results a spool holds at most: past it, the agent's running jobs stop (they end failed,
/// saying so) until the server takes what waits.
pub const SPOOL_MAX_RESULTS: i64 = 2_000_000;

const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS jobs (
        job INTEGER NOT NULL,
        attempt INTEGER NOT NULL,
        run INTEGER NOT NULL,
        taken_at INTEGER NOT NULL,
        PRIMARY KEY (job, attempt)
    );
    CREATE TABLE IF NOT EXISTS results (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        job INTEGER NOT NULL,
        attempt INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        target TEXT NOT NULL,
        data TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS results_job ON results (job, attempt, id);
    CREATE TABLE IF NOT EXISTS ends (
        job INTEGER NOT NULL,
        attempt INTEGER NOT NULL,
        status TEXT NOT NULL,
        summary TEXT,
        error TEXT,
        PRIMARY KEY (job, attempt)
    );
";

/// A job the agent holds, as its spool remembers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SpooledJob {
    pub job: i64,
    pub attempt: i64,
    pub run: i64,
}

/// A result waiting for the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spooled {
    /// Its place in the spool: the server acknowledges up to one.
    pub id: i64,
    pub seq: i64,
    pub target: String,
    pub data: String,
}

/// How a job ended, kept until the server stored it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpooledEnd {
    pub status: String,
    pub summary: Option<String>,
    pub error: Option<String>,
}

/// The agent's spool file.
#[derive(Debug)]
pub struct Spool {
    conn: Mutex<Connection>,
    path: PathBuf,
}

impl Spool {
    /// Opens (creating) the spool at `path`.
    pub fn open(path: &Path) -> Result<Spool, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Dir {
                path: dir.display().to_string(),
                source,
            })?;
        }
        let open_err = |source| StoreError::Open {
            path: path.display().to_string(),
            source,
        };
        let conn = Connection::open(path).map_err(open_err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(open_err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(open_err)?;
        conn.execute_batch(SCHEMA).map_err(open_err)?;
        Ok(Spool {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Remembers that the agent took a job.
    pub fn take(&self, job: SpooledJob) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT OR IGNORE INTO jobs (job, attempt, run, taken_at) VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![job.job, job.attempt, job.run, crate::now_ms()],
        )?;
        Ok(())
    }

    /// The jobs held: taken and not yet forgotten (their results or end may still wait).
    pub fn jobs(&self) -> Result<Vec<SpooledJob>, StoreError> {
        let conn = self.conn();
        let mut st = conn.prepare("SELECT job, attempt, run FROM jobs ORDER BY job, attempt")?;
        let rows = st.query_map([], |r| {
            Ok(SpooledJob {
                job: r.get(0)?,
                attempt: r.get(1)?,
                run: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Keeps a job's results, in one transaction (none of a job forgotten meanwhile);
    /// `SpoolFull` past [`SPOOL_MAX_RESULTS`].
    pub fn add(
        &self,
        job: SpooledJob,
        results: &[(i64, String, String)],
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let held: i64 = conn.query_row("SELECT COUNT(*) FROM results", [], |r| r.get(0))?;
        if held + results.len() as i64 > SPOOL_MAX_RESULTS {
            return Err(StoreError::SpoolFull(SPOOL_MAX_RESULTS));
        }
        let tx = conn.transaction()?;
        if !taken(&tx, job)? {
            return Ok(());
        }
        {
            let mut st = tx.prepare_cached(
                "INSERT INTO results (job, attempt, seq, target, data) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for (seq, target, data) in results {
                st.execute(rusqlite::params![job.job, job.attempt, seq, target, data])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Up to `limit` of a job's results after spool place `after`, in order.
    pub fn waiting(
        &self,
        job: SpooledJob,
        after: i64,
        limit: usize,
    ) -> Result<Vec<Spooled>, StoreError> {
        let conn = self.conn();
        let mut st = conn.prepare_cached(
            "SELECT id, seq, target, data FROM results WHERE job = ?1 AND attempt = ?2 AND id > ?3
             ORDER BY id LIMIT ?4",
        )?;
        let rows = st.query_map(
            rusqlite::params![job.job, job.attempt, after, limit as i64],
            |r| {
                Ok(Spooled {
                    id: r.get(0)?,
                    seq: r.get(1)?,
                    target: r.get(2)?,
                    data: r.get(3)?,
                })
            },
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The server stored a job's results up to spool place `upto`: they are dropped.
    pub fn acknowledged(&self, job: SpooledJob, upto: i64) -> Result<(), StoreError> {
        self.conn().execute(
            "DELETE FROM results WHERE job = ?1 AND attempt = ?2 AND id <= ?3",
            rusqlite::params![job.job, job.attempt, upto],
        )?;
        Ok(())
    }

    /// Keeps how a job ended (unless it was forgotten meanwhile).
    pub fn end(&self, job: SpooledJob, end: &SpooledEnd) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT OR REPLACE INTO ends (job, attempt, status, summary, error)
             SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS
                (SELECT 1 FROM jobs WHERE job = ?1 AND attempt = ?2)",
            rusqlite::params![job.job, job.attempt, end.status, end.summary, end.error],
        )?;
        Ok(())
    }

    /// How a job ended, when it has.
    pub fn ended(&self, job: SpooledJob) -> Result<Option<SpooledEnd>, StoreError> {
        let conn = self.conn();
        let found = conn.query_row(
            "SELECT status, summary, error FROM ends WHERE job = ?1 AND attempt = ?2",
            rusqlite::params![job.job, job.attempt],
            |r| {
                Ok(SpooledEnd {
                    status: r.get(0)?,
                    summary: r.get(1)?,
                    error: r.get(2)?,
                })
            },
        );
        Ok(found.optional()?)
    }

    /// Drops everything about a job: the server stored its end, or it is not this agent's any
    /// more.
    pub fn forget(&self, job: SpooledJob) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for table in ["results", "ends", "jobs"] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE job = ?1 AND attempt = ?2"),
                rusqlite::params![job.job, job.attempt],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Results waiting, all jobs together.
    pub fn waiting_count(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn()
            .query_row("SELECT COUNT(*) FROM results", [], |r| r.get(0))?)
    }
}

fn taken(conn: &Connection, job: SpooledJob) -> Result<bool, StoreError> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM jobs WHERE job = ?1 AND attempt = ?2",
            rusqlite::params![job.job, job.attempt],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spool(name: &str) -> Spool {
        let dir = std::env::temp_dir().join(format!("wirescope-spool-{}", std::process::id()));
        let path = dir.join(format!("{name}.db"));
        let _ = std::fs::remove_file(&path);
        Spool::open(&path).unwrap()
    }

    #[test]
    fn results_wait_until_acknowledged_and_survive_reopening() {
        let s = spool("wait");
        let job = SpooledJob {
            job: 7,
            attempt: 0,
            run: 42,
        };
        s.take(job).unwrap();
        let rows: Vec<(i64, String, String)> = (0..5)
            .map(|i| (i, format!("10.0.0.{i}"), format!("{{\"n\":{i}}}")))
            .collect();
        s.add(job, &rows).unwrap();
        let first = s.waiting(job, 0, 3).unwrap();
        assert_eq!(first.iter().map(|r| r.seq).collect::<Vec<_>>(), [0, 1, 2]);
        s.acknowledged(job, first[2].id).unwrap();
        let path = s.path().to_path_buf();
        drop(s);
        let s = Spool::open(&path).unwrap();
        assert_eq!(s.jobs().unwrap(), [job]);
        let rest = s.waiting(job, 0, 100).unwrap();
        assert_eq!(rest.iter().map(|r| r.seq).collect::<Vec<_>>(), [3, 4]);
        assert_eq!(rest[1].data, "{\"n\":4}");
        let end = SpooledEnd {
            status: "finished".into(),
            summary: Some("{}".into()),
            error: None,
        };
        s.end(job, &end).unwrap();
        assert_eq!(s.ended(job).unwrap().as_ref(), Some(&end));
        // Another attempt at the same job is kept apart.
        let again = SpooledJob { attempt: 1, ..job };
        assert_eq!(s.ended(again).unwrap(), None);
        s.forget(job).unwrap();
        assert!(s.jobs().unwrap().is_empty());
        assert_eq!(s.waiting_count().unwrap(), 0);
        // A job still running when it was forgotten keeps nothing more.
        s.add(job, &rows).unwrap();
        s.end(job, &end).unwrap();
        assert_eq!(s.waiting_count().unwrap(), 0);
        assert_eq!(s.ended(job).unwrap(), None);
    }
}
