//! SNMP versions and SNMPv3 security settings as enums: one spelling written out (net-snmp's), any
//! case and the common aliases read in, and an error naming the accepted values otherwise.

use serde::{Deserialize, Deserializer, Serialize, Serializer, de::Error as _};
use std::fmt;
use std::str::FromStr;
use wirescope_probe::error::UnknownValue;

/// Enums with a canonical name per value and extra spellings read case-insensitively (by serde,
/// `FromStr` and, with the `clap` feature, as clap value enums).
pub trait Named: Sized + Copy + PartialEq + 'static {
    /// What the values are called in errors ("security level").
    const WHAT: &'static str;
    /// Every value with its canonical name first, then its aliases.
    const NAMES: &'static [(Self, &'static [&'static str])];

    /// The canonical name.
    fn name(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(v, _)| *v == self)
            .map_or("", |(_, n)| n[0])
    }

    /// The value `s` names (any case, `_` for `-`), or an error listing the canonical names.
    fn parse_name(s: &str) -> Result<Self, UnknownValue> {
        let key = s.trim().replace('_', "-");
        Self::NAMES
            .iter()
            .find(|(_, names)| names.iter().any(|n| n.eq_ignore_ascii_case(&key)))
            .map(|(v, _)| *v)
            .ok_or_else(|| UnknownValue::new(Self::WHAT, s, Self::NAMES.iter().map(|(_, n)| n[0])))
    }
}

/// `deserialize_with` for an optional named value where an empty string (a form's unset choice)
/// means none.
pub fn empty_as_none<'de, D: Deserializer<'de>, T: Named>(d: D) -> Result<Option<T>, D::Error> {
    match Option::<std::borrow::Cow<str>>::deserialize(d)?
        .as_deref()
        .map(str::trim)
    {
        None | Some("") => Ok(None),
        Some(name) => T::parse_name(name).map(Some).map_err(D::Error::custom),
    }
}

macro_rules! named_enum {
    ($ty:ident) => {
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }

        impl FromStr for $ty {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, UnknownValue> {
                Self::parse_name(s)
            }
        }

        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.name())
            }
        }

        #[cfg(feature = "clap")]
        impl clap::ValueEnum for $ty {
            fn value_variants<'a>() -> &'a [Self] {
                const ALL: &[$ty] = &{
                    let mut all = [<$ty>::NAMES[0].0; <$ty>::NAMES.len()];
                    let mut i = 0;
                    while i < all.len() {
                        all[i] = <$ty>::NAMES[i].0;
                        i += 1;
                    }
                    all
                };
                ALL
            }

            fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
                let (_, names) = Self::NAMES.iter().find(|(v, _)| v == self)?;
                Some(
                    clap::builder::PossibleValue::new(names[0]).aliases(names[1..].iter().copied()),
                )
            }
        }

        impl utoipa::PartialSchema for $ty {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                use utoipa::openapi::schema::{ObjectBuilder, Type};
                let names = Self::NAMES.iter().map(|(_, n)| n[0]);
                let aliases: Vec<&str> = Self::NAMES
                    .iter()
                    .flat_map(|(_, n)| &n[1..])
                    .copied()
                    .collect();
                let description = match aliases.as_slice() {
                    [] => format!("{} (read in any case)", Self::WHAT),
                    a => format!("{} (read in any case; also {})", Self::WHAT, a.join(", ")),
                };
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(names))
                    .description(Some(description))
                    .into()
            }
        }

        impl utoipa::ToSchema for $ty {}

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = std::borrow::Cow::<str>::deserialize(d)?;
                Self::parse_name(&s).map_err(D::Error::custom)
            }
        }
    };
}

/// The SNMP version spoken to an agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SnmpVersion {
    V1,
    #[default]
    V2c,
    V3,
}

impl Named for SnmpVersion {
    const WHAT: &'static str = "SNMP version";
    const NAMES: &'static [(Self, &'static [&'static str])] = &[
        (SnmpVersion::V1, &["1", "v1"]),
        (SnmpVersion::V2c, &["2c", "v2c", "2"]),
        (SnmpVersion::V3, &["3", "v3"]),
    ];
}
named_enum!(SnmpVersion);

/// The security level of an SNMPv3 request (RFC 3414's names, as every SNMP tool spells them).
#[allow(clippy::enum_variant_names)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecurityLevel {
    NoAuthNoPriv,
    AuthNoPriv,
    AuthPriv,
}

impl Named for SecurityLevel {
    const WHAT: &'static str = "security level";
    const NAMES: &'static [(Self, &'static [&'static str])] = &[
        (SecurityLevel::NoAuthNoPriv, &["noAuthNoPriv"]),
        (SecurityLevel::AuthNoPriv, &["authNoPriv"]),
        (SecurityLevel::AuthPriv, &["authPriv"]),
    ];
}
named_enum!(SecurityLevel);

/// An SNMPv3 authentication protocol (HMAC-MD5-96, HMAC-SHA-96, and the SHA-2 family of RFC 7860).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthProtocol {
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl Named for AuthProtocol {
    const WHAT: &'static str = "auth protocol";
    const NAMES: &'static [(Self, &'static [&'static str])] = &[
        (AuthProtocol::Md5, &["MD5"]),
        (AuthProtocol::Sha1, &["SHA", "SHA1", "SHA-1"]),
        (AuthProtocol::Sha224, &["SHA-224", "SHA224"]),
        (AuthProtocol::Sha256, &["SHA-256", "SHA256"]),
        (AuthProtocol::Sha384, &["SHA-384", "SHA384"]),
        (AuthProtocol::Sha512, &["SHA-512", "SHA512"]),
    ];
}
named_enum!(AuthProtocol);

