//! The events of the organisation's cohort as last synced, each with the
//! user's own registration and the change to it waiting in the outbox. A
//! seat that came free for the user, and an event of theirs starting
//! within a day, are notifications, once each.

use aicc_api::incubation::CohortEvent;
use aicc_api::sync::{Change, ChangePage, Collection};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use time::OffsetDateTime;

use crate::clock::{instant, written};
use crate::error::Result;
use crate::outbox::OutboxEntry;
use crate::{cursors, notifications};

/// An event the user holds a seat at is recalled this long before it.
pub const REMIND_BEFORE: time::Duration = time::Duration::DAY;

/// An event as the UI shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EventView {
    pub event: CohortEvent,
    /// Begun: registration is closed.
    pub begun: bool,
    /// Set while a registration or its cancelling waits in the outbox (or
    /// was refused).
    pub outbox: Option<OutboxEntry>,
}

/// Applies a page of the cohort's events and its cursor in one
/// transaction: a seat that came free for the user is a notification
/// (not on the first sync); then the reminders due.
pub fn apply_page(
    conn: &mut Connection,
    page: &ChangePage<CohortEvent>,
    now: &str,
) -> Result<usize> {
    let tx = conn.transaction()?;
    let first = cursors::first_sync(&tx, Collection::CohortEvents)?;
    for change in &page.changes {
        let Change::Upsert { rev, item } = change else {
            continue;
        };
        let before: Option<CohortEvent> = tx
            .query_row(
                "SELECT body FROM cohort_events WHERE id = ?1",
                [&item.id],
                |r| r.get::<_, String>(0),
            )
            .optional()?
            .map(|body| serde_json::from_str(&body))
            .transpose()?;
        let waited = before
            .and_then(|e| e.mine)
            .is_some_and(|mine| mine.waitlist_position.is_some());
        let seated = item
            .mine
            .as_ref()
            .is_some_and(|mine| mine.waitlist_position.is_none());
        if !first && waited && seated {
            notifications::record(
                &tx,
                Collection::CohortEvents,
                &item.id,
                "seat",
                &item.title,
                now,
            )?;
        }
        store(&tx, *rev, item)?;
    }
    cursors::set_cursor(&tx, Collection::CohortEvents, page.next, now)?;
    remind(&tx, now)?;
    tx.commit()?;
    Ok(page.changes.len())
}

/// Keeps an event as the center sent it (a write waiting about it stays
/// noted beside it).
pub fn store(conn: &Connection, rev: u64, event: &CohortEvent) -> Result<()> {
    conn.execute(
        "INSERT INTO cohort_events (id, rev, starts_at, body) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET rev = max(rev, excluded.rev),
             starts_at = excluded.starts_at, body = excluded.body
         WHERE excluded.rev >= cohort_events.rev",
        params![
            event.id,
            rev,
            event.starts_at,
            serde_json::to_string(event)?
        ],
    )?;
    Ok(())
}

/// Records a reminder for each event the user holds a seat at that starts
/// within [`REMIND_BEFORE`] of `now`.
fn remind(conn: &Connection, now: &str) -> Result<()> {
    let now = instant(now);
    for view in list(conn, now)? {
        let seated = view
            .event
            .mine
            .as_ref()
            .is_some_and(|mine| mine.waitlist_position.is_none());
        if seated && !view.begun && instant(&view.event.starts_at) - now <= REMIND_BEFORE {
            notifications::record(
                conn,
                Collection::CohortEvents,
                &view.event.id,
                "starts_soon",
                &view.event.title,
                &written(now),
            )?;
        }
    }
    Ok(())
}

/// The cohort's events as last synced, soonest first, judged at `now`
/// (RFC 3339).
pub fn view(conn: &Connection, now: &str) -> Result<Vec<EventView>> {
    list(conn, instant(now))
}

