//! Trends: the results of a suite's scheduled runs as per-target series of samples (RTT min,
//! median and max in microseconds, loss in per mille: about 30 bytes a sample), with rollups of
//! 5 minutes and of an hour (min, p10, median, p90 and max of the samples' medians, loss) kept
//! beside them for the long views, and pruned by age.

use crate::sql::{Db, Optional, Row, params};
use crate::{Store, StoreError};
use serde::Serialize;

/// Rollup bucket widths kept (ms): 5 minutes and an hour.
pub const ROLLUP_WIDTHS: [i64; 2] = [300_000, 3_600_000];

/// One probe round of one target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    /// When its run started (ms since the epoch).
    pub t: i64,
    pub min_us: Option<i64>,
    pub med_us: Option<i64>,
    pub max_us: Option<i64>,
    /// Lost, per mille.
    pub loss: u16,
    pub sent: u32,
}

/// A suite run that ended and waits to be taken into the trends and alerts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunToTake {
    pub run: i64,
    pub suite_id: i64,
    /// Its index in the suite's runs (`None` for runs from before it was recorded).
    pub suite_run: Option<i64>,
    pub kind: String,
    /// When it started (ms).
    pub started: i64,
    /// The site whose agent made it (`None`: the server).
    pub site: Option<String>,
}

/// A series: one suite's results of one kind for one target.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SeriesInfo {
    pub id: i64,
    pub kind: String,
    /// The target (DNS adds the question type: `name TYPE`).
    pub target: String,
    /// Its newest sample (ms), if any.
    pub last: Option<i64>,
    pub samples: i64,
}

/// A time bucket of a series (or one sample, for the raw view). Times in milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = TrendBucket)]
pub struct Bucket {
    /// Its start (ms since the epoch).
    pub t: i64,
    pub min_ms: Option<f64>,
    pub p10_ms: Option<f64>,
    pub median_ms: Option<f64>,
    pub p90_ms: Option<f64>,
    pub max_ms: Option<f64>,
    pub loss_pct: f64,
    /// Samples in the bucket.
    pub samples: u32,
}

fn ms(us: Option<i64>) -> Option<f64> {
    us.map(|u| u as f64 / 1000.0)
}

/// The rollup of the samples of one bucket starting at `t`: min of the minimums, max of the
/// maximums, p10/median/p90 of the medians (nearest rank), loss weighted by what was sent.
pub fn rollup(t: i64, samples: &[Sample]) -> Bucket {
    let mut medians: Vec<i64> = samples.iter().filter_map(|s| s.med_us).collect();
    medians.sort_unstable();
    let rank = |q: f64| -> Option<i64> {
        if medians.is_empty() {
            return None;
        }
        let i = ((q * medians.len() as f64).ceil() as usize).clamp(1, medians.len()) - 1;
        Some(medians[i])
    };
    let sent: u64 = samples.iter().map(|s| u64::from(s.sent)).sum();
    let lost: f64 = samples
        .iter()
        .map(|s| f64::from(s.loss) / 1000.0 * f64::from(s.sent))
        .sum();
    Bucket {
        t,
        min_ms: ms(samples.iter().filter_map(|s| s.min_us).min()),
        p10_ms: ms(rank(0.1)),
        median_ms: ms(rank(0.5)),
        p90_ms: ms(rank(0.9)),
        max_ms: ms(samples.iter().filter_map(|s| s.max_us).max()),
        loss_pct: if sent == 0 {
            0.0
        } else {
            (lost * 1000.0 / sent as f64).round() / 10.0
        },
        samples: samples.len() as u32,
    }
}

fn us(ms: Option<f64>) -> Option<i64> {
    ms.map(|m| (m * 1000.0).round() as i64)
}

impl Store {
    /// Suite runs ended and not yet taken into the trends and alerts, oldest first.
    pub fn runs_to_trend(&self, limit: i64) -> Result<Vec<RunToTake>, StoreError> {
        let rows = self.read(|db| {
            db.query_map(
                "SELECT id, suite_id, suite_run, kind, COALESCE(started_at, created_at), site
             FROM runs
             WHERE suite_id IS NOT NULL AND trended = 0
               AND status NOT IN ('queued', 'running')
             ORDER BY id LIMIT ?1",
                params![limit],
                |r| {
                    Ok(RunToTake {
                        run: r.get(0)?,
                        suite_id: r.get(1)?,
                        suite_run: r.get(2)?,
                        kind: r.get(3)?,
                        started: r.get(4)?,
                        site: r.get(5)?,
                    })
                },
            )
        })?;
        Ok(rows)
    }

