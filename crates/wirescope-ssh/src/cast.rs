//! Terminal recordings in asciicast v2 (asciinema's format): a JSON header line, then one
//! `[seconds, "o", text]` line per output chunk and `[seconds, "r", "COLSxROWS"]` per resize.
//! Keystrokes are not recorded: they would hold the passwords typed at prompts.

use serde::{Deserialize, Serialize};
use std::time::Instant;

/// The header line of a recording.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub version: u32,
    pub width: u16,
    pub height: u16,
    /// Unix time of the start, in seconds.
    pub timestamp: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default)]
    pub env: serde_json::Map<String, serde_json::Value>,
}

/// One event of a recording.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub time: f64,
    /// "o" output, "r" resize, "i" input, "m" marker.
    pub code: String,
    pub data: String,
}

/// Builds a recording as a session runs, up to a size limit. What is recorded waits in memory
/// until [`Recorder::take`] hands it over (to be appended to storage), so a long session does
/// not hold its whole recording.
#[derive(Debug)]
pub struct Recorder {
    started: Instant,
    /// Recorded and not yet taken.
    out: Vec<u8>,
    /// Bytes recorded in all, taken or not.
    len: usize,
    /// Bytes of a UTF-8 sequence cut by a chunk boundary, held for the next chunk.
    pending: Vec<u8>,
    limit: usize,
    truncated: bool,
}

impl Recorder {
    /// Starts a recording of a `width`×`height` terminal; once an event would take it past
    /// `limit` bytes, that event and everything after it are dropped and
    /// [`Recorder::truncated`] says so.
    pub fn new(width: u16, height: u16, title: Option<String>, limit: usize) -> Self {
        let timestamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut env = serde_json::Map::new();
        env.insert("TERM".into(), "xterm-256color".into());
        let header = Header {
            version: 2,
            width,
            height,
            timestamp,
            title,
            env,
        };
        let mut out = serde_json::to_vec(&header).unwrap_or_default();
        out.push(b'\n');
        Recorder {
            started: Instant::now(),
            len: out.len(),
            out,
            pending: Vec::new(),
            limit,
            truncated: false,
        }
    }

    fn event(&mut self, code: &str, data: &str) {
        // Once something was dropped, nothing later is kept: a recording has no holes.
        if self.truncated {
            return;
        }
        let t = self.started.elapsed().as_secs_f64();
        let line = serde_json::json!([(t * 1e6).round() / 1e6, code, data]);
        let mut bytes = serde_json::to_vec(&line).unwrap_or_default();
        bytes.push(b'\n');
        if self.len + bytes.len() > self.limit {
            self.truncated = true;
            return;
        }
        self.len += bytes.len();
        self.out.extend_from_slice(&bytes);
    }

    /// Records terminal output. A UTF-8 sequence split across chunks is kept whole; bytes that
    /// are not UTF-8 become U+FFFD, as a terminal would show them.
    pub fn output(&mut self, bytes: &[u8]) {
        self.pending.extend_from_slice(bytes);
        let mut text = String::new();
        let mut rest: &[u8] = &self.pending;
        loop {
            match std::str::from_utf8(rest) {
                Ok(s) => {
                    text.push_str(s);
                    rest = &[];
                    break;
                }
                Err(e) => {
                    let (good, after) = rest.split_at(e.valid_up_to());
                    text.push_str(std::str::from_utf8(good).unwrap_or_default());
                    match e.error_len() {
                        // a sequence cut at the end: wait for the rest of it
                        None => {
                            rest = after;
                            break;
                        }
                        Some(n) => {
                            text.push('\u{fffd}');
                            rest = &after[n..];
                        }
                    }
                }
            }
        }
        self.pending = rest.to_vec();
        if !text.is_empty() {
            self.event("o", &text);
        }
    }

    /// Records a terminal resize.
    pub fn resize(&mut self, cols: u16, rows: u16) {
        self.event("r", &format!("{cols}x{rows}"));
    }

    /// Whether output was dropped at the size limit.
    pub fn truncated(&self) -> bool {
        self.truncated
    }

    /// Bytes recorded so far, taken or not.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether anything waits to be taken.
    pub fn is_empty(&self) -> bool {
        self.out.is_empty()
    }

    /// What was recorded since the last take (the first take starts with the header); joined in
    /// order, the takes and [`Recorder::finish`] are the asciicast v2 text.
    pub fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }

    /// The rest of the recording (what no take handed over yet).
    pub fn finish(mut self) -> Vec<u8> {
        if !self.pending.is_empty() {
            let text = String::from_utf8_lossy(&std::mem::take(&mut self.pending)).into_owned();
            self.event("o", &text);
        }
        self.out
    }
}

/// A recording that does not parse, with the line at fault.
#[derive(Debug, thiserror::Error)]
#[error("asciicast line {line}: {reason}")]
pub struct CastError {
    pub line: usize,
    pub reason: String,
}

