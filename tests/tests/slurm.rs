//! The app against a portal whose jobs run on a real Slurm cluster (the one
//! `cargo xtask test` starts): a partner asks for NPU time, sees the job
//! queue and run on the cluster with its log and chart, is told while the
//! center cannot reach its cluster, and is notified when the job ends.

use std::time::Duration;

use aicc_e2e::{
    Driver, Env, NotificationRecorder, Portal, Relay, SlurmCluster, SlurmInterface, choose, find,
    find_gone, find_within, open, screenshot, sign_in, type_into, wait_for_text,
};
use anyhow::Context as _;

#[tokio::test]
async fn a_request_from_the_app_runs_on_slurm_and_its_end_is_notified() -> anyhow::Result<()> {
    let _turn = aicc_e2e::one_app_at_a_time().await;
    let env = Env::from_env()?;
    let recorder = NotificationRecorder::start().await?;
    let home = tempfile::tempdir()?;
    let cluster = SlurmCluster::from_env()?;
    let relay = Relay::to(&cluster.rest_url);
    let config = cluster.portal_config(home.path(), SlurmInterface::Rest(&relay.url))?;
    let portal = Portal::start_configured(&env.portal, &home.path().join("portal"), &config)?;
    let driver = Driver::start(&env, home.path())?;
    let app = driver.launch().await?;
    sign_in(&app, &portal.url, "partner@demo.aicc", "demo-password").await?;
    find(&app, "[data-testid=sync-status][data-state=up_to_date]").await?;

    open(&app, "/models/resnet50").await?;
    find(&app, "[data-testid=train]").await?.click().await?;
    find(&app, "[data-testid=job-form]").await?;
    choose(&app, "select[name=pool]", "npu").await?;
    type_into(&app, "input[name=name]", "resnet50 on slurm").await?;
    type_into(&app, "input[name=dataset]", "obs://demo-robotics/defects").await?;
    type_into(&app, "input[name=nodes]", "1").await?;
    type_into(&app, "input[name=npus-per-node]", "2").await?;
    type_into(&app, "input[name=max-hours]", "1").await?;
    find(&app, "button[type=submit]:not([disabled])")
        .await?
        .click()
        .await?;

    find_within(
        &app,
        "[data-testid=job-state][data-state=running]",
        Duration::from_secs(60),
    )
    .await?;
    wait_for_text(&app, "[data-testid=job-log]", |log| {
        log.contains("(Slurm job ") && log.contains("step=")
    })
    .await?;
    screenshot(&app, &env, "job-on-slurm-en").await?;

    // The cluster stops answering: the page says since when the state is
    // unknown, in either language, and recovers by itself.
    relay.cut();
    find_within(&app, "[data-testid=state-unknown]", Duration::from_secs(30)).await?;
    screenshot(&app, &env, "job-state-unknown-en-light").await?;
    let page = app
        .execute("return location.hash.slice(1);", vec![])
        .await?
        .as_str()
        .context("the app's route")?
        .to_owned();
    open(&app, "/settings").await?;
    choose(&app, "select[name=language]", "zh-CN").await?;
    choose(&app, "select[name=theme]", "dark").await?;
    find(&app, "html[lang='zh-CN'][data-theme=dark]").await?;
    open(&app, &page).await?;
    wait_for_text(&app, "[data-testid=state-unknown]", |t| {
        t.contains("无法连接其集群")
    })
    .await?;
    screenshot(&app, &env, "job-state-unknown-zh-CN-dark").await?;
    relay.mend();
    find_gone(&app, "[data-testid=state-unknown]").await?;
    find_within(
        &app,
        "[data-testid=job-state][data-state=succeeded]",
        Duration::from_secs(90),
    )
    .await?;
    find(
        &app,
        "[data-testid=metrics-chart]:not([data-points='0']) canvas",
    )
    .await?;
    let sent = recorder
        .wait_for("resnet50 on slurm", Duration::from_secs(30))
        .await?;
    assert_eq!(sent.summary, "训练任务已完成");
    assert_eq!(portal.job_count().await?, 1);
    app.close().await?;
    Ok(())
}
