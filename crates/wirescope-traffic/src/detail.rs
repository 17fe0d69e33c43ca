//! One frame in detail, for the packet pane: its layers (Ethernet, 802.1Q, LLC, ARP, IPv4, IPv6,
//! ICMP, ICMPv6, TCP, UDP, and DNS, DHCP, SNMP, NTP, the TLS ClientHello's server name, HTTP
//! request lines, SSH banners, LLDP, CDP) with fields named as
//! Wireshark names them and the byte range each covers, so the hex pane can highlight it. Slower
//! and thorough where `dissect` is fast and terse; like it, every read is checked and what is cut
//! short says so.

use crate::classify::{self, App};
use serde::Serialize;

/// A field: its Wireshark name, the value shown, and where it sits in the frame.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Field {
    pub name: String,
    pub value: String,
    pub offset: usize,
    pub len: usize,
}

/// A protocol layer of the frame.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Layer {
    /// The Wireshark filter name: eth, ip, tcp, dns, ...
    pub protocol: String,
    /// What the tree shows: "Internet Protocol Version 4, Src: 10.0.0.1, Dst: 10.0.0.2".
    pub title: String,
    pub offset: usize,
    pub len: usize,
    pub fields: Vec<Field>,
}

/// A frame in detail.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct PacketDetail {
    pub no: u64,
    pub ts_ns: i64,
    pub len: u32,
    pub caplen: usize,
    pub linktype: u32,
    pub layers: Vec<Layer>,
    /// The bytes, hex.
    pub hex: String,
    /// Why dissection stopped early, if it did.
    pub malformed: Option<String>,
}

struct Walk<'a> {
    d: &'a [u8],
    layers: Vec<Layer>,
    malformed: Option<String>,
}

fn mac(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn be16(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*d.get(at)?, *d.get(at + 1)?]))
}

fn be32(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(d.get(at..at + 4)?.try_into().ok()?))
}

impl<'a> Walk<'a> {
    fn layer(&mut self, protocol: &str, title: String, offset: usize, len: usize) -> usize {
        self.layers.push(Layer {
            protocol: protocol.into(),
            title,
            offset,
            len,
            fields: Vec::new(),
        });
        self.layers.len() - 1
    }

    fn field(
        &mut self,
        layer: usize,
        name: &str,
        value: impl Into<String>,
        offset: usize,
        len: usize,
    ) {
        self.layers[layer].fields.push(Field {
            name: name.into(),
            value: value.into(),
            offset,
            len,
        });
    }

    fn cut(&mut self, what: &str, at: usize) {
        if self.malformed.is_none() {
            self.malformed = Some(format!("{what} cut short at byte {at}"));
        }
    }

    fn ethernet(&mut self, at: usize) {
        let d = self.d;
        let Some(t) = be16(d, at + 12) else {
            self.cut("Ethernet header", at);
            return;
        };
        let l = self.layer(
            "eth",
            format!(
                "Ethernet II, Src: {}, Dst: {}",
                mac(&d[at + 6..at + 12]),
                mac(&d[at..at + 6])
            ),
            at,
            14,
        );
        self.field(l, "eth.dst", mac(&d[at..at + 6]), at, 6);
        self.field(l, "eth.src", mac(&d[at + 6..at + 12]), at + 6, 6);
        if t <= 1500 {
            self.field(l, "eth.len", t.to_string(), at + 12, 2);
            self.llc(at + 14);
        } else {
            self.field(l, "eth.type", format!("0x{t:04x}"), at + 12, 2);
            self.ethertype(t, at + 14);
        }
    }

    fn llc(&mut self, at: usize) {
        let d = self.d;
        let Some(h) = d.get(at..at + 3) else {
            self.cut("LLC header", at);
            return;
        };
        let l = self.layer("llc", "Logical-Link Control".into(), at, 3);
        self.field(l, "llc.dsap", format!("0x{:02x}", h[0]), at, 1);
        self.field(l, "llc.ssap", format!("0x{:02x}", h[1]), at + 1, 1);
        if h == [0xaa, 0xaa, 0x03] {
            let (Some(oui), Some(pid)) = (d.get(at + 3..at + 6), be16(d, at + 6)) else {
                self.cut("SNAP header", at);
                return;
            };
            self.layers[l].len = 8;
            self.field(
                l,
                "llc.oui",
                format!("0x{}", mac(oui).replace(':', "")),
                at + 3,
                3,
            );
            self.field(l, "llc.pid", format!("0x{pid:04x}"), at + 6, 2);
            if oui == [0, 0, 0x0c] && pid == 0x2000 {
                let cdp = self.layer(
                    "cdp",
                    "Cisco Discovery Protocol".into(),
                    at + 8,
                    d.len() - (at + 8),
                );
                self.tlvs_cdp(cdp, at + 8);
            } else if oui == [0, 0, 0] {
                self.ethertype(pid, at + 8);
            }
        }
    }

    fn tlvs_cdp(&mut self, l: usize, at: usize) {
        let d = self.d;
        if let (Some(&v), Some(&ttl)) = (d.get(at), d.get(at + 1)) {
            self.field(l, "cdp.version", v.to_string(), at, 1);
            self.field(l, "cdp.ttl", ttl.to_string(), at + 1, 1);
        }
        let mut p = at + 4;
        while let (Some(t), Some(len)) = (be16(d, p), be16(d, p + 2)) {
            let len = usize::from(len);
            if len < 4 || p + len > d.len() {
                self.cut("CDP TLV", p);
                return;
            }
            let value = String::from_utf8_lossy(&d[p + 4..p + len]).to_string();
            let name = match t {
                1 => "cdp.deviceid",
                3 => "cdp.portid",
                5 => "cdp.software_version",
                6 => "cdp.platform",
                _ => "cdp.tlv",
            };
            self.field(l, name, value, p, len);
            p += len;
        }
    }

