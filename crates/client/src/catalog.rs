//! The catalog as the app keeps it: applying change-feed pages, and local
//! full-text search that answers as the user types, online or not.

use aicc_api::catalog::{Framework, Model};
use aicc_api::sync::{Change, ChangePage};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::error::Result;
use crate::store;

/// The catalog's collection name in the sync cursors.
pub const COLLECTION: &str = "catalog";

/// What a list row shows of a model.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ModelSummary {
    pub id: String,
    pub name: String,
    pub provider: String,
    pub task: String,
    pub domain: String,
    pub framework: Framework,
    #[ts(type = "number | null")]
    pub parameters: Option<u64>,
}

/// One page of search results.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct SearchPage {
    /// How many models match in all.
    pub total: u32,
    pub models: Vec<ModelSummary>,
}

/// Applies one change-feed page and its cursor in one transaction: a crash
/// between pages neither loses nor repeats anything. Returns the number of
/// changes applied.
pub fn apply_page(
    conn: &mut Connection,
    page: &ChangePage<Model>,
    synced_at: &str,
) -> Result<usize> {
    let tx = conn.transaction()?;
    {
        let mut find = tx.prepare_cached("SELECT rowid FROM catalog_models WHERE id = ?1")?;
        let mut unindex = tx.prepare_cached("DELETE FROM catalog_search WHERE rowid = ?1")?;
        let mut remove = tx.prepare_cached("DELETE FROM catalog_models WHERE rowid = ?1")?;
        let mut upsert = tx.prepare_cached(
            "INSERT INTO catalog_models (id, rev, name, provider, task, domain, framework, license,
                 parameters, stars, downloads, updated_at, body)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
             ON CONFLICT (id) DO UPDATE SET rev = excluded.rev, name = excluded.name,
                 provider = excluded.provider, task = excluded.task, domain = excluded.domain,
                 framework = excluded.framework, license = excluded.license,
                 parameters = excluded.parameters, stars = excluded.stars,
                 downloads = excluded.downloads, updated_at = excluded.updated_at, body = excluded.body
             RETURNING rowid",
        )?;
        let mut index = tx.prepare_cached(
            "INSERT INTO catalog_search (rowid, name, task, domain, provider, tags, card)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for change in &page.changes {
            let id = match change {
                Change::Upsert { item, .. } => &item.id,
                Change::Tombstone { id, .. } => id,
            };
            let existing: Option<i64> = find.query_row([id], |r| r.get(0)).optional()?;
            if let Some(rowid) = existing {
                unindex.execute([rowid])?;
            }
            match change {
                Change::Upsert { rev, item } => {
                    let rowid: i64 = upsert.query_row(
                        params![
                            item.id,
                            rev,
                            item.name,
                            item.provider,
                            item.task,
                            item.domain,
                            item.framework.as_str(),
                            item.license,
                            item.parameters,
                            item.stars,
                            item.downloads,
                            item.updated_at,
                            serde_json::to_string(item)?,
                        ],
                        |r| r.get(0),
                    )?;
                    let tags = [item.industries.join(" "), item.hardware.join(" ")].join(" ");
                    index.execute(params![
                        rowid,
                        item.name,
                        item.task,
                        item.domain,
                        item.provider,
                        tags,
                        item.card
                    ])?;
                }
                Change::Tombstone { .. } => {
                    if let Some(rowid) = existing {
                        remove.execute([rowid])?;
                    }
                }
            }
        }
    }
    store::set_cursor(&tx, COLLECTION, page.next, synced_at)?;
    tx.commit()?;
    Ok(page.changes.len())
}

/// Searches the local catalog. An empty query lists every model by name;
/// otherwise every word must match the start of a word in the name, task,
/// domain, provider, tags or card, best matches first.
pub fn search(conn: &Connection, query: &str, offset: u32, limit: u32) -> Result<SearchPage> {
    let words: Vec<String> = query
        .split(|c: char| !c.is_alphanumeric() && c != '.' && c != '_')
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{}\"*", w.replace('"', "")))
        .collect();
    let to_summary = |row: &rusqlite::Row<'_>| -> rusqlite::Result<ModelSummary> {
        let framework: String = row.get(5)?;
        Ok(ModelSummary {
            id: row.get(0)?,
            name: row.get(1)?,
            provider: row.get(2)?,
            task: row.get(3)?,
            domain: row.get(4)?,
            framework: framework_from_str(&framework),
            parameters: row.get(6)?,
        })
    };
    if words.is_empty() {
        let total = conn.query_row("SELECT count(*) FROM catalog_models", [], |r| r.get(0))?;
        let mut stmt = conn.prepare_cached(
            "SELECT id, name, provider, task, domain, framework, parameters FROM catalog_models
             ORDER BY name COLLATE NOCASE, id LIMIT ?1 OFFSET ?2",
        )?;
        let models = stmt
            .query_map(params![limit, offset], to_summary)?
            .collect::<rusqlite::Result<_>>()?;
        return Ok(SearchPage { total, models });
    }
    let expression = words.join(" AND ");
    let total = conn.query_row(
        "SELECT count(*) FROM catalog_search WHERE catalog_search MATCH ?1",
        [&expression],
        |r| r.get(0),
    )?;
    // The model named exactly as typed first, then names starting with it;
    // then name matches weigh most, then task and domain, provider, tags, card.
    let mut stmt = conn.prepare_cached(
        "SELECT m.id, m.name, m.provider, m.task, m.domain, m.framework, m.parameters
         FROM catalog_search s JOIN catalog_models m ON m.rowid = s.rowid
         WHERE catalog_search MATCH ?1
         ORDER BY m.name = ?4 COLLATE NOCASE DESC,
                  substr(m.name, 1, length(?4)) = ?4 COLLATE NOCASE DESC,
                  bm25(catalog_search, 10.0, 4.0, 4.0, 2.0, 2.0, 1.0), m.name COLLATE NOCASE
         LIMIT ?2 OFFSET ?3",
    )?;
    let models = stmt
        .query_map(params![expression, limit, offset, query.trim()], to_summary)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(SearchPage { total, models })
}

