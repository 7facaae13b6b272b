//! The rep's judgement of a deal (签单可能性): their own win probability and
//! forecast category, each change kept with who, when and why
//! (`domain::pipeline::judgement`).

use actix_web::{HttpResponse, get, put, web};
use chrono::{DateTime, Utc};
use domain::pipeline::judgement::Judgement;
use domain::vocabulary::ForecastCategory;
use persistence::now_utc;
use persistence::opportunities::{self, JudgementRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::respond;
use crate::caller::AuthUser;
use crate::error::ApiError;
use crate::extract::{IfMatch, Json, PathId};
use crate::state::AppState;

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JudgeOpportunity {
    /// The rep's win probability in percent; `null` lets the stage's apply.
    #[schema(minimum = 0, maximum = 100, example = 60)]
    pub probability: Option<i32>,
    /// Where the deal counts in the forecast; `closed` is set by winning only.
    pub category: ForecastCategory,
    /// Why: kept with the change for the manager to read.
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500, example = "客户预算已批，下周见决策人")]
    pub reason: String,
}

/// Sets the rep's probability and forecast category of an open deal. The
/// forecast weighs every deal by its stage and, beside it, by this.
/// `If-Match` guards concurrent edits.
#[utoipa::path(
    tag = "opportunities",
    request_body = JudgeOpportunity,
    params(("id" = i64, Path, description = "Opportunity id"), ("If-Match" = Option<String>, Header, description = "ETag of the version you read")),
    responses(
        (status = 200, body = super::OpportunityDto, headers(("ETag" = String))),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
        (status = 409, response = crate::responses::Conflict),
        (status = 412, response = crate::responses::PreconditionFailed),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[put("/opportunities/{id}/judgement")]
pub async fn judge_opportunity(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
    if_match: IfMatch,
    body: Json<JudgeOpportunity>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let j = Judgement {
        probability: b.probability,
        category: b.category,
    };
    let by = user.principal();
    let view = state
        .write(move |conn| {
            opportunities::judge(conn, &by, id.0, if_match.0, j, b.reason.trim(), now_utc()).map_err(ApiError::refused)
        })
        .await?;
    respond(actix_web::http::StatusCode::OK, (view.row, view.custom_fields))
}

/// One change of a deal's judgement.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct JudgementDto {
    pub id: i64,
    pub changed_by: i64,
    pub changed_at: DateTime<Utc>,
    /// The rep's probability before and after (`null`: the stage's).
    pub probability_before: Option<i32>,
    pub probability: Option<i32>,
    pub category_before: ForecastCategory,
    pub category: ForecastCategory,
    pub reason: String,
}

fn to_dto(r: JudgementRow) -> Result<JudgementDto, ApiError> {
    Ok(JudgementDto {
        id: r.id,
        changed_by: r.changed_by,
        changed_at: r.changed_at.and_utc(),
        probability_before: r.probability_before,
        probability: r.probability,
        category_before: r
            .category_before
            .as_deref()
            .map_or(Ok(ForecastCategory::Pipeline), crate::words::stored)?,
        category: crate::words::stored(&r.category)?,
        reason: r.reason,
    })
}

/// Every change of a deal's judgement, oldest first, with who, when and why.
#[utoipa::path(
    tag = "opportunities",
    params(("id" = i64, Path, description = "Opportunity id")),
    responses(
        (status = 200, body = Vec<JudgementDto>),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/opportunities/{id}/judgements")]
pub async fn opportunity_judgements(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let by = user.principal();
    let rows = state
        .read(move |conn| opportunities::judgements(conn, &by, id.0).map_err(ApiError::refused))
        .await?;
    let data: Vec<JudgementDto> = rows.into_iter().map(to_dto).collect::<Result<_, _>>()?;
    Ok(HttpResponse::Ok().json(data))
}
