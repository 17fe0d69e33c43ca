//! `wirescope report` and `wirescope bundle`: a PDF of saved runs (and a comparison), made by
//! wirescope-report from the history, written to a file with its data beside it on request; or
//! an evidence zip of the PDF, the results and capture slices.

use crate::Failure;
use crate::cli::{BundleArgs, ReportArgs};
use crate::history;
use std::process::ExitCode;
use wirescope_report::{ReportError, RunReport};

/// Notes read from a file at most.
const MAX_NOTES: u64 = 1024 * 1024;

pub(crate) fn report(a: ReportArgs) -> Result<ExitCode, Failure> {
    let (_, pdf) = make(&a)?;
    write(&a.output, &pdf.bytes)?;
    if let Some(path) = &a.data {
        write(path, &pdf.data)?;
    }
    eprintln!(
        "wirescope: wrote {} ({} page{}, {} bytes; data SHA-256 {})",
        a.output.display(),
        pdf.pages,
        if pdf.pages == 1 { "" } else { "s" },
        pdf.bytes.len(),
        pdf.sha256
    );
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn bundle(a: BundleArgs) -> Result<ExitCode, Failure> {
    if a.report.anonymize.is_some() {
        // a bundle's results and capture slices would still hold every address
        return Err(Failure::Usage(
            "--anonymize: a bundle is not anonymised; make its parts so instead (`report \
             --anonymize`, `export --anonymize`, `anonymize` for the captures)"
                .into(),
        ));
    }
    for p in &a.pcaps {
        if !p.is_file() {
            return Err(Failure::Usage(format!(
                "--pcap {}: no such file",
                p.display()
            )));
        }
    }
    let (store, pdf) = make(&a.report)?;
    let mut ids = a.report.runs.clone();
    if let Some([x, y]) = a.report.compare.as_deref() {
        ids.extend([*x, *y]);
    }
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(*id));
    let runs = ids
        .iter()
        .map(|id| wirescope_runs::export::load(&store, *id))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Failure::Runtime(e.to_string()))?;
    let files = a
        .pcaps
        .iter()
        .map(|p| {
            wirescope_traffic::read::CaptureFile::open(p)
                .map_err(|e| Failure::Usage(format!("--pcap {}: {e}", p.display())))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let captures: Vec<wirescope_report::bundle::Capture> = a
        .pcaps
        .iter()
        .zip(&files)
        .map(|(p, f)| wirescope_report::bundle::Capture {
            name: p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            what: p.display().to_string(),
            bytes: f.bytes(),
        })
        .collect();
    let snmp = snmp_runs(&store)?;
    let evidence = wirescope_report::bundle::Evidence {
        runs: &runs,
        captures: &captures,
        snmp: &snmp,
        pad_ms: a.pad.as_millis().min(i64::MAX as u128) as i64,
        window: None,
        slice_bytes: wirescope_report::bundle::MAX_SLICE_BYTES,
        now_ms: wirescope_store::now_ms(),
    };
    let (zip, manifest) = wirescope_report::bundle::bundle(&pdf, &evidence, BY)
        .map_err(|e| Failure::Runtime(e.to_string()))?;
    write(&a.report.output, &zip)?;
    for note in &manifest.notes {
        eprintln!("wirescope: note: {note}");
    }
    eprintln!(
        "wirescope: wrote {} ({} files, {} bytes; report data SHA-256 {})",
        a.report.output.display(),
        manifest.files.len() + 2,
        zip.len(),
        pdf.sha256
    );
    Ok(ExitCode::SUCCESS)
}

/// The newest stored SNMP runs, for the interface counters of the devices on a bundle's path.
fn snmp_runs(
    store: &wirescope_store::Store,
) -> Result<Vec<(wirescope_store::RunInfo, Vec<wirescope_probe::ProbeResult>)>, Failure> {
    wirescope_report::bundle::snmp_runs(store).map_err(|e| Failure::Runtime(e.to_string()))
}

/// Who a report from the command line is by.
const BY: &str = "the wirescope CLI";

/// The report `a` asks for, typeset, with the store it was read from.
fn make(a: &ReportArgs) -> Result<(wirescope_store::Store, wirescope_report::Pdf), Failure> {
    let notes = match &a.notes {
        Some(path) => Some(read_notes(path)?),
        None => None,
    };
    let compare = match a.compare.as_deref() {
        Some([x, y]) => Some((*x, *y)),
        Some(_) => return Err(Failure::Usage("--compare takes two runs".into())),
        None => None,
    };
    if a.runs.is_empty() && compare.is_none() {
        return Err(Failure::Usage(
            "name the runs to report on (RUN... -o FILE), or --compare A B".into(),
        ));
    }
    let store = history::open(&a.history)?;
    let now = wirescope_store::now_ms();
    let ask = RunReport {
        runs: a.runs.clone(),
        compare,
        title: a.title.clone(),
        notes,
        by: BY.into(),
    };
    let report = wirescope_report::run_report(&store, &ask, now).map_err(|e| match e {
        ReportError::Usage(_)
        | ReportError::Load(wirescope_runs::export::LoadError::NotFound(_)) => {
            Failure::Usage(e.to_string())
        }
        other => Failure::Runtime(other.to_string()),
    })?;
    let pdf = match &a.anonymize {
        Some(key) => {
            let key = crate::traffic::read_key(key, "--anonymize")?;
            let mut anon = wirescope_traffic::anon::Anonymizer::new(&key, false, None);
            wirescope_report::render_rewritten(&report, now, &mut |t| anon.text(t))
        }
        None => wirescope_report::render(&report, now),
    }
    .map_err(|e| Failure::Runtime(e.to_string()))?;
    Ok((store, pdf))
}

fn read_notes(path: &std::path::Path) -> Result<String, Failure> {
    let fail = |e: std::io::Error| Failure::Usage(format!("--notes {}: {e}", path.display()));
    let meta = std::fs::metadata(path).map_err(fail)?;
    if meta.len() > MAX_NOTES {
        return Err(Failure::Usage(format!(
            "--notes {}: {} bytes; notes are 1 MiB at most",
            path.display(),
            meta.len()
        )));
    }
    let bytes = std::fs::read(path).map_err(fail)?;
    String::from_utf8(bytes).map_err(|e| {
        Failure::Usage(format!(
            "--notes {}: not UTF-8 text (byte {} is not)",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
    })
}

/// Writes `bytes` to `path` through a temporary file beside it, so a failed write leaves no
/// half a PDF under the name.
fn write(path: &std::path::Path, bytes: &[u8]) -> Result<(), Failure> {
    let fail = |e: std::io::Error| Failure::Runtime(format!("writing {}: {e}", path.display()));
    let tmp = path.with_extension("part");
    std::fs::write(&tmp, bytes).map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(fail)
}
