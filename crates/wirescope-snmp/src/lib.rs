//! SNMP get and walk (v1, v2c, v3 USM) over many agents at once through the batch engine: one
//! shared UDP transport, bounded concurrency, GETBULK walks whose max-repetitions back off on
//! tooBig or timeouts (GETNEXT for v1), values printed the way net-snmp prints them.

pub mod des;
pub mod device;
pub mod fuzz;
pub mod locate;
pub mod mib;
pub mod security;
pub mod snmprec;
pub mod topology;
pub mod trap;
pub mod value;

use async_snmp::{
    Auth, Client, DesSaltState, EngineCache, Error as SnmpError, ErrorStatus, MasterKeys, Oid,
    Retry, UdpHandle, UdpTransport, UsmConfig, Value, VarBind,
};
use futures::StreamExt;
use futures::stream::FuturesUnordered;
pub use security::{AuthProtocol, PrivProtocol, SecurityLevel, SnmpVersion};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wirescope_probe::duration::serde_human;
use wirescope_probe::error::ProbeError;
use wirescope_probe::result::{ProbeResult, SnmpResult, SnmpVarbind};
use wirescope_probe::stats::ms;
use wirescope_probe::targets::Target;
use wirescope_probe::toolkit::{Ctx, Ready, resolve_targets};

/// What to ask each agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SnmpOp {
    /// GET of each OID.
    #[default]
    Get,
    /// Walk of each subtree (GETBULK for v2c/v3, GETNEXT for v1).
    Walk,
    /// LLDP and CDP neighbours (LLDP-MIB, CISCO-CDP-MIB).
    Neighbors,
    /// The ARP / neighbour table (IP-MIB), with MAC vendors.
    Arp,
    /// The forwarding database (BRIDGE-MIB, Q-BRIDGE-MIB): which MAC is learnt on which port
    /// and VLAN.
    Fdb,
    /// Interfaces (IF-MIB), with rates when `rate` is set.
    Interfaces,
    /// A crawl from the targets through their LLDP/CDP neighbours, `depth` hops deep.
    Topology,
    /// A topology crawl that also reads each device's ARP table and forwarding database (what
    /// `wirescope locate` needs to find a host's switch port).
    Locate,
}

/// Options of an SNMP run. Secrets are read but never written back out (not in the history,
/// not in API responses, not in `Debug` output).
#[derive(Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct SnmpOptions {
    /// What to ask each agent: get OIDs, walk subtrees, LLDP/CDP neighbours, the ARP table,
    /// interfaces, or a topology crawl.
    pub op: SnmpOp,
    /// OIDs, numeric or by name (`sysName.0`, `IF-MIB::ifTable`); a walk of none walks mib-2.
    pub oids: Vec<String>,
    /// SNMP version: 1, 2c or 3.
    pub version: SnmpVersion,
    #[serde(skip_serializing_if = "wirescope_probe::secret::never_written")]
    /// Community string (v1, v2c).
    #[schema(write_only)]
    pub community: String,
    /// SNMPv3 user.
    pub user: Option<String>,
    /// SNMPv3 security level; default: authPriv when a privacy password is given, else
    /// authNoPriv when an authentication password is, else noAuthNoPriv.
    pub level: Option<SecurityLevel>,
    /// SNMPv3 authentication protocol (default SHA).
    pub auth_protocol: Option<AuthProtocol>,
    #[serde(skip_serializing_if = "wirescope_probe::secret::never_written")]
    /// SNMPv3 authentication passphrase.
    #[schema(write_only)]
    pub auth_password: Option<String>,
    /// SNMPv3 privacy protocol (default AES).
    pub priv_protocol: Option<PrivProtocol>,
    #[serde(skip_serializing_if = "wirescope_probe::secret::never_written")]
    /// SNMPv3 privacy passphrase.
    #[schema(write_only)]
    pub priv_password: Option<String>,
    /// The agents' UDP port.
    #[schema(minimum = 1, maximum = 65535)]
    pub port: u16,
    /// How long to wait for each answer.
    #[serde(with = "serde_human")]
    #[schema(value_type = wirescope_probe::duration::DurationSchema)]
    pub timeout: Duration,
    /// Retransmissions after a timeout.
    pub retries: u32,
    /// GETBULK max-repetitions to start with (halved on tooBig or timeout).
    #[schema(minimum = 1, maximum = 1000)]
    pub max_repetitions: u32,
    /// Agents polled at once.
    #[schema(minimum = 1)]
    pub concurrency: usize,
    /// Interfaces: poll twice this far apart and report bit rates.
    #[serde(default, with = "serde_human::option")]
    #[schema(value_type = Option<wirescope_probe::duration::DurationSchema>)]
    pub rate: Option<Duration>,
    /// Topology: how many hops from the seeds to follow neighbours (0 polls the seeds only).
    #[schema(maximum = 16)]
    pub depth: u32,
    /// Credential profiles to try on each device, in order (by name).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<String>,
    /// Forwarding databases: VLANs whose context is read too (`community@VLAN` for v1/v2c,
    /// the context `vlan-VLAN` for v3), as switches that keep BRIDGE-MIB per VLAN (Cisco) need;
    /// at most 64, each 1-4094.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 64)]
    pub vlan_contexts: Vec<u16>,
    /// The credentials to try, in order; empty means the options' own.
    #[serde(skip)]
    pub credentials: Vec<Credential>,
}

