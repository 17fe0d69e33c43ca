//! `wirescope ssh exec` against the lab's real OpenSSH servers: password, public-key (ed25519,
//! ECDSA, RSA, passphrase-protected) and keyboard-interactive logins, a wrong password, unknown
//! and rotated host keys, the jump host, and a batch over 50 addresses.
//! Needs root and the lab; under CI=true a missing lab fails instead of skipping.

mod common;

use common::{by_target, client, lab, ndjson, ok, repo, var};
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Output;

fn known_hosts(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wirescope-ssh-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    dir.join("known_hosts")
}

/// `ssh exec --json` from the client namespace with a private known_hosts file.
fn exec(
    lab: &HashMap<String, String>,
    kh: &PathBuf,
    args: &[&str],
    env: &[(&str, &str)],
) -> Output {
    let mut cmd = std::process::Command::new("ip");
    cmd.args([
        "netns",
        "exec",
        var(lab, "LAB_CLIENT_NS"),
        env!("CARGO_BIN_EXE_wirescope"),
    ])
    .args(["ssh", "exec", "--json", "--known-hosts"])
    .arg(kh)
    .args(args)
    .envs(env.iter().copied());
    cmd.output()
        .unwrap_or_else(|e| panic!("run wirescope: {e}"))
}

fn key(lab: &HashMap<String, String>, name: &str) -> String {
    format!("{}/{name}", var(lab, "LAB_SSH_KEY_DIR"))
}

