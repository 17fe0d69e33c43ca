//! Stored captures: each capture session's facts (what it read, where its files lie, how it
//! ended), its pcapng files (kept, or removed by retention: the row stays so the gap is known),
//! and its traffic by minute and by hour (totals beside the interval's JSON).

use crate::sql::{Optional, Row, params};
use crate::{Store, StoreError};
use serde::Serialize;

/// Interval widths kept (ms): a minute and an hour.
pub const CAPTURE_WIDTHS: [i64; 2] = [60_000, 3_600_000];

/// A capture to record.
#[derive(Debug, Clone)]
pub struct NewCapture<'a> {
    /// "live" or "file".
    pub source: &'a str,
    pub interfaces: &'a [String],
    pub bpf: Option<&'a str>,
    /// An uploaded file's name.
    pub file: Option<&'a str>,
    pub netns: Option<&'a str>,
    /// The machine whose disk holds its files.
    pub host: &'a str,
    /// Its directory there.
    pub dir: &'a str,
    pub started_at: i64,
    /// How its files rotate, JSON.
    pub rotation: &'a str,
}

/// A stored capture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StoredCapture {
    pub id: i64,
    /// "live" or "file".
    pub source: String,
    pub interfaces: Vec<String>,
    pub bpf: Option<String>,
    pub file: Option<String>,
    pub netns: Option<String>,
    /// The machine whose disk holds its files.
    pub host: String,
    #[serde(skip)]
    pub dir: String,
    /// Milliseconds since the epoch.
    pub started_at: i64,
    pub ended_at: Option<i64>,
    /// running, stopped, or interrupted (the server stopped while it ran).
    pub status: String,
    /// Frames and bytes seen (as of the last minute, while it runs).
    pub frames: i64,
    pub bytes: i64,
    /// Where an uploaded file is damaged.
    pub damage: Option<String>,
    /// Files kept and their bytes; files removed by retention.
    pub files_kept: i64,
    pub files_bytes: i64,
    pub files_removed: i64,
    /// The newest minute with traffic (ms), if any.
    pub last_minute: Option<i64>,
}

/// One file of a stored capture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CaptureFile {
    pub seq: i64,
    /// Its name in the capture's directory.
    pub name: String,
    /// Its first and last frames' times (ns since the epoch).
    pub first_ns: Option<i64>,
    pub last_ns: Option<i64>,
    pub frames: i64,
    pub size: i64,
    /// Closed (rotated, or the capture ended); the open one is still written.
    pub closed: bool,
    /// When retention removed it (ms).
    pub removed_at: Option<i64>,
}

/// A kept file, for retention: whose, where, how big, how old.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptFile {
    pub capture_id: i64,
    pub dir: String,
    pub file: CaptureFile,
    /// Its age is counted from here (ms): a live capture's file from its last frame, an
    /// uploaded file's (whose frames may be years old) from when it was taken in.
    pub at: i64,
}

/// One interval of a capture's traffic: its totals, and the interval whole as JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureStat {
    /// Its start (ms).
    pub t: i64,
    pub packets: i64,
    pub bytes: i64,
    pub data: String,
}

const COLUMNS: &str = "c.id, c.source, c.interfaces, c.bpf, c.file, c.netns, c.host, c.dir,
    c.started_at, c.ended_at, c.status, c.frames, c.bytes, c.damage,
    (SELECT COUNT(*) FROM capture_files f WHERE f.capture_id = c.id AND f.removed_at IS NULL),
    (SELECT CAST(COALESCE(SUM(f.size), 0) AS BIGINT) FROM capture_files f WHERE f.capture_id = c.id AND f.removed_at IS NULL),
    (SELECT COUNT(*) FROM capture_files f WHERE f.capture_id = c.id AND f.removed_at IS NOT NULL),
    (SELECT MAX(s.t) FROM capture_stats s WHERE s.capture_id = c.id AND s.width = 60000)";

fn capture(r: &Row<'_, '_>) -> Result<StoredCapture, StoreError> {
    let interfaces: String = r.get(2)?;
    Ok(StoredCapture {
        id: r.get(0)?,
        source: r.get(1)?,
        interfaces: serde_json::from_str(&interfaces)?,
        bpf: r.get(3)?,
        file: r.get(4)?,
        netns: r.get(5)?,
        host: r.get(6)?,
        dir: r.get(7)?,
        started_at: r.get(8)?,
        ended_at: r.get(9)?,
        status: r.get(10)?,
        frames: r.get(11)?,
        bytes: r.get(12)?,
        damage: r.get(13)?,
        files_kept: r.get(14)?,
        files_bytes: r.get(15)?,
        files_removed: r.get(16)?,
        last_minute: r.get(17)?,
    })
}

