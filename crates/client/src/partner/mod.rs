//! The app's core as one type: the accounts signed in on this computer,
//! each live with its session, local store and sync engine, and the one
//! the window shows. The desktop shell, the command line and the tests all
//! drive the app through a [`Partner`]: a command gets it, calls one
//! function and maps the error.
//!
//! Every signed-in account is kept live ([`Live`]): each syncs in the
//! background whichever one the window shows, so a job ending at a center
//! not on screen is still heard of and notified. The shown account's
//! reports reach the window; every account's due notifications reach the
//! notifier. Engines stop by signal, never cut off: a cycle under way
//! finishes first.
//!
//! Whatever needs an account while nobody is signed in fails the same
//! way: [`Error::NotSignedIn`].

mod asks;
mod directory;
mod estimates;
mod talent;

pub use asks::FieldProblem;
pub use estimates::CenterEstimate;

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use aicc_api::auth::Account;
use tokio::sync::{Mutex, OnceCell, watch};
use tokio_util::sync::CancellationToken;

use crate::accounts::{self, PlainHttp};
use crate::config::{AppDirs, CenterAccount, Preferences, Settings};
use crate::network::NetworkSettings;
use crate::session::{Credentials, Session};
use crate::store::{Connection, Store};
use crate::sync::{SyncEngine, SyncOptions, SyncReport, SyncStatus};
use crate::vault::{CredentialStore, Keyring, Vault};
use crate::{Error, Result};

type ReportListener = Arc<dyn Fn(&SyncReport) + Send + Sync>;
type Notifier = Arc<dyn Fn() + Send + Sync>;

/// Where a sign-in is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// In the OS keyring, across restarts.
    InKeyring,
    /// In memory until the app quits: the user's choice when no keyring
    /// can be used.
    ThisSessionOnly,
}

/// A signed-in account as the account menu shows it: its center, whether
/// it syncs and how, and what it has unread.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CenterState {
    /// Its place in [`AccountList::accounts`], as [`Partner::switch_account`] takes it.
    pub index: u32,
    pub account: CenterAccount,
    /// The center's address as people read it: host, and port when not
    /// the scheme's own.
    pub center: String,
    /// The center's name in English and in Chinese as it gives them
    /// (`GET /v1/center`), each else in the other language, else its
    /// address.
    pub name_en: String,
    pub name_zh: String,
    pub shown: bool,
    /// How its sync stands; `None` when it is signed out (its sign-in is
    /// no longer in the keyring, or the center ended its session).
    pub status: Option<SyncStatus>,
    pub unread: u32,
}

/// A signed-in center's compute, as the compute view shows it beside the
/// others': its pools and their last hours, the organisation's quota
/// there, and whether that is live or as of the last sync.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CenterCompute {
    pub state: CenterState,
    /// As of `info.fetched_at`.
    pub info: crate::center::CenterInfo,
    pub history: Vec<aicc_api::jobs::PoolHistory>,
}

/// Every signed-in account and which one is shown.
#[derive(Debug, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AccountList {
    pub accounts: Vec<CenterAccount>,
    pub active: Option<u32>,
}

/// The app: its directories, the keyring, the live accounts and the one
/// shown. Every report of the shown account's engine is kept (for
/// [`Partner::sync_report`]) and handed to the listener.
pub struct Partner {
    dirs: AppDirs,
    vault: Arc<Vault>,
    accounts: Mutex<Accounts>,
    /// Set once the account shown at start has been reopened.
    resumed: OnceCell<()>,
    /// How the engines pace themselves; `None` when none runs and
    /// accounts sync only when asked ([`Partner::sync_once`]).
    options: Option<SyncOptions>,
    report: watch::Sender<SyncReport>,
    listener: OnceLock<ReportListener>,
    notifier: OnceLock<Notifier>,
    /// The key of the account shown, for the tasks handing reports on.
    shown: watch::Sender<Option<String>>,
    /// Held while the shown account changes and while a report is handed
    /// on, so that no report of the account shown before arrives after
    /// the new one's.
    handing_on: Arc<std::sync::Mutex<()>>,
}

impl std::fmt::Debug for Partner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Partner")
            .field("dirs", &self.dirs)
            .finish_non_exhaustive()
    }
}

/// The live accounts, by [`CenterAccount::key`], and which one is shown.
#[derive(Default)]
struct Accounts {
    live: HashMap<String, Live>,
    shown: Option<String>,
}

