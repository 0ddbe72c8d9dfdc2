//! Live updates: `GET /v1/events` streams, to each signed-in user, a hint
//! `{collection, rev}` whenever something that user can see changed. No data
//! travels in an event; the client pulls the collection's change feed.

use std::convert::Infallible;
use std::time::Duration;

use aicc_api::events::{Collection, EventHint};
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use futures_util::StreamExt as _;
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;

use crate::AppState;
use crate::accounts::Caller;
use crate::error::ApiError;
use crate::permissions::Action;

/// A change somewhere in the portal.
#[derive(Debug, Clone, Copy)]
pub struct Notice {
    pub hint: EventHint,
    /// The organisation that may see it; `None` for everyone (the catalog).
    pub organisation_id: Option<i64>,
}

/// The portal's change notices, fanned out to every open event stream.
#[derive(Debug, Clone)]
pub struct Events {
    sender: broadcast::Sender<Notice>,
}

impl Default for Events {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(1024).0,
        }
    }
}

impl Events {
    /// Tells the streams that `collection` moved to `rev`.
    pub fn publish(&self, collection: Collection, rev: u64, organisation_id: Option<i64>) {
        // No open stream is not an error.
        let _ = self.sender.send(Notice {
            hint: EventHint { collection, rev },
            organisation_id,
        });
    }

    /// A receiver of every notice from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Notice> {
        self.sender.subscribe()
    }
}

/// The server-wide revision now.
pub fn head(conn: &mut rusqlite::Connection) -> Result<u64, crate::error::ApiError> {
    Ok(conn.query_row("SELECT rev FROM revision WHERE id = 1", [], |r| r.get(0))?)
}

/// What changed after revision `after`, per collection and organisation,
/// and the revision now.
pub fn since(
    conn: &mut rusqlite::Connection,
    after: u64,
) -> Result<(Vec<Notice>, u64), crate::error::ApiError> {
    let now = head(conn)?;
    if now <= after {
        return Ok((Vec::new(), now));
    }
    let mut notices = Vec::new();
    let catalog: Option<u64> = conn.query_row(
        "SELECT MAX(rev) FROM catalog_models WHERE rev > ?1",
        [after],
        |r| r.get(0),
    )?;
    if let Some(rev) = catalog {
        notices.push(Notice {
            hint: EventHint {
                collection: Collection::Catalog,
                rev,
            },
            organisation_id: None,
        });
    }
    for (table, collection) in [
        ("jobs", Collection::Jobs),
        ("applications", Collection::Applications),
    ] {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT organisation_id, MAX(rev) FROM {table} WHERE rev > ?1 GROUP BY organisation_id"
        ))?;
        let rows = stmt.query_map([after], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, u64>(1)?)))?;
        for row in rows {
            let (organisation_id, rev) = row?;
            notices.push(Notice {
                hint: EventHint { collection, rev },
                organisation_id: Some(organisation_id),
            });
        }
    }
    Ok((notices, now))
}

/// `GET /v1/events`: server-sent events, `event: change` with
/// `{collection, rev}` data, and a keep-alive comment every 15 s. A stream
/// that fell behind gets `event: resync`: pull every collection.
#[utoipa::path(get, path = "/v1/events", tag = "sync",
    responses((status = 200, description = "text/event-stream of {collection, rev} hints", body = EventHint)))]
pub async fn stream(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    caller.may(Action::ReadOrganisation)?;
    let organisation_id = caller.organisation_id;
    let events =
        BroadcastStream::new(state.events.subscribe()).filter_map(move |notice| async move {
            match notice {
                Ok(notice) if notice.organisation_id.is_none_or(|o| o == organisation_id) => {
                    Some(Ok(Event::default()
                        .event("change")
                        .json_data(notice.hint)
                        .unwrap_or_else(|_| Event::default().event("resync"))))
                }
                Ok(_) => None,
                Err(_lagged) => Some(Ok(Event::default().event("resync").data("{}"))),
            }
        });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
