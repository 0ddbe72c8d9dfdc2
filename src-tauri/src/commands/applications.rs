//! Partner onboarding: the application form (saved as typed, checked with
//! the portal's rules), attachments through the OS file dialog, submission
//! through the outbox, and the application as the center last said.

use aicc_api::applications::ApplicationForm;
use aicc_client::applications::{self, ApplicationView};
use aicc_client::drafts::{self, Draft};
use aicc_client::partner::{FieldProblem, Partner};
use aicc_client::words::FileKind;
use tauri::{AppHandle, State};

use crate::error::CommandResult;
use crate::file_dialog;

/// Checks a unified social credit code with the portal's rule; says which
/// character is wrong when it can.
#[tauri::command]
pub fn check_uscc(code: String) -> Option<String> {
    aicc_api::uscc::validate(&code).err().map(|e| e.to_string())
}

/// Checks the filled-in fields of a form with the portal's rules.
#[tauri::command]
pub fn check_application(form: ApplicationForm) -> Option<FieldProblem> {
    form.check().err().map(FieldProblem::from)
}

/// Keeps a form as typed, offline too.
#[tauri::command]
pub async fn save_draft(partner: State<'_, Partner>, draft: Draft) -> CommandResult<()> {
    Ok(partner.local(move |c| drafts::save(c, &draft)).await?)
}

/// A form kept as typed.
#[tauri::command]
pub async fn get_draft(partner: State<'_, Partner>, id: String) -> CommandResult<Option<Draft>> {
    Ok(partner.local(move |c| drafts::get(c, &id)).await?)
}

/// Queues saving the application (creating it when `id` is none), e.g. so
/// files can be attached before it is submitted; returns its id.
#[tauri::command]
pub async fn save_application(
    partner: State<'_, Partner>,
    id: Option<String>,
    form: ApplicationForm,
) -> CommandResult<String> {
    Ok(partner.save_application(id, form).await?)
}

/// Saves the application (a new one when `id` is none) and submits it for
/// review; both go through the outbox. Returns the application's id.
#[tauri::command]
pub async fn submit_application(
    partner: State<'_, Partner>,
    id: Option<String>,
    form: ApplicationForm,
    draft_id: String,
) -> CommandResult<String> {
    Ok(partner.submit_application(id, form, draft_id).await?)
}

/// Queues withdrawing the application (a partner admin's, before the
/// center decides); it shows as withdrawn at once.
#[tauri::command]
pub async fn withdraw_application(partner: State<'_, Partner>, id: String) -> CommandResult<()> {
    Ok(partner.withdraw_application(id).await?)
}

/// Picks a PDF, PNG or JPEG with the OS file dialog (titled `title`, in the
/// user's language) and queues its upload. Returns its name, or none when
/// the user cancelled.
#[tauri::command]
pub async fn attach_file(
    app: AppHandle,
    partner: State<'_, Partner>,
    id: String,
    title: String,
) -> CommandResult<Option<String>> {
    let Some(path) = file_dialog::pick(&app, &partner, FileKind::Attachment, title).await else {
        return Ok(None);
    };
    Ok(Some(partner.attach_file(id, &path).await?))
}

/// The organisation's applications.
#[tauri::command]
pub async fn list_applications(partner: State<'_, Partner>) -> CommandResult<Vec<ApplicationView>> {
    Ok(partner.local(|c| applications::list(c)).await?)
}

/// One application.
#[tauri::command]
pub async fn get_application(
    partner: State<'_, Partner>,
    id: String,
) -> CommandResult<Option<ApplicationView>> {
    Ok(partner.local(move |c| applications::get(c, &id)).await?)
}
