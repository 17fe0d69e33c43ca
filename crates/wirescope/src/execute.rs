//! Running a probe command: targets expanded, network options checked, the run started on the
//! engine, each result printed as it arrives (table or NDJSON) under a progress bar, recorded
//! with --save, and the summary at the end.

use crate::Failure;
use crate::cli::{ColorWhen, NetArgs, OutputArgs, TargetArgs};
use crate::output::{Palette, Printer};
use crate::snmp::MapOutput;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use wirescope_net::{Family, NetOptions};
use wirescope_probe::TargetList;
use wirescope_probe::dns::parse_server;
use wirescope_runs::engine::{ProbeOptions, RunRequest};
use wirescope_runs::{OnStoreError, Pipeline, START_DEADLINE};
use wirescope_store::{Origin, Source};

/// A probe run described by the command line: targets, network, output, probe.
pub(crate) type Job = (TargetArgs, NetArgs, OutputArgs, ProbeOptions);

/// Checks a job's options, expands its targets and runs it.
pub(crate) async fn job(
    (targets, net, output, probe): Job,
    color: ColorWhen,
    map: Option<MapOutput>,
) -> Result<ExitCode, Failure> {
    probe
        .validate()
        .map_err(|e| Failure::Usage(e.to_string()))?;
    let targets_text = targets_text(&targets);
    let targets = expand(targets)?;
    let net = net_options(net)?;
    let req = RunRequest {
        targets,
        probe,
        net,
    };
    let origin = Source::Cli.into();
    execute(req, output, colour(color), &targets_text, map, origin)
        .await
        .map(|(code, _)| code)
}

/// Whether to colour what goes to standard output.
pub(crate) fn colour(when: ColorWhen) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    }
}

/// The targets as given, for the history: arguments, then the file's name.
fn targets_text(args: &TargetArgs) -> String {
    let mut parts = args.targets.clone();
    if let Some(f) = &args.file {
        parts.push(format!("# from file {f}"));
    }
    parts.join("\n")
}

fn expand(args: TargetArgs) -> Result<Vec<wirescope_probe::Target>, Failure> {
    let mut list = TargetList::new();
    let usage = |e: wirescope_probe::targets::TargetError| Failure::Usage(e.to_string());
    for a in &args.targets {
        list.add_arg(a).map_err(usage)?;
    }
    if let Some(f) = &args.file {
        list.add_file(f).map_err(usage)?;
    }
    list.expand(args.max_targets).map_err(usage)
}

