//! A partner signs in, the catalog syncs from the center, and it stays
//! there when the center is unreachable.

use aicc_e2e::{Driver, Env, Portal, find, screenshot, type_into, wait_for_text};
use fantoccini::key::Key;

#[tokio::test]
async fn catalog_syncs_from_the_portal_and_stays_visible_offline() -> anyhow::Result<()> {
    let env = Env::from_env()?;
    let home = tempfile::tempdir()?;
    let mut portal = Portal::start_demo(&env, &home.path().join("portal"))?;
    let driver = Driver::start(&env, home.path())?;

    let app = driver.launch().await?;
    type_into(&app, "input[name=center]", &portal.url).await?;
    type_into(&app, "input[name=email]", "partner@demo.aicc").await?;
    type_into(&app, "input[name=password]", "not-the-password").await?;
    find(&app, "button[type=submit]").await?.click().await?;
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
    find(&app, "button[type=submit]").await?.click().await?;

    find(&app, "[data-testid=sync-status][data-state=up_to_date]").await?;
    // Every model the center serves is in the local catalog.
    let served = format!("of {} models", portal.catalog_size().await?);
    wait_for_text(&app, "[data-testid=catalog-count]", |t| t.contains(&served)).await?;
    find(&app, "[data-model-id=alexnet]").await?;
    type_into(&app, "input[name=search]", "resnet50").await?;
    // The model named exactly as typed comes first.
    let row = find(
        &app,
        "[data-testid=catalog-list] li:first-child[data-model-id=resnet50]",
    )
    .await?;
    assert!(row.text().await?.contains("Image Classification"));
    // Esc clears the search.
    find(&app, "input[name=search]")
        .await?
        .send_keys(&Key::Escape.to_string())
        .await?;
    wait_for_text(&app, "[data-testid=catalog-count]", |t| t.contains(&served)).await?;
    find(&app, "[data-model-id=alexnet]").await?;
    screenshot(&app, &env, "catalog").await?;
    app.close().await?;

    portal.stop()?;
    let app = driver.launch().await?;
    find(&app, "[data-testid=sync-status][data-state=offline]").await?;
    wait_for_text(&app, "[data-testid=catalog-count]", |t| t.contains(&served)).await?;
    type_into(&app, "input[name=search]", "densenet121").await?;
    find(&app, "[data-model-id=densenet121]").await?;
    screenshot(&app, &env, "catalog-offline").await?;
    app.close().await?;
    Ok(())
}
