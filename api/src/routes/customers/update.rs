//! Changing a customer: absent fields stay, `null` clears, `If-Match` guards.

use actix_web::{HttpResponse, patch, web};

use chrono::{DateTime, Utc};
use persistence::customers::{self, CustomerChangeset};
use persistence::now_utc;
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::caller::{Acting, scope};
use crate::error::ApiError;
use crate::extract::{IfMatch, Json, PathId, double_option};
use crate::state::AppState;

use super::*;

/// Fields to change; absent fields stay, `null` clears. Ownership changes go
/// through the transfer endpoints.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCustomer {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub credit_code: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 100)]
    #[validate(length(max = 100))]
    pub industry: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 100)]
    #[validate(length(max = 100))]
    pub region: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 50)]
    #[validate(length(max = 50))]
    pub size_band: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 100)]
    #[validate(length(max = 100))]
    pub source: Option<Option<String>>,
    pub grade: Option<Grade>,
    #[validate(length(max = 20))]
    #[schema(max_items = 20)]
    pub tags: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 300)]
    #[validate(length(max = 300))]
    pub website: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 50)]
    #[validate(length(max = 50))]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 254)]
    #[validate(length(max = 254))]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 500)]
    #[validate(length(max = 500))]
    pub address: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 5000)]
    #[validate(length(max = 5000))]
    pub notes: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub next_follow_up_at: Option<Option<DateTime<Utc>>>,
    /// Custom field values to set (`null` clears one); fields not named stay.
    #[schema(value_type = Option<HashMap<String, crate::custom::CustomValue>>)]
    pub custom_fields: crate::custom::Input,
}

/// Changes a customer. Renaming into an existing company is 409; send
/// `If-Match` to avoid overwriting a concurrent change (412).
#[utoipa::path(
    tag = "customers",
    request_body = UpdateCustomer,
    params(
        ("id" = i64, Path, description = "Customer id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read")
    ),
    responses(
        (status = 200, body = CustomerDto, headers(("ETag" = String))),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
        (status = 409, response = crate::responses::Conflict),
        (status = 412, response = crate::responses::PreconditionFailed),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []), ("api_key" = ["customers:write"]))
)]
#[patch("/customers/{id}")]
pub async fn update_customer(
    state: web::Data<AppState>,
    Acting(user, _): Acting<scope::CustomersWrite>,
    id: PathId,
    if_match: IfMatch,
    body: Json<UpdateCustomer>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let custom = b.custom_fields.clone();
    let checked = check_fields(
        b.name.as_deref(),
        b.credit_code.as_ref().map(Option::as_deref),
        b.phone.as_ref().map(Option::as_deref),
        b.email.as_ref().map(Option::as_deref),
        b.tags.as_deref(),
    )?;
    let change = customers::CustomerChange {
        fields: CustomerChangeset {
            // set from `name` below by the operation
            name: None,
            name_key: None,
            name_key_rev: None,
            credit_code: checked.credit_code,
            industry: b.industry.map(trimmed),
            region: b.region.map(trimmed),
            size_band: b.size_band.map(trimmed),
            source: b.source.map(trimmed),
            grade: b.grade.map(|g| g.as_str().to_owned()),
            locked: None,
            dealt: None,
            website: b.website.map(trimmed),
            phone: b.phone.map(trimmed),
            phone_key: checked.phone_key,
            email: b.email.map(trimmed),
            email_key: checked.email_key,
            address: b.address.map(trimmed),
            notes: b.notes,
            next_follow_up_at: b.next_follow_up_at.map(|t| t.map(|t| t.naive_utc())),
        },
        name: checked.name,
        tags: checked.tags,
    };
    let by = user.principal();
    let edited = state
        .write(move |conn| {
            customers::edit(conn, &by, id.0, if_match.0, change, custom.as_ref(), now_utc()).map_err(ApiError::refused)
        })
        .await?;
    let stored = CustomerDto {
        custom_fields: edited.custom_fields,
        ..stored_dto(edited.customer)
    }
    .masked_for(&edited.scope);
    Ok(respond(stored))
}
