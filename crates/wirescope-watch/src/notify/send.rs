//! Sending one notice: a webhook POST (reqwest on rustls with ring, no redirects followed,
//! signed with HMAC-SHA256 over the timestamp and body when the channel has a secret), or a
//! mail over SMTP (lettre on rustls with ring; STARTTLS, TLS or plain). Errors say what the
//! destination did: refused, timed out, answered HTTP 500, refused the login.

use super::payload::{self, Notice};
use super::{ChannelSpec, SEND_TIMEOUT, SmtpSecurity, WebhookFormat};
use hmac::{Hmac, KeyInit, Mac};
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sha2::Sha256;

/// The signature header: `sha256=` and the hex HMAC-SHA256, keyed by the channel's secret,
/// of the timestamp header's value, a `.`, and the body.
pub const SIGNATURE_HEADER: &str = "X-Wirescope-Signature";
/// Seconds since the epoch when the body was signed (a receiver refuses old ones: replays).
pub const TIMESTAMP_HEADER: &str = "X-Wirescope-Timestamp";

/// The HTTP client webhooks go out through (ring as rustls's provider, the system's roots).
pub fn client() -> Result<reqwest::Client, String> {
    // Another part of the process may have installed it first: either way it is ring.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .user_agent(concat!("wirescope/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .timeout(SEND_TIMEOUT)
        .connect_timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(|e| format!("HTTP client: {}", chain(&e)))
}

/// An error with its causes, as one line.
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let s = c.to_string();
        if !out.contains(&s) {
            out.push_str(": ");
            out.push_str(&s);
        }
        cause = c.source();
    }
    out
}

/// The signature of `body` signed at `timestamp`.
pub fn sign(secret: &str, timestamp: u64, body: &[u8]) -> Result<String, String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .map_err(|e| format!("signing key: {e}"))?;
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Ok(format!(
        "sha256={}",
        data_encoding::HEXLOWER.encode(&mac.finalize().into_bytes())
    ))
}

/// POSTs a notice; any 2xx is delivered.
pub async fn webhook(
    client: &reqwest::Client,
    url: &str,
    format: WebhookFormat,
    secret: Option<&str>,
    notice: &Notice,
) -> Result<(), String> {
    let body = match format {
        WebhookFormat::Json => payload::json_body(notice),
        WebhookFormat::Slack => payload::text_body(notice, "*"),
        WebhookFormat::Mattermost => payload::text_body(notice, "**"),
        WebhookFormat::Teams => payload::teams_body(notice),
    };
    let body = serde_json::to_vec(&body).map_err(|e| e.to_string())?;
    let mut req = client
        .post(url)
        .header("content-type", "application/json")
        .header("X-Wirescope-Event", notice.id.to_string());
    if let Some(secret) = secret.filter(|s| !s.is_empty()) {
        let ts = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        req = req
            .header(TIMESTAMP_HEADER, ts.to_string())
            .header(SIGNATURE_HEADER, sign(secret, ts, &body)?);
    }
    let resp = req.body(body).send().await.map_err(|e| chain(&e))?;
    let status = resp.status();
    if status.is_success() {
        return Ok(());
    }
    let text = resp.text().await.unwrap_or_default();
    let text: String = text.chars().take(200).collect();
    Err(format!(
        "HTTP {status}{}",
        if text.trim().is_empty() {
            String::new()
        } else {
            format!(": {}", text.trim())
        }
    ))
}

/// Mails a notice.
pub async fn email(
    spec: &ChannelSpec,
    password: Option<&str>,
    notice: &Notice,
) -> Result<(), String> {
    let ChannelSpec::Email {
        server,
        port,
        security,
        user,
        from,
        to,
        ..
    } = spec
    else {
        return Err("not a mail channel".into());
    };
    let mut msg = Message::builder()
        .from(payload::mailbox(from)?)
        .subject(payload::subject(notice))
        .header(ContentType::TEXT_PLAIN);
    for t in to {
        msg = msg.to(payload::mailbox(t)?);
    }
    let msg = msg
        .body(payload::mail_text(notice))
        .map_err(|e| format!("the mail: {e}"))?;
    let builder = match security {
        SmtpSecurity::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(server),
        SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(server),
        SmtpSecurity::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
            server,
        )),
    }
    .map_err(|e| format!("{server}: {}", chain(&e)))?;
    let mut builder = builder
        .timeout(Some(SEND_TIMEOUT))
        .port(port.unwrap_or(match security {
            SmtpSecurity::Starttls => 587,
            SmtpSecurity::Tls => 465,
            SmtpSecurity::None => 25,
        }));
    if let Some(user) = user {
        builder = builder.credentials(Credentials::new(
            user.clone(),
            password.unwrap_or_default().to_string(),
        ));
    }
    builder
        .build()
        .send(msg)
        .await
        .map(|_| ())
        .map_err(|e| format!("SMTP {server}: {}", chain(&e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_cover_the_timestamp_and_the_body() {
        // As Python's hmac.new(b'k', b'1700000000.{"a":1}', hashlib.sha256) computes it.
        assert_eq!(
            sign("k", 1_700_000_000, br#"{"a":1}"#).as_deref(),
            Ok("sha256=1b6ad1bc9bf48c52ce01939866d5877c6cc4e87ddad27e16673cb8c4964394a3")
        );
        assert_ne!(
            sign("k", 1_700_000_001, b"x"),
            sign("k", 1_700_000_000, b"x")
        );
    }
}
