//! SNMP notifications as wirescope records them: a `Trap` per v1/v2c trap or v2c/v3 inform, with
//! the notification and its bindings named through the built-in MIB table, built from what
//! async-snmp decoded (pure, fuzzed); the receiver that produces them is in `receiver`.

mod count;
mod receiver;

pub use count::{RejectedSource, TrapCounts};
pub use receiver::{
    DEFAULT_BUFFER, DEFAULT_QUEUE, DEFAULT_QUEUE_BYTES, TrapConfig, TrapCounter, TrapError,
    TrapReceiver, engine_state_path, parse_hex,
};

use crate::security::{SecurityLevel, SnmpVersion};
use crate::{mib, value};
use async_snmp::{GenericTrap, Notification, Oid, VarBind};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use wirescope_probe::result::SnmpVarbind;

/// Whether the sender waits for an acknowledgement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TrapPdu {
    /// Unconfirmed: v1 Trap-PDU or SNMPv2-Trap-PDU.
    Trap,
    /// InformRequest-PDU, acknowledged with a Response once accepted.
    Inform,
}

/// The device a notification's source was matched to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TrapDevice {
    /// Its name (sysName, or the target as written).
    pub name: String,
    /// The address wirescope polls it at.
    #[schema(value_type = Option<String>)]
    pub addr: Option<IpAddr>,
    /// What matched: `address`, `management address`, `agent address`, `sysName`.
    pub by: String,
    /// The run it was last seen in (a topology or SNMP run, or a suite's run).
    pub run_id: Option<i64>,
}

/// One notification received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Trap {
    /// Its number in the server's history (absent on the CLI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// When it arrived, RFC 3339 in UTC with milliseconds.
    pub time: String,
    /// The same in milliseconds since the epoch (not serialized: `time` says it).
    #[serde(skip)]
    pub at_ms: i64,
    /// The datagram's source address (and, next, its port).
    #[schema(value_type = String)]
    pub source: IpAddr,
    pub port: u16,
    #[schema(value_type = String, example = "2c")]
    pub version: SnmpVersion,
    pub pdu: TrapPdu,
    /// v1/v2c: the community (the CLI shows it; the server keeps `credential` instead).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub community: Option<String>,
    /// Which accepted credential it matched: a profile name, `-c N` for the Nth community given,
    /// or `any` when every community is accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
    /// v3: the USM user and the message's security level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, example = "authPriv")]
    pub level: Option<SecurityLevel>,
    /// v3: the context name, when not empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// The notification (snmpTrapOID; for v1 derived from enterprise, generic and specific as
    /// RFC 3584 says), dotted with a leading dot.
    pub oid: String,
    /// `MODULE::name` when wirescope knows it (IF-MIB::linkDown, ...).
    pub name: Option<String>,
    /// v1 only: the agent address, enterprise, generic and specific trap numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub agent_addr: Option<Ipv4Addr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enterprise: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generic: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specific: Option<i32>,
    /// The sender's sysUpTime in hundredths of a second (v1: time-stamp).
    pub uptime: u32,
    /// The bindings after sysUpTime and snmpTrapOID, named and formatted as net-snmp does.
    pub varbinds: Vec<SnmpVarbind>,
    /// The PDU's request-id (v2c and v3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<i32>,
    /// What the decoder tolerated (wrong lengths, odd encodings), when anything.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub anomalies: Vec<String>,
    /// The device the source was matched to (server only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<TrapDevice>,
    /// The follow-up runs a trap rule started for it (server only): the device's interfaces,
    /// then a ping of its neighbours.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub follow_up: Vec<i64>,
}

