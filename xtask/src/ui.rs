//! The web UI: dependencies from the lock file, then a production build into
//! ui/dist, which the app embeds.

use std::process::Command;

use anyhow::bail;

use crate::{root, step};

/// `npm ci` when node_modules is missing or older than the lock file.
pub fn install() -> anyhow::Result<()> {
    let ui = root().join("ui");
    let lock = ui.join("package-lock.json");
    let installed = ui.join("node_modules/.package-lock.json");
    let fresh = match (std::fs::metadata(&lock), std::fs::metadata(&installed)) {
        (Ok(lock), Ok(installed)) => installed.modified()? >= lock.modified()?,
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    if Command::new("npm").arg("--version").output().is_err() {
        bail!("npm is not installed: install Node.js 20 or newer (with npm), then run this again");
    }
    step("npm ci", npm().arg("ci").arg("--no-audit").arg("--no-fund"))
}

/// Builds the UI into ui/dist.
pub fn build() -> anyhow::Result<()> {
    step("build the UI", npm().args(["run", "build"]))
}

/// `npm` in ui/.
pub fn npm() -> Command {
    let mut command = Command::new("npm");
    command.current_dir(root().join("ui"));
    command
}
