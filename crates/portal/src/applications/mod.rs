//! Partner applications: drafts the applicant edits, submission, the
//! center's review (`review`), attachments, and the per-organisation feed.
//! A partner sees only its own organisation's applications; center staff
//! see all of them. An id the caller may not see answers 404. Partner
//! admins write and submit them; center staff review them and never write
//! a partner's content (`permissions`). The handlers are here, what
//! they read and write in `store`.

mod store;

use std::io::Write as _;
use std::sync::Arc;

use aicc_api::applications::{
    Application, ApplicationForm, ApplicationState, Attachment, MAX_ATTACHMENT_BYTES, Review,
    ReviewAction, sniff_media_type,
};
use aicc_api::sync::Collection;
use aicc_api::sync::{ChangePage, ChangesQuery};
use axum::Extension;
use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::accounts::Caller;
use crate::bodies::BodyMemory;
use crate::clock::{new_id, now_ms, rfc3339};
use crate::error::{ApiBytes, ApiError, ApiJson, ApiPath, ApiQuery};
use crate::feed::ChangesParams;
use crate::idempotency::Idempotency;
use crate::permissions::Action;
use crate::{AppState, feed};
pub use store::{PENDING, UNRECORDED_GRACE, list_all, load, sweep_unrecorded};
use store::{attachment_room, move_to, record, room_for_another, state_of, storage_room, visible};
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
                return Err(ApiError::invalid(
                    field,
                    format!("fill in {field} before submitting"),
                ));
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
    change(&state, caller, once, id, Action::WithdrawApplication, move |tx, caller, current| {
        if !current.may_withdraw() {
            return Err(ApiError::Conflict(format!(
                "the application is {}; only one the center has not decided on can be withdrawn",
                current.as_str()
            )));
        }
        move_to(tx, &at, current, ApplicationState::Withdrawn, caller.user_id, None)
    })
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
        let count: i64 = tx.query_row(
            "SELECT COUNT(*) FROM applications WHERE certificate_id IS NOT NULL",
            [],
            |r| r.get(0),
        )?;
        tx.execute(
            "UPDATE applications SET certificate_id = ?2 WHERE id = ?1",
            params![id, format!("AICC-ASC-{year}-{:06}", count + 1)],
        )?;
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

/// Attachment upload parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The file's name as the user picked it.
    pub file_name: Option<String>,
}

/// Before an attachment's body is read: it is sent to an application its
/// sender may add to, and they are sending fewer than
/// [`UPLOADS_PER_PERSON`](crate::bodies::UPLOADS_PER_PERSON) already.
/// Refused here, 20 MiB are never read; [`upload`] asks again, in its
/// transaction, once they have arrived.
pub async fn before_upload(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    mut request: Request,
    next: Next,
) -> Response {
    let key = request
        .headers()
        .get(crate::idempotency::HEADER)
        .and_then(|key| key.to_str().ok())
        .map(str::to_owned);
    let route = crate::idempotency::route_hash(request.method(), request.uri());
    let storage = state.config.attachment_storage_bytes();
    let may = state
        .db
        .read(move |conn| {
            let caller = caller.now(conn)?;
            let (current, organisation) = visible(conn, &caller, &id)?;
            caller.may(Action::EditApplication)?;
            // An upload sent again after its answer was lost is answered as
            // it was, room or not; any other is refused before its body is
            // read when it would not fit.
            if let Some(key) = key
                && crate::idempotency::kept(conn, caller.user_id, &key, &route)?
            {
                return Ok(());
            }
            editable(current)?;
            attachment_room(conn, &id)?;
            storage_room(conn, organisation, None, storage)
        })
        .await;
    match may.and_then(|()| state.bodies.upload_slot(caller.user_id)) {
        Ok(sending) => {
            request.extensions_mut().insert(UploadSlot {
                _held: Arc::new(sending),
            });
            next.run(request).await
        }
        Err(refused) => refused.into_response(),
    }
}

/// A person's upload slot, held by the upload from its first byte until it
/// is stored and recorded, also when its sender hangs up before.
#[derive(Debug, Clone)]
pub struct UploadSlot {
    _held: Arc<crate::limits::Held<i64>>,
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
    // Whose application it is comes first: another organisation learns
    // nothing. An upload made before under this key is answered as it was
    // (its application may have no room left since).
    let (check_id, check_once) = (id.clone(), once.clone());
    let storage = state.config.attachment_storage_bytes();
    let size = content.len() as u64;
    let check_hash = hex(&Sha256::digest(&content));
    let hash = check_hash.clone();
    let earlier = state
        .db
        .call(move |conn| {
            let caller = caller.now(conn)?;
            let (current, organisation) = visible(conn, &caller, &check_id)?;
            caller.may(Action::EditApplication)?;
            if let Some(replay) = check_once.earlier(conn)? {
                return Ok(Some(replay));
            }
            editable(current)?;
            attachment_room(conn, &check_id)?;
            storage_room(conn, organisation, Some((&hash, size)), storage)?;
            Ok::<_, ApiError>(None)
        })
        .await?;
    if let Some(replay) = earlier {
        return Ok(replay.into_response());
    }
    if content.len() > MAX_ATTACHMENT_BYTES {
        return Err(ApiError::PayloadTooLarge(format!(
            "attachments are at most {} MiB",
            MAX_ATTACHMENT_BYTES / (1024 * 1024)
        )));
    }
    let Some(media_type) = sniff_media_type(&content) else {
        return Err(ApiError::UnsupportedMediaType(
            "attach a PDF, PNG or JPEG file (checked by its content, not its name)".into(),
        ));
    };
    let file_name = query.file_name.unwrap_or_default().trim().to_owned();
    if file_name.is_empty() || file_name.chars().count() > 200 {
        return Err(ApiError::invalid(
            "file_name",
            "name the file in 1 to 200 characters",
        ));
    }
    if !aicc_api::applications::file_name_is_plain(&file_name) {
        return Err(ApiError::invalid(
            "file_name",
            "a file name is one visible line naming one file: no control, invisible or text-direction characters and no path separators; rename the file",
        ));
    }
    let upload = Upload {
        id,
        file_name,
        media_type,
        sha256: check_hash,
        content,
    };
    // From here the upload runs to its end even when its sender hangs up,
    // holding its sender's slot and its body's memory until then: the file
    // is kept only with its record (what a crash leaves, housekeeping
    // removes: `sweep_unrecorded`).
    tokio::spawn(async move {
        let kept = keep(state, caller, once, upload).await;
        drop((slot, memory));
        kept
    })
    .await
    .map_err(|_| ApiError::Io(std::io::Error::other("the storage task failed")))?
}

