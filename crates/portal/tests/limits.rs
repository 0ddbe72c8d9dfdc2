//! What one caller can make the portal do to everyone else, tried as an
//! attacker would: bodies larger than their route takes or dribbled in a
//! byte at a time, crowds of connections from one address, sign-in
//! guesses sent all at once, a center's reverse proxy that makes every
//! partner one address.

#![allow(clippy::unwrap_used)] // a test helper that cannot do its job should stop the test

mod common;

use std::time::{Duration, Instant};

use aicc_portal::config::Config;
use aicc_portal::limits::FREE_FAILURES;
use common::{Server, config};
use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

fn address(server: &Server) -> String {
    server.url.trim_start_matches("http://").to_owned()
}

/// The status line of the first answer on `connection`, read for at most
/// `within`.
async fn status_line(connection: &mut TcpStream, within: Duration) -> Option<String> {
    let mut answer = Vec::new();
    let read = tokio::time::timeout(within, async {
        let mut chunk = [0u8; 1024];
        while !answer.windows(2).any(|w| w == b"\r\n") {
            match connection.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&chunk[..n]),
            }
        }
    })
    .await;
    read.ok()?;
    let text = String::from_utf8_lossy(&answer);
    text.lines().next().map(str::to_owned)
}

#[tokio::test]
async fn a_body_larger_than_its_route_takes_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    // The default 30 s for a body: a portal that waited for these bodies
    // would answer long after the test gives up.
    let server = Server::start(config(&dir)).await;
    let token = server.token("engineer@demo.aicc").await;
    for (path, length, key) in [
        // A JSON write with an idempotency key, announcing 10 MB.
        ("/v1/jobs", 10_000_000, true),
        // A sign-in announcing more than any e-mail and password.
        ("/v1/auth/token", 5_000, false),
    ] {
        let mut connection = TcpStream::connect(address(&server)).await.unwrap();
        let key = if key {
            "Idempotency-Key: big-1\r\n"
        } else {
            ""
        };
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: portal\r\nAuthorization: Bearer {token}\r\n{key}\
             Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n{{"
        );
        connection.write_all(head.as_bytes()).await.unwrap();
        let answer = status_line(&mut connection, Duration::from_secs(5)).await;
        assert_eq!(
            answer.as_deref(),
            Some("HTTP/1.1 413 Payload Too Large"),
            "{path} with {length} bytes announced"
        );
    }
}

#[tokio::test]
async fn a_body_dribbled_in_is_cut_off_at_its_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(Config {
        body_read_timeout_secs: 2,
        ..config(&dir)
    })
    .await;
    let mut connection = TcpStream::connect(address(&server)).await.unwrap();
    let body = json!({"email": "partner@demo.aicc", "password": "demo-password"}).to_string();
    let head = format!(
        "POST /v1/auth/token HTTP/1.1\r\nHost: portal\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    connection.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    // A byte every half second: never a pause as long as the 2 s allowed
    // between pieces, but the whole body would take half a minute.
    let (mut reading, mut writing) = connection.into_split();
    let dribble = tokio::spawn(async move {
        for byte in body.bytes() {
            if writing.write_all(&[byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    });
    let mut answer = vec![0u8; 512];
    let n = tokio::time::timeout(Duration::from_secs(10), reading.read(&mut answer))
        .await
        .expect("the portal answers before the body is whole")
        .unwrap();
    dribble.abort();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(6));
    assert!(answer.contains("request_timeout"), "{answer}");
}

#[tokio::test]
async fn connections_beyond_the_cap_from_one_address_are_closed_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(Config {
        max_connections_per_address: 3,
        ..config(&dir)
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut connection = TcpStream::connect(address(&server)).await.unwrap();
        connection
            .write_all(b"GET /health HTTP/1.1\r\nHost: portal\r\n\r\n")
            .await
            .unwrap();
        let answer = status_line(&mut connection, Duration::from_secs(5)).await;
        assert_eq!(answer.as_deref(), Some("HTTP/1.1 200 OK"));
        held.push(connection);
    }
    let mut fourth = TcpStream::connect(address(&server)).await.unwrap();
    let _ = fourth
        .write_all(b"GET /health HTTP/1.1\r\nHost: portal\r\n\r\n")
        .await;
    let mut answer = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(5), fourth.read_to_end(&mut answer))
        .await
        .expect("a connection beyond the cap is closed at once");
    assert!(
        closed.is_err() || answer.is_empty(),
        "answered beyond the cap: {}",
        String::from_utf8_lossy(&answer)
    );

    // One closed, another may open.
    drop(held.pop());
    let mut answered = None;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut again = TcpStream::connect(address(&server)).await.unwrap();
        if again
            .write_all(b"GET /health HTTP/1.1\r\nHost: portal\r\n\r\n")
            .await
            .is_err()
        {
            continue;
        }
        answered = status_line(&mut again, Duration::from_secs(2)).await;
        if answered.is_some() {
            break;
        }
    }
    assert_eq!(answered.as_deref(), Some("HTTP/1.1 200 OK"));
}

