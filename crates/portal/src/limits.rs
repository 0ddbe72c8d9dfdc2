//! Rate limiting: each token (or, before sign-in, each address) may make
//! `requests_per_second` requests a second, in bursts of up to twice that;
//! beyond, 429 with `Retry-After`.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::ApiError;

/// Request budgets per caller.
#[derive(Debug, Clone)]
pub struct Limiter {
    limiter: Arc<DefaultKeyedRateLimiter<Vec<u8>>>,
}

impl Limiter {
    /// `per_second` requests a second, bursts of twice that.
    pub fn new(per_second: u32) -> Self {
        let rate = NonZeroU32::new(per_second.max(1)).unwrap_or(NonZeroU32::MIN);
        let burst = rate.saturating_mul(NonZeroU32::new(2).unwrap_or(NonZeroU32::MIN));
        Self {
            limiter: Arc::new(RateLimiter::keyed(
                Quota::per_second(rate).allow_burst(burst),
            )),
        }
    }

    /// Forgets callers that have been quiet, so memory stays bounded.
    pub fn forget_idle(&self) {
        self.limiter.retain_recent();
    }
}

/// The middleware.
pub async fn middleware(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let key = match request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        Some(token) => Sha256::digest(token.as_bytes()).to_vec(),
        None => request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip().to_string().into_bytes())
            .unwrap_or_default(),
    };
    if let Err(not_until) = state.limiter.limiter.check_key(&key) {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        return ApiError::RateLimited {
            retry_after_secs: wait.as_secs() + 1,
        }
        .into_response();
    }
    next.run(request).await
}
