//! The in-app inbox.

use aicc_client::notifications::Inbox;
use aicc_client::partner::Partner;
use tauri::State;

use crate::error::CommandResult;

/// The latest notifications, newest first, and how many are unread.
#[tauri::command]
pub async fn inbox(partner: State<'_, Partner>) -> CommandResult<Inbox> {
    Ok(partner.inbox().await?)
}

/// Marks one notification, or all of them, as read.
#[tauri::command]
pub async fn mark_read(partner: State<'_, Partner>, id: Option<i64>) -> CommandResult<()> {
    Ok(partner.mark_read(id).await?)
}
