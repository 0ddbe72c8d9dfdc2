//! `cargo xtask bundle`: the release installers for this OS, built by the
//! Tauri CLI that `npm ci` installs in ui/: `.deb` on Linux (an AppImage
//! needs tools fetched from outside the package registries), MSI and NSIS
//! on Windows, `.app` and `.dmg` on macOS. The `.deb` carries `aicc`
//! beside the app, with its manual and its shell completions.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context as _;

use crate::{cargo, packages, root, step, target_dir, ui};

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
        if app_dir == root().join("src-tauri") {
            command.arg("--config").arg(command_line_in_the_deb()?);
        }
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

/// Where the `.deb` installs `aicc`'s files, and what each is made from:
/// the program, and what it prints for `aicc man` and `aicc completions`.
const COMMAND_LINE_FILES: [(&str, &[&str]); 5] = [
    ("/usr/bin/aicc", &[]),
    ("/usr/share/man/man1/aicc.1", &["man"]),
    (
        "/usr/share/bash-completion/completions/aicc",
        &["completions", "bash"],
    ),
    (
        "/usr/share/zsh/vendor-completions/_aicc",
        &["completions", "zsh"],
    ),
    (
        "/usr/share/fish/vendor_completions.d/aicc.fish",
        &["completions", "fish"],
    ),
];

/// Builds `aicc` for release, writes its manual and completions, and
/// returns a Tauri configuration (merged over tauri.conf.json) that puts
/// them in the `.deb`.
fn command_line_in_the_deb() -> anyhow::Result<PathBuf> {
    step(
        "release build of aicc",
        &mut cargo(&[
            "build",
            "--release",
            "--locked",
            "-p",
            "aicc-client",
            "--bin",
            "aicc",
        ]),
    )?;
    let aicc = target_dir().join("release/aicc");
    let made = target_dir().join("release/aicc-deb");
    std::fs::create_dir_all(&made)?;
    let mut files = serde_json::Map::new();
    for (installed, args) in COMMAND_LINE_FILES {
        let source = if args.is_empty() {
            aicc.clone()
        } else {
            let out = Command::new(&aicc).args(args).output()?;
            anyhow::ensure!(out.status.success(), "aicc {args:?} failed");
            let file = made.join(args.join("-"));
            std::fs::write(&file, out.stdout)?;
            file
        };
        files.insert(installed.into(), source.display().to_string().into());
    }
    let config = made.join("tauri.deb.json");
    let merged = serde_json::json!({ "bundle": { "linux": { "deb": { "files": files } } } });
    std::fs::write(&config, serde_json::to_vec_pretty(&merged)?)?;
    Ok(config)
}
