//! A trap sender for benchmarks: SNMPv2c linkDown traps (as net-snmp's snmptrap encodes them,
//! each with its own request-id so every one can be counted) at a steady rate for a time, from
//! one UDP socket. snmptrap forks once per trap and cannot go past a few hundred a second.
//! Usage: trap_blast ADDR:PORT RATE SECONDS   (prints the number sent and the rate reached)

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

/// A v2c linkDown with community "lab": sysUpTime, snmpTrapOID, ifIndex.3, ifOperStatus.3,
/// ifName.3. The request-id is the four bytes at `ID_AT`.
const TEMPLATE: &str = "307802010104036c6162a76e02046d488ad10201000201003060300e06082b06010201010300430230393017060a2b06010603010104010006092b0601060301010503300f060a2b060102010202010103020103300f060a2b0601020102020108030201023013060b2b060102011f0101010103040473777032";
const ID_AT: usize = 14;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = || -> ! {
        eprintln!(
            "usage: trap_blast ADDR:PORT RATE SECONDS (RATE 1 to 1,000,000, SECONDS 1 to 600)"
        );
        std::process::exit(2)
    };
    let [to, rate, secs] = args.as_slice() else {
        usage()
    };
    let Ok(to) = to.parse::<SocketAddr>() else {
        usage()
    };
    let rate: u64 = rate
        .parse()
        .ok()
        .filter(|r| (1..=1_000_000).contains(r))
        .unwrap_or_else(|| usage());
    let secs: u64 = secs
        .parse()
        .ok()
        .filter(|s| (1..=600).contains(s))
        .unwrap_or_else(|| usage());
    let mut datagram: Vec<u8> = (0..TEMPLATE.len())
        .step_by(2)
        .filter_map(|i| u8::from_str_radix(&TEMPLATE[i..i + 2], 16).ok())
        .collect();
    let bind = if to.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" };
    let socket = UdpSocket::bind(bind).unwrap_or_else(|e| {
        eprintln!("trap_blast: {e}");
        std::process::exit(1)
    });
    let total = rate * secs;
    let start = Instant::now();
    let mut sent = 0u64;
    let mut failed = 0u64;
    while sent < total {
        // Send what is due by now (a millisecond's worth at a time), then wait for the next.
        let due = ((start.elapsed().as_secs_f64() * rate as f64) as u64 + 1).min(total);
        while sent < due {
            let id = (sent as u32).wrapping_add(1) & 0x7fff_ffff;
            datagram[ID_AT..ID_AT + 4].copy_from_slice(&id.to_be_bytes());
            if socket.send_to(&datagram, to).is_err() {
                failed += 1;
            }
            sent += 1;
        }
        std::thread::sleep(Duration::from_micros(500));
    }
    let took = start.elapsed().as_secs_f64();
    println!(
        "{{\"sent\": {sent}, \"failed\": {failed}, \"seconds\": {took:.3}, \"rate\": {:.0}}}",
        sent as f64 / took
    );
}
