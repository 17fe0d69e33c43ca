//! Remote probe agents and their job queue: each agent has a name, the site it probes from and
//! a token (kept as its SHA-256, revocable); a run to be made from a site is a job, claimed by one
//! of the site's agents (on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so servers sharing the
//! database never hand one job out twice) under a lease the agent keeps renewing. A lease that
//! runs out puts the job back in the queue when the agent had sent nothing yet, and otherwise
//! ends its run as interrupted with every result that arrived.

use crate::sql::{Db, Optional, Row, params};
use crate::{RunStatus, Store, StoreError, now_ms};
use serde::Serialize;

/// Agents kept at most.
pub const MAX_AGENTS: i64 = 1_000;
/// Jobs kept done (the oldest go first); queued and claimed ones are always kept.
pub const JOBS_KEPT: i64 = 100_000;

/// An agent as listed (never its token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AgentRecord {
    pub id: i64,
    pub name: String,
    /// The site it probes from: runs "from" this site are its jobs.
    pub site: String,
    pub created_at: i64,
    /// When its token was revoked; it is refused from then on.
    pub revoked_at: Option<i64>,
    /// When it last said it was alive (ms).
    pub last_seen: Option<i64>,
    /// The wirescope version it runs.
    pub version: Option<String>,
    /// What it can do there, as it said (JSON: raw sockets, namespaces, interfaces).
    #[schema(value_type = Option<Object>)]
    pub capabilities: Option<serde_json::Value>,
    /// The server instance it is connected to now, if any.
    pub instance: Option<String>,
}

/// A job: one run to be made by an agent of `site`. Its request holds the run's secrets (the
/// agent needs them): it is emptied once the job is done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: i64,
    pub run_id: i64,
    pub site: String,
    /// The run's request as JSON (the engine's `RunRequest`, secrets filled in).
    pub request: String,
    /// Times it was handed out before.
    pub attempts: i64,
}

/// One part of a run an agent makes (a run is shared among its site's agents): who has it,
/// how far it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RunPart {
    pub job: i64,
    /// The agent making it (the last one, once done); `null` while queued.
    pub agent: Option<String>,
    /// `queued`, `claimed` or `done`.
    pub status: String,
    /// How it ended, once done.
    pub end: Option<String>,
    /// Results of it stored (for its current attempt).
    pub results: i64,
    /// Times it was handed out.
    pub attempts: i64,
    pub error: Option<String>,
}

/// What the reaper did with the jobs whose lease ran out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reaped {
    /// Put back in the queue (their agent had sent no result).
    pub requeued: usize,
    /// Ended: their runs marked interrupted with the results that arrived.
    pub interrupted: usize,
}

const SELECT_AGENT: &str = "SELECT id, name, site, created_at, revoked_at, last_seen, version,
    capabilities, instance FROM agents";

fn read_agent(r: &Row<'_, '_>) -> Result<AgentRecord, StoreError> {
    let caps: Option<String> = r.get(7)?;
    Ok(AgentRecord {
        id: r.get(0)?,
        name: r.get(1)?,
        site: r.get(2)?,
        created_at: r.get(3)?,
        revoked_at: r.get(4)?,
        last_seen: r.get(5)?,
        version: r.get(6)?,
        capabilities: caps.and_then(|c| serde_json::from_str(&c).ok()),
        instance: r.get(8)?,
    })
}

impl Store {
    /// Adds an agent of `site` whose token hashes to `token_hash`; `AgentExists` when the name
    /// is taken, `TooManyAgents` past [`MAX_AGENTS`].
    pub fn add_agent(
        &self,
        name: &str,
        site: &str,
        token_hash: &str,
    ) -> Result<AgentRecord, StoreError> {
        self.transaction(|db| {
            let n: i64 = db.query_row("SELECT COUNT(*) FROM agents", params![], |r| r.get(0))?;
            if n >= MAX_AGENTS {
                return Err(StoreError::TooManyAgents(MAX_AGENTS));
            }
            let id: i64 = db
                .query_row(
                    "INSERT INTO agents (name, site, token_hash, created_at) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT DO NOTHING RETURNING id",
                    params![name, site, token_hash, now_ms()],
                    |r| r.get(0),
                )
                .optional()?
                .ok_or_else(|| StoreError::AgentExists(name.to_string()))?;
            db.query_row(
                &format!("{SELECT_AGENT} WHERE id = ?1"),
                params![id],
                read_agent,
            )
        })
    }

