//! The model catalog, from the local store.

use aicc_client::catalog::{CatalogQuery, SearchPage};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// Searches the local catalog as the user types.
#[tauri::command]
pub async fn catalog_search(
    state: State<'_, AppState>,
    query: CatalogQuery,
    offset: u32,
    limit: u32,
) -> CommandResult<SearchPage> {
    Ok(state.search(query, offset, limit.min(500)).await?)
}
