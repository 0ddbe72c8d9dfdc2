//! The Slurm cluster `cargo xtask test` starts (8 fake NPUs, see
//! xtask/src/slurm.rs), and portal configs that run jobs on it with the
//! demo's training launcher.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

/// How the portal reaches Slurm.
#[derive(Debug, Clone, Copy)]
pub enum SlurmInterface<'a> {
    /// slurmrestd at this URL: the cluster's own, or a relay in front of it.
    Rest(&'a str),
    /// sbatch, squeue, scontrol and scancel, with the cluster's `SLURM_CONF`.
    Commands,
}

/// The running test cluster, from the variables `cargo xtask test` sets.
#[derive(Debug, Clone)]
pub struct SlurmCluster {
    /// slurmrestd's own URL.
    pub rest_url: String,
    jwt_key: String,
    jobs: String,
}

impl SlurmCluster {
    pub fn from_env() -> anyhow::Result<Self> {
        let var = |name: &str| {
            std::env::var(name).with_context(|| {
                format!(
                    "{name} is not set: this test needs the Slurm cluster `cargo xtask test` starts"
                )
            })
        };
        var("SLURM_CONF")?;
        Ok(Self {
            rest_url: var("AICC_SLURM_REST_URL")?,
            jwt_key: var("AICC_SLURM_JWT_KEY")?,
            jobs: var("AICC_SLURM_JOBS")?,
        })
    }

    /// Writes `dir/portal.toml`: jobs on this cluster through `interface`,
    /// with a fast scheduler tick and jobs as short as a minute.
    pub fn portal_config(
        &self,
        dir: &Path,
        interface: SlurmInterface<'_>,
    ) -> anyhow::Result<PathBuf> {
        let launcher =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/portal/slurm/demo-train.sh");
        let mut text = format!(
            "scheduler_tick_ms = 200\nrequests_per_second = 1000\n\
             min_job_hours = {one_minute}\n\
             [executor]\nkind = \"slurm\"\noutput_dir = \"{jobs}\"\ntrain_command = \"{launcher}\"\n\
             [executor.pools.npu]\nname = \"Atlas 800T A2 (Slurm)\"\nnpu_kind = \"Ascend 910B\"\n",
            jobs = self.jobs,
            launcher = launcher.display(),
            // A job of a minute, Slurm's shortest limit, lets a test see a timeout.
            one_minute = 1.0_f64 / 60.0,
        );
        if let SlurmInterface::Rest(url) = interface {
            text.push_str(&format!(
                "[executor.rest]\nurl = \"{url}\"\njwt_key_file = \"{}\"\nuser = \"root\"\n",
                self.jwt_key
            ));
        }
        let path = dir.join("portal.toml");
        std::fs::write(&path, text)?;
        Ok(path)
    }

    /// The JWT key the cluster's slurmrestd accepts.
    pub fn jwt_key(&self) -> &str {
        &self.jwt_key
    }
}
