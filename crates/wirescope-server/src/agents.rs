//! Remote agents on the server's side: adding, listing and revoking them (`/api/agents`), the
//! WebSocket each agent dials home on (`/api/agent`, its own token as proof), where jobs of its
//! site are handed to it under a lease its messages renew and its results are stored as they
//! come, and the reaper that deals with leases run out.

use crate::AppState;
use crate::error::ApiError;
use axum::Json;
use axum::body::Bytes;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wirescope_runs::remote::{AGENT_JOBS, FromAgent, HeldJob, LOCAL_SITE, MAX_MESSAGE, ToAgent};
use wirescope_store::{AgentRecord, Held, Store, StoreError};

/// What every agent token starts with (API tokens start `wst_`).
pub const AGENT_TOKEN_PREFIX: &str = "wsa_";
/// How long an agent has to say hello once connected.
const HELLO_WAIT: Duration = Duration::from_secs(10);

pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(list, add))
        .routes(routes!(revoke))
        .routes(routes!(connect))
}

/// Checks a site's name: 1 to 64 of letters, digits, `.`, `_`, `-`; `local` is the server.
pub fn check_site(site: &str) -> Result<(), String> {
    if site.is_empty()
        || site.len() > 64
        || !site
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err("a site is 1 to 64 of letters, digits, '.', '_' and '-'".into());
    }
    if site == LOCAL_SITE {
        return Err(format!(
            "'{LOCAL_SITE}' is the server itself: give the agent's site another name"
        ));
    }
    Ok(())
}

/// Adds an agent of `site` and makes its token: the only time the token is seen (the store
/// keeps its SHA-256). The name and site are checked by the caller ([`check_site`],
/// `check_user_name`).
pub fn mint(store: &Store, name: &str, site: &str) -> Result<(AgentRecord, String), StoreError> {
    let token = format!("{AGENT_TOKEN_PREFIX}{}", crate::random_hex(24));
    let agent = store.add_agent(name, site, &crate::auth::sha256_hex(&token))?;
    Ok((agent, token))
}

/// An agent to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAgent {
    /// 1 to 64 of letters, digits, `.`, `_`, `-`, `@`.
    pub name: String,
    /// The site it probes from: runs "from" this site are its jobs.
    pub site: String,
}

/// An agent just added: the only time its token is shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgentMade {
    #[serde(flatten)]
    pub agent: AgentRecord,
    /// What the agent dials home with (`wirescope agent --token`); not kept, not shown again.
    pub token: String,
}

/// An agent as listed, with whether it is connected now.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgentListed {
    #[serde(flatten)]
    pub agent: AgentRecord,
    /// Connected to a server now (one of those sharing the database).
    pub online: bool,
}

/// The agents and the sites they probe from.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgentList {
    pub agents: Vec<AgentListed>,
    /// The sites a run can be made from: `local` (this server) and each site with an agent
    /// that is not revoked.
    pub sites: Vec<String>,
}

/// List the agents.
#[utoipa::path(get, path = "/agents", tag = "agents", responses(
    (status = 200, body = AgentList, description = "the agents, by site and name"),
))]
async fn list(State(state): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let store = state.store.clone();
    let agents = tokio::task::spawn_blocking(move || store.agents())
        .await
        .map_err(ApiError::internal)??;
    let now = wirescope_store::now_ms();
    let mut sites = vec![LOCAL_SITE.to_string()];
    for a in &agents {
        if a.revoked_at.is_none() && !sites.contains(&a.site) {
            sites.push(a.site.clone());
        }
    }
    let agents = agents
        .into_iter()
        .map(|agent| AgentListed {
            online: agent.instance.is_some()
                && agent
                    .last_seen
                    .is_some_and(|t| now - t < wirescope_store::INSTANCE_TTL_MS),
            agent,
        })
        .collect();
    Ok(Json(AgentList { agents, sites }).into_response())
}

