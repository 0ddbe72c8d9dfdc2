//! Signing in to a center.

use aicc_api::auth::Account;
use aicc_client::config::CenterAccount;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// Signs in with e-mail and password; the account becomes the active one.
#[tauri::command]
pub async fn sign_in(
    state: State<'_, AppState>,
    url: String,
    email: String,
    password: String,
) -> CommandResult<Account> {
    Ok(state.sign_in(&url, &email, &password).await?)
}

/// The active center and account, or none before the first sign-in.
#[tauri::command]
pub async fn current_account(state: State<'_, AppState>) -> CommandResult<Option<CenterAccount>> {
    Ok(state.current_account().await)
}
