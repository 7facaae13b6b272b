//! Moving a deal between stages, and its stage history.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use domain::org::Role;
use domain::pipeline::{DealFacts, MoveRequest, Policy, Status, stage_change, transition};
use persistence::opportunities::{self, OpportunityChangeset};
use persistence::{audit, now_utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use validator::Validate;

use crate::caller::AuthUser;
use crate::error::{ApiError, FieldError};
use crate::extract::{IfMatch, Json, PathId};
use crate::routes::scope::scope_of;
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
}

/// Moves a deal to another stage of its pipeline. A refused move is 422 listing
/// every unmet requirement; `If-Match` makes a concurrent move 412.
#[utoipa::path(
    tag = "opportunities",
    request_body = Transition,
    params(("id" = i64, Path, description = "Opportunity id"), ("If-Match" = Option<String>, Header, description = "ETag of the version you read")),
    responses(
        (status = 200, body = OpportunityDto, headers(("ETag" = String))),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
        (status = 412, response = crate::openapi::PreconditionFailed),
        (status = 422, response = crate::openapi::Unprocessable),
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
    let row = state
        .write(move |conn| {
            let scope = scope_of(conn, &user)?;
            opportunities::lock(conn, id.0)?;
            let deal = visible(conn, &scope, id.0)?;
            if if_match.0.is_some_and(|v| v != deal.version) {
                return Err(ApiError::stale());
            }
            let pipeline = opportunities::pipeline(conn, deal.pipeline_id)?;
            let stages = opportunities::stages_of(conn, &[deal.pipeline_id])?;
            let rules: Vec<_> = stages.iter().map(|s| s.rule()).collect();
            let facts = DealFacts {
                stage_id: deal.stage_id,
                amount: deal.amount,
                has_expected_close_date: deal.expected_close_date.is_some(),
                has_contact: deal.contact_id.is_some(),
            };
            let req = MoveRequest {
                to_stage: b.to_stage_id,
                lost_reason: b.lost_reason.as_deref(),
                by_manager: user.role != Role::Rep,
            };
            let policy = Policy {
                allow_skip: pipeline.allow_skip,
                allow_back: pipeline.allow_back,
            };
            let status = transition(&rules, policy, &facts, &req).map_err(|errors| {
                ApiError::validation(
                    errors
                        .iter()
                        .map(|e| FieldError::new(e.field(), "transition", e.to_string()))
                        .collect(),
                )
            })?;
            let now = now_utc();
            let closed = matches!(status, Status::Won | Status::Lost);
            let changes = OpportunityChangeset {
                stage_id: Some(b.to_stage_id),
                status: Some(
                    match status {
                        Status::Open => "open",
                        Status::Won => "won",
                        Status::Lost => "lost",
                    }
                    .to_owned(),
                ),
                lost_reason: Some(b.lost_reason.clone().filter(|_| status == Status::Lost)),
                lost_at_stage_id: Some((status == Status::Lost).then_some(deal.stage_id)),
                stage_entered_at: Some(now.naive_utc()),
                closed_at: Some(closed.then(|| now.naive_utc())),
                ..OpportunityChangeset::default()
            };
            let after = opportunities::update(conn, deal.id, Some(deal.version), &changes, now)?;
            let change = stage_change(
                Some((deal.stage_id, deal.stage_entered_at.and_utc())),
                b.to_stage_id,
                now,
            );
            opportunities::record_change(conn, deal.id, &change, user.id)?;
            if status == Status::Won {
                persistence::customers::mark_dealt(conn, deal.customer_id, now)?;
            }
            let detail =
                json!({"stage_id": [deal.stage_id, b.to_stage_id], "status": [deal.status, after.status]}).to_string();
            audit::record(conn, "opportunity", deal.id, "moved", Some(user.id), &detail, now)?;
            Ok(after)
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
    responses((status = 200, body = Vec<StageChangeDto>), (status = 401, response = crate::openapi::Unauthorized), (status = 404, response = crate::openapi::NotFound)),
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
            let scope = scope_of(conn, &user)?;
            visible(conn, &scope, id.0)?;
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
