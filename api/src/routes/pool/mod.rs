//! The public pool (公海): its rules as organisation settings, the pool
//! list, claiming, releasing, and locking customers. The rules live in
//! `domain::pool`; each write is one `persistence::pool` operation.

use actix_web::{HttpResponse, get, post, web};
use domain::vocabulary::FieldCode;
use persistence::now_utc;
use persistence::pool;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::caller::AuthUser;
use crate::error::ApiError;
use crate::extract::{Json, PathId, Query, etag};
use crate::routes::customers::{CustomerDto, CustomerPage, Grade, ListCustomersQuery, stored_answer};
use crate::state::AppState;

mod settings;

pub use settings::*;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PoolQuery {
    pub grade: Option<Grade>,
    pub industry: Option<String>,
    pub region: Option<String>,
    pub source: Option<String>,
    pub tag: Option<String>,
    pub dealt: Option<bool>,
    /// Part of the name, phone or e-mail.
    #[param(max_length = 200)]
    pub q: Option<String>,
    pub updated_since: Option<chrono::DateTime<chrono::Utc>>,
    /// `id` (default), `name` or `updated_at`; prefix `-` for descending.
    #[param(pattern = r"^(-?(id|name|updated_at))?$")]
    pub sort: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Lists the customers in the pool (公海), with the customer filters; phones
/// and e-mails are masked for reps until they claim one.
#[utoipa::path(
    tag = "pool",
    params(PoolQuery),
    responses(
        (status = 200, body = CustomerPage),
        (status = 401, response = crate::responses::Unauthorized),
    ),
    security(("bearer" = []))
)]
#[get("/pool")]
pub async fn list_pool(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<PoolQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let list = ListCustomersQuery {
        owner_id: None,
        department_id: None,
        grade: q.grade,
        industry: q.industry,
        region: q.region,
        source: q.source,
        tag: q.tag,
        dealt: q.dealt,
        in_pool: Some(true),
        q: q.q,
        updated_since: q.updated_since,
        sort: q.sort,
        limit: q.limit,
        cursor: q.cursor,
        ..ListCustomersQuery::default()
    };
    let page = crate::routes::customers::page(state, user, list).await?;
    Ok(HttpResponse::Ok().json(page))
}

fn respond(dto: CustomerDto) -> HttpResponse {
    HttpResponse::Ok().insert_header(("ETag", etag(dto.version))).json(dto)
}

/// Claims a pool customer (领取): 409 when someone else got it first, 422
/// naming the limit when the caller owns the most allowed, claimed the most
/// allowed in 24 hours, or lost this customer within the cool-down.
#[utoipa::path(
    tag = "pool",
    params(("id" = i64, Path, description = "Customer id")),
    responses(
        (status = 200, body = CustomerDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
        (status = 409, response = crate::responses::Conflict),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/pool/{id}/claim")]
pub async fn claim_customer(state: web::Data<AppState>, user: AuthUser, id: PathId) -> Result<HttpResponse, ApiError> {
    let stored = state
        .write(move |conn| {
            let s = pool::claim(conn, user.id, user.id, id.0, now_utc()).map_err(ApiError::refused)?;
            stored_answer(conn, s)
        })
        .await?;
    Ok(respond(stored))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseCustomer {
    /// Why it goes back (shown to whoever looks at it in the pool).
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

/// Puts a customer back in the pool (放入公海): the owner, their manager or
/// an admin. The owner becomes its previous owner and waits out the
/// cool-down before claiming it back.
#[utoipa::path(
    tag = "pool",
    request_body = ReleaseCustomer,
    params(("id" = i64, Path, description = "Customer id")),
    responses(
        (status = 200, body = CustomerDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
        (status = 409, response = crate::responses::Conflict),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/customers/{id}/release")]
pub async fn release_customer(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
    body: Json<ReleaseCustomer>,
) -> Result<HttpResponse, ApiError> {
    let reason = body.0.reason.trim().to_owned();
    if reason.is_empty() {
        return Err(ApiError::invalid_field(
            "reason",
            FieldCode::Required,
            "say why the customer goes back to the pool",
        ));
    }
    let stored = state
        .write(move |conn| {
            let s = pool::release(conn, &user.principal(), id.0, &reason, now_utc()).map_err(ApiError::refused)?;
            stored_answer(conn, s)
        })
        .await?;
    Ok(respond(stored))
}

async fn set_locked(
    state: web::Data<AppState>,
    user: AuthUser,
    id: i64,
    locked: bool,
) -> Result<HttpResponse, ApiError> {
    let stored = state
        .write(move |conn| {
            let s = pool::set_locked(conn, &user.principal(), id, locked, now_utc()).map_err(ApiError::refused)?;
            stored_answer(conn, s)
        })
        .await?;
    Ok(respond(stored))
}

/// Locks a customer (锁定): it never returns to the pool while locked.
/// Counts against the owner's `max_locked` (422 naming it when reached).
#[utoipa::path(
    tag = "pool",
    params(("id" = i64, Path, description = "Customer id")),
    responses(
        (status = 200, body = CustomerDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
        (status = 409, response = crate::responses::Conflict),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/customers/{id}/lock")]
pub async fn lock_customer(state: web::Data<AppState>, user: AuthUser, id: PathId) -> Result<HttpResponse, ApiError> {
    set_locked(state, user, id.0, true).await
}

/// Unlocks a customer: the pool rules apply to it again.
#[utoipa::path(
    tag = "pool",
    params(("id" = i64, Path, description = "Customer id")),
    responses(
        (status = 200, body = CustomerDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
        (status = 409, response = crate::responses::Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/customers/{id}/unlock")]
pub async fn unlock_customer(state: web::Data<AppState>, user: AuthUser, id: PathId) -> Result<HttpResponse, ApiError> {
    set_locked(state, user, id.0, false).await
}
