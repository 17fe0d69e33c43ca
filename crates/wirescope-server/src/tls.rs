//! HTTPS for `serve`, on rustls with ring: a certificate chain and key from PEM files, or a
//! self-signed certificate made on first use and kept beside the database (so its fingerprint,
//! printed at start, stays the same across restarts). HTTP/1.1 only, as the listener speaks.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio_rustls::TlsAcceptor;

/// Where the certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsSource {
    /// A PEM chain (the server's certificate first) and its PEM private key.
    Files { cert: PathBuf, key: PathBuf },
    /// Made on first use, kept in `tls/` beside the database.
    SelfSigned,
}

/// What `serve` prints about its certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsInfo {
    /// The server certificate's SHA-256, as `AB:CD:...` (openssl's and browsers' notation).
    pub fingerprint: String,
    /// The certificate file (for `curl --cacert`).
    pub cert: PathBuf,
    /// True when it was made now (false: read from a file).
    pub made: bool,
}

/// Why TLS could not be set up; each names the file or the step.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{path}: {message}")]
    File { path: String, message: String },
    #[error("the certificate and key do not go together: {0}")]
    Config(String),
    #[error("cannot make a self-signed certificate: {0}")]
    Make(String),
}

fn file_error(path: &Path, message: impl std::fmt::Display) -> TlsError {
    TlsError::File {
        path: path.display().to_string(),
        message: message.to_string(),
    }
}

/// The acceptor for `source` and what to print about it.
pub fn acceptor(
    source: &TlsSource,
    files: &Path,
    listen: SocketAddr,
) -> Result<(TlsAcceptor, TlsInfo), TlsError> {
    let (cert_path, key_path, made) = match source {
        TlsSource::Files { cert, key } => (cert.clone(), key.clone(), false),
        TlsSource::SelfSigned => {
            let dir = files.join("tls");
            let (cert, key) = (dir.join("self-signed.crt"), dir.join("self-signed.key"));
            let made = !cert.exists() || !key.exists();
            if made {
                make_self_signed(&dir, &cert, &key, listen)?;
            }
            (cert, key, made)
        }
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cert_path)
        .map_err(|e| file_error(&cert_path, e))?
        .collect::<Result<_, _>>()
        .map_err(|e| file_error(&cert_path, format!("not a PEM certificate chain: {e}")))?;
    let Some(leaf) = chain.first() else {
        return Err(file_error(
            &cert_path,
            "holds no certificate (PEM `BEGIN CERTIFICATE`)",
        ));
    };
    let fingerprint = colon_hex(&Sha256::digest(leaf.as_ref()));
    let key = PrivateKeyDer::from_pem_file(&key_path).map_err(|e| {
        file_error(
            &key_path,
            format!("no PEM private key (PKCS#8, PKCS#1 or SEC1) could be read: {e}"),
        )
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| TlsError::Config(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok((
        TlsAcceptor::from(Arc::new(config)),
        TlsInfo {
            fingerprint,
            cert: cert_path,
            made,
        },
    ))
}

/// Makes a self-signed certificate for this machine's names and the listen address: the key
/// readable by its owner only.
fn make_self_signed(
    dir: &Path,
    cert: &Path,
    key: &Path,
    listen: SocketAddr,
) -> Result<(), TlsError> {
    let mut names = vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ];
    if let Some(host) = hostname() {
        names.push(host);
    }
    if !listen.ip().is_unspecified() && !listen.ip().is_loopback() {
        names.push(listen.ip().to_string());
    }
    let made =
        rcgen::generate_simple_self_signed(names).map_err(|e| TlsError::Make(e.to_string()))?;
    std::fs::create_dir_all(dir).map_err(|e| file_error(dir, e))?;
    write_private(key, made.signing_key.serialize_pem().as_bytes())?;
    std::fs::write(cert, made.cert.pem()).map_err(|e| file_error(cert, e))
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), TlsError> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| file_error(path, e))?;
    f.write_all(bytes).map_err(|e| file_error(path, e))
}

/// This machine's host name, when it has a usable one.
fn hostname() -> Option<String> {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").ok()?;
    let name = name.trim();
    (!name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'))
    .then(|| name.to_ascii_lowercase())
}

/// `AB:CD:...`.
fn colon_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("wirescope-tls-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap_or_else(|e| panic!("{e}"));
        d
    }

    #[test]
    fn a_self_signed_certificate_is_made_once_and_kept() {
        let d = dir("self");
        let db = d.clone();
        let listen: SocketAddr = ([127, 0, 0, 1], 0).into();
        let (_, first) =
            acceptor(&TlsSource::SelfSigned, &db, listen).unwrap_or_else(|e| panic!("{e}"));
        assert!(first.made);
        assert_eq!(first.fingerprint.len(), 32 * 3 - 1, "{}", first.fingerprint);
        let key = d.join("tls/self-signed.key");
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&key)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0);
        assert_eq!(mode, 0o600);
        let (_, again) =
            acceptor(&TlsSource::SelfSigned, &db, listen).unwrap_or_else(|e| panic!("{e}"));
        assert!(!again.made);
        assert_eq!(
            again.fingerprint, first.fingerprint,
            "the same certificate after a restart"
        );
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn bad_files_name_themselves() {
        let d = dir("bad");
        let db = d.clone();
        let listen: SocketAddr = ([127, 0, 0, 1], 0).into();
        let (cert, key) = (d.join("c.pem"), d.join("k.pem"));
        let files = TlsSource::Files {
            cert: cert.clone(),
            key: key.clone(),
        };
        let e = acceptor(&files, &db, listen)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.starts_with(&cert.display().to_string()), "{e}");
        std::fs::write(&cert, "not a certificate\n").unwrap_or_else(|e| panic!("{e}"));
        let e = acceptor(&files, &db, listen)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("holds no certificate"), "{e}");
        // A real certificate with another certificate's key is refused.
        acceptor(&TlsSource::SelfSigned, &db, listen).unwrap_or_else(|e| panic!("{e}"));
        std::fs::copy(d.join("tls/self-signed.crt"), &cert).unwrap_or_else(|e| panic!("{e}"));
        let other = rcgen::generate_simple_self_signed(vec!["x".to_string()])
            .unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&key, other.signing_key.serialize_pem()).unwrap_or_else(|e| panic!("{e}"));
        let e = acceptor(&files, &db, listen)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("do not go together"), "{e}");
        std::fs::write(&key, "junk").unwrap_or_else(|e| panic!("{e}"));
        let e = acceptor(&files, &db, listen)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            e.starts_with(&key.display().to_string()) && e.contains("private key"),
            "{e}"
        );
        let _ = std::fs::remove_dir_all(&d);
    }
}
