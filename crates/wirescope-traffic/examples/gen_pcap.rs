//! Writes a synthetic capture for the analyzer benchmark: `gen_pcap OUT.pcap SIZE_MB FRAME_BYTES`.
//! Ethernet frames of one size: 20,000 IPv4 conversations (UDP and TCP between 4,096 hosts of
//! 198.18.0.0/16, to DNS, SNMP, HTTPS, SSH and ephemeral ports, both ways; a few ARP and ICMP),
//! their sizes Zipf-distributed (s = 1, as flow sizes on real links are heavy-tailed) and their
//! frames interleaved at random; deterministic, one microsecond apart.

use std::io::Write;
use wirescope_traffic::read::{linktype, pcap_header, pcap_record};

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(out), Some(mb), Some(size)) = (
        args.get(1),
        args.get(2).and_then(|s| s.parse::<u64>().ok()),
        args.get(3).and_then(|s| s.parse::<usize>().ok()),
    ) else {
        eprintln!("usage: gen_pcap OUT.pcap SIZE_MB FRAME_BYTES (60..1514)");
        std::process::exit(2);
    };
    let size = size.clamp(60, 1514);
    let mut w = std::io::BufWriter::with_capacity(1 << 22, std::fs::File::create(out)?);
    w.write_all(&pcap_header(linktype::ETHERNET, 65535))?;
    let target = mb * 1_000_000;
    let mut written = 24u64;
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    // Zipf(1) over the conversations: the cumulative weights, searched with a uniform draw.
    let mut cdf = Vec::with_capacity(FLOWS);
    let mut sum = 0.0f64;
    for k in 1..=FLOWS {
        sum += 1.0 / k as f64;
        cdf.push(sum);
    }
    let mut buf = Vec::with_capacity(2048);
    let mut n = 0i64;
    while written < target {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let u = (rng >> 11) as f64 / (1u64 << 53) as f64 * sum;
        let flow = cdf.partition_point(|&c| c < u) as u64;
        let frame = frame(rng, flow, size);
        buf.clear();
        pcap_record(
            &mut buf,
            1_700_000_000_000_000_000 + n * 1000,
            frame.len() as u32,
            &frame,
        );
        w.write_all(&buf)?;
        written += buf.len() as u64;
        n += 1;
    }
    w.flush()?;
    eprintln!("{n} frames of {size} bytes, {written} bytes");
    Ok(())
}

const FLOWS: usize = 20_000;

fn frame(r: u64, flow: u64, size: usize) -> Vec<u8> {
    let mut f = vec![0x02, 0x57, 0x53, 0, 0, 1, 0x02, 0x57, 0x53, 0, 0, 2];
    let kind = r % 100;
    if kind == 0 {
        f.extend_from_slice(&[0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1]);
        f.resize(size, 0);
        return f;
    }
    f.extend_from_slice(&[0x08, 0x00]);
    let proto = match (flow + 1).wrapping_mul(0x2545_f491_4f6c_dd1d) >> 58 {
        0..=1 => 1u8,
        2..=31 => 17,
        _ => 6,
    };
    let total = (size - 14) as u16;
    // The conversation's two hosts and ports come from its number; the direction from the draw.
    let h = (flow + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut src = [198, 18, (h >> 8) as u8 & 0x0f, (h >> 16) as u8];
    let mut dst = [198, 18, (h >> 24) as u8 & 0x0f, (h >> 32) as u8];
    let back = r & 1 == 1;
    f.extend_from_slice(&[0x45, 0]);
    f.extend_from_slice(&total.to_be_bytes());
    f.extend_from_slice(&[0, 1, 0x40, 0, 64, proto, 0, 0]);
    f.extend_from_slice(&src);
    f.extend_from_slice(&dst);
    let mut sport = 1024 + (h >> 40) as u16 % 60000;
    let mut dport = match h % 7 {
        0 => 53,
        1 => 161,
        2 => 443,
        3 => 22,
        _ => 1024 + (h >> 48) as u16 % 60000,
    };
    if back {
        std::mem::swap(&mut src, &mut dst);
        std::mem::swap(&mut sport, &mut dport);
    }
    match proto {
        1 => f.extend_from_slice(&[8, 0, 0, 0, 0, 1, 0, 1]),
        17 => {
            f.extend_from_slice(&sport.to_be_bytes());
            f.extend_from_slice(&dport.to_be_bytes());
            f.extend_from_slice(&(total - 20).to_be_bytes());
            f.extend_from_slice(&[0, 0]);
        }
        _ => {
            f.extend_from_slice(&sport.to_be_bytes());
            f.extend_from_slice(&dport.to_be_bytes());
            f.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 1, 0x50, 0x10, 0xff, 0xff, 0, 0, 0, 0]);
        }
    }
    f.resize(size, 0xab);
    f
}
