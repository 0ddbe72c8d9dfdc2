//! An incubated startup works through its plan: the incubation section
//! appears for the enrolled organisation, evidence written with the center
//! down (a PDF with it) waits in the outbox and goes once the center is
//! back, staff accept
//! it from `aicc-portal admin`, and the acceptance reaches the app and the
//! desktop once. Credits granted by staff are told before they expire and
//! pay for a training request before the quota. Screenshots of each screen
//! in both languages and themes.

use std::time::Duration;

use aicc_e2e::{
    Driver, Env, NotificationRecorder, Portal, choose, choose_file_in_dialog, click, find,
    find_within, open, screenshot, sign_in, type_into, wait_for_text,
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
    // The signed pilot report, through the OS file dialog, offline.
    let report = home.path().join("pilot-report.pdf");
    let mut pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n".to_vec();
    pdf.resize(120 * 1024, b' ');
    pdf.extend_from_slice(b"\n%%EOF\n");
    std::fs::write(&report, pdf)?;
    click(&app, "[data-testid=attach-evidence]").await?;
    choose_file_in_dialog("Attach a file to the evidence", &report).await?;
    find(&app, "[data-testid=evidence-files] li[data-state=waiting]").await?;
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
    // The file went first, once: the center has it with the evidence.
    wait_for_text(&app, "[data-testid=evidence-files]", |t| {
        t.contains("pilot-report.pdf")
    })
    .await?;
    find(&app, "[data-testid=evidence-files] li[data-state=sent]").await?;

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

    for (language, theme) in aicc_e2e::LOOKS {
        aicc_e2e::look(&app, language, theme).await?;
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

/// `YYYY-MM-DD` `days` from today, in UTC.
fn date_in(days: i64) -> String {
    let day = time::OffsetDateTime::now_utc() + time::Duration::days(days);
    format!(
        "{:04}-{:02}-{:02}",
        day.year(),
        u8::from(day.month()),
        day.day()
    )
}

#[tokio::test]
async fn credits_about_to_expire_are_told_and_pay_for_a_training_request_first()
-> anyhow::Result<()> {
    let _turn = aicc_e2e::one_app_at_a_time().await;
    let env = Env::from_env()?;
    let recorder = NotificationRecorder::start().await?;
    let home = tempfile::tempdir()?;
    let data = home.path().join("portal");
    let portal = Portal::start_demo(&env, &data)?;
    // Staff grant hackathon credits that run out in three days.
    Portal::admin(
        &env,
        &data,
        &[
            "grant-credits",
            "--organisation",
            "Demo Robotics",
            "--npu-hours",
            "12",
            "--reason",
            "Hackathon compute",
            "--expires",
            &date_in(3),
            "--as",
            "reviewer@demo.aicc",
        ],
    )?;
    let quota_before: serde_json::Value = portal
        .as_partner(reqwest::Method::GET, "/v1/quota", None)
        .await?;
    let driver = Driver::start(&env, home.path())?;
    let app = driver.launch().await?;
    sign_in(&app, &portal.url, "partner@demo.aicc", "demo-password").await?;
    find(&app, "[data-testid=sync-status][data-state=up_to_date]").await?;

    // Told once that they expire; the click shows that grant.
    let told = recorder
        .wait_for("Hackathon compute", Duration::from_secs(30))
        .await?;
    assert_eq!(told.summary, "Compute credits expire within a week");
    recorder.click(&told).await?;
    let focused = find(&app, "[data-testid=credit-list] tr.focused")
        .await?
        .text()
        .await?;
    assert!(focused.contains("Hackathon compute"), "{focused}");
    wait_for_text(&app, "[data-testid=credits-summary]", |t| {
        t == "352 NPU-hours left of 352 granted · 0 used"
    })
    .await?;
    find(&app, "[data-testid=credits-expiring]").await?;
    aicc_e2e::drawn(&app, "[data-testid=credit-chart] canvas", "--accent").await?;
    let chart_left = || async {
        let last = find(&app, "[data-testid=credit-chart]")
            .await?
            .attr("data-last")
            .await?
            .unwrap_or_default();
        anyhow::Ok(last.parse::<f64>()?)
    };
    let left_before = chart_left().await?;
    assert_eq!(left_before, 352.0);

    // The form says the credits pay; the job runs on them.
    open(&app, "/jobs/new?model=resnet50").await?;
    find(&app, "[data-testid=job-form]").await?;
    type_into(&app, "input[name=name]", "defects on credits").await?;
    type_into(&app, "input[name=dataset]", "obs://demo-robotics/defects").await?;
    type_into(&app, "input[name=nodes]", "1").await?;
    type_into(&app, "input[name=npus-per-node]", "8").await?;
    type_into(&app, "input[name=max-hours]", "0.2").await?;
    wait_for_text(&app, "[data-testid=job-cost]", |t| {
        t.contains("all from compute credits")
    })
    .await?;
    click(&app, "button[type=submit]:not([disabled])").await?;
    find_within(
        &app,
        "[data-testid=job-state][data-state=succeeded]",
        Duration::from_secs(150),
    )
    .await?;
    wait_for_text(&app, "[data-testid=npu-hours-used]", |t| {
        t.contains("paid by compute credits")
    })
    .await?;

    // The soonest-expiring grant paid; the chart moved; the quota did not.
    open(&app, "/incubation").await?;
    wait_for_text(&app, "[data-testid=credits-summary]", |t| {
        !t.ends_with("· 0 used")
    })
    .await?;
    let first = find(&app, "[data-testid=credit-list] tbody tr:first-child")
        .await?
        .text()
        .await?;
    let left: f64 = find(
        &app,
        "[data-testid=credit-list] tbody tr:first-child [data-testid=credit-left]",
    )
    .await?
    .text()
    .await?
    .trim()
    .parse()?;
    assert!(
        first.contains("Hackathon compute") && left < 12.0,
        "the soonest-expiring grant pays first: {first}"
    );
    let left_after = chart_left().await?;
    assert!(
        left_after < left_before,
        "the burn-down ends lower: {left_before} → {left_after}"
    );
    aicc_e2e::drawn(&app, "[data-testid=credit-chart] canvas", "--accent").await?;
    let quota_after: serde_json::Value = portal
        .as_partner(reqwest::Method::GET, "/v1/quota", None)
        .await?;
    assert_eq!(
        quota_after["npu_hours_used"], quota_before["npu_hours_used"],
        "the credits paid, not the quota"
    );
    assert_eq!(recorder.about("Hackathon compute").len(), 1, "told once");

    for (language, theme) in aicc_e2e::LOOKS {
        aicc_e2e::look(&app, language, theme).await?;
        open(&app, "/incubation").await?;
        find(&app, "[data-testid=credit-chart] canvas").await?;
        app.execute(
            "document.querySelector('[data-testid=credits]').scrollIntoView()",
            vec![],
        )
        .await?;
        screenshot(&app, &env, &format!("credits-{language}-{theme}")).await?;
    }
    app.close().await?;
    Ok(())
}

#[tokio::test]
async fn a_registration_made_offline_waits_for_a_seat_and_the_freed_seat_is_told_once()
-> anyhow::Result<()> {
    let _turn = aicc_e2e::one_app_at_a_time().await;
    let env = Env::from_env()?;
    let recorder = NotificationRecorder::start().await?;
    let home = tempfile::tempdir()?;
    let data = home.path().join("portal");
    let mut portal = Portal::start_demo(&env, &data)?;
    // The demo's lab has one bench, which the engineer has taken.
    let page: serde_json::Value = portal
        .as_partner(
            reqwest::Method::GET,
            "/v1/cohort_events/changes?after=0",
            None,
        )
        .await?;
    let lab = page["changes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| &c["item"])
        .find(|e| e["seats"] == 1)
        .ok_or_else(|| anyhow::anyhow!("no lab in {page}"))?;
    let lab_id = lab["id"].as_str().unwrap_or_default().to_owned();
    let title = lab["title"].as_str().unwrap_or_default().to_owned();
    let driver = Driver::start(&env, home.path())?;
    let app = driver.launch().await?;
    sign_in(&app, &portal.url, "partner@demo.aicc", "demo-password").await?;
    find(&app, "[data-testid=sync-status][data-state=up_to_date]").await?;
    click(&app, "[data-testid=nav-incubation]").await?;
    let row = format!("[data-testid=cohort-events] [data-event={lab_id}]");
    wait_for_text(&app, &format!("{row} [data-testid=event-action]"), |t| {
        t == "Join the waitlist"
    })
    .await?;

    // Offline, the registration waits; back online, it is on the waitlist.
    let address = portal.address().to_owned();
    portal.stop()?;
    find(&app, "[data-testid=sync-status][data-state=offline]").await?;
    click(&app, &format!("{row} [data-testid=event-register]")).await?;
    wait_for_text(&app, &format!("{row} [data-testid=event-action]"), |t| {
        t == "Waiting to send"
    })
    .await?;
    let portal = Portal::start_on(&env, &data, &address)?;
    find_within(
        &app,
        &format!("{row} .badge[data-state=waiting]"),
        Duration::from_secs(60),
    )
    .await?;
    wait_for_text(&app, &format!("{row} [data-testid=event-action]"), |t| {
        t.starts_with("On the waitlist, number 1")
    })
    .await?;

    // The engineer gives the bench up: the startup's partner has it, told once.
    let http = reqwest::Client::new();
    let grant: serde_json::Value = http
        .post(format!("{}/v1/auth/token", portal.url))
        .json(&serde_json::json!({"email": "engineer@demo.aicc", "password": "demo-password"}))
        .send()
        .await?
        .json()
        .await?;
    let cancelled = http
        .post(format!("{}/v1/cohort_events/{lab_id}/cancel", portal.url))
        .bearer_auth(grant["access_token"].as_str().unwrap_or_default())
        .header("Idempotency-Key", "engineer-gives-up-the-bench")
        .send()
        .await?;
    anyhow::ensure!(cancelled.status().is_success(), "{}", cancelled.status());
    find_within(
        &app,
        &format!("{row} .badge[data-state=seat]"),
        Duration::from_secs(60),
    )
    .await?;
    let told = recorder.wait_for(&title, Duration::from_secs(30)).await?;
    assert_eq!(told.summary, "A seat came free for you");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(recorder.about(&title).len(), 1, "told once");

    for (language, theme) in aicc_e2e::LOOKS {
        aicc_e2e::look(&app, language, theme).await?;
        open(&app, &format!("/cohort_events/{lab_id}")).await?;
        find(&app, &format!("{row}.focused")).await?;
        screenshot(&app, &env, &format!("events-{language}-{theme}")).await?;
    }
    app.close().await?;
    Ok(())
}

#[tokio::test]
async fn office_hours_asked_in_the_app_are_answered_and_the_answer_is_told_once()
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
    click(&app, "[data-testid=nav-incubation]").await?;
    find(&app, "[data-testid=mentors] [data-office-hours]").await?;

    // Liu Yang, an evening next week.
    let mentors: serde_json::Value = portal
        .as_partner(reqwest::Method::GET, "/v1/mentors", None)
        .await?;
    let liu = mentors["mentors"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|m| m["name"] == "Liu Yang")
        .and_then(|m| m["id"].as_str())
        .ok_or_else(|| anyhow::anyhow!("no Liu Yang in {mentors}"))?
        .to_owned();
    let form = "[data-testid=office-hours-form]";
    choose(&app, &format!("{form} select[name=mentor]"), &liu).await?;
    type_into(
        &app,
        &format!("{form} textarea[name=topic]"),
        "Glare on polished seams at line 2",
    )
    .await?;
    let next_week = time::OffsetDateTime::now_utc() + time::Duration::days(7);
    let slot = format!(
        "{:04}-{:02}-{:02}T18:30",
        next_week.year(),
        u8::from(next_week.month()),
        next_week.day()
    );
    app.execute(
        "const input = document.querySelector(arguments[0]);
         input.value = arguments[1];
         input.dispatchEvent(new Event('input', { bubbles: true }));",
        vec![
            serde_json::json!(format!("{form} input[name=slot-1]")),
            serde_json::json!(slot),
        ],
    )
    .await?;
    click(&app, "[data-testid=office-hours-send]").await?;
    let asked = "[data-testid=office-hours] li:first-child";
    wait_for_text(
        &app,
        &format!("{asked} [data-testid=office-hours-state]"),
        |t| t == "Waiting for the mentor",
    )
    .await?;

    // Staff give Liu Yang's answer.
    let listed = std::process::Command::new(&env.portal)
        .arg("--data-dir")
        .arg(&data)
        .args(["admin", "list-office-hours", "--state", "requested"])
        .output()?;
    let listed = String::from_utf8_lossy(&listed.stdout).into_owned();
    let id = listed
        .lines()
        .find(|l| l.contains("Glare on polished seams"))
        .and_then(|l| l.split('\t').next())
        .ok_or_else(|| anyhow::anyhow!("not listed: {listed}"))?
        .to_owned();
    Portal::admin(
        &env,
        &data,
        &[
            "answer-office-hours",
            "--id",
            &id,
            "--slot",
            "1",
            "--note",
            "Line 2, by the polishing station",
        ],
    )?;
    wait_for_text(
        &app,
        &format!("{asked} [data-testid=office-hours-state]"),
        |t| t == "Accepted",
    )
    .await?;
    let told = recorder
        .wait_for("Your mentor accepted", Duration::from_secs(30))
        .await?;
    assert!(told.body.starts_with("Liu Yang"), "{told:?}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(recorder.about("Your mentor").len(), 1, "told once");

    for (language, theme) in aicc_e2e::LOOKS {
        aicc_e2e::look(&app, language, theme).await?;
        open(&app, &format!("/office_hours/{id}")).await?;
        find(&app, "[data-testid=office-hours] li.focused").await?;
        screenshot(&app, &env, &format!("mentors-{language}-{theme}")).await?;
    }
    app.close().await?;
    Ok(())
}
