//! TCP port scan: connect() attempts in a window sized to the file-descriptor limit. A closed port
//! answers with RST at once; only filtered ports cost a timeout. Open ports can be asked for a banner.

pub mod ports;
mod syn;

use crate::duration::serde_human;
#[cfg(feature = "clap")]
use crate::duration::{format_duration, parse_duration};
use crate::error::ProbeError;
use crate::result::{ProbeResult, ScanResult};
use crate::stats::ms;
use crate::targets::Target;
use crate::toolkit::{Ctx, Pacer, Ready, open_families, resolve_targets};
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use serde::{Deserialize, Serialize};
use socket2::{Protocol, Type};
use std::collections::BTreeMap;
use std::future::Future;
use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Options of a scan run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
#[serde(default, deny_unknown_fields)]
pub struct ScanOptions {
    /// Ports: lists and ranges (`22,80,8000-8100`), `-` for all; none: the `top` most
    /// frequently open ports.
    #[cfg_attr(
        feature = "clap",
        arg(short = 'p', long, value_name = "PORTS", conflicts_with = "top")
    )]
    pub ports: Option<String>,
    /// The N most frequently open ports (nmap's order) when no port list is given.
    #[schema(minimum = 1)]
    #[cfg_attr(feature = "clap", arg(long, value_name = "N", default_value_t = ScanOptions::default().top))]
    pub top: usize,
    /// How long a connection attempt may take before the port counts as filtered.
    #[serde(with = "serde_human")]
    #[schema(value_type = crate::duration::DurationSchema)]
    #[cfg_attr(feature = "clap", arg(short = 't', long, value_name = "DURATION", default_value = format_duration(ScanOptions::default().timeout), value_parser = parse_duration))]
    pub timeout: Duration,
    /// Read what open ports say (HTTP ports that stay silent get a HEAD request).
    #[cfg_attr(feature = "clap", arg(short = 'b', long))]
    pub banners: bool,
    /// How long to wait for a banner.
    #[serde(with = "serde_human")]
    #[schema(value_type = crate::duration::DurationSchema)]
    #[cfg_attr(feature = "clap", arg(long, value_name = "DURATION", default_value = format_duration(ScanOptions::default().banner_timeout), value_parser = parse_duration))]
    pub banner_timeout: Duration,
    /// Probes in flight (0: 4096 for SYN; for connect what the open-files limit allows, up to
    /// 4096).
    #[cfg_attr(feature = "clap", arg(long, value_name = "N", default_value_t = ScanOptions::default().concurrency))]
    pub concurrency: usize,
    /// SYNs or connection attempts per second (0: unlimited).
    #[cfg_attr(feature = "clap", arg(long, value_name = "PPS", default_value_t = ScanOptions::default().rate))]
    pub rate: u32,
    /// How to probe: syn (half-open, raw sockets, like nmap -sS), connect (full handshake, no
    /// privilege, like nmap -sT), auto (syn when CAP_NET_RAW allows, else connect).
    #[cfg_attr(feature = "clap", arg(long, value_enum, default_value_t = ScanOptions::default().method))]
    pub method: ScanMethod,
    /// SYN scan: retransmissions of an unanswered SYN before a port counts as filtered.
    #[schema(maximum = 255)]
    #[cfg_attr(feature = "clap", arg(long, value_name = "N", default_value_t = ScanOptions::default().retries))]
    pub retries: u8,
}

/// How a scan probes ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum ScanMethod {
    /// SYN scan when raw sockets are allowed (CAP_NET_RAW), connect scan otherwise (as nmap).
    #[default]
    Auto,
    /// Half-open SYN scan on raw sockets: one socket for every port, no connection completed.
    Syn,
    /// A full connect() per port: needs no privilege.
    Connect,
}

impl ScanMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            ScanMethod::Auto => "auto",
            ScanMethod::Syn => "syn",
            ScanMethod::Connect => "connect",
        }
    }
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            ports: None,
            top: 1000,
            timeout: Duration::from_secs(1),
            banners: false,
            banner_timeout: Duration::from_secs(1),
            concurrency: 0,
            rate: 0,
            method: ScanMethod::Auto,
            retries: 1,
        }
    }
}

impl ScanOptions {
    /// The ports to scan, in order.
    pub fn port_list(&self) -> Result<Vec<u16>, ProbeError> {
        match &self.ports {
            Some(spec) => ports::parse(spec),
            None => ports::top(self.top),
        }
    }

    pub fn validate(&self) -> Result<(), ProbeError> {
        self.port_list()?;
        if self.timeout.is_zero() {
            return Err(ProbeError::Options("timeout must be above zero".into()));
        }
        Ok(())
    }
}

/// Raises the soft open-files limit to the hard one and returns a connect window that fits in it.
pub fn window_for_fd_limit(requested: usize) -> usize {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit with a valid resource and a pointer to a live rlimit struct.
    let soft = unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 {
            let want = lim.rlim_max.min(1 << 20);
            if lim.rlim_cur < want {
                let raised = libc::rlimit {
                    rlim_cur: want,
                    rlim_max: lim.rlim_max,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                    lim.rlim_cur = want;
                }
            }
            lim.rlim_cur as usize
        } else {
            1024
        }
    };
    let fits = soft.saturating_sub(64).max(16);
    if requested == 0 {
        fits.min(4096)
    } else {
        requested.min(fits)
    }
}

