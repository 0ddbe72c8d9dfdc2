//! Signing in: password → access and refresh tokens, and who the caller is.

use serde::{Deserialize, Serialize};

/// `POST /v1/auth/token`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordSignIn {
    pub email: String,
    pub password: String,
}

/// `POST /v1/auth/refresh` and `POST /v1/auth/revoke`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefreshTokenBody {
    pub refresh_token: String,
}

/// The answer to a sign-in or a refresh. The refresh token rotates: the one
/// sent is no longer valid once this answer is given.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenGrant {
    pub access_token: String,
    /// Seconds the access token stays valid.
    pub expires_in: u64,
    pub refresh_token: String,
    pub account: Account,
}

impl std::fmt::Debug for TokenGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenGrant")
            .field("expires_in", &self.expires_in)
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

/// Who is signed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Account {
    pub email: String,
    pub name: String,
    pub organisation: String,
    pub role: Role,
}

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    PartnerMember,
    PartnerAdmin,
    CenterReviewer,
    CenterAdmin,
}

impl Role {
    /// The name stored in the portal's database.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::PartnerMember => "partner_member",
            Role::PartnerAdmin => "partner_admin",
            Role::CenterReviewer => "center_reviewer",
            Role::CenterAdmin => "center_admin",
        }
    }

    /// The inverse of [`Role::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        [
            Role::PartnerMember,
            Role::PartnerAdmin,
            Role::CenterReviewer,
            Role::CenterAdmin,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// What a personal access token may do; every scope reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Read the catalog and the organisation's data.
    Read,
    /// Also submit and cancel jobs.
    Jobs,
    /// Also edit and submit the organisation's applications, and what an
    /// incubated startup writes: milestone evidence, event registrations
    /// and requests for office hours.
    Applications,
    /// Everything the account may do, but create other tokens.
    Full,
}

impl Scope {
    /// Every scope, in the order a form offers them.
    pub const ALL: [Scope; 4] = [Scope::Read, Scope::Jobs, Scope::Applications, Scope::Full];

    /// The name on the wire and in the portal's database.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Jobs => "jobs",
            Scope::Applications => "applications",
            Scope::Full => "full",
        }
    }

    /// The inverse of [`Scope::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|scope| scope.as_str() == s)
    }
}

/// The longest a personal access token may live.
pub const MAX_PERSONAL_TOKEN_DAYS: u32 = 366;
/// The most personal access tokens one person keeps at once (revoke one to
/// make another).
pub const MAX_PERSONAL_TOKENS: usize = 20;

/// `POST /v1/auth/personal-tokens`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewPersonalToken {
    pub name: String,
    /// 1 to [`MAX_PERSONAL_TOKEN_DAYS`]; 90 when not given.
    #[serde(default)]
    pub expires_in_days: Option<u32>,
    /// What the token may do; `read` when not given.
    #[serde(default)]
    pub scopes: Option<Vec<Scope>>,
}

/// A personal access token; `token` is only present in the answer that created it.
#[derive(Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PersonalToken {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub token: Option<String>,
    pub scopes: Vec<Scope>,
    pub created_at: String,
    pub expires_at: String,
    /// When it was last presented (to the minute); `None` if never.
    pub last_used_at: Option<String>,
}

impl std::fmt::Debug for PersonalToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PersonalToken")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("scopes", &self.scopes)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_grant_debug_never_shows_tokens() {
        let grant = TokenGrant {
            access_token: "aat_secret".into(),
            expires_in: 900,
            refresh_token: "art_secret".into(),
            account: Account {
                email: "a@b.c".into(),
                name: "A".into(),
                organisation: "O".into(),
                role: Role::PartnerAdmin,
            },
        };
        assert!(!format!("{grant:?}").contains("secret"));
    }

    #[test]
    fn scope_names_round_trip() {
        for scope in Scope::ALL {
            assert_eq!(Scope::parse(scope.as_str()), Some(scope));
            assert_eq!(
                serde_json::to_value(scope).unwrap(),
                serde_json::Value::String(scope.as_str().into())
            );
        }
    }

    #[test]
    fn role_names_round_trip() {
        for role in [
            Role::PartnerMember,
            Role::PartnerAdmin,
            Role::CenterReviewer,
            Role::CenterAdmin,
        ] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            assert_eq!(
                serde_json::to_value(role).unwrap(),
                serde_json::Value::String(role.as_str().into())
            );
        }
    }
}
