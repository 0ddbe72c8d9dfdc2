//! An organisation's members, managed by its partner admins: the list,
//! invitations that yield a one-time code (the center's mail is not the
//! portal's to send), a change of role, deactivation. A change of role or a
//! deactivation ends the member's sessions and tokens at once; an
//! organisation always keeps one active partner admin.

use aicc_api::auth::{Role, TokenGrant};
use aicc_api::members::{
    INVITATION_DAYS, Invitation, InvitationAcceptance, MIN_PASSWORD_CHARS, Member, MemberChange,
    NewInvitation, partner_role,
};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rusqlite::{Connection, OptionalExtension, params};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Caller, Refresh, end_sessions, hash_password, issue, now, random_bytes, token_hash};
use crate::AppState;
use crate::clock::{new_id, rfc3339};
use crate::error::{ApiError, ApiJson, ApiPath};
use crate::permissions::Action;

/// The members routes: an organisation's people and invitations.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(change))
        .routes(routes!(invite, invitations))
        .routes(routes!(withdraw))
        .routes(routes!(accept))
}

/// `GET /v1/organisation/members`: everyone in the caller's organisation.
#[utoipa::path(get, path = "/v1/organisation/members", tag = "members",
    responses((status = 200, body = Vec<Member>)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Member>>, ApiError> {
    caller.may(Action::ReadOrganisation)?;
    let members = state
        .db
        .read(move |conn| members_of(conn, caller.organisation_id))
        .await?;
    Ok(Json(members))
}

/// `PATCH /v1/organisation/members/{id}`: a new role, or (de)activation.
#[utoipa::path(patch, path = "/v1/organisation/members/{id}", tag = "members",
    request_body = MemberChange, params(("id" = String, Path)),
    responses((status = 200, body = Member), (status = 404, body = aicc_api::ErrorBody),
        (status = 409, body = aicc_api::ErrorBody)))]
pub async fn change(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(change): ApiJson<MemberChange>,
) -> Result<Json<Member>, ApiError> {
    if let Some(role) = change.role
        && !partner_role(role)
    {
        return Err(ApiError::invalid(
            "role",
            "a member is a partner_member or a partner_admin; center staff are made by the center",
        ));
    }
    let member = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let current = member(&tx, caller.organisation_id, &id)?;
            caller.now(&tx)?.may(Action::ManageMembers)?;
            let role = change.role.unwrap_or(current.role);
            let active = change.active.unwrap_or(current.active);
            if role == current.role && active == current.active {
                return Ok(current);
            }
            let user_id = user_id_of(&id)?;
            let by_center: bool = tx.query_row(
                "SELECT deactivated_by_center FROM users WHERE id = ?1",
                [user_id],
                |r| r.get(0),
            )?;
            if by_center {
                return Err(ApiError::Forbidden(
                    "the center deactivated this person: only the center's staff can change \
                     them or let them sign in again; ask them"
                        .into(),
                ));
            }
            tx.execute(
                "UPDATE users SET role = ?2,
                     deactivated_at = CASE WHEN ?3 THEN NULL ELSE COALESCE(deactivated_at, ?4) END
                 WHERE id = ?1",
                params![user_id, role.as_str(), active, now()],
            )?;
            let admins_left: i64 = tx.query_row(
                "SELECT COUNT(*) FROM users WHERE organisation_id = ?1
                     AND role = 'partner_admin' AND deactivated_at IS NULL",
                [caller.organisation_id],
                |r| r.get(0),
            )?;
            if admins_left == 0 {
                return Err(ApiError::Conflict(
                    "the organisation would have no active partner admin; make another member \
                     partner admin first"
                        .into(),
                )
                .because("last_partner_admin", &[]));
            }
            end_sessions(&tx, user_id)?;
            if !active {
                crate::incubation::events::withdraw_user(&tx, user_id, crate::clock::now_ms())?;
                crate::talent::store::withdraw_user(&tx, user_id, crate::clock::now_ms())?;
            }
            let changed = member(&tx, caller.organisation_id, &id)?;
            tx.commit()?;
            Ok(changed)
        })
        .await?;
    Ok(Json(member))
}

/// `GET /v1/organisation/invitations`: invitations not yet accepted, withdrawn or expired.
#[utoipa::path(get, path = "/v1/organisation/invitations", tag = "members",
    responses((status = 200, body = Vec<Invitation>)))]
pub async fn invitations(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Invitation>>, ApiError> {
    caller.may(Action::ManageMembers)?;
    let invitations = state
        .db
        .read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, email, name, role, created_at, expires_at FROM invitations
                 WHERE organisation_id = ?1 AND accepted_at IS NULL AND withdrawn_at IS NULL
                     AND expires_at > ?2
                 ORDER BY created_at",
            )?;
            let rows = stmt
                .query_map(params![caller.organisation_id, now()], invitation_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok::<_, ApiError>(rows)
        })
        .await?;
    Ok(Json(invitations))
}

