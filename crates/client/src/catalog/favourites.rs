//! Favourites: marked here at once, kept on the account by the outbox's
//! writes, and taken from the account on every sync except for the models
//! whose change is still waiting to be sent.

use std::collections::HashSet;

use rusqlite::{Connection, params};

use crate::error::Result;
use crate::outbox;

/// Takes the account's favourites as the center keeps them, except for
/// models whose change is still waiting in the outbox.
pub fn apply_favourites(conn: &mut Connection, on_account: &[String], now: &str) -> Result<()> {
    let tx = conn.transaction()?;
    let waiting = outbox::favourites_waiting(&tx)?;
    let here: HashSet<String> = tx
        .prepare_cached("SELECT model_id FROM favourites")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let account: HashSet<&String> = on_account.iter().collect();
    for id in here.iter().filter(|id| !account.contains(id)) {
        if !waiting.contains(id) {
            set_favourite(&tx, id, false, now)?;
        }
    }
    for id in account.into_iter().filter(|id| !here.contains(*id)) {
        if !waiting.contains(id) {
            set_favourite(&tx, id, true, now)?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// Marks or unmarks a favourite here; `outbox::set_favourite` also tells
/// the account.
pub fn set_favourite(conn: &Connection, model_id: &str, favourite: bool, now: &str) -> Result<()> {
    if favourite {
        conn.execute(
            "INSERT OR IGNORE INTO favourites (model_id, added_at) VALUES (?1, ?2)",
            params![model_id, now],
        )?;
    } else {
        conn.execute("DELETE FROM favourites WHERE model_id = ?1", [model_id])?;
    }
    Ok(())
}
