//! When would a job start? The scheduler's own placement replayed forward
//! from now over the jobs running and queued, with each job's likely end
//! taken from the center's history: how long jobs of the organisation (or
//! of its size, or any) really ran against the hours they asked for. Two
//! replays give the window: one with the median share of the asked hours
//! (p50), one with the 90th percentile (p90). A plain backfill estimate
//! (every job runs to its limit) is [`Shares::LIMIT`].
//!
//! A cluster that can say when it would start a job (Slurm's
//! `sbatch --test-only`) is asked as well, with the database free, and the
//! two are combined: the replay knows the portal's queue and how long its
//! jobs really run; the cluster knows its other users' work, its
//! reservations and how free NPUs are spread over nodes, and plans with
//! every job at its limit. The replay takes the other users' work to end
//! when the cluster says (see [`window`]); [`combine`] then moves the start
//! no earlier than the cluster allows.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use aicc_api::jobs::{
    EstimateCalibration, EstimateSource, JobRequest, NotAdmissible, StartEstimate, StartWindow,
};
use rusqlite::Connection;

use super::executor::ClusterPlan;
use super::scheduler::{Queue, Queued};
use crate::clock::rfc3339;
use crate::error::ApiError;

const HOUR_MS: f64 = 3_600_000.0;
/// Fewer finished jobs than this say too little: a wider circle is asked.
const ENOUGH: usize = 5;
/// The most jobs a replay starts or ends, and the longest it may take: a
/// queue deeper than that gets no estimate rather than holding a
/// connection (a partner may queue thousands of small jobs).
const MOST_EVENTS: u32 = 2_000;
const MOST_TIME: std::time::Duration = std::time::Duration::from_millis(250);
/// Estimates name times to the next five minutes: finer would tell one
/// organisation when another's jobs started and what they asked for.
const ROUND_MS: i64 = 5 * 60_000;

/// The shares of their asked hours that finished jobs really ran, sorted.
#[derive(Debug, Clone, Default)]
pub struct Shares(Vec<f64>);

impl Shares {
    /// Every job runs to its limit: a plain backfill's assumption.
    pub const LIMIT: f64 = 1.0;

    /// The `q` quantile of the shares above `at_least` (a running job has
    /// already run that share), or the limit when none are.
    fn quantile(&self, q: f64, at_least: f64) -> f64 {
        let above: Vec<f64> = self.0.iter().copied().filter(|s| *s > at_least).collect();
        if above.is_empty() {
            return Self::LIMIT;
        }
        let i = ((above.len() - 1) as f64 * q).round() as usize;
        above[i.min(above.len() - 1)]
    }
}

/// How long jobs really ran against what they asked, by organisation and
/// by size.
#[derive(Debug, Default)]
pub struct History {
    by_organisation: HashMap<i64, Shares>,
    by_npus: HashMap<i64, Shares>,
    all: Shares,
}

impl History {
    /// The last 1000 jobs that ran and ended.
    pub fn read(conn: &Connection) -> Result<Self, ApiError> {
        let mut history = History::default();
        let mut stmt = conn.prepare_cached(
            "SELECT organisation_id, npus, (ended_at - started_at) / (max_npu_hours / npus * 3600000.0)
             FROM jobs WHERE started_at IS NOT NULL AND ended_at IS NOT NULL
               AND max_npu_hours > 0 AND npus > 0
             ORDER BY ended_at DESC LIMIT 1000",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, f64>(2)?,
            ))
        })?;
        for row in rows {
            let (organisation, npus, share) = row?;
            let share = share.clamp(0.0, 1.0);
            history
                .by_organisation
                .entry(organisation)
                .or_default()
                .0
                .push(share);
            history.by_npus.entry(npus).or_default().0.push(share);
            history.all.0.push(share);
        }
        for shares in history
            .by_organisation
            .values_mut()
            .chain(history.by_npus.values_mut())
        {
            shares.0.sort_by(f64::total_cmp);
        }
        history.all.0.sort_by(f64::total_cmp);
        Ok(history)
    }

    /// The shares a job of `organisation` on `npus` NPUs is judged by.
    fn of(&self, organisation: i64, npus: i64) -> &Shares {
        [
            self.by_organisation.get(&organisation),
            self.by_npus.get(&npus),
        ]
        .into_iter()
        .flatten()
        .find(|s| s.0.len() >= ENOUGH)
        .unwrap_or(&self.all)
    }
}

