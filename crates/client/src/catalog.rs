//! The catalog as the app keeps it: applying change-feed pages (and
//! re-listing after the center's history ran out), and local search that
//! answers as the user types — full text, filters with counts, sort,
//! paging — online or not; favourites.

use aicc_api::catalog::{Framework, Model};
use aicc_api::sync::{Change, ChangePage};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};
use serde::{Deserialize, Serialize};

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
    #[ts(type = "number")]
    pub stars: u64,
    pub updated_at: String,
    pub favourite: bool,
}

/// How results are ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// Best match first (by name without a search).
    #[default]
    Relevance,
    Name,
    /// Most recently updated first.
    Updated,
    /// Most starred first.
    Stars,
}

/// A search: words and filters; every filter left empty matches everything.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct CatalogQuery {
    pub text: String,
    pub task: Option<String>,
    pub domain: Option<String>,
    pub framework: Option<Framework>,
    pub hardware: Option<String>,
    pub license: Option<String>,
    #[ts(type = "number | null")]
    pub min_parameters: Option<u64>,
    #[ts(type = "number | null")]
    pub max_parameters: Option<u64>,
    pub favourites_only: bool,
    pub sort: Sort,
}

/// One page of search results.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct SearchPage {
    /// How many models match in all.
    pub total: u32,
    pub models: Vec<ModelSummary>,
}

/// How many of the matching models fall under each value of each filter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ts_rs::TS)]
pub struct Facets {
    pub task: Vec<FacetCount>,
    pub domain: Vec<FacetCount>,
    pub framework: Vec<FacetCount>,
    pub hardware: Vec<FacetCount>,
    pub license: Vec<FacetCount>,
}

/// One value of a filter and how many models have it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct FacetCount {
    pub value: String,
    pub count: u32,
}

/// Applies one change-feed page and its cursor in one transaction: a crash
/// between pages neither loses nor repeats anything. Returns the number of
/// changes applied. When a re-list reaches its last page, models the center
/// no longer lists are removed.
pub fn apply_page(
    conn: &mut Connection,
    page: &ChangePage<Model>,
    synced_at: &str,
) -> Result<usize> {
    let tx = conn.transaction()?;
    let (generation, relisting): (i64, bool) = tx
        .query_row(
            "SELECT generation, relisting FROM sync_cursors WHERE collection = ?1",
            [COLLECTION],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .unwrap_or((0, false));
    {
        let mut find = tx.prepare_cached(
            "SELECT rowid, name, task, domain, provider, tags FROM catalog_models WHERE id = ?1",
        )?;
        let mut unindex = tx.prepare_cached("DELETE FROM catalog_search WHERE rowid = ?1")?;
        let mut remove = tx.prepare_cached("DELETE FROM catalog_models WHERE rowid = ?1")?;
        let mut clear_hardware =
            tx.prepare_cached("DELETE FROM catalog_hardware WHERE model_rowid = ?1")?;
        let mut add_hardware = tx.prepare_cached(
            "INSERT OR IGNORE INTO catalog_hardware (model_rowid, hardware) VALUES (?1, ?2)",
        )?;
        let mut upsert = tx.prepare_cached(
            "INSERT INTO catalog_models (id, rev, name, provider, task, domain, framework, license,
                 parameters, stars, downloads, updated_at, generation, tags)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
             ON CONFLICT (id) DO UPDATE SET rev = excluded.rev, name = excluded.name,
                 provider = excluded.provider, task = excluded.task, domain = excluded.domain,
                 framework = excluded.framework, license = excluded.license,
                 parameters = excluded.parameters, stars = excluded.stars,
                 downloads = excluded.downloads, updated_at = excluded.updated_at,
                 generation = excluded.generation, tags = excluded.tags
             RETURNING rowid",
        )?;
        let mut keep_body = tx.prepare_cached(
            "INSERT INTO catalog_bodies (rowid, body) VALUES (?1, ?2)
             ON CONFLICT (rowid) DO UPDATE SET body = excluded.body",
        )?;
        let mut drop_body = tx.prepare_cached("DELETE FROM catalog_bodies WHERE rowid = ?1")?;
        let mut index = tx.prepare_cached(
            "INSERT INTO catalog_search (rowid, name, task, domain, provider, tags)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for change in &page.changes {
            let id = match change {
                Change::Upsert { item, .. } => &item.id,
                Change::Tombstone { id, .. } => id,
            };
            let existing: Option<(i64, [String; 5])> = find
                .query_row([id], |r| {
                    Ok((
                        r.get(0)?,
                        [r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?],
                    ))
                })
                .optional()?;
            if let Some((rowid, _)) = existing {
                clear_hardware.execute([rowid])?;
            }
            match change {
                Change::Upsert { rev, item } => {
                    let tags = search_tags(item);
                    let text = [&item.name, &item.task, &item.domain, &item.provider, &tags];
                    // Only a change of what search reads rewrites the index.
                    let reindex = match &existing {
                        Some((rowid, indexed)) if indexed.iter().ne(text) => {
                            unindex.execute([rowid])?;
                            true
                        }
                        Some(_) => false,
                        None => true,
                    };
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
                            generation,
                            tags,
                        ],
                        |r| r.get(0),
                    )?;
                    keep_body.execute(params![rowid, serde_json::to_string(item)?])?;
                    if reindex {
                        index.execute(params![
                            rowid,
                            item.name,
                            item.task,
                            item.domain,
                            item.provider,
                            tags
                        ])?;
                    }
                    for hardware in &item.hardware {
                        add_hardware.execute(params![rowid, hardware])?;
                    }
                }
                Change::Tombstone { .. } => {
                    if let Some((rowid, _)) = existing {
                        unindex.execute([rowid])?;
                        remove.execute([rowid])?;
                        drop_body.execute([rowid])?;
                    }
                }
            }
        }
    }
    if relisting && !page.more {
        let stale: Vec<i64> = tx
            .prepare("SELECT rowid FROM catalog_models WHERE generation < ?1")?
            .query_map([generation], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for rowid in stale {
            tx.execute("DELETE FROM catalog_search WHERE rowid = ?1", [rowid])?;
            tx.execute(
                "DELETE FROM catalog_hardware WHERE model_rowid = ?1",
                [rowid],
            )?;
            tx.execute("DELETE FROM catalog_models WHERE rowid = ?1", [rowid])?;
            tx.execute("DELETE FROM catalog_bodies WHERE rowid = ?1", [rowid])?;
        }
        tx.execute(
            "UPDATE sync_cursors SET relisting = 0 WHERE collection = ?1",
            [COLLECTION],
        )?;
    }
    store::set_cursor(&tx, COLLECTION, page.next, synced_at)?;
    tx.commit()?;
    Ok(page.changes.len())
}

