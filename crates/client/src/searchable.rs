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

use std::collections::BTreeMap;

use aicc_api::sync::{Change, ChangePage, Collection};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};
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
        conn.prepare_cached("DELETE FROM searchable_words WHERE rowid = ?1")?
            .execute([rowid])?;
        conn.prepare_cached("DELETE FROM searchable_facets WHERE item = ?1")?
            .execute([rowid])?;
        conn.prepare_cached("DELETE FROM searchable WHERE rowid = ?1")?
            .execute([rowid])?;
    }
    Ok(())
}

fn insert<T: Searchable>(conn: &Connection, item: &T) -> Result<()> {
    let collection = T::COLLECTION.as_str();
    conn.prepare_cached(
        "INSERT INTO searchable (collection, id, name, body) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        collection,
        item.id(),
        item.name(),
        serde_json::to_string(item)?
    ])?;
    let rowid = conn.last_insert_rowid();
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

/// The conditions on `searchable s` that select what a search matches,
/// and their values.
fn matching(collection: Collection, text: &str, filters: &[Filter]) -> (String, Vec<Value>) {
    let mut clauses = vec!["s.collection = ?".to_owned()];
    let mut values = vec![Value::Text(collection.as_str().to_owned())];
    if let Some(expression) = expression(text) {
        clauses.push(
            "s.rowid IN (SELECT rowid FROM searchable_words WHERE searchable_words MATCH ?)"
                .to_owned(),
        );
        values.push(Value::Text(expression));
    }
    for filter in filters {
        clauses.push(
            "s.rowid IN (SELECT item FROM searchable_facets
                         WHERE collection = ? AND facet = ? AND value = ?)"
                .to_owned(),
        );
        values.extend([
            Value::Text(collection.as_str().to_owned()),
            Value::Text(filter.facet.clone()),
            Value::Text(filter.value.clone()),
        ]);
    }
    (clauses.join(" AND "), values)
}

/// A page of `T`s matching `search`, by name.
pub fn search<T: Searchable>(conn: &Connection, search: &Search) -> Result<Found<T>> {
    let (clause, values) = matching(T::COLLECTION, &search.text, &search.filters);
    let total: u32 = conn
        .prepare_cached(&format!("SELECT count(*) FROM searchable s WHERE {clause}"))?
        .query_row(params_from_iter(values.iter()), |r| r.get(0))?;
    let limit = search.limit.clamp(1, MAX_PAGE);
    let mut page_values = values;
    page_values.extend([
        Value::Integer(i64::from(limit)),
        Value::Integer(i64::from(search.offset)),
    ]);
    let items = conn
        .prepare_cached(&format!(
            "SELECT s.body FROM searchable s WHERE {clause} ORDER BY s.name, s.rowid LIMIT ? OFFSET ?"
        ))?
        .query_map(params_from_iter(page_values.iter()), |r| r.get::<_, String>(0))?
        .map(|body| Ok(serde_json::from_str(&body?)?))
        .collect::<Result<_>>()?;
    Ok(Found { total, items })
}

/// How many items matching `search` hold each value of each of `T`'s
/// filters (the search's own filters applied, its paging not).
pub fn facets<T: Searchable>(conn: &Connection, search: &Search) -> Result<Vec<FacetCounts>> {
    let (clause, mut values) = matching(T::COLLECTION, &search.text, &search.filters);
    values.insert(0, Value::Text(T::COLLECTION.as_str().to_owned()));
    let rows: Vec<(String, String, u32)> = conn
        .prepare_cached(&format!(
            "SELECT f.facet, f.value, count(*) FROM searchable_facets f
             WHERE f.collection = ? AND f.item IN (SELECT s.rowid FROM searchable s WHERE {clause})
             GROUP BY f.facet, f.value"
        ))?
        .query_map(params_from_iter(values.iter()), |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut by_facet: BTreeMap<String, Vec<ValueCount>> = BTreeMap::new();
    for (facet, value, count) in rows {
        by_facet
            .entry(facet)
            .or_default()
            .push(ValueCount { value, count });
    }
    Ok(T::FACETS
        .iter()
        .map(|facet| {
            let mut values = by_facet.remove(*facet).unwrap_or_default();
            values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
            FacetCounts {
                facet: (*facet).to_owned(),
                values,
            }
        })
        .collect())
}

/// One item, if the collection holds it.
pub fn get<T: Searchable>(conn: &Connection, id: &str) -> Result<Option<T>> {
    conn.prepare_cached("SELECT body FROM searchable WHERE collection = ?1 AND id = ?2")?
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
        .prepare_cached("SELECT count(*) FROM searchable WHERE collection = ?1")?
        .query_row([collection.as_str()], |r| r.get(0))?)
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