#[tokio::test]
async fn guesses_sent_all_at_once_wait_like_guesses_sent_one_after_another() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(Config {
        sign_ins_per_minute: 1000,
        ..config(&dir)
    })
    .await;
    let guesses = (0..25).map(|n| {
        let request = server
            .http
            .post(format!("{}/v1/auth/token", server.url))
            .json(&json!({"email": "engineer@demo.aicc", "password": format!("guess-{n}")}));
        async move { request.send().await.unwrap().status() }
    });
    let statuses = futures_util::future::join_all(guesses).await;
    let answered = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let throttled = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(answered + throttled, 25, "{statuses:?}");
    assert!(
        answered <= FREE_FAILURES as usize,
        "{answered} of 25 guesses sent at once were checked; {FREE_FAILURES} may be"
    );
}

#[tokio::test]
async fn behind_the_centers_proxy_each_partner_is_limited_as_themself() {
    let dir = tempfile::tempdir().unwrap();
    let proxied = Server::start(Config {
        sign_ins_per_minute: 3,
        trusted_proxies: vec!["127.0.0.1/32".parse().unwrap()],
        ..config(&dir)
    })
    .await;
    let sign_in = |server: &Server, forwarded_for: &'static str| {
        let request = server
            .http
            .post(format!("{}/v1/auth/token", server.url))
            .header("x-forwarded-for", forwarded_for)
            .json(&json!({"email": "partner@demo.aicc", "password": "demo-password"}));
        async move { request.send().await.unwrap().status() }
    };
    for _ in 0..3 {
        assert_eq!(sign_in(&proxied, "198.51.100.1").await, StatusCode::OK);
    }
    assert_eq!(
        sign_in(&proxied, "198.51.100.1").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        sign_in(&proxied, "198.51.100.2").await,
        StatusCode::OK,
        "another partner behind the same proxy has a budget of their own"
    );

    // Without the proxy trusted, the header is anyone's to make up.
    let dir = tempfile::tempdir().unwrap();
    let direct = Server::start(Config {
        sign_ins_per_minute: 3,
        ..config(&dir)
    })
    .await;
    for forwarded_for in ["198.51.100.1", "198.51.100.2", "198.51.100.3"] {
        assert_eq!(sign_in(&direct, forwarded_for).await, StatusCode::OK);
    }
    assert_eq!(
        sign_in(&direct, "198.51.100.4").await,
        StatusCode::TOO_MANY_REQUESTS,
        "a made-up X-Forwarded-For gives no fresh budget"
    );
}