/// Add an agent (its token is in the answer, once).
#[utoipa::path(post, path = "/agents", tag = "agents", request_body = NewAgent, responses(
    (status = 201, body = AgentMade, description = "added; give the token to `wirescope agent`"),
    (status = 400, body = ApiError, description = "`field` names the bad one (name, site)"),
    (status = 409, body = ApiError, description = "the name is taken, or 1,000 agents exist"),
))]
async fn add(State(state): State<Arc<AppState>>, body: Bytes) -> Result<Response, ApiError> {
    let ask: NewAgent = crate::error::json_body(&body)?;
    crate::auth::check_name(&ask.name)
        .map_err(|m| ApiError::field("name", m.replace("user name", "agent name")))?;
    check_site(&ask.site).map_err(|m| ApiError::field("site", m))?;
    let store = state.store.clone();
    let made = tokio::task::spawn_blocking(move || {
        mint(&store, &ask.name, &ask.site).map(|(agent, token)| AgentMade { agent, token })
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(|e| match e {
        StoreError::AgentExists(_) | StoreError::TooManyAgents(_) => {
            ApiError::new(StatusCode::CONFLICT, e.to_string())
        }
        e => ApiError::from(e),
    })?;
    Ok((StatusCode::CREATED, Json(made)).into_response())
}

/// Revoke an agent's token: it is refused from now on (connected, it is cut off at its next
/// message); its jobs go back to the queue when their lease runs out.
#[utoipa::path(delete, path = "/agents/{name}", tag = "agents", params(("name" = String, Path)), responses(
    (status = 204, description = "revoked"),
    (status = 404, body = ApiError, description = "no such agent, or revoked already"),
))]
async fn revoke(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let store = state.store.clone();
    let done = tokio::task::spawn_blocking(move || store.revoke_agent(&name))
        .await
        .map_err(ApiError::internal)??;
    if !done {
        return Err(ApiError::not_found("agent"));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The WebSocket an agent dials home on (`Authorization: Bearer wsa_...`, the agent's own
/// token; sessions and API tokens are not taken). JSON messages: the agent's `hello`,
/// `results` and `end`; the server's `welcome`, `job`, `ack`, `ended`, `cancel`, `drop` and
/// `refused`.
#[utoipa::path(get, path = "/agent", tag = "agents", responses(
    (status = 101, description = "switching protocols"),
    (status = 401, body = ApiError, description = "no agent token, an unknown one, or a revoked one"),
))]
async fn connect(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let token = crate::token_of(&headers, None)
        .filter(|t| t.starts_with(AGENT_TOKEN_PREFIX))
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                format!(
                    "an agent gives its own token (Authorization: Bearer \
                     {AGENT_TOKEN_PREFIX}...; wirescope agents add makes one)"
                ),
            )
        })?;
    let store = state.store.clone();
    let hash = crate::auth::sha256_hex(&token);
    let agent = tokio::task::spawn_blocking(move || store.agent_by_token(&hash))
        .await
        .map_err(ApiError::internal)??
        .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "unknown agent token"))?;
    if agent.revoked_at.is_some() {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            format!("agent '{}' was revoked: its token is refused", agent.name),
        ));
    }
    Ok(ws
        .max_message_size(MAX_MESSAGE)
        .max_frame_size(MAX_MESSAGE)
        .on_upgrade(move |socket| async move {
            let _counted = crate::metrics::Connected::new(&state);
            session(state, agent, socket).await
        }))
}

/// Runs a store call off the async workers.
async fn blocking<T: Send + 'static>(
    store: &Arc<Store>,
    f: impl FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, String> {
    let store = store.clone();
    match tokio::task::spawn_blocking(move || f(&store)).await {
        Ok(r) => r.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    }
}

/// Runs a store write off the async workers, again (100 ms to 2 s apart) while the database
/// is away, for up to [`wirescope_runs::STORE_RETRY`]: an agent's results wait out a database
/// restart rather than the agent sending them all again.
async fn stored<T: Send + 'static>(
    store: &Arc<Store>,
    f: impl Fn(&Store) -> Result<T, StoreError> + Send + Sync + 'static,
) -> Result<T, String> {
    let f = Arc::new(f);
    let deadline = tokio::time::Instant::now() + wirescope_runs::STORE_RETRY;
    let mut pause = Duration::from_millis(100);
    loop {
        let (store, f) = (store.clone(), f.clone());
        match tokio::task::spawn_blocking(move || f(&store)).await {
            Ok(Err(e)) if e.is_transient() && tokio::time::Instant::now() + pause < deadline => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(2));
            }
            Ok(r) => return r.map_err(|e| e.to_string()),
            Err(e) => return Err(e.to_string()),
        }
    }
}

/// One connected agent.
struct Session {
    state: Arc<AppState>,
    agent: AgentRecord,
    lease_ms: i64,
    /// The jobs it holds, by id.
    held: HashMap<i64, HeldJob>,
    /// Of those, the ones it was told to cancel.
    cancelling: HashSet<i64>,
    out: futures::stream::SplitSink<WebSocket, Message>,
}

impl Session {
    async fn send(&mut self, msg: ToAgent) -> Result<(), ()> {
        self.out
            .send(Message::Text(msg.text().into()))
            .await
            .map_err(|_| ())
    }

