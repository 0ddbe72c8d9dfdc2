//! Centers and accounts: signing in and out, switching.

use aicc_api::auth::{Account, NewPersonalToken, PersonalToken};
use aicc_client::accounts::PlainHttp;
use aicc_client::config::CenterAccount;
use aicc_client::network::NetworkSettings;
use aicc_client::session::Credentials;
use serde::Serialize;
use tauri::State;

use crate::error::{CommandResult, not_signed_in};
use crate::state::{AppState, Keep};

/// Signs in with e-mail and password, or with an invitation code and the
/// password the invited person chooses; the account becomes the active
/// one. A plain `http://` center beyond this machine is refused
/// (`plain_http`) until the user, told what it means, says to go on. When
/// no keyring can be used (`keyring_unavailable`) the user may choose to
/// sign in for this session only: nothing is kept once the app quits.
#[tauri::command]
#[allow(clippy::too_many_arguments)] // the sign-in form's fields, as the UI sends them
pub async fn sign_in(
    state: State<'_, AppState>,
    url: String,
    email: String,
    password: String,
    invitation_code: Option<String>,
    network: Option<NetworkSettings>,
    proxy_password: Option<String>,
    allow_plain_http: Option<bool>,
    session_only: Option<bool>,
) -> CommandResult<Account> {
    let credentials = match invitation_code {
        Some(code) => Credentials::Invitation { code, password },
        None => Credentials::password(&email, &password),
    };
    let plain_http = if allow_plain_http.unwrap_or(false) {
        PlainHttp::Allow
    } else {
        PlainHttp::Refuse
    };
    Ok(state
        .sign_in(
            &url,
            &network.unwrap_or_default(),
            proxy_password,
            &credentials,
            plain_http,
            if session_only.unwrap_or(false) {
                Keep::ThisSessionOnly
            } else {
                Keep::InKeyring
            },
        )
        .await?)
}

/// The active center and account, or none before the first sign-in.
#[tauri::command]
pub async fn current_account(state: State<'_, AppState>) -> CommandResult<Option<CenterAccount>> {
    Ok(state.current_account().await)
}

/// Whether the active account's sign-in lasts only until the app quits
/// (no keyring could keep it): the window says so, and how to fix it.
#[tauri::command]
pub async fn session_only(state: State<'_, AppState>) -> CommandResult<bool> {
    Ok(state.signed_in_for_this_session_only().await)
}

/// Every signed-in account and which one is shown.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct AccountList {
    pub accounts: Vec<CenterAccount>,
    pub active: Option<u32>,
}

/// The signed-in accounts.
#[tauri::command]
pub fn list_accounts(state: State<'_, AppState>) -> CommandResult<AccountList> {
    let settings = state.settings()?;
    Ok(AccountList {
        active: settings.active.map(|i| i as u32),
        accounts: settings.accounts,
    })
}

/// Shows another signed-in account.
#[tauri::command]
pub async fn switch_account(state: State<'_, AppState>, index: u32) -> CommandResult<()> {
    Ok(state.switch_account(index as usize).await?)
}

/// Signs the active account out; others stay signed in.
#[tauri::command]
pub async fn sign_out(state: State<'_, AppState>) -> CommandResult<()> {
    Ok(state.sign_out().await?)
}

/// The signed-in account's personal access tokens, from the center (a
/// token's secret is never among them).
#[tauri::command]
pub async fn list_personal_tokens(state: State<'_, AppState>) -> CommandResult<Vec<PersonalToken>> {
    let session = state.session().await.ok_or_else(not_signed_in)?;
    let session = &*session;
    Ok(session
        .authorized(|token| async move { session.portal().personal_tokens(&token).await })
        .await?)
}

/// Makes a personal access token for scripts; the answer holds its secret,
/// shown this once. Needs the center: a secret cannot wait in the outbox.
#[tauri::command]
pub async fn create_personal_token(
    state: State<'_, AppState>,
    new: NewPersonalToken,
) -> CommandResult<PersonalToken> {
    let session = state.session().await.ok_or_else(not_signed_in)?;
    let (session, new) = (&*session, &new);
    Ok(session
        .authorized(
            |token| async move { session.portal().create_personal_token(&token, new).await },
        )
        .await?)
}

/// Revokes one of the account's personal access tokens, at once.
#[tauri::command]
pub async fn revoke_personal_token(state: State<'_, AppState>, id: String) -> CommandResult<()> {
    let session = state.session().await.ok_or_else(not_signed_in)?;
    let (session, id) = (&*session, &id);
    Ok(session
        .authorized(|token| async move { session.portal().revoke_personal_token(&token, id).await })
        .await?)
}
