//! The portal answers while something else is slow: reads never wait for
//! the writer, so a long write or a scheduler tick holds up no sync.

#![allow(clippy::unwrap_used)] // a test helper that cannot do its job should stop the test

mod common;

use std::time::Duration;

use common::{Server, config};
use reqwest::{Method, StatusCode};

#[tokio::test]
async fn reads_are_answered_while_the_writer_is_busy() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let token = server.token("partner@demo.aicc").await;

    let busy = server.busy_writer(Duration::from_secs(20)).await;
    for path in [
        "/v1/me",
        "/v1/jobs/changes",
        "/v1/applications/changes",
        "/v1/catalog/changes",
        "/v1/pools",
        "/v1/quota",
    ] {
        let (status, body) = server.call(Method::GET, path, Some(&token), None).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
    }
    assert!(
        busy.release().await,
        "the reads waited until the writer gave up"
    );
}
