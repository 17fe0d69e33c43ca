//! `wirescope db migrate` and `--db postgres://...` with the real binary: a SQLite history made
//! by real runs, users and an audit trail, moved into a database on the lab's PostgreSQL and read
//! back there as it was (exports equal, the audit chain whole, ids going on after the last);
//! a second migration into it refused; and the mistakes named without the lab.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

fn wirescope(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wirescope"));
    cmd.args(args).env_remove("WIRESCOPE_DB");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run wirescope")
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("wirescope-db-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("test dir");
    d
}

#[test]
fn migration_mistakes_are_named() {
    let d = dir("mistakes");
    let h = d.join("h.db");
    let h = h.to_str().expect("utf-8 path");
    // Nothing to copy from.
    let out = wirescope(
        &["db", "migrate", "--from", h, "--to", "sqlite:/tmp/x.db"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("--from: no history at"),
        "{}",
        text(&out)
    );
    // The same database twice.
    let out = wirescope(
        &["db", "migrate", "--from", h, "--to", &format!("sqlite:{h}")],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("the same database"), "{}", text(&out));
    // A PostgreSQL that is not there: the error names it, without the password.
    let ok = wirescope(&["ping", "127.0.0.1", "-c", "1", "--save", "--db", h], &[]);
    assert!(ok.status.success(), "{}", text(&ok));
    let out = wirescope(
        &[
            "db",
            "migrate",
            "--from",
            h,
            "--to",
            "postgres://ann:hunter2@/team?host=/nonexistent",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("--to: database postgres://ann@"), "{t}");
    assert!(t.contains("No such file") && !t.contains("hunter2"), "{t}");
    // A CA bundle that is not there is named before any connection is tried.
    let out = wirescope(
        &[
            "export",
            "1",
            "--db",
            "postgres://ann@/team?host=/nonexistent",
        ],
        &[("WIRESCOPE_DB_CA", "/nonexistent/ca.pem")],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("/nonexistent/ca.pem: cannot read the CA bundle"),
        "{}",
        text(&out)
    );
    // Not a URL.
    let out = wirescope(
        &["export", "1", "--db", "postgres://localhost:notaport/x"],
        &[],
    );
    assert_ne!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("the database URL"), "{}", text(&out));
}

#[test]
#[ignore = "needs the lab's PostgreSQL: sudo bash lab/lab.sh up"]
fn a_sqlite_history_moves_into_postgres_whole() {
    let d = dir("whole");
    let h = d.join("h.db");
    let h = h.to_str().expect("utf-8 path");
    for targets in [&["127.0.0.1", "127.0.0.2"][..], &["127.0.0.3"][..]] {
        let mut args = vec!["ping"];
        args.extend_from_slice(targets);
        args.extend_from_slice(&["-c", "1", "--save", "--db", h]);
        let out = wirescope(&args, &[]);
        assert!(out.status.success(), "{}", text(&out));
    }
    let out = wirescope(
        &["users", "add", "ann", "--role", "admin", "--db", h],
        &[("WIRESCOPE_USER_PASSWORD", "correct-horse-9")],
    );
    assert!(out.status.success(), "{}", text(&out));
    let before_audit = wirescope(&["audit", "list", "--json", "--db", h], &[]);
    assert!(before_audit.status.success(), "{}", text(&before_audit));

    let url = common::pg_database("whole");
    let out = wirescope(
        &[
            "db",
            "migrate",
            "--from",
            &format!("sqlite:{h}"),
            "--to",
            &url,
            "--json",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let rows = |table: &str| {
        report["tables"]
            .as_array()
            .and_then(|t| t.iter().find(|r| r["table"] == table))
            .map(|r| (r["rows"].as_i64(), r["sampled"].as_i64()))
    };
    assert_eq!(rows("runs"), Some((Some(2), Some(2))), "{report}");
    assert_eq!(rows("results"), Some((Some(3), Some(3))), "{report}");
    assert_eq!(rows("users"), Some((Some(1), Some(1))), "{report}");
    assert!(
        report["audit_rows_verified"].as_i64() >= Some(1),
        "{report}"
    );
    let to = report["to"].as_str().unwrap_or("");
    assert!(
        to.starts_with("postgres://") && to.contains("?host=/"),
        "{report}"
    );

    // The same history, read from either.
    for id in ["1", "2"] {
        let a = wirescope(&["export", id, "--format", "json", "--db", h], &[]);
        let b = wirescope(
            &["export", id, "--format", "json"],
            &[("WIRESCOPE_DB", &url)],
        );
        assert!(
            a.status.success() && b.status.success(),
            "{}\n{}",
            text(&a),
            text(&b)
        );
        assert_eq!(a.stdout, b.stdout, "run {id}");
    }
    let after_audit = wirescope(&["audit", "list", "--json", "--db", &url], &[]);
    assert_eq!(before_audit.stdout, after_audit.stdout);
    let verify = wirescope(&["audit", "verify", "--db", &url], &[]);
    assert!(verify.status.success(), "{}", text(&verify));
    // Ids go on after the copied ones.
    let out = wirescope(
        &["ping", "127.0.0.4", "-c", "1", "--save", "--db", &url],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("saved as run #3 in postgres://"),
        "{}",
        text(&out)
    );
    // A database that holds a history already is not merged into.
    let out = wirescope(&["db", "migrate", "--from", h, "--to", &url], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("rows already: copy into a new, empty database"),
        "{}",
        text(&out)
    );
    // And back: PostgreSQL into a new SQLite file, the same exports.
    let back = d.join("back.db");
    let back = back.to_str().expect("utf-8 path");
    let out = wirescope(&["db", "migrate", "--from", &url, "--to", back], &[]);
    assert!(out.status.success(), "{}", text(&out));
    for id in ["1", "3"] {
        let a = wirescope(&["export", id, "--format", "csv", "--db", &url], &[]);
        let b = wirescope(&["export", id, "--format", "csv", "--db", back], &[]);
        assert!(a.status.success(), "{}", text(&a));
        assert_eq!(a.stdout, b.stdout, "run {id}");
    }
}
