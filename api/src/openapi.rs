//! The OpenAPI 3.1 document, collected by utoipa from the same route
//! definitions the server runs, plus the shared error responses
//! (`crate::responses`) and the two security schemes. It sits above the
//! routes: they name their responses from the leaf module, never from here.

use actix_web::App;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::{AppExt, scope};

use crate::responses::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, PreconditionFailed, TooManyRequests, Unauthorized,
    Unavailable, Unprocessable, UnsupportedMediaType,
};
use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "CRM sales-management API",
        description = "Customers, leads, pipelines, targets and collections for sales teams. \
            Errors are RFC 9457 problem+json; lists use keyset pagination (`limit`, `cursor`, `next_cursor`); \
            writes accept `If-Match` (412 when stale) and POSTs accept `Idempotency-Key`. \
            Any request may also get 400 (a head that is not HTTP/1.1), 408 (a head or body that stalls) \
            or 431 (a head of more than 96 header fields or 128 KiB), as problem+json, and the connection closes.",
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
        (name = "organisation", description = "Organisation settings: the time zone periods are cut in"),
        (name = "users", description = "Users of the organisation (admin writes)"),
        (name = "departments", description = "The department tree (admin writes)"),
        (name = "api-keys", description = "Keys for integrations (admin only)"),
        (name = "webhooks", description = "Signed event deliveries and WeCom / DingTalk robots (admin only)"),
        (name = "notifications", description = "The change feed of the caller's scope"),
        (name = "customers", description = "The central customer store: unique companies, data scope, transfers"),
        (name = "contacts", description = "Contacts and key persons of a customer"),
        (name = "leads", description = "Leads from web forms and imports: dedup, assignment, first contact, conversion"),
        (name = "opportunities", description = "Pipelines, stages and deals: enforced transitions and stage history"),
        (name = "activities", description = "Follow-ups (跟进记录): calls, visits, meetings; the team feed"),
        (name = "tasks", description = "To-dos (待办) and appointments (约见); the caller's calendar"),
        (name = "complaints", description = "Customer complaints (客户投诉): open -> handling -> resolved -> closed"),
        (name = "contracts", description = "Contracts (合同), approval, payment plans and payments (回款), receivables"),
        (name = "targets", description = "Targets (业绩目标) that add up, and progress against them"),
        (name = "products", description = "The product catalogue (产品) and line items of deals and contracts"),
        (name = "reports", description = "Reports (报表): funnel, forecast, customers, rankings; periods in the organisation's time zone, figures within the caller's scope"),
        (name = "work-reports", description = "Work reports (日报/周报/月报): figures from the records, the rep's words, submission, comments, who is missing"),
        (name = "commissions", description = "Commission plans (提成方案) and monthly statements, approved and frozen by managers"),
        (name = "team", description = "Team development: onboarding and training records, mentoring (老带新) with joint visits"),
        (name = "pool", description = "The public pool (公海): protection rules, claims, releases, locks"),
        (name = "dictionaries", description = "Picklists: industries, sources, regions, size bands"),
        (name = "custom_fields", description = "Fields an admin adds to customers, contacts, leads, deals and contracts"),
        (name = "attachments", description = "Files on customers, deals and contracts: download, delete, limits"),
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

