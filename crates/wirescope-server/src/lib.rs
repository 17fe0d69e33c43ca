//! The dashboard server: a thin axum layer over the probe engine and the run store. REST for
//! runs, a WebSocket that streams results live, the OpenAPI document, and the embedded UI.

pub mod agents;
mod alerts;
mod anon;
mod api;
mod assets;
mod audit;
mod auth;
mod conn;
mod creds;
mod diagnostics;
mod error;
pub mod host;
mod metrics;
pub mod oidc;
pub mod openapi;
mod relay;
mod reports;
mod ssh;
mod suites;
mod tls;
mod topology;
pub mod traffic;
pub mod traps;
pub mod ws;

pub use auth::check_name as check_user_name;
pub use error::ApiError;
pub use tls::{TlsInfo, TlsSource};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wirescope_store::{Location, Store};

/// How the server runs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// Where the history lives: a SQLite file, or a team's PostgreSQL.
    pub db: Location,
    /// The directory of the server's own files: uploads in progress, the self-signed TLS
    /// certificate, the trap engine's state. Beside a SQLite file by default.
    pub files: PathBuf,
    /// Access token required on every API and WebSocket request (required off loopback).
    pub token: Option<String>,
    /// Runs allowed in progress at once; past it, 429.
    pub max_runs: usize,
    /// Largest target expansion one run may have.
    pub max_targets: u64,
    /// Largest request body, in bytes.
    pub body_limit: usize,
    /// A terminal session with neither input nor output for this long is closed.
    pub ssh_idle_timeout: std::time::Duration,
    /// Connections open at once (WebSockets included); past it, new ones are closed at once.
    pub max_connections: usize,
    /// A request's headers must arrive within this.
    pub header_timeout: std::time::Duration,
    /// A kept-alive connection with nothing in progress is closed after this long.
    pub idle_timeout: std::time::Duration,
    /// Memory all capture sessions together may hold (rings, kernel buffers, statistics).
    pub capture_memory: usize,
    /// Live captures running at once.
    pub max_captures: usize,
    /// Capture file uploads in progress at once.
    pub max_uploads: usize,
    /// What is kept of captures in the history: files' size and age, how they rotate.
    pub capture_keep: traffic::KeepConfig,
    /// How long suites' trends are kept.
    pub retention: wirescope_watch::Retention,
    /// The wait before a failed delivery's first retry.
    pub notify_retry: std::time::Duration,
    /// The trap receiver `serve` was told to run (else the stored setting decides).
    pub traps: traps::TrapFlags,
    /// How long received traps are kept.
    pub trap_retention: std::time::Duration,
    /// Diagnostics bundles collected when alerts fire kept with their zip, the newest (0: none
    /// are collected).
    pub diagnostics_keep: usize,
    /// How much of each running capture a diagnostics bundle takes: the last this long.
    pub diagnostics_capture: std::time::Duration,
    /// Serve HTTPS, with this certificate.
    pub tls: Option<tls::TlsSource>,
    /// A signed-in session unused for this long ends.
    pub session_idle: std::time::Duration,
    /// A session ends this long after sign-in, used or not.
    pub session_max: std::time::Duration,
    /// The one-time code that creates the first admin (`serve` makes one while there are no
    /// users, and prints the link).
    pub setup: Option<String>,
    /// Single sign-on with an OpenID Connect provider.
    pub oidc: Option<oidc::OidcConfig>,
    /// How long the audit trail keeps a row.
    pub audit_retention: std::time::Duration,
    /// How long a remote agent holds a job without a word before it is taken back.
    pub agent_lease: std::time::Duration,
    /// The key of anonymised downloads; `None`: `anon.key` in `files`, made on first use.
    pub anon_key: Option<PathBuf>,
}

/// The shortest access token accepted.
pub const MIN_TOKEN_LEN: usize = 16;

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 7878)),
            db: Location::Sqlite(wirescope_store::default_path()),
            files: wirescope_store::default_files(),
            token: None,
            max_runs: 4,
            max_targets: wirescope_probe::targets::DEFAULT_MAX_TARGETS,
            body_limit: 4 << 20,
            ssh_idle_timeout: std::time::Duration::from_secs(15 * 60),
            max_connections: 512,
            header_timeout: std::time::Duration::from_secs(10),
            idle_timeout: std::time::Duration::from_secs(60),
            capture_memory: 1 << 30,
            max_captures: 4,
            max_uploads: 2,
            capture_keep: traffic::KeepConfig::default(),
            retention: wirescope_watch::Retention::default(),
            notify_retry: std::time::Duration::from_secs(10),
            traps: traps::TrapFlags::default(),
            trap_retention: std::time::Duration::from_secs(30 * 86_400),
            diagnostics_keep: 100,
            diagnostics_capture: std::time::Duration::from_secs(60),
            tls: None,
            session_idle: std::time::Duration::from_secs(12 * 3600),
            session_max: std::time::Duration::from_secs(7 * 86_400),
            setup: None,
            oidc: None,
            audit_retention: std::time::Duration::from_secs(400 * 86_400),
            agent_lease: std::time::Duration::from_secs(60),
            anon_key: None,
        }
    }
}

