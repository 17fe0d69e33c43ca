//! Host keys in OpenSSH's known_hosts format: wirescope's own file, read and written, and the
//! user's `~/.ssh/known_hosts`, only read. A presented key is known, unknown, changed or
//! revoked. Nothing here accepts a changed key: its old entry has to be removed on purpose.

use hmac::{Hmac, KeyInit, Mac};
use russh::keys::ssh_key::{Algorithm, HashAlg, PublicKey};
use serde::Serialize;
use std::io::Write;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

/// The host-key files to consult: `own` is written when a key is accepted; `extra` files are
/// only read.
#[derive(Debug, Clone)]
pub struct KnownHosts {
    own: PathBuf,
    extra: Vec<PathBuf>,
}

/// One entry that matched a host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KnownKey {
    /// The key's algorithm as OpenSSH names it (`ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`).
    pub algorithm: String,
    /// `SHA256:` and the unpadded base64 digest, as `ssh-keygen -l` prints it.
    pub fingerprint: String,
    pub file: PathBuf,
    pub line: usize,
}

/// What the files say of a key a host presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Known(KnownKey),
    /// No entry names the host.
    Unknown,
    /// The host is known with other keys: the presented one must not be trusted.
    Changed {
        known: Vec<KnownKey>,
    },
    /// The key is marked `@revoked`.
    Revoked(KnownKey),
}

/// One line of the own file, for listings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// The host field as written (`host`, `[host]:port`, or a hashed `|1|…`).
    pub hosts: String,
    pub algorithm: String,
    pub fingerprint: String,
    /// `revoked` or `cert-authority` for marked lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
    pub line: usize,
}

/// A known_hosts problem, naming the file.
#[derive(Debug, thiserror::Error)]
pub enum KnownHostsError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: refusing to add a key for {host}: it is known with another key ({known})")]
    Conflict {
        path: PathBuf,
        host: String,
        known: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    Revoked,
    CertAuthority,
}

struct Line<'a> {
    marker: Option<Marker>,
    hosts: &'a str,
    key: PublicKey,
}

/// The host field OpenSSH writes for a host and port: `host` on port 22, `[host]:port` otherwise.
/// Names are compared in lower case.
pub fn host_pattern(host: &str, port: u16) -> String {
    let host = host.to_ascii_lowercase();
    if port == 22 {
        host
    } else {
        format!("[{host}]:{port}")
    }
}

/// `SHA256:…` of a key, as `ssh-keygen -l` prints it.
pub fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

fn parse_line(text: &str) -> Option<Line<'_>> {
    let text = text.trim();
    if text.is_empty() || text.starts_with('#') {
        return None;
    }
    let mut fields = text.split_ascii_whitespace();
    let mut first = fields.next()?;
    let marker = match first {
        "@revoked" => Some(Marker::Revoked),
        "@cert-authority" => Some(Marker::CertAuthority),
        _ => None,
    };
    if marker.is_some() {
        first = fields.next()?;
    }
    let algorithm = fields.next()?;
    let blob = fields.next()?;
    let key = PublicKey::from_openssh(&format!("{algorithm} {blob}")).ok()?;
    Some(Line {
        marker,
        hosts: first,
        key,
    })
}

/// Does a known_hosts host field name this host pattern (`host` or `[host]:port`)?
fn hosts_match(field: &str, pattern: &str) -> bool {
    if let Some(rest) = field.strip_prefix("|1|") {
        return hashed_match(rest, pattern);
    }
    let mut matched = false;
    for p in field.split(',') {
        if let Some(neg) = p.strip_prefix('!') {
            if glob(&neg.to_ascii_lowercase(), pattern) {
                return false;
            }
        } else if glob(&p.to_ascii_lowercase(), pattern) {
            matched = true;
        }
    }
    matched
}

fn hashed_match(rest: &str, pattern: &str) -> bool {
    let Some((salt, hash)) = rest.split_once('|') else {
        return false;
    };
    let b64 = data_encoding::BASE64;
    let (Ok(salt), Ok(hash)) = (b64.decode(salt.as_bytes()), b64.decode(hash.as_bytes())) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<sha1::Sha1>::new_from_slice(&salt) else {
        return false;
    };
    mac.update(pattern.as_bytes());
    mac.verify_slice(&hash).is_ok()
}

/// OpenSSH's pattern match: `*` any run of characters, `?` any one.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

fn same_key(a: &PublicKey, b: &PublicKey) -> bool {
    a.key_data() == b.key_data()
}

