//! Dashboard users' passwords: Argon2id (OWASP's minimum costs: 19 MiB, 2 passes, 1 lane) with
//! a random 16-byte salt, kept as `argon2id$v=19$m=19456,t=2,p=1$SALT$HASH` (hex), the costs in
//! the string so they can be raised later without breaking older hashes.

use crate::{hex, unhex};
use argon2::{Algorithm, Argon2, Params, Version};

const M: u32 = 19 * 1024;
const T: u32 = 2;
const P: u32 = 1;
/// Characters of a password at least and at most (Argon2 takes any length; a bound keeps a
/// login request from costing more than it should).
pub const MIN_LEN: usize = 10;
pub const MAX_LEN: usize = 1024;

/// Why a password is refused.
pub fn check(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < MIN_LEN {
        return Err(format!("a password has at least {MIN_LEN} characters"));
    }
    if password.len() > MAX_LEN {
        return Err(format!("a password has at most {MAX_LEN} bytes"));
    }
    Ok(())
}

fn derive(password: &str, salt: &[u8], m: u32, t: u32, p: u32) -> Option<[u8; 32]> {
    let params = Params::new(m, t, p, Some(32)).ok()?;
    let mut out = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(password.as_bytes(), salt, &mut out)
        .ok()?;
    Some(out)
}

/// The stored form of `password`.
pub fn hash(password: &str) -> String {
    let salt: [u8; 16] = rand::random();
    let out = derive(password, &salt, M, T, P).unwrap_or([0; 32]);
    format!(
        "argon2id$v=19$m={M},t={T},p={P}${}${}",
        hex(&salt),
        hex(&out)
    )
}

/// Whether `password` is the one `stored` was made from (false for a damaged hash).
pub fn verify(password: &str, stored: &str) -> bool {
    let mut parts = stored.split('$');
    let (Some("argon2id"), Some("v=19"), Some(costs), Some(salt), Some(want), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return false;
    };
    let mut m = None;
    let mut t = None;
    let mut p = None;
    for kv in costs.split(',') {
        match kv.split_once('=') {
            Some(("m", v)) => m = v.parse().ok(),
            Some(("t", v)) => t = v.parse().ok(),
            Some(("p", v)) => p = v.parse().ok(),
            _ => return false,
        }
    }
    let (Some(m), Some(t), Some(p), Some(salt), Some(want)) = (m, t, p, unhex(salt), unhex(want))
    else {
        return false;
    };
    // Costs far past what this module writes are refused: a planted hash must not stall a login.
    if m > 256 * 1024 || t > 16 || p > 8 {
        return false;
    }
    let Some(got) = derive(password, &salt, m, t, p) else {
        return false;
    };
    got.len() == want.len() && got.iter().zip(&want).fold(0u8, |a, (x, y)| a | (x ^ y)) == 0
}

/// A hash of nothing anyone knows, to verify against when the user does not exist, so that a
/// missing user costs the same time as a wrong password.
pub fn decoy() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash(&hex(&rand::random::<[u8; 16]>())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let h = hash("correct horse battery");
        assert!(h.starts_with("argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("correct horse battery", &h));
        assert!(!verify("correct horse batterY", &h));
        assert_ne!(h, hash("correct horse battery"), "salted");
        for bad in [
            "",
            "argon2id$v=19$m=19456,t=2,p=1$zz$00",
            &h.replace("argon2id", "argon2i"),
            &h.replace("m=19456", "m=999999999"),
            &format!("{h}$extra"),
        ] {
            assert!(!verify("correct horse battery", bad), "{bad}");
        }
        assert!(!verify("x", decoy()));
    }

    #[test]
    fn passwords_are_bounded() {
        assert!(check("short").is_err());
        assert!(check("long enough!").is_ok());
        assert!(check(&"x".repeat(MAX_LEN + 1)).is_err());
    }
}
