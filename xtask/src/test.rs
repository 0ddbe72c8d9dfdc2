//! `cargo xtask test`: every check and test, in the order that fails fastest.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::desktop::{self, Desktop};
use crate::{APP_FEATURES, bench, cargo, packages, root, slurm, step, supply, target_dir, ui};

/// What every run needs first: system packages, tauri-driver, the built
/// UI. Returns tauri-driver's path.
fn prepare() -> anyhow::Result<PathBuf> {
    packages::ensure(packages::BUILD, "Building AICC Partner")?;
    packages::ensure(packages::TEST, "Testing AICC Partner")?;
    let tauri_driver = desktop::tauri_driver()?;
    ui::install()?;
    ui::build()?;
    Ok(tauri_driver)
}

/// The build every test run shares: nothing compiles twice.
fn build_all() -> anyhow::Result<()> {
    step(
        "build the app, the portal and the tests",
        cargo(&["build", "--workspace", "--locked"]).args(APP_FEATURES),
    )
}

/// A test desktop with its files in a fresh `target/NAME`.
fn fresh_desktop(name: &str) -> anyhow::Result<Desktop> {
    let scratch = target_dir().join(name);
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch)?;
    Desktop::start(&scratch)
}

/// `cargo test` with `args`, inside `desktop`, told where the app, the
/// portal, tauri-driver and the screenshots are.
fn test_in(desktop: &Desktop, tauri_driver: &Path, args: &[&str]) -> Command {
    let mut command = cargo(&["test", "--workspace", "--locked"]);
    command
        .args(args)
        .args(APP_FEATURES)
        .envs(desktop.env())
        .env("AICC_E2E_APP", target_dir().join("debug/aicc-partner"))
        .env("AICC_E2E_PORTAL", target_dir().join("debug/aicc-portal"))
        .env("AICC_E2E_TAURI_DRIVER", tauri_driver)
        .env("AICC_E2E_OUT", target_dir().join("e2e"));
    command
}

pub fn test(update_screenshots: bool) -> anyhow::Result<()> {
    let tauri_driver = prepare()?;

    step(
        "cargo fmt --check",
        &mut cargo(&["fmt", "--all", "--check"]),
    )?;
    step(
        "cargo clippy",
        cargo(&["clippy", "--workspace", "--all-targets", "--locked"])
            .args(APP_FEATURES)
            .args(["--", "-D", "warnings"]),
    )?;
    supply::check()?;
    step("prettier --check", ui::npm().args(["run", "format:check"]))?;
    step("svelte-check", ui::npm().args(["run", "check"]))?;
    step("vitest", ui::npm().args(["run", "test"]))?;

    // One build of the whole workspace with one feature set: the tests and
    // the end-to-end binaries share every compiled dependency.
    build_all()?;
    let desktop = fresh_desktop("xtask-test")?;
    let cluster = slurm::Cluster::start("test")?;
    let screenshots = target_dir().join("e2e");
    step(
        "cargo test: unit, integration (a real Secret Service runs for the keyring, a real \
         Slurm for the portal's executor), and end-to-end (the real app under Xvfb over WebDriver)",
        test_in(&desktop, &tauri_driver, &[]).envs(cluster.env()),
    )?;
    drop(cluster);
    bench::run(true, None, &desktop, &tauri_driver)?;
    drop(desktop);
    if update_screenshots {
        copy_screenshots(&screenshots)?;
    }
    eprintln!("\nAll checks and tests passed.");
    Ok(())
}

/// `cargo xtask e2e NAME`: one end-to-end test file against the freshly
/// built app, in the same desktop as `cargo xtask test` (no Slurm: the
/// Slurm end-to-end test runs in the full suite).
pub fn one_end_to_end(name: &str) -> anyhow::Result<()> {
    let tauri_driver = prepare()?;
    build_all()?;
    let desktop = fresh_desktop("xtask-e2e")?;
    step(
        &format!("end-to-end: tests/tests/{name}.rs"),
        &mut test_in(&desktop, &tauri_driver, &["--test", name]),
    )
}

/// `cargo xtask soak`: the fault suite with `seeds` seeds and the kill
/// campaigns with `kills` kills each, in the test desktop (the client's
/// campaign uses the real keyring).
pub fn soak(seeds: u64, kills: usize) -> anyhow::Result<()> {
    let tauri_driver = prepare()?;
    build_all()?;
    let desktop = fresh_desktop("xtask-soak")?;
    for (what, test, filter) in [
        ("network faults", "faults", None),
        ("kills of the portal", "kills", None),
        (
            "kills of the client",
            "cli",
            Some("a_client_killed_again_and_again"),
        ),
        ("the outbox against its model", "outbox_model", None),
    ] {
        let mut command = test_in(&desktop, &tauri_driver, &["--test", test]);
        command
            .env("AICC_FAULT_SEEDS", seeds.to_string())
            .env("AICC_OUTBOX_CASES", seeds.to_string())
            .env("AICC_PORTAL_KILLS", kills.to_string())
            .env("AICC_CLIENT_KILLS", kills.to_string());
        command.arg("--").args(filter).arg("--nocapture");
        step(&format!("soak: {what}"), &mut command)?;
    }
    Ok(())
}

/// Refreshes the pictures docs/ already holds (docs/ chooses which of the
/// end-to-end screenshots the README shows).
fn copy_screenshots(from: &std::path::Path) -> anyhow::Result<()> {
    let docs = root().join("docs");
    for entry in std::fs::read_dir(&docs)? {
        let path = entry?.path();
        let Some(name) = path.file_name() else {
            continue;
        };
        let fresh = from.join(name);
        if path.extension().is_some_and(|e| e == "png") && fresh.exists() {
            std::fs::copy(&fresh, &path)?;
            eprintln!("updated docs/{}", name.to_string_lossy());
        }
    }
    Ok(())
}
