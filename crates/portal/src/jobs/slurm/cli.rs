//! Slurm's commands on the portal's machine, for clusters that run no
//! slurmrestd: `sbatch`, `squeue`, `scontrol` and `scancel`, with the
//! environment the portal runs in (e.g. `SLURM_CONF`).

use std::io::Write as _;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use process_control::{ChildExt as _, Control as _};

use super::{Controller, ExitStatus, Node, Shape, SlurmJob, Submission};
use crate::jobs::executor::ExecutorError;

#[derive(Debug)]
pub(super) struct Cli;

impl Cli {
    /// Checks the commands are there and the controller answers.
    pub(super) fn connect() -> anyhow::Result<Self> {
        for command in ["sbatch", "squeue", "scontrol", "scancel"] {
            if Command::new(command).arg("--version").output().is_err() {
                anyhow::bail!(
                    "Slurm's `{command}` is not on the portal's PATH; install Slurm's client commands \
                     (Debian: slurm-client) or configure [executor.rest] for slurmrestd"
                );
            }
        }
        run(Command::new("scontrol").arg("ping"))
            .map_err(|e| anyhow::anyhow!("the Slurm controller does not answer: {e}"))?;
        Ok(Self)
    }
}

/// The longest a Slurm command may run before it is stopped: well past
/// the controller's own `MessageTimeout` (10 s unless the center sets
/// another), so only a command that truly hangs is cut off.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// The longest `sbatch --test-only` may take: someone is waiting for the
/// estimate, and without Slurm's word it is still given.
const ESTIMATE_TIMEOUT: Duration = Duration::from_secs(5);

/// Runs a Slurm command; its error output becomes the error's text.
fn run(command: &mut Command) -> Result<String, ExecutorError> {
    let output = finish(command, None, COMMAND_TIMEOUT)?;
    if output.status.success() {
        return Ok(String::from_utf8_lossy(&output.stdout).into_owned());
    }
    Err(failure(command, &output))
}

/// Runs `command` to its end with `stdin` as its input, stopping it after
/// `limit`.
fn finish(
    command: &mut Command,
    stdin: Option<&str>,
    limit: Duration,
) -> Result<Output, ExecutorError> {
    let program = command.get_program().to_string_lossy().into_owned();
    let mut child = command
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| ExecutorError::Unavailable(format!("cannot run {program}: {e}")))?;
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(text.as_bytes()).map_err(|e| {
            ExecutorError::Unavailable(format!("cannot pass {program} its input: {e}"))
        })?;
    }
    child
        .controlled_with_output()
        .time_limit(limit)
        .terminate_for_timeout()
        .wait()
        .map_err(|e| ExecutorError::Unavailable(format!("{program} did not finish: {e}")))?
        .map(process_control::Output::into_std_lossy)
        .ok_or_else(|| {
            ExecutorError::Unavailable(format!(
                "{program} did not finish within {} s and was stopped",
                limit.as_secs_f64()
            ))
        })
}

fn failure(command: &Command, output: &Output) -> ExecutorError {
    let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
    let text = format!(
        "{} failed: {}",
        command.get_program().to_string_lossy(),
        if stderr.is_empty() {
            "no reason given"
        } else {
            &stderr
        }
    );
    // The controller being down reads "Unable to contact slurm controller";
    // anything else is Slurm refusing the request itself.
    if stderr.contains("Unable to contact")
        || stderr.contains("Socket timed out")
        || stderr.contains("Zero Bytes")
    {
        ExecutorError::Unavailable(text)
    } else {
        ExecutorError::Refused(text)
    }
}

/// `--partition`, `--nodes`, `--gres` and `--time` for a job of `shape`.
fn shaped<'a>(command: &'a mut Command, shape: &Shape) -> &'a mut Command {
    command
        .arg(format!("--partition={}", shape.partition))
        .arg(format!("--nodes={}", shape.nodes))
        .arg(format!("--gres={}", shape.gres))
        .arg(format!("--time={}", shape.time_limit_minutes))
}

