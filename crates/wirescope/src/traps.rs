//! `wirescope traps`: a trap receiver in the terminal. Flags and credential profiles become the
//! receiver's allow-list; each notification is printed as it arrives (a line, or NDJSON), and the
//! counts of what was accepted and refused close the output.

use crate::Failure;
use crate::cli::TrapsArgs;
use std::io::Write as _;
use std::process::ExitCode;
use wirescope_snmp::trap::{Trap, TrapConfig, TrapCounts, TrapReceiver};

/// A trap record as printed in NDJSON.
#[derive(serde::Serialize)]
struct Line<'a> {
    kind: &'static str,
    #[serde(flatten)]
    trap: &'a Trap,
}

/// The closing NDJSON object.
#[derive(serde::Serialize)]
struct Closing<'a> {
    kind: &'static str,
    listen: String,
    #[serde(flatten)]
    counts: &'a TrapCounts,
}

pub(crate) async fn traps(a: TrapsArgs) -> Result<ExitCode, Failure> {
    let config = config(&a)?;
    let any = config.accepts_any();
    let v3 = !config.users.is_empty();
    let mut receiver = TrapReceiver::start(config)
        .await
        .map_err(|e| Failure::Runtime(e.to_string()))?;
    let listen = receiver.local_addr().to_string();
    eprintln!(
        "wirescope: receiving SNMP notifications on {listen}{}{}{}",
        receiver
            .buffer()
            .map(|b| format!(" (a {} KiB kernel buffer)", b / 1024))
            .unwrap_or_default(),
        if v3 {
            format!(" (engine ID {})", receiver.engine_id_hex())
        } else {
            String::new()
        },
        if any {
            "; accepting any community (give -c or --profile to restrict)"
        } else {
            ""
        }
    );
    let deadline = a.duration.map(|d| tokio::time::Instant::now() + d);
    let mut shown = 0u64;
    let mut stdout = std::io::stdout().lock();
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        if a.count.is_some_and(|n| shown >= n) {
            break;
        }
        let until = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        let trap = tokio::select! {
            t = receiver.next() => t,
            () = until => break,
            _ = &mut ctrl_c => break,
        };
        let Some(trap) = trap else {
            let why = receiver.failure().unwrap_or_else(|| "it ended".into());
            return Err(Failure::Runtime(format!("the receiver stopped: {why}")));
        };
        shown += 1;
        let text = if a.json {
            serde_json::to_string(&Line {
                kind: "trap",
                trap: &trap,
            })
            .unwrap_or_default()
        } else {
            trap.line()
        };
        // A closed pipe (| head) ends the output quietly.
        if writeln!(stdout, "{text}")
            .and_then(|()| stdout.flush())
            .is_err()
        {
            return Ok(ExitCode::SUCCESS);
        }
    }
    let counts = receiver.counts();
    if a.json {
        let closing = Closing {
            kind: "traps",
            listen,
            counts: &counts,
        };
        let _ = writeln!(
            stdout,
            "{}",
            serde_json::to_string(&closing).unwrap_or_default()
        );
    } else {
        eprintln!("{}", summary(&counts));
    }
    Ok(ExitCode::SUCCESS)
}

/// The receiver's configuration from the flags and profiles.
fn config(a: &TrapsArgs) -> Result<TrapConfig, Failure> {
    let mut c = TrapConfig::new(a.listen);
    c.netns = a.netns.clone();
    for (i, community) in a.community.iter().enumerate() {
        if community.is_empty() {
            return Err(Failure::Usage("-c: a community cannot be empty".into()));
        }
        c.communities
            .push((format!("-c {}", i + 1), community.clone()));
    }
    if !a.profile.is_empty() {
        let creds = wirescope_creds::Creds::open_default(true)
            .map_err(|e| Failure::Runtime(e.to_string()))?;
        for name in &a.profile {
            let cred = creds.snmp_credential(name).map_err(|e| match e {
                wirescope_creds::CredsError::Profiles(m) => {
                    Failure::Usage(format!("--profile: {m}"))
                }
                other => Failure::Runtime(other.to_string()),
            })?;
            c.add_credential(cred);
        }
    }
    if let Some(hex) = &a.engine_id {
        c.engine_id = Some(
            wirescope_snmp::trap::parse_hex(hex)
                .map_err(|e| Failure::Usage(format!("--engine-id: {e}")))?,
        );
    }
    if let Some(p) = &a.engine_state {
        c.engine_state = p.clone();
    }
    Ok(c)
}

/// `12 notifications (3 informs acknowledged); refused: 2 unknown community (198.18.0.5), ...`
fn summary(c: &TrapCounts) -> String {
    let mut s = format!(
        "{} notification{} ({} inform{} acknowledged)",
        c.received,
        if c.received == 1 { "" } else { "s" },
        c.informs_acked,
        if c.informs_acked == 1 { "" } else { "s" }
    );
    let refused = [
        (c.unknown_community, "unknown community"),
        (c.unknown_user, "unknown user"),
        (c.bad_auth, "bad authentication"),
        (c.malformed, "malformed"),
    ];
    let parts: Vec<String> = refused
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, why)| {
            let sources: Vec<String> = c
                .rejected
                .iter()
                .filter(|r| r.reason == *why)
                .take(3)
                .map(|r| r.source.to_string())
                .collect();
            if sources.is_empty() {
                format!("{n} {why}")
            } else {
                format!("{n} {why} (from {})", sources.join(", "))
            }
        })
        .collect();
    if !parts.is_empty() {
        s.push_str("; refused: ");
        s.push_str(&parts.join(", "));
    }
    if c.dropped > 0 {
        s.push_str(&format!("; {} dropped (printing fell behind)", c.dropped));
    }
    s
}
