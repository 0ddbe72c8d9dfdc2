//! Desktop notifications: each transition the client core recorded, at
//! any signed-in center, is shown once as the OS notification the core
//! words for it (`aicc_client::notifications`), in the user's language,
//! naming its center, if the user wants that kind; the in-app inbox keeps
//! them all. Clicking one brings the window up on its job or application,
//! switching to its center first.
//!
//! The notifications carry the app's name: for installed builds the plugin
//! uses the bundle identifier (`cn.aicc.partner` in `tauri.conf.json`) as
//! the Windows AppUserModelID and the macOS bundle id.

use aicc_client::partner::Partner;
use tauri::{AppHandle, Emitter as _, Manager as _};
use tauri_plugin_notification::NotificationExt as _;

use crate::tray;

/// The event that asks the UI to show a route, e.g. `/jobs/job_…`.
pub const OPEN_ROUTE_EVENT: &str = "open-route";

/// What a click on a notification asks the UI to show; the UI marks the
/// notification read in the inbox and opens the route, after taking in
/// the account shown when the click `switched` to the notification's.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct OpenRoute {
    pub route: String,
    #[ts(type = "number")]
    pub notification: i64,
    pub switched: bool,
}

/// Answers clicks on the notifications shown from now on.
pub fn follow_clicks(app: &AppHandle) {
    let handle = app.clone();
    let followed = app.notification().on_action(move |action| {
        if action.action_id() != "tap" {
            return;
        }
        tray::show_window(&handle);
        let Some(clicked) = action.notification() else {
            return;
        };
        let extra = |name: &str| clicked.extra().get(name).and_then(|v| v.as_str()).map(str::to_owned);
        let (Some(route), Some(id)) = (extra("route"), extra("inbox")) else {
            return;
        };
        let account = extra("account");
        let handle = handle.clone();
        tauri::async_runtime::spawn(async move {
            let switched = match account {
                Some(key) => match handle.state::<Partner>().show_account(&key).await {
                    Ok(switched) => switched,
                    Err(e) => return tracing::warn!(error = %e, "the notification's center is signed out"),
                },
                None => false,
            };
            let open = OpenRoute {
                route,
                notification: id.parse().unwrap_or_default(),
                switched,
            };
            if let Err(e) = handle.emit(OPEN_ROUTE_EVENT, open) {
                tracing::warn!("cannot send the window to the clicked item: {e}");
            }
        });
    });
    if let Err(e) = followed {
        tracing::warn!(error = %e, "clicks on notifications will not open their item");
    }
}

/// Shows what has not been shown yet.
pub async fn show_pending(app: AppHandle) {
    let partner = app.state::<Partner>();
    let pending = match partner
        .desktop_notifications(sys_locale::get_locale())
        .await
    {
        Ok(pending) => pending,
        Err(e) => return tracing::warn!(error = %e, "cannot read notifications"),
    };
    for desktop in pending {
        let shown = app
            .notification()
            .builder()
            .id(desktop.os_id)
            .title(desktop.title)
            .body(desktop.body)
            .extra("route", desktop.route)
            .extra("inbox", desktop.id.to_string())
            .extra("account", desktop.account)
            .show();
        if let Err(e) = shown {
            tracing::warn!(error = %e, "cannot show a desktop notification");
        }
    }
}
