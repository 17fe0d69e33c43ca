//! Device tables assembled from walks: LLDP and CDP neighbours (and a MikroTik's own neighbour
//! table), the ARP / neighbour table (IP-MIB ipNetToPhysicalTable and ipNetToMediaTable, merged
//! per address family) with MAC vendors, and interfaces (IF-MIB ifTable + ifXTable, 64-bit
//! counters when present, rates from two polls). Vendors fill these MIBs their own ways: local
//! port numbers that are not ifIndexes, rows indexed by one number, 0.0.0.0 announced before a
//! real address, names with NULs or in hex, capabilities as text. Pure functions over variable
//! bindings: tested on recorded device walks, no sockets.

use async_snmp::{Value, VarBind};
use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::OnceLock;
use wirescope_probe::result::{ArpEntry, Device, FdbEntry, Interface, Neighbor};

pub const IF_TABLE: &[u32] = &[1, 3, 6, 1, 2, 1, 2, 2, 1];
pub const IF_X_TABLE: &[u32] = &[1, 3, 6, 1, 2, 1, 31, 1, 1, 1];
pub const NET_TO_PHYSICAL: &[u32] = &[1, 3, 6, 1, 2, 1, 4, 35, 1];
pub const NET_TO_MEDIA: &[u32] = &[1, 3, 6, 1, 2, 1, 4, 22, 1];
pub const LLDP_LOC_PORT: &[u32] = &[1, 0, 8802, 1, 1, 2, 1, 3, 7, 1];
pub const LLDP_REM: &[u32] = &[1, 0, 8802, 1, 1, 2, 1, 4, 1, 1];
pub const LLDP_REM_MAN_ADDR: &[u32] = &[1, 0, 8802, 1, 1, 2, 1, 4, 2, 1];
pub const CDP_CACHE: &[u32] = &[1, 3, 6, 1, 4, 1, 9, 9, 23, 1, 2, 1, 1];
/// BRIDGE-MIB dot1dBasePortEntry (bridge port -> ifIndex), dot1dTpFdbEntry (MAC -> port).
pub const BASE_PORT: &[u32] = &[1, 3, 6, 1, 2, 1, 17, 1, 4, 1];
pub const TP_FDB: &[u32] = &[1, 3, 6, 1, 2, 1, 17, 4, 3, 1];
/// Q-BRIDGE-MIB dot1qTpFdbEntry (FDB id + MAC -> port), dot1qVlanCurrentEntry (its
/// dot1qVlanFdbId column maps a VLAN to its FDB id).
pub const Q_TP_FDB: &[u32] = &[1, 3, 6, 1, 2, 1, 17, 7, 1, 2, 2, 1];
pub const Q_VLAN_CURRENT: &[u32] = &[1, 3, 6, 1, 2, 1, 17, 7, 1, 4, 2, 1];
/// MIKROTIK-MIB mtxrNeighborTableEntry (RouterOS's MNDP/CDP/LLDP neighbours).
pub const MTXR_NEIGHBOR: &[u32] = &[1, 3, 6, 1, 4, 1, 14988, 1, 1, 11, 1, 1];
/// sysDescr.0, sysObjectID.0, sysName.0.
pub const SYSTEM_IDENTITY: [&[u32]; 3] = [
    &[1, 3, 6, 1, 2, 1, 1, 1, 0],
    &[1, 3, 6, 1, 2, 1, 1, 2, 0],
    &[1, 3, 6, 1, 2, 1, 1, 5, 0],
];
/// lldpLocChassisIdSubtype.0, lldpLocChassisId.0, lldpLocSysName.0.
pub const LLDP_IDENTITY: [&[u32]; 3] = [
    &[1, 0, 8802, 1, 1, 2, 1, 3, 1, 0],
    &[1, 0, 8802, 1, 1, 2, 1, 3, 2, 0],
    &[1, 0, 8802, 1, 1, 2, 1, 3, 3, 0],
];

/// Rows of a table: (column, index arcs) -> value.
type Rows<'a> = BTreeMap<Vec<u32>, HashMap<u32, &'a Value>>;

/// Groups the bindings under `entry` by row index; each row maps column number to value.
fn table<'a>(vbs: &'a [VarBind], entry: &[u32]) -> Rows<'a> {
    let mut rows: Rows<'a> = BTreeMap::new();
    for vb in vbs {
        let arcs = vb.oid.arcs();
        if let Some(rest) = arcs.strip_prefix(entry)
            && let Some((&col, index)) = rest.split_first()
        {
            rows.entry(index.to_vec())
                .or_default()
                .insert(col, &vb.value);
        }
    }
    rows
}

fn text(v: Option<&&Value>) -> Option<String> {
    match v? {
        Value::OctetString(b) => octets_text(b),
        other => Some(other.to_string()),
    }
}

/// An octet string as text: cut at its first NUL (agents pad names with them), trimmed; bytes
/// that are not printable UTF-8 as hex pairs (`4a:00:ff`), as net-snmp shows them.
fn octets_text(b: &[u8]) -> Option<String> {
    let end = b.iter().position(|c| *c == 0).unwrap_or(b.len());
    let (head, tail) = b.split_at(end);
    let printable = |s: &str| !s.chars().any(char::is_control);
    let s = match std::str::from_utf8(head) {
        // What follows the first NUL is padding only if it is all NULs.
        Ok(s) if printable(s) && tail.iter().all(|c| *c == 0) => s.trim().to_string(),
        _ => hex(b),
    };
    (!s.is_empty()).then_some(s)
}

fn hex(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn int(v: Option<&&Value>) -> Option<i64> {
    match v? {
        Value::Integer(i) => Some(i64::from(*i)),
        Value::Counter32(u) | Value::Gauge32(u) | Value::UInteger32(u) | Value::TimeTicks(u) => {
            Some(i64::from(*u))
        }
        Value::Counter64(u) => i64::try_from(*u).ok(),
        _ => None,
    }
}

fn counter(v: Option<&&Value>) -> Option<u64> {
    match v? {
        Value::Counter64(u) => Some(*u),
        Value::Counter32(u) | Value::Gauge32(u) => Some(u64::from(*u)),
        _ => None,
    }
}

fn bytes<'a>(v: Option<&&'a Value>) -> Option<&'a [u8]> {
    match v? {
        Value::OctetString(b) => Some(b),
        _ => None,
    }
}

/// A MAC address as aa:bb:cc:dd:ee:ff.
pub fn mac(b: &[u8]) -> String {
    crate::value::mac(b)
}

