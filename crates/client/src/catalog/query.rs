//! Local search: which models match (`filters`, the full-text expression),
//! how they are ranked, and whether a page walks an index of its order or
//! sorts the matches; the counts per filter value; one model's page.

use aicc_api::catalog::{Framework, Model};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params_from_iter};

use super::index::{Filter, fts_expression};
use super::ingest::has_index;
use super::{CatalogQuery, FacetCount, Facets, ModelPage, ModelSummary, SearchPage, Sort};
use crate::error::Result;

/// A query's filters: as conditions on the model rows, and as the search
/// index's filter words for those it keeps (all but the parameter range
/// and favourites, which stay conditions on the rows).
pub(super) struct Filters {
    pub(super) rows: Vec<&'static str>,
    pub(super) row_values: Vec<Value>,
    words: Vec<String>,
    unindexed: Vec<&'static str>,
    unindexed_values: Vec<Value>,
}

pub(super) fn filters(query: &CatalogQuery) -> Filters {
    let mut f = Filters {
        rows: Vec::new(),
        row_values: Vec::new(),
        words: Vec::new(),
        unindexed: Vec::new(),
        unindexed_values: Vec::new(),
    };
    let indexed = [
        ("m.task = ?", Filter::Task, query.task.as_deref()),
        ("m.domain = ?", Filter::Domain, query.domain.as_deref()),
        ("m.license = ?", Filter::License, query.license.as_deref()),
        (
            "m.framework = ?",
            Filter::Framework,
            query.framework.map(Framework::as_str),
        ),
        (
            "EXISTS (SELECT 1 FROM catalog_hardware h WHERE h.hardware = ? AND h.model_rowid = m.rowid)",
            Filter::Hardware,
            query.hardware.as_deref(),
        ),
    ];
    for (clause, filter, value) in indexed {
        if let Some(value) = value {
            f.rows.push(clause);
            f.row_values.push(Value::Text(value.to_owned()));
            f.words.push(filter.word(value));
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
pub(super) const MATCHING: &str =
    "m.rowid IN (SELECT rowid FROM catalog_search WHERE catalog_search MATCH ?)";

pub(super) fn where_clause(clauses: &[&str]) -> String {
    if clauses.is_empty() {
        "1".to_owned()
    } else {
        clauses.join(" AND ")
    }
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

/// The most models one search page holds.
pub const MAX_SEARCH_PAGE: u32 = 500;

/// Searches the local catalog, at most [`MAX_SEARCH_PAGE`] models a page.
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
    let limit = limit.min(MAX_SEARCH_PAGE);
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

/// One model's page, if the local catalog has it.
pub fn model(conn: &Connection, id: &str) -> Result<Option<ModelPage>> {
    let row: Option<(String, bool)> = conn
        .query_row(
            "SELECT b.body, m.id IN (SELECT model_id FROM favourites)
             FROM catalog_models m JOIN catalog_bodies b ON b.rowid = m.rowid WHERE m.id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    row.map(|(body, favourite)| {
        let model: Model = serde_json::from_str(&body)?;
        Ok(ModelPage {
            recipe: model.recipe_to_train_with().cloned(),
            model,
            favourite,
        })
    })
    .transpose()
}
