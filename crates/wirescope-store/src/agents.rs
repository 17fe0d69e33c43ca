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

    /// Queues run `run_id` for an agent of `site`; returns the job's id. Servers listening on
    /// the database hear of it at once.
    pub fn enqueue_job(&self, run_id: i64, site: &str, request: &str) -> Result<i64, StoreError> {
        self.transaction(|db| {
            let now = now_ms();
            let id = db.insert(
                "INSERT INTO jobs (run_id, site, status, request, created_at, updated_at)
                 VALUES (?1, ?2, 'queued', ?3, ?4, ?4) RETURNING id",
                params![run_id, site, request, now],
            )?;
            db.notify_run(run_id)?;
            Ok(id)
        })
    }

    /// Hands the oldest queued job of `site` to agent `agent` until `lease_ms` from now; `None`
    /// when the queue of the site is empty. Two servers claiming at once get different jobs.
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
                            attempts = attempts + 1, updated_at = ?4
                         WHERE id = (SELECT id FROM jobs WHERE site = ?1 AND status = 'queued'
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

    /// Marks a job done (its run's end is stored by the caller); false when it was not that
    /// agent's any more.
    pub fn finish_job(&self, job: i64, agent: i64) -> Result<bool, StoreError> {
        Ok(self.write(|db| {
            db.execute(
                "UPDATE jobs SET status = 'done', request = '{}', lease_until = NULL, updated_at = ?3
                 WHERE id = ?1 AND agent_id = ?2 AND status = 'claimed'",
                params![job, agent, now_ms()],
            )
        })? == 1)
    }

    /// Deals with the jobs whose lease ran out by `now`: one whose run has no result yet goes
    /// back to the queue; one with results is done and its run interrupted, keeping them.
    pub fn reap_jobs(&self, now: i64) -> Result<Reaped, StoreError> {
        self.transaction(|db| {
            let skip = if db.is_pg() {
                " FOR UPDATE OF j SKIP LOCKED"
            } else {
                ""
            };
            let expired: Vec<(i64, i64, i64)> = db.query_map(
                &format!(
                    "SELECT j.id, j.run_id, r.done FROM jobs j JOIN runs r ON r.id = j.run_id
                     WHERE j.status = 'claimed' AND j.lease_until < ?1{skip}"
                ),
                params![now],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            let mut reaped = Reaped::default();
            for (job, run, done) in expired {
                if done == 0 {
                    requeue(&db, job, run, now)?;
                    reaped.requeued += 1;
                } else {
                    db.execute(
                        "UPDATE jobs SET status = 'done', request = '{}', lease_until = NULL, updated_at = ?2
                         WHERE id = ?1",
                        params![job, now],
                    )?;
                    db.execute(
                        "UPDATE runs SET status = 'interrupted', finished_at = ?2,
                            error = 'its agent stopped answering'
                         WHERE id = ?1 AND status IN ('queued', 'running')",
                        params![run, now],
                    )?;
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

    /// Stores results an agent sent for the job it holds, numbered by the agent: one sent
    /// again (after a lost connection, from its spool) is not stored twice. `None` when the job
    /// is no longer held so (re-queued after its lease ran out, handed out again): nothing is
    /// stored. Otherwise how many were new.
    pub fn append_agent_results(
        &self,
        held: Held,
        results: &[(i64, &str, &str)],
    ) -> Result<Option<usize>, StoreError> {
        self.transaction(|db| {
            let Some(run) = held.run(&db)? else {
                return Ok(None);
            };
            let mut new = 0;
            for (seq, target, data) in results {
                new += db.execute(
                    "INSERT INTO results (run_id, seq, target, data) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT DO NOTHING",
                    params![run, seq, target, data],
                )?;
            }
            db.execute(
                "UPDATE runs SET done = done + ?2 WHERE id = ?1",
                params![run, new as i64],
            )?;
            db.notify_run(run)?;
            Ok(Some(new))
        })
    }

    /// Records the end an agent reported for the job it holds: the job done, its run ended
    /// with `status` (a run the reaper had marked interrupted takes the agent's own end, since
    /// every result arrived after all). A job interrupted before any of its results was stored
    /// goes back to the queue instead. False when the job is no longer held so.
    pub fn end_agent_job(
        &self,
        held: Held,
        status: RunStatus,
        summary: Option<&str>,
        error: Option<&str>,
    ) -> Result<bool, StoreError> {
        self.transaction(|db| {
            let Some(run) = held.run(&db)? else {
                return Ok(false);
            };
            let job = held.job;
            let now = now_ms();
            // Cut short before anything of it was stored: it is made again, whole, rather than
            // ended with nothing.
            let done: i64 = db.query_row(
                "SELECT done FROM runs WHERE id = ?1",
                params![run],
                |r| r.get(0),
            )?;
            if status == RunStatus::Interrupted && done == 0 {
                requeue(&db, job, run, now)?;
                db.notify_run(run)?;
                return Ok(true);
            }
            db.execute(
                "UPDATE jobs SET status = 'done', request = '{}', lease_until = NULL, updated_at = ?2 WHERE id = ?1",
                params![job, now],
            )?;
            db.execute(
                "UPDATE runs SET status = ?2, finished_at = ?3, summary = ?4, error = ?5,
                    started_at = COALESCE(started_at, ?3)
                 WHERE id = ?1 AND status IN ('queued', 'running', 'interrupted')",
                params![run, status, now, summary, error],
            )?;
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

    /// Asks for run `run`'s job to stop: a queued one ends at once (its run cancelled), a
    /// claimed one is marked for its agent to stop. `None` when no agent is making the run.
    pub fn cancel_job(&self, run: i64) -> Result<Option<JobStatus>, StoreError> {
        self.transaction(|db| {
            let found: Option<(i64, String)> = db
                .query_row(
                    "SELECT id, status FROM jobs WHERE run_id = ?1 AND status <> 'done'",
                    params![run],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let Some((job, status)) = found else {
                return Ok(None);
            };
            let now = now_ms();
            let status = if status == "queued" {
                db.execute(
                    "UPDATE jobs SET status = 'done', request = '{}', updated_at = ?2 WHERE id = ?1",
                    params![job, now],
                )?;
                db.execute(
                    "UPDATE runs SET status = 'cancelled', finished_at = ?2
                     WHERE id = ?1 AND status IN ('queued', 'running')",
                    params![run, now],
                )?;
                JobStatus::Queued
            } else {
                db.execute(
                    "UPDATE jobs SET cancel = 1, updated_at = ?2 WHERE id = ?1",
                    params![job, now],
                )?;
                JobStatus::Claimed
            };
            db.notify_run(run)?;
            Ok(Some(status))
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

/// Puts a job back in the queue, for any agent of its site, and its run with it.
fn requeue(db: &Db<'_>, job: i64, run: i64, now: i64) -> Result<(), StoreError> {
    db.execute(
        "UPDATE jobs SET status = 'queued', agent_id = NULL, lease_until = NULL, updated_at = ?2
         WHERE id = ?1",
        params![job, now],
    )?;
    db.execute(
        "UPDATE runs SET status = 'queued' WHERE id = ?1 AND status = 'running'",
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
