//! Synced collections the user searches as they type, offline too: a
//! collection is a few declarations ([`Searchable`]: its feed, the name
//! it is sorted by, the words it is found by, the values it is filtered
//! by), and this module keeps its feed pages, searches it, counts its
//! filters and reads its items — the directory of certified solutions
//! (`directory.rs`) is one.
//!
//! The catalog keeps its own tables and index (`catalog/`): at 100,000
//! models a first sync writes its index on a second thread beside the
//! rows; a collection of tens of thousands needs none of that.
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
    for change in &page.changes {
        match change {
            Change::Upsert { item, .. } => {
                remove(&tx, T::COLLECTION, item.id())?;
                insert(&tx, item)?;
            }
            Change::Tombstone { id, .. } => remove(&tx, T::COLLECTION, id)?,
        }
    }
    cursors::set_cursor(&tx, T::COLLECTION, page.next, synced_at)?;
    tx.commit()?;
    Ok(page.changes.len())
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
    let collection = T::COLLECTION.as_str();
    conn.prepare_cached("INSERT INTO searchable (collection, id, name) VALUES (?1, ?2, ?3)")?
        .execute(params![collection, item.id(), item.name()])?;
    let rowid = conn.last_insert_rowid();
    resize(conn, T::COLLECTION, 1)?;
    conn.prepare_cached("INSERT INTO searchable_bodies (rowid, body) VALUES (?1, ?2)")?
        .execute(params![rowid, serde_json::to_string(item)?])?;
    let words: Vec<String> = item.words().into_iter().map(spaced).collect();
    conn.prepare_cached(
        "INSERT INTO searchable_words (rowid, collection, words) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![rowid, collection, words.join(" ")])?;
    let mut facet = conn.prepare_cached(
        "INSERT OR IGNORE INTO searchable_facets (collection, facet, value, item) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (name, value) in item.facets() {
        facet.execute(params![collection, name, value, rowid])?;
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
        let scoped = format!(
            "collection : \"{}\" AND words : ({expression})",
            collection.as_str()
        );
        lists.push(
            conn.prepare_cached(
                "SELECT rowid FROM searchable_words WHERE searchable_words MATCH ?1 ORDER BY rowid",
            )?
            .query_map([scoped], |r| r.get(0))?
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

/// A page is read by walking the name index and keeping the matches when
/// at least one item in this many matches; fewer matches are sorted by
/// SQLite, which then costs less than stepping over the rest.
const WALK_WHEN_ONE_IN: usize = 8;

/// A page of `T`s matching `search`, by name.
pub fn search<T: Searchable>(conn: &Connection, search: &Search) -> Result<Found<T>> {
    let collection = T::COLLECTION.as_str();
    let limit = i64::from(search.limit.clamp(1, MAX_PAGE));
    let offset = i64::from(search.offset);
    let size = count(conn, T::COLLECTION)? as usize;
    let (total, rowids): (usize, Vec<i64>) = match matching(conn, T::COLLECTION, search)? {
        None => {
            let rowids = conn
                .prepare_cached(
                    "SELECT rowid FROM searchable WHERE collection = ?1
                     ORDER BY name, rowid LIMIT ?2 OFFSET ?3",
                )?
                .query_map(params![collection, limit, offset], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            (size, rowids)
        }
        Some(matches) if matches.len() * WALK_WHEN_ONE_IN >= size => {
            let mut walk = conn.prepare_cached(
                "SELECT rowid FROM searchable WHERE collection = ?1 ORDER BY name, rowid",
            )?;
            let mut rows = walk.query([collection])?;
            let mut page = Vec::new();
            let mut skipped = 0;
            while (page.len() as i64) < limit {
                let Some(row) = rows.next()? else { break };
                let rowid: i64 = row.get(0)?;
                if matches.binary_search(&rowid).is_err() {
                    continue;
                }
                if skipped < offset {
                    skipped += 1;
                } else {
                    page.push(rowid);
                }
            }
            (matches.len(), page)
        }
        Some(matches) => {
            let page = conn
                .prepare_cached(
                    "SELECT rowid FROM searchable WHERE rowid IN rarray(?1)
                     ORDER BY name, rowid LIMIT ?2 OFFSET ?3",
                )?
                .query_map(params![as_table(&matches), limit, offset], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            (matches.len(), page)
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
    Ok(Found {
        total: total as u32,
        items,
    })
}

/// Matches this many or fewer have their filters' values looked up one by
/// one; more, and each filter's values are read whole and counted.
const COUNT_BY_ITEM_UP_TO: usize = 5_000;

/// How many items matching `search` hold each value of each of `T`'s
/// filters (the search's own filters applied, its paging not).
pub fn facets<T: Searchable>(conn: &Connection, search: &Search) -> Result<Vec<FacetCounts>> {
    let collection = T::COLLECTION.as_str();
    let matches = matching(conn, T::COLLECTION, search)?;
    let mut counted: Vec<FacetCounts> = Vec::new();
    for facet in T::FACETS {
        let mut values: Vec<ValueCount> = match &matches {
            Some(matches) if matches.len() <= COUNT_BY_ITEM_UP_TO => conn
                .prepare_cached(
                    "SELECT value, count(*) FROM searchable_facets
                     WHERE item IN rarray(?1) AND collection = ?2 AND facet = ?3 GROUP BY value",
                )?
                .query_map(params![as_table(matches), collection, facet], |r| {
                    Ok(ValueCount {
                        value: r.get(0)?,
                        count: r.get(1)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?,
            Some(matches) => {
                let mut values: HashMap<String, u32> = HashMap::new();
                let mut read = conn.prepare_cached(
                    "SELECT value, item FROM searchable_facets WHERE collection = ?1 AND facet = ?2",
                )?;
                let mut rows = read.query(params![collection, facet])?;
                while let Some(row) = rows.next()? {
                    if matches.binary_search(&row.get::<_, i64>(1)?).is_err() {
                        continue;
                    }
                    let value = row.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?;
                    match values.get_mut(value) {
                        Some(count) => *count += 1,
                        None => {
                            values.insert(value.to_owned(), 1);
                        }
                    }
                }
                values
                    .into_iter()
                    .map(|(value, count)| ValueCount { value, count })
                    .collect()
            }
            None => conn
                .prepare_cached(
                    "SELECT value, count(*) FROM searchable_facets
                     WHERE collection = ?1 AND facet = ?2 GROUP BY value",
                )?
                .query_map(params![collection, facet], |r| {
                    Ok(ValueCount {
                        value: r.get(0)?,
                        count: r.get(1)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?,
        };
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
}
