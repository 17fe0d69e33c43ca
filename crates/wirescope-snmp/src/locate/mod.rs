//! Locate: from an IP address, a MAC address or a name to the switch port where that host is
//! plugged in. The devices a crawl read give their ARP tables (IP -> MAC, on the routers), their
//! forwarding databases (MAC -> port and VLAN, on the switches) and their LLDP/CDP neighbours (a
//! port with a neighbour is an uplink, not where a host is); the edge port that learnt the MAC,
//! with the fewest MACs on it, is the answer. Pure: tested on fixtures, no sockets.

use crate::device::mac;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::net::IpAddr;
use wirescope_probe::result::SnmpResult;

/// What to look for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    Mac([u8; 6]),
    Ip(IpAddr),
    /// A name, and the addresses it resolved to.
    Name(String, Vec<IpAddr>),
}

/// Why a query does not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "'{0}' is neither an IP address, a MAC address (aa:bb:cc:dd:ee:ff, aabb.ccdd.eeff, aa-bb-..., aabbccddeeff) nor a host name"
)]
pub struct BadQuery(pub String);

impl Query {
    /// An IP address, a MAC address in any of its usual spellings, or else a host name (to
    /// be resolved by the caller: `Name` with no addresses yet).
    pub fn parse(text: &str) -> Result<Query, BadQuery> {
        let t = text.trim();
        if let Ok(ip) = t.parse::<IpAddr>() {
            return Ok(Query::Ip(ip));
        }
        let digits: String = t
            .chars()
            .filter(|c| !matches!(c, ':' | '-' | '.'))
            .collect();
        let separators = t.len() - digits.len();
        if digits.len() == 12
            && digits.bytes().all(|c| c.is_ascii_hexdigit())
            && matches!(separators, 0 | 2 | 5)
        {
            let mut m = [0u8; 6];
            for (i, b) in m.iter_mut().enumerate() {
                *b = u8::from_str_radix(&digits[2 * i..2 * i + 2], 16)
                    .map_err(|_| BadQuery(t.to_string()))?;
            }
            return Ok(Query::Mac(m));
        }
        let name_ok = !t.is_empty()
            && t.len() <= 253
            && t.split('.').all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && l.bytes()
                        .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
            });
        if name_ok {
            Ok(Query::Name(t.to_string(), Vec::new()))
        } else {
            Err(BadQuery(t.to_string()))
        }
    }

    fn ips(&self) -> Vec<IpAddr> {
        match self {
            Query::Mac(_) => Vec::new(),
            Query::Ip(ip) => vec![*ip],
            Query::Name(_, ips) => ips.clone(),
        }
    }
}

/// A port where the MAC was learnt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Place {
    /// The switch: its name (sysName, else how it was reached) and address.
    pub device: String,
    #[schema(value_type = Option<String>)]
    pub device_addr: Option<IpAddr>,
    pub mac: String,
    pub vlan: Option<u32>,
    pub interface: String,
    pub if_index: Option<u32>,
    /// The port's ifAlias (its description: "desk 4.12").
    pub alias: Option<String>,
    /// MACs learnt on this port (all VLANs): 1 on a host's own port, many on an uplink.
    pub macs_on_port: usize,
    /// No LLDP/CDP neighbour on this port: an edge port, where hosts are.
    pub edge: bool,
}

/// Where a host is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Located {
    pub query: String,
    /// The addresses looked up, and the MACs the ARP tables gave for them (or the one asked).
    #[schema(value_type = Vec<String>)]
    pub ips: Vec<IpAddr>,
    pub macs: Vec<String>,
    /// Its port: the edge port that learnt the MAC with the fewest MACs on it, and any other
    /// edge port of that switch (or as quiet) that learnt it too: each is listed, and said.
    pub found: Vec<Place>,
    /// Every other port that learnt it (uplinks, busier ports), most likely first.
    pub seen: Vec<Place>,
    /// Devices read, and those that did not answer.
    pub devices: usize,
    pub failed: Vec<String>,
    /// Why nothing (or more than one port) was found, in words.
    pub note: Option<String>,
}

