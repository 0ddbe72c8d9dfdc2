//! The outbox against a model: random sequences of writes the user queues
//! (training requests and their cancellations), drains through a center
//! whose answers are refused, unavailable or lost after the work was done,
//! and crashes of the app between them (the store closed and opened
//! again). After a last drain on a good network, the center holds exactly
//! what the model says: each request once unless the center refused it,
//! each cancellation applied unless refused, and nothing left waiting.

#![allow(clippy::unwrap_used)] // a test helper that cannot do its job should stop the test

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use aicc_api::jobs::JobRequest;
use aicc_client::outbox::{self, Write};
use aicc_client::session::{Credentials, Session};
use aicc_client::store::Store;
use aicc_client::vault::MemoryStore;
use aicc_e2e::fixtures::small_job;
use aicc_portal::Portal;
use aicc_portal::config::Config;
use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use proptest::prelude::*;

/// What the network does to one write on its way.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fate {
    Pass,
    /// The center refuses it (422) and makes nothing; a write it has seen
    /// before is answered as then instead.
    Refused,
    /// A gateway answers 503 before the center sees it.
    Unavailable,
    /// The center makes it; its answer is lost (a gateway's 502).
    AnswerLost,
}

/// What the user, or the app's fate, does next.
#[derive(Debug, Clone)]
enum Step {
    QueueJob,
    /// Cancels the n-th job queued so far (modulo), if any.
    Cancel(usize),
    Drain,
    /// The app is killed and started again: the store is opened anew.
    Crash,
}

fn fate() -> impl Strategy<Value = Fate> {
    prop_oneof![
        5 => Just(Fate::Pass),
        1 => Just(Fate::Refused),
        1 => Just(Fate::Unavailable),
        2 => Just(Fate::AnswerLost),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => Just(Step::QueueJob),
        1 => any::<usize>().prop_map(Step::Cancel),
        2 => Just(Step::Drain),
        1 => Just(Step::Crash),
    ]
}

/// The fates still to come, shared with the center's front door.
type Fates = Arc<Mutex<VecDeque<Fate>>>;

/// The center behind a front door that deals each write its fate.
async fn center(dir: &std::path::Path, fates: Fates) -> (String, Portal) {
    let portal = Portal::open(
        Config {
            data_dir: dir.to_owned(),
            requests_per_second: 10_000,
            ..Config::default()
        },
        true,
    )
    .unwrap();
    // Keys of writes the center has seen: it would answer those again as it
    // did, never refuse them afresh.
    let reached: Arc<Mutex<HashSet<String>>> = Arc::default();
    let router = portal.router().layer(axum::middleware::from_fn(
        move |request: Request, next: Next| {
            let (fates, reached) = (Arc::clone(&fates), Arc::clone(&reached));
            async move {
                let key = request
                    .headers()
                    .get("idempotency-key")
                    .and_then(|k| k.to_str().ok())
                    .map(str::to_owned);
                let fate = match key {
                    Some(key)
                        if request.method() == Method::POST
                            && request.uri().path().starts_with("/v1/jobs") =>
                    {
                        let fate = fates.lock().unwrap().pop_front().unwrap_or(Fate::Pass);
                        let mut reached = reached.lock().unwrap();
                        match fate {
                            Fate::Refused if reached.contains(&key) => Fate::Pass,
                            Fate::Pass | Fate::AnswerLost => {
                                reached.insert(key);
                                fate
                            }
                            other => other,
                        }
                    }
                    _ => Fate::Pass,
                };
                match fate {
                    Fate::Pass => next.run(request).await,
                    Fate::Refused => refused(),
                    Fate::Unavailable => StatusCode::SERVICE_UNAVAILABLE.into_response(),
                    Fate::AnswerLost => {
                        drop(next.run(request).await);
                        StatusCode::BAD_GATEWAY.into_response()
                    }
                }
            }
        },
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    (url, portal)
}

fn refused() -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        axum::Json(serde_json::json!({
            "error": {"code": "invalid_input", "message": "refused by the test", "field": "name"}
        })),
    )
        .into_response()
}

