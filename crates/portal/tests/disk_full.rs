//! A full disk: the portal's data directory on a small disk of its own.
//! Writes are refused with 507 `storage_full` (nothing half-made), reads
//! go on, and once space is freed the same requests succeed, once.

#![allow(clippy::unwrap_used)] // a test helper that cannot do its job should stop the test

mod common;

use aicc_e2e::SmallDisk;
use aicc_portal::config::Config;
use common::{PDF, Server, complete_form, job};
use reqwest::{Method, StatusCode};
use serde_json::Value;

async fn post_job(server: &Server, token: &str, key: &str) -> (StatusCode, Value) {
    let answer = server
        .http
        .post(format!("{}/v1/jobs", server.url))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&{
            let mut job = job("atlas-800t-a2", 1, 1, 0.5);
            job["name"] = key.into();
            job
        })
        .send()
        .await
        .unwrap();
    (answer.status(), answer.json().await.unwrap())
}

#[tokio::test]
async fn a_full_disk_refuses_writes_clearly_keeps_everything_and_recovers() {
    let disk = SmallDisk::mount(24 * 1024 * 1024).unwrap();
    let server = Server::start(Config {
        data_dir: disk.path().join("portal"),
        scheduler_tick_ms: 50,
        requests_per_second: 100_000,
        ..Config::default()
    })
    .await;
    let token = server.token("partner@demo.aicc").await;
    let (status, application) = server
        .call(
            Method::POST,
            "/v1/applications",
            Some(&token),
            Some(complete_form()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let application = application["id"].as_str().unwrap().to_owned();

    disk.fill().unwrap();

    // An attachment needs space of its own: refused at once.
    let upload = server
        .http
        .post(format!(
            "{}/v1/applications/{application}/attachments?file_name=brief.pdf",
            server.url
        ))
        .bearer_auth(&token)
        .header("Idempotency-Key", "upload-full")
        .body([PDF, &vec![b' '; 512 * 1024]].concat())
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), StatusCode::INSUFFICIENT_STORAGE);
    let refusal: Value = upload.json().await.unwrap();
    assert_eq!(refusal["error"]["code"], "storage_full");
    assert!(
        refusal["error"]["message"]
            .as_str()
            .unwrap()
            .contains("storage is full"),
        "{refusal}"
    );
    let attachments = disk.path().join("portal/attachments");
    let left: Vec<_> = std::fs::read_dir(&attachments)
        .map(|entries| entries.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "a refused upload leaves nothing: {left:?}");

    // Jobs go on while the database has room left in its files, then are
    // refused the same way; never a plain failure.
    let (mut made, mut refused) = (Vec::new(), Vec::new());
    for n in 0..400 {
        let key = format!("disk-full-{n}");
        match post_job(&server, &token, &key).await {
            (StatusCode::CREATED, _) => made.push(key),
            (StatusCode::INSUFFICIENT_STORAGE, body) => {
                assert_eq!(body["error"]["code"], "storage_full", "{body}");
                refused.push(key);
                if refused.len() == 3 {
                    break;
                }
            }
            (status, body) => panic!("{key}: {status} {body}"),
        }
    }
    assert!(!refused.is_empty(), "the disk never filled");
    let (status, _) = server
        .call(Method::GET, "/v1/jobs/changes", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "reads go on");

    disk.free().unwrap();
    for key in &refused {
        let (status, body) = post_job(&server, &token, key).await;
        assert_eq!(status, StatusCode::CREATED, "{key}: {body}");
    }
    let names: Vec<String> = server
        .db
        .call(|conn| {
            conn.prepare("SELECT json_extract(request, '$.name') FROM jobs")?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>()
                .map_err(aicc_portal::db::DbError::from)
        })
        .await
        .unwrap();
    for key in made.iter().chain(&refused) {
        assert_eq!(names.iter().filter(|n| *n == key).count(), 1, "{key}");
    }
    let integrity: String = server
        .db
        .call(|conn| {
            conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
                .map_err(aicc_portal::db::DbError::from)
        })
        .await
        .unwrap();
    assert_eq!(integrity, "ok");
    let (status, _) = server
        .call(
            Method::POST,
            &format!("/v1/applications/{application}/submit"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "writes work again");
}
