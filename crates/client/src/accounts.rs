//! The centers and accounts the app knows: signing in to one makes it the
//! active account and remembers it in the settings (never its secrets).

use std::sync::Arc;

use aicc_api::auth::Account;

use crate::config::{AppDirs, Settings};
use crate::error::Result;
use crate::network::NetworkSettings;
use crate::session::Session;
use crate::vault::CredentialStore;

/// Signs in with a password, keeps the refresh token in `vault`, and records
/// the account as the active one in the settings.
pub async fn sign_in(
    dirs: &AppDirs,
    vault: Arc<dyn CredentialStore>,
    url: &str,
    network: &NetworkSettings,
    email: &str,
    password: &str,
) -> Result<(Session, Account)> {
    let (session, who) = Session::sign_in(url, network, email, password, vault).await?;
    let settings_file = dirs.settings_file();
    let mut settings = Settings::load(&settings_file)?;
    settings.activate(session.account().clone());
    settings.save(&settings_file)?;
    tracing::info!(center = %session.account().url, "signed in");
    Ok((session, who))
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
