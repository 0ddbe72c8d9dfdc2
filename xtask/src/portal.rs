//! A portal process for `cargo xtask run`: started with the demo data, its
//! address read from the first line it prints, stopped on drop.

use std::io::{BufRead as _, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use anyhow::{Context as _, bail};

/// A running portal.
pub struct PortalProcess {
    pub url: String,
    child: Child,
}

impl PortalProcess {
    /// Starts `binary serve --demo` on `listen` with its data in `data_dir`,
    /// configured by `config` if given.
    pub fn start_demo(
        binary: &Path,
        listen: SocketAddr,
        data_dir: &Path,
        config: Option<&Path>,
    ) -> anyhow::Result<Self> {
        let mut command = Command::new(binary);
        if let Some(config) = config {
            command.arg("--config").arg(config);
        }
        let mut child = command
            .args([
                "serve",
                "--demo",
                "--listen",
                &listen.to_string(),
                "--data-dir",
            ])
            .arg(data_dir)
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let mut first = String::new();
        if let Some(out) = child.stdout.take() {
            BufReader::new(out).read_line(&mut first)?;
        }
        let Some(url) = first.trim().strip_prefix("listening on ") else {
            let status = child.wait()?;
            bail!("the demo portal did not start ({status}); its messages are above");
        };
        Ok(Self {
            url: url.to_owned(),
            child,
        })
    }
}

impl Drop for PortalProcess {
    fn drop(&mut self) {
        // SIGTERM lets the portal finish in-flight requests.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

/// `preferred` if it is free on 127.0.0.1, otherwise a free port, saying so.
pub fn choose_address(preferred: u16) -> anyhow::Result<SocketAddr> {
    let wanted = SocketAddr::from(([127, 0, 0, 1], preferred));
    if TcpListener::bind(wanted).is_ok() {
        return Ok(wanted);
    }
    let free = TcpListener::bind(("127.0.0.1", 0))?.local_addr()?;
    eprintln!(
        "port {preferred} on 127.0.0.1 is busy; the demo portal uses port {} instead \
         (choose one with `cargo xtask run --port N`)",
        free.port()
    );
    Ok(free)
}
