//! `cargo xtask bench [--quick]`: builds the benchmark and the portal with
//! release optimisation and runs every figure beside its floor. `--quick`
//! uses the debug build `cargo xtask test` already made, at tiny sizes.

use std::process::Command;

use crate::{cargo, packages, step, target_dir};

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
    run(quick)
}

/// Runs the benchmark binaries already built for `quick` (debug) or the full run.
pub fn run(quick: bool) -> anyhow::Result<()> {
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
    step(
        if quick {
            "benchmarks at tiny sizes (they must run; no time is asserted)"
        } else {
            "benchmarks"
        },
        &mut command,
    )
}