/// The words besides name, task, domain and provider a model is found by:
/// industries, hardware, framework, licence, benchmark datasets (as
/// migration 0005 builds them for models synced before).
fn search_tags(model: &Model) -> String {
    model
        .industries
        .iter()
        .chain(&model.hardware)
        .map(String::as_str)
        .chain([model.framework.as_str(), model.license.as_str()])
        .chain(model.metrics.iter().map(|m| m.dataset.as_str()))
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Starts over after the center answered 410: the cursor goes back to 0
/// and a new generation begins; the local models stay visible until the
/// re-list has seen them all.
pub fn begin_relist(conn: &Connection) -> Result<()> {
    conn.execute(
        "UPDATE sync_cursors SET rev = 0, generation = generation + 1, relisting = 1 WHERE collection = ?1",
        [COLLECTION],
    )?;
    Ok(())
}

/// The FROM and WHERE clauses of a query and their parameters. With words
/// to search, the full-text index is joined (as `catalog_search`) so that
/// results can be ranked.
fn conditions(query: &CatalogQuery) -> (String, Vec<Value>) {
    let mut from = "catalog_models m".to_owned();
    let mut clauses: Vec<&str> = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    if let Some(expression) = fts_expression(&query.text) {
        from = "catalog_search JOIN catalog_models m ON m.rowid = catalog_search.rowid".to_owned();
        clauses.push("catalog_search MATCH ?");
        values.push(Value::Text(expression));
    }
    let text_filters = [
        ("m.task = ?", &query.task),
        ("m.domain = ?", &query.domain),
        ("m.license = ?", &query.license),
        (
            "m.rowid IN (SELECT model_rowid FROM catalog_hardware WHERE hardware = ?)",
            &query.hardware,
        ),
    ];
    for (clause, value) in text_filters {
        if let Some(value) = value {
            clauses.push(clause);
            values.push(Value::Text(value.clone()));
        }
    }
    if let Some(framework) = query.framework {
        clauses.push("m.framework = ?");
        values.push(Value::Text(framework.as_str().to_owned()));
    }
    if let Some(min) = query.min_parameters {
        clauses.push("m.parameters >= ?");
        values.push(Value::Integer(min as i64));
    }
    if let Some(max) = query.max_parameters {
        clauses.push("m.parameters <= ?");
        values.push(Value::Integer(max as i64));
    }
    if query.favourites_only {
        clauses.push("m.id IN (SELECT model_id FROM favourites)");
    }
    let clause = if clauses.is_empty() {
        "1".to_owned()
    } else {
        clauses.join(" AND ")
    };
    (format!("{from} WHERE {clause}"), values)
}

/// Every word must match the start of a word in the name, task, domain,
/// provider or tags; quotes and operators are plain text.
fn fts_expression(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric() && c != '.' && c != '_')
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{}\"*", w.replace('"', "")))
        .collect();
    (!words.is_empty()).then(|| words.join(" AND "))
}