fn one(out: &Output) -> Value {
    let (rows, summary) = ndjson(out);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(summary["probe"], "ssh");
    rows[0].clone()
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn logins_by_password_key_and_keyboard_interactive() {
    let lab = lab();
    let kh = known_hosts("logins");
    let host = var(lab, "LAB_SSH_V4");
    let pw_user = var(lab, "LAB_SSH_PW_USER");
    let out = exec(
        lab,
        &kh,
        &[
            host,
            "-l",
            pw_user,
            "--password-env",
            "WS_PW",
            "--accept-new-host-keys",
            "--",
            "id",
            "-un",
        ],
        &[("WS_PW", var(lab, "LAB_SSH_PW_PASSWORD"))],
    );
    let r = one(&out);
    assert_eq!(r["kind"], "ssh");
    assert_eq!(r["exit_status"], 0, "{r}");
    assert_eq!(r["stdout"], format!("{pw_user}\n"));
    assert_eq!(r["auth"], "password");
    assert_eq!(r["error"], Value::Null);
    assert!(r["elapsed_ms"].as_f64().is_some_and(|ms| ms > 0.0));
    assert_eq!(r["host_key"]["added"], true);
    // recorded in the known_hosts given, in OpenSSH's format
    let text = std::fs::read_to_string(&kh).unwrap_or_default();
    assert!(
        text.starts_with(&format!("{host} ssh-ed25519 AAAA")),
        "{text}"
    );

    let kbd_user = var(lab, "LAB_SSH_KBD_USER");
    let r = one(&exec(
        lab,
        &kh,
        &[
            host,
            "-l",
            kbd_user,
            "--password-env",
            "WS_PW",
            "--",
            "id",
            "-un",
        ],
        &[("WS_PW", var(lab, "LAB_SSH_KBD_PASSWORD"))],
    ));
    assert_eq!(
        (r["exit_status"].clone(), r["auth"].clone()),
        (0.into(), "keyboard-interactive".into()),
        "{r}"
    );
    assert_eq!(r["stdout"], format!("{kbd_user}\n"));
    assert_eq!(r["host_key"]["added"], false, "known from the first login");

    let key_user = var(lab, "LAB_SSH_KEY_USER");
    for k in ["id_ed25519", "id_ecdsa", "id_rsa"] {
        let r = one(&exec(
            lab,
            &kh,
            &[host, "-l", key_user, "-i", &key(lab, k), "--", "id", "-un"],
            &[],
        ));
        assert_eq!(
            (r["exit_status"].clone(), r["auth"].clone()),
            (0.into(), "publickey".into()),
            "{k}: {r}"
        );
        assert_eq!(r["stdout"], format!("{key_user}\n"));
    }
    let pass = key(lab, "id_ed25519_pass");
    let r = one(&exec(
        lab,
        &kh,
        &[
            host,
            "-l",
            key_user,
            "-i",
            &pass,
            "--identity-passphrase-env",
            "WS_PP",
            "--",
            "true",
        ],
        &[("WS_PP", var(lab, "LAB_SSH_KEY_PASSPHRASE"))],
    ));
    assert_eq!(r["exit_status"], 0, "{r}");
    // an encrypted key without its passphrase fails once, up front, as a usage error
    let out = exec(
        lab,
        &kh,
        &[host, "-l", key_user, "-i", &pass, "--", "true"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("encrypted: give its passphrase"));
    // exit status, stdout and stderr of a failing command
    let r = one(&exec(
        lab,
        &kh,
        &[
            host,
            "-l",
            key_user,
            "-i",
            &key(lab, "id_ed25519"),
            "--",
            "echo out; echo err >&2; exit 7",
        ],
        &[],
    ));
    assert_eq!(
        (
            r["exit_status"].clone(),
            r["stdout"].clone(),
            r["stderr"].clone()
        ),
        (7.into(), "out\n".into(), "err\n".into())
    );
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn a_wrong_password_is_an_authentication_error() {
    let lab = lab();
    let kh = known_hosts("wrongpw");
    let user = var(lab, "LAB_SSH_PW_USER");
    let r = one(&exec(
        lab,
        &kh,
        &[
            var(lab, "LAB_SSH_V6"),
            "-l",
            user,
            "--password-env",
            "WS_PW",
            "--accept-new-host-keys",
            "--",
            "true",
        ],
        &[("WS_PW", "not-the-password")],
    ));
    assert_eq!(r["exit_status"], Value::Null, "never ran");
    assert_eq!(r["error_kind"], "auth", "{r}");
    let e = r["error"].as_str().unwrap_or_default();
    assert!(
        e.contains(&format!("{user}@")) && e.contains("authentication failed"),
        "{e}"
    );
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn unknown_and_rotated_host_keys_are_refused() {
    let lab = lab();
    let kh = known_hosts("rotate");
    let host = var(lab, "LAB_SSH_V4");
    let port = var(lab, "LAB_SSH_ROTATE_PORT");
    let args = |accept: bool| {
        let mut a = vec![
            host,
            "-p",
            port,
            "-l",
            var(lab, "LAB_SSH_KEY_USER"),
            "--",
            "true",
        ];
        if accept {
            a.insert(0, "--accept-new-host-keys");
        }
        a
    };
    let id = key(lab, "id_ed25519");
    let with_key = |accept: bool| {
        let mut a = args(accept);
        a.splice(0..0, ["-i", id.as_str()]);
        one(&exec(lab, &kh, &a, &[]))
    };
    // first contact without consent: refused, the fingerprint shown, nothing recorded
    let r = with_key(false);
    assert_eq!(r["error_kind"], "host_key_unknown", "{r}");
    assert!(r["error"].as_str().unwrap_or_default().contains("SHA256:"));
    assert!(!kh.exists() || std::fs::read_to_string(&kh).unwrap_or_default().is_empty());
    let r = with_key(true);
    assert_eq!(r["exit_status"], 0, "{r}");
    let old = r["host_key"]["fingerprint"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let recorded = std::fs::read_to_string(&kh).unwrap_or_default();
    assert!(
        recorded.starts_with(&format!("[{host}]:{port} ssh-ed25519 ")),
        "{recorded}"
    );

    let rotated = std::process::Command::new("bash")
        .arg(repo().join("lab/lab.sh"))
        .arg("ssh-rotate")
        .output()
        .unwrap_or_else(|e| panic!("lab.sh ssh-rotate: {e}"));
    assert!(
        rotated.status.success(),
        "{}",
        String::from_utf8_lossy(&rotated.stderr)
    );
    let new = String::from_utf8_lossy(&rotated.stdout).trim().to_string();
    assert!(new.starts_with("SHA256:") && new != old);

    // even with --accept-new-host-keys a changed key is refused, both fingerprints shown
    let r = with_key(true);
    assert_eq!(r["error_kind"], "host_key_changed", "{r}");
    assert_eq!(r["exit_status"], Value::Null);
    let e = r["error"].as_str().unwrap_or_default();
    assert!(
        e.contains("HOST KEY CHANGED") && e.contains(&old) && e.contains(&new),
        "{e}"
    );
    assert_eq!(
        std::fs::read_to_string(&kh).unwrap_or_default(),
        recorded,
        "the store is untouched"
    );

    // removing the old entry on purpose lets the new key be accepted
    let out = client(
        lab,
        &[
            "ssh",
            "known-hosts",
            "rm",
            host,
            "-p",
            port,
            "--known-hosts",
            kh.to_str().unwrap_or_default(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = with_key(true);
    assert_eq!(
        (
            r["exit_status"].clone(),
            r["host_key"]["fingerprint"].clone()
        ),
        (0.into(), new.into())
    );
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn the_jump_host_reaches_the_inner_host() {
    let lab = lab();
    let kh = known_hosts("jump");
    let inner = var(lab, "LAB_SSH_INNER_V4");
    let bastion = var(lab, "LAB_SSH_BASTION_V4");
    let user = var(lab, "LAB_SSH_KEY_USER");
    let id = key(lab, "id_ed25519");
    // not reachable directly from the client
    let direct = one(&exec(
        lab,
        &kh,
        &[
            inner,
            "-l",
            user,
            "-i",
            &id,
            "--timeout",
            "1s",
            "--accept-new-host-keys",
            "--",
            "true",
        ],
        &[],
    ));
    assert_eq!(direct["exit_status"], Value::Null, "{direct}");
    let jump = format!("{user}@{bastion}");
    let r = one(&exec(
        lab,
        &kh,
        &[
            inner,
            "-l",
            user,
            "-i",
            &id,
            "-J",
            &jump,
            "--accept-new-host-keys",
            "--",
            "echo $SSH_CONNECTION",
        ],
        &[],
    ));
    assert_eq!(r["exit_status"], 0, "{r}");
    // the inner host saw the connection come from the bastion's private link
    let seen = r["stdout"].as_str().unwrap_or_default();
    assert!(
        seen.starts_with(&format!("{} ", var(lab, "LAB_SSH_INNER_LINK_V4_A"))),
        "{seen}"
    );
    assert!(seen.trim_end().ends_with(&format!("{inner} 22")), "{seen}");
    // both host keys were checked and recorded: the bastion's ECDSA key and the inner RSA key
    let text = std::fs::read_to_string(&kh).unwrap_or_default();
    assert!(
        text.contains(&format!("{bastion} ecdsa-sha2-nistp256 ")),
        "{text}"
    );
    assert!(text.contains(&format!("{inner} ssh-rsa ")), "{text}");
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn batch_exec_over_fifty_addresses() {
    let lab = lab();
    let kh = known_hosts("batch");
    let first = var(lab, "LAB_SSH_MANY_FIRST");
    let (prefix, last) = first.rsplit_once('.').unwrap_or_default();
    let start: u32 = last.parse().unwrap_or(1);
    let range = format!("{first}-{}", start + 49);
    let out = exec(
        lab,
        &kh,
        &[
            &range,
            "-l",
            var(lab, "LAB_SSH_KEY_USER"),
            "-i",
            &key(lab, "id_ed25519"),
            "--accept-new-host-keys",
            "--",
            "echo $SSH_CONNECTION",
        ],
        &[],
    );
    let (rows, summary) = ndjson(&out);
    assert_eq!(rows.len(), 50);
    assert_eq!(
        (summary["succeeded"].clone(), summary["failed"].clone()),
        (50.into(), 0.into()),
        "{summary}"
    );
    let by = by_target(&rows);
    for i in 0..50 {
        let addr = format!("{prefix}.{}", start + i);
        let r = &by[&addr];
        assert_eq!(r["exit_status"], 0);
        // each answer came from the address asked
        assert!(
            r["stdout"]
                .as_str()
                .unwrap_or_default()
                .trim_end()
                .ends_with(&format!(" {addr} 22")),
            "{r}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(&kh)
            .unwrap_or_default()
            .lines()
            .count(),
        50
    );
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn bad_flags_are_usage_errors() {
    let lab = lab();
    let host = var(lab, "LAB_SSH_V4");
    for (args, want) in [
        (
            vec![
                "ssh",
                "exec",
                host,
                "-l",
                "u",
                "--password-env",
                "WS_NOPE_UNSET",
                "--",
                "true",
            ],
            "WS_NOPE_UNSET",
        ),
        (
            vec!["ssh", "exec", host, "-l", "u", "--", "true"],
            "no credentials",
        ),
        (
            vec![
                "ssh",
                "exec",
                host,
                "-l",
                "u",
                "-i",
                "/nonexistent/key",
                "--",
                "true",
            ],
            "/nonexistent/key",
        ),
        (
            vec![
                "ssh",
                "exec",
                host,
                "-l",
                "u",
                "--password-env",
                "HOME",
                "-J",
                "h:0",
                "--",
                "true",
            ],
            "jump host",
        ),
        (
            vec!["ssh", "exec", host, "-l", "u", "--password-env", "HOME"],
            "COMMAND",
        ),
        (
            vec![
                "ssh",
                "exec",
                host,
                "-l",
                "u",
                "--password-env",
                "HOME",
                "--max-output",
                "999999999",
                "--",
                "true",
            ],
            "max-output",
        ),
        (
            vec![
                "ssh",
                "exec",
                host,
                "-l",
                "u",
                "--password-env",
                "HOME",
                "-c",
                "0",
                "--",
                "true",
            ],
            "concurrency",
        ),
        (vec!["serve", "--ssh-idle-timeout", "0s"], "above zero"),
    ] {
        let out = client(lab, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{args:?}: {err}");
    }
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn a_batch_through_the_jump_host_shares_one_connection() {
    let lab = lab();
    let kh = known_hosts("jumpbatch");
    let first = var(lab, "LAB_SSH_MANY_FIRST");
    let (prefix, _) = first.rsplit_once('.').unwrap_or_default();
    // 40 addresses no other test uses, and the inner host, all through the bastion
    let targets = format!("{prefix}.101-{prefix}.140,{}", var(lab, "LAB_SSH_INNER_V4"));
    let jump = var(lab, "LAB_SSH_BASTION_V4");
    // password logins at the bastion are this test's alone: count them in its log
    let bastion_log = "/run/wirescope-lab/sshd-bastion.log";
    let user = var(lab, "LAB_SSH_PW_USER");
    let accepted = || {
        std::fs::read_to_string(bastion_log)
            .unwrap_or_default()
            .matches(&format!("Accepted password for {user} "))
            .count()
    };
    let before = accepted();
    let out = exec(
        lab,
        &kh,
        &[
            &targets,
            "-l",
            user,
            "--password-env",
            "WS_PW",
            "-J",
            jump,
            "--accept-new-host-keys",
            "--",
            "echo $SSH_CONNECTION",
        ],
        &[("WS_PW", var(lab, "LAB_SSH_PW_PASSWORD"))],
    );
    let (rows, summary) = ndjson(&out);
    assert_eq!(rows.len(), 41);
    assert_eq!(summary["succeeded"], 41, "{summary}");
    for r in &rows {
        // every device saw its connection come from the bastion, not from the client
        let seen = r["stdout"].as_str().unwrap_or_default();
        assert!(!seen.starts_with(var(lab, "LAB_CLIENT_V4")), "{r}");
        assert_eq!(r["addr"], Value::Null, "the jump host resolved it");
    }
    // one login at the bastion for the whole batch (sshd logs it as it happens)
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert_eq!(
        accepted() - before,
        1,
        "one jump connection shared by 41 devices"
    );
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn commands_get_no_stdin_and_a_timeout_keeps_what_came() {
    let lab = lab();
    let kh = known_hosts("stdin");
    let base = [
        var(lab, "LAB_SSH_V4"),
        "-l",
        var(lab, "LAB_SSH_KEY_USER"),
        "--accept-new-host-keys",
    ];
    let id = key(lab, "id_ed25519");
    let run = |extra: &[&str]| {
        let mut a: Vec<&str> = base.to_vec();
        a.extend(["-i", id.as_str()]);
        a.extend(extra);
        one(&exec(lab, &kh, &a, &[]))
    };
    // stdin is closed, as with ssh -n: cat ends at once
    let r = run(&["--command-timeout", "5s", "--", "cat"]);
    assert_eq!(
        (r["exit_status"].clone(), r["error"].clone()),
        (0.into(), Value::Null),
        "{r}"
    );
    // a command still running at the limit: a timeout, with its output so far
    let r = run(&["--command-timeout", "1s", "--", "echo partial; sleep 30"]);
    assert_eq!(r["error_kind"], "timeout", "{r}");
    assert_eq!(r["stdout"], "partial\n");
    assert!(
        r["elapsed_ms"].as_f64().is_some_and(|ms| ms < 5000.0),
        "{r}"
    );
    // a bracketed IPv6 target is filed under the bare address, as OpenSSH files it
    let v6 = format!("[{}]", var(lab, "LAB_SSH_V6"));
    let r = one(&exec(
        lab,
        &kh,
        &[
            &v6,
            "-l",
            var(lab, "LAB_SSH_KEY_USER"),
            "-i",
            &id,
            "--accept-new-host-keys",
            "--",
            "true",
        ],
        &[],
    ));
    assert_eq!(r["exit_status"], 0, "{r}");
    let text = std::fs::read_to_string(&kh).unwrap_or_default();
    assert!(
        text.lines()
            .any(|l| l.starts_with(&format!("{} ssh-ed25519 ", var(lab, "LAB_SSH_V6")))),
        "{text}"
    );
}

#[test]
#[ignore = "needs the lab: sudo bash lab/lab.sh up"]
fn an_interactive_shell_gives_each_commands_output_alone_or_says_why_not() {
    let lab = lab();
    let kh = known_hosts("shell");
    let host = var(lab, "LAB_SSH_V4");
    let login = [
        "-l",
        var(lab, "LAB_SSH_PW_USER"),
        "--password-env",
        "WS_PW",
        "--accept-new-host-keys",
    ];
    let pw = [("WS_PW", var(lab, "LAB_SSH_PW_PASSWORD"))];
    // Named and guessed: bash on a PTY, its prompt, its echo.
    for platform in ["linux", "auto"] {
        let mut args = vec![
            host,
            "--shell",
            "--platform",
            platform,
            "--command-timeout",
            "5s",
        ];
        args.extend_from_slice(&login);
        args.extend(["--", "echo one two", "uname -s", "ls /nonexistent-wsl"]);
        let out = exec(lab, &kh, &args, &pw);
        ok(&out);
        let r = one(&out);
        assert_eq!(r["platform"], "linux", "{r}");
        assert_eq!(r["error"], Value::Null, "{r}");
        let outputs: Vec<(&str, &str)> = r["outputs"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|o| {
                (
                    o["command"].as_str().unwrap_or(""),
                    o["output"].as_str().unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(
            outputs,
            [
                ("echo one two", "one two"),
                ("uname -s", "Linux"),
                (
                    "ls /nonexistent-wsl",
                    "ls: cannot access '/nonexistent-wsl': No such file or directory"
                )
            ],
            "{platform}: {r}"
        );
        assert_eq!(
            r["stdout"],
            "one two\nLinux\nls: cannot access '/nonexistent-wsl': No such file or directory"
        );
    }
    // The wrong platform: its prompt is never seen, and the error says what was printed last.
    let mut args = vec![
        host,
        "--shell",
        "--platform",
        "huawei_vrp",
        "--command-timeout",
        "2s",
    ];
    args.extend_from_slice(&login);
    args.extend(["--", "display version"]);
    let out = exec(lab, &kh, &args, &pw);
    let r = one(&out);
    let e = r["error"].as_str().unwrap_or_default();
    assert!(
        e.starts_with(
            "no huawei_vrp prompt seen in 2.0 s waiting for the first prompt; the last line was '"
        ) && e.ends_with("$'"),
        "{r}"
    );
    // Bad flags: an unknown platform, a platform without --shell.
    let out = exec(
        lab,
        &kh,
        &[
            host,
            "--shell",
            "--platform",
            "cisco",
            "-l",
            "x",
            "--password-env",
            "WS_PW",
            "--",
            "show clock",
        ],
        &pw,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("'cisco' is not a platform: cisco_ios"));
    let out = exec(
        lab,
        &kh,
        &[
            host,
            "--platform",
            "linux",
            "-l",
            "x",
            "--password-env",
            "WS_PW",
            "--",
            "uptime",
        ],
        &pw,
    );
    assert_eq!(out.status.code(), Some(2));
}
