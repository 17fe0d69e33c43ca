//! Connecting to a device: the first TCP hop (the target, or the jump host), the key exchange
//! with the host key checked against the known_hosts store, the login (public key, password,
//! keyboard-interactive), and what runs on the connection: a command, or a shell on a PTY.

use crate::known_hosts::{KnownHosts, KnownKey, Verdict, fingerprint};
use russh::client::{self, Handle, KeyboardInteractiveAuthResponse};
use russh::keys::ssh_key::{Algorithm, HashAlg};
use russh::keys::{PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use russh::{ChannelMsg, MethodKind, Preferred};
use std::borrow::Cow;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpStream;
pub use wirescope_probe::result::HostKeyInfo;
use zeroize::Zeroizing;

/// Where to connect: the host as the user wrote it (the name host keys are filed under) and the
/// port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
}

impl Endpoint {
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        Endpoint {
            host: host.into(),
            port,
        }
    }

    /// `host:port`, with brackets around an IPv6 literal.
    pub fn display(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// Parses `[user@]host[:port]` (IPv6 in brackets when a port follows); returns the user too.
    pub fn parse(text: &str, default_port: u16) -> Result<(Option<String>, Endpoint), String> {
        let text = text.trim();
        let (user, rest) = match text.rsplit_once('@') {
            Some((u, r)) if !u.is_empty() => (Some(u.to_string()), r),
            Some(_) => return Err(format!("'{text}': empty user before '@'")),
            None => (None, text),
        };
        let (host, port) = if let Some(inner) = rest.strip_prefix('[') {
            let (h, after) = inner
                .split_once(']')
                .ok_or_else(|| format!("'{text}': '[' without ']'"))?;
            match after.strip_prefix(':') {
                Some(p) => (h, Some(p)),
                None if after.is_empty() => (h, None),
                None => return Err(format!("'{text}': junk after ']'")),
            }
        } else if rest.matches(':').count() == 1 {
            let (h, p) = rest.split_once(':').unwrap_or((rest, ""));
            (h, Some(p))
        } else {
            (rest, None)
        };
        check_host(host).map_err(|e| format!("'{}': {e}", text.escape_debug()))?;
        let port = match port {
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|&p| p != 0)
                .ok_or_else(|| format!("'{text}': port '{p}' is not 1-65535"))?,
            None => default_port,
        };
        Ok((user, Endpoint::new(host, port)))
    }
}

/// Checks that `host` is an IP address or a DNS name (letters, digits, `-`, `_`, `.`; at most 253
/// bytes), so nothing else (newlines, control characters, a stray port) reaches a resolver.
pub fn check_host(host: &str) -> Result<(), HostError> {
    check_host_text(host).map_err(HostError)
}

/// Why a host name or address is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct HostError(pub String);

impl From<HostError> for String {
    fn from(e: HostError) -> String {
        e.0
    }
}

fn check_host_text(host: &str) -> Result<(), String> {
    if host.is_empty() {
        return Err("no host".into());
    }
    if host.parse::<std::net::IpAddr>().is_ok() {
        return Ok(());
    }
    if host.contains(':') {
        return Err(
            "not an IPv6 address, and a name has no ':' (an IPv6 address with a port is \
             written [ADDRESS]:PORT)"
                .into(),
        );
    }
    if host.len() > 253 {
        return Err("a host name is at most 253 bytes".into());
    }
    match host
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        Some(c) => Err(format!(
            "'{}' cannot be part of a host name",
            c.escape_debug()
        )),
        None => Ok(()),
    }
}

/// Who to log in as, and with what. Every secret is wiped from memory when dropped.
#[derive(Clone, Default)]
pub struct Login {
    pub user: String,
    pub password: Option<Zeroizing<String>>,
    /// A private key in OpenSSH or PEM text.
    pub key: Option<Zeroizing<String>>,
    pub passphrase: Option<Zeroizing<String>>,
    /// The key once decrypted, shared by every connection made with this login (and its
    /// clones): a passphrase's key derivation runs once per run, not once per device.
    pub decoded: KeyCache,
    /// Someone to answer keyboard-interactive prompts (a person at a terminal); without one,
    /// hidden prompts are answered with the password.
    pub prompter: Option<Arc<dyn Prompter>>,
}

/// Answers keyboard-interactive prompts: the device's name, instructions and prompts (text,
/// whether the answer may be shown) in; one answer per prompt out, or `None` to give up.
pub trait Prompter: Send + Sync {
    fn answer(
        &self,
        name: String,
        instructions: String,
        prompts: Vec<(String, bool)>,
    ) -> futures::future::BoxFuture<'static, Option<Vec<String>>>;
}

/// Where a [`Login`] keeps its decrypted key.
#[derive(Clone, Default)]
pub struct KeyCache(Arc<std::sync::OnceLock<Arc<russh::keys::PrivateKey>>>);

impl std::fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.get().is_some() {
            "KeyCache(<decoded>)"
        } else {
            "KeyCache(<empty>)"
        })
    }
}

