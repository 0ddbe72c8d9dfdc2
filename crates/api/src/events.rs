//! `GET /v1/events`: server-sent hints that a collection moved. No data
//! travels in an event; the client pulls the collection's change feed.

use serde::{Deserialize, Serialize};

use crate::sync::Collection;

/// The data of one event: `collection` has changes up to `rev`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventHint {
    pub collection: Collection,
    pub rev: u64,
}
