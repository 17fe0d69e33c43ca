//! The team backend: PostgreSQL through a small pool (deadpool-postgres) of tokio-postgres
//! connections, TLS on rustls with ring, driven by a runtime of the store's own from the blocking
//! threads its callers run on. Here too: the schema's versions, and the instances table by which
//! the servers sharing one database tell a live one's runs from a dead one's.

use crate::sql::{Db, PgRef};
use crate::{StoreError, now_ms};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// Connections a server holds open to the database at most.
pub const POOL_SIZE: usize = 16;
/// An instance that has not said it is alive for this long is taken for dead.
pub const INSTANCE_TTL_MS: i64 = 45_000;
/// How often an instance says it is alive.
const HEARTBEAT: Duration = Duration::from_secs(10);
/// The key of the advisory lock that serialises schema changes between servers starting at once.
const MIGRATION_LOCK: i64 = 0x7769_7265_7363_6f70;

/// CA bundles tried, in order, when no `--db-ca` is given.
const SYSTEM_CAS: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
];

/// A connection pool and the runtime that drives it.
pub(crate) struct Pg {
    pub pool: Pool,
    rt: Option<tokio::runtime::Runtime>,
    /// `postgres://user@host:port/db`, never with the password.
    pub location: String,
    /// How to connect again, for the listening connection.
    cfg: tokio_postgres::Config,
    tls: tokio_postgres_rustls::MakeRustlsConnect,
    /// What the database tells the servers on it, once someone asked to hear it.
    notices: std::sync::OnceLock<tokio::sync::broadcast::Sender<Notice>>,
}

/// The channel on which a change of a run (results stored, its status) is announced, with the
/// run's id as the payload.
pub const RUNS_CHANNEL: &str = "wirescope_runs";

/// What the database told the servers listening on it (LISTEN/NOTIFY).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// A run changed: results were stored, or its status.
    Run(i64),
    /// The listening connection was (re)made: whatever happened while it was away was not
    /// heard, so a follower looks again.
    Gap,
}

impl std::fmt::Debug for Pg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pg")
            .field("location", &self.location)
            .finish()
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        // Dropping a runtime blocks, which is refused on an async thread: let it go behind.
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

/// Whether a database location names PostgreSQL rather than a SQLite file.
pub fn is_url(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

/// The location of a PostgreSQL database as shown to people: no password, no options.
fn describe(cfg: &tokio_postgres::Config) -> String {
    let user = cfg.get_user().unwrap_or("");
    let ports = cfg.get_ports();
    let (mut tcp, mut unix) = (Vec::new(), Vec::new());
    for (i, h) in cfg.get_hosts().iter().enumerate() {
        let port = ports.get(i).or(ports.first()).copied().unwrap_or(5432);
        match h {
            tokio_postgres::config::Host::Tcp(name) => tcp.push(format!("{name}:{port}")),
            tokio_postgres::config::Host::Unix(path) => unix.push(path.display().to_string()),
        }
    }
    let db = cfg.get_dbname().unwrap_or(user);
    let mut s = format!("postgres://{user}@{}/{db}", tcp.join(","));
    if !unix.is_empty() {
        s.push_str(&format!("?host={}", unix.join(",")));
    }
    s
}

fn tls(ca: Option<&Path>) -> Result<tokio_postgres_rustls::MakeRustlsConnect, StoreError> {
    let mut roots = rustls::RootCertStore::empty();
    let files: Vec<&Path> = match ca {
        Some(ca) => vec![ca],
        None => SYSTEM_CAS
            .iter()
            .map(Path::new)
            .filter(|p| p.exists())
            .take(1)
            .collect(),
    };
    for file in files {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(file)
            .and_then(|it| it.collect::<Result<_, _>>())
            .map_err(|e| StoreError::Connect {
                location: file.display().to_string(),
                message: format!("cannot read the CA bundle: {e}"),
            })?;
        if certs.is_empty() && ca.is_some() {
            return Err(StoreError::Connect {
                location: file.display().to_string(),
                message: "the CA bundle holds no certificate".into(),
            });
        }
        roots.add_parsable_certificates(certs);
    }
    let config = rustls::ClientConfig::builder_with_provider(
        rustls::crypto::ring::default_provider().into(),
    )
    .with_safe_default_protocol_versions()
    .map_err(|e| StoreError::Connect {
        location: "TLS".into(),
        message: e.to_string(),
    })?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

/// The error of a PostgreSQL call, in words: the server's message and its SQLSTATE, or what
/// stopped the client talking to it.
pub(crate) fn describe_error(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut s = format!(
            "{}: {} (SQLSTATE {})",
            db.severity(),
            db.message(),
            db.code().code()
        );
        if let Some(detail) = db.detail() {
            s.push_str(&format!("; {detail}"));
        }
        return s;
    }
    let mut s = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        s.push_str(&format!(": {inner}"));
        source = inner.source();
    }
    s
}

