//! Entry points for the SNMP fuzz targets in `fuzz/` and for the deterministic junk-input tests:
//! hostile agent answers through every table parser, the value printer and the topology map;
//! hostile OID text through the OID parser; hostile trap datagrams through the record a trap
//! becomes. Each returns how much it produced, so tests can check
//! the inputs reach the code and not just the front door.

use crate::{device, mib, topology, value};
use async_snmp::{Oid, Value, VarBind};
use wirescope_probe::result::{Device, SnmpResult};

/// The tables a hostile agent's bindings are aimed at (and one arbitrary root).
const ROOTS: &[&[u32]] = &[
    device::IF_TABLE,
    device::IF_X_TABLE,
    device::NET_TO_PHYSICAL,
    device::NET_TO_MEDIA,
    device::LLDP_LOC_PORT,
    device::LLDP_REM,
    device::LLDP_REM_MAN_ADDR,
    device::CDP_CACHE,
    device::MTXR_NEIGHBOR,
    device::BASE_PORT,
    device::TP_FDB,
    device::Q_TP_FDB,
    device::Q_VLAN_CURRENT,
    &[1, 3, 6, 1, 2, 1, 1],
    &[1, 0, 8802, 1, 1, 2, 1, 3],
    &[],
];

/// A datagram as a trap receiver gets it: decoded by async-snmp (v1 and v2c; v3 is opaque
/// before USM), then, when it is a notification, turned into a `Trap` record, printed and
/// serialized the way the CLI and the server do. Returns the bindings the record shows.
pub fn trap_datagram(data: &[u8]) -> usize {
    use async_snmp::message::{CommunityPdu, Message};
    use async_snmp::{DecodeConfig, Notification, PduType};
    let Ok(decoded) = Message::decode(bytes::Bytes::copy_from_slice(data), DecodeConfig::default())
    else {
        return 0;
    };
    let Message::Community(m) = decoded.value else {
        return 0;
    };
    let (_, community, pdu) = m.into_parts();
    let notification = match pdu {
        CommunityPdu::TrapV1(trap) => Notification::TrapV1 {
            community,
            trap,
            decode_anomalies: decoded.anomalies,
        },
        CommunityPdu::Standard(p)
            if matches!(p.pdu_type(), PduType::TrapV2 | PduType::InformRequest) =>
        {
            // sysUpTime.0 and snmpTrapOID.0 lead; what follows is the notification's payload.
            let vbs = p.varbinds();
            let uptime = match vbs.first().map(|v| &v.value) {
                Some(Value::TimeTicks(t)) => *t,
                _ => 0,
            };
            let trap_oid = match vbs.get(1).map(|v| &v.value) {
                Some(Value::ObjectIdentifier(o)) => o.clone(),
                _ => Oid::from_slice(&[0, 0]),
            };
            let varbinds = vbs.iter().skip(2).cloned().collect();
            let request_id = p.request_id();
            if p.pdu_type() == PduType::InformRequest {
                Notification::InformV2c {
                    community,
                    uptime,
                    trap_oid,
                    varbinds,
                    request_id,
                    decode_anomalies: decoded.anomalies,
                }
            } else {
                Notification::TrapV2c {
                    community,
                    uptime,
                    trap_oid,
                    varbinds,
                    request_id,
                    decode_anomalies: decoded.anomalies,
                }
            }
        }
        CommunityPdu::Standard(_) => return 0,
    };
    let source = std::net::SocketAddr::from(([198, 18, 0, 1], 162));
    let t = crate::trap::Trap::from_notification(&notification, source, 0, None);
    let line = t.line();
    let json = serde_json::to_string(&t).unwrap_or_default();
    assert!(!line.is_empty() && json.starts_with('{'));
    t.varbinds.len() + 1
}

/// Reads bytes off the front of the input; zeros once it is used up.
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }

    /// An arc: small most of the time, sometimes up to u32::MAX.
    fn arc(&mut self) -> u32 {
        match self.byte() % 4 {
            0 => u32::from(self.byte()),
            1 => u32::from(self.byte() % 8),
            2 => u32::from_be_bytes([0, 0, self.byte(), self.byte()]),
            _ => u32::from_be_bytes([self.byte(), self.byte(), self.byte(), self.byte()]),
        }
    }

    fn bytes(&mut self, max: u8) -> Vec<u8> {
        let n = usize::from(self.byte() % max.max(1));
        (0..n).map(|_| self.byte()).collect()
    }

    fn done(&self) -> bool {
        self.0.is_empty()
    }
}

/// Variable bindings decoded from arbitrary bytes: table OIDs with arbitrary columns and
/// indexes, values of every SNMP type.
pub fn varbinds(data: &[u8]) -> Vec<VarBind> {
    let mut input = Input(data);
    let mut out = Vec::new();
    while !input.done() && out.len() < 512 {
        let root = ROOTS[usize::from(input.byte()) % ROOTS.len()];
        let mut arcs = root.to_vec();
        for _ in 0..input.byte() % 24 {
            arcs.push(input.arc());
        }
        let v = match input.byte() % 15 {
            0 => Value::Integer(i32::from_be_bytes([
                input.byte(),
                input.byte(),
                input.byte(),
                input.byte(),
            ])),
            1..=3 => Value::from(input.bytes(48).as_slice()),
            4 => Value::Counter32(input.arc()),
            5 => Value::Gauge32(input.arc()),
            6 => Value::TimeTicks(input.arc()),
            7 => Value::Counter64(u64::from(input.arc()) << 32 | u64::from(input.arc())),
            8 => Value::IpAddress([input.byte(), input.byte(), input.byte(), input.byte()]),
            9 => Value::ObjectIdentifier(Oid::from_slice(&[input.arc(), input.arc()])),
            10 => Value::Null,
            11 => Value::NoSuchObject,
            12 => Value::NoSuchInstance,
            13 => Value::EndOfMibView,
            _ => Value::UInteger32(input.arc()),
        };
        out.push(VarBind {
            oid: Oid::from_slice(&arcs),
            value: v,
        });
    }
    out
}

