//! Accounts: organisations, users, sign-in, and the tokens that say who asks.
//!
//! Passwords are hashed with argon2id. Access tokens live 15 minutes;
//! refresh tokens rotate on every use, and presenting one that was already
//! used revokes its whole family (the sign-in it came from), because a
//! thief replays an old refresh token — except within
//! `refresh_reuse_secs` of its use while its successor is still unused:
//! then the first answer was lost on the way (a reset, the app killed
//! before its keyring write) and the same successor is answered again, as
//! Auth0's and Okta's reuse intervals do. Tokens are stored as SHA-256
//! hashes; a successor is derived from its token with the portal's
//! rotation key, so it can be answered again without being kept.

pub mod members;

use std::sync::LazyLock;

use aicc_api::auth::{
    Account, MAX_PERSONAL_TOKEN_DAYS, MAX_PERSONAL_TOKENS, NewPersonalToken, PasswordSignIn,
    PersonalToken, RefreshTokenBody, Role, Scope, TokenGrant,
};
use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::{Extension, Json};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac as _};
use rand::RngCore as _;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::clock::new_id;
use crate::error::{ApiError, ApiJson, ApiPath};
use crate::limits::ClientAddress;
use crate::permissions::{self, Action, Scopes};

/// How long an unused refresh token is valid.
pub const REFRESH_TTL_SECS: i64 = 30 * 24 * 3600;
/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "demo-password";

/// The signed-in account a request is made for.
#[derive(Debug, Clone, Copy)]
pub struct Caller {
    pub user_id: i64,
    pub organisation_id: i64,
    pub role: Role,
    /// What the credential may do: everything for an app session, its
    /// scopes for a personal access token.
    pub scopes: Scopes,
    /// Whether the credential is a personal access token.
    pub personal_token: bool,
    /// The credential's hash, to ask again whether it still holds.
    pub token_hash: [u8; 32],
    /// The second from which the credential is refused.
    pub expires_at: i64,
}

impl Caller {
    /// Leave for `action`, or the refusal that says whom to ask.
    pub fn may(&self, action: Action) -> Result<(), ApiError> {
        if self.personal_token && action.needs_app_session() {
            return Err(ApiError::Forbidden(
                "a personal access token cannot manage members; do it in the app's settings".into(),
            ));
        }
        permissions::check(self.role, self.scopes, action)
    }

    /// Whether the caller may do `action` (for visibility rules).
    pub fn can(&self, action: Action) -> bool {
        self.may(action).is_ok()
    }

    /// The caller as the database knows them now, not as when the
    /// request's headers arrived: every write asks this inside its
    /// transaction, so someone deactivated, demoted or signed out while
    /// their request's body was still arriving changes nothing.
    pub fn now(&self, conn: &Connection) -> Result<Caller, ApiError> {
        caller_of(conn, &self.token_hash)?.ok_or_else(|| {
            ApiError::Unauthorized(
                "your session ended while this request was sent; sign in again".into(),
            )
        })
    }
}

/// Who a request's bearer token belongs to, as the rate limiter found it
/// (`None`: no token, or one that is not valid); handlers read it from here
/// instead of asking the database again.
#[derive(Debug, Clone, Copy)]
pub struct Resolved(pub Option<Caller>);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        match parts.extensions.get::<Resolved>() {
            Some(Resolved(Some(caller))) => Ok(*caller),
            Some(Resolved(None)) => Err(not_signed_in(&parts.headers)),
            None => caller_from_headers(state, &parts.headers).await,
        }
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
}

fn not_signed_in(headers: &HeaderMap) -> ApiError {
    if bearer(headers).is_some() {
        ApiError::Unauthorized(
            "the access token is unknown or expired; refresh it or sign in again".into(),
        )
    } else {
        ApiError::Unauthorized("sign in: this request needs a bearer token".into())
    }
}

