//! The portal's SQLite database: opening it (WAL, foreign keys, migrations
//! embedded in the binary) and running work on it off the async runtime.
//!
//! One connection writes, one transaction at a time (which is what makes
//! an idempotency key's check, its write and its answer one step); reads
//! run on a small pool of read-only connections beside it, which in WAL
//! mode see the last committed state without waiting for the writer.

use std::path::Path;
use std::sync::{Arc, Mutex};

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use rusqlite_migration::{M, Migrations};

const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("../migrations/0001_accounts_and_catalog.sql")),
    M::up(include_str!("../migrations/0002_jobs.sql")),
    M::up(include_str!("../migrations/0003_feed_floors.sql")),
    M::up(include_str!("../migrations/0004_idempotency.sql")),
    M::up(include_str!("../migrations/0005_personal_tokens.sql")),
    M::up(include_str!("../migrations/0006_applications.sql")),
    M::up(include_str!("../migrations/0007_favourites.sql")),
    M::up(include_str!("../migrations/0008_cluster_executors.sql")),
    M::up(include_str!("../migrations/0009_scheduler_indexes.sql")),
    M::up(include_str!("../migrations/0010_permissions.sql")),
    M::up(include_str!("../migrations/0011_invitations.sql")),
    M::up(include_str!("../migrations/0012_refresh_reuse.sql")),
    M::up(include_str!(
        "../migrations/0013_idempotency_in_the_write.sql"
    )),
    M::up(include_str!("../migrations/0014_center_deactivation.sql")),
    M::up(include_str!("../migrations/0015_attachment_room.sql")),
    M::up(include_str!("../migrations/0016_pool_history.sql")),
    M::up(include_str!("../migrations/0017_start_estimates.sql")),
    M::up(include_str!("../migrations/0018_jobs_by_end.sql")),
    M::up(include_str!("../migrations/0019_incubation.sql")),
    M::up(include_str!("../migrations/0020_reason_codes.sql")),
    M::up(include_str!("../migrations/0021_credits.sql")),
    M::up(include_str!("../migrations/0022_cohort_events.sql")),
    M::up(include_str!("../migrations/0023_mentors.sql")),
    M::up(include_str!("../migrations/0024_evidence_attachments.sql")),
    M::up(include_str!("../migrations/0025_directory.sql")),
    M::up(include_str!("../migrations/0026_talent.sql")),
];

/// Errors of the database layer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error(
        "the database at {path} cannot be migrated ({source}); it may have been written by a newer portal"
    )]
    Migration {
        path: String,
        source: rusqlite_migration::Error,
    },
    #[error("a database task panicked")]
    TaskPanicked,
    #[error("no database connection to read with: {0}")]
    Pool(#[from] r2d2::Error),
}

/// How many requests read at once; more wait for one of them (reads are
/// short: an indexed page of a feed, a job, a token).
const READERS: u32 = 4;

/// A shared handle on the portal's database.
#[derive(Clone, Debug)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
    readers: r2d2::Pool<SqliteConnectionManager>,
}

