//! Partner onboarding: the application form (saved as typed, checked with
//! the portal's rules), attachments through the OS file dialog, submission
//! through the outbox, and the application as the center last said.

use aicc_api::applications::{ApplicationForm, MAX_ATTACHMENT_BYTES, sniff_media_type};
use aicc_client::applications::{self, ApplicationView};
use aicc_client::drafts::{self, Draft};
use aicc_client::outbox;
use aicc_client::{Error, ErrorCode};
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt as _;

use crate::commands::jobs::FieldProblem;
use crate::error::{CommandError, CommandResult, not_signed_in};
use crate::state::AppState;

/// Checks a unified social credit code with the portal's rule; says which
/// character is wrong when it can.
#[tauri::command]
pub fn check_uscc(code: String) -> Option<String> {
    aicc_api::uscc::validate(&code).err().map(|e| e.to_string())
}

/// Checks the filled-in fields of a form with the portal's rules.
#[tauri::command]
pub fn check_application(form: ApplicationForm) -> Option<FieldProblem> {
    form.check().err().map(|e| FieldProblem {
        field: e.field.to_owned(),
        message: e.message,
    })
}

/// Keeps a form as typed, offline too.
#[tauri::command]
pub async fn save_draft(state: State<'_, AppState>, draft: Draft) -> CommandResult<()> {
    Ok(state
        .with_store((), move |c| drafts::save(c, &draft))
        .await?)
}

/// A form kept as typed.
#[tauri::command]
pub async fn get_draft(state: State<'_, AppState>, id: String) -> CommandResult<Option<Draft>> {
    Ok(state.with_store(None, move |c| drafts::get(c, &id)).await?)
}

/// Queues saving the application (creating it when `id` is none), e.g. so
/// files can be attached before it is submitted; returns its id.
#[tauri::command]
pub async fn save_application(
    state: State<'_, AppState>,
    id: Option<String>,
    form: ApplicationForm,
) -> CommandResult<String> {
    let now = aicc_client::clock::now();
    let id = state
        .with_store(String::new(), move |c| {
            outbox::save_application(c, id.as_deref(), form, &now)
        })
        .await?;
    if id.is_empty() {
        return Err(not_signed_in());
    }
    state.sync_now().await;
    Ok(id)
}

/// Saves the application (a new one when `id` is none) and submits it for
/// review; both go through the outbox. Returns the application's id.
#[tauri::command]
pub async fn submit_application(
    state: State<'_, AppState>,
    id: Option<String>,
    form: ApplicationForm,
    draft_id: String,
) -> CommandResult<String> {
    if let Some(field) = form.missing_for_submit().first() {
        return Err(CommandError {
            code: ErrorCode::InvalidInput,
            message: format!("{field}: fill this in"),
        });
    }
    let now = aicc_client::clock::now();
    let id = state
        .with_store(String::new(), move |c| {
            let id = outbox::save_application(c, id.as_deref(), form, &now)?;
            outbox::submit_application(c, &id, &now)?;
            drafts::delete(c, &draft_id)?;
            Ok(id)
        })
        .await?;
    state.sync_now().await;
    Ok(id)
}

/// Queues withdrawing the application (a partner admin's, before the
/// center decides); it shows as withdrawn at once.
#[tauri::command]
pub async fn withdraw_application(state: State<'_, AppState>, id: String) -> CommandResult<()> {
    let now = aicc_client::clock::now();
    let queued = state
        .with_store(false, move |c| {
            outbox::withdraw_application(c, &id, &now)?;
            Ok(true)
        })
        .await?;
    if !queued {
        return Err(not_signed_in());
    }
    state.sync_now().await;
    Ok(())
}

/// Picks a PDF, PNG or JPEG with the OS file dialog (titled `title`, in the
/// user's language) and queues its upload; the file is checked before
/// anything is sent. Returns its name, or none when the user cancelled.
#[tauri::command]
pub async fn attach_file(
    app: AppHandle,
    state: State<'_, AppState>,
    id: String,
    title: String,
) -> CommandResult<Option<String>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title(title)
        .add_filter("PDF, PNG, JPEG", &["pdf", "png", "jpg", "jpeg"])
        .pick_file(move |path| {
            let _ = tx.send(path.and_then(|p| p.into_path().ok()));
        });
    let Some(path) = rx.await.ok().flatten() else {
        return Ok(None);
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let size = std::fs::metadata(&path)
        .map_err(|source| Error::File {
            path: path.display().to_string(),
            source,
        })?
        .len();
    if size as usize > MAX_ATTACHMENT_BYTES {
        return Err(Error::InvalidInput(format!(
            "{name} is larger than 20 MiB; attach a smaller file"
        ))
        .into());
    }
    let content = std::fs::read(&path).map_err(|source| Error::File {
        path: path.display().to_string(),
        source,
    })?;
    if sniff_media_type(&content).is_none() {
        return Err(Error::InvalidInput(format!("{name} is not a PDF, PNG or JPEG file")).into());
    }
    let now = aicc_client::clock::now();
    let file_name = name.clone();
    state
        .with_store((), move |c| {
            outbox::upload_attachment(c, &id, &file_name, content, &now)
        })
        .await?;
    state.sync_now().await;
    Ok(Some(name))
}

/// The organisation's applications.
#[tauri::command]
pub async fn list_applications(state: State<'_, AppState>) -> CommandResult<Vec<ApplicationView>> {
    Ok(state
        .with_store(Vec::new(), |c| applications::list(c))
        .await?)
}

/// One application.
#[tauri::command]
pub async fn get_application(
    state: State<'_, AppState>,
    id: String,
) -> CommandResult<Option<ApplicationView>> {
    Ok(state
        .with_store(None, move |c| applications::get(c, &id))
        .await?)
}
