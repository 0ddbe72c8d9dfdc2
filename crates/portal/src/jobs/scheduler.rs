//! The scheduler: one loop that, every tick, (1) stops jobs being
//! cancelled, (2) observes running jobs through the executor and records
//! their progress, logs, metrics and end, and (3) places queued jobs on
//! their pools.
//!
//! # Placement policy
//!
//! Who decides what: the portal admits a job (validation, quota) and decides
//! when it may start; the executor runs it. A pool offers whole NPUs; a job
//! needs `nodes × npus_per_node` of them at once.
//!
//! - **Fair across organisations.** Queued jobs are taken in this order:
//!   the organisation with the fewest NPUs running now first; then the one
//!   that started a job least recently (round robin, so a burst of one
//!   organisation's jobs cannot keep another's waiting); then higher
//!   priority (which only orders an organisation's own jobs); then the
//!   oldest. The order is recomputed after every placement.
//! - **No starvation of large jobs.** Smaller jobs may start while a larger
//!   one waits for room (backfill), but once a job has waited longer than
//!   `starvation_after`, it holds its pool: nothing else starts there until
//!   it has started, so the pool drains until it fits.
//!
//! With an executor that reports its cluster's capacity (Slurm), the free
//! NPUs are the cluster's own count minus what the portal released and the
//! cluster has not started yet: the portal releases jobs in its fair order
//! while they fit, and the cluster decides on which nodes and exactly when
//! they run (a job it holds back stays `queued` with the cluster's reason).
//!
//! Restarts: everything the scheduler knows is in the database. A released
//! job is observed by its executor id, so after a restart it is picked up
//! where it is; the simulated executor's progress is a function of time. A
//! job chosen to start whose executor id was never heard (an empty id: the
//! cluster did not answer, or the portal stopped while it was asked) is
//! handed over again, and the executor finds the earlier attempt.
//!
//! The executor is always asked with the database free (see [`tick`]), so
//! a cluster that stops answering delays the scheduler and nothing else.
//! An executor that cannot answer leaves its jobs as they were, marked
//! "state unknown since" the first failed attempt, until it answers again.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use aicc_api::jobs::{JobRequest, JobState};
use aicc_api::sync::Collection;
use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension as _, params};
use tokio::sync::Notify;

use super::executor::{Executor, ExecutorError, Observation, Observed, Reason, RunningJob};
use super::history;
use super::store::{state_column, transition};
use crate::clock::now_ms;
use crate::db::Db;
use crate::error::ApiError;
use crate::events::{self, Events};
use crate::feed;
use crate::limits::Limiter;

/// What the scheduler loop needs.
#[derive(Debug, Clone)]
pub struct Scheduler {
    pub db: Db,
    pub executor: Arc<dyn Executor>,
    pub events: Events,
    pub limiter: Limiter,
    pub tick: Duration,
    pub starvation_after: Duration,
    pub tombstone_retention: Duration,
    /// Where attachments are kept, for removing files nothing refers to.
    pub attachments_dir: std::path::PathBuf,
    /// Wakes the loop before the next tick, e.g. when a job was submitted.
    pub wake: Arc<Notify>,
    /// How often each pool's state is kept for its history.
    pub sample_every: Duration,
}

/// How often housekeeping runs: purging old tombstones, dead tokens and
/// attachment files nothing refers to, forgetting idle callers.
const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(3600);

impl Scheduler {
    /// Runs until `stop` is notified; a tick in progress finishes first.
    pub async fn run(self, stop: Arc<Notify>) {
        let mut last_housekeeping: Option<std::time::Instant> = None;
        let mut last_sample: Option<std::time::Instant> = None;
        // Changes made by `aicc-portal admin` in another process reach the
        // event streams through this watermark.
        let mut watermark = self.db.call(events::head).await.unwrap_or(0);
        loop {
            if last_housekeeping.is_none_or(|t| t.elapsed() >= HOUSEKEEPING_EVERY) {
                last_housekeeping = Some(std::time::Instant::now());
                self.housekeeping().await;
            }
            let (db, executor) = (self.db.clone(), Arc::clone(&self.executor));
            let starvation_after = self.starvation_after.as_millis() as i64;
            let changed = tokio::task::spawn_blocking(move || {
                tick(&db, executor.as_ref(), now_ms(), starvation_after)
            })
            .await
            .unwrap_or_else(|_| Err(ApiError::Db(crate::db::DbError::TaskPanicked)));
            match changed {
                Ok(changes) => {
                    for (organisation_id, rev) in changes {
                        self.events
                            .publish(Collection::Jobs, rev, Some(organisation_id));
                    }
                }
                Err(e) => tracing::error!(error = %e, "scheduler tick failed"),
            }
            if last_sample.is_none_or(|t| t.elapsed() >= self.sample_every) {
                last_sample = Some(std::time::Instant::now());
                if let Err(e) = self.db.call(|conn| history::record(conn, now_ms())).await {
                    tracing::error!(error = %e, "cannot keep the pools' history");
                }
            }
            match self
                .db
                .call(move |conn| events::since(conn, watermark))
                .await
            {
                Ok((notices, head)) => {
                    watermark = head;
                    for notice in notices {
                        self.events.publish(
                            notice.hint.collection,
                            notice.hint.rev,
                            notice.organisation_id,
                        );
                    }
                }
                Err(e) => tracing::error!(error = %e, "cannot read recent changes"),
            }
            tokio::select! {
                () = stop.notified() => break,
                () = self.wake.notified() => {}
                () = tokio::time::sleep(self.tick) => {}
            }
        }
        tracing::info!("scheduler stopped");
    }

