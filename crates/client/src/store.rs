//! The local store: one SQLite database per center and account, holding
//! everything the app shows, so every screen works with the network off,
//! and beside it the catalog's search index in a database of its own
//! (`catalog::index`). Work runs on a blocking thread, never on the async
//! runtime.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub use rusqlite::Connection;
use rusqlite_migration::{M, MigrationDefinitionError, Migrations};

use crate::catalog;
use crate::error::{Error, Result};

const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("../migrations/0001_catalog.sql")),
    M::up(include_str!(
        "../migrations/0002_jobs_applications_outbox.sql"
    )),
    M::up(include_str!("../migrations/0003_center.sql")),
    M::up(include_str!(
        "../migrations/0004_favourites_on_the_account.sql"
    )),
    M::up(include_str!("../migrations/0005_search_speed.sql")),
    M::up(include_str!("../migrations/0006_lean_catalog_rows.sql")),
    M::up(include_str!("../migrations/0007_search_text_kept.sql")),
    M::up(include_str!(
        "../migrations/0008_filters_in_the_search_index.sql"
    )),
    M::up(include_str!("../migrations/0009_fewer_search_merges.sql")),
    M::up(include_str!(
        "../migrations/0010_search_index_on_its_own.sql"
    )),
    M::up(include_str!(
        "../migrations/0011_account_in_center_info.sql"
    )),
    M::up(include_str!(
        "../migrations/0012_pool_history_in_center_info.sql"
    )),
    M::up(include_str!(
        "../migrations/0013_center_identity_in_center_info.sql"
    )),
    M::up(include_str!("../migrations/0014_incubation.sql")),
    M::up(include_str!("../migrations/0015_credits.sql")),
    M::up(include_str!("../migrations/0016_cohort_events.sql")),
    M::up(include_str!("../migrations/0017_mentors.sql")),
    M::up(include_str!("../migrations/0018_directory.sql")),
    M::up(include_str!("../migrations/0019_refusal_reasons.sql")),
];

/// A handle on one account's local database.
#[derive(Debug, Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
    path: PathBuf,
    beside: Arc<Mutex<Beside>>,
}

/// Search index writes running on a connection and thread of their own.
#[derive(Debug, Default)]
struct Beside {
    running: Option<std::thread::JoinHandle<(Connection, Result<()>)>>,
}

impl Beside {
    /// Waits for the writes under way; returns their connection.
    fn finish(&mut self) -> Result<Option<Connection>> {
        let Some(running) = self.running.take() else {
            return Ok(None);
        };
        let (conn, written) = running.join().map_err(|_| Error::TaskFailed)?;
        written.map(|()| Some(conn))
    }
}

/// A store's writes beside end with it: the store may be opened again at
/// once (signing in to the same account), and finds the index at rest. What
/// they failed to write shows then as an index behind the catalog, and is
/// built anew (`catalog::index::open`).
impl Drop for Beside {
    fn drop(&mut self) {
        if let Err(e) = self.finish() {
            tracing::warn!(error = %e, "the search index's last writes failed");
        }
    }
}

/// How long a write waits for another process's (the app's, `aicc`'s) to
/// end before it fails.
pub const BUSY_PATIENCE: std::time::Duration = std::time::Duration::from_secs(30);

