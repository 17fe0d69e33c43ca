//! Evidence bundles: a zip of a report's PDF and data, each run's results as NDJSON and CSV,
//! slices of capture files for the runs' time window and addresses (pcapng), a manifest, and a
//! `SHA256SUMS` that `sha256sum -c` checks. The zip is written here (stored entries, CRC-32),
//! so a bundle needs no archiver.

use crate::{Pdf, hex};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::net::IpAddr;
use wirescope_probe::ProbeResult;
use wirescope_store::RunInfo;
use wirescope_traffic::{filter::Filter, read, write::PcapNgWriter};

/// Bytes of one capture slice at most; frames past it are left out and the manifest says so.
pub const MAX_SLICE_BYTES: usize = 512 * 1024 * 1024;
/// Addresses a slice is filtered by at most; past it, the slice keeps every address in the
/// window and the manifest says so.
pub const MAX_SLICE_ADDRS: usize = 200;
/// A zip without ZIP64 holds 4 GiB; a bundle past it is refused.
const MAX_ZIP: u64 = u32::MAX as u64;

/// What goes into a bundle besides the report.
#[derive(Debug, Clone)]
pub struct Evidence<'a> {
    pub runs: &'a [(RunInfo, Vec<ProbeResult>)],
    /// Captures to slice: a name for the file in the zip (`core-uplink`, `live-3-eth0`), what
    /// it is (a path, `live capture 3 on eth0`), and its pcap or pcapng bytes.
    pub captures: &'a [Capture<'a>],
    /// Stored SNMP runs (newest first) to take the interface counters of the devices on the
    /// path from: the newest result of each agent the runs name.
    pub snmp: &'a [(RunInfo, Vec<ProbeResult>)],
    /// Milliseconds kept before the first run starts and after the last ends.
    pub pad_ms: i64,
    /// When the bundle is made: the end of a run still going.
    pub now_ms: i64,
    /// The time window of the capture slices (ms), when not the runs' own padded.
    pub window: Option<(i64, i64)>,
    /// Bytes of one capture slice at most (`MAX_SLICE_BYTES` is the largest).
    pub slice_bytes: usize,
}

/// A capture to slice into a bundle.
#[derive(Debug, Clone)]
pub struct Capture<'a> {
    pub name: String,
    pub what: String,
    pub bytes: &'a [u8],
}

/// One file of a bundle, as the manifest lists it.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub name: String,
    pub bytes: u64,
    pub sha256: String,
    pub what: String,
}

/// The manifest of a bundle.
#[derive(Debug, Serialize)]
pub struct Manifest {
    pub made: String,
    pub by: String,
    pub version: String,
    pub runs: Vec<i64>,
    /// The time window the capture slices cover, UTC.
    pub window: Option<(String, String)>,
    /// The addresses the slices keep (empty: every address in the window).
    pub addresses: Vec<String>,
    pub notes: Vec<String>,
    pub files: Vec<Entry>,
}

/// Why a bundle could not be made.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("{0}")]
    Capture(String),
    #[error(
        "the bundle would pass 4 GiB or 65,535 files (a zip without ZIP64); bundle fewer runs or smaller captures"
    )]
    TooBig,
}

