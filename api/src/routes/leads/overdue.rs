//! Reassigning leads whose first contact is overdue.

use actix_web::{HttpResponse, post, web};
use domain::org::Role;
use persistence::leads;
use persistence::now_utc;
use serde::Serialize;
use utoipa::ToSchema;

use crate::caller::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct Reassigned {
    /// Overdue leads given to another rep.
    pub reassigned: Vec<i64>,
    /// Overdue leads nobody else could take (left with their owner).
    pub kept: Vec<i64>,
}

/// Reassigns overdue leads now (managers within their subtree, admins).
#[utoipa::path(
    tag = "leads",
    responses(
        (status = 200, body = Reassigned),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
    ),
    security(("bearer" = []))
)]
#[post("/leads/reassign-overdue")]
pub async fn reassign_overdue(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    if user.role == Role::Rep {
        return Err(ApiError::forbidden("only managers and admins reassign leads"));
    }
    let sla = state.limits.first_contact_sla;
    let result = state
        .write(move |conn| {
            Ok(leads::reassign_overdue(
                conn,
                &user.principal(),
                Some(user.id),
                sla,
                now_utc(),
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Reassigned {
        reassigned: result.reassigned,
        kept: result.kept,
    }))
}
