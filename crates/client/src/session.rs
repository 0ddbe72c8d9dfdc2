//! A signed-in account on one center: the refresh token in the OS keyring,
//! the access token in memory only, refreshed when it runs out.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aicc_api::auth::{Account, TokenGrant};
use tokio::sync::Mutex;

use crate::config::CenterAccount;
use crate::error::{Error, Result};
use crate::network::{NetworkSettings, ProxySetting};
use crate::portal::PortalClient;
use crate::vault::CredentialStore;

/// Refresh this long before the portal would refuse the token (or after a
/// quarter of a short-lived token's life).
const EXPIRY_MARGIN: Duration = Duration::from_secs(30);

/// One account on one center.
#[derive(Debug)]
pub struct Session {
    account: CenterAccount,
    portal: PortalClient,
    vault: Arc<dyn CredentialStore>,
    // A tokio mutex: held across the refresh so that two callers never spend
    // the same rotating refresh token (the portal would end the session).
    access: Mutex<Option<(String, Instant)>>,
    /// A personal access token the session was opened with (a script's,
    /// from its environment): sent as it is, never refreshed, kept nowhere.
    personal: Option<String>,
}

/// What a person signs in with.
#[derive(Clone)]
pub enum Credentials {
    /// Their e-mail and password.
    Password { email: String, password: String },
    /// A partner admin's invitation code and the password they choose:
    /// the account is made as they sign in.
    Invitation { code: String, password: String },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Password { email, .. } => f
                .debug_struct("Password")
                .field("email", email)
                .finish_non_exhaustive(),
            Self::Invitation { .. } => f.debug_struct("Invitation").finish_non_exhaustive(),
        }
    }
}

impl Credentials {
    /// What the sign-in form holds: an invitation code and the password the
    /// invited person chooses (the e-mail is the invitation's), or else an
    /// e-mail and password.
    pub fn from_form(email: &str, password: &str, invitation_code: Option<String>) -> Self {
        match invitation_code {
            Some(code) => Self::Invitation {
                code,
                password: password.to_owned(),
            },
            None => Self::password(email, password),
        }
    }

    /// An e-mail and password.
    pub fn password(email: &str, password: &str) -> Self {
        Self::Password {
            email: email.trim().to_owned(),
            password: password.to_owned(),
        }
    }
}

impl Session {
    /// Signs in and keeps the refresh token in `vault`.
    pub async fn sign_in(
        url: &str,
        network: &NetworkSettings,
        credentials: &Credentials,
        vault: Arc<dyn CredentialStore>,
    ) -> Result<(Self, Account)> {
        let portal = client(url, network, vault.as_ref()).await?;
        let grant = match credentials {
            Credentials::Password { email, password } => portal.sign_in(email, password).await?,
            Credentials::Invitation { code, password } => {
                portal.accept_invitation(code, password).await?
            }
        };
        let account = CenterAccount {
            url: portal.base().to_string(),
            email: grant.account.email.clone(),
            network: network.clone(),
        };
        let session = Self::of(account, portal, vault, None);
        let who = grant.account.clone();
        let refresh = grant.refresh_token.clone();
        let access = match session.keep(grant).await {
            Ok(access) => access,
            Err(e) => {
                // Not kept, so never to be used: end it at the center.
                let _ = session.portal.revoke(&refresh).await;
                return Err(e);
            }
        };
        *session.access.lock().await = Some(access);
        Ok((session, who))
    }

    /// Resumes an account signed in earlier; no network until a token is needed.
    pub async fn resume(account: CenterAccount, vault: Arc<dyn CredentialStore>) -> Result<Self> {
        let portal = client(&account.url, &account.network, vault.as_ref()).await?;
        Ok(Self::of(account, portal, vault, None))
    }

    /// A session on `portal` for `account`, with no access token yet, or
    /// sending the `personal` access token it was opened with.
    fn of(
        account: CenterAccount,
        portal: PortalClient,
        vault: Arc<dyn CredentialStore>,
        personal: Option<String>,
    ) -> Self {
        Self {
            account,
            portal,
            vault,
            access: Mutex::new(None),
            personal,
        }
    }

    /// Opens a session with a personal access token, as a script in CI
    /// does: who the token is for is asked of the center; the token is
    /// sent as it is and kept nowhere, and nothing goes to the keyring.
    pub async fn with_personal_token(
        url: &str,
        network: &NetworkSettings,
        token: &str,
        vault: Arc<dyn CredentialStore>,
    ) -> Result<(Self, Account)> {
        let portal = client(url, network, vault.as_ref()).await?;
        let who = match portal.me(token).await {
            Err(Error::Portal { status: 401, .. }) => return Err(Error::SessionEnded),
            who => who?,
        };
        let account = CenterAccount {
            url: portal.base().to_string(),
            email: who.email.clone(),
            network: network.clone(),
        };
        Ok((
            Self::of(account, portal, vault, Some(token.to_owned())),
            who,
        ))
    }

    /// The center and account.
    pub fn account(&self) -> &CenterAccount {
        &self.account
    }

    /// The portal client.
    pub fn portal(&self) -> &PortalClient {
        &self.portal
    }

