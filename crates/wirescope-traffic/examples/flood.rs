//! Sends a bounded flood of 64-byte UDP frames out of one interface, for the live-capture
//! benchmark: `flood IFACE COUNT PPS`. Frames go from 198.18.250.1 to 198.18.250.2 (the bench's
//! own veth pair, in its own namespace); at most COUNT frames and 60 seconds, paced to PPS with
//! sendmmsg batches on an AF_PACKET socket. Prints what it sent and the rate it reached.

use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(iface), Some(count), Some(pps)) = (
        args.get(1),
        args.get(2).and_then(|s| s.parse::<u64>().ok()),
        args.get(3).and_then(|s| s.parse::<u64>().ok()),
    ) else {
        eprintln!("usage: flood IFACE COUNT PPS");
        std::process::exit(2);
    };
    if let Err(e) = flood(iface, count, pps.max(1)) {
        eprintln!("flood: {e}");
        std::process::exit(1);
    }
}

fn frame(seq: u64) -> [u8; 64] {
    let mut f = [0u8; 64];
    f[..6].copy_from_slice(&[0x02, 0x57, 0x53, 0xbe, 0x00, 0x02]);
    f[6..12].copy_from_slice(&[0x02, 0x57, 0x53, 0xbe, 0x00, 0x01]);
    f[12..14].copy_from_slice(&[0x08, 0x00]);
    let ip = [
        0x45, 0, 0, 50, 0, 1, 0, 0, 64, 17, 0, 0, 198, 18, 250, 1, 198, 18, 250, 2,
    ];
    f[14..34].copy_from_slice(&ip);
    let sport = 10_000 + (seq % 1000) as u16;
    f[34..36].copy_from_slice(&sport.to_be_bytes());
    f[36..38].copy_from_slice(&9u16.to_be_bytes());
    f[38..40].copy_from_slice(&30u16.to_be_bytes());
    f[42..50].copy_from_slice(&seq.to_be_bytes());
    f
}

fn flood(iface: &str, count: u64, pps: u64) -> std::io::Result<()> {
    let name = std::ffi::CString::new(iface).map_err(std::io::Error::other)?;
    // SAFETY: plain libc calls on a socket this function owns.
    let fd = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW, 0) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    let index = unsafe { libc::if_nametoindex(name.as_ptr()) };
    if index == 0 {
        return Err(std::io::Error::other(format!("no interface {iface}")));
    }
    let mut addr: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
    addr.sll_family = libc::AF_PACKET as u16;
    addr.sll_ifindex = index as i32;
    addr.sll_halen = 6;
    let bound = unsafe {
        libc::bind(
            fd,
            std::ptr::from_ref(&addr).cast(),
            std::mem::size_of::<libc::sockaddr_ll>() as u32,
        )
    };
    if bound != 0 {
        return Err(std::io::Error::last_os_error());
    }
    const BATCH: usize = 64;
    let started = Instant::now();
    let limit = Duration::from_secs(60);
    let mut sent = 0u64;
    let mut frames = vec![[0u8; 64]; BATCH];
    while sent < count && started.elapsed() < limit {
        // Pace: never ahead of pps.
        let due = (started.elapsed().as_secs_f64() * pps as f64) as u64;
        if sent >= due {
            std::thread::sleep(Duration::from_micros(50));
            continue;
        }
        let n = BATCH
            .min((count - sent) as usize)
            .min((due - sent) as usize)
            .max(1);
        let mut iov: Vec<libc::iovec> = Vec::with_capacity(n);
        for (i, f) in frames.iter_mut().take(n).enumerate() {
            *f = frame(sent + i as u64);
            iov.push(libc::iovec {
                iov_base: f.as_mut_ptr().cast(),
                iov_len: f.len(),
            });
        }
        let mut msgs: Vec<libc::mmsghdr> = iov
            .iter_mut()
            .map(|v| {
                let mut m: libc::mmsghdr = unsafe { std::mem::zeroed() };
                m.msg_hdr.msg_iov = v;
                m.msg_hdr.msg_iovlen = 1;
                m
            })
            .collect();
        let r = unsafe { libc::sendmmsg(fd, msgs.as_mut_ptr(), n as u32, 0) };
        if r < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() == std::io::ErrorKind::WouldBlock || e.raw_os_error() == Some(libc::ENOBUFS)
            {
                continue;
            }
            return Err(e);
        }
        sent += r as u64;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "sent {sent} frames in {secs:.2} s: {:.0} pps",
        sent as f64 / secs
    );
    unsafe { libc::close(fd) };
    Ok(())
}
