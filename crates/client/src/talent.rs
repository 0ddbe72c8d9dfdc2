//! The center's courses and the engineers' certifications as the app
//! keeps them: both declared searchable (`searchable.rs` keeps and
//! searches them). A course is found by its words and filtered by level,
//! language and topic; each of its sessions shows the seats, who of the
//! organisation is enrolled or waiting, and the enrolment on its way in
//! the outbox. The user's own enrolment confirmed, put on the waitlist, or
//! given a seat that came free, and a session of theirs starting within a
//! day, are notifications, once each. Certifications make the
//! organisation's skills: who holds what, and what expires soon.

use aicc_api::sync::{Change, ChangePage, Collection};
use aicc_api::talent::{Certification, Course, CourseLevel, CourseSession, Enrolled};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::clock::{instant, written};
use crate::error::Result;
use crate::outbox::{OutboxEntry, Write};
use crate::searchable::{self, FacetCounts, Filter, Found, Search, Searchable};
use crate::{Error, cursors, notifications};

impl Searchable for Course {
    const COLLECTION: Collection = Collection::Courses;
    const FACETS: &'static [&'static str] = &[LEVEL, LANGUAGE, TOPIC];

    fn id(&self) -> &str {
        &self.id
    }

    fn name(&self) -> &str {
        &self.title
    }

    fn words(&self) -> Vec<&str> {
        [self.title.as_str(), self.summary.as_str()]
            .into_iter()
            .chain(self.topics.iter().map(String::as_str))
            .chain(self.prerequisites.iter().map(String::as_str))
            .collect()
    }

    fn facets(&self) -> Vec<(&'static str, String)> {
        let mut facets = vec![
            (LEVEL, self.level.as_str().to_owned()),
            (LANGUAGE, self.language.clone()),
        ];
        facets.extend(self.topics.iter().map(|t| (TOPIC, t.clone())));
        facets.extend(self.sessions.iter().map(|s| (SESSION, s.id.clone())));
        facets
    }
}

const LEVEL: &str = "level";
const LANGUAGE: &str = "language";
const TOPIC: &str = "topic";
/// Not counted for the screen: a notification about a session opens its
/// course by it.
const SESSION: &str = "session";

impl Searchable for Certification {
    const COLLECTION: Collection = Collection::Certifications;
    const FACETS: &'static [&'static str] = &[];

    fn id(&self) -> &str {
        &self.id
    }

    /// By holder, so an engineer's certifications come together.
    fn name(&self) -> &str {
        &self.holder.name
    }

    fn words(&self) -> Vec<&str> {
        vec![
            self.name.as_str(),
            self.holder.name.as_str(),
            self.holder.email.as_str(),
            self.id.as_str(),
        ]
    }

    fn facets(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }
}

/// What the user is told about their enrolments, as the inbox names it.
pub const ENROLLED: &str = "enrolled";
pub const WAITLISTED: &str = "waitlisted";
/// A seat came free for them on the waitlist.
pub const SEAT: &str = "seat";
pub const STARTS_SOON: &str = "starts_soon";
pub const TOLD: [&str; 4] = [ENROLLED, WAITLISTED, SEAT, STARTS_SOON];

/// A session the user holds a seat at is recalled this long before it.
pub const REMIND_BEFORE: time::Duration = time::Duration::DAY;

/// A certification expiring within this many days is said to expire soon.
pub const EXPIRES_SOON_DAYS: i64 = 90;

/// A search of the courses as the screen asks it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct CourseQuery {
    pub text: String,
    pub level: Option<CourseLevel>,
    /// `zh-CN` or `en`.
    pub language: Option<String>,
    pub topic: Option<String>,
    pub offset: u32,
    pub limit: u32,
}

