//! The `ssh` run kind: one command on many devices at once over SSH, each device's output
//! reported the moment its command ends. Host keys are checked against the known_hosts store;
//! secrets come from the options (filled from a credential profile) and are never written out.

use crate::{
    ConnectOptions, Endpoint, FirstContact, HostKeyPolicy, Jump, KnownHosts, Login, SshError,
};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wirescope_probe::duration::serde_human;
use wirescope_probe::error::ProbeError;
use wirescope_probe::result::{ProbeResult, SshResult};
use wirescope_probe::targets::{Host, Target};
use wirescope_probe::toolkit::{Ctx, Ready, resolve_targets};
use zeroize::Zeroizing;

/// Options of an SSH run. Secrets are read but never written back out.
#[derive(Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct SshOptions {
    /// The command line run on every device (by the login shell of the user).
    pub command: String,
    /// The login (a profile gives its own when this is blank).
    pub user: String,
    /// The devices' SSH port.
    #[schema(minimum = 1, maximum = 65535)]
    pub port: u16,
    /// Password (or keyboard-interactive answer).
    #[serde(skip_serializing_if = "wirescope_probe::secret::never_written")]
    #[schema(write_only)]
    pub password: Option<String>,
    /// A private key in OpenSSH or PEM text.
    #[serde(skip_serializing_if = "wirescope_probe::secret::never_written")]
    #[schema(write_only)]
    pub private_key: Option<String>,
    #[serde(skip_serializing_if = "wirescope_probe::secret::never_written")]
    /// Passphrase of the private key, if it has one.
    #[schema(write_only)]
    pub key_passphrase: Option<String>,
    /// Run the commands (one per line) in an interactive shell on a PTY, as a person types
    /// them on a network CLI: prompts recognised, paging off, privileged mode entered, each
    /// command's output alone.
    #[serde(default)]
    pub shell: bool,
    /// With `shell`: the device's CLI (cisco_ios, cisco_nxos, arista_eos, juniper_junos,
    /// hp_procurve, mikrotik_routeros, huawei_vrp, linux), or auto (guessed from what it
    /// prints).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// With `shell`: a configuration task in place of the command: `{"action": "backup"}` shows
    /// the running configuration (kept as a version when the run is), `{"action": "push",
    /// "lines": [...], "save": false, "dry_run": false}` types the lines in configuration mode,
    /// stopping at the first the device refuses, and shows the configuration before and after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<ConfigTask>,
    /// With `shell`: the secret privileged mode asks for (enable).
    #[serde(
        default,
        skip_serializing_if = "wirescope_probe::secret::never_written"
    )]
    #[schema(write_only)]
    pub enable_secret: Option<String>,
    /// A credential profile with an SSH login (by name): its user and secrets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// One jump host, `[user@]host[:port]`, logged into with the same credentials.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jump: Option<String>,
    /// Record and trust keys of hosts seen for the first time (OpenSSH's accept-new).
    pub accept_new_host_keys: bool,
    /// Limit for the TCP connect, and again for the key exchange and login.
    #[serde(with = "serde_human")]
    #[schema(value_type = wirescope_probe::duration::DurationSchema)]
    pub timeout: Duration,
    /// Limit for the command once it runs.
    #[serde(with = "serde_human")]
    #[schema(value_type = wirescope_probe::duration::DurationSchema)]
    pub command_timeout: Duration,
    /// Devices worked on at once.
    #[schema(minimum = 1, maximum = 10_000)]
    pub concurrency: usize,
    /// Bytes kept of each of stdout and stderr.
    #[schema(minimum = 1, maximum = 67_108_864)]
    pub max_output: usize,
    /// The known_hosts file written (CLI only; the server uses its own store).
    #[serde(skip)]
    pub known_hosts: Option<PathBuf>,
    /// What devices said of themselves over SNMP (sysDescr, by target or address), from the
    /// history: with `platform` auto, a device's platform is told from it before it is
    /// guessed from what the session prints.
    #[serde(skip)]
    pub descrs: Arc<std::collections::HashMap<String, String>>,
}

