//! Executors run what the portal admitted. The portal decides *whether* a
//! job may run and *when* it is released (admission, quota, fairness —
//! `scheduler`); an executor runs it and reports what it sees. `simulated`
//! runs nothing and reports deterministic progress; `slurm` submits a batch
//! job to the center's Slurm cluster, which places it on its nodes.
//!
//! Every method is blocking and is called from the scheduler's blocking
//! thread: a real executor shells out or calls HTTP, and none of it may hold
//! up the async runtime.

use aicc_api::jobs::{Artifact, JobRequest};

pub use super::reason::Reason;

/// A job as an executor needs to know it.
#[derive(Debug, Clone)]
pub struct RunningJob {
    pub id: String,
    /// Whose job it is: the Slurm executor keeps each organisation's
    /// output apart.
    pub organisation_id: i64,
    pub request: JobRequest,
    /// What [`Executor::submit`] returned.
    pub executor_id: String,
    /// When the job started running, unix ms (when it was released, while
    /// the executor still holds it queued).
    pub started_at_ms: i64,
    /// Log lines already stored; `observe` returns the ones after.
    pub log_seq: u64,
    /// Where the stored log ends in the executor's terms (see
    /// [`Observation::log_offset`]).
    pub log_offset: u64,
    /// The last step whose metrics are stored, of how many.
    pub step: u32,
    pub total_steps: u32,
}

/// A job the executor accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct Submitted {
    /// The executor's id for the job, kept with the portal's job.
    pub executor_id: String,
    /// Whether it runs already; if not, the executor queues it and
    /// [`Executor::observe`] says when it starts.
    pub running: bool,
}

/// What an executor sees of a job now.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub status: Observed,
    pub step: u32,
    pub total_steps: u32,
    /// Hours the job has run, as the executor counts them.
    pub elapsed_hours: f64,
    /// New log lines after `RunningJob::log_seq`.
    pub logs: Vec<String>,
    /// Where the log ends after these lines, in the executor's terms; the
    /// next observation gets it back as `RunningJob::log_offset`.
    pub log_offset: u64,
    /// `(step, series, value)` after `RunningJob::step`.
    pub metrics: Vec<(u32, String, f64)>,
    /// Files the job produced, once it succeeded.
    pub artifacts: Vec<Artifact>,
}

/// The state an executor reports.
#[derive(Debug, Clone, PartialEq)]
pub enum Observed {
    /// Accepted but not started; the reason is the executor's.
    Queued {
        reason: Reason,
    },
    Running,
    Succeeded,
    Failed {
        reason: Reason,
    },
    /// Stopped by someone other than the portal (e.g. the cluster's admin).
    Cancelled {
        reason: Reason,
    },
}

/// A pool as the executor's cluster reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolCapacity {
    pub id: String,
    pub name: String,
    pub npu_kind: String,
    pub nodes: u32,
    pub npus_per_node: u32,
    /// NPUs no job holds now, whoever submitted the jobs.
    pub free_npus: u32,
}

/// What the cluster says of a job asked for now.
#[derive(Debug, Clone, PartialEq)]
pub enum ClusterPlan {
    /// It would start it then (unix ms).
    At(i64),
    /// It cannot place it as things stand (e.g. a reservation holds the
    /// nodes), in its words.
    CannotPlan(String),
}

/// Why an executor could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum ExecutorError {
    /// The job cannot run as asked; retrying will not help.
    #[error("{0}")]
    Refused(String),
    /// The executor cannot be reached or answered nonsense now; the portal
    /// retries on its next tick.
    #[error("{0}")]
    Unavailable(String),
}

/// Runs placed jobs.
pub trait Executor: Send + Sync + std::fmt::Debug {
    /// The pools the executor's cluster offers, with what is free now;
    /// `None` when the portal's own pool table is the truth.
    fn capacity(&self) -> Result<Option<Vec<PoolCapacity>>, ExecutorError> {
        Ok(None)
    }
    /// When the cluster, as it stands now, would start `request` if it were
    /// handed over now, every job there running to its limit; `None` when
    /// the executor has no answer (it cannot ask, or the cluster did not
    /// answer). It sees what the portal does not (the cluster's other
    /// users, reservations, nodes down, how NPUs are spread over nodes) and
    /// not what the portal holds back (its own queue). With `ask` false
    /// only an answer already at hand is given: nothing waits on the
    /// cluster.
    fn planned_start(&self, _request: &JobRequest, _ask: bool) -> Option<ClusterPlan> {
        None
    }
    /// Starts a job, or finds the one an earlier attempt started.
    fn submit(&self, job: &RunningJob) -> Result<Submitted, ExecutorError>;
    /// Reports a released job's state and progress at `now_ms`.
    fn observe(&self, job: &RunningJob, now_ms: i64) -> Result<Observation, ExecutorError>;
    /// Stops a job.
    fn cancel(&self, job: &RunningJob) -> Result<(), ExecutorError>;
}
