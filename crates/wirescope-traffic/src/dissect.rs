//! The fast dissector: one pass over a frame's bytes, no allocation, every read bounds-checked.
//! It says which protocols appear anywhere in the frame (as Wireshark's display filter of the same
//! name would match it: the quoted packet inside an ICMP error counts, a fragmented datagram's
//! transport counts on its last fragment, as after Wireshark's reassembly) and the outer
//! addresses, ports and TCP flags the statistics need. Bytes it does not understand are data;
//! truncated headers mark the frame malformed.

use crate::classify::{self, App};
use std::collections::{HashMap, HashSet};

/// Protocol bits, one per Wireshark display-filter name.
pub mod proto {
    pub const ETH: u32 = 1 << 0;
    pub const VLAN: u32 = 1 << 1;
    pub const LLC: u32 = 1 << 2;
    pub const ARP: u32 = 1 << 3;
    pub const IP: u32 = 1 << 4;
    pub const IPV6: u32 = 1 << 5;
    pub const ICMP: u32 = 1 << 6;
    pub const ICMPV6: u32 = 1 << 7;
    pub const TCP: u32 = 1 << 8;
    pub const UDP: u32 = 1 << 9;
    pub const DNS: u32 = 1 << 10;
    pub const TLS: u32 = 1 << 11;
    pub const HTTP: u32 = 1 << 12;
    pub const DHCP: u32 = 1 << 13;
    pub const SNMP: u32 = 1 << 14;
    pub const NTP: u32 = 1 << 15;
    pub const SSH: u32 = 1 << 16;
    pub const LLDP: u32 = 1 << 17;
    pub const CDP: u32 = 1 << 18;
    pub const SLL: u32 = 1 << 19;
    pub const NULL: u32 = 1 << 20;
    pub const DATA: u32 = 1 << 21;
    pub const MDNS: u32 = 1 << 22;
}

/// The protocols and their Wireshark filter names, in hierarchy order.
pub const PROTOCOLS: [(u32, &str); 23] = [
    (proto::SLL, "sll"),
    (proto::NULL, "null"),
    (proto::ETH, "eth"),
    (proto::VLAN, "vlan"),
    (proto::LLC, "llc"),
    (proto::ARP, "arp"),
    (proto::LLDP, "lldp"),
    (proto::CDP, "cdp"),
    (proto::IP, "ip"),
    (proto::IPV6, "ipv6"),
    (proto::ICMP, "icmp"),
    (proto::ICMPV6, "icmpv6"),
    (proto::TCP, "tcp"),
    (proto::UDP, "udp"),
    (proto::DNS, "dns"),
    (proto::MDNS, "mdns"),
    (proto::DHCP, "dhcp"),
    (proto::SNMP, "snmp"),
    (proto::NTP, "ntp"),
    (proto::SSH, "ssh"),
    (proto::TLS, "tls"),
    (proto::HTTP, "http"),
    (proto::DATA, "data"),
];

/// An IP address as 16 bytes (IPv4 in the first four), cheap to copy and hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Addr {
    pub v6: bool,
    pub bytes: [u8; 16],
}

impl Addr {
    fn v4(b: &[u8]) -> Addr {
        let mut bytes = [0u8; 16];
        bytes[..4].copy_from_slice(&b[..4]);
        Addr { v6: false, bytes }
    }

    fn v6(b: &[u8]) -> Addr {
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&b[..16]);
        Addr { v6: true, bytes }
    }

    pub fn ip(&self) -> std::net::IpAddr {
        if self.v6 {
            std::net::IpAddr::from(self.bytes)
        } else {
            std::net::IpAddr::from([self.bytes[0], self.bytes[1], self.bytes[2], self.bytes[3]])
        }
    }
}

/// What the statistics need from one frame.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub protos: u32,
    /// Outer network addresses, when the frame has an IP header.
    pub src: Option<Addr>,
    pub dst: Option<Addr>,
    /// Outer transport protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6), 0 when none was read.
    pub l4: u8,
    pub sport: u16,
    pub dport: u16,
    pub tcp_flags: u8,
    /// Outer ICMP or ICMPv6 type and code.
    pub icmp: Option<(u8, u8)>,
    pub fragment: bool,
    pub malformed: bool,
}

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_ARP: u16 = 0x0806;
const ETHERTYPE_IPV6: u16 = 0x86dd;
const ETHERTYPE_LLDP: u16 = 0x88cc;

