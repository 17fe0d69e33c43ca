//! CSV export of a run's results, one row per result with the columns that kind has.

use serde_json::Value;

fn cell(v: &Value) -> String {
    let raw = match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if raw.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", raw.replace('"', "\"\""))
    } else {
        raw
    }
}

fn joined(v: &Value, sep: &str, pick: impl Fn(&Value) -> String) -> Value {
    Value::String(
        v.as_array()
            .map(|a| a.iter().map(pick).collect::<Vec<_>>().join(sep))
            .unwrap_or_default(),
    )
}

fn plain(v: &Value) -> String {
    v.as_str().map_or_else(
        || {
            if v.is_null() {
                "*".into()
            } else {
                v.to_string()
            }
        },
        str::to_string,
    )
}

/// Picks one kind's columns out of a result.
type RowFn = fn(&Value) -> Vec<Value>;

/// The results as CSV with a header row (SNMP: one row per variable binding).
pub fn csv(kind: &str, results: &[Value]) -> String {
    if kind == "snmp" {
        let mut out = String::from("target,addr,oid,name,type,value,error\n");
        for r in results {
            let bindings = r["varbinds"].as_array().cloned().unwrap_or_default();
            for vb in &bindings {
                let row = [
                    &r["target"],
                    &r["addr"],
                    &vb["oid"],
                    &vb["name"],
                    &vb["type"],
                    &vb["value"],
                    &Value::Null,
                ];
                out.push_str(&row.iter().map(|v| cell(v)).collect::<Vec<_>>().join(","));
                out.push('\n');
            }
            if bindings.is_empty() || !r["error"].is_null() {
                let row = [
                    &r["target"],
                    &r["addr"],
                    &Value::Null,
                    &Value::Null,
                    &Value::Null,
                    &Value::Null,
                    &r["error"],
                ];
                out.push_str(&row.iter().map(|v| cell(v)).collect::<Vec<_>>().join(","));
                out.push('\n');
            }
        }
        return out;
    }
    let (header, row): (&[&str], RowFn) = match kind {
        "ping" => (
            &[
                "target",
                "addr",
                "alive",
                "sent",
                "received",
                "loss_pct",
                "rtt_min_ms",
                "rtt_avg_ms",
                "rtt_max_ms",
                "rtt_stddev_ms",
                "error",
            ],
            |r| {
                let s = &r["rtt_ms"];
                vec![
                    r["target"].clone(),
                    r["addr"].clone(),
                    r["alive"].clone(),
                    r["sent"].clone(),
                    r["received"].clone(),
                    r["loss_pct"].clone(),
                    s["min"].clone(),
                    s["avg"].clone(),
                    s["max"].clone(),
                    s["stddev"].clone(),
                    r["error"].clone(),
                ]
            },
        ),
        "trace" => (
            &[
                "target", "addr", "protocol", "reached", "hops", "path", "error",
            ],
            |r| {
                let hops = r["hops"].as_array().map_or(0, Vec::len);
                vec![
                    r["target"].clone(),
                    r["addr"].clone(),
                    r["protocol"].clone(),
                    r["reached"].clone(),
                    Value::from(hops),
                    joined(&r["hops"], " ", |h| plain(&h["addr"])),
                    r["error"].clone(),
                ]
            },
        ),
        "dns" => (
            &[
                "target",
                "name",
                "type",
                "rcode",
                "elapsed_ms",
                "transport",
                "answers",
                "error",
            ],
            |r| {
                vec![
                    r["target"].clone(),
                    r["name"].clone(),
                    r["type"].clone(),
                    r["rcode"].clone(),
                    r["elapsed_ms"].clone(),
                    r["transport"].clone(),
                    joined(&r["answers"], " | ", plain),
                    r["error"].clone(),
                ]
            },
        ),
        _ => (
            &[
                "target", "addr", "open", "closed", "filtered", "method", "error",
            ],
            |r| {
                vec![
                    r["target"].clone(),
                    r["addr"].clone(),
                    joined(&r["open"], " ", plain),
                    r["closed"].clone(),
                    r["filtered"].clone(),
                    r["method"].clone(),
                    r["error"].clone(),
                ]
            },
        ),
    };
    let mut out = header.join(",");
    out.push('\n');
    for r in results {
        out.push_str(&row(r).iter().map(cell).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_per_kind_and_quoting() {
        let ping = json!({"target":"h1","addr":"10.0.0.1","alive":true,"sent":1,"received":1,"loss_pct":0.0,"rtt_ms":{"min":0.1,"avg":0.1,"max":0.1,"stddev":0.0},"error":null});
        assert_eq!(
            csv("ping", &[ping]).lines().nth(1),
            Some("h1,10.0.0.1,true,1,1,0.0,0.1,0.1,0.1,0.0,")
        );
        let dns = json!({"target":"lab.test","name":"lab.test","type":"TXT","rcode":"NOERROR","elapsed_ms":0.2,"transport":"udp","answers":["\"a,b\""],"error":null});
        assert_eq!(
            csv("dns", &[dns]).lines().nth(1),
            Some(r#"lab.test,lab.test,TXT,NOERROR,0.2,udp,"""a,b""","#)
        );
        let trace = json!({"target":"d","addr":"10.0.0.9","protocol":"icmp","reached":true,"hops":[{"addr":"10.0.0.1"},{"addr":null}],"error":null});
        assert_eq!(
            csv("trace", &[trace]).lines().nth(1),
            Some("d,10.0.0.9,icmp,true,2,10.0.0.1 *,")
        );
        let scan = json!({"target":"h","addr":"10.0.0.2","open":[22,80],"closed":3,"filtered":1,"method":"syn","error":null});
        assert_eq!(
            csv("scan", &[scan]).lines().nth(1),
            Some("h,10.0.0.2,22 80,3,1,syn,")
        );
    }
}
