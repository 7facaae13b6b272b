//! Transfers (客户转移): one customer, a selection, or every customer of a
//! user (a leaving rep) to another user, in one transaction, logged. Nothing is
//! left without an owner; the old owner may stay as a read-only member.

use actix_web::{HttpResponse, post, web};
use domain::org::Role;
use domain::scope::DataScope;
use persistence::Found;
use persistence::{DbConn, audit, customers, now_utc, users};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use validator::Validate;

use crate::caller::AuthUser;
use crate::error::ApiError;
use crate::extract::{Json, PathId};
use crate::routes::customers::visible;
use crate::routes::scope::{check_assignable, scope_of};
use crate::state::AppState;

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferCustomers {
    #[validate(length(min = 1, max = 1000))]
    #[schema(min_items = 1, max_items = 1000)]
    pub customer_ids: Vec<i64>,
    pub to_user_id: i64,
    /// Keep each old owner as a read-only team member (default false).
    #[serde(default)]
    pub keep_previous_owner: bool,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferAll {
    pub to_user_id: i64,
    #[serde(default)]
    pub keep_previous_owner: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TransferResult {
    /// Customers that changed owner.
    pub transferred: usize,
    pub customer_ids: Vec<i64>,
    pub to_user_id: i64,
}

fn require_manager(user: &AuthUser) -> Result<(), ApiError> {
    if user.role == Role::Rep {
        Err(ApiError::forbidden("only managers and admins transfer customers"))
    } else {
        Ok(())
    }
}

/// Moves the given customers to `to`, each logged; all or nothing.
fn move_customers(
    conn: &mut DbConn,
    user: &AuthUser,
    scope: &DataScope,
    ids: &[i64],
    to: i64,
    keep: bool,
) -> Result<TransferResult, ApiError> {
    check_assignable(conn, scope, to, "to_user_id")?;
    let now = now_utc();
    let mut moved = Vec::new();
    for &id in ids {
        visible(conn, scope, id, true)?;
        let old = customers::transfer(conn, id, to, keep, now)?;
        if old != Some(to) {
            let detail = json!({"owner_id": [old, to]}).to_string();
            audit::record(conn, "customer", id, "transferred", Some(user.id), &detail, now)?;
            moved.push(id);
        }
    }
    Ok(TransferResult {
        transferred: moved.len(),
        customer_ids: moved,
        to_user_id: to,
    })
}

/// Transfers a selection of customers to another user (managers within their subtree, admins).
#[utoipa::path(
    tag = "customers",
    request_body = TransferCustomers,
    responses(
        (status = 200, body = TransferResult),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/customers/transfer")]
pub async fn transfer_customers(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<TransferCustomers>,
) -> Result<HttpResponse, ApiError> {
    require_manager(&user)?;
    let b = body.0;
    let mut ids = b.customer_ids;
    ids.sort_unstable();
    ids.dedup();
    let result = state
        .write(move |conn| {
            let scope = scope_of(conn, &user)?;
            move_customers(conn, &user, &scope, &ids, b.to_user_id, b.keep_previous_owner)
        })
        .await?;
    Ok(HttpResponse::Ok().json(result))
}

/// Transfers every customer of a user, typically one who is leaving, so that
/// none is left without an owner; then the user can be deactivated.
#[utoipa::path(
    tag = "users",
    request_body = TransferAll,
    params(("id" = i64, Path, description = "The user whose customers move")),
    responses(
        (status = 200, body = TransferResult),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/users/{id}/transfer-customers")]
pub async fn transfer_user_customers(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
    body: Json<TransferAll>,
) -> Result<HttpResponse, ApiError> {
    require_manager(&user)?;
    let b = body.0;
    let from = id.0;
    let result = state
        .write(move |conn| {
            let scope = scope_of(conn, &user)?;
            let source = users::find(conn, from)
                .found()?
                .ok_or_else(|| ApiError::not_found("user"))?;
            if let DataScope::Departments { departments, .. } = &scope
                && !source.department_id.is_some_and(|d| departments.contains(&d))
            {
                return Err(ApiError::not_found("user"));
            }
            if from == b.to_user_id {
                return Err(ApiError::invalid_field(
                    "to_user_id",
                    "same_user",
                    "choose another user",
                ));
            }
            let ids = customers::owned_ids(conn, from)?;
            move_customers(conn, &user, &scope, &ids, b.to_user_id, b.keep_previous_owner)
        })
        .await?;
    Ok(HttpResponse::Ok().json(result))
}