impl AuthProtocol {
    pub(crate) fn usm(self) -> async_snmp::AuthProtocol {
        use async_snmp::AuthProtocol as A;
        match self {
            AuthProtocol::Md5 => A::Md5,
            AuthProtocol::Sha1 => A::Sha1,
            AuthProtocol::Sha224 => A::Sha224,
            AuthProtocol::Sha256 => A::Sha256,
            AuthProtocol::Sha384 => A::Sha384,
            AuthProtocol::Sha512 => A::Sha512,
        }
    }
}

/// An SNMPv3 privacy protocol: DES, AES-128 (RFC 3826), and AES-192/256 with the Blumenthal key
/// extension or, suffixed `-C`, the Reeder one Cisco uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrivProtocol {
    Des,
    Aes128,
    Aes192,
    Aes256,
    Aes192Cisco,
    Aes256Cisco,
}

impl Named for PrivProtocol {
    const WHAT: &'static str = "privacy protocol";
    const NAMES: &'static [(Self, &'static [&'static str])] = &[
        (PrivProtocol::Des, &["DES"]),
        (PrivProtocol::Aes128, &["AES", "AES-128", "AES128"]),
        (PrivProtocol::Aes192, &["AES-192", "AES192"]),
        (PrivProtocol::Aes256, &["AES-256", "AES256"]),
        (PrivProtocol::Aes192Cisco, &["AES-192-C", "AES192C"]),
        (PrivProtocol::Aes256Cisco, &["AES-256-C", "AES256C"]),
    ];
}
named_enum!(PrivProtocol);

impl PrivProtocol {
    pub(crate) fn usm(self) -> async_snmp::PrivProtocol {
        use async_snmp::PrivProtocol as P;
        match self {
            PrivProtocol::Des => P::Des,
            PrivProtocol::Aes128 => P::Aes128,
            PrivProtocol::Aes192 => P::Aes192Blumenthal,
            PrivProtocol::Aes256 => P::Aes256Blumenthal,
            PrivProtocol::Aes192Cisco => P::Aes192Reeder,
            PrivProtocol::Aes256Cisco => P::Aes256Reeder,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_in_any_case_and_written_canonically() {
        for (text, want) in [
            ("authpriv", SecurityLevel::AuthPriv),
            ("AUTHNOPRIV", SecurityLevel::AuthNoPriv),
            ("noAuthNoPriv", SecurityLevel::NoAuthNoPriv),
        ] {
            assert_eq!(text.parse::<SecurityLevel>(), Ok(want), "{text}");
        }
        for (text, want) in [
            ("sha", AuthProtocol::Sha1),
            ("SHA-1", AuthProtocol::Sha1),
            ("sha_256", AuthProtocol::Sha256),
            ("SHA512", AuthProtocol::Sha512),
        ] {
            assert_eq!(text.parse::<AuthProtocol>(), Ok(want), "{text}");
        }
        for (text, want) in [
            ("aes", PrivProtocol::Aes128),
            ("AES128", PrivProtocol::Aes128),
            ("aes-256-c", PrivProtocol::Aes256Cisco),
            ("des", PrivProtocol::Des),
        ] {
            assert_eq!(text.parse::<PrivProtocol>(), Ok(want), "{text}");
        }
        assert_eq!("v3".parse::<SnmpVersion>(), Ok(SnmpVersion::V3));
        assert_eq!(
            serde_json::to_string(&[PrivProtocol::Aes192Cisco, PrivProtocol::Aes128]).ok(),
            Some(r#"["AES-192-C","AES"]"#.into())
        );
        assert_eq!(
            serde_json::from_str::<AuthProtocol>(r#""sha-384""#).ok(),
            Some(AuthProtocol::Sha384)
        );
    }

    #[test]
    fn unknown_names_are_errors_that_list_the_choices() {
        assert_eq!(
            "4".parse::<SnmpVersion>().map_err(|e| e.to_string()),
            Err("unknown SNMP version '4' (1, 2c, 3)".into())
        );
        assert_eq!(
            "authOnly"
                .parse::<SecurityLevel>()
                .map_err(|e| e.to_string()),
            Err("unknown security level 'authOnly' (noAuthNoPriv, authNoPriv, authPriv)".into())
        );
        let e = serde_json::from_str::<PrivProtocol>(r#""3DES""#).unwrap_err();
        assert!(
            e.to_string().starts_with(
                "unknown privacy protocol '3DES' (DES, AES, AES-192, AES-256, AES-192-C, AES-256-C)"
            ),
            "{e}"
        );
    }

    #[test]
    fn every_value_has_its_own_canonical_name() {
        fn check<T: Named + PartialEq + fmt::Debug>() {
            for (v, names) in T::NAMES {
                assert_eq!(v.name(), names[0]);
                assert_eq!(T::parse_name(names[0]).as_ref(), Ok(v));
            }
        }
        check::<SnmpVersion>();
        check::<SecurityLevel>();
        check::<AuthProtocol>();
        check::<PrivProtocol>();
    }
}
