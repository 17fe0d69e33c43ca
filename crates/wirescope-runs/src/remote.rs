//! Runs made by remote agents: what a server and an agent say to each other over the agent's
//! WebSocket (JSON text frames, one message each, named by its one key: `{"results": {...}}`,
//! so results and jobs pass through as raw JSON), the job a run becomes for an agent, and the
//! agent's side of a job: the engine's results written to the agent's spool first, sent from
//! there, dropped once the server acknowledged them.

use crate::engine::{ProbeOptions, RunRequest};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::net::IpAddr;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use wirescope_net::NetOptions;
use wirescope_probe::targets::{Host, Target};
use wirescope_store::{RunStatus, Spool, SpooledEnd, SpooledJob, StoreError};

/// The site that means the server itself, in a run's "run from".
pub const LOCAL_SITE: &str = "local";
/// The agent's WebSocket, under the server's `/api`.
pub const AGENT_PATH: &str = "/api/agent";
/// The largest message either side sends (a batch of results, a job of 1,000,000 targets).
pub const MAX_MESSAGE: usize = 64 << 20;
/// Results sent in one message at most.
pub const SEND_BATCH: usize = 500;
/// Jobs an agent makes at once.
pub const AGENT_JOBS: usize = 4;

/// A run as an agent receives it: the probe with its secrets, the network options, and the
/// targets already expanded by the server.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobRequest {
    pub probe: ProbeOptions,
    pub net: NetOptions,
    pub targets: Vec<JobTarget>,
    /// An SNMP run's credential profiles, as the server resolved them (the options never
    /// carry them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub snmp_credentials: Vec<JobCredential>,
}

/// One SNMP credential profile, resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobCredential {
    pub label: String,
    pub version: wirescope_snmp::SnmpVersion,
    pub community: String,
    pub user: Option<String>,
    pub level: Option<wirescope_snmp::SecurityLevel>,
    pub auth_protocol: Option<wirescope_snmp::AuthProtocol>,
    pub auth_password: Option<String>,
    pub priv_protocol: Option<wirescope_snmp::PrivProtocol>,
    pub priv_password: Option<String>,
}

/// One target: as written, and the address or name to probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobTarget {
    pub spec: String,
    pub host: String,
}

impl JobRequest {
    /// The job of a run request.
    pub fn of(req: &RunRequest) -> Self {
        JobRequest {
            probe: req.probe.clone(),
            net: req.net.clone(),
            targets: req
                .targets
                .iter()
                .map(|t| JobTarget {
                    spec: t.spec.clone(),
                    host: match &t.host {
                        Host::Ip(ip) => ip.to_string(),
                        Host::Name(n) => n.clone(),
                    },
                })
                .collect(),
            snmp_credentials: match &req.probe {
                ProbeOptions::Snmp(o) => o
                    .credentials
                    .iter()
                    .map(|c| JobCredential {
                        label: c.label.clone(),
                        version: c.version,
                        community: c.community.clone(),
                        user: c.user.clone(),
                        level: c.level,
                        auth_protocol: c.auth_protocol,
                        auth_password: c.auth_password.clone(),
                        priv_protocol: c.priv_protocol,
                        priv_password: c.priv_password.clone(),
                    })
                    .collect(),
                _ => Vec::new(),
            },
        }
    }

    /// The run split into `n` jobs (at most one per target), each with a contiguous part of
    /// the targets, as JSON for the job queue.
    pub fn parts(req: &RunRequest, n: usize) -> Vec<String> {
        let whole = JobRequest::of(req);
        let n = n.clamp(1, whole.targets.len().max(1));
        if n == 1 {
            return vec![whole.to_json()];
        }
        let size = whole.targets.len().div_ceil(n);
        whole
            .targets
            .chunks(size)
            .map(|part| {
                JobRequest {
                    targets: part.to_vec(),
                    ..whole.clone()
                }
                .to_json()
            })
            .collect()
    }

    /// As stored in the job queue and sent: JSON with the probe's secrets in.
    pub fn to_json(&self) -> String {
        wirescope_probe::secret::with_secrets(|| serde_json::to_string(self))
            .unwrap_or_else(|_| "{}".into())
    }

