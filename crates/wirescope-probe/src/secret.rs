//! Secrets in options (community strings, passwords, private keys): read from requests, never
//! written back out. `skip_serializing_if = "crate::secret::never_written"` keeps them out of
//! every serialization (history, API answers, logs) while the API document still lists them as
//! write-only fields (a plain `skip_serializing` would drop them from it).

/// Always true: a secret is never serialized.
pub fn never_written<T>(_: &T) -> bool {
    true
}
