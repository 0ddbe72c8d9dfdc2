//! The client core as a separate process (`aicc`), against a
//! real portal, with the real OS keyring (`cargo xtask test` runs a Secret
//! Service): a sync killed between pages, a client killed again and again
//! while it sends and syncs (`AICC_CLIENT_KILLS`, 50 unless told), and no
//! secret on disk.

#![allow(clippy::unwrap_used)] // a test helper that cannot do its job should stop the test

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use aicc_client::config::{AppDirs, CenterAccount};
use aicc_portal::Portal;
use aicc_portal::config::{Config, ExecutorConfig};
use rusqlite::Connection;

struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn cli(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_aicc"));
        command
            .args(args)
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("XDG_DATA_HOME", self.dir.path().join("data"));
        command
    }

    /// `aicc login` as the demo partner, the password on stdin.
    fn login(&self, url: &str, command: impl FnOnce(&mut Command)) -> std::process::Output {
        let mut login = self.cli(&["--center", url, "login", "--email", "partner@demo.aicc"]);
        command(&mut login);
        let mut child = login
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "demo-password").unwrap();
        child.wait_with_output().unwrap()
    }

    fn sign_in(&self, url: &str) {
        let out = self.login(url, |_| {});
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The app's store for the demo partner on `url`, where the app keeps it.
    fn store_file(&self, url: &str) -> PathBuf {
        let data = self
            .dir
            .path()
            .join("data")
            .join(aicc_client::APP_IDENTIFIER);
        let dirs = AppDirs {
            config: PathBuf::new(),
            logs: data.join("logs"),
            data,
        };
        dirs.store_file(&CenterAccount {
            url: format!("{url}/"),
            email: "partner@demo.aicc".into(),
            network: Default::default(),
        })
    }
}

/// A demo portal in this process, and a home signed in to it.
fn signed_in() -> (
    tempfile::TempDir,
    String,
    Portal,
    tokio::runtime::Runtime,
    Home,
) {
    let portal_dir = tempfile::tempdir().unwrap();
    let (url, portal, runtime) = serve(portal_dir.path());
    let home = Home::new();
    home.sign_in(&url);
    (portal_dir, url, portal, runtime, home)
}

fn serve(portal_dir: &Path) -> (String, Portal, tokio::runtime::Runtime) {
    serve_with(portal_dir, ExecutorConfig::default())
}

fn serve_with(
    portal_dir: &Path,
    executor: ExecutorConfig,
) -> (String, Portal, tokio::runtime::Runtime) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let config = Config {
        data_dir: portal_dir.into(),
        requests_per_second: 10_000,
        executor,
        ..Config::default()
    };
    let portal = Portal::open(config, true).unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let serving = portal.clone();
    runtime.spawn(async move { serving.serve(listener, std::future::pending()).await });
    (url, portal, runtime)
}

