//! The `wirescope` binary: parses arguments, starts a run on the probe engine, prints each result
//! as it arrives (table or NDJSON) with a progress bar on a terminal, and the summary at the end.

mod capture;
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
use wirescope_probe::{ProbeOptions, RunRequest, TargetList};

/// How a command ended, mapped to the exit status.
enum Failure {
    Usage(String),
    Runtime(String),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The server serves many clients at once; a single run is fine on one thread.
    let mut builder = if matches!(cli.command, Command::Serve(_)) {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    let runtime = match builder.enable_all().build() {
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
    let mut map = None;
    let (targets, net, output, probe) = match cli.command {
        Command::Serve(a) => return serve(a).await,
        Command::Analyze(a) => return analyze(a),
        Command::Capture(a) => return live_capture(a).await,
        Command::Snmp(cmd) => snmp_command(cmd)?,
        Command::Ssh(cli::SshCmd::Exec(a)) => ssh_exec_command(a)?,
        Command::Ssh(cli::SshCmd::KnownHosts(cmd)) => return known_hosts_command(cmd),
        Command::Neighbors(a) => device_command(wirescope_probe::snmp::SnmpOp::Neighbors, a, None)?,
        Command::Arp(a) => device_command(wirescope_probe::snmp::SnmpOp::Arp, a, None)?,
        Command::Interfaces(a) => {
            device_command(wirescope_probe::snmp::SnmpOp::Interfaces, a.device, a.rate)?
        }
        Command::Topology(a) => {
            let mut o = snmp_options(
                wirescope_probe::snmp::SnmpOp::Topology,
                a.device.auth,
                Vec::new(),
                None,
            )?;
            o.depth = a.depth;
            map = Some(MapOutput {
                dot: a.dot,
                write: a.write,
                results: Vec::new(),
            });
            (
                a.device.targets,
                a.device.net,
                a.device.output,
                ProbeOptions::Snmp(o),
            )
        }
        Command::Creds(cmd) => match creds_command(cmd)? {
            CredsOutcome::Done(code) => return Ok(code),
            CredsOutcome::Run(job) => *job,
        },
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
                wait_here: a.wait_here,
                wait_near: a.wait_near,
                wait_min: a.wait_min,
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
    probe
        .validate()
        .map_err(|e| Failure::Usage(e.to_string()))?;
    let targets_text = targets_text(&targets);
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
        &targets_text,
        map,
    )
    .await
}

/// `wirescope capture`: runs the capture off the runtime thread, so Ctrl-C is heard.
async fn live_capture(a: cli::CaptureArgs) -> Result<ExitCode, Failure> {
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let interrupted = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (s, i) = (stop.clone(), interrupted.clone());
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            i.store(true, std::sync::atomic::Ordering::Relaxed);
            s.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    });
    let a = std::sync::Arc::new(a);
    let args = a.clone();
    let outcome = tokio::task::spawn_blocking(move || capture::run(&args, stop))
        .await
        .map_err(|e| Failure::Runtime(e.to_string()))?
        .map_err(Failure::Runtime)?;
    Ok(capture::print(
        &a,
        &outcome,
        interrupted.load(std::sync::atomic::Ordering::Relaxed),
    ))
}

/// The filter text around a 1-based column, with a caret under it: at most 60 characters
/// either side, so a hostile 60,000-character filter still gives a readable error.
fn pointer(text: &str, column: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    let at = column.saturating_sub(1).min(chars.len());
    let from = at.saturating_sub(60);
    let to = (at + 60).min(chars.len());
    let (lead, tail) = (
        if from > 0 { "..." } else { "" },
        if to < chars.len() { "..." } else { "" },
    );
    let shown: String = chars[from..to].iter().collect();
    let caret = " ".repeat(lead.len() + at - from);
    format!("    {lead}{shown}{tail}\n    {caret}^")
}

