//! Mentors and office hours: staff add the center's mentors and assign
//! them to startups; a startup asks one of its mentors for office hours,
//! proposing a few slots and a topic; the mentor takes one slot or
//! declines with a note (through `aicc-portal admin` for now).

use aicc_api::incubation::{Mentor, OfficeHours, OfficeHoursRequest, OfficeHoursState};
use rusqlite::{Connection, OptionalExtension, params};

use super::store::{name, text};
use crate::clock::{new_id, rfc3339};
use crate::error::ApiError;
use crate::feed;

/// Adds a mentor; returns their id.
pub fn add(
    conn: &Connection,
    mentor_name: &str,
    expertise: &str,
    languages: &[String],
) -> Result<String, ApiError> {
    name(mentor_name, "name", 100)?;
    name(expertise, "expertise", 300)?;
    let known = ["zh-CN", "en"];
    if languages.is_empty() || languages.iter().any(|l| !known.contains(&l.as_str())) {
        return Err(ApiError::invalid(
            "languages",
            "say the languages the mentor speaks as zh-CN, en or both".to_owned(),
        ));
    }
    let id = new_id("mtr");
    conn.execute(
        "INSERT INTO mentors (id, name, expertise, languages) VALUES (?1, ?2, ?3, ?4)",
        params![id, mentor_name, expertise, languages.join(" ")],
    )?;
    Ok(id)
}

/// The most days ahead a slot may be proposed.
pub const SLOTS_WITHIN_DAYS: i64 = 90;

/// Assigns a mentor to a startup enrolled in a cohort (again is no
/// change).
pub fn assign(conn: &Connection, mentor_id: &str, organisation: i64) -> Result<(), ApiError> {
    load_mentor(conn, mentor_id)?;
    enrolled(conn, organisation)?;
    conn.execute(
        "INSERT OR IGNORE INTO mentor_assignments (mentor_id, organisation_id) VALUES (?1, ?2)",
        params![mentor_id, organisation],
    )?;
    Ok(())
}

/// Refuses an organisation not enrolled in a cohort: mentors are for the
/// startups the center incubates.
fn enrolled(conn: &Connection, organisation: i64) -> Result<(), ApiError> {
    if super::store::enrolment(conn, organisation)?.is_none() {
        return Err(ApiError::invalid(
            "organisation",
            "mentors are for the startups enrolled in a cohort; enrol it first".to_owned(),
        ));
    }
    Ok(())
}

fn load_mentor(conn: &Connection, id: &str) -> Result<Mentor, ApiError> {
    conn.prepare_cached("SELECT name, expertise, languages FROM mentors WHERE id = ?1")?
        .query_row([id], |r| {
            Ok(Mentor {
                id: id.to_owned(),
                name: r.get(0)?,
                expertise: r.get(1)?,
                languages: r
                    .get::<_, String>(2)?
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect(),
            })
        })
        .optional()?
        .ok_or_else(|| ApiError::not_found("mentor"))
}

