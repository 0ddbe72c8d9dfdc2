//! A catalog of any size shaped like the center's real one: every model is
//! a variant of a real model (MindSpore zoo, MindCV, MindSpeed-LLM) with a
//! realistic name, its task and domain, hardware, versions and card; and
//! a directory of certified solutions of any size, named as partners name
//! them in English and Chinese.

use aicc_api::applications::OrganisationKind;
use aicc_api::catalog::Model;
use aicc_api::directory::{Partner, Solution};
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

/// Product words of the directory's made-up solutions: an English word
/// and a Chinese one, as partners name them.
const PRODUCTS: &[(&str, &str)] = &[
    ("RailEye", "轨道巡检"),
    ("SeamSight", "焊缝检测"),
    ("CityPulse", "城市事件"),
    ("GridGuard", "线路巡检"),
    ("LungScan", "肺结节筛查"),
    ("Orchard", "果园测产"),
    ("EdgeBox", "边缘推理"),
    ("Parcel", "包裹分拣"),
    ("LawText", "法律文书"),
    ("Shelf", "货架巡检"),
    ("Tunnel", "隧道检测"),
    ("Turbine", "风机叶片"),
    ("Meter", "表计识别"),
    ("Steel", "钢材表面"),
    ("Port", "集装箱识别"),
    ("Forklift", "叉车安全"),
];

const INDUSTRIES: &[&str] = &[
    "rail inspection",
    "weld-seam inspection",
    "smart city",
    "energy",
    "power grid",
    "healthcare",
    "manufacturing",
    "agriculture",
    "logistics",
    "retail",
    "transport",
    "government",
];

const HARDWARE: &[&str] = &[
    "Atlas 800T A2",
    "Atlas 800I A2",
    "Atlas 300I Duo",
    "Atlas 200I DK A2",
];

const FRAMEWORKS: &[&str] = &["MindSpore", "CANN", "MindIE", "MindSpeed-LLM", "PyTorch"];

const KINDS: &[OrganisationKind] = &[
    OrganisationKind::Isv,
    OrganisationKind::Si,
    OrganisationKind::Ihv,
    OrganisationKind::IncubatedStartup,
    OrganisationKind::ResearchInstitute,
    OrganisationKind::University,
];

/// `count` certified solutions of `count / 5` made-up partners, the same
/// for the same `seed`.
pub fn directory(count: usize, seed: u64) -> Vec<Solution> {
    let mut rng = StdRng::seed_from_u64(seed);
    let partners = (count / 5).max(1);
    (0..count)
        .map(|i| {
            let (english, chinese) = PRODUCTS[rng.random_range(0..PRODUCTS.len())];
            let partner = rng.random_range(0..partners);
            let pick = |rng: &mut StdRng, from: &[&str], most: usize| -> Vec<String> {
                let n = rng.random_range(1..=most);
                let mut chosen: Vec<String> = (0..n)
                    .map(|_| from[rng.random_range(0..from.len())].to_owned())
                    .collect();
                chosen.sort();
                chosen.dedup();
                chosen
            };
            let industries = pick(&mut rng, INDUSTRIES, 3);
            let day = rng.random_range(1..=28);
            let month = rng.random_range(1..=12);
            let year = rng.random_range(2024..=2026);
            Solution {
                id: format!("app_bench_{i:06}"),
                name: format!("{english} {chinese} {}.{}", i % 7 + 1, i % 10),
                description: format!(
                    "{english} for {} on Ascend: detection, grading and reports for the night shift.",
                    industries.join(", ")
                ),
                hardware: pick(&mut rng, HARDWARE, 2),
                frameworks: pick(&mut rng, FRAMEWORKS, 2),
                industries,
                certificate_id: format!("AICC-ASC-{year}-{i:06}"),
                certified_at: format!("{year}-{month:02}-{day:02}T00:00:00Z"),
                expires_at: format!("{}-{month:02}-{day:02}T00:00:00Z", year + 3),
                partner: Partner {
                    id: partner.to_string(),
                    name: format!("Partner {partner:05} Vision"),
                    kind: KINDS[partner % KINDS.len()],
                    contact: None,
                },
                updated_at: "2026-11-27T12:00:00Z".into(),
            }
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
