//! Opportunities (商机): deals moving through a pipeline. Moves go through
//! `transitions`, checked by `domain::pipeline::transition`; every accepted
//! move is a stage change with the time spent in the previous stage.

use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use domain::org::Role;
use domain::pipeline::{DealFacts, MoveRequest, Policy, Status, stage_change, transition};
use domain::scope::DataScope;
use persistence::opportunities::{self, NewOpportunityRow, OpportunityChangeset, OpportunityFilter, OpportunityRow};
use persistence::{DbConn, audit, contacts, now_utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::caller::AuthUser;
use crate::error::{ApiError, ErrorCode, FieldError};
use crate::extract::{IfMatch, Json, PathId, Query, double_option, etag};
use crate::pagination;
use crate::routes::activities::{ActivityTarget, log_activity};
use crate::routes::customers::visible as visible_customer;
use crate::routes::scope::scope_of;
use crate::state::AppState;
use persistence::Found;

/// Money in minor units (分 for CNY) and an ISO 4217 currency code.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Money {
    #[validate(range(min = 0))]
    #[schema(example = 12_500_000, minimum = 0)]
    pub amount: i64,
    #[validate(length(equal = 3))]
    #[schema(example = "CNY", min_length = 3, max_length = 3)]
    pub currency: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DealStatus {
    Open,
    Won,
    Lost,
    Invalid,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OpportunityDto {
    pub id: i64,
    pub customer_id: i64,
    pub contact_id: Option<i64>,
    pub pipeline_id: i64,
    pub stage_id: i64,
    #[schema(example = "ERP 二期")]
    pub title: String,
    pub amount: Option<Money>,
    pub expected_close_date: Option<NaiveDate>,
    pub owner_id: i64,
    pub status: DealStatus,
    pub lost_reason: Option<String>,
    /// The stage a lost deal was lost from.
    pub lost_at_stage_id: Option<i64>,
    pub stage_entered_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

fn to_dto(r: OpportunityRow) -> OpportunityDto {
    OpportunityDto {
        amount: r.amount.map(|amount| Money {
            amount,
            currency: r.currency.clone(),
        }),
        status: match r.status.as_str() {
            "won" => DealStatus::Won,
            "lost" => DealStatus::Lost,
            "invalid" => DealStatus::Invalid,
            _ => DealStatus::Open,
        },
        id: r.id,
        customer_id: r.customer_id,
        contact_id: r.contact_id,
        pipeline_id: r.pipeline_id,
        stage_id: r.stage_id,
        title: r.title,
        expected_close_date: r.expected_close_date,
        owner_id: r.owner_id,
        lost_reason: r.lost_reason,
        lost_at_stage_id: r.lost_at_stage_id,
        stage_entered_at: r.stage_entered_at.and_utc(),
        closed_at: r.closed_at.map(|t| t.and_utc()),
        created_at: r.created_at.and_utc(),
        updated_at: r.updated_at.and_utc(),
        version: r.version,
    }
}

fn respond(status: actix_web::http::StatusCode, row: OpportunityRow) -> HttpResponse {
    let dto = to_dto(row);
    let mut res = HttpResponse::build(status);
    res.insert_header(("ETag", etag(dto.version)));
    if status == actix_web::http::StatusCode::CREATED {
        res.insert_header(("Location", format!("/api/v1/opportunities/{}", dto.id)));
    }
    res.json(dto)
}

fn check_money(m: &Money) -> Result<String, ApiError> {
    let c = m.currency.trim().to_ascii_uppercase();
    if c.len() != 3 || !c.chars().all(|ch| ch.is_ascii_uppercase()) {
        return Err(ApiError::invalid_field(
            "amount.currency",
            "currency",
            "a three-letter ISO 4217 code such as CNY",
        ));
    }
    Ok(c)
}

fn check_contact(conn: &mut DbConn, customer_id: i64, contact_id: Option<i64>) -> Result<(), ApiError> {
    if let Some(c) = contact_id {
        let ok = contacts::find_live(conn, c).is_ok_and(|row| row.customer_id == customer_id);
        if !ok {
            return Err(ApiError::invalid_field(
                "contact_id",
                "not_found",
                "not a contact of this customer",
            ));
        }
    }
    Ok(())
}

fn visible(conn: &mut DbConn, scope: &DataScope, id: i64) -> Result<OpportunityRow, ApiError> {
    opportunities::find_visible(conn, id, scope)?.ok_or_else(|| ApiError::not_found("opportunity"))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOpportunity {
    pub customer_id: i64,
    pub contact_id: Option<i64>,
    /// Default: the default pipeline. The deal starts in its first open stage.
    pub pipeline_id: Option<i64>,
    #[validate(length(min = 1, max = 200))]
    #[schema(example = "ERP 二期", min_length = 1, max_length = 200)]
    pub title: String,
    #[validate(nested)]
    pub amount: Option<Money>,
    pub expected_close_date: Option<NaiveDate>,
}

/// Opens a deal on a customer the caller may change; it starts in the
/// pipeline's first stage and belongs to the caller.
#[utoipa::path(
    tag = "opportunities",
    request_body = CreateOpportunity,
    responses(
        (status = 201, body = OpportunityDto, headers(("ETag" = String), ("Location" = String))),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/opportunities")]
pub async fn create_opportunity(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<CreateOpportunity>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let currency = b
        .amount
        .as_ref()
        .map(check_money)
        .transpose()?
        .unwrap_or_else(|| "CNY".into());
    let row = state
        .write(move |conn| {
            let scope = scope_of(conn, &user)?;
            visible_customer(conn, &scope, b.customer_id, true)?;
            check_contact(conn, b.customer_id, b.contact_id)?;
            let pipeline = match b.pipeline_id {
                Some(id) => opportunities::pipeline(conn, id).found()?.ok_or_else(|| {
                    ApiError::invalid_field("pipeline_id", "not_found", format!("there is no pipeline {id}"))
                })?,
                None => opportunities::default_pipeline(conn)?,
            };
            let first = opportunities::stages_of(conn, &[pipeline.id])?
                .into_iter()
                .find(|s| s.kind == "open")
                .ok_or_else(|| ApiError::conflict(ErrorCode::PipelineEmpty, "the pipeline has no open stage"))?;
            let now = now_utc();
            let new = NewOpportunityRow {
                customer_id: b.customer_id,
                contact_id: b.contact_id,
                pipeline_id: pipeline.id,
                stage_id: first.id,
                title: b.title.trim().to_owned(),
                amount: b.amount.as_ref().map(|m| m.amount),
                currency,
                expected_close_date: b.expected_close_date,
                owner_id: user.id,
                stage_entered_at: now.naive_utc(),
                created_at: now.naive_utc(),
                updated_at: now.naive_utc(),
            };
            Ok(opportunities::insert(conn, &new, user.id, now)?)
        })
        .await?;
    Ok(respond(actix_web::http::StatusCode::CREATED, row))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListOpportunitiesQuery {
    pub pipeline_id: Option<i64>,
    pub stage_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub department_id: Option<i64>,
    pub status: Option<DealStatus>,
    /// Expected close date on or after.
    pub closing_from: Option<NaiveDate>,
    /// Expected close date on or before.
    pub closing_to: Option<NaiveDate>,
    /// Minor units.
    pub amount_min: Option<i64>,
    pub amount_max: Option<i64>,
    /// Only open deals older in their stage than its stale-after days.
    pub stale: Option<bool>,
    pub updated_since: Option<DateTime<Utc>>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OpportunityPage {
    pub data: Vec<OpportunityDto>,
    pub next_cursor: Option<String>,
}

/// Lists the deals the caller may see, filtered and keyset-paginated.
#[utoipa::path(
    tag = "opportunities",
    params(ListOpportunitiesQuery),
    responses((status = 200, body = OpportunityPage), (status = 400, response = crate::openapi::BadRequest), (status = 401, response = crate::openapi::Unauthorized)),
    security(("bearer" = []))
)]
#[get("/opportunities")]
pub async fn list_opportunities(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<ListOpportunitiesQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let sort = pagination::Sort {
        field: "id",
        descending: false,
    };
    let limit = pagination::limit(q.limit)?;
    let after = pagination::decode_cursor(q.cursor.as_deref(), &sort)?.map(|p| p.id);
    let stale = q.stale.unwrap_or(false);
    let rows = state
        .read(move |conn| {
            let scope = scope_of(conn, &user)?;
            let now = now_utc();
            let stale_cutoffs = if stale {
                let ps: Vec<i64> = opportunities::pipelines_list(conn)?.iter().map(|p| p.id).collect();
                let cutoffs = opportunities::stages_of(conn, &ps)?
                    .iter()
                    .filter_map(|s| {
                        s.stale_after_days
                            .map(|d| (s.id, (now - chrono::Duration::days(i64::from(d))).naive_utc()))
                    })
                    .collect();
                Some((cutoffs, now.naive_utc()))
            } else {
                None
            };
            let filter = OpportunityFilter {
                pipeline_id: q.pipeline_id,
                stage_id: q.stage_id,
                owner_id: q.owner_id,
                department_id: q.department_id,
                status: q.status.map(|s| format!("{s:?}").to_lowercase()),
                closing_from: q.closing_from,
                closing_to: q.closing_to,
                amount_min: q.amount_min,
                amount_max: q.amount_max,
                stale: stale_cutoffs,
                updated_since: q.updated_since,
            };
            Ok(opportunities::list(conn, &scope, &filter, after, limit + 1)?)
        })
        .await?;
    let (rows, next_cursor) = pagination::finish(rows, limit, &sort, |r| (r.id.into(), r.id));
    Ok(HttpResponse::Ok().json(OpportunityPage {
        data: rows.into_iter().map(to_dto).collect(),
        next_cursor,
    }))
}

/// Reads one deal.
#[utoipa::path(
    tag = "opportunities",
    params(("id" = i64, Path, description = "Opportunity id")),
    responses((status = 200, body = OpportunityDto, headers(("ETag" = String))), (status = 401, response = crate::openapi::Unauthorized), (status = 404, response = crate::openapi::NotFound)),
    security(("bearer" = []))
)]
#[get("/opportunities/{id}")]
pub async fn get_opportunity(state: web::Data<AppState>, user: AuthUser, id: PathId) -> Result<HttpResponse, ApiError> {
    let row = state
        .read(move |conn| {
            let scope = scope_of(conn, &user)?;
            visible(conn, &scope, id.0)
        })
        .await?;
    Ok(respond(actix_web::http::StatusCode::OK, row))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOpportunity {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub contact_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Money>)]
    pub amount: Option<Option<Money>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub expected_close_date: Option<Option<NaiveDate>>,
}

/// Changes a deal's details (not its stage: see transitions). `If-Match` guards concurrent edits.
#[utoipa::path(
    tag = "opportunities",
    request_body = UpdateOpportunity,
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
#[patch("/opportunities/{id}")]
pub async fn update_opportunity(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
    if_match: IfMatch,
    body: Json<UpdateOpportunity>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let currency = match &b.amount {
        Some(Some(m)) => {
            m.validate().map_err(|e| {
                let mut errors = crate::extract::validation_errors(&e);
                errors
                    .iter_mut()
                    .for_each(|fe| fe.field = format!("amount.{}", fe.field));
                ApiError::validation(errors)
            })?;
            Some(check_money(m)?)
        }
        _ => None,
    };
    let row = state
        .write(move |conn| {
            let scope = scope_of(conn, &user)?;
            let deal = visible(conn, &scope, id.0)?;
            if let Some(contact) = b.contact_id {
                check_contact(conn, deal.customer_id, contact)?;
            }
            let changes = OpportunityChangeset {
                title: b.title.map(|t| t.trim().to_owned()),
                contact_id: b.contact_id,
                amount: b.amount.as_ref().map(|m| m.as_ref().map(|m| m.amount)),
                currency,
                expected_close_date: b.expected_close_date,
                ..OpportunityChangeset::default()
            };
            Ok(opportunities::update(conn, id.0, if_match.0, &changes, now_utc())?)
        })
        .await?;
    Ok(respond(actix_web::http::StatusCode::OK, row))
}

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
            let detail =
                json!({"stage_id": [deal.stage_id, b.to_stage_id], "status": [deal.status, after.status]}).to_string();
            audit::record(conn, "opportunity", deal.id, "moved", Some(user.id), &detail, now)?;
            Ok(after)
        })
        .await?;
    Ok(respond(actix_web::http::StatusCode::OK, row))
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
