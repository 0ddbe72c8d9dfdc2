//! The portal over real HTTP on a free loopback port, with a real SQLite file.

#![allow(clippy::unwrap_used)] // a test helper that cannot do its job should stop the test

mod common;

use common::{PDF, Server, complete_form, config, job, wait_for};

use std::time::Duration;

use aicc_portal::config::{Config, ExecutorConfig};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn an_application_goes_from_draft_to_certified_with_its_whole_timeline() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let partner = server.token("partner@demo.aicc").await;
    let reviewer = server.token("reviewer@demo.aicc").await;

    let (status, draft) = server
        .call(
            Method::POST,
            "/v1/applications",
            Some(&partner),
            Some(json!({"organisation_name": "Demo Robotics"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "a partial draft saves");
    let id = draft["id"].as_str().unwrap().to_owned();
    let at = |p: &str| format!("/v1/applications/{id}{p}");

    let (status, refused) = server
        .call(Method::POST, &at("/submit"), Some(&partner), None)
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "required fields are enforced on submit"
    );
    assert!(refused["error"]["field"].is_string());

    let mut wrong = complete_form();
    wrong["uscc"] = json!("914403001922038217");
    let (status, refused) = server
        .call(Method::PUT, &at(""), Some(&partner), Some(wrong))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["error"]["field"], "uscc");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("'6'")
    );

    server
        .call(Method::PUT, &at(""), Some(&partner), Some(complete_form()))
        .await;
    let (status, _) = server
        .call(Method::POST, &at("/submit"), Some(&partner), None)
        .await;
    assert_eq!(status, StatusCode::OK);

    let (status, refused) = server
        .call(
            Method::POST,
            &at("/review"),
            Some(&partner),
            Some(json!({"action": "approve"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a partner cannot review");
    assert_eq!(
        refused["error"]["reason"]["code"], "role_may_not",
        "a role's refusal is worded in the user's language: {refused}"
    );

    let review =
        |action: &str, comment: Option<&str>| json!({"action": action, "comment": comment});
    server
        .call(
            Method::POST,
            &at("/review"),
            Some(&reviewer),
            Some(review("start_review", None)),
        )
        .await;
    let (status, _) = server
        .call(
            Method::POST,
            &at("/review"),
            Some(&reviewer),
            Some(review("request_changes", None)),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "asking for changes needs a comment"
    );
    server
        .call(
            Method::POST,
            &at("/review"),
            Some(&reviewer),
            Some(review("request_changes", Some("Add the solution brief"))),
        )
        .await;

    let upload = |bytes: &'static [u8], name: &str| {
        server
            .http
            .post(format!(
                "{}{}?file_name={name}",
                server.url,
                at("/attachments")
            ))
            .bearer_auth(&partner)
            .body(bytes)
            .send()
    };
    assert_eq!(
        upload(b"MZ\x90\x00not really a pdf", "brief.pdf")
            .await
            .unwrap()
            .status(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    assert_eq!(
        upload(PDF, "brief.pdf").await.unwrap().status(),
        StatusCode::CREATED
    );
    let oversized = [PDF, &vec![b' '; 21 * 1024 * 1024]].concat();
    let refused = server
        .http
        .post(format!(
            "{}{}?file_name=big.pdf",
            server.url,
            at("/attachments")
        ))
        .bearer_auth(&partner)
        .body(oversized)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let refused: Value = refused.json().await.unwrap();
    assert_eq!(refused["error"]["code"], "payload_too_large");
    server
        .call(Method::POST, &at("/submit"), Some(&partner), None)
        .await;

    let (status, conflict) = server
        .call(Method::PUT, &at(""), Some(&partner), Some(complete_form()))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "no edits while submitted");
    assert!(
        conflict["error"]["message"]
            .as_str()
            .unwrap()
            .contains("submitted")
    );

    for action in ["start_review", "approve", "start_adapting", "certify"] {
        let (status, body) = server
            .call(
                Method::POST,
                &at("/review"),
                Some(&reviewer),
                Some(review(action, None)),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{action}: {body}");
    }
    let (_, certified) = server
        .call(Method::GET, &at(""), Some(&partner), None)
        .await;
    assert_eq!(certified["state"], "certified");
    assert!(
        certified["certificate_id"]
            .as_str()
            .unwrap()
            .starts_with("AICC-ASC-")
    );
    let states: Vec<&str> = certified["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["to"].as_str().unwrap())
        .collect();
    assert_eq!(
        states,
        [
            "draft",
            "submitted",
            "under_review",
            "changes_requested",
            "submitted",
            "under_review",
            "approved",
            "adapting",
            "certified"
        ]
    );
    let changes = &certified["timeline"][3];
    assert_eq!(changes["comment"], "Add the solution brief");
    assert!(
        changes["actor"]
            .as_str()
            .unwrap()
            .contains("reviewer@demo.aicc")
    );
    assert_eq!(certified["attachments"][0]["media_type"], "application/pdf");
}

#[tokio::test]
async fn a_replayed_idempotency_key_returns_the_first_answer_and_creates_nothing_new() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let token = server.token("partner@demo.aicc").await;
    let send = |body: Value| {
        server
            .http
            .post(format!("{}/v1/jobs", server.url))
            .bearer_auth(&token)
            .header("Idempotency-Key", "7d1f8a2e-job-1")
            .json(&body)
            .send()
    };
    let first = send(job("atlas-800t-a2", 1, 8, 2.0)).await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let replay = send(job("atlas-800t-a2", 1, 8, 2.0)).await.unwrap();
    assert_eq!(replay.status(), StatusCode::CREATED);
    assert_eq!(replay.headers()["idempotent-replay"], "true");
    let replay: Value = replay.json().await.unwrap();
    assert_eq!(replay["id"], first["id"]);
    let other = send(job("atlas-800t-a2", 1, 8, 3.0)).await.unwrap();
    assert_eq!(other.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let other: Value = other.json().await.unwrap();
    assert_eq!(other["error"]["code"], "idempotency_mismatch");
    let (_, page) = server
        .call(Method::GET, "/v1/jobs/changes", Some(&token), None)
        .await;
    let ids: std::collections::HashSet<&str> = page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["item"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 1);
}

#[tokio::test]
async fn a_job_beyond_the_remaining_quota_is_refused_with_the_hours_left() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let token = server.token("member@other.aicc").await;
    // Other Vision has 500 NPU-hours: 8 nodes × 8 NPUs × 10 h = 640.
    let (status, refused) = server
        .call(
            Method::POST,
            "/v1/jobs",
            Some(&token),
            Some(job("atlas-800t-a2", 8, 8, 10.0)),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["error"]["code"], "quota_exceeded");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("500.0"),
        "{refused}"
    );
    assert_eq!(
        refused["error"]["reason"],
        json!({"code": "over_quota", "params": {"needed": "640.0", "left": "500.0"}}),
        "the refusal carries the code the app words it by: {refused}"
    );
    let (status, _) = server
        .call(
            Method::POST,
            "/v1/jobs",
            Some(&token),
            Some(job("atlas-800t-a2", 4, 8, 10.0)),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, quota) = server
        .call(Method::GET, "/v1/quota", Some(&token), None)
        .await;
    // Once the job starts, what it used moves from reserved to used.
    let held =
        quota["npu_hours_reserved"].as_f64().unwrap() + quota["npu_hours_used"].as_f64().unwrap();
    assert!((held - 320.0).abs() < 1e-6, "{quota}");
    assert!(
        (quota["npu_hours_remaining"].as_f64().unwrap() - 180.0).abs() < 1e-6,
        "{quota}"
    );
    for (field, code, bad) in [
        (
            "npus_per_node",
            "npus_per_node",
            job("atlas-800t-a2", 1, 9, 1.0),
        ),
        ("nodes", "nodes", job("atlas-800t-a2", 9, 8, 1.0)),
        ("max_hours", "max_hours", job("atlas-800t-a2", 1, 8, 0.0)),
        ("pool_id", "no_such_pool", job("no-such-pool", 1, 8, 1.0)),
    ] {
        let (status, refused) = server
            .call(Method::POST, "/v1/jobs", Some(&token), Some(bad))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused["error"]["field"], field, "{refused}");
        assert_eq!(refused["error"]["reason"]["code"], code, "{refused}");
    }
}

#[tokio::test]
async fn feeds_refuse_bad_cursors_and_oversized_pages_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let token = server.token("partner@demo.aicc").await;
    let (status, body) = server
        .call(
            Method::GET,
            "/v1/catalog/changes?limit=5000",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("limit"))
    );
    let (status, body) = server
        .call(
            Method::GET,
            "/v1/catalog/changes?after=abc",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = server
        .call(
            Method::GET,
            "/v1/catalog/changes?after=99999999",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("after"))
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("from 0")
    );
    let (status, model) = server
        .call(
            Method::GET,
            "/v1/catalog/models/qwen3-32b",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(model["recipes"][0]["nodes"], 2);
}

#[tokio::test]
async fn a_simulated_job_runs_to_success_with_logs_metrics_and_artifacts_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&dir);
    // 1 simulated hour per real second: a 2-hour request runs about 1 s.
    cfg.executor = ExecutorConfig::Simulated {
        time_scale: 3600.0,
        failure_rate: 0.0,
    };
    let server = Server::start(cfg.clone()).await;
    let token = server.token("partner@demo.aicc").await;
    let (_, created) = server
        .call(
            Method::POST,
            "/v1/jobs",
            Some(&token),
            Some(job("atlas-800t-a2", 1, 8, 2.0)),
        )
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let path = format!("/v1/jobs/{id}");
    wait_for(&server, &token, &path, |job| {
        job["state"] == "running" && job["step"].as_u64() > Some(0)
    })
    .await;
    server.shutdown().await;

    let server = Server::start(cfg).await;
    let token = server.token("partner@demo.aicc").await;
    let done = wait_for(&server, &token, &path, |job| job["state"] == "succeeded").await;
    assert_eq!(done["step"], done["total_steps"]);
    let states: Vec<&str> = done["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["submitted", "queued", "running", "succeeded"]);
    // Charged what it ran: a share of the 16 NPU-hours it asked for.
    let used = done["npu_hours_used"].as_f64().unwrap();
    assert!((16.0 * 0.2..=16.0 * 0.95).contains(&used), "{done}");
    let (_, logs) = server
        .call(Method::GET, &format!("{path}/logs"), Some(&token), None)
        .await;
    let lines = logs["lines"].as_array().unwrap();
    let seqs: Vec<u64> = lines.iter().map(|l| l["seq"].as_u64().unwrap()).collect();
    assert_eq!(
        seqs,
        (1..=seqs.len() as u64).collect::<Vec<_>>(),
        "no line lost or repeated across the restart"
    );
    assert_eq!(logs["open"], false);
    let (_, metrics) = server
        .call(Method::GET, &format!("{path}/metrics"), Some(&token), None)
        .await;
    let names: Vec<&str> = metrics
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["accuracy", "loss", "throughput"]);
    let (_, artifacts) = server
        .call(
            Method::GET,
            &format!("{path}/artifacts"),
            Some(&token),
            None,
        )
        .await;
    assert!(
        artifacts
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["name"] == "model.ckpt")
    );
    let (status, _) = server
        .call(Method::POST, &format!("{path}/cancel"), Some(&token), None)
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a finished job cannot be cancelled"
    );
}

