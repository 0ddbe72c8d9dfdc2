//! The Slurm executor against a real single-node Slurm with 8 fake NPUs,
//! started by `cargo xtask test` (see xtask/src/slurm.rs), through the
//! portal's HTTP API, with the portal as a real process so it can be killed.
//! The tests share the cluster: each asks for few NPUs except the one that
//! fills it.

#![allow(clippy::unwrap_used)] // a test helper that cannot do its job should stop the test

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use aicc_e2e::{Relay, SlurmCluster, SlurmInterface};
use reqwest::StatusCode;
use reqwest::blocking::Client;
use serde_json::{Value, json};

fn cluster() -> SlurmCluster {
    SlurmCluster::from_env().unwrap()
}

/// A portal process on the Slurm executor, and the demo partner's session.
struct Portal {
    process: aicc_e2e::Portal,
    http: Client,
    token: String,
}

fn config(dir: &Path, interface: SlurmInterface<'_>) -> PathBuf {
    cluster().portal_config(dir, interface).unwrap()
}

fn rest(dir: &Path) -> PathBuf {
    config(dir, SlurmInterface::Rest(&cluster().rest_url))
}

impl Portal {
    fn start(dir: &Path, config: &Path) -> Self {
        let process = aicc_e2e::Portal::start_configured(
            Path::new(env!("CARGO_BIN_EXE_aicc-portal")),
            &dir.join("data"),
            config,
        )
        .unwrap();
        let http = Client::new();
        let answer: Value = http
            .post(format!("{}/v1/auth/token", process.url))
            .json(&json!({"email": "partner@demo.aicc", "password": "demo-password"}))
            .send()
            .unwrap()
            .json()
            .unwrap();
        let token = answer["access_token"].as_str().unwrap().to_owned();
        Self {
            process,
            http,
            token,
        }
    }

    fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.process.url))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().unwrap();
        let status = response.status();
        (status, response.json().unwrap_or(Value::Null))
    }

    fn get(&self, path: &str) -> Value {
        let (status, body) = self.call(reqwest::Method::GET, path, None);
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    /// Submits a job of the demo launcher; returns its id.
    fn submit(&self, npus: u32, max_hours: f64, hyperparameters: Value) -> String {
        let (status, body) = self.call(
            reqwest::Method::POST,
            "/v1/jobs",
            Some(request(npus, max_hours, hyperparameters)),
        );
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_str().unwrap().to_owned()
    }

    /// Waits until `done` holds for the job, up to `within`.
    fn wait(&self, id: &str, within: Duration, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + within;
        loop {
            let job = self.get(&format!("/v1/jobs/{id}"));
            if done(&job) {
                return job;
            }
            assert!(
                Instant::now() < deadline,
                "job {id} never got {what}; it is {}",
                serde_json::to_string_pretty(&job).unwrap()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn wait_state(&self, id: &str, state: &str, within: Duration) -> Value {
        self.wait(id, within, state, |job| job["state"] == state)
    }

    fn logs(&self, id: &str) -> Vec<(u64, String)> {
        let page = self.get(&format!("/v1/jobs/{id}/logs?limit=5000"));
        page["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["seq"].as_u64().unwrap(),
                    l["text"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    fn kill(mut self) {
        self.process.stop().unwrap();
    }
}

fn request(npus: u32, max_hours: f64, hyperparameters: Value) -> Value {
    json!({
        "name": "defect detection on Slurm",
        "base_model": {"model_id": "resnet50", "version": null},
        "custom_image": null,
        "dataset_uri": "obs://demo-robotics/defects",
        "pool_id": "npu",
        "nodes": 1,
        "npus_per_node": npus,
        "max_hours": max_hours,
        "hyperparameters": hyperparameters,
        "priority": "normal",
        "note": ""
    })
}

/// Slurm's jobs named for a portal job, by Slurm's own commands.
fn slurm_jobs(portal_job: &str) -> Vec<(String, String)> {
    let out = Command::new("squeue")
        .args(["-h", "-t", "all", "-o", "%i %T", "--name"])
        .arg(format!("aicc-{portal_job}"))
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(id, state)| (id.to_owned(), state.to_owned()))
        .collect()
}

const MINUTE: Duration = Duration::from_secs(60);

#[test]
fn a_job_runs_on_slurm_and_its_state_logs_and_metrics_come_back() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path(), &rest(dir.path()));
    let pools = portal.get("/v1/pools");
    let pools = pools.as_array().unwrap();
    assert_eq!(
        pools.len(),
        1,
        "only Slurm's partition is offered: {pools:?}"
    );
    assert_eq!(pools[0]["id"], "npu");
    assert_eq!(pools[0]["total_npus"], 8);
    assert_eq!(pools[0]["npus_per_node"], 8);

    let id = portal.submit(
        2,
        1.0,
        json!({"steps": 6, "step_seconds": 0.3, "lr": 0.001}),
    );
    let running = portal.wait_state(&id, "running", MINUTE);
    assert!(running["unknown_since"].is_null());
    let done = portal.wait_state(&id, "succeeded", MINUTE);
    assert_eq!(done["step"], 6);
    assert_eq!(done["total_steps"], 6);
    assert!(done["npu_hours_used"].as_f64().unwrap() > 0.0);
    let states: Vec<&str> = done["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["submitted", "queued", "running", "succeeded"]);

    let logs = portal.logs(&id);
    let seqs: Vec<u64> = logs.iter().map(|(seq, _)| *seq).collect();
    assert_eq!(seqs, (1..=logs.len() as u64).collect::<Vec<_>>());
    let texts: Vec<&str> = logs.iter().map(|(_, t)| t.as_str()).collect();
    assert!(texts[0].contains(&format!("AICC job {id}")), "{texts:?}");
    assert!(texts[0].contains("1 node(s) x 2 NPU(s)"), "{texts:?}");
    assert!(texts.contains(&"Loading resnet50 latest"), "{texts:?}");
    assert_eq!(texts.last(), Some(&"Training finished after 6 steps"));

    let metrics = portal.get(&format!("/v1/jobs/{id}/metrics"));
    let loss = metrics
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "loss")
        .unwrap();
    assert_eq!(loss["steps"], json!([1, 2, 3, 4, 5, 6]));

    let on_slurm = slurm_jobs(&id);
    assert_eq!(on_slurm.len(), 1, "{on_slurm:?}");
    assert_eq!(on_slurm[0].1, "COMPLETED");

    let (status, refused) = portal.call(
        reqwest::Method::POST,
        "/v1/jobs",
        Some(request(9, 1.0, json!({}))),
    );
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["error"]["field"], "npus_per_node");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("8 NPUs"),
        "the reason names what the partition has: {refused}"
    );
}

#[test]
fn a_job_whose_script_exits_3_fails_with_exit_code_3() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path(), &config(dir.path(), SlurmInterface::Commands));
    let id = portal.submit(
        1,
        1.0,
        json!({"steps": 4, "step_seconds": 0.2, "exit_code": 3}),
    );
    let failed = portal.wait_state(&id, "failed", MINUTE);
    assert_eq!(failed["reason"], "the training exited with code 3");
    // The same reason as a code the app words in its user's language.
    assert_eq!(
        failed["reason_code"],
        json!({"code": "exit_code", "params": {"code": "3"}})
    );
    let logs = portal.logs(&id);
    assert!(
        logs.last()
            .unwrap()
            .1
            .starts_with("ERROR: the demo launcher was asked to fail"),
        "the log is read to its end: {logs:?}"
    );
    assert_eq!(slurm_jobs(&id)[0].1, "FAILED");
}

#[test]
fn a_job_over_its_time_limit_ends_as_failed_by_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path(), &rest(dir.path()));
    // One minute: Slurm's shortest limit, enforced on its 30-second sweep.
    let id = portal.submit(1, 1.0 / 60.0, json!({"steps": 1000, "step_seconds": 1}));
    let failed = portal.wait_state(&id, "failed", 3 * MINUTE);
    let reason = failed["reason"].as_str().unwrap();
    assert!(reason.starts_with("timeout: "), "{reason}");
    assert!(reason.contains("TIMEOUT"), "{reason}");
    assert_eq!(slurm_jobs(&id)[0].1, "TIMEOUT");
}

