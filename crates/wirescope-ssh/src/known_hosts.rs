//! Host keys in OpenSSH's known_hosts format: wirescope's own file, read and written, and the
//! user's `~/.ssh/known_hosts`, only read. A presented key is known, unknown, changed or
//! revoked. Nothing here accepts a changed key: its old entry has to be removed on purpose.

use hmac::{Hmac, KeyInit, Mac};
use russh::keys::ssh_key::{Algorithm, HashAlg, PublicKey};
use serde::Serialize;
use std::collections::HashMap;
use std::io::Write;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The host-key files to consult: `own` is written when a key is accepted; `extra` files are
/// only read. The files are parsed once and indexed by host; they are read again when one
/// changes on disk, and keys this store adds go straight into the index, so a batch over
/// thousands of devices does not re-read a growing file per device.
#[derive(Debug, Clone)]
pub struct KnownHosts {
    own: PathBuf,
    extra: Vec<PathBuf>,
    cache: Arc<Mutex<Option<Index>>>,
}

/// A parsed entry with where it came from.
#[derive(Debug, Clone)]
struct Parsed {
    marker: Option<Marker>,
    hosts: String,
    key: PublicKey,
    file: PathBuf,
    line: usize,
}

/// Every entry of the files: plain host names indexed, patterns and hashed names scanned.
#[derive(Debug, Default)]
struct Index {
    /// Size and modification time of each file (own first) when it was read; `None`: missing.
    stamps: Vec<Option<(u64, std::time::SystemTime)>>,
    entries: Vec<Parsed>,
    exact: HashMap<String, Vec<usize>>,
    scanned: Vec<usize>,
    /// Lines in the own file, for the line numbers of entries added here.
    own_lines: usize,
}

impl Index {
    fn push(&mut self, p: Parsed) {
        let i = self.entries.len();
        let plain = !p.hosts.starts_with('|') && !p.hosts.contains(['*', '?', '!']);
        if plain {
            for h in p.hosts.split(',') {
                self.exact
                    .entry(h.to_ascii_lowercase())
                    .or_default()
                    .push(i);
            }
        } else {
            self.scanned.push(i);
        }
        self.entries.push(p);
    }

    fn matching(&self, pattern: &str) -> Vec<&Parsed> {
        let mut idx: Vec<usize> = self.exact.get(pattern).cloned().unwrap_or_default();
        idx.extend(
            self.scanned
                .iter()
                .copied()
                .filter(|&i| hosts_match(&self.entries[i].hosts, pattern)),
        );
        idx.sort_unstable();
        idx.dedup();
        idx.into_iter().map(|i| &self.entries[i]).collect()
    }
}

fn stamp(path: &Path) -> Option<(u64, std::time::SystemTime)> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.len(), m.modified().ok()?))
}

/// One entry that matched a host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct KnownKey {
    /// The key's algorithm as OpenSSH names it (`ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`).
    pub algorithm: String,
    /// `SHA256:` and the unpadded base64 digest, as `ssh-keygen -l` prints it.
    pub fingerprint: String,
    #[schema(value_type = String)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
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
    #[error("{path}: refusing to record a key: {why}")]
    BadHost { path: PathBuf, why: String },
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

