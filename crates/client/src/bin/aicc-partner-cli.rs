//! `aicc-partner-cli`: the app's core from a terminal, for scripts and
//! set-up. `sign-in` signs an account in exactly as the app does (refresh
//! token to the OS keyring, the account made active in the app's settings),
//! so the app opens signed in.

use std::io::BufRead as _;
use std::process::ExitCode;
use std::sync::Arc;

use aicc_client::config::AppDirs;
use aicc_client::vault::Keyring;
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
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("aicc-partner-cli: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    match cli.command {
        Command::SignIn { center, email } => {
            let mut password = String::new();
            std::io::stdin().lock().read_line(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']);
            let dirs = AppDirs::from_system()?;
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let (_, account) = runtime.block_on(aicc_client::accounts::sign_in(
                &dirs,
                Arc::new(Keyring::new()),
                &center,
                &email,
                password,
            ))?;
            println!(
                "signed in as {} ({}) at {center}",
                account.email, account.organisation
            );
            Ok(())
        }
    }
}
