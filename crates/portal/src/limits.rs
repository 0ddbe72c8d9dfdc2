//! Rate limiting, and the sign-in throttle.
//!
//! - Each person with a valid token (or, without one, each address) may
//!   make `requests_per_second` requests a second, in bursts of up to twice
//!   that; beyond, 429 with `Retry-After`. A token counts only once it is
//!   known to be valid: made-up `Authorization` values count against their
//!   address. An address is the TCP peer's, or behind one of the center's
//!   `trusted_proxies`, the client's it names in `X-Forwarded-For`.
//! - Sign-ins are throttled per address (`sign_ins_per_minute`) and per
//!   account. After [`FREE_FAILURES`] wrong passwords in a row from one
//!   address, that address waits 1 s before its next attempt at the
//!   account is answered, then 2, 4 … up to [`LONGEST_WAIT`]; a sign-in
//!   that succeeds starts it afresh. Guesses spread over many addresses
//!   meet the same backoff once the account has had
//!   [`ACCOUNT_FREE_FAILURES`] of them from anywhere — except at addresses
//!   the account has signed in from, so someone guessing elsewhere cannot
//!   lock its owner out. Unknown e-mails are throttled alike, so the
//!   throttle tells nobody which exist.
//! - No more passwords are hashed at once than there are cores, so a
//!   flood of sign-ins queues instead of starving every other request.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::net::{IpAddr, SocketAddr};
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
/// Wrong passwords from all addresses together before every address the
/// account has not signed in from has to wait.
pub const ACCOUNT_FREE_FAILURES: u32 = 100;
/// Addresses whose wrong passwords are counted apart, and addresses known
/// to have signed in, per account: beyond them only the count from
/// anywhere grows, so memory stays bounded.
const ADDRESSES_REMEMBERED: usize = 1024;
/// How long the addresses an account signed in from are remembered after
/// its last sign-in (in memory: a restart forgets them).
const KNOWN_ADDRESSES_KEPT: Duration = Duration::from_secs(30 * 24 * 3600);
/// The longest an account waits between sign-in attempts.
pub const LONGEST_WAIT: Duration = Duration::from_secs(15 * 60);

/// The routes that hash a password: limited per address like sign-ins.
const PASSWORD_ROUTES: &[&str] = &["/v1/auth/token", "/v1/auth/invitations/accept"];

/// Request budgets per caller, and the sign-in throttle.
#[derive(Debug, Clone)]
pub struct Limiter {
    requests: Arc<DefaultKeyedRateLimiter<Vec<u8>>>,
    sign_ins: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    accounts: Arc<Mutex<HashMap<String, Account>>>,
    hashing: Arc<Semaphore>,
}

/// What the throttle remembers of one account's sign-ins.
#[derive(Debug)]
struct Account {
    /// Wrong passwords in a row from each address.
    from: HashMap<IpAddr, Failures>,
    /// Wrong passwords in a row from anywhere.
    anywhere: Failures,
    /// Addresses the account has signed in from.
    known: HashSet<IpAddr>,
    last_seen: Instant,
}

impl Account {
    fn new(now: Instant) -> Self {
        Self {
            from: HashMap::new(),
            anywhere: Failures::new(now),
            known: HashSet::new(),
            last_seen: now,
        }
    }
}

/// Wrong passwords in a row.
#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    /// No attempt is answered before this.
    wait_until: Instant,
}

impl Failures {
    fn new(now: Instant) -> Self {
        Self {
            count: 0,
            wait_until: now,
        }
    }

    fn count(&mut self, now: Instant, free: u32) {
        self.count = self.count.saturating_add(1);
        self.wait_until = now + wait_after(self.count, free);
    }

