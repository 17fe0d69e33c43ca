//! Single sign-on with OpenID Connect: the authorization-code flow with PKCE against one
//! identity provider (the openidconnect crate over reqwest on rustls), its group claim mapped
//! to roles; the users it signs in are kept as users of their issuer, without a password, and
//! local users (the emergency admin) keep signing in with theirs.

use crate::AppState;
use crate::error::{ApiError, Query};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AsyncHttpClient, AuthorizationCode, ClientId, ClientSecret, CsrfToken, HttpClientError,
    HttpRequest, HttpResponse, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wirescope_store::Role;
use wirescope_watch::notify::send::chain;

/// Sign-ins started and not finished, kept at most; the oldest goes first.
pub const MAX_PENDING: usize = 1000;
/// How long a started sign-in may take at the identity provider.
pub const PENDING_FOR: Duration = Duration::from_secs(600);
/// How long the provider's discovery document and keys are used before asking again.
const METADATA_FOR: Duration = Duration::from_secs(600);
/// The largest answer taken from the identity provider.
const MAX_ANSWER: usize = 1 << 20;
/// One request to the identity provider.
const PROVIDER_WAIT: Duration = Duration::from_secs(10);
/// The cookie that ties a sign-in's return to the browser that started it.
const STATE_COOKIE: &str = "wirescope_oidc";

/// How single sign-on is set up (`serve --oidc-*`).
#[derive(Debug, Clone)]
pub struct OidcConfig {
    /// The provider's issuer URL (its discovery document is under it).
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    /// Where the provider sends the browser back: `…/api/oidc/callback` of this server. `None`:
    /// made from the scheme and Host of the request that starts the sign-in.
    pub redirect_url: Option<String>,
    /// The claim (in the ID token, else from the userinfo endpoint) that lists the groups.
    pub groups_claim: String,
    /// Group to role; a user gets the highest role of their groups, and without one is refused.
    pub roles: Vec<(String, Role)>,
    /// The sign-in button's words.
    pub label: String,
}

/// A sign-in on its way through the provider.
struct Pending {
    verifier: PkceCodeVerifier,
    nonce: Nonce,
    redirect: String,
    at: Instant,
}

/// Single sign-on's state: its setup, the sign-ins under way, and the provider's metadata.
pub struct Sso {
    config: OidcConfig,
    http: Http,
    pending: Mutex<HashMap<String, Pending>>,
    metadata: tokio::sync::Mutex<Option<(CoreProviderMetadata, Instant)>>,
}

impl std::fmt::Debug for Sso {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sso")
            .field("issuer", &self.config.issuer)
            .finish()
    }
}

impl Sso {
    pub fn new(config: OidcConfig) -> Result<Self, String> {
        IssuerUrl::new(config.issuer.clone()).map_err(|e| format!("--oidc-issuer: {e}"))?;
        if let Some(r) = &config.redirect_url {
            RedirectUrl::new(r.clone()).map_err(|e| format!("--oidc-redirect-url: {e}"))?;
        }
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .user_agent(concat!("wirescope/", env!("CARGO_PKG_VERSION")))
            // the provider's endpoints are taken as given: no redirect leads elsewhere
            .redirect(reqwest::redirect::Policy::none())
            .timeout(PROVIDER_WAIT)
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        Ok(Sso {
            config,
            http: Http(client),
            pending: Mutex::new(HashMap::new()),
            metadata: tokio::sync::Mutex::new(None),
        })
    }

    /// The provider's discovery document and keys (asked for again after `METADATA_FOR`, or
    /// when `fresh`).
    async fn metadata(&self, fresh: bool) -> Result<CoreProviderMetadata, String> {
        let mut m = self.metadata.lock().await;
        if let Some((meta, at)) = m.as_ref()
            && !fresh
            && at.elapsed() < METADATA_FOR
        {
            return Ok(meta.clone());
        }
        let issuer = IssuerUrl::new(self.config.issuer.clone()).map_err(|e| e.to_string())?;
        let meta = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| {
                format!(
                    "the identity provider {} did not answer its discovery: {}",
                    self.config.issuer,
                    chain(&e)
                )
            })?;
        *m = Some((meta.clone(), Instant::now()));
        Ok(meta)
    }

    fn remember(&self, state: String, p: Pending) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.retain(|_, p| p.at.elapsed() < PENDING_FOR);
        if pending.len() >= MAX_PENDING
            && let Some(oldest) = pending
                .iter()
                .min_by_key(|(_, p)| p.at)
                .map(|(k, _)| k.clone())
        {
            pending.remove(&oldest);
        }
        pending.insert(state, p);
    }

    fn take(&self, state: &str) -> Option<Pending> {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending
            .remove(state)
            .filter(|p| p.at.elapsed() < PENDING_FOR)
    }

    /// The highest role `groups` map to.
    fn role_of(&self, groups: &[String]) -> Option<Role> {
        self.config
            .roles
            .iter()
            .filter(|(g, _)| groups.contains(g))
            .map(|(_, r)| *r)
            .max()
    }
}

