//! ICMP/ICMPv6 echo over many targets: one shared socket per address family, probes numbered in a
//! dense table, one send budget, results emitted per target as soon as its last probe is settled.
//! Total time is about max(timeout, targets / rate), never targets x timeout. The bookkeeping is
//! the pure state machine in `state`; this module does the sockets.

pub mod state;

use crate::duration::serde_human;
#[cfg(feature = "clap")]
use crate::duration::{format_duration, parse_duration};
use crate::error::ProbeError;
use crate::net::NetError;
use crate::net::io;
use crate::net::socket::{exe_path, is_permission};
use crate::result::{PingResult, ProbeResult};
use crate::targets::Target;
use crate::toolkit::{Ctx, Pacer, Ready, Resolved, by_family, open_families, resolve_targets};
use crate::wire::icmp::{self, Icmp};
use serde::{Deserialize, Serialize};
use socket2::{Protocol, Type};
use state::{Due, PingState, Plan};
use std::cell::RefCell;
use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant, SystemTime};
use tokio::net::UdpSocket;

/// Options of a ping run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
#[serde(default, deny_unknown_fields)]
pub struct PingOptions {
    /// Echo requests per target.
    #[schema(minimum = 1, maximum = 100_000)]
    #[cfg_attr(feature = "clap", arg(short = 'c', long, value_name = "N", default_value_t = PingOptions::default().count))]
    pub count: u32,
    /// Time between two requests to the same target.
    #[serde(with = "serde_human")]
    #[schema(value_type = crate::duration::DurationSchema)]
    #[cfg_attr(feature = "clap", arg(short = 'i', long, value_name = "DURATION", default_value = format_duration(PingOptions::default().interval), value_parser = parse_duration))]
    pub interval: Duration,
    /// How long to wait for each reply (e.g. 500ms, 3s).
    #[serde(with = "serde_human")]
    #[schema(value_type = crate::duration::DurationSchema)]
    #[cfg_attr(feature = "clap", arg(short = 't', long, value_name = "DURATION", default_value = format_duration(PingOptions::default().timeout), value_parser = parse_duration))]
    pub timeout: Duration,
    /// Payload bytes per request.
    #[schema(maximum = 65_000)]
    #[cfg_attr(feature = "clap", arg(short = 's', long, value_name = "BYTES", default_value_t = PingOptions::default().size))]
    pub size: usize,
    /// TTL (hop limit) of the requests.
    #[schema(minimum = 1, maximum = 255)]
    #[cfg_attr(feature = "clap", arg(long, value_name = "N", value_parser = crate::flags::parse_ttl))]
    pub ttl: Option<u8>,
    /// Packets per second over the whole run (0: unlimited).
    #[cfg_attr(feature = "clap", arg(long, value_name = "PPS", default_value_t = PingOptions::default().rate))]
    pub rate: u32,
    /// Use unprivileged ICMP sockets even when raw sockets are allowed.
    #[cfg_attr(feature = "clap", arg(long))]
    pub unprivileged: bool,
}

impl Default for PingOptions {
    fn default() -> Self {
        PingOptions {
            count: 1,
            interval: Duration::from_secs(1),
            timeout: Duration::from_secs(1),
            size: 56,
            ttl: None,
            rate: 10_000,
            unprivileged: false,
        }
    }
}

impl PingOptions {
    pub fn validate(&self) -> Result<(), ProbeError> {
        let bad = |m: &str| Err(ProbeError::Options(m.to_string()));
        if !(1..=100_000).contains(&self.count) {
            return bad("count must be between 1 and 100000");
        }
        if self.size > 65_000 {
            return bad("size must be at most 65000 bytes");
        }
        if self.timeout.is_zero() {
            return bad("timeout must be above zero");
        }
        if self.interval < Duration::from_millis(1) {
            return bad("interval must be at least 1ms");
        }
        if self.ttl == Some(0) {
            return bad("ttl must be between 1 and 255");
        }
        Ok(())
    }
}

/// One family's ICMP socket and how it behaves.
#[derive(Debug)]
struct IcmpSocket {
    sock: UdpSocket,
    v6: bool,
    /// Raw sockets see every ICMP message (and, for IPv4, the IP header); datagram sockets only
    /// their own replies, with the identifier chosen by the kernel.
    raw: bool,
    ident: u16,
}

