//! The one JSON shape of every error the portal answers:
//! `{ "error": { "code": "...", "message": "...", "field": "..."?, "reason": {...}? } }`.

use std::fmt::Display;

use serde::{Deserialize, Serialize};

use crate::ReasonCode;

/// What went wrong, in a form a program can switch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// No valid credentials were presented, or they have expired.
    Unauthorized,
    /// The credentials are valid but do not allow this.
    Forbidden,
    /// Nothing with that id is visible to the caller.
    NotFound,
    /// A field of the request is invalid; `field` names it.
    InvalidInput,
    /// The request conflicts with the current state.
    Conflict,
    /// Too many requests; honour `Retry-After`.
    RateLimited,
    /// The request needs more NPU-hours than the organisation has left.
    QuotaExceeded,
    /// An `Idempotency-Key` was reused with a different request.
    IdempotencyMismatch,
    /// A change-feed cursor is older than the history the portal keeps: re-list from 0.
    CursorExpired,
    /// The body is larger than the portal accepts.
    PayloadTooLarge,
    /// The content is of a type the portal does not accept.
    UnsupportedMediaType,
    /// The request's body did not arrive in time: nothing was made; send
    /// it again.
    RequestTimeout,
    /// The center's storage is full: nothing was made; the same request
    /// succeeds once the center's staff have freed space.
    StorageFull,
    /// The center has no room just now for what was sent: nothing was
    /// made; send it again after `Retry-After`.
    Busy,
    /// The portal failed; retrying later may help.
    Internal,
}

/// A field of a request that is filled in wrongly, by wire name; both the
/// portal and the app check requests with the same rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    /// What is wrong, as a code the app words in its user's language.
    pub reason: ReasonCode,
    /// The same in English, for other clients.
    pub message: String,
}

impl FieldError {
    pub fn new(
        field: &'static str,
        code: &str,
        params: &[(&str, &dyn Display)],
        message: impl Into<String>,
    ) -> Self {
        Self {
            field,
            reason: ReasonCode::new(code, params),
            message: message.into(),
        }
    }
}

/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// The detail inside [`ErrorBody`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The same as `message`, as a code the app words in its user's
    /// language; absent where the center has no code for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<ReasonCode>,
}

impl ErrorBody {
    /// An error without a field.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            error: ErrorDetail {
                code,
                message: message.into(),
                field: None,
                reason: None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_json_shape_is_the_documented_contract() {
        let mut body = ErrorBody::new(ErrorCode::InvalidInput, "limit must be at most 1000");
        body.error.field = Some("limit".into());
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"error":{"code":"invalid_input","message":"limit must be at most 1000","field":"limit"}}"#
        );
        body.error.reason = Some(ReasonCode::new("too_many", &[("most", &1000)]));
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"error":{"code":"invalid_input","message":"limit must be at most 1000","field":"limit","reason":{"code":"too_many","params":{"most":"1000"}}}}"#
        );
        let without_field = ErrorBody::new(ErrorCode::Unauthorized, "sign in again");
        assert_eq!(
            serde_json::to_string(&without_field).unwrap(),
            r#"{"error":{"code":"unauthorized","message":"sign in again"}}"#
        );
    }
}
