//! Credential profiles: named SNMP credentials referenced by name from the CLI (`--profile`).
//! What is not secret (version, user, protocols) lives in a plain profiles file; the secrets
//! (community, passwords) live only in the secret store (the OS's Secret Service, or an
//! encrypted file on headless servers) and come back out only to be used: listings say "set"
//! or "not set".

pub mod file;
pub mod os;
pub mod password;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use wirescope_snmp::{
    AuthProtocol, Credential, PrivProtocol, SecurityLevel, SnmpOp, SnmpOptions, SnmpVersion,
};
use wirescope_ssh::exec::SshOptions;
use zeroize::Zeroizing;

/// Bytes as lower-case hex (how the secrets file and password hashes write salts and digests).
pub(crate) fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Hex back to bytes; `None` for an odd length or a non-hex digit.
pub(crate) fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// What went wrong with profiles or the secret store.
#[derive(Debug, thiserror::Error)]
pub enum CredsError {
    #[error("secret store: {0}")]
    Store(String),
    #[error("profiles: {0}")]
    Profiles(String),
    #[error("no profile named '{0}' (wirescope creds list shows them)")]
    Unknown(String),
    #[error(
        "'{0}' is not a profile name (letters, digits, '.', '_', '-'; at most 64; not only dots)"
    )]
    BadName(String),
}

/// The non-secret part of an SNMP profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SnmpProfile {
    pub version: SnmpVersion,
    pub user: Option<String>,
    pub level: Option<SecurityLevel>,
    pub auth_protocol: Option<AuthProtocol>,
    pub priv_protocol: Option<PrivProtocol>,
}

/// The secrets of an SNMP profile.
#[derive(Default)]
pub struct SnmpSecrets {
    pub community: Option<Zeroizing<String>>,
    pub auth_password: Option<Zeroizing<String>>,
    pub priv_password: Option<Zeroizing<String>>,
}

impl std::fmt::Debug for SnmpSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnmpSecrets")
            .field("community", &self.community.as_ref().map(|_| "<set>"))
            .field(
                "auth_password",
                &self.auth_password.as_ref().map(|_| "<set>"),
            )
            .field(
                "priv_password",
                &self.priv_password.as_ref().map(|_| "<set>"),
            )
            .finish()
    }
}

/// The non-secret part of a profile's SSH login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SshProfile {
    pub user: String,
}

/// The secrets of an SSH login: a password, or a private key (PEM/OpenSSH text) and its
/// passphrase; and the secret a network CLI's privileged mode asks for (enable).
#[derive(Default)]
pub struct SshSecrets {
    pub password: Option<Zeroizing<String>>,
    pub private_key: Option<Zeroizing<String>>,
    pub key_passphrase: Option<Zeroizing<String>>,
    pub enable_secret: Option<Zeroizing<String>>,
}

impl std::fmt::Debug for SshSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |s: &Option<Zeroizing<String>>| s.as_ref().map(|_| "<set>");
        f.debug_struct("SshSecrets")
            .field("password", &shown(&self.password))
            .field("private_key", &shown(&self.private_key))
            .field("key_passphrase", &shown(&self.key_passphrase))
            .field("enable_secret", &shown(&self.enable_secret))
            .finish()
    }
}

/// Whether a secret is in the store (listings never show more).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub enum SecretState {
    #[serde(rename = "set")]
    Set,
    #[serde(rename = "not set")]
    NotSet,
}

impl std::fmt::Display for SecretState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SecretState::Set => "set",
            SecretState::NotSet => "not set",
        })
    }
}

/// A profile's SSH login as listed: the user and which secrets are set.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SshInfo {
    pub user: String,
    pub password: SecretState,
    pub private_key: SecretState,
    pub key_passphrase: SecretState,
    /// The secret privileged mode asks for on a network CLI (enable).
    pub enable_secret: SecretState,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Profiles {
    #[serde(default)]
    snmp: BTreeMap<String, SnmpProfile>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    ssh: BTreeMap<String, SshProfile>,
}