/// What the handlers share.
#[derive(Debug)]
pub struct AppState {
    pub store: Arc<Store>,
    pub runs: Arc<wirescope_runs::Manager>,
    /// Fires the suites on their schedules and on demand.
    pub scheduler: Arc<wirescope_watch::Scheduler>,
    /// Delivers alert events to their channels; `None` when its HTTP client could not start.
    pub notifier: Option<Arc<wirescope_watch::notify::Notifier>>,
    pub captures: traffic::Captures,
    /// The SNMP trap receiver and its history.
    pub traps: Arc<traps::Traps>,
    pub config: ServerConfig,
    /// Reports being typeset (`reports::MAX_REPORTS` at once).
    pub reports: Arc<tokio::sync::Semaphore>,
    /// The OpenAPI document, serialized once.
    pub openapi: String,
    /// The first admin's setup code and recent failed sign-ins.
    pub logins: auth::Logins,
    /// The open terminals, and who watches the shared ones.
    pub terminals: ssh::live::Hub,
    /// Single sign-on, when set up.
    pub sso: Option<oidc::Sso>,
    /// The runs followed here that another process makes.
    pub relays: Arc<relay::Relays>,
    /// What `GET /api/metrics` gives Prometheus.
    pub metrics: Arc<metrics::Metrics>,
    /// Samples of the machine the server runs on.
    pub host: Arc<host::Host>,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Store(#[from] wirescope_store::StoreError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("listening on {0}, which is not loopback, needs an access token (--token)")]
    TokenRequired(SocketAddr),
    #[error("{0}")]
    BadToken(String),
    #[error("traps: {0}")]
    Traps(String),
    #[error("TLS: {0}")]
    Tls(#[from] tls::TlsError),
    #[error("single sign-on: {0}")]
    Oidc(String),
}

/// Checks an access token: at least `MIN_TOKEN_LEN` characters, printable ASCII without spaces
/// (so it survives headers, URLs and shells unchanged).
pub fn check_token(token: &str) -> Result<(), TokenError> {
    check_token_text(token).map_err(TokenError)
}

/// Why an access token is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TokenError(pub String);

impl From<TokenError> for String {
    fn from(e: TokenError) -> String {
        e.0
    }
}

fn check_token_text(token: &str) -> Result<(), String> {
    if token.len() < MIN_TOKEN_LEN {
        return Err(format!(
            "an access token needs at least {MIN_TOKEN_LEN} characters (this one has {}); \
             leave --token out on loopback, or let serve generate one",
            token.chars().count()
        ));
    }
    if let Some(c) = token.chars().find(|c| !c.is_ascii_graphic()) {
        return Err(format!(
            "an access token is printable ASCII without spaces ('{}' is not)",
            c.escape_debug()
        ));
    }
    Ok(())
}

/// Builds the application router over an opened store.
pub fn app(store: Arc<Store>, config: ServerConfig, traps: Arc<traps::Traps>) -> Router {
    let runs = Arc::new(wirescope_runs::Manager::new(store.clone(), config.max_runs));
    let metrics = Arc::new(metrics::Metrics::new(store.clone()));
    runs.observe(metrics.clone());
    let scheduler = Arc::new(wirescope_watch::Scheduler::new(
        store.clone(),
        runs.clone(),
        creds::prepare(),
        config.max_targets,
        config.retention,
    ));
    tokio::spawn(scheduler.clone().run());
    let notifier = match wirescope_watch::notify::Notifier::new(
        store.clone(),
        alerts::secret_lookup(),
        config.notify_retry,
    ) {
        Ok(n) => {
            let n = Arc::new(n);
            tokio::spawn(n.clone().run());
            let (wake, mut events) = (n.clone(), scheduler.events());
            tokio::spawn(async move {
                while !matches!(
                    events.recv().await,
                    Err(tokio::sync::broadcast::error::RecvError::Closed)
                ) {
                    wake.wake();
                }
            });
            Some(n)
        }
        Err(e) => {
            eprintln!("wirescope: alerts are kept but not delivered: {e}");
            None
        }
    };
    traps.attach(traps::rules::Actions {
        runs: runs.clone(),
        scheduler: scheduler.clone(),
        notifier: notifier.clone(),
    });
    let config_setup = config.setup.clone();
    // `serve` checked the setup: what can still fail here is the HTTP client, said on stderr.
    let sso = config.oidc.clone().and_then(|c| {
        oidc::Sso::new(c)
            .map_err(|e| eprintln!("wirescope: single sign-on is off: {e}"))
            .ok()
    });
    let state = Arc::new(AppState {
        runs,
        scheduler,
        notifier,
        store,
        captures: traffic::Captures::new(
            config.capture_memory,
            config.max_captures,
            config.max_uploads,
            config.capture_keep.clone(),
        ),
        traps,
        config,
        reports: Arc::new(tokio::sync::Semaphore::new(reports::MAX_REPORTS)),
        openapi: openapi::document().to_pretty_json().unwrap_or_default(),
        logins: auth::Logins::with_setup(config_setup),
        terminals: ssh::live::Hub::default(),
        sso,
        relays: Arc::default(),
        metrics,
        host: Arc::default(),
    });
    metrics::spawn_alert_counter(&state);
    host::spawn(&state);
    traffic::spawn_sweeper(&state);
    diagnostics::spawn(state.clone());
    agents::spawn_reaper(&state);
    ssh::live::spawn_publisher(&state);
    let (api, _) = api_routes(state.config.body_limit).split_for_parts();
    let api = api
        .fallback(no_route)
        .layer(middleware::from_fn(require_json))
        .layer(middleware::from_fn_with_state(state.clone(), audit::trail))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::authorize,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), guard_origin))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            errors_as_json,
        ));
    Router::new()
        .nest("/api", api)
        .fallback(assets::serve)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security_headers,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::count_requests,
        ))
        .with_state(state)
}

