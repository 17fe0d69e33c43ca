//! What every probe is built from: the context a probe runs in (network options,
//! cancellation, `emit`), the start handshake (`Ready`), one send budget per run (`Pacer`),
//! hostname resolution, and one socket per address family (`open_families`, `by_family`).
//! Dependencies run one way: the engine starts probes, probes use this toolkit.

use crate::error::ProbeError;
use crate::net::NetOptions;
use crate::result::ProbeResult;
use crate::targets::Target;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

/// What a probe implementation gets from the engine.
#[derive(Debug)]
pub struct Ctx {
    pub net: NetOptions,
    pub cancel: CancellationToken,
    tx: mpsc::UnboundedSender<ProbeResult>,
}

impl Ctx {
    pub fn new(
        net: NetOptions,
        cancel: CancellationToken,
        tx: mpsc::UnboundedSender<ProbeResult>,
    ) -> Self {
        Ctx { net, cancel, tx }
    }

    /// Hands one finished result to the consumer; never blocks the probe.
    pub fn emit(&self, result: ProbeResult) {
        // A closed receiver means the consumer went away; the run is cancelled then, nothing to report.
        if self.tx.send(result).is_err() {
            self.cancel.cancel();
        }
    }
}

/// Signals that a probe's sockets are open (or why they could not be).
#[derive(Debug)]
pub struct Ready(Option<oneshot::Sender<Result<(), ProbeError>>>);

impl Ready {
    pub fn new(tx: oneshot::Sender<Result<(), ProbeError>>) -> Self {
        Ready(Some(tx))
    }

    /// A handshake nobody waits on: `check` passes errors through unchanged (for probing a
    /// capability without failing the run).
    pub fn detached() -> Self {
        Ready(None)
    }

    /// Passes a setup step's value through; an error goes to `start`'s caller, which fails at once.
    pub fn check<T, E: Into<ProbeError>>(&mut self, step: Result<T, E>) -> Result<T, ProbeError> {
        match (step.map_err(Into::into), self.0.take()) {
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
        crate::dns::resolve::resolve_all(&names, &ctx.net).await
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