/// reqwest as the openidconnect crate's HTTP client, answers bounded to `MAX_ANSWER`.
struct Http(reqwest::Client);

impl<'c> AsyncHttpClient<'c> for Http {
    type Error = HttpClientError<reqwest::Error>;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, Self::Error>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let request = reqwest::Request::try_from(request).map_err(Box::new)?;
            let mut response = self.0.execute(request).await.map_err(Box::new)?;
            let mut answer = openidconnect::http::Response::builder().status(response.status());
            for (name, value) in response.headers() {
                answer = answer.header(name, value);
            }
            let body = read_bounded(&mut response).await?;
            answer.body(body).map_err(HttpClientError::Http)
        })
    }
}

/// An answer's body, refused past `MAX_ANSWER`.
async fn read_bounded(
    response: &mut reqwest::Response,
) -> Result<Vec<u8>, HttpClientError<reqwest::Error>> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(Box::new)? {
        if body.len() + chunk.len() > MAX_ANSWER {
            return Err(HttpClientError::Other(format!(
                "the answer is larger than {} KiB",
                MAX_ANSWER >> 10
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(methods))
        .routes(routes!(start))
        .routes(routes!(callback))
}

/// Whether single sign-on is on, for the sign-in page.
#[derive(Debug, Serialize, ToSchema)]
pub struct SsoInfo {
    pub enabled: bool,
    /// The button's words.
    pub label: Option<String>,
    /// Where the button goes: `api/oidc/login`.
    pub login: Option<String>,
}

/// Single sign-on as the sign-in page offers it (anyone may ask).
#[utoipa::path(get, path = "/oidc", tag = "users", responses((status = 200, body = SsoInfo)))]
async fn methods(State(state): State<Arc<AppState>>) -> Json<SsoInfo> {
    Json(match &state.sso {
        Some(s) => SsoInfo {
            enabled: true,
            label: Some(s.config.label.clone()),
            login: Some("api/oidc/login".into()),
        },
        None => SsoInfo {
            enabled: false,
            label: None,
            login: None,
        },
    })
}

/// The redirect URL of this server: as configured, or from the request's scheme and Host.
fn redirect_of(sso: &Sso, headers: &HeaderMap, tls: bool) -> Option<String> {
    if let Some(r) = &sso.config.redirect_url {
        return Some(r.clone());
    }
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    ok.then(|| {
        format!(
            "{}://{host}/api/oidc/callback",
            if tls { "https" } else { "http" }
        )
    })
}

/// Starts a single sign-on: the browser goes to the identity provider (302), with a cookie
/// that ties its return to it.
#[utoipa::path(get, path = "/oidc/login", tag = "users", responses(
    (status = 302, description = "to the identity provider"),
    (status = 404, body = ApiError, description = "single sign-on is off"),
    (status = 502, description = "the identity provider did not answer (a page saying so)"),
))]
async fn start(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let Some(sso) = state.sso.as_ref() else {
        return ApiError::new(StatusCode::NOT_FOUND, "single sign-on is not set up")
            .into_response();
    };
    let Some(redirect) = redirect_of(sso, &headers, state.config.tls.is_some()) else {
        return page(
            StatusCode::BAD_REQUEST,
            "Cannot start single sign-on",
            "The request has no usable Host header; set --oidc-redirect-url.",
        );
    };
    let meta = match sso.metadata(false).await {
        Ok(m) => m,
        Err(e) => {
            return page(
                StatusCode::BAD_GATEWAY,
                "Cannot reach the identity provider",
                &e,
            );
        }
    };
    let Ok(redirect_url) = RedirectUrl::new(redirect.clone()) else {
        return page(
            StatusCode::BAD_REQUEST,
            "Cannot start single sign-on",
            "bad redirect URL",
        );
    };
    let client = CoreClient::from_provider_metadata(
        meta,
        ClientId::new(sso.config.client_id.clone()),
        sso.config.client_secret.clone().map(ClientSecret::new),
    )
    .set_redirect_uri(redirect_url);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut ask = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge);
    for scope in ["profile", "email", "groups"] {
        ask = ask.add_scope(Scope::new(scope.into()));
    }
    let (url, csrf, nonce) = ask.url();
    let state_value = csrf.secret().clone();
    sso.remember(
        state_value.clone(),
        Pending {
            verifier,
            nonce,
            redirect,
            at: Instant::now(),
        },
    );
    let secure = if state.config.tls.is_some() {
        "; Secure"
    } else {
        ""
    };
    // Lax: the provider's redirect back is a top-level navigation from another site.
    let cookie = format!(
        "{STATE_COOKIE}={state_value}; Path=/api/oidc; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        PENDING_FOR.as_secs()
    );
    let mut res = StatusCode::FOUND.into_response();
    if let (Ok(loc), Ok(c)) = (
        HeaderValue::from_str(url.as_str()),
        HeaderValue::from_str(&cookie),
    ) {
        res.headers_mut().insert(header::LOCATION, loc);
        res.headers_mut().insert(header::SET_COOKIE, c);
    }
    res
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct Back {
    code: Option<String>,
    state: Option<String>,
    /// The provider's refusal.
    error: Option<String>,
    error_description: Option<String>,
}

