//! A cohort's events — demo days, trainings, hackathons — and who goes:
//! the first registrations still live take the seats, the others wait in
//! the order they came, and a cancellation moves the first waiting up.
//! Nothing is stored about who holds a seat; it is read from that order.

use aicc_api::incubation::{CohortEvent, EventKind, Registration};
use aicc_api::sync::{Change, ChangePage};
use rusqlite::{Connection, OptionalExtension, params};

use super::store::{name, text};
use crate::accounts::Caller;
use crate::clock::{new_id, rfc3339};
use crate::error::ApiError;
use crate::feed;
use crate::gathering::{self, Occasion, Registrations};
use crate::permissions::Action;

/// The registrations for event `?1` that count: not given up, by someone
/// still active whose organisation is still in the event's cohort.
const LIVE: &str = "r.event_id = ?1 AND r.cancelled_at IS NULL
    AND EXISTS (SELECT 1 FROM users u
                JOIN enrolments n ON n.organisation_id = u.organisation_id
                JOIN cohort_events e ON e.cohort_id = n.cohort_id
                WHERE u.id = r.user_id AND u.deactivated_at IS NULL AND e.id = r.event_id)";

const REGISTRATIONS: Registrations = Registrations {
    table: "event_registrations",
    occasion: "event_id",
    occasions: "cohort_events",
    at: "registered_at",
    what: "event",
};

/// An event as staff plan it.
#[derive(Debug, Clone)]
pub struct Plan<'a> {
    pub kind: EventKind,
    pub title: &'a str,
    pub description: &'a str,
    /// Unix milliseconds.
    pub starts_at: i64,
    pub ends_at: i64,
    pub place: &'a str,
    pub link: Option<&'a str>,
    pub seats: u32,
}

/// Adds an event to a cohort at `now`; returns its id.
pub fn add(
    conn: &Connection,
    cohort_id: &str,
    plan: &Plan<'_>,
    now: i64,
) -> Result<String, ApiError> {
    name(plan.title.trim(), "title", 200)?;
    text(plan.description, "description", 4000)?;
    let (place, link) = gathering::check(
        &Occasion {
            starts_at: plan.starts_at,
            ends_at: plan.ends_at,
            place: plan.place,
            link: plan.link,
            seats: plan.seats,
        },
        now,
    )?;
    let id = new_id("ev");
    conn.execute(
        "INSERT INTO cohort_events (id, cohort_id, rev, kind, title, description, starts_at,
             ends_at, place, link, seats, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            id,
            cohort_id,
            feed::next_rev(conn)?,
            plan.kind.as_str(),
            plan.title.trim(),
            plan.description,
            plan.starts_at,
            plan.ends_at,
            place,
            link,
            plan.seats,
            now
        ],
    )?;
    Ok(id)
}

/// When the event starts, if the caller may see it: an event of their own
/// organisation's cohort, or any for the center's staff.
pub fn visible(conn: &Connection, caller: &Caller, id: &str) -> Result<i64, ApiError> {
    let found: Option<(String, i64)> = conn
        .query_row(
            "SELECT cohort_id, starts_at FROM cohort_events WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let own = |cohort: &str| -> rusqlite::Result<bool> {
        conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM enrolments WHERE organisation_id = ?1 AND cohort_id = ?2)",
            params![caller.organisation_id, cohort],
            |r| r.get(0),
        )
    };
    match found {
        Some((cohort, starts_at))
            if (caller.can(Action::ReadOrganisation) && own(&cohort)?)
                || caller.can(Action::ReadEveryApplication) =>
        {
            Ok(starts_at)
        }
        _ => Err(ApiError::not_found("event")),
    }
}

