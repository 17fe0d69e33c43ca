//! `wirescope agent`: a remote probe agent. It dials home to its server over a WebSocket
//! (outbound only, TLS on rustls for https), says hello with its site and what it can do, makes
//! the jobs the server hands it, and sends their results from its spool until the server
//! acknowledges them; it dials again with backoff whenever the server is away. And
//! `wirescope agents`: adding, listing and revoking agents in the history.

use crate::Failure;
use crate::cli::{AgentArgs, AgentsCmd};
use futures::{SinkExt, StreamExt};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_util::sync::CancellationToken;
use wirescope_runs::remote::{
    AGENT_PATH, Capabilities, FromAgent, HeldJob, MAX_MESSAGE, SEND_BATCH, ToAgent,
};
use wirescope_store::{Spool, SpooledEnd, SpooledJob, StoreError};

/// The first pause before dialling again; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// How long the server has to answer the hello.
const WELCOME_WAIT: Duration = Duration::from_secs(10);
/// Batches of results sent and not yet acknowledged, at most: while they are stored, what comes
/// meanwhile gathers into the next batch (bigger batches, fewer transactions, when the server
/// is busy).
const IN_FLIGHT: usize = 2;
/// A connection that lasted this long starts the backoff over.
const STEADY: Duration = Duration::from_secs(30);

