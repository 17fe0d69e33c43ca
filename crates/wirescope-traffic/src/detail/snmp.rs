//! SNMP messages in the detail tree: version, community, PDU type and request id, by hand-read BER.

use super::*;

impl Walk<'_> {
    /// SNMP: version and PDU type from the outer BER (the community is shown as Wireshark shows
    /// it, since it crossed the wire in clear; v3 messages are named, not decrypted).
    pub(super) fn snmp(&mut self, p: &[u8], at: usize) {
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
}
