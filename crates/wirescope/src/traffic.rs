//! The traffic commands: `analyze FILE` (a capture file's report), `capture` (live) and
//! `anonymize IN -o OUT` (a capture made fit to share).

use crate::{Failure, capture, cli, output};
use std::io::Write;
use std::process::ExitCode;

/// `wirescope capture`: runs the capture off the runtime thread, so Ctrl-C is heard.
pub(crate) async fn live_capture(a: cli::CaptureArgs) -> Result<ExitCode, Failure> {
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let interrupted = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (s, i) = (stop.clone(), interrupted.clone());
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            i.store(true, std::sync::atomic::Ordering::Relaxed);
            s.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    });
    let a = std::sync::Arc::new(a);
    let args = a.clone();
    let outcome = tokio::task::spawn_blocking(move || capture::run(&args, stop))
        .await
        .map_err(|e| Failure::Runtime(e.to_string()))?
        .map_err(Failure::Runtime)?;
    Ok(capture::print(
        &a,
        &outcome,
        interrupted.load(std::sync::atomic::Ordering::Relaxed),
    ))
}

/// The filter text around a 1-based column, with a caret under it: at most 60 characters
/// either side, so a hostile 60,000-character filter still gives a readable error.
fn pointer(text: &str, column: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    let at = column.saturating_sub(1).min(chars.len());
    let from = at.saturating_sub(60);
    let to = (at + 60).min(chars.len());
    let (lead, tail) = (
        if from > 0 { "..." } else { "" },
        if to < chars.len() { "..." } else { "" },
    );
    let shown: String = chars[from..to].iter().collect();
    let caret = " ".repeat(lead.len() + at - from);
    format!("    {lead}{shown}{tail}\n    {caret}^")
}

/// `wirescope analyze FILE`: the report of a capture file, and its damage if any.
pub(crate) fn analyze(a: cli::AnalyzeArgs) -> Result<ExitCode, Failure> {
    let limits = wirescope_traffic::Limits {
        top: a.top,
        threads: a.threads.map_or_else(
            || std::thread::available_parallelism().map_or(1, usize::from),
            usize::from,
        ),
        ..Default::default()
    };
    let filter =
        match &a.filter {
            Some(text) => Some(wirescope_traffic::filter::Filter::parse(text).map_err(|e| {
                Failure::Usage(format!("--filter: {e}\n{}", pointer(text, e.column)))
            })?),
            None => None,
        };
    let analysis =
        wirescope_traffic::analyze_file(&a.file, limits, filter.as_ref(), a.write.as_deref())
            .map_err(|e| Failure::Runtime(e.to_string()))?;
    let mut out = std::io::stdout().lock();
    let text = if let Some(table) = &a.csv {
        wirescope_traffic::stats::csv(&analysis.report, table)
            .map_err(|e| Failure::Usage(format!("--csv: {e}")))?
            .trim_end()
            .to_string()
    } else if a.json {
        let mut doc = serde_json::to_value(&analysis.report).unwrap_or_default();
        if let Some(o) = doc.as_object_mut() {
            o.insert("file".into(), a.file.display().to_string().into());
            o.insert(
                "filter".into(),
                a.filter.clone().map_or(serde_json::Value::Null, Into::into),
            );
            o.insert(
                "damage".into(),
                analysis
                    .damage
                    .as_ref()
                    .map(|d| serde_json::json!({"offset": d.offset, "what": d.what}))
                    .unwrap_or(serde_json::Value::Null),
            );
        }
        doc.to_string()
    } else {
        output::analysis(&analysis.report)
    };
    let _ = writeln!(out, "{text}");
    match analysis.damage {
        Some(d) => Err(Failure::Runtime(format!(
            "{} is damaged: {d} (the report covers what came before)",
            a.file.display()
        ))),
        None => Ok(ExitCode::SUCCESS),
    }
}

