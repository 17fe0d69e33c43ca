//! wirescope's traffic analyzer: capture files read without copying (`read`), a dissector that
//! marks what it cannot parse instead of panicking (`dissect`), display filters with Wireshark's
//! field names (`filter`), pcapng output (`write`), and the statistics a network engineer reads
//! first (`stats`): protocol hierarchy with Wireshark's filter names, bandwidth, top talkers,
//! conversations and flows; and captures anonymised for sharing (`anon`: Crypto-PAn).

pub mod anon;
pub mod classify;
pub mod detail;
pub mod dissect;
pub mod filter;
pub mod live;
mod parallel;
pub mod read;
pub mod reader;
pub mod record;
pub mod session;
pub mod stats;
pub mod write;

use std::path::Path;

/// What `analyze` found in a file: the report, and where reading stopped if the file is damaged.
#[derive(Debug)]
pub struct Analysis {
    pub report: stats::Report,
    pub damage: Option<read::Damage>,
}

/// Limits of one analysis.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Talkers, conversations and flows kept (each).
    pub max_entries: usize,
    /// Seconds of bandwidth kept.
    pub max_buckets: usize,
    /// Rows of each table in the report.
    pub top: usize,
    /// Threads a file's analysis may use (1: the calling thread alone). The report is the same
    /// whatever the number.
    pub threads: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entries: 1_000_000,
            max_buckets: 31 * 86_400,
            top: 20,
            threads: 1,
        }
    }
}

/// Why an analysis failed: not a capture, or the output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum AnalyzeError {
    #[error(transparent)]
    Open(#[from] read::OpenError),
    #[error("{path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

/// Dissects and counts the frames `packets` gives until it reaches byte `end` or the end of the
/// bytes (or damage): the frames `filter` matches (all without one) are counted into `stats` and
/// handed to `sink`.
fn count<'a>(
    packets: &mut read::Packets<'a>,
    end: usize,
    dissector: &mut dissect::Dissector,
    stats: &mut stats::Stats,
    filter: Option<&filter::Filter>,
    mut sink: impl FnMut(&read::Packet<'a>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    // Each frame is counted once the next is dissected: its flow was looked up (and its table
    // entry fetched) meanwhile.
    let mut pending = None;
    while (read::Packets::position(packets) as usize) < end {
        let Some(p) = packets.next() else {
            break;
        };
        let s = dissector.frame(p.linktype, p.data);
        if let Some(f) = filter {
            let frame = filter::Frame {
                summary: &s,
                len: p.len,
                caplen: p.data.len() as u32,
            };
            if !f.matches(&frame) {
                continue;
            }
        }
        let ahead = stats.ahead(&s);
        if let Some((ts, len, s, ahead)) = pending.replace((p.ts_ns, p.len, s, ahead)) {
            stats.add_ahead(ts, len, &s, ahead);
        }
        sink(&p)?;
    }
    if let Some((ts, len, s, ahead)) = pending {
        stats.add_ahead(ts, len, &s, ahead);
    }
    Ok(())
}

/// Analyzes capture bytes: the frames `filter` matches (all without one) are counted and handed
/// to `sink`; an error only when the bytes are not a capture at all. Runs on this thread alone
/// (the sink sees frames in file order); `analyze_file` without `write` uses `limits.threads`.
pub fn analyze_bytes(
    data: &[u8],
    limits: Limits,
    filter: Option<&filter::Filter>,
    sink: impl FnMut(&read::Packet<'_>) -> std::io::Result<()>,
) -> Result<Result<Analysis, std::io::Error>, read::Damage> {
    let mut packets = read::packets(data)?;
    let mut dissector = dissect::Dissector::new();
    let mut stats = stats::Stats::new(limits.max_entries, limits.max_buckets);
    if let Err(e) = count(
        &mut packets,
        usize::MAX,
        &mut dissector,
        &mut stats,
        filter,
        sink,
    ) {
        return Ok(Err(e));
    }
    Ok(Ok(Analysis {
        report: stats.report(limits.top),
        damage: packets.damage().cloned(),
    }))
}

/// Analyzes a capture file; with `write`, the frames the filter matches go to a pcapng file.
pub fn analyze_file(
    path: &Path,
    limits: Limits,
    filter: Option<&filter::Filter>,
    write: Option<&Path>,
) -> Result<Analysis, AnalyzeError> {
    let file = if limits.threads > 1 && write.is_none() {
        read::CaptureFile::open_streaming(path)?
    } else {
        read::CaptureFile::open(path)?
    };
    let format = |damage| read::OpenError::Format {
        path: path.display().to_string(),
        damage,
    };
    let Some(out) = write else {
        return parallel::analyze(file.bytes(), limits, filter, &|r| file.populate(r))
            .map_err(|d| format(d).into());
    };
    let werr = |source| AnalyzeError::Write {
        path: out.display().to_string(),
        source,
    };
    let handle = std::fs::File::create(out).map_err(werr)?;
    let mut writer = write::PcapNgWriter::new(std::io::BufWriter::new(handle), read::MAX_CAPLEN)
        .map_err(werr)?;
    let analysis = analyze_bytes(file.bytes(), limits, filter, |p| {
        writer.packet(p.linktype, p.ts_ns, p.len, p.data)
    })
    .map_err(format)?
    .map_err(werr)?;
    writer.finish().map_err(werr)?;
    Ok(analysis)
}

/// Hex of some bytes, as the detail pane gives it (for tests).
#[cfg(test)]
pub(crate) fn tests_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
