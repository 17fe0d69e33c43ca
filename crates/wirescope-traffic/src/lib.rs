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
pub mod read;
pub mod reader;
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
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entries: 1_000_000,
            max_buckets: 31 * 86_400,
            top: 20,
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

/// Analyzes capture bytes: the frames `filter` matches (all without one) are counted and handed
/// to `sink`; an error only when the bytes are not a capture at all.
pub fn analyze_bytes(
    data: &[u8],
    limits: Limits,
    filter: Option<&filter::Filter>,
    mut sink: impl FnMut(&read::Packet<'_>) -> std::io::Result<()>,
) -> Result<Result<Analysis, std::io::Error>, read::Damage> {
    let mut packets = read::packets(data)?;
    let mut dissector = dissect::Dissector::new();
    let mut stats = stats::Stats::new(limits.max_entries, limits.max_buckets);
    for p in packets.by_ref() {
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
        stats.add(p.ts_ns, p.len, &s);
        if let Err(e) = sink(&p) {
            return Ok(Err(e));
        }
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
    let file = read::CaptureFile::open(path)?;
    let format = |damage| read::OpenError::Format {
        path: path.display().to_string(),
        damage,
    };
    let Some(out) = write else {
        return analyze_bytes(file.bytes(), limits, filter, |_| Ok(()))
            .map_err(format)?
            .map_err(|source| AnalyzeError::Write {
                path: String::new(),
                source,
            });
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
