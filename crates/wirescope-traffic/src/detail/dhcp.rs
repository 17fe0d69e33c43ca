//! DHCP (BOOTP) messages in the detail tree: addresses, the message type and options.

use super::*;

impl Walk<'_> {
    pub(super) fn dhcp(&mut self, p: &[u8], at: usize) {
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
}
