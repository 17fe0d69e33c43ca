//! Entering a network namespace on the current thread: a name under `/run/netns` (as `ip netns
//! add` makes them) or, from the CLI, a path. The file is opened without blocking and checked to
//! be a namespace (nsfs) before `setns`, so a FIFO or an ordinary file is refused at once.

use crate::NetError;
use std::fs::File;
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// `f_type` of a namespace file (linux/magic.h NSFS_MAGIC).
const NSFS_MAGIC: i64 = 0x6e73_6673;

/// The file of a named namespace; a path containing `/` is taken as it is.
pub fn path(name: &str) -> PathBuf {
    if name.contains('/') {
        PathBuf::from(name)
    } else {
        Path::new("/run/netns").join(name)
    }
}

/// Checks that `name` is a namespace *name* (as `ip netns` makes them), not a path: what the
/// server accepts from clients, so they cannot point it at `/proc/PID/ns/net` or any other file.
pub fn check_name(name: &str) -> Result<(), NetError> {
    let bad = |reason: &str| NetError::Netns {
        name: name.escape_debug().to_string(),
        reason: reason.to_string(),
    };
    if name.is_empty() {
        return Err(bad("a namespace name cannot be empty"));
    }
    if name.len() > 255 {
        return Err(bad("a namespace name is at most 255 bytes"));
    }
    if name == "." || name == ".." || name.contains('/') {
        return Err(bad(
            "give the name of a namespace under /run/netns (as `ip netns list` shows), not a path",
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(bad("a namespace name cannot hold control characters"));
    }
    Ok(())
}

/// Opens the namespace file without blocking (a FIFO in its place cannot stall the caller) and
/// checks that it is a network namespace.
fn open(name: &str) -> Result<File, NetError> {
    let fail = |reason: String| NetError::Netns {
        name: name.escape_debug().to_string(),
        reason,
    };
    if name.is_empty() {
        return Err(fail("a namespace name cannot be empty".into()));
    }
    let p = path(name);
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC | libc::O_NOCTTY)
        .open(&p)
        .map_err(|e| {
            fail(if e.kind() == std::io::ErrorKind::NotFound {
                format!(
                    "not found ({} does not exist; `ip netns list` shows the namespaces)",
                    p.display()
                )
            } else {
                format!("cannot open {}: {e}", p.display())
            })
        })?;
    let mut fs = std::mem::MaybeUninit::<libc::statfs>::uninit();
    // SAFETY: an open descriptor and a buffer of the size fstatfs writes.
    let rc = unsafe { libc::fstatfs(file.as_raw_fd(), fs.as_mut_ptr()) };
    if rc != 0 {
        return Err(fail(format!(
            "cannot inspect {}: {}",
            p.display(),
            std::io::Error::last_os_error()
        )));
    }
    // SAFETY: fstatfs succeeded, so it filled the buffer.
    let fs = unsafe { fs.assume_init() };
    #[allow(clippy::unnecessary_cast)]
    if fs.f_type as i64 != NSFS_MAGIC {
        return Err(fail(format!(
            "{} is not a network namespace (`ip netns list` shows the namespaces)",
            p.display()
        )));
    }
    Ok(file)
}

/// Checks that the namespace exists and is one, so a bad name fails before any thread starts.
pub fn check(name: &str) -> Result<(), NetError> {
    open(name).map(drop)
}

/// Moves the calling thread into the namespace. Sockets the thread creates afterwards live there,
/// and threads it spawns start there.
pub fn enter(name: &str) -> Result<(), NetError> {
    let file = open(name)?;
    // SAFETY: setns takes a valid open descriptor of a namespace file and a namespace type flag.
    let rc = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
    if rc != 0 {
        let e = std::io::Error::last_os_error();
        let reason = match e.raw_os_error() {
            Some(libc::EPERM) => {
                "entering a network namespace needs CAP_SYS_ADMIN (run as root)".to_string()
            }
            Some(libc::EINVAL) => "not a network namespace".to_string(),
            _ => format!("setns failed: {e}"),
        };
        return Err(NetError::Netns {
            name: name.into(),
            reason,
        });
    }
    Ok(())
}

/// Runs `f` on a new thread named `thread` inside network namespace `ns` (the caller's own when
/// `None`): every socket it opens lives there. `f` is told whether entering worked, so it can
/// report the failure its own way (a run's start handshake, a capture's open result, a dial's
/// error). `setns` changes only that thread, never the caller's.
pub fn in_netns<T, F>(
    thread: &str,
    ns: Option<String>,
    f: F,
) -> Result<std::thread::JoinHandle<T>, NetError>
where
    F: FnOnce(Result<(), NetError>) -> T + Send + 'static,
    T: Send + 'static,
{
    std::thread::Builder::new()
        .name(thread.into())
        .spawn(move || {
            let entered = ns.as_deref().map_or(Ok(()), enter);
            f(entered)
        })
        .map_err(|e| NetError::io(format!("start the {thread} thread"), e))
}

/// A runtime for the async work of a thread `in_netns` started (its sockets then live in the
/// namespace too).
pub fn runtime() -> Result<tokio::runtime::Runtime, NetError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| NetError::io("start a runtime", e))
}

/// The resolv.conf that `ip netns exec NAME` would show inside the namespace, if the namespace has one.
pub fn resolv_conf(name: &str) -> Option<PathBuf> {
    let p = Path::new("/etc/netns").join(name).join("resolv.conf");
    (check_name(name).is_ok() && p.exists()).then_some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_only_for_clients() {
        assert!(check_name("wsl-c").is_ok());
        for bad in [
            "",
            ".",
            "..",
            "../x",
            "/proc/1/ns/net",
            "a/b",
            "a\nb",
            "a\0b",
        ] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        assert!(check_name(&"n".repeat(256)).is_err());
    }

    #[test]
    fn files_that_are_not_namespaces_are_refused_without_blocking() {
        let dir = std::env::temp_dir().join(format!("wirescope-netns-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let fifo = dir.join("fifo");
        let c = std::ffi::CString::new(fifo.to_string_lossy().as_bytes()).expect("path");
        // SAFETY: a valid C string.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let plain = dir.join("plain");
        std::fs::write(&plain, b"x").expect("write");
        for p in [&fifo, &plain] {
            let e = check(&p.to_string_lossy()).unwrap_err().to_string();
            assert!(e.contains("is not a network namespace"), "{e}");
        }
        let e = check(&dir.join("missing").to_string_lossy())
            .unwrap_err()
            .to_string();
        assert!(e.contains("does not exist"), "{e}");
        // The calling thread's own namespace, through /proc, is one (the CLI may name paths).
        assert!(check("/proc/self/ns/net").is_ok());
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}