    async fn housekeeping(&self) {
        self.limiter.forget_idle();
        match self
            .db
            .call(|conn| crate::directory::store::expire(conn, now_ms()))
            .await
        {
            Ok(None) => {}
            Ok(Some(rev)) => self.events.publish(Collection::Directory, rev, None),
            Err(e) => {
                tracing::error!(error = %e, "cannot take expired certificates off the directory")
            }
        }
        let before = now_ms() - self.tombstone_retention.as_millis() as i64;
        match self
            .db
            .call(move |conn| crate::catalog::purge_tombstones(conn, before))
            .await
        {
            Ok(0) => {}
            Ok(purged) => tracing::info!(purged, "purged retired models from the catalog feed"),
            Err(e) => tracing::error!(error = %e, "cannot purge old tombstones"),
        }
        match self
            .db
            .call(|conn| crate::accounts::purge_tokens(conn))
            .await
        {
            Ok(0) => {}
            Ok(purged) => tracing::info!(purged, "purged expired and revoked tokens"),
            Err(e) => tracing::error!(error = %e, "cannot purge old tokens"),
        }
        match crate::applications::sweep_unrecorded(
            &self.db,
            &self.attachments_dir,
            crate::applications::UNRECORDED_GRACE,
        )
        .await
        {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "removed attachment files nothing refers to"),
            Err(e) => tracing::error!(error = %e, "cannot sweep the attachments directory"),
        }
        match self.db.call(|conn| crate::idempotency::purge(conn)).await {
            Ok(0) => {}
            Ok(purged) => tracing::info!(purged, "purged answers kept for idempotency keys"),
            Err(e) => tracing::error!(error = %e, "cannot purge old idempotency answers"),
        }
    }
}

/// One pass; returns `(organisation, rev)` for every job that changed.
///
/// The cluster is never asked while the database is held: the tick reads
/// what it needs, asks the executor with the database free, then writes
/// every outcome in one short transaction that first checks each job is
/// still as it was read (a partner may cancel it meanwhile) and chooses
/// what starts next; the chosen jobs are handed over the same way. So a
/// cluster that hangs delays only the scheduler, never a request, and a
/// tick commits twice at most however many jobs it touches.
pub fn tick(
    db: &Db,
    executor: &dyn Executor,
    now: i64,
    starvation_after_ms: i64,
) -> Result<Vec<(i64, u64)>, ApiError> {
    let capacity = match executor.capacity() {
        Ok(pools) => pools,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the cluster's pools; keeping the last known");
            None
        }
    };
    let (cancelling, observed) = db.blocking(|conn| {
        Ok::<_, ApiError>((
            released(conn, "state = 'cancelling' AND executor_id != ''")?,
            released(
                conn,
                "state IN ('queued', 'running') AND executor_id IS NOT NULL AND executor_id != ''",
            )?,
        ))
    })?;
    let stopped: Vec<_> = cancelling
        .into_iter()
        .map(|held| {
            let outcome = executor.cancel(&held.job);
            (held, outcome)
        })
        .collect();
    let seen: Vec<_> = observed
        .into_iter()
        .map(|held| {
            let observation = executor.observe(&held.job, now);
            (held, observation)
        })
        .collect();
    let mut changed = db.blocking(|conn| {
        let tx = conn.transaction()?;
        if let Some(pools) = &capacity {
            super::record_capacity(&tx, pools)?;
        }
        let mut changed = Vec::new();
        for (held, outcome) in stopped {
            if !unchanged(&tx, &held)? {
                continue;
            }
            let rev = match outcome {
                Ok(()) => Some(transition(
                    &tx,
                    &held.job.id,
                    JobState::Cancelled,
                    Some(&Reason::cancelled_by_partner()),
                    now,
                )?),
                Err(e) => {
                    tracing::warn!(job = %held.job.id, error = %e, "cannot cancel yet; retrying");
                    unknown(&tx, &held, now)?
                }
            };
            changed.extend(rev.map(|rev| (held.organisation_id, rev)));
        }
        for (held, observation) in seen {
            if unchanged(&tx, &held)?
                && let Some(rev) = record(&tx, &held, observation, now)?
            {
                changed.push((held.organisation_id, rev));
            }
        }
        choose(&tx, now, starvation_after_ms)?;
        tx.commit()?;
        Ok::<_, ApiError>(changed)
    })?;
    changed.extend(release(db, executor, now)?);
    Ok(changed)
}

/// Whether the job is still in the state, and at the log line, it was
/// read in: only then does what the executor said about it apply.
fn unchanged(conn: &Connection, held: &Released) -> Result<bool, ApiError> {
    let (state, log_seq): (JobState, u64) = conn
        .prepare_cached("SELECT state, log_seq FROM jobs WHERE id = ?1")?
        .query_row([&held.job.id], |r| Ok((state_column(r, 0)?, r.get(1)?)))?;
    Ok(state == held.state && log_seq == held.job.log_seq)
}

/// A job handed to the executor, with what the portal last recorded of it.
struct Released {
    organisation_id: i64,
    state: JobState,
    reason: Option<String>,
    /// Whether its state is already marked unknown.
    unknown: bool,
    job: RunningJob,
}