impl Trap {
    /// The record of notification `n` from `source`, received at `at_ms` (ms since the epoch).
    /// `credential` is the label of what accepted it.
    pub fn from_notification(
        n: &Notification,
        source: SocketAddr,
        at_ms: i64,
        credential: Option<String>,
    ) -> Trap {
        let trap_oid = n.trap_oid().ok();
        let mut t = Trap {
            id: None,
            time: rfc3339_ms(at_ms),
            at_ms,
            source: canonical(source.ip()),
            port: source.port(),
            version: match n.version() {
                async_snmp::Version::V1 => SnmpVersion::V1,
                async_snmp::Version::V3 => SnmpVersion::V3,
                _ => SnmpVersion::V2c,
            },
            pdu: if n.is_confirmed() {
                TrapPdu::Inform
            } else {
                TrapPdu::Trap
            },
            community: None,
            credential,
            user: None,
            level: n.security_level().map(level),
            context: None,
            oid: String::new(),
            name: None,
            agent_addr: None,
            enterprise: None,
            generic: None,
            specific: None,
            uptime: n.uptime(),
            varbinds: n.varbinds().iter().map(varbind).collect(),
            request_id: None,
            anomalies: n
                .decode_anomalies()
                .iter()
                .take(16)
                .map(|a| format!("{a:?}"))
                .collect(),
            device: None,
            follow_up: Vec::new(),
        };
        match n {
            Notification::TrapV1 {
                community, trap, ..
            } => {
                t.community = Some(text(community.as_bytes()));
                t.agent_addr = Some(Ipv4Addr::from(trap.agent_addr()));
                t.enterprise = Some(mib::dotted(trap.enterprise().arcs()));
                t.generic = Some(generic_number(trap.generic_trap()));
                t.specific = Some(trap.specific_trap());
            }
            Notification::TrapV2c {
                community,
                request_id,
                ..
            }
            | Notification::InformV2c {
                community,
                request_id,
                ..
            } => {
                t.community = Some(text(community.as_bytes()));
                t.request_id = Some(*request_id);
            }
            Notification::TrapV3 {
                username,
                context_name,
                request_id,
                ..
            }
            | Notification::InformV3 {
                username,
                context_name,
                request_id,
                ..
            } => {
                t.user = Some(text(username));
                t.context = (!context_name.is_empty()).then(|| text(context_name));
                t.request_id = Some(*request_id);
            }
        }
        let oid = trap_oid.unwrap_or_else(|| v1_fallback_oid(&t));
        t.oid = mib::dotted(oid.arcs());
        t.name = notification_name(oid.arcs());
        t
    }

    /// About the bytes the record holds (for the receiver's queue bound).
    pub fn weight(&self) -> usize {
        let strings = self.time.len()
            + self.oid.len()
            + self.name.as_ref().map_or(0, String::len)
            + self.community.as_ref().map_or(0, String::len)
            + self.user.as_ref().map_or(0, String::len)
            + self.context.as_ref().map_or(0, String::len)
            + self.enterprise.as_ref().map_or(0, String::len)
            + self.anomalies.iter().map(String::len).sum::<usize>();
        let bindings: usize = self
            .varbinds
            .iter()
            .map(|v| {
                64 + v.oid.len()
                    + v.name.as_ref().map_or(0, String::len)
                    + v.value_type.len()
                    + v.value.len()
            })
            .sum();
        std::mem::size_of::<Trap>() + strings + bindings
    }

    /// One line for people: time, source, version, name, then each binding as `name = value`.
    pub fn line(&self) -> String {
        let mut s = format!(
            "{} {} {}{} {}",
            self.time.get(11..23).unwrap_or(&self.time),
            self.source,
            self.version_word(),
            match self.pdu {
                TrapPdu::Trap => "",
                TrapPdu::Inform => " inform",
            },
            self.name.as_deref().unwrap_or(&self.oid)
        );
        if let Some(a) = self.agent_addr.filter(|a| IpAddr::V4(*a) != self.source) {
            s.push_str(&format!(" (agent {a})"));
        }
        for vb in &self.varbinds {
            let name = vb.name.as_deref().map_or(vb.oid.as_str(), short_name);
            s.push_str(&format!("  {name}={}", vb.value));
        }
        s
    }

    /// `v1`, `v2c`, or `v3 USER`.
    pub fn version_word(&self) -> String {
        match (&self.version, &self.user) {
            (SnmpVersion::V3, Some(u)) => format!("v3 {u}"),
            (v, _) => format!("v{v}"),
        }
    }
}

/// `IF-MIB::ifIndex.3` -> `ifIndex.3`.
fn short_name(name: &str) -> &str {
    name.split_once("::").map_or(name, |(_, n)| n)
}

/// A notification OID's name: only exact objects or a `.0`-less match count, so an unknown
/// enterprise notification is not named after the subtree it sits in.
pub fn notification_name(oid: &[u32]) -> Option<String> {
    let (o, rest) = mib::lookup(oid)?;
    rest.is_empty().then(|| format!("{}::{}", o.module, o.name))
}

/// The v1 OID for a record whose enterprise could not be combined (RFC 3584 3.1): the
/// enterprise, 0, the specific number.
fn v1_fallback_oid(t: &Trap) -> Oid {
    let mut arcs = t
        .enterprise
        .as_deref()
        .and_then(|e| mib::parse_oid(e).ok())
        .unwrap_or_default();
    arcs.push(0);
    arcs.push(u32::try_from(t.specific.unwrap_or(0)).unwrap_or(0));
    Oid::from_slice(&arcs)
}

fn generic_number(g: GenericTrap) -> u8 {
    match g {
        GenericTrap::ColdStart => 0,
        GenericTrap::WarmStart => 1,
        GenericTrap::LinkDown => 2,
        GenericTrap::LinkUp => 3,
        GenericTrap::AuthenticationFailure => 4,
        GenericTrap::EgpNeighborLoss => 5,
        _ => 6,
    }
}

