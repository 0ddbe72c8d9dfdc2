//! The simulated executor: no NPU is touched, but a job progresses as a real
//! training run would look — set-up lines, `step=… loss=… accuracy=…` log
//! lines, falling loss and rising accuracy curves, artifacts at the end —
//! on a configurable time scale, with a configurable share of failures.
//!
//! Everything is a pure function of the job and the time since it started,
//! so a portal restart loses nothing: a running job simply resumes where the
//! clock says it is.

use aicc_api::jobs::Artifact;

use super::executor::{
    Executor, ExecutorError, Observation, Observed, Reason, RunningJob, Submitted,
};

/// Steps in every simulated run.
const TOTAL_STEPS: u32 = 200;
/// A log line every this many steps.
const LOG_EVERY: u32 = 10;
/// The share of its hours a job runs, drawn per job between these: real
/// jobs end before their limits, by how much varies.
const SHARE_OF_MAX_HOURS: (f64, f64) = (0.2, 0.95);

/// Simulated execution.
#[derive(Debug, Clone)]
pub struct Simulated {
    /// Simulated seconds per real second.
    pub time_scale: f64,
    /// The share of jobs that fail, chosen per job by its id.
    pub failure_rate: f64,
}

impl Simulated {
    fn plan(&self, job: &RunningJob) -> Plan {
        let seed = fnv1a(job.id.as_bytes());
        let fails = unit(seed, 0) < self.failure_rate;
        Plan {
            seed,
            hours: job.request.max_hours
                * (SHARE_OF_MAX_HOURS.0
                    + (SHARE_OF_MAX_HOURS.1 - SHARE_OF_MAX_HOURS.0) * unit(seed, 3)),
            fail_at: fails.then_some(TOTAL_STEPS * 3 / 5),
        }
    }

    fn log_lines(
        &self,
        job: &RunningJob,
        plan: &Plan,
        step: u32,
        status: &Observed,
    ) -> Vec<String> {
        let request = &job.request;
        let base = request.base_model.as_ref().map_or_else(
            || format!("image {}", request.custom_image.as_deref().unwrap_or("?")),
            |m| {
                format!(
                    "model {} {}",
                    m.model_id,
                    m.version.as_deref().unwrap_or("latest")
                )
            },
        );
        let mut lines = vec![
            format!(
                "Allocated {} node(s) x {} NPU(s) on pool {}",
                request.nodes, request.npus_per_node, request.pool_id
            ),
            format!("Loading {base}"),
            format!("Reading dataset {}", request.dataset_uri),
            format!("Training for {TOTAL_STEPS} steps"),
        ];
        let mut s = LOG_EVERY;
        while s <= step {
            let (loss, accuracy) = curves(plan.seed, s);
            let throughput = throughput(plan.seed, s, request.npus());
            lines.push(format!(
                "step={s} loss={loss:.4} accuracy={accuracy:.4} throughput={throughput:.1}"
            ));
            s += LOG_EVERY;
        }
        match status {
            Observed::Queued { .. } | Observed::Running => {}
            Observed::Succeeded => {
                lines.push(format!("Training finished after {TOTAL_STEPS} steps"));
                lines.push("Saved checkpoint output/model.ckpt".to_owned());
            }
            Observed::Failed { reason } | Observed::Cancelled { reason } => {
                lines.push(format!("ERROR: {reason}"));
            }
        }
        lines
    }
}

struct Plan {
    seed: u64,
    hours: f64,
    fail_at: Option<u32>,
}

impl Executor for Simulated {
    fn submit(&self, job: &RunningJob) -> Result<Submitted, ExecutorError> {
        Ok(Submitted {
            executor_id: format!("sim-{}", job.id),
            running: true,
        })
    }

    fn observe(&self, job: &RunningJob, now_ms: i64) -> Result<Observation, ExecutorError> {
        let plan = self.plan(job);
        let elapsed_hours =
            ((now_ms - job.started_at_ms).max(0) as f64 / 1000.0) * self.time_scale / 3600.0;
        let progress = if plan.hours > 0.0 {
            (elapsed_hours / plan.hours).min(1.0)
        } else {
            1.0
        };
        let mut step = (progress * f64::from(TOTAL_STEPS)).floor() as u32;
        let status = match plan.fail_at {
            Some(at) if step >= at => {
                step = at;
                Observed::Failed {
                    reason: Reason::new(
                        "npu_out_of_memory",
                        &[("step", at.to_string())],
                        format!(
                            "process exited with code 1: NPU out of memory (HBM) at step {at}; \
                             lower the batch size or use more NPUs"
                        ),
                    ),
                }
            }
            _ if step >= TOTAL_STEPS => Observed::Succeeded,
            _ => Observed::Running,
        };
        let used_hours = match plan.fail_at {
            Some(at) if step >= at => plan.hours * f64::from(at) / f64::from(TOTAL_STEPS),
            _ => elapsed_hours.min(plan.hours),
        };
        let logs = self
            .log_lines(job, &plan, step, &status)
            .into_iter()
            .skip(job.log_seq as usize)
            .collect();
        let mut metrics = Vec::new();
        for s in (job.step + 1)..=step {
            if s % 5 == 0 {
                let (loss, accuracy) = curves(plan.seed, s);
                metrics.push((s, "loss".to_owned(), loss));
                metrics.push((s, "accuracy".to_owned(), accuracy));
                metrics.push((
                    s,
                    "throughput".to_owned(),
                    throughput(plan.seed, s, job.request.npus()),
                ));
            }
        }
        let artifacts = if status == Observed::Succeeded {
            let uri = |name: &str| format!("obs://aicc-artifacts/{}/{name}", job.id);
            vec![
                Artifact {
                    name: "model.ckpt".into(),
                    size_bytes: 512 * 1024 * 1024 + (plan.seed % (256 * 1024 * 1024)),
                    uri: uri("model.ckpt"),
                },
                Artifact {
                    name: "metrics.json".into(),
                    size_bytes: 24 * 1024,
                    uri: uri("metrics.json"),
                },
            ]
        } else {
            Vec::new()
        };
        Ok(Observation {
            status,
            step,
            total_steps: TOTAL_STEPS,
            elapsed_hours: used_hours,
            logs,
            log_offset: 0,
            metrics,
            artifacts,
        })
    }

