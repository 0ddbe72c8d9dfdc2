//! The model catalog: how the center stores it and serves it as a change
//! feed. Models are kept as their wire JSON beside their revision, so a feed
//! page is one indexed range scan with no re-encoding.

pub mod seed;

use aicc_api::catalog::Model;
use aicc_api::sync::{Change, ChangePage, ChangesQuery};
use axum::Json;
use axum::extract::{Query, State};
use rusqlite::{Connection, params};

use crate::accounts::Caller;
use crate::error::ApiError;
use crate::{AppState, feed};

/// `GET /v1/catalog/changes?after=REV&limit=N`: any signed-in account may
/// read the catalog.
pub async fn changes(
    State(state): State<AppState>,
    _caller: Caller,
    Query(query): Query<ChangesQuery>,
) -> Result<Json<ChangePage<Model>>, ApiError> {
    let limit = feed::page_size(&query)?;
    let page = state
        .db
        .call(move |conn| changes_page(conn, query.after, limit))
        .await?;
    Ok(Json(page))
}

fn changes_page(conn: &Connection, after: u64, limit: u32) -> Result<ChangePage<Model>, ApiError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, rev, retired, body FROM catalog_models WHERE rev > ?1 ORDER BY rev LIMIT ?2",
    )?;
    // One row more than asked tells whether more is waiting.
    let mut rows = stmt.query(params![after, limit + 1])?;
    let mut changes = Vec::with_capacity(limit as usize);
    let mut more = false;
    while let Some(row) = rows.next()? {
        if changes.len() == limit as usize {
            more = true;
            break;
        }
        let id: String = row.get(0)?;
        let rev: u64 = row.get(1)?;
        let retired: bool = row.get(2)?;
        changes.push(if retired {
            Change::Tombstone { rev, id }
        } else {
            Change::Upsert {
                rev,
                item: serde_json::from_str(&row.get::<_, String>(3)?)?,
            }
        });
    }
    let next = changes.last().map_or(after, Change::rev);
    Ok(ChangePage {
        changes,
        next,
        more,
    })
}

/// Adds or replaces models, each at a new revision, in one transaction.
pub fn upsert(conn: &mut Connection, models: &[Model]) -> Result<(), ApiError> {
    let tx = conn.transaction()?;
    {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO catalog_models (id, rev, retired, body) VALUES (?1, ?2, 0, ?3)
             ON CONFLICT (id) DO UPDATE SET rev = excluded.rev, retired = 0, body = excluded.body",
        )?;
        for model in models {
            let rev = feed::next_rev(&tx)?;
            stmt.execute(params![model.id, rev, serde_json::to_string(model)?])?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// Retires a model: it stays in the feed as a tombstone. Returns whether it existed.
pub fn retire(conn: &mut Connection, id: &str) -> Result<bool, ApiError> {
    let tx = conn.transaction()?;
    let rev = feed::next_rev(&tx)?;
    let changed = tx.execute(
        "UPDATE catalog_models SET rev = ?1, retired = 1 WHERE id = ?2 AND retired = 0",
        params![rev, id],
    )?;
    if changed == 0 {
        return Ok(false);
    }
    tx.commit()?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    fn demo_db() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("p.sqlite3")).unwrap();
        db.blocking(|c| upsert(c, &seed::models())).unwrap();
        (dir, db)
    }

    #[test]
    fn pages_walk_the_whole_catalog_in_rev_order_without_gaps_or_repeats() {
        let (_dir, db) = demo_db();
        let total = seed::models().len();
        let mut after = 0;
        let mut seen = Vec::new();
        loop {
            let page = db.blocking(|c| changes_page(c, after, 100)).unwrap();
            for change in &page.changes {
                assert!(change.rev() > after, "revs must increase");
                if let Change::Upsert { item, .. } = change {
                    seen.push(item.id.clone());
                }
            }
            after = page.next;
            if !page.more {
                break;
            }
        }
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), total);
        let last = db.blocking(|c| changes_page(c, after, 100)).unwrap();
        assert!(last.changes.is_empty() && !last.more && last.next == after);
    }

    #[test]
    fn retiring_a_model_moves_it_to_the_end_of_the_feed_as_a_tombstone() {
        let (_dir, db) = demo_db();
        let head = db.blocking(|c| changes_page(c, 0, 1000)).unwrap().next;
        assert!(db.blocking(|c| retire(c, "resnet50")).unwrap());
        assert!(!db.blocking(|c| retire(c, "resnet50")).unwrap());
        let page = db.blocking(|c| changes_page(c, head, 10)).unwrap();
        assert_eq!(
            page.changes,
            vec![Change::Tombstone {
                rev: head + 1,
                id: "resnet50".into()
            }]
        );
    }
}