/// A profile as listed: its settings and which secrets are set, never the secrets.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProfileInfo {
    pub name: String,
    pub snmp: SnmpProfile,
    pub community: SecretState,
    pub auth_password: SecretState,
    pub priv_password: SecretState,
    /// The SSH login, when the profile has one.
    pub ssh: Option<SshInfo>,
}

/// The environment variable choosing the secret store: `auto` (the default: the OS secret store
/// when the session has one, else the encrypted file), `os` or `file`.
pub const STORE_ENV: &str = "WIRESCOPE_SECRET_STORE";

/// Where secrets live.
#[derive(Debug)]
pub enum Secrets {
    /// The OS secret store (Secret Service on Linux).
    Os(os::OsStore),
    /// The encrypted file.
    File(file::FileStore),
}

impl Secrets {
    /// The store `WIRESCOPE_SECRET_STORE` asks for. The file's passphrase comes from
    /// `WIRESCOPE_SECRETS_PASSPHRASE`, or, with `prompt` and a terminal, is asked for.
    pub fn open_default(prompt: bool) -> Result<Self, CredsError> {
        let path = xdg("XDG_DATA_HOME", ".local/share").join("secrets.enc");
        let file = || -> Result<Secrets, CredsError> {
            let store = match file::FileStore::from_env(path.clone()) {
                Err(_) if prompt && std::io::stdin().is_terminal() => {
                    let pass =
                        rpassword::prompt_password(format!("passphrase of {}: ", path.display()))
                            .map_err(|e| CredsError::Store(format!("passphrase: {e}")))?;
                    file::FileStore::new(path.clone(), Zeroizing::new(pass))?
                }
                other => other?,
            };
            Ok(Secrets::File(store))
        };
        match std::env::var(STORE_ENV).unwrap_or_default().as_str() {
            "" | "auto" => match os::OsStore::connect() {
                Ok(s) => Ok(Secrets::Os(s)),
                Err(os_error) => file().map_err(|file_error| {
                    CredsError::Store(format!(
                        "no secret store: {os_error}; {file_error}",
                        file_error = file_error.to_string().trim_start_matches("secret store: ")
                    ))
                }),
            },
            "os" => os::OsStore::connect().map(Secrets::Os),
            "file" => file(),
            other => Err(CredsError::Store(format!(
                "{STORE_ENV}={other}: use auto, os or file"
            ))),
        }
    }

    /// Which store this is, for people.
    pub fn describe(&self) -> String {
        match self {
            Secrets::Os(_) => "the OS secret store (Secret Service)".into(),
            Secrets::File(f) => format!("the encrypted file {}", f.path().display()),
        }
    }

    pub fn get(&self, key: &str) -> Result<Option<Zeroizing<String>>, CredsError> {
        match self {
            Secrets::Os(s) => s.get(key),
            Secrets::File(s) => s.get(key),
        }
    }

    pub fn set(&self, key: &str, secret: &str) -> Result<(), CredsError> {
        match self {
            Secrets::Os(s) => s.set(key, secret),
            Secrets::File(s) => s.set(key, secret),
        }
    }

    pub fn remove_prefix(&self, prefix: &str) -> Result<(), CredsError> {
        match self {
            Secrets::Os(s) => s.remove_prefix(prefix),
            Secrets::File(s) => s.remove_prefix(prefix),
        }
    }

    pub fn keys(&self) -> Result<Vec<String>, CredsError> {
        match self {
            Secrets::Os(s) => s.keys(),
            Secrets::File(s) => s.keys(),
        }
    }
}

/// Profiles and their secrets.
#[derive(Debug)]
pub struct Creds {
    profiles: PathBuf,
    secrets: Secrets,
}

const FIELDS: [&str; 3] = ["community", "auth_password", "priv_password"];
const SSH_FIELDS: [&str; 4] = ["password", "private_key", "key_passphrase", "enable_secret"];

