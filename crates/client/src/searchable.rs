//! Synced collections the user searches as they type, offline too: a
//! collection is a few declarations ([`Searchable`]: its feed, the name
//! it is sorted by, the words it is found by, the values it is filtered
//! by), and this module keeps its feed pages, searches it, counts its
//! filters and reads its items — the directory of certified solutions
//! (`directory.rs`), the center's courses and the engineers'
//! certifications (`talent.rs`) are.
//!
//! The catalog keeps its own tables and index (`catalog/`): at 100,000
//! models a first sync writes its index on a second thread beside the
//! rows; a collection of tens of thousands needs none of that.
//!
//! An item's rowid puts it in its collection's name order (`place`): its
//! collection's own range of rowids, with room between neighbours, so a
//! search reads its page as the first matches by rowid, straight from the
//! full-text index or a filter's, instead of sorting every match.
//!
//! Chinese has no spaces between its words: each Han character is
//! written to the index as a word of its own, and what is typed is asked
//! as a phrase of them, so any part of a Chinese name finds it.

use std::collections::HashMap;
use std::rc::Rc;

use aicc_api::sync::{Change, ChangePage, Collection};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::cursors;
use crate::error::Result;

/// A synced collection searched locally.
pub trait Searchable: Serialize + DeserializeOwned {
    /// Its change feed.
    const COLLECTION: Collection;
    /// Its filters, by name.
    const FACETS: &'static [&'static str];
    fn id(&self) -> &str;
    /// What it is sorted by.
    fn name(&self) -> &str;
    /// The texts it is found by.
    fn words(&self) -> Vec<&str>;
    /// Its value (or values) of each filter, by the filter's name.
    fn facets(&self) -> Vec<(&'static str, String)>;
}

/// A search: words typed, and filters by name and value (all must hold).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct Search {
    pub text: String,
    pub filters: Vec<Filter>,
    pub offset: u32,
    pub limit: u32,
}

/// One filter: the items whose `facet` holds `value`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Filter {
    pub facet: String,
    pub value: String,
}

/// The most items a page of results holds.
pub const MAX_PAGE: u32 = 200;

/// A page of results and how many match in all.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Found<T> {
    pub total: u32,
    pub items: Vec<T>,
}

/// How many of the matching items hold each value of a filter, most first.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FacetCounts {
    pub facet: String,
    pub values: Vec<ValueCount>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ValueCount {
    pub value: String,
    pub count: u32,
}

/// Applies a page of `T`'s feed and its cursor in one transaction.
pub fn apply_page<T: Searchable>(
    conn: &mut Connection,
    page: &ChangePage<T>,
    synced_at: &str,
) -> Result<usize> {
    let tx = conn.transaction()?;
    apply_changes(&tx, &page.changes)?;
    cursors::set_cursor(&tx, T::COLLECTION, page.next, synced_at)?;
    tx.commit()?;
    Ok(page.changes.len())
}

/// Applies changes of `T`'s feed, for a collection that does more with
/// its pages (notifications) in the same transaction.
pub fn apply_changes<T: Searchable>(conn: &Connection, changes: &[Change<T>]) -> Result<()> {
    for change in changes {
        match change {
            Change::Upsert { item, .. } => put(conn, item)?,
            Change::Tombstone { id, .. } => remove(conn, T::COLLECTION, id)?,
        }
    }
    Ok(())
}

/// Keeps `item` as the center sent it, in place of what was kept of it.
pub fn put<T: Searchable>(conn: &Connection, item: &T) -> Result<()> {
    remove(conn, T::COLLECTION, item.id())?;
    insert(conn, item)
}

fn remove(conn: &Connection, collection: Collection, id: &str) -> Result<()> {
    let rowid: Option<i64> = conn
        .prepare_cached("SELECT rowid FROM searchable WHERE collection = ?1 AND id = ?2")?
        .query_row(params![collection.as_str(), id], |r| r.get(0))
        .optional()?;
    if let Some(rowid) = rowid {
        resize(conn, collection, -1)?;
        for table in ["searchable_words", "searchable_bodies", "searchable"] {
            conn.prepare_cached(&format!("DELETE FROM {table} WHERE rowid = ?1"))?
                .execute([rowid])?;
        }
        conn.prepare_cached("DELETE FROM searchable_facets WHERE item = ?1")?
            .execute([rowid])?;
    }
    Ok(())
}

