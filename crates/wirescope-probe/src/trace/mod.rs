//! Traceroute over ICMP, UDP or TCP SYN: every TTL of every target in flight at once (paced by
//! one budget), Paris-style constant flow identifiers so ECMP routers keep a trace on one path,
//! per-hop loss and RTT, many targets concurrently.

pub mod state;

use crate::duration::serde_human;
#[cfg(feature = "clap")]
use crate::duration::{format_duration, parse_duration};
use crate::error::ProbeError;
use crate::net::io;
use crate::net::socket::needs_raw;
use crate::result::{ProbeResult, TraceResult};
use crate::targets::Target;
use crate::toolkit::{Ctx, Pacer, Ready, Resolved, by_family, open_families, resolve_targets};
use crate::wire::icmp::{self, ErrorKind, Icmp};
use crate::wire::l4::{self, TcpHeader};
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use serde::{Deserialize, Serialize};
use socket2::{Protocol, Type};
use state::{Answer, TraceState, Waits};
use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::future::Future;
use std::io::ErrorKind as IoKind;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::time::{Duration, Instant, SystemTime};
use tokio::net::UdpSocket;

/// The kind of packet a trace sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum TraceProtocol {
    #[default]
    Icmp,
    Udp,
    Tcp,
}

impl TraceProtocol {
    pub fn as_str(self) -> &'static str {
        match self {
            TraceProtocol::Icmp => "icmp",
            TraceProtocol::Udp => "udp",
            TraceProtocol::Tcp => "tcp",
        }
    }
}

/// Options of a trace run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
#[serde(default, deny_unknown_fields)]
pub struct TraceOptions {
    /// Probe packets.
    #[cfg_attr(feature = "clap", arg(short = 'P', long, value_enum, default_value_t = TraceOptions::default().protocol))]
    pub protocol: TraceProtocol,
    /// The highest TTL probed.
    #[schema(minimum = 1, maximum = 255)]
    #[cfg_attr(feature = "clap", arg(short = 'm', long, value_name = "N", default_value_t = TraceOptions::default().max_hops, value_parser = crate::flags::parse_ttl))]
    pub max_hops: u8,
    /// The first TTL probed.
    #[schema(minimum = 1, maximum = 255)]
    #[cfg_attr(feature = "clap", arg(long, value_name = "N", default_value_t = TraceOptions::default().first_hop, value_parser = crate::flags::parse_ttl))]
    pub first_hop: u8,
    /// Destination port for UDP (default 33434) and TCP (default 80).
    #[schema(minimum = 1, maximum = 65535)]
    #[cfg_attr(feature = "clap", arg(short = 'p', long, value_name = "PORT"))]
    pub port: Option<u16>,
    /// Probes per hop.
    #[schema(minimum = 1, maximum = 10)]
    #[cfg_attr(feature = "clap", arg(short = 'q', long, value_name = "N", default_value_t = TraceOptions::default().queries))]
    pub queries: u8,
    /// Flows each TTL's probes are spread over (probe q goes out on flow q mod N), each flow
    /// with its own constant identifier, Paris-style: 1 keeps a trace on one ECMP path; more
    /// meet load-balanced alternates, every address that answered listed at its hop. At most
    /// `queries`.
    #[schema(minimum = 1, maximum = 10)]
    #[cfg_attr(feature = "clap", arg(long, value_name = "N", default_value_t = TraceOptions::default().flows))]
    pub flows: u8,
    /// The longest a probe is waited for (and the whole wait while nothing has answered).
    #[serde(with = "serde_human")]
    #[schema(value_type = crate::duration::DurationSchema)]
    #[cfg_attr(feature = "clap", arg(short = 't', long, value_name = "DURATION", default_value = format_duration(TraceOptions::default().timeout), value_parser = parse_duration))]
    pub timeout: Duration,
    /// Once the path answers, a probe is waited for this many times the slowest answer at its
    /// own TTL (traceroute's HERE; 0: the timeout).
    #[schema(minimum = 0, maximum = 1000)]
    #[cfg_attr(feature = "clap", arg(long, value_name = "N", default_value_t = TraceOptions::default().wait_here))]
    pub wait_here: f64,
    /// ...or, when its TTL has not answered, this many times the slowest answer at any TTL
    /// (traceroute's NEAR; 0: the timeout).
    #[schema(minimum = 0, maximum = 1000)]
    #[cfg_attr(feature = "clap", arg(long, value_name = "N", default_value_t = TraceOptions::default().wait_near))]
    pub wait_near: f64,
    /// The shortest adaptive wait.
    #[serde(with = "serde_human")]
    #[schema(value_type = crate::duration::DurationSchema)]
    #[cfg_attr(feature = "clap", arg(long, value_name = "DURATION", default_value = format_duration(TraceOptions::default().wait_min), value_parser = parse_duration))]
    pub wait_min: Duration,
    /// Probes per second over the whole run (0: unlimited).
    #[cfg_attr(feature = "clap", arg(long, value_name = "PPS", default_value_t = TraceOptions::default().rate))]
    pub rate: u32,
    /// Look up the reverse names of the hops.
    #[cfg_attr(feature = "clap", arg(short = 'r', long))]
    pub resolve: bool,
}

