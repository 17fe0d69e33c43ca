//! The results a run yields, one per target, shaped exactly as the CLI's NDJSON lines and the API's results.

use crate::present::{Difference, Paint, Present, Widths};
use crate::stats::RttStats;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Which probe a run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum ProbeKind {
    Ping,
    Trace,
    Dns,
    Scan,
    Snmp,
    Ssh,
}

impl std::fmt::Display for ProbeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ProbeKind {
    type Err = crate::error::UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ProbeKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                crate::error::UnknownValue::new("kind", s, ProbeKind::ALL.map(ProbeKind::as_str))
            })
    }
}

impl ProbeKind {
    pub const ALL: [ProbeKind; 6] = [
        ProbeKind::Ping,
        ProbeKind::Trace,
        ProbeKind::Dns,
        ProbeKind::Scan,
        ProbeKind::Snmp,
        ProbeKind::Ssh,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProbeKind::Ping => "ping",
            ProbeKind::Trace => "trace",
            ProbeKind::Dns => "dns",
            ProbeKind::Scan => "scan",
            ProbeKind::Snmp => "snmp",
            ProbeKind::Ssh => "ssh",
        }
    }
}

/// One target's finished result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ProbeResult {
    Ping(PingResult),
    Trace(TraceResult),
    Dns(DnsResult),
    Scan(ScanResult),
    Snmp(SnmpResult),
    Ssh(SshResult),
}

/// Runs `$body` with `$r` bound to the result's record: the one place results are told apart
/// by kind (each kind's reading is its `Present` impl, in present/).
macro_rules! each_result {
    ($result:expr, $r:ident => $body:expr) => {
        match $result {
            ProbeResult::Ping($r) => $body,
            ProbeResult::Trace($r) => $body,
            ProbeResult::Dns($r) => $body,
            ProbeResult::Scan($r) => $body,
            ProbeResult::Snmp($r) => $body,
            ProbeResult::Ssh($r) => $body,
        }
    };
}

/// Runs `$body` with the type `$t` standing for the kind's record.
macro_rules! each_kind {
    ($kind:expr, $t:ident => $body:expr) => {
        match $kind {
            ProbeKind::Ping => {
                type $t = PingResult;
                $body
            }
            ProbeKind::Trace => {
                type $t = TraceResult;
                $body
            }
            ProbeKind::Dns => {
                type $t = DnsResult;
                $body
            }
            ProbeKind::Scan => {
                type $t = ScanResult;
                $body
            }
            ProbeKind::Snmp => {
                type $t = SnmpResult;
                $body
            }
            ProbeKind::Ssh => {
                type $t = SshResult;
                $body
            }
        }
    };
}

impl ProbeResult {
    pub fn target(&self) -> &str {
        each_result!(self, r => &r.target)
    }

    /// Names the target as seen from a remote agent's site: `TARGET@SITE`.
    pub fn seen_from(&mut self, site: &str) {
        each_result!(self, r => {
            r.target.push('@');
            r.target.push_str(site);
        })
    }

    /// The address of the host the result is about (none for DNS, whose target is a name asked
    /// of a server).
    pub fn host_addr(&self) -> Option<IpAddr> {
        match self {
            ProbeResult::Ping(r) => r.addr,
            ProbeResult::Trace(r) => r.addr,
            ProbeResult::Dns(_) => None,
            ProbeResult::Scan(r) => r.addr,
            ProbeResult::Snmp(r) => r.addr,
            ProbeResult::Ssh(r) => r.addr,
        }
    }

    pub fn kind(&self) -> ProbeKind {
        match self {
            ProbeResult::Ping(_) => ProbeKind::Ping,
            ProbeResult::Trace(_) => ProbeKind::Trace,
            ProbeResult::Dns(_) => ProbeKind::Dns,
            ProbeResult::Scan(_) => ProbeKind::Scan,
            ProbeResult::Snmp(_) => ProbeKind::Snmp,
            ProbeResult::Ssh(_) => ProbeKind::Ssh,
        }
    }

    /// The result's identity across runs: its target (DNS adds the question type).
    pub fn key(&self) -> String {
        each_result!(self, r => r.key())
    }

    /// The result in a few words, as a comparison shows it.
    pub fn describe(&self) -> String {
        each_result!(self, r => r.describe())
    }

