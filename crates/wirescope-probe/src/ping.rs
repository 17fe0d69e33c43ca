//! ICMP/ICMPv6 echo over many targets: one shared socket per address family, probes numbered in a
//! dense table, one send budget, results emitted per target as soon as its last probe is settled.
//! Total time is about max(timeout, targets / rate), never targets x timeout.

use crate::duration::serde_human;
use crate::error::ProbeError;
use crate::net::NetError;
use crate::net::io;
use crate::net::socket::{exe_path, is_permission};
use crate::result::{PingResult, ProbeResult};
use crate::stats::{RttStats, round_ms};
use crate::targets::Target;
use crate::toolkit::{Ctx, Pacer, Ready, Resolved, by_family, open_families, resolve_targets};
use crate::wire::icmp::{self, Icmp};
use serde::{Deserialize, Serialize};
use socket2::{Protocol, Type};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant, SystemTime};
use tokio::net::UdpSocket;

/// Options of a ping run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct PingOptions {
    /// Echo requests per target.
    #[schema(minimum = 1, maximum = 100_000)]
    pub count: u32,
    /// Time between two requests to the same target.
    #[serde(with = "serde_human")]
    #[schema(value_type = crate::duration::DurationSchema)]
    pub interval: Duration,
    /// How long to wait for each reply.
    #[serde(with = "serde_human")]
    #[schema(value_type = crate::duration::DurationSchema)]
    pub timeout: Duration,
    /// Payload bytes per request.
    #[schema(maximum = 65_000)]
    pub size: usize,
    /// IP TTL / hop limit of the requests.
    #[schema(minimum = 1, maximum = 255)]
    pub ttl: Option<u8>,
    /// Packets per second over the whole run (0: unlimited).
    pub rate: u32,
    /// Use unprivileged ICMP sockets even when raw sockets are allowed.
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

const MAGIC: &[u8; 4] = b"wsc1";

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SlotState {
    Pending,
    Settled,
}

#[derive(Debug)]
struct Slot {
    target: u32,
    nth: u32,
    sent_at: SystemTime,
    state: SlotState,
}

#[derive(Debug)]
struct TargetState {
    resolved: Resolved,
    sent: u32,
    received: u32,
    rtts: Vec<Option<f64>>,
    outstanding: u32,
    error: Option<String>,
    done: bool,
}

/// The ping state machine of one address family.
#[derive(Debug)]
struct Family<'a> {
    sock: &'a IcmpSocket,
    opts: &'a PingOptions,
    targets: Vec<TargetState>,
    slots: Vec<Slot>,
    /// Probes to send: (due, target), in due order (first round at once, later rounds an interval after).
    schedule: VecDeque<(Instant, u32)>,
    /// Sent probes by deadline; deadlines grow with send time, so a FIFO is ordered.
    expiry: VecDeque<(Instant, u32)>,
    cookie: u32,
    remaining: usize,
}

impl<'a> Family<'a> {
    fn new(sock: &'a IcmpSocket, targets: Vec<Resolved>, opts: &'a PingOptions) -> Self {
        let now = Instant::now();
        let n = targets.len();
        Family {
            sock,
            opts,
            schedule: (0..n as u32).map(|i| (now, i)).collect(),
            targets: targets
                .into_iter()
                .map(|resolved| TargetState {
                    resolved,
                    sent: 0,
                    received: 0,
                    rtts: vec![None; opts.count as usize],
                    outstanding: 0,
                    error: None,
                    done: false,
                })
                .collect(),
            slots: Vec::with_capacity(n * opts.count as usize),
            expiry: VecDeque::with_capacity(n),
            cookie: rand::random(),
            remaining: n,
        }
    }

