//! The `wirescope` binary: parses arguments and hands each command to its module; probe
//! commands run through `execute` (results printed as they arrive, the summary at the end).

mod capture;
mod cli;
mod creds;
mod execute;
mod output;
mod probes;
mod serve;
mod snmp;
mod ssh;
mod traffic;

use clap::Parser;
use cli::{Cli, Command};
use std::process::ExitCode;
use wirescope_probe::snmp::SnmpOp;

/// How a command ended, mapped to the exit status.
pub(crate) enum Failure {
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
    let job = match cli.command {
        Command::Serve(a) => return serve::serve(a).await,
        Command::Analyze(a) => return traffic::analyze(a),
        Command::Capture(a) => return traffic::live_capture(a).await,
        Command::Snmp(cmd) => snmp::snmp_command(cmd)?,
        Command::Ssh(cli::SshCmd::Exec(a)) => ssh::ssh_exec_command(a)?,
        Command::Ssh(cli::SshCmd::KnownHosts(cmd)) => return ssh::known_hosts_command(cmd),
        Command::Neighbors(a) => snmp::device_command(SnmpOp::Neighbors, a, None)?,
        Command::Arp(a) => snmp::device_command(SnmpOp::Arp, a, None)?,
        Command::Interfaces(a) => snmp::device_command(SnmpOp::Interfaces, a.device, a.rate)?,
        Command::Topology(a) => {
            let (job, m) = snmp::topology_command(a)?;
            map = Some(m);
            job
        }
        Command::Creds(cmd) => match creds::creds_command(cmd)? {
            creds::CredsOutcome::Done(code) => return Ok(code),
            creds::CredsOutcome::Run(job) => *job,
        },
        Command::Ping(a) => probes::ping(a),
        Command::Trace(a) => probes::trace(a),
        Command::Dns(a) => probes::dns(a),
        Command::Scan(a) => probes::scan(a),
    };
    execute::job(job, cli.color, map).await
}
