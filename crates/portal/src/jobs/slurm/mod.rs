//! The Slurm executor: a partner's training request becomes a batch job on
//! the center's Slurm cluster, and the job's state, log and metrics flow
//! back from Slurm.
//!
//! # Who decides what
//!
//! - **The portal** admits a request (validation against the pool, NPU-hour
//!   quota) and decides *when* it is released to Slurm: in its fair order
//!   across organisations (`scheduler`), and only while the partition has
//!   the NPUs free by Slurm's own count, so one organisation's burst does
//!   not fill Slurm's queue ahead of everyone else.
//! - **Slurm** decides *where* and *exactly when* a released job runs:
//!   which nodes, which NPUs (`--gres=npu:N` per node), backfill around the
//!   center's other users. While Slurm holds a released job back, the
//!   partner sees it queued with Slurm's reason.
//! - **The pools** partners see are Slurm's partitions whose nodes have the
//!   `npu` generic resource; capacity and free NPUs are read from Slurm
//!   every tick, never configured twice.
//!
//! # Talking to Slurm
//!
//! Through slurmrestd when `[executor.rest]` is configured (the portal mints
//! its own short-lived JWTs from the cluster's key; the REST API version is
//! discovered at start-up and an unsupported one is a start-up error), or
//! otherwise through `sbatch`, `squeue`, `scontrol` and `scancel` on the
//! portal's machine.
//!
//! # What a job runs
//!
//! A generated batch script runs the center's training command (`train_command`)
//! with the request as arguments: `--model ID`, `--model-version V` or
//! `--image IMAGE`, `--dataset URI`, one `--hyperparameter KEY=VALUE` per
//! hyperparameter; and in the environment `AICC_JOB_ID`, `AICC_NODES`,
//! `AICC_NPUS_PER_NODE`. On more than one node it is started with `srun`,
//! once per node. The Slurm job is named `aicc-<portal job id>`, which is
//! how a portal that restarted finds what it had already submitted.
//!
//! Its standard output and error go to
//! `<output_dir>/org-<organisation id>/<portal job id>.log`, which the
//! portal reads as it grows (so `output_dir` must be on a file system both
//! the portal and the compute nodes see). Each organisation has its own
//! directory; the portal reads a log only as a regular file, never through
//! a link, since the job's own code may write where its log is. Make
//! `output_dir` writable only by the user the portal and the jobs run as,
//! so that no one else can swap an organisation's directory. Metrics are
//! log lines of `key=value` words with an integer `step`, e.g.
//! `step=120 loss=0.43 accuracy=0.81`: every other numeric value is a series
//! of the job's chart, and `total_steps=N` on any line sets the run's
//! length for the progress bar.

mod cli;
mod output;
mod rest;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use aicc_api::jobs::JobRequest;
use serde::Deserialize;

use super::executor::{
    ClusterPlan, Executor, ExecutorError, Observation, Observed, PoolCapacity, Reason, RunningJob,
    Submitted,
};

/// `[executor]` with `kind = "slurm"`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlurmConfig {
    /// slurmrestd; without it the portal uses Slurm's commands.
    #[serde(default)]
    pub rest: Option<RestConfig>,
    /// Where jobs write their output; the portal must be able to read it.
    pub output_dir: PathBuf,
    /// The center's training launcher, run by each job.
    pub train_command: PathBuf,
    /// The generic resource that counts NPUs on the cluster's nodes.
    #[serde(default = "default_gres")]
    pub gres: String,
    /// Partitions offered as pools, with what partners see of them. Empty:
    /// every partition whose nodes have the NPU resource, named after it.
    #[serde(default)]
    pub pools: BTreeMap<String, PoolLabel>,
}

/// `[executor.rest]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestConfig {
    /// e.g. `http://slurm-head:6820`.
    pub url: String,
    /// The cluster's JWT key (`AuthAltParameters=jwt_key=…`).
    pub jwt_key_file: PathBuf,
    /// The Slurm user jobs are submitted as.
    pub user: String,
}

/// How a partition is shown to partners.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolLabel {
    pub name: String,
    pub npu_kind: String,
}

fn default_gres() -> String {
    "npu".to_owned()
}

