//! The application-innovation incubation platform: an incubated startup's
//! enrolment (its programme and cohort), its plan of milestones, each
//! sent with evidence by the startup and accepted or sent back by the
//! center's reviewers, and the compute credits granted to it. The
//! handlers are here; what they and `aicc-portal admin` read and write is
//! in `store` and `credits`.

pub mod credits;
pub mod events;
pub mod mentors;
pub mod store;

use aicc_api::applications::Attachment;
use aicc_api::incubation::{
    CohortEvent, Credit, Evidence, Incubation, Mentors, Milestone, MilestoneReview, OfficeHours,
    OfficeHoursRequest,
};
use aicc_api::sync::{ChangePage, ChangesQuery, Collection};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Extension, Json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::accounts::Caller;
use crate::attachments::{self, Holder, UploadQuery, UploadSlot};
use crate::bodies::BodyMemory;
use crate::error::{ApiBytes, ApiError, ApiJson, ApiPath, ApiQuery};
use crate::feed::{self, ChangesParams};
use crate::idempotency::Idempotency;
use crate::permissions::Action;
use store::{load, visible};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(incubation))
        .routes(routes!(changes))
        .routes(routes!(credit_changes))
        .routes(routes!(event_changes))
        .routes(routes!(register))
        .routes(routes!(cancel_registration))
        .routes(routes!(mentor_list))
        .routes(routes!(office_hours_changes))
        .routes(routes!(request_office_hours))
        .routes(routes!(get))
        .routes(routes!(submit))
        .routes(routes!(review))
        .routes(routes!(download_evidence))
}

/// `GET /v1/incubation`: the caller's organisation's programme and cohort,
/// or no enrolment.
#[utoipa::path(get, path = "/v1/incubation", tag = "incubation",
    responses((status = 200, body = Incubation)))]
pub async fn incubation(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Incubation>, ApiError> {
    caller.may(Action::ReadOrganisation)?;
    let organisation = caller.organisation_id;
    Ok(Json(Incubation {
        enrolment: state
            .db
            .read(move |conn| store::enrolment(conn, organisation))
            .await?,
    }))
}

/// `GET /v1/milestones/changes`: the caller's organisation's milestones.
#[utoipa::path(get, path = "/v1/milestones/changes", tag = "incubation", params(ChangesParams),
    responses((status = 200, body = ChangePage<Milestone>)))]
pub async fn changes(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ChangesQuery>,
) -> Result<Json<ChangePage<Milestone>>, ApiError> {
    feed::organisation_changes(&state, caller, query, Collection::Milestones, load).await
}

/// `GET /v1/credits/changes`: the compute credits granted to the caller's
/// organisation, each with what its jobs spent of it.
#[utoipa::path(get, path = "/v1/credits/changes", tag = "incubation", params(ChangesParams),
    responses((status = 200, body = ChangePage<Credit>)))]
pub async fn credit_changes(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ChangesQuery>,
) -> Result<Json<ChangePage<Credit>>, ApiError> {
    feed::organisation_changes(&state, caller, query, Collection::Credits, credits::load).await
}

/// `GET /v1/cohort_events/changes`: the events of the caller's cohort
/// (every cohort's for the center's staff), each with the caller's own
/// registration.
#[utoipa::path(get, path = "/v1/cohort_events/changes", tag = "incubation", params(ChangesParams),
    responses((status = 200, body = ChangePage<CohortEvent>)))]
pub async fn event_changes(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ChangesQuery>,
) -> Result<Json<ChangePage<CohortEvent>>, ApiError> {
    caller.may(Action::ReadOrganisation)?;
    let limit = feed::page_size(&query)?;
    Ok(Json(
        state
            .db
            .read(move |conn| events::page(conn, &caller, query.after, limit))
            .await?,
    ))
}

/// `POST /v1/cohort_events/{id}/register`: a seat for the caller, or the
/// end of the waitlist when the seats are taken.
#[utoipa::path(post, path = "/v1/cohort_events/{id}/register", tag = "incubation",
    params(("id" = String, Path)),
    responses((status = 200, body = CohortEvent), (status = 409, body = aicc_api::ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    caller: Caller,
    once: Idempotency,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    registration(&state, caller, once, id, events::register).await
}

/// `POST /v1/cohort_events/{id}/cancel`: gives up the caller's seat (the
/// first waiting takes it) or place on the waitlist.
#[utoipa::path(post, path = "/v1/cohort_events/{id}/cancel", tag = "incubation",
    params(("id" = String, Path)),
    responses((status = 200, body = CohortEvent), (status = 409, body = aicc_api::ErrorBody)))]
