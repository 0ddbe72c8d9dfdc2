//! The app by keyboard alone: sign in, search a model, open it, start a
//! training request from it, fill it in, send it and land on the job —
//! without a single mouse event, moving by Tab as a person does; the
//! shortcuts are listed on `?`.

use aicc_e2e::{Driver, Env, Portal, find, wait_for_text};
use fantoccini::Client;
use fantoccini::key::Key;

/// Types `text` where the focus is.
async fn keys(app: &Client, text: &str) -> anyhow::Result<()> {
    app.active_element().await?.send_keys(text).await?;
    Ok(())
}

/// Presses Tab until the focus is on the element matching `css`, as a
/// person moves through a screen; fails when it is never reached.
async fn tab_to(app: &Client, css: &str) -> anyhow::Result<()> {
    for _ in 0..80 {
        let there = app
            .execute(
                "return document.activeElement?.matches(arguments[0]) ?? false;",
                vec![css.into()],
            )
            .await?;
        if there.as_bool() == Some(true) {
            return Ok(());
        }
        keys(app, &Key::Tab.to_string()).await?;
    }
    anyhow::bail!("{css} is not reached by Tab")
}

/// Replaces what the focused field holds with `text`.
async fn retype(app: &Client, text: &str) -> anyhow::Result<()> {
    keys(app, &format!("{}a{}", Key::Control, Key::Null)).await?;
    keys(app, &format!("{}{text}", Key::Backspace)).await
}

#[tokio::test]
async fn sign_in_find_a_model_ask_to_train_it_and_go_anywhere_by_keyboard_alone()
-> anyhow::Result<()> {
    let _turn = aicc_e2e::one_app_at_a_time().await;
    let env = Env::from_env()?;
    let home = tempfile::tempdir()?;
    let data = home.path().join("portal");
    let portal = Portal::start_demo(&env, &data)?;
    let driver = Driver::start(&env, home.path())?;
    let app = driver.launch().await?;

    // The sign-in screen opens with its first field ready.
    find(&app, "input[name=center]:focus").await?;
    keys(&app, &portal.url).await?;
    tab_to(&app, "input[name=email]").await?;
    keys(&app, "partner@demo.aicc").await?;
    tab_to(&app, "input[name=password]").await?;
    keys(&app, &format!("demo-password{}", Key::Enter)).await?;
    find(&app, "[data-testid=sync-status][data-state=up_to_date]").await?;

    // ? lists the shortcuts; Escape puts them away.
    keys(&app, "?").await?;
    find(&app, "[data-testid=shortcuts]").await?;
    keys(&app, &Key::Escape.to_string()).await?;
    aicc_e2e::find_gone(&app, "[data-testid=shortcuts]").await?;

    // Ctrl+K searches the catalog; arrows choose, Enter opens.
    keys(&app, &format!("{}k{}", Key::Control, Key::Null)).await?;
    find(&app, "input[name=search]:focus").await?;
    keys(&app, "resnet50").await?;
    find(&app, "[data-testid=catalog-list] [data-model-id=resnet50]").await?;
    keys(&app, &Key::Enter.to_string()).await?;
    find(&app, "[data-testid=model-card] h1").await?;

    // The model's training request, filled and sent.
    tab_to(&app, "[data-testid=train]").await?;
    keys(&app, &Key::Enter.to_string()).await?;
    find(&app, "[data-testid=job-form]").await?;
    tab_to(&app, "input[name=name]").await?;
    retype(&app, "defects by keyboard").await?;
    tab_to(&app, "input[name=dataset]").await?;
    retype(&app, "obs://demo-robotics/defects").await?;
    tab_to(&app, "input[name=max-hours]").await?;
    retype(&app, "0.2").await?;
    tab_to(&app, "button[type=submit]:not([disabled])").await?;
    keys(&app, &Key::Enter.to_string()).await?;
    wait_for_text(&app, "[data-testid=job-page] h2", |t| {
        t.contains("defects by keyboard")
    })
    .await?;

    // Ctrl+P goes anywhere: a screen by its name, then the job by its own.
    keys(&app, &format!("{}p{}", Key::Control, Key::Null)).await?;
    find(&app, "[data-testid=palette] input:focus").await?;
    keys(&app, "compute").await?;
    find(
        &app,
        "[data-testid=palette] [aria-selected=true][data-entry='screen-/compute']",
    )
    .await?;
    keys(&app, &Key::Enter.to_string()).await?;
    find(&app, "[data-testid=pool]").await?;
    keys(&app, &format!("{}p{}", Key::Control, Key::Null)).await?;
    keys(&app, "by keyboard").await?;
    find(
        &app,
        "[data-testid=palette] [aria-selected=true][data-entry^=job-]",
    )
    .await?;
    keys(&app, &Key::Enter.to_string()).await?;
    wait_for_text(&app, "[data-testid=job-page] h2", |t| {
        t.contains("defects by keyboard")
    })
    .await?;
    app.close().await?;
    Ok(())
}