pub(crate) fn agents_command(cmd: AgentsCmd) -> Result<ExitCode, Failure> {
    match cmd {
        AgentsCmd::Add {
            name,
            site,
            json,
            history,
        } => {
            wirescope_server::check_user_name(&name)
                .map_err(|m| Failure::Usage(m.replace("user name", "agent name")))?;
            wirescope_server::agents::check_site(&site)
                .map_err(|m| Failure::Usage(format!("--site: {m}")))?;
            // Adding the first agent before the server first starts makes the history.
            let store =
                wirescope_store::Store::connect(&crate::history::location(history.db.as_deref()))
                    .map_err(|e| Failure::Runtime(e.to_string()))?;
            let (agent, token) =
                wirescope_server::agents::mint(&store, &name, &site).map_err(|e| match e {
                    StoreError::AgentExists(_) | StoreError::TooManyAgents(_) => {
                        Failure::Usage(e.to_string())
                    }
                    e => Failure::Runtime(e.to_string()),
                })?;
            crate::audit::record(&store, "agent.add", &format!("/agents/{}", agent.name));
            if json {
                let mut v = serde_json::to_value(&agent).unwrap_or_default();
                v["token"] = token.into();
                println!("{v}");
            } else {
                println!("{token}");
                eprintln!(
                    "wirescope: added agent {} of site {}; its token (above) is shown this once:\n  \
                     WIRESCOPE_AGENT_TOKEN=... wirescope agent --server URL --site {}",
                    agent.name, agent.site, agent.site
                );
            }
        }
        AgentsCmd::List { json, history } => {
            let store = crate::history::open(&history)?;
            let agents = store
                .agents()
                .map_err(|e| Failure::Runtime(e.to_string()))?;
            let now = wirescope_store::now_ms();
            for a in &agents {
                let online = a.instance.is_some()
                    && a.last_seen
                        .is_some_and(|t| now - t < wirescope_store::INSTANCE_TTL_MS);
                if json {
                    let mut v = serde_json::to_value(a).unwrap_or_default();
                    v["online"] = online.into();
                    println!("{v}");
                } else {
                    let state = match (a.revoked_at, online) {
                        (Some(_), _) => "revoked".to_string(),
                        (None, true) => "online".to_string(),
                        (None, false) => match a.last_seen {
                            Some(t) => format!("offline, seen {} s ago", (now - t) / 1000),
                            None => "never seen".to_string(),
                        },
                    };
                    println!(
                        "{:<24} site {:<16} {:<10} {state}",
                        a.name,
                        a.site,
                        a.version.as_deref().unwrap_or("-")
                    );
                }
            }
        }
        AgentsCmd::Revoke { name, history } => {
            let store = crate::history::open(&history)?;
            if !store
                .revoke_agent(&name)
                .map_err(|e| Failure::Runtime(e.to_string()))?
            {
                return Err(Failure::Usage(format!(
                    "no agent '{name}' (or it was revoked already)"
                )));
            }
            crate::audit::record(&store, "agent.revoke", &format!("/agents/{name}"));
            eprintln!("wirescope: revoked agent {name}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Where the agent dials: the WebSocket URL, and whether it is TLS.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Home {
    url: String,
    host: String,
    port: u16,
    tls: bool,
}

/// Reads `--server`: http(s)://HOST[:PORT][/], nothing else.
fn home(server: &str) -> Result<Home, String> {
    let (tls, rest) = if let Some(r) = server.strip_prefix("https://") {
        (true, r)
    } else if let Some(r) = server.strip_prefix("http://") {
        (false, r)
    } else {
        return Err(format!(
            "--server: '{server}' is not http://HOST:PORT or https://HOST:PORT"
        ));
    };
    let authority = rest.trim_end_matches('/');
    if authority.is_empty() || authority.contains(['/', '?', '#', '@', ' ']) {
        return Err(format!(
            "--server: '{server}' is the server's address alone: http(s)://HOST[:PORT]"
        ));
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => {
            if h.contains(':') && !h.starts_with('[') {
                (authority.to_string(), if tls { 443 } else { 80 })
            } else {
                let port = p
                    .parse::<u16>()
                    .map_err(|_| format!("--server: '{p}' is not a port"))?;
                (h.to_string(), port)
            }
        }
        _ => (authority.to_string(), if tls { 443 } else { 80 }),
    };
    let scheme = if tls { "wss" } else { "ws" };
    Ok(Home {
        url: format!("{scheme}://{authority}{AGENT_PATH}"),
        host: host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string(),
        port,
        tls,
    })
}

fn default_spool(site: &str) -> PathBuf {
    wirescope_store::default_path()
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
        .join(format!("agent-{site}.spool"))
}

/// What the agent can do where it probes: asked on a thread in its namespace.
fn capabilities(netns: Option<&str>) -> Capabilities {
    let ns = netns.map(str::to_string);
    let asked = wirescope_net::netns::in_netns("agent-caps", ns.clone(), move |entered| {
        if entered.is_err() {
            return (false, Vec::new());
        }
        // SAFETY: plain socket(2); the descriptor is closed at once.
        let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_RAW, libc::IPPROTO_ICMP) };
        let raw = fd >= 0;
        if raw {
            // SAFETY: fd is the descriptor socket(2) just returned.
            unsafe { libc::close(fd) };
        }
        let mut interfaces = Vec::new();
        // SAFETY: if_nameindex returns an array ended by a zero entry, freed below.
        unsafe {
            let list = libc::if_nameindex();
            if !list.is_null() {
                let mut at = list;
                while (*at).if_index != 0 && !(*at).if_name.is_null() {
                    let name = std::ffi::CStr::from_ptr((*at).if_name);
                    interfaces.push(name.to_string_lossy().into_owned());
                    at = at.add(1);
                }
                libc::if_freenameindex(list);
            }
        }
        (raw, interfaces)
    });
    let (raw_sockets, interfaces) = asked
        .ok()
        .and_then(|t| t.join().ok())
        .unwrap_or((false, Vec::new()));
    let mut namespaces: Vec<String> = std::fs::read_dir("/run/netns")
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    namespaces.sort();
    Capabilities {
        raw_sockets,
        netns: ns,
        namespaces,
        interfaces,
    }
}

/// A job being made here.
struct Making {
    job: SpooledJob,
    cancel: CancellationToken,
}

/// What the agent keeps across connections.
struct Agent {
    args: AgentArgs,
    home: Home,
    spool: Arc<Spool>,
    capabilities: Capabilities,
    tls: Option<tokio_rustls::TlsConnector>,
    making: HashMap<i64, Making>,
    wake: Arc<tokio::sync::Notify>,
    /// Samples this machine for the server's Host page.
    sampler: wirescope_server::host::Sampler,
}

/// How a connection ended.
enum Lost {
    /// The server refused the agent: no use dialling again.
    Refused(String),
    /// Gone, for this reason: dial again.
    Away(String),
}

pub(crate) async fn agent(args: AgentArgs) -> Result<ExitCode, Failure> {
    let home = home(&args.server).map_err(Failure::Usage)?;
    if !args
        .token
        .starts_with(wirescope_server::agents::AGENT_TOKEN_PREFIX)
    {
        return Err(Failure::Usage(format!(
            "--token: an agent token starts with {} (wirescope agents add makes one)",
            wirescope_server::agents::AGENT_TOKEN_PREFIX
        )));
    }
    wirescope_server::agents::check_site(&args.site)
        .map_err(|m| Failure::Usage(format!("--site: {m}")))?;
    if let Some(ns) = &args.netns {
        wirescope_net::netns::check_name(ns)
            .and_then(|()| wirescope_net::netns::check(ns))
            .map_err(|e| Failure::Usage(format!("--netns: {e}")))?;
    }
    let tls = if home.tls {
        Some(connector(args.ca.as_deref()).map_err(Failure::Usage)?)
    } else {
        None
    };
    let path = args
        .spool
        .clone()
        .unwrap_or_else(|| default_spool(&args.site));
    // One agent per spool: another would send (and drop) this one's results.
    let _lock = lock_spool(&path)?;
    let spool = Arc::new(Spool::open(&path).map_err(|e| Failure::Runtime(e.to_string()))?);
    // Jobs this process did not start are not being made by anyone: they ended when the
    // agent before it stopped, with what it had.
    for job in spool.jobs().map_err(|e| Failure::Runtime(e.to_string()))? {
        if spool.ended(job).ok().flatten().is_none() {
            let end = SpooledEnd {
                status: "interrupted".into(),
                summary: None,
                error: Some(
                    "the agent stopped while making it; the results before are kept".into(),
                ),
            };
            let _ = spool.end(job, &end);
        }
    }
    let capabilities = capabilities(args.netns.as_deref());
    let mut agent = Agent {
        sampler: wirescope_server::host::Sampler::default(),
        home,
        spool,
        capabilities,
        tls,
        making: HashMap::new(),
        wake: Arc::new(tokio::sync::Notify::new()),
        args,
    };
    let mut backoff = FIRST_BACKOFF;
    loop {
        let began = Instant::now();
        let lost = tokio::select! {
            lost = agent.connection() => lost,
            _ = tokio::signal::ctrl_c() => {
                eprintln!("wirescope agent: stopping; what the server has not stored stays in {}",
                    agent.spool.path().display());
                return Ok(ExitCode::SUCCESS);
            }
        };
        match lost {
            Lost::Refused(why) => {
                return Err(Failure::Runtime(format!(
                    "the server refused this agent: {why}"
                )));
            }
            Lost::Away(why) => {
                if began.elapsed() >= STEADY {
                    backoff = FIRST_BACKOFF;
                }
                let waiting = agent.spool.waiting_count().unwrap_or(0);
                eprintln!(
                    "wirescope agent: {why}; dialling again in {} s ({waiting} results wait in \
                     the spool)",
                    backoff.as_secs()
                );
                tokio::select! {
                    () = tokio::time::sleep(backoff) => {}
                    _ = tokio::signal::ctrl_c() => return Ok(ExitCode::SUCCESS),
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

/// Holds `PATH.spool-lock` exclusively for as long as the agent runs.
fn lock_spool(path: &Path) -> Result<std::fs::File, Failure> {
    use std::os::fd::AsRawFd;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| Failure::Runtime(format!("{}: {e}", dir.display())))?;
    }
    let lock = path.with_extension("spool-lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock)
        .map_err(|e| Failure::Runtime(format!("{}: {e}", lock.display())))?;
    // SAFETY: flock on a descriptor this function owns.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
        return Err(Failure::Usage(format!(
            "another agent uses the spool {}: give each agent its own (--spool)",
            path.display()
        )));
    }
    Ok(file)
}

/// The TLS client: the system's CAs, or `--ca`'s.
fn connector(ca: Option<&Path>) -> Result<tokio_rustls::TlsConnector, String> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    let file = match ca {
        Some(p) => Some(p.to_path_buf()),
        None => [
            "/etc/ssl/certs/ca-certificates.crt",
            "/etc/pki/tls/certs/ca-bundle.crt",
        ]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists()),
    };
    if let Some(file) = file {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&file)
            .and_then(|it| it.collect::<Result<_, _>>())
            .map_err(|e| format!("--ca: cannot read {}: {e}", file.display()))?;
        if certs.is_empty() && ca.is_some() {
            return Err(format!("--ca: {} holds no certificate", file.display()));
        }
        roots.add_parsable_certificates(certs);
    }
    let config = rustls::ClientConfig::builder_with_provider(
        rustls::crypto::ring::default_provider().into(),
    )
    .with_safe_default_protocol_versions()
    .map_err(|e| e.to_string())?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

fn ws_config() -> tungstenite::protocol::WebSocketConfig {
    tungstenite::protocol::WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE))
}

