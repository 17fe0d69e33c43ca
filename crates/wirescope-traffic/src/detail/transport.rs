//! TCP (with its options as Wireshark names them), UDP and ICMP/ICMPv6 in the detail tree, and
//! the hand-over to the application layer the classifier names.

use super::*;

impl Walk<'_> {
    pub(super) fn transport(&mut self, proto: u8, at: usize, end: usize, v6: bool) {
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
    pub(super) fn tcp_options(&mut self, l: usize, mut at: usize, end: usize) {
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

    pub(super) fn icmp(&mut self, proto: &str, name: &str, at: usize, end: usize) {
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

    pub(super) fn application(&mut self, sp: u16, dp: u16, tcp: bool, at: usize, end: usize) {
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
}
