//! A private desktop session for tests: a virtual X display (Xvfb), a D-Bus
//! session bus, and an unlocked GNOME Keyring answering as the Secret
//! Service. Everything started here is stopped when [`Desktop`] drops.
//! [`tauri_driver`] finds the WebDriver server that drives apps in it.

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

/// The running session; its environment is what children need to use it.
pub struct Desktop {
    env: Vec<(String, String)>,
    children: Vec<(&'static str, Child)>,
}

impl Desktop {
    /// Starts Xvfb, a session bus and the keyring, with state under `dir`.
    pub fn start(dir: &Path) -> anyhow::Result<Self> {
        let mut desktop = Self {
            env: Vec::new(),
            children: Vec::new(),
        };
        let runtime = dir.join("runtime");
        let keyring_data = dir.join("keyring-data");
        std::fs::create_dir_all(&runtime)?;
        std::fs::create_dir_all(&keyring_data)?;
        set_private(&runtime)?;

        let display = free_display()?;
        // Without -noreset, Xvfb resets when its last client leaves and drops
        // whoever connects meanwhile: an app started as the previous one's
        // WebKit processes exit would fail to open the display.
        let xvfb = Command::new("Xvfb")
            .args([
                &display,
                "-noreset",
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start Xvfb")?;
        desktop.children.push(("Xvfb", xvfb));
        let socket = PathBuf::from(format!("/tmp/.X11-unix/X{}", &display[1..]));
        wait_until("Xvfb's display", || socket.exists())?;
        desktop.env.push(("DISPLAY".into(), display));

        let mut bus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start dbus-daemon")?;
        let mut address = String::new();
        if let Some(out) = bus.stdout.take() {
            BufReader::new(out).read_line(&mut address)?;
        }
        desktop.children.push(("dbus-daemon", bus));
        if address.trim().is_empty() {
            bail!("dbus-daemon printed no bus address");
        }
        desktop
            .env
            .push(("DBUS_SESSION_BUS_ADDRESS".into(), address.trim().to_owned()));
        desktop
            .env
            .push(("XDG_RUNTIME_DIR".into(), runtime.display().to_string()));
        desktop.env.push(("NO_AT_BRIDGE".into(), "1".into()));

        let mut keyring = Command::new("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .envs(desktop.env.iter().map(|(k, v)| (k, v)))
            .env("XDG_DATA_HOME", &keyring_data)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start gnome-keyring-daemon")?;
        if let Some(mut stdin) = keyring.stdin.take() {
            stdin.write_all(b"test-password")?;
        }
        desktop.children.push(("gnome-keyring-daemon", keyring));
        let env = desktop.env.clone();
        wait_until("the Secret Service on the session bus", || {
            Command::new("dbus-send")
                .args([
                    "--session",
                    "--print-reply",
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    "string:org.freedesktop.secrets",
                ])
                .envs(env.iter().map(|(k, v)| (k, v)))
                .output()
                .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).contains("boolean true"))
        })?;
        Ok(desktop)
    }

    /// The variables a child needs to use this session.
    pub fn env(&self) -> impl Iterator<Item = (&str, &str)> {
        self.env.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl Drop for Desktop {
    fn drop(&mut self) {
        for (name, child) in self.children.iter_mut().rev() {
            stop(name, child);
        }
    }
}

/// Asks `child` to end (SIGTERM: Xvfb then removes its display's lock and
/// socket), and kills it if it has not within two seconds.
fn stop(name: &str, child: &mut Child) {
    let asked = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .is_ok_and(|status| status.success());
    let deadline = Instant::now() + Duration::from_secs(2);
    while asked && Instant::now() < deadline {
        if matches!(child.try_wait(), Ok(Some(_))) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    if let Err(e) = child.kill() {
        eprintln!("cannot stop {name}: {e}");
    }
    let _ = child.wait();
}

fn free_display() -> anyhow::Result<String> {
    (90..200)
        .find(|&n| display_free(n))
        .map(|n| format!(":{n}"))
        .context("no free X display number between :90 and :199")
}

/// Whether no X server holds display `n`. One killed before it could tidy
/// up leaves its lock and socket behind, naming a process that is gone:
/// those are removed, and the display is free again.
fn display_free(n: u32) -> bool {
    let lock = PathBuf::from(format!("/tmp/.X{n}-lock"));
    let socket = PathBuf::from(format!("/tmp/.X11-unix/X{n}"));
    let holder = match std::fs::read_to_string(&lock) {
        Ok(text) => text.trim().parse::<u32>().ok(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return !socket.exists(),
        Err(_) => return false,
    };
    let gone = holder.is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists());
    // Read again just before: another run may have taken it meanwhile.
    let still =
        || std::fs::read_to_string(&lock).is_ok_and(|text| text.trim().parse().ok() == holder);
    gone && still()
        && std::fs::remove_file(&lock).is_ok()
        && (std::fs::remove_file(&socket).is_ok() || !socket.exists())
}

fn set_private(dir: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Polls `ready` for up to 20 s.
pub fn wait_until(what: &str, mut ready: impl FnMut() -> bool) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if ready() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    bail!("timed out waiting for {what}")
}

/// tauri-driver from PATH or cargo's bin directory, installed if missing.
pub fn tauri_driver() -> anyhow::Result<PathBuf> {
    crate::cargo_tool("tauri-driver", "^2")
}
