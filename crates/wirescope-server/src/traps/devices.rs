//! Which device a trap came from: an index of the addresses and names wirescope knows, from the
//! newest SNMP runs (the polled address, sysName, the LLDP/CDP neighbours' management addresses)
//! and the newest suite runs (each target and its address), rebuilt at most once a minute; and
//! the traps that belong beside a run.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wirescope_probe::result::{ProbeKind, ProbeResult};
use wirescope_snmp::trap::{Trap, TrapDevice};
use wirescope_store::{RunFilter, Store, StoreError, StoredTrap, now_ms};

/// How long an index is used before it is built again (sooner when an SNMP run has ended since).
const FRESH: Duration = Duration::from_secs(60);
/// Runs of each sort read into the index, the newest.
const RUNS_READ: i64 = 20;
/// Results read from one run, at most.
const RESULTS_READ: usize = 10_000;
/// A run's traps: from this long before it started to this long after it ended.
const AROUND_RUN: i64 = 3_600_000;

const SNMP_TRAP_ADDRESS: &str = ".1.3.6.1.6.3.18.1.3.0";
const SYS_NAME: &str = ".1.3.6.1.2.1.1.5.0";

/// Devices by address and by name.
#[derive(Debug, Default)]
pub struct Index {
    by_addr: HashMap<IpAddr, TrapDevice>,
    by_name: HashMap<String, TrapDevice>,
}

impl Index {
    /// The device a trap came from: its source address, else the agent address it names (v1
    /// agent-addr, snmpTrapAddress), else the sysName it carries.
    pub fn matching(&self, t: &Trap) -> Option<TrapDevice> {
        if let Some(d) = self.by_addr.get(&t.source) {
            return Some(d.clone());
        }
        let named_agent = t
            .varbinds
            .iter()
            .find(|v| v.oid == SNMP_TRAP_ADDRESS)
            .and_then(|v| v.value.parse::<IpAddr>().ok());
        let agent = t.agent_addr.map(IpAddr::V4).into_iter().chain(named_agent);
        for a in agent {
            if let Some(d) = self.by_addr.get(&a) {
                return Some(TrapDevice {
                    by: "agent address".into(),
                    ..d.clone()
                });
            }
        }
        let name = t.varbinds.iter().find(|v| v.oid == SYS_NAME)?;
        self.by_name
            .get(&name.value.to_ascii_lowercase())
            .map(|d| TrapDevice {
                by: "sysName".into(),
                ..d.clone()
            })
    }

    fn add_addr(&mut self, addr: IpAddr, name: &str, by: &str, run: i64) {
        self.by_addr.entry(addr).or_insert_with(|| TrapDevice {
            name: name.to_string(),
            addr: Some(addr),
            by: by.into(),
            run_id: Some(run),
        });
    }

    fn add_name(&mut self, name: &str, addr: Option<IpAddr>, run: i64) {
        self.by_name
            .entry(name.to_ascii_lowercase())
            .or_insert_with(|| TrapDevice {
                name: name.to_string(),
                addr,
                by: "sysName".into(),
                run_id: Some(run),
            });
    }

    /// Builds the index from the store (the newest runs win).
    fn build(store: &Store) -> Result<Index, StoreError> {
        let mut index = Index::default();
        let snmp = store
            .list(&RunFilter {
                kind: Some(ProbeKind::Snmp),
                status: None,
                limit: RUNS_READ,
                offset: 0,
                batch: None,
            })?
            .0;
        for run in snmp {
            for r in results(store, run.id)? {
                let ProbeResult::Snmp(r) = r else { continue };
                let sys_name = r
                    .device
                    .as_ref()
                    .and_then(|d| d.name.clone())
                    .or_else(|| {
                        r.varbinds
                            .iter()
                            .find(|v| v.oid == SYS_NAME)
                            .map(|v| v.value.clone())
                    })
                    .filter(|n| !n.is_empty());
                let name = sys_name.clone().unwrap_or_else(|| r.target.clone());
                if let Some(a) = r.addr {
                    index.add_addr(a, &name, "address", run.id);
                }
                if let Some(n) = &sys_name {
                    index.add_name(n, r.addr, run.id);
                }
                for n in &r.neighbors {
                    if let (Some(a), Some(remote)) = (n.mgmt_addr, &n.remote_name) {
                        index.add_addr(a, remote, "management address", run.id);
                    }
                }
            }
        }
        let suite_runs = store
            .list(&RunFilter {
                kind: None,
                status: None,
                limit: RUNS_READ * 5,
                offset: 0,
                batch: None,
            })?
            .0;
        for run in suite_runs
            .iter()
            .filter(|r| r.suite_id.is_some())
            .take(RUNS_READ as usize)
        {
            for r in results(store, run.id)? {
                if let Some(a) = r.host_addr() {
                    index.add_addr(a, r.target(), "suite target", run.id);
                }
            }
        }
        Ok(index)
    }
}

/// A run's results, the first `RESULTS_READ` (unreadable ones skipped).
fn results(store: &Store, run: i64) -> Result<Vec<ProbeResult>, StoreError> {
    Ok(store
        .results(run, 0)?
        .into_iter()
        .take(RESULTS_READ)
        .filter_map(|(_, json)| serde_json::from_str(json.get()).ok())
        .collect())
}

/// An index, when it was built, and the newest ended SNMP run it read.
type Cached = (Instant, Option<i64>, Arc<Index>);

/// The index, kept while fresh.
#[derive(Debug)]
pub struct Devices {
    store: Arc<Store>,
    cache: Mutex<Option<Cached>>,
}

impl Devices {
    pub fn new(store: Arc<Store>) -> Devices {
        Devices {
            store,
            cache: Mutex::new(None),
        }
    }

    /// The index (built again when older than a minute or when an SNMP run ended since it was
    /// built; empty when the store fails). Blocking.
    pub fn index(&self) -> Arc<Index> {
        let newest = self.store.newest_ended(ProbeKind::Snmp).ok().flatten();
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((at, read, index)) = cache.as_ref()
            && at.elapsed() < FRESH
            && *read == newest
        {
            return index.clone();
        }
        let index = Arc::new(Index::build(&self.store).unwrap_or_default());
        *cache = Some((Instant::now(), newest, index.clone()));
        index
    }
}

/// A run's traps (see `AROUND_RUN`): `None` when there is no such run; the flag says whether
/// more than `limit` matched.
pub fn traps_of_run(
    store: &Store,
    id: i64,
    limit: i64,
) -> Result<Option<(Vec<StoredTrap>, bool)>, StoreError> {
    let Some(run) = store.run(id)? else {
        return Ok(None);
    };
    let mut sources = HashSet::new();
    let mut devices = HashSet::new();
    for r in results(store, id)? {
        if let Some(a) = r.host_addr() {
            sources.insert(a.to_string());
        }
        if let ProbeResult::Snmp(s) = &r
            && let Some(name) = s.device.as_ref().and_then(|d| d.name.clone())
        {
            devices.insert(name);
        }
        devices.insert(r.target().to_string());
    }
    let start = run.started_at.unwrap_or(run.created_at) - AROUND_RUN;
    let end = run.finished_at.unwrap_or_else(now_ms) + AROUND_RUN;
    let sources: Vec<String> = sources.into_iter().collect();
    let devices: Vec<String> = devices.into_iter().collect();
    let mut traps = store.traps_from(&sources, &devices, start, end, limit + 1)?;
    let more = traps.len() as i64 > limit;
    traps.truncate(limit as usize);
    Ok(Some((traps, more)))
}
