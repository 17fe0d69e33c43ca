//! Backups kept as they come: each configuration a recorded run fetched becomes a version of its
//! device (when it changed), and its result says whether it changed, and how.

use wirescope_probe::result::SshResult;
use wirescope_store::{Store, StoreError};

/// Keeps the configuration of a backup's result, filling in its version, whether it changed
/// and the diff against the previous version. Anything else is left alone.
pub(crate) fn keep(store: &Store, run_id: i64, r: &mut SshResult) -> Result<(), StoreError> {
    if r.error.is_some() {
        return Ok(());
    }
    let Some(c) = r.config.as_mut().filter(|c| c.action == "backup") else {
        return Ok(());
    };
    let Some(p) = r
        .platform
        .as_deref()
        .and_then(|p| wirescope_ssh::platform::platform(p).ok())
    else {
        return Ok(());
    };
    let kept = store.keep_config(
        &r.target,
        p.name,
        &c.text,
        &p.comparable(&c.text),
        Some(run_id),
    )?;
    c.version = Some(kept.version);
    c.changed = kept.changed;
    if let Some((id, before)) = kept.previous {
        c.diff = Some(p.config_diff(
            &before,
            &c.text,
            (
                &format!("version {id}"),
                &format!("version {}", kept.version),
            ),
        ));
    }
    Ok(())
}
