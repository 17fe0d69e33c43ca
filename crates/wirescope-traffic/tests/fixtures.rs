//! The capture fixtures in tests/data (see make_fixtures.py there; every file opens in Wireshark,
//! the damaged ones with its "cut short" or "damaged" message): good files read whole, damaged
//! ones keep what came before the damage and name it with its byte offset.

use std::path::PathBuf;
use wirescope_traffic::{Limits, analyze_file};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

#[test]
fn good_files_read_whole() {
    for name in ["good.pcap", "good.pcapng"] {
        let a = analyze_file(&data(name), Limits::default(), None, None)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            (a.report.packets, a.report.bytes, a.damage.is_none()),
            (3, 180, true),
            "{name}"
        );
        assert_eq!(a.report.protocols["arp"].packets, 3, "{name}");
    }
}

#[test]
fn damaged_files_keep_what_came_before_and_say_where() {
    // (file, frames read before the damage, what is named, at which byte)
    let cases = [
        (
            "cut-packet.pcap",
            2,
            "packet cut short: 60 bytes announced, 30 in the file",
            176,
        ),
        (
            "absurd.pcap",
            1,
            "absurd captured length 2147483647 (at most 262144)",
            100,
        ),
        (
            "cut-block.pcapng",
            2,
            "pcapng block cut short (72 bytes left)",
            232,
        ),
    ];
    for (name, frames, what, offset) in cases {
        let a = analyze_file(&data(name), Limits::default(), None, None)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let damage = a
            .damage
            .unwrap_or_else(|| panic!("{name}: no damage found"));
        assert_eq!(a.report.packets, frames, "{name}: {damage}");
        assert_eq!(
            (damage.what.as_str(), damage.offset),
            (what, offset),
            "{name}"
        );
    }
}

#[test]
fn files_that_are_not_captures_are_refused_by_name() {
    let cases = [
        (
            "empty.pcap",
            "empty file: no capture header at byte offset 0",
        ),
        (
            "garbage.pcap",
            "not a pcap or pcapng file (magic 3c68746d) at byte offset 0",
        ),
        (
            "cut-header.pcap",
            "pcap file header cut short (20 of 24 bytes) at byte offset 20",
        ),
    ];
    for (name, message) in cases {
        let e = analyze_file(&data(name), Limits::default(), None, None)
            .err()
            .unwrap_or_else(|| panic!("{name} was read"));
        let text = e.to_string();
        assert!(
            text.contains(name) && text.ends_with(message),
            "{name}: {text}"
        );
    }
}