/// One set of SNMP credentials, tried in turn on each device of a topology crawl.
#[derive(Clone, PartialEq, Default)]
pub struct Credential {
    /// What results name it by: the profile name, or "options".
    pub label: String,
    pub version: SnmpVersion,
    pub community: String,
    pub user: Option<String>,
    pub level: Option<SecurityLevel>,
    pub auth_protocol: Option<AuthProtocol>,
    pub auth_password: Option<String>,
    pub priv_protocol: Option<PrivProtocol>,
    pub priv_password: Option<String>,
}

fn redacted(s: &Option<String>) -> Option<&'static str> {
    s.as_ref().map(|_| "<secret>")
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("label", &self.label)
            .field("version", &self.version)
            .field("user", &self.user)
            .field("level", &self.level)
            .field("auth_protocol", &self.auth_protocol)
            .field("auth_password", &redacted(&self.auth_password))
            .field("priv_protocol", &self.priv_protocol)
            .field("priv_password", &redacted(&self.priv_password))
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for SnmpOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnmpOptions")
            .field("op", &self.op)
            .field("oids", &self.oids)
            .field("version", &self.version)
            .field("user", &self.user)
            .field("level", &self.level)
            .field("auth_protocol", &self.auth_protocol)
            .field("auth_password", &redacted(&self.auth_password))
            .field("priv_protocol", &self.priv_protocol)
            .field("priv_password", &redacted(&self.priv_password))
            .field("port", &self.port)
            .field("timeout", &self.timeout)
            .field("retries", &self.retries)
            .field("max_repetitions", &self.max_repetitions)
            .field("concurrency", &self.concurrency)
            .field("rate", &self.rate)
            .field("depth", &self.depth)
            .field("profiles", &self.profiles)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

impl Default for SnmpOptions {
    fn default() -> Self {
        SnmpOptions {
            op: SnmpOp::Get,
            oids: Vec::new(),
            version: SnmpVersion::V2c,
            community: "public".into(),
            user: None,
            level: None,
            auth_protocol: None,
            auth_password: None,
            priv_protocol: None,
            priv_password: None,
            port: 161,
            timeout: Duration::from_secs(1),
            retries: 2,
            max_repetitions: 25,
            concurrency: 100,
            rate: None,
            depth: 2,
            profiles: Vec::new(),
            vlan_contexts: Vec::new(),
            credentials: Vec::new(),
        }
    }
}

fn bad(m: impl Into<String>) -> ProbeError {
    ProbeError::Options(m.into())
}

impl SnmpOptions {
    /// The options' own credentials, labelled "options".
    pub fn own_credential(&self) -> Credential {
        Credential {
            label: "options".into(),
            version: self.version,
            community: self.community.clone(),
            user: self.user.clone(),
            level: self.level,
            auth_protocol: self.auth_protocol,
            auth_password: self.auth_password.clone(),
            priv_protocol: self.priv_protocol,
            priv_password: self.priv_password.clone(),
        }
    }

    /// These options with another set of credentials.
    pub fn with_credential(&self, c: &Credential) -> SnmpOptions {
        SnmpOptions {
            version: c.version,
            community: c.community.clone(),
            user: c.user.clone(),
            level: c.level,
            auth_protocol: c.auth_protocol,
            auth_password: c.auth_password.clone(),
            priv_protocol: c.priv_protocol,
            priv_password: c.priv_password.clone(),
            credentials: Vec::new(),
            ..self.clone()
        }
    }

    /// True when some credential to try encrypts with DES or 3DES (which needs durable salt state).
    pub fn uses_des(&self) -> bool {
        self.credential_list().iter().any(|c| {
            let o = self.with_credential(c);
            o.version == SnmpVersion::V3
                && o.level_in_use() == SecurityLevel::AuthPriv
                && o.priv_in_use().usm().is_des_family()
        })
    }

