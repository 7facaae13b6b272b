//! Moving a deal between stages, and its stage history.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use domain::org::Role;
use persistence::now_utc;
use persistence::opportunities;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::caller::AuthUser;
use crate::error::ApiError;
use crate::extract::{IfMatch, Json, PathId};
use crate::state::AppState;

use super::*;

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    pub to_stage_id: i64,
    /// Required when moving to the lost stage.
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub lost_reason: Option<String>,
    /// With a move to the lost stage: the competitor the deal was lost to
    /// (put in play on the deal if it was not).
    pub lost_to_competitor_id: Option<i64>,
}

/// Moves a deal to another stage of its pipeline. A refused move is 422 listing
/// every unmet requirement; `If-Match` makes a concurrent move 412.
#[utoipa::path(
    tag = "opportunities",
    request_body = Transition,
    params(("id" = i64, Path, description = "Opportunity id"), ("If-Match" = Option<String>, Header, description = "ETag of the version you read")),
    responses(
        (status = 200, body = OpportunityDto, headers(("ETag" = String))),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
        (status = 412, response = crate::responses::PreconditionFailed),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/opportunities/{id}/transitions")]
pub async fn transition_opportunity(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
    if_match: IfMatch,
    body: Json<Transition>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let m = opportunities::Move {
        to_stage: b.to_stage_id,
        lost_reason: b.lost_reason,
        by_manager: user.role != Role::Rep,
        lost_to: b.lost_to_competitor_id,
    };
    let row = state
        .write(move |conn| {
            opportunities::move_stage(conn, &user.principal(), user.id, id.0, if_match.0, &m, now_utc())
                .map_err(ApiError::refused)
                .and_then(|row| with_custom(conn, row))
        })
        .await?;
    respond(actix_web::http::StatusCode::OK, row)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StageChangeDto {
    pub from_stage_id: Option<i64>,
    pub to_stage_id: i64,
    pub changed_by: Option<i64>,
    pub changed_at: DateTime<Utc>,
    /// Seconds the deal spent in `from_stage_id`.
    pub seconds_in_from: i64,
}

/// Every stage change of a deal, oldest first, with the time spent in each stage.
#[utoipa::path(
    tag = "opportunities",
    params(("id" = i64, Path, description = "Opportunity id")),
    responses((status = 200, body = Vec<StageChangeDto>), (status = 401, response = crate::responses::Unauthorized), (status = 404, response = crate::responses::NotFound)),
    security(("bearer" = []))
)]
#[get("/opportunities/{id}/history")]
pub async fn opportunity_history(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let rows = state
        .read(move |conn| {
            visible_deal(conn, &user.principal(), id.0)?;
            Ok(opportunities::history(conn, id.0)?)
        })
        .await?;
    let list: Vec<StageChangeDto> = rows
        .into_iter()
        .map(|c| StageChangeDto {
            from_stage_id: c.from_stage_id,
            to_stage_id: c.to_stage_id,
            changed_by: c.changed_by,
            changed_at: c.changed_at.and_utc(),
            seconds_in_from: c.seconds_in_from,
        })
        .collect();
    Ok(HttpResponse::Ok().json(list))
}