    fn uncount(&mut self, now: Instant, free: u32) {
        self.count = self.count.saturating_sub(1);
        self.wait_until = self.wait_until.min(now + wait_after(self.count, free));
    }
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
            accounts: Arc::new(Mutex::new(HashMap::new())),
            hashing: Arc::new(Semaphore::new(cores)),
        }
    }

    /// Forgets callers that have been quiet, so memory stays bounded.
    pub fn forget_idle(&self) {
        self.requests.retain_recent();
        self.sign_ins.retain_recent();
        let now = Instant::now();
        self.accounts().retain(|_, account| {
            let kept_for = if account.known.is_empty() {
                LONGEST_WAIT * 4
            } else {
                KNOWN_ADDRESSES_KEPT
            };
            account.last_seen + kept_for > now
        });
    }

    /// Refuses a sign-in to `email` from `address` while it has to wait;
    /// otherwise counts it as a wrong password until
    /// the [`Attempt`] says it was not. Counted before the
    /// password is checked, so guesses sent all at once wait like guesses
    /// sent one after another.
    pub fn sign_in_attempt(
        &self,
        email: &str,
        address: Option<IpAddr>,
    ) -> Result<Attempt, ApiError> {
        let now = Instant::now();
        let mut accounts = self.accounts();
        let account = accounts
            .entry(email.to_lowercase())
            .or_insert_with(|| Account::new(now));
        let from_here = address.and_then(|address| account.from.get(&address));
        let known_here = address.is_some_and(|address| account.known.contains(&address));
        let waits = from_here
            .into_iter()
            .chain((!known_here).then_some(&account.anywhere))
            .map(|failures| failures.wait_until)
            .max()
            .filter(|wait_until| *wait_until > now);
        if let Some(wait_until) = waits {
            return Err(ApiError::SignInThrottled {
                retry_after_secs: (wait_until - now).as_secs() + 1,
            });
        }
        account.last_seen = now;
        account.anywhere.count(now, ACCOUNT_FREE_FAILURES);
        if let Some(address) = address
            && (account.from.len() < ADDRESSES_REMEMBERED || account.from.contains_key(&address))
        {
            account
                .from
                .entry(address)
                .or_insert_with(|| Failures::new(now))
                .count(now, FREE_FAILURES);
        }
        Ok(Attempt {
            limiter: self.clone(),
            email: email.to_owned(),
            address,
            decided: false,
        })
    }

    /// Takes back an attempt's count that was neither right nor wrong.
    fn uncount(&self, email: &str, address: Option<IpAddr>) {
        let now = Instant::now();
        let mut accounts = self.accounts();
        let Some(account) = accounts.get_mut(&email.to_lowercase()) else {
            return;
        };
        account.anywhere.uncount(now, ACCOUNT_FREE_FAILURES);
        if let Some(failures) = address.and_then(|address| account.from.get_mut(&address)) {
            failures.uncount(now, FREE_FAILURES);
        }
    }

    /// Takes back the attempt's count, starts the count at `address`
    /// afresh after a sign-in that succeeded, and lets the account in from
    /// there while others guess elsewhere.
    fn sign_in_succeeded(&self, email: &str, address: Option<IpAddr>) {
        let now = Instant::now();
        let mut accounts = self.accounts();
        let account = accounts
            .entry(email.to_lowercase())
            .or_insert_with(|| Account::new(now));
        account.anywhere.uncount(now, ACCOUNT_FREE_FAILURES);
        if let Some(address) = address {
            account.from.remove(&address);
            if account.known.len() < ADDRESSES_REMEMBERED {
                account.known.insert(address);
            }
        }
        account.last_seen = now;
    }

    /// Runs password hashing off the async runtime, no more hashes at once
    /// than the machine has cores. A hash holds its core to its end, also
    /// when the client that asked for it has hung up: a crowd that asks and
    /// leaves queues like one that waits. `None` if the work could not run
    /// to its end.
    pub async fn hashing<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Option<T> {
        let permit = Arc::clone(&self.hashing).acquire_owned().await.ok()?;
        tokio::task::spawn_blocking(move || {
            let done = work();
            drop(permit);
            done
        })
        .await
        .ok()
    }

    fn accounts(&self) -> std::sync::MutexGuard<'_, HashMap<String, Account>> {
        self.accounts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// At most so many held at once for each key: connections per address,
