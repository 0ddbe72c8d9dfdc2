//! Training jobs: admission (validation and quota), the per-organisation
//! change feed, logs, metrics, artifacts and cancellation; the pools and
//! quota partners see. The handlers are here, what they and the scheduler
//! read and write in `store`; placement and execution live in `scheduler`
//! and the executors.

pub mod estimate;
pub mod executor;
pub mod history;
pub mod reason;
pub mod scheduler;
pub mod simulated;
pub mod slurm;
mod store;

use aicc_api::jobs::{
    Artifact, EstimateCalibration, EstimateSource, Job, JobRequest, JobState, LogLine, LogPage,
    MetricSeries, POOL_HISTORY_HOURS, Pool, PoolHistory, Quota, StartEstimate,
};
use aicc_api::sync::Collection;
use aicc_api::sync::{ChangePage, ChangesQuery};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use rusqlite::params;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::accounts::Caller;
use crate::clock::{now_ms, rfc3339};
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery};
use crate::feed::{self, ChangesParams};
use crate::idempotency::{Idempotency, Made};
use crate::permissions::Action;
use store::{admit, artifacts_of, insert, job_rev, metrics_of, visible};
pub use store::{
    list_pools, load, quota_of, record_capacity, set_quota, set_reason, transition, upsert_pool,
};

/// The jobs routes: a partner's training requests, their logs, metrics and
/// artifacts, and the center's pools and the organisation's quota.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(changes))
        .routes(routes!(get))
        .routes(routes!(cancel))
        .routes(routes!(logs))
        .routes(routes!(metrics))
        .routes(routes!(artifacts))
        .routes(routes!(pools))
        .routes(routes!(estimate_start))
        .routes(routes!(estimate_calibration))
        .routes(routes!(pool_history))
        .routes(routes!(quota))
}

/// `POST /v1/jobs`: asks for NPU time. Refused with the reason when the
/// request is invalid or needs more NPU-hours than the organisation has left.
#[utoipa::path(post, path = "/v1/jobs", tag = "jobs", request_body = JobRequest,
    responses((status = 201, body = Job), (status = 422, body = aicc_api::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    once: Idempotency,
    ApiJson(request): ApiJson<JobRequest>,
) -> Result<Response, ApiError> {
    caller.may(Action::SubmitJob)?;
    let hours = (state.config.min_job_hours, state.config.max_job_hours);
    // The start the center expects, kept beside the real one: worked out
    // before the write transaction, so the writer is never held by it.
    // The cluster is not asked here (a sick controller would hold every
    // submission): its plan is used when one is at hand, as it is after
    // the form asked for an estimate.
    let (window, _) =
        expected_start(&state, caller.organisation_id, request.clone(), false).await?;
    let made = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let caller = caller.now(&tx)?;
            caller.may(Action::SubmitJob)?;
            let made = once.once(&tx, StatusCode::CREATED, || {
                admit(&tx, &caller, &request, hours)?;
                let id = insert(&tx, &caller, &request)?;
                if let Some(window) = window {
                    tx.execute(
                        "UPDATE jobs SET estimated_p50 = ?2, estimated_p90 = ?3 WHERE id = ?1",
                        params![id, window.p50, window.p90],
                    )?;
                }
                Ok((load(&tx, &id)?, job_rev(&tx, &id)?))
            })?;
            tx.commit()?;
            Ok::<_, ApiError>(made)
        })
        .await?;
    Ok(announce(&state, caller.organisation_id, made))
}

fn starvation_after_ms(state: &AppState) -> i64 {
    i64::try_from(state.config.starvation_after_secs.saturating_mul(1000)).unwrap_or(i64::MAX)
}

/// `POST /v1/jobs/estimate`: whether the center would take this request
/// now (the rules of submission, with the reason) and when it would start
/// if sent now: its scheduler replayed over the jobs running and queued,
/// each ending as the center's history says jobs like it end. Nothing is
/// made.
#[utoipa::path(post, path = "/v1/jobs/estimate", tag = "jobs", request_body = JobRequest,
    responses((status = 200, body = StartEstimate)))]
pub async fn estimate_start(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(request): ApiJson<JobRequest>,
) -> Result<Json<StartEstimate>, ApiError> {
    caller.may(Action::ReadOrganisation)?;
    let hours = (state.config.min_job_hours, state.config.max_job_hours);
    let organisation = caller.organisation_id;
    let asked = request.clone();
    let refusal = state
        .db
        .read(move |conn| estimate::refusal(conn, &caller, &asked, hours))
        .await?;
    let expected = if refusal.is_none() {
        expected_start(&state, organisation, request, true).await?
    } else {
        (None, EstimateSource::Replay)
    };
    Ok(Json(estimate::answer(refusal, expected, now_ms())))
}

