//! The ping state machine of one address family, free of sockets: which probe is due when (under
//! the caller's send budget), the numbered probes in flight, matching an answer to its probe (by
//! the probe number our payload carries, or by sequence number and address when the payload came
//! back cut), timeouts, and each target's result the moment its last probe is settled.
//! Clocks come in as arguments, so every path is unit-tested.

use crate::result::PingResult;
use crate::stats::{RttStats, round_ms};
use crate::toolkit::Resolved;
use std::collections::VecDeque;
use std::net::IpAddr;
use std::time::{Duration, Instant, SystemTime};

/// What our echo payloads start with: this, then the run's cookie, then the probe number.
pub const MAGIC: &[u8; 4] = b"wsc1";

/// The probing plan every target follows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plan {
    /// Echo requests per target.
    pub count: u32,
    /// Time between two requests to one target.
    pub interval: Duration,
    /// How long a request is waited for.
    pub timeout: Duration,
    /// Payload bytes.
    pub size: usize,
}

/// What the sender should do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Send the next probe of this target (see `probe`), then report `sent` or `send_failed`.
    Send(u32),
    /// Nothing is due before this instant.
    At(Instant),
    /// Every probe has been sent.
    Idle,
}

/// A probe about to go out: its number (the ICMP sequence number is its low 16 bits), where
/// to, and the payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    pub number: u32,
    pub addr: IpAddr,
    pub payload: Vec<u8>,
}

#[derive(Debug)]
struct Slot {
    target: u32,
    nth: u32,
    sent_at: SystemTime,
    pending: bool,
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

/// The probes of one family's targets.
#[derive(Debug)]
pub struct PingState {
    plan: Plan,
    cookie: u32,
    targets: Vec<TargetState>,
    /// Every probe sent, by number.
    slots: Vec<Slot>,
    /// Probes to send: (due, target), in due order (the first round at once, each later one an
    /// interval after the target's previous send).
    schedule: VecDeque<(Instant, u32)>,
    /// Sent probes by deadline: deadlines grow with send time, so a FIFO stays ordered.
    expiry: VecDeque<(Instant, u32)>,
    remaining: usize,
}

impl PingState {
    /// Every target's first probe due at `now`; `cookie` tells this run's replies from others'.
    pub fn new(targets: Vec<Resolved>, plan: Plan, cookie: u32, now: Instant) -> Self {
        let n = targets.len();
        PingState {
            plan,
            cookie,
            schedule: (0..n as u32).map(|i| (now, i)).collect(),
            targets: targets
                .into_iter()
                .map(|resolved| TargetState {
                    resolved,
                    sent: 0,
                    received: 0,
                    rtts: vec![None; plan.count as usize],
                    outstanding: 0,
                    error: None,
                    done: false,
                })
                .collect(),
            slots: Vec::with_capacity(n * plan.count as usize),
            expiry: VecDeque::with_capacity(n),
            remaining: n,
        }
    }

    /// Targets whose result is still to come.
    pub fn remaining(&self) -> usize {
        self.remaining
    }

    /// The earliest deadline of a probe in flight.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.expiry.front().map(|e| e.0)
    }

    /// The next probe due at `now`, if any.
    pub fn due(&self, now: Instant) -> Due {
        match self.schedule.front() {
            None => Due::Idle,
            Some(&(at, _)) if at > now => Due::At(at),
            Some(&(_, t)) => Due::Send(t),
        }
    }

    /// The probe the next send to target `t` carries.
    pub fn probe(&self, t: u32) -> Probe {
        let number = self.slots.len() as u32;
        Probe {
            number,
            addr: self.targets[t as usize].resolved.addr,
            payload: self.payload(number),
        }
    }

    fn payload(&self, number: u32) -> Vec<u8> {
        let size = self.plan.size;
        let mut p = Vec::with_capacity(size.max(12));
        p.extend_from_slice(MAGIC);
        p.extend_from_slice(&self.cookie.to_be_bytes());
        p.extend_from_slice(&number.to_be_bytes());
        p.resize(size.max(12), 0);
        for (i, b) in p.iter_mut().enumerate().skip(12) {
            *b = (i & 0xff) as u8;
        }
        p.truncate(size);
        p
    }

