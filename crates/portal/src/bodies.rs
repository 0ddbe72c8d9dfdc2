//! Request bodies: read whole before a write's handler runs, and only
//! as far as the portal can afford.
//!
//! - Only bodies someone may send are read: a write's, on a route that
//!   exists, from someone signed in, or one under `/v1/auth/`. Any other
//!   is left to its handler, which answers without reading it (401 for an
//!   anonymous write). An attachment is read only once its sender may add
//!   it to that application (`applications::before_upload`).
//! - Each route takes a size (4 KiB under `/v1/auth/`, 1 MiB of JSON, an
//!   attachment's 20 MiB): a larger `Content-Length` is refused before a
//!   byte is read, a longer body as soon as it passes the limit (413).
//! - A body must arrive within `body_read_timeout_secs`, or
//!   `upload_deadline_secs` for an attachment, and once past
//!   `body_read_timeout_secs`, at [`MIN_BODY_RATE`] on average (408).
//! - Memory is taken as bytes arrive, not as they are announced: a body
//!   holds room for what it has sent, at most twice that and never less
//!   than [`FIRST_ROOM`]. Attachments and JSON bodies have pools of their
//!   own ([`UPLOAD_MEMORY`], [`JSON_MEMORY`]), so a small body never waits
//!   behind a large one; a body that finds its pool full for
//!   [`QUEUE_WAIT`] is answered 503 with `Retry-After`. Bodies under
//!   `/v1/auth/` take from no pool: at most [`AUTH_BODY`] each on the
//!   connections the portal allows, a sign-in never waits for memory.
//! - One person sends at most [`BODIES_PER_PERSON`] bodies at once, of
//!   them [`UPLOADS_PER_PERSON`] attachments (429): whatever their token
//!   may do, one person holds a small share of either pool.

use std::sync::Arc;
use std::time::Duration;

use aicc_api::applications::MAX_ATTACHMENT_BYTES;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use http_body_util::BodyExt as _;
use hyper::body::Body as _;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::AppState;
use crate::accounts::Resolved;
use crate::error::ApiError;
use crate::limits::{Held, PerKey};

/// The largest body of a route under `/v1/auth/`: a sign-in, a refresh
/// token, an invitation's code and password.
pub const AUTH_BODY: usize = 4 * 1024;
/// The largest JSON body of any other route.
pub const JSON_BODY: usize = 1024 * 1024;
/// The largest attachment upload: the file and room for nothing else.
pub const UPLOAD_BODY: usize = MAX_ATTACHMENT_BYTES;
/// A body still arriving after `body_read_timeout_secs` must have come at
/// least this fast on average (bytes a second: 256 kbit/s), or it is cut
/// off: a body dribbled in holds its memory and its upload for no longer.
pub const MIN_BODY_RATE: f64 = 32.0 * 1024.0;

/// The memory for attachments being read: a dozen whole ones at once.
pub const UPLOAD_MEMORY: usize = 240 * 1024 * 1024;
/// The memory for JSON bodies being read: hundreds of the usual few
/// kilobytes, or 64 of the largest.
pub const JSON_MEMORY: usize = 64 * 1024 * 1024;
/// The room a body is given with its first bytes.
pub const FIRST_ROOM: usize = 64 * 1024;
/// Bodies one person may be sending at once: more than the app's outbox
/// or a script sends.
pub const BODIES_PER_PERSON: usize = 8;
/// Attachments one person may be sending at once.
pub const UPLOADS_PER_PERSON: usize = 2;

/// How long a body waits for memory to be read into.
pub const QUEUE_WAIT: Duration = Duration::from_secs(5);

/// The memory bodies are read into, and who is sending how many.
#[derive(Debug, Clone)]
pub struct Bodies {
    json: Arc<Semaphore>,
    uploads: Arc<Semaphore>,
    sending: PerKey<i64>,
    uploading: PerKey<i64>,
}

impl Default for Bodies {
    fn default() -> Self {
        Self::with_memory(JSON_MEMORY, UPLOAD_MEMORY)
    }
}

