//! Where probes send from: network namespace, interface (VRF) binding, source address, socket creation.

pub mod io;
pub mod netns;
pub mod socket;

pub use socket::{Family, NetOptions};
