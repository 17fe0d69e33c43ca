//! The recorder's rotation and the tally's minutes and hours, on generated frames.

use super::*;
use crate::dissect::proto;
use crate::read::{linktype, packets};

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("wirescope-record-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// Every frame of the files in `dir`, in file order: (timestamp, first byte).
fn read_back(dir: &Path, files: &[FileInfo]) -> Vec<(i64, u8)> {
    let mut out = Vec::new();
    for f in files {
        let bytes = std::fs::read(dir.join(&f.name)).unwrap();
        assert_eq!(bytes.len() as u64, f.size, "{} is as long as told", f.name);
        let mut p = packets(&bytes).unwrap();
        let mut n = 0;
        for x in p.by_ref() {
            out.push((x.ts_ns, x.data[0]));
            n += 1;
        }
        assert!(p.damage().is_none(), "{} reads whole", f.name);
        assert_eq!(n, f.frames, "{} holds the frames told", f.name);
    }
    out
}

#[test]
fn files_rotate_by_size_and_keep_every_frame_in_order() {
    let d = dir("size");
    let mut r = Recorder::create(
        &d,
        Rotation {
            max_bytes: 1_000,
            max_age_ms: None,
        },
    )
    .unwrap();
    let mut files = Vec::new();
    for i in 0..50u8 {
        if let Some(f) = r
            .write(linktype::ETHERNET, i64::from(i) * 1_000, 100, &[i; 100])
            .unwrap()
        {
            files.push(f);
        }
    }
    files.extend(r.close().unwrap());
    assert!(files.len() >= 7, "{} files", files.len());
    for (i, f) in files.iter().enumerate() {
        assert_eq!(f.seq as usize, i + 1);
        assert_eq!(f.name, file_name(f.seq));
        assert!(f.size <= 1_000, "{} is {} bytes", f.name, f.size);
    }
    let frames = read_back(&d, &files);
    let want: Vec<(i64, u8)> = (0..50u8).map(|i| (i64::from(i) * 1_000, i)).collect();
    assert_eq!(frames, want);
    // One frame larger than the limit still goes in a file of its own.
    let mut r = Recorder::create(
        &d.join("big"),
        Rotation {
            max_bytes: 10,
            max_age_ms: None,
        },
    )
    .unwrap();
    assert_eq!(r.write(linktype::ETHERNET, 1, 60, &[1; 60]).unwrap(), None);
    let first = r
        .write(linktype::ETHERNET, 2, 60, &[2; 60])
        .unwrap()
        .unwrap();
    assert_eq!((first.seq, first.frames), (1, 1));
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn files_rotate_by_age_of_their_frames_and_when_idle() {
    let d = dir("age");
    let second = 1_000_000_000i64;
    let t0 = 1_800_000_000 * second;
    let mut r = Recorder::create(
        &d,
        Rotation {
            max_bytes: u64::MAX,
            max_age_ms: Some(10_000),
        },
    )
    .unwrap();
    let mut files = Vec::new();
    for i in 0..25 {
        files.extend(
            r.write(linktype::RAW, t0 + i * second, 40, &[0x45; 40])
                .unwrap(),
        );
    }
    assert_eq!(files.len(), 2, "0-9 s and 10-19 s are closed");
    for f in &files {
        assert_eq!(f.frames, 10);
        assert_eq!(f.last_ns.unwrap() - f.first_ns.unwrap(), 9 * second);
    }
    // Nothing more comes: the file is closed once it is 10 s old by the clock.
    let now_ms = (t0 + 24 * second) / 1_000_000;
    assert_eq!(r.tick(now_ms).unwrap(), None, "20-24 s: not old yet");
    let idle = r.tick(now_ms + 6_000).unwrap().unwrap();
    assert_eq!((idle.seq, idle.frames), (3, 5));
    assert_eq!(r.current(), None);
    files.push(idle);
    assert_eq!(read_back(&d, &files).len(), 25);
    // The next frame begins file 4.
    r.write(linktype::RAW, t0 + 40 * second, 40, &[0x45; 40])
        .unwrap();
    assert_eq!(r.current().unwrap().name, "part-00004.pcapng");
    r.flush().unwrap();
    assert_eq!(
        std::fs::metadata(d.join("part-00004.pcapng"))
            .unwrap()
            .len(),
        r.current().unwrap().size,
        "flushed, the file holds what was written"
    );
    std::fs::remove_dir_all(&d).unwrap();
}

fn frame(src: [u8; 4], dst: [u8; 4], protos: u32) -> Summary {
    let addr = |b: [u8; 4]| {
        let mut bytes = [0u8; 16];
        bytes[..4].copy_from_slice(&b);
        Addr { v6: false, bytes }
    };
    Summary {
        protos,
        src: Some(addr(src)),
        dst: Some(addr(dst)),
        ..Summary::default()
    }
}

const MS: i64 = 1_000_000;

#[test]
fn minutes_are_handed_out_once_ended_and_hours_sum_them() {
    let base = 1_800_000_000_000i64 / HOUR_MS * HOUR_MS; // an hour's start, ms
    let mut t = Tally::new();
    let udp = proto::ETH | proto::IP | proto::UDP;
    let tcp = proto::ETH | proto::IP | proto::TCP;
    // Minute 0: a -> b 3 x 100 bytes of UDP; minute 1: a -> c 1 x 1000 of TCP.
    for i in 0..3 {
        t.add(
            (base + i * 1_000) * MS,
            100,
            &frame([10, 0, 0, 1], [10, 0, 0, 2], udp),
        );
    }
    t.add(
        (base + MINUTE_MS + 5) * MS,
        1_000,
        &frame([10, 0, 0, 1], [10, 0, 0, 3], tcp),
    );
    assert_eq!(t.next_due(), Some(base + MINUTE_MS + GRACE_MS));
    assert!(
        t.due(base + MINUTE_MS + GRACE_MS - 1).is_empty(),
        "within the grace"
    );
    let e = t.due(base + MINUTE_MS + GRACE_MS);
    assert_eq!(e.minutes.len(), 1);
    let m = &e.minutes[0];
    assert_eq!((m.t, m.packets, m.bytes), (base, 3, 300));
    assert_eq!(
        m.protocols["udp"],
        Count {
            packets: 3,
            bytes: 300
        }
    );
    assert!(!m.protocols.contains_key("tcp"));
    assert_eq!(
        m.talkers
            .iter()
            .map(|x| (x.addr.to_string(), x.bytes))
            .collect::<Vec<_>>(),
        [("10.0.0.1".to_string(), 300), ("10.0.0.2".to_string(), 300)]
    );
    assert_eq!(e.hours.len(), 1);
    assert_eq!((e.hours[0].t, e.hours[0].bytes), (base, 300));
    // A frame of the minute already handed out counts in the oldest open one.
    t.add(
        (base + 10) * MS,
        50,
        &frame([10, 0, 0, 9], [10, 0, 0, 1], udp),
    );
    let e = t.finish();
    assert_eq!(e.minutes.len(), 1);
    let m = &e.minutes[0];
    assert_eq!((m.t, m.packets, m.bytes), (base + MINUTE_MS, 2, 1_050));
    assert_eq!(m.talkers[0].addr.to_string(), "10.0.0.1");
    assert_eq!((m.talkers[0].packets, m.talkers[0].bytes), (2, 1_050));
    // The hour as it stands now: both minutes.
    let h = &e.hours[0];
    assert_eq!((h.t, h.packets, h.bytes), (base, 5, 1_350));
    assert_eq!(
        h.protocols["ip"],
        Count {
            packets: 5,
            bytes: 1_350
        }
    );
    assert_eq!(
        h.protocols["tcp"],
        Count {
            packets: 1,
            bytes: 1_000
        }
    );
    assert_eq!(h.talkers[0].bytes, 1_350);
    assert_eq!(h.talkers.len(), 4);
    assert!(t.finish().is_empty(), "nothing is handed out twice");
}

#[test]
fn an_hour_is_complete_once_a_later_minute_ends_and_talkers_are_bounded() {
    let base = 1_800_000_000_000i64 / HOUR_MS * HOUR_MS;
    let mut t = Tally::new();
    // 30 addresses in the hour's last minute, the busier the higher.
    for i in 1..=30u8 {
        for _ in 0..i {
            t.add(
                (base + HOUR_MS - 30_000) * MS,
                10,
                &frame([10, 1, 0, i], [10, 2, 0, 1], 0),
            );
        }
    }
    t.add(
        (base + HOUR_MS + 1) * MS,
        10,
        &frame([10, 1, 0, 1], [10, 2, 0, 1], 0),
    );
    let e = t.due(base + HOUR_MS + MINUTE_MS + GRACE_MS);
    assert_eq!(e.minutes.len(), 2);
    let last = &e.minutes[0];
    assert_eq!(last.talkers.len(), INTERVAL_TALKERS);
    assert_eq!(
        last.talkers[0].addr.to_string(),
        "10.2.0.1",
        "the one every frame went to"
    );
    assert_eq!(last.talkers[1].addr.to_string(), "10.1.0.30");
    assert_eq!(last.talkers[19].addr.to_string(), "10.1.0.12");
    assert_eq!(
        e.hours.iter().map(|h| h.t).collect::<Vec<_>>(),
        [base, base + HOUR_MS]
    );
    assert_eq!(
        t.hours.keys().copied().collect::<Vec<_>>(),
        [base + HOUR_MS],
        "the first hour is complete and no longer held; the second goes on"
    );
    // Past MAX_TRACKED addresses, frames count in the totals only.
    let mut t = Tally::new();
    for i in 0..(MAX_TRACKED as u32 + 100) {
        let b = i.to_be_bytes();
        t.add(
            base * MS,
            1,
            &frame([10, b[1], b[2], b[3]], [10, b[1], b[2], b[3]], 0),
        );
    }
    let e = t.finish();
    let m = &e.minutes[0];
    assert_eq!(m.packets, MAX_TRACKED as u64 + 100);
    assert_eq!(m.untracked, 100);
}
