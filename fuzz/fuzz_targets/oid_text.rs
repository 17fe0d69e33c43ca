//! Hostile OID text through the OID parser.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    wirescope_snmp::fuzz::oid_text(data);
});