/// Who a request's bearer token (access token or personal access token) belongs to.
pub async fn caller_from_headers(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Caller, ApiError> {
    let token = bearer(headers).ok_or_else(|| not_signed_in(headers))?;
    let hash = token_hash(token);
    let (caller, last_used) = state
        .db
        .read(move |conn| credential(conn, &hash))
        .await?
        .ok_or_else(|| not_signed_in(headers))?;
    let now = now();
    // A personal access token's use is noted to the minute: a script
    // calling often writes once a minute.
    if caller.personal_token && last_used.is_none_or(|at| at < now - 60) {
        state
            .db
            .call(move |conn| {
                conn.prepare_cached(
                    "UPDATE personal_tokens SET last_used_at = ?2 WHERE hash = ?1",
                )?
                .execute(params![&hash[..], now])?;
                Ok::<_, ApiError>(())
            })
            .await?;
    }
    Ok(caller)
}

/// The live credential with this hash and its account, if both still hold.
pub fn caller_of(conn: &Connection, hash: &[u8; 32]) -> Result<Option<Caller>, ApiError> {
    Ok(credential(conn, hash)?.map(|(caller, _)| caller))
}

/// [`caller_of`], with when a personal access token was last used.
fn credential(
    conn: &Connection,
    hash: &[u8; 32],
) -> Result<Option<(Caller, Option<i64>)>, ApiError> {
    let now = now();
    // Every request asks this: its plan is kept, not compiled again.
    let found = conn
        .prepare_cached(
            "SELECT u.id, u.organisation_id, u.role, t.scopes, t.expires_at, t.last_used_at FROM (
                 SELECT user_id, NULL AS scopes, expires_at, NULL AS last_used_at FROM tokens
                     WHERE hash = ?1 AND kind = 'access' AND revoked_at IS NULL AND expires_at > ?2
                 UNION ALL
                 SELECT user_id, scopes, expires_at, last_used_at FROM personal_tokens
                     WHERE hash = ?1 AND revoked_at IS NULL AND expires_at > ?2) t
             JOIN users u ON u.id = t.user_id WHERE u.deactivated_at IS NULL",
        )?
        .query_row(params![&hash[..], now], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, Option<String>>(3)?,
                row.get::<_, i64>(4)?,
                row.get::<_, Option<i64>>(5)?,
            ))
        })
        .optional()?;
    let Some((user_id, organisation_id, role, scopes, expires_at, last_used)) = found else {
        return Ok(None);
    };
    let caller = Caller {
        user_id,
        organisation_id,
        role: Role::parse(&role).unwrap_or(Role::PartnerMember),
        personal_token: scopes.is_some(),
        scopes: scopes.as_deref().map_or_else(Scopes::full, Scopes::parse),
        token_hash: *hash,
        expires_at,
    };
    Ok(Some((caller, last_used)))
}

/// The accounts routes: signing in and out, the caller, personal access
/// tokens, and the organisation's members.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sign_in))
        .routes(routes!(refresh))
        .routes(routes!(revoke))
        .routes(routes!(me))
        .routes(routes!(create_personal_token, list_personal_tokens))
        .routes(routes!(revoke_personal_token))
        .merge(members::routes())
}

/// `POST /v1/auth/token`: e-mail and password for tokens. An unknown
/// e-mail costs the same work and gets the same answer as a wrong password;
/// an account that keeps failing waits longer each time (`limits`).
#[utoipa::path(post, path = "/v1/auth/token", tag = "accounts", request_body = PasswordSignIn,
    responses((status = 200, body = TokenGrant), (status = 401, body = aicc_api::ErrorBody),
        (status = 429, body = aicc_api::ErrorBody)))]
