//! What the talent platform's handlers and `aicc-portal admin` read and
//! write: courses and their sessions as staff plan them, enrolments (seats
//! read from their order, `gathering`), and engineers' certifications.

use aicc_api::sync::{Change, ChangePage};
use aicc_api::talent::{
    CERTIFICATION_VALID_YEARS, Certification, CertificationLevel, Course, CourseLevel,
    CourseSession, Enrolled, Holder,
};
use rusqlite::{Connection, OptionalExtension, params};

use crate::accounts::Caller;
use crate::clock::{new_id, rfc3339};
use crate::error::ApiError;
use crate::feed;
use crate::gathering::{self, Line, Occasion, Registrations};
use crate::incubation::store::{iso_date, name, text};
use crate::permissions::Action;

/// The enrolments of session `?1` that count: not given up. A member
/// deactivated gives up those of sessions not begun (`withdraw_user`);
/// once a session has begun, who holds its seats no longer changes.
const LIVE: &str = "e.session_id = ?1 AND e.cancelled_at IS NULL";

const ENROLMENTS: Registrations = Registrations {
    table: "course_enrolments",
    occasion: "session_id",
    occasions: "course_sessions",
    at: "enrolled_at",
    what: "session",
};

/// The most topics or prerequisites a course lists.
const MOST_ITEMS: usize = 12;

/// A course as staff plan it.
#[derive(Debug, Clone)]
pub struct CoursePlan<'a> {
    pub title: &'a str,
    pub summary: &'a str,
    pub level: CourseLevel,
    /// `zh-CN` or `en`.
    pub language: &'a str,
    pub duration_hours: u32,
    pub topics: &'a [String],
    pub prerequisites: &'a [String],
}

/// Adds a course at `now`; returns its id.
pub fn add_course(conn: &Connection, plan: &CoursePlan<'_>, now: i64) -> Result<String, ApiError> {
    name(plan.title, "title", 200)?;
    text(plan.summary, "summary", 4000)?;
    if !["zh-CN", "en"].contains(&plan.language) {
        return Err(ApiError::invalid(
            "language",
            format!(
                "{:?} is not a language courses are taught in; give zh-CN or en",
                plan.language.chars().take(20).collect::<String>()
            ),
        ));
    }
    if !(1..=1000).contains(&plan.duration_hours) {
        return Err(ApiError::invalid(
            "duration_hours",
            "give the course's teaching hours, 1 to 1000".to_owned(),
        ));
    }
    for (field, items) in [
        ("topics", plan.topics),
        ("prerequisites", plan.prerequisites),
    ] {
        if items.len() > MOST_ITEMS {
            return Err(ApiError::invalid(
                field,
                format!("list at most {MOST_ITEMS} {field}"),
            ));
        }
        for item in items {
            name(item, field, 100)?;
        }
    }
    let id = new_id("crs");
    conn.execute(
        "INSERT INTO courses (id, rev, title, summary, level, language, duration_hours,
             topics, prerequisites, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            id,
            feed::next_rev(conn)?,
            plan.title.trim(),
            plan.summary.trim(),
            plan.level.as_str(),
            plan.language,
            plan.duration_hours,
            serde_json::to_string(&trimmed(plan.topics))?,
            serde_json::to_string(&trimmed(plan.prerequisites))?,
            now
        ],
    )?;
    Ok(id)
}

fn trimmed(items: &[String]) -> Vec<&str> {
    items.iter().map(|i| i.trim()).collect()
}

/// Adds a session of `course` at `now`; returns its id.
pub fn add_session(
    conn: &Connection,
    course: &str,
    occasion: &Occasion<'_>,
    now: i64,
) -> Result<String, ApiError> {
    let known: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM courses WHERE id = ?1)",
        [course],
        |r| r.get(0),
    )?;
    if !known {
        return Err(ApiError::NotFound(format!(
            "no course {course:?}; aicc-portal admin list-courses shows their ids"
        )));
    }
    let (place, link) = gathering::check(occasion, now)?;
    let id = new_id("ses");
    conn.execute(
        "INSERT INTO course_sessions (id, course_id, starts_at, ends_at, place, link, seats, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            id,
            course,
            occasion.starts_at,
            occasion.ends_at,
            place,
            link,
            occasion.seats,
            now
        ],
    )?;
    bump(conn, course)?;
    Ok(id)
}

