//! The SSH commands: `ssh exec` (one command on many devices) and `ssh known-hosts`.

use crate::execute::Job;
use crate::{Failure, cli};
use std::process::ExitCode;
use wirescope_runs::engine::ProbeOptions;

/// `wirescope ssh exec`: the options of an SSH run, with the login from the flags or a profile.
pub(crate) fn ssh_exec_command(a: Box<cli::SshExecArgs>) -> Result<Job, Failure> {
    let a = *a;
    use wirescope_ssh::exec::SshOptions;
    let env = |flag: &str, var: &str| {
        std::env::var(var)
            .map_err(|_| Failure::Usage(format!("{flag}: environment variable {var} is not set")))
    };
    let mut o = SshOptions {
        // In a shell each argument is a command of its own, typed in turn.
        command: a.command.join(if a.shell { "\n" } else { " " }),
        shell: a.shell,
        platform: a.shell.then(|| a.platform.clone()),
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
    if let Some(var) = &a.enable_secret_env {
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
    Ok((a.targets, a.net, a.output, ProbeOptions::Ssh(o)))
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