/// Every API route, under `/api`'s prefix, with its part of the OpenAPI document. Bodies are
/// capped at `body_limit`, but for capture uploads (streamed to a file, up to 512 MiB).
pub(crate) fn api_routes(body_limit: usize) -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .merge(api::routes())
        .merge(auth::routes())
        .merge(oidc::routes())
        .merge(audit::routes())
        .merge(reports::routes())
        .merge(suites::routes())
        .merge(alerts::routes())
        .merge(diagnostics::routes())
        .merge(traps::routes())
        .merge(traffic::routes())
        .merge(ssh::routes())
        .merge(agents::routes())
        .routes(routes!(ws::upgrade))
        .routes(routes!(openapi::serve))
        .routes(routes!(metrics::serve))
        .routes(routes!(host::show))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(body_limit))
        .merge(traffic::upload_routes())
}

async fn no_route() -> ApiError {
    ApiError::not_found("route")
}

/// Every API error is JSON `{"error", "field"}`, also those axum and the body limit answer in
/// plain text (413, a path that does not decode): their text becomes the error. Pages meant for
/// a browser (single sign-on's refusals) stay HTML.
async fn errors_as_json(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    let kept = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with("text/html"));
    if !(status.is_client_error() || status.is_server_error()) || kept {
        return res;
    }
    let text = match axum::body::to_bytes(res.into_body(), 64 << 10).await {
        Ok(b) => String::from_utf8_lossy(&b).trim().to_string(),
        Err(_) => String::new(),
    };
    let error = match status {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError {
            status,
            error: format!(
                "the request body is larger than this route accepts ({} bytes; capture \
                 uploads {} bytes)",
                state.config.body_limit,
                traffic::MAX_UPLOAD
            ),
            field: Some("body".into()),
        },
        _ if text.is_empty() => ApiError::new(
            status,
            status.canonical_reason().unwrap_or("request failed"),
        ),
        _ => ApiError::new(status, text),
    };
    error.into_response()
}

/// A body sent with POST, PUT or PATCH must say it is JSON (capture uploads excepted): a form
/// a page elsewhere could post without asking is never taken as one.
async fn require_json(req: Request, next: Next) -> Response {
    let writes = matches!(
        *req.method(),
        axum::http::Method::POST | axum::http::Method::PUT | axum::http::Method::PATCH
    );
    let upload = req.uri().path().ends_with("/captures/upload");
    let json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if writes && !upload && !json && !body_is_empty(&req) {
        return ApiError {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            error: "send the body as JSON (Content-Type: application/json)".into(),
            field: Some("content-type".into()),
        }
        .into_response();
    }
    next.run(req).await
}

