//! The machine the server runs on, sampled every `EVERY` with the sysinfo crate: CPU (all cores
//! and each), load, memory and swap, each disk's space, and per interface the kernel's rx/tx
//! bytes, packets, errors and drops (drops from /sys/class/net, which sysinfo does not read).
//! The last `KEEP` samples stay in memory for the Host page (`GET /api/host`); the newest feeds
//! `/api/metrics`.

use crate::AppState;
use crate::error::{ApiError, Query};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use utoipa::{IntoParams, ToSchema};

/// How often the machine is sampled.
pub const EVERY: Duration = Duration::from_secs(10);

/// Samples kept: six hours.
pub const KEEP: usize = 2160;

/// Interfaces and disks a sample holds at most (the first by name).
pub const MAX_INTERFACES: usize = 64;
pub const MAX_DISKS: usize = 32;

/// Samples kept of each remote agent's machine: an hour at `remote::HOST_EVERY`.
pub const AGENT_KEEP: usize = 120;

/// Agents whose machines are followed at most (the agents' own cap).
pub const MAX_AGENT_HOSTS: usize = 1000;

/// Cores, and bytes of a name (interface, mount point, file system, host), an agent's sample
/// may hold at most.
const MAX_CORES: usize = 4096;
const MAX_NAME: usize = 256;

/// Memory or swap, in bytes.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema)]
pub struct HostMemory {
    pub total: u64,
    pub used: u64,
    pub available: u64,
}

/// One mounted file system.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HostDisk {
    pub mount: String,
    pub fs: String,
    pub total: u64,
    pub available: u64,
}

/// One interface's counters since it came up (the kernel's).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct HostInterface {
    pub name: String,
    pub rx_bytes: u64,
    pub tx_bytes: u64,
    pub rx_packets: u64,
    pub tx_packets: u64,
    pub rx_errors: u64,
    pub tx_errors: u64,
    pub rx_drops: u64,
    pub tx_drops: u64,
}

/// The machine at one moment.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HostSample {
    /// When (ms since the epoch).
    pub t: i64,
    /// CPU busy, percent of all cores.
    pub cpu: f32,
    /// Each core's, percent.
    pub cores: Vec<f32>,
    /// Load average over 1, 5 and 15 minutes.
    pub load: [f64; 3],
    pub memory: HostMemory,
    pub swap: HostMemory,
    pub disks: Vec<HostDisk>,
    pub interfaces: Vec<HostInterface>,
    /// The machine's name and system: in a remote agent's samples.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub about: Option<HostAbout>,
}

/// A machine's name and system.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct HostAbout {
    pub hostname: String,
    /// The OS and its version.
    pub os: String,
    pub kernel: String,
}

impl HostAbout {
    /// This machine.
    pub fn here() -> HostAbout {
        HostAbout {
            hostname: sysinfo::System::host_name().unwrap_or_default(),
            os: sysinfo::System::long_os_version().unwrap_or_default(),
            kernel: sysinfo::System::kernel_version().unwrap_or_default(),
        }
    }
}

impl HostSample {
    /// Why a sample an agent sent is not taken, if it is not.
    fn check(&self) -> Result<(), String> {
        let long = |what: &str, name: &str| {
            (name.len() > MAX_NAME).then(|| format!("{what} name longer than {MAX_NAME} bytes"))
        };
        if self.cores.len() > MAX_CORES {
            return Err(format!("{} cores (at most {MAX_CORES})", self.cores.len()));
        }
        if self.interfaces.len() > MAX_INTERFACES {
            return Err(format!(
                "{} interfaces (at most {MAX_INTERFACES})",
                self.interfaces.len()
            ));
        }
        if self.disks.len() > MAX_DISKS {
            return Err(format!("{} disks (at most {MAX_DISKS})", self.disks.len()));
        }
        let names = self
            .interfaces
            .iter()
            .map(|i| ("an interface", i.name.as_str()))
            .chain(self.disks.iter().flat_map(|d| {
                [
                    ("a mount point", d.mount.as_str()),
                    ("a file system", d.fs.as_str()),
                ]
            }))
            .chain(self.about.iter().flat_map(|a| {
                [
                    ("the host", a.hostname.as_str()),
                    ("the OS", a.os.as_str()),
                    ("the kernel", a.kernel.as_str()),
                ]
            }));
        for (what, name) in names {
            if let Some(e) = long(what, name) {
                return Err(e);
            }
        }
        let finite = std::iter::once(self.cpu)
            .chain(self.cores.iter().copied())
            .all(f32::is_finite)
            && self.load.iter().all(|l| l.is_finite());
        if !finite {
            return Err("a CPU use or load that is not a number".into());
        }
        Ok(())
    }
}

