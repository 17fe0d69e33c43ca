//! The terminal WebSocket's messages: what the browser sends (`TerminalRequest`, first `open`
//! with an `OpenRequest`) and what the server answers (`TerminalEvent`), as the API document
//! describes them; binary frames carry the terminal's bytes both ways.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What the browser sends on /api/ssh/terminal as text (keystrokes go as binary frames).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum TerminalRequest {
    /// The first message: where to log in.
    Open(Box<OpenRequest>),
    /// Trust the key a `host_key` message showed (this exact fingerprint) and go on.
    AcceptHostKey { fingerprint: String },
    /// Answers to a keyboard-interactive round, one per prompt; `null` gives up.
    AuthResponse { responses: Option<Vec<String>> },
    /// The terminal's new size.
    Resize { cols: u16, rows: u16 },
    /// Share this terminal read-only with signed-in users (`true`), or stop (which sends the
    /// watchers away).
    Share { shared: bool },
}

/// What the server sends on /api/ssh/terminal as text (the shell's output goes as binary frames).
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TerminalEvent {
    /// A host seen for the first time: answer `accept_host_key` with this fingerprint, or close.
    /// Through a jump host each new key is asked about in turn.
    HostKey {
        status: HostKeyStatus,
        host: String,
        algorithm: String,
        fingerprint: String,
    },
    /// A keyboard-interactive round (a password not given in `open`, a one-time code): answer
    /// `auth_response`.
    AuthPrompt {
        name: String,
        instructions: String,
        prompts: Vec<AuthPrompt>,
    },
    /// Logged in; binary frames follow.
    Ready {
        /// The recording of this session.
        recording: i64,
        host_key: wirescope_ssh::HostKeyInfo,
        /// publickey, password or keyboard-interactive.
        auth: String,
        idle_timeout_s: u64,
    },
    /// Whether the terminal is shared and who watches it: to its owner and its watchers, each
    /// time it changes.
    Audience {
        shared: bool,
        watchers: Vec<super::live::Watcher>,
    },
    /// To a watcher (on /api/ssh/terminals/{id}/watch): the terminal it watches; a binary frame
    /// with the screen so far follows, then the live output. Sent again (with the screen again)
    /// when the watcher fell behind: the watcher clears its screen first.
    Watching {
        recording: i64,
        owner: String,
        target: String,
        cols: u16,
        rows: u16,
    },
    /// To a watcher: the owner's terminal changed size.
    Resize { cols: u16, rows: u16 },
    /// The session ended; the socket closes.
    Closed {
        reason: CloseReason,
        /// The shell's exit status, when it sent one.
        status: Option<u32>,
    },
    /// The session cannot go on; the socket closes.
    Error {
        /// host_key_changed, host_key_unknown, host_key_revoked, host_key, auth, connect,
        /// timeout, key, protocol, bad_request, cancelled, recording; to a watcher: closed,
        /// not_shared, full, unshared.
        code: String,
        message: String,
        /// host_key_changed: the host, and the key it presented.
        #[serde(skip_serializing_if = "Option::is_none")]
        host: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        algorithm: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        fingerprint: Option<String>,
        /// host_key_changed: the keys on record for it.
        #[serde(skip_serializing_if = "Option::is_none")]
        known: Option<Vec<wirescope_ssh::known_hosts::KnownKey>>,
    },
}

impl TerminalEvent {
    pub(super) fn error(code: &str, message: &str) -> Self {
        TerminalEvent::Error {
            code: code.into(),
            message: message.into(),
            host: None,
            algorithm: None,
            fingerprint: None,
            known: None,
        }
    }
}

/// Why a host key is asked about.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HostKeyStatus {
    /// Not in any known_hosts file.
    Unknown,
}

/// One question of a keyboard-interactive round.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthPrompt {
    pub prompt: String,
    /// Whether the answer may be shown as it is typed.
    pub echo: bool,
}

/// Why a terminal session ended (also its recording's `end_reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CloseReason {
    /// The shell exited.
    Exit,
    /// The device closed the channel.
    Remote,
    /// The browser left, or stopped answering.
    Client,
    /// Neither input nor output for the idle timeout.
    Idle,
    /// The server failed.
    Server,
}

impl CloseReason {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            CloseReason::Exit => "exit",
            CloseReason::Remote => "remote",
            CloseReason::Client => "client",
            CloseReason::Idle => "idle",
            CloseReason::Server => "server",
        }
    }
}

/// Where a terminal logs in.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenRequest {
    /// Host name or address.
    pub(super) target: String,
    #[serde(default = "default_port")]
    #[schema(default = 22)]
    pub(super) port: u16,
    #[serde(default)]
    pub(super) user: Option<String>,
    /// A credential profile with an SSH login: gives the user and the secrets not given here.
    #[serde(default)]
    pub(super) profile: Option<String>,
    /// Answers the device's password prompt once by itself; used, never stored.
    #[serde(default)]
    #[schema(write_only)]
    pub(super) password: Option<String>,
    /// One jump host, `[user@]host[:port]`, logged into with the same credentials.
    #[serde(default)]
    pub(super) jump: Option<String>,
    /// Dial from this network namespace: a name under /run/netns, not a path.
    #[serde(default)]
    pub(super) netns: Option<String>,
    #[serde(default = "default_cols")]
    #[schema(default = 80)]
    pub(super) cols: u16,
    #[serde(default = "default_rows")]
    #[schema(default = 24)]
    pub(super) rows: u16,
}

impl std::fmt::Debug for OpenRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenRequest")
            .field("target", &self.target)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("profile", &self.profile)
            .field("password", &self.password.as_ref().map(|_| "<secret>"))
            .field("jump", &self.jump)
            .field("netns", &self.netns)
            .finish()
    }
}

fn default_port() -> u16 {
    22
}
fn default_cols() -> u16 {
    80
}
fn default_rows() -> u16 {
    24
}