/// A node as Slurm reports it.
#[derive(Debug, Clone, PartialEq)]
struct Node {
    partitions: Vec<String>,
    /// `npu:8`-style strings as Slurm prints them.
    gres: String,
    gres_used: String,
    /// e.g. `idle`, `mixed`, `allocated`, `down+drain`.
    state: String,
}

/// What a job asks Slurm for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Shape {
    partition: String,
    nodes: u32,
    /// `npu:N`, per node.
    gres: String,
    time_limit_minutes: u64,
}

/// What is sent to Slurm for one job.
#[derive(Debug, Clone, PartialEq)]
struct Submission {
    name: String,
    shape: Shape,
    output: PathBuf,
    workdir: PathBuf,
    script: String,
}

/// A Slurm job's state as either interface reports it.
#[derive(Debug, Clone, PartialEq)]
struct SlurmJob {
    name: String,
    state: String,
    reason: String,
    exit: ExitStatus,
    /// Seconds it has run (to its end, if it ended).
    run_seconds: u64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct ExitStatus {
    code: i32,
    signal: i32,
}

impl ExitStatus {
    /// From the raw wait status slurmrestd reports (256 = exit 1).
    fn from_wait_status(raw: i64) -> Self {
        let signal = (raw & 0x7f) as i32;
        if signal == 0 {
            Self {
                code: ((raw >> 8) & 0xff) as i32,
                signal: 0,
            }
        } else {
            Self { code: 0, signal }
        }
    }
}

fn plan_questions() -> governor::DefaultDirectRateLimiter {
    governor::RateLimiter::direct(governor::Quota::per_second(
        std::num::NonZeroU32::new(PLANS_PER_SECOND).unwrap_or(std::num::NonZeroU32::MIN),
    ))
}

/// The two ways of talking to Slurm.
trait Controller: Send + Sync + std::fmt::Debug {
    fn nodes(&self) -> Result<Vec<Node>, ExecutorError>;
    /// The id of the job named `name`, in any state Slurm still remembers.
    fn find(&self, name: &str) -> Result<Option<String>, ExecutorError>;
    fn submit(&self, submission: &Submission) -> Result<String, ExecutorError>;
    /// When Slurm would start a job of this shape submitted now (unix
    /// ms); `None` when the interface cannot ask.
    fn will_start(&self, shape: &Shape) -> Result<Option<i64>, ExecutorError>;
    /// `None` when Slurm does not know the id (any more).
    fn job(&self, id: &str) -> Result<Option<SlurmJob>, ExecutorError>;
    fn cancel(&self, id: &str) -> Result<(), ExecutorError>;
}

/// Runs jobs on Slurm.
#[derive(Debug)]
pub struct Slurm {
    config: SlurmConfig,
    controller: Box<dyn Controller>,
    /// Slurm's recent plans by shape (see [`Executor::planned_start`]).
    plans: Mutex<HashMap<Shape, (Instant, Option<ClusterPlan>)>>,
    /// Held while Slurm is asked for a plan: one question at a time, and
    /// an estimate asked meanwhile does without (nothing queues for it).
    asking: Mutex<()>,
    /// Until when Slurm is not asked, after it did not answer.
    silent_until: Mutex<Option<Instant>>,
    /// At most [`PLANS_PER_SECOND`] questions, whoever asks.
    questions: governor::DefaultDirectRateLimiter,
    /// The pools' capacity last read: when it changes, the plans kept are
    /// dropped (a job ended, the cluster's answer is stale).
    capacity_seen: Mutex<Vec<PoolCapacity>>,
}

/// How long Slurm's plan for a shape is used before it is asked again; a
/// cluster that did not answer is not asked again before then either.
const PLAN_KEPT: Duration = Duration::from_secs(30);
/// Questions to Slurm each second at most: each spends a job id and a
/// controller call.
const PLANS_PER_SECOND: u32 = 2;

impl Slurm {
    /// Connects, checks the interface works (and the REST API version is
    /// one this portal speaks), and reads the pools once.
    pub fn connect(config: SlurmConfig) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&config.output_dir).map_err(|e| {
            anyhow::anyhow!(
                "cannot create the Slurm output directory {}: {e}",
                config.output_dir.display()
            )
        })?;
        if !config.train_command.is_file() {
            anyhow::bail!(
                "the training command {} does not exist; set executor.train_command to the center's launcher",
                config.train_command.display()
            );
        }
        let controller: Box<dyn Controller> = match &config.rest {
            Some(rest) => Box::new(rest::Rest::connect(rest)?),
            None => Box::new(cli::Cli::connect()?),
        };
        let slurm = Self {
            config,
            controller,
            plans: Mutex::default(),
            asking: Mutex::default(),
            silent_until: Mutex::default(),
            questions: plan_questions(),
            capacity_seen: Mutex::default(),
        };
        let pools = slurm
            .capacity()
            .map_err(|e| anyhow::anyhow!("cannot read the cluster's partitions: {e}"))?
            .unwrap_or_default();
        if pools.is_empty() {
            anyhow::bail!(
                "no Slurm partition has nodes with the \"{}\" generic resource{}; check gres.conf and executor.pools",
                slurm.config.gres,
                if slurm.config.pools.is_empty() {
                    String::new()
                } else {
                    format!(
                        " among {}",
                        slurm
                            .config
                            .pools
                            .keys()
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
            );
        }
        Ok(slurm)
    }

    fn name_of(job: &RunningJob) -> String {
        format!("aicc-{}", job.id)
    }

    fn directory_of(&self, job: &RunningJob) -> PathBuf {
        self.config
            .output_dir
            .join(format!("org-{}", job.organisation_id))
    }

    fn output_of(&self, job: &RunningJob) -> PathBuf {
        self.directory_of(job).join(format!("{}.log", job.id))
    }

    /// Whether Slurm may be asked now: not after it fell silent, and not
    /// more often than [`PLANS_PER_SECOND`].
    fn may_ask(&self) -> bool {
        let silent = *self
            .silent_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        silent.is_none_or(|until| Instant::now() >= until) && self.questions.check().is_ok()
    }

    fn shape(&self, request: &JobRequest) -> Shape {
        Shape {
            partition: request.pool_id.clone(),
            nodes: request.nodes,
            gres: format!("{}:{}", self.config.gres, request.npus_per_node),
            time_limit_minutes: request.limit_minutes(),
        }
    }

    /// What is sent for a job. A partition gone since admission is
    /// Slurm's to refuse, with its reason.
    fn submission(&self, job: &RunningJob) -> Result<Submission, ExecutorError> {
        let request = &job.request;
        let directory = self.directory_of(job);
        std::fs::create_dir_all(&directory).map_err(|e| {
            ExecutorError::Unavailable(format!(
                "cannot create the organisation's output directory {}: {e}",
                directory.display()
            ))
        })?;
        if std::fs::symlink_metadata(&directory).is_ok_and(|m| m.is_symlink()) {
            return Err(ExecutorError::Unavailable(format!(
                "{} is a symbolic link; only the portal may write in {}",
                directory.display(),
                self.config.output_dir.display()
            )));
        }
        Ok(Submission {
            name: Self::name_of(job),
            shape: self.shape(request),
            output: self.output_of(job),
            workdir: directory,
            script: output::script(job, &self.config.train_command)?,
        })
    }
}

impl Executor for Slurm {
    fn capacity(&self) -> Result<Option<Vec<PoolCapacity>>, ExecutorError> {
        let nodes = self.controller.nodes()?;
        let pools = output::pools(&nodes, &self.config.gres, &self.config.pools);
        let mut seen = self
            .capacity_seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if *seen != pools {
            self.plans
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clear();
            seen.clone_from(&pools);
        }
        Ok(Some(pools))
    }