impl Accounts {
    fn shown(&self) -> Option<&Live> {
        self.live.get(self.shown.as_deref()?)
    }
}

/// One account kept live: its session, its store and the engine filling
/// it, and the task handing the engine's reports on.
struct Live {
    account: CenterAccount,
    session: Arc<Session>,
    store: Store,
    engine: Option<SyncEngine>,
    forwarding: CancellationToken,
}

impl Live {
    /// Stops handing reports on and asks the engine to stop.
    fn close(self) {
        self.forwarding.cancel();
        drop(self.engine);
    }
}

impl Partner {
    /// Nothing open yet, secrets in the OS keyring; see [`Partner::resumed`].
    pub fn new(dirs: AppDirs) -> Self {
        Self::with(dirs, Keyring::new(), SyncOptions::default())
    }

    /// Secrets in `keyring`, engines paced by `options`: for tests.
    pub fn with(
        dirs: AppDirs,
        keyring: impl CredentialStore + 'static,
        options: SyncOptions,
    ) -> Self {
        Self::paced(dirs, keyring, Some(options))
    }

    /// Secrets in the OS keyring, no engine: an account syncs only when
    /// asked ([`Partner::sync_once`]). For the command line, which does one
    /// thing and exits.
    pub fn on_demand(dirs: AppDirs) -> Self {
        Self::paced(dirs, Keyring::new(), None)
    }

    fn paced(
        dirs: AppDirs,
        keyring: impl CredentialStore + 'static,
        options: Option<SyncOptions>,
    ) -> Self {
        let (report, _) = watch::channel(SyncReport::idle());
        let (shown, _) = watch::channel(None);
        Self {
            dirs,
            vault: Arc::new(Vault::new(keyring)),
            accounts: Mutex::new(Accounts::default()),
            resumed: OnceCell::new(),
            options,
            report,
            listener: OnceLock::new(),
            notifier: OnceLock::new(),
            shown,
            handing_on: Arc::default(),
        }
    }

    /// Calls `listener` with every new report of the shown account.
    pub fn on_report(&self, listener: impl Fn(&SyncReport) + Send + Sync + 'static) {
        let _ = self.listener.set(Arc::new(listener));
    }

    /// Calls `notifier` whenever any live account, shown or not, has
    /// desktop notifications due ([`Partner::desktop_notifications`]).
    pub fn on_notifications_due(&self, notifier: impl Fn() + Send + Sync + 'static) {
        let _ = self.notifier.set(Arc::new(notifier));
    }

    /// The app's settings as saved.
    pub fn settings(&self) -> Result<Settings> {
        Settings::load(&self.dirs.settings_file())
    }

    /// Every signed-in account and which one is shown.
    pub fn account_list(&self) -> Result<AccountList> {
        let settings = self.settings()?;
        Ok(AccountList {
            active: settings.active.map(|i| i as u32),
            accounts: settings.accounts,
        })
    }

    /// Saves the user's preferences.
    pub fn set_preferences(&self, preferences: Preferences) -> Result<()> {
        preferences.check()?;
        let mut settings = self.settings()?;
        settings.preferences = preferences;
        settings.save(&self.dirs.settings_file())
    }

    /// Reopens the account that was shown when the app last ran, once:
    /// the start-up task does it while the window loads, and whatever the
    /// window asks about the account first waits for it.
    pub async fn resumed(&self) {
        self.resumed
            .get_or_init(|| self.show_active_account())
            .await;
    }

