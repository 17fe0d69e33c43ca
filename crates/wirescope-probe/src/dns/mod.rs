//! DNS lookups over many names at once: any record type, any server, UDP with TCP fallback,
//! per-query elapsed time and response code. Also resolves the hostname targets of other probes.

pub mod client;
pub mod format;
pub mod resolve;

use crate::duration::serde_human;
#[cfg(feature = "clap")]
use crate::duration::{format_duration, parse_duration};
use crate::error::ProbeError;
use crate::result::{DnsRecord, DnsResult, ProbeResult};
use crate::targets::{Host, Target};
use crate::toolkit::{Ctx, Ready};
use client::{Client, Outcome, Question};
use hickory_proto::rr::{Name, RecordType};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::time::Duration;

/// Record types the `dns` probe accepts by name.
pub const TYPES: &[&str] = &[
    "A", "AAAA", "CNAME", "MX", "NS", "TXT", "SOA", "PTR", "SRV", "CAA", "ANY",
];

/// Options of a DNS run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
#[serde(default, deny_unknown_fields)]
pub struct DnsOptions {
    /// Record types to ask for each name: A, AAAA, CNAME, MX, NS, TXT, SOA, PTR, SRV, CAA, ANY
    /// (none: A for names, PTR for addresses).
    #[cfg_attr(
        feature = "clap",
        arg(
            short = 't',
            long = "type",
            value_name = "TYPE",
            help = "Record type (repeatable): A, AAAA, CNAME, MX, NS, TXT, SOA, PTR, SRV, CAA, ANY. Default: A for names, PTR for addresses"
        )
    )]
    pub types: Vec<String>,
    /// The server, `IP` or `IP:PORT` (`[v6]:port`); none: the system's resolvers.
    #[cfg_attr(feature = "clap", arg(long, value_name = "IP[:PORT]"))]
    pub server: Option<String>,
    /// How long to wait for each attempt.
    #[serde(with = "serde_human")]
    #[schema(value_type = crate::duration::DurationSchema)]
    #[cfg_attr(feature = "clap", arg(long, value_name = "DURATION", default_value = format_duration(DnsOptions::default().timeout), value_parser = parse_duration))]
    pub timeout: Duration,
    /// Attempts after the first one timed out.
    #[cfg_attr(feature = "clap", arg(long, value_name = "N", default_value_t = DnsOptions::default().retries))]
    pub retries: u32,
    /// Ask over TCP from the start.
    #[cfg_attr(feature = "clap", arg(long))]
    pub tcp: bool,
    /// Queries in flight at once.
    #[schema(minimum = 1, maximum = 60_000)]
    #[cfg_attr(feature = "clap", arg(long, value_name = "N", default_value_t = DnsOptions::default().concurrency))]
    pub concurrency: usize,
    /// Queries per second (0: unlimited).
    #[cfg_attr(feature = "clap", arg(long, value_name = "QPS", default_value_t = DnsOptions::default().rate))]
    pub rate: u32,
}

impl Default for DnsOptions {
    fn default() -> Self {
        DnsOptions {
            types: Vec::new(),
            server: None,
            timeout: Duration::from_secs(2),
            retries: 2,
            tcp: false,
            concurrency: 100,
            rate: 0,
        }
    }
}

impl DnsOptions {
    /// Checks the types and the server address.
    pub fn validate(&self) -> Result<(), ProbeError> {
        for t in &self.types {
            parse_type(t)?;
        }
        if let Some(s) = &self.server {
            parse_server(s)?;
        }
        if self.timeout.is_zero() {
            return Err(ProbeError::Options("timeout must be above zero".into()));
        }
        if self.concurrency == 0 || self.concurrency > 60_000 {
            return Err(ProbeError::Options(
                "concurrency must be between 1 and 60000".into(),
            ));
        }
        Ok(())
    }
}

/// Parses a record type name (case-insensitive) among the supported ones.
pub fn parse_type(t: &str) -> Result<RecordType, ProbeError> {
    let upper = t.to_ascii_uppercase();
    if !TYPES.contains(&upper.as_str()) {
        return Err(ProbeError::Options(format!(
            "unknown record type '{t}' (use one of {})",
            TYPES.join(", ")
        )));
    }
    RecordType::from_str(&upper)
        .map_err(|_| ProbeError::Options(format!("unknown record type '{t}'")))
}

/// Parses `IP`, `IP:PORT` or `[IPv6]:PORT` into a server address (port 53 by default).
pub fn parse_server(s: &str) -> Result<SocketAddr, ProbeError> {
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, 53));
    }
    s.parse::<SocketAddr>().map_err(|_| {
        ProbeError::Options(format!(
            "server '{s}' is not an address (use IP, IP:PORT or [IPv6]:PORT)"
        ))
    })
}

