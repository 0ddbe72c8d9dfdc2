//! What one caller can make the portal do to everyone else, tried as an
//! attacker would: bodies larger than their route takes, dribbled in a
//! byte at a time, announced and never sent, or sent where they may not
//! go; crowds of connections from one address, sign-in
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

/// The first answer on `connection` as text, headers and what of its
/// body has come, read for at most `within`.
async fn answer(connection: &mut TcpStream, within: Duration) -> String {
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(within, async {
        let mut chunk = [0u8; 4096];
        while !answer.ends_with(b"}") {
            match connection.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&chunk[..n]),
            }
        }
    })
    .await;
    String::from_utf8_lossy(&answer).into_owned()
}

/// Starts a write that announces `length` bytes and sends only `first`;
/// returns the connection, held open.
async fn slow_write(
    server: &Server,
    token: &str,
    path: &str,
    length: usize,
    first: &str,
) -> TcpStream {
    let mut connection = TcpStream::connect(address(server)).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: portal\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/octet-stream\r\nContent-Length: {length}\r\n\r\n{first}"
    );
    connection.write_all(head.as_bytes()).await.unwrap();
    connection
}

/// Starts an attachment upload that announces 5 MB and sends only its
/// first bytes; returns the connection, held open.
async fn slow_upload(server: &Server, token: &str, application: &str) -> TcpStream {
    let path = format!("/v1/applications/{application}/attachments?file_name=plan.pdf");
    slow_write(server, token, &path, 5_000_000, "%PDF-").await
}

/// A new draft application of `token`'s organisation.
async fn draft(server: &Server, token: &str) -> String {
    let (status, draft) = server
        .call(
            Method::POST,
            "/v1/applications",
            Some(token),
            Some(aicc_e2e::fixtures::application_form()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    draft["id"].as_str().unwrap().to_owned()
}

async fn attach(server: &Server, token: &str, application: &str) -> StatusCode {
    server
        .http
        .post(format!(
            "{}/v1/applications/{application}/attachments?file_name=plan.pdf",
            server.url
        ))
        .bearer_auth(token)
        .body(aicc_e2e::fixtures::PDF)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn a_person_sends_two_attachments_at_once_and_others_are_not_held_up() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let outsider = server.token("member@other.aicc").await;
    let admin = server.token("partner@demo.aicc").await;
    let theirs = draft(&server, &outsider).await;
    let ours = draft(&server, &admin).await;
    let _held = [
        slow_upload(&server, &outsider, &theirs).await,
        slow_upload(&server, &outsider, &theirs).await,
    ];
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut third = slow_upload(&server, &outsider, &theirs).await;
    let refused = answer(&mut third, Duration::from_secs(5)).await;
    assert!(
        refused.starts_with("HTTP/1.1 429 Too Many Requests"),
        "{refused}"
    );
    assert!(
        refused.contains("already sending 2 attachments"),
        "the refusal names the rule: {refused}"
    );
    assert_eq!(attach(&server, &admin, &ours).await, StatusCode::CREATED);
}

#[tokio::test]
async fn one_account_cannot_hold_the_memory_everyone_sends_bodies_into() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(Config {
        requests_per_second: 1000,
        max_connections_per_address: 400,
        ..config(&dir)
    })
    .await;
    // A read-only token, which may write nothing, and 300 bodies that
    // each announce a megabyte and send one byte: more than all the
    // memory the portal keeps for bodies, were it taken as announced.
    let engineer = server.token("engineer@demo.aicc").await;
    let (status, made) = server
        .call(
            Method::POST,
            "/v1/auth/personal-tokens",
            Some(&engineer),
            Some(json!({"name": "dashboard"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let read_only = made["token"].as_str().unwrap().to_owned();
    let mut held = Vec::new();
    for _ in 0..300 {
        held.push(slow_write(&server, &read_only, "/v1/jobs", 1024 * 1024, "{").await);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Someone else's attachment and JSON write go through, at once.
    let admin = server.token("partner@demo.aicc").await;
    let started = Instant::now();
    let ours = draft(&server, &admin).await;
    assert_eq!(attach(&server, &admin, &ours).await, StatusCode::CREATED);
    assert!(started.elapsed() < Duration::from_secs(3));

    // Beyond the few bodies a person may send at once, each is refused
    // at once, saying why.
    let mut refused = 0;
    for connection in &mut held {
        let answer = answer(connection, Duration::from_millis(100)).await;
        if answer.starts_with("HTTP/1.1 429") {
            assert!(answer.contains("already sending 8 requests"), "{answer}");
            refused += 1;
        }
    }
    assert_eq!(refused, 300 - aicc_portal::bodies::BODIES_PER_PERSON);
}

#[tokio::test]
async fn a_body_is_not_read_for_a_route_that_does_not_exist() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let token = server.token("partner@demo.aicc").await;
    let mut connection = slow_write(&server, &token, "/v1/nothing-here", 1_000_000, "{").await;
    let answer = status_line(&mut connection, Duration::from_secs(5)).await;
    assert_eq!(answer.as_deref(), Some("HTTP/1.1 404 Not Found"));
}

#[tokio::test]
async fn an_attachment_is_refused_unread_when_its_sender_may_not_add_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let admin = server.token("partner@demo.aicc").await;
    let ours = draft(&server, &admin).await;
    let (_, made) = server
        .call(
            Method::POST,
            "/v1/auth/personal-tokens",
            Some(&admin),
            Some(json!({"name": "dashboard"})),
        )
        .await;
    let read_only = made["token"].as_str().unwrap().to_owned();
    let outsider = server.token("member@other.aicc").await;
    let reviewer = server.token("reviewer@demo.aicc").await;
    // Each announces 5 MB and sends five bytes: answered before the rest,
    // which a portal that read first would wait 30 s for.
    for (who, token, expected) in [
        ("another organisation's member", &outsider, "404"),
        ("a center reviewer", &reviewer, "403"),
        ("a read-only token", &read_only, "403"),
        ("anyone, to no application", &admin, "404"),
    ] {
        let application = if who.starts_with("anyone") {
            "app_none"
        } else {
            &ours
        };
        let mut connection = slow_upload(&server, token, application).await;
        let answer = status_line(&mut connection, Duration::from_secs(5)).await;
        assert!(
            answer
                .as_deref()
                .is_some_and(|line| line.starts_with(&format!("HTTP/1.1 {expected}"))),
            "{who}: {answer:?}"
        );
    }
    assert_eq!(attach(&server, &admin, &ours).await, StatusCode::CREATED);
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

/// A body sent with a method its route does not take is not read: the
/// answer is 405 at once, whatever length the body announces.
#[tokio::test]
async fn a_method_a_route_does_not_take_is_answered_without_reading_the_body() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let admin = server.token("partner@demo.aicc").await;
    let address = server.url.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(
            format!(
                "PUT /v1/jobs HTTP/1.1\r\nHost: portal\r\nAuthorization: Bearer {admin}\r\n\
                 Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{{"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let mut answer = vec![0; 64];
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut answer))
        .await
        .expect("answered without waiting for the body");
    let answer = String::from_utf8_lossy(&answer[..read.unwrap()]).into_owned();
    assert!(answer.starts_with("HTTP/1.1 405"), "{answer}");

    let (status, body) = server
        .call(Method::GET, "/v1/no-such-thing", Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found", "{body}");
}
