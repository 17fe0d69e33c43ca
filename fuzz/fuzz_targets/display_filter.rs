//! Hostile display-filter text through the parser: an error naming a column, never a panic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Err(e) = wirescope_traffic::filter::Filter::parse(text) {
            assert!(e.column >= 1 && e.column <= text.chars().count() + 1);
        }
    }
});
