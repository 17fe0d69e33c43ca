//! Moving a history from one store into another (a single engineer's SQLite file into the
//! team's PostgreSQL, or back): every table copied row for row with its ids, in the order their
//! references allow, the id counters carried over, then each table counted and sampled on both
//! sides.

use crate::sql::{Arg, AsArg, Db, Optional, Val, params};
use crate::{Store, StoreError};
use serde::Serialize;

/// The tables, parents before children, each with the columns that order its rows.
const TABLES: &[(&str, &str)] = &[
    ("suites", "id"),
    ("runs", "id"),
    ("results", "run_id, seq"),
    ("settings", "key"),
    ("ssh_recordings", "id"),
    ("ssh_recording_chunks", "recording_id, seq"),
    ("ssh_recording_watchers", "recording_id, name"),
    ("suite_fires", "id"),
    ("series", "id"),
    ("samples", "series_id, t"),
    ("rollups", "series_id, width, t"),
    ("alert_states", "suite_id, rule, target"),
    ("alert_events", "id"),
    ("deliveries", "id"),
    ("channels", "id"),
    ("target_history", "id"),
    ("traps", "id"),
    ("diagnostics", "event_id"),
    ("users", "id"),
    ("sessions", "hash"),
    ("api_tokens", "id"),
    ("audit", "id"),
    ("audit_anchor", "id"),
    ("agents", "id"),
    ("jobs", "id"),
    ("captures", "id"),
    ("capture_files", "capture_id, seq"),
    ("capture_stats", "capture_id, width, t"),
    ("config_versions", "id"),
    ("device_facts", "target"),
];

/// The tables whose ids the database hands out (AUTOINCREMENT, identity columns): their
/// counters are carried over, so no id is handed out twice.
const COUNTED: &[&str] = &[
    "suites",
    "runs",
    "ssh_recordings",
    "suite_fires",
    "series",
    "alert_events",
    "deliveries",
    "channels",
    "target_history",
    "traps",
    "users",
    "api_tokens",
    "audit",
    "agents",
    "jobs",
    "captures",
    "config_versions",
];

/// Rows written in one transaction (sent at once, pipelined, to PostgreSQL).
pub const COPY_BATCH: usize = 2_000;
/// Rows of each table compared value by value after the copy, spread evenly over it.
pub const COPY_SAMPLES: i64 = 16;

/// What was copied of one table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableCopy {
    pub table: &'static str,
    pub rows: i64,
    /// Rows read back from both stores and found equal.
    pub sampled: i64,
}

fn copy_error(table: &str, message: impl std::fmt::Display) -> StoreError {
    StoreError::Copy(format!("{table}: {message}"))
}

/// A table's columns, in their declared order.
fn columns(db: Db<'_>, table: &str) -> Result<Vec<String>, StoreError> {
    let sql = if db.is_pg() {
        "SELECT column_name::text FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = ?1 ORDER BY ordinal_position"
    } else {
        "SELECT name FROM pragma_table_info(?1) ORDER BY cid"
    };
    db.query_map(sql, params![table], |r| r.get(0))
}

/// The last id a table's counter handed out (0 if none).
fn id_counter(db: Db<'_>, table: &str) -> Result<i64, StoreError> {
    let last: Option<i64> = if db.is_pg() {
        db.query_row(
            "SELECT pg_sequence_last_value(pg_get_serial_sequence(?1, 'id')::regclass)",
            params![table],
            |r| r.get(0),
        )?
    } else {
        db.query_row(
            "SELECT seq FROM sqlite_sequence WHERE name = ?1",
            params![table],
            |r| r.get(0),
        )
        .optional()?
    };
    Ok(last.unwrap_or(0))
}

/// Makes a table's counter hand out ids after `last`.
fn set_id_counter(db: Db<'_>, table: &str, last: i64) -> Result<(), StoreError> {
    if db.is_pg() {
        db.query_row(
            "SELECT setval(pg_get_serial_sequence(?1, 'id'), ?2, ?3)::text",
            params![table, last.max(1), last > 0],
            |_| Ok(()),
        )
    } else {
        db.execute(
            "DELETE FROM sqlite_sequence WHERE name = ?1",
            params![table],
        )?;
        if last > 0 {
            db.execute(
                "INSERT INTO sqlite_sequence (name, seq) VALUES (?1, ?2)",
                params![table, last],
            )?;
        }
        Ok(())
    }
}

fn count(db: Db<'_>, table: &str) -> Result<i64, StoreError> {
    db.query_row(&format!("SELECT COUNT(*) FROM {table}"), params![], |r| {
        r.get(0)
    })
}

