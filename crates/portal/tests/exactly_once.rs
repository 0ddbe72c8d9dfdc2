//! Exactly once: a write sent with an `Idempotency-Key` is made once
//! however its attempts end, and a retry gets its answer.

#![allow(clippy::unwrap_used)] // a test helper that cannot do its job should stop the test

mod common;

use std::time::Duration;

use common::{PDF, Server, complete_form, config, job};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn post(
    server: &Server,
    token: &str,
    path: &str,
    key: &str,
    body: Value,
) -> reqwest::Response {
    server
        .http
        .post(format!("{}{path}", server.url))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn job_count(server: &Server, token: &str) -> usize {
    let (_, page) = server
        .call(Method::GET, "/v1/jobs/changes", Some(token), None)
        .await;
    page["changes"].as_array().unwrap().len()
}

#[tokio::test]
async fn a_write_whose_client_hung_up_while_it_was_made_is_made_once_and_its_retry_answered() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let token = server.token("partner@demo.aicc").await;
    let before = job_count(&server, &token).await;
    let request = job("atlas-800t-a2", 1, 8, 2.0);

    // The request arrives while the database is busy, and the client is
    // gone before the portal can answer.
    let held = server
        .hold_with(
            Method::POST,
            "/v1/jobs",
            &token,
            &[("Idempotency-Key", "job-9c1e")],
            request.clone(),
        )
        .await;
    let busy = server.busy_writer(Duration::from_secs(20)).await;
    held.hang_up().await;
    // Time for the portal to notice the client is gone.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(busy.release().await);

    // The app sends it again with the same key, as it does until it has
    // an answer: the answer is the job, made once.
    let retried = post(&server, &token, "/v1/jobs", "job-9c1e", request.clone()).await;
    assert_eq!(retried.status(), StatusCode::CREATED);
    let job: Value = retried.json().await.unwrap();
    assert_eq!(job_count(&server, &token).await, before + 1);
    let again = post(&server, &token, "/v1/jobs", "job-9c1e", request).await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.headers()["idempotent-replay"], "true");
    assert_eq!(again.json::<Value>().await.unwrap()["id"], job["id"]);
    assert_eq!(job_count(&server, &token).await, before + 1);
}

#[tokio::test]
async fn every_write_the_app_queues_answers_its_retry_as_it_was_made() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let admin = server.token("partner@demo.aicc").await;
    let reviewer = server.token("reviewer@demo.aicc").await;

    // Each write twice under one key: the second answer is the first,
    // replayed, where doing the work again would refuse or double it.
    let twice = |token: String, path: String, key: &'static str, body: Value| {
        let server = &server;
        async move {
            let first = post(server, &token, &path, key, body.clone()).await;
            let status = first.status();
            let first: Value = first.json().await.unwrap();
            assert!(status.is_success(), "{path}: {first}");
            let second = post(server, &token, &path, key, body).await;
            assert_eq!(second.status(), status, "{path}");
            assert_eq!(second.headers()["idempotent-replay"], "true", "{path}");
            assert_eq!(second.json::<Value>().await.unwrap(), first, "{path}");
            first
        }
    };

    let application = twice(
        admin.clone(),
        "/v1/applications".into(),
        "app-1",
        complete_form(),
    )
    .await;
    let id = application["id"].as_str().unwrap().to_owned();
    let upload = |key: &'static str| {
        let (server, admin, id) = (&server, admin.clone(), id.clone());
        async move {
            server
                .http
                .post(format!(
                    "{}/v1/applications/{id}/attachments?file_name=brief.pdf",
                    server.url
                ))
                .bearer_auth(&admin)
                .header("Idempotency-Key", key)
                .body(PDF)
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(upload("upload-1").await.status(), StatusCode::CREATED);
    let replayed = upload("upload-1").await;
    assert_eq!(replayed.status(), StatusCode::CREATED);
    assert_eq!(replayed.headers()["idempotent-replay"], "true");
    twice(
        admin.clone(),
        format!("/v1/applications/{id}/submit"),
        "submit-1",
        json!({}),
    )
    .await;
    twice(
        reviewer,
        format!("/v1/applications/{id}/review"),
        "review-1",
        json!({"action": "start_review", "comment": null}),
    )
    .await;
    let (_, application) = server
        .call(
            Method::GET,
            &format!("/v1/applications/{id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(application["attachments"].as_array().unwrap().len(), 1);
    assert_eq!(application["state"], "under_review");
    assert_eq!(
        application["timeline"].as_array().unwrap().len(),
        3,
        "draft, submitted, under review: once each"
    );

    let job = twice(
        admin.clone(),
        "/v1/jobs".into(),
        "job-1",
        job("atlas-800t-a2", 1, 1, 1.0),
    )
    .await;
    let job_id = job["id"].as_str().unwrap();
    twice(
        admin.clone(),
        format!("/v1/jobs/{job_id}/cancel"),
        "cancel-1",
        json!({}),
    )
    .await;
}

#[tokio::test]
async fn a_refused_write_keeps_no_answer_so_its_corrected_retry_is_made() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let token = server.token("partner@demo.aicc").await;
    let mut form = complete_form();
    form["uscc"] = json!("not a credit code");
    let refused = post(&server, &token, "/v1/applications", "app-7", form).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (count,): (i64,) = server
        .db
        .call(|conn| {
            conn.query_row("SELECT COUNT(*) FROM idempotency_keys", [], |r| {
                Ok((r.get(0)?,))
            })
            .map_err(aicc_portal::db::DbError::from)
        })
        .await
        .unwrap();
    assert_eq!(count, 0, "a refusal made nothing and keeps nothing");
}