/// Where `query` is, from what the devices answered.
pub fn find(query: &Query, text: &str, results: &[SnmpResult]) -> Located {
    let answered: Vec<&SnmpResult> = results.iter().filter(|r| r.error.is_none()).collect();
    let failed: Vec<String> = results
        .iter()
        .filter(|r| r.error.is_some())
        .map(|r| r.target.clone())
        .collect();
    let ips = query.ips();
    let macs: Vec<String> = match query {
        Query::Mac(m) => vec![mac(m)],
        _ => {
            let mut seen = BTreeSet::new();
            answered
                .iter()
                .flat_map(|r| r.arp.iter())
                .filter(|a| ips.contains(&a.ip))
                .map(|a| a.mac.clone())
                .filter(|m| seen.insert(m.clone()))
                .collect()
        }
    };
    let mut places = Vec::new();
    for r in &answered {
        let name = r
            .device
            .as_ref()
            .and_then(|d| d.name.clone().or_else(|| d.lldp_name.clone()))
            .unwrap_or_else(|| r.target.clone());
        let uplinks: HashSet<&str> = r.neighbors.iter().map(|n| n.local_port.as_str()).collect();
        let mut per_port: HashMap<&str, HashSet<&str>> = HashMap::new();
        for e in r.fdb.iter().filter(|e| e.status == "learned") {
            per_port
                .entry(e.interface.as_str())
                .or_default()
                .insert(e.mac.as_str());
        }
        for e in r
            .fdb
            .iter()
            .filter(|e| e.status == "learned" && macs.contains(&e.mac))
        {
            places.push(Place {
                device: name.clone(),
                device_addr: r.addr,
                mac: e.mac.clone(),
                vlan: e.vlan,
                interface: e.interface.clone(),
                if_index: e.if_index,
                alias: e.alias.clone(),
                macs_on_port: per_port.get(e.interface.as_str()).map_or(0, HashSet::len),
                edge: !uplinks.contains(e.interface.as_str()),
            });
        }
    }
    places.sort_by(|a, b| {
        b.edge
            .cmp(&a.edge)
            .then(a.macs_on_port.cmp(&b.macs_on_port))
            .then(a.device.cmp(&b.device))
            .then(a.interface.cmp(&b.interface))
    });
    // The first edge place is the quietest port; another edge port of the same switch that
    // learnt the MAC is listed with it (a duplicate MAC, a loop), one of a busier switch is not
    // (a downstream switch without LLDP hangs off it).
    let best = places
        .iter()
        .find(|p| p.edge)
        .map(|p| (p.macs_on_port, p.device.clone()));
    let (found, seen): (Vec<Place>, Vec<Place>) = places.into_iter().partition(|p| {
        p.edge
            && best
                .as_ref()
                .is_some_and(|(n, d)| p.macs_on_port == *n || &p.device == d)
    });
    let n = answered.len();
    let note = if ips.is_empty() && matches!(query, Query::Name(..)) {
        Some(format!("the name '{text}' does not resolve"))
    } else if macs.is_empty() {
        Some(format!(
            "no ARP entry for {} on the {n} device{} read: add its router to --seed, or reach \
             it once (a ping) so the router learns it",
            ips.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            plural(n)
        ))
    } else if found.is_empty() && seen.is_empty() {
        Some(format!(
            "{} is not in the forwarding database of any of the {n} device{} read (not learnt, \
             aged out, or its switch was not read: add it to --seed or raise --depth)",
            macs.join(", "),
            plural(n)
        ))
    } else if found.is_empty() {
        Some(
            "learnt only on ports with an LLDP/CDP neighbour (uplinks): the switch it is plugged \
             into was not read; add it to --seed or raise --depth"
                .to_string(),
        )
    } else if found.len() > 1 {
        Some(format!(
            "learnt on {} edge ports: {}",
            found.len(),
            found
                .iter()
                .map(|p| format!("{} {}", p.device, p.interface))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    } else {
        None
    };
    Located {
        query: text.to_string(),
        ips,
        macs,
        found,
        seen,
        devices: n,
        failed,
        note,
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A place as a line: "as1.lab.test ge1 vlan 20 'desk 4.12' (02:57:..., 1 MAC on the port)".
pub fn line(p: &Place) -> String {
    let mut s = format!("{} {}", p.device, p.interface);
    if let Some(v) = p.vlan {
        s.push_str(&format!(" vlan {v}"));
    }
    if let Some(a) = p.alias.as_deref().filter(|a| !a.is_empty()) {
        s.push_str(&format!(" '{a}'"));
    }
    s.push_str(&format!(
        "  ({}, {} MAC{} on the port{})",
        p.mac,
        p.macs_on_port,
        plural(p.macs_on_port),
        if p.edge { "" } else { ", an uplink" }
    ));
    s
}

#[cfg(test)]
mod tests;
