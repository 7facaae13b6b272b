//! Transfers (客户转移): one customer, a selection, or every customer of a
//! user (a leaving rep) to another user, in one transaction, logged. Nothing is
//! left without an owner; the old owner may stay as a read-only member.

use actix_web::{HttpResponse, post, web};
use domain::org::Role;
use domain::vocabulary::FieldCode;
use persistence::{DbConn, customers, now_utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::caller::AuthUser;
use crate::error::ApiError;
use crate::extract::{Json, PathId};
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
    /// Customers of the leaver to put back in the pool instead of handing them over.
    #[serde(default)]
    #[validate(length(max = 10000))]
    #[schema(max_items = 10000)]
    pub release_customer_ids: Vec<i64>,
    /// Why they go back to the pool (required with `release_customer_ids`).
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub release_reason: Option<String>,
}

/// Everything a leaving user held, and where it went.
#[derive(Debug, Serialize, ToSchema)]
pub struct HandOverResult {
    /// Customers that changed owner.
    pub transferred: usize,
    pub customer_ids: Vec<i64>,
    /// Customers put back in the pool.
    pub released_customer_ids: Vec<i64>,
    /// Open leads that changed owner.
    pub lead_ids: Vec<i64>,
    /// Open deals that changed owner, also those on customers someone else owns.
    pub opportunity_ids: Vec<i64>,
    pub to_user_id: i64,
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
    selection: customers::Selection,
    to: i64,
    keep: bool,
) -> Result<TransferResult, ApiError> {
    let done = customers::hand_over(conn, &user.principal(), selection, to, keep, now_utc()).map_err(|e| match e {
        customers::CustomerWriteError::NoSuchOwner(id) => ApiError::invalid_field(
            "to_user_id",
            FieldCode::NotFound,
            format!("there is no active user {id}"),
        ),
        other => ApiError::refused(other),
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
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
        (status = 422, response = crate::responses::Unprocessable),
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
        .write(move |conn| move_customers(conn, &user, selection, b.to_user_id, b.keep_previous_owner))
        .await?;
    Ok(HttpResponse::Ok().json(result))
}

/// Hands over everything a user holds, typically one who is leaving: their
/// customers (or, those chosen, back to the pool), open leads and open
/// deals, in one transaction; then the user can be deactivated.
#[utoipa::path(
    tag = "users",
    request_body = TransferAll,
    params(("id" = i64, Path, description = "The user whose customers move")),
    responses(
        (status = 200, body = HandOverResult),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
        (status = 422, response = crate::responses::Unprocessable),
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
    let reason = b
        .release_reason
        .as_deref()
        .map(str::trim)
        .unwrap_or_default()
        .to_owned();
    if !b.release_customer_ids.is_empty() && reason.is_empty() {
        return Err(ApiError::invalid_field(
            "release_reason",
            FieldCode::DependsOn,
            "say why the customers go back to the pool",
        ));
    }
    let leaving = customers::Leaving {
        from,
        to: b.to_user_id,
        keep_previous: b.keep_previous_owner,
        release: b.release_customer_ids,
        release_reason: reason,
    };
    let by = user.principal();
    let result = state
        .write(move |conn| {
            let done = customers::hand_over_all(conn, &by, &leaving, now_utc()).map_err(|e| match e {
                customers::CustomerWriteError::NoSuchOwner(id) => ApiError::invalid_field(
                    "to_user_id",
                    FieldCode::NotFound,
                    format!("there is no active user {id}"),
                ),
                customers::CustomerWriteError::NotOwned(id) => ApiError::invalid_field(
                    "release_customer_ids",
                    FieldCode::NotOwned,
                    format!("customer {id} is not one of this user's live customers"),
                ),
                other => ApiError::refused(other),
            })?;
            Ok(HandOverResult {
                transferred: done.customer_ids.len(),
                customer_ids: done.customer_ids,
                released_customer_ids: done.released_ids,
                lead_ids: done.lead_ids,
                opportunity_ids: done.opportunity_ids,
                to_user_id: leaving.to,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(result))
}
