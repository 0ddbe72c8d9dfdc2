//! The signed-in account's standing, and its organisation's members:
//! listed for everyone in it, managed by its partner admins. Every step
//! asks the center: a change of role or a deactivation ends sessions at
//! once and its answer (say, "the last admin") must be seen at once, and an
//! invitation's code is a secret that cannot wait in the outbox.

use aicc_api::members::{Invitation, Member, MemberChange, NewInvitation};
use aicc_client::accounts::Standing;
use aicc_client::partner::Partner;
use tauri::State;

use crate::error::CommandResult;

/// Who the account is at its center now, and what its role may do.
#[tauri::command]
pub async fn my_standing(partner: State<'_, Partner>) -> CommandResult<Standing> {
    Ok(partner.standing().await?)
}

/// The organisation's members.
#[tauri::command]
pub async fn list_members(partner: State<'_, Partner>) -> CommandResult<Vec<Member>> {
    Ok(partner.members().await?)
}

/// Changes a member's role or deactivates (or reactivates) them.
#[tauri::command]
pub async fn change_member(
    partner: State<'_, Partner>,
    id: String,
    change: MemberChange,
) -> CommandResult<Member> {
    Ok(partner.change_member(&id, &change).await?)
}

/// The organisation's open invitations.
#[tauri::command]
pub async fn list_invitations(partner: State<'_, Partner>) -> CommandResult<Vec<Invitation>> {
    Ok(partner.invitations().await?)
}

/// Invites someone; the answer holds the one-time code, shown this once.
#[tauri::command]
pub async fn invite_member(
    partner: State<'_, Partner>,
    new: NewInvitation,
) -> CommandResult<Invitation> {
    Ok(partner.invite(&new).await?)
}

/// Withdraws an invitation; its code stops working.
#[tauri::command]
pub async fn withdraw_invitation(partner: State<'_, Partner>, id: String) -> CommandResult<()> {
    Ok(partner.withdraw_invitation(&id).await?)
}