    /// The credentials to try, in order.
    pub fn credential_list(&self) -> Vec<Credential> {
        if self.credentials.is_empty() {
            vec![self.own_credential()]
        } else {
            self.credentials.clone()
        }
    }

    /// The OIDs as arcs (mib-2 for a walk of none).
    pub fn oid_arcs(&self) -> Result<Vec<Vec<u32>>, ProbeError> {
        if self.oids.is_empty() {
            return match self.op {
                SnmpOp::Get => Err(bad("give at least one OID to get")),
                _ => Ok(vec![vec![1, 3, 6, 1, 2, 1]]),
            };
        }
        self.oids
            .iter()
            .map(|o| mib::parse_oid(o).map_err(bad))
            .collect()
    }

    /// The security level asked for, or the one the passwords given imply.
    pub(crate) fn level_in_use(&self) -> SecurityLevel {
        match self.level {
            Some(l) => l,
            None if self.priv_password.is_some() => SecurityLevel::AuthPriv,
            None if self.auth_password.is_some() => SecurityLevel::AuthNoPriv,
            None => SecurityLevel::NoAuthNoPriv,
        }
    }

    pub(crate) fn auth_in_use(&self) -> AuthProtocol {
        self.auth_protocol.unwrap_or(AuthProtocol::Sha1)
    }

    pub(crate) fn priv_in_use(&self) -> PrivProtocol {
        self.priv_protocol.unwrap_or(PrivProtocol::Aes128)
    }

    pub fn validate(&self) -> Result<(), ProbeError> {
        self.oid_arcs()?;
        if self.timeout.is_zero() {
            return Err(bad("timeout must be above zero"));
        }
        if self.max_repetitions == 0 || self.max_repetitions > 1000 {
            return Err(bad("max-repetitions must be between 1 and 1000"));
        }
        if self.concurrency == 0 {
            return Err(bad("concurrency must be at least 1"));
        }
        if self.depth > 16 {
            return Err(bad("depth must be at most 16"));
        }
        if self.vlan_contexts.len() > MAX_VLAN_CONTEXTS {
            return Err(bad(format!(
                "vlan-contexts: {} VLANs, at most {MAX_VLAN_CONTEXTS}",
                self.vlan_contexts.len()
            )));
        }
        if let Some(v) = self.vlan_contexts.iter().find(|v| !(1..=4094).contains(*v)) {
            return Err(bad(format!("vlan-contexts: {v} is not a VLAN (1-4094)")));
        }
        for c in self.credential_list() {
            let o = self.with_credential(&c);
            if o.version == SnmpVersion::V3 {
                o.auth().map_err(|e| match e {
                    ProbeError::Options(m) if c.label != "options" => {
                        bad(format!("profile '{}': {m}", c.label))
                    }
                    other => other,
                })?;
            }
        }
        Ok(())
    }

    /// The authentication the agents get: a community, or a v3 user with keys derived once.
    fn auth(&self) -> Result<Auth, ProbeError> {
        self.auth_in(None)
    }

    /// The authentication for a VLAN's context: `community@VLAN`, or the v3 context `vlan-VLAN`.
    fn auth_in(&self, vlan: Option<u16>) -> Result<Auth, ProbeError> {
        let community = match vlan {
            Some(v) => format!("{}@{v}", self.community),
            None => self.community.clone(),
        };
        match self.version {
            SnmpVersion::V1 => Ok(Auth::v1(community.as_str())),
            SnmpVersion::V2c => Ok(Auth::v2c(community.as_str())),
            SnmpVersion::V3 => {
                let user = self
                    .user
                    .as_deref()
                    .filter(|u| !u.is_empty())
                    .ok_or_else(|| bad("SNMPv3 needs a user (-u)"))?;
                let level = self.level_in_use();
                fn need<'a>(p: &'a Option<String>, what: &str) -> Result<&'a str, ProbeError> {
                    p.as_deref()
                        .filter(|s| !s.is_empty())
                        .ok_or_else(|| bad(format!("{what} needed for this security level")))
                }
                let crypto = |e: async_snmp::v3::CryptoError| bad(format!("SNMPv3 keys: {e}"));
                let config = match level {
                    SecurityLevel::NoAuthNoPriv => UsmConfig::new(user.to_string()),
                    SecurityLevel::AuthNoPriv | SecurityLevel::AuthPriv => {
                        let ap = self.auth_in_use().usm();
                        let apass = need(&self.auth_password, "an authentication password (-A)")?;
                        let mut keys = MasterKeys::new(ap, apass.as_bytes()).map_err(crypto)?;
                        if level == SecurityLevel::AuthPriv {
                            let pp = self.priv_in_use().usm();
                            let ppass = need(&self.priv_password, "a privacy password (-X)")?;
                            keys = keys.with_privacy(pp, ppass.as_bytes()).map_err(crypto)?;
                        }
                        UsmConfig::new(user.to_string())
                            .with_master_keys(keys)
                            .map_err(crypto)?
                    }
                };
                let config = match vlan {
                    Some(v) => config.context_name(format!("vlan-{v}")),
                    None => config,
                };
                Ok(Auth::from(config))
            }
        }
    }
}

