//! The talent platform through the HTTP API: the demo's courses, enrolment
//! with its waitlist (an engineer themself, a partner admin for a member,
//! nobody for another organisation's), each enrolment made once however
//! often it is sent, and certifications read by their holder, their
//! organisation's partner admin and the center's staff only.

#![allow(clippy::unwrap_used)] // a test helper that cannot do its job should stop the test

mod common;

use common::{Server, config};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The courses as `token` reads them.
async fn courses(server: &Server, token: &str) -> Vec<Value> {
    let (status, page) = server
        .call(
            Method::GET,
            "/v1/courses/changes?after=0&limit=1000",
            Some(token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["item"].clone())
        .collect()
}

/// The session of the demo's courses with one seat (another partner's
/// engineer holds it), as `token` reads it.
async fn full_session(server: &Server, token: &str) -> Value {
    courses(server, token)
        .await
        .into_iter()
        .flat_map(|c| c["sessions"].as_array().unwrap().clone())
        .find(|s| s["seats"] == 1)
        .unwrap()
}

async fn session(server: &Server, token: &str, id: &str) -> Value {
    courses(server, token)
        .await
        .into_iter()
        .flat_map(|c| c["sessions"].as_array().unwrap().clone())
        .find(|s| s["id"] == id)
        .unwrap()
}

async fn post(
    server: &Server,
    token: &str,
    path: &str,
    key: &str,
    body: Value,
) -> (StatusCode, Value) {
    let response = server
        .http
        .post(format!("{}{path}", server.url))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_full_session_waitlists_and_a_seat_freed_goes_to_the_first_waiting_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let engineer = server.token("engineer@demo.aicc").await;
    let other = server.token("member@other.aicc").await;

    let listed = courses(&server, &engineer).await;
    assert!(listed.len() >= 8, "the demo's course list");
    assert!(
        listed
            .iter()
            .any(|c| c["language"] == "zh-CN" && c["title"].as_str().unwrap().contains("微调"))
    );
    let full = full_session(&server, &engineer).await;
    assert_eq!(
        (full["seats_taken"].as_u64(), full["waitlisted"].as_u64()),
        (Some(1), Some(0))
    );
    assert_eq!(
        full["enrolled"],
        json!([]),
        "another organisation's seat holder is not shown"
    );
    let id = full["id"].as_str().unwrap().to_owned();
    let enrol = format!("/v1/course_sessions/{id}/enrol");

    // Sent twice with one key: one place on the waitlist.
    for _ in 0..2 {
        let (status, course) = post(&server, &engineer, &enrol, "enrol-1", json!({})).await;
        assert_eq!(status, StatusCode::OK, "{course}");
    }
    let seen = session(&server, &engineer, &id).await;
    assert_eq!(seen["waitlisted"], 1);
    let mine = &seen["enrolled"][0];
    assert_eq!(
        (mine["you"].as_bool(), mine["waitlist_position"].as_u64()),
        (Some(true), Some(1))
    );
    let (status, again) = post(&server, &engineer, &enrol, "enrol-2", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    assert_eq!(
        again["error"]["reason"],
        json!({"code": "registered_already", "params": {}}),
        "the refusal carries the code the app words it by: {again}"
    );

    // The seat holder cancels: the engineer takes the seat.
    let (status, body) = post(
        &server,
        &other,
        &format!("/v1/course_sessions/{id}/cancel"),
        "cancel-1",
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let seen = session(&server, &engineer, &id).await;
    assert_eq!(
        (seen["seats_taken"].as_u64(), seen["waitlisted"].as_u64()),
        (Some(1), Some(0))
    );
    assert_eq!(
        seen["enrolled"][0]["waitlist_position"],
        Value::Null,
        "a seat"
    );
}

#[tokio::test]
async fn a_partner_admin_enrols_its_members_and_nobody_else() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let admin = server.token("partner@demo.aicc").await;
    let engineer = server.token("engineer@demo.aicc").await;
    let other_admin = server.token("lead@other.aicc").await;
    let reviewer = server.token("reviewer@demo.aicc").await;
    let roomy = courses(&server, &admin)
        .await
        .into_iter()
        .flat_map(|c| c["sessions"].as_array().unwrap().clone())
        .find(|s| s["seats"].as_u64() > Some(1))
        .unwrap();
    let id = roomy["id"].as_str().unwrap().to_owned();
    let enrol = format!("/v1/course_sessions/{id}/enrol");
    let cancel = format!("/v1/course_sessions/{id}/cancel");

    let (status, made) = post(
        &server,
        &admin,
        &enrol,
        "a-1",
        json!({"email": "ENGINEER@demo.aicc"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{made}");
    let seen = session(&server, &engineer, &id).await;
    let enrolled = &seen["enrolled"][0];
    assert_eq!(enrolled["email"], "engineer@demo.aicc");
    assert_eq!(enrolled["you"], true);
    assert!(enrolled["enrolled_by"].as_str().is_some(), "{enrolled}");

    // A member enrols only themself; another organisation's member is as
    // if it did not exist; staff enrol nobody.
    let (status, body) = post(
        &server,
        &engineer,
        &enrol,
        "m-1",
        json!({"email": "partner@demo.aicc"}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = post(
        &server,
        &other_admin,
        &enrol,
        "o-1",
        json!({"email": "engineer@demo.aicc"}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(!body.to_string().contains("Zhao"), "{body}");
    let (status, _) = post(&server, &reviewer, &enrol, "r-1", json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = post(
        &server,
        &admin,
        "/v1/course_sessions/ses_nothing/enrol",
        "n-1",
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    // A body the portal does not understand is refused, not read as "me".
    for (key, body) in [
        ("typo-1", json!({"Email": "engineer@demo.aicc"})),
        ("typo-2", json!({"email": " "})),
    ] {
        let (status, refused) = post(&server, &admin, &cancel, key, body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    }

    // The admin cancels for the member; the other organisation sees the
    // seat count, never who.
    let (status, body) = post(
        &server,
        &admin,
        &cancel,
        "a-2",
        json!({"email": "engineer@demo.aicc"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = post(&server, &engineer, &cancel, "m-2", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    post(&server, &engineer, &enrol, "m-3", json!({})).await;
    let theirs = session(&server, &other_admin, &id).await;
    assert_eq!(theirs["seats_taken"], 1);
    assert_eq!(theirs["enrolled"], json!([]));

    // Moved to another organisation by the center: that organisation sees
    // its new member's seat, never who of the old one enrolled them.
    let (status, _) = post(&server, &engineer, &cancel, "m-4", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = post(
        &server,
        &admin,
        &enrol,
        "a-3",
        json!({"email": "engineer@demo.aicc"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let ours = session(&server, &admin, &id).await;
    assert!(
        ours["enrolled"][0]["enrolled_by"].as_str().is_some(),
        "{ours}"
    );
    server.db.blocking(|conn| {
        let vision = aicc_portal::admin::organisation_id(conn, "Other Vision").unwrap();
        aicc_portal::accounts::upsert_user(
            conn,
            vision,
            "engineer@demo.aicc",
            "Zhao Lei",
            aicc_api::auth::Role::PartnerMember,
            aicc_portal::accounts::DEMO_PASSWORD,
        )
        .unwrap();
    });
    let theirs = session(&server, &other_admin, &id).await;
    assert_eq!(theirs["enrolled"][0]["email"], "engineer@demo.aicc");
    assert_eq!(
        theirs["enrolled"][0]["enrolled_by"],
        Value::Null,
        "{theirs}"
    );
    server.db.blocking(|conn| {
        let robotics = aicc_portal::admin::organisation_id(conn, "Demo Robotics").unwrap();
        aicc_portal::accounts::upsert_user(
            conn,
            robotics,
            "engineer@demo.aicc",
            "Zhao Lei",
            aicc_api::auth::Role::PartnerMember,
            aicc_portal::accounts::DEMO_PASSWORD,
        )
        .unwrap();
    });

    // A deactivated member's seat is given up.
    let user: i64 = server
        .db
        .blocking(|conn| aicc_portal::admin::user_id(conn, "engineer@demo.aicc"))
        .unwrap();
    let (status, body) = server
        .call(
            Method::PATCH,
            &format!("/v1/organisation/members/usr_{user}"),
            Some(&admin),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(session(&server, &admin, &id).await["seats_taken"], 0);
}

#[tokio::test]
async fn certifications_are_their_holders_their_organisations_and_the_centers() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let holders = |token: String| {
        let server = &server;
        async move {
            let (status, page) = server
                .call(
                    Method::GET,
                    "/v1/certifications/changes?after=0",
                    Some(&token),
                    None,
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{page}");
            let mut emails: Vec<String> = page["changes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["item"]["holder"]["email"].as_str().unwrap().to_owned())
                .collect();
            emails.sort();
            emails
        }
    };
    let engineer = server.token("engineer@demo.aicc").await;
    assert_eq!(
        holders(engineer).await,
        ["engineer@demo.aicc", "engineer@demo.aicc"],
        "a member reads their own"
    );
    let admin = server.token("partner@demo.aicc").await;
    assert_eq!(
        holders(admin).await,
        [
            "engineer@demo.aicc",
            "engineer@demo.aicc",
            "partner@demo.aicc"
        ],
        "the partner admin, the organisation's"
    );
    let reviewer = server.token("reviewer@demo.aicc").await;
    assert!(
        holders(reviewer.clone())
            .await
            .contains(&"member@other.aicc".to_owned())
    );
    // Staff see whose engineer each is.
    let (_, page) = server
        .call(
            Method::GET,
            "/v1/certifications/changes?after=0",
            Some(&reviewer),
            None,
        )
        .await;
    let other = page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["item"]["holder"]["email"] == "member@other.aicc")
        .unwrap();
    assert_eq!(other["item"]["holder"]["organisation"], "Other Vision");

    // Recorded by staff only, for a partner's active engineer, on a day
    // gone by; numbered in its year, three years by default.
    let recorded = |email: &'static str, staff: &'static str, issued: &'static str, expires| {
        server.db.blocking(move |conn| {
            aicc_portal::admin::record_certification(
                conn,
                &aicc_portal::talent::store::Recorded {
                    email,
                    name: "MindSpeed-LLM Fine-tuning Engineer",
                    level: aicc_api::talent::CertificationLevel::Expert,
                    issued_on: issued,
                    expires_on: expires,
                    staff,
                },
            )
        })
    };
    let engineer_at =
        |staff, issued, expires| recorded("engineer@demo.aicc", staff, issued, expires);
    for (refused, why) in [
        (
            engineer_at("partner@demo.aicc", "2026-02-28", None),
            "not center staff",
        ),
        (
            engineer_at("reviewer@demo.aicc", "2100-12-31", None),
            "still to come",
        ),
        (
            engineer_at("reviewer@demo.aicc", "2026-05-01", Some("2026-05-01")),
            "expires after that day",
        ),
        (
            recorded("admin@demo.aicc", "reviewer@demo.aicc", "2026-05-01", None),
            "no active partner engineer",
        ),
    ] {
        let refused = refused.unwrap_err().to_string();
        assert!(refused.contains(why), "{refused}");
    }
    let first = engineer_at("REVIEWER@demo.aicc", "2024-02-29", None).unwrap();
    let second = engineer_at("reviewer@demo.aicc", "2024-03-01", None).unwrap();
    let number = |id: &str| {
        assert!(id.starts_with("AICC-ENG-2024-"), "{id}");
        id[14..].parse::<u32>().unwrap()
    };
    assert_eq!(number(&second), number(&first) + 1, "the year's next");
    let by: String = server.db.blocking(|conn| {
        conn.query_row(
            "SELECT recorded_by FROM certifications WHERE id = ?1",
            [&first],
            |r| r.get(0),
        )
        .unwrap()
    });
    assert_eq!(
        by, "reviewer@demo.aicc",
        "the staff member as the center knows them"
    );
    let engineer = server.token("engineer@demo.aicc").await;
    let (_, page) = server
        .call(
            Method::GET,
            "/v1/certifications/changes?after=0",
            Some(&engineer),
            None,
        )
        .await;
    let leap = page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["item"]["id"] == first.as_str())
        .unwrap();
    assert_eq!(leap["item"]["expires_on"], "2027-02-28");

    // Withdrawn, by staff only: the feed carries its tombstone from then.
    let next = page["next"].as_u64().unwrap();
    let withdraw = |staff: &'static str| {
        let id = second.clone();
        server.db.blocking(move |conn| {
            aicc_portal::admin::withdraw_certification(
                conn,
                &id,
                "recorded for the wrong engineer",
                staff,
            )
        })
    };
    assert!(withdraw("partner@demo.aicc").is_err());
    withdraw("admin@demo.aicc").unwrap();
    let again = withdraw("admin@demo.aicc").unwrap_err().to_string();
    assert!(again.contains("already"), "{again}");
    let (_, page) = server
        .call(
            Method::GET,
            &format!("/v1/certifications/changes?after={next}"),
            Some(&engineer),
            None,
        )
        .await;
    assert_eq!(
        page["changes"],
        json!([{"op": "tombstone", "rev": page["next"], "id": second}]),
        "{page}"
    );
}
