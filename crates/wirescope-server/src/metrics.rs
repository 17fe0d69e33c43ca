//! Prometheus metrics at `GET /api/metrics` (behind the API's sign-in, a Viewer's right), in
//! the OpenMetrics text format of the prometheus-client crate (a registry of this server's
//! own, no global state): runs and results by kind and status; per suite target a probe RTT
//! histogram (SmokePing-prober-like buckets), loss and open ports; path changes, alerts fired,
//! traps received; per interface and protocol the packets and bytes live captures saw, and the
//! kernel's drops; server health (requests, WebSocket clients, store size); the machine's CPU,
//! load, memory, disks and interface counters (`host`). Per-target series
//! are capped (`MAX_SERIES`), so a client cannot make the server hold an unbounded registry.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use wirescope_probe::{ProbeKind, ProbeResult};
use wirescope_runs::{Observer, RunInfo};
use wirescope_store::RunStatus;

/// Suite-target series (each of RTT, loss, open ports and path changes) kept at most; results
/// for targets past it are not exported (`wirescope_series_dropped_total` counts them).
pub const MAX_SERIES: usize = 10_000;

/// The text format's content type.
const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RunLabels {
    kind: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SeriesLabels {
    suite: String,
    target: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AlertLabels {
    preset: String,
    kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CaptureLabels {
    interface: String,
    protocol: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct InterfaceLabels {
    interface: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DirectionLabels {
    interface: String,
    direction: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AgentLabels {
    agent: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AgentStateLabels {
    agent: String,
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DiskLabels {
    mount: String,
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    code: String,
}

type RttFamily = Family<SeriesLabels, Histogram, fn() -> Histogram>;

/// 50 µs doubling to 26 s, as SmokePing's prober buckets round trips.
fn rtt_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.000_05, 2.0, 20))
}

/// This server's metrics.
pub struct Metrics {
    registry: Registry,
    runs: Family<RunLabels, Counter>,
    results: Family<RunLabels, Counter>,
    rtt: RttFamily,
    loss: Family<SeriesLabels, Gauge<f64, AtomicU64>>,
    open_ports: Family<SeriesLabels, Gauge>,
    path_changes: Family<SeriesLabels, Counter>,
    alerts: Family<AlertLabels, Counter>,
    traps: Counter,
    capture_packets: Family<CaptureLabels, Counter>,
    capture_bytes: Family<CaptureLabels, Counter>,
    capture_drops: Family<InterfaceLabels, Counter>,
    requests: Family<RequestLabels, Counter>,
    websockets: Gauge,
    store_bytes: Gauge,
    series_dropped: Counter,
    host_cpu: Gauge<f64, AtomicU64>,
    host_load: Family<StateLabels, Gauge<f64, AtomicU64>>,
    host_memory: Family<StateLabels, Gauge>,
    host_swap: Family<StateLabels, Gauge>,
    host_disk: Family<DiskLabels, Gauge>,
    /// bytes, packets, errors, drops: each by interface and direction.
    host_network: [Family<DirectionLabels, Counter>; 4],
    agent_cpu: Family<AgentLabels, Gauge<f64, AtomicU64>>,
    agent_memory: Family<AgentStateLabels, Gauge>,
    /// The suite-target series made so far (bounded by `MAX_SERIES`).
    series: Mutex<HashSet<SeriesLabels>>,
    /// Suite names by id, looked up once.
    suites: Mutex<HashMap<i64, String>>,
    store: Arc<wirescope_store::Store>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    pub fn new(store: Arc<wirescope_store::Store>) -> Self {
        let mut registry = Registry::with_prefix("wirescope");
        let m = Metrics {
            runs: Family::default(),
            results: Family::default(),
            rtt: Family::new_with_constructor(rtt_histogram),
            loss: Family::default(),
            open_ports: Family::default(),
            path_changes: Family::default(),
            alerts: Family::default(),
            traps: Counter::default(),
            capture_packets: Family::default(),
            capture_bytes: Family::default(),
            capture_drops: Family::default(),
            requests: Family::default(),
            websockets: Gauge::default(),
            store_bytes: Gauge::default(),
            series_dropped: Counter::default(),
            host_cpu: Gauge::default(),
            host_load: Family::default(),
            host_memory: Family::default(),
            host_swap: Family::default(),
            host_disk: Family::default(),
            host_network: Default::default(),
            agent_cpu: Family::default(),
            agent_memory: Family::default(),
            series: Mutex::new(HashSet::new()),
            suites: Mutex::new(HashMap::new()),
            store,
            registry: Registry::default(),
        };
        registry.register("runs", "Runs ended, by kind and status", m.runs.clone());
        registry.register(
            "results",
            "Probe results, by kind and status (ok: the target answered)",
            m.results.clone(),
        );
        registry.register_with_unit(
            "probe_rtt",
            "Round trips of suite probes (ping echoes, the last hop of a trace, DNS answers)",
            prometheus_client::registry::Unit::Seconds,
            m.rtt.clone(),
        );
        registry.register(
            "probe_loss_ratio",
            "Share of a suite ping's echoes (or trace's last-hop probes) lost, last run",
            m.loss.clone(),
        );
        registry.register(
            "open_ports",
            "Open ports a suite scan found, last run",
            m.open_ports.clone(),
        );
        registry.register(
            "path_changes",
            "Path-changed alerts fired (ECMP-aware: a known alternate path is no change)",
            m.path_changes.clone(),
        );
        registry.register(
            "alerts",
            "Alert events raised, by preset and kind (fired, recovered, ...)",
            m.alerts.clone(),
        );
        registry.register(
            "traps_received",
            "SNMP traps received and stored",
            m.traps.clone(),
        );
        registry.register(
            "capture_packets",
            "Frames live captures saw, by interface and protocol (a frame counts for every protocol in it)",
            m.capture_packets.clone(),
        );
        registry.register_with_unit(
            "capture",
            "Bytes live captures saw, by interface and protocol",
            prometheus_client::registry::Unit::Bytes,
            m.capture_bytes.clone(),
        );
        registry.register(
            "capture_kernel_drops",
            "Frames the kernel dropped before a live capture read them",
            m.capture_drops.clone(),
        );
        registry.register(
            "http_requests",
            "HTTP requests answered, by method and status class",
            m.requests.clone(),
        );
        registry.register(
            "websocket_clients",
            "WebSocket clients connected",
            m.websockets.clone(),
        );
        registry.register_with_unit(
            "store",
            "Size of the store (the SQLite file, or the PostgreSQL database)",
            prometheus_client::registry::Unit::Bytes,
            m.store_bytes.clone(),
        );
        registry.register(
            "series_dropped",
            "Suite results not exported: their target would pass the series cap",
            m.series_dropped.clone(),
        );
        registry.register(
            "host_cpu_ratio",
            "CPU busy on the server's machine, all cores (0 to 1)",
            m.host_cpu.clone(),
        );
        registry.register(
            "host_load",
            "Load average of the server's machine, by period (1m, 5m, 15m)",
            m.host_load.clone(),
        );
        registry.register_with_unit(
            "host_memory",
            "Memory of the server's machine, by state (total, used, available)",
            prometheus_client::registry::Unit::Bytes,
            m.host_memory.clone(),
        );
        registry.register_with_unit(
            "host_swap",
            "Swap of the server's machine, by state (total, used, available)",
            prometheus_client::registry::Unit::Bytes,
            m.host_swap.clone(),
        );
        registry.register_with_unit(
            "host_disk",
            "Disk space of the server's machine, by mount point and state (total, available)",
            prometheus_client::registry::Unit::Bytes,
            m.host_disk.clone(),
        );
        for (family, name, what) in [
            (0, "host_network_bytes", "Bytes"),
            (1, "host_network_packets", "Packets"),
            (2, "host_network_errors", "Errors"),
            (3, "host_network_drops", "Drops"),
        ] {
            registry.register(
                name,
                format!("{what} of the server's machine's interfaces, by direction (rx, tx)"),
                m.host_network[family].clone(),
            );
        }
        registry.register(
            "agent_host_cpu_ratio",
            "CPU busy on a remote agent's machine, all cores (0 to 1), last sample",
            m.agent_cpu.clone(),
        );
        registry.register_with_unit(
            "agent_host_memory",
            "Memory of a remote agent's machine, by state (total, used, available), last sample",
            prometheus_client::registry::Unit::Bytes,
            m.agent_memory.clone(),
        );
        Metrics { registry, ..m }
    }

    /// The newest sample of the machine into the host metrics.
    fn host(&self, s: &crate::host::HostSample) {
        self.host_cpu.set(f64::from(s.cpu) / 100.0);
        for (period, v) in ["1m", "5m", "15m"].iter().zip(s.load) {
            self.host_load
                .get_or_create(&StateLabels {
                    state: (*period).to_string(),
                })
                .set(v);
        }
        let bytes = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        for (family, m) in [(&self.host_memory, s.memory), (&self.host_swap, s.swap)] {
            for (state, v) in [
                ("total", m.total),
                ("used", m.used),
                ("available", m.available),
            ] {
                family
                    .get_or_create(&StateLabels {
                        state: state.to_string(),
                    })
                    .set(bytes(v));
            }
        }
        for d in &s.disks {
            for (state, v) in [("total", d.total), ("available", d.available)] {
                self.host_disk
                    .get_or_create(&DiskLabels {
                        mount: d.mount.clone(),
                        state: state.to_string(),
                    })
                    .set(bytes(v));
            }
        }
        for i in &s.interfaces {
            let counts = [
                [i.rx_bytes, i.tx_bytes],
                [i.rx_packets, i.tx_packets],
                [i.rx_errors, i.tx_errors],
                [i.rx_drops, i.tx_drops],
            ];
            for (family, [rx, tx]) in self.host_network.iter().zip(counts) {
                for (direction, total) in [("rx", rx), ("tx", tx)] {
                    let c = family.get_or_create(&DirectionLabels {
                        interface: i.name.clone(),
                        direction: direction.to_string(),
                    });
                    // The kernel's counter; one that went back (the interface was made again)
                    // waits until it passes what was counted.
                    c.inc_by(total.saturating_sub(c.get()));
                }
            }
        }
    }

    /// A series' labels, or `None` (counted) past the cap.
    fn series(&self, suite_id: Option<i64>, target: &str) -> Option<SeriesLabels> {
        let suite_id = suite_id?;
        let suite = {
            let mut names = self.suites.lock().unwrap_or_else(|p| p.into_inner());
            match names.get(&suite_id) {
                Some(n) => n.clone(),
                None => {
                    let name = self
                        .store
                        .suite_by_id(suite_id)
                        .ok()
                        .flatten()
                        .map_or_else(|| suite_id.to_string(), |s| s.name);
                    names.insert(suite_id, name.clone());
                    name
                }
            }
        };
        let labels = SeriesLabels {
            suite,
            target: target.to_string(),
        };
        let mut series = self.series.lock().unwrap_or_else(|p| p.into_inner());
        if series.contains(&labels) {
            return Some(labels);
        }
        if series.len() >= MAX_SERIES {
            self.series_dropped.inc();
            return None;
        }
        series.insert(labels.clone());
        Some(labels)
    }

    /// An alert event raised: counted by preset and kind, and as a path change when it is one.
    pub fn alert(&self, event: &wirescope_store::AlertEvent) {
        self.alerts
            .get_or_create(&AlertLabels {
                preset: event.preset.clone(),
                kind: event.kind.as_str().to_string(),
            })
            .inc();
        if event.preset == "path_changed"
            && event.kind.as_str() == "fired"
            && let Some(labels) = self.series(event.suite_id, &event.target)
        {
            self.path_changes.get_or_create(&labels).inc();
        }
    }

    /// What a live capture's reader on `interface` saw since it last said: frames and bytes
    /// per protocol bit (`dissect::PROTOCOLS`), and the kernel's drops.
    pub fn captured(&self, interface: &str, per_protocol: &[(u64, u64); 32], drops: u64) {
        for (bit, name) in wirescope_traffic::dissect::PROTOCOLS {
            let (packets, bytes) = per_protocol[bit.trailing_zeros() as usize];
            if packets == 0 {
                continue;
            }
            let labels = CaptureLabels {
                interface: interface.to_string(),
                protocol: (*name).to_string(),
            };
            self.capture_packets.get_or_create(&labels).inc_by(packets);
            self.capture_bytes.get_or_create(&labels).inc_by(bytes);
        }
        if drops > 0 {
            self.capture_drops
                .get_or_create(&InterfaceLabels {
                    interface: interface.to_string(),
                })
                .inc_by(drops);
        }
    }

    /// A request answered.
    pub fn request(&self, method: &str, status: u16) {
        self.requests
            .get_or_create(&RequestLabels {
                method: method.to_string(),
                code: format!("{}xx", status / 100),
            })
            .inc();
    }

    /// A WebSocket client came (`1`) or went (`-1`).
    pub fn websocket(&self, delta: i64) {
        self.websockets.inc_by(delta);
    }

    fn observe_result(&self, info: &RunInfo, r: &ProbeResult) {
        let (rtts, sent, ok): (Vec<f64>, usize, bool) = match r {
            ProbeResult::Ping(p) => {
                let rtts: Vec<f64> = p.rtts_ms.iter().flatten().copied().collect();
                let ok = !rtts.is_empty();
                (rtts, p.sent as usize, ok)
            }
            ProbeResult::Trace(t) => {
                let last = t.hops.last().filter(|_| t.reached);
                let rtts: Vec<f64> = last
                    .map(|h| h.rtt_ms.iter().flatten().copied().collect())
                    .unwrap_or_default();
                (rtts, last.map_or(1, |h| h.rtt_ms.len().max(1)), t.reached)
            }
            ProbeResult::Dns(d) => {
                let ok = d.error.is_none();
                (if ok { vec![d.elapsed_ms] } else { Vec::new() }, 0, ok)
            }
            ProbeResult::Scan(s) => (Vec::new(), 0, s.error.is_none()),
            ProbeResult::Snmp(s) => (Vec::new(), 0, s.error.is_none()),
            ProbeResult::Ssh(s) => (Vec::new(), 0, s.exit_status == Some(0)),
        };
        self.results
            .get_or_create(&RunLabels {
                kind: info.kind.as_str().to_string(),
                status: if ok { "ok" } else { "failed" }.to_string(),
            })
            .inc();
        if info.suite_id.is_none() {
            return;
        }
        let Some(labels) = self.series(info.suite_id, r.target()) else {
            return;
        };
        if matches!(
            info.kind,
            ProbeKind::Ping | ProbeKind::Trace | ProbeKind::Dns
        ) {
            let h = self.rtt.get_or_create(&labels);
            for ms in &rtts {
                h.observe(ms / 1000.0);
            }
        }
        if sent > 0 {
            let lost = sent.saturating_sub(rtts.len()) as f64 / sent as f64;
            self.loss.get_or_create(&labels).set(lost);
        }
        if let ProbeResult::Scan(s) = r {
            self.open_ports
                .get_or_create(&labels)
                .set(i64::try_from(s.open.len()).unwrap_or(i64::MAX));
        }
    }

    /// The text a scrape gets, with the values read at scrape time brought up to date.
    fn render(&self, state: &AppState) -> Result<String, std::fmt::Error> {
        let traps = state.traps.received.load(Ordering::Relaxed);
        self.traps.inc_by(traps.saturating_sub(self.traps.get()));
        if let Some(sample) = state.host.latest() {
            self.host(&sample);
        }
        for (agent, s) in state.host.agents_latest() {
            self.agent_cpu
                .get_or_create(&AgentLabels {
                    agent: agent.clone(),
                })
                .set(f64::from(s.cpu) / 100.0);
            for (st, v) in [
                ("total", s.memory.total),
                ("used", s.memory.used),
                ("available", s.memory.available),
            ] {
                self.agent_memory
                    .get_or_create(&AgentStateLabels {
                        agent: agent.clone(),
                        state: st.to_string(),
                    })
                    .set(i64::try_from(v).unwrap_or(i64::MAX));
            }
        }
        if let Ok(size) = state.store.size_bytes() {
            self.store_bytes
                .set(i64::try_from(size).unwrap_or(i64::MAX));
        }
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)?;
        Ok(out)
    }
}

impl Observer for Metrics {
    fn results(&self, run: &RunInfo, results: &[ProbeResult]) {
        for r in results {
            self.observe_result(run, r);
        }
    }

    fn ended(&self, run: &RunInfo, status: RunStatus) {
        self.runs
            .get_or_create(&RunLabels {
                kind: run.kind.as_str().to_string(),
                status: status.as_str().to_string(),
            })
            .inc();
    }
}

/// Counts each alert event the scheduler announces, read back from the store.
pub(crate) fn spawn_alert_counter(state: &Arc<AppState>) {
    let (state, mut events) = (state.clone(), state.scheduler.events());
    tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok(id) => {
                    let store = state.store.clone();
                    if let Ok(Ok(Some(event))) =
                        tokio::task::spawn_blocking(move || store.alert_event(id)).await
                    {
                        state.metrics.alert(&event);
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
        }
    });
}

/// Counts every answered request (the whole router: API, dashboard, WebSocket upgrades).
pub(crate) async fn count_requests(
    State(state): State<Arc<AppState>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    // Methods a client makes up would each make a series: they count as "other".
    let method = match req.method().as_str() {
        m @ ("GET" | "POST" | "PUT" | "DELETE" | "PATCH" | "HEAD" | "OPTIONS") => m,
        _ => "other",
    }
    .to_string();
    let response = next.run(req).await;
    state.metrics.request(&method, response.status().as_u16());
    response
}

/// The metrics, for Prometheus: OpenMetrics text. Scrape it with the access token or a user's
/// API token (`authorization: {type: Bearer, credentials: ...}` in Prometheus's scrape config).
#[utoipa::path(get, path = "/metrics", tag = "metrics",
    responses((status = 200, description = "OpenMetrics text (application/openmetrics-text)", body = String)))]
pub(crate) async fn serve(
    State(state): State<Arc<AppState>>,
) -> Result<impl IntoResponse, ApiError> {
    let s = state.clone();
    let text = tokio::task::spawn_blocking(move || s.metrics.render(&s))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
        .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(([(header::CONTENT_TYPE, CONTENT_TYPE)], text))
}

/// A WebSocket client, counted in `wirescope_websocket_clients` while its session runs.
#[derive(Debug)]
pub(crate) struct Connected(Arc<AppState>);

impl Connected {
    pub(crate) fn new(state: &Arc<AppState>) -> Self {
        state.metrics.websocket(1);
        Connected(state.clone())
    }
}

impl Drop for Connected {
    fn drop(&mut self) {
        self.0.metrics.websocket(-1);
    }
}
