//! wirescope's probing core: target expressions, the toolkit every run kind is built on (its
//! context, start handshake, pacing and resolution), the result records of every kind, and the
//! packet probes (ping, traceroute, DNS, TCP scan). SNMP and SSH runs live in their own crates on
//! this one; the engine that runs any kind is in wirescope-runs.

pub mod dns;
pub mod duration;
pub mod error;
pub mod flags;
pub mod fuzz;
pub mod ping;
pub mod present;
pub mod result;
pub mod scan;
pub mod secret;
pub mod stats;
pub mod targets;
pub mod toolkit;
pub mod trace;
pub mod wire;

// The probes reach their sockets and namespaces through `crate::net`.
pub use error::ProbeError;
pub use result::{ProbeKind, ProbeResult, Summary};
pub use targets::{Target, TargetList};
use wirescope_net as net;
