//! The batch engine: runs one probe over a target set on a dedicated thread (inside the requested
//! network namespace), paced by one packets-per-second budget, and streams each target's result
//! the moment it is complete. The CLI and the server consume exactly this stream.

use crate::error::ProbeError;
use crate::net::NetOptions;
use crate::result::{ProbeKind, ProbeResult, Summary};
use crate::targets::Target;
use crate::{dns, ping, scan, snmp, ssh, trace};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

/// The probe to run and its options.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", content = "options", rename_all = "lowercase")]
// One value per run, built once: boxing the large SNMP variant would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum ProbeOptions {
    Ping(ping::PingOptions),
    Trace(trace::TraceOptions),
    Dns(dns::DnsOptions),
    Scan(scan::ScanOptions),
    Snmp(snmp::SnmpOptions),
    Ssh(ssh::SshOptions),
}

/// The API schema of a kind's options, as a run gives them: one of the kinds' options schemas
/// (`PingOptions` ... `SshOptions`, registered by the API document).
pub fn options_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::{OneOfBuilder, Ref};
    let mut one_of = OneOfBuilder::new();
    for name in OPTIONS_SCHEMAS {
        one_of = one_of.item(Ref::from_schema_name(name));
    }
    utoipa::openapi::schema::Schema::OneOf(one_of.build())
}

/// The options schemas, one per kind.
pub const OPTIONS_SCHEMAS: [&str; 6] = [
    "PingOptions",
    "TraceOptions",
    "DnsOptions",
    "ScanOptions",
    "SnmpOptions",
    "SshOptions",
];

impl ProbeOptions {
    /// The options alone as JSON (what the history stores and the API returns).
    pub fn options_json(&self) -> String {
        let json = match self {
            ProbeOptions::Ping(o) => serde_json::to_string(o),
            ProbeOptions::Trace(o) => serde_json::to_string(o),
            ProbeOptions::Dns(o) => serde_json::to_string(o),
            ProbeOptions::Scan(o) => serde_json::to_string(o),
            ProbeOptions::Snmp(o) => serde_json::to_string(o),
            ProbeOptions::Ssh(o) => serde_json::to_string(o),
        };
        json.unwrap_or_else(|_| "{}".into())
    }

    /// Checks the options.
    pub fn validate(&self) -> Result<(), ProbeError> {
        match self {
            ProbeOptions::Ping(o) => o.validate(),
            ProbeOptions::Trace(o) => o.validate(),
            ProbeOptions::Dns(o) => o.validate(),
            ProbeOptions::Scan(o) => o.validate(),
            ProbeOptions::Snmp(o) => o.validate(),
            ProbeOptions::Ssh(o) => o.validate(),
        }
    }

    pub fn kind(&self) -> ProbeKind {
        match self {
            ProbeOptions::Ping(_) => ProbeKind::Ping,
            ProbeOptions::Trace(_) => ProbeKind::Trace,
            ProbeOptions::Dns(_) => ProbeKind::Dns,
            ProbeOptions::Scan(_) => ProbeKind::Scan,
            ProbeOptions::Snmp(_) => ProbeKind::Snmp,
            ProbeOptions::Ssh(_) => ProbeKind::Ssh,
        }
    }
}

/// Everything a run needs.
#[derive(Debug, Clone)]
pub struct RunRequest {
    pub targets: Vec<Target>,
    pub probe: ProbeOptions,
    pub net: NetOptions,
}

impl RunRequest {
    /// How many results the run will produce: one per target, one per question for DNS.
    pub fn total(&self) -> usize {
        match &self.probe {
            ProbeOptions::Dns(o) => self.targets.len() * o.types.len().max(1),
            _ => self.targets.len(),
        }
    }
}

/// What a probe implementation gets from the engine.
#[derive(Debug)]
pub struct Ctx {
    pub net: NetOptions,
    pub cancel: CancellationToken,
    tx: mpsc::UnboundedSender<ProbeResult>,
}

impl Ctx {
    /// Hands one finished result to the consumer; never blocks the probe.
    pub fn emit(&self, result: ProbeResult) {
        // A closed receiver means the consumer went away; the run is cancelled then, nothing to report.
        if self.tx.send(result).is_err() {
            self.cancel.cancel();
        }
    }
}

/// A running batch: poll `next` for results as they complete, then `finish` for the summary.
#[derive(Debug)]
pub struct Run {
    rx: mpsc::UnboundedReceiver<ProbeResult>,
    done: oneshot::Receiver<Result<(), ProbeError>>,
    summary: Summary,
    started: Instant,
    cancel: CancellationToken,
}

impl Run {
    /// The next finished result, or `None` once the run is over.
    pub async fn next(&mut self) -> Option<ProbeResult> {
        let r = self.rx.recv().await?;
        self.summary.add(&r);
        Some(r)
    }

    /// A finished result if one is waiting, without waiting.
    pub fn try_next(&mut self) -> Option<ProbeResult> {
        let r = self.rx.try_recv().ok()?;
        self.summary.add(&r);
        Some(r)
    }

