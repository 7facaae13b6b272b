//! Converting a lead into a customer (+ contact) under the duplicate rules: an
//! existing customer of another rep is 409 naming the owner, a pool customer is
//! claimed, the caller's own customer is reused.

use actix_web::{HttpResponse, post, web};
use domain::dedup::{SuffixList, normalize_company_name};
use domain::org::Role;
use persistence::customers::{self, NewCustomerRow};
use persistence::leads::{self, LeadChangeset};
use persistence::{audit, contacts, now_utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use validator::Validate;

use crate::caller::AuthUser;
use crate::error::{ApiError, ErrorCode};
use crate::extract::{Json, PathId};
use crate::routes::customers::{CustomerDto, Grade, dto_for, exists_error};
use crate::routes::leads::{LeadDto, to_dto, visible};
use crate::routes::scope::scope_of;
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
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 422, response = crate::openapi::Unprocessable),
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
    let result = state
        .write(move |conn| {
            let scope = scope_of(conn, &user)?;
            let lead = visible(conn, &scope, id.0)?;
            if !leads::OPEN.contains(&lead.status.as_str()) {
                return Err(ApiError::conflict(
                    ErrorCode::LeadClosed,
                    format!("the lead is already {}", lead.status),
                ));
            }
            let name = b
                .customer_name
                .clone()
                .or_else(|| lead.company.clone())
                .or_else(|| lead.person_name.clone())
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty())
                .ok_or_else(|| {
                    ApiError::invalid_field(
                        "customer_name",
                        "required",
                        "the lead has no company; give customer_name",
                    )
                })?;
            let key = normalize_company_name(&name, &SuffixList::default());
            let owner = lead.owner_id.filter(|_| user.role != Role::Rep).unwrap_or(user.id);
            let now = now_utc();
            let (customer, outcome) = match customers::find_live_conflict(conn, &key, None, None)? {
                Some((existing, _)) if existing.owner_id == Some(owner) => (existing, "existing"),
                Some((existing, None)) => {
                    // a pool customer: claimed by the same rules as from the pool
                    persistence::pool::claim(conn, owner, user.id, existing.id, now)
                        .map_err(|e| crate::routes::pool::pool_error(e, owner))?;
                    (customers::find(conn, existing.id)?, "claimed_from_pool")
                }
                Some((existing, owner_name)) => return Err(exists_error(&existing, owner_name, false)),
                None => {
                    let new = NewCustomerRow {
                        name: name.clone(),
                        name_key_rev: domain::dedup::reversed_key(&key),
                        name_key: key.clone(),
                        credit_code: None,
                        industry: lead.industry.clone(),
                        region: lead.region.clone(),
                        size_band: None,
                        source: lead.source.clone(),
                        grade: b
                            .grade
                            .map_or("B", |g| match g {
                                Grade::A => "A",
                                Grade::B => "B",
                                Grade::C => "C",
                            })
                            .to_owned(),
                        owner_id: Some(owner),
                        owned_since: Some(now.naive_utc()),
                        website: None,
                        phone: lead.phone.clone(),
                        phone_key: lead.phone_key.clone(),
                        email: lead.email.clone(),
                        email_key: lead.email_key.clone(),
                        address: None,
                        notes: lead.notes.clone(),
                        next_follow_up_at: None,
                        created_by: Some(user.id),
                        created_at: now.naive_utc(),
                        updated_at: now.naive_utc(),
                    };
                    let row = customers::insert(conn, &new)?;
                    let detail = json!({"name": row.name, "owner_id": owner, "lead_id": lead.id}).to_string();
                    audit::record(conn, "customer", row.id, "created", Some(user.id), &detail, now)?;
                    (row, "created")
                }
            };
            let contact_id = match (b.create_contact.unwrap_or(true), &lead.person_name) {
                (true, Some(person)) => Some(
                    contacts::insert(
                        conn,
                        &contacts::NewContactRow {
                            customer_id: customer.id,
                            name: person.clone(),
                            title: lead.title.clone(),
                            phone: lead.phone.clone(),
                            phone_key: lead.phone_key.clone(),
                            email: lead.email.clone(),
                            email_key: lead.email_key.clone(),
                            wechat: None,
                            kp_role: "other".into(),
                            is_primary: outcome == "created",
                            preferred_channel: None,
                            notes: None,
                            created_at: now.naive_utc(),
                            updated_at: now.naive_utc(),
                        },
                    )?
                    .id,
                ),
                _ => None,
            };
            persistence::activities::attach_activities(conn, lead.id, customer.id)?;
            let changes = LeadChangeset {
                status: Some("converted".into()),
                converted_customer_id: Some(Some(customer.id)),
                converted_at: Some(Some(now.naive_utc())),
                ..LeadChangeset::default()
            };
            let lead = leads::update(conn, lead.id, None, &changes, now)?;
            let fresh = customers::find(conn, customer.id)?;
            let customer = dto_for(conn, fresh)?;
            Ok(Conversion {
                lead: to_dto(lead, now)?,
                customer,
                customer_outcome: outcome,
                contact_id,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(result))
}