impl CourseQuery {
    fn search(&self) -> Search {
        let filters = [
            (LEVEL, self.level.map(|l| l.as_str().to_owned())),
            (LANGUAGE, self.language.clone()),
            (TOPIC, self.topic.clone()),
        ]
        .into_iter()
        .filter_map(|(facet, value)| {
            value.map(|value| Filter {
                facet: facet.to_owned(),
                value,
            })
        })
        .collect();
        Search {
            text: self.text.clone(),
            filters,
            offset: self.offset,
            limit: self.limit,
        }
    }
}

/// The courses matching `query`, by title.
pub fn search(conn: &Connection, query: &CourseQuery) -> Result<Found<Course>> {
    searchable::search(conn, &query.search())
}

/// How many courses matching `query` hold each level, language and topic.
pub fn facets(conn: &Connection, query: &CourseQuery) -> Result<Vec<FacetCounts>> {
    searchable::facets::<Course>(conn, &query.search())
}

/// A course as the UI shows it: each session judged at the time asked,
/// with the enrolments on their way.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CourseView {
    pub course: Course,
    pub sessions: Vec<SessionView>,
}

/// One session of a course.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SessionView {
    pub session: CourseSession,
    /// Begun: enrolment is closed.
    pub begun: bool,
    /// Enrolments and cancellings waiting in the outbox (or refused).
    pub outbox: Vec<OutboxEntry>,
}

/// A course by its id or the id of one of its sessions, judged at `now`.
pub fn course(conn: &Connection, id: &str, now: &str) -> Result<Option<CourseView>> {
    let Some(mut course) = of(conn, id)? else {
        return Ok(None);
    };
    let now = instant(now);
    let sessions = std::mem::take(&mut course.sessions)
        .into_iter()
        .map(|session| {
            Ok(SessionView {
                begun: instant(&session.starts_at) <= now,
                outbox: crate::outbox::entries_about(conn, &session.id)?,
                session,
            })
        })
        .collect::<Result<_>>()?;
    Ok(Some(CourseView { course, sessions }))
}

fn of(conn: &Connection, id: &str) -> Result<Option<Course>> {
    if let Some(course) = searchable::get::<Course>(conn, id)? {
        return Ok(Some(course));
    }
    let search = Search {
        filters: vec![Filter {
            facet: SESSION.to_owned(),
            value: id.to_owned(),
        }],
        limit: 1,
        ..Search::default()
    };
    Ok(searchable::search::<Course>(conn, &search)?
        .items
        .into_iter()
        .next())
}

/// Applies a page of the courses and its cursor in one transaction: the
/// user's enrolments that moved are notifications (not on the first
/// sync); then the reminders due.
pub fn apply_page(conn: &mut Connection, page: &ChangePage<Course>, now: &str) -> Result<usize> {
    let tx = conn.transaction()?;
    let first = cursors::first_sync(&tx, Collection::Courses)?;
    for change in &page.changes {
        if let Change::Upsert { item, .. } = change
            && !first
        {
            tell(&tx, item, now)?;
        }
    }
    searchable::apply_changes(&tx, &page.changes)?;
    cursors::set_cursor(&tx, Collection::Courses, page.next, now)?;
    remind(&tx, now)?;
    tx.commit()?;
    Ok(page.changes.len())
}

/// Keeps a course as the center answered a write about it, telling the
/// user what moved for them.
pub fn answered(conn: &Connection, course: &Course, now: &str) -> Result<()> {
    tell(conn, course, now)?;
    searchable::put(conn, course)
}

/// Records what moved for the user between the course as kept and
/// `course`: an enrolment confirmed or waiting, or a seat that came free.
fn tell(conn: &Connection, course: &Course, now: &str) -> Result<()> {
    let before = searchable::get::<Course>(conn, &course.id)?;
    for session in &course.sessions {
        let Some(mine) = yours(session) else {
            continue;
        };
        let was = before
            .as_ref()
            .and_then(|b| b.sessions.iter().find(|s| s.id == session.id))
            .and_then(yours)
            .map(|e| e.waitlist_position.is_some());
        let state = match (was, mine.waitlist_position.is_some()) {
            (None, false) => ENROLLED,
            (None, true) => WAITLISTED,
            (Some(true), false) => SEAT,
            _ => continue,
        };
        notifications::record(
            conn,
            Collection::Courses,
            &session.id,
            state,
            &course.title,
            now,
        )?;
    }
    Ok(())
}