fn be16(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*d.get(at)?, *d.get(at + 1)?]))
}

/// A fragmented datagram's identity.
type FragKey = (Addr, Addr, u32, u8);

/// The ports of first fragments still waiting for their last.
pub(crate) type Frags = HashMap<FragKey, (u16, u16)>;

/// Transport ports of first fragments still waiting for their last, at most this many.
const MAX_FRAGMENTS: usize = 4096;

/// Keys a `Trail` remembers of each kind before it gives up (and its part is dissected again).
const MAX_TRAIL: usize = 65_536;

/// The dissector: stateless but for the ports of fragmented datagrams.
#[derive(Debug, Default)]
pub struct Dissector {
    frags: Frags,
    /// Kept by a dissector started part-way through a file, which cannot know the fragments
    /// pending there.
    trail: Option<Box<Trail>>,
}

/// What a dissector started part-way through a file did with fragment state: enough to tell,
/// once the fragments pending at its start are known, whether they would have changed anything.
#[derive(Debug, Default)]
struct Trail {
    /// Last fragments whose first was not seen.
    missed: HashSet<FragKey>,
    /// First fragments seen.
    inserted: HashSet<FragKey>,
    /// The most fragments pending at once.
    peak: usize,
    /// The pending set was cleared, or a set above outgrew `MAX_TRAIL`.
    lost: bool,
}

impl Dissector {
    pub fn new() -> Self {
        Dissector::default()
    }

    /// A dissector for frames that start part-way through a file, not knowing what came before.
    pub(crate) fn part_way() -> Self {
        Dissector {
            frags: Frags::default(),
            trail: Some(Box::default()),
        }
    }

    /// A dissector that goes on from fragments known to be pending.
    pub(crate) fn resumed(frags: Frags) -> Self {
        Dissector { frags, trail: None }
    }

    /// The fragments pending now.
    pub(crate) fn into_frags(self) -> Frags {
        self.frags
    }

    /// For a `part_way` dissector, given the fragments that were in fact pending where it
    /// started: the fragments pending now, as a dissector that had known them would have them;
    /// `None` when knowing them would have changed what it said of some frame.
    pub(crate) fn settle(self, before: &Frags) -> Option<Frags> {
        if before.is_empty() {
            return Some(self.frags);
        }
        let trail = self.trail?;
        if trail.lost
            || trail.peak + before.len() >= MAX_FRAGMENTS
            || trail.missed.iter().any(|k| before.contains_key(k))
        {
            return None;
        }
        let mut frags = self.frags;
        for (k, ports) in before {
            if !trail.inserted.contains(k) {
                frags.entry(*k).or_insert(*ports);
            }
        }
        Some(frags)
    }

    /// Dissects one frame of the given link type.
    pub fn frame(&mut self, linktype: u32, d: &[u8]) -> Summary {
        use crate::read::linktype as lt;
        let mut s = Summary::default();
        match linktype {
            lt::ETHERNET => self.ethernet(d, &mut s),
            lt::LINUX_SLL => {
                s.protos |= proto::SLL;
                match be16(d, 14) {
                    Some(t) if d.len() >= 16 => self.cooked(t, &d[16..], &mut s),
                    _ => s.malformed = true,
                }
            }
            lt::LINUX_SLL2 => {
                s.protos |= proto::SLL;
                match be16(d, 0) {
                    Some(t) if d.len() >= 20 => self.cooked(t, &d[20..], &mut s),
                    _ => s.malformed = true,
                }
            }
            lt::RAW | lt::RAW_12 | lt::RAW_14 | lt::IPV4 | lt::IPV6 => self.raw_ip(d, &mut s),
            lt::NULL | lt::LOOP => {
                s.protos |= proto::NULL;
                let Some(h) = d.get(..4) else {
                    s.malformed = true;
                    return s;
                };
                let le = u32::from_le_bytes([h[0], h[1], h[2], h[3]]);
                let be = u32::from_be_bytes([h[0], h[1], h[2], h[3]]);
                let family = if linktype == lt::LOOP { be } else { le.min(be) };
                match family {
                    2 => self.ipv4(&d[4..], &mut s, false),
                    10 | 24 | 28 | 30 => self.ipv6(&d[4..], &mut s, false),
                    _ => s.protos |= proto::DATA,
                }
            }
            _ => s.protos |= proto::DATA,
        }
        s
    }