/// NPUs held now, and by what.
struct Running {
    pool: usize,
    npus: i64,
    holder: Holder,
}

enum Holder {
    /// A job of the portal's, which likely ends as its history says.
    Job {
        organisation: i64,
        started_at: i64,
        max_hours: f64,
    },
    /// Work the portal does not know (the cluster's other users'), taken
    /// to end when the cluster says it could start the job asked about.
    Others { until: i64 },
}

/// NPUs a replay frees: when, in which pool, how many, and whose (`None`:
/// the cluster's other users').
type End = (i64, usize, i64, Option<i64>);

/// Why a replay gave no start.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Stalled {
    /// Nothing running or queued would ever make room.
    Never,
    /// More to replay than [`MOST_EVENTS`] or [`MOST_TIME`] allow.
    TooDeep,
}

/// When the job would start: the placement replayed with each job's
/// ending at the `q` quantile of its history's shares (1.0 for the limit).
/// Returns the start and how many queued jobs start before it.
fn replay(
    mut queue: Queue,
    running: &[Running],
    history: &History,
    candidate: Queued,
    q: Option<f64>,
    now: i64,
    starvation_after_ms: i64,
) -> Result<(i64, u32), Stalled> {
    let share = |organisation: i64, npus: i64, ran: f64| match q {
        Some(q) => history.of(organisation, npus).quantile(q, ran),
        None => Shares::LIMIT,
    };
    let mut ends: BinaryHeap<Reverse<End>> = running
        .iter()
        .map(|r| match r.holder {
            Holder::Job {
                organisation,
                started_at,
                max_hours,
            } => {
                let limit = max_hours * HOUR_MS;
                let ran = ((now - started_at) as f64 / limit).clamp(0.0, 1.0);
                let end = started_at + (share(organisation, r.npus, ran) * limit) as i64;
                Reverse((end.max(now), r.pool, r.npus, Some(organisation)))
            }
            Holder::Others { until } => Reverse((until.max(now), r.pool, r.npus, None)),
        })
        .collect();
    let id = candidate.id.clone();
    queue.push(candidate);
    let mut at = now;
    let mut ahead = 0;
    let (mut events, started) = (0, std::time::Instant::now());
    loop {
        queue.hold_starving(at, starvation_after_ms);
        while let Some(job) = queue.next(at) {
            if job.id == id {
                return Ok((at, ahead));
            }
            events += 1;
            if events > MOST_EVENTS || started.elapsed() > MOST_TIME {
                return Err(Stalled::TooDeep);
            }
            ahead += 1;
            let lasts = share(job.organisation_id, job.npus, 0.0) * job.max_hours * HOUR_MS;
            ends.push(Reverse((
                at + (lasts as i64).max(1),
                job.pool,
                job.npus,
                Some(job.organisation_id),
            )));
        }
        let Reverse((end, pool, npus, organisation)) = ends.pop().ok_or(Stalled::Never)?;
        events += 1;
        if events > MOST_EVENTS || started.elapsed() > MOST_TIME {
            return Err(Stalled::TooDeep);
        }
        at = at.max(end);
        queue.release(pool, npus, organisation);
    }
}

/// The jobs holding NPUs now: running, being cancelled, or handed to the
/// cluster and not yet started there (as placement counts them).
fn running(conn: &Connection, queue: &Queue, now: i64) -> Result<Vec<Running>, ApiError> {
    let mut stmt = conn.prepare_cached(
        "SELECT pool_id, npus, organisation_id, started_at, max_npu_hours FROM jobs
         WHERE state IN ('running', 'cancelling') OR (state = 'queued' AND executor_id IS NOT NULL)",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, Option<i64>>(3)?,
            r.get::<_, f64>(4)?,
        ))
    })?;
    let mut running = Vec::new();
    for row in rows {
        let (pool, npus, organisation, started_at, max_npu_hours) = row?;
        if let Some(pool) = queue.pool(&pool) {
            running.push(Running {
                pool,
                npus,
                holder: Holder::Job {
                    organisation,
                    started_at: started_at.unwrap_or(now),
                    max_hours: max_npu_hours / npus.max(1) as f64,
                },
            });
        }
    }
    Ok(running)
}

/// How the estimate treats jobs' ends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Ends {
    /// As the center's history says jobs end: the median and 90th
    /// percentile of the share of their hours they ran.
    Likely,
    /// At their limits, as a plain backfill assumes.
    AtTheirLimits,
}

