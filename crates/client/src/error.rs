//! Every failure the app can meet, with a code the UI switches on to tell
//! the user, in their language, what happened and what to do.

use serde::Serialize;

/// A stable, machine-readable kind of [`Error`], shown to the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The center cannot be reached (network down, portal stopped, proxy).
    Offline,
    /// The e-mail or password was refused.
    WrongCredentials,
    /// The stored session is no longer accepted; sign in again.
    SessionEnded,
    /// Nobody is signed in, and what was asked needs an account.
    NotSignedIn,
    /// The URL answers, but not as an AICC portal.
    NotAPortal,
    /// The center's certificate is not trusted.
    UntrustedCertificate,
    /// The center's address is plain `http://` beyond this machine: the
    /// password and the organisation's data would cross the network
    /// readable; signing in needs the user's explicit go-ahead.
    PlainHttp,
    /// The OS keyring cannot be used.
    KeyringUnavailable,
    /// The user's input is invalid.
    InvalidInput,
    /// What was asked cannot be done now (registered already, a change on
    /// its way): the app's own checks say why, as the center would.
    Refused,
    /// The portal refused or failed the request.
    Portal,
    /// The local data was written by a newer version of the app.
    NewerStore,
    /// This computer's disk is full: nothing was changed, and what the
    /// user entered is still on screen.
    DiskFull,
    /// Something failed that the user cannot fix.
    Internal,
}

/// An error of the client core.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the center at {url} cannot be reached: {reason}")]
    Offline { url: String, reason: String },
    #[error("the center's certificate is not trusted: {0}")]
    UntrustedCertificate(String),
    #[error(
        "{url} is plain http: the password and your organisation's data would cross the network unencrypted; ask the center for its https:// address, or confirm that this network is trusted"
    )]
    PlainHttp { url: String },
    #[error("wrong e-mail or password")]
    WrongCredentials,
    #[error("the session has ended; sign in again")]
    SessionEnded,
    #[error("nobody is signed in; sign in to a center first")]
    NotSignedIn,
    #[error("{url} does not answer like an AICC portal: {reason}")]
    NotAPortal { url: String, reason: String },
    #[error("the portal answered {status}: {message}")]
    Portal {
        status: u16,
        code: Option<aicc_api::ErrorCode>,
        message: String,
        field: Option<String>,
        /// The same as `message`, as a code the window words.
        reason: Option<Box<aicc_api::ReasonCode>>,
        retry_after: Option<std::time::Duration>,
    },
    #[error("the local copy is older than the history the center keeps: {0}")]
    CursorExpired(String),
    #[error("the OS keyring cannot be used: {0}")]
    Keyring(String),
    #[error("{0}")]
    InvalidInput(String),
    /// What the app's own checks refuse, as the center would: with the
    /// code the window words it by.
    #[error("{message}")]
    Refused {
        message: String,
        reason: Box<aicc_api::ReasonCode>,
        /// The form field at fault, when a field is.
        field: Option<&'static str>,
    },
    #[error(
        "the local data in {path} was written by a newer version of AICC Partner; update the app to open it"
    )]
    NewerStore { path: String },
    #[error("local store: {0}")]
    Store(#[from] rusqlite::Error),
    #[error("local store cannot be migrated: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("cannot read or write {path}: {source}")]
    File {
        path: String,
        source: std::io::Error,
    },
    #[error("stored data is unreadable: {0}")]
    Corrupt(#[from] serde_json::Error),
    #[error("a background task failed")]
    TaskFailed,
}

impl From<aicc_api::FieldError> for Error {
    fn from(e: aicc_api::FieldError) -> Self {
        Error::Refused {
            message: format!("{}: {}", e.field, e.message),
            reason: Box::new(e.reason),
            field: Some(e.field),
        }
    }
}

impl Error {
    /// A request the app's own checks refuse: `message` in English, and
    /// `code` with its values for the window's words.
    pub fn refused(
        code: &str,
        params: &[(&str, &dyn std::fmt::Display)],
        message: impl Into<String>,
    ) -> Self {
        Error::Refused {
            message: message.into(),
            reason: Box::new(aicc_api::ReasonCode::new(code, params)),
            field: None,
        }
    }

    /// What the center or the app's checks said, as a code the window
    /// words; `None` where there is none.
    pub fn reason(&self) -> Option<&aicc_api::ReasonCode> {
        match self {
            Error::Portal { reason, .. } => reason.as_deref(),
            Error::Refused { reason, .. } => Some(reason),
            _ => None,
        }
    }

    /// The kind of error, for the UI.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Offline { .. } => ErrorCode::Offline,
            Error::UntrustedCertificate(_) => ErrorCode::UntrustedCertificate,
            Error::PlainHttp { .. } => ErrorCode::PlainHttp,
            Error::WrongCredentials => ErrorCode::WrongCredentials,
            Error::SessionEnded => ErrorCode::SessionEnded,
            Error::NotSignedIn => ErrorCode::NotSignedIn,
            Error::NotAPortal { .. } => ErrorCode::NotAPortal,
            Error::Portal { .. } | Error::CursorExpired(_) => ErrorCode::Portal,
            Error::Keyring(_) => ErrorCode::KeyringUnavailable,
            Error::InvalidInput(_) | Error::Refused { field: Some(_), .. } => {
                ErrorCode::InvalidInput
            }
            Error::Refused { field: None, .. } => ErrorCode::Refused,
            Error::NewerStore { .. } => ErrorCode::NewerStore,
            _ if self.is_disk_full() => ErrorCode::DiskFull,
            Error::Store(_)
            | Error::Migration(_)
            | Error::File { .. }
            | Error::Corrupt(_)
            | Error::TaskFailed => ErrorCode::Internal,
        }
    }

    /// Whether the local store or a file could not be written because the
    /// disk is full.
    fn is_disk_full(&self) -> bool {
        match self {
            Error::Store(rusqlite::Error::SqliteFailure(e, _)) => {
                e.code == rusqlite::ErrorCode::DiskFull
            }
            Error::File { source, .. } => source.kind() == std::io::ErrorKind::StorageFull,
            _ => false,
        }
    }

    /// Whether trying again later, unchanged, may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, Error::Offline { .. })
            || matches!(self, Error::Portal { status, .. } if matches!(status, 408 | 429) || *status >= 500)
    }
}

impl From<tokio::task::JoinError> for Error {
    fn from(_: tokio::task::JoinError) -> Self {
        Error::TaskFailed
    }
}

/// The client core's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;
