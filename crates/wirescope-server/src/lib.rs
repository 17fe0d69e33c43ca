//! The dashboard server: a thin axum layer over the probe engine and the run store. REST for
//! runs, a WebSocket that streams results live, the OpenAPI document, and the embedded UI.

// The OpenAPI document is one json! literal, deeper than the default macro recursion limit.
#![recursion_limit = "512"]

mod api;
mod assets;
mod compare;
mod creds;
mod error;
mod export;
mod openapi;
mod runs;
mod ssh;
mod topology;
mod traffic;
mod ws;

pub use error::ApiError;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use wirescope_store::Store;

/// How the server runs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    pub db: PathBuf,
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
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 7878)),
            db: wirescope_store::default_path(),
            token: None,
            max_runs: 4,
            max_targets: wirescope_probe::targets::DEFAULT_MAX_TARGETS,
            body_limit: 4 << 20,
            ssh_idle_timeout: std::time::Duration::from_secs(15 * 60),
        }
    }
}

/// What the handlers share.
#[derive(Debug)]
pub struct AppState {
    pub store: Arc<Store>,
    pub runs: Arc<runs::Manager>,
    pub captures: traffic::Captures,
    pub config: ServerConfig,
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
}

/// Builds the application router over an opened store.
pub fn app(store: Arc<Store>, config: ServerConfig) -> Router {
    let state = Arc::new(AppState {
        runs: Arc::new(runs::Manager::new(store.clone(), config.max_runs)),
        store,
        captures: traffic::Captures::default(),
        config,
    });
    let limited = api::routes()
        .merge(traffic::routes())
        .merge(ssh::routes())
        .route("/ws", get(ws::upgrade))
        .route("/openapi.json", get(openapi::document))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            state.config.body_limit,
        ));
    let uploads = traffic::upload_routes().layer(tower_http::limit::RequestBodyLimitLayer::new(
        traffic::MAX_UPLOAD,
    ));
    let api = limited
        .merge(uploads)
        .layer(middleware::from_fn_with_state(state.clone(), require_token))
        .layer(middleware::from_fn_with_state(state.clone(), guard_origin));
    Router::new()
        .nest("/api", api)
        .fallback(assets::serve)
        .with_state(state)
}

/// Opens the store, binds and serves until Ctrl-C. `ready` gets the bound address.
pub async fn serve(config: ServerConfig, ready: impl FnOnce(SocketAddr)) -> Result<(), ServeError> {
    if !config.listen.ip().is_loopback() && config.token.is_none() {
        return Err(ServeError::TokenRequired(config.listen));
    }
    let store = Arc::new(Store::open(&config.db)?);
    // Terminals open when the last server died are over.
    store.mark_interrupted_recordings()?;
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
    ready(addr);
    let app = app(store, config);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
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
    if !ws::same_origin(headers) {
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

/// Whether a Host header names this machine's loopback or the address the server listens on.
fn host_is_local(host: &str, listen: SocketAddr) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split_once(']').map_or("", |(h, _)| h)
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    if name.eq_ignore_ascii_case("localhost") {
        return true;
    }
    name.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback() || ip == listen.ip())
}

/// Checks the access token (header `Authorization: Bearer T` or query `token=T`) when one is set.
async fn require_token(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let Some(expected) = state.config.token.as_deref() else {
        return next.run(req).await;
    };
    if token_of(req.headers(), req.uri().query())
        .is_some_and(|t| constant_time_eq(t.as_bytes(), expected.as_bytes()))
    {
        return next.run(req).await;
    }
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "access token required (Authorization: Bearer TOKEN, or ?token=TOKEN)",
    )
    .into_response()
}

fn token_of<'a>(headers: &'a HeaderMap, query: Option<&'a str>) -> Option<&'a str> {
    if let Some(t) = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        return Some(t.trim());
    }
    query?.split('&').find_map(|kv| kv.strip_prefix("token="))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A fresh random access token (32 hex characters).
pub fn generate_token() -> String {
    (0..16)
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
        assert_eq!(token_of(&h, Some("a=1&token=abc")), Some("abc"));
        h.insert(
            axum::http::header::AUTHORIZATION,
            "Bearer xyz".parse().unwrap(),
        );
        assert_eq!(token_of(&h, None), Some("xyz"));
        assert_eq!(token_of(&HeaderMap::new(), Some("tokens=1")), None);
        assert!(
            constant_time_eq(b"abc", b"abc")
                && !constant_time_eq(b"abc", b"abd")
                && !constant_time_eq(b"a", b"ab")
        );
        assert_eq!(generate_token().len(), 32);
    }
}
