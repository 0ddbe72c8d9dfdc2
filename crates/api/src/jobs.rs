//! Training jobs, the NPU pools they run on, and the organisation's quota.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The most hyperparameters a job may carry.
pub const MAX_HYPERPARAMETERS: usize = 64;
/// The longest hyperparameter key, in bytes.
pub const MAX_HYPERPARAMETER_KEY: usize = 64;

/// What a partner asks for: `POST /v1/jobs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobRequest {
    pub name: String,
    /// A catalog model to start from, or none with a custom image.
    pub base_model: Option<ModelRef>,
    /// A container image to run instead of a catalog model.
    pub custom_image: Option<String>,
    /// Where the training data is, e.g. `obs://bucket/data` or `s3://…`.
    pub dataset_uri: String,
    pub pool_id: String,
    pub nodes: u32,
    pub npus_per_node: u32,
    /// The job is stopped after this many hours.
    pub max_hours: f64,
    /// Key → scalar value (string, number or boolean).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "Record<string, string | number | boolean>"))]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub hyperparameters: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    pub priority: Priority,
    #[serde(default)]
    pub note: String,
}

impl JobRequest {
    /// NPUs the job occupies while it runs.
    pub fn npus(&self) -> u32 {
        self.nodes.saturating_mul(self.npus_per_node)
    }

    /// The most NPU-hours the job can use: NPUs × max hours.
    pub fn max_npu_hours(&self) -> f64 {
        f64::from(self.npus()) * self.max_hours
    }
}

/// A catalog model and version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModelRef {
    pub model_id: String,
    pub version: Option<String>,
}

/// How urgently the partner needs the job; the scheduler orders within an
/// organisation by it, never across organisations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    #[default]
    Normal,
    High,
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Submitted,
    Rejected,
    Queued,
    Running,
    Cancelling,
    Succeeded,
    Failed,
    Cancelled,
}

impl JobState {
    /// The name stored and sent on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Submitted => "submitted",
            JobState::Rejected => "rejected",
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Cancelling => "cancelling",
            JobState::Succeeded => "succeeded",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
        }
    }

    /// The inverse of [`JobState::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        use JobState::*;
        [
            Submitted, Rejected, Queued, Running, Cancelling, Succeeded, Failed, Cancelled,
        ]
        .into_iter()
        .find(|state| state.as_str() == s)
    }

    /// Whether the job has ended for good.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            JobState::Rejected | JobState::Succeeded | JobState::Failed | JobState::Cancelled
        )
    }
}

/// A job as the partner sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Job {
    pub id: String,
    pub request: JobRequest,
    pub state: JobState,
    /// Why the job is in its state: the queue reason, the failure cause.
    pub reason: Option<String>,
    /// Training progress, when running or ended.
    pub step: u32,
    pub total_steps: u32,
    /// NPU-hours charged so far.
    pub npu_hours_used: f64,
    pub submitted_by: String,
    /// Every state the job went through, oldest first.
    pub timeline: Vec<JobTransition>,
    pub artifacts: Vec<Artifact>,
    /// RFC 3339.
    pub created_at: String,
    pub updated_at: String,
}

/// One state change of a job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobTransition {
    pub state: JobState,
    pub at: String,
    pub reason: Option<String>,
}

/// A file a finished job produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Artifact {
    pub name: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size_bytes: u64,
    pub uri: String,
}

/// `GET /v1/jobs/{id}/logs?after=SEQ&limit=N`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogPage {
    pub lines: Vec<LogLine>,
    /// Send as `after` to follow the log.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub next: u64,
    /// Whether the job can still write more lines.
    pub open: bool,
}

/// One line of a job's log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogLine {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub seq: u64,
    pub at: String,
    pub text: String,
}

/// `GET /v1/jobs/{id}/metrics`: named series over training steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MetricSeries {
    /// e.g. `loss`, `accuracy`, `throughput`.
    pub name: String,
    pub steps: Vec<u32>,
    pub values: Vec<f64>,
}

/// A pool of NPUs as partners see it: `GET /v1/pools`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pool {
    pub id: String,
    pub name: String,
    /// e.g. "Ascend 910B".
    pub npu_kind: String,
    /// The flavour: NPUs in one node; a job asks for whole nodes of it.
    pub npus_per_node: u32,
    pub total_npus: u32,
    pub free_npus: u32,
    pub queued_jobs: u32,
}

/// The organisation's NPU-hour quota: `GET /v1/quota`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Quota {
    pub npu_hours_total: f64,
    /// Charged for jobs that ran.
    pub npu_hours_used: f64,
    /// Held for queued and running jobs at their maximum.
    pub npu_hours_reserved: f64,
    /// What a new request may still use.
    pub npu_hours_remaining: f64,
    /// The longest a job may run.
    pub max_job_hours: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_states_round_trip_and_only_ends_are_final() {
        use JobState::*;
        for state in [
            Submitted, Rejected, Queued, Running, Cancelling, Succeeded, Failed, Cancelled,
        ] {
            assert_eq!(JobState::parse(state.as_str()), Some(state));
            assert_eq!(serde_json::to_value(state).unwrap(), state.as_str());
        }
        assert!(Succeeded.is_final() && Failed.is_final() && Cancelled.is_final());
        assert!(!Running.is_final() && !Cancelling.is_final() && !Queued.is_final());
    }
}