    /// Every agent, by site and name.
    pub fn agents(&self) -> Result<Vec<AgentRecord>, StoreError> {
        self.read(|db| {
            db.query_map(
                &format!("{SELECT_AGENT} ORDER BY site, name"),
                params![],
                read_agent,
            )
        })
    }

    /// The agent whose token hashes to `token_hash`, revoked or not (the caller refuses a
    /// revoked one, and says so).
    pub fn agent_by_token(&self, token_hash: &str) -> Result<Option<AgentRecord>, StoreError> {
        self.read(|db| {
            db.query_row(
                &format!("{SELECT_AGENT} WHERE token_hash = ?1"),
                params![token_hash],
                read_agent,
            )
            .optional()
        })
    }

    /// Revokes an agent's token; false when there is no such agent (or it was revoked before).
    /// Its claimed jobs go back to the queue at their lease's end.
    pub fn revoke_agent(&self, name: &str) -> Result<bool, StoreError> {
        Ok(self.write(|db| {
            db.execute(
                "UPDATE agents SET revoked_at = ?2, instance = NULL
                 WHERE name = ?1 AND revoked_at IS NULL",
                params![name, now_ms()],
            )
        })? == 1)
    }

    /// Notes that an agent is alive, connected to `instance` (or gone, with `None`), running
    /// `version` with `capabilities`; false when it was revoked (and nothing is noted).
    pub fn agent_seen(
        &self,
        id: i64,
        instance: Option<&str>,
        version: Option<&str>,
        capabilities: Option<&str>,
    ) -> Result<bool, StoreError> {
        let n = self.write(|db| {
            db.execute(
                "UPDATE agents SET last_seen = ?2, instance = ?3,
                    version = COALESCE(?4, version), capabilities = COALESCE(?5, capabilities)
                 WHERE id = ?1 AND revoked_at IS NULL",
                params![id, now_ms(), instance, version, capabilities],
            )
        })?;
        Ok(n == 1)
    }

    /// Queues run `run_id` for the agents of `site`, as one job per request (the run's targets
    /// shared among the site's agents); returns the jobs' ids. Servers listening on the
    /// database hear of it at once.
    pub fn enqueue_jobs(
        &self,
        run_id: i64,
        site: &str,
        requests: &[String],
    ) -> Result<Vec<i64>, StoreError> {
        self.transaction(|db| {
            let now = now_ms();
            let mut ids = Vec::with_capacity(requests.len());
            for request in requests {
                ids.push(db.insert(
                    "INSERT INTO jobs (run_id, site, status, request, created_at, updated_at)
                     VALUES (?1, ?2, 'queued', ?3, ?4, ?4) RETURNING id",
                    params![run_id, site, request, now],
                )?);
            }
            db.notify_run(run_id)?;
            Ok(ids)
        })
    }

    /// The agents of `site` connected now (not revoked, seen within the instances' time to
    /// live): how many ways a run from the site is shared.
    pub fn agents_online(&self, site: &str) -> Result<i64, StoreError> {
        self.read(|db| {
            db.query_row(
                "SELECT COUNT(*) FROM agents WHERE site = ?1 AND revoked_at IS NULL
                   AND instance IS NOT NULL AND last_seen >= ?2",
                params![site, now_ms() - crate::INSTANCE_TTL_MS],
                |r| r.get(0),
            )
        })
    }