fn level(l: async_snmp::SecurityLevel) -> SecurityLevel {
    match l {
        async_snmp::SecurityLevel::NoAuthNoPriv => SecurityLevel::NoAuthNoPriv,
        async_snmp::SecurityLevel::AuthNoPriv => SecurityLevel::AuthNoPriv,
        async_snmp::SecurityLevel::AuthPriv => SecurityLevel::AuthPriv,
    }
}

fn varbind(vb: &VarBind) -> SnmpVarbind {
    let arcs = vb.oid.arcs();
    let (value_type, value) = value::format(arcs, &vb.value);
    SnmpVarbind {
        oid: mib::dotted(arcs),
        name: mib::name_of(arcs),
        value_type: value_type.to_string(),
        value,
    }
}

/// Bytes as text: UTF-8 where it is, with anything else escaped (a community or user name is
/// only ever shown).
fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).chars().take(256).collect()
}

/// An IPv4-mapped IPv6 source (a dual-stack socket) as the IPv4 address it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// `2026-12-03T09:41:02.123Z`.
pub fn rfc3339_ms(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| format!("{t:.3}"))
        .unwrap_or_else(|_| ms.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_snmp::{Community, Value};

    fn vb(arcs: &[u32], v: Value) -> VarBind {
        VarBind {
            oid: Oid::from_slice(arcs),
            value: v,
        }
    }

    fn link_down(inform: bool) -> Notification {
        let varbinds = vec![
            vb(&[1, 3, 6, 1, 2, 1, 2, 2, 1, 1, 3], Value::Integer(3)),
            vb(&[1, 3, 6, 1, 2, 1, 2, 2, 1, 7, 3], Value::Integer(1)),
            vb(&[1, 3, 6, 1, 2, 1, 2, 2, 1, 8, 3], Value::Integer(2)),
        ];
        let community = Community::from("lab-traps");
        let trap_oid = Oid::from_slice(&[1, 3, 6, 1, 6, 3, 1, 1, 5, 3]);
        if inform {
            Notification::InformV2c {
                community,
                uptime: 12345,
                trap_oid,
                varbinds,
                request_id: 77,
                decode_anomalies: Vec::new(),
            }
        } else {
            Notification::TrapV2c {
                community,
                uptime: 12345,
                trap_oid,
                varbinds,
                request_id: 77,
                decode_anomalies: Vec::new(),
            }
        }
    }

    #[test]
    fn a_v2c_link_down_is_named_with_its_bindings() {
        let src: SocketAddr = "[::ffff:198.18.0.161]:40000".parse().unwrap();
        let t = Trap::from_notification(
            &link_down(false),
            src,
            1_780_000_000_123,
            Some("-c 1".into()),
        );
        assert_eq!(t.source, IpAddr::from([198, 18, 0, 161]));
        assert_eq!(t.port, 40000);
        assert_eq!(t.version, SnmpVersion::V2c);
        assert_eq!(t.pdu, TrapPdu::Trap);
        assert_eq!(t.oid, ".1.3.6.1.6.3.1.1.5.3");
        assert_eq!(t.name.as_deref(), Some("IF-MIB::linkDown"));
        assert_eq!(t.community.as_deref(), Some("lab-traps"));
        assert_eq!(t.request_id, Some(77));
        assert_eq!(t.time, "2026-05-28T20:26:40.123Z");
        let names: Vec<_> = t.varbinds.iter().map(|v| v.name.clone().unwrap()).collect();
        assert_eq!(
            names,
            [
                "IF-MIB::ifIndex.3",
                "IF-MIB::ifAdminStatus.3",
                "IF-MIB::ifOperStatus.3"
            ]
        );
        assert_eq!(t.varbinds[2].value, "down(2)");
        let line = t.line();
        assert!(
            line.contains("198.18.0.161 v2c IF-MIB::linkDown  ifIndex.3=3"),
            "{line}"
        );
        assert_eq!(
            Trap::from_notification(&link_down(true), src, 0, None).pdu,
            TrapPdu::Inform
        );
    }

    #[test]
    fn unknown_enterprise_notifications_keep_their_number_only() {
        assert_eq!(
            notification_name(&[1, 3, 6, 1, 6, 3, 1, 1, 5, 1]).as_deref(),
            Some("SNMPv2-MIB::coldStart")
        );
        assert_eq!(notification_name(&[1, 3, 6, 1, 4, 1, 99999, 0, 1]), None);
        assert_eq!(notification_name(&[1, 3, 6, 1, 2, 1, 1, 5, 0]), None);
        assert_eq!(
            notification_name(&[1, 3, 6, 1, 4, 1, 9, 9, 43, 2, 0, 1]).as_deref(),
            Some("CISCO-CONFIG-MAN-MIB::ciscoConfigManEvent")
        );
    }
}
