//! A model of the center's catalog, as it travels in the catalog change feed
//! (`GET /v1/catalog/changes`).

use serde::{Deserialize, Serialize};

/// A catalog entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Model {
    /// Stable, URL-safe id, e.g. `resnet50` or `qwen3-32b`.
    pub id: String,
    pub name: String,
    pub provider: String,
    /// What the model does, e.g. "Image Classification", "LLM".
    pub task: String,
    /// The field it belongs to, e.g. "Image", "Text", "Audio".
    pub domain: String,
    /// Industries it is offered for, e.g. "manufacturing", "transport".
    pub industries: Vec<String>,
    pub framework: Framework,
    /// Hardware it runs on, e.g. "Atlas 800T A2".
    pub hardware: Vec<String>,
    /// Parameter count, when known.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub parameters: Option<u64>,
    pub license: String,
    pub versions: Vec<ModelVersion>,
    pub metrics: Vec<Metric>,
    pub recipes: Vec<TrainingRecipe>,
    /// The model card, Markdown. Never trusted: sanitised before display.
    pub card: String,
    pub source_url: Option<String>,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub downloads: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub stars: u64,
    /// RFC 3339.
    pub updated_at: String,
}

impl Model {
    /// The set-up a training request on this model starts from: the first
    /// the center has certified, else the first it lists.
    pub fn recipe_to_train_with(&self) -> Option<&TrainingRecipe> {
        self.recipes
            .iter()
            .find(|r| r.certified)
            .or_else(|| self.recipes.first())
    }
}

/// The training framework a model is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Framework {
    #[serde(rename = "mindspore")]
    MindSpore,
    /// PyTorch with the `torch_npu` adapter (e.g. through MindSpeed).
    PytorchNpu,
    Tensorflow,
    Paddlepaddle,
    Onnx,
}

impl Framework {
    /// Every framework the catalog knows.
    pub const ALL: [Framework; 5] = [
        Framework::MindSpore,
        Framework::PytorchNpu,
        Framework::Tensorflow,
        Framework::Paddlepaddle,
        Framework::Onnx,
    ];

    /// The wire name, also used in the client's search index.
    pub fn as_str(self) -> &'static str {
        match self {
            Framework::MindSpore => "mindspore",
            Framework::PytorchNpu => "pytorch_npu",
            Framework::Tensorflow => "tensorflow",
            Framework::Paddlepaddle => "paddlepaddle",
            Framework::Onnx => "onnx",
        }
    }

    /// The inverse of [`Framework::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// A released version of a model's weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ModelVersion {
    pub version: String,
    /// RFC 3339 date.
    pub date: String,
    /// e.g. "ckpt", "mindir", "om", "onnx".
    pub formats: Vec<String>,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub size_bytes: Option<u64>,
    pub download_url: Option<String>,
}

/// A benchmark result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Metric {
    pub dataset: String,
    pub metric: String,
    pub value: f64,
}

/// A training set-up known to work on the center's hardware.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TrainingRecipe {
    pub name: String,
    pub sequence_length: Option<String>,
    pub backend: Option<String>,
    pub nodes: u32,
    pub npus_per_node: u32,
    /// Passed the center's official tests (otherwise: under test).
    pub certified: bool,
    pub recipe_url: Option<String>,
}

/// The models a user keeps as favourites: `GET /v1/me/favourites`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Favourites {
    /// Model ids, sorted.
    pub model_ids: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framework_names_round_trip_as_on_the_wire() {
        use Framework::*;
        for framework in [MindSpore, PytorchNpu, Tensorflow, Paddlepaddle, Onnx] {
            assert_eq!(Framework::parse(framework.as_str()), Some(framework));
            assert_eq!(serde_json::to_value(framework).unwrap(), framework.as_str());
        }
        assert_eq!(Framework::parse("cobol"), None);
    }

    #[test]
    fn training_starts_from_the_first_certified_recipe_else_the_first() {
        let recipe = |name: &str, nodes, certified| TrainingRecipe {
            name: name.into(),
            sequence_length: None,
            backend: None,
            nodes,
            npus_per_node: 8,
            certified,
            recipe_url: None,
        };
        let mut model: Model = serde_json::from_value(serde_json::json!({
            "id": "m", "name": "M", "provider": "P", "task": "LLM", "domain": "Text",
            "industries": [], "framework": "mindspore", "hardware": [], "parameters": null,
            "license": "Apache-2.0", "versions": [], "metrics": [], "recipes": [],
            "card": "", "source_url": null, "downloads": 0, "stars": 0,
            "updated_at": "2026-01-01T00:00:00Z"
        }))
        .unwrap();
        assert_eq!(model.recipe_to_train_with(), None);
        model.recipes = vec![recipe("full", 4, false), recipe("lora", 2, true)];
        assert_eq!(model.recipe_to_train_with().unwrap().name, "lora");
        model.recipes[1].certified = false;
        assert_eq!(model.recipe_to_train_with().unwrap().name, "full");
    }
}
