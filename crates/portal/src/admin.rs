//! What center staff do from the command line (`aicc-portal admin …`), and
//! the demo data. Each function works on the database directly, so it runs
//! beside a serving portal (SQLite in WAL mode); the portal picks the
//! changes up and tells the apps.

use aicc_api::applications::{Application, Review};
use aicc_api::auth::Role;
use aicc_api::catalog::Model;
use rusqlite::{Connection, OptionalExtension};

use crate::accounts::{self, DEMO_PASSWORD};
use crate::error::ApiError;
use crate::{applications, catalog, incubation, jobs};

/// The demo: organisations, the six accounts (password `demo-password`),
/// two NPU pools with a day of history, quotas, and the seed catalog if
/// the catalog is empty.
pub fn seed_demo(conn: &mut Connection) -> Result<(), ApiError> {
    let center = accounts::ensure_organisation(conn, "Demo AI Computing Center", "center")?;
    let robotics = accounts::ensure_organisation(conn, "Demo Robotics", "incubated_startup")?;
    let vision = accounts::ensure_organisation(conn, "Other Vision", "isv")?;
    for (org, email, name, role) in [
        (robotics, "partner@demo.aicc", "Li Wei", Role::PartnerAdmin),
        (
            robotics,
            "engineer@demo.aicc",
            "Zhao Lei",
            Role::PartnerMember,
        ),
        (vision, "lead@other.aicc", "Sun Hao", Role::PartnerAdmin),
        (
            vision,
            "member@other.aicc",
            "Zhang Min",
            Role::PartnerMember,
        ),
        (
            center,
            "reviewer@demo.aicc",
            "Wang Fang",
            Role::CenterReviewer,
        ),
        (center, "admin@demo.aicc", "Chen Jie", Role::CenterAdmin),
    ] {
        accounts::upsert_user(conn, org, email, name, role, DEMO_PASSWORD)?;
    }
    jobs::upsert_pool(
        conn,
        "atlas-800t-a2",
        "Atlas 800T A2 — 8 NPUs/node",
        "Ascend 910B",
        8,
        8,
    )?;
    jobs::upsert_pool(
        conn,
        "atlas-300i-duo",
        "Atlas 300I Duo inference",
        "Ascend 310P",
        4,
        8,
    )?;
    jobs::set_quota(conn, robotics, 2000.0)?;
    jobs::set_quota(conn, vision, 500.0)?;
    let empty: bool = conn.query_row(
        "SELECT NOT EXISTS (SELECT 1 FROM catalog_models)",
        [],
        |r| r.get(0),
    )?;
    if empty {
        catalog::upsert(conn, &catalog::seed::models())?;
    }
    seed_incubation(conn, robotics)?;
    let reviewer = user_id(conn, "reviewer@demo.aicc")?;
    crate::directory::seed::seed(conn, reviewer, crate::clock::now_ms())?;
    crate::talent::seed::seed(conn, "reviewer@demo.aicc", crate::clock::now_ms())?;
    jobs::history::seed_demo(conn, crate::clock::now_ms())
}