fn xdg(var: &str, fallback: &str) -> PathBuf {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(fallback)))
        .unwrap_or_else(|| PathBuf::from("."))
        .join("wirescope")
}

/// Writes a file readable by its owner only, via a temporary file and a rename.
pub(crate) fn write_private(path: &Path, body: &[u8]) -> Result<(), CredsError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let err = |e: std::io::Error| CredsError::Store(format!("{}: {e}", path.display()));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(err)?;
    f.write_all(body).and_then(|()| f.sync_all()).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)
}

fn check_name(name: &str) -> Result<(), CredsError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && !name.chars().all(|c| c == '.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(CredsError::BadName(name.to_string()))
    }
}

impl Creds {
    /// Profiles in `$XDG_CONFIG_HOME/wirescope/profiles.json`, secrets in the store
    /// [`Secrets::open_default`] picks (the OS secret store, or the encrypted file
    /// `$XDG_DATA_HOME/wirescope/secrets.enc`).
    pub fn open_default(prompt: bool) -> Result<Self, CredsError> {
        Ok(Creds {
            profiles: xdg("XDG_CONFIG_HOME", ".config").join("profiles.json"),
            secrets: Secrets::open_default(prompt)?,
        })
    }

    /// Profiles and secrets at the given places.
    pub fn open(profiles: PathBuf, secrets: Secrets) -> Self {
        Creds { profiles, secrets }
    }

    /// Where the secrets are kept, for people.
    pub fn store(&self) -> String {
        self.secrets.describe()
    }