    fn ethertype(&mut self, mut t: u16, mut at: usize) {
        let d = self.d;
        // Stacked tags are walked in a loop, not by recursion: a hostile frame can hold tens of
        // thousands of them.
        while matches!(t, 0x8100 | 0x88a8 | 0x9100) {
            let (Some(tci), Some(next)) = (be16(d, at), be16(d, at + 2)) else {
                self.cut("802.1Q tag", at);
                return;
            };
            let l = self.layer(
                "vlan",
                format!("802.1Q Virtual LAN, ID: {}", tci & 0x0fff),
                at,
                4,
            );
            self.field(l, "vlan.id", (tci & 0x0fff).to_string(), at, 2);
            self.field(l, "vlan.priority", (tci >> 13).to_string(), at, 2);
            self.field(l, "vlan.etype", format!("0x{next:04x}"), at + 2, 2);
            t = next;
            at += 4;
        }
        match t {
            0x0800 => self.ipv4(at),
            0x86dd => self.ipv6(at),
            0x0806 => self.arp(at),
            0x88cc => self.lldp(at),
            _ => self.data(at),
        }
    }

    fn arp(&mut self, at: usize) {
        let d = self.d;
        let (Some(op), Some(sha), Some(spa), Some(tpa)) = (
            be16(d, at + 6),
            d.get(at + 8..at + 14),
            d.get(at + 14..at + 18),
            d.get(at + 24..at + 28),
        ) else {
            self.cut("ARP", at);
            return;
        };
        let ip = |b: &[u8]| format!("{}.{}.{}.{}", b[0], b[1], b[2], b[3]);
        let title = match op {
            1 => format!(
                "Address Resolution Protocol (request): who has {}? Tell {}",
                ip(tpa),
                ip(spa)
            ),
            2 => format!(
                "Address Resolution Protocol (reply): {} is at {}",
                ip(spa),
                mac(sha)
            ),
            _ => "Address Resolution Protocol".into(),
        };
        let l = self.layer("arp", title, at, 28);
        self.field(l, "arp.opcode", op.to_string(), at + 6, 2);
        self.field(l, "arp.src.hw_mac", mac(sha), at + 8, 6);
        self.field(l, "arp.src.proto_ipv4", ip(spa), at + 14, 4);
        self.field(l, "arp.dst.proto_ipv4", ip(tpa), at + 24, 4);
    }

    fn lldp(&mut self, at: usize) {
        let d = self.d;
        let l = self.layer(
            "lldp",
            "Link Layer Discovery Protocol".into(),
            at,
            d.len() - at,
        );
        let mut p = at;
        while let Some(h) = be16(d, p) {
            let (t, len) = (h >> 9, usize::from(h & 0x1ff));
            if t == 0 {
                break;
            }
            let Some(v) = d.get(p + 2..p + 2 + len) else {
                self.cut("LLDP TLV", p);
                return;
            };
            let text = |b: &[u8]| {
                String::from_utf8_lossy(b)
                    .trim_end_matches('\0')
                    .to_string()
            };
            match t {
                1 if len == 7 && v[0] == 4 => {
                    self.field(l, "lldp.chassis.id.mac", mac(&v[1..]), p, len + 2)
                }
                1 => self.field(
                    l,
                    "lldp.chassis.id",
                    text(v.get(1..).unwrap_or_default()),
                    p,
                    len + 2,
                ),
                2 => self.field(
                    l,
                    "lldp.port.id",
                    text(v.get(1..).unwrap_or_default()),
                    p,
                    len + 2,
                ),
                3 => self.field(
                    l,
                    "lldp.time_to_live",
                    be16(v, 0).unwrap_or(0).to_string(),
                    p,
                    len + 2,
                ),
                4 => self.field(l, "lldp.port.desc", text(v), p, len + 2),
                5 => self.field(l, "lldp.tlv.system.name", text(v), p, len + 2),
                6 => self.field(l, "lldp.tlv.system.desc", text(v), p, len + 2),
                _ => self.field(l, "lldp.tlv.type", t.to_string(), p, len + 2),
            }
            p += 2 + len;
        }
    }

    fn ipv4(&mut self, at: usize) {
        let d = self.d;
        let Some(h) = d.get(at..at + 20) else {
            self.cut("IPv4 header", at);
            return;
        };
        let ihl = usize::from(h[0] & 0x0f) * 4;
        let total = usize::from(u16::from_be_bytes([h[2], h[3]]));
        if ihl < 20 || d.len() < at + ihl {
            self.cut("IPv4 header", at);
            return;
        }
        let ip = |b: &[u8]| format!("{}.{}.{}.{}", b[0], b[1], b[2], b[3]);
        let (src, dst) = (ip(&h[12..16]), ip(&h[16..20]));
        let l = self.layer(
            "ip",
            format!("Internet Protocol Version 4, Src: {src}, Dst: {dst}"),
            at,
            ihl,
        );
        self.field(l, "ip.hdr_len", ihl.to_string(), at, 1);
        self.field(l, "ip.dsfield", format!("0x{:02x}", h[1]), at + 1, 1);
        self.field(l, "ip.len", total.to_string(), at + 2, 2);
        self.field(
            l,
            "ip.id",
            format!("0x{:04x}", u16::from_be_bytes([h[4], h[5]])),
            at + 4,
            2,
        );
        let ff = u16::from_be_bytes([h[6], h[7]]);
        self.field(
            l,
            "ip.flags.df",
            u8::from(ff & 0x4000 != 0).to_string(),
            at + 6,
            1,
        );
        self.field(
            l,
            "ip.flags.mf",
            u8::from(ff & 0x2000 != 0).to_string(),
            at + 6,
            1,
        );
        self.field(
            l,
            "ip.frag_offset",
            ((ff & 0x1fff) * 8).to_string(),
            at + 6,
            2,
        );
        self.field(l, "ip.ttl", h[8].to_string(), at + 8, 1);
        self.field(l, "ip.proto", h[9].to_string(), at + 9, 1);
        self.field(
            l,
            "ip.checksum",
            format!("0x{:04x}", u16::from_be_bytes([h[10], h[11]])),
            at + 10,
            2,
        );
        self.field(l, "ip.src", src, at + 12, 4);
        self.field(l, "ip.dst", dst, at + 16, 4);
        if ff & 0x1fff != 0 {
            self.data(at + ihl);
            return;
        }
        let end = if total >= ihl {
            (at + total).min(d.len())
        } else {
            d.len()
        };
        self.transport(h[9], at + ihl, end, false);
    }

