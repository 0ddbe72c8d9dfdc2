//! The demo catalog, built from public facts about models that run on
//! Ascend NPUs (see `seed/README.md` for sources and licences): the
//! MindSpore model zoo, MindCV's benchmarks, and MindSpeed-LLM's training
//! set-ups. The files are embedded in the binary; nothing is read from disk.

use std::collections::{BTreeMap, HashSet};

use aicc_api::catalog::{Framework, Metric, Model, ModelVersion, TrainingRecipe};
use serde::Deserialize;

const ZOO: &str = include_str!("../../seed/mindspore-model-zoo.json");
const MINDCV: &str = include_str!("../../seed/mindcv-benchmarks.json");
const MINDSPEED: &str = include_str!("../../seed/mindspeed-llm-models.json");

/// The date of the model-zoo snapshot the zoo rows come from.
const ZOO_DATE: &str = "2022-09-08T00:00:00Z";

#[derive(Deserialize)]
struct ZooFile {
    models: Vec<ZooRow>,
}

#[derive(Deserialize)]
struct ZooRow {
    network: String,
    domain: String,
    task: String,
    source_url: String,
    collection: String,
    hardware: Vec<String>,
}

#[derive(Deserialize)]
struct MindCvFile {
    benchmarks: Vec<MindCvRow>,
}

#[derive(Deserialize)]
struct MindCvRow {
    model: String,
    params_m: f64,
    cards: u32,
    batch_size: u32,
    resolution: String,
    images_per_s: f64,
    top1: f64,
    top5: f64,
    recipe_url: String,
    weights_url: String,
    tested_on: String,
}

#[derive(Deserialize)]
struct MindSpeedFile {
    models: Vec<MindSpeedRow>,
}

#[derive(Deserialize)]
struct MindSpeedRow {
    family: String,
    size: String,
    architecture: String,
    weights_url: Option<String>,
    seq_len: String,
    backend: String,
    nodes: u32,
    npus_per_node: u32,
    contributor: String,
    certification: String,
}

/// Every model of the demo catalog, `updated_at` set to `now` (RFC 3339)
/// where the sources carry no date.
pub fn models_at(now: &str) -> Vec<Model> {
    #[allow(clippy::expect_used)] // embedded at compile time; a unit test parses them
    let (zoo, mindcv, mindspeed) = (
        serde_json::from_str::<ZooFile>(ZOO).expect("embedded model zoo is valid"),
        serde_json::from_str::<MindCvFile>(MINDCV).expect("embedded MindCV table is valid"),
        serde_json::from_str::<MindSpeedFile>(MINDSPEED)
            .expect("embedded MindSpeed table is valid"),
    );
    // The two tables spell names differently (`efficientnet_b0`,
    // `efficientnet-b0`): join on the slug. A network measured on two kinds
    // of hardware has a row for each; all are kept.
    let mut benchmarks: BTreeMap<String, Vec<MindCvRow>> = BTreeMap::new();
    for row in mindcv.benchmarks {
        benchmarks.entry(slug(&row.model)).or_default().push(row);
    }
    let mut ids = HashSet::new();
    let mut models = Vec::new();
    for row in zoo.models {
        let slugged = slug(&row.network);
        let bench = benchmarks.remove(&slugged).unwrap_or_default();
        let mut id = slugged;
        if !ids.insert(id.clone()) {
            id = format!("{id}-{}", slug(&row.domain));
            ids.insert(id.clone());
        }
        models.push(zoo_model(id, row, bench));
    }
    for (id, bench) in benchmarks {
        if ids.insert(id.clone()) {
            models.push(mindcv_model(id, bench, now));
        }
    }
    let mut families: BTreeMap<(String, String), Vec<MindSpeedRow>> = BTreeMap::new();
    for row in mindspeed.models {
        families
            .entry((row.family.clone(), row.size.clone()))
            .or_default()
            .push(row);
    }
    for ((family, size), rows) in families {
        let name = if size == "/" {
            family
        } else {
            format!("{family} {size}")
        };
        let id = slug(&name);
        if ids.insert(id.clone()) {
            models.push(llm_model(id, name, &size, rows, now));
        }
    }
    models
}

/// The demo catalog seeded now.
pub fn models() -> Vec<Model> {
    let now = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| ZOO_DATE.to_owned());
    models_at(&now)
}