impl std::fmt::Debug for SshOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |s: &Option<String>| s.as_ref().map(|_| "<secret>");
        f.debug_struct("SshOptions")
            .field("command", &self.command)
            .field("user", &self.user)
            .field("port", &self.port)
            .field("password", &shown(&self.password))
            .field("private_key", &shown(&self.private_key))
            .field("key_passphrase", &shown(&self.key_passphrase))
            .field("shell", &self.shell)
            .field("platform", &self.platform)
            .field("config", &self.config)
            .field("enable_secret", &shown(&self.enable_secret))
            .field("profile", &self.profile)
            .field("jump", &self.jump)
            .field("accept_new_host_keys", &self.accept_new_host_keys)
            .field("timeout", &self.timeout)
            .field("command_timeout", &self.command_timeout)
            .field("concurrency", &self.concurrency)
            .field("max_output", &self.max_output)
            .field("known_hosts", &self.known_hosts)
            .field("descrs", &self.descrs.len())
            .finish()
    }
}

impl Default for SshOptions {
    fn default() -> Self {
        SshOptions {
            command: String::new(),
            user: String::new(),
            port: 22,
            password: None,
            private_key: None,
            key_passphrase: None,
            shell: false,
            platform: None,
            config: None,
            enable_secret: None,
            profile: None,
            jump: None,
            accept_new_host_keys: false,
            timeout: Duration::from_secs(10),
            command_timeout: Duration::from_secs(60),
            concurrency: 100,
            max_output: 4 << 20,
            known_hosts: None,
            descrs: Arc::default(),
        }
    }
}

/// A configuration task of an interactive session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum ConfigTask {
    /// Show the running configuration.
    Backup,
    /// Type `lines` in configuration mode.
    Push {
        /// The configuration lines, in order (at most 10,000 of at most 4,096 characters).
        lines: Vec<String>,
        /// Save the configuration once every line was accepted.
        #[serde(default)]
        save: bool,
        /// Only show the configuration and what would be typed.
        #[serde(default)]
        dry_run: bool,
    },
}

/// Lines one push may type, at most.
pub const MAX_PUSH_LINES: usize = 10_000;
/// Characters of one pushed line, at most.
pub const MAX_PUSH_LINE: usize = 4096;

impl ConfigTask {
    fn validate(&self) -> Result<(), ProbeError> {
        let ConfigTask::Push { lines, .. } = self else {
            return Ok(());
        };
        if lines.iter().all(|l| l.trim().is_empty()) {
            return Err(bad("config push: no lines to type"));
        }
        if lines.len() > MAX_PUSH_LINES {
            return Err(bad(format!(
                "config push: {} lines, at most {MAX_PUSH_LINES}",
                lines.len()
            )));
        }
        for (i, l) in lines.iter().enumerate() {
            if l.chars().count() > MAX_PUSH_LINE {
                return Err(bad(format!(
                    "config push: line {} is longer than {MAX_PUSH_LINE} characters",
                    i + 1
                )));
            }
            if l.chars().any(|c| c.is_control() && c != '\t') {
                return Err(bad(format!(
                    "config push: line {} holds a control character (a line is typed as it is)",
                    i + 1
                )));
            }
        }
        Ok(())
    }

    /// The session's task.
    pub fn task(&self) -> crate::platform::driver::Task {
        use crate::platform::driver::Task;
        match self {
            ConfigTask::Backup => Task::Backup,
            ConfigTask::Push {
                lines,
                save,
                dry_run,
            } => Task::Push {
                lines: lines
                    .iter()
                    .map(|l| l.trim_end().to_string())
                    .filter(|l| !l.trim().is_empty())
                    .collect(),
                save: *save,
                dry_run: *dry_run,
            },
        }
    }

    /// What the run's `command` says.
    pub fn describe(&self) -> String {
        match self {
            ConfigTask::Backup => "config backup".into(),
            ConfigTask::Push { lines, dry_run, .. } => format!(
                "config push of {} line{}{}",
                lines.len(),
                if lines.len() == 1 { "" } else { "s" },
                if *dry_run { " (dry run)" } else { "" }
            ),
        }
    }
}