/// The start in `sbatch --test-only`'s answer, e.g. `sbatch: Job 7 to start
/// at 2026-12-06T16:25:03 using 1 processors on nodes n1 in partition npu`,
/// printed in UTC (the command runs with `TZ=UTC`), as unix ms.
fn start_in(answer: &str) -> Option<i64> {
    let at = answer
        .split(" to start at ")
        .nth(1)?
        .split_whitespace()
        .next()?;
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let at = time::PrimitiveDateTime::parse(at, format)
        .ok()?
        .assume_utc();
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).ok()
}

/// `Key=Value` words of one `scontrol show … -o` line.
fn fields(line: &str) -> impl Iterator<Item = (&str, &str)> {
    line.split_whitespace().filter_map(|w| w.split_once('='))
}

fn field<'a>(line: &'a str, key: &str) -> &'a str {
    fields(line).find(|(k, _)| *k == key).map_or("", |(_, v)| v)
}

/// `[D-]HH:MM:SS` (or `MM:SS`) in seconds.
fn duration(text: &str) -> u64 {
    let (days, clock) = text.split_once('-').unwrap_or(("0", text));
    let days: u64 = days.parse().unwrap_or(0);
    let seconds = clock.split(':').fold(0u64, |total, part| {
        total * 60 + part.parse::<u64>().unwrap_or(0)
    });
    days * 86_400 + seconds
}

