//! Safe retries: a write sent with an `Idempotency-Key` header is made
//! once. Its answer is kept in the same transaction as the write itself
//! (Stripe's design), so the two cannot part: a client that hangs up, or a
//! portal killed mid-answer, leaves either the write and its answer or
//! neither. A retry of the same key by the same account gets the kept
//! answer (status and body, marked `Idempotent-Replay: true`) without
//! doing the work again; the same key with a different request (method,
//! path, query or body) answers 422 `idempotency_mismatch`.
//!
//! Nothing is ever "in flight": the portal's one writer connection runs
//! one transaction at a time, so a retry arriving while the first attempt
//! is still being answered waits for it and then replays it. A refusal
//! (4xx) or a failure (5xx) made no write and keeps no answer: the retry
//! is asked afresh, so a write is made at most once however often it is
//! sent.
//!
//! The middleware only reads the key and fingerprints the request; the
//! writes that honour it take [`Idempotency`] and run their transaction
//! through [`Idempotency::once`]. Answers that carry a secret (tokens, an
//! invitation's code) are never kept: those routes do not take it, and
//! are made safe to retry by their own rules (a refresh token's rotation;
//! a code that can be made again).

use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::accounts::Resolved;
use crate::clock::now_ms;
use crate::error::ApiError;

/// The header clients send.
pub const HEADER: &str = "idempotency-key";
/// How long an answer is kept: longer than a partner's laptop stays
/// closed with a write whose answer it never heard (a holiday), since a
/// retry after that would make the write again.
pub const KEEP_DAYS: i64 = 30;

/// A write's key and the fingerprint of its request, for its handler.
#[derive(Debug, Clone)]
struct Claim {
    user_id: i64,
    key: String,
    request_hash: Vec<u8>,
    route_hash: Vec<u8>,
}

/// A fingerprint of `parts`, each prefixed by its length so that no two
/// lists hash alike.
fn fingerprint(parts: &[&[u8]]) -> Vec<u8> {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    hasher.finalize().to_vec()
}

/// The fingerprint of a write's method, path and query, without its body:
/// what is known of it before its body is read.
pub fn route_hash(method: &Method, uri: &axum::http::Uri) -> Vec<u8> {
    fingerprint(&[
        method.as_str().as_bytes(),
        uri.path().as_bytes(),
        uri.query().unwrap_or_default().as_bytes(),
    ])
}

/// The middleware: reads and checks the key, fingerprints the request and
/// hands both to the handler. Every other method passes through untouched.
pub async fn middleware(request: Request, next: Next) -> Response {
    if request.method() != Method::POST || request.uri().path().starts_with("/v1/auth/") {
        return next.run(request).await;
    }
    let Some(key) = request.headers().get(HEADER).cloned() else {
        return next.run(request).await;
    };
    let key = match key.to_str() {
        Ok(k) if !k.is_empty() && k.len() <= 255 => k.to_owned(),
        _ => {
            return ApiError::invalid(
                "Idempotency-Key",
                "use a key of 1 to 255 visible ASCII characters",
            )
            .into_response();
        }
    };
    // Without a valid token the handler answers 401; nothing to remember.
    let Some(Resolved(Some(caller))) = request.extensions().get::<Resolved>().copied() else {
        return next.run(request).await;
    };
    let (mut parts, body) = request.into_parts();
    // `bodies::middleware` has read the body whole already, within its
    // route's limit: this takes it back out of memory, it cannot fail.
    let bytes = match to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(e) => return ApiError::Io(std::io::Error::other(e)).into_response(),
    };
    parts.extensions.insert(Claim {
        user_id: caller.user_id,
        key,
        request_hash: fingerprint(&[
            parts.method.as_str().as_bytes(),
            parts.uri.path().as_bytes(),
            parts.uri.query().unwrap_or_default().as_bytes(),
            &bytes,
        ]),
        route_hash: route_hash(&parts.method, &parts.uri),
    });
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Whether an answer is kept for `user`'s write under `key` to the same
/// method, path and query (`route_hash`), whatever its body was.
pub fn kept(conn: &Connection, user: i64, key: &str, route: &[u8]) -> Result<bool, ApiError> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM idempotency_keys
             WHERE user_id = ?1 AND key = ?2 AND created_at >= ?3
                   AND (route_hash = ?4 OR route_hash IS NULL))",
        )?
        .query_row(
            params![user, key, now_ms() - KEEP_DAYS * 86_400_000, route],
            |r| r.get(0),
        )?)
}

/// A write's idempotency: its key, if the client sent one.
#[derive(Debug, Clone)]
pub struct Idempotency(Option<Claim>);

impl<S: Send + Sync> FromRequestParts<S> for Idempotency {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(parts.extensions.get::<Claim>().cloned()))
    }
}

