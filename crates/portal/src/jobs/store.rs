//! What the jobs handlers and the scheduler read and write: a job's
//! admission and rows, its transitions (each with the next revision, its
//! end time when `JobState::is_final`), the pools and the quota.

use std::collections::BTreeMap;

use aicc_api::jobs::{
    Artifact, Job, JobRequest, JobState, JobTransition, MetricSeries, NEGLIGIBLE_NPU_HOURS, Pool,
    Quota,
};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::reason::Reason;
use crate::accounts::Caller;
use crate::clock::{new_id, now_ms, rfc3339};
use crate::error::ApiError;
use crate::feed;
use crate::incubation::credits;
use crate::jobs::executor::PoolCapacity;
use crate::permissions::Action;

/// Checks a request against the catalog, the pool, the limits (the rules
/// `JobRequest::check` shares with the app), the shortest and longest job
/// (`hours`) and the quota.
pub(super) fn admit(
    conn: &Connection,
    caller: &Caller,
    request: &JobRequest,
    hours: (f64, f64),
) -> Result<(), ApiError> {
    if let Some(model) = &request.base_model {
        let body: Option<String> = conn
            .query_row(
                "SELECT body FROM catalog_models WHERE id = ?1 AND retired = 0",
                [&model.model_id],
                |r| r.get(0),
            )
            .optional()?;
        let Some(body) = body else {
            return Err(ApiError::invalid(
                "base_model",
                format!("the catalog has no model \"{}\"", model.model_id),
            )
            .because("no_such_model", &[("model", &model.model_id)]));
        };
        if let Some(version) = &model.version {
            let listed: aicc_api::catalog::Model = serde_json::from_str(&body)?;
            if !listed.versions.iter().any(|v| &v.version == version) {
                let known: Vec<&str> = listed.versions.iter().map(|v| v.version.as_str()).collect();
                return Err(ApiError::invalid(
                    "base_model",
                    format!(
                        "{} has no version \"{version}\"; it has {}",
                        model.model_id,
                        if known.is_empty() {
                            "none listed: leave the version out".to_owned()
                        } else {
                            known.join(", ")
                        }
                    ),
                )
                .because(
                    if known.is_empty() {
                        "no_versions_listed"
                    } else {
                        "no_such_version"
                    },
                    &[
                        ("model", &model.model_id),
                        ("version", version),
                        ("versions", &known.join(", ")),
                    ],
                ));
            }
        }
    }
    let pool = list_pools(conn)?
        .into_iter()
        .find(|p| p.id == request.pool_id)
        .ok_or_else(|| {
            ApiError::invalid(
                "pool_id",
                format!("there is no pool \"{}\"", request.pool_id),
            )
            .because("no_such_pool", &[("pool", &request.pool_id)])
        })?;
    request
        .check(&pool, hours.0, hours.1)
        .map_err(ApiError::from)?;
    let now = now_ms();
    let quota = quota_of(conn, caller.organisation_id, hours, now)?;
    let needed = request.max_npu_hours();
    // Credits that expire before the job could end at its limit do not
    // count for it: what it ran after would fall to the quota.
    let until = now + (request.max_hours * 3_600_000.0) as i64;
    let lasting = credits::lasting(conn, caller.organisation_id, now, until)?;
    let credits = quota.credit_npu_hours_left.min(lasting).max(0.0);
    let left = credits + quota.npu_hours_remaining.max(0.0);
    if needed > left + 1e-9 {
        return Err(ApiError::QuotaExceeded(format!(
            "this job may use {needed:.1} NPU-hours ({} NPUs × {} h); your organisation has {left:.1} NPU-hours left for it{}",
            request.npus(),
            request.max_hours,
            if quota.credit_npu_hours_left > NEGLIGIBLE_NPU_HOURS {
                format!(
                    " ({credits:.1} of granted credits lasting that long, {:.1} of its quota)",
                    quota.npu_hours_remaining.max(0.0)
                )
            } else {
                String::new()
            }
        ))
        .because(
            "over_quota",
            &[
                ("needed", &format!("{needed:.1}")),
                ("left", &format!("{left:.1}")),
            ],
        ));
    }
    Ok(())
}