/// Devices worked on at once, at most.
pub const MAX_CONCURRENCY: usize = 10_000;
/// Bytes kept of one device's stdout (and of its stderr), at most.
pub const MAX_OUTPUT: usize = 64 << 20;

fn bad(msg: impl Into<String>) -> ProbeError {
    ProbeError::Options(msg.into())
}

/// wirescope's own known_hosts: `WIRESCOPE_KNOWN_HOSTS`, else `$XDG_DATA_HOME/wirescope/known_hosts`
/// (`~/.local/share/wirescope/known_hosts`); `~/.ssh/known_hosts` is also read, never written.
pub fn default_known_hosts(own: Option<PathBuf>) -> KnownHosts {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let own = own
        .or_else(|| std::env::var_os("WIRESCOPE_KNOWN_HOSTS").map(PathBuf::from))
        .or_else(|| {
            std::env::var_os("XDG_DATA_HOME")
                .map(PathBuf::from)
                .or_else(|| home.as_ref().map(|h| h.join(".local/share")))
                .map(|d| d.join("wirescope/known_hosts"))
        })
        .unwrap_or_else(|| PathBuf::from("wirescope-known_hosts"));
    let extra = home
        .map(|h| h.join(".ssh/known_hosts"))
        .into_iter()
        .filter(|p| p != &own)
        .collect();
    KnownHosts::new(own, extra)
}

impl SshOptions {
    /// Checks the options, and that a private key given can be read with its passphrase.
    pub fn validate(&self) -> Result<(), ProbeError> {
        if self.command.trim().is_empty() && self.config.is_none() {
            return Err(bad("a command to run is needed (after --)"));
        }
        if let Some(task) = &self.config {
            if !self.shell {
                return Err(bad(
                    "config goes with shell (configurations are read and changed in an interactive session)",
                ));
            }
            task.validate()?;
        }
        if self.user.trim().is_empty() {
            return Err(bad(
                "a user is needed (--user, or a profile with an SSH login)",
            ));
        }
        if self.password.is_none() && self.private_key.is_none() {
            return Err(bad(
                "no credentials: give --password-env VAR, --identity KEYFILE or --profile P",
            ));
        }
        if self.port == 0 {
            return Err(bad("port must be 1-65535"));
        }
        if let Some(p) = self.platform.as_deref().filter(|p| *p != "auto") {
            crate::platform::platform(p).map_err(|e| bad(format!("platform: {e}")))?;
        }
        if !self.shell && (self.platform.is_some() || self.enable_secret.is_some()) {
            return Err(bad(
                "platform and enable-secret go with shell (an interactive session)",
            ));
        }
        if self.timeout.is_zero() || self.command_timeout.is_zero() {
            return Err(bad("timeouts must be above zero"));
        }
        if self.concurrency == 0 || self.concurrency > MAX_CONCURRENCY {
            return Err(bad(format!("concurrency must be 1 to {MAX_CONCURRENCY}")));
        }
        if self.max_output == 0 || self.max_output > MAX_OUTPUT {
            return Err(bad(format!(
                "max-output must be 1 to {MAX_OUTPUT} bytes (64 MiB)"
            )));
        }
        if let Some(j) = &self.jump {
            Endpoint::parse(j, 22).map_err(|e| bad(format!("jump host {e}")))?;
        }
        if let Some(pem) = &self.private_key {
            russh_key_check(pem, self.key_passphrase.as_deref())?;
        }
        Ok(())
    }

    /// The command as results name it: a configuration task says what it is.
    pub fn shown_command(&self) -> String {
        match &self.config {
            Some(c) => c.describe(),
            None => self.command.clone(),
        }
    }

    fn login(&self) -> Login {
        Login {
            user: self.user.clone(),
            password: self.password.clone().map(Zeroizing::new),
            key: self.private_key.clone().map(Zeroizing::new),
            passphrase: self.key_passphrase.clone().map(Zeroizing::new),
            ..Login::default()
        }
    }
}

