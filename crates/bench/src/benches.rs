//! The figures: each measured after a warm-up, several times, beside its
//! floor measured in the same run.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aicc_api::catalog::Model;
use aicc_api::jobs::{JobRequest, ModelRef, Priority};
use aicc_api::sync::{Change, ChangePage, DEFAULT_PAGE_SIZE};
use aicc_client::catalog::{self, CatalogQuery, Sort};
use aicc_client::directory::{self, DirectoryQuery};
use aicc_client::network::NetworkSettings;
use aicc_client::searchable;
use aicc_client::session::{Credentials, Session};
use aicc_client::store::Store;
use aicc_client::vault::CredentialStore;
use anyhow::{Context as _, bail};
use rusqlite::{Connection, params};
use serde::Serialize;

use crate::generate;
use crate::portal::PortalProcess;
use crate::stats::Samples;

/// One line of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    pub name: String,
    pub unit: &'static str,
    pub runs: usize,
    pub median: f64,
    pub low: f64,
    pub high: f64,
    pub floor_name: &'static str,
    pub floor: Option<f64>,
    /// How many times the floor's cost: time ÷ floor time, or floor rate ÷ rate.
    pub ratio: Option<f64>,
    pub target: &'static str,
    pub met: bool,
}

/// How big and how long.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    pub models: usize,
    /// Certified solutions in the directory searched locally.
    pub solutions: usize,
    pub runs: usize,
    pub changed: usize,
    pub search_repeats: usize,
    pub load: Duration,
    pub clients: usize,
    pub jobs: usize,
    pub pools: usize,
    /// How long the app is watched idle.
    pub idle: Duration,
    /// Jobs in the workload the start estimates are measured on.
    pub workload: usize,
}

impl Sizes {
    pub const FULL: Sizes = Sizes {
        models: 100_000,
        solutions: 50_000,
        runs: 5,
        changed: 100,
        search_repeats: 10,
        load: Duration::from_secs(5),
        clients: 64,
        jobs: 10_000,
        pools: 100,
        idle: Duration::from_secs(30),
        workload: 400,
    };
    /// Every benchmark at a tiny size, so none can rot unnoticed.
    pub const QUICK: Sizes = Sizes {
        models: 2_000,
        solutions: 2_000,
        runs: 2,
        changed: 20,
        search_repeats: 2,
        load: Duration::from_secs(1),
        clients: 8,
        jobs: 200,
        pools: 10,
        idle: Duration::from_secs(3),
        workload: 60,
    };
}

/// Refresh tokens of the benchmark's sessions, in memory: the OS keyring
/// is not what is measured.
#[derive(Debug, Default)]
struct Vault(Mutex<HashMap<String, String>>);

impl CredentialStore for Vault {
    fn load(&self, account: &str) -> aicc_client::Result<Option<String>> {
        Ok(self.lock().get(account).cloned())
    }
    fn save(&self, account: &str, secret: &str) -> aicc_client::Result<()> {
        self.lock().insert(account.to_owned(), secret.to_owned());
        Ok(())
    }
    fn delete(&self, account: &str) -> aicc_client::Result<()> {
        self.lock().remove(account);
        Ok(())
    }
}