pub async fn cancel_registration(
    State(state): State<AppState>,
    caller: Caller,
    once: Idempotency,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    registration(&state, caller, once, id, events::cancel).await
}

/// A change to the caller's registration: they must see the event and may
/// register; `make` changes it inside the write's transaction, which keeps
/// the answer for its idempotency key.
async fn registration(
    state: &AppState,
    caller: Caller,
    once: Idempotency,
    id: String,
    make: fn(&rusqlite::Connection, &str, i64, i64, i64) -> Result<u64, ApiError>,
) -> Result<Response, ApiError> {
    let made = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let caller = caller.now(&tx)?;
            let starts_at = events::visible(&tx, &caller, &id)?;
            caller.may(Action::RegisterForEvents)?;
            let made = once.once(&tx, StatusCode::OK, || {
                let rev = make(&tx, &id, starts_at, caller.user_id, crate::clock::now_ms())?;
                Ok((
                    events::load(&tx, &id, caller.user_id)?,
                    (rev, caller.organisation_id),
                ))
            })?;
            tx.commit()?;
            Ok::<_, ApiError>(made)
        })
        .await?;
    Ok(state.events.announced(Collection::CohortEvents, made))
}

/// `GET /v1/mentors`: the mentors assigned to the caller's organisation.
#[utoipa::path(get, path = "/v1/mentors", tag = "incubation",
    responses((status = 200, body = Mentors)))]
pub async fn mentor_list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Mentors>, ApiError> {
    caller.may(Action::ReadOrganisation)?;
    let organisation = caller.organisation_id;
    Ok(Json(Mentors {
        mentors: state
            .db
            .read(move |conn| mentors::of(conn, organisation))
            .await?,
    }))
}

/// `GET /v1/office_hours/changes`: the caller's organisation's requests
/// for office hours, with the mentors' answers.
#[utoipa::path(get, path = "/v1/office_hours/changes", tag = "incubation", params(ChangesParams),
    responses((status = 200, body = ChangePage<OfficeHours>)))]
pub async fn office_hours_changes(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ChangesQuery>,
) -> Result<Json<ChangePage<OfficeHours>>, ApiError> {
    feed::organisation_changes(
        &state,
        caller,
        query,
        Collection::OfficeHours,
        mentors::load,
    )
    .await
}

/// `POST /v1/office_hours`: asks one of the organisation's mentors for
/// office hours, proposing slots and a topic.
#[utoipa::path(post, path = "/v1/office_hours", tag = "incubation", request_body = OfficeHoursRequest,
    responses((status = 201, body = OfficeHours), (status = 422, body = aicc_api::ErrorBody)))]
pub async fn request_office_hours(
    State(state): State<AppState>,
    caller: Caller,
    once: Idempotency,
    ApiJson(asked): ApiJson<OfficeHoursRequest>,
) -> Result<Response, ApiError> {
    caller.may(Action::RequestOfficeHours)?;
    asked.check().map_err(ApiError::from)?;
    let made = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let caller = caller.now(&tx)?;
            caller.may(Action::RequestOfficeHours)?;
            let made = once.once(&tx, StatusCode::CREATED, || {
                let (id, rev) = mentors::request(
                    &tx,
                    caller.organisation_id,
                    caller.user_id,
                    &asked,
                    crate::clock::now_ms(),
                )?;
                Ok((mentors::load(&tx, &id)?, (rev, caller.organisation_id)))
            })?;
            tx.commit()?;
            Ok::<_, ApiError>(made)
        })
        .await?;
    Ok(state.events.announced(Collection::OfficeHours, made))
}

/// Before a milestone's file is read: see [`attachments::before`].
pub async fn before_evidence_upload(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    attachments::before(state, caller, Holder::Milestone(id), request, next).await
}

