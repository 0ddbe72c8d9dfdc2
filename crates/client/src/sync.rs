//! The sync engine: one background task per signed-in account. Each cycle
//! sends what waits in the outbox, then pulls the catalog, jobs and
//! applications change feeds (pages applied with their cursor in one
//! transaction, the next pages fetched meanwhile). A second task listens to
//! the center's event stream and starts a cycle when something changed;
//! without the stream, the engine polls. The engine publishes an honest
//! status for the UI: syncing with counts, up to date at T, offline since T
//! and when it retries, or an error and what to do.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use aicc_api::sync::{ChangePage, Collection};
use futures_util::StreamExt as _;
use rusqlite::Connection;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::error::{Error, ErrorCode, Result};
use crate::outbox::{OnUpload, Upload};
use crate::session::Session;
use crate::store::{self, Store};
use crate::{applications, catalog, center, clock, cursors, jobs, outbox};

/// What the sync engine is doing, for the status bar.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SyncStatus {
    /// Not started yet.
    Idle,
    /// Pulling changes: `received` so far of `total` known to be waiting.
    Syncing { received: u32, total: Option<u32> },
    /// Everything the center had at `at` is in the local store.
    UpToDate { at: String },
    /// The center cannot be reached since `since`; the next try is at `retry_at`.
    Offline {
        since: String,
        retry_at: String,
        reason: String,
    },
    /// Sync failed; it retries at `retry_at` unless the user must act first.
    Error {
        code: ErrorCode,
        message: String,
        retry_at: Option<String>,
    },
}

/// The status, how old the local catalog is, and what waits to be sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncReport {
    pub status: SyncStatus,
    /// When the catalog was last brought up to date (RFC 3339), if ever.
    pub catalog_synced_at: Option<String>,
    /// Writes waiting to be sent, and writes the center refused.
    pub outbox_pending: u32,
    pub outbox_refused: u32,
    /// Whether the center's live event stream is connected.
    pub live: bool,
    /// The attachment being sent right now, if any.
    pub upload: Option<Upload>,
}

impl SyncReport {
    /// Before anything happened.
    pub fn idle() -> Self {
        Self {
            status: SyncStatus::Idle,
            catalog_synced_at: None,
            outbox_pending: 0,
            outbox_refused: 0,
            live: false,
            upload: None,
        }
    }

    /// Whether the desktop notifications this report's cycle recorded are
    /// due: a cycle that brought the account up to date has applied every
    /// feed page, so its transitions are all in the store.
    pub fn notifications_due(&self) -> bool {
        matches!(self.status, SyncStatus::UpToDate { .. })
    }
}

/// How the engine paces itself.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    pub page_size: u32,
    /// Between cycles when nothing wakes the engine.
    pub poll_interval: Duration,
    /// First retry delay after a failure; doubles up to `max_backoff`.
    pub min_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            page_size: aicc_api::sync::DEFAULT_PAGE_SIZE,
            poll_interval: Duration::from_secs(60),
            min_backoff: Duration::from_secs(2),
            // A desktop app should notice a returning network within a minute.
            max_backoff: Duration::from_secs(60),
        }
    }
}

/// A running sync task and its event listener. They stop by signal, never
/// cut off: [`SyncEngine::stop`] (or dropping the engine) lets a cycle under
/// way finish, so a write being sent is answered and kept, then both end.
#[derive(Debug)]
pub struct SyncEngine {
    report: watch::Receiver<SyncReport>,
    wake: Arc<Notify>,
    stop: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
}

impl SyncEngine {
    /// Starts syncing `session`'s center into `store`.
    pub fn start(session: Arc<Session>, store: Store, options: SyncOptions) -> Self {
        let (tx, report) = watch::channel(SyncReport::idle());
        let wake = Arc::new(Notify::new());
        let live = Arc::new(AtomicBool::new(false));
        let stop = CancellationToken::new();
        let listener = tokio::spawn(listen(
            Arc::clone(&session),
            Arc::clone(&wake),
            Arc::clone(&live),
            options.clone(),
            stop.clone(),
        ));
        let engine = tokio::spawn(run(
            session,
            store,
            options,
            tx,
            Arc::clone(&wake),
            live,
            stop.clone(),
        ));
        Self {
            report,
            wake,
            stop,
            tasks: vec![engine, listener],
        }
    }

    /// Stops, once a cycle under way has finished.
    pub async fn stop(mut self) {
        self.stop.cancel();
        for task in std::mem::take(&mut self.tasks) {
            if let Err(e) = task.await {
                tracing::error!(error = %e, "a sync task failed as it stopped");
            }
        }
    }

    /// The latest report; `changed()` on the receiver waits for the next.
    pub fn subscribe(&self) -> watch::Receiver<SyncReport> {
        self.report.clone()
    }

    /// Syncs now instead of waiting for the next poll or retry.
    pub fn sync_now(&self) {
        self.wake.notify_one();
    }
}