impl Default for TraceOptions {
    fn default() -> Self {
        TraceOptions {
            protocol: TraceProtocol::Icmp,
            max_hops: 30,
            first_hop: 1,
            port: None,
            queries: 3,
            flows: 1,
            timeout: Duration::from_secs(2),
            wait_here: 3.0,
            wait_near: 10.0,
            wait_min: Duration::from_millis(50),
            rate: 10_000,
            resolve: false,
        }
    }
}

impl TraceOptions {
    pub fn validate(&self) -> Result<(), ProbeError> {
        let bad = |m: &str| Err(ProbeError::Options(m.to_string()));
        if self.max_hops == 0 {
            return bad("max-hops must be between 1 and 255");
        }
        if self.first_hop == 0 || self.first_hop > self.max_hops {
            return bad("first-hop must be between 1 and max-hops");
        }
        if !(1..=10).contains(&self.queries) {
            return bad("queries must be between 1 and 10");
        }
        if self.flows == 0 || self.flows > self.queries {
            return Err(ProbeError::Options(format!(
                "flows must be between 1 and queries ({}): each flow needs a probe per hop",
                self.queries
            )));
        }
        if self.timeout.is_zero() {
            return bad("timeout must be above zero");
        }
        for (name, f) in [("wait-here", self.wait_here), ("wait-near", self.wait_near)] {
            if !(0.0..=1000.0).contains(&f) {
                return Err(ProbeError::Options(format!(
                    "{name} must be between 0 (off: the timeout) and 1000 (times the RTT)"
                )));
            }
        }
        if self.wait_min > self.timeout {
            return bad("wait-min cannot be above the timeout");
        }
        if self.port == Some(0) {
            return bad("port must be between 1 and 65535");
        }
        Ok(())
    }

    /// The wait rules the state machine applies.
    pub fn waits(&self) -> Waits {
        Waits {
            timeout: self.timeout,
            here: self.wait_here,
            near: self.wait_near,
            min: self.wait_min,
        }
    }

    fn dport(&self) -> u16 {
        self.port.unwrap_or(match self.protocol {
            TraceProtocol::Tcp => 80,
            _ => 33434,
        })
    }
}

/// Probes sent between two reads of the answers.
const SEND_BATCH: usize = 8;

/// The raw sockets of one address family.
#[derive(Debug)]
struct Sockets {
    v6: bool,
    /// Receives ICMP answers (and sends ICMP probes).
    icmp: UdpSocket,
    /// Sends UDP or TCP probes; for TCP also receives the destination's SYN-ACK or RST.
    l4: Option<UdpSocket>,
}

