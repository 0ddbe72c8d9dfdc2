//! Centers and accounts: signing in and out, switching.

use aicc_api::auth::{Account, NewPersonalToken, PersonalToken};
use aicc_client::accounts::PlainHttp;
use aicc_client::config::CenterAccount;
use aicc_client::network::NetworkSettings;
use aicc_client::partner::{AccountList, CenterCompute, CenterState, Keep, Partner};
use aicc_client::session::Credentials;
use tauri::State;

use crate::error::CommandResult;

/// Signs in with e-mail and password, or with an invitation code and the
/// password the invited person chooses; the account becomes the active
/// one. A plain `http://` center beyond this machine is refused
/// (`plain_http`) until the user, told what it means, says to go on. When
/// no keyring can be used (`keyring_unavailable`) the user may choose to
/// sign in for this session only: nothing is kept once the app quits.
#[tauri::command]
#[allow(clippy::too_many_arguments)] // the sign-in form's fields, as the UI sends them
pub async fn sign_in(
    partner: State<'_, Partner>,
    url: String,
    email: String,
    password: String,
    invitation_code: Option<String>,
    network: Option<NetworkSettings>,
    proxy_password: Option<String>,
    allow_plain_http: Option<bool>,
    session_only: Option<bool>,
) -> CommandResult<Account> {
    let credentials = Credentials::from_form(&email, &password, invitation_code);
    let plain_http = if allow_plain_http.unwrap_or(false) {
        PlainHttp::Allow
    } else {
        PlainHttp::Refuse
    };
    Ok(partner
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
pub async fn current_account(partner: State<'_, Partner>) -> CommandResult<Option<CenterAccount>> {
    Ok(partner.current_account().await)
}

/// Whether the active account's sign-in lasts only until the app quits
/// (no keyring could keep it): the window says so, and how to fix it.
#[tauri::command]
pub async fn session_only(partner: State<'_, Partner>) -> CommandResult<bool> {
    Ok(partner.signed_in_for_this_session_only().await)
}

/// The signed-in accounts.
#[tauri::command]
pub fn list_accounts(partner: State<'_, Partner>) -> CommandResult<AccountList> {
    Ok(partner.account_list()?)
}

/// Every signed-in account with its center's state and unread count, for
/// the account menu.
#[tauri::command]
pub async fn list_centers(partner: State<'_, Partner>) -> CommandResult<Vec<CenterState>> {
    Ok(partner.centers().await?)
}

/// Every signed-in center's pools, history and quota, side by side.
#[tauri::command]
pub async fn compute(partner: State<'_, Partner>) -> CommandResult<Vec<CenterCompute>> {
    Ok(partner.compute().await?)
}

/// Shows another signed-in account.
#[tauri::command]
pub async fn switch_account(partner: State<'_, Partner>, index: u32) -> CommandResult<()> {
    Ok(partner.switch_account(index as usize).await?)
}

/// Signs the active account out; others stay signed in.
#[tauri::command]
pub async fn sign_out(partner: State<'_, Partner>) -> CommandResult<()> {
    Ok(partner.sign_out().await?)
}

/// The signed-in account's personal access tokens, from the center (a
/// token's secret is never among them).
#[tauri::command]
pub async fn list_personal_tokens(
    partner: State<'_, Partner>,
) -> CommandResult<Vec<PersonalToken>> {
    Ok(partner.personal_tokens().await?)
}

/// Makes a personal access token for scripts; the answer holds its secret,
/// shown this once. Needs the center: a secret cannot wait in the outbox.
#[tauri::command]
pub async fn create_personal_token(
    partner: State<'_, Partner>,
    new: NewPersonalToken,
) -> CommandResult<PersonalToken> {
    Ok(partner.create_personal_token(&new).await?)
}

/// Revokes one of the account's personal access tokens, at once.
#[tauri::command]
pub async fn revoke_personal_token(partner: State<'_, Partner>, id: String) -> CommandResult<()> {
    Ok(partner.revoke_personal_token(&id).await?)
}