#[test]
fn a_job_cancelled_in_the_app_is_cancelled_on_slurm() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path(), &config(dir.path(), SlurmInterface::Commands));
    let id = portal.submit(1, 1.0, json!({"steps": 600, "step_seconds": 0.5}));
    portal.wait(&id, MINUTE, "a log", |job| {
        job["state"] == "running" && job["step"].as_u64().unwrap_or(0) >= 1
    });
    let (status, body) = portal.call(
        reqwest::Method::POST,
        &format!("/v1/jobs/{id}/cancel"),
        None,
    );
    assert_eq!(status, StatusCode::OK, "{body}");
    portal.wait_state(&id, "cancelled", MINUTE);
    let deadline = Instant::now() + MINUTE;
    while slurm_jobs(&id)[0].1 != "CANCELLED" {
        assert!(
            Instant::now() < deadline,
            "Slurm still has {:?}",
            slurm_jobs(&id)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn two_jobs_of_six_npus_on_eight_run_one_after_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path(), &rest(dir.path()));
    let hyperparameters = json!({"steps": 8, "step_seconds": 0.5});
    let first = portal.submit(6, 1.0, hyperparameters.clone());
    let second = portal.submit(6, 1.0, hyperparameters);
    let first_done = portal.wait_state(&first, "succeeded", 2 * MINUTE);
    let second_done = portal.wait_state(&second, "succeeded", 2 * MINUTE);
    let at = |job: &Value, state: &str| {
        job["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["state"] == state)
            .unwrap()["at"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (first_end, second_start) = (at(&first_done, "succeeded"), at(&second_done, "running"));
    assert!(
        second_start >= first_end,
        "the second started at {second_start}, before the first ended at {first_end}"
    );
}

#[test]
fn a_portal_killed_mid_job_picks_it_up_again_and_it_completes_once() {
    let dir = tempfile::tempdir().unwrap();
    let config = rest(dir.path());
    let portal = Portal::start(dir.path(), &config);
    let id = portal.submit(1, 1.0, json!({"steps": 12, "step_seconds": 0.5}));
    portal.wait(&id, MINUTE, "some steps", |job| {
        job["state"] == "running" && job["step"].as_u64().unwrap_or(0) >= 2
    });
    portal.kill();
    std::thread::sleep(Duration::from_secs(2));
    let portal = Portal::start(dir.path(), &config);
    let done = portal.wait_state(&id, "succeeded", MINUTE);
    assert_eq!(done["step"], 12);
    assert_eq!(slurm_jobs(&id).len(), 1, "submitted once");
    let logs = portal.logs(&id);
    let seqs: Vec<u64> = logs.iter().map(|(seq, _)| *seq).collect();
    assert_eq!(seqs, (1..=logs.len() as u64).collect::<Vec<_>>());
    for step in 1..=12 {
        let prefix = format!("step={step} ");
        let count = logs.iter().filter(|(_, t)| t.starts_with(&prefix)).count();
        assert_eq!(count, 1, "step {step} logged {count} times: {logs:?}");
    }
}

#[test]
fn while_slurm_does_not_answer_the_state_is_unknown_and_then_recovers_by_itself() {
    let dir = tempfile::tempdir().unwrap();
    let relay = Relay::to(&cluster().rest_url);
    let portal = Portal::start(
        dir.path(),
        &config(dir.path(), SlurmInterface::Rest(&relay.url)),
    );
    let id = portal.submit(1, 1.0, json!({"steps": 16, "step_seconds": 0.5}));
    portal.wait_state(&id, "running", MINUTE);
    relay.cut();
    let unknown = portal.wait(&id, MINUTE, "an unknown state", |job| {
        job["unknown_since"].is_string()
    });
    assert_eq!(unknown["state"], "running", "the last known state stays");
    relay.mend();
    let done = portal.wait_state(&id, "succeeded", MINUTE);
    assert!(done["unknown_since"].is_null());
    assert_eq!(slurm_jobs(&id).len(), 1);
}

#[test]
fn a_portal_whose_token_slurm_refuses_does_not_start_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let config = rest(dir.path());
    let text = std::fs::read_to_string(&config).unwrap();
    let wrong_key = dir.path().join("wrong.key");
    std::fs::write(&wrong_key, [1; 32]).unwrap();
    std::fs::write(
        &config,
        text.replace(cluster().jwt_key(), &wrong_key.display().to_string()),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_aicc-portal"))
        .arg("--config")
        .arg(&config)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("refused the portal's token"), "{stderr}");
}

#[test]
fn a_slurm_id_that_now_names_another_job_is_not_mistaken_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), SlurmInterface::Commands);
    let portal = Portal::start(dir.path(), &config);
    let other = portal.submit(1, 1.0, json!({"steps": 1, "step_seconds": 0.1}));
    portal.wait_state(&other, "succeeded", MINUTE);
    let id = portal.submit(1, 1.0, json!({"steps": 600, "step_seconds": 0.5}));
    portal.wait_state(&id, "running", MINUTE);
    portal.kill();
    // As after a cluster whose state was reset: the id now names another job.
    let db = rusqlite::Connection::open(dir.path().join("data/portal.sqlite3")).unwrap();
    db.execute(
        "UPDATE jobs SET executor_id = (SELECT executor_id FROM jobs WHERE id = ?1) WHERE id = ?2",
        [&other, &id],
    )
    .unwrap();
    drop(db);
    let portal = Portal::start(dir.path(), &config);
    let failed = portal.wait_state(&id, "failed", MINUTE);
    let reason = failed["reason"].as_str().unwrap();
    assert!(reason.starts_with("Slurm no longer knows job"), "{reason}");
    assert_eq!(
        portal.get(&format!("/v1/jobs/{other}"))["state"],
        "succeeded"
    );
    Command::new("scancel")
        .arg(format!("--name=aicc-{id}"))
        .status()
        .unwrap();
}

