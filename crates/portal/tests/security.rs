//! The portal tried as an attacker or a careless integrator would: roles
//! inside an organisation, the sign-in throttle, secrets at rest, tokens
//! that outlive what they stood for. (`access.rs` proves who may call what
//! on every route; these are the findings it does not cover by itself.)

#![allow(clippy::unwrap_used)] // a test helper that cannot do its job should stop the test

mod common;

use std::time::{Duration, Instant};

use aicc_api::auth::Role;
use aicc_portal::accounts;
use aicc_portal::config::Config;
use common::{PDF, Server, complete_form, config, job, wait_for};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn sign_in(server: &Server, email: &str, password: &str) -> (StatusCode, Value) {
    server
        .call(
            Method::POST,
            "/v1/auth/token",
            None,
            Some(json!({"email": email, "password": password})),
        )
        .await
}

async fn upload(server: &Server, token: &str, id: &str, name: &str) -> reqwest::Response {
    server
        .http
        .post(format!(
            "{}/v1/applications/{id}/attachments?file_name={name}",
            server.url
        ))
        .bearer_auth(token)
        .body(PDF)
        .send()
        .await
        .unwrap()
}

/// A complete draft application of Demo Robotics, made by `token`.
async fn draft(server: &Server, token: &str) -> String {
    let (status, draft) = server
        .call(
            Method::POST,
            "/v1/applications",
            Some(token),
            Some(complete_form()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    draft["id"].as_str().unwrap().to_owned()
}

/// Submits the application `id` for review, as `token`.
async fn submit_application(server: &Server, token: &str, id: &str) -> (StatusCode, Value) {
    server
        .call(
            Method::POST,
            &format!("/v1/applications/{id}/submit"),
            Some(token),
            None,
        )
        .await
}

#[tokio::test]
async fn a_partner_member_cancels_their_own_job_but_not_the_admins_and_is_told_whom_to_ask() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let admin = server.token("partner@demo.aicc").await;
    let member = server.token("engineer@demo.aicc").await;
    let submit = |token: String| {
        let server = &server;
        async move {
            let (status, job) = server
                .call(
                    Method::POST,
                    "/v1/jobs",
                    Some(&token),
                    Some(job("atlas-800t-a2", 1, 1, 1.0)),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{job}");
            job["id"].as_str().unwrap().to_owned()
        }
    };
    let admins = submit(admin.clone()).await;
    let members = submit(member.clone()).await;

    let cancel = |id: &str| format!("/v1/jobs/{id}/cancel");
    let (status, refused) = server
        .call(Method::POST, &cancel(&admins), Some(&member), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("ask a partner admin"),
        "{refused}"
    );
    let (status, _) = server
        .call(Method::POST, &cancel(&members), Some(&member), None)
        .await;
    assert_eq!(status, StatusCode::OK, "a member cancels their own job");
    let (status, _) = server
        .call(Method::POST, &cancel(&admins), Some(&admin), None)
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the admin cancels any of the organisation's"
    );

    let id = &draft(&server, &admin).await;
    assert_eq!(upload(&server, &admin, id, "plan.pdf").await.status(), 201);
    let (status, _) = submit_application(&server, &member, id).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "only a partner admin submits the organisation's application"
    );
}

#[tokio::test]
async fn a_reviewer_reads_a_partners_draft_but_cannot_edit_attach_to_or_submit_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let admin = server.token("partner@demo.aicc").await;
    let reviewer = server.token("reviewer@demo.aicc").await;
    let id = &draft(&server, &admin).await;
    let at = format!("/v1/applications/{id}");

    let (status, _) = server.call(Method::GET, &at, Some(&reviewer), None).await;
    assert_eq!(status, StatusCode::OK);
    let mut changed = complete_form();
    changed["solution_name"] = json!("Edited by the center");
    let (status, _) = server
        .call(Method::PUT, &at, Some(&reviewer), Some(changed))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(upload(&server, &reviewer, id, "x.pdf").await.status(), 403);
    let (status, _) = server
        .call(Method::POST, &format!("{at}/submit"), Some(&reviewer), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, unchanged) = server.call(Method::GET, &at, Some(&admin), None).await;
    assert_eq!(unchanged["state"], "draft");
    assert_eq!(unchanged["form"]["solution_name"], "Weld seam inspection");
    assert!(unchanged["attachments"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn a_made_up_authorization_header_does_not_lift_the_sign_in_limit() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(Config {
        sign_ins_per_minute: 10,
        ..config(&dir)
    })
    .await;
    let mut throttled = 0;
    for attempt in 0..20 {
        let response = server
            .http
            .post(format!("{}/v1/auth/token", server.url))
            .bearer_auth(format!("made-up-{attempt}"))
            .json(&json!({"email": format!("guess{attempt}@demo.aicc"), "password": "x"}))
            .send()
            .await
            .unwrap();
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(response.headers().contains_key("retry-after"));
            throttled += 1;
        }
    }
    assert!(
        throttled >= 9,
        "20 sign-ins a minute from one address, 10 allowed: only {throttled} refused"
    );
}

