//! Notification channels and their delivery. A channel is a webhook (a documented JSON body,
//! or Slack, Mattermost or Teams payloads; an HMAC-SHA256 signature header when it has a
//! secret) or a mailbox (SMTP with STARTTLS, TLS or none, with a login). Their URLs, signing
//! secrets and passwords live in the secret store, not the database. Deliveries wait in the
//! store's outbox; the `Notifier` sends what is due, several at once and each within a time
//! limit, and retries with backoff, so a dead destination never holds the scheduler or the
//! other channels.

pub mod payload;
pub mod send;

use crate::spec::{SuiteError, check_label};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use wirescope_store::{DELIVERY_ATTEMPTS, Delivery, Store, StoreError, now_ms};

/// The secret-store key of a channel's secret `field` (url, secret, password).
pub fn secret_key(channel: &str, field: &str) -> String {
    format!("channel:{channel}/{field}")
}

/// The prefix of every secret of a channel.
pub fn secret_prefix(channel: &str) -> String {
    format!("channel:{channel}/")
}

/// Reads a secret by key from the secret store; the error says why the store cannot.
pub type Secrets = Arc<dyn Fn(&str) -> Result<Option<String>, String> + Send + Sync>;

/// What a webhook's body looks like.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WebhookFormat {
    /// wirescope's own body (documented in README): `{"version": 1, "event": {...}}`.
    #[default]
    Json,
    /// A Slack incoming webhook (`text` with mrkdwn).
    Slack,
    /// A Mattermost incoming webhook (`text` with Markdown).
    Mattermost,
    /// A Microsoft Teams workflow webhook (an Adaptive Card).
    Teams,
}

/// How an SMTP connection is secured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Plain, then STARTTLS (required); port 587 by default.
    #[default]
    Starttls,
    /// TLS from the first byte; port 465 by default.
    Tls,
    /// No encryption (a relay on the same host); port 25 by default. No login is sent.
    None,
}

/// A channel's settings, as given (secrets included) and as stored and shown (the secrets
/// taken out to the secret store, the URL shown without its path).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ChannelSpec {
    Webhook {
        /// http:// or https://. Kept in the secret store (Slack and Teams URLs carry their
        /// token); left out on a replace, the stored one stays.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(write_only)]
        url: Option<String>,
        /// The URL's scheme and host, as shown (filled in by the server).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        shown: Option<String>,
        #[serde(default)]
        format: WebhookFormat,
        /// Signs each body with HMAC-SHA256 (`X-Wirescope-Signature`); kept in the secret
        /// store. Left out on a replace, the stored one stays; `""` removes it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(write_only)]
        secret: Option<String>,
        /// Whether a signing secret is set (filled in by the server).
        #[serde(default)]
        signed: bool,
    },
    Email {
        /// The SMTP server's host name or address.
        server: String,
        /// Default: 587 (starttls), 465 (tls), 25 (none).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        port: Option<u16>,
        #[serde(default)]
        security: SmtpSecurity,
        /// The login; none: no authentication.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user: Option<String>,
        /// The login's password, kept in the secret store; left out on a replace, the stored
        /// one stays.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(write_only)]
        password: Option<String>,
        /// The sender address (`wirescope@example.net` or `Name <addr>`).
        from: String,
        /// Recipients, 1 to 50.
        to: Vec<String>,
    },
}

/// Recipients of one mail channel, at most.
pub const MAX_RECIPIENTS: usize = 50;
/// Bytes of a URL, at most.
const MAX_URL: usize = 2048;