    async fn run(mut self, ctx: &Ctx, pacer: &RefCell<Pacer>) -> Result<(), ProbeError> {
        let mut buf = vec![0u8; 65_536];
        let mut write_blocked = false;
        while self.remaining > 0 {
            self.drain(&mut buf, ctx);
            let now = Instant::now();
            self.expire(now, ctx);
            let mut wake = self.expiry.front().map(|e| e.0);
            if !write_blocked {
                match self.send_due(now, pacer, ctx) {
                    Ok(Some(at)) => wake = Some(wake.map_or(at, |w| w.min(at))),
                    Ok(None) => {}
                    Err(()) => write_blocked = true,
                }
            }
            if self.remaining == 0 {
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

    /// Sends every due probe the budget allows. Returns when to come back, or Err when the socket is full.
    fn send_due(
        &mut self,
        now: Instant,
        pacer: &RefCell<Pacer>,
        ctx: &Ctx,
    ) -> Result<Option<Instant>, ()> {
        loop {
            let Some(&(due, t)) = self.schedule.front() else {
                return Ok(None);
            };
            if due > now {
                return Ok(Some(due));
            }
            if let Err(at) = pacer.borrow_mut().grant(now, 1) {
                return Ok(Some(at));
            }
            self.send_one(t, ctx)?;
        }
    }

    /// Sends the next probe of target `t` (a send the kernel refuses settles it as lost);
    /// Err when the socket buffer is full and the loop must wait.
    fn send_one(&mut self, t: u32, ctx: &Ctx) -> Result<(), ()> {
        let probe_no = self.slots.len() as u32;
        let addr = self.targets[t as usize].resolved.addr;
        let pkt = icmp::echo_request(
            self.sock.v6,
            self.sock.ident,
            probe_no as u16,
            &self.payload(probe_no),
        );
        let sent_at = SystemTime::now();
        let sent_mono = Instant::now();
        match io::send_to(&self.sock.sock, &pkt, SocketAddr::new(addr, 0)) {
            Ok(_) => {}
            Err(e)
                if e.kind() == ErrorKind::WouldBlock || e.raw_os_error() == Some(libc::ENOBUFS) =>
            {
                return Err(());
            }
            Err(e) => {
                // No route, or a local firewall said no: the probe counts as sent and lost.
                self.schedule.pop_front();
                let ts = &mut self.targets[t as usize];
                let nth = ts.sent;
                ts.sent += 1;
                ts.error.get_or_insert_with(|| format!("send failed: {e}"));
                if nth + 1 < self.opts.count {
                    self.schedule.push_back((sent_mono + self.opts.interval, t));
                } else {
                    self.finish_if_done(t, ctx);
                }
                return Ok(());
            }
        }
        self.schedule.pop_front();
        let ts = &mut self.targets[t as usize];
        let nth = ts.sent;
        ts.sent += 1;
        ts.outstanding += 1;
        self.slots.push(Slot {
            target: t,
            nth,
            sent_at,
            state: SlotState::Pending,
        });
        self.expiry
            .push_back((sent_mono + self.opts.timeout, probe_no));
        if nth + 1 < self.opts.count {
            self.schedule.push_back((sent_mono + self.opts.interval, t));
        }
        Ok(())
    }

    fn payload(&self, probe_no: u32) -> Vec<u8> {
        let mut p = Vec::with_capacity(self.opts.size.max(12));
        p.extend_from_slice(MAGIC);
        p.extend_from_slice(&self.cookie.to_be_bytes());
        p.extend_from_slice(&probe_no.to_be_bytes());
        p.resize(self.opts.size.max(12), 0);
        for (i, b) in p.iter_mut().enumerate().skip(12) {
            *b = (i & 0xff) as u8;
        }
        p.truncate(self.opts.size);
        p
    }

    fn drain(&mut self, buf: &mut [u8], ctx: &Ctx) {
        loop {
            match io::recv_timestamped(&self.sock.sock, buf) {
                Ok((n, from, at)) => self.on_packet(&buf[..n], from, at, ctx),
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                // Errors queued on the socket (an ICMP error for a datagram socket) are not fatal.
                Err(_) => continue,
            }
        }
    }

    fn on_packet(&mut self, pkt: &[u8], from: IpAddr, at: SystemTime, ctx: &Ctx) {
        let v6 = self.sock.v6;
        let Some((msg, _ttl)) = icmp::parse(pkt, v6, self.sock.raw && !v6) else {
            return;
        };
        match msg {
            Icmp::EchoReply {
                ident,
                seq,
                payload,
            } => {
                if self.sock.raw && ident != self.sock.ident {
                    return;
                }
                if let Some(p) = self.match_probe(seq, payload, from) {
                    self.settle(p, at, None, ctx);
                }
            }
            Icmp::Error { kind, quoted, .. } => {
                let expected = if v6 {
                    icmp::PROTO_ICMPV6
                } else {
                    icmp::PROTO_ICMP
                };
                if quoted.proto != expected || quoted.l4.len() < 8 {
                    return;
                }
                let l4 = quoted.l4;
                let ident = u16::from_be_bytes([l4[4], l4[5]]);
                if self.sock.raw && ident != self.sock.ident {
                    return;
                }
                let seq = u16::from_be_bytes([l4[6], l4[7]]);
                if let Some(p) = self.match_probe(seq, &l4[8..], quoted.dst) {
                    let why = format!("{} (from {from})", icmp::describe(kind, v6));
                    self.settle(p, at, Some(why), ctx);
                }
            }
            Icmp::Other { .. } => {}
        }
    }

    /// Finds the pending probe a reply belongs to: by the probe number in our payload when it
    /// came back whole, else by sequence number and address.
    fn match_probe(&self, seq: u16, payload: &[u8], peer: IpAddr) -> Option<u32> {
        let ok = |p: u32| {
            self.slots.get(p as usize).is_some_and(|s| {
                s.state == SlotState::Pending
                    && self.targets[s.target as usize].resolved.addr == peer
            })
        };
        if payload.len() >= 12 && &payload[..4] == MAGIC {
            let cookie = u32::from_be_bytes([payload[4], payload[5], payload[6], payload[7]]);
            let p = u32::from_be_bytes([payload[8], payload[9], payload[10], payload[11]]);
            return (cookie == self.cookie && ok(p)).then_some(p);
        }
        let mut p = u32::from(seq);
        while (p as usize) < self.slots.len() {
            if ok(p) {
                return Some(p);
            }
            p += 1 << 16;
        }
        None
    }

    fn settle(&mut self, p: u32, at: SystemTime, error: Option<String>, ctx: &Ctx) {
        let slot = &mut self.slots[p as usize];
        slot.state = SlotState::Settled;
        let (t, nth, sent_at) = (slot.target, slot.nth, slot.sent_at);
        let ts = &mut self.targets[t as usize];
        ts.outstanding -= 1;
        match error {
            None => {
                ts.received += 1;
                ts.rtts[nth as usize] =
                    Some(round_ms(io::elapsed(sent_at, at).as_secs_f64() * 1e3));
            }
            Some(e) => {
                ts.error.get_or_insert(e);
            }
        }
        self.finish_if_done(t, ctx);
    }

    fn expire(&mut self, now: Instant, ctx: &Ctx) {
        while let Some(&(deadline, p)) = self.expiry.front() {
            if deadline > now {
                return;
            }
            self.expiry.pop_front();
            let slot = &mut self.slots[p as usize];
            if slot.state == SlotState::Pending {
                slot.state = SlotState::Settled;
                let t = slot.target;
                self.targets[t as usize].outstanding -= 1;
                self.finish_if_done(t, ctx);
            }
        }
    }

    fn finish_if_done(&mut self, t: u32, ctx: &Ctx) {
        let ts = &mut self.targets[t as usize];
        if ts.done || ts.outstanding > 0 || ts.sent < self.opts.count {
            return;
        }
        ts.done = true;
        self.remaining -= 1;
        let received = ts.received;
        let rtt = RttStats::from_millis(ts.rtts.iter().flatten().copied()).map(|s| RttStats {
            min: round_ms(s.min),
            avg: round_ms(s.avg),
            max: round_ms(s.max),
            stddev: round_ms(s.stddev),
        });
        let loss = f64::from(ts.sent - received) * 100.0 / f64::from(ts.sent.max(1));
        ctx.emit(ProbeResult::Ping(PingResult {
            target: ts.resolved.target.spec.clone(),
            addr: Some(ts.resolved.addr),
            alive: received > 0,
            sent: ts.sent,
            received,
            loss_pct: (loss * 10.0).round() / 10.0,
            rtt_ms: rtt,
            rtts_ms: std::mem::take(&mut ts.rtts),
            error: if received > 0 { None } else { ts.error.take() },
        }));
    }
}
