//! Topology: a breadth-first crawl from seed devices through their LLDP/CDP neighbours (each
//! device polled with the first credential that answers, `depth` hops at most), and the graph
//! those answers make: devices as nodes, links between ports as edges, exported as JSON or
//! Graphviz DOT. The graph is built from the crawl's results alone, so a stored run redraws it.

use crate::{
    NEIGHBOR_TABLES, SecurityLevel, Shared, SnmpOptions, SnmpVersion, describe, device, walk_all,
};
use async_snmp::{Auth, Oid, UdpTransport};
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use petgraph::graph::{NodeIndex, UnGraph};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::time::Instant;
use wirescope_probe::error::ProbeError;
use wirescope_probe::result::{Device, Neighbor, ProbeResult, SnmpResult};
use wirescope_probe::stats::ms;
use wirescope_probe::targets::Target;
use wirescope_probe::toolkit::{Ctx, Ready, resolve_targets};

/// One credential ready to use: its label, the options carrying it, and its derived keys.
struct Attempt {
    label: String,
    opts: SnmpOptions,
    auth: Auth,
}

/// A device to poll: how it was named, where, and how many hops from a seed.
struct Visit {
    spec: String,
    addr: IpAddr,
    depth: u32,
}

/// Crawls from the targets, emitting one result per device polled (with its identity and
/// neighbours, or why it could not be read).
pub async fn crawl(
    targets: Vec<Target>,
    opts: SnmpOptions,
    ctx: &Ctx,
    ready: &mut Ready,
) -> Result<(), ProbeError> {
    let mut attempts = Vec::new();
    for c in opts.credential_list() {
        let o = opts.with_credential(&c);
        let auth = ready.check(o.auth())?;
        attempts.push(Attempt {
            label: c.label,
            opts: o,
            auth,
        });
    }
    let shared = ready.check(Shared::new(&opts))?;
    let (v4, v6) = ready.check(crate::transports().await)?;
    ready.go();

    let (resolved, failed) = resolve_targets(targets, ctx).await;
    for (t, why) in failed {
        ctx.emit(ProbeResult::Snmp(failure(t.spec, None, why, 0.0)));
    }
    let mut queued: HashSet<IpAddr> = HashSet::new();
    let mut known = Known::default();
    let mut frontier: Vec<Visit> = resolved
        .into_iter()
        .filter(|r| queued.insert(r.addr))
        .map(|r| Visit {
            spec: r.target.spec,
            addr: r.addr,
            depth: 0,
        })
        .collect();
    while !frontier.is_empty() {
        let mut next = Vec::new();
        let mut pending = frontier.into_iter();
        let mut inflight = FuturesUnordered::new();
        loop {
            while inflight.len() < opts.concurrency {
                let Some(v) = pending.next() else { break };
                let transport = if v.addr.is_ipv6() {
                    v6.as_ref()
                } else {
                    Some(&v4)
                };
                inflight.push(poll_device(transport, v, &attempts, &shared));
            }
            let result = tokio::select! {
                biased;
                _ = ctx.cancel.cancelled() => return Ok(()),
                next = inflight.next() => match next {
                    Some(r) => r,
                    None => break,
                },
            };
            if let Some(d) = &result.device {
                known.add(d, result.addr);
                if d.depth < opts.depth {
                    for n in &result.neighbors {
                        if let Some(addr) = n.mgmt_addr
                            && !known.contains(n)
                            && queued.insert(addr)
                        {
                            next.push(Visit {
                                spec: n.remote_name.clone().unwrap_or_else(|| addr.to_string()),
                                addr,
                                depth: d.depth + 1,
                            });
                        }
                    }
                }
            }
            ctx.emit(ProbeResult::Snmp(result));
        }
        frontier = next;
    }
    Ok(())
}

