//! Partner applications: drafts the applicant edits, submission, the
//! center's review (`review`), attachments, and the per-organisation feed.
//! A partner sees only its own organisation's applications; center staff
//! see all of them. An id the caller may not see answers 404. Partner
//! admins write and submit them; center staff review them and never write
//! a partner's content (`permissions`). The handlers are here, what
//! they read and write in `store`; attachments go through `attachments`.

mod store;

use aicc_api::applications::{
    Application, ApplicationForm, ApplicationState, Attachment, Review, ReviewAction,
};
use aicc_api::sync::Collection;
use aicc_api::sync::{ChangePage, ChangesQuery};
use axum::Extension;
use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use rusqlite::{Connection, params};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::accounts::Caller;
use crate::attachments::{self, Holder, UploadQuery, UploadSlot};
use crate::bodies::BodyMemory;
use crate::clock::{new_id, now_ms, rfc3339};
use crate::error::{ApiBytes, ApiError, ApiJson, ApiPath, ApiQuery};
use crate::feed::ChangesParams;
use crate::idempotency::Idempotency;
use crate::permissions::Action;
use crate::{AppState, feed};
pub(crate) use store::visible;
pub use store::{PENDING, UNRECORDED_GRACE, list_all, load, sweep_unrecorded};
use store::{move_to, record, room_for_another, state_of};
/// The applications routes but the attachment upload, which reads its body
/// only once its sender may add it ([`before_upload`]).
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(changes))
        .routes(routes!(get, update))
        .routes(routes!(submit))
        .routes(routes!(withdraw))
        .routes(routes!(review))
        .routes(routes!(download))
}

/// `POST /v1/applications`: starts a draft.
#[utoipa::path(post, path = "/v1/applications", tag = "applications", request_body = ApplicationForm,
    responses((status = 201, body = Application), (status = 422, body = aicc_api::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    once: Idempotency,
    ApiJson(form): ApiJson<ApplicationForm>,
) -> Result<Response, ApiError> {
    caller.may(Action::EditApplication)?;
    check(&form)?;
    let most = state.config.editable_applications_per_organisation;
    let made = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let caller = caller.now(&tx)?;
            caller.may(Action::EditApplication)?;
            let made = once.once(&tx, StatusCode::CREATED, || {
                room_for_another(&tx, caller.organisation_id, most)?;
                let id = new_id("app");
                let now = now_ms();
                let rev = feed::next_rev(&tx)?;
                tx.execute(
                    "INSERT INTO applications (id, organisation_id, rev, state, form, created_at, updated_at)
                     VALUES (?1, ?2, ?3, 'draft', ?4, ?5, ?5)",
                    params![id, caller.organisation_id, rev, serde_json::to_string(&form)?, now],
                )?;
                record(&tx, &id, None, ApplicationState::Draft, caller.user_id, None, now)?;
                Ok((load(&tx, &id)?, (rev, caller.organisation_id)))
            })?;
            tx.commit()?;
            Ok::<_, ApiError>(made)
        })
        .await?;
    Ok(state.events.announced(Collection::Applications, made))
}

/// `PUT /v1/applications/{id}`: saves the form; only a draft or an
/// application with changes requested can be edited.
#[utoipa::path(put, path = "/v1/applications/{id}", tag = "applications", request_body = ApplicationForm,
    params(("id" = String, Path)),
    responses((status = 200, body = Application), (status = 409, body = aicc_api::ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(form): ApiJson<ApplicationForm>,
) -> Result<Json<Application>, ApiError> {
    check(&form)?;
    let (application, rev, organisation) = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let caller = caller.now(&tx)?;
            let (current, organisation) = visible(&tx, &caller, &id)?;
            caller.may(Action::EditApplication)?;
            editable(current)?;
            let rev = feed::next_rev(&tx)?;
            tx.execute(
                "UPDATE applications SET form = ?2, rev = ?3, updated_at = ?4 WHERE id = ?1",
                params![id, serde_json::to_string(&form)?, rev, now_ms()],
            )?;
            let application = load(&tx, &id)?;
            tx.commit()?;
            Ok::<_, ApiError>((application, rev, organisation))
        })
        .await?;
    state
        .events
        .publish(Collection::Applications, rev, Some(organisation));
    Ok(Json(application))
}

/// `POST /v1/applications/{id}/submit`: sends the application for review;
/// every required field must be filled in.
#[utoipa::path(post, path = "/v1/applications/{id}/submit", tag = "applications",
    params(("id" = String, Path)),
    responses((status = 200, body = Application), (status = 409, body = aicc_api::ErrorBody), (status = 422, body = aicc_api::ErrorBody)))]
pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    once: Idempotency,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let at = id.clone();
    change(
        &state,
        caller,
        once,
        id,
        Action::SubmitApplication,
        move |tx, caller, current| {
            editable(current)?;
            let form: ApplicationForm = serde_json::from_str(&tx.query_row(
                "SELECT form FROM applications WHERE id = ?1",
                [&at],
                |r| r.get::<_, String>(0),
            )?)?;
            if let Some(field) = form.missing_for_submit().first() {
                return Err(
                    ApiError::invalid(field, format!("fill in {field} before submitting"))
                        .because("fill_in", &[]),
                );
            }
            check(&form)?;
            move_to(
                tx,
                &at,
                current,
                ApplicationState::Submitted,
                caller.user_id,
                None,
            )
        },
    )
    .await
}

/// `POST /v1/applications/{id}/withdraw`: the partner takes the
/// application back before the center has decided (a partner admin only);
/// `withdrawn` is final, and frees its place among the editable ones.
#[utoipa::path(post, path = "/v1/applications/{id}/withdraw", tag = "applications",
    params(("id" = String, Path)),
    responses((status = 200, body = Application), (status = 403, body = aicc_api::ErrorBody), (status = 409, body = aicc_api::ErrorBody)))]
pub async fn withdraw(
    State(state): State<AppState>,
    caller: Caller,
    once: Idempotency,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let at = id.clone();
    change(
        &state,
        caller,
        once,
        id,
        Action::WithdrawApplication,
        move |tx, caller, current| {
            if !current.may_withdraw() {
                return Err(ApiError::Conflict(format!(
                "the application is {}; only one the center has not decided on can be withdrawn",
                current.as_str()
            )).because("application_not_withdrawable", &[]));
            }
            move_to(
                tx,
                &at,
                current,
                ApplicationState::Withdrawn,
                caller.user_id,
                None,
            )
        },
    )
    .await
}

/// `POST /v1/applications/{id}/review`: a reviewer moves the application on
/// (center staff only).
#[utoipa::path(post, path = "/v1/applications/{id}/review", tag = "applications", request_body = Review,
    params(("id" = String, Path)),
    responses((status = 200, body = Application), (status = 403, body = aicc_api::ErrorBody), (status = 409, body = aicc_api::ErrorBody)))]
pub async fn review(
    State(state): State<AppState>,
    caller: Caller,
    once: Idempotency,
    ApiPath(id): ApiPath<String>,
    ApiJson(review): ApiJson<Review>,
) -> Result<Response, ApiError> {
    let at = id.clone();
    change(
        &state,
        caller,
        once,
        id,
        Action::ReviewApplication,
        move |tx, caller, _| apply_review(tx, &at, caller.user_id, &review).map(|(_, rev)| rev),
    )
    .await
}

/// A change to an application (a submission, a withdrawal, a review): who
/// asks, as they are now, must see it and may `act`; then `make` moves it
/// inside the write's transaction, which keeps the answer for its
/// idempotency key, and the change is announced. `make` returns the
/// application's new revision.
async fn change(
    state: &AppState,
    caller: Caller,
    once: Idempotency,
    id: String,
    act: Action,
    make: impl FnOnce(&rusqlite::Transaction<'_>, &Caller, ApplicationState) -> Result<u64, ApiError>
    + Send
    + 'static,
) -> Result<Response, ApiError> {
    let made = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let caller = caller.now(&tx)?;
            let (current, organisation) = visible(&tx, &caller, &id)?;
            caller.may(act)?;
            let made = once.once(&tx, StatusCode::OK, || {
                let rev = make(&tx, &caller, current)?;
                Ok((load(&tx, &id)?, (rev, organisation)))
            })?;
            tx.commit()?;
            Ok::<_, ApiError>(made)
        })
        .await?;
    Ok(state.events.announced(Collection::Applications, made))
}