fn insert<T: Searchable>(conn: &Connection, item: &T) -> Result<()> {
    match place(conn, T::COLLECTION, item.name(), item.id())? {
        Some(rowid) => insert_at(conn, item, rowid),
        None => {
            renumber::<T>(conn)?;
            let rowid = place(conn, T::COLLECTION, item.name(), item.id())?
                .ok_or_else(|| crate::Error::InvalidInput("no room in the search index".into()))?;
            insert_at(conn, item, rowid)
        }
    }
}

fn insert_at<T: Searchable>(conn: &Connection, item: &T, rowid: i64) -> Result<()> {
    let collection = T::COLLECTION.as_str();
    conn.prepare_cached(
        "INSERT INTO searchable (rowid, collection, id, name) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![rowid, collection, item.id(), item.name()])?;
    resize(conn, T::COLLECTION, 1)?;
    conn.prepare_cached("INSERT INTO searchable_bodies (rowid, body) VALUES (?1, ?2)")?
        .execute(params![rowid, serde_json::to_string(item)?])?;
    let words: Vec<String> = item.words().into_iter().map(spaced).collect();
    conn.prepare_cached("INSERT INTO searchable_words (rowid, words) VALUES (?1, ?2)")?
        .execute(params![rowid, words.join(" ")])?;
    let mut facet = conn.prepare_cached(
        "INSERT OR IGNORE INTO searchable_facets (collection, facet, value, item) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (name, value) in item.facets() {
        facet.execute(params![collection, name, value, rowid])?;
    }
    Ok(())
}

/// The room left between neighbours when a collection is numbered anew,
/// and after its last item.
const GAP: i64 = 1 << 20;

/// The rowids of `collection`: a range of its own (2^56 wide), after the
/// one for collections that do not exist yet.
fn range(collection: Collection) -> (i64, i64) {
    let n = Collection::ALL
        .iter()
        .position(|c| *c == collection)
        .unwrap_or(0) as i64;
    ((n + 1) << 56, (n + 2) << 56)
}

/// The rowid that puts an item named `name` (and `id`, between equal
/// names) in its collection's name order, as the name index orders it;
/// `None` when its neighbours leave no room between them.
fn place(conn: &Connection, collection: Collection, name: &str, id: &str) -> Result<Option<i64>> {
    let (low, high) = range(collection);
    let before: Option<i64> = conn
        .prepare_cached(
            "SELECT rowid FROM searchable WHERE collection = ?1 AND (name < ?2 OR (name = ?2 AND id < ?3))
             ORDER BY name DESC, id DESC LIMIT 1",
        )?
        .query_row(params![collection.as_str(), name, id], |r| r.get(0))
        .optional()?;
    let after: Option<i64> = conn
        .prepare_cached(
            "SELECT rowid FROM searchable WHERE collection = ?1 AND (name > ?2 OR (name = ?2 AND id > ?3))
             ORDER BY name, id LIMIT 1",
        )?
        .query_row(params![collection.as_str(), name, id], |r| r.get(0))
        .optional()?;
    let (before, after) = (before.unwrap_or(low), after.unwrap_or(high));
    Ok(if after == high && before + GAP < high {
        Some(before + GAP)
    } else {
        (after - before >= 2).then(|| before + (after - before) / 2)
    })
}

/// Numbers a collection's items anew in name order, `GAP` apart: when
/// items kept arriving between the same two neighbours.
fn renumber<T: Searchable>(conn: &Connection) -> Result<()> {
    let ids: Vec<String> = conn
        .prepare_cached("SELECT id FROM searchable WHERE collection = ?1 ORDER BY name, id")?
        .query_map([T::COLLECTION.as_str()], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut items = Vec::with_capacity(ids.len());
    for id in &ids {
        if let Some(item) = get::<T>(conn, id)? {
            items.push(item);
        }
        remove(conn, T::COLLECTION, id)?;
    }
    let (low, _) = range(T::COLLECTION);
    for (n, item) in items.iter().enumerate() {
        insert_at(conn, item, low + (n as i64 + 1) * GAP)?;
    }
    Ok(())
}

fn resize(conn: &Connection, collection: Collection, by: i64) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO searchable_sizes (collection, items) VALUES (?1, ?2)
         ON CONFLICT (collection) DO UPDATE SET items = items + excluded.items",
    )?
    .execute(params![collection.as_str(), by])?;
    Ok(())
}

