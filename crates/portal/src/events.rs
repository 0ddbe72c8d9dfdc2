//! Live updates: `GET /v1/events` streams, to each signed-in user, a hint
//! `{collection, rev}` whenever something that user can see changed. No data
//! travels in an event; the client pulls the collection's change feed.
//!
//! A user keeps at most [`MAX_STREAMS_PER_USER`] streams open. A stream
//! ends when its token expires, within `stream_recheck_secs` of its token
//! being revoked or its user deactivated, and at shutdown; the client then
//! reconnects with a fresh token, or is told to sign in again.

use std::convert::Infallible;
use std::time::Duration;

use aicc_api::events::EventHint;
use aicc_api::sync::Collection;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use futures_util::StreamExt as _;
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;
use tokio_util::sync::CancellationToken;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::accounts::{Caller, caller_of};
use crate::error::ApiError;
use crate::limits::{Held, PerKey};
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
    /// The answer to a write of an organisation's item in `collection`;
    /// a write made now (not an answer kept for its idempotency key) first
    /// tells the organisation's streams that the collection moved.
    pub fn announced<T: serde::Serialize>(
        &self,
        collection: Collection,
        made: crate::idempotency::Made<T, (u64, i64)>,
    ) -> axum::response::Response {
        if let Some((rev, organisation)) = made.then() {
            self.publish(collection, *rev, Some(*organisation));
        }
        made.answer()
    }

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

/// Open streams a user may have: the app on a few machines, a script or two.
pub const MAX_STREAMS_PER_USER: usize = 8;

/// The open event streams, per user, and the signal that ends them all.
#[derive(Debug, Clone)]
pub struct Streams {
    open: PerKey<i64>,
    /// Cancelled at shutdown.
    pub closing: CancellationToken,
}

impl Default for Streams {
    fn default() -> Self {
        Self {
            open: PerKey::new(MAX_STREAMS_PER_USER),
            closing: CancellationToken::new(),
        }
    }
}

impl Streams {
    /// A place for one more of `user_id`'s streams, freed when dropped.
    fn open(&self, user_id: i64) -> Result<Held<i64>, ApiError> {
        self.open
            .take(user_id)
            .ok_or_else(|| ApiError::TooManyAtOnce {
                message: format!(
                    "this account already has {MAX_STREAMS_PER_USER} event streams open; \
                     close the app on another machine or stop a script that follows events"
                ),
                // A stream closes when a window does: try again in a while.
                retry_after_secs: 30,
            })
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
        ("milestones", Collection::Milestones),
        ("credits", Collection::Credits),
        ("office_hours", Collection::OfficeHours),
        ("certifications", Collection::Certifications),
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
    let directory: Option<u64> = conn.query_row(
        "SELECT MAX(rev) FROM directory_solutions WHERE rev > ?1",
        [after],
        |r| r.get(0),
    )?;
    if let Some(rev) = directory {
        notices.push(Notice {
            hint: EventHint {
                collection: Collection::Directory,
                rev,
            },
            organisation_id: None,
        });
    }
    let courses: Option<u64> = conn.query_row(
        "SELECT MAX(rev) FROM courses WHERE rev > ?1",
        [after],
        |r| r.get(0),
    )?;
    if let Some(rev) = courses {
        notices.push(Notice {
            hint: EventHint {
                collection: Collection::Courses,
                rev,
            },
            organisation_id: None,
        });
    }
    // A cooperation concerns both its organisations.
    let mut stmt = conn.prepare_cached(
        "SELECT organisation_id, MAX(rev) FROM (
             SELECT from_organisation AS organisation_id, rev FROM cooperations WHERE rev > ?1
             UNION ALL
             SELECT to_organisation, rev FROM cooperations WHERE rev > ?1)
         GROUP BY organisation_id",
    )?;
    let rows = stmt.query_map([after], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, u64>(1)?)))?;
    for row in rows {
        let (organisation_id, rev) = row?;
        notices.push(Notice {
            hint: EventHint {
                collection: Collection::Cooperation,
                rev,
            },
            organisation_id: Some(organisation_id),
        });
    }
    // An event concerns every organisation of its cohort.
    let mut stmt = conn.prepare_cached(
        "SELECT n.organisation_id, MAX(e.rev) FROM cohort_events e
         JOIN enrolments n ON n.cohort_id = e.cohort_id
         WHERE e.rev > ?1 GROUP BY n.organisation_id",
    )?;
    let rows = stmt.query_map([after], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, u64>(1)?)))?;
    for row in rows {
        let (organisation_id, rev) = row?;
        notices.push(Notice {
            hint: EventHint {
                collection: Collection::CohortEvents,
                rev,
            },
            organisation_id: Some(organisation_id),
        });
    }
    Ok((notices, now))
}

/// The event stream's route.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(stream))
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
    let slot = state.streams.open(caller.user_id)?;
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
    let ended = ended(state, caller);
    let events = events.take_until(ended).map(move |event| {
        // The place is held for as long as the stream lives.
        let _held = &slot;
        event
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// Completes when a stream opened by `caller` must end: its token expired
/// or no longer holds, or the portal is shutting down.
async fn ended(state: AppState, caller: Caller) {
    let expires_in = caller.expires_at - crate::clock::now_ms() / 1000;
    let expired = tokio::time::sleep(Duration::from_secs(expires_in.max(0).unsigned_abs()));
    let recheck = Duration::from_secs(state.config.stream_recheck_secs.max(1));
    let revoked = async {
        loop {
            tokio::time::sleep(recheck).await;
            let hash = caller.token_hash;
            let holds = state
                .db
                .read(move |conn| caller_of(conn, &hash))
                .await
                .map(|found| found.is_some())
                // A database that cannot answer ends nothing.
                .unwrap_or(true);
            if !holds {
                return;
            }
        }
    };
    tokio::select! {
        () = expired => {}
        () = revoked => {}
        () = state.streams.closing.cancelled() => {}
    }
}