/// Applies a review action for `actor` inside `tx`; used by the route and
/// `aicc-portal admin`.
pub fn apply_review(
    tx: &Connection,
    id: &str,
    actor: i64,
    review: &Review,
) -> Result<(Application, u64), ApiError> {
    let current = state_of(tx, id)?.ok_or_else(|| ApiError::not_found("application"))?;
    let Some(next) = review.action.apply(current) else {
        return Err(ApiError::Conflict(format!(
            "the application is {}; \"{}\" is not possible now",
            current.as_str(),
            action_name(review.action)
        )));
    };
    if review.action == ReviewAction::RequestChanges
        && review
            .comment
            .as_deref()
            .is_none_or(|c| c.trim().is_empty())
    {
        return Err(ApiError::invalid("comment", "say which changes are needed"));
    }
    if review
        .comment
        .as_deref()
        .is_some_and(|c| c.chars().count() > MAX_REVIEW_COMMENT)
    {
        return Err(ApiError::invalid(
            "comment",
            format!("a comment is at most {MAX_REVIEW_COMMENT} characters"),
        ));
    }
    let rev = move_to(tx, id, current, next, actor, review.comment.as_deref())?;
    if next == ApplicationState::Certified {
        let year = rfc3339(now_ms()).get(..4).unwrap_or("0000").to_owned();
        // The year's next number: counting certificates would give a
        // number again once one was given out of turn (the demo's are).
        let last: i64 = tx.query_row(
            "SELECT coalesce(max(CAST(substr(certificate_id, -6) AS INTEGER)), 0)
             FROM applications WHERE certificate_id LIKE 'AICC-ASC-' || ?1 || '-%'",
            [&year],
            |r| r.get(0),
        )?;
        tx.execute(
            "UPDATE applications SET certificate_id = ?2 WHERE id = ?1",
            params![id, format!("AICC-ASC-{year}-{:06}", last + 1)],
        )?;
        crate::directory::store::publish(tx, id, now_ms())?;
    }
    Ok((load(tx, id)?, rev))
}

/// `GET /v1/applications/{id}`.
#[utoipa::path(get, path = "/v1/applications/{id}", tag = "applications",
    params(("id" = String, Path)), responses((status = 200, body = Application), (status = 404, body = aicc_api::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Application>, ApiError> {
    Ok(Json(
        state
            .db
            .read(move |conn| {
                visible(conn, &caller, &id)?;
                load(conn, &id)
            })
            .await?,
    ))
}

/// `GET /v1/applications/changes`: the caller's organisation's applications.
#[utoipa::path(get, path = "/v1/applications/changes", tag = "applications", params(ChangesParams),
    responses((status = 200, body = ChangePage<Application>)))]
pub async fn changes(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ChangesQuery>,
) -> Result<Json<ChangePage<Application>>, ApiError> {
    feed::organisation_changes(&state, caller, query, Collection::Applications, load).await
}

/// Before an attachment's body is read: see [`attachments::before`].
pub async fn before_upload(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    request: Request,
    next: Next,
) -> Response {
    attachments::before(state, caller, Holder::Application(id), request, next).await
}

/// `POST /v1/applications/{id}/attachments?file_name=…`: the file as the
/// body; PDF, PNG or JPEG by content, at most 20 MiB.
#[utoipa::path(post, path = "/v1/applications/{id}/attachments", tag = "applications",
    params(("id" = String, Path), UploadQuery), request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = Attachment), (status = 413, body = aicc_api::ErrorBody), (status = 415, body = aicc_api::ErrorBody)))]
#[allow(clippy::too_many_arguments)] // an axum handler: one extractor per part of the request
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<UploadQuery>,
    once: Idempotency,
    slot: Option<Extension<UploadSlot>>,
    memory: Option<Extension<BodyMemory>>,
    ApiBytes(content): ApiBytes,
) -> Result<Response, ApiError> {
    let holder = Holder::Application(id);
    attachments::receive(
        state,
        caller,
        holder,
        query.file_name,
        once,
        slot,
        memory,
        content,
    )
    .await
}

/// The longest comment a reviewer writes on a decision, in characters.
pub const MAX_REVIEW_COMMENT: usize = 4000;

/// `GET /v1/applications/{id}/attachments/{attachment_id}`: the file, for
/// its organisation and center staff only.
#[utoipa::path(get, path = "/v1/applications/{id}/attachments/{attachment_id}", tag = "applications",
    params(("id" = String, Path), ("attachment_id" = String, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), (status = 404, body = aicc_api::ErrorBody)))]
pub async fn download(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, attachment_id)): ApiPath<(String, String)>,
) -> Result<Response, ApiError> {
    attachments::send(state, caller, Holder::Application(id), attachment_id).await
}

fn check(form: &ApplicationForm) -> Result<(), ApiError> {
    form.check().map_err(ApiError::from)
}

pub(crate) fn editable(current: ApplicationState) -> Result<(), ApiError> {
    if current.is_editable() {
        Ok(())
    } else {
        Err(ApiError::Conflict(format!(
            "the application is {}; it can be changed only as a draft or when changes are requested",
            current.as_str()
        )).because("application_not_editable", &[]))
    }
}

fn action_name(action: ReviewAction) -> &'static str {
    match action {
        ReviewAction::StartReview => "start review",
        ReviewAction::RequestChanges => "request changes",
        ReviewAction::Approve => "approve",
        ReviewAction::Reject => "reject",
        ReviewAction::StartAdapting => "start adapting",
        ReviewAction::Certify => "certify",
    }
}
