//! Rate limiting, and the sign-in throttle.
//!
//! - Each valid token (or, without one, each address) may make
//!   `requests_per_second` requests a second, in bursts of up to twice
//!   that; beyond, 429 with `Retry-After`. A token is a key only once it is
//!   known to be valid: made-up `Authorization` values count against their
//!   address.
//! - Sign-ins are throttled per address (`sign_ins_per_minute`) and per
//!   account: after [`FREE_FAILURES`] wrong passwords in a row an account
//!   waits 1 s before its next attempt is answered, then 2, 4 … up to
//!   [`LONGEST_WAIT`]; a sign-in that succeeds starts it afresh. Unknown
//!   e-mails are throttled alike, so the throttle tells nobody which exist.
//! - Password hashing runs on at most as many threads as there are cores,
//!   so a flood of sign-ins queues instead of starving every other request.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio::sync::Semaphore;

use crate::AppState;
use crate::accounts::{Resolved, caller_from_headers};
use crate::error::ApiError;

/// Wrong passwords in a row an account may make before it has to wait.
pub const FREE_FAILURES: u32 = 5;
/// The longest an account waits between sign-in attempts.
pub const LONGEST_WAIT: Duration = Duration::from_secs(15 * 60);

/// The routes that hash a password: limited per address like sign-ins.
const PASSWORD_ROUTES: &[&str] = &["/v1/auth/token", "/v1/auth/invitations/accept"];

/// Request budgets per caller, and the sign-in throttle.
#[derive(Debug, Clone)]
pub struct Limiter {
    requests: Arc<DefaultKeyedRateLimiter<Vec<u8>>>,
    sign_ins: Arc<DefaultKeyedRateLimiter<std::net::IpAddr>>,
    failures: Arc<Mutex<HashMap<String, Failures>>>,
    hashing: Arc<Semaphore>,
}

/// An account's wrong passwords in a row.
#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    /// No attempt is answered before this.
    wait_until: Instant,
}

impl Limiter {
    /// `per_second` requests a second, bursts of twice that; sign-ins from
    /// one address `sign_ins_per_minute`, in bursts of as many.
    pub fn new(per_second: u32, sign_ins_per_minute: u32) -> Self {
        let rate = NonZeroU32::new(per_second.max(1)).unwrap_or(NonZeroU32::MIN);
        let burst = rate.saturating_mul(NonZeroU32::new(2).unwrap_or(NonZeroU32::MIN));
        let sign_ins = NonZeroU32::new(sign_ins_per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            requests: Arc::new(RateLimiter::keyed(
                Quota::per_second(rate).allow_burst(burst),
            )),
            sign_ins: Arc::new(RateLimiter::keyed(Quota::per_minute(sign_ins))),
            failures: Arc::new(Mutex::new(HashMap::new())),
            hashing: Arc::new(Semaphore::new(cores)),
        }
    }

    /// Forgets callers that have been quiet, so memory stays bounded.
    pub fn forget_idle(&self) {
        self.requests.retain_recent();
        self.sign_ins.retain_recent();
        let forgotten_after = LONGEST_WAIT * 4;
        let now = Instant::now();
        self.failures()
            .retain(|_, f| f.wait_until + forgotten_after > now);
    }

    /// Refuses a sign-in to `email` while its account has to wait.
    pub fn sign_in_allowed(&self, email: &str) -> Result<(), ApiError> {
        let now = Instant::now();
        match self.failures().get(&email.to_lowercase()) {
            Some(f) if f.wait_until > now => Err(ApiError::SignInThrottled {
                retry_after_secs: (f.wait_until - now).as_secs() + 1,
            }),
            _ => Ok(()),
        }
    }

    /// Counts a wrong password (or unknown e-mail) for `email`.
    pub fn sign_in_failed(&self, email: &str) {
        let now = Instant::now();
        let mut failures = self.failures();
        let entry = failures.entry(email.to_lowercase()).or_insert(Failures {
            count: 0,
            wait_until: now,
        });
        entry.count = entry.count.saturating_add(1);
        entry.wait_until = now + wait_after(entry.count);
    }

    /// Starts `email`'s count afresh after a sign-in that succeeded.
    pub fn sign_in_succeeded(&self, email: &str) {
        self.failures().remove(&email.to_lowercase());
    }

    /// Runs password hashing off the async runtime, at most one per core.
    /// `None` if the work could not run to its end.
    pub async fn hashing<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Option<T> {
        let _permit = self.hashing.acquire().await.ok()?;
        tokio::task::spawn_blocking(work).await.ok()
    }

    fn failures(&self) -> std::sync::MutexGuard<'_, HashMap<String, Failures>> {
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// How long an account waits after `count` wrong passwords in a row.
pub fn wait_after(count: u32) -> Duration {
    match count.checked_sub(FREE_FAILURES) {
        Some(over) => Duration::from_secs(1u64 << over.min(20)).min(LONGEST_WAIT),
        None => Duration::ZERO,
    }
}

/// The middleware: finds who asks (once, for every layer and handler
/// after it), then spends that caller's budget.
pub async fn middleware(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let address = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let caller = if request.headers().contains_key(header::AUTHORIZATION) {
        match caller_from_headers(&state, request.headers()).await {
            Ok(caller) => Some(caller),
            Err(ApiError::Unauthorized(_)) => None,
            Err(e) => return e.into_response(),
        }
    } else {
        None
    };
    request.extensions_mut().insert(Resolved(caller));
    let key = match (caller, address) {
        (Some(caller), _) => caller.token_hash.to_vec(),
        (None, Some(address)) => address.to_string().into_bytes(),
        (None, None) => Vec::new(),
    };
    if let Err(not_until) = state.limiter.requests.check_key(&key) {
        return too_many(not_until.wait_time_from(DefaultClock::default().now()));
    }
    if request.method() == Method::POST
        && PASSWORD_ROUTES.contains(&request.uri().path())
        && let Some(address) = address
        && let Err(not_until) = state.limiter.sign_ins.check_key(&address)
    {
        return too_many(not_until.wait_time_from(DefaultClock::default().now()));
    }
    next.run(request).await
}

fn too_many(wait: Duration) -> Response {
    ApiError::RateLimited {
        retry_after_secs: wait.as_secs() + 1,
    }
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_waits_longer_after_each_wrong_password_beyond_the_free_ones() {
        for count in 0..FREE_FAILURES {
            assert_eq!(wait_after(count), Duration::ZERO, "{count}");
        }
        assert_eq!(wait_after(FREE_FAILURES), Duration::from_secs(1));
        assert_eq!(wait_after(FREE_FAILURES + 2), Duration::from_secs(4));
        assert_eq!(wait_after(u32::MAX), LONGEST_WAIT);
    }

    #[test]
    fn a_sign_in_that_succeeds_starts_the_count_afresh() {
        let limiter = Limiter::new(10, 10);
        for _ in 0..FREE_FAILURES {
            assert!(limiter.sign_in_allowed("Li@Demo.aicc").is_ok());
            limiter.sign_in_failed("li@demo.aicc");
        }
        let Err(ApiError::SignInThrottled { retry_after_secs }) =
            limiter.sign_in_allowed("LI@demo.aicc")
        else {
            panic!("the fifth wrong password in a row should make the account wait");
        };
        assert!((1..=3).contains(&retry_after_secs), "{retry_after_secs}");
        assert!(limiter.sign_in_allowed("other@demo.aicc").is_ok());
        limiter.sign_in_succeeded("li@demo.aicc");
        assert!(limiter.sign_in_allowed("li@demo.aicc").is_ok());
    }
}