#[derive(Debug)]
pub(crate) enum PortState {
    Open(Option<String>),
    Closed,
    Filtered(Option<String>),
}

#[derive(Debug)]
pub(crate) struct HostState {
    target: Target,
    addr: IpAddr,
    left: usize,
    started: Option<Instant>,
    open: Vec<u16>,
    closed: u32,
    filtered: u32,
    banners: BTreeMap<String, String>,
    error: Option<String>,
}

type Attempt<'a> = Pin<Box<dyn Future<Output = (usize, u16, PortState)> + 'a>>;

/// Runs the scan.
pub async fn run(
    targets: Vec<Target>,
    opts: ScanOptions,
    ctx: &Ctx,
    ready: &mut Ready,
) -> Result<(), ProbeError> {
    ready.check(opts.validate())?;
    let port_list = opts.port_list()?;
    // Open the sockets now, so missing privileges or a bad interface or source fail at once.
    let raw = match opts.method {
        ScanMethod::Connect => None,
        ScanMethod::Syn => Some(open_families(&targets, ready, |v6| syn::open(ctx, v6))?),
        ScanMethod::Auto => {
            match open_families(&targets, &mut Ready::detached(), |v6| syn::open(ctx, v6)) {
                Ok(socks) => Some(socks),
                Err(ProbeError::Net(crate::net::NetError::Privilege { .. })) => None,
                Err(e) => return ready.check(Err(e)),
            }
        }
    };
    if raw.is_none() {
        let probe_v6 = targets
            .first()
            .is_some_and(|t| matches!(t.host, crate::targets::Host::Ip(IpAddr::V6(_))));
        drop(ready.check(ctx.net.socket(probe_v6, Type::STREAM, Protocol::TCP, true))?);
    }
    let window = window_for_fd_limit(opts.concurrency);
    ready.go();

    let (resolved, failed) = resolve_targets(targets, ctx).await;
    for (t, why) in failed {
        ctx.emit(ProbeResult::Scan(ScanResult {
            target: t.spec,
            addr: None,
            open: Vec::new(),
            closed: 0,
            filtered: 0,
            banners: BTreeMap::new(),
            services: BTreeMap::new(),
            elapsed_ms: 0.0,
            method: String::new(),
            error: Some(why),
        }));
    }
    let mut hosts: Vec<HostState> = resolved
        .into_iter()
        .map(|r| HostState {
            target: r.target,
            addr: r.addr,
            left: port_list.len(),
            started: None,
            open: Vec::new(),
            closed: 0,
            filtered: 0,
            banners: BTreeMap::new(),
            error: None,
        })
        .collect();
    match raw {
        Some(socks) => syn::scan(&mut hosts, &port_list, &socks, &opts, ctx).await,
        None => connect_scan(&mut hosts, &port_list, window, &opts, ctx).await,
    }
}

