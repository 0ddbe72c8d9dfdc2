//! The startup's mentors and its requests for office hours as last
//! synced; a request waits in the outbox under a local id until the
//! center has it. A mentor's answer is a notification, once.

use aicc_api::incubation::{Mentor, OfficeHours, OfficeHoursRequest, OfficeHoursState};
use aicc_api::sync::{Change, ChangePage, Collection};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::outbox::OutboxEntry;
use crate::{cursors, notifications};

/// A request as the UI shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OfficeHoursView {
    pub office_hours: OfficeHours,
    /// Set while it waits in the outbox (or was refused).
    pub outbox: Option<OutboxEntry>,
}

/// The mentors and the requests, newest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MentorsView {
    pub mentors: Vec<Mentor>,
    pub office_hours: Vec<OfficeHoursView>,
}

/// Keeps the mentors the center listed, in place of those before.
pub fn keep(conn: &Connection, mentors: &[Mentor]) -> Result<()> {
    conn.execute("DELETE FROM mentors", [])?;
    for mentor in mentors {
        conn.execute(
            "INSERT INTO mentors (id, body) VALUES (?1, ?2)",
            params![mentor.id, serde_json::to_string(mentor)?],
        )?;
    }
    Ok(())
}

/// Applies a page of the organisation's requests and its cursor in one
/// transaction; a mentor's answer is a notification (not on the first
/// sync).
pub fn apply_page(
    conn: &mut Connection,
    page: &ChangePage<OfficeHours>,
    now: &str,
) -> Result<usize> {
    let tx = conn.transaction()?;
    let first = cursors::first_sync(&tx, Collection::OfficeHours)?;
    for change in &page.changes {
        let Change::Upsert { rev, item } = change else {
            continue;
        };
        let before: Option<String> = tx
            .query_row(
                "SELECT state FROM office_hours WHERE id = ?1",
                [&item.id],
                |r| r.get(0),
            )
            .optional()?;
        store(&tx, *rev, item)?;
        let answered = item.state != OfficeHoursState::Requested;
        if !first && answered && before.as_deref() != Some(item.state.as_str()) {
            notifications::record(
                &tx,
                Collection::OfficeHours,
                &item.id,
                item.state.as_str(),
                &item.mentor.name,
                now,
            )?;
        }
    }
    cursors::set_cursor(&tx, Collection::OfficeHours, page.next, now)?;
    tx.commit()?;
    Ok(page.changes.len())
}

/// Keeps a request as the center sent it.
pub fn store(conn: &Connection, rev: u64, office_hours: &OfficeHours) -> Result<()> {
    conn.execute(
        "INSERT INTO office_hours (id, rev, state, body, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET rev = excluded.rev, state = excluded.state,
             body = excluded.body
         WHERE excluded.rev >= office_hours.rev",
        params![
            office_hours.id,
            rev,
            office_hours.state.as_str(),
            serde_json::to_string(office_hours)?,
            office_hours.created_at
        ],
    )?;
    Ok(())
}