fn raw(ctx: &Ctx, v6: bool, proto: Protocol) -> Result<UdpSocket, ProbeError> {
    let sock = ctx.net.socket(v6, Type::RAW, proto, true).map_err(|e| {
        let detail =
            "raw sockets are needed to send probes with chosen TTLs and read the ICMP answers";
        needs_raw(e, "trace", detail, "")
    })?;
    let _ = sock.set_recv_buffer_size(4 << 20);
    let std: std::net::UdpSocket = std::os::fd::OwnedFd::from(sock).into();
    let sock = UdpSocket::from_std(std).map_err(|e| ProbeError::io("register a raw socket", e))?;
    io::enable_rx_timestamps(&sock);
    Ok(sock)
}

fn open(ctx: &Ctx, v6: bool, proto: TraceProtocol) -> Result<Sockets, ProbeError> {
    let icmp = raw(
        ctx,
        v6,
        if v6 {
            Protocol::ICMPV6
        } else {
            Protocol::ICMPV4
        },
    )?;
    let l4 = match proto {
        TraceProtocol::Icmp => None,
        TraceProtocol::Udp => Some(raw(ctx, v6, Protocol::UDP)?),
        TraceProtocol::Tcp => Some(raw(ctx, v6, Protocol::TCP)?),
    };
    Ok(Sockets { v6, icmp, l4 })
}

/// Runs traces to every target.
pub async fn run(
    targets: Vec<Target>,
    opts: TraceOptions,
    ctx: &Ctx,
    ready: &mut Ready,
) -> Result<(), ProbeError> {
    ready.check(opts.validate())?;
    let sockets = open_families(&targets, ready, |v6| open(ctx, v6, opts.protocol))?;
    ready.go();

    let (resolved, failed) = resolve_targets(targets, ctx).await;
    for (t, why) in failed {
        ctx.emit(ProbeResult::Trace(TraceResult {
            target: t.spec,
            addr: None,
            protocol: opts.protocol.as_str().into(),
            reached: false,
            hops: Vec::new(),
            error: Some(why),
        }));
    }
    let pacer = RefCell::new(Pacer::new(opts.rate, Instant::now()));
    let (opts, pacer) = (&opts, &pacer);
    let unavailable = |r: Resolved| {
        ctx.emit(ProbeResult::Trace(TraceResult {
            target: r.target.spec,
            addr: Some(r.addr),
            protocol: opts.protocol.as_str().into(),
            reached: false,
            hops: Vec::new(),
            error: Some("IPv6 is not available".into()),
        }))
    };
    by_family(
        resolved,
        &sockets,
        unavailable,
        |sock, targets| async move { Family::new(sock, targets, opts, ctx)?.run(ctx, pacer).await },
    )
    .await
}

#[derive(Debug)]
struct TargetTrace {
    resolved: Resolved,
    state: TraceState,
    src: IpAddr,
    /// The source port of its first flow (its others follow it).
    sport: u16,
    done: bool,
}

type Naming = Pin<Box<dyn Future<Output = TraceResult>>>;

/// The trace engine of one address family.
#[derive(Debug)]
struct Family<'a> {
    socks: &'a Sockets,
    opts: &'a TraceOptions,
    targets: Vec<TargetTrace>,
    by_addr: HashMap<IpAddr, Vec<usize>>,
    /// Send order: round by round (query), TTL by TTL, target by target; a linear position.
    cursor: usize,
    hops: usize,
    /// When to look at a target again (the earliest first; stale entries are skipped).
    deadlines: BinaryHeap<Reverse<(Instant, usize)>>,
    ident: u16,
    cookie: u16,
    remaining: usize,
    waits: Waits,
}