fn write_batch(target: &Store, insert: &str, rows: &[Vec<Val>]) -> Result<(), StoreError> {
    let args: Vec<Vec<Arg<'_>>> = rows
        .iter()
        .map(|row| row.iter().map(AsArg::arg).collect())
        .collect();
    let slices: Vec<&[Arg<'_>]> = args.iter().map(Vec::as_slice).collect();
    target.transaction(|db| db.execute_many(insert, &slices))?;
    Ok(())
}

impl Store {
    /// Copies this store's whole history into `target`, which must hold none yet, and checks
    /// the copy: each table's rows counted on both sides and [`COPY_SAMPLES`] of them compared
    /// value by value. `progress` hears of each table as it starts (name, rows).
    pub fn copy_into(
        &self,
        target: &Store,
        mut progress: impl FnMut(&str, i64),
    ) -> Result<Vec<TableCopy>, StoreError> {
        for (table, _) in TABLES {
            let there = target.read(|db| count(db, table))?;
            if there > 0 {
                return Err(copy_error(
                    table,
                    format!(
                        "{} holds {there} rows already: copy into a new, empty database",
                        target.location()
                    ),
                ));
            }
        }
        let mut report = Vec::with_capacity(TABLES.len());
        for (table, order) in TABLES {
            let cols = self.read(|db| columns(db, table))?;
            let theirs = target.read(|db| columns(db, table))?;
            if let Some(missing) = cols.iter().find(|c| !theirs.contains(c)) {
                return Err(copy_error(
                    table,
                    format!("{} has no column {missing}", target.location()),
                ));
            }
            let list = cols
                .iter()
                .map(|c| format!("\"{c}\""))
                .collect::<Vec<_>>()
                .join(", ");
            let marks = (1..=cols.len())
                .map(|i| format!("?{i}"))
                .collect::<Vec<_>>()
                .join(", ");
            let insert = format!("INSERT INTO {table} ({list}) VALUES ({marks})");
            let select = format!("SELECT {list} FROM {table} ORDER BY {order}");
            let rows = self.read(|db| count(db, table))?;
            progress(table, rows);
            let mut batch: Vec<Vec<Val>> = Vec::with_capacity(COPY_BATCH);
            self.read(|db| {
                db.query_map(&select, params![], |r| {
                    batch.push(
                        (0..cols.len())
                            .map(|i| r.value(i))
                            .collect::<Result<_, _>>()?,
                    );
                    if batch.len() == COPY_BATCH {
                        write_batch(target, &insert, &batch)?;
                        batch.clear();
                    }
                    Ok(())
                })
            })?;
            if !batch.is_empty() {
                write_batch(target, &insert, &batch)?;
            }
            if COUNTED.contains(table) {
                let last = self.read(|db| {
                    let max: Option<i64> =
                        db.query_row(&format!("SELECT MAX(id) FROM {table}"), params![], |r| {
                            r.get(0)
                        })?;
                    Ok(id_counter(db, table)?.max(max.unwrap_or(0)))
                })?;
                target.write(|db| set_id_counter(db, table, last))?;
            }
            let copied = target.read(|db| count(db, table))?;
            if copied != rows {
                return Err(copy_error(
                    table,
                    format!("{rows} rows read but {copied} written"),
                ));
            }
            let sampled = self.compare_sample(target, table, &select, rows, cols.len())?;
            report.push(TableCopy {
                table,
                rows,
                sampled,
            });
        }
        Ok(report)
    }

    /// Reads rows spread evenly over a table from both stores and compares them.
    fn compare_sample(
        &self,
        target: &Store,
        table: &str,
        select: &str,
        rows: i64,
        width: usize,
    ) -> Result<i64, StoreError> {
        let take = |store: &Store, at: i64| -> Result<Vec<Val>, StoreError> {
            store.read(|db| {
                db.query_row(&format!("{select} LIMIT 1 OFFSET ?1"), params![at], |r| {
                    (0..width).map(|i| r.value(i)).collect()
                })
            })
        };
        let mut offsets: Vec<i64> = (0..COPY_SAMPLES.min(rows))
            .map(|k| k * rows / COPY_SAMPLES.min(rows))
            .collect();
        offsets.dedup();
        for &at in &offsets {
            let (a, b) = (take(self, at)?, take(target, at)?);
            if a != b {
                return Err(copy_error(
                    table,
                    format!("row {} differs after the copy: {a:?} became {b:?}", at + 1),
                ));
            }
        }
        Ok(offsets.len() as i64)
    }
}