/// When a job would start, unix ms, each named to the next five minutes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    pub p50: i64,
    pub p90: i64,
    /// Queued jobs that start before it.
    pub ahead: u32,
}

/// What replaying the portal's queue found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Replayed {
    Starts(Window),
    /// Nothing known to end would ever make room (or there is no such
    /// pool).
    Never,
    /// The queue is too deep to replay in time: no estimate.
    TooDeep,
}

/// Now stays now; a later time is named to the next five minutes.
fn rounded(at: i64, now: i64) -> i64 {
    if at <= now {
        now
    } else {
        (at + ROUND_MS - 1) / ROUND_MS * ROUND_MS
    }
}

/// When `request`, sent by `organisation` now, would start by the
/// portal's own queue: the replayed window and the jobs ahead of it. With
/// the cluster's plan (`cluster`), the pool's NPUs held by work the portal
/// does not know are free from the time the cluster names.
pub fn window(
    conn: &Connection,
    organisation: i64,
    request: &JobRequest,
    now: i64,
    starvation_after_ms: i64,
    ends: Ends,
    cluster: Option<&ClusterPlan>,
) -> Result<Replayed, ApiError> {
    let queue = Queue::read(conn, now)?;
    let Some(pool) = queue.pool(&request.pool_id) else {
        return Ok(Replayed::Never);
    };
    let mut running = running(conn, &queue, now)?;
    if let Some(ClusterPlan::At(until)) = cluster {
        let held: i64 = running
            .iter()
            .filter(|r| r.pool == pool)
            .map(|r| r.npus)
            .sum();
        let described = &queue.pools[pool];
        let others = i64::from(described.total_npus) - i64::from(described.free_npus) - held;
        if others > 0 {
            running.push(Running {
                pool,
                npus: others,
                holder: Holder::Others { until: *until },
            });
        }
    }
    let history = History::read(conn)?;
    let candidate = Queued {
        seq: 0,
        id: String::new(),
        organisation_id: organisation,
        pool,
        npus: i64::from(request.npus()),
        priority: request.priority as i64,
        queued_at: now,
        max_hours: request.max_hours,
    };
    let (likely, late) = match ends {
        Ends::Likely => (Some(0.5), Some(0.9)),
        Ends::AtTheirLimits => (None, None),
    };
    let replayed = |q| {
        replay(
            queue.clone(),
            &running,
            &history,
            candidate.clone(),
            q,
            now,
            starvation_after_ms,
        )
    };
    Ok(match (replayed(likely), replayed(late)) {
        (Ok((p50, ahead)), Ok((p90, _))) => Replayed::Starts(Window {
            p50: rounded(p50, now),
            p90: rounded(p90.max(p50), now),
            ahead,
        }),
        (Err(Stalled::TooDeep), _) | (_, Err(Stalled::TooDeep)) => Replayed::TooDeep,
        _ => Replayed::Never,
    })
}

/// A cluster's start this close to now is now: its answer comes a moment
/// after the replay's, in whole seconds.
const CLUSTER_NOW_MS: i64 = 60_000;

/// The replay's answer (made with the cluster's plan, see [`window`]) and
/// the cluster's plan itself, as one window and the source it comes from:
///
/// - without the cluster's word, the replay's window;
/// - when the cluster cannot place the job as things stand, no start;
/// - otherwise the replay's window, where a job the portal would release
///   at once starts when the cluster says, and the late end is no earlier
///   than the cluster's plan (which has every job at its limit).
pub fn combine(
    replayed: Replayed,
    cluster: Option<&ClusterPlan>,
    now: i64,
) -> (Option<Window>, EstimateSource) {
    let window = match replayed {
        Replayed::Starts(window) => Some(window),
        Replayed::Never | Replayed::TooDeep => None,
    };
    match cluster {
        None => (window, EstimateSource::Replay),
        Some(ClusterPlan::CannotPlan(_)) => (None, EstimateSource::Cluster),
        Some(ClusterPlan::At(at)) => {
            let at = if *at <= now + CLUSTER_NOW_MS {
                now
            } else {
                rounded(*at, now)
            };
            let window = window.map(|w| {
                let p50 = if w.p50 <= now { at } else { w.p50 };
                Window {
                    p50,
                    p90: w.p90.max(at).max(p50),
                    ahead: w.ahead,
                }
            });
            (window, EstimateSource::ReplayAndCluster)
        }
    }
}

