//! Change-feed pages into the store: each page's rows, hardware, bodies
//! and cursor in one transaction, the search index's share of it handed to
//! `index`, and a re-list's end dropping what the center no longer lists.

use aicc_api::catalog::Model;
use aicc_api::sync::{Change, ChangePage, Collection};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};
use serde::Deserialize;

use super::index::{SearchChanges, filter_words, search_tags};
use crate::cursors;
use crate::error::Result;

/// A model as the change feed sends it, with what storing it takes worked
/// out as it is read: its JSON for its page, its search and filter words,
/// its hardware sorted. The feed is read on one thread and the store
/// written on another, and in a first sync the store is the slower side:
/// this work (a tenth of the store's thread in a profile) runs beside it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "Model")]
pub struct IncomingModel {
    model: Model,
    body: String,
    tags: String,
    filters: String,
    hardware: Vec<String>,
}

impl IncomingModel {
    pub(super) fn model(&self) -> &Model {
        &self.model
    }

    pub(super) fn tags(&self) -> &str {
        &self.tags
    }

    pub(super) fn filters(&self) -> &str {
        &self.filters
    }
}

impl TryFrom<Model> for IncomingModel {
    type Error = serde_json::Error;

    fn try_from(model: Model) -> std::result::Result<Self, Self::Error> {
        let mut hardware = model.hardware.clone();
        hardware.sort_unstable();
        hardware.dedup();
        Ok(Self {
            body: serde_json::to_string(&model)?,
            tags: search_tags(&model),
            filters: filter_words(&model),
            hardware,
            model,
        })
    }
}

/// Applies one change-feed page and its cursor in one transaction: a crash
/// between pages neither loses nor repeats anything. Returns the number of
/// changes applied. When a re-list reaches its last page, models the center
/// no longer lists are removed.
pub fn apply_page(
    conn: &mut Connection,
    page: &ChangePage<IncomingModel>,
    synced_at: &str,
) -> Result<usize> {
    with_write_cache(conn, |conn| {
        let tx = conn.transaction()?;
        let search = write_page(&tx, page, synced_at)?;
        search.write(&tx)?;
        tx.commit()?;
        Ok(page.changes.len())
    })
}

/// Applies a page as `apply_page` does, but leaves its search index changes
/// to be written by another connection (the store's search index is a
/// database of its own), returned with the number of changes applied.
pub fn apply_rows(
    conn: &mut Connection,
    page: &ChangePage<IncomingModel>,
    synced_at: &str,
) -> Result<(usize, SearchChanges)> {
    with_write_cache(conn, |conn| {
        let tx = conn.transaction()?;
        let search = write_page(&tx, page, synced_at)?;
        tx.commit()?;
        Ok((page.changes.len(), search))
    })
}

