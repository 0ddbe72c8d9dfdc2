//! Turning any failure of a handler into the one error shape of the
//! contract, and the extractors that make malformed requests answer in that
//! shape too (axum's own rejections are plain text).

use aicc_api::{ErrorBody, ErrorCode, FieldError, ReasonCode};
use axum::extract::rejection::{BytesRejection, JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::db::DbError;

/// An error a handler answers with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{message}")]
    InvalidInput { field: String, message: String },
    /// A malformed request (a query that does not parse, a cursor never given out): 400.
    #[error("{message}")]
    BadRequest { field: String, message: String },
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    QuotaExceeded(String),
    #[error("this Idempotency-Key was already used with a different request; use a new key")]
    IdempotencyMismatch,
    #[error("{0}")]
    CursorExpired(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// A body that paused too long, came too slowly or missed its deadline.
    #[error(
        "the request's body came too slowly: it must arrive whole within {deadline_secs} s, \
         never pause for {grace_secs} s, and after the first {grace_secs} s come at {rate} KiB/s \
         at least; nothing was made: send it again, on a faster connection for a large file",
        rate = crate::bodies::MIN_BODY_RATE / 1024.0
    )]
    BodyTimeout { deadline_secs: u64, grace_secs: u64 },
    #[error("too many requests; retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error(
        "too many failed sign-ins for this account; wait {retry_after_secs} s and try again, or ask the center's administrators to reset the password"
    )]
    SignInThrottled { retry_after_secs: u64 },
    /// A person has as many of something open at once as they may (event
    /// streams, bodies being sent).
    #[error("{message}")]
    TooManyAtOnce {
        message: String,
        retry_after_secs: u64,
    },
    /// The portal has no room just now for what was sent: 503.
    #[error(
        "the center is receiving many other requests just now; nothing was made: send it again in {retry_after_secs} s"
    )]
    Busy { retry_after_secs: u64 },
    /// An error with the code the app words it by in its user's language.
    #[error("{error}")]
    Coded {
        error: Box<ApiError>,
        reason: ReasonCode,
    },
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("stored data is unreadable: {0}")]
    Corrupt(#[from] serde_json::Error),
    #[error("file storage failed: {0}")]
    Io(#[from] std::io::Error),
}

impl ApiError {
    /// An invalid field, named as on the wire.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        ApiError::InvalidInput {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    /// The same error, with the code the app words it by: `code` in the
    /// `reasons` of the app's catalogues, with the values its words need.
    pub fn because(self, code: &str, params: &[(&str, &dyn std::fmt::Display)]) -> Self {
        let error = match self {
            // A code given again replaces the first.
            ApiError::Coded { error, .. } => error,
            error => Box::new(error),
        };
        ApiError::Coded {
            error,
            reason: ReasonCode::new(code, params),
        }
    }

    /// The error itself and the code it was given, if any.
    pub fn reasoned(&self) -> (&ApiError, Option<&ReasonCode>) {
        match self {
            ApiError::Coded { error, reason } => (error, Some(reason)),
            error => (error, None),
        }
    }

    /// The answer for an id the caller may not see: the same as for one
    /// that does not exist, so ids of other organisations leak nothing.
    pub fn not_found(what: &str) -> Self {
        ApiError::NotFound(format!("no {what} with that id"))
    }

    /// Whether the portal's disk is full: the database or an attachment
    /// could not be written.
    fn is_storage_full(&self) -> bool {
        match self {
            ApiError::Db(DbError::Sqlite(rusqlite::Error::SqliteFailure(e, _))) => {
                e.code == rusqlite::ErrorCode::DiskFull
            }
            ApiError::Io(e) => e.kind() == std::io::ErrorKind::StorageFull,
            _ => false,
        }
    }

    pub(crate) fn status_and_code(&self) -> (StatusCode, ErrorCode) {
        match self {
            ApiError::Coded { error, .. } => error.status_and_code(),
            ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, ErrorCode::Forbidden),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, ErrorCode::NotFound),
            ApiError::InvalidInput { .. } => {
                (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidInput)
            }
            ApiError::BadRequest { .. } => (StatusCode::BAD_REQUEST, ErrorCode::InvalidInput),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, ErrorCode::Conflict),
            ApiError::QuotaExceeded(_) => {
                (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::QuotaExceeded)
            }
            ApiError::IdempotencyMismatch => (
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::IdempotencyMismatch,
            ),
            ApiError::CursorExpired(_) => (StatusCode::GONE, ErrorCode::CursorExpired),
            ApiError::PayloadTooLarge(_) => {
                (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::PayloadTooLarge)
            }
            ApiError::UnsupportedMediaType(_) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::UnsupportedMediaType,
            ),
            ApiError::BodyTimeout { .. } => {
                (StatusCode::REQUEST_TIMEOUT, ErrorCode::RequestTimeout)
            }
            ApiError::RateLimited { .. }
            | ApiError::SignInThrottled { .. }
            | ApiError::TooManyAtOnce { .. } => {
                (StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited)
            }
            ApiError::Busy { .. } => (StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Busy),
            _ if self.is_storage_full() => {
                (StatusCode::INSUFFICIENT_STORAGE, ErrorCode::StorageFull)
            }
            ApiError::Db(_) | ApiError::Corrupt(_) | ApiError::Io(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal)
            }
        }
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        ApiError::Db(DbError::Sqlite(e))
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        ApiError::Coded {
            error: Box::new(ApiError::invalid(e.field, e.message)),
            reason: e.reason,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (error, reason) = match self {
            ApiError::Coded { error, reason } => (*error, Some(reason)),
            error => (error, None),
        };
        error.answer(reason)
    }
}

