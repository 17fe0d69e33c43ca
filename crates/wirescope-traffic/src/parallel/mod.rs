//! Analysis on every core: the mapped file is cut into parts at record boundaries guessed by
//! `Packets::resync`, each part is dissected and counted on whichever thread is free, and the
//! parts' statistics are merged in file order as they come in. The report is exactly the
//! one-pass report: a part is merged only when the part before it is seen to stop at exactly its
//! first byte in the same reader state, when the fragments pending there would not have changed
//! it (`Dissector::settle`), and when its flow table did not fill; any other part is counted again
//! on the merging thread, going on from where the part before it stopped.

use crate::dissect::{Dissector, Frags};
use crate::read::{Damage, Packets};
use crate::stats::Stats;
use crate::{Analysis, Limits, count, filter::Filter};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Parts smaller than this are not worth a thread of their own.
const MIN_PART: usize = 8 << 20;

/// Parts per thread: more parts than threads even out parts that cost more than others (big
/// frames against small ones) at the price of more merges.
const PARTS_PER_THREAD: usize = 4;

/// One part as its thread counted it.
struct Part<'a> {
    stats: Stats,
    /// Where its reader stopped, in what state.
    reader: Packets<'a>,
    dissector: Dissector,
}

/// What the merge has so far: the statistics of everything before `reader`, and the fragments
/// pending there.
struct Merged<'a> {
    stats: Stats,
    reader: Packets<'a>,
    frags: Frags,
}

/// How an analysis was split: parts counted on their own, and those counted again.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Split {
    parts: usize,
    redone: usize,
}

/// Analyzes capture bytes on up to `limits.threads` threads; the same report as one pass on one.
/// A thread calls `populate` with the byte range of a part before it reads it.
pub(crate) fn analyze(
    data: &[u8],
    limits: Limits,
    filter: Option<&Filter>,
    populate: &(dyn Fn(std::ops::Range<usize>) + Sync),
) -> Result<Analysis, Damage> {
    analyze_parts(data, limits, filter, populate, MIN_PART).map(|(a, _)| a)
}

/// `analyze` with parts of at least `min_part` bytes.
fn analyze_parts(
    data: &[u8],
    limits: Limits,
    filter: Option<&Filter>,
    populate: &(dyn Fn(std::ops::Range<usize>) + Sync),
    min_part: usize,
) -> Result<(Analysis, Split), Damage> {
    let first = crate::read::packets(data)?;
    let threads = limits.threads.max(1);
    let wanted = (data.len() / min_part.max(1)).min(threads * PARTS_PER_THREAD);
    let new_stats = || Stats::new(limits.max_entries, limits.max_buckets);
    let whole = || {
        let mut reader = first.clone();
        let mut dissector = Dissector::new();
        let mut stats = new_stats();
        let _ = count(
            &mut reader,
            usize::MAX,
            &mut dissector,
            &mut stats,
            filter,
            |_| Ok(()),
        );
        Analysis {
            report: stats.report(limits.top),
            damage: reader.damage().cloned(),
        }
    };
    if threads == 1 || wanted < 2 {
        return Ok((whole(), Split::default()));
    }
    let starts = starts(&first, data.len(), wanted);
    if starts.len() < 2 {
        return Ok((whole(), Split::default()));
    }
    let ends: Vec<usize> = starts
        .iter()
        .skip(1)
        .map(|p| p.position() as usize)
        .chain([usize::MAX])
        .collect();
    let next = AtomicUsize::new(0);
    let (tx, rx) = std::sync::mpsc::channel();
    let merged = std::thread::scope(|scope| {
        for _ in 0..threads.min(starts.len()) {
            let tx = tx.clone();
            let (starts, ends, next) = (&starts, &ends, &next);
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(start) = starts.get(i) else {
                        break;
                    };
                    populate(start.position() as usize..ends[i].min(data.len()));
                    let mut reader = start.clone();
                    let mut dissector = if i == 0 {
                        Dissector::new()
                    } else {
                        Dissector::part_way()
                    };
                    let mut stats = new_stats();
                    let _ = count(
                        &mut reader,
                        ends[i],
                        &mut dissector,
                        &mut stats,
                        filter,
                        |_| Ok(()),
                    );
                    let part = Part {
                        stats,
                        reader,
                        dissector,
                    };
                    if tx.send((i, part)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut pending = BTreeMap::new();
        let mut merged: Option<Merged<'_>> = None;
        let mut taken = 0;
        let mut redone = 0;
        for (i, part) in rx {
            pending.insert(i, part);
            while let Some(part) = pending.remove(&taken) {
                let i = taken;
                taken += 1;
                merged = Some(match merged {
                    None => Merged {
                        stats: part.stats,
                        reader: part.reader,
                        frags: part.dissector.into_frags(),
                    },
                    Some(m) => {
                        let (m, again) = add(m, part, &starts[i], ends[i], filter);
                        redone += usize::from(again);
                        m
                    }
                });
            }
        }
        merged.map(|m| (m, redone))
    });
    let split = |redone| Split {
        parts: starts.len(),
        redone,
    };
    Ok(match merged {
        Some((m, redone)) => (
            Analysis {
                report: m.stats.report(limits.top),
                damage: m.reader.damage().cloned(),
            },
            split(redone),
        ),
        None => (whole(), split(starts.len())),
    })
}

/// Adds part `part`, which began at `start` and was to stop at `end`, to the merge; and
/// whether it had to be counted again.
fn add<'a>(
    mut m: Merged<'a>,
    part: Part<'a>,
    start: &Packets<'a>,
    end: usize,
    filter: Option<&Filter>,
) -> (Merged<'a>, bool) {
    if m.reader.damage().is_some() {
        return (m, false);
    }
    if m.reader.same_place(start)
        && part.stats.overflow == 0
        && let Some(frags) = part.dissector.settle(&m.frags)
    {
        m.stats.merge(part.stats);
        let m = Merged {
            stats: m.stats,
            reader: part.reader,
            frags,
        };
        return (m, false);
    }
    let mut dissector = Dissector::resumed(std::mem::take(&mut m.frags));
    let _ = count(
        &mut m.reader,
        end,
        &mut dissector,
        &mut m.stats,
        filter,
        |_| Ok(()),
    );
    m.frags = dissector.into_frags();
    (m, true)
}

/// Where the parts start: the first at the first record, the others at the first record
/// `resync` finds past each `len / wanted` bytes, in a reader state taken from the first
/// frame (a pcapng file's interfaces are described before its first packet).
fn starts<'a>(first: &Packets<'a>, len: usize, wanted: usize) -> Vec<Packets<'a>> {
    let mut template = first.clone();
    let _ = template.next();
    let mut starts = vec![first.clone()];
    for i in 1..wanted {
        let from = (len * i / wanted).max(starts[starts.len() - 1].position() as usize + 1);
        let to = len * (i + 1) / wanted;
        if let Some(at) = template.resync(from, to) {
            starts.push(template.at(at));
        }
    }
    starts
}

#[cfg(test)]
mod tests;