impl ChannelSpec {
    /// Checks what serde cannot; errors name the field. A webhook must come with its URL
    /// unless `replacing` (the stored one stays).
    pub fn check(&self, replacing: bool) -> Result<(), SuiteError> {
        match self {
            ChannelSpec::Webhook { url, .. } => match url {
                Some(u) => check_url(u).map(|_| ()),
                None if replacing => Ok(()),
                None => Err(SuiteError::new("url", "a webhook needs its url")),
            },
            ChannelSpec::Email {
                server,
                security,
                user,
                from,
                to,
                ..
            } => {
                if server.trim().is_empty()
                    || server.len() > 253
                    || server.contains(char::is_whitespace)
                {
                    return Err(SuiteError::new("server", "a host name or address"));
                }
                if *security == SmtpSecurity::None && user.is_some() {
                    return Err(SuiteError::new(
                        "user",
                        "a login is never sent unencrypted: use security starttls or tls",
                    ));
                }
                payload::mailbox(from).map_err(|e| SuiteError::new("from", e))?;
                if to.is_empty() || to.len() > MAX_RECIPIENTS {
                    return Err(SuiteError::new(
                        "to",
                        format!("1 to {MAX_RECIPIENTS} recipients"),
                    ));
                }
                for (i, t) in to.iter().enumerate() {
                    payload::mailbox(t).map_err(|e| SuiteError::new(format!("to[{i}]"), e))?;
                }
                Ok(())
            }
        }
    }
}

/// Checks a webhook URL; returns how it is shown (scheme and host, no path: the path may be a
/// token).
pub fn check_url(url: &str) -> Result<String, SuiteError> {
    let bad = |m: &str| SuiteError::new("url", m.to_string());
    if url.len() > MAX_URL {
        return Err(bad("2048 bytes at most"));
    }
    let parsed = reqwest::Url::parse(url).map_err(|e| bad(&format!("'{url}': {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(bad(&format!(
            "'{}:' is not http(s): a webhook is an http:// or https:// URL",
            parsed.scheme()
        )));
    }
    let host = parsed.host_str().ok_or_else(|| bad("no host"))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(bad(
            "no user or password in the URL: sign with a secret instead",
        ));
    }
    Ok(match parsed.port() {
        Some(p) => format!("{}://{host}:{p}/…", parsed.scheme()),
        None => format!("{}://{host}/…", parsed.scheme()),
    })
}

/// Checks a channel's name as suites name it.
pub fn check_name(name: &str) -> Result<(), SuiteError> {
    check_label("name", "channel name", name)
}

/// Sends what waits in the outbox.
pub struct Notifier {
    store: Arc<Store>,
    secrets: Secrets,
    client: reqwest::Client,
    wake: Notify,
    /// The first retry's wait; each next waits three times longer.
    retry: Duration,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier")
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

/// Deliveries in flight at once, at most.
const IN_FLIGHT: usize = 16;
/// The longest one delivery may take.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(15);

impl Notifier {
    /// `retry` is the wait before the first retry (then ×3 each time).
    pub fn new(store: Arc<Store>, secrets: Secrets, retry: Duration) -> Result<Self, String> {
        Ok(Notifier {
            store,
            secrets,
            client: send::client()?,
            wake: Notify::new(),
            retry,
        })
    }

