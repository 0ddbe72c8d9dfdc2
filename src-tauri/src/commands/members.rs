//! The signed-in account's standing, and its organisation's members:
//! listed for everyone in it, managed by its partner admins. Every step
//! asks the center: a change of role or a deactivation ends sessions at
//! once and its answer (say, "the last admin") must be seen at once, and an
//! invitation's code is a secret that cannot wait in the outbox.

use aicc_api::members::{Invitation, Member, MemberChange, NewInvitation};
use aicc_client::accounts::Standing;
use tauri::State;

use crate::error::{CommandResult, not_signed_in};
use crate::state::AppState;

/// Who the account is at its center now, and what its role may do.
#[tauri::command]
pub async fn my_standing(state: State<'_, AppState>) -> CommandResult<Standing> {
    let session = state.session().await.ok_or_else(not_signed_in)?;
    let session = &*session;
    let account = session
        .authorized(|token| async move { session.portal().me(&token).await })
        .await?;
    Ok(Standing::of(account))
}

/// The organisation's members.
#[tauri::command]
pub async fn list_members(state: State<'_, AppState>) -> CommandResult<Vec<Member>> {
    let session = state.session().await.ok_or_else(not_signed_in)?;
    let session = &*session;
    Ok(session
        .authorized(|token| async move { session.portal().members(&token).await })
        .await?)
}

/// Changes a member's role or deactivates (or reactivates) them.
#[tauri::command]
pub async fn change_member(
    state: State<'_, AppState>,
    id: String,
    change: MemberChange,
) -> CommandResult<Member> {
    let session = state.session().await.ok_or_else(not_signed_in)?;
    let (session, id, change) = (&*session, &id, &change);
    Ok(session
        .authorized(|token| async move { session.portal().change_member(&token, id, change).await })
        .await?)
}

/// The organisation's open invitations.
#[tauri::command]
pub async fn list_invitations(state: State<'_, AppState>) -> CommandResult<Vec<Invitation>> {
    let session = state.session().await.ok_or_else(not_signed_in)?;
    let session = &*session;
    Ok(session
        .authorized(|token| async move { session.portal().invitations(&token).await })
        .await?)
}

/// Invites someone; the answer holds the one-time code, shown this once.
#[tauri::command]
pub async fn invite_member(
    state: State<'_, AppState>,
    new: NewInvitation,
) -> CommandResult<Invitation> {
    let session = state.session().await.ok_or_else(not_signed_in)?;
    let (session, new) = (&*session, &new);
    Ok(session
        .authorized(|token| async move { session.portal().invite(&token, new).await })
        .await?)
}

/// Withdraws an invitation; its code stops working.
#[tauri::command]
pub async fn withdraw_invitation(state: State<'_, AppState>, id: String) -> CommandResult<()> {
    let session = state.session().await.ok_or_else(not_signed_in)?;
    let (session, id) = (&*session, &id);
    Ok(session
        .authorized(|token| async move { session.portal().withdraw_invitation(&token, id).await })
        .await?)
}
