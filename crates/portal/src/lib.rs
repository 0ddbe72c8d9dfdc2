//! The AI computing center's portal: the reference service the AICC Partner
//! app syncs with.
//!
//! - `accounts`: organisations, users, sign-in, tokens, who asks;
//! - `catalog`: the model catalog and its change feed;
//! - `applications`: partner onboarding and its review;
//! - `jobs`: training requests, pools, quota, the scheduler and executors;
//! - `feed`, `events`, `idempotency`, `limits`: the sync contract's rules,
//!   live hints, safe retries and rate limits, shared by every route;
//! - `permissions`: who may do what, the table every handler consults;
//! - `serving`: connections: timeouts, TLS, shutdown;
//! - `db`, `config`, `clock`, `error`, `openapi`, `admin`: the plumbing.
//!
//! `main.rs` is the command line; [`Portal`] is what it and the tests start.

pub mod accounts;
pub mod admin;
pub mod applications;
pub mod attachments;
pub mod bodies;
pub mod catalog;
pub mod center;
pub mod clock;
pub mod config;
pub mod db;
pub mod directory;
pub mod error;
pub mod events;
pub mod feed;
pub mod gathering;
pub mod idempotency;
pub mod incubation;
pub mod jobs;
pub mod limits;
pub mod openapi;
pub mod permissions;
pub mod serving;
pub mod talent;

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::bodies::Bodies;
use crate::config::{Config, ExecutorConfig};
use crate::db::Db;
use crate::events::{Events, Streams};
use crate::jobs::executor::Executor;
use crate::jobs::scheduler::Scheduler;
use crate::jobs::simulated::Simulated;
use crate::jobs::slurm::Slurm;
use crate::limits::Limiter;

/// What every handler shares.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub events: Events,
    /// The open event streams.
    pub streams: Streams,
    pub limiter: Limiter,
    /// The memory request bodies are read into.
    pub bodies: Bodies,
    /// Wakes the scheduler, e.g. after a job was submitted or cancelled.
    pub scheduler_wake: Arc<Notify>,
    /// Where attachment files are kept, by content hash.
    pub attachments_dir: PathBuf,
    /// Runs the jobs; asked for its own start estimates too.
    pub executor: Arc<dyn Executor>,
}

/// An opened portal, ready to serve.
#[derive(Debug, Clone)]
pub struct Portal {
    state: AppState,
}