/// Writes a page's rows and cursor in `tx`; returns what it changes in the
/// search index.
fn write_page(
    tx: &rusqlite::Transaction<'_>,
    page: &ChangePage<IncomingModel>,
    synced_at: &str,
) -> Result<SearchChanges> {
    let mut search = SearchChanges::up_to(page.next);
    let (generation, relisting): (i64, bool) = tx
        .query_row(
            "SELECT generation, relisting FROM sync_cursors WHERE collection = ?1",
            [Collection::Catalog.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .unwrap_or((0, false));
    {
        let mut rows = Rows::prepare(tx, generation)?;
        for change in &page.changes {
            match change {
                Change::Upsert { rev, item } => rows.upsert(*rev, item, &mut search)?,
                Change::Tombstone { id, .. } => rows.remove(id, &mut search)?,
            }
        }
    }
    if relisting && !page.more {
        end_relist(tx, generation, &mut search)?;
    }
    cursors::set_cursor(tx, Collection::Catalog, page.next, synced_at)?;
    Ok(search)
}

/// A page's statements on the catalog's rows, prepared once for all its
/// models.
struct Rows<'t> {
    tx: &'t Connection,
    generation: i64,
    find: rusqlite::CachedStatement<'t>,
    stored_hardware: rusqlite::CachedStatement<'t>,
    remove: rusqlite::CachedStatement<'t>,
    clear_hardware: rusqlite::CachedStatement<'t>,
    add_hardware: rusqlite::CachedStatement<'t>,
    insert: rusqlite::CachedStatement<'t>,
    add_body: rusqlite::CachedStatement<'t>,
    replace_body: rusqlite::CachedStatement<'t>,
    drop_body: rusqlite::CachedStatement<'t>,
}

impl<'t> Rows<'t> {
    fn prepare(tx: &'t Connection, generation: i64) -> Result<Self> {
        Ok(Self {
            tx,
            generation,
            find: tx.prepare_cached(&format!(
                "SELECT rowid, {} FROM catalog_models WHERE id = ?1",
                MODEL_COLUMNS.join(", ")
            ))?,
            stored_hardware: tx.prepare_cached(
                "SELECT hardware FROM catalog_hardware WHERE model_rowid = ?1 ORDER BY hardware",
            )?,
            remove: tx.prepare_cached("DELETE FROM catalog_models WHERE rowid = ?1")?,
            clear_hardware: tx
                .prepare_cached("DELETE FROM catalog_hardware WHERE model_rowid = ?1")?,
            add_hardware: tx.prepare_cached(
                "INSERT OR IGNORE INTO catalog_hardware (model_rowid, hardware) VALUES (?1, ?2)",
            )?,
            // A new model is inserted and a known one updated by its rowid:
            // an upsert would make SQLite keep a statement journal per model.
            insert: tx.prepare_cached(&format!(
                "INSERT INTO catalog_models ({}) VALUES ({})",
                MODEL_COLUMNS.join(", "),
                (1..=MODEL_COLUMNS.len())
                    .map(|i| format!("?{i}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))?,
            add_body: tx
                .prepare_cached("INSERT INTO catalog_bodies (rowid, body) VALUES (?1, ?2)")?,
            replace_body: tx
                .prepare_cached("UPDATE catalog_bodies SET body = ?2 WHERE rowid = ?1")?,
            drop_body: tx.prepare_cached("DELETE FROM catalog_bodies WHERE rowid = ?1")?,
        })
    }

    /// The rowid and stored columns of the model `id`, if the store has it.
    fn find(&mut self, id: &str) -> Result<Option<(i64, Vec<Value>)>> {
        Ok(self
            .find
            .query_row([id], |r| {
                let stored = (1..=MODEL_COLUMNS.len())
                    .map(|i| r.get(i))
                    .collect::<rusqlite::Result<_>>()?;
                Ok((r.get(0)?, stored))
            })
            .optional()?)
    }

    /// Adds a model the store does not have, or brings a known one up to
    /// date.
    fn upsert(
        &mut self,
        rev: u64,
        incoming: &IncomingModel,
        search: &mut SearchChanges,
    ) -> Result<()> {
        let item = &incoming.model;
        let generation = self.generation;
        let row = params![
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
            incoming.tags,
        ];
        // A known model is updated in the columns that changed only, and
        // its hardware rows only when they differ: rewriting every column
        // rewrote all six indexes, and that with the hardware rows was most
        // of an incremental sync (28–40 ms of 100 models, 3.4 ms so).
        let (rowid, reindex, rehardware) = match self.find(&item.id)? {
            Some((rowid, stored)) => {
                let changed = changed_columns(row, &stored)?;
                if !changed.is_empty() {
                    update_columns(self.tx, rowid, row, &changed)?;
                }
                self.replace_body.execute(params![rowid, incoming.body])?;
                let kept: Vec<String> = self
                    .stored_hardware
                    .query_map([rowid], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                let rehardware = kept != incoming.hardware;
                if rehardware {
                    self.clear_hardware.execute([rowid])?;
                }
                // Only a change of what search reads rewrites the index.
                let reindex = changed
                    .iter()
                    .any(|&c| SEARCHED_COLUMNS.contains(&MODEL_COLUMNS[c]));
                if reindex {
                    search.unindex(rowid);
                }
                (rowid, reindex, rehardware)
            }
            None => {
                self.insert.execute(row)?;
                let rowid = self.tx.last_insert_rowid();
                self.add_body.execute(params![rowid, incoming.body])?;
                (rowid, true, true)
            }
        };
        if reindex {
            search.index(rowid, incoming);
        }
        if rehardware {
            for hardware in &incoming.hardware {
                self.add_hardware.execute(params![rowid, hardware])?;
            }
        }
        Ok(())
    }

    /// Removes the model `id` the center retired, if the store has it.
    fn remove(&mut self, id: &str, search: &mut SearchChanges) -> Result<()> {
        if let Some((rowid, _)) = self.find(id)? {
            self.clear_hardware.execute([rowid])?;
            search.unindex(rowid);
            self.remove.execute([rowid])?;
            self.drop_body.execute([rowid])?;
        }
        Ok(())
    }
}

/// A re-list's last page: the models it did not bring (of an earlier
/// generation) are ones the center no longer lists.
fn end_relist(tx: &Connection, generation: i64, search: &mut SearchChanges) -> Result<()> {
    let stale: Vec<i64> = tx
        .prepare("SELECT rowid FROM catalog_models WHERE generation < ?1")?
        .query_map([generation], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for rowid in stale {
        search.unindex(rowid);
        tx.execute(
            "DELETE FROM catalog_hardware WHERE model_rowid = ?1",
            [rowid],
        )?;
        tx.execute("DELETE FROM catalog_models WHERE rowid = ?1", [rowid])?;
        tx.execute("DELETE FROM catalog_bodies WHERE rowid = ?1", [rowid])?;
    }
    tx.execute(
        "UPDATE sync_cursors SET relisting = 0 WHERE collection = ?1",
        [Collection::Catalog.as_str()],
    )?;
    Ok(())
}

/// The columns of a synced model, in the order `write_page` binds them.
const MODEL_COLUMNS: [&str; 14] = [
    "id",
    "rev",
    "name",
    "provider",
    "task",
    "domain",
    "framework",
    "license",
    "parameters",
    "stars",
    "downloads",
    "updated_at",
    "generation",
    "tags",
];

/// The columns the search index holds (tags carry hardware, framework and
/// licence, which the filter words are made of).
const SEARCHED_COLUMNS: [&str; 5] = ["name", "provider", "task", "domain", "tags"];

/// Which of `row`'s values differ from the `stored` ones, by index.
fn changed_columns(row: &[&dyn rusqlite::ToSql], stored: &[Value]) -> Result<Vec<usize>> {
    let mut changed = Vec::new();
    for (i, (new, old)) in row.iter().zip(stored).enumerate() {
        let new = match new.to_sql()? {
            rusqlite::types::ToSqlOutput::Borrowed(value) => Value::from(value),
            rusqlite::types::ToSqlOutput::Owned(value) => value,
            _ => Value::Null,
        };
        if &new != old {
            changed.push(i);
        }
    }
    Ok(changed)
}

/// Updates `changed` columns of the model at `rowid` to `row`'s values.
fn update_columns(
    tx: &Connection,
    rowid: i64,
    row: &[&dyn rusqlite::ToSql],
    changed: &[usize],
) -> Result<()> {
    let set = changed
        .iter()
        .enumerate()
        .map(|(n, &c)| format!("{} = ?{}", MODEL_COLUMNS[c], n + 1))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "UPDATE catalog_models SET {set} WHERE rowid = ?{}",
        changed.len() + 1
    );
    tx.prepare_cached(&sql)?.execute(params_from_iter(
        changed
            .iter()
            .map(|&c| row[c])
            .chain([&rowid as &dyn rusqlite::ToSql]),
    ))?;
    Ok(())
}

/// Starts over after the center answered 410: the cursor goes back to 0
/// and a new generation begins; the local models stay visible until the
/// re-list has seen them all.
pub fn begin_relist(conn: &Connection) -> Result<()> {
    conn.execute(
        "UPDATE sync_cursors SET rev = 0, generation = generation + 1, relisting = 1 WHERE collection = ?1",
        [Collection::Catalog.as_str()],
    )?;
    Ok(())
}

/// The indexes the catalog is listed, sorted and filtered by. A first sync
/// of many pages into an empty store drops them and builds each once after
/// its last page, sorting its keys, instead of inserting every model's key
/// into each of them page after page: most of those inserts land on pages
/// all over the index, which each transaction then writes out again. A
/// first sync of 100k models took 6.6 s so and 5.1 s with the indexes built
/// after (three alternating runs each).
pub(super) const BROWSE_INDEXES: [(&str, &str); 5] = [
    (
        "catalog_models_by_name",
        "catalog_models(name COLLATE NOCASE)",
    ),
    ("catalog_models_by_task", "catalog_models(task)"),
    (
        "catalog_models_by_updated",
        "catalog_models(updated_at DESC)",
    ),
    ("catalog_models_by_stars", "catalog_models(stars DESC)"),
    ("catalog_models_by_parameters", "catalog_models(parameters)"),
];

pub fn is_empty(conn: &Connection) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT NOT EXISTS (SELECT 1 FROM catalog_models)",
        [],
        |r| r.get(0),
    )?)
}

pub fn drop_browse_indexes(conn: &Connection) -> Result<()> {
    for (name, _) in BROWSE_INDEXES {
        conn.execute_batch(&format!("DROP INDEX IF EXISTS {name}"))?;
    }
    Ok(())
}

/// Builds the browse indexes a first sync dropped, when it ends or, if it
/// stopped before its end, when the store opens again.
pub fn build_browse_indexes(conn: &mut Connection) -> Result<()> {
    with_write_cache(conn, |conn| {
        for (name, on) in BROWSE_INDEXES {
            conn.execute_batch(&format!("CREATE INDEX IF NOT EXISTS {name} ON {on}"))?;
        }
        Ok(())
    })
}

/// Whether the store has the index `name` (a first sync builds the browse
/// indexes after its last page).
pub(super) fn has_index(conn: &Connection, name: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = ?1)",
        )?
        .query_row([name], |r| r.get(0))?)
}

/// A page of new models writes more of the database than SQLite's default
/// cache (2 MB) holds, and it spilled pages to the log mid-way: a first
/// sync of 100k took 7.1 s, 6.3 s with this cache. The cache is that large
/// only while a page is written, not while the app searches.
fn with_write_cache<T>(
    conn: &mut Connection,
    write: impl FnOnce(&mut Connection) -> Result<T>,
) -> Result<T> {
    for schema in ["main", "search"] {
        conn.pragma_update(Some(schema), "cache_size", -WRITE_CACHE_KIB)?;
    }
    let written = write(conn);
    for schema in ["main", "search"] {
        conn.pragma_update(Some(schema), "cache_size", -DEFAULT_CACHE_KIB)?;
    }
    written
}

/// SQLite's page cache while a page of changes is written, and otherwise.
const WRITE_CACHE_KIB: i64 = 32_000;

const DEFAULT_CACHE_KIB: i64 = 2_000;
