//! The AI computing center's portal: the reference service the AICC Partner
//! app syncs with. Accounts and tokens (`accounts`), the model catalog and
//! its change feed (`catalog`), the revision counter every feed shares
//! (`feed`), all on one embedded SQLite database (`db`).
//!
//! `main.rs` is the command line; [`Portal`] is what it and the tests start.

pub mod accounts;
pub mod catalog;
pub mod db;
pub mod error;
pub mod feed;

use std::future::Future;
use std::path::PathBuf;

use axum::Router;
use axum::routing::{get, post};
use tokio::net::TcpListener;

use crate::db::Db;

/// What every handler shares.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
}

/// How to open a portal.
#[derive(Debug, Clone)]
pub struct PortalOptions {
    /// Where the database lives; created if missing.
    pub data_dir: PathBuf,
    /// Seed the demo catalog, organisations and accounts.
    pub demo: bool,
}

/// An opened portal, ready to serve.
#[derive(Debug, Clone)]
pub struct Portal {
    state: AppState,
}

impl Portal {
    /// Opens the database in `options.data_dir` and seeds it for a demo.
    pub fn open(options: &PortalOptions) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&options.data_dir).map_err(|e| {
            anyhow::anyhow!(
                "cannot create the data directory {}: {e}",
                options.data_dir.display()
            )
        })?;
        let db = Db::open(&options.data_dir.join("portal.sqlite3"))?;
        if options.demo {
            db.blocking(|conn| {
                accounts::seed_demo(conn)?;
                let empty: bool = conn.query_row(
                    "SELECT NOT EXISTS (SELECT 1 FROM catalog_models)",
                    [],
                    |r| r.get(0),
                )?;
                if empty {
                    catalog::upsert(conn, &catalog::seed::models())?;
                }
                Ok::<_, error::ApiError>(())
            })?;
        }
        Ok(Self {
            state: AppState { db },
        })
    }

    /// The database, for admin commands and tests.
    pub fn db(&self) -> &Db {
        &self.state.db
    }

    /// The HTTP routes.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/health", get(|| async { "ok" }))
            .route("/v1/auth/token", post(accounts::sign_in))
            .route("/v1/auth/refresh", post(accounts::refresh))
            .route("/v1/auth/revoke", post(accounts::revoke))
            .route("/v1/me", get(accounts::me))
            .route("/v1/catalog/changes", get(catalog::changes))
            .layer(tower_http::trace::TraceLayer::new_for_http())
            .with_state(self.state.clone())
    }

    /// Serves until `shutdown` completes; in-flight requests finish first.
    pub async fn serve(
        &self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(listener, self.router())
            .with_graceful_shutdown(shutdown)
            .await
    }
}