/// Reads an asciicast v2 recording.
pub fn parse(text: &str) -> Result<(Header, Vec<Event>), CastError> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, first) = lines.next().ok_or(CastError {
        line: 1,
        reason: "empty recording".into(),
    })?;
    let header: Header = serde_json::from_str(first).map_err(|e| CastError {
        line: 1,
        reason: format!("header: {e}"),
    })?;
    if header.version != 2 {
        return Err(CastError {
            line: 1,
            reason: format!("version {} (only 2 is read)", header.version),
        });
    }
    let mut events = Vec::new();
    for (i, l) in lines {
        let (time, code, data): (f64, String, String) =
            serde_json::from_str(l).map_err(|e| CastError {
                line: i + 1,
                reason: e.to_string(),
            })?;
        events.push(Event { time, code, data });
    }
    Ok((header, events))
}

/// The terminal output of a recording, all chunks joined.
pub fn output_text(events: &[Event]) -> String {
    events
        .iter()
        .filter(|e| e.code == "o")
        .map(|e| e.data.as_str())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_resizes_and_split_utf8() {
        let mut r = Recorder::new(80, 24, Some("wsl-key@198.18.0.122".into()), 1 << 20);
        r.output(b"hello ");
        let snow = "\u{2603}".as_bytes(); // 3 bytes
        r.output(&snow[..1]);
        r.output(&snow[1..]);
        r.resize(120, 40);
        r.output(b"\x1b[38;5;196mred\x1b[0m\xff\r\n");
        let mut text = String::from_utf8(r.take()).expect("utf-8");
        assert!(r.is_empty());
        r.output(b"!");
        text.push_str(&String::from_utf8(r.finish()).expect("utf-8"));
        let (h, ev) = parse(&text).expect("parse");
        assert_eq!((h.version, h.width, h.height), (2, 80, 24));
        assert_eq!(h.env["TERM"], "xterm-256color");
        assert_eq!(ev.iter().filter(|e| e.code == "r").count(), 1);
        assert_eq!(
            ev.iter().find(|e| e.code == "r").map(|e| e.data.as_str()),
            Some("120x40")
        );
        assert_eq!(
            output_text(&ev),
            "hello \u{2603}\x1b[38;5;196mred\x1b[0m\u{fffd}\r\n!"
        );
        assert!(ev.windows(2).all(|w| w[0].time <= w[1].time));
    }

    #[test]
    fn a_bad_byte_does_not_spoil_a_cut_sequence() {
        let mut r = Recorder::new(80, 24, None, 1 << 20);
        let snow = "\u{2603}".as_bytes();
        let mut chunk = b"a\xffb".to_vec();
        chunk.extend_from_slice(&snow[..2]);
        r.output(&chunk);
        r.output(&snow[2..]);
        let (_, ev) = parse(&String::from_utf8(r.finish()).expect("utf-8")).expect("parse");
        assert_eq!(output_text(&ev), "a\u{fffd}b\u{2603}");
    }

    #[test]
    fn size_limit_truncates() {
        let mut r = Recorder::new(80, 24, None, 400);
        for _ in 0..100 {
            r.output(b"0123456789");
        }
        assert!(r.truncated());
        assert!(r.len() <= 400);
        let kept = r.len();
        r.output(b"x");
        r.resize(1, 1);
        assert_eq!(r.len(), kept, "nothing after the cut");
        let text = String::from_utf8(r.finish()).expect("utf-8");
        assert!(parse(&text).is_ok());
    }

    #[test]
    fn junk_recordings_are_errors_not_panics() {
        let mut x: u64 = 0x000a_5c11_ca57;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let pieces = [
            "{\"version\":2,\"width\":80,\"height\":24,\"timestamp\":0}",
            "\n",
            "[",
            "]",
            "0.5",
            ",",
            "\"o\"",
            "\"r\"",
            "\"80x24\"",
            "null",
            "-1",
            "1e999",
            "{",
            "}",
            "\"",
            "\\u0000",
        ];
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..(next() % 16) {
                text.push_str(pieces[(next() % pieces.len() as u64) as usize]);
            }
            if let Ok((_, ev)) = parse(&text) {
                let _ = output_text(&ev);
            }
        }
        let mut r = Recorder::new(80, 24, None, 1 << 16);
        for _ in 0..2_000 {
            let chunk: Vec<u8> = (0..(next() % 9)).map(|_| (next() % 256) as u8).collect();
            r.output(&chunk);
        }
        let text = String::from_utf8(r.finish()).expect("always UTF-8");
        assert!(parse(&text).is_ok());
    }

    #[test]
    fn bad_recordings_name_the_line() {
        assert_eq!(parse("").expect_err("empty").line, 1);
        let e = parse("{\"version\":1,\"width\":1,\"height\":1,\"timestamp\":0}").expect_err("v1");
        assert!(e.reason.contains("version 1"));
        let e = parse(
            "{\"version\":2,\"width\":1,\"height\":1,\"timestamp\":0}\n[0.1,\"o\",\"x\"]\n[oops\n",
        )
        .expect_err("junk");
        assert_eq!(e.line, 3);
    }
}