fn bump(conn: &Connection, course: &str) -> Result<u64, ApiError> {
    let rev = feed::next_rev(conn)?;
    conn.execute(
        "UPDATE courses SET rev = ?2 WHERE id = ?1",
        params![course, rev],
    )?;
    Ok(rev)
}

/// A course as a member of `organisation` sees it (`user` is them): each
/// session's seats, and who of the organisation is enrolled or waiting.
pub fn load(conn: &Connection, id: &str, organisation: i64, user: i64) -> Result<Course, ApiError> {
    type Row = (String, String, String, String, u32, String, String);
    let (title, summary, level, language, duration_hours, topics, prerequisites): Row = conn
        .prepare_cached(
            "SELECT title, summary, level, language, duration_hours, topics, prerequisites
             FROM courses WHERE id = ?1",
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
            ))
        })
        .optional()?
        .ok_or_else(|| ApiError::not_found("course"))?;
    type SessionRow = (String, i64, i64, String, Option<String>, u32);
    let sessions: Vec<SessionRow> = conn
        .prepare_cached(
            "SELECT id, starts_at, ends_at, place, link, seats FROM course_sessions
             WHERE course_id = ?1 ORDER BY starts_at, id",
        )?
        .query_map([id], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let sessions = sessions
        .into_iter()
        .map(|(session, starts_at, ends_at, place, link, seats)| {
            let (line, enrolled) = enrolled(conn, &session, seats, organisation, user)?;
            Ok(CourseSession {
                id: session,
                starts_at: rfc3339(starts_at),
                ends_at: rfc3339(ends_at),
                place,
                link,
                seats,
                seats_taken: line.taken,
                waitlisted: line.waiting,
                enrolled,
            })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(Course {
        id: id.to_owned(),
        title,
        summary,
        level: CourseLevel::parse(&level).unwrap_or(CourseLevel::Foundation),
        language,
        duration_hours,
        topics: serde_json::from_str(&topics)?,
        prerequisites: serde_json::from_str(&prerequisites)?,
        sessions,
    })
}

/// A session's seats, and who of `organisation` holds or waits for one.
fn enrolled(
    conn: &Connection,
    session: &str,
    seats: u32,
    organisation: i64,
    user: i64,
) -> Result<(Line, Vec<Enrolled>), ApiError> {
    type Row = (i64, i64, String, String, i64, Option<String>);
    let live: Vec<Row> = conn
        .prepare_cached(&format!(
            "SELECT e.user_id, u.organisation_id, u.email, u.name, e.enrolled_at,
                    (SELECT b.name FROM users b
                     WHERE b.id = e.enrolled_by AND b.organisation_id = u.organisation_id)
             FROM course_enrolments e JOIN users u ON u.id = e.user_id
             WHERE {LIVE} ORDER BY e.seq"
        ))?
        .query_map([session], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let line = Line::of(live.len(), seats);
    let ours = live
        .into_iter()
        .enumerate()
        .filter(|(_, row)| row.1 == organisation)
        .map(|(place, (who, _, email, name, at, by))| Enrolled {
            email,
            name,
            you: who == user,
            enrolled_at: rfc3339(at),
            enrolled_by: by,
            waitlist_position: line.waitlist_position(place),
        })
        .collect();
    Ok((line, ours))
}

/// A page of the courses, each as the caller sees it.
pub fn page(
    conn: &Connection,
    caller: &Caller,
    after: u64,
    limit: u32,
) -> Result<ChangePage<Course>, ApiError> {
    feed::check_cursor(conn, after, None)?;
    let rows: Vec<(String, u64)> = conn
        .prepare_cached("SELECT id, rev FROM courses WHERE rev > ?1 ORDER BY rev LIMIT ?2")?
        .query_map(params![after, limit + 1], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    feed::page(
        rows,
        after,
        limit,
        |(id, rev)| {
            Ok(Change::Upsert {
                rev,
                item: load(conn, &id, caller.organisation_id, caller.user_id)?,
            })
        },
        |next| {
            conn.query_row("SELECT COUNT(*) FROM courses WHERE rev > ?1", [next], |r| {
                r.get(0)
            })
        },
    )
}

/// A session's course and start, or 404.
fn session(conn: &Connection, id: &str) -> Result<(String, i64), ApiError> {
    conn.query_row(
        "SELECT course_id, starts_at FROM course_sessions WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?
    .ok_or_else(|| ApiError::not_found("course session"))
}

/// Whom the caller enrols or cancels for: themself (`None`, or their own
/// e-mail), or — for a partner admin — an active member of their
/// organisation. Anyone else is as if they did not exist. `caller` is as
/// the write's transaction found them (`Caller::now`): their role is asked
/// again here.
pub fn whom(conn: &Connection, caller: &Caller, email: Option<&str>) -> Result<i64, ApiError> {
    let Some(email) = email.map(str::trim) else {
        caller.may(Action::EnrolInCourses)?;
        return Ok(caller.user_id);
    };
    if email.is_empty() {
        return Err(ApiError::invalid(
            "email",
            "name the member by their e-mail, or send no e-mail to enrol yourself".to_owned(),
        ));
    }
    let found: Option<i64> = conn
        .query_row(
            "SELECT id FROM users WHERE email = ?1 COLLATE NOCASE AND organisation_id = ?2
                 AND deactivated_at IS NULL",
            params![email, caller.organisation_id],
            |r| r.get(0),
        )
        .optional()?;
    match found {
        Some(user) if user == caller.user_id => {
            caller.may(Action::EnrolInCourses)?;
            Ok(user)
        }
        Some(user) => {
            caller.may(Action::EnrolMembers)?;
            Ok(user)
        }
        None => Err(ApiError::NotFound(
            "no active member of your organisation has that e-mail; see Settings → Members".into(),
        )),
    }
}

/// Enrols `user` in the session at `now` (`by` the partner admin who did,
/// if not themself): a seat if one is free, else the end of the waitlist.
/// Returns the session's course and its new revision.
pub fn enrol(
    conn: &Connection,
    session: &str,
    user: i64,
    by: Option<i64>,
    now: i64,
) -> Result<(String, u64), ApiError> {
    let (course, starts_at) = self::session(conn, session)?;
    let seq = ENROLMENTS.take(conn, session, starts_at, user, now)?;
    if let Some(by) = by.filter(|by| *by != user) {
        conn.execute(
            "UPDATE course_enrolments SET enrolled_by = ?2 WHERE seq = ?1",
            params![seq, by],
        )?;
    }
    let rev = bump(conn, &course)?;
    Ok((course, rev))
}

/// Gives up `user`'s enrolment at `now`: their seat goes to the first
/// waiting. Returns the session's course and its new revision.
pub fn cancel(
    conn: &Connection,
    session: &str,
    user: i64,
    now: i64,
) -> Result<(String, u64), ApiError> {
    let (course, starts_at) = self::session(conn, session)?;
    ENROLMENTS.give_up(conn, session, starts_at, user, now)?;
    let rev = bump(conn, &course)?;
    Ok((course, rev))
}

/// Gives up a deactivated user's enrolments in sessions not begun at
/// `now`: their seats go to the first waiting.
pub fn withdraw_user(conn: &Connection, user: i64, now: i64) -> Result<(), ApiError> {
    for session in ENROLMENTS.withdraw(conn, user, now)? {
        let (course, _) = self::session(conn, &session)?;
        bump(conn, &course)?;
    }
    Ok(())
}

/// Every course: id and title, by title.
pub fn list(conn: &Connection) -> Result<Vec<(String, String)>, ApiError> {
    Ok(conn
        .prepare_cached("SELECT id, title FROM courses ORDER BY title, id")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?)
}

/// Who enrolled in a session, in order: e-mail, organisation, and
/// whether they hold a seat.
pub fn attendees(
    conn: &Connection,
    session: &str,
) -> Result<Vec<(String, String, bool)>, ApiError> {
    let seats: u32 = conn
        .query_row(
            "SELECT seats FROM course_sessions WHERE id = ?1",
            [session],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| ApiError::not_found("course session"))?;
    let rows: Vec<(String, String)> = conn
        .prepare_cached(&format!(
            "SELECT u.email, o.name FROM course_enrolments e JOIN users u ON u.id = e.user_id
             JOIN organisations o ON o.id = u.organisation_id
             WHERE {LIVE} ORDER BY e.seq"
        ))?
        .query_map([session], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows
        .into_iter()
        .enumerate()
        .map(|(place, (email, organisation))| (email, organisation, place < seats as usize))
        .collect())
}

/// A certification as staff record it.
#[derive(Debug, Clone)]
pub struct Recorded<'a> {
    /// The engineer's e-mail.
    pub email: &'a str,
    pub name: &'a str,
    pub level: CertificationLevel,
    /// YYYY-MM-DD.
    pub issued_on: &'a str,
    /// YYYY-MM-DD; [`CERTIFICATION_VALID_YEARS`] after it was given when
    /// `None`.
    pub expires_on: Option<&'a str>,
    /// The staff member recording it.
    pub staff: &'a str,
}

/// Records a certification at `now`; returns its id and revision.
pub fn record(
    conn: &Connection,
    recorded: &Recorded<'_>,
    now: i64,
) -> Result<(String, u64), ApiError> {
    name(recorded.name, "name", 200)?;
    let (user, organisation): (i64, i64) = conn
        .query_row(
            "SELECT id, organisation_id FROM users WHERE email = ?1 COLLATE NOCASE
                 AND role IN ('partner_member', 'partner_admin') AND deactivated_at IS NULL",
            [recorded.email.trim()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "no active partner engineer has the e-mail {:?}; certifications are a partner's engineers'",
                recorded.email.trim()
            ))
        })?;
    let issued = iso_date(recorded.issued_on, "issued_on")?;
    let today = time::OffsetDateTime::from_unix_timestamp(now.div_euclid(1000))
        .map_or(issued, |at| at.date());
    if issued > today {
        return Err(ApiError::invalid(
            "issued_on",
            format!("{issued} is still to come; record a certification once it is given"),
        ));
    }
    let expires = match recorded.expires_on {
        Some(day) => iso_date(day, "expires_on")?,
        None => years_later(issued, CERTIFICATION_VALID_YEARS),
    };
    if expires <= issued {
        return Err(ApiError::invalid(
            "expires_on",
            format!("a certification given on {issued} expires after that day, not on {expires}"),
        ));
    }
    let year = issued.year();
    let last: i64 = conn.query_row(
        "SELECT coalesce(max(CAST(substr(id, -6) AS INTEGER)), 0)
         FROM certifications WHERE id LIKE 'AICC-ENG-' || ?1 || '-%'",
        [year],
        |r| r.get(0),
    )?;
    let id = format!("AICC-ENG-{year}-{:06}", last + 1);
    let rev = feed::next_rev(conn)?;
    conn.execute(
        "INSERT INTO certifications (id, rev, user_id, organisation_id, name, level, issued_on,
             expires_on, recorded_by, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            id,
            rev,
            user,
            organisation,
            recorded.name.trim(),
            recorded.level.as_str(),
            issued.to_string(),
            expires.to_string(),
            recorded.staff,
            now
        ],
    )?;
    Ok((id, rev))
}

/// Withdraws a certification recorded in error, as the staff member
/// `staff` (their e-mail as the center knows it), saying why; the apps
/// that hold it see it removed. Returns the revision taken.
pub fn withdraw(
    conn: &Connection,
    id: &str,
    reason: &str,
    staff: &str,
    now: i64,
) -> Result<u64, ApiError> {
    name(reason, "reason", 500)?;
    let withdrawn: Option<bool> = conn
        .query_row(
            "SELECT withdrawn_at IS NOT NULL FROM certifications WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?;
    match withdrawn {
        None => Err(ApiError::NotFound(format!("no certification {id:?}"))),
        Some(true) => Err(ApiError::Conflict(format!("{id} was withdrawn already"))),
        Some(false) => {
            let rev = feed::next_rev(conn)?;
            conn.execute(
                "UPDATE certifications SET rev = ?2, withdrawn_at = ?3, withdrawn_by = ?4,
                     withdrawn_reason = ?5
                 WHERE id = ?1",
                params![id, rev, now, staff, reason.trim()],
            )?;
            Ok(rev)
        }
    }
}

/// The same day `years` later (the 28th for a 29 February).
fn years_later(day: time::Date, years: i32) -> time::Date {
    let year = day.year() + years;
    day.replace_year(year)
        .or_else(|_| day.replace_day(28).and_then(|d| d.replace_year(year)))
        .unwrap_or(day)
}

/// A page of the certifications the caller reads: the center's staff
/// every organisation's, a partner admin their organisation's, anyone
/// else their own.
pub fn certification_page(
    conn: &Connection,
    caller: &Caller,
    after: u64,
    limit: u32,
) -> Result<ChangePage<Certification>, ApiError> {
    feed::check_cursor(conn, after, None)?;
    let every = caller.can(Action::ReadEveryCertification);
    let organisation = caller.can(Action::ReadOrganisationSkills);
    let filter = "(?1 OR (?2 AND c.organisation_id = ?3) OR c.user_id = ?4) AND c.rev > ?5";
    let rows: Vec<(Certification, u64, bool)> = conn
        .prepare_cached(&format!(
            "SELECT c.id, c.name, c.level, u.email, u.name, o.name, c.issued_on, c.expires_on,
                    c.rev, c.withdrawn_at IS NOT NULL
             FROM certifications c JOIN users u ON u.id = c.user_id
             JOIN organisations o ON o.id = c.organisation_id
             WHERE {filter} ORDER BY c.rev LIMIT ?6"
        ))?
        .query_map(
            params![
                every,
                organisation,
                caller.organisation_id,
                caller.user_id,
                after,
                limit + 1
            ],
            |r| {
                Ok((
                    Certification {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        level: CertificationLevel::parse(&r.get::<_, String>(2)?)
                            .unwrap_or(CertificationLevel::Associate),
                        holder: Holder {
                            email: r.get(3)?,
                            name: r.get(4)?,
                            organisation: r.get(5)?,
                        },
                        issued_on: r.get(6)?,
                        expires_on: r.get(7)?,
                    },
                    r.get(8)?,
                    r.get(9)?,
                ))
            },
        )?
        .collect::<rusqlite::Result<_>>()?;
    feed::page(
        rows,
        after,
        limit,
        |(item, rev, withdrawn)| {
            Ok(if withdrawn {
                Change::Tombstone { rev, id: item.id }
            } else {
                Change::Upsert { rev, item }
            })
        },
        |next| {
            conn.query_row(
                &format!("SELECT COUNT(*) FROM certifications c WHERE {filter}"),
                params![
                    every,
                    organisation,
                    caller.organisation_id,
                    caller.user_id,
                    next
                ],
                |r| r.get(0),
            )
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    #[test]
    fn once_a_session_has_begun_its_seats_no_longer_change_hands() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("p.sqlite3")).unwrap();
        db.blocking(crate::admin::seed_demo).unwrap();
        db.blocking(|conn| {
            let course: String = conn
                .query_row("SELECT id FROM courses LIMIT 1", [], |r| r.get(0))
                .unwrap();
            // Planned long ago for a day long ago: it has begun.
            let occasion = Occasion {
                starts_at: 10_000,
                ends_at: 20_000,
                place: "Lab B",
                link: None,
                seats: 1,
            };
            let session = add_session(conn, &course, &occasion, 0).unwrap();
            let user = |email| crate::admin::user_id(conn, email).unwrap();
            let (a, b) = (user("engineer@demo.aicc"), user("member@other.aicc"));
            enrol(conn, &session, a, None, 1).unwrap();
            enrol(conn, &session, b, None, 2).unwrap();
            conn.execute("UPDATE users SET deactivated_at = 3 WHERE id = ?1", [a])
                .unwrap();
            withdraw_user(conn, a, 30_000).unwrap();
        });
        let line = db.blocking(|conn| {
            let session: String = conn
                .query_row(
                    "SELECT id FROM course_sessions WHERE starts_at = 10000",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            attendees(conn, &session).unwrap()
        });
        assert_eq!(
            line,
            [
                (
                    "engineer@demo.aicc".to_owned(),
                    "Demo Robotics".to_owned(),
                    true
                ),
                (
                    "member@other.aicc".to_owned(),
                    "Other Vision".to_owned(),
                    false
                ),
            ],
            "the seat stays with who held it when the session began"
        );
    }
}