    /// A suite's series.
    pub fn series(&self, suite_id: i64) -> Result<Vec<SeriesInfo>, StoreError> {
        let rows = self.read(|db| {
            db.query_map(
                "SELECT id, kind, target, last_t, samples FROM series
             WHERE suite_id = ?1 ORDER BY kind, target",
                params![suite_id],
                read_series,
            )
        })?;
        Ok(rows)
    }

    /// One series of a suite, if it is the suite's.
    pub fn series_of(&self, suite_id: i64, id: i64) -> Result<Option<SeriesInfo>, StoreError> {
        self.read(|db| db.query_row(
                "SELECT id, kind, target, last_t, samples FROM series WHERE suite_id = ?1 AND id = ?2",
                params![suite_id, id],
                read_series,
            ))
            .optional()
    }

    /// A series from `from` to `to` (ms): each sample as its own bucket (`width` 0), or the
    /// rollups of that width.
    pub fn trend(
        &self,
        series: i64,
        from: i64,
        to: i64,
        width: i64,
    ) -> Result<Vec<Bucket>, StoreError> {
        if width == 0 {
            let rows = self.read(|db| {
                db.query_map(
                    "SELECT t, min_us, med_us, max_us, loss, sent FROM samples
                     WHERE series_id = ?1 AND t >= ?2 AND t < ?3 ORDER BY t",
                    params![series, from, to],
                    read_sample,
                )
            })?;
            return Ok(rows
                .iter()
                .map(|s| rollup(s.t, std::slice::from_ref(s)))
                .collect());
        }
        self.read(|db| {
            db.query_map(
                "SELECT t, min_us, p10_us, med_us, p90_us, max_us, loss, samples FROM rollups
             WHERE series_id = ?1 AND width = ?2 AND t >= ?3 AND t < ?4 ORDER BY t",
                params![series, width, from, to],
                |r| {
                    Ok(Bucket {
                        t: r.get(0)?,
                        min_ms: ms(r.get(1)?),
                        p10_ms: ms(r.get(2)?),
                        median_ms: ms(r.get(3)?),
                        p90_ms: ms(r.get(4)?),
                        max_ms: ms(r.get(5)?),
                        loss_pct: r.get::<_, i64>(6)? as f64 / 10.0,
                        samples: r.get(7)?,
                    })
                },
            )
        })
    }

    /// Deletes samples and 5-minute rollups (the day view's) older than `samples_before`, and
    /// hourly rollups older than `rollups_before` (ms); returns how many rows went.
    pub fn prune_trends(
        &self,
        samples_before: i64,
        rollups_before: i64,
    ) -> Result<usize, StoreError> {
        self.transaction(|tx| {
            tx.execute(
                "UPDATE series SET samples = samples - (SELECT COUNT(*) FROM samples
               WHERE series_id = series.id AND t < ?1)
             WHERE id IN (SELECT DISTINCT series_id FROM samples WHERE t < ?1)",
                params![samples_before],
            )?;
            let a = tx.execute("DELETE FROM samples WHERE t < ?1", params![samples_before])?;
            let b = tx.execute(
                "DELETE FROM rollups WHERE (width = ?1 AND t < ?2) OR (width = ?3 AND t < ?4)",
                params![
                    ROLLUP_WIDTHS[0],
                    samples_before,
                    ROLLUP_WIDTHS[1],
                    rollups_before
                ],
            )?;
            Ok(a + b)
        })
    }
}