    async fn accounts(&self) -> tokio::sync::MutexGuard<'_, Accounts> {
        self.resumed().await;
        self.accounts.lock().await
    }

    /// Keeps every signed-in account live, reopening each from the keyring
    /// and its store, and shows the one the settings name as active. Never
    /// touches the network: the window shows the local catalog at once.
    /// An account that cannot be reopened stays in the menu as signed out;
    /// accounts signed out elsewhere (by `aicc`) are closed.
    async fn show_active_account(&self) {
        let settings = match self.settings() {
            Ok(settings) => settings,
            Err(e) => return self.fail(&e),
        };
        if let Err(e) = self.dirs.rename_earlier_stores(&settings.accounts) {
            return self.fail(&e);
        }
        let keys: Vec<String> = settings.accounts.iter().map(CenterAccount::key).collect();
        // Accounts signed out elsewhere (by `aicc`) stop here too.
        let gone: Vec<Live> = {
            let mut accounts = self.accounts.lock().await;
            let gone: Vec<String> = accounts
                .live
                .keys()
                .filter(|key| !keys.contains(key))
                .cloned()
                .collect();
            gone.iter()
                .filter_map(|key| accounts.live.remove(key))
                .collect()
        };
        for live in gone {
            live.close();
        }
        let mut active_failed = None;
        for account in &settings.accounts {
            // Without engines (the command line) only the shown one is used.
            if self.options.is_none() && Some(account) != settings.active_account() {
                continue;
            }
            if self.accounts.lock().await.live.contains_key(&account.key()) {
                continue;
            }
            match self.reopen(account).await {
                Ok((session, store)) => self.keep_live(account.clone(), session, store).await,
                Err(e) if Some(account) == settings.active_account() => active_failed = Some(e),
                Err(e) => {
                    tracing::warn!(center = %account.url, error = %e, "an account stays signed out")
                }
            }
        }
        let shown = settings.active_account().map(CenterAccount::key);
        let mut accounts = self.accounts.lock().await;
        let shown = shown.filter(|key| accounts.live.contains_key(key));
        self.set_shown(&mut accounts, shown);
        drop(accounts);
        if let Some(e) = active_failed {
            self.fail(&e);
        }
    }

    /// Opens every signed-in account not live yet: the command line opens
    /// only the one it uses, unless it asks them all (an estimate). One
    /// that cannot be opened stays signed out.
    pub async fn open_every_account(&self) -> Result<()> {
        self.resumed().await;
        for account in self.settings()?.accounts {
            if self.accounts.lock().await.live.contains_key(&account.key()) {
                continue;
            }
            match self.reopen(&account).await {
                Ok((session, store)) => self.keep_live(account, session, store).await,
                Err(e) => {
                    tracing::warn!(center = %account.url, error = %e, "an account stays signed out")
                }
            }
        }
        Ok(())
    }

    /// An account's session from the keyring and its store.
    async fn reopen(&self, account: &CenterAccount) -> Result<(Session, Store)> {
        let session = Session::resume(account.clone(), self.vault.clone()).await?;
        let store = Store::open(&self.dirs.store_file(account))?;
        Ok((session, store))
    }

    /// Signs in and shows the account; a manual proxy's password, when
    /// given, goes to the keyring first.
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
        self.show(account, session, store).await;
        Ok(who)
    }

    /// Opens and shows the account a personal access token is for, as a
    /// script in CI does with the token in its environment: the settings
    /// and the keyring are left alone and nothing of the token is kept; the
    /// account's store is the app's own.
    pub async fn open_with_personal_token(
        &self,
        url: &str,
        network: &NetworkSettings,
        token: &str,
        plain_http: PlainHttp,
    ) -> Result<Account> {
        // The account the settings name is not the one to show.
        let _ = self.resumed.set(());
        accounts::refuse_plain_http(url, plain_http)?;
        let (session, who) =
            Session::with_personal_token(url, network, token, self.vault.clone()).await?;
        let account = session.account().clone();
        let store = Store::open(&self.dirs.store_file(&account))?;
        self.show(account, session, store).await;
        Ok(who)
    }

    /// Shows another signed-in account.
    pub async fn switch_account(&self, index: usize) -> Result<()> {
        self.resumed().await;
        let mut settings = self.settings()?;
        if index >= settings.accounts.len() {
            return Err(Error::InvalidInput(format!("there is no account {index}")));
        }
        settings.active = Some(index);
        settings.save(&self.dirs.settings_file())?;
        self.show_active_account().await;
        Ok(())
    }

    /// Shows the signed-in account at `url` for as long as this process
    /// runs, leaving the one the app opens next as it was: a command line
    /// run that names its center. Of several accounts at one center, the
    /// one the app shows when it is among them, else the first.
    pub async fn open_account_at(&self, url: &str) -> Result<CenterAccount> {
        let _ = self.resumed.set(());
        let settings = self.settings()?;
        let wanted = crate::portal::center_url(url)?;
        let at_center =
            |a: &&CenterAccount| crate::portal::center_url(&a.url).is_ok_and(|u| u == wanted);
        let account = settings
            .active_account()
            .filter(at_center)
            .or_else(|| settings.accounts.iter().find(at_center))
            .cloned()
            .ok_or_else(|| Error::NotSignedIn)?;
        let session = Session::resume(account.clone(), self.vault.clone()).await?;
        let store = Store::open(&self.dirs.store_file(&account))?;
        self.show(account.clone(), session, store).await;
        Ok(account)
    }

    /// Signs the shown account out; other accounts stay signed in.
    pub async fn sign_out(&self) -> Result<()> {
        let session = self.session().await?;
        accounts::sign_out(&self.dirs, &session).await?;
        self.close(&session.account().key()).await;
        self.show_active_account().await;
        Ok(())
    }

    /// Shows the signed-in account `key` ([`CenterAccount::key`]), as a
    /// click on a notification from its center asks; whether it was
    /// another than the one shown.
    pub async fn show_account(&self, key: &str) -> Result<bool> {
        if self.current_account().await.is_some_and(|a| a.key() == key) {
            return Ok(false);
        }
        let index = self
            .settings()?
            .accounts
            .iter()
            .position(|a| a.key() == key)
            .ok_or(Error::NotSignedIn)?;
        self.switch_account(index).await?;
        Ok(true)
    }

    /// Every signed-in account with its center, its sync's state and its
    /// unread notifications, for the account menu.
    pub async fn centers(&self) -> Result<Vec<CenterState>> {
        let mut centers = Vec::new();
        for (state, _) in self.center_stores().await? {
            centers.push(state);
        }
        Ok(centers)
    }

    /// Every signed-in center's compute, side by side, from each one's
    /// local store: live while its sync is up to date, else as of when it
    /// last was.
    pub async fn compute(&self) -> Result<Vec<CenterCompute>> {
        let mut compute = Vec::new();
        for (state, store) in self.center_stores().await? {
            let (info, history) = match store {
                Some(store) => {
                    store
                        .call(|c| Ok((crate::center::info(c)?, crate::center::history(c)?)))
                        .await?
                }
                None => Default::default(),
            };
            compute.push(CenterCompute {
                state,
                info,
                history,
            });
        }
        Ok(compute)
    }

    /// The store of the live account `key`, if it is live.
    async fn store_of(&self, key: &str) -> Option<Store> {
        self.accounts()
            .await
            .live
            .get(key)
            .map(|live| live.store.clone())
    }

    /// The session of the live account `key`, if it is live.
    async fn session_of(&self, key: &str) -> Option<Arc<Session>> {
        self.accounts()
            .await
            .live
            .get(key)
            .map(|live| Arc::clone(&live.session))
    }

    /// Every signed-in account's state, and its store while it is live.
    async fn center_stores(&self) -> Result<Vec<(CenterState, Option<Store>)>> {
        let settings = self.settings()?;
        let open: Vec<(String, Option<SyncStatus>, Store)> = {
            let accounts = self.accounts().await;
            accounts
                .live
                .iter()
                .map(|(key, live)| {
                    let status = live
                        .engine
                        .as_ref()
                        .map(|e| e.subscribe().borrow().status.clone());
                    (key.clone(), status, live.store.clone())
                })
                .collect()
        };
        let shown = self.shown.borrow().clone();
        let mut centers = Vec::new();
        for (index, account) in settings.accounts.into_iter().enumerate() {
            let key = account.key();
            let live = open.iter().find(|(k, _, _)| *k == key);
            let (unread, identity) = match live {
                Some((_, _, store)) => {
                    store
                        .call(|c| {
                            Ok::<_, Error>((
                                crate::notifications::unread(c)?,
                                crate::center::identity(c)?,
                            ))
                        })
                        .await?
                }
                None => (0, None),
            };
            let address = account.address();
            let name = |language: &str| {
                identity
                    .as_ref()
                    .and_then(|i| i.name_in(language))
                    .map_or_else(|| address.clone(), str::to_owned)
            };
            let state = CenterState {
                index: index as u32,
                name_en: name("en"),
                name_zh: name("zh-CN"),
                center: address.clone(),
                shown: shown.as_deref() == Some(key.as_str()),
                status: live.map(|(_, status, _)| status.clone().unwrap_or(SyncStatus::Idle)),
                unread,
                account,
            };
            centers.push((state, live.map(|(_, _, store)| store.clone())));
        }
        Ok(centers)
    }

    /// Changes how the shown account's center is reached and reconnects.
    pub async fn set_network(
        &self,
        network: NetworkSettings,
        proxy_password: Option<String>,
    ) -> Result<()> {
        let account = self.current_account().await.ok_or(Error::NotSignedIn)?;
        network.client(None)?;
        self.keep_proxy_password(&account.url, proxy_password)
            .await?;
        let mut settings = self.settings()?;
        settings.set_network(&account, network);
        settings.save(&self.dirs.settings_file())?;
        // A new session, through the new network settings.
        self.close(&account.key()).await;
        self.show_active_account().await;
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
            crate::session::set_proxy_password(vault.as_ref(), &url, &password)
        })
        .await
        .map_err(|e| Error::Keyring(format!("the keyring task stopped: {e}")))?
    }

    /// Whether the shown account's sign-in lasts only until the app quits.
    pub async fn signed_in_for_this_session_only(&self) -> bool {
        match self.accounts().await.shown() {
            Some(live) => self.vault.is_session_only(&live.account.key()),
            None => false,
        }
    }

    /// The shown center and account, if any.
    pub async fn current_account(&self) -> Option<CenterAccount> {
        self.accounts()
            .await
            .shown()
            .map(|live| live.account.clone())
    }

    /// The shown account's session.
    pub async fn session(&self) -> Result<Arc<Session>> {
        self.accounts()
            .await
            .shown()
            .map(|live| Arc::clone(&live.session))
            .ok_or(Error::NotSignedIn)
    }

    /// Runs `work` on the shown account's local store.
    pub async fn local<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let store = self
            .accounts()
            .await
            .shown()
            .map(|live| live.store.clone())
            .ok_or(Error::NotSignedIn)?;
        store.call(work).await
    }

    /// Syncs the shown account now.
    pub async fn sync_now(&self) {
        if let Some(engine) = self
            .accounts()
            .await
            .shown()
            .and_then(|l| l.engine.as_ref())
        {
            engine.sync_now();
        }
    }

    /// Brings the shown account's store up to date now, sending what waits
    /// in its outbox first; `progress` hears the catalog's counts.
    pub async fn sync_once(
        &self,
        page_size: u32,
        progress: impl FnMut(u32, Option<u32>),
    ) -> Result<()> {
        let (session, store) = self.shown_live().await?;
        crate::sync::cycle(&session, &store, page_size, progress, None).await
    }

    /// Sends what waits in the shown account's outbox now, and nothing
    /// more: each write keeps the center's answer; the feeds bring the rest
    /// at the next sync. Returns how many were sent.
    pub async fn send_queued(&self) -> Result<u32> {
        let (session, store) = self.shown_live().await?;
        crate::outbox::drain(&session, &store, None).await
    }

    /// The shown account's session and store.
    async fn shown_live(&self) -> Result<(Arc<Session>, Store)> {
        let accounts = self.accounts().await;
        let live = accounts.shown().ok_or(Error::NotSignedIn)?;
        Ok((Arc::clone(&live.session), live.store.clone()))
    }

    /// The shown account's latest sync report.
    pub fn sync_report(&self) -> SyncReport {
        self.report.borrow().clone()
    }

    /// The desktop notifications to show now, each once: every transition
    /// not yet offered to the OS at any signed-in center, in the user's
    /// language, of the kinds the user wants (the inbox keeps them all),
    /// each naming its center. Nothing when nobody is signed in (any
    /// more): the notifications of an account signed out are not shown.
    pub async fn desktop_notifications(
        &self,
        os_locale: Option<String>,
    ) -> Result<Vec<crate::notifications::Desktop>> {
        let preferences = self.settings()?.preferences;
        let open: Vec<(CenterAccount, Store)> = self
            .accounts()
            .await
            .live
            .values()
            .map(|live| (live.account.clone(), live.store.clone()))
            .collect();
        let mut due = Vec::new();
        for (account, store) in open {
            let now = crate::clock::now();
            let (taken, identity) = store
                .call(move |c| {
                    Ok::<_, Error>((
                        crate::notifications::take_unshown(c, &now)?,
                        crate::center::identity(c)?,
                    ))
                })
                .await?;
            due.extend(taken.iter().filter_map(|n| {
                n.desktop(
                    &preferences,
                    os_locale.as_deref(),
                    &account,
                    identity.as_ref(),
                )
            }));
        }
        Ok(due)
    }

    /// The language the app speaks outside its window: the user's choice,
    /// or the OS's (`os_locale`); English when the settings cannot be read.
    pub fn speaks(&self, os_locale: Option<&str>) -> &'static str {
        self.settings()
            .map(|s| s.preferences)
            .unwrap_or_default()
            .speaks(os_locale)
    }

    /// The tray's words in the language the app speaks.
    pub fn tray(&self, os_locale: Option<&str>) -> crate::words::Tray {
        crate::words::tray(self.speaks(os_locale))
    }

    /// The OS file dialog's filter for picking a `kind` of file, in the
    /// language the app speaks.
    pub fn file_filter(
        &self,
        kind: crate::words::FileKind,
        os_locale: Option<&str>,
    ) -> crate::words::FileFilter {
        kind.filter(self.speaks(os_locale))
    }

    /// Stops every engine, each once its cycle under way has finished.
    pub async fn shutdown(&self) {
        let live: Vec<Live> = {
            let mut accounts = self.accounts.lock().await;
            accounts.shown = None;
            accounts.live.drain().map(|(_, live)| live).collect()
        };
        for live in live {
            live.forwarding.cancel();
            if let Some(engine) = live.engine {
                engine.stop().await;
            }
        }
    }

    /// Makes `account` the one shown, live with `session` and `store`.
    async fn show(&self, account: CenterAccount, session: Session, store: Store) {
        let key = account.key();
        self.keep_live(account, session, store).await;
        let mut accounts = self.accounts.lock().await;
        self.set_shown(&mut accounts, Some(key));
    }

    /// Keeps `account` live with `session` and `store`, its engine syncing
    /// (when engines run) and its reports handed on; an earlier live of
    /// the same account is closed.
    async fn keep_live(&self, account: CenterAccount, session: Session, store: Store) {
        let session = Arc::new(session);
        let key = account.key();
        let engine = self
            .options
            .clone()
            .map(|options| SyncEngine::start(Arc::clone(&session), store.clone(), options));
        let forwarding = CancellationToken::new();
        if let Some(engine) = &engine {
            tokio::spawn(forward(
                key.clone(),
                engine.subscribe(),
                Listeners {
                    report: self.report.clone(),
                    listener: self.listener.get().cloned(),
                    notifier: self.notifier.get().cloned(),
                    shown: self.shown.subscribe(),
                    handing_on: Arc::clone(&self.handing_on),
                },
                forwarding.clone(),
            ));
        }
        let live = Live {
            account,
            session,
            store,
            engine,
            forwarding,
        };
        let mut accounts = self.accounts.lock().await;
        if let Some(earlier) = accounts.live.insert(key, live) {
            earlier.close();
        }
    }

    /// Shows the live account `key` (or none): the window hears its latest
    /// report at once, then each new one.
    fn set_shown(&self, accounts: &mut Accounts, key: Option<String>) {
        let _handing_on = self
            .handing_on
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        accounts.shown = key.clone();
        self.shown.send_replace(key);
        let latest = accounts
            .shown()
            .and_then(|live| live.engine.as_ref())
            .map_or_else(SyncReport::idle, |engine| {
                engine.subscribe().borrow().clone()
            });
        if let Some(listener) = self.listener.get() {
            listener(&latest);
        }
        self.report.send_replace(latest);
    }

    /// Stops keeping the account `key` live.
    async fn close(&self, key: &str) {
        let mut accounts = self.accounts.lock().await;
        if let Some(live) = accounts.live.remove(key) {
            live.close();
        }
        if accounts.shown.as_deref() == Some(key) {
            self.set_shown(&mut accounts, None);
        }
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

/// Where an engine's reports go.
struct Listeners {
    /// The shown account's latest report.
    report: watch::Sender<SyncReport>,
    /// Hears the shown account's reports.
    listener: Option<ReportListener>,
    /// Hears that notifications are due, from any account.
    notifier: Option<Notifier>,
    /// Which account is shown.
    shown: watch::Receiver<Option<String>>,
    handing_on: Arc<std::sync::Mutex<()>>,
}

/// Hands each of the account `key`'s reports on until `until` is
/// cancelled (the account is closed) or its engine ends: to the window
/// while it is shown, and to the notifier whenever its notifications are
/// due.
async fn forward(
    key: String,
    mut reports: watch::Receiver<SyncReport>,
    to: Listeners,
    until: CancellationToken,
) {
    loop {
        let latest = reports.borrow_and_update().clone();
        {
            let _handing_on = to
                .handing_on
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if to.shown.borrow().as_deref() == Some(key.as_str()) {
                if let Some(listener) = &to.listener {
                    listener(&latest);
                }
                to.report.send_replace(latest.clone());
            }
        }
        if latest.notifications_due()
            && let Some(notifier) = &to.notifier
        {
            notifier();
        }
        let next = until.run_until_cancelled(reports.changed()).await;
        if !matches!(next, Some(Ok(()))) {
            return;
        }
    }
}
