//! Who is asking, and may they: every API request is made by an identity (a signed-in user's
//! session cookie, the `--token` of a single-user setup, or nobody in particular while the
//! server has no users and no token, on loopback, as before users existed) with a role, and
//! each route needs a role (`required`). Also the routes that sign in and out, the first
//! admin's setup link, and the users' administration.
//!
//! Sessions: a random 256-bit id in an HttpOnly, SameSite=Strict cookie (Secure over TLS),
//! kept in the store by its SHA-256 only, ended after `--session-idle` without use or
//! `--session-max` after sign-in, on sign-out, a new password, or by an admin. Logins: a wrong
//! password, an unknown user and a locked account give the same answer in the same time
//! (Argon2id against a decoy for unknown users); five failures in a row lock the account for
//! 15 minutes; 20 failures from one address in 10 minutes get 429 until the window passes.

use crate::AppState;
use crate::conn::Peer;
use crate::error::ApiError;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wirescope_creds::password;
use wirescope_store::{Role, StoreError, User, now_ms};

/// How a user's API token begins (so it is told from the server's `--token` at a glance).
pub const TOKEN_PREFIX: &str = "wst_";
/// The longest an API token may live.
pub const TOKEN_MAX_LIFE: Duration = Duration::from_secs(366 * 86_400);

/// The session cookie's name.
pub const COOKIE: &str = "wirescope_session";
/// Failed logins in a row that lock an account, and for how long.
pub const LOCK_AFTER: i64 = 5;
pub const LOCK_FOR: Duration = Duration::from_secs(15 * 60);
/// Failed logins from one address in `ADDRESS_WINDOW` before it gets 429.
pub const ADDRESS_FAILURES: u32 = 20;
pub const ADDRESS_WINDOW: Duration = Duration::from_secs(10 * 60);
/// Addresses whose failures are remembered at most (the oldest windows are forgotten first).
const ADDRESSES_KEPT: usize = 10_000;
/// A session's last use is written at most this often.
const TOUCH_EVERY_MS: i64 = 60_000;

/// How an identity was established.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// A session cookie.
    Session,
    /// The server's `--token`.
    Token,
    /// A user's API token (its role capped by the user's).
    ApiToken,
    /// No users and no token: the open single-user server on loopback.
    Open,
}

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Identity {
    /// The user's name (`token` for `--token`, `local` for the open server).
    pub name: String,
    pub role: Role,
    pub via: Via,
}

/// What the server keeps for signing in: the first admin's setup code and recent failures by
/// address.
#[derive(Debug, Default)]
pub struct Logins {
    setup: Mutex<Option<String>>,
    failures: Mutex<HashMap<IpAddr, (u32, i64)>>,
}

impl Logins {
    /// With a one-time setup code for the first admin (a server with no users yet).
    pub fn with_setup(code: Option<String>) -> Logins {
        Logins {
            setup: Mutex::new(code),
            failures: Mutex::default(),
        }
    }

    /// Whether `addr` failed too often lately; with how long it must wait.
    fn blocked(&self, addr: IpAddr, now: i64) -> Option<i64> {
        let f = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let window = ADDRESS_WINDOW.as_millis() as i64;
        f.get(&addr)
            .filter(|(n, since)| *n >= ADDRESS_FAILURES && now - since < window)
            .map(|(_, since)| since + window - now)
    }

    fn failed(&self, addr: IpAddr, now: i64) {
        let mut f = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let window = ADDRESS_WINDOW.as_millis() as i64;
        if f.len() >= ADDRESSES_KEPT && !f.contains_key(&addr) {
            f.retain(|_, (_, since)| now - *since < window);
            if f.len() >= ADDRESSES_KEPT
                && let Some(oldest) = f.iter().min_by_key(|(_, (_, s))| *s).map(|(a, _)| *a)
            {
                f.remove(&oldest);
            }
        }
        let e = f.entry(addr).or_insert((0, now));
        if now - e.1 >= window {
            *e = (0, now);
        }
        e.0 += 1;
    }
}

