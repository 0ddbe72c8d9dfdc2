//! The in-app inbox.

use aicc_client::notifications::{self, Notification};
use serde::Serialize;
use tauri::State;

use crate::error::CommandResult;
use aicc_client::partner::Partner;

/// The inbox and how much of it is unread.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct Inbox {
    pub notifications: Vec<Notification>,
    pub unread: u32,
}

/// The latest notifications, newest first.
#[tauri::command]
pub async fn inbox(partner: State<'_, Partner>) -> CommandResult<Inbox> {
    Ok(partner
        .local(|c| {
            Ok(Inbox {
                notifications: notifications::inbox(c, 100)?,
                unread: notifications::unread(c)?,
            })
        })
        .await?)
}

/// Marks one notification, or all of them, as read.
#[tauri::command]
pub async fn mark_read(partner: State<'_, Partner>, id: Option<i64>) -> CommandResult<()> {
    Ok(partner.mark_read(id).await?)
}
