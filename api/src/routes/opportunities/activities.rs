//! Follow-ups on a deal.

use actix_web::{HttpResponse, get, post, web};
use persistence::now_utc;

use crate::caller::AuthUser;
use crate::error::ApiError;
use crate::extract::{Json, PathId};
use crate::routes::activities::{to_dto, to_dtos};
use crate::state::AppState;
use persistence::activities::{self, On};

use super::*;

/// Logs a follow-up on a deal (it also counts as contact with the customer).
/// Recent activity or a scheduled next step keeps a deal from going stale.
#[utoipa::path(
    tag = "opportunities",
    request_body = crate::routes::activities::CreateActivity,
    params(("id" = i64, Path, description = "Opportunity id")),
    responses(
        (status = 201, body = crate::routes::activities::ActivityDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
        (status = 422, response = crate::responses::Unprocessable),
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
    let new = body.0.into_new();
    let by = user.principal();
    let logged = state
        .write(move |conn| {
            activities::log(conn, &by, On::Deal(id.0), new, now_utc())
                .map_err(|e| ApiError::refused_about(e, "opportunity"))
        })
        .await?;
    let dto = to_dto(logged.row, logged.companions, logged.task_id)?;
    Ok(HttpResponse::Created().json(dto))
}

/// A deal's follow-ups, oldest first.
#[utoipa::path(
    tag = "opportunities",
    params(("id" = i64, Path, description = "Opportunity id")),
    responses(
        (status = 200, body = Vec<crate::routes::activities::ActivityDto>),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
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
            visible_deal(conn, &user.principal(), id.0)?;
            let rows = activities::activities_of_opportunity(conn, id.0)?;
            to_dtos(conn, rows)
        })
        .await?;
    Ok(HttpResponse::Ok().json(rows))
}