#[test]
fn a_sync_killed_between_pages_resumes_where_its_cursor_says_with_nothing_lost_or_repeated() {
    let (_portal_dir, url, portal, _runtime, home) = signed_in();

    let mut sync = home
        .cli(&["sync", "--page-size", "20"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(sync.stderr.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    assert!(first.starts_with("catalog: 20 of "), "{first}");
    // SIGKILL: no chance to clean up.
    sync.kill().unwrap();
    sync.wait().unwrap();

    let store = Connection::open(home.store_file(&url)).unwrap();
    let cursor: u64 = store
        .query_row(
            "SELECT rev FROM sync_cursors WHERE collection = 'catalog'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let (rows, top): (u64, u64) = store
        .query_row("SELECT count(*), max(rev) FROM catalog_models", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    let on_portal: u64 = portal
        .db()
        .blocking(|c| {
            c.query_row(
                "SELECT count(*) FROM catalog_models WHERE rev <= ?1",
                [cursor],
                |r| r.get(0),
            )
        })
        .unwrap();
    assert!(rows > 0, "at least one page was applied");
    assert_eq!(
        rows, on_portal,
        "the rows are exactly the pages the cursor covers"
    );
    assert_eq!(top, cursor);

    let out = home.cli(&["sync", "--page-size", "20"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let total: u64 = portal
        .db()
        .blocking(|c| c.query_row("SELECT count(*) FROM catalog_models", [], |r| r.get(0)))
        .unwrap();
    // The search index is a database of its own beside the store's.
    store
        .execute(
            "ATTACH DATABASE ?1 AS search",
            [aicc_client::catalog::index::path(&home.store_file(&url))
                .display()
                .to_string()],
        )
        .unwrap();
    let (rows, indexed): (u64, u64) = store
        .query_row(
            "SELECT (SELECT count(*) FROM catalog_models), (SELECT count(*) FROM catalog_search)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (rows, indexed),
        (total, total),
        "nothing missing, nothing twice"
    );
}

#[test]
fn no_token_is_ever_written_to_the_apps_files() {
    let (_portal_dir, url, _portal, _runtime, home) = signed_in();
    let out = home
        .cli(&["sync"])
        .env("RUST_LOG", "trace")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let logs = String::from_utf8_lossy(&out.stderr);
    assert!(
        logs.contains("TRACE"),
        "the sync ran with every log line on"
    );
    let mut files = Vec::new();
    collect(home.dir.path(), &mut files);
    assert!(
        files
            .iter()
            .any(|f| f.extension().is_some_and(|e| e == "sqlite3"))
    );
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        for prefix in [b"aat_".as_slice(), b"art_", b"apt_"] {
            assert!(
                !bytes.windows(prefix.len()).any(|w| w == prefix),
                "{} holds a token ({})",
                path.display(),
                String::from_utf8_lossy(prefix)
            );
        }
    }
    for prefix in ["aat_", "art_", "apt_"] {
        assert!(!logs.contains(prefix), "the log shows a token");
    }
    // The refresh token is in the OS keyring instead.
    let key = CenterAccount {
        url: format!("{url}/"),
        email: "partner@demo.aicc".into(),
        network: Default::default(),
    }
    .key();
    let stored =
        aicc_client::vault::CredentialStore::load(&aicc_client::vault::Keyring::new(), &key)
            .unwrap();
    assert!(stored.is_some_and(|t| t.starts_with("art_")));
    let out = home.cli(&["logout"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let gone = aicc_client::vault::CredentialStore::load(&aicc_client::vault::Keyring::new(), &key)
        .unwrap();
    assert_eq!(gone, None, "signing out deletes the keyring entry");
}

#[test]
fn without_a_secret_service_sign_in_says_what_is_missing_and_stores_nothing_in_plain_text() {
    let portal_dir = tempfile::tempdir().unwrap();
    let (url, _portal, _runtime) = serve(portal_dir.path());
    let home = Home::new();
    let out = home.login(&url, |command| {
        command
            .env(
                "DBUS_SESSION_BUS_ADDRESS",
                format!("unix:path={}", home.dir.path().join("no-bus").display()),
            )
            .env_remove("DISPLAY");
    });
    assert!(!out.status.success());
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(message.contains("keyring"), "{message}");
    assert!(
        message.contains("Secret Service"),
        "says how to fix it: {message}"
    );
    let mut files = Vec::new();
    collect(home.dir.path(), &mut files);
    for path in files {
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        assert!(!text.contains("art_"), "{} holds a token", path.display());
    }
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, files);
        } else {
            files.push(path);
        }
    }
}

/// Writes a user queued in the app, straight into the store while no sync runs.
fn queue_jobs(store_file: &Path, names: &[String]) {
    let store = aicc_client::store::Store::open(store_file).unwrap();
    for name in names {
        let request = job_request(name);
        store
            .blocking(move |c| {
                aicc_client::outbox::create_job(c, request, "2026-12-03T09:00:00Z")?;
                Ok(())
            })
            .unwrap();
    }
}

fn job_request(name: &str) -> aicc_api::jobs::JobRequest {
    serde_json::from_value(aicc_e2e::fixtures::small_job(name)).unwrap()
}

#[test]
fn a_client_killed_again_and_again_while_it_syncs_and_sends_loses_and_doubles_nothing() {
    use rand::{Rng as _, SeedableRng as _};

    let kills: usize = std::env::var("AICC_CLIENT_KILLS")
        .ok()
        .map_or(50, |n| n.parse().expect("AICC_CLIENT_KILLS is a number"));
    let (_portal_dir, url, portal, _runtime, home) = signed_in();
    let store_file = home.store_file(&url);
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x636c69);
    let mut queued = Vec::new();
    for kill in 0..kills {
        let names: Vec<String> = (0..rng.random_range(1..=2))
            .map(|n| format!("client kill {kill}-{n}"))
            .collect();
        queue_jobs(&store_file, &names);
        queued.extend(names);
        // Every run starts the way the app does: refresh the session, send
        // the outbox, pull the feeds; it is killed somewhere in there.
        let mut sync = home
            .cli(&["sync", "--page-size", "20"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(rng.random_range(0..400)));
        sync.kill().unwrap();
        sync.wait().unwrap();
    }
    let out = home.cli(&["sync", "--page-size", "20"]).output().unwrap();
    assert!(
        out.status.success(),
        "after {kills} kills the session still holds: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let on_portal: Vec<String> = portal
        .db()
        .blocking(|c| {
            c.prepare(
                "SELECT json_extract(request, '$.name') FROM jobs WHERE organisation_id =
                     (SELECT organisation_id FROM users WHERE email = 'partner@demo.aicc')",
            )?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()
        })
        .unwrap();
    for name in &queued {
        let times = on_portal.iter().filter(|n| *n == name).count();
        assert_eq!(times, 1, "{name} is on the portal {times} times");
    }
    let store = Connection::open(&store_file).unwrap();
    let (waiting, local_jobs, integrity): (u64, u64, String) = store
        .query_row(
            "SELECT (SELECT count(*) FROM outbox), (SELECT count(*) FROM jobs),
                    (SELECT integrity_check FROM pragma_integrity_check)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(waiting, 0, "every write was sent");
    assert_eq!(
        local_jobs as usize,
        on_portal.len(),
        "the store holds the center's jobs"
    );
    assert_eq!(integrity, "ok");
    println!(
        "{kills} kills during {} writes: each made exactly once, the session held, the store intact",
        queued.len()
    );
}

/// A training request as `aicc jobs submit -f` reads it: the training
/// form's fields, in TOML.
fn job_file(home: &Home, name: &str, max_hours: f64) -> PathBuf {
    let path = home.dir.path().join(format!("{name}.toml"));
    std::fs::write(
        &path,
        format!(
            r#"name = "{name}"
dataset_uri = "obs://demo-robotics/defects"
pool_id = "atlas-800t-a2"
nodes = 1
npus_per_node = 1
max_hours = {max_hours}
priority = "normal"
note = ""

[base_model]
model_id = "resnet50"

[hyperparameters]
lr = 0.001
"#
        ),
    )
    .unwrap();
    path
}

impl Home {
    /// Runs `aicc` with `args`; its stdout, or the test fails with its stderr.
    fn run(&self, args: &[&str]) -> String {
        let out = self.cli(args).output().unwrap();
        assert!(
            out.status.success(),
            "aicc {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs `aicc --json` with `args`; what it printed, parsed.
    fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.run(&[&["--json"], args].concat());
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("aicc {args:?}: {e}: {out}"))
    }
}

/// Whether the JSON list `list` holds an item that `is`.
fn holds(list: &serde_json::Value, is: impl Fn(&serde_json::Value) -> bool) -> bool {
    list.as_array().unwrap().iter().any(is)
}

#[test]
fn every_command_answers_in_a_table_and_in_the_apps_own_json() {
    let (_portal_dir, _url, _portal, runtime, home) = signed_in();
    // Piped, the catalog's progress is a line a page on stderr.
    let synced = home.cli(&["sync", "--page-size", "200"]).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&synced.stdout).trim(),
        "Up to date."
    );
    let progress = String::from_utf8_lossy(&synced.stderr);
    assert!(
        progress.lines().count() >= 2 && progress.lines().all(|l| l.starts_with("catalog: ")),
        "{progress}"
    );

    let accounts = home.json(&["accounts"]);
    assert_eq!(accounts["accounts"][0]["email"], "partner@demo.aicc");
    assert_eq!(accounts["active"], 0);
    let table = home.run(&["accounts"]);
    assert!(
        table
            .lines()
            .any(|l| l.trim_start().starts_with('*') && l.contains("partner@demo.aicc")),
        "{table}"
    );

    let found = home.json(&["models", "search", "resnet", "--framework", "mindspore"]);
    let models = found["models"].as_array().unwrap();
    assert!(!models.is_empty() && found["total"].as_u64().unwrap() >= models.len() as u64);
    assert!(
        models.iter().all(|m| m["framework"] == "mindspore"),
        "{found}"
    );
    let table = home.run(&["models", "search", "qwen"]);
    assert!(table.lines().last().unwrap().ends_with("models"), "{table}");
    let id = models[0]["id"].as_str().unwrap();
    assert_eq!(home.json(&["models", "show", id])["model"]["id"], id);
    assert!(home.run(&["models", "show", id]).contains(id));

    let pools = home.json(&["pools"]);
    assert!(
        pools
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == "atlas-800t-a2")
    );
    assert!(home.json(&["quota"])["npu_hours_total"].as_f64().unwrap() > 0.0);
    let quota = home.run(&["quota"]);
    assert!(quota.contains("NPU-hours remaining"), "{quota}");
    assert!(
        quota.contains("340.0 NPU-hours of compute credits"),
        "the demo startup's credits: {quota}"
    );

    let file = job_file(&home, "nightly fine-tune", 0.1);
    let submitted = home.json(&["jobs", "submit", "-f", file.to_str().unwrap()]);
    let job = submitted["job"]["id"].as_str().unwrap().to_owned();
    assert_eq!(submitted["local"], false, "sent at once: {submitted}");
    let listed = home.json(&["jobs", "list"]);
    assert!(holds(&listed, |v| v["job"]["id"] == job.as_str()));
    assert!(
        home.run(&["jobs", "show", &job])
            .contains("nightly fine-tune")
    );
    // The demo startup's one application is the solution the center
    // certified (it is in the directory).
    let applications = home.json(&["applications", "list"]);
    let states: Vec<&str> = applications
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["application"]["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["certified"], "{applications}");
    home.run(&["jobs", "logs", &job]);

    assert_eq!(home.json(&["models", "favourite", id])["favourite"], true);
    assert_eq!(
        home.json(&["models", "favourite", id, "--remove"])["favourite"],
        false
    );

    let made = home.json(&["tokens", "create", "--name", "ci", "--scope", "read"]);
    assert!(
        made["token"].as_str().unwrap().starts_with("apt_"),
        "{made}"
    );
    let token = made["id"].as_str().unwrap();
    let listed = home.json(&["tokens", "list"]);
    assert!(holds(&listed, |t| t["id"] == token && t.get("token").is_none()));
    home.run(&["tokens", "revoke", token]);

    // Wrong input says what was wrong, on stderr, with a failing status.
    let out = home
        .cli(&["models", "search", "--framework", "caffe"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("mindspore"));
    let out = home.cli(&["jobs", "show", "job_nothing"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("aicc jobs list"));
    // In the user's language, as the app says it.
    let out = home
        .cli(&["jobs", "show", "job_nothing"])
        .env("LANG", "zh_CN.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("请检查输入"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // With the center gone, reads answer from this computer's copy and say so.
    drop(runtime);
    let out = home.cli(&["jobs", "list"]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("nightly fine-tune"));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("this computer’s copy"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = home.cli(&["--offline", "jobs", "list"]).output().unwrap();
    assert!(out.status.success() && out.stderr.is_empty());

    // A write with the center gone waits in the outbox, and the exit code
    // says it was not sent.
    let file = job_file(&home, "while the center is away", 0.1);
    let out = home
        .cli(&["--offline", "jobs", "submit", "-f", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(6),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("aicc sync"));
    assert!(
        home.run(&["--offline", "jobs", "list"])
            .contains("waiting to be sent")
    );
}

#[test]
fn a_reader_that_goes_away_ends_the_command_quietly() {
    let (_portal_dir, _url, _portal, _runtime, home) = signed_in();
    home.run(&["sync"]);
    let mut reading = home
        .cli(&["--json", "--offline", "models", "search", "--limit", "1000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 1];
    std::io::Read::read_exact(reading.stdout.as_mut().unwrap(), &mut first).unwrap();
    drop(reading.stdout.take());
    let out = reading.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_write_the_center_refused_is_shown_as_refused_and_can_be_given_up() {
    let (_portal_dir, _url, _portal, _runtime, home) = signed_in();
    home.run(&["sync"]);
    // The app cannot know the catalog's versions of every model; the center can.
    let refused = home
        .cli(&[
            "jobs",
            "submit",
            "--name",
            "old weights",
            "--model",
            "resnet50",
            "--model-version",
            "9.9.9",
            "--dataset",
            "obs://demo-robotics/defects",
            "--pool",
            "atlas-800t-a2",
            "--max-hours",
            "0.1",
        ])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("9.9.9") && said.contains("aicc outbox"),
        "{said}"
    );

    let outbox = home.json(&["outbox", "list"]);
    let [entry] = &outbox.as_array().unwrap()[..] else {
        panic!("{outbox}")
    };
    assert!(
        entry["refusal"]["message"]
            .as_str()
            .unwrap()
            .contains("9.9.9")
    );
    assert!(
        home.run(&["--offline", "jobs", "list"])
            .contains("refused by the center")
    );
    let local = home.json(&["--offline", "jobs", "list"])[0]["job"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let watched = home
        .cli(&["jobs", "watch", &local, "--every", "1"])
        .output()
        .unwrap();
    assert_eq!(
        watched.status.code(),
        Some(5),
        "a request never made never ends"
    );
    let synced = home.cli(&["sync"]).output().unwrap();
    assert!(String::from_utf8_lossy(&synced.stderr).contains("aicc outbox"));

    let seq = entry["seq"].to_string();
    home.run(&["outbox", "discard", &seq]);
    assert_eq!(home.json(&["outbox", "list"]), serde_json::json!([]));
    assert_eq!(
        home.json(&["--offline", "jobs", "list"]),
        serde_json::json!([])
    );
}

#[test]
fn jobs_watch_exits_with_how_the_job_ended() {
    let (_portal_dir, _url, _portal, _runtime, home) = signed_in();
    home.run(&["sync"]);

    let quick = job_file(&home, "quick", 0.1);
    let id = home.run(&["jobs", "submit", "-f", quick.to_str().unwrap()]);
    let watched = home
        .cli(&["jobs", "watch", id.trim(), "--every", "1"])
        .output()
        .unwrap();
    assert_eq!(
        watched.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&watched.stderr)
    );
    assert!(String::from_utf8_lossy(&watched.stdout).contains("Succeeded"));

    let long = job_file(&home, "long", 8.0);
    let id = home.run(&["jobs", "submit", "-f", long.to_str().unwrap()]);
    home.run(&["jobs", "cancel", id.trim()]);
    let watched = home
        .cli(&["--json", "jobs", "watch", id.trim(), "--every", "1"])
        .output()
        .unwrap();
    assert_eq!(watched.status.code(), Some(4), "cancelled");
    let last: serde_json::Value = serde_json::from_slice(&watched.stdout).unwrap();
    assert_eq!(last["job"]["state"], "cancelled");

    // At a center where every job fails.
    let failing_dir = tempfile::tempdir().unwrap();
    let (failing, _failing_portal, _failing_runtime) = serve_with(
        failing_dir.path(),
        ExecutorConfig::Simulated {
            time_scale: 120.0,
            failure_rate: 1.0,
        },
    );
    home.sign_in(&failing);
    home.run(&["sync"]);
    let id = home.run(&["jobs", "submit", "-f", quick.to_str().unwrap()]);
    let watched = home
        .cli(&["jobs", "watch", id.trim(), "--every", "1"])
        .output()
        .unwrap();
    assert_eq!(watched.status.code(), Some(3), "failed");
    assert!(String::from_utf8_lossy(&watched.stdout).contains("Failed"));
}

#[test]
fn a_script_works_as_the_account_of_its_personal_access_token_and_keeps_it_nowhere() {
    let (_portal_dir, url, _portal, _runtime, home) = signed_in();
    let made = home.json(&["tokens", "create", "--name", "ci", "--scope", "read"]);
    let token = made["token"].as_str().unwrap().to_owned();

    // Another computer: nobody logged in, no keyring entry, the token in
    // the environment.
    let ci = Home::new();
    let with_token = |args: &[&str]| {
        let mut command = ci.cli(args);
        command.env("AICC_CENTER", &url).env("AICC_TOKEN", &token);
        command.output().unwrap()
    };
    let pools = with_token(&["--json", "pools"]);
    assert!(
        pools.status.success(),
        "{}",
        String::from_utf8_lossy(&pools.stderr)
    );
    let pools: serde_json::Value = serde_json::from_slice(&pools.stdout).unwrap();
    assert!(!pools.as_array().unwrap().is_empty());

    let file = job_file(&ci, "from ci", 0.1);
    let refused = with_token(&["jobs", "submit", "-f", file.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(1));
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("refused") && said.contains("scope"), "{said}");
    assert_eq!(with_token(&["logout"]).status.code(), Some(1));
    let mut bogus = ci.cli(&["pools"]);
    let bogus = bogus
        .env("AICC_CENTER", &url)
        .env("AICC_TOKEN", "apt_not_a_token")
        .output()
        .unwrap();
    assert_eq!(bogus.status.code(), Some(1));
    let said = String::from_utf8_lossy(&bogus.stderr);
    assert!(said.contains("aicc tokens create"), "{said}");

    let mut files = Vec::new();
    collect(ci.dir.path(), &mut files);
    for path in files {
        let content = std::fs::read(&path).unwrap();
        assert!(
            !content.windows(token.len()).any(|w| w == token.as_bytes()),
            "the token is in {}",
            path.display()
        );
    }
}

#[test]
fn completions_and_the_manual_come_from_the_commands_themselves() {
    let home = Home::new();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let script = home.run(&["completions", shell]);
        assert!(
            script.contains("aicc") && script.contains("watch"),
            "{shell}"
        );
    }
    let manual = home.run(&["man"]);
    assert!(
        manual.starts_with(".ie") || manual.contains(".TH aicc"),
        "{manual}"
    );
    assert!(manual.contains("jobs"));
}

#[test]
fn a_request_from_flags_takes_the_models_recipe_and_says_what_is_missing() {
    let (_portal_dir, _url, _portal, _runtime, home) = signed_in();
    home.run(&["sync"]);
    let recipe = home.json(&["models", "show", "resnet50"])["recipe"].clone();
    assert!(recipe["npus_per_node"].as_u64().unwrap() > 0, "{recipe}");

    let flags = [
        "jobs",
        "submit",
        "--name",
        "defects v2",
        "--model",
        "resnet50",
        "--dataset",
        "obs://demo-robotics/defects",
        "--pool",
        "atlas-800t-a2",
        "--max-hours",
        "0.1",
        "--priority",
        "high",
        "--param",
        "lr=0.001",
        "--param",
        "epochs=3",
        "--param",
        "amp=true",
        "--param",
        "optimizer=adamw",
    ];
    let job = home.json(&flags);
    let request = &job["job"]["request"];
    assert_eq!(request["nodes"], recipe["nodes"]);
    assert_eq!(request["npus_per_node"], recipe["npus_per_node"]);
    assert_eq!(request["priority"], "high");
    assert_eq!(
        request["hyperparameters"],
        serde_json::json!({ "lr": 0.001, "epochs": 3, "amp": true, "optimizer": "adamw" })
    );

    // A misspelt field, an unknown model, a version without a model: named.
    let misspelt = home.dir.path().join("misspelt.toml");
    std::fs::write(
        &misspelt,
        std::fs::read_to_string(job_file(&home, "misspelt", 0.1))
            .unwrap()
            .replace("priority = \"normal\"", "priorty = \"high\""),
    )
    .unwrap();
    for (args, said) in [
        (
            vec!["jobs", "submit", "-f", misspelt.to_str().unwrap()],
            "priorty",
        ),
        (
            vec!["jobs", "submit", "--model", "no-such-model"],
            "no-such-model",
        ),
        (
            vec!["jobs", "submit", "--image", "x", "--model-version", "3"],
            "--model",
        ),
        (
            vec!["models", "favourite", "no-such-model"],
            "no-such-model",
        ),
    ] {
        let out = home.cli(&args).output().unwrap();
        assert_ne!(out.status.code(), Some(0), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(said), "{args:?}: {stderr}");
    }
    assert_eq!(
        home.json(&["outbox", "list"]),
        serde_json::json!([]),
        "nothing queued"
    );

    // Flags win over the file; what the file and flags leave out is named.
    let file = job_file(&home, "from the file", 0.1);
    let job = home.json(&[
        "jobs",
        "submit",
        "-f",
        file.to_str().unwrap(),
        "--name",
        "renamed",
        "--nodes",
        "1",
    ]);
    assert_eq!(job["job"]["request"]["name"], "renamed");
    assert_eq!(
        job["job"]["request"]["dataset_uri"],
        "obs://demo-robotics/defects"
    );
    let out = home
        .cli(&[
            "jobs",
            "submit",
            "--name",
            "n",
            "--model",
            "resnet50",
            "--pool",
            "atlas-800t-a2",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("dataset_uri") && said.contains("--dataset"),
        "{said}"
    );
    // Checked as the form checks it: nothing queued.
    let out = home
        .cli(&[&flags[..], &["--nodes", "999"]].concat())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nodes"));
    assert_eq!(
        home.json(&["--offline", "jobs", "list"])
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn center_picks_among_the_signed_in_accounts_for_one_command() {
    let (_portal_dir, first, _portal, _runtime, home) = signed_in();
    let second_dir = tempfile::tempdir().unwrap();
    let (second, _second_portal, _second_runtime) = serve(second_dir.path());
    home.sign_in(&second);
    assert_eq!(home.json(&["accounts"])["active"], 1);

    let file = job_file(&home, "at the first center", 0.1);
    home.run(&["--center", &first, "sync"]);
    let job = home.json(&[
        "--center",
        &first,
        "jobs",
        "submit",
        "-f",
        file.to_str().unwrap(),
    ]);
    let id = job["job"]["id"].as_str().unwrap();
    let at = |center: &str| home.json(&["--center", center, "--offline", "jobs", "list"]);
    assert!(holds(&at(&first), |v| v["job"]["id"] == id));
    assert!(!holds(&at(&second), |v| v["job"]["id"] == id));
    assert!(!holds(
        &home.json(&["--offline", "jobs", "list"]),
        |v| v["job"]["id"] == id
    ));
    assert_eq!(
        home.json(&["accounts"])["active"],
        1,
        "the account in use is unchanged"
    );

    let out = home
        .cli(&["--center", "https://aicc.elsewhere.example", "pools"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("aicc --center URL login"));
}

/// The key paths of a JSON value: `.a.b` for each object's keys, `[]` for
/// an array's items, whatever the values.
fn shape(value: &serde_json::Value, path: &str, paths: &mut std::collections::BTreeSet<String>) {
    match value {
        serde_json::Value::Object(fields) => {
            for (key, value) in fields {
                let path = format!("{path}.{key}");
                paths.insert(path.clone());
                shape(value, &path, paths);
            }
        }
        serde_json::Value::Array(items) => {
            let path = format!("{path}[]");
            for item in items {
                shape(item, &path, paths);
            }
        }
        _ => {}
    }
}

/// Every command's `--json` shape, as `docs/cli-json.md` documents it for
/// scripts: a field renamed, moved or dropped fails here; a new one is
/// documented with `UPDATE_CLI_JSON=1`.
#[test]
fn the_json_of_every_command_keeps_its_documented_shape() {
    let (_portal_dir, _url, _portal, _runtime, home) = signed_in();
    home.run(&["sync"]);
    let file = job_file(&home, "shape", 0.1);
    let job = home.json(&["jobs", "submit", "-f", file.to_str().unwrap()]);
    let id = job["job"]["id"].as_str().unwrap().to_owned();
    let watched = home
        .cli(&["jobs", "watch", &id, "--every", "1"])
        .output()
        .unwrap();
    assert!(watched.status.success());
    let token = home.json(&["tokens", "create", "--name", "shape"]);
    let commands: Vec<Vec<&str>> = vec![
        vec!["accounts"],
        vec!["sync"],
        vec!["models", "search", "resnet"],
        vec!["models", "show", "resnet50"],
        vec!["models", "favourite", "resnet50"],
        vec!["pools"],
        vec!["quota"],
        vec!["jobs", "list"],
        vec!["jobs", "show", &id],
        vec!["jobs", "watch", &id],
        vec!["jobs", "logs", &id],
        vec!["applications", "list"],
        vec!["tokens", "list"],
        vec!["outbox", "list"],
    ];
    let mut doc = String::from(
        "# `aicc --json`: what each command prints\n\n\
         Generated by `crates/client/tests/cli.rs` from a real run; a change here is a change \
         scripts see. Each line is a key path (`[]` an array's items); the types are the app's \
         own (`ui/src/lib/bindings.ts`). `jobs logs` prints one object a line.\n",
    );
    let mut section = |name: &str, value: &serde_json::Value| {
        let mut paths = std::collections::BTreeSet::new();
        shape(value, "", &mut paths);
        let kind = match value {
            serde_json::Value::Array(_) => "a list",
            serde_json::Value::Object(_) => "an object",
            _ => "a string",
        };
        doc.push_str(&format!("\n## `aicc {name}`\n\n{kind}\n"));
        if !paths.is_empty() {
            doc.push_str("\n```\n");
            for path in paths {
                doc.push_str(&format!("{path}\n"));
            }
            doc.push_str("```\n");
        }
    };
    for args in &commands {
        let name = args
            .iter()
            .map(|a| if *a == id { "ID" } else { a })
            .collect::<Vec<_>>();
        let value = if args.starts_with(&["jobs", "logs"]) {
            let out = home.run(&[&["--json"], &args[..]].concat());
            let first = out.lines().next().unwrap();
            serde_json::from_str(first).unwrap()
        } else {
            home.json(args)
        };
        section(&name.join(" "), &value);
    }
    section("jobs submit", &job);
    section("tokens create", &token);

    let pinned = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/cli-json.md");
    if std::env::var_os("UPDATE_CLI_JSON").is_some() {
        std::fs::write(&pinned, &doc).unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(&pinned).unwrap_or_default(),
        doc,
        "aicc's JSON changed shape: if on purpose, run with UPDATE_CLI_JSON=1 and say so to script authors"
    );
}

#[test]
fn an_estimate_asks_every_center_and_suggests_the_one_that_starts_soonest() {
    let (_portal_dir, busy, _portal, _runtime, home) = signed_in();
    let idle_dir = tempfile::tempdir().unwrap();
    let (idle, _idle_portal, _idle_runtime) = serve(idle_dir.path());
    home.sign_in(&idle);
    home.run(&["--center", &idle, "sync"]);
    // The first center's big pool fills with long jobs.
    let fill = [
        "--center",
        &busy,
        "jobs",
        "submit",
        "--name",
        "long pretraining",
        "--model",
        "resnet50",
        "--dataset",
        "obs://demo-robotics/defects",
        "--pool",
        "atlas-800t-a2",
        "--nodes",
        "8",
        "--npus-per-node",
        "8",
        "--max-hours",
        "8",
    ];
    home.run(&fill);
    let ask = [
        "--center",
        &busy,
        "jobs",
        "estimate",
        "--name",
        "next fine-tune",
        "--model",
        "resnet50",
        "--dataset",
        "obs://demo-robotics/defects",
        "--pool",
        "atlas-800t-a2",
        "--nodes",
        "1",
        "--npus-per-node",
        "8",
        "--max-hours",
        "1",
    ];
    let mut answers = serde_json::Value::Null;
    for _ in 0..50 {
        answers = home.json(&ask);
        let started = answers[0]["estimate"]["start"]["now"] == false;
        if started {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let list = answers.as_array().unwrap();
    assert_eq!(list.len(), 2, "{answers}");
    let at = |url: &str| {
        list.iter()
            .find(|a| {
                a["state"]["account"]["url"]
                    .as_str()
                    .unwrap()
                    .starts_with(url)
            })
            .unwrap()
    };
    let (busy_answer, idle_answer) = (at(&busy), at(&idle));
    assert_eq!(busy_answer["estimate"]["admissible"], true);
    assert_eq!(
        busy_answer["estimate"]["start"]["now"], false,
        "{busy_answer}"
    );
    assert_eq!(
        idle_answer["estimate"]["start"]["now"], true,
        "{idle_answer}"
    );
    assert_eq!(idle_answer["suggested"], true);
    assert_eq!(busy_answer["suggested"], false);
    // Nothing was sent to either.
    assert_eq!(
        home.json(&["--center", &idle, "--offline", "jobs", "list"]),
        serde_json::json!([])
    );
    let table = home.run(&ask);
    assert!(
        table.lines().any(|l| l.trim_start().starts_with('*')),
        "{table}"
    );
}
