//! What a trap receiver refused, counted by why and by source. Unknown communities and users
//! below their profile's level are seen in the acceptance check; everything async-snmp drops
//! itself (undecodable datagrams, USM failures) it only logs, so a small `tracing` subscriber
//! turns those log events into counts for the receiver whose thread logged them.

use serde::Serialize;
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, Once};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};

/// Sources kept in the rejection table (the oldest goes first).
const SOURCES_KEPT: usize = 64;

/// A receiver's totals since it started.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TrapCounts {
    /// Notifications accepted (traps and informs).
    pub received: u64,
    /// Informs among them that were acknowledged.
    pub informs_acked: u64,
    /// v1/v2c notifications with a community not on the list.
    pub unknown_community: u64,
    /// v3 notifications from a user no profile names.
    pub unknown_user: u64,
    /// v3 notifications that failed authentication or decryption, were outside the time window,
    /// or came below the user's security level.
    pub bad_auth: u64,
    /// Datagrams that are not SNMP notifications wirescope could decode.
    pub malformed: u64,
    /// Accepted notifications lost because the consumer fell behind (the queue was full).
    pub dropped: u64,
    /// The sources refused most recently, with why.
    pub rejected: Vec<RejectedSource>,
}

/// One source whose notifications were refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RejectedSource {
    #[schema(value_type = String)]
    pub source: IpAddr,
    /// `unknown community`, `unknown user`, `bad authentication`, `malformed`.
    pub reason: String,
    pub count: u64,
    /// When the last one came, RFC 3339.
    pub last: String,
}

/// Why a notification was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Refusal {
    UnknownCommunity,
    UnknownUser,
    BadAuth,
    Malformed,
}

impl Refusal {
    fn word(self) -> &'static str {
        match self {
            Refusal::UnknownCommunity => "unknown community",
            Refusal::UnknownUser => "unknown user",
            Refusal::BadAuth => "bad authentication",
            Refusal::Malformed => "malformed",
        }
    }
}

/// How often a source was refused for one reason, when last, and in what order.
#[derive(Debug, Clone, Copy)]
struct Seen {
    count: u64,
    last: i64,
    order: u64,
}

/// The live counters of one receiver.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub received: AtomicU64,
    pub informs_acked: AtomicU64,
    pub dropped: AtomicU64,
    refused: [AtomicU64; 4],
    sources: Mutex<HashMap<(IpAddr, Refusal), Seen>>,
    order: AtomicU64,
}

impl Counters {
    pub fn refuse(&self, why: Refusal, source: Option<IpAddr>) {
        self.refused[why as usize].fetch_add(1, Relaxed);
        let Some(source) = source else { return };
        let now = crate::trap::receiver::now_ms();
        let n = self.order.fetch_add(1, Relaxed);
        let mut m = self.sources.lock().unwrap_or_else(|e| e.into_inner());
        let e = m.entry((source, why)).or_insert(Seen {
            count: 0,
            last: now,
            order: n,
        });
        e.count += 1;
        e.last = now;
        e.order = n;
        if m.len() > SOURCES_KEPT
            && let Some(oldest) = m.iter().min_by_key(|(_, v)| v.order).map(|(k, _)| *k)
        {
            m.remove(&oldest);
        }
    }

    pub fn snapshot(&self) -> TrapCounts {
        let mut rejected: Vec<_> = {
            let m = self.sources.lock().unwrap_or_else(|e| e.into_inner());
            m.iter().map(|(k, v)| (*k, *v)).collect()
        };
        rejected.sort_by_key(|(_, seen)| std::cmp::Reverse(seen.order));
        TrapCounts {
            received: self.received.load(Relaxed),
            informs_acked: self.informs_acked.load(Relaxed),
            unknown_community: self.refused[Refusal::UnknownCommunity as usize].load(Relaxed),
            unknown_user: self.refused[Refusal::UnknownUser as usize].load(Relaxed),
            bad_auth: self.refused[Refusal::BadAuth as usize].load(Relaxed),
            malformed: self.refused[Refusal::Malformed as usize].load(Relaxed),
            dropped: self.dropped.load(Relaxed),
            rejected: rejected
                .into_iter()
                .map(|((source, why), seen)| RejectedSource {
                    source,
                    reason: why.word().into(),
                    count: seen.count,
                    last: crate::trap::rfc3339_ms(seen.last),
                })
                .collect(),
        }
    }
}

thread_local! {
    /// The counters of the receiver running on this thread.
    static CURRENT: RefCell<Option<Arc<Counters>>> = const { RefCell::new(None) };
}

