//! A catalog of any size shaped like the center's real one: every model is
//! a variant of a real model (MindSpore zoo, MindCV, MindSpeed-LLM) with a
//! realistic name, its task and domain, hardware, versions and card.

use aicc_api::catalog::Model;
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};

/// Variants a partner would publish of a base model.
const VARIANTS: &[&str] = &[
    "finetuned",
    "int8",
    "w8a8",
    "lora",
    "distilled",
    "pruned",
    "edge",
    "long-context",
    "chat",
    "instruct",
    "medical",
    "industrial",
    "retail",
    "finance",
    "robotics",
    "traffic",
];

/// `count` models, the same for the same `seed`.
pub fn catalog(count: usize, seed: u64) -> Vec<Model> {
    // Seeded at a fixed time, so that the same seed gives the same models
    // whenever it runs.
    let base = aicc_portal::catalog::seed::models_at("2026-11-27T12:00:00Z");
    let mut rng = StdRng::seed_from_u64(seed);
    (0..count)
        .map(|i| {
            let template = &base[i % base.len()];
            let variant = VARIANTS[rng.random_range(0..VARIANTS.len())];
            let n = i / base.len();
            let mut model = template.clone();
            model.id = format!("{}-{variant}-{n}", template.id);
            model.name = format!("{} {variant} {n}", template.name);
            model.provider = format!("Partner {:03}", rng.random_range(0..400));
            model.downloads = rng.random_range(0..250_000);
            model.stars = rng.random_range(0..5_000);
            model.updated_at = format!(
                "2026-{:02}-{:02}T{:02}:00:00Z",
                rng.random_range(1..=11),
                rng.random_range(1..=28),
                rng.random_range(0..24)
            );
            model.card = format!(
                "{}\n\n## {variant}\n\nAdapted by {} for {} on Ascend.",
                template.card, model.provider, template.task
            );
            model
        })
        .collect()
}

/// `count` models of `catalog` changed as a republication would change them.
pub fn changed(models: &[Model], count: usize, round: u64) -> Vec<Model> {
    let mut rng = StdRng::seed_from_u64(round);
    (0..count)
        .map(|_| {
            let mut model = models[rng.random_range(0..models.len())].clone();
            model.downloads += 1 + round;
            model.updated_at = format!("2026-11-27T12:{:02}:00Z", round % 60);
            model
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_models_are_unique_realistic_and_repeatable() {
        let models = catalog(2_000, 7);
        let ids: std::collections::HashSet<_> = models.iter().map(|m| &m.id).collect();
        assert_eq!(ids.len(), models.len());
        assert!(
            models
                .iter()
                .all(|m| !m.task.is_empty() && m.card.len() > 40)
        );
        assert_eq!(catalog(2_000, 7), models);
    }
}