/// The bundle's zip bytes and its manifest.
pub fn bundle(
    pdf: &Pdf,
    evidence: &Evidence<'_>,
    by: &str,
) -> Result<(Vec<u8>, Manifest), BundleError> {
    let mut files: Vec<(Entry, Vec<u8>)> = Vec::new();
    let mut add = |name: String, what: String, bytes: Vec<u8>| {
        let entry = Entry {
            sha256: hex(&Sha256::digest(&bytes)),
            bytes: bytes.len() as u64,
            name,
            what,
        };
        files.push((entry, bytes));
    };
    add(
        "report.pdf".into(),
        format!("the report, {} pages", pdf.pages),
        pdf.bytes.clone(),
    );
    add(
        "report-data.json".into(),
        format!(
            "the data the report was made from (its SHA-256 {} is printed in it)",
            pdf.sha256
        ),
        pdf.data.clone(),
    );
    for (run, results) in evidence.runs {
        let stem = format!("run-{}-{}", run.id, run.kind);
        let mut nd = Vec::new();
        for r in results {
            if serde_json::to_writer(&mut nd, r).is_ok() {
                nd.push(b'\n');
            }
        }
        add(
            format!("{stem}.ndjson"),
            format!(
                "run {}: {} results, one JSON object a line",
                run.id,
                results.len()
            ),
            nd,
        );
        add(
            format!("{stem}.csv"),
            format!("run {}: the results as CSV", run.id),
            wirescope_runs::export::csv(run.kind, results).into_bytes(),
        );
    }
    let window = window(evidence);
    let addrs = addresses(evidence.runs);
    if let Some((csv, agents)) = interfaces(evidence.snmp, &addrs) {
        add(
            "snmp-interfaces.csv".into(),
            format!(
                "interface counters of {agents} SNMP agents on the runs' paths, from their newest stored walk"
            ),
            csv.into_bytes(),
        );
    }
    let mut notes = Vec::new();
    let filter = if addrs.len() > MAX_SLICE_ADDRS {
        notes.push(format!(
            "the runs name {} addresses (more than {MAX_SLICE_ADDRS}): the capture slices keep every frame in the window",
            addrs.len()
        ));
        None
    } else if addrs.is_empty() {
        None
    } else {
        let text = addrs
            .iter()
            .map(|a| match a {
                IpAddr::V4(a) => format!("ip.addr == {a}"),
                IpAddr::V6(a) => format!("ipv6.addr == {a}"),
            })
            .collect::<Vec<_>>()
            .join(" || ");
        Some(Filter::parse(&text).map_err(|e| BundleError::Capture(e.to_string()))?)
    };
    for (n, capture) in evidence.captures.iter().enumerate() {
        let Some((from, to)) = window else { break };
        let cap = evidence.slice_bytes.min(MAX_SLICE_BYTES);
        let (bytes, kept, note) = slice(capture, from, to, filter.as_ref(), cap)?;
        notes.extend(note);
        let name: String = capture
            .name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .take(64)
            .collect();
        add(
            format!("capture-{}-{name}.pcapng", n + 1),
            format!(
                "{kept} frames of {} from {} to {}{}",
                capture.what,
                crate::model::time_utc(from),
                crate::model::time_utc(to),
                if filter.is_some() {
                    " to or from the runs' addresses"
                } else {
                    ""
                }
            ),
            bytes,
        );
    }
    let manifest = Manifest {
        made: crate::model::time_utc(evidence.now_ms),
        by: by.to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        runs: evidence.runs.iter().map(|(r, _)| r.id).collect(),
        window: window.map(|(a, b)| (crate::model::time_utc(a), crate::model::time_utc(b))),
        addresses: if filter.is_some() {
            addrs.iter().map(IpAddr::to_string).collect()
        } else {
            Vec::new()
        },
        notes,
        files: files.iter().map(|(e, _)| e.clone()).collect(),
    };
    let sums: String = files
        .iter()
        .map(|(e, _)| format!("{}  {}\n", e.sha256, e.name))
        .collect();
    let manifest_json = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
    let mut zip = Zip::default();
    for (e, bytes) in &files {
        zip.add(&e.name, bytes)?;
    }
    zip.add("manifest.json", &manifest_json)?;
    zip.add("SHA256SUMS", sums.as_bytes())?;
    Ok((zip.finish()?, manifest))
}

/// The window asked for, else from the first run's start less the pad to the last run's end
/// (now, for one still going) plus the pad.
fn window(e: &Evidence<'_>) -> Option<(i64, i64)> {
    if e.window.is_some() {
        return e.window;
    }
    let from = e
        .runs
        .iter()
        .map(|(r, _)| r.started_at.unwrap_or(r.created_at))
        .min()?;
    let to = e
        .runs
        .iter()
        .map(|(r, _)| r.finished_at.unwrap_or(e.now_ms))
        .max()?;
    Some((from.saturating_sub(e.pad_ms), to.saturating_add(e.pad_ms)))
}

/// Every address the runs' results name (targets, hops, agents, neighbours), sorted.
pub fn addresses(runs: &[(RunInfo, Vec<ProbeResult>)]) -> BTreeSet<IpAddr> {
    let mut out = BTreeSet::new();
    for (_, results) in runs {
        for r in results {
            if let Ok(v) = serde_json::to_value(r) {
                addresses_in(&v, &mut out);
            }
        }
    }
    out
}

/// Adds the addresses a JSON document names (in fields called `*addr` or `address`) to `out`.
pub fn addresses_in(v: &serde_json::Value, out: &mut BTreeSet<IpAddr>) {
    fn walk(v: &serde_json::Value, key: &str, out: &mut BTreeSet<IpAddr>) {
        match v {
            serde_json::Value::String(s) if key.ends_with("addr") || key == "address" => {
                if let Ok(a) = s.parse() {
                    out.insert(a);
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, key, out)),
            serde_json::Value::Object(o) => o.iter().for_each(|(k, x)| walk(x, k, out)),
            _ => {}
        }
    }
    walk(v, "", out);
}