/// Invitations an organisation may have waiting at once.
pub const MAX_PENDING_INVITATIONS: usize = 100;

/// `POST /v1/organisation/invitations`: invites someone; the answer holds
/// the one-time code, shown once. Inviting the same e-mail again replaces
/// the earlier code.
#[utoipa::path(post, path = "/v1/organisation/invitations", tag = "members",
    request_body = NewInvitation,
    responses((status = 201, body = Invitation), (status = 409, body = aicc_api::ErrorBody),
        (status = 422, body = aicc_api::ErrorBody)))]
pub async fn invite(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewInvitation>,
) -> Result<(StatusCode, Json<Invitation>), ApiError> {
    caller.may(Action::ManageMembers)?;
    let email = body.email.trim().to_owned();
    let name = body.name.trim().to_owned();
    if !plausible_email(&email) {
        return Err(ApiError::invalid(
            "email",
            "enter the new member's e-mail address, like wang.fang@company.example.cn",
        ));
    }
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::invalid(
            "name",
            "enter the new member's name, 1 to 100 characters",
        ));
    }
    if !aicc_api::applications::is_plain_line(&name) {
        return Err(ApiError::invalid(
            "name",
            "write the name on one line, without control or invisible characters",
        ));
    }
    if !partner_role(body.role) {
        return Err(ApiError::invalid(
            "role",
            "invite a partner_member or a partner_admin; center staff are made by the center",
        ));
    }
    let code = format!("aic_{}", URL_SAFE_NO_PAD.encode(random_bytes()));
    let hash = token_hash(&code);
    let role = body.role;
    let mut invitation = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            caller.now(&tx)?.may(Action::ManageMembers)?;
            // Only the organisation's own members are told apart: whether an
            // address has an account elsewhere is not a partner's to learn
            // (accepting such an invitation says so to the address's owner).
            let member: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM users WHERE email = ?1 AND organisation_id = ?2)",
                params![&email, caller.organisation_id],
                |r| r.get(0),
            )?;
            if member {
                return Err(ApiError::Conflict(format!(
                    "{email} is already a member of your organisation"
                )).because("member_already", &[("email", &email)]));
            }
            let created = now();
            let pending: usize = tx.query_row(
                "SELECT COUNT(*) FROM invitations WHERE organisation_id = ?1 AND email != ?2
                     AND accepted_at IS NULL AND withdrawn_at IS NULL AND expires_at > ?3",
                params![caller.organisation_id, email, created],
                |r| r.get(0),
            )?;
            if pending >= MAX_PENDING_INVITATIONS {
                return Err(ApiError::Conflict(format!(
                    "your organisation has {MAX_PENDING_INVITATIONS} invitations waiting; withdraw some first"
                )).because("too_many_invitations", &[("most", &MAX_PENDING_INVITATIONS)]));
            }
            tx.execute(
                "UPDATE invitations SET withdrawn_at = ?3
                 WHERE organisation_id = ?1 AND email = ?2 AND accepted_at IS NULL AND withdrawn_at IS NULL",
                params![caller.organisation_id, email, created],
            )?;
            let id = new_id("inv");
            tx.execute(
                "INSERT INTO invitations (id, organisation_id, email, name, role, code_hash,
                     invited_by, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    id,
                    caller.organisation_id,
                    email,
                    name,
                    role.as_str(),
                    &hash[..],
                    caller.user_id,
                    created,
                    created + i64::from(INVITATION_DAYS) * 24 * 3600
                ],
            )?;
            let invitation = tx.query_row(
                "SELECT id, email, name, role, created_at, expires_at FROM invitations WHERE id = ?1",
                [&id],
                invitation_row,
            )?;
            tx.commit()?;
            Ok(invitation)
        })
        .await?;
    invitation.code = Some(code);
    Ok((StatusCode::CREATED, Json(invitation)))
}

/// `DELETE /v1/organisation/invitations/{id}`: withdraws an invitation; its
/// code stops working.
#[utoipa::path(delete, path = "/v1/organisation/invitations/{id}", tag = "members",
    params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = aicc_api::ErrorBody)))]