    /// Tells the loop deliveries were added.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Sends due deliveries, for as long as the server runs.
    pub async fn run(self: Arc<Self>) {
        loop {
            let next = match self.pass().await {
                Ok(next) => next,
                Err(e) => {
                    eprintln!("wirescope: notifications: {e}");
                    None
                }
            };
            let wait = next
                .map(|at| Duration::from_millis((at - now_ms()).max(0) as u64))
                .unwrap_or(Duration::from_secs(30))
                .min(Duration::from_secs(30));
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// Sends what is due now, at most `IN_FLIGHT` at once; returns when the next is due.
    async fn pass(&self) -> Result<Option<i64>, StoreError> {
        loop {
            let due = self.store.deliveries_due(now_ms(), IN_FLIGHT as i64)?;
            if due.is_empty() {
                return self.store.next_delivery();
            }
            let sends = due.into_iter().map(|d| async move {
                let outcome = tokio::time::timeout(SEND_TIMEOUT, self.deliver(&d))
                    .await
                    .unwrap_or_else(|_| {
                        Err(format!("no answer within {} s", SEND_TIMEOUT.as_secs()))
                    });
                (d, outcome)
            });
            for (d, outcome) in futures::future::join_all(sends).await {
                let (sent, error, retry_at) = match outcome {
                    Ok(()) => (true, None, None),
                    Err(e) => {
                        let attempts = d.attempts + 1;
                        let retry_at = (attempts < DELIVERY_ATTEMPTS).then(|| {
                            now_ms()
                                + self.retry.as_millis() as i64 * 3_i64.pow(attempts as u32 - 1)
                        });
                        (false, Some(e), retry_at)
                    }
                };
                self.store
                    .delivery_attempted(d.id, sent, error.as_deref(), retry_at)?;
            }
        }
    }

    async fn deliver(&self, d: &Delivery) -> Result<(), String> {
        let store = self.store.clone();
        let (event, channel) = {
            let (id, name) = (d.event_id, d.channel.clone());
            tokio::task::spawn_blocking(move || {
                Ok::<_, StoreError>((store.alert_event(id)?, store.channel(&name)?))
            })
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?
        };
        let event = event.ok_or("the event is gone")?;
        let channel = channel.ok_or_else(|| format!("no channel named '{}'", d.channel))?;
        let spec: ChannelSpec =
            serde_json::from_str(channel.spec.get()).map_err(|e| format!("stored channel: {e}"))?;
        self.send(&channel.name, &spec, &payload::Notice::of(&event))
            .await
    }

    /// Sends one notice to a channel now (a delivery, or a test from the API).
    pub async fn send(
        &self,
        name: &str,
        spec: &ChannelSpec,
        notice: &payload::Notice,
    ) -> Result<(), String> {
        let secrets = self.secrets.clone();
        let name = name.to_string();
        let secret = move |field: &str| {
            let (secrets, key) = (secrets.clone(), secret_key(&name, field));
            async move {
                tokio::task::spawn_blocking(move || secrets(&key))
                    .await
                    .map_err(|e| e.to_string())?
            }
        };
        match spec {
            ChannelSpec::Webhook { format, .. } => {
                let url = secret("url")
                    .await?
                    .ok_or("the webhook's URL is not in the secret store")?;
                let key = secret("secret").await?;
                send::webhook(&self.client, &url, *format, key.as_deref(), notice).await
            }
            ChannelSpec::Email { .. } => {
                let password = secret("password").await?;
                send::email(spec, password.as_deref(), notice).await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_name_the_field_at_fault() {
        assert_eq!(
            check_url("https://hooks.slack.com/services/T0/B0/secret").unwrap(),
            "https://hooks.slack.com/…"
        );
        assert_eq!(
            check_url("http://127.0.0.1:9000/hook").unwrap(),
            "http://127.0.0.1:9000/…"
        );
        assert_eq!(
            check_url("ftp://example.net/x").unwrap_err().to_string(),
            "url: 'ftp:' is not http(s): a webhook is an http:// or https:// URL"
        );
        assert!(
            check_url("hooks.slack.com/x")
                .unwrap_err()
                .to_string()
                .starts_with("url: 'hooks.slack.com/x': ")
        );
        assert!(check_url("https://user:pw@example.net/").is_err());
        let mail = |json: serde_json::Value| -> Result<(), String> {
            let spec: ChannelSpec = serde_json::from_value(json).map_err(|e| e.to_string())?;
            spec.check(false).map_err(|e| e.to_string())
        };
        let ok = serde_json::json!({"type": "email", "server": "mx.lab", "from": "ws@lab", "to": ["noc@lab"]});
        assert_eq!(mail(ok), Ok(()));
        assert_eq!(
            mail(
                serde_json::json!({"type": "email", "server": "mx.lab", "security": "none", "user": "u", "from": "ws@lab", "to": ["noc@lab"]})
            ),
            Err("user: a login is never sent unencrypted: use security starttls or tls".into())
        );
        assert_eq!(
            mail(
                serde_json::json!({"type": "email", "server": "mx.lab", "from": "ws@lab", "to": ["not an address"]})
            ),
            Err("to[0]: 'not an address' is not a mail address".into())
        );
        assert_eq!(
            mail(serde_json::json!({"type": "webhook"})),
            Err("url: a webhook needs its url".into())
        );
    }
}
