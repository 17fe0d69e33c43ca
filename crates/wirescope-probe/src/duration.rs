//! Human durations for flags and API fields: `500ms`, `3s`, `1.5s`, `2m`, `250us`.

use std::time::Duration;

/// Parses a duration with a unit (`us`, `ms`, `s`, `m`); a bare number is refused so that
/// `3000` is never silently read as 3000 seconds by someone used to fping's milliseconds.
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    parse_duration_text(text).map_err(DurationError)
}

/// Why a text is not a duration (the message names the text and what would do).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DurationError(pub String);

impl From<DurationError> for String {
    fn from(e: DurationError) -> String {
        e.0
    }
}

fn parse_duration_text(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    if num.is_empty() {
        return Err(format!(
            "'{text}' is not a duration (use e.g. 500ms, 3s, 1.5s, 2m)"
        ));
    }
    let value: f64 = num
        .parse()
        .map_err(|_| format!("'{text}' is not a duration (use e.g. 500ms, 3s)"))?;
    let scale = match unit.trim() {
        "us" | "µs" => 1e-6,
        "ms" => 1e-3,
        "s" | "sec" => 1.0,
        "m" | "min" => 60.0,
        "" => return Err(format!("'{text}' has no unit (use e.g. {num}ms or {num}s)")),
        other => {
            return Err(format!(
                "'{text}': unknown unit '{other}' (use us, ms, s or m)"
            ));
        }
    };
    let secs = value * scale;
    if !secs.is_finite() || secs > 86_400.0 {
        return Err(format!("'{text}' is longer than a day"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// The API schema of a duration field (`value_type` of options' durations): a string with a unit
/// (us, ms, s, m), or a whole number of milliseconds.
#[derive(Debug)]
pub struct DurationSchema;

impl utoipa::PartialSchema for DurationSchema {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some("with a unit: us, ms, s or m"))
                    .examples(["500ms", "1.5s", "2m"]),
            )
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(0))
                    .description(Some("milliseconds")),
            )
            .description(Some("a duration, at most a day"))
            .into()
    }
}

impl utoipa::ToSchema for DurationSchema {
    fn name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("3s"), Ok(Duration::from_secs(3)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("250us"), Ok(Duration::from_micros(250)));
    }

    #[test]
    fn formatted_durations_read_back() {
        for (d, text) in [
            (Duration::from_secs(120), "2m"),
            (Duration::from_secs(1), "1s"),
            (Duration::from_millis(1500), "1500ms"),
            (Duration::from_millis(50), "50ms"),
            (Duration::from_micros(250), "250us"),
            (Duration::ZERO, "0ms"),
        ] {
            assert_eq!(format_duration(d), text);
            assert_eq!(parse_duration(text), Ok(d));
        }
    }

    #[test]
    fn errors_name_the_problem() {
        assert_eq!(
            parse_duration("3000"),
            Err(DurationError(
                "'3000' has no unit (use e.g. 3000ms or 3000s)".into()
            ))
        );
        assert!(
            parse_duration("3h")
                .unwrap_err()
                .0
                .contains("unknown unit 'h'")
        );
        assert!(
            parse_duration("fast")
                .unwrap_err()
                .0
                .contains("not a duration")
        );
        assert!(
            parse_duration("1.2.3s")
                .unwrap_err()
                .0
                .contains("not a duration")
        );
        assert!(
            parse_duration("99999m")
                .unwrap_err()
                .0
                .contains("longer than a day")
        );
    }
}

/// A duration as `parse_duration` reads it back, in the largest unit that keeps it whole
/// (`2m`, `1s`, `50ms`, `250us`).
pub fn format_duration(d: Duration) -> String {
    let us = d.as_micros();
    if us == 0 {
        "0ms".into()
    } else if us.is_multiple_of(60_000_000) {
        format!("{}m", us / 60_000_000)
    } else if us.is_multiple_of(1_000_000) {
        format!("{}s", us / 1_000_000)
    } else if us.is_multiple_of(1000) {
        format!("{}ms", us / 1000)
    } else {
        format!("{us}us")
    }
}

/// Serde support for durations in options: written as `"1500ms"`, read from such a string or from
/// a number of milliseconds.
pub mod serde_human {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        let us = d.as_micros();
        if us.is_multiple_of(1000) {
            s.serialize_str(&format!("{}ms", us / 1000))
        } else {
            s.serialize_str(&format!("{us}us"))
        }
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Human {
        Text(String),
        Millis(u64),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        match Human::deserialize(d)? {
            Human::Text(t) => super::parse_duration(&t).map_err(D::Error::custom),
            Human::Millis(ms) => Ok(Duration::from_millis(ms)),
        }
    }

    /// The same for an optional duration (`null` or absent is none).
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
