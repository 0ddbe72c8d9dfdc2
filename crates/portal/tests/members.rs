//! A partner admin manages the organisation's members: invites with a
//! one-time code, changes roles, deactivates, each ending the affected
//! sessions; the organisation always keeps a partner admin.

#![allow(clippy::unwrap_used)] // a test helper that cannot do its job should stop the test

mod common;

use common::{Server, config};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn members(server: &Server, token: &str) -> Vec<Value> {
    let (status, list) = server
        .call(Method::GET, "/v1/organisation/members", Some(token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list.as_array().unwrap().clone()
}

fn id_of(list: &[Value], email: &str) -> String {
    list.iter().find(|m| m["email"] == email).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn an_invited_person_joins_with_the_code_once_and_is_signed_in() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let admin = server.token("partner@demo.aicc").await;
    let invite = |email: &str| {
        let (server, admin) = (&server, admin.clone());
        let body = json!({"email": email, "name": "Wang Fang", "role": "partner_member"});
        async move {
            server
                .call(
                    Method::POST,
                    "/v1/organisation/invitations",
                    Some(&admin),
                    Some(body),
                )
                .await
        }
    };
    let (status, refused) = invite("not an address").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["error"]["field"], "email");
    // A name shown to the center as who acted is one visible line.
    let (status, refused) = server
        .call(
            Method::POST,
            "/v1/organisation/invitations",
            Some(&admin),
            Some(json!({
                "email": "spoof@demo.aicc",
                "name": "Sun Hao <lead@demo.aicc>\u{2028}\u{202e}",
                "role": "partner_member"
            })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["error"]["field"], "name");
    let (status, refused) = invite("engineer@demo.aicc").await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    // Someone else's account answers as an unknown address would: a
    // partner admin learns nothing of other organisations' people.
    let (status, elsewhere) = invite("member@other.aicc").await;
    assert_eq!(status, StatusCode::CREATED, "{elsewhere}");
    let (status, refused) = server
        .call(
            Method::POST,
            "/v1/auth/invitations/accept",
            None,
            Some(json!({"code": elsewhere["code"], "password": "long enough password"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("sign in with it"),
        "{refused}"
    );
    let withdraw = format!(
        "/v1/organisation/invitations/{}",
        elsewhere["id"].as_str().unwrap()
    );
    let (status, _) = server
        .call(Method::DELETE, &withdraw, Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let (status, invitation) = invite("wang.fang@robotics.example.cn").await;
    assert_eq!(status, StatusCode::CREATED, "{invitation}");
    let code = invitation["code"].as_str().unwrap().to_owned();
    let (_, pending) = server
        .call(
            Method::GET,
            "/v1/organisation/invitations",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(pending.as_array().unwrap().len(), 1);
    assert!(pending[0].get("code").is_none(), "the code is shown once");

    let accept = |code: &str, password: &str| {
        let server = &server;
        let body = json!({"code": code, "password": password});
        async move {
            server
                .call(
                    Method::POST,
                    "/v1/auth/invitations/accept",
                    None,
                    Some(body),
                )
                .await
        }
    };
    let (status, refused) = accept(&code, "short").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["error"]["field"], "password");
    let (status, grant) = accept(&code, "a-long-enough-password").await;
    assert_eq!(status, StatusCode::OK, "{grant}");
    assert_eq!(grant["account"]["organisation"], "Demo Robotics");
    assert_eq!(grant["account"]["role"], "partner_member");
    let (status, _) = accept(&code, "a-long-enough-password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a code works once");
    let (_, pending) = server
        .call(
            Method::GET,
            "/v1/organisation/invitations",
            Some(&admin),
            None,
        )
        .await;
    assert!(pending.as_array().unwrap().is_empty());
    let list = members(&server, grant["access_token"].as_str().unwrap()).await;
    assert!(
        list.iter()
            .any(|m| m["email"] == "wang.fang@robotics.example.cn")
    );

    // A withdrawn invitation's code stops working; inviting again replaces a code.
    let (_, first) = invite("li.na@robotics.example.cn").await;
    let (_, second) = invite("li.na@robotics.example.cn").await;
    let (status, _) = accept(first["code"].as_str().unwrap(), "a-long-enough-password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the replaced code");
    let (status, _) = server
        .call(
            Method::DELETE,
            &format!(
                "/v1/organisation/invitations/{}",
                second["id"].as_str().unwrap()
            ),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = accept(second["code"].as_str().unwrap(), "a-long-enough-password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the withdrawn code");
}

#[tokio::test]
async fn a_change_of_role_or_a_deactivation_ends_the_members_sessions_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let admin = server.token("partner@demo.aicc").await;
    let engineer = server.token("engineer@demo.aicc").await;
    let id = id_of(&members(&server, &admin).await, "engineer@demo.aicc");
    let at = format!("/v1/organisation/members/{id}");
    let patch = |body: Value| {
        let (server, admin, at) = (&server, admin.clone(), at.clone());
        async move {
            server
                .call(Method::PATCH, &at, Some(&admin), Some(body))
                .await
        }
    };

    let (status, refused) = patch(json!({"role": "center_admin"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let (status, changed) = patch(json!({"role": "partner_admin"})).await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["role"], "partner_admin");
    let (status, _) = server
        .call(Method::GET, "/v1/me", Some(&engineer), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the old role's session");

    let (status, changed) = patch(json!({"active": false})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(changed["active"], false);
    let (status, body) = server
        .call(
            Method::POST,
            "/v1/auth/token",
            None,
            Some(json!({"email": "engineer@demo.aicc", "password": "demo-password"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["message"], "wrong e-mail or password");
    let (status, _) = patch(json!({"active": true})).await;
    assert_eq!(status, StatusCode::OK);
    let again = server.token("engineer@demo.aicc").await;
    let (status, _) = server.call(Method::GET, "/v1/me", Some(&again), None).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "reactivated, the member signs in again"
    );
}

#[tokio::test]
async fn the_last_partner_admin_cannot_step_down_or_be_deactivated() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let admin = server.token("partner@demo.aicc").await;
    let id = id_of(&members(&server, &admin).await, "partner@demo.aicc");
    for change in [json!({"role": "partner_member"}), json!({"active": false})] {
        let (status, refused) = server
            .call(
                Method::PATCH,
                &format!("/v1/organisation/members/{id}"),
                Some(&admin),
                Some(change),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{refused}");
        assert!(
            refused["error"]["message"]
                .as_str()
                .unwrap()
                .contains("partner admin")
        );
    }
    let (status, _) = server.call(Method::GET, "/v1/me", Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK, "a refused change ends nothing");
}

#[tokio::test]
async fn an_invitation_ends_with_the_session_of_the_admin_who_made_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let admin = server.token("partner@demo.aicc").await;
    let id = id_of(&members(&server, &admin).await, "engineer@demo.aicc");
    let at = format!("/v1/organisation/members/{id}");
    let (status, _) = server
        .call(
            Method::PATCH,
            &at,
            Some(&admin),
            Some(json!({"role": "partner_admin"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let engineer = server.token("engineer@demo.aicc").await;
    let (status, invitation) = server
        .call(
            Method::POST,
            "/v1/organisation/invitations",
            Some(&engineer),
            Some(json!({"email": "friend@elsewhere.example.cn", "name": "Friend", "role": "partner_admin"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{invitation}");
    let (status, _) = server
        .call(
            Method::PATCH,
            &at,
            Some(&admin),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = server
        .call(
            Method::POST,
            "/v1/auth/invitations/accept",
            None,
            Some(json!({"code": invitation["code"], "password": "a-long-enough-password"})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the deactivated admin's invitation"
    );
}

#[tokio::test]
async fn an_admin_deactivated_while_their_request_was_arriving_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let admin = server.token("partner@demo.aicc").await;
    let list = members(&server, &admin).await;
    let engineer_id = id_of(&list, "engineer@demo.aicc");
    let engineer_at = format!("/v1/organisation/members/{engineer_id}");
    let (status, _) = server
        .call(
            Method::PATCH,
            &engineer_at,
            Some(&admin),
            Some(json!({"role": "partner_admin"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let engineer = server.token("engineer@demo.aicc").await;

    // The engineer sends headers, then holds the body back.
    let held = server
        .hold(
            Method::PATCH,
            &engineer_at,
            &engineer,
            json!({"active": true}),
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
    let answer = held.send().await;
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    let list = members(&server, &admin).await;
    let engineer = list
        .iter()
        .find(|m| m["email"] == "engineer@demo.aicc")
        .unwrap();
    assert_eq!(engineer["active"], false, "the deactivation stands");
}

#[tokio::test]
async fn a_person_the_center_deactivated_is_let_back_in_by_the_center_only() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(config(&dir)).await;
    let admin = server.token("partner@demo.aicc").await;
    let id = id_of(&members(&server, &admin).await, "engineer@demo.aicc");
    let at = format!("/v1/organisation/members/{id}");
    let by_center = |active: bool| {
        server
            .db
            .call(move |conn| aicc_portal::admin::set_active(conn, "engineer@demo.aicc", active))
    };
    let by_admin = |active: bool| {
        server.call(
            Method::PATCH,
            &at,
            Some(&admin),
            Some(json!({"active": active})),
        )
    };

    by_center(false).await.unwrap();
    let (status, refused) = by_admin(true).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    let says = refused["error"]["message"].as_str().unwrap();
    assert!(says.contains("center"), "{refused}");
    let (status, refused) = server
        .call(
            Method::PATCH,
            &at,
            Some(&admin),
            Some(json!({"role": "partner_admin"})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "nor made an admin meanwhile: {refused}"
    );
    let listed = members(&server, &admin).await;
    let engineer = listed.iter().find(|m| m["id"] == id.as_str()).unwrap();
    assert_eq!(
        (&engineer["active"], &engineer["role"]),
        (&json!(false), &json!("partner_member"))
    );

    by_center(true).await.unwrap();
    server.token("engineer@demo.aicc").await;
    // What the organisation does itself, it may undo itself.
    for active in [false, true] {
        let (status, changed) = by_admin(active).await;
        assert_eq!(status, StatusCode::OK, "{changed}");
    }
    server.token("engineer@demo.aicc").await;
}
