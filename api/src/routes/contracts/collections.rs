//! Payment plans, payments, and the receivables list (应收).

use actix_web::{HttpResponse, get, post, put, web};
use chrono::NaiveDate;
use domain::money::{Money, PositiveMoney};
use persistence::contracts::{self, ContractRow, NewPayment, PlanState, ReceivableFilter};
use persistence::now_utc;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::{PaymentDto, PlanDto, payment_dto, plan_dto};
use crate::caller::AuthUser;
use crate::error::ApiError;
use crate::extract::{Json, PathId, Query};
use crate::state::AppState;

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanInput {
    pub due_on: NaiveDate,
    pub amount: PositiveMoney,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPlans {
    /// The instalments; they add up to the contract amount exactly.
    #[validate(length(min = 1, max = 120), nested)]
    #[schema(min_items = 1, max_items = 120)]
    pub plans: Vec<PlanInput>,
}

/// Replaces a contract's payment plans (回款计划); they must add up to the
/// contract amount (422 naming the difference).
#[utoipa::path(
    tag = "contracts",
    request_body = SetPlans,
    params(("id" = i64, Path, description = "Contract id")),
    responses(
        (status = 200, body = Vec<PlanDto>),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
        (status = 409, response = crate::responses::Conflict),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[put("/contracts/{id}/payment-plans")]
pub async fn set_payment_plans(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
    body: Json<SetPlans>,
) -> Result<HttpResponse, ApiError> {
    let mut plans = Vec::with_capacity(body.0.plans.len());
    for p in &body.0.plans {
        plans.push(contracts::PlanInput {
            due_on: p.due_on,
            amount: p.amount.amount(),
            currency: p.amount.currency().as_str().to_owned(),
        });
    }
    let by = user.principal();
    let (row, states) = state
        .write(move |conn| {
            contracts::plan(conn, &by, id.0, &plans, now_utc()).map_err(|e| ApiError::refused_about(e, "contract"))
        })
        .await?;
    let out: Vec<_> = states.into_iter().map(|s| plan_dto(s, &row.currency)).collect();
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePayment {
    pub amount: PositiveMoney,
    pub received_on: NaiveDate,
    /// The instalment it pays; without one it pays the earliest open ones.
    pub plan_id: Option<i64>,
    /// e.g. bank transfer, cheque, cash.
    #[validate(length(max = 50))]
    #[schema(max_length = 50)]
    pub method: Option<String>,
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub reference: Option<String>,
}

/// Records a payment (回款) on an approved contract; never more in total
/// than the contract (422 with the amount still open).
#[utoipa::path(
    tag = "contracts",
    request_body = CreatePayment,
    params(("id" = i64, Path, description = "Contract id")),
    responses(
        (status = 201, body = PaymentDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
        (status = 409, response = crate::responses::Conflict),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/contracts/{id}/payments")]
pub async fn create_payment(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
    body: Json<CreatePayment>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let currency = b.amount.currency().as_str().to_owned();
    let new = NewPayment {
        amount: b.amount.amount(),
        received_on: b.received_on,
        plan_id: b.plan_id,
        method: b.method,
        reference: b.reference,
    };
    let by = user.principal();
    let (row, expected) = state
        .write(move |conn| {
            contracts::collect(conn, &by, id.0, &currency, new, now_utc())
                .map_err(|e| ApiError::refused_about(e, "contract"))
        })
        .await?;
    let dto = payment_dto(row, &expected);
    Ok(HttpResponse::Created().json(dto))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReceivablesQuery {
    /// Instalments due before this day.
    pub due_before: Option<NaiveDate>,
    /// Only overdue instalments.
    pub overdue: Option<bool>,
    pub owner_id: Option<i64>,
    pub department_id: Option<i64>,
    /// At most 200 (default 50).
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Receivable {
    pub contract_id: i64,
    pub contract_number: String,
    pub customer_id: i64,
    pub owner_id: i64,
    pub plan: PlanDto,
    /// Still to collect on this instalment.
    pub open: Money,
}

/// Instalments still to collect on approved contracts in the caller's scope, by due date.
#[utoipa::path(
    tag = "contracts",
    params(ReceivablesQuery),
    responses(
        (status = 200, body = Vec<Receivable>),
        (status = 401, response = crate::responses::Unauthorized),
    ),
    security(("bearer" = []))
)]
#[get("/receivables")]
pub async fn list_receivables(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<ReceivablesQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let limit = crate::pagination::limit(q.limit)?;
    let filter = ReceivableFilter {
        due_before: q.due_before,
        overdue: q.overdue.unwrap_or(false),
        owner_id: q.owner_id,
        department_id: q.department_id,
    };
    let rows = state
        .read(move |conn| {
            let today = persistence::settings::today(conn, now_utc())?;
            Ok(contracts::receivables(
                conn,
                &user.principal(),
                &filter,
                today,
                i64::from(limit),
            )?)
        })
        .await?;
    let data: Vec<Receivable> = rows.into_iter().map(|(s, c)| receivable(s, &c)).collect();
    Ok(HttpResponse::Ok().json(data))
}

/// An instalment still to collect, with its contract.
pub fn receivable(s: PlanState, c: &ContractRow) -> Receivable {
    let open = s.plan.amount - s.paid;
    Receivable {
        contract_id: c.id,
        contract_number: c.number.clone(),
        customer_id: c.customer_id,
        owner_id: c.owner_id,
        open: Money::stored(open, c.currency.clone()),
        plan: plan_dto(s, &c.currency),
    }
}
