//! The catalog as the app keeps it: applying change-feed pages (and
//! re-listing after the center's history ran out), and local search that
//! answers as the user types — full text, filters with counts, sort,
//! paging — online or not; favourites.

use aicc_api::catalog::{Framework, Model};
use aicc_api::sync::{Change, ChangePage, Collection};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::store::{self, Store};

/// What a list row shows of a model.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ModelSummary {
    pub id: String,
    pub name: String,
    pub provider: String,
    pub task: String,
    pub domain: String,
    pub framework: Framework,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub parameters: Option<u64>,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub stars: u64,
    pub updated_at: String,
    pub favourite: bool,
}

/// How results are ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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

impl Sort {
    /// Every order the catalog can be shown in.
    pub const ALL: [Sort; 4] = [Sort::Relevance, Sort::Name, Sort::Updated, Sort::Stars];
}

/// A search: words and filters; every filter left empty matches everything.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct CatalogQuery {
    pub text: String,
    pub task: Option<String>,
    pub domain: Option<String>,
    pub framework: Option<Framework>,
    pub hardware: Option<String>,
    pub license: Option<String>,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub min_parameters: Option<u64>,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub max_parameters: Option<u64>,
    pub favourites_only: bool,
    pub sort: Sort,
}

/// One page of search results.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SearchPage {
    /// How many models match in all.
    pub total: u32,
    pub models: Vec<ModelSummary>,
}

/// How many of the matching models fall under each value of each filter.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Facets {
    pub task: Vec<FacetCount>,
    pub domain: Vec<FacetCount>,
    pub framework: Vec<FacetCount>,
    pub hardware: Vec<FacetCount>,
    pub license: Vec<FacetCount>,
}

/// One value of a filter and how many models have it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FacetCount {
    pub value: String,
    pub count: u32,
}

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

/// Applies the catalog feed's pages for a sync. While more pages follow,
/// a page's search index changes are written beside the next page's rows
/// (`Store::index_beside`); the last page waits for them and is applied
/// whole, so the sync ends with the index at the catalog's cursor.
pub fn apply_feed_page(
    store: &Store,
) -> impl Fn(&mut Connection, &ChangePage<IncomingModel>, &str) -> Result<usize> + Clone + Send + 'static
{
    let store = store.clone();
    move |conn, page, synced_at| {
        // Writes beside that failed left the index behind the catalog.
        let caught_up = |conn: &mut Connection, written: Result<()>| match written {
            Ok(()) => Ok(()),
            Err(e) => {
                tracing::warn!(error = %e, "the search index fell behind; building it anew");
                store::build_search(conn)
            }
        };
        if page.more {
            if catalog_is_empty(conn)? {
                drop_browse_indexes(conn)?;
            }
            let (applied, search) = apply_rows(conn, page, synced_at)?;
            let written = store.index_beside(move |conn| {
                let tx = conn.transaction()?;
                search.write(&tx)?;
                tx.commit()?;
                Ok(())
            });
            caught_up(conn, written)?;
            return Ok(applied);
        }
        let written = store.indexed();
        caught_up(conn, written)?;
        let applied = apply_page(conn, page, synced_at)?;
        build_browse_indexes(conn)?;
        Ok(applied)
    }
}

/// The indexes the catalog is listed, sorted and filtered by. A first sync
/// of many pages into an empty store drops them and builds each once after
/// its last page, sorting its keys, instead of inserting every model's key
/// into each of them page after page: most of those inserts land on pages
/// all over the index, which each transaction then writes out again. A
/// first sync of 100k models took 6.6 s so and 5.1 s with the indexes built
/// after (three alternating runs each).
const BROWSE_INDEXES: [(&str, &str); 5] = [
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

fn catalog_is_empty(conn: &Connection) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT NOT EXISTS (SELECT 1 FROM catalog_models)",
        [],
        |r| r.get(0),
    )?)
}