pub async fn withdraw(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    state
        .db
        .call(move |conn| {
            let open: bool = conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM invitations WHERE id = ?1 AND organisation_id = ?2
                     AND accepted_at IS NULL AND withdrawn_at IS NULL)",
                params![id, caller.organisation_id],
                |r| r.get(0),
            )?;
            if !open {
                return Err(ApiError::not_found("open invitation"));
            }
            caller.may(Action::ManageMembers)?;
            conn.execute(
                "UPDATE invitations SET withdrawn_at = ?2 WHERE id = ?1",
                params![id, now()],
            )?;
            Ok(())
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/auth/invitations/accept`: the invited person chooses a
/// password and is signed in. A code works once, until it expires.
#[utoipa::path(post, path = "/v1/auth/invitations/accept", tag = "members",
    request_body = InvitationAcceptance,
    responses((status = 200, body = TokenGrant), (status = 401, body = aicc_api::ErrorBody),
        (status = 422, body = aicc_api::ErrorBody), (status = 429, body = aicc_api::ErrorBody)))]
pub async fn accept(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<InvitationAcceptance>,
) -> Result<Json<TokenGrant>, ApiError> {
    if body.password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(ApiError::invalid(
            "password",
            format!("choose a password of at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    let password = body.password;
    let hash = state
        .limiter
        .hashing(move || hash_password(&password))
        .await
        .ok_or_else(|| ApiError::Io(std::io::Error::other("password hashing stopped")))?;
    let code_hash = token_hash(body.code.trim());
    let access_ttl = state.config.access_token_ttl_secs as i64;
    let grant = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let invited: Option<(String, i64, String, String, String)> = tx
                .query_row(
                    "SELECT id, organisation_id, email, name, role FROM invitations
                     WHERE code_hash = ?1 AND accepted_at IS NULL AND withdrawn_at IS NULL
                         AND expires_at > ?2",
                    params![&code_hash[..], now()],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                )
                .optional()?;
            let Some((id, organisation_id, email, name, role)) = invited else {
                return Err(ApiError::Unauthorized(
                    "this invitation code is unknown, used, withdrawn or expired; ask your \
                     partner admin for a new one"
                        .into(),
                ));
            };
            let created = tx.execute(
                "INSERT INTO users (organisation_id, email, name, role, password_hash)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (email) DO NOTHING",
                params![organisation_id, email, name, role, hash],
            )?;
            if created == 0 {
                return Err(ApiError::Conflict(format!(
                    "{email} already has an account; sign in with it"
                ))
                .because("account_exists", &[("email", &email)]));
            }
            let user_id = tx.last_insert_rowid();
            tx.execute(
                "UPDATE invitations SET accepted_at = ?2 WHERE id = ?1",
                params![id, now()],
            )?;
            let grant = issue(&tx, user_id, &random_bytes(), access_ttl, Refresh::fresh())?;
            tx.commit()?;
            Ok(grant)
        })
        .await?;
    Ok(Json(grant))
}

fn members_of(conn: &Connection, organisation_id: i64) -> Result<Vec<Member>, ApiError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, email, name, role, deactivated_at IS NULL FROM users
         WHERE organisation_id = ?1 ORDER BY name COLLATE NOCASE, id",
    )?;
    let rows = stmt
        .query_map([organisation_id], member_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The member `id` of `organisation_id`; another organisation's is as if
/// it did not exist.
fn member(conn: &Connection, organisation_id: i64, id: &str) -> Result<Member, ApiError> {
    let user_id = user_id_of(id)?;
    conn.query_row(
        "SELECT id, email, name, role, deactivated_at IS NULL FROM users
         WHERE id = ?1 AND organisation_id = ?2",
        params![user_id, organisation_id],
        member_row,
    )
    .optional()?
    .ok_or_else(|| ApiError::not_found("member"))
}

/// A member's id on the wire: `usr_<number>`.
fn user_id_of(id: &str) -> Result<i64, ApiError> {
    id.strip_prefix("usr_")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| ApiError::not_found("member"))
}

fn member_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Member> {
    Ok(Member {
        id: format!("usr_{}", r.get::<_, i64>(0)?),
        email: r.get(1)?,
        name: r.get(2)?,
        role: Role::parse(&r.get::<_, String>(3)?).unwrap_or(Role::PartnerMember),
        active: r.get(4)?,
    })
}

fn invitation_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Invitation> {
    Ok(Invitation {
        id: r.get(0)?,
        email: r.get(1)?,
        name: r.get(2)?,
        role: Role::parse(&r.get::<_, String>(3)?).unwrap_or(Role::PartnerMember),
        created_at: rfc3339(r.get::<_, i64>(4)? * 1000),
        expires_at: rfc3339(r.get::<_, i64>(5)? * 1000),
        code: None,
    })
}

/// An address with something on each side of one `@` and a dot in its
/// domain: enough to catch a typo; the invitation proves the rest.
fn plausible_email(email: &str) -> bool {
    email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.split('.').count() >= 2
                && domain.split('.').all(|part| !part.is_empty())
        })
}