    fn cancel(&self, _job: &RunningJob) -> Result<(), ExecutorError> {
        Ok(())
    }
}

/// Loss falls and accuracy rises with some noise, the same for a job every time.
fn curves(seed: u64, step: u32) -> (f64, f64) {
    let p = f64::from(step) / f64::from(TOTAL_STEPS);
    let noise = (unit(seed, u64::from(step)) - 0.5) * 0.04;
    let loss = 2.3 * (-3.2 * p).exp() + 0.12 + noise;
    let accuracy = (0.93 * (1.0 - (-4.0 * p).exp()) + noise / 2.0).clamp(0.0, 1.0);
    (loss, accuracy)
}

fn throughput(seed: u64, step: u32, npus: u32) -> f64 {
    f64::from(npus) * (410.0 + 30.0 * unit(seed, u64::from(step) + 7919))
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A number in [0, 1) from a seed and a counter (splitmix64).
fn unit(seed: u64, n: u64) -> f64 {
    let mut z = seed.wrapping_add(n.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use aicc_api::jobs::{JobRequest, ModelRef, Priority};

    fn job(id: &str, max_hours: f64) -> RunningJob {
        RunningJob {
            id: id.into(),
            request: JobRequest {
                name: "fine-tune".into(),
                base_model: Some(ModelRef {
                    model_id: "qwen3-32b".into(),
                    version: None,
                }),
                custom_image: None,
                dataset_uri: "obs://demo/data".into(),
                pool_id: "atlas-800t-a2".into(),
                nodes: 2,
                npus_per_node: 8,
                max_hours,
                hyperparameters: Default::default(),
                priority: Priority::Normal,
                note: String::new(),
            },
            organisation_id: 1,
            executor_id: "sim".into(),
            started_at_ms: 0,
            log_seq: 0,
            log_offset: 0,
            step: 0,
            total_steps: 0,
        }
    }

    #[test]
    fn a_two_hour_job_finishes_within_a_minute_at_the_demo_scale_before_its_limit() {
        let sim = Simulated {
            time_scale: 120.0,
            failure_rate: 0.0,
        };
        let mut ran = Vec::new();
        for id in ["job_a", "job_b", "job_c", "job_d", "job_e", "job_f"] {
            let job = job(id, 2.0);
            let plan = sim.plan(&job);
            let (low, high) = SHARE_OF_MAX_HOURS;
            assert!(
                plan.hours >= 2.0 * low && plan.hours <= 2.0 * high,
                "{}",
                plan.hours
            );
            // Halfway through its run, and at a minute (two simulated hours).
            let halfway_ms = (plan.hours / 2.0 * 3600.0 / 120.0 * 1000.0).ceil() as i64 + 1;
            let halfway = sim.observe(&job, halfway_ms).unwrap();
            assert_eq!(halfway.status, Observed::Running);
            assert_eq!(halfway.step, 100);
            let done = sim.observe(&job, 60_000).unwrap();
            assert_eq!(done.status, Observed::Succeeded);
            assert_eq!(done.artifacts.len(), 2);
            assert!((done.elapsed_hours - plan.hours).abs() < 1e-9);
            ran.push(plan.hours);
        }
        ran.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
        assert!(ran.len() > 1, "runtimes differ from job to job: {ran:?}");
    }

    #[test]
    fn progress_is_deterministic_and_incremental() {
        let sim = Simulated {
            time_scale: 120.0,
            failure_rate: 0.0,
        };
        let mut job = job("job_b", 2.0);
        let first = sim.observe(&job, 10_000).unwrap();
        assert_eq!(first, sim.observe(&job, 10_000).unwrap());
        job.log_seq = first.logs.len() as u64;
        job.step = first.step;
        let later = sim.observe(&job, 20_000).unwrap();
        assert!(later.logs.iter().all(|l| !first.logs.contains(l)));
        assert!(later.metrics.iter().all(|(s, _, _)| *s > first.step));
        let line = later.logs.iter().find(|l| l.starts_with("step=")).unwrap();
        assert!(
            line.contains(" loss=") && line.contains(" accuracy="),
            "{line}"
        );
        let losses: Vec<f64> = later
            .metrics
            .iter()
            .filter(|m| m.1 == "loss")
            .map(|m| m.2)
            .collect();
        assert!(losses.first() > losses.last(), "loss falls: {losses:?}");
    }

    #[test]
    fn with_failure_rate_one_every_job_fails_partway_with_a_reason() {
        let sim = Simulated {
            time_scale: 120.0,
            failure_rate: 1.0,
        };
        let seen = sim.observe(&job("job_c", 2.0), 60_000).unwrap();
        assert!(matches!(seen.status, Observed::Failed { .. }));
        assert_eq!(seen.step, 120);
        assert!(seen.logs.last().unwrap().starts_with("ERROR:"));
        assert!(seen.artifacts.is_empty());
    }
}
