//! `aicc-partner-cli`: the app's core from a terminal, for scripts and
//! set-up. It does exactly what the app does, with the same settings, store
//! and keyring entries: `sign-in` makes the app open signed in, `sync` brings
//! the local store up to date, `sign-out` ends the session.

use std::io::{BufRead as _, Write as _};
use std::process::ExitCode;

use aicc_client::accounts::PlainHttp;
use aicc_client::config::AppDirs;
use aicc_client::network::NetworkSettings;
use aicc_client::partner::{Keep, Partner};
use aicc_client::session::Credentials;
use aicc_client::sync::SyncStatus;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "aicc-partner-cli",
    version,
    about = "AICC Partner from a terminal"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sign in to a center; the password is read from the first line of stdin.
    SignIn {
        /// The center's address, e.g. https://aicc.example.cn
        #[arg(long)]
        center: String,
        #[arg(long)]
        email: String,
        /// Sign in to a plain http:// center beyond this machine, though the
        /// password and data cross the network unencrypted.
        #[arg(long)]
        allow_plain_http: bool,
    },
    /// Bring the active account's local store up to date, sending what waits
    /// in the outbox; prints a line per catalog page.
    Sync {
        #[arg(long, default_value_t = aicc_api::sync::DEFAULT_PAGE_SIZE)]
        page_size: u32,
    },
    /// Sign the active account out.
    SignOut,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("aicc-partner-cli: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // The app's core, as the app opens it, without its background sync:
    // each command does one thing and exits.
    let partner = Partner::on_demand(AppDirs::from_system()?);
    let done = runtime.block_on(async {
        match cli.command {
            Command::SignIn {
                center,
                email,
                allow_plain_http,
            } => {
                let mut password = String::new();
                std::io::stdin().lock().read_line(&mut password)?;
                let password = password.trim_end_matches(['\r', '\n']);
                let account = partner
                    .sign_in(
                        &center,
                        &NetworkSettings::default(),
                        None,
                        &Credentials::password(&email, password),
                        if allow_plain_http {
                            PlainHttp::Allow
                        } else {
                            PlainHttp::Refuse
                        },
                        Keep::InKeyring,
                    )
                    .await?;
                println!(
                    "signed in as {} ({}) at {center}",
                    account.email, account.organisation
                );
            }
            Command::Sync { page_size } => {
                partner
                    .sync_once(page_size, |received, total| {
                        println!("page {received} of {}", total.unwrap_or(received));
                        let _ = std::io::stdout().flush();
                    })
                    .await?;
                println!("up to date");
            }
            Command::SignOut => {
                partner.sign_out().await?;
                println!("signed out");
            }
        }
        Ok::<_, Box<dyn std::error::Error>>(())
    });
    match done {
        Err(e) if matches!(e.downcast_ref(), Some(aicc_client::Error::NotSignedIn)) => {
            // Signed in, but the account could not be opened: say why.
            match partner.sync_report().status {
                SyncStatus::Error { message, .. } => Err(message.into()),
                _ => Err("no account is signed in: run `aicc-partner-cli sign-in` first".into()),
            }
        }
        other => other,
    }
}
