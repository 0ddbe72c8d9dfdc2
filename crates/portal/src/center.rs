//! Who the center is: its name and description as `[center]` configures
//! them, answered to anyone (the app names the center before signing in).

use aicc_api::center::CenterIdentity;
use axum::Json;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(identity))
}

/// `GET /v1/center`: the center's name and description in English and
/// Chinese; empty texts when the center configured none.
#[utoipa::path(get, path = "/v1/center", tag = "center",
    responses((status = 200, body = CenterIdentity)))]
pub async fn identity(State(state): State<AppState>) -> Json<CenterIdentity> {
    Json(
        state
            .config
            .center
            .as_ref()
            .map(crate::config::CenterConfig::identity)
            .unwrap_or_default(),
    )
}
