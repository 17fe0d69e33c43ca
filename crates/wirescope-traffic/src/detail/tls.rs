//! TLS records in the detail tree: version, handshake type, and the server name a ClientHello asks for.

use super::*;

impl Walk<'_> {
    /// TLS: the record, and a ClientHello's server name (SNI).
    pub(super) fn tls(&mut self, p: &[u8], at: usize) {
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
}
