//! Customers: one central store where no two reps can work the same company.
//! Names are unique after normalisation (the database enforces it); a create
//! or rename into an existing company is 409 naming that customer and its
//! owner only. Every read and write is scoped to what the caller may see.

use actix_web::HttpResponse;
use chrono::{DateTime, Utc};

use domain::custom_fields::CustomEntity;
use domain::scope::DataScope;
use persistence::customers::{self, CustomerRow};
use persistence::scope::Reach;
use persistence::{DbConn, now_utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::extract::etag;

mod create;
mod import;
mod lifecycle;
mod list;
mod update;

pub use create::*;
pub use import::*;
pub use lifecycle::*;
pub use list::*;
pub use update::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum Grade {
    /// 重点客户
    A,
    /// 普通客户
    B,
    /// 非优先客户
    C,
}

impl From<Grade> for domain::customer::Grade {
    fn from(g: Grade) -> Self {
        match g {
            Grade::A => domain::customer::Grade::A,
            Grade::B => domain::customer::Grade::B,
            Grade::C => domain::customer::Grade::C,
        }
    }
}

impl From<domain::customer::Grade> for Grade {
    fn from(g: domain::customer::Grade) -> Self {
        match g {
            domain::customer::Grade::A => Grade::A,
            domain::customer::Grade::B => Grade::B,
            domain::customer::Grade::C => Grade::C,
        }
    }
}

impl Grade {
    pub fn as_str(self) -> &'static str {
        domain::customer::Grade::from(self).as_str()
    }
}

/// A user named on a record.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserRef {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CustomerDto {
    pub id: i64,
    #[schema(example = "华为技术有限公司")]
    pub name: String,
    /// 统一社会信用代码
    pub credit_code: Option<String>,
    pub industry: Option<String>,
    pub region: Option<String>,
    pub size_band: Option<String>,
    pub source: Option<String>,
    pub grade: Grade,
    pub tags: Vec<String>,
    /// `null` when the customer is in the pool (公海).
    pub owner: Option<UserRef>,
    pub in_pool: bool,
    pub previous_owner_id: Option<i64>,
    pub owned_since: Option<DateTime<Utc>>,
    pub locked: bool,
    pub dealt: bool,
    pub website: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub notes: Option<String>,
    pub last_contacted_at: Option<DateTime<Utc>>,
    pub next_follow_up_at: Option<DateTime<Utc>>,
    /// Set when this customer was merged into another.
    pub merged_into: Option<i64>,
    /// When it entered the pool, while it is there.
    pub pooled_at: Option<DateTime<Utc>>,
    /// Why it entered the pool: `no_follow_up` or `no_deal` (the sweep), or the reason given on release.
    pub pool_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub version: i64,
    /// The admin's custom fields that have a value, by key.
    #[schema(value_type = HashMap<String, crate::custom::CustomValue>)]
    pub custom_fields: serde_json::Map<String, serde_json::Value>,
}

pub fn to_dto(r: CustomerRow, owner_name: Option<String>, tags: Vec<String>) -> CustomerDto {
    CustomerDto {
        owner: r.owner_id.map(|id| UserRef {
            id,
            name: owner_name.unwrap_or_default(),
        }),
        in_pool: r.owner_id.is_none(),
        // the CHECK constraint admits only A, B and C
        grade: r.grade.parse::<domain::customer::Grade>().unwrap_or_default().into(),
        id: r.id,
        name: r.name,
        credit_code: r.credit_code,
        industry: r.industry,
        region: r.region,
        size_band: r.size_band,
        source: r.source,
        tags,
        previous_owner_id: r.previous_owner_id,
        owned_since: r.owned_since.map(|t| t.and_utc()),
        locked: r.locked,
        dealt: r.dealt,
        website: r.website,
        phone: r.phone,
        email: r.email,
        address: r.address,
        notes: r.notes,
        last_contacted_at: r.last_contacted_at.map(|t| t.and_utc()),
        next_follow_up_at: r.next_follow_up_at.map(|t| t.and_utc()),
        merged_into: r.merged_into,
        pooled_at: r.pooled_at.map(|t| t.and_utc()),
        pool_reason: r.pool_reason,
        created_at: r.created_at.and_utc(),
        updated_at: r.updated_at.and_utc(),
        deleted_at: r.deleted_at.map(|t| t.and_utc()),
        version: r.version,
        custom_fields: serde_json::Map::new(),
    }
}

/// Loads the owner's name and tags for one row.
pub fn dto_for(conn: &mut DbConn, row: CustomerRow) -> Result<CustomerDto, ApiError> {
    let owner = match row.owner_id {
        Some(o) => customers::owner_names(conn, &[o])?.remove(&o),
        None => None,
    };
    dto_named(conn, row, owner)
}

/// Loads the tags and custom fields for one row whose owner's name is known.
pub fn dto_named(conn: &mut DbConn, row: CustomerRow, owner: Option<String>) -> Result<CustomerDto, ApiError> {
    let tags = customers::tags_of(conn, &[row.id])?.remove(&row.id).unwrap_or_default();
    let custom = crate::custom::values_of(conn, CustomEntity::Customer, row.id)?;
    Ok(CustomerDto {
        custom_fields: custom,
        ..to_dto(row, owner, tags)
    })
}

pub(super) fn trimmed(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

impl CustomerDto {
    /// Masks phone and e-mail for a caller who may see this customer but does
    /// not own it (a rep looking at the pool or a shared customer).
    pub fn masked_for(self, scope: &DataScope) -> CustomerDto {
        let masked = domain::mask::masked_for(scope, self.owner.as_ref().map(|o| o.id));
        self.masked_if(masked)
    }

    /// Masks phone and e-mail when the operation said the caller sees them
    /// masked (`customers::Visible::masked`).
    pub fn masked_if(mut self, masked: bool) -> CustomerDto {
        if masked {
            self.phone = self.phone.as_deref().map(domain::mask::phone);
            self.email = self.email.as_deref().map(domain::mask::email);
        }
        self
    }
}

/// The stored customer as the API shows it.
pub fn stored_dto(s: customers::Stored) -> CustomerDto {
    to_dto(s.row, s.owner_name, s.tags)
}

/// A stored customer's answer with its custom field values, read in the
/// same database call as the write that returned it.
pub fn stored_answer(conn: &mut DbConn, s: customers::Stored) -> Result<CustomerDto, ApiError> {
    let custom_fields = crate::custom::values_of(conn, CustomEntity::Customer, s.row.id)?;
    Ok(CustomerDto {
        custom_fields,
        ..stored_dto(s)
    })
}

/// Loads a customer the caller may see (and, with `write`, change).
pub fn visible_customer(conn: &mut DbConn, by: &impl Reach, id: i64, write: bool) -> Result<CustomerRow, ApiError> {
    visible_named(conn, by, id, write).map(|v| v.row)
}

/// [`visible_customer`], with its owner's name.
pub fn visible_named(conn: &mut DbConn, by: &impl Reach, id: i64, write: bool) -> Result<customers::Visible, ApiError> {
    customers::reach_named(conn, by, id, write, now_utc()).map_err(ApiError::refused)
}

fn respond(dto: CustomerDto) -> HttpResponse {
    HttpResponse::Ok().insert_header(("ETag", etag(dto.version))).json(dto)
}
