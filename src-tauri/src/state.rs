//! What the app holds while it runs: its directories, the keyring, and the
//! active account with its local store and sync engine. Every report of the
//! sync engine is kept here (for `sync_status`) and pushed to the window.

use std::sync::{Arc, OnceLock};

use aicc_api::auth::Account;
use aicc_client::accounts;
use aicc_client::catalog::{self, CatalogQuery, SearchPage};
use aicc_client::config::{AppDirs, CenterAccount, Settings};
use aicc_client::network::NetworkSettings;
use aicc_client::session::Session;
use aicc_client::store::Store;
use aicc_client::sync::{SyncEngine, SyncOptions, SyncReport, SyncStatus};
use aicc_client::vault::{CredentialStore, Keyring};
use aicc_client::{Error, Result};
use tokio::sync::{Mutex, watch};

type ReportListener = Arc<dyn Fn(&SyncReport) + Send + Sync>;

/// The app's state, managed by Tauri.
pub struct AppState {
    dirs: AppDirs,
    vault: Arc<dyn CredentialStore>,
    active: Mutex<Option<ActiveAccount>>,
    report: watch::Sender<SyncReport>,
    listener: OnceLock<ReportListener>,
}

/// The account the window shows, with its store and the engine filling it.
struct ActiveAccount {
    account: CenterAccount,
    store: Store,
    _engine: SyncEngine,
    forward: tauri::async_runtime::JoinHandle<()>,
}

impl Drop for ActiveAccount {
    fn drop(&mut self) {
        self.forward.abort();
    }
}

impl AppState {
    /// Nothing active yet; see [`AppState::resume_active_account`].
    pub fn new(dirs: AppDirs) -> Self {
        let (report, _) = watch::channel(SyncReport::idle());
        Self {
            dirs,
            vault: Arc::new(Keyring::new()),
            active: Mutex::new(None),
            report,
            listener: OnceLock::new(),
        }
    }

    /// Calls `listener` with every new sync report.
    pub fn on_report(&self, listener: impl Fn(&SyncReport) + Send + Sync + 'static) {
        let _ = self.listener.set(Arc::new(listener));
    }

    /// Reopens the account that was active when the app last ran. Never
    /// touches the network: the window shows the local catalog at once.
    pub async fn resume_active_account(&self) {
        let settings = match Settings::load(&self.dirs.settings_file()) {
            Ok(settings) => settings,
            Err(e) => return self.fail(&e),
        };
        let Some(account) = settings.active_account().cloned() else {
            return;
        };
        let opened = match Session::resume(account.clone(), Arc::clone(&self.vault)).await {
            Ok(session) => {
                Store::open(&self.dirs.store_file(&account)).map(|store| (session, store))
            }
            Err(e) => Err(e),
        };
        match opened {
            Ok((session, store)) => self.activate(account, session, store).await,
            Err(e) => self.fail(&e),
        }
    }

    /// Signs in and makes the account the active one.
    pub async fn sign_in(&self, url: &str, email: &str, password: &str) -> Result<Account> {
        let (session, who) = accounts::sign_in(
            &self.dirs,
            Arc::clone(&self.vault),
            url,
            &NetworkSettings::default(),
            email,
            password,
        )
        .await?;
        let account = session.account().clone();
        let store = Store::open(&self.dirs.store_file(&account))?;
        self.activate(account, session, store).await;
        Ok(who)
    }

    /// The active center and account, if any.
    pub async fn current_account(&self) -> Option<CenterAccount> {
        self.active.lock().await.as_ref().map(|a| a.account.clone())
    }

    /// Searches the active account's local catalog.
    pub async fn search(&self, query: CatalogQuery, offset: u32, limit: u32) -> Result<SearchPage> {
        let store = self.active.lock().await.as_ref().map(|a| a.store.clone());
        let Some(store) = store else {
            return Ok(SearchPage {
                total: 0,
                models: Vec::new(),
            });
        };
        store
            .call(move |conn| catalog::search(conn, &query, offset, limit))
            .await
    }

    /// The latest sync report.
    pub fn sync_report(&self) -> SyncReport {
        self.report.borrow().clone()
    }

    async fn activate(&self, account: CenterAccount, session: Session, store: Store) {
        let engine = SyncEngine::start(Arc::new(session), store.clone(), SyncOptions::default());
        let mut reports = engine.subscribe();
        let report = self.report.clone();
        let listener = self.listener.get().cloned();
        let forward = tauri::async_runtime::spawn(async move {
            loop {
                let latest = reports.borrow_and_update().clone();
                if let Some(listener) = &listener {
                    listener(&latest);
                }
                report.send_replace(latest);
                if reports.changed().await.is_err() {
                    break;
                }
            }
        });
        *self.active.lock().await = Some(ActiveAccount {
            account,
            store,
            _engine: engine,
            forward,
        });
    }

    fn fail(&self, e: &Error) {
        tracing::error!(error = %e, "cannot open the active account");
        let report = SyncReport {
            status: SyncStatus::Error {
                code: e.code(),
                message: e.to_string(),
                retry_at: None,
            },
            ..SyncReport::idle()
        };
        if let Some(listener) = self.listener.get() {
            listener(&report);
        }
        self.report.send_replace(report);
    }
}
