//! The talent platform: an engineer enrols in a course session whose one
//! seat another partner's engineer holds, waits on its waitlist, and is
//! told once when the seat frees and is theirs; a partner admin enrols a
//! member while the center is away, which reaches it once when it
//! returns, and sees the organisation's skills, what expires soon first.
//! Screenshots of each screen in both languages and themes.

use std::time::Duration;

use aicc_e2e::{
    Driver, Env, NotificationRecorder, Portal, click, find, find_within, open, screenshot, sign_in,
    type_into, wait_for_text,
};
use serde_json::{Value, json};

/// The demo's courses as the holder of `token` reads them.
async fn courses(portal: &Portal, token: &str) -> anyhow::Result<Vec<Value>> {
    let page: Value = reqwest::Client::new()
        .get(format!(
            "{}/v1/courses/changes?after=0&limit=1000",
            portal.url
        ))
        .bearer_auth(token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    Ok(page["changes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| c["item"].clone())
        .collect())
}

#[tokio::test]
async fn a_full_session_waitlists_and_a_seat_freed_is_told_once() -> anyhow::Result<()> {
    let _turn = aicc_e2e::one_app_at_a_time().await;
    let env = Env::from_env()?;
    let recorder = NotificationRecorder::start().await?;
    let home = tempfile::tempdir()?;
    let data = home.path().join("portal");
    let portal = Portal::start_demo(&env, &data)?;
    let other = portal.token("member@other.aicc").await?;
    let lab = courses(&portal, &other)
        .await?
        .into_iter()
        .flat_map(|c| c["sessions"].as_array().cloned().unwrap_or_default())
        .find(|s| s["seats"] == 1)
        .ok_or_else(|| anyhow::anyhow!("the demo has no session of one seat"))?;
    let session = lab["id"].as_str().unwrap_or_default().to_owned();

    let driver = Driver::start(&env, home.path())?;
    let app = driver.launch().await?;
    sign_in(&app, &portal.url, "engineer@demo.aicc", "demo-password").await?;
    find(&app, "[data-testid=sync-status][data-state=up_to_date]").await?;
    click(&app, "[data-testid=nav-courses]").await?;
    type_into(&app, "input[name=course-search]", "ascend c").await?;
    wait_for_text(&app, "[data-testid=course-results]", |t| {
        t.contains("Ascend C operator development")
    })
    .await?;
    click(&app, "[data-testid=course-results] li a.title").await?;

    // Full: the engineer joins its waitlist.
    let row = format!("[data-session={session}]");
    wait_for_text(&app, &format!("{row} [data-testid=session-enrol]"), |t| {
        t == "Join the waitlist"
    })
    .await?;
    click(&app, &format!("{row} [data-testid=session-enrol]")).await?;
    wait_for_text(&app, &row, |t| t.contains("Waitlist no. 1")).await?;

    // The seat holder gives it up at the center: the seat is the
    // engineer's, and they are told once.
    let cancelled = reqwest::Client::new()
        .post(format!(
            "{}/v1/course_sessions/{session}/cancel",
            portal.url
        ))
        .bearer_auth(&other)
        .header("Idempotency-Key", "other-cancels")
        .json(&json!({}))
        .send()
        .await?;
    anyhow::ensure!(cancelled.status().is_success(), "{}", cancelled.status());
    find_within(
        &app,
        &format!("{row} [data-person='engineer@demo.aicc'] .badge[data-state=seat]"),
        Duration::from_secs(60),
    )
    .await?;
    let told = recorder
        .wait_for("A seat came free", Duration::from_secs(30))
        .await?;
    assert!(
        told.body.contains("Ascend C operator development"),
        "{told:?}"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(recorder.about("A seat came free").len(), 1, "told once");
    assert_eq!(
        recorder.about("On the waitlist").len(),
        1,
        "the waitlist was told when the center confirmed it"
    );

    // Its click opens the session.
    open(&app, "/courses").await?;
    recorder.click(&told).await?;
    find(&app, &format!("{row}.focused")).await?;
    app.close().await?;
    Ok(())
}

#[tokio::test]
async fn a_partner_admin_enrols_a_member_offline_once_and_sees_the_organisations_skills()
-> anyhow::Result<()> {
    let _turn = aicc_e2e::one_app_at_a_time().await;
    let env = Env::from_env()?;
    let home = tempfile::tempdir()?;
    let data = home.path().join("portal");
    let mut portal = Portal::start_demo(&env, &data)?;
    let driver = Driver::start(&env, home.path())?;
    let app = driver.launch().await?;
    sign_in(&app, &portal.url, "partner@demo.aicc", "demo-password").await?;
    find(&app, "[data-testid=sync-status][data-state=up_to_date]").await?;

    // The organisation's skills: the certification expiring soon stands out.
    open(&app, "/skills").await?;
    wait_for_text(&app, "[data-testid=skills-summary]", |t| {
        t.starts_with("2 engineers, 3 certifications") && t.contains("1 expire within 90 days")
    })
    .await?;
    find(
        &app,
        "[data-testid=skills-table] tr[data-standing=expires_soon]",
    )
    .await?;

    // The members are known while the center is up; then it goes away.
    click(&app, "[data-testid=nav-courses]").await?;
    type_into(&app, "input[name=course-search]", "AscendCL").await?;
    wait_for_text(&app, "[data-testid=course-results]", |t| {
        t.starts_with("CANN fundamentals")
    })
    .await?;
    click(&app, "[data-testid=course-results] li a.title").await?;
    find(
        &app,
        "select[name=member] option[value='engineer@demo.aicc']",
    )
    .await?;
    let address = portal.address().to_owned();
    portal.stop()?;
    find(&app, "[data-testid=sync-status][data-state=offline]").await?;
    aicc_e2e::choose(
        &app,
        ".sessions > li:first-child select[name=member]",
        "engineer@demo.aicc",
    )
    .await?;
    click(
        &app,
        ".sessions > li:first-child form.for-member button[type=submit]",
    )
    .await?;
    wait_for_text(
        &app,
        ".sessions > li:first-child [data-testid=session-outbox]",
        |t| t.contains("Enrolling engineer@demo.aicc"),
    )
    .await?;

    // Back: sent once, the member enrolled by their admin.
    let portal = Portal::start_on(&env, &data, &address)?;
    find_within(
        &app,
        ".sessions > li:first-child [data-person='engineer@demo.aicc']",
        Duration::from_secs(60),
    )
    .await?;
    let engineer = portal.token("engineer@demo.aicc").await?;
    let enrolled: Vec<Value> = courses(&portal, &engineer)
        .await?
        .into_iter()
        .flat_map(|c| c["sessions"].as_array().cloned().unwrap_or_default())
        .flat_map(|s| s["enrolled"].as_array().cloned().unwrap_or_default())
        .filter(|e| e["email"] == "engineer@demo.aicc")
        .collect();
    assert_eq!(enrolled.len(), 1, "sent once: {enrolled:?}");
    assert!(enrolled[0]["enrolled_by"].as_str().is_some());

    for (language, theme) in aicc_e2e::LOOKS {
        aicc_e2e::look(&app, language, theme).await?;
        open(&app, "/courses").await?;
        find(&app, "[data-testid=course-results]").await?;
        screenshot(&app, &env, &format!("courses-{language}-{theme}")).await?;
        click(&app, "[data-testid=course-results] li a.title").await?;
        find(&app, ".sessions").await?;
        screenshot(&app, &env, &format!("course-{language}-{theme}")).await?;
        open(&app, "/skills").await?;
        find(&app, "[data-testid=skills-table]").await?;
        screenshot(&app, &env, &format!("skills-{language}-{theme}")).await?;
    }
    app.close().await?;
    Ok(())
}
