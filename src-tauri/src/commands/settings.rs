//! Preferences and how to reach the center.

use aicc_client::config::Preferences;
use aicc_client::network::NetworkSettings;
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt as _;

use crate::error::CommandResult;
use aicc_client::partner::Partner;

/// The user's preferences.
#[tauri::command]
pub fn get_preferences(partner: State<'_, Partner>) -> CommandResult<Preferences> {
    Ok(partner.settings()?.preferences)
}

/// Saves the user's preferences; the tray's menu follows their language.
#[tauri::command]
pub fn set_preferences(
    app: AppHandle,
    partner: State<'_, Partner>,
    preferences: Preferences,
) -> CommandResult<()> {
    partner.set_preferences(preferences)?;
    crate::tray::relabel(&app);
    Ok(())
}

/// Changes the active center's proxy, CA bundle and certificate checks; a
/// manual proxy's password goes to the keyring (none keeps the one there).
#[tauri::command]
pub async fn set_network(
    partner: State<'_, Partner>,
    network: NetworkSettings,
    proxy_password: Option<String>,
) -> CommandResult<()> {
    Ok(partner.set_network(network, proxy_password).await?)
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
