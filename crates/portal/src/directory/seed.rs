//! The demo's directory: certified solutions of invented partners across
//! the industries the center serves (rail, welding, cities, energy,
//! health, factories, farms, logistics), each certified through an
//! application as a real one would be. Every company, person and code
//! here is made up.

use aicc_api::applications::{ApplicationForm, OrganisationKind, ProgrammeTier};
use aicc_api::directory::PublicContact;
use rusqlite::{Connection, params};

use crate::accounts;
use crate::error::ApiError;

/// An invented partner: name, kind, public contact (name, e-mail,
/// website) if it shows one.
struct DemoPartner {
    name: &'static str,
    kind: OrganisationKind,
    contact: Option<(&'static str, &'static str, &'static str)>,
}

const PARTNERS: &[DemoPartner] = &[
    DemoPartner {
        name: "Qinglan Rail Vision",
        kind: OrganisationKind::Isv,
        contact: Some((
            "Solutions desk",
            "solutions@qinglan-rail.example.cn",
            "https://qinglan-rail.example.cn",
        )),
    },
    DemoPartner {
        name: "Shuoguang Weld Inspection",
        kind: OrganisationKind::Isv,
        contact: Some(("Ma Jun", "ma.jun@shuoguang-weld.example.cn", "")),
    },
    DemoPartner {
        name: "Yunjing Urban Systems",
        kind: OrganisationKind::Si,
        contact: Some((
            "Partner office",
            "partners@yunjing-urban.example.cn",
            "https://yunjing-urban.example.cn/ascend",
        )),
    },
    DemoPartner {
        name: "Tiheng Power Analytics",
        kind: OrganisationKind::Isv,
        contact: None,
    },
    DemoPartner {
        name: "Mingkang Medical Imaging Lab",
        kind: OrganisationKind::ResearchInstitute,
        contact: Some(("Dr. Gao Yan", "gao.yan@mingkang-lab.example.cn", "")),
    },
    DemoPartner {
        name: "Heshan Agritech",
        kind: OrganisationKind::IncubatedStartup,
        contact: Some(("Lin Qiu", "hello@heshan-agri.example.cn", "")),
    },
    DemoPartner {
        name: "Luoyue Edge Devices",
        kind: OrganisationKind::Ihv,
        contact: Some((
            "Channel team",
            "channel@luoyue-edge.example.cn",
            "https://luoyue-edge.example.cn",
        )),
    },
    DemoPartner {
        name: "Zhiqiao Logistics AI",
        kind: OrganisationKind::IncubatedStartup,
        contact: None,
    },
    DemoPartner {
        name: "Beiyuan Institute of Technology",
        kind: OrganisationKind::University,
        contact: Some(("Prof. Xu Ning", "xu.ning@beiyuan-tech.example.edu.cn", "")),
    },
    DemoPartner {
        name: "Other Vision",
        kind: OrganisationKind::Isv,
        contact: Some(("Sun Hao", "lead@other.aicc", "")),
    },
    DemoPartner {
        name: "Demo Robotics",
        kind: OrganisationKind::IncubatedStartup,
        contact: None,
    },
];

/// A solution: its partner (an index into `PARTNERS`), name, description,
/// industries, hardware, frameworks, and how many days ago it was
/// certified.
type DemoSolution = (
    usize,
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
    i64,
);

const SOLUTIONS: &[DemoSolution] = &[
    (
        0,
        "RailEye 轨道巡检 3.0",
        "Finds loose fasteners, cracked sleepers and foreign objects in line-scan images of track, on board the inspection train. 轨道扣件、轨枕裂纹与异物识别。",
        &["rail inspection", "transport"],
        &["Atlas 300I Duo", "Atlas 800T A2"],
        &["MindSpore", "CANN"],
        420,
    ),
    (
        0,
        "Catenary Watch 接触网检测",
        "Detects worn droppers and broken insulators on overhead lines from roof-mounted cameras at line speed.",
        &["rail inspection", "energy"],
        &["Atlas 300I Duo"],
        &["MindSpore"],
        300,
    ),
    (
        0,
        "Tunnel Lining Crack Mapper",
        "Maps cracks and leaks in metro tunnel linings from night-time survey runs; exports to the maintenance system.",
        &["rail inspection", "smart city"],
        &["Atlas 800T A2"],
        &["PyTorch", "CANN"],
        150,
    ),
    (
        9,
        "RailScan 轨道几何异常检测",
        "Flags track-geometry faults from axle-box accelerometers and video together, with a review screen for the night shift.",
        &["rail inspection"],
        &["Atlas 800T A2", "Atlas 300I Duo"],
        &["MindSpore", "MindSpeed-LLM"],
        95,
    ),
    (
        1,
        "SeamSight 焊缝缺陷检测",
        "X-ray weld-seam defect grading (porosity, slag, lack of fusion) to GB/T 3323, with a report per seam.",
        &["weld-seam inspection", "manufacturing"],
        &["Atlas 300I Duo"],
        &["MindSpore"],
        510,
    ),
    (
        1,
        "Pipeline Weld Ultrasonic Reader",
        "Reads phased-array ultrasonic scans of pipeline girth welds and marks the indications an inspector must see.",
        &["weld-seam inspection", "energy"],
        &["Atlas 800T A2"],
        &["PyTorch", "CANN"],
        210,
    ),
    (
        1,
        "Robot Welding Path Check",
        "Checks the seam path of welding robots before the arc starts, from a structured-light camera.",
        &["weld-seam inspection", "manufacturing", "robotics"],
        &["Atlas 200I DK A2"],
        &["MindSpore"],
        60,
    ),
    (
        2,
        "CityPulse 城市事件感知",
        "Turns city cameras into events: illegal parking, blocked fire lanes, fallen trees, for the city operations center.",
        &["smart city", "public safety"],
        &["Atlas 300I Duo", "Atlas 800I A2"],
        &["MindSpore", "MindIE"],
        380,
    ),
    (
        2,
        "Manhole Cover Monitor 井盖监测",
        "Finds missing and displaced manhole covers from street-view patrol footage.",
        &["smart city"],
        &["Atlas 300I Duo"],
        &["MindSpore"],
        240,
    ),
    (
        2,
        "Government Q&A Assistant 政务问答",
        "A fine-tuned language model that answers residents' questions from the city's policy documents, with sources.",
        &["smart city", "government"],
        &["Atlas 800T A2", "Atlas 800I A2"],
        &["MindSpeed-LLM", "MindIE"],
        120,
    ),
    (
        2,
        "Traffic Signal Timing Advisor",
        "Suggests signal timings from intersection counts; tested on three districts' data.",
        &["smart city", "transport"],
        &["Atlas 800I A2"],
        &["MindSpore"],
        30,
    ),
    (
        3,
        "GridGuard 输电线路巡检",
        "Finds bird nests, broken strands and damaged insulators in drone images of transmission lines.",
        &["energy", "power grid"],
        &["Atlas 300I Duo", "Atlas 200I DK A2"],
        &["MindSpore"],
        450,
    ),
    (
        3,
        "Wind Turbine Blade Inspector",
        "Grades erosion and cracks on turbine blades from drone photos, per blade and per park.",
        &["energy"],
        &["Atlas 800T A2"],
        &["PyTorch", "CANN"],
        200,
    ),
    (
        3,
        "Load Forecast 负荷预测",
        "Day-ahead load forecasting for provincial grids with weather inputs.",
        &["energy", "power grid"],
        &["Atlas 800T A2"],
        &["MindSpore"],
        75,
    ),
    (
        3,
        "Substation Meter Reader",
        "Reads analogue gauges and indicator lights in substations from fixed cameras.",
        &["energy", "power grid"],
        &["Atlas 200I DK A2"],
        &["MindSpore"],
        15,
    ),
    (
        4,
        "LungScan CT 肺结节筛查",
        "Detects and measures lung nodules in low-dose CT for screening programmes; research use.",
        &["healthcare", "medical imaging"],
        &["Atlas 800T A2", "Atlas 300I Duo"],
        &["MindSpore"],
        330,
    ),
    (
        4,
        "Fundus Image Grader 眼底分级",
        "Grades diabetic retinopathy from fundus photographs for county hospitals.",
        &["healthcare", "medical imaging"],
        &["Atlas 300I Duo"],
        &["MindSpore", "PyTorch"],
        180,
    ),
    (
        4,
        "Pathology Slide Triage",
        "Ranks whole-slide images by suspicion so pathologists read the likely cases first.",
        &["healthcare"],
        &["Atlas 800T A2"],
        &["PyTorch", "CANN"],
        40,
    ),
    (
        5,
        "Orchard Yield Counter 果园测产",
        "Counts fruit per tree from drone flights a month before harvest.",
        &["agriculture"],
        &["Atlas 200I DK A2"],
        &["MindSpore"],
        260,
    ),
    (
        5,
        "Greenhouse Pest Spotter",
        "Finds whitefly and aphids on sticky traps photographed by phones.",
        &["agriculture"],
        &["Atlas 300I Duo"],
        &["MindSpore"],
        90,
    ),
    (
        6,
        "Edge Box for Factory Vision",
        "An Atlas-based edge box with pre-adapted detection models for assembly lines.",
        &["manufacturing", "robotics"],
        &["Atlas 200I DK A2", "Atlas 300I Duo"],
        &["CANN", "MindIE"],
        410,
    ),
    (
        6,
        "PCB Defect Finder PCB缺陷检测",
        "Detects solder bridges, missing parts and scratches on PCBs at line speed.",
        &["manufacturing"],
        &["Atlas 300I Duo"],
        &["MindSpore", "CANN"],
        170,
    ),
    (
        6,
        "Steel Surface Inspector 钢材表面检测",
        "Classifies surface defects on hot-rolled steel strip.",
        &["manufacturing", "weld-seam inspection"],
        &["Atlas 300I Duo"],
        &["PyTorch", "CANN"],
        55,
    ),
    (
        7,
        "Parcel Sorting Vision 包裹分拣",
        "Reads labels and measures parcels on sorting belts, including damaged labels.",
        &["logistics"],
        &["Atlas 300I Duo"],
        &["MindSpore"],
        140,
    ),
    (
        7,
        "Warehouse Forklift Safety",
        "Warns when people and forklifts come too close in warehouse aisles.",
        &["logistics", "public safety"],
        &["Atlas 200I DK A2"],
        &["MindSpore"],
        20,
    ),
    (
        8,
        "Chinese Legal Text Model 法律文书模型",
        "A fine-tuned model for drafting and checking Chinese court documents; evaluated on a public benchmark.",
        &["government", "education"],
        &["Atlas 800T A2"],
        &["MindSpeed-LLM", "MindSpore"],
        230,
    ),
    (
        8,
        "Campus Energy Twin",
        "A digital twin of a campus's heating and power, trained on five years of meter data.",
        &["energy", "education"],
        &["Atlas 800T A2"],
        &["MindSpore"],
        110,
    ),
    (
        9,
        "Retail Shelf Auditor 货架巡检",
        "Checks shelf gaps and price tags from store cameras.",
        &["retail"],
        &["Atlas 300I Duo"],
        &["MindSpore"],
        160,
    ),
    (
        9,
        "Port Container Code Reader",
        "Reads container codes and damage at port gates.",
        &["logistics", "transport"],
        &["Atlas 300I Duo", "Atlas 800I A2"],
        &["MindSpore", "CANN"],
        70,
    ),
    (
        10,
        "Inspection Robot Navigation 巡检机器人导航",
        "Navigation and meter reading for wheeled inspection robots in substations and tunnels.",
        &["robotics", "energy", "rail inspection"],
        &["Atlas 200I DK A2"],
        &["MindSpore"],
        45,
    ),
    (
        5,
        "Cattle Health Watch",
        "Spots lame and feverish cattle from barn cameras and thermal images.",
        &["agriculture", "healthcare"],
        &["Atlas 300I Duo"],
        &["MindSpore"],
        1_200,
    ),
];

const DAY_MS: i64 = 86_400_000;

/// Adds the demo partners and their certified solutions; already there,
/// they are left as they are.
pub fn seed(conn: &Connection, reviewer: i64, now: i64) -> Result<(), ApiError> {
    let mut organisations = Vec::with_capacity(PARTNERS.len());
    for (n, partner) in PARTNERS.iter().enumerate() {
        let kind = serde_json::to_value(partner.kind)?;
        let id = accounts::ensure_organisation(conn, partner.name, kind.as_str().unwrap_or("isv"))?;
        if let Some((name, email, website)) = partner.contact {
            let contact = PublicContact {
                name: name.into(),
                email: email.into(),
                website: website.into(),
            };
            conn.execute(
                "INSERT OR IGNORE INTO directory_contacts (organisation_id, name, email, website)
                 VALUES (?1, ?2, ?3, ?4)",
                params![id, contact.name, contact.email, contact.website],
            )?;
        }
        organisations.push((id, partner, uscc(n)));
    }
    for (n, (partner, name, description, industries, hardware, frameworks, days_ago)) in
        SOLUTIONS.iter().enumerate()
    {
        let (organisation, demo, uscc) = &organisations[*partner];
        let id = format!("app_demo_solution_{n:02}");
        let certified_at = now - days_ago * DAY_MS;
        let list = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect();
        let form = ApplicationForm {
            organisation_name: demo.name.into(),
            uscc: uscc.clone(),
            organisation_kind: Some(demo.kind),
            contact_name: "Partner office".into(),
            contact_email: format!("office{n}@partners.example.cn"),
            contact_phone: "+86 311 5550 0100".into(),
            industries: list(industries),
            solution_name: (*name).into(),
            solution_description: (*description).into(),
            target_hardware: list(hardware),
            frameworks: list(frameworks),
            tier: Some(ProgrammeTier::Certified),
        };
        let there: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM applications WHERE id = ?1)",
            [&id],
            |r| r.get(0),
        )?;
        if there {
            continue;
        }
        let rev = crate::feed::next_rev(conn)?;
        conn.execute(
            "INSERT INTO applications (id, organisation_id, rev, state, form, created_at, updated_at)
             VALUES (?1, ?2, ?3, 'certified', ?4, ?5, ?5)",
            params![id, organisation, rev, serde_json::to_string(&form)?, certified_at],
        )?;
        let year = crate::clock::rfc3339(certified_at)
            .get(..4)
            .unwrap_or("2026")
            .to_owned();
        conn.execute(
            "UPDATE applications SET certificate_id = ?2 WHERE id = ?1",
            params![id, format!("AICC-ASC-{year}-{:06}", n + 1)],
        )?;
        conn.execute(
            "INSERT INTO application_transitions (application_id, from_state, to_state, actor_user_id, at)
             VALUES (?1, 'adapting', 'certified', ?2, ?3)",
            params![id, reviewer, certified_at],
        )?;
        super::store::publish(conn, &id, certified_at)?;
    }
    Ok(())
}

/// A made-up unified social credit code for the `n`th demo partner, its
/// last character whatever makes it check.
fn uscc(n: usize) -> String {
    let stem = format!("9113010{:010}", 7_300_000_000 + n * 7_919);
    b"0123456789ABCDEFGHJKLMNPQRTUWXY"
        .iter()
        .map(|c| format!("{stem}{}", *c as char))
        .find(|code| aicc_api::uscc::validate(code).is_ok())
        .unwrap_or(stem)
}