/// The role a request needs: administration (users, credentials, channels, the trap
/// receiver and rules, trusted host keys, deleting recordings) is the admin's; starting,
/// changing and stopping things the operator's; looking (and marking alerts read) anyone's.
pub fn required(method: &Method, path: &str) -> Role {
    let path = path.strip_prefix("/api").unwrap_or(path);
    let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
    let reads = matches!(*method, Method::GET | Method::HEAD);
    if under("/users") || under("/audit") || (!reads && under("/agents")) {
        return Role::Admin;
    }
    if !reads
        && (under("/creds")
            || under("/channels")
            || under("/traps/receiver")
            || under("/traps/rules")
            || under("/ssh/known-hosts")
            || under("/ssh/recordings"))
    {
        return Role::Admin;
    }
    if reads {
        // A terminal is opened by a GET (the WebSocket); credential profiles feed the run forms.
        if under("/ssh/terminal") || under("/creds") {
            return Role::Operator;
        }
        return Role::Viewer;
    }
    // Marking alerts read, previewing a schedule, and a caller's own sessions and tokens.
    if matches!(
        path,
        "/alerts/read" | "/suites/schedule" | "/logout" | "/me/sessions"
    ) || under("/tokens")
    {
        return Role::Viewer;
    }
    Role::Operator
}

/// Routes anyone may call: they carry their own proof (a password, a setup code, the identity
/// provider's code) or only end what the caller holds.
fn public(method: &Method, path: &str) -> bool {
    let path = path.strip_prefix("/api").unwrap_or(path);
    (*method == Method::POST && matches!(path, "/login" | "/setup" | "/logout"))
        || (*method == Method::GET && matches!(path, "/oidc" | "/oidc/login" | "/oidc/callback"))
}

