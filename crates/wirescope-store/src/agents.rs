//! Remote probe agents and their job queue: each agent has a name, the site it probes from and
//! a token (kept as its SHA-256, revocable); a run to be made from a site is a job, claimed by one
//! of the site's agents (on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so servers sharing the
//! database never hand one job out twice) under a lease the agent keeps renewing. A lease that
//! runs out puts the job back in the queue when the agent had sent nothing yet, and otherwise
//! ends its run as interrupted with every result that arrived.

use crate::sql::{Optional, Row, params};
use crate::{Store, StoreError, now_ms};
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

/// A job: one run to be made by an agent of `site`.
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
    /// `version` with `capabilities`.
    pub fn agent_seen(
        &self,
        id: i64,
        instance: Option<&str>,
        version: Option<&str>,
        capabilities: Option<&str>,
    ) -> Result<(), StoreError> {
        self.write(|db| {
            db.execute(
                "UPDATE agents SET last_seen = ?2, instance = ?3,
                    version = COALESCE(?4, version), capabilities = COALESCE(?5, capabilities)
                 WHERE id = ?1",
                params![id, now_ms(), instance, version, capabilities],
            )
        })?;
        Ok(())
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
                "UPDATE jobs SET status = 'done', lease_until = NULL, updated_at = ?3
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
                    db.execute(
                        "UPDATE jobs SET status = 'queued', agent_id = NULL, lease_until = NULL,
                            updated_at = ?2 WHERE id = ?1",
                        params![job, now],
                    )?;
                    db.execute(
                        "UPDATE runs SET status = 'queued' WHERE id = ?1 AND status = 'running'",
                        params![run],
                    )?;
                    reaped.requeued += 1;
                } else {
                    db.execute(
                        "UPDATE jobs SET status = 'done', lease_until = NULL, updated_at = ?2
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

    /// Stores results an agent sent, numbered by the agent: one sent again (after a lost
    /// connection, from its spool) is not stored twice. Returns how many were new.
    pub fn append_agent_results(
        &self,
        run: i64,
        results: &[(i64, &str, &str)],
    ) -> Result<usize, StoreError> {
        self.transaction(|db| {
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
            Ok(new)
        })
    }
}
