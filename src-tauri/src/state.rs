//! What the app holds while it runs: its directories, the keyring, and the
//! active account with its session, local store and sync engine. Every
//! report of the sync engine is kept here (for `sync_status`) and pushed to
//! the window.

use std::sync::{Arc, OnceLock};

use aicc_api::auth::Account;
use aicc_client::accounts::PlainHttp;
use aicc_client::config::{AppDirs, CenterAccount, Preferences, Settings};
use aicc_client::network::NetworkSettings;
use aicc_client::session::{Credentials, Session};
use aicc_client::store::{Connection, Store};
use aicc_client::sync::{SyncEngine, SyncOptions, SyncReport, SyncStatus};
use aicc_client::vault::{Keyring, Vault};
use aicc_client::{Error, Result, accounts};
use tokio::sync::{Mutex, OnceCell, watch};

type ReportListener = Arc<dyn Fn(&SyncReport) + Send + Sync>;

/// Where a sign-in is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// In the OS keyring, across restarts.
    InKeyring,
    /// In memory until the app quits: the user's choice when no keyring
    /// can be used.
    ThisSessionOnly,
}

/// The app's state, managed by Tauri.
pub struct AppState {
    dirs: AppDirs,
    vault: Arc<Vault>,
    active: Mutex<Option<ActiveAccount>>,
    /// Set once the account active at start has been reopened.
    resumed: OnceCell<()>,
    report: watch::Sender<SyncReport>,
    listener: OnceLock<ReportListener>,
    notifying: Mutex<()>,
}

/// The account the window shows, with its store and the engine filling it.
struct ActiveAccount {
    account: CenterAccount,
    session: Arc<Session>,
    store: Store,
    engine: SyncEngine,
    forward: tauri::async_runtime::JoinHandle<()>,
}

impl Drop for ActiveAccount {
    fn drop(&mut self) {
        self.forward.abort();
    }
}

impl AppState {
    /// Nothing active yet; see [`AppState::resumed`].
    pub fn new(dirs: AppDirs) -> Self {
        let (report, _) = watch::channel(SyncReport::idle());
        Self {
            dirs,
            vault: Arc::new(Vault::new(Keyring::new())),
            active: Mutex::new(None),
            resumed: OnceCell::new(),
            report,
            listener: OnceLock::new(),
            notifying: Mutex::new(()),
        }
    }

    /// Calls `listener` with every new sync report.
    pub fn on_report(&self, listener: impl Fn(&SyncReport) + Send + Sync + 'static) {
        let _ = self.listener.set(Arc::new(listener));
    }

    /// The app's settings as saved.
    pub fn settings(&self) -> Result<Settings> {
        Settings::load(&self.dirs.settings_file())
    }

    /// Saves the user's preferences.
    pub fn set_preferences(&self, preferences: Preferences) -> Result<()> {
        preferences.check()?;
        let mut settings = self.settings()?;
        settings.preferences = preferences;
        settings.save(&self.dirs.settings_file())
    }

    /// Reopens the account that was active when the app last ran, once:
    /// the start-up task does it while the window loads, and whatever the
    /// window asks about the account first waits for it.
    pub async fn resumed(&self) {
        self.resumed
            .get_or_init(|| self.resume_active_account())
            .await;
    }