impl Vault {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

async fn sign_in(url: &str) -> anyhow::Result<Session> {
    let (session, _) = Session::sign_in(
        url,
        &NetworkSettings::default(),
        &Credentials::password("partner@demo.aicc", "demo-password"),
        Arc::new(Vault::default()),
    )
    .await?;
    Ok(session)
}

fn time_figure(
    name: String,
    samples: &Samples,
    floor_name: &'static str,
    floor: Option<&Samples>,
    target: &'static str,
    met: impl Fn(f64, Option<f64>) -> bool,
) -> Figure {
    let (low, high) = samples.spread();
    let floor = floor.map(Samples::median);
    let ratio = floor.map(|f| samples.median() / f);
    Figure {
        name,
        unit: "ms",
        runs: samples.len(),
        median: samples.median(),
        low,
        high,
        floor_name,
        floor,
        ratio,
        target,
        met: met(samples.median(), ratio),
    }
}

/// First full catalog sync, and the synced store for the other figures.
pub async fn full_sync(
    portal: &PortalProcess,
    dir: &Path,
    sizes: Sizes,
) -> anyhow::Result<(Figure, Session, Store, std::path::PathBuf)> {
    let session = sign_in(&portal.url).await?;
    let kept = dir.join("synced.sqlite3");
    let store = Store::open(&kept)?;
    let served =
        aicc_client::sync::sync_catalog(&session, &store, DEFAULT_PAGE_SIZE, |_| {}).await?;
    store.call(aicc_client::store::checkpoint).await?;
    let mut times = Vec::new();
    let mut floors = Vec::new();
    let mut alone = Vec::new();
    for run in 0..sizes.runs {
        let file = dir.join(format!("full-{run}.sqlite3"));
        let fresh = Store::open(&file)?;
        let started = Instant::now();
        aicc_client::sync::sync_catalog(&session, &fresh, DEFAULT_PAGE_SIZE, |_| {}).await?;
        times.push(started.elapsed());
        drop(fresh);
        remove_store(&file)?;
        let (fetched, written, pages) =
            bare_sync(&portal.url, &session, &dir.join("floor.sqlite3")).await?;
        floors.push((fetched, written));
        alone.push(store_writing(&pages, &dir.join("alone.sqlite3"))?);
    }
    let rate = |d: f64| f64::from(served) / (d / 1000.0);
    // Where the floor's time goes says how fast any sync of this catalog
    // can be here: the portal and the network, and SQLite writing the rows.
    let (fetching, writing) = (
        Samples::new(floors.iter().map(|&(fetched, _)| fetched)).median(),
        Samples::new(floors.iter().map(|&(_, written)| written)).median(),
    );
    let floors = Samples::new(
        floors
            .into_iter()
            .map(|(fetched, written)| fetched + written),
    );
    let alone = Samples::new(alone).median();
    let times = Samples::new(times);
    let (slow, fast) = times.spread();
    let figure = Figure {
        name: format!(
            "first full catalog sync, {served} models (floor: fetching {fetching:.0} ms, writing {writing:.0} ms; the store's own writing alone: {alone:.0} ms)"
        ),
        unit: "models/s",
        runs: times.len(),
        median: rate(times.median()),
        low: rate(fast),
        high: rate(slow),
        floor_name: "bare HTTP pages + one SQLite transaction",
        floor: Some(rate(floors.median())),
        ratio: Some(times.median() / floors.median()),
        target: ">= 50,000 models/s and <= 2x the floor",
        met: rate(times.median()) >= 50_000.0 && times.median() / floors.median() <= 2.0,
    };
    Ok((figure, session, store, kept))
}

/// Removes a database with its log, and a store's search index beside it.
fn remove_store(file: &Path) -> anyhow::Result<()> {
    use aicc_client::store::database_files;
    for path in database_files(file)
        .into_iter()
        .chain(database_files(&aicc_client::catalog::index::path(file)))
    {
        if path.exists() {
            std::fs::remove_file(path)?;
        }
    }
    Ok(())
}

/// A change-feed page read as the least a store needs: each item's JSON
/// as served, its revision and its id. (Reading items into
/// `serde_json::Value` and printing them again, as the floor once did,
/// tripled its fetching time and made the floor look half as fast.)
#[derive(serde::Deserialize)]
struct RawPage<'a> {
    #[serde(borrow)]
    changes: Vec<RawChange<'a>>,
    next: u64,
    more: bool,
}

#[derive(serde::Deserialize)]
struct RawChange<'a> {
    rev: u64,
    #[serde(borrow)]
    item: Option<&'a serde_json::value::RawValue>,
}

#[derive(serde::Deserialize)]
struct Identified {
    id: String,
}

/// The same pages fetched with a bare HTTP client and the same rows put in
/// SQLite in one transaction: the least work that lands the catalog.
/// Returns how long fetching took, then writing, and the pages.
async fn bare_sync(
    url: &str,
    session: &Session,
    file: &Path,
) -> anyhow::Result<(Duration, Duration, Vec<bytes::Bytes>)> {
    let http = reqwest::Client::new();
    let token = session.access_token().await?;
    let mut conn = Connection::open(file)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
         CREATE TABLE IF NOT EXISTS models (id TEXT PRIMARY KEY, rev INTEGER, body TEXT)",
    )?;
    let started = Instant::now();
    let mut rows = Vec::new();
    let mut pages = Vec::new();
    let mut after = 0;
    loop {
        let bytes = http
            .get(format!(
                "{}/v1/catalog/changes?after={after}&limit={DEFAULT_PAGE_SIZE}",
                url.trim_end_matches('/')
            ))
            .bearer_auth(&token)
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?;
        let page: RawPage<'_> = serde_json::from_slice(&bytes)?;
        for change in page.changes {
            if let Some(item) = change.item {
                let Identified { id } = serde_json::from_str(item.get())?;
                rows.push((id, change.rev, item.get().to_owned()));
            }
        }
        after = page.next;
        let more = page.more;
        pages.push(bytes);
        if !more {
            break;
        }
    }
    let fetched = started.elapsed();
    let tx = conn.transaction()?;
    {
        let mut insert = tx.prepare("INSERT OR REPLACE INTO models VALUES (?1, ?2, ?3)")?;
        for (id, rev, body) in &rows {
            insert.execute(params![id, rev, body])?;
        }
    }
    tx.commit()?;
    let written = started.elapsed() - fetched;
    drop(conn);
    remove_store(file)?;
    Ok((fetched, written, pages))
}

/// The store's own writing of the same pages, read beforehand and applied
/// in one transaction: what the store's schema (its rows, indexes and
/// search index) costs to write, without the sync's fetching, paging and
/// transactions.
fn store_writing(pages: &[bytes::Bytes], file: &Path) -> anyhow::Result<Duration> {
    let mut all = ChangePage {
        changes: Vec::new(),
        next: 0,
        more: false,
        remaining: 0,
    };
    for bytes in pages {
        let page: ChangePage<catalog::IncomingModel> = serde_json::from_slice(bytes)?;
        all.changes.extend(page.changes);
        all.next = page.next;
    }
    let store = Store::open(file)?;
    let started = Instant::now();
    store.blocking(|c| catalog::apply_page(c, &all, "2026-01-01T00:00:00Z"))?;
    let took = started.elapsed();
    drop(store);
    remove_store(file)?;
    Ok(took)
}

