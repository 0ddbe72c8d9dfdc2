//! The desktop shell of AICC Partner: Tauri commands and events over the
//! client core. Thin by design: every decision lives in `aicc-client`; a
//! command here is a few lines that call it and hand the answer to the UI.

include!("commands/list.rs");

/// The invoke handler of every command in the list.
macro_rules! invoke_handler {
    ($($module:ident::$command:ident,)*) => {
        tauri::generate_handler![$(commands::$module::$command),*]
    };
}

/// Every command's name, as the UI invokes it.
#[cfg(test)]
const COMMANDS: &[&str] = with_commands!(command_names);

mod bindings;
mod commands;
mod desktop_notifications;
mod error;
mod file_dialog;
mod logging;
pub mod rendering;
mod tray;

use tauri::{Emitter as _, Manager as _};

use aicc_client::partner::Partner;

/// The event that carries every new [`aicc_client::sync::SyncReport`] to the UI.
pub const SYNC_REPORT_EVENT: &str = "sync-report";

/// Starts the app.
pub fn run() {
    let dirs = match aicc_client::config::AppDirs::from_system() {
        Ok(dirs) => dirs,
        Err(e) => {
            eprintln!("AICC Partner cannot start: {e}");
            std::process::exit(1);
        }
    };
    let _log_guard = logging::init(&dirs.logs);
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "AICC Partner starting");
    let result = tauri::Builder::default()
        // First: a second launch hands over to the running app and exits.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            tray::show_window(app)
        }))
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_opener::init())
        .invoke_handler(with_commands!(invoke_handler))
        .on_window_event(tray::on_window_event)
        .setup(move |app| {
            let partner = Partner::new(dirs);
            let handle = app.handle().clone();
            partner.on_report(move |report| {
                if let Err(e) = handle.emit(SYNC_REPORT_EVENT, report) {
                    tracing::warn!("cannot send the sync status to the window: {e}");
                }
            });
            let handle = app.handle().clone();
            partner.on_notifications_due(move || {
                tauri::async_runtime::spawn(desktop_notifications::show_pending(handle.clone()));
            });
            app.manage(partner);
            desktop_notifications::follow_clicks(app.handle());
            if let Err(e) = tray::install(app.handle()) {
                tracing::warn!("no tray icon (the desktop may not have a tray): {e}");
            }
            // The account opens while the window loads.
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                handle.state::<Partner>().resumed().await;
            });
            Ok(())
        })
        .build(tauri::generate_context!())
        .map(|app| {
            app.run(|handle, event| {
                // The last window closed: the engines stop first. An exit
                // the app asks for itself (`tray::quit`) has done so.
                if let tauri::RunEvent::ExitRequested {
                    code: None, api, ..
                } = event
                {
                    api.prevent_exit();
                    tauri::async_runtime::spawn(tray::quit(handle.clone()));
                }
            });
        });
    if let Err(e) = result {
        tracing::error!("AICC Partner stopped with an error: {e}");
        std::process::exit(1);
    }
}
