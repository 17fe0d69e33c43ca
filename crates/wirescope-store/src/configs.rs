//! Configuration versions: each device's running configuration as backups fetched it, a new
//! version only when it differs (compared without the lines that change by themselves: the
//! caller gives that comparable text, kept as its digest), the newest [`CONFIG_VERSIONS_KEPT`]
//! per device. Beside them, what devices said of themselves over SNMP (sysDescr), which tells
//! an SSH session's platform when it is not named.

use crate::sql::{Optional, Row, params};
use crate::{Store, StoreError, now_ms};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Versions kept per device; older ones are removed as new ones come.
pub const CONFIG_VERSIONS_KEPT: i64 = 200;
/// Versions kept of all devices together; the oldest go first.
pub const CONFIG_VERSIONS_TOTAL: i64 = 100_000;

/// One kept version, without its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ConfigVersion {
    pub id: i64,
    /// The device as it was targeted.
    pub target: String,
    pub platform: String,
    /// When a backup first fetched it (ms since the epoch).
    pub taken_at: i64,
    /// When a backup last found the device still at it.
    pub seen_at: i64,
    pub bytes: i64,
    /// The run that first fetched it, and the one that last did.
    pub run_id: Option<i64>,
    pub seen_run_id: Option<i64>,
}

/// A device with kept versions: its newest, and how many there are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ConfigDevice {
    pub latest: ConfigVersion,
    pub versions: i64,
}

/// What keeping a backup did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    /// The version the device is at (new, or the previous when nothing changed).
    pub version: i64,
    /// The previous version and its text, when this backup made a new one after it.
    pub previous: Option<(i64, String)>,
    /// Whether it differs from the previous version; `None` for a device's first.
    pub changed: Option<bool>,
}

const COLUMNS: &str = "id, target, platform, taken_at, seen_at, bytes, run_id, seen_run_id";

fn version(r: &Row<'_, '_>) -> Result<ConfigVersion, StoreError> {
    Ok(ConfigVersion {
        id: r.get(0)?,
        target: r.get(1)?,
        platform: r.get(2)?,
        taken_at: r.get(3)?,
        seen_at: r.get(4)?,
        bytes: r.get(5)?,
        run_id: r.get(6)?,
        seen_run_id: r.get(7)?,
    })
}

/// Devices whose sysDescr is remembered, at most; the longest unseen go first.
pub const DEVICE_FACTS_KEPT: i64 = 100_000;
/// Characters of a sysDescr kept.
const DESCR_KEPT: usize = 1024;