fn russh_key_check(pem: &str, passphrase: Option<&str>) -> Result<(), ProbeError> {
    crate::client::check_key(pem, passphrase).map_err(|e| bad(e.to_string()))
}

fn failure(
    target: &Target,
    addr: Option<IpAddr>,
    opts: &SshOptions,
    e: &SshError,
    started: Instant,
) -> SshResult {
    SshResult {
        target: target.spec.clone(),
        addr,
        port: opts.port,
        user: opts.user.clone(),
        command: opts.shown_command(),
        exit_status: None,
        exit_signal: None,
        stdout: String::new(),
        stderr: String::new(),
        truncated: false,
        elapsed_ms: wirescope_probe::stats::ms(started.elapsed()),
        auth: None,
        host_key: None,
        error: Some(e.to_string()),
        error_kind: Some(e.code().to_string()),
        outputs: Vec::new(),
        platform: None,
        config: None,
    }
}

/// The host to connect to and file the key under: the address or name itself (a bracketed
/// IPv6 target loses its brackets).
fn endpoint_of(target: &Target, port: u16) -> Endpoint {
    match &target.host {
        Host::Ip(ip) => Endpoint::new(ip.to_string(), port),
        Host::Name(n) => Endpoint::new(n.clone(), port),
    }
}

/// The platform of a device before its session starts: the one named, else (auto) what it
/// told SNMP of itself when the history knows it; `None` leaves it to what the session prints.
fn known_platform(
    opts: &SshOptions,
    target: &Target,
    addr: Option<IpAddr>,
) -> Option<&'static crate::platform::Platform> {
    match opts.platform.as_deref() {
        Some(p) if p != "auto" => crate::platform::platform(p).ok(),
        _ => {
            let addr = addr.map(|a| a.to_string());
            [Some(target.spec.as_str()), addr.as_deref()]
                .into_iter()
                .flatten()
                .find_map(|k| opts.descrs.get(k))
                .and_then(|d| crate::platform::guess(Some(d), ""))
        }
    }
}

/// A device to work on, with its address when it is reached directly.
type Work = (Target, Option<IpAddr>);

/// How a device is reached: directly at its address, or through the run's jump connection.
enum Route<'a> {
    Direct(IpAddr),
    Through(&'a Arc<Jump>),
}