/// A job of another of the cluster's users, cancelled when dropped.
struct SomeoneElses(String);

impl SomeoneElses {
    /// Holds every NPU of the node for up to half an hour.
    fn holding_the_node(dir: &Path) -> Self {
        let script = dir.join("someone-else.sh");
        std::fs::write(&script, "#!/bin/sh\nsleep 1800\n").unwrap();
        let out = Command::new("sbatch")
            .args([
                "--parsable",
                "--job-name=someone-else",
                "--partition=npu",
                "--gres=npu:8",
                "--time=30",
            ])
            .arg(format!(
                "--output={}",
                dir.join("someone-else.log").display()
            ))
            .arg(&script)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        Self(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }

    fn running(&self) -> bool {
        let out = Command::new("squeue")
            .args(["-h", "-o", "%T", "-j", &self.0])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim() == "RUNNING"
    }
}

impl Drop for SomeoneElses {
    fn drop(&mut self) {
        let _ = Command::new("scancel").arg(&self.0).status();
    }
}

fn unix_ms(rfc3339: &str) -> i64 {
    let at = time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .unwrap();
    (at.unix_timestamp_nanos() / 1_000_000) as i64
}

#[test]
fn when_the_clusters_other_users_hold_the_npus_the_estimate_waits_for_them_and_the_queue_ahead() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::start(dir.path(), &config(dir.path(), SlurmInterface::Commands));
    let other = SomeoneElses::holding_the_node(dir.path());
    let deadline = Instant::now() + 3 * MINUTE;
    while !(other.running() && portal.get("/v1/pools")[0]["free_npus"] == 0) {
        assert!(Instant::now() < deadline, "the other user's job never ran");
        std::thread::sleep(Duration::from_millis(200));
    }
    let estimate = |npus: u32, max_hours: f64| {
        let (status, estimate) = portal.call(
            reqwest::Method::POST,
            "/v1/jobs/estimate",
            Some(request(npus, max_hours, json!({}))),
        );
        assert_eq!(status, StatusCode::OK, "{estimate}");
        assert_eq!(estimate["admissible"], true, "{estimate}");
        assert_eq!(estimate["source"], "replay_and_cluster", "{estimate}");
        estimate
    };
    let p50 = |estimate: &Value| unix_ms(estimate["start"]["p50"].as_str().unwrap());
    let asked_at = (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64;
    // Nothing the portal runs would free the node: Slurm says when the
    // other's half hour ends.
    let first = estimate(8, 1.0);
    assert!(
        p50(&first) >= asked_at + 25 * 60_000 && p50(&first) <= asked_at + 40 * 60_000,
        "after the half hour the node is held: {first}"
    );
    // Sent as estimated, it goes first, and runs its hour (the center has
    // no history yet): the next waits for both.
    let (status, queued) = portal.call(
        reqwest::Method::POST,
        "/v1/jobs",
        Some(request(8, 1.0, json!({}))),
    );
    assert_eq!(status, StatusCode::CREATED, "{queued}");
    let behind = estimate(2, 1.0);
    assert!(
        p50(&behind) >= p50(&first) + 55 * 60_000,
        "behind the portal's own queue too: {behind}"
    );
    assert_eq!(behind["jobs_ahead"], 1, "{behind}");
    // The job queued recorded the start the form was just given.
    assert_eq!(
        queued["estimated_start"]["p50"], first["start"]["p50"],
        "{queued}"
    );
    portal.call(
        reqwest::Method::POST,
        &format!("/v1/jobs/{}/cancel", queued["id"].as_str().unwrap()),
        None,
    );
}
