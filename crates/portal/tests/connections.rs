//! Connections tried as a careless client or an attacker would hold them:
//! connections that send nothing, headers or bodies that never finish,
//! idle HTTP/2 connections, event streams that pile up or outlive their
//! token, a shutdown with streams open; and HTTPS served by the portal.

#![allow(clippy::unwrap_used)] // a test helper that cannot do its job should stop the test

mod common;

use std::sync::Arc;
use std::time::Duration;

use aicc_portal::config::{Config, TlsConfig};
use aicc_portal::events::MAX_STREAMS_PER_USER;
use common::{Server, config};
use hyper_util::rt::{TokioExecutor, TokioIo};
use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::ServerName;

fn quick(dir: &tempfile::TempDir) -> Config {
    Config {
        header_read_timeout_secs: 1,
        body_read_timeout_secs: 1,
        idle_timeout_secs: 1,
        stream_recheck_secs: 1,
        ..config(dir)
    }
}

async fn open_stream(server: &Server, token: &str) -> reqwest::Response {
    server
        .http
        .get(format!("{}/v1/events", server.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// Reads a stream until it ends; `None` if it is still open after `within`.
async fn ends_within(mut stream: reqwest::Response, within: Duration) -> Option<()> {
    tokio::time::timeout(within, async {
        while let Ok(Some(_)) = stream.chunk().await {}
    })
    .await
    .ok()
}

/// Whether the portal closes `connection` within ten seconds (it is told
/// to give up after one).
async fn closes(connection: &mut tokio::net::TcpStream) -> Result<Vec<u8>, &'static str> {
    let mut answer = Vec::new();
    match tokio::time::timeout(Duration::from_secs(10), connection.read_to_end(&mut answer)).await {
        Ok(_) => Ok(answer),
        Err(_) => Err("still open after ten seconds"),
    }
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_hung_up_on() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(quick(&dir)).await;
    let address = server.url.trim_start_matches("http://").to_owned();
    let mut slow = tokio::net::TcpStream::connect(&address).await.unwrap();
    slow.write_all(b"GET /health HTTP/1.1\r\nHost: portal\r\nX-Slow: ")
        .await
        .unwrap();
    closes(&mut slow).await.unwrap();

    // An idle kept-alive connection is closed too, after answering.
    let mut idle = tokio::net::TcpStream::connect(&address).await.unwrap();
    idle.write_all(b"GET /health HTTP/1.1\r\nHost: portal\r\n\r\n")
        .await
        .unwrap();
    let answer = closes(&mut idle).await.unwrap();
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(quick(&dir)).await;
    let address = server.url.trim_start_matches("http://").to_owned();
    let mut silent = tokio::net::TcpStream::connect(&address).await.unwrap();
    let answer = closes(&mut silent).await.unwrap();
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
}

#[tokio::test]
async fn a_request_whose_body_stalls_is_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(quick(&dir)).await;
    let address = server.url.trim_start_matches("http://").to_owned();
    let mut slow = tokio::net::TcpStream::connect(&address).await.unwrap();
    slow.write_all(
        b"POST /v1/auth/token HTTP/1.1\r\nHost: portal\r\nContent-Type: application/json\r\n\
          Content-Length: 4096\r\n\r\n{\"email\": \"partner@demo.aicc\", ",
    )
    .await
    .unwrap();
    let answer = closes(&mut slow).await.unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(!answer.starts_with("HTTP/1.1 2"), "{answer}");
    // The portal goes on answering others.
    let (status, _) = sign_in(&server).await;
    assert_eq!(status, StatusCode::OK);
}

async fn sign_in(server: &Server) -> (StatusCode, serde_json::Value) {
    server
        .call(
            Method::POST,
            "/v1/auth/token",
            None,
            Some(json!({"email": "partner@demo.aicc", "password": "demo-password"})),
        )
        .await
}

#[tokio::test]
async fn a_user_keeps_a_bounded_number_of_event_streams_open() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(quick(&dir)).await;
    let token = server.token("engineer@demo.aicc").await;
    let mut open = Vec::new();
    for _ in 0..MAX_STREAMS_PER_USER {
        let stream = open_stream(&server, &token).await;
        assert_eq!(stream.status(), StatusCode::OK);
        open.push(stream);
    }
    let refused = open_stream(&server, &token).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers().contains_key("retry-after"));
    let body: serde_json::Value = refused.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("another machine"),
        "{body}"
    );
    // Another user is not held up, and a closed stream frees its place.
    let other = server.token("partner@demo.aicc").await;
    assert_eq!(open_stream(&server, &other).await.status(), StatusCode::OK);
    drop(open.pop());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let again = open_stream(&server, &token).await;
        if again.status() == StatusCode::OK {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the place never came free"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_stream_ends_when_its_token_is_revoked_or_expires() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(Config {
        access_token_ttl_secs: 3,
        ..quick(&dir)
    })
    .await;
    let session = server.token("partner@demo.aicc").await;
    let (_, pat) = server
        .call(
            Method::POST,
            "/v1/auth/personal-tokens",
            Some(&session),
            Some(json!({"name": "follow events"})),
        )
        .await;
    let stream = open_stream(&server, pat["token"].as_str().unwrap()).await;
    assert_eq!(stream.status(), StatusCode::OK);
    let (status, _) = server
        .call(
            Method::DELETE,
            &format!("/v1/auth/personal-tokens/{}", pat["id"].as_str().unwrap()),
            Some(&session),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(
        ends_within(stream, Duration::from_secs(10)).await.is_some(),
        "the stream outlived its revoked token"
    );

    let stream = open_stream(&server, &session).await;
    assert_eq!(stream.status(), StatusCode::OK);
    assert!(
        ends_within(stream, Duration::from_secs(10)).await.is_some(),
        "the stream outlived its expired token"
    );
}