pub(crate) fn sha256_hex(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The session cookie's value, when the request carries one.
fn session_cookie(headers: &HeaderMap) -> Option<String> {
    cookie_value(headers, COOKIE)
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The value of cookie `name`, when the request carries it.
pub(crate) fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The identity a request proves, if any.
fn identify(state: &AppState, req: &Request) -> Result<Option<Identity>, StoreError> {
    if let Some(expected) = state.config.token.as_deref()
        && crate::token_of(req.headers(), req.uri().query())
            .is_some_and(|t| crate::constant_time_eq(t.as_bytes(), expected.as_bytes()))
    {
        return Ok(Some(Identity {
            name: "token".into(),
            role: Role::Admin,
            via: Via::Token,
        }));
    }
    if let Some(t) =
        crate::token_of(req.headers(), req.uri().query()).filter(|t| t.starts_with(TOKEN_PREFIX))
        && let Some((token, user)) = state.store.token(&sha256_hex(&t))?
    {
        return Ok(Some(Identity {
            name: user.name,
            role: token.role.min(user.role),
            via: Via::ApiToken,
        }));
    }
    if let Some(id) = session_cookie(req.headers()) {
        let hash = sha256_hex(&id);
        if let Some(s) = state.store.session(&hash)? {
            let now = now_ms();
            let idle = state.config.session_idle.as_millis() as i64;
            let max = state.config.session_max.as_millis() as i64;
            if now - s.seen_at > idle || now - s.created_at > max {
                state.store.end_session(&hash)?;
            } else {
                if now - s.seen_at > TOUCH_EVERY_MS {
                    state.store.touch_session(&hash)?;
                }
                return Ok(Some(Identity {
                    name: s.user.name,
                    role: s.user.role,
                    via: Via::Session,
                }));
            }
        }
    }
    if state.config.token.is_none() && state.store.user_count()? == 0 {
        return Ok(Some(Identity {
            name: "local".into(),
            role: Role::Admin,
            via: Via::Open,
        }));
    }
    Ok(None)
}

/// Lets through who may make the request (their identity attached), answers 401 to nobody and
/// 403 to a role too low.
pub(crate) async fn authorize(
    State(state): State<Arc<AppState>>,
    mut req: Request,
    next: Next,
) -> Response {
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    // A remote agent proves itself with its own token, which its route checks.
    if method == Method::GET && path == wirescope_runs::remote::AGENT_PATH {
        return next.run(req).await;
    }
    let who = match identify(&state, &req) {
        Ok(who) => who,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let Some(who) = who else {
        if public(&method, &path) {
            return next.run(req).await;
        }
        let how = if state.config.token.is_some() {
            "sign in, or give the access token (Authorization: Bearer TOKEN, or ?token=TOKEN)"
        } else {
            "sign in"
        };
        return ApiError::new(StatusCode::UNAUTHORIZED, format!("{how}: POST /api/login"))
            .into_response();
    };
    let need = required(&method, &path);
    if who.role < need {
        crate::audit::record(
            &state,
            &wirescope_store::NewAudit {
                actor: &who.name,
                via: crate::audit::via(&who),
                address: &address_of(&req),
                action: "denied",
                object: &format!("{method} {path}"),
                status: 403,
            },
        );
        return ApiError::new(
            StatusCode::FORBIDDEN,
            format!(
                "{} is {}: {} {path} needs {}",
                who.name,
                who.role.as_str(),
                method,
                need.as_str()
            ),
        )
        .into_response();
    }
    req.extensions_mut().insert(who);
    next.run(req).await
}

pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(setup))
        .routes(routes!(me))
        .routes(routes!(end_my_sessions))
        .routes(routes!(list_users, add_user))
        .routes(routes!(change_user, delete_user))
        .routes(routes!(end_user_sessions))
        .routes(routes!(list_tokens, add_token))
        .routes(routes!(delete_token))
}

/// A new API token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// What it is for: 1 to 64 of letters, digits, `.`, `_`, `-`, `@`.
    pub name: String,
    /// At most the caller's role (default: the caller's).
    pub role: Option<Role>,
    /// How long it works: `90m`, `12h`, `30d` (at most 366 days).
    pub expires_in: String,
}

/// A token just made: the only time its secret is shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenMade {
    #[serde(flatten)]
    pub info: wirescope_store::ApiToken,
    /// `Authorization: Bearer` this; it is not kept and cannot be shown again.
    pub token: String,
}

/// The user behind a session or an API token (`--token` and the open server are nobody's).
fn acting_user(state: &AppState, who: &Identity) -> Result<User, ApiError> {
    if !matches!(who.via, Via::Session | Via::ApiToken) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "API tokens belong to users: sign in as one",
        ));
    }
    state
        .store
        .user_login(&who.name)
        .map_err(store_error)?
        .map(|(u, _)| u)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no user '{}'", who.name)))
}

/// A lifetime: minutes, hours or days (`90m`, `12h`, `30d`), up to `TOKEN_MAX_LIFE`.
fn token_life(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let (num, unit) = t.split_at(t.len().saturating_sub(1));
    let secs = match (num.parse::<u64>(), unit) {
        (Ok(n), "s") => Some(n),
        (Ok(n), "m") => n.checked_mul(60),
        (Ok(n), "h") => n.checked_mul(3_600),
        (Ok(n), "d") => n.checked_mul(86_400),
        _ => None,
    };
    match secs {
        Some(s) if s > 0 && s <= TOKEN_MAX_LIFE.as_secs() => Ok(Duration::from_secs(s)),
        _ => Err(format!(
            "'{s}' is not a token lifetime: seconds, minutes, hours or days (90m, 12h, 30d), at most 366d"
        )),
    }
}

