//! The supply chain: licences, banned crates and sources of every Rust
//! dependency (`deny.toml`), and known vulnerabilities of the UI's
//! production dependencies.
//!
//! Advisory databases (RustSec on GitHub, npm's audit endpoint) cannot be
//! reached from every build machine; where they cannot, the check says so
//! and goes on, so that no result depends on them. Licences, bans and
//! sources are checked offline and always.

use std::process::Command;

use anyhow::bail;

use crate::{cargo_tool, root, step, ui};

pub fn check() -> anyhow::Result<()> {
    let deny = cargo_tool("cargo-deny", "^0.20")?;
    step(
        "cargo deny check licenses bans sources",
        Command::new(deny)
            .current_dir(root())
            .args(["check", "licenses", "bans", "sources"]),
    )?;
    npm_audit()
}

/// `npm audit --omit=dev --audit-level=high`: fails on a high or critical
/// advisory; an endpoint that cannot answer is reported and skipped.
fn npm_audit() -> anyhow::Result<()> {
    eprintln!("\n==> npm audit --omit=dev --audit-level=high");
    let output = ui::npm()
        .args(["audit", "--omit=dev", "--audit-level=high"])
        .output()?;
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if output.status.success() {
        eprintln!("{}", said.trim());
        return Ok(());
    }
    let unreachable = [
        "audit endpoint returned an error",
        "ENOTFOUND",
        "ECONNREFUSED",
        "ETIMEDOUT",
        "EAI_AGAIN",
        "405",
    ];
    if unreachable.iter().any(|sign| said.contains(sign)) {
        eprintln!(
            "the npm advisory database cannot be reached from this machine; skipped (run \
             `npm audit --omit=dev` in ui/ where it can)"
        );
        return Ok(());
    }
    eprintln!("{said}");
    bail!("npm audit found high or critical advisories in the UI's production dependencies")
}
