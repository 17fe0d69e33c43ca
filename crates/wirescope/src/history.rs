//! The history commands: `compare RUN_A RUN_B` and `export RUN`, on runs saved by the
//! dashboard or by `--save`, through the same typed comparison and export as the API.

use crate::cli::{CompareArgs, ExportArgs, ExportFormat, HistoryArgs};
use crate::{Failure, output};
use std::io::Write;
use std::process::ExitCode;
use wirescope_probe::ProbeResult;
use wirescope_runs::compare;
use wirescope_runs::export::{self, LoadError};
use wirescope_store::{Location, RunInfo, Store};

/// Where `--db` says the history is: a PostgreSQL URL (its CA bundle from `WIRESCOPE_DB_CA`,
/// if set) or a SQLite file (the default one when none is given).
pub(crate) fn location(db: Option<&str>) -> Location {
    match db.map(Location::parse) {
        Some(Location::Postgres { url, .. }) => Location::Postgres {
            url,
            ca: std::env::var_os("WIRESCOPE_DB_CA")
                .filter(|v| !v.is_empty())
                .map(std::path::PathBuf::from),
        },
        Some(sqlite) => sqlite,
        None => Location::Sqlite(wirescope_store::default_path()),
    }
}

pub(crate) fn open(h: &HistoryArgs) -> Result<Store, Failure> {
    let location = location(h.db.as_deref());
    if let Location::Sqlite(path) = &location
        && !path.exists()
    {
        return Err(Failure::Usage(format!(
            "no history at {} (runs are saved by `serve` and by --save)",
            path.display()
        )));
    }
    Store::connect(&location).map_err(|e| Failure::Runtime(e.to_string()))
}

fn load(store: &Store, id: i64) -> Result<(RunInfo, Vec<ProbeResult>), Failure> {
    export::load(store, id).map_err(|e| match e {
        LoadError::NotFound(_) => Failure::Usage(e.to_string()),
        other => Failure::Runtime(other.to_string()),
    })
}

/// `wirescope compare RUN_A RUN_B`.
pub(crate) fn compare(a: CompareArgs, colour: bool) -> Result<ExitCode, Failure> {
    let store = open(&a.history)?;
    let (run_a, before) = load(&store, a.a)?;
    let (run_b, after) = load(&store, a.b)?;
    if run_a.kind != run_b.kind {
        return Err(Failure::Usage(format!(
            "run {} is {} and run {} is {}: compare runs of one kind",
            a.a, run_a.kind, a.b, run_b.kind
        )));
    }
    let c = compare::compare((a.a, &before), (a.b, &after), run_a.kind);
    let mut out = std::io::stdout().lock();
    let text = if a.json {
        output::comparison_ndjson(&c)
    } else {
        output::comparison(&c, output::Palette::new(colour))
    };
    // A closed pipe (| head) ends the output quietly.
    let _ = writeln!(out, "{text}");
    Ok(ExitCode::SUCCESS)
}

/// `wirescope export RUN`.
pub(crate) fn export(a: ExportArgs) -> Result<ExitCode, Failure> {
    let store = open(&a.history)?;
    let (run, results) = load(&store, a.run)?;
    let mut text = match a.format {
        ExportFormat::Csv => export::csv(run.kind, &results),
        ExportFormat::Json => export::json(&run, &results) + "\n",
    };
    if let Some(path) = &a.anonymize {
        let key = crate::traffic::read_key(path, "--anonymize")?;
        text = wirescope_traffic::anon::Anonymizer::new(&key, false, None).text(&text);
    }
    match &a.output {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| Failure::Runtime(format!("--output {}: {e}", path.display())))?,
        None => {
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
        }
    }
    Ok(ExitCode::SUCCESS)
}