/// Adds a run's samples to its suite's series (one per target key) and updates the rollups of
/// their buckets, inside the caller's transaction.
pub(crate) fn write_samples(
    tx: Db<'_>,
    suite_id: i64,
    kind: &str,
    samples: &[(String, Sample)],
) -> Result<(), StoreError> {
    for (target, s) in samples {
        tx.execute(
            "INSERT INTO series (suite_id, kind, target) VALUES (?1, ?2, ?3)
             ON CONFLICT (suite_id, kind, target) DO NOTHING",
            params![suite_id, kind, target],
        )?;
        let series: i64 = tx.query_row(
            "SELECT id FROM series WHERE suite_id = ?1 AND kind = ?2 AND target = ?3",
            params![suite_id, kind, target],
            |r| r.get(0),
        )?;
        let new = tx.execute(
            "INSERT INTO samples (series_id, t, min_us, med_us, max_us, loss, sent)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING",
            params![series, s.t, s.min_us, s.med_us, s.max_us, s.loss, s.sent],
        )?;
        if new == 0 {
            tx.execute(
                "UPDATE samples SET min_us = ?3, med_us = ?4, max_us = ?5, loss = ?6, sent = ?7
                 WHERE series_id = ?1 AND t = ?2",
                params![series, s.t, s.min_us, s.med_us, s.max_us, s.loss, s.sent],
            )?;
        } else {
            tx.execute(
                "UPDATE series SET samples = samples + 1, last_t = CASE WHEN last_t > ?2 THEN last_t ELSE ?2 END
                 WHERE id = ?1",
                params![series, s.t],
            )?;
        }
        for width in ROLLUP_WIDTHS {
            let start = s.t - s.t.rem_euclid(width);
            let in_bucket = tx.query_map(
                "SELECT t, min_us, med_us, max_us, loss, sent FROM samples
                 WHERE series_id = ?1 AND t >= ?2 AND t < ?3",
                params![series, start, start + width],
                read_sample,
            )?;
            let b = rollup(start, &in_bucket);
            tx.execute(
                "INSERT INTO rollups
                 (series_id, width, t, min_us, p10_us, med_us, p90_us, max_us, loss, samples)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT (series_id, width, t) DO UPDATE SET min_us = excluded.min_us,
                    p10_us = excluded.p10_us, med_us = excluded.med_us, p90_us = excluded.p90_us,
                    max_us = excluded.max_us, loss = excluded.loss, samples = excluded.samples",
                params![
                    series,
                    width,
                    start,
                    us(b.min_ms),
                    us(b.p10_ms),
                    us(b.median_ms),
                    us(b.p90_ms),
                    us(b.max_ms),
                    (b.loss_pct * 10.0).round() as i64,
                    b.samples
                ],
            )?;
        }
    }
    Ok(())
}

fn read_series(r: &Row<'_, '_>) -> Result<SeriesInfo, StoreError> {
    Ok(SeriesInfo {
        id: r.get(0)?,
        kind: r.get(1)?,
        target: r.get(2)?,
        last: r.get(3)?,
        samples: r.get(4)?,
    })
}

fn read_sample(r: &Row<'_, '_>) -> Result<Sample, StoreError> {
    Ok(Sample {
        t: r.get(0)?,
        min_us: r.get(1)?,
        med_us: r.get(2)?,
        max_us: r.get(3)?,
        loss: r.get(4)?,
        sent: r.get(5)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(t: i64, med_ms: Option<i64>, loss: u16) -> Sample {
        Sample {
            t,
            min_us: med_ms.map(|m| m * 1000 - 100),
            med_us: med_ms.map(|m| m * 1000),
            max_us: med_ms.map(|m| m * 1000 + 100),
            loss,
            sent: 10,
        }
    }

    #[test]
    fn rollups_take_percentiles_of_the_medians_and_weigh_the_loss() {
        let samples: Vec<Sample> = (1..=10).map(|i| sample(i, Some(i), 0)).collect();
        let b = rollup(0, &samples);
        assert_eq!(
            (b.min_ms, b.p10_ms, b.median_ms, b.p90_ms, b.max_ms),
            (Some(0.9), Some(1.0), Some(5.0), Some(9.0), Some(10.1))
        );
        assert_eq!((b.loss_pct, b.samples), (0.0, 10));
        // Half lost in one of two rounds: 25%; a round with no answer has no RTT.
        let b = rollup(0, &[sample(1, Some(4), 500), sample(2, None, 0)]);
        assert_eq!((b.median_ms, b.loss_pct), (Some(4.0), 25.0));
        let b = rollup(0, &[sample(1, None, 1000)]);
        assert_eq!((b.median_ms, b.min_ms, b.loss_pct), (None, None, 100.0));
    }
}
