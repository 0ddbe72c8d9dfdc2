//! The model catalog: how the center stores it and serves it as a change
//! feed. Models are kept as their wire JSON beside their revision, so a feed
//! page is one indexed range scan whose bodies go out as they were stored.

pub mod seed;

use aicc_api::catalog::{Favourites, Model};
use aicc_api::sync::{Change, ChangePage, ChangesQuery, Collection};
use axum::Json;
use axum::extract::State;
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::value::RawValue;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::accounts::Caller;
use crate::error::{ApiError, ApiPath, ApiQuery};
use crate::feed::ChangesParams;
use crate::permissions::Action;
use crate::{AppState, clock, feed};
/// The catalog routes: its change feed, a model, the caller's favourites.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(changes))
        .routes(routes!(get))
        .routes(routes!(favourites))
        .routes(routes!(add_favourite, remove_favourite))
}

/// `GET /v1/catalog/changes?after=REV&limit=N`: any signed-in account may
/// read the catalog.
#[utoipa::path(get, path = "/v1/catalog/changes", tag = "catalog", params(ChangesParams),
    responses((status = 200, body = ChangePage<Model>), (status = 410, body = aicc_api::ErrorBody)))]
pub async fn changes(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ChangesQuery>,
) -> Result<Json<ChangePage<Box<RawValue>>>, ApiError> {
    caller.may(Action::ReadCatalog)?;
    let limit = feed::page_size(&query)?;
    let page = state
        .db
        .read(move |conn| changes_page(conn, query.after, limit))
        .await?;
    Ok(Json(page))
}

/// `GET /v1/catalog/models/{id}`.
#[utoipa::path(get, path = "/v1/catalog/models/{id}", tag = "catalog",
    params(("id" = String, Path)), responses((status = 200, body = Model), (status = 404, body = aicc_api::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Model>, ApiError> {
    caller.may(Action::ReadCatalog)?;
    let body = state
        .db
        .read(move |conn| live_model(conn, &id))
        .await?
        .ok_or_else(|| ApiError::not_found("model"))?;
    Ok(Json(serde_json::from_str(&body)?))
}

/// `GET /v1/me/favourites`: the caller's favourite models.
#[utoipa::path(get, path = "/v1/me/favourites", tag = "catalog",
    responses((status = 200, body = Favourites)))]
pub async fn favourites(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Favourites>, ApiError> {
    caller.may(Action::ReadCatalog)?;
    let favourites = state
        .db
        .read(move |conn| favourites_of(conn, caller.user_id))
        .await?;
    Ok(Json(favourites))
}

/// `PUT /v1/me/favourites/{model_id}`: keeps a catalog model as a favourite
/// (again is fine); answers the favourites now.
#[utoipa::path(put, path = "/v1/me/favourites/{model_id}", tag = "catalog",
    params(("model_id" = String, Path)),
    responses((status = 200, body = Favourites), (status = 404, body = aicc_api::ErrorBody)))]
pub async fn add_favourite(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(model_id): ApiPath<String>,
) -> Result<Json<Favourites>, ApiError> {
    mark_favourite(&state, caller, model_id, true).await
}

/// `DELETE /v1/me/favourites/{model_id}`: no longer a favourite (already
/// not is fine); answers the favourites now.
#[utoipa::path(delete, path = "/v1/me/favourites/{model_id}", tag = "catalog",
    params(("model_id" = String, Path)), responses((status = 200, body = Favourites)))]
pub async fn remove_favourite(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(model_id): ApiPath<String>,
) -> Result<Json<Favourites>, ApiError> {
    mark_favourite(&state, caller, model_id, false).await
}

/// Keeps a model as the caller's favourite, or no longer; answers their
/// favourites now. Only a model the catalog lists can become one.
async fn mark_favourite(
    state: &AppState,
    caller: Caller,
    model_id: String,
    favourite: bool,
) -> Result<Json<Favourites>, ApiError> {
    caller.may(Action::KeepFavourites)?;
    let favourites = state
        .db
        .call(move |conn| {
            let caller = caller.now(conn)?;
            caller.may(Action::KeepFavourites)?;
            if favourite {
                if live_model(conn, &model_id)?.is_none() {
                    return Err(ApiError::not_found("model"));
                }
                conn.execute(
                    "INSERT OR IGNORE INTO favourites (user_id, model_id, added_at) VALUES (?1, ?2, ?3)",
                    params![caller.user_id, model_id, clock::now_ms()],
                )?;
            } else {
                conn.execute(
                    "DELETE FROM favourites WHERE user_id = ?1 AND model_id = ?2",
                    params![caller.user_id, model_id],
                )?;
            }
            favourites_of(conn, caller.user_id)
        })
        .await?;
    Ok(Json(favourites))
}