    /// The active account, once the one active at start is reopened.
    async fn active(&self) -> tokio::sync::MutexGuard<'_, Option<ActiveAccount>> {
        self.resumed().await;
        self.active.lock().await
    }

    /// Reopens the account the settings name as active. Never touches the
    /// network: the window shows the local catalog at once.
    async fn resume_active_account(&self) {
        let settings = match self.settings() {
            Ok(settings) => settings,
            Err(e) => return self.fail(&e),
        };
        if let Err(e) = self.dirs.rename_earlier_stores(&settings.accounts) {
            return self.fail(&e);
        }
        let Some(account) = settings.active_account().cloned() else {
            *self.active.lock().await = None;
            self.report.send_replace(SyncReport::idle());
            return;
        };
        let opened = match Session::resume(account.clone(), self.vault.clone()).await {
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

    /// Signs in and makes the account the active one; a manual proxy's
    /// password, when given, goes to the keyring first.
    pub async fn sign_in(
        &self,
        url: &str,
        network: &NetworkSettings,
        proxy_password: Option<String>,
        credentials: &Credentials,
        plain_http: PlainHttp,
        keep: Keep,
    ) -> Result<Account> {
        if keep == Keep::ThisSessionOnly {
            self.vault.keep_for_this_session_only();
        }
        self.resumed().await;
        self.keep_proxy_password(url, proxy_password).await?;
        let (session, who) = accounts::sign_in(
            &self.dirs,
            self.vault.clone(),
            url,
            network,
            credentials,
            plain_http,
        )
        .await?;
        let account = session.account().clone();
        let store = Store::open(&self.dirs.store_file(&account))?;
        self.activate(account, session, store).await;
        Ok(who)
    }

    /// Shows another signed-in account; its engine starts, the previous one stops.
    pub async fn switch_account(&self, index: usize) -> Result<()> {
        self.resumed().await;
        let mut settings = self.settings()?;
        if index >= settings.accounts.len() {
            return Err(Error::InvalidInput(format!("there is no account {index}")));
        }
        settings.active = Some(index);
        settings.save(&self.dirs.settings_file())?;
        self.resume_active_account().await;
        Ok(())
    }

    /// Signs the active account out; other accounts are left alone.
    pub async fn sign_out(&self) -> Result<()> {
        let session = self.active().await.as_ref().map(|a| Arc::clone(&a.session));
        if let Some(session) = session {
            accounts::sign_out(&self.dirs, &session).await?;
        }
        self.resume_active_account().await;
        Ok(())
    }

    /// Changes how the active account's center is reached and reconnects.
    pub async fn set_network(
        &self,
        network: NetworkSettings,
        proxy_password: Option<String>,
    ) -> Result<()> {
        let Some(account) = self.current_account().await else {
            return Err(Error::InvalidInput("sign in first".into()));
        };
        network.client(None)?;
        self.keep_proxy_password(&account.url, proxy_password)
            .await?;
        let mut settings = self.settings()?;
        settings.set_network(&account, network);
        settings.save(&self.dirs.settings_file())?;
        self.resume_active_account().await;
        Ok(())
    }

    /// Keeps a center's manual proxy password in the keyring (an empty one
    /// forgets it); `None` leaves the kept one alone.
    async fn keep_proxy_password(&self, url: &str, password: Option<String>) -> Result<()> {
        let Some(password) = password else {
            return Ok(());
        };
        let (vault, url) = (Arc::clone(&self.vault), url.to_owned());
        tokio::task::spawn_blocking(move || {
            aicc_client::session::set_proxy_password(vault.as_ref(), &url, &password)
        })
        .await
        .map_err(|e| Error::Keyring(format!("the keyring task stopped: {e}")))?
    }

    /// Whether the active account's sign-in lasts only until the app quits.
    pub async fn signed_in_for_this_session_only(&self) -> bool {
        match self.active().await.as_ref() {
            Some(active) => self.vault.is_session_only(&active.account.key()),
            None => false,
        }
    }

    /// The active center and account, if any.
    pub async fn current_account(&self) -> Option<CenterAccount> {
        self.active().await.as_ref().map(|a| a.account.clone())
    }

    /// Runs `work` on the active account's store; without an account, `empty`.
    pub async fn with_store<T: Send + 'static>(
        &self,
        empty: T,
        work: impl FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let store = self.active().await.as_ref().map(|a| a.store.clone());
        match store {
            Some(store) => store.call(work).await,
            None => Ok(empty),
        }
    }

    /// A turn at showing desktop notifications.
    pub async fn notifying(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.notifying.lock().await
    }

    /// The active account's session.
    pub async fn session(&self) -> Option<Arc<Session>> {
        self.active().await.as_ref().map(|a| Arc::clone(&a.session))
    }

    /// Syncs now.
    pub async fn sync_now(&self) {
        if let Some(active) = self.active().await.as_ref() {
            active.engine.sync_now();
        }
    }

    /// The latest sync report.
    pub fn sync_report(&self) -> SyncReport {
        self.report.borrow().clone()
    }

    async fn activate(&self, account: CenterAccount, session: Session, store: Store) {
        let session = Arc::new(session);
        let engine = SyncEngine::start(Arc::clone(&session), store.clone(), SyncOptions::default());
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
            session,
            store,
            engine,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The account opens while the window loads; a question the window asks
    /// before that waits for it rather than finding nobody signed in.
    #[tokio::test]
    async fn the_windows_first_question_waits_for_the_account_to_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = AppDirs {
            config: dir.path().join("config"),
            data: dir.path().join("data"),
            logs: dir.path().join("logs"),
        };
        let account = CenterAccount {
            url: "http://127.0.0.1:9/".into(),
            email: "li.wei@example.cn".into(),
            network: NetworkSettings::default(),
        };
        let settings = Settings {
            accounts: vec![account.clone()],
            active: Some(0),
            ..Settings::default()
        };
        std::fs::create_dir_all(&dirs.config).unwrap();
        settings.save(&dirs.settings_file()).unwrap();
        let state = AppState::new(dirs);
        let (first, resumed) = tokio::join!(state.current_account(), state.resumed());
        assert_eq!((first, resumed), (Some(account.clone()), ()));
        assert_eq!(state.current_account().await, Some(account));
    }
}