/// uploads per person.
#[derive(Debug, Clone)]
pub struct PerKey<K: Eq + Hash> {
    held: Arc<Mutex<HashMap<K, usize>>>,
    most: usize,
}

impl<K: Eq + Hash + Clone> PerKey<K> {
    pub fn new(most: usize) -> Self {
        Self {
            held: Arc::default(),
            most,
        }
    }

    /// One more for `key`, or `None` when it already holds the most.
    pub fn take(&self, key: K) -> Option<Held<K>> {
        let mut held = self
            .held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let count = held.entry(key.clone()).or_default();
        if *count >= self.most {
            return None;
        }
        *count += 1;
        Some(Held {
            held: Arc::clone(&self.held),
            key,
        })
    }
}

/// One of a [`PerKey`]'s, counted against its key until dropped.
#[derive(Debug)]
pub struct Held<K: Eq + Hash> {
    held: Arc<Mutex<HashMap<K, usize>>>,
    key: K,
}

impl<K: Eq + Hash> Drop for Held<K> {
    fn drop(&mut self) {
        let mut held = self
            .held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(count) = held.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                held.remove(&self.key);
            }
        }
    }
}

/// A sign-in attempt, counted as a wrong password until it is known
/// otherwise: dropped without a verdict (the client hung up, the check
/// could not be made), its count is taken back.
#[derive(Debug)]
pub struct Attempt {
    limiter: Limiter,
    email: String,
    address: Option<IpAddr>,
    decided: bool,
}

impl Attempt {
    /// The password was wrong, or the e-mail unknown: the count stands.
    pub fn wrong(mut self) {
        self.decided = true;
    }

    /// The password was right: the count is taken back and started afresh.
    pub fn right(mut self) {
        self.decided = true;
        self.limiter.sign_in_succeeded(&self.email, self.address);
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        if !self.decided {
            self.limiter.uncount(&self.email, self.address);
        }
    }
}

/// How long to wait after `count` wrong passwords in a row of which
/// `free` cost nothing.
pub fn wait_after(count: u32, free: u32) -> Duration {
    match count.checked_sub(free) {
        Some(over) => Duration::from_secs(1u64 << over.min(20)).min(LONGEST_WAIT),
        None => Duration::ZERO,
    }
}

/// The address a request comes from: the TCP peer's, or, through a
/// trusted proxy, the client address the proxy names. Set by
/// [`middleware`] for every handler after it.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub Option<IpAddr>);

