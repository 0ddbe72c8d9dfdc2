//! The wire contract between the center's portal and the AICC Partner app.
//!
//! Every type that crosses HTTP is defined here once and used by both sides;
//! nothing in this crate does I/O. The portal serialises these types, the
//! client deserialises them, the app's UI sees TypeScript declarations
//! generated from them (feature `ts`), and the portal's OpenAPI document
//! describes them (feature `openapi`).

pub mod applications;
pub mod auth;
pub mod catalog;
pub mod center;
pub mod directory;
pub mod error;
pub mod events;
pub mod incubation;
pub mod jobs;
pub mod members;
pub mod permissions;
pub mod reason;
pub mod sync;
pub mod talent;
pub mod uscc;

pub use error::{ErrorBody, ErrorCode, ErrorDetail, FieldError};
pub use reason::ReasonCode;
