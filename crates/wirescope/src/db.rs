//! `wirescope db`: the history database itself: moving a single engineer's history into the
//! team's PostgreSQL (or back), checked once it is there.

use crate::Failure;
use crate::cli::{DbCmd, DbMigrateArgs};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;
use wirescope_store::{COPY_SAMPLES, Location, Store};

pub(crate) fn db_command(cmd: DbCmd) -> Result<ExitCode, Failure> {
    match cmd {
        DbCmd::Migrate(a) => migrate(a),
    }
}

/// Opens one side of a migration; `side` names the flag in errors.
fn open(location: &str, ca: Option<&Path>, side: &str) -> Result<Store, Failure> {
    let location = match Location::parse(location) {
        Location::Postgres { url, .. } => Location::Postgres {
            url,
            ca: ca.map(Path::to_path_buf),
        },
        sqlite => sqlite,
    };
    if let Location::Sqlite(path) = &location
        && side == "--from"
        && !path.exists()
    {
        return Err(Failure::Usage(format!(
            "--from: no history at {}",
            path.display()
        )));
    }
    Store::connect(&location).map_err(|e| Failure::Runtime(format!("{side}: {e}")))
}

fn migrate(a: DbMigrateArgs) -> Result<ExitCode, Failure> {
    if Location::parse(&a.from) == Location::parse(&a.to) {
        return Err(Failure::Usage(
            "--from and --to name the same database".into(),
        ));
    }
    let from = open(&a.from, a.db_ca.as_deref(), "--from")?;
    let to = open(&a.to, a.db_ca.as_deref(), "--to")?;
    let t0 = Instant::now();
    let json = a.json;
    let tables = from
        .copy_into(&to, |table, rows| {
            if !json {
                eprintln!("{table}: {rows} rows");
            }
        })
        .map_err(|e| Failure::Runtime(e.to_string()))?;
    let seconds = t0.elapsed().as_secs_f64();
    let rows: i64 = tables.iter().map(|t| t.rows).sum();
    // The audit trail's chain must hold in its new home as it did in the old.
    let audit = to
        .audit_verify()
        .map_err(|e| Failure::Runtime(e.to_string()))?
        .map_err(|(id, why)| {
            Failure::Runtime(format!("the copied audit trail breaks at row {id}: {why}"))
        })?;
    if json {
        println!(
            "{}",
            serde_json::json!({
                "from": from.location(),
                "to": to.location(),
                "rows": rows,
                "seconds": seconds,
                "audit_rows_verified": audit,
                "tables": tables,
            })
        );
    } else {
        println!(
            "copied {rows} rows of {} tables from {} to {} in {seconds:.1} s ({:.0} rows/s); \
             every table counted on both sides, up to {COPY_SAMPLES} rows of each compared, \
             the audit trail's {audit} rows verified",
            tables.len(),
            from.location(),
            to.location(),
            rows as f64 / seconds.max(1e-9)
        );
    }
    Ok(ExitCode::SUCCESS)
}
