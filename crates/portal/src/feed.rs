//! Change feeds: the server-wide revision counter every synced collection
//! shares, and the rules every feed applies the same way — page size,
//! cursors from the future (400), cursors older than the kept tombstones
//! (410, the client re-lists from 0), and cutting a page with `more`.

use aicc_api::permissions::Action;
use aicc_api::sync::{Change, ChangePage, ChangesQuery, Collection, MAX_PAGE_SIZE};
use axum::Json;
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::accounts::Caller;
use crate::error::ApiError;

/// Takes the next server-wide revision inside the caller's transaction, so a
/// row and its revision commit or roll back together.
pub fn next_rev(conn: &Connection) -> rusqlite::Result<u64> {
    conn.prepare_cached("UPDATE revision SET rev = rev + 1 WHERE id = 1 RETURNING rev")?
        .query_row([], |row| row.get(0))
}

/// Checks a feed query and returns the page size to use.
pub fn page_size(query: &ChangesQuery) -> Result<u32, ApiError> {
    if query.limit == 0 || query.limit > MAX_PAGE_SIZE {
        return Err(ApiError::invalid(
            "limit",
            format!(
                "limit must be between 1 and {MAX_PAGE_SIZE}, got {}",
                query.limit
            ),
        ));
    }
    Ok(query.limit)
}

/// Refuses a cursor the portal never gave out, and one older than the
/// history `collection` keeps (its tombstones were purged).
pub fn check_cursor(
    conn: &Connection,
    after: u64,
    collection: Option<Collection>,
) -> Result<(), ApiError> {
    // Asked on every feed request: the statements are kept compiled.
    let head: u64 = conn
        .prepare_cached("SELECT rev FROM revision WHERE id = 1")?
        .query_row([], |r| r.get(0))?;
    if after > head {
        return Err(ApiError::BadRequest {
            field: "after".into(),
            message: format!("the cursor {after} was never given out here; sync again from 0"),
        });
    }
    if let Some(collection) = collection {
        let floor: Option<u64> = conn
            .prepare_cached("SELECT rev FROM feed_floors WHERE collection = ?1")?
            .query_row([collection.as_str()], |r| r.get(0))
            .optional()?;
        if let Some(floor) = floor
            && after > 0
            && after < floor
        {
            return Err(ApiError::CursorExpired(format!(
                "the cursor {after} is older than the {collection} history this portal keeps; sync again from 0"
            )));
        }
    }
    Ok(())
}

/// Builds a page from up to `limit + 1` rows ordered by revision: one row
/// more than the page says whether more is waiting, and then
/// `count_after(next)` says how many.
pub fn page<R, T>(
    rows: Vec<R>,
    after: u64,
    limit: u32,
    mut change: impl FnMut(R) -> Result<Change<T>, ApiError>,
    count_after: impl FnOnce(u64) -> rusqlite::Result<u64>,
) -> Result<ChangePage<T>, ApiError> {
    let more = rows.len() > limit as usize;
    let changes = rows
        .into_iter()
        .take(limit as usize)
        .map(&mut change)
        .collect::<Result<Vec<_>, _>>()?;
    let next = changes.last().map_or(after, Change::rev);
    let remaining = if more { count_after(next)? } else { 0 };
    Ok(ChangePage {
        changes,
        next,
        more,
        remaining,
    })
}

/// Feed parameters, for the OpenAPI document.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangesParams {
    /// The cursor: the `next` of the previous page, 0 for everything.
    pub after: Option<u64>,
    /// Page size, at most 1000.
    pub limit: Option<u32>,
}

/// Answers `GET /v1/<collection>/changes` for a collection each
/// organisation keeps its own of (jobs, applications): who may read their
/// organisation's, a page of its rows after the cursor.
pub async fn organisation_changes<T: Serialize + Send + 'static>(
    state: &AppState,
    caller: Caller,
    query: ChangesQuery,
    collection: Collection,
    load: fn(&Connection, &str) -> Result<T, ApiError>,
) -> Result<Json<ChangePage<T>>, ApiError> {
    caller.may(Action::ReadOrganisation)?;
    let limit = page_size(&query)?;
    let page = state
        .db
        .read(move |conn| {
            organisation_page(
                conn,
                collection,
                caller.organisation_id,
                query.after,
                limit,
                load,
            )
        })
        .await?;
    Ok(Json(page))
}

/// The most a page of an organisation's feed holds, in bytes of JSON: a
/// page stops before the item that would take it past this (it holds one
/// item at least), so however large an organisation's jobs and
/// applications are, a page's memory is bounded.
pub const MAX_PAGE_BYTES: usize = 4 * 1024 * 1024;

/// A page of an organisation's own collection, kept in the table of its
/// name: its rows after `after` by revision, each loaded as the wire
/// shows it, at most `limit` of them and [`MAX_PAGE_BYTES`].
fn organisation_page<T: Serialize>(
    conn: &Connection,
    collection: Collection,
    organisation_id: i64,
    after: u64,
    limit: u32,
    load: impl Fn(&Connection, &str) -> Result<T, ApiError>,
) -> Result<ChangePage<T>, ApiError> {
    check_cursor(conn, after, None)?;
    let table = collection.as_str();
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT id, rev FROM {table} WHERE organisation_id = ?1 AND rev > ?2 ORDER BY rev LIMIT ?3"
    ))?;
    let rows: Vec<(String, u64)> = stmt
        .query_map(rusqlite::params![organisation_id, after, limit + 1], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut changes = Vec::new();
    let mut bytes = 0;
    let mut cut = false;
    for (id, rev) in rows.iter().take(limit as usize) {
        let item = load(conn, id)?;
        let size = serde_json::to_vec(&item).map_or(0, |json| json.len());
        if !changes.is_empty() && bytes + size > MAX_PAGE_BYTES {
            cut = true;
            break;
        }
        bytes += size;
        changes.push(Change::Upsert { rev: *rev, item });
    }
    let more = cut || rows.len() > limit as usize;
    let next = changes.last().map_or(after, Change::rev);
    let remaining = if more {
        conn.query_row(
            &format!("SELECT COUNT(*) FROM {table} WHERE organisation_id = ?1 AND rev > ?2"),
            rusqlite::params![organisation_id, next],
            |r| r.get(0),
        )?
    } else {
        0
    };
    Ok(ChangePage {
        changes,
        next,
        more,
        remaining,
    })
}