/// Demo Robotics in the 2026 cohort of the incubation programme, with a
/// plan (one milestone accepted, one sent for review, two ahead), credits,
/// the cohort's events and two mentors.
fn seed_incubation(conn: &Connection, robotics: i64) -> Result<(), ApiError> {
    use aicc_api::incubation::{Evidence, MilestoneDecision, MilestoneReview, MilestoneState};
    use incubation::store::{self, Plan};
    let (cohort, _) = store::ensure_cohort(
        conn,
        &store::CohortPlan {
            programme: "Ascend Application Incubation Programme",
            description: Some(
                "Twelve months for startups to bring an AI product to Ascend: compute granted by \
                 the center, mentors from its engineering team, and a demo day with the industry \
                 partners.",
            ),
            staff: &["reviewer@demo.aicc"],
            cohort: "2026 cohort",
            starts_on: "2026-09-01",
            ends_on: "2027-08-31",
        },
    )?;
    if store::enrolment(conn, robotics)?.is_some() {
        return Ok(());
    }
    store::enrol(conn, robotics, &cohort)?;
    let user = |email: &str| -> Result<i64, ApiError> {
        Ok(
            conn.query_row("SELECT id FROM users WHERE email = ?1", [email], |r| {
                r.get(0)
            })?,
        )
    };
    let (staff, startup) = (user("reviewer@demo.aicc")?, user("partner@demo.aicc")?);
    let plans = [
        Plan {
            title: "Weld-seam inspection on Atlas 300I Duo",
            description: "Convert the weld-seam inspection model to run on Atlas 300I Duo with \
                          CANN and keep its accuracy within one point of the GPU build.",
            deliverable: "Inference at 25 frames per second or more per camera stream on one \
                          Atlas 300I Duo card, with the conversion notes",
            due_on: "2026-10-15",
        },
        Plan {
            title: "95% defect recall on the center's test set",
            description: "Fine-tune on the center's NPUs until the model finds 95% of the \
                          defects in the 4,000-image weld test set.",
            deliverable: "The evaluation report, with recall and false alarms per defect class",
            due_on: "2026-11-30",
        },
        Plan {
            title: "Pilot on two weld lines",
            description: "Four weeks on two lines of a partner factory, inspecting every seam.",
            deliverable: "The pilot report signed by the factory's quality manager",
            due_on: "2027-01-31",
        },
        Plan {
            title: "Demo day",
            description: "Present the product and the pilot's figures to the center's industry \
                          partners.",
            deliverable: "The slides and a three-minute video",
            due_on: "2027-03-20",
        },
    ];
    let ids = [
        "ms_demo_adapt",
        "ms_demo_recall",
        "ms_demo_pilot",
        "ms_demo_day",
    ];
    for (id, plan) in ids.iter().zip(&plans) {
        store::add_milestone(conn, robotics, Some(id), plan, staff)?;
    }
    store::submit(
        conn,
        ids[0],
        MilestoneState::Planned,
        &Evidence {
            text: "Converted with ATC; 31 FPS per stream on one card, mAP 0.6 points below the \
                   GPU build. Notes and benchmark log attached to the shared folder."
                .into(),
        },
        startup,
    )?;
    store::review(
        conn,
        ids[0],
        &MilestoneReview {
            decision: MilestoneDecision::Accept,
            comment: Some("Reproduced on our card: 30.4 FPS. Well done.".into()),
        },
        staff,
    )?;
    store::submit(
        conn,
        ids[1],
        MilestoneState::Planned,
        &Evidence {
            text: "Recall 95.8% on the test set after LoRA fine-tuning (job on Atlas 800T A2); \
                   false alarms 2.1%. Report attached."
                .into(),
        },
        startup,
    )?;
    // Credits granted with the enrolment, and a smaller grant for the
    // pilot that runs out in under a fortnight (a week before, the app
    // warns).
    let now = crate::clock::now_ms();
    let day = 86_400_000;
    for (npu_hours, reason, granted, expires) in [
        (
            300.0,
            "Adapting the weld-seam inspection model to Ascend",
            now - 60 * day,
            now + 120 * day,
        ),
        (
            40.0,
            "Pilot inference runs for the factory lines",
            now - 10 * day,
            now + 12 * day,
        ),
    ] {
        let grant = incubation::credits::Grant {
            npu_hours,
            reason,
            expires_at: expires,
        };
        incubation::credits::grant(conn, robotics, &grant, staff, granted)?;
    }
    // The cohort's events, ahead of whenever the demo starts: the demo day
    // (09:00 to 17:00 in Beijing), a training soon, and a lab with one
    // bench, taken, so a second registration waits.
    let day_start = now - now.rem_euclid(day);
    let hour = 3_600_000;
    let events = [
        incubation::events::Plan {
            kind: aicc_api::incubation::EventKind::DemoDay,
            title: "2026 cohort demo day",
            description: "Each startup presents its product and pilot figures to the center's \
                          industry partners; ten minutes each, then questions.",
            starts_at: day_start + 104 * day + hour,
            ends_at: day_start + 104 * day + 9 * hour,
            place: "Demo AI Computing Center, auditorium, 2nd floor",
            link: None,
            seats: 120,
        },
        incubation::events::Plan {
            kind: aicc_api::incubation::EventKind::Training,
            title: "LoRA fine-tuning with MindSpore on Atlas 800T A2",
            description: "A morning with the center's engineers: data preparation, a LoRA run on \
                          eight NPUs, and reading its metrics.",
            starts_at: day_start + 9 * day + hour + hour / 2,
            ends_at: day_start + 9 * day + 4 * hour + hour / 2,
            place: "Training room 3",
            link: Some("https://meeting.demo-aicc.example.cn/j/552190"),
            seats: 30,
        },
        incubation::events::Plan {
            kind: aicc_api::incubation::EventKind::Workshop,
            title: "Hands-on lab: converting a model with ATC",
            description: "One bench with an Atlas 300I Duo card for an afternoon.",
            starts_at: day_start + 16 * day + 6 * hour,
            ends_at: day_start + 16 * day + 9 * hour,
            place: "Lab B, bench 2",
            link: None,
            seats: 1,
        },
    ];
    let mut lab = String::new();
    for plan in &events {
        lab = incubation::events::add(conn, &cohort, plan, now - 20 * day)?;
    }
    let engineer = user("engineer@demo.aicc")?;
    incubation::events::register(conn, &lab, events[2].starts_at, engineer, now - day)?;
    // Two mentors of the center's network, and office hours asked of one
    // and taken.
    let conversion = incubation::mentors::add(
        conn,
        "Gao Min",
        "Model conversion with ATC, Ascend C operators",
        &["zh-CN".into(), "en".into()],
    )?;
    let vision = incubation::mentors::add(
        conn,
        "Liu Yang",
        "Industrial vision in production: lighting, cameras, line integration",
        &["zh-CN".into()],
    )?;
    for mentor in [&conversion, &vision] {
        incubation::mentors::assign(conn, mentor, robotics)?;
    }
    let asked = aicc_api::incubation::OfficeHoursRequest {
        mentor_id: conversion,
        topic: "A custom layer of the weld-seam model that ATC does not convert".into(),
        slots: vec![
            crate::clock::rfc3339(day_start + 3 * day + 2 * hour),
            crate::clock::rfc3339(day_start + 4 * day + 6 * hour),
        ],
    };
    let (office_hours, _) =
        incubation::mentors::request(conn, robotics, startup, &asked, now - 2 * day)?;
    incubation::mentors::answer(
        conn,
        &office_hours,
        Some(2),
        Some("Lab B; bring the ONNX export and the layer's reference output."),
        now - day,
    )?;
    Ok(())
}