/// bcrypt rounds above this are refused: a key file should not cost minutes of CPU to open
/// (OpenSSH's default is 16; `ssh-keygen -a 100` is already a hardened choice).
pub const MAX_KDF_ROUNDS: u32 = 256;

impl Login {
    /// The private key, decrypted on first use; `None` without one.
    pub fn private_key(&self) -> Result<Option<Arc<russh::keys::PrivateKey>>, SshError> {
        let Some(pem) = &self.key else {
            return Ok(None);
        };
        if let Some(k) = self.decoded.0.get() {
            return Ok(Some(k.clone()));
        }
        let k = Arc::new(decode_key(
            pem,
            self.passphrase.as_ref().map(|p| p.as_str()),
        )?);
        Ok(Some(self.decoded.0.get_or_init(|| k).clone()))
    }
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |s: &Option<Zeroizing<String>>| s.as_ref().map(|_| "<secret>");
        f.debug_struct("Login")
            .field("user", &self.user)
            .field("password", &shown(&self.password))
            .field("key", &shown(&self.key))
            .field("passphrase", &shown(&self.passphrase))
            .field("prompter", &self.prompter.as_ref().map(|_| "<set>"))
            .finish()
    }
}

/// What to do with a host key nobody has seen yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FirstContact {
    /// Refuse, reporting the key so a person can check and accept it.
    #[default]
    Ask,
    /// Record it and go on (OpenSSH's `StrictHostKeyChecking=accept-new`).
    AcceptNew,
}

/// The host-key rules of a connection.
#[derive(Debug, Clone)]
pub struct HostKeyPolicy {
    pub store: KnownHosts,
    pub first_contact: FirstContact,
    /// A host (as `known_hosts::host_pattern` writes it) and the fingerprint (`SHA256:…`) a
    /// person confirmed for it: that key on that host, and nothing else, is recorded and
    /// accepted.
    pub accept: Option<(String, String)>,
}

/// Everything a connection needs besides the target.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    pub login: Login,
    /// One jump host (ProxyJump) and its own login.
    pub jump: Option<(Endpoint, Login)>,
    /// Limit for the TCP connect, and again for the key exchange and login.
    pub timeout: Duration,
    pub keepalive: Option<Duration>,
}

/// Why a connection or a command failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SshError {
    #[error("{host}: cannot connect: {reason}")]
    Connect { host: String, reason: String },
    #[error("{host}: timed out after {secs} s {stage}")]
    Timeout {
        host: String,
        stage: &'static str,
        secs: u64,
    },
    #[error(
        "{host}: unknown host key {algorithm} {fingerprint}: check it and accept it (--accept-new-host-keys on the CLI, the prompt in the dashboard)"
    )]
    HostKeyUnknown {
        host: String,
        /// The host as known_hosts files it (`host` or `[host]:port`).
        pattern: String,
        algorithm: String,
        fingerprint: String,
    },
    #[error(
        "{host}: HOST KEY CHANGED, refused: it now presents {algorithm} {fingerprint}, but {known_text} is on record. Someone may be intercepting the connection, or the device was reinstalled or rekeyed; once you know the new key is right, remove the old entry (wirescope ssh known-hosts rm HOST; in ~/.ssh/known_hosts, ssh-keygen -R HOST)"
    )]
    HostKeyChanged {
        host: String,
        algorithm: String,
        fingerprint: String,
        known: Vec<KnownKey>,
        known_text: String,
    },
    #[error("{host}: host key {fingerprint} is revoked ({file}:{line}), refused")]
    HostKeyRevoked {
        host: String,
        fingerprint: String,
        file: String,
        line: usize,
    },
    #[error("{host}: {reason}")]
    HostKey { host: String, reason: String },
    #[error("{user}@{host}: authentication failed (tried {tried}; the server accepts {allowed})")]
    Auth {
        user: String,
        host: String,
        tried: String,
        allowed: String,
    },
    #[error("{0}")]
    Key(String),
    #[error("{host}: {reason}")]
    Protocol { host: String, reason: String },
    #[error("via jump host {jump}: {source}")]
    Jump { jump: String, source: Box<SshError> },
}

impl SshError {
    /// A short machine-readable kind: `connect`, `timeout`, `host_key_unknown`,
    /// `host_key_changed`, `host_key_revoked`, `host_key`, `auth`, `key`, `protocol`.
    pub fn code(&self) -> &'static str {
        match self {
            SshError::Connect { .. } => "connect",
            SshError::Timeout { .. } => "timeout",
            SshError::HostKeyUnknown { .. } => "host_key_unknown",
            SshError::HostKeyChanged { .. } => "host_key_changed",
            SshError::HostKeyRevoked { .. } => "host_key_revoked",
            SshError::HostKey { .. } => "host_key",
            SshError::Auth { .. } => "auth",
            SshError::Key(_) => "key",
            SshError::Protocol { .. } => "protocol",
            SshError::Jump { source, .. } => source.code(),
        }
    }

    /// The error at the end of a jump chain.
    pub fn innermost(&self) -> &SshError {
        match self {
            SshError::Jump { source, .. } => source.innermost(),
            e => e,
        }
    }
}

