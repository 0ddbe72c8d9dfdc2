//! `aicc-portal admin …` as center staff run it, beside the data a portal serves.

#![allow(clippy::unwrap_used)] // a test helper that cannot do its job should stop the test

use std::io::Write as _;
use std::process::{Command, Stdio};

fn admin(data_dir: &std::path::Path, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_aicc-portal"))
        .arg("--data-dir")
        .arg(data_dir)
        .arg("admin")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn staff_set_up_an_organisation_its_quota_a_pool_and_the_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let ok = |args: &[&str], stdin: Option<&str>| {
        let (success, out, err) = admin(data, args, stdin);
        assert!(success, "{args:?}: {err}");
        out
    };
    ok(
        &[
            "create-organisation",
            "--name",
            "Hebei Rail Vision",
            "--kind",
            "isv",
        ],
        None,
    );
    let (success, _, err) = admin(
        data,
        &[
            "create-user",
            "--organisation",
            "Hebei Rail Vision",
            "--email",
            "ops@railvision.cn",
            "--name",
            "Zhao Lei",
            "--role",
            "partner-admin",
        ],
        Some("short\n"),
    );
    assert!(!success && err.contains("at least 10 characters"), "{err}");
    ok(
        &[
            "create-user",
            "--organisation",
            "Hebei Rail Vision",
            "--email",
            "ops@railvision.cn",
            "--name",
            "Zhao Lei",
            "--role",
            "partner-admin",
        ],
        Some("a-long-enough-password\n"),
    );
    let (success, _, err) = admin(
        data,
        &["set-quota", "--organisation", "Nobody", "--npu-hours", "10"],
        None,
    );
    assert!(
        !success && err.contains("no organisation named \"Nobody\""),
        "{err}"
    );
    ok(
        &[
            "set-quota",
            "--organisation",
            "Hebei Rail Vision",
            "--npu-hours",
            "1200",
        ],
        None,
    );
    ok(
        &[
            "set-pool",
            "--id",
            "a2-east",
            "--name",
            "Atlas 800T A2 east",
            "--npu-kind",
            "Ascend 910B",
            "--npus-per-node",
            "8",
            "--nodes",
            "16",
        ],
        None,
    );
    let pools = ok(&["list-pools"], None);
    assert!(
        pools.contains("a2-east") && pools.contains("128/128 NPUs free"),
        "{pools}"
    );

    let models = dir.path().join("models.json");
    std::fs::write(
        &models,
        serde_json::json!([{
            "id": "rail-defect-yolo", "name": "Rail defect YOLO", "provider": "Hebei Rail Vision",
            "task": "Object Detection", "domain": "Image", "industries": ["transport"],
            "framework": "mindspore", "hardware": ["Atlas 300I Duo"], "parameters": 7000000,
            "license": "Apache-2.0", "versions": [], "metrics": [], "recipes": [],
            "card": "# Rail defect YOLO", "source_url": null, "downloads": 0, "stars": 0,
            "updated_at": "2026-11-27T00:00:00Z"
        }])
        .to_string(),
    )
    .unwrap();
    assert!(ok(&["import-models", models.to_str().unwrap()], None).contains("1 models"));
    ok(&["retire-model", "rail-defect-yolo"], None);
    let (success, _, err) = admin(data, &["retire-model", "rail-defect-yolo"], None);
    assert!(!success && err.contains("no model"), "{err}");
    std::fs::write(&models, "{\"not\": \"a list\"}").unwrap();
    let (success, _, err) = admin(data, &["import-models", models.to_str().unwrap()], None);
    assert!(
        !success && err.contains("not a JSON array of models"),
        "{err}"
    );
}