pub(super) fn insert(
    tx: &Transaction<'_>,
    caller: &Caller,
    request: &JobRequest,
) -> Result<String, ApiError> {
    let id = new_id("job");
    let now = now_ms();
    let rev = feed::next_rev(tx)?;
    tx.execute(
        "INSERT INTO jobs (id, organisation_id, user_id, rev, pool_id, request, npus, max_npu_hours,
             priority, state, created_at, updated_at, queued_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'submitted', ?10, ?10, NULL)",
        params![
            id,
            caller.organisation_id,
            caller.user_id,
            rev,
            request.pool_id,
            serde_json::to_string(request)?,
            request.npus(),
            request.max_npu_hours(),
            request.priority as i64,
            now
        ],
    )?;
    tx.execute(
        "INSERT INTO job_transitions (job_id, state, at) VALUES (?1, 'submitted', ?2)",
        params![id, now],
    )?;
    transition(
        tx,
        &id,
        JobState::Queued,
        Some(&Reason::waiting_for_npus()),
        now,
    )?;
    Ok(id)
}

/// Moves a job to `state` at a new revision and records the transition; a
/// state just learnt is no longer unknown.
pub fn transition(
    conn: &Connection,
    id: &str,
    state: JobState,
    reason: Option<&Reason>,
    now: i64,
) -> Result<u64, ApiError> {
    let rev = feed::next_rev(conn)?;
    let (text, code) = (
        reason.map(|r| r.text.as_str()),
        reason.map(Reason::code_json),
    );
    conn.prepare_cached(
        "UPDATE jobs SET state = ?2, reason = ?3, reason_code = ?7, rev = ?4, updated_at = ?5, unknown_since = NULL,
             queued_at = CASE WHEN ?2 = 'queued' THEN ?5 ELSE queued_at END,
             started_at = CASE WHEN ?2 = 'running' THEN ?5 ELSE started_at END,
             ended_at = CASE WHEN ?6 THEN ?5 ELSE ended_at END
         WHERE id = ?1",
    )?
    .execute(params![
        id,
        state.as_str(),
        text,
        rev,
        now,
        state.is_final(),
        code
    ])?;
    conn.prepare_cached(
        "INSERT INTO job_transitions (job_id, state, at, reason, reason_code) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![id, state.as_str(), now, text, code])?;
    Ok(rev)
}

/// Says why a job stays in its state now, without a transition.
pub fn set_reason(conn: &Connection, id: &str, reason: &Reason) -> Result<(), ApiError> {
    conn.prepare_cached("UPDATE jobs SET reason = ?2, reason_code = ?3 WHERE id = ?1")?
        .execute(params![id, reason.text, reason.code_json()])?;
    Ok(())
}

/// The job's state and who submitted it, if the caller's organisation owns
/// it; otherwise 404, as for an id that does not exist.
pub(super) fn visible(
    conn: &Connection,
    caller: &Caller,
    id: &str,
) -> Result<(JobState, i64), ApiError> {
    caller.may(Action::ReadOrganisation)?;
    let found: Option<(String, i64)> = conn
        .query_row(
            "SELECT state, user_id FROM jobs WHERE id = ?1 AND organisation_id = ?2",
            params![id, caller.organisation_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    found
        .and_then(|(s, user)| Some((JobState::parse(&s)?, user)))
        .ok_or_else(|| ApiError::not_found("job"))
}

pub(super) fn job_rev(conn: &Connection, id: &str) -> Result<u64, ApiError> {
    Ok(conn.query_row("SELECT rev FROM jobs WHERE id = ?1", [id], |r| r.get(0))?)
}

/// A job as the wire shows it.
pub fn load(conn: &Connection, id: &str) -> Result<Job, ApiError> {
    let (request, state, reason, step, total_steps, used, by, created, updated, unknown_since) =
        conn.query_row(
            "SELECT j.request, j.state, j.reason, j.step, j.total_steps, j.npu_hours_used, u.email,
                    j.created_at, j.updated_at, j.unknown_since
             FROM jobs j JOIN users u ON u.id = j.user_id WHERE j.id = ?1",
            [id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, u32>(3)?,
                    r.get::<_, u32>(4)?,
                    r.get::<_, f64>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, i64>(7)?,
                    r.get::<_, i64>(8)?,
                    r.get::<_, Option<i64>>(9)?,
                ))
            },
        )?;
    let (estimated, reason_code): ((Option<i64>, Option<i64>), Option<String>) = conn.query_row(
        "SELECT estimated_p50, estimated_p90, reason_code FROM jobs WHERE id = ?1",
        [id],
        |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?)),
    )?;
    let mut stmt = conn.prepare_cached(
        "SELECT state, at, reason, reason_code FROM job_transitions WHERE job_id = ?1 ORDER BY seq",
    )?;
    let timeline = stmt
        .query_map([id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })?
        .filter_map(|row| match row {
            Ok((s, at, reason, code)) => JobState::parse(&s).map(|state| {
                Ok(JobTransition {
                    state,
                    at: rfc3339(at),
                    reason,
                    reason_code: super::reason::stored(code),
                })
            }),
            Err(e) => Some(Err(e)),
        })
        .collect::<rusqlite::Result<_>>()?;
    Ok(Job {
        id: id.to_owned(),
        request: serde_json::from_str(&request)?,
        state: JobState::parse(&state).unwrap_or(JobState::Failed),
        reason,
        reason_code: super::reason::stored(reason_code),
        step,
        total_steps,
        npu_hours_used: used,
        credits_used: credits::of_job(conn, id)?,
        unknown_since: unknown_since.map(rfc3339),
        estimated_start: match estimated {
            (Some(p50), Some(p90)) => Some(aicc_api::jobs::StartWindow {
                now: p50 <= created,
                p50: rfc3339(p50),
                p90: rfc3339(p90),
            }),
            _ => None,
        },
        submitted_by: by,
        timeline,
        artifacts: artifacts_of(conn, id)?,
        created_at: rfc3339(created),
        updated_at: rfc3339(updated),
    })
}

