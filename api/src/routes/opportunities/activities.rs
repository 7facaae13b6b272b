//! Follow-ups on a deal.

use actix_web::{HttpResponse, get, post, web};
use persistence::now_utc;

use crate::caller::AuthUser;
use crate::error::ApiError;
use crate::extract::{Json, PathId};
use crate::routes::activities::{ActivityTarget, log_activity};
use crate::routes::scope::scope_of;
use crate::state::AppState;

use super::*;

/// Logs a follow-up on a deal (it also counts as contact with the customer).
/// Recent activity or a scheduled next step keeps a deal from going stale.
#[utoipa::path(
    tag = "opportunities",
    request_body = crate::routes::activities::CreateActivity,
    params(("id" = i64, Path, description = "Opportunity id")),
    responses(
        (status = 201, body = crate::routes::activities::ActivityDto),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/opportunities/{id}/activities")]
pub async fn create_opportunity_activity(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
    body: Json<crate::routes::activities::CreateActivity>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let row = state
        .write(move |conn| {
            let scope = scope_of(conn, &user)?;
            let deal = visible(conn, &scope, id.0)?;
            let now = now_utc();
            let target = ActivityTarget {
                lead_id: None,
                customer_id: Some(deal.customer_id),
                opportunity_id: Some(deal.id),
            };
            let (row, occurred) = log_activity(conn, b, target, user.id, now)?;
            if domain::leads::is_contact(&row.kind) {
                persistence::leads::touch_customer_contact(conn, deal.customer_id, occurred.naive_utc())?;
            }
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(crate::routes::activities::ActivityDto::from(row)))
}

/// A deal's follow-ups, oldest first.
#[utoipa::path(
    tag = "opportunities",
    params(("id" = i64, Path, description = "Opportunity id")),
    responses(
        (status = 200, body = Vec<crate::routes::activities::ActivityDto>),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/opportunities/{id}/activities")]
pub async fn list_opportunity_activities(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let rows = state
        .read(move |conn| {
            let scope = scope_of(conn, &user)?;
            visible(conn, &scope, id.0)?;
            Ok(persistence::leads::activities_of_opportunity(conn, id.0)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(
        rows.into_iter()
            .map(crate::routes::activities::ActivityDto::from)
            .collect::<Vec<_>>(),
    ))
}