impl Store {
    /// Opens (creating if needed) and migrates the database at `path`.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| Error::File {
                path: dir.display().to_string(),
                source,
            })?;
        }
        let mut conn = Connection::open(path)?;
        // The app and `aicc` share the store: a write of one waits for the
        // other's to end instead of failing, and a transaction holds the
        // right to write from its start, so one that read before the other
        // wrote is never refused its own write (SQLITE_BUSY_SNAPSHOT).
        conn.busy_timeout(BUSY_PATIENCE)?;
        conn.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: what the user queued (a job, an application, a cancel) is
        // on disk when the app says so. The catalog sync commits once per
        // page, so the extra fsyncs are few; the search index beside,
        // rebuilt from the catalog when lost, stays NORMAL.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // `rarray(?)`: a set of rowids read once, passed back as a table
        // (`searchable.rs`).
        rusqlite::vtab::array::load_module(&conn)?;
        // Copying the log back into the database is left to `checkpoint`,
        // which the sync engine runs once a cycle is done, instead of to
        // whichever write crosses 1,000 pages: that made an incremental sync
        // of 100 models 28 ms instead of 13 (bench). The limit stays, higher,
        // so a first sync of a large catalog keeps the log to about 40 MB.
        conn.pragma_update(None, "wal_autocheckpoint", 10_000)?;
        match Migrations::from_slice(MIGRATIONS).to_latest(&mut conn) {
            Ok(()) => {}
            Err(rusqlite_migration::Error::MigrationDefinition(
                MigrationDefinitionError::DatabaseTooFarAhead,
            )) => {
                return Err(Error::NewerStore {
                    path: path.display().to_string(),
                });
            }
            Err(e) => return Err(e.into()),
        }
        open_search(&mut conn, &catalog::index::path(path))?;
        // A first sync stopped before its end left them out.
        catalog::build_browse_indexes(&mut conn)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            path: path.to_owned(),
            beside: Arc::default(),
        })
    }

    /// Runs `work` on a connection of the search index's own database, on
    /// a thread of its own, after the work given before it; returns at
    /// once. A sync of many pages writes each page's search index changes
    /// so, beside the next page's rows: SQLite lets one connection write a
    /// database at a time, and the search index was a third of a first
    /// sync's writing.
    pub fn index_beside(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<()> + Send + 'static,
    ) -> Result<()> {
        let mut beside = self.beside.lock().unwrap_or_else(|p| p.into_inner());
        let mut conn = match beside.finish()? {
            Some(conn) => conn,
            None => catalog::index::indexer(&catalog::index::path(&self.path))?,
        };
        beside.running = Some(std::thread::spawn(move || {
            let written = work(&mut conn);
            (conn, written)
        }));
        Ok(())
    }

    /// Whether work given to `index_beside` has not been waited for.
    pub fn indexing(&self) -> bool {
        let beside = self.beside.lock().unwrap_or_else(|p| p.into_inner());
        beside.running.is_some()
    }

    /// Waits for the work given to `index_beside`, and closes its connection.
    pub fn indexed(&self) -> Result<()> {
        let mut beside = self.beside.lock().unwrap_or_else(|p| p.into_inner());
        beside.finish().map(drop)
    }

    /// Where the database lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `work` on the database on a blocking thread.
    pub async fn call<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut conn = conn.lock().unwrap_or_else(|poison| poison.into_inner());
            work(&mut conn)
        })
        .await?
    }
}

impl Store {
    /// Runs `work` on the calling thread; for tests and command-line tools.
    pub fn blocking<T>(&self, work: impl FnOnce(&mut Connection) -> Result<T>) -> Result<T> {
        let mut conn = self
            .conn
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        work(&mut conn)
    }
}

/// Copies what the write-ahead log holds into the database, as far as no
/// reader needs it (never waits for one).
pub fn checkpoint(conn: &mut Connection) -> Result<()> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
    Ok(())
}

/// Opens the catalog's search index beside the store's database. The
/// index holds nothing the catalog does not: one that cannot be read (a
/// damaged file) is removed and built anew rather than keeping the store
/// from opening.
fn open_search(conn: &mut Connection, path: &Path) -> Result<()> {
    let Err(e) = catalog::index::open(conn, path) else {
        return Ok(());
    };
    tracing::warn!(error = %e, path = %path.display(), "the search index cannot be read; building it anew");
    catalog::index::detach(conn)?;
    for file in database_files(path) {
        match std::fs::remove_file(&file) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(Error::File {
                    path: file.display().to_string(),
                    source: e,
                });
            }
            _ => {}
        }
    }
    catalog::index::open(conn, path)
}