fn failure(target: String, addr: Option<IpAddr>, error: String, elapsed_ms: f64) -> SnmpResult {
    SnmpResult {
        target,
        addr,
        varbinds: Vec::new(),
        neighbors: Vec::new(),
        arp: Vec::new(),
        fdb: Vec::new(),
        interfaces: Vec::new(),
        device: None,
        elapsed_ms,
        error: Some(error),
        note: None,
    }
}

/// The names, chassis ids and addresses of the devices polled so far.
#[derive(Default)]
struct Known(HashSet<String>);

impl Known {
    fn add(&mut self, d: &Device, addr: Option<IpAddr>) {
        self.0.extend(aliases(d, addr));
    }

    fn contains(&self, n: &Neighbor) -> bool {
        neighbor_keys(n).iter().any(|k| self.0.contains(k))
    }
}

/// The keys a device is known by: its address, chassis id, LLDP name and sysName (also without
/// the domain), lowercased.
fn aliases(d: &Device, addr: Option<IpAddr>) -> Vec<String> {
    let mut out: Vec<String> = addr.map(|a| format!("addr:{a}")).into_iter().collect();
    if let Some(c) = &d.chassis_id {
        out.push(format!("chassis:{}", c.to_lowercase()));
    }
    for n in [&d.lldp_name, &d.name].into_iter().flatten() {
        out.extend(name_keys(n));
    }
    out
}

fn name_keys(n: &str) -> Vec<String> {
    let full = n.to_lowercase();
    let short = full.split('.').next().unwrap_or_default().to_string();
    let mut keys = vec![format!("name:{full}")];
    if short != full && !short.is_empty() {
        keys.push(format!("name:{short}"));
    }
    keys
}

/// The keys a neighbour entry points at, most specific first.
fn neighbor_keys(n: &Neighbor) -> Vec<String> {
    let mut out: Vec<String> = n
        .mgmt_addr
        .map(|a| format!("addr:{a}"))
        .into_iter()
        .collect();
    if let Some(c) = &n.chassis_id {
        out.push(format!("chassis:{}", c.to_lowercase()));
    }
    if let Some(name) = &n.remote_name {
        out.extend(name_keys(name));
    }
    out
}

/// Polls one device: the first credential whose GET of the system group is answered is used
/// to read its LLDP identity and neighbour tables.
async fn poll_device(
    transport: Option<&UdpTransport>,
    visit: Visit,
    attempts: &[Attempt],
    shared: &Shared,
) -> SnmpResult {
    let started = Instant::now();
    let Some(transport) = transport else {
        return failure(
            visit.spec,
            Some(visit.addr),
            "IPv6 is not available".into(),
            0.0,
        );
    };
    let mut reasons = Vec::new();
    for a in attempts {
        let port = a.opts.port;
        let target = SocketAddr::new(visit.addr, port);
        let client = match shared
            .client(transport, target, a.auth.clone(), &a.opts)
            .await
        {
            Ok(c) => c,
            Err(e) => {
                reasons.push(format!("{}: {e}", a.label));
                continue;
            }
        };
        let system: Vec<Oid> = device::SYSTEM_IDENTITY
            .iter()
            .map(|o| Oid::from_slice(o))
            .collect();
        let mut vbs = match client.get_many(&system).await {
            Ok(r) => r.varbinds,
            Err(e) => {
                let mut why = describe(&e, &a.opts);
                if why.starts_with(crate::NO_RESPONSE)
                    && a.opts.version == SnmpVersion::V3
                    && a.opts.level_in_use() != SecurityLevel::NoAuthNoPriv
                    && let Some(d) =
                        crate::diagnose_v3(transport, SocketAddr::new(visit.addr, port), &a.opts)
                            .await
                {
                    why = d;
                }
                reasons.push(format!("{}: {why}", a.label));
                continue;
            }
        };
        // Agents without LLDP-MIB answer noSuchObject (v2c/v3) or noSuchName (v1): no identity.
        let lldp: Vec<Oid> = device::LLDP_IDENTITY
            .iter()
            .map(|o| Oid::from_slice(o))
            .collect();
        if let Ok(r) = client.get_many(&lldp).await {
            vbs.extend(r.varbinds);
        }
        let identity = device::identity(&vbs, &a.label, visit.depth);
        let mut raw = Vec::new();
        let mut walked = walk_all(&client, NEIGHBOR_TABLES, &a.opts, false, &mut raw).await;
        if walked.is_ok() && a.opts.op == crate::SnmpOp::Locate {
            walked = walk_all(&client, crate::LOCATE_TABLES, &a.opts, false, &mut raw).await;
        }
        let names = device::if_names(&raw);
        let found = device::neighbors(&raw, &names);
        return SnmpResult {
            target: visit.spec,
            addr: Some(visit.addr),
            varbinds: Vec::new(),
            neighbors: found.list,
            arp: device::arp(&raw, &names),
            fdb: device::fdb(&raw, &names, None),
            interfaces: Vec::new(),
            device: Some(identity),
            elapsed_ms: ms(started.elapsed()),
            error: walked.err(),
            note: found.note,
        };
    }
    let why = match reasons.as_slice() {
        [one] => one
            .split_once(": ")
            .map_or(one.clone(), |(_, w)| w.to_string()),
        _ => format!("no credential answered ({})", reasons.join("; ")),
    };
    failure(visit.spec, Some(visit.addr), why, ms(started.elapsed()))
}

