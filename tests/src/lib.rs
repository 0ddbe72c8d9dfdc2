//! The end-to-end harness: a real portal process, tauri-driver (which starts
//! WebKitWebDriver, which starts the real app), and a WebDriver client.
//!
//! `cargo xtask test` builds the binaries, provides a desktop session (Xvfb,
//! D-Bus, a Secret Service) and runs these tests with their paths in
//! `AICC_E2E_*` variables. Each test gets its own home for the app's files.

mod disk;
pub mod fixtures;
mod relay;
mod slurm;

pub use disk::SmallDisk;
pub use relay::Relay;
pub use slurm::{SlurmCluster, SlurmInterface};

use std::io::{BufRead as _, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use fantoccini::{Client, ClientBuilder, Locator};

/// The app allows one instance per desktop session (a second launch hands
/// over to the first), so the tests of one binary take turns.
pub async fn one_app_at_a_time() -> tokio::sync::MutexGuard<'static, ()> {
    static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    TURN.lock().await
}

/// How long to wait for the app to show something.
pub const PATIENCE: Duration = Duration::from_secs(30);
/// How long a debug build may take to show its window on a busy machine.
const WINDOW_PATIENCE: Duration = Duration::from_secs(120);

/// The binaries under test and where screenshots go.
#[derive(Debug, Clone)]
pub struct Env {
    pub app: PathBuf,
    pub portal: PathBuf,
    pub tauri_driver: PathBuf,
    pub out: PathBuf,
}

impl Env {
    /// Reads the `AICC_E2E_*` variables that `cargo xtask test` sets.
    pub fn from_env() -> anyhow::Result<Self> {
        let var = |name: &str| {
            std::env::var_os(name).map(PathBuf::from).with_context(|| {
                format!("{name} is not set: run the end-to-end tests with `cargo xtask test`")
            })
        };
        let env = Self {
            app: var("AICC_E2E_APP")?,
            portal: var("AICC_E2E_PORTAL")?,
            tauri_driver: var("AICC_E2E_TAURI_DRIVER")?,
            out: var("AICC_E2E_OUT")?,
        };
        std::fs::create_dir_all(&env.out)?;
        Ok(env)
    }

    /// `aicc`, built beside the app.
    pub fn cli(&self) -> PathBuf {
        self.app
            .with_file_name(format!("aicc{}", std::env::consts::EXE_SUFFIX))
    }
}

/// A portal process with the demo data.
#[derive(Debug)]
pub struct Portal {
    pub url: String,
    child: Child,
}

impl Portal {
    /// Starts the demo portal on a free loopback port.
    pub fn start_demo(env: &Env, data_dir: &Path) -> anyhow::Result<Self> {
        Self::start_on(env, data_dir, "127.0.0.1:0")
    }

    /// Starts the demo portal on `listen`, e.g. the address it had before a restart.
    pub fn start_on(env: &Env, data_dir: &Path, listen: &str) -> anyhow::Result<Self> {
        Self::spawn(&env.portal, data_dir, listen, None)
    }

    /// Starts the demo portal as a center named `name` (English) and
    /// `name_zh`, as two centers side by side are.
    pub fn start_named(
        env: &Env,
        data_dir: &Path,
        name: &str,
        name_zh: &str,
    ) -> anyhow::Result<Self> {
        std::fs::create_dir_all(data_dir)?;
        let config = data_dir.join("center.toml");
        let mut identity = toml::Table::new();
        identity.insert("name".into(), name.into());
        identity.insert("name_zh".into(), name_zh.into());
        let mut file = toml::Table::new();
        file.insert("center".into(), identity.into());
        std::fs::write(&config, toml::to_string(&file)?)?;
        Self::spawn(&env.portal, data_dir, "127.0.0.1:0", Some(&config))
    }