    fn ipv6(&mut self, at: usize) {
        let d = self.d;
        let Some(h) = d.get(at..at + 40) else {
            self.cut("IPv6 header", at);
            return;
        };
        let a = |b: &[u8]| {
            std::net::Ipv6Addr::from(<[u8; 16]>::try_from(b).unwrap_or([0; 16])).to_string()
        };
        let (src, dst) = (a(&h[8..24]), a(&h[24..40]));
        let plen = usize::from(u16::from_be_bytes([h[4], h[5]]));
        let l = self.layer(
            "ipv6",
            format!("Internet Protocol Version 6, Src: {src}, Dst: {dst}"),
            at,
            40,
        );
        self.field(l, "ipv6.plen", plen.to_string(), at + 4, 2);
        self.field(l, "ipv6.nxt", h[6].to_string(), at + 6, 1);
        self.field(l, "ipv6.hlim", h[7].to_string(), at + 7, 1);
        self.field(l, "ipv6.src", src, at + 8, 16);
        self.field(l, "ipv6.dst", dst, at + 24, 16);
        let end = (at + 40 + plen).min(d.len());
        let (mut next, mut p) = (h[6], at + 40);
        while matches!(next, 0 | 43 | 60) {
            let (Some(&nh), Some(&len)) = (d.get(p), d.get(p + 1)) else {
                self.cut("IPv6 extension header", p);
                return;
            };
            self.field(
                l,
                "ipv6.ext",
                format!("next header {nh}"),
                p,
                (usize::from(len) + 1) * 8,
            );
            next = nh;
            p += (usize::from(len) + 1) * 8;
        }
        self.transport(next, p, end, true);
    }

    fn transport(&mut self, proto: u8, at: usize, end: usize, v6: bool) {
        let d = self.d;
        if at > end {
            self.cut("transport header", at);
            return;
        }
        match proto {
            6 => {
                let Some(h) = d.get(at..at + 20) else {
                    self.cut("TCP header", at);
                    return;
                };
                let (sp, dp) = (
                    u16::from_be_bytes([h[0], h[1]]),
                    u16::from_be_bytes([h[2], h[3]]),
                );
                let hlen = usize::from(h[12] >> 4) * 4;
                let flags = h[13];
                let names: Vec<&str> = [
                    (0x02, "SYN"),
                    (0x10, "ACK"),
                    (0x08, "PSH"),
                    (0x01, "FIN"),
                    (0x04, "RST"),
                    (0x20, "URG"),
                ]
                .iter()
                .filter(|(b, _)| flags & b != 0)
                .map(|(_, n)| *n)
                .collect();
                let l = self.layer(
                    "tcp",
                    format!("Transmission Control Protocol, Src Port: {sp}, Dst Port: {dp}, Flags: [{}]", names.join(", ")),
                    at,
                    hlen.max(20),
                );
                self.field(l, "tcp.srcport", sp.to_string(), at, 2);
                self.field(l, "tcp.dstport", dp.to_string(), at + 2, 2);
                self.field(
                    l,
                    "tcp.seq_raw",
                    be32(h, 4).unwrap_or(0).to_string(),
                    at + 4,
                    4,
                );
                self.field(
                    l,
                    "tcp.ack_raw",
                    be32(h, 8).unwrap_or(0).to_string(),
                    at + 8,
                    4,
                );
                self.field(l, "tcp.hdr_len", hlen.to_string(), at + 12, 1);
                self.field(
                    l,
                    "tcp.flags",
                    format!("0x{flags:03x} ({})", names.join(", ")),
                    at + 12,
                    2,
                );
                self.field(
                    l,
                    "tcp.window_size_value",
                    u16::from_be_bytes([h[14], h[15]]).to_string(),
                    at + 14,
                    2,
                );
                if hlen > 20 && at + hlen <= end {
                    self.field(
                        l,
                        "tcp.options",
                        format!("{} bytes", hlen - 20),
                        at + 20,
                        hlen - 20,
                    );
                    self.tcp_options(l, at + 20, at + hlen);
                }
                if hlen < 20 || at + hlen > end {
                    self.cut("TCP header", at);
                    return;
                }
                self.application(sp, dp, true, at + hlen, end);
            }
            17 => {
                let (Some(sp), Some(dp), Some(ulen)) =
                    (be16(d, at), be16(d, at + 2), be16(d, at + 4))
                else {
                    self.cut("UDP header", at);
                    return;
                };
                let l = self.layer(
                    "udp",
                    format!("User Datagram Protocol, Src Port: {sp}, Dst Port: {dp}"),
                    at,
                    8,
                );
                self.field(l, "udp.srcport", sp.to_string(), at, 2);
                self.field(l, "udp.dstport", dp.to_string(), at + 2, 2);
                self.field(l, "udp.length", ulen.to_string(), at + 4, 2);
                let end = (at + usize::from(ulen).max(8)).min(end);
                self.application(sp, dp, false, at + 8, end);
            }
            1 if !v6 => self.icmp("icmp", "Internet Control Message Protocol", at, end),
            58 if v6 => self.icmp("icmpv6", "Internet Control Message Protocol v6", at, end),
            _ => self.data(at),
        }
    }

