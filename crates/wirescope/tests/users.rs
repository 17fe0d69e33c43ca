//! Users, roles and sessions against a real `wirescope serve` on loopback: the first admin made
//! with the setup code `serve` prints (once), sign-in answers that do not tell a wrong password
//! from an unknown user, viewer/operator/admin each refused (403) what their role does not
//! allow, a lock after five failures, 429 for an address that keeps failing, sign-out, an
//! admin ending a user's sessions, idle expiry, the last admin kept, a cross-site POST refused
//! with a valid cookie, the `users` command on the same database, and `--token` still working.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Serve {
    child: Child,
    port: u16,
    lines: Vec<String>,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(dir: &Path, extra: &[&str], lines: usize) -> Serve {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wirescope"))
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(dir.join("wirescope.db"))
        .args(extra)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("WIRESCOPE_SECRET_STORE", "file")
        .env("WIRESCOPE_SECRETS_PASSPHRASE", "users test passphrase")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("start wirescope serve: {e}"));
    let mut out = BufReader::new(child.stdout.take().unwrap_or_else(|| panic!("no stdout")));
    let lines: Vec<String> = (0..lines)
        .map(|_| {
            let mut l = String::new();
            out.read_line(&mut l).unwrap_or_else(|e| panic!("{e}"));
            l.trim().to_string()
        })
        .collect();
    let port = lines[0]
        .rsplit(':')
        .next()
        .and_then(|p| p.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {lines:?}"));
    Serve { child, port, lines }
}

/// One request: the status, the head (lower-cased) and the body.
fn call(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&str>,
    extra: &[(&str, &str)],
) -> (u16, String, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap_or_else(|e| panic!("{e}"));
    s.set_read_timeout(Some(Duration::from_secs(30))).ok();
    let body = body.unwrap_or("");
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in extra {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes())
        .unwrap_or_else(|e| panic!("{e}"));
    let mut raw = String::new();
    let _ = s.read_to_string(&mut raw);
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, head.to_ascii_lowercase(), body.to_string())
}

/// The session cookie a response sets (`wirescope_session=HEX`).
fn cookie_of(head: &str) -> String {
    head.lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .unwrap_or_else(|| panic!("no cookie in {head}"))
        .to_string()
}

fn login(port: u16, name: &str, password: &str) -> (u16, String, String) {
    call(
        port,
        "POST",
        "/api/login",
        Some(&format!(
            r#"{{"name": "{name}", "password": "{password}"}}"#
        )),
        &[],
    )
}

fn with(cookie: &str) -> [(&str, &str); 1] {
    [("Cookie", cookie)]
}

/// `wirescope audit verify` on the test's database: its exit code and what it printed.
fn audit_verify(dir: &Path) -> (Option<i32>, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_wirescope"))
        .args(["audit", "verify", "--db"])
        .arg(dir.join("wirescope.db"))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).to_string(),
    )
}

fn users_cli(dir: &Path, args: &[&str], stdin: &str) -> (Option<i32>, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wirescope"))
        .arg("users")
        .args(args)
        .arg("--db")
        .arg(dir.join("wirescope.db"))
        .env_remove("WIRESCOPE_USER_PASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    if let Some(mut i) = child.stdin.take() {
        let _ = i.write_all(stdin.as_bytes());
    }
    let o = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).to_string(),
        String::from_utf8_lossy(&o.stderr).to_string(),
    )
}

