//! Socket creation with the run's interface binding (SO_BINDTODEVICE, which is also how a socket
//! joins a Linux VRF) and source address applied, and raw-socket privilege errors explained.

use crate::NetError;
use serde::{Deserialize, Serialize};
use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use std::io;
use std::net::{IpAddr, SocketAddr};

/// Address family preference when a name resolves to both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// IPv4 first, IPv6 when the name has no IPv4 address.
    #[default]
    Any,
    V4,
    V6,
}

/// Where a run's probes leave from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NetOptions {
    /// Network namespace to run in: a name under /run/netns (the CLI also takes a path; the API
    /// only names); empty or absent: the caller's own.
    #[serde(default)]
    pub netns: Option<String>,
    /// Interface or VRF device to bind every socket to.
    #[serde(default)]
    pub interface: Option<String>,
    /// Source address to send from.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub source: Option<IpAddr>,
    /// Family used for hostname targets.
    #[serde(default)]
    pub family: Family,
    /// DNS servers used to resolve hostname targets, as `IP:PORT` (empty: the system's).
    #[serde(default)]
    #[schema(value_type = Vec<String>, examples(json!(["192.0.2.53:53"])))]
    pub resolvers: Vec<SocketAddr>,
}

impl NetOptions {
    /// Checks the options before a run starts: the namespace exists, and the source, if given, is an address.
    pub fn check(&self) -> Result<(), NetError> {
        if let Some(ns) = &self.netns {
            crate::netns::check(ns)?;
        }
        if let Some(dev) = &self.interface
            && (dev.is_empty()
                || dev.len() >= libc::IFNAMSIZ
                || dev == "."
                || dev == ".."
                || dev
                    .chars()
                    .any(|c| c == '/' || c == ':' || c.is_whitespace() || c.is_control()))
        {
            return Err(NetError::Options(format!(
                "'{}' is not a valid interface name (1 to {} bytes; no '/', ':', spaces or \
                 control characters)",
                dev.escape_debug(),
                libc::IFNAMSIZ - 1
            )));
        }
        Ok(())
    }

    /// Creates a non-blocking socket bound to the interface and (when `bind_source`) the source address.
    pub fn socket(
        &self,
        v6: bool,
        ty: Type,
        proto: Protocol,
        bind_source: bool,
    ) -> Result<Socket, NetError> {
        let domain = if v6 { Domain::IPV6 } else { Domain::IPV4 };
        let sock = Socket::new(domain, ty.nonblocking().cloexec(), Some(proto))
            .map_err(|e| NetError::io(format!("open {} socket", describe(v6, ty, proto)), e))?;
        if let Some(dev) = &self.interface {
            sock.bind_device(Some(dev.as_bytes()))
                .map_err(|source| NetError::Interface {
                    name: dev.clone(),
                    source: explain_device(source),
                })?;
        }
        if bind_source && let Some(src) = self.source {
            if src.is_ipv6() != v6 {
                return Err(NetError::Options(format!(
                    "source address {src} is {} but the target is {}",
                    if src.is_ipv6() { "IPv6" } else { "IPv4" },
                    if v6 { "IPv6" } else { "IPv4" }
                )));
            }
            sock.bind(&SockAddr::from(SocketAddr::new(src, 0)))
                .map_err(|source| NetError::Source { addr: src, source })?;
        }
        Ok(sock)
    }

    /// The source address the kernel would use toward `dst` (honouring --source and --interface).
    pub fn route_source(&self, dst: IpAddr) -> Result<IpAddr, NetError> {
        if let Some(src) = self.source {
            return Ok(src);
        }
        let sock = self.socket(dst.is_ipv6(), Type::DGRAM, Protocol::UDP, false)?;
        sock.connect(&SockAddr::from(SocketAddr::new(dst, 9)))
            .map_err(|e| NetError::io(format!("find a route to {dst}"), e))?;
        let local = sock
            .local_addr()
            .map_err(|e| NetError::io("read the local address", e))?;
        local
            .as_socket()
            .map(|a| a.ip())
            .ok_or_else(|| NetError::Options(format!("no source address toward {dst}")))
    }
}

fn describe(v6: bool, ty: Type, proto: Protocol) -> String {
    let fam = if v6 { "IPv6" } else { "IPv4" };
    let kind = if ty == Type::RAW {
        "raw"
    } else if ty == Type::DGRAM {
        "datagram"
    } else {
        "stream"
    };
    let p = match proto {
        p if p == Protocol::ICMPV4 || p == Protocol::ICMPV6 => "ICMP",
        p if p == Protocol::UDP => "UDP",
        p if p == Protocol::TCP => "TCP",
        _ => "",
    };
    format!("{fam} {kind} {p}")
}

fn explain_device(e: io::Error) -> io::Error {
    match e.raw_os_error() {
        Some(libc::ENODEV) => {
            io::Error::new(e.kind(), "no such interface in this network namespace")
        }
        Some(libc::EPERM) => io::Error::new(e.kind(), "binding to an interface needs CAP_NET_RAW"),
        _ => e,
    }
}

/// Whether an error from opening a raw socket means "not permitted".
pub fn is_permission(e: &NetError) -> bool {
    matches!(e, NetError::Io { source, .. } if matches!(source.raw_os_error(), Some(libc::EPERM) | Some(libc::EACCES)))
}

/// Turns "not permitted" on a raw socket into the error that says which capability is missing
/// and how to grant it; other errors pass through.
pub fn needs_raw(e: NetError, what: &'static str, detail: &str, hint: &'static str) -> NetError {
    if is_permission(&e) {
        NetError::Privilege {
            what,
            detail: detail.to_string(),
            exe: exe_path(),
            hint,
        }
    } else {
        e
    }
}

/// The path of this executable, for the setcap hint.
pub fn exe_path() -> String {
    std::env::current_exe().map_or_else(
        |_| "$(command -v wirescope)".into(),
        |p| p.display().to_string(),
    )
}
