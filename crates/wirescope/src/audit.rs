//! `wirescope audit`: checks the audit trail's hash chain, and lists it, on the history database.

use crate::Failure;
use crate::cli::AuditCmd;
use std::process::ExitCode;
use wirescope_store::{AuditFilter, NewAudit, Store};

/// Records an action taken from the command line, as `cli:USER`.
pub(crate) fn record(store: &Store, action: &str, object: &str) {
    let actor = format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "unknown".into())
    );
    if let Err(e) = store.audit(&NewAudit {
        actor: &actor,
        via: "cli",
        address: "",
        action,
        object,
        status: 0,
    }) {
        eprintln!("wirescope: audit: cannot record {action}: {e}");
    }
}

pub(crate) fn audit_command(cmd: AuditCmd) -> Result<ExitCode, Failure> {
    match cmd {
        AuditCmd::Verify { history } => {
            let store = crate::history::open(&history)?;
            match store
                .audit_verify()
                .map_err(|e| Failure::Runtime(e.to_string()))?
            {
                Ok(n) => {
                    let anchor = store
                        .audit_anchor()
                        .map_err(|e| Failure::Runtime(e.to_string()))?;
                    match anchor {
                        Some(a) => println!(
                            "audit trail intact: {n} rows, every hash holds (from row {}: {} older rows removed by retention)",
                            a.last_id + 1,
                            a.pruned
                        ),
                        None => println!("audit trail intact: {n} rows, every hash holds"),
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err((id, why)) => {
                    println!("audit trail broken at row {id}: {why}");
                    Ok(ExitCode::from(1))
                }
            }
        }
        AuditCmd::List {
            limit,
            actor,
            action,
            json,
            history,
        } => {
            let store = crate::history::open(&history)?;
            let mut rows = store
                .audit_entries(&AuditFilter {
                    actor,
                    action,
                    limit,
                    ..Default::default()
                })
                .map_err(|e| Failure::Runtime(e.to_string()))?;
            rows.reverse();
            for r in rows {
                if json {
                    println!("{}", serde_json::to_string(&r).unwrap_or_default());
                } else {
                    let at = wirescope_report::model::time_utc(r.at);
                    println!(
                        "{:>6} {at} {:<16} {:<15} {:<20} {} {}",
                        r.id, r.actor, r.address, r.action, r.object, r.status
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