/// When `request`, sent by `organisation` now, would start: the cluster's
/// own plan (asked with the database free when `ask`, else only one at
/// hand), then the portal's queue replayed on a read connection with it;
/// combined as [`estimate::combine`] says.
async fn expected_start(
    state: &AppState,
    organisation: i64,
    request: JobRequest,
    ask: bool,
) -> Result<(Option<estimate::Window>, EstimateSource), ApiError> {
    let starvation_after = starvation_after_ms(state);
    let executor = std::sync::Arc::clone(&state.executor);
    let asked = request.clone();
    let cluster = if ask {
        tokio::task::spawn_blocking(move || executor.planned_start(&asked, true))
            .await
            .unwrap_or_default()
    } else {
        executor.planned_start(&asked, false)
    };
    let now = now_ms();
    let plan = cluster.clone();
    let replayed = state
        .db
        .read(move |conn| {
            estimate::window(
                conn,
                organisation,
                &request,
                now,
                starvation_after,
                estimate::Ends::Likely,
                plan.as_ref(),
            )
        })
        .await?;
    Ok(estimate::combine(replayed, cluster.as_ref(), now))
}

/// `GET /v1/pools/{id}/estimates`: how good the pool's start estimates
/// have been: of the jobs estimated when submitted and started since, the
/// share that started by their p90, and the median error of the p50.
#[utoipa::path(get, path = "/v1/pools/{id}/estimates", tag = "jobs",
    params(("id" = String, Path)), responses((status = 200, body = EstimateCalibration), (status = 404, body = aicc_api::ErrorBody)))]
pub async fn estimate_calibration(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<EstimateCalibration>, ApiError> {
    caller.may(Action::ReadCatalog)?;
    Ok(Json(
        state
            .db
            .read(move |conn| estimate::calibration(conn, &id))
            .await?,
    ))
}

/// Tells the organisation's apps and the scheduler about a job write made
/// now (a replay changed nothing), and answers it.
fn announce(state: &AppState, organisation_id: i64, made: Made<Job, u64>) -> Response {
    if let Some(rev) = made.then() {
        state
            .events
            .publish(Collection::Jobs, *rev, Some(organisation_id));
        state.scheduler_wake.notify_one();
    }
    made.answer()
}

/// `GET /v1/jobs/changes`: the caller's organisation's jobs, by revision.
#[utoipa::path(get, path = "/v1/jobs/changes", tag = "jobs", params(ChangesParams),
    responses((status = 200, body = ChangePage<Job>)))]
pub async fn changes(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ChangesQuery>,
) -> Result<Json<ChangePage<Job>>, ApiError> {
    feed::organisation_changes(&state, caller, query, Collection::Jobs, load).await
}

/// `GET /v1/jobs/{id}`.
#[utoipa::path(get, path = "/v1/jobs/{id}", tag = "jobs",
    params(("id" = String, Path)), responses((status = 200, body = Job), (status = 404, body = aicc_api::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Job>, ApiError> {
    about_job(&state, caller, id, load).await
}

/// `POST /v1/jobs/{id}/cancel`: a queued job ends at once; a running one
/// goes to `cancelling` until its executor has stopped it.
#[utoipa::path(post, path = "/v1/jobs/{id}/cancel", tag = "jobs",
    params(("id" = String, Path)), responses((status = 200, body = Job), (status = 409, body = aicc_api::ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    once: Idempotency,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let made = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let caller = caller.now(&tx)?;
            let (current, owner) = visible(&tx, &caller, &id)?;
            caller.may(Action::to_cancel(owner == caller.user_id))?;
            let made = once.once(&tx, StatusCode::OK, || {
                let released: bool = tx.query_row(
                    "SELECT executor_id IS NOT NULL FROM jobs WHERE id = ?1",
                    [&id],
                    |r| r.get(0),
                )?;
                if !current.may_be_cancelled() {
                    let code = if current == JobState::Cancelling {
                        "cancelling_already"
                    } else {
                        "job_not_cancellable"
                    };
                    return Err(ApiError::Conflict(format!(
                        "the job is {} and cannot be cancelled",
                        current.as_str()
                    ))
                    .because(code, &[]));
                }
                // A job its executor holds must be stopped there first.
                let next = if released || current == JobState::Running {
                    JobState::Cancelling
                } else {
                    JobState::Cancelled
                };
                transition(
                    &tx,
                    &id,
                    next,
                    Some(&reason::Reason::cancelled_by_partner()),
                    now_ms(),
                )?;
                Ok((load(&tx, &id)?, job_rev(&tx, &id)?))
            })?;
            tx.commit()?;
            Ok::<_, ApiError>(made)
        })
        .await?;
    Ok(announce(&state, caller.organisation_id, made))
}

/// Log paging parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogQuery {
    /// The `next` of the previous page; 0 from the start.
    #[serde(default)]
    pub after: u64,
    /// At most 5000 lines.
    #[serde(default = "default_log_limit")]
    pub limit: u32,
}

