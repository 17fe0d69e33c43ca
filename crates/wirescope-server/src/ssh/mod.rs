//! SSH in the dashboard: the terminal WebSocket (`terminal`), the recordings of its sessions
//! (`recordings`), and the server's known host keys (`host_keys`).

mod host_keys;
mod messages;
mod recordings;
mod terminal;

use crate::AppState;
use std::sync::Arc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use messages::{TerminalEvent, TerminalRequest};

pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(terminal::upgrade))
        .routes(routes!(host_keys::known_hosts))
        .routes(routes!(host_keys::forget_host))
        .routes(routes!(recordings::recordings))
        .routes(routes!(recordings::recording, recordings::delete_recording))
        .routes(routes!(recordings::recording_cast))
}
