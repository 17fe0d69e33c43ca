//! NTP packets in the detail tree: mode, stratum, reference and transmit times.

use super::*;

impl Walk<'_> {
    pub(super) fn ntp(&mut self, p: &[u8], at: usize) {
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
}