impl Agent {
    /// One connection to the server, from dialling to its loss.
    async fn connection(&mut self) -> Lost {
        let tcp = match tokio::time::timeout(
            Duration::from_secs(10),
            tokio::net::TcpStream::connect((self.home.host.as_str(), self.home.port)),
        )
        .await
        {
            Ok(Ok(t)) => t,
            Ok(Err(e)) => return Lost::Away(format!("cannot reach {}: {e}", self.args.server)),
            Err(_) => {
                return Lost::Away(format!("{} did not answer within 10 s", self.args.server));
            }
        };
        let _ = tcp.set_nodelay(true);
        match self.tls.clone() {
            Some(tls) => {
                let Ok(name) = rustls::pki_types::ServerName::try_from(self.home.host.clone())
                else {
                    return Lost::Refused(format!("'{}' is not a server name", self.home.host));
                };
                match tls.connect(name, tcp).await {
                    Ok(stream) => self.over(stream).await,
                    Err(e) => Lost::Away(format!("TLS with {}: {e}", self.args.server)),
                }
            }
            None => self.over(tcp).await,
        }
    }

    async fn over<S>(&mut self, stream: S) -> Lost
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        use tungstenite::client::IntoClientRequest;
        let mut request = match self.home.url.as_str().into_client_request() {
            Ok(r) => r,
            Err(e) => return Lost::Refused(format!("--server: {e}")),
        };
        let Ok(bearer) = format!("Bearer {}", self.args.token).parse() else {
            return Lost::Refused("--token holds characters a header cannot".into());
        };
        request
            .headers_mut()
            .insert(tungstenite::http::header::AUTHORIZATION, bearer);
        let ws =
            match tokio_tungstenite::client_async_with_config(request, stream, Some(ws_config()))
                .await
            {
                Ok((ws, _)) => ws,
                Err(tungstenite::Error::Http(r)) => {
                    let body = r
                        .body()
                        .as_deref()
                        .and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok())
                        .and_then(|v| v["error"].as_str().map(str::to_string))
                        .unwrap_or_default();
                    let why = format!("{} {body}", r.status());
                    return if r.status() == 401 || r.status() == 403 {
                        Lost::Refused(why)
                    } else {
                        Lost::Away(format!("the server answered {why}"))
                    };
                }
                Err(e) => return Lost::Away(format!("the WebSocket to {}: {e}", self.home.url)),
            };
        self.talk(ws).await
    }

    fn holding(&self) -> Vec<HeldJob> {
        self.spool
            .jobs()
            .unwrap_or_default()
            .into_iter()
            .map(|j| HeldJob {
                job: j.job,
                attempt: j.attempt,
            })
            .collect()
    }

    async fn talk<S>(&mut self, ws: tokio_tungstenite::WebSocketStream<S>) -> Lost
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let (mut tx, mut rx) = ws.split();
        let hello = FromAgent::Hello {
            site: self.args.site.clone(),
            version: env!("CARGO_PKG_VERSION").into(),
            capabilities: self.capabilities.clone(),
            holding: self.holding(),
        };
        if let Err(e) = tx.send(Message::Text(hello.text().into())).await {
            return Lost::Away(format!("saying hello: {e}"));
        }
        let welcome = tokio::time::timeout(WELCOME_WAIT, next_message(&mut rx)).await;
        match welcome {
            Ok(Some(ToAgent::Welcome {
                agent,
                site,
                lease_ms,
            })) => eprintln!(
                "wirescope agent: connected to {} as {agent} (site {site}; jobs held under a \
                 {} s lease)",
                self.args.server,
                lease_ms / 1000
            ),
            Ok(Some(ToAgent::Refused { message, .. })) => return Lost::Refused(message),
            Ok(_) => return Lost::Away("the server closed the connection after the hello".into()),
            Err(_) => return Lost::Away("no welcome within 10 s".into()),
        }
        // Per connection: how far each job's results were sent, batches unacknowledged, ends
        // sent. Everything unacknowledged is sent again on the next connection.
        let mut sent: HashMap<SpooledJob, i64> = HashMap::new();
        let mut acked: HashMap<SpooledJob, i64> = HashMap::new();
        let mut in_flight = 0usize;
        let mut ends_sent: std::collections::HashSet<SpooledJob> = Default::default();
        let mut ping = tokio::time::interval(Duration::from_secs(15));
        let mut host = tokio::time::interval(wirescope_runs::remote::HOST_EVERY);
        loop {
            // Send what waits, within the in-flight bound.
            for job in self.spool.jobs().unwrap_or_default() {
                let held = HeldJob {
                    job: job.job,
                    attempt: job.attempt,
                };
                while in_flight < IN_FLIGHT {
                    let after = sent.get(&job).copied().unwrap_or(0);
                    let rows = self
                        .spool
                        .waiting(job, after, SEND_BATCH)
                        .unwrap_or_default();
                    let Some(last) = rows.last().map(|r| r.id) else {
                        break;
                    };
                    let Ok(Some(msg)) = wirescope_runs::remote::results_message(held, rows) else {
                        break;
                    };
                    if let Err(e) = tx.send(Message::Text(msg.text().into())).await {
                        return Lost::Away(format!("sending results: {e}"));
                    }
                    sent.insert(job, last);
                    in_flight += 1;
                }
                // The end goes once every result before it was acknowledged.
                let all_stored = self
                    .spool
                    .waiting(job, acked.get(&job).copied().unwrap_or(0), 1)
                    .map(|w| w.is_empty())
                    .unwrap_or(false);
                if all_stored
                    && !ends_sent.contains(&job)
                    && let Ok(Some(end)) = self.spool.ended(job)
                {
                    let msg = wirescope_runs::remote::end_message(held, &end);
                    if let Err(e) = tx.send(Message::Text(msg.text().into())).await {
                        return Lost::Away(format!("sending a job's end: {e}"));
                    }
                    ends_sent.insert(job);
                }
            }
            let wake = self.wake.clone();
            tokio::select! {
                m = next_message(&mut rx) => match m {
                    None => return Lost::Away("the server closed the connection".into()),
                    Some(ToAgent::Refused { message, .. }) => return Lost::Refused(message),
                    Some(ToAgent::Welcome { .. }) => {}
                    Some(ToAgent::Job { job, attempt, run, request }) => {
                        self.start(SpooledJob { job, attempt, run }, request.get());
                    }
                    Some(ToAgent::Ack { job, attempt, upto }) => {
                        let j = self.spooled(job, attempt);
                        if let Some(j) = j {
                            let _ = self.spool.acknowledged(j, upto);
                            acked.insert(j, upto);
                        }
                        in_flight = in_flight.saturating_sub(1);
                    }
                    Some(ToAgent::Ended { job, attempt }) | Some(ToAgent::Drop { job, attempt, .. }) => {
                        if let Some(j) = self.spooled(job, attempt) {
                            let _ = self.spool.forget(j);
                            sent.remove(&j);
                            acked.remove(&j);
                            ends_sent.remove(&j);
                        }
                        if let Some(m) = self.making.remove(&job) {
                            m.cancel.cancel();
                        }
                    }
                    Some(ToAgent::Cancel { job, .. }) => {
                        if let Some(m) = self.making.get(&job) {
                            m.cancel.cancel();
                        }
                    }
                },
                () = wake.notified() => {}
                _ = ping.tick() => {
                    if let Err(e) = tx.send(Message::Ping(Vec::new().into())).await {
                        return Lost::Away(format!("the connection: {e}"));
                    }
                }
                _ = host.tick() => {
                    let sample = serde_json::value::to_raw_value(&self.sampler.sample_about());
                    if let Ok(sample) = sample {
                        let msg = FromAgent::Host { sample };
                        if let Err(e) = tx.send(Message::Text(msg.text().into())).await {
                            return Lost::Away(format!("sending a host sample: {e}"));
                        }
                    }
                }
            }
            let spool = self.spool.clone();
            self.making.retain(|_, m| match spool.ended(m.job) {
                Ok(Some(end)) => {
                    let why = end.error.map(|e| format!(": {e}")).unwrap_or_default();
                    eprintln!(
                        "wirescope agent: job {} (run {}) {}{why}",
                        m.job.job, m.job.run, end.status
                    );
                    false
                }
                _ => true,
            });
        }
    }

    fn spooled(&self, job: i64, attempt: i64) -> Option<SpooledJob> {
        self.spool
            .jobs()
            .ok()?
            .into_iter()
            .find(|j| j.job == job && j.attempt == attempt)
    }

    /// Starts making a job handed out: taken into the spool, then made on its own task.
    fn start(&mut self, job: SpooledJob, request: &str) {
        if let Err(e) = self.spool.take(job) {
            eprintln!(
                "wirescope agent: cannot keep job {} in the spool: {e}",
                job.job
            );
            return;
        }
        eprintln!(
            "wirescope agent: job {} (run {}{}) started",
            job.job,
            job.run,
            if job.attempt > 0 {
                format!(", attempt {}", job.attempt + 1)
            } else {
                String::new()
            }
        );
        let cancel = CancellationToken::new();
        self.making.insert(
            job.job,
            Making {
                job,
                cancel: cancel.clone(),
            },
        );
        tokio::spawn(wirescope_runs::remote::make_job(
            self.spool.clone(),
            job,
            request.to_string(),
            self.args.netns.clone(),
            cancel,
            self.wake.clone(),
        ));
    }
}

