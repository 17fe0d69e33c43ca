//! The split analysis against the one-pass analysis on generated captures cut into many small
//! parts: mixed traffic, fragments across parts, a full flow table, time going backwards, a
//! damaged end, pcapng with an interface described part-way, and payloads that look like record
//! headers (wrong guesses, which must be caught).

use super::{Split, analyze_parts};
use crate::read::{linktype, pcap_header, pcap_record};
use crate::{Limits, analyze_bytes, filter::Filter, write::PcapNgWriter};

/// xorshift64*: the same frames on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn ethernet(ethertype: u16, body: &[u8]) -> Vec<u8> {
    let mut f = vec![0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2];
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(body);
    f
}

fn ipv4(proto: u8, src: [u8; 4], dst: [u8; 4], id: u16, frag: u16, payload: &[u8]) -> Vec<u8> {
    let mut p = vec![0x45, 0];
    p.extend_from_slice(&(20 + payload.len() as u16).to_be_bytes());
    p.extend_from_slice(&id.to_be_bytes());
    p.extend_from_slice(&frag.to_be_bytes());
    p.extend_from_slice(&[64, proto, 0, 0]);
    p.extend_from_slice(&src);
    p.extend_from_slice(&dst);
    p.extend_from_slice(payload);
    p
}

fn ipv6_udp(src: u8, dst: u8, sport: u16, dport: u16, data: &[u8]) -> Vec<u8> {
    let l4 = udp(sport, dport, data);
    let mut p = vec![0x60, 0, 0, 0];
    p.extend_from_slice(&(l4.len() as u16).to_be_bytes());
    p.extend_from_slice(&[17, 64]);
    for last in [src, dst] {
        let mut a = [0u8; 16];
        a[..2].copy_from_slice(&[0x20, 0x01]);
        a[15] = last;
        p.extend_from_slice(&a);
    }
    p.extend_from_slice(&l4);
    p
}

fn udp(sport: u16, dport: u16, data: &[u8]) -> Vec<u8> {
    let mut u = sport.to_be_bytes().to_vec();
    u.extend_from_slice(&dport.to_be_bytes());
    u.extend_from_slice(&(8 + data.len() as u16).to_be_bytes());
    u.extend_from_slice(&[0, 0]);
    u.extend_from_slice(data);
    u
}

fn tcp(sport: u16, dport: u16, flags: u8, data: &[u8]) -> Vec<u8> {
    let mut t = sport.to_be_bytes().to_vec();
    t.extend_from_slice(&dport.to_be_bytes());
    t.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
    t.extend_from_slice(data);
    t
}

/// Payload bytes that read as `count` classic pcap records in a row, as `resync` checks them.
fn fake_records(count: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..count {
        pcap_record(&mut out, 1_700_000_000_000_000_000, 40, &[0x55; 40]);
    }
    out
}

/// What to put in the generated traffic.
#[derive(Default, Clone, Copy)]
struct Mix {
    /// Fragmented datagrams, their last fragment some frames later (or never).
    fragments: bool,
    /// Every twentieth frame is stamped seconds before the one ahead of it.
    backwards: bool,
    /// Payloads that look like record headers.
    fakes: bool,
    /// Some frames of another link type (pcapng: an interface described part-way).
    raw: bool,
    /// A hundred-odd flows, each met again and again, instead of thousands.
    few: bool,
}