/// Runs the DNS probe: every target name asked for every type.
pub async fn run(
    targets: Vec<Target>,
    opts: DnsOptions,
    ctx: &Ctx,
    ready: &mut Ready,
) -> Result<(), ProbeError> {
    ready.check(opts.validate())?;
    let server = match &opts.server {
        Some(s) => parse_server(s)?,
        None => {
            let conf = resolve::SystemConfig::load(&ctx.net);
            match conf.servers.first() {
                Some(s) => *s,
                None => {
                    return ready.check(Err(ProbeError::Options(
                        "no DNS server configured; give one with --server".into(),
                    )));
                }
            }
        }
    };
    let client = ready.check(Client::new(
        &ctx.net,
        server,
        opts.timeout,
        opts.retries,
        opts.tcp,
    ))?;
    ready.go();

    let mut questions = Vec::new();
    let mut labels = Vec::new();
    for t in &targets {
        let types: Vec<RecordType> = if opts.types.is_empty() {
            vec![if matches!(t.host, Host::Ip(_)) {
                RecordType::PTR
            } else {
                RecordType::A
            }]
        } else {
            opts.types
                .iter()
                .filter_map(|s| parse_type(s).ok())
                .collect()
        };
        for rtype in types {
            let name = match (&t.host, rtype) {
                (Host::Ip(ip), RecordType::PTR) => Name::from(*ip),
                (Host::Ip(ip), _) => {
                    Name::from_ascii(format!("{ip}.")).unwrap_or_else(|_| Name::root())
                }
                (Host::Name(n), _) => match fqdn(n) {
                    Ok(name) => name,
                    Err(e) => {
                        ctx.emit(ProbeResult::Dns(failed(t, n, rtype, server, e.into())));
                        continue;
                    }
                },
            };
            questions.push(Question { name, rtype });
            labels.push(t.spec.clone());
        }
    }
    let server_text = server.to_string();
    client
        .run(
            questions,
            opts.concurrency,
            opts.rate,
            &ctx.cancel,
            |i, q, outcome| {
                ctx.emit(ProbeResult::Dns(to_result(
                    &labels[i],
                    q,
                    server,
                    &server_text,
                    outcome,
                )));
            },
        )
        .await
}

/// A name made absolute (a trailing dot is added: the DNS probe asks exactly what it is given).
pub fn fqdn(n: &str) -> Result<Name, NameError> {
    fqdn_text(n).map_err(NameError)
}

/// Why a text is not a DNS name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NameError(pub String);

impl From<NameError> for String {
    fn from(e: NameError) -> String {
        e.0
    }
}

fn fqdn_text(n: &str) -> Result<Name, String> {
    let mut name = Name::from_ascii(n).map_err(|e| format!("'{n}' is not a DNS name: {e}"))?;
    name.set_fqdn(true);
    Ok(name)
}

fn failed(
    t: &Target,
    name: &str,
    rtype: RecordType,
    server: SocketAddr,
    error: String,
) -> DnsResult {
    DnsResult {
        target: t.spec.clone(),
        addr: Some(server.ip()),
        name: name.to_string(),
        rtype: rtype.to_string(),
        rcode: None,
        answers: Vec::new(),
        records: Vec::new(),
        elapsed_ms: 0.0,
        server: Some(server.to_string()),
        transport: None,
        error: Some(error),
    }
}

fn to_result(
    label: &str,
    q: &Question,
    server: SocketAddr,
    server_text: &str,
    outcome: Outcome,
) -> DnsResult {
    let name = q.name.to_ascii().trim_end_matches('.').to_string();
    let mut r = DnsResult {
        target: label.to_string(),
        addr: Some(server.ip()),
        name,
        rtype: q.rtype.to_string(),
        rcode: None,
        answers: Vec::new(),
        records: Vec::new(),
        elapsed_ms: crate::stats::ms(outcome.elapsed),
        server: Some(server_text.to_string()),
        transport: None,
        error: None,
    };
    match outcome.result {
        Ok(reply) => {
            r.rcode = Some(format::rcode_name(reply.rcode));
            r.transport = Some(reply.transport.to_string());
            for rec in &reply.answers {
                let data = format::rdata(&rec.data);
                r.answers.push(data.clone());
                r.records.push(DnsRecord {
                    name: rec.name.to_ascii(),
                    rtype: rec.record_type().to_string(),
                    ttl: rec.ttl,
                    data,
                });
            }
        }
        Err(e) => r.error = Some(e),
    }
    r
}
