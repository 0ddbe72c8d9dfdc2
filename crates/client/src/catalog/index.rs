//! The catalog's search index: a database of its own beside the store's,
//! attached to it as `search` (its table answers to `catalog_search`), and
//! the words a model is found and filtered by. What a model's words are is
//! said here once: as the sync writes them (`SearchChanges`), as a new
//! index is built from the catalog (`build`), and as a query asks for them
//! (`Filter::word`, `fts_expression`).

use std::path::{Path, PathBuf};

use aicc_api::catalog::Model;
use aicc_api::sync::Collection;
use rusqlite::{Connection, OptionalExtension, params};

use super::IncomingModel;
use crate::cursors;
use crate::error::Result;

/// The search index's own database, beside the store's (see `open`).
/// A new version here builds it anew from the catalog.
const SEARCH_VERSION: i64 = 1;

const SEARCH_SCHEMA: &str = include_str!("../../migrations/search.sql");

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
    /// No changes yet, bringing the index up to the feed's `cursor`.
    pub(super) fn up_to(cursor: u64) -> Self {
        Self {
            cursor,
            ..Self::default()
        }
    }

    /// Takes the model at `rowid` out of the index.
    pub(super) fn unindex(&mut self, rowid: i64) {
        self.unindexed.push(rowid);
    }

    /// Puts the model at `rowid` into the index (after `unindex` if it
    /// was there).
    pub(super) fn index(&mut self, rowid: i64, incoming: &IncomingModel) {
        let model = incoming.model();
        self.indexed.push((
            rowid,
            SearchEntry {
                name: model.name.clone(),
                task: model.task.clone(),
                domain: model.domain.clone(),
                provider: model.provider.clone(),
                tags: incoming.tags().to_owned(),
                filters: incoming.filters().to_owned(),
            },
        ));
    }

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
        set_cursor(conn, self.cursor)
    }
}

