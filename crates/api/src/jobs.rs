//! Training jobs, the NPU pools they run on, and the organisation's quota.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ReasonCode;

/// The most hyperparameters a job may carry.
pub const MAX_HYPERPARAMETERS: usize = 64;
/// The longest hyperparameter key, in bytes.
pub const MAX_HYPERPARAMETER_KEY: usize = 64;
/// The longest hyperparameter text value, in characters.
pub const MAX_HYPERPARAMETER_TEXT: usize = 1024;
/// The longest container image reference, in characters (a registry host,
/// a repository path and a tag or digest).
pub const MAX_IMAGE: usize = 512;
/// The longest catalog model id or version a request names.
pub const MAX_MODEL_REF: usize = 128;
/// The longest dataset address, in characters.
pub const MAX_DATASET_URI: usize = 2048;
/// The longest note to the center's operators, in characters.
pub const MAX_NOTE: usize = 2000;

/// The shortest a job may ask to run unless the center says otherwise: six
/// minutes. Shorter asks are mistakes (hours typed as days) or attempts to
/// slip under the quota.
pub const MIN_JOB_HOURS: f64 = 0.1;
/// The shortest limit an executor can enforce (Slurm's `--time` counts
/// minutes): no center may set a shorter minimum.
pub const SHORTEST_JOB_HOURS: f64 = 1.0 / 60.0;

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

/// Where training data may come from.
pub const DATASET_SCHEMES: &[&str] = &["obs", "s3", "hdfs", "nfs", "https", "http", "file"];