fn drop_browse_indexes(conn: &Connection) -> Result<()> {
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
fn has_index(conn: &Connection, name: &str) -> Result<bool> {
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

/// What a page changes in the search index: the models to take out of it
/// and those to put in, and the feed's cursor it brings the index up to.
/// They are written after the page's other rows: FTS5 writes out what it
/// buffers whenever a statement opens a savepoint (as the upsert does),
/// which per model made a first sync spend a third of its time flushing and
/// merging tiny index segments.
#[derive(Debug, Default)]
pub struct SearchChanges {
    unindexed: Vec<i64>,
    indexed: Vec<(i64, SearchEntry)>,
    cursor: u64,
}

/// What the search index holds of a model.
#[derive(Debug)]
struct SearchEntry {
    name: String,
    task: String,
    domain: String,
    provider: String,
    tags: String,
    filters: String,
}

impl SearchChanges {
    /// Writes the changes and the cursor they bring the index up to, inside
    /// the caller's transaction.
    pub fn write(&self, conn: &Connection) -> Result<()> {
        let mut unindex = conn.prepare_cached("DELETE FROM catalog_search WHERE rowid = ?1")?;
        for rowid in &self.unindexed {
            unindex.execute([rowid])?;
        }
        let mut index = conn.prepare_cached(
            "INSERT INTO catalog_search (rowid, name, task, domain, provider, tags, filters)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for (rowid, e) in &self.indexed {
            index.execute(params![
                rowid, e.name, e.task, e.domain, e.provider, e.tags, e.filters
            ])?;
        }
        store::set_search_cursor(conn, self.cursor)
    }
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

/// SQLite's page cache while a page of changes is written, and otherwise.
const WRITE_CACHE_KIB: i64 = 32_000;
const DEFAULT_CACHE_KIB: i64 = 2_000;

/// Writes a page's rows and cursor in `tx`; returns what it changes in the
/// search index.
fn write_page(
    tx: &rusqlite::Transaction<'_>,
    page: &ChangePage<IncomingModel>,
    synced_at: &str,
) -> Result<SearchChanges> {
    let mut search = SearchChanges {
        cursor: page.next,
        ..SearchChanges::default()
    };
    let (generation, relisting): (i64, bool) = tx
        .query_row(
            "SELECT generation, relisting FROM sync_cursors WHERE collection = ?1",
            [Collection::Catalog.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .unwrap_or((0, false));
    {
        let mut find = tx.prepare_cached(&format!(
            "SELECT rowid, {} FROM catalog_models WHERE id = ?1",
            MODEL_COLUMNS.join(", ")
        ))?;
        let mut stored_hardware = tx.prepare_cached(
            "SELECT hardware FROM catalog_hardware WHERE model_rowid = ?1 ORDER BY hardware",
        )?;
        let mut remove = tx.prepare_cached("DELETE FROM catalog_models WHERE rowid = ?1")?;
        let mut clear_hardware =
            tx.prepare_cached("DELETE FROM catalog_hardware WHERE model_rowid = ?1")?;
        let mut add_hardware = tx.prepare_cached(
            "INSERT OR IGNORE INTO catalog_hardware (model_rowid, hardware) VALUES (?1, ?2)",
        )?;
        // A new model is inserted and a known one updated by its rowid:
        // an upsert would make SQLite keep a statement journal per model.
        let mut insert = tx.prepare_cached(&format!(
            "INSERT INTO catalog_models ({}) VALUES ({})",
            MODEL_COLUMNS.join(", "),
            (1..=MODEL_COLUMNS.len())
                .map(|i| format!("?{i}"))
                .collect::<Vec<_>>()
                .join(", ")
        ))?;
        let mut add_body =
            tx.prepare_cached("INSERT INTO catalog_bodies (rowid, body) VALUES (?1, ?2)")?;
        let mut replace_body =
            tx.prepare_cached("UPDATE catalog_bodies SET body = ?2 WHERE rowid = ?1")?;
        let mut drop_body = tx.prepare_cached("DELETE FROM catalog_bodies WHERE rowid = ?1")?;
        for change in &page.changes {
            let id = match change {
                Change::Upsert { item, .. } => &item.model.id,
                Change::Tombstone { id, .. } => id,
            };
            let existing: Option<(i64, Vec<Value>)> = find
                .query_row([id], |r| {
                    let stored = (1..=MODEL_COLUMNS.len())
                        .map(|i| r.get(i))
                        .collect::<rusqlite::Result<_>>()?;
                    Ok((r.get(0)?, stored))
                })
                .optional()?;
            match change {
                Change::Upsert {
                    rev,
                    item: incoming,
                } => {
                    let item = &incoming.model;
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
                    // A known model is updated in the columns that changed
                    // only, and its hardware rows only when they differ:
                    // rewriting every column rewrote all six indexes, and
                    // that with the hardware rows was most of an
                    // incremental sync (28–40 ms of 100 models, 3.4 ms so).
                    let (rowid, reindex, rehardware) = match &existing {
                        Some((rowid, stored)) => {
                            let changed = changed_columns(row, stored)?;
                            if !changed.is_empty() {
                                update_columns(tx, *rowid, row, &changed)?;
                            }
                            replace_body.execute(params![rowid, incoming.body])?;
                            let kept: Vec<String> = stored_hardware
                                .query_map([rowid], |r| r.get(0))?
                                .collect::<rusqlite::Result<_>>()?;
                            let rehardware = kept != incoming.hardware;
                            if rehardware {
                                clear_hardware.execute([rowid])?;
                            }
                            // Only a change of what search reads rewrites the index.
                            let reindex = changed
                                .iter()
                                .any(|&c| SEARCHED_COLUMNS.contains(&MODEL_COLUMNS[c]));
                            if reindex {
                                search.unindexed.push(*rowid);
                            }
                            (*rowid, reindex, rehardware)
                        }
                        None => {
                            insert.execute(row)?;
                            let rowid = tx.last_insert_rowid();
                            add_body.execute(params![rowid, incoming.body])?;
                            (rowid, true, true)
                        }
                    };
                    if reindex {
                        search.indexed.push((rowid, SearchEntry::of(incoming)));
                    }
                    if rehardware {
                        for hardware in &incoming.hardware {
                            add_hardware.execute(params![rowid, hardware])?;
                        }
                    }
                }
                Change::Tombstone { .. } => {
                    if let Some((rowid, _)) = existing {
                        clear_hardware.execute([rowid])?;
                        search.unindexed.push(rowid);
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
            search.unindexed.push(rowid);
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
    }
    store::set_cursor(tx, Collection::Catalog, page.next, synced_at)?;
    Ok(search)
}

impl SearchEntry {
    fn of(incoming: &IncomingModel) -> Self {
        let model = &incoming.model;
        Self {
            name: model.name.clone(),
            task: model.task.clone(),
            domain: model.domain.clone(),
            provider: model.provider.clone(),
            tags: incoming.tags.clone(),
            filters: incoming.filters.clone(),
        }
    }
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

/// A filter's value as the one word the search index keeps for it.
fn filter_word(filter: char, value: &str) -> String {
    use std::fmt::Write as _;
    let mut word = String::with_capacity(1 + 2 * value.len());
    word.push(filter);
    for byte in value.bytes() {
        let _ = write!(word, "{byte:02X}");
    }
    word
}

/// The words a model is filtered by, as migration 0008 builds them.
fn filter_words(model: &Model) -> String {
    [
        filter_word('t', &model.task),
        filter_word('d', &model.domain),
        filter_word('f', model.framework.as_str()),
        filter_word('l', &model.license),
    ]
    .into_iter()
    .chain(model.hardware.iter().map(|h| filter_word('h', h)))
    .collect::<Vec<_>>()
    .join(" ")
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

/// A query's filters: as conditions on the model rows, and as the search
/// index's filter words for those it keeps (all but the parameter range
/// and favourites, which stay conditions on the rows).
struct Filters {
    rows: Vec<&'static str>,
    row_values: Vec<Value>,
    words: Vec<String>,
    unindexed: Vec<&'static str>,
    unindexed_values: Vec<Value>,
}

fn filters(query: &CatalogQuery) -> Filters {
    let mut f = Filters {
        rows: Vec::new(),
        row_values: Vec::new(),
        words: Vec::new(),
        unindexed: Vec::new(),
        unindexed_values: Vec::new(),
    };
    let indexed = [
        ("m.task = ?", 't', query.task.as_deref()),
        ("m.domain = ?", 'd', query.domain.as_deref()),
        ("m.license = ?", 'l', query.license.as_deref()),
        (
            "m.framework = ?",
            'f',
            query.framework.map(Framework::as_str),
        ),
        (
            "EXISTS (SELECT 1 FROM catalog_hardware h WHERE h.hardware = ? AND h.model_rowid = m.rowid)",
            'h',
            query.hardware.as_deref(),
        ),
    ];
    for (clause, filter, value) in indexed {
        if let Some(value) = value {
            f.rows.push(clause);
            f.row_values.push(Value::Text(value.to_owned()));
            f.words.push(filter_word(filter, value));
        }
    }
    if let Some(min) = query.min_parameters {
        f.unindexed.push("m.parameters >= ?");
        f.unindexed_values.push(Value::Integer(min as i64));
    }
    if let Some(max) = query.max_parameters {
        f.unindexed.push("m.parameters <= ?");
        f.unindexed_values.push(Value::Integer(max as i64));
    }
    if query.favourites_only {
        f.unindexed
            .push("m.id IN (SELECT model_id FROM favourites)");
    }
    f.rows.extend(&f.unindexed);
    f.row_values.extend(f.unindexed_values.iter().cloned());
    f
}

/// The full-text expression of the words typed and the indexed filters.
fn expression(typed: Option<String>, filters: &Filters) -> Option<String> {
    let parts: Vec<String> = typed
        .into_iter()
        .chain(filters.words.iter().map(|w| format!("filters : {w}")))
        .collect();
    (!parts.is_empty()).then(|| parts.join(" AND "))
}

/// The conditions on the model rows that select what a query matches, and
/// their parameters: the search index's matches for `expression`, and the
/// filters the index does not keep.
fn matching(expression: Option<String>, filters: &Filters) -> (Vec<&'static str>, Vec<Value>) {
    let mut clauses = filters.unindexed.clone();
    let mut values = filters.unindexed_values.clone();
    if let Some(expression) = expression {
        clauses.insert(0, MATCHING);
        values.insert(0, Value::Text(expression));
    }
    (clauses, values)
}

/// The models the full-text expression bound to it matches.
const MATCHING: &str = "m.rowid IN (SELECT rowid FROM catalog_search WHERE catalog_search MATCH ?)";

fn where_clause(clauses: &[&str]) -> String {
    if clauses.is_empty() {
        "1".to_owned()
    } else {
        clauses.join(" AND ")
    }
}

/// Every word must match the start of a word in the name, task, domain,
/// provider or tags (never the filters' words); quotes and operators are
/// plain text.
fn fts_expression(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric() && c != '.' && c != '_')
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{}\"*", w.replace('"', "")))
        .collect();
    (!words.is_empty()).then(|| {
        format!(
            "{{name task domain provider tags}} : ({})",
            words.join(" AND ")
        )
    })
}

/// Results are read in order from an index, stopping at the page's end,
/// when at least one model in this many matches; fewer matches are
/// sorted, which then costs less than stepping over the models that do
/// not match. (At 100k models the word "r" matches 35k: sorting them took
/// 28 ms, walking the name index takes 3.)
const WALK_WHEN_ONE_IN: u64 = 100;

/// The list row's columns, as `summary` reads them.
const SUMMARY: &str = "m.id, m.name, m.provider, m.task, m.domain, m.framework, m.parameters,
     m.stars, m.updated_at, m.id IN (SELECT model_id FROM favourites)";

fn summary(row: &rusqlite::Row<'_>) -> rusqlite::Result<ModelSummary> {
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
}

/// Searches the local catalog.
///
/// By relevance, the models whose name starts with what was typed come
/// first (the exact name before all), then the other matches, each group
/// by name. The names that start with the text lie together in the name
/// index and all match the words, so the first group is read straight
/// from it; the rest are read from the full-text index.
pub fn search(
    conn: &Connection,
    query: &CatalogQuery,
    offset: u32,
    limit: u32,
) -> Result<SearchPage> {
    let typed = fts_expression(&query.text);
    let filters = filters(query);
    let expression = expression(typed.clone(), &filters);
    let (matching, matching_values) = matching(expression.clone(), &filters);
    let total: u32 = match &expression {
        Some(expression) if filters.unindexed.is_empty() => conn.query_row(
            "SELECT count(*) FROM catalog_search WHERE catalog_search MATCH ?1",
            [expression],
            |r| r.get(0),
        )?,
        _ => conn.query_row(
            &format!(
                "SELECT count(*) FROM catalog_models m WHERE {}",
                where_clause(&matching)
            ),
            params_from_iter(matching_values.iter()),
            |r| r.get(0),
        )?,
    };
    let catalog: u32 = conn.query_row("SELECT count(*) FROM catalog_models", [], |r| r.get(0))?;
    let (index, order) = match query.sort {
        Sort::Relevance | Sort::Name => ("catalog_models_by_name", "m.name COLLATE NOCASE, m.id"),
        Sort::Updated => (
            "catalog_models_by_updated",
            "m.updated_at DESC, m.name COLLATE NOCASE, m.id",
        ),
        Sort::Stars => (
            "catalog_models_by_stars",
            "m.stars DESC, m.name COLLATE NOCASE, m.id",
        ),
    };
    // Until a first sync has built it, SQLite sorts the matches itself.
    let indexed = has_index(conn, index)?;
    let walk = indexed && u64::from(total) * WALK_WHEN_ONE_IN >= u64::from(catalog);
    let indexed_by = |use_index: bool| {
        if use_index {
            format!("INDEXED BY {index}")
        } else {
            String::new()
        }
    };
    let page = |clauses: &[&str], values: Vec<Value>, walk: bool, offset: u32, limit: u32| {
        let sql = format!(
            "SELECT {SUMMARY} FROM catalog_models m {} WHERE {}
             ORDER BY {order} LIMIT ? OFFSET ?",
            indexed_by(walk),
            where_clause(clauses)
        );
        let values = values
            .into_iter()
            .chain([Value::from(limit), Value::from(offset)]);
        conn.prepare_cached(&sql)?
            .query_map(params_from_iter(values), summary)?
            .collect::<rusqlite::Result<Vec<_>>>()
    };
    if typed.is_none() && walk {
        // Most models pass the filters: checking rows on the way down the
        // index costs less than listing every match first.
        let models = page(&filters.rows, filters.row_values, walk, offset, limit)?;
        return Ok(SearchPage { total, models });
    }
    if query.sort != Sort::Relevance || typed.is_none() {
        let models = page(&matching, matching_values, walk, offset, limit)?;
        return Ok(SearchPage { total, models });
    }
    let text = query.text.trim();
    let starts = "m.name COLLATE NOCASE >= ? AND m.name COLLATE NOCASE < ?";
    let bounds = [
        Value::Text(text.to_owned()),
        Value::Text(format!("{text}\u{10FFFF}")),
    ];
    let first_clauses = [&[starts], &filters.rows[..]].concat();
    let first_values: Vec<Value> = bounds.iter().cloned().chain(filters.row_values).collect();
    let mut models = page(&first_clauses, first_values.clone(), indexed, offset, limit)?;
    if models.len() < limit as usize {
        // How many the first group holds, to know where the rest begin.
        let first = if models.is_empty() {
            conn.query_row(
                &format!(
                    "SELECT count(*) FROM catalog_models m {} WHERE {}",
                    indexed_by(indexed),
                    where_clause(&first_clauses)
                ),
                params_from_iter(first_values.iter()),
                |r| r.get(0),
            )?
        } else {
            offset + models.len() as u32
        };
        let not_starts = format!("NOT ({starts})");
        let rest_clauses = [&[not_starts.as_str()], &matching[..]].concat();
        let rest_values = bounds.into_iter().chain(matching_values).collect();
        let from = offset.max(first) - first;
        let rest = limit - models.len() as u32;
        models.extend(page(&rest_clauses, rest_values, walk, from, rest)?);
    }
    Ok(SearchPage { total, models })
}

/// Counts per filter value among the models that match `query`.
pub fn facets(conn: &Connection, query: &CatalogQuery) -> Result<Facets> {
    let filters = filters(query);
    let (clauses, values) = matching(expression(fts_expression(&query.text), &filters), &filters);
    let from_where = format!("catalog_models m WHERE {}", where_clause(&clauses));
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

    fn page(
        changes: Vec<Change<IncomingModel>>,
        next: u64,
        more: bool,
    ) -> ChangePage<IncomingModel> {
        ChangePage {
            changes,
            next,
            more,
            remaining: 0,
        }
    }

    fn incoming(model: Model) -> IncomingModel {
        model.try_into().unwrap()
    }

    fn upserts(models: Vec<Model>) -> Vec<Change<IncomingModel>> {
        models
            .into_iter()
            .enumerate()
            .map(|(i, item)| Change::Upsert {
                rev: i as u64 + 1,
                item: incoming(item),
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
        let filtered = |store: &Store| {
            let queries = [
                CatalogQuery {
                    hardware: Some("Atlas 300I Duo".into()),
                    ..text("")
                },
                CatalogQuery {
                    license: Some("MIT".into()),
                    ..text("b")
                },
                CatalogQuery {
                    task: Some("Image Classification".into()),
                    ..text("")
                },
                CatalogQuery {
                    framework: Some(Framework::MindSpore),
                    ..text("vit")
                },
                CatalogQuery {
                    domain: Some("Text".into()),
                    ..text("")
                },
            ];
            queries.map(|q| ids(&store.blocking(move |c| search(c, &q, 0, 10)).unwrap()).join(","))
        };
        let synced_filtered = filtered(&store);
        assert_eq!(
            synced_filtered,
            ["vit-b16", "bert-base", "vit-b16", "vit-b16", ""]
        );
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
        // Migration 0008 indexes the filters as sync does.
        let migration = include_str!("../migrations/0008_filters_in_the_search_index.sql");
        let rebuild = &migration
            [migration.find("DROP TABLE").unwrap()..migration.find("CREATE INDEX").unwrap()];
        store.blocking(|c| Ok(c.execute_batch(rebuild)?)).unwrap();
        assert_eq!(
            (found(&store), filtered(&store)),
            (synced.clone(), synced_filtered.clone())
        );
        // The search index's database built anew from the catalog (a new
        // store, or one left behind it) indexes as sync does.
        store
            .blocking(|c| {
                c.execute_batch("DROP TABLE main.catalog_search")?;
                store::build_search(c)
            })
            .unwrap();
        assert_eq!((found(&store), filtered(&store)), (synced, synced_filtered));
    }

    #[test]
    fn a_search_index_that_cannot_be_read_is_built_anew_and_the_store_opens() {
        let (dir, store) = store_with(vec![model("resnet50", "ResNet-50", "Image Classification")]);
        let path = dir.path().join("s.sqlite3");
        drop(store);
        std::fs::write(store::search_path(&path), b"not a database, not even close").unwrap();
        let store = Store::open(&path).unwrap();
        let found = store
            .blocking(|c| search(c, &text("resnet"), 0, 10))
            .unwrap();
        assert_eq!(ids(&found), ["resnet50"]);
    }

    #[test]
    fn a_search_index_left_behind_the_catalog_is_caught_up_when_the_store_opens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sqlite3");
        let store = Store::open(&path).unwrap();
        let first = page(
            upserts(vec![model("resnet50", "ResNet-50", "Image Classification")]),
            1,
            true,
        );
        // The rows are committed; the search index's writes never happen,
        // as when the app stops between the two.
        let (applied, _unwritten) = store.blocking(|c| apply_rows(c, &first, "t")).unwrap();
        assert_eq!(applied, 1);
        let resnet = || text("resnet");
        assert_eq!(
            store
                .blocking(|c| search(c, &resnet(), 0, 10))
                .unwrap()
                .total,
            0
        );
        drop(store);

        let store = Store::open(&path).unwrap();
        let found = store.blocking(|c| search(c, &resnet(), 0, 10)).unwrap();
        assert_eq!(ids(&found), ["resnet50"]);
    }

    /// The catalog's indexes, by name, with how each was made.
    fn catalog_indexes(store: &Store) -> Vec<(String, String)> {
        store
            .blocking(|c| {
                Ok(c.prepare(
                    "SELECT name, sql FROM sqlite_schema
                     WHERE type = 'index' AND tbl_name = 'catalog_models' AND sql IS NOT NULL
                     ORDER BY name",
                )?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?)
            })
            .unwrap()
    }

    #[test]
    fn a_first_sync_builds_the_browse_indexes_after_its_last_page() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sqlite3");
        let store = Store::open(&path).unwrap();
        let migrated = catalog_indexes(&store);
        assert_eq!(migrated.len(), BROWSE_INDEXES.len());
        let apply = apply_feed_page(&store);
        let models = |from: usize| {
            (from..from + 3)
                .map(|i| model(&format!("m{i}"), &format!("Model {i}"), "LLM"))
                .collect::<Vec<_>>()
        };
        let first = page(upserts(models(0)), 3, true);
        store.blocking(|c| apply(c, &first, "t")).unwrap();
        assert_eq!(catalog_indexes(&store), [], "dropped while pages follow");
        let last = page(upserts(models(3)), 6, false);
        store.blocking(|c| apply(c, &last, "t")).unwrap();
        assert_eq!(
            catalog_indexes(&store),
            migrated,
            "built after the last page"
        );

        // Pages into a store that holds models keep the indexes.
        let more = page(upserts(models(6)), 9, true);
        store.blocking(|c| apply(c, &more, "t")).unwrap();
        assert_eq!(catalog_indexes(&store), migrated);

        // A first sync stopped before its last page: the store opens with them.
        store.blocking(|c| drop_browse_indexes(c)).unwrap();
        drop((apply, store));
        let store = Store::open(&path).unwrap();
        assert_eq!(catalog_indexes(&store), migrated);
    }

    #[test]
    fn search_answers_alike_while_a_first_sync_has_the_browse_indexes_down() {
        let models = (0..60)
            .map(|i| {
                let mut m = model(
                    &format!("m{i:02}"),
                    &format!("{} {i}", ["ResNet", "Qwen", "YOLO"][i % 3]),
                    ["LLM", "Object Detection"][i % 2],
                );
                m.stars = (i * 7 % 13) as u64;
                m.updated_at = format!("2026-11-{:02}T00:00:00Z", 1 + i % 28);
                m
            })
            .collect();
        let (_dir, store) = store_with(models);
        let queries = [Sort::Relevance, Sort::Name, Sort::Updated, Sort::Stars]
            .into_iter()
            .flat_map(|sort| {
                [
                    CatalogQuery { sort, ..text("") },
                    CatalogQuery {
                        sort,
                        ..text("resnet")
                    },
                    CatalogQuery {
                        sort,
                        task: Some("LLM".into()),
                        ..text("")
                    },
                ]
            })
            .collect::<Vec<_>>();
        let answers = |c: &mut Connection| {
            queries
                .iter()
                .flat_map(|q| [search(c, q, 0, 7), search(c, q, 5, 7)])
                .map(|page| page.map(|p| (p.total, ids(&p).join(" "))))
                .collect::<Result<Vec<_>>>()
        };
        let indexed = store.blocking(answers).unwrap();
        store.blocking(|c| drop_browse_indexes(c)).unwrap();
        let sorted = store.blocking(answers).unwrap();
        assert_eq!(sorted, indexed);
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
        let filter_word = filter_word('t', "Image Classification");
        let typed = store
            .blocking(move |c| search(c, &text(&filter_word[..6]), 0, 10))
            .unwrap();
        assert_eq!(typed.total, 0, "the filters' words are not found by typing");
        for odd in [
            "\"",
            "alex\" OR",
            "NEAR(",
            "*",
            "a:b",
            "-x",
            "filters",
            "{name}",
        ] {
            store.blocking(|c| search(c, &text(odd), 0, 10)).unwrap();
        }
    }

    #[test]
    fn pages_read_in_index_order_are_the_pages_of_every_match_sorted() {
        let names = [
            "ResNet", "resnet", "Retina", "roberta", "BERT", "yolo", "res2net", "Rex",
        ];
        let tasks = [
            "Image Classification",
            "Object Detection",
            "Image Restoration",
        ];
        let mut models = Vec::new();
        for i in 0..240 {
            let name = format!(
                "{}{}",
                names[i % names.len()],
                ["", "-50", " v2", "_tiny"][i % 4]
            );
            let mut m = model(&format!("m{i:03}"), &name, tasks[i % 3]);
            m.hardware = vec![["Atlas 800T A2", "Atlas 300I Duo"][i % 2].into()];
            m.stars = (i * 7 % 13) as u64;
            m.updated_at = format!("2026-11-{:02}T00:00:00Z", 1 + i % 28);
            models.push(m);
        }
        let (_dir, store) = store_with(models);
        let mut queries = Vec::new();
        for text in [
            "",
            "r",
            "res",
            "ResNet",
            "resnet-50",
            "bert",
            "rex tiny",
            "detection",
        ] {
            for sort in [Sort::Relevance, Sort::Name, Sort::Updated, Sort::Stars] {
                queries.push(CatalogQuery {
                    text: text.into(),
                    sort,
                    ..Default::default()
                });
                queries.push(CatalogQuery {
                    text: text.into(),
                    sort,
                    task: Some("Object Detection".into()),
                    hardware: Some("Atlas 300I Duo".into()),
                    ..Default::default()
                });
            }
        }
        for query in queries {
            let expected: Vec<String> = store
                .blocking({
                    let query = query.clone();
                    move |c| every_match_sorted(c, &query)
                })
                .unwrap();
            let mut paged = Vec::new();
            let mut total = 0;
            for offset in (0..expected.len() as u32 + 7).step_by(7) {
                let query = query.clone();
                let page = store
                    .blocking(move |c| search(c, &query, offset, 7))
                    .unwrap();
                total = page.total;
                paged.extend(page.models.into_iter().map(|m| m.id));
            }
            assert_eq!(total as usize, expected.len(), "count of {query:?}");
            assert_eq!(paged, expected, "pages of {query:?}");
        }
    }

    /// What `search` must return, the plain way: every match, sorted.
    fn every_match_sorted(c: &mut Connection, query: &CatalogQuery) -> Result<Vec<String>> {
        let filters = filters(query);
        let mut clauses = filters.rows.clone();
        let mut values = Vec::new();
        if let Some(typed) = fts_expression(&query.text) {
            clauses.insert(0, MATCHING);
            values.push(Value::from(typed));
        }
        values.extend(filters.row_values);
        let from_where = format!("catalog_models m WHERE {}", where_clause(&clauses));
        let text = query.text.trim();
        let order = match query.sort {
            Sort::Relevance if fts_expression(text).is_some() => {
                values.extend([Value::from(text.to_owned()), Value::from(text.to_owned())]);
                "lower(substr(m.name, 1, length(?))) = lower(?) DESC, m.name COLLATE NOCASE, m.id"
            }
            Sort::Relevance | Sort::Name => "m.name COLLATE NOCASE, m.id",
            Sort::Updated => "m.updated_at DESC, m.name COLLATE NOCASE, m.id",
            Sort::Stars => "m.stars DESC, m.name COLLATE NOCASE, m.id",
        };
        Ok(
            c.prepare(&format!("SELECT m.id FROM {from_where} ORDER BY {order}"))?
                .query_map(params_from_iter(values.iter()), |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?,
        )
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
                    item: incoming(model("a", "alexnet-v2", "x")),
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
        let shown = store.blocking(|c| super::model(c, "a")).unwrap().unwrap().0;
        assert_eq!(
            shown.name, "alexnet-v2",
            "the model's page shows the update too"
        );
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
            store
                .blocking(|c| store::cursor(c, Collection::Catalog))
                .unwrap(),
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
        popular.stars = 77;
        let third = page(
            vec![Change::Upsert {
                rev: 5,
                item: incoming(popular),
            }],
            5,
            false,
        );
        store.blocking(|c| apply_page(c, &third, "t3")).unwrap();
        assert_eq!((found("v2"), found("manufacturing")), (1, 1));
        let counts: (u64, u64) = store
            .blocking(|c| {
                Ok(c.query_row(
                    "SELECT stars, downloads FROM catalog_models WHERE id = 'a'",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?)
            })
            .unwrap();
        assert_eq!(counts, (77, 1_000), "the changed columns are written");
        let hardware = |store: &Store| {
            store
                .blocking(|c| super::facets(c, &CatalogQuery::default()))
                .unwrap()
                .hardware
                .into_iter()
                .map(|h| (h.value, h.count))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            hardware(&store),
            [("Atlas 800T A2".to_owned(), 1)],
            "unchanged hardware is kept"
        );
        let mut moved = model("a", "alexnet-v2", "x");
        moved.hardware = vec!["Atlas 300I Duo".into()];
        let fourth = page(
            vec![Change::Upsert {
                rev: 6,
                item: incoming(moved),
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
        assert_eq!(hardware(&store), [("Atlas 300I Duo".to_owned(), 1)]);
    }

    #[test]
    fn a_relist_keeps_models_visible_until_it_ends_then_drops_what_the_center_no_longer_has() {
        let (_dir, store) = store_with(vec![model("a", "alexnet", "x"), model("b", "bert", "y")]);
        store.blocking(|c| begin_relist(c)).unwrap();
        let partial = page(
            vec![Change::Upsert {
                rev: 10,
                item: incoming(model("a", "alexnet", "x")),
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
                item: incoming(model("c", "crnn", "z")),
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
