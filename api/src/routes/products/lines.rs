//! The line items of deals and contracts: priced from the catalogue, their
//! sum the amount.

use actix_web::{HttpResponse, get, put, web};
use persistence::now_utc;
use persistence::products::{self, LineInput, LineRow, Of};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::caller::AuthUser;
use crate::error::ApiError;
use crate::extract::{Json, PathId};
use crate::state::AppState;
use domain::money::Money;

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineItemInput {
    pub product_id: i64,
    #[validate(range(min = 1, max = 1_000_000_000_000_000_i64))]
    #[schema(minimum = 1, maximum = 1_000_000_000_000_000_i64)]
    pub quantity: i64,
    /// Minor units; default the product's list price.
    #[validate(range(min = 0, max = 1_000_000_000_000_000_i64))]
    #[schema(minimum = 0, maximum = 1_000_000_000_000_000_i64)]
    pub unit_price: Option<i64>,
    /// Basis points (1000 = 10 %).
    #[serde(default)]
    #[validate(range(min = 0, max = 10000))]
    #[schema(minimum = 0, maximum = 10000)]
    pub discount_bp: i32,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetLineItems {
    #[validate(length(min = 1, max = 200), nested)]
    #[schema(min_items = 1, max_items = 200)]
    pub lines: Vec<LineItemInput>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LineItemDto {
    pub position: i32,
    pub product_id: i64,
    pub quantity: i64,
    pub unit_price: i64,
    pub discount_bp: i32,
    pub total: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LineItems {
    pub lines: Vec<LineItemDto>,
    /// Their sum: the deal's or contract's amount now.
    pub amount: Money,
}

fn line_dto(l: LineRow) -> LineItemDto {
    LineItemDto {
        position: l.position,
        product_id: l.product_id,
        quantity: l.quantity,
        unit_price: l.unit_price,
        discount_bp: l.discount_bp,
        total: l.total,
    }
}

async fn set(state: web::Data<AppState>, user: AuthUser, of: Of, body: SetLineItems) -> Result<HttpResponse, ApiError> {
    let what = match of {
        Of::Deal(_) => "opportunity",
        Of::Contract(_) => "contract",
    };
    let lines: Vec<LineInput> = body
        .lines
        .iter()
        .map(|l| LineInput {
            product_id: l.product_id,
            quantity: l.quantity,
            unit_price: l.unit_price,
            discount_bp: l.discount_bp,
        })
        .collect();
    let by = user.principal();
    let (rows, amount, cur) = state
        .write(move |conn| {
            products::replace_lines(conn, &by, of, &lines, now_utc()).map_err(|e| ApiError::refused_about(e, what))
        })
        .await?;
    Ok(HttpResponse::Ok().json(LineItems {
        lines: rows.into_iter().map(line_dto).collect(),
        amount: Money::stored(amount, cur),
    }))
}

/// Replaces a deal's line items; their sum becomes its amount.
#[utoipa::path(
    tag = "products",
    request_body = SetLineItems,
    params(("id" = i64, Path, description = "Opportunity id")),
    responses(
        (status = 200, body = LineItems),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[put("/opportunities/{id}/line-items")]
pub async fn set_deal_lines(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
    body: Json<SetLineItems>,
) -> Result<HttpResponse, ApiError> {
    set(state, user, Of::Deal(id.0), body.0).await
}

/// Replaces a draft contract's line items; their sum becomes its amount.
#[utoipa::path(
    tag = "products",
    request_body = SetLineItems,
    params(("id" = i64, Path, description = "Contract id")),
    responses(
        (status = 200, body = LineItems),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
        (status = 409, response = crate::responses::Conflict),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[put("/contracts/{id}/line-items")]
pub async fn set_contract_lines(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
    body: Json<SetLineItems>,
) -> Result<HttpResponse, ApiError> {
    set(state, user, Of::Contract(id.0), body.0).await
}

async fn get_lines(state: web::Data<AppState>, user: AuthUser, of: Of) -> Result<HttpResponse, ApiError> {
    let (rows, cur) = state
        .read(move |conn| {
            let visible = match of {
                Of::Deal(id) => persistence::opportunities::find_visible(conn, id, &user.principal())?.is_some(),
                Of::Contract(id) => persistence::contracts::find_visible(conn, &user.principal(), id)?.is_some(),
            };
            if !visible {
                return Err(ApiError::not_found(match of {
                    Of::Deal(_) => "opportunity",
                    Of::Contract(_) => "contract",
                }));
            }
            Ok((
                products::lines_of(conn, of)?,
                persistence::contracts::policy(conn)?.currency,
            ))
        })
        .await?;
    let amount = domain::money::sum(rows.iter().map(|l| l.total));
    Ok(HttpResponse::Ok().json(LineItems {
        lines: rows.into_iter().map(line_dto).collect(),
        amount: Money::stored(amount, cur),
    }))
}

/// A deal's line items and their sum.
#[utoipa::path(
    tag = "products",
    params(("id" = i64, Path, description = "Opportunity id")),
    responses(
        (status = 200, body = LineItems),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/opportunities/{id}/line-items")]
pub async fn get_deal_lines(state: web::Data<AppState>, user: AuthUser, id: PathId) -> Result<HttpResponse, ApiError> {
    get_lines(state, user, Of::Deal(id.0)).await
}

/// A contract's line items and their sum.
#[utoipa::path(
    tag = "products",
    params(("id" = i64, Path, description = "Contract id")),
    responses(
        (status = 200, body = LineItems),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/contracts/{id}/line-items")]
pub async fn get_contract_lines(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    get_lines(state, user, Of::Contract(id.0)).await
}
