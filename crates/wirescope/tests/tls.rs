//! `serve` over HTTPS on loopback: a self-signed certificate made once and kept (the fingerprint
//! printed is the one served, checked with Python's ssl module, and the same after a restart),
//! curl trusting it with `--cacert`, HSTS on every answer, the Origin rule following the scheme,
//! plain HTTP to the TLS port getting no answer, the same files given as --tls-cert/--tls-key,
//! and bad files named.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A `wirescope serve` over TLS, killed when dropped.
struct Tls {
    child: Child,
    port: u16,
    fingerprint: String,
    cert: PathBuf,
    made: bool,
}

impl Drop for Tls {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(dir: &Path, tls: &[&str]) -> Tls {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wirescope"))
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(dir.join("wirescope.db"))
        .args(tls)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("start wirescope serve: {e}"));
    let mut out = BufReader::new(child.stdout.take().unwrap_or_else(|| panic!("no stdout")));
    let (mut open, mut cert) = (String::new(), String::new());
    out.read_line(&mut open).unwrap_or_else(|e| panic!("{e}"));
    out.read_line(&mut cert).unwrap_or_else(|e| panic!("{e}"));
    let url = open.trim().rsplit(' ').next().unwrap_or_default();
    assert!(url.starts_with("https://127.0.0.1:"), "{open}");
    let port = url[18..]
        .split('/')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {open}"));
    // "TLS certificate PATH[ (made now)], SHA-256 fingerprint AB:CD:..."
    let rest = cert
        .trim()
        .strip_prefix("TLS certificate ")
        .unwrap_or_else(|| panic!("{cert}"));
    let (path, fingerprint) = rest
        .split_once(", SHA-256 fingerprint ")
        .unwrap_or_else(|| panic!("{cert}"));
    let made = path.ends_with(" (made now)");
    Tls {
        child,
        port,
        fingerprint: fingerprint.to_string(),
        cert: PathBuf::from(path.trim_end_matches(" (made now)")),
        made,
    }
}

/// The SHA-256 of the certificate the server presents, as Python's ssl module sees it.
fn served_fingerprint(port: u16) -> String {
    let code = format!(
        "import ssl,hashlib\npem=ssl.get_server_certificate(('127.0.0.1',{port}))\n\
         d=hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest().upper()\n\
         print(':'.join(d[i:i+2] for i in range(0,len(d),2)))"
    );
    let o = Command::new("python3")
        .args(["-c", &code])
        .output()
        .unwrap_or_else(|e| panic!("python3: {e}"));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// `curl -s -i` with the arguments; the status code and the whole answer.
fn curl(args: &[&str]) -> (Option<u16>, String) {
    let o = Command::new("curl")
        .args(["-s", "-i", "--max-time", "10"])
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("curl: {e}"));
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    let code = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .filter(|_| o.status.success());
    (code, text)
}

#[test]
fn serve_over_tls_with_a_self_signed_certificate_and_with_files() {
    let dir = std::env::temp_dir().join(format!("wirescope-tls-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let server = start(&dir, &["--tls-self-signed"]);
    assert!(server.made, "made on first use");
    assert_eq!(server.cert, dir.join("tls/self-signed.crt"));
    assert_eq!(served_fingerprint(server.port), server.fingerprint);

    let cacert = server.cert.display().to_string();
    for host in ["localhost", "127.0.0.1"] {
        let url = format!("https://{host}:{}/api/runs", server.port);
        let (code, answer) = curl(&["--cacert", &cacert, &url]);
        assert_eq!(code, Some(200), "{host}: {answer}");
        assert!(
            answer
                .to_ascii_lowercase()
                .contains("strict-transport-security: max-age=31536000"),
            "{answer}"
        );
    }
    // Without the certificate, curl does not trust it.
    let url = format!("https://127.0.0.1:{}/api/runs", server.port);
    assert_eq!(curl(&[&url]).0, None);
    // The Origin must be this server over https.
    let body = r#"{"kind": "ping", "targets": ["127.0.0.1"], "options": {"count": 1}}"#;
    let post = |origin: &str| {
        curl(&[
            "--cacert",
            &cacert,
            "-H",
            "Content-Type: application/json",
            "-H",
            &format!("Origin: {origin}"),
            "--data",
            body,
            &url,
        ])
    };
    let (code, answer) = post(&format!("http://127.0.0.1:{}", server.port));
    assert_eq!(code, Some(403), "{answer}");
    let (code, answer) = post(&format!("https://127.0.0.1:{}", server.port));
    assert_eq!(code, Some(201), "{answer}");
    // Plain HTTP to the TLS port gets no HTTP answer.
    let (code, answer) = curl(&[&format!("http://127.0.0.1:{}/api/runs", server.port)]);
    assert_eq!(code, None, "{answer}");
    let fingerprint = server.fingerprint.clone();
    drop(server);

    // A restart serves the same certificate.
    let again = start(&dir, &["--tls-self-signed"]);
    assert!(!again.made);
    assert_eq!(again.fingerprint, fingerprint);
    drop(again);

    // The same files given as --tls-cert and --tls-key.
    let other = dir.join("other");
    let (cert, key) = (
        dir.join("tls/self-signed.crt"),
        dir.join("tls/self-signed.key"),
    );
    let files = start(
        &other,
        &[
            "--tls-cert",
            &cert.display().to_string(),
            "--tls-key",
            &key.display().to_string(),
        ],
    );
    assert_eq!((files.made, &files.cert), (false, &cert));
    assert_eq!(served_fingerprint(files.port), fingerprint);
    drop(files);

    // Bad flags and files are named.
    let run = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_wirescope"))
            .args(["serve", "--listen", "127.0.0.1:0", "--db"])
            .arg(other.join("wirescope.db"))
            .args(args)
            .env("XDG_CONFIG_HOME", other.join("config"))
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).to_string(),
        )
    };
    let (code, err) = run(&["--tls-cert", &cert.display().to_string()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--tls-key"), "{err}");
    let (code, err) = run(&["--tls-self-signed", "--tls-cert", "x", "--tls-key", "y"]);
    assert_eq!(code, Some(2), "{err}");
    let missing = dir.join("missing.pem").display().to_string();
    let (code, err) = run(&[
        "--tls-cert",
        &missing,
        "--tls-key",
        &key.display().to_string(),
    ]);
    assert_ne!(code, Some(0));
    assert!(err.contains(&missing), "{err}");
    let (code, err) = run(&[
        "--tls-cert",
        &key.display().to_string(),
        "--tls-key",
        &key.display().to_string(),
    ]);
    assert_ne!(code, Some(0));
    assert!(err.contains("holds no certificate"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