impl Portal {
    /// Opens the database in `config.data_dir`; `demo` seeds the demo data.
    pub fn open(config: Config, demo: bool) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            anyhow::anyhow!(
                "cannot create the data directory {}: {e}",
                config.data_dir.display()
            )
        })?;
        let db = Db::open(&config.data_dir.join("portal.sqlite3"))?;
        db.blocking(|conn| accounts::ensure_rotation_key(conn))?;
        let mut config = config;
        if demo {
            db.blocking(admin::seed_demo)?;
            config.center.get_or_insert_with(config::CenterConfig::demo);
        }
        let executor: Arc<dyn Executor> = match &config.executor {
            ExecutorConfig::Simulated {
                time_scale,
                failure_rate,
            } => Arc::new(Simulated {
                time_scale: *time_scale,
                failure_rate: *failure_rate,
            }),
            ExecutorConfig::Slurm(slurm) => Arc::new(Slurm::connect(slurm.clone())?),
        };
        // Pools a cluster reports replace the configured ones before the
        // first request is admitted against them.
        if let Some(pools) = executor
            .capacity()
            .map_err(|e| anyhow::anyhow!("cannot read the executor's pools: {e}"))?
        {
            db.blocking(move |conn| jobs::record_capacity(conn, &pools))?;
        }
        Ok(Self {
            state: AppState {
                db,
                limiter: Limiter::new(config.requests_per_second, config.sign_ins_per_minute),
                bodies: Bodies::default(),
                attachments_dir: config.data_dir.join("attachments"),
                config: Arc::new(config),
                events: Events::default(),
                streams: Streams::default(),
                scheduler_wake: Arc::new(Notify::new()),
                executor,
            },
        })
    }

    /// The database, for admin commands and tests.
    pub fn db(&self) -> &Db {
        &self.state.db
    }

    /// The change notices, for tests.
    pub fn events(&self) -> &Events {
        &self.state.events
    }

    /// The HTTP routes and the OpenAPI document that describes them.
    pub fn router(&self) -> Router {
        let (router, api) = api_routes(&self.state).split_for_parts();
        self.state.bodies.know_operations(openapi::operations(&api));
        let document = Arc::new(api);
        let https = self.state.config.tls.is_some();
        router
            .fallback(|| async {
                error::ApiError::NotFound(
                    "the portal has no such route; see /v1/openapi.json for the ones it has".into(),
                )
            })
            .route("/health", get(|| async { "ok" }))
            .route(
                "/v1/openapi.json",
                get(move || {
                    let document = Arc::clone(&document);
                    async move { axum::Json(document.as_ref().clone()) }
                }),
            )
            .layer(axum::middleware::from_fn_with_state(
                self.state.clone(),
                limits::middleware,
            ))
            .layer(axum::middleware::from_fn(move |request, next| {
                serving::security_headers(https, request, next)
            }))
            .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
                Duration::from_secs(self.state.config.body_read_timeout_secs.max(1)),
            ))
            // A failure is logged by what failed, in its own words
            // (`ApiError`); a busy portal's 503 is load, not a fault.
            .layer(tower_http::trace::TraceLayer::new_for_http().on_failure(
                tower_http::trace::DefaultOnFailure::new().level(tracing::Level::DEBUG),
            ))
            .with_state(self.state.clone())
    }

    /// Serves until `shutdown` completes, with the scheduler running beside
    /// (HTTPS when the config names a certificate). Then event streams end,
    /// requests in flight finish, and the scheduler ends its tick and stops.
    pub async fn serve(
        &self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let tls = match &self.state.config.tls {
            Some(tls) => Some(serving::tls_acceptor(tls)?),
            None => None,
        };
        let stop = Arc::new(Notify::new());
        let scheduler = tokio::spawn(self.scheduler().run(Arc::clone(&stop)));
        serving::serve(
            self.router(),
            listener,
            tls,
            serving::Timeouts {
                headers: Duration::from_secs(self.state.config.header_read_timeout_secs.max(1)),
                idle: Duration::from_secs(self.state.config.idle_timeout_secs.max(1)),
            },
            serving::ConnectionLimits {
                total: self.state.config.max_connections.max(1),
                per_address: self.state.config.max_connections_per_address.max(1),
                trusted_proxies: self.state.config.trusted_proxies.clone(),
            },
            shutdown,
            self.state.streams.closing.clone(),
        )
        .await;
        stop.notify_one();
        if scheduler.await.is_err() {
            tracing::error!("the scheduler task panicked");
        }
        Ok(())
    }

    fn scheduler(&self) -> Scheduler {
        let config = &self.state.config;
        Scheduler {
            db: self.state.db.clone(),
            executor: Arc::clone(&self.state.executor),
            events: self.state.events.clone(),
            limiter: self.state.limiter.clone(),
            tick: Duration::from_millis(config.scheduler_tick_ms.max(10)),
            starvation_after: Duration::from_secs(config.starvation_after_secs),
            tombstone_retention: Duration::from_secs(
                u64::from(config.tombstone_retention_days) * 24 * 3600,
            ),
            attachments_dir: self.state.attachments_dir.clone(),
            wake: Arc::clone(&self.state.scheduler_wake),
            sample_every: Duration::from_secs(config.pool_sample_secs.max(1)),
        }
    }
}

/// Every route of the API, registered with its OpenAPI description.
/// Bodies are read (and fingerprinted for idempotency) only on these
/// routes, once a route is found: a write to no route is answered 404
/// unread. An attachment is read only once its sender may add it.
pub fn api_routes(state: &AppState) -> OpenApiRouter<AppState> {
    let read_bodies = || {
        (
            axum::middleware::from_fn_with_state(state.clone(), bodies::middleware),
            axum::middleware::from_fn(idempotency::middleware),
        )
    };
    let uploads = OpenApiRouter::new()
        .routes(routes!(applications::upload))
        .route_layer(read_bodies())
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            applications::before_upload,
        ))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(incubation::upload_evidence))
                .route_layer(read_bodies())
                .route_layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    incubation::before_evidence_upload,
                )),
        )
        .layer(DefaultBodyLimit::max(bodies::UPLOAD_BODY));
    OpenApiRouter::with_openapi(openapi::document())
        .merge(accounts::routes())
        .merge(center::routes())
        .merge(catalog::routes())
        .merge(applications::routes())
        .merge(jobs::routes())
        .merge(incubation::routes())
        .merge(directory::routes())
        .merge(talent::routes())
        .merge(events::routes())
        .route_layer(read_bodies())
        .layer(DefaultBodyLimit::max(bodies::JSON_BODY))
        .merge(uploads)
}