/// A pool error in words, with the causes that say what actually happened.
fn pool_error(e: &deadpool_postgres::PoolError) -> String {
    match e {
        deadpool_postgres::PoolError::Backend(e) => describe_error(e),
        other => other.to_string(),
    }
}

impl Pg {
    /// Connects (checking the server answers), applies the schema's migrations and registers
    /// this process as an instance.
    pub fn connect(url: &str, ca: Option<&Path>, instance: &str) -> Result<Pg, StoreError> {
        let mut cfg = tokio_postgres::Config::from_str(url).map_err(|e| StoreError::Connect {
            location: "the database URL".into(),
            message: format!("{e} (expected postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=require&host=/socket/dir])"),
        })?;
        if cfg.get_connect_timeout().is_none() {
            cfg.connect_timeout(Duration::from_secs(10));
        }
        if cfg.get_application_name().is_none() {
            cfg.application_name("wirescope");
        }
        let location = describe(&cfg);
        let tls = tls(ca)?;
        let manager = Manager::from_config(
            cfg.clone(),
            tls.clone(),
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(Duration::from_secs(30)))
            .create_timeout(Some(Duration::from_secs(15)))
            .recycle_timeout(Some(Duration::from_secs(5)))
            .build()
            .map_err(|e| StoreError::Connect {
                location: location.clone(),
                message: e.to_string(),
            })?;
        // Made last: a runtime dropped on an async thread panics, and from here on `Pg`'s
        // Drop lets it go behind.
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("wirescope-pg")
            .enable_all()
            .build()
            .map_err(|e| StoreError::Connect {
                location: location.clone(),
                message: format!("cannot start the database runtime: {e}"),
            })?;
        let pg = Pg {
            pool,
            rt: Some(rt),
            location,
            cfg,
            tls,
            notices: std::sync::OnceLock::new(),
        };
        pg.migrate()?;
        pg.register(instance)?;
        Ok(pg)
    }

    pub fn handle(&self) -> &tokio::runtime::Handle {
        self.rt
            .as_ref()
            .map(tokio::runtime::Runtime::handle)
            .expect("the runtime lives as long as the pool")
    }

    /// A client from the pool.
    pub fn client(&self) -> Result<deadpool_postgres::Client, StoreError> {
        crate::sql::block_on(self.handle(), self.pool.get()).map_err(|e| StoreError::Connect {
            location: self.location.clone(),
            message: pool_error(&e),
        })
    }

