//! A signed-in account on one center: the refresh token in the OS keyring,
//! the access token in memory only, refreshed when it runs out.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aicc_api::auth::{Account, TokenGrant};
use tokio::sync::Mutex;

use crate::config::CenterAccount;
use crate::error::Result;
use crate::portal::PortalClient;
use crate::vault::CredentialStore;

/// Refresh this long before the portal would refuse the token.
const EXPIRY_MARGIN: Duration = Duration::from_secs(30);

/// One account on one center.
#[derive(Debug)]
pub struct Session {
    account: CenterAccount,
    portal: PortalClient,
    vault: Arc<dyn CredentialStore>,
    // A tokio mutex: held across the refresh so that two callers never spend
    // the same rotating refresh token (the portal would revoke the session).
    access: Mutex<Option<(String, Instant)>>,
}

impl Session {
    /// Signs in with a password and keeps the refresh token in `vault`.
    pub async fn sign_in(
        url: &str,
        email: &str,
        password: &str,
        vault: Arc<dyn CredentialStore>,
    ) -> Result<(Self, Account)> {
        let portal = PortalClient::new(url)?;
        let grant = portal.sign_in(email.trim(), password).await?;
        let account = CenterAccount {
            url: portal.base().to_string(),
            email: grant.account.email.clone(),
        };
        let session = Self {
            account,
            portal,
            vault,
            access: Mutex::new(None),
        };
        let who = grant.account.clone();
        let access = session.keep(grant).await?;
        *session.access.lock().await = Some(access);
        Ok((session, who))
    }

    /// Resumes an account signed in earlier; no network until a token is needed.
    pub fn resume(account: CenterAccount, vault: Arc<dyn CredentialStore>) -> Result<Self> {
        Ok(Self {
            portal: PortalClient::new(&account.url)?,
            account,
            vault,
            access: Mutex::new(None),
        })
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
        let mut access = self.access.lock().await;
        if let Some((token, expires)) = access.as_ref()
            && Instant::now() + EXPIRY_MARGIN < *expires
        {
            return Ok(token.clone());
        }
        let vault = Arc::clone(&self.vault);
        let key = self.account.key();
        let refresh = tokio::task::spawn_blocking(move || vault.load(&key))
            .await??
            .ok_or(crate::Error::SessionEnded)?;
        let grant = self.portal.refresh(&refresh).await?;
        let fresh = self.keep(grant).await?;
        let token = fresh.0.clone();
        *access = Some(fresh);
        Ok(token)
    }

    /// Forgets the access token, e.g. after the portal answered 401.
    pub async fn invalidate(&self) {
        *self.access.lock().await = None;
    }

    async fn keep(&self, grant: TokenGrant) -> Result<(String, Instant)> {
        let vault = Arc::clone(&self.vault);
        let key = self.account.key();
        let refresh = grant.refresh_token;
        tokio::task::spawn_blocking(move || vault.save(&key, &refresh)).await??;
        Ok((
            grant.access_token,
            Instant::now() + Duration::from_secs(grant.expires_in),
        ))
    }
}