fn zoo_model(id: String, row: ZooRow, bench: Vec<MindCvRow>) -> Model {
    let provider = if row.collection == "official" {
        "MindSpore"
    } else {
        "MindSpore community"
    };
    let mut hardware = Vec::new();
    for mark in &row.hardware {
        match mark.as_str() {
            "Ascend" => hardware.extend(["Atlas 800T A2".to_owned(), "Atlas 300I Pro".to_owned()]),
            other => hardware.push(other.to_owned()),
        }
    }
    let mut model = Model {
        name: row.network.clone(),
        provider: provider.to_owned(),
        task: row.task,
        industries: industries_for(&row.domain),
        domain: row.domain,
        framework: Framework::MindSpore,
        hardware,
        parameters: None,
        license: "Apache-2.0".to_owned(),
        versions: vec![ModelVersion {
            version: "r1.8".to_owned(),
            date: ZOO_DATE.to_owned(),
            formats: vec!["ckpt".to_owned(), "mindir".to_owned()],
            size_bytes: None,
            download_url: None,
        }],
        metrics: Vec::new(),
        recipes: Vec::new(),
        card: String::new(),
        source_url: Some(row.source_url),
        downloads: 0,
        stars: 0,
        updated_at: ZOO_DATE.to_owned(),
        id,
    };
    for run in bench {
        add_benchmark(&mut model, run);
    }
    model.card = card(
        &model,
        &format!(
            "from the {} collection of the MindSpore model zoo",
            row.collection
        ),
    );
    model
}

fn mindcv_model(id: String, bench: Vec<MindCvRow>, now: &str) -> Model {
    let mut model = Model {
        id,
        name: bench.first().map(|b| b.model.clone()).unwrap_or_default(),
        provider: "MindSpore Lab (MindCV)".to_owned(),
        task: "Image Classification".to_owned(),
        domain: "Image".to_owned(),
        industries: industries_for("Image"),
        framework: Framework::MindSpore,
        hardware: Vec::new(),
        parameters: None,
        license: "Apache-2.0".to_owned(),
        versions: Vec::new(),
        metrics: Vec::new(),
        recipes: Vec::new(),
        card: String::new(),
        source_url: bench.first().map(|b| b.recipe_url.clone()),
        downloads: 0,
        stars: 0,
        updated_at: now.to_owned(),
    };
    for run in bench {
        add_benchmark(&mut model, run);
    }
    model.card = card(
        &model,
        "from MindCV, MindSpore's computer-vision model library",
    );
    model
}

fn add_benchmark(model: &mut Model, bench: MindCvRow) {
    let parameters = (bench.params_m * 1e6).round() as u64;
    model.parameters = Some(parameters);
    let a2 = bench.tested_on.contains("800T A2");
    let hardware = if a2 { "Atlas 800T A2" } else { "Ascend 910" };
    if !model.hardware.iter().any(|h| h == hardware) {
        model.hardware.insert(0, hardware.to_owned());
    }
    model.versions.insert(
        0,
        ModelVersion {
            version: if a2 { "mindcv-910b" } else { "mindcv" }.to_owned(),
            date: model.updated_at.clone(),
            formats: vec!["ckpt".to_owned()],
            // fp32 weights: four bytes a parameter.
            size_bytes: Some(parameters * 4),
            download_url: Some(bench.weights_url),
        },
    );
    for (metric, value) in [
        ("Top-1 accuracy (%)", bench.top1),
        ("Top-5 accuracy (%)", bench.top5),
    ] {
        model.metrics.push(Metric {
            dataset: "ImageNet-1k".to_owned(),
            metric: format!("{metric}, {hardware}"),
            value,
        });
    }
    model.metrics.push(Metric {
        dataset: format!(
            "ImageNet-1k, {}, batch {}",
            bench.resolution, bench.batch_size
        ),
        metric: format!("Throughput on {} (images/s)", bench.tested_on),
        value: bench.images_per_s,
    });
    model.recipes.push(TrainingRecipe {
        name: format!(
            "MindCV on {hardware}, {} cards, batch {}",
            bench.cards, bench.batch_size
        ),
        sequence_length: None,
        backend: Some("MindSpore graph mode".to_owned()),
        nodes: 1,
        npus_per_node: bench.cards,
        certified: true,
        recipe_url: Some(bench.recipe_url),
    });
}