fn protocol(host: &str, e: impl std::fmt::Display) -> SshError {
    SshError::Protocol {
        host: host.to_string(),
        reason: e.to_string(),
    }
}

/// The russh event handler: checks the host key and keeps what it decided.
struct Client {
    endpoint: Endpoint,
    policy: Arc<HostKeyPolicy>,
    outcome: Arc<Mutex<Option<Result<HostKeyInfo, SshError>>>>,
}

impl Client {
    fn decide(&self, key: &PublicKeyOrCertificate) -> Result<HostKeyInfo, SshError> {
        let host = self.endpoint.display();
        let key = match key {
            PublicKeyOrCertificate::PublicKey { key, .. } => key,
            PublicKeyOrCertificate::Certificate(_) => {
                return Err(SshError::HostKey {
                    host,
                    reason: "presented a host certificate; only plain host keys are checked".into(),
                });
            }
        };
        let (name, port) = (&self.endpoint.host, self.endpoint.port);
        let algorithm = key.algorithm().to_string();
        let fp = fingerprint(key);
        let store_err = |e: crate::known_hosts::KnownHostsError| SshError::HostKey {
            host: host.clone(),
            reason: e.to_string(),
        };
        match self
            .policy
            .store
            .check(name, port, key)
            .map_err(store_err)?
        {
            Verdict::Known(_) => Ok(HostKeyInfo {
                algorithm,
                fingerprint: fp,
                added: false,
            }),
            Verdict::Unknown => {
                let confirmed = self.policy.accept.as_ref().is_some_and(|(h, f)| {
                    *h == crate::known_hosts::host_pattern(name, port) && *f == fp
                });
                if self.policy.first_contact == FirstContact::AcceptNew || confirmed {
                    self.policy.store.add(name, port, key).map_err(store_err)?;
                    Ok(HostKeyInfo {
                        algorithm,
                        fingerprint: fp,
                        added: true,
                    })
                } else {
                    Err(SshError::HostKeyUnknown {
                        host,
                        pattern: crate::known_hosts::host_pattern(name, port),
                        algorithm,
                        fingerprint: fp,
                    })
                }
            }
            Verdict::Changed { known } => {
                let known_text = known
                    .iter()
                    .map(|k| {
                        format!(
                            "{} {} ({}:{})",
                            k.algorithm,
                            k.fingerprint,
                            k.file.display(),
                            k.line
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                Err(SshError::HostKeyChanged {
                    host,
                    algorithm,
                    fingerprint: fp,
                    known,
                    known_text,
                })
            }
            Verdict::Revoked(k) => Err(SshError::HostKeyRevoked {
                host,
                fingerprint: fp,
                file: k.file.display().to_string(),
                line: k.line,
            }),
        }
    }
}

impl client::Handler for Client {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let verdict = self.decide(key);
        let ok = verdict.is_ok();
        if let Ok(mut slot) = self.outcome.lock() {
            *slot = Some(verdict);
        }
        Ok(ok)
    }
}

/// A logged-in connection (and the jump connection it runs through, if any).
pub struct Session {
    handle: Handle<Client>,
    jump: Option<Arc<Jump>>,
    pub endpoint: Endpoint,
    /// The user logged in as.
    pub user: String,
    pub host_key: HostKeyInfo,
    /// The method that logged in: `publickey`, `password` or `keyboard-interactive`.
    pub auth_method: &'static str,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("endpoint", &self.endpoint)
            .field("host_key", &self.host_key)
            .field("auth_method", &self.auth_method)
            .field("jump", &self.jump.is_some())
            .finish()
    }
}

/// A command's outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecOutput {
    /// `None` when the remote reported no status (it died on a signal, or closed early).
    pub exit_status: Option<u32>,
    pub exit_signal: Option<String>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// Output past the limit was dropped.
    pub truncated: bool,
    /// The command was still running at the time limit (the output is what came before).
    pub timed_out: bool,
}

/// How long a command that has reported its exit status may take to close its channel.
const EXIT_GRACE: Duration = Duration::from_secs(2);

/// What an interactive CLI session gave: each command's output alone (with the device's error
/// line if it refused it), and why the session stopped early, if it did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShellOutput {
    /// Each line typed of the plan, what it was for, and its output.
    pub outputs: Vec<(
        crate::platform::driver::Kind,
        wirescope_probe::result::CommandOutput,
    )>,
    /// The platform used (named, or guessed).
    pub platform: Option<&'static str>,
    pub failure: Option<String>,
}

/// Opens the first TCP hop: the jump host when there is one, else the target.
pub fn first_hop<'a>(target: &'a Endpoint, opts: &'a ConnectOptions) -> &'a Endpoint {
    opts.jump.as_ref().map_or(target, |(j, _)| j)
}

