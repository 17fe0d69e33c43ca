//! Terminals open on the servers sharing a PostgreSQL database: each server publishes the
//! terminals it holds (a terminal stays on the server its WebSocket reached), so that every
//! server lists them all. A server gone silent takes its rows with it. On SQLite there is one
//! server, which lists its own terminals itself: nothing is published.

use crate::sql::{Row, params};
use crate::{INSTANCE_TTL_MS, Store, StoreError, now_ms};

/// Terminals one server publishes at most (the server caps its open terminals far below).
pub const PUBLISHED_TERMINALS: usize = 1_000;

/// A terminal open on some server, as the servers tell each other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenTerminal {
    /// Its recording's id.
    pub recording: i64,
    /// The server instance holding it (filled in by the store).
    pub instance: String,
    pub started_at: i64,
    /// The terminal as its server lists it (JSON: owner, target, size, audience).
    pub listing: String,
}

fn read_terminal(r: &Row<'_, '_>) -> Result<OpenTerminal, StoreError> {
    Ok(OpenTerminal {
        recording: r.get(0)?,
        instance: r.get(1)?,
        started_at: r.get(2)?,
        listing: r.get(3)?,
    })
}

impl Store {
    /// Replaces what this server has published of its open terminals with `open` (all of them,
    /// at most [`PUBLISHED_TERMINALS`]). Nothing on SQLite.
    pub fn publish_terminals(&self, open: &[OpenTerminal]) -> Result<(), StoreError> {
        if !self.is_postgres() {
            return Ok(());
        }
        let me = self.instance().to_string();
        self.transaction(|db| {
            db.execute(
                "DELETE FROM live_terminals WHERE instance = ?1",
                params![me],
            )?;
            for t in open.iter().take(PUBLISHED_TERMINALS) {
                db.execute(
                    "INSERT INTO live_terminals (recording, instance, started_at, listing, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (recording) DO UPDATE SET instance = excluded.instance,
                       started_at = excluded.started_at, listing = excluded.listing,
                       updated_at = excluded.updated_at",
                    params![t.recording, me, t.started_at, t.listing, now_ms()],
                )?;
            }
            Ok(())
        })
    }

    /// The terminals other servers hold now (servers seen within [`INSTANCE_TTL_MS`]), oldest
    /// first; rows of servers gone silent are removed. Empty on SQLite.
    pub fn terminals_elsewhere(&self) -> Result<Vec<OpenTerminal>, StoreError> {
        if !self.is_postgres() {
            return Ok(Vec::new());
        }
        let me = self.instance().to_string();
        let since = now_ms() - INSTANCE_TTL_MS;
        self.write(|db| {
            db.execute(
                "DELETE FROM live_terminals t WHERE NOT EXISTS
                   (SELECT 1 FROM instances i WHERE i.id = t.instance AND i.seen_at >= ?1)",
                params![since],
            )?;
            db.query_map(
                "SELECT recording, instance, started_at, listing FROM live_terminals
                 WHERE instance <> ?1 ORDER BY started_at, recording LIMIT ?2",
                params![me, PUBLISHED_TERMINALS as i64 * 8],
                read_terminal,
            )
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::Location;

    pub(crate) fn terminal(recording: i64, listing: &str) -> OpenTerminal {
        OpenTerminal {
            recording,
            instance: String::new(),
            started_at: 1_000 + recording,
            listing: listing.into(),
        }
    }

    /// Two servers on one database list each other's terminals, not their own (those they list
    /// from memory); a server gone silent takes its terminals off the list.
    pub(crate) fn servers_list_each_others_terminals(location: &Location) {
        let (a, b) = (
            Store::connect(location).unwrap(),
            Store::connect(location).unwrap(),
        );
        a.publish_terminals(&[terminal(1, r#"{"owner":"ann"}"#), terminal(2, "{}")])
            .unwrap();
        let shared = terminal(3, r#"{"owner":"cy","shared":true}"#);
        b.publish_terminals(std::slice::from_ref(&shared)).unwrap();
        assert_eq!(
            a.terminals_elsewhere().unwrap(),
            vec![OpenTerminal {
                instance: b.instance().into(),
                ..shared
            }]
        );
        let on_a: Vec<(i64, String)> = b
            .terminals_elsewhere()
            .unwrap()
            .into_iter()
            .map(|t| (t.recording, t.listing))
            .collect();
        assert_eq!(
            on_a,
            [(1, r#"{"owner":"ann"}"#.to_string()), (2, "{}".to_string())]
        );
        // A terminal closed on A leaves B's list at A's next publication.
        a.publish_terminals(&[terminal(2, "{}")]).unwrap();
        assert_eq!(b.terminals_elsewhere().unwrap().len(), 1);
        // A gone silent: its terminals are no longer listed, and removed.
        a.write(|db| {
            db.execute(
                "UPDATE instances SET seen_at = 0 WHERE id = ?1",
                params![a.instance().to_string()],
            )
        })
        .unwrap();
        assert!(b.terminals_elsewhere().unwrap().is_empty());
        let left: i64 = b
            .read(|db| {
                db.query_row("SELECT COUNT(*) FROM live_terminals", params![], |r| {
                    r.get(0)
                })
            })
            .unwrap();
        assert_eq!(left, 1, "only B's own terminal is left");
    }
}