    /// What changed from this result to `later` (none across kinds).
    pub fn changes(&self, later: &ProbeResult) -> Vec<Difference> {
        match (self, later) {
            (ProbeResult::Ping(a), ProbeResult::Ping(b)) => a.changes(b),
            (ProbeResult::Trace(a), ProbeResult::Trace(b)) => a.changes(b),
            (ProbeResult::Dns(a), ProbeResult::Dns(b)) => a.changes(b),
            (ProbeResult::Scan(a), ProbeResult::Scan(b)) => a.changes(b),
            (ProbeResult::Snmp(a), ProbeResult::Snmp(b)) => a.changes(b),
            (ProbeResult::Ssh(a), ProbeResult::Ssh(b)) => a.changes(b),
            _ => Vec::new(),
        }
    }

    /// The result's CSV rows (the columns are `ProbeKind::columns`).
    pub fn rows(&self) -> Vec<Vec<String>> {
        each_result!(self, r => r.rows())
    }

    /// The result as the CLI prints it for people.
    pub fn lines(&self, widths: Widths, paint: &dyn Paint) -> String {
        each_result!(self, r => r.lines(widths, paint))
    }

    /// The result as NDJSON: its JSON object, or the lines its kind prints instead.
    pub fn json_lines(&self) -> String {
        each_result!(self, r => r.json_lines()).unwrap_or_else(|| {
            serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
        })
    }
}

impl ProbeKind {
    /// The kind's CSV header.
    pub fn columns(self) -> &'static [&'static str] {
        each_kind!(self, T => T::COLUMNS)
    }

    /// The CLI table's header line, for kinds printed as one row per result.
    pub fn header(self, widths: Widths) -> Option<String> {
        each_kind!(self, T => T::header(widths))
    }

    /// The summary's counts in words.
    pub fn counts(self, summary: &Summary) -> String {
        each_kind!(self, T => T::counts(summary))
    }

    /// What a run of the kind counts: targets, questions, agents, devices.
    pub fn unit(self) -> &'static str {
        each_kind!(self, T => T::UNIT)
    }
}

/// Echo statistics for one target.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PingResult {
    pub target: String,
    #[schema(value_type = Option<String>)]
    pub addr: Option<IpAddr>,
    pub alive: bool,
    pub sent: u32,
    pub received: u32,
    pub loss_pct: f64,
    pub rtt_ms: Option<RttStats>,
    /// Each probe's round-trip time in order, `null` for a lost probe.
    pub rtts_ms: Vec<Option<f64>>,
    /// Why the target is not alive when something said so: an ICMP error, a failed resolution.
    pub error: Option<String>,
}

/// The path to one target.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TraceResult {
    pub target: String,
    #[schema(value_type = Option<String>)]
    pub addr: Option<IpAddr>,
    pub protocol: String,
    pub reached: bool,
    pub hops: Vec<Hop>,
    pub error: Option<String>,
}

/// One TTL of a trace.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Hop {
    pub ttl: u8,
    /// The address that answered most probes at this TTL, `null` when none did.
    #[schema(value_type = Option<String>)]
    pub addr: Option<IpAddr>,
    /// Its reverse name, when asked for and found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Every distinct address that answered at this TTL (more than one: ECMP alternates met by
    /// several flows, or the path changed during the trace).
    #[schema(value_type = Vec<String>)]
    pub addrs: Vec<IpAddr>,
    /// Each probe's round-trip time in order, `null` for a lost probe.
    pub rtt_ms: Vec<Option<f64>>,
    pub loss_pct: f64,
}

/// One DNS question and its answer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DnsResult {
    pub target: String,
    /// The server asked.
    #[schema(value_type = Option<String>)]
    pub addr: Option<IpAddr>,
    pub name: String,
    #[serde(rename = "type")]
    pub rtype: String,
    pub rcode: Option<String>,
    /// The answer section as text, one entry per record (what `dig +short` prints).
    pub answers: Vec<String>,
    pub records: Vec<DnsRecord>,
    pub elapsed_ms: f64,
    pub server: Option<String>,
    /// "udp" or "tcp": the transport of the final answer.
    pub transport: Option<String>,
    pub error: Option<String>,
}

/// One resource record of an answer section.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DnsRecord {
    pub name: String,
    #[serde(rename = "type")]
    pub rtype: String,
    pub ttl: u32,
    pub data: String,
}

/// The TCP port states of one target.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScanResult {
    pub target: String,
    #[schema(value_type = Option<String>)]
    pub addr: Option<IpAddr>,
    pub open: Vec<u16>,
    pub closed: u32,
    pub filtered: u32,
    /// The first line(s) an open port said, keyed by port number.
    pub banners: BTreeMap<String, String>,
    /// Well-known service names of the open ports, keyed by port number.
    pub services: BTreeMap<String, String>,
    pub elapsed_ms: f64,
    /// "syn" or "connect": how the ports were probed.
    pub method: String,
    pub error: Option<String>,
}

