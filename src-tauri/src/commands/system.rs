//! Handing links to the system browser.

use aicc_client::portal::web_link;
use tauri::AppHandle;
use tauri_plugin_opener::OpenerExt as _;

use crate::error::{CommandError, CommandResult};

/// Opens a web link in the system browser; nothing else is opened.
#[tauri::command]
pub fn open_external(app: AppHandle, url: String) -> CommandResult<()> {
    let link = web_link(&url)?;
    app.opener()
        .open_url(link.as_str(), None::<&str>)
        .map_err(|e| CommandError::internal(format!("cannot open the browser: {e}")))
}