/// Whether a request says it has no body (no length and no chunked transfer).
fn body_is_empty(req: &Request) -> bool {
    let length = req.headers().get(header::CONTENT_LENGTH);
    let chunked = req.headers().get(header::TRANSFER_ENCODING).is_some();
    !chunked && length.is_none_or(|v| v.to_str().is_ok_and(|v| v.trim() == "0"))
}

/// Headers that keep the dashboard out of frames (click-jacking a host-key accept or a delete)
/// and limit what its pages may load and where they may connect.
async fn security_headers(
    State(state): State<Arc<AppState>>,
    req: Request,
    next: Next,
) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| parse_host(h).is_some())
        .map(str::to_string);
    let mut res = next.run(req).await;
    let connect = host.map_or_else(String::new, |h| format!(" ws://{h} wss://{h}"));
    let csp = format!(
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'{connect}; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    );
    let h = res.headers_mut();
    let set = |h: &mut HeaderMap, name: header::HeaderName, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(name, v);
        }
    };
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::CONTENT_SECURITY_POLICY, &csp);
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    if state.config.tls.is_some() {
        // Browsers that saw it once come back over HTTPS only (a year; not the subdomains:
        // the dashboard cannot speak for its neighbours).
        set(h, header::STRICT_TRANSPORT_SECURITY, "max-age=31536000");
    }
    res
}

/// What `serve` tells its caller once it listens.
#[derive(Debug)]
pub struct Ready<'a> {
    pub addr: SocketAddr,
    /// The certificate's fingerprint and file, when serving HTTPS.
    pub tls: Option<&'a TlsInfo>,
    /// The one-time code that creates the first admin (the server has no users yet).
    pub setup: Option<&'a str>,
}

/// Opens the store, binds and serves until Ctrl-C. `ready` is told where it listens.
pub async fn serve(
    mut config: ServerConfig,
    ready: impl FnOnce(Ready<'_>),
) -> Result<(), ServeError> {
    if !config.listen.ip().is_loopback() && config.token.is_none() {
        return Err(ServeError::TokenRequired(config.listen));
    }
    if let Some(t) = &config.token {
        check_token(t).map_err(|e| ServeError::BadToken(e.into()))?;
    }
    if let Some(o) = &config.oidc {
        oidc::Sso::new(o.clone()).map_err(ServeError::Oidc)?;
    }
    let location = config.db.clone();
    let store = tokio::task::spawn_blocking(move || Store::connect(&location))
        .await
        .map_err(|e| wirescope_store::StoreError::Connect {
            location: config.db.to_string(),
            message: format!("opening it stopped: {e}"),
        })??;
    let store = Arc::new(store);
    // Terminals open when the last server died are over; its half-written uploads are junk.
    store.mark_interrupted_recordings()?;
    traffic::clean_uploads(&traffic::upload_dir(&config.files));
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServeError::Listen {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ServeError::Listen {
        addr: config.listen,
        source,
    })?;
    let tls = config
        .tls
        .as_ref()
        .map(|source| tls::acceptor(source, &config.files, addr))
        .transpose()?;
    if store.user_count()? == 0 {
        config.setup = Some(random_hex(16));
    }
    ready(Ready {
        addr,
        tls: tls.as_ref().map(|(_, info)| info),
        setup: config.setup.as_deref(),
    });
    // Runs of a CLI --save or another server that died while this one runs are marked once
    // their owner is gone.
    let sweeper = store.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(30));
        loop {
            tick.tick().await;
            let s = sweeper.clone();
            let _ = tokio::task::spawn_blocking(move || s.sweep_orphans()).await;
        }
    });
    tokio::spawn(audit::retain(store.clone(), config.audit_retention));
    let limits = conn::Limits {
        max_connections: config.max_connections.max(1),
        header_timeout: config.header_timeout,
        idle_timeout: config.idle_timeout,
    };
    let traps = traps::Traps::new(
        store.clone(),
        config.traps.clone(),
        &config.files,
        config.trap_retention,
    );
    traps.start().await.map_err(ServeError::Traps)?;
    tokio::spawn(traps.clone().prune());
    let app = app(store, config, traps);
    conn::serve(listener, app, limits, tls.map(|(a, _)| a), async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .map_err(|source| ServeError::Listen { addr, source })
}