    fn raw_ip(&mut self, d: &[u8], s: &mut Summary) {
        match d.first().map(|b| b >> 4) {
            Some(4) => self.ipv4(d, s, false),
            Some(6) => self.ipv6(d, s, false),
            _ => s.malformed = true,
        }
    }

    fn ethernet(&mut self, d: &[u8], s: &mut Summary) {
        s.protos |= proto::ETH;
        let Some(t) = be16(d, 12) else {
            s.malformed = true;
            return;
        };
        if t <= 1500 {
            // 802.3 with a length: LLC follows.
            self.llc(&d[14..], s);
            return;
        }
        self.ethertype(t, &d[14..], s);
    }

    /// A Linux cooked header's protocol: an Ethertype, or 0x0004 for an 802.2 LLC frame.
    fn cooked(&mut self, t: u16, d: &[u8], s: &mut Summary) {
        if t == 0x0004 {
            self.llc(d, s);
        } else {
            self.ethertype(t, d, s);
        }
    }

    /// 802.2 LLC, maybe SNAP: CDP (Cisco OUI, PID 0x2000) or an Ethertype behind SNAP.
    fn llc(&mut self, d: &[u8], s: &mut Summary) {
        s.protos |= proto::LLC;
        let llc = d.get(..3);
        if llc == Some(&[0xaa, 0xaa, 0x03][..]) {
            match (d.get(3..6), be16(d, 6)) {
                (Some([0x00, 0x00, 0x0c]), Some(0x2000)) => s.protos |= proto::CDP,
                (Some([0, 0, 0]), Some(et)) if d.len() >= 8 => self.ethertype(et, &d[8..], s),
                (Some(_), Some(_)) => s.protos |= proto::DATA,
                _ => s.malformed = true,
            }
        } else if llc.is_none() {
            s.malformed = true;
        } else {
            s.protos |= proto::DATA;
        }
    }

    fn ethertype(&mut self, mut t: u16, mut d: &[u8], s: &mut Summary) {
        // 802.1Q, 802.1ad (QinQ) and the old 0x9100 tag, stacked.
        while matches!(t, 0x8100 | 0x88a8 | 0x9100) {
            s.protos |= proto::VLAN;
            match be16(d, 2) {
                Some(next) if d.len() >= 4 => {
                    t = next;
                    d = &d[4..];
                }
                _ => {
                    s.malformed = true;
                    return;
                }
            }
        }
        match t {
            ETHERTYPE_IPV4 => self.ipv4(d, s, false),
            ETHERTYPE_IPV6 => self.ipv6(d, s, false),
            ETHERTYPE_ARP => {
                s.protos |= proto::ARP;
                if d.len() < 8 {
                    s.malformed = true;
                }
            }
            ETHERTYPE_LLDP => s.protos |= proto::LLDP,
            _ if !d.is_empty() => s.protos |= proto::DATA,
            _ => {}
        }
    }

    /// IPv4; `quoted` for the packet inside an ICMP error (no addresses or fragments kept).
    fn ipv4(&mut self, d: &[u8], s: &mut Summary, quoted: bool) {
        s.protos |= proto::IP;
        let (Some(&vihl), true) = (d.first(), d.len() >= 20) else {
            s.malformed = true;
            return;
        };
        let ihl = usize::from(vihl & 0x0f) * 4;
        if vihl >> 4 != 4 || ihl < 20 || ihl > d.len() {
            s.malformed = true;
            return;
        }
        let total = usize::from(be16(d, 2).unwrap_or(0));
        // Quoted packets are cut short by design; outer ones are trimmed to their length
        // (dropping Ethernet padding).
        let end = if quoted || total < ihl {
            d.len()
        } else {
            total.min(d.len())
        };
        let (src, dst) = (Addr::v4(&d[12..16]), Addr::v4(&d[16..20]));
        let proto_num = d[9];
        let flags_frag = be16(d, 6).unwrap_or(0);
        let more = flags_frag & 0x2000 != 0;
        let offset = flags_frag & 0x1fff;
        if !quoted {
            s.src = Some(src);
            s.dst = Some(dst);
            s.l4 = proto_num;
        }
        let payload = &d[ihl..end];
        if !quoted && (more || offset != 0) {
            s.fragment = true;
            let key = (src, dst, u32::from(be16(d, 4).unwrap_or(0)), proto_num);
            self.fragment(key, offset == 0, more, payload, proto_num, s, false);
            return;
        }
        self.transport(proto_num, payload, s, quoted, false);
    }

