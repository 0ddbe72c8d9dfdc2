//! What AICC Partner does that is not pixels: talking to a center's portal
//! (`portal`), keeping the signed-in account and its tokens (`session`,
//! `vault`), the local store (`store`) with the catalog (`catalog`), the sync
//! engine that fills it (`sync`), and the app's settings and directories
//! (`config`).
//!
//! No Tauri here: the app's shell, a CLI or a test drives this directly.

pub mod accounts;
pub mod catalog;
pub mod config;
pub mod error;
pub mod portal;
pub mod session;
pub mod store;
pub mod sync;
pub mod vault;

pub use error::{Error, ErrorCode, Result};

/// The app's bundle identifier: its directories and keyring entries are named after it.
pub const APP_IDENTIFIER: &str = "cn.aicc.partner";
