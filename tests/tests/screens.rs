//! Every screen, in both languages and both themes, with real data from a
//! demo portal: the screenshots the README and reviewers look at.

use aicc_e2e::{
    Driver, Env, Portal, click, find, open, rounded_scrolling_areas, screenshot, sign_in, type_into,
};
use reqwest::Method;
use serde_json::json;

/// The screens, as a route and the element that says it has rendered.
fn screens(job: &str, application: &str) -> Vec<(&'static str, String, &'static str)> {
    vec![
        // The rows and the filters, which follow the results.
        (
            "catalog",
            "/".into(),
            "section.catalog:has([data-facet=task]) [data-model-id=alexnet]",
        ),
        (
            "model",
            "/models/qwen3-32b".into(),
            "[data-testid=model-card] h1",
        ),
        ("jobs", "/jobs".into(), "[data-testid=job-list]"),
        (
            "job-form",
            "/jobs/new?model=qwen3-32b".into(),
            "[data-testid=job-form] select[name=pool] option",
        ),
        (
            "job",
            format!("/jobs/{job}"),
            "[data-testid=metrics-chart] canvas",
        ),
        (
            "applications",
            "/applications".into(),
            "[data-testid=application-list]",
        ),
        (
            "application-form",
            "/applications/new".into(),
            "[data-testid=application-form]",
        ),
        (
            "application",
            format!("/applications/{application}"),
            "[data-testid=application-state][data-state=changes_requested]",
        ),
        ("settings", "/settings".into(), "select[name=language]"),
    ]
}

#[tokio::test]
async fn every_screen_in_both_languages_and_both_themes() -> anyhow::Result<()> {
    let _turn = aicc_e2e::one_app_at_a_time().await;
    let env = Env::from_env()?;
    let home = tempfile::tempdir()?;
    let data = home.path().join("portal");
    let portal = Portal::start_demo(&env, &data)?;

    // A finished fine-tune and an application the reviewer sent back.
    let job: serde_json::Value = portal
        .as_partner(
            Method::POST,
            "/v1/jobs",
            Some(json!({
                "name": "Qwen3-32B LoRA · customer service",
                "base_model": { "model_id": "qwen3-32b", "version": null },
                "custom_image": null,
                "dataset_uri": "obs://demo-robotics/support-dialogues",
                "pool_id": "atlas-800t-a2",
                "nodes": 2,
                "npus_per_node": 8,
                "max_hours": 0.5,
                "hyperparameters": { "learning_rate": 0.0001, "lora_rank": 16 },
                "priority": "normal",
                "note": ""
            })),
        )
        .await?;
    let job = job["id"].as_str().unwrap_or_default().to_owned();
    let application: serde_json::Value = portal
        .as_partner(
            Method::POST,
            "/v1/applications",
            Some(json!({
                "organisation_name": "Demo Robotics",
                "uscc": "914403001922038216",
                "organisation_kind": "incubated_startup",
                "contact_name": "Li Wei",
                "contact_email": "li.wei@robotics.example.cn",
                "contact_phone": "+86 311 8888 6666",
                "industries": ["manufacturing"],
                "solution_name": "Weld seam inspection",
                "solution_description": "Finds weld defects on the line with ResNet-50 on Atlas 300I Duo.",
                "target_hardware": ["Atlas 300I Duo"],
                "frameworks": ["MindSpore"],
                "tier": "certified"
            })),
        )
        .await?;
    let application = application["id"].as_str().unwrap_or_default().to_owned();
    portal
        .as_partner::<serde_json::Value>(
            Method::POST,
            &format!("/v1/applications/{application}/submit"),
            None,
        )
        .await?;
    let driver = Driver::start(&env, home.path())?;
    let app = driver.launch().await?;
    find(&app, "input[name=center]").await?;
    screenshot(&app, &env, "sign-in-en-light").await?;
    sign_in(&app, &portal.url, "partner@demo.aicc", "demo-password").await?;
    find(&app, "[data-testid=sync-status][data-state=up_to_date]").await?;
    for (action, comment) in [
        ("start-review", None),
        (
            "request-changes",
            Some("Please attach the business licence and the MindSpore benchmark report."),
        ),
    ] {
        let mut args = vec![
            "review",
            "--id",
            &application,
            "--action",
            action,
            "--as",
            "reviewer@demo.aicc",
        ];
        if let Some(comment) = comment {
            args.extend(["--comment", comment]);
        }
        Portal::admin(&env, &data, &args)?;
    }

    find(&app, "[data-testid=unread]").await?;

    for (language, theme, every_screen) in [
        ("en", "light", true),
        ("en", "dark", false),
        ("zh-CN", "light", false),
        ("zh-CN", "dark", true),
    ] {
        aicc_e2e::look(&app, language, theme).await?;
        for (name, route, ready) in screens(&job, &application) {
            if !every_screen && !matches!(name, "catalog" | "model") {
                continue;
            }
            open(&app, &route).await?;
            find(&app, ready).await?;
            screenshot(&app, &env, &format!("{name}-{language}-{theme}")).await?;
            let rounded = rounded_scrolling_areas(&app).await?;
            assert!(
                rounded.is_empty(),
                "{name}: scrolling areas with rounded corners: {rounded:?}"
            );
        }
        if every_screen {
            // The partner admin is asked before an application is withdrawn.
            open(&app, &format!("/applications/{application}")).await?;
            click(&app, "[data-testid=withdraw]").await?;
            find(&app, "[data-testid=withdraw-confirm]").await?;
            screenshot(
                &app,
                &env,
                &format!("application-withdraw-{language}-{theme}"),
            )
            .await?;
            click(&app, "[data-testid=withdraw-keep]").await?;
            // Settings, scrolled to the personal access tokens, one just made.
            open(&app, "/settings").await?;
            type_into(&app, "input[name=token-name]", "nightly fine-tune").await?;
            click(&app, "input[name=scope-jobs]").await?;
            click(&app, "[data-testid=personal-tokens] button[type=submit]").await?;
            find(&app, "[data-testid=new-token]").await?;
            app.execute(
                "document.querySelector('[data-testid=personal-tokens]').scrollIntoView({block: 'nearest'})",
                vec![],
            )
            .await?;
            screenshot(&app, &env, &format!("tokens-{language}-{theme}")).await?;
            click(&app, "[data-testid=inbox-button]").await?;
            find(&app, "[data-testid=inbox]").await?;
            screenshot(&app, &env, &format!("inbox-{language}-{theme}")).await?;
            let rounded = rounded_scrolling_areas(&app).await?;
            assert!(rounded.is_empty(), "inbox: {rounded:?}");
            click(&app, "[data-testid=inbox-button]").await?;
        }
    }
    app.close().await?;
    Ok(())
}
