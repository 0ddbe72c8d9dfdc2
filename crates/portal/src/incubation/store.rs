//! What the incubation handlers and `aicc-portal admin` read and write:
//! programmes, cohorts and enrolments, and each startup's milestones with
//! their timeline.

use aicc_api::incubation::{
    Cohort, Enrolment, Evidence, Milestone, MilestoneDecision, MilestoneReview, MilestoneState,
    MilestoneTransition, Programme,
};
use rusqlite::{Connection, OptionalExtension, params};

use crate::accounts::Caller;
use crate::clock::{new_id, now_ms, rfc3339};
use crate::error::ApiError;
use crate::feed;
use crate::permissions::Action;

/// The milestone's state and organisation, if the caller may see it: its
/// own organisation's, or any for the center's staff (who read every
/// organisation's applications and milestones).
pub fn visible(
    conn: &Connection,
    caller: &Caller,
    id: &str,
) -> Result<(MilestoneState, i64), ApiError> {
    let found: Option<(String, i64)> = conn
        .query_row(
            "SELECT state, organisation_id FROM milestones WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match found {
        Some((state, organisation))
            if (organisation == caller.organisation_id && caller.can(Action::ReadOrganisation))
                || caller.can(Action::ReadEveryApplication) =>
        {
            Ok((
                MilestoneState::parse(&state).unwrap_or(MilestoneState::Planned),
                organisation,
            ))
        }
        _ => Err(ApiError::not_found("milestone")),
    }
}

/// The organisation's enrolment, if it is enrolled.
pub fn enrolment(conn: &Connection, organisation: i64) -> Result<Option<Enrolment>, ApiError> {
    let found = conn
        .query_row(
            "SELECT p.id, p.name, p.description, c.id, c.name, c.starts_on, c.ends_on, e.enrolled_at
             FROM enrolments e JOIN cohorts c ON c.id = e.cohort_id
                  JOIN programmes p ON p.id = c.programme_id
             WHERE e.organisation_id = ?1",
            [organisation],
            |r| {
                Ok((
                    Programme {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        description: r.get(2)?,
                        staff: Vec::new(),
                    },
                    Cohort {
                        id: r.get(3)?,
                        name: r.get(4)?,
                        starts_on: r.get(5)?,
                        ends_on: r.get(6)?,
                    },
                    r.get::<_, i64>(7)?,
                ))
            },
        )
        .optional()?;
    let Some((mut programme, cohort, enrolled_at)) = found else {
        return Ok(None);
    };
    programme.staff = conn
        .prepare_cached(
            "SELECT u.name || ' <' || u.email || '>' FROM programme_staff s
             JOIN users u ON u.id = s.user_id
             WHERE s.programme_id = ?1 AND u.deactivated_at IS NULL ORDER BY u.name",
        )?
        .query_map([&programme.id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Some(Enrolment {
        programme,
        cohort,
        enrolled_at: rfc3339(enrolled_at),
    }))
}

/// A programme's cohort as staff describe it.
#[derive(Debug, Clone)]
pub struct CohortPlan<'a> {
    pub programme: &'a str,
    /// Replaces the programme's description when given.
    pub description: Option<&'a str>,
    /// The center staff running the programme (e-mail), added to it.
    pub staff: &'a [&'a str],
    pub cohort: &'a str,
    pub starts_on: &'a str,
    pub ends_on: &'a str,
}

