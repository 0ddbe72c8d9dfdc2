//! A partner signs in, finds models, keeps favourites, and keeps working
//! when the center is unreachable; the app speaks Chinese when asked; a
//! hostile model card stays inert.

use aicc_e2e::{
    Driver, Env, Portal, choose, click, find, find_within, screenshot, sign_in, type_into,
    wait_for_text,
};
use fantoccini::key::Key;

#[tokio::test]
async fn catalog_syncs_from_the_portal_and_stays_visible_offline() -> anyhow::Result<()> {
    let _turn = aicc_e2e::one_app_at_a_time().await;
    let env = Env::from_env()?;
    let home = tempfile::tempdir()?;
    let data = home.path().join("portal");
    let mut portal = Portal::start_demo(&env, &data)?;
    let driver = Driver::start(&env, home.path())?;

    let app = driver.launch().await?;
    sign_in(&app, &portal.url, "partner@demo.aicc", "not-the-password").await?;
    let alert = find(&app, "[role=alert]").await?.text().await?;
    assert!(alert.contains("Wrong e-mail or password"), "{alert}");
    assert_eq!(
        find(&app, "input[name=center]")
            .await?
            .prop("value")
            .await?
            .as_deref(),
        Some(portal.url.as_str()),
        "a failed sign-in keeps what was typed"
    );
    type_into(&app, "input[name=password]", "demo-password").await?;
    click(&app, "button[type=submit]").await?;

    find(&app, "[data-testid=sync-status][data-state=up_to_date]").await?;
    // Every model the center serves is in the local catalog.
    let served = format!("{} models", portal.catalog_size().await?);
    wait_for_text(&app, "[data-testid=catalog-count]", |t| t.contains(&served)).await?;
    find(&app, "[data-model-id=alexnet]").await?;

    // Search, then narrow to Ascend hardware: the exact name comes first.
    type_into(&app, "input[name=search]", "resnet").await?;
    click(&app, "[data-facet=hardware][data-value='Atlas 800T A2']").await?;
    wait_for_text(&app, "[data-testid=catalog-count]", |t| {
        !t.contains(&served)
    })
    .await?;
    let url = app.current_url().await?;
    assert!(
        url.fragment()
            .unwrap_or_default()
            .contains("hardware=Atlas"),
        "{url}"
    );
    // Back and forward step through the filters.
    app.back().await?;
    find(
        &app,
        "[data-facet=hardware][data-value='Atlas 800T A2']:not([aria-pressed=true])",
    )
    .await?;
    app.forward().await?;
    find(
        &app,
        "[data-facet=hardware][data-value='Atlas 800T A2'][aria-pressed=true]",
    )
    .await?;
    type_into(&app, "input[name=search]", "resnet50").await?;
    click(&app, "#model-0[data-model-id=resnet50]").await?;
    // The page shows its back link at once and the model once it is read.
    wait_for_text(&app, "[data-testid=model-page]", |page| {
        page.contains("Image Classification") && page.contains("Atlas 800T A2")
    })
    .await?;
    click(&app, "[data-testid=favourite][aria-pressed=false]").await?;
    find(&app, "[data-testid=favourite][aria-pressed=true]").await?;
    // The favourite reaches the account, for the partner's other computers.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while portal.favourites().await? != ["resnet50"] {
        assert!(
            std::time::Instant::now() < deadline,
            "the favourite never reached the account"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    screenshot(&app, &env, "model-en-light").await?;
    app.back().await?;
    // Esc clears the search; the filter stays.
    find(&app, "input[name=search]")
        .await?
        .send_keys(&Key::Escape.to_string())
        .await?;
    click(&app, "[data-facet=hardware][data-value='Atlas 800T A2']").await?;
    wait_for_text(&app, "[data-testid=catalog-count]", |t| t.contains(&served)).await?;
    find(&app, "[data-model-id=alexnet]").await?;
    screenshot(&app, &env, "catalog").await?;
    app.close().await?;

    // The center goes away: the app still browses, searches and opens models.
    let address = portal.address().to_owned();
    portal.stop()?;
    let app = driver.launch().await?;
    find(&app, "[data-testid=sync-status][data-state=offline]").await?;
    wait_for_text(&app, "[data-testid=catalog-count]", |t| t.contains(&served)).await?;
    click(&app, "input[name=favourites]").await?;
    find(&app, "#model-0[data-model-id=resnet50]").await?;
    wait_for_text(&app, "[data-testid=catalog-count]", |t| {
        t.contains("1 model")
    })
    .await?;
    click(&app, "input[name=favourites]").await?;
    type_into(&app, "input[name=search]", "densenet121").await?;
    click(&app, "#model-0[data-model-id=densenet121]").await?;
    find(&app, "[data-testid=model-card] h1").await?;
    screenshot(&app, &env, "catalog-offline").await?;

    // The center comes back: the app notices by itself (its retries back off
    // to at most a minute).
    let _portal = Portal::start_on(&env, &data, &address)?;
    find_within(
        &app,
        "[data-testid=sync-status][data-state=up_to_date]",
        std::time::Duration::from_secs(90),
    )
    .await?;
    app.close().await?;
    Ok(())
}

#[tokio::test]
async fn the_app_speaks_chinese_when_asked_and_remembers_it() -> anyhow::Result<()> {
    let _turn = aicc_e2e::one_app_at_a_time().await;
    let env = Env::from_env()?;
    let home = tempfile::tempdir()?;
    let portal = Portal::start_demo(&env, &home.path().join("portal"))?;
    let driver = Driver::start(&env, home.path())?;
    let app = driver.launch().await?;
    sign_in(&app, &portal.url, "partner@demo.aicc", "demo-password").await?;
    find(&app, "[data-testid=sync-status][data-state=up_to_date]").await?;
    click(&app, "a[href='#/settings']").await?;
    choose(&app, "select[name=language]", "zh-CN").await?;
    wait_for_text(&app, "#settings-title", |t| t == "设置").await?;
    click(&app, "a[href='#/']").await?;
    find(&app, "[data-model-id=alexnet]").await?;
    screenshot(&app, &env, "catalog-zh-light").await?;
    click(&app, "a[href='#/settings']").await?;
    choose(&app, "select[name=theme]", "dark").await?;
    app.close().await?;

    let app = driver.launch().await?;
    wait_for_text(&app, "#catalog-title", |t| t == "模型目录").await?;
    find(&app, "[data-model-id=alexnet]").await?;
    screenshot(&app, &env, "catalog-zh-dark").await?;
    type_into(&app, "input[name=search]", "qwen3-32b").await?;
    click(&app, "#model-0[data-model-id='qwen3-32b']").await?;
    // The recommended cluster, in Chinese.
    wait_for_text(&app, "[data-testid=model-page]", |page| {
        page.contains("2 节点 × 8 卡")
    })
    .await?;
    screenshot(&app, &env, "model-zh-dark").await?;
    app.close().await?;
    Ok(())
}

#[tokio::test]
async fn a_hostile_model_card_renders_inert() -> anyhow::Result<()> {
    let _turn = aicc_e2e::one_app_at_a_time().await;
    let env = Env::from_env()?;
    let home = tempfile::tempdir()?;
    let data = home.path().join("portal");
    let portal = Portal::start_demo(&env, &data)?;
    let models = home.path().join("hostile.json");
    std::fs::write(
        &models,
        serde_json::json!([{
            "id": "hostile", "name": "Hostile card", "provider": "Unknown", "task": "Image Classification",
            "domain": "Image", "industries": [], "framework": "onnx", "hardware": [], "parameters": null,
            "license": "MIT", "versions": [], "metrics": [], "recipes": [],
            "card": "# Hostile\n\n<script>window.pwned = 'script'</script>\n\n<img src=x onerror=\"window.pwned = 'img'\">\n\n[press me](javascript:window.pwned='link')\n\n<a href=\"https://example.cn\" onmouseover=\"window.pwned='hover'\">hover</a>",
            "source_url": null, "downloads": 0, "stars": 0, "updated_at": "2026-11-27T00:00:00Z"
        }])
        .to_string(),
    )?;
    Portal::admin(
        &env,
        &data,
        &["import-models", models.to_str().unwrap_or_default()],
    )?;
    let driver = Driver::start(&env, home.path())?;
    let app = driver.launch().await?;
    sign_in(&app, &portal.url, "partner@demo.aicc", "demo-password").await?;
    find(&app, "[data-testid=sync-status][data-state=up_to_date]").await?;
    type_into(&app, "input[name=search]", "hostile").await?;
    click(&app, "#model-0[data-model-id=hostile]").await?;
    let card = find(&app, "[data-testid=model-card]").await?;
    let html = card.html(true).await?;
    assert!(
        !html.contains("<script") && !html.contains("onerror") && !html.contains("javascript:"),
        "{html}"
    );
    for link in card.find_all(fantoccini::Locator::Css("a")).await? {
        link.click().await?;
    }
    let pwned = app
        .execute(
            "return window.pwned === undefined ? null : String(window.pwned);",
            vec![],
        )
        .await?;
    assert_eq!(
        pwned,
        serde_json::Value::Null,
        "no script from the catalog ran"
    );
    app.close().await?;
    Ok(())
}

#[tokio::test]
async fn an_unreachable_center_is_named_as_such() -> anyhow::Result<()> {
    let _turn = aicc_e2e::one_app_at_a_time().await;
    let env = Env::from_env()?;
    let home = tempfile::tempdir()?;
    let closed = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    let driver = Driver::start(&env, home.path())?;
    let app = driver.launch().await?;
    sign_in(
        &app,
        &format!("http://{closed}"),
        "partner@demo.aicc",
        "demo-password",
    )
    .await?;
    let alert = find(&app, "[role=alert]").await?.text().await?;
    assert!(alert.contains("cannot be reached"), "{alert}");
    app.close().await?;
    Ok(())
}