/// Runs the SNMP probe over every agent.
pub async fn run(
    targets: Vec<Target>,
    opts: SnmpOptions,
    ctx: &Ctx,
    ready: &mut Ready,
) -> Result<(), ProbeError> {
    ready.check(opts.validate())?;
    if matches!(opts.op, SnmpOp::Topology | SnmpOp::Locate) {
        return topology::crawl(targets, opts, ctx, ready).await;
    }
    let oids: Vec<Oid> = opts
        .oid_arcs()?
        .iter()
        .map(|a| Oid::from_slice(a))
        .collect();
    let auth = ready.check(opts.auth())?;
    let shared = ready.check(Shared::new(&opts))?;
    let (v4, v6) = ready.check(transports().await)?;
    ready.go();

    let (resolved, failed) = resolve_targets(targets, ctx).await;
    for (t, why) in failed {
        ctx.emit(ProbeResult::Snmp(SnmpResult {
            target: t.spec,
            addr: None,
            varbinds: Vec::new(),
            neighbors: Vec::new(),
            arp: Vec::new(),
            fdb: Vec::new(),
            interfaces: Vec::new(),
            device: None,
            elapsed_ms: 0.0,
            error: Some(why),
            note: None,
        }));
    }
    // Bigger GETBULK answers only when few agents share the socket, the network and (as in
    // a chassis, or the lab) possibly one agent's CPU.
    let grow = resolved.len() <= 8;
    let mut pending = resolved.into_iter();
    let mut inflight = FuturesUnordered::new();
    loop {
        while inflight.len() < opts.concurrency {
            let Some(r) = pending.next() else { break };
            let transport = if r.addr.is_ipv6() {
                v6.as_ref()
            } else {
                Some(&v4)
            };
            let (auth, oids, opts, shared) = (auth.clone(), &oids, &opts, &shared);
            inflight.push(async move {
                let started = Instant::now();
                let outcome = match transport {
                    Some(t) => {
                        let target = SocketAddr::new(r.addr, opts.port);
                        match shared.client(t, target, auth, opts).await {
                            Ok(client) => {
                                let reach = Reach {
                                    transport: t,
                                    target,
                                    shared,
                                };
                                poll(&client, &reach, oids, opts, grow).await
                            }
                            Err(e) => Err((Collected::default(), e)),
                        }
                    }
                    None => Err((Collected::default(), "IPv6 is not available".to_string())),
                };
                let (got, error) = match outcome {
                    Ok(v) => (v, None),
                    Err((partial, e)) => (partial, Some(e)),
                };
                SnmpResult {
                    target: r.target.spec,
                    addr: Some(r.addr),
                    varbinds: got.varbinds,
                    neighbors: got.neighbors,
                    arp: got.arp,
                    fdb: got.fdb,
                    interfaces: got.interfaces,
                    device: None,
                    elapsed_ms: ms(started.elapsed()),
                    error,
                    note: got.note,
                }
            });
        }
        tokio::select! {
            biased;
            _ = ctx.cancel.cancelled() => return Ok(()),
            next = inflight.next() => match next {
                Some(result) => ctx.emit(ProbeResult::Snmp(result)),
                None => return Ok(()),
            },
        }
    }
}

/// The shared sockets: IPv4 (required) and IPv6 (when the host has it). They accept answers up
/// to the largest UDP datagram (the default 1472 bytes silently drops a GETBULK answer that
/// needed IP fragments), with as much receive buffer as the kernel allows for many agents.
async fn transports() -> Result<(UdpTransport, Option<UdpTransport>), ProbeError> {
    let bind = |addr: &'static str| async move {
        UdpTransport::builder()
            .bind(addr)
            .max_message_size(65_507)
            .recv_buffer_size(8 << 20)
            .build()
            .await
    };
    let v4 = bind("0.0.0.0:0").await.map_err(|e| {
        ProbeError::io("open the SNMP socket", std::io::Error::other(e.to_string()))
    })?;
    Ok((v4, bind("[::]:0").await.ok()))
}

