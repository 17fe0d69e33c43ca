//! Run history: every run and every result, stored the moment it arrives. One interface, two
//! backends: an embedded SQLite file (WAL mode) for one engineer, or a team's PostgreSQL that
//! several servers share (`pg`); statements are written once for both (`sql`). A run cut short
//! by a crash is marked `interrupted`, with every result it had, once its owner process is gone:
//! a SQLite owner's lock file released (`owner`), a PostgreSQL instance silent for too long.

mod agents;
mod alerts;
mod audit;
mod captures;
mod configs;
mod copy;
mod diagnostics;
mod owner;
mod pg;
mod recordings;
mod results;
mod runs;
mod schema;
mod settings;
mod spool;
mod sql;
mod suites;
mod terminals;
mod traps;
mod trends;
mod users;

pub use agents::{
    AgentRecord, Appended, Held, JOBS_KEPT, Job, JobStatus, MAX_AGENTS, Reaped, RunPart,
};
pub use alerts::{
    AlertEvent, AlertWrite, ChannelRecord, DELIVERY_ATTEMPTS, Delivery, DeliveryStatus,
    EVENTS_KEPT, EventFilter, EventKind, HISTORY_KEPT, HistoryEntry, MAX_CHANNELS, NewEvent,
};
pub use audit::{AUDIT_LISTED, AuditEntry, AuditFilter, NewAudit};
pub use captures::{CAPTURE_WIDTHS, CaptureFile, CaptureStat, KeptFile, NewCapture, StoredCapture};
pub use configs::{
    CONFIG_VERSIONS_KEPT, CONFIG_VERSIONS_TOTAL, ConfigDevice, ConfigVersion, DEVICE_FACTS_KEPT,
    Kept,
};
pub use copy::{COPY_BATCH, COPY_SAMPLES, TableCopy};
pub use diagnostics::{Diagnostics, DiagnosticsStatus};
pub use pg::{INSTANCE_TTL_MS, Notice, POOL_SIZE, RUNS_CHANNEL, is_url};
pub use recordings::{NewRecording, Recording};
pub use runs::{NewRun, Origin, RunFilter, RunInfo, RunStatus, Source};
pub use spool::{SPOOL_MAX_RESULTS, Spool, Spooled, SpooledEnd, SpooledJob};
pub use suites::{FIRES_KEPT, Fire, FireOutcome, MAX_SUITES, SuiteRecord};
pub use terminals::{OpenTerminal, PUBLISHED_TERMINALS};
pub use traps::{NewTrap, StoredTrap, TRAPS_KEPT, TrapFilter};
pub use trends::{Bucket, ROLLUP_WIDTHS, RunToTake, Sample, SeriesInfo, rollup};
pub use users::{ApiToken, MAX_SESSIONS, MAX_TOKENS, MAX_USERS, Role, SessionRecord, User};

use rusqlite::{Connection, OptionalExtension};
use sql::{Db, params};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// What went wrong with the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {path}: {source}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error("database {location}: {message}")]
    Connect { location: String, message: String },
    #[error(
        "database {location} has schema version {found}, newer than this wirescope knows ({known}): upgrade wirescope"
    )]
    Newer {
        location: String,
        found: i64,
        known: i64,
    },
    #[error("cannot create the directory {path}: {source}")]
    Dir {
        path: String,
        source: std::io::Error,
    },
    #[error("database: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("database: {}", pg::describe_error(.0))]
    Pg(#[from] tokio_postgres::Error),
    #[error("database: column {index}: {message}")]
    Column { index: usize, message: String },
    #[error("database: the query found no row")]
    NoRows,
    #[error("copying the history: {0}")]
    Copy(String),
    #[error("stored JSON is damaged: {0}")]
    Json(#[from] serde_json::Error),
    #[error("a suite named '{0}' exists already")]
    SuiteExists(String),
    #[error("there are {0} suites already, the most kept: delete one first")]
    TooManySuites(i64),
    #[error("a channel named '{0}' exists already")]
    ChannelExists(String),
    #[error("there are {0} channels already, the most kept: delete one first")]
    TooManyChannels(i64),
    #[error("a user named '{0}' exists already")]
    UserExists(String),
    #[error("there are {0} users already, the most kept: delete one first")]
    TooManyUsers(i64),
    #[error("that is the last admin: make another user admin first")]
    LastAdmin,
    #[error("an agent named '{0}' exists already")]
    AgentExists(String),
    #[error("there are {0} agents already, the most kept: remove one first")]
    TooManyAgents(i64),
    #[error("a user holds {0} API tokens at most: remove one first")]
    TooManyTokens(i64),
    #[error(
        "the agent's spool holds {0} results waiting for the server, the most it keeps: the \
         job stops until the server is back"
    )]
    SpoolFull(i64),
}

impl StoreError {
    /// Whether trying again shortly may succeed: the database could not be reached, or cut the
    /// connection (a PostgreSQL restart, a failover), as opposed to a statement it refused.
    pub fn is_transient(&self) -> bool {
        match self {
            StoreError::Connect { .. } => true,
            StoreError::Pg(e) => {
                e.is_closed()
                    || std::error::Error::source(e)
                        .is_some_and(|s| s.downcast_ref::<std::io::Error>().is_some())
                    || e.code().is_some_and(|c| {
                        c.code().starts_with("08")
                            || *c == tokio_postgres::error::SqlState::ADMIN_SHUTDOWN
                            || *c == tokio_postgres::error::SqlState::CANNOT_CONNECT_NOW
                    })
            }
            _ => false,
        }
    }
}

/// Where the history lives: a SQLite file, or a PostgreSQL database shared by a team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Sqlite(PathBuf),
    Postgres {
        url: String,
        /// The CA bundle that vouches for the server's certificate (TLS), else the system's.
        ca: Option<PathBuf>,
    },
}

impl Location {
    /// `postgres://...` (or `postgresql://`) names PostgreSQL; `sqlite:PATH` or a bare path a
    /// SQLite file.
    pub fn parse(s: &str) -> Location {
        if is_url(s) {
            Location::Postgres {
                url: s.to_string(),
                ca: None,
            }
        } else {
            Location::Sqlite(PathBuf::from(s.strip_prefix("sqlite:").unwrap_or(s)))
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Sqlite(p) => write!(f, "{}", p.display()),
            Location::Postgres { url, .. } => {
                // Never show the password.
                match url
                    .split_once("://")
                    .and_then(|(_, rest)| rest.split_once('@'))
                {
                    Some((cred, host)) => {
                        let user = cred.split(':').next().unwrap_or("");
                        write!(f, "postgres://{user}@{host}")
                    }
                    None => f.write_str(url),
                }
            }
        }
    }
}

/// The database.
#[derive(Debug)]
pub struct Store {
    backend: Backend,
    /// This process's id as the owner of the runs it creates.
    owner_id: String,
}

#[derive(Debug)]
enum Backend {
    Sqlite(Box<Sqlite>),
    Postgres(Box<pg::Pg>),
}

#[derive(Debug)]
struct Sqlite {
    /// Writes go through this connection.
    conn: Mutex<Connection>,
    /// Reads use their own connection: in WAL mode they never wait for a run's writes.
    reader: Mutex<Connection>,
    /// This process's claim on the runs it creates, held (locked) while the store is open.
    _owner: owner::Owner,
    path: PathBuf,
    /// The runs changed by the write in progress, told to this process's listeners once it
    /// commits.
    said: Said,
}

/// Runs a SQLite write changed, and who hears of them once it commits: what LISTEN/NOTIFY does
/// between the servers on a PostgreSQL database, within the one process on SQLite (a run an
/// agent makes is followed so).
#[derive(Debug)]
pub(crate) struct Said {
    pending: Mutex<Vec<i64>>,
    tx: tokio::sync::broadcast::Sender<Notice>,
}

impl Said {
    fn new() -> Self {
        Said {
            pending: Mutex::new(Vec::new()),
            tx: tokio::sync::broadcast::channel(1024).0,
        }
    }

    pub(crate) fn note(&self, run: i64) {
        let mut p = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        if !p.contains(&run) {
            p.push(run);
        }
    }

    /// Tells the listeners what the write changed when it committed; forgets it otherwise.
    fn tell(&self, committed: bool) {
        let runs = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|p| p.into_inner()));
        if committed {
            for run in runs {
                // Nobody listening is fine.
                let _ = self.tx.send(Notice::Run(run));
            }
        }
    }
}