fn net_options(a: NetArgs) -> Result<NetOptions, Failure> {
    let resolvers = a
        .resolvers
        .iter()
        .map(|r| parse_server(r).map_err(|e| Failure::Usage(format!("--resolver: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let family = if a.ipv4 {
        Family::V4
    } else if a.ipv6 {
        Family::V6
    } else {
        Family::Any
    };
    Ok(NetOptions {
        netns: a.netns,
        interface: a.interface,
        source: a.source,
        family,
        resolvers,
    })
}

/// Runs a request, printing as results arrive; returns the exit status and, with --save, the
/// run's id in the history (recorded as started by `origin`).
pub(crate) async fn execute(
    req: RunRequest,
    output: OutputArgs,
    colour: bool,
    targets_text: &str,
    mut map: Option<MapOutput>,
    origin: Origin,
) -> Result<(ExitCode, Option<i64>), Failure> {
    let (mut pipeline, saved) = if output.save {
        let location = crate::history::location(output.db.as_deref());
        let store = wirescope_store::Store::connect(&location)
            .map_err(|e| Failure::Runtime(format!("--save: {e}")))?;
        let (pipeline, id) = Pipeline::record(
            Arc::new(store),
            &req,
            targets_text,
            origin,
            OnStoreError::StopSaving,
        )
        .map_err(|e| Failure::Runtime(format!("--save: {e}")))?;
        (pipeline, Some((id, location)))
    } else {
        (Pipeline::unrecorded(&req), None)
    };
    // DNS rows show the name asked, which for an address is its (longer) reverse name.
    let shown = |t: &wirescope_probe::Target| match (&req.probe, &t.host) {
        (ProbeOptions::Dns(_), wirescope_probe::targets::Host::Ip(ip)) => {
            if ip.is_ipv4() {
                28
            } else {
                72
            }
        }
        _ => t.spec.len(),
    };
    let width = req.targets.iter().map(shown).max().unwrap_or(8);
    let kind = req.probe.kind();
    let addr_width = req
        .targets
        .iter()
        .filter_map(|t| match t.host {
            wirescope_probe::targets::Host::Ip(ip) => Some(ip.to_string().len()),
            wirescope_probe::targets::Host::Name(_) => None,
        })
        .max()
        .unwrap_or(0);
    let printer = Printer::new(output.json, Palette::new(colour), width, addr_width);
    let cancel = CancellationToken::new();
    let mut run = pipeline
        .start(req, &cancel, START_DEADLINE)
        .await
        .map_err(|ended| Failure::Runtime(ended.error.unwrap_or_else(|| "cancelled".into())))?;

    let interrupted = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            interrupted.cancel();
        }
    });

    let bar = progress_bar(run.total(), output.no_progress, map.is_some());
    let mut stdout = std::io::stdout().lock();
    let mut emit = |text: &str| {
        bar.suspend(|| {
            // A closed pipe (| head) ends the output quietly; the run is cancelled below.
            let _ = writeln!(stdout, "{text}");
        });
    };
    if let Some(h) = printer.header(kind) {
        emit(&h);
    }
    pipeline
        .drive(&mut run, &cancel, |batch| {
            for result in batch {
                match (&mut map, result) {
                    (Some(m), wirescope_probe::ProbeResult::Snmp(r)) => {
                        m.results.push(r.clone());
                        if !m.dot && m.locate.is_none() {
                            emit(&printer.result(result));
                        }
                    }
                    _ => emit(&printer.result(result)),
                }
            }
            bar.inc(batch.len() as u64);
        })
        .await;
    bar.finish_and_clear();
    let ended = pipeline.finish(run).await;
    let save_error = ended.store_error.map(|e| format!("--save: {e}"));
    let summary = ended
        .summary
        .ok_or_else(|| Failure::Runtime(ended.error.unwrap_or_default()))?;
    if let Some((query, text)) = map.as_ref().and_then(|m| m.locate.as_ref()) {
        let results = map.as_ref().map_or(&[][..], |m| m.results.as_slice());
        let located = wirescope_snmp::locate::find(query, text, results);
        emit(&printer.located(&located));
        emit(&printer.summary(&summary));
        let code = if located.found.is_empty() && !summary.cancelled {
            ExitCode::from(1)
        } else {
            exit_code(summary.cancelled)
        };
        return Ok((code, saved.map(|(id, _)| id)));
    }
    if let Some(m) = &map {
        let graph = wirescope_snmp::topology::graph(&m.results);
        m.write(&graph)?;
        if m.dot {
            emit(graph.to_dot().trim_end());
            // stdout holds the DOT document alone; the summary goes to stderr.
            eprintln!("{}", printer.summary(&summary));
            return Ok((exit_code(summary.cancelled), saved.map(|(id, _)| id)));
        }
        emit(&printer.map(&graph));
    }
    emit(&printer.summary(&summary));
    if let Some(e) = save_error {
        return Err(Failure::Runtime(e));
    }
    if let Some((id, location)) = &saved {
        eprintln!("saved as run #{id} in {location}");
    }
    Ok((exit_code(summary.cancelled), saved.map(|(id, _)| id)))
}

/// 130 for a run cut short by Ctrl-C, as shells report an interrupted command.
fn exit_code(cancelled: bool) -> ExitCode {
    if cancelled {
        ExitCode::from(130)
    } else {
        ExitCode::SUCCESS
    }
}

fn progress_bar(total: usize, disabled: bool, crawl: bool) -> ProgressBar {
    if disabled || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    if crawl {
        // A crawl finds its devices as it goes: count them, no bar.
        let spinner = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("{spinner} {pos} devices read  {elapsed_precise}")
        {
            spinner.set_style(style);
        }
        spinner.enable_steady_tick(std::time::Duration::from_millis(120));
        return spinner;
    }
    if total < 2 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{bar:32.cyan/blue} {pos}/{len} done  {elapsed_precise}  {per_sec}",
    ) {
        bar.set_style(style.progress_chars("█▉▊▋▌▍▎▏ "));
    }
    bar
}
