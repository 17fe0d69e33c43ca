//! The error type of the probe library: every variant says what failed and how to fix it.

use std::io;

/// Why a run could not start or had to stop. Per-target failures are results, not errors.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error(
        "{what} needs the CAP_NET_RAW capability ({detail}). Run as root, or grant it once with:\n    sudo setcap cap_net_raw,cap_net_admin+ep {exe}{hint}"
    )]
    Privilege {
        what: &'static str,
        detail: String,
        exe: String,
        hint: &'static str,
    },
    #[error("network namespace '{name}': {reason}")]
    Netns { name: String, reason: String },
    #[error("interface '{name}': {source}")]
    Interface { name: String, source: io::Error },
    #[error("source address {addr}: {source}")]
    Source {
        addr: std::net::IpAddr,
        source: io::Error,
    },
    #[error("{what}: {source}")]
    Io { what: String, source: io::Error },
    #[error("{0}")]
    Options(String),
    #[error(transparent)]
    Targets(#[from] crate::targets::TargetError),
}

impl ProbeError {
    /// Wraps an I/O error with what was being done.
    pub fn io(what: impl Into<String>, source: io::Error) -> Self {
        ProbeError::Io {
            what: what.into(),
            source,
        }
    }
}
