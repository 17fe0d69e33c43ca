//! Credential profiles in a real OS secret store: a private D-Bus session bus with
//! gnome-keyring-daemon's Secret Service on it, used by `wirescope creds` and `--profile`
//! against the lab's agents; secrets found in the Secret Service and nowhere on disk in
//! plaintext; clear errors when no store is there. Needs root and the lab; mandatory under CI=true.

mod common;

use common::*;
use serde_json::Value;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// A session bus and a Secret Service (gnome-keyring) of our own, in a private HOME.
struct SecretService {
    dir: PathBuf,
    bus_pid: String,
    keyring: Child,
}

impl SecretService {
    fn start() -> Self {
        let dir =
            std::env::temp_dir().join(format!("wirescope-secret-service-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for sub in ["run", "data", "config", "cache"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap_or_else(|e| panic!("{e}"));
        }
        let out = Command::new("dbus-daemon")
            .args(["--session", "--fork", "--print-pid"])
            .arg(format!("--address=unix:path={}", dir.join("bus").display()))
            .output()
            .unwrap_or_else(|e| panic!("dbus-daemon (apt install dbus): {e}"));
        assert!(out.status.success(), "dbus-daemon: {out:?}");
        let bus_pid = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let mut keyring = Self::env_of(&dir, &mut Command::new("gnome-keyring-daemon"))
            .args(["--foreground", "--unlock", "--components=secrets"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("gnome-keyring-daemon (apt install gnome-keyring): {e}"));
        // The login keyring's password, then end of input: the keyring is created unlocked.
        if let Some(mut stdin) = keyring.stdin.take() {
            stdin
                .write_all(b"keyring password")
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let service = SecretService {
            dir,
            bus_pid,
            keyring,
        };
        // Ready when an item can be stored: answering a search comes earlier, before the login
        // keyring that takes the items exists (storing then failed now and then).
        for _ in 0..200 {
            let mut store = service
                .env(&mut Command::new("secret-tool"))
                .args([
                    "store",
                    "--label=readiness",
                    "service",
                    "wirescope-readiness",
                ])
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("secret-tool (apt install libsecret-tools): {e}"));
            if let Some(mut stdin) = store.stdin.take() {
                let _ = stdin.write_all(b"ready");
            }
            if store.wait().is_ok_and(|s| s.success()) {
                let _ = service
                    .env(&mut Command::new("secret-tool"))
                    .args(["clear", "service", "wirescope-readiness"])
                    .output();
                return service;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("the Secret Service did not come up on the private bus");
    }

    fn env_of<'a>(dir: &Path, c: &'a mut Command) -> &'a mut Command {
        c.env("HOME", dir)
            .env("XDG_RUNTIME_DIR", dir.join("run"))
            .env("XDG_DATA_HOME", dir.join("data"))
            .env("XDG_CONFIG_HOME", dir.join("config"))
            .env("XDG_CACHE_HOME", dir.join("cache"))
            .env(
                "DBUS_SESSION_BUS_ADDRESS",
                format!("unix:path={}", dir.join("bus").display()),
            )
            .env_remove("WIRESCOPE_SECRETS_PASSPHRASE")
    }

    fn env<'a>(&self, c: &'a mut Command) -> &'a mut Command {
        Self::env_of(&self.dir, c)
    }

    /// Every file under the private HOME, as text.
    fn everything_on_disk(&self) -> String {
        fn walk(p: &Path, out: &mut String) {
            if let Ok(entries) = std::fs::read_dir(p) {
                for e in entries.flatten() {
                    let path = e.path();
                    if path.is_dir() {
                        walk(&path, out);
                    } else if let Ok(bytes) = std::fs::read(&path) {
                        out.push_str(&String::from_utf8_lossy(&bytes));
                    }
                }
            }
        }
        let mut out = String::new();
        walk(&self.dir, &mut out);
        out
    }
}