/// Key files larger than this are refused before they are read.
const MAX_KEY_FILE: u64 = 4096;

/// A Crypto-PAn key file, read for the flag `flag`; a usage error naming both when it is not one.
pub(crate) fn read_key(path: &std::path::Path, flag: &str) -> Result<[u8; 32], Failure> {
    let shown = path.display();
    let size = std::fs::metadata(path)
        .map_err(|e| Failure::Usage(format!("{flag} {shown}: {e}")))?
        .len();
    if size > MAX_KEY_FILE {
        return Err(Failure::Usage(format!(
            "{flag} {shown}: {size} bytes is not a key (32 bytes, or 64 hex digits)"
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| Failure::Usage(format!("{flag} {shown}: {e}")))?;
    wirescope_traffic::anon::parse_key(&bytes)
        .map_err(|e| Failure::Usage(format!("{flag} {shown}: {e}")))
}

/// `wirescope anonymize IN -o OUT --key KEYFILE`.
pub(crate) fn anonymize(a: cli::AnonymizeArgs) -> Result<ExitCode, Failure> {
    let key = read_key(&a.key, "--key")?;
    if a.output != std::path::Path::new("-")
        && std::fs::canonicalize(&a.output).ok() == std::fs::canonicalize(&a.input).ok()
        && a.output.exists()
    {
        return Err(Failure::Usage(format!(
            "-o {}: that is the input; write the anonymised capture elsewhere",
            a.output.display()
        )));
    }
    let mut anon = wirescope_traffic::anon::Anonymizer::new(&key, a.macs, a.cut_after);
    let started = std::time::Instant::now();
    let done = if a.output == std::path::Path::new("-") {
        wirescope_traffic::anon::anonymize_file(&a.input, std::io::stdout().lock(), &mut anon)
    } else {
        // written beside the output and renamed into place: a failure leaves no half file
        let tmp = a.output.with_extension("pcapng.part");
        let file = std::fs::File::create(&tmp)
            .map_err(|e| Failure::Usage(format!("-o {}: {e}", a.output.display())))?;
        let done = wirescope_traffic::anon::anonymize_file(&a.input, file, &mut anon);
        match &done {
            Ok(_) => std::fs::rename(&tmp, &a.output)
                .map_err(|e| Failure::Runtime(format!("-o {}: {e}", a.output.display())))?,
            Err(_) => {
                let _ = std::fs::remove_file(&tmp);
            }
        }
        done
    }
    .map_err(|e| Failure::Runtime(e.to_string()))?;
    let secs = started.elapsed().as_secs_f64();
    let c = &done.counts;
    if a.json {
        let mut doc = serde_json::to_value(c).unwrap_or_default();
        if let Some(o) = doc.as_object_mut() {
            o.insert("input".into(), a.input.display().to_string().into());
            o.insert("output".into(), a.output.display().to_string().into());
            o.insert("elapsed_s".into(), secs.into());
            o.insert(
                "damage".into(),
                done.damage
                    .as_ref()
                    .map(|d| serde_json::json!({"offset": d.offset, "what": d.what}))
                    .unwrap_or(serde_json::Value::Null),
            );
        }
        println!("{doc}");
    } else {
        eprintln!(
            "wirescope: anonymised {} frames of {} into {} in {secs:.2} s: {} IP headers \
             ({} quoted in ICMP errors), {} ARP, {} frames with MACs scrambled, {} frames cut \
             ({} bytes), {} left as they were",
            c.packets,
            a.input.display(),
            a.output.display(),
            c.ip_headers,
            c.icmp_quoted,
            c.arp,
            c.macs,
            c.cut_frames,
            c.cut_bytes,
            c.untouched
        );
    }
    match done.damage {
        Some(d) => Err(Failure::Runtime(format!(
            "{} is damaged: {d} (what came before it was anonymised)",
            a.input.display()
        ))),
        None => Ok(ExitCode::SUCCESS),
    }
}
