//! The industry aggregation platform: the directory of certified
//! solutions every signed-in partner reads, the check of a certificate,
//! and cooperation between two partners that only they read (the center
//! knows that it happens: `aicc-portal admin list-cooperation`). The
//! handlers are here; what they and `aicc-portal admin` read and write is
//! in `store`.

pub mod seed;
pub mod store;

use aicc_api::directory::{
    CertificateCheck, Cooperation, CooperationAnswer, CooperationAsk, Direction, PublicContact,
    Solution, SolutionProfile,
};
use aicc_api::sync::{ChangePage, ChangesQuery, Collection};
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
        .routes(routes!(edit_solution))
        .routes(routes!(set_contact))
        .routes(routes!(check_certificate))
        .routes(routes!(cooperation_changes))
        .routes(routes!(ask))
        .routes(routes!(answer))
}

/// `GET /v1/directory/changes`: the certified solutions, for every
/// signed-in account; a solution taken off the directory is a tombstone.
#[utoipa::path(get, path = "/v1/directory/changes", tag = "directory", params(ChangesParams),
    responses((status = 200, body = ChangePage<Solution>), (status = 422, body = aicc_api::ErrorBody)))]
pub async fn changes(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ChangesQuery>,
) -> Result<Json<ChangePage<Solution>>, ApiError> {
    caller.may(Action::ReadDirectory)?;
    let limit = feed::page_size(&query)?;
    let page = state
        .db
        .read(move |conn| store::changes_page(conn, query.after, limit, now_ms()))
        .await?;
    Ok(Json(page))
}

/// `PUT /v1/directory/solutions/{id}`: what the directory shows of one of
/// the organisation's certified solutions, or `listed: false` to take it
/// off; answers the choices kept. A choice sent twice is the same choice.
#[utoipa::path(put, path = "/v1/directory/solutions/{id}", tag = "directory",
    params(("id" = String, Path)), request_body = SolutionProfile,
    responses((status = 200, body = SolutionProfile), (status = 403, body = aicc_api::ErrorBody),
        (status = 404, body = aicc_api::ErrorBody), (status = 409, body = aicc_api::ErrorBody)))]
pub async fn edit_solution(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
    ApiJson(profile): ApiJson<SolutionProfile>,
) -> Result<Json<SolutionProfile>, ApiError> {
    caller.may(Action::EditDirectory)?;
    let (rev, kept) = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let caller = caller.now(&tx)?;
            caller.may(Action::EditDirectory)?;
            let rev = store::edit(&tx, caller.organisation_id, &id, &profile, now_ms())?;
            let kept = store::choices(&tx, caller.organisation_id, &id)?;
            tx.commit()?;
            Ok::<_, ApiError>((rev, kept))
        })
        .await?;
    state.events.publish(Collection::Directory, rev, None);
    Ok(Json(kept))
}

/// `PUT /v1/directory/contact`: how other partners reach the
/// organisation about its solutions; `null` shows none. Sent twice, it is
/// the same contact.
#[utoipa::path(put, path = "/v1/directory/contact", tag = "directory",
    request_body = Option<PublicContact>,
    responses((status = 204), (status = 403, body = aicc_api::ErrorBody), (status = 422, body = aicc_api::ErrorBody)))]
