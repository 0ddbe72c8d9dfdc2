//! Training requests and jobs: the form's data and checks, sending through
//! the outbox, the list and the page with live logs and metrics.

use aicc_api::jobs::{JobRequest, JobState, LogPage, MetricSeries};
use aicc_client::Error;
use aicc_client::center::{self, CenterInfo};
use aicc_client::drafts;
use aicc_client::jobs::{self, JobView};
use aicc_client::outbox::{self, OutboxEntry, Write};
use serde::Serialize;
use tauri::State;

use crate::error::{CommandResult, not_signed_in};
use crate::state::AppState;

/// A form field the center would refuse, and why.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

/// The pools, quota and the account's standing as last synced.
#[tauri::command]
pub async fn center_info(state: State<'_, AppState>) -> CommandResult<CenterInfo> {
    Ok(state
        .with_store(CenterInfo::default(), |c| center::info(c))
        .await?)
}

/// Checks a request as the center will; `None` when it would be accepted.
#[tauri::command]
pub async fn check_job_request(
    state: State<'_, AppState>,
    request: JobRequest,
) -> CommandResult<Option<FieldProblem>> {
    let info = state
        .with_store(CenterInfo::default(), |c| center::info(c))
        .await?;
    Ok(center::check_request(&info, &request)
        .err()
        .map(|e| FieldProblem {
            field: e.field.to_owned(),
            message: e.message,
        }))
}

/// Queues a training request and drops the form's draft; it is sent now or
/// when the center is reachable.
#[tauri::command]
pub async fn create_job(
    state: State<'_, AppState>,
    request: JobRequest,
    draft_id: String,
) -> CommandResult<String> {
    let now = aicc_client::clock::now();
    let id = state
        .with_store(String::new(), move |c| {
            let info = center::info(c)?;
            center::check_request(&info, &request)
                .map_err(|e| Error::InvalidInput(format!("{}: {}", e.field, e.message)))?;
            let id = outbox::create_job(c, request, &now)?;
            drafts::delete(c, &draft_id)?;
            Ok(id)
        })
        .await?;
    if id.is_empty() {
        return Err(not_signed_in());
    }
    state.sync_now().await;
    Ok(id)
}

/// Replaces a refused request with the corrected one and sends it again.
#[tauri::command]
pub async fn revise_job(
    state: State<'_, AppState>,
    seq: i64,
    local_id: String,
    request: JobRequest,
) -> CommandResult<()> {
    state
        .with_store((), move |c| {
            outbox::revise(c, seq, &Write::CreateJob { local_id, request })
        })
        .await?;
    state.sync_now().await;
    Ok(())
}

/// Gives up a write waiting in the outbox.
#[tauri::command]
pub async fn discard_write(state: State<'_, AppState>, seq: i64) -> CommandResult<()> {
    Ok(state
        .with_store((), move |c| outbox::discard(c, seq))
        .await?)
}

/// The writes waiting for the center or refused by it: all of them, or
/// those about one job or application.
#[tauri::command]
pub async fn outbox_entries(
    state: State<'_, AppState>,
    about: Option<String>,
) -> CommandResult<Vec<OutboxEntry>> {
    Ok(state
        .with_store(Vec::new(), move |c| match &about {
            Some(id) => outbox::entries_about(c, id),
            None => outbox::entries(c),
        })
        .await?)
}

/// The user's jobs, newest first, optionally only in `states`.
#[tauri::command]
pub async fn list_jobs(
    state: State<'_, AppState>,
    states: Vec<JobState>,
) -> CommandResult<Vec<JobView>> {
    Ok(state
        .with_store(Vec::new(), move |c| jobs::list(c, &states))
        .await?)
}

/// One job.
#[tauri::command]
pub async fn get_job(state: State<'_, AppState>, id: String) -> CommandResult<Option<JobView>> {
    Ok(state.with_store(None, move |c| jobs::get(c, &id)).await?)
}

/// Asks the center to cancel a job.
#[tauri::command]
pub async fn cancel_job(state: State<'_, AppState>, id: String) -> CommandResult<()> {
    let now = aicc_client::clock::now();
    state
        .with_store((), move |c| outbox::cancel_job(c, &id, &now))
        .await?;
    state.sync_now().await;
    Ok(())
}

/// The job's log after line `after`, from the center.
#[tauri::command]
pub async fn job_logs(
    state: State<'_, AppState>,
    id: String,
    after: u64,
) -> CommandResult<LogPage> {
    let session = state.session().await.ok_or_else(not_signed_in)?;
    let session = &*session;
    let id = &id;
    Ok(session
        .authorized(|token| async move { session.portal().job_logs(&token, id, after).await })
        .await?)
}

/// The job's metric series, from the center.
#[tauri::command]
pub async fn job_metrics(
    state: State<'_, AppState>,
    id: String,
) -> CommandResult<Vec<MetricSeries>> {
    let session = state.session().await.ok_or_else(not_signed_in)?;
    let session = &*session;
    let id = &id;
    Ok(session
        .authorized(|token| async move { session.portal().job_metrics(&token, id).await })
        .await?)
}
