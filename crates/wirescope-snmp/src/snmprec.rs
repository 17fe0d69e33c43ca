//! snmpsim's `.snmprec` recordings (`OID|TYPE|VALUE` lines; a type with `x` carries its value as
//! hex) read into variable bindings, so the recorded device walks the lab's snmpsim serves are
//! the device tables' unit-test fixtures too.

use async_snmp::{Oid, Value, VarBind};

/// The bindings of a recording, in its order; a line that does not parse is an error naming it.
pub fn parse(text: &str) -> Result<Vec<VarBind>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(n, l)| line(l).map_err(|e| format!("line {}: {e}: {l}", n + 1)))
        .collect()
}

fn line(l: &str) -> Result<VarBind, String> {
    let mut parts = l.splitn(3, '|');
    let (Some(oid), Some(kind), Some(value)) = (parts.next(), parts.next(), parts.next()) else {
        return Err("not OID|TYPE|VALUE".into());
    };
    let arcs = oid
        .split('.')
        .map(|a| a.parse::<u32>().map_err(|_| format!("'{a}' is not an arc")))
        .collect::<Result<Vec<u32>, String>>()?;
    let (kind, hex) = match kind.strip_suffix('x') {
        Some(k) => (k, true),
        None => (kind, false),
    };
    let octets = || -> Result<Vec<u8>, String> {
        if hex {
            (0..value.len())
                .step_by(2)
                .map(|i| {
                    value
                        .get(i..i + 2)
                        .and_then(|h| u8::from_str_radix(h, 16).ok())
                        .ok_or_else(|| format!("'{value}' is not hex"))
                })
                .collect()
        } else {
            Ok(value.as_bytes().to_vec())
        }
    };
    let num = |v: &str| {
        v.parse::<u64>()
            .map_err(|_| format!("'{v}' is not a number"))
    };
    let value = match kind {
        "2" => Value::Integer(
            value
                .parse()
                .map_err(|_| format!("'{value}' is not an integer"))?,
        ),
        "4" => Value::OctetString(octets()?.into()),
        "5" => Value::Null,
        "6" => Value::ObjectIdentifier(Oid::from_slice(
            &value
                .split('.')
                .map(|a| a.parse::<u32>().map_err(|_| format!("'{a}' is not an arc")))
                .collect::<Result<Vec<u32>, String>>()?,
        )),
        "64" => {
            let b = if hex {
                octets()?
            } else {
                value
                    .parse::<std::net::Ipv4Addr>()
                    .map_err(|_| format!("'{value}' is not an IPv4 address"))?
                    .octets()
                    .to_vec()
            };
            Value::IpAddress(
                b.try_into()
                    .map_err(|_| "an IpAddress is 4 bytes".to_string())?,
            )
        }
        "65" => Value::Counter32(num(value)? as u32),
        "66" => Value::Gauge32(num(value)? as u32),
        "67" => Value::TimeTicks(num(value)? as u32),
        "70" => Value::Counter64(num(value)?),
        other => return Err(format!("type {other} is not read here")),
    };
    Ok(VarBind {
        oid: Oid::from_slice(&arcs),
        value,
    })
}