    /// Number of targets in the run.
    pub fn total(&self) -> usize {
        self.summary.targets
    }

    /// The summary so far.
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    /// Waits for the run's thread to end and returns the closing summary.
    pub async fn finish(mut self) -> Result<Summary, ProbeError> {
        while self.next().await.is_some() {}
        let outcome = self.done.await.unwrap_or(Ok(()));
        self.summary.elapsed_ms = crate::stats::ms(self.started.elapsed());
        self.summary.cancelled =
            self.cancel.is_cancelled() && self.summary.completed < self.summary.targets;
        outcome.map(|()| self.summary)
    }
}

/// Starts a run. Returns once the probe's sockets are open, so missing privileges, a missing
/// namespace or interface fail here, at once, before any result.
pub async fn start(req: RunRequest, cancel: CancellationToken) -> Result<Run, ProbeError> {
    req.net.check()?;
    let kind = req.probe.kind();
    let total = req.total();
    let (tx, rx) = mpsc::unbounded_channel();
    let (ready_tx, ready_rx) = oneshot::channel();
    let (done_tx, done_rx) = oneshot::channel();
    let ctx = Ctx {
        net: req.net.clone(),
        cancel: cancel.clone(),
        tx,
    };
    let started = Instant::now();
    std::thread::Builder::new()
        .name(format!("wirescope-{}", kind.as_str()))
        .spawn(move || {
            let outcome = run_thread(req, ctx, ready_tx);
            let _ = done_tx.send(outcome);
        })
        .map_err(|e| ProbeError::io("start the probe thread", e))?;
    match ready_rx.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(e),
        Err(_) => {
            return match done_rx.await {
                Ok(Err(e)) => Err(e),
                _ => Err(ProbeError::Options(
                    "the probe thread ended before it started".into(),
                )),
            };
        }
    }
    Ok(Run {
        rx,
        done: done_rx,
        summary: Summary::new(kind, total),
        started,
        cancel,
    })
}

/// Signals that a probe's sockets are open (or why they could not be).
#[derive(Debug)]
pub struct Ready(Option<oneshot::Sender<Result<(), ProbeError>>>);

impl Ready {
    /// A handshake nobody waits on: `check` passes errors through unchanged (for probing a
    /// capability without failing the run).
    pub fn detached() -> Self {
        Ready(None)
    }

    /// Passes a setup step's value through; an error goes to `start`'s caller, which fails at once.
    pub fn check<T>(&mut self, step: Result<T, ProbeError>) -> Result<T, ProbeError> {
        match (step, self.0.take()) {
            (Ok(v), tx) => {
                self.0 = tx;
                Ok(v)
            }
            (Err(e), Some(tx)) => {
                let msg = e.to_string();
                let _ = tx.send(Err(e));
                Err(ProbeError::Options(msg))
            }
            (Err(e), None) => Err(e),
        }
    }

    /// Signals that the probe is set up and results will follow.
    pub fn go(&mut self) {
        if let Some(tx) = self.0.take() {
            let _ = tx.send(Ok(()));
        }
    }
}

fn run_thread(
    req: RunRequest,
    ctx: Ctx,
    ready_tx: oneshot::Sender<Result<(), ProbeError>>,
) -> Result<(), ProbeError> {
    let mut ready = Ready(Some(ready_tx));
    if let Some(ns) = &req.net.netns
        && let Err(e) = crate::net::netns::enter(ns)
    {
        return ready.check(Err(e));
    }
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return ready.check(Err(ProbeError::io("start the probe runtime", e))),
    };
    rt.block_on(async move {
        match req.probe {
            ProbeOptions::Ping(o) => ping::run(req.targets, o, &ctx, &mut ready).await,
            ProbeOptions::Trace(o) => trace::run(req.targets, o, &ctx, &mut ready).await,
            ProbeOptions::Dns(o) => dns::run(req.targets, o, &ctx, &mut ready).await,
            ProbeOptions::Scan(o) => scan::run(req.targets, o, &ctx, &mut ready).await,
            ProbeOptions::Snmp(o) => snmp::run(req.targets, o, &ctx, &mut ready).await,
            ProbeOptions::Ssh(o) => ssh::run(req.targets, o, &ctx, &mut ready).await,
        }
    })
}

/// One send budget in packets per second, shared by everything a run sends (a token bucket
/// allowing bursts of 10 ms worth of packets). A rate of 0 means unlimited.
#[derive(Debug)]
pub struct Pacer {
    per_packet: Duration,
    burst: u32,
    next: Instant,
}

impl Pacer {
    pub fn new(rate_pps: u32, now: Instant) -> Self {
        let per_packet = if rate_pps == 0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(1.0 / f64::from(rate_pps))
        };
        Pacer {
            per_packet,
            burst: (rate_pps / 100).max(1),
            next: now,
        }
    }

    /// How many of `want` packets may go now; when none may, the instant at which one may.
    pub fn grant(&mut self, now: Instant, want: u32) -> Result<u32, Instant> {
        if self.per_packet.is_zero() || want == 0 {
            return Ok(want);
        }
        let floor = now
            .checked_sub(self.per_packet * (self.burst - 1))
            .unwrap_or(now);
        if self.next < floor {
            self.next = floor;
        }
        if self.next > now {
            return Err(self.next);
        }
        let available =
            ((now - self.next).as_nanos() / self.per_packet.as_nanos().max(1)) as u32 + 1;
        let n = available.min(want).min(self.burst);
        self.next += self.per_packet * n;
        Ok(n)
    }
}

