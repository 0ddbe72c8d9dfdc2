//! The catalog as a whole: pages in, searches and pages out.

use aicc_api::catalog::{Framework, Model};
use aicc_api::sync::{Change, ChangePage, Collection};

use rusqlite::params_from_iter;
use rusqlite::types::Value;

use super::index::fts_expression;
use super::ingest::BROWSE_INDEXES;
use super::query::{MATCHING, filters, where_clause};
use super::*;
use crate::error::Result;
use crate::store::{Connection, Store};

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

fn page(changes: Vec<Change<IncomingModel>>, next: u64, more: bool) -> ChangePage<IncomingModel> {
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
fn a_search_page_holds_at_most_its_largest_size_whatever_is_asked() {
    let models = (0..MAX_SEARCH_PAGE + 3)
        .map(|i| {
            model(
                &format!("m{i:04}"),
                &format!("Model {i}"),
                "Text Generation",
            )
        })
        .collect();
    let (_dir, store) = store_with(models);
    let page = store
        .blocking(|c| search(c, &CatalogQuery::default(), 0, u32::MAX))
        .unwrap();
    assert_eq!(
        (page.models.len(), page.total),
        (MAX_SEARCH_PAGE as usize, MAX_SEARCH_PAGE + 3)
    );
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
    let migration = include_str!("../../migrations/0005_search_speed.sql");
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
    let migration = include_str!("../../migrations/0007_search_text_kept.sql");
    let fill = &migration[migration.find("UPDATE").unwrap()..];
    store.blocking(|c| Ok(c.execute_batch(fill)?)).unwrap();
    assert_eq!(store.blocking(kept_tags).unwrap(), synced_tags);
    // Migration 0008 indexes the filters as sync does.
    let migration = include_str!("../../migrations/0008_filters_in_the_search_index.sql");
    let rebuild =
        &migration[migration.find("DROP TABLE").unwrap()..migration.find("CREATE INDEX").unwrap()];
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
            index::build(c)
        })
        .unwrap();
    assert_eq!((found(&store), filtered(&store)), (synced, synced_filtered));
}

#[test]
fn a_search_index_that_cannot_be_read_is_built_anew_and_the_store_opens() {
    let (dir, store) = store_with(vec![model("resnet50", "ResNet-50", "Image Classification")]);
    let path = dir.path().join("s.sqlite3");
    drop(store);
    std::fs::write(index::path(&path), b"not a database, not even close").unwrap();
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
    let apply = crate::sync::apply_catalog_page(&store);
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
    let filter_word = index::Filter::Task.word("Image Classification");
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
    assert!(
        store
            .blocking(|c| super::model(c, "b"))
            .unwrap()
            .unwrap()
            .favourite
    );
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
    let shown = store
        .blocking(|c| super::model(c, "a"))
        .unwrap()
        .unwrap()
        .model;
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
            .blocking(|c| crate::cursors::cursor(c, Collection::Catalog))
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
