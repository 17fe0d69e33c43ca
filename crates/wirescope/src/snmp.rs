//! The SNMP commands: `snmp get|walk`, `neighbors`, `arp`, `interfaces`, `topology`: flags and
//! credential profiles turned into SNMP options, and where a crawl's map is written.

use crate::Failure;
use crate::cli::{self, TargetArgs};
use crate::execute::Job;
use wirescope_runs::engine::ProbeOptions;

/// Where a topology crawl's map goes, and the device results it is drawn from.
pub(crate) struct MapOutput {
    pub(crate) dot: bool,
    pub(crate) write: Option<std::path::PathBuf>,
    pub(crate) results: Vec<wirescope_probe::result::SnmpResult>,
    /// A locate crawl: what to find (and how it was written), answered instead of a map.
    pub(crate) locate: Option<(wirescope_snmp::locate::Query, String)>,
}

impl MapOutput {
    /// Writes the map to the --write file, if any; DOT for .dot/.gv, JSON otherwise.
    pub(crate) fn write(&self, map: &wirescope_snmp::topology::Topology) -> Result<(), Failure> {
        let Some(path) = &self.write else {
            return Ok(());
        };
        let dot = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("dot") || e.eq_ignore_ascii_case("gv"));
        let body = if dot {
            map.to_dot()
        } else {
            serde_json::to_string_pretty(map).unwrap_or_default() + "\n"
        };
        std::fs::write(path, body)
            .map_err(|e| Failure::Runtime(format!("--write {}: {e}", path.display())))
    }
}

/// Splits `snmp get|walk` arguments into targets and SNMP options.
pub(crate) fn snmp_command(cmd: cli::SnmpCmd) -> Result<Job, Failure> {
    use wirescope_snmp::SnmpOp;
    let (op, a) = match cmd {
        cli::SnmpCmd::Get(a) => (SnmpOp::Get, a),
        cli::SnmpCmd::Walk(a) => (SnmpOp::Walk, a),
    };
    let mut args = a.args.into_iter();
    let targets = if a.file.is_some() {
        Vec::new()
    } else {
        vec![
            args.next()
                .ok_or_else(|| Failure::Usage("give a TARGET (or -f FILE), then OIDs".into()))?,
        ]
    };
    let options = snmp_options(op, a.auth, args.collect(), None)?;
    let targets = TargetArgs {
        targets,
        file: a.file,
        max_targets: a.max_targets,
    };
    Ok((targets, a.net, a.output, ProbeOptions::Snmp(options)))
}

pub(crate) fn device_command(
    op: wirescope_snmp::SnmpOp,
    a: cli::DeviceArgs,
    rate: Option<std::time::Duration>,
) -> Result<Job, Failure> {
    let options = snmp_options(op, a.auth, Vec::new(), rate)?;
    Ok((a.targets, a.net, a.output, ProbeOptions::Snmp(options)))
}

/// `wirescope fdb`: a device view, with the VLAN contexts to read too.
pub(crate) fn fdb_command(a: cli::FdbArgs) -> Result<Job, Failure> {
    let d = a.device;
    let mut o = snmp_options(wirescope_snmp::SnmpOp::Fdb, d.auth, Vec::new(), None)?;
    o.vlan_contexts = a.vlan_contexts;
    Ok((d.targets, d.net, d.output, ProbeOptions::Snmp(o)))
}

pub(crate) fn snmp_options(
    op: wirescope_snmp::SnmpOp,
    a: cli::SnmpAuthArgs,
    oids: Vec<String>,
    rate: Option<std::time::Duration>,
) -> Result<wirescope_snmp::SnmpOptions, Failure> {
    let flags_given = a.cred.community.is_some() || a.cred.user.is_some();
    let mut o = wirescope_snmp::SnmpOptions {
        op,
        oids,
        version: a.cred.snmp_version,
        community: a.cred.community.unwrap_or_else(|| "public".into()),
        user: a.cred.user,
        level: a.cred.level,
        auth_protocol: a.cred.auth_protocol,
        auth_password: a.cred.auth_password,
        priv_protocol: a.cred.priv_protocol,
        priv_password: a.cred.priv_password,
        port: a.port,
        timeout: a.timeout,
        retries: a.retries,
        max_repetitions: a.max_repetitions,
        concurrency: a.concurrency,
        rate,
        ..Default::default()
    };
    if !a.profile.is_empty() {
        o.profiles = a.profile;
        let creds = wirescope_creds::Creds::open_default(true)
            .map_err(|e| Failure::Runtime(e.to_string()))?;
        creds.apply(&mut o, flags_given).map_err(|e| match e {
            wirescope_creds::CredsError::Profiles(m) => Failure::Usage(format!("--profile: {m}")),
            other => Failure::Runtime(other.to_string()),
        })?;
    }
    Ok(o)
}

/// `wirescope topology`: a crawl, and where its map goes.
pub(crate) fn topology_command(a: cli::TopologyArgs) -> Result<(Job, MapOutput), Failure> {
    let mut o = snmp_options(
        wirescope_snmp::SnmpOp::Topology,
        a.device.auth,
        Vec::new(),
        None,
    )?;
    o.depth = a.depth;
    let map = MapOutput {
        dot: a.dot,
        write: a.write,
        results: Vec::new(),
        locate: None,
    };
    let job = (
        a.device.targets,
        a.device.net,
        a.device.output,
        ProbeOptions::Snmp(o),
    );
    Ok((job, map))
}

/// `wirescope locate`: the query read (a name resolved here), and a locate crawl from the seeds.
pub(crate) fn locate_command(a: cli::LocateArgs) -> Result<(Job, MapOutput), Failure> {
    use std::net::ToSocketAddrs;
    use wirescope_snmp::locate::Query;
    let query = match Query::parse(&a.query).map_err(|e| Failure::Usage(e.to_string()))? {
        Query::Name(name, _) => {
            let ips: Vec<std::net::IpAddr> = (name.as_str(), 0)
                .to_socket_addrs()
                .map(|it| it.map(|s| s.ip()).collect())
                .unwrap_or_default();
            let mut unique = Vec::new();
            for ip in ips {
                if !unique.contains(&ip) {
                    unique.push(ip);
                }
            }
            Query::Name(name, unique)
        }
        q => q,
    };
    let mut o = snmp_options(wirescope_snmp::SnmpOp::Locate, a.auth, Vec::new(), None)?;
    o.depth = a.depth;
    let targets = cli::TargetArgs {
        targets: a.seeds,
        file: None,
        max_targets: wirescope_probe::targets::DEFAULT_MAX_TARGETS,
    };
    let map = MapOutput {
        dot: false,
        write: None,
        results: Vec::new(),
        locate: Some((query, a.query.trim().to_string())),
    };
    Ok(((targets, a.net, a.output, ProbeOptions::Snmp(o)), map))
}
