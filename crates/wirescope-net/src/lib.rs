//! Where wirescope's traffic leaves from: network namespaces (names checked, files verified to
//! be namespaces, entered; `in_netns` runs work on a thread inside one), socket options (interface
//! or VRF binding, source address, address family), datagram I/O with kernel receive timestamps,
//! and raw-socket privilege errors that say how to grant the capability.

pub mod io;
pub mod netns;
pub mod socket;

pub use netns::in_netns;
pub use socket::{Family, NetOptions};

/// Why a namespace, an interface, a source address or a socket could not be used.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
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
    Interface {
        name: String,
        source: std::io::Error,
    },
    #[error("source address {addr}: {source}")]
    Source {
        addr: std::net::IpAddr,
        source: std::io::Error,
    },
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Options(String),
}

impl NetError {
    /// Wraps an I/O error with what was being done.
    pub fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        NetError::Io {
            what: what.into(),
            source,
        }
    }
}
