//! Training requests and jobs: the form's checks, sending through the
//! outbox, the list and the page with live logs and metrics.

use aicc_api::jobs::{JobRequest, JobState, LogPage, MetricSeries};
use aicc_client::center::{self, CenterInfo};
use aicc_client::jobs::{self, JobView};
use aicc_client::outbox::OutboxEntry;
use aicc_client::partner::{CenterEstimate, FieldProblem, Partner};
use tauri::State;

use crate::error::CommandResult;

/// The pools, quota and the account's standing as last synced.
#[tauri::command]
pub async fn center_info(partner: State<'_, Partner>) -> CommandResult<CenterInfo> {
    Ok(partner.local(|c| center::info(c)).await?)
}

/// Checks a request as the center will; `None` when it would be accepted.
#[tauri::command]
pub async fn check_job_request(
    partner: State<'_, Partner>,
    request: JobRequest,
) -> CommandResult<Option<FieldProblem>> {
    Ok(partner.check_job_request(request).await?)
}

/// Queues a training request and drops the form's draft; it is sent now or
/// when the center is reachable.
#[tauri::command]
pub async fn create_job(
    partner: State<'_, Partner>,
    request: JobRequest,
    draft_id: String,
) -> CommandResult<String> {
    Ok(partner.create_job(request, draft_id).await?)
}

/// Queues the request at another signed-in center instead, and shows it.
#[tauri::command]
pub async fn create_job_at(
    partner: State<'_, Partner>,
    index: u32,
    request: JobRequest,
    draft_id: String,
) -> CommandResult<String> {
    Ok(partner
        .create_job_at(index as usize, request, draft_id)
        .await?)
}

/// When the request would start at each signed-in center that can run it.
#[tauri::command]
pub async fn estimate_everywhere(
    partner: State<'_, Partner>,
    request: JobRequest,
) -> CommandResult<Vec<CenterEstimate>> {
    Ok(partner.estimate_everywhere(request).await?)
}

/// Replaces a refused request with the corrected one and sends it again.
#[tauri::command]
pub async fn revise_job(
    partner: State<'_, Partner>,
    seq: i64,
    local_id: String,
    request: JobRequest,
) -> CommandResult<()> {
    Ok(partner.revise_job(seq, local_id, request).await?)
}

/// Gives up a write waiting in the outbox.
#[tauri::command]
pub async fn discard_write(partner: State<'_, Partner>, seq: i64) -> CommandResult<()> {
    Ok(partner.discard_write(seq).await?)
}

/// The writes waiting for the center or refused by it: all of them, or
/// those about one job or application.
#[tauri::command]
pub async fn outbox_entries(
    partner: State<'_, Partner>,
    about: Option<String>,
) -> CommandResult<Vec<OutboxEntry>> {
    Ok(partner.outbox(about).await?)
}

/// The user's jobs, newest first, optionally only in `states`.
#[tauri::command]
pub async fn list_jobs(
    partner: State<'_, Partner>,
    states: Vec<JobState>,
) -> CommandResult<Vec<JobView>> {
    Ok(partner.local(move |c| jobs::list(c, &states)).await?)
}

/// One job.
#[tauri::command]
pub async fn get_job(partner: State<'_, Partner>, id: String) -> CommandResult<Option<JobView>> {
    Ok(partner.local(move |c| jobs::get(c, &id)).await?)
}

/// Asks the center to cancel a job.
#[tauri::command]
pub async fn cancel_job(partner: State<'_, Partner>, id: String) -> CommandResult<()> {
    Ok(partner.cancel_job(id).await?)
}

/// The job's log after line `after`, from the center.
#[tauri::command]
pub async fn job_logs(
    partner: State<'_, Partner>,
    id: String,
    after: u64,
) -> CommandResult<LogPage> {
    Ok(partner.job_logs(&id, after).await?)
}

/// The job's metric series, from the center.
#[tauri::command]
pub async fn job_metrics(
    partner: State<'_, Partner>,
    id: String,
) -> CommandResult<Vec<MetricSeries>> {
    Ok(partner.job_metrics(&id).await?)
}
