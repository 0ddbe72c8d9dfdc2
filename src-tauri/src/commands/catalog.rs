//! The model catalog, from the local store.

use aicc_api::catalog::Model;
use aicc_client::catalog::{self, CatalogQuery, Facets, SearchPage};
use serde::Serialize;
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
    let empty = SearchPage {
        total: 0,
        models: Vec::new(),
    };
    Ok(state
        .with_store(empty, move |c| {
            catalog::search(c, &query, offset, limit.min(500))
        })
        .await?)
}

/// Counts per filter value for the current search.
#[tauri::command]
pub async fn catalog_facets(
    state: State<'_, AppState>,
    query: CatalogQuery,
) -> CommandResult<Facets> {
    Ok(state
        .with_store(Facets::default(), move |c| catalog::facets(c, &query))
        .await?)
}

/// A model's page.
#[derive(Debug, Serialize, ts_rs::TS)]
pub struct ModelDetail {
    pub model: Model,
    pub favourite: bool,
}

/// One model, if the local catalog has it.
#[tauri::command]
pub async fn catalog_model(
    state: State<'_, AppState>,
    id: String,
) -> CommandResult<Option<ModelDetail>> {
    let found = state
        .with_store(None, move |c| catalog::model(c, &id))
        .await?;
    Ok(found.map(|(model, favourite)| ModelDetail { model, favourite }))
}

/// Marks or unmarks a favourite, here at once and on the account when the
/// center is reachable.
#[tauri::command]
pub async fn set_favourite(
    state: State<'_, AppState>,
    id: String,
    favourite: bool,
) -> CommandResult<()> {
    let now = aicc_client::clock::now();
    state
        .with_store((), move |c| {
            aicc_client::outbox::set_favourite(c, &id, favourite, &now)
        })
        .await?;
    state.sync_now().await;
    Ok(())
}
