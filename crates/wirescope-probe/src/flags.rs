//! Value parsers for the options' command-line flags (the structs derive clap's `Args` under the
//! `clap` feature, so the binary's flags, their help and defaults come from the options).

/// A TTL or hop limit: 1 to 255.
pub fn parse_ttl(s: &str) -> Result<u8, String> {
    match s.parse::<u8>() {
        Ok(0) | Err(_) => Err(format!("'{s}' is not a TTL (1 to 255)")),
        Ok(v) => Ok(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttls_are_one_to_255() {
        assert_eq!(parse_ttl("1"), Ok(1));
        assert_eq!(parse_ttl("255"), Ok(255));
        for bad in ["0", "256", "-1", "x", ""] {
            assert!(parse_ttl(bad).unwrap_err().contains("1 to 255"), "{bad}");
        }
    }
}
