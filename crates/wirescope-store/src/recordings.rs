//! Terminal recordings: a session's asciicast text stored as pieces while it runs (so a
//! crash keeps what was flushed), its end reason, and reading it back whole.

use crate::sql::{Db, Optional, Row, params};
use crate::{Store, StoreError, now_ms};
use serde::Serialize;

/// A terminal session's recording, without its asciicast text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Recording {
    pub id: i64,
    pub target: String,
    pub port: u16,
    pub user: String,
    pub netns: Option<String>,
    /// Milliseconds since the epoch.
    pub started_at: i64,
    /// `null` while the session is open (or when the server died during it).
    pub ended_at: Option<i64>,
    pub duration_ms: Option<i64>,
    pub cols: u16,
    pub rows: u16,
    /// Size of the asciicast text.
    pub bytes: i64,
    /// Output past the recording limit was not kept.
    pub truncated: bool,
    /// exit, remote, client, idle, or interrupted (the server stopped during the session).
    pub end_reason: Option<String>,
    /// The signed-in user who opened the terminal (`null` before users existed).
    pub opened_by: Option<String>,
    /// Who watched the session live, in the order they first joined.
    pub watchers: Vec<String>,
}

/// What a new recording starts with.
#[derive(Debug, Clone)]
pub struct NewRecording<'a> {
    pub target: &'a str,
    pub port: u16,
    pub user: &'a str,
    pub netns: Option<&'a str>,
    pub cols: u16,
    pub rows: u16,
    pub opened_by: Option<&'a str>,
}

/// The recordings' columns, the watchers' names as one JSON array (each engine has its own
/// aggregate for that).
fn select_recording(db: Db<'_>) -> String {
    let watchers = if db.is_pg() {
        "(SELECT COALESCE(json_agg(name ORDER BY first_at, name)::text, '[]')
            FROM ssh_recording_watchers w WHERE w.recording_id = ssh_recordings.id)"
    } else {
        "(SELECT json_group_array(name) FROM (SELECT name FROM ssh_recording_watchers w
            WHERE w.recording_id = ssh_recordings.id ORDER BY first_at, name))"
    };
    format!(
        "SELECT id, target, port, \"user\", netns, started_at, ended_at, cols, rows, bytes,
            truncated, end_reason, opened_by, {watchers} FROM ssh_recordings"
    )
}

fn read_recording(r: &Row<'_, '_>) -> Result<Recording, StoreError> {
    let started_at: i64 = r.get(5)?;
    let ended_at: Option<i64> = r.get(6)?;
    Ok(Recording {
        id: r.get(0)?,
        target: r.get(1)?,
        port: r.get(2)?,
        user: r.get(3)?,
        netns: r.get(4)?,
        started_at,
        ended_at,
        duration_ms: ended_at.map(|e| e - started_at),
        cols: r.get(7)?,
        rows: r.get(8)?,
        bytes: r.get(9)?,
        truncated: r.get(10)?,
        end_reason: r.get(11)?,
        opened_by: r.get(12)?,
        watchers: serde_json::from_str(&r.get::<_, String>(13)?).unwrap_or_default(),
    })
}

impl Store {
    /// Marks recordings still open as `interrupted`: what a server that died during them had
    /// flushed is kept. Called by the server as it starts (not by every opener of the store: a
    /// CLI run with `--save` must not cut a running server's sessions short).
    pub fn mark_interrupted_recordings(&self) -> Result<usize, StoreError> {
        self.write(|db| {
            db.execute(
                "UPDATE ssh_recordings SET end_reason = 'interrupted'
             WHERE ended_at IS NULL AND end_reason IS NULL",
                params![],
            )
        })
    }

    /// Starts a terminal recording; its text comes with [`Store::save_recording`].
    pub fn start_recording(&self, n: &NewRecording<'_>) -> Result<i64, StoreError> {
        self.write(|db| {
            db.insert(
                "INSERT INTO ssh_recordings (target, port, \"user\", netns, started_at, cols, rows, opened_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
                params![n.target, n.port, n.user, n.netns, now_ms(), n.cols, n.rows, n.opened_by],
            )
        })
    }

    /// Notes that someone watched a recording's session live (once per name).
    pub fn add_recording_watcher(&self, id: i64, name: &str) -> Result<(), StoreError> {
        self.write(|db| {
            db.execute(
                "INSERT INTO ssh_recording_watchers (recording_id, name, first_at)
             VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                params![id, name, now_ms()],
            )
        })?;
        Ok(())
    }

    /// Appends the next piece of a recording's asciicast text (as it grows, and at the end with
    /// `ended`, the reason it ended).
    pub fn save_recording(
        &self,
        id: i64,
        chunk: &[u8],
        truncated: bool,
        ended: Option<&str>,
    ) -> Result<(), StoreError> {
        self.transaction(|tx| {
        if !chunk.is_empty() {
            tx.execute(
                "INSERT INTO ssh_recording_chunks (recording_id, seq, data)
                 SELECT ?1, COALESCE(MAX(seq) + 1, 0), ?2 FROM ssh_recording_chunks WHERE recording_id = ?1",
                params![id, chunk],
            )?;
        }
        let ended_at = ended.map(|_| now_ms());
        tx.execute(
            "UPDATE ssh_recordings SET bytes = bytes + ?2, truncated = ?3,
                ended_at = COALESCE(?4, ended_at), end_reason = COALESCE(?5, end_reason)
             WHERE id = ?1",
            params![id, chunk.len() as i64, truncated, ended_at, ended],
        )?;
                Ok(())
        })
    }

    /// Recordings, newest first, and how many there are.
    pub fn recordings(&self, limit: i64, offset: i64) -> Result<(Vec<Recording>, i64), StoreError> {
        self.read(|db| {
            let list = db.query_map(
                &format!(
                    "{} ORDER BY id DESC LIMIT ?1 OFFSET ?2",
                    select_recording(db)
                ),
                params![limit, offset],
                read_recording,
            )?;
            let total = db.query_row("SELECT COUNT(*) FROM ssh_recordings", params![], |r| {
                r.get(0)
            })?;
            Ok((list, total))
        })
    }

    /// One recording's details.
    pub fn recording(&self, id: i64) -> Result<Option<Recording>, StoreError> {
        self.read(|db| {
            db.query_row(
                &format!("{} WHERE id = ?1", select_recording(db)),
                params![id],
                read_recording,
            )
        })
        .optional()
    }

    /// One recording's asciicast text, its pieces joined.
    pub fn recording_cast(&self, id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        self.read(|db| {
            let exists: Option<i64> = db
                .query_row(
                    "SELECT id FROM ssh_recordings WHERE id = ?1",
                    params![id],
                    |r| r.get(0),
                )
                .optional()?;
            if exists.is_none() {
                return Ok(None);
            }
            let mut out = Vec::new();
            db.query_map(
                "SELECT data FROM ssh_recording_chunks WHERE recording_id = ?1 ORDER BY seq",
                params![id],
                |r| {
                    out.extend_from_slice(&r.get::<_, Vec<u8>>(0)?);
                    Ok(())
                },
            )?;
            Ok(Some(out))
        })
    }

    /// Deletes a recording; false when there was none.
    pub fn delete_recording(&self, id: i64) -> Result<bool, StoreError> {
        Ok(
            self.write(|db| db.execute("DELETE FROM ssh_recordings WHERE id = ?1", params![id]))?
                > 0,
        )
    }
}
