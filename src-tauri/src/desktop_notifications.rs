//! Desktop notifications: each transition the client core recorded
//! (`aicc_client::notifications`) is shown once as an OS notification, in
//! the user's language, if the user wants that kind; the in-app inbox keeps
//! them all. Clicking one brings the window up on its job or application.
//!
//! The notifications carry the app's name: for installed builds the plugin
//! uses the bundle identifier (`cn.aicc.partner` in `tauri.conf.json`) as
//! the Windows AppUserModelID and the macOS bundle id.

use aicc_client::notifications::{self, Notification};
use tauri::{AppHandle, Emitter as _, Manager as _};
use tauri_plugin_notification::NotificationExt as _;

use crate::state::AppState;
use crate::tray;

/// The event that asks the UI to show a route, e.g. `/jobs/job_…`.
pub const OPEN_ROUTE_EVENT: &str = "open-route";

/// What a click on a notification asks the UI to show; the UI marks the
/// notification read in the inbox and opens the route.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
pub struct OpenRoute {
    pub route: String,
    #[ts(type = "number")]
    pub notification: i64,
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
        let Some(route) = clicked.extra().get("route").and_then(|r| r.as_str()) else {
            return;
        };
        let open = OpenRoute {
            route: route.to_owned(),
            notification: i64::from(clicked.id()),
        };
        if let Err(e) = handle.emit(OPEN_ROUTE_EVENT, open) {
            tracing::warn!("cannot send the window to the clicked item: {e}");
        }
    });
    if let Err(e) = followed {
        tracing::warn!(error = %e, "clicks on notifications will not open their item");
    }
}

/// Shows what has not been shown yet.
pub async fn show_pending(app: AppHandle) {
    let state = app.state::<AppState>();
    // One at a time: two reports in a row must not show a notification twice.
    let _turn = state.notifying().await;
    let preferences = state.settings().map(|s| s.preferences).unwrap_or_default();
    let chinese = match preferences.language.as_str() {
        "system" => sys_locale::get_locale().is_some_and(|l| l.to_lowercase().starts_with("zh")),
        language => language == "zh-CN",
    };
    let pending = match state
        .with_store(Vec::new(), |c| notifications::unshown(c))
        .await
    {
        Ok(pending) => pending,
        Err(e) => return tracing::warn!(error = %e, "cannot read notifications"),
    };
    for notification in pending {
        let wanted = match notification.collection.as_str() {
            "jobs" => preferences.notify_jobs,
            _ => preferences.notify_applications,
        };
        if wanted {
            let (title, body) = text(&notification, chinese);
            let shown = app
                .notification()
                .builder()
                .id(i32::try_from(notification.id).unwrap_or_default())
                .title(title)
                .body(body)
                .extra("route", route(&notification))
                .show();
            if let Err(e) = shown {
                tracing::warn!(error = %e, "cannot show a desktop notification");
            }
        }
        let now = aicc_client::sync::now_rfc3339(std::time::Duration::ZERO);
        let id = notification.id;
        if let Err(e) = state
            .with_store((), move |c| notifications::mark_shown(c, id, &now))
            .await
        {
            tracing::warn!(error = %e, "cannot remember a shown notification");
        }
    }
}

/// The notification's title and body.
fn text(n: &Notification, chinese: bool) -> (String, String) {
    let title = match (n.collection.as_str(), n.state.as_str(), chinese) {
        ("jobs", "succeeded", false) => "Training job finished".to_owned(),
        ("jobs", "succeeded", true) => "训练任务已完成".to_owned(),
        ("jobs", "failed", false) => "Training job failed".to_owned(),
        ("jobs", "failed", true) => "训练任务失败".to_owned(),
        ("jobs", _, false) => "Training job cancelled".to_owned(),
        ("jobs", _, true) => "训练任务已取消".to_owned(),
        (_, state, false) => format!("Partner application: {}", application_state(state, false)),
        (_, state, true) => format!("合作伙伴申请：{}", application_state(state, true)),
    };
    (title, n.title.clone())
}

/// Where a click on the notification takes the user.
fn route(n: &Notification) -> String {
    let screen = if n.collection == "jobs" {
        "jobs"
    } else {
        "applications"
    };
    format!("/{screen}/{}", n.item_id)
}

fn application_state(state: &str, chinese: bool) -> &'static str {
    match (state, chinese) {
        ("submitted", false) => "submitted",
        ("submitted", true) => "已提交",
        ("under_review", false) => "under review",
        ("under_review", true) => "审核中",
        ("changes_requested", false) => "changes requested",
        ("changes_requested", true) => "需要修改",
        ("approved", false) => "approved",
        ("approved", true) => "已通过",
        ("rejected", false) => "not approved",
        ("rejected", true) => "未通过",
        ("adapting", false) => "adapting to Ascend",
        ("adapting", true) => "昇腾适配中",
        ("certified", false) => "certified",
        ("certified", true) => "已认证",
        ("withdrawn", false) => "withdrawn",
        ("withdrawn", true) => "已撤回",
        (_, false) => "updated",
        (_, true) => "已更新",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notification(collection: &str, state: &str) -> Notification {
        Notification {
            id: 1,
            collection: collection.into(),
            item_id: "x".into(),
            state: state.into(),
            title: "Qwen3 LoRA".into(),
            created_at: "t".into(),
            read: false,
        }
    }

    #[test]
    fn notifications_speak_the_users_language() {
        assert_eq!(
            text(&notification("jobs", "succeeded"), false),
            ("Training job finished".into(), "Qwen3 LoRA".into())
        );
        assert_eq!(
            text(&notification("jobs", "failed"), true).0,
            "训练任务失败"
        );
        assert_eq!(
            text(&notification("applications", "approved"), true).0,
            "合作伙伴申请：已通过"
        );
    }

    #[test]
    fn a_click_opens_the_item_the_notification_is_about() {
        assert_eq!(route(&notification("jobs", "failed")), "/jobs/x");
        assert_eq!(
            route(&notification("applications", "approved")),
            "/applications/x"
        );
    }
}
