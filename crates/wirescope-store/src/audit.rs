//! The audit trail: who did what, when, from where, to which object. Append-only, each row
//! carrying the SHA-256 of the row before it and of its own fields, so a row deleted, edited or
//! inserted out of order breaks the chain at that row (`verify`). Rows are only ever added;
//! the one deletion is retention's (`audit_prune`), from the oldest end, which keeps the hash
//! of the last row it removed as the anchor the remaining chain starts from.

use crate::sql::{Optional, params};
use crate::{Store, StoreError, now_ms};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Rows listed at once at most.
pub const AUDIT_LISTED: i64 = 10_000;
/// The advisory lock that lets one writer at a time extend the chain (PostgreSQL).
const AUDIT_LOCK: i64 = 0x0061_7564_6974;

/// One action to record.
#[derive(Debug, Clone, Default)]
pub struct NewAudit<'a> {
    /// Who: a user's name, `token` (the server's --token), `local` (the open server), `cli`, or
    /// the name tried at a failed sign-in.
    pub actor: &'a str,
    /// How they were known: `session`, `api_token`, `token`, `open`, `cli`, `none`.
    pub via: &'a str,
    /// The client's address (empty for the CLI).
    pub address: &'a str,
    /// What: `run.start`, `user.add`, `login.failed`...
    pub action: &'a str,
    /// To what: `run 12`, `user maria`, `/api/creds/core`.
    pub object: &'a str,
    /// The HTTP status it ended with (0 when not a request).
    pub status: u16,
}

/// A recorded action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    /// When (ms since the epoch).
    pub at: i64,
    pub actor: String,
    pub via: String,
    pub address: String,
    pub action: String,
    pub object: String,
    pub status: u16,
    /// SHA-256 (hex) of the previous row's hash and this row's fields.
    pub hash: String,
}

/// Which rows to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    /// Actions starting with this (`run.`, `login`).
    pub action: Option<String>,
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// Rows older than this id (the next page back).
    pub before: Option<i64>,
    pub limit: i64,
}