/// Interface names by ifIndex (ifName, else ifDescr).
pub fn if_names(vbs: &[VarBind]) -> HashMap<i64, String> {
    let mut names = HashMap::new();
    for (idx, row) in table(vbs, IF_TABLE) {
        if let (Some(i), Some(d)) = (idx.first(), text(row.get(&2))) {
            names.insert(i64::from(*i), d);
        }
    }
    for (idx, row) in table(vbs, IF_X_TABLE) {
        if let (Some(i), Some(n)) = (idx.first(), text(row.get(&1))) {
            names.insert(i64::from(*i), n);
        }
    }
    names
}

fn status(v: Option<i64>) -> String {
    match v {
        Some(1) => "up",
        Some(2) => "down",
        Some(3) => "testing",
        Some(5) => "dormant",
        Some(6) => "notPresent",
        Some(7) => "lowerLayerDown",
        _ => "unknown",
    }
    .to_string()
}

/// The interface table (ifTable joined with ifXTable by ifIndex).
pub fn interfaces(vbs: &[VarBind]) -> Vec<Interface> {
    let x = table(vbs, IF_X_TABLE);
    table(vbs, IF_TABLE)
        .into_iter()
        .filter_map(|(idx, row)| {
            let index = i64::from(*idx.first()?);
            let xr = x.get(&idx);
            let xget = |c: u32| xr.and_then(|r| r.get(&c));
            let descr = text(row.get(&2)).unwrap_or_default();
            // ifHighSpeed is in Mb/s and does not saturate at 4.29 Gb/s like ifSpeed.
            let speed_mbps = int(xget(15))
                .filter(|s| *s > 0)
                .or_else(|| int(row.get(&5)).map(|bps| bps / 1_000_000));
            Some(Interface {
                index,
                name: text(xget(1)).unwrap_or_else(|| descr.clone()),
                descr,
                alias: text(xget(18)).unwrap_or_default(),
                admin: status(int(row.get(&7))),
                oper: status(int(row.get(&8))),
                speed_mbps,
                mtu: int(row.get(&4)),
                mac: bytes(row.get(&6)).filter(|b| b.len() == 6).map(mac),
                in_octets: counter(xget(6)).or_else(|| counter(row.get(&10))),
                out_octets: counter(xget(10)).or_else(|| counter(row.get(&16))),
                in_errors: counter(row.get(&14)),
                out_errors: counter(row.get(&20)),
                in_discards: counter(row.get(&13)),
                out_discards: counter(row.get(&19)),
                in_bps: None,
                out_bps: None,
            })
        })
        .collect()
}

/// Fills in bit rates from two polls `secs` apart (a counter that went backwards gives none).
pub fn add_rates(now: &mut [Interface], before: &[Interface], secs: f64) {
    let prev: HashMap<i64, &Interface> = before.iter().map(|i| (i.index, i)).collect();
    for i in now {
        if let Some(p) = prev.get(&i.index) {
            let rate = |a: Option<u64>, b: Option<u64>| match (a, b) {
                (Some(new), Some(old)) if new >= old && secs > 0.0 => {
                    Some(((new - old) as f64 * 8.0 / secs).round() as u64)
                }
                _ => None,
            };
            i.in_bps = rate(i.in_octets, p.in_octets);
            i.out_bps = rate(i.out_octets, p.out_octets);
        }
    }
}

fn addr_from(kind: i64, b: &[u8]) -> Option<IpAddr> {
    match (kind, b.len()) {
        (1, 4) | (3, 8) => Some(IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3]))),
        (2, 16) | (4, 20) => <[u8; 16]>::try_from(&b[..16])
            .ok()
            .map(|a| IpAddr::V6(Ipv6Addr::from(a))),
        _ => None,
    }
}

/// The neighbour (ARP / NDP) table from both IP-MIB tables, merged per address family: a family
/// ipNetToPhysicalTable holds is taken from it, the others from ipNetToMediaTable (some agents
/// keep only their IPv6 neighbours in the newer table and their IPv4 ones in the older); an
/// address on an interface is listed once.
pub fn arp(vbs: &[VarBind], names: &HashMap<i64, String>) -> Vec<ArpEntry> {
    let name = |i: i64| {
        names
            .get(&i)
            .cloned()
            .unwrap_or_else(|| format!("ifIndex {i}"))
    };
    let kinds = ["other", "invalid", "dynamic", "static", "local"];
    let kind_of = |t: Option<i64>| {
        t.and_then(|t| kinds.get(usize::try_from(t - 1).ok()?))
            .unwrap_or(&"other")
            .to_string()
    };
    let mut physical = Vec::new();
    for (idx, row) in table(vbs, NET_TO_PHYSICAL) {
        // INDEX { ifIndex, addressType, address (length-prefixed) }
        let (Some(&ifx), Some(&atype), Some(&len)) = (idx.first(), idx.get(1), idx.get(2)) else {
            continue;
        };
        let raw: Vec<u8> = idx
            .iter()
            .skip(3)
            .take(len as usize)
            .map(|a| *a as u8)
            .collect();
        let (Some(ip), Some(m)) = (addr_from(i64::from(atype), &raw), bytes(row.get(&4))) else {
            continue;
        };
        physical.push(entry(
            ip,
            m,
            name(i64::from(ifx)),
            kind_of(int(row.get(&6))),
        ));
    }
    let mut media = Vec::new();
    for (idx, row) in table(vbs, NET_TO_MEDIA) {
        let (Some(&ifx), [a, b, c, d]) = (idx.first(), &idx[1.min(idx.len())..]) else {
            continue;
        };
        let ip = IpAddr::V4(Ipv4Addr::new(*a as u8, *b as u8, *c as u8, *d as u8));
        let Some(m) = bytes(row.get(&2)) else {
            continue;
        };
        media.push(entry(
            ip,
            m,
            name(i64::from(ifx)),
            kind_of(int(row.get(&4))),
        ));
    }
    let v4_in_physical = physical.iter().any(|e| e.ip.is_ipv4());
    let mut out = physical;
    if !v4_in_physical {
        out.extend(media);
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|e| seen.insert((e.ip, e.interface.clone())));
    out
}

/// Whether an ARP table read from ipNetToPhysicalTable alone lacks IPv4 neighbours, so that
/// ipNetToMediaTable is worth walking too.
pub fn wants_media(entries: &[ArpEntry]) -> bool {
    !entries.iter().any(|e| e.ip.is_ipv4())
}

