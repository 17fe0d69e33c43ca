//! Diagnostics collected when an alert fires: one row per alert event, from `collecting` to
//! `ready` (with the evidence bundle's zip, kept in the database so every server sharing it can
//! serve it) or `failed`/`skipped` with the reason. Only the newest bundles keep their zip; older
//! rows keep what was collected, without the bytes.

use crate::sql::{Optional, Row, params};
use crate::{Store, StoreError, now_ms};
use serde::Serialize;

/// Where an alert's diagnostics stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DiagnosticsStatus {
    /// Runs under way; the bundle follows.
    Collecting,
    /// The bundle can be downloaded.
    Ready,
    /// Made, but its zip was pruned to keep the newest ones.
    Pruned,
    /// Could not be made (`note` says why).
    Failed,
    /// Not collected (`note` says why: too many at once, one for this target just before).
    Skipped,
}

impl DiagnosticsStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DiagnosticsStatus::Collecting => "collecting",
            DiagnosticsStatus::Ready => "ready",
            DiagnosticsStatus::Pruned => "pruned",
            DiagnosticsStatus::Failed => "failed",
            DiagnosticsStatus::Skipped => "skipped",
        }
    }

    pub(crate) fn parse(s: &str) -> DiagnosticsStatus {
        match s {
            "collecting" => DiagnosticsStatus::Collecting,
            "ready" => DiagnosticsStatus::Ready,
            "pruned" => DiagnosticsStatus::Pruned,
            "skipped" => DiagnosticsStatus::Skipped,
            _ => DiagnosticsStatus::Failed,
        }
    }
}

/// An alert event's diagnostics, without the zip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Diagnostics {
    pub status: DiagnosticsStatus,
    /// When collecting began (ms since the epoch).
    pub started_at: i64,
    pub finished_at: Option<i64>,
    /// The runs started for it (trace, DNS, SNMP interfaces), as they were started.
    pub runs: Vec<i64>,
    /// The zip's size and SHA-256 (ready and pruned).
    pub bytes: Option<i64>,
    pub sha256: Option<String>,
    /// What was left out, or why it failed or was skipped.
    pub note: Option<String>,
}

/// Reads `d.status, d.started_at, d.finished_at, d.runs, d.bytes, d.sha256, d.note` from column
/// `at` on (a `LEFT JOIN diagnostics d`; all NULL: none).
pub(crate) fn read_diagnostics(
    r: &Row<'_, '_>,
    at: usize,
) -> Result<Option<Diagnostics>, StoreError> {
    let Some(status) = r.get::<_, Option<String>>(at)? else {
        return Ok(None);
    };
    let runs: String = r.get(at + 3)?;
    Ok(Some(Diagnostics {
        status: DiagnosticsStatus::parse(&status),
        started_at: r.get(at + 1)?,
        finished_at: r.get(at + 2)?,
        runs: serde_json::from_str(&runs).unwrap_or_default(),
        bytes: r.get(at + 4)?,
        sha256: r.get(at + 5)?,
        note: r.get(at + 6)?,
    }))
}

impl Store {
    /// Starts an event's diagnostics; false when it has some already (collected once only).
    pub fn begin_diagnostics(&self, event: i64) -> Result<bool, StoreError> {
        Ok(self.write(|db| {
            db.execute(
            "INSERT INTO diagnostics (event_id, status, started_at) VALUES (?1, 'collecting', ?2)
             ON CONFLICT DO NOTHING",
            params![event, now_ms()],
        )
        })? == 1)
    }

    /// Records an event's diagnostics as skipped, with why.
    pub fn skip_diagnostics(&self, event: i64, why: &str) -> Result<(), StoreError> {
        let now = now_ms();
        self.write(|db| {
            db.execute(
                "INSERT INTO diagnostics (event_id, status, started_at, finished_at, note)
             VALUES (?1, 'skipped', ?2, ?2, ?3) ON CONFLICT DO NOTHING",
                params![event, now, why],
            )
        })?;
        Ok(())
    }

