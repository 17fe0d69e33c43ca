//! `wirescope serve`: the dashboard server with its flags.

use crate::{Failure, cli};
use std::io::Write;
use std::process::ExitCode;
use wirescope_store::Location;

pub(crate) async fn serve(a: cli::ServeArgs) -> Result<ExitCode, Failure> {
    let mut token = a.token;
    if token.is_none() && !a.listen.ip().is_loopback() {
        let t = wirescope_server::generate_token();
        eprintln!("wirescope: listening off loopback: generated access token {t}");
        token = Some(t);
    }
    if let Some(hex) = &a.trap_engine_id {
        wirescope_snmp::trap::parse_hex(hex)
            .map_err(|e| Failure::Usage(format!("--trap-engine-id: {e}")))?;
    }
    let db = match crate::history::location(a.db.as_deref()) {
        Location::Postgres { url, .. } => Location::Postgres { url, ca: a.db_ca },
        sqlite => sqlite,
    };
    let config = wirescope_server::ServerConfig {
        listen: a.listen,
        files: a.files.unwrap_or_else(|| match &db {
            Location::Sqlite(path) => path
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .map_or_else(
                    || std::path::PathBuf::from("."),
                    std::path::Path::to_path_buf,
                ),
            Location::Postgres { .. } => wirescope_store::default_files(),
        }),
        db,
        token: token.clone(),
        max_runs: a.max_runs.max(1),
        max_targets: a.max_targets,
        ssh_idle_timeout: a.ssh_idle_timeout,
        max_connections: a.max_connections as usize,
        header_timeout: a.header_timeout,
        idle_timeout: a.idle_timeout,
        capture_memory: usize::try_from(a.capture_memory).unwrap_or(usize::MAX),
        max_captures: a.max_captures as usize,
        max_uploads: a.max_uploads as usize,
        capture_keep: wirescope_server::traffic::KeepConfig {
            bytes: a.capture_keep,
            age: a.capture_keep_age,
            rotation: wirescope_traffic::record::Rotation {
                max_bytes: a.capture_rotate_size,
                max_age_ms: Some(a.capture_rotate_every.as_millis() as i64),
            },
        },
        retention: wirescope_watch::Retention {
            samples: a.trend_samples,
            rollups: a.trend_rollups,
        },
        notify_retry: a.notify_retry,
        traps: wirescope_server::traps::TrapFlags {
            listen: a.traps,
            netns: a.trap_netns,
            communities: a.trap_community,
            profiles: a.trap_profile,
            engine_id: a.trap_engine_id,
            engine_state: None,
        },
        trap_retention: a.trap_retention,
        diagnostics_keep: a.diagnostics_keep as usize,
        diagnostics_capture: a.diagnostics_capture,
        session_idle: a.session_idle,
        audit_retention: a.audit_retention,
        agent_lease: a.agent_lease,
        anon_key: a.anon_key,
        session_max: a.session_max,
        tls: match (a.tls_cert, a.tls_key, a.tls_self_signed) {
            (Some(cert), Some(key), _) => Some(wirescope_server::TlsSource::Files { cert, key }),
            (_, _, true) => Some(wirescope_server::TlsSource::SelfSigned),
            _ => None,
        },
        oidc: a
            .oidc_issuer
            .map(|issuer| wirescope_server::oidc::OidcConfig {
                issuer,
                client_id: a.oidc_client_id.unwrap_or_default(),
                client_secret: std::env::var("WIRESCOPE_OIDC_CLIENT_SECRET")
                    .ok()
                    .filter(|s| !s.is_empty()),
                redirect_url: a.oidc_redirect_url,
                groups_claim: a.oidc_groups_claim,
                roles: a.oidc_role,
                label: a.oidc_label,
            }),
        ..Default::default()
    };
    let db = config.db.clone();
    wirescope_server::serve(config, |ready| {
        let (addr, tls) = (ready.addr, ready.tls);
        let host = if addr.ip().is_unspecified() {
            "127.0.0.1".to_string()
        } else {
            addr.ip().to_string()
        };
        let host = if addr.is_ipv6() {
            format!("[{host}]")
        } else {
            host
        };
        let query = token
            .as_deref()
            .map(|t| {
                let encoded: String = form_urlencoded::byte_serialize(t.as_bytes()).collect();
                format!("/?token={encoded}")
            })
            .unwrap_or_else(|| "/".into());
        // A closed standard output (a supervisor, a test that read the first line) must not stop the server.
        let mut out = std::io::stdout().lock();
        let scheme = if tls.is_some() { "https" } else { "http" };
        let _ = writeln!(
            out,
            "wirescope dashboard: open {scheme}://{host}:{}{query}",
            addr.port()
        );
        if let Some(t) = tls {
            let _ = writeln!(
                out,
                "TLS certificate {}{}, SHA-256 fingerprint {}",
                t.cert.display(),
                if t.made { " (made now)" } else { "" },
                t.fingerprint
            );
        }
        let _ = writeln!(out, "history: {db}");
        if let Some(code) = ready.setup {
            let _ = writeln!(
                out,
                "no users yet: to require sign-in, create the first admin at {scheme}://{host}:{}/#/setup/{code} (this code works once; or `wirescope users add`)",
                addr.port()
            );
        }
        let _ = out.flush();
    })
    .await
    .map_err(|e| Failure::Runtime(e.to_string()))?;
    Ok(ExitCode::SUCCESS)
}
