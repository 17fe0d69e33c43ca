//! Benchmark helper: keystroke-to-screen echo latency through the dashboard's terminal
//! WebSocket. Opens a terminal (accepting the host key it is shown), starts `cat > /dev/null`,
//! then types COUNT characters one at a time, each after the echo of the one before, and
//! prints "samples p50_ms p99_ms max_ms". Usage:
//! ssh_echo WS_URL OPEN_JSON COUNT   (OPEN_JSON is the terminal's "open" message)

use futures::{SinkExt, StreamExt};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn next(ws: &mut Ws) -> Result<Message, String> {
    match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
        Ok(Some(Ok(m))) => Ok(m),
        Ok(other) => Err(format!("socket ended: {other:?}")),
        Err(_) => Err("no answer in 10 s".into()),
    }
}

/// Reads output until it contains `want`.
async fn until(ws: &mut Ws, want: &[u8]) -> Result<(), String> {
    let mut seen = Vec::new();
    while !seen.windows(want.len()).any(|w| w == want) {
        match next(ws).await? {
            Message::Binary(b) => seen.extend_from_slice(&b),
            Message::Text(t) => return Err(format!("unexpected message {t}")),
            _ => {}
        }
    }
    Ok(())
}

async fn run(url: &str, open: &str, count: usize) -> Result<Vec<f64>, String> {
    let (mut ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .map_err(|e| e.to_string())?;
    ws.send(Message::Text(open.to_string().into()))
        .await
        .map_err(|e| e.to_string())?;
    loop {
        let Message::Text(t) = next(&mut ws).await? else {
            continue;
        };
        let v: serde_json::Value = serde_json::from_str(&t).map_err(|e| e.to_string())?;
        match v["type"].as_str() {
            Some("host_key") => {
                let accept =
                    serde_json::json!({"type": "accept_host_key", "fingerprint": v["fingerprint"]});
                ws.send(Message::Text(accept.to_string().into()))
                    .await
                    .map_err(|e| e.to_string())?;
            }
            Some("ready") => break,
            _ => return Err(format!("cannot open the terminal: {t}")),
        }
    }
    ws.send(Message::Binary(b"exec cat > /dev/null\n".to_vec().into()))
        .await
        .map_err(|e| e.to_string())?;
    until(&mut ws, b"/dev/null\r\n").await?;
    let mut samples = Vec::with_capacity(count);
    for i in 0..count {
        // letters cycle so each echo is told apart from the last; a line break every 60
        let c = if i % 60 == 59 {
            b'\r'
        } else {
            b'a' + (i % 26) as u8
        };
        let want: &[u8] = if c == b'\r' {
            b"\r\n"
        } else {
            std::slice::from_ref(&c)
        };
        let t0 = Instant::now();
        ws.send(Message::Binary(vec![c].into()))
            .await
            .map_err(|e| e.to_string())?;
        until(&mut ws, want).await?;
        samples.push(t0.elapsed().as_secs_f64() * 1000.0);
    }
    let _ = ws.send(Message::Binary(b"\x04".to_vec().into())).await;
    Ok(samples)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(url), Some(open), Some(count)) = (
        args.get(1),
        args.get(2),
        args.get(3)
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|&n| n > 0),
    ) else {
        eprintln!("usage: ssh_echo WS_URL OPEN_JSON COUNT");
        std::process::exit(2);
    };
    match run(url, open, count).await {
        Ok(mut s) => {
            s.sort_by(f64::total_cmp);
            let q = |p: f64| s[((s.len() as f64 * p).ceil() as usize).clamp(1, s.len()) - 1];
            println!(
                "{} {:.3} {:.3} {:.3}",
                s.len(),
                q(0.5),
                q(0.99),
                s[s.len() - 1]
            );
        }
        Err(e) => {
            eprintln!("ssh_echo: {e}");
            std::process::exit(1);
        }
    }
}
