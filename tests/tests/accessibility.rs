//! Every screen, in both languages and both themes, checked with axe-core
//! (the npm package, injected into the real app over WebDriver): no
//! serious or critical finding — contrast, names of controls, roles,
//! labels; the window itself never scrolls (its screens do, inside it);
//! and in Chinese, no English word the app wrote outside a short
//! allow-list. A new screen joins the list below.

use std::time::Duration;

use aicc_e2e::{Driver, Env, Portal, find, open, screenshot, sign_in};
use fantoccini::key::Key;
use serde_json::Value;

/// The demo partner's first item of a feed, by `field`.
async fn first(portal: &Portal, feed: &str, field: &str) -> anyhow::Result<String> {
    let page: Value = portal
        .as_partner(
            reqwest::Method::GET,
            &format!("/v1/{feed}/changes?after=0&limit=1000"),
            None,
        )
        .await?;
    page["changes"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|c| c["item"].pointer(field).and_then(Value::as_str))
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("no {field} in the {feed} feed"))
}

/// What axe-core finds serious or critical on the page as it is now: a
/// line per rule, with a few of the elements it found.
async fn findings(app: &fantoccini::Client, axe: &str) -> anyhow::Result<Vec<String>> {
    app.execute(axe, vec![]).await?;
    let found = app
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] })
               .then((r) => done(r.violations
                 .filter((v) => v.impact === 'serious' || v.impact === 'critical')
                 .map((v) => `${v.impact} ${v.id} (${v.nodes.length}): ${v.help} — ` +
                   v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | '))))
               .catch((e) => done([`axe failed: ${e}`]));",
            vec![],
        )
        .await?;
    Ok(serde_json::from_value(found)?)
}

/// The English words outside [`ENGLISH_ON_A_CHINESE_SCREEN`] on the page
/// as it is now, at `place`, each with the text it was found in: the
/// visible text, and what screen readers read (accessible names,
/// placeholders, titles, text for them alone). What the center or its
/// partners wrote is theirs, in their language: the app marks it as such,
/// `translate="no"` for names, ids and addresses, and the language of text
/// known to be in another (`lang="en"`), and it is not looked at.
async fn english(app: &fantoccini::Client, place: &str) -> anyhow::Result<Vec<String>> {
    let found = app
        .execute(
            "const marked = '[translate=no], [lang]:not([lang^=zh])';
             const theirs = (el) => el.closest(marked);
             // Their words inside the app's (a member's name in the name of
             // the button that deactivates them) are theirs too.
             const written = [...document.body.querySelectorAll(marked)]
               .map((el) => el.textContent.trim())
               .filter((text) => text.length > 1)
               .sort((a, b) => b.length - a.length);
             const texts = [];
             const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
             while (walker.nextNode()) {
               const el = walker.currentNode.parentElement;
               if (!el || theirs(el) || el.closest('script, style')) continue;
               if (el.getClientRects().length === 0) continue;
               texts.push(walker.currentNode.textContent);
             }
             for (const el of document.body.querySelectorAll('[aria-label], [placeholder], [title], [alt]')) {
               if (theirs(el)) continue;
               for (const name of ['aria-label', 'placeholder', 'title', 'alt']) {
                 const value = el.getAttribute(name);
                 if (value) texts.push(value);
               }
             }
             const found = [];
             for (const text of texts) {
               const plain = written
                 .reduce((rest, theirs) => rest.split(theirs).join(' '), text)
                 .replace(/\\S+@\\S+/g, ' ')
                 .replace(/[a-z][a-z0-9+.-]*:\\/\\/\\S*/gi, ' ');
               // Ids and model numbers (AICC-ENG-2026-000001, 800T, A2)
               // hold a digit: they are codes, not words.
               for (const word of plain.match(/[A-Za-z0-9][\\w'’.-]*/g) ?? []) {
                 if (/[A-Za-z]/.test(word) && !/[0-9]/.test(word))
                   found.push([word.replace(/[.'’-]+$/, ''), text.trim().slice(0, 80)]);
               }
             }
             return found;",
            vec![],
        )
        .await?;
    let found: Vec<(String, String)> = serde_json::from_value(found)?;
    Ok(found
        .into_iter()
        .filter(|(word, _)| !ENGLISH_ON_A_CHINESE_SCREEN.contains(&word.as_str()))
        .map(|(word, text)| format!("{place}: {word} — in “{text}”"))
        .collect())
}

/// English a Chinese screen may show: names of products and of the
/// technologies partners use, units, and abbreviations Chinese engineers
/// write in Latin letters too.
const ENGLISH_ON_A_CHINESE_SCREEN: &[&str] = &[
    // The product.
    "AICC",
    // Hardware, software and formats named as their makers name them.
    "NPU",
    "HBM",
    "Ascend",
    "Atlas",
    "Duo",
    "MindSpore",
    "MindSpeed-LLM",
    "MindIE",
    "LoRA",
    "CANN",
    "PyTorch",
    "torch_npu",
    "Slurm",
    "PDF",
    "PNG",
    "JPEG",
    "PEM",
    "OBS",
    // Abbreviations Chinese engineers write in Latin letters too: an
    // identifier, a certificate authority, continuous integration, the
    // programme's kinds of partner (software and hardware vendors).
    "ID",
    "CA",
    "CI",
    "ISV",
    "IHV",
    // Units.
    "kB",
    "MB",
    "GB",
    "MiB",
    "GiB",
];

#[tokio::test]
async fn no_screen_has_a_serious_accessibility_finding_or_english_on_a_chinese_screen()
-> anyhow::Result<()> {
    let _turn = aicc_e2e::one_app_at_a_time().await;
    let env = Env::from_env()?;
    let axe = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../ui/node_modules/axe-core/axe.min.js"),
    )?;
    let home = tempfile::tempdir()?;
    let data = home.path().join("portal");
    let portal = Portal::start_demo(&env, &data)?;
    let driver = Driver::start(&env, home.path())?;
    let app = driver.launch().await?;
    let mut report = Vec::new();
    let mut english_found = std::collections::BTreeSet::new();
    find(&app, "input[name=center]").await?;
    for finding in findings(&app, &axe).await? {
        report.push(format!("sign-in: {finding}"));
    }
    sign_in(&app, &portal.url, "partner@demo.aicc", "demo-password").await?;
    find(&app, "[data-testid=sync-status][data-state=up_to_date]").await?;

    let made: Value = portal
        .as_partner(
            reqwest::Method::POST,
            "/v1/jobs",
            Some(aicc_e2e::fixtures::small_job("ResNet-50 defects")),
        )
        .await?;
    let job = made["id"].as_str().unwrap_or_default().to_owned();
    let made: Value = portal
        .as_partner(
            reqwest::Method::POST,
            "/v1/applications",
            Some(aicc_e2e::fixtures::application_form()),
        )
        .await?;
    let application = made["id"].as_str().unwrap_or_default().to_owned();
    let milestone = first(&portal, "milestones", "/id").await?;
    let solution = first(&portal, "directory", "/id").await?;
    let partner = first(&portal, "directory", "/partner/id").await?;
    let course = first(&portal, "courses", "/id").await?;
    let screens = [
        "/".to_owned(),
        "/models/resnet50".to_owned(),
        "/jobs".to_owned(),
        "/jobs/new".to_owned(),
        format!("/jobs/{job}"),
        "/compute".to_owned(),
        "/applications".to_owned(),
        "/applications/new".to_owned(),
        format!("/applications/{application}"),
        "/incubation".to_owned(),
        format!("/milestones/{milestone}"),
        "/directory".to_owned(),
        format!("/directory/solutions/{solution}"),
        format!("/directory/partners/{partner}"),
        "/cooperation".to_owned(),
        "/courses".to_owned(),
        format!("/courses/{course}"),
        "/skills".to_owned(),
        "/settings".to_owned(),
    ];
    for (language, theme) in aicc_e2e::LOOKS {
        aicc_e2e::look(&app, language, theme).await?;
        for screen in &screens {
            open(&app, screen).await?;
            // Shown once its heading is; the local store answers within
            // moments, so the rest follows before axe looks.
            find(&app, "main h1, main h2").await?;
            tokio::time::sleep(Duration::from_millis(700)).await;
            for finding in findings(&app, &axe).await? {
                report.push(format!("{language} {theme} {screen}: {finding}"));
            }
            if language.starts_with("zh") {
                english_found.extend(english(&app, screen).await?);
            }
            // A screen scrolls inside the window, under its header and
            // above its status bar: the window itself never does.
            let scrolls = app
                .execute(
                    "const root = document.documentElement;
                     const scrolls = () =>
                       root.scrollWidth > root.clientWidth || root.scrollHeight > root.clientHeight;
                     if (!scrolls()) return null;
                     const size = `${root.scrollWidth}×${root.scrollHeight} in ${root.clientWidth}×${root.clientHeight}`;
                     // What makes it scroll: the deepest elements without
                     // which it would not (a box's overflow can, when
                     // the box itself stays inside the window).
                     const causes = [...document.body.querySelectorAll('*')].filter((e) => {
                       const was = e.style.display;
                       e.style.display = 'none';
                       const cause = !scrolls();
                       e.style.display = was;
                       return cause;
                     });
                     return `${size}, because of: ` +
                       causes.slice(-3).reverse().map((e) => `${e.tagName.toLowerCase()}.${e.className}`).join(' in ');",
                    vec![],
                )
                .await?;
            if let Some(scrolls) = scrolls.as_str() {
                report.push(format!(
                    "{language} {theme} {screen}: the window itself scrolls ({scrolls})"
                ));
            }
        }
        // The keyboard shortcuts, listed on `?`.
        app.active_element().await?.send_keys("?").await?;
        find(&app, "[data-testid=shortcuts]").await?;
        screenshot(&app, &env, &format!("shortcuts-{language}-{theme}")).await?;
        for finding in findings(&app, &axe).await? {
            report.push(format!("{language} {theme} shortcuts: {finding}"));
        }
        app.active_element()
            .await?
            .send_keys(&Key::Escape.to_string())
            .await?;
        aicc_e2e::find_gone(&app, "[data-testid=shortcuts]").await?;
        // The command palette, on Ctrl+P: its actions and screens, then
        // what a name typed finds.
        app.active_element()
            .await?
            .send_keys(&format!("{}p{}", Key::Control, Key::Null))
            .await?;
        find(&app, "[data-testid=palette] input:focus").await?;
        screenshot(&app, &env, &format!("palette-{language}-{theme}")).await?;
        for finding in findings(&app, &axe).await? {
            report.push(format!("{language} {theme} palette: {finding}"));
        }
        app.active_element().await?.send_keys("re").await?;
        find(&app, "[data-testid=palette] [data-entry^=model-]").await?;
        for finding in findings(&app, &axe).await? {
            report.push(format!("{language} {theme} palette, typed: {finding}"));
        }
        if language.starts_with("zh") {
            english_found.extend(english(&app, "palette").await?);
        }
        app.active_element()
            .await?
            .send_keys(&Key::Escape.to_string())
            .await?;
        aicc_e2e::find_gone(&app, "[data-testid=palette]").await?;
    }
    app.close().await?;
    assert!(report.is_empty(), "axe-core found:\n{}", report.join("\n"));
    assert!(
        english_found.is_empty(),
        "English on a Chinese screen (word it in the catalogues, mark what the center or a \
         partner wrote with translate=\"no\" or its lang, or explain it in the allow-list):\n{}",
        english_found.into_iter().collect::<Vec<_>>().join("\n")
    );
    Ok(())
}
