//! The one place that decides which application protocol a transport payload carries: by port,
//! as Wireshark's port table does, and for HTTP by a look at the first bytes. The fast dissector
//! (the packet list, the statistics) and the detail tree both ask here, so the list and the
//! detail pane always name a frame alike.

/// An application protocol wirescope recognises (named as Wireshark's display filters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum App {
    Dns,
    Mdns,
    Dhcp,
    Snmp,
    Ntp,
    Ssh,
    Tls,
    Http,
}

/// What a UDP port pair carries: the lower port decides first (a client's high source port
/// never hides the service), then the higher.
pub fn udp(sport: u16, dport: u16) -> Option<App> {
    let by = |p: u16| match p {
        53 => Some(App::Dns),
        5353 => Some(App::Mdns),
        67 | 68 => Some(App::Dhcp),
        161 | 162 => Some(App::Snmp),
        123 => Some(App::Ntp),
        _ => None,
    };
    by(sport.min(dport)).or_else(|| by(sport.max(dport)))
}

/// What a TCP segment carries: DNS, SSH and TLS by their ports; HTTP on 80 and 8080 when the
/// payload starts as a request or a response does.
pub fn tcp(sport: u16, dport: u16, payload: &[u8]) -> Option<App> {
    let is = |p: u16| sport == p || dport == p;
    if is(53) {
        Some(App::Dns)
    } else if is(22) {
        Some(App::Ssh)
    } else if is(443) {
        Some(App::Tls)
    } else if (is(80) || is(8080)) && looks_http(payload) {
        Some(App::Http)
    } else {
        None
    }
}

fn looks_http(p: &[u8]) -> bool {
    const STARTS: [&[u8]; 10] = [
        b"GET ",
        b"POST ",
        b"HEAD ",
        b"PUT ",
        b"DELETE ",
        b"OPTIONS ",
        b"PATCH ",
        b"CONNECT ",
        b"TRACE ",
        b"HTTP/1.",
    ];
    STARTS.iter().any(|s| p.starts_with(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_and_payloads_name_the_protocol() {
        assert_eq!(udp(40000, 53), Some(App::Dns));
        assert_eq!(udp(5353, 5353), Some(App::Mdns));
        assert_eq!(udp(53, 5353), Some(App::Dns), "the lower port first");
        assert_eq!(udp(68, 67), Some(App::Dhcp));
        assert_eq!(udp(40000, 40001), None);
        assert_eq!(tcp(51000, 80, b"GET / HTTP/1.1\r\n"), Some(App::Http));
        assert_eq!(tcp(80, 51000, b"HTTP/1.1 200 OK\r\n"), Some(App::Http));
        assert_eq!(
            tcp(51000, 80, b"\x16\x03\x01"),
            None,
            "not HTTP bytes on 80"
        );
        assert_eq!(
            tcp(51000, 9000, b"GET / HTTP/1.1\r\n"),
            None,
            "HTTP only on its ports, as Wireshark by default"
        );
        assert_eq!(tcp(51000, 443, b""), Some(App::Tls));
    }
}