/// `n` frames: (link type, timestamp, bytes).
fn traffic(n: usize, seed: u64, mix: Mix) -> Vec<(u32, i64, Vec<u8>)> {
    let mut rng = Rng(seed);
    let mut frames = Vec::with_capacity(n);
    let mut later: Vec<(usize, Vec<u8>)> = Vec::new();
    let base = 1_700_000_000_000_000_000i64;
    for k in 0..n {
        let mut ts = base + k as i64 * 700_000;
        if mix.backwards && k % 20 == 19 {
            ts -= 3_000_000_000;
        }
        if let Some(at) = later.iter().position(|(due, _)| *due == k) {
            let (_, frame) = later.swap_remove(at);
            frames.push((linktype::ETHERNET, ts, frame));
            continue;
        }
        let (subnets, hosts, ports) = if mix.few { (1, 3, 4) } else { (4, 40, 300) };
        let host = |r: &mut Rng| [10, 0, r.below(subnets) as u8, r.below(hosts) as u8 + 1];
        let (src, dst) = (host(&mut rng), host(&mut rng));
        let sport = 1024 + rng.below(ports) as u16;
        let data = if mix.fakes {
            fake_records(9)
        } else {
            vec![0xab; rng.below(200) as usize]
        };
        let pick = rng.below(100);
        let frame = match pick {
            0..55 => ethernet(0x0800, &ipv4(17, src, dst, 0, 0, &udp(sport, 53, &data))),
            55..80 => {
                let flags = [0x02, 0x12, 0x10, 0x18, 0x04, 0x11][rng.below(6) as usize];
                ethernet(
                    0x0800,
                    &ipv4(6, src, dst, 0, 0, &tcp(sport, 443, flags, &data)),
                )
            }
            80..90 if mix.fragments => {
                let id = rng.below(60_000) as u16;
                let first = udp(sport, 4789, &[0xcd; 64]);
                // A last fragment: no more fragments, offset 9 (72 bytes).
                let last = ipv4(17, src, dst, id, 9, &[0xee; 32]);
                if rng.below(8) != 0 {
                    later.push((k + 1 + rng.below(60) as usize, ethernet(0x0800, &last)));
                }
                ethernet(0x0800, &ipv4(17, src, dst, id, 0x2000, &first))
            }
            90..95 => ethernet(0x86dd, &ipv6_udp(rng.below(20) as u8, 1, sport, 123, &data)),
            95..97 if mix.raw => {
                frames.push((
                    linktype::RAW,
                    ts,
                    ipv4(17, src, dst, 0, 0, &udp(sport, 9, &data)),
                ));
                continue;
            }
            _ => ethernet(
                0x0806,
                &[0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 1, 10, 0, 0, 1],
            ),
        };
        frames.push((linktype::ETHERNET, ts, frame));
    }
    frames
}

fn pcap(frames: &[(u32, i64, Vec<u8>)]) -> Vec<u8> {
    let mut out = pcap_header(linktype::ETHERNET, 65_535).to_vec();
    for (_, ts, f) in frames {
        pcap_record(&mut out, *ts, f.len() as u32, f);
    }
    out
}

fn pcapng(frames: &[(u32, i64, Vec<u8>)]) -> Vec<u8> {
    let mut w = PcapNgWriter::new(Vec::new(), 65_535).expect("a Vec takes writes");
    for (lt, ts, f) in frames {
        w.packet(*lt, *ts, f.len() as u32, f)
            .expect("a Vec takes writes");
    }
    w.finish().expect("a Vec takes writes")
}

/// The one-pass analysis and the split one on `threads` threads with ~`part`-byte parts, as
/// JSON; and how the split went.
fn both(
    data: &[u8],
    limits: Limits,
    filter: Option<&Filter>,
    threads: usize,
    part: usize,
) -> (serde_json::Value, serde_json::Value, Split) {
    let show = |a: &crate::Analysis| {
        serde_json::json!({
            "report": a.report,
            "damage": a.damage.as_ref().map(|d| (d.offset, d.what.clone())),
        })
    };
    let one = analyze_bytes(data, limits, filter, |_| Ok(()))
        .expect("a capture")
        .expect("no sink to fail");
    let limits = Limits { threads, ..limits };
    let (split, how) = analyze_parts(data, limits, filter, &|_| {}, part).expect("a capture");
    (show(&one), show(&split), how)
}

fn limits() -> Limits {
    Limits {
        top: 10_000,
        ..Limits::default()
    }
}

