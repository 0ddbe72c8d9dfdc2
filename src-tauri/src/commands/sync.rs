//! The sync status; later ones arrive as `sync-report` events.

use aicc_client::sync::SyncReport;
use tauri::State;

use crate::state::AppState;

/// The latest sync report.
#[tauri::command]
pub fn sync_status(state: State<'_, AppState>) -> SyncReport {
    state.sync_report()
}

/// Syncs now instead of waiting.
#[tauri::command]
pub async fn sync_now(state: State<'_, AppState>) -> Result<(), ()> {
    state.sync_now().await;
    Ok(())
}