/// Jobs handed to the executor, matching `filter`.
fn released(conn: &Connection, filter: &str) -> Result<Vec<Released>, ApiError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT organisation_id, state, reason, unknown_since IS NOT NULL, id, request, executor_id,
                started_at, log_seq, log_offset, step, total_steps
         FROM jobs WHERE {filter} ORDER BY started_at, queued_at"
    ))?;
    let rows = stmt
        .query_map([], |r| {
            let request: String = r.get(5)?;
            Ok(Released {
                organisation_id: r.get(0)?,
                state: state_column(r, 1)?,
                reason: r.get(2)?,
                unknown: r.get(3)?,
                job: RunningJob {
                    id: r.get(4)?,
                    organisation_id: r.get(0)?,
                    request: serde_json::from_str(&request).map_err(|e| {
                        rusqlite::Error::FromSqlConversionFailure(5, Type::Text, Box::new(e))
                    })?,
                    executor_id: r.get::<_, Option<String>>(6)?.unwrap_or_default(),
                    started_at_ms: r.get::<_, Option<i64>>(7)?.unwrap_or_default(),
                    log_seq: r.get(8)?,
                    log_offset: r.get(9)?,
                    step: r.get(10)?,
                    total_steps: r.get(11)?,
                },
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Marks a job's state as unknown from `now` unless it already is; returns
/// the new revision if it was not.
fn unknown(conn: &Connection, held: &Released, now: i64) -> Result<Option<u64>, ApiError> {
    if held.unknown {
        return Ok(None);
    }
    let rev = feed::next_rev(conn)?;
    conn.prepare_cached(
        "UPDATE jobs SET unknown_since = ?2, rev = ?3, updated_at = ?2 WHERE id = ?1",
    )?
    .execute(params![held.job.id, now, rev])?;
    Ok(Some(rev))
}

/// The most log text the portal keeps of one job; a job that writes more
/// keeps its first 8 MiB and a line saying the rest was not kept.
pub const MAX_LOG_BYTES: u64 = 8 * 1024 * 1024;

/// Stores new log lines, within [`MAX_LOG_BYTES`]. Every line counts
/// towards `log_seq`, kept or not, so the executor is not asked again.
fn store_logs(
    conn: &Connection,
    job: &RunningJob,
    lines: &[String],
    now: i64,
) -> Result<(), ApiError> {
    if lines.is_empty() {
        return Ok(());
    }
    let mut bytes: u64 = conn
        .prepare_cached("SELECT log_bytes FROM jobs WHERE id = ?1")?
        .query_row([&job.id], |r| r.get(0))?;
    let mut insert = conn.prepare_cached(
        "INSERT OR IGNORE INTO job_logs (job_id, seq, at, text) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (i, line) in lines.iter().enumerate() {
        let seq = job.log_seq + i as u64 + 1;
        let size = line.len() as u64 + 1;
        if bytes > MAX_LOG_BYTES {
            continue;
        }
        if bytes + size > MAX_LOG_BYTES {
            insert.execute(params![
                job.id,
                seq,
                now,
                "[the log is longer than the 8 MiB the portal keeps; the rest is not stored]"
            ])?;
            bytes = MAX_LOG_BYTES + 1;
        } else {
            insert.execute(params![job.id, seq, now, line])?;
            bytes += size;
        }
    }
    conn.prepare_cached("UPDATE jobs SET log_bytes = ?2 WHERE id = ?1")?
        .execute(params![job.id, bytes])?;
    Ok(())
}

/// Records what the executor reported; returns the new revision if the
/// job visibly changed.
fn record(
    conn: &Connection,
    held: &Released,
    seen: Result<Observation, ExecutorError>,
    now: i64,
) -> Result<Option<u64>, ApiError> {
    let (job, state, reason) = (&held.job, &held.state, &held.reason);
    let seen = match seen {
        Ok(seen) => seen,
        Err(e) => {
            tracing::warn!(job = %job.id, error = %e, "cannot observe the job; retrying");
            return unknown(conn, held, now);
        }
    };
    store_logs(conn, job, &seen.logs, now)?;
    let mut insert_metric = conn.prepare_cached(
        "INSERT OR IGNORE INTO job_metrics (job_id, name, step, value) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (step, name, value) in &seen.metrics {
        insert_metric.execute(params![job.id, name, step, value])?;
    }
    // Charged hours never go down, e.g. when the executor forgot the job;
    // what they grew by is paid from credits first.
    let used = f64::from(job.request.npus()) * seen.elapsed_hours;
    let before: f64 = conn
        .prepare_cached("SELECT npu_hours_used FROM jobs WHERE id = ?1")?
        .query_row([&job.id], |r| r.get(0))?;
    if used > before {
        crate::incubation::credits::charge(
            conn,
            held.organisation_id,
            &job.id,
            used - before,
            now,
        )?;
    }
    conn.prepare_cached(
        "UPDATE jobs SET log_seq = log_seq + ?2, log_offset = ?3, step = ?4, total_steps = ?5,
             npu_hours_used = max(npu_hours_used, ?6), unknown_since = NULL
         WHERE id = ?1",
    )?
    .execute(params![
        job.id,
        seen.logs.len() as u64,
        seen.log_offset,
        seen.step,
        seen.total_steps,
        used
    ])?;
    let next = match &seen.status {
        Observed::Queued { reason: why } if *state == JobState::Queued => {
            if reason.as_deref() == Some(why.text.as_str()) {
                None
            } else {
                super::set_reason(conn, &job.id, why)?;
                return bump(conn, &job.id, now).map(Some);
            }
        }
        Observed::Queued { reason } => Some((JobState::Queued, Some(reason))),
        Observed::Running if *state == JobState::Queued => Some((JobState::Running, None)),
        Observed::Running => None,
        Observed::Succeeded => Some((JobState::Succeeded, None)),
        Observed::Failed { reason } => Some((JobState::Failed, Some(reason))),
        Observed::Cancelled { reason } => Some((JobState::Cancelled, Some(reason))),
    };
    if let Some((state, reason)) = next {
        if state.is_final() {
            crate::incubation::credits::settle(conn, &job.id)?;
        }
        let mut insert_artifact = conn.prepare_cached(
            "INSERT OR REPLACE INTO job_artifacts (job_id, name, size_bytes, uri) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for artifact in &seen.artifacts {
            insert_artifact.execute(params![
                job.id,
                artifact.name,
                artifact.size_bytes,
                artifact.uri
            ])?;
        }
        return Ok(Some(transition(conn, &job.id, state, reason, now)?));
    }
    if seen.step != job.step || !seen.logs.is_empty() || held.unknown {
        // Progress is news for the job's page: bump the revision.
        return bump(conn, &job.id, now).map(Some);
    }
    Ok(None)
}

/// A new revision for a job whose state stays.
fn bump(conn: &Connection, id: &str, now: i64) -> Result<u64, ApiError> {
    let rev = feed::next_rev(conn)?;
    conn.prepare_cached("UPDATE jobs SET rev = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![id, rev, now])?;
    Ok(rev)
}

/// A queued job as placement sees it.
#[derive(Debug, Clone)]
pub(super) struct Queued {
    /// Where the job was read: the last tiebreak, as the queue's order.
    pub seq: usize,
    pub id: String,
    pub organisation_id: i64,
    pub pool: usize,
    pub npus: i64,
    pub priority: i64,
    pub queued_at: i64,
    /// The hours it asked for: when it ends at the latest once started.
    pub max_hours: f64,
}

/// Fewest NPUs running, longest since a start, highest priority, oldest,
/// first read: the smallest starts first.
type PlacementKey = (i64, i64, i64, i64, usize);

/// What placement decides from: each pool's free NPUs, each organisation's
/// running NPUs and last start, its queue in its own order, and the pools
/// held by a job that waited too long. [`choose`] reads it from the
/// database and places what fits now; the estimates replay it forward.
#[derive(Debug, Clone)]
pub(super) struct Queue {
    pub pools: Vec<aicc_api::jobs::Pool>,
    free: Vec<i64>,
    running_npus: HashMap<i64, i64>,
    last_start: HashMap<i64, i64>,
    waiting: BTreeMap<i64, VecDeque<Queued>>,
    held: Vec<Option<(i64, usize)>>,
    next_seq: usize,
}

impl Queue {
    /// The queue as the database holds it at `now`.
    pub fn read(conn: &Connection, now: i64) -> Result<Self, ApiError> {
        let pools = super::list_pools(conn)?;
        let pool_index: HashMap<&str, usize> = pools
            .iter()
            .enumerate()
            .map(|(i, pool)| (pool.id.as_str(), i))
            .collect();
        let free: Vec<i64> = pools.iter().map(|p| i64::from(p.free_npus)).collect();
        let running_npus: HashMap<i64, i64> = conn
            .prepare_cached(
                "SELECT organisation_id, SUM(npus) FROM jobs
                 WHERE state IN ('running', 'cancelling') OR (state = 'queued' AND executor_id IS NOT NULL)
                 GROUP BY organisation_id",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let last_start: HashMap<i64, i64> = conn
            .prepare_cached(
                "SELECT organisation_id, MAX(started_at) FROM jobs WHERE started_at IS NOT NULL GROUP BY organisation_id",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut waiting: BTreeMap<i64, VecDeque<Queued>> = BTreeMap::new();
        let mut stmt = conn.prepare_cached(
            "SELECT id, organisation_id, pool_id, npus, priority, queued_at, max_npu_hours FROM jobs
             WHERE state = 'queued' AND executor_id IS NULL",
        )?;
        let mut rows = stmt.query([])?;
        let mut seq = 0;
        while let Some(row) = rows.next()? {
            let pool_id: String = row.get(2)?;
            // A job on a pool that no longer exists waits for it to return.
            let Some(&pool) = pool_index.get(pool_id.as_str()) else {
                continue;
            };
            let organisation_id = row.get(1)?;
            let npus: i64 = row.get(3)?;
            let max_npu_hours: f64 = row.get(6)?;
            waiting
                .entry(organisation_id)
                .or_default()
                .push_back(Queued {
                    seq,
                    id: row.get(0)?,
                    organisation_id,
                    pool,
                    npus,
                    priority: row.get(4)?,
                    queued_at: row.get::<_, Option<i64>>(5)?.unwrap_or(now),
                    max_hours: max_npu_hours / npus.max(1) as f64,
                });
            seq += 1;
        }
        drop(rows);
        // The job that starts is mostly near the front of its queue, where a
        // deque removes it without moving the rest.
        for jobs in waiting.values_mut() {
            jobs.make_contiguous()
                .sort_by_key(|q| (-q.priority, q.queued_at, q.seq));
        }
        let held = vec![None; pools.len()];
        Ok(Self {
            pools,
            free,
            running_npus,
            last_start,
            waiting,
            held,
            next_seq: seq,
        })
    }

    /// Lets the jobs that have waited `starvation_after_ms` by `now` hold
    /// their pools: only the longest waiting may start there.
    pub fn hold_starving(&mut self, now: i64, starvation_after_ms: i64) {
        self.held = vec![None; self.pools.len()];
        for q in self.waiting.values().flatten() {
            if now - q.queued_at >= starvation_after_ms {
                let holder = &mut self.held[q.pool];
                if holder.is_none_or(|(at, seq)| (q.queued_at, q.seq) < (at, seq)) {
                    *holder = Some((q.queued_at, q.seq));
                }
            }
        }
    }

    /// The job to start next at `now`, fairest first, taken off the queue
    /// and counted as running; `None` when nothing waiting fits.
    pub fn next(&mut self, now: i64) -> Option<Queued> {
        // Nothing starts on full pools: no queue need be looked through.
        if self.free.iter().all(|&free| free <= 0) {
            return None;
        }
        let mut best: Option<(PlacementKey, i64, usize)> = None;
        for (&organisation, jobs) in &self.waiting {
            let fairness = (
                self.running_npus.get(&organisation).copied().unwrap_or(0),
                self.last_start
                    .get(&organisation)
                    .copied()
                    .unwrap_or(i64::MIN),
            );
            if best.is_some_and(|(key, _, _)| (key.0, key.1) < fairness) {
                continue;
            }
            let fits = jobs.iter().position(|q| {
                self.free[q.pool] >= q.npus
                    && self.held[q.pool].is_none_or(|(at, seq)| (at, seq) == (q.queued_at, q.seq))
            });
            if let Some(at) = fits {
                let q = &jobs[at];
                let key = (fairness.0, fairness.1, -q.priority, q.queued_at, q.seq);
                if best.is_none_or(|(best, _, _)| key < best) {
                    best = Some((key, organisation, at));
                }
            }
        }
        let (_, organisation, at) = best?;
        let job = self.waiting.get_mut(&organisation)?.remove(at)?;
        self.free[job.pool] -= job.npus;
        *self.running_npus.entry(job.organisation_id).or_default() += job.npus;
        self.last_start.insert(job.organisation_id, now);
        self.held[job.pool] = None;
        Some(job)
    }

    /// Adds a job to its organisation's queue, in that queue's order, read
    /// after every other.
    pub fn push(&mut self, mut job: Queued) {
        job.seq = self.next_seq;
        self.next_seq += 1;
        let jobs = self.waiting.entry(job.organisation_id).or_default();
        let at = jobs.partition_point(|q| {
            (-q.priority, q.queued_at, q.seq) <= (-job.priority, job.queued_at, job.seq)
        });
        jobs.insert(at, job);
    }

    /// A job of `organisation` on `pool` ended (`None`: work the portal
    /// does not know, the cluster's other users'): its NPUs are free again.
    pub fn release(&mut self, pool: usize, npus: i64, organisation: Option<i64>) {
        self.free[pool] += npus;
        if let Some(running) = organisation.and_then(|o| self.running_npus.get_mut(&o)) {
            *running -= npus;
        }
    }

    /// The pool called `id`.
    pub fn pool(&self, id: &str) -> Option<usize> {
        self.pools.iter().position(|p| p.id == id)
    }
}

/// Chooses every queued job that fits, fairest first: the organisation with
/// the fewest NPUs running, then the one that started a job longest ago,
/// then priority, then age. Each organisation's own queue is ordered once;
/// a placement only re-ranks the organisations, so a deep queue costs one
/// pass over the jobs that do not fit per placement, not a sort.
///
/// A chosen job is marked released with an empty executor id (its NPUs are
/// spoken for from then on) and handed over by [`release`] once the
/// database is free again.
fn choose(conn: &Connection, now: i64, starvation_after_ms: i64) -> Result<(), ApiError> {
    let mut queue = Queue::read(conn, now)?;
    queue.hold_starving(now, starvation_after_ms);
    while let Some(job) = queue.next(now) {
        conn.prepare_cached("UPDATE jobs SET executor_id = '' WHERE id = ?1")?
            .execute([&job.id])?;
    }
    Ok(())
}

/// Hands the chosen jobs to the executor, in the order they were chosen,
/// and records its answers. A job whose answer never came (the cluster
/// unreachable, the portal stopped) stays chosen and is handed over again
/// on the next tick: the executor finds the earlier attempt. A job
/// cancelled meanwhile is `cancelling` and is stopped on the next tick.
fn release(db: &Db, executor: &dyn Executor, now: i64) -> Result<Vec<(i64, u64)>, ApiError> {
    let chosen = db.blocking(|conn| {
        let mut stmt = conn.prepare_cached(
            "SELECT id, organisation_id, request FROM jobs
             WHERE executor_id = '' AND state IN ('queued', 'cancelling')
             ORDER BY queued_at, id",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok::<_, ApiError>(rows)
    })?;
    let mut answers = Vec::new();
    for (id, organisation_id, request) in chosen {
        let job = RunningJob {
            id,
            organisation_id,
            request: serde_json::from_str::<JobRequest>(&request)?,
            executor_id: String::new(),
            started_at_ms: now,
            log_seq: 0,
            log_offset: 0,
            step: 0,
            total_steps: 0,
        };
        match executor.submit(&job) {
            Err(ExecutorError::Unavailable(why)) => {
                tracing::warn!(job = %job.id, error = %why, "cannot release jobs now; retrying");
                break;
            }
            answer => answers.push((job, answer)),
        }
    }
    if answers.is_empty() {
        return Ok(Vec::new());
    }
    db.blocking(|conn| {
        let tx = conn.transaction()?;
        let mut changed = Vec::new();
        for (job, answer) in answers {
            let Some(state) = tx
                .prepare_cached("SELECT state FROM jobs WHERE id = ?1 AND executor_id = ''")?
                .query_row([&job.id], |r| state_column(r, 0))
                .optional()?
            else {
                continue;
            };
            let cancelled = state == JobState::Cancelling;
            let rev = match answer {
                Ok(submitted) => {
                    tx.prepare_cached("UPDATE jobs SET executor_id = ?2 WHERE id = ?1")?
                        .execute(params![job.id, submitted.executor_id])?;
                    if cancelled {
                        bump(&tx, &job.id, now)?
                    } else if submitted.running {
                        transition(&tx, &job.id, JobState::Running, None, now)?
                    } else {
                        super::set_reason(&tx, &job.id, &Reason::released_to_cluster())?;
                        bump(&tx, &job.id, now)?
                    }
                }
                Err(why) => {
                    tracing::warn!(job = %job.id, error = %why, "the executor refused the job");
                    if cancelled {
                        transition(
                            &tx,
                            &job.id,
                            JobState::Cancelled,
                            Some(&Reason::cancelled_by_partner()),
                            now,
                        )?
                    } else {
                        transition(
                            &tx,
                            &job.id,
                            JobState::Failed,
                            Some(&Reason::cluster_refused(&why.to_string())),
                            now,
                        )?
                    }
                }
            };
            changed.push((job.organisation_id, rev));
        }
        tx.commit()?;
        Ok(changed)
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::Mutex;

    use aicc_api::auth::Role;
    use aicc_api::jobs::{ModelRef, Priority};

    use super::super::executor::{Observation, Submitted};
    use super::*;
    use crate::accounts::Caller;
    use crate::admin;
    use crate::permissions::Scopes;

    /// Jobs run until the test says they are done.
    #[derive(Debug, Default)]
    struct Manual {
        done: Mutex<HashSet<String>>,
    }

    impl Manual {
        fn finish(&self, id: &str) {
            self.done.lock().unwrap().insert(id.to_owned());
        }
    }

    impl Executor for Manual {
        fn submit(&self, job: &RunningJob) -> Result<Submitted, ExecutorError> {
            Ok(Submitted {
                executor_id: job.id.clone(),
                running: true,
            })
        }
        fn observe(&self, job: &RunningJob, _now: i64) -> Result<Observation, ExecutorError> {
            let done = self.done.lock().unwrap().contains(&job.id);
            Ok(Observation {
                status: if done {
                    Observed::Succeeded
                } else {
                    Observed::Running
                },
                step: 0,
                total_steps: 1,
                elapsed_hours: 0.1,
                logs: Vec::new(),
                log_offset: 0,
                metrics: Vec::new(),
                artifacts: Vec::new(),
            })
        }
        fn cancel(&self, _job: &RunningJob) -> Result<(), ExecutorError> {
            Ok(())
        }
    }

    struct World {
        _dir: tempfile::TempDir,
        db: Db,
        robotics: Caller,
        vision: Caller,
    }

    fn world() -> World {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("p.sqlite3")).unwrap();
        db.blocking(admin::seed_demo).unwrap();
        db.blocking(|conn| {
            super::super::upsert_pool(conn, "tiny", "One node", "Ascend 910B", 8, 1)
        })
        .unwrap();
        let caller = |email: &str| {
            let (user_id, organisation_id): (i64, i64) = db
                .blocking(|conn| {
                    conn.query_row(
                        "SELECT id, organisation_id FROM users WHERE email = ?1",
                        [email],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                })
                .unwrap();
            Caller {
                user_id,
                organisation_id,
                role: Role::PartnerAdmin,
                scopes: Scopes::full(),
                personal_token: false,
                token_hash: [0; 32],
                expires_at: i64::MAX,
            }
        };
        let (robotics, vision) = (caller("partner@demo.aicc"), caller("member@other.aicc"));
        World {
            _dir: dir,
            db,
            robotics,
            vision,
        }
    }

    fn submit(world: &mut World, who: Caller, npus: u32, at: i64) -> String {
        let request = JobRequest {
            name: format!("{npus}-npu job"),
            base_model: Some(ModelRef {
                model_id: "resnet50".into(),
                version: None,
            }),
            custom_image: None,
            dataset_uri: "obs://demo/imagenet".into(),
            pool_id: "tiny".into(),
            nodes: 1,
            npus_per_node: npus,
            max_hours: 1.0,
            hyperparameters: Default::default(),
            priority: Priority::Normal,
            note: String::new(),
        };
        world.db.blocking(|conn| {
            let tx = conn.transaction().unwrap();
            super::super::admit(&tx, &who, &request, (0.1, 720.0)).unwrap();
            let id = super::super::insert(&tx, &who, &request).unwrap();
            tx.execute(
                "UPDATE jobs SET queued_at = ?2 WHERE id = ?1",
                params![id, at],
            )
            .unwrap();
            tx.commit().unwrap();
            id
        })
    }

    fn state(world: &World, id: &str) -> String {
        world
            .db
            .blocking(|conn| {
                conn.query_row("SELECT state FROM jobs WHERE id = ?1", [id], |r| r.get(0))
            })
            .unwrap()
    }

    const TEN_MINUTES: i64 = 600_000;

    #[test]
    fn a_burst_from_one_organisation_does_not_starve_another() {
        let mut w = world();
        let executor = Manual::default();
        let (robotics, vision) = (w.robotics, w.vision);
        let a: Vec<String> = (0..3).map(|i| submit(&mut w, robotics, 8, i)).collect();
        let b = submit(&mut w, vision, 8, 10);
        tick(&w.db, &executor, 100, TEN_MINUTES).unwrap();
        assert_eq!(state(&w, &a[0]), "running");
        executor.finish(&a[0]);
        tick(&w.db, &executor, 200, TEN_MINUTES).unwrap();
        assert_eq!(state(&w, &b), "running", "the other organisation goes next");
        assert_eq!(state(&w, &a[1]), "queued");
        executor.finish(&b);
        tick(&w.db, &executor, 300, TEN_MINUTES).unwrap();
        assert_eq!(state(&w, &a[1]), "running");
    }

    #[test]
    fn small_jobs_backfill_until_a_large_one_has_waited_too_long_then_it_holds_the_pool() {
        let mut w = world();
        let executor = Manual::default();
        let (robotics, vision) = (w.robotics, w.vision);
        let small1 = submit(&mut w, vision, 1, 0);
        let big = submit(&mut w, robotics, 8, 1);
        let small2 = submit(&mut w, vision, 1, 2);
        let small3 = submit(&mut w, vision, 1, 3);
        tick(&w.db, &executor, 1_000, TEN_MINUTES).unwrap();
        assert_eq!(state(&w, &small1), "running");
        assert_eq!(state(&w, &big), "queued");
        assert_eq!(
            state(&w, &small2),
            "running",
            "backfill while the big job is young"
        );
        assert_eq!(state(&w, &small3), "running");
        executor.finish(&small3);
        let small4 = submit(&mut w, vision, 1, TEN_MINUTES);
        tick(&w.db, &executor, 1 + TEN_MINUTES, TEN_MINUTES).unwrap();
        assert_eq!(
            state(&w, &small4),
            "queued",
            "the starving big job holds the pool"
        );
        executor.finish(&small1);
        executor.finish(&small2);
        tick(&w.db, &executor, 2 + TEN_MINUTES, TEN_MINUTES).unwrap();
        assert_eq!(state(&w, &big), "running");
        assert_eq!(state(&w, &small4), "queued");
    }

    #[test]
    fn a_running_job_is_paid_from_credits_before_the_quota() {
        let mut w = world();
        let executor = Manual::default();
        let vision = w.vision;
        let grant =
            w.db.blocking(|conn| {
                let staff = admin::user_id(conn, "reviewer@demo.aicc")?;
                let grant = crate::incubation::credits::Grant {
                    npu_hours: 0.5,
                    reason: "Porting to Ascend",
                    expires_at: 1_000_000,
                };
                crate::incubation::credits::grant(conn, vision.organisation_id, &grant, staff, 0)
            })
            .unwrap();
        let id = submit(&mut w, vision, 8, 0);
        tick(&w.db, &executor, 10, TEN_MINUTES).unwrap();
        tick(&w.db, &executor, 20, TEN_MINUTES).unwrap();
        let (quota, job) =
            w.db.blocking(|conn| {
                Ok::<_, ApiError>((
                    super::super::quota_of(conn, vision.organisation_id, (0.1, 720.0), 30)?,
                    super::super::load(conn, &id)?,
                ))
            })
            .unwrap();
        assert!((job.npu_hours_used - 0.8).abs() < 1e-9, "{job:?}");
        assert_eq!(job.credits_used.len(), 1);
        assert_eq!(job.credits_used[0].credit_id, grant);
        assert!((job.credits_used[0].npu_hours - 0.5).abs() < 1e-9);
        assert!((quota.npu_hours_used - 0.3).abs() < 1e-9, "{quota:?}");
        assert_eq!(quota.credit_npu_hours_left, 0.0);
    }

    #[test]
    fn cancelling_a_running_job_ends_it_on_the_next_tick_and_charges_what_it_used() {
        let mut w = world();
        let executor = Manual::default();
        let robotics = w.robotics;
        let id = submit(&mut w, robotics, 8, 0);
        tick(&w.db, &executor, 10, TEN_MINUTES).unwrap();
        tick(&w.db, &executor, 20, TEN_MINUTES).unwrap();
        w.db.blocking(|conn| super::super::transition(conn, &id, JobState::Cancelling, None, 30))
            .unwrap();
        tick(&w.db, &executor, 40, TEN_MINUTES).unwrap();
        assert_eq!(state(&w, &id), "cancelled");
        let quota =
            w.db.blocking(|conn| {
                super::super::quota_of(conn, robotics.organisation_id, (0.1, 720.0), now_ms())
            })
            .unwrap();
        assert!((quota.npu_hours_used - 0.8).abs() < 1e-9, "{quota:?}");
        assert_eq!(quota.npu_hours_reserved, 0.0);
    }

    /// A cluster that stops answering: each call blocks until the test
    /// lets it go, and says it started first.
    #[derive(Debug)]
    struct Hanging {
        started: Mutex<std::sync::mpsc::Sender<&'static str>>,
        go: Mutex<std::sync::mpsc::Receiver<()>>,
        cancelled: Mutex<Vec<String>>,
    }

    impl Hanging {
        fn new() -> (
            Self,
            std::sync::mpsc::Receiver<&'static str>,
            std::sync::mpsc::Sender<()>,
        ) {
            let (started, starts) = std::sync::mpsc::channel();
            let (go, gone) = std::sync::mpsc::channel();
            let hanging = Self {
                started: Mutex::new(started),
                go: Mutex::new(gone),
                cancelled: Mutex::default(),
            };
            (hanging, starts, go)
        }

        fn hang(&self, call: &'static str) {
            self.started.lock().unwrap().send(call).unwrap();
            self.go.lock().unwrap().recv().unwrap();
        }
    }

    impl Executor for Hanging {
        fn submit(&self, job: &RunningJob) -> Result<Submitted, ExecutorError> {
            self.hang("submit");
            Ok(Submitted {
                executor_id: format!("slurm-{}", job.id),
                running: true,
            })
        }
        fn observe(&self, job: &RunningJob, now: i64) -> Result<Observation, ExecutorError> {
            self.hang("observe");
            Manual::default().observe(job, now)
        }
        fn cancel(&self, job: &RunningJob) -> Result<(), ExecutorError> {
            self.cancelled.lock().unwrap().push(job.executor_id.clone());
            Ok(())
        }
    }

    /// Runs `work` on the database from another thread; whether it got
    /// through before `patience` ran out.
    fn gets_through(db: &Db, work: impl FnOnce(&mut Connection) + Send + 'static) -> bool {
        let (done, finished) = std::sync::mpsc::channel();
        let db = db.clone();
        std::thread::spawn(move || {
            db.blocking(work);
            let _ = done.send(());
        });
        // Generous: only a database held for the cluster's sake waits this long.
        finished.recv_timeout(Duration::from_secs(10)).is_ok()
    }

    #[test]
    fn a_cluster_that_stops_answering_holds_up_the_scheduler_and_no_request() {
        let mut w = world();
        let robotics = w.robotics;
        let running = submit(&mut w, robotics, 4, 0);
        tick(&w.db, &Manual::default(), 10, TEN_MINUTES).unwrap();
        assert_eq!(state(&w, &running), "running");
        let queued = submit(&mut w, robotics, 4, 20);

        let (hanging, starts, go) = Hanging::new();
        let db = w.db.clone();
        let ticking = std::thread::spawn(move || tick(&db, &hanging, 30, TEN_MINUTES));
        assert_eq!(starts.recv().unwrap(), "observe");
        let (signed_in, wrote) = (
            gets_through(&w.db, |conn| {
                conn.query_row("SELECT COUNT(*) FROM users", [], |r| r.get::<_, i64>(0))
                    .unwrap();
            }),
            gets_through(&w.db, |conn| {
                conn.execute("UPDATE users SET name = name WHERE id = 1", [])
                    .unwrap();
            }),
        );
        go.send(()).unwrap();
        assert_eq!(
            starts.recv().unwrap(),
            "submit",
            "the queued job is handed over"
        );
        let read_while_releasing = gets_through(&w.db, |conn| {
            conn.query_row("SELECT COUNT(*) FROM jobs", [], |r| r.get::<_, i64>(0))
                .unwrap();
        });
        go.send(()).unwrap();
        ticking.join().unwrap().unwrap();
        assert!(
            signed_in && wrote,
            "the database waited for the cluster to observe"
        );
        assert!(
            read_while_releasing,
            "the database waited for the cluster to submit"
        );
        assert_eq!(state(&w, &queued), "running");
    }

    #[test]
    fn a_job_cancelled_while_it_is_handed_to_the_cluster_is_stopped_there_on_the_next_tick() {
        let mut w = world();
        let robotics = w.robotics;
        let id = submit(&mut w, robotics, 8, 0);
        let (hanging, starts, go) = Hanging::new();
        let hanging = Arc::new(hanging);
        let (db, executor) = (w.db.clone(), Arc::clone(&hanging));
        let ticking = std::thread::spawn(move || tick(&db, executor.as_ref(), 10, TEN_MINUTES));
        assert_eq!(starts.recv().unwrap(), "submit");
        // What the cancel route decides for a job the cluster may hold.
        let released: bool =
            w.db.blocking(|conn| {
                conn.query_row(
                    "SELECT executor_id IS NOT NULL FROM jobs WHERE id = ?1",
                    [&id],
                    |r| r.get(0),
                )
            })
            .unwrap();
        assert!(released, "a job being handed over counts as released");
        w.db.blocking(|conn| super::super::transition(conn, &id, JobState::Cancelling, None, 15))
            .unwrap();
        go.send(()).unwrap();
        ticking.join().unwrap().unwrap();
        assert_eq!(state(&w, &id), "cancelling");
        tick(&w.db, hanging.as_ref(), 20, TEN_MINUTES).unwrap();
        assert_eq!(state(&w, &id), "cancelled");
        assert_eq!(*hanging.cancelled.lock().unwrap(), [format!("slurm-{id}")]);
    }

    #[test]
    fn a_job_whose_hand_over_was_never_answered_is_handed_over_again() {
        let mut w = world();
        let robotics = w.robotics;
        let id = submit(&mut w, robotics, 8, 0);
        // The portal stopped after choosing the job, before the cluster answered.
        w.db.blocking(|conn| {
            let tx = conn.transaction()?;
            choose(&tx, 10, TEN_MINUTES)?;
            tx.commit()?;
            Ok::<_, ApiError>(())
        })
        .unwrap();
        assert_eq!(state(&w, &id), "queued");
        tick(&w.db, &Manual::default(), 20, TEN_MINUTES).unwrap();
        assert_eq!(state(&w, &id), "running");
    }

    #[test]
    fn a_job_that_writes_a_flood_of_log_keeps_its_first_8_mib_and_says_so() {
        let mut w = world();
        let robotics = w.robotics;
        let id = submit(&mut w, robotics, 1, 0);
        let running = |log_seq| RunningJob {
            id: id.clone(),
            organisation_id: robotics.organisation_id,
            request: serde_json::from_str(
                &w.db
                    .blocking(|conn| {
                        conn.query_row("SELECT request FROM jobs WHERE id = ?1", [&id], |r| {
                            r.get::<_, String>(0)
                        })
                    })
                    .unwrap(),
            )
            .unwrap(),
            executor_id: "manual".into(),
            started_at_ms: 0,
            log_seq,
            log_offset: 0,
            step: 0,
            total_steps: 0,
        };
        // 1 KiB lines: 8,192 of them fill the cap, with their newlines a bit sooner.
        let line = "x".repeat(1023);
        let flood: Vec<String> = vec![line; 10_000];
        let (first, second) = (running(0), running(10_000));
        w.db.blocking(|conn| store_logs(conn, &first, &flood, 1))
            .unwrap();
        w.db.blocking(|conn| store_logs(conn, &second, &flood, 2))
            .unwrap();
        let (rows, bytes, last): (u64, u64, String) =
            w.db.blocking(|conn| {
                conn.query_row(
                    "SELECT COUNT(*), SUM(LENGTH(text) + 1),
                        (SELECT text FROM job_logs WHERE job_id = ?1 ORDER BY seq DESC LIMIT 1)
                 FROM job_logs WHERE job_id = ?1",
                    [&id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
            })
            .unwrap();
        assert_eq!(rows, 8192 + 1);
        assert!(bytes <= MAX_LOG_BYTES + 200, "{bytes} bytes kept");
        assert!(last.contains("8 MiB"), "{last}");
    }

    /// NPUs the jobs running on the 8-NPU pool hold.
    fn running_npus(world: &World) -> i64 {
        world
            .db
            .blocking(|conn| {
                conn.query_row(
                    "SELECT COALESCE(SUM(npus), 0) FROM jobs
                     WHERE pool_id = 'tiny' AND state IN ('running', 'cancelling')",
                    [],
                    |r| r.get(0),
                )
            })
            .unwrap()
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(24))]

        #[test]
        fn the_pool_is_never_overfilled_and_every_job_starts_in_the_end(
            jobs in proptest::collection::vec((proptest::prelude::any::<bool>(), 1u32..=8, 0i64..50), 1..12),
            finishing in proptest::collection::vec(proptest::prelude::any::<bool>(), 40),
        ) {
            let mut w = world();
            let executor = Manual::default();
            let ids: Vec<String> = jobs
                .iter()
                .map(|&(robotics, npus, at)| {
                    let who = if robotics { w.robotics } else { w.vision };
                    submit(&mut w, who, npus, at)
                })
                .collect();
            let mut now = 100;
            for finish in finishing.iter().chain(std::iter::repeat(&true)).take(200) {
                tick(&w.db, &executor, now, TEN_MINUTES).unwrap();
                proptest::prop_assert!(running_npus(&w) <= 8, "{} NPUs run on 8", running_npus(&w));
                let running: Vec<&String> =
                    ids.iter().filter(|id| state(&w, id) == "running").collect();
                if *finish && let Some(first) = running.first() {
                    executor.finish(first);
                }
                if ids.iter().all(|id| state(&w, id) == "succeeded") {
                    break;
                }
                now += 60_000;
            }
            for id in &ids {
                proptest::prop_assert_eq!(state(&w, id), "succeeded", "{} never ran", id);
            }
        }
    }
}
