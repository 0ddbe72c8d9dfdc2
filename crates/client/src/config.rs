//! The app's directories and settings. Settings live in a JSON file in the
//! app's config directory and never hold a secret: tokens are in the keyring.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use atomic_write_file::AtomicWriteFile;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::error::{Error, Result};

/// Where the app keeps its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppDirs {
    /// Settings.
    pub config: PathBuf,
    /// Local stores, one per center and account.
    pub data: PathBuf,
    /// Rotating log files.
    pub logs: PathBuf,
}

impl AppDirs {
    /// The platform's directories for the app (on Linux, XDG's).
    pub fn from_system() -> Result<Self> {
        let missing = || {
            Error::InvalidInput("the system reports no home directory for the app's files".into())
        };
        let config = dirs::config_dir()
            .ok_or_else(missing)?
            .join(crate::APP_IDENTIFIER);
        let data = dirs::data_dir()
            .ok_or_else(missing)?
            .join(crate::APP_IDENTIFIER);
        Ok(Self {
            logs: data.join("logs"),
            config,
            data,
        })
    }

    /// The settings file.
    pub fn settings_file(&self) -> PathBuf {
        self.config.join("settings.json")
    }

    /// The local database of one center and account, named by a hash of
    /// the account's key: no two accounts can share one.
    pub fn store_file(&self, account: &CenterAccount) -> PathBuf {
        let digest = Sha256::digest(account.key().as_bytes());
        let name: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        self.data.join("accounts").join(format!("{name}.sqlite3"))
    }

    /// Where earlier versions kept an account's store: its key with
    /// every other character replaced by `_`, so `li-wei@x` and `li_wei@x`
    /// shared one.
    fn earlier_store_file(&self, account: &CenterAccount) -> PathBuf {
        let name: String = account
            .key()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.data.join("accounts").join(format!("{name}.sqlite3"))
    }

    /// Gives the stores of `accounts` kept under their earlier names their
    /// names now. A store two of the accounts shared stays where it is,
    /// since whose writes it holds cannot be told; each starts afresh and
    /// syncs again.
    pub fn rename_earlier_stores(&self, accounts: &[CenterAccount]) -> Result<()> {
        for account in accounts {
            let earlier = self.earlier_store_file(account);
            let shared = accounts
                .iter()
                .filter(|other| self.earlier_store_file(other) == earlier)
                .count()
                > 1;
            let now = self.store_file(account);
            if shared {
                if earlier.exists() {
                    tracing::warn!(store = %earlier.display(), "a store two accounts shared is left aside");
                }
                continue;
            }
            if !earlier.exists() || now.exists() {
                continue;
            }
            let search = crate::catalog::index::path(&earlier);
            let moves = crate::store::database_files(&earlier)
                .into_iter()
                .zip(crate::store::database_files(&now))
                .chain(crate::store::database_files(&search).into_iter().zip(
                    crate::store::database_files(&crate::catalog::index::path(&now)),
                ));
            for (from, to) in moves {
                if from.exists() {
                    std::fs::rename(&from, &to).map_err(|source| Error::File {
                        path: from.display().to_string(),
                        source,
                    })?;
                }
            }
        }
        Ok(())
    }
}

/// A center and the account used on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CenterAccount {
    /// The portal's address.
    pub url: String,
    pub email: String,
    /// How to reach this center: proxy, CA, certificate checks.
    #[serde(default)]
    pub network: crate::network::NetworkSettings,
}

impl CenterAccount {
    /// The center's address as people read it: its host (and port, when
    /// not the scheme's own); it names the center that gives no name.
    pub fn address(&self) -> String {
        url::Url::parse(&self.url)
            .ok()
            .and_then(|u| {
                let host = u.host_str()?.to_owned();
                Some(match u.port() {
                    Some(port) => format!("{host}:{port}"),
                    None => host,
                })
            })
            .unwrap_or_else(|| self.url.clone())
    }

    /// Names the account in the keyring and on disk.
    pub fn key(&self) -> String {
        format!(
            "{} @ {}",
            self.email.to_lowercase(),
            self.url.trim_end_matches('/')
        )
    }
}

/// The app's settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Centers and accounts signed in to, in the order they were added.
    #[serde(default)]
    pub accounts: Vec<CenterAccount>,
    /// The account the window shows, an index into `accounts`.
    #[serde(default)]
    pub active: Option<usize>,
    #[serde(default)]
    pub preferences: Preferences,
}

/// How the user likes the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct Preferences {
    /// `system` follows the OS; otherwise `en` or `zh-CN`.
    pub language: String,
    /// `system` follows the OS; otherwise `light` or `dark`.
    pub theme: String,
    /// Closing the window leaves the app syncing in the tray.
    pub keep_running_in_tray: bool,
    /// Desktop notifications when a job ends or credits expire soon.
    pub notify_jobs: bool,
    /// Desktop notifications when an application changes state.
    pub notify_applications: bool,
}

impl Default for Preferences {
    fn default() -> Self {
        Self {
            language: "system".into(),
            theme: "system".into(),
            keep_running_in_tray: true,
            notify_jobs: true,
            notify_applications: true,
        }
    }
}

impl Preferences {
    /// The language the app speaks, `en` or `zh-CN`: the user's choice, or
    /// the OS's (`os_locale`, e.g. `zh_CN.UTF-8`) with `system`, as the UI
    /// chooses its own (`ui/src/i18n/index.ts`).
    pub fn speaks(&self, os_locale: Option<&str>) -> &'static str {
        let requested = match self.language.as_str() {
            "system" => os_locale.unwrap_or_default(),
            chosen => chosen,
        };
        if requested.to_lowercase().starts_with("zh") {
            "zh-CN"
        } else {
            "en"
        }
    }

    /// Refuses values the app does not know, naming the field.
    pub fn check(&self) -> Result<()> {
        if !["system", "en", "zh-CN"].contains(&self.language.as_str()) {
            return Err(Error::InvalidInput(format!(
                "language: \"{}\" is not system, en or zh-CN",
                self.language
            )));
        }
        if !["system", "light", "dark"].contains(&self.theme.as_str()) {
            return Err(Error::InvalidInput(format!(
                "theme: \"{}\" is not system, light or dark",
                self.theme
            )));
        }
        Ok(())
    }
}

