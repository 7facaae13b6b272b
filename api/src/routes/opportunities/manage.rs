//! Opening, listing, reading and changing deals.

use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use persistence::now_utc;
use persistence::opportunities::{self, OpportunityChangeset, OpportunityFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::caller::AuthUser;
use crate::error::ApiError;
use crate::extract::{IfMatch, Json, PathId, Query, double_option};
use crate::pagination;
use crate::state::AppState;

use domain::custom_fields::CustomEntity;

use super::*;

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
    pub amount: Option<Money>,
    pub expected_close_date: Option<NaiveDate>,
    /// Values of the admin's custom fields, by key (`GET /custom-fields?entity=opportunity`).
    #[schema(value_type = Option<HashMap<String, crate::custom::CustomValue>>)]
    pub custom_fields: crate::custom::Input,
}

/// Opens a deal on a customer the caller may change; it starts in the
/// pipeline's first stage and belongs to the caller.
#[utoipa::path(
    tag = "opportunities",
    request_body = CreateOpportunity,
    responses(
        (status = 201, body = OpportunityDto, headers(("ETag" = String), ("Location" = String))),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
        (status = 422, response = crate::responses::Unprocessable),
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
        .map_or_else(|| "CNY".into(), |m| m.currency().as_str().to_owned());
    let new = opportunities::NewDeal {
        customer_id: b.customer_id,
        contact_id: b.contact_id,
        pipeline_id: b.pipeline_id,
        title: b.title.trim().to_owned(),
        amount: b.amount.as_ref().map(Money::amount),
        currency,
        expected_close_date: b.expected_close_date,
    };
    let (by, custom) = (user.principal(), b.custom_fields);
    let view = state
        .write(move |conn| opportunities::create(conn, &by, new, custom.as_ref(), now_utc()).map_err(ApiError::refused))
        .await?;
    respond(actix_web::http::StatusCode::CREATED, (view.row, view.custom_fields))
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
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
    /// A custom field's key, filtered with `custom_eq`, or `custom_from`/`custom_to` (numbers, money in minor units, dates).
    pub custom_field: Option<String>,
    /// Equal to (a select's option; a multi select holding it; `true`/`false`).
    pub custom_eq: Option<String>,
    /// At least (inclusive).
    pub custom_from: Option<String>,
    /// At most (inclusive).
    pub custom_to: Option<String>,
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
    responses((status = 200, body = OpportunityPage), (status = 400, response = crate::responses::BadRequest), (status = 401, response = crate::responses::Unauthorized)),
    security(("bearer" = []))
)]
#[get("/opportunities")]
pub async fn list_opportunities(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<ListOpportunitiesQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(opportunity_page(state, user, query.0).await?))
}

/// One page of the list, for the handler and for exports.
pub(crate) async fn opportunity_page(
    state: web::Data<AppState>,
    user: AuthUser,
    q: ListOpportunitiesQuery,
) -> Result<OpportunityPage, ApiError> {
    let sort = pagination::Sort {
        field: "id",
        descending: false,
    };
    let limit = pagination::limit(q.limit)?;
    let after = pagination::decode_cursor(q.cursor.as_deref(), &sort)?.map(|p| p.id);
    let stale = q.stale.unwrap_or(false);
    let custom_query = crate::custom::CustomFilterQuery {
        custom_field: q.custom_field.clone(),
        custom_eq: q.custom_eq.clone(),
        custom_from: q.custom_from.clone(),
        custom_to: q.custom_to.clone(),
    };
    let (rows, mut custom) = state
        .read(move |conn| {
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
                custom: custom_query.resolve(conn, CustomEntity::Opportunity)?,
            };
            let rows = opportunities::list(conn, &user.principal(), &filter, after, limit + 1)?;
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            let custom = crate::custom::values(conn, CustomEntity::Opportunity, &ids)?;
            Ok((rows, custom))
        })
        .await?;
    let (rows, next_cursor) = pagination::finish(rows, limit, &sort, |r| (r.id.into(), r.id));
    Ok(OpportunityPage {
        data: rows
            .into_iter()
            .map(|r| {
                let custom_fields = custom.remove(&r.id).unwrap_or_default();
                Ok(OpportunityDto {
                    custom_fields,
                    ..to_dto(r)?
                })
            })
            .collect::<Result<_, ApiError>>()?,
        next_cursor,
    })
}

/// Reads one deal.
#[utoipa::path(
    tag = "opportunities",
    params(("id" = i64, Path, description = "Opportunity id")),
    responses((status = 200, body = OpportunityDto, headers(("ETag" = String))), (status = 401, response = crate::responses::Unauthorized), (status = 404, response = crate::responses::NotFound)),
    security(("bearer" = []))
)]
#[get("/opportunities/{id}")]
pub async fn get_opportunity(state: web::Data<AppState>, user: AuthUser, id: PathId) -> Result<HttpResponse, ApiError> {
    let row = state
        .read(move |conn| {
            let row = visible_deal(conn, &user.principal(), id.0)?;
            with_custom(conn, row)
        })
        .await?;
    respond(actix_web::http::StatusCode::OK, row)
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
    /// Custom field values to set (`null` clears one); fields not named stay.
    #[schema(value_type = Option<HashMap<String, crate::custom::CustomValue>>)]
    pub custom_fields: crate::custom::Input,
}

/// Changes a deal's details (not its stage: see transitions). `If-Match` guards concurrent edits.
#[utoipa::path(
    tag = "opportunities",
    request_body = UpdateOpportunity,
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
        Some(Some(m)) => Some(m.currency().as_str().to_owned()),
        _ => None,
    };
    let changes = OpportunityChangeset {
        title: b.title.map(|t| t.trim().to_owned()),
        contact_id: b.contact_id,
        amount: b.amount.as_ref().map(|m| m.as_ref().map(Money::amount)),
        currency,
        expected_close_date: b.expected_close_date,
        ..OpportunityChangeset::default()
    };
    let (by, custom) = (user.principal(), b.custom_fields);
    let view = state
        .write(move |conn| {
            opportunities::edit(conn, &by, id.0, if_match.0, &changes, custom.as_ref(), now_utc())
                .map_err(ApiError::refused)
        })
        .await?;
    let row = (view.row, view.custom_fields);
    respond(actix_web::http::StatusCode::OK, row)
}