/// A TCP connection to `addr`, within `timeout`, with Nagle off (keystrokes go out at once).
pub async fn dial(
    endpoint: &Endpoint,
    addr: std::net::SocketAddr,
    timeout: Duration,
) -> Result<TcpStream, SshError> {
    let host = endpoint.display();
    let stream = tokio::time::timeout(timeout, TcpStream::connect(addr))
        .await
        .map_err(|_| SshError::Timeout {
            host: host.clone(),
            stage: "connecting",
            secs: timeout.as_secs().max(1),
        })?
        .map_err(|e| SshError::Connect {
            host: host.clone(),
            reason: e.to_string(),
        })?;
    stream.set_nodelay(true).map_err(|e| SshError::Connect {
        host,
        reason: e.to_string(),
    })?;
    Ok(stream)
}

fn config(
    policy: &HostKeyPolicy,
    endpoint: &Endpoint,
    keepalive: Option<Duration>,
    timeout: Duration,
) -> Arc<client::Config> {
    // Ask first for the key types on record for this host, as OpenSSH does, so a host with
    // several keys is not taken for one whose key changed.
    // An RSA key on record stands for the SHA-2 signature algorithms first (OpenSSH 8.8 and
    // later no longer offer ssh-rsa); anything russh does not offer by default stays out.
    let mut keys: Vec<Algorithm> = Vec::new();
    for a in policy.store.algorithms(&endpoint.host, endpoint.port) {
        let wanted = match a {
            Algorithm::Rsa { .. } => vec![
                Algorithm::Rsa {
                    hash: Some(HashAlg::Sha512),
                },
                Algorithm::Rsa {
                    hash: Some(HashAlg::Sha256),
                },
                Algorithm::Rsa { hash: None },
            ],
            a => vec![a],
        };
        for w in wanted {
            if Preferred::DEFAULT.key.contains(&w) && !keys.contains(&w) {
                keys.push(w);
            }
        }
    }
    for a in Preferred::DEFAULT.key.iter() {
        if !keys.contains(a) {
            keys.push(a.clone());
        }
    }
    // Keepalives, and a limit on silence: a device that stalls in the key exchange or later
    // ends its session task instead of leaving it (and its socket) behind.
    let keepalive = keepalive.unwrap_or(timeout);
    Arc::new(client::Config {
        preferred: Preferred {
            key: Cow::Owned(keys),
            ..Preferred::DEFAULT
        },
        keepalive_interval: Some(keepalive),
        keepalive_max: 3,
        inactivity_timeout: Some(keepalive * 4),
        nodelay: true,
        ..client::Config::default()
    })
}

async fn handshake<S>(
    endpoint: &Endpoint,
    stream: S,
    login: &Login,
    policy: &Arc<HostKeyPolicy>,
    timeout: Duration,
    keepalive: Option<Duration>,
) -> Result<(Handle<Client>, HostKeyInfo, &'static str), SshError>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let outcome = Arc::new(Mutex::new(None));
    let handler = Client {
        endpoint: endpoint.clone(),
        policy: policy.clone(),
        outcome: outcome.clone(),
    };
    let host = endpoint.display();
    let kex = async {
        let connected = client::connect_stream(
            config(policy, endpoint, keepalive, timeout),
            stream,
            handler,
        )
        .await;
        let decided = outcome.lock().ok().and_then(|mut s| s.take());
        match (connected, decided) {
            (Ok(h), Some(Ok(info))) => Ok((h, info)),
            (_, Some(Err(e))) => Err(e),
            (Err(e), _) => Err(protocol(&host, e)),
            (Ok(_), None) => Err(protocol(&host, "no host key was checked")),
        }
    };
    let (mut handle, info) =
        tokio::time::timeout(timeout, kex)
            .await
            .map_err(|_| SshError::Timeout {
                host: host.clone(),
                stage: "in the key exchange",
                secs: timeout.as_secs().max(1),
            })??;
    let method = authenticate(&mut handle, login, &host, timeout).await?;
    Ok((handle, info, method))
}

/// A logged-in jump host. Connections made through it share it; it is closed when the last
/// of them (and whoever else holds it) is done.
pub struct Jump {
    handle: Handle<Client>,
    pub endpoint: Endpoint,
}

impl std::fmt::Debug for Jump {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jump")
            .field("endpoint", &self.endpoint)
            .finish()
    }
}

impl Jump {
    /// Ends the jump connection.
    pub async fn close(&self) {
        let _ = self
            .handle
            .disconnect(russh::Disconnect::ByApplication, "", "en")
            .await;
    }
}

fn jump_error(jump: &Endpoint, e: SshError) -> SshError {
    SshError::Jump {
        jump: jump.display(),
        source: Box::new(e),
    }
}

/// Logs into the jump host the options name, over `stream` (from [`dial`] to it).
pub async fn connect_jump<S>(
    stream: S,
    opts: &ConnectOptions,
    policy: &Arc<HostKeyPolicy>,
) -> Result<Arc<Jump>, SshError>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let Some((jump, login)) = &opts.jump else {
        return Err(SshError::Protocol {
            host: String::new(),
            reason: "no jump host was given".into(),
        });
    };
    let (handle, _, _) = handshake(jump, stream, login, policy, opts.timeout, opts.keepalive)
        .await
        .map_err(|e| jump_error(jump, e))?;
    Ok(Arc::new(Jump {
        handle,
        endpoint: jump.clone(),
    }))
}

