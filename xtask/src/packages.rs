//! System packages: what the app needs to build and what the tests need to
//! run, checked with dpkg and installed with apt when we are root (or have
//! password-less sudo). Elsewhere, say exactly what to install.

use std::process::{Command, Stdio};

use anyhow::bail;

/// Building the Tauri app on Debian/Ubuntu.
pub const BUILD: &[&str] = &[
    "libwebkit2gtk-4.1-dev",
    "libsoup-3.0-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
    "libssl-dev",
    "build-essential",
    "pkg-config",
    "file",
    "libxdo-dev",
];

/// Running the tests: a virtual display, D-Bus, a Secret Service, WebDriver,
/// screenshots, keyboard input for the OS file dialog, a CJK font so
/// Chinese screens render, and the load generator of the benchmark's feed.
pub const TEST: &[&str] = &[
    "xvfb",
    "xauth",
    "imagemagick",
    "webkit2gtk-driver",
    "dbus",
    "dbus-x11",
    "gnome-keyring",
    "libsecret-tools",
    "libnotify-bin",
    "at-spi2-core",
    "fonts-wqy-microhei",
    "xdotool",
    "wrk",
];

/// Makes sure `packages` are installed, installing them if we may.
pub fn ensure(packages: &[&str], purpose: &str) -> anyhow::Result<()> {
    if !cfg!(target_os = "linux") {
        bail!(
            "{purpose} is automated on Debian and Ubuntu only. On macOS install Xcode's command line tools \
             (xcode-select --install) and Node.js 20+; on Windows install the Microsoft C++ Build Tools, \
             WebView2 and Node.js 20+ (see https://v2.tauri.app/start/prerequisites/). Then run \
             `npm ci` in ui/ and `cargo run -p aicc-partner --features tauri/custom-protocol`."
        );
    }
    if !std::path::Path::new("/usr/bin/dpkg").exists() {
        bail!(
            "{purpose} needs these packages (Debian names; use your distribution's equivalents): {}",
            packages.join(" ")
        );
    }
    let missing: Vec<&str> = packages.iter().copied().filter(|p| !installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let install = format!(
        "apt-get update && apt-get install -y --no-install-recommends {}",
        missing.join(" ")
    );
    let sudo = if is_root() {
        None
    } else if passwordless_sudo() {
        Some("sudo")
    } else {
        bail!(
            "{purpose} needs packages that are not installed. Install them as root, then run this again:\n  sudo sh -c '{install}'"
        );
    };
    eprintln!("\n==> installing {}", missing.join(" "));
    let mut command = match sudo {
        Some(sudo) => {
            let mut c = Command::new(sudo);
            c.args(["-n", "sh", "-c", &install]);
            c
        }
        None => {
            let mut c = Command::new("sh");
            c.args(["-c", &install]);
            c
        }
    };
    let status = command.env("DEBIAN_FRONTEND", "noninteractive").status()?;
    if !status.success() {
        bail!("installing packages failed ({status}); run it yourself:\n  sudo sh -c '{install}'");
    }
    Ok(())
}

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).contains("install ok installed"))
}

pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

fn passwordless_sudo() -> bool {
    Command::new("sudo")
        .args(["-n", "true"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
