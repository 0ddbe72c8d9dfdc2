//! Change feeds: the server-wide revision counter every synced collection
//! shares, and the query parameters every feed validates the same way.

use aicc_api::sync::{ChangesQuery, MAX_PAGE_SIZE};
use rusqlite::Transaction;

use crate::error::ApiError;

/// Takes the next server-wide revision inside the caller's transaction, so a
/// row and its revision commit or roll back together.
pub fn next_rev(tx: &Transaction<'_>) -> rusqlite::Result<u64> {
    tx.query_row(
        "UPDATE revision SET rev = rev + 1 WHERE id = 1 RETURNING rev",
        [],
        |row| row.get(0),
    )
}

/// Checks a feed query and returns the page size to use.
pub fn page_size(query: &ChangesQuery) -> Result<u32, ApiError> {
    if query.limit == 0 || query.limit > MAX_PAGE_SIZE {
        return Err(ApiError::InvalidInput {
            field: "limit",
            message: format!(
                "limit must be between 1 and {MAX_PAGE_SIZE}, got {}",
                query.limit
            ),
        });
    }
    Ok(query.limit)
}