/// Why a host name cannot be filed in known_hosts (it would read as a pattern, a marker or a
/// comment, or not as one field).
fn check_host(host: &str) -> Result<(), String> {
    if host.is_empty() {
        return Err("an empty host name".into());
    }
    if host
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || ",*?![]".contains(c))
    {
        return Err(format!("'{host}' is not a host name or address"));
    }
    if host.starts_with(['|', '@', '#']) {
        return Err(format!("'{host}' is not a host name or address"));
    }
    Ok(())
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
            cache: Arc::default(),
        }
    }

    fn files(&self) -> impl Iterator<Item = &PathBuf> {
        std::iter::once(&self.own).chain(self.extra.iter())
    }

    /// The index, read again if a file changed since.
    fn index(&self) -> Result<std::sync::MutexGuard<'_, Option<Index>>, KnownHostsError> {
        let mut guard = self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.refresh(&mut guard)?;
        Ok(guard)
    }

    /// Reads the files again if one changed since the index was made.
    fn refresh(&self, slot: &mut Option<Index>) -> Result<(), KnownHostsError> {
        let stamps: Vec<_> = self.files().map(|p| stamp(p)).collect();
        if slot.as_ref().is_some_and(|ix| ix.stamps == stamps) {
            return Ok(());
        }
        let mut ix = Index {
            stamps,
            ..Index::default()
        };
        for (n, path) in self.files().enumerate() {
            let text = self.read(path)?;
            if n == 0 {
                ix.own_lines = text.lines().count();
            }
            for (i, raw) in text.lines().enumerate() {
                if let Some(l) = parse_line(raw) {
                    ix.push(Parsed {
                        marker: l.marker,
                        hosts: l.hosts.to_string(),
                        key: l.key,
                        file: path.clone(),
                        line: i + 1,
                    });
                }
            }
        }
        *slot = Some(ix);
        Ok(())
    }

    /// What the index says of a host's key, as a decision to add it: `Ok(true)` to write it,
    /// `Ok(false)` when it is already known, an error when another key is on record.
    fn may_add(
        &self,
        ix: Option<&Index>,
        pattern: &str,
        key: &PublicKey,
    ) -> Result<bool, KnownHostsError> {
        let verdict = ix.map_or(Verdict::Unknown, |ix| Self::verdict(ix, pattern, key));
        match verdict {
            Verdict::Known(_) => Ok(false),
            Verdict::Unknown => Ok(true),
            Verdict::Changed { known } => Err(KnownHostsError::Conflict {
                path: self.own.clone(),
                host: pattern.to_string(),
                known: known
                    .iter()
                    .map(|k| format!("{} {}", k.algorithm, k.fingerprint))
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
            Verdict::Revoked(k) => Err(KnownHostsError::Conflict {
                path: self.own.clone(),
                host: pattern.to_string(),
                known: format!(
                    "{} is revoked at {}:{}",
                    k.fingerprint,
                    k.file.display(),
                    k.line
                ),
            }),
        }
    }

    /// The own file opened for appending and locked; re-opened if it was replaced (by
    /// `remove`) while waiting for the lock.
    fn open_locked(&self) -> Result<std::fs::File, KnownHostsError> {
        use std::os::unix::fs::MetadataExt;
        for _ in 0..5 {
            let f = std::fs::OpenOptions::new()
                .create(true)
                .read(true)
                .append(true)
                .open(&self.own)
                .map_err(|e| self.io(&self.own, e))?;
            lock(&f, &self.own)?;
            let held = f.metadata().map_err(|e| self.io(&self.own, e))?;
            if std::fs::metadata(&self.own)
                .is_ok_and(|m| m.ino() == held.ino() && m.dev() == held.dev())
            {
                return Ok(f);
            }
        }
        Err(self.io(
            &self.own,
            std::io::Error::other("the file keeps being replaced"),
        ))
    }

    fn verdict(ix: &Index, pattern: &str, key: &PublicKey) -> Verdict {
        let mut others = Vec::new();
        let mut known = None;
        for p in ix.matching(pattern) {
            if p.marker == Some(Marker::CertAuthority) {
                continue;
            }
            let entry = KnownKey {
                algorithm: p.key.algorithm().to_string(),
                fingerprint: fingerprint(&p.key),
                file: p.file.clone(),
                line: p.line,
            };
            match (p.marker, same_key(&p.key, key)) {
                (Some(Marker::Revoked), true) => return Verdict::Revoked(entry),
                (Some(_), _) => {}
                (None, true) => known = known.or(Some(entry)),
                (None, false) => others.push(entry),
            }
        }
        match known {
            Some(k) => Verdict::Known(k),
            None if others.is_empty() => Verdict::Unknown,
            None => Verdict::Changed { known: others },
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

    /// A file's text; bytes that are not UTF-8 (a Latin-1 comment) do not make it unreadable.
    fn read(&self, path: &Path) -> Result<String, KnownHostsError> {
        match std::fs::read(path) {
            Ok(b) => Ok(String::from_utf8_lossy(&b).into_owned()),
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
        let guard = self.index()?;
        let ix = guard
            .as_ref()
            .ok_or_else(|| self.io(&self.own, std::io::Error::other("no index")))?;
        Ok(Self::verdict(ix, &host_pattern(host, port), key))
    }

    /// The key algorithms the files know for a host, so the connection can ask for those first
    /// (as OpenSSH does) and a host holding several keys is not taken for a changed one.
    pub fn algorithms(&self, host: &str, port: u16) -> Vec<Algorithm> {
        let Ok(guard) = self.index() else {
            return Vec::new();
        };
        let mut out: Vec<Algorithm> = Vec::new();
        for p in guard
            .as_ref()
            .map(|ix| ix.matching(&host_pattern(host, port)))
            .unwrap_or_default()
        {
            let a = p.key.algorithm();
            if p.marker.is_none() && !out.contains(&a) {
                out.push(a);
            }
        }
        out
    }

    /// Records a key for a host in the own file. Refused when the files know the host with a
    /// different key: a changed key is never written over.
    pub fn add(&self, host: &str, port: u16, key: &PublicKey) -> Result<(), KnownHostsError> {
        check_host(host).map_err(|why| KnownHostsError::BadHost {
            path: self.own.clone(),
            why,
        })?;
        let pattern = host_pattern(host, port);
        // The index stays locked from the check to the write: one process never appends a host
        // twice. Another process may have written since the index was read: under the file's
        // lock, a file that grew is read again and the decision made again.
        let mut guard = self.index()?;
        if !self.may_add(guard.as_ref(), &pattern, key)? {
            return Ok(());
        }
        if let Some(dir) = self.own.parent() {
            std::fs::create_dir_all(dir).map_err(|e| self.io(dir, e))?;
        }
        let mut f = self.open_locked()?;
        let seen = guard
            .as_ref()
            .and_then(|ix| ix.stamps.first().copied().flatten());
        let held = f.metadata().map_err(|e| self.io(&self.own, e))?;
        if seen.map_or(0, |(len, _)| len) != held.len() || seen.is_none() && held.len() > 0 {
            *guard = None;
            self.refresh(&mut guard)?;
            if !self.may_add(guard.as_ref(), &pattern, key)? {
                return Ok(());
            }
        }
        // A file whose last line has no newline (edited by hand) gets one first.
        let len = f.metadata().map_err(|e| self.io(&self.own, e))?.len();
        let mut sep = "";
        if len > 0 {
            use std::io::{Read, Seek, SeekFrom};
            let mut last = [0u8; 1];
            f.seek(SeekFrom::Start(len - 1))
                .and_then(|_| f.read_exact(&mut last))
                .map_err(|e| self.io(&self.own, e))?;
            if last[0] != b'\n' {
                sep = "\n";
            }
        }
        let bare = PublicKey::new(key.key_data().clone(), "");
        let text = bare
            .to_openssh()
            .map_err(|e| self.io(&self.own, std::io::Error::other(e.to_string())))?;
        writeln!(f, "{sep}{pattern} {}", text.trim())
            .and_then(|()| f.sync_data())
            .map_err(|e| self.io(&self.own, e))?;
        // Our own line goes into the index; a file changed by anyone else is read again next time.
        if let Some(ix) = guard.as_mut() {
            let before = ix
                .stamps
                .first()
                .copied()
                .flatten()
                .map_or(0, |(len, _)| len);
            let now = stamp(&self.own);
            let written = now.map_or(0, |(len, _)| len);
            let ours = (sep.len() + text.trim().len() + pattern.len() + 2) as u64;
            if written == before + ours && sep.is_empty() {
                ix.own_lines += 1;
                let line = ix.own_lines;
                ix.push(Parsed {
                    marker: None,
                    hosts: pattern.clone(),
                    key: bare,
                    file: self.own.clone(),
                    line,
                });
                if let Some(s) = ix.stamps.first_mut() {
                    *s = now;
                }
            } else {
                *guard = None;
            }
        }
        Ok(())
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
            let mut t = std::fs::File::create(&tmp).map_err(|e| self.io(&tmp, e))?;
            t.write_all(kept.as_bytes())
                .and_then(|()| t.sync_all())
                .map_err(|e| self.io(&tmp, e))?;
            std::fs::rename(&tmp, &self.own).map_err(|e| self.io(&self.own, e))?;
        }
        Ok(removed)
    }

    /// Every entry of the own file.
    pub fn list(&self) -> Result<Vec<Entry>, KnownHostsError> {
        Ok(parse_entries(&self.read(&self.own)?))
    }
}

/// The entries of known_hosts text; lines that are not entries are skipped.
pub fn parse_entries(text: &str) -> Vec<Entry> {
    text.lines()
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
        .collect()
}

/// Whether a known_hosts host field (names, patterns, negations, a hashed name) names `host`
/// on `port`.
pub fn field_matches(field: &str, host: &str, port: u16) -> bool {
    hosts_match(field, &host_pattern(host, port))
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
    fn the_index_follows_changes_on_disk() {
        let kh = store("index", &format!("r1 {K1}"), None);
        assert!(matches!(
            kh.check("r1", 22, &key(K1)),
            Ok(Verdict::Known(_))
        ));
        // appended after a last line without a newline: both lines stay whole
        kh.add("r2", 22, &key(K2)).expect("add");
        let text = std::fs::read_to_string(kh.path()).expect("read");
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(matches!(kh.check("r2", 22, &key(K2)), Ok(Verdict::Known(k)) if k.line == 2));
        // many adds, each seen at once with its line number
        for i in 0..300 {
            kh.add(&format!("10.0.{}.{}", i / 250, i % 250), 22, &key(K1))
                .expect("add");
        }
        assert!(
            matches!(kh.check("10.0.1.49", 22, &key(K1)), Ok(Verdict::Known(k)) if k.line == 302)
        );
        assert!(matches!(
            kh.check("10.0.1.49", 22, &key(K2)),
            Ok(Verdict::Changed { .. })
        ));
        // someone else rewrites the file: the next check reads it again
        std::fs::write(kh.path(), format!("r1 {K2}\n")).expect("rewrite");
        assert!(matches!(
            kh.check("r1", 22, &key(K1)),
            Ok(Verdict::Changed { .. })
        ));
        assert_eq!(kh.check("r2", 22, &key(K2)).ok(), Some(Verdict::Unknown));
    }

    #[test]
    fn another_writer_is_seen_under_the_lock_and_odd_names_are_refused() {
        let kh = store("writers", "", None);
        kh.add("r9", 22, &key(K1)).expect("add");
        assert!(kh.check("r9", 22, &key(K1)).is_ok());
        // another process records r10 with K1 after our index was made...
        let other = KnownHosts::new(kh.path().to_path_buf(), Vec::new());
        other.add("r10", 22, &key(K1)).expect("other add");
        // ...so our add of r10 with K2 must see it and refuse, whatever our index said
        let err = kh.add("r10", 22, &key(K2)).expect_err("changed under us");
        assert!(err.to_string().contains("known with another key"), "{err}");
        let text = std::fs::read_to_string(kh.path()).expect("read");
        assert_eq!(
            text.lines().filter(|l| l.starts_with("r10 ")).count(),
            1,
            "{text}"
        );
        for bad in [
            "", "*", "a b", "h,g", "|1|x", "@revoked", "#c", "[h]", "h\n",
        ] {
            assert!(kh.add(bad, 22, &key(K1)).is_err(), "{bad:?}");
        }
        // a file with bytes that are not UTF-8 stays readable
        let mut raw = std::fs::read(kh.path()).expect("read");
        raw.extend_from_slice(b"# caf\xe9\n");
        std::fs::write(kh.path(), raw).expect("write");
        assert!(matches!(
            kh.check("r9", 22, &key(K1)),
            Ok(Verdict::Known(_))
        ));
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
