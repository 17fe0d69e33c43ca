//! `wirescope creds add|list|rm|test`: credential profiles from the command line.

use crate::execute::Job;
use crate::{Failure, cli};
use std::process::ExitCode;
use wirescope_runs::engine::ProbeOptions;

/// What a `creds` command comes to: done, or (for `test`) a run to make.
pub(crate) enum CredsOutcome {
    Done(ExitCode),
    Run(Box<Job>),
}

/// `wirescope creds add|list|rm`; `test` becomes an SNMP run with the profile.
pub(crate) fn creds_command(cmd: cli::CredsCmd) -> Result<CredsOutcome, Failure> {
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
                            enable_secret: secret(None, "WIRESCOPE_SSH_ENABLE_SECRET"),
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
                                "{} (password {}, key {}, passphrase {}, enable {})",
                                s.user,
                                s.password,
                                s.private_key,
                                s.key_passphrase,
                                s.enable_secret
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
            let mut o = wirescope_snmp::SnmpOptions {
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
