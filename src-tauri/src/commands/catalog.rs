//! The model catalog, from the local store.

use aicc_client::catalog::{self, CatalogQuery, Facets, ModelPage, SearchPage};
use tauri::State;

use crate::error::CommandResult;
use aicc_client::partner::Partner;

/// Searches the local catalog as the user types.
#[tauri::command]
pub async fn catalog_search(
    partner: State<'_, Partner>,
    query: CatalogQuery,
    offset: u32,
    limit: u32,
) -> CommandResult<SearchPage> {
    Ok(partner
        .local(move |c| catalog::search(c, &query, offset, limit))
        .await?)
}

/// Counts per filter value for the current search.
#[tauri::command]
pub async fn catalog_facets(
    partner: State<'_, Partner>,
    query: CatalogQuery,
) -> CommandResult<Facets> {
    Ok(partner.local(move |c| catalog::facets(c, &query)).await?)
}

/// One model's page, if the local catalog has it.
#[tauri::command]
pub async fn catalog_model(
    partner: State<'_, Partner>,
    id: String,
) -> CommandResult<Option<ModelPage>> {
    Ok(partner.local(move |c| catalog::model(c, &id)).await?)
}

/// Marks or unmarks a favourite, here at once and on the account when the
/// center is reachable.
#[tauri::command]
pub async fn set_favourite(
    partner: State<'_, Partner>,
    id: String,
    favourite: bool,
) -> CommandResult<()> {
    Ok(partner.set_favourite(id, favourite).await?)
}
