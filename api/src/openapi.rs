//! The OpenAPI 3.1 document, collected by utoipa from the same route
//! definitions the server runs, plus the shared error responses and the two
//! security schemes.

use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{Modify, OpenApi, ToResponse};

use crate::error::PROBLEM_JSON;

macro_rules! problem_response {
    ($name:ident, $description:literal) => {
        #[doc = $description]
        pub struct $name;
        impl<'r> ToResponse<'r> for $name {
            fn response() -> (&'r str, RefOr<Response>) {
                let content = ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build();
                (
                    stringify!($name),
                    ResponseBuilder::new()
                        .description($description)
                        .content(PROBLEM_JSON, content)
                        .build()
                        .into(),
                )
            }
        }
    };
}

problem_response!(
    BadRequest,
    "Malformed request: unreadable JSON, a bad query parameter, cursor or path id."
);
problem_response!(Unauthorized, "Missing, expired or invalid credentials.");
problem_response!(Forbidden, "The caller may not do this (role or API-key scope).");
problem_response!(NotFound, "No such record, or not one the caller may see.");
problem_response!(
    Conflict,
    "The change conflicts with existing data; `context` says with what."
);
problem_response!(
    PreconditionFailed,
    "`If-Match` names a version that is no longer current."
);
problem_response!(
    PayloadTooLarge,
    "The request body is larger than this endpoint accepts."
);
problem_response!(UnsupportedMediaType, "The body is not `application/json`.");
problem_response!(
    Unprocessable,
    "Well-formed but invalid: `errors` names every bad field."
);
problem_response!(TooManyRequests, "Throttled; `Retry-After` says when to try again.");
problem_response!(Unavailable, "The database does not answer.");

#[derive(OpenApi)]
#[openapi(
    info(
        title = "CRM sales-management API",
        description = "Customers, leads, pipelines, targets and collections for sales teams. \
            Errors are RFC 9457 problem+json; lists use keyset pagination (`limit`, `cursor`, `next_cursor`); \
            writes accept `If-Match` (412 when stale) and POSTs accept `Idempotency-Key`.",
        license(name = "MIT")
    ),
    components(
        schemas(crate::error::Problem, crate::error::FieldError),
        responses(
            BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed,
            PayloadTooLarge, UnsupportedMediaType, Unprocessable, TooManyRequests, Unavailable
        )
    ),
    modifiers(&SecuritySchemes),
    tags(
        (name = "auth", description = "Sign-in sessions"),
        (name = "me", description = "The signed-in user"),
        (name = "users", description = "Users of the organisation (admin writes)"),
        (name = "departments", description = "The department tree (admin writes)"),
        (name = "api-keys", description = "Keys for integrations (admin only)"),
        (name = "customers", description = "The central customer store: unique companies, data scope, transfers"),
        (name = "contacts", description = "Contacts and key persons of a customer"),
        (name = "leads", description = "Leads from web forms and imports: dedup, assignment, first contact, conversion"),
        (name = "opportunities", description = "Pipelines, stages and deals: enforced transitions and stage history"),
        (name = "dictionaries", description = "Picklists: industries, sources, regions, size bands"),
        (name = "health", description = "Liveness and readiness")
    )
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Api-Key",
                "An integration key created by an admin; its scopes limit what it may call.",
            ))),
        );
    }
}

/// The whole document, as served at `/openapi.json` and committed in `openapi/openapi.json`.
pub fn spec() -> utoipa::openapi::OpenApi {
    crate::startup::collect_spec()
}

/// The committed form: pretty JSON with a trailing newline.
pub fn spec_json() -> String {
    let mut s = spec()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