/// `wirescope analyze FILE`: the report of a capture file, and its damage if any.
fn analyze(a: cli::AnalyzeArgs) -> Result<ExitCode, Failure> {
    let limits = wirescope_traffic::Limits {
        top: a.top,
        ..Default::default()
    };
    let filter =
        match &a.filter {
            Some(text) => Some(wirescope_traffic::filter::Filter::parse(text).map_err(|e| {
                Failure::Usage(format!("--filter: {e}\n{}", pointer(text, e.column)))
            })?),
            None => None,
        };
    let analysis =
        wirescope_traffic::analyze_file(&a.file, limits, filter.as_ref(), a.write.as_deref())
            .map_err(|e| Failure::Runtime(e.to_string()))?;
    let mut out = std::io::stdout().lock();
    let text = if let Some(table) = &a.csv {
        wirescope_traffic::stats::csv(&analysis.report, table)
            .map_err(|e| Failure::Usage(format!("--csv: {e}")))?
            .trim_end()
            .to_string()
    } else if a.json {
        let mut doc = serde_json::to_value(&analysis.report).unwrap_or_default();
        if let Some(o) = doc.as_object_mut() {
            o.insert("file".into(), a.file.display().to_string().into());
            o.insert(
                "filter".into(),
                a.filter.clone().map_or(serde_json::Value::Null, Into::into),
            );
            o.insert(
                "damage".into(),
                analysis
                    .damage
                    .as_ref()
                    .map(|d| serde_json::json!({"offset": d.offset, "what": d.what}))
                    .unwrap_or(serde_json::Value::Null),
            );
        }
        doc.to_string()
    } else {
        output::analysis(&analysis.report)
    };
    let _ = writeln!(out, "{text}");
    match analysis.damage {
        Some(d) => Err(Failure::Runtime(format!(
            "{} is damaged: {d} (the report covers what came before)",
            a.file.display()
        ))),
        None => Ok(ExitCode::SUCCESS),
    }
}

/// Where a topology crawl's map goes, and the device results it is drawn from.
struct MapOutput {
    dot: bool,
    write: Option<std::path::PathBuf>,
    results: Vec<wirescope_probe::result::SnmpResult>,
}

impl MapOutput {
    /// Writes the map to the --write file, if any; DOT for .dot/.gv, JSON otherwise.
    fn write(&self, map: &wirescope_probe::snmp::topology::Topology) -> Result<(), Failure> {
        let Some(path) = &self.write else {
            return Ok(());
        };
        let dot = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("dot") || e.eq_ignore_ascii_case("gv"));
        let body = if dot {
            map.to_dot()
        } else {
            serde_json::to_string_pretty(map).unwrap_or_default() + "\n"
        };
        std::fs::write(path, body)
            .map_err(|e| Failure::Runtime(format!("--write {}: {e}", path.display())))
    }
}

/// Splits `snmp get|walk` arguments into targets and SNMP options.
fn snmp_command(cmd: cli::SnmpCmd) -> Result<Job, Failure> {
    use wirescope_probe::snmp::SnmpOp;
    let (op, a) = match cmd {
        cli::SnmpCmd::Get(a) => (SnmpOp::Get, a),
        cli::SnmpCmd::Walk(a) => (SnmpOp::Walk, a),
    };
    let mut args = a.args.into_iter();
    let targets = if a.file.is_some() {
        Vec::new()
    } else {
        vec![
            args.next()
                .ok_or_else(|| Failure::Usage("give a TARGET (or -f FILE), then OIDs".into()))?,
        ]
    };
    let options = snmp_options(op, a.auth, args.collect(), None)?;
    let targets = TargetArgs {
        targets,
        file: a.file,
        max_targets: a.max_targets,
    };
    Ok((targets, a.net, a.output, ProbeOptions::Snmp(options)))
}

fn device_command(
    op: wirescope_probe::snmp::SnmpOp,
    a: cli::DeviceArgs,
    rate: Option<std::time::Duration>,
) -> Result<Job, Failure> {
    let options = snmp_options(op, a.auth, Vec::new(), rate)?;
    Ok((a.targets, a.net, a.output, ProbeOptions::Snmp(options)))
}

