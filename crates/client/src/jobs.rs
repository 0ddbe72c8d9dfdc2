//! The user's training jobs as the app keeps them: applying the jobs feed
//! (deciding which transitions deserve a notification), and the list and
//! pages the UI shows, including requests still waiting in the outbox.

use aicc_api::jobs::{Job, JobState};
use aicc_api::permissions::Action;
use aicc_api::sync::{Change, ChangePage, Collection};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::accounts::Standing;
use crate::error::Result;
use crate::outbox::{self, OutboxEntry};
use crate::{center, cursors, notifications};

/// A job as the UI shows it: as the center last said, or as waiting to be sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct JobView {
    pub job: Job,
    /// Only on this computer: the center has not given it an id yet.
    pub local: bool,
    /// Set while the request (or its cancellation) is in the outbox.
    pub outbox: Option<OutboxEntry>,
    /// Whether the account's role lets it cancel this job (its own, or as
    /// a partner admin anyone's); unknown before the first sync.
    pub may_cancel: Option<bool>,
}

/// Applies a jobs feed page and its cursor in one transaction.
pub fn apply_page(conn: &mut Connection, page: &ChangePage<Job>, now: &str) -> Result<usize> {
    let tx = conn.transaction()?;
    let first = cursors::first_sync(&tx, Collection::Jobs)?;
    for change in &page.changes {
        let Change::Upsert { rev, item } = change else {
            continue;
        };
        let before = upsert(&tx, *rev, item)?;
        if !first && item.state.is_final() && before != Some(item.state) {
            notifications::record(
                &tx,
                Collection::Jobs,
                &item.id,
                item.state.as_str(),
                &item.request.name,
                now,
            )?;
        }
    }
    cursors::set_cursor(&tx, Collection::Jobs, page.next, now)?;
    tx.commit()?;
    Ok(page.changes.len())
}

/// Stores a job as the center sent it; returns the state it had before.
pub fn upsert(conn: &Connection, rev: u64, job: &Job) -> Result<Option<JobState>> {
    let before: Option<String> = conn
        .query_row("SELECT state FROM jobs WHERE id = ?1", [&job.id], |r| {
            r.get(0)
        })
        .optional()?;
    conn.execute(
        "INSERT INTO jobs (id, rev, state, body, created_at, outbox_seq) VALUES (?1, ?2, ?3, ?4, ?5, NULL)
         ON CONFLICT (id) DO UPDATE SET rev = max(rev, excluded.rev), state = excluded.state,
             body = excluded.body, outbox_seq = NULL
         WHERE excluded.rev >= jobs.rev",
        params![job.id, rev, job.state.as_str(), serde_json::to_string(job)?, job.created_at],
    )?;
    Ok(before.and_then(|s| JobState::parse(&s)))
}

/// The user's jobs, newest first, optionally only those in `states`.
pub fn list(conn: &Connection, states: &[JobState]) -> Result<Vec<JobView>> {
    let mut stmt =
        conn.prepare_cached("SELECT body, outbox_seq FROM jobs ORDER BY created_at DESC, id")?;
    let rows: Vec<(String, Option<i64>)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let standing = center::info(conn)?.standing;
    let mut views = Vec::new();
    for (body, seq) in rows {
        let job: Job = serde_json::from_str(&body)?;
        if states.is_empty() || states.contains(&job.state) {
            let outbox = seq
                .map(|seq| outbox::entry(conn, seq))
                .transpose()?
                .flatten();
            let may_cancel = may_cancel(standing.as_ref(), &job);
            views.push(JobView {
                local: outbox::is_local(&job.id),
                job,
                outbox,
                may_cancel,
            });
        }
    }
    Ok(views)
}

/// One job, also by the local id it had while waiting in the outbox.
pub fn get(conn: &Connection, id: &str) -> Result<Option<JobView>> {
    let standing = center::info(conn)?.standing;
    outbox::kept(conn, Collection::Jobs, id)?
        .map(|(body, waiting)| {
            let job: Job = serde_json::from_str(&body)?;
            Ok(JobView {
                may_cancel: may_cancel(standing.as_ref(), &job),
                local: outbox::is_local(&job.id),
                job,
                outbox: waiting,
            })
        })
        .transpose()
}

fn may_cancel(standing: Option<&Standing>, job: &Job) -> Option<bool> {
    standing.map(|standing| {
        let own = job
            .submitted_by
            .eq_ignore_ascii_case(&standing.account.email);
        standing.may.contains(&Action::to_cancel(own))
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use aicc_api::jobs::{JobRequest, Priority};

    use super::*;
    use crate::store::Store;

    /// A job of the demo partner's, in `state`.
    pub(crate) fn job(state: JobState) -> Job {
        Job {
            id: "job_1".into(),
            request: JobRequest {
                name: "Weld seam LoRA".into(),
                base_model: None,
                custom_image: Some("swr.example/robotics/train:1".into()),
                dataset_uri: "obs://robotics/welds".into(),
                pool_id: "atlas-800t-a2".into(),
                nodes: 1,
                npus_per_node: 1,
                max_hours: 1.0,
                hyperparameters: Default::default(),
                priority: Priority::Normal,
                note: String::new(),
            },
            state,
            reason: None,
            reason_code: None,
            step: 0,
            total_steps: 0,
            npu_hours_used: 0.0,
            credits_used: Vec::new(),
            unknown_since: None,
            estimated_start: None,
            submitted_by: "partner@demo.aicc".into(),
            timeline: Vec::new(),
            artifacts: Vec::new(),
            created_at: "2026-12-01T08:00:00Z".into(),
            updated_at: "2026-12-01T08:00:00Z".into(),
        }
    }

    fn apply(store: &Store, rev: u64, state: JobState) {
        let page = ChangePage {
            changes: vec![Change::Upsert {
                rev,
                item: job(state),
            }],
            next: rev,
            more: false,
            remaining: 0,
        };
        store
            .blocking(|c| apply_page(c, &page, "2026-12-01T09:00:00Z"))
            .unwrap();
    }

    #[test]
    fn a_job_reaching_any_end_is_news_once_and_no_other_state_is() {
        for state in JobState::ALL {
            let dir = tempfile::tempdir().unwrap();
            let store = Store::open(&dir.path().join("store.sqlite3")).unwrap();
            apply(&store, 1, JobState::Submitted);
            apply(&store, 2, JobState::Running);
            apply(&store, 3, state);
            apply(&store, 4, state);
            let inbox = store.blocking(|c| notifications::inbox(c, 10)).unwrap();
            let told: Vec<&str> = inbox.iter().map(|n| n.state.as_str()).collect();
            let expected: &[&str] = if state.is_final() {
                &[state.as_str()]
            } else {
                &[]
            };
            assert_eq!(told, expected, "a job that became {}", state.as_str());
        }
    }
}
