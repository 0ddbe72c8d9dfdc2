//! Incubation through the HTTP API: the demo startup's enrolment and plan,
//! a milestone sent, sent back, sent again and accepted, with who may do
//! each, and a retried submission made once.

#![allow(clippy::unwrap_used)] // a test helper that cannot do its job should stop the test

mod common;

use common::{Server, config};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn submit_once(
    server: &Server,
    token: &str,
    id: &str,
    key: &str,
    text: &str,
) -> (StatusCode, Value) {
    let response = server
        .http
        .post(format!("{}/v1/milestones/{id}/submit", server.url))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&json!({ "text": text }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_demo_startup_sees_its_programme_and_plan() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let partner = server.token("partner@demo.aicc").await;
    let (status, incubation) = server
        .call(Method::GET, "/v1/incubation", Some(&partner), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let enrolment = &incubation["enrolment"];
    assert_eq!(
        enrolment["programme"]["name"],
        "Ascend Application Incubation Programme"
    );
    assert_eq!(enrolment["cohort"]["name"], "2026 cohort");
    assert_eq!(
        enrolment["programme"]["staff"],
        json!(["Wang Fang <reviewer@demo.aicc>"])
    );
    let (_, page) = server
        .call(
            Method::GET,
            "/v1/milestones/changes?after=0",
            Some(&partner),
            None,
        )
        .await;
    let states: Vec<(&str, &str)> = page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["item"]["id"].as_str().unwrap(),
                c["item"]["state"].as_str().unwrap(),
            )
        })
        .collect();
    let mut states = states;
    states.sort_unstable();
    assert_eq!(
        states,
        [
            ("ms_demo_adapt", "accepted"),
            ("ms_demo_day", "planned"),
            ("ms_demo_pilot", "planned"),
            ("ms_demo_recall", "submitted"),
        ]
    );

    // Another organisation, not enrolled, sees no enrolment and none of it.
    let outsider = server.token("member@other.aicc").await;
    let (_, theirs) = server
        .call(Method::GET, "/v1/incubation", Some(&outsider), None)
        .await;
    assert_eq!(theirs["enrolment"], Value::Null);
    let (status, _) = server
        .call(
            Method::GET,
            "/v1/milestones/ms_demo_pilot",
            Some(&outsider),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, page) = server
        .call(
            Method::GET,
            "/v1/milestones/changes?after=0",
            Some(&outsider),
            None,
        )
        .await;
    assert_eq!(page["changes"], json!([]));
}

