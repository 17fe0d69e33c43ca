//! Dashboard users and their sessions: a name, a role, an Argon2id password hash (made by
//! `wirescope_creds::password`; never read back out of the store but to verify), the count of
//! failed logins and a lock; sessions kept by the SHA-256 of their random id (a stolen
//! database gives no live session), with when they began and were last seen.

use crate::sql::{Db, Optional, Row, params};
use crate::{Store, StoreError, now_ms};
use serde::{Deserialize, Serialize};

/// Users kept at most.
pub const MAX_USERS: i64 = 10_000;
/// Sessions a user holds at most; a new login past it ends the oldest.
pub const MAX_SESSIONS: i64 = 100;

/// What a user may do: each role can do what the one before it can.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Sees runs, maps, traffic, recordings, suites and alerts.
    Viewer,
    /// Also starts and stops runs, suites, captures and terminals.
    Operator,
    /// Also users, credentials, channels, settings and the audit trail.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
            Role::Admin => "admin",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "viewer" => Ok(Role::Viewer),
            "operator" => Ok(Role::Operator),
            "admin" => Ok(Role::Admin),
            other => Err(format!("no role '{other}' (viewer, operator or admin)")),
        }
    }
}

/// A user as listed (no password).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub created_at: i64,
    pub updated_at: i64,
    /// Logins are refused until then (ms), after too many failures in a row.
    pub locked_until: Option<i64>,
    /// Sessions open now.
    pub sessions: i64,
    /// Signs in through single sign-on (this issuer), with no password here; its role follows
    /// the identity provider's groups at each sign-in.
    pub sso: Option<String>,
}

const SELECT_USER: &str = "SELECT u.id, u.name, u.role, u.created_at, u.updated_at, u.locked_until,
    (SELECT COUNT(*) FROM sessions s WHERE s.user_id = u.id), u.sso FROM users u";

fn read_user(r: &Row<'_, '_>) -> Result<User, StoreError> {
    let role: String = r.get(2)?;
    Ok(User {
        id: r.get(0)?,
        name: r.get(1)?,
        role: role.parse().unwrap_or(Role::Viewer),
        created_at: r.get(3)?,
        updated_at: r.get(4)?,
        locked_until: r.get(5)?,
        sessions: r.get(6)?,
        sso: r.get(7)?,
    })
}

/// A session found by its id's hash: its user and when it began and was last seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub user: User,
    pub created_at: i64,
    pub seen_at: i64,
}

impl Store {
    /// Every user, by name.
    pub fn users(&self) -> Result<Vec<User>, StoreError> {
        let rows = self.read(|db| {
            db.query_map(
                &format!("{SELECT_USER} ORDER BY u.name"),
                params![],
                read_user,
            )
        })?;
        Ok(rows)
    }

    /// How many users there are (none: the server is open as before, on loopback).
    pub fn user_count(&self) -> Result<i64, StoreError> {
        self.read(|db| db.query_row("SELECT COUNT(*) FROM users", params![], |r| r.get(0)))
    }

    /// A user and their password hash.
    pub fn user_login(&self, name: &str) -> Result<Option<(User, Option<String>)>, StoreError> {
        self.read(|db| {
            let user = db
                .query_row(
                    &format!("{SELECT_USER} WHERE u.name = ?1"),
                    params![name],
                    read_user,
                )
                .optional()?;
            let Some(user) = user else { return Ok(None) };
            let hash: Option<String> = db.query_row(
                "SELECT password FROM users WHERE id = ?1",
                params![user.id],
                |r| r.get(0),
            )?;
            Ok(Some((user, hash)))
        })
    }

