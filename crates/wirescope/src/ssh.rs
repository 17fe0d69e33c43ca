//! The SSH commands: `ssh exec` (one command on many devices), `ssh config` (a checked
//! configuration push), `ssh backup` and `ssh configs` (configuration versions), and
//! `ssh known-hosts`.

use crate::execute::Job;
use crate::{Failure, cli};
use std::process::ExitCode;
use wirescope_runs::engine::ProbeOptions;
use wirescope_ssh::exec::{ConfigTask, SshOptions};

/// `wirescope ssh exec`: the options of an SSH run, with the login from the flags or a profile.
pub(crate) fn ssh_exec_command(a: Box<cli::SshExecArgs>) -> Result<Job, Failure> {
    let a = *a;
    let o = SshOptions {
        // In a shell each argument is a command of its own, typed in turn.
        command: a.command.join(if a.shell { "\n" } else { " " }),
        shell: a.shell,
        platform: a.shell.then(|| a.platform.clone()),
        ..SshOptions::default()
    };
    let o = with_login(o, a.login, a.enable_secret_env.as_deref())?;
    Ok((a.targets, a.net, a.output, ProbeOptions::Ssh(o)))
}

/// `wirescope ssh config`: a push of the lines of CHANGES, or its dry run.
pub(crate) fn ssh_config_command(a: Box<cli::SshConfigArgs>) -> Result<Job, Failure> {
    let a = *a;
    let path = a.changes.display().to_string();
    let text = read_bounded(&a.changes, 4 << 20)
        .map_err(|e| Failure::Usage(format!("--changes {path}: {e}")))?;
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    let o = SshOptions {
        shell: true,
        platform: Some(a.cli.platform),
        config: Some(ConfigTask::Push {
            lines,
            save: a.save_config,
            dry_run: a.dry_run,
        }),
        ..SshOptions::default()
    };
    let o = with_login(o, a.login, a.cli.enable_secret_env.as_deref())
        .map_err(|e| in_file(e, &path))?;
    let targets = cli::TargetArgs {
        targets: a.targets,
        file: a.targets_file,
        max_targets: a.max_targets,
    };
    Ok((targets, a.net, a.output, ProbeOptions::Ssh(o)))
}

/// Names CHANGES in an error about its lines.
fn in_file(e: Failure, path: &str) -> Failure {
    match e {
        Failure::Usage(m) if m.contains("config push:") => {
            Failure::Usage(m.replace("config push:", &format!("--changes {path}:")))
        }
        other => other,
    }
}

/// A file's text, refused past `max` bytes or when it is not UTF-8.
fn read_bounded(path: &std::path::Path, max: u64) -> Result<String, String> {
    use std::io::Read;
    let f = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    f.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > max {
        return Err(format!("larger than {} MiB", max >> 20));
    }
    String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_string())
}

/// `wirescope ssh backup`: every device's running configuration, kept in the history.
pub(crate) fn ssh_backup_command(a: Box<cli::SshBackupArgs>) -> Result<Job, Failure> {
    let a = *a;
    let o = SshOptions {
        shell: true,
        platform: Some(a.cli.platform),
        config: Some(ConfigTask::Backup),
        ..SshOptions::default()
    };
    let o = with_login(o, a.login, a.cli.enable_secret_env.as_deref())?;
    // A backup not kept is no backup: the run is always recorded.
    let output = cli::OutputArgs {
        json: a.json,
        no_progress: a.no_progress,
        save: true,
        db: a.db,
    };
    Ok((a.targets, a.net, output, ProbeOptions::Ssh(o)))
}

/// The options with the login's flags (or its profile's) and the enable secret; checked.
fn with_login(
    mut o: SshOptions,
    a: cli::SshLoginArgs,
    enable_secret_env: Option<&str>,
) -> Result<SshOptions, Failure> {
    let env = |flag: &str, var: &str| {
        std::env::var(var)
            .map_err(|_| Failure::Usage(format!("{flag}: environment variable {var} is not set")))
    };
    o.user = a.user.unwrap_or_default();
    o.port = a.port;
    o.profile = a.profile;
    o.jump = a.jump;
    o.accept_new_host_keys = a.accept_new_host_keys;
    o.timeout = a.timeout;
    o.command_timeout = a.command_timeout;
    o.concurrency = usize::try_from(a.concurrency).unwrap_or(usize::MAX);
    o.max_output = usize::try_from(a.max_output).unwrap_or(usize::MAX);
    o.known_hosts = a.known_hosts;
    if let Some(var) = &a.password_env {
        o.password = Some(env("--password-env", var)?);
    }
    if let Some(path) = &a.identity {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Failure::Usage(format!("--identity {}: {e}", path.display())))?;
        o.private_key = Some(text);
    }
    if let Some(var) = enable_secret_env {
        o.enable_secret = Some(env("--enable-secret-env", var)?);
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
    Ok(o)
}

