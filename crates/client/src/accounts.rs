//! The centers and accounts the app knows: signing in to one makes it the
//! active account and remembers it in the settings (never its secrets).

use std::sync::Arc;

use aicc_api::auth::Account;
use aicc_api::permissions::Action;
use serde::Serialize;

use crate::config::{AppDirs, Settings};
use crate::error::{Error, Result};
use crate::network::NetworkSettings;
use crate::portal::{center_url, is_plain_http_beyond_this_machine};
use crate::session::{Credentials, Session};
use crate::vault::CredentialStore;

/// Who the signed-in account is at its center now, and what its role
/// lets it do there: the UI offers only those actions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Standing {
    pub account: Account,
    pub may: Vec<Action>,
}

impl Standing {
    pub fn of(account: Account) -> Self {
        Self {
            may: Action::of(account.role),
            account,
        }
    }
}

/// How to treat a center whose address is plain `http://` beyond this
/// machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlainHttp {
    /// Refuse with [`Error::PlainHttp`], so the user can be asked.
    Refuse,
    /// The user was told and chose to go on.
    Allow,
}

/// Signs in, keeps the refresh token in `vault`, and records
/// the account as the active one in the settings. A plain `http://` center
/// beyond this machine is refused unless the user said to go on.
pub async fn sign_in(
    dirs: &AppDirs,
    vault: Arc<dyn CredentialStore>,
    url: &str,
    network: &NetworkSettings,
    credentials: &Credentials,
    plain_http: PlainHttp,
) -> Result<(Session, Account)> {
    refuse_plain_http(url, plain_http)?;
    let (session, who) = Session::sign_in(url, network, credentials, vault).await?;
    let settings_file = dirs.settings_file();
    let mut settings = Settings::load(&settings_file)?;
    settings.activate(session.account().clone());
    settings.save(&settings_file)?;
    tracing::info!(center = %session.account().url, "signed in");
    Ok((session, who))
}

/// Refuses a plain `http://` center beyond this machine unless the user
/// said to go on, before any password or token is sent to it.
pub fn refuse_plain_http(url: &str, plain_http: PlainHttp) -> Result<()> {
    let center = center_url(url)?;
    if plain_http == PlainHttp::Refuse && is_plain_http_beyond_this_machine(&center) {
        return Err(Error::PlainHttp {
            url: center.to_string(),
        });
    }
    Ok(())
}

/// Signs an account out (the center revokes it, the keyring forgets it) and
/// removes it from the settings; other accounts are left alone.
pub async fn sign_out(dirs: &AppDirs, session: &Session) -> Result<()> {
    session.sign_out().await?;
    let settings_file = dirs.settings_file();
    let mut settings = Settings::load(&settings_file)?;
    settings.remove(session.account());
    settings.save(&settings_file)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::MemoryStore;

    #[tokio::test]
    async fn a_plain_http_center_beyond_this_machine_waits_for_the_users_go_ahead() {
        let dir = tempfile::tempdir().unwrap();
        let dirs = AppDirs {
            config: dir.path().join("config"),
            data: dir.path().join("data"),
            logs: dir.path().join("logs"),
        };
        // Nothing listens there: a refusal that came before any request
        // says plain_http, one that went out says offline.
        let center = "http://192.0.2.1:9/";
        let refused = sign_in(
            &dirs,
            Arc::new(MemoryStore::default()),
            center,
            &NetworkSettings::default(),
            &Credentials::password("li.wei@robotics.example.cn", "hunter2"),
            PlainHttp::Refuse,
        )
        .await
        .unwrap_err();
        assert!(matches!(refused, Error::PlainHttp { .. }), "{refused:?}");
        assert!(!dirs.settings_file().exists(), "nothing was remembered");
    }
}
