//! Accounts as people meet them: a partner admin invites a colleague from
//! Settings, the colleague signs in with the code and is offered nothing
//! their role may not do; and on a desktop with no keyring the app signs
//! in for this session only and says so, instead of failing.

use aicc_e2e::{
    BusWithoutKeyring, Driver, Env, Portal, choose, click, find, find_gone, look, open, screenshot,
    sign_in, type_into, wait_for_text,
};

async fn scroll_to(app: &fantoccini::Client, css: &str) -> anyhow::Result<()> {
    app.execute(
        "const e = document.querySelector(arguments[0]); const main = e.closest('main'); \
         main.scrollTop += e.getBoundingClientRect().top - main.getBoundingClientRect().top - 24;",
        vec![css.into()],
    )
    .await?;
    Ok(())
}

#[tokio::test]
async fn a_partner_admin_invites_a_colleague_who_signs_in_with_the_code_as_a_member()
-> anyhow::Result<()> {
    let _turn = aicc_e2e::one_app_at_a_time().await;
    let env = Env::from_env()?;
    let home = tempfile::tempdir()?;
    let portal = Portal::start_demo(&env, &home.path().join("portal"))?;
    let driver = Driver::start(&env, home.path())?;
    let app = driver.launch().await?;
    sign_in(&app, &portal.url, "partner@demo.aicc", "demo-password").await?;
    find(&app, "[data-testid=sync-status][data-state=up_to_date]").await?;

    look(&app, "en", "light").await?;
    find(&app, "[data-testid=member-row] select").await?;
    type_into(&app, "input[name=invite-name]", "Wang Fang").await?;
    type_into(&app, "input[name=invite-email]", "wang.fang@demo.aicc").await?;
    click(&app, "[data-testid=members] button[type=submit]").await?;
    let code = find(&app, "[data-testid=invitation-code] input")
        .await?
        .prop("value")
        .await?
        .unwrap_or_default();
    assert!(code.len() > 20, "a one-time code is shown: {code:?}");
    wait_for_text(&app, "[data-testid=invitation-row]", |t| {
        t.contains("wang.fang@demo.aicc")
    })
    .await?;
    scroll_to(&app, "[data-testid=members]").await?;
    screenshot(&app, &env, "members-admin-en-light").await?;
    look(&app, "zh-CN", "dark").await?;
    scroll_to(&app, "[data-testid=members]").await?;
    screenshot(&app, &env, "members-admin-zh-CN-dark").await?;

    // The colleague, on this machine for the demo, adds their account
    // with the code and the password they choose.
    choose(&app, "[data-testid=account-switcher]", "add").await?;
    type_into(&app, "input[name=center]", &portal.url).await?;
    click(&app, "[data-testid=invited]").await?;
    type_into(&app, "input[name=code]", &code).await?;
    type_into(&app, "input[name=password]", "weld-seams-2026").await?;
    screenshot(&app, &env, "sign-in-invited-zh-CN-dark").await?;
    click(&app, "button[type=submit]").await?;
    find(&app, "[data-testid=sync-status]").await?;
    wait_for_text(&app, "[data-testid=account-switcher]", |t| {
        t.contains("wang.fang@demo.aicc")
    })
    .await?;

    // As a member they see who belongs, and no admin's controls.
    open(&app, "/settings").await?;
    wait_for_text(&app, "[data-testid=members]", |t| t.contains("Wang Fang")).await?;
    find_gone(&app, "[data-testid=members] select").await?;
    find_gone(&app, "input[name=invite-email]").await?;
    scroll_to(&app, "[data-testid=members]").await?;
    screenshot(&app, &env, "members-member-zh-CN-dark").await?;
    look(&app, "en", "light").await?;
    scroll_to(&app, "[data-testid=members]").await?;
    screenshot(&app, &env, "members-member-en-light").await?;

    // The code worked once.
    let again = reqwest::Client::new()
        .post(format!("{}/v1/auth/invitations/accept", portal.url))
        .json(&serde_json::json!({"code": code, "password": "another-password"}))
        .send()
        .await?;
    assert_eq!(again.status(), reqwest::StatusCode::UNAUTHORIZED);
    app.close().await?;
    Ok(())
}

#[tokio::test]
async fn without_a_keyring_the_app_signs_in_for_this_session_only_and_says_so() -> anyhow::Result<()>
{
    let _turn = aicc_e2e::one_app_at_a_time().await;
    let env = Env::from_env()?;
    let home = tempfile::tempdir()?;
    let portal = Portal::start_demo(&env, &home.path().join("portal"))?;
    let bus = BusWithoutKeyring::start()?;
    let driver = Driver::start_with(
        &env,
        home.path(),
        &[("DBUS_SESSION_BUS_ADDRESS", bus.address.as_str())],
    )?;
    let app = driver.launch().await?;
    sign_in(&app, &portal.url, "partner@demo.aicc", "demo-password").await?;
    let offer = find(&app, "[data-testid=no-keyring]").await?.text().await?;
    assert!(offer.contains("keyring"), "{offer}");
    screenshot(&app, &env, "no-keyring-en-light").await?;
    click(&app, "[data-testid=no-keyring] button").await?;
    find(&app, "[data-testid=sync-status][data-state=up_to_date]").await?;
    let banner = find(&app, "[data-testid=session-only]")
        .await?
        .text()
        .await?;
    assert!(banner.contains("this session only"), "{banner}");
    screenshot(&app, &env, "session-only-en-light").await?;
    look(&app, "zh-CN", "dark").await?;
    open(&app, "/").await?;
    wait_for_text(&app, "[data-testid=session-only]", |t| {
        t.contains("仅本次运行")
    })
    .await?;
    screenshot(&app, &env, "session-only-zh-CN-dark").await?;

    // Nothing of the sign-in reached a file.
    for file in walk(home.path()) {
        if file.starts_with(home.path().join("portal")) {
            continue;
        }
        let bytes = std::fs::read(&file).unwrap_or_default();
        assert!(
            !holds_a_refresh_token(&bytes),
            "{} holds a refresh token",
            file.display()
        );
    }
    app.close().await?;
    Ok(())
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// Whether `bytes` hold something shaped like a refresh token: `art_` and
/// 43 characters of URL-safe base64, standing on its own.
fn holds_a_refresh_token(bytes: &[u8]) -> bool {
    let base64 = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    bytes.windows(4).enumerate().any(|(at, window)| {
        let rest = &bytes[at + 4..];
        window == b"art_"
            && (at == 0 || !base64(bytes[at - 1]))
            && rest.len() >= 43
            && rest[..43].iter().all(|b| base64(*b))
            && rest.get(43).is_none_or(|b| !base64(*b))
    })
}