/// The caller's API tokens, newest first (never their secrets).
#[utoipa::path(get, path = "/tokens", tag = "users", responses(
    (status = 200, body = Vec<wirescope_store::ApiToken>),
    (status = 409, body = ApiError, description = "not a user (the server's --token or the open server)"),
))]
async fn list_tokens(
    State(state): State<Arc<AppState>>,
    who: axum::Extension<Identity>,
) -> Result<Json<Vec<wirescope_store::ApiToken>>, ApiError> {
    let user = acting_user(&state, &who)?;
    Ok(Json(state.store.tokens(user.id).map_err(store_error)?))
}

/// Makes an API token for the caller, with a role no higher than theirs and an expiry; its
/// secret is in this answer only.
#[utoipa::path(post, path = "/tokens", tag = "users", request_body = NewToken, responses(
    (status = 201, body = TokenMade),
    (status = 400, body = ApiError, description = "`field`: name, role (above the caller's), expires_in"),
    (status = 409, body = ApiError, description = "not a user, or 100 tokens held"),
))]
async fn add_token(
    State(state): State<Arc<AppState>>,
    who: axum::Extension<Identity>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let ask: NewToken = crate::error::json_body(&body)?;
    check_name(&ask.name)
        .map_err(|m| ApiError::field("name", m.replace("user name", "token name")))?;
    let life = token_life(&ask.expires_in).map_err(|m| ApiError::field("expires_in", m))?;
    let user = acting_user(&state, &who)?;
    let role = ask.role.unwrap_or(who.role);
    if role > who.role {
        return Err(ApiError::field(
            "role",
            format!(
                "{} is {}: a token of theirs can be at most that",
                who.name,
                who.role.as_str()
            ),
        ));
    }
    let secret = format!("{TOKEN_PREFIX}{}", crate::random_hex(32));
    let expires_at = now_ms().saturating_add(life.as_millis() as i64);
    let info = state
        .store
        .add_token(user.id, &ask.name, role, &sha256_hex(&secret), expires_at)
        .map_err(|e| match e {
            StoreError::TooManyTokens(_) => ApiError::new(StatusCode::CONFLICT, e.to_string()),
            e => store_error(e),
        })?;
    Ok((
        StatusCode::CREATED,
        Json(TokenMade {
            info,
            token: secret,
        }),
    )
        .into_response())
}

/// Revokes one of the caller's API tokens.
#[utoipa::path(delete, path = "/tokens/{id}", tag = "users", params(("id" = i64, Path)), responses(
    (status = 204, description = "revoked"),
    (status = 404, body = ApiError),
))]
async fn delete_token(
    State(state): State<Arc<AppState>>,
    who: axum::Extension<Identity>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = crate::api::parse_id(&id)?;
    let user = acting_user(&state, &who)?;
    if state.store.delete_token(user.id, id).map_err(store_error)? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no token {id} of yours"),
        ))
    }
}

/// A sign-in.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    pub name: String,
    pub password: String,
}

/// The first admin, with the code `serve` printed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Setup {
    pub code: String,
    pub name: String,
    pub password: String,
}

/// A new user.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// 1 to 64 of letters, digits, `.`, `_`, `-`, `@`.
    pub name: String,
    pub role: Role,
    /// At least 10 characters.
    pub password: String,
}

/// What to change of a user.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserChange {
    pub role: Option<Role>,
    /// A new password (their sessions end).
    pub password: Option<String>,
}

/// Who the caller is, and whether the server has users to sign in as.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    #[serde(flatten)]
    pub identity: Identity,
    /// The server has users (signing out means something).
    pub users: bool,
}

/// Sessions ended.
#[derive(Debug, Serialize, ToSchema)]
pub struct Ended {
    pub ended: usize,
}

/// Checks a user name: 1 to 64 of letters, digits, `.`, `_`, `-`, `@`.
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty()
        || name.len() > 64
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
    {
        return Err("a user name is 1 to 64 of letters, digits, '.', '_', '-' and '@'".into());
    }
    Ok(())
}

fn address_of(req: &Request) -> String {
    req.extensions()
        .get::<Peer>()
        .map(|p| p.0.ip().to_string())
        .unwrap_or_default()
}