    fn holding(&self, h: HeldJob) -> Held {
        Held {
            job: h.job,
            agent: self.agent.id,
            attempt: h.attempt,
        }
    }

    async fn drop_job(&mut self, h: HeldJob, reason: &str) -> Result<(), ()> {
        self.held.remove(&h.job);
        self.cancelling.remove(&h.job);
        self.send(ToAgent::Drop {
            job: h.job,
            attempt: h.attempt,
            reason: reason.into(),
        })
        .await
    }

    /// Renews the lease of every job held; asks to cancel those someone cancelled; takes more
    /// jobs of the site while there is room.
    async fn look(&mut self) -> Result<(), ()> {
        let store = &self.state.store.clone();
        let held: Vec<HeldJob> = self.held.values().copied().collect();
        for h in held {
            let (held, lease) = (self.holding(h), self.lease_ms);
            match blocking(store, move |s| s.resume_job(held, lease)).await {
                Ok(true) => {}
                Ok(false) => self.drop_job(h, GONE).await?,
                Err(_) => return Ok(()),
            }
        }
        let agent = self.agent.id;
        if let Ok(cancel) = blocking(store, move |s| s.jobs_to_cancel(agent)).await {
            for job in cancel {
                if let Some(h) = self.held.get(&job).copied()
                    && self.cancelling.insert(job)
                {
                    self.send(ToAgent::Cancel {
                        job,
                        attempt: h.attempt,
                    })
                    .await?;
                }
            }
        }
        while self.held.len() < AGENT_JOBS {
            let (site, lease) = (self.agent.site.clone(), self.lease_ms);
            let Ok(Some(job)) = blocking(store, move |s| s.claim_job(&site, agent, lease)).await
            else {
                break;
            };
            let h = HeldJob {
                job: job.id,
                attempt: job.attempts,
            };
            let request = RawValue::from_string(job.request).unwrap_or_else(|_| empty());
            self.held.insert(job.id, h);
            self.send(ToAgent::Job {
                job: job.id,
                attempt: job.attempts,
                run: job.run_id,
                request,
            })
            .await?;
        }
        Ok(())
    }

    async fn heard(&mut self, msg: FromAgent) -> Result<(), ()> {
        let store = self.state.store.clone();
        match msg {
            FromAgent::Hello { .. } => Ok(()),
            FromAgent::Host { sample } => {
                if let Err(e) = self.state.host.agent_sample(&self.agent.name, sample.get()) {
                    eprintln!("wirescope: agent '{}': {e}", self.agent.name);
                }
                Ok(())
            }
            FromAgent::Results {
                job,
                attempt,
                upto,
                results,
            } => {
                let h = HeldJob { job, attempt };
                let held = self.holding(h);
                let kept = stored(&store, move |s| {
                    let rows: Vec<(i64, &str, &str)> = results
                        .iter()
                        .map(|r| (r.seq, r.target.as_str(), r.data.get()))
                        .collect();
                    s.append_agent_results(held, &rows)
                })
                .await;
                match kept {
                    Ok(Some(a)) if a.complete => {
                        self.send(ToAgent::Ack { job, attempt, upto }).await
                    }
                    // Results skipped over: the agent sends again from what was acknowledged,
                    // on the next connection.
                    Ok(Some(_)) => Err(()),
                    Ok(None) => self.drop_job(h, GONE).await,
                    // Not acknowledged: the connection ends, and the agent sends them again
                    // on the next.
                    Err(e) => {
                        eprintln!("wirescope: results of agent '{}': {e}", self.agent.name);
                        Err(())
                    }
                }
            }
            FromAgent::End {
                job,
                attempt,
                status,
                summary,
                error,
            } => {
                let h = HeldJob { job, attempt };
                let held = self.holding(h);
                let ended = stored(&store, move |s| {
                    s.end_agent_job(
                        held,
                        status,
                        summary.as_ref().map(|s| s.get()),
                        error.as_deref(),
                    )
                })
                .await;
                match ended {
                    Ok(true) => {
                        self.held.remove(&job);
                        self.cancelling.remove(&job);
                        self.send(ToAgent::Ended { job, attempt }).await?;
                        self.look().await
                    }
                    Ok(false) => self.drop_job(h, GONE).await,
                    Err(e) => {
                        eprintln!("wirescope: end from agent '{}': {e}", self.agent.name);
                        Err(())
                    }
                }
            }
        }
    }
}

const GONE: &str = "its lease ran out and it went back to the queue";