/// Whether `c` is a Han character: a word of its own in the index.
fn is_han(c: char) -> bool {
    matches!(c,
        '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{2FA1F}')
}

/// `text` with a space on each side of every Han character.
fn spaced(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        if is_han(c) {
            out.push(' ');
            out.push(c);
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

/// What was typed as a full-text expression: every word typed must start
/// a word of the item (Chinese: its characters in a row); quotes and
/// operators are plain text.
fn expression(text: &str) -> Option<String> {
    let phrases: Vec<String> = text
        .split_whitespace()
        .filter_map(|typed| {
            let tokens: Vec<String> = spaced(typed)
                .split(|c: char| !c.is_alphanumeric())
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect();
            (!tokens.is_empty()).then(|| format!("\"{}\"*", tokens.join(" ")))
        })
        .collect();
    (!phrases.is_empty()).then(|| phrases.join(" AND "))
}

/// The items of `collection` a search matches, by rowid in ascending
/// order; `None` when it asks for nothing, so every item matches. Each
/// part is read in rowid order through its own index (the words, each
/// filter's values) and the lists are merged here: asked in one
/// statement, SQLite looks each match of one part up in the others.
fn matching(
    conn: &Connection,
    collection: Collection,
    search: &Search,
) -> Result<Option<Vec<i64>>> {
    let mut lists: Vec<Vec<i64>> = Vec::new();
    if let Some(expression) = expression(&search.text) {
        let (low, high) = range(collection);
        lists.push(
            conn.prepare_cached(
                "SELECT rowid FROM searchable_words
                 WHERE searchable_words MATCH ?1 AND rowid > ?2 AND rowid < ?3 ORDER BY rowid",
            )?
            .query_map(params![expression, low, high], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?,
        );
    }
    for filter in &search.filters {
        lists.push(
            conn.prepare_cached(
                "SELECT item FROM searchable_facets
                 WHERE collection = ?1 AND facet = ?2 AND value = ?3 ORDER BY item",
            )?
            .query_map(
                params![collection.as_str(), filter.facet, filter.value],
                |r| r.get(0),
            )?
            .collect::<rusqlite::Result<_>>()?,
        );
    }
    lists.sort_by_key(Vec::len);
    let mut lists = lists.into_iter();
    Ok(lists.next().map(|shortest| {
        lists.fold(shortest, |kept, other| {
            kept.into_iter()
                .filter(|rowid| other.binary_search(rowid).is_ok())
                .collect()
        })
    }))
}

/// The rowids as a table SQLite reads (`rarray(?)`).
fn as_table(rowids: &[i64]) -> Rc<Vec<Value>> {
    Rc::new(rowids.iter().copied().map(Value::from).collect())
}

/// Matches of the words typed read at once: fewer, and the read has
/// counted them too; as many, and they are counted apart (the full-text
/// index then has many to step over, the first page being at hand).
const FIRST_READ: i64 = 1_000;

/// A page of `T`s matching `search`, by name: the first matches by
/// rowid, which is name order.
pub fn search<T: Searchable>(conn: &Connection, search: &Search) -> Result<Found<T>> {
    let (low, high) = range(T::COLLECTION);
    let limit = i64::from(search.limit.clamp(1, MAX_PAGE));
    let offset = i64::from(search.offset);
    let expression = expression(&search.text);
    let (total, rowids): (u32, Vec<i64>) = match (&expression, search.filters.is_empty()) {
        (None, true) => {
            let rowids = conn
                .prepare_cached(
                    "SELECT rowid FROM searchable WHERE rowid > ?1 AND rowid < ?2
                     ORDER BY rowid LIMIT ?3 OFFSET ?4",
                )?
                .query_map(params![low, high, limit, offset], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            (count(conn, T::COLLECTION)?, rowids)
        }
        (Some(expression), true) => {
            // Up to FIRST_READ matches are read in one pass, which then
            // also says how many there are; more are counted apart.
            let first: Vec<i64> = conn
                .prepare_cached(
                    "SELECT rowid FROM searchable_words
                     WHERE searchable_words MATCH ?1 AND rowid > ?2 AND rowid < ?3
                     ORDER BY rowid LIMIT ?4",
                )?
                .query_map(
                    params![expression, low, high, FIRST_READ.max(offset + limit)],
                    |r| r.get(0),
                )?
                .collect::<rusqlite::Result<_>>()?;
            let total = if (first.len() as i64) < FIRST_READ.max(offset + limit) {
                first.len() as u32
            } else {
                conn.prepare_cached(
                    "SELECT count(*) FROM searchable_words
                     WHERE searchable_words MATCH ?1 AND rowid > ?2 AND rowid < ?3",
                )?
                .query_row(params![expression, low, high], |r| r.get(0))?
            };
            let page = first
                .into_iter()
                .skip(offset as usize)
                .take(limit as usize)
                .collect();
            (total, page)
        }
        (None, false) if search.filters.len() == 1 => {
            let filter = &search.filters[0];
            let key = params![T::COLLECTION.as_str(), filter.facet, filter.value];
            let total = conn
                .prepare_cached(
                    "SELECT count(*) FROM searchable_facets
                     WHERE collection = ?1 AND facet = ?2 AND value = ?3",
                )?
                .query_row(key, |r| r.get(0))?;
            let rowids = conn
                .prepare_cached(
                    "SELECT item FROM searchable_facets
                     WHERE collection = ?1 AND facet = ?2 AND value = ?3
                     ORDER BY item LIMIT ?4 OFFSET ?5",
                )?
                .query_map(
                    params![
                        T::COLLECTION.as_str(),
                        filter.facet,
                        filter.value,
                        limit,
                        offset
                    ],
                    |r| r.get(0),
                )?
                .collect::<rusqlite::Result<_>>()?;
            (total, rowids)
        }
        (_, false) => {
            let matches = matching(conn, T::COLLECTION, search)?.unwrap_or_default();
            let page = matches
                .iter()
                .skip(offset as usize)
                .take(limit as usize)
                .copied()
                .collect();
            (matches.len() as u32, page)
        }
    };
    let bodies = conn
        .prepare_cached("SELECT rowid, body FROM searchable_bodies WHERE rowid IN rarray(?1)")?
        .query_map([as_table(&rowids)], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<rusqlite::Result<HashMap<i64, String>>>()?;
    let items = rowids
        .iter()
        .filter_map(|rowid| bodies.get(rowid))
        .map(|body| Ok(serde_json::from_str(body)?))
        .collect::<Result<_>>()?;
    Ok(Found { total, items })
}

/// How many items matching `search` hold each value of each of `T`'s
/// filters (the search's own filters applied, its paging not). Counted
/// by SQLite over the fewer of the matches and the rest: the counts of
/// many matches are those of the whole collection less the rest's.
pub fn facets<T: Searchable>(conn: &Connection, search: &Search) -> Result<Vec<FacetCounts>> {
    let collection = T::COLLECTION.as_str();
    let (low, high) = range(T::COLLECTION);
    let matches = matching(conn, T::COLLECTION, search)?;
    let size = count(conn, T::COLLECTION)? as usize;
    let all = |facet: &str| -> Result<HashMap<String, u32>> {
        Ok(conn
            .prepare_cached(
                "SELECT value, count(*) FROM searchable_facets
                 WHERE collection = ?1 AND facet = ?2 GROUP BY value",
            )?
            .query_map(params![collection, facet], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?)
    };
    let among = |facet: &str, items: &[i64]| -> Result<HashMap<String, u32>> {
        Ok(conn
            .prepare_cached(
                "SELECT value, count(*) FROM searchable_facets
                 WHERE item IN rarray(?1) AND collection = ?2 AND facet = ?3 GROUP BY value",
            )?
            .query_map(params![as_table(items), collection, facet], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .collect::<rusqlite::Result<_>>()?)
    };
    let rest = match &matches {
        Some(matches) if matches.len() * 2 > size => {
            let every: Vec<i64> = conn
                .prepare_cached(
                    "SELECT rowid FROM searchable WHERE rowid > ?1 AND rowid < ?2 ORDER BY rowid",
                )?
                .query_map(params![low, high], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            Some(
                every
                    .into_iter()
                    .filter(|rowid| matches.binary_search(rowid).is_err())
                    .collect::<Vec<i64>>(),
            )
        }
        _ => None,
    };
    let mut counted = Vec::with_capacity(T::FACETS.len());
    for facet in T::FACETS {
        let values = match (&matches, &rest) {
            (None, _) => all(facet)?,
            (Some(_), Some(rest)) => {
                let mut values = all(facet)?;
                for (value, less) in among(facet, rest)? {
                    if let Some(count) = values.get_mut(&value) {
                        *count -= less;
                    }
                }
                values.retain(|_, count| *count > 0);
                values
            }
            (Some(matches), None) => among(facet, matches)?,
        };
        let mut values: Vec<ValueCount> = values
            .into_iter()
            .map(|(value, count)| ValueCount { value, count })
            .collect();
        values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        counted.push(FacetCounts {
            facet: (*facet).to_owned(),
            values,
        });
    }
    Ok(counted)
}

/// One item, if the collection holds it.
pub fn get<T: Searchable>(conn: &Connection, id: &str) -> Result<Option<T>> {
    conn.prepare_cached(
        "SELECT b.body FROM searchable s JOIN searchable_bodies b ON b.rowid = s.rowid
         WHERE s.collection = ?1 AND s.id = ?2",
    )?
    .query_row(params![T::COLLECTION.as_str(), id], |r| {
        r.get::<_, String>(0)
    })
    .optional()?
    .map(|body| Ok(serde_json::from_str(&body)?))
    .transpose()
}

/// Every item of the collection, by name.
pub fn every<T: Searchable>(conn: &Connection) -> Result<Vec<T>> {
    let (low, high) = range(T::COLLECTION);
    let bodies: Vec<String> = conn
        .prepare_cached(
            "SELECT body FROM searchable_bodies WHERE rowid > ?1 AND rowid < ?2 ORDER BY rowid",
        )?
        .query_map(params![low, high], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    bodies
        .iter()
        .map(|body| Ok(serde_json::from_str(body)?))
        .collect()
}

/// How many items the collection holds.
pub fn count(conn: &Connection, collection: Collection) -> Result<u32> {
    Ok(conn
        .prepare_cached("SELECT items FROM searchable_sizes WHERE collection = ?1")?
        .query_row([collection.as_str()], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_is_found_by_any_part_and_english_by_the_start_of_a_word() {
        assert_eq!(spaced("RailEye轨道巡检"), "RailEye 轨  道  巡  检 ");
        assert_eq!(expression("巡检").as_deref(), Some("\"巡 检\"*"));
        assert_eq!(
            expression("rail \"weld\" OR").as_deref(),
            Some("\"rail\"* AND \"weld\"* AND \"OR\"*")
        );
        assert_eq!(expression(" \" ( ) "), None);
    }

    #[test]
    fn items_arriving_between_the_same_neighbours_keep_name_order() {
        use aicc_api::directory::Solution;
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(&dir.path().join("store.sqlite3")).unwrap();
        let named = |n: usize, name: &str| {
            crate::directory::tests::solution(n, name, "rail inspection", "7")
        };
        // "B 99", "B 98", … each lands just after "A": the room there halves
        // every time until the collection is numbered anew.
        let mut changes = vec![
            Change::Upsert {
                rev: 1,
                item: named(1, "A"),
            },
            Change::Upsert {
                rev: 2,
                item: named(2, "C"),
            },
        ];
        for n in 0..40 {
            changes.push(Change::Upsert {
                rev: 3 + n as u64,
                item: named(3 + n, &format!("B {:02}", 99 - n)),
            });
        }
        let page = ChangePage {
            changes,
            next: 42,
            more: false,
            remaining: 0,
        };
        store
            .blocking(move |c| apply_page(c, &page, "2026-12-06T12:00:00Z"))
            .unwrap();
        let all = Search {
            limit: MAX_PAGE,
            ..Search::default()
        };
        let found: Found<Solution> = store.blocking(move |c| search(c, &all)).unwrap();
        let names: Vec<String> = found.items.into_iter().map(|s| s.name).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(found.total, 42);
        assert_eq!(names, sorted);
        let words = Search {
            text: "B".into(),
            offset: 10,
            limit: 3,
            ..Search::default()
        };
        let found: Found<Solution> = store.blocking(move |c| search(c, &words)).unwrap();
        assert_eq!(found.total, 40);
        let names: Vec<String> = found.items.into_iter().map(|s| s.name).collect();
        assert_eq!(names, ["B 70", "B 71", "B 72"]);
    }
}
