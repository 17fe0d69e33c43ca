//! PDF reports: a `Report` (sections of facts, figures, tables, charts and command output, built
//! from stored runs by `runs`) is written as JSON and typeset in process by typst from the
//! built-in template, with charts drawn as SVG by `svg` and the fonts shipped in `fonts/`;
//! `bundle` packs a report with the raw evidence into a zip.

pub mod alert;
pub mod bundle;
pub mod capture;
pub mod map;
pub mod model;
pub mod runs;
pub mod svg;
pub mod trend;
mod world;

pub use model::{Block, Figure, Report, Section};

use sha2::{Digest, Sha256};
use typst::foundations::Datetime;
use typst_layout::PagedDocument;

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Load(#[from] wirescope_runs::export::LoadError),
    #[error("{0}")]
    Usage(String),
    /// What the report is of does not exist (an alert event).
    #[error("{0}")]
    NotFound(String),
    /// The template failed on this data: a bug in wirescope, with typst's own words.
    #[error("typesetting the report failed: {0}")]
    Typeset(String),
}

/// A finished report.
#[derive(Debug)]
pub struct Pdf {
    pub bytes: Vec<u8>,
    /// The report's data as JSON, exactly as typeset.
    pub data: Vec<u8>,
    /// SHA-256 of `data`, in hex: printed in the report.
    pub sha256: String,
    pub pages: usize,
}

/// Typesets `report` into a PDF.
pub fn render(report: &Report, generated_ms: i64) -> Result<Pdf, ReportError> {
    let data = serde_json::to_vec(report).map_err(|e| ReportError::Typeset(e.to_string()))?;
    typeset(data, report.charts.clone(), generated_ms)
}

/// Typesets `report` with its data and the text of its charts passed through `rewrite` first
/// (anonymisation: every address replaced by its pseudonym); the hash printed is of the data
/// as rewritten.
pub fn render_rewritten(
    report: &Report,
    generated_ms: i64,
    rewrite: &mut dyn FnMut(&str) -> String,
) -> Result<Pdf, ReportError> {
    let data = serde_json::to_string(report).map_err(|e| ReportError::Typeset(e.to_string()))?;
    let charts = report
        .charts
        .iter()
        .map(|(name, svg)| match std::str::from_utf8(svg) {
            Ok(text) => (name.clone(), rewrite(text).into_bytes()),
            Err(_) => (name.clone(), svg.clone()),
        })
        .collect();
    typeset(rewrite(&data).into_bytes(), charts, generated_ms)
}

fn typeset(
    data: Vec<u8>,
    charts: Vec<(String, Vec<u8>)>,
    generated_ms: i64,
) -> Result<Pdf, ReportError> {
    let sha256 = hex(&Sha256::digest(&data));
    let mut files = charts;
    files.push(("data.json".to_string(), data.clone()));
    let world = world::ReportWorld::new(files, vec![("sha256", sha256.clone())]);
    let compiled = typst::compile::<PagedDocument>(&world);
    let document = compiled.output.map_err(|e| typeset_error(&e))?;
    let options = typst_pdf::PdfOptions {
        ident: typst::foundations::Smart::Custom(sha256.clone()),
        creator: typst::foundations::Smart::Custom(Some(format!(
            "wirescope {}",
            env!("CARGO_PKG_VERSION")
        ))),
        timestamp: timestamp(generated_ms),
        // A tagged PDF carries a structure element for every table cell: for a 10,000-row
        // report that is most of its size and of the memory making it.
        tagged: false,
        ..Default::default()
    };
    let bytes = typst_pdf::pdf(&document, &options).map_err(|e| typeset_error(&e))?;
    let pages = document.pages().len();
    // typst memoises layouts across compilations; a server making reports now and then
    // should not keep the last one's in memory.
    typst::comemo::evict(0);
    Ok(Pdf {
        bytes,
        data,
        sha256,
        pages,
    })
}

/// typst's diagnostics as one error.
fn typeset_error(errors: &[typst::diag::SourceDiagnostic]) -> ReportError {
    ReportError::Typeset(
        errors
            .iter()
            .map(|e| e.message.to_string())
            .collect::<Vec<_>>()
            .join("; "),
    )
}

fn timestamp(ms: i64) -> Option<typst_pdf::Timestamp> {
    let t = jiff::Timestamp::from_millisecond(ms).ok()?;
    let c = t.to_zoned(jiff::tz::TimeZone::UTC).datetime();
    let d = Datetime::from_ymd_hms(
        c.year().into(),
        c.month().try_into().ok()?,
        c.day().try_into().ok()?,
        c.hour().try_into().ok()?,
        c.minute().try_into().ok()?,
        c.second().try_into().ok()?,
    )?;
    Some(typst_pdf::Timestamp::new_utc(d))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 of `bytes`, in lower-case hex (as `sha256sum` prints it).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(bytes))
}

/// What to put in a report of stored runs.
#[derive(Debug, Clone, Default)]
pub struct RunReport {
    pub runs: Vec<i64>,
    /// Two runs of one kind to compare (earlier, later).
    pub compare: Option<(i64, i64)>,
    pub title: Option<String>,
    pub notes: Option<String>,
    /// Who asks: `the CLI`, a user.
    pub by: String,
}

/// Runs and results read for a report at most (a report of more is refused, not truncated).
pub const MAX_REPORT_RESULTS: usize = 50_000;

