//! `aicc-portal`: the center's service for AICC Partner.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;

use aicc_portal::{Portal, PortalOptions};
use anyhow::Context as _;
use clap::{Parser, Subcommand};
use tokio::net::TcpListener;

#[derive(Parser)]
#[command(
    name = "aicc-portal",
    version,
    about = "The AI computing center's portal for AICC Partner"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the portal's HTTP API.
    Serve {
        /// Address to listen on; port 0 picks a free one. The chosen address
        /// is printed on the first line of stdout.
        #[arg(long, env = "AICC_PORTAL_LISTEN", default_value = "127.0.0.1:7878")]
        listen: SocketAddr,
        /// Directory of the portal's database.
        #[arg(long, env = "AICC_PORTAL_DATA_DIR", default_value = "aicc-portal-data")]
        data_dir: PathBuf,
        /// Seed the demo catalog, organisations and accounts (password `demo-password`).
        #[arg(long)]
        demo: bool,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Serve {
            listen,
            data_dir,
            demo,
        } => serve(listen, data_dir, demo).await,
    }
}

async fn serve(listen: SocketAddr, data_dir: PathBuf, demo: bool) -> anyhow::Result<()> {
    let portal = Portal::open(&PortalOptions { data_dir, demo })?;
    let listener = TcpListener::bind(listen).await.with_context(|| {
        format!("cannot listen on {listen}: is another program using it? Choose another address with --listen, or port 0 for any free port")
    })?;
    let local = listener.local_addr()?;
    // Scripts read the chosen address from this first line.
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on http://{local}")?;
    stdout.flush()?;
    drop(stdout);
    tracing::info!(%local, demo, "portal started");
    portal.serve(listener, shutdown_signal()).await?;
    tracing::info!("portal stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!("cannot listen for Ctrl+C: {e}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sigterm) => {
                sigterm.recv().await;
            }
            Err(e) => {
                tracing::error!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
