//! What deserves the user's attention: one of their jobs ending (succeeded,
//! failed, cancelled) or one of their applications changing state. Decided
//! while sync applies a page, exactly once per item and state (a unique
//! key), remembered across restarts, and never for the history that arrives
//! on an account's very first sync. The shell shows each one once as an OS
//! notification and keeps them in the in-app inbox.

use rusqlite::{Connection, params};
use serde::Serialize;

use crate::error::Result;

/// One entry of the inbox.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Notification {
    #[ts(type = "number")]
    pub id: i64,
    /// `jobs` or `applications`: which page opens on a click.
    pub collection: String,
    pub item_id: String,
    /// The state reached, e.g. `succeeded` or `changes_requested`.
    pub state: String,
    /// The job's or solution's name.
    pub title: String,
    pub created_at: String,
    pub read: bool,
}

/// Records a transition worth telling; a repeat of the same one is ignored.
pub fn record(
    conn: &Connection,
    collection: &str,
    item_id: &str,
    state: &str,
    title: &str,
    now: &str,
) -> Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO notifications (collection, item_id, state, title, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![collection, item_id, state, title, now],
    )?;
    Ok(())
}

/// Notifications not yet shown by the OS, oldest first.
pub fn unshown(conn: &Connection) -> Result<Vec<Notification>> {
    query(conn, "WHERE shown_at IS NULL ORDER BY id", [])
}

/// Marks a notification as shown by the OS.
pub fn mark_shown(conn: &Connection, id: i64, now: &str) -> Result<()> {
    conn.execute(
        "UPDATE notifications SET shown_at = ?2 WHERE id = ?1",
        params![id, now],
    )?;
    Ok(())
}

/// The inbox, newest first.
pub fn inbox(conn: &Connection, limit: u32) -> Result<Vec<Notification>> {
    query(conn, "ORDER BY id DESC LIMIT ?1", [limit])
}

/// How many the user has not read.
pub fn unread(conn: &Connection) -> Result<u32> {
    Ok(conn.query_row(
        "SELECT count(*) FROM notifications WHERE read_at IS NULL",
        [],
        |r| r.get(0),
    )?)
}

/// Marks one as read (or all, with `None`).
pub fn mark_read(conn: &Connection, id: Option<i64>, now: &str) -> Result<()> {
    match id {
        Some(id) => conn.execute(
            "UPDATE notifications SET read_at = ?2 WHERE id = ?1 AND read_at IS NULL",
            params![id, now],
        )?,
        None => conn.execute(
            "UPDATE notifications SET read_at = ?1 WHERE read_at IS NULL",
            [now],
        )?,
    };
    Ok(())
}

fn query<P: rusqlite::Params>(
    conn: &Connection,
    tail: &str,
    params: P,
) -> Result<Vec<Notification>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT id, collection, item_id, state, title, created_at, read_at IS NOT NULL FROM notifications {tail}"
    ))?;
    let rows = stmt
        .query_map(params, |r| {
            Ok(Notification {
                id: r.get(0)?,
                collection: r.get(1)?,
                item_id: r.get(2)?,
                state: r.get(3)?,
                title: r.get(4)?,
                created_at: r.get(5)?,
                read: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}