    /// The run request to make, in the agent's namespace unless the run named one.
    pub fn into_request(mut self, netns: Option<&str>) -> Result<RunRequest, String> {
        if let ProbeOptions::Snmp(o) = &mut self.probe {
            o.credentials = self
                .snmp_credentials
                .into_iter()
                .map(|c| wirescope_snmp::Credential {
                    label: c.label,
                    version: c.version,
                    community: c.community,
                    user: c.user,
                    level: c.level,
                    auth_protocol: c.auth_protocol,
                    auth_password: c.auth_password,
                    priv_protocol: c.priv_protocol,
                    priv_password: c.priv_password,
                })
                .collect();
        }
        self.probe
            .validate()
            .map_err(|e| format!("the job's options: {e}"))?;
        let mut net = self.net;
        if net.netns.is_none() {
            net.netns = netns.map(str::to_string);
        }
        let targets = self
            .targets
            .into_iter()
            .map(|t| Target {
                host: match t.host.parse::<IpAddr>() {
                    Ok(ip) => Host::Ip(ip),
                    Err(_) => Host::Name(t.host),
                },
                spec: t.spec,
            })
            .collect();
        Ok(RunRequest {
            targets,
            probe: self.probe,
            net,
        })
    }
}

/// What an agent can do where it runs, as it says in its hello.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    /// Raw sockets open (ICMP ping and traceroute, SYN scans).
    pub raw_sockets: bool,
    /// The namespace it probes from, if not its own.
    pub netns: Option<String>,
    /// Named network namespaces on its host (under /run/netns).
    pub namespaces: Vec<String>,
    /// Its network interfaces there.
    pub interfaces: Vec<String>,
}

/// From an agent to its server.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum FromAgent {
    /// First, once per connection: who it is and what it still holds from before.
    Hello {
        site: String,
        version: String,
        capabilities: Capabilities,
        holding: Vec<HeldJob>,
    },
    /// Results of a job, numbered by the agent (`seq`); `upto` is the last one's place in the
    /// spool, which the server's acknowledgement gives back.
    Results {
        job: i64,
        attempt: i64,
        upto: i64,
        results: Vec<SentResult>,
    },
    /// A job ended (after all its results were sent).
    End {
        job: i64,
        attempt: i64,
        status: RunStatus,
        summary: Option<Box<RawValue>>,
        error: Option<String>,
    },
    /// A sample of the agent's machine (the server's `host::HostSample`), every
    /// `HOST_EVERY`.
    Host { sample: Box<RawValue> },
}

/// How often an agent sends a sample of its machine.
pub const HOST_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

/// A job held, by its id and the attempt the agent was handed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldJob {
    pub job: i64,
    pub attempt: i64,
}

/// One result as sent.
#[derive(Debug, Serialize, Deserialize)]
pub struct SentResult {
    pub seq: i64,
    pub target: String,
    pub data: Box<RawValue>,
}

/// From a server to one of its agents.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ToAgent {
    /// The hello was taken: the agent's name and site, and the lease a job is held under
    /// (the agent's messages renew it).
    Welcome {
        agent: String,
        site: String,
        lease_ms: i64,
    },
    /// A run to make.
    Job {
        job: i64,
        attempt: i64,
        run: i64,
        request: Box<RawValue>,
    },
    /// Results stored, up to spool place `upto`.
    Ack { job: i64, attempt: i64, upto: i64 },
    /// The job's end is stored: the agent forgets it.
    Ended { job: i64, attempt: i64 },
    /// Someone cancelled the job's run: stop, and end it with what finished.
    Cancel { job: i64, attempt: i64 },
    /// The job is not the agent's any more (its lease ran out and it went to another): drop
    /// it and what waits of it.
    Drop {
        job: i64,
        attempt: i64,
        reason: String,
    },
    /// The server will not take this agent (wrong site, revoked): said, then closed.
    Refused { code: String, message: String },
}

