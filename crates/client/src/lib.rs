//! What AICC Partner does that is not pixels: talking to a center's portal
//! (`portal`, through a corporate `network`), keeping accounts and tokens
//! (`accounts`, `session`, `vault`), the local store (`store`, each feed's
//! place in `cursors`) with the catalog, the user's jobs and applications (`catalog`, `jobs`,
//! `applications`), writes waiting for the center (`outbox`), what deserves
//! a notification (`notifications`), the sync engine that ties them
//! together (`sync`), and the app's settings and directories (`config`).
//! [`partner::Partner`] is all of it as one type: the accounts signed in,
//! each live with its session, store and engine, and what the user asks.
//!
//! No Tauri here: the app's shell, a CLI or a test drives this directly.

pub mod accounts;
pub mod applications;
pub mod catalog;
pub mod center;
pub mod clock;
pub mod cohort_events;
pub mod config;
pub mod cooperation;
pub mod credits;
pub mod cursors;
pub mod directory;
pub mod drafts;
pub mod error;
pub mod incubation;
pub mod jobs;
pub mod mentors;
pub mod network;
pub mod notifications;
pub mod outbox;
pub mod partner;
pub mod portal;
pub mod searchable;
pub mod session;
pub mod store;
pub mod sync;
pub mod talent;
pub mod vault;
pub mod words;

pub use error::{Error, ErrorCode, Result};

/// The app's bundle identifier: its directories and keyring entries are named after it.
pub const APP_IDENTIFIER: &str = "cn.aicc.partner";
