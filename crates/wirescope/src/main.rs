//! The `wirescope` binary: parses arguments, starts a run on the probe engine, prints each result
//! as it arrives (table or NDJSON) with a progress bar on a terminal, and the summary at the end.

mod cli;
mod output;

use clap::Parser;
use cli::{Cli, ColorWhen, Command, NetArgs, OutputArgs, TargetArgs};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use output::{Palette, Printer};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use tokio_util::sync::CancellationToken;
use wirescope_probe::dns::{DnsOptions, parse_server};
use wirescope_probe::net::{Family, NetOptions};
use wirescope_probe::ping::PingOptions;
use wirescope_probe::scan::ScanOptions;
use wirescope_probe::trace::TraceOptions;
use wirescope_probe::{ProbeError, ProbeOptions, RunRequest, TargetList};

/// How a command ended, mapped to the exit status.
enum Failure {
    Usage(String),
    Runtime(String),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("wirescope: cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(Failure::Usage(msg)) => {
            eprintln!("wirescope: {msg}");
            ExitCode::from(2)
        }
        Err(Failure::Runtime(msg)) => {
            eprintln!("wirescope: {msg}");
            ExitCode::from(1)
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode, Failure> {
    let (targets, net, output, probe) = match cli.command {
        Command::Ping(a) => (
            a.targets,
            a.net,
            a.output,
            ProbeOptions::Ping(PingOptions {
                count: a.count,
                interval: a.interval,
                timeout: a.timeout,
                size: a.size,
                ttl: a.ttl,
                rate: a.rate,
                unprivileged: a.unprivileged,
            }),
        ),
        Command::Trace(a) => (
            a.targets,
            a.net,
            a.output,
            ProbeOptions::Trace(TraceOptions {
                protocol: a.protocol.into(),
                max_hops: a.max_hops,
                first_hop: a.first_hop,
                port: a.port,
                queries: a.queries,
                timeout: a.timeout,
                rate: a.rate,
                resolve: a.resolve,
            }),
        ),
        Command::Dns(a) => (
            a.targets,
            a.net,
            a.output,
            ProbeOptions::Dns(DnsOptions {
                types: a.types,
                server: a.server,
                timeout: a.timeout,
                retries: a.retries,
                tcp: a.tcp,
                concurrency: a.concurrency,
                rate: a.rate,
            }),
        ),
        Command::Scan(a) => (
            a.targets,
            a.net,
            a.output,
            ProbeOptions::Scan(ScanOptions {
                ports: a.ports,
                top: a.top,
                timeout: a.timeout,
                banners: a.banners,
                banner_timeout: a.banner_timeout,
                concurrency: a.concurrency,
                rate: a.rate,
                method: a.method.into(),
                retries: a.retries,
            }),
        ),
    };
    validate(&probe).map_err(|e| Failure::Usage(e.to_string()))?;
    let targets = expand(targets)?;
    let net = net_options(net)?;
    let colour = match cli.color {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    };
    execute(
        RunRequest {
            targets,
            probe,
            net,
        },
        output,
        colour,
    )
    .await
}

fn validate(probe: &ProbeOptions) -> Result<(), ProbeError> {
    match probe {
        ProbeOptions::Ping(o) => o.validate(),
        ProbeOptions::Trace(o) => o.validate(),
        ProbeOptions::Dns(o) => o.validate(),
        ProbeOptions::Scan(o) => o.validate(),
    }
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

async fn execute(req: RunRequest, output: OutputArgs, colour: bool) -> Result<ExitCode, Failure> {
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
    let mut run = wirescope_probe::start(req, cancel.clone())
        .await
        .map_err(|e| Failure::Runtime(e.to_string()))?;

    let interrupted = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            interrupted.cancel();
        }
    });

    let bar = progress_bar(run.total(), output.no_progress);
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
    while let Some(result) = run.next().await {
        emit(&printer.result(&result));
        bar.inc(1);
    }
    bar.finish_and_clear();
    let summary = run
        .finish()
        .await
        .map_err(|e| Failure::Runtime(e.to_string()))?;
    emit(&printer.summary(&summary));
    Ok(if summary.cancelled {
        ExitCode::from(130)
    } else {
        ExitCode::SUCCESS
    })
}

fn progress_bar(total: usize, disabled: bool) -> ProgressBar {
    if disabled || total < 2 || !std::io::stderr().is_terminal() {
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