fn snmp_options(
    op: wirescope_probe::snmp::SnmpOp,
    a: cli::SnmpAuthArgs,
    oids: Vec<String>,
    rate: Option<std::time::Duration>,
) -> Result<wirescope_probe::snmp::SnmpOptions, Failure> {
    let flags_given = a.cred.community.is_some() || a.cred.user.is_some();
    let mut o = wirescope_probe::snmp::SnmpOptions {
        op,
        oids,
        version: a.cred.snmp_version,
        community: a.cred.community.unwrap_or_else(|| "public".into()),
        user: a.cred.user,
        level: a.cred.level,
        auth_protocol: a.cred.auth_protocol,
        auth_password: a.cred.auth_password,
        priv_protocol: a.cred.priv_protocol,
        priv_password: a.cred.priv_password,
        port: a.port,
        timeout: a.timeout,
        retries: a.retries,
        max_repetitions: a.max_repetitions,
        concurrency: a.concurrency,
        rate,
        ..Default::default()
    };
    if !a.profile.is_empty() {
        o.profiles = a.profile;
        let creds = wirescope_creds::Creds::open_default(true)
            .map_err(|e| Failure::Runtime(e.to_string()))?;
        creds.apply(&mut o, flags_given).map_err(|e| match e {
            wirescope_creds::CredsError::Profiles(m) => Failure::Usage(format!("--profile: {m}")),
            other => Failure::Runtime(other.to_string()),
        })?;
    }
    Ok(o)
}

/// A probe run described by the command line: targets, network, output, probe.
type Job = (TargetArgs, NetArgs, OutputArgs, ProbeOptions);

/// `wirescope ssh exec`: the options of an SSH run, with the login from the flags or a profile.
fn ssh_exec_command(a: Box<cli::SshExecArgs>) -> Result<Job, Failure> {
    let a = *a;
    use wirescope_probe::ssh::SshOptions;
    let env = |flag: &str, var: &str| {
        std::env::var(var)
            .map_err(|_| Failure::Usage(format!("{flag}: environment variable {var} is not set")))
    };
    let mut o = SshOptions {
        command: a.command.join(" "),
        user: a.user.unwrap_or_default(),
        port: a.port,
        profile: a.profile,
        jump: a.jump,
        accept_new_host_keys: a.accept_new_host_keys,
        timeout: a.timeout,
        command_timeout: a.command_timeout,
        concurrency: usize::try_from(a.concurrency).unwrap_or(usize::MAX),
        max_output: usize::try_from(a.max_output).unwrap_or(usize::MAX),
        known_hosts: a.known_hosts,
        ..SshOptions::default()
    };
    if let Some(var) = &a.password_env {
        o.password = Some(env("--password-env", var)?);
    }
    if let Some(path) = &a.identity {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Failure::Usage(format!("--identity {}: {e}", path.display())))?;
        o.private_key = Some(text);
    }
    if let Some(var) = &a.identity_passphrase_env {
        o.key_passphrase = Some(env("--identity-passphrase-env", var)?);
    }
    if o.profile.is_some() {
        let creds = wirescope_creds::Creds::open_default(true)
            .map_err(|e| Failure::Runtime(e.to_string()))?;
        creds.apply_ssh(&mut o).map_err(|e| match e {
            wirescope_creds::CredsError::Store(_) => Failure::Runtime(e.to_string()),
            other => Failure::Usage(format!("--profile: {other}")),
        })?;
    }
    o.validate().map_err(|e| Failure::Usage(e.to_string()))?;
    Ok((a.targets, a.net, a.output, ProbeOptions::Ssh(o)))
}