fn peer(req_peer: Option<Peer>) -> IpAddr {
    req_peer.map_or(IpAddr::from([0, 0, 0, 0]), |p| p.0.ip())
}

fn store_error(e: StoreError) -> ApiError {
    match e {
        StoreError::UserExists(_) => ApiError::new(StatusCode::CONFLICT, e.to_string()),
        StoreError::TooManyUsers(_) | StoreError::LastAdmin => {
            ApiError::new(StatusCode::CONFLICT, e.to_string())
        }
        e => ApiError::from(e),
    }
}

/// A new session for `user`: its cookie.
pub(crate) fn start_session(
    state: &AppState,
    user: &User,
    addr: IpAddr,
) -> Result<HeaderValue, ApiError> {
    let id = crate::random_hex(32);
    state
        .store
        .login_ok(user.id, &sha256_hex(&id), &addr.to_string())
        .map_err(store_error)?;
    let secure = if state.config.tls.is_some() {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        state.config.session_max.as_secs()
    ))
    .map_err(ApiError::internal)
}

fn clear_cookie() -> HeaderValue {
    HeaderValue::from_static("wirescope_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// Signs in: a session cookie. Wrong name, wrong password and a locked account all answer 401
/// alike; too many failures from the caller's address answer 429.
#[utoipa::path(post, path = "/login", tag = "users", request_body = Login, responses(
    (status = 200, body = Me, description = "signed in; `Set-Cookie` holds the session"),
    (status = 400, body = ApiError),
    (status = 401, body = ApiError, description = "wrong name or password, or the account is locked"),
    (status = 429, body = ApiError, description = "too many failures from this address"),
))]
async fn login(
    State(state): State<Arc<AppState>>,
    req_peer: Option<axum::Extension<Peer>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let ask: Login = crate::error::json_body(&body)?;
    let addr = peer(req_peer.map(|p| p.0));
    let now = now_ms();
    if let Some(wait) = state.logins.blocked(addr, now) {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "too many failed sign-ins from {addr}: try again in {} s",
                wait / 1000 + 1
            ),
        ));
    }
    if ask.password.len() > password::MAX_LEN || ask.name.len() > 256 {
        return Err(ApiError::field("password", "too long"));
    }
    let shared = state.clone();
    let name = ask.name.clone();
    let found = tokio::task::spawn_blocking(move || {
        let found = shared.store.user_login(&ask.name)?;
        let hash = found
            .as_ref()
            .and_then(|(_, h)| h.clone())
            .unwrap_or_else(|| password::decoy().to_string());
        let good = password::verify(&ask.password, &hash);
        Ok::<_, StoreError>(found.map(|(u, _)| (u, good)))
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(store_error)?;
    let user = match found {
        Some((u, true)) if u.locked_until.is_none_or(|t| t <= now) => u,
        other => {
            state.logins.failed(addr, now);
            crate::audit::record(
                &state,
                &wirescope_store::NewAudit {
                    actor: &name,
                    via: "none",
                    address: &addr.to_string(),
                    action: "login.failed",
                    object: "/login",
                    status: 401,
                },
            );
            if let Some((u, _)) = other {
                state
                    .store
                    .login_failed(u.id, LOCK_AFTER, LOCK_FOR.as_millis() as i64)
                    .map_err(store_error)?;
            }
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                format!(
                    "wrong user name or password (after {LOCK_AFTER} failures in a row an account waits {} minutes)",
                    LOCK_FOR.as_secs() / 60
                ),
            ));
        }
    };
    let cookie = start_session(&state, &user, addr)?;
    crate::audit::record(
        &state,
        &wirescope_store::NewAudit {
            actor: &user.name,
            via: "session",
            address: &addr.to_string(),
            action: "login",
            object: "/login",
            status: 200,
        },
    );
    let me = Me {
        identity: Identity {
            name: user.name,
            role: user.role,
            via: Via::Session,
        },
        users: true,
    };
    let mut res = Json(me).into_response();
    res.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(res)
}

