//! The SYN ("half-open") scan: one raw TCP socket per address family sends every SYN and reads
//! every answer. SYN-ACK = open (the kernel, knowing no such connection, resets it for us),
//! RST = closed, silence after the retransmissions = filtered. No socket, connect or close per
//! port, which is what makes it several times cheaper than a connect() scan.

use super::{HostState, PortState, ScanMethod, ScanOptions, attempt, finish};
use crate::error::ProbeError;
use crate::net::io;
use crate::net::socket::needs_raw;
use crate::result::ProbeResult;
use crate::toolkit::{Ctx, Pacer};
use crate::wire::icmp::ipv4_header_len;
use crate::wire::l4::{TcpHeader, tcp_syn};
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use socket2::{Protocol, Type};
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::time::{Duration, Instant};
use tokio::net::UdpSocket;

const UNSENT: u8 = 0;
const PENDING: u8 = 1;
const SETTLED: u8 = 2;

/// SYNs sent between two looks at the answers, so the receive buffer never overflows.
const SEND_BATCH: usize = 256;

/// Opens the raw TCP socket of one family (needs CAP_NET_RAW).
pub(super) fn open(ctx: &Ctx, v6: bool) -> Result<UdpSocket, ProbeError> {
    let sock = ctx
        .net
        .socket(v6, Type::RAW, Protocol::TCP, true)
        .map_err(|e| {
            let detail = "a SYN scan sends and reads TCP segments on a raw socket";
            needs_raw(
                e,
                "scan --method syn",
                detail,
                "\nor scan without privileges with --method connect",
            )
        })?;
    let _ = sock.set_recv_buffer_size(8 << 20);
    let std: std::net::UdpSocket = std::os::fd::OwnedFd::from(sock).into();
    UdpSocket::from_std(std).map_err(|e| ProbeError::io("register the raw TCP socket", e))
}

type Banners<'a> = Pin<Box<dyn Future<Output = ProbeResult> + 'a>>;

