//! wirescope's probe library: target expressions, the batch engine and every active probe
//! (ping, traceroute, DNS, TCP scan, SNMP and topology crawls). The CLI and the server both drive `engine::start` and
//! consume the same stream of `ProbeResult`s.

pub mod dns;
pub mod duration;
pub mod engine;
pub mod error;
pub mod fuzz;
pub mod ping;
pub mod result;
pub mod scan;
pub mod secret;
pub mod snmp;
pub mod ssh;
pub mod stats;
pub mod targets;
pub mod toolkit;
pub mod trace;
pub mod wire;

pub use engine::{ProbeOptions, Run, RunRequest, start};
// The probes reach their sockets and namespaces through `crate::net`.
pub use error::ProbeError;
pub use result::{ProbeKind, ProbeResult, Summary};
pub use targets::{Target, TargetList};
use wirescope_net as net;