fn framework_from_str(s: &str) -> Framework {
    [
        Framework::MindSpore,
        Framework::PytorchNpu,
        Framework::Tensorflow,
        Framework::Paddlepaddle,
        Framework::Onnx,
    ]
    .into_iter()
    .find(|f| f.as_str() == s)
    .unwrap_or(Framework::Onnx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn model(id: &str, name: &str, task: &str) -> Model {
        Model {
            id: id.into(),
            name: name.into(),
            provider: "MindSpore".into(),
            task: task.into(),
            domain: "Image".into(),
            industries: vec!["manufacturing".into()],
            framework: Framework::MindSpore,
            hardware: vec!["Atlas 800T A2".into()],
            parameters: Some(25_000_000),
            license: "Apache-2.0".into(),
            versions: vec![],
            metrics: vec![],
            recipes: vec![],
            card: format!("# {name}\n\nA model for {task}."),
            source_url: None,
            downloads: 0,
            stars: 0,
            updated_at: "2026-11-01T00:00:00Z".into(),
        }
    }

    fn page(changes: Vec<Change<Model>>, next: u64) -> ChangePage<Model> {
        ChangePage {
            changes,
            next,
            more: false,
        }
    }

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.sqlite3")).unwrap();
        (dir, store)
    }

    fn ids(page: &SearchPage) -> Vec<&str> {
        page.models.iter().map(|m| m.id.as_str()).collect()
    }

    #[tokio::test]
    async fn search_matches_word_prefixes_and_ranks_names_first() {
        let (_dir, store) = store();
        let changes = vec![
            Change::Upsert {
                rev: 1,
                item: model("resnet50", "resnet50", "Image Classification"),
            },
            Change::Upsert {
                rev: 2,
                item: model("yolov5", "yolov5", "Object Detection"),
            },
            Change::Upsert {
                rev: 3,
                item: model(
                    "resnet-det",
                    "retinanet",
                    "Object Detection resnet backbone",
                ),
            },
        ];
        store
            .call(move |c| apply_page(c, &page(changes, 3), "t"))
            .await
            .unwrap();
        let found = store.call(|c| search(c, "res", 0, 10)).await.unwrap();
        assert_eq!(found.total, 2);
        assert_eq!(ids(&found), ["resnet50", "resnet-det"]);
        let found = store
            .call(|c| search(c, "object det", 0, 10))
            .await
            .unwrap();
        assert_eq!(found.total, 2);
        let first_two_by_name = store.call(|c| search(c, "  ", 0, 2)).await.unwrap();
        assert_eq!(first_two_by_name.total, 3);
        assert_eq!(ids(&first_two_by_name), ["resnet50", "resnet-det"]);
    }

    #[tokio::test]
    async fn upserts_replace_and_tombstones_remove_from_list_and_index() {
        let (_dir, store) = store();
        let first = vec![
            Change::Upsert {
                rev: 1,
                item: model("a", "alexnet", "Image Classification"),
            },
            Change::Upsert {
                rev: 2,
                item: model("b", "bert", "NLP"),
            },
        ];
        store
            .call(move |c| apply_page(c, &page(first, 2), "t1"))
            .await
            .unwrap();
        let second = vec![
            Change::Upsert {
                rev: 3,
                item: model("a", "alexnet-v2", "Image Classification"),
            },
            Change::Tombstone {
                rev: 4,
                id: "b".into(),
            },
        ];
        store
            .call(move |c| apply_page(c, &page(second, 4), "t2"))
            .await
            .unwrap();
        let all = store.call(|c| search(c, "", 0, 10)).await.unwrap();
        assert_eq!(all.total, 1);
        assert_eq!(all.models[0].name, "alexnet-v2");
        assert_eq!(
            store
                .call(|c| search(c, "bert", 0, 10))
                .await
                .unwrap()
                .total,
            0
        );
        assert_eq!(
            store
                .call(|c| search(c, "alexnet", 0, 10))
                .await
                .unwrap()
                .total,
            1
        );
        let cursor = store.call(|c| store::cursor(c, COLLECTION)).await.unwrap();
        assert_eq!(cursor, Some((4, "t2".into())));
    }

    #[tokio::test]
    async fn quotes_and_operators_in_a_query_are_plain_text() {
        let (_dir, store) = store();
        let changes = vec![Change::Upsert {
            rev: 1,
            item: model("a", "alexnet", "Image Classification"),
        }];
        store
            .call(move |c| apply_page(c, &page(changes, 1), "t"))
            .await
            .unwrap();
        for query in ["\"", "alex\" OR", "NEAR(", "*", "a:b", "-x"] {
            let q = query.to_owned();
            store.call(move |c| search(c, &q, 0, 10)).await.unwrap();
        }
    }
}