#[tokio::test]
async fn the_portal_shuts_down_promptly_with_event_streams_open() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(quick(&dir)).await;
    let token = server.token("partner@demo.aicc").await;
    let streams = [
        open_stream(&server, &token).await,
        open_stream(&server, &token).await,
    ];
    let stopped = tokio::time::timeout(Duration::from_secs(8), server.shutdown()).await;
    assert!(stopped.is_ok(), "open streams held the portal up");
    for stream in streams {
        assert!(ends_within(stream, Duration::from_secs(2)).await.is_some());
    }
}

/// A self-signed certificate for `localhost` in `dir`: the portal's
/// config, and the certificate a client trusts.
fn self_signed(dir: &tempfile::TempDir) -> (TlsConfig, rcgen::Certificate) {
    let key = rcgen::KeyPair::generate().unwrap();
    let certificate = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let tls = TlsConfig {
        certificate: dir.path().join("portal.crt"),
        key: dir.path().join("portal.key"),
    };
    std::fs::write(&tls.certificate, certificate.pem()).unwrap();
    std::fs::write(&tls.key, key.serialize_pem()).unwrap();
    (tls, certificate)
}

#[tokio::test]
async fn the_portal_serves_https_itself_with_hsts() {
    let dir = tempfile::tempdir().unwrap();
    let (tls, certificate) = self_signed(&dir);
    let mut server = Server::start(Config {
        tls: Some(tls),
        ..quick(&dir)
    })
    .await;
    assert!(server.url.starts_with("https://"));
    server.http = reqwest::Client::builder()
        .tls_certs_merge(
            reqwest::Certificate::from_pem_bundle(certificate.pem().as_bytes()).unwrap(),
        )
        .build()
        .unwrap();
    let response = server
        .http
        .post(format!("{}/v1/auth/token", server.url))
        .json(&json!({"email": "partner@demo.aicc", "password": "demo-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers();
    assert_eq!(headers["strict-transport-security"], "max-age=31536000");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["cache-control"], "no-store");

    // Plain HTTP to the HTTPS port gets nothing, and the portal goes on.
    let plain = reqwest::get(server.url.replace("https://", "http://")).await;
    assert!(plain.is_err() || !plain.unwrap().status().is_success());
    let (status, _) = server.call(Method::GET, "/v1/me", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn answers_carry_no_store_and_nosniff_over_http_and_no_hsts() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(quick(&dir)).await;
    let response = server
        .http
        .get(format!("{}/v1/me", server.url))
        .send()
        .await
        .unwrap();
    let headers = response.headers();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["cache-control"], "no-store");
    assert!(!headers.contains_key("strict-transport-security"));
}

#[tokio::test]
async fn an_idle_http2_connection_is_closed() {
    let dir = tempfile::tempdir().unwrap();
    let (tls, certificate) = self_signed(&dir);
    let server = Server::start(Config {
        tls: Some(tls),
        ..quick(&dir)
    })
    .await;
    let mut roots = rustls::RootCertStore::empty();
    roots.add(certificate.der().clone()).unwrap();
    let mut client = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    client.alpn_protocols = vec![b"h2".to_vec()];
    let address = server.url.trim_start_matches("https://").to_owned();
    let tcp = tokio::net::TcpStream::connect(&address).await.unwrap();
    let stream = tokio_rustls::TlsConnector::from(Arc::new(client))
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap();
    assert_eq!(stream.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let (mut requests, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .unwrap();
    let connection = tokio::spawn(connection);
    let request = hyper::Request::get(format!("{}/health", server.url))
        .body(http_body_util::Empty::<hyper::body::Bytes>::new())
        .unwrap();
    let answer = requests.send_request(request).await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    drop(answer);

    let ended = tokio::time::timeout(Duration::from_secs(10), connection).await;
    assert!(ended.is_ok(), "an idle HTTP/2 connection is kept open");
}
