//! Where refresh tokens are kept: the OS keyring (Keychain, Credential
//! Manager, Secret Service), never the app's files. Access tokens stay in
//! memory only ([`crate::session`]).

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

/// Secrets in memory, for tests of the code around the vault.
#[cfg(test)]
#[derive(Debug, Default)]
pub struct MemoryStore(std::sync::Mutex<std::collections::HashMap<String, String>>);

#[cfg(test)]
impl CredentialStore for MemoryStore {
    fn load(&self, account: &str) -> Result<Option<String>> {
        Ok(self.0.lock().unwrap().get(account).cloned())
    }
    fn save(&self, account: &str, secret: &str) -> Result<()> {
        self.0.lock().unwrap().insert(account.into(), secret.into());
        Ok(())
    }
    fn delete(&self, account: &str) -> Result<()> {
        self.0.lock().unwrap().remove(account);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
