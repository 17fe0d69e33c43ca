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

/// A name that is not one of a set's values: says what was being named, what was given, and the
/// values there are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} '{given}' ({valid})")]
pub struct UnknownValue {
    pub what: &'static str,
    pub given: String,
    /// The accepted values, comma-separated.
    pub valid: String,
}

impl UnknownValue {
    pub fn new<'a>(
        what: &'static str,
        given: &str,
        valid: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        UnknownValue {
            what,
            given: given.to_string(),
            valid: valid.into_iter().collect::<Vec<_>>().join(", "),
        }
    }
}