/// The longest comment a reviewer writes on a decision, in characters.
pub const MAX_REVIEW_COMMENT: usize = 4000;

/// An attachment that arrived whole and passed its checks.
struct Upload {
    id: String,
    file_name: String,
    media_type: &'static str,
    /// The content's SHA-256, in hex: the file's name.
    sha256: String,
    content: axum::body::Bytes,
}

/// Stores an upload's file under its hash and records it on its
/// application, in the write's own transaction. The file is written whole
/// and synced under a name of its own first, and takes its hash's name
/// only inside that transaction, once the write is accepted: a refused
/// upload leaves nothing, and housekeeping, which removes files on the
/// same connection, never finds one it would be wrong to remove.
async fn keep(
    state: AppState,
    caller: Caller,
    once: Idempotency,
    upload: Upload,
) -> Result<Response, ApiError> {
    let Upload {
        id,
        file_name,
        media_type,
        sha256,
        content,
    } = upload;
    let storage = state.config.attachment_storage_bytes();
    let dir = state.attachments_dir.clone();
    let pending = Pending(dir.join(format!("{PENDING}{}", new_id("upload"))));
    let written = pending.0.clone();
    let bytes = content.clone();
    tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        std::fs::create_dir_all(&dir)?;
        let mut file = std::fs::File::create(&written)?;
        file.write_all(&bytes)?;
        file.sync_all()
    })
    .await
    .map_err(|_| ApiError::Io(std::io::Error::other("the storage task failed")))??;
    let size = content.len() as u64;
    let dir = state.attachments_dir.clone();
    let renamed = pending.0.clone();
    let made = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let caller = caller.now(&tx)?;
            let (current, organisation) = visible(&tx, &caller, &id)?;
            caller.may(Action::EditApplication)?;
            let made = once.once(&tx, StatusCode::CREATED, || {
                editable(current)?;
                attachment_room(&tx, &id)?;
                storage_room(&tx, organisation, Some((&sha256, size)), storage)?;
                // The same content from anyone is one file: taking its
                // name again replaces it with the same bytes.
                std::fs::rename(&renamed, dir.join(&sha256))?;
                std::fs::File::open(&dir)?.sync_all()?;
                let attachment = Attachment {
                    id: new_id("att"),
                    file_name,
                    media_type: media_type.to_owned(),
                    size_bytes: size,
                    sha256,
                };
                tx.execute(
                    "INSERT INTO attachments (id, application_id, file_name, media_type, size_bytes, sha256, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![
                        attachment.id,
                        id,
                        attachment.file_name,
                        attachment.media_type,
                        attachment.size_bytes,
                        attachment.sha256,
                        now_ms()
                    ],
                )?;
                let rev = feed::next_rev(&tx)?;
                tx.execute("UPDATE applications SET rev = ?2 WHERE id = ?1", params![id, rev])?;
                Ok((attachment, (rev, organisation)))
            })?;
            tx.commit()?;
            Ok::<_, ApiError>(made)
        })
        .await;
    drop(pending);
    Ok(state.events.announced(Collection::Applications, made?))
}

/// An upload's file under its pending name: removed when this is dropped,
/// on every way out of [`keep`] (refused, replayed, failed while written),
/// unless its record took it by renaming it first.
struct Pending(std::path::PathBuf);

impl Drop for Pending {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_file(&self.0)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(error = %e, file = %self.0.display(), "cannot remove an upload's unused file");
        }
    }
}

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
    let (media_type, sha256, file_name) = state
        .db
        .read(move |conn| {
            visible(conn, &caller, &id)?;
            conn.query_row(
                "SELECT media_type, sha256, file_name FROM attachments WHERE id = ?1 AND application_id = ?2",
                params![attachment_id, id],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)),
            )
            .optional()?
            .ok_or_else(|| ApiError::not_found("attachment"))
        })
        .await?;
    let content = tokio::fs::read(state.attachments_dir.join(&sha256)).await?;
    let mut response = content.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&media_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    let ascii_name: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{ascii_name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}

fn check(form: &ApplicationForm) -> Result<(), ApiError> {
    form.check()
        .map_err(|e| ApiError::invalid(e.field, e.message))
}

fn editable(current: ApplicationState) -> Result<(), ApiError> {
    if current.is_editable() {
        Ok(())
    } else {
        Err(ApiError::Conflict(format!(
            "the application is {}; it can be changed only as a draft or when changes are requested",
            current.as_str()
        )))
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
