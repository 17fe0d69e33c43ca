//! The error type of the probe library: every variant says what failed and how to fix it.

use std::io;

/// Why a run could not start or had to stop. Per-target failures are results, not errors.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error(transparent)]
    Net(#[from] wirescope_net::NetError),
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
