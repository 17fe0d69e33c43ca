//! `wirescope capture`: live capture on one or more interfaces (wirescope-traffic's reader
//! threads, in a namespace with --netns), one collector that dissects, counts and writes pcapng,
//! a one-line summary on a terminal, and the analysis report at the end (as `analyze` prints it).

use crate::cli::CaptureArgs;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use wirescope_traffic::live::{CaptureOptions, CaptureStats};
use wirescope_traffic::reader::{self, Burst, Sink};

/// Hands each burst to the collector (one channel message per burst, not per frame).
struct ToCollector(mpsc::SyncSender<(u32, Burst)>);

impl Sink for ToCollector {
    fn burst(&mut self, linktype: u32, burst: &mut Burst) -> bool {
        self.0.send((linktype, std::mem::take(burst))).is_ok()
    }
}

/// What the capture ended with.
pub struct Outcome {
    pub report: wirescope_traffic::stats::Report,
    /// Per interface: name, frames read, the kernel's counters.
    pub interfaces: Vec<(String, u64, CaptureStats)>,
    pub written: Option<u64>,
}

/// Runs the capture until `--count`, `--duration` or `stop`; errors are messages for the user.
pub fn run(a: &CaptureArgs, stop: Arc<AtomicBool>) -> Result<Outcome, String> {
    let opts = CaptureOptions {
        promiscuous: a.promisc,
        snaplen: a.snaplen,
        buffer_bytes: a.buffer_mb.saturating_mul(1 << 20),
        read_timeout_ms: 100,
        immediate: a.immediate,
        bpf: a.bpf.clone(),
    };
    let names: Vec<String> = a
        .interface
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    if names.is_empty() {
        return Err("give an interface (-i eth0, -i eth0,eth1, or -i any)".into());
    }
    let (tx, rx) = mpsc::sync_channel::<(u32, Burst)>(1024);
    let mut readers = Vec::new();
    for n in &names {
        let sink = ToCollector(tx.clone());
        match reader::spawn(n, &opts, a.netns.clone(), stop.clone(), sink) {
            Ok(r) => readers.push(r),
            Err(e) => {
                // The readers already open stop at their next wake-up.
                stop.store(true, Ordering::Relaxed);
                return Err(e.to_string());
            }
        }
    }
    let mut writer = match &a.write {
        Some(path) => {
            let created = std::fs::File::create(path).and_then(|f| {
                wirescope_traffic::write::PcapNgWriter::new(std::io::BufWriter::new(f), a.snaplen)
            });
            match created {
                Ok(w) => Some(w),
                Err(e) => {
                    stop.store(true, Ordering::Relaxed);
                    return Err(format!("{}: {e}", path.display()));
                }
            }
        }
        None => None,
    };
    drop(tx);
    let started = Instant::now();
    let deadline = a.duration.map(|d| started + d);
    let tty = std::io::stderr().is_terminal() && !a.json;
    let mut dissector = wirescope_traffic::dissect::Dissector::new();
    let mut stats = wirescope_traffic::stats::Stats::new(1_000_000, 3600);
    let mut last_line = Instant::now();
    let mut write_error = None;
    loop {
        if deadline.is_some_and(|d| Instant::now() >= d) || stop.load(Ordering::Relaxed) {
            break;
        }
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok((linktype, burst)) => {
                let mut done = false;
                for (ts_ns, len, data) in burst.iter() {
                    let s = dissector.frame(linktype, data);
                    stats.add(ts_ns, len, &s);
                    if let Some(w) = writer.as_mut()
                        && let Err(e) = w.packet(linktype, ts_ns, len, data)
                    {
                        write_error = Some(e.to_string());
                        done = true;
                        break;
                    }
                    if a.count.is_some_and(|n| stats.packets >= n) {
                        done = true;
                        break;
                    }
                }
                if done {
                    break;
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        if tty && last_line.elapsed() >= Duration::from_secs(1) {
            last_line = Instant::now();
            let secs = started.elapsed().as_secs_f64().max(0.001);
            eprint!(
                "\r\x1b[K{} packets  {} bytes  {:.0} pps  {:.1} s",
                stats.packets,
                stats.bytes,
                stats.packets as f64 / secs,
                secs
            );
        }
    }
    stop.store(true, Ordering::Relaxed);
    drop(rx);
    if tty {
        eprint!("\r\x1b[K");
    }
    let mut interfaces = Vec::new();
    let mut failures = Vec::new();
    for r in readers {
        match r.join() {
            Ok(end) => {
                if let Some(f) = end.error {
                    failures.push(format!("{}: {f}", end.interface));
                }
                interfaces.push((end.interface, end.frames, end.stats));
            }
            Err(_) => failures.push("a capture thread failed".into()),
        }
    }
    let written = match writer {
        Some(w) => {
            let n = w.packets;
            if let Err(e) = w.finish() {
                write_error.get_or_insert(e.to_string());
            }
            Some(n)
        }
        None => None,
    };
    if let Some(e) = write_error {
        return Err(format!("--write: {e}"));
    }
    if !failures.is_empty() {
        return Err(failures.join("; "));
    }
    Ok(Outcome {
        report: stats.report(a.top),
        interfaces,
        written,
    })
}

/// Prints the outcome. Ctrl-C is how an open-ended capture ends, so it is a success, as in
/// tcpdump; `"interrupted": true` says so in JSON.
pub fn print(a: &CaptureArgs, o: &Outcome, interrupted: bool) -> ExitCode {
    let mut out = std::io::stdout().lock();
    if a.json {
        let mut doc = serde_json::to_value(&o.report).unwrap_or_default();
        if let Some(obj) = doc.as_object_mut() {
            obj.insert(
                "capture".into(),
                o.interfaces
                    .iter()
                    .map(|(name, read, s)| {
                        serde_json::json!({"interface": name, "packets": read,
                            "received": s.received, "dropped": s.dropped,
                            "if_dropped": s.if_dropped})
                    })
                    .collect(),
            );
            obj.insert("written".into(), o.written.into());
            obj.insert("interrupted".into(), interrupted.into());
        }
        let _ = writeln!(out, "{doc}");
    } else {
        let _ = writeln!(out, "{}", crate::output::analysis(&o.report));
        let _ = writeln!(out);
        for (name, read, s) in &o.interfaces {
            let _ = writeln!(
                out,
                "{name}: {read} packets read; the kernel: {} received by the filter, {} dropped, {} dropped by the interface",
                s.received, s.dropped, s.if_dropped
            );
        }
        if let (Some(n), Some(path)) = (o.written, &a.write) {
            let _ = writeln!(out, "{n} packets written to {}", path.display());
        }
    }
    ExitCode::SUCCESS
}
