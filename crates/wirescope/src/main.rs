//! The `wirescope` binary: parses arguments and hands each command to its module; probe
//! commands run through `execute` (results printed as they arrive, the summary at the end).

mod agent;
mod alloc;
mod audit;
mod capture;
mod cli;
mod creds;
mod db;
mod execute;
mod history;
mod output;
mod report;
mod serve;
mod snmp;
mod ssh;
mod suite;
mod traffic;
mod traps;
mod users;

use clap::Parser;
use cli::{Cli, Command};
use std::process::ExitCode;
use wirescope_snmp::SnmpOp;

#[global_allocator]
static ALLOC: alloc::Split = alloc::Split;

/// How a command ended, mapped to the exit status.
pub(crate) enum Failure {
    Usage(String),
    Runtime(String),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The server serves many clients at once, an agent makes runs while it talks to its
    // server; a single run is fine on one thread.
    let mut builder = if matches!(cli.command, Command::Serve(_) | Command::Agent(_)) {
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
    let job = match cli.command {
        Command::Serve(a) => return serve::serve(*a).await,
        Command::Traps(a) => return traps::traps(a).await,
        Command::Analyze(a) => return traffic::analyze(a),
        Command::Anonymize(a) => return traffic::anonymize(a),
        Command::Capture(a) => return traffic::live_capture(a).await,
        Command::Suite(cmd) => return suite::suite_command(cmd, execute::colour(cli.color)).await,
        Command::Users(cmd) => return users::users_command(cmd),
        Command::Audit(cmd) => return audit::audit_command(cmd),
        Command::Db(cmd) => return db::db_command(cmd),
        Command::Agent(a) => return agent::agent(a).await,
        Command::Agents(cmd) => return agent::agents_command(cmd),
        Command::Compare(a) => return history::compare(a, execute::colour(cli.color)),
        Command::Export(a) => return history::export(a),
        Command::Report(a) => return report::report(a),
        Command::Bundle(a) => return report::bundle(a),
        Command::Snmp(cmd) => snmp::snmp_command(cmd)?,
        Command::Ssh(cli::SshCmd::Exec(a)) => ssh::ssh_exec_command(a)?,
        Command::Ssh(cli::SshCmd::Config(a)) => ssh::ssh_config_command(a)?,
        Command::Ssh(cli::SshCmd::Backup(a)) => ssh::ssh_backup_command(a)?,
        Command::Ssh(cli::SshCmd::Configs(a)) => return ssh::configs_command(a),
        Command::Ssh(cli::SshCmd::KnownHosts(cmd)) => return ssh::known_hosts_command(cmd),
        Command::Neighbors(a) => snmp::device_command(SnmpOp::Neighbors, a, None)?,
        Command::Arp(a) => snmp::device_command(SnmpOp::Arp, a, None)?,
        Command::Fdb(a) => snmp::fdb_command(a)?,
        Command::Interfaces(a) => snmp::device_command(SnmpOp::Interfaces, a.device, a.rate)?,
        Command::Topology(a) => {
            let (job, m) = snmp::topology_command(a)?;
            map = Some(m);
            job
        }
        Command::Locate(a) => {
            let (job, m) = snmp::locate_command(a)?;
            map = Some(m);
            job
        }
        Command::Creds(cmd) => match creds::creds_command(cmd)? {
            creds::CredsOutcome::Done(code) => return Ok(code),
            creds::CredsOutcome::Run(job) => *job,
        },
        Command::Probe(p) => p.job(),
    };
    execute::job(job, cli.color, map).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use wirescope_runs::engine::ProbeOptions;

    /// The options a command line builds, with its flags all left at their defaults.
    fn options_of(args: &[&str]) -> ProbeOptions {
        let cli = Cli::try_parse_from(args).unwrap_or_else(|e| panic!("{args:?}: {e}"));
        let job = match cli.command {
            Command::Probe(p) => p.job(),
            Command::Snmp(cmd) => snmp::snmp_command(cmd).unwrap_or_else(|_| panic!("{args:?}")),
            Command::Ssh(cli::SshCmd::Exec(a)) => {
                ssh::ssh_exec_command(a).unwrap_or_else(|_| panic!("{args:?}"))
            }
            _ => panic!("{args:?} is not a probe command"),
        };
        job.3
    }

    #[test]
    fn flag_defaults_are_the_options_defaults() {
        use wirescope_snmp::SnmpOptions;
        use wirescope_ssh::exec::SshOptions;
        let cases = [
            (
                options_of(&["wirescope", "ping", "127.0.0.1"]),
                ProbeOptions::Ping(Default::default()),
            ),
            (
                options_of(&["wirescope", "trace", "127.0.0.1"]),
                ProbeOptions::Trace(Default::default()),
            ),
            (
                options_of(&["wirescope", "dns", "lab.test"]),
                ProbeOptions::Dns(Default::default()),
            ),
            (
                options_of(&["wirescope", "scan", "127.0.0.1"]),
                ProbeOptions::Scan(Default::default()),
            ),
            (
                options_of(&["wirescope", "snmp", "walk", "127.0.0.1"]),
                ProbeOptions::Snmp(SnmpOptions {
                    op: SnmpOp::Walk,
                    ..Default::default()
                }),
            ),
            (
                // Any variable that is set serves: passwords are never serialized.
                options_of(&[
                    "wirescope",
                    "ssh",
                    "exec",
                    "127.0.0.1",
                    "--user",
                    "u",
                    "--password-env",
                    "PATH",
                    "--",
                    "true",
                ]),
                ProbeOptions::Ssh(SshOptions {
                    command: "true".into(),
                    user: "u".into(),
                    ..Default::default()
                }),
            ),
        ];
        for (parsed, default) in cases {
            assert_eq!(
                serde_json::to_value(&parsed).ok(),
                serde_json::to_value(&default).ok(),
                "{:?}: a flag's default differs from the options' Default",
                parsed.kind()
            );
        }
    }
}
