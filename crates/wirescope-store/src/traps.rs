//! Received SNMP notifications: each kept whole as JSON beside the columns it is looked up by
//! (time, source, notification OID and name, the device it was matched to), written in batches,
//! listed newest first with filters and paging, pruned by age and by count.

use crate::sql::{Arg, AsArg, Optional, Row, Val, params};
use crate::{Store, StoreError};
use serde::Serialize;
use serde_json::value::RawValue;

/// Notifications kept at most, the newest (a trap storm cannot fill the disk).
pub const TRAPS_KEPT: i64 = 1_000_000;

/// A notification to store.
#[derive(Debug, Clone)]
pub struct NewTrap {
    /// When it arrived (ms since the epoch).
    pub at: i64,
    pub source: String,
    /// Dotted, with a leading dot.
    pub oid: String,
    pub name: Option<String>,
    /// The device it was matched to, by name.
    pub device: Option<String>,
    /// The whole record, JSON.
    pub record: String,
}

/// A stored notification: its number, the record, and the follow-up runs attached since.
#[derive(Debug, Clone, Serialize)]
pub struct StoredTrap {
    pub id: i64,
    pub record: Box<RawValue>,
    pub follow_up: Vec<i64>,
}

/// Which notifications to list (all given conditions hold).
#[derive(Debug, Clone, Default)]
pub struct TrapFilter {
    /// The source address, exactly.
    pub source: Option<String>,
    /// A notification OID prefix (dotted, the leading dot optional) or part of its name, any case.
    pub oid: Option<String>,
    /// The matched device's name, exactly.
    pub device: Option<String>,
    /// Arrived at or after / before (ms).
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// Only those with a smaller id (the next page).
    pub before: Option<i64>,
    pub limit: i64,
}

impl Store {
    /// Stores a batch in one transaction; returns their ids in order.
    pub fn insert_traps(&self, traps: &[NewTrap]) -> Result<Vec<i64>, StoreError> {
        self.transaction(|tx| {
            let mut ids = Vec::with_capacity(traps.len());
            for t in traps {
                ids.push(tx.insert(
                    "INSERT INTO traps (at, source, oid, name, device, record)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
                    params![t.at, t.source, t.oid, t.name, t.device, t.record],
                )?);
            }
            Ok(ids)
        })
    }

    /// Notifications matching `f`, newest first.
    pub fn traps(&self, f: &TrapFilter) -> Result<Vec<StoredTrap>, StoreError> {
        let mut sql = String::from("SELECT id, record, follow_up FROM traps WHERE 1 = 1");
        let mut args: Vec<Val> = Vec::new();
        // Each value goes in once; `?N` in the condition is its number.
        let mut cond = |sql: &mut String, text: &str, v: Val| {
            args.push(v);
            sql.push_str(&text.replace("?N", &format!("?{}", args.len())));
        };
        if let Some(s) = &f.source {
            cond(&mut sql, " AND source = ?N", Val::Text(s.clone()));
        }
        match f.oid.as_deref() {
            // `.1.3.6.1.6.3.1.1.5` matches itself and what is below it, not `.1.3.6.1.6.3.1.1.50`.
            Some(o) if o.bytes().all(|b| b.is_ascii_digit() || b == b'.') && o.contains('.') => {
                cond(
                    &mut sql,
                    " AND (oid || '.' = ?N OR substr(oid, 1, length(?N)) = ?N)",
                    Val::Text(format!(".{}.", o.trim_matches('.'))),
                )
            }
            Some(o) => cond(
                &mut sql,
                " AND name LIKE ?N ESCAPE '\\'",
                Val::Text(format!(
                    "%{}%",
                    o.replace('\\', "\\\\")
                        .replace('%', "\\%")
                        .replace('_', "\\_")
                )),
            ),
            None => {}
        }
        if let Some(d) = &f.device {
            cond(&mut sql, " AND device = ?N", Val::Text(d.clone()));
        }
        if let Some(s) = f.since {
            cond(&mut sql, " AND at >= ?N", Val::Int(s));
        }
        if let Some(u) = f.until {
            cond(&mut sql, " AND at < ?N", Val::Int(u));
        }
        if let Some(b) = f.before {
            cond(&mut sql, " AND id < ?N", Val::Int(b));
        }
        cond(&mut sql, " ORDER BY id DESC LIMIT ?N", Val::Int(f.limit));
        let args: Vec<Arg<'_>> = args.iter().map(AsArg::arg).collect();
        self.read(|db| db.query_map(&sql, &args, row))
    }

