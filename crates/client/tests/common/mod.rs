//! What the client's integration tests share: a real portal in-process on
//! a loopback port, a session signed in to it, a store in a temporary
//! directory, a small training request, and waiting for the engine.

#![allow(clippy::unwrap_used, dead_code)] // each test file uses part of it

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use aicc_api::jobs::{JobRequest, ModelRef, Priority};
use aicc_api::sync::{ChangePage, Collection};
use aicc_client::session::{Credentials, Session};
use aicc_client::store::Store;
use aicc_client::sync::{SyncEngine, SyncReport, SyncStatus};
use aicc_client::vault::MemoryStore;
use aicc_portal::Portal;
use aicc_portal::config::Config;
use tokio::task::JoinHandle;

pub struct TestPortal {
    pub url: String,
    pub portal: Portal,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl TestPortal {
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap();
        }
    }
}

impl Drop for TestPortal {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

pub fn config(dir: &tempfile::TempDir) -> Config {
    Config {
        data_dir: dir.path().into(),
        scheduler_tick_ms: 50,
        requests_per_second: 10_000,
        ..Config::default()
    }
}

pub async fn portal_on(config: Config, address: &str) -> TestPortal {
    let portal = Portal::open(config, true).unwrap();
    let listener = tokio::net::TcpListener::bind(address).await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel();
    let serving = portal.clone();
    let task = tokio::spawn(async move {
        serving
            .serve(listener, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
    });
    TestPortal {
        url,
        portal,
        stop: Some(stop),
        task: Some(task),
    }
}

pub async fn signed_in(url: &str) -> (Arc<Session>, Arc<MemoryStore>) {
    let vault = Arc::new(MemoryStore::default());
    let (session, account) = Session::sign_in(
        url,
        &Default::default(),
        &Credentials::password("partner@demo.aicc", "demo-password"),
        vault.clone(),
    )
    .await
    .unwrap();
    assert_eq!(account.organisation, "Demo Robotics");
    (Arc::new(session), vault)
}

pub fn temp_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.sqlite3")).unwrap();
    (dir, store)
}

pub fn everything() -> aicc_client::catalog::CatalogQuery {
    aicc_client::catalog::CatalogQuery::default()
}

pub fn request(nodes: u32) -> JobRequest {
    JobRequest {
        name: format!("fine-tune on {nodes} nodes"),
        base_model: Some(ModelRef {
            model_id: "qwen3-32b".into(),
            version: None,
        }),
        custom_image: None,
        dataset_uri: "obs://demo-robotics/instructions".into(),
        pool_id: "atlas-800t-a2".into(),
        nodes,
        npus_per_node: 8,
        max_hours: 2.0,
        hyperparameters: BTreeMap::from([("lr".to_owned(), serde_json::json!(0.0001))]),
        priority: Priority::Normal,
        note: String::new(),
    }
}

pub async fn settled(engine: &SyncEngine) -> SyncReport {
    let mut reports = engine.subscribe();
    loop {
        reports.changed().await.unwrap();
        let report = reports.borrow_and_update().clone();
        if !matches!(report.status, SyncStatus::Idle | SyncStatus::Syncing { .. }) {
            return report;
        }
    }
}

pub async fn wait_until_job(session: &Session, id: &str, state: &str) {
    for _ in 0..200 {
        let token = session.access_token().await.unwrap();
        let page: ChangePage<aicc_api::jobs::Job> = session
            .portal()
            .changes(&token, Collection::Jobs, 0, 100)
            .await
            .unwrap();
        let done = page.changes.iter().any(|c| match c {
            aicc_api::sync::Change::Upsert { item, .. } => {
                item.id == id && item.state.as_str() == state
            }
            aicc_api::sync::Change::Tombstone { .. } => false,
        });
        if done {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("job {id} never reached {state}");
}
