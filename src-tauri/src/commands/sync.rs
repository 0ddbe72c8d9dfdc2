//! The sync status; later ones arrive as `sync-report` events.

use aicc_client::sync::SyncReport;
use tauri::State;

use aicc_client::partner::Partner;

/// The latest sync report.
#[tauri::command]
pub fn sync_status(partner: State<'_, Partner>) -> SyncReport {
    partner.sync_report()
}

/// Syncs now instead of waiting.
#[tauri::command]
pub async fn sync_now(partner: State<'_, Partner>) -> Result<(), ()> {
    partner.sync_now().await;
    Ok(())
}
