//! Wire formats the probes build and parse: ICMP/ICMPv6, quoted IP headers, UDP and TCP. No I/O here.

pub mod checksum;
pub mod icmp;
pub mod l4;