    /// Slurm's plan for the request's shape, kept for [`PLAN_KEPT`] (or
    /// until the pools' capacity changes) and shared by whoever asks
    /// meanwhile. Asked one question at a time, at most
    /// [`PLANS_PER_SECOND`], and not for [`PLAN_KEPT`] after Slurm did not
    /// answer: an estimate that cannot ask does without Slurm's word
    /// rather than wait, so a partner asking in a loop holds up no one.
    fn planned_start(&self, request: &JobRequest, ask: bool) -> Option<ClusterPlan> {
        let shape = self.shape(request);
        let known = || {
            let mut plans = self.plans.lock().unwrap_or_else(PoisonError::into_inner);
            plans.retain(|_, (at, _)| at.elapsed() < PLAN_KEPT);
            plans.get(&shape).map(|(_, plan)| plan.clone())
        };
        if let Some(plan) = known() {
            return plan;
        }
        if !ask {
            return None;
        }
        let Ok(_asking) = self.asking.try_lock() else {
            return None;
        };
        if !self.may_ask() {
            return None;
        }
        let plan = match self.controller.will_start(&shape) {
            Ok(at) => at.map(ClusterPlan::At),
            Err(ExecutorError::Refused(why)) => Some(ClusterPlan::CannotPlan(why)),
            Err(ExecutorError::Unavailable(why)) => {
                tracing::warn!(error = %why, "Slurm gave no plan; estimates use the replay alone for now");
                *self
                    .silent_until
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = Some(Instant::now() + PLAN_KEPT);
                return None;
            }
        };
        self.plans
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(shape, (Instant::now(), plan.clone()));
        plan
    }