/// The id of the organisation named `name`.
pub fn organisation_id(conn: &Connection, name: &str) -> Result<i64, ApiError> {
    conn.query_row(
        "SELECT id FROM organisations WHERE name = ?1",
        [name],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| ApiError::NotFound(format!("no organisation named \"{name}\"")))
}

/// Gives an organisation's attachments `mib` MiB in all, or with `None`
/// the config's `attachment_storage_mib_per_organisation` again.
pub fn set_attachment_storage(
    conn: &Connection,
    organisation: i64,
    mib: Option<u64>,
) -> Result<(), ApiError> {
    conn.execute(
        "UPDATE organisations SET attachment_storage_mib = ?2 WHERE id = ?1",
        rusqlite::params![organisation, mib],
    )?;
    Ok(())
}

/// Deactivates the user with `email` and ends their sessions, or lets
/// them sign in again.
pub fn set_active(conn: &mut Connection, email: &str, active: bool) -> Result<(), ApiError> {
    let tx = conn.transaction()?;
    let user_id = user_id(&tx, email)?;
    tx.execute(
        "UPDATE users SET deactivated_at = CASE WHEN ?2 THEN NULL
             ELSE COALESCE(deactivated_at, unixepoch()) END,
             deactivated_by_center = NOT ?2
         WHERE id = ?1",
        rusqlite::params![user_id, active],
    )?;
    if !active {
        crate::accounts::end_sessions(&tx, user_id)?;
        incubation::events::withdraw_user(&tx, user_id, crate::clock::now_ms())?;
        crate::talent::store::withdraw_user(&tx, user_id, crate::clock::now_ms())?;
    }
    tx.commit()?;
    Ok(())
}