/// A job's metric series over steps, each by name.
pub(super) fn metrics_of(conn: &Connection, id: &str) -> Result<Vec<MetricSeries>, ApiError> {
    let mut stmt = conn.prepare_cached(
        "SELECT name, step, value FROM job_metrics WHERE job_id = ?1 ORDER BY name, step",
    )?;
    let mut series: BTreeMap<String, MetricSeries> = BTreeMap::new();
    let rows = stmt.query_map([id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, u32>(1)?,
            r.get::<_, f64>(2)?,
        ))
    })?;
    for row in rows {
        let (name, step, value) = row?;
        let entry = series.entry(name.clone()).or_insert_with(|| MetricSeries {
            name,
            steps: Vec::new(),
            values: Vec::new(),
        });
        entry.steps.push(step);
        entry.values.push(value);
    }
    Ok(series.into_values().collect())
}

pub(super) fn artifacts_of(conn: &Connection, id: &str) -> Result<Vec<Artifact>, ApiError> {
    let mut stmt = conn.prepare_cached(
        "SELECT name, size_bytes, uri FROM job_artifacts WHERE job_id = ?1 ORDER BY name",
    )?;
    let list = stmt
        .query_map([id], |r| {
            Ok(Artifact {
                name: r.get(0)?,
                size_bytes: r.get(1)?,
                uri: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(list)
}

/// Every pool with its free NPUs and queue length. Where the executor's
/// cluster counts the free NPUs, jobs released to it but not started yet
/// are taken off its count; otherwise the portal's running jobs are.
pub fn list_pools(conn: &Connection) -> Result<Vec<Pool>, ApiError> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.id, p.name, p.npu_kind, p.npus_per_node, p.nodes, p.free_npus,
                COALESCE((SELECT SUM(npus) FROM jobs WHERE pool_id = p.id AND state IN ('running', 'cancelling')), 0),
                COALESCE((SELECT SUM(npus) FROM jobs WHERE pool_id = p.id AND state = 'queued' AND executor_id IS NOT NULL), 0),
                (SELECT COUNT(*) FROM jobs WHERE pool_id = p.id AND state = 'queued')
         FROM pools p ORDER BY p.name",
    )?;
    let pools = stmt
        .query_map([], |r| {
            let npus_per_node: u32 = r.get(3)?;
            let nodes: u32 = r.get(4)?;
            let cluster_free: Option<u32> = r.get(5)?;
            let running: u32 = r.get(6)?;
            let released: u32 = r.get(7)?;
            let total = npus_per_node * nodes;
            let free = match cluster_free {
                Some(free) => free.saturating_sub(released),
                None => total.saturating_sub(running + released),
            };
            Ok(Pool {
                id: r.get(0)?,
                name: r.get(1)?,
                npu_kind: r.get(2)?,
                npus_per_node,
                total_npus: total,
                free_npus: free,
                queued_jobs: r.get(8)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(pools)
}

/// An organisation's NPU-hours at `now`: its quota's total, charged, held
/// for live jobs and left, and its credits left (which pay first), with
/// the shortest and longest job (`hours`).
pub fn quota_of(
    conn: &Connection,
    organisation_id: i64,
    hours: (f64, f64),
    now: i64,
) -> Result<Quota, ApiError> {
    let total: f64 = conn
        .query_row(
            "SELECT npu_hours_total FROM quotas WHERE organisation_id = ?1",
            [organisation_id],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0.0);
    // A job that has not ended keeps what it may still use reserved.
    let (used, reserved): (f64, f64) = conn.query_row(
        &format!(
            "SELECT COALESCE(SUM(npu_hours_used), 0),
                    COALESCE(SUM(CASE WHEN state IN ({})
                                      THEN max(max_npu_hours - npu_hours_used, 0) ELSE 0 END), 0)
             FROM jobs WHERE organisation_id = ?1",
            sql_states(JobState::ALL.into_iter().filter(|s| !s.is_final()))
        ),
        [organisation_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    // Credits pay first: for what ran, and for what jobs not ended hold.
    let used = (used - credits::spent(conn, organisation_id)?).max(0.0);
    let credits_left = credits::left(conn, organisation_id, now)?;
    let held_by_credits = reserved.min(credits_left);
    let reserved = reserved - held_by_credits;
    Ok(Quota {
        npu_hours_total: total,
        npu_hours_used: used,
        npu_hours_reserved: reserved,
        npu_hours_remaining: total - used - reserved,
        min_job_hours: hours.0.max(aicc_api::jobs::SHORTEST_JOB_HOURS),
        max_job_hours: hours.1,
        credit_npu_hours_left: credits_left - held_by_credits,
    })
}

/// Adds or resizes a pool.
pub fn upsert_pool(
    conn: &Connection,
    id: &str,
    name: &str,
    npu_kind: &str,
    npus_per_node: u32,
    nodes: u32,
) -> Result<(), ApiError> {
    conn.execute(
        "INSERT INTO pools (id, name, npu_kind, npus_per_node, nodes) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, npu_kind = excluded.npu_kind,
             npus_per_node = excluded.npus_per_node, nodes = excluded.nodes",
        params![id, name, npu_kind, npus_per_node, nodes],
    )?;
    Ok(())
}

/// Makes the pool table what the executor's cluster reports: its pools
/// added or resized with their free NPUs; a pool it does not report is
/// removed, or, if jobs ran on it, kept for their history with no nodes.
pub fn record_capacity(conn: &Connection, pools: &[PoolCapacity]) -> Result<(), ApiError> {
    // Every tick reports the cluster; usually nothing changed and nothing
    // is written.
    let mut reported = pools.to_vec();
    reported.sort_by(|a, b| a.id.cmp(&b.id));
    if let Some(mut recorded) = recorded_capacity(conn)? {
        // Pools kept with no nodes for their jobs' history are not reported.
        recorded.retain(|p| p.nodes > 0 || reported.iter().any(|r| r.id == p.id));
        if recorded == reported {
            return Ok(());
        }
    }
    conn.execute(
        "DELETE FROM pools WHERE NOT EXISTS (SELECT 1 FROM jobs WHERE pool_id = pools.id)",
        [],
    )?;
    conn.execute("UPDATE pools SET nodes = 0, free_npus = 0", [])?;
    let mut update = conn.prepare_cached("UPDATE pools SET free_npus = ?2 WHERE id = ?1")?;
    for pool in pools {
        upsert_pool(
            conn,
            &pool.id,
            &pool.name,
            &pool.npu_kind,
            pool.npus_per_node,
            pool.nodes,
        )?;
        update.execute(params![pool.id, pool.free_npus])?;
    }
    Ok(())
}

/// The pools as a cluster last reported them, by id; `None` if any pool's
/// free NPUs are the portal's to count.
fn recorded_capacity(conn: &Connection) -> Result<Option<Vec<PoolCapacity>>, ApiError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, npu_kind, nodes, npus_per_node, free_npus FROM pools ORDER BY id",
    )?;
    let rows = stmt
        .query_map([], |r| {
            let free: Option<u32> = r.get(5)?;
            Ok(match free {
                Some(free_npus) => Some(PoolCapacity {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    npu_kind: r.get(2)?,
                    nodes: r.get(3)?,
                    npus_per_node: r.get(4)?,
                    free_npus,
                }),
                None => None,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows.into_iter().collect())
}

/// Sets an organisation's NPU-hour quota.
pub fn set_quota(conn: &Connection, organisation_id: i64, npu_hours: f64) -> Result<(), ApiError> {
    conn.execute(
        "INSERT INTO quotas (organisation_id, npu_hours_total) VALUES (?1, ?2)
         ON CONFLICT (organisation_id) DO UPDATE SET npu_hours_total = excluded.npu_hours_total",
        params![organisation_id, npu_hours],
    )?;
    Ok(())
}

/// `states` as a list for SQL's `IN`: `'queued', 'running'`.
fn sql_states(states: impl IntoIterator<Item = JobState>) -> String {
    states
        .into_iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The state in column `i` of a jobs row.
pub(super) fn state_column(row: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<JobState> {
    let name: String = row.get(i)?;
    JobState::parse(&name).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            format!("no job state is called {name:?}").into(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(id: &str, free_npus: u32) -> PoolCapacity {
        PoolCapacity {
            id: id.into(),
            name: format!("Slurm partition {id}"),
            npu_kind: "NPU".into(),
            nodes: 1,
            npus_per_node: 8,
            free_npus,
        }
    }

    #[test]
    fn a_cluster_reporting_the_same_pools_again_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::Db::open(&dir.path().join("p.sqlite3")).unwrap();
        db.blocking(|conn| {
            let changes = |conn: &Connection| -> i64 {
                conn.query_row("SELECT total_changes()", [], |r| r.get(0))
                    .unwrap()
            };
            upsert_pool(conn, "configured", "Configured", "NPU", 8, 1).unwrap();
            record_capacity(conn, &[pool("npu", 8), pool("debug", 8)]).unwrap();
            let after_first = changes(conn);
            record_capacity(conn, &[pool("debug", 8), pool("npu", 8)]).unwrap();
            assert_eq!(changes(conn), after_first, "the same pools, in any order");
            record_capacity(conn, &[pool("npu", 2), pool("debug", 8)]).unwrap();
            assert!(changes(conn) > after_first);
            let pools = list_pools(conn).unwrap();
            let ids: Vec<(&str, u32)> =
                pools.iter().map(|p| (p.id.as_str(), p.free_npus)).collect();
            assert_eq!(
                ids,
                [("debug", 8), ("npu", 2)],
                "the configured pool had no jobs"
            );
        });
    }
}
