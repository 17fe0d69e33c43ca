//! Hostile SNMP bindings through every table parser, the value printer and the topology map.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    wirescope_snmp::fuzz::snmp_tables(data);
});