    /// Starts the demo portal `binary` with a config file, e.g. another executor.
    pub fn start_configured(binary: &Path, data_dir: &Path, config: &Path) -> anyhow::Result<Self> {
        Self::spawn(binary, data_dir, "127.0.0.1:0", Some(config))
    }

    fn spawn(
        binary: &Path,
        data_dir: &Path,
        listen: &str,
        config: Option<&Path>,
    ) -> anyhow::Result<Self> {
        let mut command = Command::new(binary);
        if let Some(config) = config {
            command.arg("--config").arg(config);
        }
        let mut child = command
            .args(["serve", "--demo", "--listen", listen, "--data-dir"])
            .arg(data_dir)
            .stdout(Stdio::piped())
            .spawn()
            .context("cannot start the portal")?;
        let mut first = String::new();
        if let Some(out) = child.stdout.take() {
            BufReader::new(out).read_line(&mut first)?;
        }
        match first.trim().strip_prefix("listening on ") {
            Some(url) => Ok(Self {
                url: url.to_owned(),
                child,
            }),
            None => bail!("the portal did not print its address, but {first:?}"),
        }
    }

    /// An access token of the demo account `email`.
    pub async fn token(&self, email: &str) -> anyhow::Result<String> {
        let grant: aicc_api::auth::TokenGrant = reqwest::Client::new()
            .post(format!("{}/v1/auth/token", self.url))
            .json(&serde_json::json!({ "email": email, "password": "demo-password" }))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(grant.access_token)
    }

    /// An access token of the demo partner.
    async fn partner_token(&self) -> anyhow::Result<String> {
        self.token("partner@demo.aicc").await
    }

    /// Calls the portal's API as the demo partner, e.g. to set up a scene
    /// or to see what the center holds.
    pub async fn as_partner<T: serde::de::DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> anyhow::Result<T> {
        let mut request = reqwest::Client::new()
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(self.partner_token().await?);
        if let Some(body) = body {
            request = request.json(&body);
        }
        Ok(request.send().await?.error_for_status()?.json().await?)
    }

    /// The demo partner's favourites as the account keeps them.
    pub async fn favourites(&self) -> anyhow::Result<Vec<String>> {
        let favourites: aicc_api::catalog::Favourites = self
            .as_partner(reqwest::Method::GET, "/v1/me/favourites", None)
            .await?;
        Ok(favourites.model_ids)
    }

    /// How many models the portal's catalog feed serves to the demo partner.
    pub async fn catalog_size(&self) -> anyhow::Result<usize> {
        use aicc_api::catalog::Model;
        use aicc_api::sync::{Change, ChangePage};
        let (mut after, mut models) = (0, 0);
        loop {
            let path = format!("/v1/catalog/changes?after={after}&limit=1000");
            let page: ChangePage<Model> =
                self.as_partner(reqwest::Method::GET, &path, None).await?;
            models += page
                .changes
                .iter()
                .filter(|c| matches!(c, Change::Upsert { .. }))
                .count();
            after = page.next;
            if !page.more {
                return Ok(models);
            }
        }
    }

    /// How many jobs the demo partner's organisation has on the portal.
    pub async fn job_count(&self) -> anyhow::Result<usize> {
        let page: aicc_api::sync::ChangePage<aicc_api::jobs::Job> = self
            .as_partner(
                reqwest::Method::GET,
                "/v1/jobs/changes?after=0&limit=1000",
                None,
            )
            .await?;
        Ok(page.changes.len())
    }

    /// The address it listens on, e.g. `127.0.0.1:41234`.
    pub fn address(&self) -> &str {
        self.url.trim_start_matches("http://")
    }