    /// Hands the oldest queued job of `site` to agent `agent` until `lease_ms` from now; `None`
    /// when the queue of the site is empty. Two servers claiming at once get different jobs; an
    /// agent making a part of a run takes no other part of it (they are for the site's other
    /// agents) until its own is done.
    pub fn claim_job(
        &self,
        site: &str,
        agent: i64,
        lease_ms: i64,
    ) -> Result<Option<Job>, StoreError> {
        self.transaction(|db| {
            // PostgreSQL: a row another transaction is claiming is passed over, not waited for.
            let skip = if db.is_pg() {
                " FOR UPDATE SKIP LOCKED"
            } else {
                ""
            };
            let now = now_ms();
            let job = db
                .query_row(
                    &format!(
                        "UPDATE jobs SET status = 'claimed', agent_id = ?2, lease_until = ?3,
                            attempts = attempts + 1, updated_at = ?4, received = 0,
                            end_status = NULL, end_summary = NULL, end_error = NULL
                         WHERE id = (SELECT id FROM jobs WHERE site = ?1 AND status = 'queued'
                                       AND run_id NOT IN (SELECT run_id FROM jobs
                                           WHERE agent_id = ?2 AND status = 'claimed')
                                     ORDER BY id LIMIT 1{skip})
                         RETURNING id, run_id, site, request, attempts - 1"
                    ),
                    params![site, agent, now + lease_ms, now],
                    |r| {
                        Ok(Job {
                            id: r.get(0)?,
                            run_id: r.get(1)?,
                            site: r.get(2)?,
                            request: r.get(3)?,
                            attempts: r.get(4)?,
                        })
                    },
                )
                .optional()?;
            if let Some(j) = &job {
                db.execute(
                    "UPDATE runs SET status = 'running', started_at = COALESCE(started_at, ?2)
                     WHERE id = ?1 AND status = 'queued'",
                    params![j.run_id, now],
                )?;
                db.notify_run(j.run_id)?;
            }
            Ok(job)
        })
    }

    /// Extends the lease of a job its agent is still working on; false when the job is no
    /// longer that agent's (reaped, or done).
    pub fn renew_lease(&self, job: i64, agent: i64, lease_ms: i64) -> Result<bool, StoreError> {
        let now = now_ms();
        Ok(self.write(|db| {
            db.execute(
                "UPDATE jobs SET lease_until = ?3, updated_at = ?4
                 WHERE id = ?1 AND agent_id = ?2 AND status = 'claimed'",
                params![job, agent, now + lease_ms, now],
            )
        })? == 1)
    }