    /// TCP options as Wireshark names them: MSS, window scale, SACK, timestamps.
    fn tcp_options(&mut self, l: usize, mut at: usize, end: usize) {
        let d = self.d;
        while at < end {
            let Some(&kind) = d.get(at) else { return };
            match kind {
                0 => return,
                1 => {
                    at += 1;
                    continue;
                }
                _ => {}
            }
            let Some(&len) = d.get(at + 1) else { return };
            let len = usize::from(len);
            if len < 2 || at + len > end {
                self.field(
                    l,
                    "_ws.malformed",
                    format!("TCP option {kind} with length {len}"),
                    at,
                    end - at,
                );
                if self.malformed.is_none() {
                    self.malformed = Some(format!("TCP option at byte {at}: bad length {len}"));
                }
                return;
            }
            let v = &d[at + 2..at + len];
            match (kind, v.len()) {
                (2, 2) => self.field(
                    l,
                    "tcp.options.mss_val",
                    u16::from_be_bytes([v[0], v[1]]).to_string(),
                    at,
                    len,
                ),
                (3, 1) => self.field(l, "tcp.options.wscale.shift", v[0].to_string(), at, len),
                (4, 0) => self.field(l, "tcp.options.sack_perm", "1", at, len),
                (5, n) if n % 8 == 0 => {
                    let blocks: Vec<String> = v
                        .chunks_exact(8)
                        .map(|c| {
                            format!(
                                "{}-{}",
                                u32::from_be_bytes([c[0], c[1], c[2], c[3]]),
                                u32::from_be_bytes([c[4], c[5], c[6], c[7]])
                            )
                        })
                        .collect();
                    self.field(l, "tcp.options.sack", blocks.join(" "), at, len);
                }
                (8, 8) => {
                    let tsval = u32::from_be_bytes([v[0], v[1], v[2], v[3]]);
                    let tsecr = u32::from_be_bytes([v[4], v[5], v[6], v[7]]);
                    self.field(l, "tcp.options.timestamp.tsval", tsval.to_string(), at, len);
                    self.field(l, "tcp.options.timestamp.tsecr", tsecr.to_string(), at, len);
                }
                _ => self.field(l, "tcp.option_kind", kind.to_string(), at, len),
            }
            at += len;
        }
    }

    fn icmp(&mut self, proto: &str, name: &str, at: usize, end: usize) {
        let d = self.d;
        let (Some(&t), Some(&c)) = (d.get(at), d.get(at + 1)) else {
            self.cut("ICMP header", at);
            return;
        };
        let l = self.layer(
            proto,
            format!("{name}, type {t}, code {c}"),
            at,
            8.min(end.saturating_sub(at)),
        );
        self.field(l, &format!("{proto}.type"), t.to_string(), at, 1);
        self.field(l, &format!("{proto}.code"), c.to_string(), at + 1, 1);
        let echo = matches!((proto, t), ("icmp", 0 | 8) | ("icmpv6", 128 | 129));
        if echo && let (Some(id), Some(seq)) = (be16(d, at + 4), be16(d, at + 6)) {
            self.field(l, &format!("{proto}.ident"), id.to_string(), at + 4, 2);
            self.field(l, &format!("{proto}.seq"), seq.to_string(), at + 6, 2);
        }
        if at + 8 < end {
            self.data(at + 8);
        }
    }

    fn application(&mut self, sp: u16, dp: u16, tcp: bool, at: usize, end: usize) {
        let d = self.d;
        if at >= end {
            return;
        }
        let p = &d[at..end];
        let app = if tcp {
            classify::tcp(sp, dp, p)
        } else {
            classify::udp(sp, dp)
        };
        match app {
            Some(App::Dhcp) => self.dhcp(p, at),
            Some(App::Snmp) => self.snmp(p, at),
            Some(App::Ntp) => self.ntp(p, at),
            Some(App::Tls) => self.tls(p, at),
            Some(app @ (App::Dns | App::Mdns)) => {
                // DNS over TCP has a two-byte length first.
                let (msg, off) = if tcp {
                    (p.get(2..).unwrap_or_default(), at + 2)
                } else {
                    (p, at)
                };
                self.dns(msg, off, app == App::Mdns);
            }
            Some(App::Ssh) => {
                let line = p.split(|b| *b == b'\n').next().unwrap_or_default();
                if line.starts_with(b"SSH-") {
                    let l = self.layer("ssh", "SSH Protocol".into(), at, p.len());
                    self.field(
                        l,
                        "ssh.protocol",
                        String::from_utf8_lossy(line).trim_end().to_string(),
                        at,
                        line.len(),
                    );
                } else {
                    self.layer("ssh", "SSH Protocol (encrypted packet)".into(), at, p.len());
                }
            }
            Some(App::Http) => {
                let text = String::from_utf8_lossy(p);
                let mut lines = text.split("\r\n");
                let first = lines.next().unwrap_or_default().to_string();
                let l = self.layer(
                    "http",
                    format!("Hypertext Transfer Protocol: {first}"),
                    at,
                    p.len(),
                );
                let name = if first.starts_with("HTTP/") {
                    "http.response.line"
                } else {
                    "http.request.line"
                };
                self.field(l, name, first.clone(), at, first.len());
                if let Some(host) = lines.find_map(|h| h.strip_prefix("Host: ")) {
                    self.field(l, "http.host", host, at, p.len());
                }
            }
            None => self.data(at),
        }
    }

    /// A DNS message (mDNS too: the same format, its own protocol name; the fields are dns.*
    /// as Wireshark names them for both).
    fn dns(&mut self, msg: &[u8], at: usize, mdns: bool) {
        use hickory_proto::op::Message;
        let (protocol, name) = if mdns {
            ("mdns", "Multicast Domain Name System")
        } else {
            ("dns", "Domain Name System")
        };
        match Message::from_vec(msg) {
            Ok(m) => {
                let kind = if m.metadata.message_type == hickory_proto::op::MessageType::Response {
                    "response"
                } else {
                    "query"
                };
                let l = self.layer(
                    protocol,
                    format!("{name} ({kind}), id 0x{:04x}", m.metadata.id),
                    at,
                    msg.len(),
                );
                self.field(l, "dns.id", format!("0x{:04x}", m.metadata.id), at, 2);
                self.field(
                    l,
                    "dns.flags.rcode",
                    m.metadata.response_code.to_string(),
                    at + 2,
                    2,
                );
                for q in &m.queries {
                    self.field(
                        l,
                        "dns.qry.name",
                        q.name().to_string(),
                        at + 12,
                        msg.len().saturating_sub(12),
                    );
                    self.field(
                        l,
                        "dns.qry.type",
                        q.query_type().to_string(),
                        at + 12,
                        msg.len().saturating_sub(12),
                    );
                }
                for a in &m.answers {
                    self.field(
                        l,
                        "dns.resp",
                        format!("{} {} {}", a.name, a.record_type(), a.data),
                        at + 12,
                        msg.len().saturating_sub(12),
                    );
                }
            }
            Err(e) => {
                let l = self.layer(protocol, format!("{name} (malformed)"), at, msg.len());
                self.field(l, "_ws.malformed", e.to_string(), at, msg.len());
                if self.malformed.is_none() {
                    self.malformed = Some(format!("DNS at byte {at}: {e}"));
                }
            }
        }
    }