    fn ipv6(&mut self, d: &[u8], s: &mut Summary, quoted: bool) {
        s.protos |= proto::IPV6;
        if d.len() < 40 || d[0] >> 4 != 6 {
            s.malformed = true;
            return;
        }
        let plen = usize::from(be16(d, 4).unwrap_or(0));
        let end = if quoted {
            d.len()
        } else {
            (40 + plen).min(d.len())
        };
        let (src, dst) = (Addr::v6(&d[8..24]), Addr::v6(&d[24..40]));
        if !quoted {
            s.src = Some(src);
            s.dst = Some(dst);
        }
        let mut next = d[6];
        let mut at = 40;
        loop {
            match next {
                0 | 43 | 60 => {
                    let (Some(&nh), Some(&len)) = (d.get(at), d.get(at + 1)) else {
                        s.malformed = true;
                        return;
                    };
                    next = nh;
                    at += (usize::from(len) + 1) * 8;
                }
                51 => {
                    let (Some(&nh), Some(&len)) = (d.get(at), d.get(at + 1)) else {
                        s.malformed = true;
                        return;
                    };
                    next = nh;
                    at += (usize::from(len) + 2) * 4;
                }
                44 => {
                    let (Some(&nh), Some(off), Some(id)) = (
                        d.get(at),
                        be16(d, at + 2),
                        d.get(at + 4..at + 8)
                            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]])),
                    ) else {
                        s.malformed = true;
                        return;
                    };
                    at += 8;
                    if at > end {
                        s.malformed = true;
                        return;
                    }
                    if !quoted {
                        s.l4 = nh;
                        s.fragment = true;
                        let offset = off >> 3;
                        let more = off & 1 != 0;
                        let key = (src, dst, id, nh);
                        self.fragment(key, offset == 0, more, &d[at..end], nh, s, true);
                    }
                    return;
                }
                _ => break,
            }
            if at > end {
                s.malformed = true;
                return;
            }
        }
        if !quoted {
            s.l4 = next;
        }
        self.transport(next, &d[at..end], s, quoted, true);
    }

    /// A fragment: the first one's ports are kept; the last one counts the transport (and the
    /// application found by those ports), as Wireshark does after reassembly.
    #[allow(clippy::too_many_arguments)]
    fn fragment(
        &mut self,
        key: FragKey,
        first: bool,
        more: bool,
        payload: &[u8],
        proto_num: u8,
        s: &mut Summary,
        v6: bool,
    ) {
        // A fragment that does not complete the datagram shows its bytes as data.
        if (first || more) && !payload.is_empty() {
            s.protos |= proto::DATA;
        }
        if first {
            let ports = (be16(payload, 0), be16(payload, 2));
            if let (Some(a), Some(b)) = ports {
                if self.frags.len() >= MAX_FRAGMENTS {
                    self.frags.clear();
                    if let Some(t) = &mut self.trail {
                        t.lost = true;
                    }
                }
                self.frags.insert(key, (a, b));
                if let Some(t) = &mut self.trail {
                    t.peak = t.peak.max(self.frags.len());
                    t.inserted.insert(key);
                    t.lost |= t.inserted.len() > MAX_TRAIL;
                }
            }
            return;
        }
        if more {
            return;
        }
        let ports = self.frags.remove(&key);
        if let (None, Some(t)) = (ports, &mut self.trail) {
            t.missed.insert(key);
            t.lost |= t.missed.len() > MAX_TRAIL;
        }
        match proto_num {
            6 => s.protos |= proto::TCP,
            17 => s.protos |= proto::UDP,
            1 if !v6 => s.protos |= proto::ICMP,
            58 if v6 => s.protos |= proto::ICMPV6,
            _ => {}
        }
        if let Some((sport, dport)) = ports {
            s.sport = sport;
            s.dport = dport;
            let app = match proto_num {
                17 => app_bit(classify::udp(sport, dport)),
                6 => app_bit(classify::tcp(sport, dport, payload)),
                _ => 0,
            };
            s.protos |= if app == 0 && matches!(proto_num, 6 | 17) {
                proto::DATA
            } else {
                app
            };
        }
    }

    fn transport(&mut self, num: u8, p: &[u8], s: &mut Summary, quoted: bool, v6: bool) {
        match num {
            6 => {
                s.protos |= proto::TCP;
                let (Some(sport), Some(dport)) = (be16(p, 0), be16(p, 2)) else {
                    s.malformed |= !quoted;
                    return;
                };
                if !quoted {
                    s.sport = sport;
                    s.dport = dport;
                }
                if p.len() < 20 {
                    s.malformed |= !quoted;
                    return;
                }
                let hlen = usize::from(p[12] >> 4) * 4;
                if !quoted {
                    s.tcp_flags = p[13];
                }
                if hlen < 20 || hlen > p.len() {
                    s.malformed |= !quoted;
                    return;
                }
                let payload = &p[hlen..];
                if !payload.is_empty() {
                    let app = app_bit(classify::tcp(sport, dport, payload));
                    s.protos |= if app == 0 { proto::DATA } else { app };
                }
            }
            17 => {
                s.protos |= proto::UDP;
                let (Some(sport), Some(dport), Some(ulen)) = (be16(p, 0), be16(p, 2), be16(p, 4))
                else {
                    s.malformed |= !quoted;
                    return;
                };
                if !quoted {
                    s.sport = sport;
                    s.dport = dport;
                }
                let end = if quoted {
                    p.len()
                } else {
                    usize::from(ulen).clamp(8, p.len().max(8)).min(p.len())
                };
                if p.len() >= 8 && end > 8 {
                    let app = app_bit(classify::udp(sport, dport));
                    s.protos |= if app == 0 { proto::DATA } else { app };
                }
            }
            1 if !v6 => {
                s.protos |= proto::ICMP;
                let Some(&t) = p.first() else {
                    s.malformed |= !quoted;
                    return;
                };
                if !quoted {
                    s.icmp = Some((t, p.get(1).copied().unwrap_or(0)));
                }
                match t {
                    3 | 4 | 5 | 11 | 12 if !quoted && p.len() > 8 => self.ipv4(&p[8..], s, true),
                    0 | 8 | 13 | 14 if p.len() > 8 => s.protos |= proto::DATA,
                    _ => {}
                }
            }
            58 if v6 => {
                s.protos |= proto::ICMPV6;
                if !quoted && let Some(&t) = p.first() {
                    s.icmp = Some((t, p.get(1).copied().unwrap_or(0)));
                }
                match p.first() {
                    Some(1..=4) if !quoted && p.len() > 8 => self.ipv6(&p[8..], s, true),
                    Some(128 | 129) if p.len() > 8 => s.protos |= proto::DATA,
                    Some(_) => {}
                    None => s.malformed |= !quoted,
                }
            }
            _ => {
                if !p.is_empty() {
                    s.protos |= proto::DATA;
                }
            }
        }
    }
}