/// Refuses what a web page elsewhere could make a browser send: any request whose Origin is not
/// this server (cross-site request forgery: a page posting an ssh run to 127.0.0.1), and,
/// without an access token, any Host that is not a loopback name or the listen address (DNS
/// rebinding: a name of the attacker's that resolves to 127.0.0.1 makes the Origin match).
async fn guard_origin(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let headers = req.headers();
    if !ws::same_origin(headers, state.config.tls.is_some()) {
        return ApiError::new(StatusCode::FORBIDDEN, "cross-origin request refused")
            .into_response();
    }
    if state.config.token.is_none() {
        let host = headers
            .get(axum::http::header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !host_is_local(host, state.config.listen) {
            return ApiError::new(
                StatusCode::FORBIDDEN,
                format!(
                    "Host '{host}' refused: without an access token the server answers only to \
                     localhost, loopback addresses and its listen address"
                ),
            )
            .into_response();
        }
    }
    next.run(req).await
}

/// A Host header split into its name and port: `NAME`, `NAME:PORT`, `[V6]` or `[V6]:PORT`, where
/// the port is digits; anything else (`localhost:x@evil`, `[::1]evil`) is not a host.
fn parse_host(host: &str) -> Option<(&str, Option<u16>)> {
    let (name, port) = if let Some(rest) = host.strip_prefix('[') {
        let (name, after) = rest.split_once(']')?;
        name.parse::<std::net::Ipv6Addr>().ok()?;
        match after {
            "" => (name, None),
            p => (name, Some(p.strip_prefix(':')?)),
        }
    } else {
        match host.split_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        }
    };
    let name_ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'));
    let port = match port {
        None => None,
        Some(p) if !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) => {
            Some(p.parse::<u16>().ok()?)
        }
        Some(_) => return None,
    };
    name_ok.then_some((name, port))
}

/// Whether a Host header names this machine's loopback or the address the server listens on.
fn host_is_local(host: &str, listen: SocketAddr) -> bool {
    let Some((name, _)) = parse_host(host) else {
        return false;
    };
    if name.eq_ignore_ascii_case("localhost") {
        return true;
    }
    name.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback() || ip == listen.ip())
}

/// Checks the access token (header `Authorization: Bearer T` or query `token=T`) when one is set.
/// The token a request carries: `Authorization: Bearer T`, or `token=T` in the query
/// (percent-decoded, as a browser encodes it).
pub(crate) fn token_of(headers: &HeaderMap, query: Option<&str>) -> Option<String> {
    if let Some(t) = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        return Some(t.trim().to_string());
    }
    form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())
}

pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A fresh random access token (32 hex characters).
pub fn generate_token() -> String {
    random_hex(16)
}

/// `bytes` random bytes as lower-case hex (tokens, setup codes, session ids).
pub(crate) fn random_hex(bytes: usize) -> String {
    (0..bytes)
        .map(|_| format!("{:02x}", rand::random::<u8>()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_hosts_without_a_token() {
        let listen = SocketAddr::from(([127, 0, 0, 1], 7878));
        for ok in [
            "127.0.0.1:7878",
            "localhost:7878",
            "LOCALHOST",
            "[::1]:7878",
            "127.1.2.3",
        ] {
            assert!(host_is_local(ok, listen), "{ok}");
        }
        for bad in [
            "attacker.example:7878",
            "127.0.0.1.nip.io:7878",
            "",
            "[::1",
            "10.0.0.1:7878",
            "localhost:x@evil",
            "localhost:7878@evil",
            "[::1]evil",
            "[::1]:7878x",
            "localhost:",
            "localhost:99999",
            "local host",
        ] {
            assert!(!host_is_local(bad, listen), "{bad}");
        }
        assert!(host_is_local(
            "198.18.0.10:7878",
            SocketAddr::from(([198, 18, 0, 10], 7878))
        ));
    }

    #[test]
    fn token_from_header_or_query() {
        let mut h = HeaderMap::new();
        assert_eq!(token_of(&h, Some("a=1&token=abc")).as_deref(), Some("abc"));
        assert_eq!(
            token_of(&h, Some("token=a%2Fb%26c%3D%25")).as_deref(),
            Some("a/b&c=%")
        );
        h.insert(
            axum::http::header::AUTHORIZATION,
            "Bearer xyz".parse().unwrap(),
        );
        assert_eq!(token_of(&h, None).as_deref(), Some("xyz"));
        assert_eq!(token_of(&HeaderMap::new(), Some("tokens=1")), None);
        assert!(check_token("").is_err());
        assert!(check_token("short").is_err());
        assert!(check_token("sixteen chars ok").is_err(), "a space");
        assert!(check_token("0123456789abcdef").is_ok());
        assert!(check_token(&generate_token()).is_ok());
        assert!(
            constant_time_eq(b"abc", b"abc")
                && !constant_time_eq(b"abc", b"abd")
                && !constant_time_eq(b"a", b"ab")
        );
        assert_eq!(generate_token().len(), 32);
    }
}
