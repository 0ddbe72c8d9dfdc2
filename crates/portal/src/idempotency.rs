//! Safe retries: a POST with an `Idempotency-Key` header is answered once.
//! A replay of the same key by the same account within 24 hours gets the
//! first answer (status and body) without doing the work again; the same
//! key with a different request (method, path, query or body) answers 422
//! `idempotency_mismatch`. A request that failed on the portal's side (5xx)
//! is not remembered, so its retry runs again.
//!
//! Answers that carry a secret are never kept: nothing under `/v1/auth/`
//! (tokens: the portal keeps those only as hashes), nor any answer a
//! handler marks [`CarriesSecret`]. Such routes are made safe to retry by
//! their own rules (a refresh token's rotation; a code that can be made
//! again).

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::accounts::Resolved;
use crate::clock::now_ms;
use crate::error::ApiError;

/// The header clients send.
pub const HEADER: &str = "idempotency-key";
/// How long an answer is kept.
const KEEP_MS: i64 = 24 * 3600 * 1000;
/// The largest body replayed: an attachment and its envelope.
const MAX_BODY: usize = aicc_api::applications::MAX_ATTACHMENT_BYTES + 1024 * 1024;

enum Seen {
    New,
    InFlight,
    Mismatch,
    Answered(u16, Option<String>, Vec<u8>),
}

/// Marks an answer that holds a secret, so it is not kept for replay.
#[derive(Debug, Clone, Copy)]
pub struct CarriesSecret;

/// The middleware; every other method passes through untouched.
pub async fn middleware(State(state): State<AppState>, request: Request, next: Next) -> Response {
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
    let (parts, body) = request.into_parts();
    let bytes = match to_bytes(body, MAX_BODY).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return ApiError::PayloadTooLarge("the request body is too large".into())
                .into_response();
        }
    };
    let mut hasher = Sha256::new();
    // Each part is prefixed by its length: no two requests hash alike.
    for part in [
        parts.method.as_str().as_bytes(),
        parts.uri.path().as_bytes(),
        parts.uri.query().unwrap_or_default().as_bytes(),
        &bytes,
    ] {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    let hash = hasher.finalize().to_vec();

    let user_id = caller.user_id;
    let (lookup_key, lookup_hash) = (key.clone(), hash.clone());
    let seen = state
        .db
        .call(move |conn| {
            let now = now_ms();
            conn.execute("DELETE FROM idempotency_keys WHERE created_at < ?1", [now - KEEP_MS])?;
            let found = conn
                .query_row(
                    "SELECT request_hash, status, content_type, body FROM idempotency_keys
                     WHERE user_id = ?1 AND key = ?2",
                    params![user_id, lookup_key],
                    |r| {
                        Ok((
                            r.get::<_, Vec<u8>>(0)?,
                            r.get::<_, Option<u16>>(1)?,
                            r.get::<_, Option<String>>(2)?,
                            r.get::<_, Option<Vec<u8>>>(3)?,
                        ))
                    },
                )
                .optional()?;
            Ok::<_, ApiError>(match found {
                None => {
                    conn.execute(
                        "INSERT INTO idempotency_keys (user_id, key, request_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
                        params![user_id, lookup_key, lookup_hash, now],
                    )?;
                    Seen::New
                }
                Some((stored, _, _, _)) if stored != lookup_hash => Seen::Mismatch,
                Some((_, None, _, _)) => Seen::InFlight,
                Some((_, Some(status), content_type, body)) => {
                    Seen::Answered(status, content_type, body.unwrap_or_default())
                }
            })
        })
        .await;
    match seen {
        Err(e) => return e.into_response(),
        Ok(Seen::Mismatch) => return ApiError::IdempotencyMismatch.into_response(),
        Ok(Seen::InFlight) => {
            return ApiError::Conflict(
                "the first request with this Idempotency-Key is still being answered; retry shortly".into(),
            )
            .into_response();
        }
        Ok(Seen::Answered(status, content_type, body)) => {
            return replay(status, content_type, body);
        }
        Ok(Seen::New) => {}
    }

    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let (parts, body) = response.into_parts();
    let body = match to_bytes(body, usize::MAX).await {
        Ok(body) => body,
        Err(e) => {
            tracing::error!(error = %e, "cannot read a response to remember it");
            forget(&state, user_id, key).await;
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    // A server error, or a caller who stopped being known while the request
    // arrived (401), is no answer to keep: the retry is asked afresh.
    if parts.status.is_server_error()
        || parts.status == StatusCode::UNAUTHORIZED
        || parts.extensions.get::<CarriesSecret>().is_some()
    {
        forget(&state, user_id, key).await;
    } else {
        let status = parts.status.as_u16();
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let stored = body.to_vec();
        let result = state
            .db
            .call(move |conn| {
                conn.execute(
                    "UPDATE idempotency_keys SET status = ?3, content_type = ?4, body = ?5
                     WHERE user_id = ?1 AND key = ?2",
                    params![user_id, key, status, content_type, stored],
                )
                .map_err(ApiError::from)
            })
            .await;
        if let Err(e) = result {
            tracing::error!(error = %e, "cannot remember an answer for its Idempotency-Key");
        }
    }
    Response::from_parts(parts, Body::from(body))
}

fn replay(status: u16, content_type: Option<String>, body: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    if let Some(value) = content_type.and_then(|c| HeaderValue::from_str(&c).ok()) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
        .headers_mut()
        .insert("idempotent-replay", HeaderValue::from_static("true"));
    response
}

async fn forget(state: &AppState, user_id: i64, key: String) {
    let result = state
        .db
        .call(move |conn| {
            conn.execute(
                "DELETE FROM idempotency_keys WHERE user_id = ?1 AND key = ?2",
                params![user_id, key],
            )
            .map_err(ApiError::from)
        })
        .await;
    if let Err(e) = result {
        tracing::error!(error = %e, "cannot forget a failed request's Idempotency-Key");
    }
}