/// The events of the organisation's cohort as last synced: those of a
/// cohort it was moved from stay in the store, not on screen.
fn list(conn: &Connection, now: OffsetDateTime) -> Result<Vec<EventView>> {
    let cohort = crate::incubation::enrolment(conn)?.map(|e| e.cohort.id);
    let ids: Vec<String> = conn
        .prepare_cached("SELECT id FROM cohort_events ORDER BY starts_at, id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let views: Vec<EventView> = ids
        .iter()
        .filter_map(|id| get_at(conn, id, now).transpose())
        .collect::<Result<_>>()?;
    Ok(views
        .into_iter()
        .filter(|view| cohort.as_ref().is_none_or(|c| *c == view.event.cohort_id))
        .collect())
}

/// One event, judged at `now` (RFC 3339).
pub fn get(conn: &Connection, id: &str, now: &str) -> Result<Option<EventView>> {
    get_at(conn, id, instant(now))
}

fn get_at(conn: &Connection, id: &str, now: OffsetDateTime) -> Result<Option<EventView>> {
    crate::outbox::kept(conn, Collection::CohortEvents, id)?
        .map(|(body, outbox)| {
            let event: CohortEvent = serde_json::from_str(&body)?;
            Ok(EventView {
                begun: instant(&event.starts_at) <= now,
                event,
                outbox,
            })
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use aicc_api::incubation::{EventKind, Registration};

    use super::*;
    use crate::store::Store;

    fn event(starts_at: &str, mine: Option<Option<u32>>) -> CohortEvent {
        CohortEvent {
            id: "ev_lab".into(),
            cohort_id: "coh_2026".into(),
            kind: EventKind::Workshop,
            title: "Hands-on lab: converting a model with ATC".into(),
            description: String::new(),
            starts_at: starts_at.into(),
            ends_at: "2026-12-31T00:00:00Z".into(),
            place: "Lab B".into(),
            link: None,
            seats: 1,
            seats_taken: 1,
            waitlisted: u32::from(matches!(mine, Some(Some(_)))),
            mine: mine.map(|waitlist_position| Registration {
                registered_at: "2026-12-01T00:00:00Z".into(),
                waitlist_position,
            }),
        }
    }

    fn apply(store: &Store, rev: u64, item: CohortEvent, now: &str) {
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
    fn a_seat_that_came_free_is_told_once_and_a_day_before_the_event_too() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("store.sqlite3")).unwrap();
        let starts = "2026-12-20T06:00:00Z";
        apply(
            &store,
            1,
            event(starts, Some(Some(1))),
            "2026-12-06T12:00:00Z",
        );
        assert!(told(&store).is_empty(), "waiting, and the first sync");
        apply(&store, 2, event(starts, Some(None)), "2026-12-07T12:00:00Z");
        assert_eq!(told(&store), ["seat"]);
        apply(&store, 3, event(starts, Some(None)), "2026-12-08T12:00:00Z");
        assert_eq!(told(&store), ["seat"], "once");
        apply(&store, 3, event(starts, Some(None)), "2026-12-19T06:00:00Z");
        assert_eq!(told(&store), ["starts_soon", "seat"]);
        apply(&store, 3, event(starts, Some(None)), "2026-12-19T07:00:00Z");
        assert_eq!(told(&store).len(), 2, "reminded once");
    }

    #[test]
    fn no_reminder_on_the_waitlist_or_once_begun() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("store.sqlite3")).unwrap();
        apply(
            &store,
            1,
            event("2026-12-07T06:00:00Z", Some(Some(2))),
            "2026-12-06T12:00:00Z",
        );
        let mut begun = event("2026-12-06T06:00:00Z", Some(None));
        begun.id = "ev_begun".into();
        apply(&store, 2, begun, "2026-12-06T12:00:00Z");
        assert!(told(&store).is_empty());
    }

    #[test]
    fn events_of_a_cohort_the_startup_left_are_not_shown() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("store.sqlite3")).unwrap();
        let now = "2026-12-06T12:00:00Z";
        apply(&store, 1, event("2026-12-20T06:00:00Z", None), now);
        let shown = |store: &Store| store.blocking(|c| view(c, now)).unwrap().len();
        assert_eq!(shown(&store), 1, "no enrolment known yet: all");
        let enrolled = |cohort: &str| {
            serde_json::json!({
                "programme": {"id": "prg_1", "name": "Ascend Application Incubation Programme",
                              "description": "", "staff": []},
                "cohort": {"id": cohort, "name": "2027 cohort", "starts_on": "2027-09-01",
                           "ends_on": "2028-08-31"},
                "enrolled_at": now
            })
            .to_string()
        };
        store
            .blocking(|c| {
                c.execute(
                    "INSERT INTO center_info (key, body, fetched_at) VALUES ('incubation', ?1, ?2)",
                    params![enrolled("coh_2027"), now],
                )?;
                Ok(())
            })
            .unwrap();
        assert_eq!(shown(&store), 0, "moved to the 2027 cohort");
    }

    #[test]
    fn a_registration_is_refused_here_as_the_center_would_and_waits_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("store.sqlite3")).unwrap();
        let now = "2026-12-06T12:00:00Z";
        apply(&store, 1, event("2026-12-20T06:00:00Z", None), now);
        let ask = |register: bool| {
            store.blocking(|c| crate::outbox::register_for_event(c, "ev_lab", register, now))
        };
        let refused = ask(false).unwrap_err().to_string();
        assert!(refused.contains("not registered"), "{refused}");
        ask(true).unwrap();
        let again = ask(true).unwrap_err().to_string();
        assert!(again.contains("already on its way"), "{again}");
        let view = store.blocking(|c| get(c, "ev_lab", now)).unwrap().unwrap();
        assert!(matches!(
            view.outbox.map(|e| e.write),
            Some(crate::outbox::Write::RegisterForEvent { .. })
        ));
        let mut past = event("2026-12-01T06:00:00Z", None);
        past.id = "ev_past".into();
        apply(&store, 2, past, now);
        let late = store
            .blocking(|c| crate::outbox::register_for_event(c, "ev_past", true, now))
            .unwrap_err()
            .to_string();
        assert!(late.contains("closed"), "{late}");
    }
}