/// A database's files: itself, its write-ahead log and the log's index.
pub fn database_files(path: &Path) -> [PathBuf; 3] {
    ["", "-wal", "-shm"].map(|suffix| PathBuf::from(format!("{}{suffix}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a partner's store held at each schema version, written right
    /// after that version's migration with the tables it had then.
    fn data_at(conn: &Connection, version: usize) -> rusqlite::Result<()> {
        match version {
            1 => {
                let model = aicc_portal::catalog::seed::models()
                    .into_iter()
                    .find(|m| m.id == "qwen3-32b")
                    .expect("the seed catalog has qwen3-32b");
                conn.execute(
                    "INSERT INTO catalog_models (rowid, id, rev, name, provider, task, domain,
                         framework, license, parameters, stars, downloads, updated_at, body)
                     VALUES (1, ?1, 7, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                    rusqlite::params![
                        model.id,
                        model.name,
                        model.provider,
                        model.task,
                        model.domain,
                        model.framework.as_str(),
                        model.license,
                        model.parameters.map(|p| p as i64),
                        model.stars as i64,
                        model.downloads as i64,
                        model.updated_at,
                        serde_json::to_string(&model).expect("a model serialises"),
                    ],
                )?;
                conn.execute_batch(
                    "INSERT INTO sync_cursors (collection, rev, synced_at)
                     VALUES ('catalog', 7, '2025-11-24T09:00:00Z');",
                )?;
            }
            2 => {
                let job = serde_json::json!({
                    "id": "job_migrated",
                    "request": {
                        "name": "Qwen3 LoRA · customer service",
                        "base_model": {"model_id": "qwen3-32b", "version": null},
                        "custom_image": null,
                        "dataset_uri": "obs://lanting/support",
                        "pool_id": "atlas-800t-a2",
                        "nodes": 1, "npus_per_node": 8, "max_hours": 2.0,
                        "hyperparameters": {"lora_rank": 16},
                        "priority": "normal", "note": ""
                    },
                    "state": "running", "reason": null, "step": 40, "total_steps": 100,
                    "npu_hours_used": 1.5, "unknown_since": null,
                    "submitted_by": "chen.jing@lanting-robotics.example.cn",
                    "timeline": [{"state": "running", "at": "2025-11-24T09:00:00Z", "reason": null}],
                    "artifacts": [],
                    "created_at": "2025-11-24T09:00:00Z", "updated_at": "2025-11-24T09:00:00Z"
                });
                conn.execute(
                    "INSERT INTO jobs (id, rev, state, body, created_at)
                     VALUES ('job_migrated', 3, 'running', ?1, '2025-11-24T09:00:00Z')",
                    [job.to_string()],
                )?;
                conn.execute_batch(
                    "INSERT INTO catalog_hardware (model_rowid, hardware) VALUES (1, 'Atlas 800T A2');
                     INSERT INTO favourites (model_id, added_at) VALUES ('qwen3-32b', '2025-11-24T09:00:00Z');
                     INSERT INTO drafts (id, kind, body, updated_at)
                         VALUES ('draft-1', 'job', '{\"name\":\"half typed\"}', '2025-11-24T09:00:00Z');
                     INSERT INTO outbox (write, idempotency_key, created_at) VALUES
                         ('{\"kind\":\"cancel_job\",\"job_id\":\"job_migrated\"}', 'k-cancel',
                          '2025-11-24T09:00:00Z');
                     INSERT INTO local_ids (local_id, portal_id) VALUES ('local-1', 'job_migrated');
                     INSERT INTO notifications (collection, item_id, state, title, created_at)
                         VALUES ('jobs', 'job_migrated', 'running', 'Qwen3 LoRA', '2025-11-24T09:00:00Z');",
                )?;
            }
            3 => conn.execute_batch(
                "INSERT INTO center_info (key, body, fetched_at) VALUES
                     ('quota', '{\"npu_hours_total\":500.0,\"npu_hours_used\":12.5,\"npu_hours_reserved\":0.0,\"npu_hours_remaining\":487.5,\"max_job_hours\":720.0}',
                      '2025-11-24T09:00:00Z');",
            )?,
            _ => {}
        }
        Ok(())
    }

    /// The app and `aicc` write one store: a transaction that read before
    /// the other process wrote must not fail when it writes in turn.
    #[test]
    fn two_processes_sharing_a_store_wait_for_each_other_instead_of_failing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shared.sqlite3");
        let (app, cli) = (Store::open(&path).unwrap(), Store::open(&path).unwrap());
        let draft = |c: &Connection, id: &str| {
            c.execute(
                "INSERT INTO drafts (id, kind, body, updated_at) VALUES (?1, 'job', '{}', '2026-12-06T09:00:00Z')",
                [id],
            )
        };
        let (read, go_on) = std::sync::mpsc::channel();
        let reading_then_writing = std::thread::spawn(move || {
            app.blocking(|c| {
                let tx = c.transaction()?;
                let _: i64 = tx.query_row("SELECT count(*) FROM drafts", [], |r| r.get(0))?;
                read.send(()).unwrap();
                std::thread::sleep(std::time::Duration::from_millis(300));
                draft(&tx, "after reading")?;
                Ok(tx.commit()?)
            })
        });
        go_on.recv().unwrap();
        cli.blocking(|c| Ok(draft(c, "meanwhile")?)).unwrap();
        reading_then_writing.join().unwrap().unwrap();
    }

    #[test]
    fn a_store_from_every_earlier_schema_version_upgrades_and_keeps_its_data() {
        let latest = MIGRATIONS.len();
        for from in 1..=latest {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("s.sqlite3");
            {
                let mut conn = Connection::open(&path).unwrap();
                let migrations = Migrations::from_slice(MIGRATIONS);
                for version in 1..=from {
                    migrations.to_version(&mut conn, version).unwrap();
                    data_at(&conn, version).unwrap_or_else(|e| panic!("data at {version}: {e}"));
                }
            }
            let store = Store::open(&path).unwrap_or_else(|e| panic!("from version {from}: {e}"));
            store
                .blocking(|conn| {
                    let ok: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
                    assert_eq!(ok, "ok", "from version {from}");
                    let page = crate::catalog::model(conn, "qwen3-32b")?
                        .unwrap_or_else(|| panic!("from version {from}: the model is gone"));
                    assert_eq!(page.model.id, "qwen3-32b");
                    let query = crate::catalog::CatalogQuery {
                        text: "qwen".into(),
                        ..Default::default()
                    };
                    let found = crate::catalog::search(conn, &query, 0, 10)?;
                    assert_eq!(found.total, 1, "from version {from}: searched anew");
                    if from >= 2 {
                        let job = crate::jobs::get(conn, "job_migrated")?
                            .unwrap_or_else(|| panic!("from version {from}: the job"));
                        assert_eq!(job.job.step, 40);
                        assert!(crate::drafts::get(conn, "draft-1")?.is_some());
                        let writes: Vec<String> = crate::outbox::entries(conn)?
                            .into_iter()
                            .map(|e| format!("{:?}", e.write))
                            .collect();
                        // The favourite kept on the laptop went to the account.
                        assert!(writes.iter().any(|w| w.contains("CancelJob")), "{writes:?}");
                        assert!(
                            writes.iter().any(|w| w.contains("SetFavourite")),
                            "{writes:?}"
                        );
                        let hardware = crate::catalog::CatalogQuery {
                            hardware: Some("Atlas 800T A2".into()),
                            ..Default::default()
                        };
                        assert_eq!(crate::catalog::search(conn, &hardware, 0, 10)?.total, 1);
                    }
                    if from >= 3 {
                        // Kept before the shortest job was told: it is the default.
                        let quota = crate::center::info(conn)?
                            .quota
                            .unwrap_or_else(|| panic!("from version {from}: the quota"));
                        assert_eq!(quota.npu_hours_remaining, 487.5);
                        assert_eq!(quota.min_job_hours, aicc_api::jobs::MIN_JOB_HOURS);
                    }
                    Ok(())
                })
                .unwrap();
        }
    }

    #[test]
    fn what_the_user_queued_is_synced_to_disk_when_the_app_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.sqlite3")).unwrap();
        let synchronous: i64 = store
            .blocking(|c| Ok(c.pragma_query_value(None, "synchronous", |r| r.get(0))?))
            .unwrap();
        assert_eq!(synchronous, 2, "FULL");
    }

    #[test]
    fn writes_stay_in_the_log_until_the_checkpoint_copies_them() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s.sqlite3");
        let store = Store::open(&file).unwrap();
        let size = || std::fs::metadata(&file).unwrap().len();
        let before = size();
        store
            .blocking(|c| {
                let body = "x".repeat(4000);
                for i in 0..200 {
                    c.execute(
                        "INSERT INTO drafts (id, kind, body, updated_at) VALUES (?1, 'job', ?2, 't')",
                        rusqlite::params![i.to_string(), body],
                    )?;
                }
                Ok(())
            })
            .unwrap();
        assert_eq!(size(), before, "200 pages of writes wait in the log");
        store.blocking(checkpoint).unwrap();
        assert!(size() > before + 200 * 4000, "the checkpoint copied them");
    }

    #[test]
    fn a_store_closes_after_its_search_index_writes_end() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.sqlite3")).unwrap();
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let writes = Arc::clone(&done);
        store
            .index_beside(move |_| {
                std::thread::sleep(std::time::Duration::from_millis(200));
                writes.store(true, std::sync::atomic::Ordering::SeqCst);
                Ok(())
            })
            .unwrap();
        drop(store);
        assert!(done.load(std::sync::atomic::Ordering::SeqCst));
    }

    #[test]
    fn the_search_index_merges_sixteen_segments_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.sqlite3")).unwrap();
        let automerge: i64 = store
            .blocking(|c| {
                Ok(c.query_row(
                    "SELECT v FROM catalog_search_config WHERE k = 'automerge'",
                    [],
                    |r| r.get(0),
                )?)
            })
            .unwrap();
        assert_eq!(automerge, 16);
    }

    #[test]
    fn a_database_from_a_newer_app_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.sqlite3");
        drop(Store::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        let err = Store::open(&path).unwrap_err();
        assert!(matches!(err, Error::NewerStore { .. }), "{err:?}");
        let version: i64 = Connection::open(&path)
            .unwrap()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, 99);
    }
}