/// A model's wire JSON, unless it is retired or unknown.
fn live_model(conn: &Connection, id: &str) -> Result<Option<String>, ApiError> {
    Ok(conn
        .query_row(
            "SELECT body FROM catalog_models WHERE id = ?1 AND retired = 0",
            [id],
            |r| r.get(0),
        )
        .optional()?)
}

fn favourites_of(conn: &Connection, user_id: i64) -> Result<Favourites, ApiError> {
    let mut stmt = conn
        .prepare_cached("SELECT model_id FROM favourites WHERE user_id = ?1 ORDER BY model_id")?;
    let model_ids = stmt
        .query_map([user_id], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(Favourites { model_ids })
}

/// A page of the feed; each model is its stored JSON, not decoded and
/// encoded again (at 64 polling clients that was most of a request's work).
fn changes_page(
    conn: &Connection,
    after: u64,
    limit: u32,
) -> Result<ChangePage<Box<RawValue>>, ApiError> {
    feed::check_cursor(conn, after, Some(Collection::Catalog))?;
    let mut stmt = conn.prepare_cached(
        "SELECT id, rev, retired, body FROM catalog_models WHERE rev > ?1 ORDER BY rev LIMIT ?2",
    )?;
    let rows: Vec<(String, u64, bool, String)> = stmt
        .query_map(params![after, limit + 1], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    feed::page(
        rows,
        after,
        limit,
        |(id, rev, retired, body)| {
            Ok(if retired {
                Change::Tombstone { rev, id }
            } else {
                Change::Upsert {
                    rev,
                    item: RawValue::from_string(body)?,
                }
            })
        },
        |next| {
            conn.query_row(
                "SELECT COUNT(*) FROM catalog_models WHERE rev > ?1",
                [next],
                |r| r.get(0),
            )
        },
    )
}

/// Deletes tombstones retired before `before_ms` and raises the feed's
/// floor past them: older cursors then answer 410 and clients re-list.
/// Returns how many were purged.
pub fn purge_tombstones(conn: &mut Connection, before_ms: i64) -> Result<usize, ApiError> {
    let tx = conn.transaction()?;
    let floor: Option<u64> = tx.query_row(
        "SELECT MAX(rev) FROM catalog_models WHERE retired = 1 AND retired_at < ?1",
        [before_ms],
        |r| r.get(0),
    )?;
    let purged = tx.execute(
        "DELETE FROM catalog_models WHERE retired = 1 AND retired_at < ?1",
        [before_ms],
    )?;
    if let Some(floor) = floor {
        tx.execute(
            "INSERT INTO feed_floors (collection, rev) VALUES (?1, ?2)
             ON CONFLICT (collection) DO UPDATE SET rev = max(rev, excluded.rev)",
            params![Collection::Catalog.as_str(), floor],
        )?;
    }
    tx.commit()?;
    Ok(purged)
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
        "UPDATE catalog_models SET rev = ?1, retired = 1, retired_at = ?3 WHERE id = ?2 AND retired = 0",
        params![rev, id, crate::clock::now_ms()],
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
                    let model: Model = serde_json::from_str(item.get()).unwrap();
                    seen.push(model.id);
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
    fn purged_tombstones_expire_older_cursors_but_not_a_full_listing() {
        let (_dir, db) = demo_db();
        let head = db.blocking(|c| changes_page(c, 0, 1000)).unwrap().next;
        db.blocking(|c| retire(c, "resnet50")).unwrap();
        let purged = db
            .blocking(|c| purge_tombstones(c, crate::clock::now_ms() + 1))
            .unwrap();
        assert_eq!(purged, 1);
        let err = db.blocking(|c| changes_page(c, head, 10)).unwrap_err();
        assert!(matches!(err, ApiError::CursorExpired(_)), "{err:?}");
        let relisted = db.blocking(|c| changes_page(c, 0, 1000)).unwrap();
        assert!(
            relisted
                .changes
                .iter()
                .all(|c| matches!(c, Change::Upsert { .. }))
        );
        let ahead = db
            .blocking(|c| changes_page(c, head + 1000, 10))
            .unwrap_err();
        assert!(matches!(ahead, ApiError::BadRequest { .. }), "{ahead:?}");
    }

    #[test]
    fn retiring_a_model_moves_it_to_the_end_of_the_feed_as_a_tombstone() {
        let (_dir, db) = demo_db();
        let head = db.blocking(|c| changes_page(c, 0, 1000)).unwrap().next;
        assert!(db.blocking(|c| retire(c, "resnet50")).unwrap());
        assert!(!db.blocking(|c| retire(c, "resnet50")).unwrap());
        let page = db.blocking(|c| changes_page(c, head, 10)).unwrap();
        assert!(
            matches!(&page.changes[..], [Change::Tombstone { rev, id }] if *rev == head + 1 && id == "resnet50"),
            "{:?}",
            page.changes
        );
    }

    /// What happens to the catalog while a client pages through it.
    #[derive(Debug, Clone)]
    enum Step {
        /// The center adds or updates model `n`.
        Upsert(usize),
        /// The center retires model `n`.
        Retire(usize),
        /// Housekeeping purges every tombstone.
        Purge,
        /// The client reads a page of this size.
        Read(u32),
    }

    fn step() -> impl proptest::strategy::Strategy<Value = Step> {
        use proptest::prelude::*;
        prop_oneof![
            (0..6usize).prop_map(Step::Upsert),
            (0..6usize).prop_map(Step::Retire),
            Just(Step::Purge),
            (1..4u32).prop_map(Step::Read),
        ]
    }

    /// A client's copy: model id → revision; a 410 starts it over.
    fn read_into(
        conn: &Connection,
        copy: &mut std::collections::BTreeMap<String, u64>,
        cursor: &mut u64,
        limit: u32,
    ) -> bool {
        match changes_page(conn, *cursor, limit) {
            Ok(page) => {
                for change in page.changes {
                    match change {
                        Change::Upsert { rev, item } => {
                            let model: Model = serde_json::from_str(item.get()).unwrap();
                            copy.insert(model.id, rev);
                        }
                        Change::Tombstone { id, .. } => {
                            copy.remove(&id);
                        }
                    }
                }
                *cursor = page.next;
                page.more
            }
            Err(ApiError::CursorExpired(_)) => {
                copy.clear();
                *cursor = 0;
                true
            }
            Err(e) => panic!("{e}"),
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(48))]

        #[test]
        fn a_client_paging_while_the_catalog_changes_ends_with_exactly_the_live_catalog(
            steps in proptest::collection::vec(step(), 1..40),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let db = Db::open(&dir.path().join("p.sqlite3")).unwrap();
            let template = seed::models().remove(0);
            let (mut copy, mut cursor) = (std::collections::BTreeMap::new(), 0);
            db.blocking(|conn| {
                for step in &steps {
                    match step {
                        Step::Upsert(n) => {
                            let mut model = template.clone();
                            model.id = format!("model-{n}");
                            upsert(conn, &[model]).unwrap();
                        }
                        Step::Retire(n) => {
                            retire(conn, &format!("model-{n}")).unwrap();
                        }
                        Step::Purge => {
                            purge_tombstones(conn, clock::now_ms() + 1).unwrap();
                        }
                        Step::Read(limit) => {
                            read_into(conn, &mut copy, &mut cursor, *limit);
                        }
                    }
                }
                while read_into(conn, &mut copy, &mut cursor, 1000) {}
            });
            let live: std::collections::BTreeMap<String, u64> = db
                .blocking(|conn| {
                    conn.prepare("SELECT id, rev FROM catalog_models WHERE retired = 0")?
                        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                        .collect::<rusqlite::Result<_>>()
                })
                .unwrap();
            proptest::prop_assert_eq!(copy, live);
        }
    }
}
