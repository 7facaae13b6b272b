//! Reading contracts: one with its plans and payments, and the list.

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use persistence::contracts::{self, ContractFilter};
use persistence::now_utc;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ContractDto, ContractStatus, PaymentDto, PlanDto, full_dto, payment_dto, plan_dto, with_custom};
use crate::caller::AuthUser;
use crate::error::ApiError;
use crate::extract::{PathId, Query};
use crate::pagination;
use crate::state::AppState;
use domain::money::Money;

/// A contract with its payment plans (and where each stands today) and payments.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContractDetail {
    #[serde(flatten)]
    pub contract: ContractDto,
    pub plans: Vec<PlanDto>,
    pub payments: Vec<PaymentDto>,
    /// Collected so far.
    pub collected: Money,
}

/// Reads a contract with its plans and payments.
#[utoipa::path(
    tag = "contracts",
    params(("id" = i64, Path, description = "Contract id")),
    responses(
        (status = 200, body = ContractDetail),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/contracts/{id}")]
pub async fn get_contract(state: web::Data<AppState>, user: AuthUser, id: PathId) -> Result<HttpResponse, ApiError> {
    let (row, plans, payments) = state
        .read(move |conn| {
            let row = contracts::find_visible(conn, &user.principal(), id.0)?
                .ok_or_else(|| ApiError::not_found("contract"))?;
            let today = persistence::settings::today(conn, now_utc())?;
            let (plans, payments) = contracts::collections_of(conn, &row, today)?;
            Ok((with_custom(conn, row)?, plans, payments))
        })
        .await?;
    let currency = row.0.currency.clone();
    let collected = domain::money::sum(payments.iter().map(|p| p.amount));
    let detail = ContractDetail {
        contract: full_dto(row)?,
        plans: plans.into_iter().map(|p| plan_dto(p, &currency)).collect(),
        payments: payments.into_iter().map(|p| payment_dto(p, &currency)).collect(),
        collected: Money::stored(collected, currency),
    };
    Ok(HttpResponse::Ok().json(detail))
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListContractsQuery {
    pub status: Option<ContractStatus>,
    pub customer_id: Option<i64>,
    pub owner_id: Option<i64>,
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
pub struct ContractPage {
    pub data: Vec<ContractDto>,
    pub next_cursor: Option<String>,
}

/// Lists the contracts the caller may see (own; a manager's department subtree; all).
#[utoipa::path(
    tag = "contracts",
    params(ListContractsQuery),
    responses(
        (status = 200, body = ContractPage),
        (status = 401, response = crate::responses::Unauthorized),
    ),
    security(("bearer" = []))
)]
#[get("/contracts")]
pub async fn list_contracts(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<ListContractsQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(contract_page(state, user, query.0).await?))
}

/// One page of the list, for the handler and for exports.
pub(crate) async fn contract_page(
    state: web::Data<AppState>,
    user: AuthUser,
    q: ListContractsQuery,
) -> Result<ContractPage, ApiError> {
    let (limit, after) = pagination::by_id_start(q.limit, q.cursor.as_deref())?;
    let filter = ContractFilter {
        status: q.status.map(|s| s.as_str().to_owned()),
        customer_id: q.customer_id,
        owner_id: q.owner_id,
        updated_since: q.updated_since,
        custom: None,
    };
    let custom_query = crate::custom::CustomFilterQuery {
        custom_field: q.custom_field,
        custom_eq: q.custom_eq,
        custom_from: q.custom_from,
        custom_to: q.custom_to,
    };
    let (rows, custom) = state
        .read(move |conn| {
            let mut filter = filter;
            filter.custom = custom_query.resolve(conn, domain::custom_fields::CustomEntity::Contract)?;
            let rows = contracts::list(conn, &user.principal(), &filter, after, limit + 1)?;
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            let custom = crate::custom::values(conn, domain::custom_fields::CustomEntity::Contract, &ids)?;
            Ok((rows, custom))
        })
        .await?;
    let (data, next_cursor) = pagination::by_id_page(
        rows,
        limit,
        |r| r.id,
        |r| {
            let values = custom.get(&r.id).cloned().unwrap_or_default();
            full_dto((r, values))
        },
    )?;
    Ok(ContractPage { data, next_cursor })
}