/// Runs the SYN scan over `hosts` x `ports` (host after host, so results stream per host).
pub(super) async fn scan(
    hosts: &mut [HostState],
    ports: &[u16],
    socks: &[Option<UdpSocket>; 2],
    opts: &ScanOptions,
    ctx: &Ctx,
) -> Result<(), ProbeError> {
    let nports = ports.len();
    let jobs = hosts.len() * nports;
    let mut port_index = vec![u32::MAX; 65_536];
    for (i, p) in ports.iter().enumerate() {
        port_index[usize::from(*p)] = i as u32;
    }
    let mut by_addr: HashMap<IpAddr, Vec<usize>> = HashMap::new();
    let mut sources = Vec::with_capacity(hosts.len());
    for (h, host) in hosts.iter_mut().enumerate() {
        by_addr.entry(host.addr).or_default().push(h);
        sources.push(match ctx.net.route_source(host.addr) {
            Ok(src) => Some(src),
            Err(e) => {
                host.error = Some(e.to_string());
                None
            }
        });
    }
    let sport: u16 = 20_000 + rand::random::<u16>() % 10_000;
    let cookie: u32 = rand::random();
    let window = if opts.concurrency == 0 {
        4096
    } else {
        opts.concurrency
    };
    let mut state = vec![UNSENT; jobs];
    let mut attempts = vec![0u8; jobs];
    let mut expiry: VecDeque<(Instant, u32, u8)> = VecDeque::new();
    let mut pacer = Pacer::new(opts.rate, Instant::now());
    let mut banners: FuturesUnordered<Banners<'_>> = FuturesUnordered::new();
    let (mut next, mut settled, mut inflight) = (0usize, 0usize, 0usize);
    let mut buf = vec![0u8; 65_536];

    let mut scan = Scan {
        hosts,
        nports,
        ports,
        state: &mut state,
        settled: &mut settled,
        inflight: &mut inflight,
    };
    loop {
        // Answers first: they free room in the window.
        for (fam, sock) in socks.iter().enumerate() {
            let Some(sock) = sock else { continue };
            loop {
                match io::recv_timestamped(sock, &mut buf) {
                    Ok((n, from, _)) => {
                        let seg = if fam == 1 {
                            Some(&buf[..n])
                        } else {
                            ipv4_header_len(&buf[..n]).and_then(|(l, _)| buf.get(l..n))
                        };
                        let Some(h) = seg.and_then(TcpHeader::parse) else {
                            continue;
                        };
                        if h.dport != sport || h.ack != cookie.wrapping_add(1) {
                            continue;
                        }
                        let pidx = port_index[usize::from(h.sport)];
                        let Some(targets) = by_addr.get(&from) else {
                            continue;
                        };
                        if pidx == u32::MAX {
                            continue;
                        }
                        let port_state = if h.flags & (TcpHeader::SYN | TcpHeader::ACK)
                            == TcpHeader::SYN | TcpHeader::ACK
                        {
                            PortState::Open(None)
                        } else if h.flags & TcpHeader::RST != 0 {
                            PortState::Closed
                        } else {
                            continue;
                        };
                        for &host in targets {
                            let job = host * nports + pidx as usize;
                            let st = match &port_state {
                                PortState::Open(_) => PortState::Open(None),
                                _ => PortState::Closed,
                            };
                            if let Some(done) = scan.settle(job, st) {
                                scan.complete(done, opts, ctx, &mut banners);
                            }
                        }
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(_) => break,
                }
            }
        }
        // Retransmit, or give up on, SYNs whose time is over.
        let now = Instant::now();
        while let Some(&(deadline, job, attempt)) = expiry.front() {
            if deadline > now {
                break;
            }
            expiry.pop_front();
            let j = job as usize;
            if scan.state[j] != PENDING || attempts[j] != attempt {
                continue;
            }
            if attempt <= opts.retries && send(&scan, socks, &sources, j, sport, cookie).is_ok() {
                attempts[j] = attempt + 1;
                expiry.push_back((Instant::now() + opts.timeout, job, attempt + 1));
            } else if let Some(done) = scan.settle(j, PortState::Filtered(None)) {
                scan.complete(done, opts, ctx, &mut banners);
            }
        }
        // Send new SYNs while the window and the budget allow, a batch at a time.
        let mut wake = expiry.front().map(|e| e.0);
        let mut sent_now = 0;
        let mut more_now = false;
        while next < jobs && *scan.inflight < window {
            if sent_now == SEND_BATCH {
                more_now = true;
                break;
            }
            if let Err(at) = pacer.grant(Instant::now(), 1) {
                wake = Some(wake.map_or(at, |w| w.min(at)));
                break;
            }
            let j = next;
            let h = j / nports;
            scan.hosts[h].started.get_or_insert_with(Instant::now);
            match send(&scan, socks, &sources, j, sport, cookie) {
                Ok(()) => {
                    next += 1;
                    sent_now += 1;
                    scan.state[j] = PENDING;
                    attempts[j] = 1;
                    *scan.inflight += 1;
                    expiry.push_back((Instant::now() + opts.timeout, j as u32, 1));
                }
                Err(e)
                    if e.kind() == ErrorKind::WouldBlock
                        || e.raw_os_error() == Some(libc::ENOBUFS) =>
                {
                    let at = Instant::now() + Duration::from_millis(1);
                    wake = Some(wake.map_or(at, |w| w.min(at)));
                    break;
                }
                Err(e) => {
                    // Unroutable from here (or no source address): filtered, with the reason.
                    next += 1;
                    scan.state[j] = PENDING;
                    *scan.inflight += 1;
                    let host = &mut scan.hosts[h];
                    host.error.get_or_insert_with(|| e.to_string());
                    if let Some(done) = scan.settle(j, PortState::Filtered(None)) {
                        scan.complete(done, opts, ctx, &mut banners);
                    }
                }
            }
        }
        if *scan.settled == jobs && banners.is_empty() {
            return Ok(());
        }
        if more_now {
            continue;
        }
        let sleep =
            tokio::time::sleep_until(wake.unwrap_or(now + Duration::from_millis(100)).into());
        let readable = |i: usize| async move {
            match &socks[i] {
                Some(s) => s.readable().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            _ = ctx.cancel.cancelled() => return Ok(()),
            Some(result) = banners.next(), if !banners.is_empty() => ctx.emit(result),
            r = readable(0) => r.map_err(|e| ProbeError::io("wait for TCP answers", e))?,
            r = readable(1) => r.map_err(|e| ProbeError::io("wait for TCP answers", e))?,
            _ = sleep => {}
        }
    }
}

/// The per-port bookkeeping of a SYN scan.
struct Scan<'h, 's> {
    hosts: &'h mut [HostState],
    nports: usize,
    ports: &'s [u16],
    state: &'s mut [u8],
    settled: &'s mut usize,
    inflight: &'s mut usize,
}

impl Scan<'_, '_> {
    /// Records a pending port's state; returns the host when that was its last port.
    fn settle(&mut self, job: usize, port_state: PortState) -> Option<usize> {
        if self.state[job] != PENDING {
            return None;
        }
        self.state[job] = SETTLED;
        *self.settled += 1;
        *self.inflight -= 1;
        let (h, port) = (job / self.nports, self.ports[job % self.nports]);
        let host = &mut self.hosts[h];
        host.left -= 1;
        match port_state {
            PortState::Open(_) => host.open.push(port),
            PortState::Closed => host.closed += 1,
            PortState::Filtered(_) => host.filtered += 1,
        }
        (host.left == 0).then_some(h)
    }

    /// A host is done: emit it now, or once its open ports' banners are read.
    fn complete<'a>(
        &mut self,
        h: usize,
        opts: &'a ScanOptions,
        ctx: &'a Ctx,
        banners: &mut FuturesUnordered<Banners<'a>>,
    ) {
        let mut result = finish(&mut self.hosts[h], ScanMethod::Syn);
        if !opts.banners || result.open.is_empty() {
            ctx.emit(ProbeResult::Scan(result));
            return;
        }
        let addr = self.hosts[h].addr;
        banners.push(Box::pin(async move {
            let grabs = result
                .open
                .iter()
                .map(|p| attempt(ctx, h, SocketAddr::new(addr, *p), opts));
            for (_, port, state) in futures::future::join_all(grabs).await {
                if let PortState::Open(Some(b)) = state {
                    result.banners.insert(port.to_string(), b);
                }
            }
            ProbeResult::Scan(result)
        }));
    }
}

fn send(
    scan: &Scan<'_, '_>,
    socks: &[Option<UdpSocket>; 2],
    sources: &[Option<IpAddr>],
    job: usize,
    sport: u16,
    cookie: u32,
) -> std::io::Result<()> {
    let h = job / scan.nports;
    let dst = scan.hosts[h].addr;
    let src = sources[h].ok_or_else(|| std::io::Error::other("no route to host"))?;
    let sock = socks[usize::from(dst.is_ipv6())]
        .as_ref()
        .ok_or_else(|| std::io::Error::other("no raw socket for this address family"))?;
    let pkt = tcp_syn(src, dst, sport, scan.ports[job % scan.nports], cookie);
    io::send_to(sock, &pkt, SocketAddr::new(dst, 0)).map(|_| ())
}
