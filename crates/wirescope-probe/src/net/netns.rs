//! Entering a named network namespace (`/run/netns/NAME`, as `ip netns add` creates) on the current thread.

use crate::error::ProbeError;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

/// The file of a named namespace; a path containing `/` is taken as it is.
pub fn path(name: &str) -> PathBuf {
    if name.contains('/') {
        PathBuf::from(name)
    } else {
        Path::new("/run/netns").join(name)
    }
}

/// Checks that the namespace exists, so a bad name fails before any thread starts.
pub fn check(name: &str) -> Result<(), ProbeError> {
    let p = path(name);
    if name.is_empty() || !p.exists() {
        return Err(ProbeError::Netns {
            name: name.to_string(),
            reason: format!(
                "not found ({} does not exist; `ip netns list` shows the namespaces)",
                p.display()
            ),
        });
    }
    Ok(())
}

/// Moves the calling thread into the namespace. Sockets the thread creates afterwards live there,
/// and threads it spawns start there.
pub fn enter(name: &str) -> Result<(), ProbeError> {
    check(name)?;
    let p = path(name);
    let file = std::fs::File::open(&p).map_err(|e| ProbeError::Netns {
        name: name.into(),
        reason: e.to_string(),
    })?;
    // SAFETY: setns takes a valid open descriptor of a namespace file and a namespace type flag.
    let rc = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
    if rc != 0 {
        let e = std::io::Error::last_os_error();
        let reason = if e.raw_os_error() == Some(libc::EPERM) {
            "entering a network namespace needs CAP_SYS_ADMIN (run as root)".to_string()
        } else {
            format!("setns failed: {e}")
        };
        return Err(ProbeError::Netns {
            name: name.into(),
            reason,
        });
    }
    Ok(())
}

/// The resolv.conf that `ip netns exec NAME` would show inside the namespace, if the namespace has one.
pub fn resolv_conf(name: &str) -> Option<PathBuf> {
    let p = Path::new("/etc/netns").join(name).join("resolv.conf");
    (!name.contains('/') && p.exists()).then_some(p)
}
