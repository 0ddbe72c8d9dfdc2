//! The directory of certified solutions, searched and read locally;
//! certificates checked with the center (or the local copy offline);
//! cooperation and the organisation's directory choices through the
//! outbox.

use aicc_api::directory::{
    CooperationAnswer, CooperationAsk, PublicContact, Solution, SolutionProfile,
};
use aicc_client::cooperation::CooperationView;
use aicc_client::directory::{CheckedCertificate, DirectoryPage, DirectoryQuery};
use aicc_client::partner::Partner;
use aicc_client::searchable::FacetCounts;
use tauri::State;

use crate::error::CommandResult;

/// The solutions matching a search.
#[tauri::command]
pub async fn directory_search(
    partner: State<'_, Partner>,
    query: DirectoryQuery,
) -> CommandResult<DirectoryPage> {
    Ok(partner.directory(query).await?)
}

/// How many solutions matching a search hold each value of each filter.
#[tauri::command]
pub async fn directory_facets(
    partner: State<'_, Partner>,
    query: DirectoryQuery,
) -> CommandResult<Vec<FacetCounts>> {
    Ok(partner.directory_facets(query).await?)
}

/// One listed solution.
#[tauri::command]
pub async fn directory_solution(
    partner: State<'_, Partner>,
    id: String,
) -> CommandResult<Option<Solution>> {
    Ok(partner.solution(id).await?)
}

/// A partner's listed solutions.
#[tauri::command]
pub async fn partner_solutions(
    partner: State<'_, Partner>,
    partner_id: String,
) -> CommandResult<Vec<Solution>> {
    Ok(partner.partner_solutions(partner_id).await?)
}

/// What the center (or, offline, the local directory) says of a
/// certificate.
#[tauri::command]
pub async fn check_certificate(
    partner: State<'_, Partner>,
    certificate_id: String,
) -> CommandResult<CheckedCertificate> {
    Ok(partner.check_certificate(certificate_id).await?)
}

/// The organisation's cooperations, newest first.
#[tauri::command]
pub async fn list_cooperation(partner: State<'_, Partner>) -> CommandResult<Vec<CooperationView>> {
    Ok(partner.cooperation().await?)
}

/// One cooperation.
#[tauri::command]
pub async fn get_cooperation(
    partner: State<'_, Partner>,
    id: String,
) -> CommandResult<Option<CooperationView>> {
    Ok(partner.cooperation_one(id).await?)
}

/// Queues a request to cooperate; returns its local id.
#[tauri::command]
pub async fn ask_cooperation(
    partner: State<'_, Partner>,
    ask: CooperationAsk,
) -> CommandResult<String> {
    Ok(partner.ask_cooperation(ask).await?)
}

/// Queues the answer to a request received.
#[tauri::command]
pub async fn answer_cooperation(
    partner: State<'_, Partner>,
    id: String,
    answer: CooperationAnswer,
) -> CommandResult<()> {
    Ok(partner.answer_cooperation(id, answer).await?)
}

/// Queues what the directory shows of one of the organisation's solutions.
#[tauri::command]
pub async fn edit_solution(
    partner: State<'_, Partner>,
    id: String,
    profile: SolutionProfile,
) -> CommandResult<()> {
    Ok(partner.edit_solution(id, profile).await?)
}

/// Queues the organisation's public contact, or none.
#[tauri::command]
pub async fn set_directory_contact(
    partner: State<'_, Partner>,
    contact: Option<PublicContact>,
) -> CommandResult<()> {
    Ok(partner.set_directory_contact(contact).await?)
}