    fn submit(&self, job: &RunningJob) -> Result<Submitted, ExecutorError> {
        let name = Self::name_of(job);
        let executor_id = match self.controller.find(&name)? {
            Some(id) => {
                tracing::info!(job = %job.id, slurm_job = %id, "found the job already on Slurm");
                id
            }
            None => self.controller.submit(&self.submission(job)?)?,
        };
        Ok(Submitted {
            executor_id,
            running: false,
        })
    }

    fn observe(&self, job: &RunningJob, _now_ms: i64) -> Result<Observation, ExecutorError> {
        let name = Self::name_of(job);
        // A cluster whose state was reset reuses job ids: only a job of
        // this name is this job.
        let known = self
            .controller
            .job(&job.executor_id)?
            .filter(|slurm_job| slurm_job.name == name);
        let (status, run_seconds) = match known {
            Some(slurm_job) => (
                output::status(&slurm_job, &job.request),
                slurm_job.run_seconds,
            ),
            // Slurm forgets ended jobs after MinJobAge; the portal was away
            // longer than that. What the job wrote is still read.
            None => (
                Observed::Failed {
                    reason: Reason::new(
                        "cluster_forgot",
                        &[("slurm_job", job.executor_id.clone())],
                        format!(
                            "Slurm no longer knows job {} (the portal lost track of it while it was stopped); its output is in {}",
                            job.executor_id,
                            self.output_of(job).display()
                        ),
                    ),
                },
                0,
            ),
        };
        let ended = !matches!(status, Observed::Queued { .. } | Observed::Running);
        let read = output::read_log(&self.output_of(job), job.log_offset, ended).map_err(|e| {
            ExecutorError::Unavailable(format!("cannot read the job's output: {e}"))
        })?;
        let progress = output::progress(&read.lines, job.step, job.total_steps);
        // A job that ended is reported only once its whole log is stored.
        let status = if ended && !read.complete {
            Observed::Running
        } else {
            status
        };
        Ok(Observation {
            status,
            step: progress.step,
            total_steps: progress.total_steps,
            elapsed_hours: run_seconds as f64 / 3600.0,
            logs: read.lines,
            log_offset: read.offset,
            metrics: progress.metrics,
            artifacts: Vec::new(),
        })
    }

