//! What a notice says, in each channel's shape: wirescope's JSON body, Slack and Mattermost
//! `text`, a Teams Adaptive Card, and a mail's subject and plain-text body with the evidence
//! written out (the two paths side by side, the ports, the diff, the latency against its
//! baseline). Pure.

use serde::Serialize;
use serde_json::{Value, json};
use wirescope_store::{AlertEvent, EventKind};

/// One event as channels are told it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notice {
    pub id: i64,
    pub suite: String,
    pub rule: String,
    pub preset: String,
    pub target: String,
    pub kind: EventKind,
    /// RFC 3339, UTC.
    pub at: String,
    pub summary: String,
    pub evidence: Value,
    pub run_id: Option<i64>,
}

impl Notice {
    pub fn of(e: &AlertEvent) -> Notice {
        Notice {
            id: e.id,
            suite: e.suite.clone().unwrap_or_else(|| "SNMP traps".into()),
            rule: e.rule.clone(),
            preset: e.preset.clone(),
            target: e.target.clone(),
            kind: e.kind,
            at: rfc3339(e.at),
            summary: e.summary.clone(),
            evidence: serde_json::from_str(e.evidence.get()).unwrap_or(Value::Null),
            run_id: e.run_id,
        }
    }

    /// A notice to try a channel with.
    pub fn test(channel: &str, now_ms: i64) -> Notice {
        Notice {
            id: 0,
            suite: "(test)".into(),
            rule: "test".into(),
            preset: "test".into(),
            target: channel.into(),
            kind: EventKind::Firing,
            at: rfc3339(now_ms),
            summary: format!("test: wirescope can reach the channel '{channel}'"),
            evidence: Value::Null,
            run_id: None,
        }
    }

    fn tag(&self) -> &'static str {
        match self.kind {
            EventKind::Firing => "FIRING",
            EventKind::Renotify => "STILL FIRING",
            EventKind::Resolved => "RESOLVED",
            EventKind::Changed => "CHANGED",
        }
    }
}

fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).map_or_else(|_| ms.to_string(), |t| t.to_string())
}

/// wirescope's own webhook body.
pub fn json_body(n: &Notice) -> Value {
    json!({ "version": 1, "event": n })
}

/// A Slack or Mattermost incoming-webhook body (`bold` is `*` for Slack, `**` for Markdown).
pub fn text_body(n: &Notice, bold: &str) -> Value {
    let evidence = evidence_text(&n.preset, &n.evidence);
    let mut text = format!(
        "{bold}[{}] {}{bold}\nsuite {} · rule {} · {}",
        n.tag(),
        n.summary,
        n.suite,
        n.rule,
        n.at
    );
    if !evidence.is_empty() {
        text.push_str(&format!("\n```\n{}\n```", clip(&evidence, 3_000)));
    }
    json!({ "text": text })
}

/// A Teams workflow body: an Adaptive Card.
pub fn teams_body(n: &Notice) -> Value {
    let evidence = evidence_text(&n.preset, &n.evidence);
    let mut body = vec![
        json!({"type": "TextBlock", "weight": "Bolder", "size": "Medium", "wrap": true,
               "text": format!("[{}] {}", n.tag(), n.summary)}),
        json!({"type": "FactSet", "facts": [
            {"title": "Suite", "value": n.suite},
            {"title": "Rule", "value": n.rule},
            {"title": "Target", "value": n.target},
            {"title": "At", "value": n.at},
        ]}),
    ];
    if !evidence.is_empty() {
        body.push(
            json!({"type": "TextBlock", "fontType": "Monospace", "wrap": true,
                         "text": clip(&evidence, 3_000)}),
        );
    }
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": body,
            }
        }]
    })
}

/// A mail's subject.
pub fn subject(n: &Notice) -> String {
    format!("[wirescope] {} {} ({})", n.tag(), n.summary, n.suite)
}

/// A mail's plain-text body.
pub fn mail_text(n: &Notice) -> String {
    let mut out = format!(
        "{}\n\nSuite:  {}\nRule:   {} ({})\nTarget: {}\nAt:     {}\n",
        n.summary, n.suite, n.rule, n.preset, n.target, n.at
    );
    if let Some(run) = n.run_id {
        out.push_str(&format!("Run:    {run}\n"));
    }
    let evidence = evidence_text(&n.preset, &n.evidence);
    if !evidence.is_empty() {
        out.push('\n');
        out.push_str(&evidence);
        out.push('\n');
    }
    out
}

fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut cut = max;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}\n… (cut; the dashboard has it all)", &s[..cut])
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|x| match x {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The evidence of an event written out for people.
pub fn evidence_text(preset: &str, e: &Value) -> String {
    match preset {
        "path_changed" => {
            let (before, after) = (&e["before"], &e["after"]);
            let hops = |p: &Value, ttl: &str| strings(&p[ttl]).join(" | ");
            let mut ttls: Vec<u32> = before
                .as_object()
                .into_iter()
                .chain(after.as_object())
                .flat_map(|o| o.keys().filter_map(|k| k.parse().ok()))
                .collect();
            ttls.sort_unstable();
            ttls.dedup();
            let width = ttls
                .iter()
                .map(|t| hops(before, &t.to_string()).len())
                .max()
                .unwrap_or(0)
                .max(6);
            let moved: Vec<u64> = e["moved"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_u64).collect())
                .unwrap_or_default();
            let mut out = format!("hop  {:<width$}  after\n", "before");
            for t in ttls {
                let (b, a) = (hops(before, &t.to_string()), hops(after, &t.to_string()));
                let mark = if moved.contains(&u64::from(t)) {
                    "*"
                } else {
                    " "
                };
                out.push_str(&format!(
                    "{t:>3}{mark} {:<width$}  {}\n",
                    if b.is_empty() { "-" } else { &b },
                    if a.is_empty() { "-" } else { &a }
                ));
            }
            out.trim_end().to_string()
        }
        "port_closed" => format!(
            "closed: {}\nexpected open: {}\nopen now: {}",
            strings(&e["closed"]).join(", "),
            strings(&e["expected"]).join(", "),
            strings(&e["open"]).join(", ")
        ),
        "port_opened" => format!(
            "opened: {}\nopen before: {}\nopen now: {}",
            strings(&e["opened"]).join(", "),
            strings(&e["before"]).join(", "),
            strings(&e["open"]).join(", ")
        ),
        "output_changed" => e["diff"]
            .as_str()
            .unwrap_or_default()
            .trim_end()
            .to_string(),
        "dns_changed" => {
            let show = |v: &Value| {
                format!(
                    "{} {}",
                    v["rcode"].as_str().unwrap_or("?"),
                    strings(&v["answers"]).join(" ")
                )
            };
            format!(
                "before: {}\nafter:  {}",
                show(&e["before"]),
                show(&e["after"])
            )
        }
        "latency_up" => match (e["median_ms"].as_f64(), e["baseline_ms"].as_f64()) {
            (Some(m), Some(b)) => format!(
                "median {m:.1} ms against a baseline of {b:.1} ms (the median over {} before); thresholds +{} ms and +{}%",
                e["baseline_window"].as_str().unwrap_or("the window"),
                e["over_ms"],
                e["over_pct"]
            ),
            _ => String::new(),
        },
        "interface_down" => e["down"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|i| {
                        format!(
                            "{}: oper {}, admin {}",
                            i["name"].as_str().unwrap_or("?"),
                            i["oper"].as_str().unwrap_or("?"),
                            i["admin"].as_str().unwrap_or("?")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default(),
        "neighbor_gone" => format!("gone: {}", strings(&e["gone"]).join("; ")),
        "neighbor_new" => format!("new: {}", strings(&e["new"]).join("; ")),
        "down" => e["result"].as_str().unwrap_or_default().to_string(),
        "loss_up" => match e["loss_pct"].as_f64() {
            Some(l) => format!("{l}% lost of {} (limit {}%)", e["sent"], e["limit_pct"]),
            None => String::new(),
        },
        _ => String::new(),
    }
}

/// Reads a mail address (`noc@example.net` or `NOC <noc@example.net>`).
pub fn mailbox(s: &str) -> Result<lettre::message::Mailbox, String> {
    s.trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a mail address"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice(preset: &str, evidence: Value) -> Notice {
        Notice {
            id: 7,
            suite: "core".into(),
            rule: preset.into(),
            preset: preset.into(),
            target: "198.18.0.9".into(),
            kind: EventKind::Changed,
            at: rfc3339(1_764_000_000_000),
            summary: "path changed: 198.18.0.9: path changed at hop 2".into(),
            evidence,
            run_id: Some(12),
        }
    }

    #[test]
    fn a_path_change_is_written_side_by_side_with_the_moved_hop_marked() {
        let n = notice(
            "path_changed",
            json!({
                "before": {"1": ["10.0.0.1"], "2": ["10.1.0.1", "10.2.0.1"], "3": ["198.18.0.9"]},
                "after": {"1": ["10.0.0.1"], "2": ["10.3.0.1"], "3": ["198.18.0.9"]},
                "moved": [2]
            }),
        );
        assert_eq!(
            evidence_text(&n.preset, &n.evidence),
            "hop  before               after\n  1  10.0.0.1             10.0.0.1\n  2* 10.1.0.1 | 10.2.0.1  10.3.0.1\n  3  198.18.0.9           198.18.0.9"
        );
        let mail = mail_text(&n);
        assert!(
            mail.starts_with("path changed: 198.18.0.9: path changed at hop 2\n\nSuite:  core\n"),
            "{mail}"
        );
        assert!(mail.contains("Run:    12\n"));
        assert_eq!(
            subject(&n),
            "[wirescope] CHANGED path changed: 198.18.0.9: path changed at hop 2 (core)"
        );
    }

    #[test]
    fn each_webhook_format_has_its_shape() {
        let n = notice(
            "output_changed",
            json!({"diff": "--- before\n+++ after\n+ntp server 1.2.3.4\n"}),
        );
        let body = json_body(&n);
        assert_eq!(body["version"], 1);
        assert_eq!(body["event"]["kind"], "changed");
        assert_eq!(body["event"]["at"], "2025-11-24T16:00:00Z");
        assert_eq!(body["event"]["evidence"]["diff"], n.evidence["diff"]);
        let slack = text_body(&n, "*");
        let text = slack["text"].as_str().unwrap();
        assert!(text.starts_with("*[CHANGED] path changed"), "{text}");
        assert!(
            text.contains("```\n--- before\n+++ after\n+ntp server 1.2.3.4\n```"),
            "{text}"
        );
        let teams = teams_body(&n);
        assert_eq!(teams["attachments"][0]["content"]["type"], "AdaptiveCard");
        assert_eq!(
            teams["attachments"][0]["content"]["body"][1]["facts"][0]["value"],
            "core"
        );
    }

    #[test]
    fn long_evidence_is_cut_on_a_character_boundary() {
        let diff = "é".repeat(4_000);
        let n = notice("output_changed", json!({ "diff": diff }));
        let text = text_body(&n, "*")["text"].as_str().unwrap().to_string();
        assert!(text.contains("… (cut; the dashboard has it all)"));
        assert!(text.len() < 3_300);
    }
}