impl Drop for SyncEngine {
    /// Asks the tasks to stop; they end once a cycle under way has finished.
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

async fn run(
    session: Arc<Session>,
    store: Store,
    options: SyncOptions,
    report: watch::Sender<SyncReport>,
    wake: Arc<Notify>,
    live: Arc<AtomicBool>,
    stop: CancellationToken,
) {
    let mut synced_at = store
        .call(|c| cursors::cursor(c, Collection::Catalog))
        .await
        .ok()
        .flatten()
        .map(|(_, at)| at);
    let mut backoff = options.min_backoff;
    let mut offline_since: Option<String> = None;
    let report = Arc::new(report);
    let on_upload = upload_reporter(Arc::clone(&report));
    loop {
        let publish = |status: SyncStatus, synced_at: &Option<String>| {
            let (pending, refused) = store.blocking(outbox_counts).unwrap_or_default();
            report.send_replace(SyncReport {
                status,
                catalog_synced_at: synced_at.clone(),
                outbox_pending: pending,
                outbox_refused: refused,
                live: live.load(Ordering::Relaxed),
                upload: None,
            });
        };
        publish(
            SyncStatus::Syncing {
                received: 0,
                total: None,
            },
            &synced_at,
        );
        let outcome = cycle(
            &session,
            &store,
            options.page_size,
            |received, total| publish(SyncStatus::Syncing { received, total }, &synced_at),
            Some(&on_upload),
        )
        .await;
        let wait = match outcome {
            Ok(()) => {
                let now = clock::now();
                synced_at = Some(now.clone());
                backoff = options.min_backoff;
                offline_since = None;
                publish(SyncStatus::UpToDate { at: now }, &synced_at);
                // The cycle's writes are visible already; now, off the
                // user's path, fold the log back into the database.
                if let Err(e) = store.call(store::checkpoint).await {
                    tracing::warn!(error = %e, "cannot checkpoint the local store");
                }
                options.poll_interval
            }
            Err(e) => {
                let wait = match &e {
                    Error::Portal {
                        retry_after: Some(after),
                        ..
                    } => *after,
                    _ => jittered(backoff),
                };
                backoff = (backoff * 2).min(options.max_backoff);
                let retry_at = clock::after(wait);
                let status = match &e {
                    Error::Offline { reason, .. } => SyncStatus::Offline {
                        since: offline_since.get_or_insert_with(clock::now).clone(),
                        retry_at,
                        reason: reason.clone(),
                    },
                    _ => SyncStatus::Error {
                        code: e.code(),
                        message: e.to_string(),
                        retry_at: retryable(&e).then_some(retry_at),
                    },
                };
                tracing::warn!(error = %e, retry_in = ?wait, "sync failed");
                publish(status, &synced_at);
                if retryable(&e) { wait } else { Duration::MAX }
            }
        };
        tokio::select! {
            () = tokio::time::sleep(wait.min(Duration::from_secs(24 * 3600))) => {}
            () = wake.notified() => {}
            () = stop.cancelled() => return,
        }
    }
}

/// Puts an attachment's progress in the report, once per percent.
fn upload_reporter(report: Arc<watch::Sender<SyncReport>>) -> OnUpload {
    Arc::new(move |upload: Upload| {
        let percent = |u: &Upload| u.sent_bytes * 100 / u.total_bytes.max(1);
        report.send_if_modified(|r| {
            let news = r.upload.as_ref().is_none_or(|shown| {
                shown.file_name != upload.file_name || percent(shown) != percent(&upload)
            });
            if news {
                r.upload = Some(upload.clone());
            }
            news
        });
    })
}

fn outbox_counts(conn: &mut Connection) -> Result<(u32, u32)> {
    Ok(conn.query_row(
        "SELECT count(*) FILTER (WHERE state = 'pending'), count(*) FILTER (WHERE state = 'refused') FROM outbox",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

/// One cycle: the outbox first (the user's writes go out before anything
/// else), then every feed. `progress` hears the catalog's counts,
/// `on_upload` each attachment's bytes.
pub async fn cycle(
    session: &Session,
    store: &Store,
    page_size: u32,
    progress: impl FnMut(u32, Option<u32>),
    on_upload: Option<&OnUpload>,
) -> Result<()> {
    outbox::drain(session, store, on_upload).await?;
    pull(
        session,
        store,
        Collection::Catalog,
        page_size,
        apply_catalog_page(store),
        progress,
    )
    .await?;
    pull(
        session,
        store,
        Collection::Jobs,
        page_size,
        jobs::apply_page,
        |_, _| {},
    )
    .await?;
    pull(
        session,
        store,
        Collection::Applications,
        page_size,
        applications::apply_page,
        |_, _| {},
    )
    .await?;
    center::refresh(session, store, &clock::now()).await?;
    let favourites = session
        .authorized(|token| async move { session.portal().favourites(&token).await })
        .await?;
    let now = clock::now();
    store
        .call(move |c| catalog::apply_favourites(c, &favourites.model_ids, &now))
        .await?;
    Ok(())
}

/// Pulls the catalog's change feed until nothing more is waiting. Returns
/// the number of changes applied.
pub async fn sync_catalog(
    session: &Session,
    store: &Store,
    page_size: u32,
    mut progress: impl FnMut(u32),
) -> Result<u32> {
    pull(
        session,
        store,
        Collection::Catalog,
        page_size,
        apply_catalog_page(store),
        |received, _| progress(received),
    )
    .await
}

/// Applies the catalog feed's pages for a sync. While more pages follow,
/// a page's search index changes are written beside the next page's rows
/// (`Store::index_beside`); the last page waits for them and is applied
/// whole, so the sync ends with the index at the catalog's cursor.
pub fn apply_catalog_page(
    store: &Store,
) -> impl Fn(&mut Connection, &ChangePage<catalog::IncomingModel>, &str) -> Result<usize>
+ Clone
+ Send
+ 'static {
    let store = store.clone();
    move |conn, page, synced_at| {
        // Writes beside that failed left the index behind the catalog.
        let caught_up = |conn: &mut Connection, written: Result<()>| match written {
            Ok(()) => Ok(()),
            Err(e) => {
                tracing::warn!(error = %e, "the search index fell behind; building it anew");
                catalog::index::build(conn)
            }
        };
        if page.more {
            if catalog::is_empty(conn)? {
                catalog::drop_browse_indexes(conn)?;
            }
            let (applied, search) = catalog::apply_rows(conn, page, synced_at)?;
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
        let applied = catalog::apply_page(conn, page, synced_at)?;
        catalog::build_browse_indexes(conn)?;
        Ok(applied)
    }
}
/// Pulls one collection's feed until nothing more is waiting. A 410 starts
/// the collection over from 0, once.
async fn pull<T, A>(
    session: &Session,
    store: &Store,
    collection: Collection,
    page_size: u32,
    apply: A,
    mut progress: impl FnMut(u32, Option<u32>),
) -> Result<u32>
where
    T: DeserializeOwned + Send + Sync + 'static,
    A: Fn(&mut Connection, &ChangePage<T>, &str) -> Result<usize> + Clone + Send + 'static,
{
    let mut after = store
        .call(move |c| cursors::cursor(c, collection))
        .await?
        .map_or(0, |(rev, _)| rev);
    let mut received = 0u32;
    let mut relisted = false;
    loop {
        let pulled = pull_from(
            session,
            store,
            collection,
            after,
            page_size,
            apply.clone(),
            &mut |applied, remaining| {
                received += applied;
                progress(received, Some(received + remaining));
            },
        )
        .await;
        match pulled {
            Err(Error::CursorExpired(reason)) if !relisted => {
                tracing::info!(collection = collection.as_str(), %reason, "the center's history ran out; listing again from 0");
                relisted = true;
                after = 0;
                store
                    .call(move |c| {
                        if collection == Collection::Catalog {
                            catalog::begin_relist(c)
                        } else {
                            cursors::set_cursor(c, collection, 0, &clock::now())
                        }
                    })
                    .await?;
            }
            other => return other.map(|()| received),
        }
    }
}

/// Pages fetched ahead of the one being applied.
const PAGES_AHEAD: usize = 8;

/// Pulls pages after `after` while the pages already fetched are applied:
/// whatever arrived during one transaction goes into the next, with its
/// cursor. When the store is the slower side (a first sync of a large
/// catalog) transactions grow to `PAGES_AHEAD` pages, and SQLite rewrites
/// each index and search segment page that many times less often; a
/// quiet feed's single page is applied as soon as it arrives. `applied`
/// hears how many changes each transaction applied and how many are still
/// waiting.
async fn pull_from<T, A>(
    session: &Session,
    store: &Store,
    collection: Collection,
    after: u64,
    page_size: u32,
    apply: A,
    applied: &mut impl FnMut(u32, u32),
) -> Result<()>
where
    T: DeserializeOwned + Send + Sync + 'static,
    A: Fn(&mut Connection, &ChangePage<T>, &str) -> Result<usize> + Clone + Send + 'static,
{
    let (pages, mut arrived) = tokio::sync::mpsc::channel::<Result<ChangePage<T>>>(PAGES_AHEAD);
    let fetcher = async move {
        let mut after = after;
        loop {
            let page = fetch::<T>(session, collection, after, page_size).await;
            let more = match &page {
                Ok(page) => {
                    after = page.next;
                    page.more
                }
                Err(_) => false,
            };
            // The receiver is gone only when applying failed.
            if pages.send(page).await.is_err() || !more {
                return;
            }
        }
    };
    // Owns the receiver, so that a failed transaction drops it and the
    // fetcher, waiting for room in the queue, stops.
    let applier = async move {
        while let Some(first) = arrived.recv().await {
            let mut batch = first?;
            let mut failed = None;
            while let Ok(page) = arrived.try_recv() {
                match page {
                    Ok(page) => {
                        batch.changes.extend(page.changes);
                        batch.next = page.next;
                        batch.more = page.more;
                        batch.remaining = page.remaining;
                    }
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
            }
            let remaining = batch.remaining;
            let now = clock::now();
            let apply = apply.clone();
            let count = store.call(move |c| apply(c, &batch, &now)).await?;
            applied(count as u32, remaining as u32);
            if let Some(e) = failed {
                return Err(e);
            }
        }
        Ok(())
    };
    let ((), outcome) = tokio::join!(fetcher, applier);
    outcome
}

/// One page of a collection's feed after `after`.
async fn fetch<T: DeserializeOwned>(
    session: &Session,
    collection: Collection,
    after: u64,
    page_size: u32,
) -> Result<ChangePage<T>> {
    session
        .authorized(|token| async move {
            session
                .portal()
                .changes::<T>(&token, collection, after, page_size)
                .await
        })
        .await
}

/// Listens to the center's event stream and wakes the engine on every
/// change; reconnects with backoff. While it is down, the engine polls.
async fn listen(
    session: Arc<Session>,
    wake: Arc<Notify>,
    live: Arc<AtomicBool>,
    options: SyncOptions,
    stop: CancellationToken,
) {
    let mut backoff = options.min_backoff;
    loop {
        let connected = stop
            .run_until_cancelled(async {
                let session = &*session;
                let response = session
                    .authorized(|token| async move { session.portal().events(&token).await })
                    .await?;
                live.store(true, Ordering::Relaxed);
                backoff = options.min_backoff;
                // A fresh stream may have missed changes: sync once.
                wake.notify_one();
                let mut stream = response.bytes_stream();
                let mut pending = String::new();
                while let Some(chunk) = stream.next().await {
                    let Ok(chunk) = chunk else { break };
                    pending.push_str(&String::from_utf8_lossy(&chunk));
                    while let Some(end) = pending.find("\n\n") {
                        let event: String = pending.drain(..end + 2).collect();
                        if event
                            .lines()
                            .any(|l| l == "event: change" || l == "event: resync")
                        {
                            wake.notify_one();
                        }
                    }
                }
                Ok::<_, Error>(())
            })
            .await;
        let Some(connected) = connected else { return };
        // A stream that was up and dropped means the center may be gone:
        // sync now, so the status says so within seconds, not at the next poll.
        if live.swap(false, Ordering::Relaxed) {
            wake.notify_one();
        }
        if let Err(e) = connected {
            tracing::debug!(error = %e, "the event stream is unavailable; polling");
        }
        if stop
            .run_until_cancelled(tokio::time::sleep(jittered(backoff)))
            .await
            .is_none()
        {
            return;
        }
        backoff = (backoff * 2).min(options.max_backoff);
    }
}

/// Whether the engine should retry by itself; otherwise the user must act.
fn retryable(e: &Error) -> bool {
    !matches!(
        e,
        Error::SessionEnded
            | Error::WrongCredentials
            | Error::NewerStore { .. }
            | Error::Keyring(_)
    )
}

/// ±20 % so that many clients do not retry in lockstep.
fn jittered(base: Duration) -> Duration {
    use rand::Rng as _;
    base.mul_f64(rand::rng().random_range(0.8..1.2))
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeMap;

    use aicc_api::jobs::{JobRequest, ModelRef, Priority};
    use aicc_portal::Portal;
    use aicc_portal::config::{Config, ExecutorConfig};

    use super::*;
    use crate::session::Credentials;
    use crate::vault::{CredentialStore as _, MemoryStore};
    use crate::{notifications, outbox};

    pub(crate) struct TestPortal {
        pub(crate) url: String,
        portal: Portal,
        stop: Option<tokio::sync::oneshot::Sender<()>>,
        task: Option<JoinHandle<()>>,
    }

    impl TestPortal {
        async fn stop(mut self) {
            if let Some(stop) = self.stop.take() {
                let _ = stop.send(());
            }
            if let Some(task) = self.task.take() {
                task.await.unwrap();
            }
        }
    }

    impl Drop for TestPortal {
        fn drop(&mut self) {
            if let Some(stop) = self.stop.take() {
                let _ = stop.send(());
            }
        }
    }

    pub(crate) fn config(dir: &tempfile::TempDir) -> Config {
        Config {
            data_dir: dir.path().into(),
            scheduler_tick_ms: 50,
            requests_per_second: 10_000,
            ..Config::default()
        }
    }

    pub(crate) async fn portal_on(config: Config, address: &str) -> TestPortal {
        let portal = Portal::open(config, true).unwrap();
        let listener = tokio::net::TcpListener::bind(address).await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let serving = portal.clone();
        let task = tokio::spawn(async move {
            serving
                .serve(listener, async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        TestPortal {
            url,
            portal,
            stop: Some(stop),
            task: Some(task),
        }
    }

    async fn signed_in(url: &str) -> (Arc<Session>, Arc<MemoryStore>) {
        let vault = Arc::new(MemoryStore::default());
        let (session, account) = Session::sign_in(
            url,
            &Default::default(),
            &Credentials::password("partner@demo.aicc", "demo-password"),
            vault.clone(),
        )
        .await
        .unwrap();
        assert_eq!(account.organisation, "Demo Robotics");
        (Arc::new(session), vault)
    }

    fn temp_store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.sqlite3")).unwrap();
        (dir, store)
    }

    fn everything() -> catalog::CatalogQuery {
        catalog::CatalogQuery::default()
    }

    pub(crate) fn request(nodes: u32) -> JobRequest {
        JobRequest {
            name: format!("fine-tune on {nodes} nodes"),
            base_model: Some(ModelRef {
                model_id: "qwen3-32b".into(),
                version: None,
            }),
            custom_image: None,
            dataset_uri: "obs://demo-robotics/instructions".into(),
            pool_id: "atlas-800t-a2".into(),
            nodes,
            npus_per_node: 8,
            max_hours: 2.0,
            hyperparameters: BTreeMap::from([("lr".to_owned(), serde_json::json!(0.0001))]),
            priority: Priority::Normal,
            note: String::new(),
        }
    }

    #[tokio::test]
    async fn first_sync_pulls_the_whole_catalog_with_counts() {
        let dir = tempfile::tempdir().unwrap();
        let portal = portal_on(config(&dir), "127.0.0.1:0").await;
        let (session, _) = signed_in(&portal.url).await;
        let (_store_dir, store) = temp_store();
        let mut progress = Vec::new();
        cycle(
            &session,
            &store,
            100,
            |received, total| progress.push((received, total)),
            None,
        )
        .await
        .unwrap();
        let seeded = aicc_portal::catalog::seed::models().len() as u32;
        let pages = (seeded as usize).div_ceil(100);
        assert!(pages > 1, "the seed spans several pages");
        assert!(
            (1..=pages).contains(&progress.len()),
            "a report per transaction: {progress:?}"
        );
        assert_eq!(
            progress[0],
            (100, Some(seeded)),
            "the first page is applied alone and already knows the total"
        );
        assert!(
            progress.windows(2).all(|w| w[0].0 < w[1].0),
            "counts grow: {progress:?}"
        );
        assert!(
            progress.iter().all(|&(_, total)| total == Some(seeded)),
            "{progress:?}"
        );
        assert_eq!(progress.last().unwrap().0, seeded);
        let all = store
            .call(|c| catalog::search(c, &everything(), 0, 1))
            .await
            .unwrap();
        assert_eq!(all.total, seeded);
        // The search index, written beside the rows, holds every model and
        // is at the catalog's cursor.
        let (indexed, at, cursor) = store
            .call(|c| {
                Ok((
                    c.query_row("SELECT count(*) FROM catalog_search", [], |r| r.get(0))?,
                    c.query_row("SELECT rev FROM catalog_search_cursor", [], |r| r.get(0))?,
                    cursors::cursor(c, Collection::Catalog)?.map(|(rev, _)| rev),
                ))
            })
            .await
            .unwrap();
        assert_eq!((indexed, Some(at)), (seeded, cursor));
        assert!(!store.indexing(), "the sync waited for the index");
    }

    #[tokio::test]
    async fn pages_that_arrive_during_a_transaction_are_applied_together() {
        /// Each transaction's size and cursor; the first one is slow.
        static APPLIED: std::sync::Mutex<Vec<(usize, u64)>> = std::sync::Mutex::new(Vec::new());
        fn slow_first(
            conn: &mut Connection,
            page: &ChangePage<catalog::IncomingModel>,
            now: &str,
        ) -> Result<usize> {
            let first = {
                let mut applied = APPLIED.lock().unwrap();
                applied.push((page.changes.len(), page.next));
                applied.len() == 1
            };
            if first {
                // Ample time for a busy machine to fetch the other pages
                // of ten from a portal on loopback.
                std::thread::sleep(Duration::from_millis(1500));
            }
            catalog::apply_page(conn, page, now)
        }
        let dir = tempfile::tempdir().unwrap();
        let portal = portal_on(config(&dir), "127.0.0.1:0").await;
        let (session, _) = signed_in(&portal.url).await;
        let (_store_dir, store) = temp_store();
        let received = pull(
            &session,
            &store,
            Collection::Catalog,
            10,
            slow_first,
            |_, _| {},
        )
        .await
        .unwrap();
        let seeded = aicc_portal::catalog::seed::models().len();
        assert_eq!(received as usize, seeded);
        let applied = APPLIED.lock().unwrap().clone();
        assert_eq!(applied[0].0, 10, "the first page goes in as it arrives");
        assert!(
            applied[1].0 > 10,
            "pages fetched meanwhile share a transaction: {applied:?}"
        );
        assert!(
            applied.iter().all(|&(n, _)| n <= 10 * (PAGES_AHEAD + 1)),
            "{applied:?}"
        );
        assert_eq!(
            applied.iter().map(|&(n, _)| n).sum::<usize>(),
            seeded,
            "every change once"
        );
        let cursor = store
            .call(|c| cursors::cursor(c, Collection::Catalog))
            .await
            .unwrap()
            .map(|(rev, _)| rev);
        assert_eq!(
            cursor,
            applied.last().map(|&(_, next)| next),
            "the cursor is the last page's"
        );
    }

    #[tokio::test]
    async fn a_failed_transaction_ends_the_pull_with_its_error_and_keeps_the_cursor() {
        fn failing(
            _: &mut Connection,
            _: &ChangePage<aicc_api::catalog::Model>,
            _: &str,
        ) -> Result<usize> {
            // Long enough for the fetcher to fill the queue and wait for room.
            std::thread::sleep(Duration::from_millis(300));
            Err(Error::Store(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
                None,
            )))
        }
        let dir = tempfile::tempdir().unwrap();
        let portal = portal_on(config(&dir), "127.0.0.1:0").await;
        let (session, _) = signed_in(&portal.url).await;
        let (_store_dir, store) = temp_store();
        let pulled = tokio::time::timeout(
            Duration::from_secs(30),
            pull(&session, &store, Collection::Catalog, 5, failing, |_, _| {}),
        )
        .await
        .expect("the pull stops instead of waiting for a queue nobody reads");
        assert!(matches!(pulled, Err(Error::Store(_))), "{pulled:?}");
        let cursor = store
            .call(|c| cursors::cursor(c, Collection::Catalog))
            .await
            .unwrap();
        assert_eq!(cursor, None);
    }

    #[tokio::test]
    async fn an_incremental_sync_brings_changed_and_retired_models_only() {
        let dir = tempfile::tempdir().unwrap();
        let portal = portal_on(config(&dir), "127.0.0.1:0").await;
        let (session, _) = signed_in(&portal.url).await;
        let (_store_dir, store) = temp_store();
        sync_catalog(&session, &store, 500, |_| {}).await.unwrap();
        assert_eq!(
            sync_catalog(&session, &store, 500, |_| {}).await.unwrap(),
            0
        );
        let mut changed: Vec<_> = aicc_portal::catalog::seed::models()
            .into_iter()
            .take(3)
            .collect();
        for model in &mut changed {
            model.stars += 10;
        }
        portal
            .portal
            .db()
            .blocking(|c| aicc_portal::catalog::upsert(c, &changed))
            .unwrap();
        portal
            .portal
            .db()
            .blocking(|c| aicc_portal::catalog::retire(c, "resnet50"))
            .unwrap();
        assert_eq!(
            sync_catalog(&session, &store, 500, |_| {}).await.unwrap(),
            4
        );
        let gone = catalog::CatalogQuery {
            text: "resnet50".into(),
            ..Default::default()
        };
        let found = store
            .call(move |c| catalog::search(c, &gone, 0, 10))
            .await
            .unwrap();
        assert!(found.models.iter().all(|m| m.id != "resnet50"));
        let id = changed[0].id.clone();
        let page = store
            .call(move |c| catalog::model(c, &id))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(page.model.stars, changed[0].stars);
    }

    #[tokio::test]
    async fn a_resumed_session_refreshes_through_the_vault_and_rotates_the_token() {
        let dir = tempfile::tempdir().unwrap();
        let portal = portal_on(config(&dir), "127.0.0.1:0").await;
        let (session, vault) = signed_in(&portal.url).await;
        let key = session.account().key();
        let first = vault.load(&key).unwrap().unwrap();
        let resumed = Session::resume(session.account().clone(), vault.clone())
            .await
            .unwrap();
        let (_store_dir, store) = temp_store();
        sync_catalog(&resumed, &store, 1000, |_| {}).await.unwrap();
        let rotated = vault.load(&key).unwrap().unwrap();
        assert_ne!(first, rotated);
        // Presented again while its successor is unused, the replaced
        // token gets that successor (its answer may have been lost).
        let again = resumed.portal().refresh(&first).await.unwrap();
        assert_eq!(again.refresh_token, rotated);
        // Once the successor was used, the replaced token is spent:
        // replaying it ends the whole session.
        let third = resumed.portal().refresh(&rotated).await.unwrap();
        let replay = resumed.portal().refresh(&first).await.unwrap_err();
        assert!(matches!(replay, Error::SessionEnded), "{replay:?}");
        let after_replay = resumed
            .portal()
            .refresh(&third.refresh_token)
            .await
            .unwrap_err();
        assert!(
            matches!(after_replay, Error::SessionEnded),
            "{after_replay:?}"
        );
    }

    #[tokio::test]
    async fn an_expired_or_revoked_access_token_is_refreshed_without_the_user_noticing() {
        let dir = tempfile::tempdir().unwrap();
        let portal = portal_on(
            Config {
                access_token_ttl_secs: 1,
                ..config(&dir)
            },
            "127.0.0.1:0",
        )
        .await;
        let (session, _) = signed_in(&portal.url).await;
        let (_store_dir, store) = temp_store();
        // Past the whole second the center rounds the token's life up to.
        tokio::time::sleep(Duration::from_millis(2100)).await;
        cycle(&session, &store, 200, |_, _| {}, None).await.unwrap();
        // The center drops every access token while the app still holds one.
        let long_dir = tempfile::tempdir().unwrap();
        let long = portal_on(config(&long_dir), "127.0.0.1:0").await;
        let (session, _) = signed_in(&long.url).await;
        session.access_token().await.unwrap();
        let revoke_every_access_token = || {
            long.portal
                .db()
                .blocking(|c| {
                    c.execute("UPDATE tokens SET revoked_at = 1 WHERE kind = 'access'", [])
                })
                .unwrap();
        };
        revoke_every_access_token();
        cycle(&session, &store, 200, |_, _| {}, None).await.unwrap();
        // Each request, not only a sync's first, survives it.
        let session = &*session;
        revoke_every_access_token();
        center::refresh(session, &store, &clock::now())
            .await
            .unwrap();
        revoke_every_access_token();
        session
            .authorized(|token| async move { session.portal().favourites(&token).await })
            .await
            .unwrap();
        // A token the center refuses twice is the answer, not a loop.
        let sent = std::sync::atomic::AtomicU32::new(0);
        let refused = session
            .authorized(|_| async {
                sent.fetch_add(1, Ordering::Relaxed);
                session.portal().favourites("aat_unknown").await
            })
            .await
            .unwrap_err();
        assert!(
            matches!(refused, Error::Portal { status: 401, .. }),
            "{refused:?}"
        );
        assert_eq!(sent.load(Ordering::Relaxed), 2);
    }

    #[tokio::test]
    async fn a_revoked_session_signs_the_user_out_with_a_clear_state() {
        let dir = tempfile::tempdir().unwrap();
        let portal = portal_on(config(&dir), "127.0.0.1:0").await;
        let (session, vault) = signed_in(&portal.url).await;
        let refresh = vault.load(&session.account().key()).unwrap().unwrap();
        session.portal().revoke(&refresh).await.unwrap();
        session.invalidate().await;
        let (_store_dir, store) = temp_store();
        let engine = SyncEngine::start(Arc::clone(&session), store, SyncOptions::default());
        let report = settled(&engine).await;
        match report.status {
            SyncStatus::Error { code, retry_at, .. } => {
                assert_eq!(code, ErrorCode::SessionEnded);
                assert_eq!(retry_at, None, "nothing to retry until the user signs in");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            vault.load(&session.account().key()).unwrap(),
            None,
            "the dead token is forgotten"
        );
    }

    /// Stopping lets the cycle under way finish: the pages it was fetching
    /// are all kept, then the engine ends; none is cut off mid-cycle.
    #[tokio::test]
    async fn a_stopped_engine_finishes_the_cycle_under_way_then_ends() {
        let dir = tempfile::tempdir().unwrap();
        let portal = portal_on(config(&dir), "127.0.0.1:0").await;
        let (session, _) = signed_in(&portal.url).await;
        let (_store_dir, store) = temp_store();
        let options = SyncOptions {
            page_size: 1,
            ..SyncOptions::default()
        };
        let engine = SyncEngine::start(Arc::clone(&session), store.clone(), options);
        let mut reports = engine.subscribe();
        let total = loop {
            reports.changed().await.unwrap();
            let status = reports.borrow_and_update().status.clone();
            match status {
                SyncStatus::Syncing {
                    received,
                    total: Some(total),
                } if received > 0 && received < total => break total,
                SyncStatus::Syncing { .. } | SyncStatus::Idle => {}
                other => panic!("the cycle ended before it could be stopped: {other:?}"),
            }
        };
        engine.stop().await;
        let kept = store
            .call(|c| catalog::search(c, &everything(), 0, 1))
            .await
            .unwrap()
            .total;
        assert_eq!(kept, total, "every page of the cycle under way is kept");
        let last = reports.borrow_and_update().status.clone();
        assert!(matches!(last, SyncStatus::UpToDate { .. }), "{last:?}");
        assert!(
            reports.changed().await.is_err(),
            "the engine has ended: nothing reports any more"
        );
    }

    #[tokio::test]
    async fn the_engine_reports_offline_with_a_retry_time_and_keeps_the_local_catalog() {
        let dir = tempfile::tempdir().unwrap();
        let portal = portal_on(config(&dir), "127.0.0.1:0").await;
        let (session, vault) = signed_in(&portal.url).await;
        let (_store_dir, store) = temp_store();
        sync_catalog(&session, &store, 1000, |_| {}).await.unwrap();
        let account = session.account().clone();
        portal.stop().await;
        let resumed = Arc::new(Session::resume(account, vault).await.unwrap());
        let engine = SyncEngine::start(resumed, store.clone(), SyncOptions::default());
        let report = settled(&engine).await;
        assert!(
            matches!(report.status, SyncStatus::Offline { .. }),
            "{report:?}"
        );
        assert!(report.catalog_synced_at.is_some());
        assert!(
            store
                .call(|c| catalog::search(c, &everything(), 0, 1))
                .await
                .unwrap()
                .total
                > 0
        );
    }

    #[tokio::test]
    async fn jobs_queued_offline_reach_the_center_exactly_once_even_when_a_response_was_lost() {
        let dir = tempfile::tempdir().unwrap();
        let address = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            probe.local_addr().unwrap().to_string()
        };
        // Sign in while the center is up, then take it down.
        let portal = portal_on(config(&dir), &address).await;
        let (session, _) = signed_in(&portal.url).await;
        portal.stop().await;
        let (_store_dir, store) = temp_store();
        for nodes in 1..=3 {
            store
                .call(move |c| outbox::create_job(c, request(nodes), "2026-11-27T09:00:00Z"))
                .await
                .unwrap();
        }
        let err = outbox::drain(&session, &store, None).await.unwrap_err();
        assert!(matches!(err, Error::Offline { .. }), "{err:?}");
        let waiting = store.call(|c| jobs::list(c, &[])).await.unwrap();
        assert_eq!(waiting.len(), 3);
        assert!(
            waiting
                .iter()
                .all(|j| j.outbox.as_ref().is_some_and(|o| o.refusal.is_none()))
        );

        let first_local = waiting
            .iter()
            .find(|j| j.job.request.nodes == 1)
            .unwrap()
            .job
            .id
            .clone();

        let portal = portal_on(config(&dir), &address).await;
        // The first write reached the center before, but its answer was lost.
        let key: String = store
            .call(|c| {
                Ok(c.query_row(
                    "SELECT idempotency_key FROM outbox ORDER BY seq LIMIT 1",
                    [],
                    |r| r.get(0),
                )?)
            })
            .await
            .unwrap();
        let token = session.access_token().await.unwrap();
        session
            .portal()
            .write(
                &token,
                reqwest::Method::POST,
                "v1/jobs",
                &crate::portal::WriteBody::Json(serde_json::to_value(request(1)).unwrap()),
                &key,
            )
            .await
            .unwrap();
        assert_eq!(outbox::drain(&session, &store, None).await.unwrap(), 3);
        cycle(&session, &store, 500, |_, _| {}, None).await.unwrap();
        let on_center: ChangePage<aicc_api::jobs::Job> = session
            .portal()
            .changes(&token, Collection::Jobs, 0, 100)
            .await
            .unwrap();
        assert_eq!(on_center.changes.len(), 3, "exactly three jobs, none twice");
        let local = store.call(|c| jobs::list(c, &[])).await.unwrap();
        assert_eq!(local.len(), 3);
        assert!(
            local
                .iter()
                .all(|j| j.outbox.is_none() && j.job.id.starts_with("job_"))
        );
        let found = store
            .call(move |c| jobs::get(c, &first_local))
            .await
            .unwrap()
            .expect("a page opened on the local id still finds the job");
        assert!(found.job.id.starts_with("job_"), "{}", found.job.id);
        assert_eq!(found.job.request.nodes, 1);
        drop(portal);
    }

    #[tokio::test]
    async fn a_member_is_offered_to_cancel_their_own_jobs_and_an_admin_anyones_offline_too() {
        let dir = tempfile::tempdir().unwrap();
        let portal = portal_on(config(&dir), "127.0.0.1:0").await;
        let (admin, _) = signed_in(&portal.url).await;
        let (member, _) = Session::sign_in(
            &portal.url,
            &Default::default(),
            &Credentials::password("engineer@demo.aicc", "demo-password"),
            Arc::new(MemoryStore::default()),
        )
        .await
        .unwrap();
        let mut offered = Vec::new();
        for session in [&*admin, &member] {
            let (_store_dir, store) = temp_store();
            store
                .call(|c| outbox::create_job(c, request(1), "t"))
                .await
                .unwrap();
            cycle(session, &store, 200, |_, _| {}, None).await.unwrap();
            let views = store.call(|c| jobs::list(c, &[])).await.unwrap();
            offered.push(
                views
                    .iter()
                    .map(|v| (v.job.submitted_by.clone(), v.may_cancel))
                    .collect::<std::collections::BTreeMap<_, _>>(),
            );
        }
        let (admin_sees, member_sees) = (&offered[0], &offered[1]);
        assert_eq!(admin_sees.get("partner@demo.aicc"), Some(&Some(true)));
        assert_eq!(member_sees.get("engineer@demo.aicc"), Some(&Some(true)));
        assert_eq!(
            member_sees.get("partner@demo.aicc"),
            Some(&Some(false)),
            "a member is not offered the admin's job"
        );
        drop(portal);
    }

    #[tokio::test]
    async fn a_refused_request_stays_with_the_reason_and_the_input_until_revised() {
        let dir = tempfile::tempdir().unwrap();
        let portal = portal_on(config(&dir), "127.0.0.1:0").await;
        let (session, _) = signed_in(&portal.url).await;
        let (_store_dir, store) = temp_store();
        let local = store
            .call(|c| outbox::create_job(c, request(99), "t"))
            .await
            .unwrap();
        assert_eq!(outbox::drain(&session, &store, None).await.unwrap(), 0);
        let id = local.clone();
        let view = store
            .call(move |c| jobs::get(c, &id))
            .await
            .unwrap()
            .unwrap();
        let entry = view.outbox.unwrap();
        let refusal = entry.refusal.clone().unwrap();
        assert_eq!(refusal.field.as_deref(), Some("nodes"));
        assert!(refusal.message.contains("8 nodes"), "{}", refusal.message);
        let outbox::Write::CreateJob { request: kept, .. } = &entry.write else {
            panic!()
        };
        assert_eq!(kept.nodes, 99, "the user's input is intact");
        let mut fixed = kept.clone();
        fixed.nodes = 2;
        let write = outbox::Write::CreateJob {
            local_id: local,
            request: fixed,
        };
        store
            .call(move |c| outbox::revise(c, entry.seq, &write))
            .await
            .unwrap();
        assert_eq!(outbox::drain(&session, &store, None).await.unwrap(), 1);
        assert!(store.call(|c| outbox::entries(c)).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn favourites_follow_the_account_from_one_computer_to_another() {
        let dir = tempfile::tempdir().unwrap();
        let portal = portal_on(config(&dir), "127.0.0.1:0").await;
        let (office, _) = signed_in(&portal.url).await;
        let (laptop, _) = signed_in(&portal.url).await;
        let (_a, at_office) = temp_store();
        let (_b, on_laptop) = temp_store();
        let favourites = |store: &Store| {
            let store = store.clone();
            async move {
                let mut query = everything();
                query.favourites_only = true;
                store
                    .call(move |c| catalog::search(c, &query, 0, 100))
                    .await
                    .unwrap()
                    .models
                    .into_iter()
                    .map(|m| m.id)
                    .collect::<Vec<_>>()
            }
        };
        cycle(&office, &at_office, 500, |_, _| {}, None)
            .await
            .unwrap();
        at_office
            .call(|c| outbox::set_favourite(c, "resnet50", true, "t"))
            .await
            .unwrap();
        cycle(&office, &at_office, 500, |_, _| {}, None)
            .await
            .unwrap();
        cycle(&laptop, &on_laptop, 500, |_, _| {}, None)
            .await
            .unwrap();
        assert_eq!(favourites(&on_laptop).await, ["resnet50"]);

        on_laptop
            .call(|c| outbox::set_favourite(c, "resnet50", false, "t"))
            .await
            .unwrap();
        cycle(&laptop, &on_laptop, 500, |_, _| {}, None)
            .await
            .unwrap();
        // A favourite kept while its write waits is not undone by the account's list.
        at_office
            .call(|c| {
                catalog::set_favourite(c, "qwen3-32b", true, "t")?;
                c.execute(
                    "INSERT INTO outbox (write, idempotency_key, created_at)
                     VALUES ('{\"kind\":\"set_favourite\",\"model_id\":\"qwen3-32b\",\"favourite\":true}', 'k', 't')",
                    [],
                )?;
                catalog::apply_favourites(c, &[], "t")
            })
            .await
            .unwrap();
        assert_eq!(favourites(&at_office).await, ["qwen3-32b"]);
        cycle(&office, &at_office, 500, |_, _| {}, None)
            .await
            .unwrap();
        assert_eq!(favourites(&at_office).await, ["qwen3-32b"]);
        cycle(&laptop, &on_laptop, 500, |_, _| {}, None)
            .await
            .unwrap();
        assert_eq!(favourites(&on_laptop).await, ["qwen3-32b"]);
    }

    #[tokio::test]
    async fn an_application_written_offline_is_created_saved_and_submitted_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let portal = portal_on(config(&dir), "127.0.0.1:0").await;
        let (session, _) = signed_in(&portal.url).await;
        let (_store_dir, store) = temp_store();
        let mut form = aicc_api::applications::ApplicationForm {
            organisation_name: "Demo Robotics".into(),
            ..Default::default()
        };
        let id = store
            .call({
                let form = form.clone();
                move |c| outbox::save_application(c, None, form, "t")
            })
            .await
            .unwrap();
        form.uscc = "914403001922038217".into();
        let refused_locally = store
            .call({
                let (form, id) = (form.clone(), id.clone());
                move |c| outbox::save_application(c, Some(&id), form, "t")
            })
            .await
            .unwrap_err();
        assert!(
            refused_locally.to_string().contains("uscc"),
            "checked before it is queued"
        );
        form.uscc = "914403001922038216".into();
        form.organisation_kind = Some(aicc_api::applications::OrganisationKind::IncubatedStartup);
        form.contact_name = "Li Wei".into();
        form.contact_email = "li.wei@robotics.example.cn".into();
        form.contact_phone = "+86 311 8888 6666".into();
        form.solution_name = "Weld seam inspection".into();
        form.solution_description = "Finds weld defects at the line.".into();
        form.target_hardware = vec!["Atlas 300I Duo".into()];
        form.tier = Some(aicc_api::applications::ProgrammeTier::Certified);
        let mut pdf = b"%PDF-1.7\n".to_vec();
        pdf.resize(300 * 1024, b' ');
        pdf.extend_from_slice(b"\n%%EOF\n");
        let size = pdf.len() as u64;
        store
            .call({
                let id = id.clone();
                move |c| {
                    outbox::save_application(c, Some(&id), form, "t")?;
                    outbox::upload_attachment(c, &id, "licence.pdf", pdf, "t")?;
                    outbox::submit_application(c, &id, "t")
                }
            })
            .await
            .unwrap();
        let about = id.clone();
        let waiting = store
            .call(move |c| outbox::entries_about(c, &about))
            .await
            .unwrap();
        assert_eq!(waiting.len(), 4, "every write about the application");
        let heard = Arc::new(std::sync::Mutex::new(Vec::new()));
        let on_upload: OnUpload = Arc::new({
            let heard = Arc::clone(&heard);
            move |upload| heard.lock().unwrap().push(upload)
        });
        assert_eq!(
            outbox::drain(&session, &store, Some(&on_upload))
                .await
                .unwrap(),
            4
        );
        let heard = heard.lock().unwrap().clone();
        assert!(heard.len() >= 4, "progress in pieces: {heard:?}");
        assert!(heard.windows(2).all(|w| w[0].sent_bytes < w[1].sent_bytes));
        let last = heard.last().unwrap();
        assert_eq!((last.sent_bytes, last.total_bytes), (size, size));
        assert_eq!(last.file_name, "licence.pdf");
        assert!(
            !outbox::is_local(&last.application_id),
            "reported under the center's id: {}",
            last.application_id
        );
        cycle(&session, &store, 500, |_, _| {}, None).await.unwrap();
        let apps = store.call(|c| applications::list(c)).await.unwrap();
        assert_eq!(
            apps.len(),
            1,
            "the local draft became the center's application"
        );
        let app = &apps[0].application;
        assert_eq!(
            app.state,
            aicc_api::applications::ApplicationState::Submitted
        );
        assert_eq!(app.attachments.len(), 1);
        assert_eq!(app.attachments[0].size_bytes, size);
        // A form still holding the local id attaches and saves to the center's application.
        let (local, on_center) = (id.clone(), app.id.clone());
        let later = store
            .call(move |c| {
                outbox::upload_attachment(c, &local, "brief.pdf", b"%PDF-1.7\n".to_vec(), "t")?;
                outbox::submit_application(c, &local, "t")?;
                outbox::entries_about(c, &local)
            })
            .await
            .unwrap();
        assert_eq!(later.len(), 2);
        assert!(later.iter().all(|e| e.write.item_id() == on_center));
        assert_eq!(app.form.uscc, "914403001922038216");
    }

    #[tokio::test]
    async fn a_withdrawal_shows_at_once_reaches_the_center_and_cannot_be_repeated() {
        let dir = tempfile::tempdir().unwrap();
        let portal = portal_on(config(&dir), "127.0.0.1:0").await;
        let (session, _) = signed_in(&portal.url).await;
        let (_store_dir, store) = temp_store();
        let form: aicc_api::applications::ApplicationForm =
            serde_json::from_value(aicc_e2e::fixtures::application_form()).unwrap();
        let id = store
            .call(move |c| {
                let id = outbox::save_application(c, None, form, "t")?;
                outbox::submit_application(c, &id, "t")?;
                Ok(id)
            })
            .await
            .unwrap();
        outbox::drain(&session, &store, None).await.unwrap();
        let local = id.clone();
        let shown = store
            .call(move |c| {
                outbox::withdraw_application(c, &local, "t")?;
                applications::get(c, &local)
            })
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            shown.application.state,
            aicc_api::applications::ApplicationState::Withdrawn
        );
        assert_eq!(outbox::drain(&session, &store, None).await.unwrap(), 1);
        cycle(&session, &store, 500, |_, _| {}, None).await.unwrap();
        let apps = store.call(|c| applications::list(c)).await.unwrap();
        assert_eq!(
            apps[0].application.state,
            aicc_api::applications::ApplicationState::Withdrawn,
            "as the center has it"
        );
        assert!(apps[0].outbox.is_none());
        let again = store
            .call(move |c| outbox::withdraw_application(c, &id, "t"))
            .await
            .unwrap_err();
        assert!(matches!(again, Error::InvalidInput(_)), "{again}");
    }

    #[tokio::test]
    async fn an_ended_job_is_notified_once_and_first_sync_history_never() {
        let dir = tempfile::tempdir().unwrap();
        let fast = Config {
            executor: ExecutorConfig::Simulated {
                time_scale: 36_000.0,
                failure_rate: 0.0,
            },
            ..config(&dir)
        };
        let portal = portal_on(fast, "127.0.0.1:0").await;
        let (session, _) = signed_in(&portal.url).await;
        let token = session.access_token().await.unwrap();
        let body = crate::portal::WriteBody::Json(serde_json::to_value(request(1)).unwrap());
        let old = session
            .portal()
            .write(&token, reqwest::Method::POST, "v1/jobs", &body, "history")
            .await
            .unwrap();
        let old_id = old["id"].as_str().unwrap().to_owned();
        wait_until_job(&session, &old_id, "succeeded").await;
        let (_store_dir, store) = temp_store();
        cycle(&session, &store, 500, |_, _| {}, None).await.unwrap();
        assert!(
            store
                .call(|c| notifications::inbox(c, 10))
                .await
                .unwrap()
                .is_empty(),
            "history is not news"
        );

        let new = session
            .portal()
            .write(&token, reqwest::Method::POST, "v1/jobs", &body, "news")
            .await
            .unwrap();
        let new_id = new["id"].as_str().unwrap().to_owned();
        cycle(&session, &store, 500, |_, _| {}, None).await.unwrap();
        wait_until_job(&session, &new_id, "succeeded").await;
        cycle(&session, &store, 500, |_, _| {}, None).await.unwrap();
        cycle(&session, &store, 500, |_, _| {}, None).await.unwrap();
        let inbox = store.call(|c| notifications::inbox(c, 10)).await.unwrap();
        assert_eq!(inbox.len(), 1, "{inbox:?}");
        assert_eq!(
            (inbox[0].item_id.as_str(), inbox[0].state.as_str()),
            (new_id.as_str(), "succeeded")
        );
        let taken = store
            .call(|c| notifications::take_unshown(c, "t"))
            .await
            .unwrap();
        assert_eq!(taken.len(), 1, "{taken:?}");
        assert!(
            store
                .call(|c| notifications::take_unshown(c, "t"))
                .await
                .unwrap()
                .is_empty(),
            "a notification is offered to the OS once"
        );
        assert_eq!(store.call(|c| notifications::unread(c)).await.unwrap(), 1);
    }

    #[tokio::test]
    async fn the_event_stream_wakes_the_engine_when_the_center_changes() {
        let dir = tempfile::tempdir().unwrap();
        let portal = portal_on(config(&dir), "127.0.0.1:0").await;
        let (session, _) = signed_in(&portal.url).await;
        let (_store_dir, store) = temp_store();
        let options = SyncOptions {
            poll_interval: Duration::from_secs(3600),
            ..SyncOptions::default()
        };
        let engine = SyncEngine::start(Arc::clone(&session), store.clone(), options);
        let mut reports = engine.subscribe();
        loop {
            reports.changed().await.unwrap();
            let report = reports.borrow_and_update().clone();
            if report.live && matches!(report.status, SyncStatus::UpToDate { .. }) {
                break;
            }
        }
        let mut model = aicc_portal::catalog::seed::models().remove(0);
        model.id = "rail-defect-yolo".into();
        model.name = "Rail defect YOLO".into();
        portal
            .portal
            .db()
            .blocking(|c| aicc_portal::catalog::upsert(c, &[model]))
            .unwrap();
        let found = tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                let query = catalog::CatalogQuery {
                    text: "rail defect".into(),
                    ..Default::default()
                };
                if store
                    .call(move |c| catalog::search(c, &query, 0, 1))
                    .await
                    .unwrap()
                    .total
                    == 1
                {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
        .await;
        assert!(
            found.is_ok(),
            "the new model arrived long before the hourly poll"
        );
    }

    async fn settled(engine: &SyncEngine) -> SyncReport {
        let mut reports = engine.subscribe();
        loop {
            reports.changed().await.unwrap();
            let report = reports.borrow_and_update().clone();
            if !matches!(report.status, SyncStatus::Idle | SyncStatus::Syncing { .. }) {
                return report;
            }
        }
    }

    async fn wait_until_job(session: &Session, id: &str, state: &str) {
        for _ in 0..200 {
            let token = session.access_token().await.unwrap();
            let page: ChangePage<aicc_api::jobs::Job> = session
                .portal()
                .changes(&token, Collection::Jobs, 0, 100)
                .await
                .unwrap();
            let done = page.changes.iter().any(|c| match c {
                aicc_api::sync::Change::Upsert { item, .. } => {
                    item.id == id && item.state.as_str() == state
                }
                aicc_api::sync::Change::Tombstone { .. } => false,
            });
            if done {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("job {id} never reached {state}");
    }
}