/// Searches the local catalog.
pub fn search(
    conn: &Connection,
    query: &CatalogQuery,
    offset: u32,
    limit: u32,
) -> Result<SearchPage> {
    let (from_where, mut values) = conditions(query);
    let total: u32 = conn.query_row(
        &format!("SELECT count(*) FROM {from_where}"),
        params_from_iter(values.iter()),
        |r| r.get(0),
    )?;
    let text = query.text.trim();
    let searching = fts_expression(text).is_some();
    let order = match query.sort {
        Sort::Relevance if searching => {
            // The model named exactly as typed first, then names starting
            // with it; then name matches weigh most, then task and domain,
            // provider, tags.
            values.extend([
                Value::Text(text.to_owned()),
                Value::Text(text.to_owned()),
                Value::Text(text.to_owned()),
            ]);
            "ORDER BY m.name = ? COLLATE NOCASE DESC,
                      substr(m.name, 1, length(?)) = ? COLLATE NOCASE DESC,
                      bm25(catalog_search, 10.0, 4.0, 4.0, 2.0, 2.0),
                      m.name COLLATE NOCASE"
        }
        Sort::Relevance | Sort::Name => "ORDER BY m.name COLLATE NOCASE, m.id",
        Sort::Updated => "ORDER BY m.updated_at DESC, m.name COLLATE NOCASE",
        Sort::Stars => "ORDER BY m.stars DESC, m.name COLLATE NOCASE",
    };
    values.push(Value::Integer(i64::from(limit)));
    values.push(Value::Integer(i64::from(offset)));
    let sql = format!(
        "SELECT m.id, m.name, m.provider, m.task, m.domain, m.framework, m.parameters, m.stars, m.updated_at,
                m.id IN (SELECT model_id FROM favourites)
         FROM {from_where} {order} LIMIT ? OFFSET ?"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let models = stmt
        .query_map(params_from_iter(values.iter()), |row| {
            let framework: String = row.get(5)?;
            Ok(ModelSummary {
                id: row.get(0)?,
                name: row.get(1)?,
                provider: row.get(2)?,
                task: row.get(3)?,
                domain: row.get(4)?,
                framework: Framework::parse(&framework).unwrap_or(Framework::Onnx),
                parameters: row.get(6)?,
                stars: row.get(7)?,
                updated_at: row.get(8)?,
                favourite: row.get(9)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(SearchPage { total, models })
}

/// Counts per filter value among the models that match `query`.
pub fn facets(conn: &Connection, query: &CatalogQuery) -> Result<Facets> {
    let (from_where, values) = conditions(query);
    let count = |column: &str, join: &str| -> Result<Vec<FacetCount>> {
        let sql = format!(
            "SELECT {column}, count(*) FROM {from_where_joined} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 50",
            from_where_joined = from_where.replacen(" WHERE ", &format!(" {join} WHERE "), 1)
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt
            .query_map(params_from_iter(values.iter()), |r| {
                Ok(FacetCount {
                    value: r.get(0)?,
                    count: r.get(1)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    };
    Ok(Facets {
        task: count("m.task", "")?,
        domain: count("m.domain", "")?,
        framework: count("m.framework", "")?,
        license: count("m.license", "")?,
        hardware: count(
            "h.hardware",
            "JOIN catalog_hardware h ON h.model_rowid = m.rowid",
        )?,
    })
}

/// One model and whether it is a favourite.
pub fn model(conn: &Connection, id: &str) -> Result<Option<(Model, bool)>> {
    let row: Option<(String, bool)> = conn
        .query_row(
            "SELECT b.body, m.id IN (SELECT model_id FROM favourites)
             FROM catalog_models m JOIN catalog_bodies b ON b.rowid = m.rowid WHERE m.id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    row.map(|(body, favourite)| Ok((serde_json::from_str(&body)?, favourite)))
        .transpose()
}

/// Takes the account's favourites as the center keeps them, except for
/// models whose change is still waiting in the outbox.
pub fn apply_favourites(conn: &mut Connection, on_account: &[String], now: &str) -> Result<()> {
    let tx = conn.transaction()?;
    tx.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS account_favourites (model_id TEXT PRIMARY KEY);
         DELETE FROM account_favourites;",
    )?;
    for id in on_account {
        tx.execute(
            "INSERT OR IGNORE INTO account_favourites (model_id) VALUES (?1)",
            [id],
        )?;
    }
    let waiting = "SELECT json_extract(write, '$.model_id') FROM outbox
                   WHERE json_extract(write, '$.kind') = 'set_favourite'";
    tx.execute(
        &format!(
            "DELETE FROM favourites WHERE model_id NOT IN (SELECT model_id FROM account_favourites)
             AND model_id NOT IN ({waiting})"
        ),
        [],
    )?;
    tx.execute(
        &format!(
            "INSERT OR IGNORE INTO favourites (model_id, added_at)
             SELECT model_id, ?1 FROM account_favourites WHERE model_id NOT IN ({waiting})"
        ),
        [now],
    )?;
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

    fn page(changes: Vec<Change<Model>>, next: u64, more: bool) -> ChangePage<Model> {
        ChangePage {
            changes,
            next,
            more,
            remaining: 0,
        }
    }

    fn upserts(models: Vec<Model>) -> Vec<Change<Model>> {
        models
            .into_iter()
            .enumerate()
            .map(|(i, item)| Change::Upsert {
                rev: i as u64 + 1,
                item,
            })
            .collect()
    }

    fn store_with(models: Vec<Model>) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.sqlite3")).unwrap();
        let n = models.len() as u64;
        let first = page(upserts(models), n, false);
        store.blocking(|c| apply_page(c, &first, "t")).unwrap();
        (dir, store)
    }

    fn text(q: &str) -> CatalogQuery {
        CatalogQuery {
            text: q.into(),
            ..Default::default()
        }
    }

    fn ids(page: &SearchPage) -> Vec<&str> {
        page.models.iter().map(|m| m.id.as_str()).collect()
    }

    #[test]
    fn models_are_found_by_their_tags_and_indexed_alike_by_sync_and_by_the_migration() {
        let mut vit = model("vit-b16", "ViT-B/16", "Image Classification");
        vit.metrics = vec![aicc_api::catalog::Metric {
            dataset: "ImageNet-1k".into(),
            metric: "top1".into(),
            value: 81.1,
        }];
        vit.hardware.push("Atlas 300I Duo".into());
        let mut bert = model("bert-base", "BERT base", "Natural Language Understanding");
        bert.license = "MIT".into();
        bert.industries = vec!["finance".into()];
        let (_dir, store) = store_with(vec![vit, bert]);
        let queries = [
            "imagenet",
            "duo",
            "finance",
            "mit",
            "mindspore",
            "manufact",
            "b16",
        ];
        let found = |store: &Store| {
            queries.map(|q| {
                store
                    .blocking(|c| search(c, &text(q), 0, 10))
                    .unwrap()
                    .models
                    .into_iter()
                    .map(|m| m.id)
                    .collect::<Vec<_>>()
            })
        };
        let synced = found(&store);
        assert_eq!(synced[0], ["vit-b16"], "by benchmark dataset");
        assert_eq!(synced[1], ["vit-b16"], "by hardware");
        assert_eq!(synced[2], ["bert-base"], "by industry");
        assert_eq!(synced[3], ["bert-base"], "by licence");
        assert_eq!(synced[4].len(), 2, "by framework");
        // A store synced before migration 0005 is re-indexed the same way
        // (the view gives the models back the JSON they held then).
        let migration = include_str!("../migrations/0005_search_speed.sql");
        let reindex = &migration[migration.find("DROP TABLE").unwrap()..];
        store
            .blocking(|c| {
                c.execute_batch(
                    "CREATE TEMP VIEW catalog_models AS SELECT m.*, b.body
                     FROM main.catalog_models m JOIN catalog_bodies b ON b.rowid = m.rowid",
                )?;
                c.execute_batch(reindex)?;
                Ok(c.execute_batch("DROP VIEW temp.catalog_models")?)
            })
            .unwrap();
        assert_eq!(found(&store), synced);
        // Migration 0007 writes the same tags as sync keeps.
        let kept_tags = |c: &mut Connection| -> Result<Vec<String>> {
            Ok(c.prepare("SELECT tags FROM catalog_models ORDER BY id")?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?)
        };
        let synced_tags = store.blocking(kept_tags).unwrap();
        let migration = include_str!("../migrations/0007_search_text_kept.sql");
        let fill = &migration[migration.find("UPDATE").unwrap()..];
        store.blocking(|c| Ok(c.execute_batch(fill)?)).unwrap();
        assert_eq!(store.blocking(kept_tags).unwrap(), synced_tags);
    }

    #[test]
    fn search_matches_word_prefixes_and_ranks_the_exact_name_first() {
        let (_dir, store) = store_with(vec![
            model(
                "retinaface-resnet50",
                "retinaface_resnet50",
                "Face Detection",
            ),
            model("resnet50", "resnet50", "Image Classification"),
            model("yolov5", "yolov5", "Object Detection"),
        ]);
        let found = store
            .blocking(|c| search(c, &text("resnet50"), 0, 10))
            .unwrap();
        assert_eq!(ids(&found), ["resnet50", "retinaface-resnet50"]);
        let found = store
            .blocking(|c| search(c, &text("object det"), 0, 10))
            .unwrap();
        assert_eq!(ids(&found), ["yolov5"]);
        let by_name = store.blocking(|c| search(c, &text("  "), 0, 2)).unwrap();
        assert_eq!(
            (by_name.total, ids(&by_name)),
            (3, vec!["resnet50", "retinaface-resnet50"])
        );
        for odd in ["\"", "alex\" OR", "NEAR(", "*", "a:b", "-x"] {
            store.blocking(|c| search(c, &text(odd), 0, 10)).unwrap();
        }
    }

    #[test]
    fn filters_narrow_the_results_and_facets_count_what_matches() {
        let mut llm = model("qwen3-32b", "Qwen3 32B", "LLM");
        llm.framework = Framework::PytorchNpu;
        llm.domain = "Text".into();
        llm.parameters = Some(32_000_000_000);
        llm.hardware = vec!["Atlas 800T A2".into(), "Atlas 900 A3 SuperPoD".into()];
        llm.stars = 9;
        let (_dir, store) = store_with(vec![
            model("resnet50", "resnet50", "Image Classification"),
            model("yolov5", "yolov5", "Object Detection"),
            llm,
        ]);
        let query = CatalogQuery {
            hardware: Some("Atlas 900 A3 SuperPoD".into()),
            ..Default::default()
        };
        assert_eq!(
            ids(&store.blocking(|c| search(c, &query, 0, 10)).unwrap()),
            ["qwen3-32b"]
        );
        let query = CatalogQuery {
            min_parameters: Some(1_000_000_000),
            ..Default::default()
        };
        assert_eq!(
            store.blocking(|c| search(c, &query, 0, 10)).unwrap().total,
            1
        );
        let query = CatalogQuery {
            framework: Some(Framework::MindSpore),
            sort: Sort::Stars,
            ..Default::default()
        };
        assert_eq!(
            store.blocking(|c| search(c, &query, 0, 10)).unwrap().total,
            2
        );
        let facets = store
            .blocking(|c| facets(c, &CatalogQuery::default()))
            .unwrap();
        assert_eq!(
            facets.hardware[0],
            FacetCount {
                value: "Atlas 800T A2".into(),
                count: 3
            }
        );
        assert_eq!(
            facets.domain[0],
            FacetCount {
                value: "Image".into(),
                count: 2
            }
        );
        let stars = CatalogQuery {
            sort: Sort::Stars,
            ..Default::default()
        };
        assert_eq!(
            store.blocking(|c| search(c, &stars, 0, 1)).unwrap().models[0].id,
            "qwen3-32b"
        );
    }

    #[test]
    fn favourites_are_kept_and_filterable() {
        let (_dir, store) = store_with(vec![model("a", "alexnet", "x"), model("b", "bert", "y")]);
        store
            .blocking(|c| set_favourite(c, "b", true, "t"))
            .unwrap();
        let only = CatalogQuery {
            favourites_only: true,
            ..Default::default()
        };
        let found = store.blocking(|c| search(c, &only, 0, 10)).unwrap();
        assert_eq!(ids(&found), ["b"]);
        assert!(found.models[0].favourite);
        assert!(store.blocking(|c| super::model(c, "b")).unwrap().unwrap().1);
        store
            .blocking(|c| set_favourite(c, "b", false, "t"))
            .unwrap();
        assert_eq!(
            store.blocking(|c| search(c, &only, 0, 10)).unwrap().total,
            0
        );
    }

    #[test]
    fn upserts_replace_and_tombstones_remove_from_list_index_and_filters() {
        let (_dir, store) = store_with(vec![model("a", "alexnet", "x"), model("b", "bert", "y")]);
        let second = page(
            vec![
                Change::Upsert {
                    rev: 3,
                    item: model("a", "alexnet-v2", "x"),
                },
                Change::Tombstone {
                    rev: 4,
                    id: "b".into(),
                },
            ],
            4,
            false,
        );
        store.blocking(|c| apply_page(c, &second, "t2")).unwrap();
        let all = store
            .blocking(|c| search(c, &CatalogQuery::default(), 0, 10))
            .unwrap();
        assert_eq!(ids(&all), ["a"]);
        assert_eq!(all.models[0].name, "alexnet-v2");
        assert_eq!(
            store
                .blocking(|c| search(c, &text("bert"), 0, 10))
                .unwrap()
                .total,
            0
        );
        let facets = store
            .blocking(|c| facets(c, &CatalogQuery::default()))
            .unwrap();
        assert_eq!(facets.hardware[0].count, 1);
        assert_eq!(
            store.blocking(|c| store::cursor(c, COLLECTION)).unwrap(),
            Some((4, "t2".into()))
        );
        let found = |q: &str| {
            let query = text(q);
            store
                .blocking(move |c| search(c, &query, 0, 10))
                .unwrap()
                .total
        };
        assert_eq!(
            (found("v2"), found("alexnet")),
            (1, 1),
            "renamed, re-indexed"
        );
        // A republication that changes no searchable text keeps the index as it is.
        let mut popular = model("a", "alexnet-v2", "x");
        popular.downloads = 1_000;
        let third = page(
            vec![Change::Upsert {
                rev: 5,
                item: popular,
            }],
            5,
            false,
        );
        store.blocking(|c| apply_page(c, &third, "t3")).unwrap();
        assert_eq!((found("v2"), found("manufacturing")), (1, 1));
        let mut moved = model("a", "alexnet-v2", "x");
        moved.hardware = vec!["Atlas 300I Duo".into()];
        let fourth = page(
            vec![Change::Upsert {
                rev: 6,
                item: moved,
            }],
            6,
            false,
        );
        store.blocking(|c| apply_page(c, &fourth, "t4")).unwrap();
        assert_eq!(
            (found("duo"), found("800t")),
            (1, 0),
            "new tags, re-indexed"
        );
    }

    #[test]
    fn a_relist_keeps_models_visible_until_it_ends_then_drops_what_the_center_no_longer_has() {
        let (_dir, store) = store_with(vec![model("a", "alexnet", "x"), model("b", "bert", "y")]);
        store.blocking(|c| begin_relist(c)).unwrap();
        let partial = page(
            vec![Change::Upsert {
                rev: 10,
                item: model("a", "alexnet", "x"),
            }],
            10,
            true,
        );
        store.blocking(|c| apply_page(c, &partial, "t")).unwrap();
        assert_eq!(
            store
                .blocking(|c| search(c, &CatalogQuery::default(), 0, 10))
                .unwrap()
                .total,
            2
        );
        let last = page(
            vec![Change::Upsert {
                rev: 11,
                item: model("c", "crnn", "z"),
            }],
            11,
            false,
        );
        store.blocking(|c| apply_page(c, &last, "t")).unwrap();
        let all = store
            .blocking(|c| search(c, &CatalogQuery::default(), 0, 10))
            .unwrap();
        assert_eq!(ids(&all), ["a", "c"]);
    }
}