    /// A valid access token, refreshed through the keyring's refresh token if needed.
    pub async fn access_token(&self) -> Result<String> {
        if let Some(token) = &self.personal {
            return Ok(token.clone());
        }
        let mut access = self.access.lock().await;
        if let Some((token, refresh_at)) = access.as_ref()
            && Instant::now() < *refresh_at
        {
            return Ok(token.clone());
        }
        let refresh = self.load_refresh().await?.ok_or(Error::SessionEnded)?;
        let grant = match self.portal.refresh(&refresh).await {
            Err(Error::SessionEnded) => {
                // The center ended the session: forget the dead token.
                self.forget_refresh().await?;
                return Err(Error::SessionEnded);
            }
            other => other?,
        };
        let fresh = self.keep(grant).await?;
        let token = fresh.0.clone();
        *access = Some(fresh);
        Ok(token)
    }

    /// Forgets the access token, e.g. after the portal answered 401.
    pub async fn invalidate(&self) {
        *self.access.lock().await = None;
    }

    /// Sends `request` with a valid access token. A 401 means the center
    /// dropped the token before we expected (revoked, or its clock ahead
    /// of ours): the request goes once more with a fresh token, and a
    /// second 401 is the answer.
    pub async fn authorized<T, F, R>(&self, request: F) -> Result<T>
    where
        F: Fn(String) -> R,
        R: Future<Output = Result<T>>,
    {
        match request(self.access_token().await?).await {
            // A personal access token is not refreshed: refused, it has
            // expired or been revoked.
            Err(Error::Portal { status: 401, .. }) if self.personal.is_some() => {
                Err(Error::SessionEnded)
            }
            Err(Error::Portal { status: 401, .. }) => {
                self.invalidate().await;
                request(self.access_token().await?).await
            }
            other => other,
        }
    }

    /// Signs out: the center revokes the session and the keyring forgets
    /// it. Offline, the keyring still forgets it (the center's tokens then
    /// expire on their own).
    pub async fn sign_out(&self) -> Result<()> {
        if self.personal.is_some() {
            return Err(Error::InvalidInput(
                "a personal access token is not signed out: revoke it with `aicc tokens revoke`, or stop passing it".into(),
            ));
        }
        *self.access.lock().await = None;
        if let Some(refresh) = self.load_refresh().await? {
            match self.portal.revoke(&refresh).await {
                Ok(()) => {}
                Err(e) if e.is_transient() => {
                    tracing::warn!(error = %e, "signed out without reaching the center; its tokens expire on their own");
                }
                Err(e) => return Err(e),
            }
        }
        self.forget_refresh().await
    }

    async fn load_refresh(&self) -> Result<Option<String>> {
        let vault = Arc::clone(&self.vault);
        let key = self.account.key();
        tokio::task::spawn_blocking(move || vault.load(&key)).await?
    }

    async fn forget_refresh(&self) -> Result<()> {
        let vault = Arc::clone(&self.vault);
        let key = self.account.key();
        tokio::task::spawn_blocking(move || vault.delete(&key)).await?
    }

    async fn keep(&self, grant: TokenGrant) -> Result<(String, Instant)> {
        let vault = Arc::clone(&self.vault);
        let key = self.account.key();
        let refresh = grant.refresh_token;
        tokio::task::spawn_blocking(move || vault.save(&key, &refresh)).await??;
        let life = Duration::from_secs(grant.expires_in);
        let margin = EXPIRY_MARGIN.min(life / 4);
        Ok((grant.access_token, Instant::now() + life - margin))
    }
}

/// The keyring entry of a center's manual proxy password.
pub fn proxy_password_key(url: &str) -> String {
    format!("proxy @ {}", url.trim_end_matches('/'))
}

/// Keeps a center's manual proxy password in the OS keyring; an empty one
/// forgets it.
pub fn set_proxy_password(vault: &dyn CredentialStore, url: &str, password: &str) -> Result<()> {
    let key = proxy_password_key(url);
    if password.is_empty() {
        vault.delete(&key)
    } else {
        vault.save(&key, password)
    }
}

async fn client(
    url: &str,
    network: &NetworkSettings,
    vault: &dyn CredentialStore,
) -> Result<PortalClient> {
    let password = match &network.proxy {
        ProxySetting::Manual {
            username: Some(user),
            ..
        } if !user.is_empty() => vault.load(&proxy_password_key(url))?,
        _ => None,
    };
    PortalClient::new(url, network, password.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::MemoryStore;

    /// The password typed for the proxy is the one the proxy receives, from the keyring.
    #[tokio::test]
    async fn the_proxy_password_kept_in_the_keyring_reaches_the_proxy() {
        let (address, seen) = crate::network::testing::fake_proxy("[]");
        let url = "http://aicc.example.cn/";
        let network = NetworkSettings {
            proxy: ProxySetting::Manual {
                url: format!("http://{address}"),
                username: Some("li.wei".into()),
                no_proxy: String::new(),
            },
            ..Default::default()
        };
        let vault = MemoryStore::default();
        set_proxy_password(&vault, url, "s3cret").unwrap();
        let portal = client(url, &network, &vault).await.unwrap();
        portal.pools("t").await.unwrap();
        let request = seen.join().unwrap().to_lowercase();
        assert!(
            request.contains("proxy-authorization: basic bgkud2vponmzy3jlda=="),
            "{request}"
        );

        set_proxy_password(&vault, url, "").unwrap();
        assert_eq!(vault.load(&proxy_password_key(url)).unwrap(), None);
    }
}