    /// Records the runs started for an event's diagnostics so far.
    pub fn diagnostics_runs(&self, event: i64, runs: &[i64]) -> Result<(), StoreError> {
        self.write(|db| {
            db.execute(
                "UPDATE diagnostics SET runs = ?2 WHERE event_id = ?1",
                params![event, serde_json::to_string(runs)?],
            )
        })?;
        Ok(())
    }

    /// Stores an event's bundle (`Ok`) or why there is none (`Err`), and drops the zips of all
    /// but the newest `keep` bundles, and of the older ones past `keep_bytes` in all.
    pub fn finish_diagnostics(
        &self,
        event: i64,
        outcome: Result<(&[u8], &str), &str>,
        note: Option<&str>,
        keep: i64,
        keep_bytes: i64,
    ) -> Result<(), StoreError> {
        self.transaction(|tx| {
            match outcome {
            Ok((zip, sha256)) => tx.execute(
                "UPDATE diagnostics SET status = 'ready', finished_at = ?2, zip = ?3, bytes = ?4,
                   sha256 = ?5, note = ?6 WHERE event_id = ?1",
                params![event, now_ms(), zip, zip.len() as i64, sha256, note],
            )?,
            Err(why) => tx.execute(
                "UPDATE diagnostics SET status = 'failed', finished_at = ?2, note = ?3
                 WHERE event_id = ?1",
                params![event, now_ms(), why],
            )?,
        };
            tx.execute(
                "UPDATE diagnostics SET status = 'pruned', zip = NULL WHERE status = 'ready'
               AND event_id NOT IN (SELECT event_id FROM diagnostics WHERE status = 'ready'
                                    ORDER BY event_id DESC LIMIT ?1)",
                params![keep],
            )?;
            let sizes: Vec<(i64, i64)> = tx.query_map(
            "SELECT event_id, bytes FROM diagnostics WHERE status = 'ready' ORDER BY event_id DESC",
            params![],
            |r| Ok((r.get(0)?, r.get::<_, Option<i64>>(1)?.unwrap_or(0))),
        )?;
            let mut total = 0i64;
            for (id, bytes) in sizes {
                total = total.saturating_add(bytes);
                // The newest is kept whatever its size: it is what the alert just collected.
                if total > keep_bytes && total != bytes {
                    tx.execute(
                        "UPDATE diagnostics SET status = 'pruned', zip = NULL WHERE event_id = ?1",
                        params![id],
                    )?;
                }
            }
            Ok(())
        })
    }

    /// Marks diagnostics left collecting by a server that stopped as failed; returns how many.
    pub fn fail_unfinished_diagnostics(&self, why: &str) -> Result<usize, StoreError> {
        self.write(|db| {
            db.execute(
                "UPDATE diagnostics SET status = 'failed', finished_at = ?1, note = ?2
             WHERE status = 'collecting'",
                params![now_ms(), why],
            )
        })
    }

    /// When diagnostics were last begun for a target of a suite, if ever.
    pub fn last_diagnosed(&self, suite_id: i64, target: &str) -> Result<Option<i64>, StoreError> {
        Ok(self.read(|db| db.query_row(
                "SELECT MAX(d.started_at) FROM diagnostics d JOIN alert_events e ON e.id = d.event_id
                 WHERE e.suite_id = ?1 AND e.target = ?2 AND d.status != 'skipped'",
                params![suite_id, target],
                |r| r.get(0),
            ))
            .optional()?
            .flatten())
    }

    /// Diagnostics collecting now.
    pub fn diagnostics_collecting(&self) -> Result<i64, StoreError> {
        self.read(|db| {
            db.query_row(
                "SELECT COUNT(*) FROM diagnostics WHERE status = 'collecting'",
                params![],
                |r| r.get(0),
            )
        })
    }

    /// An event's bundle: its zip bytes and SHA-256, when ready.
    pub fn diagnostics_zip(&self, event: i64) -> Result<Option<(Vec<u8>, String)>, StoreError> {
        self.read(|db| {
            db.query_row(
                "SELECT zip, sha256 FROM diagnostics WHERE event_id = ?1 AND status = 'ready'",
                params![event],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
        .optional()
    }
}