/// The mentors and the requests as last synced.
pub fn view(conn: &Connection) -> Result<MentorsView> {
    let mentors: Vec<Mentor> = conn
        .prepare_cached("SELECT body FROM mentors")?
        .query_map([], |r| r.get::<_, String>(0))?
        .map(|body| Ok(serde_json::from_str(&body?)?))
        .collect::<Result<Vec<Mentor>>>()?;
    let mut mentors = mentors;
    mentors.sort_by(|a, b| a.name.cmp(&b.name));
    let ids: Vec<String> = conn
        .prepare_cached("SELECT id FROM office_hours ORDER BY created_at DESC, id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let office_hours = ids
        .iter()
        .filter_map(|id| {
            crate::outbox::kept(conn, Collection::OfficeHours, id)
                .transpose()
                .map(|kept| {
                    let (body, outbox) = kept?;
                    Ok(OfficeHoursView {
                        office_hours: serde_json::from_str(&body)?,
                        outbox,
                    })
                })
        })
        .collect::<Result<_>>()?;
    Ok(MentorsView {
        mentors,
        office_hours,
    })
}

/// The request as it shows while waiting to be sent: to the mentor as
/// last listed, asked just now.
pub fn waiting(
    conn: &Connection,
    local_id: &str,
    request: &OfficeHoursRequest,
    now: &str,
) -> Result<OfficeHours> {
    request.check().map_err(Error::from)?;
    let mentor: Option<String> = conn
        .query_row(
            "SELECT body FROM mentors WHERE id = ?1",
            [&request.mentor_id],
            |r| r.get(0),
        )
        .optional()?;
    let Some(mentor) = mentor else {
        return Err(Error::refused(
            "not_your_mentor",
            &[],
            "mentor_id: this mentor is not one of your organisation's; choose one of those listed",
        ));
    };
    Ok(OfficeHours {
        id: local_id.to_owned(),
        mentor: serde_json::from_str(&mentor)?,
        topic: request.topic.trim().to_owned(),
        slots: request.slots.clone(),
        state: OfficeHoursState::Requested,
        chosen_slot: None,
        note: None,
        requested_by: String::new(),
        created_at: now.to_owned(),
        updated_at: now.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use aicc_api::incubation::OfficeHoursRequest;

    use super::*;
    use crate::store::Store;

    fn mentor() -> Mentor {
        Mentor {
            id: "mtr_gao".into(),
            name: "Gao Min".into(),
            expertise: "Model conversion with ATC".into(),
            languages: vec!["zh-CN".into(), "en".into()],
        }
    }

    fn answered(id: &str, state: OfficeHoursState) -> OfficeHours {
        OfficeHours {
            id: id.into(),
            mentor: mentor(),
            topic: "A custom layer ATC does not convert".into(),
            slots: vec!["2026-12-10T02:00:00Z".into()],
            state,
            chosen_slot: None,
            note: None,
            requested_by: "partner@demo.aicc".into(),
            created_at: "2026-12-06T00:00:00Z".into(),
            updated_at: "2026-12-06T00:00:00Z".into(),
        }
    }

    fn apply(store: &Store, rev: u64, item: OfficeHours) {
        let page = ChangePage {
            changes: vec![Change::Upsert { rev, item }],
            next: rev,
            more: false,
            remaining: 0,
        };
        store
            .blocking(|c| apply_page(c, &page, "2026-12-06T12:00:00Z"))
            .unwrap();
    }

    #[test]
    fn a_request_waits_under_a_local_id_and_the_mentors_answer_is_told_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("store.sqlite3")).unwrap();
        store.blocking(|c| keep(c, &[mentor()])).unwrap();
        let asked = |mentor_id: &str| OfficeHoursRequest {
            mentor_id: mentor_id.into(),
            topic: "Glare on polished seams".into(),
            slots: vec!["2026-12-10T02:00:00Z".into()],
        };
        let stranger = store
            .blocking(|c| {
                crate::outbox::request_office_hours(c, asked("mtr_other"), "2026-12-06T12:00:00Z")
            })
            .unwrap_err()
            .to_string();
        assert!(
            stranger.contains("not one of your organisation's"),
            "{stranger}"
        );
        let local = store
            .blocking(|c| {
                crate::outbox::request_office_hours(c, asked("mtr_gao"), "2026-12-06T12:00:00Z")
            })
            .unwrap();
        let view = store.blocking(|c| view(c)).unwrap();
        assert_eq!(view.office_hours.len(), 1);
        assert_eq!(view.office_hours[0].office_hours.id, local);
        assert!(view.office_hours[0].outbox.is_some(), "waiting to be sent");

        // Synced for the first time: history, not news.
        apply(&store, 1, answered("oh_old", OfficeHoursState::Accepted));
        apply(&store, 2, answered("oh_new", OfficeHoursState::Requested));
        apply(&store, 3, answered("oh_new", OfficeHoursState::Declined));
        apply(&store, 4, answered("oh_new", OfficeHoursState::Declined));
        let told: Vec<(String, String)> = store
            .blocking(|c| notifications::inbox(c, 10))
            .unwrap()
            .into_iter()
            .map(|n| (n.item_id, n.state))
            .collect();
        assert_eq!(told, [("oh_new".to_owned(), "declined".to_owned())]);
    }
}
