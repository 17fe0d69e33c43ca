//! Resolving hostname targets: /etc/hosts first, then A/AAAA questions to the system's resolvers
//! (or the ones given), with the search list applied as the C library would. Inside a namespace
//! the files `ip netns exec` would show are used (/etc/netns/NAME/...).

use super::client::{Client, Question};
use crate::net::{Family, NetOptions};
use hickory_proto::rr::{RData, RecordType};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The resolver configuration of the system (or of a namespace).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SystemConfig {
    pub servers: Vec<SocketAddr>,
    pub search: Vec<String>,
    pub ndots: usize,
}

impl SystemConfig {
    /// Loads the configuration that applies to `net`: explicit resolvers win over resolv.conf.
    pub fn load(net: &NetOptions) -> Self {
        let path = net
            .netns
            .as_deref()
            .and_then(crate::net::netns::resolv_conf)
            .unwrap_or_else(|| PathBuf::from("/etc/resolv.conf"));
        let mut conf = Self::parse(&std::fs::read_to_string(path).unwrap_or_default());
        if !net.resolvers.is_empty() {
            conf.servers = net.resolvers.clone();
        }
        conf
    }

    /// Parses resolv.conf text; with no `nameserver` line the C library's default (127.0.0.1) applies.
    pub fn parse(text: &str) -> Self {
        let mut conf = SystemConfig {
            ndots: 1,
            ..Default::default()
        };
        for line in text.lines() {
            let line = line.split(['#', ';']).next().unwrap_or("");
            let mut words = line.split_whitespace();
            match words.next() {
                Some("nameserver") => {
                    if let Some(ip) = words
                        .next()
                        .and_then(|w| w.split('%').next())
                        .and_then(|w| w.parse().ok())
                    {
                        conf.servers.push(SocketAddr::new(ip, 53));
                    }
                }
                Some("search") | Some("domain") => {
                    conf.search = words
                        .map(|w| w.trim_end_matches('.').to_ascii_lowercase())
                        .collect();
                }
                Some("options") => {
                    for opt in words {
                        if let Some(n) = opt.strip_prefix("ndots:").and_then(|n| n.parse().ok()) {
                            conf.ndots = n;
                        }
                    }
                }
                _ => {}
            }
        }
        if conf.servers.is_empty() {
            conf.servers.push(SocketAddr::from(([127, 0, 0, 1], 53)));
        }
        conf
    }

    /// The names to try for `name`, in order.
    pub fn candidates(&self, name: &str) -> Vec<String> {
        if let Some(abs) = name.strip_suffix('.') {
            return vec![abs.to_string()];
        }
        let dots = name.matches('.').count();
        let searched = self.search.iter().map(|d| format!("{name}.{d}"));
        if dots >= self.ndots {
            std::iter::once(name.to_string()).chain(searched).collect()
        } else {
            searched.chain(std::iter::once(name.to_string())).collect()
        }
    }
}

/// Looks a name up in a hosts file's text.
pub fn hosts_lookup(text: &str, name: &str, family: Family) -> Option<IpAddr> {
    let name = name.trim_end_matches('.');
    text.lines().find_map(|line| {
        let line = line.split('#').next().unwrap_or("");
        let mut words = line.split_whitespace();
        let ip: IpAddr = words.next()?.parse().ok()?;
        let fits = match family {
            Family::Any => true,
            Family::V4 => ip.is_ipv4(),
            Family::V6 => ip.is_ipv6(),
        };
        (fits && words.any(|w| w.eq_ignore_ascii_case(name))).then_some(ip)
    })
}