    /// Runs `aicc-portal admin …` on the portal's data, as center staff would.
    pub fn admin(env: &Env, data_dir: &Path, args: &[&str]) -> anyhow::Result<()> {
        let out = Command::new(&env.portal)
            .arg("--data-dir")
            .arg(data_dir)
            .arg("admin")
            .args(args)
            .output()?;
        if !out.status.success() {
            bail!(
                "aicc-portal admin {args:?} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(())
    }

    /// Stops the portal and waits until it is gone.
    pub fn stop(&mut self) -> anyhow::Result<()> {
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }
}

impl Drop for Portal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// tauri-driver, launching the app with its files under one home directory.
#[derive(Debug)]
pub struct Driver {
    url: String,
    child: Child,
    app: PathBuf,
}

impl Driver {
    /// Starts tauri-driver on free ports; the apps it launches keep their
    /// settings and data under `home`.
    pub fn start(env: &Env, home: &Path) -> anyhow::Result<Self> {
        Self::start_with(env, home, &[])
    }

    /// As [`Driver::start`], the apps it launches seeing `vars` too.
    pub fn start_with(env: &Env, home: &Path, vars: &[(&str, &str)]) -> anyhow::Result<Self> {
        for dir in ["config", "data", "cache"] {
            std::fs::create_dir_all(home.join(dir))?;
        }
        let port = free_port()?;
        let native_port = free_port()?;
        let child = Command::new(&env.tauri_driver)
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CACHE_HOME", home.join("cache"))
            .envs(vars.iter().copied())
            .stdout(Stdio::null())
            .spawn()
            .context("cannot start tauri-driver")?;
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        // tauri-driver listens at once, while WebKitWebDriver, which it
        // starts beside it, may not yet: a session asked for in between
        // has its connection dropped. Both must listen before the first.
        let native = SocketAddr::from(([127, 0, 0, 1], native_port));
        let deadline = Instant::now() + PATIENCE;
        for (listener, name) in [(address, "tauri-driver"), (native, "WebKitWebDriver")] {
            while TcpStream::connect(listener).is_err() {
                if Instant::now() > deadline {
                    bail!("{name} did not listen on {listener}");
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        Ok(Self {
            url: format!("http://{address}"),
            child,
            app: env.app.clone(),
        })
    }

    /// Waits until the previous instance has let go of the session bus: a
    /// second instance would only hand over to it and exit.
    pub async fn previous_gone(&self) -> anyhow::Result<()> {
        let bus = zbus::Connection::session().await?;
        let dbus = zbus::fdo::DBusProxy::new(&bus).await?;
        let name = zbus::names::BusName::try_from("cn.aicc.partner.SingleInstance")?;
        let deadline = Instant::now() + PATIENCE;
        while dbus.name_has_owner(name.clone()).await? {
            if Instant::now() > deadline {
                bail!("a previous AICC Partner is still running");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(())
    }

    /// Starts the app and a WebDriver session on its window, once the
    /// previous instance is gone.
    pub async fn launch(&self) -> anyhow::Result<Client> {
        self.previous_gone().await?;
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), "wry".into());
        capabilities.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": self.app }),
        );
        // WebKitWebDriver waits for a window without end when the app dies
        // before showing one.
        let mut builder = ClientBuilder::rustls()?;
        builder.capabilities(capabilities);
        let client = tokio::time::timeout(WINDOW_PATIENCE, builder.connect(&self.url))
            .await
            .with_context(|| {
                format!(
                    "the app showed no window within {WINDOW_PATIENCE:?}; its output above says why"
                )
            })?
            .context("cannot start the app through tauri-driver")?;
        Ok(client)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A session bus of its own with no services to start: no Secret Service
/// answers on it, as on a Linux desktop without a keyring or in WSL.
#[derive(Debug)]
pub struct BusWithoutKeyring {
    child: Child,
    /// `DBUS_SESSION_BUS_ADDRESS` for the apps that should use it.
    pub address: String,
    _config: tempfile::TempDir,
}

impl BusWithoutKeyring {
    pub fn start() -> anyhow::Result<Self> {
        let config = tempfile::tempdir()?;
        let file = config.path().join("session.conf");
        std::fs::write(
            &file,
            r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
        )?;
        let mut child = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", file.display()))
            .args(["--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start dbus-daemon")?;
        let mut address = String::new();
        if let Some(out) = child.stdout.take() {
            BufReader::new(out).read_line(&mut address)?;
        }
        let address = address.trim().to_owned();
        if address.is_empty() {
            let _ = child.kill();
            bail!("dbus-daemon printed no bus address");
        }
        Ok(Self {
            child,
            address,
            _config: config,
        })
    }
}

impl Drop for BusWithoutKeyring {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits for an element matching `css` and returns it.
pub async fn find(app: &Client, css: &str) -> anyhow::Result<fantoccini::elements::Element> {
    find_within(app, css, PATIENCE).await
}

/// Waits up to `patience` for an element matching `css`.
pub async fn find_within(
    app: &Client,
    css: &str,
    patience: Duration,
) -> anyhow::Result<fantoccini::elements::Element> {
    app.wait()
        .at_most(patience)
        .for_element(Locator::Css(css))
        .await
        .with_context(|| format!("nothing matching `{css}` appeared within {patience:?}"))
}

/// Waits until the text of the element matching `css` satisfies `wanted`.
pub async fn wait_for_text(
    app: &Client,
    css: &str,
    wanted: impl Fn(&str) -> bool,
) -> anyhow::Result<String> {
    let deadline = Instant::now() + PATIENCE;
    let mut last = String::new();
    while Instant::now() < deadline {
        if let Ok(element) = app.find(Locator::Css(css)).await {
            last = element.text().await.unwrap_or_default();
            if wanted(&last) {
                return Ok(last);
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("`{css}` still reads {last:?} after {PATIENCE:?}")
}

/// Waits until the canvas `css` shows a line drawn in the theme's colour
/// `colour` (a CSS variable such as `--accent`): a chart whose canvas is
/// there but blank fails.
pub async fn drawn(app: &Client, css: &str, colour: &str) -> anyhow::Result<()> {
    const COUNT: &str = r#"
        const [css, colour] = arguments;
        const canvas = document.querySelector(css);
        if (!canvas || canvas.width === 0) return 0;
        const probe = document.createElement('span');
        probe.style.color = getComputedStyle(document.documentElement).getPropertyValue(colour);
        document.body.appendChild(probe);
        const [r, g, b] = getComputedStyle(probe).color.match(/\d+/g).map(Number);
        probe.remove();
        const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
        let painted = 0;
        for (let i = 0; i < data.length; i += 4) {
            const near = Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b);
            if (data[i + 3] > 200 && near < 60) painted++;
        }
        return painted;
    "#;
    let deadline = Instant::now() + PATIENCE;
    let mut painted = 0;
    while Instant::now() < deadline {
        painted = app
            .execute(COUNT, vec![css.into(), colour.into()])
            .await?
            .as_u64()
            .unwrap_or(0);
        // A line across a chart is hundreds of pixels; a legend's swatch
        // or a stray tick is a few.
        if painted >= 150 {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("`{css}` shows {painted} pixels of {colour} after {PATIENCE:?}: nothing drawn")
}

/// Waits until nothing matches `css`.
pub async fn find_gone(app: &Client, css: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + PATIENCE;
    while Instant::now() < deadline {
        if app.find_all(Locator::Css(css)).await?.is_empty() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("`{css}` is still there after {PATIENCE:?}")
}

/// Clicks the element matching `css`, finding it again if the page
/// re-rendered it between finding and clicking (lists re-render as sync
/// brings news).
pub async fn click(app: &Client, css: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let attempt = async {
            let element = find(app, css).await?;
            // In the middle of the window, not under the status bar.
            app.execute(
                "arguments[0].scrollIntoView({block: 'center'})",
                vec![serde_json::to_value(&element)?],
            )
            .await?;
            element.click().await.map_err(anyhow::Error::from)
        };
        match attempt.await {
            Ok(()) => return Ok(()),
            Err(e) if Instant::now() > deadline => {
                return Err(e.context(format!("cannot click `{css}`")));
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

/// Answers the OS file dialog titled `title` as a person would: types the
/// file's path into it and presses Enter. `xdotool` gives it the keyboard
/// on the test's X display.
pub async fn choose_file_in_dialog(title: &str, file: &Path) -> anyhow::Result<()> {
    let deadline = Instant::now() + PATIENCE;
    let window = loop {
        let found = Command::new("xdotool")
            .args(["search", "--onlyvisible", "--name", title])
            .output()
            .context("cannot run xdotool; `cargo xtask test` installs it")?;
        let ids = String::from_utf8_lossy(&found.stdout);
        if let Some(id) = ids.lines().next() {
            break id.to_owned();
        }
        if Instant::now() > deadline {
            bail!("no file dialog titled {title:?} opened within {PATIENCE:?}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let path = file.to_str().context("the file's path is not UTF-8")?;
    for args in [
        vec!["windowfocus", "--sync", window.as_str()],
        vec!["key", "--clearmodifiers", "ctrl+l"],
        vec!["type", "--delay", "20", path],
        vec!["key", "Return"],
    ] {
        let status = Command::new("xdotool").args(&args).status()?;
        anyhow::ensure!(status.success(), "xdotool {args:?} failed");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    Ok(())
}

/// Signs in through the sign-in form.
pub async fn sign_in(app: &Client, url: &str, email: &str, password: &str) -> anyhow::Result<()> {
    type_into(app, "input[name=center]", url).await?;
    type_into(app, "input[name=email]", email).await?;
    type_into(app, "input[name=password]", password).await?;
    click(app, "button[type=submit]").await?;
    Ok(())
}

/// The looks every screen is seen in: each language in each theme.
pub const LOOKS: [(&str, &str); 4] = [
    ("en", "light"),
    ("en", "dark"),
    ("zh-CN", "light"),
    ("zh-CN", "dark"),
];

/// Shows the app in `language` and `theme`, set as a person sets them in
/// Settings.
pub async fn look(app: &Client, language: &str, theme: &str) -> anyhow::Result<()> {
    open(app, "/settings").await?;
    choose(app, "select[name=language]", language).await?;
    choose(app, "select[name=theme]", theme).await?;
    find(app, &format!("html[lang='{language}'][data-theme={theme}]")).await?;
    Ok(())
}

/// Chooses `value` in the `<select>` matching `css`.
pub async fn choose(app: &Client, css: &str, value: &str) -> anyhow::Result<()> {
    find(app, css).await?;
    app.execute(
        "const s = document.querySelector(arguments[0]); s.value = arguments[1]; s.dispatchEvent(new Event('change', { bubbles: true }));",
        vec![css.into(), value.into()],
    )
    .await?;
    Ok(())
}

/// Replaces the text of the input matching `css`.
pub async fn type_into(app: &Client, css: &str, text: &str) -> anyhow::Result<()> {
    let input = find(app, css).await?;
    input.clear().await?;
    input.send_keys(text).await?;
    Ok(())
}

/// Saves a screenshot of the window as `name`.png in the output directory,
/// once the webview has painted what the DOM now holds.
pub async fn screenshot(app: &Client, env: &Env, name: &str) -> anyhow::Result<()> {
    app.execute_async(
        "const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done()));",
        vec![],
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let png = app.screenshot().await?;
    std::fs::write(env.out.join(format!("{name}.png")), png)?;
    Ok(())
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port())
}

/// One desktop notification as the app sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentNotification {
    /// The id the desktop gave it.
    pub id: u32,
    pub app_name: String,
    pub summary: String,
    pub body: String,
    /// Action keys and labels, flattened as the specification sends them.
    pub actions: Vec<String>,
}

/// Owns `org.freedesktop.Notifications` on the test's session bus and
/// records every notification the app sends, as a desktop would show it.
#[derive(Debug)]
pub struct NotificationRecorder {
    sent: std::sync::Arc<std::sync::Mutex<Vec<SentNotification>>>,
    connection: zbus::Connection,
}

struct Notifications {
    sent: std::sync::Arc<std::sync::Mutex<Vec<SentNotification>>>,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Notifications {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        _hints: std::collections::HashMap<String, zbus::zvariant::OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        let mut sent = self.sent.lock().unwrap_or_else(|p| p.into_inner());
        let id = sent.len() as u32 + 1;
        sent.push(SentNotification {
            id,
            app_name,
            summary,
            body,
            actions,
        });
        id
    }

    fn get_capabilities(&self) -> Vec<String> {
        vec!["body".into(), "actions".into()]
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        (
            "aicc-e2e".into(),
            "AICC Partner tests".into(),
            "1".into(),
            "1.2".into(),
        )
    }

    fn close_notification(&self, _id: u32) {}
}

impl NotificationRecorder {
    /// Starts recording on the session bus `cargo xtask test` provides.
    pub async fn start() -> anyhow::Result<Self> {
        let sent = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let connection = zbus::connection::Builder::session()?
            .name("org.freedesktop.Notifications")?
            .serve_at(
                "/org/freedesktop/Notifications",
                Notifications { sent: sent.clone() },
            )?
            .build()
            .await
            .context("cannot own org.freedesktop.Notifications on the session bus")?;
        Ok(Self { sent, connection })
    }

    /// Notifications so far whose body mentions `needle`.
    pub fn about(&self, needle: &str) -> Vec<SentNotification> {
        self.sent
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|n| n.body.contains(needle) || n.summary.contains(needle))
            .cloned()
            .collect()
    }

    /// Clicks a notification, as a desktop reports it: the `default` action,
    /// which the app must have offered.
    pub async fn click(&self, notification: &SentNotification) -> anyhow::Result<()> {
        anyhow::ensure!(
            notification.actions.iter().any(|a| a == "default"),
            "the notification offers no default action, so a click reaches nobody: {notification:?}"
        );
        self.connection
            .emit_signal(
                None::<()>,
                "/org/freedesktop/Notifications",
                "org.freedesktop.Notifications",
                "ActionInvoked",
                &(notification.id, "default"),
            )
            .await?;
        Ok(())
    }

    /// Waits until a notification about `needle` arrived.
    pub async fn wait_for(
        &self,
        needle: &str,
        patience: Duration,
    ) -> anyhow::Result<SentNotification> {
        let deadline = Instant::now() + patience;
        while Instant::now() < deadline {
            if let Some(n) = self.about(needle).into_iter().next() {
                return Ok(n);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("no notification about {needle:?} within {patience:?}")
    }
}

/// The page's scrolling areas that have rounded corners, as `tag.class`.
/// WebKit clips such an area again on every frame: without a GPU a frame of
/// the catalog took 80 ms instead of 22. Form controls are left out: they
/// keep the rounded look of every other control.
pub async fn rounded_scrolling_areas(app: &Client) -> anyhow::Result<Vec<String>> {
    let found = app
        .execute(
            "const corners = ['borderTopLeftRadius', 'borderTopRightRadius',
                              'borderBottomLeftRadius', 'borderBottomRightRadius'];
             return [...document.querySelectorAll('body *:not(input, textarea, select)')]
               .filter((e) => {
                 const s = getComputedStyle(e);
                 return /auto|scroll/.test(s.overflowX + s.overflowY)
                   && corners.some((c) => s[c] !== '0px');
               })
               .map((e) => [e.localName, ...e.classList].join('.'));",
            vec![],
        )
        .await?;
    Ok(serde_json::from_value(found)?)
}

/// Opens a route of the app, e.g. `/jobs/new?model=qwen3-32b`.
pub async fn open(app: &Client, route: &str) -> anyhow::Result<()> {
    app.execute("location.hash = '#' + arguments[0];", vec![route.into()])
        .await?;
    Ok(())
}