/// Why the center would refuse `request` from `caller`, as submission
/// would refuse it; `None` when it would take it.
pub fn refusal(
    conn: &Connection,
    caller: &crate::accounts::Caller,
    request: &JobRequest,
    hours: (f64, f64),
) -> Result<Option<NotAdmissible>, ApiError> {
    match caller
        .may(crate::permissions::Action::SubmitJob)
        .and_then(|()| super::store::admit(conn, caller, request, hours))
    {
        Ok(()) => Ok(None),
        Err(e) => {
            let (inner, reason) = e.reasoned();
            let field = match inner {
                ApiError::InvalidInput { field, .. } => Some(field.clone()),
                ApiError::QuotaExceeded(_) | ApiError::Forbidden(_) => None,
                _ => return Err(e),
            };
            let (_, code) = e.status_and_code();
            Ok(Some(NotAdmissible {
                code: serde_json::to_value(code)
                    .ok()
                    .and_then(|c| c.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                field,
                message: e.to_string(),
                reason: reason.cloned(),
            }))
        }
    }
}

/// The answer to `POST /v1/jobs/estimate` made at `now`.
pub fn answer(
    refusal: Option<NotAdmissible>,
    (window, source): (Option<Window>, EstimateSource),
    now: i64,
) -> StartEstimate {
    let admissible = refusal.is_none();
    let window = window.filter(|_| admissible);
    StartEstimate {
        admissible,
        refusal,
        start: window.map(|w| StartWindow {
            now: w.p50 <= now,
            p50: rfc3339(w.p50),
            p90: rfc3339(w.p90),
        }),
        jobs_ahead: window.map_or(0, |w| w.ahead),
        source,
        estimated_at: rfc3339(now),
    }
}

/// A start counts as inside its window up to this late: the scheduler
/// places jobs on its ticks, not at the instant the window names.
const GRACE_MS: i64 = 60_000;

/// How good the pool's estimates have been; a pool that does not exist is
/// not found.
pub fn calibration(conn: &Connection, pool_id: &str) -> Result<EstimateCalibration, ApiError> {
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM pools WHERE id = ?1)",
        [pool_id],
        |r| r.get(0),
    )?;
    if !exists {
        return Err(ApiError::NotFound(format!(
            "there is no pool \"{pool_id}\""
        )));
    }
    let mut stmt = conn.prepare_cached(
        "SELECT started_at, estimated_p50, estimated_p90 FROM jobs
         WHERE pool_id = ?1 AND started_at IS NOT NULL AND estimated_p50 IS NOT NULL
           AND estimated_p90 IS NOT NULL",
    )?;
    let starts = stmt
        .query_map([pool_id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let inside = starts
        .iter()
        .filter(|(at, _, p90)| *at <= p90 + GRACE_MS)
        .count();
    let mut errors: Vec<f64> = starts
        .iter()
        .map(|(at, p50, _)| (at - p50).abs() as f64 / 1000.0)
        .collect();
    errors.sort_by(f64::total_cmp);
    Ok(EstimateCalibration {
        pool_id: pool_id.to_owned(),
        jobs: starts.len() as u32,
        started_inside_p90: if starts.is_empty() {
            0.0
        } else {
            inside as f64 / starts.len() as f64
        },
        median_error_secs: errors.get(errors.len() / 2).copied().unwrap_or(0.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    const HOUR: i64 = 3_600_000;
    const NOW: i64 = 1_800_000_000_000;

    /// The demo's organisations and a pool of one 8-NPU node.
    fn center() -> (tempfile::TempDir, Db, i64, i64) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("p.sqlite3")).unwrap();
        let (robotics, vision) = db
            .blocking(|conn| {
                crate::admin::seed_demo(conn)?;
                super::super::upsert_pool(conn, "tiny", "One node", "Ascend 910B", 8, 1)?;
                Ok::<_, ApiError>((
                    crate::admin::organisation_id(conn, "Demo Robotics")?,
                    crate::admin::organisation_id(conn, "Other Vision")?,
                ))
            })
            .unwrap();
        (dir, db, robotics, vision)
    }

    /// A job of `organisation` on the tiny pool, in `state`.
    fn job(
        db: &Db,
        organisation: i64,
        npus: i64,
        state: &str,
        started: Option<i64>,
        ended: Option<i64>,
        queued: i64,
    ) {
        db.blocking(|conn| {
            let rev = crate::feed::next_rev(conn)?;
            let user: i64 = conn.query_row(
                "SELECT id FROM users WHERE organisation_id = ?1 LIMIT 1",
                [organisation],
                |r| r.get(0),
            )?;
            conn.execute(
                "INSERT INTO jobs (id, organisation_id, user_id, rev, pool_id, request, npus,
                     max_npu_hours, priority, state, created_at, updated_at, queued_at, started_at,
                     ended_at, executor_id)
                 VALUES (?1, ?2, ?3, ?4, 'tiny', '{}', ?5, ?6, 1, ?7, ?8, ?8, ?8, ?9, ?10, ?11)",
                rusqlite::params![
                    format!("job_{rev}"),
                    organisation,
                    user,
                    rev as i64,
                    npus,
                    npus as f64,
                    state,
                    queued,
                    started,
                    ended,
                    started.map(|_| "sim")
                ],
            )?;
            Ok::<_, ApiError>(())
        })
        .unwrap();
    }

    fn asked(npus: u32) -> JobRequest {
        serde_json::from_value(serde_json::json!({
            "name": "estimate me", "base_model": {"model_id": "resnet50", "version": null},
            "custom_image": null, "dataset_uri": "obs://demo/d", "pool_id": "tiny",
            "nodes": 1, "npus_per_node": npus, "max_hours": 1.0,
        }))
        .unwrap()
    }

    /// The replay for `npus` NPUs asked by `organisation` at `NOW`.
    fn replayed(
        db: &Db,
        organisation: i64,
        npus: u32,
        ends: Ends,
        cluster: Option<&ClusterPlan>,
    ) -> Replayed {
        db.blocking(|conn| {
            window(
                conn,
                organisation,
                &asked(npus),
                NOW,
                10 * HOUR,
                ends,
                cluster,
            )
        })
        .unwrap()
    }

    fn when(db: &Db, organisation: i64, npus: u32, ends: Ends) -> Option<(i64, i64, u32)> {
        match replayed(db, organisation, npus, ends, None) {
            Replayed::Starts(w) => Some((w.p50, w.p90, w.ahead)),
            Replayed::Never | Replayed::TooDeep => None,
        }
    }

    #[test]
    fn a_free_pool_starts_a_job_now() {
        let (_dir, db, robotics, _) = center();
        assert_eq!(when(&db, robotics, 4, Ends::Likely), Some((NOW, NOW, 0)));
    }

    #[test]
    fn a_full_pool_starts_it_when_the_running_job_likely_ends() {
        let (_dir, db, robotics, _) = center();
        job(
            &db,
            robotics,
            8,
            "running",
            Some(NOW - HOUR / 2),
            None,
            NOW - HOUR,
        );
        // At its limit (1 h, started half an hour ago): in half an hour.
        assert_eq!(
            when(&db, robotics, 4, Ends::AtTheirLimits),
            Some((NOW + HOUR / 2, NOW + HOUR / 2, 0))
        );
        // The organisation's jobs of this size have run three quarters of
        // their hours: the likely end is a quarter of an hour from now.
        for i in 0..5 {
            let started = NOW - 10 * HOUR + i * HOUR;
            job(
                &db,
                robotics,
                8,
                "succeeded",
                Some(started),
                Some(started + 3 * HOUR / 4),
                started,
            );
        }
        let (p50, p90, _) = when(&db, robotics, 4, Ends::Likely).unwrap();
        assert_eq!(p50, NOW + HOUR / 4);
        assert!(p90 >= p50 && p90 <= NOW + HOUR / 2);
    }

    #[test]
    fn the_estimate_is_as_fair_across_organisations_as_placement() {
        let (_dir, db, robotics, vision) = center();
        // Robotics runs 4 NPUs and has another 4-NPU job waiting; 4 are free.
        job(
            &db,
            robotics,
            4,
            "running",
            Some(NOW - HOUR / 2),
            None,
            NOW - HOUR,
        );
        job(&db, robotics, 4, "queued", None, None, NOW - HOUR / 4);
        // Vision runs nothing: its job goes first, ahead of Robotics' own.
        assert_eq!(
            when(&db, vision, 4, Ends::AtTheirLimits),
            Some((NOW, NOW, 0))
        );
        // Robotics' new job waits behind its own earlier one.
        let (p50, _, ahead) = when(&db, robotics, 4, Ends::AtTheirLimits).unwrap();
        assert_eq!((p50, ahead), (NOW + HOUR / 2, 1));
    }

    #[test]
    fn a_queue_too_deep_to_replay_gets_no_estimate_rather_than_a_slow_one() {
        let (_dir, db, robotics, vision) = center();
        job(
            &db,
            robotics,
            8,
            "running",
            Some(NOW - HOUR / 2),
            None,
            NOW - HOUR,
        );
        for i in 0..(MOST_EVENTS as i64 + 100) {
            job(&db, robotics, 1, "queued", None, None, NOW - HOUR + i);
        }
        // Behind its own thousands of jobs: more than a replay may do.
        let deep = replayed(&db, robotics, 8, Ends::Likely, None);
        assert_eq!(deep, Replayed::TooDeep);
        // The cluster does not see the portal's queue: its word alone is
        // not taken for it.
        assert_eq!(combine(deep, Some(&ClusterPlan::At(NOW)), NOW).0, None);
        // Another organisation goes first, as placement would have it.
        assert!(when(&db, vision, 8, Ends::Likely).is_some());
    }

    #[test]
    fn the_clusters_word_moves_a_start_later_and_says_when_it_cannot_place_the_job() {
        let starts = |p50, p90| Replayed::Starts(Window { p50, p90, ahead: 2 });
        let at = |t| Some(ClusterPlan::At(t));
        // Without the cluster's word, the replay's window.
        assert_eq!(
            combine(starts(NOW + HOUR, NOW + 2 * HOUR), None, NOW),
            (
                Some(Window {
                    p50: NOW + HOUR,
                    p90: NOW + 2 * HOUR,
                    ahead: 2
                }),
                EstimateSource::Replay
            )
        );
        // Released at once, but the cluster cannot place it for half an
        // hour (nodes spread, a reservation): it starts when the cluster says.
        let (window, source) = combine(starts(NOW, NOW), at(NOW + HOUR / 2 + 1).as_ref(), NOW);
        assert_eq!(
            (window.map(|w| (w.p50, w.p90)), source),
            (
                Some((NOW + HOUR / 2 + ROUND_MS, NOW + HOUR / 2 + ROUND_MS)),
                EstimateSource::ReplayAndCluster
            ),
            "named to the next five minutes"
        );
        // The cluster answers a moment after the replay, in whole seconds:
        // a start within the minute is now, not the next five minutes.
        let (window, _) = combine(starts(NOW, NOW), at(NOW + 2_000).as_ref(), NOW);
        assert_eq!(window.map(|w| (w.p50, w.p90)), Some((NOW, NOW)));
        // Behind the portal's own queue: the replay's likely start stands,
        // the late end is no earlier than the cluster's plan (at limits).
        let (window, _) = combine(
            starts(NOW + HOUR, NOW + 2 * HOUR),
            at(NOW + 3 * HOUR).as_ref(),
            NOW,
        );
        assert_eq!(
            window.map(|w| (w.p50, w.p90)),
            Some((NOW + HOUR, NOW + 3 * HOUR))
        );
        // The cluster cannot place it as things stand: no start, and not
        // "at once".
        assert_eq!(
            combine(
                starts(NOW, NOW),
                Some(&ClusterPlan::CannotPlan(
                    "Requested node configuration is not available".into()
                )),
                NOW
            ),
            (None, EstimateSource::Cluster)
        );
    }

    #[test]
    fn work_the_portal_does_not_know_ends_when_the_cluster_says_and_the_portals_queue_goes_first() {
        let (_dir, db, robotics, vision) = center();
        // The cluster's other users hold the pool's eight NPUs; Demo
        // Robotics already waits for all eight.
        db.blocking(|conn| conn.execute("UPDATE pools SET free_npus = 0 WHERE id = 'tiny'", []))
            .unwrap();
        job(&db, robotics, 8, "queued", None, None, NOW - HOUR);
        let asked_by_vision =
            |cluster: Option<&ClusterPlan>| replayed(&db, vision, 8, Ends::Likely, cluster);
        // Nothing the portal knows ends: no start without the cluster.
        assert_eq!(asked_by_vision(None), Replayed::Never);
        // The others' work ends in an hour; Demo Robotics' job goes first
        // and runs its hour (no history: to its limit); then this one.
        let cluster = ClusterPlan::At(NOW + HOUR);
        let (window, source) = combine(asked_by_vision(Some(&cluster)), Some(&cluster), NOW);
        assert_eq!(source, EstimateSource::ReplayAndCluster);
        assert_eq!(
            window.map(|w| (w.p50, w.p90, w.ahead)),
            Some((NOW + 2 * HOUR, NOW + 2 * HOUR, 1))
        );
    }
}
