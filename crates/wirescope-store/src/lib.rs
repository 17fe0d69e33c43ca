//! Run history: every run and every result, stored the moment it arrives, in an embedded SQLite
//! database (WAL mode). A run cut short by a crash is marked `interrupted`, with every result it
//! had, once its owner process is gone (`owner`): when the store is opened again, or swept.

mod owner;

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};
use wirescope_probe::ProbeKind;

/// What went wrong with the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {path}: {source}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error("cannot create the directory {path}: {source}")]
    Dir {
        path: String,
        source: std::io::Error,
    },
    #[error("database: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("stored JSON is damaged: {0}")]
    Json(#[from] serde_json::Error),
}

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
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| {
                let all: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                format!("unknown status '{s}' ({})", all.join(", "))
            })
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
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Api => "api",
            Source::Cli => "cli",
        }
    }
}

/// Stored as text; read back with an error naming a value this version does not know.
macro_rules! sql_text {
    ($ty:ty, $parse:expr) => {
        impl rusqlite::ToSql for $ty {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(self.as_str().into())
            }
        }

        impl rusqlite::types::FromSql for $ty {
            fn column_result(
                v: rusqlite::types::ValueRef<'_>,
            ) -> rusqlite::types::FromSqlResult<Self> {
                let text = v.as_str()?;
                let parse: fn(&str) -> Result<$ty, String> = $parse;
                parse(text).map_err(|m| rusqlite::types::FromSqlError::Other(m.into()))
            }
        }
    };
}

sql_text!(RunStatus, |s| s.parse());
sql_text!(Source, |s| match s {
    "api" => Ok(Source::Api),
    "cli" => Ok(Source::Cli),
    other => Err(format!("unknown source '{other}' (api, cli)")),
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
    #[schema(schema_with = wirescope_probe::engine::options_schema)]
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
    pub source: Source,
}

/// Filters and paging for listing runs.
#[derive(Debug, Clone, Default)]
pub struct RunFilter {
    pub kind: Option<ProbeKind>,
    pub status: Option<RunStatus>,
    pub limit: i64,
    pub offset: i64,
}

/// The database.
#[derive(Debug)]
pub struct Store {
    /// Writes go through this connection.
    conn: Mutex<Connection>,
    /// Reads use their own connection: in WAL mode they never wait for a run's writes.
    reader: Mutex<Connection>,
    /// This process's claim on the runs it creates.
    owner: owner::Owner,
    path: PathBuf,
}

const MIGRATIONS: &[&str] = &[
    "
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        started_at INTEGER,
        finished_at INTEGER,
        targets_text TEXT NOT NULL,
        options TEXT NOT NULL,
        net TEXT NOT NULL,
        total INTEGER NOT NULL,
        done INTEGER NOT NULL DEFAULT 0,
        summary TEXT,
        error TEXT,
        source TEXT NOT NULL
    );
    CREATE INDEX runs_kind_status ON runs (kind, status, id);
    CREATE TABLE results (
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        target TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (run_id, seq)
    ) WITHOUT ROWID;
",
    "
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at INTEGER NOT NULL
    ) WITHOUT ROWID;
",
    "
    CREATE TABLE ssh_recordings (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        target TEXT NOT NULL,
        port INTEGER NOT NULL,
        user TEXT NOT NULL,
        netns TEXT,
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        cols INTEGER NOT NULL,
        rows INTEGER NOT NULL,
        bytes INTEGER NOT NULL DEFAULT 0,
        truncated INTEGER NOT NULL DEFAULT 0,
        end_reason TEXT
    );
    CREATE TABLE ssh_recording_chunks (
        recording_id INTEGER NOT NULL REFERENCES ssh_recordings (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (recording_id, seq)
    ) WITHOUT ROWID;
",
    "
    ALTER TABLE runs ADD COLUMN owner TEXT;
",
];

/// A terminal session's recording, without its asciicast text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Recording {
    pub id: i64,
    pub target: String,
    pub port: u16,
    pub user: String,
    pub netns: Option<String>,
    /// Milliseconds since the epoch.
    pub started_at: i64,
    /// `null` while the session is open (or when the server died during it).
    pub ended_at: Option<i64>,
    pub duration_ms: Option<i64>,
    pub cols: u16,
    pub rows: u16,
    /// Size of the asciicast text.
    pub bytes: i64,
    /// Output past the recording limit was not kept.
    pub truncated: bool,
    /// exit, remote, client, idle, or interrupted (the server stopped during the session).
    pub end_reason: Option<String>,
}

