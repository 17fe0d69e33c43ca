//! The API's error: an HTTP status with a JSON body `{"error": "...", "field": "..."}` naming the
//! offending field when there is one.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An error: what went wrong, and the request field at fault when there is one.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = Error)]
pub struct ApiError {
    #[serde(skip)]
    pub status: StatusCode,
    pub error: String,
    /// The body field (`options.timeout`, `net.netns`) or query parameter at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, error: impl Into<String>) -> Self {
        ApiError {
            status,
            error: error.into(),
            field: None,
        }
    }

    /// A 400 naming the field at fault.
    pub fn field(field: impl Into<String>, error: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            error: error.into(),
            field: Some(field.into()),
        }
    }

    pub fn not_found(what: &str) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, format!("{what} not found"))
    }

    pub fn internal(e: impl std::fmt::Display) -> Self {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
    }
}

impl From<wirescope_store::StoreError> for ApiError {
    fn from(e: wirescope_store::StoreError) -> Self {
        ApiError::internal(e)
    }
}

impl From<wirescope_runs::RunError> for ApiError {
    fn from(e: wirescope_runs::RunError) -> Self {
        match e {
            wirescope_runs::RunError::TooMany { .. } => {
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, e.to_string())
            }
            wirescope_runs::RunError::UnknownSite(_)
            | wirescope_runs::RunError::SiteTwice(_)
            | wirescope_runs::RunError::TooManySites { .. } => {
                ApiError::field("sites", e.to_string())
            }
            wirescope_runs::RunError::Store(e) => ApiError::internal(e),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self)).into_response()
    }
}

/// Where a serde_path_to_error path broke, as a field name: the known segments before the first
/// unknown one (`?`), or `body` when none is known.
fn field_of_path(path: &serde_path_to_error::Path) -> String {
    let text = path.to_string();
    let known: Vec<&str> = text
        .split('.')
        .take_while(|s| !s.is_empty() && !s.starts_with('?'))
        .collect();
    if known.is_empty() {
        "body".into()
    } else {
        known.join(".")
    }
}

/// Parses a JSON request body; a 400 names the field where it broke, or `body` with the line and
/// column when the text is not JSON at all.
pub fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let inner = e.inner();
        if inner.is_syntax() || inner.is_eof() {
            ApiError::field("body", format!("malformed JSON: {inner}"))
        } else {
            ApiError::field(field_of_path(e.path()), inner.to_string())
        }
    })?;
    de.end()
        .map_err(|e| ApiError::field("body", format!("malformed JSON: {e}")))?;
    Ok(value)
}

/// Deserializes a JSON value taken out of a body; errors name `prefix.PATH` (just `PATH` for an
/// empty prefix).
pub fn json_value<T: serde::de::DeserializeOwned>(
    prefix: &str,
    value: serde_json::Value,
) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = field_of_path(e.path());
        let field = match (prefix, path.as_str()) {
            ("", _) => path,
            (_, "body") => prefix.to_string(),
            _ => format!("{prefix}.{path}"),
        };
        ApiError::field(field, e.inner().to_string())
    })
}

/// A query string, deserialized with the parameter at fault named in the 400 (`limit`, `from`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for Query<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(Query)
            .map_err(|e| {
                let field = field_of_path(e.path());
                let field = if field == "body" {
                    "query".into()
                } else {
                    field
                };
                ApiError::field(field, e.inner().to_string())
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Body {
        options: Inner,
    }

    #[derive(Debug, serde::Deserialize)]
    struct Inner {
        count: u32,
    }

    #[test]
    fn malformed_json_names_where_it_broke() {
        let ok: Body = json_body(br#"{"options":{"count":3}}"#).expect("valid");
        assert_eq!(ok.options.count, 3);
        for (text, field, part) in [
            (
                r#"{"options":{"count":"x"}}"#,
                "options.count",
                "invalid type",
            ),
            (r#"{"options":{"count":1}"#, "body", "malformed JSON: EOF"),
            (
                r#"{"options":{"count":1}} x"#,
                "body",
                "trailing characters",
            ),
            ("{\"options\":\n{\"count\": 1,,}}", "body", "line 2"),
            (r#"{"options":7}"#, "options", "invalid type"),
        ] {
            let e = json_body::<Body>(text.as_bytes()).unwrap_err();
            assert_eq!(e.field.as_deref(), Some(field), "{text}: {e:?}");
            assert!(e.error.contains(part), "{text}: {e:?}");
        }
    }
}
