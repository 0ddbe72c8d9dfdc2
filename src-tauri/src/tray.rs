//! The tray icon and the window's life: with "keep running in the tray" on,
//! closing the window hides it and the app keeps syncing and notifying; the
//! tray's menu opens the window, syncs now, or quits. A second launch brings
//! the running app's window up instead of starting another.

use std::time::Duration;

use tauri::menu::{Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager as _, Window, WindowEvent, Wry};

use aicc_client::partner::Partner;
use aicc_client::words;

/// Adds the tray icon and its menu.
pub fn install(app: &AppHandle) -> tauri::Result<()> {
    let mut tray = TrayIconBuilder::with_id(TRAY)
        .tooltip("AICC Partner")
        .menu(&menu(app)?)
        .on_menu_event(|app, event| match event.id().as_ref() {
            "open" => show_window(app),
            "sync" => {
                let app = app.clone();
                tauri::async_runtime::spawn(async move { app.state::<Partner>().sync_now().await });
            }
            "quit" => {
                tauri::async_runtime::spawn(quit(app.clone()));
            }
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app)?;
    Ok(())
}

/// Words the tray's menu anew, after the user chose another language.
pub fn relabel(app: &AppHandle) {
    let Some(tray) = app.tray_by_id(TRAY) else {
        return;
    };
    if let Err(e) = menu(app).and_then(|menu| tray.set_menu(Some(menu))) {
        tracing::warn!(error = %e, "the tray's menu keeps its earlier language");
    }
}

const TRAY: &str = "main";

/// The tray's menu, in the user's language (`aicc_client::words`).
fn menu(app: &AppHandle) -> tauri::Result<Menu<Wry>> {
    let preferences = app
        .state::<Partner>()
        .settings()
        .map(|s| s.preferences)
        .unwrap_or_default();
    let language = preferences.speaks(sys_locale::get_locale().as_deref());
    let items = words::tray_menu(language)
        .map(|(id, label)| MenuItem::with_id(app, id, label, true, None::<&str>));
    let [open, sync, quit] = items;
    Menu::with_items(app, &[&open?, &sync?, &quit?])
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
