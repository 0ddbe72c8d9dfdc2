//! A real single-node Slurm cluster for the portal's Slurm executor: munged,
//! slurmctld, slurmd and slurmrestd (JWT) with 8 fake NPUs as the `npu`
//! generic resource, everything under one directory, on free loopback
//! ports. Slurm's daemons run as root. [`Cluster`] stops them when dropped,
//! cancelling what still runs.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

use crate::desktop::wait_until;
use crate::packages;

/// Debian's Slurm 22.05 with slurmrestd and its JWT plugin.
pub const PACKAGES: &[&str] = &[
    "slurmctld",
    "slurmd",
    "slurm-client",
    "munge",
    "slurmrestd",
    "slurm-wlm-jwt-plugin",
];

/// Fake NPUs on the node.
const NPUS: u32 = 8;
/// Jobs the node runs at once (CPUs it claims, whatever the machine has).
const SLOTS: u32 = 16;

/// A running cluster.
pub struct Cluster {
    dir: PathBuf,
    conf: PathBuf,
    rest_url: String,
    restd: Option<Child>,
}

impl Cluster {
    /// Where the cluster called `name` keeps its files, under `/tmp` and
    /// never under the clone: munged takes a socket only where every
    /// directory above lets everyone through, and slurmrestd runs as
    /// `nobody`, so a clone under a private (0700) home cannot hold them.
    pub fn home(name: &str) -> PathBuf {
        PathBuf::from("/tmp").join(format!("aicc-slurm-{name}-{}", std::process::id()))
    }