impl Sqlite {
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

/// The directory of the local files beside the default database (uploads, TLS, the trap
/// engine's state): `$XDG_DATA_HOME/wirescope`.
pub fn default_files() -> PathBuf {
    let db = default_path();
    db.parent().map(Path::to_path_buf).unwrap_or_default()
}

impl Store {
    /// Opens the history wherever it lives (see [`Store::open`] and [`Store::open_postgres`]).
    pub fn connect(location: &Location) -> Result<Self, StoreError> {
        match location {
            Location::Sqlite(path) => Store::open(path),
            Location::Postgres { url, ca } => Store::open_postgres(url, ca.as_deref()),
        }
    }

    /// Connects to a PostgreSQL database, applies migrations, registers this process as an
    /// instance and marks the runs of instances gone silent as interrupted.
    pub fn open_postgres(url: &str, ca: Option<&Path>) -> Result<Self, StoreError> {
        let owner_id = owner::fresh_id();
        let pg = pg::Pg::connect(url, ca, &owner_id)?;
        let store = Store {
            backend: Backend::Postgres(Box::new(pg)),
            owner_id,
        };
        store.sweep_orphans()?;
        Ok(store)
    }

    /// Opens (creating if needed) the SQLite database, applies migrations, and marks runs that
    /// were queued or running when the last process died as interrupted.
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
        if version > schema::SQLITE.len() as i64 {
            return Err(StoreError::Newer {
                location: path.display().to_string(),
                found: version,
                known: schema::SQLITE.len() as i64,
            });
        }
        // A migration may rebuild a table (SQLite cannot change a column's constraints): with
        // foreign keys off, so that dropping the old table takes nothing with it, and checked
        // before it commits.
        conn.pragma_update(None, "foreign_keys", "OFF")
            .map_err(open_err)?;
        for (i, sql) in schema::SQLITE.iter().enumerate().skip(version as usize) {
            let tx = conn.unchecked_transaction().map_err(open_err)?;
            tx.execute_batch(sql).map_err(open_err)?;
            let broken: Option<String> = tx
                .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
                .optional()
                .map_err(open_err)?;
            if let Some(table) = broken {
                return Err(open_err(rusqlite::Error::InvalidParameterName(format!(
                    "migration {} left rows in {table} pointing nowhere",
                    i + 1
                ))));
            }
            tx.pragma_update(None, "user_version", (i + 1) as i64)
                .map_err(open_err)?;
            tx.commit().map_err(open_err)?;
        }
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(open_err)?;
        let reader = Connection::open(path).map_err(open_err)?;
        reader
            .busy_timeout(std::time::Duration::from_secs(5))
            .map_err(open_err)?;
        let owner = owner::Owner::claim(path).map_err(|source| StoreError::Dir {
            path: path.display().to_string(),
            source,
        })?;
        let store = Store {
            owner_id: owner.id.clone(),
            backend: Backend::Sqlite(Box::new(Sqlite {
                conn: Mutex::new(conn),
                reader: Mutex::new(reader),
                path: path.to_path_buf(),
                _owner: owner,
                said: Said::new(),
            })),
        };
        store.sweep_orphans()?;
        Ok(store)
    }

    /// Marks as interrupted the runs still queued or running (and the captures still running)
    /// whose owner is gone (a process
    /// that died, or one from before owners were recorded; on PostgreSQL, an instance silent for
    /// [`INSTANCE_TTL_MS`]); live owners' runs are left alone. Returns how many runs were marked.
    pub fn sweep_orphans(&self) -> Result<usize, StoreError> {
        let owners: Vec<Option<String>> = self.read(|db| {
            db.query_map(
                "SELECT DISTINCT owner FROM runs
                 WHERE status IN ('queued', 'running') AND site IS NULL",
                params![],
                |r| r.get(0),
            )
        })?;
        let capturing: Vec<String> = self.read(|db| {
            db.query_map(
                "SELECT DISTINCT owner FROM captures WHERE status = 'running'",
                params![],
                |r| r.get(0),
            )
        })?;
        let live: Vec<String> = match &self.backend {
            Backend::Sqlite(_) => Vec::new(),
            Backend::Postgres(_) => self.write(|db| {
                let since = now_ms() - INSTANCE_TTL_MS;
                db.execute("DELETE FROM instances WHERE seen_at < ?1", params![since])?;
                db.query_map("SELECT id FROM instances", params![], |r| r.get(0))
            })?,
        };
        let alive = |o: &String| {
            o == &self.owner_id
                || match &self.backend {
                    Backend::Sqlite(s) => owner::Owner::is_alive(&s.path, o),
                    Backend::Postgres(_) => live.contains(o),
                }
        };
        for o in capturing.iter().filter(|o| !alive(o)) {
            self.interrupt_captures(o)?;
        }
        let mut marked = 0;
        for owner in owners {
            if owner.as_ref().is_some_and(alive) {
                continue;
            }
            marked += self.write(|db| {
                db.execute(
                    "UPDATE runs SET status = 'interrupted', finished_at = COALESCE(finished_at, ?1)
                     WHERE status IN ('queued', 'running') AND site IS NULL
                       AND owner IS NOT DISTINCT FROM ?2",
                    params![now_ms(), owner],
                )
            })?;
        }
        Ok(marked)
    }

    /// How many bytes the history takes: the SQLite file with its write-ahead log, or the
    /// PostgreSQL database.
    pub fn size_bytes(&self) -> Result<u64, StoreError> {
        match &self.backend {
            Backend::Sqlite(s) => {
                let mut wal = s.path.clone().into_os_string();
                wal.push("-wal");
                let size = |p: &std::path::Path| std::fs::metadata(p).map_or(0, |m| m.len());
                Ok(size(&s.path) + size(std::path::Path::new(&wal)))
            }
            Backend::Postgres(_) => self
                .read(|db| {
                    db.query_row(
                        "SELECT pg_database_size(current_database())",
                        params![],
                        |r| r.get::<_, i64>(0),
                    )
                })
                .map(|n| u64::try_from(n).unwrap_or(0)),
        }
    }

    /// Where the history lives, as shown to people: a file's path, or a PostgreSQL database
    /// without its password.
    pub fn location(&self) -> String {
        match &self.backend {
            Backend::Sqlite(s) => s.path.display().to_string(),
            Backend::Postgres(p) => p.location.clone(),
        }
    }

    /// News of runs that changed: from every server sharing a PostgreSQL database
    /// (LISTEN/NOTIFY), from this process on SQLite (where a run an agent makes changes
    /// through the store, not through this process's own run manager).
    pub fn notices(&self) -> tokio::sync::broadcast::Receiver<Notice> {
        match &self.backend {
            Backend::Sqlite(s) => s.said.tx.subscribe(),
            Backend::Postgres(p) => p.notices(),
        }
    }

    /// This process's name among those using the store (its runs' owner; on PostgreSQL, its
    /// row in `instances`).
    pub fn instance(&self) -> &str {
        &self.owner_id
    }

