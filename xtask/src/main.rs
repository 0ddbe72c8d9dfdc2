//! `cargo xtask run | test`: the two commands a fresh machine needs, and
//! `cargo xtask bench` for the performance figures.
//!
//! - `run` installs what is missing, builds the UI and the app, starts a demo
//!   portal on 127.0.0.1, signs the app in as the demo partner and opens it.
//! - `test` runs every check and test: formatting, clippy, cargo tests (with
//!   a real Secret Service for the keyring), the UI's checks and unit tests,
//!   and the end-to-end suite driving the real app under Xvfb.
//! - `bench` measures sync, search, the portal, the scheduler and the
//!   installer's size beside their floors; `bundle` builds the installers.
//! - `run --slurm` runs the demo portal's jobs on a local Slurm cluster with
//!   fake NPUs; `with-slurm` runs any command beside such a cluster.
//! - `soak` runs the fault suite and the kill campaigns at sizes the test
//!   run has no time for.

mod bench;
mod bundle;
mod desktop;
mod packages;
mod portal;
mod run;
mod slurm;
mod supply;
mod test;
mod ui;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Build, run and test AICC Partner")]
struct Cli {
    #[command(subcommand)]
    command: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Install what is missing, start a demo portal and open the app signed in to it.
    Run {
        /// Port of the demo portal on 127.0.0.1; a busy port falls back to a free one.
        #[arg(long, default_value_t = 7878)]
        port: u16,
        /// Run the demo portal's training jobs on a local Slurm cluster with
        /// fake NPUs (started as root) instead of simulating them.
        #[arg(long)]
        slurm: bool,
    },
    /// Run every check and test, end-to-end included.
    Test {
        /// Copy the end-to-end screenshots into docs/ for the README.
        #[arg(long)]
        update_screenshots: bool,
    },
    /// Measure sync, search, the portal and the scheduler beside their floors;
    /// prints a table and writes target/bench/report.json.
    Bench {
        /// Every benchmark at tiny sizes (part of `cargo xtask test`).
        #[arg(long)]
        quick: bool,
    },
    /// Build the release installers for this OS (.deb on Linux).
    Bundle,
    /// The inner loop: build the UI and the app, then run one end-to-end test
    /// file (`tests/tests/NAME.rs`) inside the test desktop, e.g.
    /// `cargo xtask e2e screens`.
    E2e {
        /// The test file's name, without `.rs`.
        name: String,
    },
    /// The seeded fault suite and the kill campaigns, larger than in `test`.
    Soak {
        /// Seeds of the network fault suite.
        #[arg(long, default_value_t = 1000)]
        seeds: u64,
        /// SIGKILLs of the portal, and of the client, while writes are sent.
        #[arg(long, default_value_t = 200)]
        kills: usize,
    },
    /// Run a command beside a local Slurm cluster with fake NPUs (as root),
    /// e.g. `cargo xtask with-slurm cargo test -p aicc-portal --test slurm`.
    WithSlurm {
        #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
        command: Vec<String>,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Task::Run { port, slurm } => run::run(port, slurm),
        Task::Test { update_screenshots } => test::test(update_screenshots),
        Task::Bench { quick } => bench::bench(quick),
        Task::Bundle => bundle::bundle(),
        Task::E2e { name } => test::one_end_to_end(&name),
        Task::Soak { seeds, kills } => test::soak(seeds, kills),
        Task::WithSlurm { command } => slurm::with_cluster(&command),
    }
}

/// The workspace root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// The shared target directory.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from)
}

/// Runs a command to completion, failing with its name if it fails.
fn step(what: &str, command: &mut Command) -> anyhow::Result<()> {
    eprintln!("\n==> {what}");
    let status = command
        .status()
        .with_context(|| format!("cannot start {:?}", command.get_program()))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}

/// A program installed with `cargo install` (crate and program named
/// alike): from PATH or cargo's bin directory, installed if missing.
fn cargo_tool(name: &str, version: &str) -> anyhow::Result<PathBuf> {
    let cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|home| home.join("bin").join(name));
    if Command::new(name).arg("--help").output().is_ok() {
        return Ok(PathBuf::from(name));
    }
    if let Some(path) = cargo_bin.as_ref().filter(|p| p.exists()) {
        return Ok(path.clone());
    }
    step(
        &format!("install {name}"),
        Command::new("cargo").args(["install", name, "--version", version, "--locked"]),
    )?;
    cargo_bin.with_context(|| format!("cannot find cargo's bin directory to run {name} from"))
}

/// `cargo` with the flags every build of the app shares, so that clippy,
/// tests and the end-to-end binaries reuse one set of compiled dependencies.
/// `tauri/custom-protocol` makes the app serve the built UI, not a dev server.
/// In CI, which builds a clean clone once, incremental state is only disk:
/// it is left out (it more than doubled the target directory).
fn cargo(args: &[&str]) -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(root()).args(args);
    if std::env::var_os("CI").is_some() && std::env::var_os("CARGO_INCREMENTAL").is_none() {
        command.env("CARGO_INCREMENTAL", "0");
    }
    command
}

/// The features every cargo invocation on the app passes.
const APP_FEATURES: &[&str] = &["--features", "tauri/custom-protocol"];