/// What every agent of a run shares: discovered SNMPv3 engines, and the DES salt epoch when a
/// credential needs one.
struct Shared {
    cache: Arc<EngineCache>,
    des: Option<DesSaltState>,
}

impl Shared {
    fn new(opts: &SnmpOptions) -> Result<Self, ProbeError> {
        Ok(Shared {
            cache: Arc::new(EngineCache::new()),
            des: if opts.uses_des() {
                Some(des::salt_state()?)
            } else {
                None
            },
        })
    }

    /// A client of one agent with one credential (its timeout and retries from `opts`).
    async fn client(
        &self,
        transport: &UdpTransport,
        target: SocketAddr,
        auth: Auth,
        opts: &SnmpOptions,
    ) -> Result<Client<UdpHandle>, String> {
        let mut builder = Client::builder(target, auth)
            .request_timeout(opts.timeout)
            .retry(Retry::fixed(opts.retries, Duration::ZERO).unwrap_or_else(|_| Retry::none()))
            .engine_cache(self.cache.clone());
        if let Some(state) = &self.des {
            builder = builder.des_salt_state(state.clone());
        }
        builder
            .build_with(transport)
            .await
            .map_err(|e| describe(&e, opts))
    }
}

/// What one agent gave.
#[derive(Debug, Default)]
struct Collected {
    varbinds: Vec<SnmpVarbind>,
    neighbors: Vec<wirescope_probe::result::Neighbor>,
    arp: Vec<wirescope_probe::result::ArpEntry>,
    fdb: Vec<wirescope_probe::result::FdbEntry>,
    interfaces: Vec<wirescope_probe::result::Interface>,
    /// What the device answered that could not be read, or that it answered no rows.
    note: Option<String>,
}

type Partial = (Collected, String);

/// The most VLAN contexts one forwarding-database read walks.
pub const MAX_VLAN_CONTEXTS: usize = 64;

/// How to reach an agent again (another client for a VLAN's context).
struct Reach<'a> {
    transport: &'a UdpTransport,
    target: SocketAddr,
    shared: &'a Shared,
}

