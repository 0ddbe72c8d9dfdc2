//! The tray icon and the window's life: with "keep running in the tray" on,
//! closing the window hides it and the app keeps syncing and notifying; the
//! tray's menu opens the window, syncs now, or quits. A second launch brings
//! the running app's window up instead of starting another.

use std::time::Duration;

use tauri::menu::{Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager as _, Window, WindowEvent};

use aicc_client::partner::Partner;

/// Adds the tray icon and its menu.
pub fn install(app: &AppHandle) -> tauri::Result<()> {
    let chinese = sys_locale::get_locale().is_some_and(|l| l.to_lowercase().starts_with("zh"));
    let label = |en: &str, zh: &str| {
        if chinese {
            zh.to_owned()
        } else {
            en.to_owned()
        }
    };
    let open = MenuItem::with_id(
        app,
        "open",
        label("Open AICC Partner", "打开 AICC 伙伴"),
        true,
        None::<&str>,
    )?;
    let sync = MenuItem::with_id(
        app,
        "sync",
        label("Sync now", "立即同步"),
        true,
        None::<&str>,
    )?;
    let quit = MenuItem::with_id(app, "quit", label("Quit", "退出"), true, None::<&str>)?;
    let menu = Menu::with_items(app, &[&open, &sync, &quit])?;
    let mut tray = TrayIconBuilder::with_id("main")
        .tooltip("AICC Partner")
        .menu(&menu)
        .on_menu_event(|app, event| match event.id().as_ref() {
            "open" => show_window(app),
            "sync" => {
                let app = app.clone();
                tauri::async_runtime::spawn(async move { app.state::<Partner>().sync_now().await });
            }
            "quit" => {
                tauri::async_runtime::spawn(crate::tray::quit(app.clone()));
            }
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app)?;
    Ok(())
}

/// How long quitting waits for the sync engines to finish the cycle under
/// way. What a cut-off cycle was sending stays in the outbox and is sent,
/// once, at the next start.
const QUIT_WAIT: Duration = Duration::from_secs(5);

/// Quits once the sync engines have stopped, or after [`QUIT_WAIT`].
pub async fn quit(app: AppHandle) {
    if tokio::time::timeout(QUIT_WAIT, app.state::<Partner>().shutdown())
        .await
        .is_err()
    {
        tracing::warn!("a sync cycle was still under way when the app quit");
    }
    app.exit(0);
}

/// Brings the main window up, e.g. from the tray or a second launch.
pub fn show_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}

/// Closing the window hides it when the user keeps the app in the tray.
pub fn on_window_event(window: &Window, event: &WindowEvent) {
    if let WindowEvent::CloseRequested { api, .. } = event {
        let keep = window
            .app_handle()
            .state::<Partner>()
            .settings()
            .map(|s| s.preferences.keep_running_in_tray)
            .unwrap_or(false);
        if keep {
            api.prevent_close();
            let _ = window.hide();
        }
    }
}
