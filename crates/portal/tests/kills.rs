//! The kill campaign: the portal, as a process, SIGKILLed again and again
//! while a partner's writes arrive, each sent the way the app's outbox
//! sends it (one idempotency key per write, retried until it has an
//! answer). After the campaign, every write the partner was told was
//! made is on the portal exactly once, and none is stuck.
//!
//! `AICC_PORTAL_KILLS=N` sets how many kills (CI-sized by default;
//! `cargo xtask soak` runs more).

#![allow(clippy::unwrap_used)] // a test helper that cannot do its job should stop the test

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aicc_e2e::fixtures::small_job;
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use reqwest::StatusCode;
use reqwest::blocking::Client;
use serde_json::{Value, json};

/// Kills `cargo test` makes when told nothing.
const DEFAULT_KILLS: usize = 50;
/// The longest one write may take to get its answer across restarts.
const PATIENCE: Duration = Duration::from_secs(60);

/// The portal process, restarted after each kill on the same data.
struct Center {
    dir: tempfile::TempDir,
    process: Mutex<Option<aicc_e2e::Portal>>,
    url: Mutex<String>,
}

impl Center {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("portal.toml"),
            "requests_per_second = 100000\nscheduler_tick_ms = 50\n",
        )
        .unwrap();
        let center = Self {
            dir,
            process: Mutex::new(None),
            url: Mutex::new(String::new()),
        };
        center.restart();
        center
    }

    fn restart(&self) {
        let process = aicc_e2e::Portal::start_configured(
            Path::new(env!("CARGO_BIN_EXE_aicc-portal")),
            &self.dir.path().join("data"),
            &self.dir.path().join("portal.toml"),
        )
        .unwrap();
        *self.url.lock().unwrap() = process.url.clone();
        *self.process.lock().unwrap() = Some(process);
    }

    /// SIGKILL, then a new process on the same database.
    fn kill_and_restart(&self) {
        if let Some(mut process) = self.process.lock().unwrap().take() {
            process.stop().unwrap();
        }
        self.restart();
    }

    fn url(&self) -> String {
        self.url.lock().unwrap().clone()
    }
}

/// Sends one write until it has a definite answer, with the same key
/// every time, as the outbox does; the answer's status.
fn send(center: &Center, http: &Client, token: &str, key: &str, body: &Value) -> StatusCode {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let answer = http
            .post(format!("{}/v1/jobs", center.url()))
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(body)
            .send();
        match answer {
            Ok(answer) if answer.status().is_success() => return answer.status(),
            Ok(answer) if answer.status().is_client_error() => {
                // The outbox keeps a refusal for the user; here every write
                // is valid, so a refusal that lasts means it is stuck.
                assert!(
                    Instant::now() < deadline,
                    "write {key} is still refused after {PATIENCE:?}: {} {}",
                    answer.status(),
                    answer.text().unwrap_or_default()
                );
            }
            _ => assert!(
                Instant::now() < deadline,
                "write {key} got no answer in {PATIENCE:?}"
            ),
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_portal_killed_while_answering_writes_makes_each_exactly_once() {
    let kills: usize = std::env::var("AICC_PORTAL_KILLS")
        .ok()
        .map_or(DEFAULT_KILLS, |n| {
            n.parse().expect("AICC_PORTAL_KILLS is a number")
        });
    let center = Arc::new(Center::start());
    let http = Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let grant: Value = http
        .post(format!("{}/v1/auth/token", center.url()))
        .json(&json!({"email": "partner@demo.aicc", "password": "demo-password"}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let token = grant["access_token"].as_str().unwrap().to_owned();

    let done = Arc::new(AtomicBool::new(false));
    let killed = Arc::new(AtomicUsize::new(0));
    let killer = {
        let (center, done, killed) = (Arc::clone(&center), Arc::clone(&done), Arc::clone(&killed));
        std::thread::spawn(move || {
            let mut rng = StdRng::seed_from_u64(0x6b696c6c);
            while !done.load(Ordering::SeqCst) && killed.load(Ordering::SeqCst) < kills {
                // Somewhere inside the next few writes.
                std::thread::sleep(Duration::from_millis(rng.random_range(5..60)));
                center.kill_and_restart();
                killed.fetch_add(1, Ordering::SeqCst);
            }
        })
    };

    let mut made = BTreeMap::new();
    let mut n = 0;
    while killed.load(Ordering::SeqCst) < kills {
        let name = format!("kill campaign write {n}");
        let key = format!("kill-{n}");
        send(&center, &http, &token, &key, &small_job(&name));
        made.insert(name, key);
        n += 1;
    }
    done.store(true, Ordering::SeqCst);
    killer.join().unwrap();

    let mut on_center: BTreeMap<String, usize> = BTreeMap::new();
    let mut after = 0;
    loop {
        let page: Value = http
            .get(format!(
                "{}/v1/jobs/changes?after={after}&limit=1000",
                center.url()
            ))
            .bearer_auth(&token)
            .send()
            .unwrap()
            .json()
            .unwrap();
        for change in page["changes"].as_array().unwrap() {
            if let Some(name) = change["item"]["request"]["name"].as_str() {
                *on_center.entry(name.to_owned()).or_default() += 1;
            }
        }
        after = page["next"].as_u64().unwrap();
        if !page["more"].as_bool().unwrap() {
            break;
        }
    }
    for name in made.keys() {
        assert_eq!(
            on_center.get(name).copied().unwrap_or(0),
            1,
            "{name} is on the portal {} times",
            on_center.get(name).copied().unwrap_or(0)
        );
    }
    eprintln!(
        "{} kills during {} writes: each made exactly once",
        killed.load(Ordering::SeqCst),
        made.len()
    );
}