#[test]
fn parts_merge_to_the_one_pass_report() {
    let frames = traffic(6000, 7, Mix::default());
    for (name, data) in [("pcap", pcap(&frames)), ("pcapng", pcapng(&frames))] {
        for threads in [2, 3, 5] {
            let (one, split, how) = both(&data, limits(), None, threads, 4096);
            assert_eq!(one, split, "{name} on {threads} threads");
            assert!(how.parts >= 2 * threads, "{name}: {how:?}");
            assert_eq!(
                how.redone, 0,
                "{name}: every guessed start was right: {how:?}"
            );
        }
    }
}

#[test]
fn fragments_whose_last_part_lies_in_another_part_count_as_in_one_pass() {
    let frames = traffic(
        8000,
        11,
        Mix {
            fragments: true,
            ..Mix::default()
        },
    );
    let data = pcap(&frames);
    let (one, split, how) = both(&data, limits(), None, 4, 4096);
    assert!(one["report"]["protocols"]["udp"]["packets"].as_u64() > Some(0));
    assert_eq!(one, split);
    assert!(how.redone > 0 && how.redone < how.parts, "{how:?}");
}

#[test]
fn a_full_flow_table_and_time_going_backwards_count_as_in_one_pass() {
    let frames = traffic(
        6000,
        5,
        Mix {
            backwards: true,
            ..Mix::default()
        },
    );
    let data = pcap(&frames);
    let small = Limits {
        max_buckets: 3,
        ..limits()
    };
    let (one, split, _) = both(&data, small, None, 3, 4096);
    assert_eq!(one["report"]["bandwidth"].as_array().map(Vec::len), Some(3));
    assert_eq!(one, split);
    let (one, split, _) = both(&data, limits(), None, 3, 4096);
    assert_eq!(one, split);
    // Parts that meet more flows than the table holds, some of them kept from parts before.
    let frames = traffic(
        6000,
        5,
        Mix {
            few: true,
            ..Mix::default()
        },
    );
    let full = Limits {
        max_entries: 30,
        ..limits()
    };
    let (one, split, how) = both(&pcap(&frames), full, None, 3, 4096);
    assert!(one["report"]["overflow"].as_u64() > Some(0));
    assert_eq!(one, split);
    assert!(how.redone > 0, "{how:?}");
}

#[test]
fn a_filter_and_a_damaged_end_give_the_one_pass_report() {
    let frames = traffic(6000, 3, Mix::default());
    let mut data = pcap(&frames);
    data.truncate(data.len() - 30);
    let udp = Filter::parse("udp && !ipv6").expect("a filter");
    let (one, split, _) = both(&data, limits(), Some(&udp), 3, 4096);
    assert!(
        one["damage"].is_array(),
        "the cut end is named: {}",
        one["damage"]
    );
    assert_eq!(one, split);
}

#[test]
fn an_interface_described_part_way_through_a_pcapng_file_is_caught() {
    let frames = traffic(
        6000,
        13,
        Mix {
            raw: true,
            ..Mix::default()
        },
    );
    let data = pcapng(&frames);
    let (one, split, how) = both(&data, limits(), None, 3, 4096);
    assert_eq!(one, split);
    assert!(how.redone > 0, "{how:?}");
}

#[test]
fn payloads_that_look_like_records_make_wrong_guesses_that_are_caught() {
    let frames = traffic(
        3000,
        17,
        Mix {
            fakes: true,
            ..Mix::default()
        },
    );
    let data = pcap(&frames);
    let (one, split, how) = both(&data, limits(), None, 3, 4096);
    assert_eq!(one, split);
    assert!(how.redone > 0, "a guess fell inside a payload: {how:?}");
}

#[test]
fn small_files_and_one_thread_take_one_pass() {
    let data = pcap(&traffic(100, 1, Mix::default()));
    let (one, split, how) = both(&data, limits(), None, 4, super::MIN_PART);
    assert_eq!((one, how), (split, Split::default()));
    let (_, _, how) = both(&data, limits(), None, 1, 64);
    assert_eq!(how, Split::default());
}