/// A page of the sign-in's end: what happened, in words, and the way back.
fn page(status: StatusCode, title: &str, text: &str) -> Response {
    let mut res = (status, Html(page_html(title, text))).into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static(
            "wirescope_oidc=; Path=/api/oidc; HttpOnly; SameSite=Lax; Max-Age=0",
        ),
    );
    res
}

fn page_html(title: &str, text: &str) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>wirescope: {t}</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:44rem;margin:4rem auto;padding:0 1rem;line-height:1.5}}\
         @media (prefers-color-scheme:dark){{body{{background:#15181c;color:#d3d9df}}a{{color:#5ea2ff}}}}</style></head>\
         <body>\
         <h1 data-testid=\"sso-title\">{t}</h1><p data-testid=\"sso-text\">{x}</p>\
         <p><a href=\"/\" data-testid=\"sso-back\">Back to wirescope's sign-in</a></p></body></html>",
        t = esc(title),
        x = esc(text)
    )
}

/// The groups in a claim's value: a list of names, or one name.
fn groups_in(v: Option<&serde_json::Value>) -> Vec<String> {
    match v {
        Some(serde_json::Value::Array(a)) => a
            .iter()
            .filter_map(|g| g.as_str())
            .take(1000)
            .map(str::to_string)
            .collect(),
        Some(serde_json::Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// The claims of a verified ID token, as JSON (the signature was checked by the crate).
fn payload(id_token: &str) -> Option<serde_json::Value> {
    use data_encoding::BASE64URL_NOPAD;
    let part = id_token.split('.').nth(1)?;
    let bytes = BASE64URL_NOPAD
        .decode(part.trim_end_matches('=').as_bytes())
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The provider sends the browser back here: the code is exchanged (with the PKCE verifier),
/// the ID token checked (signature, issuer, audience, expiry, nonce), the groups mapped to a
/// role, and a session begins. A refusal is a page that says why.
#[utoipa::path(get, path = "/oidc/callback", tag = "users", params(Back), responses(
    (status = 303, description = "signed in: to the dashboard, `Set-Cookie` holds the session"),
    (status = 400, description = "a stale or foreign sign-in (a page saying so)"),
    (status = 403, description = "no group of the user maps to a role, or a local user has the name (a page saying so)"),
    (status = 502, description = "the identity provider failed (a page saying so)"),
))]
async fn callback(
    State(state): State<Arc<AppState>>,
    peer: Option<axum::Extension<crate::conn::Peer>>,
    headers: HeaderMap,
    Query(back): Query<Back>,
) -> Response {
    let Some(sso) = state.sso.as_ref() else {
        return ApiError::new(StatusCode::NOT_FOUND, "single sign-on is not set up")
            .into_response();
    };
    let address = peer.map(|p| p.0.0.ip().to_string()).unwrap_or_default();
    if let Some(err) = back.error {
        let why = back.error_description.unwrap_or_default();
        return page(
            StatusCode::FORBIDDEN,
            "The identity provider refused the sign-in",
            &format!("{err}{}{why}", if why.is_empty() { "" } else { ": " }),
        );
    }
    let stale = || {
        page(
            StatusCode::BAD_REQUEST,
            "This sign-in has expired",
            "It was started more than 10 minutes ago, in another browser, or was already used. Start again from the sign-in page.",
        )
    };
    let (Some(code), Some(st)) = (back.code, back.state) else {
        return stale();
    };
    let cookie = crate::auth::cookie_value(&headers, STATE_COOKIE);
    if cookie.as_deref() != Some(st.as_str()) {
        return stale();
    }
    let Some(pending) = sso.take(&st) else {
        return stale();
    };
    let failed = |e: String| page(StatusCode::BAD_GATEWAY, "Single sign-on failed", &e);
    let meta = match sso.metadata(false).await {
        Ok(m) => m,
        Err(e) => return failed(e),
    };
    let userinfo = meta.userinfo_endpoint().map(|u| u.url().clone());
    let Ok(redirect_url) = RedirectUrl::new(pending.redirect.clone()) else {
        return stale();
    };
    let client = CoreClient::from_provider_metadata(
        meta,
        ClientId::new(sso.config.client_id.clone()),
        sso.config.client_secret.clone().map(ClientSecret::new),
    )
    .set_redirect_uri(redirect_url);
    let request = match client.exchange_code(AuthorizationCode::new(code)) {
        Ok(r) => r,
        Err(e) => return failed(format!("the provider has no token endpoint: {e}")),
    };
    let token = match request
        .set_pkce_verifier(pending.verifier)
        .request_async(&sso.http)
        .await
    {
        Ok(t) => t,
        Err(e) => return failed(format!("the code exchange failed: {}", chain(&e))),
    };
    let Some(id_token) = token.id_token() else {
        return failed("the provider sent no ID token".into());
    };
    let claims = match id_token.claims(&client.id_token_verifier(), &pending.nonce) {
        Ok(c) => c.clone(),
        Err(e) => {
            // new signing keys may have been published: ask for them next time
            let _ = sso.metadata(true).await;
            return failed(format!("the ID token did not verify: {}", chain(&e)));
        }
    };
    let raw = payload(&id_token.to_string()).unwrap_or_default();
    let mut groups = groups_in(raw.get(&sso.config.groups_claim));
    if groups.is_empty()
        && let Some(url) = userinfo
    {
        let asked = sso
            .http
            .0
            .get(url)
            .bearer_auth(token.access_token().secret())
            .send()
            .await;
        if let Ok(mut r) = asked
            && r.status().is_success()
            && let Ok(body) = read_bounded(&mut r).await
            && let Ok(info) = serde_json::from_slice::<serde_json::Value>(&body)
        {
            groups = groups_in(info.get(&sso.config.groups_claim));
        }
    }
    let name = claims
        .preferred_username()
        .map(|u| u.as_str().to_string())
        .or_else(|| claims.email().map(|e| e.as_str().to_string()))
        .unwrap_or_else(|| claims.subject().as_str().to_string());
    if crate::auth::check_name(&name).is_err() {
        return page(
            StatusCode::FORBIDDEN,
            "This identity has no usable user name",
            &format!(
                "The provider names you '{name}': a wirescope user name is 1 to 64 of letters, digits, '.', '_', '-' and '@'."
            ),
        );
    }
    let record = |action: &str, status: u16| {
        crate::audit::record(
            &state,
            &wirescope_store::NewAudit {
                actor: &name,
                via: "sso",
                address: &address,
                action,
                object: "/oidc/callback",
                status,
            },
        );
    };
    let Some(role) = sso.role_of(&groups) else {
        record("login.failed", 403);
        let mapped: Vec<String> = sso
            .config
            .roles
            .iter()
            .map(|(g, r)| format!("{g} → {}", r.as_str()))
            .collect();
        return page(
            StatusCode::FORBIDDEN,
            "Signed in, but not allowed into wirescope",
            &format!(
                "The identity provider signed you in as {name}, but none of your groups ({}) gives a wirescope role. \
                 Groups that do: {}. Ask a wirescope administrator to map one of yours (serve --oidc-role GROUP=ROLE), \
                 or your identity team to add you to one of these groups.",
                if groups.is_empty() {
                    "none".to_string()
                } else {
                    groups.join(", ")
                },
                if mapped.is_empty() {
                    "none".to_string()
                } else {
                    mapped.join(", ")
                },
            ),
        );
    };
    let issuer = sso.config.issuer.clone();
    let store = state.store.clone();
    let (n, r) = (name.clone(), role);
    let user = match tokio::task::spawn_blocking(move || store.sso_user(&n, r, &issuer)).await {
        Ok(Ok(Some(u))) => u,
        Ok(Ok(None)) => {
            record("login.failed", 403);
            return page(
                StatusCode::FORBIDDEN,
                "This name belongs to a local user",
                &format!(
                    "wirescope already has a user '{name}' who signs in with a password; single sign-on does not take over that account. Sign in with the password, or ask an administrator to rename one of the two."
                ),
            );
        }
        Ok(Err(e)) => return failed(e.to_string()),
        Err(e) => return failed(e.to_string()),
    };
    let ip = address
        .parse()
        .unwrap_or(std::net::IpAddr::from([0, 0, 0, 0]));
    let session = match crate::auth::start_session(&state, &user, ip) {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    record("login", 200);
    let mut res = StatusCode::SEE_OTHER.into_response();
    let h = res.headers_mut();
    h.insert(header::LOCATION, HeaderValue::from_static("/#/"));
    h.append(header::SET_COOKIE, session);
    h.append(
        header::SET_COOKIE,
        HeaderValue::from_static(
            "wirescope_oidc=; Path=/api/oidc; HttpOnly; SameSite=Lax; Max-Age=0",
        ),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sso(roles: &[(&str, Role)]) -> Sso {
        Sso::new(OidcConfig {
            issuer: "http://127.0.0.1:9/".into(),
            client_id: "wirescope".into(),
            client_secret: None,
            redirect_url: None,
            groups_claim: "groups".into(),
            roles: roles.iter().map(|(g, r)| (g.to_string(), *r)).collect(),
            label: "SSO".into(),
        })
        .unwrap()
    }

    #[test]
    fn the_highest_mapped_group_gives_the_role() {
        let s = sso(&[
            ("netops", Role::Operator),
            ("noc", Role::Viewer),
            ("neteng", Role::Admin),
        ]);
        let g = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(s.role_of(&g(&["noc", "netops"])), Some(Role::Operator));
        assert_eq!(s.role_of(&g(&["neteng", "noc"])), Some(Role::Admin));
        assert_eq!(s.role_of(&g(&["visitors"])), None);
        assert_eq!(s.role_of(&[]), None);
    }

    #[test]
    fn groups_come_as_a_list_or_one_name() {
        let v: serde_json::Value = serde_json::json!({"a": ["x", 3, "y"], "b": "z", "c": {}});
        assert_eq!(groups_in(v.get("a")), ["x", "y"]);
        assert_eq!(groups_in(v.get("b")), ["z"]);
        assert!(groups_in(v.get("c")).is_empty() && groups_in(v.get("d")).is_empty());
    }

    #[test]
    fn pending_sign_ins_are_bounded_and_used_once() {
        let s = sso(&[]);
        for i in 0..MAX_PENDING + 5 {
            s.remember(
                format!("s{i}"),
                Pending {
                    verifier: PkceCodeVerifier::new("v".into()),
                    nonce: Nonce::new("n".into()),
                    redirect: "http://x/api/oidc/callback".into(),
                    at: Instant::now(),
                },
            );
        }
        assert_eq!(s.pending.lock().unwrap().len(), MAX_PENDING);
        let last = format!("s{}", MAX_PENDING + 4);
        assert!(s.take(&last).is_some());
        assert!(s.take(&last).is_none(), "used once");
        assert!(s.take("nonsense").is_none());
    }

    #[test]
    fn the_redirect_comes_from_the_host_unless_configured() {
        let s = sso(&[]);
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:7878"));
        assert_eq!(
            redirect_of(&s, &h, false).as_deref(),
            Some("http://127.0.0.1:7878/api/oidc/callback")
        );
        h.insert(header::HOST, HeaderValue::from_static("evil/x?"));
        assert_eq!(redirect_of(&s, &h, true), None);
    }

    #[test]
    fn a_refusal_page_escapes_what_it_quotes() {
        let html = page_html("a & b", "groups: <script>alert(\"x\")</script>");
        assert!(html.contains("a &amp; b"));
        assert!(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"));
        assert!(!html.contains("<script>"));
    }
}
