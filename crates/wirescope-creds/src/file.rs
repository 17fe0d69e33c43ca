//! The encrypted-file secret store for headless servers: one file holding a JSON map of secrets,
//! encrypted with XChaCha20-Poly1305 under a key derived by Argon2id from a passphrase (given in
//! an environment variable). A fresh nonce on every write; the file is written whole, to a
//! temporary name first, readable by its owner only.

use crate::CredsError;
use crate::{hex, unhex};
use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// The environment variable holding the passphrase.
pub const PASSPHRASE_ENV: &str = "WIRESCOPE_SECRETS_PASSPHRASE";

/// Argon2id costs (OWASP's minimum for Argon2id: 19 MiB, 2 passes, 1 lane).
const M_COST_KIB: u32 = 19_456;
const T_COST: u32 = 2;
const P_COST: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    format: u32,
    kdf: String,
    m_cost_kib: u32,
    t_cost: u32,
    p_cost: u32,
    salt: String,
    nonce: String,
    ciphertext: String,
}

/// Secrets by key, encrypted at rest.
pub struct FileStore {
    path: PathBuf,
    passphrase: Zeroizing<String>,
}

impl std::fmt::Debug for FileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn derive(
    passphrase: &str,
    salt: &[u8],
    m: u32,
    t: u32,
    p: u32,
) -> Result<Zeroizing<[u8; 32]>, CredsError> {
    let params = Params::new(m, t, p, Some(32))
        .map_err(|e| CredsError::Store(format!("key derivation parameters: {e}")))?;
    let mut key = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), salt, key.as_mut())
        .map_err(|e| CredsError::Store(format!("key derivation: {e}")))?;
    Ok(key)
}

impl FileStore {
    /// A store at `path` opened with `passphrase`.
    pub fn new(path: PathBuf, passphrase: Zeroizing<String>) -> Result<Self, CredsError> {
        if passphrase.chars().count() < 8 {
            return Err(CredsError::Store(format!(
                "the passphrase in {PASSPHRASE_ENV} must have at least 8 characters"
            )));
        }
        Ok(FileStore { path, passphrase })
    }