/// Makes this thread's async-snmp refusals count into `c` (a receiver's thread calls it once).
pub(crate) fn count_on_this_thread(c: Arc<Counters>) {
    install();
    CURRENT.with(|cur| *cur.borrow_mut() = Some(c));
}

/// Installs the counting subscriber as the process's global default, once. A process that set
/// its own subscriber first keeps it (and its receivers count no malformed datagrams).
fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = tracing::subscriber::set_global_default(RefusalCounter);
    });
}

/// The target async-snmp's receiver logs under.
const TARGET: &str = "async_snmp::notification";

/// Counts the receiver's warnings; ignores every other event and all spans.
struct RefusalCounter;

impl RefusalCounter {
    fn wanted(m: &Metadata<'_>) -> bool {
        m.is_event() && m.target() == TARGET && *m.level() <= Level::WARN
    }
}

impl Subscriber for RefusalCounter {
    fn register_callsite(&self, m: &'static Metadata<'static>) -> Interest {
        if Self::wanted(m) {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, m: &Metadata<'_>) -> bool {
        Self::wanted(m)
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut f = Fields::default();
        event.record(&mut f);
        let Some(why) = classify(&f.message, &f.error, &f.failure) else {
            return;
        };
        let source = f.source.parse::<std::net::SocketAddr>().ok().map(|s| {
            let ip = s.ip();
            match ip {
                IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
                v4 => v4,
            }
        });
        CURRENT.with(|cur| {
            if let Some(c) = cur.borrow().as_ref() {
                c.refuse(why, source);
            }
        });
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

/// What a receiver warning means, if it is a refusal. Authentication errors are logged twice
/// (the USM failure, then the parse failure it returns): only the first counts.
pub(crate) fn classify(message: &str, error: &str, failure: &str) -> Option<Refusal> {
    match message {
        "USM processing failed for inbound message" => match failure {
            "UnknownUserNames" => Some(Refusal::UnknownUser),
            "WrongDigests" | "DecryptionErrors" | "NotInTimeWindows" | "UnsupportedSecLevels" => {
                Some(Refusal::BadAuth)
            }
            // A sender discovering the engine ID (the first step of every v3 inform).
            _ => None,
        },
        "failed to parse notification" if error.starts_with("authentication failed") => None,
        "failed to parse notification" | "discarding datagram with invalid receive metadata" => {
            Some(Refusal::Malformed)
        }
        _ => None,
    }
}

/// The fields of one receiver event.
#[derive(Default)]
struct Fields {
    message: String,
    error: String,
    failure: String,
    source: String,
}

impl Fields {
    fn slot(&mut self, field: &Field) -> Option<&mut String> {
        match field.name() {
            "message" => Some(&mut self.message),
            "error" => Some(&mut self.error),
            "snmp.failure" => Some(&mut self.failure),
            "snmp.source" => Some(&mut self.source),
            _ => None,
        }
    }
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if let Some(slot) = self.slot(field) {
            let _ = write!(slot, "{value:?}");
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if let Some(slot) = self.slot(field) {
            slot.push_str(value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_told_apart_and_discovery_is_not_one() {
        let usm = "USM processing failed for inbound message";
        assert_eq!(
            classify(usm, "", "UnknownUserNames"),
            Some(Refusal::UnknownUser)
        );
        assert_eq!(classify(usm, "", "WrongDigests"), Some(Refusal::BadAuth));
        assert_eq!(classify(usm, "", "UnknownEngineIds"), None);
        let parse = "failed to parse notification";
        assert_eq!(
            classify(parse, "authentication failed for 1.2.3.4:5", ""),
            None
        );
        assert_eq!(
            classify(parse, "decode error at message offset 2: truncated", ""),
            Some(Refusal::Malformed)
        );
        assert_eq!(classify("sent Inform response", "", ""), None);
    }

    #[test]
    fn the_rejection_table_keeps_the_newest_sources() {
        let c = Counters::default();
        for i in 0..100u8 {
            c.refuse(Refusal::UnknownCommunity, Some(IpAddr::from([10, 0, 0, i])));
        }
        c.refuse(Refusal::Malformed, Some(IpAddr::from([10, 0, 0, 99])));
        c.refuse(Refusal::Malformed, None);
        let s = c.snapshot();
        assert_eq!(s.unknown_community, 100);
        assert_eq!(s.malformed, 2);
        assert_eq!(s.rejected.len(), SOURCES_KEPT);
        assert_eq!(s.rejected[0].reason, "malformed");
        assert_eq!(s.rejected[1].source, IpAddr::from([10, 0, 0, 99]));
    }
}