impl Bodies {
    fn with_memory(json: usize, uploads: usize) -> Self {
        Self {
            json: Arc::new(Semaphore::new(json)),
            uploads: Arc::new(Semaphore::new(uploads)),
            sending: PerKey::new(BODIES_PER_PERSON),
            uploading: PerKey::new(UPLOADS_PER_PERSON),
        }
    }

    /// Leave for `person` to send one more attachment, while they send
    /// fewer than [`UPLOADS_PER_PERSON`].
    pub fn upload_slot(&self, person: i64) -> Result<Held<i64>, ApiError> {
        self.uploading
            .take(person)
            .ok_or_else(|| ApiError::TooManyAtOnce {
                message: format!(
                    "this account is already sending {UPLOADS_PER_PERSON} attachments, \
                     as many as it may at once; send this one when one of them has arrived"
                ),
                retry_after_secs: QUEUE_WAIT.as_secs(),
            })
    }

    fn body_slot(&self, person: i64) -> Result<Held<i64>, ApiError> {
        self.sending
            .take(person)
            .ok_or_else(|| ApiError::TooManyAtOnce {
                message: format!(
                    "this account is already sending {BODIES_PER_PERSON} requests, \
                     as many as it may at once; send this one when one of them is answered"
                ),
                retry_after_secs: QUEUE_WAIT.as_secs(),
            })
    }
}

/// The middleware, on every route: reads a write's whole body, within its
/// route's size, time and pace, into memory taken as it arrives, before
/// the layers after it (idempotency's fingerprint) and its handler run.
pub async fn middleware(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let writes = matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    let path = request.uri().path();
    let auth = path.starts_with("/v1/auth/");
    let caller = match request.extensions().get::<Resolved>() {
        Some(Resolved(Some(caller))) => Some(caller.user_id),
        _ => None,
    };
    if !writes || request.body().is_end_stream() || (caller.is_none() && !auth) {
        return next.run(request).await;
    }
    let upload = request.method() == Method::POST
        && path.starts_with("/v1/applications/")
        && path.ends_with("/attachments");
    let grace = Duration::from_secs(state.config.body_read_timeout_secs.max(1));
    let (limit, deadline, pool) = if auth {
        (AUTH_BODY, grace, None)
    } else if upload {
        (
            UPLOAD_BODY,
            Duration::from_secs(state.config.upload_deadline_secs.max(1)),
            Some(&state.bodies.uploads),
        )
    } else {
        (JSON_BODY, grace, Some(&state.bodies.json))
    };
    let too_large = || {
        ApiError::PayloadTooLarge(format!(
            "the body is larger than this request takes ({} KiB at most)",
            limit / 1024
        ))
        .into_response()
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|length| length.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return too_large();
    }
    let _sending = match caller.map(|person| state.bodies.body_slot(person)) {
        Some(Err(refused)) => return refused.into_response(),
        Some(Ok(slot)) => Some(slot),
        None => None,
    };
    let mut room = Room::new(pool.cloned());
    let (parts, body) = request.into_parts();
    let expected = declared.map_or(limit, |length| length as usize);
    let read = read_whole(body, &mut room, expected, grace, deadline).await;
    match read {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(Unread::TooLarge) => too_large(),
        Err(Unread::TooSlow) => ApiError::BodyTimeout {
            deadline_secs: deadline.as_secs(),
            grace_secs: grace.as_secs(),
        }
        .into_response(),
        Err(Unread::NoRoom) => ApiError::Busy {
            retry_after_secs: QUEUE_WAIT.as_secs(),
        }
        .into_response(),
        Err(Unread::CutOff) => ApiError::BadRequest {
            field: "body".into(),
            message: "the request's body was cut off or malformed; nothing was made: send it again"
                .into(),
        }
        .into_response(),
    }
}

