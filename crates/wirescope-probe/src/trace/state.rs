//! The per-target state of a trace, free of sockets and clocks: probes sent, answers matched,
//! where the path ends, when the target is complete, and the hop list it reports.

use crate::result::Hop;
use crate::stats::round_ms;
use std::net::IpAddr;
use std::time::{Duration, SystemTime};

/// What an answer to a probe says about the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// A router on the way (ICMP time exceeded).
    Hop,
    /// The destination itself answered (echo reply, port unreachable, SYN-ACK or RST).
    Destination,
    /// A router said the destination cannot be reached; the path ends here.
    Unreachable(&'static str),
}

#[derive(Debug, Clone, Copy)]
struct Reply {
    from: IpAddr,
    rtt: Duration,
}

/// How long a probe is waited for. A fixed timeout alone makes every lost probe cost the whole
/// timeout (a destination that rate-limits its ICMP errors loses two of three at its TTL, every
/// time). So, as traceroute's `-w MAX,HERE,NEAR` but over all TTLs in flight at once: once the
/// path has answered, a probe is waited for `here` times the slowest answer at its own TTL, or,
/// when its TTL has none, `near` times the slowest answer at any TTL of the target; at least
/// `min`, at most `timeout`. A factor of 0 turns that rule off (the timeout applies).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Waits {
    pub timeout: Duration,
    pub here: f64,
    pub near: f64,
    pub min: Duration,
}

/// One target's trace.
#[derive(Debug)]
pub struct TraceState {
    pub first_ttl: u8,
    pub max_ttl: u8,
    pub queries: u8,
    sent: Vec<Option<SystemTime>>,
    replies: Vec<Option<Reply>>,
    /// The lowest TTL at which the destination (or an unreachable) answered.
    end_ttl: Option<u8>,
    reached: bool,
    unreachable: Option<(u8, IpAddr, &'static str)>,
}

impl TraceState {
    pub fn new(first_ttl: u8, max_ttl: u8, queries: u8) -> Self {
        let n = usize::from(max_ttl) * usize::from(queries);
        TraceState {
            first_ttl,
            max_ttl,
            queries,
            sent: vec![None; n],
            replies: vec![None; n],
            end_ttl: None,
            reached: false,
            unreachable: None,
        }
    }

    fn index(&self, ttl: u8, q: u8) -> Option<usize> {
        (ttl >= 1 && ttl <= self.max_ttl && q < self.queries)
            .then(|| usize::from(ttl - 1) * usize::from(self.queries) + usize::from(q))
    }

    /// The probe identifier carried on the wire for (ttl, query): 1-based, never zero.
    pub fn probe_id(&self, ttl: u8, q: u8) -> u16 {
        (u16::from(ttl - 1) * u16::from(self.queries) + u16::from(q)) + 1
    }

    /// The (ttl, query) of a wire identifier.
    pub fn from_probe_id(&self, id: u16) -> Option<(u8, u8)> {
        let i = usize::from(id.checked_sub(1)?);
        let q = u16::from(self.queries);
        let ttl = u8::try_from(i / usize::from(q) + 1).ok()?;
        let query = (i % usize::from(q)) as u8;
        self.index(ttl, query).map(|_| (ttl, query))
    }

    /// Whether a probe at this TTL is still worth sending (nothing beyond the end of the path is).
    pub fn wants(&self, ttl: u8) -> bool {
        self.end_ttl.is_none_or(|end| ttl <= end)
    }

    pub fn on_sent(&mut self, ttl: u8, q: u8, at: SystemTime) {
        if let Some(i) = self.index(ttl, q) {
            self.sent[i] = Some(at);
        }
    }