impl Db {
    /// Opens (creating if needed) and migrates the database at `path`.
    pub fn open(path: &Path) -> Result<Self, DbError> {
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: a write the portal has answered is on disk, power cut or
        // not (NORMAL in WAL mode may lose the last commits, though never
        // corrupts). The portal's writes are a partner's jobs and
        // applications, a few a second at most; one more fsync each is
        // cheap beside losing one the partner was told was made.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // A write transaction takes the write lock as it begins, waiting
        // (the busy timeout) while `aicc-portal admin` writes from another
        // process: one begun as a read would fail at its first write once
        // the other process had committed, the wait notwithstanding.
        conn.set_transaction_behavior(TransactionBehavior::Immediate);
        // Every request and scheduler tick shares this one connection; its
        // cached statements (about forty) should all stay compiled.
        conn.set_prepared_statement_cache_capacity(64);
        Migrations::from_slice(MIGRATIONS)
            .to_latest(&mut conn)
            .map_err(|source| DbError::Migration {
                path: path.display().to_string(),
                source,
            })?;
        let readers = SqliteConnectionManager::file(path)
            .with_flags(OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .with_init(|conn| {
                conn.busy_timeout(std::time::Duration::from_secs(5))?;
                conn.set_prepared_statement_cache_capacity(64);
                Ok(())
            });
        let readers = r2d2::Pool::builder()
            .max_size(READERS)
            .min_idle(Some(1))
            .build(readers)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            readers,
        })
    }

    /// Runs read-only `work` on a reader connection on a blocking thread:
    /// it never waits for a write or a scheduler tick.
    pub async fn read<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    {
        let readers = self.readers.clone();
        tokio::task::spawn_blocking(move || {
            let conn = readers.get().map_err(|e| E::from(DbError::Pool(e)))?;
            work(&conn)
        })
        .await
        .map_err(|_| E::from(DbError::TaskPanicked))?
    }

    /// Runs `work` on the database on a blocking thread.
    pub async fn call<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, E> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            // A panic inside `work` poisons the lock but leaves SQLite
            // consistent (the transaction rolls back on drop), so carry on.
            let mut conn = conn.lock().unwrap_or_else(|poison| poison.into_inner());
            work(&mut conn)
        })
        .await
        .map_err(|_| E::from(DbError::TaskPanicked))?
    }

    /// Runs `work` synchronously; for start-up and admin commands.
    pub fn blocking<T>(&self, work: impl FnOnce(&mut Connection) -> T) -> T {
        let mut conn = self
            .conn
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        work(&mut conn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_processes_writing_at_once_both_wait_their_turn() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("portal.sqlite3");
        Db::open(&path).unwrap();
        // The portal and `aicc-portal admin`: each reads, then writes.
        let writers: Vec<_> = (0..2)
            .map(|_| {
                let db = Db::open(&path).unwrap();
                std::thread::spawn(move || {
                    for _ in 0..200 {
                        db.blocking(|conn| {
                            let tx = conn.transaction()?;
                            let _: u64 =
                                tx.query_row("SELECT rev FROM revision WHERE id = 1", [], |r| {
                                    r.get(0)
                                })?;
                            crate::feed::next_rev(&tx)?;
                            tx.commit()
                        })?;
                    }
                    Ok::<_, rusqlite::Error>(())
                })
            })
            .collect();
        for writer in writers {
            writer.join().unwrap().unwrap();
        }
    }

    #[test]
    fn migrations_are_valid() {
        Migrations::from_slice(MIGRATIONS).validate().unwrap();
    }

    #[test]
    fn reopening_an_existing_database_keeps_its_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("portal.sqlite3");
        Db::open(&path)
            .unwrap()
            .blocking(|c| c.execute("UPDATE revision SET rev = 41", []))
            .unwrap();
        let rev: i64 = Db::open(&path)
            .unwrap()
            .blocking(|c| c.query_row("SELECT rev FROM revision", [], |r| r.get(0)))
            .unwrap();
        assert_eq!(rev, 41);
    }

    /// What a center's portal held at each schema version, written right
    /// after that version's migration with the tables it had then.
    fn data_at(conn: &Connection, version: usize) -> rusqlite::Result<()> {
        use aicc_api::applications::ApplicationForm;
        use aicc_api::jobs::{JobRequest, ModelRef, Priority};
        let at = 1_764_000_000_000_i64; // 2025-11-24, in ms
        let far = 4_102_444_800_i64; // 2100, in s
        match version {
            1 => {
                let model = crate::catalog::seed::models()
                    .into_iter()
                    .find(|m| m.id == "resnet50")
                    .expect("the seed catalog has resnet50");
                conn.execute_batch(
                    "INSERT INTO organisations (id, name, kind) VALUES
                         (1, 'AICC', 'center'), (2, 'Lanting Robotics', 'incubated_startup');
                     INSERT INTO users (id, organisation_id, email, name, role, password_hash)
                     VALUES (1, 2, 'chen.jing@lanting-robotics.example.cn', 'Chen Jing',
                             'partner_admin', '$argon2id$v=19$m=19456,t=2,p=1$bWlncmF0ZWQ$aGFzaA');
                     UPDATE revision SET rev = 10;",
                )?;
                conn.execute(
                    "INSERT INTO tokens (hash, user_id, kind, family, expires_at)
                     VALUES (?1, 1, 'refresh', x'01', ?2)",
                    rusqlite::params![&crate::accounts::token_hash("art_migrated")[..], far],
                )?;
                conn.execute(
                    "INSERT INTO catalog_models (id, rev, body) VALUES ('resnet50', 1, ?1)",
                    [serde_json::to_string(&model).expect("a model serialises")],
                )?;
            }
            2 => {
                let request = JobRequest {
                    name: "ResNet-50 weld seams".into(),
                    base_model: Some(ModelRef {
                        model_id: "resnet50".into(),
                        version: None,
                    }),
                    custom_image: None,
                    dataset_uri: "obs://lanting/welds".into(),
                    pool_id: "atlas-800t-a2".into(),
                    nodes: 1,
                    npus_per_node: 8,
                    max_hours: 1.0,
                    hyperparameters: Default::default(),
                    priority: Priority::Normal,
                    note: String::new(),
                };
                conn.execute_batch(
                    "INSERT INTO pools (id, name, npu_kind, npus_per_node, nodes)
                     VALUES ('atlas-800t-a2', 'Atlas 800T A2', 'Ascend 910B', 8, 4);
                     INSERT INTO quotas (organisation_id, npu_hours_total) VALUES (2, 500);",
                )?;
                conn.execute(
                    "INSERT INTO jobs (id, organisation_id, user_id, rev, pool_id, request, npus,
                         max_npu_hours, priority, state, step, total_steps, npu_hours_used,
                         created_at, updated_at)
                     VALUES ('job_migrated', 2, 1, 2, 'atlas-800t-a2', ?1, 8, 8.0, 1,
                             'succeeded', 100, 100, 6.5, ?2, ?2)",
                    rusqlite::params![serde_json::to_string(&request).expect("json"), at],
                )?;
                conn.execute(
                    "INSERT INTO job_transitions (job_id, state, at) VALUES
                         ('job_migrated', 'queued', ?1), ('job_migrated', 'succeeded', ?1)",
                    [at],
                )?;
                conn.execute_batch(
                    "INSERT INTO job_logs (job_id, seq, at, text)
                         VALUES ('job_migrated', 1, 0, 'step=100 loss=0.21');
                     INSERT INTO job_metrics (job_id, name, step, value)
                         VALUES ('job_migrated', 'loss', 100, 0.21);
                     INSERT INTO job_artifacts (job_id, name, size_bytes, uri)
                         VALUES ('job_migrated', 'model.ckpt', 1024, 'obs://lanting/out/model.ckpt');",
                )?;
            }
            3 => conn.execute_batch(
                "INSERT INTO feed_floors (collection, rev) VALUES ('catalog', 0);",
            )?,
            4 => conn.execute_batch(
                "INSERT INTO idempotency_keys
                     (user_id, key, request_hash, status, content_type, body, created_at)
                 VALUES (1, 'answered', x'00', 201, 'application/json', x'7b7d', 1764000000000),
                        (1, 'in-flight', x'00', NULL, NULL, NULL, 1764000000000);",
            )?,
            5 => {
                conn.execute(
                    "INSERT INTO personal_tokens (id, user_id, name, hash, created_at, expires_at)
                     VALUES ('pat_migrated', 1, 'nightly', ?1, 1764000000, ?2)",
                    rusqlite::params![&crate::accounts::token_hash("apt_migrated")[..], far],
                )?;
            }
            6 => {
                let form = ApplicationForm {
                    organisation_name: "Lanting Robotics".into(),
                    uscc: "914403001922038216".into(),
                    solution_name: "Weld seam inspection".into(),
                    ..Default::default()
                };
                conn.execute(
                    "INSERT INTO applications (id, organisation_id, rev, state, form, created_at, updated_at)
                     VALUES ('app_migrated', 2, 3, 'submitted', ?1, ?2, ?2)",
                    rusqlite::params![serde_json::to_string(&form).expect("json"), at],
                )?;
                conn.execute(
                    "INSERT INTO application_transitions (application_id, from_state, to_state, actor_user_id, at)
                     VALUES ('app_migrated', NULL, 'draft', 1, ?1),
                            ('app_migrated', 'draft', 'submitted', 1, ?1)",
                    [at],
                )?;
                let certified = ApplicationForm {
                    organisation_name: "Lanting Robotics".into(),
                    solution_name: "Weld seam grading".into(),
                    industries: vec!["weld-seam inspection".into()],
                    target_hardware: vec!["Atlas 300I Duo".into()],
                    ..Default::default()
                };
                conn.execute(
                    "INSERT INTO applications (id, organisation_id, rev, state, form, certificate_id, created_at, updated_at)
                     VALUES ('app_certified', 2, 4, 'certified', ?1, 'AICC-ASC-2025-000001', ?2, ?2)",
                    rusqlite::params![serde_json::to_string(&certified).expect("json"), at],
                )?;
                conn.execute(
                    "INSERT INTO application_transitions (application_id, from_state, to_state, actor_user_id, at)
                     VALUES ('app_certified', 'adapting', 'certified', 1, ?1)",
                    [at],
                )?;
                conn.execute(
                    "INSERT INTO attachments (id, application_id, file_name, media_type, size_bytes, sha256, created_at)
                     VALUES ('att_migrated', 'app_migrated', '营业执照.pdf', 'application/pdf', 2048,
                             'ab', ?1)",
                    [at],
                )?;
            }
            7 => conn.execute_batch(
                "INSERT INTO favourites (user_id, model_id, added_at) VALUES (1, 'resnet50', 1764000000000);",
            )?,
            11 => conn.execute_batch(
                "INSERT INTO invitations (id, organisation_id, email, name, role, code_hash,
                     invited_by, created_at, expires_at)
                 VALUES ('inv_migrated', 2, 'wang.fang@lanting-robotics.example.cn', 'Wang Fang',
                         'partner_member', x'02', 1, 1764000000, 4102444800);",
            )?,
            _ => {}
        }
        Ok(())
    }

    #[test]
    fn a_portal_from_every_earlier_schema_version_upgrades_and_keeps_its_data() {
        let latest = MIGRATIONS.len();
        for from in 1..=latest {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("portal.sqlite3");
            {
                let mut conn = Connection::open(&path).unwrap();
                conn.pragma_update(None, "foreign_keys", "ON").unwrap();
                let migrations = Migrations::from_slice(MIGRATIONS);
                for version in 1..=from {
                    migrations.to_version(&mut conn, version).unwrap();
                    data_at(&conn, version).unwrap_or_else(|e| panic!("data at {version}: {e}"));
                }
            }
            let db = Db::open(&path).unwrap_or_else(|e| panic!("from version {from}: {e}"));
            db.blocking(|conn| {
                let check = |ok: String| assert_eq!(ok, "ok", "from version {from}");
                check(
                    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
                        .unwrap(),
                );
                let broken: Vec<String> = conn
                    .prepare("PRAGMA foreign_key_check")
                    .unwrap()
                    .query_map([], |r| r.get(0))
                    .unwrap()
                    .collect::<rusqlite::Result<_>>()
                    .unwrap();
                assert!(broken.is_empty(), "from version {from}: {broken:?}");
                let sessions: i64 = conn
                    .query_row(
                        "SELECT COUNT(*) FROM tokens WHERE kind = 'refresh' AND hash = ?1",
                        [&crate::accounts::token_hash("art_migrated")[..]],
                        |r| r.get(0),
                    )
                    .unwrap();
                assert_eq!(sessions, 1, "from version {from}: the session is kept");
                let user: String = conn
                    .query_row("SELECT role FROM users WHERE id = 1", [], |r| r.get(0))
                    .unwrap();
                assert_eq!(user, "partner_admin");
                let body: String = conn
                    .query_row(
                        "SELECT body FROM catalog_models WHERE id = 'resnet50'",
                        [],
                        |r| r.get(0),
                    )
                    .unwrap();
                serde_json::from_str::<aicc_api::catalog::Model>(&body)
                    .unwrap_or_else(|e| panic!("from version {from}: the model: {e}"));
                if from >= 2 {
                    let job = crate::jobs::load(conn, "job_migrated")
                        .unwrap_or_else(|e| panic!("from version {from}: the job: {e}"));
                    assert_eq!(job.state, aicc_api::jobs::JobState::Succeeded);
                    assert_eq!(job.timeline.len(), 2);
                    assert_eq!(job.artifacts.len(), 1);
                }
                if from >= 4 {
                    let keys: Vec<String> = conn
                        .prepare("SELECT key FROM idempotency_keys")
                        .unwrap()
                        .query_map([], |r| r.get(0))
                        .unwrap()
                        .collect::<rusqlite::Result<_>>()
                        .unwrap();
                    assert_eq!(keys, ["answered"], "from version {from}: no in-flight rows");
                }
                if from >= 5 {
                    let token = crate::accounts::caller_of(
                        conn,
                        &crate::accounts::token_hash("apt_migrated"),
                    )
                    .unwrap()
                    .unwrap_or_else(|| panic!("from version {from}: the personal token"));
                    assert!(token.personal_token);
                    assert_eq!(
                        token.scopes,
                        crate::permissions::Scopes::full(),
                        "a token made before scopes keeps what it could do"
                    );
                }
                if from >= 6 {
                    let application = crate::applications::load(conn, "app_migrated")
                        .unwrap_or_else(|e| panic!("from version {from}: the application: {e}"));
                    assert_eq!(
                        application.state,
                        aicc_api::applications::ApplicationState::Submitted
                    );
                    assert_eq!(application.attachments[0].file_name, "营业执照.pdf");
                    assert_eq!(application.timeline.len(), 2);
                    let listed =
                        crate::directory::store::load(conn, "app_certified", 1_764_086_400_000)
                            .unwrap()
                            .unwrap_or_else(|| {
                                panic!("from version {from}: the certified solution is listed")
                            });
                    assert_eq!(listed.name, "Weld seam grading");
                    assert_eq!(listed.hardware, ["Atlas 300I Duo"]);
                    assert_eq!(
                        listed.certified_at,
                        crate::clock::rfc3339(1_764_000_000_000)
                    );
                    let head: u64 = conn
                        .query_row("SELECT rev FROM revision WHERE id = 1", [], |r| r.get(0))
                        .unwrap();
                    let rev: u64 = conn
                        .query_row(
                            "SELECT rev FROM directory_solutions WHERE id = 'app_certified'",
                            [],
                            |r| r.get(0),
                        )
                        .unwrap();
                    assert!(
                        rev <= head && rev > 10,
                        "from version {from}: rev {rev} of {head}"
                    );
                }
                let count = |table: &str| -> i64 {
                    conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
                        .unwrap()
                };
                assert_eq!(count("favourites"), i64::from(from >= 7));
                assert_eq!(count("invitations"), i64::from(from >= 11));
            });
        }
    }

    #[test]
    fn an_answered_write_is_synced_to_disk_before_the_answer() {
        let dir = tempfile::tempdir().unwrap();
        let synchronous: i64 = Db::open(&dir.path().join("portal.sqlite3"))
            .unwrap()
            .blocking(|c| c.pragma_query_value(None, "synchronous", |r| r.get(0)))
            .unwrap();
        assert_eq!(synchronous, 2, "FULL");
    }
}
