//! A partner asks for NPU time: the form refuses what the center would,
//! a request made offline is sent once when the center is back, the job
//! runs with a growing chart, and its end is notified exactly once.

use std::time::Duration;

use aicc_e2e::{
    Driver, Env, NotificationRecorder, Portal, find, find_gone, find_within, open, screenshot,
    sign_in, type_into, wait_for_text,
};

async fn fill_request(
    app: &fantoccini::Client,
    name: &str,
    nodes: &str,
    hours: &str,
) -> anyhow::Result<()> {
    type_into(app, "input[name=name]", name).await?;
    type_into(
        app,
        "input[name=dataset]",
        "obs://demo-robotics/instructions",
    )
    .await?;
    type_into(app, "input[name=nodes]", nodes).await?;
    type_into(app, "input[name=npus-per-node]", "8").await?;
    type_into(app, "input[name=max-hours]", hours).await?;
    Ok(())
}

#[tokio::test]
async fn a_training_request_runs_and_its_end_is_notified_once() -> anyhow::Result<()> {
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

    // From the model page, with the recommended cluster filled in.
    open(&app, "/models/qwen3-32b").await?;
    find(&app, "[data-testid=train]").await?.click().await?;
    find(&app, "[data-testid=job-form]").await?;
    assert_eq!(
        find(&app, "input[name=nodes]")
            .await?
            .prop("value")
            .await?
            .as_deref(),
        Some("2")
    );
    screenshot(&app, &env, "job-form-en").await?;

    // Over the organisation's 2,000 NPU-hours: refused in the form.
    fill_request(&app, "too big", "8", "100").await?;
    let refusal = find(&app, "[role=alert][data-field=max_hours]")
        .await?
        .text()
        .await?;
    assert!(refusal.contains("NPU-hours"), "{refusal}");
    assert!(
        !find(&app, "button[type=submit]")
            .await?
            .is_enabled()
            .await?
    );

    // Offline: the request waits in the outbox and is sent once the center is back.
    let address = portal.address().to_owned();
    portal.stop()?;
    find(&app, "[data-testid=sync-status][data-state=offline]").await?;
    fill_request(&app, "qwen3 lora e2e", "1", "0.2").await?;
    find(&app, "button[type=submit]:not([disabled])")
        .await?
        .click()
        .await?;
    wait_for_text(
        &app,
        "[data-testid=job-page] [data-testid=job-state]",
        |t| t == "Waiting to send",
    )
    .await?;
    let portal = Portal::start_on(&env, &data, &address)?;
    // A short simulated job: it may already have ended when the page hears of it.
    find_within(
        &app,
        "[data-testid=job-state][data-state=succeeded]",
        Duration::from_secs(150),
    )
    .await?;
    screenshot(&app, &env, "job-done-en").await?;
    aicc_e2e::drawn(
        &app,
        "[data-testid=metrics-chart]:not([data-points='0']) canvas",
        "--accent",
    )
    .await?;
    assert_eq!(
        portal.job_count().await?,
        1,
        "exactly one job reached the center"
    );

    let sent = recorder
        .wait_for("qwen3 lora e2e", Duration::from_secs(30))
        .await?;
    assert_eq!(sent.summary, "Training job succeeded");
    find(&app, "[data-testid=unread]").await?;

    // Clicking the notification brings the window up on the job, read.
    open(&app, "/jobs").await?;
    find(&app, "[data-testid=job-list]").await?;
    recorder.click(&sent).await?;
    wait_for_text(&app, "[data-testid=job-page] h2", |t| t == "qwen3 lora e2e").await?;
    find_gone(&app, "[data-testid=unread]").await?;
    app.close().await?;

    // A restart shows nothing twice.
    let app = driver.launch().await?;
    find(&app, "[data-testid=sync-status][data-state=up_to_date]").await?;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        recorder.about("qwen3 lora e2e").len(),
        1,
        "one notification per transition"
    );
    open(&app, "/jobs").await?;
    find(&app, "[data-testid=job-list]").await?;
    screenshot(&app, &env, "jobs-en").await?;
    app.close().await?;
    Ok(())
}

/// `aicc` with `args` on the app's files under `home`; its output.
fn aicc(env: &Env, home: &std::path::Path, args: &[&str]) -> anyhow::Result<std::process::Output> {
    Ok(std::process::Command::new(env.cli())
        .args(args)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env_remove("AICC_CENTER")
        .env_remove("AICC_TOKEN")
        .stdin(std::process::Stdio::null())
        .output()?)
}