/// What `GET /api/host` answers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HostView {
    pub hostname: String,
    /// The OS and its version, the kernel's version.
    pub os: String,
    pub kernel: String,
    /// The agent whose machine this is (`null`: the server's).
    pub agent: Option<String>,
    /// Seconds between samples.
    pub every_s: u64,
    /// The samples after `since`, oldest first.
    pub samples: Vec<HostSample>,
    /// The remote agents whose machines have samples here.
    pub agents: Vec<String>,
}

/// `GET /api/host`'s query.
#[derive(Debug, Deserialize, IntoParams)]
pub struct HostQuery {
    /// Only samples taken after this (ms since the epoch).
    pub since: Option<i64>,
    /// A remote agent's machine instead of the server's.
    pub agent: Option<String>,
}

/// The samples so far: the server's, and each remote agent's.
#[derive(Debug, Default)]
pub struct Host {
    samples: Mutex<VecDeque<Arc<HostSample>>>,
    agents: Mutex<std::collections::BTreeMap<String, VecDeque<Arc<HostSample>>>>,
}

fn keep(samples: &mut VecDeque<Arc<HostSample>>, s: HostSample, max: usize) {
    if samples.len() >= max {
        samples.pop_front();
    }
    samples.push_back(Arc::new(s));
}

impl Host {
    fn push(&self, s: HostSample) {
        keep(
            &mut self.samples.lock().unwrap_or_else(|p| p.into_inner()),
            s,
            KEEP,
        );
    }

    /// A sample an agent sent (JSON), stamped with the time it came; an error says why it
    /// was not taken.
    pub(crate) fn agent_sample(&self, agent: &str, json: &str) -> Result<(), String> {
        let mut s: HostSample =
            serde_json::from_str(json).map_err(|e| format!("a host sample: {e}"))?;
        s.check().map_err(|e| format!("a host sample: {e}"))?;
        s.t = wirescope_store::now_ms();
        let mut agents = self.agents.lock().unwrap_or_else(|p| p.into_inner());
        if !agents.contains_key(agent) && agents.len() >= MAX_AGENT_HOSTS {
            return Err(format!(
                "host samples of {MAX_AGENT_HOSTS} agents are kept already"
            ));
        }
        keep(agents.entry(agent.to_string()).or_default(), s, AGENT_KEEP);
        Ok(())
    }

    /// Each agent's newest sample.
    pub(crate) fn agents_latest(&self) -> Vec<(String, Arc<HostSample>)> {
        let agents = self.agents.lock().unwrap_or_else(|p| p.into_inner());
        agents
            .iter()
            .filter_map(|(name, s)| Some((name.clone(), s.back()?.clone())))
            .collect()
    }

    /// The newest sample.
    pub fn latest(&self) -> Option<Arc<HostSample>> {
        let samples = self.samples.lock().unwrap_or_else(|p| p.into_inner());
        samples.back().cloned()
    }

    fn since(&self, after: i64) -> Vec<HostSample> {
        let samples = self.samples.lock().unwrap_or_else(|p| p.into_inner());
        after_time(&samples, after)
    }

    /// An agent's samples after a time; `None` when it sent none.
    fn agent_since(&self, agent: &str, after: i64) -> Option<Vec<HostSample>> {
        let agents = self.agents.lock().unwrap_or_else(|p| p.into_inner());
        agents.get(agent).map(|s| after_time(s, after))
    }

    fn agent_names(&self) -> Vec<String> {
        let agents = self.agents.lock().unwrap_or_else(|p| p.into_inner());
        agents.keys().cloned().collect()
    }
}

fn after_time(samples: &VecDeque<Arc<HostSample>>, after: i64) -> Vec<HostSample> {
    samples
        .iter()
        .filter(|s| s.t > after)
        .map(|s| HostSample::clone(s))
        .collect()
}

/// Reads the machine: sysinfo's handles, kept between samples (CPU use is a difference).
pub struct Sampler {
    system: sysinfo::System,
    disks: sysinfo::Disks,
    networks: sysinfo::Networks,
}

impl std::fmt::Debug for Sampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sampler").finish_non_exhaustive()
    }
}

impl Default for Sampler {
    fn default() -> Self {
        let mut system = sysinfo::System::new();
        system.refresh_cpu_usage();
        Sampler {
            system,
            disks: sysinfo::Disks::new_with_refreshed_list(),
            networks: sysinfo::Networks::new_with_refreshed_list(),
        }
    }
}