/// Why a body was not read.
#[derive(Debug, PartialEq, Eq)]
enum Unread {
    TooLarge,
    /// It paused too long, came too slowly or not within its deadline.
    TooSlow,
    /// Its pool had no room for it within [`QUEUE_WAIT`].
    NoRoom,
    /// The client hung up, or the body was not valid HTTP.
    CutOff,
}

/// The memory one body holds of its pool, grown as the body arrives and
/// given back when it is dropped (after the handler has answered).
#[derive(Debug)]
struct Room {
    pool: Option<Arc<Semaphore>>,
    held: Option<OwnedSemaphorePermit>,
}

impl Room {
    fn new(pool: Option<Arc<Semaphore>>) -> Self {
        Self { pool, held: None }
    }

    fn bytes(&self) -> usize {
        self.held
            .as_ref()
            .map_or(0, OwnedSemaphorePermit::num_permits)
    }

    /// Holds `bytes` in all, waiting at most [`QUEUE_WAIT`] for the pool.
    async fn grow_to(&mut self, bytes: usize) -> Result<(), Unread> {
        let Some(pool) = &self.pool else {
            return Ok(());
        };
        let more = u32::try_from(bytes.saturating_sub(self.bytes())).map_err(|_| Unread::NoRoom)?;
        if more == 0 {
            return Ok(());
        }
        let permit = tokio::time::timeout(QUEUE_WAIT, Arc::clone(pool).acquire_many_owned(more))
            .await
            .map_err(|_| Unread::NoRoom)?
            .map_err(|_| Unread::NoRoom)?;
        match &mut self.held {
            Some(held) => held.merge(permit),
            None => self.held = Some(permit),
        }
        Ok(())
    }
}

/// The room a body of `needed` bytes so far grows into: twice what it
/// had, at least [`FIRST_ROOM`], never beyond the `expected` length it
/// declared (or its route's limit).
fn grown(capacity: usize, needed: usize, expected: usize) -> usize {
    capacity
        .saturating_mul(2)
        .max(FIRST_ROOM)
        .min(expected)
        .max(needed)
}