/// Connects to `target` through a logged-in jump host (which resolves the target and opens
/// the TCP connection onwards), and logs in.
pub async fn connect_through(
    jump: &Arc<Jump>,
    target: &Endpoint,
    opts: &ConnectOptions,
    policy: &Arc<HostKeyPolicy>,
) -> Result<Session, SshError> {
    let channel = tokio::time::timeout(
        opts.timeout,
        jump.handle.channel_open_direct_tcpip(
            target.host.clone(),
            u32::from(target.port),
            "127.0.0.1",
            0,
        ),
    )
    .await
    .map_err(|_| {
        jump_error(
            &jump.endpoint,
            SshError::Timeout {
                host: target.display(),
                stage: "opening the forwarded connection",
                secs: opts.timeout.as_secs().max(1),
            },
        )
    })?
    .map_err(|e| {
        jump_error(
            &jump.endpoint,
            SshError::Connect {
                host: target.display(),
                reason: format!("the jump host could not open it: {e}"),
            },
        )
    })?;
    login_over(
        target,
        channel.into_stream(),
        opts,
        policy,
        Some(jump.clone()),
    )
    .await
}

/// The key exchange and login to `target` over a stream, as a session.
async fn login_over<S>(
    target: &Endpoint,
    stream: S,
    opts: &ConnectOptions,
    policy: &Arc<HostKeyPolicy>,
    jump: Option<Arc<Jump>>,
) -> Result<Session, SshError>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (handle, host_key, auth_method) = handshake(
        target,
        stream,
        &opts.login,
        policy,
        opts.timeout,
        opts.keepalive,
    )
    .await?;
    Ok(Session {
        handle,
        jump,
        endpoint: target.clone(),
        user: opts.login.user.clone(),
        host_key,
        auth_method,
    })
}

/// Connects over `stream` (from [`dial`] to [`first_hop`]), through the jump host if the options
/// name one, and logs in.
pub async fn connect<S>(
    target: &Endpoint,
    stream: S,
    opts: &ConnectOptions,
    policy: &Arc<HostKeyPolicy>,
) -> Result<Session, SshError>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    if opts.jump.is_some() {
        let jump = connect_jump(stream, opts, policy).await?;
        return connect_through(&jump, target, opts, policy).await;
    }
    login_over(target, stream, opts, policy, None).await
}