fn llm_model(id: String, name: String, size: &str, rows: Vec<MindSpeedRow>, now: &str) -> Model {
    let first = &rows[0];
    let mut model = Model {
        id,
        name,
        provider: first.contributor.clone(),
        task: "LLM".to_owned(),
        domain: "Text".to_owned(),
        industries: industries_for("LLM"),
        framework: Framework::PytorchNpu,
        hardware: vec![
            "Atlas 800T A2".to_owned(),
            "Atlas 900 A3 SuperPoD".to_owned(),
        ],
        parameters: parameters_from_size(size),
        license: "See the upstream weights".to_owned(),
        versions: Vec::new(),
        metrics: Vec::new(),
        recipes: Vec::new(),
        card: String::new(),
        source_url: first.weights_url.clone(),
        downloads: 0,
        stars: 0,
        updated_at: now.to_owned(),
    };
    let architecture = first.architecture.clone();
    for row in rows {
        model.recipes.push(TrainingRecipe {
            name: format!(
                "MindSpeed-LLM {} backend, {} sequence",
                row.backend, row.seq_len
            ),
            sequence_length: Some(row.seq_len),
            backend: Some(row.backend),
            nodes: row.nodes,
            npus_per_node: row.npus_per_node,
            certified: row.certification == "Pass",
            recipe_url: None,
        });
    }
    model.card = card(
        &model,
        &format!("a {architecture} large language model with MindSpeed-LLM training set-ups"),
    );
    model
}

/// Reads sizes such as `32B`, `0.6B`, `8x7B`, `235B-A22B`, `MoE-560B`, `1T`,
/// `7B1` (7.1B); anything else (`/`, `mini-instruct`) is unknown.
fn parameters_from_size(size: &str) -> Option<u64> {
    let size = size.strip_prefix("MoE-").unwrap_or(size);
    let total = size.split('-').next()?;
    let (experts, each) = match total.split_once('x') {
        Some((n, rest)) => (n.parse::<f64>().ok()?, rest),
        None => (1.0, total),
    };
    let unit_at = each.find(['B', 'T'])?;
    let (number, rest) = each.split_at(unit_at);
    let scale = if rest.starts_with('T') { 1e12 } else { 1e9 };
    let decimals = &rest[1..];
    let value: f64 = if decimals.is_empty() {
        number.parse().ok()?
    } else {
        format!("{number}.{decimals}").parse().ok()?
    };
    Some((experts * value * scale).round() as u64)
}

/// Industry tags for the demo, by domain: which sectors the center's partners
/// typically bring such models to.
fn industries_for(domain: &str) -> Vec<String> {
    let tags: &[&str] = match domain {
        "Image" => &["manufacturing", "city", "healthcare"],
        "Video" => &["city", "transport"],
        "Text" => &["finance", "government"],
        "LLM" => &["finance", "government", "education", "healthcare"],
        "Audio" => &["customer service", "transport"],
        "Recommendation" => &["retail", "finance"],
        "3D" => &["manufacturing", "transport"],
        "Graph Neural Network" => &["finance", "energy"],
        "High Performance Computing" => &["energy", "research"],
        "Multi Modal" => &["education", "city"],
        _ => &[],
    };
    tags.iter().map(|t| (*t).to_owned()).collect()
}

