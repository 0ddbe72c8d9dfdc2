//! Where each synced collection's change feed was read up to, and when:
//! moved in the transaction that applied the page.

use aicc_api::sync::Collection;
use rusqlite::{Connection, OptionalExtension, params};

use crate::error::Result;

/// The stored cursor of a collection's change feed, and when it was reached.
pub fn cursor(conn: &Connection, collection: Collection) -> Result<Option<(u64, String)>> {
    Ok(conn
        .query_row(
            "SELECT rev, synced_at FROM sync_cursors WHERE collection = ?1",
            [collection.as_str()],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?)
}

/// Whether a collection was ever synced: on the very first sync, history
/// raises no notification.
pub fn first_sync(conn: &Connection, collection: Collection) -> Result<bool> {
    Ok(cursor(conn, collection)?.is_none())
}

/// Moves a collection's cursor; call inside the transaction that applied the page.
pub fn set_cursor(
    conn: &Connection,
    collection: Collection,
    rev: u64,
    synced_at: &str,
) -> Result<()> {
    conn.execute(
        "INSERT INTO sync_cursors (collection, rev, synced_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (collection) DO UPDATE SET rev = excluded.rev, synced_at = excluded.synced_at",
        params![collection.as_str(), rev, synced_at],
    )?;
    Ok(())
}
