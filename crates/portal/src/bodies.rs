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
//!   may do, one person holds a small share of either pool. One
//!   organisation, however many accounts it makes, holds at most a
//!   [`ORGANISATION_SHARE`]th of each pool, or what one person may send at
//!   once, whole, if that is more (429 once that is taken for
//!   [`QUEUE_WAIT`]): it takes a dozen organisations sending together to
//!   fill a pool, not a few.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use aicc_api::applications::MAX_ATTACHMENT_BYTES;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
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

/// The memory for attachments being read: two dozen whole ones at once.
pub const UPLOAD_MEMORY: usize = 480 * 1024 * 1024;
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

/// The part of each pool one organisation's bodies may hold at once (at
/// least what one person may send at once, whole): an organisation that
/// makes many accounts still leaves the rest to others, and only many
/// organisations together could fill a pool: 16 for JSON, 12 for
/// attachments.
pub const ORGANISATION_SHARE: usize = 16;

/// How long a body waits for memory to be read into.
pub const QUEUE_WAIT: Duration = Duration::from_secs(5);

/// The memory bodies are read into, who is sending how many, and which
/// routes take a body with which methods.
#[derive(Debug, Clone)]
pub struct Bodies {
    json: Pool,
    uploads: Pool,
    sending: PerKey<i64>,
    uploading: PerKey<i64>,
    operations: Arc<OnceLock<HashSet<(Method, String)>>>,
}

/// A pool of memory for bodies, and each organisation's share of it.
#[derive(Debug, Clone)]
struct Pool {
    total: Arc<Semaphore>,
    /// Each organisation's share, made when it first sends (one small
    /// semaphore each, for the few hundred organisations of a center).
    shares: Arc<Mutex<HashMap<i64, Arc<Semaphore>>>>,
    share: usize,
}

impl Pool {
    /// A pool of `bytes` for bodies of at most `whole` bytes each.
    fn new(bytes: usize, whole: usize) -> Self {
        Self {
            total: Arc::new(Semaphore::new(bytes)),
            shares: Arc::default(),
            share: (bytes / ORGANISATION_SHARE).max(whole).min(bytes),
        }
    }

    fn share_of(&self, organisation: i64) -> Arc<Semaphore> {
        let mut shares = self.shares.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(
            shares
                .entry(organisation)
                .or_insert_with(|| Arc::new(Semaphore::new(self.share))),
        )
    }
}

impl Default for Bodies {
    fn default() -> Self {
        Self::with_pools(
            Pool::new(JSON_MEMORY, JSON_BODY),
            Pool::new(UPLOAD_MEMORY, UPLOADS_PER_PERSON * UPLOAD_BODY),
        )
    }
}

impl Bodies {
    fn with_pools(json: Pool, uploads: Pool) -> Self {
        Self {
            json,
            uploads,
            sending: PerKey::new(BODIES_PER_PERSON),
            uploading: PerKey::new(UPLOADS_PER_PERSON),
            operations: Arc::default(),
        }
    }

    /// Learns the routes' operations (method and path template), from the
    /// OpenAPI document the routes make: a body is read only for one of
    /// them, so a method a route does not take is answered 405 unread.
    pub fn know_operations(&self, operations: HashSet<(Method, String)>) {
        let _ = self.operations.set(operations);
    }

    /// Whether `method` on the route `path` (its template) is one the
    /// portal answers; every operation before they are known.
    fn takes(&self, method: &Method, path: &str) -> bool {
        self.operations
            .get()
            .is_none_or(|operations| operations.contains(&(method.clone(), path.to_owned())))
    }

    /// Leave for `person` to send one more attachment, while they send
    /// fewer than [`UPLOADS_PER_PERSON`].
    pub fn upload_slot(&self, person: i64) -> Result<Held<i64>, ApiError> {
        slot(&self.uploading, person, || {
            format!(
                "this account is already sending {UPLOADS_PER_PERSON} attachments, \
                     as many as it may at once; send this one when one of them has arrived"
            )
        })
    }

    fn body_slot(&self, person: i64) -> Result<Held<i64>, ApiError> {
        slot(&self.sending, person, || {
            format!(
                "this account is already sending {BODIES_PER_PERSON} requests, \
                     as many as it may at once; send this one when one of them is answered"
            )
        })
    }
}