pub async fn sign_in(
    State(state): State<AppState>,
    address: Option<Extension<ClientAddress>>,
    ApiJson(body): ApiJson<PasswordSignIn>,
) -> Result<Json<TokenGrant>, ApiError> {
    let wrong = || ApiError::Unauthorized("wrong e-mail or password".into());
    let email = body.email.trim().to_owned();
    let address = address.and_then(|Extension(ClientAddress(address))| address);
    let attempt = state.limiter.sign_in_attempt(&email, address)?;
    let lookup = email.clone();
    let stored = state
        .db
        .read(move |conn| {
            conn.query_row(
                "SELECT id, password_hash FROM users WHERE email = ?1 AND deactivated_at IS NULL",
                [lookup],
                |row| Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?)),
            )
            .optional()
            .map_err(ApiError::from)
        })
        .await?;
    let (user_id, password_hash) = match stored {
        Some((id, hash)) => (Some(id), hash),
        None => (None, DUMMY_HASH.clone()),
    };
    let password = body.password;
    // A check that could not be made is no verdict: the attempt's count is
    // taken back as it is dropped, and the client may try again.
    let matches = state
        .limiter
        .hashing(move || verify_password(&password, &password_hash))
        .await
        .ok_or_else(|| ApiError::Io(std::io::Error::other("the password check failed")))?;
    let Some(user_id) = user_id.filter(|_| matches) else {
        attempt.wrong();
        return Err(wrong());
    };
    attempt.right();
    let access_ttl = state.config.access_token_ttl_secs as i64;
    let grant = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let grant = issue(&tx, user_id, &random_bytes(), access_ttl, Refresh::fresh())?;
            tx.commit()?;
            Ok::<_, ApiError>(grant)
        })
        .await?;
    Ok(Json(grant))
}

/// What an unknown e-mail's password is checked against: a hash made with
/// the same parameters, so the answer takes as long as for a real account.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password(&URL_SAFE_NO_PAD.encode(random_bytes())));

/// `POST /v1/auth/refresh`: a refresh token for a new pair.
#[utoipa::path(post, path = "/v1/auth/refresh", tag = "accounts", request_body = RefreshTokenBody,
    responses((status = 200, body = TokenGrant), (status = 401, body = aicc_api::ErrorBody)))]
pub async fn refresh(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<RefreshTokenBody>,
) -> Result<Json<TokenGrant>, ApiError> {
    let hash = token_hash(&body.refresh_token);
    let presented = body.refresh_token;
    let access_ttl = state.config.access_token_ttl_secs as i64;
    let reuse_secs = state.config.refresh_reuse_secs as i64;
    let grant = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let found = tx
                .query_row(
                    "SELECT t.user_id, t.family, t.expires_at, t.used_at, t.revoked_at FROM tokens t
                     JOIN users u ON u.id = t.user_id
                     WHERE t.hash = ?1 AND t.kind = 'refresh' AND u.deactivated_at IS NULL",
                    [&hash],
                    |row| {
                        Ok((
                            row.get::<_, i64>(0)?,
                            row.get::<_, Vec<u8>>(1)?,
                            row.get::<_, i64>(2)?,
                            row.get::<_, Option<i64>>(3)?,
                            row.get::<_, Option<i64>>(4)?,
                        ))
                    },
                )
                .optional()?;
            let expired = || ApiError::Unauthorized("the session has ended; sign in again".into());
            let Some((user_id, family, expires_at, used_at, revoked_at)) = found else {
                return Err(expired());
            };
            let next = successor(&tx, &presented)?;
            if let Some(used_at) = used_at {
                // Presented again soon after its first use, while its
                // successor is still unused: that answer was lost (a reset,
                // a crash before the keyring write). Answer it again.
                let lost_answer = now() - used_at <= reuse_secs
                    && revoked_at.is_none()
                    && tx
                        .query_row(
                            "SELECT used_at IS NULL AND revoked_at IS NULL FROM tokens
                             WHERE hash = ?1 AND kind = 'refresh'",
                            [&token_hash(&next)[..]],
                            |r| r.get::<_, bool>(0),
                        )
                        .optional()?
                        .unwrap_or(false);
                if lost_answer {
                    let grant = issue(&tx, user_id, &family, access_ttl, Refresh::Again(next))?;
                    tx.commit()?;
                    return Ok(grant);
                }
                tx.execute(
                    "UPDATE tokens SET revoked_at = ?1 WHERE family = ?2 AND revoked_at IS NULL",
                    params![now(), family],
                )?;
                tx.commit()?;
                tracing::warn!(
                    user_id,
                    "a used refresh token was replayed; its session is revoked"
                );
                return Err(expired());
            }
            if revoked_at.is_some() || expires_at <= now() {
                return Err(expired());
            }
            tx.execute(
                "UPDATE tokens SET used_at = ?1 WHERE hash = ?2",
                params![now(), hash],
            )?;
            let grant = issue(&tx, user_id, &family, access_ttl, Refresh::New(next))?;
            tx.commit()?;
            Ok(grant)
        })
        .await?;
    Ok(Json(grant))
}