/// A write made now, or the answer it was given before.
#[derive(Debug)]
pub enum Made<T, R> {
    /// Made by this request: the answer, and what the handler does once
    /// the transaction is committed (an event to publish).
    Now(StatusCode, T, R),
    /// Made by an earlier request with this key.
    Before(Replay),
}

/// A kept answer.
#[derive(Debug)]
pub struct Replay {
    status: u16,
    body: Vec<u8>,
}

impl Idempotency {
    /// The answer kept for this key, if the write was made; a different
    /// request under the same key is refused.
    pub fn earlier(&self, conn: &Connection) -> Result<Option<Replay>, ApiError> {
        let Some(claim) = &self.0 else {
            return Ok(None);
        };
        let found: Option<(Vec<u8>, u16, Vec<u8>)> = conn
            .query_row(
                "SELECT request_hash, status, body FROM idempotency_keys
                 WHERE user_id = ?1 AND key = ?2 AND created_at >= ?3",
                params![claim.user_id, claim.key, now_ms() - KEEP_DAYS * 86_400_000],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        match found {
            None => Ok(None),
            Some((hash, _, _)) if hash != claim.request_hash => Err(ApiError::IdempotencyMismatch),
            Some((_, status, body)) => Ok(Some(Replay { status, body })),
        }
    }

    /// Runs `work` inside `tx` unless this key's write was made already,
    /// and keeps its answer in `tx`: committing `tx` commits both.
    pub fn once<T: Serialize, R>(
        &self,
        tx: &Connection,
        status: StatusCode,
        work: impl FnOnce() -> Result<(T, R), ApiError>,
    ) -> Result<Made<T, R>, ApiError> {
        if let Some(replay) = self.earlier(tx)? {
            return Ok(Made::Before(replay));
        }
        let (answer, then) = work()?;
        if let Some(claim) = &self.0 {
            tx.execute(
                "INSERT OR REPLACE INTO idempotency_keys
                     (user_id, key, request_hash, status, content_type, body, created_at, route_hash)
                 VALUES (?1, ?2, ?3, ?4, 'application/json', ?5, ?6, ?7)",
                params![
                    claim.user_id,
                    claim.key,
                    claim.request_hash,
                    status.as_u16(),
                    serde_json::to_vec(&answer)?,
                    now_ms(),
                    claim.route_hash
                ],
            )?;
        }
        Ok(Made::Now(status, answer, then))
    }
}

impl<T: Serialize, R> Made<T, R> {
    /// What the handler does after a write made now; nothing for a replay.
    pub fn then(&self) -> Option<&R> {
        match self {
            Made::Now(_, _, then) => Some(then),
            Made::Before(_) => None,
        }
    }

    /// The answer, as made now or as kept.
    pub fn answer(self) -> Response {
        match self {
            Made::Now(status, answer, _) => (status, axum::Json(answer)).into_response(),
            Made::Before(replay) => replay.into_response(),
        }
    }
}

impl IntoResponse for Replay {
    fn into_response(self) -> Response {
        let mut response = Response::new(Body::from(self.body));
        *response.status_mut() = StatusCode::from_u16(self.status).unwrap_or(StatusCode::OK);
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response
            .headers_mut()
            .insert("idempotent-replay", HeaderValue::from_static("true"));
        response
    }
}

/// Forgets answers older than [`KEEP_DAYS`]; run by the scheduler's
/// housekeeping. Returns how many went.
pub fn purge(conn: &Connection) -> Result<usize, ApiError> {
    Ok(conn.execute(
        "DELETE FROM idempotency_keys WHERE created_at < ?1",
        [now_ms() - KEEP_DAYS * 86_400_000],
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn housekeeping_forgets_answers_older_than_the_keeping_time_only() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::Db::open(&dir.path().join("p.sqlite3")).unwrap();
        db.blocking(crate::admin::seed_demo).unwrap();
        let day = 86_400_000;
        let kept = db
            .blocking(|conn| {
                for (key, age_days) in [("old", KEEP_DAYS + 1), ("recent", KEEP_DAYS - 1)] {
                    conn.execute(
                        "INSERT INTO idempotency_keys
                             (user_id, key, request_hash, status, content_type, body, created_at)
                         VALUES (1, ?1, x'00', 201, 'application/json', x'7b7d', ?2)",
                        params![key, now_ms() - age_days * day],
                    )?;
                }
                assert_eq!(purge(conn).unwrap(), 1);
                conn.prepare("SELECT key FROM idempotency_keys")?
                    .query_map([], |r| r.get::<_, String>(0))?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .unwrap();
        assert_eq!(kept, ["recent"]);
    }
}