fn entry(ip: IpAddr, m: &[u8], interface: String, kind: String) -> ArpEntry {
    ArpEntry {
        ip,
        mac: mac(m),
        vendor: vendor(m),
        interface,
        entry_type: kind,
    }
}

/// The vendor behind a MAC address: "locally administered" for such addresses, else the OUI's
/// owner from the system's OUI list (nmap's or Debian ieee-data's), when present.
pub fn vendor(m: &[u8]) -> Option<String> {
    let first = *m.first()?;
    if first & 0x02 != 0 {
        return Some("(locally administered)".into());
    }
    let oui = (u32::from(first) << 16) | (u32::from(*m.get(1)?) << 8) | u32::from(*m.get(2)?);
    oui_table().get(&oui).cloned()
}

fn oui_table() -> &'static HashMap<u32, String> {
    static TABLE: OnceLock<HashMap<u32, String>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = HashMap::new();
        if let Ok(text) = std::fs::read_to_string("/usr/share/nmap/nmap-mac-prefixes") {
            t.extend(parse_oui_list(&text));
        } else if let Ok(text) = std::fs::read_to_string("/usr/share/ieee-data/oui.txt") {
            for line in text.lines().filter(|l| l.contains("(base 16)")) {
                let mut it = line.splitn(2, "(base 16)");
                if let (Some(hex), Some(name)) = (it.next(), it.next())
                    && let Ok(oui) = u32::from_str_radix(hex.trim(), 16)
                {
                    t.insert(oui, name.trim().to_string());
                }
            }
        }
        t
    })
}

/// Parses "001122 Vendor Name" lines.
pub fn parse_oui_list(text: &str) -> HashMap<u32, String> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (hex, name) = l.split_once(char::is_whitespace)?;
            Some((
                u32::from_str_radix(hex, 16)
                    .ok()
                    .filter(|_| hex.len() == 6)?,
                name.trim().to_string(),
            ))
        })
        .collect()
}