/// What a new recording starts with.
#[derive(Debug, Clone)]
pub struct NewRecording<'a> {
    pub target: &'a str,
    pub port: u16,
    pub user: &'a str,
    pub netns: Option<&'a str>,
    pub cols: u16,
    pub rows: u16,
}

const SELECT_RECORDING: &str = "SELECT id, target, port, user, netns, started_at, ended_at, cols,
    rows, bytes, truncated, end_reason FROM ssh_recordings";

fn read_recording(r: &rusqlite::Row<'_>) -> rusqlite::Result<Recording> {
    let started_at: i64 = r.get(5)?;
    let ended_at: Option<i64> = r.get(6)?;
    Ok(Recording {
        id: r.get(0)?,
        target: r.get(1)?,
        port: r.get(2)?,
        user: r.get(3)?,
        netns: r.get(4)?,
        started_at,
        ended_at,
        duration_ms: ended_at.map(|e| e - started_at),
        cols: r.get(7)?,
        rows: r.get(8)?,
        bytes: r.get(9)?,
        truncated: r.get(10)?,
        end_reason: r.get(11)?,
    })
}

/// Milliseconds since the epoch, now.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The default database path: `$XDG_DATA_HOME/wirescope/wirescope.db` (or ~/.local/share/...).
pub fn default_path() -> PathBuf {
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("wirescope").join("wirescope.db")
}

