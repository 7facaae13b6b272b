//! Leads (线索): intake with dedup and rule-based assignment, lists with the
//! overdue view, manual (re)assignment, follow-up activities that mark first
//! contact, disqualification and conversion into a customer.

use actix_web::HttpResponse;
use chrono::{DateTime, Utc};
use persistence::leads::{self, LeadRow};
use persistence::scope::Reach;
use persistence::{DbConn, now_utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::extract::etag;

mod activities;
mod input;
mod manage;
mod overdue;

pub use activities::*;
pub use input::*;
pub use manage::*;
pub use overdue::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LeadStatus {
    New,
    Contacted,
    Qualified,
    Converted,
    Disqualified,
}

crate::words::same_words!(
    LeadStatus,
    domain::vocabulary::LeadStatus,
    [New, Contacted, Qualified, Converted, Disqualified]
);

/// What a lead duplicates.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DuplicateOf {
    /// `lead` or `customer`.
    pub kind: &'static str,
    pub id: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LeadDto {
    pub id: i64,
    pub person_name: Option<String>,
    pub company: Option<String>,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub region: Option<String>,
    pub industry: Option<String>,
    pub source: Option<String>,
    pub form_id: Option<i64>,
    /// What the form or script sent, as received.
    #[schema(value_type = Option<Object>)]
    pub raw_payload: Option<serde_json::Value>,
    pub notes: Option<String>,
    pub status: LeadStatus,
    pub disqualify_reason: Option<String>,
    /// `null` while in the unassigned queue.
    pub owner_id: Option<i64>,
    pub assigned_at: Option<DateTime<Utc>>,
    /// The rule that assigned it, if a rule did.
    pub assigned_by_rule: Option<i64>,
    pub first_contact_due_at: Option<DateTime<Utc>>,
    pub first_contacted_at: Option<DateTime<Utc>>,
    /// Open and past its first-contact deadline.
    pub overdue: bool,
    pub duplicate_of: Option<DuplicateOf>,
    pub converted_customer_id: Option<i64>,
    pub converted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// The admin's custom fields that have a value, by key.
    #[schema(value_type = HashMap<String, crate::custom::CustomValue>)]
    pub custom_fields: serde_json::Map<String, serde_json::Value>,
}

/// Fails only when the stored status is not a known one.
pub fn to_dto(r: LeadRow, now: DateTime<Utc>) -> Result<LeadDto, ApiError> {
    let status: LeadStatus = crate::words::stored::<domain::vocabulary::LeadStatus>(&r.status)?.into();
    let open = leads::OPEN.contains(&r.status.as_str());
    Ok(LeadDto {
        overdue: open && r.first_contacted_at.is_none() && r.first_contact_due_at.is_some_and(|d| d.and_utc() < now),
        duplicate_of: match (r.duplicate_of_customer_id, r.duplicate_of_lead_id) {
            (Some(id), _) => Some(DuplicateOf { kind: "customer", id }),
            (None, Some(id)) => Some(DuplicateOf { kind: "lead", id }),
            _ => None,
        },
        raw_payload: r.raw_payload.as_deref().and_then(|p| serde_json::from_str(p).ok()),
        id: r.id,
        person_name: r.person_name,
        company: r.company,
        title: r.title,
        phone: r.phone,
        email: r.email,
        region: r.region,
        industry: r.industry,
        source: r.source,
        form_id: r.form_id,
        notes: r.notes,
        status,
        disqualify_reason: r.disqualify_reason,
        owner_id: r.owner_id,
        assigned_at: r.assigned_at.map(|t| t.and_utc()),
        assigned_by_rule: r.assigned_by_rule,
        first_contact_due_at: r.first_contact_due_at.map(|t| t.and_utc()),
        first_contacted_at: r.first_contacted_at.map(|t| t.and_utc()),
        converted_customer_id: r.converted_customer_id,
        converted_at: r.converted_at.map(|t| t.and_utc()),
        created_at: r.created_at.and_utc(),
        updated_at: r.updated_at.and_utc(),
        version: r.version,
        custom_fields: serde_json::Map::new(),
    })
}

/// A lead with its custom field values, read in the same database call.
pub type WithCustom = (LeadRow, serde_json::Map<String, serde_json::Value>);

pub fn with_custom(conn: &mut DbConn, row: LeadRow) -> Result<WithCustom, ApiError> {
    let custom = crate::custom::values_of(conn, domain::custom_fields::CustomEntity::Lead, row.id)?;
    Ok((row, custom))
}

pub fn visible_lead(conn: &mut DbConn, by: &impl Reach, id: i64) -> Result<LeadRow, ApiError> {
    leads::find_visible(conn, id, by)?.ok_or_else(|| ApiError::not_found("lead"))
}

pub fn respond(
    status: actix_web::http::StatusCode,
    (row, custom_fields): WithCustom,
) -> Result<HttpResponse, ApiError> {
    let dto = LeadDto {
        custom_fields,
        ..to_dto(row, now_utc())?
    };
    let mut res = HttpResponse::build(status);
    res.insert_header(("ETag", etag(dto.version)));
    if status == actix_web::http::StatusCode::CREATED {
        res.insert_header(("Location", format!("/api/v1/leads/{}", dto.id)));
    }
    Ok(res.json(dto))
}