const FILE_COLUMNS: &str = "seq, name, first_ns, last_ns, frames, size, closed, removed_at";

fn file(r: &Row<'_, '_>, at: usize) -> Result<CaptureFile, StoreError> {
    let closed: i64 = r.get(at + 6)?;
    Ok(CaptureFile {
        seq: r.get(at)?,
        name: r.get(at + 1)?,
        first_ns: r.get(at + 2)?,
        last_ns: r.get(at + 3)?,
        frames: r.get(at + 4)?,
        size: r.get(at + 5)?,
        closed: closed != 0,
        removed_at: r.get(at + 7)?,
    })
}

impl Store {
    /// Records a capture as running; returns its id.
    pub fn insert_capture(&self, c: &NewCapture<'_>) -> Result<i64, StoreError> {
        let interfaces = serde_json::to_string(c.interfaces)?;
        self.write(|db| {
            db.insert(
                "INSERT INTO captures (source, interfaces, bpf, file, netns, host, dir, started_at,
                     status, frames, bytes, rotation, owner)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'running', 0, 0, ?9, ?10) RETURNING id",
                params![
                    c.source,
                    interfaces,
                    c.bpf,
                    c.file,
                    c.netns,
                    c.host,
                    c.dir,
                    c.started_at,
                    c.rotation,
                    self.owner_id
                ],
            )
        })
    }

    /// Where a capture's files lie.
    pub fn set_capture_dir(&self, id: i64, dir: &str) -> Result<(), StoreError> {
        self.write(|db| {
            db.execute(
                "UPDATE captures SET dir = ?2 WHERE id = ?1",
                params![id, dir],
            )
        })?;
        Ok(())
    }

    /// A running capture's counts so far.
    pub fn capture_progress(&self, id: i64, frames: i64, bytes: i64) -> Result<(), StoreError> {
        self.write(|db| {
            db.execute(
                "UPDATE captures SET frames = ?2, bytes = ?3 WHERE id = ?1",
                params![id, frames, bytes],
            )
        })?;
        Ok(())
    }

    /// Records how a capture ended.
    pub fn end_capture(
        &self,
        id: i64,
        status: &str,
        ended_at: i64,
        frames: i64,
        bytes: i64,
        damage: Option<&str>,
    ) -> Result<(), StoreError> {
        self.write(|db| {
            db.execute(
                "UPDATE captures SET status = ?2, ended_at = ?3, frames = ?4, bytes = ?5, damage = ?6
                 WHERE id = ?1",
                params![id, status, ended_at, frames, bytes, damage],
            )
        })?;
        Ok(())
    }

    /// Marks the captures `owner` still runs as interrupted (a server that stopped without
    /// ending them): ended at their newest frame (or their start); their open files closed.
    /// Returns them.
    pub(crate) fn interrupt_captures(&self, owner: &str) -> Result<Vec<i64>, StoreError> {
        self.transaction(|tx| {
            let ids: Vec<i64> = tx.query_map(
                "SELECT id FROM captures WHERE owner = ?1 AND status = 'running' ORDER BY id",
                params![owner],
                |r| r.get(0),
            )?;
            for id in &ids {
                tx.execute(
                    "UPDATE captures SET status = 'interrupted',
                         ended_at = COALESCE((SELECT MAX(last_ns) / 1000000 FROM capture_files
                                              WHERE capture_id = ?1), started_at)
                     WHERE id = ?1",
                    params![*id],
                )?;
                tx.execute(
                    "UPDATE capture_files SET closed = 1 WHERE capture_id = ?1",
                    params![*id],
                )?;
            }
            Ok(ids)
        })
    }

    pub fn capture(&self, id: i64) -> Result<Option<StoredCapture>, StoreError> {
        self.read(|db| {
            db.query_row(
                &format!("SELECT {COLUMNS} FROM captures c WHERE c.id = ?1"),
                params![id],
                capture,
            )
        })
        .optional()
    }

    /// Stored captures, newest first: `limit` of them with ids below `before`.
    pub fn captures(
        &self,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<StoredCapture>, StoreError> {
        self.read(|db| {
            db.query_map(
                &format!(
                    "SELECT {COLUMNS} FROM captures c WHERE c.id < ?1 ORDER BY c.id DESC LIMIT ?2"
                ),
                params![before.unwrap_or(i64::MAX), limit],
                capture,
            )
        })
    }

    /// Forgets a capture with its files' rows and its intervals; false if there was none.
    pub fn delete_capture(&self, id: i64) -> Result<bool, StoreError> {
        self.transaction(|tx| {
            tx.execute(
                "DELETE FROM capture_stats WHERE capture_id = ?1",
                params![id],
            )?;
            tx.execute(
                "DELETE FROM capture_files WHERE capture_id = ?1",
                params![id],
            )?;
            Ok(tx.execute("DELETE FROM captures WHERE id = ?1", params![id])? == 1)
        })
    }

    /// Records a file of a capture as it now stands (written over the row before).
    pub fn put_capture_file(&self, id: i64, f: &CaptureFile) -> Result<(), StoreError> {
        self.write(|db| {
            db.execute(
                "INSERT INTO capture_files (capture_id, seq, name, first_ns, last_ns, frames, size,
                     closed, removed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (capture_id, seq) DO UPDATE SET name = excluded.name,
                     first_ns = excluded.first_ns, last_ns = excluded.last_ns,
                     frames = excluded.frames, size = excluded.size, closed = excluded.closed,
                     removed_at = excluded.removed_at",
                params![
                    id,
                    f.seq,
                    f.name,
                    f.first_ns,
                    f.last_ns,
                    f.frames,
                    f.size,
                    i64::from(f.closed),
                    f.removed_at
                ],
            )
        })?;
        Ok(())
    }

    /// A capture's files, in order, removed ones too.
    pub fn capture_files(&self, id: i64) -> Result<Vec<CaptureFile>, StoreError> {
        self.read(|db| {
            db.query_map(
                &format!(
                    "SELECT {FILE_COLUMNS} FROM capture_files WHERE capture_id = ?1 ORDER BY seq"
                ),
                params![id],
                |r| file(r, 0),
            )
        })
    }

    /// Every closed file still kept on `host`, oldest first (`KeptFile::at`).
    pub fn kept_capture_files(&self, host: &str) -> Result<Vec<KeptFile>, StoreError> {
        self.read(|db| {
            db.query_map(
                "SELECT f.capture_id, c.dir, f.seq, f.name, f.first_ns, f.last_ns, f.frames, f.size,
                     f.closed, f.removed_at, CASE WHEN c.source = 'file'
                         THEN COALESCE(c.ended_at, c.started_at)
                         ELSE COALESCE(f.last_ns / 1000000, c.started_at) END AS at
                 FROM capture_files f JOIN captures c ON c.id = f.capture_id
                 WHERE c.host = ?1 AND f.closed = 1 AND f.removed_at IS NULL
                 ORDER BY at, f.capture_id, f.seq",
                params![host],
                |r| {
                    Ok(KeptFile {
                        capture_id: r.get(0)?,
                        dir: r.get(1)?,
                        file: file(r, 2)?,
                        at: r.get(10)?,
                    })
                },
            )
        })
    }

    /// Marks files as removed (their bytes gone from the disk) at `at` (ms).
    pub fn remove_capture_files(&self, files: &[(i64, i64)], at: i64) -> Result<(), StoreError> {
        let rows: Vec<Vec<crate::sql::Arg<'_>>> = files
            .iter()
            .map(|(id, seq)| params![at, *id, *seq].to_vec())
            .collect();
        let rows: Vec<&[crate::sql::Arg<'_>]> = rows.iter().map(Vec::as_slice).collect();
        self.transaction(|tx| {
            tx.execute_many(
                "UPDATE capture_files SET removed_at = ?1 WHERE capture_id = ?2 AND seq = ?3",
                &rows,
            )
        })?;
        Ok(())
    }

    /// Writes intervals of `width` ms of a capture, each over the one of the same start.
    pub fn put_capture_stats(
        &self,
        id: i64,
        width: i64,
        stats: &[CaptureStat],
    ) -> Result<(), StoreError> {
        let rows: Vec<Vec<crate::sql::Arg<'_>>> = stats
            .iter()
            .map(|s| params![id, width, s.t, s.packets, s.bytes, s.data].to_vec())
            .collect();
        let rows: Vec<&[crate::sql::Arg<'_>]> = rows.iter().map(Vec::as_slice).collect();
        self.transaction(|tx| {
            tx.execute_many(
                "INSERT INTO capture_stats (capture_id, width, t, packets, bytes, data)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (capture_id, width, t) DO UPDATE SET packets = excluded.packets,
                     bytes = excluded.bytes, data = excluded.data",
                &rows,
            )
        })?;
        Ok(())
    }

    /// A capture's intervals of `width` ms starting in [from, to), oldest first.
    pub fn capture_stats(
        &self,
        id: i64,
        width: i64,
        from: i64,
        to: i64,
    ) -> Result<Vec<CaptureStat>, StoreError> {
        self.read(|db| {
            db.query_map(
                "SELECT t, packets, bytes, data FROM capture_stats
                 WHERE capture_id = ?1 AND width = ?2 AND t >= ?3 AND t < ?4 ORDER BY t",
                params![id, width, from, to],
                |r| {
                    Ok(CaptureStat {
                        t: r.get(0)?,
                        packets: r.get(1)?,
                        bytes: r.get(2)?,
                        data: r.get(3)?,
                    })
                },
            )
        })
    }

    /// The first and the last start of a capture's intervals of `width` ms.
    pub fn capture_stats_extent(
        &self,
        id: i64,
        width: i64,
    ) -> Result<(Option<i64>, Option<i64>), StoreError> {
        self.read(|db| {
            db.query_row(
                "SELECT MIN(t), MAX(t) FROM capture_stats WHERE capture_id = ?1 AND width = ?2",
                params![id, width],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
    }

    /// Deletes intervals of `width` ms from before `before` (ms): a live capture's by their
    /// time, an uploaded file's (whose frames may be years old) by when it was taken in.
    pub fn prune_capture_stats(&self, width: i64, before: i64) -> Result<usize, StoreError> {
        self.write(|db| {
            db.execute(
                "DELETE FROM capture_stats WHERE width = ?1 AND capture_id IN (
                     SELECT id FROM captures WHERE (source = 'file' AND ended_at < ?2)
                         OR (source <> 'file' AND capture_stats.t < ?2))",
                params![width, before],
            )
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::tests::{Kind, fresh};

    fn stat(t: i64, bytes: i64) -> CaptureStat {
        CaptureStat {
            t,
            packets: 1,
            bytes,
            data: format!("{{\"t\":{t}}}"),
        }
    }

    fn part(seq: i64, last_ns: i64, closed: bool) -> CaptureFile {
        CaptureFile {
            seq,
            name: format!("part-{seq:05}.pcapng"),
            first_ns: Some(last_ns - 10),
            last_ns: Some(last_ns),
            frames: 3,
            size: 100 * seq,
            closed,
            removed_at: None,
        }
    }

    pub(crate) fn captures_keep_their_files_and_minutes_and_end_interrupted(kind: Kind) {
        let store = Store::connect(&fresh(kind, "captures")).unwrap();
        let ifs = vec!["eth0".to_string(), "eth1".to_string()];
        let new = |source, host| NewCapture {
            source,
            interfaces: &ifs,
            bpf: Some("icmp"),
            file: None,
            netns: Some("lab"),
            host,
            dir: "/data/captures/x",
            started_at: 5_000,
            rotation: "{}",
        };
        let a = store.insert_capture(&new("live", "here")).unwrap();
        let b = store.insert_capture(&new("live", "elsewhere")).unwrap();
        let c = store.insert_capture(&new("file", "here")).unwrap();
        assert!(a < b && b < c);
        store
            .put_capture_file(a, &part(1, 7_000_000_000, true))
            .unwrap();
        store
            .put_capture_file(a, &part(2, 9_000_000_000, false))
            .unwrap();
        store
            .put_capture_file(c, &part(1, 8_000_000_000, true))
            .unwrap();
        // Written again as it grows: one row.
        let mut grown = part(2, 9_500_000_000, false);
        grown.frames = 9;
        store.put_capture_file(a, &grown).unwrap();
        store.capture_progress(a, 12, 3400).unwrap();
        store
            .put_capture_stats(a, 60_000, &[stat(60_000, 10), stat(120_000, 20)])
            .unwrap();
        store
            .put_capture_stats(a, 60_000, &[stat(120_000, 25)])
            .unwrap();
        store
            .put_capture_stats(a, 3_600_000, &[stat(0, 35)])
            .unwrap();
        store
            .end_capture(
                c,
                "stopped",
                6_000,
                3,
                300,
                Some("cut short, at byte offset 99"),
            )
            .unwrap();

        // The server that ran `a` stopped without ending it: its owner is gone.
        store
            .write(|db| {
                db.execute(
                    "UPDATE captures SET owner = 'gone' WHERE id IN (?1, ?2)",
                    params![a, c],
                )
            })
            .unwrap();
        store.sweep_orphans().unwrap();
        let got = store.capture(a).unwrap().unwrap();
        assert_eq!(got.status, "interrupted");
        assert_eq!(got.ended_at, Some(9_500), "its newest frame");
        assert_eq!((got.frames, got.bytes), (12, 3400));
        assert_eq!(got.interfaces, ifs);
        assert_eq!(
            (got.files_kept, got.files_bytes, got.files_removed),
            (2, 300, 0)
        );
        assert_eq!(got.last_minute, Some(120_000));
        assert!(store.capture_files(a).unwrap().iter().all(|f| f.closed));
        assert_eq!(
            store.capture(b).unwrap().unwrap().status,
            "running",
            "its owner is alive"
        );
        let cc = store.capture(c).unwrap().unwrap();
        assert_eq!(
            (cc.status.as_str(), cc.damage.as_deref()),
            ("stopped", Some("cut short, at byte offset 99"))
        );

        // Listing, newest first, paged.
        let ids: Vec<i64> = store
            .captures(None, 10)
            .unwrap()
            .iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(ids, [c, b, a]);
        let ids: Vec<i64> = store
            .captures(Some(c), 1)
            .unwrap()
            .iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(ids, [b]);

        // Intervals: written over, read by range, pruned by width and age.
        let m = store.capture_stats(a, 60_000, 0, i64::MAX).unwrap();
        assert_eq!(
            m.iter().map(|s| (s.t, s.bytes)).collect::<Vec<_>>(),
            [(60_000, 10), (120_000, 25)]
        );
        assert_eq!(m[1].data, "{\"t\":120000}");
        assert_eq!(
            store
                .capture_stats(a, 60_000, 100_000, 200_000)
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            store.capture_stats_extent(a, 60_000).unwrap(),
            (Some(60_000), Some(120_000))
        );
        assert_eq!(store.prune_capture_stats(60_000, 100_000).unwrap(), 1);
        // An uploaded file's intervals go by when it was taken in, not by their own time.
        store
            .put_capture_stats(c, 60_000, &[stat(60_000, 5)])
            .unwrap();
        assert_eq!(store.prune_capture_stats(60_000, 6_000).unwrap(), 0);
        assert_eq!(store.prune_capture_stats(60_000, 6_001).unwrap(), 1);
        assert_eq!(
            store
                .capture_stats(a, 3_600_000, 0, i64::MAX)
                .unwrap()
                .len(),
            1
        );

        // Retention: the oldest closed file first; removed files stay listed.
        let kept = store.kept_capture_files("here").unwrap();
        assert_eq!(
            kept.iter()
                .map(|k| (k.capture_id, k.file.seq, k.at))
                .collect::<Vec<_>>(),
            [(c, 1, 6_000), (a, 1, 7_000), (a, 2, 9_500)],
            "the uploaded file's age counts from when it was taken in"
        );
        assert_eq!(kept[0].dir, "/data/captures/x");
        store.remove_capture_files(&[(c, 1), (a, 1)], 77).unwrap();
        assert_eq!(store.kept_capture_files("here").unwrap().len(), 1);
        let files = store.capture_files(a).unwrap();
        assert_eq!(files[0].removed_at, Some(77));
        assert_eq!(files[1].removed_at, None);
        let got = store.capture(a).unwrap().unwrap();
        assert_eq!((got.files_kept, got.files_removed), (1, 1));

        // Deleting takes everything of it.
        assert!(store.delete_capture(a).unwrap());
        assert!(!store.delete_capture(a).unwrap());
        assert_eq!(store.capture(a).unwrap(), None);
        assert!(store.capture_files(a).unwrap().is_empty());
        assert!(
            store
                .capture_stats(a, 3_600_000, 0, i64::MAX)
                .unwrap()
                .is_empty()
        );
    }
}