/// Who deactivated a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeactivatedBy {
    /// The center's staff (`admin deactivate-user`): only they let the
    /// user in again.
    Center,
    /// A partner admin of the user's organisation.
    Organisation,
}

/// Who deactivated the user with `email`, if anyone did.
pub fn deactivated_by(conn: &Connection, email: &str) -> Result<Option<DeactivatedBy>, ApiError> {
    let (deactivated, by_center): (bool, bool) = conn
        .query_row(
            "SELECT deactivated_at IS NOT NULL, deactivated_by_center FROM users WHERE email = ?1",
            [email],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or_else(|| ApiError::NotFound(format!("no user with the e-mail {email}")))?;
    Ok(deactivated.then_some(if by_center {
        DeactivatedBy::Center
    } else {
        DeactivatedBy::Organisation
    }))
}

/// The id of the user with `email`.
pub fn user_id(conn: &Connection, email: &str) -> Result<i64, ApiError> {
    conn.query_row("SELECT id FROM users WHERE email = ?1", [email], |r| {
        r.get(0)
    })
    .optional()?
    .ok_or_else(|| ApiError::NotFound(format!("no user with e-mail \"{email}\"")))
}

/// Moves an application through review as the staff member `actor_email`.
pub fn review(
    conn: &mut Connection,
    application_id: &str,
    actor_email: &str,
    review: &Review,
) -> Result<Application, ApiError> {
    let actor = staff(conn, actor_email, "review applications")?;
    let tx = conn.transaction()?;
    let (application, _) = applications::apply_review(&tx, application_id, actor, review)?;
    tx.commit()?;
    Ok(application)
}

/// Records an engineer's certification as the staff member who says so;
/// returns its id.
pub fn record_certification(
    conn: &mut Connection,
    recorded: &crate::talent::store::Recorded<'_>,
) -> Result<String, ApiError> {
    let staff_id = staff(conn, recorded.staff, "record certifications")?;
    let staff_email: String =
        conn.query_row("SELECT email FROM users WHERE id = ?1", [staff_id], |r| {
            r.get(0)
        })?;
    let recorded = crate::talent::store::Recorded {
        staff: &staff_email,
        ..recorded.clone()
    };
    let tx = conn.transaction()?;
    let (id, _) = crate::talent::store::record(&tx, &recorded, crate::clock::now_ms())?;
    tx.commit()?;
    Ok(id)
}

/// Withdraws a certification recorded in error, as the staff member who
/// says so, saying why.
pub fn withdraw_certification(
    conn: &mut Connection,
    id: &str,
    reason: &str,
    staff_email: &str,
) -> Result<(), ApiError> {
    let staff_id = staff(conn, staff_email, "withdraw certifications")?;
    let staff_email: String =
        conn.query_row("SELECT email FROM users WHERE id = ?1", [staff_id], |r| {
            r.get(0)
        })?;
    let tx = conn.transaction()?;
    crate::talent::store::withdraw(&tx, id, reason, &staff_email, crate::clock::now_ms())?;
    tx.commit()?;
    Ok(())
}

/// The id of `email`, one of the center's reviewers or admins, who may do
/// `what`.
fn staff(conn: &Connection, email: &str, what: &str) -> Result<i64, ApiError> {
    let actor = user_id(conn, email)?;
    let (role, deactivated): (String, bool) = conn.query_row(
        "SELECT role, deactivated_at IS NOT NULL FROM users WHERE id = ?1",
        [actor],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if !matches!(
        Role::parse(&role),
        Some(Role::CenterReviewer | Role::CenterAdmin)
    ) {
        return Err(ApiError::Forbidden(format!(
            "{email} is not center staff; only reviewers and admins {what}"
        )));
    }
    if deactivated {
        return Err(ApiError::Forbidden(format!(
            "{email} is deactivated; act as one of the center's active staff"
        )));
    }
    Ok(actor)
}

/// Adds a milestone to an enrolled startup's plan, as `actor_email` (center
/// staff); returns its id.
pub fn add_milestone(
    conn: &mut Connection,
    organisation: &str,
    actor_email: &str,
    plan: &incubation::store::Plan<'_>,
) -> Result<String, ApiError> {
    let actor = staff(conn, actor_email, "plan milestones")?;
    let organisation = organisation_id(conn, organisation)?;
    let tx = conn.transaction()?;
    let (id, _) = incubation::store::add_milestone(&tx, organisation, None, plan, actor)?;
    tx.commit()?;
    Ok(id)
}

/// Grants credits to an organisation, as `actor_email` (center staff);
/// returns the grant's id.
pub fn grant_credits(
    conn: &mut Connection,
    organisation: &str,
    actor_email: &str,
    grant: &incubation::credits::Grant<'_>,
) -> Result<String, ApiError> {
    let actor = staff(conn, actor_email, "grant credits")?;
    let organisation = organisation_id(conn, organisation)?;
    let tx = conn.transaction()?;
    let id = incubation::credits::grant(&tx, organisation, grant, actor, crate::clock::now_ms())?;
    tx.commit()?;
    Ok(id)
}

/// Ends a grant of credits now, as `actor_email` (center staff): what was
/// spent stays spent.
pub fn revoke_credits(conn: &mut Connection, id: &str, actor_email: &str) -> Result<(), ApiError> {
    staff(conn, actor_email, "end credits")?;
    let tx = conn.transaction()?;
    incubation::credits::revoke(&tx, id, crate::clock::now_ms())?;
    tx.commit()?;
    Ok(())
}

/// Revokes a certificate as `actor_email` (center staff).
pub fn revoke_certificate(
    conn: &mut Connection,
    certificate: &str,
    reason: &str,
    actor_email: &str,
) -> Result<(), ApiError> {
    staff(conn, actor_email, "revoke certificates")?;
    let tx = conn.transaction()?;
    crate::directory::store::revoke(&tx, certificate, reason, crate::clock::now_ms())?;
    tx.commit()?;
    Ok(())
}

/// Accepts a milestone's evidence or asks for changes, as `actor_email`.
pub fn review_milestone(
    conn: &mut Connection,
    id: &str,
    actor_email: &str,
    review: &aicc_api::incubation::MilestoneReview,
) -> Result<aicc_api::incubation::Milestone, ApiError> {
    let actor = staff(conn, actor_email, "review milestones")?;
    let tx = conn.transaction()?;
    incubation::store::review(&tx, id, review, actor)?;
    let milestone = incubation::store::load(&tx, id)?;
    tx.commit()?;
    Ok(milestone)
}

/// Adds or updates the models in a JSON file (an array of models).
pub fn import_models(conn: &mut Connection, json: &str) -> Result<usize, ApiError> {
    let models: Vec<Model> = serde_json::from_str(json)
        .map_err(|e| ApiError::invalid("file", format!("not a JSON array of models: {e}")))?;
    for model in &models {
        if model.id.trim().is_empty() || model.name.trim().is_empty() {
            return Err(ApiError::invalid(
                "id",
                "every model needs an id and a name",
            ));
        }
    }
    catalog::upsert(conn, &models)?;
    Ok(models.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    #[test]
    fn seeding_twice_changes_nothing_but_passwords() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("p.sqlite3")).unwrap();
        db.blocking(seed_demo).unwrap();
        let count = |db: &Db| -> i64 {
            db.blocking(|c| c.query_row("SELECT COUNT(*) FROM catalog_models", [], |r| r.get(0)))
                .unwrap()
        };
        let models = count(&db);
        db.blocking(seed_demo).unwrap();
        assert_eq!(count(&db), models);
        let pools = db.blocking(|c| jobs::list_pools(c)).unwrap();
        assert_eq!(pools.iter().map(|p| p.total_npus).sum::<u32>(), 64 + 32);
    }

    #[test]
    fn only_center_staff_review_from_the_command_line() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("p.sqlite3")).unwrap();
        db.blocking(seed_demo).unwrap();
        let review_as = |email: &str| {
            db.blocking(|c| {
                review(
                    c,
                    "app_missing",
                    email,
                    &Review {
                        action: aicc_api::applications::ReviewAction::StartReview,
                        comment: None,
                    },
                )
            })
        };
        assert!(matches!(
            review_as("partner@demo.aicc"),
            Err(ApiError::Forbidden(_))
        ));
        assert!(matches!(
            review_as("reviewer@demo.aicc"),
            Err(ApiError::NotFound(_))
        ));
    }
}
