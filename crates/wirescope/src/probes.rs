//! The ping, trace, dns and scan commands: their flags turned into the probe's options.

use crate::cli;
use crate::execute::Job;
use wirescope_probe::dns::DnsOptions;
use wirescope_probe::ping::PingOptions;
use wirescope_probe::scan::ScanOptions;
use wirescope_probe::trace::TraceOptions;
use wirescope_runs::engine::ProbeOptions;

pub(crate) fn ping(a: cli::PingArgs) -> Job {
    (
        a.targets,
        a.net,
        a.output,
        ProbeOptions::Ping(PingOptions {
            count: a.count,
            interval: a.interval,
            timeout: a.timeout,
            size: a.size,
            ttl: a.ttl,
            rate: a.rate,
            unprivileged: a.unprivileged,
        }),
    )
}

pub(crate) fn trace(a: cli::TraceArgs) -> Job {
    (
        a.targets,
        a.net,
        a.output,
        ProbeOptions::Trace(TraceOptions {
            protocol: a.protocol,
            max_hops: a.max_hops,
            first_hop: a.first_hop,
            port: a.port,
            queries: a.queries,
            timeout: a.timeout,
            wait_here: a.wait_here,
            wait_near: a.wait_near,
            wait_min: a.wait_min,
            rate: a.rate,
            resolve: a.resolve,
        }),
    )
}

pub(crate) fn dns(a: cli::DnsArgs) -> Job {
    (
        a.targets,
        a.net,
        a.output,
        ProbeOptions::Dns(DnsOptions {
            types: a.types,
            server: a.server,
            timeout: a.timeout,
            retries: a.retries,
            tcp: a.tcp,
            concurrency: a.concurrency,
            rate: a.rate,
        }),
    )
}

pub(crate) fn scan(a: cli::ScanArgs) -> Job {
    (
        a.targets,
        a.net,
        a.output,
        ProbeOptions::Scan(ScanOptions {
            ports: a.ports,
            top: a.top,
            timeout: a.timeout,
            banners: a.banners,
            banner_timeout: a.banner_timeout,
            concurrency: a.concurrency,
            rate: a.rate,
            method: a.method,
            retries: a.retries,
        }),
    )
}
