//! The app's commands, one module per thing the user knows.

pub mod account;
pub mod applications;
pub mod catalog;
pub mod directory;
pub mod incubation;
pub mod jobs;
pub mod members;
pub mod notifications;
pub mod settings;
pub mod sync;
pub mod system;
pub mod talent;