async fn next_message<S>(
    rx: &mut futures::stream::SplitStream<tokio_tungstenite::WebSocketStream<S>>,
) -> Option<ToAgent>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    loop {
        match rx.next().await? {
            Ok(Message::Text(t)) => match serde_json::from_str::<ToAgent>(t.as_str()) {
                Ok(m) => return Some(m),
                Err(e) => {
                    eprintln!(
                        "wirescope agent: a message from the server that cannot be read: {e}"
                    );
                }
            },
            Ok(Message::Close(_)) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_address_is_read_or_refused_by_name() {
        let h = home("https://wirescope.example:8443/").unwrap();
        assert_eq!(
            (h.url.as_str(), h.host.as_str(), h.port, h.tls),
            (
                "wss://wirescope.example:8443/api/agent",
                "wirescope.example",
                8443,
                true
            )
        );
        let h = home("http://127.0.0.1:7878").unwrap();
        assert_eq!(
            (h.url.as_str(), h.port, h.tls),
            ("ws://127.0.0.1:7878/api/agent", 7878, false)
        );
        let h = home("http://[::1]:7878").unwrap();
        assert_eq!((h.host.as_str(), h.port), ("::1", 7878));
        assert_eq!(home("https://core").unwrap().port, 443);
        for bad in [
            "ftp://x",
            "127.0.0.1:7878",
            "http://",
            "http://h/api",
            "http://h:port",
        ] {
            let e = home(bad).unwrap_err();
            assert!(e.starts_with("--server:"), "{bad}: {e}");
        }
    }
}
