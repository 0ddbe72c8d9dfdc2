//! An incubated startup's programme and plan as its center last sent them:
//! its enrolment (kept with the center's pools, see `center`) and its
//! milestones, each with whether it is done, overdue or due soon, and the
//! evidence waiting in the outbox.

use aicc_api::incubation::{Enrolment, Milestone, MilestoneState};
use aicc_api::sync::{Change, ChangePage, Collection};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::error::Result;
use crate::outbox::OutboxEntry;
use crate::{cursors, notifications};

/// Within this many days a milestone is due soon.
pub const SOON_DAYS: i64 = 14;

/// How a milestone stands against its due date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Due {
    /// Accepted: nothing is due.
    Done,
    /// Sent and waiting for the reviewer: nothing is due from the startup.
    WithReviewer,
    /// Past its date and not accepted.
    Overdue,
    /// Within [`SOON_DAYS`].
    Soon,
    Later,
}

impl Due {
    /// How `milestone` stands on `today` (`YYYY-MM-DD`).
    pub fn of(milestone: &Milestone, today: &str) -> Self {
        match milestone.state {
            MilestoneState::Accepted => return Due::Done,
            MilestoneState::Submitted => return Due::WithReviewer,
            MilestoneState::Planned | MilestoneState::ChangesRequested => {}
        }
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let (Ok(due), Ok(today)) = (
            time::Date::parse(&milestone.due_on, format),
            time::Date::parse(today, format),
        ) else {
            return Due::Later;
        };
        let days = (due - today).whole_days();
        if days < 0 {
            Due::Overdue
        } else if days <= SOON_DAYS {
            Due::Soon
        } else {
            Due::Later
        }
    }
}

/// A milestone as the UI shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MilestoneView {
    pub milestone: Milestone,
    pub due: Due,
    /// Whether the startup may send evidence now: the state allows it and
    /// none is on its way (who may is the permission table's to say).
    pub may_submit: bool,
    /// Set while its evidence waits in the outbox (or was refused).
    pub outbox: Option<OutboxEntry>,
    /// Files of the evidence waiting in the outbox (or refused).
    pub uploads: Vec<OutboxEntry>,
}

/// The startup's programme and plan, for the incubation screen.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IncubationView {
    /// `None` when the organisation is not enrolled (or before the first
    /// sync): the app shows no incubation section.
    pub enrolment: Option<Enrolment>,
    /// By due date.
    pub milestones: Vec<MilestoneView>,
}

/// Applies a milestones feed page and its cursor in one transaction; a
/// milestone the center accepted or sent back is a notification (not on
/// the first sync, which only fills the store).
pub fn apply_page(conn: &mut Connection, page: &ChangePage<Milestone>, now: &str) -> Result<usize> {
    let tx = conn.transaction()?;
    let first = cursors::first_sync(&tx, Collection::Milestones)?;
    for change in &page.changes {
        let Change::Upsert { rev, item } = change else {
            continue;
        };
        let before = upsert(&tx, *rev, item)?;
        let decided = matches!(
            item.state,
            MilestoneState::Accepted | MilestoneState::ChangesRequested
        );
        // A decision is news when the state moved, or when the same state
        // came again (sent back, sent again and sent back between syncs).
        let moved =
            before.is_none_or(|(state, steps)| state != item.state || item.timeline.len() > steps);
        if !first && decided && moved {
            notifications::record(
                &tx,
                Collection::Milestones,
                &item.id,
                item.state.as_str(),
                &item.title,
                now,
            )?;
        }
    }
    cursors::set_cursor(&tx, Collection::Milestones, page.next, now)?;
    tx.commit()?;
    Ok(page.changes.len())
}

/// Stores a milestone as the center sent it (evidence waiting in the
/// outbox stays noted beside it); returns its state and the length of its
/// timeline before.
fn upsert(
    conn: &Connection,
    rev: u64,
    milestone: &Milestone,
) -> Result<Option<(MilestoneState, usize)>> {
    let before: Option<String> = conn
        .query_row(
            "SELECT body FROM milestones WHERE id = ?1",
            [&milestone.id],
            |r| r.get(0),
        )
        .optional()?;
    let before = before
        .map(|body| serde_json::from_str::<Milestone>(&body))
        .transpose()?
        .map(|m| (m.state, m.timeline.len()));
    conn.execute(
        "INSERT INTO milestones (id, rev, state, due_on, body, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET rev = excluded.rev, state = excluded.state,
             due_on = excluded.due_on, body = excluded.body, updated_at = excluded.updated_at
         WHERE excluded.rev >= milestones.rev",
        params![
            milestone.id,
            rev,
            milestone.state.as_str(),
            milestone.due_on,
            serde_json::to_string(milestone)?,
            milestone.updated_at
        ],
    )?;
    Ok(before)
}

/// The programme and plan as last synced, judged on `today`.
pub fn view(conn: &Connection, today: &str) -> Result<IncubationView> {
    let ids: Vec<String> = conn
        .prepare_cached("SELECT id FROM milestones ORDER BY due_on, id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(IncubationView {
        enrolment: enrolment(conn)?,
        milestones: ids
            .iter()
            .filter_map(|id| get(conn, id, today).transpose())
            .collect::<Result<_>>()?,
    })
}

