//! Settings: small documents by key (the topology map's layout), replaced whole.

use crate::sql::{Optional, params};
use crate::{Store, StoreError, now_ms};

impl Store {
    /// A stored setting (a JSON document the UI keeps, such as the topology layout).
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.read(|db| {
            db.query_row(
                "SELECT value FROM settings WHERE key = ?1",
                params![key],
                |r| r.get(0),
            )
        })
        .optional()
    }

    /// Stores a setting, replacing the one before.
    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.write(|db| db.execute(
            "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            params![key, value, now_ms()],
        ))?;
        Ok(())
    }
}
