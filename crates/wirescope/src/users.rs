//! `wirescope users`: the dashboard's users in the history database, for the first admin
//! without a browser, scripts, and recovering a locked-out admin.

use crate::Failure;
use crate::cli::{UserRole, UsersCmd};
use std::io::BufRead;
use std::process::ExitCode;
use wirescope_creds::password;
use wirescope_store::{Role, StoreError};

/// The environment variable `add` and `passwd` read a password from.
const PASSWORD_ENV: &str = "WIRESCOPE_USER_PASSWORD";

fn role(r: UserRole) -> Role {
    match r {
        UserRole::Viewer => Role::Viewer,
        UserRole::Operator => Role::Operator,
        UserRole::Admin => Role::Admin,
    }
}

fn read_password(stdin: bool) -> Result<String, Failure> {
    let p = if stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(|e| {
            Failure::Usage(format!("reading the password from standard input: {e}"))
        })?;
        line.trim_end_matches(['\r', '\n']).to_string()
    } else {
        std::env::var(PASSWORD_ENV).map_err(|_| {
            Failure::Usage(format!(
                "give the password in {PASSWORD_ENV}, or on standard input with --password-stdin"
            ))
        })?
    };
    password::check(&p).map_err(Failure::Usage)?;
    Ok(p)
}

fn store_failure(e: StoreError) -> Failure {
    match e {
        StoreError::UserExists(_) | StoreError::TooManyUsers(_) | StoreError::LastAdmin => {
            Failure::Usage(e.to_string())
        }
        e => Failure::Runtime(e.to_string()),
    }
}

pub(crate) fn users_command(cmd: UsersCmd) -> Result<ExitCode, Failure> {
    match cmd {
        UsersCmd::Add {
            name,
            role: r,
            password_stdin,
            history,
        } => {
            wirescope_server::check_user_name(&name).map_err(Failure::Usage)?;
            let p = read_password(password_stdin)?;
            let store = crate::history::open(&history)?;
            let u = store
                .add_user(&name, role(r), Some(&password::hash(&p)))
                .map_err(store_failure)?;
            crate::audit::record(&store, "user.add", &format!("/users/{}", u.name));
            eprintln!("wirescope: added {} ({})", u.name, u.role.as_str());
        }
        UsersCmd::List { json, history } => {
            let store = crate::history::open(&history)?;
            let users = store.users().map_err(store_failure)?;
            let now = wirescope_store::now_ms();
            for u in &users {
                if json {
                    println!("{}", serde_json::to_string(u).unwrap_or_default());
                } else {
                    let locked = match u.locked_until {
                        Some(t) if t > now => format!("  locked for {} s", (t - now) / 1000 + 1),
                        _ => String::new(),
                    };
                    println!(
                        "{:<24} {:<9} {} sessions{locked}",
                        u.name,
                        u.role.as_str(),
                        u.sessions
                    );
                }
            }
            if users.is_empty() && !json {
                eprintln!(
                    "wirescope: no users: the dashboard needs no sign-in (on loopback, or with --token)"
                );
            }
        }
        UsersCmd::Rm { name, history } => {
            let store = crate::history::open(&history)?;
            if !store.delete_user(&name).map_err(store_failure)? {
                return Err(Failure::Usage(format!("no user '{name}'")));
            }
            crate::audit::record(&store, "user.delete", &format!("/users/{name}"));
            eprintln!("wirescope: removed {name}");
        }
        UsersCmd::Passwd {
            name,
            password_stdin,
            history,
        } => {
            let p = read_password(password_stdin)?;
            let store = crate::history::open(&history)?;
            if !store
                .set_password(&name, &password::hash(&p))
                .map_err(store_failure)?
            {
                return Err(Failure::Usage(format!("no user '{name}'")));
            }
            crate::audit::record(&store, "user.change", &format!("/users/{name} password"));
            eprintln!("wirescope: {name}'s password is set; their sessions ended");
        }
        UsersCmd::Role {
            name,
            role: r,
            history,
        } => {
            let store = crate::history::open(&history)?;
            if !store.set_role(&name, role(r)).map_err(store_failure)? {
                return Err(Failure::Usage(format!("no user '{name}'")));
            }
            crate::audit::record(
                &store,
                "user.change",
                &format!("/users/{name} role {}", role(r).as_str()),
            );
            eprintln!("wirescope: {name} is {}", role(r).as_str());
        }
    }
    Ok(ExitCode::SUCCESS)
}
