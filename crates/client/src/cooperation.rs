//! The organisation's cooperations with other partners as last synced: a
//! request waits in the outbox under a local id until the center has it,
//! an answer waits noted on its row. A request received is a
//! notification, once, and so is the answer to one sent.

use aicc_api::directory::{
    Cooperation, CooperationAnswer, CooperationAsk, CooperationState, Direction, Solution,
};
use aicc_api::sync::{Change, ChangePage, Collection};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::outbox::OutboxEntry;
use crate::{cursors, notifications};

/// A cooperation as the UI shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CooperationView {
    pub cooperation: Cooperation,
    /// Set while a write about it waits in the outbox (or was refused).
    pub outbox: Option<OutboxEntry>,
}

/// Applies a page of the organisation's cooperations and its cursor in
/// one transaction. A request received, and the answer to one sent, are
/// notifications (not on the first sync).
pub fn apply_page(
    conn: &mut Connection,
    page: &ChangePage<Cooperation>,
    now: &str,
) -> Result<usize> {
    let tx = conn.transaction()?;
    let first = cursors::first_sync(&tx, Collection::Cooperation)?;
    for change in &page.changes {
        let Change::Upsert { rev, item } = change else {
            continue;
        };
        let before: Option<String> = tx
            .query_row(
                "SELECT state FROM cooperation WHERE id = ?1",
                [&item.id],
                |r| r.get(0),
            )
            .optional()?;
        store(&tx, *rev, item)?;
        let news = match item.direction {
            Direction::Received => item.state == CooperationState::Asked && before.is_none(),
            Direction::Sent => {
                item.state != CooperationState::Asked
                    && before.as_deref() != Some(item.state.as_str())
            }
        };
        if !first && news {
            let state = match item.direction {
                Direction::Received => "received",
                Direction::Sent => item.state.as_str(),
            };
            notifications::record(
                &tx,
                Collection::Cooperation,
                &item.id,
                state,
                &item.solution_name,
                now,
            )?;
        }
    }
    cursors::set_cursor(&tx, Collection::Cooperation, page.next, now)?;
    tx.commit()?;
    Ok(page.changes.len())
}

/// Keeps a cooperation as the center sent it.
pub fn store(conn: &Connection, rev: u64, cooperation: &Cooperation) -> Result<()> {
    conn.execute(
        "INSERT INTO cooperation (id, rev, state, body, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET rev = excluded.rev, state = excluded.state,
             body = excluded.body
         WHERE excluded.rev >= cooperation.rev",
        params![
            cooperation.id,
            rev,
            cooperation.state.as_str(),
            serde_json::to_string(cooperation)?,
            cooperation.created_at
        ],
    )?;
    Ok(())
}