fn open(v6: bool, opts: &PingOptions, ctx: &Ctx) -> Result<IcmpSocket, ProbeError> {
    let proto = if v6 {
        Protocol::ICMPV6
    } else {
        Protocol::ICMPV4
    };
    let raw = if opts.unprivileged {
        Err(None)
    } else {
        ctx.net.socket(v6, Type::RAW, proto, true).map_err(Some)
    };
    let (sock, raw) = match raw {
        Ok(s) => (s, true),
        Err(None) => (
            ctx.net
                .socket(v6, Type::DGRAM, proto, true)
                .map_err(|e| privilege(e, v6))?,
            false,
        ),
        Err(Some(e)) if is_permission(&e) => (
            ctx.net
                .socket(v6, Type::DGRAM, proto, true)
                .map_err(|e| privilege(e, v6))?,
            false,
        ),
        Err(Some(e)) => return Err(e.into()),
    };
    if let Some(ttl) = opts.ttl {
        let r = if v6 {
            sock.set_unicast_hops_v6(u32::from(ttl))
        } else {
            sock.set_ttl_v4(u32::from(ttl))
        };
        r.map_err(|e| ProbeError::io("set the TTL", e))?;
    }
    // Room for a burst of thousands of replies while the loop is busy sending.
    let _ = sock.set_recv_buffer_size(8 << 20);
    force_buffer(&sock, libc::SO_RCVBUFFORCE, 8 << 20);
    let _ = sock.set_send_buffer_size(4 << 20);
    if v6 && raw {
        filter_icmpv6(&sock);
    }
    let ident = if raw { rand::random() } else { 0 };
    let std: std::net::UdpSocket = std::os::fd::OwnedFd::from(sock).into();
    let sock =
        UdpSocket::from_std(std).map_err(|e| ProbeError::io("register the ICMP socket", e))?;
    io::enable_rx_timestamps(&sock);
    Ok(IcmpSocket {
        sock,
        v6,
        raw,
        ident,
    })
}

fn privilege(e: NetError, v6: bool) -> NetError {
    if !is_permission(&e) {
        return e;
    }
    let range = std::fs::read_to_string("/proc/sys/net/ipv4/ping_group_range").unwrap_or_default();
    NetError::Privilege {
        what: if v6 { "ping (ICMPv6)" } else { "ping" },
        detail: format!(
            "raw ICMP sockets are not permitted, and unprivileged ICMP is not allowed for this group: net.ipv4.ping_group_range = \"{}\"",
            range.split_whitespace().collect::<Vec<_>>().join(" ")
        ),
        exe: exe_path(),
        hint: "\nor allow unprivileged ICMP for all groups with:\n    sudo sysctl -w net.ipv4.ping_group_range=\"0 2147483647\"",
    }
}

