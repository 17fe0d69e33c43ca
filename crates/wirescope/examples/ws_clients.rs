//! Benchmark helper: N WebSocket clients subscribe to one run and count every result they get
//! until the run ends; prints one line per client ("results duplicates gaps") and exits non-zero
//! if any client missed or repeated a result. Usage: ws_clients WS_URL RUN_ID CLIENTS

use futures::{SinkExt, StreamExt};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(url), Some(run), Some(n)) = (
        args.get(1),
        args.get(2).and_then(|r| r.parse::<i64>().ok()),
        args.get(3).and_then(|n| n.parse::<usize>().ok()),
    ) else {
        eprintln!("usage: ws_clients WS_URL RUN_ID CLIENTS");
        std::process::exit(2);
    };
    let clients = (0..n).map(|_| {
        let url = url.clone();
        tokio::spawn(async move {
            let (mut ws, _) = tokio_tungstenite::connect_async(url.as_str())
                .await
                .map_err(|e| e.to_string())?;
            let sub = format!(r#"{{"type":"subscribe","run":{run}}}"#);
            ws.send(Message::Text(sub.into()))
                .await
                .map_err(|e| e.to_string())?;
            let (mut count, mut dups, mut gaps, mut next) = (0u64, 0u64, 0u64, 0i64);
            loop {
                let msg = tokio::time::timeout(Duration::from_secs(120), ws.next())
                    .await
                    .map_err(|_| "timed out".to_string())?;
                let Some(Ok(Message::Text(text))) = msg else {
                    if msg.is_none() {
                        return Err("closed early".to_string());
                    }
                    continue;
                };
                let v: serde_json::Value =
                    serde_json::from_str(&text).map_err(|e| e.to_string())?;
                match v["type"].as_str() {
                    Some("result") => {
                        let seq = v["seq"].as_i64().unwrap_or(-1);
                        count += 1;
                        if seq < next {
                            dups += 1;
                        } else {
                            gaps += (seq - next) as u64;
                            next = seq + 1;
                        }
                    }
                    Some("status")
                        if !matches!(v["status"].as_str(), Some("running" | "queued")) =>
                    {
                        return Ok::<_, String>((count, dups, gaps));
                    }
                    _ => {}
                }
            }
        })
    });
    let mut bad = false;
    for c in futures::future::join_all(clients).await {
        match c {
            Ok(Ok((count, dups, gaps))) => {
                println!("{count} {dups} {gaps}");
                bad |= dups > 0 || gaps > 0;
            }
            Ok(Err(e)) => {
                println!("error {e}");
                bad = true;
            }
            Err(e) => {
                println!("error {e}");
                bad = true;
            }
        }
    }
    std::process::exit(i32::from(bad));
}
