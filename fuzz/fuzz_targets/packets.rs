//! Hostile packets through the ICMP and TCP parsers.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    wirescope_probe::fuzz::packets(data);
});