    fn cancel(&self, job: &RunningJob) -> Result<(), ExecutorError> {
        if job.executor_id.is_empty() {
            return Ok(());
        }
        self.controller.cancel(&job.executor_id)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use aicc_api::jobs::{ModelRef, Priority};

    use super::*;

    /// A controller whose plans are scripted, keeping the time limits it
    /// was asked about.
    #[derive(Debug)]
    struct Planning {
        answer: fn(&Shape) -> Result<Option<i64>, ExecutorError>,
        asked: Arc<Mutex<Vec<u64>>>,
    }

    impl Controller for Planning {
        fn nodes(&self) -> Result<Vec<Node>, ExecutorError> {
            Ok(Vec::new())
        }
        fn find(&self, _name: &str) -> Result<Option<String>, ExecutorError> {
            Ok(None)
        }
        fn submit(&self, _submission: &Submission) -> Result<String, ExecutorError> {
            Ok("1".into())
        }
        fn will_start(&self, shape: &Shape) -> Result<Option<i64>, ExecutorError> {
            self.asked.lock().unwrap().push(shape.time_limit_minutes);
            (self.answer)(shape)
        }
        fn job(&self, _id: &str) -> Result<Option<SlurmJob>, ExecutorError> {
            Ok(None)
        }
        fn cancel(&self, _id: &str) -> Result<(), ExecutorError> {
            Ok(())
        }
    }

    type Asked = Arc<Mutex<Vec<u64>>>;

    fn slurm(answer: fn(&Shape) -> Result<Option<i64>, ExecutorError>) -> (Slurm, Asked) {
        let asked = Asked::default();
        let slurm = Slurm {
            config: SlurmConfig {
                rest: None,
                output_dir: PathBuf::from("/nonexistent"),
                train_command: PathBuf::from("/nonexistent"),
                gres: default_gres(),
                pools: BTreeMap::new(),
            },
            controller: Box::new(Planning {
                answer,
                asked: Arc::clone(&asked),
            }),
            plans: Mutex::default(),
            asking: Mutex::default(),
            silent_until: Mutex::default(),
            questions: plan_questions(),
            capacity_seen: Mutex::default(),
        };
        (slurm, asked)
    }

    fn request(max_hours: f64) -> JobRequest {
        JobRequest {
            name: "plan me".into(),
            base_model: Some(ModelRef {
                model_id: "resnet50".into(),
                version: None,
            }),
            custom_image: None,
            dataset_uri: "obs://demo/d".into(),
            pool_id: "npu".into(),
            nodes: 1,
            npus_per_node: 2,
            max_hours,
            hyperparameters: Default::default(),
            priority: Priority::Normal,
            note: String::new(),
        }
    }

    #[test]
    fn slurms_plan_is_asked_once_a_while_per_shape_and_a_refusal_is_its_word() {
        let (planned, asked) = slurm(|_| Ok(Some(1_800_000_000_000)));
        // Nothing at hand, and not asked: nothing.
        assert_eq!(planned.planned_start(&request(1.0), false), None);
        assert_eq!(
            planned.planned_start(&request(1.0), true),
            Some(ClusterPlan::At(1_800_000_000_000))
        );
        // The same shape: the plan at hand, asked or not.
        for ask in [false, true] {
            assert_eq!(
                planned.planned_start(&request(1.0), ask),
                Some(ClusterPlan::At(1_800_000_000_000))
            );
        }
        assert_eq!(*asked.lock().unwrap(), [60], "asked once");
        // A job ended (the capacity changed): the plan is asked again.
        *planned.capacity_seen.lock().unwrap() = vec![PoolCapacity {
            id: "npu".into(),
            name: "npu".into(),
            npu_kind: "Ascend".into(),
            nodes: 1,
            npus_per_node: 8,
            free_npus: 8,
        }];
        planned.capacity().unwrap();
        assert_eq!(planned.planned_start(&request(1.0), false), None);

        let (refusing, _) = slurm(|_| {
            Err(ExecutorError::Refused(
                "sbatch failed: Requested node configuration is not available".into(),
            ))
        });
        assert!(matches!(
            refusing.planned_start(&request(1.0), true),
            Some(ClusterPlan::CannotPlan(why)) if why.contains("not available")
        ));

        // A cluster that does not answer is not asked again for a while,
        // about any shape.
        let (silent, asked) = slurm(|_| Err(ExecutorError::Unavailable("Socket timed out".into())));
        assert_eq!(silent.planned_start(&request(1.0), true), None);
        assert_eq!(silent.planned_start(&request(2.0), true), None);
        assert_eq!(asked.lock().unwrap().len(), 1);
    }

    #[test]
    fn an_estimate_asked_while_slurm_is_being_asked_does_without_rather_than_wait() {
        let (planned, asked) = slurm(|_| Ok(Some(1_800_000_000_000)));
        let asking = planned.asking.lock().unwrap();
        assert_eq!(planned.planned_start(&request(1.0), true), None);
        drop(asking);
        assert!(asked.lock().unwrap().is_empty());
        // Nor more than a few questions a second, whoever asks.
        let answered = (1..=10)
            .filter(|hours| {
                planned
                    .planned_start(&request(f64::from(*hours)), true)
                    .is_some()
            })
            .count();
        assert!(
            answered <= PLANS_PER_SECOND as usize + 1,
            "{answered} asked"
        );
    }
}
