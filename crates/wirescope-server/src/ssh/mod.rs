//! SSH in the dashboard: the terminal WebSocket (`terminal`), open terminals shared read-only
//! (`live`, `watch`), the recordings of their sessions (`recordings`), the server's known
//! host keys (`host_keys`), and the configuration versions backups keep (`configs`).

mod configs;
mod host_keys;
pub mod live;
mod messages;
mod recordings;
mod terminal;
mod watch;

use crate::AppState;
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use messages::{TerminalEvent, TerminalRequest};

/// A terminal WebSocket's upgrade from a page of another origin: refused (403).
fn foreign(state: &AppState, headers: &axum::http::HeaderMap) -> Option<axum::response::Response> {
    use axum::response::IntoResponse;
    (!crate::ws::same_origin(headers, state.config.tls.is_some())).then(|| {
        crate::error::ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "WebSocket from a foreign origin refused",
        )
        .into_response()
    })
}

pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(terminal::upgrade))
        .routes(routes!(watch::terminals))
        .routes(routes!(watch::watch))
        .routes(routes!(host_keys::known_hosts))
        .routes(routes!(host_keys::forget_host))
        .routes(routes!(recordings::recordings))
        .routes(routes!(recordings::recording, recordings::delete_recording))
        .routes(routes!(recordings::recording_cast))
        .routes(routes!(configs::devices))
        .routes(routes!(configs::versions))
        .routes(routes!(configs::version))
}