/// One more of what `person` may hold so many of at once, or a 429 that
/// says `why` and when to try again.
fn slot(
    held: &PerKey<i64>,
    person: i64,
    why: impl FnOnce() -> String,
) -> Result<Held<i64>, ApiError> {
    held.take(person).ok_or_else(|| ApiError::TooManyAtOnce {
        message: why(),
        retry_after_secs: QUEUE_WAIT.as_secs(),
    })
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
        Some(Resolved(Some(caller))) => Some((caller.user_id, caller.organisation_id)),
        _ => None,
    };
    let answered = request
        .extensions()
        .get::<MatchedPath>()
        .is_none_or(|route| state.bodies.takes(request.method(), route.as_str()));
    if !writes || request.body().is_end_stream() || (caller.is_none() && !auth) || !answered {
        return next.run(request).await;
    }
    // The two routes that take a file: an application's and a milestone's.
    let upload = request.method() == Method::POST
        && request
            .extensions()
            .get::<MatchedPath>()
            .is_some_and(|route| {
                matches!(
                    route.as_str(),
                    "/v1/applications/{id}/attachments" | "/v1/milestones/{id}/attachments"
                )
            });
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
    let sending = match caller.map(|(person, _)| state.bodies.body_slot(person)) {
        Some(Err(refused)) => return refused.into_response(),
        Some(Ok(slot)) => Some(slot),
        None => None,
    };
    let mut room = match (pool, caller) {
        (Some(pool), Some((_, organisation))) => Room::new(Some((pool, organisation))),
        _ => Room::new(None),
    };
    let (mut parts, body) = request.into_parts();
    let expected = declared.map_or(limit, |length| length as usize);
    let read = read_whole(body, &mut room, expected, grace, deadline).await;
    match read {
        Ok(bytes) => {
            parts.extensions.insert(BodyMemory {
                _held: Arc::new((room, sending)),
            });
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
        Err(Unread::OrganisationFull) => ApiError::TooManyAtOnce {
            message: format!(
                "your organisation is already sending {} MiB of such requests at once, \
                 as much as one organisation may; send this one when some of them have arrived",
                pool.map_or(0, |pool| pool.share / (1024 * 1024))
            ),
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

/// The memory a request's body was read into and its sender's place among
/// the bodies they send at once: held while the request is handled, and
/// by whatever its handler hands the body on to.
#[derive(Debug, Clone)]
pub struct BodyMemory {
    _held: Arc<(Room, Option<Held<i64>>)>,
}

/// Why a body was not read.
#[derive(Debug, PartialEq, Eq)]
enum Unread {
    TooLarge,
    /// It paused too long, came too slowly or not within its deadline.
    TooSlow,
    /// Its pool had no room for it within [`QUEUE_WAIT`].
    NoRoom,
    /// Its organisation's share of the pool stayed taken for [`QUEUE_WAIT`].
    OrganisationFull,
    /// The client hung up, or the body was not valid HTTP.
    CutOff,
}

/// The memory one body holds of its pool and of its organisation's share,
/// grown as the body arrives and given back when it is dropped (after the
/// handler has answered).
#[derive(Debug)]
struct Room {
    /// The pool, and the share of it the body's organisation holds.
    pool: Option<(Arc<Semaphore>, Arc<Semaphore>)>,
    held: Option<(OwnedSemaphorePermit, OwnedSemaphorePermit)>,
}

impl Room {
    fn new(pool: Option<(&Pool, i64)>) -> Self {
        Self {
            pool: pool
                .map(|(pool, organisation)| (Arc::clone(&pool.total), pool.share_of(organisation))),
            held: None,
        }
    }

    fn bytes(&self) -> usize {
        self.held
            .as_ref()
            .map_or(0, |(total, _)| total.num_permits())
    }

    /// Holds `bytes` in all, waiting at most [`QUEUE_WAIT`] for the
    /// organisation's share, then as long for the pool.
    async fn grow_to(&mut self, bytes: usize) -> Result<(), Unread> {
        let Some((total, share)) = &self.pool else {
            return Ok(());
        };
        let more = u32::try_from(bytes.saturating_sub(self.bytes())).map_err(|_| Unread::NoRoom)?;
        if more == 0 {
            return Ok(());
        }
        let ours = tokio::time::timeout(QUEUE_WAIT, Arc::clone(share).acquire_many_owned(more))
            .await
            .map_err(|_| Unread::OrganisationFull)?
            .map_err(|_| Unread::OrganisationFull)?;
        let pooled = tokio::time::timeout(QUEUE_WAIT, Arc::clone(total).acquire_many_owned(more))
            .await
            .map_err(|_| Unread::NoRoom)?
            .map_err(|_| Unread::NoRoom)?;
        match &mut self.held {
            Some((held_total, held_share)) => {
                held_total.merge(pooled);
                held_share.merge(ours);
            }
            None => self.held = Some((pooled, ours)),
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
        let pool = Pool::new(4 * 1024 * 1024, FIRST_ROOM);
        let (send, body) = body();
        let reading = {
            let pool = pool.clone();
            tokio::spawn(async move {
                let mut room = Room::new(Some((&pool, 1)));
                let read = read_whole(body, &mut room, 1024 * 1024, MINUTE, MINUTE).await;
                (read.map(|bytes| bytes.len()), room.bytes())
            })
        };
        send.send(b"{\"name\":".to_vec()).await.unwrap();
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(
            pool.total.available_permits(),
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
        assert_eq!(pool.total.available_permits(), 4 * 1024 * 1024);
        assert_eq!(
            pool.share_of(1).available_permits(),
            pool.share,
            "all given back"
        );
    }

    #[tokio::test]
    async fn a_body_that_finds_its_pool_full_waits_then_gives_up_and_others_go_on() {
        tokio::time::pause();
        let room = ORGANISATION_SHARE * FIRST_ROOM;
        let bodies = Bodies::with_pools(Pool::new(room, FIRST_ROOM), Pool::new(room, FIRST_ROOM));
        let mut full: Vec<Room> = Vec::new();
        for organisation in 0..ORGANISATION_SHARE as i64 {
            let mut taken = Room::new(Some((&bodies.uploads, organisation)));
            taken.grow_to(FIRST_ROOM).await.unwrap();
            full.push(taken);
        }
        let (send, body) = body();
        send.send(vec![0; 10]).await.unwrap();
        let mut waiting = Room::new(Some((&bodies.uploads, 99)));
        let read = read_whole(body, &mut waiting, UPLOAD_BODY, MINUTE, MINUTE * 10).await;
        assert_eq!(read, Err(Unread::NoRoom));
        // The JSON pool is another.
        let mut json = Room::new(Some((&bodies.json, 99)));
        json.grow_to(FIRST_ROOM).await.unwrap();
        drop(full);
        assert_eq!(bodies.uploads.total.available_permits(), room);
    }

    /// A person's two attachments at once, each as large as may be, are
    /// both read: an organisation's share holds them whole.
    #[tokio::test]
    async fn two_largest_attachments_of_one_organisation_are_read_together() {
        tokio::time::pause();
        let bodies = Bodies::default();
        let mut first = Room::new(Some((&bodies.uploads, 1)));
        first.grow_to(UPLOAD_BODY).await.unwrap();
        let mut second = Room::new(Some((&bodies.uploads, 1)));
        let started = tokio::time::Instant::now();
        second.grow_to(UPLOAD_BODY).await.unwrap();
        assert_eq!(started.elapsed(), Duration::ZERO, "read at once");
    }

    /// Four organisations holding all they may leave room for a fifth's
    /// largest body, in either pool.
    #[tokio::test]
    async fn a_few_organisations_together_cannot_fill_a_pool() {
        tokio::time::pause();
        let bodies = Bodies::default();
        for pool in [&bodies.json, &bodies.uploads] {
            let mut held = Vec::new();
            for organisation in 1..=4 {
                let mut theirs = Room::new(Some((pool, organisation)));
                theirs.grow_to(pool.share).await.unwrap();
                held.push(theirs);
            }
            let mut ours = Room::new(Some((pool, 5)));
            let started = tokio::time::Instant::now();
            ours.grow_to(pool.share).await.unwrap();
            assert_eq!(started.elapsed(), Duration::ZERO, "read at once");
        }
    }

    /// However many accounts an organisation makes, its bodies hold at most
    /// its share of a pool; another organisation's body is read at once.
    #[tokio::test]
    async fn one_organisation_cannot_take_the_memory_every_other_sends_into() {
        tokio::time::pause();
        let bodies = Bodies::with_pools(
            Pool::new(8 * FIRST_ROOM, FIRST_ROOM),
            Pool::new(8 * FIRST_ROOM, FIRST_ROOM),
        );
        let share = bodies.uploads.share;
        let mut theirs = Room::new(Some((&bodies.uploads, 1)));
        theirs.grow_to(share).await.unwrap();
        let mut more_of_theirs = Room::new(Some((&bodies.uploads, 1)));
        assert_eq!(
            more_of_theirs.grow_to(FIRST_ROOM).await,
            Err(Unread::OrganisationFull)
        );
        assert_eq!(
            bodies.uploads.total.available_permits(),
            8 * FIRST_ROOM - share,
            "a refused body holds nothing"
        );
        let mut ours = Room::new(Some((&bodies.uploads, 2)));
        let started = tokio::time::Instant::now();
        ours.grow_to(share).await.unwrap();
        assert_eq!(
            started.elapsed(),
            Duration::ZERO,
            "no wait for someone else"
        );
        drop(theirs);
        more_of_theirs.grow_to(FIRST_ROOM).await.unwrap();
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