fn default_log_limit() -> u32 {
    1000
}

/// `GET /v1/jobs/{id}/logs?after=SEQ&limit=N`: follow a job's log.
#[utoipa::path(get, path = "/v1/jobs/{id}/logs", tag = "jobs",
    params(("id" = String, Path), LogQuery), responses((status = 200, body = LogPage)))]
pub async fn logs(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<LogQuery>,
) -> Result<Json<LogPage>, ApiError> {
    if query.limit == 0 || query.limit > 5000 {
        return Err(ApiError::invalid(
            "limit",
            "limit must be between 1 and 5000",
        ));
    }
    if i64::try_from(query.after).is_err() {
        return Err(ApiError::BadRequest {
            field: "after".into(),
            message: "after is the `next` of an earlier page; start from 0".into(),
        });
    }
    let page = state
        .db
        .read(move |conn| {
            let (job_state, _) = visible(conn, &caller, &id)?;
            let mut stmt = conn.prepare_cached(
                "SELECT seq, at, text FROM job_logs WHERE job_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
            )?;
            let lines: Vec<LogLine> = stmt
                .query_map(params![id, query.after, query.limit], |r| {
                    Ok(LogLine { seq: r.get(0)?, at: rfc3339(r.get(1)?), text: r.get(2)? })
                })?
                .collect::<rusqlite::Result<_>>()?;
            let next = lines.last().map_or(query.after, |l| l.seq);
            Ok::<_, ApiError>(LogPage { lines, next, open: !job_state.is_final() })
        })
        .await?;
    Ok(Json(page))
}

/// `GET /v1/jobs/{id}/metrics`: every series over steps.
#[utoipa::path(get, path = "/v1/jobs/{id}/metrics", tag = "jobs",
    params(("id" = String, Path)), responses((status = 200, body = Vec<MetricSeries>)))]
pub async fn metrics(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<MetricSeries>>, ApiError> {
    about_job(&state, caller, id, metrics_of).await
}

/// `GET /v1/jobs/{id}/artifacts`: what a finished job produced.
#[utoipa::path(get, path = "/v1/jobs/{id}/artifacts", tag = "jobs",
    params(("id" = String, Path)), responses((status = 200, body = Vec<Artifact>)))]
pub async fn artifacts(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<Artifact>>, ApiError> {
    about_job(&state, caller, id, artifacts_of).await
}

/// What `read` says about a job, for who may see it.
async fn about_job<T: Send + 'static>(
    state: &AppState,
    caller: Caller,
    id: String,
    read: fn(&rusqlite::Connection, &str) -> Result<T, ApiError>,
) -> Result<Json<T>, ApiError> {
    let found = state
        .db
        .read(move |conn| {
            visible(conn, &caller, &id)?;
            read(conn, &id)
        })
        .await?;
    Ok(Json(found))
}

/// `GET /v1/pools`: the center's compute as partners may see it.
#[utoipa::path(get, path = "/v1/pools", tag = "jobs", responses((status = 200, body = Vec<Pool>)))]
pub async fn pools(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Pool>>, ApiError> {
    caller.may(Action::ReadCatalog)?;
    Ok(Json(state.db.read(list_pools).await?))
}

/// How many hours of history `GET /v1/pools/history` gives.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// 1 to 48; 6 when not given.
    pub hours: Option<u32>,
}

/// `GET /v1/pools/history?hours=N`: each pool's free NPUs and queue over
/// the last hours, sampled every few minutes.
#[utoipa::path(get, path = "/v1/pools/history", tag = "jobs", params(HistoryQuery),
    responses((status = 200, body = Vec<PoolHistory>), (status = 422, body = aicc_api::ErrorBody)))]
pub async fn pool_history(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<HistoryQuery>,
) -> Result<Json<Vec<PoolHistory>>, ApiError> {
    caller.may(Action::ReadCatalog)?;
    let hours = query.hours.unwrap_or(6);
    if !(1..=POOL_HISTORY_HOURS).contains(&hours) {
        return Err(ApiError::invalid(
            "hours",
            format!("ask for 1 to {POOL_HISTORY_HOURS} hours of history"),
        ));
    }
    let now = now_ms();
    Ok(Json(
        state
            .db
            .read(move |conn| history::since(conn, hours, now))
            .await?,
    ))
}

/// `GET /v1/quota`: the caller's organisation's NPU-hours.
#[utoipa::path(get, path = "/v1/quota", tag = "jobs", responses((status = 200, body = Quota)))]
pub async fn quota(State(state): State<AppState>, caller: Caller) -> Result<Json<Quota>, ApiError> {
    caller.may(Action::ReadOrganisation)?;
    let hours = (state.config.min_job_hours, state.config.max_job_hours);
    Ok(Json(
        state
            .db
            .read(move |conn| quota_of(conn, caller.organisation_id, hours, crate::clock::now_ms()))
            .await?,
    ))
}
