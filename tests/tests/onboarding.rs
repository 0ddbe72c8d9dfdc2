//! A partner applies to the programme: the credit code is checked as typed,
//! a PDF is attached through the OS file dialog, the application is
//! submitted, and the center's approval reaches the app and the desktop;
//! and a partner admin withdraws one the center has not decided on.

use aicc_e2e::{
    Driver, Env, NotificationRecorder, Portal, choose, choose_file_in_dialog, click, find, open,
    screenshot, sign_in, type_into, wait_for_text,
};

#[tokio::test]
async fn an_application_is_submitted_with_its_licence_and_its_approval_is_notified()
-> anyhow::Result<()> {
    let _turn = aicc_e2e::one_app_at_a_time().await;
    let env = Env::from_env()?;
    let recorder = NotificationRecorder::start().await?;
    let home = tempfile::tempdir()?;
    let data = home.path().join("portal");
    let portal = Portal::start_demo(&env, &data)?;
    let driver = Driver::start(&env, home.path())?;
    let app = driver.launch().await?;
    sign_in(&app, &portal.url, "partner@demo.aicc", "demo-password").await?;
    find(&app, "[data-testid=sync-status][data-state=up_to_date]").await?;

    open(&app, "/applications/new").await?;
    type_into(&app, "input[name=organisation_name]", "Demo Robotics").await?;
    // The last character of a credit code is a check character.
    type_into(&app, "input[name=uscc]", "914403001922038217").await?;
    let problem = find(&app, "[role=alert][data-field=uscc]")
        .await?
        .text()
        .await?;
    assert!(problem.contains('6'), "says what it should be: {problem}");
    screenshot(&app, &env, "application-uscc-en").await?;
    type_into(&app, "input[name=uscc]", "914403001922038216").await?;
    choose(&app, "select[name=organisation_kind]", "incubated_startup").await?;
    click(&app, "[data-testid=next]:not([disabled])").await?;

    type_into(&app, "input[name=contact_name]", "Li Wei").await?;
    type_into(
        &app,
        "input[name=contact_email]",
        "li.wei@robotics.example.cn",
    )
    .await?;
    type_into(&app, "input[name=contact_phone]", "+86 311 8888 6666").await?;
    click(&app, "[data-testid=next]").await?;

    type_into(&app, "input[name=solution_name]", "Weld seam inspection").await?;
    type_into(
        &app,
        "textarea[name=solution_description]",
        "Finds weld defects on the line with a ResNet-50 on Atlas 300I Duo.",
    )
    .await?;
    click(&app, "input[name=hardware][value='Atlas 300I Duo']").await?;
    choose(&app, "select[name=tier]", "certified").await?;
    click(&app, "[data-testid=next]").await?;

    // The business licence, through the OS file dialog.
    let licence = home.path().join("business-licence.pdf");
    let mut pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n".to_vec();
    pdf.resize(200 * 1024, b' ');
    pdf.extend_from_slice(b"\n%%EOF\n");
    std::fs::write(&licence, pdf)?;
    click(&app, "[data-testid=attach]").await?;
    choose_file_in_dialog("Attach a file to the application", &licence).await?;
    wait_for_text(&app, "[data-testid=attachments]", |t| {
        t.contains("business-licence.pdf")
    })
    .await?;
    find(&app, "[data-testid=attachments] li[data-state=sent]").await?;
    screenshot(&app, &env, "application-attachments-en").await?;
    click(&app, "[data-testid=next]").await?;
    click(&app, "[data-testid=submit-application]").await?;

    let state = "[data-testid=application-state]";
    find(&app, &format!("{state}[data-state=submitted]")).await?;
    let hash = app.execute("return location.hash", vec![]).await?;
    let id = hash
        .as_str()
        .and_then(|h| h.rsplit('/').next())
        .filter(|id| id.starts_with("app_"))
        .map(str::to_owned);
    let id = match id {
        Some(id) => id,
        None => anyhow::bail!("the page is not on the center's application: {hash}"),
    };

    // The center reviews and approves it.
    for action in ["start-review", "approve"] {
        Portal::admin(
            &env,
            &data,
            &[
                "review",
                "--id",
                &id,
                "--action",
                action,
                "--as",
                "reviewer@demo.aicc",
            ],
        )?;
    }
    find(&app, &format!("{state}[data-state=approved]")).await?;
    let sent = recorder
        .wait_for("Weld seam inspection", std::time::Duration::from_secs(30))
        .await?;
    assert_eq!(sent.summary, "Application approved");
    screenshot(&app, &env, "application-approved-en").await?;
    app.close().await?;
    Ok(())
}

#[tokio::test]
async fn a_partner_admin_withdraws_an_application_under_review() -> anyhow::Result<()> {
    let _turn = aicc_e2e::one_app_at_a_time().await;
    let env = Env::from_env()?;
    let home = tempfile::tempdir()?;
    let data = home.path().join("portal");
    let portal = Portal::start_demo(&env, &data)?;
    let application: serde_json::Value = portal
        .as_partner(
            reqwest::Method::POST,
            "/v1/applications",
            Some(aicc_e2e::fixtures::application_form()),
        )
        .await?;
    let id = application["id"].as_str().unwrap_or_default().to_owned();
    portal
        .as_partner::<serde_json::Value>(
            reqwest::Method::POST,
            &format!("/v1/applications/{id}/submit"),
            None,
        )
        .await?;
    Portal::admin(
        &env,
        &data,
        &[
            "review",
            "--id",
            &id,
            "--action",
            "start-review",
            "--as",
            "reviewer@demo.aicc",
        ],
    )?;
    let driver = Driver::start(&env, home.path())?;
    let app = driver.launch().await?;
    sign_in(&app, &portal.url, "partner@demo.aicc", "demo-password").await?;
    find(&app, "[data-testid=sync-status][data-state=up_to_date]").await?;

    open(&app, &format!("/applications/{id}")).await?;
    let state = "[data-testid=application-state]";
    find(&app, &format!("{state}[data-state=under_review]")).await?;
    click(&app, "[data-testid=withdraw]").await?;
    click(&app, "[data-testid=withdraw-confirm]").await?;
    find(&app, &format!("{state}[data-state=withdrawn]")).await?;
    // The center has it withdrawn too.
    let mut at_center = String::new();
    for _ in 0..100 {
        let seen: serde_json::Value = portal
            .as_partner(
                reqwest::Method::GET,
                &format!("/v1/applications/{id}"),
                None,
            )
            .await?;
        at_center = seen["state"].as_str().unwrap_or_default().to_owned();
        if at_center == "withdrawn" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(at_center, "withdrawn");
    wait_for_text(&app, "[data-testid=application-page] .timeline", |t| {
        t.contains("Withdrawn")
    })
    .await?;
    app.close().await?;
    Ok(())
}
