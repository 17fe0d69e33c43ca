//! Fuzz target: the text wirescope's SSH side reads from files a user may have edited:
//! known_hosts (entries, host patterns, hashed names) and asciicast recordings.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    if mode & 1 == 0 {
        for e in wirescope_ssh::known_hosts::parse_entries(&text) {
            let _ = wirescope_ssh::known_hosts::field_matches(&e.hosts, "198.18.0.122", 22);
        }
        for line in text.lines() {
            let _ = wirescope_ssh::known_hosts::field_matches(line, "r1.lab.test", 2222);
        }
    } else if let Ok((_, events)) = wirescope_ssh::cast::parse(&text) {
        let _ = wirescope_ssh::cast::output_text(&events);
    }
});