/// A few models changed on the center, synced into the full store.
pub async fn incremental_sync(
    portal: &PortalProcess,
    session: &Session,
    store: &Store,
    models: &[Model],
    sizes: Sizes,
) -> anyhow::Result<Figure> {
    let mut times = Vec::new();
    // Rounds take milliseconds and the machine is noisy: four times the
    // other figures' runs.
    for round in 0..=sizes.runs * 4 {
        portal.import(&generate::changed(models, sizes.changed, round as u64 + 1))?;
        let started = Instant::now();
        aicc_client::sync::sync_catalog(session, store, DEFAULT_PAGE_SIZE, |_| {}).await?;
        if round > 0 {
            times.push(started.elapsed());
        }
        // As the sync engine does after each cycle, off the user's path.
        store.call(aicc_client::store::checkpoint).await?;
    }
    let after = store
        .call(|c| aicc_client::cursors::cursor(c, aicc_api::sync::Collection::Catalog))
        .await?
        .map_or(0, |(rev, _)| rev);
    let http = reqwest::Client::new();
    let token = session.access_token().await?;
    let mut floors = Vec::new();
    for round in 0..=sizes.runs {
        let started = Instant::now();
        http.get(format!(
            "{}/v1/catalog/changes?after={after}&limit={DEFAULT_PAGE_SIZE}",
            portal.url
        ))
        .bearer_auth(&token)
        .send()
        .await?
        .error_for_status()?
        .bytes()
        .await?;
        if round > 0 {
            floors.push(started.elapsed());
        }
    }
    Ok(time_figure(
        format!("incremental sync, {} changed", sizes.changed),
        &Samples::new(times),
        "one empty change-feed round trip",
        Some(&Samples::new(floors)),
        "<= 20 ms",
        |median, _| median <= 20.0,
    ))
}

/// What partners type, alone and with filters.
fn queries() -> Vec<CatalogQuery> {
    let query = |text: &str| CatalogQuery {
        text: text.into(),
        task: None,
        domain: None,
        framework: None,
        hardware: None,
        license: None,
        min_parameters: None,
        max_parameters: None,
        favourites_only: false,
        sort: Sort::Relevance,
    };
    let mut all: Vec<CatalogQuery> = [
        "resnet",
        "qwen",
        "yolo",
        "bert",
        "segmentation",
        "llama 7b",
        "vit",
        "detection",
        "medical",
        "mobilenet int8",
    ]
    .into_iter()
    .map(query)
    .collect();
    let filtered = |text: &str, f: &dyn Fn(&mut CatalogQuery)| {
        let mut q = query(text);
        f(&mut q);
        q
    };
    all.extend([
        filtered("resnet", &|q| q.hardware = Some("Atlas 800T A2".into())),
        filtered("", &|q| q.task = Some("Image Classification".into())),
        filtered("qwen", &|q| q.task = Some("LLM".into())),
        filtered("", &|q| {
            q.framework = Some(aicc_api::catalog::Framework::MindSpore)
        }),
        filtered("det", &|q| q.domain = Some("Image".into())),
        filtered("", &|q| q.hardware = Some("Atlas 300I Duo".into())),
        filtered("bert", &|q| q.sort = Sort::Stars),
        filtered("", &|q| {
            q.min_parameters = Some(1_000_000_000);
            q.sort = Sort::Updated;
        }),
        filtered("gan", &|q| q.license = Some("Apache-2.0".into())),
        filtered("robotics", &|q| q.task = Some("Object Detection".into())),
    ]);
    all
}