#[tokio::test]
async fn an_account_that_keeps_failing_waits_longer_and_a_success_starts_afresh() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(Config {
        sign_ins_per_minute: 1000,
        ..config(&dir)
    })
    .await;
    let email = "engineer@demo.aicc";
    for _ in 0..aicc_portal::limits::FREE_FAILURES {
        let (status, body) = sign_in(&server, email, "wrong-guess").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(body["error"]["message"], "wrong e-mail or password");
    }
    let response = server
        .http
        .post(format!("{}/v1/auth/token", server.url))
        .json(&json!({"email": email, "password": "demo-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits its turn"
    );
    let wait: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (1..=2).contains(&wait),
        "waits {wait} s after the first lockout"
    );
    tokio::time::sleep(Duration::from_secs(wait)).await;
    let (status, _) = sign_in(&server, email, "demo-password").await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the wait over, the right password works"
    );
    let (status, _) = sign_in(&server, email, "wrong-again").await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a success forgets the failures before it"
    );
    // Another account is not held up by this one's failures.
    let (status, _) = sign_in(&server, "partner@demo.aicc", "demo-password").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn an_unknown_e_mail_takes_as_long_as_a_wrong_password() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(Config {
        sign_ins_per_minute: 1000,
        ..config(&dir)
    })
    .await;
    let known = [
        "partner@demo.aicc",
        "engineer@demo.aicc",
        "lead@other.aicc",
        "member@other.aicc",
        "reviewer@demo.aicc",
    ];
    // Different accounts each time: none reaches the backoff.
    let existing = median_sign_in(&server, known.iter().map(|e| (*e).to_owned())).await;
    let unknown = median_sign_in(&server, (0..5).map(|i| format!("nobody{i}@demo.aicc"))).await;
    // Hashing is most of either answer; before, an unknown e-mail skipped it
    // and answered about 25 times sooner. A generous margin for noise.
    assert!(
        unknown * 3 > existing,
        "unknown e-mail {unknown:?} against wrong password {existing:?}"
    );
}

/// The median time a wrong password takes to be refused for `emails`.
async fn median_sign_in(server: &Server, emails: impl Iterator<Item = String>) -> Duration {
    let mut times = Vec::new();
    for email in emails {
        let started = Instant::now();
        let (status, body) = sign_in(server, &email, "not-the-password").await;
        times.push(started.elapsed());
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["error"]["message"], "wrong e-mail or password");
    }
    times.sort();
    times[times.len() / 2]
}

#[tokio::test]
async fn no_token_is_kept_in_plain_text_by_the_idempotency_layer() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let keyed = |path: &str, key: &str, token: Option<&str>, body: Value| {
        let mut request = server
            .http
            .post(format!("{}{path}", server.url))
            .header("Idempotency-Key", key)
            .json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move {
            let response = request.send().await.unwrap();
            assert!(response.status().is_success());
            response.json::<Value>().await.unwrap()
        }
    };
    let grant = keyed(
        "/v1/auth/token",
        "sign-in-1",
        None,
        json!({"email": "partner@demo.aicc", "password": "demo-password"}),
    )
    .await;
    let refreshed = keyed(
        "/v1/auth/refresh",
        "refresh-1",
        None,
        json!({"refresh_token": grant["refresh_token"]}),
    )
    .await;
    let access = refreshed["access_token"].as_str().unwrap();
    let made = keyed(
        "/v1/auth/personal-tokens",
        "token-1",
        Some(access),
        json!({"name": "ci", "scopes": ["jobs"]}),
    )
    .await;
    let invited = keyed(
        "/v1/organisation/invitations",
        "invite-1",
        Some(access),
        json!({"email": "wang.fang@robotics.example.cn", "name": "Wang Fang", "role": "partner_member"}),
    )
    .await;
    let secrets = [
        grant["access_token"].as_str().unwrap(),
        grant["refresh_token"].as_str().unwrap(),
        access,
        refreshed["refresh_token"].as_str().unwrap(),
        made["token"].as_str().unwrap(),
        invited["code"].as_str().unwrap(),
    ];
    let kept: Vec<String> = server.db.blocking(|conn| {
        let mut stmt = conn
            .prepare("SELECT COALESCE(CAST(body AS TEXT), '') FROM idempotency_keys")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    });
    for body in &kept {
        for secret in secrets {
            assert!(!body.contains(secret), "a token is kept in plain text");
        }
    }
    // Retrying the token's creation with its key cannot show the token again.
    let response = server
        .http
        .post(format!("{}/v1/auth/personal-tokens", server.url))
        .header("Idempotency-Key", "token-1")
        .bearer_auth(access)
        .json(&json!({"name": "ci", "scopes": ["jobs"]}))
        .send()
        .await
        .unwrap();
    let again: Value = response.json().await.unwrap();
    assert_ne!(again["token"], made["token"]);
}

#[tokio::test]
async fn the_same_key_with_another_query_string_is_refused_not_replayed() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let admin = server.token("partner@demo.aicc").await;
    let id = &draft(&server, &admin).await;
    let send = |name: &str| {
        server
            .http
            .post(format!(
                "{}/v1/applications/{id}/attachments?file_name={name}",
                server.url
            ))
            .header("Idempotency-Key", "upload-1")
            .bearer_auth(&admin)
            .body(PDF)
            .send()
    };
    assert_eq!(send("first.pdf").await.unwrap().status(), 201);
    let second = send("second.pdf").await.unwrap();
    assert_eq!(second.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = second.json().await.unwrap();
    assert_eq!(body["error"]["code"], "idempotency_mismatch");
}

