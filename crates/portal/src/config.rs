//! The portal's configuration: one TOML file (`--config`), every value
//! overridable by a flag or an environment variable, with defaults a demo
//! can run on.
//!
//! ```toml
//! listen = "0.0.0.0:8443"
//! data_dir = "/var/lib/aicc-portal"
//! max_job_hours = 720.0
//! min_job_hours = 0.1
//! access_token_ttl_secs = 900
//! refresh_reuse_secs = 120
//! scheduler_tick_ms = 1000
//! pool_sample_secs = 300
//! starvation_after_secs = 600
//! requests_per_second = 50
//! sign_ins_per_minute = 30
//! tombstone_retention_days = 90
//! stream_recheck_secs = 15
//! header_read_timeout_secs = 20
//! body_read_timeout_secs = 30
//! idle_timeout_secs = 60
//! upload_deadline_secs = 720
//! max_connections = 900
//! max_connections_per_address = 128
//! trusted_proxies = []                   # e.g. ["10.0.0.5/32"]: the center's nginx
//! editable_applications_per_organisation = 20
//! attachment_storage_mib_per_organisation = 2048
//!
//! [center]                               # what the app calls the center
//! name = "Demo AI Computing Center"
//! name_zh = "演示人工智能计算中心"
//! description = "Ascend NPUs for partners and incubated startups."
//! description_zh = "为合作伙伴和孵化企业提供昇腾算力。"
//!
//! [tls]                                  # omit to serve plain HTTP
//! certificate = "/etc/aicc-portal/portal.crt"   # PEM chain, leaf first
//! key = "/etc/aicc-portal/portal.key"           # PEM private key
//!
//! [executor]
//! kind = "simulated"
//! time_scale = 120.0   # simulated seconds per real second
//! failure_rate = 0.0
//! ```
//!
//! or, to run jobs on the center's Slurm cluster (see `jobs::slurm`):
//!
//! ```toml
//! [executor]
//! kind = "slurm"
//! output_dir = "/shared/aicc/jobs"        # seen by the portal and the nodes
//! train_command = "/opt/aicc/bin/train"   # the center's training launcher
//! gres = "npu"
//!
//! [executor.rest]                         # omit to use sbatch/squeue/scontrol
//! url = "http://slurm-head:6820"
//! jwt_key_file = "/etc/slurm/jwt_hs256.key"
//! user = "aicc"
//!
//! [executor.pools.npu]                    # omit to offer every NPU partition
//! name = "Atlas 800T A2"
//! npu_kind = "Ascend 910B"
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::jobs::slurm::SlurmConfig;

/// Everything the portal can be told.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// The longest a training job may ask to run.
    pub max_job_hours: f64,
    /// The shortest a training job may ask to run (never under a minute,
    /// the shortest limit Slurm enforces).
    pub min_job_hours: f64,
    /// How long an access token is valid (refresh tokens rotate on use).
    pub access_token_ttl_secs: u64,
    /// How soon after its use a refresh token may be presented again and
    /// get the same successor (its answer was lost); later, or once the
    /// successor was used, presenting it ends the session as a theft.
    pub refresh_reuse_secs: u64,
    /// How often the scheduler places queued jobs and observes running ones.
    pub scheduler_tick_ms: u64,
    /// How often each pool's free NPUs and queue are kept for its history
    /// (`GET /v1/pools/history`).
    pub pool_sample_secs: u64,
    /// After waiting this long, a queued job holds its pool: nothing smaller
    /// starts before it (see `jobs::scheduler`).
    pub starvation_after_secs: u64,
    /// Requests per second allowed per token (bursts up to twice that).
    pub requests_per_second: u32,
    /// Sign-in attempts per minute from one address (a company's proxy is
    /// one address for all its people; accounts are throttled on their own).
    pub sign_ins_per_minute: u32,
    /// Retired models stay in the catalog feed as tombstones this long.
    pub tombstone_retention_days: u32,
    /// How often an open event stream checks that its token still holds
    /// (not revoked, its user not deactivated).
    pub stream_recheck_secs: u64,
    /// How long a client has for a TLS handshake and to send a request's
    /// headers before its connection is closed.
    pub header_read_timeout_secs: u64,
    /// How long a request's body may pause between two pieces before the
    /// request fails; a body other than an attachment must also have
    /// arrived whole within it, and an attachment still arriving after it
    /// must have come at 32 KiB/s on average.
    pub body_read_timeout_secs: u64,
    /// How long an attachment's body may take to arrive whole: 720 s lets
    /// a whole 20 MiB come at the slowest pace allowed (256 kbit/s).
    pub upload_deadline_secs: u64,
    /// Connections open at once, beyond which new ones are closed at once
    /// (keep it under the process's file descriptor limit).
    pub max_connections: usize,
    /// Connections open at once from one address, or one IPv6 site's /48
    /// (a trusted proxy's are not counted: it speaks for many).
    pub max_connections_per_address: usize,
    /// The reverse proxies in front of the portal (addresses or networks):
    /// a request through one of them is counted against the client address
    /// it names in `X-Forwarded-For`, not against the proxy's.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Applications an organisation may have being edited at once (drafts,
    /// and those with changes requested).
    pub editable_applications_per_organisation: usize,
    /// How much an organisation's attachments may take on the center's
    /// disk in all, in MiB (withdrawn applications' included: their files
    /// are kept).
    pub attachment_storage_mib_per_organisation: u64,
    /// How long a connection with no request open stays open (at least
    /// `header_read_timeout_secs`).
    pub idle_timeout_secs: u64,
    /// Serve HTTPS with this certificate; without, plain HTTP, for loopback
    /// or behind the center's TLS proxy.
    pub tls: Option<TlsConfig>,
    /// Who the center is (`GET /v1/center`); without it the app names the
    /// center by its address (and `--demo` gives the demo's name).
    pub center: Option<CenterConfig>,
    pub executor: ExecutorConfig,
}