/// Signs out: the caller's session ends and its cookie is cleared.
#[utoipa::path(post, path = "/logout", tag = "users", responses((status = 204, description = "signed out")))]
async fn logout(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(id) = session_cookie(&headers) {
        state
            .store
            .end_session(&sha256_hex(&id))
            .map_err(store_error)?;
    }
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut().insert(header::SET_COOKIE, clear_cookie());
    Ok(res)
}

/// Creates the first admin with the one-time code `serve` printed (only while there are no
/// users), and signs them in.
#[utoipa::path(post, path = "/setup", tag = "users", request_body = Setup, responses(
    (status = 201, body = Me, description = "the first admin, signed in"),
    (status = 400, body = ApiError, description = "`field`: name, password"),
    (status = 403, body = ApiError, description = "a wrong or used code"),
))]
async fn setup(
    State(state): State<Arc<AppState>>,
    req_peer: Option<axum::Extension<Peer>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let ask: Setup = crate::error::json_body(&body)?;
    check_name(&ask.name).map_err(|m| ApiError::field("name", m))?;
    password::check(&ask.password).map_err(|m| ApiError::field("password", m))?;
    let refused = || {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "this setup code is wrong or was used",
        )
    };
    {
        let mut code = state.logins.setup.lock().unwrap_or_else(|p| p.into_inner());
        let good = code
            .as_deref()
            .is_some_and(|c| crate::constant_time_eq(c.as_bytes(), ask.code.as_bytes()));
        if !good || state.store.user_count().map_err(store_error)? > 0 {
            return Err(refused());
        }
        *code = None;
    }
    let hash = password::hash(&ask.password);
    let user = state
        .store
        .add_user(&ask.name, Role::Admin, Some(&hash))
        .map_err(store_error)?;
    let addr = peer(req_peer.map(|p| p.0));
    let cookie = start_session(&state, &user, addr)?;
    crate::audit::record(
        &state,
        &wirescope_store::NewAudit {
            actor: &user.name,
            via: "setup",
            address: &addr.to_string(),
            action: "setup",
            object: "/setup",
            status: 201,
        },
    );
    let mut res = (
        StatusCode::CREATED,
        Json(Me {
            identity: Identity {
                name: user.name,
                role: Role::Admin,
                via: Via::Session,
            },
            users: true,
        }),
    )
        .into_response();
    res.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(res)
}

/// Who the caller is.
#[utoipa::path(get, path = "/me", tag = "users", responses(
    (status = 200, body = Me),
    (status = 401, body = ApiError, description = "nobody: sign in"),
))]
async fn me(
    State(state): State<Arc<AppState>>,
    who: axum::Extension<Identity>,
) -> Result<Json<Me>, ApiError> {
    Ok(Json(Me {
        identity: who.0,
        users: state.store.user_count().map_err(store_error)? > 0,
    }))
}

/// Signs the caller out everywhere: every session of theirs ends.
#[utoipa::path(delete, path = "/me/sessions", tag = "users", responses(
    (status = 200, body = Ended),
    (status = 409, body = ApiError, description = "not a signed-in user"),
))]
async fn end_my_sessions(
    State(state): State<Arc<AppState>>,
    who: axum::Extension<Identity>,
) -> Result<Response, ApiError> {
    if who.via != Via::Session {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "only a signed-in user has sessions",
        ));
    }
    let ended = user_sessions_end(&state, &who.name)?;
    let mut res = Json(Ended { ended }).into_response();
    res.headers_mut().insert(header::SET_COOKIE, clear_cookie());
    Ok(res)
}

fn user_sessions_end(state: &AppState, name: &str) -> Result<usize, ApiError> {
    let (user, _) = state
        .store
        .user_login(name)
        .map_err(store_error)?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no user '{name}'")))?;
    state.store.end_sessions(user.id).map_err(store_error)
}

