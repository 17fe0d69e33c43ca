//! The OS secret store: the desktop's Secret Service (GNOME Keyring, KWallet, KeePassXC) over
//! D-Bus, through keyring-core's Secret Service store. Each secret is one item with the
//! attributes `service=wirescope` and `username=<profile>/<kind>/<field>`.

use crate::CredsError;
use keyring_core::api::CredentialStoreApi;
use keyring_core::{Entry, Error};
use std::collections::HashMap;
use std::sync::Arc;
use zbus_secret_service_keyring_store::Store;
use zeroize::Zeroizing;

/// The `service` attribute of every item wirescope keeps.
pub const SERVICE: &str = "wirescope";

/// Secrets by key in the Secret Service.
pub struct OsStore {
    store: Arc<Store>,
}

impl std::fmt::Debug for OsStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OsStore").finish_non_exhaustive()
    }
}

fn failed(what: &str, e: Error) -> CredsError {
    CredsError::Store(format!("Secret Service: {what}: {e}"))
}

impl OsStore {
    /// Connects to the session's Secret Service; an error when there is none (no session bus,
    /// or no service on it).
    pub fn connect() -> Result<Self, CredsError> {
        Store::new()
            .map(|store| OsStore { store })
            .map_err(|e| failed("not available", e))
    }

    fn entry(&self, key: &str) -> Result<Entry, CredsError> {
        let label = format!("wirescope {key}");
        let mods = HashMap::from([("label", label.as_str())]);
        self.store
            .build(SERVICE, key, Some(&mods))
            .map_err(|e| failed(key, e))
    }

    pub fn get(&self, key: &str) -> Result<Option<Zeroizing<String>>, CredsError> {
        match self.entry(key)?.get_password() {
            Ok(s) => Ok(Some(Zeroizing::new(s))),
            Err(Error::NoEntry) => Ok(None),
            Err(e) => Err(failed(key, e)),
        }
    }

    pub fn set(&self, key: &str, secret: &str) -> Result<(), CredsError> {
        self.entry(key)?
            .set_password(secret)
            .map_err(|e| failed(key, e))
    }

    /// Every item of ours, with its key.
    fn items(&self) -> Result<Vec<(String, Entry)>, CredsError> {
        let found = self
            .store
            .search(&HashMap::from([("service", SERVICE)]))
            .map_err(|e| failed("search", e))?;
        Ok(found
            .into_iter()
            .filter_map(|e| {
                let key = e.get_attributes().ok()?.remove("username")?;
                Some((key, e))
            })
            .collect())
    }

    pub fn remove_prefix(&self, prefix: &str) -> Result<(), CredsError> {
        for (key, entry) in self.items()? {
            if key.starts_with(prefix) {
                entry.delete_credential().map_err(|e| failed(&key, e))?;
            }
        }
        Ok(())
    }

    pub fn keys(&self) -> Result<Vec<String>, CredsError> {
        let mut keys: Vec<String> = self.items()?.into_iter().map(|(k, _)| k).collect();
        keys.sort();
        keys.dedup();
        Ok(keys)
    }
}