    pub fn trap(&self, id: i64) -> Result<Option<StoredTrap>, StoreError> {
        self.read(|db| {
            db.query_row(
                "SELECT id, record, follow_up FROM traps WHERE id = ?1",
                params![id],
                row,
            )
        })
        .optional()
    }

    /// Records the runs a trap rule started for a notification.
    pub fn set_trap_follow_up(&self, id: i64, runs: &[i64]) -> Result<bool, StoreError> {
        let n = self.write(|db| {
            db.execute(
                "UPDATE traps SET follow_up = ?2 WHERE id = ?1",
                params![id, serde_json::to_string(runs)?],
            )
        })?;
        Ok(n == 1)
    }

    /// Notifications stored, and the oldest one's time.
    pub fn trap_totals(&self) -> Result<(i64, Option<i64>), StoreError> {
        self.read(|db| {
            db.query_row(
                "SELECT (SELECT COUNT(*) FROM traps), (SELECT MIN(at) FROM traps)",
                params![],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
    }

    /// The most recent notifications of each of `devices` (by name), newest first, `per` each.
    pub fn recent_traps_of(
        &self,
        devices: &[String],
        per: i64,
    ) -> Result<Vec<(String, StoredTrap)>, StoreError> {
        self.read(|db| {
            let mut out = Vec::new();
            for d in devices {
                for t in db.query_map(
                    "SELECT id, record, follow_up FROM traps WHERE device = ?1 ORDER BY id DESC LIMIT ?2",
                    params![d, per],
                    row,
                )? {
                    out.push((d.clone(), t));
                }
            }
            Ok(out)
        })
    }

    /// Notifications in [since, until) from any of `sources` or `devices`, newest first.
    pub fn traps_from(
        &self,
        sources: &[String],
        devices: &[String],
        since: i64,
        until: i64,
        limit: i64,
    ) -> Result<Vec<StoredTrap>, StoreError> {
        let (sources, devices) = (
            serde_json::to_string(sources)?,
            serde_json::to_string(devices)?,
        );
        self.read(|db| {
            // A JSON array's strings as rows: each engine has its own function for that.
            let each = |n: u8| {
                if db.is_pg() {
                    format!("SELECT value FROM json_array_elements_text(CAST(?{n} AS json))")
                } else {
                    format!("SELECT value FROM json_each(?{n})")
                }
            };
            db.query_map(
                &format!(
                    "SELECT id, record, follow_up FROM traps
                     WHERE at >= ?1 AND at < ?2 AND (source IN ({}) OR device IN ({}))
                     ORDER BY id DESC LIMIT ?5",
                    each(3),
                    each(4)
                ),
                params![since, until, sources, devices, limit],
                row,
            )
        })
    }

    /// Deletes notifications older than `before` (ms) and all but the newest `keep`.
    pub fn prune_traps(&self, before: i64, keep: i64) -> Result<usize, StoreError> {
        self.transaction(|tx| {
            let a = tx.execute("DELETE FROM traps WHERE at < ?1", params![before])?;
            let b = tx.execute(
                "DELETE FROM traps WHERE id <= (SELECT MAX(id) FROM traps) - ?1",
                params![keep],
            )?;
            Ok(a + b)
        })
    }
}

fn row(r: &Row<'_, '_>) -> Result<StoredTrap, StoreError> {
    let id: i64 = r.get(0)?;
    let text: String = r.get(1)?;
    let follow_up: Option<String> = r.get(2)?;
    let parsed = RawValue::from_string(text).and_then(|record| {
        let follow_up = match follow_up {
            Some(f) => serde_json::from_str(&f)?,
            None => Vec::new(),
        };
        Ok(StoredTrap {
            id,
            record,
            follow_up,
        })
    });
    parsed.map_err(StoreError::from)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::tests::{Kind, fresh};

    fn trap(at: i64, source: &str, oid: &str, name: Option<&str>, device: Option<&str>) -> NewTrap {
        NewTrap {
            at,
            source: source.into(),
            oid: oid.into(),
            name: name.map(Into::into),
            device: device.map(Into::into),
            record: format!(r#"{{"source":"{source}","oid":"{oid}","at":{at}}}"#),
        }
    }

    fn ids(store: &Store, f: TrapFilter) -> Vec<i64> {
        let f = TrapFilter {
            limit: if f.limit == 0 { 100 } else { f.limit },
            ..f
        };
        store.traps(&f).unwrap().iter().map(|t| t.id).collect()
    }

    /// Shared: runs on both backends (`on_both!` in lib.rs).
    pub(crate) fn traps_are_filtered_paged_followed_up_and_pruned(kind: Kind) {
        let store = Store::connect(&fresh(kind, "traps")).unwrap();
        let down = ".1.3.6.1.6.3.1.1.5.3";
        let got = store
            .insert_traps(&[
                trap(
                    1_000,
                    "198.18.0.161",
                    down,
                    Some("IF-MIB::linkDown"),
                    Some("s1"),
                ),
                trap(
                    2_000,
                    "198.18.0.162",
                    ".1.3.6.1.6.3.1.1.5.4",
                    Some("IF-MIB::linkUp"),
                    None,
                ),
                trap(
                    3_000,
                    "198.18.0.161",
                    ".1.3.6.1.6.3.1.1.5.30",
                    None,
                    Some("s1"),
                ),
                trap(
                    4_000,
                    "10.0.0.1",
                    ".1.3.6.1.4.1.9.9.43.2.0.1",
                    Some("CISCO-CONFIG-MAN-MIB::ciscoConfigManEvent"),
                    None,
                ),
            ])
            .unwrap();
        assert_eq!(got, [1, 2, 3, 4]);
        assert_eq!(ids(&store, TrapFilter::default()), [4, 3, 2, 1]);
        let by_source = TrapFilter {
            source: Some("198.18.0.161".into()),
            ..Default::default()
        };
        assert_eq!(ids(&store, by_source), [3, 1]);
        let subtree = TrapFilter {
            oid: Some(".1.3.6.1.6.3.1.1.5".into()),
            ..Default::default()
        };
        assert_eq!(ids(&store, subtree), [3, 2, 1]);
        let exact = TrapFilter {
            oid: Some(down.into()),
            ..Default::default()
        };
        assert_eq!(ids(&store, exact), [1], "'.5.3' must not match '.5.30'");
        let no_dot = TrapFilter {
            oid: Some("1.3.6.1.6.3.1.1.5.3".into()),
            ..Default::default()
        };
        assert_eq!(ids(&store, no_dot), [1]);
        let by_name = TrapFilter {
            oid: Some("link".into()),
            ..Default::default()
        };
        assert_eq!(ids(&store, by_name), [2, 1]);
        let wildcard = TrapFilter {
            oid: Some("%".into()),
            ..Default::default()
        };
        assert!(
            ids(&store, wildcard).is_empty(),
            "% is a character, not a wildcard"
        );
        let window = TrapFilter {
            since: Some(2_000),
            until: Some(4_000),
            ..Default::default()
        };
        assert_eq!(ids(&store, window), [3, 2]);
        let page = TrapFilter {
            before: Some(3),
            limit: 1,
            ..Default::default()
        };
        assert_eq!(ids(&store, page), [2]);
        let device = TrapFilter {
            device: Some("s1".into()),
            ..Default::default()
        };
        assert_eq!(ids(&store, device), [3, 1]);
        assert_eq!(
            store
                .recent_traps_of(&["s1".into()], 1)
                .unwrap()
                .iter()
                .map(|(d, t)| (d.as_str(), t.id))
                .collect::<Vec<_>>(),
            [("s1", 3)]
        );

        let from = store
            .traps_from(&["10.0.0.1".into()], &["s1".into()], 0, 3_500, 10)
            .unwrap();
        assert_eq!(from.iter().map(|t| t.id).collect::<Vec<_>>(), [3, 1]);

        assert!(store.set_trap_follow_up(1, &[42, 43]).unwrap());
        let one = store.trap(1).unwrap().unwrap();
        assert_eq!(one.follow_up, [42, 43]);
        assert_eq!(
            one.record.get(),
            r#"{"source":"198.18.0.161","oid":".1.3.6.1.6.3.1.1.5.3","at":1000}"#
        );
        assert!(store.trap(99).unwrap().is_none());
        assert_eq!(store.trap_totals().unwrap(), (4, Some(1_000)));

        assert_eq!(store.prune_traps(2_000, 100).unwrap(), 1);
        assert_eq!(store.prune_traps(0, 2).unwrap(), 1);
        assert_eq!(ids(&store, TrapFilter::default()), [4, 3]);
        drop(store);
    }
}