#[tokio::test]
async fn personal_access_tokens_are_scoped_cannot_make_tokens_and_say_when_last_used() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let session = server.token("partner@demo.aicc").await;
    let make = |body: Value| {
        let server = &server;
        let session = session.clone();
        async move {
            server
                .call(
                    Method::POST,
                    "/v1/auth/personal-tokens",
                    Some(&session),
                    Some(body),
                )
                .await
        }
    };
    let (status, read_only) = make(json!({"name": "dashboard"})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        read_only["scopes"],
        json!(["read"]),
        "read-only unless asked"
    );
    let read_only = read_only["token"].as_str().unwrap().to_owned();
    let (_, jobs) = make(json!({"name": "ci", "scopes": ["jobs"], "expires_in_days": 30})).await;
    let jobs = jobs["token"].as_str().unwrap().to_owned();

    let (status, refused) = make(json!({"name": "forever", "expires_in_days": 400})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["error"]["field"], "expires_in_days");
    let (status, _) = make(json!({"name": "x", "scopes": ["everything"]})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "an unknown scope");

    let (status, _) = server
        .call(Method::GET, "/v1/jobs/changes", Some(&read_only), None)
        .await;
    assert_eq!(status, StatusCode::OK, "every scope reads");
    let submit = |token: String| {
        let server = &server;
        async move {
            server
                .call(
                    Method::POST,
                    "/v1/jobs",
                    Some(&token),
                    Some(job("atlas-800t-a2", 1, 1, 1.0)),
                )
                .await
        }
    };
    let (status, refused) = submit(read_only.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("\"jobs\" scope"),
        "{refused}"
    );
    let (status, _) = submit(jobs.clone()).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = server
        .call(
            Method::POST,
            "/v1/applications",
            Some(&jobs),
            Some(complete_form()),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a jobs token writes no application"
    );

    let (status, refused) = server
        .call(
            Method::POST,
            "/v1/auth/personal-tokens",
            Some(&jobs),
            Some(json!({"name": "renewed", "scopes": ["full"]})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a token never makes another");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("settings")
    );

    let (_, listed) = server
        .call(
            Method::GET,
            "/v1/auth/personal-tokens",
            Some(&session),
            None,
        )
        .await;
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 2);
    let ci = listed.iter().find(|t| t["name"] == "ci").unwrap();
    assert!(ci["last_used_at"].is_string(), "{ci}");
    assert!(ci.get("token").is_none_or(Value::is_null));
}

#[tokio::test]
async fn a_password_reset_or_a_change_of_role_ends_every_session_and_token() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    for change in ["password", "role"] {
        let (_, grant) = sign_in(&server, "engineer@demo.aicc", "demo-password").await;
        let access = grant["access_token"].as_str().unwrap().to_owned();
        let (_, pat) = server
            .call(
                Method::POST,
                "/v1/auth/personal-tokens",
                Some(&access),
                Some(json!({"name": "ci", "scopes": ["jobs"]})),
            )
            .await;
        let pat = pat["token"].as_str().unwrap().to_owned();
        let (role, password) = match change {
            "password" => (Role::PartnerMember, "a-new-password"),
            _ => (Role::PartnerAdmin, "demo-password"),
        };
        server.db.blocking(|conn| {
            let robotics = aicc_portal::admin::organisation_id(conn, "Demo Robotics").unwrap();
            accounts::upsert_user(
                conn,
                robotics,
                "engineer@demo.aicc",
                "Zhao Lei",
                role,
                password,
            )
            .unwrap();
        });
        for (what, token) in [("access token", &access), ("personal token", &pat)] {
            let (status, _) = server.call(Method::GET, "/v1/me", Some(token), None).await;
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "the old {what} after a change of {change}"
            );
        }
        let (status, _) = server
            .call(
                Method::POST,
                "/v1/auth/refresh",
                None,
                Some(json!({"refresh_token": grant["refresh_token"]})),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "the old refresh token");
        // Back as it was, for the next round.
        server.db.blocking(|conn| {
            let robotics = aicc_portal::admin::organisation_id(conn, "Demo Robotics").unwrap();
            accounts::upsert_user(
                conn,
                robotics,
                "engineer@demo.aicc",
                "Zhao Lei",
                Role::PartnerMember,
                "demo-password",
            )
            .unwrap();
        });
    }
}

#[tokio::test]
async fn an_application_takes_a_bounded_number_of_attachments() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let admin = server.token("partner@demo.aicc").await;
    let id = &draft(&server, &admin).await;
    for n in 0..aicc_api::applications::MAX_ATTACHMENTS {
        assert_eq!(
            upload(&server, &admin, id, &format!("page-{n}.pdf"))
                .await
                .status(),
            201
        );
    }
    let refused = upload(&server, &admin, id, "one-too-many.pdf").await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let body: Value = refused.json().await.unwrap();
    assert!(
        body["error"]["message"].as_str().unwrap().contains("20"),
        "{body}"
    );
}

