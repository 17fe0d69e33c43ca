//! Lengths of time as suites write them, longer than a probe's: `90s`, `30m`, `4h`, `7d`,
//! `1w`, or parts together (`1h30m`); read from such text or a number of seconds, written back
//! in the largest whole units. At most 400 days.

use std::time::Duration;

const UNITS: [(&str, u64); 5] = [
    ("w", 604_800),
    ("d", 86_400),
    ("h", 3_600),
    ("m", 60),
    ("s", 1),
];
const MAX_SECS: u64 = 400 * 86_400;

/// Reads a period: whole numbers each with a unit of s, m, h, d or w.
pub fn parse(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("an empty period (use e.g. 30m, 4h, 7d)".into());
    }
    let mut secs: u64 = 0;
    let mut rest = t;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (num, tail) = rest.split_at(digits);
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(tail.len());
        let (unit, next) = tail.split_at(unit_len);
        let n: u64 = num
            .parse()
            .map_err(|_| format!("'{text}' is not a period (use e.g. 30m, 4h, 1h30m, 7d)"))?;
        let scale = UNITS
            .iter()
            .find(|(u, _)| *u == unit.trim())
            .map(|(_, s)| *s)
            .ok_or_else(|| {
                if unit.trim().is_empty() {
                    format!("'{text}' has no unit (use s, m, h, d or w)")
                } else {
                    format!(
                        "'{text}': unknown unit '{}' (use s, m, h, d or w)",
                        unit.trim()
                    )
                }
            })?;
        secs = n
            .checked_mul(scale)
            .and_then(|s| s.checked_add(secs))
            .filter(|s| *s <= MAX_SECS)
            .ok_or_else(|| format!("'{text}' is longer than 400 days"))?;
        rest = next;
    }
    Ok(Duration::from_secs(secs))
}

/// A period as `parse` reads it back, in the largest whole units (`1h30m`).
pub fn format(d: Duration) -> String {
    let mut secs = d.as_secs();
    if secs == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    for (unit, scale) in UNITS {
        if secs >= scale {
            out.push_str(&format!("{}{unit}", secs / scale));
            secs %= scale;
        }
    }
    out
}

/// The API schema of a period: text with units, or seconds.
#[derive(Debug)]
pub struct PeriodSchema;

impl utoipa::PartialSchema for PeriodSchema {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some("whole numbers with units s, m, h, d or w"))
                    .examples(["30m", "4h", "1h30m", "7d"]),
            )
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(0))
                    .description(Some("seconds")),
            )
            .description(Some("a period, at most 400 days"))
            .into()
    }
}

impl utoipa::ToSchema for PeriodSchema {}

/// Serde for a period: written as `"1h30m"`, read from such text or a number of seconds.
pub mod serde_period {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format(*d))
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Given {
        Text(String),
        Secs(u64),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        match Given::deserialize(d)? {
            Given::Text(t) => super::parse(&t).map_err(D::Error::custom),
            Given::Secs(s) if s <= super::MAX_SECS => Ok(Duration::from_secs(s)),
            Given::Secs(s) => Err(D::Error::custom(format!("{s} s is longer than 400 days"))),
        }
    }

    /// The same for an optional period.
    pub mod option {
        use serde::{Deserialize, Deserializer, Serializer};
        use std::time::Duration;

        pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
            match d {
                Some(d) => super::serialize(d, s),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
            #[derive(Deserialize)]
            struct Wrap(#[serde(with = "super")] Duration);
            Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_read_back_as_written() {
        for (text, secs, back) in [
            ("90s", 90, "1m30s"),
            ("30m", 1_800, "30m"),
            ("1h30m", 5_400, "1h30m"),
            ("7d", 604_800, "1w"),
            ("2w1d", 1_296_000, "2w1d"),
            (" 4h ", 14_400, "4h"),
        ] {
            assert_eq!(parse(text), Ok(Duration::from_secs(secs)), "{text}");
            assert_eq!(format(Duration::from_secs(secs)), back);
            assert_eq!(parse(back), Ok(Duration::from_secs(secs)));
        }
        assert_eq!(
            parse("3").unwrap_err(),
            "'3' has no unit (use s, m, h, d or w)"
        );
        assert_eq!(
            parse("3y").unwrap_err(),
            "'3y': unknown unit 'y' (use s, m, h, d or w)"
        );
        assert_eq!(
            parse("h").unwrap_err(),
            "'h' is not a period (use e.g. 30m, 4h, 1h30m, 7d)"
        );
        assert_eq!(parse("401d").unwrap_err(), "'401d' is longer than 400 days");
        assert!(parse("99999999999999999999w").is_err());
        assert!(parse("").is_err());
    }
}
