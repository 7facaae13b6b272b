//! Transfers (客户转移): one customer, a selection, or every customer of a
//! user (a leaving rep) to another user, in one transaction, logged. Nothing is
//! left without an owner; the old owner may stay as a read-only member.

use actix_web::{HttpResponse, post, web};
use domain::org::Role;
use domain::scope::DataScope;
use persistence::Found;
use persistence::{DbConn, customers, now_utc, users};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::caller::AuthUser;
use crate::error::ApiError;
use crate::extract::{Json, PathId};
use crate::routes::customers::write_error;
use crate::routes::scope::scope_of;
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

/// Hands the selected customers to `to` in one set-based operation.
fn move_customers(
    conn: &mut DbConn,
    user: &AuthUser,
    scope: &DataScope,
    selection: customers::Selection,
    to: i64,
    keep: bool,
) -> Result<TransferResult, ApiError> {
    let actor = customers::Actor {
        user_id: user.id,
        scope,
    };
    let done = customers::hand_over(conn, &actor, selection, to, keep, now_utc()).map_err(|e| match e {
        customers::CustomerWriteError::NoSuchOwner(id) => {
            ApiError::invalid_field("to_user_id", "not_found", format!("there is no active user {id}"))
        }
        other => write_error(other),
    })?;
    Ok(TransferResult {
        transferred: done.customer_ids.len(),
        customer_ids: done.customer_ids,
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
    let selection = customers::Selection::Ids(b.customer_ids);
    let result = state
        .write(move |conn| {
            let scope = scope_of(conn, &user)?;
            move_customers(conn, &user, &scope, selection, b.to_user_id, b.keep_previous_owner)
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
            let selection = customers::Selection::OwnedBy(from);
            move_customers(conn, &user, &scope, selection, b.to_user_id, b.keep_previous_owner)
        })
        .await?;
    Ok(HttpResponse::Ok().json(result))
}