impl Settings {
    /// Reads the settings; a missing file is the defaults.
    pub fn load(path: &Path) -> Result<Self> {
        match std::fs::read(path) {
            Ok(bytes) => Ok(serde_json::from_slice(&bytes)?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(source) => Err(Error::File {
                path: path.display().to_string(),
                source,
            }),
        }
    }

    /// Writes the settings atomically: a crash leaves the old or the new file.
    pub fn save(&self, path: &Path) -> Result<()> {
        let file_error = |source| Error::File {
            path: path.display().to_string(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(file_error)?;
        }
        // Written beside, synced, renamed into place and the directory
        // synced: a crash or a power cut leaves the old settings or the
        // new, never half of them.
        let mut file = AtomicWriteFile::open(path).map_err(file_error)?;
        file.write_all(&serde_json::to_vec_pretty(self)?)
            .map_err(file_error)?;
        file.commit().map_err(file_error)
    }

    /// The account the window shows.
    pub fn active_account(&self) -> Option<&CenterAccount> {
        self.active.and_then(|i| self.accounts.get(i))
    }

    /// Changes the network settings of an account.
    pub fn set_network(
        &mut self,
        account: &CenterAccount,
        network: crate::network::NetworkSettings,
    ) {
        if let Some(a) = self.accounts.iter_mut().find(|a| a.key() == account.key()) {
            a.network = network;
        }
    }

    /// Removes an account; the active one becomes the first left, if any.
    pub fn remove(&mut self, account: &CenterAccount) {
        let active = self.active_account().map(CenterAccount::key);
        self.accounts.retain(|a| a.key() != account.key());
        self.active = active
            .and_then(|key| self.accounts.iter().position(|a| a.key() == key))
            .or(if self.accounts.is_empty() {
                None
            } else {
                Some(0)
            });
    }

    /// Adds (or re-selects) an account and makes it the active one.
    pub fn activate(&mut self, account: CenterAccount) {
        let index = match self.accounts.iter().position(|a| a.key() == account.key()) {
            Some(i) => i,
            None => {
                self.accounts.push(account);
                self.accounts.len() - 1
            }
        };
        self.active = Some(index);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(url: &str, email: &str) -> CenterAccount {
        CenterAccount {
            url: url.into(),
            email: email.into(),
            network: Default::default(),
        }
    }

    #[test]
    fn settings_round_trip_and_reactivating_an_account_does_not_duplicate_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join("settings.json");
        assert_eq!(Settings::load(&path).unwrap(), Settings::default());
        let a = account("https://a.cn", "x@a.cn");
        let b = account("https://b.cn/", "y@b.cn");
        let mut settings = Settings::default();
        settings.activate(a.clone());
        settings.activate(b);
        settings.activate(account("https://a.cn/", "X@a.cn"));
        settings.save(&path).unwrap();
        let loaded = Settings::load(&path).unwrap();
        assert_eq!(loaded.accounts.len(), 2);
        assert_eq!(loaded.active_account(), Some(&a));
    }

    #[test]
    fn each_account_has_its_own_store_file() {
        let dirs = AppDirs {
            config: "c".into(),
            data: "d".into(),
            logs: "l".into(),
        };
        let a = dirs.store_file(&account("http://127.0.0.1:7878", "p@demo.aicc"));
        let b = dirs.store_file(&account("http://127.0.0.1:7879", "p@demo.aicc"));
        assert_ne!(a, b);
        assert!(a.starts_with("d/accounts"));
        let dash = dirs.store_file(&account("https://aicc.example.cn", "li-wei@x.cn"));
        let underscore = dirs.store_file(&account("https://aicc.example.cn", "li_wei@x.cn"));
        assert_ne!(dash, underscore, "two accounts never share a store");
    }

    #[test]
    fn stores_under_their_earlier_names_move_unless_two_accounts_shared_one() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = AppDirs {
            config: dir.path().join("c"),
            data: dir.path().join("d"),
            logs: dir.path().join("l"),
        };
        std::fs::create_dir_all(dir.path().join("d/accounts")).unwrap();
        let alone = account("https://aicc.example.cn", "zhao.lei@x.cn");
        let dash = account("https://aicc.example.cn", "li-wei@x.cn");
        let underscore = account("https://aicc.example.cn", "li_wei@x.cn");
        for account in [&alone, &dash] {
            let earlier = dirs.earlier_store_file(account);
            std::fs::write(&earlier, account.email.as_bytes()).unwrap();
            std::fs::write(crate::catalog::index::path(&earlier), b"index").unwrap();
        }
        let accounts = [alone.clone(), dash.clone(), underscore.clone()];
        dirs.rename_earlier_stores(&accounts).unwrap();
        assert_eq!(
            std::fs::read(dirs.store_file(&alone)).unwrap(),
            b"zhao.lei@x.cn"
        );
        assert!(crate::catalog::index::path(&dirs.store_file(&alone)).exists());
        assert!(!dirs.earlier_store_file(&alone).exists());
        assert!(dirs.earlier_store_file(&dash).exists(), "left aside");
        assert!(!dirs.store_file(&dash).exists());
        assert!(!dirs.store_file(&underscore).exists());
        dirs.rename_earlier_stores(&accounts).unwrap();
    }
}