impl<'a> Family<'a> {
    fn new(
        socks: &'a Sockets,
        targets: Vec<Resolved>,
        opts: &'a TraceOptions,
        ctx: &Ctx,
    ) -> Result<Self, ProbeError> {
        let base: u16 = 33_000 + (rand::random::<u16>() % 8_000);
        let mut by_addr: HashMap<IpAddr, Vec<usize>> = HashMap::new();
        let mut list = Vec::with_capacity(targets.len());
        for (i, r) in targets.into_iter().enumerate() {
            let src = if opts.protocol == TraceProtocol::Icmp {
                r.addr
            } else {
                ctx.net.route_source(r.addr)?
            };
            by_addr.entry(r.addr).or_default().push(i);
            list.push(TargetTrace {
                resolved: r,
                state: TraceState::new(opts.first_hop, opts.max_hops, opts.queries),
                src,
                sport: base.wrapping_add(((i * usize::from(opts.flows)) % 24_000) as u16),
                done: false,
            });
        }
        Ok(Family {
            socks,
            opts,
            remaining: list.len(),
            targets: list,
            by_addr,
            cursor: 0,
            hops: usize::from(opts.max_hops - opts.first_hop) + 1,
            deadlines: BinaryHeap::new(),
            ident: rand::random(),
            cookie: rand::random(),
            waits: opts.waits(),
        })
    }

    fn total_positions(&self) -> usize {
        usize::from(self.opts.queries) * self.hops * self.targets.len()
    }

    fn position(&self, q: u8, ttl: u8, t: usize) -> usize {
        (usize::from(q) * self.hops + usize::from(ttl - self.opts.first_hop)) * self.targets.len()
            + t
    }

    /// Whether every probe this target will get has been sent.
    fn sending_finished(&self, t: usize) -> bool {
        let end = self.targets[t]
            .state
            .end_ttl()
            .unwrap_or(self.opts.max_hops);
        self.cursor > self.position(self.opts.queries - 1, end, t)
    }

    async fn run(mut self, ctx: &Ctx, pacer: &RefCell<Pacer>) -> Result<(), ProbeError> {
        let mut buf = vec![0u8; 65_536];
        let mut naming: FuturesUnordered<Naming> = FuturesUnordered::new();
        while self.remaining > 0 || !naming.is_empty() {
            self.drain(&mut buf, ctx, &mut naming);
            let now = Instant::now();
            let mut wake = self.send_due(now, pacer);
            let now = Instant::now();
            let wall = SystemTime::now();
            while let Some(&Reverse((deadline, t))) = self.deadlines.peek() {
                if deadline > now {
                    break;
                }
                self.deadlines.pop();
                let tt = &self.targets[t];
                let settled = tt
                    .state
                    .awaited_until(&self.waits)
                    .is_none_or(|until| until <= wall);
                if tt.done || !self.sending_finished(t) {
                    continue;
                }
                if settled {
                    self.finish(t, ctx, &mut naming);
                } else if let Some(until) = tt.state.awaited_until(&self.waits) {
                    // Still awaited (a slower answer lengthened the waits): look again then.
                    let left = until.duration_since(wall).unwrap_or(Duration::ZERO);
                    self.deadlines.push(Reverse((now + left, t)));
                }
            }
            if let Some(&Reverse((d, _))) = self.deadlines.peek() {
                wake = Some(wake.map_or(d, |w| w.min(d)));
            }
            if self.remaining == 0 && naming.is_empty() {
                break;
            }
            let sleep =
                tokio::time::sleep_until(wake.unwrap_or(now + Duration::from_millis(100)).into());
            let l4_readable = async {
                match (&self.socks.l4, self.opts.protocol) {
                    (Some(s), TraceProtocol::Tcp) => s.readable().await,
                    _ => std::future::pending().await,
                }
            };
            tokio::select! {
                biased;
                _ = ctx.cancel.cancelled() => return Ok(()),
                Some(result) = naming.next(), if !naming.is_empty() => ctx.emit(ProbeResult::Trace(result)),
                r = self.socks.icmp.readable() => r.map_err(|e| ProbeError::io("wait for ICMP answers", e))?,
                r = l4_readable => r.map_err(|e| ProbeError::io("wait for TCP answers", e))?,
                _ = sleep => {}
            }
        }
        Ok(())
    }

