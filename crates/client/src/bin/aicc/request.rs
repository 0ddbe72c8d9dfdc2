//! A training request from `aicc jobs submit`'s file and flags: the file's
//! fields, each flag given put over them, the nodes × NPUs from the catalog
//! model's recipe when neither gives them.

use aicc_api::jobs::JobRequest;
use aicc_client::partner::Partner;
use aicc_client::{Error, Result, catalog};

use crate::args::RequestFlags;
use crate::show::Out;

/// The fields a request cannot do without, and the flag that gives each.
const NEEDED: [(&str, &str); 6] = [
    ("name", "--name"),
    ("dataset_uri", "--dataset"),
    ("pool_id", "--pool"),
    ("nodes", "--nodes"),
    ("npus_per_node", "--npus-per-node"),
    ("max_hours", "--max-hours"),
];

/// The request `flags` (and the file they name) describe; not yet checked
/// against the center's rules ([`Partner::create_job`] does that).
pub async fn request(partner: &Partner, flags: RequestFlags, out: &Out) -> Result<JobRequest> {
    let source = flags.file.as_ref().map_or_else(
        || "aicc jobs submit".to_owned(),
        |f| f.display().to_string(),
    );
    let not_a_request = |error: &dyn std::fmt::Display| {
        Error::InvalidInput(out.say("notARequest", &[("file", &source), ("error", error)]))
    };
    if flags.model_version.is_some() && flags.model.is_none() {
        return Err(Error::InvalidInput(out.say("versionWithoutModel", &[])));
    }
    let mut fields = match &flags.file {
        Some(file) => {
            let text = std::fs::read_to_string(file).map_err(|e| {
                Error::InvalidInput(out.say("cannotRead", &[("file", &source), ("error", &e)]))
            })?;
            let fields = toml::from_str::<toml::Table>(&text).map_err(|e| not_a_request(&e))?;
            known_only(&fields, &source, out)?;
            fields
        }
        None => toml::Table::new(),
    };
    put_flags(&mut fields, flags);

    let model_id = fields
        .get("base_model")
        .and_then(|m| m.get("model_id"))
        .and_then(toml::Value::as_str)
        .map(str::to_owned);
    if let Some(model_id) = model_id {
        let wanted = model_id.clone();
        let page = partner
            .local(move |c| catalog::model(c, &wanted))
            .await?
            .ok_or_else(|| Error::InvalidInput(out.say("noModel", &[("id", &model_id)])))?;
        if let Some(recipe) = page.recipe {
            fields
                .entry("nodes")
                .or_insert(toml::Value::Integer(recipe.nodes.into()));
            fields
                .entry("npus_per_node")
                .or_insert(toml::Value::Integer(recipe.npus_per_node.into()));
        }
    }

    if let Some((field, flag)) = NEEDED.iter().find(|(f, _)| !fields.contains_key(*f)) {
        return Err(Error::InvalidInput(
            out.say("missingField", &[("field", field), ("flag", flag)]),
        ));
    }
    toml::Value::Table(fields)
        .try_into()
        .map_err(|e| not_a_request(&e))
}

/// A request's fields, and a catalog model's.
const FIELDS: [&str; 11] = [
    "name",
    "base_model",
    "custom_image",
    "dataset_uri",
    "pool_id",
    "nodes",
    "npus_per_node",
    "max_hours",
    "hyperparameters",
    "priority",
    "note",
];
const MODEL_FIELDS: [&str; 2] = ["model_id", "version"];

/// Refuses a file with a field no request has (a misspelt `priorty` would
/// otherwise be dropped without a word).
fn known_only(fields: &toml::Table, file: &str, out: &Out) -> Result<()> {
    let model = fields.get("base_model").and_then(toml::Value::as_table);
    let unknown = fields
        .keys()
        .find(|k| !FIELDS.contains(&k.as_str()))
        .map(|k| (k.clone(), FIELDS.join(", ")))
        .or_else(|| {
            model?
                .keys()
                .find(|k| !MODEL_FIELDS.contains(&k.as_str()))
                .map(|k| (format!("base_model.{k}"), MODEL_FIELDS.join(", ")))
        });
    match unknown {
        Some((field, known)) => Err(Error::InvalidInput(out.say(
            "unknownField",
            &[("file", &file), ("field", &field), ("fields", &known)],
        ))),
        None => Ok(()),
    }
}

/// Puts each flag given over the file's field of the same meaning; a
/// model or an image given as a flag also replaces the other in the file.
fn put_flags(fields: &mut toml::Table, flags: RequestFlags) {
    let put = |fields: &mut toml::Table, key: &str, value: Option<toml::Value>| {
        if let Some(value) = value {
            fields.insert(key.to_owned(), value);
        }
    };
    if let Some(model) = flags.model {
        let mut base = toml::Table::new();
        base.insert("model_id".into(), model.into());
        if let Some(version) = flags.model_version {
            base.insert("version".into(), version.into());
        }
        fields.insert("base_model".into(), base.into());
        fields.remove("custom_image");
    }
    if let Some(image) = flags.image {
        fields.insert("custom_image".into(), image.into());
        fields.remove("base_model");
    }
    put(fields, "name", flags.name.map(Into::into));
    put(fields, "dataset_uri", flags.dataset.map(Into::into));
    put(fields, "pool_id", flags.pool.map(Into::into));
    put(fields, "nodes", flags.nodes.map(|n| i64::from(n).into()));
    let npus = flags.npus_per_node.map(|n| i64::from(n).into());
    put(fields, "npus_per_node", npus);
    put(fields, "max_hours", flags.max_hours.map(Into::into));
    let priority = flags.priority.and_then(|p| toml::Value::try_from(p).ok());
    put(fields, "priority", priority);
    put(fields, "note", flags.note.map(Into::into));
    if !flags.parameters.is_empty() {
        let hyperparameters = fields
            .entry("hyperparameters")
            .or_insert_with(|| toml::Table::new().into());
        if let Some(table) = hyperparameters.as_table_mut() {
            table.extend(flags.parameters);
        }
    }
}