#[tokio::test]
async fn a_job_aicc_queued_offline_is_sent_once_and_the_app_shows_it() -> anyhow::Result<()> {
    let _turn = aicc_e2e::one_app_at_a_time().await;
    let env = Env::from_env()?;
    let home = tempfile::tempdir()?;
    let data = home.path().join("portal");
    let mut portal = Portal::start_demo(&env, &data)?;
    let login = {
        use std::io::Write as _;
        let mut child = std::process::Command::new(env.cli())
            .args([
                "--center",
                &portal.url,
                "login",
                "--email",
                "partner@demo.aicc",
            ])
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env("XDG_DATA_HOME", home.path().join("data"))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()?;
        writeln!(child.stdin.take().expect("piped"), "demo-password")?;
        child.wait_with_output()?
    };
    assert!(
        login.status.success(),
        "{}",
        String::from_utf8_lossy(&login.stderr)
    );
    assert!(aicc(&env, home.path(), &["sync"])?.status.success());

    // The center goes away: the request is queued, and says so.
    let address = portal.address().to_owned();
    portal.stop()?;
    let submit = [
        "--json",
        "jobs",
        "submit",
        "--name",
        "from the terminal",
        "--model",
        "resnet50",
        "--dataset",
        "obs://demo-robotics/defects",
        "--pool",
        "atlas-800t-a2",
        "--max-hours",
        "0.1",
    ];
    let queued = aicc(&env, home.path(), &submit)?;
    assert_eq!(
        queued.status.code(),
        Some(6),
        "queued, not sent: {}",
        String::from_utf8_lossy(&queued.stderr)
    );
    assert!(String::from_utf8_lossy(&queued.stderr).contains("aicc sync"));
    let view: serde_json::Value = serde_json::from_slice(&queued.stdout)?;
    assert!(view["outbox"].is_object(), "waiting in the outbox: {view}");

    // Back: `aicc sync` sends it once, however often it runs.
    let portal = Portal::start_on(&env, &data, &address)?;
    for _ in 0..2 {
        let synced = aicc(&env, home.path(), &["sync"])?;
        assert!(
            synced.status.success(),
            "{}",
            String::from_utf8_lossy(&synced.stderr)
        );
    }
    assert_eq!(
        portal.job_count().await?,
        1,
        "exactly one job reached the center"
    );

    // The app, opened on the same account, shows the job.
    let driver = Driver::start(&env, home.path())?;
    let app = driver.launch().await?;
    open(&app, "/jobs").await?;
    wait_for_text(&app, "[data-testid=job-list]", |t| {
        t.contains("from the terminal")
    })
    .await?;
    app.close().await?;
    Ok(())
}