#[test]
fn users_roles_sessions_and_the_first_admin() {
    let dir: PathBuf = std::env::temp_dir().join(format!("wirescope-users-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let server = serve(&dir, &["--session-idle", "4s"], 3);
    let port = server.port;
    // With no users the server is open, as before, and prints a one-time setup link.
    let (status, _, me) = call(port, "GET", "/api/me", None, &[]);
    assert_eq!(status, 200, "{me}");
    assert!(
        me.contains(r#""via":"open""#) && me.contains(r#""users":false"#),
        "{me}"
    );
    let code = server.lines[2]
        .split("/#/setup/")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no setup link in {:?}", server.lines))
        .to_string();
    let setup = |code: &str, password: &str| {
        call(
            port,
            "POST",
            "/api/setup",
            Some(&format!(
                r#"{{"code": "{code}", "name": "ann", "password": "{password}"}}"#
            )),
            &[],
        )
    };
    assert_eq!(setup("0123", "ann's long password").0, 403);
    let (status, _, e) = setup(&code, "short");
    assert_eq!(status, 400, "{e}");
    assert!(e.contains(r#""field":"password""#), "{e}");
    let (status, head, _) = setup(&code, "ann's long password");
    assert_eq!(status, 201, "{head}");
    assert!(
        head.contains("httponly") && head.contains("samesite=strict") && !head.contains("secure"),
        "{head}"
    );
    let ann = cookie_of(&head);
    assert_eq!(setup(&code, "ann's long password").0, 403, "once only");

    // Now everything asks who is asking.
    for path in ["/api/runs", "/api/me", "/api/ws"] {
        assert_eq!(call(port, "GET", path, None, &[]).0, 401, "{path}");
    }
    let (status, _, me) = call(port, "GET", "/api/me", None, &with(&ann));
    assert_eq!(status, 200);
    assert!(
        me.contains(r#""name":"ann""#) && me.contains(r#""role":"admin""#),
        "{me}"
    );
    for (name, role) in [("bob", "viewer"), ("carl", "operator")] {
        let body =
            format!(r#"{{"name": "{name}", "role": "{role}", "password": "{name}'s password"}}"#);
        let (status, _, u) = call(port, "POST", "/api/users", Some(&body), &with(&ann));
        assert_eq!(status, 201, "{u}");
        assert!(!u.contains("password"), "no hash in {u}");
    }
    let dup = r#"{"name": "bob", "role": "viewer", "password": "another password"}"#;
    assert_eq!(
        call(port, "POST", "/api/users", Some(dup), &with(&ann)).0,
        409
    );
    let bad = r#"{"name": "b o b", "role": "viewer", "password": "another password"}"#;
    let (status, _, e) = call(port, "POST", "/api/users", Some(bad), &with(&ann));
    assert_eq!(
        (status, e.contains(r#""field":"name""#)),
        (400, true),
        "{e}"
    );

    // A wrong password and an unknown user read the same.
    let (s1, _, wrong) = login(port, "bob", "not bob's password");
    let (s2, _, unknown) = login(port, "nobody", "not bob's password");
    assert_eq!((s1, s2), (401, 401));
    assert_eq!(wrong, unknown);
    let (status, head, _) = login(port, "bob", "bob's password");
    assert_eq!(status, 200);
    let bob = cookie_of(&head);
    let (status, head, _) = login(port, "carl", "carl's password");
    assert_eq!(status, 200);
    let carl = cookie_of(&head);

    // Each role does what it may, and is told what it may not.
    let ping = r#"{"kind": "ping", "targets": ["127.0.0.1"], "options": {"count": 1}}"#;
    assert_eq!(call(port, "GET", "/api/runs", None, &with(&bob)).0, 200);
    let (status, _, e) = call(port, "POST", "/api/runs", Some(ping), &with(&bob));
    assert_eq!(status, 403, "{e}");
    assert!(
        e.contains("bob is viewer") && e.contains("needs operator"),
        "{e}"
    );
    assert_eq!(
        call(
            port,
            "POST",
            "/api/alerts/read",
            Some(r#"{"up_to": 0}"#),
            &with(&bob)
        )
        .0,
        200
    );
    assert_eq!(call(port, "GET", "/api/users", None, &with(&bob)).0, 403);
    let (status, _, run) = call(port, "POST", "/api/runs", Some(ping), &with(&carl));
    assert_eq!(status, 201, "{run}");
    assert_eq!(call(port, "GET", "/api/creds", None, &with(&carl)).0, 200);
    let profile = r#"{"version": "2c", "community": "x"}"#;
    assert_eq!(
        call(port, "PUT", "/api/creds/p", Some(profile), &with(&carl)).0,
        403
    );
    assert_eq!(call(port, "GET", "/api/users", None, &with(&carl)).0, 403);
    // A page elsewhere cannot ride the cookie.
    let (status, _, _) = call(
        port,
        "POST",
        "/api/runs",
        Some(ping),
        &[("Cookie", &carl), ("Origin", "http://evil.example")],
    );
    assert_eq!(status, 403);

    // Five failures lock carl; an admin's new password unlocks (and ends carl's sessions).
    for _ in 0..5 {
        assert_eq!(login(port, "carl", "wrong password!").0, 401);
    }
    assert_eq!(login(port, "carl", "carl's password").0, 401, "locked");
    let (_, _, users) = call(port, "GET", "/api/users", None, &with(&ann));
    assert!(users.contains(r#""locked_until":1"#), "{users}");
    let change = r#"{"password": "carl's new password"}"#;
    assert_eq!(
        call(port, "PUT", "/api/users/carl", Some(change), &with(&ann)).0,
        200
    );
    assert_eq!(
        call(port, "GET", "/api/runs", None, &with(&carl)).0,
        401,
        "its sessions ended"
    );
    let (status, head, _) = login(port, "carl", "carl's new password");
    assert_eq!(status, 200);
    let carl = cookie_of(&head);
    // An admin ends a user's sessions; signing out ends one's own.
    let (status, _, ended) = call(
        port,
        "DELETE",
        "/api/users/carl/sessions",
        None,
        &with(&ann),
    );
    assert_eq!((status, ended.as_str()), (200, r#"{"ended":1}"#));
    assert_eq!(call(port, "GET", "/api/runs", None, &with(&carl)).0, 401);
    let (status, head, _) = call(port, "POST", "/api/logout", None, &with(&bob));
    assert_eq!(status, 204);
    assert!(
        head.contains("wirescope_session=;") && head.contains("max-age=0"),
        "{head}"
    );
    assert_eq!(call(port, "GET", "/api/runs", None, &with(&bob)).0, 401);
    // The last admin stays.
    let (status, _, e) = call(port, "DELETE", "/api/users/ann", None, &with(&ann));
    assert_eq!(status, 409, "{e}");
    let demote = r#"{"role": "viewer"}"#;
    assert_eq!(
        call(port, "PUT", "/api/users/ann", Some(demote), &with(&ann)).0,
        409
    );
    // Unused for longer than --session-idle, a session ends.
    std::thread::sleep(Duration::from_secs(5));
    assert_eq!(call(port, "GET", "/api/runs", None, &with(&ann)).0, 401);

    // The users command works on the same database.
    let (code_, out, _) = users_cli(&dir, &["list"], "");
    assert_eq!(code_, Some(0));
    assert!(
        out.contains("ann") && out.contains("admin") && out.contains("bob"),
        "{out}"
    );
    assert_eq!(users_cli(&dir, &["role", "bob", "operator"], "").0, Some(0));
    let (code_, _, err) = users_cli(&dir, &["add", "dave"], "");
    assert_eq!(code_, Some(2), "{err}");
    assert!(err.contains("WIRESCOPE_USER_PASSWORD"), "{err}");
    assert_eq!(
        users_cli(
            &dir,
            &["add", "dave", "--role", "admin", "--password-stdin"],
            "dave's password\n"
        )
        .0,
        Some(0)
    );
    let (code_, _, err) = users_cli(&dir, &["rm", "nobody"], "");
    assert_eq!(code_, Some(2), "{err}");
    let (status, head, _) = login(port, "dave", "dave's password");
    assert_eq!(status, 200);
    let (_, _, me) = call(port, "GET", "/api/me", None, &with(&cookie_of(&head)));
    assert!(me.contains(r#""role":"admin""#), "{me}");
    let (status, head, _) = login(port, "bob", "bob's password");
    assert_eq!(status, 200);
    let bob = cookie_of(&head);
    let (status, _, _) = call(port, "POST", "/api/runs", Some(ping), &with(&bob));
    assert_eq!(status, 201, "bob is an operator now");

    // API tokens: shown once, no higher than their user, capped by the user's role when used,
    // expiring and revocable.
    let (status, head, _) = login(port, "dave", "dave's password");
    assert_eq!(status, 200);
    let dave = cookie_of(&head);
    let make =
        |cookie: &str, body: &str| call(port, "POST", "/api/tokens", Some(body), &with(cookie));
    let (status, _, made) = make(
        &dave,
        r#"{"name": "ci", "role": "viewer", "expires_in": "30d"}"#,
    );
    assert_eq!(status, 201, "{made}");
    let secret = |made: &str| {
        made.split(r#""token":""#)
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap_or_else(|| panic!("no token in {made}"))
            .to_string()
    };
    let ci = format!("Bearer {}", secret(&made));
    assert!(ci.starts_with("Bearer wst_"), "{ci}");
    assert_eq!(
        call(port, "GET", "/api/runs", None, &[("Authorization", &ci)]).0,
        200
    );
    let (status, _, e) = call(
        port,
        "POST",
        "/api/runs",
        Some(ping),
        &[("Authorization", &ci)],
    );
    assert_eq!(status, 403, "{e}");
    assert!(e.contains("dave is viewer"), "{e}");
    let (_, _, listed) = call(port, "GET", "/api/tokens", None, &with(&dave));
    assert!(
        listed.contains(r#""name":"ci""#) && !listed.contains("wst_"),
        "{listed}"
    );
    let (status, _, e) = make(
        &bob,
        r#"{"name": "up", "role": "admin", "expires_in": "1d"}"#,
    );
    assert_eq!(
        (status, e.contains(r#""field":"role""#)),
        (400, true),
        "{e}"
    );
    let (status, _, e) = make(&dave, r#"{"name": "x", "expires_in": "2y"}"#);
    assert_eq!(
        (status, e.contains(r#""field":"expires_in""#)),
        (400, true),
        "{e}"
    );
    let (_, _, short) = make(&dave, r#"{"name": "short", "expires_in": "2s"}"#);
    let short = format!("Bearer {}", secret(&short));
    let (_, _, full) = make(&dave, r#"{"name": "full", "expires_in": "1d"}"#);
    let full_id = full
        .split(r#""id":"#)
        .nth(1)
        .and_then(|r| r.split(',').next())
        .unwrap_or_default()
        .to_string();
    let full = format!("Bearer {}", secret(&full));
    assert_eq!(
        call(port, "GET", "/api/users", None, &[("Authorization", &full)]).0,
        200
    );
    assert_eq!(
        call(
            port,
            "GET",
            "/api/users",
            None,
            &[("Authorization", &short)]
        )
        .0,
        200
    );
    // dave made viewer: his admin token can do no more than view.
    assert_eq!(users_cli(&dir, &["role", "dave", "viewer"], "").0, Some(0));
    assert_eq!(
        call(port, "GET", "/api/users", None, &[("Authorization", &full)]).0,
        403
    );
    assert_eq!(
        call(port, "GET", "/api/runs", None, &[("Authorization", &full)]).0,
        200
    );
    let (status, _, e) = call(
        port,
        "DELETE",
        &format!("/api/tokens/{full_id}"),
        None,
        &with(&dave),
    );
    assert_eq!(status, 204, "{full_id}: {e}");
    assert_eq!(
        call(port, "GET", "/api/runs", None, &[("Authorization", &full)]).0,
        401,
        "revoked"
    );
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        call(port, "GET", "/api/runs", None, &[("Authorization", &short)]).0,
        401,
        "expired"
    );
    assert_eq!(
        call(port, "GET", "/api/runs", None, &[("Authorization", &ci)]).0,
        200
    );

    // An address that keeps failing is told to wait.
    let mut last = 0;
    for _ in 0..25 {
        last = login(port, "ann", "not ann's password").0;
        if last == 429 {
            break;
        }
    }
    assert_eq!(last, 429);
    drop(server);

    // --token keeps working for scripts, as an admin, beside the users.
    let token = "a-token-for-scripts-0123456789";
    let with_token = serve(&dir, &["--token", token], 2);
    let bearer = format!("Bearer {token}");
    let (status, _, users) = call(
        with_token.port,
        "GET",
        "/api/users",
        None,
        &[("Authorization", &bearer)],
    );
    assert_eq!(status, 200, "{users}");
    assert_eq!(call(with_token.port, "GET", "/api/runs", None, &[]).0, 401);

    // The audit trail holds each action once, with who and from where.
    let (status, _, trail) = call(
        with_token.port,
        "GET",
        "/api/audit?limit=10000",
        None,
        &[("Authorization", &bearer)],
    );
    assert_eq!(status, 200, "{trail}");
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(&trail).unwrap_or_else(|e| panic!("{e}: {trail}"));
    let count = |actor: &str, action: &str, object: &str, status: u64| {
        rows.iter()
            .filter(|r| {
                r["actor"].as_str().is_some_and(|a| a.starts_with(actor))
                    && r["action"] == action
                    && r["object"].as_str().is_some_and(|o| o.starts_with(object))
                    && r["status"] == status
            })
            .count()
    };
    assert!(
        rows.iter()
            .all(|r| r["address"] == "127.0.0.1" || r["via"] == "cli"),
        "{trail}"
    );
    for (actor, action, object, status, n) in [
        ("ann", "setup", "/setup", 201, 1),
        ("ann", "user.add", "/users/bob", 201, 1),
        ("ann", "user.add", "/users/carl", 201, 1),
        ("ann", "user.change", "/users/carl", 200, 1),
        ("ann", "user.sessions.end", "/users/carl/sessions", 200, 1),
        ("carl", "run.start", "/runs/", 201, 1),
        ("bob", "denied", "POST /runs", 403, 1),
        ("bob", "run.start", "/runs/", 201, 1),
        ("bob", "logout", "/logout", 204, 1),
        ("carl", "login.failed", "/login", 401, 6),
        ("nobody", "login.failed", "/login", 401, 1),
        ("carl", "login", "/login", 200, 2),
        ("carl", "denied", "PUT /creds/p", 403, 1),
        ("dave", "token.add", "/tokens/", 201, 3),
        ("dave", "token.revoke", "/tokens/", 204, 1),
        ("cli:", "user.add", "/users/dave", 0, 1),
        ("cli:", "user.change", "/users/bob role operator", 0, 1),
    ] {
        assert_eq!(
            count(actor, action, object, status),
            n,
            "{actor} {action} {object} {status}: {trail}"
        );
    }
    let (status, head, csv) = call(
        with_token.port,
        "GET",
        "/api/audit?format=csv&action=login",
        None,
        &[("Authorization", &bearer)],
    );
    assert_eq!(status, 200);
    assert!(head.contains("content-type: text/csv"), "{head}");
    assert!(
        csv.contains("id,at,actor,via,address,action,object,status,hash"),
        "{csv}"
    );
    assert!(
        csv.contains(",login.failed,") && !csv.contains(",run.start,"),
        "{csv}"
    );
    drop(with_token);

    // `audit verify` finds the chain whole, then the row an attacker edited.
    let verify = || audit_verify(&dir);
    let (code_, said) = verify();
    assert_eq!(code_, Some(0), "{said}");
    assert!(said.contains("intact"), "{said}");
    let edit = format!(
        "import sqlite3\nc=sqlite3.connect('{}')\nc.execute(\"UPDATE audit SET actor='eve' WHERE id=5\")\nc.commit()",
        dir.join("wirescope.db").display()
    );
    let o = Command::new("python3")
        .args(["-c", &edit])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (code_, said) = verify();
    assert_eq!(code_, Some(1), "{said}");
    assert!(said.contains("broken at row 5"), "{said}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Single sign-on's edges without a provider behind them (the browser test signs in through a
/// real one): the sign-in page is told it exists, a provider that does not answer, a return
/// that was never started or comes from another browser, the provider's own refusal, each a
/// page that says so; and flags that cannot work refused at start.
#[test]
fn single_sign_on_says_what_went_wrong() {
    let dir = std::env::temp_dir().join(format!("wirescope-sso-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    // a port nothing listens on: the provider is down
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap_or_else(|e| panic!("{e}"))
        .port();
    let issuer = format!("http://127.0.0.1:{dead}");
    let s = serve(
        &dir,
        &[
            "--oidc-issuer",
            &issuer,
            "--oidc-client-id",
            "wirescope",
            "--oidc-role",
            "netops=operator",
            "--oidc-label",
            "Sign in with Corp SSO",
        ],
        1,
    );
    let (code, _, body) = call(s.port, "GET", "/api/oidc", None, &[]);
    assert_eq!(code, 200, "anyone may ask: {body}");
    let info: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    assert_eq!(
        (
            info["enabled"].as_bool(),
            info["label"].as_str(),
            info["login"].as_str()
        ),
        (
            Some(true),
            Some("Sign in with Corp SSO"),
            Some("api/oidc/login")
        )
    );
    let (code, head, body) = call(s.port, "GET", "/api/oidc/login", None, &[]);
    assert_eq!(code, 502, "{body}");
    assert!(head.contains("content-type: text/html"), "{head}");
    assert!(
        body.contains("Cannot reach the identity provider") && body.contains(&issuer),
        "{body}"
    );
    let (code, _, body) = call(
        s.port,
        "GET",
        "/api/oidc/callback?code=abc&state=forged",
        None,
        &[],
    );
    assert_eq!(code, 400, "{body}");
    assert!(body.contains("This sign-in has expired"), "{body}");
    // the state in the address but not in the browser's cookie: another browser's return
    let (code, _, body) = call(
        s.port,
        "GET",
        "/api/oidc/callback?code=abc&state=s1",
        None,
        &[("Cookie", "wirescope_oidc=s2")],
    );
    assert_eq!(code, 400, "{body}");
    let (code, _, body) = call(
        s.port,
        "GET",
        "/api/oidc/callback?error=access_denied&error_description=%3Cb%3Eno%3C%2Fb%3E",
        None,
        &[],
    );
    assert_eq!(code, 403, "{body}");
    assert!(
        body.contains("access_denied: &lt;b&gt;no&lt;/b&gt;"),
        "escaped: {body}"
    );
    // still no session from any of it
    assert_eq!(
        call(s.port, "GET", "/api/me", None, &[]).0,
        200,
        "open: no users yet"
    );
    drop(s);

    let start = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_wirescope"))
            .args(["serve", "--listen", "127.0.0.1:0", "--db"])
            .arg(dir.join("w2.db"))
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).to_string(),
        )
    };
    let (code, err) = start(&[
        "--oidc-issuer",
        "not a url",
        "--oidc-client-id",
        "w",
        "--oidc-role",
        "a=admin",
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("--oidc-issuer"), "{err}");
    let (code, err) = start(&[
        "--oidc-issuer",
        &issuer,
        "--oidc-client-id",
        "w",
        "--oidc-role",
        "netops=root",
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("no role 'root'"), "{err}");
    let (code, err) = start(&["--oidc-issuer", &issuer, "--oidc-client-id", "w"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--oidc-role"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Audit retention on a real server: rows of 2020 (written with their hash chain, as an old
/// server would have) are removed when `serve` starts with `--audit-retention 1h`, the removal
/// is itself a row, and `audit verify` finds the rest whole from the anchor.
#[test]
fn audit_retention_removes_old_rows_and_the_trail_still_verifies() {
    let dir = std::env::temp_dir().join(format!("wirescope-audit-keep-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    // the schema first (a server that starts and stops), then three old rows
    drop(serve(&dir, &[], 1));
    let old = format!(
        r#"
import hashlib, json, sqlite3
c = sqlite3.connect('{}')
prev = ''
for i in range(3):
    at = 1577836800000 + i * 1000
    row = ['ann', 'session', '127.0.0.1', 'run.start', 'run %d' % i, 200]
    h = hashlib.sha256(json.dumps([prev, at] + row, separators=(',', ':')).encode()).hexdigest()
    c.execute('INSERT INTO audit (at, actor, via, address, action, object, status, hash) VALUES (?,?,?,?,?,?,?,?)', [at] + row + [h])
    prev = h
c.commit()
"#,
        dir.join("wirescope.db").display()
    );
    let o = Command::new("python3")
        .args(["-c", &old])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let verify = || audit_verify(&dir);
    let (code, said) = verify();
    assert_eq!(
        (code, said.trim()),
        (Some(0), "audit trail intact: 3 rows, every hash holds")
    );
    let s = serve(&dir, &["--audit-retention", "1h"], 1);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let listed = loop {
        let o = Command::new(env!("CARGO_BIN_EXE_wirescope"))
            .args(["audit", "list", "--json", "--db"])
            .arg(dir.join("wirescope.db"))
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let text = String::from_utf8_lossy(&o.stdout).to_string();
        if text.contains("audit.prune") {
            break text;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no audit.prune: {text}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    drop(s);
    // the newest old row stays (the chain's tip is never removed); the two before it go
    assert!(listed.contains("2 rows older than 1h"), "{listed}");
    assert!(!listed.contains("\"run 0\""), "{listed}");
    let (code, said) = verify();
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("older rows removed by retention"), "{said}");
    let _ = std::fs::remove_dir_all(&dir);
}