/// `[center]`: the center's name and description in English and Chinese.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CenterConfig {
    pub name: String,
    pub name_zh: String,
    pub description: String,
    pub description_zh: String,
}

impl CenterConfig {
    /// The invented center of the demo data.
    pub fn demo() -> Self {
        Self {
            name: "Demo AI Computing Center".into(),
            name_zh: "演示人工智能计算中心".into(),
            description:
                "An invented computing center with Ascend NPU pools, for trying AICC Partner."
                    .into(),
            description_zh: "一个虚构的计算中心，提供昇腾 NPU 资源池，用于试用 AICC Partner。"
                .into(),
        }
    }

    /// As the API says it.
    pub fn identity(&self) -> aicc_api::center::CenterIdentity {
        aicc_api::center::CenterIdentity {
            name: self.name.clone(),
            name_zh: self.name_zh.clone(),
            description: self.description.clone(),
            description_zh: self.description_zh.clone(),
        }
    }
}

/// The portal's certificate chain and private key, PEM files.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    pub certificate: PathBuf,
    pub key: PathBuf,
}

/// Which executor runs placed jobs.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ExecutorConfig {
    /// Deterministic progress, logs and metrics, for demos and tests.
    Simulated {
        /// Simulated seconds per real second: 120 runs a 2-hour job in a minute.
        #[serde(default = "default_time_scale")]
        time_scale: f64,
        /// The share of jobs that fail, chosen deterministically per job.
        #[serde(default)]
        failure_rate: f64,
    },
    /// Batch jobs on the center's Slurm cluster.
    Slurm(SlurmConfig),
}

fn default_time_scale() -> f64 {
    120.0
}

impl Default for ExecutorConfig {
    fn default() -> Self {
        ExecutorConfig::Simulated {
            time_scale: default_time_scale(),
            failure_rate: 0.0,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 7878)),
            data_dir: PathBuf::from("aicc-portal-data"),
            max_job_hours: 720.0,
            min_job_hours: aicc_api::jobs::MIN_JOB_HOURS,
            access_token_ttl_secs: 15 * 60,
            refresh_reuse_secs: 120,
            scheduler_tick_ms: 1000,
            pool_sample_secs: 300,
            starvation_after_secs: 600,
            requests_per_second: 50,
            sign_ins_per_minute: 30,
            tombstone_retention_days: 90,
            stream_recheck_secs: 15,
            header_read_timeout_secs: 20,
            body_read_timeout_secs: 30,
            idle_timeout_secs: 60,
            upload_deadline_secs: 720,
            max_connections: 900,
            max_connections_per_address: 128,
            trusted_proxies: Vec::new(),
            editable_applications_per_organisation:
                aicc_api::applications::MAX_EDITABLE_APPLICATIONS,
            attachment_storage_mib_per_organisation: 2048,
            tls: None,
            center: None,
            executor: ExecutorConfig::default(),
        }
    }
}

impl Config {
    /// `attachment_storage_mib_per_organisation`, in bytes.
    pub fn attachment_storage_bytes(&self) -> u64 {
        self.attachment_storage_mib_per_organisation
            .saturating_mul(1024 * 1024)
    }

    /// Reads a TOML file; unknown keys are errors, missing ones defaults.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read the config file {}: {e}", path.display()))?;
        toml::from_str(&text)
            .map_err(|e| anyhow::anyhow!("the config file {} is invalid: {e}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_file_keeps_the_defaults_and_unknown_keys_are_refused() {
        let config: Config = toml::from_str(
            "max_job_hours = 48.0\n[executor]\nkind = \"simulated\"\nfailure_rate = 0.5\n",
        )
        .unwrap();
        assert_eq!(config.max_job_hours, 48.0);
        assert_eq!(config.scheduler_tick_ms, 1000);
        assert_eq!(
            config.executor,
            ExecutorConfig::Simulated {
                time_scale: 120.0,
                failure_rate: 0.5
            }
        );
        let err = toml::from_str::<Config>("max_job_hour = 48.0").unwrap_err();
        assert!(err.to_string().contains("max_job_hour"));
    }

    #[test]
    fn a_slurm_executor_is_configured_with_or_without_slurmrestd() {
        let cli: Config = toml::from_str(
            "[executor]\nkind = \"slurm\"\noutput_dir = \"/jobs\"\ntrain_command = \"/bin/train\"\n",
        )
        .unwrap();
        let ExecutorConfig::Slurm(slurm) = cli.executor else {
            panic!("not slurm: {:?}", cli.executor);
        };
        assert_eq!(slurm.rest, None);
        assert_eq!(slurm.gres, "npu");
        let rest: Config = toml::from_str(
            "[executor]\nkind = \"slurm\"\noutput_dir = \"/jobs\"\ntrain_command = \"/bin/train\"\n\
             [executor.rest]\nurl = \"http://head:6820\"\njwt_key_file = \"/k\"\nuser = \"aicc\"\n\
             [executor.pools.npu]\nname = \"Atlas\"\nnpu_kind = \"Ascend 910B\"\n",
        )
        .unwrap();
        let ExecutorConfig::Slurm(slurm) = rest.executor else {
            panic!("not slurm");
        };
        assert_eq!(slurm.rest.unwrap().user, "aicc");
        assert_eq!(slurm.pools["npu"].npu_kind, "Ascend 910B");
        let missing = toml::from_str::<Config>("[executor]\nkind = \"slurm\"\n").unwrap_err();
        assert!(missing.to_string().contains("output_dir"), "{missing}");
    }
}