impl Controller for Cli {
    fn nodes(&self) -> Result<Vec<Node>, ExecutorError> {
        let out = run(Command::new("scontrol").args(["-d", "show", "node", "-o"]))
            .map_err(|e| ExecutorError::Unavailable(e.to_string()))?;
        Ok(out
            .lines()
            .filter(|l| l.starts_with("NodeName="))
            .map(|line| Node {
                partitions: field(line, "Partitions")
                    .split(',')
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned)
                    .collect(),
                gres: field(line, "Gres").to_owned(),
                gres_used: field(line, "GresUsed").to_owned(),
                state: field(line, "State").to_owned(),
            })
            .collect())
    }

    fn find(&self, name: &str) -> Result<Option<String>, ExecutorError> {
        let out = run(Command::new("squeue").args(["-h", "-t", "all", "-o", "%i", "--name", name]))
            .map_err(|e| ExecutorError::Unavailable(e.to_string()))?;
        Ok(out
            .lines()
            .filter_map(|l| l.trim().parse::<u64>().ok())
            .max()
            .map(|id| id.to_string()))
    }

    fn submit(&self, submission: &Submission) -> Result<String, ExecutorError> {
        let mut command = Command::new("sbatch");
        shaped(
            command
                .arg("--parsable")
                .arg(format!("--job-name={}", submission.name)),
            &submission.shape,
        )
        .arg(format!("--output={}", submission.output.display()))
        .arg(format!("--chdir={}", submission.workdir.display()))
        .arg("--no-requeue");
        let output = finish(&mut command, Some(&submission.script), COMMAND_TIMEOUT)?;
        if !output.status.success() {
            return Err(failure(&command, &output));
        }
        let out = String::from_utf8_lossy(&output.stdout);
        // `--parsable` prints `id` or `id;cluster`.
        out.trim()
            .split(';')
            .next()
            .filter(|id| id.parse::<u64>().is_ok())
            .map(str::to_owned)
            .ok_or_else(|| ExecutorError::Unavailable(format!("sbatch printed no job id: {out}")))
    }

    /// Slurm's plan for the job, by `sbatch --test-only`: no job is queued
    /// (Slurm still spends a job id on the question). The script is never
    /// run; sbatch only needs one.
    fn will_start(&self, shape: &Shape) -> Result<Option<i64>, ExecutorError> {
        let mut command = Command::new("sbatch");
        shaped(
            command
                .arg("--test-only")
                .env("TZ", "UTC")
                .env("SLURM_TIME_FORMAT", "standard"),
            shape,
        );
        let output = finish(&mut command, Some("#!/bin/sh\ntrue\n"), ESTIMATE_TIMEOUT)?;
        if !output.status.success() {
            return Err(failure(&command, &output));
        }
        // The answer is on standard error.
        let answer = String::from_utf8_lossy(&output.stderr);
        start_in(&answer).map(Some).ok_or_else(|| {
            ExecutorError::Unavailable(format!("sbatch --test-only gave no start: {answer}"))
        })
    }

    fn job(&self, id: &str) -> Result<Option<SlurmJob>, ExecutorError> {
        let out = match run(Command::new("scontrol").args(["show", "job", "-o", id])) {
            Ok(out) => out,
            Err(ExecutorError::Refused(why)) if why.contains("Invalid job id") => return Ok(None),
            Err(e) => return Err(ExecutorError::Unavailable(e.to_string())),
        };
        let Some(line) = out.lines().find(|l| l.starts_with("JobId=")) else {
            return Ok(None);
        };
        // `ExitCode=3:0` is already decoded: exit code, then signal.
        let (code, signal) = field(line, "ExitCode")
            .split_once(':')
            .unwrap_or(("0", "0"));
        Ok(Some(SlurmJob {
            name: field(line, "JobName").to_owned(),
            state: field(line, "JobState").to_owned(),
            reason: field(line, "Reason").to_owned(),
            exit: ExitStatus {
                code: code.parse().unwrap_or(0),
                signal: signal.parse().unwrap_or(0),
            },
            run_seconds: duration(field(line, "RunTime")),
        }))
    }

    fn cancel(&self, id: &str) -> Result<(), ExecutorError> {
        match run(Command::new("scancel").arg(id)) {
            Ok(_) => Ok(()),
            // Slurm refuses to cancel a job that already ended or that it no
            // longer knows: either way nothing is left to stop.
            Err(ExecutorError::Refused(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_that_hangs_is_stopped_and_reported_as_the_cluster_unavailable() {
        let started = std::time::Instant::now();
        let outcome = finish(
            Command::new("sleep").arg("60"),
            None,
            Duration::from_millis(200),
        );
        assert!(
            matches!(&outcome, Err(ExecutorError::Unavailable(why)) if why.contains("did not finish")),
            "{outcome:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "it was waited for"
        );
    }

    #[test]
    fn a_command_gets_its_input_and_its_output_is_read() {
        let output = finish(
            &mut Command::new("cat"),
            Some("#!/bin/bash\n"),
            COMMAND_TIMEOUT,
        )
        .unwrap();
        assert!(output.status.success());
        assert_eq!(output.stdout, b"#!/bin/bash\n");
    }

    #[test]
    fn the_start_in_a_test_only_answer_is_read_as_utc() {
        assert_eq!(
            start_in(
                "sbatch: Job 2 to start at 2026-12-06T16:25:03 using 1 processors on nodes vm in partition npu\n"
            ),
            Some(1_796_574_303_000)
        );
        assert_eq!(
            start_in("sbatch: error: invalid partition specified: nope"),
            None
        );
        assert_eq!(
            start_in("sbatch: Job 2 to start at soon using 1 processors"),
            None
        );
    }

    #[test]
    fn scontrol_lines_and_durations_are_read() {
        let line = "JobId=7 JobName=aicc-job_1 JobState=FAILED Reason=NonZeroExitCode \
                    ExitCode=3:0 RunTime=1-02:03:04 TimeLimit=00:01:00";
        assert_eq!(field(line, "JobState"), "FAILED");
        assert_eq!(field(line, "ExitCode"), "3:0");
        assert_eq!(field(line, "Missing"), "");
        assert_eq!(duration(field(line, "RunTime")), 93_784);
        assert_eq!(duration("00:00:05"), 5);
        assert_eq!(duration("12:30"), 750);
    }
}