/// A counter of /sys/class/net/NAME/statistics, 0 when it cannot be read.
fn sys_counter(name: &str, counter: &str) -> u64 {
    std::fs::read_to_string(format!("/sys/class/net/{name}/statistics/{counter}"))
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(0)
}

impl Sampler {
    /// The machine now, with its name and system (what an agent sends).
    pub fn sample_about(&mut self) -> HostSample {
        HostSample {
            about: Some(HostAbout::here()),
            ..self.sample()
        }
    }

    /// The machine now (CPU use since the last call).
    pub fn sample(&mut self) -> HostSample {
        self.system.refresh_cpu_usage();
        self.system.refresh_memory();
        self.disks.refresh(true);
        self.networks.refresh(true);
        let load = sysinfo::System::load_average();
        let mut disks: Vec<HostDisk> = self
            .disks
            .iter()
            // A file bind-mounted over another (a container's /etc/resolv.conf) is no disk.
            .filter(|d| d.mount_point().is_dir())
            .map(|d| HostDisk {
                mount: d.mount_point().display().to_string(),
                fs: d.file_system().to_string_lossy().into_owned(),
                total: d.total_space(),
                available: d.available_space(),
            })
            .collect();
        disks.sort_by(|a, b| a.mount.cmp(&b.mount));
        disks.dedup_by(|a, b| a.mount == b.mount);
        disks.truncate(MAX_DISKS);
        let mut interfaces: Vec<HostInterface> = self
            .networks
            .iter()
            .map(|(name, n)| HostInterface {
                name: name.clone(),
                rx_bytes: n.total_received(),
                tx_bytes: n.total_transmitted(),
                rx_packets: n.total_packets_received(),
                tx_packets: n.total_packets_transmitted(),
                rx_errors: n.total_errors_on_received(),
                tx_errors: n.total_errors_on_transmitted(),
                rx_drops: sys_counter(name, "rx_dropped"),
                tx_drops: sys_counter(name, "tx_dropped"),
            })
            .collect();
        interfaces.sort_by(|a, b| a.name.cmp(&b.name));
        interfaces.truncate(MAX_INTERFACES);
        HostSample {
            t: wirescope_store::now_ms(),
            cpu: self.system.global_cpu_usage(),
            cores: self.system.cpus().iter().map(|c| c.cpu_usage()).collect(),
            load: [load.one, load.five, load.fifteen],
            memory: HostMemory {
                total: self.system.total_memory(),
                used: self.system.used_memory(),
                available: self.system.available_memory(),
            },
            swap: HostMemory {
                total: self.system.total_swap(),
                used: self.system.used_swap(),
                available: self.system.free_swap(),
            },
            disks,
            interfaces,
            about: None,
        }
    }
}

/// Samples the machine every `EVERY` on a thread of its own, for as long as the server runs.
pub(crate) fn spawn(state: &Arc<AppState>) {
    let host = state.host.clone();
    let spawned = std::thread::Builder::new()
        .name("wirescope-host".into())
        .spawn(move || {
            let mut sampler = Sampler::default();
            // sysinfo's CPU use needs two readings some time apart.
            std::thread::sleep(sysinfo::MINIMUM_CPU_UPDATE_INTERVAL);
            loop {
                host.push(sampler.sample());
                std::thread::sleep(EVERY);
            }
        });
    if let Err(e) = spawned {
        eprintln!("wirescope: the host is not sampled: {e}");
    }
}

/// The machine the server runs on: its samples (every 10 s, the last six hours), oldest first;
/// or with `agent`, a remote agent's machine (every 30 s, the last hour).
#[utoipa::path(get, path = "/host", tag = "host", params(HostQuery),
    responses((status = 200, body = HostView),
              (status = 404, description = "no samples of that agent", body = ApiError)))]