    /// Sends what the budget allows, at most `SEND_BATCH` probes before the answers waiting
    /// are read (so a path's end, once answered, stops the probes beyond it: fewer probes spend
    /// the destination's ICMP rate limit); returns when to come back for more.
    fn send_due(&mut self, now: Instant, pacer: &RefCell<Pacer>) -> Option<Instant> {
        let total = self.total_positions();
        let n = self.targets.len();
        let mut sent = 0;
        while self.cursor < total {
            if sent == SEND_BATCH {
                return Some(now);
            }
            let pos = self.cursor;
            let t = pos % n;
            let ttl = ((pos / n) % self.hops) as u8 + self.opts.first_hop;
            let q = (pos / (n * self.hops)) as u8;
            if self.targets[t].done || !self.targets[t].state.wants(ttl) {
                self.cursor += 1;
                continue;
            }
            if let Err(at) = pacer.borrow_mut().grant(now, 1) {
                return Some(at);
            }
            let wall = SystemTime::now();
            match self.send(t, ttl, q) {
                Ok(()) => {
                    sent += 1;
                    let at = Instant::now();
                    self.targets[t].state.on_sent(ttl, q, wall);
                    let wait = self.targets[t].state.wait_for(ttl, &self.waits);
                    self.deadlines.push(Reverse((at + wait, t)));
                    self.cursor += 1;
                }
                Err(e)
                    if e.kind() == IoKind::WouldBlock
                        || e.raw_os_error() == Some(libc::ENOBUFS) =>
                {
                    return Some(now + Duration::from_millis(1));
                }
                // Unroutable from here: the probe is lost, the trace goes on.
                Err(_) => self.cursor += 1,
            }
        }
        None
    }

    fn send(&self, t: usize, ttl: u8, q: u8) -> std::io::Result<()> {
        let tt = &self.targets[t];
        let dst = tt.resolved.addr;
        let id = tt.state.probe_id(ttl, q);
        let flow = u16::from(q % self.opts.flows.max(1));
        let sport = tt.sport.wrapping_add(flow);
        let (sock, pkt) = match self.opts.protocol {
            TraceProtocol::Icmp => {
                // Paris for ICMP: the two steering bytes cancel the sequence number in the checksum,
                // so identifier and checksum (what ICMP-hashing balancers look at) stay constant
                // within a flow; each flow's checksum differs by its number.
                let steer = 0xffff_u16.wrapping_sub(id).wrapping_sub(flow);
                let mut payload = steer.to_be_bytes().to_vec();
                payload.extend_from_slice(b"wirescope-trace-");
                (
                    &self.socks.icmp,
                    icmp::echo_request(self.socks.v6, self.ident, id, &payload),
                )
            }
            TraceProtocol::Udp => (
                self.l4_sock()?,
                l4::udp_paris(tt.src, dst, sport, self.opts.dport(), id, 12),
            ),
            TraceProtocol::Tcp => {
                let seq = (u32::from(self.cookie) << 16) | u32::from(id);
                (
                    self.l4_sock()?,
                    l4::tcp_syn(tt.src, dst, sport, self.opts.dport(), seq),
                )
            }
        };
        set_ttl(sock, self.socks.v6, ttl)?;
        io::send_to(sock, &pkt, SocketAddr::new(dst, 0)).map(|_| ())
    }

    fn l4_sock(&self) -> std::io::Result<&UdpSocket> {
        self.socks
            .l4
            .as_ref()
            .ok_or_else(|| std::io::Error::other("no socket for the probe protocol"))
    }