/// `wirescope ssh known-hosts list|rm`.
pub(crate) fn known_hosts_command(cmd: cli::KnownHostsCmd) -> Result<ExitCode, Failure> {
    use wirescope_ssh::exec::default_known_hosts;
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

/// A time (ms since the epoch) as UTC.
fn when(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|_| ms.to_string())
}

/// `wirescope ssh configs [TARGET] [--show ID | --diff ID]`.
pub(crate) fn configs_command(a: cli::SshConfigsArgs) -> Result<ExitCode, Failure> {
    let store = crate::history::open(&a.history)?;
    let rt = |e: wirescope_store::StoreError| Failure::Runtime(e.to_string());
    let Some(target) = a.target else {
        let devices = store.config_devices().map_err(rt)?;
        if a.json {
            println!("{}", serde_json::json!({ "devices": devices }));
        } else if devices.is_empty() {
            println!("no configuration kept yet (wirescope ssh backup TARGETS keeps them)");
        } else {
            println!(
                "{:<28} {:<18} {:>8} {:>8}  {:<24} LAST SEEN",
                "TARGET", "PLATFORM", "VERSIONS", "NEWEST", "TAKEN"
            );
            for d in devices {
                let v = d.latest;
                println!(
                    "{:<28} {:<18} {:>8} {:>8}  {:<24} {}",
                    v.target,
                    v.platform,
                    d.versions,
                    v.id,
                    when(v.taken_at),
                    when(v.seen_at)
                );
            }
        }
        return Ok(ExitCode::SUCCESS);
    };
    // One version of this device (named by --show or --diff).
    let one = |id: i64| -> Result<(wirescope_store::ConfigVersion, String), Failure> {
        match store.config_version(id).map_err(rt)? {
            Some((v, text)) if v.target == target => Ok((v, text)),
            _ => Err(Failure::Usage(format!(
                "{target} has no configuration version {id} (`wirescope ssh configs {target}` lists them)"
            ))),
        }
    };
    if let Some(id) = a.show {
        let (v, text) = one(id)?;
        if a.json {
            println!("{}", serde_json::json!({ "version": v, "text": text }));
        } else {
            println!("{text}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(id) = a.diff {
        let (v, text) = one(id)?;
        let before = store.config_before(id).map_err(rt)?;
        let platform = wirescope_ssh::platform::platform(&v.platform)
            .map_err(|e| Failure::Runtime(format!("version {id}: {e}")))?;
        let diff = before.as_ref().map(|(b, old)| {
            platform.config_diff(
                old,
                &text,
                (&format!("version {}", b.id), &format!("version {id}")),
            )
        });
        if a.json {
            println!(
                "{}",
                serde_json::json!({
                    "version": v,
                    "previous": before.as_ref().map(|(b, _)| b),
                    "diff": diff,
                })
            );
        } else {
            match diff {
                Some(d) if d.is_empty() => println!(
                    "version {id} differs from the one before only in lines that change by themselves"
                ),
                Some(d) => print!("{d}"),
                None => println!("version {id} is the first kept of {target}"),
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let versions = store.config_versions(&target).map_err(rt)?;
    if versions.is_empty() {
        return Err(Failure::Usage(format!(
            "no configuration kept of {target} (`wirescope ssh configs` lists the devices)"
        )));
    }
    if a.json {
        println!(
            "{}",
            serde_json::json!({ "target": target, "versions": versions })
        );
    } else {
        println!(
            "{:>8}  {:<24} {:<24} {:>9}  RUN",
            "VERSION", "TAKEN", "LAST SEEN", "BYTES"
        );
        for v in versions {
            println!(
                "{:>8}  {:<24} {:<24} {:>9}  {}",
                v.id,
                when(v.taken_at),
                when(v.seen_at),
                v.bytes,
                v.run_id.map(|r| r.to_string()).unwrap_or_default()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
