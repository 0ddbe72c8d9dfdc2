//! The tray icon and the window's life: with "keep running in the tray" on,
//! closing the window hides it and the app keeps syncing and notifying; the
//! tray's menu opens the window, syncs now, or quits. A second launch brings
//! the running app's window up instead of starting another.

use std::time::Duration;

use tauri::menu::{Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager as _, Window, WindowEvent, Wry};

use aicc_client::partner::Partner;
use aicc_client::words::{Tray, TrayItem};

/// Adds the tray icon and its menu.
pub fn install(app: &AppHandle) -> tauri::Result<()> {
    let words = words(app);
    let mut tray = TrayIconBuilder::with_id(TRAY)
        .tooltip(words.tooltip)
        .menu(&menu(app, &words)?)
        .on_menu_event(|app, event| match TrayItem::from_id(event.id().as_ref()) {
            Some(TrayItem::Open) => show_window(app),
            Some(TrayItem::Sync) => {
                let app = app.clone();
                tauri::async_runtime::spawn(async move { app.state::<Partner>().sync_now().await });
            }
            Some(TrayItem::Quit) => {
                tauri::async_runtime::spawn(quit(app.clone()));
            }
            None => {}
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
    let words = words(app);
    let relabelled = menu(app, &words)
        .and_then(|menu| tray.set_menu(Some(menu)))
        .and_then(|()| tray.set_tooltip(Some(words.tooltip)));
    if let Err(e) = relabelled {
        tracing::warn!(error = %e, "the tray keeps its earlier language");
    }
}

const TRAY: &str = "main";

/// The tray's words, in the language the app speaks.
fn words(app: &AppHandle) -> Tray {
    app.state::<Partner>()
        .tray(sys_locale::get_locale().as_deref())
}

/// The tray's menu.
fn menu(app: &AppHandle, words: &Tray) -> tauri::Result<Menu<Wry>> {
    let items = words
        .items
        .iter()
        .map(|(item, label)| MenuItem::with_id(app, item.id(), *label, true, None::<&str>))
        .collect::<tauri::Result<Vec<_>>>()?;
    let items: Vec<&dyn tauri::menu::IsMenuItem<Wry>> = items
        .iter()
        .map(|item| item as &dyn tauri::menu::IsMenuItem<Wry>)
        .collect();
    Menu::with_items(app, &items)
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