/// The protocol bit of what the classifier says a payload carries.
fn app_bit(app: Option<App>) -> u32 {
    match app {
        Some(App::Dns) => proto::DNS,
        Some(App::Mdns) => proto::MDNS,
        Some(App::Dhcp) => proto::DHCP,
        Some(App::Snmp) => proto::SNMP,
        Some(App::Ntp) => proto::NTP,
        Some(App::Ssh) => proto::SSH,
        Some(App::Tls) => proto::TLS,
        Some(App::Http) => proto::HTTP,
        None => 0,
    }
}

/// The names of the protocols in a set of bits, in hierarchy order.
pub fn names(bits: u32) -> impl Iterator<Item = &'static str> {
    PROTOCOLS
        .iter()
        .filter(move |(b, _)| bits & b != 0)
        .map(|(_, n)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::linktype;

    fn eth(ethertype: u16, payload: &[u8]) -> Vec<u8> {
        let mut f = vec![0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2];
        f.extend_from_slice(&ethertype.to_be_bytes());
        f.extend_from_slice(payload);
        f
    }

    fn ipv4(proto_num: u8, frag: u16, id: u16, payload: &[u8]) -> Vec<u8> {
        let total = (20 + payload.len()) as u16;
        let mut h = vec![0x45, 0];
        h.extend_from_slice(&total.to_be_bytes());
        h.extend_from_slice(&id.to_be_bytes());
        h.extend_from_slice(&frag.to_be_bytes());
        h.extend_from_slice(&[64, proto_num, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
        h.extend_from_slice(payload);
        h
    }

    fn udp(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
        let mut u = sport.to_be_bytes().to_vec();
        u.extend_from_slice(&dport.to_be_bytes());
        u.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
        u.extend_from_slice(&[0, 0]);
        u.extend_from_slice(payload);
        u
    }

    fn bits(s: &Summary) -> Vec<&'static str> {
        names(s.protos).collect()
    }

    #[test]
    fn dns_over_udp_with_addresses_and_ports() {
        let f = eth(0x0800, &ipv4(17, 0, 1, &udp(40000, 53, &[0; 12])));
        let s = Dissector::new().frame(linktype::ETHERNET, &f);
        assert_eq!(bits(&s), ["eth", "ip", "udp", "dns"]);
        assert_eq!((s.sport, s.dport, s.l4), (40000, 53, 17));
        assert_eq!(s.src.unwrap().ip().to_string(), "10.0.0.1");
        assert!(!s.malformed);
    }

    #[test]
    fn icmp_errors_count_the_quoted_protocols() {
        let inner = ipv4(17, 0, 9, &udp(40000, 33434, &[0; 32]));
        let mut icmp = vec![3, 3, 0, 0, 0, 0, 0, 0];
        icmp.extend_from_slice(&inner);
        let f = eth(0x0800, &ipv4(1, 0, 2, &icmp));
        let s = Dissector::new().frame(linktype::ETHERNET, &f);
        assert_eq!(bits(&s), ["eth", "ip", "icmp", "udp", "data"]);
        assert_eq!((s.sport, s.dport), (0, 0), "ports are the outer packet's");
    }

    #[test]
    fn fragments_count_their_transport_on_the_last_one() {
        let mut d = Dissector::new();
        let first = eth(0x0800, &ipv4(17, 0x2000, 7, &udp(161, 50000, &[0; 64])));
        let last = eth(0x0800, &ipv4(17, 9, 7, &[0; 40]));
        let a = d.frame(linktype::ETHERNET, &first);
        assert_eq!(bits(&a), ["eth", "ip", "data"]);
        assert!(a.fragment);
        let b = d.frame(linktype::ETHERNET, &last);
        assert_eq!(bits(&b), ["eth", "ip", "udp", "snmp"]);
        assert_eq!((b.sport, b.dport), (161, 50000));
    }

    #[test]
    fn vlan_llc_cdp_lldp_arp_and_cooked_links() {
        let mut d = Dissector::new();
        let mut tagged = vec![0, 10];
        tagged.extend_from_slice(&0x0806u16.to_be_bytes());
        tagged.extend_from_slice(&[0; 28]);
        assert_eq!(
            bits(&d.frame(linktype::ETHERNET, &eth(0x8100, &tagged))),
            ["eth", "vlan", "arp"]
        );
        let mut cdp = vec![0xaa, 0xaa, 0x03, 0, 0, 0x0c, 0x20, 0];
        cdp.extend_from_slice(&[2, 0xb4, 0, 0]);
        assert_eq!(
            bits(&d.frame(linktype::ETHERNET, &eth(cdp.len() as u16, &cdp))),
            ["eth", "llc", "cdp"]
        );
        assert_eq!(
            bits(&d.frame(linktype::ETHERNET, &eth(0x88cc, &[2, 7, 4]))),
            ["eth", "lldp"]
        );
        let mut sll = vec![0; 14];
        sll.extend_from_slice(&0x0800u16.to_be_bytes());
        sll.extend_from_slice(&ipv4(6, 0, 1, &[0; 20]));
        assert_eq!(
            bits(&d.frame(linktype::LINUX_SLL, &sll)),
            ["sll", "ip", "tcp"]
        );
        let raw = ipv4(1, 0, 1, &[8, 0, 0, 0, 0, 1, 0, 1, 1, 2, 3]);
        assert_eq!(bits(&d.frame(linktype::RAW, &raw)), ["ip", "icmp", "data"]);
        let mut null = 2u32.to_le_bytes().to_vec();
        null.extend_from_slice(&raw);
        assert_eq!(
            bits(&d.frame(linktype::NULL, &null)),
            ["null", "ip", "icmp", "data"]
        );
    }

    #[test]
    fn truncated_headers_are_malformed_not_panics() {
        let mut d = Dissector::new();
        let full = eth(0x0800, &ipv4(6, 0, 1, &[0; 20]));
        for cut in 0..full.len() {
            let s = d.frame(linktype::ETHERNET, &full[..cut]);
            assert!(s.malformed || cut == full.len(), "cut at {cut}: {s:?}");
        }
        let mut seed = 1u64;
        for n in 0..20_000 {
            let len = n % 200;
            let junk: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed as u8
                })
                .collect();
            for lt in [1, 113, 276, 101, 0, 108, 228, 229, 9999] {
                let _ = d.frame(lt, &junk);
            }
        }
    }
}
