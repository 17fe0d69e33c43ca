//! The results table: each run's results as the JSON they were sent as, numbered from 0,
//! appended in one transaction per batch, read back from any sequence number.

use crate::{Store, StoreError};
use rusqlite::params;
use serde_json::value::RawValue;

impl Store {
    /// A run's results from `from_seq` on as one JSON array, spliced from the stored JSON
    /// (written by this program) without parsing it again.
    pub fn results_array(&self, id: i64, from_seq: i64) -> Result<String, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT data FROM results WHERE run_id = ?1 AND seq >= ?2 ORDER BY seq",
        )?;
        let mut rows = stmt.query(params![id, from_seq])?;
        let mut out = String::from("[");
        while let Some(row) = rows.next()? {
            if out.len() > 1 {
                out.push(',');
            }
            out.push_str(row.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?);
        }
        out.push(']');
        Ok(out)
    }

    /// Appends results (target, JSON) numbered from `first_seq`, in one transaction.
    pub fn append_results(
        &self,
        id: i64,
        first_seq: i64,
        results: &[(&str, &str)],
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO results (run_id, seq, target, data) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (i, (target, data)) in results.iter().enumerate() {
                stmt.execute(params![id, first_seq + i as i64, target, data])?;
            }
        }
        tx.execute(
            "UPDATE runs SET done = done + ?2 WHERE id = ?1",
            params![id, results.len() as i64],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The results of a run from `from_seq` on, as (seq, JSON), in order.
    pub fn results(&self, id: i64, from_seq: i64) -> Result<Vec<(i64, Box<RawValue>)>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT seq, data FROM results WHERE run_id = ?1 AND seq >= ?2 ORDER BY seq",
        )?;
        let rows = stmt
            .query_map(params![id, from_seq], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(seq, data)| Ok((seq, RawValue::from_string(data)?)))
            .collect()
    }
}