fn slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if c == '.' && out.chars().last().is_some_and(|l| l.is_ascii_digit()) {
            out.push('.');
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

/// A model card written from the facts we hold, nothing more.
fn card(model: &Model, origin: &str) -> String {
    use std::fmt::Write as _;
    let mut md = format!(
        "# {}\n\n{} for {}, {origin}.\n\n",
        model.name, model.task, model.domain
    );
    md.push_str("| | |\n|---|---|\n");
    let _ = writeln!(md, "| Provider | {} |", model.provider);
    let _ = writeln!(md, "| Framework | {} |", framework_label(model.framework));
    if let Some(p) = model.parameters {
        let _ = writeln!(md, "| Parameters | {:.2} M |", p as f64 / 1e6);
    }
    if !model.hardware.is_empty() {
        let _ = writeln!(md, "| Runs on | {} |", model.hardware.join(", "));
    }
    let _ = writeln!(md, "| Licence | {} |", model.license);
    if !model.metrics.is_empty() {
        md.push_str("\n## Benchmarks\n\n| Dataset | Metric | Value |\n|---|---|---|\n");
        for m in &model.metrics {
            let _ = writeln!(md, "| {} | {} | {} |", m.dataset, m.metric, m.value);
        }
    }
    if !model.recipes.is_empty() {
        md.push_str("\n## Training on the center\n\n");
        for r in &model.recipes {
            let status = if r.certified {
                "certified"
            } else {
                "under test"
            };
            let _ = writeln!(
                md,
                "- {}: {} × {} NPUs ({status})",
                r.name, r.nodes, r.npus_per_node
            );
        }
    }
    if let Some(url) = &model.source_url {
        let _ = write!(md, "\n[Source]({url})\n");
    }
    md
}

fn framework_label(framework: Framework) -> &'static str {
    match framework {
        Framework::MindSpore => "MindSpore",
        Framework::PytorchNpu => "PyTorch + torch_npu (MindSpeed)",
        Framework::Tensorflow => "TensorFlow",
        Framework::Paddlepaddle => "PaddlePaddle",
        Framework::Onnx => "ONNX",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_source_row_becomes_a_model_with_a_unique_id() {
        let models = models_at(ZOO_DATE);
        let ids: HashSet<_> = models.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids.len(), models.len());
        // 409 zoo rows, 42 MindCV-only networks, 125 LLM family/size pairs.
        assert_eq!(models.len(), 409 + 42 + 125);
    }

    #[test]
    fn zoo_and_mindcv_rows_join_on_the_network_name() {
        let models = models_at(ZOO_DATE);
        let densenet = models.iter().find(|m| m.id == "densenet121").unwrap();
        assert_eq!(densenet.provider, "MindSpore");
        assert!(densenet.parameters.is_some());
        assert!(
            densenet
                .metrics
                .iter()
                .any(|m| m.metric.starts_with("Top-1"))
        );
        assert!(densenet.card.contains("## Benchmarks"));
        let effnet = models.iter().find(|m| m.id == "efficientnet-b0").unwrap();
        assert!(
            effnet
                .source_url
                .as_deref()
                .unwrap()
                .contains("gitee.com/mindspore/models")
        );
        assert!(
            !effnet.metrics.is_empty(),
            "joined although spelled differently"
        );
        let convnext = models.iter().find(|m| m.id == "convnext-tiny").unwrap();
        assert_eq!(
            convnext.recipes.len(),
            2,
            "one recipe per measured hardware"
        );
    }

    #[test]
    fn llm_rows_of_one_family_and_size_are_recipes_of_one_model() {
        let models = models_at(ZOO_DATE);
        let qwen = models.iter().find(|m| m.id == "qwen3-32b").unwrap();
        assert_eq!(qwen.framework, Framework::PytorchNpu);
        assert_eq!(qwen.parameters, Some(32_000_000_000));
        assert_eq!(
            (qwen.recipes[0].nodes, qwen.recipes[0].npus_per_node),
            (2, 8)
        );
    }

    #[test]
    fn sizes_parse_like_the_mindspeed_table_writes_them() {
        assert_eq!(parameters_from_size("0.6B"), Some(600_000_000));
        assert_eq!(parameters_from_size("8x7B"), Some(56_000_000_000));
        assert_eq!(parameters_from_size("235B-A22B"), Some(235_000_000_000));
        assert_eq!(parameters_from_size("MoE-560B"), Some(560_000_000_000));
        assert_eq!(parameters_from_size("1T"), Some(1_000_000_000_000));
        assert_eq!(parameters_from_size("7B1"), Some(7_100_000_000));
        assert_eq!(parameters_from_size("/"), None);
        assert_eq!(parameters_from_size("mini-instruct"), None);
    }

    #[test]
    fn slugs_are_url_safe_and_keep_version_dots() {
        assert_eq!(slug("Qwen2.5 72B"), "qwen2.5-72b");
        assert_eq!(slug("LearningToSeeInTheDark"), "learningtoseeinthedark");
        assert_eq!(slug("DeepSeek-V3.2"), "deepseek-v3.2");
    }
}