fn method_names(m: &[MethodKind]) -> String {
    if m.is_empty() {
        return "nothing more".into();
    }
    m.iter()
        .map(<&'static str>::from)
        .collect::<Vec<_>>()
        .join(", ")
}

fn decode_key(pem: &str, passphrase: Option<&str>) -> Result<russh::keys::PrivateKey, SshError> {
    if let Ok(k) = russh::keys::PrivateKey::from_openssh(pem.trim())
        && let russh::keys::ssh_key::Kdf::Bcrypt { rounds, .. } = k.kdf()
        && *rounds > MAX_KDF_ROUNDS
    {
        return Err(SshError::Key(format!(
            "the private key asks for {rounds} bcrypt rounds (at most {MAX_KDF_ROUNDS} are accepted)"
        )));
    }
    russh::keys::decode_secret_key(pem, passphrase).map_err(|e| match e {
        russh::keys::Error::KeyIsEncrypted => {
            SshError::Key("the private key is encrypted: give its passphrase".into())
        }
        e if passphrase.is_some() => SshError::Key(format!(
            "the private key cannot be read (is the passphrase right?): {e}"
        )),
        e => SshError::Key(format!("the private key cannot be read: {e}")),
    })
}

/// Checks that a private key (OpenSSH or PEM text) can be read, with its passphrase if it is
/// encrypted, so a batch fails once up front rather than once per device.
pub fn check_key(pem: &str, passphrase: Option<&str>) -> Result<(), SshError> {
    decode_key(pem, passphrase).map(|_| ())
}

/// One step of the login, within the time limit (a person answering a prompt is not timed here).
async fn step<T>(
    limit: Duration,
    host: &str,
    fut: impl std::future::Future<Output = Result<T, russh::Error>>,
) -> Result<T, SshError> {
    tokio::time::timeout(limit, fut)
        .await
        .map_err(|_| SshError::Timeout {
            host: host.to_string(),
            stage: "logging in",
            secs: limit.as_secs().max(1),
        })?
        .map_err(|e| protocol(host, e))
}

/// Whether a keyboard-interactive round is the device asking for the password we hold.
fn asks_password(prompts: &[russh::client::Prompt]) -> bool {
    matches!(prompts, [p] if !p.echo && p.prompt.to_ascii_lowercase().contains("password"))
}

async fn authenticate(
    handle: &mut Handle<Client>,
    login: &Login,
    host: &str,
    limit: Duration,
) -> Result<&'static str, SshError> {
    let user = login.user.clone();
    let mut tried: Vec<&str> = Vec::new();
    let mut allowed: Option<Vec<MethodKind>> = None;
    let permits = |allowed: &Option<Vec<MethodKind>>, k: MethodKind| {
        allowed.as_ref().is_none_or(|a| a.contains(&k))
    };
    if let Some(key) = login.private_key()? {
        let hash = if key.algorithm().is_rsa() {
            step(limit, host, handle.best_supported_rsa_hash())
                .await?
                .flatten()
        } else {
            None
        };
        let res = step(
            limit,
            host,
            handle.authenticate_publickey(user.clone(), PrivateKeyWithHashAlg::new(key, hash)),
        )
        .await?;
        tried.push("publickey");
        match res {
            client::AuthResult::Success => return Ok("publickey"),
            client::AuthResult::Failure {
                remaining_methods, ..
            } => {
                allowed = Some(remaining_methods.to_vec());
            }
        }
    }
    if let Some(password) = &login.password
        && permits(&allowed, MethodKind::Password)
    {
        let res = step(
            limit,
            host,
            handle.authenticate_password(user.clone(), password.as_str()),
        )
        .await?;
        tried.push("password");
        match res {
            client::AuthResult::Success => return Ok("password"),
            client::AuthResult::Failure {
                remaining_methods, ..
            } => {
                allowed = Some(remaining_methods.to_vec());
            }
        }
    }
    let interactive = login.password.is_some() || login.prompter.is_some();
    if interactive && permits(&allowed, MethodKind::KeyboardInteractive) {
        tried.push("keyboard-interactive");
        let mut reply = step(
            limit,
            host,
            handle.authenticate_keyboard_interactive_start(user.clone(), None),
        )
        .await?;
        // The password we hold answers the device's password prompt once; with a person at
        // the terminal, every other prompt goes to them; without one, hidden prompts get the
        // password. A device that keeps asking is cut off.
        let mut password_used = false;
        for _ in 0..8 {
            match reply {
                KeyboardInteractiveAuthResponse::Success => return Ok("keyboard-interactive"),
                KeyboardInteractiveAuthResponse::Failure {
                    remaining_methods, ..
                } => {
                    allowed = Some(remaining_methods.to_vec());
                    break;
                }
                KeyboardInteractiveAuthResponse::InfoRequest {
                    name,
                    instructions,
                    prompts,
                } => {
                    let answers = match (&login.prompter, &login.password) {
                        (_, _) if prompts.is_empty() => Vec::new(),
                        (Some(_), Some(pw)) if !password_used && asks_password(&prompts) => {
                            password_used = true;
                            vec![pw.to_string()]
                        }
                        (Some(p), _) => {
                            let asked =
                                prompts.iter().map(|q| (q.prompt.clone(), q.echo)).collect();
                            match p.answer(name, instructions, asked).await {
                                Some(a) if a.len() == prompts.len() => a,
                                _ => {
                                    return Err(SshError::Auth {
                                        user,
                                        host: host.to_string(),
                                        tried:
                                            "keyboard-interactive (the prompts were not answered)"
                                                .into(),
                                        allowed: "keyboard-interactive".into(),
                                    });
                                }
                            }
                        }
                        (None, pw) => prompts
                            .iter()
                            .map(|q| {
                                if q.echo {
                                    user.clone()
                                } else {
                                    pw.as_ref().map(|p| p.to_string()).unwrap_or_default()
                                }
                            })
                            .collect(),
                    };
                    reply = step(
                        limit,
                        host,
                        handle.authenticate_keyboard_interactive_respond(answers),
                    )
                    .await?;
                }
            }
        }
    }
    if tried.is_empty() {
        return Err(SshError::Auth {
            user,
            host: host.to_string(),
            tried: "nothing: no password or key was given".into(),
            allowed: allowed.map_or("(not asked)".into(), |a| method_names(&a)),
        });
    }
    Err(SshError::Auth {
        user,
        host: host.to_string(),
        tried: tried.join(", "),
        allowed: allowed.map_or("(not said)".into(), |a| method_names(&a)),
    })
}

