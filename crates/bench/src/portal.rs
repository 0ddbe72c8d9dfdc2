//! A real portal process on loopback, with a generated catalog imported
//! through `aicc-portal admin`, as the benchmarks talk to it.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use aicc_api::catalog::Model;
use anyhow::{Context as _, bail};

/// A running portal; stopped when dropped.
#[derive(Debug)]
pub struct PortalProcess {
    pub url: String,
    binary: PathBuf,
    data: PathBuf,
    child: Child,
}

impl PortalProcess {
    /// Starts `binary` on a free port with the demo accounts and `models`.
    pub fn start(binary: &Path, dir: &Path, models: &[Model]) -> anyhow::Result<Self> {
        Self::configured(binary, dir, models, "scheduler_tick_ms = 60000\n")
    }

    /// Starts `binary` as [`Self::start`] does, with `config` in its config
    /// file.
    pub fn configured(
        binary: &Path,
        dir: &Path,
        models: &[Model],
        config: &str,
    ) -> anyhow::Result<Self> {
        let data = dir.join("portal");
        std::fs::create_dir_all(&data)?;
        // 64 clients share one partner token: the per-token limit is not what is measured.
        std::fs::write(
            dir.join("portal.toml"),
            format!("requests_per_second = 10000000\n{config}"),
        )?;
        let mut portal = Self {
            url: String::new(),
            binary: binary.to_owned(),
            data,
            child: Command::new("true").spawn()?,
        };
        portal.import(models)?;
        let mut child = Command::new(binary)
            .arg("--config")
            .arg(dir.join("portal.toml"))
            .arg("--data-dir")
            .arg(&portal.data)
            .args(["serve", "--listen", "127.0.0.1:0", "--demo"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let mut line = String::new();
        if let Some(out) = child.stdout.take() {
            BufReader::new(out).read_line(&mut line)?;
        }
        portal.child = child;
        match line.trim().strip_prefix("listening on ") {
            Some(url) => portal.url = url.to_owned(),
            None => bail!("the portal did not say where it listens, but {line:?}"),
        }
        Ok(portal)
    }

    /// Adds or updates `models` with `aicc-portal admin import-models`.
    pub fn import(&self, models: &[Model]) -> anyhow::Result<()> {
        if models.is_empty() {
            return Ok(());
        }
        let file = self.data.join("import.json");
        std::fs::write(&file, serde_json::to_vec(models)?)?;
        let out = Command::new(&self.binary)
            .arg("--data-dir")
            .arg(&self.data)
            .args(["admin", "import-models"])
            .arg(&file)
            .env("RUST_LOG", "warn")
            .output()?;
        if !out.status.success() {
            bail!(
                "aicc-portal admin import-models failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::fs::remove_file(file)?;
        Ok(())
    }
}

impl Drop for PortalProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
