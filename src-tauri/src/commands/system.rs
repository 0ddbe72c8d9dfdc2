//! Handing links to the system browser.

use tauri::AppHandle;
use tauri_plugin_opener::OpenerExt as _;

use crate::error::{CommandError, CommandResult};

/// Opens an http(s) link in the system browser; nothing else is opened.
#[tauri::command]
pub fn open_external(app: AppHandle, url: String) -> CommandResult<()> {
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return Err(CommandError {
            code: aicc_client::ErrorCode::InvalidInput,
            message: format!("only web links open in the browser, not \"{url}\""),
        });
    }
    app.opener()
        .open_url(url, None::<&str>)
        .map_err(|e| CommandError {
            code: aicc_client::ErrorCode::Internal,
            message: format!("cannot open the browser: {e}"),
        })
}
