//! A real `wirescope serve` on a temporary store, and raw HTTP requests to it: what the API
//! tests talk to.

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `wirescope serve` process on a fresh database; killed when dropped.
pub struct Server {
    pub child: Child,
    pub port: u16,
    pub dir: PathBuf,
    pub token: Option<String>,
    /// The dashboard URL the server printed.
    pub url: String,
}

impl Server {
    pub fn start(name: &str, extra: &[&str]) -> Server {
        let dir = std::env::temp_dir().join(format!("wirescope-api-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Server::start_in(dir, extra)
    }

    pub fn start_in(dir: PathBuf, extra: &[&str]) -> Server {
        Server::spawn(dir, extra, &[], Stdio::inherit())
    }

    /// A server with its own environment (profiles and secrets under its directory), writing
    /// its log to `server.log` there.
    pub fn start_env(name: &str, extra: &[&str], env: &[(&str, &str)]) -> Server {
        let dir = std::env::temp_dir().join(format!("wirescope-api-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let log = std::fs::File::create(dir.join("server.log")).unwrap_or_else(|e| panic!("{e}"));
        let mut vars: Vec<(&str, String)> = vec![
            ("XDG_CONFIG_HOME", dir.join("config").display().to_string()),
            ("XDG_DATA_HOME", dir.join("data").display().to_string()),
        ];
        vars.extend(env.iter().map(|(k, v)| (*k, v.to_string())));
        Server::spawn(dir, extra, &vars, Stdio::from(log))
    }

    pub fn spawn(dir: PathBuf, extra: &[&str], env: &[(&str, String)], stderr: Stdio) -> Server {
        // A server of its own database, unless the test names one (a second server on it).
        let db = dir.join("wirescope.db");
        let own_db: Vec<std::ffi::OsString> = if extra.contains(&"--db") {
            Vec::new()
        } else {
            vec!["--db".into(), db.into()]
        };
        // On a port of its own choosing, unless the test names one (to start it again there).
        let listen: &[&str] = if extra.contains(&"--listen") {
            &[]
        } else {
            &["--listen", "127.0.0.1:0"]
        };
        let mut child = Command::new(env!("CARGO_BIN_EXE_wirescope"))
            .arg("serve")
            .args(listen)
            .args(own_db)
            .args(extra)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|e| panic!("start wirescope serve: {e}"));
        let mut line = String::new();
        let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        BufReader::new(stdout)
            .read_line(&mut line)
            .unwrap_or_else(|e| panic!("{e}"));
        let url = line
            .trim()
            .rsplit(' ')
            .next()
            .unwrap_or_default()
            .to_string();
        let port = url
            .split(':')
            .nth(2)
            .and_then(|p| p.split('/').next())
            .and_then(|p| p.parse().ok());
        let port = port.unwrap_or_else(|| panic!("no port in {line:?}"));
        let token = extra
            .windows(2)
            .find(|w| w[0] == "--token")
            .map(|w| w[1].to_string());
        Server {
            child,
            port,
            dir,
            token,
            url,
        }
    }

    pub fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> (u16, String) {
        self.request_bytes(method, path, body.unwrap_or("").as_bytes(), headers)
    }

    /// Sends `request` exactly as written (headers of one's own making: a hostile Host, an
    /// Origin) and returns the whole answer, head and body, as text.
    pub fn raw(&self, request: &str) -> String {
        let mut s =
            TcpStream::connect(("127.0.0.1", self.port)).unwrap_or_else(|e| panic!("connect: {e}"));
        s.set_read_timeout(Some(Duration::from_secs(30))).ok();
        s.write_all(request.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
        let mut raw = Vec::new();
        let _ = s.read_to_end(&mut raw);
        String::from_utf8_lossy(&raw).into_owned()
    }

    /// A request with any body (a capture file, say); the answer as text.
    pub fn request_bytes(
        &self,
        method: &str,
        path: &str,
        body: &[u8],
        headers: &[(&str, &str)],
    ) -> (u16, String) {
        let mut s =
            TcpStream::connect(("127.0.0.1", self.port)).unwrap_or_else(|e| panic!("connect: {e}"));
        s.set_read_timeout(Some(Duration::from_secs(30))).ok();
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.port,
            body.len()
        );
        if !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        {
            req.push_str("Content-Type: application/json\r\n");
        }
        let auth;
        if let Some(t) = &self.token {
            auth = format!("Bearer {t}");
            if !headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("authorization"))
            {
                req.push_str(&format!("Authorization: {auth}\r\n"));
            }
        }
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        s.write_all(req.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
        // The server may answer (413) and close before a huge body is all sent: read the answer anyway.
        let _ = s.write_all(body);
        let mut raw = Vec::new();
        if let Err(e) = s.read_to_end(&mut raw) {
            assert!(!raw.is_empty(), "read: {e}");
        }
        let text = String::from_utf8_lossy(&raw).to_string();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let body = if head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            dechunk(body)
        } else {
            body.to_string()
        };
        (status, body)
    }

    /// `curl` of `path` into `out` (a PDF, a zip: bytes kept as they are): the status and the
    /// response's headers.
    pub fn download(&self, path: &str, out: &std::path::Path) -> (u16, String) {
        let head = out.with_extension("head");
        let mut cmd = Command::new("curl");
        cmd.args(["-s", "-o"])
            .arg(out)
            .arg("-D")
            .arg(&head)
            .args(["-w", "%{http_code}"]);
        if let Some(t) = &self.token {
            cmd.args(["-H", &format!("Authorization: Bearer {t}")]);
        }
        let o = cmd
            .arg(format!("http://127.0.0.1:{}{path}", self.port))
            .output()
            .unwrap_or_else(|e| panic!("curl: {e}"));
        let code = String::from_utf8_lossy(&o.stdout).parse().unwrap_or(0);
        (code, std::fs::read_to_string(&head).unwrap_or_default())
    }

    pub fn json(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let text = body.map(|b| b.to_string());
        let (status, out) = self.request(method, path, text.as_deref(), &[]);
        (status, serde_json::from_str(&out).unwrap_or(Value::Null))
    }

    pub fn create(&self, body: Value) -> i64 {
        let (status, v) = self.json("POST", "/api/runs", Some(body));
        assert_eq!(status, 201, "{v}");
        v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
    }

    pub fn wait(&self, id: i64, secs: u64) -> Value {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let (_, run) = self.json("GET", &format!("/api/runs/{id}"), None);
            if !["queued", "running"].contains(&run["status"].as_str().unwrap_or("")) {
                return run;
            }
            assert!(
                Instant::now() < deadline,
                "run {id} did not end: {}",
                run["status"]
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn ws_url(&self) -> String {
        match &self.token {
            Some(t) => format!("ws://127.0.0.1:{}/api/ws?token={t}", self.port),
            None => format!("ws://127.0.0.1:{}/api/ws", self.port),
        }
    }
}

impl Server {
    /// Kills the server with SIGKILL (nothing ends cleanly) and starts another on its directory
    /// and database.
    pub fn killed_and_started_again(mut self, extra: &[&str]) -> Server {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-9", &pid])
                .status()
                .is_ok_and(|s| s.success()),
            "kill -9 {pid}"
        );
        let _ = self.child.wait();
        let dir = std::mem::take(&mut self.dir);
        drop(self);
        Server::start_in(dir, extra)
    }

    /// Uploads a capture file as `name`: the status and the JSON answer.
    pub fn upload(&self, name: &str, bytes: &[u8]) -> (u16, Value) {
        let (status, text) = self.request_bytes(
            "POST",
            &format!("/api/captures/upload?name={name}"),
            bytes,
            &[],
        );
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || after.len() < n {
            break;
        }
        out.push_str(&after[..n]);
        rest = after[n..].trim_start_matches("\r\n");
    }
    out
}