/// A device of the map.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Node {
    /// Stable id: the device's LLDP name, sysName, chassis id or address.
    pub id: String,
    /// What to show: the sysName, or what neighbours call it.
    pub label: String,
    /// Where it was polled, or the management address its neighbours announce.
    #[schema(value_type = Option<String>)]
    pub addr: Option<IpAddr>,
    /// True when it answered SNMP; false for neighbours seen but not read (past the depth
    /// limit, no management address, no credential answered).
    pub polled: bool,
    pub descr: Option<String>,
    pub object_id: Option<String>,
    pub chassis_id: Option<String>,
    /// LLDP system description or CDP platform, as neighbours announce it.
    pub platform: Option<String>,
    pub capabilities: Option<String>,
    /// The credential profile that answered.
    pub credential: Option<String>,
    pub depth: Option<u32>,
    /// Why it could not be read, when it was tried.
    pub error: Option<String>,
}

/// A link between two ports, seen from one end or both.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Link {
    pub source: String,
    pub source_port: String,
    pub target: String,
    pub target_port: Option<String>,
    /// "lldp", "cdp", or both ("cdp,lldp") when the ends learnt it differently.
    pub protocol: String,
    /// True when both ends report it.
    pub both_ends: bool,
}

/// The setting that keeps the dashboard's map layout: `{"positions": {ID: {"x", "y"}}}`, node
/// positions by device id, shared by every map (reports draw topology pictures from it).
pub const LAYOUT_SETTING: &str = "topology.layout";

/// The map: devices and links, ordered by id.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Topology {
    pub nodes: Vec<Node>,
    pub links: Vec<Link>,
    /// Connected groups of devices (1 when everything hangs together).
    pub components: usize,
}

/// One end of a link: a node (by id, then index, so a link reads the same whichever device
/// answered first) and its port.
type End = (String, NodeIndex, String);

