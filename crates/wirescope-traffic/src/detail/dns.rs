//! DNS and mDNS messages in the detail tree (through hickory-proto's parser).

use super::*;

impl Walk<'_> {
    /// A DNS message (mDNS too: the same format, its own protocol name; the fields are dns.*
    /// as Wireshark names them for both).
    pub(super) fn dns(&mut self, msg: &[u8], at: usize, mdns: bool) {
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
}
