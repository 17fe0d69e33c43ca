//! Hostile display-filter text through the parser and the evaluator: an error naming a column,
//! never a panic. The first byte, when present, asks for a run of `!` or `(` up to twice the
//! nesting cap in front of the rest, so the fuzzer reaches the cap and both sides of it.
#![no_main]

use wirescope_traffic::filter::{Filter, MAX_DEPTH};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let Ok(rest) = std::str::from_utf8(rest) else {
        return;
    };
    let nest = usize::from(first) * 2 * MAX_DEPTH / 255;
    let prefix = if first % 2 == 0 { "!" } else { "(" };
    for text in [rest.to_string(), format!("{}{rest}", prefix.repeat(nest))] {
        match Filter::parse(&text) {
            Ok(f) => {
                let summary = wirescope_traffic::dissect::Dissector::new()
                    .frame(wirescope_traffic::read::linktype::ETHERNET, rest.as_bytes());
                let _ = f.matches(&wirescope_traffic::filter::Frame {
                    summary: &summary,
                    len: 64,
                    caplen: 64,
                });
            }
            Err(e) => assert!(e.column >= 1 && e.column <= text.chars().count() + 1),
        }
    }
});