/// Stored SNMP runs read for a bundle's interface counters at most.
pub const SNMP_RUNS: i64 = 50;

/// The newest stored SNMP runs (at most `SNMP_RUNS`) with their results.
pub fn snmp_runs(
    store: &wirescope_store::Store,
) -> Result<Vec<(RunInfo, Vec<ProbeResult>)>, wirescope_runs::export::LoadError> {
    let (list, _) = store
        .list(&wirescope_store::RunFilter {
            kind: Some(wirescope_probe::ProbeKind::Snmp),
            status: None,
            limit: SNMP_RUNS,
            offset: 0,
            batch: None,
        })
        .map_err(wirescope_runs::export::LoadError::from)?;
    list.iter()
        .map(|r| wirescope_runs::export::load(store, r.id))
        .collect()
}

/// The interface counters (CSV) of each agent in `addrs`, from the newest of `snmp` that has
/// them, and how many agents; `None` when no agent on the path was walked.
fn interfaces(
    snmp: &[(RunInfo, Vec<ProbeResult>)],
    addrs: &BTreeSet<IpAddr>,
) -> Option<(String, usize)> {
    let mut seen = BTreeSet::new();
    let mut rows = Vec::new();
    for (run, results) in snmp {
        for r in results {
            let ProbeResult::Snmp(s) = r else { continue };
            let Some(a) = s.addr else { continue };
            if s.interfaces.is_empty() || !addrs.contains(&a) || !seen.insert(a) {
                continue;
            }
            let when = crate::model::time_utc(
                run.finished_at.or(run.started_at).unwrap_or(run.created_at),
            );
            let n = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
            for i in &s.interfaces {
                rows.push(vec![
                    a.to_string(),
                    s.device
                        .as_ref()
                        .and_then(|d| d.name.clone())
                        .unwrap_or_default(),
                    run.id.to_string(),
                    when.clone(),
                    i.index.to_string(),
                    i.name.clone(),
                    i.descr.clone(),
                    i.admin.clone(),
                    i.oper.clone(),
                    i.speed_mbps.map(|v| v.to_string()).unwrap_or_default(),
                    n(i.in_octets),
                    n(i.out_octets),
                    n(i.in_errors),
                    n(i.out_errors),
                    n(i.in_discards),
                    n(i.out_discards),
                ]);
            }
        }
    }
    if seen.is_empty() {
        return None;
    }
    let header = [
        "agent",
        "device",
        "run",
        "walked",
        "ifIndex",
        "name",
        "descr",
        "admin",
        "oper",
        "speed_mbps",
        "in_octets",
        "out_octets",
        "in_errors",
        "out_errors",
        "in_discards",
        "out_discards",
    ];
    Some((wirescope_runs::export::csv_rows(&header, rows), seen.len()))
}

/// The frames of `capture` from `from` to `to` (ms) that `filter` keeps, as pcapng: the bytes,
/// the frame count, and a note when the capture was damaged or the slice cut.
fn slice(
    capture: &Capture<'_>,
    from: i64,
    to: i64,
    filter: Option<&Filter>,
    cap: usize,
) -> Result<(Vec<u8>, u64, Option<String>), BundleError> {
    let mut out = PcapNgWriter::new(Vec::new(), read::MAX_CAPLEN)
        .map_err(|e| BundleError::Capture(e.to_string()))?;
    let (lo, hi) = (from.saturating_mul(1_000_000), to.saturating_mul(1_000_000));
    let mut kept = 0u64;
    let mut size = 0usize;
    let mut cut = false;
    // Statistics are not wanted: the smallest tables.
    let limits = wirescope_traffic::Limits {
        max_entries: 1,
        max_buckets: 1,
        top: 1,
        threads: 1,
    };
    let analysis = wirescope_traffic::analyze_bytes(capture.bytes, limits, filter, |p| {
        if p.ts_ns < lo || p.ts_ns > hi || cut {
            return Ok(());
        }
        if size + p.data.len() + 32 > cap {
            cut = true;
            return Ok(());
        }
        size += p.data.len() + 32;
        kept += 1;
        out.packet(p.linktype, p.ts_ns, p.len, p.data)
    })
    .map_err(|d| BundleError::Capture(format!("{}: not a capture ({d})", capture.what)))?
    .map_err(|e| BundleError::Capture(e.to_string()))?;
    let mut note = analysis
        .damage
        .map(|d| format!("{}: read up to the damage: {d}", capture.what));
    if cut {
        note = Some(format!(
            "{}: the slice stops at {} MiB",
            capture.what,
            cap >> 20
        ));
    }
    let bytes = out
        .finish()
        .map_err(|e| BundleError::Capture(e.to_string()))?;
    Ok((bytes, kept, note))
}