#[tokio::test]
async fn a_persons_request_budget_is_theirs_however_many_tokens_they_hold() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(Config {
        requests_per_second: 2,
        ..config(&dir)
    })
    .await;
    let mut tokens = Vec::new();
    for _ in 0..6 {
        // Signing in spends the address's budget: one at its pace.
        tokio::time::sleep(Duration::from_millis(600)).await;
        tokens.push(server.token("engineer@demo.aicc").await);
    }
    // Each token once, at once: a budget per token would let all through.
    let asks = tokens.iter().flat_map(|token| [token, token]).map(|token| {
        server
            .http
            .get(format!("{}/v1/me", server.url))
            .bearer_auth(token)
            .send()
    });
    let statuses: Vec<StatusCode> = futures_util::future::join_all(asks)
        .await
        .into_iter()
        .map(|r| r.unwrap().status())
        .collect();
    let throttled = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert!(throttled >= 6, "{statuses:?}");
    // Someone else is not held up by it.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let other = server.token("partner@demo.aicc").await;
    let (status, _) = server.call(Method::GET, "/v1/me", Some(&other), None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn an_anonymous_body_is_not_read_before_it_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let mut connection = TcpStream::connect(address(&server)).await.unwrap();
    // A megabyte announced, a kilobyte sent, and no token: 401 at once, not
    // a connection held while the rest never comes.
    let head = "POST /v1/jobs HTTP/1.1\r\nHost: portal\r\nContent-Type: application/json\r\n\
                Content-Length: 1000000\r\n\r\n";
    connection.write_all(head.as_bytes()).await.unwrap();
    connection.write_all(&[b' '; 1024]).await.unwrap();
    let answer = status_line(&mut connection, Duration::from_secs(5)).await;
    assert_eq!(answer.as_deref(), Some("HTTP/1.1 401 Unauthorized"));
}

/// Starts an attachment upload that announces `length` bytes and sends
/// only its first; returns the connection, held open.
async fn slow_upload(server: &Server, token: &str, application: &str) -> TcpStream {
    let mut connection = TcpStream::connect(address(server)).await.unwrap();
    let head = format!(
        "POST /v1/applications/{application}/attachments?file_name=plan.pdf HTTP/1.1\r\n\
         Host: portal\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/octet-stream\r\nContent-Length: 5000000\r\n\r\n%PDF-"
    );
    connection.write_all(head.as_bytes()).await.unwrap();
    connection
}

#[tokio::test]
async fn a_person_sends_two_attachments_at_once_and_others_are_not_held_up() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let outsider = server.token("member@other.aicc").await;
    let admin = server.token("partner@demo.aicc").await;
    let (_, draft) = server
        .call(
            Method::POST,
            "/v1/applications",
            Some(&admin),
            Some(aicc_e2e::fixtures::application_form()),
        )
        .await;
    let id = draft["id"].as_str().unwrap().to_owned();
    let _held = [
        slow_upload(&server, &outsider, "app_none").await,
        slow_upload(&server, &outsider, "app_none").await,
    ];
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut third = slow_upload(&server, &outsider, "app_none").await;
    assert_eq!(
        status_line(&mut third, Duration::from_secs(5))
            .await
            .as_deref(),
        Some("HTTP/1.1 429 Too Many Requests")
    );
    let response = server
        .http
        .post(format!(
            "{}/v1/applications/{id}/attachments?file_name=plan.pdf",
            server.url
        ))
        .bearer_auth(&admin)
        .body(aicc_e2e::fixtures::PDF)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_correct_password_whose_client_hung_up_is_not_counted_as_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(Config {
        sign_ins_per_minute: 1000,
        ..config(&dir)
    })
    .await;
    let body = json!({"email": "partner@demo.aicc", "password": "demo-password"}).to_string();
    for _ in 0..FREE_FAILURES + 2 {
        let mut connection = TcpStream::connect(address(&server)).await.unwrap();
        let request = format!(
            "POST /v1/auth/token HTTP/1.1\r\nHost: portal\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        );
        connection.write_all(request.as_bytes()).await.unwrap();
        // Gone while the password is being checked.
        tokio::time::sleep(Duration::from_millis(5)).await;
        drop(connection);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Answered, not throttled: none of the hung-up attempts counted.
    server.sign_in("partner@demo.aicc").await;
}
