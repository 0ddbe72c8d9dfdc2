//! The center's courses, searched and read locally; enrolment through
//! the outbox; the certifications the account reads, by engineer.

use aicc_api::talent::Course;
use aicc_client::partner::Partner;
use aicc_client::searchable::{FacetCounts, Found};
use aicc_client::talent::{CourseQuery, CourseView, Skills};
use tauri::State;

use crate::error::CommandResult;

/// The courses matching a search.
#[tauri::command]
pub async fn search_courses(
    partner: State<'_, Partner>,
    query: CourseQuery,
) -> CommandResult<Found<Course>> {
    Ok(partner.courses(query).await?)
}

/// How many courses matching a search hold each level, language and topic.
#[tauri::command]
pub async fn course_facets(
    partner: State<'_, Partner>,
    query: CourseQuery,
) -> CommandResult<Vec<FacetCounts>> {
    Ok(partner.course_facets(query).await?)
}

/// A course, by its id or one of its sessions'.
#[tauri::command]
pub async fn get_course(
    partner: State<'_, Partner>,
    id: String,
) -> CommandResult<Option<CourseView>> {
    Ok(partner.course(id).await?)
}

/// Enrols the user (no e-mail) or a member in a session, or gives the
/// enrolment up.
#[tauri::command]
pub async fn enrol_in_session(
    partner: State<'_, Partner>,
    session_id: String,
    email: Option<String>,
    enrolling: bool,
) -> CommandResult<()> {
    Ok(partner.enrol(session_id, email, enrolling).await?)
}

/// The certifications the account reads, by engineer.
#[tauri::command]
pub async fn skills(partner: State<'_, Partner>) -> CommandResult<Skills> {
    Ok(partner.skills().await?)
}
