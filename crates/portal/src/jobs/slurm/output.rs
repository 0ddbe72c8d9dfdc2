//! What the Slurm executor makes of Slurm's answers and of a job's output:
//! the batch script, pools from nodes, states, the log as it grows, and
//! metrics in its lines. Pure functions, tested without a cluster.

use std::collections::BTreeMap;
use std::io::{Read as _, Seek as _, SeekFrom};
use std::path::Path;

use aicc_api::jobs::JobRequest;

use super::{Node, PoolLabel, SlurmJob};
use crate::jobs::executor::{ExecutorError, Observed, PoolCapacity, Reason, RunningJob};

/// The most log read in one observation; the rest comes on the next tick.
const READ_AT_MOST: u64 = 1024 * 1024;

/// The batch script for a job: every value quoted for the shell.
pub(super) fn script(job: &RunningJob, train_command: &Path) -> Result<String, ExecutorError> {
    let request = &job.request;
    let mut args: Vec<String> = vec![train_command.display().to_string()];
    match &request.base_model {
        Some(model) => {
            args.extend(["--model".to_owned(), model.model_id.clone()]);
            if let Some(version) = &model.version {
                args.extend(["--model-version".to_owned(), version.clone()]);
            }
        }
        None => {
            if let Some(image) = &request.custom_image {
                args.extend(["--image".to_owned(), image.clone()]);
            }
        }
    }
    args.extend(["--dataset".to_owned(), request.dataset_uri.clone()]);
    for (key, value) in &request.hyperparameters {
        let value = match value {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        args.extend(["--hyperparameter".to_owned(), format!("{key}={value}")]);
    }
    let quote = |s: &str| {
        shlex::try_quote(s).map(|q| q.into_owned()).map_err(|_| {
            ExecutorError::Refused(format!(
                "the request cannot be passed to Slurm: {s:?} contains a NUL character"
            ))
        })
    };
    let command = args
        .iter()
        .map(|a| quote(a))
        .collect::<Result<Vec<_>, _>>()?;
    let launcher = if request.nodes > 1 {
        "srun --ntasks-per-node=1 "
    } else {
        ""
    };
    Ok(format!(
        "#!/bin/bash\n\
         # AICC training job {id}: {name}\n\
         set -euo pipefail\n\
         export AICC_JOB_ID={id_q}\n\
         export AICC_NODES={nodes}\n\
         export AICC_NPUS_PER_NODE={npus}\n\
         exec {launcher}{command}\n",
        id = job.id,
        name = request.name.replace('\n', " "),
        id_q = quote(&job.id)?,
        nodes = request.nodes,
        npus = request.npus_per_node,
        command = command.join(" "),
    ))
}

/// The count of `gres` in a Slurm GRES string such as `npu:8`,
/// `npu:ascend910b:8(S:0-1)` or `gpu:2,npu:4(IDX:0-3)`.
fn gres_count(text: &str, gres: &str) -> u32 {
    text.split(',')
        .filter_map(|entry| {
            let entry = entry.split('(').next().unwrap_or(entry);
            let mut parts = entry.split(':');
            (parts.next() == Some(gres))
                .then(|| parts.next_back().and_then(|n| n.parse::<u32>().ok()))
                .flatten()
        })
        .sum()
}

/// Whether Slurm may start jobs on a node in this state.
fn usable(state: &str) -> bool {
    let state = state.to_ascii_lowercase();
    ![
        "down",
        "drain",
        "fail",
        "maint",
        "reboot",
        "future",
        "unknown",
        "not_responding",
    ]
    .iter()
    .any(|bad| state.contains(bad))
}

/// Pools from the nodes: one per partition with NPU nodes (or per
/// configured partition), sized by its usable nodes.
pub(super) fn pools(
    nodes: &[Node],
    gres: &str,
    labels: &BTreeMap<String, PoolLabel>,
) -> Vec<PoolCapacity> {
    let mut pools: BTreeMap<String, PoolCapacity> = BTreeMap::new();
    for node in nodes {
        let total = gres_count(&node.gres, gres);
        if total == 0 {
            continue;
        }
        let used = gres_count(&node.gres_used, gres);
        for partition in &node.partitions {
            if !labels.is_empty() && !labels.contains_key(partition) {
                continue;
            }
            let pool = pools.entry(partition.clone()).or_insert_with(|| {
                let label = labels.get(partition);
                PoolCapacity {
                    id: partition.clone(),
                    name: label.map_or_else(
                        || format!("Slurm partition {partition}"),
                        |l| l.name.clone(),
                    ),
                    npu_kind: label.map_or_else(|| gres.to_uppercase(), |l| l.npu_kind.clone()),
                    nodes: 0,
                    npus_per_node: 0,
                    free_npus: 0,
                }
            });
            if usable(&node.state) {
                pool.nodes += 1;
                // A job asks for NPUs per node: the pool offers what its
                // smallest node has.
                pool.npus_per_node = if pool.npus_per_node == 0 {
                    total
                } else {
                    pool.npus_per_node.min(total)
                };
                pool.free_npus += total.saturating_sub(used);
            }
        }
    }
    pools
        .into_values()
        .map(|mut pool| {
            pool.npus_per_node = pool.npus_per_node.max(1);
            pool
        })
        .collect()
}

/// Slurm's state mapped onto the portal's, with the reason kept: a code
/// the app words (with Slurm's own word as `slurm`) and the English text.
pub(super) fn status(job: &SlurmJob, request: &JobRequest) -> Observed {
    let state = job.state.clone();
    let slurm = |code: &str, what: &str| {
        Reason::new(
            code,
            &[("slurm", state.clone())],
            format!("{what} (Slurm: {state})"),
        )
    };
    match job.state.as_str() {
        "PENDING" | "REQUEUED" | "REQUEUE_HOLD" | "REQUEUE_FED" | "RESV_DEL_HOLD" => {
            let (code, why) = match job.reason.as_str() {
                "Resources" => ("cluster_resources", "waiting for NPUs on the cluster"),
                "Priority" => ("cluster_priority", "other jobs on the cluster go first"),
                "None" | "" => ("cluster_starting", "the cluster is about to start it"),
                "BeginTime" => ("cluster_begin_time", "waiting for its start time"),
                "JobHeldAdmin" | "JobHeldUser" => ("cluster_held", "held on the cluster"),
                "PartitionDown" | "PartitionInactive" => {
                    ("cluster_partition_down", "the partition is not taking jobs")
                }
                "ReqNodeNotAvail" | "NodeDown" => (
                    "cluster_nodes_unavailable",
                    "the nodes it needs are not available",
                ),
                _ => ("cluster_held_back", "held back by the cluster"),
            };
            let slurm_reason = non_empty(&job.reason, "None");
            Observed::Queued {
                reason: Reason::new(
                    code,
                    &[("slurm", slurm_reason.to_owned())],
                    format!("{why} (Slurm: {slurm_reason})"),
                ),
            }
        }
        "COMPLETED" => Observed::Succeeded,
        "CANCELLED" => Observed::Cancelled {
            reason: slurm("cluster_cancelled", "cancelled on the cluster"),
        },
        "FAILED" => Observed::Failed {
            reason: match job.exit {
                e if e.signal != 0 => Reason::new(
                    "exit_signal",
                    &[("signal", e.signal.to_string())],
                    format!("the training was killed by signal {}", e.signal),
                ),
                e => Reason::new(
                    "exit_code",
                    &[("code", e.code.to_string())],
                    format!("the training exited with code {}", e.code),
                ),
            },
        },
        "TIMEOUT" => Observed::Failed {
            reason: Reason::new(
                "time_limit",
                &[("hours", request.max_hours.to_string())],
                format!(
                    "timeout: the job reached its limit of {} hours (Slurm: {state})",
                    request.max_hours
                ),
            ),
        },
        "OUT_OF_MEMORY" => Observed::Failed {
            reason: slurm("out_of_memory", "the job ran out of memory"),
        },
        "NODE_FAIL" => Observed::Failed {
            reason: slurm("node_failed", "a node of the job failed"),
        },
        "BOOT_FAIL" => Observed::Failed {
            reason: slurm("boot_failed", "a node could not boot for the job"),
        },
        "DEADLINE" => Observed::Failed {
            reason: slurm("deadline", "the job missed its deadline"),
        },
        "PREEMPTED" => Observed::Failed {
            reason: slurm("preempted", "the cluster preempted the job"),
        },
        // RUNNING, CONFIGURING, COMPLETING, SUSPENDED, STAGE_OUT, SIGNALING,
        // RESIZING: the job holds its NPUs.
        _ => Observed::Running,
    }
}

fn non_empty<'a>(s: &'a str, default: &'a str) -> &'a str {
    if s.is_empty() { default } else { s }
}

/// New log lines from `offset` on.
#[derive(Debug, PartialEq)]
pub(super) struct LogRead {
    pub lines: Vec<String>,
    pub offset: u64,
    /// Whether the file was read to its end.
    pub complete: bool,
}

/// Reads whole lines from `offset`; a last line without its newline is
/// taken only once the job has ended (until then it is still being written).
///
/// The job's own code can write where its log is: the log is opened
/// without following a link and must be a regular file, so a job cannot
/// make the portal read (and serve back) a file only the portal may read.
///
/// A log replaced by anything else is read no further: one line says so,
/// and the job goes on to its end without a log.
pub(super) fn read_log(path: &Path, offset: u64, ended: bool) -> std::io::Result<LogRead> {
    let nothing = |offset| LogRead {
        lines: Vec::new(),
        offset,
        complete: true,
    };
    if offset == GAVE_UP {
        return Ok(nothing(offset));
    }
    let replaced = || {
        LogRead {
        lines: vec![
            "[the job replaced its log with a link or a special file; the portal reads it no further]"
                .to_owned(),
        ],
        offset: GAVE_UP,
        complete: true,
    }
    };
    let mut file = match open_log(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(nothing(offset)),
        #[cfg(unix)]
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => return Ok(replaced()),
        Err(e) => return Err(e),
    };
    let metadata = file.metadata()?;
    if !metadata.is_file() || linked_elsewhere(&metadata) {
        return Ok(replaced());
    }
    let len = metadata.len();
    file.seek(SeekFrom::Start(offset.min(len)))?;
    let mut bytes = Vec::new();
    file.take(READ_AT_MOST).read_to_end(&mut bytes)?;
    let complete = offset + bytes.len() as u64 >= len;
    let keep = if ended && complete {
        bytes.len()
    } else {
        match bytes.iter().rposition(|b| *b == b'\n') {
            Some(at) => at + 1,
            // One line longer than a whole read: take it in pieces.
            None if bytes.len() as u64 >= READ_AT_MOST => bytes.len(),
            None => 0,
        }
    };
    let lines = String::from_utf8_lossy(&bytes[..keep])
        .lines()
        .map(str::to_owned)
        .collect();
    Ok(LogRead {
        lines,
        offset: offset + keep as u64,
        complete: complete && keep == bytes.len(),
    })
}

/// The offset of a log the portal stopped reading (SQLite's largest integer).
const GAVE_UP: u64 = i64::MAX as u64;

/// Whether the file has another name too: a hard link the job made to a
/// file it could not read itself but the portal can.
fn linked_elsewhere(metadata: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        metadata.nlink() > 1
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        false
    }
}

