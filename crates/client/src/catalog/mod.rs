//! The catalog as the app keeps it: applying change-feed pages (and
//! re-listing after the center's history ran out) in `ingest`, the search
//! index and the words models are found by in `index`, local search that
//! answers as the user types — full text, filters with counts, sort,
//! paging — online or not in `query`, and favourites in `favourites`.

use aicc_api::catalog::{Framework, Model, TrainingRecipe};
use serde::{Deserialize, Serialize};

mod favourites;
pub mod index;
mod ingest;
mod query;

pub use favourites::{apply_favourites, set_favourite};
pub use index::SearchChanges;
pub use ingest::{
    IncomingModel, apply_page, apply_rows, begin_relist, build_browse_indexes, drop_browse_indexes,
    is_empty,
};
pub use query::{MAX_SEARCH_PAGE, facets, model, search};

/// A model's page: the model as the center describes it, and whether it
/// is one of the user's favourites.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ModelPage {
    pub model: Model,
    pub favourite: bool,
    /// The nodes × NPUs a training request on the model starts with
    /// ([`Model::recipe_to_train_with`]).
    pub recipe: Option<TrainingRecipe>,
}

/// What a list row shows of a model.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ModelSummary {
    pub id: String,
    pub name: String,
    pub provider: String,
    pub task: String,
    pub domain: String,
    pub framework: Framework,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub parameters: Option<u64>,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub stars: u64,
    pub updated_at: String,
    pub favourite: bool,
}

/// How results are ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// Best match first (by name without a search).
    #[default]
    Relevance,
    Name,
    /// Most recently updated first.
    Updated,
    /// Most starred first.
    Stars,
}

impl Sort {
    /// Every order the catalog can be shown in.
    pub const ALL: [Sort; 4] = [Sort::Relevance, Sort::Name, Sort::Updated, Sort::Stars];
}

/// A search: words and filters; every filter left empty matches everything.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct CatalogQuery {
    pub text: String,
    pub task: Option<String>,
    pub domain: Option<String>,
    pub framework: Option<Framework>,
    pub hardware: Option<String>,
    pub license: Option<String>,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub min_parameters: Option<u64>,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub max_parameters: Option<u64>,
    pub favourites_only: bool,
    pub sort: Sort,
}

/// One page of search results.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SearchPage {
    /// How many models match in all.
    pub total: u32,
    pub models: Vec<ModelSummary>,
}

/// How many of the matching models fall under each value of each filter.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Facets {
    pub task: Vec<FacetCount>,
    pub domain: Vec<FacetCount>,
    pub framework: Vec<FacetCount>,
    pub hardware: Vec<FacetCount>,
    pub license: Vec<FacetCount>,
}

/// One value of a filter and how many models have it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FacetCount {
    pub value: String,
    pub count: u32,
}

#[cfg(test)]
mod tests;