/// Runs hostile bindings through every table parser, the value printer and the topology map;
/// returns the table rows and links produced (plus one for a well-formed DOT document).
pub fn snmp_tables(data: &[u8]) -> usize {
    let vbs = varbinds(data);
    let names = device::if_names(&vbs);
    let neighbors = device::neighbors(&vbs, &names).list;
    let arp = device::arp(&vbs, &names);
    let fdb = device::fdb(&vbs, &names, Some(1));
    let interfaces = device::interfaces(&vbs);
    let mut again = interfaces.clone();
    device::add_rates(&mut again, &interfaces, 0.5);
    let identity: Device = device::identity(&vbs, "fuzz", 0);
    for vb in &vbs {
        let _ = value::format(vb.oid.arcs(), &vb.value);
        let _ = mib::name_of(vb.oid.arcs());
    }
    let rows = neighbors.len() + arp.len() + fdb.len() + interfaces.len();
    let result = SnmpResult {
        target: "fuzz".into(),
        addr: None,
        varbinds: Vec::new(),
        neighbors,
        arp,
        fdb,
        interfaces,
        device: Some(identity),
        elapsed_ms: 0.0,
        error: None,
        note: None,
    };
    let map = topology::graph(std::slice::from_ref(&result));
    let dot = map.to_dot();
    rows + map.links.len() + usize::from(dot.ends_with("}\n"))
}

/// Runs hostile text through the OID parser; 1 when it was accepted.
pub fn oid_text(data: &[u8]) -> usize {
    std::str::from_utf8(data)
        .ok()
        .and_then(|s| mib::parse_oid(s).ok())
        .map_or(0, |arcs| usize::from(!arcs.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wirescope_probe::fuzz::junk;

    #[test]
    fn junk_reaches_every_table_without_a_panic() {
        let mut rows = 0;
        for input in junk(0x5eed, 20_000) {
            rows += snmp_tables(&input) - 1;
        }
        eprintln!("{rows} rows from junk");
        assert!(rows > 1_000, "the junk reaches the parsers ({rows} rows)");
        assert_eq!(
            snmp_tables(&[]),
            1,
            "no bindings: an empty map, its DOT closed"
        );
    }

    #[test]
    fn crafted_tables_parse_into_rows() {
        // One lldpRemTable row (port 3, remote index 1): sysName "sw9" in column 9.
        // root 5 (lldpRemTable), 4 arcs (selector 0: one byte each), value type 1 (a string of 3).
        let mut input = vec![5, 4, 0, 9, 0, 0, 0, 3, 0, 1, 1, 3];
        input.extend(b"sw9");
        let vbs = varbinds(&input);
        assert_eq!(vbs.len(), 1);
        assert_eq!(
            vbs[0].oid.arcs(),
            [1, 0, 8802, 1, 1, 2, 1, 4, 1, 1, 9, 0, 3, 1]
        );
        let n = device::neighbors(&vbs, &Default::default()).list;
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].remote_name.as_deref(), Some("sw9"));
    }

    /// A linkDown (v2c, three bindings) and a v1 linkDown as net-snmp's snmptrap sends them.
    const V2C_LINK_DOWN: &str = "307802010104036c6162a76e02046d488ad10201000201003060300e06082b06010201010300430230393017060a2b06010603010104010006092b0601060301010503300f060a2b060102010202010103020103300f060a2b0601020102020108030201023013060b2b060102011f0101010103040473777032";
    const V1_LINK_DOWN: &str = "303902010004036c6162a42f060a2b06010401bf0803020a4004c61200a1020102020100430230393011300f060a2b060102010202010103020103";

    fn unhex(h: &str) -> Vec<u8> {
        (0..h.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn real_trap_datagrams_become_records() {
        assert_eq!(trap_datagram(&unhex(V2C_LINK_DOWN)), 4);
        assert_eq!(trap_datagram(&unhex(V1_LINK_DOWN)), 2);
    }

    #[test]
    fn junk_and_damaged_trap_datagrams_never_panic() {
        let mut decoded = 0;
        for input in junk(0x7ea9, 20_000) {
            decoded += trap_datagram(&input);
        }
        // Every prefix, and every single-byte change, of the real datagrams.
        for real in [unhex(V2C_LINK_DOWN), unhex(V1_LINK_DOWN)] {
            for cut in 0..real.len() {
                decoded += trap_datagram(&real[..cut]);
            }
            for i in 0..real.len() {
                for b in [0x00, 0x7f, 0x80, 0xff] {
                    let mut damaged = real.clone();
                    damaged[i] = b;
                    decoded += trap_datagram(&damaged);
                }
            }
        }
        assert!(
            decoded > 100,
            "damaged datagrams still decode often ({decoded})"
        );
    }

    #[test]
    fn junk_oid_text_never_panics() {
        let accepted: usize = junk(0xfeed, 20_000).iter().map(|i| oid_text(i)).sum();
        let valid: usize = [
            "sysName.0",
            ".1.3.6",
            "IF-MIB::ifDescr.99999999999",
            "1..3",
            "::",
            "ifTable.-1",
        ]
        .iter()
        .map(|t| oid_text(t.as_bytes()))
        .sum();
        assert!(accepted + valid >= 2, "valid OIDs are accepted");
    }
}