fn empty() -> Box<RawValue> {
    RawValue::from_string("{}".into()).unwrap_or_else(|_| Box::<RawValue>::default())
}

async fn next_message(rx: &mut futures::stream::SplitStream<WebSocket>) -> Option<String> {
    loop {
        match rx.next().await? {
            Ok(Message::Text(t)) => return Some(t.to_string()),
            Ok(Message::Binary(_) | Message::Close(_)) | Err(_) => return None,
            Ok(Message::Ping(_) | Message::Pong(_)) => {}
        }
    }
}

async fn session(state: Arc<AppState>, agent: AgentRecord, socket: WebSocket) {
    let (out, mut rx) = socket.split();
    let lease_ms = state.config.agent_lease.as_millis() as i64;
    let mut s = Session {
        state: state.clone(),
        agent,
        lease_ms,
        held: HashMap::new(),
        cancelling: HashSet::new(),
        out,
    };
    let hello = match tokio::time::timeout(HELLO_WAIT, next_message(&mut rx)).await {
        Ok(Some(text)) => serde_json::from_str::<FromAgent>(&text).map_err(|e| e.to_string()),
        Ok(None) => return,
        Err(_) => Err(format!("no hello within {} s", HELLO_WAIT.as_secs())),
    };
    let (site, version, capabilities, holding) = match hello {
        Ok(FromAgent::Hello {
            site,
            version,
            capabilities,
            holding,
        }) => (site, version, capabilities, holding),
        Ok(_) => return refuse(s, "hello", "the first message is the agent's hello").await,
        Err(e) => return refuse(s, "hello", &format!("a bad hello: {e}")).await,
    };
    if site != s.agent.site {
        let m = format!(
            "this token is agent '{}''s, of site '{}': it cannot probe for site '{site}'",
            s.agent.name, s.agent.site
        );
        return refuse(s, "wrong_site", &m).await;
    }
    let store = state.store.clone();
    let (id, instance) = (s.agent.id, store.instance().to_string());
    let caps = serde_json::to_string(&capabilities).ok();
    let seen = {
        let instance = instance.clone();
        blocking(&store, move |st| {
            st.agent_seen(id, Some(&instance), Some(&version), caps.as_deref())
        })
        .await
    };
    if seen.is_err() {
        return refuse(
            s,
            "store",
            "the server cannot reach its database now; try again",
        )
        .await;
    }
    let welcome = ToAgent::Welcome {
        agent: s.agent.name.clone(),
        site: s.agent.site.clone(),
        lease_ms,
    };
    if s.send(welcome).await.is_err() {
        return;
    }
    // What it held from before is its own still, unless the lease ran out and it went to the
    // queue again.
    s.held = holding.into_iter().map(|h| (h.job, h)).collect();
    let mut notices = store.notices();
    let mut tick = tokio::time::interval(Duration::from_millis((lease_ms / 3).max(200) as u64));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let step = tokio::select! {
            m = next_message(&mut rx) => match m {
                None => break,
                Some(text) => match serde_json::from_str::<FromAgent>(&text) {
                    Ok(msg) => s.heard(msg).await,
                    Err(e) => {
                        let m = format!("a message that cannot be read: {e}");
                        return refuse(s, "message", &m).await;
                    }
                },
            },
            _ = tick.tick() => {
                let instance = instance.clone();
                let valid = blocking(&store, move |st| st.agent_seen(id, Some(&instance), None, None));
                if valid.await == Ok(false) {
                    let m = format!("agent '{}' was revoked", s.agent.name);
                    return refuse(s, "revoked", &m).await;
                }
                s.look().await
            }
            n = notices.recv() => match n {
                Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                    notices = store.notices();
                    Ok(())
                }
                _ => s.look().await,
            },
        };
        if step.is_err() {
            break;
        }
    }
    let _ = blocking(&store, move |st| st.agent_seen(id, None, None, None)).await;
}

async fn refuse(mut s: Session, code: &str, message: &str) {
    let _ = s
        .send(ToAgent::Refused {
            code: code.into(),
            message: message.into(),
        })
        .await;
    let _ = s.out.close().await;
}

/// Deals with the jobs whose lease ran out, every quarter lease: re-queued, or their runs
/// ended interrupted with what arrived (every server sharing the database does this; each
/// job is dealt with once).
pub(crate) fn spawn_reaper(state: &Arc<AppState>) {
    let store = state.store.clone();
    let every = (state.config.agent_lease / 4).max(Duration::from_millis(250));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let _ = blocking(&store, |s| s.reap_jobs(wirescope_store::now_ms())).await;
        }
    });
}