fn lock(file: &std::fs::File, path: &Path) -> Result<(), KnownHostsError> {
    // SAFETY: flock on a descriptor this function's caller owns for the lock's whole life.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
        return Err(KnownHostsError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::last_os_error(),
        });
    }
    Ok(())
}

impl KnownHosts {
    /// A store writing `own` and also reading each of `extra` (missing files are empty).
    pub fn new(own: impl Into<PathBuf>, extra: Vec<PathBuf>) -> Self {
        KnownHosts {
            own: own.into(),
            extra,
        }
    }

    /// The own file.
    pub fn path(&self) -> &Path {
        &self.own
    }

    fn io(&self, path: &Path, source: std::io::Error) -> KnownHostsError {
        KnownHostsError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    fn read(&self, path: &Path) -> Result<String, KnownHostsError> {
        match std::fs::read_to_string(path) {
            Ok(s) => Ok(s),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
            Err(e) => Err(self.io(path, e)),
        }
    }

    /// What the files say of `key` presented by `host` on `port`.
    pub fn check(
        &self,
        host: &str,
        port: u16,
        key: &PublicKey,
    ) -> Result<Verdict, KnownHostsError> {
        let pattern = host_pattern(host, port);
        let mut others = Vec::new();
        let mut known = None;
        for path in std::iter::once(&self.own).chain(self.extra.iter()) {
            let text = self.read(path)?;
            for (i, raw) in text.lines().enumerate() {
                let Some(l) = parse_line(raw) else { continue };
                if l.marker == Some(Marker::CertAuthority) || !hosts_match(l.hosts, &pattern) {
                    continue;
                }
                let entry = KnownKey {
                    algorithm: l.key.algorithm().to_string(),
                    fingerprint: fingerprint(&l.key),
                    file: path.clone(),
                    line: i + 1,
                };
                match (l.marker, same_key(&l.key, key)) {
                    (Some(Marker::Revoked), true) => return Ok(Verdict::Revoked(entry)),
                    (Some(_), _) => {}
                    (None, true) => known = known.or(Some(entry)),
                    (None, false) => others.push(entry),
                }
            }
        }
        Ok(match known {
            Some(k) => Verdict::Known(k),
            None if others.is_empty() => Verdict::Unknown,
            None => Verdict::Changed { known: others },
        })
    }

    /// The key algorithms the files know for a host, so the connection can ask for those first
    /// (as OpenSSH does) and a host holding several keys is not taken for a changed one.
    pub fn algorithms(&self, host: &str, port: u16) -> Vec<Algorithm> {
        let pattern = host_pattern(host, port);
        let mut out: Vec<Algorithm> = Vec::new();
        for path in std::iter::once(&self.own).chain(self.extra.iter()) {
            let Ok(text) = self.read(path) else { continue };
            for l in text.lines().filter_map(parse_line) {
                if l.marker.is_none() && hosts_match(l.hosts, &pattern) {
                    let a = l.key.algorithm();
                    if !out.contains(&a) {
                        out.push(a);
                    }
                }
            }
        }
        out
    }

    /// Records a key for a host in the own file. Refused when the files know the host with a
    /// different key: a changed key is never written over.
    pub fn add(&self, host: &str, port: u16, key: &PublicKey) -> Result<(), KnownHostsError> {
        match self.check(host, port, key)? {
            Verdict::Known(_) => return Ok(()),
            Verdict::Unknown => {}
            Verdict::Changed { known } => {
                return Err(KnownHostsError::Conflict {
                    path: self.own.clone(),
                    host: host_pattern(host, port),
                    known: known
                        .iter()
                        .map(|k| format!("{} {}", k.algorithm, k.fingerprint))
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
            Verdict::Revoked(k) => {
                return Err(KnownHostsError::Conflict {
                    path: self.own.clone(),
                    host: host_pattern(host, port),
                    known: format!(
                        "{} is revoked at {}:{}",
                        k.fingerprint,
                        k.file.display(),
                        k.line
                    ),
                });
            }
        }
        if let Some(dir) = self.own.parent() {
            std::fs::create_dir_all(dir).map_err(|e| self.io(dir, e))?;
        }
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.own)
            .map_err(|e| self.io(&self.own, e))?;
        lock(&f, &self.own)?;
        let bare = PublicKey::new(key.key_data().clone(), "");
        let text = bare
            .to_openssh()
            .map_err(|e| self.io(&self.own, std::io::Error::other(e.to_string())))?;
        writeln!(f, "{} {}", host_pattern(host, port), text.trim())
            .and_then(|()| f.sync_data())
            .map_err(|e| self.io(&self.own, e))
    }

    /// Removes every entry of the own file that names the host (plain or hashed); returns how
    /// many. The user's own known_hosts is never changed.
    pub fn remove(&self, host: &str, port: u16) -> Result<usize, KnownHostsError> {
        let pattern = host_pattern(host, port);
        let f = match std::fs::OpenOptions::new().read(true).open(&self.own) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(self.io(&self.own, e)),
        };
        lock(&f, &self.own)?;
        let text = self.read(&self.own)?;
        let mut kept = String::with_capacity(text.len());
        let mut removed = 0;
        for raw in text.lines() {
            match parse_line(raw) {
                Some(l) if l.marker.is_none() && hosts_match(l.hosts, &pattern) => removed += 1,
                _ => {
                    kept.push_str(raw);
                    kept.push('\n');
                }
            }
        }
        if removed > 0 {
            let tmp = self.own.with_extension("tmp");
            std::fs::write(&tmp, kept).map_err(|e| self.io(&tmp, e))?;
            std::fs::rename(&tmp, &self.own).map_err(|e| self.io(&self.own, e))?;
        }
        Ok(removed)
    }

    /// Every entry of the own file.
    pub fn list(&self) -> Result<Vec<Entry>, KnownHostsError> {
        let text = self.read(&self.own)?;
        Ok(text
            .lines()
            .enumerate()
            .filter_map(|(i, raw)| {
                let l = parse_line(raw)?;
                Some(Entry {
                    hosts: l.hosts.to_string(),
                    algorithm: l.key.algorithm().to_string(),
                    fingerprint: fingerprint(&l.key),
                    marker: l.marker.map(|m| match m {
                        Marker::Revoked => "revoked".to_string(),
                        Marker::CertAuthority => "cert-authority".to_string(),
                    }),
                    line: i + 1,
                })
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Two fixed ed25519 public keys (ssh-keygen output, comments dropped).
    const K1: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBaqqvz307IF/UP55Ixt9W4bhGewy88CbBwRNw2qkTOI";
    const K2: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJuJC/R39dp5RLrm4xhX9806CFazF1hCxTomuBsAl1gj";

    fn key(s: &str) -> PublicKey {
        PublicKey::from_openssh(s).expect("fixture key")
    }

    fn store(name: &str, own: &str, extra: Option<&str>) -> KnownHosts {
        let dir = std::env::temp_dir().join(format!("ws-kh-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("tmp dir");
        std::fs::write(dir.join("own"), own).expect("write own");
        let mut ex = Vec::new();
        if let Some(e) = extra {
            std::fs::write(dir.join("extra"), e).expect("write extra");
            ex.push(dir.join("extra"));
        }
        KnownHosts::new(dir.join("own"), ex)
    }

    #[test]
    fn patterns_follow_openssh() {
        assert_eq!(host_pattern("Router1", 22), "router1");
        assert_eq!(host_pattern("198.18.0.1", 2222), "[198.18.0.1]:2222");
        assert!(glob("*.lab.test", "s1.lab.test"));
        assert!(glob("s?.lab.test", "s1.lab.test"));
        assert!(!glob("s?.lab.test", "s10.lab.test"));
        assert!(hosts_match("a,b,*.lab.test", "s1.lab.test"));
        assert!(!hosts_match("*.lab.test,!s1.lab.test", "s1.lab.test"));
        assert!(hosts_match("[198.18.0.1]:2222", "[198.18.0.1]:2222"));
        assert!(!hosts_match("198.18.0.1", "[198.18.0.1]:2222"));
    }

    #[test]
    fn hashed_entries_match() {
        // `ssh-keygen -H` style: |1|base64(salt)|base64(HMAC-SHA1(salt, host))
        let salt = [7u8; 20];
        let mut mac = Hmac::<sha1::Sha1>::new_from_slice(&salt).expect("hmac");
        mac.update(b"198.18.0.122");
        let hash = mac.finalize().into_bytes();
        let b64 = data_encoding::BASE64;
        let field = format!("|1|{}|{}", b64.encode(&salt), b64.encode(&hash));
        assert!(hosts_match(&field, "198.18.0.122"));
        assert!(!hosts_match(&field, "198.18.0.123"));
        assert!(!hosts_match("|1|junk|", "198.18.0.122"));
        let kh = store("hashed", "", Some(&format!("{field} {K1}\n")));
        assert!(matches!(
            kh.check("198.18.0.122", 22, &key(K1)),
            Ok(Verdict::Known(_))
        ));
    }

    #[test]
    fn verdicts() {
        let kh = store(
            "verdicts",
            &format!("# comment\n\nrouter1 {K1}\n@revoked revoked-host {K2}\n"),
            Some(&format!("[other]:2222 {K2} user@laptop\n")),
        );
        assert!(matches!(kh.check("router1", 22, &key(K1)), Ok(Verdict::Known(k)) if k.line == 3));
        match kh.check("ROUTER1", 22, &key(K2)) {
            Ok(Verdict::Changed { known }) => {
                assert_eq!(known.len(), 1);
                assert_eq!(known[0].fingerprint, fingerprint(&key(K1)));
                assert!(known[0].fingerprint.starts_with("SHA256:"));
            }
            v => panic!("want changed, got {v:?}"),
        }
        assert_eq!(
            kh.check("router1", 2222, &key(K1)).ok(),
            Some(Verdict::Unknown)
        );
        assert!(matches!(
            kh.check("other", 2222, &key(K2)),
            Ok(Verdict::Known(_))
        ));
        assert!(matches!(
            kh.check("revoked-host", 22, &key(K2)),
            Ok(Verdict::Revoked(_))
        ));
        assert_eq!(kh.algorithms("router1", 22), vec![Algorithm::Ed25519]);
    }

    #[test]
    fn add_refuses_a_changed_key_and_remove_clears_it() {
        let kh = store("add", "", None);
        kh.add("198.18.0.122", 2222, &key(K1)).expect("add");
        kh.add("198.18.0.122", 2222, &key(K1))
            .expect("add again is a no-op");
        let text = std::fs::read_to_string(kh.path()).expect("read");
        assert_eq!(text.lines().count(), 1);
        assert!(
            text.starts_with("[198.18.0.122]:2222 ssh-ed25519 AAAA"),
            "{text}"
        );
        let err = kh
            .add("198.18.0.122", 2222, &key(K2))
            .expect_err("changed key");
        assert!(err.to_string().contains("known with another key"), "{err}");
        assert_eq!(kh.list().expect("list").len(), 1);
        assert_eq!(kh.remove("198.18.0.122", 2222).expect("remove"), 1);
        assert_eq!(kh.remove("198.18.0.122", 2222).expect("remove none"), 0);
        kh.add("198.18.0.122", 2222, &key(K2))
            .expect("add the new key");
        assert!(matches!(
            kh.check("198.18.0.122", 2222, &key(K2)),
            Ok(Verdict::Known(_))
        ));
    }

    #[test]
    fn deterministic_junk_never_panics() {
        // xorshift bytes shaped like known_hosts lines: fields, markers, hashes, base64
        let mut x: u64 = 0x5753_5753_1234_5678;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let pieces = [
            "|1|",
            "@revoked",
            "@cert-authority",
            "ssh-ed25519",
            "AAAAC3NzaC1lZDI1NTE5",
            "*",
            "!",
            ",",
            "[",
            "]:",
            " ",
            "\t",
            "=",
            "h",
            "\u{0}",
            "é",
        ];
        let key = key(K1);
        for _ in 0..20_000 {
            let mut line = String::new();
            for _ in 0..(next() % 12) {
                line.push_str(pieces[(next() % pieces.len() as u64) as usize]);
            }
            if let Some(l) = parse_line(&line) {
                let _ = hosts_match(l.hosts, "h");
            }
            let _ = hosts_match(&line, "[h]:22");
            let _ = glob(&line, "host.lab.test");
        }
        let kh = store(
            "junkfile",
            &String::from_utf8_lossy(&(0..4096).map(|_| (next() % 256) as u8).collect::<Vec<_>>()),
            None,
        );
        assert!(kh.check("h", 22, &key).is_ok());
    }

    #[test]
    fn junk_lines_are_skipped() {
        let kh = store(
            "junk",
            &format!("garbage\nhost ssh-ed25519 !!!notbase64\n\u{0}\u{1}\nhost {K1}\n@revoked\n"),
            None,
        );
        assert!(matches!(kh.check("host", 22, &key(K1)), Ok(Verdict::Known(k)) if k.line == 4));
        assert_eq!(kh.list().expect("list").len(), 1);
    }
}