/// Every cooperation, newest first.
pub fn view(conn: &Connection) -> Result<Vec<CooperationView>> {
    let ids: Vec<String> = conn
        .prepare_cached("SELECT id FROM cooperation ORDER BY created_at DESC, id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    ids.iter()
        .filter_map(|id| get(conn, id).transpose())
        .collect()
}

/// One cooperation, by the center's id or the local one it had.
pub fn get(conn: &Connection, id: &str) -> Result<Option<CooperationView>> {
    crate::outbox::kept(conn, Collection::Cooperation, id)?
        .map(|(body, outbox)| {
            Ok(CooperationView {
                cooperation: serde_json::from_str(&body)?,
                outbox,
            })
        })
        .transpose()
}

/// The request as it shows while waiting to be sent; refused here, as the
/// center would, when it says nothing, offers nothing, is about the
/// organisation's own solution (`own_organisation`, by its name, unique at
/// the center) or one the directory does
/// not list, or while an earlier one about it waits for an answer.
pub fn waiting(
    conn: &Connection,
    local_id: &str,
    asked: &CooperationAsk,
    own_organisation: Option<&str>,
    now: &str,
) -> Result<Cooperation> {
    asked.check().map_err(Error::from)?;
    let Some(solution) = crate::searchable::get::<Solution>(conn, &asked.solution_id)? else {
        return Err(Error::refused(
            "solution_unlisted",
            &[],
            "solution_id: this solution is not in the directory (any more); search the directory again",
        ));
    };
    if own_organisation == Some(solution.partner.name.as_str()) {
        return Err(Error::refused(
            "own_solution",
            &[],
            "solution_id: this solution is your organisation's own; ask another partner",
        ));
    }
    let open = view(conn)?.into_iter().any(|v| {
        v.cooperation.direction == Direction::Sent
            && v.cooperation.solution_id == asked.solution_id
            && v.cooperation.state == CooperationState::Asked
            && v.outbox.as_ref().is_none_or(|e| e.refusal.is_none())
    });
    if open {
        return Err(Error::refused(
            "asked_already",
            &[],
            "your organisation asked about this solution already; wait for the owner's answer",
        ));
    }
    Ok(Cooperation {
        id: local_id.to_owned(),
        direction: Direction::Sent,
        solution_id: solution.id,
        solution_name: solution.name,
        from_partner: String::new(),
        to_partner: solution.partner.name,
        asked_by: String::new(),
        message: asked.message.trim().to_owned(),
        offers: asked.offers.clone(),
        state: CooperationState::Asked,
        note: None,
        answered_by: None,
        created_at: now.to_owned(),
        updated_at: now.to_owned(),
    })
}

/// Checks an answer to the request `id` as the center will: one received,
/// not answered yet, nothing else about it on its way.
pub fn check_answer(conn: &Connection, id: &str, answer: &CooperationAnswer) -> Result<()> {
    answer.check().map_err(Error::from)?;
    let Some(view) = get(conn, id)? else {
        return Err(Error::InvalidInput(format!(
            "there is no request to cooperate {id}"
        )));
    };
    if view.cooperation.direction != Direction::Received {
        return Err(Error::refused(
            "owner_answers",
            &[],
            "the owner of the solution answers this request, not the partner that asked",
        ));
    }
    if view.cooperation.state != CooperationState::Asked {
        return Err(Error::refused(
            "answered_already",
            &[],
            format!(
                "the request was {} already",
                view.cooperation.state.as_str()
            ),
        ));
    }
    if view.outbox.as_ref().is_some_and(|e| e.refusal.is_none()) {
        return Err(Error::refused(
            "change_on_its_way",
            &[],
            "your answer to this request is already on its way to the center",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use aicc_api::directory::CooperationOffer;

    use super::*;
    use crate::store::Store;

    fn cooperation(id: &str, direction: Direction, state: CooperationState) -> Cooperation {
        Cooperation {
            id: id.into(),
            direction,
            solution_id: "app_1".into(),
            solution_name: "RailEye 轨道巡检 3.0".into(),
            from_partner: "Demo Robotics".into(),
            to_partner: "Partner 7".into(),
            asked_by: "Zhao Lei <engineer@demo.aicc>".into(),
            message: "A joint bid".into(),
            offers: vec![CooperationOffer::Data],
            state,
            note: None,
            answered_by: None,
            created_at: "2026-12-06T00:00:00Z".into(),
            updated_at: "2026-12-06T00:00:00Z".into(),
        }
    }

    fn apply(store: &Store, rev: u64, item: Cooperation) {
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

    fn told(store: &Store) -> Vec<(String, String)> {
        let mut told: Vec<(String, String)> = store
            .blocking(|c| notifications::inbox(c, 10))
            .unwrap()
            .into_iter()
            .map(|n| (n.item_id, n.state))
            .collect();
        told.sort();
        told
    }

    #[test]
    fn a_request_received_and_the_answer_to_one_sent_are_told_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("store.sqlite3")).unwrap();
        // The first sync's history is not news.
        apply(
            &store,
            1,
            cooperation("coop_old", Direction::Received, CooperationState::Asked),
        );
        apply(
            &store,
            2,
            cooperation("coop_in", Direction::Received, CooperationState::Asked),
        );
        apply(
            &store,
            3,
            cooperation("coop_in", Direction::Received, CooperationState::Asked),
        );
        apply(
            &store,
            4,
            cooperation("coop_out", Direction::Sent, CooperationState::Asked),
        );
        apply(
            &store,
            5,
            cooperation("coop_out", Direction::Sent, CooperationState::Declined),
        );
        apply(
            &store,
            6,
            cooperation("coop_out", Direction::Sent, CooperationState::Declined),
        );
        apply(
            &store,
            7,
            cooperation("coop_in", Direction::Received, CooperationState::Accepted),
        );
        assert_eq!(
            told(&store),
            [
                ("coop_in".to_owned(), "received".to_owned()),
                ("coop_out".to_owned(), "declined".to_owned())
            ]
        );
    }

    #[test]
    fn requests_are_refused_here_as_the_center_would() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("store.sqlite3")).unwrap();
        let mut theirs = crate::directory::tests::solution(1, "RailEye", "rail inspection", "7");
        theirs.partner.name = "Qinglan Rail Vision".into();
        let mut ours = crate::directory::tests::solution(2, "Inspection Robot", "robotics", "3");
        ours.partner.name = "Demo Robotics".into();
        let page = ChangePage {
            changes: vec![
                Change::Upsert {
                    rev: 1,
                    item: theirs,
                },
                Change::Upsert { rev: 2, item: ours },
            ],
            next: 2,
            more: false,
            remaining: 0,
        };
        store
            .blocking(move |c| crate::searchable::apply_page(c, &page, "2026-12-06T12:00:00Z"))
            .unwrap();
        let ask = |solution: &str| CooperationAsk {
            solution_id: solution.into(),
            message: "We have 40,000 labelled images".into(),
            offers: vec![CooperationOffer::Data],
        };
        let refused = |solution: &str| {
            let asked = ask(solution);
            store
                .blocking(move |c| waiting(c, "local-1", &asked, Some("Demo Robotics"), "now"))
                .unwrap_err()
                .to_string()
        };
        assert!(refused("app_2").contains("your organisation's own"));
        assert!(refused("app_9").contains("not in the directory"));
        let local = store
            .blocking(move |c| {
                crate::outbox::ask_cooperation(c, ask("app_1"), "2026-12-06T12:00:00Z")
            })
            .unwrap();
        let shown = store.blocking(|c| view(c)).unwrap();
        assert_eq!(shown.len(), 1);
        assert_eq!(shown[0].cooperation.id, local);
        assert_eq!(shown[0].cooperation.to_partner, "Qinglan Rail Vision");
        assert!(shown[0].outbox.is_some(), "waiting to be sent");
        assert!(refused("app_1").contains("wait for the owner's answer"));
        let answer = CooperationAnswer {
            accept: true,
            note: "Yes".into(),
        };
        let own = store
            .blocking(move |c| crate::outbox::answer_cooperation(c, &local, answer, "now"))
            .unwrap_err()
            .to_string();
        assert!(own.contains("the owner of the solution answers"), "{own}");
    }
}
