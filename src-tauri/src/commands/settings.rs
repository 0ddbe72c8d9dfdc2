//! Preferences and how to reach the center.

use aicc_client::config::Preferences;
use aicc_client::network::NetworkSettings;
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt as _;

use crate::error::CommandResult;
use crate::state::AppState;

/// The user's preferences.
#[tauri::command]
pub fn get_preferences(state: State<'_, AppState>) -> CommandResult<Preferences> {
    Ok(state.settings()?.preferences)
}

/// Saves the user's preferences.
#[tauri::command]
pub fn set_preferences(state: State<'_, AppState>, preferences: Preferences) -> CommandResult<()> {
    Ok(state.set_preferences(preferences)?)
}

/// Changes the active center's proxy, CA bundle and certificate checks; a
/// manual proxy's password goes to the keyring (none keeps the one there).
#[tauri::command]
pub async fn set_network(
    state: State<'_, AppState>,
    network: NetworkSettings,
    proxy_password: Option<String>,
) -> CommandResult<()> {
    Ok(state.set_network(network, proxy_password).await?)
}

/// Lets the user pick a CA bundle (PEM) with the OS file dialog.
#[tauri::command]
pub async fn pick_ca_bundle(app: AppHandle) -> CommandResult<Option<String>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .add_filter("PEM", &["pem", "crt", "cer"])
        .pick_file(move |path| {
            let _ = tx.send(path.map(|p| p.to_string()));
        });
    Ok(rx.await.ok().flatten())
}