    /// Records an answer; returns false for an answer to nothing we sent, or a repeat.
    pub fn on_answer(
        &mut self,
        ttl: u8,
        q: u8,
        from: IpAddr,
        kind: Answer,
        at: SystemTime,
    ) -> bool {
        let Some(i) = self.index(ttl, q) else {
            return false;
        };
        let Some(sent) = self.sent[i] else {
            return false;
        };
        if self.replies[i].is_some() {
            return false;
        }
        self.replies[i] = Some(Reply {
            from,
            rtt: at.duration_since(sent).unwrap_or(Duration::ZERO),
        });
        match kind {
            Answer::Hop => {}
            Answer::Destination => {
                self.reached = true;
                self.end_ttl = Some(self.end_ttl.map_or(ttl, |e| e.min(ttl)));
            }
            Answer::Unreachable(why) => {
                self.end_ttl = Some(self.end_ttl.map_or(ttl, |e| e.min(ttl)));
                if self.unreachable.is_none_or(|(t, _, _)| ttl < t) {
                    self.unreachable = Some((ttl, from, why));
                }
            }
        }
        true
    }

    /// Complete early: the end of the path is known and every probe up to it that was sent has its answer.
    pub fn answered_to_end(&self) -> bool {
        let Some(end) = self.end_ttl else {
            return false;
        };
        (self.first_ttl..=end).all(|ttl| {
            (0..self.queries).all(|q| {
                self.index(ttl, q)
                    .is_some_and(|i| self.sent[i].is_none() || self.replies[i].is_some())
            })
        })
    }

    /// The slowest answer at one TTL, or at every TTL when `ttl` is None.
    fn slowest(&self, ttl: Option<u8>) -> Option<Duration> {
        let ttls = match ttl {
            Some(t) => t..=t,
            None => self.first_ttl..=self.max_ttl,
        };
        ttls.flat_map(|t| (0..self.queries).filter_map(move |q| self.index(t, q)))
            .filter_map(|i| self.replies[i].map(|r| r.rtt))
            .max()
    }

    /// How long a probe at `ttl` is waited for, given the answers so far (`Waits`).
    pub fn wait_for(&self, ttl: u8, w: &Waits) -> Duration {
        let scaled = |rtt: Duration, factor: f64| {
            (factor > 0.0).then(|| rtt.mul_f64(factor).max(w.min).min(w.timeout))
        };
        let here = self.slowest(Some(ttl)).and_then(|r| scaled(r, w.here));
        here.or_else(|| self.slowest(None).and_then(|r| scaled(r, w.near)))
            .unwrap_or(w.timeout)
    }

    /// Until when an answer is still awaited: the latest send time plus wait over the probes
    /// sent and unanswered up to the end of the path (all TTLs while it is not known); None when
    /// none is awaited.
    pub fn awaited_until(&self, w: &Waits) -> Option<SystemTime> {
        let end = self.end_ttl.unwrap_or(self.max_ttl);
        (self.first_ttl..=end)
            .flat_map(|ttl| {
                let wait = self.wait_for(ttl, w);
                (0..self.queries).filter_map(move |q| {
                    let i = self.index(ttl, q)?;
                    match (self.sent[i], self.replies[i]) {
                        (Some(at), None) => Some(at + wait),
                        _ => None,
                    }
                })
            })
            .max()
    }

    /// The TTL at which the path ends, once known.
    pub fn end_ttl(&self) -> Option<u8> {
        self.end_ttl
    }

    pub fn reached(&self) -> bool {
        self.reached
    }

    /// Why the path ended short of the destination, if a router said so.
    pub fn unreachable(&self) -> Option<String> {
        if self.reached {
            return None;
        }
        self.unreachable
            .map(|(ttl, from, why)| format!("{why} at hop {ttl} ({from})"))
    }

