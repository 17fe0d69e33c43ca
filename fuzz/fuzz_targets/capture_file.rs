//! Hostile capture files (pcap and pcapng) through the reader, the dissector and the statistics.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ =
        wirescope_traffic::analyze_bytes(data, wirescope_traffic::Limits::default(), None, |_| {
            Ok(())
        });
});
