//! Incubation: the startup's programme, plan and credits as last synced,
//! and a milestone's evidence sent through the outbox.

use aicc_api::incubation::Evidence;
use aicc_client::credits::CreditsView;
use aicc_client::incubation::{IncubationView, MilestoneView};
use aicc_client::partner::Partner;
use tauri::State;

use crate::error::CommandResult;

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

/// One milestone.
#[tauri::command]
pub async fn get_milestone(
    partner: State<'_, Partner>,
    id: String,
) -> CommandResult<Option<MilestoneView>> {
    Ok(partner.milestone(id).await?)
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