/// The organisation's mentors, by name.
pub fn of(conn: &Connection, organisation: i64) -> Result<Vec<Mentor>, ApiError> {
    let ids: Vec<String> = conn
        .prepare_cached(
            "SELECT m.id FROM mentors m JOIN mentor_assignments a ON a.mentor_id = m.id
             WHERE a.organisation_id = ?1 ORDER BY m.name, m.id",
        )?
        .query_map([organisation], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    ids.iter().map(|id| load_mentor(conn, id)).collect()
}

/// Every mentor with the organisations they are assigned to.
pub fn list(conn: &Connection) -> Result<Vec<(Mentor, Vec<String>)>, ApiError> {
    let ids: Vec<String> = conn
        .prepare_cached("SELECT id FROM mentors ORDER BY name, id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    ids.iter()
        .map(|id| {
            let startups: Vec<String> = conn
                .prepare_cached(
                    "SELECT o.name FROM mentor_assignments a
                     JOIN organisations o ON o.id = a.organisation_id
                     WHERE a.mentor_id = ?1 ORDER BY o.name",
                )?
                .query_map([id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            Ok((load_mentor(conn, id)?, startups))
        })
        .collect()
}

/// Records a startup's request for office hours at `now`: to one of its
/// own mentors, for slots ahead. Returns its id and revision.
pub fn request(
    conn: &Connection,
    organisation: i64,
    user: i64,
    asked: &OfficeHoursRequest,
    now: i64,
) -> Result<(String, u64), ApiError> {
    asked.check().map_err(ApiError::from)?;
    text(asked.topic.trim(), "topic", 1000)?;
    enrolled(conn, organisation)?;
    let assigned: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM mentor_assignments WHERE mentor_id = ?1 AND organisation_id = ?2)",
        params![asked.mentor_id, organisation],
        |r| r.get(0),
    )?;
    if !assigned {
        return Err(ApiError::invalid(
            "mentor_id",
            "this mentor is not one of your organisation's; choose one of those listed".to_owned(),
        )
        .because("not_your_mentor", &[]));
    }
    let mut slots = Vec::with_capacity(asked.slots.len());
    for slot in &asked.slots {
        let at = crate::gathering::instant(slot, "slots")?;
        if at <= now {
            return Err(ApiError::invalid(
                "slots",
                format!("{} has passed; propose times ahead", rfc3339(at)),
            ));
        }
        if at > now + SLOTS_WITHIN_DAYS * 86_400_000 {
            return Err(ApiError::invalid(
                "slots",
                format!(
                    "{} is more than {SLOTS_WITHIN_DAYS} days ahead; propose times within them",
                    rfc3339(at)
                ),
            ));
        }
        slots.push(rfc3339(at));
    }
    let id = new_id("oh");
    let rev = feed::next_rev(conn)?;
    conn.execute(
        "INSERT INTO office_hours (id, organisation_id, mentor_id, rev, requested_by, topic, slots,
             state, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'requested', ?8, ?8)",
        params![
            id,
            organisation,
            asked.mentor_id,
            rev,
            user,
            asked.topic.trim(),
            serde_json::to_string(&slots)?,
            now
        ],
    )?;
    Ok((id, rev))
}

/// The mentor's answer: one of the proposed slots (numbered from 1), or
/// none with a note saying why. Returns the organisation and revision.
pub fn answer(
    conn: &Connection,
    id: &str,
    slot: Option<usize>,
    note: Option<&str>,
    now: i64,
) -> Result<(i64, u64), ApiError> {
    let found: Option<(i64, String, String)> = conn
        .query_row(
            "SELECT organisation_id, state, slots FROM office_hours WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((organisation, state, slots)) = found else {
        return Err(ApiError::not_found("request for office hours"));
    };
    if state != OfficeHoursState::Requested.as_str() {
        return Err(
            ApiError::Conflict(format!("the request was {state} already"))
                .because("answered_already", &[]),
        );
    }
    if let Some(note) = note {
        text(note, "note", 1000)?;
    }
    let slots: Vec<String> = serde_json::from_str(&slots)?;
    let (state, chosen) = match slot {
        Some(n) => {
            let chosen = n.checked_sub(1).and_then(|i| slots.get(i)).ok_or_else(|| {
                ApiError::invalid(
                    "slot",
                    format!("choose one of the {} slots proposed, from 1", slots.len()),
                )
            })?;
            if crate::gathering::instant(chosen, "slot")? <= now {
                return Err(ApiError::invalid(
                    "slot",
                    format!("{chosen} has passed; take a later slot, or decline and say why"),
                ));
            }
            (OfficeHoursState::Accepted, Some(chosen.clone()))
        }
        None if note.is_none_or(|n| n.trim().is_empty()) => {
            return Err(ApiError::invalid(
                "note",
                "say why when declining, so the startup can ask again".to_owned(),
            ));
        }
        None => (OfficeHoursState::Declined, None),
    };
    let rev = feed::next_rev(conn)?;
    conn.execute(
        "UPDATE office_hours SET state = ?2, chosen_slot = ?3, note = ?4, rev = ?5, updated_at = ?6
         WHERE id = ?1",
        params![id, state.as_str(), chosen, note.map(str::trim), rev, now],
    )?;
    Ok((organisation, rev))
}

/// A request as the wire shows it.
pub fn load(conn: &Connection, id: &str) -> Result<OfficeHours, ApiError> {
    type Row = (
        String,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        String,
        i64,
        i64,
    );
    let (mentor, topic, slots, state, chosen_slot, note, by, created, updated): Row = conn
        .prepare_cached(
            "SELECT h.mentor_id, h.topic, h.slots, h.state, h.chosen_slot, h.note, u.email,
                    h.created_at, h.updated_at
             FROM office_hours h JOIN users u ON u.id = h.requested_by WHERE h.id = ?1",
        )?
        .query_row([id], |r| {
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
        })
        .optional()?
        .ok_or_else(|| ApiError::not_found("request for office hours"))?;
    Ok(OfficeHours {
        id: id.to_owned(),
        mentor: load_mentor(conn, &mentor)?,
        topic,
        slots: serde_json::from_str(&slots)?,
        state: OfficeHoursState::parse(&state).unwrap_or(OfficeHoursState::Requested),
        chosen_slot,
        note,
        requested_by: by,
        created_at: rfc3339(created),
        updated_at: rfc3339(updated),
    })
}

/// Every request (those in one state with `state`) with its organisation's
/// name, oldest first.
pub fn list_requests(
    conn: &Connection,
    state: Option<OfficeHoursState>,
) -> Result<Vec<(String, OfficeHours)>, ApiError> {
    let rows: Vec<(String, String)> = conn
        .prepare_cached(
            "SELECT h.id, o.name FROM office_hours h JOIN organisations o ON o.id = h.organisation_id
             WHERE ?1 IS NULL OR h.state = ?1 ORDER BY h.created_at, h.id",
        )?
        .query_map([state.map(OfficeHoursState::as_str)], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    rows.into_iter()
        .map(|(id, organisation)| Ok((organisation, load(conn, &id)?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    const DAY: i64 = 86_400_000;

    /// The demo with a mentor assigned to Demo Robotics only; the
    /// startup's and Other Vision's ids and the startup's partner.
    fn world() -> (tempfile::TempDir, Db, String, i64, i64, i64) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("p.sqlite3")).unwrap();
        db.blocking(crate::admin::seed_demo).unwrap();
        let (mentor, robotics, vision, partner) = db.blocking(|conn| {
            let robotics = crate::admin::organisation_id(conn, "Demo Robotics").unwrap();
            let vision = crate::admin::organisation_id(conn, "Other Vision").unwrap();
            let mentor = add(conn, "Sun Li", "MindSpore training", &["en".into()]).unwrap();
            assign(conn, &mentor, robotics).unwrap();
            let partner = crate::admin::user_id(conn, "partner@demo.aicc").unwrap();
            (mentor, robotics, vision, partner)
        });
        (dir, db, mentor, robotics, vision, partner)
    }

    fn asked(mentor: &str, slots: &[i64]) -> OfficeHoursRequest {
        OfficeHoursRequest {
            mentor_id: mentor.to_owned(),
            topic: "Our loss diverges after 2,000 steps on eight NPUs".into(),
            slots: slots.iter().map(|at| rfc3339(*at)).collect(),
        }
    }

    #[test]
    fn a_startup_asks_only_its_own_mentors_for_times_ahead() {
        let (_dir, db, mentor, robotics, vision, partner) = world();
        let now = 1_800_000_000_000;
        let refused = |organisation, slots: &[i64]| {
            db.blocking(|conn| request(conn, organisation, partner, &asked(&mentor, slots), now))
                .unwrap_err()
                .to_string()
        };
        assert!(refused(vision, &[now + DAY]).contains("enrolled in a cohort"));
        assert!(refused(robotics, &[now + 91 * DAY]).contains("90 days"));
        let not_enrolled = db
            .blocking(|conn| assign(conn, &mentor, vision))
            .unwrap_err();
        assert!(
            not_enrolled.to_string().contains("enrol it first"),
            "{not_enrolled}"
        );
        let stranger = db
            .blocking(|conn| {
                let other = add(conn, "Zhou Yi", "Data pipelines", &["zh-CN".into()])?;
                request(conn, robotics, partner, &asked(&other, &[now + DAY]), now)
            })
            .unwrap_err();
        assert!(
            stranger
                .to_string()
                .contains("not one of your organisation's")
        );
        assert!(refused(robotics, &[now - DAY]).contains("has passed"));
        assert!(refused(robotics, &[now + DAY, now + DAY]).contains("twice"));
        assert!(refused(robotics, &[]).contains("propose 1 to 3"));
        let (id, _) = db
            .blocking(|conn| request(conn, robotics, partner, &asked(&mentor, &[now + DAY]), now))
            .unwrap();
        let made = db.blocking(|conn| load(conn, &id)).unwrap();
        assert_eq!(made.state, OfficeHoursState::Requested);
        assert_eq!(made.mentor.name, "Sun Li");
        assert_eq!(made.requested_by, "partner@demo.aicc");
    }

    #[test]
    fn the_mentor_takes_one_proposed_slot_or_declines_saying_why_once() {
        let (_dir, db, mentor, robotics, _vision, partner) = world();
        let now = 1_800_000_000_000;
        let slots = [now + DAY, now + 2 * DAY];
        let ask = || {
            db.blocking(|conn| request(conn, robotics, partner, &asked(&mentor, &slots), now))
                .unwrap()
                .0
        };
        let (first, second) = (ask(), ask());
        let answer_with =
            |id: &str, slot, note| db.blocking(|conn| answer(conn, id, slot, note, now + 1));
        assert!(
            answer_with(&first, Some(3), None)
                .unwrap_err()
                .to_string()
                .contains("from 1")
        );
        assert!(answer_with(&first, Some(0), None).is_err());
        let passed = db
            .blocking(|conn| answer(conn, &first, Some(1), None, now + DAY + 1))
            .unwrap_err();
        assert!(passed.to_string().contains("has passed"), "{passed}");
        answer_with(&first, Some(2), Some("Lab B")).unwrap();
        let taken = db.blocking(|conn| load(conn, &first)).unwrap();
        assert_eq!(taken.state, OfficeHoursState::Accepted);
        assert_eq!(
            taken.chosen_slot.as_deref(),
            Some(rfc3339(slots[1]).as_str())
        );
        assert!(
            answer_with(&first, None, Some("No"))
                .unwrap_err()
                .to_string()
                .contains("already")
        );
        assert!(
            answer_with(&second, None, None)
                .unwrap_err()
                .to_string()
                .contains("say why")
        );
        answer_with(&second, None, Some("Away that week; ask Liu Yang")).unwrap();
        let declined = db.blocking(|conn| load(conn, &second)).unwrap();
        assert_eq!(declined.state, OfficeHoursState::Declined);
        assert_eq!(declined.chosen_slot, None);
    }
}