impl Store {
    /// Remembers what devices said they are: each `(name, sysDescr)` (a device by its target
    /// and by its address), in one transaction, the least recently seen past
    /// [`DEVICE_FACTS_KEPT`] dropped once.
    pub fn note_devices(&self, facts: &[(String, String)]) -> Result<(), StoreError> {
        if facts.is_empty() {
            return Ok(());
        }
        let now = now_ms();
        self.transaction(|tx| {
            for (name, descr) in facts {
                let descr: String = descr.chars().take(DESCR_KEPT).collect();
                tx.execute(
                    "INSERT INTO device_facts (target, descr, seen_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT (target) DO UPDATE SET descr = excluded.descr,
                         seen_at = excluded.seen_at",
                    params![name.as_str(), descr, now],
                )?;
            }
            tx.execute(
                "DELETE FROM device_facts WHERE seen_at < (SELECT seen_at FROM device_facts
                     ORDER BY seen_at DESC LIMIT 1 OFFSET ?1)",
                params![DEVICE_FACTS_KEPT - 1],
            )?;
            Ok(())
        })
    }

    /// The sysDescr last heard from each of `names` that has one.
    pub fn device_descrs(
        &self,
        names: &[String],
    ) -> Result<std::collections::HashMap<String, String>, StoreError> {
        let mut out = std::collections::HashMap::new();
        self.read(|db| {
            for chunk in names.chunks(500) {
                for name in chunk {
                    let d: Option<String> = db
                        .query_row(
                            "SELECT descr FROM device_facts WHERE target = ?1",
                            params![name.as_str()],
                            |r| r.get(0),
                        )
                        .optional()?;
                    if let Some(d) = d {
                        out.insert(name.clone(), d);
                    }
                }
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// Keeps a device's configuration as fetched by run `run_id`: a new version when its
    /// `comparable` text (without self-changing lines) differs from the newest one's, else that
    /// one seen again.
    pub fn keep_config(
        &self,
        target: &str,
        platform: &str,
        text: &str,
        comparable: &str,
        run_id: Option<i64>,
    ) -> Result<Kept, StoreError> {
        self.keep_config_within(
            (target, platform, text, comparable, run_id),
            CONFIG_VERSIONS_KEPT,
            CONFIG_VERSIONS_TOTAL,
        )
    }

    /// [`Store::keep_config`] with its bounds: versions per device, versions in all.
    fn keep_config_within(
        &self,
        (target, platform, text, comparable, run_id): (&str, &str, &str, &str, Option<i64>),
        per_device: i64,
        total: i64,
    ) -> Result<Kept, StoreError> {
        let now = now_ms();
        let digest: String = Sha256::digest(comparable.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let digest = digest.as_str();
        self.transaction(|tx| {
            let newest: Option<(i64, String, String)> = tx
                .query_row(
                    "SELECT id, digest, text FROM config_versions WHERE target = ?1
                     ORDER BY id DESC LIMIT 1",
                    params![target],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            if let Some((id, d, _)) = &newest
                && d == digest
            {
                tx.execute(
                    "UPDATE config_versions SET seen_at = ?2, seen_run_id = ?3 WHERE id = ?1",
                    params![*id, now, run_id],
                )?;
                return Ok(Kept {
                    version: *id,
                    previous: None,
                    changed: Some(false),
                });
            }
            let id = tx.insert(
                "INSERT INTO config_versions (target, platform, digest, text, bytes, taken_at,
                     seen_at, run_id, seen_run_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?7) RETURNING id",
                params![
                    target,
                    platform,
                    digest,
                    text,
                    text.len() as i64,
                    now,
                    run_id
                ],
            )?;
            tx.execute(
                "DELETE FROM config_versions WHERE target = ?1 AND id NOT IN
                     (SELECT id FROM config_versions WHERE target = ?1 ORDER BY id DESC LIMIT ?2)",
                params![target, per_device],
            )?;
            tx.execute(
                "DELETE FROM config_versions WHERE id <= (SELECT id FROM config_versions
                     ORDER BY id DESC LIMIT 1 OFFSET ?1)",
                params![total],
            )?;
            Ok(Kept {
                version: id,
                changed: newest.as_ref().map(|_| true),
                previous: newest.map(|(id, _, text)| (id, text)),
            })
        })
    }

    /// Every device with kept versions, by target.
    pub fn config_devices(&self) -> Result<Vec<ConfigDevice>, StoreError> {
        self.read(|db| {
            db.query_map(
                &format!(
                    "SELECT {COLUMNS}, (SELECT COUNT(*) FROM config_versions o
                         WHERE o.target = v.target)
                     FROM config_versions v WHERE v.id IN
                         (SELECT MAX(id) FROM config_versions GROUP BY target)
                     ORDER BY v.target"
                ),
                params![],
                |r| {
                    Ok(ConfigDevice {
                        latest: version(r)?,
                        versions: r.get(8)?,
                    })
                },
            )
        })
    }

    /// A device's versions, newest first.
    pub fn config_versions(&self, target: &str) -> Result<Vec<ConfigVersion>, StoreError> {
        self.read(|db| {
            db.query_map(
                &format!(
                    "SELECT {COLUMNS} FROM config_versions WHERE target = ?1 ORDER BY id DESC"
                ),
                params![target],
                version,
            )
        })
    }

    /// One version with its text.
    pub fn config_version(&self, id: i64) -> Result<Option<(ConfigVersion, String)>, StoreError> {
        self.read(|db| {
            db.query_row(
                &format!("SELECT {COLUMNS}, text FROM config_versions WHERE id = ?1"),
                params![id],
                |r| Ok((version(r)?, r.get(8)?)),
            )
        })
        .optional()
    }

    /// The version of the same device just before `id`, with its text.
    pub fn config_before(&self, id: i64) -> Result<Option<(ConfigVersion, String)>, StoreError> {
        self.read(|db| {
            db.query_row(
                &format!(
                    "SELECT {COLUMNS}, text FROM config_versions WHERE id = (SELECT MAX(p.id)
                         FROM config_versions p, config_versions v
                         WHERE v.id = ?1 AND p.target = v.target AND p.id < v.id)"
                ),
                params![id],
                |r| Ok((version(r)?, r.get(8)?)),
            )
        })
        .optional()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::tests::{Kind, fresh};

    pub(crate) fn configs_keep_a_version_per_change_and_the_newest_per_device(kind: Kind) {
        let store = Store::connect(&fresh(kind, "configs")).unwrap();
        let keep = |target: &str, text: &str, comparable: &str, run| {
            store
                .keep_config(target, "cisco_ios", text, comparable, Some(run))
                .unwrap()
        };
        let first = keep("sw1", "hostname sw1\n! clock 1", "hostname sw1", 1);
        assert_eq!((first.changed, &first.previous), (None, &None));
        // Only the clock moved: the same version, seen again.
        let same = keep("sw1", "hostname sw1\n! clock 2", "hostname sw1", 2);
        assert_eq!(
            (same.version, same.changed, &same.previous),
            (first.version, Some(false), &None)
        );
        let next = keep(
            "sw1",
            "hostname sw1\nntp server x",
            "hostname sw1\nntp server x",
            3,
        );
        assert!(next.version > first.version);
        assert_eq!(next.changed, Some(true));
        assert_eq!(
            next.previous,
            Some((first.version, "hostname sw1\n! clock 1".to_string()))
        );
        keep("sw2", "hostname sw2", "hostname sw2", 3);
        let versions = store.config_versions("sw1").unwrap();
        let ids: Vec<i64> = versions.iter().map(|v| v.id).collect();
        assert_eq!(ids, [next.version, first.version]);
        assert_eq!(
            (versions[1].run_id, versions[1].seen_run_id),
            (Some(1), Some(2))
        );
        let devices = store.config_devices().unwrap();
        let listed: Vec<(&str, i64, i64)> = devices
            .iter()
            .map(|d| (d.latest.target.as_str(), d.latest.id, d.versions))
            .collect();
        assert_eq!(listed[0], ("sw1", next.version, 2));
        assert_eq!((listed[1].0, listed[1].2), ("sw2", 1));
        let (v, text) = store.config_version(first.version).unwrap().unwrap();
        assert_eq!((v.bytes, text.as_str()), (22, "hostname sw1\n! clock 1"));
        assert_eq!(
            store
                .config_before(next.version)
                .unwrap()
                .map(|(v, _)| v.id),
            Some(first.version)
        );
        assert_eq!(store.config_before(first.version).unwrap(), None);
        assert_eq!(store.config_version(i64::MAX).unwrap(), None);
        // Past the cap, a device's oldest versions go; others' stay.
        for i in 0..CONFIG_VERSIONS_KEPT {
            let t = format!("hostname sw1\nvlan {i}");
            keep("sw1", &t, &t, 4);
        }
        let kept = store.config_versions("sw1").unwrap();
        assert_eq!(kept.len() as i64, CONFIG_VERSIONS_KEPT);
        assert!(kept.iter().all(|v| v.id > next.version));
        assert_eq!(store.config_versions("sw2").unwrap().len(), 1);
        // Past the total, the oldest versions of any device go (sw2's only one among them).
        let capped = |t: &str, text: &str| {
            store
                .keep_config_within((t, "cisco_ios", text, text, None), 200, 3)
                .unwrap()
        };
        for i in 0..3 {
            capped("sw3", &format!("vlan {i}"));
        }
        assert!(store.config_versions("sw2").unwrap().is_empty());
        assert_eq!(store.config_versions("sw1").unwrap().len(), 0);
        assert_eq!(store.config_versions("sw3").unwrap().len(), 3);
        // What devices said of themselves, by target and address, the newest word kept.
        let fact = |n: &str, d: &str| (n.to_string(), d.to_string());
        store
            .note_devices(&[
                fact("core1", "Cisco IOS Software, old"),
                fact("198.18.0.1", "Cisco IOS Software, old"),
            ])
            .unwrap();
        store
            .note_devices(&[fact("core1", &format!("Cisco NX-OS {}", "x".repeat(2000)))])
            .unwrap();
        let known = store
            .device_descrs(&["core1".into(), "198.18.0.1".into(), "nobody".into()])
            .unwrap();
        assert_eq!(known.len(), 2);
        assert_eq!(known["198.18.0.1"], "Cisco IOS Software, old");
        assert!(
            known["core1"].starts_with("Cisco NX-OS") && known["core1"].chars().count() == 1024
        );
    }
}
