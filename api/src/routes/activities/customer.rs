//! A customer's activities: log one (it moves the customer's pool clock),
//! and read them newest first.

use actix_web::{HttpResponse, get, post, web};
use persistence::activities::{self, On};
use persistence::now_utc;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ActivityDto, CreateActivity, to_dto, to_dtos};
use crate::caller::AuthUser;
use crate::error::ApiError;
use crate::extract::{Json, PathId, Query};
use crate::pagination::{self, time_key};
use crate::routes::customers::visible_customer;
use crate::state::AppState;

/// Logs a follow-up on a customer: a call, e-mail, meeting, visit or WeChat
/// moves its `last_contacted_at`, which keeps it out of the pool.
#[utoipa::path(
    tag = "activities",
    request_body = CreateActivity,
    params(("id" = i64, Path, description = "Customer id")),
    responses(
        (status = 201, body = ActivityDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/customers/{id}/activities")]
pub async fn create_customer_activity(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
    body: Json<CreateActivity>,
) -> Result<HttpResponse, ApiError> {
    let new = body.0.into_new();
    let by = user.principal();
    let logged = state
        .write(move |conn| {
            activities::log(conn, &by, On::Customer(id.0), new, now_utc())
                .map_err(|e| ApiError::refused_about(e, "customer"))
        })
        .await?;
    let dto = to_dto(logged.row, logged.companions, logged.task_id)?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/activities/{}", dto.id)))
        .json(dto))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CustomerActivitiesQuery {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityPage {
    pub data: Vec<ActivityDto>,
    pub next_cursor: Option<String>,
}

/// A customer's follow-ups, newest first, keyset-paged.
#[utoipa::path(
    tag = "activities",
    params(("id" = i64, Path, description = "Customer id"), CustomerActivitiesQuery),
    responses(
        (status = 200, body = ActivityPage),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/customers/{id}/activities")]
pub async fn list_customer_activities(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
    query: Query<CustomerActivitiesQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let sort = pagination::Sort {
        field: "occurred_at",
        descending: true,
    };
    let limit = pagination::limit(q.limit)?;
    let after = match pagination::decode_cursor(q.cursor.as_deref(), &sort)? {
        Some(p) => Some((p.time()?, p.id)),
        None => None,
    };
    let (data, next_cursor) = state
        .read(move |conn| {
            visible_customer(conn, &user.principal(), id.0, false)?;
            let rows = activities::of_customer(conn, id.0, after, limit + 1)?;
            let (rows, next) = pagination::finish(rows, limit, &sort, |r| (time_key(r.occurred_at), r.id));
            Ok((to_dtos(conn, rows)?, next))
        })
        .await?;
    Ok(HttpResponse::Ok().json(ActivityPage { data, next_cursor }))
}
