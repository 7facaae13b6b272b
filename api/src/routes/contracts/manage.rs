//! Creating, editing, submitting, deciding, cancelling, reading and listing contracts.

use actix_web::{HttpResponse, patch, post, web};
use chrono::NaiveDate;
use domain::money::PositiveMoney;
use domain::vocabulary::FieldCode;
use persistence::contracts::{self, ContractChange, NewContract, Step};
use persistence::now_utc;
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::{ContractDto, respond, view_dto};
use crate::caller::AuthUser;
use crate::error::ApiError;
use crate::extract::{IfMatch, Json, PathId, double_option};
use crate::state::AppState;

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateContract {
    /// Unique contract number (合同编号).
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64)]
    pub number: String,
    pub customer_id: i64,
    /// The deal it closes; approving the contract wins it.
    pub opportunity_id: Option<i64>,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    pub amount: PositiveMoney,
    pub signed_on: NaiveDate,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    /// Values of the admin's custom fields, by key (`GET /custom-fields?entity=contract`).
    #[schema(value_type = Option<HashMap<String, crate::custom::CustomValue>>)]
    pub custom_fields: crate::custom::Input,
}

/// Writes a contract as a draft, owned by the customer's owner.
#[utoipa::path(
    tag = "contracts",
    request_body = CreateContract,
    responses(
        (status = 201, body = ContractDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
        (status = 409, response = crate::responses::Conflict),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/contracts")]
pub async fn create_contract(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<CreateContract>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let custom = b.custom_fields.clone();
    let new = NewContract {
        number: b.number.trim().to_owned(),
        customer_id: b.customer_id,
        opportunity_id: b.opportunity_id,
        title: b.title.trim().to_owned(),
        amount: b.amount.amount(),
        currency: b.amount.currency().as_str().to_owned(),
        signed_on: b.signed_on,
        starts_on: b.starts_on,
        ends_on: b.ends_on,
    };
    let by = user.principal();
    let view = state
        .write(move |conn| {
            contracts::open(conn, &by, new, custom.as_ref(), now_utc())
                .map_err(|e| ApiError::refused_about(e, "customer"))
        })
        .await?;
    Ok(respond(actix_web::http::StatusCode::CREATED, view_dto(view)?))
}

/// Fields of a draft to change; absent fields stay, `null` clears.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateContract {
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64)]
    pub number: Option<String>,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    pub amount: Option<PositiveMoney>,
    pub signed_on: Option<NaiveDate>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub starts_on: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub ends_on: Option<Option<NaiveDate>>,
    /// Custom field values to set (`null` clears one); fields not named stay.
    #[schema(value_type = Option<HashMap<String, crate::custom::CustomValue>>)]
    pub custom_fields: crate::custom::Input,
}

/// Edits a draft (409 `contract_state` for any other status); `If-Match` guards.
#[utoipa::path(
    tag = "contracts",
    request_body = UpdateContract,
    params(
        ("id" = i64, Path, description = "Contract id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read")
    ),
    responses(
        (status = 200, body = ContractDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
        (status = 409, response = crate::responses::Conflict),
        (status = 412, response = crate::responses::PreconditionFailed),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[patch("/contracts/{id}")]
pub async fn update_contract(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
    if_match: IfMatch,
    body: Json<UpdateContract>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let custom = b.custom_fields.clone();
    let change = ContractChange {
        number: b.number.map(|n| n.trim().to_owned()),
        title: b.title.map(|t| t.trim().to_owned()),
        amount: b.amount.as_ref().map(PositiveMoney::amount),
        currency: b.amount.map(|m| m.currency().as_str().to_owned()),
        signed_on: b.signed_on,
        starts_on: b.starts_on,
        ends_on: b.ends_on,
    };
    let by = user.principal();
    let view = state
        .write(move |conn| {
            contracts::revise(conn, &by, id.0, if_match.0, change, custom.as_ref(), now_utc())
                .map_err(|e| ApiError::refused_about(e, "contract"))
        })
        .await?;
    Ok(respond(actix_web::http::StatusCode::OK, view_dto(view)?))
}

#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// Why (required to reject).
    #[validate(length(min = 1, max = 1000))]
    #[schema(min_length = 1, max_length = 1000)]
    pub note: Option<String>,
}

/// Why a contract is rejected (required, not only white space).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rejection {
    #[validate(length(min = 1, max = 1000))]
    #[schema(example = "金额需重新谈判", min_length = 1, max_length = 1000, pattern = r"\S")]
    pub note: String,
}

async fn step(
    state: web::Data<AppState>,
    user: AuthUser,
    id: i64,
    step: Step,
    note: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let by = user.principal();
    let view = state
        .write(move |conn| {
            contracts::advance(conn, &by, id, step, note.as_deref(), now_utc())
                .map_err(|e| ApiError::refused_about(e, "contract"))
        })
        .await?;
    Ok(respond(actix_web::http::StatusCode::OK, view_dto(view)?))
}

/// Submits a draft: above the approval threshold it waits for a manager;
/// at or below it, it is approved at once.
#[utoipa::path(
    tag = "contracts",
    params(("id" = i64, Path, description = "Contract id")),
    responses(
        (status = 200, body = ContractDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
        (status = 409, response = crate::responses::Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/contracts/{id}/submit")]
pub async fn submit_contract(state: web::Data<AppState>, user: AuthUser, id: PathId) -> Result<HttpResponse, ApiError> {
    step(state, user, id.0, Step::Submit, None).await
}

/// Approves a pending contract (a manager of the owner's department, or an
/// admin): the customer becomes dealt and the linked open deal is won.
#[utoipa::path(
    tag = "contracts",
    request_body = Decision,
    params(("id" = i64, Path, description = "Contract id")),
    responses(
        (status = 200, body = ContractDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
        (status = 409, response = crate::responses::Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/contracts/{id}/approve")]
pub async fn approve_contract(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
    body: Json<Decision>,
) -> Result<HttpResponse, ApiError> {
    step(state, user, id.0, Step::Approve, body.0.note).await
}

/// Rejects a pending contract, saying why.
#[utoipa::path(
    tag = "contracts",
    request_body = Rejection,
    params(("id" = i64, Path, description = "Contract id")),
    responses(
        (status = 200, body = ContractDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
        (status = 409, response = crate::responses::Conflict),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/contracts/{id}/reject")]
pub async fn reject_contract(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
    body: Json<Rejection>,
) -> Result<HttpResponse, ApiError> {
    let note = Some(body.0.note.trim().to_owned()).filter(|n| !n.is_empty());
    if note.is_none() {
        return Err(ApiError::invalid_field(
            "note",
            FieldCode::Required,
            "say why the contract is rejected",
        ));
    }
    step(state, user, id.0, Step::Reject, note).await
}

/// Cancels a contract that has no payments.
#[utoipa::path(
    tag = "contracts",
    params(("id" = i64, Path, description = "Contract id")),
    responses(
        (status = 200, body = ContractDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
        (status = 409, response = crate::responses::Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/contracts/{id}/cancel")]
pub async fn cancel_contract(state: web::Data<AppState>, user: AuthUser, id: PathId) -> Result<HttpResponse, ApiError> {
    step(state, user, id.0, Step::Cancel, None).await
}