impl Store {
    /// Opens (creating if needed) the database, applies migrations, and marks runs that were
    /// queued or running when the last process died as interrupted.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
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
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(open_err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(open_err)?;
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(open_err)?;
        if version > MIGRATIONS.len() as i64 {
            return Err(open_err(rusqlite::Error::InvalidParameterName(format!(
                "schema version {version} is newer than this wirescope knows ({}); upgrade wirescope",
                MIGRATIONS.len()
            ))));
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx = conn.unchecked_transaction().map_err(open_err)?;
            tx.execute_batch(sql).map_err(open_err)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)
                .map_err(open_err)?;
            tx.commit().map_err(open_err)?;
        }
        let reader = Connection::open(path).map_err(open_err)?;
        reader
            .busy_timeout(std::time::Duration::from_secs(5))
            .map_err(open_err)?;
        let owner = owner::Owner::claim(path).map_err(|source| StoreError::Dir {
            path: path.display().to_string(),
            source,
        })?;
        let store = Store {
            conn: Mutex::new(conn),
            reader: Mutex::new(reader),
            path: path.to_path_buf(),
            owner,
        };
        store.sweep_orphans()?;
        Ok(store)
    }

    /// Marks as interrupted the runs still queued or running whose owner is gone (a process
    /// that died, or one from before owners were recorded); live owners' runs are left alone.
    /// Returns how many runs were marked.
    pub fn sweep_orphans(&self) -> Result<usize, StoreError> {
        let owners: Vec<Option<String>> = {
            let conn = self.reader();
            let mut stmt = conn.prepare_cached(
                "SELECT DISTINCT owner FROM runs WHERE status IN ('queued', 'running')",
            )?;
            stmt.query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?
        };
        let mut marked = 0;
        for owner in owners {
            if let Some(o) = &owner
                && (o == &self.owner.id || owner::Owner::is_alive(&self.path, o))
            {
                continue;
            }
            marked += self.conn().execute(
                "UPDATE runs SET status = 'interrupted', finished_at = COALESCE(finished_at, ?1)
                 WHERE status IN ('queued', 'running') AND owner IS ?2",
                params![now_ms(), owner],
            )?;
        }
        Ok(marked)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent: keep serving.
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn reader(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.reader
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A run's results from `from_seq` on as one JSON array, spliced from the stored JSON
    /// (written by this program) without parsing it again.
    pub fn results_array(&self, id: i64, from_seq: i64) -> Result<String, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT data FROM results WHERE run_id = ?1 AND seq >= ?2 ORDER BY seq",
        )?;
        let mut rows = stmt.query(params![id, from_seq])?;
        let mut out = String::from("[");
        while let Some(row) = rows.next()? {
            if out.len() > 1 {
                out.push(',');
            }
            out.push_str(row.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?);
        }
        out.push(']');
        Ok(out)
    }

    /// Stores a new queued run and returns its id.
    pub fn create_run(&self, run: &NewRun<'_>) -> Result<i64, StoreError> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO runs (kind, status, created_at, targets_text, options, net, total, source,
                 owner)
             VALUES (?1, 'queued', ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                run.kind.as_str(),
                now_ms(),
                run.targets_text,
                run.options,
                run.net,
                run.total,
                run.source,
                self.owner.id
            ],
        )?;
        Ok(conn.last_insert_rowid())
    }

    pub fn set_running(&self, id: i64) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE runs SET status = 'running', started_at = ?2 WHERE id = ?1",
            params![id, now_ms()],
        )?;
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
        self.conn().execute(
            "UPDATE runs SET status = ?2, finished_at = ?3, summary = ?4, error = ?5 WHERE id = ?1",
            params![id, status, now_ms(), summary, error],
        )?;
        Ok(())
    }

    /// Appends results (target, JSON) numbered from `first_seq`, in one transaction.
    pub fn append_results(
        &self,
        id: i64,
        first_seq: i64,
        results: &[(&str, &str)],
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO results (run_id, seq, target, data) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (i, (target, data)) in results.iter().enumerate() {
                stmt.execute(params![id, first_seq + i as i64, target, data])?;
            }
        }
        tx.execute(
            "UPDATE runs SET done = done + ?2 WHERE id = ?1",
            params![id, results.len() as i64],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// One run.
    pub fn run(&self, id: i64) -> Result<Option<RunInfo>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&format!("{SELECT_RUN} WHERE id = ?1"))?;
        let row = stmt.query_row(params![id], read_run).optional()?;
        row.transpose()
    }

    /// Runs, newest first, with the total number matching the filter.
    pub fn list(&self, f: &RunFilter) -> Result<(Vec<RunInfo>, i64), StoreError> {
        let conn = self.reader();
        let cond = "WHERE (?1 IS NULL OR kind = ?1) AND (?2 IS NULL OR status = ?2)";
        let total: i64 = conn.query_row(
            &format!("SELECT COUNT(*) FROM runs {cond}"),
            params![f.kind.map(ProbeKind::as_str), f.status],
            |r| r.get(0),
        )?;
        let mut stmt = conn.prepare_cached(&format!(
            "{SELECT_RUN} {cond} ORDER BY id DESC LIMIT ?3 OFFSET ?4"
        ))?;
        let runs = stmt
            .query_map(
                params![f.kind.map(ProbeKind::as_str), f.status, f.limit, f.offset],
                read_run,
            )?
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .collect::<Result<Vec<_>, _>>()?;
        Ok((runs, total))
    }

    /// The results of a run from `from_seq` on, as (seq, JSON), in order.
    pub fn results(&self, id: i64, from_seq: i64) -> Result<Vec<(i64, Box<RawValue>)>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT seq, data FROM results WHERE run_id = ?1 AND seq >= ?2 ORDER BY seq",
        )?;
        let rows = stmt
            .query_map(params![id, from_seq], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(seq, data)| Ok((seq, RawValue::from_string(data)?)))
            .collect()
    }

    /// A stored setting (a JSON document the UI keeps, such as the topology layout).
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .reader()
            .query_row(
                "SELECT value FROM settings WHERE key = ?1",
                params![key],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Stores a setting, replacing the one before.
    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            params![key, value, now_ms()],
        )?;
        Ok(())
    }

    /// Marks recordings still open as `interrupted`: what a server that died during them had
    /// flushed is kept. Called by the server as it starts (not by every opener of the store: a
    /// CLI run with `--save` must not cut a running server's sessions short).
    pub fn mark_interrupted_recordings(&self) -> Result<usize, StoreError> {
        Ok(self.conn().execute(
            "UPDATE ssh_recordings SET end_reason = 'interrupted'
             WHERE ended_at IS NULL AND end_reason IS NULL",
            [],
        )?)
    }

    /// Starts a terminal recording; its text comes with [`Store::save_recording`].
    pub fn start_recording(&self, n: &NewRecording<'_>) -> Result<i64, StoreError> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO ssh_recordings (target, port, user, netns, started_at, cols, rows)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![n.target, n.port, n.user, n.netns, now_ms(), n.cols, n.rows],
        )?;
        Ok(conn.last_insert_rowid())
    }

    /// Appends the next piece of a recording's asciicast text (as it grows, and at the end with
    /// `ended`, the reason it ended).
    pub fn save_recording(
        &self,
        id: i64,
        chunk: &[u8],
        truncated: bool,
        ended: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        if !chunk.is_empty() {
            tx.execute(
                "INSERT INTO ssh_recording_chunks (recording_id, seq, data)
                 SELECT ?1, COALESCE(MAX(seq) + 1, 0), ?2 FROM ssh_recording_chunks WHERE recording_id = ?1",
                params![id, chunk],
            )?;
        }
        let ended_at = ended.map(|_| now_ms());
        tx.execute(
            "UPDATE ssh_recordings SET bytes = bytes + ?2, truncated = ?3,
                ended_at = COALESCE(?4, ended_at), end_reason = COALESCE(?5, end_reason)
             WHERE id = ?1",
            params![id, chunk.len() as i64, truncated, ended_at, ended],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Recordings, newest first, and how many there are.
    pub fn recordings(&self, limit: i64, offset: i64) -> Result<(Vec<Recording>, i64), StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare(&format!(
            "{SELECT_RECORDING} ORDER BY id DESC LIMIT ?1 OFFSET ?2"
        ))?;
        let list = stmt
            .query_map(params![limit, offset], read_recording)?
            .collect::<Result<Vec<_>, _>>()?;
        let total = conn.query_row("SELECT COUNT(*) FROM ssh_recordings", [], |r| r.get(0))?;
        Ok((list, total))
    }

    /// One recording's details.
    pub fn recording(&self, id: i64) -> Result<Option<Recording>, StoreError> {
        Ok(self
            .reader()
            .query_row(
                &format!("{SELECT_RECORDING} WHERE id = ?1"),
                params![id],
                read_recording,
            )
            .optional()?)
    }

    /// One recording's asciicast text, its pieces joined.
    pub fn recording_cast(&self, id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        let conn = self.reader();
        let exists: Option<i64> = conn
            .query_row(
                "SELECT id FROM ssh_recordings WHERE id = ?1",
                params![id],
                |r| r.get(0),
            )
            .optional()?;
        if exists.is_none() {
            return Ok(None);
        }
        let mut stmt = conn.prepare(
            "SELECT data FROM ssh_recording_chunks WHERE recording_id = ?1 ORDER BY seq",
        )?;
        let mut out = Vec::new();
        for chunk in stmt.query_map(params![id], |r| r.get::<_, Vec<u8>>(0))? {
            out.extend_from_slice(&chunk?);
        }
        Ok(Some(out))
    }

    /// Deletes a recording; false when there was none.
    pub fn delete_recording(&self, id: i64) -> Result<bool, StoreError> {
        Ok(self
            .conn()
            .execute("DELETE FROM ssh_recordings WHERE id = ?1", params![id])?
            > 0)
    }

    /// Deletes a run and its results; false when there was no such run.
    pub fn delete(&self, id: i64) -> Result<bool, StoreError> {
        Ok(self
            .conn()
            .execute("DELETE FROM runs WHERE id = ?1", params![id])?
            > 0)
    }
}

