//! `cargo xtask bundle`: the release installers for this OS, built by the
//! Tauri CLI that `npm ci` installs in ui/: `.deb` on Linux (an AppImage
//! needs tools fetched from outside the package registries), MSI and NSIS
//! on Windows, `.app` and `.dmg` on macOS.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context as _;

use crate::{packages, root, step, target_dir, ui};

/// Bundles the app and prints where the installers are.
pub fn bundle() -> anyhow::Result<()> {
    for installer in build(&root().join("src-tauri"), "AICC Partner")? {
        let size = std::fs::metadata(&installer)?.len();
        println!("{} ({:.1} MB)", installer.display(), size as f64 / 1e6);
    }
    Ok(())
}

/// Builds the installers of the Tauri app in `app_dir` (its tauri.conf.json
/// names the product `product`) and returns them.
pub fn build(app_dir: &Path, product: &str) -> anyhow::Result<Vec<PathBuf>> {
    packages::ensure(packages::BUILD, "Bundling AICC Partner")?;
    ui::install()?;
    let cli =
        root()
            .join("ui/node_modules/.bin")
            .join(if cfg!(windows) { "tauri.cmd" } else { "tauri" });
    let mut command = Command::new(cli);
    // Named, not searched for: the workspace holds two Tauri apps. The
    // commands in tauri.conf.json run in the frontend's directory, ui/.
    command
        .current_dir(root())
        .env("TAURI_APP_PATH", app_dir)
        .env("TAURI_FRONTEND_PATH", root().join("ui"))
        .args(["build", "--ci"]);
    if cfg!(target_os = "linux") {
        command.args(["--bundles", "deb"]);
    }
    step(&format!("release bundle of {product}"), &mut command)?;
    let bundles = target_dir().join("release/bundle");
    let mut installers = Vec::new();
    for kind in std::fs::read_dir(&bundles)
        .with_context(|| format!("no bundles in {}", bundles.display()))?
    {
        for file in std::fs::read_dir(kind?.path())? {
            let path = file?.path();
            let ours = path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(&format!("{product}_")));
            if ours && path.is_file() {
                installers.push(path);
            }
        }
    }
    anyhow::ensure!(
        !installers.is_empty(),
        "the Tauri CLI made no installer of {product} in {}",
        bundles.display()
    );
    Ok(installers)
}
