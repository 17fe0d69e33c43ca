//! Durable sender state for SNMPv3 DES and 3DES privacy. A DES salt must never repeat under one
//! key, so each run takes a fresh "boots" epoch (the salt's high half) that is written to disk
//! before use, under an exclusive lock: concurrent and successive runs never share an epoch.
//! The state lives in `$XDG_DATA_HOME/wirescope/snmp-des-boots` (or `WIRESCOPE_DES_STATE`).

use async_snmp::{DesSaltState, PersistedDesSaltState};
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use wirescope_probe::error::ProbeError;

/// Where the epoch is kept.
pub fn state_path() -> PathBuf {
    if let Some(p) = std::env::var_os("WIRESCOPE_DES_STATE").filter(|v| !v.is_empty()) {
        return PathBuf::from(p);
    }
    std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."))
        .join("wirescope")
        .join("snmp-des-boots")
}

fn failed(path: &Path, what: impl std::fmt::Display) -> ProbeError {
    ProbeError::Options(format!(
        "DES privacy needs durable state in {}: {what}",
        path.display()
    ))
}

/// Writes the epoch durably: a temporary file, fsync, rename.
fn persist(path: &Path, boots: u32) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::File::create(&tmp)?;
    writeln!(f, "{boots}")?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

/// A fresh epoch for this run: the first one ever, or the stored one plus one.
pub fn salt_state() -> Result<DesSaltState, ProbeError> {
    salt_state_at(&state_path())
}

pub fn salt_state_at(path: &Path) -> Result<DesSaltState, ProbeError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| failed(path, e))?;
    }
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path.with_extension("lock"))
        .map_err(|e| failed(path, e))?;
    // SAFETY: flock on a descriptor this function owns; released when `lock` is dropped.
    if unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) } != 0 {
        return Err(failed(path, std::io::Error::last_os_error()));
    }
    let mut text = String::new();
    let stored = match std::fs::File::open(path) {
        Ok(mut f) => {
            f.read_to_string(&mut text).map_err(|e| failed(path, e))?;
            let boots: u32 = text
                .trim()
                .parse()
                .map_err(|_| failed(path, format!("'{}' is not an epoch number", text.trim())))?;
            Some(PersistedDesSaltState::new(boots).map_err(|e| failed(path, e))?)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(failed(path, e)),
    };
    let write = |s: &PersistedDesSaltState| persist(path, s.engine_boots());
    let state = match stored {
        None => DesSaltState::install(write),
        Some(previous) => DesSaltState::restart(previous, write),
    };
    state.map_err(|e| failed(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_run_takes_a_new_epoch_and_damage_is_reported() {
        let dir = std::env::temp_dir().join(format!("wirescope-des-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("state/snmp-des-boots");
        let first = salt_state_at(&path).unwrap();
        let second = salt_state_at(&path).unwrap();
        assert_eq!(first.engine_boots() + 1, second.engine_boots());
        assert_eq!(
            std::fs::read_to_string(&path).unwrap().trim(),
            second.engine_boots().to_string()
        );
        std::fs::write(&path, "garbage").unwrap();
        let err = salt_state_at(&path).err().map(|e| e.to_string());
        assert!(
            err.as_deref()
                .is_some_and(|e| e.contains("'garbage' is not an epoch number")),
            "{err:?}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
