//! Opportunities (商机): deals moving through a pipeline. Moves go through
//! `transitions`, checked by `domain::pipeline::transition`; every accepted
//! move is a stage change with the time spent in the previous stage.

use actix_web::HttpResponse;
use chrono::{DateTime, NaiveDate, Utc};
use domain::money::Money;
use persistence::DbConn;
use persistence::opportunities::{self, OpportunityRow};
use persistence::scope::Reach;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::extract::etag;

mod activities;
mod checkpoints;
mod coaching;
mod committee;
mod judgement;
mod manage;
mod milestones;
mod stages;

pub use activities::*;
pub use checkpoints::*;
pub use coaching::*;
pub use committee::*;
pub use judgement::*;
pub use manage::*;
pub use milestones::*;
pub use stages::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DealStatus {
    Open,
    Won,
    Lost,
    Invalid,
}

crate::words::same_words!(DealStatus, domain::vocabulary::DealStatus, [Open, Won, Lost, Invalid]);

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
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
    /// The competitor a lost deal was lost to.
    pub lost_to_competitor_id: Option<i64>,
    pub stage_entered_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// The rep's own win probability in percent; `null`: the stage's applies
    /// (`PUT /opportunities/{id}/judgement`).
    pub rep_probability: Option<i32>,
    /// Where the deal counts in the forecast: the rep's choice while open
    /// (default `pipeline`), `closed` once won, `omitted` once lost.
    pub forecast_category: domain::vocabulary::ForecastCategory,
    /// The admin's custom fields that have a value, by key.
    #[schema(value_type = HashMap<String, crate::custom::CustomValue>)]
    pub custom_fields: serde_json::Map<String, serde_json::Value>,
}

/// Fails only when the stored status is not a known one.
fn to_dto(r: OpportunityRow) -> Result<OpportunityDto, ApiError> {
    let status = crate::words::stored::<domain::vocabulary::DealStatus>(&r.status)?;
    let chosen = r.forecast_category.as_deref().map(crate::words::stored).transpose()?;
    Ok(OpportunityDto {
        rep_probability: r.rep_probability,
        forecast_category: domain::pipeline::judgement::category_of(status, chosen),
        amount: r.amount.map(|amount| Money::stored(amount, r.currency.clone())),
        status: status.into(),
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
        lost_to_competitor_id: r.lost_to_competitor_id,
        stage_entered_at: r.stage_entered_at.and_utc(),
        closed_at: r.closed_at.map(|t| t.and_utc()),
        created_at: r.created_at.and_utc(),
        updated_at: r.updated_at.and_utc(),
        version: r.version,
        custom_fields: serde_json::Map::new(),
    })
}

/// A deal with its custom field values, read in the same database call.
type WithCustom = (OpportunityRow, serde_json::Map<String, serde_json::Value>);

fn with_custom(conn: &mut persistence::DbConn, row: OpportunityRow) -> Result<WithCustom, ApiError> {
    let custom = crate::custom::values_of(conn, domain::custom_fields::CustomEntity::Opportunity, row.id)?;
    Ok((row, custom))
}

fn respond(status: actix_web::http::StatusCode, (row, custom_fields): WithCustom) -> Result<HttpResponse, ApiError> {
    let dto = OpportunityDto {
        custom_fields,
        ..to_dto(row)?
    };
    let mut res = HttpResponse::build(status);
    res.insert_header(("ETag", etag(dto.version)));
    if status == actix_web::http::StatusCode::CREATED {
        res.insert_header(("Location", format!("/api/v1/opportunities/{}", dto.id)));
    }
    Ok(res.json(dto))
}

fn visible_deal(conn: &mut DbConn, by: &impl Reach, id: i64) -> Result<OpportunityRow, ApiError> {
    opportunities::find_visible(conn, id, by)?.ok_or_else(|| ApiError::not_found("opportunity"))
}