/// Makes the programme (or finds it) and its cohort (or redates it), in
/// the caller's transaction; returns the cohort's id and whether it is new.
pub fn ensure_cohort(conn: &Connection, plan: &CohortPlan<'_>) -> Result<(String, bool), ApiError> {
    name(plan.programme, "programme", 200)?;
    name(plan.cohort, "cohort", 100)?;
    let starts = iso_date(plan.starts_on, "starts_on")?;
    let ends = iso_date(plan.ends_on, "ends_on")?;
    if ends < starts {
        return Err(ApiError::invalid(
            "ends_on",
            format!(
                "the cohort ends ({}) before it starts ({})",
                plan.ends_on, plan.starts_on
            ),
        ));
    }
    if let Some(description) = plan.description {
        text(description, "description", 4000)?;
    }
    let staff = plan
        .staff
        .iter()
        .map(|email| active_staff(conn, email))
        .collect::<Result<Vec<i64>, ApiError>>()?;
    conn.execute(
        "INSERT INTO programmes (id, name, description) VALUES (?1, ?2, coalesce(?3, ''))
         ON CONFLICT (name) DO UPDATE SET description = coalesce(?3, description)",
        params![new_id("prg"), plan.programme, plan.description],
    )?;
    let programme_id: String = conn.query_row(
        "SELECT id FROM programmes WHERE name = ?1",
        [plan.programme],
        |r| r.get(0),
    )?;
    for user in staff {
        conn.execute(
            "INSERT OR IGNORE INTO programme_staff (programme_id, user_id) VALUES (?1, ?2)",
            params![programme_id, user],
        )?;
    }
    let existing: Option<String> = conn
        .query_row(
            "SELECT id FROM cohorts WHERE programme_id = ?1 AND name = ?2",
            params![programme_id, plan.cohort],
            |r| r.get(0),
        )
        .optional()?;
    match existing {
        Some(id) => {
            conn.execute(
                "UPDATE cohorts SET starts_on = ?2, ends_on = ?3 WHERE id = ?1",
                params![id, plan.starts_on, plan.ends_on],
            )?;
            Ok((id, false))
        }
        None => {
            let id = new_id("coh");
            conn.execute(
                "INSERT INTO cohorts (id, programme_id, name, starts_on, ends_on) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, programme_id, plan.cohort, plan.starts_on, plan.ends_on],
            )?;
            Ok((id, true))
        }
    }
}

/// The id of `email`, one of the center's staff who has not been
/// deactivated.
pub fn active_staff(conn: &Connection, email: &str) -> Result<i64, ApiError> {
    conn.query_row(
        "SELECT u.id FROM users u JOIN organisations o ON o.id = u.organisation_id
         WHERE u.email = ?1 AND o.kind = 'center' AND u.deactivated_at IS NULL",
        [email.to_lowercase()],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| {
        ApiError::invalid(
            "staff",
            format!("{email} is not one of the center's active staff"),
        )
    })
}

/// The id of the cohort `cohort` of the programme `programme`.
pub fn cohort_id(conn: &Connection, programme: &str, cohort: &str) -> Result<String, ApiError> {
    conn.query_row(
        "SELECT c.id FROM cohorts c JOIN programmes p ON p.id = c.programme_id
         WHERE p.name = ?1 AND c.name = ?2",
        params![programme, cohort],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| {
        ApiError::NotFound(format!(
            "no cohort \"{cohort}\" of the programme \"{programme}\"; make it with create-cohort"
        ))
    })
}

/// Enrols the organisation (an incubated startup) in the cohort, or moves
/// it there.
pub fn enrol(conn: &Connection, organisation: i64, cohort_id: &str) -> Result<(), ApiError> {
    let kind: String = conn.query_row(
        "SELECT kind FROM organisations WHERE id = ?1",
        [organisation],
        |r| r.get(0),
    )?;
    if kind != "incubated_startup" {
        return Err(ApiError::invalid(
            "organisation",
            format!(
                "only an incubated startup is enrolled in a cohort; this organisation is a {kind}"
            ),
        ));
    }
    let before: Option<String> = conn
        .query_row(
            "SELECT cohort_id FROM enrolments WHERE organisation_id = ?1",
            [organisation],
            |r| r.get(0),
        )
        .optional()?;
    if before.as_deref() == Some(cohort_id) {
        return Ok(());
    }
    conn.execute(
        "INSERT INTO enrolments (organisation_id, cohort_id, enrolled_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (organisation_id) DO UPDATE SET cohort_id = excluded.cohort_id,
             enrolled_at = excluded.enrolled_at",
        params![organisation, cohort_id, now_ms()],
    )?;
    // A startup moved to another cohort: its registrations there no
    // longer count, and its apps learn of the new cohort's events.
    let cohorts: Vec<&str> = before
        .iter()
        .map(String::as_str)
        .chain([cohort_id])
        .collect();
    super::events::touch_cohorts(conn, &cohorts)?;
    Ok(())
}

