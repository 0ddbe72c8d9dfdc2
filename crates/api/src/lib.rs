//! The wire contract between the center's portal and the AICC Partner app.
//!
//! Every type that crosses HTTP is defined here once and used by both sides;
//! nothing in this crate does I/O. The portal serialises these types, the
//! client deserialises them, and the app's UI sees TypeScript declarations
//! generated from them (feature `ts`).

pub mod auth;
pub mod catalog;
pub mod error;
pub mod sync;

pub use error::{ErrorBody, ErrorCode, ErrorDetail};
