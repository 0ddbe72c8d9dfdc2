//! The organisation's partner applications as the app keeps them: applying
//! the applications feed (every state change is worth a notification), and
//! what the UI shows, including changes still waiting in the outbox.

use aicc_api::applications::{Application, ApplicationState};
use aicc_api::sync::{Change, ChangePage, Collection};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::error::Result;
use crate::outbox::{self, OutboxEntry};
use crate::{cursors, notifications};

/// An application as the UI shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ApplicationView {
    pub application: Application,
    /// Only on this computer: the center has not given it an id yet.
    pub local: bool,
    /// Set while a change to it is in the outbox.
    pub outbox: Option<OutboxEntry>,
    /// Whether its state lets the partner withdraw it (the center has not
    /// decided yet); who may is the permission table's to say.
    pub may_withdraw: bool,
}

impl ApplicationView {
    fn of(application: Application, outbox: Option<OutboxEntry>) -> Self {
        Self {
            may_withdraw: application.state.may_withdraw(),
            local: crate::outbox::is_local(&application.id),
            application,
            outbox,
        }
    }
}

/// Applies an applications feed page and its cursor in one transaction.
pub fn apply_page(
    conn: &mut Connection,
    page: &ChangePage<Application>,
    now: &str,
) -> Result<usize> {
    let tx = conn.transaction()?;
    let first = cursors::first_sync(&tx, Collection::Applications)?;
    for change in &page.changes {
        let Change::Upsert { rev, item } = change else {
            continue;
        };
        let before = upsert(&tx, *rev, item)?;
        let moved = before.is_some_and(|b| b != item.state)
            || (before.is_none() && item.state != ApplicationState::Draft);
        if !first && moved {
            let title = if item.form.solution_name.is_empty() {
                item.form.organisation_name.clone()
            } else {
                item.form.solution_name.clone()
            };
            notifications::record(
                &tx,
                Collection::Applications,
                &item.id,
                item.state.as_str(),
                &title,
                now,
            )?;
        }
    }
    cursors::set_cursor(&tx, Collection::Applications, page.next, now)?;
    tx.commit()?;
    Ok(page.changes.len())
}

/// Stores an application as the center sent it; returns its state before.
pub fn upsert(
    conn: &Connection,
    rev: u64,
    application: &Application,
) -> Result<Option<ApplicationState>> {
    let before: Option<String> = conn
        .query_row(
            "SELECT state FROM applications WHERE id = ?1",
            [&application.id],
            |r| r.get(0),
        )
        .optional()?;
    conn.execute(
        "INSERT INTO applications (id, rev, state, body, updated_at, outbox_seq) VALUES (?1, ?2, ?3, ?4, ?5, NULL)
         ON CONFLICT (id) DO UPDATE SET rev = max(rev, excluded.rev), state = excluded.state,
             body = excluded.body, updated_at = excluded.updated_at, outbox_seq = NULL
         WHERE excluded.rev >= applications.rev",
        params![
            application.id,
            rev,
            application.state.as_str(),
            serde_json::to_string(application)?,
            application.updated_at
        ],
    )?;
    Ok(before.and_then(|s| ApplicationState::parse(&s)))
}

/// The organisation's applications, most recently changed first.
pub fn list(conn: &Connection) -> Result<Vec<ApplicationView>> {
    let mut stmt =
        conn.prepare_cached("SELECT id FROM applications ORDER BY updated_at DESC, id")?;
    let ids: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    ids.iter()
        .filter_map(|id| get(conn, id).transpose())
        .collect()
}

/// One application, also by the local id it had while waiting in the outbox.
pub fn get(conn: &Connection, id: &str) -> Result<Option<ApplicationView>> {
    outbox::kept(conn, Collection::Applications, id)?
        .map(|(body, waiting)| Ok(ApplicationView::of(serde_json::from_str(&body)?, waiting)))
        .transpose()
}
