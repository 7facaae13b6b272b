//! The recycle bin and merges: delete, restore, merge a duplicate in, and
//! the audit trail that records them.

use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use domain::vocabulary::FieldCode;
use persistence::customers;
use persistence::{audit, now_utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::caller::{Acting, scope};
use crate::error::ApiError;
use crate::extract::{IfMatch, Json, PathId};
use crate::state::AppState;

use super::*;

/// Moves a customer to the recycle bin (soft delete); `restore` brings it back.
#[utoipa::path(
    tag = "customers",
    params(
        ("id" = i64, Path, description = "Customer id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read")
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
        (status = 412, response = crate::responses::PreconditionFailed),
    ),
    security(("bearer" = []), ("api_key" = ["customers:write"]))
)]
#[delete("/customers/{id}")]
pub async fn delete_customer(
    state: web::Data<AppState>,
    Acting(user, _): Acting<scope::CustomersWrite>,
    id: PathId,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    state
        .write(move |conn| {
            customers::delete(conn, &user.principal(), id.0, if_match.0, now_utc()).map_err(ApiError::refused)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Restores a deleted customer, unless another live customer took its name meanwhile (409).
#[utoipa::path(
    tag = "customers",
    params(("id" = i64, Path, description = "Customer id")),
    responses(
        (status = 200, body = CustomerDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
        (status = 409, response = crate::responses::Conflict),
    ),
    security(("bearer" = []), ("api_key" = ["customers:write"]))
)]
#[post("/customers/{id}/restore")]
pub async fn restore_customer(
    state: web::Data<AppState>,
    Acting(user, _): Acting<scope::CustomersWrite>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let stored = state
        .write(move |conn| {
            customers::restore(conn, &user.principal(), id.0, now_utc())
                .map_err(|e| match e {
                    customers::CustomerWriteError::NotFound => ApiError::not_found("deleted customer"),
                    customers::CustomerWriteError::ReadOnly => ApiError::forbidden("you may not restore this customer"),
                    other => ApiError::refused(other),
                })
                .and_then(|s| stored_answer(conn, s))
        })
        .await?;
    Ok(respond(stored))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeCustomer {
    /// The duplicate to fold into this customer; it is deleted and remembers `merged_into`.
    pub from_customer_id: i64,
}

/// Merges a duplicate customer into this one (admin), in one transaction:
/// contacts and tags move to the survivor, which also takes the duplicate's
/// credit code, phone and e-mail where it has none.
#[utoipa::path(
    tag = "customers",
    request_body = MergeCustomer,
    params(("id" = i64, Path, description = "The surviving customer")),
    responses(
        (status = 200, body = CustomerDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/customers/{id}/merge")]
pub async fn merge_customer(
    state: web::Data<AppState>,
    admin: crate::caller::AdminUser,
    id: PathId,
    body: Json<MergeCustomer>,
) -> Result<HttpResponse, ApiError> {
    let from = body.0.from_customer_id;
    if from == id.0 {
        return Err(ApiError::invalid_field(
            "from_customer_id",
            FieldCode::Relation,
            "a customer cannot merge into itself",
        ));
    }
    let stored = state
        .write(move |conn| {
            let s = customers::merge_into(conn, admin.0.id, id.0, from, now_utc()).map_err(ApiError::refused)?;
            stored_answer(conn, s)
        })
        .await?;
    Ok(respond(stored))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEvent {
    pub id: i64,
    /// `created`, `updated`, `transferred`, `shared`, `unshared`, `deleted`, `restored`, `merged`, `merged_into`.
    pub action: String,
    pub actor_id: Option<i64>,
    /// What changed: `{"field": [before, after]}` or the facts of the action.
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    pub at: DateTime<Utc>,
}

/// The change history of a customer: owner, name, grade and status changes, who and when.
#[utoipa::path(
    tag = "customers",
    params(("id" = i64, Path, description = "Customer id")),
    responses(
        (status = 200, body = Vec<AuditEvent>),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
    ),
    security(("bearer" = []), ("api_key" = ["customers:read"]))
)]
#[get("/customers/{id}/audit")]
pub async fn list_customer_audit(
    state: web::Data<AppState>,
    Acting(user, _): Acting<scope::CustomersRead>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let events = state
        .read(move |conn| {
            visible_customer(conn, &user.principal(), id.0, false)?;
            Ok(audit::for_entity(conn, "customer", id.0)?)
        })
        .await?;
    let list: Vec<AuditEvent> = events
        .into_iter()
        .map(|e| AuditEvent {
            id: e.id,
            action: e.action,
            actor_id: e.actor_id,
            detail: serde_json::from_str(&e.detail).unwrap_or(serde_json::Value::Null),
            at: e.at.and_utc(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(list))
}
