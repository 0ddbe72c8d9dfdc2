//! The OS file dialog, for the kinds of file the app asks the user to pick:
//! titled in the user's language by the window, filtered as the core says.

use std::path::PathBuf;

use aicc_client::partner::Partner;
use aicc_client::words::FileKind;
use tauri::AppHandle;
use tauri_plugin_dialog::DialogExt as _;

/// The file the user picked, or none when they cancelled.
pub async fn pick(
    app: &AppHandle,
    partner: &Partner,
    kind: FileKind,
    title: String,
) -> Option<PathBuf> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let filter = partner.file_filter(kind, sys_locale::get_locale().as_deref());
    app.dialog()
        .file()
        .set_title(title)
        .add_filter(filter.name, filter.extensions)
        .pick_file(move |path| {
            let _ = tx.send(path.and_then(|p| p.into_path().ok()));
        });
    rx.await.ok().flatten()
}
