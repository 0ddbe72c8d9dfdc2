//! The directory of certified solutions: a partner finds a rail-inspection
//! solution with the center down, checks its certificate from the copy on
//! its computer and asks its owner to cooperate; the request goes once
//! when the center is back, the owner accepts, and the asker is told
//! once. A solution certified appears in the app's directory, and leaves
//! it when its certificate is revoked. Screenshots of each screen in both
//! languages and themes.

use std::time::Duration;

use aicc_e2e::{
    Driver, Env, NotificationRecorder, Portal, click, find, find_gone, find_within, open,
    screenshot, sign_in, type_into, wait_for_text,
};
use serde_json::{Value, json};

/// The demo's listed solution whose name starts with `name`.
async fn listed(portal: &Portal, name: &str) -> anyhow::Result<Value> {
    let page: Value = portal
        .as_partner(
            reqwest::Method::GET,
            "/v1/directory/changes?after=0&limit=1000",
            None,
        )
        .await?;
    page["changes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| c["item"].clone())
        .find(|s| s["name"].as_str().is_some_and(|n| n.starts_with(name)))
        .ok_or_else(|| anyhow::anyhow!("no {name} in {page}"))
}

#[tokio::test]
async fn a_cooperation_asked_offline_goes_once_and_its_acceptance_is_told_once()
-> anyhow::Result<()> {
    let _turn = aicc_e2e::one_app_at_a_time().await;
    let env = Env::from_env()?;
    let recorder = NotificationRecorder::start().await?;
    let home = tempfile::tempdir()?;
    let data = home.path().join("portal");
    let mut portal = Portal::start_demo(&env, &data)?;
    let railscan = listed(&portal, "RailScan").await?;
    let ours = listed(&portal, "Inspection Robot Navigation").await?;
    let certificate = railscan["certificate_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let driver = Driver::start(&env, home.path())?;
    let app = driver.launch().await?;
    sign_in(&app, &portal.url, "partner@demo.aicc", "demo-password").await?;
    find(&app, "[data-testid=sync-status][data-state=up_to_date]").await?;

    // The center goes away; the directory is searched all the same.
    let address = portal.address().to_owned();
    portal.stop()?;
    find(&app, "[data-testid=sync-status][data-state=offline]").await?;
    click(&app, "[data-testid=nav-directory]").await?;
    type_into(&app, "input[name=directory-search]", "轨道").await?;
    wait_for_text(&app, "[data-testid=directory-results]", |t| {
        t.contains("RailScan 轨道几何异常检测") && t.contains("RailEye 轨道巡检 3.0")
    })
    .await?;
    click(&app, "[data-facet=industry][data-value='rail inspection']").await?;
    wait_for_text(&app, "[data-testid=directory-count]", |t| {
        t.starts_with("2 solutions")
    })
    .await?;

    // Its certificate, checked from the copy on this computer.
    type_into(&app, "input[name=certificate]", &certificate.to_lowercase()).await?;
    click(&app, "[data-testid=certificate-check] button[type=submit]").await?;
    wait_for_text(&app, "[data-testid=certificate-answer]", |t| {
        t.starts_with("Valid") && t.contains("Held by Other Vision")
    })
    .await?;
    find(&app, "[data-testid=certificate-from-copy]").await?;

    // The request to cooperate waits for the center.
    click(
        &app,
        &format!(
            "[data-solution={}] a.name",
            railscan["id"].as_str().unwrap_or_default()
        ),
    )
    .await?;
    type_into(
        &app,
        "textarea[name=message]",
        "We run inspection robots on 120 km of track and can share 40,000 labelled frames for a joint pilot.",
    )
    .await?;
    click(&app, "input[name=offer-data]").await?;
    click(&app, "input[name=offer-deployment]").await?;
    click(&app, "[data-testid=cooperation-send]").await?;
    wait_for_text(&app, "[data-testid=cooperation-form] [role=status]", |t| {
        t.contains("on its way")
    })
    .await?;
    open(&app, "/cooperation").await?;
    wait_for_text(&app, "[data-testid=cooperation-state]", |t| {
        t == "Waiting to send"
    })
    .await?;

    // Back online: sent once; Other Vision's partner admin accepts it.
    let portal = Portal::start_on(&env, &data, &address)?;
    find_within(
        &app,
        "[data-testid=cooperation-list] li[data-state=asked] .badge[data-state=asked]",
        Duration::from_secs(60),
    )
    .await?;
    let lead = portal.token("lead@other.aicc").await?;
    let http = reqwest::Client::new();
    let received: Value = http
        .get(format!("{}/v1/cooperation/changes?after=0", portal.url))
        .bearer_auth(&lead)
        .send()
        .await?
        .json()
        .await?;
    let requests = received["changes"].as_array().cloned().unwrap_or_default();
    assert_eq!(requests.len(), 1, "sent once: {received}");
    let id = requests[0]["item"]["id"].as_str().unwrap_or_default();
    let accepted = http
        .post(format!("{}/v1/cooperation/{id}/answer", portal.url))
        .bearer_auth(&lead)
        .header("Idempotency-Key", "lead-accepts")
        .json(&json!({"accept": true, "note": "Gladly: our rail team can meet on Tuesday in Shijiazhuang."}))
        .send()
        .await?;
    anyhow::ensure!(accepted.status().is_success(), "{}", accepted.status());
    find_within(
        &app,
        "[data-testid=cooperation-list] li[data-state=accepted]",
        Duration::from_secs(60),
    )
    .await?;
    wait_for_text(&app, "[data-testid=cooperation-list]", |t| {
        t.contains("our rail team can meet on Tuesday")
    })
    .await?;
    let told = recorder
        .wait_for("RailScan", Duration::from_secs(30))
        .await?;
    assert_eq!(told.summary, "Your request to cooperate was accepted");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(recorder.about("RailScan").len(), 1, "told once");

    for (language, theme) in aicc_e2e::LOOKS {
        aicc_e2e::look(&app, language, theme).await?;
        open(&app, "/directory?q=%E5%B7%A1%E6%A3%80").await?;
        find(&app, "[data-testid=directory-results]").await?;
        screenshot(&app, &env, &format!("directory-{language}-{theme}")).await?;
        open(
            &app,
            &format!(
                "/directory/solutions/{}",
                railscan["id"].as_str().unwrap_or_default()
            ),
        )
        .await?;
        find(&app, "[data-testid=solution-certificate]").await?;
        screenshot(&app, &env, &format!("solution-{language}-{theme}")).await?;
        open(
            &app,
            &format!(
                "/directory/solutions/{}",
                ours["id"].as_str().unwrap_or_default()
            ),
        )
        .await?;
        find(&app, "[data-testid=listing-form]").await?;
        screenshot(&app, &env, &format!("own-solution-{language}-{theme}")).await?;
        open(&app, "/cooperation").await?;
        find(&app, "[data-testid=cooperation-list]").await?;
        screenshot(&app, &env, &format!("cooperation-{language}-{theme}")).await?;
    }
    app.close().await?;
    Ok(())
}

#[tokio::test]
async fn a_solution_certified_appears_in_the_directory_and_leaves_when_revoked()
-> anyhow::Result<()> {
    let _turn = aicc_e2e::one_app_at_a_time().await;
    let env = Env::from_env()?;
    let home = tempfile::tempdir()?;
    let data = home.path().join("portal");
    let portal = Portal::start_demo(&env, &data)?;
    let driver = Driver::start(&env, home.path())?;
    let app = driver.launch().await?;
    sign_in(&app, &portal.url, "lead@other.aicc", "demo-password").await?;
    find(&app, "[data-testid=sync-status][data-state=up_to_date]").await?;
    click(&app, "[data-testid=nav-directory]").await?;
    type_into(&app, "input[name=directory-search]", "焊缝在线").await?;
    wait_for_text(&app, "[data-testid=directory-count]", |t| {
        t.starts_with("0 solutions")
    })
    .await?;

    // Demo Robotics's application, certified by the center's reviewer.
    let mut form = aicc_e2e::fixtures::application_form();
    form["solution_name"] = json!("Weld seam inspection 焊缝在线检测");
    let made: Value = portal
        .as_partner(reqwest::Method::POST, "/v1/applications", Some(form))
        .await?;
    let id = made["id"].as_str().unwrap_or_default().to_owned();
    let _: Value = portal
        .as_partner(
            reqwest::Method::POST,
            &format!("/v1/applications/{id}/submit"),
            None,
        )
        .await?;
    for action in ["start-review", "approve", "start-adapting", "certify"] {
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
    find_within(
        &app,
        &format!("[data-testid=directory-results] [data-solution={id}]"),
        Duration::from_secs(60),
    )
    .await?;
    let application: Value = portal
        .as_partner(
            reqwest::Method::GET,
            &format!("/v1/applications/{id}"),
            None,
        )
        .await?;
    let certificate = application["certificate_id"].as_str().unwrap_or_default();

    // Revoked: it leaves the directory, and a check says why.
    Portal::admin(
        &env,
        &data,
        &[
            "revoke-certificate",
            "--certificate",
            certificate,
            "--reason",
            "The adapted build no longer runs on CANN 8",
            "--as",
            "reviewer@demo.aicc",
        ],
    )?;
    find_gone(
        &app,
        &format!("[data-testid=directory-results] [data-solution={id}]"),
    )
    .await?;
    type_into(&app, "input[name=certificate]", certificate).await?;
    click(&app, "[data-testid=certificate-check] button[type=submit]").await?;
    wait_for_text(&app, "[data-testid=certificate-answer]", |t| {
        t.starts_with("Revoked") && t.contains("no longer runs on CANN 8")
    })
    .await?;
    app.close().await?;
    Ok(())
}