const SELECT_RUN: &str =
    "SELECT id, kind, status, created_at, started_at, finished_at, targets_text, options, net,
    total, done, summary, error, source FROM runs";

fn read_run(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<RunInfo, StoreError>> {
    let kind: String = r.get(1)?;
    let kind: ProbeKind = kind.parse().map_err(|m: String| {
        rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, m.into())
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
        })
    })())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_db(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("wirescope-store-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join("nested/wirescope.db")
    }

    #[test]
    fn settings_replace_and_survive_reopening() {
        let path = temp_db("settings");
        let store = Store::open(&path).unwrap();
        assert_eq!(store.setting("topology.layout").unwrap(), None);
        store.set_setting("topology.layout", "{\"a\":1}").unwrap();
        store.set_setting("topology.layout", "{\"a\":2}").unwrap();
        drop(store);
        let store = Store::open(&path).unwrap();
        assert_eq!(
            store.setting("topology.layout").unwrap().as_deref(),
            Some("{\"a\":2}")
        );
    }

    #[test]
    fn recordings_keep_their_text_and_end() {
        let path = temp_db("recordings");
        let store = Store::open(&path).unwrap();
        let id = store
            .start_recording(&NewRecording {
                target: "198.18.0.122",
                port: 22,
                user: "wsl-key",
                netns: Some("wsl-c"),
                cols: 80,
                rows: 24,
            })
            .unwrap();
        let open = store.recording(id).unwrap().unwrap();
        assert_eq!(
            (open.ended_at, open.bytes, open.end_reason.as_deref()),
            (None, 0, None)
        );
        let cut = store
            .start_recording(&NewRecording {
                target: "198.18.0.123",
                port: 22,
                user: "wsl-pw",
                netns: None,
                cols: 80,
                rows: 24,
            })
            .unwrap();
        store
            .save_recording(id, b"{\"version\":2}\n", false, None)
            .unwrap();
        assert_eq!(store.recording(id).unwrap().unwrap().bytes, 14);
        store
            .save_recording(id, b"[0.1,\"o\",\"hi\"]\n", true, Some("exit"))
            .unwrap();
        drop(store);
        let store = Store::open(&path).unwrap();
        assert_eq!(
            store.recording(cut).unwrap().unwrap().end_reason,
            None,
            "opening alone marks nothing"
        );
        assert_eq!(store.mark_interrupted_recordings().unwrap(), 1);
        let done = store.recording(id).unwrap().unwrap();
        assert_eq!(done.end_reason.as_deref(), Some("exit"));
        // the one still open when the store was closed is marked as cut short
        let cut = store.recording(cut).unwrap().unwrap();
        assert_eq!(
            (cut.end_reason.as_deref(), cut.ended_at),
            (Some("interrupted"), None)
        );
        assert!(done.truncated && done.ended_at.is_some() && done.duration_ms >= Some(0));
        assert_eq!(done.bytes, 29);
        // the pieces come back joined, in order
        assert_eq!(
            String::from_utf8(store.recording_cast(id).unwrap().unwrap()).unwrap(),
            "{\"version\":2}\n[0.1,\"o\",\"hi\"]\n"
        );
        assert_eq!(store.recording_cast(cut.id).unwrap(), Some(Vec::new()));
        let (list, total) = store.recordings(10, 0).unwrap();
        assert_eq!((list.len(), total), (2, 2));
        assert!(store.delete_recording(id).unwrap());
        assert!(!store.delete_recording(id).unwrap());
        assert_eq!(store.recording_cast(id).unwrap(), None);
    }

    fn new_run() -> NewRun<'static> {
        NewRun {
            kind: ProbeKind::Ping,
            targets_text: "10.0.0.1-2",
            options: "{\"count\":1}",
            net: "{}",
            total: 2,
            source: Source::Api,
        }
    }

    #[test]
    fn runs_and_results_round_trip() {
        let path = temp_db("round");
        let store = Store::open(&path).unwrap();
        let id = store.create_run(&new_run()).unwrap();
        store.set_running(id).unwrap();
        store
            .append_results(id, 0, &[("10.0.0.1", r#"{"kind":"ping","alive":true}"#)])
            .unwrap();
        store
            .append_results(id, 1, &[("10.0.0.2", r#"{"kind":"ping","alive":false}"#)])
            .unwrap();
        store
            .set_finished(id, RunStatus::Finished, Some(r#"{"alive":1}"#), None)
            .unwrap();
        let run = store.run(id).unwrap().unwrap();
        assert_eq!(
            (run.status, run.done, run.total),
            (RunStatus::Finished, 2, 2)
        );
        assert_eq!(
            run.summary.map(|s| s.get().to_string()),
            Some(r#"{"alive":1}"#.into())
        );
        let results = store.results(id, 1).unwrap();
        assert_eq!(results.len(), 1);
        assert_eq!(results[0].0, 1);
        assert!(results[0].1.get().contains("false"));
        assert_eq!(
            store.results_array(id, 0).unwrap(),
            r#"[{"kind":"ping","alive":true},{"kind":"ping","alive":false}]"#
        );
        assert_eq!(store.results_array(id + 99, 0).unwrap(), "[]");
        assert!(store.delete(id).unwrap());
        assert!(store.run(id).unwrap().is_none());
        assert!(
            store.results(id, 0).unwrap().is_empty(),
            "results go with their run"
        );
        assert!(!store.delete(id).unwrap());
    }

    #[test]
    fn reopening_marks_unfinished_runs_interrupted_and_keeps_results() {
        let path = temp_db("crash");
        let id = {
            let store = Store::open(&path).unwrap();
            let id = store.create_run(&new_run()).unwrap();
            store.set_running(id).unwrap();
            store.append_results(id, 0, &[("10.0.0.1", "{}")]).unwrap();
            let done = store.create_run(&new_run()).unwrap();
            store
                .set_finished(done, RunStatus::Finished, None, None)
                .unwrap();
            id
        };
        let store = Store::open(&path).unwrap();
        let run = store.run(id).unwrap().unwrap();
        assert_eq!(run.status, RunStatus::Interrupted);
        assert!(run.finished_at.is_some());
        assert_eq!(store.results(id, 0).unwrap().len(), 1);
        assert_eq!(
            store.run(id + 1).unwrap().unwrap().status,
            RunStatus::Finished
        );
    }

    #[test]
    fn a_live_owners_runs_are_never_marked_by_another_process() {
        let path = temp_db("owners");
        let server = Store::open(&path).unwrap();
        let id = server.create_run(&new_run()).unwrap();
        server.set_running(id).unwrap();
        // A second opener (a CLI --save, another server) leaves the live owner's run alone.
        let cli = Store::open(&path).unwrap();
        assert_eq!(cli.run(id).unwrap().unwrap().status, RunStatus::Running);
        assert_eq!(cli.sweep_orphans().unwrap(), 0);
        // The owner gone (its lock released), the run is marked at the next sweep.
        drop(server);
        assert_eq!(cli.sweep_orphans().unwrap(), 1);
        assert_eq!(cli.run(id).unwrap().unwrap().status, RunStatus::Interrupted);
        // A lock file left by a process killed with its lock released by the kernel counts as
        // gone too.
        let dir = path.with_file_name("wirescope.db.owners");
        std::fs::write(dir.join("999999-0.lock"), b"").unwrap();
        assert!(!owner::Owner::is_alive(&path, "999999-0"));
        assert!(!dir.join("999999-0.lock").exists());
        assert!(!owner::Owner::is_alive(&path, "../x"));
    }

    #[test]
    fn listing_filters_and_pages_newest_first() {
        let store = Store::open(&temp_db("list")).unwrap();
        use ProbeKind::{Dns, Ping, Scan};
        for kind in [Ping, Dns, Ping, Scan, Ping] {
            store.create_run(&NewRun { kind, ..new_run() }).unwrap();
        }
        let all = RunFilter {
            limit: 50,
            ..Default::default()
        };
        let (runs, total) = store.list(&all).unwrap();
        assert_eq!(total, 5);
        assert!(runs.windows(2).all(|w| w[0].id > w[1].id));
        let pings = RunFilter {
            kind: Some(Ping),
            limit: 2,
            offset: 1,
            ..Default::default()
        };
        let (runs, total) = store.list(&pings).unwrap();
        assert_eq!((total, runs.len()), (3, 2));
        let none = RunFilter {
            status: Some(RunStatus::Finished),
            limit: 10,
            ..Default::default()
        };
        assert_eq!(store.list(&none).unwrap().1, 0);
    }

    #[test]
    fn a_file_that_is_not_a_database_is_a_clear_error() {
        let path = temp_db("garbage");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(
            &path,
            b"this is not sqlite at all, just text that is long enough to be a header",
        )
        .unwrap();
        let err = Store::open(&path).unwrap_err().to_string();
        assert!(err.contains("wirescope.db"), "{err}");
        assert!(err.contains("not a database"), "{err}");
    }
}