/// Adds the answers every operation can give to the operations that omit them,
/// so a generated client knows them all: 400 (bad path, query or JSON), and for
/// operations with a body 413, 415 and 422; with `If-Match`, 412. (Found by
/// schemathesis: 47 undocumented status codes.)
pub fn with_common_responses(spec: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let Ok(mut doc) = serde_json::to_value(&spec) else {
        return spec;
    };
    let reference = |name: &str| serde_json::json!({"$ref": format!("#/components/responses/{name}")});
    if let Some(paths) = doc.get_mut("paths").and_then(|p| p.as_object_mut()) {
        for item in paths.values_mut() {
            let Some(ops) = item.as_object_mut() else { continue };
            for (method, op) in ops.iter_mut() {
                if !matches!(method.as_str(), "get" | "post" | "put" | "patch" | "delete") {
                    continue;
                }
                // ids are positive; pages hold 1 to 200 rows
                if let Some(params) = op.get_mut("parameters").and_then(|p| p.as_array_mut()) {
                    for p in params {
                        let name = p["name"].as_str().unwrap_or("").to_owned();
                        let in_query = p["in"] == "query";
                        let Some(schema) = p.get_mut("schema").and_then(|s| s.as_object_mut()) else {
                            continue;
                        };
                        if p_is_path_id(&name, schema) {
                            schema.insert("minimum".into(), 1.into());
                        }
                        if name == "limit" {
                            schema.insert("minimum".into(), 1.into());
                            schema.insert("maximum".into(), 200.into());
                        }
                        // the server refuses a longer query value (params::parse_query)
                        let text = schema.get("type").is_some_and(|t| {
                            t == "string" || t.as_array().is_some_and(|ts| ts.iter().any(|t| t == "string"))
                        });
                        if in_query && text && !schema.contains_key("maxLength") {
                            schema.insert("maxLength".into(), crate::params::MAX_QUERY_VALUE.into());
                        }
                    }
                }
                let has_body = op.get("requestBody").is_some();
                let has_if_match = op
                    .get("parameters")
                    .and_then(|p| p.as_array())
                    .is_some_and(|ps| ps.iter().any(|p| p["name"] == "If-Match"));
                // a read with an ETag answers 304 to a client that has it (edge::not_modified)
                let conditional_read = method == "get" && op["responses"]["200"]["headers"].get("ETag").is_some();
                if conditional_read && let Some(params) = op.get_mut("parameters").and_then(|p| p.as_array_mut()) {
                    params.push(serde_json::json!({
                        "name": "If-None-Match", "in": "header", "required": false,
                        "description": "ETag of the version you hold: 304 when it is still current",
                        "schema": {"type": "string"}
                    }));
                }
                let Some(responses) = op.get_mut("responses").and_then(|r| r.as_object_mut()) else {
                    continue;
                };
                if conditional_read {
                    responses.insert(
                        "304".into(),
                        serde_json::json!({"description": "Not Modified: the ETag sent in If-None-Match is current"}),
                    );
                }
                // OpenAPI requires a description on every response object;
                // strict validators and client generators refuse one without
                for (code, response) in responses.iter_mut() {
                    let Some(r) = response.as_object_mut() else { continue };
                    let missing = r.get("description").and_then(|d| d.as_str()).is_none_or(str::is_empty);
                    if !r.contains_key("$ref") && missing {
                        let reason = code
                            .parse::<u16>()
                            .ok()
                            .and_then(|c| actix_web::http::StatusCode::from_u16(c).ok())
                            .and_then(|c| c.canonical_reason())
                            .unwrap_or("Response");
                        r.insert("description".into(), reason.into());
                    }
                }
                let mut add = |code: &str, name: &str| {
                    responses.entry(code.to_owned()).or_insert_with(|| reference(name));
                };
                add("400", "BadRequest");
                if has_body {
                    add("413", "PayloadTooLarge");
                    add("415", "UnsupportedMediaType");
                    add("422", "Unprocessable");
                }
                if has_if_match {
                    add("412", "PreconditionFailed");
                }
            }
        }
    }
    serde_json::from_value(doc).unwrap_or(spec)
}

fn p_is_path_id(name: &str, schema: &serde_json::Map<String, serde_json::Value>) -> bool {
    (name == "id" || name.ends_with("_id")) && schema.get("type").and_then(|t| t.as_str()) == Some("integer")
}

/// The routes, and the OpenAPI document collected from them.
pub(crate) fn app_parts() -> (
    App<
        impl ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<impl MessageBody>,
            Error = actix_web::Error,
            InitError = (),
        >,
    >,
    utoipa::openapi::OpenApi,
) {
    App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(scope::scope("/api/v1").configure(routes::api_v1))
        .configure(routes::root)
        .split_for_parts()
}

/// The whole document, as served at `/openapi.json` and committed in `openapi/openapi.json`.
pub fn spec() -> utoipa::openapi::OpenApi {
    with_common_responses(app_parts().1)
}

/// The document as served and committed: [`spec`] with the rules utoipa
/// cannot derive written in (`doc_rules`).
pub fn spec_value() -> serde_json::Value {
    tightened(&spec())
}

/// `spec` as served: with the rules of `doc_rules` written in.
pub fn tightened(spec: &utoipa::openapi::OpenApi) -> serde_json::Value {
    let mut doc = serde_json::to_value(spec).unwrap_or_default();
    crate::doc_rules::tighten(&mut doc);
    doc
}

/// The committed form: pretty JSON with a trailing newline.
pub fn spec_json() -> String {
    let mut s = serde_json::to_string_pretty(&spec_value()).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