#[tokio::test]
async fn the_event_stream_hints_at_the_callers_changes_only() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let ours = server.token("partner@demo.aicc").await;
    let theirs = server.token("member@other.aicc").await;
    let mut stream = server
        .http
        .get(format!("{}/v1/events", server.url))
        .bearer_auth(&theirs)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    server
        .call(
            Method::POST,
            "/v1/jobs",
            Some(&ours),
            Some(job("atlas-800t-a2", 1, 8, 2.0)),
        )
        .await;
    let (_, own) = server
        .call(
            Method::POST,
            "/v1/jobs",
            Some(&theirs),
            Some(job("atlas-800t-a2", 1, 8, 2.0)),
        )
        .await;
    let first = tokio::time::timeout(Duration::from_secs(10), stream.chunk())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&first);
    assert!(text.contains("event: change"), "{text}");
    assert!(text.contains("\"collection\":\"jobs\""), "{text}");
    let (_, page) = server
        .call(Method::GET, "/v1/jobs/changes", Some(&theirs), None)
        .await;
    assert_eq!(page["changes"][0]["item"]["id"], own["id"]);
}

#[tokio::test]
async fn a_token_over_its_request_budget_is_told_when_to_retry() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(Config {
        requests_per_second: 1,
        ..config(&dir)
    })
    .await;
    let token = server.token("partner@demo.aicc").await;
    let mut limited = None;
    for _ in 0..5 {
        let response = server
            .http
            .get(format!("{}/v1/pools", server.url))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(response);
            break;
        }
    }
    let limited = limited.expect("a burst over the budget is limited");
    let retry: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry >= 1);
}

