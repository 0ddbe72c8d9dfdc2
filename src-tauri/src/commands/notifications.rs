//! The in-app inbox.

use aicc_client::notifications::{self, Notification};
use serde::Serialize;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// The inbox and how much of it is unread.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct Inbox {
    pub notifications: Vec<Notification>,
    pub unread: u32,
}

/// The latest notifications, newest first.
#[tauri::command]
pub async fn inbox(state: State<'_, AppState>) -> CommandResult<Inbox> {
    let empty = Inbox {
        notifications: Vec::new(),
        unread: 0,
    };
    Ok(state
        .with_store(empty, |c| {
            Ok(Inbox {
                notifications: notifications::inbox(c, 100)?,
                unread: notifications::unread(c)?,
            })
        })
        .await?)
}

/// Marks one notification, or all of them, as read.
#[tauri::command]
pub async fn mark_read(state: State<'_, AppState>, id: Option<i64>) -> CommandResult<()> {
    let now = aicc_client::clock::now();
    Ok(state
        .with_store((), move |c| notifications::mark_read(c, id, &now))
        .await?)
}