    /// Adds a user; `Exists` when the name is taken, `TooMany` past `MAX_USERS`.
    pub fn add_user(
        &self,
        name: &str,
        role: Role,
        password: Option<&str>,
    ) -> Result<User, StoreError> {
        self.transaction(|tx| {
            let n: i64 = tx.query_row("SELECT COUNT(*) FROM users", params![], |r| r.get(0))?;
            if n >= MAX_USERS {
                return Err(StoreError::TooManyUsers(MAX_USERS));
            }
            let now = now_ms();
            let id: i64 = tx
                .query_row(
                    "INSERT INTO users (name, role, password, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT DO NOTHING RETURNING id",
                    params![name, role.as_str(), password, now],
                    |r| r.get(0),
                )
                .optional()?
                .ok_or_else(|| StoreError::UserExists(name.to_string()))?;
            let user = tx.query_row(
                &format!("{SELECT_USER} WHERE u.id = ?1"),
                params![id],
                read_user,
            )?;
            Ok(user)
        })
    }

    /// The user a single sign-on by `issuer` names, made or given `role` now; `None` when a
    /// local user (or another issuer's) already has the name: single sign-on never takes over
    /// an account it did not make.
    pub fn sso_user(
        &self,
        name: &str,
        role: Role,
        issuer: &str,
    ) -> Result<Option<User>, StoreError> {
        self.transaction(|tx| {
            let found: Option<(i64, Option<String>, String)> = tx
                .query_row(
                    "SELECT id, sso, role FROM users WHERE name = ?1",
                    params![name],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let now = now_ms();
            let id = match found {
                Some((_, sso, _)) if sso.as_deref() != Some(issuer) => return Ok(None),
                Some((id, _, old)) => {
                    if old != role.as_str() {
                        tx.execute(
                            "UPDATE users SET role = ?2, updated_at = ?3 WHERE id = ?1",
                            params![id, role.as_str(), now],
                        )?;
                    }
                    id
                }
                None => {
                    let n: i64 =
                        tx.query_row("SELECT COUNT(*) FROM users", params![], |r| r.get(0))?;
                    if n >= MAX_USERS {
                        return Err(StoreError::TooManyUsers(MAX_USERS));
                    }
                    tx.insert(
                        "INSERT INTO users (name, role, password, created_at, updated_at, sso)
                     VALUES (?1, ?2, NULL, ?3, ?3, ?4) RETURNING id",
                        params![name, role.as_str(), now, issuer],
                    )?
                }
            };
            let user = tx.query_row(
                &format!("{SELECT_USER} WHERE u.id = ?1"),
                params![id],
                read_user,
            )?;
            Ok(Some(user))
        })
    }

    /// Changes a user's role; false when there is no such user. The last admin cannot become
    /// less (`LastAdmin`).
    pub fn set_role(&self, name: &str, role: Role) -> Result<bool, StoreError> {
        self.transaction(|tx| {
            if role != Role::Admin && last_admin(tx, name)? {
                return Err(StoreError::LastAdmin);
            }
            let n = tx.execute(
                "UPDATE users SET role = ?2, updated_at = ?3 WHERE name = ?1",
                params![name, role.as_str(), now_ms()],
            )?;
            Ok(n == 1)
        })
    }

    /// Sets a user's password hash, clears their lock and ends their sessions; false when there
    /// is no such user.
    pub fn set_password(&self, name: &str, hash: &str) -> Result<bool, StoreError> {
        self.transaction(|tx| {
            let n = tx.execute(
                "UPDATE users SET password = ?2, failures = 0, locked_until = NULL, updated_at = ?3
             WHERE name = ?1",
                params![name, hash, now_ms()],
            )?;
            tx.execute(
                "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE name = ?1)",
                params![name],
            )?;
            Ok(n == 1)
        })
    }

    /// Removes a user and their sessions; false when there is no such user. The last admin
    /// stays (`LastAdmin`).
    pub fn delete_user(&self, name: &str) -> Result<bool, StoreError> {
        self.transaction(|tx| {
            if last_admin(tx, name)? {
                return Err(StoreError::LastAdmin);
            }
            let n = tx.execute("DELETE FROM users WHERE name = ?1", params![name])?;
            Ok(n == 1)
        })
    }

    /// Counts a failed login; after `limit` in a row the user is locked until `now + lock_ms`.
    pub fn login_failed(&self, id: i64, limit: i64, lock_ms: i64) -> Result<(), StoreError> {
        let now = now_ms();
        self.write(|db| {
            db.execute(
                "UPDATE users SET failures = failures + 1,
               locked_until = CASE WHEN failures + 1 >= ?2 THEN ?3 ELSE locked_until END
             WHERE id = ?1",
                params![id, limit, now + lock_ms],
            )
        })?;
        Ok(())
    }

    /// A good login: the failures are forgotten and a session begins (the user's oldest ends
    /// past `MAX_SESSIONS`).
    pub fn login_ok(&self, id: i64, session_hash: &str, address: &str) -> Result<(), StoreError> {
        let now = now_ms();
        self.transaction(|tx| {
        tx.execute(
            "UPDATE users SET failures = 0, locked_until = NULL WHERE id = ?1",
            params![id],
        )?;
        tx.execute(
            "INSERT INTO sessions (hash, user_id, created_at, seen_at, address) VALUES (?1, ?2, ?3, ?3, ?4)",
            params![session_hash, id, now, address],
        )?;
        tx.execute(
            "DELETE FROM sessions WHERE user_id = ?1 AND hash NOT IN
               (SELECT hash FROM sessions WHERE user_id = ?1 ORDER BY created_at DESC LIMIT ?2)",
            params![id, MAX_SESSIONS],
        )?;
                Ok(())
        })
    }

    /// The session with this id hash, if it is still kept.
    pub fn session(&self, hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        self.read(|db| {
            let found: Option<(i64, i64, i64)> = db
                .query_row(
                    "SELECT user_id, created_at, seen_at FROM sessions WHERE hash = ?1",
                    params![hash],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let Some((user_id, created_at, seen_at)) = found else {
                return Ok(None);
            };
            let user = db
                .query_row(
                    &format!("{SELECT_USER} WHERE u.id = ?1"),
                    params![user_id],
                    read_user,
                )
                .optional()?;
            Ok(user.map(|user| SessionRecord {
                user,
                created_at,
                seen_at,
            }))
        })
    }

    /// Notes that a session was used now.
    pub fn touch_session(&self, hash: &str) -> Result<(), StoreError> {
        self.write(|db| {
            db.execute(
                "UPDATE sessions SET seen_at = ?2 WHERE hash = ?1",
                params![hash, now_ms()],
            )
        })?;
        Ok(())
    }

    /// Ends one session.
    pub fn end_session(&self, hash: &str) -> Result<(), StoreError> {
        self.write(|db| db.execute("DELETE FROM sessions WHERE hash = ?1", params![hash]))?;
        Ok(())
    }

    /// Ends every session of a user; returns how many.
    pub fn end_sessions(&self, user_id: i64) -> Result<usize, StoreError> {
        self.write(|db| db.execute("DELETE FROM sessions WHERE user_id = ?1", params![user_id]))
    }

    /// Ends the sessions idle since `idle_before` or begun before `begun_before`.
    pub fn prune_sessions(&self, idle_before: i64, begun_before: i64) -> Result<usize, StoreError> {
        self.write(|db| {
            db.execute(
                "DELETE FROM sessions WHERE seen_at < ?1 OR created_at < ?2",
                params![idle_before, begun_before],
            )
        })
    }
}

/// The advisory lock held while the last admin is checked and changed (PostgreSQL).
const ADMINS_LOCK: i64 = 0x6164_6d69_6e73;

/// Whether `name` is the only admin.
fn last_admin(tx: Db<'_>, name: &str) -> Result<bool, StoreError> {
    // Two servers demoting the last two admins at once: one waits for the other.
    tx.lock(ADMINS_LOCK)?;
    let (admins, is_admin): (i64, i64) = tx.query_row(
        "SELECT COUNT(*), COUNT(*) FILTER (WHERE name = ?1) FROM users WHERE role = 'admin'",
        params![name],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(admins == 1 && is_admin == 1)
}

/// API tokens a user holds at most.
pub const MAX_TOKENS: i64 = 100;

/// A user's API token as listed (never the token itself: only its hash is kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ApiToken {
    pub id: i64,
    /// What it is for (`ci`, `grafana`).
    pub name: String,
    /// The most it may do (never more than its user's role at the time of use).
    pub role: Role,
    pub created_at: i64,
    /// It stops working then (ms).
    pub expires_at: i64,
    pub last_used: Option<i64>,
}

fn read_token(r: &Row<'_, '_>) -> Result<ApiToken, StoreError> {
    let role: String = r.get(2)?;
    Ok(ApiToken {
        id: r.get(0)?,
        name: r.get(1)?,
        role: role.parse().unwrap_or(Role::Viewer),
        created_at: r.get(3)?,
        expires_at: r.get(4)?,
        last_used: r.get(5)?,
    })
}

impl Store {
    /// Adds an API token for a user, by the hash of its secret; `TooManyTokens` past
    /// `MAX_TOKENS` unexpired ones.
    pub fn add_token(
        &self,
        user_id: i64,
        name: &str,
        role: Role,
        hash: &str,
        expires_at: i64,
    ) -> Result<ApiToken, StoreError> {
        let now = now_ms();
        self.transaction(|tx| {
        tx.execute(
            "DELETE FROM api_tokens WHERE user_id = ?1 AND expires_at <= ?2",
            params![user_id, now],
        )?;
        let n: i64 = tx.query_row(
            "SELECT COUNT(*) FROM api_tokens WHERE user_id = ?1",
            params![user_id],
            |r| r.get(0),
        )?;
        if n >= MAX_TOKENS {
            return Err(StoreError::TooManyTokens(MAX_TOKENS));
        }
        let id = tx.insert(
            "INSERT INTO api_tokens (user_id, name, role, hash, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
            params![user_id, name, role.as_str(), hash, now, expires_at],
        )?;
        let t = tx.query_row(
            "SELECT id, name, role, created_at, expires_at, last_used FROM api_tokens WHERE id = ?1",
            params![id],
            read_token,
        )?;
                Ok(t)
        })
    }

    /// A user's tokens, newest first.
    pub fn tokens(&self, user_id: i64) -> Result<Vec<ApiToken>, StoreError> {
        let rows = self.read(|db| {
            db.query_map(
                "SELECT id, name, role, created_at, expires_at, last_used FROM api_tokens
             WHERE user_id = ?1 ORDER BY id DESC",
                params![user_id],
                read_token,
            )
        })?;
        Ok(rows)
    }

    /// Removes one of a user's tokens; false when they have none by that id.
    pub fn delete_token(&self, user_id: i64, id: i64) -> Result<bool, StoreError> {
        Ok(self.write(|db| {
            db.execute(
                "DELETE FROM api_tokens WHERE id = ?1 AND user_id = ?2",
                params![id, user_id],
            )
        })? == 1)
    }

    /// The token with this hash, unexpired, with its user (noting its use, at most once a
    /// minute).
    pub fn token(&self, hash: &str) -> Result<Option<(ApiToken, User)>, StoreError> {
        let now = now_ms();
        let found: Option<(ApiToken, i64)> = self
            .read(|db| {
                db.query_row(
                "SELECT id, name, role, created_at, expires_at, last_used, user_id FROM api_tokens
                 WHERE hash = ?1 AND expires_at > ?2",
                params![hash, now],
                |r| Ok((read_token(r)?, r.get(6)?)),
            )
            })
            .optional()?;
        let Some((token, user_id)) = found else {
            return Ok(None);
        };
        if token.last_used.is_none_or(|t| now - t > 60_000) {
            self.write(|db| {
                db.execute(
                    "UPDATE api_tokens SET last_used = ?2 WHERE id = ?1",
                    params![token.id, now],
                )
            })?;
        }
        let user = self
            .read(|db| {
                db.query_row(
                    &format!("{SELECT_USER} WHERE u.id = ?1"),
                    params![user_id],
                    read_user,
                )
            })
            .optional()?;
        Ok(user.map(|u| (token, u)))
    }
}