/// The words besides name, task, domain and provider a model is found by:
/// industries, hardware, framework, licence, benchmark datasets (as
/// migration 0005 builds them for models synced before).
pub(super) fn search_tags(model: &Model) -> String {
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

/// The filters the search index keeps a word for, so that a filtered
/// count stays inside the index. A filter's word is its letter and the
/// value's bytes in upper-case hex (as SQLite's `hex` writes them, which
/// `build` uses): one exact word per value, whatever the value holds.
#[derive(Debug, Clone, Copy)]
pub(super) enum Filter {
    Task,
    Domain,
    Framework,
    License,
    Hardware,
}

impl Filter {
    fn letter(self) -> char {
        match self {
            Filter::Task => 't',
            Filter::Domain => 'd',
            Filter::Framework => 'f',
            Filter::License => 'l',
            Filter::Hardware => 'h',
        }
    }

    /// The one word the search index keeps for this filter's `value`.
    pub(super) fn word(self, value: &str) -> String {
        use std::fmt::Write as _;
        let mut word = String::with_capacity(1 + 2 * value.len());
        word.push(self.letter());
        for byte in value.bytes() {
            let _ = write!(word, "{byte:02X}");
        }
        word
    }

    /// The same word, made by SQL from the catalog's `column`.
    fn word_sql(self, column: &str) -> String {
        format!("'{}' || hex({column})", self.letter())
    }
}

/// The words a model is filtered by.
pub(super) fn filter_words(model: &Model) -> String {
    [
        Filter::Task.word(&model.task),
        Filter::Domain.word(&model.domain),
        Filter::Framework.word(model.framework.as_str()),
        Filter::License.word(&model.license),
    ]
    .into_iter()
    .chain(model.hardware.iter().map(|h| Filter::Hardware.word(h)))
    .collect::<Vec<_>>()
    .join(" ")
}

/// Every word must match the start of a word in the name, task, domain,
/// provider or tags (never the filters' words); quotes and operators are
/// plain text.
pub(super) fn fts_expression(text: &str) -> Option<String> {
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

/// Where the search index of the store at `path` lives.
pub fn path(path: &Path) -> PathBuf {
    path.with_extension("search.sqlite3")
}

/// Attaches the search index's database as `search` (its table answers to
/// `catalog_search`), and builds it from the catalog when it is new, of an
/// older version, or not at the catalog's cursor: its writes run beside
/// the catalog's and commit after them, so a crash between the two leaves
/// it behind, and it is caught up here.
pub fn open(conn: &mut Connection, path: &Path) -> Result<()> {
    conn.execute("ATTACH DATABASE ?1 AS search", [path.display().to_string()])?;
    // As the store's own (`Store::open`): each attached database has its own.
    conn.pragma_update(Some("search"), "journal_mode", "WAL")?;
    conn.pragma_update(Some("search"), "synchronous", "NORMAL")?;
    let version: i64 = conn.pragma_query_value(Some("search"), "user_version", |r| r.get(0))?;
    let current = version == SEARCH_VERSION
        && indexed_up_to(conn)? == cursors::cursor(conn, Collection::Catalog)?.map(|(rev, _)| rev);
    if !current {
        build(conn)?;
    }
    Ok(())
}

/// Lets go of an index that could not be opened, so that its files can be
/// removed and it can be built anew.
pub fn detach(conn: &mut Connection) -> Result<()> {
    let attached: bool = conn.query_row(
        "SELECT count(*) FROM pragma_database_list WHERE name = 'search'",
        [],
        |r| r.get(0),
    )?;
    if attached {
        conn.execute("DETACH DATABASE search", [])?;
    }
    Ok(())
}

/// The search index's database anew, filled from the catalog.
pub fn build(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction()?;
    tx.execute_batch(
        "DROP TABLE IF EXISTS search.catalog_search;
         DROP TABLE IF EXISTS search.catalog_search_cursor;",
    )?;
    tx.execute_batch(SEARCH_SCHEMA)?;
    // The filter words as `filter_words` makes them.
    tx.execute_batch(&format!(
        "INSERT INTO catalog_search (rowid, name, task, domain, provider, tags, filters)
         SELECT rowid, name, task, domain, provider, tags,
                concat_ws(' ', {task}, {domain}, {framework}, {license},
                          (SELECT group_concat({hardware}, ' ')
                           FROM catalog_hardware h WHERE h.model_rowid = m.rowid))
         FROM catalog_models m;
         INSERT INTO catalog_search_cursor (rev)
         SELECT rev FROM sync_cursors WHERE collection = '{catalog}';
         PRAGMA search.user_version = {SEARCH_VERSION};",
        task = Filter::Task.word_sql("task"),
        domain = Filter::Domain.word_sql("domain"),
        framework = Filter::Framework.word_sql("framework"),
        license = Filter::License.word_sql("license"),
        hardware = Filter::Hardware.word_sql("hardware"),
        catalog = Collection::Catalog.as_str()
    ))?;
    tx.commit()?;
    Ok(())
}

/// A connection that writes the search index beside the store's.
pub fn indexer(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(crate::store::BUSY_PATIENCE)?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "cache_size", -INDEXER_CACHE_KIB)?;
    Ok(conn)
}

/// The page cache of the connection writing the search index while a sync
/// runs (it is closed after).
const INDEXER_CACHE_KIB: i64 = 16_000;

/// The catalog cursor the search index is at.
fn indexed_up_to(conn: &Connection) -> Result<Option<u64>> {
    Ok(conn
        .query_row("SELECT rev FROM catalog_search_cursor", [], |r| r.get(0))
        .optional()?)
}

/// Moves the search index's cursor; call inside the transaction that wrote
/// the changes up to it.
fn set_cursor(conn: &Connection, rev: u64) -> Result<()> {
    conn.execute("DELETE FROM catalog_search_cursor", [])?;
    conn.execute("INSERT INTO catalog_search_cursor (rev) VALUES (?1)", [rev])?;
    Ok(())
}
