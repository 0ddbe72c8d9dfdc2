//! Executors run what the scheduler placed. The portal decides *whether* and
//! *where* a job runs (admission, quota, fairness — `scheduler`); an
//! executor only runs it and reports what it sees. `simulated` runs nothing
//! and reports deterministic progress; a Slurm executor would submit a batch
//! job and read its state and output.
//!
//! Every method is blocking and is called from the scheduler's blocking
//! thread: a real executor shells out or calls HTTP, and none of it may hold
//! up the async runtime.

use aicc_api::jobs::{Artifact, JobRequest};

/// A job as an executor needs to know it.
#[derive(Debug, Clone)]
pub struct RunningJob {
    pub id: String,
    pub request: JobRequest,
    /// What [`Executor::submit`] returned.
    pub executor_id: String,
    /// When the executor accepted the job, unix ms.
    pub started_at_ms: i64,
    /// Log lines already stored; `observe` returns the ones after.
    pub log_seq: u64,
    /// The last step whose metrics are stored.
    pub step: u32,
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
    /// `(step, series, value)` after `RunningJob::step`.
    pub metrics: Vec<(u32, &'static str, f64)>,
    /// Files the job produced, once it succeeded.
    pub artifacts: Vec<Artifact>,
}

/// The state an executor reports.
#[derive(Debug, Clone, PartialEq)]
pub enum Observed {
    Running,
    Succeeded,
    Failed { reason: String },
}

/// Why an executor could not do what was asked.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ExecutorError(pub String);

/// Runs placed jobs.
pub trait Executor: Send + Sync + std::fmt::Debug {
    /// Starts a job; returns the executor's id for it.
    fn submit(&self, job: &RunningJob) -> Result<String, ExecutorError>;
    /// Reports a running job's progress at `now_ms`.
    fn observe(&self, job: &RunningJob, now_ms: i64) -> Result<Observation, ExecutorError>;
    /// Stops a job.
    fn cancel(&self, job: &RunningJob) -> Result<(), ExecutorError>;
}