    fn dhcp(&mut self, p: &[u8], at: usize) {
        let (Some(&op), Some(xid), Some(yi), Some(ch)) =
            (p.first(), be32(p, 4), p.get(16..20), p.get(28..34))
        else {
            self.cut("DHCP message", at);
            return;
        };
        let mut kind = None;
        let mut fields = Vec::new();
        if p.get(236..240) == Some(&[99, 130, 83, 99][..]) {
            let mut o = 240;
            while let Some(&code) = p.get(o) {
                if code == 255 {
                    break;
                }
                if code == 0 {
                    o += 1;
                    continue;
                }
                let Some(&len) = p.get(o + 1) else { break };
                let Some(v) = p.get(o + 2..o + 2 + usize::from(len)) else {
                    break;
                };
                match code {
                    53 => {
                        let names = [
                            "", "Discover", "Offer", "Request", "Decline", "ACK", "NAK", "Release",
                            "Inform",
                        ];
                        kind = v.first().map(|t| {
                            names
                                .get(usize::from(*t))
                                .copied()
                                .unwrap_or("?")
                                .to_string()
                        });
                    }
                    12 => fields.push((
                        "dhcp.option.hostname",
                        String::from_utf8_lossy(v).into_owned(),
                        o,
                    )),
                    50 if len == 4 => fields.push((
                        "dhcp.option.requested_ip_address",
                        format!("{}.{}.{}.{}", v[0], v[1], v[2], v[3]),
                        o,
                    )),
                    _ => {}
                }
                o += 2 + usize::from(len);
            }
        }
        let title = format!(
            "Dynamic Host Configuration Protocol ({})",
            kind.clone().unwrap_or_else(|| if op == 1 {
                "request".into()
            } else {
                "reply".into()
            })
        );
        let l = self.layer("dhcp", title, at, p.len());
        self.field(
            l,
            "dhcp.type",
            if op == 1 {
                "Boot Request"
            } else {
                "Boot Reply"
            },
            at,
            1,
        );
        self.field(l, "dhcp.id", format!("0x{xid:08x}"), at + 4, 4);
        self.field(
            l,
            "dhcp.ip.your",
            format!("{}.{}.{}.{}", yi[0], yi[1], yi[2], yi[3]),
            at + 16,
            4,
        );
        self.field(l, "dhcp.hw.mac_addr", mac(ch), at + 28, 6);
        if let Some(k) = kind {
            self.field(l, "dhcp.option.dhcp", k, at + 240, 3);
        }
        for (name, value, o) in fields {
            self.field(l, name, value, at + o, 2);
        }
    }

    /// SNMP: version and PDU type from the outer BER (the community is shown as Wireshark shows
    /// it, since it crossed the wire in clear; v3 messages are named, not decrypted).
    fn snmp(&mut self, p: &[u8], at: usize) {
        // A BER length: short form, or long form of up to 4 bytes; returns (length, header size).
        fn len(p: &[u8], i: usize) -> Option<(usize, usize)> {
            let b = *p.get(i)?;
            if b < 0x80 {
                return Some((usize::from(b), 1));
            }
            let n = usize::from(b & 0x7f);
            if n == 0 || n > 4 {
                return None;
            }
            let v = p
                .get(i + 1..i + 1 + n)?
                .iter()
                .fold(0usize, |a, x| (a << 8) | usize::from(*x));
            Some((v, 1 + n))
        }
        let parsed = (|| {
            if *p.first()? != 0x30 {
                return None;
            }
            let (_, h) = len(p, 1)?;
            let mut i = 1 + h;
            if *p.get(i)? != 0x02 {
                return None;
            }
            let (vl, vh) = len(p, i + 1)?;
            let version = *p.get(i + 1 + vh + vl - 1)?;
            i += 1 + vh + vl;
            if version == 3 {
                return Some((version, None, None));
            }
            if *p.get(i)? != 0x04 {
                return None;
            }
            let (cl, ch) = len(p, i + 1)?;
            let community =
                String::from_utf8_lossy(p.get(i + 1 + ch..i + 1 + ch + cl)?).into_owned();
            i += 1 + ch + cl;
            Some((version, Some(community), Some((*p.get(i)?, i))))
        })();
        let Some((version, community, pdu)) = parsed else {
            let l = self.layer(
                "snmp",
                "Simple Network Management Protocol (malformed)".into(),
                at,
                p.len(),
            );
            self.field(l, "_ws.malformed", "not a BER SNMP message", at, p.len());
            if self.malformed.is_none() {
                self.malformed = Some(format!("SNMP at byte {at}: not a BER message"));
            }
            return;
        };
        let vname = match version {
            0 => "v1",
            1 => "v2c",
            3 => "v3",
            _ => "?",
        };
        let pdu_name = pdu.map(|(t, _)| match t {
            0xa0 => "get-request",
            0xa1 => "get-next-request",
            0xa2 => "get-response",
            0xa3 => "set-request",
            0xa4 => "trap",
            0xa5 => "getBulkRequest",
            0xa6 => "informRequest",
            0xa7 => "snmpV2-trap",
            0xa8 => "report",
            _ => "unknown PDU",
        });
        let l = self.layer(
            "snmp",
            format!(
                "Simple Network Management Protocol, {vname}{}",
                pdu_name.map(|n| format!(", {n}")).unwrap_or_default()
            ),
            at,
            p.len(),
        );
        self.field(l, "snmp.version", vname, at, p.len().min(5));
        if let Some(c) = community {
            self.field(l, "snmp.community", c, at, p.len());
        }
        if let (Some(n), Some((_, i))) = (pdu_name, pdu) {
            self.field(l, "snmp.data", n, at + i, p.len() - i);
        }
    }

