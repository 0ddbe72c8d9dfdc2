//! An organisation's members, managed by its partner admins: invitations
//! that yield a one-time code, roles, deactivation.

use serde::{Deserialize, Serialize};

use crate::auth::Role;

/// How long an invitation's code can be used.
pub const INVITATION_DAYS: u32 = 14;
/// The shortest password an invited member may choose.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// A member of the caller's organisation: `GET /v1/organisation/members`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Member {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// A deactivated member cannot sign in; their sessions were ended.
    pub active: bool,
}

/// `PATCH /v1/organisation/members/{id}`: what changes; either ends the
/// member's sessions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MemberChange {
    /// `partner_member` or `partner_admin`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub role: Option<Role>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub active: Option<bool>,
}

/// `POST /v1/organisation/invitations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewInvitation {
    pub email: String,
    pub name: String,
    /// `partner_member` or `partner_admin`.
    pub role: Role,
}

/// An invitation not yet accepted. Its code is in the answer that made it
/// and nowhere else: the partner admin passes it on to the new member.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Invitation {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub expires_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub code: Option<String>,
}

impl std::fmt::Debug for Invitation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invitation")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("role", &self.role)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// `POST /v1/auth/invitations/accept`: the code and the new member's
/// password; the answer signs them in.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InvitationAcceptance {
    pub code: String,
    pub password: String,
}

impl std::fmt::Debug for InvitationAcceptance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InvitationAcceptance")
            .finish_non_exhaustive()
    }
}

/// Whether a partner admin may give `role`: partners' roles only; center
/// staff are made by the center.
pub fn partner_role(role: Role) -> bool {
    matches!(role, Role::PartnerMember | Role::PartnerAdmin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invitation_code_never_reaches_a_log() {
        let invitation = Invitation {
            id: "inv_1".into(),
            email: "new@robotics.example.cn".into(),
            name: "Wang Fang".into(),
            role: Role::PartnerMember,
            created_at: String::new(),
            expires_at: String::new(),
            code: Some("aic_secret".into()),
        };
        assert!(!format!("{invitation:?}").contains("aic_secret"));
        let accept = InvitationAcceptance {
            code: "aic_secret".into(),
            password: "hunter2hunter2".into(),
        };
        assert!(!format!("{accept:?}").contains("secret"));
        assert!(partner_role(Role::PartnerAdmin) && !partner_role(Role::CenterAdmin));
    }
}
