//! The talent platform: the center's courses every signed-in account
//! reads, enrolment in their sessions (an engineer themself, or the
//! organisation's partner admin for a member), and engineers'
//! certifications, recorded by staff (`aicc-portal admin
//! record-certification`) and read by their holder, their organisation's
//! partner admin and the center's staff. The handlers are here; what they
//! and `aicc-portal admin` read and write is in `store`.

pub mod seed;
pub mod store;

use aicc_api::sync::{ChangePage, ChangesQuery, Collection};
use aicc_api::talent::{Certification, Course, SessionEnrolment};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::accounts::Caller;
use crate::clock::now_ms;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery};
use crate::feed::{self, ChangesParams};
use crate::idempotency::Idempotency;
use crate::permissions::Action;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(changes))
        .routes(routes!(enrol))
        .routes(routes!(cancel))
        .routes(routes!(certification_changes))
}

/// `GET /v1/courses/changes`: the center's courses with their sessions,
/// each showing who of the caller's organisation is enrolled.
#[utoipa::path(get, path = "/v1/courses/changes", tag = "talent", params(ChangesParams),
    responses((status = 200, body = ChangePage<Course>), (status = 422, body = aicc_api::ErrorBody)))]
pub async fn changes(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ChangesQuery>,
) -> Result<Json<ChangePage<Course>>, ApiError> {
    caller.may(Action::ReadCourses)?;
    let limit = feed::page_size(&query)?;
    Ok(Json(
        state
            .db
            .read(move |conn| store::page(conn, &caller, query.after, limit))
            .await?,
    ))
}

/// `POST /v1/course_sessions/{id}/enrol`: a seat for the caller (or, from
/// a partner admin, for the member named), or the end of the waitlist
/// when the seats are taken. Answers the course.
#[utoipa::path(post, path = "/v1/course_sessions/{id}/enrol", tag = "talent",
    params(("id" = String, Path)), request_body = SessionEnrolment,
    responses((status = 200, body = Course), (status = 403, body = aicc_api::ErrorBody),
        (status = 404, body = aicc_api::ErrorBody), (status = 409, body = aicc_api::ErrorBody)))]
pub async fn enrol(
    State(state): State<AppState>,
    caller: Caller,
    once: Idempotency,
    ApiPath(id): ApiPath<String>,
    ApiJson(enrolment): ApiJson<SessionEnrolment>,
) -> Result<Response, ApiError> {
    changed(&state, caller, once, id, enrolment, true).await
}

/// `POST /v1/course_sessions/{id}/cancel`: gives up an enrolment (the
/// first waiting takes the seat). Answers the course.
#[utoipa::path(post, path = "/v1/course_sessions/{id}/cancel", tag = "talent",
    params(("id" = String, Path)), request_body = SessionEnrolment,
    responses((status = 200, body = Course), (status = 403, body = aicc_api::ErrorBody),
        (status = 404, body = aicc_api::ErrorBody), (status = 409, body = aicc_api::ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    once: Idempotency,
    ApiPath(id): ApiPath<String>,
    ApiJson(enrolment): ApiJson<SessionEnrolment>,
) -> Result<Response, ApiError> {
    changed(&state, caller, once, id, enrolment, false).await
}

/// Enrols or cancels inside the write's transaction, which keeps the
/// answer for its idempotency key; the seats are news to every partner.
async fn changed(
    state: &AppState,
    caller: Caller,
    once: Idempotency,
    session: String,
    enrolment: SessionEnrolment,
    enrolling: bool,
) -> Result<Response, ApiError> {
    caller.may(Action::EnrolInCourses)?;
    let made = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let caller = caller.now(&tx)?;
            // Inside `once`: a write sent again is answered as it was,
            // whatever changed since (a member deactivated, a session gone).
            let made = once.once(&tx, StatusCode::OK, || {
                let user = store::whom(&tx, &caller, enrolment.email.as_deref())?;
                let now = now_ms();
                let (course, rev) = if enrolling {
                    store::enrol(&tx, &session, user, Some(caller.user_id), now)?
                } else {
                    store::cancel(&tx, &session, user, now)?
                };
                Ok((
                    store::load(&tx, &course, caller.organisation_id, caller.user_id)?,
                    rev,
                ))
            })?;
            tx.commit()?;
            Ok::<_, ApiError>(made)
        })
        .await?;
    if let Some(rev) = made.then() {
        state.events.publish(Collection::Courses, *rev, None);
    }
    Ok(made.answer())
}

/// `GET /v1/certifications/changes`: the caller's certifications; their
/// organisation's for a partner admin (its skills), every organisation's
/// for the center's staff.
#[utoipa::path(get, path = "/v1/certifications/changes", tag = "talent", params(ChangesParams),
    responses((status = 200, body = ChangePage<Certification>), (status = 422, body = aicc_api::ErrorBody)))]
pub async fn certification_changes(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ChangesQuery>,
) -> Result<Json<ChangePage<Certification>>, ApiError> {
    // Staff and partner admins read more than their own; anyone else
    // needs at least that.
    if !caller.can(Action::ReadEveryCertification) && !caller.can(Action::ReadOrganisationSkills) {
        caller.may(Action::ReadCertifications)?;
    }
    let limit = feed::page_size(&query)?;
    Ok(Json(
        state
            .db
            .read(move |conn| store::certification_page(conn, &caller, query.after, limit))
            .await?,
    ))
}