impl JobRequest {
    /// Checks the request against a pool and the shortest and longest job
    /// allowed: every rule but the catalog and the quota, which need the
    /// center's data.
    pub fn check(
        &self,
        pool: &Pool,
        min_hours: f64,
        max_hours: f64,
    ) -> Result<(), crate::FieldError> {
        let error = |field, code, params: &[(&str, &dyn std::fmt::Display)], message: String| {
            Err(crate::FieldError::new(field, code, params, message))
        };
        if self.name.trim().is_empty() || self.name.chars().count() > 100 {
            return error(
                "name",
                "length",
                &[("least", &1), ("most", &100)],
                "give the job a name of 1 to 100 characters".into(),
            );
        }
        if !crate::applications::is_plain_line(&self.name) {
            return error(
                "name",
                "plain_line",
                &[],
                "write the name on one line, without control or invisible characters".into(),
            );
        }
        match (&self.base_model, &self.custom_image) {
            (Some(model), None)
                if model.model_id.chars().count() > MAX_MODEL_REF
                    || model
                        .version
                        .as_ref()
                        .is_some_and(|v| v.chars().count() > MAX_MODEL_REF) =>
            {
                return error(
                    "base_model",
                    "at_most_characters",
                    &[("most", &MAX_MODEL_REF)],
                    format!("a model id or version is at most {MAX_MODEL_REF} characters"),
                );
            }
            (Some(model), None)
                if !crate::applications::is_plain_line(&model.model_id)
                    || model.version.as_ref().is_some_and(|v| {
                        v.trim().is_empty() || !crate::applications::is_plain_line(v)
                    }) =>
            {
                return error(
                    "base_model",
                    "model_reference",
                    &[],
                    "write the model id and version on one line, without control or invisible characters; leave the version out for the latest".into(),
                );
            }
            (Some(model), None) if !model.model_id.trim().is_empty() => {}
            (None, Some(image)) if image.chars().count() > MAX_IMAGE => {
                return error(
                    "custom_image",
                    "at_most_characters",
                    &[("most", &MAX_IMAGE)],
                    format!("an image reference is at most {MAX_IMAGE} characters"),
                );
            }
            (None, Some(image))
                if !crate::applications::is_plain_line(image)
                    || image.contains(char::is_whitespace) =>
            {
                return error(
                    "custom_image",
                    "image_reference",
                    &[],
                    "an image reference is one word, e.g. swr.cn-north-4.myhuaweicloud.com/team/train:1.0".into(),
                );
            }
            (None, Some(image)) if !image.trim().is_empty() => {}
            _ => {
                return error(
                    "base_model",
                    "model_or_image",
                    &[],
                    "start from a catalog model or a custom image, not both and not neither".into(),
                );
            }
        }
        if self.dataset_uri.chars().count() > MAX_DATASET_URI {
            return error(
                "dataset_uri",
                "at_most_characters",
                &[("most", &MAX_DATASET_URI)],
                format!("a dataset address is at most {MAX_DATASET_URI} characters"),
            );
        }
        if !dataset_uri_is_valid(&self.dataset_uri) {
            return error(
                "dataset_uri",
                "dataset_address",
                &[
                    ("address", &self.dataset_uri),
                    ("schemes", &DATASET_SCHEMES.join(", ")),
                ],
                format!(
                    "\"{}\" is not a dataset address; use one like obs://bucket/path ({})",
                    self.dataset_uri,
                    DATASET_SCHEMES.join(", ")
                ),
            );
        }
        if self.npus_per_node == 0 || self.npus_per_node > pool.npus_per_node {
            return error(
                "npus_per_node",
                "npus_per_node",
                &[("most", &pool.npus_per_node)],
                format!(
                    "a node of this pool has {n} NPUs; ask for 1 to {n}",
                    n = pool.npus_per_node
                ),
            );
        }
        let nodes = pool.total_npus / pool.npus_per_node.max(1);
        if self.nodes == 0 || self.nodes > nodes {
            return error(
                "nodes",
                "nodes",
                &[("most", &nodes)],
                format!("this pool has {nodes} nodes; ask for 1 to {nodes}"),
            );
        }
        let min_hours = min_hours.max(SHORTEST_JOB_HOURS);
        if !(self.max_hours >= min_hours && self.max_hours <= max_hours) {
            return error(
                "max_hours",
                "max_hours",
                &[
                    ("least", &min_hours),
                    ("minutes", &(min_hours * 60.0).round()),
                    ("most", &max_hours),
                ],
                format!(
                    "max hours must be at least {min_hours} ({} minutes) and at most {max_hours}",
                    (min_hours * 60.0).round()
                ),
            );
        }
        if self.hyperparameters.len() > MAX_HYPERPARAMETERS {
            return error(
                "hyperparameters",
                "too_many",
                &[("most", &MAX_HYPERPARAMETERS)],
                format!("at most {MAX_HYPERPARAMETERS} hyperparameters"),
            );
        }
        for (key, value) in &self.hyperparameters {
            if key.trim().is_empty() || key.chars().count() > MAX_HYPERPARAMETER_KEY {
                return error(
                    "hyperparameters",
                    "hyperparameter_name",
                    &[("most", &MAX_HYPERPARAMETER_KEY)],
                    format!("hyperparameter names are 1 to {MAX_HYPERPARAMETER_KEY} characters"),
                );
            }
            if !(value.is_string() || value.is_number() || value.is_boolean()) {
                return error(
                    "hyperparameters",
                    "hyperparameter_value",
                    &[("name", key)],
                    format!("\"{key}\" must be a string, a number or true/false"),
                );
            }
            if value
                .as_str()
                .is_some_and(|text| text.chars().count() > MAX_HYPERPARAMETER_TEXT)
            {
                return error(
                    "hyperparameters",
                    "hyperparameter_text",
                    &[("name", key), ("most", &MAX_HYPERPARAMETER_TEXT)],
                    format!("\"{key}\" is at most {MAX_HYPERPARAMETER_TEXT} characters"),
                );
            }
        }
        if self.note.chars().count() > MAX_NOTE {
            return error(
                "note",
                "at_most_characters",
                &[("most", &MAX_NOTE)],
                format!("keep the note to at most {MAX_NOTE} characters"),
            );
        }
        Ok(())
    }

    /// NPUs the job occupies while it runs.
    pub fn npus(&self) -> u32 {
        self.nodes.saturating_mul(self.npus_per_node)
    }

    /// The job's time limit in whole minutes, as executors enforce it
    /// (Slurm's `--time`): max hours rounded up to the minute.
    pub fn limit_minutes(&self) -> u64 {
        // A checked request is at most a few thousand hours: no overflow.
        (self.max_hours.max(0.0) * 60.0).ceil() as u64
    }