async fn one(
    target: &Target,
    route: Route<'_>,
    opts: &SshOptions,
    conn: &ConnectOptions,
    policy: &Arc<HostKeyPolicy>,
) -> SshResult {
    let started = Instant::now();
    let endpoint = endpoint_of(target, opts.port);
    let addr = match route {
        Route::Direct(a) => Some(a),
        Route::Through(_) => None,
    };
    let session = match route {
        Route::Direct(a) => {
            match crate::dial(&endpoint, SocketAddr::new(a, opts.port), conn.timeout).await {
                Ok(tcp) => crate::connect(&endpoint, tcp, conn, policy).await,
                Err(e) => Err(e),
            }
        }
        Route::Through(j) => crate::connect_through(j, &endpoint, conn, policy).await,
    };
    let session = match session {
        Ok(s) => s,
        Err(e) => return failure(target, addr, opts, &e, started),
    };
    if opts.shell {
        let platform = known_platform(opts, target, addr);
        let task = match &opts.config {
            Some(c) => c.task(),
            None => crate::platform::driver::Task::Commands(
                opts.command
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_string)
                    .collect(),
            ),
        };
        let ran = session
            .interactive(
                platform,
                &task,
                opts.enable_secret.clone(),
                opts.command_timeout,
                opts.max_output,
            )
            .await;
        let host_key = session.host_key.clone();
        let auth = session.auth_method.to_string();
        session.close().await;
        let mut r = match ran {
            Ok(s) => {
                let mut r = SshResult {
                    target: target.spec.clone(),
                    addr,
                    port: opts.port,
                    user: conn.login.user.clone(),
                    command: opts.shown_command(),
                    stdout: s
                        .outputs
                        .iter()
                        .map(|(_, o)| o.output.as_str())
                        .collect::<Vec<_>>()
                        .join("\n"),
                    error_kind: s.failure.as_ref().map(|_| "protocol".to_string()),
                    error: s.failure.clone(),
                    platform: s.platform.map(str::to_string),
                    ..SshResult::default()
                };
                if let (Some(task), Some(p)) = (
                    &opts.config,
                    s.platform.and_then(|p| crate::platform::platform(p).ok()),
                ) {
                    crate::config::assemble(&mut r, task, p, &s.outputs);
                }
                r.outputs = s.outputs.into_iter().map(|(_, o)| o).collect();
                r
            }
            Err(e) => failure(target, addr, opts, &e, started),
        };
        r.auth = Some(auth);
        r.host_key = Some(host_key);
        r.elapsed_ms = wirescope_probe::stats::ms(started.elapsed());
        return r;
    }
    let ran = session
        .exec(&opts.command, opts.max_output, opts.command_timeout)
        .await;
    let host_key = session.host_key.clone();
    let auth = session.auth_method.to_string();
    session.close().await;
    let mut r = match ran {
        Ok(out) => {
            let timed_out = out.timed_out.then(|| SshError::Timeout {
                host: endpoint.display(),
                stage: "waiting for the command to end (its output so far is kept)",
                secs: opts.command_timeout.as_secs().max(1),
            });
            SshResult {
                target: target.spec.clone(),
                addr,
                port: opts.port,
                user: conn.login.user.clone(),
                command: opts.shown_command(),
                exit_status: out.exit_status,
                exit_signal: out.exit_signal,
                stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
                truncated: out.truncated,
                elapsed_ms: 0.0,
                auth: None,
                host_key: None,
                error: timed_out.as_ref().map(ToString::to_string),
                error_kind: timed_out.as_ref().map(|e| e.code().to_string()),
                outputs: Vec::new(),
                platform: None,
                config: None,
            }
        }
        Err(e) => failure(target, addr, opts, &e, started),
    };
    r.auth = Some(auth);
    r.host_key = Some(host_key);
    r.elapsed_ms = wirescope_probe::stats::ms(started.elapsed());
    r
}

