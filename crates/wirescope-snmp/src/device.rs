//! Device tables assembled from walks: LLDP and CDP neighbours, the ARP / neighbour table
//! (IP-MIB ipNetToPhysicalTable, or ipNetToMediaTable on older agents) with MAC vendors, and
//! interfaces (IF-MIB ifTable + ifXTable, 64-bit counters when present, rates from two polls).
//! Pure functions over variable bindings: tested on fixtures, no sockets.

use async_snmp::{Value, VarBind};
use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::OnceLock;
use wirescope_probe::result::{ArpEntry, Device, Interface, Neighbor};

pub const IF_TABLE: &[u32] = &[1, 3, 6, 1, 2, 1, 2, 2, 1];
pub const IF_X_TABLE: &[u32] = &[1, 3, 6, 1, 2, 1, 31, 1, 1, 1];
pub const NET_TO_PHYSICAL: &[u32] = &[1, 3, 6, 1, 2, 1, 4, 35, 1];
pub const NET_TO_MEDIA: &[u32] = &[1, 3, 6, 1, 2, 1, 4, 22, 1];
pub const LLDP_LOC_PORT: &[u32] = &[1, 0, 8802, 1, 1, 2, 1, 3, 7, 1];
pub const LLDP_REM: &[u32] = &[1, 0, 8802, 1, 1, 2, 1, 4, 1, 1];
pub const LLDP_REM_MAN_ADDR: &[u32] = &[1, 0, 8802, 1, 1, 2, 1, 4, 2, 1];
pub const CDP_CACHE: &[u32] = &[1, 3, 6, 1, 4, 1, 9, 9, 23, 1, 2, 1, 1];
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
        Value::OctetString(b) => {
            let s = String::from_utf8_lossy(b)
                .trim_end_matches('\0')
                .trim()
                .to_string();
            (!s.is_empty()).then_some(s)
        }
        other => Some(other.to_string()),
    }
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

/// The neighbour (ARP / NDP) table; ipNetToPhysicalTable when the agent has it, else ipNetToMediaTable.
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
    let mut out = Vec::new();
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
        out.push(entry(
            ip,
            m,
            name(i64::from(ifx)),
            kind_of(int(row.get(&6))),
        ));
    }
    if out.is_empty() {
        for (idx, row) in table(vbs, NET_TO_MEDIA) {
            let (Some(&ifx), [a, b, c, d]) = (idx.first(), &idx[1.min(idx.len())..]) else {
                continue;
            };
            let ip = IpAddr::V4(Ipv4Addr::new(*a as u8, *b as u8, *c as u8, *d as u8));
            let Some(m) = bytes(row.get(&2)) else {
                continue;
            };
            out.push(entry(
                ip,
                m,
                name(i64::from(ifx)),
                kind_of(int(row.get(&4))),
            ));
        }
    }
    out
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

/// CDP capability bits, as CISCO-CDP-MIB describes them.
fn cdp_caps(b: &[u8]) -> String {
    let bits = b.iter().fold(0u32, |acc, x| (acc << 8) | u32::from(*x));
    let names = [
        (0x01, "router"),
        (0x02, "trans-bridge"),
        (0x04, "source-route-bridge"),
        (0x08, "switch"),
        (0x10, "host"),
        (0x20, "igmp"),
        (0x40, "repeater"),
    ];
    names
        .iter()
        .filter(|(m, _)| bits & m != 0)
        .map(|(_, n)| *n)
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

/// An LLDP chassis or port id as text: MAC subtypes as MACs, network addresses as IPs.
fn lldp_id(
    subtype: Option<i64>,
    raw: Option<&[u8]>,
    mac_subtype: i64,
    addr_subtype: i64,
) -> Option<String> {
    let raw = raw?;
    match subtype {
        Some(s) if s == mac_subtype && raw.len() == 6 => Some(mac(raw)),
        Some(s) if s == addr_subtype && raw.len() == 5 && raw[0] == 1 => {
            Some(Ipv4Addr::new(raw[1], raw[2], raw[3], raw[4]).to_string())
        }
        _ => std::str::from_utf8(raw)
            .ok()
            .map(|s| s.trim_end_matches('\0').to_string())
            .filter(|s| !s.is_empty()),
    }
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

/// LLDP neighbours (lldpRemTable + lldpRemManAddrTable, local ports from lldpLocPortTable) and
/// CDP neighbours (cdpCacheTable, local ports by ifIndex).
pub fn neighbors(vbs: &[VarBind], names: &HashMap<i64, String>) -> Vec<Neighbor> {
    let loc = table(vbs, LLDP_LOC_PORT);
    let local_port = |n: u32| {
        loc.get(&vec![n])
            .and_then(|r| {
                bytes(r.get(&3)).and_then(|b| std::str::from_utf8(b).ok().map(str::to_string))
            })
            .or_else(|| names.get(&i64::from(n)).cloned())
            .unwrap_or_else(|| format!("port {n}"))
    };
    let mut mgmt: HashMap<(u32, u32), IpAddr> = HashMap::new();
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
                mgmt.entry((port, rem)).or_insert(ip);
            }
        }
    }
    let mut out = Vec::new();
    for (idx, row) in table(vbs, LLDP_REM) {
        let (Some(&port), Some(&rem)) = (idx.get(1), idx.get(2)) else {
            continue;
        };
        out.push(Neighbor {
            protocol: "lldp".into(),
            local_port: local_port(port),
            remote_name: text(row.get(&9)),
            remote_port: lldp_id(int(row.get(&6)), bytes(row.get(&7)), 3, 4),
            remote_port_desc: text(row.get(&8)),
            chassis_id: lldp_id(int(row.get(&4)), bytes(row.get(&5)), 4, 5),
            mgmt_addr: mgmt.get(&(port, rem)).copied(),
            platform: text(row.get(&10)),
            capabilities: bytes(row.get(&12)).map(lldp_caps).filter(|c| !c.is_empty()),
        });
    }
    for (idx, row) in table(vbs, CDP_CACHE) {
        let Some(&ifx) = idx.first() else { continue };
        let addr = bytes(row.get(&4))
            .filter(|b| b.len() == 4)
            .map(|b| IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3])));
        out.push(Neighbor {
            protocol: "cdp".into(),
            local_port: names
                .get(&i64::from(ifx))
                .cloned()
                .unwrap_or_else(|| format!("ifIndex {ifx}")),
            remote_name: text(row.get(&6)),
            remote_port: text(row.get(&7)),
            remote_port_desc: None,
            chassis_id: None,
            mgmt_addr: addr,
            platform: text(row.get(&8)),
            capabilities: bytes(row.get(&9)).map(cdp_caps).filter(|c| !c.is_empty()),
        });
    }
    out
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
        let n = neighbors(&vbs, &names);
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
}
