//! wirescope's traffic analyzer: capture files read without copying (`read`), a dissector that
//! marks what it cannot parse instead of panicking (`dissect`), and the statistics a network
//! engineer reads first (`stats`): protocol hierarchy with Wireshark's filter names, bandwidth,
//! top talkers, conversations and flows.

pub mod dissect;
pub mod read;
pub mod stats;

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

/// Analyzes capture bytes; an error only when they are not a capture at all.
pub fn analyze_bytes(data: &[u8], limits: Limits) -> Result<Analysis, read::Damage> {
    let mut packets = read::packets(data)?;
    let mut dissector = dissect::Dissector::new();
    let mut stats = stats::Stats::new(limits.max_entries, limits.max_buckets);
    for p in packets.by_ref() {
        let s = dissector.frame(p.linktype, p.data);
        stats.add(p.ts_ns, p.len, &s);
    }
    Ok(Analysis {
        report: stats.report(limits.top),
        damage: packets.damage().cloned(),
    })
}

/// Analyzes a capture file.
pub fn analyze_file(path: &Path, limits: Limits) -> Result<Analysis, read::OpenError> {
    let file = read::CaptureFile::open(path)?;
    analyze_bytes(file.bytes(), limits).map_err(|damage| read::OpenError::Format {
        path: path.display().to_string(),
        damage,
    })
}
