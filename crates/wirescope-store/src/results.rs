//! The results table: each run's results as the JSON they were sent as, numbered from 0,
//! appended in one transaction per batch, read back from any sequence number.

use crate::sql::{Arg, params};
use crate::{Store, StoreError};
use serde_json::value::RawValue;

impl Store {
    /// A run's results from `from_seq` on as one JSON array, spliced from the stored JSON
    /// (written by this program) without parsing it again.
    pub fn results_array(&self, id: i64, from_seq: i64) -> Result<String, StoreError> {
        let mut out = String::from("[");
        self.read(|db| {
            db.query_map(
                "SELECT data FROM results WHERE run_id = ?1 AND seq >= ?2 ORDER BY seq",
                params![id, from_seq],
                |r| {
                    if out.len() > 1 {
                        out.push(',');
                    }
                    out.push_str(&r.get::<_, String>(0)?);
                    Ok(())
                },
            )
        })?;
        out.push(']');
        Ok(out)
    }

    /// Appends results (target, JSON) numbered from `first_seq`, in one transaction. A result
    /// stored already (the same batch tried again after a commit whose answer was lost) is
    /// not stored or counted twice.
    pub fn append_results(
        &self,
        id: i64,
        first_seq: i64,
        results: &[(&str, &str)],
    ) -> Result<(), StoreError> {
        let seqs: Vec<i64> = (0..results.len() as i64).map(|i| first_seq + i).collect();
        let rows: Vec<[Arg<'_>; 4]> = results
            .iter()
            .zip(&seqs)
            .map(|((target, data), seq)| {
                [
                    Arg::Int(id),
                    Arg::Int(*seq),
                    Arg::Text(target),
                    Arg::Text(data),
                ]
            })
            .collect();
        let rows: Vec<&[Arg<'_>]> = rows.iter().map(|r| r.as_slice()).collect();
        self.transaction(|db| {
            let new = db.execute_many(
                "INSERT INTO results (run_id, seq, target, data) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT DO NOTHING",
                &rows,
            )?;
            db.execute(
                "UPDATE runs SET done = done + ?2 WHERE id = ?1",
                params![id, new as i64],
            )?;
            db.notify_run(id)
        })?;
        Ok(())
    }

    /// The results of a run from `from_seq` on, as (seq, JSON), in order.
    pub fn results(&self, id: i64, from_seq: i64) -> Result<Vec<(i64, Box<RawValue>)>, StoreError> {
        let rows = self.read(|db| {
            db.query_map(
                "SELECT seq, data FROM results WHERE run_id = ?1 AND seq >= ?2 ORDER BY seq",
                params![id, from_seq],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
            )
        })?;
        rows.into_iter()
            .map(|(seq, data)| Ok((seq, RawValue::from_string(data)?)))
            .collect()
    }
}
