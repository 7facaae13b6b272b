//! Contracts (合同), payment plans and payments (回款): DTOs, the mapping of
//! refusals, and the organisation's contract settings. Each write is one
//! `persistence::contracts` operation.

use actix_web::{HttpResponse, get, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use domain::contracts::ContractPolicy;
use domain::vocabulary::FieldCode;
use persistence::contracts::{self, ContractRow, PaymentRow, PlanState};
use persistence::now_utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::caller::{AdminUser, AuthUser};
use crate::error::{ApiError, FieldError};
use crate::extract::{Json, etag};
use crate::state::AppState;
use domain::money::Money;

mod collections;
mod manage;
mod read;

pub use collections::*;
pub use manage::*;
pub use read::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContractStatus {
    Draft,
    PendingApproval,
    Approved,
    Rejected,
    Cancelled,
}

crate::words::same_words!(
    ContractStatus,
    domain::vocabulary::ContractStatus,
    [Draft, PendingApproval, Approved, Rejected, Cancelled]
);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    Pending,
    Partial,
    Paid,
    Overdue,
    Void,
}

crate::words::same_words!(
    PlanStatus,
    domain::vocabulary::PlanStatus,
    [Pending, Partial, Paid, Overdue, Void]
);

#[derive(Debug, Serialize, ToSchema)]
pub struct ContractDto {
    pub id: i64,
    pub number: String,
    pub customer_id: i64,
    pub opportunity_id: Option<i64>,
    pub title: String,
    pub amount: Money,
    pub signed_on: NaiveDate,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub owner_id: i64,
    /// The owner's department when the contract was made.
    pub department_id: Option<i64>,
    pub status: ContractStatus,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<i64>,
    pub decision_note: Option<String>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The admin's custom fields that have a value, by key.
    #[schema(value_type = HashMap<String, crate::custom::CustomValue>)]
    pub custom_fields: serde_json::Map<String, serde_json::Value>,
}

/// A contract with its custom field values, read in the same database call.
pub(crate) type WithCustom = (ContractRow, serde_json::Map<String, serde_json::Value>);

pub(crate) fn with_custom(conn: &mut persistence::DbConn, row: ContractRow) -> Result<WithCustom, ApiError> {
    let custom = crate::custom::values_of(conn, domain::custom_fields::CustomEntity::Contract, row.id)?;
    Ok((row, custom))
}

/// The answer for a contract and its custom values.
pub(crate) fn full_dto((row, custom_fields): WithCustom) -> Result<ContractDto, ApiError> {
    Ok(ContractDto {
        custom_fields,
        ..to_dto(row)?
    })
}

/// The answer for a contract as an operation returned it.
pub(crate) fn view_dto(v: persistence::contracts::ContractView) -> Result<ContractDto, ApiError> {
    full_dto((v.row, v.custom_fields))
}

pub fn to_dto(r: ContractRow) -> Result<ContractDto, ApiError> {
    Ok(ContractDto {
        status: crate::words::stored::<domain::vocabulary::ContractStatus>(&r.status)?.into(),
        amount: Money::stored(r.amount, r.currency),
        id: r.id,
        number: r.number,
        customer_id: r.customer_id,
        opportunity_id: r.opportunity_id,
        title: r.title,
        signed_on: r.signed_on,
        starts_on: r.starts_on,
        ends_on: r.ends_on,
        owner_id: r.owner_id,
        department_id: r.department_id,
        submitted_at: r.submitted_at.map(|t| t.and_utc()),
        decided_at: r.decided_at.map(|t| t.and_utc()),
        decided_by: r.decided_by,
        decision_note: r.decision_note,
        cancelled_at: r.cancelled_at.map(|t| t.and_utc()),
        version: r.version,
        created_at: r.created_at.and_utc(),
        updated_at: r.updated_at.and_utc(),
        custom_fields: serde_json::Map::new(),
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanDto {
    pub id: i64,
    pub position: i32,
    pub due_on: NaiveDate,
    pub amount: Money,
    /// Collected on this plan (payments naming it, then the rest earliest plan first).
    pub paid: Money,
    pub status: PlanStatus,
}

pub fn plan_dto(s: PlanState, currency: &str) -> PlanDto {
    PlanDto {
        id: s.plan.id,
        position: s.plan.position,
        due_on: s.plan.due_on,
        amount: Money::stored(s.plan.amount, currency.to_owned()),
        paid: Money::stored(s.paid, currency.to_owned()),
        status: s.status.into(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentDto {
    pub id: i64,
    pub contract_id: i64,
    pub plan_id: Option<i64>,
    pub amount: Money,
    pub received_on: NaiveDate,
    pub method: Option<String>,
    pub reference: Option<String>,
    /// The contract's owner and department when it was received.
    pub owner_id: i64,
    pub department_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

pub fn payment_dto(p: PaymentRow, currency: &str) -> PaymentDto {
    PaymentDto {
        id: p.id,
        contract_id: p.contract_id,
        plan_id: p.plan_id,
        amount: Money::stored(p.amount, currency.to_owned()),
        received_on: p.received_on,
        method: p.method,
        reference: p.reference,
        owner_id: p.owner_id,
        department_id: p.department_id,
        created_at: p.created_at.and_utc(),
    }
}

pub(crate) fn respond(status: actix_web::http::StatusCode, dto: ContractDto) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(("ETag", etag(dto.version)))
        .json(dto)
}

/// The organisation's contract rules.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractSettings {
    /// The organisation's one currency (ISO 4217); amounts in others are refused.
    #[validate(length(equal = 3))]
    #[schema(example = "CNY", min_length = 3, max_length = 3, pattern = r"^[A-Z]{3}$")]
    pub currency: String,
    /// Contracts above this amount (minor units) wait for a manager's approval.
    #[validate(range(min = 0))]
    #[schema(minimum = 0)]
    pub approval_above: i64,
}

/// The contract rules in force.
#[utoipa::path(
    tag = "contracts",
    responses((status = 200, body = ContractSettings), (status = 401, response = crate::responses::Unauthorized)),
    security(("bearer" = []))
)]
#[get("/settings/contracts")]
pub async fn get_contract_settings(state: web::Data<AppState>, _user: AuthUser) -> Result<HttpResponse, ApiError> {
    let p = state.read(|conn| Ok(contracts::policy(conn)?)).await?;
    Ok(HttpResponse::Ok().json(ContractSettings {
        currency: p.currency,
        approval_above: p.approval_above,
    }))
}

/// Changes the contract rules (admin).
#[utoipa::path(
    tag = "contracts",
    request_body = ContractSettings,
    responses(
        (status = 200, body = ContractSettings),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[put("/settings/contracts")]
pub async fn put_contract_settings(
    state: web::Data<AppState>,
    admin: AdminUser,
    body: Json<ContractSettings>,
) -> Result<HttpResponse, ApiError> {
    let p = ContractPolicy {
        currency: body.0.currency.trim().to_owned(),
        approval_above: body.0.approval_above,
    };
    p.check()
        .map_err(|(field, why)| ApiError::validation(vec![FieldError::new(field, FieldCode::Invalid, why)]))?;
    let saved = p.clone();
    state
        .write(move |conn| Ok(contracts::set_policy(conn, &p, admin.0.id, now_utc())?))
        .await?;
    Ok(HttpResponse::Ok().json(ContractSettings {
        currency: saved.currency,
        approval_above: saved.approval_above,
    }))
}