    /// The most NPU-hours the job can use, reserved from the quota when it
    /// is admitted: NPUs × its time limit.
    pub fn max_npu_hours(&self) -> f64 {
        f64::from(self.npus()) * self.limit_minutes() as f64 / 60.0
    }
}

/// Whether a dataset address names a store and a path: `obs://bucket/path`,
/// `s3://…`, `https://…`, or `file:///absolute/path`.
pub fn dataset_uri_is_valid(uri: &str) -> bool {
    let Some((scheme, rest)) = uri.split_once("://") else {
        return false;
    };
    // file:///mnt/data names an absolute path; every other scheme a host or bucket.
    let path_ok = if scheme == "file" {
        rest.starts_with('/')
    } else {
        !rest.starts_with('/')
    };
    DATASET_SCHEMES.contains(&scheme)
        && rest.len() > 1
        && path_ok
        && !uri.chars().any(char::is_whitespace)
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

impl Priority {
    /// Every priority, lowest first.
    pub const ALL: [Priority; 3] = [Priority::Low, Priority::Normal, Priority::High];
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
    /// Every state, in the order of a job's life.
    pub const ALL: [JobState; 8] = [
        JobState::Submitted,
        JobState::Rejected,
        JobState::Queued,
        JobState::Running,
        JobState::Cancelling,
        JobState::Succeeded,
        JobState::Failed,
        JobState::Cancelled,
    ];

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
        Self::ALL.into_iter().find(|state| state.as_str() == s)
    }

    /// Whether the job has ended for good: what "ended" means everywhere
    /// (its end time, its log closed, the partner told, the UI's live
    /// parts stopped). A rejected job has ended too.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            JobState::Rejected | JobState::Succeeded | JobState::Failed | JobState::Cancelled
        )
    }

    /// Whether the partner may still ask to cancel the job: before it has
    /// ended and while it is not already being cancelled.
    pub fn may_be_cancelled(self) -> bool {
        matches!(
            self,
            JobState::Submitted | JobState::Queued | JobState::Running
        )
    }

    /// How the job stands or ended, as the jobs list groups them.
    pub fn outcome(self) -> JobOutcome {
        match self {
            JobState::Succeeded => JobOutcome::Succeeded,
            state if state.is_final() => JobOutcome::Failed,
            _ => JobOutcome::Active,
        }
    }
}

/// How a job stands or ended: the jobs list's filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum JobOutcome {
    /// Not ended yet.
    Active,
    Succeeded,
    /// Ended without succeeding: failed, cancelled or rejected.
    Failed,
}

impl JobOutcome {
    /// Every outcome, in the order the list offers them.
    pub const ALL: [JobOutcome; 3] = [
        JobOutcome::Active,
        JobOutcome::Succeeded,
        JobOutcome::Failed,
    ];
}

/// A job as the partner sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Job {
    pub id: String,
    pub request: JobRequest,
    pub state: JobState,
    /// Why the job is in its state: the queue reason, the failure cause,
    /// in the center's English words.
    pub reason: Option<String>,
    /// The same reason as a code the app words in its user's language.
    pub reason_code: Option<ReasonCode>,
    /// Training progress, when running or ended.
    pub step: u32,
    pub total_steps: u32,
    /// NPU-hours charged so far.
    pub npu_hours_used: f64,
    /// The part of `npu_hours_used` paid by granted credits, by grant;
    /// the rest came from the quota.
    #[serde(default)]
    pub credits_used: Vec<CreditCharge>,
    /// RFC 3339: since when the center cannot tell the job's state because
    /// its cluster does not answer; absent while it can.
    #[serde(default)]
    pub unknown_since: Option<String>,
    /// When the center expected it to start, as it said when the job was
    /// submitted; absent for jobs from before estimates.
    #[serde(default)]
    pub estimated_start: Option<StartWindow>,
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
    pub reason_code: Option<ReasonCode>,
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