#[tokio::test]
async fn personal_access_tokens_work_for_scripts_until_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let token = server.token("partner@demo.aicc").await;
    let (status, created) = server
        .call(
            Method::POST,
            "/v1/auth/personal-tokens",
            Some(&token),
            Some(json!({"name": "nightly sync"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let pat = created["token"].as_str().unwrap().to_owned();
    let (status, me) = server.call(Method::GET, "/v1/me", Some(&pat), None).await;
    assert_eq!(
        (status, me["email"].as_str()),
        (StatusCode::OK, Some("partner@demo.aicc"))
    );
    let (_, list) = server
        .call(Method::GET, "/v1/auth/personal-tokens", Some(&token), None)
        .await;
    assert!(
        list[0].get("token").is_none(),
        "the secret is shown only once"
    );
    let id = created["id"].as_str().unwrap();
    let (status, _) = server
        .call(
            Method::DELETE,
            &format!("/v1/auth/personal-tokens/{id}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = server.call(Method::GET, "/v1/me", Some(&pat), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn favourites_belong_to_the_user_who_keeps_them() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let ours = server.token("partner@demo.aicc").await;
    let theirs = server.token("member@other.aicc").await;
    for model in ["resnet50", "qwen3-32b", "resnet50"] {
        let (status, body) = server
            .call(
                Method::PUT,
                &format!("/v1/me/favourites/{model}"),
                Some(&ours),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{model}: {body}");
    }
    let (status, body) = server
        .call(
            Method::PUT,
            "/v1/me/favourites/no-such-model",
            Some(&ours),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (_, mine) = server
        .call(Method::GET, "/v1/me/favourites", Some(&ours), None)
        .await;
    assert_eq!(mine, json!({"model_ids": ["qwen3-32b", "resnet50"]}));
    let (_, others) = server
        .call(Method::GET, "/v1/me/favourites", Some(&theirs), None)
        .await;
    assert_eq!(others, json!({"model_ids": []}));
    for _ in 0..2 {
        let (status, now) = server
            .call(
                Method::DELETE,
                "/v1/me/favourites/resnet50",
                Some(&ours),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(now, json!({"model_ids": ["qwen3-32b"]}));
    }
}

#[tokio::test]
async fn each_pools_history_is_served_for_the_hours_asked_and_refuses_others() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(Config {
        pool_sample_secs: 1,
        ..config(&dir)
    })
    .await;
    let token = server.token("engineer@demo.aicc").await;
    let (status, day) = server
        .call(
            Method::GET,
            "/v1/pools/history?hours=24",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let pools = day.as_array().unwrap();
    assert_eq!(pools.len(), 2, "{day}");
    for pool in pools {
        let samples = pool["samples"].as_array().unwrap();
        assert!(
            samples.len() >= 24 * 6,
            "the demo's day and the scheduler's own: {pool}"
        );
        let times: Vec<&str> = samples.iter().map(|s| s["at"].as_str().unwrap()).collect();
        assert!(times.windows(2).all(|w| w[0] < w[1]), "oldest first");
    }
    let (_, hour) = server
        .call(Method::GET, "/v1/pools/history?hours=1", Some(&token), None)
        .await;
    assert!(hour[0]["samples"].as_array().unwrap().len() < 24 * 6);
    for hours in ["0", "49", "x"] {
        let (status, body) = server
            .call(
                Method::GET,
                &format!("/v1/pools/history?hours={hours}"),
                Some(&token),
                None,
            )
            .await;
        assert!(status.is_client_error(), "{hours}: {status} {body}");
    }
}

#[tokio::test]
async fn a_model_version_the_catalog_does_not_list_is_refused_naming_those_it_does() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let token = server.token("partner@demo.aicc").await;
    let mut request = job("atlas-800t-a2", 1, 1, 0.5);
    request["base_model"] = serde_json::json!({"model_id": "resnet50", "version": "9.9.9"});
    let (status, refused) = server
        .call(
            Method::POST,
            "/v1/jobs",
            Some(&token),
            Some(request.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("9.9.9") && message.contains("has"),
        "{message}"
    );
    let (_, model) = server
        .call(
            Method::GET,
            "/v1/catalog/models/resnet50",
            Some(&token),
            None,
        )
        .await;
    request["base_model"]["version"] = model["versions"][0]["version"].clone();
    let (status, made) = server
        .call(Method::POST, "/v1/jobs", Some(&token), Some(request))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
}

#[tokio::test]
async fn a_start_is_estimated_before_submission_kept_with_the_job_and_measured_after() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let token = server.token("partner@demo.aicc").await;
    let (status, estimate) = server
        .call(
            Method::POST,
            "/v1/jobs/estimate",
            Some(&token),
            Some(job("atlas-800t-a2", 1, 1, 0.5)),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{estimate}");
    assert_eq!(estimate["admissible"], true);
    assert_eq!(estimate["start"]["now"], true, "an idle pool: {estimate}");
    assert_eq!(estimate["source"], "replay");

    // Refused as submission would refuse it, and nothing made.
    let other = server.token("member@other.aicc").await;
    let (status, refused) = server
        .call(
            Method::POST,
            "/v1/jobs/estimate",
            Some(&other),
            Some(job("atlas-800t-a2", 8, 8, 10.0)),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(refused["admissible"], false);
    assert_eq!(refused["refusal"]["code"], "quota_exceeded", "{refused}");
    assert_eq!(
        refused["refusal"]["reason"]["code"], "over_quota",
        "{refused}"
    );
    assert!(refused["start"].is_null());
    let (_, page) = server
        .call(Method::GET, "/v1/jobs/changes", Some(&other), None)
        .await;
    assert_eq!(page["changes"], serde_json::json!([]));
    // Whom submission would refuse, the estimate refuses alike.
    let staff = server.token("reviewer@demo.aicc").await;
    let (_, refused) = server
        .call(
            Method::POST,
            "/v1/jobs/estimate",
            Some(&staff),
            Some(job("atlas-800t-a2", 1, 1, 0.5)),
        )
        .await;
    assert_eq!(refused["admissible"], false);
    assert_eq!(refused["refusal"]["code"], "forbidden", "{refused}");

    let (status, made) = server
        .call(
            Method::POST,
            "/v1/jobs",
            Some(&token),
            Some(job("atlas-800t-a2", 1, 1, 0.5)),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(made["estimated_start"]["now"], true, "{made}");
    let mut calibration = serde_json::Value::Null;
    for _ in 0..100 {
        (_, calibration) = server
            .call(
                Method::GET,
                "/v1/pools/atlas-800t-a2/estimates",
                Some(&token),
                None,
            )
            .await;
        if calibration["jobs"] == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(calibration["jobs"], 1, "{calibration}");
    assert_eq!(calibration["started_inside_p90"], 1.0);
    let (status, _) = server
        .call(
            Method::GET,
            "/v1/pools/nowhere/estimates",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn anyone_may_ask_who_the_center_is_in_both_languages() {
    async fn asked_anonymously(config: Config) -> Value {
        let server = Server::start(config).await;
        server
            .http
            .get(format!("{}/v1/center", server.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
    let dir = tempfile::tempdir().unwrap();
    let demo = asked_anonymously(config(&dir)).await;
    assert_eq!(demo["name"], "Demo AI Computing Center", "{demo}");
    assert_eq!(demo["name_zh"], "演示人工智能计算中心", "{demo}");

    let dir = tempfile::tempdir().unwrap();
    let configured = asked_anonymously(Config {
        center: Some(aicc_portal::config::CenterConfig {
            name: "Binhai AI Computing Center".into(),
            name_zh: "滨海人工智能计算中心".into(),
            ..Default::default()
        }),
        ..config(&dir)
    })
    .await;
    assert_eq!(
        configured["name"], "Binhai AI Computing Center",
        "{configured}"
    );
    assert_eq!(configured["description"], "", "{configured}");
}