fn force_buffer(sock: &socket2::Socket, opt: libc::c_int, size: libc::c_int) {
    use std::os::fd::AsRawFd;
    // SAFETY: setsockopt with a valid descriptor and a c_int option value of the right size.
    // Failing (without CAP_NET_ADMIN) leaves the buffer at the size set above.
    unsafe {
        libc::setsockopt(
            sock.as_raw_fd(),
            libc::SOL_SOCKET,
            opt,
            (&size as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}

/// Lets only echo replies and errors through a raw ICMPv6 socket (not neighbour discovery chatter).
fn filter_icmpv6(sock: &socket2::Socket) {
    use std::os::fd::AsRawFd;
    let mut filter = [u32::MAX; 8]; // a set bit blocks that type
    for ty in [
        icmp::V6_ECHO_REPLY,
        icmp::V6_UNREACHABLE,
        icmp::V6_TIME_EXCEEDED,
        icmp::V6_TOO_BIG,
    ] {
        filter[usize::from(ty >> 5)] &= !(1u32 << (ty & 31));
    }
    // SAFETY: ICMP6_FILTER (1) at level IPPROTO_ICMPV6 takes a 32-byte bitmap, which `filter` is.
    unsafe {
        libc::setsockopt(
            sock.as_raw_fd(),
            libc::IPPROTO_ICMPV6,
            1,
            filter.as_ptr().cast(),
            std::mem::size_of_val(&filter) as libc::socklen_t,
        );
    }
}

/// Runs ping over the targets.
pub async fn run(
    targets: Vec<Target>,
    opts: PingOptions,
    ctx: &Ctx,
    ready: &mut Ready,
) -> Result<(), ProbeError> {
    ready.check(opts.validate())?;
    let sockets = open_families(&targets, ready, |v6| open(v6, &opts, ctx))?;
    ready.go();

    let (resolved, failed) = resolve_targets(targets, ctx).await;
    for (t, why) in failed {
        ctx.emit(ProbeResult::Ping(unanswered(&t, None, why)));
    }
    let pacer = RefCell::new(Pacer::new(opts.rate, Instant::now()));
    let (opts, pacer) = (&opts, &pacer);
    let unavailable = |r: Resolved| {
        let why = "IPv6 is not available".to_string();
        ctx.emit(ProbeResult::Ping(unanswered(&r.target, Some(r.addr), why)));
    };
    by_family(resolved, &sockets, unavailable, |sock, targets| {
        Family::new(sock, targets, opts).run(ctx, pacer)
    })
    .await
}

fn unanswered(t: &Target, addr: Option<IpAddr>, why: String) -> PingResult {
    PingResult {
        target: t.spec.clone(),
        addr,
        alive: false,
        sent: 0,
        received: 0,
        loss_pct: 100.0,
        rtt_ms: None,
        rtts_ms: Vec::new(),
        error: Some(why),
    }
}

/// One family's socket driving its state machine.
#[derive(Debug)]
struct Family<'a> {
    sock: &'a IcmpSocket,
    state: PingState,
}

impl<'a> Family<'a> {
    fn new(sock: &'a IcmpSocket, targets: Vec<Resolved>, opts: &PingOptions) -> Self {
        let plan = Plan {
            count: opts.count,
            interval: opts.interval,
            timeout: opts.timeout,
            size: opts.size,
        };
        Family {
            sock,
            state: PingState::new(targets, plan, rand::random(), Instant::now()),
        }
    }

    async fn run(mut self, ctx: &Ctx, pacer: &RefCell<Pacer>) -> Result<(), ProbeError> {
        let mut buf = vec![0u8; 65_536];
        let mut write_blocked = false;
        while self.state.remaining() > 0 {
            self.drain(&mut buf, ctx);
            let now = Instant::now();
            for r in self.state.expire(now) {
                ctx.emit(ProbeResult::Ping(r));
            }
            let mut wake = self.state.next_deadline();
            if !write_blocked {
                match self.send_due(now, pacer, ctx) {
                    Ok(Some(at)) => wake = Some(wake.map_or(at, |w| w.min(at))),
                    Ok(None) => {}
                    Err(()) => write_blocked = true,
                }
            }
            if self.state.remaining() == 0 {
                break;
            }
            let sleep =
                tokio::time::sleep_until(wake.unwrap_or(now + Duration::from_secs(1)).into());
            tokio::select! {
                biased;
                _ = ctx.cancel.cancelled() => return Ok(()),
                r = self.sock.sock.readable() => r.map_err(|e| ProbeError::io("wait for ICMP replies", e))?,
                r = self.sock.sock.writable(), if write_blocked => {
                    r.map_err(|e| ProbeError::io("wait to send", e))?;
                    write_blocked = false;
                }
                _ = sleep => {}
            }
        }
        Ok(())
    }

    /// Sends every due probe the budget allows. Returns when to come back, or Err when the
    /// socket is full.
    fn send_due(
        &mut self,
        now: Instant,
        pacer: &RefCell<Pacer>,
        ctx: &Ctx,
    ) -> Result<Option<Instant>, ()> {
        loop {
            let t = match self.state.due(now) {
                Due::Idle => return Ok(None),
                Due::At(at) => return Ok(Some(at)),
                Due::Send(t) => t,
            };
            if let Err(at) = pacer.borrow_mut().grant(now, 1) {
                return Ok(Some(at));
            }
            let probe = self.state.probe(t);
            let pkt = icmp::echo_request(
                self.sock.v6,
                self.sock.ident,
                probe.number as u16,
                &probe.payload,
            );
            let sent_at = SystemTime::now();
            let now = Instant::now();
            match io::send_to(&self.sock.sock, &pkt, SocketAddr::new(probe.addr, 0)) {
                Ok(_) => self.state.sent(t, sent_at, now),
                Err(e)
                    if e.kind() == ErrorKind::WouldBlock
                        || e.raw_os_error() == Some(libc::ENOBUFS) =>
                {
                    return Err(());
                }
                Err(e) => {
                    if let Some(r) = self.state.send_failed(t, e.to_string(), now) {
                        ctx.emit(ProbeResult::Ping(r));
                    }
                }
            }
        }
    }

    fn drain(&mut self, buf: &mut [u8], ctx: &Ctx) {
        loop {
            match io::recv_timestamped(&self.sock.sock, buf) {
                Ok((n, from, at)) => {
                    if let Some(r) = self.on_packet(&buf[..n], from, at) {
                        ctx.emit(ProbeResult::Ping(r));
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                // Errors queued on the socket (an ICMP error for a datagram socket) are not fatal.
                Err(_) => continue,
            }
        }
    }

    /// Hands an echo reply, or an ICMP error quoting one of our requests, to the state machine.
    fn on_packet(&mut self, pkt: &[u8], from: IpAddr, at: SystemTime) -> Option<PingResult> {
        let v6 = self.sock.v6;
        let (msg, _ttl) = icmp::parse(pkt, v6, self.sock.raw && !v6)?;
        match msg {
            Icmp::EchoReply {
                ident,
                seq,
                payload,
            } => {
                if self.sock.raw && ident != self.sock.ident {
                    return None;
                }
                self.state.answer(seq, payload, from, at, None)
            }
            Icmp::Error { kind, quoted, .. } => {
                let expected = if v6 {
                    icmp::PROTO_ICMPV6
                } else {
                    icmp::PROTO_ICMP
                };
                if quoted.proto != expected || quoted.l4.len() < 8 {
                    return None;
                }
                let l4 = quoted.l4;
                let ident = u16::from_be_bytes([l4[4], l4[5]]);
                if self.sock.raw && ident != self.sock.ident {
                    return None;
                }
                let seq = u16::from_be_bytes([l4[6], l4[7]]);
                let why = format!("{} (from {from})", icmp::describe(kind, v6));
                self.state.answer(seq, &l4[8..], quoted.dst, at, Some(why))
            }
            Icmp::Other { .. } => None,
        }
    }
}