    /// Runs `f` with a client, outside a transaction.
    pub fn with<T>(
        &self,
        f: impl FnOnce(Db<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let client = self.client()?;
        f(Db::Pg {
            rt: self.handle(),
            c: PgRef::Client(&client),
        })
    }

    /// Runs `f` in a transaction, committed when it returns Ok, rolled back otherwise.
    pub fn transaction<T>(
        &self,
        f: impl FnOnce(Db<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut client = self.client()?;
        let rt = self.handle();
        let tx = crate::sql::block_on(rt, client.transaction())?;
        let out = f(Db::Pg {
            rt,
            c: PgRef::Tx(&tx),
        })?;
        crate::sql::block_on(rt, tx.commit())?;
        Ok(out)
    }

    /// Hears what the database announces, on a connection of its own that comes back after a
    /// loss (then a `Gap`); started by the first caller.
    pub fn notices(&self) -> tokio::sync::broadcast::Receiver<Notice> {
        self.notices
            .get_or_init(|| {
                let (sender, _) = tokio::sync::broadcast::channel(4096);
                self.handle()
                    .spawn(listen(self.cfg.clone(), self.tls.clone(), sender.clone()));
                sender
            })
            .subscribe()
    }

    fn migrate(&self) -> Result<(), StoreError> {
        let migrations = crate::schema::POSTGRES;
        self.transaction(|db| {
            db.query_row(
                "SELECT pg_advisory_xact_lock(?1)::text",
                crate::sql::params![MIGRATION_LOCK],
                |_| Ok(()),
            )?;
            db.execute_batch(
                "CREATE TABLE IF NOT EXISTS wirescope_schema (version BIGINT NOT NULL)",
            )?;
            let version: Option<i64> = crate::sql::Optional::optional(db.query_row(
                "SELECT version FROM wirescope_schema",
                crate::sql::params![],
                |r| r.get(0),
            ))?;
            let version = match version {
                Some(v) => v,
                None => {
                    db.execute(
                        "INSERT INTO wirescope_schema (version) VALUES (0)",
                        crate::sql::params![],
                    )?;
                    0
                }
            };
            if version > migrations.len() as i64 {
                return Err(StoreError::Newer {
                    location: self.location.clone(),
                    found: version,
                    known: migrations.len() as i64,
                });
            }
            for sql in migrations.iter().skip(version as usize) {
                db.execute_batch(sql)?;
            }
            db.execute(
                "UPDATE wirescope_schema SET version = ?1",
                crate::sql::params![migrations.len() as i64],
            )?;
            Ok(())
        })
    }

    /// Records this process in the instances table and keeps its row fresh while it lives.
    fn register(&self, id: &str) -> Result<(), StoreError> {
        let host = hostname();
        self.with(|db| {
            db.execute(
                "INSERT INTO instances (id, host, pid, version, started_at, seen_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                crate::sql::params![
                    id,
                    host,
                    i64::from(std::process::id()),
                    env!("CARGO_PKG_VERSION"),
                    now_ms()
                ],
            )
        })?;
        let pool = self.pool.clone();
        let id = id.to_string();
        self.handle().spawn(async move {
            let mut tick = tokio::time::interval(HEARTBEAT);
            loop {
                tick.tick().await;
                // A database that is away now is tried again at the next beat.
                let Ok(c) = pool.get().await else { continue };
                let _ = c
                    .execute(
                        "INSERT INTO instances (id, host, pid, version, started_at, seen_at)
                         VALUES ($1, $2, $3, $4, $5, $5)
                         ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at",
                        &[
                            &id,
                            &host,
                            &i64::from(std::process::id()),
                            &env!("CARGO_PKG_VERSION"),
                            &now_ms(),
                        ],
                    )
                    .await;
            }
        });
        Ok(())
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default()
}

/// The listening connection: LISTEN on [`RUNS_CHANNEL`], each notification passed on, made again
/// with a growing pause (200 ms to 10 s) whenever it is lost.
async fn listen(
    cfg: tokio_postgres::Config,
    tls: tokio_postgres_rustls::MakeRustlsConnect,
    sender: tokio::sync::broadcast::Sender<Notice>,
) {
    let mut pause = Duration::from_millis(200);
    loop {
        if let Ok((client, mut conn)) = cfg.connect(tls.clone()).await {
            let heard = sender.clone();
            let driver = tokio::spawn(async move {
                while let Some(message) = futures::future::poll_fn(|cx| conn.poll_message(cx)).await
                {
                    match message {
                        Ok(tokio_postgres::AsyncMessage::Notification(n)) => {
                            if let Ok(id) = n.payload().parse() {
                                let _ = heard.send(Notice::Run(id));
                            }
                        }
                        Ok(_) => {}
                        Err(_) => break,
                    }
                }
            });
            if client
                .batch_execute(&format!("LISTEN {RUNS_CHANNEL}"))
                .await
                .is_ok()
            {
                pause = Duration::from_millis(200);
                let _ = sender.send(Notice::Gap);
                let _ = driver.await;
            } else {
                driver.abort();
            }
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(10));
    }
}