#[test]
fn a_password_reset_keeps_a_deactivation_and_roles_stay_on_their_side() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let create_user = |organisation: &str, email: &str, role: &str| {
        admin(
            data,
            &[
                "create-user",
                "--organisation",
                organisation,
                "--email",
                email,
                "--name",
                "Zhao Lei",
                "--role",
                role,
            ],
            Some("a-long-enough-password\n"),
        )
    };
    let (success, _, err) = admin(
        data,
        &[
            "create-organisation",
            "--name",
            "Hebei Rail Vision",
            "--kind",
            "isv",
        ],
        None,
    );
    assert!(success, "{err}");
    let (success, _, err) =
        create_user("Hebei Rail Vision", "ops@railvision.cn", "center-reviewer");
    assert!(
        !success && err.contains("center staff belong to the center's own organisation"),
        "{err}"
    );
    let (success, _, err) = create_user("Hebei Rail Vision", "ops@railvision.cn", "partner-member");
    assert!(success, "{err}");

    // Their organisation deactivated them; a reset by the center keeps that.
    let db = rusqlite::Connection::open(data.join("portal.sqlite3")).unwrap();
    db.execute(
        "UPDATE users SET deactivated_at = 1 WHERE email = 'ops@railvision.cn'",
        [],
    )
    .unwrap();
    let (success, out, err) =
        create_user("Hebei Rail Vision", "ops@railvision.cn", "partner-member");
    assert!(success, "{err}");
    assert!(out.contains("stays deactivated"), "{out}");
    let deactivated: bool = db
        .query_row(
            "SELECT deactivated_at IS NOT NULL FROM users WHERE email = 'ops@railvision.cn'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(deactivated);
}

#[test]
fn the_center_deactivates_a_user_ending_their_tokens_and_reactivates_them() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let make = |args: &[&str], stdin: Option<&str>| {
        let (success, out, err) = admin(data, args, stdin);
        assert!(success, "{args:?}: {err}");
        out
    };
    make(
        &[
            "create-organisation",
            "--name",
            "Hebei Rail Vision",
            "--kind",
            "isv",
        ],
        None,
    );
    let user = [
        "create-user",
        "--organisation",
        "Hebei Rail Vision",
        "--email",
        "ops@railvision.example.cn",
        "--name",
        "Zhao Lei",
        "--role",
        "partner-admin",
    ];
    // One password minimum everywhere: the one the invitation screen asks.
    let short = "x".repeat(aicc_api::members::MIN_PASSWORD_CHARS - 1);
    let (success, _, err) = admin(data, &user, Some(&format!("{short}\n")));
    assert!(!success && err.contains("at least"), "{err}");
    make(&user, Some("a-long-enough-password\n"));

    let db = rusqlite::Connection::open(data.join("portal.sqlite3")).unwrap();
    let user_id: i64 = db
        .query_row(
            "SELECT id FROM users WHERE email = 'ops@railvision.example.cn'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    db.execute(
        "INSERT INTO tokens (hash, user_id, kind, family, expires_at)
         VALUES (x'01', ?1, 'access', x'02', 99999999999)",
        [user_id],
    )
    .unwrap();
    let state = || -> (bool, bool) {
        db.query_row(
            "SELECT u.deactivated_at IS NOT NULL, t.revoked_at IS NOT NULL
             FROM users u JOIN tokens t ON t.user_id = u.id WHERE u.id = ?1",
            [user_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    };
    let out = make(
        &["deactivate-user", "--email", "ops@railvision.example.cn"],
        None,
    );
    assert!(out.contains("sessions and tokens have ended"), "{out}");
    assert_eq!(state(), (true, true));
    let out = make(&user, Some("another-long-password\n"));
    assert!(out.contains("as the center chose"), "{out}");
    make(
        &["reactivate-user", "--email", "ops@railvision.example.cn"],
        None,
    );
    assert_eq!(state(), (false, true), "the old tokens stay ended");
    let (success, _, err) = admin(
        data,
        &["deactivate-user", "--email", "nobody@example.cn"],
        None,
    );
    assert!(!success && err.contains("nobody@example.cn"), "{err}");
}
