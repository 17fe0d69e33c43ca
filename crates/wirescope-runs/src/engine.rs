//! The batch engine: runs one probe over a target set on a dedicated thread (inside the requested
//! network namespace), paced by one packets-per-second budget, and streams each target's result
//! the moment it is complete. The CLI and the server consume exactly this stream. What the
//! probes share (the context, the start handshake, pacing, resolution) is in `toolkit`.

use serde::{Deserialize, Serialize};
use std::time::Instant;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use wirescope_net::NetOptions;
use wirescope_probe::ProbeError;
use wirescope_probe::result::{ProbeKind, ProbeResult, Summary};
use wirescope_probe::targets::Target;
use wirescope_probe::toolkit::{Ctx, Ready};
use wirescope_probe::{dns, ping, scan, trace};
use wirescope_ssh::exec as ssh;

/// The probe to run and its options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", content = "options", rename_all = "lowercase")]
// One value per run, built once: boxing the large SNMP variant would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum ProbeOptions {
    Ping(ping::PingOptions),
    Trace(trace::TraceOptions),
    Dns(dns::DnsOptions),
    Scan(scan::ScanOptions),
    Snmp(wirescope_snmp::SnmpOptions),
    Ssh(ssh::SshOptions),
}

/// Each kind's options are a `ProbeOptions` (`PingOptions::default().into()`).
macro_rules! into_probe_options {
    ($($kind:ident($options:ty)),* $(,)?) => {$(
        impl From<$options> for ProbeOptions {
            fn from(o: $options) -> Self {
                ProbeOptions::$kind(o)
            }
        }
    )*};
}

into_probe_options!(
    Ping(ping::PingOptions),
    Trace(trace::TraceOptions),
    Dns(dns::DnsOptions),
    Scan(scan::ScanOptions),
    Snmp(wirescope_snmp::SnmpOptions),
    Ssh(ssh::SshOptions),
);

/// One kind's options in the API document: its schema's name, its schema, the schemas it refers
/// to, and its defaults as the API writes them (`T::default()` serialized).
pub struct OptionsSchema {
    pub name: String,
    pub schema: utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
    pub refers_to: Vec<(
        String,
        utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
    )>,
    pub defaults: serde_json::Value,
}

impl std::fmt::Debug for OptionsSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OptionsSchema")
            .field("name", &self.name)
            .field("defaults", &self.defaults)
            .finish_non_exhaustive()
    }
}

fn options_entry<T: utoipa::ToSchema + Default + Serialize>() -> OptionsSchema {
    let mut refers_to = Vec::new();
    T::schemas(&mut refers_to);
    OptionsSchema {
        name: T::name().into_owned(),
        schema: T::schema(),
        refers_to,
        defaults: serde_json::to_value(T::default()).unwrap_or_default(),
    }
}

/// Every kind's options schema, in `ProbeKind` order.
pub fn options_schemas() -> [OptionsSchema; 6] {
    [
        options_entry::<ping::PingOptions>(),
        options_entry::<trace::TraceOptions>(),
        options_entry::<dns::DnsOptions>(),
        options_entry::<scan::ScanOptions>(),
        options_entry::<wirescope_snmp::SnmpOptions>(),
        options_entry::<ssh::SshOptions>(),
    ]
}

/// The API schema of a kind's options, as a run gives them: one of the kinds' options schemas
/// (which the API document registers from `options_schemas`).
pub fn options_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::{OneOfBuilder, Ref};
    let mut one_of = OneOfBuilder::new();
    for o in options_schemas() {
        one_of = one_of.item(Ref::from_schema_name(o.name));
    }
    utoipa::openapi::schema::Schema::OneOf(one_of.build())
}

impl ProbeOptions {
    /// The options alone as JSON (what the history stores and the API returns).
    pub fn options_json(&self) -> String {
        let json = match self {
            ProbeOptions::Ping(o) => serde_json::to_string(o),
            ProbeOptions::Trace(o) => serde_json::to_string(o),
            ProbeOptions::Dns(o) => serde_json::to_string(o),
            ProbeOptions::Scan(o) => serde_json::to_string(o),
            ProbeOptions::Snmp(o) => serde_json::to_string(o),
            ProbeOptions::Ssh(o) => serde_json::to_string(o),
        };
        json.unwrap_or_else(|_| "{}".into())
    }

    /// Checks the options.
    pub fn validate(&self) -> Result<(), ProbeError> {
        match self {
            ProbeOptions::Ping(o) => o.validate(),
            ProbeOptions::Trace(o) => o.validate(),
            ProbeOptions::Dns(o) => o.validate(),
            ProbeOptions::Scan(o) => o.validate(),
            ProbeOptions::Snmp(o) => o.validate(),
            ProbeOptions::Ssh(o) => o.validate(),
        }
    }