/// An event as `user` sees it: the seats taken, the waitlist, and their
/// own registration.
pub fn load(conn: &Connection, id: &str, user: i64) -> Result<CohortEvent, ApiError> {
    type Row = (
        String,
        String,
        String,
        String,
        i64,
        i64,
        String,
        Option<String>,
        u32,
    );
    let (cohort_id, kind, title, description, starts_at, ends_at, place, link, seats): Row = conn
        .prepare_cached(
            "SELECT cohort_id, kind, title, description, starts_at, ends_at, place, link, seats
             FROM cohort_events WHERE id = ?1",
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
        .ok_or_else(|| ApiError::not_found("event"))?;
    let live: Vec<(i64, i64)> = conn
        .prepare_cached(&format!(
            "SELECT r.user_id, r.registered_at FROM event_registrations r WHERE {LIVE} ORDER BY r.seq"
        ))?
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let line = gathering::Line::of(live.len(), seats);
    let mine = live
        .iter()
        .position(|(who, _)| *who == user)
        .map(|place| Registration {
            registered_at: rfc3339(live[place].1),
            waitlist_position: line.waitlist_position(place),
        });
    Ok(CohortEvent {
        id: id.to_owned(),
        cohort_id,
        kind: EventKind::parse(&kind).unwrap_or(EventKind::Workshop),
        title,
        description,
        starts_at: rfc3339(starts_at),
        ends_at: rfc3339(ends_at),
        place,
        link,
        seats,
        seats_taken: line.taken,
        waitlisted: line.waiting,
        mine,
    })
}

/// A page of the events the caller sees (their cohort's; every cohort's
/// for the center's staff), each as they see it.
pub fn page(
    conn: &Connection,
    caller: &Caller,
    after: u64,
    limit: u32,
) -> Result<ChangePage<CohortEvent>, ApiError> {
    feed::check_cursor(conn, after, None)?;
    let every = caller.can(Action::ReadEveryApplication);
    let filter = "(?1 OR cohort_id = (SELECT cohort_id FROM enrolments WHERE organisation_id = ?2))
                  AND rev > ?3";
    let rows: Vec<(String, u64)> = conn
        .prepare_cached(&format!(
            "SELECT id, rev FROM cohort_events WHERE {filter} ORDER BY rev LIMIT ?4"
        ))?
        .query_map(
            params![every, caller.organisation_id, after, limit + 1],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?
        .collect::<rusqlite::Result<_>>()?;
    feed::page(
        rows,
        after,
        limit,
        |(id, rev)| {
            Ok(Change::Upsert {
                rev,
                item: load(conn, &id, caller.user_id)?,
            })
        },
        |next| {
            conn.query_row(
                &format!("SELECT COUNT(*) FROM cohort_events WHERE {filter}"),
                params![every, caller.organisation_id, next],
                |r| r.get(0),
            )
        },
    )
}

/// Registers `user` for the event at `now`: a seat if one is free, else
/// the end of the waitlist. Returns the event's new revision.
pub fn register(
    conn: &Connection,
    id: &str,
    starts_at: i64,
    user: i64,
    now: i64,
) -> Result<u64, ApiError> {
    REGISTRATIONS.take(conn, id, starts_at, user, now)?;
    bump(conn, id)
}

/// Gives up `user`'s registration: their seat goes to the first waiting.
/// Returns the event's new revision.
pub fn cancel(
    conn: &Connection,
    id: &str,
    starts_at: i64,
    user: i64,
    now: i64,
) -> Result<u64, ApiError> {
    REGISTRATIONS.give_up(conn, id, starts_at, user, now)?;
    bump(conn, id)
}

/// Gives every event of `cohorts` a new revision: who may come changed
/// (a startup moved cohorts), so the seats may have, and the apps of the
/// cohorts' startups hear of it.
pub fn touch_cohorts(conn: &Connection, cohorts: &[&str]) -> Result<(), ApiError> {
    for cohort in cohorts {
        let ids: Vec<String> = conn
            .prepare_cached("SELECT id FROM cohort_events WHERE cohort_id = ?1")?
            .query_map([cohort], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for id in ids {
            bump(conn, &id)?;
        }
    }
    Ok(())
}

/// Gives up a deactivated user's registrations for events not begun at
/// `now`: their seats go to the first waiting, and a reactivation does not
/// take them back.
pub fn withdraw_user(conn: &Connection, user: i64, now: i64) -> Result<(), ApiError> {
    for id in REGISTRATIONS.withdraw(conn, user, now)? {
        bump(conn, &id)?;
    }
    Ok(())
}

fn bump(conn: &Connection, id: &str) -> Result<u64, ApiError> {
    let rev = feed::next_rev(conn)?;
    conn.execute(
        "UPDATE cohort_events SET rev = ?2 WHERE id = ?1",
        params![id, rev],
    )?;
    Ok(rev)
}

/// Every event with its cohort's name, soonest first.
pub fn list(conn: &Connection) -> Result<Vec<(String, String)>, ApiError> {
    Ok(conn
        .prepare_cached(
            "SELECT e.id, p.name || ' · ' || c.name FROM cohort_events e
             JOIN cohorts c ON c.id = e.cohort_id JOIN programmes p ON p.id = c.programme_id
             ORDER BY e.starts_at, e.id",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?)
}

/// Who registered for an event, in order: e-mail, and whether they hold a
/// seat.
pub fn attendees(conn: &Connection, id: &str) -> Result<Vec<(String, bool)>, ApiError> {
    let seats: u32 = conn
        .query_row("SELECT seats FROM cohort_events WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?
        .ok_or_else(|| ApiError::not_found("event"))?;
    let emails: Vec<String> = conn
        .prepare_cached(&format!(
            "SELECT u.email FROM event_registrations r JOIN users u ON u.id = r.user_id
             WHERE {LIVE} ORDER BY r.seq"
        ))?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(emails
        .into_iter()
        .enumerate()
        .map(|(place, email)| (email, place < seats as usize))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;
    use crate::gathering::instant;

    const HOUR: i64 = 3_600_000;

    /// The demo, an event of its cohort with `seats` starting at `starts_at`,
    /// and three of the startup's members' user ids.
    fn world(seats: u32, starts_at: i64) -> (tempfile::TempDir, Db, String, [i64; 3]) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("p.sqlite3")).unwrap();
        db.blocking(crate::admin::seed_demo).unwrap();
        let (id, users) = db.blocking(|conn| {
            let cohort = crate::incubation::store::cohort_id(
                conn,
                "Ascend Application Incubation Programme",
                "2026 cohort",
            )
            .unwrap();
            let plan = Plan {
                kind: EventKind::Hackathon,
                title: "Ascend C operator hackathon",
                description: "",
                starts_at,
                ends_at: starts_at + 8 * HOUR,
                place: "Lab B",
                link: None,
                seats,
            };
            let id = add(conn, &cohort, &plan, 0).unwrap();
            let user = |email| crate::admin::user_id(conn, email).unwrap();
            (
                id,
                [user("partner@demo.aicc"), user("engineer@demo.aicc"), {
                    let robotics = crate::admin::organisation_id(conn, "Demo Robotics").unwrap();
                    crate::accounts::upsert_user(
                        conn,
                        robotics,
                        "intern@demo.aicc",
                        "Qian Yu",
                        aicc_api::auth::Role::PartnerMember,
                        crate::accounts::DEMO_PASSWORD,
                    )
                    .unwrap();
                    user("intern@demo.aicc")
                }],
            )
        });
        (dir, db, id, users)
    }

    fn standing(db: &Db, id: &str, user: i64) -> Option<Option<u32>> {
        db.blocking(|conn| load(conn, id, user))
            .unwrap()
            .mine
            .map(|r| r.waitlist_position)
    }

    #[test]
    fn the_first_take_the_seats_the_rest_wait_in_order_and_move_up_as_others_cancel() {
        let (_dir, db, id, [a, b, c]) = world(1, 100 * HOUR);
        for (user, at) in [(a, 1), (b, 2), (c, 3)] {
            db.blocking(|conn| register(conn, &id, 100 * HOUR, user, at))
                .unwrap();
        }
        assert_eq!(standing(&db, &id, a), Some(None), "a seat");
        assert_eq!(standing(&db, &id, b), Some(Some(1)));
        assert_eq!(standing(&db, &id, c), Some(Some(2)));
        let event = db.blocking(|conn| load(conn, &id, a)).unwrap();
        assert_eq!((event.seats_taken, event.waitlisted), (1, 2));

        // The seat holder gives it up: the first waiting takes it.
        db.blocking(|conn| cancel(conn, &id, 100 * HOUR, a, 4))
            .unwrap();
        assert_eq!(standing(&db, &id, a), None);
        assert_eq!(standing(&db, &id, b), Some(None));
        assert_eq!(standing(&db, &id, c), Some(Some(1)));
        // Registering again is the end of the line.
        db.blocking(|conn| register(conn, &id, 100 * HOUR, a, 5))
            .unwrap();
        assert_eq!(standing(&db, &id, a), Some(Some(2)));
    }

    #[test]
    fn a_deactivated_members_seat_goes_to_the_first_waiting_and_stays_there() {
        let (_dir, db, id, [a, b, _]) = world(1, 100 * HOUR);
        for (user, at) in [(a, 1), (b, 2)] {
            db.blocking(|conn| register(conn, &id, 100 * HOUR, user, at))
                .unwrap();
        }
        // Deactivated by hand, without giving anything up: it no longer counts.
        db.blocking(|conn| conn.execute("UPDATE users SET deactivated_at = 5 WHERE id = ?1", [a]))
            .unwrap();
        assert_eq!(standing(&db, &id, b), Some(None));
        // As deactivation does it: given up, and the apps are told.
        let rev = |db: &Db| {
            db.blocking(|conn| {
                conn.query_row("SELECT rev FROM cohort_events WHERE id = ?1", [&id], |r| {
                    r.get::<_, u64>(0)
                })
            })
            .unwrap()
        };
        let before = rev(&db);
        db.blocking(|conn| withdraw_user(conn, a, 6)).unwrap();
        assert!(rev(&db) > before);
        db.blocking(|conn| {
            conn.execute("UPDATE users SET deactivated_at = NULL WHERE id = ?1", [a])
        })
        .unwrap();
        assert_eq!(standing(&db, &id, a), None, "reactivated, not back in");
        assert_eq!(standing(&db, &id, b), Some(None));
    }

    #[test]
    fn a_startup_moved_to_another_cohort_gives_up_its_seats_and_hears_of_both() {
        let (_dir, db, id, [a, b, _]) = world(1, 100 * HOUR);
        for (user, at) in [(a, 1), (b, 2)] {
            db.blocking(|conn| register(conn, &id, 100 * HOUR, user, at))
                .unwrap();
        }
        let rev = |conn: &Connection| -> rusqlite::Result<u64> {
            conn.query_row("SELECT rev FROM cohort_events WHERE id = ?1", [&id], |r| {
                r.get(0)
            })
        };
        let (before, after) = db.blocking(|conn| {
            let before = rev(conn).unwrap();
            let robotics = crate::admin::organisation_id(conn, "Demo Robotics").unwrap();
            let (later, _) = crate::incubation::store::ensure_cohort(
                conn,
                &crate::incubation::store::CohortPlan {
                    programme: "Ascend Application Incubation Programme",
                    description: None,
                    staff: &[],
                    cohort: "2027 cohort",
                    starts_on: "2027-09-01",
                    ends_on: "2028-08-31",
                },
            )
            .unwrap();
            crate::incubation::store::enrol(conn, robotics, &later).unwrap();
            (before, rev(conn).unwrap())
        });
        assert!(after > before, "the old cohort's events are news");
        let event = db.blocking(|conn| load(conn, &id, a)).unwrap();
        assert_eq!((event.seats_taken, event.waitlisted), (0, 0));
        assert_eq!(event.mine, None);
    }

    #[test]
    fn one_registration_each_and_none_once_the_event_has_begun() {
        let (_dir, db, id, [a, b, _]) = world(5, 100 * HOUR);
        db.blocking(|conn| register(conn, &id, 100 * HOUR, a, 1))
            .unwrap();
        let twice = db.blocking(|conn| register(conn, &id, 100 * HOUR, a, 2));
        assert!(twice.unwrap_err().to_string().contains("already"));
        let nothing = db.blocking(|conn| cancel(conn, &id, 100 * HOUR, b, 3));
        assert!(nothing.unwrap_err().to_string().contains("not registered"));
        let late = db.blocking(|conn| register(conn, &id, 100 * HOUR, b, 100 * HOUR));
        assert!(late.unwrap_err().to_string().contains("closed"));
        let late = db.blocking(|conn| cancel(conn, &id, 100 * HOUR, a, 100 * HOUR + 1));
        assert!(late.unwrap_err().to_string().contains("begun"));
        assert_eq!(standing(&db, &id, a), Some(None), "kept");
    }

    #[test]
    fn an_event_says_what_is_wrong_with_it() {
        let (_dir, db, _id, _) = world(5, 100 * HOUR);
        let refused = |plan: Plan<'_>| {
            db.blocking(|conn| {
                let cohort = crate::incubation::store::cohort_id(
                    conn,
                    "Ascend Application Incubation Programme",
                    "2026 cohort",
                )?;
                add(conn, &cohort, &plan, 0)
            })
            .unwrap_err()
            .to_string()
        };
        let plan = Plan {
            kind: EventKind::Training,
            title: "LoRA on Ascend",
            description: "",
            starts_at: 10 * HOUR,
            ends_at: 12 * HOUR,
            place: "Room 3",
            link: None,
            seats: 10,
        };
        assert!(
            refused(Plan {
                seats: 0,
                ..plan.clone()
            })
            .contains("seats")
        );
        assert!(
            refused(Plan {
                ends_at: 9 * HOUR,
                ..plan.clone()
            })
            .contains("before it starts")
        );
        assert!(
            refused(Plan {
                place: "",
                ..plan.clone()
            })
            .contains("say where")
        );
        for link in [
            "javascript:alert(1)",
            "http://meet.example.cn/j/1",
            "https://",
        ] {
            assert!(
                refused(Plan {
                    link: Some(link),
                    ..plan.clone()
                })
                .contains("https address"),
                "{link}"
            );
        }
        assert!(
            refused(Plan {
                title: "Hack\u{202e}athon",
                ..plan.clone()
            })
            .contains("title")
        );
        assert!(
            refused(Plan {
                place: "Room 1\rInjected",
                ..plan.clone()
            })
            .contains("place")
        );
        assert!(
            refused(Plan {
                starts_at: -HOUR,
                ..plan.clone()
            })
            .contains("have begun")
        );
        for link in [
            "https://meeting.demo-aicc.example.cn@evil.example/j/1",
            "https:\\\\evil.example\\j",
            "https://a.example/ x",
        ] {
            assert!(
                refused(Plan {
                    link: Some(link),
                    ..plan.clone()
                })
                .contains("https address"),
                "{link}"
            );
        }
        assert!(
            instant("2100-12-31T23:00:00-08:00", "starts_at").is_err(),
            "2101 in UTC"
        );
        assert!(instant("2027-03-20 09:00", "starts_at").is_err());
        assert_eq!(
            instant("2027-03-20T09:00:00+08:00", "starts_at").unwrap(),
            instant("2027-03-20T01:00:00Z", "starts_at").unwrap()
        );
    }
}