/// CDP capabilities as CISCO-CDP-MIB describes them: four bytes of bits, or what some agents
/// give instead, the bits as hex text ("0x00000029") or the names as words ("Router Switch").
fn cdp_caps(b: &[u8]) -> String {
    let names = [
        (0x01, "router"),
        (0x02, "trans-bridge"),
        (0x04, "source-route-bridge"),
        (0x08, "switch"),
        (0x10, "host"),
        (0x20, "igmp"),
        (0x40, "repeater"),
        (0x80, "phone"),
        (0x100, "remote"),
        (0x400, "mac-relay"),
    ];
    let from_bits = |bits: u32| {
        names
            .iter()
            .filter(|(m, _)| bits & m != 0)
            .map(|(_, n)| *n)
            .collect::<Vec<_>>()
            .join(",")
    };
    let printable = !b.is_empty() && b.iter().all(|c| c.is_ascii_graphic() || *c == b' ');
    if !printable {
        return from_bits(b.iter().fold(0u32, |acc, x| (acc << 8) | u32::from(*x)));
    }
    let t = String::from_utf8_lossy(b);
    let t = t.trim();
    let digits = t.strip_prefix("0x").unwrap_or(t);
    if !digits.is_empty() && digits.len() <= 8 && digits.bytes().all(|c| c.is_ascii_hexdigit()) {
        return u32::from_str_radix(digits, 16).map_or_else(|_| String::new(), from_bits);
    }
    t.split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let w = w.to_ascii_lowercase();
            match w.as_str() {
                "trans_bridge" | "transparent-bridge" => "trans-bridge".to_string(),
                "source_route_bridge" => "source-route-bridge".to_string(),
                _ => w,
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// LLDP system capability bits (IEEE 802.1AB), most significant bit first.
fn lldp_caps(b: &[u8]) -> String {
    let names = [
        "other",
        "repeater",
        "bridge",
        "wlanAccessPoint",
        "router",
        "telephone",
        "docsisCableDevice",
        "stationOnly",
    ];
    let bits = b.first().copied().unwrap_or(0);
    names
        .iter()
        .enumerate()
        .filter(|(i, _)| bits & (0x80 >> i) != 0)
        .map(|(_, n)| *n)
        .collect::<Vec<_>>()
        .join(",")
}

/// An LLDP chassis or port id as text: MAC subtypes as MACs (also when an agent writes the MAC
/// out as text), network addresses as IPv4 or IPv6, the rest as text, or hex when it is not.
fn lldp_id(
    subtype: Option<i64>,
    raw: Option<&[u8]>,
    mac_subtype: i64,
    addr_subtype: i64,
) -> Option<String> {
    let raw = raw?;
    match subtype {
        Some(s) if s == mac_subtype && raw.len() == 6 => Some(mac(raw)),
        Some(s)
            if s == mac_subtype
                && let Some(m) = mac_text(raw) =>
        {
            Some(mac(&m))
        }
        Some(s) if s == addr_subtype && raw.len() == 5 && raw[0] == 1 => {
            Some(Ipv4Addr::new(raw[1], raw[2], raw[3], raw[4]).to_string())
        }
        Some(s) if s == addr_subtype && raw.len() == 17 && raw[0] == 2 => {
            <[u8; 16]>::try_from(&raw[1..])
                .ok()
                .map(|a| Ipv6Addr::from(a).to_string())
        }
        _ => octets_text(raw),
    }
}

/// A MAC address an agent wrote out as text: "001122aabbcc", "00:11:22:aa:bb:cc",
/// "00-11-22-AA-BB-CC" or "0011.22aa.bbcc".
fn mac_text(raw: &[u8]) -> Option<[u8; 6]> {
    let t = std::str::from_utf8(raw).ok()?.trim_end_matches('\0').trim();
    let digits: String = t
        .chars()
        .filter(|c| !matches!(c, ':' | '-' | '.' | ' '))
        .collect();
    if digits.len() != 12 || !digits.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let mut m = [0u8; 6];
    for (i, b) in m.iter_mut().enumerate() {
        *b = u8::from_str_radix(&digits[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(m)
}

/// Whether an address is one to reach a device by: unicast, not unspecified, loopback or
/// link-local.
fn routable(a: &IpAddr) -> bool {
    match a {
        IpAddr::V4(v) => {
            !(v.is_unspecified()
                || v.is_loopback()
                || v.is_link_local()
                || v.is_multicast()
                || v.is_broadcast())
        }
        IpAddr::V6(v) => {
            !(v.is_unspecified()
                || v.is_loopback()
                || v.is_multicast()
                || v.is_unicast_link_local())
        }
    }
}

/// The management address to use of those announced: the first routable IPv4 one, else the
/// first routable one, else the first that is not unspecified.
fn best_addr(addrs: &[IpAddr]) -> Option<IpAddr> {
    addrs
        .iter()
        .find(|a| a.is_ipv4() && routable(a))
        .or_else(|| addrs.iter().find(|a| routable(a)))
        .or_else(|| addrs.iter().find(|a| !a.is_unspecified()))
        .copied()
}

/// Who a device says it is, from the bindings of `SYSTEM_IDENTITY` and `LLDP_IDENTITY`
/// (absent objects are simply missing).
pub fn identity(vbs: &[VarBind], credential: &str, depth: u32) -> Device {
    let get = |oid: &[u32]| {
        vbs.iter()
            .find(|vb| vb.oid.arcs() == oid)
            .map(|vb| &vb.value)
    };
    let [descr, object_id, name] = SYSTEM_IDENTITY;
    let [subtype, chassis, lldp_name] = LLDP_IDENTITY;
    Device {
        name: text(get(name).as_ref()),
        descr: text(get(descr).as_ref()),
        object_id: match get(object_id) {
            Some(Value::ObjectIdentifier(o)) => Some(crate::mib::dotted(o.arcs())),
            _ => None,
        },
        chassis_id: lldp_id(
            int(get(subtype).as_ref()),
            bytes(get(chassis).as_ref()),
            4,
            5,
        ),
        lldp_name: text(get(lldp_name).as_ref()),
        credential: credential.to_string(),
        depth,
    }
}

/// A switch's forwarding database: Q-BRIDGE-MIB's entries with their VLANs (FDB ids mapped
/// through dot1qVlanFdbId, else taken as the VLAN), then BRIDGE-MIB's that Q-BRIDGE-MIB did not
/// list (its only table on many switches; `vlan` is the VLAN context it was read in), each port
/// with its interface. A MAC learnt on two ports is listed on both.
pub fn fdb(vbs: &[VarBind], names: &HashMap<i64, String>, vlan: Option<u32>) -> Vec<FdbEntry> {
    let ports: HashMap<u32, u32> = table(vbs, BASE_PORT)
        .into_iter()
        .filter_map(|(idx, row)| {
            let port = *idx.first()?;
            let ifx = u32::try_from(int(row.get(&2))?).ok()?;
            Some((port, ifx))
        })
        .collect();
    let vlan_of_fid: HashMap<u32, u32> = table(vbs, Q_VLAN_CURRENT)
        .into_iter()
        .filter_map(|(idx, row)| {
            // INDEX { dot1qVlanTimeMark, dot1qVlanIndex }
            let vid = *idx.get(1)?;
            let fid = u32::try_from(int(row.get(&3))?).ok()?;
            Some((fid, vid))
        })
        .collect();
    let aliases: HashMap<u32, String> = table(vbs, IF_X_TABLE)
        .into_iter()
        .filter_map(|(idx, row)| Some((*idx.first()?, text(row.get(&18))?)))
        .collect();
    let statuses = ["other", "invalid", "learned", "self", "mgmt"];
    let status_of = |v: Option<i64>| {
        v.and_then(|s| statuses.get(usize::try_from(s - 1).ok()?))
            .unwrap_or(&"other")
            .to_string()
    };
    let make = |m: &[u8], vlan: Option<u32>, port: u32, status: String| {
        let if_index = ports.get(&port).copied();
        FdbEntry {
            mac: mac(m),
            vendor: vendor(m),
            vlan,
            port,
            if_index,
            interface: match (port, if_index) {
                (0, _) => "self".to_string(),
                (_, Some(i)) => names
                    .get(&i64::from(i))
                    .cloned()
                    .unwrap_or_else(|| format!("ifIndex {i}")),
                (p, None) => format!("bridge port {p}"),
            },
            alias: if_index.and_then(|i| aliases.get(&i).cloned()),
            status,
        }
    };
    let mac_of = |arcs: &[u32]| -> Option<Vec<u8>> {
        (arcs.len() == 6)
            .then(|| {
                arcs.iter()
                    .map(|a| u8::try_from(*a).ok())
                    .collect::<Option<Vec<u8>>>()
            })
            .flatten()
    };
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (idx, row) in table(vbs, Q_TP_FDB) {
        // INDEX { dot1qFdbId, dot1qTpFdbAddress }
        let (Some((&fid, rest)), Some(port)) = (idx.split_first(), int(row.get(&2))) else {
            continue;
        };
        let (Some(m), Ok(port)) = (mac_of(rest), u32::try_from(port)) else {
            continue;
        };
        seen.insert((m.clone(), port));
        let v = vlan_of_fid.get(&fid).copied().unwrap_or(fid);
        out.push(make(&m, Some(v), port, status_of(int(row.get(&3)))));
    }
    for (idx, row) in table(vbs, TP_FDB) {
        // INDEX { dot1dTpFdbAddress }
        let (Some(m), Some(port)) = (mac_of(&idx), int(row.get(&2))) else {
            continue;
        };
        let Ok(port) = u32::try_from(port) else {
            continue;
        };
        if seen.insert((m.clone(), port)) {
            out.push(make(&m, vlan, port, status_of(int(row.get(&3)))));
        }
    }
    out
}

/// A device's neighbours, and what of its tables could not be understood.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Neighbors {
    pub list: Vec<Neighbor>,
    /// Set when the device answered neighbour rows none of which could be read, or some of
    /// which could not: how many, of which table, and why.
    pub note: Option<String>,
}

/// The name of the local port that lldpLocPortNum `n` stands for. Agents differ: Cisco gives
/// the port's name (subtype interfaceName), Juniper and HP a local number that is an ifIndex
/// (subtype local), Huawei the port's MAC (subtype macAddress) with the name in
/// lldpLocPortDesc, and the LLDP port number itself is an ifIndex only on some (lldpd, Arista).
fn local_port_name(n: u32, loc: &Rows<'_>, names: &HashMap<i64, String>) -> String {
    let Some(row) = loc.get(&vec![n]) else {
        return names
            .get(&i64::from(n))
            .cloned()
            .unwrap_or_else(|| format!("port {n}"));
    };
    let subtype = int(row.get(&2));
    let id = bytes(row.get(&3)).and_then(octets_text);
    let desc = text(row.get(&4));
    // interfaceAlias(1), interfaceName(5): the id is the name.
    if matches!(subtype, Some(1 | 5))
        && let Some(id) = &id
    {
        return id.clone();
    }
    // local(7): a number that is an ifIndex names its interface.
    if let Some(name) = id
        .as_deref()
        .filter(|_| subtype == Some(7))
        .and_then(|i| i.parse::<i64>().ok())
        .and_then(|i| names.get(&i))
    {
        return name.clone();
    }
    if let Some(d) = desc {
        return d;
    }
    // Any other id that is text (not a MAC, not a bare number) names the port.
    if let Some(id) = id.filter(|i| subtype != Some(3) && i.parse::<u64>().is_err()) {
        return id;
    }
    names
        .get(&i64::from(n))
        .cloned()
        .unwrap_or_else(|| format!("port {n}"))
}

/// LLDP neighbours (lldpRemTable + lldpRemManAddrTable, local ports from lldpLocPortTable and
/// the interface names; RouterOS's rows indexed by one number, their local port and address from
/// its own table), CDP neighbours (cdpCacheTable, local ports by ifIndex, IPv4 and IPv6
/// addresses), and a MikroTik's own neighbour table when its LLDP rows are missing.
pub fn neighbors(vbs: &[VarBind], names: &HashMap<i64, String>) -> Neighbors {
    let loc = table(vbs, LLDP_LOC_PORT);
    let mtxr = table(vbs, MTXR_NEIGHBOR);
    let mtxr_port = |n: u32| {
        mtxr.get(&vec![n])
            .and_then(|r| int(r.get(&8)))
            .and_then(|i| u32::try_from(i).ok())
    };
    let mtxr_addr = |n: u32| {
        mtxr.get(&vec![n]).and_then(|r| match r.get(&2) {
            Some(Value::IpAddress(a)) => Some(IpAddr::V4(Ipv4Addr::from(*a))),
            _ => None,
        })
    };
    // Management addresses by (local port, remote index): every one, in the table's order.
    let mut mgmt: HashMap<(u32, u32), Vec<IpAddr>> = HashMap::new();
    for idx in table(vbs, LLDP_REM_MAN_ADDR).keys() {
        // INDEX { timeMark, localPortNum, remIndex, addrSubtype, addr (length-prefixed) }
        if let (Some(&port), Some(&rem), Some(&sub), Some(&len)) =
            (idx.get(1), idx.get(2), idx.get(3), idx.get(4))
        {
            let raw: Vec<u8> = idx
                .iter()
                .skip(5)
                .take(len as usize)
                .map(|a| *a as u8)
                .collect();
            if let Some(ip) = addr_from(i64::from(sub), &raw) {
                let list = mgmt.entry((port, rem)).or_default();
                if !list.contains(&ip) {
                    list.push(ip);
                }
            }
        }
    }
    let mut out = Vec::new();
    let mut odd = 0usize;
    for (idx, row) in table(vbs, LLDP_REM) {
        // (timeMark, localPortNum, remIndex); RouterOS before 7.7: (remIndex) alone.
        let (port, addrs) = match idx.as_slice() {
            [_, port, rem] => (
                Some(*port),
                mgmt.get(&(*port, *rem)).cloned().unwrap_or_default(),
            ),
            [n] => (mtxr_port(*n), mtxr_addr(*n).into_iter().collect()),
            _ => {
                odd += 1;
                continue;
            }
        };
        let local_port = match (idx.len(), port) {
            (3, Some(p)) => local_port_name(p, &loc, names),
            (_, Some(ifx)) => names
                .get(&i64::from(ifx))
                .cloned()
                .unwrap_or_else(|| format!("ifIndex {ifx}")),
            _ => "?".to_string(),
        };
        out.push(Neighbor {
            protocol: "lldp".into(),
            local_port,
            local_port_num: port,
            remote_name: text(row.get(&9)),
            remote_port: lldp_id(int(row.get(&6)), bytes(row.get(&7)), 3, 4),
            remote_port_desc: text(row.get(&8)),
            chassis_id: lldp_id(int(row.get(&4)), bytes(row.get(&5)), 4, 5),
            mgmt_addr: best_addr(&addrs),
            mgmt_addrs: addrs,
            platform: text(row.get(&10)),
            capabilities: bytes(row.get(&12)).map(lldp_caps).filter(|c| !c.is_empty()),
        });
    }
    let lldp_read = !out.is_empty();
    // The vendor's own table, where LLDP-MIB gave nothing to read.
    if !lldp_read {
        for (idx, row) in &mtxr {
            let [n] = idx.as_slice() else {
                odd += 1;
                continue;
            };
            let addrs: Vec<IpAddr> = mtxr_addr(*n).into_iter().collect();
            let ifx = mtxr_port(*n);
            out.push(Neighbor {
                protocol: "mndp".into(),
                local_port: ifx.map_or_else(
                    || "?".to_string(),
                    |i| {
                        names
                            .get(&i64::from(i))
                            .cloned()
                            .unwrap_or_else(|| format!("ifIndex {i}"))
                    },
                ),
                local_port_num: ifx,
                remote_name: text(row.get(&6)),
                remote_port: None,
                remote_port_desc: None,
                chassis_id: bytes(row.get(&3)).and_then(|b| {
                    if b.len() == 6 {
                        Some(mac(b))
                    } else {
                        mac_text(b).map(|m| mac(&m))
                    }
                }),
                mgmt_addr: best_addr(&addrs),
                mgmt_addrs: addrs,
                platform: match (text(row.get(&5)), text(row.get(&4))) {
                    (Some(p), Some(v)) => Some(format!("{p} {v}")),
                    (p, v) => p.or(v),
                },
                capabilities: None,
            });
        }
    }
    for (idx, row) in table(vbs, CDP_CACHE) {
        // INDEX { cdpCacheIfIndex, cdpCacheDeviceIndex }
        let [ifx, _] = idx.as_slice() else {
            odd += 1;
            continue;
        };
        let ifx = *ifx;
        // cdpCacheAddressType: ip(1), ipv6(20); agents that leave it out are read by length.
        let addr = bytes(row.get(&4)).and_then(|b| match (int(row.get(&3)), b.len()) {
            (Some(1) | None, 4) => Some(IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3]))),
            (Some(20) | None, 16) => <[u8; 16]>::try_from(b)
                .ok()
                .map(|a| IpAddr::V6(Ipv6Addr::from(a))),
            _ => None,
        });
        let addrs: Vec<IpAddr> = addr.into_iter().collect();
        out.push(Neighbor {
            protocol: "cdp".into(),
            local_port: names
                .get(&i64::from(ifx))
                .cloned()
                .unwrap_or_else(|| format!("ifIndex {ifx}")),
            local_port_num: Some(ifx),
            remote_name: text(row.get(&6)),
            remote_port: text(row.get(&7)),
            remote_port_desc: None,
            chassis_id: None,
            mgmt_addr: best_addr(&addrs),
            mgmt_addrs: addrs,
            platform: text(row.get(&8)),
            capabilities: bytes(row.get(&9)).map(cdp_caps).filter(|c| !c.is_empty()),
        });
    }
    let note = (odd > 0).then(|| {
        format!(
            "{odd} neighbour row{} of an index this reader does not know (LLDP-MIB, CISCO-CDP-MIB \
             or MIKROTIK-MIB) {} left out",
            if odd == 1 { "" } else { "s" },
            if odd == 1 { "was" } else { "were" }
        )
    });
    Neighbors { list: out, note }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_snmp::Oid;

    fn vb(prefix: &[u32], rest: &[u32], v: Value) -> VarBind {
        let mut arcs = prefix.to_vec();
        arcs.extend_from_slice(rest);
        VarBind {
            oid: Oid::from_slice(&arcs),
            value: v,
        }
    }

    fn s(t: &str) -> Value {
        Value::OctetString(t.as_bytes().to_vec().into())
    }

    fn b(t: &[u8]) -> Value {
        Value::OctetString(t.to_vec().into())
    }

    #[test]
    fn interfaces_join_if_and_ifx_with_hc_counters_and_rates() {
        let t1 = vec![
            vb(IF_TABLE, &[2, 2], s("eth0")),
            vb(IF_TABLE, &[4, 2], Value::Integer(1500)),
            vb(IF_TABLE, &[5, 2], Value::Gauge32(4_294_967_295)),
            vb(IF_TABLE, &[6, 2], b(&[0x02, 0, 0, 0, 0, 1])),
            vb(IF_TABLE, &[7, 2], Value::Integer(1)),
            vb(IF_TABLE, &[8, 2], Value::Integer(2)),
            vb(IF_TABLE, &[10, 2], Value::Counter32(10)),
            vb(IF_TABLE, &[14, 2], Value::Counter32(3)),
            vb(IF_X_TABLE, &[1, 2], s("swp1")),
            vb(IF_X_TABLE, &[6, 2], Value::Counter64(5_000_000_000)),
            vb(IF_X_TABLE, &[15, 2], Value::Gauge32(10_000)),
            vb(IF_X_TABLE, &[18, 2], s("uplink to s2")),
        ];
        let before = interfaces(&t1);
        assert_eq!(before.len(), 1);
        let i = &before[0];
        assert_eq!(
            (i.index, i.name.as_str(), i.descr.as_str(), i.alias.as_str()),
            (2, "swp1", "eth0", "uplink to s2")
        );
        assert_eq!(
            (i.admin.as_str(), i.oper.as_str(), i.speed_mbps, i.mtu),
            ("up", "down", Some(10_000), Some(1500))
        );
        assert_eq!(
            (i.in_octets, i.in_errors, i.mac.as_deref()),
            (Some(5_000_000_000), Some(3), Some("02:00:00:00:00:01"))
        );
        let mut t2 = t1.clone();
        t2[9] = vb(IF_X_TABLE, &[6, 2], Value::Counter64(5_000_125_000));
        let mut after = interfaces(&t2);
        add_rates(&mut after, &before, 5.0);
        assert_eq!(after[0].in_bps, Some(200_000), "125,000 bytes in 5 s");
    }

    #[test]
    fn arp_from_ip_net_to_physical_and_media() {
        let names = HashMap::from([(3, "swp1".to_string())]);
        let phys = vec![
            vb(
                NET_TO_PHYSICAL,
                &[4, 3, 1, 4, 198, 18, 8, 2],
                b(&[0x02, 0xaa, 0, 0, 0, 2]),
            ),
            vb(
                NET_TO_PHYSICAL,
                &[6, 3, 1, 4, 198, 18, 8, 2],
                Value::Integer(3),
            ),
            vb(
                NET_TO_PHYSICAL,
                &[
                    4, 3, 2, 16, 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
                ],
                b(&[0, 0x1b, 0x21, 1, 2, 3]),
            ),
        ];
        let e = arp(&phys, &names);
        assert_eq!(e.len(), 2);
        assert_eq!(
            (
                e[0].ip.to_string(),
                e[0].mac.as_str(),
                e[0].interface.as_str(),
                e[0].entry_type.as_str()
            ),
            ("198.18.8.2".into(), "02:aa:00:00:00:02", "swp1", "dynamic")
        );
        assert_eq!(e[0].vendor.as_deref(), Some("(locally administered)"));
        assert_eq!(e[1].ip.to_string(), "fe80::1");
        let media = vec![
            vb(
                NET_TO_MEDIA,
                &[2, 3, 198, 18, 9, 1],
                b(&[0x02, 1, 2, 3, 4, 5]),
            ),
            vb(NET_TO_MEDIA, &[4, 3, 198, 18, 9, 1], Value::Integer(4)),
        ];
        let e = arp(&media, &names);
        assert_eq!(
            (
                e[0].ip.to_string(),
                e[0].entry_type.as_str(),
                e[0].interface.as_str()
            ),
            ("198.18.9.1".into(), "static", "swp1")
        );
    }

    #[test]
    fn lldp_and_cdp_neighbours() {
        let names = HashMap::from([(5, "swp2".to_string())]);
        let vbs = vec![
            vb(LLDP_LOC_PORT, &[3, 4], s("swp1")),
            vb(LLDP_REM, &[4, 0, 4, 1], Value::Integer(4)),
            vb(
                LLDP_REM,
                &[5, 0, 4, 1],
                b(&[0x02, 0x11, 0x22, 0x33, 0x44, 0x55]),
            ),
            vb(LLDP_REM, &[6, 0, 4, 1], Value::Integer(5)),
            vb(LLDP_REM, &[7, 0, 4, 1], s("swp1")),
            vb(LLDP_REM, &[9, 0, 4, 1], s("s2")),
            vb(LLDP_REM, &[12, 0, 4, 1], b(&[0x28])),
            vb(
                LLDP_REM_MAN_ADDR,
                &[3, 0, 4, 1, 1, 4, 198, 18, 0, 162],
                Value::Integer(2),
            ),
            vb(CDP_CACHE, &[4, 5, 1], b(&[198, 18, 8, 6])),
            vb(CDP_CACHE, &[6, 5, 1], s("s3")),
            vb(CDP_CACHE, &[7, 5, 1], s("swp1")),
            vb(CDP_CACHE, &[8, 5, 1], s("Linux")),
            vb(CDP_CACHE, &[9, 5, 1], b(&[0, 0, 0, 0x29])),
        ];
        let n = neighbors(&vbs, &names).list;
        assert_eq!(n.len(), 2);
        let l = &n[0];
        assert_eq!(
            (
                l.protocol.as_str(),
                l.local_port.as_str(),
                l.remote_name.as_deref(),
                l.remote_port.as_deref()
            ),
            ("lldp", "swp1", Some("s2"), Some("swp1"))
        );
        assert_eq!(l.chassis_id.as_deref(), Some("02:11:22:33:44:55"));
        assert_eq!(
            l.mgmt_addr.map(|a| a.to_string()).as_deref(),
            Some("198.18.0.162")
        );
        assert_eq!(l.capabilities.as_deref(), Some("bridge,router"));
        let c = &n[1];
        assert_eq!(
            (
                c.protocol.as_str(),
                c.local_port.as_str(),
                c.remote_name.as_deref(),
                c.remote_port.as_deref()
            ),
            ("cdp", "swp2", Some("s3"), Some("swp1"))
        );
        assert_eq!(
            (
                c.mgmt_addr.map(|a| a.to_string()).as_deref(),
                c.capabilities.as_deref()
            ),
            (Some("198.18.8.6"), Some("router,switch,igmp"))
        );
    }

    #[test]
    fn hostile_tables_do_not_panic() {
        let names = HashMap::new();
        let junk = vec![
            vb(NET_TO_PHYSICAL, &[4], b(&[1])),
            vb(NET_TO_PHYSICAL, &[4, 1, 1, 200, 1], b(&[1, 2])),
            vb(NET_TO_MEDIA, &[2], Value::Null),
            vb(LLDP_REM, &[9], s("x")),
            vb(LLDP_REM_MAN_ADDR, &[3, 0, 1, 1, 1, 99], Value::Null),
            vb(CDP_CACHE, &[], Value::Null),
            vb(IF_TABLE, &[], Value::Null),
        ];
        assert!(arp(&junk, &names).is_empty());
        let _ = neighbors(&junk, &names);
        let _ = interfaces(&junk);
    }

    #[test]
    fn oui_lists() {
        let t = parse_oui_list(
            "# comment\n001B21 Intel Corporate\n0050F2 Microsoft\nbad line\n12345 Short\n",
        );
        assert_eq!(
            t.get(&0x001b21).map(String::as_str),
            Some("Intel Corporate")
        );
        assert_eq!(t.len(), 2);
    }

    /// A recorded walk of a vendor's device (tests/data/vendors, served by snmpsim in the lab
    /// tests too).
    fn walk(name: &str) -> Vec<VarBind> {
        let path = format!(
            "{}/tests/data/vendors/{name}.snmprec",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        crate::snmprec::parse(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn views(name: &str) -> (Neighbors, Vec<ArpEntry>) {
        let vbs = walk(name);
        let names = if_names(&vbs);
        (neighbors(&vbs, &names), arp(&vbs, &names))
    }

    fn addrs(n: &Neighbor) -> Vec<String> {
        n.mgmt_addrs.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn cisco_keeps_ipv4_arp_from_the_older_table_and_cdp_ipv6_addresses() {
        let (n, a) = views("cisco-ios");
        let ips: Vec<String> = a.iter().map(|e| e.ip.to_string()).collect();
        assert_eq!(
            ips,
            [
                "fe80::225:90ff:feaa:1",
                "2001:db8:5753:30::55",
                "198.18.30.1",
                "198.18.30.10",
                "198.18.30.11"
            ],
            "IPv6 from ipNetToPhysicalTable, IPv4 from ipNetToMediaTable"
        );
        assert_eq!(
            (a[0].interface.as_str(), a[4].entry_type.as_str()),
            ("Vl1", "static")
        );
        assert!(wants_media(&a[..2]) && !wants_media(&a));
        assert_eq!(n.note, None);
        let lldp = &n.list[0];
        assert_eq!(
            (
                lldp.local_port.as_str(),
                lldp.local_port_num,
                lldp.remote_port.as_deref()
            ),
            ("Te1/0/1", Some(49), Some("Te1/1/1")),
            "the port by its name, the LLDP number kept"
        );
        let cdp: Vec<&Neighbor> = n.list.iter().filter(|x| x.protocol == "cdp").collect();
        assert_eq!(cdp.len(), 2);
        let phone = cdp.iter().find(|x| x.local_port == "Gi1/0/2").unwrap();
        assert_eq!(
            phone.remote_name.as_deref(),
            Some("SEP001122334455"),
            "trailing NULs cut"
        );
        assert_eq!(addrs(phone), ["2001:db8:5753:30::55"]);
        assert_eq!(phone.mgmt_addr, "2001:db8:5753:30::55".parse().ok());
        assert_eq!(phone.capabilities.as_deref(), Some("host,phone"));
        let core = cdp.iter().find(|x| x.local_port == "Te1/0/1").unwrap();
        assert_eq!(
            (core.capabilities.as_deref(), core.local_port_num),
            (Some("router,switch,igmp"), Some(10149))
        );
    }

    #[test]
    fn juniper_local_ports_are_named_and_a_real_address_wins_over_0_0_0_0() {
        let (n, _) = views("juniper-junos");
        assert_eq!(n.list.len(), 2);
        let core = &n.list[0];
        assert_eq!(
            (core.local_port.as_str(), core.local_port_num),
            ("ge-0/0/0.0", Some(1)),
            "lldpLocPortId 515 is the ifIndex of ge-0/0/0.0; the LLDP port number 1 is not"
        );
        assert_eq!(
            addrs(core),
            ["0.0.0.0", "198.18.31.1", "2001:db8:5753:31::1"]
        );
        assert_eq!(core.mgmt_addr, "198.18.31.1".parse().ok());
        let server = &n.list[1];
        assert_eq!(server.local_port, "ge-0/0/1.0");
        assert_eq!(
            server.remote_port.as_deref(),
            Some("00:1b:21:aa:bb:cc"),
            "a MAC port id written out as text"
        );
        assert_eq!(server.capabilities.as_deref(), Some("other"));
    }

    #[test]
    fn arista_prefers_ipv4_over_link_local_and_reads_one_table() {
        let (n, a) = views("arista-eos");
        let spine = &n.list[0];
        assert_eq!(spine.remote_name.as_deref(), Some("spine-1"), "its NUL cut");
        assert_eq!(spine.local_port, "Ethernet1");
        assert_eq!(
            addrs(spine),
            ["169.254.1.1", "198.18.32.1", "fe80::464c:a8ff:fe00:2"]
        );
        assert_eq!(spine.mgmt_addr, "198.18.32.1".parse().ok());
        assert_eq!(a.len(), 2);
    }

    #[test]
    fn procurve_ports_by_number_are_named_and_an_ipv6_chassis_id_reads() {
        let (n, a) = views("hp-procurve");
        let core = &n.list[0];
        assert_eq!(
            (core.local_port.as_str(), core.local_port_num),
            ("B1", Some(25))
        );
        assert_eq!(core.chassis_id.as_deref(), Some("2001:db8:5753:34::1"));
        assert_eq!(core.remote_port.as_deref(), Some("49"));
        assert_eq!(a[0].interface, "B1");
    }

    #[test]
    fn routeros_rows_indexed_by_one_number_take_port_and_address_from_its_own_table() {
        let (n, _) = views("mikrotik-routeros6");
        assert_eq!(n.note, None);
        let got: Vec<(&str, Option<&str>, Option<String>)> = n
            .list
            .iter()
            .map(|x| {
                (
                    x.local_port.as_str(),
                    x.remote_name.as_deref(),
                    x.mgmt_addr.map(|a| a.to_string()),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("ether2", Some("hap-2"), Some("198.18.33.2".to_string())),
                (
                    "sfp-sfpplus1",
                    Some("crs-2"),
                    Some("198.18.33.3".to_string())
                )
            ]
        );
        assert!(
            n.list.iter().all(|x| x.protocol == "lldp"),
            "not listed twice"
        );
        // LLDP off: its own table.
        let (n, _) = views("mikrotik-mndp");
        assert_eq!(n.list.len(), 1);
        let cap = &n.list[0];
        assert_eq!(
            (
                cap.protocol.as_str(),
                cap.local_port.as_str(),
                cap.remote_name.as_deref()
            ),
            ("mndp", "ether1", Some("cap-ac-1"))
        );
        assert_eq!(cap.chassis_id.as_deref(), Some("4c:5e:0c:00:00:09"));
        assert_eq!(cap.platform.as_deref(), Some("MikroTik 7.6"));
    }

    #[test]
    fn huawei_ports_from_their_description_and_cdp_capabilities_as_text() {
        let vbs = walk("huawei-vrp");
        let names = if_names(&vbs);
        let n = neighbors(&vbs, &names);
        let core = &n.list[0];
        assert_eq!(
            (core.local_port.as_str(), core.remote_name.as_deref()),
            ("GigabitEthernet0/0/1", Some("S6730-core")),
            "lldpLocPortId is a MAC: the name is lldpLocPortDesc"
        );
        let cdp: Vec<&Neighbor> = n.list.iter().filter(|x| x.protocol == "cdp").collect();
        assert_eq!(cdp[0].capabilities.as_deref(), Some("host,phone"));
        assert_eq!(
            cdp[1].capabilities.as_deref(),
            Some("router,host"),
            "0x00000011"
        );
        assert_eq!(
            cdp[1].remote_name.as_deref(),
            Some("00:e0:fc:12:34:56"),
            "a binary device id as hex"
        );
        assert_eq!(
            identity(&vbs, "x", 0).name.as_deref(),
            Some("S5735-1"),
            "sysName padded with NULs"
        );
    }

    #[test]
    fn rows_of_an_unknown_shape_are_said() {
        let vbs = vec![
            vb(LLDP_REM, &[9, 0, 4], s("two arcs")),
            vb(LLDP_REM, &[9, 1, 2, 3, 4], s("four arcs")),
            vb(CDP_CACHE, &[6, 7], s("one arc")),
        ];
        let n = neighbors(&vbs, &HashMap::new());
        assert!(n.list.is_empty());
        let note = n.note.unwrap_or_default();
        assert!(note.starts_with("3 neighbour rows of an index"), "{note}");
    }

    fn fdb_rows(name: &str) -> Vec<(String, Option<u32>, String, String)> {
        let vbs = walk(name);
        fdb(&vbs, &if_names(&vbs), None)
            .into_iter()
            .map(|e| (e.mac, e.vlan, e.interface, e.status))
            .collect()
    }

    #[test]
    fn forwarding_databases_from_bridge_mib_and_q_bridge_mib() {
        let row = |m: &str, v: Option<u32>, i: &str, st: &str| {
            (m.to_string(), v, i.to_string(), st.to_string())
        };
        // Cisco: BRIDGE-MIB only (the VLAN is the context's), ports through dot1dBasePortIfIndex.
        assert_eq!(
            fdb_rows("cisco-ios"),
            [
                row("00:11:22:33:44:55", None, "Gi1/0/2", "learned"),
                row("00:1b:21:00:00:0a", None, "Gi1/0/1", "learned"),
                row("00:25:90:aa:00:01", None, "Te1/0/1", "learned"),
                row("00:25:90:bb:00:00", None, "self", "self"),
            ]
        );
        // Juniper: FDB ids 3 and 4 are VLANs 20 and 30; one MAC in two VLANs.
        assert_eq!(
            fdb_rows("juniper-junos"),
            [
                row("00:1b:21:aa:bb:cc", Some(20), "ge-0/0/1", "learned"),
                row("2c:6b:f5:00:00:01", Some(20), "ge-0/0/0", "learned"),
                row("2c:6b:f5:00:00:01", Some(30), "ge-0/0/0", "learned"),
            ]
        );
        // Arista: FDB id = VLAN; a MAC learnt on two ports (in two VLANs) is listed on both.
        let a = fdb_rows("arista-eos");
        let twice: Vec<&String> = a
            .iter()
            .filter(|r| r.0 == "00:50:56:00:00:08")
            .map(|r| &r.2)
            .collect();
        assert_eq!(twice, ["Ethernet1", "Ethernet2"]);
        assert_eq!(
            a.iter().map(|r| r.1.unwrap_or(0)).collect::<Vec<_>>(),
            [10, 10, 10, 11]
        );
        // A router without bridge MIBs: nothing; the context's VLAN tags BRIDGE-MIB rows.
        assert!(fdb_rows("huawei-vrp").is_empty());
        let vbs = walk("cisco-ios");
        assert!(
            fdb(&vbs, &if_names(&vbs), Some(20))
                .iter()
                .all(|e| e.vlan == Some(20))
        );
    }
}
