//! `wirescope report`: a PDF of saved runs (and a comparison), made by wirescope-report from
//! the history, written to a file with its data beside it on request.

use crate::Failure;
use crate::cli::ReportArgs;
use crate::history;
use std::process::ExitCode;
use wirescope_report::{ReportError, RunReport};

/// Notes read from a file at most.
const MAX_NOTES: u64 = 1024 * 1024;

pub(crate) fn report(a: ReportArgs) -> Result<ExitCode, Failure> {
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
            "name the runs to report on (wirescope report RUN... -o FILE), or --compare A B".into(),
        ));
    }
    let store = history::open(&a.history)?;
    let now = wirescope_store::now_ms();
    let ask = RunReport {
        runs: a.runs.clone(),
        compare,
        title: a.title.clone(),
        notes,
        by: "the wirescope CLI".into(),
    };
    let report = wirescope_report::run_report(&store, &ask, now).map_err(|e| match e {
        ReportError::Usage(_)
        | ReportError::Load(wirescope_runs::export::LoadError::NotFound(_)) => {
            Failure::Usage(e.to_string())
        }
        other => Failure::Runtime(other.to_string()),
    })?;
    let pdf =
        wirescope_report::render(&report, now).map_err(|e| Failure::Runtime(e.to_string()))?;
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