    /// A store at `path` with the passphrase from the environment.
    pub fn from_env(path: PathBuf) -> Result<Self, CredsError> {
        let pass = std::env::var(PASSPHRASE_ENV).map_err(|_| {
            CredsError::Store(format!(
                "no secret store: set {PASSPHRASE_ENV} to the passphrase of the encrypted secrets file ({})",
                path.display()
            ))
        })?;
        FileStore::new(path, Zeroizing::new(pass))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn load(&self) -> Result<BTreeMap<String, Zeroizing<String>>, CredsError> {
        let raw = match std::fs::read(&self.path) {
            Ok(r) => r,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
            Err(e) => return Err(CredsError::Store(format!("{}: {e}", self.path.display()))),
        };
        let damaged =
            |why: &str| CredsError::Store(format!("{} is damaged: {why}", self.path.display()));
        let env: Envelope = serde_json::from_slice(&raw).map_err(|e| damaged(&e.to_string()))?;
        if env.format != 1 || env.kdf != "argon2id" {
            return Err(damaged(&format!(
                "unknown format {} / {}",
                env.format, env.kdf
            )));
        }
        let salt = unhex(&env.salt).ok_or_else(|| damaged("salt"))?;
        let nonce = unhex(&env.nonce)
            .filter(|n| n.len() == 24)
            .ok_or_else(|| damaged("nonce"))?;
        let ct = unhex(&env.ciphertext).ok_or_else(|| damaged("ciphertext"))?;
        let key = derive(
            &self.passphrase,
            &salt,
            env.m_cost_kib,
            env.t_cost,
            env.p_cost,
        )?;
        let cipher = XChaCha20Poly1305::new_from_slice(key.as_ref()).map_err(|_| damaged("key"))?;
        let nonce: [u8; 24] = nonce.try_into().map_err(|_| damaged("nonce"))?;
        let plain = Zeroizing::new(
            cipher
                .decrypt(&XNonce::from(nonce), ct.as_slice())
                .map_err(|_| {
                    CredsError::Store(format!(
                        "cannot decrypt {}: wrong passphrase ({PASSPHRASE_ENV}) or a damaged file",
                        self.path.display()
                    ))
                })?,
        );
        let map: BTreeMap<String, String> =
            serde_json::from_slice(&plain).map_err(|e| damaged(&e.to_string()))?;
        Ok(map
            .into_iter()
            .map(|(k, v)| (k, Zeroizing::new(v)))
            .collect())
    }

    fn save(&self, map: &BTreeMap<String, Zeroizing<String>>) -> Result<(), CredsError> {
        let plain: BTreeMap<&str, &str> =
            map.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let plain = Zeroizing::new(
            serde_json::to_vec(&plain).map_err(|e| CredsError::Store(e.to_string()))?,
        );
        let salt: [u8; 16] = rand::random();
        let nonce: [u8; 24] = rand::random();
        let key = derive(&self.passphrase, &salt, M_COST_KIB, T_COST, P_COST)?;
        let cipher = XChaCha20Poly1305::new_from_slice(key.as_ref())
            .map_err(|e| CredsError::Store(e.to_string()))?;
        let ct = cipher
            .encrypt(&XNonce::from(nonce), plain.as_slice())
            .map_err(|e| CredsError::Store(e.to_string()))?;
        let env = Envelope {
            format: 1,
            kdf: "argon2id".into(),
            m_cost_kib: M_COST_KIB,
            t_cost: T_COST,
            p_cost: P_COST,
            salt: hex(&salt),
            nonce: hex(&nonce),
            ciphertext: hex(&ct),
        };
        let body = serde_json::to_vec_pretty(&env).map_err(|e| CredsError::Store(e.to_string()))?;
        crate::write_private(&self.path, &body)
    }

    pub fn get(&self, key: &str) -> Result<Option<Zeroizing<String>>, CredsError> {
        Ok(self.load()?.remove(key))
    }

    pub fn set(&self, key: &str, secret: &str) -> Result<(), CredsError> {
        let mut map = self.load()?;
        map.insert(key.to_string(), Zeroizing::new(secret.to_string()));
        self.save(&map)
    }

    /// Removes every key starting with `prefix`.
    pub fn remove_prefix(&self, prefix: &str) -> Result<(), CredsError> {
        let mut map = self.load()?;
        map.retain(|k, _| !k.starts_with(prefix));
        self.save(&map)
    }

    pub fn keys(&self) -> Result<Vec<String>, CredsError> {
        Ok(self.load()?.into_keys().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(name: &str, pass: &str) -> FileStore {
        let dir =
            std::env::temp_dir().join(format!("wirescope-creds-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        FileStore::new(dir.join("secrets.enc"), Zeroizing::new(pass.into())).unwrap()
    }

    #[test]
    fn round_trip_and_never_plaintext() {
        let s = store("rt", "correct horse battery");
        s.set("lab/snmp/auth_password", "s3cret-auth-value")
            .unwrap();
        s.set("lab/snmp/community", "s3cret-community").unwrap();
        assert_eq!(
            s.get("lab/snmp/auth_password")
                .unwrap()
                .as_deref()
                .map(String::as_str),
            Some("s3cret-auth-value")
        );
        let raw = std::fs::read(s.path()).unwrap();
        let text = String::from_utf8_lossy(&raw);
        assert!(!text.contains("s3cret"), "{text}");
        assert!(
            !text.contains("lab/snmp"),
            "even the key names are encrypted"
        );
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(s.path()).unwrap().permissions().mode() & 0o777,
            0o600
        );
        s.remove_prefix("lab/").unwrap();
        assert!(s.keys().unwrap().is_empty());
    }

    #[test]
    fn wrong_passphrase_and_tampering_are_clear_errors() {
        let s = store("bad", "correct horse battery");
        s.set("k", "v").unwrap();
        let wrong = FileStore::new(
            s.path().to_path_buf(),
            Zeroizing::new("not the passphrase".into()),
        )
        .unwrap();
        let e = wrong.get("k").unwrap_err().to_string();
        assert!(e.contains("wrong passphrase"), "{e}");
        let mut env: serde_json::Value =
            serde_json::from_slice(&std::fs::read(s.path()).unwrap()).unwrap();
        let ct = env["ciphertext"].as_str().unwrap().to_string();
        let flipped = format!("{}{}", if &ct[..1] == "0" { "1" } else { "0" }, &ct[1..]);
        env["ciphertext"] = flipped.into();
        std::fs::write(s.path(), env.to_string()).unwrap();
        assert!(
            s.get("k")
                .unwrap_err()
                .to_string()
                .contains("wrong passphrase"),
            "a flipped bit fails authentication"
        );
        std::fs::write(s.path(), b"{not json").unwrap();
        assert!(s.get("k").unwrap_err().to_string().contains("is damaged"));
        assert!(FileStore::new(PathBuf::from("/x"), Zeroizing::new("short".into())).is_err());
    }
}
