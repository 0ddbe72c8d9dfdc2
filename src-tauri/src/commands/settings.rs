//! Preferences and how to reach the center.

use aicc_client::config::Preferences;
use aicc_client::network::NetworkSettings;
use tauri::{AppHandle, State};

use aicc_client::partner::Partner;
use aicc_client::words::FileKind;

use crate::error::CommandResult;
use crate::file_dialog;

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

/// Lets the user pick a CA bundle (PEM) with the OS file dialog, titled
/// `title` in the user's language.
#[tauri::command]
pub async fn pick_ca_bundle(
    app: AppHandle,
    partner: State<'_, Partner>,
    title: String,
) -> CommandResult<Option<String>> {
    let picked = file_dialog::pick(&app, &partner, FileKind::CaBundle, title).await;
    Ok(picked.map(|path| path.display().to_string()))
}
