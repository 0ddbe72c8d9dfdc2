//! The portal's OpenAPI 3.1 document, served at `GET /v1/openapi.json`. The
//! paths come from the routes themselves (`utoipa-axum`), so a route cannot
//! exist without its description; the access matrix test
//! (`tests/access.rs`) holds a row for every path it lists.

use utoipa::Modify;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "AICC portal",
        description = "The AI computing center's service for AICC Partner: accounts, the model catalog, \
                       partner applications, training jobs on NPU pools, change feeds and live hints. \
                       Every error is {\"error\": {\"code\", \"message\", \"field\"?}}; every POST accepts \
                       an Idempotency-Key."
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    components(schemas(aicc_api::ErrorBody, aicc_api::ErrorCode)),
    tags(
        (name = "center", description = "Who the center is"),
        (name = "accounts", description = "Sign-in, tokens, who asks"),
        (name = "members", description = "An organisation's members, managed by its partner admins"),
        (name = "catalog", description = "The model catalog"),
        (name = "applications", description = "Partner onboarding and review"),
        (name = "jobs", description = "Training jobs, pools and quota"),
        (name = "incubation", description = "An incubated startup's programme and milestones"),
        (name = "directory", description = "Certified solutions, certificate checks and cooperation between partners"),
        (name = "talent", description = "The center's courses, enrolment in their sessions, and engineers' certifications"),
        (name = "sync", description = "Live change hints"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The document's frame; `api_routes` adds the paths.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// Every operation `document` describes, as method and path template
/// (`/v1/jobs/{id}`, as axum's `MatchedPath` spells it).
pub fn operations(
    document: &utoipa::openapi::OpenApi,
) -> std::collections::HashSet<(axum::http::Method, String)> {
    use axum::http::Method;
    document
        .paths
        .paths
        .iter()
        .flat_map(|(path, item)| {
            [
                (Method::GET, item.get.is_some()),
                (Method::PUT, item.put.is_some()),
                (Method::POST, item.post.is_some()),
                (Method::DELETE, item.delete.is_some()),
                (Method::PATCH, item.patch.is_some()),
            ]
            .into_iter()
            .filter(|(_, described)| *described)
            .map(|(method, _)| (method, path.clone()))
        })
        .collect()
}