/// The report of stored runs (and a comparison), made at `now_ms`.
pub fn run_report(
    store: &wirescope_store::Store,
    ask: &RunReport,
    now_ms: i64,
) -> Result<Report, ReportError> {
    if ask.runs.is_empty() && ask.compare.is_none() {
        return Err(ReportError::Usage(
            "name at least one run, or two to compare".into(),
        ));
    }
    let mut seen = 0usize;
    let mut load = |id: i64| -> Result<_, ReportError> {
        let (run, results) = wirescope_runs::export::load(store, id)?;
        seen += results.len();
        if seen > MAX_REPORT_RESULTS {
            return Err(ReportError::Usage(format!(
                "a report holds {MAX_REPORT_RESULTS} results at most; run {id} takes it past that"
            )));
        }
        Ok((run, results))
    };
    let mut loaded = Vec::new();
    for id in &ask.runs {
        loaded.push(load(*id)?);
    }
    let compared = match ask.compare {
        Some((a, b)) => {
            let (ra, xa) = load(a)?;
            let (rb, xb) = load(b)?;
            if ra.kind != rb.kind {
                return Err(ReportError::Usage(format!(
                    "run {a} is {} and run {b} is {}: compare runs of one kind",
                    ra.kind, rb.kind
                )));
            }
            Some(((ra, xa), (rb, xb)))
        }
        None => None,
    };
    let subtitle = subtitle(&ask.runs, ask.compare);
    let title = ask.title.clone().unwrap_or_else(|| {
        match loaded.first().or(compared.as_ref().map(|c| &c.1)) {
            Some((run, _)) => format!("wirescope {} report", run.kind),
            None => "wirescope report".into(),
        }
    });
    let mut report = Report::new(&title, subtitle, now_ms, &ask.by);
    report.notes = ask.notes.as_deref().map(model::clean);
    report.layout = saved_layout(store);
    if let Some(((ra, xa), (rb, xb))) = &compared {
        runs::add_comparison(&mut report, (ra, xa), (rb, xb));
    }
    for (run, results) in &loaded {
        runs::add_run(&mut report, run, results, now_ms);
    }
    Ok(report)
}

/// The dashboard's saved map layout (none when it was never saved or cannot be read).
pub fn saved_layout(store: &wirescope_store::Store) -> map::Positions {
    let Some(text) = store
        .setting(wirescope_snmp::topology::LAYOUT_SETTING)
        .ok()
        .flatten()
    else {
        return map::Positions::new();
    };
    serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| {
            let positions = v.get("positions")?.as_object()?;
            Some(
                positions
                    .iter()
                    .filter_map(|(id, p)| {
                        Some((id.clone(), (p.get("x")?.as_f64()?, p.get("y")?.as_f64()?)))
                    })
                    .collect(),
            )
        })
        .unwrap_or_default()
}

/// `Run 12`, `Runs 12, 13 and 14`, `Run 3 compared with run 5`.
fn subtitle(runs: &[i64], compare: Option<(i64, i64)>) -> String {
    let ids: Vec<String> = runs.iter().map(i64::to_string).collect();
    let listed = match ids.as_slice() {
        [] => String::new(),
        [one] => format!("Run {one}"),
        [rest @ .., last] => format!("Runs {} and {last}", rest.join(", ")),
    };
    match (listed.is_empty(), compare) {
        (_, None) => listed,
        (true, Some((a, b))) => format!("Run {a} compared with run {b}"),
        (false, Some((a, b))) => format!("{listed}; run {a} compared with run {b}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_with_every_block_typesets_and_hashes_its_data() {
        let at = 1_764_766_800_000;
        let mut r = Report::new("Test report", "Run 1".into(), at, "a test");
        r.notes = Some("Looked at after the 14:02 outage.".into());
        let svg = svg::histogram(&[1.0, 2.0, 3.0, 2.5, 40.0], "ms").expect("a chart");
        let chart = r.chart("Round-trip times", svg, "four replies".into());
        r.sections.push(Section {
            heading: "Run 1 · ping".into(),
            blocks: vec![
                Block::Facts {
                    rows: vec![("Status".into(), "finished".into())],
                },
                Block::Figures {
                    items: vec![
                        Figure::new("alive", 3, "good"),
                        Figure::new("dead", 1, "bad"),
                    ],
                },
                chart,
                Block::Heading {
                    text: "Results".into(),
                },
                Block::table(
                    &["Target", "State"],
                    vec![
                        vec!["שלום مرحبا 你好".into(), "alive".into()],
                        vec!["#set page(width: 1pt) $x$ <l> @r".into(), "dead".into()],
                    ],
                ),
                Block::pre("output", "a\0b\x1b[0m"),
                Block::Note {
                    text: "a note".into(),
                },
            ],
        });
        let pdf = render(&r, at).expect("typeset");
        assert!(pdf.bytes.starts_with(b"%PDF-"));
        assert_eq!(pdf.pages, 1, "markup in the data is text, not markup");
        assert_eq!(pdf.sha256, hex(&Sha256::digest(&pdf.data)));
        let data: serde_json::Value = serde_json::from_slice(&pdf.data).expect("JSON");
        assert_eq!(data["sections"][0]["blocks"][5]["text"], "a^@b^[[0m");
    }
}
