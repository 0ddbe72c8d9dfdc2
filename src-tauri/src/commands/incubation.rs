//! Incubation: the startup's programme, plan, credits, cohort events and
//! mentors as last synced; a milestone's evidence, event registrations and
//! requests for office hours sent through the outbox.

use aicc_api::incubation::{Evidence, OfficeHoursRequest};
use aicc_client::cohort_events::EventView;
use aicc_client::credits::CreditsView;
use aicc_client::incubation::{IncubationView, MilestoneView};
use aicc_client::mentors::MentorsView;
use aicc_client::partner::Partner;
use aicc_client::words::FileKind;
use tauri::{AppHandle, State};

use crate::error::CommandResult;
use crate::file_dialog;

/// The organisation's programme, cohort and milestones.
#[tauri::command]
pub async fn incubation(partner: State<'_, Partner>) -> CommandResult<IncubationView> {
    Ok(partner.incubation().await?)
}

/// The compute credits granted to the organisation.
#[tauri::command]
pub async fn credits(partner: State<'_, Partner>) -> CommandResult<CreditsView> {
    Ok(partner.credits().await?)
}

/// The cohort's events.
#[tauri::command]
pub async fn cohort_events(partner: State<'_, Partner>) -> CommandResult<Vec<EventView>> {
    Ok(partner.cohort_events().await?)
}

/// Queues the user's registration for an event, or its cancelling.
#[tauri::command]
pub async fn register_for_event(
    partner: State<'_, Partner>,
    id: String,
    register: bool,
) -> CommandResult<()> {
    Ok(partner.register_for_event(id, register).await?)
}

/// The startup's mentors and its requests for office hours.
#[tauri::command]
pub async fn mentors(partner: State<'_, Partner>) -> CommandResult<MentorsView> {
    Ok(partner.mentors().await?)
}

/// Queues a request for office hours; returns its local id.
#[tauri::command]
pub async fn request_office_hours(
    partner: State<'_, Partner>,
    request: OfficeHoursRequest,
) -> CommandResult<String> {
    Ok(partner.request_office_hours(request).await?)
}

/// One milestone.
#[tauri::command]
pub async fn get_milestone(
    partner: State<'_, Partner>,
    id: String,
) -> CommandResult<Option<MilestoneView>> {
    Ok(partner.milestone(id).await?)
}

/// Picks a PDF, PNG or JPEG with the OS file dialog (titled `title`, in the
/// user's language) and queues it as a file of the milestone's evidence.
/// Returns its name, or none when the user cancelled.
#[tauri::command]
pub async fn attach_evidence(
    app: AppHandle,
    partner: State<'_, Partner>,
    id: String,
    title: String,
) -> CommandResult<Option<String>> {
    let Some(path) = file_dialog::pick(&app, &partner, FileKind::Attachment, title).await else {
        return Ok(None);
    };
    Ok(Some(partner.attach_evidence(id, &path).await?))
}

/// Queues the milestone's evidence and forgets its draft.
#[tauri::command]
pub async fn submit_milestone(
    partner: State<'_, Partner>,
    id: String,
    evidence: Evidence,
    draft_id: String,
) -> CommandResult<()> {
    Ok(partner.submit_milestone(id, evidence, draft_id).await?)
}
