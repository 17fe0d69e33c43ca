//! The server's Crypto-PAn key for anonymised downloads (a run's export, a capture's pcapng):
//! `serve --anon-key FILE`, or one made once and kept beside the server's other files, so that
//! every download of this server shares one mapping and two of them can be compared.

use crate::AppState;
use crate::error::ApiError;
use std::path::{Path, PathBuf};
use wirescope_traffic::anon::{Anonymizer, Cut, parse_key};

/// The key file made when none is given.
const KEY_FILE: &str = "anon.key";

fn key_path(state: &AppState) -> PathBuf {
    state
        .config
        .anon_key
        .clone()
        .unwrap_or_else(|| state.config.files.join(KEY_FILE))
}

/// Makes the key file: 32 random bytes as hex, readable by this user only, written beside its
/// name and linked into place, so two servers making it at once agree on one.
fn make(path: &Path) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let hex: String = (0..32)
        .map(|_| format!("{:02x}", rand::random::<u8>()))
        .collect();
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)?;
    f.write_all(format!("{hex}\n").as_bytes())?;
    f.sync_all()?;
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => Err(e),
        _ => Ok(()),
    }
}

/// An anonymiser with the server's key (made on first use when none was given).
pub(crate) async fn anonymizer(
    state: &AppState,
    macs: bool,
    cut: Option<Cut>,
) -> Result<Anonymizer, ApiError> {
    let path = key_path(state);
    let given = state.config.anon_key.is_some();
    let key = tokio::task::spawn_blocking(move || {
        if !given && !path.exists() {
            make(&path).map_err(|e| format!("making {}: {e}", path.display()))?;
        }
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        parse_key(&bytes).map_err(|e| format!("{}: {e}", path.display()))
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(|e| ApiError::internal(format!("the anonymisation key: {e}")))?;
    Ok(Anonymizer::new(&key, macs, cut))
}