    fn ntp(&mut self, p: &[u8], at: usize) {
        let (Some(&b0), Some(&stratum)) = (p.first(), p.get(1)) else {
            self.cut("NTP message", at);
            return;
        };
        let mode = match b0 & 7 {
            1 => "symmetric active",
            2 => "symmetric passive",
            3 => "client",
            4 => "server",
            5 => "broadcast",
            6 => "control",
            _ => "reserved",
        };
        let l = self.layer(
            "ntp",
            format!(
                "Network Time Protocol (NTP Version {}, {mode})",
                (b0 >> 3) & 7
            ),
            at,
            p.len(),
        );
        self.field(l, "ntp.flags.vn", ((b0 >> 3) & 7).to_string(), at, 1);
        self.field(l, "ntp.flags.mode", mode, at, 1);
        self.field(l, "ntp.stratum", stratum.to_string(), at + 1, 1);
    }

    /// TLS: the record, and a ClientHello's server name (SNI).
    fn tls(&mut self, p: &[u8], at: usize) {
        let (Some(&ct), Some(ver), Some(rlen)) = (p.first(), be16(p, 1), be16(p, 3)) else {
            self.cut("TLS record", at);
            return;
        };
        if !(20..=23).contains(&ct) || ver >> 8 != 3 {
            self.layers.push(Layer {
                protocol: "tls".into(),
                title: "Transport Layer Security (continuation data)".into(),
                offset: at,
                len: p.len(),
                fields: Vec::new(),
            });
            return;
        }
        let kind = match ct {
            20 => "Change Cipher Spec",
            21 => "Alert",
            22 => "Handshake",
            _ => "Application Data",
        };
        let l = self.layer(
            "tls",
            format!("Transport Layer Security, {kind}"),
            at,
            p.len(),
        );
        self.field(l, "tls.record.content_type", ct.to_string(), at, 1);
        self.field(l, "tls.record.version", format!("0x{ver:04x}"), at + 1, 2);
        self.field(l, "tls.record.length", rlen.to_string(), at + 3, 2);
        if ct != 22 || p.get(5) != Some(&1) {
            return;
        }
        self.field(l, "tls.handshake.type", "Client Hello (1)", at + 5, 1);
        // ClientHello: version(2) random(32) session id, cipher suites, compression, extensions.
        let sni = (|| {
            let mut i = 5 + 4 + 2 + 32;
            i += 1 + usize::from(*p.get(i)?);
            i += 2 + usize::from(be16(p, i)?);
            i += 1 + usize::from(*p.get(i)?);
            let end = (i + 2 + usize::from(be16(p, i)?)).min(p.len());
            i += 2;
            while i + 4 <= end {
                let (t, l) = (be16(p, i)?, usize::from(be16(p, i + 2)?));
                if t == 0 {
                    // server_name_list: length(2), type(1), name length(2), name
                    let n = usize::from(be16(p, i + 7)?);
                    let name = p.get(i + 9..i + 9 + n)?;
                    return Some((String::from_utf8_lossy(name).into_owned(), i + 9, n));
                }
                i += 4 + l;
            }
            None
        })();
        if let Some((name, off, n)) = sni {
            self.layers[l].title = format!("Transport Layer Security, Client Hello (SNI={name})");
            self.field(l, "tls.handshake.extensions_server_name", name, at + off, n);
        }
    }

    fn data(&mut self, at: usize) {
        if at < self.d.len() {
            let n = self.d.len() - at;
            let l = self.layer("data", format!("Data ({n} bytes)"), at, n);
            self.field(l, "data.len", n.to_string(), at, n);
        }
    }
}