/// Local search as the catalog screen runs it, beside bare FTS5.
pub async fn search(store: &Store, file: &Path, sizes: Sizes) -> anyhow::Result<Figure> {
    let queries = queries();
    let mut times = Vec::new();
    for repeat in 0..=sizes.search_repeats {
        for query in &queries {
            let query = query.clone();
            let took = store
                .call(move |c| {
                    let started = Instant::now();
                    catalog::search(c, &query, 0, 50)?;
                    Ok(started.elapsed())
                })
                .await?;
            if repeat > 0 {
                times.push(took);
            }
        }
    }
    let conn = Connection::open(file)?;
    conn.execute(
        "ATTACH DATABASE ?1 AS search",
        [aicc_client::catalog::index::path(file)
            .display()
            .to_string()],
    )?;
    let mut floors = Vec::new();
    for repeat in 0..=sizes.search_repeats {
        for query in &queries {
            let words: Vec<String> = query
                .text
                .split_whitespace()
                .map(|w| format!("\"{w}\"*"))
                .collect();
            let started = Instant::now();
            if words.is_empty() {
                let mut stmt =
                    conn.prepare_cached("SELECT rowid FROM catalog_models ORDER BY name LIMIT 50")?;
                let _: Vec<i64> = stmt
                    .query_map([], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
            } else {
                let mut stmt = conn.prepare_cached(
                    "SELECT rowid FROM catalog_search WHERE catalog_search MATCH ?1 ORDER BY rank LIMIT 50",
                )?;
                let _: Vec<i64> = stmt
                    .query_map([words.join(" AND ")], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
            }
            if repeat > 0 {
                floors.push(started.elapsed());
            }
        }
    }
    let times = Samples::new(times);
    let floors = Samples::new(floors);
    let p95 = times.percentile(95.0);
    let (low, high) = times.spread();
    Ok(Figure {
        name: format!("local search p95, {} queries", queries.len()),
        unit: "ms",
        runs: times.len(),
        median: p95,
        low,
        high,
        floor_name: "the same FTS5 query in bare SQLite (p95)",
        floor: Some(floors.percentile(95.0)),
        ratio: Some(p95 / floors.percentile(95.0)),
        target: "p95 <= 5 ms",
        met: p95 <= 5.0,
    })
}

/// Searches of the directory as the screen asks them: words typed in
/// English and Chinese, filters, both, nothing.
fn directory_searches() -> Vec<DirectoryQuery> {
    let query = |text: &str, industry: Option<&str>, hardware: Option<&str>| DirectoryQuery {
        text: text.into(),
        industry: industry.map(str::to_owned),
        hardware: hardware.map(str::to_owned),
        limit: 50,
        ..DirectoryQuery::default()
    };
    vec![
        query("", None, None),
        query("r", None, None),
        query("rail", None, None),
        query("轨道", None, None),
        query("巡检", None, None),
        query("seam 焊缝", None, None),
        query("grid guard", None, None),
        query("partner 0001", None, None),
        query("AICC-ASC-2025-0012", None, None),
        query("", Some("rail inspection"), None),
        query("", Some("energy"), Some("Atlas 300I Duo")),
        query("edge", Some("manufacturing"), None),
    ]
}

/// The directory of `sizes.solutions` certified solutions, synced into a
/// store a page at a time as the feed brings it, then searched (the page
/// of results with its count) and counted by filter, each beside the bare
/// FTS5 query of the same words.
pub fn directory_search(dir: &Path, sizes: Sizes) -> anyhow::Result<Vec<Figure>> {
    let file = dir.join("directory-bench.sqlite3");
    let store = Store::open(&file)?;
    let solutions = generate::directory(sizes.solutions, 7);
    for (n, chunk) in solutions.chunks(DEFAULT_PAGE_SIZE as usize).enumerate() {
        let page = ChangePage {
            changes: chunk
                .iter()
                .enumerate()
                .map(|(i, item)| Change::Upsert {
                    rev: (n * DEFAULT_PAGE_SIZE as usize + i + 1) as u64,
                    item: item.clone(),
                })
                .collect(),
            next: ((n + 1) * DEFAULT_PAGE_SIZE as usize) as u64,
            more: true,
            remaining: 0,
        };
        store.blocking(move |c| searchable::apply_page(c, &page, "2026-12-06T00:00:00Z"))?;
    }
    let queries = directory_searches();
    let (mut searches, mut counts) = (Vec::new(), Vec::new());
    for repeat in 0..=sizes.search_repeats {
        for query in &queries {
            let query = query.clone();
            let (searched, counted) = store.blocking(move |c| {
                let started = Instant::now();
                let found = directory::search(c, &query)?;
                let searched = started.elapsed();
                let started = Instant::now();
                directory::facets(c, &query)?;
                assert!(
                    found.found.items.len() <= 50,
                    "a page holds at most its limit"
                );
                Ok((searched, started.elapsed()))
            })?;
            if repeat > 0 {
                searches.push(searched);
                counts.push(counted);
            }
        }
    }
    let conn = Connection::open(&file)?;
    let mut floors = Vec::new();
    for repeat in 0..=sizes.search_repeats {
        for query in &queries {
            let words: Vec<String> = query
                .text
                .split_whitespace()
                .map(|w| format!("\"{w}\"*"))
                .collect();
            let started = Instant::now();
            if words.is_empty() {
                let _: Vec<i64> = conn
                    .prepare_cached(
                        "SELECT rowid FROM searchable WHERE collection = 'directory' ORDER BY name LIMIT 50",
                    )?
                    .query_map([], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
            } else {
                let _: Vec<i64> = conn
                    .prepare_cached(
                        "SELECT rowid FROM searchable_words WHERE searchable_words MATCH ?1 LIMIT 50",
                    )?
                    .query_map([words.join(" AND ")], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
            }
            if repeat > 0 {
                floors.push(started.elapsed());
            }
        }
    }
    let floors = Samples::new(floors);
    let floor = floors.percentile(95.0);
    let figure = |name: String, samples: Vec<Duration>, target: &'static str, most: f64| {
        let samples = Samples::new(samples);
        let p95 = samples.percentile(95.0);
        let (low, high) = samples.spread();
        Figure {
            name,
            unit: "ms",
            runs: samples.len(),
            median: p95,
            low,
            high,
            floor_name: "the same FTS5 query in bare SQLite (p95)",
            floor: Some(floor),
            ratio: Some(p95 / floor),
            target,
            met: p95 <= most,
        }
    };
    Ok(vec![
        figure(
            format!(
                "directory search p95, {} solutions, {} queries",
                sizes.solutions,
                queries.len()
            ),
            searches,
            "p95 <= 5 ms",
            5.0,
        ),
        figure(
            format!("directory filter counts p95, {} solutions", sizes.solutions),
            counts,
            "p95 <= 100 ms (asked once typing pauses)",
            100.0,
        ),
    ])
}

/// The change feed under many clients at once, beside a static route.
pub async fn portal_load(
    portal: &PortalProcess,
    session: &Session,
    store: &Store,
    sizes: Sizes,
) -> anyhow::Result<Figure> {
    let latest = store
        .call(|c| aicc_client::cursors::cursor(c, aicc_api::sync::Collection::Catalog))
        .await?
        .map_or(0, |(rev, _)| rev);
    let token = session.access_token().await?;
    feed_beside_health(
        &portal.url,
        latest,
        &token,
        sizes,
        |p99, floor_p99| {
            format!(
                "portal change feed, {} clients (p99 {p99:.1} ms; /health p99 {floor_p99:.1} ms)",
                sizes.clients
            )
        },
        ">= 5,000 req/s, p99 <= 20 ms",
        |rate, p99| rate >= 5_000.0 && p99 <= 20.0,
    )
    .await
}

/// The change feed's last few changes after `latest`, as a polling app
/// asks for them, hammered beside `GET /health` on the same portal; the
/// figure is named and judged from the p99s and the rate once measured.
async fn feed_beside_health(
    url: &str,
    latest: u64,
    token: &str,
    sizes: Sizes,
    name: impl FnOnce(f64, f64) -> String,
    target: &'static str,
    met: impl FnOnce(f64, f64) -> bool,
) -> anyhow::Result<Figure> {
    let feed = format!(
        "{url}/v1/catalog/changes?after={}&limit={DEFAULT_PAGE_SIZE}",
        latest.saturating_sub(5)
    );
    let (rate, p99) = hammer(&feed, token, sizes).await?;
    let (floor_rate, floor_p99) = hammer(&format!("{url}/health"), token, sizes).await?;
    Ok(Figure {
        name: name(p99, floor_p99),
        unit: "req/s",
        runs: 1,
        median: rate,
        low: rate,
        high: rate,
        floor_name: "GET /health on the same server",
        floor: Some(floor_rate),
        ratio: Some(floor_rate / rate),
        target,
        met: met(rate, p99),
    })
}

/// The change feed while the cluster hangs: a portal whose slurmrestd
/// stops answering once it has started, so that every scheduler tick waits out
/// its REST timeout, with jobs queued for it; beside `/health` on the
/// same portal.
pub async fn hanging_cluster(
    binary: &Path,
    dir: &Path,
    models: &[Model],
    sizes: Sizes,
) -> anyhow::Result<Figure> {
    let slurm = crate::hanging::HangingSlurm::start()?;
    let dir = dir.join("hanging");
    std::fs::create_dir_all(&dir)?;
    // Never run: the cluster takes no job. It need only exist.
    let launcher = dir.join("train.sh");
    std::fs::write(&launcher, "#!/bin/sh\n")?;
    let key = dir.join("jwt.key");
    std::fs::write(&key, [7; 32])?;
    let config = format!(
        "scheduler_tick_ms = 100\n\
         [executor]\nkind = \"slurm\"\noutput_dir = \"{jobs}\"\ntrain_command = \"{launcher}\"\n\
         [executor.rest]\nurl = \"{url}\"\njwt_key_file = \"{key}\"\nuser = \"aicc\"\n",
        jobs = dir.join("jobs").display(),
        launcher = launcher.display(),
        url = slurm.url,
        key = key.display(),
    );
    let portal = PortalProcess::configured(binary, &dir, models, &config)?;
    slurm.hang();
    let session = sign_in(&portal.url).await?;
    let token = session.access_token().await?;
    let http = reqwest::Client::new();
    let base = models
        .first()
        .context("the hanging cluster's figure needs a model")?;
    for job in 0..4 {
        let request = JobRequest {
            name: format!("queued behind a hanging cluster {job}"),
            base_model: Some(ModelRef {
                model_id: base.id.clone(),
                version: None,
            }),
            custom_image: None,
            dataset_uri: "obs://bench/data".into(),
            pool_id: "npu".into(),
            nodes: 1,
            npus_per_node: 1,
            max_hours: 1.0,
            hyperparameters: Default::default(),
            priority: Priority::Normal,
            note: String::new(),
        };
        let sent = http
            .post(format!("{}/v1/jobs", portal.url))
            .bearer_auth(&token)
            .header("Idempotency-Key", format!("bench-hanging-{job}"))
            .json(&request)
            .send()
            .await?;
        if !sent.status().is_success() {
            bail!(
                "the portal refused a job while its cluster hangs: {} {}",
                sent.status(),
                sent.text().await?
            );
        }
    }
    let asked = Instant::now();
    while slurm.held() == 0 {
        if asked.elapsed() > Duration::from_secs(10) {
            bail!("the portal never asked the hanging cluster: this would not measure a hang");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    feed_beside_health(
        &portal.url,
        models.len() as u64,
        &token,
        sizes,
        |p99, floor_p99| {
            format!(
                "portal change feed while every Slurm call hangs ({} held; p99 {p99:.1} ms; /health p99 {floor_p99:.1} ms)",
                slurm.held()
            )
        },
        "p99 <= 50 ms",
        |_, p99| p99 <= 50.0,
    )
    .await
}

/// Requests per second and p99 (ms) of `clients` connections asking `url`
/// in a loop, measured by `wrk` in its own process.
async fn hammer(url: &str, token: &str, sizes: Sizes) -> anyhow::Result<(f64, f64)> {
    // The token reaches wrk through its environment, not its command line,
    // which any local user can read.
    let mut script = tempfile::Builder::new().suffix(".lua").tempfile()?;
    script.write_all(
        br#"wrk.headers["Authorization"] = "Bearer " .. os.getenv("AICC_BENCH_TOKEN")"#,
    )?;
    let output = tokio::process::Command::new("wrk")
        .arg("--threads=2")
        .arg(format!("--connections={}", sizes.clients))
        .arg(format!("--duration={}s", sizes.load.as_secs().max(1)))
        .arg("--latency")
        .arg("--script")
        .arg(script.path())
        .arg(url)
        .env("AICC_BENCH_TOKEN", token)
        .output()
        .await
        .context("cannot run wrk, the load generator: install it (Debian package wrk)")?;
    let report = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!(
            "wrk failed on {url}: {}{report}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    wrk_figures(&report).with_context(|| format!("wrk's report on {url}:\n{report}"))
}

/// Requests per second and p99 (ms) from wrk's report; a report with errors
/// or responses other than 2xx is refused, not measured.
fn wrk_figures(report: &str) -> anyhow::Result<(f64, f64)> {
    if let Some(line) = report
        .lines()
        .find(|l| l.contains("Non-2xx") || l.contains("Socket errors"))
    {
        bail!("the load run had failures ({})", line.trim());
    }
    let rate = report
        .lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:"))
        .context("no Requests/sec line")?
        .trim()
        .parse::<f64>()?;
    let p99 = report
        .lines()
        .find_map(|l| l.trim().strip_prefix("99%"))
        .context("no 99% latency line (wrk --latency)")?
        .trim();
    let (number, unit) = p99.split_at(
        p99.find(|c: char| c.is_ascii_alphabetic())
            .unwrap_or(p99.len()),
    );
    let ms = match unit {
        "us" => 0.001,
        "ms" => 1.0,
        "s" => 1000.0,
        "m" => 60_000.0,
        other => bail!("unknown latency unit {other:?} in {p99:?}"),
    };
    Ok((rate, number.parse::<f64>()? * ms))
}

/// Placing a deep queue over many pools in one scheduler pass.
pub fn scheduler(dir: &Path, sizes: Sizes) -> anyhow::Result<Figure> {
    use aicc_portal::jobs::{scheduler, simulated::Simulated, upsert_pool};
    let executor = Simulated {
        time_scale: 1.0,
        failure_rate: 0.0,
    };
    let mut times = Vec::new();
    for run in 0..=sizes.runs {
        let db = aicc_portal::db::Db::open(&dir.join(format!("scheduler-{run}.sqlite3")))?;
        db.blocking(|conn| -> anyhow::Result<()> {
            aicc_portal::admin::seed_demo(conn)?;
            let users: Vec<(i64, i64)> = conn
                .prepare("SELECT id, organisation_id FROM users")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            let tx = conn.transaction()?;
            for pool in 0..sizes.pools {
                upsert_pool(
                    &tx,
                    &format!("pool-{pool}"),
                    "Atlas 800T A2",
                    "Ascend 910B",
                    8,
                    4,
                )?;
            }
            for job in 0..sizes.jobs {
                let pool = format!("pool-{}", job % sizes.pools);
                let npus = [1, 2, 4, 8][job % 4];
                let request = JobRequest {
                    name: format!("job {job}"),
                    base_model: Some(ModelRef {
                        model_id: "resnet50".into(),
                        version: None,
                    }),
                    custom_image: None,
                    dataset_uri: "obs://bench/data".into(),
                    pool_id: pool.clone(),
                    nodes: 1,
                    npus_per_node: npus,
                    max_hours: 1.0,
                    hyperparameters: Default::default(),
                    priority: Priority::Normal,
                    note: String::new(),
                };
                let (user, organisation) = users[job % users.len()];
                let rev = aicc_portal::feed::next_rev(&tx)?;
                tx.execute(
                    "INSERT INTO jobs (id, organisation_id, user_id, rev, pool_id, request, npus,
                         max_npu_hours, priority, state, created_at, updated_at, queued_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, 'queued', ?9, ?9, ?9)",
                    params![
                        format!("job_{job:06}"),
                        organisation,
                        user,
                        rev,
                        pool,
                        serde_json::to_string(&request)?,
                        npus,
                        f64::from(npus),
                        job as i64
                    ],
                )?;
            }
            tx.commit()?;
            Ok(())
        })?;
        let started = Instant::now();
        scheduler::tick(&db, &executor, 1_000_000, 600_000)?;
        let took = started.elapsed();
        if run > 0 {
            times.push(took);
        }
    }
    Ok(time_figure(
        format!(
            "scheduler: place {} queued jobs over {} pools",
            sizes.jobs, sizes.pools
        ),
        &Samples::new(times),
        "-",
        None,
        "<= 100 ms",
        |median, _| median <= 100.0,
    ))
}

/// Start estimates on a generated workload: jobs of three organisations
/// (1 to 4 nodes, 1 to 8 hours asked, runtimes drawn below their limits by
/// the simulated executor) arrive over time at a 64-NPU pool kept about
/// nine tenths busy; each is estimated as it arrives, with the center's
/// history and as a plain backfill would (every job to its limit), then
/// the scheduler runs in simulated time and the real starts are compared.
/// The first quarter of the jobs, before there is history, is not counted.
pub fn estimates(dir: &Path, sizes: Sizes) -> anyhow::Result<Vec<Figure>> {
    use aicc_portal::jobs::estimate::{Ends, Replayed, window};
    use aicc_portal::jobs::{scheduler, simulated::Simulated, upsert_pool};
    const MINUTE: i64 = 60_000;
    const STARVATION_MS: i64 = 600_000;
    let executor = Simulated {
        time_scale: 1.0,
        failure_rate: 0.0,
    };
    let db = aicc_portal::db::Db::open(&dir.join("estimates.sqlite3"))?;
    let users: Vec<(i64, i64)> = db.blocking(|conn| -> anyhow::Result<_> {
        aicc_portal::admin::seed_demo(conn)?;
        upsert_pool(conn, "bench-a2", "Atlas 800T A2", "Ascend 910B", 8, 8)?;
        Ok(conn
            .prepare("SELECT MIN(id), organisation_id FROM users GROUP BY organisation_id")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?)
    })?;
    // A deterministic draw in [0, 1) for job `n`, draw `k`.
    let draw = |n: usize, k: u64| {
        let mut z =
            (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ k.wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 31)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z >> 11) as f64 / (1u64 << 53) as f64
    };
    let start = 1_800_000_000_000_i64;
    let mut arrivals = Vec::new();
    let mut at = start;
    for n in 0..sizes.workload {
        // About 33 NPU-hours a job on 64 NPUs: one every ~35 minutes keeps
        // the pool some nine tenths busy.
        at += ((-draw(n, 1).max(1e-9).ln()) * 35.0 * MINUTE as f64) as i64 / MINUTE * MINUTE;
        let nodes = 1 + (draw(n, 2) * 4.0) as u32;
        let max_hours = [1.0, 2.0, 4.0, 8.0][(draw(n, 3) * 4.0) as usize % 4];
        arrivals.push((at, n, nodes, max_hours));
    }
    // (id, p50, p90, naive p50) for each job, and its real start.
    let mut predicted: Vec<(String, i64, i64, i64)> = Vec::new();
    let mut now = start;
    let mut next = 0;
    let deadline = at + 400 * 60 * MINUTE;
    while now <= deadline {
        while next < arrivals.len() && arrivals[next].0 <= now {
            let (_, n, nodes, max_hours) = arrivals[next];
            let (user, organisation) = users[n % users.len()];
            let request = JobRequest {
                name: format!("workload job {n}"),
                base_model: Some(ModelRef {
                    model_id: "resnet50".into(),
                    version: None,
                }),
                custom_image: None,
                dataset_uri: "obs://bench/data".into(),
                pool_id: "bench-a2".into(),
                nodes,
                npus_per_node: 8,
                max_hours,
                hyperparameters: Default::default(),
                priority: Priority::Normal,
                note: String::new(),
            };
            let id = format!("job_w{n:05}");
            db.blocking(|conn| -> anyhow::Result<()> {
                let likely = window(
                    conn,
                    organisation,
                    &request,
                    now,
                    STARVATION_MS,
                    Ends::Likely,
                    None,
                )?;
                let naive = window(
                    conn,
                    organisation,
                    &request,
                    now,
                    STARVATION_MS,
                    Ends::AtTheirLimits,
                    None,
                )?;
                let rev = aicc_portal::feed::next_rev(conn)?;
                conn.execute(
                    "INSERT INTO jobs (id, organisation_id, user_id, rev, pool_id, request, npus,
                         max_npu_hours, priority, state, created_at, updated_at, queued_at)
                     VALUES (?1, ?2, ?3, ?4, 'bench-a2', ?5, ?6, ?7, 1, 'queued', ?8, ?8, ?8)",
                    params![
                        id,
                        organisation,
                        user,
                        rev,
                        serde_json::to_string(&request)?,
                        request.npus(),
                        request.max_npu_hours(),
                        now
                    ],
                )?;
                if let (Replayed::Starts(likely), Replayed::Starts(naive)) = (likely, naive) {
                    predicted.push((id.clone(), likely.p50, likely.p90, naive.p50));
                }
                Ok(())
            })?;
            next += 1;
        }
        scheduler::tick(&db, &executor, now, STARVATION_MS)?;
        let all_started = next == arrivals.len()
            && db.blocking(|conn| {
                conn.query_row(
                    "SELECT NOT EXISTS (SELECT 1 FROM jobs WHERE started_at IS NULL AND id LIKE 'job_w%')",
                    [],
                    |r| r.get::<_, bool>(0),
                )
            })?;
        if all_started {
            break;
        }
        now += MINUTE;
    }
    let starts: HashMap<String, i64> = db.blocking(|conn| -> anyhow::Result<_> {
        Ok(conn
            .prepare("SELECT id, started_at FROM jobs WHERE started_at IS NOT NULL")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?)
    })?;
    let counted: Vec<(i64, i64, i64, i64)> = predicted
        .iter()
        .skip(sizes.workload / 4)
        .filter_map(|(id, p50, p90, naive)| Some((*starts.get(id)?, *p50, *p90, *naive)))
        .collect();
    anyhow::ensure!(!counted.is_empty(), "no job of the workload started");
    // Minutes as the samples' durations, their median back in minutes.
    let median_minutes = |errors: Vec<f64>| {
        Samples::new(
            errors
                .into_iter()
                .map(|m| Duration::from_secs_f64(m * 60.0)),
        )
        .median()
            / 60_000.0
    };
    let inside = counted
        .iter()
        .filter(|(at, _, p90, _)| *at <= p90 + MINUTE)
        .count() as f64
        / counted.len() as f64;
    let naive_inside = counted
        .iter()
        .filter(|(at, _, _, naive)| *at <= naive + MINUTE)
        .count() as f64
        / counted.len() as f64;
    let ours = median_minutes(
        counted
            .iter()
            .map(|(at, p50, _, _)| (at - p50).abs() as f64 / MINUTE as f64)
            .collect(),
    );
    let theirs = median_minutes(
        counted
            .iter()
            .map(|(at, _, _, naive)| (at - naive).abs() as f64 / MINUTE as f64)
            .collect(),
    );
    Ok(vec![
        Figure {
            name: format!(
                "start estimates: starts by the p90 given on arrival, {} jobs of {}",
                counted.len(),
                sizes.workload
            ),
            unit: "%",
            runs: counted.len(),
            median: 100.0 * inside,
            low: 100.0 * inside,
            high: 100.0 * inside,
            floor_name: "a plain backfill's estimate (every job to its limit)",
            floor: Some(100.0 * naive_inside),
            ratio: None,
            target: ">= 85 %",
            met: inside >= 0.85,
        },
        Figure {
            name: format!(
                "start estimates: median distance of the start from p50, {} jobs of {}",
                counted.len(),
                sizes.workload
            ),
            unit: "min",
            runs: counted.len(),
            median: ours,
            low: ours,
            high: ours,
            floor_name: "a plain backfill's estimate (every job to its limit)",
            floor: Some(theirs),
            ratio: (theirs > 0.0).then(|| ours / theirs),
            target: "<= 0.5× the plain backfill's",
            met: ours <= 0.5 * theirs,
        },
    ])
}

/// The release `.deb` beside a hello-world Tauri window's, built alike.
pub fn installer_size(app: &Path, floor: &Path) -> anyhow::Result<Figure> {
    let megabytes = |p: &Path| -> anyhow::Result<f64> {
        Ok(std::fs::metadata(p)
            .with_context(|| format!("no installer at {}", p.display()))?
            .len() as f64
            / 1e6)
    };
    let (size, floor) = (megabytes(app)?, megabytes(floor)?);
    Ok(Figure {
        name: "release .deb".into(),
        unit: "MB",
        runs: 1,
        median: size,
        low: size,
        high: size,
        floor_name: "a hello-world Tauri window's .deb",
        floor: Some(floor),
        ratio: Some(size / floor),
        target: "<= 12 MB",
        met: size <= 12.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str =
        "Running 8s test @ http://127.0.0.1:48123/v1/catalog/changes?after=100571&limit=500
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.29ms    1.02ms  19.10ms   77.59%
    Req/Sec    14.50k   735.44    16.33k    70.00%
  Latency Distribution
     50%    2.14ms
     75%    2.71ms
     90%    3.48ms
     99%  812.00us
  230935 requests in 8.00s, 1.16GB read
Requests/sec:  28862.95
Transfer/sec:    148.42MB
";

    #[test]
    fn wrk_reports_are_read_in_milliseconds() {
        assert_eq!(wrk_figures(REPORT).unwrap(), (28862.95, 0.812));
        let slow = REPORT.replace("812.00us", "1.50s");
        assert_eq!(wrk_figures(&slow).unwrap().1, 1500.0);
    }

    #[test]
    fn a_load_run_with_failed_requests_is_refused() {
        let refused = REPORT.replace(
            "Requests/sec:",
            "  Non-2xx or 3xx responses: 12\nRequests/sec:",
        );
        let error = wrk_figures(&refused).unwrap_err().to_string();
        assert!(error.contains("Non-2xx or 3xx responses: 12"), "{error}");
    }
}
