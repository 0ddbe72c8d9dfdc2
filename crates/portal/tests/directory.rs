//! The directory through the HTTP API: a solution listed when certified
//! and gone when its certificate is revoked, the partner's choices, the
//! certificate check, and cooperation that only its two organisations
//! read, each write made once however often it is sent.

#![allow(clippy::unwrap_used)] // a test helper that cannot do its job should stop the test

mod common;

use common::{Server, complete_form, config};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The directory's feed from `after`, as `token` reads it: the listed
/// solutions' ids and names, and the tombstones' ids.
async fn directory(
    server: &Server,
    token: &str,
    after: u64,
) -> (Vec<(String, String)>, Vec<String>, u64) {
    let (status, page) = server
        .call(
            Method::GET,
            &format!("/v1/directory/changes?after={after}&limit=1000"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let mut listed = Vec::new();
    let mut gone = Vec::new();
    for change in page["changes"].as_array().unwrap() {
        match change["op"].as_str().unwrap() {
            "upsert" => listed.push((
                change["item"]["id"].as_str().unwrap().to_owned(),
                change["item"]["name"].as_str().unwrap().to_owned(),
            )),
            _ => gone.push(change["id"].as_str().unwrap().to_owned()),
        }
    }
    (listed, gone, page["next"].as_u64().unwrap())
}

/// Demo Robotics's complete application taken to `certified` by the
/// reviewer; its id.
async fn certified(server: &Server) -> String {
    let partner = server.token("partner@demo.aicc").await;
    let reviewer = server.token("reviewer@demo.aicc").await;
    let (_, made) = server
        .call(
            Method::POST,
            "/v1/applications",
            Some(&partner),
            Some(complete_form()),
        )
        .await;
    let id = made["id"].as_str().unwrap().to_owned();
    server
        .call(
            Method::POST,
            &format!("/v1/applications/{id}/submit"),
            Some(&partner),
            None,
        )
        .await;
    for action in ["start_review", "approve", "start_adapting", "certify"] {
        let (status, body) = server
            .call(
                Method::POST,
                &format!("/v1/applications/{id}/review"),
                Some(&reviewer),
                Some(json!({ "action": action })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{action}: {body}");
    }
    id
}

#[tokio::test]
async fn a_certified_solution_is_listed_and_leaves_when_its_certificate_is_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let outsider = server.token("member@other.aicc").await;
    let (demo, _, cursor) = directory(&server, &outsider, 0).await;
    assert!(
        demo.len() >= 30,
        "the demo lists its solutions: {}",
        demo.len()
    );
    assert!(demo.iter().any(|(_, name)| name.contains("轨道巡检")));

    let id = certified(&server).await;
    let (listed, _, cursor) = directory(&server, &outsider, cursor).await;
    let form = complete_form();
    assert_eq!(
        listed,
        [(
            id.clone(),
            form["solution_name"].as_str().unwrap().to_owned()
        )],
        "another partner finds it at once"
    );
    let partner = server.token("partner@demo.aicc").await;
    let (_, application) = server
        .call(
            Method::GET,
            &format!("/v1/applications/{id}"),
            Some(&partner),
            None,
        )
        .await;
    let certificate = application["certificate_id"].as_str().unwrap().to_owned();
    let (status, check) = server
        .call(
            Method::GET,
            &format!("/v1/certificates/{}", certificate.to_lowercase()),
            Some(&outsider),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{check}");
    assert_eq!(check["status"], "valid");
    assert_eq!(check["holder"], "Demo Robotics");
    assert_eq!(check["solution_id"], json!(id));

    let revoke = std::process::Command::new(env!("CARGO_BIN_EXE_aicc-portal"))
        .args(["admin", "--data-dir"])
        .arg(dir.path())
        .args(["revoke-certificate", "--certificate", &certificate])
        .args(["--reason", "The adapted build no longer runs on CANN 8"])
        .args(["--as", "reviewer@demo.aicc"])
        .output()
        .unwrap();
    assert!(
        revoke.status.success(),
        "{}",
        String::from_utf8_lossy(&revoke.stderr)
    );
    let (listed, gone, _) = directory(&server, &outsider, cursor).await;
    assert!(listed.is_empty());
    assert_eq!(gone, std::slice::from_ref(&id));
    let (_, check) = server
        .call(
            Method::GET,
            &format!("/v1/certificates/{certificate}"),
            Some(&outsider),
            None,
        )
        .await;
    assert_eq!(check["status"], "revoked");
    assert_eq!(
        check["revoked_reason"],
        "The adapted build no longer runs on CANN 8"
    );
    assert_eq!(check["solution_id"], Value::Null);

    let (_, unknown) = server
        .call(
            Method::GET,
            "/v1/certificates/AICC-ASC-2019-999999",
            Some(&outsider),
            None,
        )
        .await;
    assert_eq!(unknown["status"], "unknown");
    assert_eq!(unknown["holder"], Value::Null);
    let (status, refused) = server
        .call(
            Method::GET,
            "/v1/certificates/not-a-certificate",
            Some(&outsider),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("AICC-ASC-2026-000042")
    );
    let expired: String = server.db.blocking(|conn| {
        conn.query_row(
            "SELECT a.certificate_id FROM applications a WHERE a.form LIKE '%Cattle Health Watch%'",
            [],
            |r| r.get(0),
        )
        .unwrap()
    });
    let (_, check) = server
        .call(
            Method::GET,
            &format!("/v1/certificates/{expired}"),
            Some(&outsider),
            None,
        )
        .await;
    assert_eq!(
        check["status"], "expired",
        "certified more than three years ago"
    );
}

#[tokio::test]
async fn a_partner_admin_chooses_what_is_shown_but_never_what_was_certified() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let partner = server.token("partner@demo.aicc").await;
    let outsider = server.token("member@other.aicc").await;
    let (_, _, cursor) = directory(&server, &outsider, 0).await;
    let id = certified(&server).await;
    let (_, _, cursor) = directory(&server, &outsider, cursor).await;
    let choose = |listed: bool, hardware: bool| {
        json!({
            "listed": listed, "show_description": false, "show_industries": true,
            "show_hardware": hardware, "show_frameworks": true
        })
    };
    let at = format!("/v1/directory/solutions/{id}");
    // Sent twice (a retry), it is the same choice.
    for _ in 0..2 {
        let (status, kept) = server
            .call(Method::PUT, &at, Some(&partner), Some(choose(true, false)))
            .await;
        assert_eq!(status, StatusCode::OK, "{kept}");
        assert_eq!(kept, choose(true, false));
    }
    let (_, page) = server
        .call(
            Method::GET,
            &format!("/v1/directory/changes?after={cursor}"),
            Some(&outsider),
            None,
        )
        .await;
    let shown = &page["changes"].as_array().unwrap().last().unwrap()["item"];
    assert_eq!(
        shown["name"],
        complete_form()["solution_name"],
        "as certified"
    );
    assert_eq!(shown["description"], "", "not shown");
    assert_eq!(shown["hardware"], json!([]), "not shown");
    assert_eq!(shown["industries"], complete_form()["industries"]);
    let (_, _, cursor) = directory(&server, &outsider, cursor).await;

    // Names and hardware are the center's: a body that tries to set them
    // is refused, not half taken.
    let (status, _) = server
        .call(
            Method::PUT,
            &at,
            Some(&partner),
            Some(json!({"name": "RailEye 轨道巡检 3.0", "hardware": ["Atlas 900 SuperPoD"], "listed": true})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    for (contact, field) in [
        (
            json!({"name": "Desk", "email": "a\u{202e}@b.cn", "website": ""}),
            "contact_email",
        ),
        (
            json!({"name": "Desk", "email": "desk@robotics.example.cn", "website": "https://good.cn%40evil.cn"}),
            "website",
        ),
    ] {
        let (status, refused) = server
            .call(
                Method::PUT,
                "/v1/directory/contact",
                Some(&partner),
                Some(contact),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused["error"]["field"], field);
    }
    let contact = json!({"name": "Solutions desk", "email": "solutions@robotics.example.cn", "website": "https://robotics.example.cn"});
    let (status, _) = server
        .call(
            Method::PUT,
            "/v1/directory/contact",
            Some(&partner),
            Some(contact),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (listed, _, cursor) = directory(&server, &outsider, cursor).await;
    assert!(
        listed.iter().any(|(listed, _)| *listed == id),
        "each of the partner's solutions carries the contact, so each moves"
    );

    server
        .call(Method::PUT, &at, Some(&partner), Some(choose(false, true)))
        .await;
    let (listed, gone, _) = directory(&server, &outsider, cursor).await;
    assert!(listed.is_empty());
    assert_eq!(gone, std::slice::from_ref(&id));
    let (_, application) = server
        .call(
            Method::GET,
            &format!("/v1/applications/{id}"),
            Some(&partner),
            None,
        )
        .await;
    let certificate = application["certificate_id"].as_str().unwrap();
    let (_, check) = server
        .call(
            Method::GET,
            &format!("/v1/certificates/{certificate}"),
            Some(&outsider),
            None,
        )
        .await;
    assert_eq!(check["status"], "valid", "unlisted, it still checks");
    assert_eq!(check["holder"], "Demo Robotics");
    assert_eq!(
        check["solution_name"],
        Value::Null,
        "an unlisted solution is not named"
    );
    assert_eq!(check["solution_id"], Value::Null);

    let lead = server.token("lead@other.aicc").await;
    let (status, _) = server
        .call(Method::PUT, &at, Some(&lead), Some(choose(true, true)))
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "another organisation's solution"
    );
}

#[tokio::test]
async fn a_certificate_that_expired_leaves_the_directory_and_takes_no_requests() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let outsider = server.token("member@other.aicc").await;
    let (listed, _, _) = directory(&server, &outsider, 0).await;
    assert!(
        !listed.iter().any(|(_, name)| name == "Cattle Health Watch"),
        "certified more than three years ago"
    );
    let expired: String = server.db.blocking(|conn| {
        conn.query_row(
            "SELECT id FROM applications WHERE form LIKE '%Cattle Health Watch%'",
            [],
            |r| r.get(0),
        )
        .unwrap()
    });
    let (status, refused) = ask(
        &server,
        &outsider,
        "ask-expired",
        &json!({"solution_id": expired, "message": "Still selling it?", "offers": ["channel"]}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    // Housekeeping, first thing when the portal starts, announces it in
    // the feed so that apps synced before drop it.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    let announced = loop {
        let expired = expired.clone();
        let announced: bool = server.db.blocking(move |conn| {
            conn.query_row(
                "SELECT expired_at IS NOT NULL FROM directory_solutions WHERE id = ?1",
                [&expired],
                |r| r.get(0),
            )
            .unwrap()
        });
        if announced || tokio::time::Instant::now() > deadline {
            break announced;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(announced);
}

async fn ask(server: &Server, token: &str, key: &str, body: &Value) -> (StatusCode, Value) {
    let response = server
        .http
        .post(format!("{}/v1/cooperation", server.url))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// `token`'s organisation's cooperations as its feed shows them.
async fn cooperations(server: &Server, token: &str) -> Vec<Value> {
    let (status, page) = server
        .call(
            Method::GET,
            "/v1/cooperation/changes?after=0",
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

#[tokio::test]
async fn cooperation_is_asked_once_answered_once_and_read_only_by_its_two_partners() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let engineer = server.token("engineer@demo.aicc").await;
    let lead = server.token("lead@other.aicc").await;
    let other_member = server.token("member@other.aicc").await;
    let partner = server.token("partner@demo.aicc").await;
    let reviewer = server.token("reviewer@demo.aicc").await;
    let (vision, robotics): (String, String) = server.db.blocking(|conn| {
        let of = |name: &str| -> String {
            conn.query_row(
                "SELECT d.id FROM directory_solutions d JOIN organisations o ON o.id = d.organisation_id
                 WHERE o.name = ?1 ORDER BY d.id LIMIT 1",
                [name],
                |r| r.get(0),
            )
            .unwrap()
        };
        (of("Other Vision"), of("Demo Robotics"))
    });
    let body = json!({
        "solution_id": vision,
        "message": "We have 40,000 labelled track images and a pilot line; shall we bid together?",
        "offers": ["data", "deployment"]
    });
    let (status, first) = ask(&server, &engineer, "coop-1", &body).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let (status, again) = ask(&server, &engineer, "coop-1", &body).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(again["id"], first["id"], "a retry is the same request");
    let (status, refused) = ask(&server, &engineer, "coop-2", &body).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("wait for the owner's answer")
    );
    let own = json!({"solution_id": robotics, "message": "Hello", "offers": ["data"]});
    let (status, refused) = ask(&server, &engineer, "coop-3", &own).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("your organisation's own")
    );
    let (status, _) = ask(
        &server,
        &engineer,
        "coop-4",
        &json!({"solution_id": "app_nowhere", "message": "Hi", "offers": ["data"]}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let received = cooperations(&server, &other_member).await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0]["direction"], "received");
    assert_eq!(received[0]["from_partner"], "Demo Robotics");
    assert_eq!(received[0]["asked_by"], "Zhao Lei <engineer@demo.aicc>");
    assert_eq!(received[0]["offers"], json!(["data", "deployment"]));
    let sent = cooperations(&server, &partner).await;
    assert_eq!(sent[0]["direction"], "sent");
    let (status, _) = server
        .call(
            Method::GET,
            "/v1/cooperation/changes?after=0",
            Some(&reviewer),
            None,
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "the center sees that it happens, not what was said"
    );

    let id = first["id"].as_str().unwrap();
    let answer = json!({"accept": true, "note": "Yes: our team can meet on Tuesday"});
    let at = format!("/v1/cooperation/{id}/answer");
    let (status, _) = server
        .call(Method::POST, &at, Some(&other_member), Some(answer.clone()))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a partner admin answers");
    let (status, refused) = server
        .call(Method::POST, &at, Some(&partner), Some(answer.clone()))
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "the asker does not answer its own request"
    );
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("owner answers")
    );
    let (status, answered) = server
        .call(Method::POST, &at, Some(&lead), Some(answer.clone()))
        .await;
    assert_eq!(status, StatusCode::OK, "{answered}");
    assert_eq!(answered["state"], "accepted");
    assert_eq!(answered["answered_by"], "Sun Hao");
    let (status, _) = server
        .call(Method::POST, &at, Some(&lead), Some(answer))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "answered once");
    let sent = cooperations(&server, &engineer).await;
    assert_eq!(sent[0]["state"], "accepted");
    assert_eq!(sent[0]["note"], "Yes: our team can meet on Tuesday");

    // Asked again and declined: not again for thirty days.
    let (status, second) = ask(&server, &engineer, "coop-5", &body).await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    let decline = json!({"accept": false, "note": "Not this year"});
    let (status, _) = server
        .call(
            Method::POST,
            &format!("/v1/cooperation/{}/answer", second["id"].as_str().unwrap()),
            Some(&lead),
            Some(decline),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, refused) = ask(&server, &engineer, "coop-6", &body).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("you may ask again from")
    );

    let counts = std::process::Command::new(env!("CARGO_BIN_EXE_aicc-portal"))
        .args(["admin", "--data-dir"])
        .arg(dir.path())
        .arg("list-cooperation")
        .output()
        .unwrap();
    let counts = String::from_utf8(counts.stdout).unwrap();
    assert_eq!(counts, "Demo Robotics\tOther Vision\t2 asked\t1 accepted\n");
    assert!(!counts.contains("40,000"), "never what they wrote");
}