/// The middleware: finds who asks and from where (once, for every layer
/// and handler after it), then spends that caller's budget.
pub async fn middleware(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let address = peer
        .map(|peer| client_address(peer, request.headers(), &state.config.trusted_proxies))
        .map(network);
    request.extensions_mut().insert(ClientAddress(address));
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
    // A person's budget is theirs however many tokens they hold.
    let key = match (caller, address) {
        (Some(caller), _) => format!("user {}", caller.user_id).into_bytes(),
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

/// Who sent a request that reached the portal from `peer`: `peer` itself,
/// unless it is a trusted proxy; then the nearest address in
/// `X-Forwarded-For` that is not one (each proxy appends the address it
/// heard from, so the ones left of an untrusted hop could be made up).
pub fn client_address(
    peer: IpAddr,
    headers: &axum::http::HeaderMap,
    trusted: &[ipnet::IpNet],
) -> IpAddr {
    let is_trusted = |address: &IpAddr| trusted.iter().any(|net| net.contains(address));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .rev();
    let mut nearest = peer;
    for hop in hops {
        // Some proxies add the client's port: `192.0.2.7:5678`, `[2001:db8::7]:443`.
        let address = hop
            .parse::<IpAddr>()
            .or_else(|_| hop.parse::<SocketAddr>().map(|a| a.ip()));
        match address {
            Ok(address) if is_trusted(&address) => nearest = address,
            Ok(address) => return address,
            // A hop that is no address: nothing beyond it can be believed.
            Err(_) => return nearest,
        }
    }
    nearest
}

/// The address a limit is kept for: an IPv6 host is given a whole /64,
/// so one host cannot dodge its limits by changing the address's low bits.
pub fn network(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(std::net::Ipv6Addr::from_bits(
                v6.to_bits() & !u128::from(u64::MAX),
            )),
        },
    }
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

    const HOME: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1)));

    fn elsewhere(n: u32) -> Option<IpAddr> {
        Some(IpAddr::V4(std::net::Ipv4Addr::from(0xC000_0200 + n)))
    }

    #[test]
    fn waits_grow_with_each_wrong_password_beyond_the_free_ones() {
        for count in 0..FREE_FAILURES {
            assert_eq!(wait_after(count, FREE_FAILURES), Duration::ZERO, "{count}");
        }
        assert_eq!(
            wait_after(FREE_FAILURES, FREE_FAILURES),
            Duration::from_secs(1)
        );
        assert_eq!(
            wait_after(FREE_FAILURES + 2, FREE_FAILURES),
            Duration::from_secs(4)
        );
        assert_eq!(wait_after(u32::MAX, FREE_FAILURES), LONGEST_WAIT);
    }

    #[test]
    fn a_sign_in_that_succeeds_starts_the_count_afresh() {
        let limiter = Limiter::new(10, 10);
        for _ in 0..FREE_FAILURES {
            limiter
                .sign_in_attempt("Li@Demo.aicc", HOME)
                .unwrap()
                .wrong();
        }
        let Err(ApiError::SignInThrottled { retry_after_secs }) =
            limiter.sign_in_attempt("LI@demo.aicc", HOME)
        else {
            panic!("the fifth wrong password in a row should make the address wait");
        };
        assert!((1..=3).contains(&retry_after_secs), "{retry_after_secs}");
        limiter
            .sign_in_attempt("other@demo.aicc", HOME)
            .unwrap()
            .wrong();
        limiter.sign_in_succeeded("li@demo.aicc", HOME);
        limiter
            .sign_in_attempt("li@demo.aicc", HOME)
            .unwrap()
            .wrong();
    }

    #[test]
    fn only_a_trusted_proxy_may_name_the_client() {
        let proxy: IpAddr = "10.0.0.5".parse().unwrap();
        let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/29".parse().unwrap()];
        let mut headers = axum::http::HeaderMap::new();
        headers.append(
            "x-forwarded-for",
            "203.0.113.9, 198.51.100.7".parse().unwrap(),
        );
        headers.append("x-forwarded-for", "10.0.0.6".parse().unwrap());
        // The nearest hop that is not a proxy of the center's.
        assert_eq!(
            client_address(proxy, &headers, &trusted),
            "198.51.100.7".parse::<IpAddr>().unwrap()
        );
        // Anyone else's X-Forwarded-For is made up.
        let stranger: IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(client_address(stranger, &headers, &trusted), stranger);
        assert_eq!(client_address(proxy, &headers, &[]), proxy);
        // Through the proxy without the header, or with nonsense, the proxy it is.
        assert_eq!(
            client_address(proxy, &axum::http::HeaderMap::new(), &trusted),
            proxy
        );
        let mut ported = axum::http::HeaderMap::new();
        ported.insert(
            "x-forwarded-for",
            "[2001:db8::7]:443, 192.0.2.7:5678".parse().unwrap(),
        );
        assert_eq!(
            client_address(proxy, &ported, &trusted),
            "192.0.2.7".parse::<IpAddr>().unwrap()
        );
        let mut garbled = axum::http::HeaderMap::new();
        garbled.insert(
            "x-forwarded-for",
            "203.0.113.9, not-an-address".parse().unwrap(),
        );
        assert_eq!(client_address(proxy, &garbled, &trusted), proxy);
    }

    #[test]
    fn an_attempt_neither_right_nor_wrong_is_not_counted() {
        let limiter = Limiter::new(10, 10);
        for _ in 0..FREE_FAILURES * 2 {
            // The client hung up while its password was being checked.
            drop(limiter.sign_in_attempt("li@demo.aicc", HOME).unwrap());
        }
        limiter
            .sign_in_attempt("li@demo.aicc", HOME)
            .unwrap()
            .right();
        for _ in 0..FREE_FAILURES {
            limiter
                .sign_in_attempt("li@demo.aicc", HOME)
                .unwrap()
                .wrong();
        }
        assert!(limiter.sign_in_attempt("li@demo.aicc", HOME).is_err());
    }

    #[tokio::test]
    async fn a_hash_holds_its_core_after_its_client_has_hung_up() {
        let limiter = Limiter::new(10, 10);
        let cores = limiter.hashing.available_permits();
        let (started, has_started) = std::sync::mpsc::channel();
        let (finish, may_finish) = std::sync::mpsc::channel::<()>();
        let asked = limiter.hashing(move || {
            started.send(()).unwrap();
            may_finish.recv().unwrap();
        });
        let mut asked = Box::pin(asked);
        let poll = tokio::time::timeout(Duration::from_millis(50), &mut asked).await;
        assert!(poll.is_err(), "the hash is still running");
        has_started.recv().unwrap();
        // The client hangs up: its request's future is dropped.
        drop(asked);
        assert_eq!(
            limiter.hashing.available_permits(),
            cores - 1,
            "the hash still running holds its core"
        );
        finish.send(()).unwrap();
        for _ in 0..100 {
            if limiter.hashing.available_permits() == cores {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the hash's core was not given back when it ended");
    }

    #[test]
    fn an_ipv6_host_is_limited_as_its_whole_slash_64() {
        let one: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let other: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let next_network: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(network(one), network(other));
        assert_ne!(network(one), network(next_network));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(network(mapped), "192.0.2.7".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn someone_guessing_from_elsewhere_does_not_lock_the_owner_out() {
        let limiter = Limiter::new(10, 10);
        limiter.sign_in_succeeded("li@demo.aicc", HOME);
        for _ in 0..FREE_FAILURES {
            limiter
                .sign_in_attempt("li@demo.aicc", elsewhere(0))
                .unwrap()
                .wrong();
        }
        assert!(
            limiter
                .sign_in_attempt("li@demo.aicc", elsewhere(0))
                .is_err()
        );
        limiter
            .sign_in_attempt("li@demo.aicc", HOME)
            .unwrap()
            .wrong();
        assert!(
            limiter
                .sign_in_attempt("li@demo.aicc", elsewhere(1))
                .is_ok()
        );
    }

    #[test]
    fn guesses_spread_over_many_addresses_make_every_unknown_address_wait() {
        let limiter = Limiter::new(10, 10);
        limiter.sign_in_succeeded("li@demo.aicc", HOME);
        // One wrong password at home counts too, from anywhere.
        limiter
            .sign_in_attempt("li@demo.aicc", HOME)
            .unwrap()
            .wrong();
        for n in 0..ACCOUNT_FREE_FAILURES - 1 {
            limiter
                .sign_in_attempt("li@demo.aicc", elsewhere(n))
                .unwrap_or_else(|e| panic!("{n}: {e}"))
                .wrong();
        }
        assert!(
            limiter
                .sign_in_attempt("li@demo.aicc", elsewhere(ACCOUNT_FREE_FAILURES))
                .is_err()
        );
        limiter
            .sign_in_attempt("li@demo.aicc", HOME)
            .unwrap()
            .wrong();
    }
}