/// What one agent answered.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SnmpResult {
    pub target: String,
    #[schema(value_type = Option<String>)]
    pub addr: Option<IpAddr>,
    /// The bindings read, in order (on an error, those read before it).
    pub varbinds: Vec<SnmpVarbind>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub neighbors: Vec<Neighbor>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub arp: Vec<ArpEntry>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fdb: Vec<FdbEntry>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interfaces: Vec<Interface>,
    /// Topology crawls: who the device says it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<Device>,
    pub elapsed_ms: f64,
    pub error: Option<String>,
    /// What the device answered but could not be understood (tables with rows of an unknown
    /// shape), or that it answered with no rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One command of an interactive CLI session, and what it printed alone.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CommandOutput {
    pub command: String,
    pub output: String,
    /// The line with which the device refused it, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One device's answer to an SSH command.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SshResult {
    pub target: String,
    /// The address connected to; `null` through a jump host (which resolves the target).
    #[schema(value_type = Option<String>)]
    pub addr: Option<IpAddr>,
    pub port: u16,
    pub user: String,
    pub command: String,
    /// The command's exit status; `null` when it never ran or reported none.
    pub exit_status: Option<u32>,
    /// The signal that ended the command, if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_signal: Option<String>,
    /// Output as text (bytes that are not UTF-8 become U+FFFD).
    pub stdout: String,
    pub stderr: String,
    /// Output past the run's max-output was dropped.
    #[serde(default)]
    pub truncated: bool,
    pub elapsed_ms: f64,
    /// The login method that worked: publickey, password or keyboard-interactive.
    #[serde(default)]
    pub auth: Option<String>,
    /// The host key trusted, and whether this run recorded it.
    #[serde(default)]
    pub host_key: Option<HostKeyInfo>,
    /// Why the command did not run or finish: authentication, host-key refusal, timeout, ...
    pub error: Option<String>,
    /// The error's kind: connect, timeout, host_key_unknown, host_key_changed,
    /// host_key_revoked, host_key, auth, key, protocol.
    #[serde(default)]
    pub error_kind: Option<String>,
    /// An interactive session (`shell`): each command's output alone, and the platform used.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outputs: Vec<CommandOutput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// A configuration backup or push.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<ConfigResult>,
}

/// A configuration backup or push on one device.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConfigResult {
    /// `backup` or `push`.
    pub action: String,
    /// The running configuration as the device showed it (a push: after it; a dry run: as it
    /// is).
    pub text: String,
    /// A push: the configuration before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    /// What changed, as a unified diff of the configurations without the lines that change by
    /// themselves (the platform's clocks and counters): a push, before against after; a kept
    /// backup, the device's previous version against this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
    /// A kept backup: whether it differs from the device's previous version (`null`: it is the
    /// first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed: Option<bool>,
    /// A kept backup: the version it is (a backup equal to the previous one is that version).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// A push: configuration lines typed and accepted.
    #[serde(default)]
    pub applied: usize,
    /// A push: the line the device refused; nothing after it was typed (configuration mode was
    /// left, nothing applied or saved).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<RefusedLine>,
    /// A push: whether the configuration was saved (`save`).
    #[serde(default)]
    pub saved: bool,
    /// A push that only showed the configuration and the lines it would type.
    #[serde(default)]
    pub dry_run: bool,
}

/// A line a device refused during a push.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RefusedLine {
    /// Its number among the pushed lines (from 1); `null` for a line the platform types itself
    /// (entering configuration mode, commit, save).
    pub line_no: Option<usize>,
    pub line: String,
    /// What the device said.
    pub error: String,
}

/// The host key an SSH connection ended up trusting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HostKeyInfo {
    pub algorithm: String,
    pub fingerprint: String,
    /// Whether this connection recorded it (first contact accepted).
    pub added: bool,
}

/// A device met in a topology crawl, as it describes itself.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Device {
    /// sysName.0.
    pub name: Option<String>,
    /// sysDescr.0.
    pub descr: Option<String>,
    /// sysObjectID.0, dotted.
    pub object_id: Option<String>,
    /// lldpLocChassisId.0 (a MAC as aa:bb:cc:dd:ee:ff), what its neighbours know it by.
    pub chassis_id: Option<String>,
    /// lldpLocSysName.0: the name it announces over LLDP/CDP.
    pub lldp_name: Option<String>,
    /// The credential profile that answered ("options" for the command's own).
    pub credential: String,
    /// Hops from the nearest seed.
    pub depth: u32,
}