/// When a job asked for now would start: `POST /v1/jobs/estimate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StartEstimate {
    /// Whether the center would take it now (the rules of submission).
    pub admissible: bool,
    /// Why not, when it would not: as submission would refuse it.
    pub refusal: Option<NotAdmissible>,
    /// When it would start, if it were sent now; `None` when refused.
    pub start: Option<StartWindow>,
    /// Queued jobs that would start before it.
    pub jobs_ahead: u32,
    /// What the start comes from.
    pub source: EstimateSource,
    /// RFC 3339.
    pub estimated_at: String,
}

/// What a start estimate comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EstimateSource {
    /// The center's scheduler replayed over its queue, jobs ending as its
    /// history says they do.
    Replay,
    /// The cluster's own answer (Slurm's `sbatch --test-only`): it cannot
    /// place the job as things stand (e.g. a reservation holds the nodes).
    Cluster,
    /// Both: the replay, with the cluster's other users' work ending when
    /// the cluster says, and the start no earlier than the cluster allows.
    ReplayAndCluster,
}

/// Why the center would not take a job now, as submission would say it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotAdmissible {
    /// The error code submission would answer, e.g. `quota_exceeded`.
    pub code: String,
    /// The request's field at fault, if one is.
    pub field: Option<String>,
    pub message: String,
    /// The same as `message`, as a code the app words.
    #[serde(default)]
    pub reason: Option<ReasonCode>,
}

/// A start: as likely as not by `p50`, nine times in ten by `p90`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StartWindow {
    /// It would start at once.
    pub now: bool,
    /// RFC 3339.
    pub p50: String,
    /// RFC 3339.
    pub p90: String,
}

/// How good a pool's estimates have been: `GET /v1/pools/{id}/estimates`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EstimateCalibration {
    pub pool_id: String,
    /// Jobs given an estimate when submitted that have started since.
    pub jobs: u32,
    /// The share of them that started by their `p90`.
    pub started_inside_p90: f64,
    /// The median of |start − p50|, in seconds.
    pub median_error_secs: f64,
}

/// How a pool's free NPUs and queue moved over the last hours:
/// `GET /v1/pools/history`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PoolHistory {
    pub pool_id: String,
    /// Oldest first.
    pub samples: Vec<PoolSample>,
}

/// A pool as it stood at one moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PoolSample {
    /// RFC 3339.
    pub at: String,
    pub free_npus: u32,
    pub queued_jobs: u32,
}

/// The most hours of history `GET /v1/pools/history` gives, and keeps.
pub const POOL_HISTORY_HOURS: u32 = 48;

/// NPU-hours below this are none: a grant spent by many small charges
/// adds up to a hair under what it gave.
pub const NEGLIGIBLE_NPU_HOURS: f64 = 1e-6;

/// NPU-hours added up: 0 when there are none (an `f64` sum of nothing is
/// −0, which the UI would write "-0").
pub fn total_npu_hours(hours: impl IntoIterator<Item = f64>) -> f64 {
    hours.into_iter().fold(0.0, |total, h| total + h)
}

/// NPU-hours a job spent of one credit grant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreditCharge {
    pub credit_id: String,
    pub npu_hours: f64,
}

/// The organisation's NPU-hour quota: `GET /v1/quota`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Quota {
    pub npu_hours_total: f64,
    /// Charged to the quota for jobs that ran (what credits paid is not).
    pub npu_hours_used: f64,
    /// Held from the quota for queued and running jobs at their maximum,
    /// beyond what credits hold for them.
    pub npu_hours_reserved: f64,
    /// The quota's own NPU-hours left. Below zero when it is overdrawn:
    /// hours a job ran after the credits paying for it expired fall to the
    /// quota, which may not have had them.
    pub npu_hours_remaining: f64,
    /// The longest a job may run.
    pub max_job_hours: f64,
    /// The shortest a job may ask to run.
    #[serde(default = "min_job_hours")]
    pub min_job_hours: f64,
    /// Granted credits (`incubation::Credit`) not expired, not spent and
    /// not held for jobs not ended: spent before the quota.
    #[serde(default)]
    pub credit_npu_hours_left: f64,
}

