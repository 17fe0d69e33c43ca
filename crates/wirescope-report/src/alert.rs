//! An alert's report: what fired, when and why (the rule's evidence), who was told, the
//! timeline of the same suite and target around it, and the run that raised it.

use crate::model::{self, Block, Report, Section};
use crate::{ReportError, runs};
use wirescope_store::{EventFilter, Store};

/// Events of the timeline at most.
pub const MAX_TIMELINE: i64 = 200;

/// The report of alert event `id`, made at `now_ms`.
pub fn alert_report(store: &Store, id: i64, now_ms: i64, by: &str) -> Result<Report, ReportError> {
    let store_err = |e: wirescope_store::StoreError| ReportError::Typeset(e.to_string());
    let event = store
        .alert_event(id)
        .map_err(store_err)?
        .ok_or_else(|| ReportError::NotFound(format!("no alert event {id}")))?;
    let title = format!("Alert: {} on {}", event.rule, event.target);
    let mut report = Report::new(&title, format!("Alert event {id}"), now_ms, by);
    report.layout = crate::saved_layout(store);
    let mut facts = vec![
        ("What".to_string(), model::clean_line(&event.summary, 500)),
        ("Event".into(), event.kind.as_str().to_string()),
        ("When".into(), model::time_utc(event.at)),
        (
            "Rule".into(),
            format!("{} ({})", model::clean_line(&event.rule, 200), event.preset),
        ),
        ("Target".into(), model::clean_line(&event.target, 300)),
    ];
    if let Some(s) = &event.suite {
        facts.push(("Suite".into(), model::clean_line(s, 200)));
    }
    if let Some(r) = event.run_id {
        facts.push(("Raised by".into(), format!("run {r}")));
    }
    if let Some(t) = event.trap_id {
        facts.push(("Trap".into(), format!("received trap {t}")));
    }
    facts.push((
        "Told".into(),
        match &event.silenced {
            Some(why) => format!("nobody: {}", model::clean_line(why, 300)),
            None if event.deliveries.is_empty() => "no channel".into(),
            None => event
                .deliveries
                .iter()
                .map(|d| {
                    let when = d
                        .sent_at
                        .map(|t| format!(" at {}", model::time_utc(t)))
                        .unwrap_or_default();
                    let error = d
                        .last_error
                        .as_deref()
                        .map(|e| format!(" ({})", model::clean_line(e, 200)))
                        .unwrap_or_default();
                    format!("{}: {:?}{when}{error}", d.channel, d.status).to_lowercase()
                })
                .collect::<Vec<_>>()
                .join("; "),
        },
    ));
    let evidence = serde_json::from_str::<serde_json::Value>(event.evidence.get())
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_else(|_| event.evidence.get().to_string());
    let mut blocks = vec![
        Block::Facts { rows: facts },
        Block::pre("What the rule saw", &evidence),
    ];
    let timeline = store
        .alert_events(&EventFilter {
            suite_id: event.suite_id,
            target: Some(event.target.clone()),
            before: None,
            limit: MAX_TIMELINE,
        })
        .map_err(store_err)?;
    blocks.push(Block::Heading {
        text: format!(
            "Timeline of {} (the last {} events)",
            model::clean_line(&event.target, 200),
            timeline.len()
        ),
    });
    let mut rows: Vec<Vec<String>> = timeline
        .iter()
        .map(|e| {
            vec![
                model::time_utc(e.at),
                if e.id == id {
                    format!("{} (this one)", e.kind.as_str())
                } else {
                    e.kind.as_str().to_string()
                },
                e.rule.clone(),
                e.summary.clone(),
                e.run_id.map(|r| r.to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    rows.sort_by(|a, b| a[0].cmp(&b[0]));
    blocks.push(Block::table(
        &["When", "Event", "Rule", "What", "Run"],
        rows,
    ));
    report.sections.push(Section {
        heading: format!("Alert event {id}"),
        blocks,
    });
    if let Some(run_id) = event.run_id {
        match wirescope_runs::export::load(store, run_id) {
            Ok((run, results)) if results.len() <= crate::MAX_REPORT_RESULTS => {
                runs::add_run(&mut report, &run, &results, now_ms);
            }
            Ok((_, results)) => report.sections.push(Section {
                heading: format!("Run {run_id}"),
                blocks: vec![Block::Note {
                    text: format!("run {run_id} has {} results, more than a report holds; report it on its own", results.len()),
                }],
            }),
            Err(e) => report.sections.push(Section {
                heading: format!("Run {run_id}"),
                blocks: vec![Block::Note { text: format!("the run that raised it cannot be read: {e}") }],
            }),
        }
    }
    Ok(report)
}

/// The report of the diagnostics collected when alert event `id` fired: the alert's report,
/// then what was collected (`facts`, such as the capture window, and `notes` on what is
/// missing) and each diagnostic run in full.
pub fn diagnostics_report(
    store: &Store,
    id: i64,
    collected: &[(wirescope_store::RunInfo, Vec<wirescope_probe::ProbeResult>)],
    facts: Vec<(String, String)>,
    notes: &[String],
    now_ms: i64,
    by: &str,
) -> Result<Report, ReportError> {
    let mut report = alert_report(store, id, now_ms, by)?;
    report.title = format!("Diagnostics: {}", report.title);
    let mut blocks = vec![Block::Facts { rows: facts }];
    blocks.extend(notes.iter().map(|n| Block::Note {
        text: model::clean_line(n, 500),
    }));
    report.sections.insert(
        1,
        Section {
            heading: "Collected when it fired".into(),
            blocks,
        },
    );
    for (run, results) in collected {
        runs::add_run(&mut report, run, results, now_ms);
    }
    Ok(report)
}
