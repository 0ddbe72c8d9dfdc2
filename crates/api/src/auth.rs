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