/// One LLDP or CDP neighbour of a device.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Neighbor {
    /// "lldp", "cdp", or "mndp" (a MikroTik's own neighbour table).
    pub protocol: String,
    /// The local port's name (ifName, ifDescr or lldpLocPortDesc), else "port N".
    pub local_port: String,
    /// The local port's number as the table gives it: lldpLocPortNum (not always the ifIndex),
    /// the CDP ifIndex, or a MikroTik's interface index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_port_num: Option<u32>,
    pub remote_name: Option<String>,
    pub remote_port: Option<String>,
    pub remote_port_desc: Option<String>,
    pub chassis_id: Option<String>,
    /// The management address to reach it by: the first routable unicast one it announces
    /// (never 0.0.0.0, loopback or link-local when another is given).
    #[schema(value_type = Option<String>)]
    pub mgmt_addr: Option<IpAddr>,
    /// Every management address it announces, in the table's order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<String>)]
    pub mgmt_addrs: Vec<IpAddr>,
    /// LLDP system description or CDP platform.
    pub platform: Option<String>,
    pub capabilities: Option<String>,
}

/// One entry of a device's ARP / neighbour table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ArpEntry {
    #[schema(value_type = String)]
    pub ip: IpAddr,
    pub mac: String,
    pub vendor: Option<String>,
    pub interface: String,
    /// dynamic, static, local, other, invalid.
    #[serde(rename = "type")]
    pub entry_type: String,
}

/// One entry of a switch's forwarding database: a MAC address learnt on a port.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FdbEntry {
    pub mac: String,
    pub vendor: Option<String>,
    /// Its VLAN: Q-BRIDGE-MIB's filtering database mapped to its VLAN (dot1qVlanFdbId), or
    /// the VLAN whose context (`community@vlan`) it was read in.
    pub vlan: Option<u32>,
    /// The bridge port (0: the switch itself), the interface it is (dot1dBasePortIfIndex) and
    /// that interface's name.
    pub port: u32,
    pub if_index: Option<u32>,
    pub interface: String,
    /// The interface's ifAlias, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    /// learned, self, mgmt, other or invalid.
    pub status: String,
}

/// One interface of a device.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Interface {
    pub index: i64,
    pub name: String,
    pub descr: String,
    pub alias: String,
    pub admin: String,
    pub oper: String,
    pub speed_mbps: Option<i64>,
    pub mtu: Option<i64>,
    pub mac: Option<String>,
    pub in_octets: Option<u64>,
    pub out_octets: Option<u64>,
    pub in_errors: Option<u64>,
    pub out_errors: Option<u64>,
    pub in_discards: Option<u64>,
    pub out_discards: Option<u64>,
    /// Bits per second over the rate interval (with `--rate`).
    pub in_bps: Option<u64>,
    pub out_bps: Option<u64>,
}

/// One variable binding.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SnmpVarbind {
    /// Numeric, dotted, with a leading dot (as `snmpwalk -On`).
    pub oid: String,
    /// `MODULE::name.instance` when wirescope knows the object.
    pub name: Option<String>,
    /// The type word net-snmp prints: STRING, INTEGER, Timeticks, Counter32, ...
    #[serde(rename = "type")]
    pub value_type: String,
    pub value: String,
}

/// The closing line of a run.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Summary {
    pub kind: &'static str,
    pub probe: ProbeKind,
    /// Targets in the run.
    pub targets: usize,
    /// Results delivered (less than `targets` when cancelled).
    pub completed: usize,
    pub elapsed_ms: f64,
    pub cancelled: bool,
    /// Per-kind counts: ping `alive`/`dead`; trace `reached`/`unreached`; dns `answered`/`nxdomain`/`failed`;
    /// scan `hosts_up`/`open_ports`/`filtered_ports`; snmp `answered`/`failed`/`varbinds`/`rows`
    /// (of the device views);
    /// ssh `succeeded` (exit 0)/`nonzero`/`failed` (never ran or did not finish).
    #[serde(flatten)]
    pub counts: BTreeMap<&'static str, u64>,
}

impl Summary {
    /// An empty summary of a run over `targets` targets.
    pub fn new(probe: ProbeKind, targets: usize) -> Self {
        let keys: &[&'static str] = each_kind!(probe, T => T::COUNTS);
        Summary {
            kind: "summary",
            probe,
            targets,
            completed: 0,
            elapsed_ms: 0.0,
            cancelled: false,
            counts: keys.iter().map(|k| (*k, 0)).collect(),
        }
    }

    /// Counts one result in.
    pub fn add(&mut self, result: &ProbeResult) {
        self.completed += 1;
        let mut bump = |key: &'static str, n: u64| *self.counts.entry(key).or_insert(0) += n;
        each_result!(result, r => r.tally(&mut bump));
    }

    pub fn count(&self, key: &str) -> u64 {
        self.counts.get(key).copied().unwrap_or(0)
    }
}
