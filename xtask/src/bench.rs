//! `cargo xtask bench [--quick]`: builds the benchmark and the portal with
//! release optimisation, the app's and a hello-world window's installers,
//! and runs every figure beside its floor. `--quick` uses the debug build
//! `cargo xtask test` already made, at tiny sizes, without installers.

use std::path::PathBuf;
use std::process::Command;

use anyhow::Context as _;

use crate::{bundle, cargo, packages, root, step, target_dir};

pub fn bench(quick: bool) -> anyhow::Result<()> {
    packages::ensure(packages::BUILD, "Benchmarking AICC Partner")?;
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
    run(quick, installers)
}

fn deb(installers: Vec<PathBuf>) -> anyhow::Result<PathBuf> {
    installers
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "deb"))
        .context("no .deb was built")
}

/// Runs the benchmark binaries already built for `quick` (debug) or the
/// full run, with the app's and the hello-world's installers to compare.
pub fn run(quick: bool, installers: Option<(PathBuf, PathBuf)>) -> anyhow::Result<()> {
    let binaries = target_dir().join(if quick { "debug" } else { "measure" });
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
    step(
        if quick {
            "benchmarks at tiny sizes (they must run; no time is asserted)"
        } else {
            "benchmarks"
        },
        &mut command,
    )
}