impl FromAgent {
    pub fn text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl ToAgent {
    pub fn text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The agent making one job: the engine's results into the spool as they come (`wake` is
/// told each time, for the sender), then the job's end. Never fails: what goes wrong ends the
/// job failed, saying why.
pub async fn make_job(
    spool: Arc<Spool>,
    job: SpooledJob,
    request: String,
    netns: Option<String>,
    cancel: CancellationToken,
    wake: Arc<tokio::sync::Notify>,
) {
    let end = make(&spool, job, &request, netns.as_deref(), &cancel, &wake).await;
    let kept = {
        let spool = spool.clone();
        tokio::task::spawn_blocking(move || spool.end(job, &end)).await
    };
    if !matches!(kept, Ok(Ok(()))) {
        eprintln!(
            "wirescope agent: cannot keep the end of job {} in the spool",
            job.job
        );
    }
    wake.notify_one();
}

async fn make(
    spool: &Arc<Spool>,
    job: SpooledJob,
    request: &str,
    netns: Option<&str>,
    cancel: &CancellationToken,
    wake: &tokio::sync::Notify,
) -> SpooledEnd {
    let failed = |error: String| SpooledEnd {
        status: RunStatus::Failed.as_str().into(),
        summary: None,
        error: Some(error),
    };
    let req = match serde_json::from_str::<JobRequest>(request)
        .map_err(|e| format!("the job cannot be read: {e}"))
        .and_then(|j| j.into_request(netns))
    {
        Ok(r) => r,
        Err(e) => return failed(e),
    };
    let start = crate::engine::start(req, cancel.clone());
    let mut run = match tokio::time::timeout(crate::START_DEADLINE, start).await {
        Ok(Ok(run)) => run,
        Ok(Err(e)) => return failed(e.to_string()),
        Err(_) => {
            cancel.cancel();
            return failed(format!(
                "the run did not start within {} s",
                crate::START_DEADLINE.as_secs()
            ));
        }
    };
    let mut seq = 0i64;
    let mut spool_error = None;
    while let Some(first) = run.next().await {
        let mut batch = vec![first];
        while batch.len() < SEND_BATCH {
            match run.try_next() {
                Some(r) => batch.push(r),
                None => break,
            }
        }
        let rows: Vec<(i64, String, String)> = batch
            .iter()
            .map(|r| {
                let row = (
                    seq,
                    r.target().to_string(),
                    serde_json::to_string(r).unwrap_or_else(|_| "null".into()),
                );
                seq += 1;
                row
            })
            .collect();
        let kept = {
            let spool = spool.clone();
            tokio::task::spawn_blocking(move || spool.add(job, &rows)).await
        };
        match kept {
            Ok(Ok(())) => wake.notify_one(),
            Ok(Err(e)) => {
                spool_error = Some(e.to_string());
                cancel.cancel();
                break;
            }
            Err(e) => {
                spool_error = Some(e.to_string());
                cancel.cancel();
                break;
            }
        }
    }
    let outcome = run.finish().await;
    match (spool_error, outcome) {
        (Some(e), _) => failed(e),
        (None, Err(e)) => failed(e.to_string()),
        (None, Ok(s)) => SpooledEnd {
            status: if s.cancelled {
                RunStatus::Cancelled
            } else {
                RunStatus::Finished
            }
            .as_str()
            .into(),
            summary: serde_json::to_string(&s).ok(),
            error: None,
        },
    }
}

/// The end a spooled job reports, as the protocol says it.
pub fn end_message(held: HeldJob, end: &SpooledEnd) -> FromAgent {
    FromAgent::End {
        job: held.job,
        attempt: held.attempt,
        status: end.status.parse().unwrap_or(RunStatus::Failed),
        summary: end
            .summary
            .as_ref()
            .and_then(|s| RawValue::from_string(s.clone()).ok()),
        error: end.error.clone(),
    }
}

/// A batch of spooled results as the protocol sends them (`None` when none wait).
pub fn results_message(
    held: HeldJob,
    rows: Vec<wirescope_store::Spooled>,
) -> Result<Option<FromAgent>, StoreError> {
    let Some(upto) = rows.last().map(|r| r.id) else {
        return Ok(None);
    };
    let results = rows
        .into_iter()
        .map(|r| {
            Ok(SentResult {
                seq: r.seq,
                target: r.target,
                data: RawValue::from_string(r.data)?,
            })
        })
        .collect::<Result<_, serde_json::Error>>()?;
    Ok(Some(FromAgent::Results {
        job: held.job,
        attempt: held.attempt,
        upto,
        results,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wirescope_probe::ping::PingOptions;

    #[test]
    fn a_job_keeps_its_targets_and_secrets_and_takes_the_agents_namespace() {
        let probe = wirescope_snmp::SnmpOptions {
            community: "s3cret".into(),
            oids: vec!["sysName.0".into()],
            credentials: vec![wirescope_snmp::Credential {
                label: "core".into(),
                community: "pr0file".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let req = RunRequest {
            targets: vec![
                Target {
                    spec: "10.0.0.1".into(),
                    host: Host::Ip("10.0.0.1".parse().unwrap()),
                },
                Target {
                    spec: "core-1".into(),
                    host: Host::Name("core-1".into()),
                },
            ],
            probe: ProbeOptions::Snmp(probe),
            net: NetOptions::default(),
        };
        let json = JobRequest::of(&req).to_json();
        assert!(
            json.contains("s3cret") && json.contains("pr0file"),
            "{json}"
        );
        // Outside a job, the secret stays out.
        assert!(!req.probe.options_json().contains("s3cret"));
        let back: JobRequest = serde_json::from_str(&json).unwrap();
        let made = back.into_request(Some("branch")).unwrap();
        assert_eq!(made.targets, req.targets);
        assert_eq!(made.probe, req.probe);
        assert_eq!(made.net.netns.as_deref(), Some("branch"));
        // A run that named its namespace keeps it.
        let mut named = JobRequest::of(&RunRequest {
            probe: PingOptions::default().into(),
            ..req
        });
        named.net.netns = Some("dc".into());
        let made = named.into_request(Some("branch")).unwrap();
        assert_eq!(made.net.netns.as_deref(), Some("dc"));
    }

    #[test]
    fn a_run_shared_by_agents_gives_each_a_part_of_its_targets() {
        let req = RunRequest {
            targets: (1..=10)
                .map(|i| Target {
                    spec: format!("10.0.0.{i}"),
                    host: Host::Ip(format!("10.0.0.{i}").parse().unwrap()),
                })
                .collect(),
            probe: PingOptions::default().into(),
            net: NetOptions::default(),
        };
        let parts: Vec<JobRequest> = JobRequest::parts(&req, 3)
            .iter()
            .map(|j| serde_json::from_str(j).unwrap())
            .collect();
        let sizes: Vec<usize> = parts.iter().map(|p| p.targets.len()).collect();
        assert_eq!(sizes, [4, 4, 2]);
        let all: Vec<String> = parts
            .iter()
            .flat_map(|p| p.targets.iter().map(|t| t.spec.clone()))
            .collect();
        assert_eq!(
            all,
            req.targets
                .iter()
                .map(|t| t.spec.clone())
                .collect::<Vec<_>>()
        );
        // No more parts than targets.
        let one = RunRequest {
            targets: req.targets[..1].to_vec(),
            ..req
        };
        assert_eq!(JobRequest::parts(&one, 4).len(), 1);
    }

    #[test]
    fn messages_read_back_and_unknown_ones_are_refused() {
        let hello = FromAgent::Hello {
            site: "branch".into(),
            version: "1".into(),
            capabilities: Capabilities::default(),
            holding: vec![HeldJob { job: 3, attempt: 1 }],
        };
        let back: FromAgent = serde_json::from_str(&hello.text()).unwrap();
        assert!(matches!(back, FromAgent::Hello { holding, .. } if holding[0].job == 3));
        let results = FromAgent::Results {
            job: 1,
            attempt: 0,
            upto: 9,
            results: vec![SentResult {
                seq: 0,
                target: "10.0.0.1".into(),
                data: RawValue::from_string(r#"{"kind":"ping"}"#.into()).unwrap(),
            }],
        };
        let back: FromAgent = serde_json::from_str(&results.text()).unwrap();
        assert!(
            matches!(&back, FromAgent::Results { results, .. } if results[0].data.get() == r#"{"kind":"ping"}"#),
            "{back:?}"
        );
        let bad = serde_json::from_str::<FromAgent>(r#"{"steal":{"job":1}}"#);
        assert!(bad.unwrap_err().to_string().contains("unknown variant"));
    }
}