#[tokio::test]
async fn a_tiny_job_cannot_slip_under_the_quota_and_hours_are_reserved_by_the_minute() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    // Other Vision has no credits: its quota alone pays.
    let admin = server.token("lead@other.aicc").await;
    server.db.blocking(|conn| {
        let vision = aicc_portal::admin::organisation_id(conn, "Other Vision").unwrap();
        aicc_portal::jobs::set_quota(conn, vision, 0.5).unwrap();
    });
    let submit = |nodes: u32, max_hours: f64| {
        let (server, admin) = (&server, admin.clone());
        async move {
            server
                .call(
                    Method::POST,
                    "/v1/jobs",
                    Some(&admin),
                    Some(job("atlas-800t-a2", nodes, 8, max_hours)),
                )
                .await
        }
    };
    let (status, refused) = submit(8, 1e-12).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["error"]["field"], "max_hours");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("6 minutes")
    );
    // Six minutes on 8 NPUs is 0.8 NPU-hours: more than the 0.5 left.
    let (status, refused) = submit(1, 0.1).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["error"]["code"], "quota_exceeded");
}

#[tokio::test]
async fn expired_and_long_revoked_tokens_are_purged() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let old = server.token("engineer@demo.aicc").await;
    let live = server.token("partner@demo.aicc").await;
    let two_days_ago = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - 2 * 24 * 3600) as i64;
    let purged = server.db.blocking(|conn| {
        conn.execute(
            "UPDATE tokens SET expires_at = ?1
             WHERE user_id = (SELECT id FROM users WHERE email = 'engineer@demo.aicc')",
            [two_days_ago],
        )
        .unwrap();
        accounts::purge_tokens(conn).unwrap()
    });
    assert_eq!(purged, 2, "the access and the refresh token");
    let (status, _) = server.call(Method::GET, "/v1/me", Some(&old), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = server.call(Method::GET, "/v1/me", Some(&live), None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn writes_still_arriving_when_their_author_is_deactivated_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let admin = server.token("partner@demo.aicc").await;
    let engineer = server.token("engineer@demo.aicc").await;
    let (_, members) = server
        .call(Method::GET, "/v1/organisation/members", Some(&admin), None)
        .await;
    let engineer_id = members
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["email"] == "engineer@demo.aicc")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let engineer_at = format!("/v1/organisation/members/{engineer_id}");
    let jobs_before = job_count(&server, &admin).await;

    // A job request and a personal access token, their bodies held back
    // while a partner admin deactivates their author.
    let job_request = server
        .hold(
            Method::POST,
            "/v1/jobs",
            &engineer,
            job("atlas-800t-a2", 1, 1, 1.0),
        )
        .await;
    let token_request = server
        .hold(
            Method::POST,
            "/v1/auth/personal-tokens",
            &engineer,
            json!({"name": "nightly", "scopes": ["jobs"]}),
        )
        .await;
    let (status, _) = server
        .call(
            Method::PATCH,
            &engineer_at,
            Some(&admin),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    for held in [job_request, token_request] {
        let answer = held.send().await;
        assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    }
    assert_eq!(
        job_count(&server, &admin).await,
        jobs_before,
        "no job was queued"
    );

    // Reactivated, the engineer finds no token made while they were out.
    let (status, _) = server
        .call(
            Method::PATCH,
            &engineer_at,
            Some(&admin),
            Some(json!({"active": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let engineer = server.token("engineer@demo.aicc").await;
    let (_, tokens) = server
        .call(
            Method::GET,
            "/v1/auth/personal-tokens",
            Some(&engineer),
            None,
        )
        .await;
    assert_eq!(tokens, json!([]));
}

async fn job_count(server: &Server, token: &str) -> usize {
    let (status, page) = server
        .call(Method::GET, "/v1/jobs/changes?after=0", Some(token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["changes"].as_array().unwrap().len()
}

/// A personal access token of `email` with `scopes`, made from an app session.
async fn personal_token(server: &Server, email: &str, scopes: Value) -> String {
    let session = server.token(email).await;
    let (status, made) = server
        .call(
            Method::POST,
            "/v1/auth/personal-tokens",
            Some(&session),
            Some(json!({"name": "script", "scopes": scopes})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    made["token"].as_str().unwrap().to_owned()
}

/// Sends `body` to `path` with `key`, as `token`.
async fn keyed(server: &Server, token: &str, path: &str, key: &str, body: Value) -> StatusCode {
    let mut request = server
        .http
        .post(format!("{}{path}", server.url))
        .bearer_auth(token)
        .header("idempotency-key", key);
    if !body.is_null() {
        request = request.json(&body);
    }
    request.send().await.unwrap().status()
}

#[tokio::test]
async fn a_kept_answer_is_replayed_only_to_a_credential_that_may_make_the_write() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let session = server.token("engineer@demo.aicc").await;
    let body = job("atlas-800t-a2", 1, 1, 1.0);
    assert_eq!(
        keyed(&server, &session, "/v1/jobs", "replay-1", body.clone()).await,
        StatusCode::CREATED
    );
    // The same person's read-only token, the same key and request.
    let read_only = personal_token(&server, "engineer@demo.aicc", json!(["read"])).await;
    assert_eq!(
        keyed(&server, &read_only, "/v1/jobs", "replay-1", body.clone()).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        keyed(&server, &session, "/v1/jobs", "replay-1", body).await,
        StatusCode::CREATED,
        "the session that made it is answered as before"
    );
    // A cancellation alike.
    let (_, made) = server
        .call(Method::GET, "/v1/jobs/changes", Some(&session), None)
        .await;
    let id = made["changes"][0]["item"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let cancel = format!("/v1/jobs/{id}/cancel");
    assert_eq!(
        keyed(&server, &session, &cancel, "replay-2", Value::Null).await,
        StatusCode::OK
    );
    assert_eq!(
        keyed(&server, &read_only, &cancel, "replay-2", Value::Null).await,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_personal_access_token_cannot_manage_members() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let full = personal_token(&server, "partner@demo.aicc", json!(["full"])).await;
    let (status, refused) = server
        .call(
            Method::POST,
            "/v1/organisation/invitations",
            Some(&full),
            Some(json!({"email": "new@robotics.example.cn", "name": "Zhao Lei", "role": "partner_admin"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("app's settings"),
        "{refused}"
    );
}

#[tokio::test]
async fn members_prepare_applications_admins_submit_and_withdraw_and_drafts_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(Config {
        editable_applications_per_organisation: 2,
        ..config(&dir)
    })
    .await;
    let member = server.token("engineer@demo.aicc").await;
    let admin = server.token("partner@demo.aicc").await;
    // A member starts and edits drafts for an admin to send.
    let first = draft(&server, &member).await;
    let (status, _) = server
        .call(
            Method::PUT,
            &format!("/v1/applications/{first}"),
            Some(&member),
            Some(complete_form()),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let second = draft(&server, &member).await;
    let (status, refused) = server
        .call(
            Method::POST,
            "/v1/applications",
            Some(&member),
            Some(complete_form()),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("withdraw")
    );

    // Only an admin withdraws; a withdrawn draft frees its place.
    let withdraw = |token: String, id: String| {
        let server = &server;
        async move {
            server
                .call(
                    Method::POST,
                    &format!("/v1/applications/{id}/withdraw"),
                    Some(&token),
                    None,
                )
                .await
        }
    };
    let (status, _) = withdraw(member.clone(), second.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, withdrawn) = withdraw(admin.clone(), second.clone()).await;
    assert_eq!(status, StatusCode::OK, "{withdrawn}");
    assert_eq!(withdrawn["state"], "withdrawn");
    let (status, _) = withdraw(admin.clone(), second).await;
    assert_eq!(status, StatusCode::CONFLICT, "withdrawn is final");
    draft(&server, &member).await;

    // A submitted application can be withdrawn before the decision, not after.
    let (status, _) = submit_application(&server, &admin, &first).await;
    assert_eq!(status, StatusCode::OK);
    let (status, withdrawn) = withdraw(admin.clone(), first).await;
    assert_eq!(status, StatusCode::OK, "{withdrawn}");
    let timeline = withdrawn["timeline"].as_array().unwrap();
    assert_eq!(timeline.last().unwrap()["to"], "withdrawn");
}

#[tokio::test]
async fn a_file_name_that_would_lie_about_itself_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let admin = server.token("partner@demo.aicc").await;
    let id = draft(&server, &admin).await;
    // "invoice", U+202E, "fdp.exe" shows as invoiceexe.pdf.
    let response = upload(&server, &admin, &id, "invoice%E2%80%AEfdp.exe").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A line separator, a zero-width space, a byte order mark, a path.
    for name in [
        "scan%E2%80%A8.pdf",
        "sc%E2%80%8Ban.pdf",
        "%EF%BB%BFscan.pdf",
        "..%2Fscan.pdf",
        "..%5Cscan.pdf",
    ] {
        let response = upload(&server, &admin, &id, name).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name}"
        );
    }
    let response = upload(
        &server,
        &admin,
        &id,
        "%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7.pdf",
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_log_cursor_beyond_any_line_is_a_bad_request_not_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let token = server.token("engineer@demo.aicc").await;
    let (_, made) = server
        .call(
            Method::POST,
            "/v1/jobs",
            Some(&token),
            Some(job("atlas-800t-a2", 1, 1, 1.0)),
        )
        .await;
    let id = made["id"].as_str().unwrap();
    let (status, refused) = server
        .call(
            Method::GET,
            &format!("/v1/jobs/{id}/logs?after={}", u64::MAX),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(refused["error"]["field"], "after");
}

#[tokio::test]
async fn expired_and_withdrawn_invitations_are_purged_and_accepted_ones_kept() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let admin = server.token("partner@demo.aicc").await;
    for n in 0..3 {
        let (status, _) = server
            .call(
                Method::POST,
                "/v1/organisation/invitations",
                Some(&admin),
                Some(json!({"email": format!("guest{n}@robotics.example.cn"), "name": "Guest", "role": "partner_member"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let two_days_ago = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - 2 * 24 * 3600) as i64;
    let left = server.db.blocking(|conn| {
        conn.execute(
            "UPDATE invitations SET expires_at = ?1 WHERE email = 'guest0@robotics.example.cn'",
            [two_days_ago],
        )
        .unwrap();
        conn.execute(
            "UPDATE invitations SET withdrawn_at = ?1 WHERE email = 'guest1@robotics.example.cn'",
            [two_days_ago],
        )
        .unwrap();
        conn.execute(
            "UPDATE invitations SET accepted_at = ?1, expires_at = ?1
             WHERE email = 'guest2@robotics.example.cn'",
            [two_days_ago],
        )
        .unwrap();
        accounts::purge_tokens(conn).unwrap();
        conn.prepare("SELECT email FROM invitations")
            .unwrap()
            .query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap()
    });
    assert_eq!(left, ["guest2@robotics.example.cn"]);
}

/// Sends an attachment over a raw connection and hangs up with a reset
/// `wait` after its last byte, without reading the answer.
/// Sends an upload of `size` bytes and hangs up (a reset, without reading
/// the answer) as soon as the portal has the whole body: once a file of it
/// shows in `files`.
async fn upload_and_hang_up(
    server: &Server,
    token: &str,
    id: &str,
    size: usize,
    files: &std::path::Path,
) {
    use tokio::io::AsyncWriteExt as _;

    let mut content = PDF.to_vec();
    content.resize(size, b' ');
    let address = server.url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /v1/applications/{id}/attachments?file_name=scan.pdf HTTP/1.1\r\n\
         Host: {address}\r\nAuthorization: Bearer {token}\r\n\
         Idempotency-Key: hang-up-{size}\r\n\
         Content-Type: application/octet-stream\r\nContent-Length: {}\r\n\r\n",
        content.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&content).await.unwrap();
    // A reset throws away what the portal has not read yet: hanging up
    // before it read the last byte is another test's case (a slow machine
    // made this one that case).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while std::fs::read_dir(files).map_or(true, |mut d| d.next().is_none()) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the upload never arrived"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    stream.set_zero_linger().unwrap();
}

#[tokio::test]
async fn an_upload_whose_sender_hangs_up_after_its_last_byte_is_recorded_with_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let admin = server.token("partner@demo.aicc").await;
    let id = draft(&server, &admin).await;
    let size = aicc_api::applications::MAX_ATTACHMENT_BYTES - 1024;
    upload_and_hang_up(&server, &admin, &id, size, &dir.path().join("attachments")).await;
    let application = wait_for(&server, &admin, &format!("/v1/applications/{id}"), |a| {
        a["attachments"].as_array().is_some_and(|a| !a.is_empty())
    })
    .await;
    let sha256 = application["attachments"][0]["sha256"].as_str().unwrap();
    let files: Vec<_> = std::fs::read_dir(dir.path().join("attachments"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(files, [sha256], "one file, the one recorded");
}

#[tokio::test]
async fn housekeeping_removes_old_attachment_files_nothing_refers_to_and_keeps_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let admin = server.token("partner@demo.aicc").await;
    let id = draft(&server, &admin).await;
    assert_eq!(upload(&server, &admin, &id, "kept.pdf").await.status(), 201);
    let files = dir.path().join("attachments");
    let recorded = std::fs::read_dir(&files)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let long_ago = std::time::SystemTime::now() - 2 * aicc_portal::applications::UNRECORDED_GRACE;
    let age = |path: &std::path::Path| {
        std::fs::File::options()
            .append(true)
            .open(path)
            .unwrap()
            .set_modified(long_ago)
            .unwrap();
    };
    age(&recorded);
    let left_over = files.join("ab".repeat(32));
    std::fs::write(&left_over, b"%PDF- recorded once, its record since gone").unwrap();
    age(&left_over);
    let arriving = files.join("cd".repeat(32));
    std::fs::write(&arriving, b"%PDF- about to be recorded").unwrap();
    let not_ours = files.join("notes.txt");
    std::fs::write(&not_ours, b"an operator's notes").unwrap();
    age(&not_ours);

    let abandoned = files.join(format!("{}crashed", aicc_portal::applications::PENDING));
    std::fs::write(&abandoned, b"%PDF- its upload's portal was killed").unwrap();
    age(&abandoned);
    let in_flight = files.join(format!("{}sending", aicc_portal::applications::PENDING));
    std::fs::write(&in_flight, b"%PDF- waiting for the writer").unwrap();

    let removed = aicc_portal::applications::sweep_unrecorded(
        &server.db,
        &files,
        aicc_portal::applications::UNRECORDED_GRACE,
    )
    .await
    .unwrap();
    assert_eq!(removed, 2);
    assert!(!left_over.exists(), "an old file nothing refers to goes");
    assert!(
        !abandoned.exists(),
        "an old upload's file that never got its record goes"
    );
    assert!(
        in_flight.exists(),
        "an upload's file still on its way stays"
    );
    assert!(recorded.exists(), "a recorded file stays, however old");
    assert!(arriving.exists(), "a fresh file may still be recorded");
    assert!(
        not_ours.exists(),
        "only files named by a hash are the portal's"
    );
}

#[tokio::test]
async fn no_field_a_partner_sends_is_unbounded() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let admin = server.token("partner@demo.aicc").await;
    let long = "v".repeat(1_000_000);
    let mut request = job("atlas-800t-a2", 1, 8, 1.0);
    request["base_model"]["version"] = json!(long);
    let (status, body) = server
        .call(Method::POST, "/v1/jobs", Some(&admin), Some(request))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "base_model", "{body}");
    let mut request = job("atlas-800t-a2", 1, 8, 1.0);
    request["name"] = json!("lora\u{202e}\u{0}\nrm -rf");
    let (status, body) = server
        .call(Method::POST, "/v1/jobs", Some(&admin), Some(request))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "name", "{body}");
    for (field, value) in [
        ("industries", json!([long.clone()])),
        ("frameworks", json!(vec!["MindSpore"; 1000])),
        ("target_hardware", json!(["Atlas 800T A2", long.clone()])),
        (
            "contact_phone",
            json!(format!("+86 311 8888 6666{}", " ".repeat(100_000))),
        ),
        (
            "contact_email",
            json!(format!("{}@example.cn", "a".repeat(100_000))),
        ),
    ] {
        let mut form = complete_form();
        form[field] = value;
        let (status, body) = server
            .call(Method::POST, "/v1/applications", Some(&admin), Some(form))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {body}");
        assert_eq!(body["error"]["field"], field, "{body}");
    }
}

#[tokio::test]
async fn a_page_of_an_organisations_feed_is_bounded_in_bytes_and_the_pages_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let admin = server.token("partner@demo.aicc").await;
    let mut request = job("atlas-800t-a2", 1, 1, 0.1);
    let text = "x".repeat(aicc_api::jobs::MAX_HYPERPARAMETER_TEXT);
    request["hyperparameters"] = (0..aicc_api::jobs::MAX_HYPERPARAMETERS)
        .map(|i| (format!("p{i}"), json!(text)))
        .collect::<serde_json::Map<_, _>>()
        .into();
    let jobs = 70;
    for _ in 0..jobs {
        let (status, body) = server
            .call(
                Method::POST,
                "/v1/jobs",
                Some(&admin),
                Some(request.clone()),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let mut after = 0;
    let mut seen = std::collections::BTreeSet::new();
    let mut pages = 0;
    loop {
        let response = server
            .http
            .get(format!(
                "{}/v1/jobs/changes?after={after}&limit=1000",
                server.url
            ))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        let bytes = response.bytes().await.unwrap();
        assert!(
            bytes.len() <= aicc_portal::feed::MAX_PAGE_BYTES + 64 * 1024,
            "a page of {} bytes",
            bytes.len()
        );
        let page: Value = serde_json::from_slice(&bytes).unwrap();
        pages += 1;
        for change in page["changes"].as_array().unwrap() {
            seen.insert(change["item"]["id"].as_str().unwrap().to_owned());
        }
        after = page["next"].as_u64().unwrap();
        if !page["more"].as_bool().unwrap() {
            break;
        }
        assert!(
            page["remaining"].as_u64().unwrap() > 0,
            "{}",
            page["remaining"]
        );
    }
    assert!(pages > 1, "the jobs were more than one page holds");
    assert_eq!(seen.len(), jobs, "every job once, in one page or another");
}

#[tokio::test]
async fn a_person_keeps_a_bounded_number_of_personal_access_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let admin = server.token("partner@demo.aicc").await;
    let make = || {
        server.call(
            Method::POST,
            "/v1/auth/personal-tokens",
            Some(&admin),
            Some(json!({"name": "ci", "scopes": ["read"]})),
        )
    };
    let mut first = None;
    for _ in 0..aicc_api::auth::MAX_PERSONAL_TOKENS {
        let (status, token) = make().await;
        assert_eq!(status, StatusCode::CREATED, "{token}");
        first.get_or_insert(token["id"].as_str().unwrap().to_owned());
    }
    let (status, refused) = make().await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    let first = first.unwrap();
    let (status, _) = server
        .call(
            Method::DELETE,
            &format!("/v1/auth/personal-tokens/{first}"),
            Some(&admin),
            None,
        )
        .await;
    assert!(status.is_success(), "{status}");
    let (status, made) = make().await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "a revoked token frees its place: {made}"
    );
}

#[tokio::test]
async fn a_reviewers_comment_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let admin = server.token("partner@demo.aicc").await;
    let id = draft(&server, &admin).await;
    let (status, body) = submit_application(&server, &admin, &id).await;
    assert!(status.is_success(), "{body}");
    let reviewer = server.token("reviewer@demo.aicc").await;
    let at = format!("/v1/applications/{id}/review");
    let review = |action: &str, comment: String| {
        server.call(
            Method::POST,
            &at,
            Some(&reviewer),
            Some(json!({"action": action, "comment": comment})),
        )
    };
    let (status, started) = review("start_review", String::new()).await;
    assert!(status.is_success(), "{started}");
    let long = "x".repeat(aicc_portal::applications::MAX_REVIEW_COMMENT + 1);
    let (status, refused) = review("request_changes", long).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["error"]["field"], "comment");
    let (status, asked) = review("request_changes", "Add the test report.".into()).await;
    assert!(status.is_success(), "{asked}");
}

#[tokio::test]
async fn an_organisations_attachments_take_no_more_room_than_the_center_keeps_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(Config {
        attachment_storage_mib_per_organisation: 1,
        ..config(&dir)
    })
    .await;
    let admin = server.token("partner@demo.aicc").await;
    let id = draft(&server, &admin).await;
    // 400 KiB files, each its own content.
    let content = |n: u8| {
        let mut content = PDF.to_vec();
        content.resize(400 * 1024, b'0' + n);
        content
    };
    let send_to = |id: &str, n: u8, key: &str| {
        server
            .http
            .post(format!(
                "{}/v1/applications/{id}/attachments?file_name=scan-{n}.pdf",
                server.url
            ))
            .bearer_auth(&admin)
            .header("Idempotency-Key", key)
            .body(content(n))
            .send()
    };
    let status = |sent: reqwest::Result<reqwest::Response>| sent.unwrap().status();
    assert_eq!(status(send_to(&id, 1, "one").await), 201);
    assert_eq!(status(send_to(&id, 2, "two").await), 201);
    let refused = send_to(&id, 3, "three").await.unwrap();
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let body: Value = refused.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("of the 1.0 MiB"),
        "{body}"
    );
    let stored = || {
        std::fs::read_dir(dir.path().join("attachments"))
            .unwrap()
            .count()
    };
    assert_eq!(stored(), 2, "a refused upload leaves no file");
    // The same content again is the same file: it takes no more room.
    assert_eq!(status(send_to(&id, 1, "one again").await), 201);
    // An upload whose answer was lost is answered as it was, full or not.
    assert_eq!(status(send_to(&id, 1, "one").await), 201);
    assert_eq!(stored(), 2);

    // Withdrawing keeps the files: they still count.
    let (status_of_withdrawal, _) = server
        .call(
            Method::POST,
            &format!("/v1/applications/{id}/withdraw"),
            Some(&admin),
            None,
        )
        .await;
    assert!(status_of_withdrawal.is_success());
    let next = draft(&server, &admin).await;
    assert_eq!(
        status(send_to(&next, 4, "four").await),
        StatusCode::CONFLICT
    );

    // Full to the byte, an upload is refused before its body is read.
    let mut last = PDF.to_vec();
    last.resize(224 * 1024, b'9');
    let filled = server
        .http
        .post(format!(
            "{}/v1/applications/{next}/attachments?file_name=last.pdf",
            server.url
        ))
        .bearer_auth(&admin)
        .body(last)
        .send()
        .await
        .unwrap();
    assert_eq!(filled.status(), 201);
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let address = server.url.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST /v1/applications/{next}/attachments?file_name=big.pdf HTTP/1.1\r\n\
         Host: portal\r\nAuthorization: Bearer {admin}\r\n\
         Content-Type: application/octet-stream\r\nContent-Length: 20000000\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0; 64];
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut answer))
        .await
        .expect("answered before the body");
    let answer = String::from_utf8_lossy(&answer[..read.unwrap()]).into_owned();
    assert!(answer.starts_with("HTTP/1.1 409"), "{answer}");
    // A key kept for another write does not make this one a replay.
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let keyed = head.replace("Content-Type:", "Idempotency-Key: one\r\nContent-Type:");
    stream.write_all(keyed.as_bytes()).await.unwrap();
    let mut answer = vec![0; 64];
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut answer))
        .await
        .expect("answered before the body, key or not");
    let answer = String::from_utf8_lossy(&answer[..read.unwrap()]).into_owned();
    assert!(answer.starts_with("HTTP/1.1 409"), "{answer}");

    // The center gives this organisation more room.
    server
        .db
        .call(|conn| {
            let robotics = aicc_portal::admin::organisation_id(conn, "Demo Robotics")?;
            aicc_portal::admin::set_attachment_storage(conn, robotics, Some(2))
        })
        .await
        .unwrap();
    assert_eq!(status(send_to(&next, 4, "four at last").await), 201);
}

#[tokio::test]
async fn a_file_takes_at_least_a_disks_block_of_the_organisations_room() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(Config {
        attachment_storage_mib_per_organisation: 1,
        ..config(&dir)
    })
    .await;
    let admin = server.token("partner@demo.aicc").await;
    let id = draft(&server, &admin).await;
    let send = |content: Vec<u8>, name: &str| {
        server
            .http
            .post(format!(
                "{}/v1/applications/{id}/attachments?file_name={name}",
                server.url
            ))
            .bearer_auth(&admin)
            .body(content)
            .send()
    };
    let mut big = PDF.to_vec();
    big.resize(1_046_000, b' ');
    assert_eq!(send(big, "big.pdf").await.unwrap().status(), 201);
    let mut tiny = PDF.to_vec();
    tiny.push(b'1');
    assert!(tiny.len() < 4096);
    assert_eq!(
        send(tiny, "tiny.pdf").await.unwrap().status(),
        StatusCode::CONFLICT,
        "1,046,000 bytes and a block of 4 KiB are more than 1 MiB"
    );
}