/// Runs the command on every target, `concurrency` at a time, emitting each result as it ends.
pub async fn run(
    targets: Vec<Target>,
    opts: SshOptions,
    ctx: &Ctx,
    ready: &mut Ready,
) -> Result<(), ProbeError> {
    ready.check(opts.validate())?;
    let policy = Arc::new(HostKeyPolicy {
        store: default_known_hosts(opts.known_hosts.clone()),
        first_contact: if opts.accept_new_host_keys {
            FirstContact::AcceptNew
        } else {
            FirstContact::Ask
        },
        accept: None,
    });
    let login = opts.login();
    // A key is decrypted once, before the first device (its passphrase checked up front).
    ready.check(login.private_key().map_err(|e| bad(e.to_string())))?;
    let jump = match &opts.jump {
        Some(text) => {
            let (user, ep) = Endpoint::parse(text, 22).map_err(bad)?;
            let mut jl = login.clone();
            if let Some(u) = user {
                jl.user = u;
            }
            Some((ep, jl))
        }
        None => None,
    };
    let conn = ConnectOptions {
        login,
        jump,
        timeout: opts.timeout,
        keepalive: None,
    };
    ready.go();

    // Through a jump host: one connection to it for the whole run, a forwarded channel per
    // device; the jump host resolves the targets.
    let fail_all = |targets: &[Target], e: &SshError| {
        for t in targets {
            ctx.emit(ProbeResult::Ssh(failure(t, None, &opts, e, Instant::now())));
        }
    };
    let (work, jump): (Vec<Work>, Option<Arc<Jump>>) = match &conn.jump {
        Some((ep, _)) => {
            let host = match ep.host.parse::<IpAddr>() {
                Ok(ip) => Host::Ip(ip),
                Err(_) => Host::Name(ep.host.clone()),
            };
            let jt = Target {
                spec: ep.host.clone(),
                host,
            };
            let (ok, failed) = resolve_targets(vec![jt], ctx).await;
            let Some(r) = ok.into_iter().next() else {
                let why = failed
                    .into_iter()
                    .next()
                    .map_or("not resolved".into(), |(_, w)| w);
                let e = SshError::Jump {
                    jump: ep.display(),
                    source: Box::new(SshError::Connect {
                        host: ep.display(),
                        reason: format!("cannot resolve: {why}"),
                    }),
                };
                fail_all(&targets, &e);
                return Ok(());
            };
            let jumped = match crate::dial(ep, SocketAddr::new(r.addr, ep.port), conn.timeout).await
            {
                Ok(tcp) => crate::connect_jump(tcp, &conn, &policy).await,
                Err(e) => Err(SshError::Jump {
                    jump: ep.display(),
                    source: Box::new(e),
                }),
            };
            match jumped {
                Ok(j) => (targets.into_iter().map(|t| (t, None)).collect(), Some(j)),
                Err(e) => {
                    fail_all(&targets, &e);
                    return Ok(());
                }
            }
        }
        None => {
            let (resolved, failed) = resolve_targets(targets, ctx).await;
            for (t, why) in failed {
                let e = SshError::Connect {
                    host: t.spec.clone(),
                    reason: format!("cannot resolve: {why}"),
                };
                ctx.emit(ProbeResult::Ssh(failure(
                    &t,
                    None,
                    &opts,
                    &e,
                    Instant::now(),
                )));
            }
            (
                resolved
                    .into_iter()
                    .map(|r| (r.target, Some(r.addr)))
                    .collect(),
                None,
            )
        }
    };
    let (opts, conn, jump_ref) = (&opts, &conn, &jump);
    futures::stream::iter(work)
        .take_while(|_| futures::future::ready(!ctx.cancel.is_cancelled()))
        .for_each_concurrent(opts.concurrency, |(t, addr)| {
            let policy = policy.clone();
            async move {
                let route = match (jump_ref, addr) {
                    (Some(j), _) => Route::Through(j),
                    (None, Some(a)) => Route::Direct(a),
                    (None, None) => return,
                };
                let r = tokio::select! {
                    r = one(&t, route, opts, conn, &policy) => r,
                    () = ctx.cancel.cancelled() => return,
                };
                ctx.emit(ProbeResult::Ssh(r));
            }
        })
        .await;
    if let Some(j) = jump {
        j.close().await;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(spec: &str) -> Target {
        Target {
            spec: spec.into(),
            host: match spec.parse() {
                Ok(ip) => Host::Ip(ip),
                Err(_) => Host::Name(spec.into()),
            },
        }
    }

    #[test]
    fn a_platform_is_named_or_told_by_what_the_device_said_over_snmp() {
        let descrs: std::collections::HashMap<String, String> = [
            (
                "core1".to_string(),
                "Arista Networks EOS version 4.30.1F running on an Arista DCS-7050SX3".to_string(),
            ),
            (
                "198.18.40.7".to_string(),
                "Juniper Networks, Inc. ex4300-48t Ethernet Switch, kernel JUNOS 21.4R3"
                    .to_string(),
            ),
        ]
        .into();
        let opts = |platform: Option<&str>| SshOptions {
            shell: true,
            platform: platform.map(str::to_string),
            descrs: Arc::new(descrs.clone()),
            ..SshOptions::default()
        };
        let name = |o: &SshOptions, t: &str, addr: Option<&str>| {
            known_platform(o, &target(t), addr.and_then(|a| a.parse().ok())).map(|p| p.name)
        };
        assert_eq!(name(&opts(Some("auto")), "core1", None), Some("arista_eos"));
        // By the address a name resolved to, too.
        assert_eq!(
            name(&opts(None), "edge7", Some("198.18.40.7")),
            Some("juniper_junos")
        );
        // Named wins; unknown is left to what the session prints.
        assert_eq!(
            name(&opts(Some("cisco_ios")), "core1", None),
            Some("cisco_ios")
        );
        assert_eq!(
            name(&opts(Some("auto")), "192.0.2.1", Some("192.0.2.1")),
            None
        );
    }
}