    /// Deals with the jobs whose lease ran out by `now`: one that sent nothing yet goes back to
    /// the queue; one that sent results ends interrupted, keeping them (its run ends once every
    /// job of it has).
    pub fn reap_jobs(&self, now: i64) -> Result<Reaped, StoreError> {
        self.transaction(|db| {
            let skip = if db.is_pg() {
                " FOR UPDATE SKIP LOCKED"
            } else {
                ""
            };
            let expired: Vec<(i64, i64, i64)> = db.query_map(
                &format!(
                    "SELECT id, run_id, received FROM jobs
                     WHERE status = 'claimed' AND lease_until < ?1{skip}"
                ),
                params![now],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            let mut reaped = Reaped::default();
            for (job, run, received) in expired {
                if received == 0 {
                    requeue(&db, job, run, now)?;
                    reaped.requeued += 1;
                } else {
                    let end = JobEnd {
                        status: RunStatus::Interrupted,
                        summary: None,
                        error: Some("its agent stopped answering"),
                    };
                    end_job(&db, job, run, &end, now)?;
                    reaped.interrupted += 1;
                }
                db.notify_run(run)?;
            }
            db.execute(
                "DELETE FROM jobs WHERE status = 'done' AND id <= (SELECT MAX(id) FROM jobs) - ?1",
                params![JOBS_KEPT],
            )?;
            Ok(reaped)
        })
    }

    /// Stores results an agent sent for the job it holds, numbered by the agent from 0 for
    /// the job: one the server has already (sent again after a lost connection, from the spool)
    /// is skipped, the rest take the run's next sequence numbers, so followers see a run's
    /// results in the order they were stored, whichever of its agents sent them. `None` when the
    /// job is no longer held so (re-queued after its lease ran out, handed out again): nothing
    /// is stored.
    pub fn append_agent_results(
        &self,
        held: Held,
        results: &[(i64, &str, &str)],
    ) -> Result<Option<Appended>, StoreError> {
        self.transaction(|db| {
            let lock = if db.is_pg() { " FOR UPDATE" } else { "" };
            let Some((run, received)) = db
                .query_row(
                    &format!(
                        "SELECT run_id, received FROM jobs
                         WHERE id = ?1 AND agent_id = ?2 AND attempts = ?3{lock}"
                    ),
                    params![held.job, held.agent, held.attempt + 1],
                    |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
                )
                .optional()?
            else {
                return Ok(None);
            };
            let fresh: Vec<&(i64, &str, &str)> = results
                .iter()
                .filter(|(seq, _, _)| *seq >= received)
                .collect();
            // Only what follows on from what was stored: a gap waits to be sent again.
            let next = fresh
                .iter()
                .enumerate()
                .take_while(|(i, (seq, _, _))| *seq == received + *i as i64)
                .count();
            let complete = next == fresh.len();
            if next > 0 {
                db.execute(
                    "UPDATE jobs SET received = received + ?2 WHERE id = ?1",
                    params![held.job, next as i64],
                )?;
                db.notify_run(run)?;
                // The run's row, locked until the commit, as late as can be: two agents'
                // batches take their numbers in turn, and are seen in that order.
                let rows = &fresh[..next];
                if db.is_pg() {
                    // One statement: the numbers taken and every row in, the lock held for
                    // the least time.
                    let targets: Vec<&str> = rows.iter().map(|r| r.1).collect();
                    let datas: Vec<&str> = rows.iter().map(|r| r.2).collect();
                    let (targets, datas) = (
                        serde_json::to_string(&targets)?,
                        serde_json::to_string(&datas)?,
                    );
                    db.execute(
                        "WITH taken AS (UPDATE runs SET done = done + ?2 WHERE id = ?1
                                        RETURNING done - ?2 AS first)
                         INSERT INTO results (run_id, seq, target, data)
                         SELECT ?1, taken.first + r.i - 1, r.target, r.data
                         FROM taken, ROWS FROM (json_array_elements_text(?3::json),
                                                json_array_elements_text(?4::json))
                              WITH ORDINALITY AS r (target, data, i)",
                        params![run, next as i64, targets, datas],
                    )?;
                } else {
                    let first: i64 = db.query_row(
                        "UPDATE runs SET done = done + ?2 WHERE id = ?1 RETURNING done - ?2",
                        params![run, next as i64],
                        |r| r.get(0),
                    )?;
                    for (i, (_, target, data)) in rows.iter().enumerate() {
                        db.execute(
                            "INSERT INTO results (run_id, seq, target, data)
                             VALUES (?1, ?2, ?3, ?4)",
                            params![run, first + i as i64, *target, *data],
                        )?;
                    }
                }
            }
            Ok(Some(Appended {
                stored: next,
                complete,
            }))
        })
    }

    /// Records the end an agent reported for the job it holds. Its run ends once every job of
    /// it has: the worst status of its jobs, their errors, their summaries added up (a run the
    /// reaper ended interrupted takes its agent's own end when that comes after all). A job
    /// interrupted before it sent anything goes back to the queue instead. False when the job
    /// is no longer held so.
    pub fn end_agent_job(
        &self,
        held: Held,
        status: RunStatus,
        summary: Option<&str>,
        error: Option<&str>,
    ) -> Result<bool, StoreError> {
        self.transaction(|db| {
            let Some((run, received)) = db
                .query_row(
                    "SELECT run_id, received FROM jobs
                     WHERE id = ?1 AND agent_id = ?2 AND attempts = ?3",
                    params![held.job, held.agent, held.attempt + 1],
                    |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
                )
                .optional()?
            else {
                return Ok(false);
            };
            let now = now_ms();
            // Cut short before anything of it was stored: it is made again, whole, rather than
            // ended with nothing.
            if status == RunStatus::Interrupted && received == 0 {
                requeue(&db, held.job, run, now)?;
            } else {
                let end = JobEnd {
                    status,
                    summary,
                    error,
                };
                end_job(&db, held.job, run, &end, now)?;
            }
            db.notify_run(run)?;
            Ok(true)
        })
    }

    /// Whether an agent that comes back still holds `held` (its results and end will be taken);
    /// a claimed job's lease is renewed. False once it went back to the queue.
    pub fn resume_job(&self, held: Held, lease_ms: i64) -> Result<bool, StoreError> {
        self.transaction(|db| {
            if held.run(&db)?.is_none() {
                return Ok(false);
            }
            let now = now_ms();
            db.execute(
                "UPDATE jobs SET lease_until = ?2, updated_at = ?3
                 WHERE id = ?1 AND status = 'claimed'",
                params![held.job, now + lease_ms, now],
            )?;
            Ok(true)
        })
    }