pub async fn set_contact(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(contact): ApiJson<Option<PublicContact>>,
) -> Result<StatusCode, ApiError> {
    caller.may(Action::EditDirectory)?;
    let rev = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let caller = caller.now(&tx)?;
            caller.may(Action::EditDirectory)?;
            let rev = store::set_contact(&tx, caller.organisation_id, contact.as_ref(), now_ms())?;
            tx.commit()?;
            Ok::<_, ApiError>(rev)
        })
        .await?;
    if let Some(rev) = rev {
        state.events.publish(Collection::Directory, rev, None);
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/certificates/{id}`: whether a certificate is valid, expired,
/// revoked or unknown, with its holder and solution.
#[utoipa::path(get, path = "/v1/certificates/{id}", tag = "directory",
    params(("id" = String, Path)),
    responses((status = 200, body = CertificateCheck), (status = 422, body = aicc_api::ErrorBody)))]
pub async fn check_certificate(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<CertificateCheck>, ApiError> {
    caller.may(Action::ReadDirectory)?;
    let id = aicc_api::directory::certificate_id(&id).map_err(ApiError::from)?;
    Ok(Json(
        state
            .db
            .read(move |conn| store::check(conn, &id, now_ms()))
            .await?,
    ))
}

/// `GET /v1/cooperation/changes`: the cooperations the organisation asked
/// for or was asked for; only the two organisations read them.
#[utoipa::path(get, path = "/v1/cooperation/changes", tag = "directory", params(ChangesParams),
    responses((status = 200, body = ChangePage<Cooperation>)))]
pub async fn cooperation_changes(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ChangesQuery>,
) -> Result<Json<ChangePage<Cooperation>>, ApiError> {
    caller.may(Action::ReadCooperation)?;
    let limit = feed::page_size(&query)?;
    let page = state
        .db
        .read(move |conn| store::cooperation_page(conn, caller.organisation_id, query.after, limit))
        .await?;
    Ok(Json(page))
}

/// `POST /v1/cooperation`: asks the owner of a listed solution to
/// cooperate.
#[utoipa::path(post, path = "/v1/cooperation", tag = "directory", request_body = CooperationAsk,
    responses((status = 201, body = Cooperation), (status = 403, body = aicc_api::ErrorBody),
        (status = 409, body = aicc_api::ErrorBody), (status = 422, body = aicc_api::ErrorBody)))]
pub async fn ask(
    State(state): State<AppState>,
    caller: Caller,
    once: Idempotency,
    ApiJson(asked): ApiJson<CooperationAsk>,
) -> Result<Response, ApiError> {
    caller.may(Action::AskCooperation)?;
    let made = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let caller = caller.now(&tx)?;
            caller.may(Action::AskCooperation)?;
            let made = once.once(&tx, StatusCode::CREATED, || {
                let (id, rev, owner) = store::ask(
                    &tx,
                    caller.organisation_id,
                    caller.user_id,
                    &asked,
                    now_ms(),
                )?;
                let cooperation = store::load_cooperation(&tx, caller.organisation_id, &id)?;
                Ok((cooperation, (rev, [caller.organisation_id, owner])))
            })?;
            tx.commit()?;
            Ok::<_, ApiError>(made)
        })
        .await?;
    Ok(announced_to_both(&state, made))
}

/// `POST /v1/cooperation/{id}/answer`: the solution's owner accepts or
/// declines, with a note.
#[utoipa::path(post, path = "/v1/cooperation/{id}/answer", tag = "directory",
    params(("id" = String, Path)), request_body = CooperationAnswer,
    responses((status = 200, body = Cooperation), (status = 403, body = aicc_api::ErrorBody),
        (status = 404, body = aicc_api::ErrorBody), (status = 409, body = aicc_api::ErrorBody),
        (status = 422, body = aicc_api::ErrorBody)))]
pub async fn answer(
    State(state): State<AppState>,
    caller: Caller,
    once: Idempotency,
    ApiPath(id): ApiPath<String>,
    ApiJson(answered): ApiJson<CooperationAnswer>,
) -> Result<Response, ApiError> {
    caller.may(Action::ReadCooperation)?;
    let made = state
        .db
        .call(move |conn| {
            let tx = conn.transaction()?;
            let caller = caller.now(&tx)?;
            // Another organisation's request is as if it did not exist,
            // whoever asks; the one that asked does not answer it.
            let asked = store::load_cooperation(&tx, caller.organisation_id, &id)?;
            if asked.direction == Direction::Sent {
                return Err(ApiError::Forbidden(
                    "your organisation asked this; the solution's owner answers it".into(),
                ));
            }
            caller.may(Action::AnswerCooperation)?;
            let made = once.once(&tx, StatusCode::OK, || {
                let (rev, asker) = store::answer(
                    &tx,
                    caller.organisation_id,
                    caller.user_id,
                    &id,
                    &answered,
                    now_ms(),
                )?;
                let cooperation = store::load_cooperation(&tx, caller.organisation_id, &id)?;
                Ok((cooperation, (rev, [asker, caller.organisation_id])))
            })?;
            tx.commit()?;
            Ok::<_, ApiError>(made)
        })
        .await?;
    Ok(announced_to_both(&state, made))
}

/// The answer to a cooperation's write; a write made now tells both
/// organisations' streams (`Events::announced` tells one).
fn announced_to_both(
    state: &AppState,
    made: crate::idempotency::Made<Cooperation, (u64, [i64; 2])>,
) -> Response {
    if let Some((rev, organisations)) = made.then() {
        for organisation in organisations {
            state
                .events
                .publish(Collection::Cooperation, *rev, Some(*organisation));
        }
    }
    made.answer()
}
