//! Turning any failure of a handler into the one error shape of the contract.

use aicc_api::{ErrorBody, ErrorCode};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::db::DbError;

/// An error a handler answers with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Unauthorized(String),
    #[error("{message}")]
    InvalidInput {
        field: &'static str,
        message: String,
    },
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("stored data is unreadable: {0}")]
    Corrupt(#[from] serde_json::Error),
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        ApiError::Db(DbError::Sqlite(e))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, field) = match &self {
            ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, None),
            ApiError::InvalidInput { field, .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::InvalidInput,
                Some(*field),
            ),
            ApiError::Db(_) | ApiError::Corrupt(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal, None)
            }
        };
        let message = if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
            "the portal failed to answer; try again later".to_owned()
        } else {
            self.to_string()
        };
        let mut body = ErrorBody::new(code, message);
        body.error.field = field.map(str::to_owned);
        (status, axum::Json(body)).into_response()
    }
}