    /// Asks for run `run`'s jobs to stop: queued ones end at once, claimed ones are marked for
    /// their agents to stop (they end the run with what they have). `None` when no agent is
    /// making the run.
    pub fn cancel_job(&self, run: i64) -> Result<Option<JobStatus>, StoreError> {
        self.transaction(|db| {
            let jobs: Vec<(i64, String)> = db.query_map(
                "SELECT id, status FROM jobs WHERE run_id = ?1 AND status <> 'done' ORDER BY id",
                params![run],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            if jobs.is_empty() {
                return Ok(None);
            }
            let now = now_ms();
            let mut claimed = false;
            for (job, status) in jobs {
                if status == "queued" {
                    let end = JobEnd {
                        status: RunStatus::Cancelled,
                        summary: None,
                        error: None,
                    };
                    end_job(&db, job, run, &end, now)?;
                } else {
                    claimed = true;
                    db.execute(
                        "UPDATE jobs SET cancel = 1, updated_at = ?2 WHERE id = ?1",
                        params![job, now],
                    )?;
                }
            }
            db.notify_run(run)?;
            Ok(Some(if claimed {
                JobStatus::Claimed
            } else {
                JobStatus::Queued
            }))
        })
    }

    /// The parts of run `run` (its jobs), in order; none for a run this server makes.
    pub fn run_parts(&self, run: i64) -> Result<Vec<RunPart>, StoreError> {
        self.read(|db| {
            db.query_map(
                "SELECT j.id, a.name, j.status, j.end_status, j.received, j.attempts, j.end_error
                 FROM jobs j LEFT JOIN agents a ON a.id = j.agent_id
                 WHERE j.run_id = ?1 ORDER BY j.id",
                params![run],
                |r| {
                    Ok(RunPart {
                        job: r.get(0)?,
                        agent: r.get(1)?,
                        status: r.get(2)?,
                        end: r.get(3)?,
                        results: r.get(4)?,
                        attempts: r.get(5)?,
                        error: r.get(6)?,
                    })
                },
            )
        })
    }

    /// Of the jobs `agent` holds, those someone asked to stop.
    pub fn jobs_to_cancel(&self, agent: i64) -> Result<Vec<i64>, StoreError> {
        self.read(|db| {
            db.query_map(
                "SELECT id FROM jobs WHERE agent_id = ?1 AND status = 'claimed' AND cancel <> 0",
                params![agent],
                |r| r.get(0),
            )
        })
    }

    /// Whether an agent (not revoked) probes from `site`: a run from any other site would wait
    /// for nobody.
    pub fn site_known(&self, site: &str) -> Result<bool, StoreError> {
        let n: i64 = self.read(|db| {
            db.query_row(
                "SELECT COUNT(*) FROM agents WHERE site = ?1 AND revoked_at IS NULL",
                params![site],
                |r| r.get(0),
            )
        })?;
        Ok(n > 0)
    }
}

/// What a run's results append did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    /// Results stored now (those the server had already are not counted).
    pub stored: usize,
    /// False when the batch skipped over results not received yet: what follows the gap is
    /// not stored, and the agent is to send again from what was acknowledged.
    pub complete: bool,
}

/// How one job ended.
struct JobEnd<'a> {
    status: RunStatus,
    summary: Option<&'a str>,
    error: Option<&'a str>,
}

