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
use crate::{applications, catalog, center, clock, cursors, incubation, jobs, outbox};

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
    pull_offered(
        session,
        store,
        Collection::Milestones,
        page_size,
        incubation::apply_page,
    )
    .await?;
    pull_offered(
        session,
        store,
        Collection::Credits,
        page_size,
        crate::credits::apply_page,
    )
    .await?;
    pull_offered(
        session,
        store,
        Collection::CohortEvents,
        page_size,
        crate::cohort_events::apply_page,
    )
    .await?;
    pull_offered(
        session,
        store,
        Collection::OfficeHours,
        page_size,
        crate::mentors::apply_page,
    )
    .await?;
    pull_offered(
        session,
        store,
        Collection::Directory,
        page_size,
        crate::searchable::apply_page::<aicc_api::directory::Solution>,
    )
    .await?;
    pull_offered(
        session,
        store,
        Collection::Cooperation,
        page_size,
        crate::cooperation::apply_page,
    )
    .await?;
    pull_offered(
        session,
        store,
        Collection::Courses,
        page_size,
        crate::talent::apply_page,
    )
    .await?;
    pull_offered(
        session,
        store,
        Collection::Certifications,
        page_size,
        crate::searchable::apply_page::<aicc_api::talent::Certification>,
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

/// Pulls a collection a center from before it has none to give (404), or
/// the account's role may not read (403: center staff read no partners'
/// cooperation), which is no error.
async fn pull_offered<T, A>(
    session: &Session,
    store: &Store,
    collection: Collection,
    page_size: u32,
    apply: A,
) -> Result<u32>
where
    T: DeserializeOwned + Send + Sync + 'static,
    A: Fn(&mut Connection, &ChangePage<T>, &str) -> Result<usize> + Clone + Send + 'static,
{
    match pull(session, store, collection, page_size, apply, |_, _| {}).await {
        Err(crate::Error::Portal {
            status: 403 | 404, ..
        }) => Ok(0),
        pulled => pulled,
    }
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
pub async fn pull<T, A>(
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
pub const PAGES_AHEAD: usize = 8;

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
