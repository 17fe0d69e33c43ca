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

    #[test]
    fn answers_to_unsent_probes_are_refused() {
        let mut s = TraceState::new(1, 3, 1);
        assert!(!s.on_answer(1, 0, ip(1), Answer::Hop, SystemTime::now()));
        assert!(!s.on_answer(7, 0, ip(1), Answer::Hop, SystemTime::now()));
    }
}