/// Ends one job; once every job of its run has ended, ends the run: the worst of their
/// statuses (failed, interrupted, cancelled, finished), their errors, their summaries added up.
fn end_job(db: &Db<'_>, job: i64, run: i64, end: &JobEnd<'_>, now: i64) -> Result<(), StoreError> {
    db.execute(
        "UPDATE jobs SET status = 'done', request = '{}', lease_until = NULL, updated_at = ?2,
            end_status = ?3, end_summary = ?4, end_error = ?5
         WHERE id = ?1",
        params![job, now, end.status, end.summary, end.error],
    )?;
    let open: i64 = db.query_row(
        "SELECT COUNT(*) FROM jobs WHERE run_id = ?1 AND status <> 'done'",
        params![run],
        |r| r.get(0),
    )?;
    if open > 0 {
        return Ok(());
    }
    let ends: Vec<(Option<String>, Option<String>, Option<String>)> = db.query_map(
        "SELECT end_status, end_summary, end_error FROM jobs WHERE run_id = ?1 ORDER BY id",
        params![run],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let rank = |s: &str| match s {
        "failed" => 3,
        "interrupted" => 2,
        "cancelled" => 1,
        _ => 0,
    };
    let status = ends
        .iter()
        .filter_map(|(s, _, _)| s.as_deref())
        .max_by_key(|s| rank(s))
        .unwrap_or("interrupted")
        .to_string();
    let mut errors: Vec<&str> = Vec::new();
    for e in ends.iter().filter_map(|(_, _, e)| e.as_deref()) {
        if !errors.contains(&e) {
            errors.push(e);
        }
    }
    let error = (!errors.is_empty()).then(|| errors.join("; "));
    let summaries: Vec<serde_json::Value> = ends
        .iter()
        .filter_map(|(_, s, _)| s.as_deref().and_then(|s| serde_json::from_str(s).ok()))
        .collect();
    let summary = (!summaries.is_empty()).then(|| add_summaries(&summaries).to_string());
    db.execute(
        "UPDATE runs SET status = ?2, finished_at = ?3, summary = ?4, error = ?5,
            started_at = COALESCE(started_at, ?3)
         WHERE id = ?1 AND status IN ('queued', 'running', 'interrupted')",
        params![run, status, now, summary, error],
    )?;
    Ok(())
}

/// Adds up summaries of parts of one run: counts added, the longest time, cancelled when any
/// part was; words (the kind) as the first says.
pub(crate) fn add_summaries(parts: &[serde_json::Value]) -> serde_json::Value {
    let mut total = serde_json::Map::new();
    for part in parts {
        let Some(fields) = part.as_object() else {
            continue;
        };
        for (k, v) in fields {
            let merged = match (total.get(k), v) {
                (None, v) => v.clone(),
                (Some(a), b) if k == "elapsed_ms" => {
                    serde_json::json!(a.as_f64().unwrap_or(0.0).max(b.as_f64().unwrap_or(0.0)))
                }
                (Some(serde_json::Value::Bool(a)), serde_json::Value::Bool(b)) => {
                    serde_json::Value::Bool(*a || *b)
                }
                (Some(a), b) if a.is_u64() && b.is_u64() => {
                    serde_json::json!(a.as_u64().unwrap_or(0) + b.as_u64().unwrap_or(0))
                }
                (Some(a), _) => a.clone(),
            };
            total.insert(k.clone(), merged);
        }
    }
    serde_json::Value::Object(total)
}

/// Puts a job back in the queue, for any agent of its site, and its run with it.
fn requeue(db: &Db<'_>, job: i64, run: i64, now: i64) -> Result<(), StoreError> {
    db.execute(
        "UPDATE jobs SET status = 'queued', agent_id = NULL, lease_until = NULL, updated_at = ?2
         WHERE id = ?1",
        params![job, now],
    )?;
    db.execute(
        "UPDATE runs SET status = 'queued' WHERE id = ?1 AND status = 'running'
           AND NOT EXISTS (SELECT 1 FROM jobs WHERE run_id = ?1 AND status = 'claimed')",
        params![run],
    )?;
    Ok(())
}

/// Where a job stands when someone asks to cancel its run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    /// No agent had it: the run ended cancelled at once.
    Queued,
    /// An agent has it: it is told to stop, and ends the run with what it has.
    Claimed,
}

/// A job as one agent holds it: handed out to `agent` for its `attempt`-th time (from 0). Its
/// results and end count only while the job is still held so: once re-queued and handed out
/// again, what the earlier holder sends is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    pub job: i64,
    pub agent: i64,
    pub attempt: i64,
}

impl Held {
    fn run(&self, db: &Db<'_>) -> Result<Option<i64>, StoreError> {
        db.query_row(
            "SELECT run_id FROM jobs WHERE id = ?1 AND agent_id = ?2 AND attempts = ?3",
            params![self.job, self.agent, self.attempt + 1],
            |r| r.get(0),
        )
        .optional()
    }
}
