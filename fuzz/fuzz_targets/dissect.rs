//! Hostile frames through the fast dissector, the display filters and the detail dissector,
//! under every link type.
#![no_main]

use wirescope_traffic::dissect::Dissector;
use wirescope_traffic::filter::{Filter, Frame};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&which, frame)) = data.split_first() else {
        return;
    };
    let linktype = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276][usize::from(which) % 10];
    let summary = Dissector::new().frame(linktype, frame);
    let _ = wirescope_traffic::detail::detail(1, 0, frame.len() as u32, linktype, frame);
    if let Ok(f) =
        Filter::parse("ip.addr == 10.0.0.0/8 || tcp.port == 443 || dns || frame.len > 100")
    {
        let _ = f.matches(&Frame {
            summary: &summary,
            len: frame.len() as u32,
            caplen: frame.len() as u32,
        });
    }
});
