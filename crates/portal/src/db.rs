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
use rusqlite::{Connection, OpenFlags};
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
