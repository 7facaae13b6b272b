//! Follow-ups on a lead: logging one marks first contact.

use actix_web::{HttpResponse, get, post, web};
use persistence::activities::{self, On};
use persistence::now_utc;

use crate::caller::AuthUser;
use crate::error::ApiError;
use crate::extract::{Json, PathId};
use crate::state::AppState;

use super::*;
use crate::routes::activities::{ActivityDto, CreateActivity, to_dto, to_dtos};

/// Logs a follow-up on a lead. A call, e-mail, meeting, visit or WeChat is first
/// contact: it sets `first_contacted_at` and moves a new lead to `contacted`;
/// on a converted lead it also moves its customer's `last_contacted_at`.
#[utoipa::path(
    tag = "leads",
    request_body = CreateActivity,
    params(("id" = i64, Path, description = "Lead id")),
    responses(
        (status = 201, body = ActivityDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/leads/{id}/activities")]
pub async fn create_lead_activity(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
    body: Json<CreateActivity>,
) -> Result<HttpResponse, ApiError> {
    let new = body.0.into_new();
    let by = user.principal();
    let logged = state
        .write(move |conn| {
            activities::log(conn, &by, On::Lead(id.0), new, now_utc()).map_err(|e| ApiError::refused_about(e, "lead"))
        })
        .await?;
    let activity = to_dto(logged.row, logged.companions, logged.task_id)?;
    Ok(HttpResponse::Created().json(activity))
}

/// A lead's follow-ups, oldest first.
#[utoipa::path(
    tag = "leads",
    params(("id" = i64, Path, description = "Lead id")),
    responses(
        (status = 200, body = Vec<ActivityDto>),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/leads/{id}/activities")]
pub async fn list_lead_activities(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let list = state
        .read(move |conn| {
            visible_lead(conn, &user.principal(), id.0)?;
            let rows = activities::activities_of_lead(conn, id.0)?;
            to_dtos(conn, rows)
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
}
