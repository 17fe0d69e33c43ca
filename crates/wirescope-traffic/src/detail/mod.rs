//! One frame in detail, for the packet pane: its layers (Ethernet, 802.1Q, LLC, ARP, IPv4, IPv6,
//! ICMP, ICMPv6, TCP, UDP, and DNS, DHCP, SNMP, NTP, the TLS ClientHello's server name, HTTP
//! request lines, SSH banners, LLDP, CDP) with fields named as
//! Wireshark names them and the byte range each covers, so the hex pane can highlight it. Slower
//! and thorough where `dissect` is fast and terse; like it, every read is checked and what is cut
//! short says so.

mod dhcp;
mod dns;
mod ip;
mod link;
mod ntp;
mod snmp;
mod tls;
mod transport;

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
    pub(super) fn layer(
        &mut self,
        protocol: &str,
        title: String,
        offset: usize,
        len: usize,
    ) -> usize {
        self.layers.push(Layer {
            protocol: protocol.into(),
            title,
            offset,
            len,
            fields: Vec::new(),
        });
        self.layers.len() - 1
    }

    pub(super) fn field(
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

    pub(super) fn cut(&mut self, what: &str, at: usize) {
        if self.malformed.is_none() {
            self.malformed = Some(format!("{what} cut short at byte {at}"));
        }
    }
    pub(super) fn data(&mut self, at: usize) {
        if at < self.d.len() {
            let n = self.d.len() - at;
            let l = self.layer("data", format!("Data ({n} bytes)"), at, n);
            self.field(l, "data.len", n.to_string(), at, n);
        }
    }
}

/// Dissects one frame for the detail pane.
/// What a frame's application layer says, as Wireshark's Info column puts it: a DNS query or
/// response with its question and answers, an HTTP request or status line, a TLS Client Hello
/// with the server name it asks for; None when the frame carries none of these.
pub fn app_info(d: &PacketDetail) -> Option<String> {
    let layer = d
        .layers
        .iter()
        .rev()
        .find(|l| matches!(l.protocol.as_str(), "dns" | "mdns" | "http" | "tls"))?;
    let field = |name: &str| {
        layer
            .fields
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.value.as_str())
    };
    match layer.protocol.as_str() {
        "http" => field("http.request.line")
            .or_else(|| field("http.response.line"))
            .map(str::to_string),
        "tls" => field("tls.handshake.extensions_server_name")
            .map(|sni| format!("Client Hello (SNI={sni})")),
        _ => {
            // a message that did not parse has no id: the transport's info says more
            let id = field("dns.id")?;
            let response = layer.title.contains("(response)");
            let mut out = format!(
                "Standard query{} {id}",
                if response { " response" } else { "" }
            );
            let names = layer.fields.iter().filter(|f| f.name == "dns.qry.name");
            let types = layer.fields.iter().filter(|f| f.name == "dns.qry.type");
            for (name, kind) in names.zip(types) {
                out.push_str(&format!(
                    " {} {}",
                    kind.value,
                    name.value.trim_end_matches('.')
                ));
            }
            if response {
                let rcode = field("dns.flags.rcode").unwrap_or("");
                if rcode != "No Error" && rcode != "NoError" && !rcode.is_empty() {
                    out.push_str(&format!(" {rcode}"));
                }
                for answer in layer.fields.iter().filter(|f| f.name == "dns.resp") {
                    // "name TYPE data": the type and data, as Wireshark lists them
                    if let Some((_, rest)) = answer.value.split_once(' ') {
                        out.push_str(&format!(" {rest}"));
                    }
                }
            }
            Some(out)
        }
    }
}

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
        assert_eq!(
            app_info(&d).as_deref(),
            Some("Standard query 0x1234 A h1.lab.test")
        );
        assert_eq!(field("ip.flags.df").value, "1");
        assert!(d.malformed.is_none());
        assert_eq!(d.hex.len(), f.len() * 2);
    }

    #[test]
    fn the_info_column_says_what_the_application_said() {
        // a DNS response: the question and the answers
        let mut dns = vec![0xab, 0xcd, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0];
        dns.extend_from_slice(b"\x02h1\x03lab\x04test\x00\x00\x01\x00\x01");
        dns.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 198, 18, 0, 20]);
        let d = detail(1, 0, 0, 1, &frame(false, 53, 40000, &dns));
        assert_eq!(
            app_info(&d).as_deref(),
            Some("Standard query response 0xabcd A h1.lab.test A 198.18.0.20")
        );
        // an HTTP request line
        let d = detail(
            1,
            0,
            0,
            1,
            &frame(
                true,
                50000,
                80,
                b"GET /index.html HTTP/1.1\r\nHost: h1\r\n\r\n",
            ),
        );
        assert_eq!(app_info(&d).as_deref(), Some("GET /index.html HTTP/1.1"));
        // nothing of the application: none
        let d = detail(1, 0, 0, 1, &udp_to(9999, b"xyz"));
        assert_eq!(app_info(&d), None);
    }

    fn udp_to(dport: u16, payload: &[u8]) -> Vec<u8> {
        frame(false, 50000, dport, payload)
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
        assert_eq!(app_info(&d).as_deref(), Some("Client Hello (SNI=lab.test)"));
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
        let f = frame(true, 22, 49152, b"");
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