fn chain(prev: &str, at: i64, e: &NewAudit<'_>) -> String {
    let mut h = Sha256::new();
    // Fields joined with a separator none of them may hold unescaped: their JSON strings.
    let fields = serde_json::json!([
        prev, at, e.actor, e.via, e.address, e.action, e.object, e.status
    ]);
    h.update(fields.to_string().as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Where the kept trail starts after retention removed older rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditAnchor {
    /// The last row removed; the first kept row chains from its hash.
    pub last_id: i64,
    /// Rows removed by retention so far.
    pub pruned: i64,
    /// When the last removal ran (ms since the epoch).
    pub at: i64,
}

impl Store {
    /// Appends an action to the trail; returns its id.
    pub fn audit(&self, e: &NewAudit<'_>) -> Result<i64, StoreError> {
        self.audit_at(e, now_ms())
    }

    pub(crate) fn audit_at(&self, e: &NewAudit<'_>, at: i64) -> Result<i64, StoreError> {
        self.transaction(|tx| {
            // One writer at a time extends the chain, whichever server it runs on.
            tx.lock(AUDIT_LOCK)?;
            let prev: String = tx
                .query_row(
                    "SELECT hash FROM audit ORDER BY id DESC LIMIT 1",
                    params![],
                    |r| r.get(0),
                )
                .or_else(|_| {
                    tx.query_row(
                        "SELECT hash FROM audit_anchor WHERE id = 1",
                        params![],
                        |r| r.get(0),
                    )
                })
                .unwrap_or_default();
            let hash = chain(&prev, at, e);
            let id = tx.insert(
                "INSERT INTO audit (at, actor, via, address, action, object, status, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
                params![
                    at, e.actor, e.via, e.address, e.action, e.object, e.status, hash
                ],
            )?;
            Ok(id)
        })
    }

    /// Audit rows, newest first.
    pub fn audit_entries(&self, f: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = self.read(|db| {
            db.query_map(
                "SELECT id, at, actor, via, address, action, object, status, hash FROM audit
             WHERE (CAST(?1 AS TEXT) IS NULL OR actor = ?1)
               AND (CAST(?2 AS TEXT) IS NULL OR action LIKE ?2 || '%')
               AND (CAST(?3 AS BIGINT) IS NULL OR at >= ?3)
               AND (CAST(?4 AS BIGINT) IS NULL OR at < ?4)
               AND (CAST(?5 AS BIGINT) IS NULL OR id < ?5)
             ORDER BY id DESC LIMIT ?6",
                params![
                    f.actor,
                    f.action,
                    f.since,
                    f.until,
                    f.before,
                    f.limit.min(AUDIT_LISTED)
                ],
                |r| {
                    Ok(AuditEntry {
                        id: r.get(0)?,
                        at: r.get(1)?,
                        actor: r.get(2)?,
                        via: r.get(3)?,
                        address: r.get(4)?,
                        action: r.get(5)?,
                        object: r.get(6)?,
                        status: r.get(7)?,
                        hash: r.get(8)?,
                    })
                },
            )
        })?;
        Ok(rows)
    }

    /// Removes the rows older than `before` (ms since the epoch), never the newest one, and
    /// moves the anchor to the last row removed; returns how many went.
    pub fn audit_prune(&self, before: i64) -> Result<i64, StoreError> {
        self.transaction(|tx| {
            let cut: Option<(i64, String)> = tx
                .query_row(
                    "SELECT id, hash FROM audit WHERE at < ?1 AND id < (SELECT MAX(id) FROM audit)
                 ORDER BY id DESC LIMIT 1",
                    params![before],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let Some((last_id, hash)) = cut else {
                return Ok(0);
            };
            let n = tx.execute("DELETE FROM audit WHERE id <= ?1", params![last_id])? as i64;
            tx.execute(
            "INSERT INTO audit_anchor (id, last_id, hash, pruned, at) VALUES (1, ?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO UPDATE SET last_id = excluded.last_id, hash = excluded.hash,
                pruned = audit_anchor.pruned + excluded.pruned, at = excluded.at",
            params![last_id, hash, n, now_ms()],
        )?;
            Ok(n)
        })
    }

    /// Where the kept trail starts, when retention removed rows.
    pub fn audit_anchor(&self) -> Result<Option<AuditAnchor>, StoreError> {
        self.read(|db| {
            db.query_row(
                "SELECT last_id, pruned, at FROM audit_anchor WHERE id = 1",
                params![],
                |r| {
                    Ok(AuditAnchor {
                        last_id: r.get(0)?,
                        pruned: r.get(1)?,
                        at: r.get(2)?,
                    })
                },
            )
        })
        .optional()
    }

    /// Walks the whole trail (from the anchor, when retention removed older rows): the number
    /// of rows when every hash holds, else the first row that does not (a row removed before
    /// it, or it edited) and why.
    pub fn audit_verify(&self) -> Result<Result<i64, (i64, String)>, StoreError> {
        type AuditRow = (
            i64,
            i64,
            String,
            String,
            String,
            String,
            String,
            u16,
            String,
        );
        let (anchor, rows, seq) = self.read(|db| {
            let anchor: Option<(i64, String)> = db
                .query_row(
                    "SELECT last_id, hash FROM audit_anchor WHERE id = 1",
                    params![],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let rows: Vec<AuditRow> = db.query_map(
                "SELECT id, at, actor, via, address, action, object, status, hash FROM audit ORDER BY id",
                params![],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                        r.get(7)?,
                        r.get(8)?,
                    ))
                },
            )?;
            // The newest rows removed leave no broken link: the id counter still knows them.
            let seq: i64 = if db.is_pg() {
                db.query_row(
                    "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM audit_id_seq",
                    params![],
                    |r| r.get(0),
                )?
            } else {
                db.query_row(
                    "SELECT seq FROM sqlite_sequence WHERE name = 'audit'",
                    params![],
                    |r| r.get(0),
                )
                .optional()?
                .unwrap_or(0)
            };
            Ok((anchor, rows, seq))
        })?;
        let (mut prev, mut last_id) = anchor.map(|(id, hash)| (hash, id)).unwrap_or_default();
        let mut n = 0i64;
        for (id, at, actor, via, address, action, object, status, stored) in rows {
            let e = NewAudit {
                actor: &actor,
                via: &via,
                address: &address,
                action: &action,
                object: &object,
                status,
            };
            if chain(&prev, at, &e) != stored {
                let why = if id != last_id + 1 && last_id > 0 {
                    format!(
                        "rows {} to {} are missing, or row {id} was changed",
                        last_id + 1,
                        id - 1
                    )
                } else {
                    format!("row {id} was changed, or a row before it removed")
                };
                return Ok(Err((id, why)));
            }
            prev = stored;
            n += 1;
            last_id = id;
        }
        if seq > last_id {
            return Ok(Err((
                seq,
                format!("rows {} to {seq} (the newest) were removed", last_id + 1),
            )));
        }
        Ok(Ok(n))
    }
}