    fn drain(&mut self, buf: &mut [u8], ctx: &Ctx, naming: &mut FuturesUnordered<Naming>) {
        loop {
            match io::recv_timestamped(&self.socks.icmp, buf) {
                Ok((n, from, at)) => {
                    if let Some((t, id, from, kind)) = self.match_icmp(&buf[..n], from) {
                        self.answer(t, id, from, kind, at, ctx, naming);
                    }
                }
                Err(e) if e.kind() == IoKind::WouldBlock => break,
                Err(_) => continue,
            }
        }
        if self.opts.protocol != TraceProtocol::Tcp {
            return;
        }
        let Some(sock) = &self.socks.l4 else { return };
        loop {
            match io::recv_timestamped(sock, buf) {
                Ok((n, from, at)) => {
                    if let Some((t, id)) = self.match_tcp(&buf[..n], from) {
                        self.answer(t, id, from, Answer::Destination, at, ctx, naming);
                    }
                }
                Err(e) if e.kind() == IoKind::WouldBlock => break,
                Err(_) => continue,
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn answer(
        &mut self,
        targets: Vec<usize>,
        id: u16,
        from: IpAddr,
        kind: Answer,
        at: SystemTime,
        ctx: &Ctx,
        naming: &mut FuturesUnordered<Naming>,
    ) {
        for t in targets {
            let tt = &mut self.targets[t];
            let Some((ttl, q)) = tt.state.from_probe_id(id) else {
                continue;
            };
            if tt.done || !tt.state.on_answer(ttl, q, from, kind, at) {
                continue;
            }
            if self.targets[t].state.answered_to_end() && self.sending_finished(t) {
                self.finish(t, ctx, naming);
            } else if let Some(until) = self.targets[t].state.awaited_until(&self.waits) {
                // An answer shortens the waits: look again when the new ones run out.
                let left = until
                    .duration_since(SystemTime::now())
                    .unwrap_or(Duration::ZERO);
                self.deadlines.push(Reverse((Instant::now() + left, t)));
            }
        }
    }

    /// Whether a source port is one of target `t`'s flows.
    fn owns_sport(&self, t: usize, sport: u16) -> bool {
        sport.wrapping_sub(self.targets[t].sport) < u16::from(self.opts.flows.max(1))
    }

    /// Matches an ICMP message to (targets, probe id, who answered, what it means).
    fn match_icmp(&self, pkt: &[u8], from: IpAddr) -> Option<(Vec<usize>, u16, IpAddr, Answer)> {
        let v6 = self.socks.v6;
        let (msg, _) = icmp::parse(pkt, v6, !v6)?;
        match msg {
            Icmp::EchoReply { ident, seq, .. } => {
                if self.opts.protocol != TraceProtocol::Icmp || ident != self.ident {
                    return None;
                }
                Some((
                    self.by_addr.get(&from)?.clone(),
                    seq,
                    from,
                    Answer::Destination,
                ))
            }
            Icmp::Error { kind, quoted, .. } => {
                let targets = self.by_addr.get(&quoted.dst)?;
                let l4 = quoted.l4;
                let id = match self.opts.protocol {
                    TraceProtocol::Icmp => {
                        let want = if v6 {
                            icmp::PROTO_ICMPV6
                        } else {
                            icmp::PROTO_ICMP
                        };
                        if quoted.proto != want || u16::from_be_bytes([l4[4], l4[5]]) != self.ident
                        {
                            return None;
                        }
                        u16::from_be_bytes([l4[6], l4[7]])
                    }
                    TraceProtocol::Udp => {
                        if quoted.proto != icmp::PROTO_UDP
                            || u16::from_be_bytes([l4[2], l4[3]]) != self.opts.dport()
                        {
                            return None;
                        }
                        u16::from_be_bytes([l4[6], l4[7]])
                    }
                    TraceProtocol::Tcp => {
                        if quoted.proto != icmp::PROTO_TCP
                            || u16::from_be_bytes([l4[4], l4[5]]) != self.cookie
                        {
                            return None;
                        }
                        u16::from_be_bytes([l4[6], l4[7]])
                    }
                };
                let sport = u16::from_be_bytes([l4[0], l4[1]]);
                let targets: Vec<usize> = targets
                    .iter()
                    .copied()
                    .filter(|&t| {
                        self.opts.protocol == TraceProtocol::Icmp || self.owns_sport(t, sport)
                    })
                    .collect();
                let answer = match kind {
                    ErrorKind::TimeExceeded => Answer::Hop,
                    ErrorKind::Unreachable(_) | ErrorKind::PacketTooBig if from == quoted.dst => {
                        Answer::Destination
                    }
                    ErrorKind::Unreachable(_) | ErrorKind::PacketTooBig => {
                        Answer::Unreachable(icmp::describe(kind, v6))
                    }
                };
                Some((targets, id, from, answer))
            }
            Icmp::Other { .. } => None,
        }
    }

    /// Matches the destination's SYN-ACK or RST to our SYN.
    fn match_tcp(&self, pkt: &[u8], from: IpAddr) -> Option<(Vec<usize>, u16)> {
        let seg = if self.socks.v6 {
            pkt
        } else {
            pkt.get(icmp::ipv4_header_len(pkt)?.0..)?
        };
        let h = TcpHeader::parse(seg)?;
        if h.sport != self.opts.dport() || h.flags & (TcpHeader::RST | TcpHeader::SYN) == 0 {
            return None;
        }
        let acked = h.ack.wrapping_sub(1);
        if (acked >> 16) as u16 != self.cookie {
            return None;
        }
        let targets: Vec<usize> = self
            .by_addr
            .get(&from)?
            .iter()
            .copied()
            .filter(|&t| self.owns_sport(t, h.dport))
            .collect();
        Some((targets, acked as u16))
    }

    fn finish(&mut self, t: usize, ctx: &Ctx, naming: &mut FuturesUnordered<Naming>) {
        let tt = &mut self.targets[t];
        if tt.done {
            return;
        }
        tt.done = true;
        self.remaining -= 1;
        let result = TraceResult {
            target: tt.resolved.target.spec.clone(),
            addr: Some(tt.resolved.addr),
            protocol: self.opts.protocol.as_str().into(),
            reached: tt.state.reached(),
            hops: tt.state.hops(),
            error: tt.state.unreachable(),
        };
        if !self.opts.resolve {
            ctx.emit(ProbeResult::Trace(result));
            return;
        }
        let net = ctx.net.clone();
        naming.push(Box::pin(async move {
            let mut result = result;
            let addrs: Vec<IpAddr> = result.hops.iter().filter_map(|h| h.addr).collect();
            let names = crate::dns::resolve::reverse_names(&addrs, &net).await;
            for h in &mut result.hops {
                h.name = h.addr.and_then(|a| names.get(&a).cloned());
            }
            result
        }));
    }
}

fn set_ttl(sock: &UdpSocket, v6: bool, ttl: u8) -> std::io::Result<()> {
    let sref = socket2::SockRef::from(sock);
    if v6 {
        sref.set_unicast_hops_v6(u32::from(ttl))
    } else {
        sref.set_ttl_v4(u32::from(ttl))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flows_need_a_probe_each_per_hop() {
        let opts = |queries, flows| TraceOptions {
            queries,
            flows,
            ..Default::default()
        };
        assert!(opts(3, 1).validate().is_ok());
        assert!(opts(8, 8).validate().is_ok());
        for (q, f) in [(3, 4), (3, 0)] {
            assert_eq!(
                opts(q, f).validate().map_err(|e| e.to_string()),
                Err(
                    "flows must be between 1 and queries (3): each flow needs a probe per hop"
                        .into()
                )
            );
        }
    }
}