/// Resolves every name concurrently to one address (IPv4 first unless the family says otherwise).
pub async fn resolve_all(
    names: &[String],
    net: &NetOptions,
) -> HashMap<String, Result<IpAddr, String>> {
    let mut out = HashMap::with_capacity(names.len());
    let hosts_path = net
        .netns
        .as_deref()
        .map(|ns| PathBuf::from("/etc/netns").join(ns).join("hosts"))
        .filter(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("/etc/hosts"));
    let hosts = std::fs::read_to_string(hosts_path).unwrap_or_default();
    let conf = SystemConfig::load(net);
    let types: &[RecordType] = match net.family {
        Family::Any => &[RecordType::A, RecordType::AAAA],
        Family::V4 => &[RecordType::A],
        Family::V6 => &[RecordType::AAAA],
    };
    let mut questions = Vec::new();
    let mut pending: Vec<(&String, Vec<String>)> = Vec::new();
    for name in names {
        if let Some(ip) = hosts_lookup(&hosts, name, net.family) {
            out.insert(name.clone(), Ok(ip));
            continue;
        }
        let cands = conf.candidates(name);
        for c in &cands {
            for t in types {
                if let Ok(n) = super::fqdn(c) {
                    questions.push(Question { name: n, rtype: *t });
                }
            }
        }
        pending.push((name, cands));
    }
    if pending.is_empty() {
        return out;
    }
    let Some(server) = conf.servers.first().copied() else {
        return out;
    };
    let client = match Client::new(net, server, Duration::from_secs(2), 1, false) {
        Ok(c) => c,
        Err(e) => {
            for (name, _) in pending {
                out.insert(name.clone(), Err(format!("cannot resolve: {e}")));
            }
            return out;
        }
    };
    let mut answers: HashMap<(String, RecordType), Result<Vec<IpAddr>, String>> = HashMap::new();
    let cancel = CancellationToken::new();
    let _ = client
        .run(questions, 256, 0, &cancel, |_, q, outcome| {
            let key = (
                q.name.to_ascii().trim_end_matches('.').to_ascii_lowercase(),
                q.rtype,
            );
            let value = outcome.result.and_then(|reply| {
                let ips: Vec<IpAddr> = reply
                    .answers
                    .iter()
                    .filter_map(|r| match &r.data {
                        RData::A(a) => Some(IpAddr::V4(a.0)),
                        RData::AAAA(a) => Some(IpAddr::V6(a.0)),
                        _ => None,
                    })
                    .collect();
                if ips.is_empty() {
                    Err(super::format::rcode_name(reply.rcode))
                } else {
                    Ok(ips)
                }
            });
            answers.insert(key, value);
        })
        .await;
    for (name, cands) in pending {
        let mut why = None;
        let found = cands.iter().find_map(|c| {
            types
                .iter()
                .find_map(|t| match answers.get(&(c.to_ascii_lowercase(), *t)) {
                    Some(Ok(ips)) => ips.first().copied(),
                    Some(Err(e)) => {
                        why.get_or_insert_with(|| e.clone());
                        None
                    }
                    None => None,
                })
        });
        let result = found.ok_or_else(|| match why.as_deref() {
            Some("NOERROR") | None => format!("cannot resolve '{name}': no address records"),
            Some(code) if code.chars().all(|c| c.is_ascii_uppercase()) => {
                format!("cannot resolve '{name}': {code} from {server}")
            }
            Some(other) => format!("cannot resolve '{name}': {other}"),
        });
        out.insert(name.clone(), result);
    }
    out
}

/// Reverse names (PTR) of addresses, asked of the system's resolver; addresses without one are absent.
pub async fn reverse_names(addrs: &[IpAddr], net: &NetOptions) -> HashMap<IpAddr, String> {
    let mut out = HashMap::new();
    let conf = SystemConfig::load(net);
    let Some(server) = conf.servers.first().copied() else {
        return out;
    };
    let Ok(client) = Client::new(net, server, Duration::from_secs(2), 1, false) else {
        return out;
    };
    let questions: Vec<Question> = addrs
        .iter()
        .map(|ip| Question {
            name: (*ip).into(),
            rtype: RecordType::PTR,
        })
        .collect();
    let cancel = CancellationToken::new();
    let _ = client
        .run(questions, 256, 0, &cancel, |i, _, outcome| {
            let name = outcome.result.ok().and_then(|reply| {
                reply.answers.iter().find_map(|r| match &r.data {
                    RData::PTR(p) => Some(p.0.to_ascii().trim_end_matches('.').to_string()),
                    _ => None,
                })
            });
            if let Some(n) = name {
                out.insert(addrs[i], n);
            }
        })
        .await;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolv_conf_parsing() {
        let c = SystemConfig::parse(
            "# comment\nnameserver 198.18.0.53\nnameserver fe80::1%eth0\nsearch lab.test example.\noptions ndots:2 edns0\n",
        );
        assert_eq!(
            c.servers,
            vec![
                SocketAddr::from(([198, 18, 0, 53], 53)),
                "[fe80::1]:53".parse().unwrap_or(c.servers[0])
            ]
        );
        assert_eq!(c.search, ["lab.test", "example"]);
        assert_eq!(c.ndots, 2);
        assert_eq!(
            SystemConfig::parse("").servers,
            vec![SocketAddr::from(([127, 0, 0, 1], 53))]
        );
    }

    #[test]
    fn search_list_order() {
        let c = SystemConfig::parse("search lab.test\n");
        assert_eq!(c.candidates("h1"), ["h1.lab.test", "h1"]);
        assert_eq!(
            c.candidates("h1.lab.test"),
            ["h1.lab.test", "h1.lab.test.lab.test"]
        );
        assert_eq!(c.candidates("abs.example."), ["abs.example"]);
    }

    #[test]
    fn hosts_file() {
        let hosts = "127.0.0.1 localhost\n::1 localhost ip6-localhost\n# 10.0.0.1 commented\n198.18.0.20 h1 H1.lab.test\n";
        assert_eq!(
            hosts_lookup(hosts, "localhost", Family::Any),
            Some(IpAddr::from([127, 0, 0, 1]))
        );
        assert_eq!(
            hosts_lookup(hosts, "localhost", Family::V6),
            Some("::1".parse().unwrap_or(IpAddr::from([0; 4])))
        );
        assert_eq!(
            hosts_lookup(hosts, "h1.lab.test", Family::Any),
            Some(IpAddr::from([198, 18, 0, 20]))
        );
        assert_eq!(hosts_lookup(hosts, "commented", Family::Any), None);
    }
}