fn yours(session: &CourseSession) -> Option<&Enrolled> {
    session.enrolled.iter().find(|e| e.you)
}

/// Records a reminder for each session the user holds a seat at that
/// starts within [`REMIND_BEFORE`] of `now`.
fn remind(conn: &Connection, now: &str) -> Result<()> {
    let at = instant(now);
    for course in searchable::every::<Course>(conn)? {
        for session in &course.sessions {
            let seated = yours(session).is_some_and(|e| e.waitlist_position.is_none());
            let starts = instant(&session.starts_at);
            if seated && starts > at && starts - at <= REMIND_BEFORE {
                notifications::record(
                    conn,
                    Collection::Courses,
                    &session.id,
                    STARTS_SOON,
                    &course.title,
                    &written(at),
                )?;
            }
        }
    }
    Ok(())
}

/// Checks an enrolment (`enrolling`) or its cancelling as the center
/// will, with what the store knows: whom it is for (`None`: the user), the
/// session ahead, the enrolment there or not, nothing else on its way for
/// them. Returns the write, and the refused one it replaces if any.
pub fn check_enrolment(
    conn: &Connection,
    session_id: &str,
    email: Option<&str>,
    enrolling: bool,
    now: &str,
) -> Result<(Write, Option<i64>)> {
    let email = email.map(str::trim).filter(|e| !e.is_empty());
    let Some(view) = course(conn, session_id, now)? else {
        return Err(Error::InvalidInput(format!(
            "there is no course session {session_id}"
        )));
    };
    let Some(session) = view.sessions.iter().find(|s| s.session.id == session_id) else {
        return Err(Error::InvalidInput(format!(
            "there is no course session {session_id}"
        )));
    };
    let standing = crate::center::info(conn)?.standing;
    let own = standing.as_ref().map(|s| s.account.email.as_str());
    let for_another = email.is_some_and(|e| own.is_none_or(|own| !own.eq_ignore_ascii_case(e)));
    let email = email.filter(|_| for_another).map(str::to_owned);
    if for_another
        && standing
            .as_ref()
            .is_some_and(|s| !s.may.contains(&aicc_api::permissions::Action::EnrolMembers))
    {
        return Err(Error::refused(
            "partner_admin_enrols",
            &[],
            "only a partner admin enrols other members; ask yours, or enrol yourself",
        ));
    }
    let same = |w: &Write| match w {
        Write::Enrol {
            session_id: s,
            email: e,
        }
        | Write::CancelEnrolment {
            session_id: s,
            email: e,
        } => s == session_id && *e == email,
        _ => false,
    };
    let mine: Vec<&OutboxEntry> = session.outbox.iter().filter(|e| same(&e.write)).collect();
    if mine.iter().any(|e| e.refusal.is_none()) {
        return Err(Error::refused(
            "change_on_its_way",
            &[],
            "a change to this enrolment is already on its way to the center",
        ));
    }
    if session.begun {
        return Err(Error::refused(
            "registration_closed",
            &[],
            "the session has begun; enrolment is closed",
        ));
    }
    let enrolled = session.session.enrolled.iter().any(|e| match &email {
        Some(email) => e.email.eq_ignore_ascii_case(email),
        None => e.you,
    });
    if enrolling == enrolled {
        return Err(if enrolling {
            Error::refused(
                "registered_already",
                &[],
                "enrolled in this session already (with a seat or on its waitlist)",
            )
        } else {
            Error::refused("not_registered", &[], "not enrolled in this session")
        });
    }
    let session_id = session_id.to_owned();
    let write = if enrolling {
        Write::Enrol { session_id, email }
    } else {
        Write::CancelEnrolment { session_id, email }
    };
    Ok((write, mine.first().map(|refused| refused.seq)))
}