/// Builds the map from a crawl's results: devices that answered are merged by address, chassis
/// id and name; neighbours not polled become nodes of their own; a link reported from both ends
/// is one link.
pub fn graph(results: &[SnmpResult]) -> Topology {
    let mut g: UnGraph<Node, Link> = UnGraph::new_undirected();
    let mut by_key: HashMap<String, NodeIndex> = HashMap::new();
    for r in results {
        let Some(d) = &r.device else { continue };
        let keys = aliases(d, r.addr);
        let idx = match keys.iter().find_map(|k| by_key.get(k)) {
            Some(&i) => i,
            None => g.add_node(Node {
                id: d
                    .lldp_name
                    .clone()
                    .or_else(|| d.name.clone())
                    .or_else(|| d.chassis_id.clone())
                    .or_else(|| r.addr.map(|a| a.to_string()))
                    .unwrap_or_else(|| r.target.clone()),
                label: d.name.clone().unwrap_or_else(|| r.target.clone()),
                addr: r.addr,
                polled: true,
                descr: d.descr.clone(),
                object_id: d.object_id.clone(),
                chassis_id: d.chassis_id.clone(),
                platform: None,
                capabilities: None,
                credential: Some(d.credential.clone()),
                depth: Some(d.depth),
                error: r.error.clone(),
            }),
        };
        for k in keys {
            by_key.entry(k).or_insert(idx);
        }
    }
    for r in results.iter().filter(|r| r.device.is_none()) {
        let key = r.addr.map(|a| format!("addr:{a}"));
        if key.as_ref().is_some_and(|k| by_key.contains_key(k)) {
            continue;
        }
        let idx = g.add_node(Node {
            id: r.addr.map_or_else(|| r.target.clone(), |a| a.to_string()),
            label: r.target.clone(),
            addr: r.addr,
            polled: false,
            descr: None,
            object_id: None,
            chassis_id: None,
            platform: None,
            capabilities: None,
            credential: None,
            depth: None,
            error: r.error.clone(),
        });
        if let Some(k) = key {
            by_key.insert(k, idx);
        }
    }
    // Links, keyed by their two (node, port) ends in order.
    let mut links: BTreeMap<(End, End), (Link, usize)> = BTreeMap::new();
    for r in results {
        let Some(d) = &r.device else { continue };
        let Some(&local) = aliases(d, r.addr).iter().find_map(|k| by_key.get(k)) else {
            continue;
        };
        for n in &r.neighbors {
            let keys = neighbor_keys(n);
            let remote = match keys.iter().find_map(|k| by_key.get(k)) {
                Some(&i) => i,
                None => {
                    let id = n
                        .remote_name
                        .clone()
                        .or_else(|| n.chassis_id.clone())
                        .or_else(|| n.mgmt_addr.map(|a| a.to_string()))
                        .unwrap_or_else(|| format!("{}:{}", g[local].id, n.local_port));
                    let i = g.add_node(Node {
                        label: id.clone(),
                        id,
                        addr: n.mgmt_addr,
                        polled: false,
                        descr: None,
                        object_id: None,
                        chassis_id: n.chassis_id.clone(),
                        platform: None,
                        capabilities: None,
                        credential: None,
                        depth: None,
                        error: None,
                    });
                    for k in keys {
                        by_key.entry(k).or_insert(i);
                    }
                    i
                }
            };
            let node = &mut g[remote];
            if node.platform.is_none() {
                node.platform.clone_from(&n.platform);
            }
            if node.capabilities.is_none() {
                node.capabilities.clone_from(&n.capabilities);
            }
            if !node.polled && node.label == node.id && n.remote_name.is_some() {
                node.label = n.remote_name.clone().unwrap_or_default();
            }
            let near = (g[local].id.clone(), local, n.local_port.clone());
            let far = (
                g[remote].id.clone(),
                remote,
                n.remote_port.clone().unwrap_or_default(),
            );
            let (key, forward) = if near <= far {
                ((near, far), true)
            } else {
                ((far, near), false)
            };
            let entry = links.entry(key.clone()).or_insert_with(|| {
                let ((a, _, pa), (b, _, pb)) = &key;
                (
                    Link {
                        source: a.clone(),
                        source_port: pa.clone(),
                        target: b.clone(),
                        target_port: Some(pb.clone()).filter(|p| !p.is_empty()),
                        protocol: n.protocol.clone(),
                        both_ends: false,
                    },
                    usize::from(forward),
                )
            });
            if entry.1 != usize::from(forward) {
                entry.0.both_ends = true;
            }
            if !entry.0.protocol.split(',').any(|p| p == n.protocol) {
                let mut ps: Vec<&str> = entry.0.protocol.split(',').collect();
                ps.push(&n.protocol);
                ps.sort_unstable();
                entry.0.protocol = ps.join(",");
            }
        }
    }
    for (((_, a, _), (_, b, _)), (link, _)) in links {
        g.add_edge(a, b, link);
    }
    let components = petgraph::algo::connected_components(&g);
    let mut nodes: Vec<Node> = g.node_weights().cloned().collect();
    nodes.sort_by(|a, b| a.id.cmp(&b.id));
    let mut links: Vec<Link> = g.edge_weights().cloned().collect();
    links.sort_by(|a, b| {
        (&a.source, &a.source_port, &a.target).cmp(&(&b.source, &b.source_port, &b.target))
    });
    Topology {
        nodes,
        links,
        components,
    }
}