/// Gets or walks on one agent; on failure, what was read before it and why.
async fn poll(
    client: &Client<UdpHandle>,
    reach: &Reach<'_>,
    oids: &[Oid],
    opts: &SnmpOptions,
    grow: bool,
) -> Result<Collected, Partial> {
    let mut raw = Vec::new();
    let mut got = Collected::default();
    let outcome = match opts.op {
        SnmpOp::Get => match client.get_many(oids).await {
            Ok(resp) => {
                raw.extend(resp.varbinds);
                Ok(())
            }
            Err(e) => Err(describe(&e, opts)),
        },
        SnmpOp::Walk => {
            let roots: Vec<&[u32]> = oids.iter().map(Oid::arcs).collect();
            walk_all(client, &roots, opts, grow, &mut raw).await
        }
        SnmpOp::Neighbors | SnmpOp::Topology | SnmpOp::Locate => {
            let r = walk_all(client, NEIGHBOR_TABLES, opts, grow, &mut raw).await;
            let found = device::neighbors(&raw, &device::if_names(&raw));
            got.note = found.note.or_else(|| {
                (r.is_ok() && found.list.is_empty()).then(|| {
                    "no neighbour rows: LLDP-MIB, CISCO-CDP-MIB and MIKROTIK-MIB's neighbour \
                     table are empty or not served (LLDP or CDP may be off)"
                        .to_string()
                })
            });
            got.neighbors = found.list;
            raw.clear();
            r
        }
        SnmpOp::Arp => {
            let mut r = walk_all(
                client,
                &[&IF_DESCR, &IF_NAME, device::NET_TO_PHYSICAL],
                opts,
                grow,
                &mut raw,
            )
            .await;
            let names = device::if_names(&raw);
            got.arp = device::arp(&raw, &names);
            // Some agents keep only IPv6 neighbours in the newer table: read the older too.
            if r.is_ok() && device::wants_media(&got.arp) {
                r = walk_all(client, &[device::NET_TO_MEDIA], opts, grow, &mut raw).await;
                got.arp = device::arp(&raw, &names);
            }
            if r.is_ok() && got.arp.is_empty() {
                got.note = Some(
                    "no neighbour rows: ipNetToPhysicalTable and ipNetToMediaTable are empty or \
                     not served"
                        .into(),
                );
            }
            raw.clear();
            r
        }
        SnmpOp::Fdb => {
            let mut r = walk_all(client, FDB_TABLES, opts, grow, &mut raw).await;
            let names = device::if_names(&raw);
            got.fdb = device::fdb(&raw, &names, None);
            // Each VLAN's context: its BRIDGE-MIB, its ports (the interface names are global).
            for &vlan in &opts.vlan_contexts {
                if r.is_err() {
                    break;
                }
                let auth = opts.auth_in(Some(vlan)).map_err(|e| e.to_string());
                let client = match auth {
                    Ok(a) => {
                        reach
                            .shared
                            .client(reach.transport, reach.target, a, opts)
                            .await
                    }
                    Err(e) => Err(e),
                };
                let mut ctx_raw = raw
                    .iter()
                    .filter(|vb| vb.oid.arcs().starts_with(device::IF_X_TABLE))
                    .cloned()
                    .collect::<Vec<_>>();
                r = match client {
                    Ok(c) => walk_all(&c, VLAN_CONTEXT_TABLES, opts, grow, &mut ctx_raw)
                        .await
                        .map_err(|e| format!("VLAN {vlan}'s context: {e}")),
                    Err(e) => Err(format!("VLAN {vlan}'s context: {e}")),
                };
                for e in device::fdb(&ctx_raw, &names, Some(u32::from(vlan))) {
                    if !got
                        .fdb
                        .iter()
                        .any(|g| g.mac == e.mac && g.port == e.port && g.vlan == e.vlan)
                    {
                        got.fdb.push(e);
                    }
                }
            }
            if r.is_ok() && got.fdb.is_empty() {
                got.note = Some(
                    "no forwarding database rows: Q-BRIDGE-MIB's dot1qTpFdbTable and \
                     BRIDGE-MIB's dot1dTpFdbTable are empty or not served (a router, or a \
                     switch that keeps it per VLAN context: community@VLAN)"
                        .into(),
                );
            }
            raw.clear();
            r
        }
        SnmpOp::Interfaces => {
            let first = walk_all(
                client,
                &[device::IF_TABLE, device::IF_X_TABLE],
                opts,
                grow,
                &mut raw,
            )
            .await;
            got.interfaces = device::interfaces(&raw);
            raw.clear();
            match (first, opts.rate) {
                (Ok(()), Some(every)) => {
                    let started = Instant::now();
                    tokio::time::sleep(every).await;
                    let second = walk_all(
                        client,
                        &[device::IF_TABLE, device::IF_X_TABLE],
                        opts,
                        grow,
                        &mut raw,
                    )
                    .await;
                    let mut now = device::interfaces(&raw);
                    device::add_rates(&mut now, &got.interfaces, started.elapsed().as_secs_f64());
                    got.interfaces = now;
                    raw.clear();
                    second
                }
                (r, _) => r,
            }
        }
    };
    got.varbinds = raw.iter().map(row).collect();
    match outcome {
        Ok(()) => Ok(got),
        Err(e)
            if e.starts_with(NO_RESPONSE)
                && opts.version == SnmpVersion::V3
                && opts.level_in_use() != SecurityLevel::NoAuthNoPriv =>
        {
            Err((
                got,
                diagnose_v3(reach.transport, reach.target, opts)
                    .await
                    .unwrap_or(e),
            ))
        }
        Err(e) => Err((got, e)),
    }
}

/// An agent that got a request with the wrong key stays silent to it (or answers with a Report
/// a careful client must not trust). Asking the same user at noAuthNoPriv tells the cases
/// apart: an unknown user gets a Report, a known one an answer, a dead agent nothing.
async fn diagnose_v3(
    transport: &UdpTransport,
    target: SocketAddr,
    opts: &SnmpOptions,
) -> Option<String> {
    let user = opts.user.clone()?;
    let rejected = || {
        format!(
            "authentication failed: the agent answers, but not to user '{user}' with these keys (wrong password or auth/privacy protocol)"
        )
    };
    let client = Client::builder(target, Auth::from(UsmConfig::new(user.clone())))
        .request_timeout(opts.timeout)
        .retry(Retry::none())
        .build_with(transport)
        .await
        .ok()?;
    match client
        .get(&Oid::from_slice(&[1, 3, 6, 1, 2, 1, 1, 5, 0]))
        .await
    {
        Ok(_) => Some(rejected()),
        Err(e) => match *e {
            SnmpError::Timeout { .. } => None,
            SnmpError::Report { ref status, .. } if status.to_string().contains("unknown user") => {
                Some(format!("authentication failed: unknown user name '{user}'"))
            }
            _ => Some(rejected()),
        },
    }
}

