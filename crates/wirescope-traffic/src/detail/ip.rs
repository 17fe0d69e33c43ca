//! IPv4 and IPv6 headers of the detail tree (fragments, extension headers), then the transport.

use super::*;

impl Walk<'_> {
    pub(super) fn ipv4(&mut self, at: usize) {
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

    pub(super) fn ipv6(&mut self, at: usize) {
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
}