impl Session {
    /// Runs a command with its stdin closed (as `ssh -n`) and collects its output, each
    /// stream up to `limit` bytes, for at most `timeout` (what came before is kept, with
    /// `timed_out`). A device that reports its exit status but never closes the channel is
    /// given a moment, then taken at its word.
    pub async fn exec(
        &self,
        command: &str,
        limit: usize,
        timeout: Duration,
    ) -> Result<ExecOutput, SshError> {
        let host = self.endpoint.display();
        let deadline = tokio::time::Instant::now() + timeout;
        let step = |what: &'static str| SshError::Timeout {
            host: host.clone(),
            stage: what,
            secs: timeout.as_secs().max(1),
        };
        let mut ch = tokio::time::timeout_at(deadline, self.handle.channel_open_session())
            .await
            .map_err(|_| step("opening a session"))?
            .map_err(|e| protocol(&host, format!("cannot open a session: {e}")))?;
        tokio::time::timeout_at(deadline, ch.exec(true, command))
            .await
            .map_err(|_| step("starting the command"))?
            .map_err(|e| protocol(&host, format!("cannot run the command: {e}")))?;
        let _ = ch.eof().await;
        let mut out = ExecOutput::default();
        let keep = |buf: &mut Vec<u8>, data: &[u8], truncated: &mut bool| {
            let room = limit.saturating_sub(buf.len());
            if data.len() > room {
                *truncated = true;
            }
            buf.extend_from_slice(&data[..data.len().min(room)]);
        };
        loop {
            let until = if out.exit_status.is_some() || out.exit_signal.is_some() {
                deadline.min(tokio::time::Instant::now() + EXIT_GRACE)
            } else {
                deadline
            };
            let msg = match tokio::time::timeout_at(until, ch.wait()).await {
                Ok(Some(m)) => m,
                Ok(None) => break,
                Err(_) if until < deadline => break,
                Err(_) => {
                    out.timed_out = true;
                    break;
                }
            };
            match msg {
                ChannelMsg::Data { data } => keep(&mut out.stdout, &data, &mut out.truncated),
                ChannelMsg::ExtendedData { data, ext: 1 } => {
                    keep(&mut out.stderr, &data, &mut out.truncated);
                }
                ChannelMsg::ExitStatus { exit_status } => out.exit_status = Some(exit_status),
                ChannelMsg::ExitSignal { signal_name, .. } => {
                    out.exit_signal = Some(format!("{signal_name:?}"));
                }
                ChannelMsg::Failure => {
                    return Err(protocol(
                        &host,
                        "the server refused to run the command (network CLIs often take commands only in a shell: --shell)",
                    ));
                }
                ChannelMsg::Close => break,
                _ => {}
            }
        }
        Ok(out)
    }

    /// Opens a shell on a PTY (`xterm-256color`, UTF-8) of `cols`×`rows`.
    pub async fn shell(
        &self,
        cols: u16,
        rows: u16,
    ) -> Result<russh::Channel<client::Msg>, SshError> {
        let host = self.endpoint.display();
        let ch = self
            .handle
            .channel_open_session()
            .await
            .map_err(|e| protocol(&host, format!("cannot open a session: {e}")))?;
        ch.set_env(false, "LANG", "C.UTF-8")
            .await
            .map_err(|e| protocol(&host, e))?;
        ch.request_pty(
            true,
            "xterm-256color",
            u32::from(cols),
            u32::from(rows),
            0,
            0,
            &[],
        )
        .await
        .map_err(|e| protocol(&host, format!("cannot get a terminal: {e}")))?;
        ch.request_shell(true)
            .await
            .map_err(|e| protocol(&host, format!("cannot start a shell: {e}")))?;
        Ok(ch)
    }

    /// Does `task` in an interactive shell on a PTY as a person would type it on `platform`
    /// (guessed from what the device prints when `None`): paging off, privileged mode with
    /// `secret`, each line's output cut out of the session. Each step may take `step_timeout`;
    /// a session that stops early says why in `failure`.
    pub async fn interactive(
        &self,
        platform: Option<&'static crate::platform::Platform>,
        task: &crate::platform::driver::Task,
        secret: Option<String>,
        step_timeout: Duration,
        limit: usize,
    ) -> Result<ShellOutput, SshError> {
        use crate::platform::driver::{Driver, Step};
        let mut ch = self.shell(511, 50).await?;
        let mut out = ShellOutput {
            platform: platform.map(|p| p.name),
            ..ShellOutput::default()
        };
        let plan = |p: &'static crate::platform::Platform| -> Result<Driver, String> {
            Ok(Driver::with_plan(p, task.plan(p)?, secret.clone(), limit))
        };
        let mut driver = match platform.map(plan).transpose() {
            Ok(d) => d,
            Err(why) => {
                out.failure = Some(why);
                return Ok(out);
            }
        };
        // Before the platform is known (auto): what the device said so far.
        let mut said = String::new();
        let mut carry: Vec<u8> = Vec::new();
        let mut deadline = tokio::time::Instant::now() + step_timeout;
        'session: loop {
            let msg = match tokio::time::timeout_at(deadline, ch.wait()).await {
                Ok(Some(m)) => m,
                Ok(None) => {
                    out.failure = Some("the device closed the session".into());
                    break;
                }
                Err(_) => {
                    out.failure = Some(match driver.as_mut() {
                        Some(d) => match d.timed_out(step_timeout) {
                            Step::Failed(why) => why,
                            other => format!("{other:?}"),
                        },
                        None => format!(
                            "the platform could not be told from what the device printed in {:.1} s (give --platform): '{}'",
                            step_timeout.as_secs_f64(),
                            crate::platform::strip_ansi(said.trim())
                                .chars()
                                .rev()
                                .take(120)
                                .collect::<String>()
                                .chars()
                                .rev()
                                .collect::<String>()
                        ),
                    });
                    break;
                }
            };
            let data = match msg {
                ChannelMsg::Data { data } => data,
                ChannelMsg::Eof | ChannelMsg::Close => {
                    out.failure = Some("the device closed the session".into());
                    break;
                }
                _ => continue,
            };
            // UTF-8 split between two pieces waits for its end.
            carry.extend_from_slice(&data);
            let valid = match std::str::from_utf8(&carry) {
                Ok(s) => s.len(),
                Err(e) if e.error_len().is_none() => e.valid_up_to(),
                Err(_) => carry.len(),
            };
            let text = String::from_utf8_lossy(&carry[..valid]).into_owned();
            carry.drain(..valid);
            let steps = match driver.as_mut() {
                Some(d) => d.feed(&text),
                None => {
                    said.push_str(&text);
                    if said.len() > limit {
                        out.failure = Some(format!(
                            "more than {limit} bytes printed before a platform could be told (give --platform)"
                        ));
                        break;
                    }
                    match crate::platform::guess(None, &said) {
                        Some(p) => {
                            out.platform = Some(p.name);
                            let mut d = match plan(p) {
                                Ok(d) => d,
                                Err(why) => {
                                    out.failure = Some(why);
                                    break;
                                }
                            };
                            let steps = d.feed(&said);
                            driver = Some(d);
                            steps
                        }
                        None => Vec::new(),
                    }
                }
            };
            for step in steps {
                match step {
                    Step::Send(keys) => {
                        deadline = tokio::time::Instant::now() + step_timeout;
                        ch.data(keys.as_bytes())
                            .await
                            .map_err(|e| protocol(&self.endpoint.display(), e))?;
                    }
                    Step::Output {
                        command,
                        kind,
                        text,
                        error,
                    } => out.outputs.push((
                        kind,
                        wirescope_probe::result::CommandOutput {
                            command,
                            output: text,
                            error,
                        },
                    )),
                    Step::Failed(why) => {
                        out.failure = Some(why);
                        break 'session;
                    }
                    Step::Done => break 'session,
                }
            }
        }
        let _ = ch.close().await;
        Ok(out)
    }

    /// Ends the connection, and the jump connection when nothing else shares it.
    pub async fn close(self) {
        let _ = self
            .handle
            .disconnect(russh::Disconnect::ByApplication, "", "en")
            .await;
        if let Some(j) = self.jump
            && Arc::strong_count(&j) == 1
        {
            j.close().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_parse() {
        let p = |s| Endpoint::parse(s, 22);
        assert_eq!(
            p("r1").map(|(u, e)| (u, e.host, e.port)),
            Ok((None, "r1".into(), 22))
        );
        assert_eq!(
            p("admin@198.18.0.122:2222").map(|(u, e)| (u, e.host, e.port)),
            Ok((Some("admin".into()), "198.18.0.122".into(), 2222))
        );
        assert_eq!(
            p("2001:db8::1").map(|(_, e)| (e.host, e.port)),
            Ok(("2001:db8::1".into(), 22))
        );
        assert_eq!(
            p("[2001:db8::1]:2200").map(|(_, e)| (e.host, e.port)),
            Ok(("2001:db8::1".into(), 2200))
        );
        assert_eq!(
            Endpoint::new("2001:db8::1", 22).display(),
            "[2001:db8::1]:22"
        );
        for bad in [
            "",
            "@h",
            "h:0",
            "h:99999",
            "h:x",
            "[::1",
            "[::1]x",
            "a b",
            "host:22:33",
            "r1\nr2",
            "r1\u{7}",
            "[r1:22]:22",
        ] {
            assert!(p(bad).is_err(), "{bad:?} should fail");
        }
        assert!(
            p("host:22:33")
                .unwrap_err()
                .contains("an IPv6 address with a port is written [ADDRESS]:PORT")
        );
        assert!(check_host(&"a".repeat(254)).is_err());
    }

    #[test]
    fn error_codes_and_jump_wrapping() {
        let inner = SshError::Auth {
            user: "u".into(),
            host: "h:22".into(),
            tried: "password".into(),
            allowed: "publickey".into(),
        };
        let e = SshError::Jump {
            jump: "b:22".into(),
            source: Box::new(inner),
        };
        assert_eq!(e.code(), "auth");
        assert!(
            e.to_string()
                .starts_with("via jump host b:22: u@h:22: authentication failed")
        );
        assert!(matches!(e.innermost(), SshError::Auth { .. }));
    }

    #[test]
    fn login_debug_hides_secrets() {
        let l = Login {
            user: "wsl".into(),
            password: Some(Zeroizing::new("hunter2".into())),
            key: Some(Zeroizing::new("-----BEGIN OPENSSH PRIVATE KEY-----".into())),
            passphrase: None,
            decoded: KeyCache::default(),
            prompter: None,
        };
        let d = format!("{l:?}");
        assert!(!d.contains("hunter2") && !d.contains("BEGIN"), "{d}");
    }
}