pub(crate) async fn show(
    State(state): State<Arc<AppState>>,
    Query(q): Query<HostQuery>,
) -> Result<Json<HostView>, ApiError> {
    let since = q.since.unwrap_or(i64::MIN);
    let agents = state.host.agent_names();
    let Some(agent) = q.agent else {
        let about = HostAbout::here();
        return Ok(Json(HostView {
            hostname: about.hostname,
            os: about.os,
            kernel: about.kernel,
            agent: None,
            every_s: EVERY.as_secs(),
            samples: state.host.since(since),
            agents,
        }));
    };
    let samples = state
        .host
        .agent_since(&agent, since)
        .ok_or_else(|| ApiError {
            field: Some("agent".into()),
            ..ApiError::new(
                axum::http::StatusCode::NOT_FOUND,
                format!("agent '{agent}' sent no sample of its machine"),
            )
        })?;
    let about = state
        .host
        .agents_latest()
        .into_iter()
        .find(|(name, _)| *name == agent)
        .and_then(|(_, s)| s.about.clone())
        .unwrap_or_default();
    Ok(Json(HostView {
        hostname: about.hostname,
        os: about.os,
        kernel: about.kernel,
        agent: Some(agent),
        every_s: wirescope_runs::remote::HOST_EVERY.as_secs(),
        samples,
        agents,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sample_reads_this_machine() {
        let mut sampler = Sampler::default();
        std::thread::sleep(sysinfo::MINIMUM_CPU_UPDATE_INTERVAL);
        let s = sampler.sample();
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let total_kib: u64 = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0);
        assert_eq!(s.memory.total, total_kib * 1024, "/proc/meminfo's MemTotal");
        assert!(s.memory.used > 0 && s.memory.used <= s.memory.total);
        assert_eq!(
            s.cores.len(),
            std::thread::available_parallelism().map_or(0, usize::from)
        );
        assert!((0.0..=100.0).contains(&s.cpu), "{}", s.cpu);
        let lo = s.interfaces.iter().find(|i| i.name == "lo");
        let lo = lo.unwrap_or_else(|| panic!("lo in {:?}", s.interfaces));
        assert!(lo.rx_bytes > 0 && lo.rx_packets > 0, "{lo:?}");
        assert!(s.disks.iter().any(|d| d.mount == "/"), "{:?}", s.disks);
        // Traffic on loopback shows in the next sample's counters.
        let before = lo.rx_packets;
        let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
        let to = sock.local_addr().unwrap_or_else(|e| panic!("{e}"));
        for _ in 0..50 {
            let _ = sock.send_to(b"wirescope host sample", to);
        }
        let next = sampler.sample();
        let lo = next.interfaces.iter().find(|i| i.name == "lo");
        assert!(lo.is_some_and(|l| l.rx_packets >= before + 50), "{lo:?}");
    }

    #[test]
    fn the_samples_kept_are_bounded_and_given_after_a_time() {
        let host = Host::default();
        let mut sampler = Sampler::default();
        let s = sampler.sample();
        for i in 0..KEEP + 10 {
            host.push(HostSample {
                t: i as i64,
                ..s.clone()
            });
        }
        assert_eq!(host.since(i64::MIN).len(), KEEP);
        assert_eq!(host.since(KEEP as i64 + 5).len(), 4);
        assert_eq!(host.latest().map(|s| s.t), Some(KEEP as i64 + 9));
    }

    #[test]
    fn an_agents_samples_are_checked_and_kept_for_an_hour() {
        let host = Host::default();
        let mut sampler = Sampler::default();
        let good = sampler.sample_about();
        let json = serde_json::to_string(&good).unwrap_or_default();
        for _ in 0..AGENT_KEEP + 3 {
            assert_eq!(host.agent_sample("branch-1", &json), Ok(()));
        }
        assert_eq!(
            host.agent_since("branch-1", i64::MIN).map(|s| s.len()),
            Some(AGENT_KEEP)
        );
        assert_eq!(host.agent_since("nobody", i64::MIN).map(|s| s.len()), None);
        let about = host.agents_latest()[0].1.about.clone().unwrap_or_default();
        assert_eq!(about.hostname, HostAbout::here().hostname);
        let bad = |f: &dyn Fn(&mut HostSample)| {
            let mut s = good.clone();
            f(&mut s);
            host.agent_sample("branch-1", &serde_json::to_string(&s).unwrap_or_default())
        };
        let many = HostInterface::default();
        let e = bad(&|s| s.interfaces = vec![many.clone(); MAX_INTERFACES + 1]);
        assert_eq!(
            e,
            Err(format!(
                "a host sample: {} interfaces (at most {MAX_INTERFACES})",
                MAX_INTERFACES + 1
            ))
        );
        let e = bad(&|s| s.disks.iter_mut().for_each(|d| d.mount = "x".repeat(300)));
        assert_eq!(
            e,
            Err("a host sample: a mount point name longer than 256 bytes".into())
        );
        let e = host.agent_sample("branch-1", "{\"t\": 1}");
        assert!(
            e.as_ref()
                .is_err_and(|e| e.starts_with("a host sample: missing field")),
            "{e:?}"
        );
        let e = host.agent_sample("branch-1", &"[".repeat(100_000));
        assert!(
            e.is_err_and(|e| e.starts_with("a host sample: ")),
            "deep JSON is refused"
        );
    }
}