/// A DOT string literal.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' | '\r' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl Topology {
    /// Graphviz DOT: devices as boxes (dashed when not polled), links labelled with both ports.
    pub fn to_dot(&self) -> String {
        let mut out = String::from(
            "graph wirescope {\n  graph [overlap=false, splines=true];\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n",
        );
        for n in &self.nodes {
            let mut label = n.label.clone();
            if let Some(a) = n.addr {
                let _ = write!(label, "\n{a}");
            }
            let style = if n.polled {
                ""
            } else {
                ", style=\"rounded,dashed\""
            };
            let _ = writeln!(out, "  {} [label={}{style}];", quote(&n.id), quote(&label));
        }
        for l in &self.links {
            let _ = writeln!(
                out,
                "  {} -- {} [taillabel={}, headlabel={}, label={}];",
                quote(&l.source),
                quote(&l.target),
                quote(&l.source_port),
                quote(l.target_port.as_deref().unwrap_or("")),
                quote(&l.protocol)
            );
        }
        out.push_str("}\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dev(name: &str, chassis: &str) -> Device {
        Device {
            name: Some(format!("{name}.lab.test")),
            descr: Some(format!("switch {name}")),
            object_id: None,
            chassis_id: Some(chassis.into()),
            lldp_name: Some(name.into()),
            credential: "options".into(),
            depth: 0,
        }
    }

    fn nb(local: &str, name: &str, port: &str, addr: Option<&str>, proto: &str) -> Neighbor {
        Neighbor {
            protocol: proto.into(),
            local_port: local.into(),
            remote_name: Some(name.into()),
            remote_port: Some(port.into()),
            remote_port_desc: None,
            chassis_id: None,
            mgmt_addr: addr.map(|a| a.parse().unwrap()),
            platform: Some("lab".into()),
            capabilities: Some("bridge".into()),
            ..Neighbor::default()
        }
    }

    fn polled(name: &str, addr: &str, chassis: &str, neighbors: Vec<Neighbor>) -> SnmpResult {
        SnmpResult {
            target: addr.into(),
            addr: Some(addr.parse().unwrap()),
            varbinds: Vec::new(),
            neighbors,
            arp: Vec::new(),
            fdb: Vec::new(),
            interfaces: Vec::new(),
            device: Some(dev(name, chassis)),
            elapsed_ms: 1.0,
            error: None,
            note: None,
        }
    }

    /// A triangle a-b-c, b polled twice (by two addresses), one link seen from one end only,
    /// one neighbour never polled, one device that did not answer.
    fn fixture() -> Vec<SnmpResult> {
        vec![
            polled(
                "a",
                "10.0.0.1",
                "00:00:00:00:00:0a",
                vec![
                    nb("p1", "b", "p1", Some("10.0.0.2"), "lldp"),
                    nb("p2", "c", "p1", Some("10.0.0.3"), "lldp"),
                    nb("p3", "phone", "eth0", None, "cdp"),
                ],
            ),
            polled(
                "b",
                "10.0.0.2",
                "00:00:00:00:00:0b",
                vec![
                    nb("p1", "a.lab.test", "p1", None, "lldp"),
                    nb("p2", "c", "p2", Some("10.0.0.3"), "cdp"),
                ],
            ),
            polled("b", "10.9.9.2", "00:00:00:00:00:0B", vec![]),
            failure(
                "10.0.0.3".into(),
                Some("10.0.0.3".parse().unwrap()),
                "no response".into(),
                1.0,
            ),
        ]
    }

    #[test]
    fn devices_merge_and_links_dedupe() {
        let t = graph(&fixture());
        let ids: Vec<&str> = t.nodes.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(ids, ["10.0.0.3", "a", "b", "phone"]);
        let c = &t.nodes[0];
        assert!(!c.polled);
        assert_eq!(
            c.label, "c",
            "an unread device takes the name its neighbours give it"
        );
        assert_eq!(c.error.as_deref(), Some("no response"));
        assert_eq!(c.platform.as_deref(), Some("lab"));
        let phone = &t.nodes[3];
        assert!(!phone.polled && phone.addr.is_none());
        assert_eq!(t.components, 1);
        let links: Vec<(String, String, String, String, String, bool)> = t
            .links
            .iter()
            .map(|l| {
                (
                    l.source.clone(),
                    l.source_port.clone(),
                    l.target.clone(),
                    l.target_port.clone().unwrap_or_default(),
                    l.protocol.clone(),
                    l.both_ends,
                )
            })
            .collect();
        let s = |v: &str| v.to_string();
        assert_eq!(
            links,
            [
                (s("10.0.0.3"), s("p1"), s("a"), s("p2"), s("lldp"), false),
                (s("10.0.0.3"), s("p2"), s("b"), s("p2"), s("cdp"), false),
                (s("a"), s("p1"), s("b"), s("p1"), s("lldp"), true),
                (s("a"), s("p3"), s("phone"), s("eth0"), s("cdp"), false),
            ]
        );
        let mut reversed = fixture();
        reversed.reverse();
        assert_eq!(
            graph(&reversed).links,
            t.links,
            "the map does not depend on which device answered first"
        );
    }

    #[test]
    fn protocols_of_both_ends_are_kept() {
        let r = vec![
            polled(
                "a",
                "10.0.0.1",
                "aa",
                vec![nb("p1", "b", "p9", Some("10.0.0.2"), "lldp")],
            ),
            polled(
                "b",
                "10.0.0.2",
                "bb",
                vec![nb("p9", "a", "p1", Some("10.0.0.1"), "cdp")],
            ),
        ];
        let t = graph(&r);
        assert_eq!(t.links.len(), 1);
        assert_eq!(t.links[0].protocol, "cdp,lldp");
        assert!(t.links[0].both_ends);
    }

    #[test]
    fn dot_quotes_hostile_names() {
        let r = vec![polled(
            "a\"b",
            "10.0.0.1",
            "aa",
            vec![nb("p\\1", "x\ny", "q", None, "lldp")],
        )];
        let dot = graph(&r).to_dot();
        assert!(dot.starts_with("graph wirescope {"));
        assert!(
            dot.contains(r#""a\"b" [label="a\"b.lab.test\n10.0.0.1"];"#),
            "{dot}"
        );
        assert!(
            dot.contains(r#""a\"b" -- "x\ny" [taillabel="p\\1", headlabel="q""#),
            "{dot}"
        );
        assert!(dot.contains("style=\"rounded,dashed\""));
        assert_eq!(dot.lines().filter(|l| l.contains(" -- ")).count(), 1);
    }

    #[test]
    fn empty_and_failed_crawls_still_make_a_graph() {
        assert_eq!(graph(&[]).nodes.len(), 0);
        let t = graph(&[failure(
            "sw1".into(),
            None,
            "name does not resolve".into(),
            0.0,
        )]);
        assert_eq!(t.nodes.len(), 1);
        assert_eq!(t.nodes[0].id, "sw1");
        assert_eq!(t.components, 1);
    }
}