/// Dissects one frame for the detail pane.
pub fn detail(no: u64, ts_ns: i64, len: u32, linktype: u32, data: &[u8]) -> PacketDetail {
    use crate::read::linktype as lt;
    let mut w = Walk {
        d: data,
        layers: Vec::new(),
        malformed: None,
    };
    match linktype {
        lt::ETHERNET => w.ethernet(0),
        lt::LINUX_SLL | lt::LINUX_SLL2 => {
            let (hdr, proto_at) = if linktype == lt::LINUX_SLL {
                (16, 14)
            } else {
                (20, 0)
            };
            match be16(data, proto_at) {
                Some(t) if data.len() >= hdr => {
                    let l = w.layer("sll", "Linux cooked capture".into(), 0, hdr);
                    w.field(l, "sll.etype", format!("0x{t:04x}"), proto_at, 2);
                    if t == 0x0004 {
                        w.llc(hdr);
                    } else {
                        w.ethertype(t, hdr);
                    }
                }
                _ => w.cut("Linux cooked header", 0),
            }
        }
        lt::RAW | lt::RAW_12 | lt::RAW_14 | lt::IPV4 | lt::IPV6 => {
            match data.first().map(|b| b >> 4) {
                Some(4) => w.ipv4(0),
                Some(6) => w.ipv6(0),
                _ => w.cut("IP header", 0),
            }
        }
        lt::NULL | lt::LOOP => match data.get(..4) {
            Some(h) => {
                let family = if linktype == lt::LOOP {
                    u32::from_be_bytes([h[0], h[1], h[2], h[3]])
                } else {
                    u32::from_le_bytes([h[0], h[1], h[2], h[3]])
                };
                let l = w.layer("null", "Null/Loopback".into(), 0, 4);
                w.field(l, "null.family", family.to_string(), 0, 4);
                match family {
                    2 => w.ipv4(4),
                    10 | 24 | 28 | 30 => w.ipv6(4),
                    _ => w.data(4),
                }
            }
            None => w.cut("loopback header", 0),
        },
        _ => w.data(0),
    }
    PacketDetail {
        no,
        ts_ns,
        len,
        caplen: data.len(),
        linktype,
        hex: data.iter().map(|b| format!("{b:02x}")).collect(),
        layers: w.layers,
        malformed: w.malformed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An Ethernet/IPv4 frame carrying `payload` over UDP or TCP between the given ports.
    fn frame(tcp: bool, sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
        let mut f = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00];
        let l4 = if tcp { 20 } else { 8 };
        let total = (20 + l4 + payload.len()) as u16;
        f.extend_from_slice(&[0x45, 0]);
        f.extend_from_slice(&total.to_be_bytes());
        let proto = if tcp { 6 } else { 17 };
        f.extend_from_slice(&[
            0, 1, 0x40, 0, 64, proto, 0, 0, 198, 18, 0, 10, 198, 18, 0, 53,
        ]);
        f.extend_from_slice(&sport.to_be_bytes());
        f.extend_from_slice(&dport.to_be_bytes());
        if tcp {
            f.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0]);
        } else {
            f.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
            f.extend_from_slice(&[0, 0]);
        }
        f.extend_from_slice(payload);
        f
    }

    #[test]
    fn the_packet_list_and_the_detail_name_a_frame_alike() {
        let dns = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x02h1\x00\x00\x01\x00\x01";
        let cases: [(&[u8], &str); 5] = [
            (&frame(false, 5353, 5353, dns), "mdns"),
            (&frame(false, 40000, 53, dns), "dns"),
            (
                &frame(true, 51000, 80, b"GET / HTTP/1.1\r\nHost: h1\r\n\r\n"),
                "http",
            ),
            (&frame(true, 80, 51000, b"HTTP/1.1 200 OK\r\n\r\n"), "http"),
            (&frame(true, 51000, 9000, b"GET / HTTP/1.1\r\n\r\n"), "data"),
        ];
        for (f, want) in cases {
            let listed = crate::dissect::Dissector::new().frame(1, f);
            let list: Vec<&str> = crate::dissect::names(listed.protos).collect();
            let d = detail(1, 0, f.len() as u32, 1, f);
            let tree = d.layers.last().map(|l| l.protocol.as_str());
            assert_eq!(
                (list.last().copied(), tree),
                (Some(want), Some(want)),
                "list {list:?}, tree {:?}",
                d.layers.iter().map(|l| &l.protocol).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn a_dns_query_in_layers_with_byte_ranges() {
        let mut f = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00];
        let mut dns = vec![0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        dns.extend_from_slice(b"\x02h1\x03lab\x04test\x00\x00\x01\x00\x01");
        let udp_len = (8 + dns.len()) as u16;
        let total = 20 + udp_len;
        f.extend_from_slice(&[0x45, 0]);
        f.extend_from_slice(&total.to_be_bytes());
        f.extend_from_slice(&[0, 1, 0x40, 0, 64, 17, 0, 0, 198, 18, 0, 10, 198, 18, 0, 53]);
        f.extend_from_slice(&40000u16.to_be_bytes());
        f.extend_from_slice(&53u16.to_be_bytes());
        f.extend_from_slice(&udp_len.to_be_bytes());
        f.extend_from_slice(&[0, 0]);
        f.extend_from_slice(&dns);
        let d = detail(7, 0, f.len() as u32, 1, &f);
        let protos: Vec<&str> = d.layers.iter().map(|l| l.protocol.as_str()).collect();
        assert_eq!(protos, ["eth", "ip", "udp", "dns"]);
        let field = |name: &str| {
            d.layers
                .iter()
                .flat_map(|l| &l.fields)
                .find(|f| f.name == name)
                .unwrap_or_else(|| panic!("{name}"))
                .clone()
        };
        assert_eq!(
            (field("ip.src").value.as_str(), field("ip.src").offset),
            ("198.18.0.10", 26)
        );
        assert_eq!(field("udp.dstport").value, "53");
        assert_eq!(field("dns.qry.name").value, "h1.lab.test.");
        assert_eq!(field("dns.qry.type").value, "A");
        assert_eq!(field("ip.flags.df").value, "1");
        assert!(d.malformed.is_none());
        assert_eq!(d.hex.len(), f.len() * 2);
    }

    fn udp_to(dport: u16, payload: &[u8]) -> Vec<u8> {
        let mut f = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00];
        let ulen = (8 + payload.len()) as u16;
        f.extend_from_slice(&[0x45, 0]);
        f.extend_from_slice(&(20 + ulen).to_be_bytes());
        f.extend_from_slice(&[0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
        f.extend_from_slice(&50000u16.to_be_bytes());
        f.extend_from_slice(&dport.to_be_bytes());
        f.extend_from_slice(&ulen.to_be_bytes());
        f.extend_from_slice(&[0, 0]);
        f.extend_from_slice(payload);
        f
    }

    fn field_of(d: &PacketDetail, name: &str) -> Option<String> {
        d.layers
            .iter()
            .flat_map(|l| &l.fields)
            .find(|f| f.name == name)
            .map(|f| f.value.clone())
    }

    #[test]
    fn tcp_options_as_wireshark_names_them() {
        let mut f = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00];
        f.extend_from_slice(&[
            0x45, 0, 0, 60, 0, 1, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
        ]);
        // SYN with MSS 1460, SACK permitted, timestamps, NOP, window scale 7.
        f.extend_from_slice(&[
            0x9c, 0x40, 0, 22, 0, 0, 0, 1, 0, 0, 0, 0, 0xa0, 0x02, 0xff, 0xff, 0, 0, 0, 0,
        ]);
        f.extend_from_slice(&[
            2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 9, 0, 0, 0, 0, 1, 3, 3, 7,
        ]);
        let d = detail(1, 0, 0, 1, &f);
        assert_eq!(field_of(&d, "tcp.options.mss_val").as_deref(), Some("1460"));
        assert_eq!(field_of(&d, "tcp.options.sack_perm").as_deref(), Some("1"));
        assert_eq!(
            field_of(&d, "tcp.options.timestamp.tsval").as_deref(),
            Some("9")
        );
        assert_eq!(
            field_of(&d, "tcp.options.wscale.shift").as_deref(),
            Some("7")
        );
        assert!(d.malformed.is_none());
        let mut bad = f.clone();
        bad[54 + 1] = 40;
        assert!(
            detail(1, 0, 0, 1, &bad).malformed.is_some(),
            "an option longer than the header"
        );
    }

    #[test]
    fn snmp_ntp_dhcp_and_tls_server_names() {
        // SNMPv2c get-request, community "lab".
        let snmp = [
            0x30, 0x1a, 0x02, 0x01, 0x01, 0x04, 0x03, b'l', b'a', b'b', 0xa0, 0x10, 0x02, 0x01,
            0x01, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x30, 0x05, 0x30, 0x03, 0x06, 0x01, 0x00,
        ];
        let d = detail(1, 0, 0, 1, &udp_to(161, &snmp));
        assert_eq!(
            d.layers.last().map(|l| l.title.as_str()),
            Some("Simple Network Management Protocol, v2c, get-request")
        );
        assert_eq!(field_of(&d, "snmp.community").as_deref(), Some("lab"));
        let mut ntp = vec![0x23, 2];
        ntp.resize(48, 0);
        let d = detail(1, 0, 0, 1, &udp_to(123, &ntp));
        assert_eq!(
            (
                field_of(&d, "ntp.flags.mode").as_deref(),
                field_of(&d, "ntp.stratum").as_deref()
            ),
            (Some("client"), Some("2"))
        );
        let mut dhcp = vec![1, 1, 6, 0, 0xde, 0xad, 0xbe, 0xef];
        dhcp.resize(236, 0);
        dhcp[28..34].copy_from_slice(&[2, 0x57, 0x53, 0, 0, 9]);
        dhcp.extend_from_slice(&[99, 130, 83, 99, 53, 1, 1, 12, 3, b'h', b'o', b'p', 255]);
        let d = detail(1, 0, 0, 1, &udp_to(67, &dhcp));
        assert_eq!(
            d.layers.last().map(|l| l.title.as_str()),
            Some("Dynamic Host Configuration Protocol (Discover)")
        );
        assert_eq!(
            field_of(&d, "dhcp.hw.mac_addr").as_deref(),
            Some("02:57:53:00:00:09")
        );
        assert_eq!(field_of(&d, "dhcp.option.hostname").as_deref(), Some("hop"));
        // A TLS ClientHello with SNI "lab.test".
        let name = b"lab.test";
        let mut ext = vec![0, 0];
        ext.extend_from_slice(&((name.len() + 5) as u16).to_be_bytes());
        ext.extend_from_slice(&((name.len() + 3) as u16).to_be_bytes());
        ext.push(0);
        ext.extend_from_slice(&(name.len() as u16).to_be_bytes());
        ext.extend_from_slice(name);
        let mut hello = vec![3, 3];
        hello.extend_from_slice(&[0; 32]);
        hello.extend_from_slice(&[0, 0, 2, 0x13, 0x01, 1, 0]);
        hello.extend_from_slice(&(ext.len() as u16).to_be_bytes());
        hello.extend_from_slice(&ext);
        let mut hs = vec![1, 0];
        hs.extend_from_slice(&(hello.len() as u16).to_be_bytes());
        hs.extend_from_slice(&hello);
        let mut rec = vec![22, 3, 1];
        rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
        rec.extend_from_slice(&hs);
        let mut f = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00];
        f.extend_from_slice(&[0x45, 0]);
        f.extend_from_slice(&((40 + rec.len()) as u16).to_be_bytes());
        f.extend_from_slice(&[0, 1, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
        f.extend_from_slice(&[
            0xc3, 0x50, 0x01, 0xbb, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0,
        ]);
        f.extend_from_slice(&rec);
        let d = detail(1, 0, 0, 1, &f);
        assert_eq!(
            field_of(&d, "tls.handshake.extensions_server_name").as_deref(),
            Some("lab.test")
        );
        assert!(d.malformed.is_none());
    }

    #[test]
    fn a_frame_of_stacked_vlan_tags_is_walked_without_recursion() {
        // A maximum-size frame holding nothing but 802.1Q tags: once a recursion per tag, which
        // overflowed the stack of the thread showing it.
        let mut f = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2];
        while f.len() + 4 <= crate::read::MAX_CAPLEN as usize {
            f.extend_from_slice(&[0x81, 0x00, 0x00, 0x07]);
        }
        let d = detail(1, 0, f.len() as u32, 1, &f);
        let tags = d.layers.iter().filter(|l| l.protocol == "vlan").count();
        assert_eq!(tags, (f.len() - 12) / 4 - 1);
        assert_eq!(field_of(&d, "vlan.id").as_deref(), Some("7"));
    }

    #[test]
    fn every_cut_is_reported_never_a_panic() {
        let mut f = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00];
        f.extend_from_slice(&[
            0x45, 0, 0, 40, 0, 1, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
        ]);
        f.extend_from_slice(&[
            0, 22, 0xc0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x12, 0xff, 0xff, 0, 0, 0, 0,
        ]);
        for cut in 0..f.len() {
            let d = detail(1, 0, cut as u32, 1, &f[..cut]);
            assert!(d.malformed.is_some(), "cut at {cut}");
        }
        assert!(detail(1, 0, f.len() as u32, 1, &f).malformed.is_none());
        let mut s = 3u64;
        for n in 0..5000 {
            let junk: Vec<u8> = (0..n % 300)
                .map(|_| {
                    s ^= s << 13;
                    s ^= s >> 7;
                    s ^= s << 17;
                    s as u8
                })
                .collect();
            for lt in [0, 1, 101, 113, 276] {
                let _ = detail(1, 0, junk.len() as u32, lt, &junk);
            }
        }
    }
}
