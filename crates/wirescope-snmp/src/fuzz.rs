//! Entry points for the SNMP fuzz targets in `fuzz/` and for the deterministic junk-input tests:
//! hostile agent answers through every table parser, the value printer and the topology map;
//! hostile OID text through the OID parser. Each returns how much it produced, so tests can check
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
    &[1, 3, 6, 1, 2, 1, 1],
    &[1, 0, 8802, 1, 1, 2, 1, 3],
    &[],
];

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
    let neighbors = device::neighbors(&vbs, &names);
    let arp = device::arp(&vbs, &names);
    let interfaces = device::interfaces(&vbs);
    let mut again = interfaces.clone();
    device::add_rates(&mut again, &interfaces, 0.5);
    let identity: Device = device::identity(&vbs, "fuzz", 0);
    for vb in &vbs {
        let _ = value::format(vb.oid.arcs(), &vb.value);
        let _ = mib::name_of(vb.oid.arcs());
    }
    let rows = neighbors.len() + arp.len() + interfaces.len();
    let result = SnmpResult {
        target: "fuzz".into(),
        addr: None,
        varbinds: Vec::new(),
        neighbors,
        arp,
        interfaces,
        device: Some(identity),
        elapsed_ms: 0.0,
        error: None,
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
        let n = device::neighbors(&vbs, &Default::default());
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].remote_name.as_deref(), Some("sw9"));
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