/// Reads `body` whole: at most `expected` bytes (its `Content-Length`, or
/// its route's limit), within `deadline`, and once past `grace`, at
/// [`MIN_BODY_RATE`] on average at least; into memory held by `room`, taken
/// as the bytes arrive.
async fn read_whole(
    mut body: Body,
    room: &mut Room,
    expected: usize,
    grace: Duration,
    deadline: Duration,
) -> Result<Vec<u8>, Unread> {
    let started = tokio::time::Instant::now();
    let mut bytes = Vec::new();
    loop {
        let left = deadline.saturating_sub(started.elapsed());
        let frame = match tokio::time::timeout(left, body.frame()).await {
            Err(_) => return Err(Unread::TooSlow),
            Ok(None) => return Ok(bytes),
            Ok(Some(Err(e))) => {
                let paused = e.into_inner().is::<tower_http::timeout::TimeoutError>();
                return Err(if paused {
                    Unread::TooSlow
                } else {
                    Unread::CutOff
                });
            }
            Ok(Some(Ok(frame))) => frame,
        };
        if let Ok(data) = frame.into_data() {
            let needed = bytes.len() + data.len();
            if needed > expected {
                return Err(Unread::TooLarge);
            }
            if needed > bytes.capacity() {
                let capacity = grown(bytes.capacity(), needed, expected);
                room.grow_to(capacity).await?;
                bytes.reserve_exact(capacity - bytes.len());
            }
            bytes.extend_from_slice(&data);
        }
        let elapsed = started.elapsed();
        if elapsed > grace && (bytes.len() as f64) < MIN_BODY_RATE * elapsed.as_secs_f64() {
            return Err(Unread::TooSlow);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use tokio::sync::mpsc;

    /// A body whose pieces the test sends when it likes.
    fn body() -> (mpsc::Sender<Vec<u8>>, Body) {
        let (send, pieces) = mpsc::channel::<Vec<u8>>(4);
        let stream = futures_util::stream::unfold(pieces, |mut pieces| async move {
            let piece = pieces.recv().await?;
            Some((Ok::<_, std::io::Error>(piece), pieces))
        });
        (send, Body::from_stream(stream))
    }

    const MINUTE: Duration = Duration::from_secs(60);

    #[tokio::test]
    async fn a_body_holds_memory_for_what_it_has_sent_not_what_it_announced() {
        let pool = Arc::new(Semaphore::new(4 * 1024 * 1024));
        let (send, body) = body();
        let reading = {
            let pool = Arc::clone(&pool);
            tokio::spawn(async move {
                let mut room = Room::new(Some(pool));
                let read = read_whole(body, &mut room, 1024 * 1024, MINUTE, MINUTE).await;
                (read.map(|bytes| bytes.len()), room.bytes())
            })
        };
        send.send(b"{\"name\":".to_vec()).await.unwrap();
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(
            pool.available_permits(),
            4 * 1024 * 1024 - FIRST_ROOM,
            "a megabyte announced and eight bytes sent hold the first room only"
        );
        send.send(vec![b' '; 200 * 1024]).await.unwrap();
        drop(send);
        let (read, held) = reading.await.unwrap();
        assert_eq!(read, Ok(200 * 1024 + 8));
        assert!(
            held < 2 * (200 * 1024 + 8),
            "{held} bytes held for a body of 200 KiB"
        );
    }

    #[tokio::test]
    async fn a_body_that_finds_its_pool_full_waits_then_gives_up_and_others_go_on() {
        tokio::time::pause();
        let bodies = Bodies::with_memory(FIRST_ROOM, FIRST_ROOM);
        let mut full = Room::new(Some(Arc::clone(&bodies.uploads)));
        full.grow_to(FIRST_ROOM).await.unwrap();
        let (send, body) = body();
        send.send(vec![0; 10]).await.unwrap();
        let mut waiting = Room::new(Some(Arc::clone(&bodies.uploads)));
        let read = read_whole(body, &mut waiting, UPLOAD_BODY, MINUTE, MINUTE * 10).await;
        assert_eq!(read, Err(Unread::NoRoom));
        // The JSON pool is another.
        let mut json = Room::new(Some(Arc::clone(&bodies.json)));
        json.grow_to(FIRST_ROOM).await.unwrap();
        drop(full);
        assert_eq!(bodies.uploads.available_permits(), FIRST_ROOM);
    }

    #[test]
    fn a_whole_attachment_at_the_slowest_pace_allowed_arrives_within_its_deadline() {
        let config = crate::config::Config::default();
        let slowest = config.body_read_timeout_secs as f64 + UPLOAD_BODY as f64 / MIN_BODY_RATE;
        assert!(
            (config.upload_deadline_secs as f64) >= slowest,
            "{} s allowed, {slowest} s needed",
            config.upload_deadline_secs
        );
    }

    #[test]
    fn room_doubles_from_the_first_and_stops_at_what_was_announced() {
        assert_eq!(grown(0, 10, JSON_BODY), FIRST_ROOM);
        assert_eq!(grown(FIRST_ROOM, FIRST_ROOM + 1, JSON_BODY), 2 * FIRST_ROOM);
        assert_eq!(grown(0, 10, 100), 100, "a small body gets its length");
        assert_eq!(grown(FIRST_ROOM, 3 * FIRST_ROOM, JSON_BODY), 3 * FIRST_ROOM);
        assert_eq!(grown(JSON_BODY / 2 + 1, JSON_BODY, JSON_BODY), JSON_BODY);
    }

    #[test]
    fn a_person_sends_two_attachments_at_once_and_a_third_when_one_is_done() {
        let bodies = Bodies::default();
        let first = bodies.upload_slot(7).unwrap();
        let _second = bodies.upload_slot(7).unwrap();
        let third = bodies.upload_slot(7).unwrap_err();
        assert!(third.to_string().contains("2 attachments"), "{third}");
        assert!(bodies.upload_slot(8).is_ok(), "someone else is not held up");
        drop(first);
        assert!(bodies.upload_slot(7).is_ok());
    }
}