impl ApiError {
    fn answer(self, reason: Option<ReasonCode>) -> Response {
        let (status, code) = self.status_and_code();
        let message = if code == ErrorCode::StorageFull {
            tracing::error!(error = %self, "the portal's disk is full; free space in its data directory");
            "the center's storage is full: nothing was made; the app sends it again later, and it succeeds once the center's staff have freed space".to_owned()
        } else if code == ErrorCode::Busy {
            // Its own words: what happened and when to send again. A busy
            // portal is load, not a fault: it is not logged as one.
            tracing::debug!("a body found no memory to be read into");
            self.to_string()
        } else if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
            "the portal failed to answer; try again later".to_owned()
        } else {
            self.to_string()
        };
        let mut body = ErrorBody::new(code, message);
        if let ApiError::InvalidInput { field, .. } | ApiError::BadRequest { field, .. } = &self {
            body.error.field = Some(field.clone());
        }
        if !status.is_server_error() {
            body.error.reason = reason;
        }
        let mut response = (status, axum::Json(body)).into_response();
        let retry_after_secs = match self {
            ApiError::RateLimited { retry_after_secs }
            | ApiError::SignInThrottled { retry_after_secs }
            | ApiError::TooManyAtOnce {
                retry_after_secs, ..
            }
            | ApiError::Busy { retry_after_secs } => Some(retry_after_secs),
            _ => None,
        };
        if let Some(retry_after_secs) = retry_after_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        response
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType(
                "send the body as JSON with Content-Type: application/json".into(),
            ),
            JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                ApiError::PayloadTooLarge("the request body is too large".into())
            }
            other => ApiError::invalid("body", other.body_text()),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::BadRequest {
            field: "query".into(),
            message: rejection.body_text(),
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::BadRequest {
            field: "path".into(),
            message: rejection.body_text(),
        }
    }
}

impl From<BytesRejection> for ApiError {
    fn from(rejection: BytesRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge("the request body is too large".into())
        } else {
            ApiError::BadRequest {
                field: "body".into(),
                message: rejection.body_text(),
            }
        }
    }
}

/// A raw body whose errors answer in the contract's shape.
#[derive(Debug)]
pub struct ApiBytes(pub axum::body::Bytes);

impl<S: Send + Sync> FromRequest<S> for ApiBytes {
    type Rejection = ApiError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        Ok(Self(axum::body::Bytes::from_request(request, state).await?))
    }
}

/// A JSON body whose errors answer in the contract's shape.
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// Query parameters whose errors answer in the contract's shape.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// Path parameters whose errors answer in the contract's shape.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

#[cfg(test)]
mod tests {
    use super::*;

    async fn body_of(error: ApiError) -> (StatusCode, serde_json::Value, Option<String>) {
        let response = error.into_response();
        let status = response.status();
        let retry = response
            .headers()
            .get(header::RETRY_AFTER)
            .map(|v| v.to_str().unwrap().to_owned());
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        (status, serde_json::from_slice(&bytes).unwrap(), retry)
    }

    #[tokio::test]
    async fn errors_answer_in_the_one_shape_with_their_status() {
        let (status, body, _) = body_of(ApiError::invalid("uscc", "wrong check character")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body,
            serde_json::json!({"error": {"code": "invalid_input", "message": "wrong check character", "field": "uscc"}})
        );
        let (status, body, retry) = body_of(ApiError::RateLimited {
            retry_after_secs: 3,
        })
        .await;
        assert_eq!(
            (status, retry.as_deref()),
            (StatusCode::TOO_MANY_REQUESTS, Some("3"))
        );
        assert_eq!(body["error"]["code"], "rate_limited");
        let (status, body, _) = body_of(ApiError::Io(std::io::Error::other("disk full"))).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(
            !body.to_string().contains("disk full"),
            "internals stay in the log"
        );
    }

    #[tokio::test]
    async fn a_busy_portal_says_so_and_when_to_send_again() {
        let (status, body, retry) = body_of(ApiError::Busy {
            retry_after_secs: 5,
        })
        .await;
        assert_eq!(
            (status, retry.as_deref()),
            (StatusCode::SERVICE_UNAVAILABLE, Some("5"))
        );
        assert_eq!(body["error"]["code"], "busy");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("nothing was made: send it again in 5 s"),
            "{message}"
        );
    }
}