impl Drop for SecretService {
    fn drop(&mut self) {
        let _ = self.keyring.kill();
        let _ = self.keyring.wait();
        let _ = Command::new("kill").arg(&self.bus_pid).status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn wirescope(
    ss: &SecretService,
    lab: &HashMap<String, String>,
    store: &str,
    args: &[&str],
) -> Output {
    ss.env(&mut Command::new("ip"))
        .args([
            "netns",
            "exec",
            var(lab, "LAB_CLIENT_NS"),
            env!("CARGO_BIN_EXE_wirescope"),
        ])
        .args(args)
        .env("WIRESCOPE_SECRET_STORE", store)
        .env(
            "WIRESCOPE_SNMP_AUTH_PASSWORD",
            var(lab, "LAB_SNMP_V3_SHA256_AES256_AUTH_PASS"),
        )
        .env(
            "WIRESCOPE_SNMP_PRIV_PASSWORD",
            var(lab, "LAB_SNMP_V3_SHA256_AES256_PRIV_PASS"),
        )
        .env("WIRESCOPE_SSH_PASSWORD", SSH_PASSWORD)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{e}"))
}

const SSH_PASSWORD: &str = "ssh-login-secret";
const KEY_BODY: &str = "b3BlbnNzaC1rZXktdjEtd2lyZXNjb3BlLXRlc3Q=";

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn profiles_keep_their_secrets_in_the_secret_service() {
    let lab = lab();
    let ss = SecretService::start();
    let (auth, privacy) = (
        var(lab, "LAB_SNMP_V3_SHA256_AES256_AUTH_PASS"),
        var(lab, "LAB_SNMP_V3_SHA256_AES256_PRIV_PASS"),
    );
    let key_file = ss.dir.join("id_test");
    let key = format!(
        "-----BEGIN OPENSSH PRIVATE KEY-----\n{KEY_BODY}\n-----END OPENSSH PRIVATE KEY-----\n"
    );
    std::fs::write(&key_file, &key).unwrap_or_else(|e| panic!("{e}"));
    let added = wirescope(
        &ss,
        lab,
        "os",
        &[
            "creds",
            "add",
            "lab-os",
            "--ssh-user",
            "netops",
            "--ssh-key",
            key_file.to_str().unwrap_or_default(),
            "-v",
            "3",
            "-u",
            var(lab, "LAB_SNMP_V3_SHA256_AES256_USER"),
            "-a",
            var(lab, "LAB_SNMP_V3_SHA256_AES256_AUTH"),
            "-x",
            var(lab, "LAB_SNMP_V3_SHA256_AES256_PRIV"),
        ],
    );
    ok(&added);
    assert!(String::from_utf8_lossy(&added.stdout).contains("OS secret store"));
    // The secrets are items of the Secret Service, found by its own client.
    let lookup = |field: &str| {
        let out = ss
            .env(&mut Command::new("secret-tool"))
            .args([
                "lookup",
                "service",
                "wirescope",
                "username",
                &format!("lab-os/{field}"),
            ])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    assert_eq!(lookup("snmp/auth_password"), auth);
    assert_eq!(lookup("snmp/priv_password"), privacy);
    assert_eq!(lookup("ssh/password"), SSH_PASSWORD);
    assert_eq!(lookup("ssh/private_key"), key);
    // The key file was only read; the copy kept is the Secret Service's.
    std::fs::remove_file(&key_file).unwrap_or_else(|e| panic!("{e}"));
    // `auto` finds the same store.
    let list = wirescope(&ss, lab, "auto", &["creds", "list", "--json"]);
    ok(&list);
    let listed: Value = serde_json::from_slice(&list.stdout).unwrap_or_default();
    assert_eq!(
        (
            listed[0]["name"].as_str(),
            listed[0]["auth_password"].as_str(),
            listed[0]["priv_password"].as_str(),
            listed[0]["community"].as_str()
        ),
        (Some("lab-os"), Some("set"), Some("set"), Some("not set"))
    );
    assert_eq!(
        (
            listed[0]["ssh"]["user"].as_str(),
            listed[0]["ssh"]["password"].as_str(),
            listed[0]["ssh"]["private_key"].as_str()
        ),
        (Some("netops"), Some("set"), Some("set"))
    );
    let agent = var(lab, "LAB_S2_LAN_V4");
    let got = wirescope(
        &ss,
        lab,
        "auto",
        &[
            "snmp",
            "get",
            agent,
            "sysName.0",
            "--profile",
            "lab-os",
            "--json",
        ],
    );
    ok(&got);
    let (rows, _) = ndjson(&got);
    assert_eq!(rows[0]["value"], var(lab, "LAB_S2_SYSNAME"));
    // Nothing on disk (the profiles file, the keyring's own file) holds them in plaintext,
    // nor does any output.
    let mut seen = ss.everything_on_disk();
    for out in [&added, &list, &got] {
        seen.push_str(&String::from_utf8_lossy(&out.stdout));
        seen.push_str(&String::from_utf8_lossy(&out.stderr));
    }
    assert!(
        seen.contains("lab-os"),
        "the profiles file is under the private HOME"
    );
    for secret in [auth, privacy, SSH_PASSWORD, KEY_BODY] {
        assert!(!seen.contains(secret), "{secret} leaked");
    }
    ok(&wirescope(&ss, lab, "os", &["creds", "rm", "lab-os"]));
    assert_eq!(lookup("snmp/auth_password"), "", "rm deletes the items");
    assert_eq!(lookup("ssh/private_key"), "");
}

#[test]
fn a_missing_secret_store_is_a_clear_error() {
    let dir = std::env::temp_dir().join(format!("wirescope-no-store-{}", std::process::id()));
    let run = |store: &str| {
        Command::new(env!("CARGO_BIN_EXE_wirescope"))
            .args(["creds", "list"])
            .env("HOME", &dir)
            .env("XDG_CONFIG_HOME", dir.join("config"))
            .env("XDG_DATA_HOME", dir.join("data"))
            .env(
                "DBUS_SESSION_BUS_ADDRESS",
                format!("unix:path={}", dir.join("no-bus").display()),
            )
            .env_remove("WIRESCOPE_SECRETS_PASSPHRASE")
            .env("WIRESCOPE_SECRET_STORE", store)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let os = run("os");
    assert_eq!(os.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&os.stderr).contains("Secret Service: not available"),
        "{os:?}"
    );
    let auto = run("auto");
    let err = String::from_utf8_lossy(&auto.stderr);
    assert_eq!(auto.status.code(), Some(1));
    assert!(
        err.contains("Secret Service: not available")
            && err.contains("WIRESCOPE_SECRETS_PASSPHRASE"),
        "{err}"
    );
    let bad = run("vault");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("WIRESCOPE_SECRET_STORE=vault"));
    let _ = std::fs::remove_dir_all(&dir);
}
