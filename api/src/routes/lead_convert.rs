//! Converting a lead into a customer (+ contact) under the duplicate rules: an
//! existing customer of another rep is 409 naming the owner, a pool customer is
//! claimed, the caller's own customer is reused.

use actix_web::{HttpResponse, post, web};
use persistence::{leads, now_utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::caller::AuthUser;
use crate::error::ApiError;
use crate::extract::{Json, PathId};
use crate::routes::customers::{CustomerDto, Grade, dto_for};
use crate::routes::leads::{LeadDto, to_dto};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConvertLead {
    /// The customer's name; default: the lead's company, else its person name.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub customer_name: Option<String>,
    pub grade: Option<Grade>,
    /// Also create a contact from the lead's person (default true).
    pub create_contact: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Conversion {
    pub lead: LeadDto,
    pub customer: CustomerDto,
    /// `created`, `claimed_from_pool` or `existing`.
    pub customer_outcome: &'static str,
    pub contact_id: Option<i64>,
}

/// Converts a lead into a customer.
#[utoipa::path(
    tag = "leads",
    request_body = ConvertLead,
    params(("id" = i64, Path, description = "Lead id")),
    responses(
        (status = 200, body = Conversion),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
        (status = 409, response = crate::responses::Conflict),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/leads/{id}/convert")]
pub async fn convert_lead(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
    body: Json<ConvertLead>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let ask = leads::ConvertLead {
        customer_name: b.customer_name,
        grade: b.grade.map(Into::into),
        create_contact: b.create_contact.unwrap_or(true),
    };
    let result = state
        .write(move |conn| {
            let now = now_utc();
            let c = leads::convert(conn, &user.principal(), id.0, ask, now).map_err(ApiError::refused)?;
            Ok(Conversion {
                lead: to_dto(c.lead, now)?,
                customer: dto_for(conn, c.customer)?,
                customer_outcome: c.outcome.as_str(),
                contact_id: c.contact_id,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(result))
}
