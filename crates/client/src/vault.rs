//! Where refresh tokens are kept: the OS keyring (Keychain, Credential
//! Manager, Secret Service), never the app's files. Access tokens stay in
//! memory only ([`crate::session`]). Where no keyring can be used (a Linux
//! desktop without a Secret Service, WSL, a locked keyring), the user may
//! choose to be signed in for this session only ([`Vault`]): the secrets
//! then stay in memory and go when the app quits. Never a file.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{Error, Result};

/// A store of secrets keyed by account.
pub trait CredentialStore: Send + Sync + std::fmt::Debug {
    /// The refresh token stored for `account`, if any.
    fn load(&self, account: &str) -> Result<Option<String>>;
    /// Stores `secret` for `account`, replacing any earlier one.
    fn save(&self, account: &str, secret: &str) -> Result<()>;
    /// Forgets `account`'s secret; forgetting a missing one is not an error.
    fn delete(&self, account: &str) -> Result<()>;
}

/// The service name of the app's keyring entries.
pub const KEYRING_SERVICE: &str = "aicc-partner";

/// The OS keyring.
#[derive(Debug, Clone)]
pub struct Keyring {
    service: String,
}

impl Keyring {
    /// The app's entries, under the service `aicc-partner`.
    pub fn new() -> Self {
        Self::with_service(KEYRING_SERVICE)
    }

    /// Entries under another service name (tests use their own).
    pub fn with_service(service: &str) -> Self {
        Self {
            service: service.to_owned(),
        }
    }

    fn entry(&self, account: &str) -> Result<keyring::Entry> {
        keyring::Entry::new(&self.service, account).map_err(keyring_error)
    }
}

impl Default for Keyring {
    fn default() -> Self {
        Self::new()
    }
}

impl CredentialStore for Keyring {
    fn load(&self, account: &str) -> Result<Option<String>> {
        match self.entry(account)?.get_password() {
            Ok(secret) => Ok(Some(secret)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keyring_error(e)),
        }
    }

    fn save(&self, account: &str, secret: &str) -> Result<()> {
        self.entry(account)?
            .set_password(secret)
            .map_err(keyring_error)
    }

    fn delete(&self, account: &str) -> Result<()> {
        match self.entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(keyring_error(e)),
        }
    }
}

fn keyring_error(e: keyring::Error) -> Error {
    let hint = match &e {
        keyring::Error::NoStorageAccess(_) => "the keyring is locked; unlock it and try again",
        keyring::Error::PlatformFailure(_) => {
            "no keyring service answers; on Linux, install and start a Secret Service such as GNOME Keyring or KWallet"
        }
        _ => "check the system keyring",
    };
    Error::Keyring(format!("{e} ({hint})"))
}

/// Secrets in memory only: gone when the process ends.
#[derive(Debug, Default)]
pub struct MemoryStore(Mutex<HashMap<String, String>>);

impl MemoryStore {
    fn secrets(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether a secret for `account` is held.
    pub fn holds(&self, account: &str) -> bool {
        self.secrets().contains_key(account)
    }
}

impl CredentialStore for MemoryStore {
    fn load(&self, account: &str) -> Result<Option<String>> {
        Ok(self.secrets().get(account).cloned())
    }
    fn save(&self, account: &str, secret: &str) -> Result<()> {
        self.secrets().insert(account.into(), secret.into());
        Ok(())
    }
    fn delete(&self, account: &str) -> Result<()> {
        self.secrets().remove(account);
        Ok(())
    }
}

/// The app's vault: the OS keyring, until the user, told that it cannot
/// be used, chooses to sign in for this session only. From then on, until
/// the app quits, new secrets stay in memory; secrets already in the
/// keyring are still read from it.
#[derive(Debug)]
pub struct Vault {
    keyring: Box<dyn CredentialStore>,
    memory: MemoryStore,
    session_only: AtomicBool,
}

impl Vault {
    /// Secrets in `keyring` (the OS keyring in the app).
    pub fn new(keyring: impl CredentialStore + 'static) -> Self {
        Self {
            keyring: Box::new(keyring),
            memory: MemoryStore::default(),
            session_only: AtomicBool::new(false),
        }
    }

    /// Keeps secrets stored from now on in memory only.
    pub fn keep_for_this_session_only(&self) {
        self.session_only.store(true, Ordering::SeqCst);
    }

    /// Whether `account`'s secret lasts only until the app quits.
    pub fn is_session_only(&self, account: &str) -> bool {
        self.memory.holds(account)
    }
}

impl CredentialStore for Vault {
    fn load(&self, account: &str) -> Result<Option<String>> {
        match self.memory.load(account)? {
            Some(secret) => Ok(Some(secret)),
            None => self.keyring.load(account),
        }
    }

    fn save(&self, account: &str, secret: &str) -> Result<()> {
        if self.session_only.load(Ordering::SeqCst) {
            self.memory.save(account, secret)
        } else {
            self.keyring.save(account, secret)
        }
    }

    fn delete(&self, account: &str) -> Result<()> {
        let in_memory = self.memory.holds(account);
        self.memory.delete(account)?;
        match self.keyring.delete(account) {
            // What was only in memory is forgotten even without a keyring.
            Err(_) if in_memory => Ok(()),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A keyring that cannot be used, as on a desktop without a Secret Service.
    #[derive(Debug)]
    struct NoKeyring;

    impl CredentialStore for NoKeyring {
        fn load(&self, _: &str) -> Result<Option<String>> {
            Err(Error::Keyring("no keyring service answers".into()))
        }
        fn save(&self, _: &str, _: &str) -> Result<()> {
            Err(Error::Keyring("no keyring service answers".into()))
        }
        fn delete(&self, _: &str) -> Result<()> {
            Err(Error::Keyring("no keyring service answers".into()))
        }
    }

    #[test]
    fn without_a_keyring_secrets_are_kept_for_this_session_only_once_the_user_says_so() {
        let vault = Vault::new(NoKeyring);
        assert!(matches!(
            vault.save("li@demo.aicc @ https://aicc.example.cn", "art_1"),
            Err(Error::Keyring(_))
        ));
        vault.keep_for_this_session_only();
        vault
            .save("li@demo.aicc @ https://aicc.example.cn", "art_1")
            .unwrap();
        assert!(vault.is_session_only("li@demo.aicc @ https://aicc.example.cn"));
        assert_eq!(
            vault
                .load("li@demo.aicc @ https://aicc.example.cn")
                .unwrap(),
            Some("art_1".into())
        );
        vault
            .delete("li@demo.aicc @ https://aicc.example.cn")
            .unwrap();
        assert!(!vault.is_session_only("li@demo.aicc @ https://aicc.example.cn"));
        // Another account's secret is still asked of the keyring.
        assert!(vault.load("other @ https://aicc.example.cn").is_err());
    }

    /// Runs against the real OS keyring: `cargo xtask test` starts a Secret
    /// Service for it. Proves the platform store is in use, not keyring's mock.
    #[test]
    fn keyring_round_trips_a_secret_through_the_os_store() {
        let vault = Keyring::with_service("aicc-partner-test");
        let account = format!("round-trip-{}", std::process::id());
        vault.save(&account, "art_secret").unwrap();
        // A fresh entry sees what another stored: keyring's mock would not.
        assert_eq!(
            Keyring::with_service("aicc-partner-test")
                .load(&account)
                .unwrap(),
            Some("art_secret".into())
        );
        vault.delete(&account).unwrap();
        assert_eq!(vault.load(&account).unwrap(), None);
        vault.delete(&account).unwrap();
    }
}