/// The connect() scan: a window of attempts in flight, each a full TCP handshake.
async fn connect_scan(
    hosts: &mut [HostState],
    port_list: &[u16],
    window: usize,
    opts: &ScanOptions,
    ctx: &Ctx,
) -> Result<(), ProbeError> {
    let jobs = hosts.len() * port_list.len();
    let mut pacer = Pacer::new(opts.rate, Instant::now());
    let mut inflight: FuturesUnordered<Attempt<'_>> = FuturesUnordered::new();
    let mut next = 0usize;
    let mut settled = 0usize;
    while settled < jobs {
        let now = Instant::now();
        let mut wait_for_budget = None;
        while next < jobs && inflight.len() < window {
            if let Err(at) = pacer.grant(now, 1) {
                wait_for_budget = Some(at);
                break;
            }
            let (h, port) = (next / port_list.len(), port_list[next % port_list.len()]);
            next += 1;
            let host = &mut hosts[h];
            host.started.get_or_insert(now);
            inflight.push(Box::pin(attempt(
                ctx,
                h,
                SocketAddr::new(host.addr, port),
                opts,
            )));
        }
        let budget = async {
            match wait_for_budget {
                Some(at) => tokio::time::sleep_until(at.into()).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            _ = ctx.cancel.cancelled() => return Ok(()),
            Some((h, port, state)) = inflight.next(), if !inflight.is_empty() => {
                settled += 1;
                let host = &mut hosts[h];
                host.left -= 1;
                match state {
                    PortState::Open(banner) => {
                        host.open.push(port);
                        if let Some(b) = banner {
                            host.banners.insert(port.to_string(), b);
                        }
                    }
                    PortState::Closed => host.closed += 1,
                    PortState::Filtered(why) => {
                        host.filtered += 1;
                        if let Some(w) = why {
                            host.error.get_or_insert(w);
                        }
                    }
                }
                if host.left == 0 {
                    ctx.emit(ProbeResult::Scan(finish(host, ScanMethod::Connect)));
                }
            }
            _ = budget => {}
        }
    }
    Ok(())
}

fn finish(host: &mut HostState, method: ScanMethod) -> ScanResult {
    let mut open = std::mem::take(&mut host.open);
    open.sort_unstable();
    let services = open
        .iter()
        .filter_map(|p| ports::service(*p).map(|s| (p.to_string(), s.to_string())))
        .collect();
    let up = !open.is_empty() || host.closed > 0;
    ScanResult {
        target: host.target.spec.clone(),
        addr: Some(host.addr),
        open,
        closed: host.closed,
        filtered: host.filtered,
        banners: std::mem::take(&mut host.banners),
        services,
        elapsed_ms: host.started.map_or(0.0, |s| ms(s.elapsed())),
        method: method.as_str().to_string(),
        // A host that answered on some port is reachable, whatever one port's error said.
        error: if up { None } else { host.error.take() },
    }
}

pub(crate) async fn attempt(
    ctx: &Ctx,
    h: usize,
    addr: SocketAddr,
    opts: &ScanOptions,
) -> (usize, u16, PortState) {
    let port = addr.port();
    let sock = match ctx
        .net
        .socket(addr.is_ipv6(), Type::STREAM, Protocol::TCP, true)
    {
        Ok(s) => s,
        Err(e) => return (h, port, PortState::Filtered(Some(e.to_string()))),
    };
    // Reset rather than FIN on close: no TIME_WAIT left behind for thousands of probes.
    let _ = sock.set_linger(Some(Duration::ZERO));
    let std: std::net::TcpStream = sock.into();
    let socket = tokio::net::TcpSocket::from_std_stream(std);
    let state = match tokio::time::timeout(opts.timeout, socket.connect(addr)).await {
        Err(_) => PortState::Filtered(None),
        Ok(Ok(stream)) => {
            let banner = if opts.banners {
                grab_banner(stream, port, opts.banner_timeout).await
            } else {
                None
            };
            PortState::Open(banner)
        }
        Ok(Err(e)) if e.kind() == ErrorKind::ConnectionRefused => PortState::Closed,
        Ok(Err(e)) => PortState::Filtered(Some(match e.raw_os_error() {
            Some(libc::EHOSTUNREACH) => "host unreachable".to_string(),
            Some(libc::ENETUNREACH) => "network unreachable".to_string(),
            _ => e.to_string(),
        })),
    };
    (h, port, state)
}

/// Ports where the client speaks first with HTTP.
const HTTP_PORTS: &[u16] = &[
    80, 81, 591, 2080, 3000, 5000, 8000, 8008, 8080, 8081, 8088, 8888, 9000,
];

async fn grab_banner(
    mut stream: tokio::net::TcpStream,
    port: u16,
    wait: Duration,
) -> Option<String> {
    let mut buf = vec![0u8; 1024];
    // Silence until the wait is over reads as nothing said.
    let mut n = tokio::time::timeout(wait, stream.read(&mut buf))
        .await
        .map_or(0, |r| r.unwrap_or(0));
    if n == 0 && HTTP_PORTS.contains(&port) {
        stream.write_all(b"HEAD / HTTP/1.0\r\n\r\n").await.ok()?;
        n = tokio::time::timeout(wait, stream.read(&mut buf))
            .await
            .map_or(0, |r| r.unwrap_or(0));
    }
    (n > 0).then(|| clean_banner(&buf[..n]))
}

/// The first lines of what a service said, printable and bounded.
pub fn clean_banner(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<String> = text
        .lines()
        .map(|l| {
            l.chars()
                .map(|c| if c.is_control() { '.' } else { c })
                .collect::<String>()
        })
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .take(3)
        .collect();
    let mut out = lines.join(" | ");
    if out.chars().count() > 200 {
        out = out.chars().take(200).collect();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banners_are_cleaned() {
        assert_eq!(
            clean_banner(b"SSH-2.0-OpenSSH_9.2p1\r\n"),
            "SSH-2.0-OpenSSH_9.2p1"
        );
        assert_eq!(
            clean_banner(b"HTTP/1.0 200 OK\r\nServer: lab\r\nX: 1\r\nY: 2\r\n\r\n"),
            "HTTP/1.0 200 OK | Server: lab | X: 1"
        );
        assert_eq!(clean_banner(b"\x00\x01hi\x1b[31m"), "..hi.[31m");
        assert_eq!(clean_banner(&[b'a'; 500]).len(), 200);
    }

    #[test]
    fn fd_window_fits_the_limit() {
        let w = window_for_fd_limit(0);
        assert!((16..=4096).contains(&w));
        assert_eq!(window_for_fd_limit(10), 10);
    }

    #[test]
    fn options_need_valid_ports() {
        let o = ScanOptions {
            ports: Some("22,99999".into()),
            ..Default::default()
        };
        assert!(o.validate().is_err());
        assert_eq!(
            ScanOptions::default().port_list().map(|p| p.len()).ok(),
            Some(1000)
        );
    }
}