/// A zip of stored entries, built in memory.
#[derive(Default)]
struct Zip {
    out: Vec<u8>,
    central: Vec<u8>,
    count: u16,
}

impl Zip {
    fn add(&mut self, name: &str, data: &[u8]) -> Result<(), BundleError> {
        let offset = self.out.len() as u64;
        if self.count == u16::MAX || offset + data.len() as u64 + 1024 > MAX_ZIP {
            return Err(BundleError::TooBig);
        }
        let crc = crc32fast::hash(data);
        let size = data.len() as u32;
        // Local file header: version 2.0, UTF-8 names (bit 11), stored, no time (1980-01-01).
        let mut head = Vec::with_capacity(30 + name.len());
        head.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        head.extend_from_slice(&20u16.to_le_bytes());
        head.extend_from_slice(&0x0800u16.to_le_bytes());
        head.extend_from_slice(&0u16.to_le_bytes());
        head.extend_from_slice(&0u16.to_le_bytes());
        head.extend_from_slice(&0x0021u16.to_le_bytes());
        head.extend_from_slice(&crc.to_le_bytes());
        head.extend_from_slice(&size.to_le_bytes());
        head.extend_from_slice(&size.to_le_bytes());
        head.extend_from_slice(&(name.len() as u16).to_le_bytes());
        head.extend_from_slice(&0u16.to_le_bytes());
        head.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(&head);
        self.out.extend_from_slice(data);
        // Its central directory record.
        let c = &mut self.central;
        c.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        c.extend_from_slice(&(0x0300u16 | 20).to_le_bytes());
        c.extend_from_slice(&head[4..30]);
        c.extend_from_slice(&0u16.to_le_bytes()); // comment
        c.extend_from_slice(&0u16.to_le_bytes()); // disk
        c.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
        c.extend_from_slice(&((0o100644u32) << 16).to_le_bytes());
        c.extend_from_slice(&(offset as u32).to_le_bytes());
        c.extend_from_slice(name.as_bytes());
        self.count += 1;
        Ok(())
    }

    fn finish(mut self) -> Result<Vec<u8>, BundleError> {
        let at = self.out.len() as u64;
        if at + self.central.len() as u64 + 22 > MAX_ZIP {
            return Err(BundleError::TooBig);
        }
        self.out.extend_from_slice(&self.central);
        self.out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        self.out.extend_from_slice(&[0u8; 4]);
        self.out.extend_from_slice(&self.count.to_le_bytes());
        self.out.extend_from_slice(&self.count.to_le_bytes());
        self.out
            .extend_from_slice(&(self.central.len() as u32).to_le_bytes());
        self.out.extend_from_slice(&(at as u32).to_le_bytes());
        self.out.extend_from_slice(&0u16.to_le_bytes());
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_zip_lists_its_entries_with_their_crc() {
        let mut z = Zip::default();
        z.add("a.txt", b"hello\n").unwrap_or_else(|e| panic!("{e}"));
        z.add("b/ü.bin", &[0u8, 1, 2])
            .unwrap_or_else(|e| panic!("{e}"));
        let bytes = z.finish().unwrap_or_else(|e| panic!("{e}"));
        // End of central directory: 2 entries, and the directory where it says.
        let end = &bytes[bytes.len() - 22..];
        assert_eq!(&end[..4], &0x0605_4b50u32.to_le_bytes());
        assert_eq!(u16::from_le_bytes([end[10], end[11]]), 2);
        let at = u32::from_le_bytes([end[16], end[17], end[18], end[19]]) as usize;
        assert_eq!(&bytes[at..at + 4], &0x0201_4b50u32.to_le_bytes());
        // The first entry's CRC-32 is that of its data.
        assert_eq!(&bytes[14..18], &crc32fast::hash(b"hello\n").to_le_bytes());
        assert_eq!(&bytes[30..35], b"a.txt");
        assert_eq!(&bytes[35..41], b"hello\n");
    }

    #[test]
    fn a_zip_past_65535_files_is_refused_not_wrapped() {
        let mut z = Zip::default();
        for i in 0..u16::MAX {
            z.add(&i.to_string(), b"").unwrap_or_else(|e| panic!("{e}"));
        }
        assert!(matches!(z.add("one more", b""), Err(BundleError::TooBig)));
    }
}