    /// Records that the due probe of target `t` went out (`sent_at` on the clock replies are
    /// timestamped with, `now` on the monotonic one).
    pub fn sent(&mut self, t: u32, sent_at: SystemTime, now: Instant) {
        let number = self.slots.len() as u32;
        let nth = self.next_round(t, now);
        let ts = &mut self.targets[t as usize];
        ts.outstanding += 1;
        self.slots.push(Slot {
            target: t,
            nth,
            sent_at,
            pending: true,
        });
        self.expiry.push_back((now + self.plan.timeout, number));
    }

    /// Records that the kernel refused the due probe of target `t` (no route, a local firewall):
    /// it counts as sent and lost. Returns the target's result when that was its last probe.
    pub fn send_failed(&mut self, t: u32, why: String, now: Instant) -> Option<PingResult> {
        self.next_round(t, now);
        self.targets[t as usize]
            .error
            .get_or_insert_with(|| format!("send failed: {why}"));
        self.finish_if_done(t)
    }

    /// Takes target `t`'s due send off the schedule, schedules its next one; returns which of
    /// the target's probes this is.
    fn next_round(&mut self, t: u32, now: Instant) -> u32 {
        self.schedule.pop_front();
        let ts = &mut self.targets[t as usize];
        let nth = ts.sent;
        ts.sent += 1;
        if nth + 1 < self.plan.count {
            self.schedule.push_back((now + self.plan.interval, t));
        }
        nth
    }

    /// An answer to one of our probes: an echo reply (`error` None), or an ICMP error quoting
    /// our request (`error` says what it was). `seq` and `payload` are the request's as they came
    /// back, `peer` the address the request went to. Returns the target's result when this
    /// settled its last probe; answers that match no probe in flight are ignored.
    pub fn answer(
        &mut self,
        seq: u16,
        payload: &[u8],
        peer: IpAddr,
        at: SystemTime,
        error: Option<String>,
    ) -> Option<PingResult> {
        let p = self.match_probe(seq, payload, peer)?;
        let slot = &mut self.slots[p as usize];
        slot.pending = false;
        let (t, nth, sent_at) = (slot.target, slot.nth, slot.sent_at);
        let ts = &mut self.targets[t as usize];
        ts.outstanding -= 1;
        match error {
            None => {
                ts.received += 1;
                let rtt = at.duration_since(sent_at).unwrap_or(Duration::ZERO);
                ts.rtts[nth as usize] = Some(round_ms(rtt.as_secs_f64() * 1e3));
            }
            Some(e) => {
                ts.error.get_or_insert(e);
            }
        }
        self.finish_if_done(t)
    }