/// One milestone, judged on `today`.
pub fn get(conn: &Connection, id: &str, today: &str) -> Result<Option<MilestoneView>> {
    crate::outbox::kept(conn, Collection::Milestones, id)?
        .map(|(body, outbox)| {
            let milestone: Milestone = serde_json::from_str(&body)?;
            let uploads = crate::outbox::entries_about(conn, id)?
                .into_iter()
                .filter(|e| matches!(e.write, crate::outbox::Write::UploadEvidence { .. }))
                .collect();
            Ok(MilestoneView {
                uploads,
                due: Due::of(&milestone, today),
                may_submit: milestone.state.may_submit()
                    && outbox.as_ref().is_none_or(|entry| entry.refusal.is_some()),
                milestone,
                outbox,
            })
        })
        .transpose()
}

/// The organisation's enrolment as last synced.
pub fn enrolment(conn: &Connection) -> Result<Option<Enrolment>> {
    let body: Option<String> = conn
        .query_row(
            "SELECT body FROM center_info WHERE key = 'incubation'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    Ok(body
        .map(|body| serde_json::from_str::<Option<Enrolment>>(&body))
        .transpose()?
        .flatten())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn milestone(state: MilestoneState, due_on: &str) -> Milestone {
        Milestone {
            id: "ms_1".into(),
            title: "Pilot on two weld lines".into(),
            description: String::new(),
            deliverable: "The pilot report".into(),
            due_on: due_on.into(),
            state,
            evidence: None,
            attachments: Vec::new(),
            review_comment: None,
            timeline: Vec::new(),
            created_at: "2026-09-01T00:00:00Z".into(),
            updated_at: "2026-09-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn a_milestone_is_overdue_after_its_date_soon_within_two_weeks_and_not_the_startups_while_reviewed()
     {
        use MilestoneState::*;
        let today = "2026-12-06";
        assert_eq!(
            Due::of(&milestone(Planned, "2026-11-30"), today),
            Due::Overdue
        );
        assert_eq!(
            Due::of(&milestone(Submitted, "2026-11-30"), today),
            Due::WithReviewer,
            "sent in time or not, it is the reviewer's now"
        );
        assert_eq!(
            Due::of(&milestone(ChangesRequested, "2026-11-30"), today),
            Due::Overdue
        );
        assert_eq!(
            Due::of(&milestone(Accepted, "2026-11-30"), today),
            Due::Done
        );
        assert_eq!(Due::of(&milestone(Planned, "2026-12-06"), today), Due::Soon);
        assert_eq!(Due::of(&milestone(Planned, "2026-12-20"), today), Due::Soon);
        assert_eq!(
            Due::of(&milestone(Planned, "2026-12-21"), today),
            Due::Later
        );
    }

    #[test]
    fn files_of_the_evidence_wait_in_order_before_the_evidence_and_only_while_it_is_open() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(&dir.path().join("store.sqlite3")).unwrap();
        let mut accepted = milestone(MilestoneState::Accepted, "2026-10-15");
        accepted.id = "ms_done".into();
        let page = ChangePage {
            changes: vec![
                Change::Upsert {
                    rev: 1,
                    item: milestone(MilestoneState::Planned, "2027-01-31"),
                },
                Change::Upsert {
                    rev: 2,
                    item: accepted,
                },
            ],
            next: 2,
            more: false,
            remaining: 0,
        };
        let now = "2026-12-06T12:00:00Z";
        store.blocking(|c| apply_page(c, &page, now)).unwrap();
        let pdf = pdf();
        let attach = |id: &str, content: Vec<u8>| {
            store.blocking(|c| crate::outbox::upload_evidence(c, id, "report.pdf", content, now))
        };
        let script = attach("ms_1", b"#!/bin/sh\n".to_vec())
            .unwrap_err()
            .to_string();
        assert!(script.contains("not a PDF"), "{script}");
        let late = attach("ms_done", pdf.clone()).unwrap_err().to_string();
        assert!(late.contains("accepted"), "{late}");
        attach("ms_1", pdf).unwrap();
        store
            .blocking(|c| {
                crate::outbox::submit_milestone(
                    c,
                    "ms_1",
                    aicc_api::incubation::Evidence {
                        text: "The pilot report, signed".into(),
                    },
                    now,
                )
            })
            .unwrap();
        let view = store
            .blocking(|c| get(c, "ms_1", "2026-12-06"))
            .unwrap()
            .unwrap();
        assert_eq!(view.uploads.len(), 1);
        let kinds: Vec<&str> = store
            .blocking(|c| crate::outbox::entries(c))
            .unwrap()
            .iter()
            .map(|e| match e.write {
                crate::outbox::Write::UploadEvidence { .. } => "file",
                crate::outbox::Write::SubmitMilestone { .. } => "evidence",
                _ => "other",
            })
            .collect();
        assert_eq!(kinds, ["file", "evidence"], "the file goes first");
    }

    /// The smallest file the center takes as a PDF.
    fn pdf() -> Vec<u8> {
        b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".to_vec()
    }
}