const NO_RESPONSE: &str = "no response";

/// Walks several subtrees in turn.
async fn walk_all(
    client: &Client<UdpHandle>,
    roots: &[&[u32]],
    opts: &SnmpOptions,
    grow: bool,
    raw: &mut Vec<VarBind>,
) -> Result<(), String> {
    for root in roots {
        walk(client, &Oid::from_slice(root), opts, grow, raw).await?;
    }
    Ok(())
}

const IF_DESCR: [u32; 10] = [1, 3, 6, 1, 2, 1, 2, 2, 1, 2];
const IF_NAME: [u32; 11] = [1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 1];
const IF_ALIAS: [u32; 11] = [1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 18];
/// What a locate crawl reads of each device past its neighbours: the ARP tables, then the
/// forwarding database.
const LOCATE_TABLES: &[&[u32]] = &[
    device::NET_TO_PHYSICAL,
    device::NET_TO_MEDIA,
    &IF_ALIAS,
    device::BASE_PORT,
    device::Q_TP_FDB,
    device::Q_VLAN_CURRENT,
    device::TP_FDB,
];
/// What forwarding databases are read from: interface names, bridge ports, Q-BRIDGE-MIB's
/// table and VLANs, BRIDGE-MIB's table.
const FDB_TABLES: &[&[u32]] = &[
    &IF_DESCR,
    &IF_NAME,
    &IF_ALIAS,
    device::BASE_PORT,
    device::Q_TP_FDB,
    device::Q_VLAN_CURRENT,
    device::TP_FDB,
];
/// What a VLAN's context gives of its forwarding database: bridge ports, BRIDGE-MIB's table.
const VLAN_CONTEXT_TABLES: &[&[u32]] = &[device::BASE_PORT, device::TP_FDB];
/// What neighbours are read from: interface names, then the LLDP and CDP tables.
const NEIGHBOR_TABLES: &[&[u32]] = &[
    &IF_DESCR,
    &IF_NAME,
    device::LLDP_LOC_PORT,
    device::LLDP_REM,
    device::LLDP_REM_MAN_ADDR,
    device::CDP_CACHE,
    device::MTXR_NEIGHBOR,
];

/// Walks one subtree, appending its bindings. GETBULK's max-repetitions halves on tooBig and on
/// a timeout (big answers are what get dropped on the way), down to 1 before giving up. With
/// `grow` (few agents polled, so neither they nor the network are crowded), a full answer doubles
/// it, up to four times the start and at most 100: fewer round trips for a long walk.
async fn walk(
    client: &Client<UdpHandle>,
    root: &Oid,
    opts: &SnmpOptions,
    mut grow: bool,
    out: &mut Vec<VarBind>,
) -> Result<(), String> {
    let root_arcs = root.arcs().to_vec();
    let mut cursor = root.clone();
    let mut reps = opts.max_repetitions;
    let ceiling = (opts.max_repetitions * 4)
        .min(100)
        .max(opts.max_repetitions);
    loop {
        let answer = if opts.version == SnmpVersion::V1 {
            client.get_next(&cursor).await.map(|r| r.varbinds)
        } else {
            client
                .get_bulk(std::slice::from_ref(&cursor), 0, reps)
                .await
        };
        let batch: Vec<VarBind> = match answer {
            Ok(b) => b,
            Err(e) if reps > 1 && backs_off(&e) => {
                reps = (reps / 2).max(1);
                grow = false;
                continue;
            }
            // SNMPv1 ends a walk past the last object with noSuchName.
            Err(e)
                if opts.version == SnmpVersion::V1
                    && matches!(
                        *e,
                        SnmpError::Snmp {
                            status: ErrorStatus::NoSuchName,
                            ..
                        }
                    ) =>
            {
                return Ok(());
            }
            Err(e) => return Err(describe(&e, opts)),
        };
        let full = batch.len() >= reps as usize;
        let mut advanced = false;
        for vb in batch {
            let arcs = vb.oid.arcs();
            if !arcs.starts_with(&root_arcs)
                || matches!(
                    vb.value,
                    Value::EndOfMibView | Value::NoSuchObject | Value::NoSuchInstance
                )
            {
                return Ok(());
            }
            if vb.oid <= cursor {
                return Err(format!(
                    "agent returned {} after {}: OIDs not increasing",
                    vb.oid, cursor
                ));
            }
            cursor = vb.oid.clone();
            out.push(vb);
            advanced = true;
        }
        if !advanced {
            return Ok(());
        }
        if grow && full {
            reps = (reps * 2).min(ceiling);
        }
    }
}