/// `wirescope ssh known-hosts list|rm`.
fn known_hosts_command(cmd: cli::KnownHostsCmd) -> Result<ExitCode, Failure> {
    use wirescope_probe::ssh::default_known_hosts;
    let runtime = |e: wirescope_ssh::known_hosts::KnownHostsError| Failure::Runtime(e.to_string());
    match cmd {
        cli::KnownHostsCmd::List { known_hosts, json } => {
            let store = default_known_hosts(known_hosts);
            let entries = store.list().map_err(runtime)?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({"file": store.path(), "entries": entries})
                );
            } else if entries.is_empty() {
                println!("{}: no entries", store.path().display());
            } else {
                for e in entries {
                    let mark = e.marker.map(|m| format!("@{m} ")).unwrap_or_default();
                    println!(
                        "{mark}{:<32} {:<20} {}",
                        e.hosts, e.algorithm, e.fingerprint
                    );
                }
            }
        }
        cli::KnownHostsCmd::Rm {
            host,
            port,
            known_hosts,
        } => {
            let store = default_known_hosts(known_hosts);
            let n = store.remove(&host, port).map_err(runtime)?;
            let pattern = wirescope_ssh::known_hosts::host_pattern(&host, port);
            if n == 0 {
                return Err(Failure::Usage(format!(
                    "{}: no entry for {pattern}",
                    store.path().display()
                )));
            }
            println!(
                "removed {n} entr{} for {pattern} from {}",
                if n == 1 { "y" } else { "ies" },
                store.path().display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What a `creds` command comes to: done, or (for `test`) a run to make.
enum CredsOutcome {
    Done(ExitCode),
    Run(Box<Job>),
}

/// `wirescope creds add|list|rm`; `test` becomes an SNMP run with the profile.
fn creds_command(cmd: cli::CredsCmd) -> Result<CredsOutcome, Failure> {
    use wirescope_creds::{Creds, SnmpProfile, SnmpSecrets};
    let runtime = |e: wirescope_creds::CredsError| Failure::Runtime(e.to_string());
    let secret = |flag: Option<String>, env: &str| {
        flag.or_else(|| std::env::var(env).ok())
            .map(zeroize::Zeroizing::new)
    };
    match cmd {
        cli::CredsCmd::Add(a) => {
            let creds = Creds::open_default(true).map_err(runtime)?;
            let profile = SnmpProfile {
                version: a.cred.snmp_version,
                user: a.cred.user,
                level: a.cred.level,
                auth_protocol: a.cred.auth_protocol,
                priv_protocol: a.cred.priv_protocol,
            };
            let secrets = SnmpSecrets {
                community: secret(a.cred.community, "WIRESCOPE_SNMP_COMMUNITY"),
                auth_password: secret(a.cred.auth_password, "WIRESCOPE_SNMP_AUTH_PASSWORD"),
                priv_password: secret(a.cred.priv_password, "WIRESCOPE_SNMP_PRIV_PASSWORD"),
            };
            let usage_or_runtime = |e: wirescope_creds::CredsError| match e {
                wirescope_creds::CredsError::BadName(_)
                | wirescope_creds::CredsError::Profiles(_) => Failure::Usage(e.to_string()),
                other => Failure::Runtime(other.to_string()),
            };
            let ssh = match &a.ssh_user {
                Some(user) => {
                    let key = match &a.ssh_key {
                        Some(path) => Some(zeroize::Zeroizing::new(
                            std::fs::read_to_string(path).map_err(|e| {
                                Failure::Usage(format!("--ssh-key {}: {e}", path.display()))
                            })?,
                        )),
                        None => None,
                    };
                    Some((
                        wirescope_creds::SshProfile { user: user.clone() },
                        wirescope_creds::SshSecrets {
                            password: secret(a.ssh_password.clone(), "WIRESCOPE_SSH_PASSWORD"),
                            private_key: key,
                            key_passphrase: secret(None, "WIRESCOPE_SSH_KEY_PASSPHRASE"),
                        },
                    ))
                }
                None => None,
            };
            creds
                .add_snmp(&a.name, profile, &secrets)
                .map_err(usage_or_runtime)?;
            if let Some((p, s)) = ssh {
                creds.set_ssh(&a.name, p, &s).map_err(usage_or_runtime)?;
            }
            println!("profile '{}' saved (secrets in {})", a.name, creds.store());
            Ok(CredsOutcome::Done(ExitCode::SUCCESS))
        }
        cli::CredsCmd::List { json } => {
            let creds = Creds::open_default(true).map_err(runtime)?;
            let list = creds.list().map_err(runtime)?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&list).unwrap_or_default()
                );
            } else {
                println!(
                    "{:<20} {:<4} {:<16} {:<12} {:<8} {:<10} {:<10} {:<25} SSH",
                    "PROFILE", "SNMP", "USER", "LEVEL", "AUTH", "PRIV", "COMMUNITY", "PASSWORDS"
                );
                for p in list {
                    fn dash(o: &Option<impl ToString>) -> String {
                        o.as_ref().map_or_else(|| "-".into(), ToString::to_string)
                    }
                    let ssh = p.ssh.as_ref().map_or_else(
                        || "-".to_string(),
                        |s| {
                            format!(
                                "{} (password {}, key {}, passphrase {})",
                                s.user, s.password, s.private_key, s.key_passphrase
                            )
                        },
                    );
                    println!(
                        "{:<20} {:<4} {:<16} {:<12} {:<8} {:<10} {:<10} {:<25} {ssh}",
                        p.name,
                        p.snmp.version,
                        dash(&p.snmp.user),
                        dash(&p.snmp.level),
                        dash(&p.snmp.auth_protocol),
                        dash(&p.snmp.priv_protocol),
                        p.community,
                        format!("auth {}, priv {}", p.auth_password, p.priv_password),
                    );
                }
                eprintln!("secrets kept in {}", creds.store());
            }
            Ok(CredsOutcome::Done(ExitCode::SUCCESS))
        }
        cli::CredsCmd::Rm { name } => {
            let existed = Creds::open_default(true)
                .and_then(|c| c.remove(&name))
                .map_err(runtime)?;
            if !existed {
                return Err(Failure::Runtime(format!("no profile named '{name}'")));
            }
            println!("profile '{name}' removed");
            Ok(CredsOutcome::Done(ExitCode::SUCCESS))
        }
        cli::CredsCmd::Test(a) => {
            let mut o = wirescope_probe::snmp::SnmpOptions {
                oids: vec!["sysName.0".into(), "sysDescr.0".into()],
                profiles: vec![a.name],
                ..Default::default()
            };
            Creds::open_default(true)
                .and_then(|c| c.apply(&mut o, false))
                .map_err(runtime)?;
            Ok(CredsOutcome::Run(Box::new((
                a.targets,
                a.net,
                a.output,
                ProbeOptions::Snmp(o),
            ))))
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

async fn serve(a: cli::ServeArgs) -> Result<ExitCode, Failure> {
    let mut token = a.token;
    if token.is_none() && !a.listen.ip().is_loopback() {
        let t = wirescope_server::generate_token();
        eprintln!("wirescope: listening off loopback: generated access token {t}");
        token = Some(t);
    }
    let config = wirescope_server::ServerConfig {
        listen: a.listen,
        db: a.db.unwrap_or_else(wirescope_store::default_path),
        token: token.clone(),
        max_runs: a.max_runs.max(1),
        max_targets: a.max_targets,
        ssh_idle_timeout: a.ssh_idle_timeout,
        max_connections: a.max_connections as usize,
        header_timeout: a.header_timeout,
        idle_timeout: a.idle_timeout,
        capture_memory: usize::try_from(a.capture_memory).unwrap_or(usize::MAX),
        max_captures: a.max_captures as usize,
        max_uploads: a.max_uploads as usize,
        ..Default::default()
    };
    let db = config.db.clone();
    wirescope_server::serve(config, |addr| {
        let host = if addr.ip().is_unspecified() {
            "127.0.0.1".to_string()
        } else {
            addr.ip().to_string()
        };
        let host = if addr.is_ipv6() {
            format!("[{host}]")
        } else {
            host
        };
        let query = token
            .as_deref()
            .map(|t| {
                let encoded: String = form_urlencoded::byte_serialize(t.as_bytes()).collect();
                format!("/?token={encoded}")
            })
            .unwrap_or_else(|| "/".into());
        // A closed standard output (a supervisor, a test that read the first line) must not stop the server.
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "wirescope dashboard: open http://{host}:{}{query}",
            addr.port()
        );
        let _ = writeln!(out, "history: {}", db.display());
        let _ = out.flush();
    })
    .await
    .map_err(|e| Failure::Runtime(e.to_string()))?;
    Ok(ExitCode::SUCCESS)
}

/// Records a CLI run in the history database (--save).
struct Recorder {
    store: wirescope_store::Store,
    id: i64,
    seq: i64,
}

impl Recorder {
    fn open(
        path: Option<std::path::PathBuf>,
        req: &RunRequest,
        targets_text: &str,
    ) -> Result<Self, Failure> {
        let path = path.unwrap_or_else(wirescope_store::default_path);
        let store = wirescope_store::Store::open(&path)
            .map_err(|e| Failure::Runtime(format!("--save: {e}")))?;
        let options = req.probe.options_json();
        let net = serde_json::to_string(&req.net).unwrap_or_else(|_| "{}".into());
        let total = req.total();
        let new = wirescope_store::NewRun {
            kind: req.probe.kind(),
            targets_text,
            options: &options,
            net: &net,
            total: total as i64,
            source: wirescope_store::Source::Cli,
        };
        let fail = |e: wirescope_store::StoreError| Failure::Runtime(format!("--save: {e}"));
        let id = store.create_run(&new).map_err(fail)?;
        store.set_running(id).map_err(fail)?;
        Ok(Recorder { store, id, seq: 0 })
    }

    fn append(
        &mut self,
        batch: &[wirescope_probe::ProbeResult],
    ) -> Result<(), wirescope_store::StoreError> {
        let texts: Vec<(String, String)> = batch
            .iter()
            .map(|r| {
                (
                    r.target().to_string(),
                    serde_json::to_string(r).unwrap_or_default(),
                )
            })
            .collect();
        let rows: Vec<(&str, &str)> = texts
            .iter()
            .map(|(t, d)| (t.as_str(), d.as_str()))
            .collect();
        self.store.append_results(self.id, self.seq, &rows)?;
        self.seq += batch.len() as i64;
        Ok(())
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

async fn execute(
    req: RunRequest,
    output: OutputArgs,
    colour: bool,
    targets_text: &str,
    mut map: Option<MapOutput>,
) -> Result<ExitCode, Failure> {
    let mut recorder = if output.save {
        Some(Recorder::open(output.db.clone(), &req, targets_text)?)
    } else {
        None
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
    let mut run = wirescope_probe::start(req, cancel.clone())
        .await
        .map_err(|e| Failure::Runtime(e.to_string()))?;

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
    let mut save_error = None;
    while let Some(first) = run.next().await {
        let mut batch = vec![first];
        while let Some(more) = run.try_next() {
            batch.push(more);
        }
        for result in &batch {
            match (&mut map, result) {
                (Some(m), wirescope_probe::ProbeResult::Snmp(r)) => {
                    m.results.push(r.clone());
                    if !m.dot {
                        emit(&printer.result(result));
                    }
                }
                _ => emit(&printer.result(result)),
            }
        }
        bar.inc(batch.len() as u64);
        if let Some(rec) = recorder.as_mut()
            && let Err(e) = rec.append(&batch)
        {
            save_error = Some(format!("--save stopped: {e}"));
            recorder = None;
        }
    }
    bar.finish_and_clear();
    let finished = run.finish().await;
    if let Some(rec) = &recorder {
        use wirescope_store::RunStatus;
        let (status, summary, error) = match &finished {
            Ok(s) => (
                if s.cancelled {
                    RunStatus::Cancelled
                } else {
                    RunStatus::Finished
                },
                serde_json::to_string(s).ok(),
                None,
            ),
            Err(e) => (RunStatus::Failed, None, Some(e.to_string())),
        };
        if let Err(e) = rec
            .store
            .set_finished(rec.id, status, summary.as_deref(), error.as_deref())
        {
            save_error = Some(format!("--save: {e}"));
        }
    }
    let summary = finished.map_err(|e| Failure::Runtime(e.to_string()))?;
    if let Some(m) = &map {
        let graph = wirescope_probe::snmp::topology::graph(&m.results);
        m.write(&graph)?;
        if m.dot {
            emit(graph.to_dot().trim_end());
            // stdout holds the DOT document alone; the summary goes to stderr.
            eprintln!("{}", printer.summary(&summary));
            return Ok(if summary.cancelled {
                ExitCode::from(130)
            } else {
                ExitCode::SUCCESS
            });
        }
        emit(&printer.map(&graph));
    }
    emit(&printer.summary(&summary));
    if let Some(e) = save_error {
        return Err(Failure::Runtime(e));
    }
    Ok(if summary.cancelled {
        ExitCode::from(130)
    } else {
        ExitCode::SUCCESS
    })
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