/// Opens a log for reading: never through a symbolic link (ELOOP), and
/// without blocking on a FIFO put in its place.
fn open_log(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    options.open(path)
}

/// Progress and metrics found in log lines.
#[derive(Debug, PartialEq)]
pub(super) struct Progress {
    pub step: u32,
    pub total_steps: u32,
    pub metrics: Vec<(u32, String, f64)>,
}

/// Reads `step=… key=value…` lines (see the module documentation).
pub(super) fn progress(lines: &[String], step: u32, total_steps: u32) -> Progress {
    let mut progress = Progress {
        step,
        total_steps,
        metrics: Vec::new(),
    };
    for line in lines {
        let words: Vec<(&str, &str)> = line
            .split_whitespace()
            .filter_map(|word| word.split_once('='))
            .filter(|(key, _)| {
                key.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                    && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            })
            .collect();
        for (key, value) in &words {
            if *key == "total_steps"
                && let Ok(total) = value.parse()
            {
                progress.total_steps = total;
            }
        }
        let Some(at) = words
            .iter()
            .find(|(key, _)| *key == "step")
            .and_then(|(_, value)| value.parse::<u32>().ok())
        else {
            continue;
        };
        progress.step = progress.step.max(at);
        for (key, value) in words {
            if key == "step" || key == "total_steps" {
                continue;
            }
            if let Ok(value) = value.parse::<f64>()
                && value.is_finite()
            {
                progress.metrics.push((at, key.to_owned(), value));
            }
        }
    }
    progress
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::slurm::ExitStatus;
    use aicc_api::jobs::{ModelRef, Priority};

    fn request() -> JobRequest {
        JobRequest {
            name: "fine-tune\nwith a newline".into(),
            base_model: Some(ModelRef {
                model_id: "resnet50".into(),
                version: Some("v1.0".into()),
            }),
            custom_image: None,
            dataset_uri: "obs://bucket/it's here".into(),
            pool_id: "npu".into(),
            nodes: 2,
            npus_per_node: 4,
            max_hours: 1.5,
            hyperparameters: [
                ("lr".to_owned(), serde_json::json!(0.001)),
                ("note".to_owned(), serde_json::json!("$(rm -rf /)")),
            ]
            .into(),
            priority: Priority::Normal,
            note: String::new(),
        }
    }

    fn job() -> RunningJob {
        RunningJob {
            id: "job_1".into(),
            organisation_id: 1,
            request: request(),
            executor_id: String::new(),
            started_at_ms: 0,
            log_seq: 0,
            log_offset: 0,
            step: 0,
            total_steps: 0,
        }
    }

    #[test]
    fn the_script_passes_the_request_as_quoted_arguments_and_starts_once_per_node() {
        let script = script(&job(), Path::new("/opt/aicc/train")).unwrap();
        let run = script.lines().last().unwrap();
        assert_eq!(
            shlex::split(run).unwrap(),
            [
                "exec",
                "srun",
                "--ntasks-per-node=1",
                "/opt/aicc/train",
                "--model",
                "resnet50",
                "--model-version",
                "v1.0",
                "--dataset",
                "obs://bucket/it's here",
                "--hyperparameter",
                "lr=0.001",
                "--hyperparameter",
                "note=$(rm -rf /)",
            ]
        );
        assert!(run.contains("'note=$(rm -rf /)'"), "single-quoted: {run}");
        assert!(script.contains("# AICC training job job_1: fine-tune with a newline\n"));
        assert!(script.contains("export AICC_NPUS_PER_NODE=4\n"));
        let mut nul = job();
        nul.request.dataset_uri = "obs://a\0b".into();
        assert!(matches!(
            super::script(&nul, Path::new("/t")),
            Err(ExecutorError::Refused(_))
        ));
    }

    #[test]
    fn pools_come_from_nodes_with_npus_and_skip_nodes_that_cannot_run_jobs() {
        let node = |partitions: &[&str], gres: &str, used: &str, state: &str| Node {
            partitions: partitions.iter().map(|p| (*p).to_owned()).collect(),
            gres: gres.into(),
            gres_used: used.into(),
            state: state.into(),
        };
        let nodes = [
            node(&["npu"], "npu:8", "npu:6(IDX:0-5)", "mixed"),
            node(
                &["npu", "debug"],
                "npu:ascend910b:8(S:0-1)",
                "npu:0",
                "idle",
            ),
            node(&["npu"], "npu:8", "npu:0", "down+drain"),
            node(&["cpu"], "(null)", "", "idle"),
        ];
        let all = pools(&nodes, "npu", &BTreeMap::new());
        assert_eq!(
            all.iter()
                .map(|p| (p.id.as_str(), p.nodes, p.npus_per_node, p.free_npus))
                .collect::<Vec<_>>(),
            [("debug", 1, 8, 8), ("npu", 2, 8, 10)]
        );
        let labels = [(
            "npu".to_owned(),
            PoolLabel {
                name: "Atlas 800T A2".into(),
                npu_kind: "Ascend 910B".into(),
            },
        )]
        .into();
        let only = pools(&nodes, "npu", &labels);
        assert_eq!(only.len(), 1);
        assert_eq!(only[0].name, "Atlas 800T A2");
    }

    #[test]
    fn slurm_states_map_onto_the_portals_with_their_reasons() {
        let of = |state: &str, reason: &str, exit: ExitStatus| {
            status(
                &SlurmJob {
                    name: "aicc-job_1".into(),
                    state: state.into(),
                    reason: reason.into(),
                    exit,
                    run_seconds: 0,
                },
                &request(),
            )
        };
        let ok = ExitStatus { code: 0, signal: 0 };
        // The code the app words, its values, and the portal's own words.
        let said = |observed: Observed| match observed {
            Observed::Queued { reason }
            | Observed::Failed { reason }
            | Observed::Cancelled { reason } => Some((
                reason.code.code,
                reason.code.params.into_iter().collect::<Vec<_>>(),
                reason.text,
            )),
            Observed::Running | Observed::Succeeded => None,
        };
        let param = |name: &str, value: &str| vec![(name.to_owned(), value.to_owned())];
        assert_eq!(
            said(of("PENDING", "Resources", ok)),
            Some((
                "cluster_resources".into(),
                param("slurm", "Resources"),
                "waiting for NPUs on the cluster (Slurm: Resources)".into()
            ))
        );
        assert_eq!(of("RUNNING", "None", ok), Observed::Running);
        assert_eq!(of("COMPLETING", "None", ok), Observed::Running);
        assert_eq!(of("COMPLETED", "None", ok), Observed::Succeeded);
        assert_eq!(
            said(of(
                "FAILED",
                "NonZeroExitCode",
                ExitStatus::from_wait_status(768)
            )),
            Some((
                "exit_code".into(),
                param("code", "3"),
                "the training exited with code 3".into()
            ))
        );
        assert_eq!(
            said(of("FAILED", "", ExitStatus::from_wait_status(9))),
            Some((
                "exit_signal".into(),
                param("signal", "9"),
                "the training was killed by signal 9".into()
            ))
        );
        let (code, params, text) = said(of("TIMEOUT", "TimeLimit", ok)).unwrap();
        assert_eq!(
            (code.as_str(), params),
            ("time_limit", param("hours", "1.5"))
        );
        assert!(
            text.starts_with("timeout: ") && text.contains("1.5 hours"),
            "{text}"
        );
        assert_eq!(
            said(of("CANCELLED", "", ok)).map(|(code, ..)| code),
            Some("cluster_cancelled".into())
        );
        let (code, _, text) = said(of("OUT_OF_MEMORY", "", ok)).unwrap();
        assert_eq!(code, "out_of_memory");
        assert!(text.contains("OUT_OF_MEMORY"), "{text}");
    }

    #[test]
    fn the_log_is_read_in_whole_lines_as_it_grows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("job.log");
        assert_eq!(
            read_log(&path, 0, false).unwrap().lines,
            Vec::<String>::new()
        );
        std::fs::write(&path, "one\ntwo\nthr").unwrap();
        let first = read_log(&path, 0, false).unwrap();
        assert_eq!(first.lines, ["one", "two"]);
        assert_eq!(first.offset, 8);
        assert!(!first.complete);
        std::fs::write(&path, "one\ntwo\nthree\nfo").unwrap();
        let second = read_log(&path, first.offset, false).unwrap();
        assert_eq!(second.lines, ["three"]);
        let last = read_log(&path, second.offset, true).unwrap();
        assert_eq!(last.lines, ["fo"]);
        assert!(last.complete);
    }

    #[cfg(unix)]
    #[test]
    fn a_log_replaced_by_a_link_or_a_fifo_is_not_followed_and_read_no_further() {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("jwt_hs256.key");
        std::fs::write(&secret, "the cluster's signing key\n").unwrap();
        let path = dir.path().join("job.log");
        std::os::unix::fs::symlink(&secret, &path).unwrap();
        let read = read_log(&path, 0, true).unwrap();
        assert_eq!(read.lines.len(), 1);
        assert!(
            read.lines[0].contains("replaced its log"),
            "{:?}",
            read.lines
        );
        assert!(!read.lines.concat().contains("signing key"));
        assert!(read.complete);
        let again = read_log(&path, read.offset, true).unwrap();
        assert!(again.lines.is_empty() && again.complete);

        let linked = dir.path().join("linked.log");
        std::fs::hard_link(&secret, &linked).unwrap();
        let read = read_log(&linked, 0, true).unwrap();
        assert!(
            read.lines[0].contains("replaced its log"),
            "{:?}",
            read.lines
        );

        let fifo = dir.path().join("fifo.log");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        // Opening a FIFO for reading would wait for a writer for ever.
        let read = read_log(&fifo, 0, false).unwrap();
        assert!(read.lines[0].contains("replaced its log"));
    }

    #[test]
    fn metrics_are_the_numeric_words_of_lines_with_a_step() {
        let lines = [
            "Loading model resnet50 total_steps=200",
            "step=10 loss=0.43 accuracy=0.81 lr=1e-3 phase=warmup",
            "epoch 1 done",
            "step=20 loss=nan accuracy=0.85",
        ]
        .map(str::to_owned);
        let seen = progress(&lines, 0, 0);
        assert_eq!(seen.step, 20);
        assert_eq!(seen.total_steps, 200);
        assert_eq!(
            seen.metrics,
            [
                (10, "loss".to_owned(), 0.43),
                (10, "accuracy".to_owned(), 0.81),
                (10, "lr".to_owned(), 0.001),
                (20, "accuracy".to_owned(), 0.85),
            ]
        );
    }

    proptest::proptest! {
        #[test]
        fn a_log_read_while_it_grows_gives_every_line_once_in_order(
            lines in proptest::collection::vec("[ -~\u{4e00}-\u{4e0f}]{0,30}", 0..12),
            cuts in proptest::collection::vec(0..400usize, 0..6),
            ends_with_newline in proptest::prelude::any::<bool>(),
        ) {
            let mut text = lines.join("\n");
            if ends_with_newline && !text.is_empty() {
                text.push('\n');
            }
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("job.out");
            std::fs::write(&path, b"").unwrap();
            // The job writes its log in pieces, cut anywhere (even inside a
            // character); the portal reads whatever is there each time.
            let bytes = text.as_bytes();
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(bytes.len())).collect();
            cuts.sort_unstable();
            let (mut read, mut offset, mut written) = (Vec::new(), 0, 0);
            for cut in cuts.into_iter().chain([bytes.len()]) {
                std::fs::write(&path, &bytes[..cut.max(written)]).unwrap();
                written = cut.max(written);
                let got = read_log(&path, offset, false).unwrap();
                read.extend(got.lines);
                offset = got.offset;
            }
            let last = read_log(&path, offset, true).unwrap();
            read.extend(last.lines);
            proptest::prop_assert_eq!(read, text.lines().map(str::to_owned).collect::<Vec<_>>());
            proptest::prop_assert_eq!(last.offset, bytes.len() as u64);
        }

        #[test]
        fn a_gres_string_of_any_shape_is_read_without_failing(text in "\\PC{0,60}") {
            let _ = gres_count(&text, "npu");
        }

        #[test]
        fn npus_are_counted_across_gres_entries(
            counts in proptest::collection::vec(0u32..64, 1..4),
            other in 0u32..8,
        ) {
            let text = counts
                .iter()
                .enumerate()
                .map(|(i, n)| format!("npu:ascend{i}:{n}(S:0-1)"))
                .chain([format!("gpu:{other}")])
                .collect::<Vec<_>>()
                .join(",");
            proptest::prop_assert_eq!(gres_count(&text, "npu"), counts.iter().sum::<u32>());
        }
    }
}
