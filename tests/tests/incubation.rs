//! An incubated startup works through its plan: the incubation section
//! appears for the enrolled organisation, evidence written with the center
//! down waits in the outbox and goes once the center is back, staff accept
//! it from `aicc-portal admin`, and the acceptance reaches the app and the
//! desktop once. Screenshots of both screens in both languages and themes.

use std::time::Duration;

use aicc_e2e::{
    Driver, Env, NotificationRecorder, Portal, choose, click, find, find_within, open, screenshot,
    sign_in, type_into, wait_for_text,
};

#[tokio::test]
async fn milestone_evidence_sent_offline_goes_once_and_its_acceptance_is_notified()
-> anyhow::Result<()> {
    let _turn = aicc_e2e::one_app_at_a_time().await;
    let env = Env::from_env()?;
    let recorder = NotificationRecorder::start().await?;
    let home = tempfile::tempdir()?;
    let data = home.path().join("portal");
    let mut portal = Portal::start_demo(&env, &data)?;
    let driver = Driver::start(&env, home.path())?;
    let app = driver.launch().await?;
    sign_in(&app, &portal.url, "partner@demo.aicc", "demo-password").await?;
    find(&app, "[data-testid=sync-status][data-state=up_to_date]").await?;

    // Demo Robotics is enrolled: the section is there, with its plan.
    click(&app, "[data-testid=nav-incubation]").await?;
    wait_for_text(&app, "[data-testid=milestone-list]", |t| {
        t.contains("Pilot on two weld lines")
    })
    .await?;
    find(&app, "[data-testid=milestone-list] li[data-state=accepted]").await?;

    // The center goes away; the evidence is written and sent all the same.
    let address = portal.address().to_owned();
    portal.stop()?;
    find(&app, "[data-testid=sync-status][data-state=offline]").await?;
    open(&app, "/milestones/ms_demo_pilot").await?;
    type_into(
        &app,
        "textarea[name=evidence]",
        "Four weeks on two weld lines: 38,412 seams inspected, 97.1% of defects found; the signed report is in the pilot folder.",
    )
    .await?;
    click(&app, "[data-testid=submit-evidence]").await?;
    wait_for_text(&app, "[data-testid=milestone-state]", |t| {
        t == "Waiting to send"
    })
    .await?;
    let _portal = Portal::start_on(&env, &data, &address)?;
    find_within(
        &app,
        "[data-testid=milestone-state][data-state=submitted]",
        Duration::from_secs(60),
    )
    .await?;

    // The center's reviewer accepts it.
    Portal::admin(
        &env,
        &data,
        &[
            "review-milestone",
            "--id",
            "ms_demo_pilot",
            "--decision",
            "accept",
            "--comment",
            "Reproduced the figures with the factory",
            "--as",
            "reviewer@demo.aicc",
        ],
    )?;
    find_within(
        &app,
        "[data-testid=milestone-state][data-state=accepted]",
        Duration::from_secs(60),
    )
    .await?;
    let told = recorder
        .wait_for("Pilot on two weld lines", Duration::from_secs(30))
        .await?;
    assert_eq!(told.summary, "Milestone accepted");
    assert_eq!(
        recorder.about("Pilot on two weld lines").len(),
        1,
        "told once"
    );
    let timeline = find(&app, "[data-testid=milestone-page] .timeline")
        .await?
        .text()
        .await?;
    assert_eq!(
        timeline.matches("Sent for review").count(),
        1,
        "sent once: {timeline}"
    );

    for (language, theme) in [
        ("en", "light"),
        ("en", "dark"),
        ("zh-CN", "light"),
        ("zh-CN", "dark"),
    ] {
        open(&app, "/settings").await?;
        choose(&app, "select[name=language]", language).await?;
        choose(&app, "select[name=theme]", theme).await?;
        find(
            &app,
            &format!("html[lang='{language}'][data-theme={theme}]"),
        )
        .await?;
        open(&app, "/incubation").await?;
        find(&app, "[data-testid=milestone-list]").await?;
        screenshot(&app, &env, &format!("incubation-{language}-{theme}")).await?;
        open(&app, "/milestones/ms_demo_day").await?;
        find(&app, "textarea[name=evidence]").await?;
        screenshot(&app, &env, &format!("milestone-{language}-{theme}")).await?;
    }
    app.close().await?;
    Ok(())
}