/// Runs `steps` with `fates` dealt to the writes; then checks the model.
async fn run(steps: Vec<Step>, fates: Vec<Fate>) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let fates: Fates = Arc::new(Mutex::new(fates.into()));
    let (url, portal) = center(&dir.path().join("portal"), Arc::clone(&fates)).await;
    let (session, _) = Session::sign_in(
        &url,
        &Default::default(),
        &Credentials::password("partner@demo.aicc", "demo-password"),
        Arc::new(MemoryStore::default()),
    )
    .await
    .unwrap();
    let path = dir.path().join("store.sqlite3");
    let mut store = Store::open(&path).unwrap();
    // The local id each queued job was given, and whether it was cancelled.
    let mut jobs: Vec<(String, String, bool)> = Vec::new();
    for step in steps {
        match step {
            Step::QueueJob => {
                let name = format!("job {}", jobs.len());
                let request: JobRequest = serde_json::from_value(small_job(&name)).unwrap();
                let id = store
                    .call(move |c| outbox::create_job(c, request, "t"))
                    .await
                    .unwrap();
                jobs.push((name, id, false));
            }
            Step::Cancel(n) if !jobs.is_empty() => {
                let n = n % jobs.len();
                if !jobs[n].2 {
                    let id = jobs[n].1.clone();
                    store
                        .call(move |c| outbox::cancel_job(c, &id, "t"))
                        .await
                        .unwrap();
                    jobs[n].2 = true;
                }
            }
            Step::Cancel(_) => {}
            Step::Drain => {
                // A failure stops the drain; what is left is sent later.
                let _ = outbox::drain(&session, &store, None).await;
            }
            Step::Crash => {
                drop(store);
                store = Store::open(&path).unwrap();
            }
        }
    }
    fates.lock().unwrap().clear();
    outbox::drain(&session, &store, None).await.unwrap();

    let left = store.call(|c| outbox::entries(c)).await.unwrap();
    prop_assert!(
        left.iter().all(|e| e.refusal.is_some()),
        "writes still waiting after a good drain: {left:?}"
    );
    let refused_create = |name: &str| {
        left.iter()
            .any(|e| matches!(&e.write, Write::CreateJob { request, .. } if request.name == name))
    };
    let on_center: Vec<(String, String, String)> = portal.db().blocking(|c| {
        c.prepare("SELECT json_extract(request, '$.name'), state, id FROM jobs")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    });
    for (name, local_id, cancelled) in &jobs {
        let made: Vec<(&String, &String)> = on_center
            .iter()
            .filter(|(n, _, _)| n == name)
            .map(|(_, state, id)| (state, id))
            .collect();
        if refused_create(name) {
            prop_assert!(made.is_empty(), "{name}: refused, yet made {made:?}");
            continue;
        }
        prop_assert_eq!(made.len(), 1, "{}: made {:?} times", name, made);
        let (state, id) = made[0];
        // A cancellation the center refused stays in the outbox, with its reason.
        let cancel_refused = left.iter().any(|e| {
            matches!(&e.write, Write::CancelJob { job_id } if job_id == local_id || job_id == id)
        });
        if *cancelled && !cancel_refused {
            prop_assert_eq!(state.as_str(), "cancelled", "{}", name);
        }
        if !*cancelled {
            prop_assert_ne!(state.as_str(), "cancelled", "{}", name);
        }
    }
    prop_assert_eq!(
        on_center.len(),
        jobs.iter().filter(|(n, _, _)| !refused_create(n)).count(),
        "the center holds a job nobody queued"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("AICC_OUTBOX_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(48),
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_outbox_makes_each_write_once_whatever_the_network_and_crashes_do(
        steps in proptest::collection::vec(step(), 1..16),
        fates in proptest::collection::vec(fate(), 0..24),
    ) {
        tokio::runtime::Runtime::new().unwrap().block_on(run(steps, fates))?;
    }
}
