//! Who owns a run in progress. Every process that opens the store holds an exclusive lock on a
//! file of its own beside the database for as long as it lives; a run records its owner. A run
//! still queued or running is marked interrupted only once its owner's lock can be taken: the
//! owner is gone. So a CLI `--save` or a second server on the same database never marks a live
//! server's runs.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

/// This process's claim: its id and the locked file that proves it is alive.
#[derive(Debug)]
pub struct Owner {
    pub id: String,
    path: PathBuf,
    _lock: File,
}

/// The folder of owners' lock files for a database: beside the file itself, whatever link or
/// relative path names it, so every process that opens it finds the same folder.
fn dir_of(db: &Path) -> PathBuf {
    let db = std::fs::canonicalize(db).unwrap_or_else(|_| db.to_path_buf());
    let mut name = db.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".owners");
    db.with_file_name(name)
}

fn try_lock(file: &File) -> bool {
    // SAFETY: flock on a descriptor this function's caller keeps open.
    unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) == 0 }
}

/// A new owner id for this process: its pid and the time, unique on this machine. (PostgreSQL's
/// instances add the host beside it.)
pub fn fresh_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{}-{nanos:x}", std::process::id())
}

impl Owner {
    /// Takes a fresh owner id for this process and locks its file.
    pub fn claim(db: &Path) -> std::io::Result<Owner> {
        let dir = dir_of(db);
        std::fs::create_dir_all(&dir)?;
        let id = fresh_id();
        let path = dir.join(format!("{id}.lock"));
        let lock = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        if !try_lock(&lock) {
            return Err(std::io::Error::other(format!(
                "cannot lock {}",
                path.display()
            )));
        }
        Ok(Owner {
            id,
            path,
            _lock: lock,
        })
    }

    /// Whether the owner `id` of a database is alive: its lock file exists and someone holds it.
    /// A dead owner's file is removed.
    pub fn is_alive(db: &Path, id: &str) -> bool {
        if id.is_empty() || id.contains('/') || id.starts_with('.') {
            return false;
        }
        let path = dir_of(db).join(format!("{id}.lock"));
        let Ok(file) = std::fs::OpenOptions::new().write(true).open(&path) else {
            return false;
        };
        if try_lock(&file) {
            let _ = std::fs::remove_file(&path);
            false
        } else {
            true
        }
    }
}

impl Drop for Owner {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