/// One engineer's certifications, and how each stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Skills {
    pub holders: Vec<HolderSkills>,
    /// How many certifications expire within [`EXPIRES_SOON_DAYS`].
    pub expiring_soon: u32,
    /// When they were last synced; `None` before the first sync.
    pub synced_at: Option<String>,
}

/// An engineer and their certifications, soonest expiry first.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HolderSkills {
    pub email: String,
    pub name: String,
    pub organisation: String,
    pub certifications: Vec<HeldCertification>,
}

/// A certification and how it stands on the day asked.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HeldCertification {
    pub certification: Certification,
    pub standing: CertificationStanding,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum CertificationStanding {
    Valid,
    ExpiresSoon,
    Expired,
}

/// The certifications the account reads — its own, its organisation's
/// for a partner admin, every partner's for the center's staff — by
/// organisation and engineer, as of `today` (YYYY-MM-DD).
pub fn skills(conn: &Connection, today: &str) -> Result<Skills> {
    let today = day(today);
    let soon = today + time::Duration::days(EXPIRES_SOON_DAYS);
    let mut holders: Vec<HolderSkills> = Vec::new();
    let mut expiring_soon = 0;
    for certification in searchable::every::<Certification>(conn)? {
        let expires = day(&certification.expires_on);
        let standing = if expires < today {
            CertificationStanding::Expired
        } else if expires <= soon {
            expiring_soon += 1;
            CertificationStanding::ExpiresSoon
        } else {
            CertificationStanding::Valid
        };
        let held = HeldCertification {
            certification,
            standing,
        };
        match holders
            .iter_mut()
            .find(|h| h.email == held.certification.holder.email)
        {
            Some(holder) => holder.certifications.push(held),
            None => holders.push(HolderSkills {
                email: held.certification.holder.email.clone(),
                name: held.certification.holder.name.clone(),
                organisation: held.certification.holder.organisation.clone(),
                certifications: vec![held],
            }),
        }
    }
    // The center's staff read every partner's: by organisation first.
    holders.sort_by(|a, b| (&a.organisation, &a.name).cmp(&(&b.organisation, &b.name)));
    for holder in &mut holders {
        holder
            .certifications
            .sort_by(|a, b| a.certification.expires_on.cmp(&b.certification.expires_on));
    }
    Ok(Skills {
        holders,
        expiring_soon,
        synced_at: cursors::cursor(conn, Collection::Certifications)?.map(|(_, at)| at),
    })
}

/// A day as written (YYYY-MM-DD, or the start of an RFC 3339 instant).
fn day(text: &str) -> time::Date {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text.get(..10).unwrap_or(text), format)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH.date())
}

#[cfg(test)]
mod tests {
    use aicc_api::talent::{CertificationLevel, Holder};

    use super::*;
    use crate::store::Store;

    /// A course with one session starting at `starts_at`; the user's
    /// enrolment: none, `Some(None)` with a seat, `Some(Some(n))` waiting.
    fn course(starts_at: &str, mine: Option<Option<u32>>) -> Course {
        Course {
            id: "crs_ascendc".into(),
            title: "Ascend C operator development".into(),
            summary: "Operators in Ascend C".into(),
            level: CourseLevel::Advanced,
            language: "en".into(),
            duration_hours: 16,
            topics: vec!["Ascend C".into(), "CANN".into()],
            prerequisites: vec!["C++".into()],
            sessions: vec![CourseSession {
                id: "ses_lab".into(),
                starts_at: starts_at.into(),
                ends_at: "2026-12-31T00:00:00Z".into(),
                place: "Lab B".into(),
                link: None,
                seats: 1,
                seats_taken: 1,
                waitlisted: u32::from(matches!(mine, Some(Some(_)))),
                enrolled: mine
                    .map(|waitlist_position| Enrolled {
                        email: "engineer@demo.aicc".into(),
                        name: "Li Wei".into(),
                        you: true,
                        enrolled_at: "2026-12-01T00:00:00Z".into(),
                        enrolled_by: None,
                        waitlist_position,
                    })
                    .into_iter()
                    .collect(),
            }],
        }
    }