fn backs_off(e: &SnmpError) -> bool {
    matches!(
        e,
        SnmpError::Timeout { .. }
            | SnmpError::Snmp {
                status: ErrorStatus::TooBig,
                ..
            }
    )
}

/// A clear reason: no answer within the time (for v1/v2c, also what a wrong community looks
/// like), or an authentication failure.
fn describe(e: &SnmpError, opts: &SnmpOptions) -> String {
    match e {
        SnmpError::Timeout {
            retries, elapsed, ..
        } => {
            let hint = match opts.version {
                SnmpVersion::V3 => "",
                _ => " (a wrong community looks the same: agents stay silent)",
            };
            format!(
                "no response after {} attempts in {:.1} s{hint}",
                retries + 1,
                elapsed.as_secs_f64()
            )
        }
        SnmpError::Auth { .. } => {
            "authentication failed (wrong user, password or protocol)".to_string()
        }
        SnmpError::Report { status, .. } => {
            format!("SNMPv3 report: {status} (wrong user, password, protocol or security level?)")
        }
        other => other.to_string(),
    }
}

fn row(vb: &VarBind) -> SnmpVarbind {
    let arcs = vb.oid.arcs();
    let (kind, value) = value::format(arcs, &vb.value);
    SnmpVarbind {
        oid: mib::dotted(arcs),
        name: mib::name_of(arcs),
        value_type: kind.to_string(),
        value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v3_options_are_checked() {
        let v3 = |f: fn(&mut SnmpOptions)| {
            let mut o = SnmpOptions {
                version: SnmpVersion::V3,
                oids: vec!["sysName.0".into()],
                ..Default::default()
            };
            f(&mut o);
            o.validate().map_err(|e| e.to_string())
        };
        assert!(v3(|_| {}).unwrap_err().contains("needs a user"));
        assert!(v3(|o| o.user = Some("u".into())).is_ok(), "noAuthNoPriv");
        assert!(
            v3(|o| {
                o.user = Some("u".into());
                o.level = Some(SecurityLevel::AuthPriv);
            })
            .unwrap_err()
            .contains("authentication password")
        );
        let unknown = serde_json::from_str::<SnmpOptions>(
            r#"{"version": "3", "user": "u", "auth_protocol": "SHA-999"}"#,
        );
        assert!(
            unknown
                .unwrap_err()
                .to_string()
                .contains("unknown auth protocol 'SHA-999'")
        );
        assert!(
            v3(|o| {
                o.user = Some("u".into());
                o.auth_password = Some("short".into());
            })
            .unwrap_err()
            .contains("SNMPv3 keys")
        );
        assert!(
            v3(|o| {
                o.user = Some("u".into());
                o.auth_protocol = Some(AuthProtocol::Sha256);
                o.auth_password = Some("12345678".into());
                o.priv_protocol = Some(PrivProtocol::Aes256);
                o.priv_password = Some("abcdefgh".into());
            })
            .is_ok()
        );
    }

    #[test]
    fn vlan_contexts_are_vlans_and_few() {
        let fdb = |v: Vec<u16>| SnmpOptions {
            op: SnmpOp::Fdb,
            vlan_contexts: v,
            ..Default::default()
        };
        assert!(fdb(vec![1, 20, 4094]).validate().is_ok());
        let e = fdb(vec![20, 0]).validate().unwrap_err().to_string();
        assert!(e.contains("0 is not a VLAN (1-4094)"), "{e}");
        let e = fdb((1..=65).collect()).validate().unwrap_err().to_string();
        assert!(e.contains("65 VLANs, at most 64"), "{e}");
    }

    #[test]
    fn secrets_never_serialize() {
        let o = SnmpOptions {
            community: "s3cret-community".into(),
            auth_password: Some("auth-pass-123".into()),
            priv_password: Some("priv-pass-456".into()),
            ..Default::default()
        };
        let json = serde_json::to_string(&o).unwrap_or_default();
        for secret in ["s3cret-community", "auth-pass-123", "priv-pass-456"] {
            assert!(!json.contains(secret), "{json}");
        }
    }

    #[test]
    fn get_needs_oids_walk_defaults_to_mib2() {
        assert!(SnmpOptions::default().validate().is_err());
        let walk = SnmpOptions {
            op: SnmpOp::Walk,
            ..Default::default()
        };
        assert_eq!(walk.oid_arcs().ok(), Some(vec![vec![1, 3, 6, 1, 2, 1]]));
    }
}