    /// Starts a fresh cluster called `name` (see [`Cluster::home`]); its
    /// files go when it stops.
    pub fn start(name: &str) -> anyhow::Result<Self> {
        let dir = &Self::home(name);
        packages::ensure(PACKAGES, "Running training jobs on Slurm")?;
        if !packages::is_root() {
            bail!(
                "Slurm's daemons run as root here: run `cargo xtask` as root for the Slurm tests and `run --slurm`"
            );
        }
        let _ = std::fs::remove_dir_all(dir);
        for sub in ["etc", "munge", "state", "spool", "log", "run", "jobs"] {
            std::fs::create_dir_all(dir.join(sub))?;
        }
        set_mode(dir, 0o755)?;
        set_mode(&dir.join("munge"), 0o755)?;
        let host = output(Command::new("hostname").arg("-s"))?;
        let [ctld_port, slurmd_port, rest_port] = [free_port()?, free_port()?, free_port()?];
        let conf = dir.join("etc/slurm.conf");
        let munge_socket = dir.join("munge/munge.socket.2");
        let jwt_key = dir.join("etc/jwt.key");
        std::fs::write(&jwt_key, rand_bytes::<32>()?)?;
        set_mode(&jwt_key, 0o600)?;
        let d = dir.display();
        std::fs::write(
            dir.join("etc/gres.conf"),
            format!("NodeName={host} Name=npu Count={NPUS}\n"),
        )?;
        std::fs::write(
            &conf,
            format!(
                "ClusterName=aicc\n\
                 SlurmctldHost={host}(127.0.0.1)\n\
                 SlurmUser=root\nSlurmdUser=root\n\
                 SlurmctldPort={ctld_port}\nSlurmdPort={slurmd_port}\n\
                 AuthType=auth/munge\nCredType=cred/munge\n\
                 AuthInfo=socket={socket}\n\
                 AuthAltTypes=auth/jwt\nAuthAltParameters=jwt_key={jwt}\n\
                 StateSaveLocation={d}/state\nSlurmdSpoolDir={d}/spool/slurmd-%n\n\
                 SlurmctldPidFile={d}/run/slurmctld.pid\nSlurmdPidFile={d}/run/slurmd.pid\n\
                 SlurmctldLogFile={d}/log/slurmctld.log\nSlurmdLogFile={d}/log/slurmd.log\n\
                 MailProg=/bin/true\nMpiDefault=none\n\
                 SchedulerType=sched/backfill\nSchedulerParameters=batch_sched_delay=0\n\
                 SelectType=select/cons_tres\nSelectTypeParameters=CR_Core\n\
                 ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\n\
                 JobAcctGatherType=jobacct_gather/none\nAccountingStorageType=accounting_storage/none\n\
                 ReturnToService=2\nMinJobAge=300\n\
                 SlurmdParameters=config_overrides\n\
                 GresTypes=npu\n\
                 NodeName={host} NodeAddr=127.0.0.1 CPUs={SLOTS} RealMemory=1024 Gres=npu:{NPUS} State=UNKNOWN\n\
                 PartitionName=npu Nodes={host} Default=YES MaxTime=INFINITE State=UP\n",
                socket = munge_socket.display(),
                jwt = jwt_key.display(),
            ),
        )?;
        set_mode(&conf, 0o644)?;
        set_mode(&dir.join("etc/gres.conf"), 0o644)?;

        let munge_key = dir.join("munge/munge.key");
        run(Command::new("mungekey")
            .arg("-c")
            .arg("-k")
            .arg(&munge_key)
            .args(["-b", "1024"]))?;
        set_mode(&munge_key, 0o600)?;
        let mut cluster = Self {
            dir: dir.to_path_buf(),
            conf: conf.clone(),
            rest_url: format!("http://127.0.0.1:{rest_port}"),
            restd: None,
        };
        run(Command::new("munged")
            .arg(format!("--socket={}", munge_socket.display()))
            .arg(format!("--key-file={}", munge_key.display()))
            .arg(format!("--log-file={d}/log/munged.log"))
            .arg(format!("--pid-file={d}/run/munged.pid"))
            .arg(format!("--seed-file={d}/munge/munged.seed")))
        .context("munged did not start")?;
        run(Command::new("slurmctld").env("SLURM_CONF", &conf))
            .context("slurmctld did not start")?;
        run(Command::new("slurmd").env("SLURM_CONF", &conf)).context("slurmd did not start")?;
        cluster.wait("the Slurm node to be idle", || {
            Command::new("sinfo")
                .args(["-h", "-N", "-o", "%t"])
                .env("SLURM_CONF", &conf)
                .output()
                .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "idle")
        })?;
        let restd = Command::new("setpriv")
            .args([
                "--reuid=nobody",
                "--regid=nogroup",
                "--clear-groups",
                "slurmrestd",
            ])
            .args(["-s", "openapi/v0.0.38", "-a", "rest_auth/jwt"])
            .arg(format!("127.0.0.1:{rest_port}"))
            .env("SLURM_CONF", &conf)
            .env("SLURM_JWT", "daemon")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("log/slurmrestd.log"))?)
            .spawn()
            .context("cannot start slurmrestd")?;
        cluster.restd = Some(restd);
        cluster.wait("slurmrestd to listen", || {
            std::net::TcpStream::connect(("127.0.0.1", rest_port)).is_ok()
        })?;
        eprintln!(
            "==> Slurm: node {host} with {NPUS} NPUs, partition npu, slurmrestd on {}",
            cluster.rest_url
        );
        Ok(cluster)
    }

    /// What the portal's tests and the demo portal need to reach the cluster.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("SLURM_CONF", self.conf.display().to_string()),
            ("AICC_SLURM_REST_URL", self.rest_url.clone()),
            (
                "AICC_SLURM_JWT_KEY",
                self.dir.join("etc/jwt.key").display().to_string(),
            ),
            (
                "AICC_SLURM_JOBS",
                self.dir.join("jobs").display().to_string(),
            ),
        ]
    }

    /// Writes a portal config that runs jobs on this cluster through
    /// slurmrestd, with the demo training launcher.
    pub fn portal_config(&self, path: &Path) -> anyhow::Result<()> {
        let launcher = crate::root().join("crates/portal/slurm/demo-train.sh");
        std::fs::write(
            path,
            format!(
                "[executor]\nkind = \"slurm\"\noutput_dir = \"{jobs}\"\ntrain_command = \"{launcher}\"\n\
                 [executor.rest]\nurl = \"{url}\"\njwt_key_file = \"{key}\"\nuser = \"root\"\n\
                 [executor.pools.npu]\nname = \"Slurm · Atlas 800T A2 (fake NPUs)\"\nnpu_kind = \"Ascend 910B\"\n",
                jobs = self.dir.join("jobs").display(),
                launcher = launcher.display(),
                url = self.rest_url,
                key = self.dir.join("etc/jwt.key").display(),
            ),
        )?;
        Ok(())
    }

    /// Waits for `ready`; on a timeout the error ends with the daemons' logs.
    fn wait(&self, what: &str, ready: impl FnMut() -> bool) -> anyhow::Result<()> {
        wait_until(what, ready).map_err(|e| {
            let logs: Vec<String> = ["slurmctld", "slurmd", "slurmrestd", "munged"]
                .iter()
                .map(|name| {
                    let log = std::fs::read_to_string(self.dir.join(format!("log/{name}.log")))
                        .unwrap_or_default();
                    let tail: Vec<&str> = log.lines().rev().take(10).collect();
                    format!(
                        "--- {name}.log\n{}",
                        tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                    )
                })
                .collect();
            e.context(logs.join("\n"))
        })
    }

    fn pid(&self, daemon: &str) -> Option<String> {
        std::fs::read_to_string(self.dir.join(format!("run/{daemon}.pid")))
            .ok()
            .map(|p| p.trim().to_owned())
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let slurm = |program: &str, args: &[&str]| {
            let _ = Command::new(program)
                .args(args)
                .env("SLURM_CONF", &self.conf)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        };
        if let Some(mut restd) = self.restd.take() {
            let _ = restd.kill();
            let _ = restd.wait();
        }
        // Batch scripts outlive slurmd unless cancelled first.
        slurm("scancel", &["--user=root"]);
        std::thread::sleep(Duration::from_millis(500));
        slurm("scontrol", &["shutdown"]);
        for daemon in ["slurmctld", "slurmd", "munged"] {
            let Some(pid) = self.pid(daemon) else {
                continue;
            };
            if daemon == "munged" {
                // Slurm's daemons stop on `scontrol shutdown`; munged on TERM.
                let _ = Command::new("kill").args(["-TERM", &pid]).status();
            }
            let gone = || !Path::new(&format!("/proc/{pid}")).exists() || is_zombie(&pid);
            let deadline = Instant::now() + Duration::from_secs(5);
            while !gone() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(100));
            }
            if !gone() {
                let _ = Command::new("kill").args(["-KILL", &pid]).status();
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs `command` with a fresh cluster's environment, then stops the cluster.
pub fn with_cluster(command: &[String]) -> anyhow::Result<()> {
    let cluster = Cluster::start("with")?;
    let (program, args) = command.split_first().context("no command to run")?;
    crate::step(
        &command.join(" "),
        Command::new(program).args(args).envs(cluster.env()),
    )
}

fn is_zombie(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z'))
    })
}

fn run(command: &mut Command) -> anyhow::Result<()> {
    let out = command
        .output()
        .with_context(|| format!("cannot run {:?}", command.get_program()))?;
    if !out.status.success() {
        bail!(
            "{:?} failed: {}",
            command.get_program(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

fn output(command: &mut Command) -> anyhow::Result<String> {
    let out = command.output()?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn rand_bytes<const N: usize>() -> anyhow::Result<[u8; N]> {
    use std::io::Read as _;
    let mut bytes = [0; N];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes)
}

fn set_mode(path: &Path, mode: u32) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    #[test]
    fn the_cluster_lives_where_every_user_gets_through_wherever_the_clone_is() {
        let home = Cluster::home("probe");
        assert!(!home.starts_with(crate::root()), "{}", home.display());
        for above in home.ancestors().skip(1) {
            let mode = std::fs::metadata(above).unwrap().permissions().mode();
            assert!(mode & 0o001 != 0, "{} is {mode:o}", above.display());
        }
    }
}
