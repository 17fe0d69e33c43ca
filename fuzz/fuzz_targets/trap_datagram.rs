//! Hostile datagrams on the trap port: decoded, then turned into the record a trap becomes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    wirescope_snmp::fuzz::trap_datagram(data);
});