    /// Finds the pending probe an answer belongs to: by the probe number in our payload when it
    /// came back whole, else by sequence number and address.
    fn match_probe(&self, seq: u16, payload: &[u8], peer: IpAddr) -> Option<u32> {
        let ok = |p: u32| {
            self.slots
                .get(p as usize)
                .is_some_and(|s| s.pending && self.targets[s.target as usize].resolved.addr == peer)
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

    /// Settles every probe whose deadline has passed as lost; returns the results it completed.
    pub fn expire(&mut self, now: Instant) -> Vec<PingResult> {
        let mut done = Vec::new();
        while let Some(&(deadline, p)) = self.expiry.front() {
            if deadline > now {
                break;
            }
            self.expiry.pop_front();
            let slot = &mut self.slots[p as usize];
            if slot.pending {
                slot.pending = false;
                let t = slot.target;
                self.targets[t as usize].outstanding -= 1;
                done.extend(self.finish_if_done(t));
            }
        }
        done
    }

    fn finish_if_done(&mut self, t: u32) -> Option<PingResult> {
        let ts = &mut self.targets[t as usize];
        if ts.done || ts.outstanding > 0 || ts.sent < self.plan.count {
            return None;
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
        Some(PingResult {
            target: ts.resolved.target.spec.clone(),
            addr: Some(ts.resolved.addr),
            alive: received > 0,
            sent: ts.sent,
            received,
            loss_pct: (loss * 10.0).round() / 10.0,
            rtt_ms: rtt,
            rtts_ms: std::mem::take(&mut ts.rtts),
            error: if received > 0 { None } else { ts.error.take() },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::targets::{Host, Target};

    const MS: Duration = Duration::from_millis(1);

    fn target(addr: &str) -> Resolved {
        let ip: IpAddr = addr.parse().expect("an address");
        Resolved {
            target: Target {
                spec: addr.into(),
                host: Host::Ip(ip),
            },
            addr: ip,
        }
    }

    fn plan(count: u32) -> Plan {
        Plan {
            count,
            interval: Duration::from_secs(1),
            timeout: Duration::from_secs(2),
            size: 56,
        }
    }

    /// A state over these addresses, started at `t0` (monotonic) and `w0` (wall clock).
    fn start(addrs: &[&str], count: u32) -> (PingState, Instant, SystemTime) {
        let t0 = Instant::now();
        let targets = addrs.iter().map(|a| target(a)).collect();
        (
            PingState::new(targets, plan(count), 0xc0ffee, t0),
            t0,
            SystemTime::UNIX_EPOCH,
        )
    }

    /// Sends every probe due at `now`; returns them in order.
    fn send_all(s: &mut PingState, now: Instant, wall: SystemTime) -> Vec<Probe> {
        let mut out = Vec::new();
        while let Due::Send(t) = s.due(now) {
            let p = s.probe(t);
            s.sent(t, wall, now);
            out.push(p);
        }
        out
    }

    #[test]
    fn rounds_go_out_an_interval_apart_and_the_result_comes_with_the_last_answer() {
        let (mut s, t0, w0) = start(&["192.0.2.1", "192.0.2.2"], 2);
        let first = send_all(&mut s, t0, w0);
        assert_eq!(first.iter().map(|p| p.number).collect::<Vec<_>>(), [0, 1]);
        assert_eq!(s.due(t0), Due::At(t0 + Duration::from_secs(1)));
        assert_eq!(s.next_deadline(), Some(t0 + Duration::from_secs(2)));
        let addr = first[0].addr;
        assert_eq!(
            s.answer(0, &first[0].payload, addr, w0 + 5 * MS, None),
            None,
            "one of two probes answered: no result yet"
        );
        let t1 = t0 + Duration::from_secs(1);
        let second = send_all(&mut s, t1, w0 + Duration::from_secs(1));
        assert_eq!(second.iter().map(|p| p.number).collect::<Vec<_>>(), [2, 3]);
        assert_eq!(s.due(t1), Due::Idle);
        let r = s
            .answer(
                2,
                &second[0].payload,
                addr,
                w0 + Duration::from_secs(1) + 7 * MS,
                None,
            )
            .expect("the target's last probe settled");
        assert_eq!((r.sent, r.received, r.alive, r.loss_pct), (2, 2, true, 0.0));
        assert_eq!(r.rtts_ms, [Some(5.0), Some(7.0)]);
        let rtt = r.rtt_ms.expect("stats");
        assert_eq!((rtt.min, rtt.avg, rtt.max), (5.0, 6.0, 7.0));
        assert_eq!(s.remaining(), 1);
    }

    #[test]
    fn unanswered_probes_expire_at_their_deadline_as_lost() {
        let (mut s, t0, w0) = start(&["192.0.2.1"], 1);
        send_all(&mut s, t0, w0);
        assert!(s.expire(t0 + Duration::from_secs(2) - MS).is_empty());
        let done = s.expire(t0 + Duration::from_secs(2));
        assert_eq!(done.len(), 1);
        let r = &done[0];
        assert_eq!(
            (r.sent, r.received, r.alive, r.loss_pct),
            (1, 0, false, 100.0)
        );
        assert_eq!((r.rtt_ms, r.error.as_deref()), (None, None));
        assert_eq!(s.remaining(), 0);
    }

    #[test]
    fn late_duplicate_and_foreign_answers_are_ignored() {
        let (mut s, t0, w0) = start(&["192.0.2.1", "192.0.2.2"], 1);
        let p = send_all(&mut s, t0, w0);
        let (a, b) = (p[0].addr, p[1].addr);
        // Probe 0 went to a; the same payload from b is not its answer.
        assert_eq!(s.answer(0, &p[0].payload, b, w0, None), None);
        // Another run's cookie.
        let mut foreign = p[0].payload.clone();
        foreign[4] ^= 0xff;
        assert_eq!(s.answer(0, &foreign, a, w0, None), None);
        assert!(s.answer(0, &p[0].payload, a, w0 + MS, None).is_some());
        assert_eq!(
            s.answer(0, &p[0].payload, a, w0 + 2 * MS, None),
            None,
            "a duplicate of a settled probe"
        );
        // Expiry of the settled probe does not count it twice; b's expires.
        let done = s.expire(t0 + Duration::from_secs(3));
        assert_eq!(done.len(), 1);
        assert_eq!(done[0].addr, Some(b));
    }

    #[test]
    fn a_cut_payload_is_matched_by_sequence_number_and_address_across_wraps() {
        // 70,000 probes: sequence numbers wrap, so seq 5 names probes 5 and 65,541.
        let addrs: Vec<String> = (0..70_000u32)
            .map(|i| format!("10.{}.{}.{}", i >> 16, (i >> 8) & 0xff, i & 0xff))
            .collect();
        let refs: Vec<&str> = addrs.iter().map(String::as_str).collect();
        let (mut s, t0, w0) = start(&refs, 1);
        let probes = send_all(&mut s, t0, w0);
        assert_eq!(probes.len(), 70_000);
        let late = &probes[65_541];
        let r = s
            .answer(5, &[], late.addr, w0 + 3 * MS, None)
            .expect("matched by seq and address");
        assert_eq!(r.target, addrs[65_541]);
        let r = s
            .answer(5, &[0; 8], probes[5].addr, w0 + MS, None)
            .expect("probe 5");
        assert_eq!(r.target, addrs[5]);
    }

    #[test]
    fn an_icmp_error_says_why_a_target_never_answered() {
        let (mut s, t0, w0) = start(&["192.0.2.1"], 2);
        let p = send_all(&mut s, t0, w0);
        let why = "host unreachable (from 198.51.100.1)".to_string();
        assert_eq!(
            s.answer(0, &p[0].payload, p[0].addr, w0, Some(why.clone())),
            None
        );
        let t1 = t0 + Duration::from_secs(1);
        send_all(&mut s, t1, w0);
        let r = s
            .expire(t1 + Duration::from_secs(2))
            .pop()
            .expect("settled");
        assert_eq!((r.received, r.error), (0, Some(why)));
    }

    #[test]
    fn a_refused_send_counts_as_sent_and_lost_and_the_next_round_still_goes() {
        let (mut s, t0, _) = start(&["192.0.2.1"], 2);
        let Due::Send(t) = s.due(t0) else {
            panic!("the first probe is due at once");
        };
        assert_eq!(s.send_failed(t, "Network is unreachable".into(), t0), None);
        let t1 = t0 + Duration::from_secs(1);
        assert_eq!(s.due(t0), Due::At(t1));
        let r = s
            .send_failed(t, "Network is unreachable".into(), t1)
            .expect("done");
        assert_eq!((r.sent, r.received, r.loss_pct), (2, 0, 100.0));
        assert_eq!(
            r.error.as_deref(),
            Some("send failed: Network is unreachable")
        );
    }

    #[test]
    fn payloads_carry_magic_cookie_and_number_and_have_the_asked_size() {
        let (s, _, _) = start(&["192.0.2.1"], 1);
        let p = s.probe(0);
        assert_eq!(p.payload.len(), 56);
        assert_eq!(&p.payload[..4], MAGIC);
        assert_eq!(p.payload[4..8], 0xc0ffee_u32.to_be_bytes());
        assert_eq!(p.payload[8..12], 0_u32.to_be_bytes());
        let tiny = PingState::new(
            vec![target("192.0.2.1")],
            Plan { size: 4, ..plan(1) },
            1,
            Instant::now(),
        );
        assert_eq!(
            tiny.probe(0).payload,
            MAGIC,
            "a short payload is cut, not padded"
        );
    }
}
