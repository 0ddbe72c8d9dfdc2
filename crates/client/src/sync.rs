//! The sync engine: one background task per signed-in account that pulls
//! the catalog's change feed into the local store, page by page, and
//! publishes an honest status for the UI (syncing with counts, up to date at
//! T, offline and when it retries, or an error and what to do).

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use crate::catalog;
use crate::error::{Error, ErrorCode, Result};
use crate::session::Session;
use crate::store::{self, Store};

/// What the sync engine is doing, for the status bar.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SyncStatus {
    /// Not started yet.
    Idle,
    /// Pulling changes; `received` counts models received so far.
    Syncing { received: u32 },
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

/// The status plus how old the local catalog is.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct SyncReport {
    pub status: SyncStatus,
    /// When the catalog was last brought up to date (RFC 3339), if ever.
    pub catalog_synced_at: Option<String>,
}

/// How the engine paces itself.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    pub page_size: u32,
    /// Between syncs while everything is fine.
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
            max_backoff: Duration::from_secs(300),
        }
    }
}

/// A running sync task; dropping it stops the task.
#[derive(Debug)]
pub struct SyncEngine {
    report: watch::Receiver<SyncReport>,
    wake: Arc<Notify>,
    task: JoinHandle<()>,
}

impl SyncEngine {
    /// Starts syncing `session`'s center into `store`.
    pub fn start(session: Arc<Session>, store: Store, options: SyncOptions) -> Self {
        let (tx, report) = watch::channel(SyncReport {
            status: SyncStatus::Idle,
            catalog_synced_at: None,
        });
        let wake = Arc::new(Notify::new());
        let task = tokio::spawn(run(session, store, options, tx, Arc::clone(&wake)));
        Self { report, wake, task }
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
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn run(
    session: Arc<Session>,
    store: Store,
    options: SyncOptions,
    report: watch::Sender<SyncReport>,
    wake: Arc<Notify>,
) {
    let mut synced_at = store
        .call(|c| store::cursor(c, catalog::COLLECTION))
        .await
        .ok()
        .flatten()
        .map(|(_, at)| at);
    let mut backoff = options.min_backoff;
    let mut offline_since: Option<String> = None;
    loop {
        let publish = |status| {
            report.send_replace(SyncReport {
                status,
                catalog_synced_at: synced_at.clone(),
            })
        };
        publish(SyncStatus::Syncing { received: 0 });
        let progress = |received| {
            report.send_replace(SyncReport {
                status: SyncStatus::Syncing { received },
                catalog_synced_at: synced_at.clone(),
            });
        };
        let outcome = sync_catalog(&session, &store, options.page_size, progress).await;
        let wait = match outcome {
            Ok(_) => {
                let now = now_rfc3339(Duration::ZERO);
                synced_at = Some(now.clone());
                backoff = options.min_backoff;
                offline_since = None;
                report.send_replace(SyncReport {
                    status: SyncStatus::UpToDate { at: now },
                    catalog_synced_at: synced_at.clone(),
                });
                options.poll_interval
            }
            Err(e) => {
                let wait = jittered(backoff);
                backoff = (backoff * 2).min(options.max_backoff);
                let retry_at = now_rfc3339(wait);
                let status = match &e {
                    Error::Offline { reason, .. } => SyncStatus::Offline {
                        since: offline_since
                            .get_or_insert_with(|| now_rfc3339(Duration::ZERO))
                            .clone(),
                        retry_at,
                        reason: reason.clone(),
                    },
                    _ => SyncStatus::Error {
                        code: e.code(),
                        message: e.to_string(),
                        retry_at: retryable(&e).then_some(retry_at),
                    },
                };
                tracing::warn!(error = %e, retry_in = ?wait, "catalog sync failed");
                report.send_replace(SyncReport {
                    status,
                    catalog_synced_at: synced_at.clone(),
                });
                if retryable(&e) { wait } else { Duration::MAX }
            }
        };
        tokio::select! {
            () = tokio::time::sleep(wait.min(Duration::from_secs(24 * 3600))) => {}
            () = wake.notified() => {}
        }
    }
}

/// Pulls the catalog's change feed until nothing more is waiting, applying
/// each page with its cursor in one transaction. Returns the number of
/// changes applied. `progress` hears the running count after each page.
pub async fn sync_catalog(
    session: &Session,
    store: &Store,
    page_size: u32,
    mut progress: impl FnMut(u32),
) -> Result<u32> {
    let mut after = store
        .call(|c| store::cursor(c, catalog::COLLECTION))
        .await?
        .map_or(0, |(rev, _)| rev);
    let mut received = 0u32;
    let mut refreshed = false;
    loop {
        let token = session.access_token().await?;
        let page = match session
            .portal()
            .catalog_changes(&token, after, page_size)
            .await
        {
            // The access token may have been revoked early: refresh once.
            Err(Error::Portal { status: 401, .. }) if !refreshed => {
                refreshed = true;
                session.invalidate().await;
                continue;
            }
            other => other?,
        };
        let more = page.more;
        after = page.next;
        let synced_at = now_rfc3339(Duration::ZERO);
        received += store
            .call(move |c| catalog::apply_page(c, &page, &synced_at))
            .await? as u32;
        progress(received);
        if !more {
            return Ok(received);
        }
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

fn now_rfc3339(after: Duration) -> String {
    (OffsetDateTime::now_utc() + after)
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::{CredentialStore as _, MemoryStore};
    use aicc_portal::Portal;
    use aicc_portal::config::Config;

    struct TestPortal {
        url: String,
        portal: Portal,
        _dir: tempfile::TempDir,
        stop: Option<tokio::sync::oneshot::Sender<()>>,
    }

    impl Drop for TestPortal {
        fn drop(&mut self) {
            if let Some(stop) = self.stop.take() {
                let _ = stop.send(());
            }
        }
    }

    async fn demo_portal() -> TestPortal {
        let dir = tempfile::tempdir().unwrap();
        let config = Config {
            data_dir: dir.path().into(),
            ..Config::default()
        };
        let portal = Portal::open(config, true).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let serving = portal.clone();
        tokio::spawn(async move {
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
            _dir: dir,
            stop: Some(stop),
        }
    }

    async fn signed_in(url: &str) -> (Arc<Session>, Arc<MemoryStore>) {
        let vault = Arc::new(MemoryStore::default());
        let (session, account) =
            Session::sign_in(url, "partner@demo.aicc", "demo-password", vault.clone())
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

    #[tokio::test]
    async fn first_sync_pulls_the_whole_catalog_page_by_page() {
        let portal = demo_portal().await;
        let (session, _) = signed_in(&portal.url).await;
        let (_dir, store) = temp_store();
        let mut pages = Vec::new();
        let received = sync_catalog(&session, &store, 100, |n| pages.push(n))
            .await
            .unwrap();
        let seeded = aicc_portal::catalog::seed::models().len() as u32;
        assert_eq!(received, seeded);
        assert_eq!(pages.len(), (seeded as usize).div_ceil(100));
        let found = store
            .call(|c| catalog::search(c, "resnet50", 0, 10))
            .await
            .unwrap();
        assert_eq!(found.models[0].id, "resnet50");
        let all = store.call(|c| catalog::search(c, "", 0, 1)).await.unwrap();
        assert_eq!(all.total, seeded);
    }

    #[tokio::test]
    async fn a_later_sync_pulls_only_what_changed_since_the_stored_cursor() {
        let portal = demo_portal().await;
        let (session, _) = signed_in(&portal.url).await;
        let (_dir, store) = temp_store();
        sync_catalog(&session, &store, 500, |_| {}).await.unwrap();
        assert_eq!(
            sync_catalog(&session, &store, 500, |_| {}).await.unwrap(),
            0
        );
        portal
            .portal
            .db()
            .blocking(|c| aicc_portal::catalog::retire(c, "resnet50"))
            .unwrap();
        assert_eq!(
            sync_catalog(&session, &store, 500, |_| {}).await.unwrap(),
            1
        );
        let found = store
            .call(|c| catalog::search(c, "resnet50", 0, 10))
            .await
            .unwrap();
        assert!(found.models.iter().all(|m| m.id != "resnet50"));
    }

    #[tokio::test]
    async fn a_resumed_session_refreshes_through_the_vault_and_rotates_the_token() {
        let portal = demo_portal().await;
        let (session, vault) = signed_in(&portal.url).await;
        let key = session.account().key();
        let first = vault.load(&key).unwrap().unwrap();
        let resumed = Session::resume(session.account().clone(), vault.clone()).unwrap();
        let (_dir, store) = temp_store();
        sync_catalog(&resumed, &store, 1000, |_| {}).await.unwrap();
        let rotated = vault.load(&key).unwrap().unwrap();
        assert_ne!(first, rotated);
        // The replaced token is spent: replaying it ends the whole session.
        let replay = resumed.portal().refresh(&first).await.unwrap_err();
        assert!(matches!(replay, Error::SessionEnded), "{replay:?}");
        let after_replay = resumed.portal().refresh(&rotated).await.unwrap_err();
        assert!(
            matches!(after_replay, Error::SessionEnded),
            "{after_replay:?}"
        );
    }

    #[tokio::test]
    async fn wrong_password_is_named_as_such() {
        let portal = demo_portal().await;
        let vault = Arc::new(MemoryStore::default());
        let err = Session::sign_in(&portal.url, "partner@demo.aicc", "nope", vault)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::WrongCredentials), "{err:?}");
    }

    #[tokio::test]
    async fn the_engine_reports_offline_with_a_retry_time_and_keeps_the_local_catalog() {
        let portal = demo_portal().await;
        let (session, vault) = signed_in(&portal.url).await;
        let (_dir, store) = temp_store();
        sync_catalog(&session, &store, 1000, |_| {}).await.unwrap();
        let account = session.account().clone();
        drop(portal);
        tokio::time::sleep(Duration::from_millis(100)).await;
        let resumed = Arc::new(Session::resume(account, vault).unwrap());
        let engine = SyncEngine::start(resumed, store.clone(), SyncOptions::default());
        let mut reports = engine.subscribe();
        let report = loop {
            reports.changed().await.unwrap();
            let report = reports.borrow_and_update().clone();
            if !matches!(report.status, SyncStatus::Idle | SyncStatus::Syncing { .. }) {
                break report;
            }
        };
        assert!(
            matches!(report.status, SyncStatus::Offline { .. }),
            "{report:?}"
        );
        assert!(report.catalog_synced_at.is_some());
        assert!(
            store
                .call(|c| catalog::search(c, "", 0, 1))
                .await
                .unwrap()
                .total
                > 0
        );
    }
}
