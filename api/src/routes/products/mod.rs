//! Products (产品): the catalogue; the line items of deals and contracts are in `lines`.

use actix_web::{HttpResponse, get, patch, post, web};
use domain::money::Money;
use domain::vocabulary::FieldCode;
use persistence::now_utc;
use persistence::products::{self, NewProduct, ProductRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::caller::{AdminUser, AuthUser};
use crate::error::ApiError;
use crate::extract::{Json, PathId, Query, double_option};
use crate::pagination;
use crate::state::AppState;

mod lines;

pub use lines::*;

#[derive(Debug, Serialize, ToSchema)]
pub struct ProductDto {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub unit: Option<String>,
    pub list_price: Money,
    pub active: bool,
    pub version: i64,
}

fn to_dto(r: ProductRow) -> Result<ProductDto, ApiError> {
    Ok(ProductDto {
        id: r.id,
        code: r.code,
        name: r.name,
        unit: r.unit,
        list_price: Money::stored(r.list_price, r.currency),
        active: r.active,
        version: r.version,
    })
}

async fn policy(state: &web::Data<AppState>) -> Result<domain::contracts::ContractPolicy, ApiError> {
    state.read(|conn| Ok(persistence::contracts::policy(conn)?)).await
}

/// A price in the organisation's currency (`ContractPolicy::check_currency`).
fn check_money(m: &Money, policy: &domain::contracts::ContractPolicy, field: &str) -> Result<(), ApiError> {
    policy.check_currency(m.currency().as_str()).map_err(|w| {
        ApiError::invalid_field(
            &format!("{field}.currency"),
            FieldCode::OrganisationCurrency,
            format!("amounts are in {}, the organisation's currency", w.expected),
        )
    })
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProduct {
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64)]
    pub code: String,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// e.g. 台, 套, 吨, piece.
    #[validate(length(max = 20))]
    #[schema(max_length = 20)]
    pub unit: Option<String>,
    pub list_price: Money,
}

/// Adds a product to the catalogue (admin).
#[utoipa::path(
    tag = "products",
    request_body = CreateProduct,
    responses(
        (status = 201, body = ProductDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 409, response = crate::responses::Conflict),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/products")]
pub async fn create_product(
    state: web::Data<AppState>,
    _admin: AdminUser,
    body: Json<CreateProduct>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let policy = policy(&state).await?;
    check_money(&b.list_price, &policy, "list_price")?;
    let new = NewProduct {
        code: b.code.trim().to_owned(),
        name: b.name.trim().to_owned(),
        unit: b.unit,
        list_price: b.list_price.amount(),
        currency: policy.currency,
    };
    let row = state
        .write(move |conn| Ok(products::create(conn, &new, now_utc())?))
        .await?;
    Ok(HttpResponse::Created().json(to_dto(row)?))
}

#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProduct {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 20)]
    #[validate(length(max = 20))]
    pub unit: Option<Option<String>>,
    pub list_price: Option<Money>,
    /// `false` takes it off offer (existing lines keep it).
    pub active: Option<bool>,
}

/// Changes a product (admin).
#[utoipa::path(
    tag = "products",
    request_body = UpdateProduct,
    params(("id" = i64, Path, description = "Product id")),
    responses(
        (status = 200, body = ProductDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[patch("/products/{id}")]
pub async fn update_product(
    state: web::Data<AppState>,
    _admin: AdminUser,
    id: PathId,
    body: Json<UpdateProduct>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    if b.unit
        .as_ref()
        .and_then(|u| u.as_ref())
        .is_some_and(|u| u.chars().count() > 20)
    {
        return Err(ApiError::invalid_field(
            "unit",
            FieldCode::Length,
            "at most 20 characters",
        ));
    }
    if let Some(m) = &b.list_price {
        check_money(m, &policy(&state).await?, "list_price")?;
    }
    let row = state
        .write(move |conn| {
            products::change(
                conn,
                id.0,
                b.name.map(|n| n.trim().to_owned()),
                b.unit,
                b.list_price.as_ref().map(Money::amount),
                b.active,
                now_utc(),
            )
            .map_err(|e| match e {
                persistence::RepoError::NotFound => ApiError::not_found("product"),
                other => other.into(),
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(to_dto(row)?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListProductsQuery {
    /// Part of the code or name.
    #[param(max_length = 200)]
    pub q: Option<String>,
    pub active: Option<bool>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProductPage {
    pub data: Vec<ProductDto>,
    pub next_cursor: Option<String>,
}

/// The product catalogue.
#[utoipa::path(
    tag = "products",
    params(ListProductsQuery),
    responses(
        (status = 200, body = ProductPage),
        (status = 401, response = crate::responses::Unauthorized),
    ),
    security(("bearer" = []))
)]
#[get("/products")]
pub async fn list_products(
    state: web::Data<AppState>,
    _user: AuthUser,
    query: Query<ListProductsQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let (limit, after) = pagination::by_id_start(q.limit, q.cursor.as_deref())?;
    let text = q.q.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
    let rows = state
        .read(move |conn| Ok(products::list(conn, text.as_deref(), q.active, after, limit + 1)?))
        .await?;
    let (data, next_cursor) = pagination::by_id_page(rows, limit, |r| r.id, to_dto)?;
    Ok(HttpResponse::Ok().json(ProductPage { data, next_cursor }))
}