/// The users, by name (admin).
#[utoipa::path(get, path = "/users", tag = "users", responses((status = 200, body = Vec<User>)))]
async fn list_users(State(state): State<Arc<AppState>>) -> Result<Json<Vec<User>>, ApiError> {
    Ok(Json(state.store.users().map_err(store_error)?))
}

/// Adds a user (admin).
#[utoipa::path(post, path = "/users", tag = "users", request_body = NewUser, responses(
    (status = 201, body = User),
    (status = 400, body = ApiError, description = "`field`: name, role, password"),
    (status = 409, body = ApiError, description = "the name is taken, or 10,000 users exist"),
))]
async fn add_user(State(state): State<Arc<AppState>>, body: Bytes) -> Result<Response, ApiError> {
    let ask: NewUser = crate::error::json_body(&body)?;
    check_name(&ask.name).map_err(|m| ApiError::field("name", m))?;
    password::check(&ask.password).map_err(|m| ApiError::field("password", m))?;
    let hash = tokio::task::spawn_blocking(move || password::hash(&ask.password))
        .await
        .map_err(ApiError::internal)?;
    let user = state
        .store
        .add_user(&ask.name, ask.role, Some(&hash))
        .map_err(store_error)?;
    Ok((StatusCode::CREATED, Json(user)).into_response())
}

/// Changes a user's role or password (admin); a new password ends their sessions.
#[utoipa::path(put, path = "/users/{name}", tag = "users", params(("name" = String, Path)), request_body = UserChange, responses(
    (status = 200, body = User),
    (status = 400, body = ApiError, description = "`field`: role, password"),
    (status = 404, body = ApiError),
    (status = 409, body = ApiError, description = "that would leave no admin"),
))]
async fn change_user(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<Json<User>, ApiError> {
    let ask: UserChange = crate::error::json_body(&body)?;
    let missing = || ApiError::new(StatusCode::NOT_FOUND, format!("no user '{name}'"));
    if let Some(p) = &ask.password {
        password::check(p).map_err(|m| ApiError::field("password", m))?;
    }
    if let Some(role) = ask.role
        && !state.store.set_role(&name, role).map_err(store_error)?
    {
        return Err(missing());
    }
    if let Some(p) = ask.password {
        let hash = tokio::task::spawn_blocking(move || password::hash(&p))
            .await
            .map_err(ApiError::internal)?;
        if !state
            .store
            .set_password(&name, &hash)
            .map_err(store_error)?
        {
            return Err(missing());
        }
    }
    state
        .store
        .user_login(&name)
        .map_err(store_error)?
        .map(|(u, _)| Json(u))
        .ok_or_else(missing)
}

/// Removes a user and their sessions (admin); the last admin stays.
#[utoipa::path(delete, path = "/users/{name}", tag = "users", params(("name" = String, Path)), responses(
    (status = 204, description = "removed"),
    (status = 404, body = ApiError),
    (status = 409, body = ApiError, description = "the last admin"),
))]
async fn delete_user(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    if state.store.delete_user(&name).map_err(store_error)? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no user '{name}'"),
        ))
    }
}