/// What a milestone of a plan says, as staff write it.
#[derive(Debug, Clone)]
pub struct Plan<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub deliverable: &'a str,
    pub due_on: &'a str,
}

/// Adds a milestone to an enrolled organisation's plan; returns its id and
/// revision.
pub fn add_milestone(
    conn: &Connection,
    organisation: i64,
    id: Option<&str>,
    plan: &Plan<'_>,
    actor: i64,
) -> Result<(String, u64), ApiError> {
    if enrolment(conn, organisation)?.is_none() {
        return Err(ApiError::invalid(
            "organisation",
            "the organisation is not enrolled in a cohort; enrol it first".to_owned(),
        ));
    }
    iso_date(plan.due_on, "due_on")?;
    name(plan.title, "title", 200)?;
    text(plan.description, "description", 4000)?;
    text(plan.deliverable, "deliverable", 1000)?;
    let id = id.map_or_else(|| new_id("ms"), str::to_owned);
    let rev = feed::next_rev(conn)?;
    let now = now_ms();
    conn.execute(
        "INSERT INTO milestones (id, organisation_id, rev, title, description, deliverable, due_on,
             state, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'planned', ?8, ?8)",
        params![
            id,
            organisation,
            rev,
            plan.title,
            plan.description,
            plan.deliverable,
            plan.due_on,
            now
        ],
    )?;
    record(conn, &id, None, MilestoneState::Planned, actor, None, now)?;
    Ok((id, rev))
}

/// The startup sends its evidence: from planned or changes requested.
pub fn submit(
    conn: &Connection,
    id: &str,
    current: MilestoneState,
    evidence: &Evidence,
    actor: i64,
) -> Result<u64, ApiError> {
    evidence.check().map_err(ApiError::from)?;
    if !current.may_submit() {
        return Err(ApiError::Conflict(format!(
            "the milestone is {}; evidence is sent while it is planned or changes were asked for",
            current.as_str()
        ))
        .because("milestone_closed_to_evidence", &[]));
    }
    let rev = feed::next_rev(conn)?;
    let now = now_ms();
    conn.execute(
        "UPDATE milestones SET state = 'submitted', evidence = ?2, rev = ?3, updated_at = ?4 WHERE id = ?1",
        params![id, serde_json::to_string(evidence)?, rev, now],
    )?;
    record(
        conn,
        id,
        Some(current),
        MilestoneState::Submitted,
        actor,
        None,
        now,
    )?;
    Ok(rev)
}

