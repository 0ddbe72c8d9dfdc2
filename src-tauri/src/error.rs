//! The one error type every command returns: `{ code, message, reason }`.
//! The UI switches on `code` to say, in the user's language, what happened
//! and what to do, and words `reason` (the center's or the core's code for
//! why) where there is one; `message` carries the detail in English for
//! logs and support.

use aicc_client::ErrorCode;
use serde::Serialize;

/// An error as the UI receives it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct CommandError {
    pub code: ErrorCode,
    pub message: String,
    /// What the center or the core said, as a code the UI words in the
    /// user's language; `None` where the error has none.
    pub reason: Option<aicc_api::ReasonCode>,
}

impl From<aicc_client::Error> for CommandError {
    fn from(e: aicc_client::Error) -> Self {
        if e.code() == ErrorCode::Internal {
            tracing::error!(error = %e, "command failed");
        }
        Self {
            code: e.code(),
            message: e.to_string(),
            reason: e.reason().cloned(),
        }
    }
}

impl CommandError {
    /// A failure of the desktop itself (the OS would not do what was
    /// asked), logged as one.
    pub fn internal(message: String) -> Self {
        tracing::error!(error = %message, "command failed");
        Self {
            code: ErrorCode::Internal,
            message,
            reason: None,
        }
    }
}

/// What every command returns.
pub type CommandResult<T> = Result<T, CommandError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_error_json_is_code_message_and_reason() {
        let e = CommandError::from(aicc_client::Error::WrongCredentials);
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"code":"wrong_credentials","message":"wrong e-mail or password","reason":null}"#
        );
        let refused = CommandError::from(aicc_client::Error::refused(
            "registered_already",
            &[],
            "registered already",
        ));
        assert_eq!(
            serde_json::to_value(&refused).unwrap(),
            serde_json::json!({
                "code": "refused",
                "message": "registered already",
                "reason": {"code": "registered_already", "params": {}}
            })
        );
        let offline = CommandError::from(aicc_client::Error::Offline {
            url: "http://127.0.0.1:9/".into(),
            reason: "connection refused".into(),
        });
        assert_eq!(
            serde_json::to_value(&offline).unwrap(),
            serde_json::json!({
                "code": "offline",
                "message": "the center at http://127.0.0.1:9/ cannot be reached: connection refused",
                "reason": null
            })
        );
    }
}