    pub fn kind(&self) -> ProbeKind {
        match self {
            ProbeOptions::Ping(_) => ProbeKind::Ping,
            ProbeOptions::Trace(_) => ProbeKind::Trace,
            ProbeOptions::Dns(_) => ProbeKind::Dns,
            ProbeOptions::Scan(_) => ProbeKind::Scan,
            ProbeOptions::Snmp(_) => ProbeKind::Snmp,
            ProbeOptions::Ssh(_) => ProbeKind::Ssh,
        }
    }
}

/// Everything a run needs.
#[derive(Debug, Clone)]
pub struct RunRequest {
    pub targets: Vec<Target>,
    pub probe: ProbeOptions,
    pub net: NetOptions,
}

impl RunRequest {
    /// How many results the run will produce: one per target, one per question for DNS.
    pub fn total(&self) -> usize {
        match &self.probe {
            ProbeOptions::Dns(o) => self.targets.len() * o.types.len().max(1),
            _ => self.targets.len(),
        }
    }
}

/// A running batch: poll `next` for results as they complete, then `finish` for the summary.
#[derive(Debug)]
pub struct Run {
    rx: mpsc::UnboundedReceiver<ProbeResult>,
    done: oneshot::Receiver<Result<(), ProbeError>>,
    summary: Summary,
    started: Instant,
    cancel: CancellationToken,
}

impl Run {
    /// The next finished result, or `None` once the run is over.
    pub async fn next(&mut self) -> Option<ProbeResult> {
        let r = self.rx.recv().await?;
        self.summary.add(&r);
        Some(r)
    }

    /// A finished result if one is waiting, without waiting.
    pub fn try_next(&mut self) -> Option<ProbeResult> {
        let r = self.rx.try_recv().ok()?;
        self.summary.add(&r);
        Some(r)
    }

    /// Number of targets in the run.
    pub fn total(&self) -> usize {
        self.summary.targets
    }

    /// The summary so far.
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    /// Waits for the run's thread to end and returns the closing summary.
    pub async fn finish(mut self) -> Result<Summary, ProbeError> {
        while self.next().await.is_some() {}
        let outcome = self.done.await.unwrap_or(Ok(()));
        self.summary.elapsed_ms = wirescope_probe::stats::ms(self.started.elapsed());
        self.summary.cancelled =
            self.cancel.is_cancelled() && self.summary.completed < self.summary.targets;
        outcome.map(|()| self.summary)
    }
}

/// Starts a run. Returns once the probe's sockets are open, so missing privileges, a missing
/// namespace or interface fail here, at once, before any result.
pub async fn start(req: RunRequest, cancel: CancellationToken) -> Result<Run, ProbeError> {
    req.net.check()?;
    let kind = req.probe.kind();
    let total = req.total();
    let (tx, rx) = mpsc::unbounded_channel();
    let (ready_tx, ready_rx) = oneshot::channel();
    let (done_tx, done_rx) = oneshot::channel();
    let ctx = Ctx::new(req.net.clone(), cancel.clone(), tx);
    let started = Instant::now();
    let netns = req.net.netns.clone();
    wirescope_net::in_netns(
        &format!("wirescope-{}", kind.as_str()),
        netns,
        move |entered| {
            let outcome = run_thread(req, ctx, ready_tx, entered);
            let _ = done_tx.send(outcome);
        },
    )?;
    match ready_rx.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(e),
        Err(_) => {
            return match done_rx.await {
                Ok(Err(e)) => Err(e),
                _ => Err(ProbeError::Options(
                    "the probe thread ended before it started".into(),
                )),
            };
        }
    }
    Ok(Run {
        rx,
        done: done_rx,
        summary: Summary::new(kind, total),
        started,
        cancel,
    })
}

/// The probe's thread, inside the run's namespace once `entered` says so.
fn run_thread(
    req: RunRequest,
    ctx: Ctx,
    ready_tx: oneshot::Sender<Result<(), ProbeError>>,
    entered: Result<(), wirescope_net::NetError>,
) -> Result<(), ProbeError> {
    let mut ready = Ready::new(ready_tx);
    ready.check(entered)?;
    let rt = ready.check(wirescope_net::netns::runtime())?;
    rt.block_on(async move {
        match req.probe {
            ProbeOptions::Ping(o) => ping::run(req.targets, o, &ctx, &mut ready).await,
            ProbeOptions::Trace(o) => trace::run(req.targets, o, &ctx, &mut ready).await,
            ProbeOptions::Dns(o) => dns::run(req.targets, o, &ctx, &mut ready).await,
            ProbeOptions::Scan(o) => scan::run(req.targets, o, &ctx, &mut ready).await,
            ProbeOptions::Snmp(o) => wirescope_snmp::run(req.targets, o, &ctx, &mut ready).await,
            ProbeOptions::Ssh(o) => ssh::run(req.targets, o, &ctx, &mut ready).await,
        }
    })
}
