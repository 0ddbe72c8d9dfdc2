//! Sessions under a bad network: a refresh whose answer is lost does not
//! sign anyone out, and a refresh token replayed later still ends its
//! session as a theft.

#![allow(clippy::unwrap_used)] // a test helper that cannot do its job should stop the test

mod common;

use aicc_portal::config::Config;
use common::{Server, config};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn refresh(server: &Server, token: &str) -> (StatusCode, Value) {
    server
        .call(
            Method::POST,
            "/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": token})),
        )
        .await
}

#[tokio::test]
async fn a_refresh_whose_answer_was_lost_gets_the_same_successor_and_the_session_holds() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let first = server.sign_in("partner@demo.aicc").await;
    let first = first["refresh_token"].as_str().unwrap().to_owned();

    let (status, lost) = refresh(&server, &first).await;
    assert_eq!(status, StatusCode::OK);
    let tokens = || {
        server.db.blocking(|conn| {
            conn.query_row("SELECT COUNT(*) FROM tokens", [], |r| r.get::<_, i64>(0))
                .unwrap()
        })
    };
    let kept = tokens();
    // The answer never arrived: the client presents the same token again,
    // and again; each time it is given the same answer, and nothing more
    // is kept (a stolen token gives no stream of new access tokens).
    let mut again = serde_json::Value::Null;
    for _ in 0..3 {
        let (status, answer) = refresh(&server, &first).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["refresh_token"], lost["refresh_token"]);
        assert_eq!(answer["access_token"], lost["access_token"]);
        assert!(answer["expires_in"].as_u64().unwrap() <= lost["expires_in"].as_u64().unwrap());
        again = answer;
    }
    assert_eq!(tokens(), kept);
    let (status, _) = server
        .call(
            Method::GET,
            "/v1/me",
            Some(again["access_token"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    // The session goes on from the successor.
    let (status, next) = refresh(&server, again["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{next}");

    // Once the successor has been used, the first token is a thief's.
    let (status, _) = refresh(&server, &first).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = refresh(&server, next["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the whole session ended");
}

#[tokio::test]
async fn a_refresh_token_presented_again_after_the_reuse_interval_ends_the_session() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(Config {
        refresh_reuse_secs: 0,
        ..config(&dir)
    })
    .await;
    let first = server.sign_in("partner@demo.aicc").await;
    let first = first["refresh_token"].as_str().unwrap().to_owned();
    let (status, next) = refresh(&server, &first).await;
    assert_eq!(status, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (status, _) = refresh(&server, &first).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = refresh(&server, next["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the whole session ended");
}

#[tokio::test]
async fn a_write_refused_because_its_session_ended_on_the_way_is_not_replayed_to_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let grant = server.sign_in("partner@demo.aicc").await;
    let (token, refresh_token) = (
        grant["access_token"].as_str().unwrap(),
        grant["refresh_token"].as_str().unwrap(),
    );
    let key = [("Idempotency-Key", "job-7f3a")];
    let held = server
        .hold_with(
            Method::POST,
            "/v1/jobs",
            token,
            &key,
            common::job("atlas-800t-a2", 1, 1, 1.0),
        )
        .await;
    let (status, _) = server
        .call(
            Method::POST,
            "/v1/auth/revoke",
            None,
            Some(json!({"refresh_token": refresh_token})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let answer = held.send().await;
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");

    // Signed in again, the app sends the same write with the same key.
    let token = server.token("partner@demo.aicc").await;
    let retried = server
        .http
        .post(format!("{}/v1/jobs", server.url))
        .bearer_auth(&token)
        .header("Idempotency-Key", "job-7f3a")
        .json(&common::job("atlas-800t-a2", 1, 1, 1.0))
        .send()
        .await
        .unwrap();
    assert_eq!(retried.status(), StatusCode::CREATED);
    assert!(!retried.headers().contains_key("idempotent-replay"));
}
