//! `cargo xtask bench [--quick]`: builds the benchmark and the portal with
//! release optimisation, the app's and a hello-world window's installers,
//! and runs every figure beside its floor; the app's own figures drive its
//! release build over WebDriver in a private desktop. `--quick` uses the
//! debug build `cargo xtask test` already made, at tiny sizes, without
//! installers.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context as _;

use crate::desktop::{self, Desktop};
use crate::{bundle, cargo, packages, root, step, target_dir};

pub fn bench(quick: bool) -> anyhow::Result<()> {
    packages::ensure(packages::BUILD, "Benchmarking AICC Partner")?;
    packages::ensure(packages::TEST, "Benchmarking AICC Partner")?;
    let profile = if quick { "dev" } else { "measure" };
    step(
        &format!("build the benchmark and the portal ({profile} profile)"),
        &mut cargo(&[
            "build",
            "--profile",
            profile,
            "-p",
            "aicc-bench",
            "-p",
            "aicc-portal",
            "-p",
            "aicc-client",
            "--locked",
        ]),
    )?;
    let installers = if quick {
        None
    } else {
        let app = bundle::build(&root().join("src-tauri"), "AICC Partner")?;
        let floor = bundle::build(&root().join("crates/hello-world"), "AICC Hello World")?;
        Some((deb(app)?, deb(floor)?))
    };
    let scratch = target_dir().join("bench-desktop");
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch)?;
    let desktop = Desktop::start(&scratch)?;
    run(quick, installers, &desktop, &desktop::tauri_driver()?)
}

fn deb(installers: Vec<PathBuf>) -> anyhow::Result<PathBuf> {
    installers
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "deb"))
        .context("no .deb was built")
}

/// Runs the benchmark binaries already built for `quick` (debug) or the
/// full run, with the app's and the hello-world's installers to compare,
/// and the app and the hello-world window (debug, or the installers'
/// release builds) inside `desktop`.
pub fn run(
    quick: bool,
    installers: Option<(PathBuf, PathBuf)>,
    desktop: &Desktop,
    tauri_driver: &Path,
) -> anyhow::Result<()> {
    let binaries = target_dir().join(if quick { "debug" } else { "measure" });
    let windows = target_dir().join(if quick { "debug" } else { "release" });
    let mut command = Command::new(binaries.join("aicc-bench"));
    command.arg("run");
    if quick {
        command.arg("--quick");
    }
    command
        .arg("--portal")
        .arg(binaries.join("aicc-portal"))
        .arg("--out")
        .arg(target_dir().join("bench"));
    if let Some((app, floor)) = installers {
        command.arg("--deb").arg(app).arg("--deb-floor").arg(floor);
    }
    command
        .arg("--app")
        .arg(windows.join("aicc-partner"))
        .arg("--hello-world")
        .arg(windows.join("aicc-hello-world"))
        .arg("--cli")
        .arg(binaries.join("aicc"))
        .arg("--tauri-driver")
        .arg(tauri_driver)
        .envs(desktop.env())
        // Release builds accept WebDriver only when asked to.
        .env("TAURI_WEBVIEW_AUTOMATION", "true");
    step(
        if quick {
            "benchmarks at tiny sizes (they must run; no time is asserted)"
        } else {
            "benchmarks"
        },
        &mut command,
    )
}