    fn apply(store: &Store, rev: u64, item: Course, now: &str) {
        let page = ChangePage {
            changes: vec![Change::Upsert { rev, item }],
            next: rev,
            more: false,
            remaining: 0,
        };
        store.blocking(|c| apply_page(c, &page, now)).unwrap();
    }

    fn told(store: &Store) -> Vec<String> {
        store
            .blocking(|c| notifications::inbox(c, 10))
            .unwrap()
            .into_iter()
            .map(|n| n.state)
            .collect()
    }

    #[test]
    fn waitlisted_then_given_a_seat_then_reminded_each_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("store.sqlite3")).unwrap();
        let starts = "2026-12-20T06:00:00Z";
        apply(&store, 1, course(starts, None), "2026-12-06T12:00:00Z");
        apply(
            &store,
            2,
            course(starts, Some(Some(1))),
            "2026-12-06T13:00:00Z",
        );
        assert_eq!(told(&store), ["waitlisted"]);
        apply(
            &store,
            3,
            course(starts, Some(None)),
            "2026-12-07T12:00:00Z",
        );
        assert_eq!(told(&store), ["seat", "waitlisted"]);
        apply(
            &store,
            4,
            course(starts, Some(None)),
            "2026-12-08T12:00:00Z",
        );
        assert_eq!(told(&store).len(), 2, "once");
        apply(
            &store,
            4,
            course(starts, Some(None)),
            "2026-12-19T07:00:00Z",
        );
        assert_eq!(told(&store)[0], "starts_soon");
        apply(
            &store,
            4,
            course(starts, Some(None)),
            "2026-12-19T08:00:00Z",
        );
        assert_eq!(told(&store).len(), 3, "reminded once");
        // Opened by the session's id.
        let view = store
            .blocking(|c| super::course(c, "ses_lab", "2026-12-19T08:00:00Z"))
            .unwrap()
            .unwrap();
        assert_eq!(view.course.id, "crs_ascendc");
        assert!(!view.sessions[0].begun);
    }

    #[test]
    fn an_enrolment_confirmed_is_told_but_not_what_the_first_sync_finds() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("store.sqlite3")).unwrap();
        let starts = "2026-12-20T06:00:00Z";
        apply(
            &store,
            1,
            course(starts, Some(None)),
            "2026-12-06T12:00:00Z",
        );
        assert!(told(&store).is_empty(), "the first sync");
        let mut other = course(starts, None);
        other.id = "crs_cann".into();
        other.title = "CANN fundamentals".into();
        other.sessions[0].id = "ses_cann".into();
        apply(&store, 2, other.clone(), "2026-12-06T12:00:00Z");
        other.sessions[0] = course(starts, Some(None)).sessions.remove(0);
        other.sessions[0].id = "ses_cann".into();
        store
            .blocking(|c| answered(c, &other, "2026-12-06T12:01:00Z"))
            .unwrap();
        assert_eq!(told(&store), ["enrolled"]);
        let found = store
            .blocking(|c| {
                search(
                    c,
                    &CourseQuery {
                        text: "fundament".into(),
                        limit: 10,
                        ..CourseQuery::default()
                    },
                )
            })
            .unwrap();
        assert_eq!(found.total, 1);
    }

    #[test]
    fn an_enrolment_is_refused_here_as_the_center_would_and_waits_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("store.sqlite3")).unwrap();
        let now = "2026-12-06T12:00:00Z";
        apply(&store, 1, course("2026-12-20T06:00:00Z", None), now);
        let ask = |email: Option<&'static str>, enrolling: bool| {
            store.blocking(move |c| crate::outbox::enrol(c, "ses_lab", email, enrolling, now))
        };
        let refused = ask(None, false).unwrap_err().to_string();
        assert!(refused.contains("not enrolled"), "{refused}");
        ask(None, true).unwrap();
        let again = ask(None, true).unwrap_err().to_string();
        assert!(again.contains("already on its way"), "{again}");
        // For a member, apart from the user's own.
        ask(Some("zhao@demo.aicc"), true).unwrap();
        let view = store
            .blocking(|c| super::course(c, "crs_ascendc", now))
            .unwrap()
            .unwrap();
        assert_eq!(view.sessions[0].outbox.len(), 2);
        let unknown = store
            .blocking(|c| crate::outbox::enrol(c, "ses_none", None, true, now))
            .unwrap_err()
            .to_string();
        assert!(unknown.contains("no course session"), "{unknown}");
        let mut past = course("2026-12-01T06:00:00Z", None);
        past.id = "crs_past".into();
        past.sessions[0].id = "ses_past".into();
        apply(&store, 2, past, now);
        let late = store
            .blocking(|c| crate::outbox::enrol(c, "ses_past", None, true, now))
            .unwrap_err()
            .to_string();
        assert!(late.contains("begun"), "{late}");
    }

    #[test]
    fn skills_group_certifications_by_engineer_and_say_what_expires_soon() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("store.sqlite3")).unwrap();
        let certification = |n: u32, holder: &str, expires_on: &str| Certification {
            id: format!("AICC-ENG-2026-{n:06}"),
            name: format!("Certification {n}"),
            level: CertificationLevel::Professional,
            holder: Holder {
                email: format!("{}@demo.aicc", holder.to_lowercase()),
                name: holder.into(),
                organisation: "Demo Robotics".into(),
            },
            issued_on: "2024-01-01".into(),
            expires_on: expires_on.into(),
        };
        let changes = vec![
            Change::Upsert {
                rev: 1,
                item: certification(1, "Wang", "2029-01-01"),
            },
            Change::Upsert {
                rev: 2,
                item: certification(2, "Li", "2027-01-20"),
            },
            Change::Upsert {
                rev: 3,
                item: certification(3, "Li", "2026-11-30"),
            },
        ];
        let page = ChangePage {
            changes,
            next: 3,
            more: false,
            remaining: 0,
        };
        store
            .blocking(|c| searchable::apply_page(c, &page, "2026-12-06T12:00:00Z"))
            .unwrap();
        let skills = store.blocking(|c| skills(c, "2026-12-06")).unwrap();
        let names: Vec<&str> = skills.holders.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(names, ["Li", "Wang"]);
        let li: Vec<CertificationStanding> = skills.holders[0]
            .certifications
            .iter()
            .map(|c| c.standing)
            .collect();
        assert_eq!(
            li,
            [
                CertificationStanding::Expired,
                CertificationStanding::ExpiresSoon
            ]
        );
        assert_eq!(skills.expiring_soon, 1);
        assert_eq!(skills.synced_at.as_deref(), Some("2026-12-06T12:00:00Z"));

        // Withdrawn by the center: gone from the skills.
        let page: ChangePage<Certification> = ChangePage {
            changes: vec![Change::Tombstone {
                rev: 4,
                id: "AICC-ENG-2026-000002".into(),
            }],
            next: 4,
            more: false,
            remaining: 0,
        };
        store
            .blocking(|c| searchable::apply_page(c, &page, "2026-12-07T12:00:00Z"))
            .unwrap();
        let skills = store.blocking(|c| super::skills(c, "2026-12-07")).unwrap();
        assert_eq!(skills.expiring_soon, 0);
        assert_eq!(skills.holders[0].certifications.len(), 1);
    }
}