/// `POST /v1/auth/revoke`: signs out the session a refresh token belongs to.
#[utoipa::path(post, path = "/v1/auth/revoke", tag = "accounts", request_body = RefreshTokenBody,
    responses((status = 204)))]
pub async fn revoke(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<RefreshTokenBody>,
) -> Result<StatusCode, ApiError> {
    let hash = token_hash(&body.refresh_token);
    state
        .db
        .call(move |conn| {
            conn.execute(
                "UPDATE tokens SET revoked_at = ?1 WHERE revoked_at IS NULL AND family =
                 (SELECT family FROM tokens WHERE hash = ?2 AND kind = 'refresh')",
                params![now(), hash],
            )
            .map_err(ApiError::from)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/me`: who the access token belongs to.
#[utoipa::path(get, path = "/v1/me", tag = "accounts", responses((status = 200, body = Account)))]
pub async fn me(State(state): State<AppState>, caller: Caller) -> Result<Json<Account>, ApiError> {
    let account = state
        .db
        .read(move |conn| account(conn, caller.user_id))
        .await?;
    Ok(Json(account))
}

/// `POST /v1/auth/personal-tokens`: a named, scoped token for scripts,
/// made from an app session (a token never makes another). The token is
/// shown once, in this answer.
#[utoipa::path(post, path = "/v1/auth/personal-tokens", tag = "accounts", request_body = NewPersonalToken,
    responses((status = 201, body = PersonalToken), (status = 403, body = aicc_api::ErrorBody),
        (status = 422, body = aicc_api::ErrorBody)))]
pub async fn create_personal_token(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewPersonalToken>,
) -> Result<(StatusCode, Json<PersonalToken>), ApiError> {
    if caller.personal_token {
        return Err(ApiError::Forbidden(
            "a personal access token cannot make another; create tokens in the app's settings"
                .into(),
        ));
    }
    caller.may(Action::ManageOwnTokens)?;
    let name = body.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::invalid(
            "name",
            "name the token in 1 to 100 characters",
        ));
    }
    let days = body.expires_in_days.unwrap_or(90);
    if !(1..=MAX_PERSONAL_TOKEN_DAYS).contains(&days) {
        return Err(ApiError::invalid(
            "expires_in_days",
            format!("a token lives 1 to {MAX_PERSONAL_TOKEN_DAYS} days"),
        ));
    }
    let scopes = Scopes::of(body.scopes.as_deref().unwrap_or(&[Scope::Read]));
    if scopes.list().is_empty() {
        return Err(ApiError::invalid(
            "scopes",
            "give the token at least one scope: read, jobs, applications or full",
        ));
    }
    let token = format!("apt_{}", URL_SAFE_NO_PAD.encode(random_bytes()));
    let id = new_id("pat");
    let created = now();
    let expires = created + i64::from(days) * 24 * 3600;
    let (stored_id, hash) = (id.clone(), token_hash(&token));
    let stored_name = name.clone();
    state
        .db
        .call(move |conn| {
            let caller = caller.now(conn)?;
            caller.may(Action::ManageOwnTokens)?;
            let kept: usize = conn.query_row(
                "SELECT COUNT(*) FROM personal_tokens
                 WHERE user_id = ?1 AND revoked_at IS NULL AND expires_at > ?2",
                params![caller.user_id, created],
                |r| r.get(0),
            )?;
            if kept >= MAX_PERSONAL_TOKENS {
                return Err(ApiError::Conflict(format!(
                    "you keep {MAX_PERSONAL_TOKENS} personal access tokens, as many as one person \
                     may; revoke one you no longer use first"
                )).because("too_many_tokens", &[("most", &MAX_PERSONAL_TOKENS)]));
            }
            conn.execute(
                "INSERT INTO personal_tokens (id, user_id, name, hash, created_at, expires_at, scopes)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    stored_id,
                    caller.user_id,
                    stored_name,
                    &hash[..],
                    created,
                    expires,
                    scopes.stored()
                ],
            )
            .map_err(ApiError::from)
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(PersonalToken {
            id,
            name,
            token: Some(token),
            scopes: scopes.list(),
            created_at: crate::clock::rfc3339(created * 1000),
            expires_at: crate::clock::rfc3339(expires * 1000),
            last_used_at: None,
        }),
    ))
}

/// `GET /v1/auth/personal-tokens`: the caller's live tokens (without their secrets).
#[utoipa::path(get, path = "/v1/auth/personal-tokens", tag = "accounts",
    responses((status = 200, body = Vec<PersonalToken>)))]
pub async fn list_personal_tokens(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<PersonalToken>>, ApiError> {
    caller.may(Action::ManageOwnTokens)?;
    let tokens = state
        .db
        .read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, name, scopes, created_at, expires_at, last_used_at FROM personal_tokens
                 WHERE user_id = ?1 AND revoked_at IS NULL AND expires_at > ?2 ORDER BY created_at",
            )?;
            let rows = stmt
                .query_map(params![caller.user_id, now()], |r| {
                    Ok(PersonalToken {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        token: None,
                        scopes: Scopes::parse(&r.get::<_, String>(2)?).list(),
                        created_at: crate::clock::rfc3339(r.get::<_, i64>(3)? * 1000),
                        expires_at: crate::clock::rfc3339(r.get::<_, i64>(4)? * 1000),
                        last_used_at: r
                            .get::<_, Option<i64>>(5)?
                            .map(|at| crate::clock::rfc3339(at * 1000)),
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok::<_, ApiError>(rows)
        })
        .await?;
    Ok(Json(tokens))
}

/// `DELETE /v1/auth/personal-tokens/{id}`: revokes one of the caller's tokens.
#[utoipa::path(delete, path = "/v1/auth/personal-tokens/{id}", tag = "accounts",
    params(("id" = String, Path)), responses((status = 204), (status = 404, body = aicc_api::ErrorBody)))]
pub async fn revoke_personal_token(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    caller.may(Action::ManageOwnTokens)?;
    let revoked = state
        .db
        .call(move |conn| {
            conn.execute(
                "UPDATE personal_tokens SET revoked_at = ?3 WHERE id = ?1 AND user_id = ?2 AND revoked_at IS NULL",
                params![id, caller.user_id, now()],
            )
            .map_err(ApiError::from)
        })
        .await?;
    if revoked == 0 {
        return Err(ApiError::not_found("personal access token"));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The refresh token a grant carries: a new one (stored as a hash), or a
/// successor already stored, answered again.
enum Refresh {
    New(String),
    Again(String),
}

impl Refresh {
    /// A refresh token for a new sign-in.
    fn fresh() -> Self {
        Self::New(format!("art_{}", URL_SAFE_NO_PAD.encode(random_bytes())))
    }
}

fn issue(
    tx: &Transaction<'_>,
    user_id: i64,
    family: &[u8],
    access_ttl: i64,
    refresh: Refresh,
) -> Result<TokenGrant, ApiError> {
    let issued = OffsetDateTime::now_utc();
    let mut insert = tx.prepare_cached(
        "INSERT OR IGNORE INTO tokens (hash, user_id, kind, family, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let refresh_token = match refresh {
        Refresh::New(token) => {
            insert.execute(params![
                &token_hash(&token)[..],
                user_id,
                "refresh",
                family,
                expiry(issued, REFRESH_TTL_SECS)
            ])?;
            token
        }
        Refresh::Again(token) => token,
    };
    let access_token = access_for(tx, &refresh_token)?;
    let access_hash = token_hash(&access_token);
    insert.execute(params![
        &access_hash[..],
        user_id,
        "access",
        family,
        expiry(issued, access_ttl)
    ])?;
    // Answered again, the access token is the first answer's, and expires
    // when it does: `expires_in` is what is left of it (see `expiry`).
    let expires_at: i64 = tx.query_row(
        "SELECT expires_at FROM tokens WHERE hash = ?1",
        [&access_hash[..]],
        |r| r.get(0),
    )?;
    let left = expires_at - issued.unix_timestamp() - i64::from(issued.nanosecond() > 0);
    Ok(TokenGrant {
        access_token,
        expires_in: u64::try_from(left).unwrap_or(0),
        refresh_token,
        account: account(tx, user_id)?,
    })
}

/// The refresh token that follows `token`: derived from it with the
/// portal's rotation key, so the same token always has the same successor
/// and the successor need not be kept but as a hash.
fn successor(conn: &Connection, token: &str) -> Result<String, ApiError> {
    derive(conn, "art_", token.as_bytes())
}

/// The access token that comes with the refresh token `refresh`: derived
/// like [`successor`], so answering a grant again (its answer was lost)
/// gives the same access token instead of minting one more.
fn access_for(conn: &Connection, refresh: &str) -> Result<String, ApiError> {
    derive(conn, "aat_", format!("access {refresh}").as_bytes())
}

/// `prefix` and the rotation key's MAC of `input`: refresh tokens start
/// `art_`, so no derived access token's input is a refresh token.
fn derive(conn: &Connection, prefix: &str, input: &[u8]) -> Result<String, ApiError> {
    let key: Vec<u8> = conn.query_row("SELECT key FROM rotation_key WHERE id = 1", [], |r| {
        r.get(0)
    })?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key)
        .map_err(|_| ApiError::Io(std::io::Error::other("the rotation key is unusable")))?;
    mac.update(input);
    Ok(format!(
        "{prefix}{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    ))
}

/// Makes the rotation key once, from the OS's randomness.
pub fn ensure_rotation_key(conn: &Connection) -> Result<(), ApiError> {
    conn.execute(
        "INSERT OR IGNORE INTO rotation_key (id, key) VALUES (1, ?1)",
        [&random_bytes()[..]],
    )?;
    Ok(())
}

fn account(conn: &Connection, user_id: i64) -> Result<Account, ApiError> {
    let (email, name, organisation, role) = conn.query_row(
        "SELECT u.email, u.name, o.name, u.role FROM users u JOIN organisations o ON o.id = u.organisation_id
         WHERE u.id = ?1",
        [user_id],
        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get::<_, String>(3)?)),
    )?;
    Ok(Account {
        email,
        name,
        organisation,
        role: Role::parse(&role).unwrap_or(Role::PartnerMember),
    })
}

/// Creates an organisation if it does not exist and returns its id.
pub fn ensure_organisation(conn: &Connection, name: &str, kind: &str) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO organisations (name, kind) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING",
        params![name, kind],
    )?;
    conn.query_row(
        "SELECT id FROM organisations WHERE name = ?1",
        [name],
        |r| r.get(0),
    )
}

/// Creates a user with a password, or resets the password of an existing
/// one. A reset, a new role or a move to another organisation ends every
/// session and personal access token the user had.
pub fn upsert_user(
    conn: &Connection,
    organisation_id: i64,
    email: &str,
    name: &str,
    role: Role,
    password: &str,
) -> Result<(), ApiError> {
    let kind: String = conn
        .query_row(
            "SELECT kind FROM organisations WHERE id = ?1",
            [organisation_id],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| ApiError::not_found("organisation"))?;
    if name.trim().is_empty() || !aicc_api::applications::is_plain_line(name) {
        return Err(ApiError::invalid(
            "name",
            "write the name on one line, without control or invisible characters",
        ));
    }
    let staff = matches!(role, Role::CenterReviewer | Role::CenterAdmin);
    if staff != (kind == "center") {
        return Err(ApiError::invalid(
            "role",
            if staff {
                "center staff belong to the center's own organisation; choose it, or a partner role"
            } else {
                "the center's organisation holds center staff only; choose center_reviewer or center_admin"
            },
        ));
    }
    let existing: Option<(i64, i64, String, String)> = conn
        .query_row(
            "SELECT id, organisation_id, role, password_hash FROM users WHERE email = ?1",
            [email],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let hash = hash_password(password);
    conn.execute(
        "INSERT INTO users (organisation_id, email, name, role, password_hash) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (email) DO UPDATE SET organisation_id = excluded.organisation_id, name = excluded.name,
         role = excluded.role, password_hash = excluded.password_hash",
        params![organisation_id, email, name, role.as_str(), hash],
    )?;
    if let Some((user_id, old_organisation, old_role, old_hash)) = existing {
        let same = old_organisation == organisation_id
            && old_role == role.as_str()
            && verify_password(password, &old_hash);
        if !same {
            end_sessions(conn, user_id)?;
        }
    }
    Ok(())
}

/// Ends every session and personal access token of a user, and withdraws
/// the invitations they made (so no one they invited comes in after them):
/// after a password reset, a change of role, a deactivation.
pub fn end_sessions(conn: &Connection, user_id: i64) -> Result<(), ApiError> {
    let now = now();
    conn.execute(
        "UPDATE invitations SET withdrawn_at = ?2
         WHERE invited_by = ?1 AND accepted_at IS NULL AND withdrawn_at IS NULL",
        params![user_id, now],
    )?;
    conn.execute(
        "UPDATE tokens SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL",
        params![user_id, now],
    )?;
    conn.execute(
        "UPDATE personal_tokens SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL",
        params![user_id, now],
    )?;
    Ok(())
}

/// Forgets tokens that can no longer be used: expired or revoked over a
/// day ago (a replay within the day is still recognised as one).
pub fn purge_tokens(conn: &Connection) -> Result<usize, ApiError> {
    let day_ago = now() - 24 * 3600;
    let mut purged = conn.execute(
        "DELETE FROM tokens WHERE expires_at < ?1 OR revoked_at < ?1",
        [day_ago],
    )?;
    purged += conn.execute(
        "DELETE FROM personal_tokens WHERE expires_at < ?1 OR revoked_at < ?1",
        [day_ago],
    )?;
    // An accepted invitation is kept: it says who invited the member.
    purged += conn.execute(
        "DELETE FROM invitations
         WHERE accepted_at IS NULL AND (expires_at < ?1 OR withdrawn_at < ?1)",
        [day_ago],
    )?;
    Ok(purged)
}

fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    match Argon2::default().hash_password(password.as_bytes(), &salt) {
        Ok(hash) => hash.to_string(),
        // Only reachable with invalid argon2 parameters, which are fixed here.
        Err(e) => unreachable!("argon2 with default parameters failed: {e}"),
    }
}

fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

/// How a token is kept: its SHA-256, never the token.
pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn random_bytes() -> [u8; 32] {
    let mut bytes = [0; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// The whole second from which a token issued at `issued` for `ttl`
/// seconds is refused. Rounded up: a token lives at least the `expires_in`
/// it was issued with (clients plan their refresh by it), never up to a
/// second less.
fn expiry(issued: OffsetDateTime, ttl: i64) -> i64 {
    issued.unix_timestamp() + ttl + i64::from(issued.nanosecond() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_lives_at_least_its_expires_in_and_less_than_a_second_more() {
        for nanos in [0, 1, 500_000_000, 999_999_999] {
            for ttl in [1, 900] {
                let issued = OffsetDateTime::from_unix_timestamp(100).unwrap()
                    + time::Duration::nanoseconds(nanos);
                let refused_from = expiry(issued, ttl) as f64;
                let issued_secs = 100.0 + nanos as f64 / 1e9;
                assert!(
                    refused_from >= issued_secs + ttl as f64,
                    "{nanos} ns, {ttl} s"
                );
                assert!(
                    refused_from < issued_secs + ttl as f64 + 1.0,
                    "{nanos} ns, {ttl} s"
                );
            }
        }
    }

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let hash = hash_password("demo-password");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("demo-password", &hash));
        assert!(!verify_password("demo-passwore", &hash));
        assert!(!verify_password("demo-password", "not a hash"));
    }
}