/// `POST /v1/milestones/{id}/attachments?file_name=…`: a file of the
/// milestone's evidence as the body, while it is planned or changes were
/// asked for; PDF, PNG or JPEG by content, at most 20 MiB.
#[utoipa::path(post, path = "/v1/milestones/{id}/attachments", tag = "incubation",
    params(("id" = String, Path), UploadQuery), request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = Attachment), (status = 413, body = aicc_api::ErrorBody), (status = 415, body = aicc_api::ErrorBody)))]
#[allow(clippy::too_many_arguments)] // an axum handler: one extractor per part of the request
pub async fn upload_evidence(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<UploadQuery>,
    once: Idempotency,
    slot: Option<Extension<UploadSlot>>,
    memory: Option<Extension<BodyMemory>>,
    ApiBytes(content): ApiBytes,
) -> Result<Response, ApiError> {
    let holder = Holder::Milestone(id);
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

/// `GET /v1/milestones/{id}/attachments/{attachment_id}`: a file of the
/// evidence, for its organisation and center staff only.
#[utoipa::path(get, path = "/v1/milestones/{id}/attachments/{attachment_id}", tag = "incubation",
    params(("id" = String, Path), ("attachment_id" = String, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), (status = 404, body = aicc_api::ErrorBody)))]
pub async fn download_evidence(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, attachment_id)): ApiPath<(String, String)>,
) -> Result<Response, ApiError> {
    attachments::send(state, caller, Holder::Milestone(id), attachment_id).await
}

/// `GET /v1/milestones/{id}`.
#[utoipa::path(get, path = "/v1/milestones/{id}", tag = "incubation",
    params(("id" = String, Path)),
    responses((status = 200, body = Milestone), (status = 404, body = aicc_api::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Milestone>, ApiError> {
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

/// `POST /v1/milestones/{id}/submit`: the startup sends its evidence, while
/// the milestone is planned or changes were asked for.
#[utoipa::path(post, path = "/v1/milestones/{id}/submit", tag = "incubation",
    params(("id" = String, Path)), request_body = Evidence,
    responses((status = 200, body = Milestone), (status = 409, body = aicc_api::ErrorBody)))]
pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    once: Idempotency,
    ApiPath(id): ApiPath<String>,
    ApiJson(evidence): ApiJson<Evidence>,
) -> Result<Response, ApiError> {
    evidence.check().map_err(ApiError::from)?;
    change(
        &state,
        caller,
        once,
        id,
        Action::SubmitMilestone,
        move |tx, caller, id, current| store::submit(tx, id, current, &evidence, caller.user_id),
    )
    .await
}

/// `POST /v1/milestones/{id}/review`: a reviewer accepts the evidence or
/// asks for changes (saying what).
#[utoipa::path(post, path = "/v1/milestones/{id}/review", tag = "incubation",
    params(("id" = String, Path)), request_body = MilestoneReview,
    responses((status = 200, body = Milestone), (status = 409, body = aicc_api::ErrorBody)))]
pub async fn review(
    State(state): State<AppState>,
    caller: Caller,
    once: Idempotency,
    ApiPath(id): ApiPath<String>,
    ApiJson(decision): ApiJson<MilestoneReview>,
) -> Result<Response, ApiError> {
    change(
        &state,
        caller,
        once,
        id,
        Action::ReviewMilestone,
        move |tx, caller, id, _| {
            store::review(tx, id, &decision, caller.user_id).map(|(_, rev)| rev)
        },
    )
    .await
}

/// A change to a milestone: who asks, as they are now, must see it and may
/// `act`; then `make` moves it inside the write's transaction, which keeps
/// the answer for its idempotency key, and the organisation's apps are told.
async fn change(
    state: &AppState,
    caller: Caller,
    once: Idempotency,
    id: String,
    act: Action,
    make: impl FnOnce(
        &rusqlite::Transaction<'_>,
        &Caller,
        &str,
        aicc_api::incubation::MilestoneState,
    ) -> Result<u64, ApiError>
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
                let rev = make(&tx, &caller, &id, current)?;
                Ok((load(&tx, &id)?, (rev, organisation)))
            })?;
            tx.commit()?;
            Ok::<_, ApiError>(made)
        })
        .await?;
    Ok(state.events.announced(Collection::Milestones, made))
}