    fn load(&self) -> Result<Profiles, CredsError> {
        match std::fs::read(&self.profiles) {
            Ok(raw) => serde_json::from_slice(&raw)
                .map_err(|e| CredsError::Profiles(format!("{}: {e}", self.profiles.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Profiles::default()),
            Err(e) => Err(CredsError::Profiles(format!(
                "{}: {e}",
                self.profiles.display()
            ))),
        }
    }

    fn save(&self, p: &Profiles) -> Result<(), CredsError> {
        let body = serde_json::to_vec_pretty(p).map_err(|e| CredsError::Profiles(e.to_string()))?;
        write_private(&self.profiles, &body)
    }

    /// Adds or replaces an SNMP profile; secrets given replace the stored ones, others stay.
    pub fn add_snmp(
        &self,
        name: &str,
        profile: SnmpProfile,
        secrets: &SnmpSecrets,
    ) -> Result<(), CredsError> {
        check_name(name)?;
        self.store_secrets(
            name,
            "snmp",
            &FIELDS,
            &[
                &secrets.community,
                &secrets.auth_password,
                &secrets.priv_password,
            ],
        )?;
        let mut all = self.load()?;
        all.snmp.insert(name.to_string(), profile);
        self.save(&all)
    }

    /// Stores the secrets given (as `NAME/KIND/FIELD`); those not given stay as they are.
    fn store_secrets(
        &self,
        name: &str,
        kind: &str,
        fields: &[&str],
        values: &[&Option<Zeroizing<String>>],
    ) -> Result<(), CredsError> {
        for (field, value) in fields.iter().zip(values) {
            if let Some(v) = value {
                self.secrets.set(&format!("{name}/{kind}/{field}"), v)?;
            }
        }
        Ok(())
    }

    /// Removes a profile and its secrets; false when there was none.
    pub fn remove(&self, name: &str) -> Result<bool, CredsError> {
        let mut all = self.load()?;
        let existed = all.snmp.remove(name).is_some() | all.ssh.remove(name).is_some();
        self.secrets.remove_prefix(&format!("{name}/"))?;
        self.save(&all)?;
        Ok(existed)
    }

    /// Every profile with which secrets are set.
    pub fn list(&self) -> Result<Vec<ProfileInfo>, CredsError> {
        let keys = self.secrets.keys()?;
        let stored = |name: &str, kind: &str, field: &str| {
            if keys.iter().any(|k| *k == format!("{name}/{kind}/{field}")) {
                SecretState::Set
            } else {
                SecretState::NotSet
            }
        };
        let set = |name: &str, field: &str| stored(name, "snmp", field);
        let ssh_set = |name: &str, field: &str| stored(name, "ssh", field);
        let all = self.load()?;
        Ok(all
            .snmp
            .into_iter()
            .map(|(name, snmp)| ProfileInfo {
                community: set(&name, "community"),
                auth_password: set(&name, "auth_password"),
                priv_password: set(&name, "priv_password"),
                ssh: all.ssh.get(&name).map(|p| SshInfo {
                    user: p.user.clone(),
                    password: ssh_set(&name, "password"),
                    private_key: ssh_set(&name, "private_key"),
                    key_passphrase: ssh_set(&name, "key_passphrase"),
                    enable_secret: ssh_set(&name, "enable_secret"),
                }),
                name,
                snmp,
            })
            .collect())
    }

    /// Gives a profile an SSH login (creating the profile, SNMP v2c, if it has none yet);
    /// secrets given replace the stored ones, others stay. A private key must look like one.
    pub fn set_ssh(
        &self,
        name: &str,
        profile: SshProfile,
        secrets: &SshSecrets,
    ) -> Result<(), CredsError> {
        check_name(name)?;
        if profile.user.trim().is_empty() {
            return Err(CredsError::Profiles("an SSH login needs a user".into()));
        }
        if let Some(key) = &secrets.private_key
            && !(key.contains("-----BEGIN") && key.contains("PRIVATE KEY-----"))
        {
            return Err(CredsError::Profiles(
                "the SSH private key is not a PEM or OpenSSH private key".into(),
            ));
        }
        self.store_secrets(
            name,
            "ssh",
            &SSH_FIELDS,
            &[
                &secrets.password,
                &secrets.private_key,
                &secrets.key_passphrase,
                &secrets.enable_secret,
            ],
        )?;
        let mut all = self.load()?;
        all.snmp.entry(name.to_string()).or_default();
        all.ssh.insert(name.to_string(), profile);
        self.save(&all)
    }

    /// A profile's SSH login and its secrets, to use them.
    pub fn ssh(&self, name: &str) -> Result<(SshProfile, SshSecrets), CredsError> {
        let mut all = self.load()?;
        if !all.snmp.contains_key(name) {
            return Err(CredsError::Unknown(name.to_string()));
        }
        let profile = all
            .ssh
            .remove(name)
            .ok_or_else(|| CredsError::Profiles(format!("profile '{name}' has no SSH login")))?;
        let get = |field: &str| self.secrets.get(&format!("{name}/ssh/{field}"));
        Ok((
            profile,
            SshSecrets {
                password: get("password")?,
                private_key: get("private_key")?,
                key_passphrase: get("key_passphrase")?,
                enable_secret: get("enable_secret")?,
            },
        ))
    }

    /// A profile as SNMP credentials, labelled with its name.
    pub fn snmp_credential(&self, name: &str) -> Result<Credential, CredsError> {
        let (p, secrets) = self.snmp(name)?;
        let reveal = |s: Option<Zeroizing<String>>| s.map(|v| v.to_string());
        Ok(Credential {
            label: name.to_string(),
            version: p.version,
            community: reveal(secrets.community).unwrap_or_else(|| "public".into()),
            user: p.user,
            level: p.level,
            auth_protocol: p.auth_protocol,
            auth_password: reveal(secrets.auth_password),
            priv_protocol: p.priv_protocol,
            priv_password: reveal(secrets.priv_password),
        })
    }

    /// Puts the profiles named in `o.profiles` to use: a topology crawl tries them in order
    /// (then the options' own credentials when `keep_own`); any other run takes its one profile's
    /// credentials in place of its own.
    pub fn apply(&self, o: &mut SnmpOptions, keep_own: bool) -> Result<(), CredsError> {
        match o.profiles.as_slice() {
            [] => Ok(()),
            names if o.op == SnmpOp::Topology => {
                let mut list = names
                    .iter()
                    .map(|n| self.snmp_credential(n))
                    .collect::<Result<Vec<_>, _>>()?;
                if keep_own {
                    list.push(o.own_credential());
                }
                o.credentials = list;
                Ok(())
            }
            [one] => {
                let profiles = o.profiles.clone();
                *o = o.with_credential(&self.snmp_credential(one)?);
                o.profiles = profiles;
                Ok(())
            }
            _ => Err(CredsError::Profiles(
                "one profile per run (only topology tries several in order)".into(),
            )),
        }
    }

    /// Fills an SSH run's login from its profile, if it names one: the profile's user unless
    /// the options give one, and each secret the options do not give.
    pub fn apply_ssh(&self, o: &mut SshOptions) -> Result<(), CredsError> {
        let Some(name) = o.profile.clone() else {
            return Ok(());
        };
        let (profile, secrets) = self.ssh(&name)?;
        if o.user.trim().is_empty() {
            o.user = profile.user;
        }
        let take = |s: Option<Zeroizing<String>>| s.map(|v| v.as_str().to_owned());
        if o.password.is_none() {
            o.password = take(secrets.password);
        }
        if o.private_key.is_none() {
            o.private_key = take(secrets.private_key);
            if o.key_passphrase.is_none() {
                o.key_passphrase = take(secrets.key_passphrase);
            }
        }
        if o.enable_secret.is_none() {
            o.enable_secret = take(secrets.enable_secret);
        }
        Ok(())
    }

    /// A profile's settings and secrets, to use them.
    pub fn snmp(&self, name: &str) -> Result<(SnmpProfile, SnmpSecrets), CredsError> {
        let profile = self
            .load()?
            .snmp
            .remove(name)
            .ok_or_else(|| CredsError::Unknown(name.to_string()))?;
        let get = |field: &str| self.secrets.get(&format!("{name}/snmp/{field}"));
        let secrets = SnmpSecrets {
            community: get("community")?,
            auth_password: get("auth_password")?,
            priv_password: get("priv_password")?,
        };
        Ok((profile, secrets))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Profiles in a fresh directory, their secrets in the encrypted file.
    fn temp_creds(name: &str) -> (PathBuf, Creds) {
        let dir = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let store = file::FileStore::new(
            dir.join("secrets.enc"),
            Zeroizing::new("a long passphrase".into()),
        )
        .unwrap();
        let creds = Creds::open(dir.join("profiles.json"), Secrets::File(store));
        (dir, creds)
    }

    #[test]
    fn profiles_keep_secrets_out_of_the_plain_file() {
        let (dir, creds) = temp_creds("wirescope-profiles");
        let meta = SnmpProfile {
            version: SnmpVersion::V3,
            user: Some("ops".into()),
            auth_protocol: Some(AuthProtocol::Sha1),
            priv_protocol: Some(PrivProtocol::Aes128),
            level: None,
        };
        let secrets = SnmpSecrets {
            auth_password: Some(Zeroizing::new("auth-secret-1".into())),
            priv_password: Some(Zeroizing::new("priv-secret-2".into())),
            community: None,
        };
        creds.add_snmp("core", meta.clone(), &secrets).unwrap();
        let listed = creds.list().unwrap();
        assert_eq!(
            (
                listed[0].name.as_str(),
                listed[0].auth_password,
                listed[0].community
            ),
            ("core", SecretState::Set, SecretState::NotSet)
        );
        let (m, s) = creds.snmp("core").unwrap();
        assert_eq!(m, meta);
        assert_eq!(
            s.priv_password.as_deref().map(String::as_str),
            Some("priv-secret-2")
        );
        assert!(
            !format!("{s:?}").contains("secret"),
            "Debug never shows secrets"
        );
        for f in ["profiles.json", "secrets.enc"] {
            let text = std::fs::read_to_string(dir.join(f)).unwrap();
            assert!(
                !text.contains("auth-secret-1") && !text.contains("priv-secret-2"),
                "{f}"
            );
        }
        assert!(matches!(creds.snmp("nope"), Err(CredsError::Unknown(_))));
        for bad in ["bad name!", ".", "..", "...", ""] {
            assert!(
                matches!(
                    creds.add_snmp(bad, SnmpProfile::default(), &SnmpSecrets::default()),
                    Err(CredsError::BadName(_))
                ),
                "{bad}"
            );
        }
        assert!(creds.remove("core").unwrap());
        assert!(creds.list().unwrap().is_empty());
        assert!(!creds.remove("core").unwrap());
    }

    #[test]
    fn ssh_logins_live_beside_snmp_and_go_with_the_profile() {
        let (dir, creds) = temp_creds("wirescope-ssh");
        let key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE=\n-----END OPENSSH PRIVATE KEY-----\n";
        let secrets = SshSecrets {
            password: Some(Zeroizing::new("ssh-pass-3".into())),
            private_key: Some(Zeroizing::new(key.into())),
            key_passphrase: None,
            enable_secret: Some(Zeroizing::new("enable-7".into())),
        };
        let user = SshProfile {
            user: "netops".into(),
        };
        creds.set_ssh("edge", user.clone(), &secrets).unwrap();
        let listed = creds.list().unwrap();
        let ssh = listed[0].ssh.as_ref().unwrap();
        assert_eq!(
            (
                listed[0].snmp.version,
                ssh.user.as_str(),
                ssh.password,
                ssh.private_key,
                ssh.key_passphrase,
                ssh.enable_secret
            ),
            (
                SnmpVersion::V2c,
                "netops",
                SecretState::Set,
                SecretState::Set,
                SecretState::NotSet,
                SecretState::Set
            )
        );
        let (p, s) = creds.ssh("edge").unwrap();
        assert_eq!(p, user);
        assert_eq!(s.private_key.as_deref().map(String::as_str), Some(key));
        assert_eq!(
            s.enable_secret.as_deref().map(String::as_str),
            Some("enable-7")
        );
        assert!(!format!("{s:?}").contains("ssh-pass-3") && !format!("{s:?}").contains("enable-7"));
        // A run naming the profile takes its enable secret unless it gives its own.
        let mut o = wirescope_ssh::exec::SshOptions {
            profile: Some("edge".into()),
            ..Default::default()
        };
        creds.apply_ssh(&mut o).unwrap();
        assert_eq!(o.enable_secret.as_deref(), Some("enable-7"));
        o.enable_secret = Some("own".into());
        creds.apply_ssh(&mut o).unwrap();
        assert_eq!(o.enable_secret.as_deref(), Some("own"));
        let text = std::fs::read_to_string(dir.join("profiles.json")).unwrap();
        assert!(text.contains("netops") && !text.contains("ssh-pass-3") && !text.contains("b3Bl"));
        let bad = SshSecrets {
            private_key: Some(Zeroizing::new("not a key".into())),
            ..SshSecrets::default()
        };
        assert!(matches!(
            creds.set_ssh("edge", user.clone(), &bad),
            Err(CredsError::Profiles(_))
        ));
        assert!(matches!(
            creds.set_ssh("edge", SshProfile::default(), &SshSecrets::default()),
            Err(CredsError::Profiles(_))
        ));
        creds
            .add_snmp("snmp-only", SnmpProfile::default(), &SnmpSecrets::default())
            .unwrap();
        assert!(matches!(
            creds.ssh("snmp-only"),
            Err(CredsError::Profiles(_))
        ));
        assert!(matches!(creds.ssh("nope"), Err(CredsError::Unknown(_))));
        assert!(creds.remove("edge").unwrap());
        assert!(
            creds
                .secrets
                .keys()
                .unwrap()
                .iter()
                .all(|k| !k.starts_with("edge/"))
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