#[tokio::test]
async fn a_job_ending_at_the_center_not_shown_is_notified_naming_it_and_a_click_shows_it()
-> anyhow::Result<()> {
    let _turn = aicc_e2e::one_app_at_a_time().await;
    let env = Env::from_env()?;
    let recorder = NotificationRecorder::start().await?;
    let home = tempfile::tempdir()?;
    let first = Portal::start_named(
        &env,
        &home.path().join("first"),
        "Jinghai AI Computing Center",
        "静海人工智能计算中心",
    )?;
    let second = Portal::start_named(
        &env,
        &home.path().join("second"),
        "Binhai AI Computing Center",
        "滨海人工智能计算中心",
    )?;
    let driver = Driver::start(&env, home.path())?;
    let app = driver.launch().await?;
    sign_in(&app, &first.url, "partner@demo.aicc", "demo-password").await?;
    find(&app, "[data-testid=sync-status][data-state=up_to_date]").await?;
    aicc_e2e::choose(&app, "[data-testid=account-switcher]", "add").await?;
    sign_in(&app, &second.url, "partner@demo.aicc", "demo-password").await?;
    // Each center named as it names itself.
    wait_for_text(&app, "[data-testid=account-switcher]", |t| {
        t.contains("Binhai AI Computing Center") && t.contains("Jinghai AI Computing Center")
    })
    .await?;
    find(&app, "[data-testid=sync-status][data-state=up_to_date]").await?;

    // A job at the first center, while the second is shown.
    let _: serde_json::Value = first
        .as_partner(
            reqwest::Method::POST,
            "/v1/jobs",
            Some(aicc_e2e::fixtures::small_job(
                "weld seams at the first center",
            )),
        )
        .await?;
    let sent = recorder
        .wait_for("weld seams at the first center", Duration::from_secs(120))
        .await?;
    assert_eq!(sent.summary, "Training job succeeded");
    assert!(
        sent.body.ends_with(" · Jinghai AI Computing Center"),
        "names its center: {}",
        sent.body
    );
    screenshot(&app, &env, "two-centers-en").await?;

    // The click shows the first center, on the job.
    recorder.click(&sent).await?;
    wait_for_text(&app, "[data-testid=job-page] h2", |t| {
        t == "weld seams at the first center"
    })
    .await?;
    let shown = find(&app, "[data-testid=account-switcher]")
        .await?
        .prop("value")
        .await?;
    assert_eq!(shown.as_deref(), Some("0"));
    assert_eq!(recorder.about("weld seams at the first center").len(), 1);

    // Both centers' compute side by side, live, each pool with its chart.
    open(&app, "/compute").await?;
    aicc_e2e::drawn(
        &app,
        "[data-testid=pool-chart]:not([data-points='0']) canvas",
        "--accent",
    )
    .await?;
    for _ in 0..100 {
        let live = app
            .find_all(fantoccini::Locator::Css(
                "[data-testid=center-compute][data-live=true]",
            ))
            .await?;
        if live.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let cards = app
        .find_all(fantoccini::Locator::Css(
            "[data-testid=center-compute][data-live=true]",
        ))
        .await?;
    assert_eq!(cards.len(), 2, "both centers live");
    for (language, theme) in aicc_e2e::LOOKS {
        aicc_e2e::look(&app, language, theme).await?;
        open(&app, "/compute").await?;
        find(&app, "[data-testid=pool-chart] canvas").await?;
        screenshot(&app, &env, &format!("compute-{language}-{theme}")).await?;
    }
    app.close().await?;
    Ok(())
}

#[tokio::test]
async fn the_form_suggests_the_idle_center_and_the_job_runs_there() -> anyhow::Result<()> {
    let _turn = aicc_e2e::one_app_at_a_time().await;
    let env = Env::from_env()?;
    let home = tempfile::tempdir()?;
    let busy = Portal::start_named(
        &env,
        &home.path().join("busy"),
        "Binhai AI Computing Center",
        "滨海人工智能计算中心",
    )?;
    let idle = Portal::start_named(
        &env,
        &home.path().join("idle"),
        "Jinghai AI Computing Center",
        "静海人工智能计算中心",
    )?;
    let driver = Driver::start(&env, home.path())?;
    let app = driver.launch().await?;
    sign_in(&app, &idle.url, "partner@demo.aicc", "demo-password").await?;
    find(&app, "[data-testid=sync-status][data-state=up_to_date]").await?;
    aicc_e2e::choose(&app, "[data-testid=account-switcher]", "add").await?;
    sign_in(&app, &busy.url, "partner@demo.aicc", "demo-password").await?;
    wait_for_text(&app, "[data-testid=account-switcher]", |t| {
        t.contains("Binhai AI Computing Center")
    })
    .await?;
    find(&app, "[data-testid=sync-status][data-state=up_to_date]").await?;
    // The busy center's big pool is full for hours.
    let mut filler = aicc_e2e::fixtures::small_job("pretraining that fills the pool");
    filler["nodes"] = 8.into();
    filler["npus_per_node"] = 8.into();
    filler["max_hours"] = 8.0.into();
    let _: serde_json::Value = busy
        .as_partner(reqwest::Method::POST, "/v1/jobs", Some(filler))
        .await?;

    open(&app, "/jobs/new?model=resnet50").await?;
    find(&app, "[data-testid=job-form]").await?;
    type_into(&app, "input[name=name]", "defects at the idle center").await?;
    type_into(&app, "input[name=dataset]", "obs://demo-robotics/defects").await?;
    type_into(&app, "input[name=max-hours]", "0.2").await?;
    let suggested = format!(
        "[data-testid=where-to-run] tr[data-suggested=true][data-center='{}']",
        idle.address()
    );
    find_within(&app, &suggested, Duration::from_secs(60)).await?;
    let show_table = "document.querySelector('[data-testid=where-to-run]').scrollIntoView()";
    app.execute(show_table, vec![]).await?;
    screenshot(&app, &env, "where-to-run-en-light").await?;
    // In Chinese and dark, the form comes back as typed (its draft).
    open(&app, "/settings").await?;
    aicc_e2e::choose(&app, "select[name=language]", "zh-CN").await?;
    aicc_e2e::choose(&app, "select[name=theme]", "dark").await?;
    find(&app, "html[lang='zh-CN'][data-theme=dark]").await?;
    open(&app, "/jobs/new?model=resnet50").await?;
    find_within(&app, &suggested, Duration::from_secs(60)).await?;
    app.execute(show_table, vec![]).await?;
    screenshot(&app, &env, "where-to-run-zh-CN-dark").await?;

    find(&app, &format!("{suggested} [data-testid=send-there]"))
        .await?
        .click()
        .await?;
    wait_for_text(&app, "[data-testid=job-page] h2", |t| {
        t == "defects at the idle center"
    })
    .await?;
    find_within(
        &app,
        "[data-testid=job-state][data-state=succeeded]",
        Duration::from_secs(150),
    )
    .await?;
    let shown = find(&app, "[data-testid=account-switcher]")
        .await?
        .prop("value")
        .await?;
    assert_eq!(shown.as_deref(), Some("0"), "the idle center is shown");
    assert_eq!(idle.job_count().await?, 1, "sent once, to the idle center");
    assert_eq!(
        busy.job_count().await?,
        1,
        "only the filler at the busy one"
    );
    app.close().await?;
    Ok(())
}