/// Ends every session of a user (admin).
#[utoipa::path(delete, path = "/users/{name}/sessions", tag = "users", params(("name" = String, Path)), responses(
    (status = 200, body = Ended),
    (status = 404, body = ApiError),
))]
async fn end_user_sessions(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
) -> Result<Json<Ended>, ApiError> {
    Ok(Json(Ended {
        ended: user_sessions_end(&state, &name)?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_route_needs_the_role_its_action_calls_for() {
        let get = Method::GET;
        let post = Method::POST;
        let put = Method::PUT;
        let delete = Method::DELETE;
        for (m, path, role) in [
            (&get, "/api/runs", Role::Viewer),
            (&get, "/runs/4/report", Role::Viewer),
            (&get, "/api/ws", Role::Viewer),
            (&post, "/api/alerts/read", Role::Viewer),
            (&post, "/api/suites/schedule", Role::Viewer),
            (&post, "/api/runs", Role::Operator),
            (&post, "/api/runs/4/cancel", Role::Operator),
            (&delete, "/api/runs/4", Role::Operator),
            (&post, "/api/captures", Role::Operator),
            (&put, "/api/topology/layout", Role::Operator),
            (&get, "/api/ssh/terminal", Role::Operator),
            (&get, "/api/ssh/terminals", Role::Viewer),
            (&get, "/api/ssh/terminals/3/watch", Role::Viewer),
            (&get, "/api/creds", Role::Operator),
            (&put, "/api/creds/core", Role::Admin),
            (&delete, "/api/creds/core", Role::Admin),
            (&put, "/api/channels/ops", Role::Admin),
            (&post, "/api/channels/ops/test", Role::Admin),
            (&get, "/api/channels", Role::Viewer),
            (&put, "/api/traps/rules", Role::Admin),
            (&put, "/api/traps/receiver", Role::Admin),
            (&get, "/api/traps/rules", Role::Viewer),
            (&delete, "/api/ssh/known-hosts/h1", Role::Admin),
            (&delete, "/api/ssh/recordings/3", Role::Admin),
            (&get, "/api/ssh/recordings/3/cast", Role::Viewer),
            (&get, "/api/users", Role::Admin),
            (&post, "/api/agents", Role::Admin),
            (&delete, "/api/agents/branch-1", Role::Admin),
            (&get, "/api/agents", Role::Viewer),
            (&get, "/api/audit", Role::Admin),
            (&delete, "/api/users/bob/sessions", Role::Admin),
            (&delete, "/api/me/sessions", Role::Viewer),
            (&post, "/api/tokens", Role::Viewer),
            (&delete, "/api/tokens/3", Role::Viewer),
            (&get, "/api/usersx", Role::Viewer),
        ] {
            assert_eq!(required(m, path), role, "{m} {path}");
        }
        assert!(public(&post, "/api/login") && public(&post, "/setup"));
        assert!(!public(&get, "/api/login") && !public(&post, "/api/users"));
        assert!(public(&get, "/api/oidc/callback") && public(&get, "/api/oidc"));
        assert!(!public(&post, "/api/oidc/login") && !public(&get, "/api/oidc/other"));
    }

    #[test]
    fn a_session_cookie_is_found_among_others_and_must_look_like_one() {
        let id = "ab".repeat(32);
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("theme=dark; {COOKIE}={id}; x=1"))
                .unwrap_or(HeaderValue::from_static("")),
        );
        assert_eq!(session_cookie(&h), Some(id));
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("wirescope_session=short"),
        );
        assert_eq!(session_cookie(&h), None);
    }

    #[test]
    fn failures_from_an_address_block_it_for_a_window() {
        let l = Logins::default();
        let a: IpAddr = [198, 18, 0, 10].into();
        for _ in 0..ADDRESS_FAILURES {
            assert!(l.blocked(a, 1_000).is_none());
            l.failed(a, 1_000);
        }
        assert!(l.blocked(a, 2_000).is_some());
        assert!(l.blocked([198, 18, 0, 11].into(), 2_000).is_none());
        let later = 1_000 + ADDRESS_WINDOW.as_millis() as i64;
        assert!(l.blocked(a, later).is_none(), "the window passed");
        assert!(check_name("ann.o-b_1@lab").is_ok());
        assert_eq!(token_life("30d"), Ok(Duration::from_secs(30 * 86_400)));
        assert_eq!(token_life("90m"), Ok(Duration::from_secs(5400)));
        for bad in ["0d", "367d", "12", "x", "-1h", "1y"] {
            assert!(token_life(bad).is_err(), "{bad}");
        }
        assert!(
            check_name("").is_err()
                && check_name("a b").is_err()
                && check_name(&"x".repeat(65)).is_err()
        );
    }
}
