//! Link layers of the detail tree: Ethernet and 802.1Q tags (a loop, never recursion), LLC/SNAP
//! with CDP, ARP, LLDP.

use super::*;

impl Walk<'_> {
    pub(super) fn ethernet(&mut self, at: usize) {
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

    pub(super) fn llc(&mut self, at: usize) {
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

    pub(super) fn tlvs_cdp(&mut self, l: usize, at: usize) {
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

    pub(super) fn ethertype(&mut self, mut t: u16, mut at: usize) {
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

    pub(super) fn arp(&mut self, at: usize) {
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

    pub(super) fn lldp(&mut self, at: usize) {
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
}