/// A target whose address is known, with its position in the run.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub target: Target,
    pub addr: std::net::IpAddr,
}

/// Resolves the hostname targets of a run concurrently. Targets that do not resolve come back
/// in the second list with the reason, to be reported as results.
pub async fn resolve_targets(
    targets: Vec<Target>,
    ctx: &Ctx,
) -> (Vec<Resolved>, Vec<(Target, String)>) {
    use crate::targets::Host;
    let names: Vec<String> = targets
        .iter()
        .filter_map(|t| match &t.host {
            Host::Name(n) => Some(n.clone()),
            Host::Ip(_) => None,
        })
        .collect();
    let answers = if names.is_empty() {
        Default::default()
    } else {
        dns::resolve::resolve_all(&names, &ctx.net).await
    };
    let mut ok = Vec::with_capacity(targets.len());
    let mut failed = Vec::new();
    for t in targets {
        match &t.host {
            Host::Ip(ip) => {
                let addr = *ip;
                ok.push(Resolved { target: t, addr });
            }
            Host::Name(n) => match answers.get(n) {
                Some(Ok(addr)) => {
                    let addr = *addr;
                    ok.push(Resolved { target: t, addr });
                }
                Some(Err(e)) => {
                    let e = e.clone();
                    failed.push((t, e));
                }
                None => failed.push((t, "not resolved".into())),
            },
        }
    }
    (ok, failed)
}

/// Opens a probe's sockets for the address families its targets need: IPv4 for IPv4 targets and
/// names, IPv6 for IPv6 targets and names. An IPv6 failure is tolerated when only names might have
/// needed it (their IPv6 results then say so); any other failure goes to `start`'s caller.
pub fn open_families<S>(
    targets: &[Target],
    ready: &mut Ready,
    mut open: impl FnMut(bool) -> Result<S, ProbeError>,
) -> Result<[Option<S>; 2], ProbeError> {
    use crate::targets::Host;
    let names = targets.iter().any(|t| matches!(t.host, Host::Name(_)));
    let has = |v6: bool| {
        targets
            .iter()
            .any(|t| matches!(t.host, Host::Ip(ip) if ip.is_ipv6() == v6))
    };
    let v4 = if names || has(false) {
        Some(ready.check(open(false))?)
    } else {
        None
    };
    let v6 = if names || has(true) {
        match open(true) {
            Ok(s) => Some(s),
            Err(_) if !has(true) && v4.is_some() => None,
            Err(e) => return ready.check(Err(e)),
        }
    } else {
        None
    };
    Ok([v4, v6])
}

/// Runs a probe's per-family engine over the IPv4 and the IPv6 targets concurrently on this
/// thread; targets of a family without a socket go to `unavailable`.
pub async fn by_family<'a, S, Fut>(
    resolved: Vec<Resolved>,
    sockets: &'a [Option<S>; 2],
    unavailable: impl Fn(Resolved),
    run: impl Fn(&'a S, Vec<Resolved>) -> Fut,
) -> Result<(), ProbeError>
where
    Fut: std::future::Future<Output = Result<(), ProbeError>>,
{
    let (v6, v4): (Vec<Resolved>, Vec<Resolved>) =
        resolved.into_iter().partition(|r| r.addr.is_ipv6());
    let mut runs = Vec::new();
    for (sock, targets) in sockets.iter().zip([v4, v6]) {
        if targets.is_empty() {
            continue;
        }
        match sock {
            Some(s) => runs.push(run(s, targets)),
            None => targets.into_iter().for_each(&unavailable),
        }
    }
    futures::future::try_join_all(runs).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pacer_spreads_packets_at_the_rate() {
        let t0 = Instant::now();
        let mut p = Pacer::new(1000, t0);
        // A burst of 10 ms worth goes at once, then one packet per millisecond.
        assert_eq!(p.grant(t0, 100), Ok(1));
        let t1 = t0 + Duration::from_millis(20);
        assert_eq!(p.grant(t1, 100), Ok(10));
        assert!(matches!(p.grant(t1, 1), Err(at) if at > t1));
        let mut sent = 11u32;
        let mut now = t1;
        while now < t0 + Duration::from_secs(1) {
            now += Duration::from_micros(250);
            sent += p.grant(now, 100).unwrap_or(0);
        }
        // At most rate x time + one burst; the 20 ms idle gap forfeits what exceeds the burst (9).
        assert!(
            (985..=1011).contains(&sent),
            "sent {sent} in one second at 1000 pps"
        );
    }

    #[test]
    fn zero_rate_is_unlimited() {
        let t0 = Instant::now();
        assert_eq!(Pacer::new(0, t0).grant(t0, 5000), Ok(5000));
    }
}