/// A reviewer's decision on submitted evidence; used by the route and
/// `aicc-portal admin`. Returns the milestone's organisation and revision.
pub fn review(
    conn: &Connection,
    id: &str,
    review: &MilestoneReview,
    actor: i64,
) -> Result<(i64, u64), ApiError> {
    let (state, organisation): (String, i64) = conn
        .query_row(
            "SELECT state, organisation_id FROM milestones WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or_else(|| ApiError::not_found("milestone"))?;
    let current = MilestoneState::parse(&state).unwrap_or(MilestoneState::Planned);
    let Some(to) = review.decision.apply(current) else {
        return Err(ApiError::Conflict(format!(
            "the milestone is {}; only submitted evidence is reviewed",
            current.as_str()
        )));
    };
    let comment = review
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    if review.decision == MilestoneDecision::RequestChanges && comment.is_none() {
        return Err(ApiError::invalid(
            "comment",
            "say what to change when asking for changes".to_owned(),
        ));
    }
    if let Some(comment) = comment {
        text(comment, "comment", 10_000)?;
    }
    let rev = feed::next_rev(conn)?;
    let now = now_ms();
    conn.execute(
        "UPDATE milestones SET state = ?2, review_comment = ?3, rev = ?4, updated_at = ?5 WHERE id = ?1",
        params![id, to.as_str(), comment, rev, now],
    )?;
    record(conn, id, Some(current), to, actor, comment, now)?;
    Ok((organisation, rev))
}

fn record(
    conn: &Connection,
    id: &str,
    from: Option<MilestoneState>,
    to: MilestoneState,
    actor: i64,
    comment: Option<&str>,
    at: i64,
) -> Result<(), ApiError> {
    conn.execute(
        "INSERT INTO milestone_transitions (milestone_id, from_state, to_state, actor_user_id, at, comment)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![id, from.map(MilestoneState::as_str), to.as_str(), actor, at, comment],
    )?;
    Ok(())
}

/// A milestone as the wire shows it.
pub fn load(conn: &Connection, id: &str) -> Result<Milestone, ApiError> {
    type Row = (
        String,
        String,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        i64,
        i64,
    );
    let (
        title,
        description,
        deliverable,
        due_on,
        state,
        evidence,
        review_comment,
        created,
        updated,
    ): Row = conn.query_row(
        "SELECT title, description, deliverable, due_on, state, evidence, review_comment,
                    created_at, updated_at
             FROM milestones WHERE id = ?1",
        [id],
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
            ))
        },
    )?;
    let timeline = conn
        .prepare_cached(
            "SELECT t.from_state, t.to_state, u.name || ' <' || u.email || '>', t.at, t.comment
             FROM milestone_transitions t JOIN users u ON u.id = t.actor_user_id
             WHERE t.milestone_id = ?1 ORDER BY t.seq",
        )?
        .query_map([id], |r| {
            Ok(MilestoneTransition {
                from: r
                    .get::<_, Option<String>>(0)?
                    .and_then(|s| MilestoneState::parse(&s)),
                to: MilestoneState::parse(&r.get::<_, String>(1)?)
                    .unwrap_or(MilestoneState::Planned),
                actor: r.get(2)?,
                at: rfc3339(r.get(3)?),
                comment: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Milestone {
        id: id.to_owned(),
        title,
        description,
        deliverable,
        due_on,
        state: MilestoneState::parse(&state).unwrap_or(MilestoneState::Planned),
        evidence: evidence
            .map(|json| serde_json::from_str(&json))
            .transpose()?,
        attachments: crate::attachments::of(
            conn,
            &crate::attachments::Holder::Milestone(id.to_owned()),
        )?,
        review_comment,
        timeline,
        created_at: rfc3339(created),
        updated_at: rfc3339(updated),
    })
}

/// Every milestone, the organisation's name beside it, for staff.
pub fn list(conn: &Connection) -> Result<Vec<(String, Milestone)>, ApiError> {
    let rows: Vec<(String, String)> = conn
        .prepare(
            "SELECT o.name, m.id FROM milestones m JOIN organisations o ON o.id = m.organisation_id
             ORDER BY o.name, m.due_on",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    rows.into_iter()
        .map(|(organisation, id)| Ok((organisation, load(conn, &id)?)))
        .collect()
}

/// Refuses a date that is not `YYYY-MM-DD` between 2000 and 2100.
pub(crate) fn iso_date(text: &str, field: &str) -> Result<time::Date, ApiError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text, format)
        .ok()
        .filter(|date| (2000..=2100).contains(&date.year()))
        .ok_or_else(|| {
            ApiError::invalid(
                field,
                format!(
                    "\"{text}\" is not a date between 2000 and 2100; write it as YYYY-MM-DD, e.g. 2027-03-20"
                ),
            )
        })
}

/// Refuses a name that is not one plain line of 1 to `most` characters.
pub(crate) fn name(value: &str, field: &str, most: usize) -> Result<(), ApiError> {
    if value.trim().is_empty()
        || value.chars().count() > most
        || !aicc_api::applications::is_plain_line(value)
    {
        return Err(ApiError::invalid(
            field,
            format!(
                "write the {field} on one line of 1 to {most} characters, without control, invisible or text-direction characters"
            ),
        ));
    }
    Ok(())
}

/// Refuses a text over `most` characters, or one holding control,
/// invisible or text-direction characters; an empty one is fine.
pub(crate) fn text(value: &str, field: &str, most: usize) -> Result<(), ApiError> {
    if value.is_empty() {
        return Ok(());
    }
    if value.chars().count() > most || !aicc_api::applications::is_plain_text(value) {
        return Err(ApiError::invalid(
            field,
            format!(
                "write the {field} as plain text of at most {most} characters, without control, invisible or text-direction characters"
            ),
        ));
    }
    Ok(())
}