impl Quota {
    /// What a new request may use: the credits left, then the quota's.
    pub fn available(&self) -> f64 {
        self.credit_npu_hours_left.max(0.0) + self.npu_hours_remaining.max(0.0)
    }
}

fn min_job_hours() -> f64 {
    MIN_JOB_HOURS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dataset_uris_must_name_a_store_and_a_path() {
        for good in [
            "obs://demo/data",
            "s3://bucket/prefix/",
            "https://data.example.cn/set.tar",
            "file:///mnt/data",
        ] {
            assert!(dataset_uri_is_valid(good), "{good}");
        }
        for bad in [
            "",
            "demo/data",
            "ftp://x/y",
            "obs://",
            "obs:///abs",
            "obs://a b",
            "file://relative",
        ] {
            assert!(!dataset_uri_is_valid(bad), "{bad}");
        }
    }

    fn pool() -> Pool {
        Pool {
            id: "a2".into(),
            name: "A2".into(),
            npu_kind: "Ascend 910B".into(),
            npus_per_node: 8,
            total_npus: 64,
            free_npus: 64,
            queued_jobs: 0,
        }
    }

    #[test]
    fn a_request_is_checked_against_its_pool_and_names_the_field() {
        let pool = pool();
        let mut request = JobRequest {
            name: "lora".into(),
            base_model: Some(ModelRef {
                model_id: "qwen3-32b".into(),
                version: None,
            }),
            custom_image: None,
            dataset_uri: "obs://demo/data".into(),
            pool_id: "a2".into(),
            nodes: 2,
            npus_per_node: 8,
            max_hours: 4.0,
            hyperparameters: BTreeMap::from([("lr".into(), serde_json::json!(1e-4))]),
            priority: Priority::Normal,
            note: String::new(),
        };
        assert_eq!(request.check(&pool, MIN_JOB_HOURS, 720.0), Ok(()));
        assert_eq!(request.max_npu_hours(), 64.0);
        request.nodes = 9;
        assert_eq!(
            request
                .check(&pool, MIN_JOB_HOURS, 720.0)
                .unwrap_err()
                .field,
            "nodes"
        );
        request.nodes = 2;
        request
            .hyperparameters
            .insert("layers".into(), serde_json::json!([1, 2]));
        assert_eq!(
            request
                .check(&pool, MIN_JOB_HOURS, 720.0)
                .unwrap_err()
                .field,
            "hyperparameters"
        );
    }

    #[test]
    fn a_model_version_or_image_is_one_plain_word() {
        let pool = pool();
        let request = |base_model: Option<ModelRef>, custom_image: Option<&str>| JobRequest {
            name: "lora".into(),
            base_model,
            custom_image: custom_image.map(str::to_owned),
            dataset_uri: "obs://demo/data".into(),
            pool_id: "a2".into(),
            nodes: 1,
            npus_per_node: 8,
            max_hours: 1.0,
            hyperparameters: BTreeMap::new(),
            priority: Priority::Normal,
            note: String::new(),
        };
        let version = |v: &str| {
            Some(ModelRef {
                model_id: "resnet50".into(),
                version: Some(v.into()),
            })
        };
        let field = |r: JobRequest| r.check(&pool, MIN_JOB_HOURS, 720.0).map_err(|e| e.field);
        assert_eq!(field(request(version("r1.8"), None)), Ok(()));
        assert_eq!(field(request(version(""), None)), Err("base_model"));
        assert_eq!(field(request(version("r1\u{1}"), None)), Err("base_model"));
        assert_eq!(
            field(request(None, Some("swr.example.cn/t/train:1.0"))),
            Ok(())
        );
        assert_eq!(field(request(None, Some("bad image"))), Err("custom_image"));
        assert_eq!(field(request(None, Some("bad\u{1}"))), Err("custom_image"));
    }

    #[test]
    fn every_text_a_partner_sends_with_a_job_has_a_length_limit() {
        let pool = pool();
        let request = JobRequest {
            name: "long".into(),
            base_model: None,
            custom_image: Some("registry.example.cn/train:1".into()),
            dataset_uri: "obs://demo/data".into(),
            pool_id: "a2".into(),
            nodes: 1,
            npus_per_node: 8,
            max_hours: 1.0,
            hyperparameters: BTreeMap::new(),
            priority: Priority::Normal,
            note: String::new(),
        };
        assert_eq!(request.check(&pool, MIN_JOB_HOURS, 720.0), Ok(()));
        let too_long = |change: JobRequest| {
            change
                .check(&pool, MIN_JOB_HOURS, 720.0)
                .map_err(|e| e.field)
                .expect_err("a text beyond its limit is refused")
        };
        let mut note = request.clone();
        note.note = "注".repeat(MAX_NOTE + 1);
        assert_eq!(too_long(note), "note");
        let mut image = request.clone();
        image.custom_image = Some(format!("registry.example.cn/{}", "a".repeat(MAX_IMAGE)));
        assert_eq!(too_long(image), "custom_image");
        let mut dataset = request.clone();
        dataset.dataset_uri = format!("obs://demo/{}", "d".repeat(MAX_DATASET_URI));
        assert_eq!(too_long(dataset), "dataset_uri");
        let mut value = request.clone();
        value.hyperparameters.insert(
            "prompt".into(),
            serde_json::json!("p".repeat(MAX_HYPERPARAMETER_TEXT + 1)),
        );
        assert_eq!(too_long(value), "hyperparameters");
        let mut at_limits = request;
        at_limits.note = "注".repeat(MAX_NOTE);
        at_limits.hyperparameters.insert(
            "prompt".into(),
            serde_json::json!("p".repeat(MAX_HYPERPARAMETER_TEXT)),
        );
        assert_eq!(at_limits.check(&pool, MIN_JOB_HOURS, 720.0), Ok(()));
    }

    #[test]
    fn a_job_asks_for_at_least_six_minutes_and_is_charged_for_whole_minutes() {
        let pool = pool();
        let mut request = JobRequest {
            name: "tiny".into(),
            base_model: None,
            custom_image: Some("registry.example.cn/train:1".into()),
            dataset_uri: "obs://demo/data".into(),
            pool_id: "a2".into(),
            nodes: 8,
            npus_per_node: 8,
            max_hours: 1e-12,
            hyperparameters: BTreeMap::new(),
            priority: Priority::Normal,
            note: String::new(),
        };
        for tiny in [1e-12, 0.05, f64::NAN, -1.0] {
            request.max_hours = tiny;
            assert_eq!(
                request
                    .check(&pool, MIN_JOB_HOURS, 720.0)
                    .unwrap_err()
                    .field,
                "max_hours"
            );
        }
        request.max_hours = MIN_JOB_HOURS;
        assert_eq!(request.check(&pool, MIN_JOB_HOURS, 720.0), Ok(()));
        assert_eq!(request.limit_minutes(), 6);
        // 0.101 h is 6.06 minutes: the executor allows 7, and 7 are reserved.
        request.max_hours = 0.101;
        assert_eq!(request.limit_minutes(), 7);
        assert!((request.max_npu_hours() - 64.0 * 7.0 / 60.0).abs() < 1e-9);
    }

    #[test]
    fn job_states_round_trip_and_only_ends_are_final() {
        use JobState::*;
        for state in JobState::ALL {
            assert_eq!(JobState::parse(state.as_str()), Some(state));
            assert_eq!(serde_json::to_value(state).unwrap(), state.as_str());
        }
        assert!(Succeeded.is_final() && Failed.is_final() && Cancelled.is_final());
        assert!(Rejected.is_final() && !Submitted.is_final());
        assert!(!Running.is_final() && !Cancelling.is_final() && !Queued.is_final());
    }

    #[test]
    fn a_job_has_succeeded_failed_or_is_still_active() {
        use JobState::*;
        let of = |outcome| -> Vec<JobState> {
            JobState::ALL
                .into_iter()
                .filter(|s| s.outcome() == outcome)
                .collect()
        };
        assert_eq!(
            of(JobOutcome::Active),
            [Submitted, Queued, Running, Cancelling]
        );
        assert_eq!(of(JobOutcome::Succeeded), [Succeeded]);
        assert_eq!(of(JobOutcome::Failed), [Rejected, Failed, Cancelled]);
    }
}
