//! Creating a customer: the request, its checks, and the answer with
//! look-alike warnings.

use actix_web::{HttpResponse, post, web};

use chrono::{DateTime, Utc};
use domain::dedup::{CompanyName, CreditCode, SuffixList};
use domain::vocabulary::FieldCode;
use persistence::customers;
use persistence::now_utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::caller::{Acting, scope};
use crate::error::{ApiError, FieldError};
use crate::extract::{Json, etag};
use crate::routes::contacts::{email_key, phone_key};
use crate::routes::duplicates::look_alike_match;
use crate::state::AppState;

use super::*;

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCustomer {
    #[validate(length(min = 1, max = 200))]
    #[schema(example = "华为技术有限公司", min_length = 1, max_length = 200)]
    pub name: String,
    /// 18 characters with a valid check character.
    #[schema(example = "91440300708461136T")]
    pub credit_code: Option<String>,
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub industry: Option<String>,
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub region: Option<String>,
    #[validate(length(max = 50))]
    #[schema(max_length = 50)]
    pub size_band: Option<String>,
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub source: Option<String>,
    /// Default B.
    pub grade: Option<Grade>,
    #[validate(length(max = 20))]
    #[schema(max_items = 20)]
    pub tags: Option<Vec<String>>,
    /// Admins and managers may create for another user in their scope; default: the caller.
    pub owner_id: Option<i64>,
    #[validate(length(max = 300))]
    #[schema(max_length = 300)]
    pub website: Option<String>,
    #[validate(length(max = 50))]
    #[schema(max_length = 50)]
    pub phone: Option<String>,
    #[validate(length(max = 254))]
    #[schema(max_length = 254)]
    pub email: Option<String>,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub address: Option<String>,
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub notes: Option<String>,
    pub next_follow_up_at: Option<DateTime<Utc>>,
    /// Values of the admin's custom fields, by key (`GET /custom-fields?entity=customer`).
    #[schema(value_type = Option<HashMap<String, crate::custom::CustomValue>>)]
    pub custom_fields: crate::custom::Input,
}

/// A new customer, with look-alike customers to double-check (a warning, not a block).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CreatedCustomer {
    #[serde(flatten)]
    pub customer: CustomerDto,
    /// Existing customers with similar names (e.g. a city prefix), best first.
    pub similar: Vec<crate::routes::duplicates::DuplicateMatch>,
}

/// A create request as the operation takes it: cleaned and keyed (the
/// request's own length limits are checked by the extractor, or by the import).
pub(super) fn new_customer(b: CreateCustomer) -> Result<customers::NewCustomer, ApiError> {
    let checked = check_fields(
        Some(&b.name),
        Some(b.credit_code.as_deref()),
        Some(b.phone.as_deref()),
        Some(b.email.as_deref()),
        b.tags.as_deref(),
    )?;
    let Some(name) = checked.name else {
        return Err(ApiError::invalid_field(
            "name",
            FieldCode::Required,
            "a customer has a name",
        ));
    };
    Ok(customers::NewCustomer {
        name,
        credit_code: checked.credit_code.flatten(),
        industry: trimmed(b.industry),
        region: trimmed(b.region),
        size_band: trimmed(b.size_band),
        source: trimmed(b.source),
        grade: b.grade.map(Into::into).unwrap_or_default(),
        owner_id: b.owner_id,
        website: trimmed(b.website),
        phone: trimmed(b.phone),
        phone_key: checked.phone_key.flatten(),
        email: trimmed(b.email),
        email_key: checked.email_key.flatten(),
        address: trimmed(b.address),
        notes: b.notes,
        next_follow_up_at: b.next_follow_up_at,
        tags: checked.tags.unwrap_or_default(),
    })
}

/// The cleaned, checked values of a create or update.
pub(super) struct Checked {
    pub(super) name: Option<CompanyName>,
    pub(super) credit_code: Option<Option<String>>,
    pub(super) phone_key: Option<Option<String>>,
    pub(super) email_key: Option<Option<String>>,
    pub(super) tags: Option<Vec<String>>,
}

pub(super) fn check_fields(
    name: Option<&str>,
    credit_code: Option<Option<&str>>,
    phone: Option<Option<&str>>,
    email: Option<Option<&str>>,
    tags: Option<&[String]>,
) -> Result<Checked, ApiError> {
    let mut errors = Vec::new();
    let name = name.and_then(|n| {
        let parsed = CompanyName::parse(n, &SuffixList::default());
        if parsed.is_none() {
            errors.push(FieldError::new(
                "name",
                FieldCode::Required,
                "the name has no letters or digits",
            ));
        }
        parsed
    });
    let credit_code = credit_code.map(|c| {
        c.map(str::trim)
            .filter(|c| !c.is_empty())
            .and_then(|c| match CreditCode::parse(c) {
                Ok(code) => Some(code.as_str().to_owned()),
                Err(e) => {
                    errors.push(FieldError::new("credit_code", e.code(), e.to_string()));
                    None
                }
            })
    });
    let phone_key = phone.map(|p| phone_key(p, &mut errors));
    let email_key = email.map(|e| email_key(e, &mut errors));
    let tags = tags.map(|list| {
        let mut clean: Vec<String> = Vec::new();
        for (i, t) in list.iter().enumerate() {
            let t = t.trim();
            if t.is_empty() || t.chars().count() > 30 {
                errors.push(FieldError::new(
                    format!("tags.{i}"),
                    FieldCode::Length,
                    "a tag has 1 to 30 characters",
                ));
            } else if !clean.iter().any(|c| c == t) {
                clean.push(t.to_owned());
            }
        }
        clean
    });
    if errors.is_empty() {
        Ok(Checked {
            name,
            credit_code,
            phone_key,
            email_key,
            tags,
        })
    } else {
        Err(ApiError::validation(errors))
    }
}

/// Creates a customer. A company that already exists (same normalised name or
/// credit code) is 409 with the existing customer's id, name and owner.
#[utoipa::path(
    tag = "customers",
    request_body = CreateCustomer,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for a retried request")),
    responses(
        (status = 201, body = CreatedCustomer, headers(("ETag" = String), ("Location" = String))),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 409, response = crate::responses::Conflict),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []), ("api_key" = ["customers:write"]))
)]
#[post("/customers")]
pub async fn create_customer(
    state: web::Data<AppState>,
    Acting(user, _): Acting<scope::CustomersWrite>,
    body: Json<CreateCustomer>,
) -> Result<HttpResponse, ApiError> {
    let custom = body.0.custom_fields.clone();
    let new = new_customer(body.0)?;
    let by = user.principal();
    let (created, similar) = state
        .operate(move |db| {
            customers::create_and_compare(db, &by, new, custom.as_ref(), now_utc()).map_err(ApiError::refused)
        })
        .await?;
    let created = CreatedCustomer {
        customer: CustomerDto {
            custom_fields: created.custom_fields,
            ..stored_dto(created.customer)
        },
        similar: similar.into_iter().map(look_alike_match).collect(),
    };
    Ok(HttpResponse::Created()
        .insert_header(("ETag", etag(created.customer.version)))
        .insert_header(("Location", format!("/api/v1/customers/{}", created.customer.id)))
        .json(created))
}