    /// The hops to report: up to the end of the path, or (when it never ended) up to the last
    /// hop that answered plus one silent hop to show where it went dark.
    pub fn hops(&self) -> Vec<Hop> {
        let last_answer = (self.first_ttl..=self.max_ttl).rev().find(|&ttl| {
            (0..self.queries).any(|q| {
                self.index(ttl, q)
                    .is_some_and(|i| self.replies[i].is_some())
            })
        });
        let until = match (self.end_ttl, last_answer) {
            (Some(end), _) => end,
            (None, Some(last)) => last.saturating_add(1).min(self.max_ttl),
            (None, None) => self.first_ttl,
        };
        (self.first_ttl..=until)
            .map(|ttl| {
                let replies: Vec<Option<Reply>> = (0..self.queries)
                    .map(|q| self.index(ttl, q).and_then(|i| self.replies[i]))
                    .collect();
                let mut addrs: Vec<(IpAddr, usize)> = Vec::new();
                for r in replies.iter().flatten() {
                    match addrs.iter_mut().find(|(a, _)| *a == r.from) {
                        Some((_, n)) => *n += 1,
                        None => addrs.push((r.from, 1)),
                    }
                }
                let answered = replies.iter().flatten().count();
                let sent = (0..self.queries)
                    .filter(|&q| self.index(ttl, q).is_some_and(|i| self.sent[i].is_some()))
                    .count()
                    .max(1);
                Hop {
                    ttl,
                    addr: addrs.iter().max_by_key(|(_, n)| *n).map(|(a, _)| *a),
                    name: None,
                    addrs: addrs.iter().map(|(a, _)| *a).collect(),
                    rtt_ms: replies
                        .iter()
                        .map(|r| r.map(|r| round_ms(r.rtt.as_secs_f64() * 1e3)))
                        .collect(),
                    loss_pct: ((sent - answered.min(sent)) as f64 * 1000.0 / sent as f64).round()
                        / 10.0,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([198, 18, 2, last])
    }

    fn send_all(s: &mut TraceState, t0: SystemTime) {
        for q in 0..s.queries {
            for ttl in s.first_ttl..=s.max_ttl {
                s.on_sent(ttl, q, t0);
            }
        }
    }

    #[test]
    fn probe_ids_round_trip() {
        let s = TraceState::new(1, 30, 3);
        for ttl in 1..=30 {
            for q in 0..3 {
                assert_eq!(s.from_probe_id(s.probe_id(ttl, q)), Some((ttl, q)));
            }
        }
        assert_eq!(s.from_probe_id(0), None);
        assert_eq!(s.from_probe_id(91), None);
    }

    #[test]
    fn path_of_four_hops_completes_when_all_answered() {
        let t0 = SystemTime::now();
        let mut s = TraceState::new(1, 30, 2);
        send_all(&mut s, t0);
        let at = t0 + Duration::from_millis(1);
        for q in 0..2 {
            assert!(s.on_answer(1, q, ip(1), Answer::Hop, at));
            assert!(s.on_answer(2, q, ip(2), Answer::Hop, at));
            assert!(s.on_answer(3, q, ip(10), Answer::Hop, at));
            assert!(!s.answered_to_end());
            assert!(s.on_answer(4, q, ip(18), Answer::Destination, at));
            // Probes past the destination are answered by it too; they end nothing new.
            assert!(s.on_answer(9, q, ip(18), Answer::Destination, at));
        }
        assert!(s.answered_to_end());
        assert!(s.reached());
        let hops = s.hops();
        assert_eq!(hops.len(), 4);
        assert_eq!(hops[3].addr, Some(ip(18)));
        assert_eq!(hops[0].rtt_ms, vec![Some(1.0), Some(1.0)]);
        assert_eq!(hops[0].loss_pct, 0.0);
        assert!(!s.wants(5) && s.wants(4));
    }

    #[test]
    fn silent_hop_and_duplicates() {
        let t0 = SystemTime::now();
        let mut s = TraceState::new(1, 5, 3);
        send_all(&mut s, t0);
        assert!(s.on_answer(1, 0, ip(1), Answer::Hop, t0));
        assert!(
            !s.on_answer(1, 0, ip(1), Answer::Hop, t0),
            "a repeat is ignored"
        );
        assert!(s.on_answer(3, 1, ip(10), Answer::Hop, t0));
        assert!(s.on_answer(3, 2, ip(14), Answer::Hop, t0));
        let hops = s.hops();
        // Up to the last answering hop plus one silent one.
        assert_eq!(hops.len(), 4);
        assert_eq!(hops[1].addr, None);
        assert_eq!(hops[1].loss_pct, 100.0);
        assert_eq!(hops[0].loss_pct, 66.7);
        assert_eq!(
            hops[2].addrs.len(),
            2,
            "two routers at one TTL show as a changed path"
        );
        assert!(!s.reached());
    }

    #[test]
    fn unreachable_ends_the_path() {
        let t0 = SystemTime::now();
        let mut s = TraceState::new(1, 10, 1);
        send_all(&mut s, t0);
        s.on_answer(1, 0, ip(1), Answer::Hop, t0);
        s.on_answer(2, 0, ip(2), Answer::Unreachable("host unreachable"), t0);
        assert!(s.answered_to_end());
        assert_eq!(
            s.unreachable().as_deref(),
            Some("host unreachable at hop 2 (198.18.2.2)")
        );
        assert_eq!(s.hops().len(), 2);
    }

    const WAITS: Waits = Waits {
        timeout: Duration::from_secs(2),
        here: 3.0,
        near: 10.0,
        min: Duration::from_millis(50),
    };

    #[test]
    fn a_rate_limited_destination_costs_a_few_rtts_not_the_timeout() {
        let t0 = SystemTime::now();
        let mut s = TraceState::new(1, 30, 3);
        send_all(&mut s, t0);
        // Nothing answered yet: every probe is waited for the whole timeout.
        assert_eq!(s.awaited_until(&WAITS), Some(t0 + WAITS.timeout));
        let ms = Duration::from_millis;
        for q in 0..3 {
            s.on_answer(1, q, ip(1), Answer::Hop, t0 + ms(10));
            s.on_answer(2, q, ip(2), Answer::Hop, t0 + ms(20));
            s.on_answer(3, q, ip(3), Answer::Hop, t0 + ms(30));
        }
        // The destination answers one probe of three (it rate-limits its ICMP errors).
        s.on_answer(4, 0, ip(4), Answer::Destination, t0 + ms(40));
        assert!(!s.answered_to_end());
        // Its two lost probes are waited for 3 x 40 ms, not 2 s.
        assert_eq!(s.wait_for(4, &WAITS), ms(120));
        assert_eq!(s.awaited_until(&WAITS), Some(t0 + ms(120)));
        assert_eq!(s.hops().len(), 4);
        assert_eq!(s.hops()[3].loss_pct, 66.7);
    }

    #[test]
    fn silent_ttls_wait_near_times_the_slowest_answer_and_the_bounds_hold() {
        let t0 = SystemTime::now();
        let ms = Duration::from_millis;
        let mut s = TraceState::new(1, 8, 1);
        send_all(&mut s, t0);
        s.on_answer(1, 0, ip(1), Answer::Hop, t0 + ms(1));
        s.on_answer(2, 0, ip(2), Answer::Hop, t0 + ms(2));
        // TTLs 3..8 never answer (a firewall): 10 x 2 ms = 20 ms, raised to the 50 ms floor.
        assert_eq!(s.wait_for(5, &WAITS), ms(50));
        assert_eq!(s.awaited_until(&WAITS), Some(t0 + ms(50)));
        // A slow path stops at the timeout.
        let mut slow = TraceState::new(1, 3, 1);
        send_all(&mut slow, t0);
        slow.on_answer(1, 0, ip(1), Answer::Hop, t0 + ms(900));
        assert_eq!(slow.wait_for(2, &WAITS), WAITS.timeout);
        // Factors of 0: the fixed timeout, as before.
        let fixed = Waits {
            here: 0.0,
            near: 0.0,
            ..WAITS
        };
        assert_eq!(s.wait_for(1, &fixed), fixed.timeout);
        assert_eq!(s.awaited_until(&fixed), Some(t0 + fixed.timeout));
        // Everything answered: nothing awaited.
        let mut done = TraceState::new(1, 1, 2);
        send_all(&mut done, t0);
        done.on_answer(1, 0, ip(1), Answer::Destination, t0 + ms(1));
        done.on_answer(1, 1, ip(1), Answer::Destination, t0 + ms(1));
        assert_eq!(done.awaited_until(&WAITS), None);
    }

    #[test]
    fn answers_to_unsent_probes_are_refused() {
        let mut s = TraceState::new(1, 3, 1);
        assert!(!s.on_answer(1, 0, ip(1), Answer::Hop, SystemTime::now()));
        assert!(!s.on_answer(7, 0, ip(1), Answer::Hop, SystemTime::now()));
    }
}
