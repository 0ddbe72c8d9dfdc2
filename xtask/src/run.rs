//! `cargo xtask run`: from a fresh clone to the app open on a demo portal.

use std::io::Write as _;
use std::process::{Command, Stdio};

use anyhow::Context as _;

use crate::portal::{self, PortalProcess};
use crate::{APP_FEATURES, cargo, packages, slurm, step, target_dir, ui};

/// The demo partner the app signs in as.
const DEMO_EMAIL: &str = "partner@demo.aicc";
const DEMO_PASSWORD: &str = "demo-password";

/// `slurm`: the demo portal runs its jobs on a local Slurm with fake NPUs.
pub fn run(port: u16, slurm: bool) -> anyhow::Result<()> {
    packages::ensure(packages::BUILD, "Building AICC Partner")?;
    ui::install()?;
    ui::build()?;
    step(
        "build the portal and the app",
        cargo(&[
            "build",
            "-p",
            "aicc-portal",
            "-p",
            "aicc-partner",
            "-p",
            "aicc-client",
        ])
        .args(APP_FEATURES),
    )?;
    let listen = portal::choose_address(port)?;
    let (cluster, data_dir, config) = if slurm {
        let cluster = slurm::Cluster::start("demo")?;
        let data_dir = target_dir().join("demo-portal-slurm");
        std::fs::create_dir_all(&data_dir)?;
        let config = data_dir.join("portal.toml");
        cluster.portal_config(&config)?;
        (Some(cluster), data_dir, Some(config))
    } else {
        (None, target_dir().join("demo-portal"), None)
    };
    let portal = PortalProcess::start_demo(
        &target_dir().join("debug/aicc-portal"),
        listen,
        &data_dir,
        config.as_deref(),
    )?;
    eprintln!("\n==> demo portal at {}", portal.url);
    match sign_in_demo_partner(&portal.url) {
        Ok(()) => eprintln!("==> the app opens signed in as {DEMO_EMAIL}"),
        Err(e) => eprintln!(
            "==> cannot sign the app in ({e:#}); sign in yourself at {} as {DEMO_EMAIL} / {DEMO_PASSWORD}",
            portal.url
        ),
    }
    step(
        "AICC Partner (close the window to stop the demo)",
        &mut Command::new(target_dir().join("debug/aicc-partner")),
    )?;
    drop(portal);
    drop(cluster);
    Ok(())
}

fn sign_in_demo_partner(url: &str) -> anyhow::Result<()> {
    let mut cli = Command::new(target_dir().join("debug/aicc"))
        .args(["login", "--center", url, "--email", DEMO_EMAIL])
        .stdin(Stdio::piped())
        .spawn()
        .context("cannot start aicc")?;
    if let Some(mut stdin) = cli.stdin.take() {
        writeln!(stdin, "{DEMO_PASSWORD}")?;
    }
    let status = cli.wait()?;
    anyhow::ensure!(status.success(), "aicc login failed ({status})");
    Ok(())
}