#[tokio::test]
async fn a_milestone_is_sent_sent_back_sent_again_and_accepted_by_whom_may() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let engineer = server.token("engineer@demo.aicc").await;
    let reviewer = server.token("reviewer@demo.aicc").await;
    let pilot = "ms_demo_pilot";

    // Evidence that says nothing is refused, and nothing moves.
    let (status, body) = submit_once(&server, &engineer, pilot, "k-empty", "  ").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // Sent, and a retry of the same request is the same answer, made once.
    let text = "Two weld lines, four weeks: 38,412 seams inspected, report signed";
    let (status, sent) = submit_once(&server, &engineer, pilot, "k-pilot-1", text).await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    assert_eq!(sent["state"], "submitted");
    let (status, again) = submit_once(&server, &engineer, pilot, "k-pilot-1", text).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, sent);
    // A new request while it waits for review is refused.
    let (status, body) = submit_once(&server, &engineer, pilot, "k-pilot-2", text).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    // The startup cannot review its own; a reviewer asking for changes
    // says what.
    let review = |decision: &str, comment: Option<&str>| {
        Some(json!({ "decision": decision, "comment": comment }))
    };
    let path = format!("/v1/milestones/{pilot}/review");
    let (status, _) = server
        .call(Method::POST, &path, Some(&engineer), review("accept", None))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = server
        .call(
            Method::POST,
            &path,
            Some(&reviewer),
            review("request_changes", None),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let asked = "Add the false-alarm rate per line";
    let (status, back) = server
        .call(
            Method::POST,
            &path,
            Some(&reviewer),
            review("request_changes", Some(asked)),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{back}");
    assert_eq!(back["state"], "changes_requested");
    assert_eq!(back["review_comment"], asked);

    let (status, _) = submit_once(
        &server,
        &engineer,
        pilot,
        "k-pilot-3",
        "Rates per line added",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, accepted) = server
        .call(Method::POST, &path, Some(&reviewer), review("accept", None))
        .await;
    assert_eq!(status, StatusCode::OK, "{accepted}");
    assert_eq!(accepted["state"], "accepted");
    assert_eq!(accepted["evidence"]["text"], "Rates per line added");
    let timeline: Vec<(&str, &str)> = accepted["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["to"].as_str().unwrap(), t["actor"].as_str().unwrap()))
        .collect();
    assert_eq!(
        timeline,
        [
            ("planned", "Wang Fang <reviewer@demo.aicc>"),
            ("submitted", "Zhao Lei <engineer@demo.aicc>"),
            ("changes_requested", "Wang Fang <reviewer@demo.aicc>"),
            ("submitted", "Zhao Lei <engineer@demo.aicc>"),
            ("accepted", "Wang Fang <reviewer@demo.aicc>"),
        ]
    );
    // Accepted is the end: no more evidence, no second decision.
    let (status, _) = submit_once(&server, &engineer, pilot, "k-pilot-4", "More").await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = server
        .call(
            Method::POST,
            &path,
            Some(&reviewer),
            review("request_changes", Some("x")),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn staff_plan_and_review_milestones_from_the_command_line_and_partners_cannot() {
    use aicc_portal::incubation::store::Plan;
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let plan = Plan {
        title: "Second pilot site",
        description: "",
        deliverable: "The site's report",
        due_on: "2027-05-31",
    };
    let added = server.db.blocking(|conn| {
        aicc_portal::admin::add_milestone(conn, "Demo Robotics", "admin@demo.aicc", &plan)
    });
    let id = added.unwrap();
    let by_partner = server.db.blocking(|conn| {
        aicc_portal::admin::add_milestone(conn, "Demo Robotics", "partner@demo.aicc", &plan)
    });
    assert!(
        by_partner.is_err(),
        "a partner does not plan its own milestones"
    );
    let not_enrolled = server.db.blocking(|conn| {
        aicc_portal::admin::add_milestone(conn, "Other Vision", "admin@demo.aicc", &plan)
    });
    assert!(
        not_enrolled
            .unwrap_err()
            .to_string()
            .contains("not enrolled"),
    );
    let bad_date = server.db.blocking(|conn| {
        aicc_portal::admin::add_milestone(
            conn,
            "Demo Robotics",
            "admin@demo.aicc",
            &Plan {
                due_on: "31/05/2027",
                ..plan.clone()
            },
        )
    });
    assert!(bad_date.unwrap_err().to_string().contains("YYYY-MM-DD"));

    // The startup's apps hear of the new milestone in its feed.
    let partner = server.token("partner@demo.aicc").await;
    let (_, milestone) = server
        .call(
            Method::GET,
            &format!("/v1/milestones/{id}"),
            Some(&partner),
            None,
        )
        .await;
    assert_eq!(milestone["state"], "planned");
    assert_eq!(milestone["due_on"], "2027-05-31");

    let before = server.db.blocking(aicc_portal::events::head).unwrap();
    let reviewed = server.db.blocking(|conn| {
        aicc_portal::admin::review_milestone(
            conn,
            "ms_demo_recall",
            "reviewer@demo.aicc",
            &aicc_api::incubation::MilestoneReview {
                decision: aicc_api::incubation::MilestoneDecision::Accept,
                comment: None,
            },
        )
    });
    assert_eq!(reviewed.unwrap().state.as_str(), "accepted");
    // Written by another process, it still reaches the startup's apps: the
    // portal turns the new revision into a hint for its organisation.
    let (notices, _) = server
        .db
        .blocking(|conn| aicc_portal::events::since(conn, before))
        .unwrap();
    assert!(
        notices.iter().any(
            |n| n.hint.collection == aicc_api::sync::Collection::Milestones
                && n.organisation_id.is_some()
        ),
        "{notices:?}"
    );
}

#[tokio::test]
async fn a_reviewers_read_only_token_reads_milestones_and_is_told_what_reviewing_needs() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let reviewer = server.token("reviewer@demo.aicc").await;
    let (status, made) = server
        .call(
            Method::POST,
            "/v1/auth/personal-tokens",
            Some(&reviewer),
            Some(json!({"name": "reading", "scopes": ["read"]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let read_only = made["token"].as_str().unwrap().to_owned();
    let (status, milestone) = server
        .call(
            Method::GET,
            "/v1/milestones/ms_demo_recall",
            Some(&read_only),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{milestone}");
    let (status, refused) = server
        .call(
            Method::POST,
            "/v1/milestones/ms_demo_recall/review",
            Some(&read_only),
            Some(json!({"decision": "accept", "comment": null})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    assert!(
        refused.to_string().contains("applications"),
        "names the scope: {refused}"
    );
}

#[tokio::test]
async fn text_that_could_lie_on_a_screen_or_a_terminal_is_refused_and_staff_act_only_while_active()
{
    use aicc_portal::incubation::store::{self, CohortPlan, Plan};
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let engineer = server.token("engineer@demo.aicc").await;
    for text in [
        "\u{200b}",
        "done\u{1b}]0;owned\u{7}",
        "report\u{202e}fdp.exe",
    ] {
        let (status, body) = submit_once(
            &server,
            &engineer,
            "ms_demo_pilot",
            &format!("k-{text:?}"),
            text,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text:?}: {body}");
    }
    let plan = Plan {
        title: "Pilot\u{1b}[2J",
        description: "",
        deliverable: "A report",
        due_on: "2027-05-31",
    };
    let titled = server.db.blocking(|conn| {
        aicc_portal::admin::add_milestone(conn, "Demo Robotics", "admin@demo.aicc", &plan)
    });
    assert!(titled.unwrap_err().to_string().contains("one line"));

    // A cohort that ends before it starts, and a year nobody means.
    let cohort = |starts_on, ends_on| CohortPlan {
        programme: "Ascend Application Incubation Programme",
        description: None,
        staff: &[],
        cohort: "2027 cohort",
        starts_on,
        ends_on,
    };
    for (starts, ends) in [("2027-09-01", "2026-01-01"), ("0000-01-01", "2027-01-01")] {
        let made = server
            .db
            .blocking(|conn| store::ensure_cohort(conn, &cohort(starts, ends)));
        assert!(made.is_err(), "{starts} – {ends}");
    }
    // A new cohort keeps the programme's description when none is given.
    let (_, created) = server
        .db
        .blocking(|conn| store::ensure_cohort(conn, &cohort("2027-09-01", "2028-08-31")))
        .unwrap();
    assert!(created);
    let partner = server.token("partner@demo.aicc").await;
    let (_, incubation) = server
        .call(Method::GET, "/v1/incubation", Some(&partner), None)
        .await;
    assert!(
        incubation["enrolment"]["programme"]["description"]
            .as_str()
            .unwrap()
            .starts_with("Twelve months"),
        "{incubation}"
    );

    // A deactivated reviewer no longer acts, nor is listed as staff.
    server
        .db
        .blocking(|conn| aicc_portal::admin::set_active(conn, "reviewer@demo.aicc", false))
        .unwrap();
    let review = aicc_api::incubation::MilestoneReview {
        decision: aicc_api::incubation::MilestoneDecision::Accept,
        comment: None,
    };
    let reviewed = server.db.blocking(|conn| {
        aicc_portal::admin::review_milestone(conn, "ms_demo_recall", "reviewer@demo.aicc", &review)
    });
    assert!(reviewed.unwrap_err().to_string().contains("deactivated"));
    let (_, incubation) = server
        .call(Method::GET, "/v1/incubation", Some(&partner), None)
        .await;
    assert_eq!(incubation["enrolment"]["programme"]["staff"], json!([]));
}

/// `aicc-portal admin` beside the serving portal in `dir`.
fn admin(dir: &tempfile::TempDir, args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_aicc-portal"))
        .arg("--data-dir")
        .arg(dir.path())
        .arg("admin")
        .args(args)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(if out.status.success() {
        &out.stdout
    } else {
        &out.stderr
    });
    (out.status.success(), text.into_owned())
}

#[tokio::test]
async fn credits_granted_by_staff_pay_before_the_quota_and_each_organisation_sees_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let (partner, other) = (
        server.token("partner@demo.aicc").await,
        server.token("member@other.aicc").await,
    );
    let grant = |expires: &str, staff: &str| {
        admin(
            &dir,
            &[
                "grant-credits",
                "--organisation",
                "Demo Robotics",
                "--npu-hours",
                "16",
                "--reason",
                "Hackathon compute",
                "--expires",
                expires,
                "--as",
                staff,
            ],
        )
    };
    let (ok, said) = grant("2020-01-01", "reviewer@demo.aicc");
    assert!(!ok && said.contains("has passed"), "{said}");
    let (ok, said) = grant("2099-01-01", "partner@demo.aicc");
    assert!(!ok && said.contains("not center staff"), "{said}");
    let (ok, said) = grant("next week", "reviewer@demo.aicc");
    assert!(!ok && said.contains("YYYY-MM-DD"), "{said}");
    let (ok, said) = grant("2099-01-01", "reviewer@demo.aicc");
    assert!(ok && said.contains("until 2099-01-02T00:00:00Z"), "{said}");
    let (ok, listed) = admin(&dir, &["list-credits", "--organisation", "Demo Robotics"]);
    assert!(ok && listed.lines().count() == 3, "{listed}");
    assert!(listed.contains("Hackathon compute"), "{listed}");

    // Each organisation's feed holds its own grants only.
    let reasons = |page: &Value| -> Vec<String> {
        page["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["item"]["reason"].as_str().unwrap().to_owned())
            .collect()
    };
    let (status, page) = server
        .call(
            Method::GET,
            "/v1/credits/changes?after=0",
            Some(&partner),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(reasons(&page).len(), 3, "{page}");
    let (_, page) = server
        .call(
            Method::GET,
            "/v1/credits/changes?after=0",
            Some(&other),
            None,
        )
        .await;
    assert!(reasons(&page).is_empty(), "{page}");

    // With no quota left, the credits (300 + 40 + 16) pay.
    server.db.blocking(|conn| {
        let robotics = aicc_portal::admin::organisation_id(conn, "Demo Robotics").unwrap();
        aicc_portal::jobs::set_quota(conn, robotics, 0.0).unwrap();
    });
    let (_, quota) = server
        .call(Method::GET, "/v1/quota", Some(&partner), None)
        .await;
    assert_eq!(quota["credit_npu_hours_left"], 356.0, "{quota}");
    assert_eq!(quota["npu_hours_remaining"], 0.0, "{quota}");
    let (status, made) = server
        .call(
            Method::POST,
            "/v1/jobs",
            Some(&partner),
            Some(common::job("atlas-800t-a2", 1, 8, 1.0)),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let (_, quota) = server
        .call(Method::GET, "/v1/quota", Some(&partner), None)
        .await;
    assert_eq!(
        quota["credit_npu_hours_left"], 348.0,
        "the job holds 8 of the credits: {quota}"
    );
    let (status, refused) = server
        .call(
            Method::POST,
            "/v1/jobs",
            Some(&partner),
            Some(common::job("atlas-800t-a2", 8, 8, 6.0)),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["error"]["code"], "quota_exceeded");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(message.contains("348.0 of granted credits"), "{message}");
}

#[tokio::test]
async fn a_full_event_waitlists_in_order_and_a_cancellation_gives_the_seat_to_the_first_waiting() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let (partner, engineer) = (
        server.token("partner@demo.aicc").await,
        server.token("engineer@demo.aicc").await,
    );
    let (status, page) = server
        .call(
            Method::GET,
            "/v1/cohort_events/changes?after=0",
            Some(&partner),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let events = page["changes"].as_array().unwrap();
    assert_eq!(events.len(), 3, "{page}");
    let lab = events
        .iter()
        .map(|c| &c["item"])
        .find(|e| e["seats"] == 1)
        .unwrap();
    let lab_id = lab["id"].as_str().unwrap().to_owned();
    assert_eq!(lab["seats_taken"], 1, "the engineer has the bench: {lab}");
    assert!(lab["mine"].is_null());

    // The partner waits; sent twice with one key, registered once.
    let register = |token: String, key: &'static str, action: &'static str| {
        let (server, lab_id) = (&server, lab_id.clone());
        async move {
            let response = server
                .http
                .post(format!("{}/v1/cohort_events/{lab_id}/{action}", server.url))
                .bearer_auth(token)
                .header("Idempotency-Key", key)
                .send()
                .await
                .unwrap();
            let status = response.status();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    for _ in 0..2 {
        let (status, event) = register(partner.clone(), "lab-1", "register").await;
        assert_eq!(status, StatusCode::OK, "{event}");
        assert_eq!(event["mine"]["waitlist_position"], 1, "{event}");
        assert_eq!(event["waitlisted"], 1);
    }
    let (status, refused) = register(partner.clone(), "lab-2", "register").await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");

    // The engineer gives the bench up: the partner has it.
    let (status, _) = register(engineer.clone(), "lab-3", "cancel").await;
    assert_eq!(status, StatusCode::OK);
    let (_, page) = server
        .call(
            Method::GET,
            &format!("/v1/cohort_events/changes?after={}", page["next"]),
            Some(&partner),
            None,
        )
        .await;
    let lab = &page["changes"][0]["item"];
    assert_eq!(lab["id"], lab_id.as_str());
    assert!(lab["mine"]["waitlist_position"].is_null(), "{lab}");
    assert_eq!(
        (lab["seats_taken"].clone(), lab["waitlisted"].clone()),
        (json!(1), json!(0))
    );

    // Another organisation does not see the cohort's events; staff do, and
    // take no seat.
    let outsider = server.token("member@other.aicc").await;
    let (_, page) = server
        .call(
            Method::GET,
            "/v1/cohort_events/changes?after=0",
            Some(&outsider),
            None,
        )
        .await;
    assert!(page["changes"].as_array().unwrap().is_empty(), "{page}");
    let (status, _) = register(outsider, "lab-4", "register").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let reviewer = server.token("reviewer@demo.aicc").await;
    let (status, refused) = register(reviewer, "lab-5", "register").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
}

#[tokio::test]
async fn credits_that_expire_before_a_job_could_end_do_not_count_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let lead = server.token("lead@other.aicc").await;
    // Other Vision: no quota, 20 NPU-hours expiring within the hour.
    server.db.blocking(|conn| {
        let vision = aicc_portal::admin::organisation_id(conn, "Other Vision").unwrap();
        aicc_portal::jobs::set_quota(conn, vision, 0.0).unwrap();
        let staff = aicc_portal::admin::user_id(conn, "reviewer@demo.aicc").unwrap();
        let now = aicc_portal::clock::now_ms();
        let grant = aicc_portal::incubation::credits::Grant {
            npu_hours: 20.0,
            reason: "Hackathon compute",
            expires_at: now + 3_600_000,
        };
        aicc_portal::incubation::credits::grant(conn, vision, &grant, staff, now).unwrap();
    });
    let (status, refused) = server
        .call(
            Method::POST,
            "/v1/jobs",
            Some(&lead),
            Some(common::job("atlas-800t-a2", 1, 8, 2.0)),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("0.0 of granted credits lasting that long"),
        "{message}"
    );
    let (status, made) = server
        .call(
            Method::POST,
            "/v1/jobs",
            Some(&lead),
            Some(common::job("atlas-800t-a2", 1, 8, 0.5)),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "half an hour ends before they do: {made}"
    );
}

#[tokio::test]
async fn office_hours_asked_once_are_answered_by_the_mentor_through_admin() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let partner = server.token("partner@demo.aicc").await;
    let (status, mentors) = server
        .call(Method::GET, "/v1/mentors", Some(&partner), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = mentors["mentors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Gao Min", "Liu Yang"]);
    let mentor = mentors["mentors"][1]["id"].as_str().unwrap().to_owned();
    let slot = aicc_portal::clock::rfc3339(aicc_portal::clock::now_ms() + 5 * 86_400_000);
    let ask = || {
        server
            .http
            .post(format!("{}/v1/office_hours", server.url))
            .bearer_auth(&partner)
            .header("Idempotency-Key", "ask-liu-1")
            .json(
                &json!({"mentor_id": mentor, "topic": "Glare on polished seams", "slots": [slot]}),
            )
            .send()
    };
    let first: Value = ask().await.unwrap().json().await.unwrap();
    let again = ask().await.unwrap();
    assert_eq!(again.status(), StatusCode::CREATED);
    let again: Value = again.json().await.unwrap();
    assert_eq!(first["id"], again["id"], "sent twice, asked once");
    let id = first["id"].as_str().unwrap();

    // The other organisation sees neither the mentors nor the request.
    let outsider = server.token("member@other.aicc").await;
    let (_, theirs) = server
        .call(Method::GET, "/v1/mentors", Some(&outsider), None)
        .await;
    assert!(theirs["mentors"].as_array().unwrap().is_empty());
    let (_, page) = server
        .call(
            Method::GET,
            "/v1/office_hours/changes?after=0",
            Some(&outsider),
            None,
        )
        .await;
    assert!(page["changes"].as_array().unwrap().is_empty(), "{page}");

    let (ok, said) = admin(&dir, &["answer-office-hours", "--id", id]);
    assert!(!ok && said.contains("--slot N"), "{said}");
    let (ok, said) = admin(&dir, &["answer-office-hours", "--id", id, "--decline"]);
    assert!(!ok && said.contains("say why"), "{said}");
    let (ok, listed) = admin(&dir, &["list-office-hours", "--state", "requested"]);
    assert!(
        ok && listed.contains(id) && listed.contains("Glare on polished seams"),
        "{listed}"
    );
    let (ok, said) = admin(
        &dir,
        &[
            "answer-office-hours",
            "--id",
            id,
            "--slot",
            "1",
            "--note",
            "Line 2, bring the camera",
        ],
    );
    assert!(ok, "{said}");
    let (_, page) = server
        .call(
            Method::GET,
            "/v1/office_hours/changes?after=0",
            Some(&partner),
            None,
        )
        .await;
    let answered = page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["item"])
        .find(|h| h["id"] == id)
        .unwrap();
    assert_eq!(answered["state"], "accepted");
    assert_eq!(answered["chosen_slot"], slot.as_str());
    assert_eq!(answered["note"], "Line 2, bring the camera");
}

#[tokio::test]
async fn evidence_takes_files_while_it_is_open_through_the_checked_upload_path() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let partner = server.token("partner@demo.aicc").await;
    let upload = |id: &'static str, token: String, body: &'static [u8], key: &'static str| {
        let server = &server;
        async move {
            let response = server
                .http
                .post(format!(
                    "{}/v1/milestones/{id}/attachments?file_name=pilot-report.pdf",
                    server.url
                ))
                .bearer_auth(token)
                .header("Idempotency-Key", key)
                .body(body)
                .send()
                .await
                .unwrap();
            let status = response.status();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (status, made) = upload("ms_demo_pilot", partner.clone(), common::PDF, "pdf-1").await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let (status, again) = upload("ms_demo_pilot", partner.clone(), common::PDF, "pdf-1").await;
    assert_eq!(
        (status, &again["id"]),
        (StatusCode::CREATED, &made["id"]),
        "once"
    );
    let (_, milestone) = server
        .call(
            Method::GET,
            "/v1/milestones/ms_demo_pilot",
            Some(&partner),
            None,
        )
        .await;
    let files: Vec<&str> = milestone["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["file_name"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["pilot-report.pdf"]);

    // A report of a few MiB goes as an application's would (uploads are
    // read as uploads, not as JSON bodies).
    let mut report = b"%PDF-1.7\n1 0 obj << >> endobj\n".to_vec();
    report.resize(3 * 1024 * 1024, b' ');
    report.extend_from_slice(b"\ntrailer << >>\n%%EOF\n");
    let large: &'static [u8] = Box::leak(report.into_boxed_slice());
    let (status, made_large) = upload("ms_demo_pilot", partner.clone(), large, "large").await;
    assert_eq!(status, StatusCode::CREATED, "{made_large}");

    // Not a PDF, PNG or JPEG; an accepted milestone; another organisation.
    let (status, _) = upload("ms_demo_pilot", partner.clone(), b"#!/bin/sh\n", "sh").await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (status, refused) = upload("ms_demo_adapt", partner.clone(), common::PDF, "late").await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    let outsider = server.token("lead@other.aicc").await;
    let (status, _) = upload("ms_demo_pilot", outsider.clone(), common::PDF, "theirs").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The reviewer reads the file; the other organisation does not.
    let path = format!(
        "{}/v1/milestones/ms_demo_pilot/attachments/{}",
        server.url,
        made["id"].as_str().unwrap()
    );
    let reviewer = server.token("reviewer@demo.aicc").await;
    let read = server
        .http
        .get(&path)
        .bearer_auth(&reviewer)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), StatusCode::OK);
    assert_eq!(read.bytes().await.unwrap().as_ref(), common::PDF);
    let read = server
        .http
        .get(&path)
        .bearer_auth(&outsider)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), StatusCode::NOT_FOUND);
}