    /// Whether this is the team backend, PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        matches!(self.backend, Backend::Postgres(_))
    }

    /// Runs `f` for reading: SQLite's reader connection (never waiting for a writer), or a
    /// pooled PostgreSQL client.
    pub(crate) fn read<T>(
        &self,
        f: impl FnOnce(Db<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        match &self.backend {
            Backend::Sqlite(s) => f(Db::Lite(&s.reader(), None)),
            Backend::Postgres(p) => p.with(f),
        }
    }

    /// Runs `f` for writing, statement by statement (each its own transaction).
    pub(crate) fn write<T>(
        &self,
        f: impl FnOnce(Db<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        match &self.backend {
            Backend::Sqlite(s) => {
                let out = f(Db::Lite(&s.conn(), Some(&s.said)));
                s.said.tell(out.is_ok());
                out
            }
            Backend::Postgres(p) => p.with(f),
        }
    }

    /// Runs `f` in one transaction: committed when it returns Ok, rolled back otherwise.
    pub(crate) fn transaction<T>(
        &self,
        f: impl FnOnce(Db<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        match &self.backend {
            Backend::Sqlite(s) => {
                let mut conn = s.conn();
                // Immediate: another process's commit between a read and a write of this one
                // would otherwise fail it (WAL's busy snapshot) instead of waiting.
                let tx =
                    conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                let out = f(Db::Lite(&tx, Some(&s.said))).and_then(|out| {
                    tx.commit()?;
                    Ok(out)
                });
                s.said.tell(out.is_ok());
                out
            }
            Backend::Postgres(p) => p.transaction(f),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::captures::tests::captures_keep_their_files_and_minutes_and_end_interrupted;
    use crate::configs::tests::configs_keep_a_version_per_change_and_the_newest_per_device;
    use crate::traps::tests::traps_are_filtered_paged_followed_up_and_pruned;
    use wirescope_probe::ProbeKind;

    fn temp_db(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("wirescope-store-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join("nested/wirescope.db")
    }

    /// The backend a shared test runs on.
    #[derive(Debug, Clone, Copy)]
    pub(crate) enum Kind {
        Sqlite,
        Postgres,
    }

    /// A value of the lab's lab.env.
    pub(crate) fn lab(key: &str) -> String {
        let env = concat!(env!("CARGO_MANIFEST_DIR"), "/../../lab/lab.env");
        let text = std::fs::read_to_string(env).unwrap_or_else(|e| panic!("{env}: {e}"));
        text.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix('=').map(str::to_string))
            .unwrap_or_else(|| panic!("{key} is not in {env}"))
    }

    /// A fresh, empty database for test `name` on `kind`: a new SQLite file, or a database
    /// created (dropped first if left over) on the lab's PostgreSQL.
    pub(crate) fn fresh(kind: Kind, name: &str) -> Location {
        match kind {
            Kind::Sqlite => Location::Sqlite(temp_db(name)),
            Kind::Postgres => {
                let socket = lab("LAB_PG_SOCKET_DIR");
                let user = lab("LAB_PG_USER");
                let db = format!("ws_{}_{}", std::process::id(), name.replace('-', "_"));
                let admin = format!("host={socket} user={user} dbname=postgres");
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async {
                    let (client, conn) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
                        .await
                        .unwrap_or_else(|e| {
                            panic!("the lab's PostgreSQL at {socket} (bash lab/lab.sh up): {e}")
                        });
                    tokio::spawn(conn);
                    for sql in [
                        format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
                        format!("CREATE DATABASE {db}"),
                    ] {
                        client
                            .batch_execute(&sql)
                            .await
                            .expect("make the test database");
                    }
                });
                Location::Postgres {
                    url: format!("postgres://{user}@/{db}?host={socket}"),
                    ca: None,
                }
            }
        }
    }

    /// Each shared test, once on SQLite and once on the lab's PostgreSQL.
    macro_rules! on_both {
        ($($name:ident),* $(,)?) => {
            mod sqlite {
                $(#[test]
                fn $name() {
                    super::$name(super::Kind::Sqlite)
                })*
            }
            mod postgres {
                $(#[test]
                #[ignore = "needs the lab's PostgreSQL: sudo bash lab/lab.sh up"]
                fn $name() {
                    super::$name(super::Kind::Postgres)
                })*
            }
        };
    }

    /// Open terminals are told to the other servers on PostgreSQL; on SQLite (one server) nothing
    /// is published.
    fn open_terminals_are_listed_across_servers(kind: Kind) {
        let location = fresh(kind, "terminals");
        match kind {
            Kind::Postgres => terminals::tests::servers_list_each_others_terminals(&location),
            Kind::Sqlite => {
                let store = Store::connect(&location).unwrap();
                store
                    .publish_terminals(&[terminals::tests::terminal(1, "{}")])
                    .unwrap();
                assert!(store.terminals_elsewhere().unwrap().is_empty());
            }
        }
    }

    on_both!(
        open_terminals_are_listed_across_servers,
        settings_replace_and_survive_reopening,
        a_due_time_is_claimed_by_one_server_only,
        agents_take_each_job_once_under_a_lease_and_are_refused_once_revoked,
        suites_keep_their_fires_and_schedule_state,
        trend_samples_roll_up_and_are_pruned_by_age,
        a_taken_run_leaves_its_alert_states_events_and_deliveries_at_once,
        diagnostics_are_collected_once_per_event_and_only_the_newest_zips_are_kept,
        single_sign_on_makes_its_users_follows_their_role_and_takes_over_no_other_account,
        users_keep_their_last_admin_lock_after_failures_and_lose_sessions_with_a_new_password,
        the_audit_trail_catches_an_edited_a_removed_and_a_truncated_row,
        retention_removes_the_oldest_rows_and_the_rest_still_verifies,
        a_target_history_keeps_each_distinct_value_in_a_row,
        recordings_keep_their_text_and_end,
        runs_and_results_round_trip,
        listing_filters_and_pages_newest_first,
        traps_are_filtered_paged_followed_up_and_pruned,
        captures_keep_their_files_and_minutes_and_end_interrupted,
        configs_keep_a_version_per_change_and_the_newest_per_device,
        instances_gone_silent_lose_their_runs_and_live_ones_keep_theirs,
    );

    fn settings_replace_and_survive_reopening(kind: Kind) {
        let path = fresh(kind, "settings");
        let store = Store::connect(&path).unwrap();
        assert_eq!(store.setting("topology.layout").unwrap(), None);
        store.set_setting("topology.layout", "{\"a\":1}").unwrap();
        store.set_setting("topology.layout", "{\"a\":2}").unwrap();
        drop(store);
        let store = Store::connect(&path).unwrap();
        assert_eq!(
            store.setting("topology.layout").unwrap().as_deref(),
            Some("{\"a\":2}")
        );
    }

    fn agents_take_each_job_once_under_a_lease_and_are_refused_once_revoked(kind: Kind) {
        let db = fresh(kind, "agents");
        let (a, b) = (Store::connect(&db).unwrap(), Store::connect(&db).unwrap());
        let east = a.add_agent("east-1", "east", "hash-e1").unwrap();
        assert!(matches!(
            a.add_agent("east-1", "west", "hash-x"),
            Err(StoreError::AgentExists(n)) if n == "east-1"
        ));
        let west = a.add_agent("west-1", "west", "hash-w1").unwrap();
        assert_eq!(b.agent_by_token("hash-e1").unwrap().unwrap().site, "east");
        assert!(b.agent_by_token("hash-none").unwrap().is_none());
        assert!(a.site_known("east").unwrap() && !a.site_known("north").unwrap());
        // Three runs from east, one from west.
        let runs: Vec<i64> = (0..4)
            .map(|i| {
                let site = if i < 3 { "east" } else { "west" };
                let run = a
                    .create_run(&NewRun {
                        site: Some(site),
                        ..new_run()
                    })
                    .unwrap();
                a.enqueue_jobs(run, site, &[r#"{"kind":"ping"}"#.into()])
                    .unwrap();
                run
            })
            .collect();
        // An agent's runs are not this process's: reopening the store leaves them alone.
        assert_eq!(b.sweep_orphans().unwrap(), 0);
        // Two servers claiming for east at once, six times: each job once, none of west's.
        let mut claimed: Vec<Job> = std::thread::scope(|s| {
            let tries: Vec<_> = (0..6)
                .map(|i| {
                    let store = if i % 2 == 0 { &a } else { &b };
                    s.spawn(move || store.claim_job("east", east.id, 30_000).unwrap())
                })
                .collect();
            tries
                .into_iter()
                .filter_map(|t| t.join().unwrap())
                .collect()
        });
        claimed.sort_by_key(|j| j.run_id);
        assert_eq!(
            claimed.iter().map(|j| j.run_id).collect::<Vec<_>>(),
            runs[..3]
        );
        assert!(claimed.iter().all(|j| j.attempts == 0 && j.site == "east"));
        assert_eq!(claimed[0].request, r#"{"kind":"ping"}"#);
        assert!(a.claim_job("east", east.id, 30_000).unwrap().is_none());
        assert_eq!(a.run(runs[0]).unwrap().unwrap().status, RunStatus::Running);
        // Results sent again after a lost connection are stored once.
        assert!(a.renew_lease(claimed[0].id, east.id, 30_000).unwrap());
        let sent = [(0, "t0", "{}"), (1, "t1", "{}")];
        let job0 = Held {
            job: claimed[0].id,
            agent: east.id,
            attempt: 0,
        };
        let all = |stored| {
            Some(Appended {
                stored,
                complete: true,
            })
        };
        assert_eq!(a.append_agent_results(job0, &sent).unwrap(), all(2));
        let again = [(1, "t1", "{}"), (2, "t2", "{}")];
        assert_eq!(b.append_agent_results(job0, &again).unwrap(), all(1));
        // One that skips ahead is not stored past the gap.
        let gap = [(3, "t3", "{}"), (5, "t5", "{}")];
        assert_eq!(
            a.append_agent_results(job0, &gap).unwrap(),
            Some(Appended {
                stored: 1,
                complete: false
            })
        );
        // Another agent's word on the job is not taken, nor an earlier attempt's.
        for other in [
            Held {
                agent: west.id,
                ..job0
            },
            Held { attempt: 1, ..job0 },
        ] {
            let refused = b.append_agent_results(other, &[(3, "t3", "{}")]);
            assert_eq!(refused.unwrap(), None);
        }
        assert_eq!(a.run(runs[0]).unwrap().unwrap().done, 4);
        assert_eq!(
            a.results(runs[0], 0)
                .unwrap()
                .iter()
                .map(|(seq, _)| *seq)
                .collect::<Vec<_>>(),
            [0, 1, 2, 3]
        );
        // The leases run out: the job with results ends its run interrupted (results kept),
        // those without go back to the queue.
        let reaped = b.reap_jobs(now_ms() + 60_000).unwrap();
        assert_eq!(
            reaped,
            Reaped {
                requeued: 2,
                interrupted: 1
            }
        );
        let first = a.run(runs[0]).unwrap().unwrap();
        assert_eq!((first.status, first.done), (RunStatus::Interrupted, 4));
        assert_eq!(a.run(runs[1]).unwrap().unwrap().status, RunStatus::Queued);
        assert!(!a.renew_lease(claimed[0].id, east.id, 30_000).unwrap());
        let retry = a.claim_job("east", east.id, 30_000).unwrap().unwrap();
        assert_eq!((retry.run_id, retry.attempts), (runs[1], 1));
        let retried = Held {
            job: retry.id,
            agent: east.id,
            attempt: 1,
        };
        assert!(
            a.end_agent_job(retried, RunStatus::Finished, None, None)
                .unwrap()
        );
        // The agent that was away comes back with its end: the run takes it.
        assert!(a.resume_job(job0, 30_000).unwrap());
        let gone = Held {
            job: retry.id,
            agent: east.id,
            attempt: 0,
        };
        assert!(!a.resume_job(gone, 30_000).unwrap());
        assert!(
            a.end_agent_job(job0, RunStatus::Finished, Some("{}"), None)
                .unwrap()
        );
        let west_says = Held {
            agent: west.id,
            ..job0
        };
        assert!(
            !a.end_agent_job(west_says, RunStatus::Failed, None, None)
                .unwrap()
        );
        assert_eq!(b.run(runs[0]).unwrap().unwrap().status, RunStatus::Finished);
        // Cancelling: a queued job ends at once; a claimed one is marked for its agent.
        assert_eq!(b.cancel_job(runs[2]).unwrap(), Some(JobStatus::Queued));
        assert_eq!(
            b.run(runs[2]).unwrap().unwrap().status,
            RunStatus::Cancelled
        );
        let w = a.claim_job("west", west.id, 30_000).unwrap().unwrap();
        assert_eq!(b.cancel_job(runs[3]).unwrap(), Some(JobStatus::Claimed));
        assert_eq!(a.jobs_to_cancel(west.id).unwrap(), [w.id]);
        assert!(a.jobs_to_cancel(east.id).unwrap().is_empty());
        let local = a.create_run(&new_run()).unwrap();
        assert_eq!(b.cancel_job(local).unwrap(), None);
        // An agent that stopped before anything of its job was stored: the job is made again.
        let lost = a
            .create_run(&NewRun {
                site: Some("east"),
                ..new_run()
            })
            .unwrap();
        a.enqueue_jobs(lost, "east", &["{}".into()]).unwrap();
        let first = a.claim_job("east", east.id, 30_000).unwrap().unwrap();
        let held = Held {
            job: first.id,
            agent: east.id,
            attempt: first.attempts,
        };
        assert!(
            a.end_agent_job(held, RunStatus::Interrupted, None, Some("stopped"))
                .unwrap()
        );
        assert_eq!(b.run(lost).unwrap().unwrap().status, RunStatus::Queued);
        let second = b.claim_job("east", east.id, 30_000).unwrap().unwrap();
        assert_eq!((second.id, second.attempts), (first.id, 1));
        // A run shared by two agents of a site: their results take the run's numbers in the
        // order they are stored; the run ends with the last of its jobs, summaries added up.
        let shared = a
            .create_run(&NewRun {
                site: Some("east"),
                ..new_run()
            })
            .unwrap();
        a.enqueue_jobs(shared, "east", &["{}".into(), "{}".into()])
            .unwrap();
        let east2 = a.add_agent("east-2", "east", "hash-e2").unwrap();
        let j1 = a.claim_job("east", east.id, 30_000).unwrap().unwrap();
        // The other part is for another agent.
        assert!(a.claim_job("east", east.id, 30_000).unwrap().is_none());
        let j2 = b.claim_job("east", east2.id, 30_000).unwrap().unwrap();
        let (h1, h2) = (
            Held {
                job: j1.id,
                agent: east.id,
                attempt: 0,
            },
            Held {
                job: j2.id,
                agent: east2.id,
                attempt: 0,
            },
        );
        a.append_agent_results(h1, &[(0, "a0", "{}")]).unwrap();
        b.append_agent_results(h2, &[(0, "b0", "{}"), (1, "b1", "{}")])
            .unwrap();
        a.append_agent_results(h1, &[(1, "a1", "{}")]).unwrap();
        let order: Vec<(i64, String)> = a
            .results(shared, 0)
            .unwrap()
            .iter()
            .map(|(seq, d)| (*seq, d.get().to_string()))
            .collect();
        assert_eq!(
            order.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
            [0, 1, 2, 3]
        );
        let summary = |alive: u32| {
            format!(
                r#"{{"probe":"ping","targets":2,"alive":{alive},"elapsed_ms":{alive}.5,"cancelled":false}}"#
            )
        };
        assert!(
            a.end_agent_job(h1, RunStatus::Finished, Some(&summary(2)), None)
                .unwrap()
        );
        assert_eq!(a.run(shared).unwrap().unwrap().status, RunStatus::Running);
        assert!(
            b.end_agent_job(h2, RunStatus::Failed, Some(&summary(1)), Some("no route"))
                .unwrap()
        );
        let parts = b.run_parts(shared).unwrap();
        assert_eq!(
            parts
                .iter()
                .map(|p| (p.agent.as_deref(), p.end.as_deref(), p.results))
                .collect::<Vec<_>>(),
            [
                (Some("east-1"), Some("finished"), 2),
                (Some("east-2"), Some("failed"), 2)
            ]
        );
        let ended = a.run(shared).unwrap().unwrap();
        assert_eq!(
            (ended.status, ended.done, ended.error.as_deref()),
            (RunStatus::Failed, 4, Some("no route"))
        );
        let total: serde_json::Value =
            serde_json::from_str(ended.summary.as_ref().unwrap().get()).unwrap();
        assert_eq!(
            total,
            serde_json::json!({"probe": "ping", "targets": 4, "alive": 3, "elapsed_ms": 2.5,
                "cancelled": false})
        );
        // Asked from two sites at once: two runs of one batch.
        let ids = a
            .create_batch(&[
                NewRun {
                    site: Some("east"),
                    ..new_run()
                },
                new_run(),
            ])
            .unwrap();
        let batch = b.batch(ids[0]).unwrap();
        assert_eq!(
            batch
                .iter()
                .map(|r| (r.id, r.site.as_deref(), r.batch))
                .collect::<Vec<_>>(),
            [
                (ids[0], Some("east"), Some(ids[0])),
                (ids[1], None, Some(ids[0]))
            ]
        );
        // What an agent says of itself; revoked, it is known but refused.
        a.agent_seen(
            west.id,
            Some("instance-1"),
            Some("0.1.0"),
            Some(r#"{"raw":true}"#),
        )
        .unwrap();
        let listed = b.agents().unwrap();
        assert_eq!(
            listed.iter().map(|g| g.name.as_str()).collect::<Vec<_>>(),
            ["east-1", "east-2", "west-1"]
        );
        assert_eq!(a.agents_online("west").unwrap(), 1);
        assert_eq!(a.agents_online("east").unwrap(), 0);
        let w = &listed[2];
        assert_eq!(w.instance.as_deref(), Some("instance-1"));
        assert_eq!(w.version.as_deref(), Some("0.1.0"));
        assert_eq!(w.capabilities, Some(serde_json::json!({"raw": true})));
        assert!(a.revoke_agent("west-1").unwrap());
        assert!(!a.revoke_agent("west-1").unwrap());
        let w = b.agent_by_token("hash-w1").unwrap().unwrap();
        assert!(w.revoked_at.is_some() && w.instance.is_none());
    }

    fn a_due_time_is_claimed_by_one_server_only(kind: Kind) {
        let db = fresh(kind, "claims");
        let (a, b) = (Store::connect(&db).unwrap(), Store::connect(&db).unwrap());
        let suite = a.create_suite("core", "{}").unwrap();
        let seen = b.suite_by_id(suite).unwrap().unwrap().last_due;
        assert_eq!(seen, None);
        // Both saw no fire yet; both try the same due time: one wins.
        assert!(a.claim_due(suite, seen, 60_000).unwrap());
        assert!(!b.claim_due(suite, seen, 60_000).unwrap());
        // The next due time, claimed from what is stored now.
        let seen = b.suite_by_id(suite).unwrap().unwrap().last_due;
        assert_eq!(seen, Some(60_000));
        assert!(b.claim_due(suite, seen, 120_000).unwrap());
        assert!(!a.claim_due(suite, seen, 120_000).unwrap());
        // Many at once: exactly one.
        let seen = Some(120_000);
        let won = std::thread::scope(|s| {
            let tries: Vec<_> = (0..8)
                .map(|i| {
                    let store = if i % 2 == 0 { &a } else { &b };
                    s.spawn(move || store.claim_due(suite, seen, 180_000).unwrap())
                })
                .collect();
            tries
                .into_iter()
                .map(|t| t.join().unwrap())
                .filter(|&w| w)
                .count()
        });
        assert_eq!(won, 1);
    }

    fn suites_keep_their_fires_and_schedule_state(kind: Kind) {
        let path = fresh(kind, "suites");
        let store = Store::connect(&path).unwrap();
        let id = store.create_suite("core", r#"{"runs":[]}"#).unwrap();
        assert!(matches!(
            store.create_suite("core", "{}"),
            Err(StoreError::SuiteExists(n)) if n == "core"
        ));
        let run = store
            .create_run(&NewRun {
                origin: Origin::suite(id, 0),
                ..new_run()
            })
            .unwrap();
        assert!(
            store.suite_busy(id).unwrap(),
            "a queued run keeps the suite busy"
        );
        store
            .set_finished(run, RunStatus::Finished, None, None)
            .unwrap();
        assert!(!store.suite_busy(id).unwrap());
        store
            .record_fire(id, Some(60_000), FireOutcome::Started, &[run], None)
            .unwrap();
        store
            .record_fire(id, None, FireOutcome::Started, &[], Some("on demand"))
            .unwrap();
        // An older due time never moves the schedule back.
        store
            .record_fire(id, Some(30_000), FireOutcome::Skipped, &[], Some("busy"))
            .unwrap();
        let rec = store.suite("core").unwrap().unwrap();
        assert_eq!(rec.last_due, Some(60_000));
        let fires = store.fires(id, 10).unwrap();
        assert_eq!(
            fires.iter().map(|f| f.outcome).collect::<Vec<_>>(),
            [
                FireOutcome::Skipped,
                FireOutcome::Started,
                FireOutcome::Started
            ]
        );
        assert_eq!(fires[2].runs, [run]);
        for _ in 0..FIRES_KEPT {
            store
                .record_fire(id, None, FireOutcome::Failed, &[], None)
                .unwrap();
        }
        let kept = store.fires(id, FIRES_KEPT * 2).unwrap();
        assert_eq!(kept.len() as i64, FIRES_KEPT, "the newest fires are kept");
        assert!(kept.iter().all(|f| f.outcome == FireOutcome::Failed));
        // Turned back on, it starts from now: the time it was off is not caught up.
        store.set_suite_enabled(id, false).unwrap();
        let before = now_ms();
        store.set_suite_enabled(id, true).unwrap();
        let rec = store.suite_by_id(id).unwrap().unwrap();
        assert!(rec.enabled && rec.last_due >= Some(before), "{rec:?}");
        drop(store);
        let store = Store::connect(&path).unwrap();
        assert_eq!(store.suites().unwrap().len(), 1, "kept across reopening");
        assert!(store.delete_suite(id).unwrap());
        assert_eq!(
            store.run(run).unwrap().unwrap().suite_id,
            None,
            "its runs stay"
        );
        assert!(store.fires(id, 10).unwrap().is_empty());
    }

    /// A run of the suite, ended: waiting to be taken into the trends and alerts.
    fn ended_suite_run(store: &Store, suite: i64) -> i64 {
        let run = store
            .create_run(&NewRun {
                origin: Origin::suite(suite, 0),
                ..new_run()
            })
            .unwrap();
        store
            .set_finished(run, RunStatus::Finished, None, None)
            .unwrap();
        run
    }

    fn trend_samples_roll_up_and_are_pruned_by_age(kind: Kind) {
        let store = Store::connect(&fresh(kind, "trends")).unwrap();
        let suite = store.create_suite("t", "{}").unwrap();
        let hour = 3_600_000;
        let sample = |t: i64, med: i64| Sample {
            t,
            min_us: Some(med - 10),
            med_us: Some(med),
            max_us: Some(med + 10),
            loss: 0,
            sent: 3,
        };
        for (i, t) in [hour, hour + 60_000, 10 * hour].into_iter().enumerate() {
            let run = ended_suite_run(&store, suite);
            assert_eq!(
                store.runs_to_trend(10).unwrap().len(),
                1,
                "run {i} waits to be taken"
            );
            store
                .take_run(
                    run,
                    suite,
                    "ping",
                    &[("a".into(), sample(t, 1000 * (i as i64 + 1)))],
                    &AlertWrite::default(),
                )
                .unwrap();
            assert!(store.runs_to_trend(10).unwrap().is_empty(), "taken once");
        }
        let series = store.series(suite).unwrap();
        assert_eq!((series.len(), series[0].samples), (1, 3));
        let id = series[0].id;
        assert_eq!(store.trend(id, 0, 11 * hour, 0).unwrap().len(), 3);
        // The first two share a 5-minute and an hourly bucket.
        let five = store.trend(id, 0, 11 * hour, ROLLUP_WIDTHS[0]).unwrap();
        assert_eq!(
            five.iter().map(|b| b.samples).collect::<Vec<_>>(),
            [2, 1],
            "{five:?}"
        );
        assert_eq!((five[0].median_ms, five[0].max_ms), (Some(1.0), Some(2.01)));
        assert_eq!(
            store.prune_trends(5 * hour, 0).unwrap(),
            3,
            "the two old samples and their 5-minute rollup"
        );
        assert_eq!(store.trend(id, 0, 11 * hour, 0).unwrap().len(), 1);
        assert_eq!(
            store.series(suite).unwrap()[0].samples,
            1,
            "the count follows"
        );
        assert_eq!(store.series(suite).unwrap()[0].last, Some(10 * hour));
        assert_eq!(store.series_of(suite, id).unwrap().map(|s| s.id), Some(id));
        assert!(store.series_of(suite + 1, id).unwrap().is_none());
        assert_eq!(
            store
                .trend(id, 0, 11 * hour, ROLLUP_WIDTHS[0])
                .unwrap()
                .len(),
            1,
            "5-minute rollups go with the samples"
        );
        assert_eq!(
            store
                .trend(id, 0, 11 * hour, ROLLUP_WIDTHS[1])
                .unwrap()
                .len(),
            2,
            "rollups outlive their samples"
        );
    }

    fn a_taken_run_leaves_its_alert_states_events_and_deliveries_at_once(kind: Kind) {
        let db = fresh(kind, "alerts");
        let store = Store::connect(&db).unwrap();
        let suite = store.create_suite("edge", "{}").unwrap();
        assert_eq!(
            store
                .create_channel("ops", r#"{"type":"webhook"}"#)
                .unwrap(),
            1
        );
        assert!(matches!(
            store.create_channel("ops", "{}"),
            Err(StoreError::ChannelExists(n)) if n == "ops"
        ));
        let run = ended_suite_run(&store, suite);
        let event = |target: &str, silenced: Option<&str>| NewEvent {
            rule: "down".into(),
            preset: "down".into(),
            target: target.into(),
            kind: EventKind::Firing,
            at: 1_000,
            summary: format!("{target} is down"),
            evidence: r#"{"loss_pct":100}"#.into(),
            silenced: silenced.map(str::to_string),
            channels: if silenced.is_some() {
                Vec::new()
            } else {
                vec!["ops".into(), "gone".into()]
            },
        };
        let write = AlertWrite {
            states: vec![
                ("down".into(), "a".into(), Some(r#"{"streak":1}"#.into())),
                ("down".into(), "b".into(), None),
            ],
            events: vec![event("a", None), event("b", Some("maintenance"))],
            seen: Vec::new(),
        };
        let ids = store.take_run(run, suite, "ping", &[], &write).unwrap();
        assert_eq!(ids.len(), 2);
        assert!(store.runs_to_trend(10).unwrap().is_empty(), "taken once");
        // Another server sharing the database, taking the same run: nothing happens twice.
        let other = Store::connect(&db).unwrap();
        assert!(
            other
                .take_run(run, suite, "ping", &[], &write)
                .unwrap()
                .is_empty()
        );
        drop(other);
        assert_eq!(
            store.alert_states(suite).unwrap(),
            [("down".into(), "a".into(), r#"{"streak":1}"#.into())]
        );
        assert_eq!(
            store.events_after(0).unwrap(),
            1,
            "the silenced one is not unread"
        );
        let events = store
            .alert_events(&EventFilter {
                limit: 10,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(
            (events[0].target.as_str(), events[0].silenced.as_deref()),
            ("b", Some("maintenance"))
        );
        assert_eq!(events[1].evidence.get(), r#"{"loss_pct":100}"#);
        assert_eq!(events[1].suite.as_deref(), Some("edge"));
        let due = store.deliveries_due(now_ms(), 10).unwrap();
        assert_eq!(due.len(), 2);
        // One is sent; the other retried, then given up; a removed channel fails what waits.
        store
            .delivery_attempted(due[0].id, true, None, None)
            .unwrap();
        store
            .delivery_attempted(due[1].id, false, Some("refused"), Some(i64::MAX))
            .unwrap();
        assert!(store.deliveries_due(now_ms(), 10).unwrap().is_empty());
        assert_eq!(store.next_delivery().unwrap(), Some(i64::MAX));
        store
            .delivery_attempted(due[1].id, false, Some("refused"), None)
            .unwrap();
        let event = store.alert_event(ids[0]).unwrap().unwrap();
        let states: Vec<_> = event
            .deliveries
            .iter()
            .map(|d| {
                (
                    d.channel.as_str(),
                    d.status,
                    d.attempts,
                    d.last_error.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            states,
            [
                ("ops", DeliveryStatus::Sent, 1, None),
                ("gone", DeliveryStatus::Failed, 2, Some("refused"))
            ]
        );
        assert!(event.deliveries[0].sent_at.is_some());
        assert_eq!(store.next_delivery().unwrap(), None);
        assert!(store.delete_channel("ops").unwrap());
        assert!(store.channels().unwrap().is_empty());
        // Deleting the suite takes its alerts with it.
        assert!(store.delete_suite(suite).unwrap());
        assert!(store.alert_event(ids[0]).unwrap().is_none());
        assert!(store.alert_states(suite).unwrap().is_empty());
    }

    #[test]
    fn rebuilding_alert_events_for_traps_keeps_every_event_and_delivery() {
        let path = temp_db("events-rebuilt");
        {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "foreign_keys", "ON").unwrap();
            let before = schema::SQLITE.len() - 1;
            for sql in &schema::SQLITE[..before] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", before as i64)
                .unwrap();
            conn.execute_batch(
                "INSERT INTO suites (id, name, spec, enabled, created_at, updated_at)
                   VALUES (7, 'core', '{}', 1, 0, 0);
                 INSERT INTO alert_events (id, suite_id, rule, preset, target, kind, at, summary, evidence)
                   VALUES (3, 7, 'r', 'down', 'h1', 'firing', 5, 'h1 down', '{}');
                 INSERT INTO deliveries (event_id, channel, status, attempts, next_at)
                   VALUES (3, 'ops', 'sent', 1, 5);",
            )
            .unwrap();
        }
        let store = Store::open(&path).unwrap();
        let e = store.alert_event(3).unwrap().unwrap();
        assert_eq!(
            (e.suite_id, e.suite.as_deref(), e.trap_id),
            (Some(7), Some("core"), None)
        );
        assert_eq!(e.deliveries.len(), 1);
        let ids = store
            .trap_events(
                11,
                &[NewEvent {
                    rule: "links".into(),
                    preset: "trap".into(),
                    target: "s1".into(),
                    kind: EventKind::Firing,
                    at: 9,
                    summary: "linkDown from s1".into(),
                    evidence: "{}".into(),
                    silenced: None,
                    channels: vec!["ops".into()],
                }],
            )
            .unwrap();
        let t = store.alert_event(ids[0]).unwrap().unwrap();
        assert_eq!((t.suite_id, t.suite, t.trap_id), (None, None, Some(11)));
        assert_eq!(t.deliveries.len(), 1);
        store.set_event_run(ids[0], 5).unwrap();
        assert_eq!(store.alert_event(ids[0]).unwrap().unwrap().run_id, Some(5));
        // Deleting the suite still takes its events with it.
        assert!(store.delete_suite(7).unwrap());
        assert!(store.alert_event(3).unwrap().is_none());
        drop(store);
        let _ = std::fs::remove_file(&path);
    }

    fn diagnostics_are_collected_once_per_event_and_only_the_newest_zips_are_kept(kind: Kind) {
        let path = fresh(kind, "diagnostics");
        let store = Store::connect(&path).unwrap();
        let suite = store.create_suite("core", "{}").unwrap();
        let event = |target: &str| {
            store
                .write(|db| {
                    db.insert(
                        "INSERT INTO alert_events (suite_id, rule, preset, target, kind, at, summary, evidence)
                         VALUES (?1, 'r', 'down', ?2, 'firing', 5, 'down', '{}') RETURNING id",
                        params![suite, target],
                    )
                })
                .unwrap()
        };
        let (a, b, c) = (event("h1"), event("h2"), event("h1"));
        assert!(store.alert_event(a).unwrap().unwrap().diagnostics.is_none());
        assert!(store.begin_diagnostics(a).unwrap());
        assert!(!store.begin_diagnostics(a).unwrap(), "once per event");
        store.diagnostics_runs(a, &[4, 5]).unwrap();
        let d = store.alert_event(a).unwrap().unwrap().diagnostics.unwrap();
        assert_eq!(
            (d.status, d.runs),
            (DiagnosticsStatus::Collecting, vec![4, 5])
        );
        assert_eq!(store.diagnostics_collecting().unwrap(), 1);
        assert!(store.last_diagnosed(suite, "h1").unwrap().is_some());
        assert!(store.last_diagnosed(suite, "h2").unwrap().is_none());
        store
            .finish_diagnostics(a, Ok((b"zip a", "aa")), Some("no capture"), 1, 1 << 20)
            .unwrap();
        assert_eq!(
            store.diagnostics_zip(a).unwrap(),
            Some((b"zip a".to_vec(), "aa".into()))
        );
        // A second bundle with room for one: the first loses its bytes, not its record.
        assert!(store.begin_diagnostics(c).unwrap());
        store
            .finish_diagnostics(c, Ok((b"zip c", "cc")), None, 1, 1 << 20)
            .unwrap();
        assert!(store.diagnostics_zip(a).unwrap().is_none());
        let d = store.alert_event(a).unwrap().unwrap().diagnostics.unwrap();
        assert_eq!(
            (d.status, d.bytes, d.sha256.as_deref(), d.note.as_deref()),
            (
                DiagnosticsStatus::Pruned,
                Some(5),
                Some("aa"),
                Some("no capture")
            )
        );
        assert!(store.diagnostics_zip(c).unwrap().is_some());
        // Past the bytes kept, older zips go too; the newest stays, whatever its size.
        let (f, g) = (event("h4"), event("h5"));
        for (e, zip) in [(f, b"123456".as_slice()), (g, b"1234567".as_slice())] {
            store.begin_diagnostics(e).unwrap();
            store
                .finish_diagnostics(e, Ok((zip, "x")), None, 10, 6)
                .unwrap();
        }
        assert!(store.diagnostics_zip(f).unwrap().is_none());
        assert!(store.diagnostics_zip(c).unwrap().is_none());
        assert!(store.diagnostics_zip(g).unwrap().is_some());
        // Skips say why and do not count as collected; a server stopping fails what it left.
        store.skip_diagnostics(b, "2 under way").unwrap();
        assert!(store.last_diagnosed(suite, "h2").unwrap().is_none());
        let d = store.alert_event(b).unwrap().unwrap().diagnostics.unwrap();
        assert_eq!(
            (d.status, d.note.as_deref()),
            (DiagnosticsStatus::Skipped, Some("2 under way"))
        );
        let e = event("h3");
        store.begin_diagnostics(e).unwrap();
        assert_eq!(store.fail_unfinished_diagnostics("stopped").unwrap(), 1);
        let d = store.alert_event(e).unwrap().unwrap().diagnostics.unwrap();
        assert_eq!(d.status, DiagnosticsStatus::Failed);
        // Deleting the suite takes the events and their diagnostics.
        assert!(store.delete_suite(suite).unwrap());
        let left: i64 = store
            .read(|db| db.query_row("SELECT COUNT(*) FROM diagnostics", params![], |r| r.get(0)))
            .unwrap();
        assert_eq!(left, 0);
        drop(store);
    }

    fn single_sign_on_makes_its_users_follows_their_role_and_takes_over_no_other_account(
        kind: Kind,
    ) {
        let path = fresh(kind, "sso");
        let store = Store::connect(&path).unwrap();
        store.add_user("ann", Role::Admin, Some("h1")).unwrap();
        let idp = "http://127.0.0.1:9/";
        assert_eq!(
            store.sso_user("ann", Role::Admin, idp).unwrap(),
            None,
            "a local account"
        );
        let alice = store
            .sso_user("alice", Role::Operator, idp)
            .unwrap()
            .unwrap();
        assert_eq!(
            (alice.role, alice.sso.as_deref()),
            (Role::Operator, Some(idp))
        );
        let again = store.sso_user("alice", Role::Viewer, idp).unwrap().unwrap();
        assert_eq!((again.id, again.role), (alice.id, Role::Viewer));
        assert_eq!(
            store
                .sso_user("alice", Role::Admin, "https://other/")
                .unwrap(),
            None
        );
        // no password: a password sign-in finds nothing to check against
        assert_eq!(store.user_login("alice").unwrap().unwrap().1, None);
        assert_eq!(store.user_login("ann").unwrap().unwrap().0.sso, None);
        drop(store);
    }

    fn users_keep_their_last_admin_lock_after_failures_and_lose_sessions_with_a_new_password(
        kind: Kind,
    ) {
        let path = fresh(kind, "users");
        let store = Store::connect(&path).unwrap();
        assert_eq!(store.user_count().unwrap(), 0);
        let ann = store.add_user("ann", Role::Admin, Some("h1")).unwrap();
        assert!(matches!(
            store.add_user("ann", Role::Viewer, None),
            Err(StoreError::UserExists(n)) if n == "ann"
        ));
        store.add_user("bob", Role::Viewer, Some("h2")).unwrap();
        assert!(matches!(
            store.set_role("ann", Role::Operator),
            Err(StoreError::LastAdmin)
        ));
        assert!(matches!(
            store.delete_user("ann"),
            Err(StoreError::LastAdmin)
        ));
        assert!(store.set_role("bob", Role::Admin).unwrap());
        assert!(
            store.set_role("ann", Role::Operator).unwrap(),
            "bob is admin now"
        );
        assert!(!store.set_role("nobody", Role::Admin).unwrap());
        let (u, hash) = store.user_login("ann").unwrap().unwrap();
        assert_eq!((u.role, hash.as_deref()), (Role::Operator, Some("h1")));
        // Three failures with a limit of three lock the account; a good login clears it.
        for _ in 0..2 {
            store.login_failed(ann.id, 3, 60_000).unwrap();
        }
        assert!(
            store
                .user_login("ann")
                .unwrap()
                .unwrap()
                .0
                .locked_until
                .is_none()
        );
        store.login_failed(ann.id, 3, 60_000).unwrap();
        assert!(
            store
                .user_login("ann")
                .unwrap()
                .unwrap()
                .0
                .locked_until
                .is_some()
        );
        store.login_ok(ann.id, "s1", "127.0.0.1").unwrap();
        store.login_ok(ann.id, "s2", "127.0.0.1").unwrap();
        let s = store.session("s1").unwrap().unwrap();
        assert_eq!(
            (s.user.name.as_str(), s.user.sessions, s.user.locked_until),
            ("ann", 2, None)
        );
        assert!(store.session("nope").unwrap().is_none());
        store.end_session("s1").unwrap();
        assert!(store.session("s1").unwrap().is_none());
        // A new password ends every session.
        assert!(store.set_password("ann", "h3").unwrap());
        assert!(store.session("s2").unwrap().is_none());
        store.login_ok(ann.id, "s3", "::1").unwrap();
        assert_eq!(store.prune_sessions(now_ms() + 1, 0).unwrap(), 1, "idle");
        store.login_ok(ann.id, "s4", "::1").unwrap();
        assert_eq!(store.end_sessions(ann.id).unwrap(), 1);
        for i in 0..=MAX_SESSIONS {
            store.login_ok(ann.id, &format!("m{i}"), "::1").unwrap();
        }
        assert_eq!(
            store.user_login("ann").unwrap().unwrap().0.sessions,
            MAX_SESSIONS
        );
        assert!(store.delete_user("ann").unwrap());
        assert_eq!(store.users().unwrap().len(), 1);
        drop(store);
    }

    fn the_audit_trail_catches_an_edited_a_removed_and_a_truncated_row(kind: Kind) {
        let path = fresh(kind, "audit");
        let store = Store::connect(&path).unwrap();
        assert_eq!(store.audit_verify().unwrap(), Ok(0));
        for (actor, action) in [
            ("ann", "login"),
            ("ann", "run.start"),
            ("bob", "login.failed"),
            ("ann", "user.add"),
        ] {
            store
                .audit(&NewAudit {
                    actor,
                    via: "session",
                    address: "127.0.0.1",
                    action,
                    object: "x",
                    status: 200,
                })
                .unwrap();
        }
        assert_eq!(store.audit_verify().unwrap(), Ok(4));
        let f = |actor: Option<&str>, action: Option<&str>| AuditFilter {
            actor: actor.map(str::to_string),
            action: action.map(str::to_string),
            limit: 100,
            ..Default::default()
        };
        assert_eq!(store.audit_entries(&f(Some("ann"), None)).unwrap().len(), 3);
        assert_eq!(
            store.audit_entries(&f(None, Some("login"))).unwrap().len(),
            2
        );
        assert_eq!(
            store.audit_entries(&f(None, None)).unwrap()[0].action,
            "user.add"
        );
        // Edited: caught at that row.
        store
            .write(|db| db.execute("UPDATE audit SET actor = 'eve' WHERE id = 2", params![]))
            .unwrap();
        assert_eq!(store.audit_verify().unwrap().map_err(|(id, _)| id), Err(2));
        store
            .write(|db| db.execute("UPDATE audit SET actor = 'ann' WHERE id = 2", params![]))
            .unwrap();
        assert_eq!(store.audit_verify().unwrap(), Ok(4));
        // Removed from the middle: caught at the next row, naming the gap.
        store
            .write(|db| db.execute("DELETE FROM audit WHERE id = 4", params![]))
            .unwrap();
        let (id, why) = store.audit_verify().unwrap().unwrap_err();
        assert_eq!(id, 4, "{why}");
        assert!(why.contains("newest"), "{why}");
        store
            .write(|db| db.execute("DELETE FROM audit WHERE id = 2", params![]))
            .unwrap();
        let (id, why) = store.audit_verify().unwrap().unwrap_err();
        assert_eq!(id, 3, "{why}");
        assert!(why.contains("rows 2 to 2 are missing"), "{why}");
        drop(store);
    }

    fn retention_removes_the_oldest_rows_and_the_rest_still_verifies(kind: Kind) {
        let path = fresh(kind, "audit-prune");
        let store = Store::connect(&path).unwrap();
        let day = 86_400_000;
        let now = now_ms();
        let row = |i: i64, at: i64| {
            store
                .audit_at(
                    &NewAudit {
                        actor: "ann",
                        via: "session",
                        address: "127.0.0.1",
                        action: "run.start",
                        object: &format!("run {i}"),
                        status: 200,
                    },
                    at,
                )
                .unwrap()
        };
        for i in 1..=6 {
            row(i, now - (10 - i) * day);
        }
        // older than 5 days: the rows of days -9 to -6
        assert_eq!(store.audit_prune(now - 5 * day).unwrap(), 4);
        let a = store.audit_anchor().unwrap().unwrap();
        assert_eq!((a.last_id, a.pruned), (4, 4));
        assert_eq!(store.audit_verify().unwrap(), Ok(2));
        // the chain goes on from the kept rows
        row(7, now);
        assert_eq!(store.audit_verify().unwrap(), Ok(3));
        // never the newest row, and nothing twice
        assert_eq!(store.audit_prune(now + day).unwrap(), 2);
        assert_eq!(store.audit_anchor().unwrap().unwrap().pruned, 6);
        assert_eq!(store.audit_verify().unwrap(), Ok(1));
        assert_eq!(store.audit_prune(now + day).unwrap(), 0);
        // a row removed right after the anchor is still caught
        row(8, now);
        row(9, now);
        store
            .write(|db| db.execute("DELETE FROM audit WHERE id = 8", params![]))
            .unwrap();
        let (id, why) = store.audit_verify().unwrap().unwrap_err();
        assert_eq!(id, 9, "{why}");
        drop(store);
    }

    fn a_target_history_keeps_each_distinct_value_in_a_row(kind: Kind) {
        let store = Store::connect(&fresh(kind, "history")).unwrap();
        let suite = store.create_suite("paths", "{}").unwrap();
        let take = |value: &str| {
            let run = ended_suite_run(&store, suite);
            let write = AlertWrite {
                seen: vec![("d".into(), value.into())],
                ..Default::default()
            };
            store.take_run(run, suite, "trace", &[], &write).unwrap();
        };
        for v in ["1", "1", "2", "1"] {
            take(v);
        }
        let h = store.target_history(suite, "trace", "d").unwrap();
        assert_eq!(
            h.iter()
                .map(|e| (e.value.get(), e.runs))
                .collect::<Vec<_>>(),
            [("1", 1), ("2", 1), ("1", 2)],
            "newest first; a value back again is a new entry"
        );
        assert!(h[2].first_seen <= h[2].last_seen);
        for i in 0..HISTORY_KEPT + 5 {
            take(&i.to_string());
        }
        let h = store.target_history(suite, "trace", "d").unwrap();
        assert_eq!(h.len() as i64, HISTORY_KEPT, "the newest kept");
        assert_eq!(h[0].value.get(), (HISTORY_KEPT + 4).to_string());
        assert!(store.target_history(suite, "scan", "d").unwrap().is_empty());
    }

    fn recordings_keep_their_text_and_end(kind: Kind) {
        let path = fresh(kind, "recordings");
        let store = Store::connect(&path).unwrap();
        let id = store
            .start_recording(&NewRecording {
                target: "198.18.0.122",
                port: 22,
                user: "wsl-key",
                netns: Some("wsl-c"),
                cols: 80,
                rows: 24,
                opened_by: Some("ann"),
            })
            .unwrap();
        let open = store.recording(id).unwrap().unwrap();
        assert_eq!(
            (open.ended_at, open.bytes, open.end_reason.as_deref()),
            (None, 0, None)
        );
        assert_eq!(open.opened_by.as_deref(), Some("ann"));
        assert!(open.watchers.is_empty());
        for name in ["bob", "carol", "bob"] {
            store.add_recording_watcher(id, name).unwrap();
        }
        assert_eq!(
            store.recording(id).unwrap().unwrap().watchers,
            ["bob", "carol"]
        );
        let cut = store
            .start_recording(&NewRecording {
                target: "198.18.0.123",
                port: 22,
                user: "wsl-pw",
                netns: None,
                cols: 80,
                rows: 24,
                opened_by: None,
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
        let store = Store::connect(&path).unwrap();
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
            origin: Source::Api.into(),
            site: None,
        }
    }

    fn runs_and_results_round_trip(kind: Kind) {
        let path = fresh(kind, "round");
        let store = Store::connect(&path).unwrap();
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

    fn instances_gone_silent_lose_their_runs_and_live_ones_keep_theirs(kind: Kind) {
        let db = fresh(kind, "instances");
        let server = Store::connect(&db).unwrap();
        let id = server.create_run(&new_run()).unwrap();
        server.set_running(id).unwrap();
        // Another process on the same database (a CLI, a second server) leaves it alone.
        let other = Store::connect(&db).unwrap();
        assert_eq!(other.sweep_orphans().unwrap(), 0);
        assert_eq!(other.run(id).unwrap().unwrap().status, RunStatus::Running);
        let owner = server.owner_id.clone();
        drop(server);
        if let Kind::Postgres = kind {
            // Still counted alive until its heartbeat is older than the TTL: make it so.
            other
                .write(|db| {
                    db.execute(
                        "UPDATE instances SET seen_at = 0 WHERE id = ?1",
                        params![owner],
                    )
                })
                .unwrap();
        }
        assert_eq!(other.sweep_orphans().unwrap(), 1);
        assert_eq!(
            other.run(id).unwrap().unwrap().status,
            RunStatus::Interrupted
        );
    }

    #[test]
    #[ignore = "needs the lab's PostgreSQL: sudo bash lab/lab.sh up"]
    fn a_server_hears_of_the_runs_another_changes() {
        let db = fresh(Kind::Postgres, "notices");
        let (a, b) = (Store::connect(&db).unwrap(), Store::connect(&db).unwrap());
        let mut heard = b.notices();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let next = |heard: &mut tokio::sync::broadcast::Receiver<Notice>| {
            rt.block_on(async {
                tokio::time::timeout(std::time::Duration::from_secs(10), heard.recv()).await
            })
            .expect("a notice within 10 s")
            .expect("the channel stays open")
        };
        // Listening: said once the LISTEN is in place.
        assert_eq!(next(&mut heard), Notice::Gap);
        let id = a.create_run(&new_run()).unwrap();
        a.set_running(id).unwrap();
        assert_eq!(next(&mut heard), Notice::Run(id));
        a.append_results(id, 0, &[("127.0.0.1", "{}"), ("127.0.0.2", "{}")])
            .unwrap();
        assert_eq!(next(&mut heard), Notice::Run(id));
        a.set_finished(id, RunStatus::Finished, Some("{}"), None)
            .unwrap();
        assert_eq!(next(&mut heard), Notice::Run(id));
    }

    #[test]
    fn sqlite_tells_this_process_of_committed_changes_only() {
        let lite = Store::connect(&fresh(Kind::Sqlite, "lite-notices")).unwrap();
        let mut heard = lite.notices();
        let id = lite.create_run(&new_run()).unwrap();
        lite.set_running(id).unwrap();
        lite.append_results(id, 0, &[("127.0.0.1", "{}")]).unwrap();
        assert_eq!(heard.try_recv(), Ok(Notice::Run(id)));
        assert_eq!(heard.try_recv(), Ok(Notice::Run(id)));
        // A transaction that fails tells nothing.
        let failed: Result<(), StoreError> = lite.transaction(|db| {
            db.notify_run(id)?;
            Err(StoreError::NoRows)
        });
        assert!(failed.is_err());
        assert!(heard.try_recv().is_err(), "a rolled-back change was told");
    }

    #[test]
    #[ignore = "needs the lab's PostgreSQL: sudo bash lab/lab.sh up"]
    fn postgres_errors_name_the_database_and_the_problem() {
        // Nothing listens there: the error names the database and why, promptly.
        let t = std::time::Instant::now();
        let err = Store::open_postgres("postgres://ann:secret@/team?host=/nonexistent", None)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("database postgres://ann@"), "{err}");
        assert!(
            err.contains("/nonexistent") && err.contains("/team"),
            "{err}"
        );
        assert!(err.contains("No such file"), "{err}");
        assert!(!err.contains("secret"), "{err}");
        assert!(t.elapsed() < std::time::Duration::from_secs(10), "{err}");
        // Not a URL at all.
        let err = Store::open_postgres("postgres://localhost:notaport/x", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("the database URL"), "{err}");
        // A database written by a newer wirescope is refused, not changed.
        let db = fresh(Kind::Postgres, "newer");
        let store = Store::connect(&db).unwrap();
        store
            .write(|db| db.execute("UPDATE wirescope_schema SET version = 999", params![]))
            .unwrap();
        drop(store);
        let err = Store::connect(&db).unwrap_err().to_string();
        assert!(
            err.contains("schema version 999") && err.contains("upgrade wirescope"),
            "{err}"
        );
        // A database of the same schema opens twice at once (servers starting together).
        let db = fresh(Kind::Postgres, "twice");
        let (a, b) = std::thread::scope(|s| {
            let a = s.spawn(|| Store::connect(&db).map(|_| ()));
            let b = s.spawn(|| Store::connect(&db).map(|_| ()));
            (a.join().unwrap(), b.join().unwrap())
        });
        a.unwrap();
        b.unwrap();
    }

    #[test]
    fn a_missing_ca_bundle_is_named_even_from_async_code() {
        // The CLI opens the store on its runtime: an early error must not drop a runtime there.
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let err = rt.block_on(async {
            Store::open_postgres(
                "postgres://ann@/team?host=/nonexistent",
                Some(Path::new("/nonexistent/ca.pem")),
            )
            .unwrap_err()
            .to_string()
        });
        assert!(
            err.contains("/nonexistent/ca.pem: cannot read the CA bundle"),
            "{err}"
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

    fn listing_filters_and_pages_newest_first(kind: Kind) {
        let store = Store::connect(&fresh(kind, "list")).unwrap();
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
        let ids = store
            .create_batch(&[
                NewRun {
                    kind: Dns,
                    ..new_run()
                },
                new_run(),
            ])
            .unwrap();
        let batch = RunFilter {
            batch: Some(ids[0]),
            limit: 10,
            ..Default::default()
        };
        let (runs, total) = store.list(&batch).unwrap();
        assert_eq!(total, 2);
        assert_eq!(
            runs.iter().map(|r| r.id).collect::<Vec<_>>(),
            [ids[1], ids[0]]
        );
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
