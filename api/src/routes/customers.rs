//! Customers: one central store where no two reps can work the same company.
//! Names are unique after normalisation (the database enforces it); a create
//! or rename into an existing company is 409 naming that customer and its
//! owner only. Every read and write is scoped to what the caller may see.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use domain::dedup::{CreditCode, SuffixList, normalize_company_name};
use domain::scope::{Access, DataScope};
use persistence::customers::{self, CustomerAfter, CustomerChangeset, CustomerFilter, CustomerRow, CustomerSort};
use persistence::{DbConn, audit, now_utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::caller::AuthUser;
use crate::error::{ApiError, FieldError};
use crate::extract::{IfMatch, Json, PathId, Query, double_option, etag};
use crate::pagination::{self, time_key};
use crate::routes::contacts::{email_key, phone_key};
use crate::routes::dictionaries::check_codes;
use crate::routes::scope::{check_assignable, scope_of};
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum Grade {
    /// 重点客户
    A,
    /// 普通客户
    B,
    /// 非优先客户
    C,
}

impl Grade {
    fn as_str(self) -> &'static str {
        match self {
            Grade::A => "A",
            Grade::B => "B",
            Grade::C => "C",
        }
    }
    fn parse(s: &str) -> Grade {
        match s {
            "A" => Grade::A,
            "C" => Grade::C,
            _ => Grade::B,
        }
    }
}

/// A user named on a record.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserRef {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
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
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub version: i64,
}

pub fn to_dto(r: CustomerRow, owner_name: Option<String>, tags: Vec<String>) -> CustomerDto {
    CustomerDto {
        owner: r.owner_id.map(|id| UserRef {
            id,
            name: owner_name.unwrap_or_default(),
        }),
        in_pool: r.owner_id.is_none(),
        grade: Grade::parse(&r.grade),
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
        created_at: r.created_at.and_utc(),
        updated_at: r.updated_at.and_utc(),
        deleted_at: r.deleted_at.map(|t| t.and_utc()),
        version: r.version,
    }
}

/// Loads the owner's name and tags for one row.
pub fn dto_for(conn: &mut DbConn, row: CustomerRow) -> Result<CustomerDto, ApiError> {
    let owner = match row.owner_id {
        Some(o) => customers::owner_names(conn, &[o])?.remove(&o),
        None => None,
    };
    let tags = customers::tags_of(conn, &[row.id])?.remove(&row.id).unwrap_or_default();
    Ok(to_dto(row, owner, tags))
}

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
}

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
    pub industry: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub region: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 50)]
    pub size_band: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub source: Option<Option<String>>,
    pub grade: Option<Grade>,
    #[validate(length(max = 20))]
    #[schema(max_items = 20)]
    pub tags: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 300)]
    pub website: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 50)]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 254)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub address: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 5000)]
    pub notes: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub next_follow_up_at: Option<Option<DateTime<Utc>>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListCustomersQuery {
    pub owner_id: Option<i64>,
    /// Customers owned by users of this department.
    pub department_id: Option<i64>,
    pub grade: Option<Grade>,
    pub industry: Option<String>,
    pub region: Option<String>,
    pub source: Option<String>,
    pub tag: Option<String>,
    pub dealt: Option<bool>,
    /// Only pool customers (`true`) or only owned ones (`false`).
    pub in_pool: Option<bool>,
    /// Part of the name, phone or e-mail.
    pub q: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
    /// `id` (default), `name` or `updated_at`; prefix `-` for descending.
    pub sort: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// A new customer, with look-alike customers to double-check (a warning, not a block).
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedCustomer {
    #[serde(flatten)]
    pub customer: CustomerDto,
    /// Existing customers with similar names (e.g. a city prefix), best first.
    pub similar: Vec<crate::routes::duplicates::DuplicateMatch>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerPage {
    pub data: Vec<CustomerDto>,
    pub next_cursor: Option<String>,
}

/// The cleaned, checked values of a create or update.
struct Checked {
    name_key: Option<String>,
    credit_code: Option<Option<String>>,
    phone_key: Option<Option<String>>,
    email_key: Option<Option<String>>,
    tags: Option<Vec<String>>,
}

/// A PATCH picklist value that sets a code (not absent, not cleared).
fn code_of(v: &Option<Option<String>>) -> Option<&str> {
    v.as_ref().and_then(|o| o.as_deref()).map(str::trim)
}

fn trimmed(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn check_fields(
    name: Option<&str>,
    credit_code: Option<Option<&str>>,
    phone: Option<Option<&str>>,
    email: Option<Option<&str>>,
    tags: Option<&[String]>,
) -> Result<Checked, ApiError> {
    let mut errors = Vec::new();
    let name_key = name.map(|n| normalize_company_name(n, &SuffixList::default()));
    if name_key.as_deref() == Some("") {
        errors.push(FieldError::new("name", "required", "the name has no letters or digits"));
    }
    let credit_code = credit_code.map(|c| {
        c.map(str::trim)
            .filter(|c| !c.is_empty())
            .and_then(|c| match CreditCode::parse(c) {
                Ok(code) => Some(code.as_str().to_owned()),
                Err(e) => {
                    errors.push(FieldError::new("credit_code", "credit_code", e.to_string()));
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
                    "length",
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
            name_key,
            credit_code,
            phone_key,
            email_key,
            tags,
        })
    } else {
        Err(ApiError::validation(errors))
    }
}

/// 409 naming the existing customer and its owner, never its other details.
pub fn exists_error(row: &CustomerRow, owner_name: Option<String>, by_credit_code: bool) -> ApiError {
    let holder = match &owner_name {
        Some(n) => format!("owned by {n}"),
        None => "in the pool".to_owned(),
    };
    let what = if by_credit_code { "credit code" } else { "company" };
    ApiError::conflict(
        "customer_exists",
        format!(
            "this {what} is already a customer: {} (#{}), {holder}",
            row.name, row.id
        ),
    )
    .with_context(json!({
        "existing": {
            "id": row.id,
            "name": row.name,
            "in_pool": row.owner_id.is_none(),
            "owner": row.owner_id.map(|id| json!({"id": id, "name": owner_name})),
        }
    }))
}

/// Finds the live customer a name key or credit code collides with.
fn conflict_check(
    conn: &mut DbConn,
    name_key: &str,
    credit_code: Option<&str>,
    except: Option<i64>,
) -> Result<(), ApiError> {
    match customers::find_live_conflict(conn, name_key, credit_code, except)? {
        Some((row, owner)) => {
            let by_code = row.name_key != name_key;
            Err(exists_error(&row, owner, by_code))
        }
        None => Ok(()),
    }
}

/// After a unique index refused a write (a concurrent create won), names the winner.
async fn explain_race(
    state: &AppState,
    name_key: String,
    credit_code: Option<String>,
    except: Option<i64>,
) -> ApiError {
    let explained = state
        .read(move |conn| {
            conflict_check(conn, &name_key, credit_code.as_deref(), except)?;
            Ok(ApiError::conflict(
                "customer_exists",
                "this company is already a customer",
            ))
        })
        .await;
    match explained {
        Ok(e) | Err(e) => e,
    }
}

const RACE: &str = "customer_exists_race";

fn map_unique(e: persistence::RepoError) -> ApiError {
    if e.is_conflict_on("name_key") || e.is_conflict_on("credit_code") {
        ApiError::conflict(RACE, "a concurrent request created this customer first")
    } else {
        e.into()
    }
}

/// Loads a customer the caller may see, or 404; with `write`, 404 also when
/// the caller may only read it.
pub fn visible(conn: &mut DbConn, scope: &DataScope, id: i64, write: bool) -> Result<CustomerRow, ApiError> {
    match customers::find_visible(conn, id, scope, false, now_utc())? {
        Some((row, level)) if !write || level == Access::Write => Ok(row),
        Some(_) => Err(ApiError::forbidden("you may read this customer but not change it")),
        None => Err(ApiError::not_found("customer")),
    }
}

fn respond(dto: CustomerDto) -> HttpResponse {
    HttpResponse::Ok().insert_header(("ETag", etag(dto.version))).json(dto)
}

/// Creates a customer. A company that already exists (same normalised name or
/// credit code) is 409 with the existing customer's id, name and owner.
#[utoipa::path(
    tag = "customers",
    request_body = CreateCustomer,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for a retried request")),
    responses(
        (status = 201, body = CreatedCustomer, headers(("ETag" = String), ("Location" = String))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 409, response = crate::openapi::Conflict),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/customers")]
pub async fn create_customer(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<CreateCustomer>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let checked = check_fields(
        Some(&b.name),
        Some(b.credit_code.as_deref()),
        Some(b.phone.as_deref()),
        Some(b.email.as_deref()),
        b.tags.as_deref(),
    )?;
    let name_key = checked.name_key.clone().unwrap_or_default();
    let credit_code = checked.credit_code.clone().flatten();
    let (key, code) = (name_key.clone(), credit_code.clone());
    let created = state
        .write(move |conn| {
            let scope = scope_of(conn, &user)?;
            let owner = b.owner_id.unwrap_or(user.id);
            if owner != user.id {
                check_assignable(conn, &scope, owner, "owner_id")?;
            }
            check_codes(
                conn,
                &[
                    ("industry", "industry", b.industry.as_deref().map(str::trim)),
                    ("region", "region", b.region.as_deref().map(str::trim)),
                    ("size_band", "size_band", b.size_band.as_deref().map(str::trim)),
                    ("source", "source", b.source.as_deref().map(str::trim)),
                ],
            )?;
            conflict_check(conn, &key, code.as_deref(), None)?;
            let now = now_utc();
            let new = customers::NewCustomerRow {
                name: b.name.trim().to_owned(),
                name_key_rev: key.chars().rev().collect(),
                name_key: key.clone(),
                credit_code: code.clone(),
                industry: trimmed(b.industry),
                region: trimmed(b.region),
                size_band: trimmed(b.size_band),
                source: trimmed(b.source),
                grade: b.grade.unwrap_or(Grade::B).as_str().to_owned(),
                owner_id: Some(owner),
                owned_since: Some(now.naive_utc()),
                website: trimmed(b.website),
                phone: trimmed(b.phone),
                phone_key: checked.phone_key.flatten(),
                email: trimmed(b.email),
                email_key: checked.email_key.flatten(),
                address: trimmed(b.address),
                notes: b.notes,
                next_follow_up_at: b.next_follow_up_at.map(|t| t.naive_utc()),
                created_by: Some(user.id),
                created_at: now.naive_utc(),
                updated_at: now.naive_utc(),
            };
            let row = customers::insert(conn, &new).map_err(map_unique)?;
            if let Some(tags) = &checked.tags {
                customers::set_tags(conn, row.id, tags)?;
            }
            let detail = json!({"name": row.name, "owner_id": owner, "grade": row.grade}).to_string();
            audit::record(conn, "customer", row.id, "created", Some(user.id), &detail, now)?;
            let similar = crate::routes::duplicates::similar_to(conn, &key, &[row.id])?;
            Ok(CreatedCustomer {
                customer: dto_for(conn, row)?,
                similar,
            })
        })
        .await;
    match created {
        Ok(created) => Ok(HttpResponse::Created()
            .insert_header(("ETag", etag(created.customer.version)))
            .insert_header(("Location", format!("/api/v1/customers/{}", created.customer.id)))
            .json(created)),
        Err(e) if e.code == RACE => Err(explain_race(&state, name_key, credit_code, None).await),
        Err(e) => Err(e),
    }
}

/// Lists the customers the caller may see, filtered and keyset-paginated.
#[utoipa::path(
    tag = "customers",
    params(ListCustomersQuery),
    responses(
        (status = 200, body = CustomerPage),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
    ),
    security(("bearer" = []))
)]
#[get("/customers")]
pub async fn list_customers(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<ListCustomersQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let sort = pagination::parse_sort(q.sort.as_deref(), &["id", "name", "updated_at"])?;
    let limit = pagination::limit(q.limit)?;
    let after = match pagination::decode_cursor(q.cursor.as_deref(), &sort)? {
        None => None,
        Some(p) => Some(match sort.field {
            "name" => CustomerAfter::Name(p.text()?, p.id),
            "updated_at" => CustomerAfter::UpdatedAt(p.time()?, p.id),
            _ => CustomerAfter::Id(p.id),
        }),
    };
    let by = match sort.field {
        "name" => CustomerSort::Name,
        "updated_at" => CustomerSort::UpdatedAt,
        _ => CustomerSort::Id,
    };
    let filter = CustomerFilter {
        owner_id: q.owner_id,
        department_id: q.department_id,
        grade: q.grade.map(|g| g.as_str().to_owned()),
        industry: trimmed(q.industry),
        region: trimmed(q.region),
        source: trimmed(q.source),
        tag: trimmed(q.tag),
        dealt: q.dealt,
        in_pool: q.in_pool,
        q: trimmed(q.q),
        updated_since: q.updated_since,
    };
    let descending = sort.descending;
    let (rows, owners, tags) = state
        .read(move |conn| {
            let scope = scope_of(conn, &user)?;
            let page = customers::CustomerPageRequest {
                sort: by,
                descending,
                after,
                limit: limit + 1,
            };
            let rows = customers::list(conn, &scope, &filter, &page, now_utc())?;
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            let owner_ids: Vec<i64> = rows.iter().filter_map(|r| r.owner_id).collect();
            let owners = customers::owner_names(conn, &owner_ids)?;
            let tags = customers::tags_of(conn, &ids)?;
            Ok((rows, owners, tags))
        })
        .await?;
    let (rows, next_cursor) = pagination::finish(rows, limit, &sort, |r| match sort.field {
        "name" => (r.name.clone().into(), r.id),
        "updated_at" => (time_key(r.updated_at), r.id),
        _ => (r.id.into(), r.id),
    });
    let mut tags = tags;
    let data = rows
        .into_iter()
        .map(|r| {
            let owner = r.owner_id.and_then(|o| owners.get(&o).cloned());
            let t = tags.remove(&r.id).unwrap_or_default();
            to_dto(r, owner, t)
        })
        .collect();
    Ok(HttpResponse::Ok().json(CustomerPage { data, next_cursor }))
}

/// Reads one customer (404 when it is not one the caller may see).
#[utoipa::path(
    tag = "customers",
    params(("id" = i64, Path, description = "Customer id")),
    responses(
        (status = 200, body = CustomerDto, headers(("ETag" = String))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/customers/{id}")]
pub async fn get_customer(state: web::Data<AppState>, user: AuthUser, id: PathId) -> Result<HttpResponse, ApiError> {
    let dto = state
        .read(move |conn| {
            let scope = scope_of(conn, &user)?;
            let row = visible(conn, &scope, id.0, false)?;
            dto_for(conn, row)
        })
        .await?;
    Ok(respond(dto))
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
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 412, response = crate::openapi::PreconditionFailed),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[patch("/customers/{id}")]
pub async fn update_customer(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
    if_match: IfMatch,
    body: Json<UpdateCustomer>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let checked = check_fields(
        b.name.as_deref(),
        b.credit_code.as_ref().map(Option::as_deref),
        b.phone.as_ref().map(Option::as_deref),
        b.email.as_ref().map(Option::as_deref),
        b.tags.as_deref(),
    )?;
    let id = id.0;
    let (race_key, race_code) = (checked.name_key.clone(), checked.credit_code.clone().flatten());
    let updated = state
        .write(move |conn| {
            let scope = scope_of(conn, &user)?;
            let before = visible(conn, &scope, id, true)?;
            check_codes(
                conn,
                &[
                    ("industry", "industry", code_of(&b.industry)),
                    ("region", "region", code_of(&b.region)),
                    ("size_band", "size_band", code_of(&b.size_band)),
                    ("source", "source", code_of(&b.source)),
                ],
            )?;
            let key = checked.name_key.clone().unwrap_or_else(|| before.name_key.clone());
            let code = match &checked.credit_code {
                Some(c) => c.clone(),
                None => before.credit_code.clone(),
            };
            if checked.name_key.is_some() || checked.credit_code.is_some() {
                conflict_check(conn, &key, code.as_deref(), Some(id))?;
            }
            let changes = CustomerChangeset {
                name: b.name.as_ref().map(|n| n.trim().to_owned()),
                name_key_rev: checked.name_key.as_ref().map(|k| k.chars().rev().collect()),
                name_key: checked.name_key.clone(),
                credit_code: checked.credit_code.clone(),
                industry: b.industry.map(trimmed),
                region: b.region.map(trimmed),
                size_band: b.size_band.map(trimmed),
                source: b.source.map(trimmed),
                grade: b.grade.map(|g| g.as_str().to_owned()),
                locked: None,
                dealt: None,
                website: b.website.map(trimmed),
                phone: b.phone.map(trimmed),
                phone_key: checked.phone_key.clone(),
                email: b.email.map(trimmed),
                email_key: checked.email_key.clone(),
                address: b.address.map(trimmed),
                notes: b.notes,
                next_follow_up_at: b.next_follow_up_at.map(|t| t.map(|t| t.naive_utc())),
            };
            let now = now_utc();
            let after = customers::update(conn, id, if_match.0, &changes, now).map_err(map_unique)?;
            if let Some(tags) = &checked.tags {
                customers::set_tags(conn, id, tags)?;
            }
            let mut diff = serde_json::Map::new();
            if before.name != after.name {
                diff.insert("name".into(), json!([before.name, after.name]));
            }
            if before.grade != after.grade {
                diff.insert("grade".into(), json!([before.grade, after.grade]));
            }
            if !diff.is_empty() {
                let detail = serde_json::Value::Object(diff).to_string();
                audit::record(conn, "customer", id, "updated", Some(user.id), &detail, now)?;
            }
            dto_for(conn, after)
        })
        .await;
    match updated {
        Ok(dto) => Ok(respond(dto)),
        Err(e) if e.code == RACE => Err(explain_race(&state, race_key.unwrap_or_default(), race_code, Some(id)).await),
        Err(e) => Err(e),
    }
}

/// Moves a customer to the recycle bin (soft delete); `restore` brings it back.
#[utoipa::path(
    tag = "customers",
    params(
        ("id" = i64, Path, description = "Customer id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read")
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 412, response = crate::openapi::PreconditionFailed),
    ),
    security(("bearer" = []))
)]
#[delete("/customers/{id}")]
pub async fn delete_customer(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    state
        .write(move |conn| {
            let scope = scope_of(conn, &user)?;
            visible(conn, &scope, id.0, true)?;
            let now = now_utc();
            customers::set_deleted(conn, id.0, if_match.0, Some(now), now)?;
            audit::record(conn, "customer", id.0, "deleted", Some(user.id), "{}", now)?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Restores a deleted customer, unless another live customer took its name meanwhile (409).
#[utoipa::path(
    tag = "customers",
    params(("id" = i64, Path, description = "Customer id")),
    responses(
        (status = 200, body = CustomerDto),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/customers/{id}/restore")]
pub async fn restore_customer(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let dto = state
        .write(move |conn| {
            let scope = scope_of(conn, &user)?;
            let (row, level) = customers::find_visible(conn, id.0, &scope, true, now_utc())?
                .ok_or_else(|| ApiError::not_found("deleted customer"))?;
            if level != Access::Write {
                return Err(ApiError::forbidden("you may not restore this customer"));
            }
            conflict_check(conn, &row.name_key, row.credit_code.as_deref(), Some(row.id))?;
            let now = now_utc();
            let row = customers::set_deleted(conn, row.id, None, None, now).map_err(map_unique)?;
            audit::record(conn, "customer", row.id, "restored", Some(user.id), "{}", now)?;
            dto_for(conn, row)
        })
        .await?;
    Ok(respond(dto))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeletedQuery {
    /// Deletions at or after this time.
    pub since: DateTime<Utc>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeletedId {
    pub id: i64,
    pub deleted_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeletedPage {
    pub data: Vec<DeletedId>,
    pub next_cursor: Option<String>,
}

/// Ids of customers deleted since a time, for mobile sync (oldest first).
#[utoipa::path(
    tag = "customers",
    params(DeletedQuery),
    responses(
        (status = 200, body = DeletedPage),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
    ),
    security(("bearer" = []))
)]
#[get("/customers/deleted")]
pub async fn list_deleted_customers(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<DeletedQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let sort = pagination::Sort {
        field: "deleted_at",
        descending: false,
    };
    let limit = pagination::limit(q.limit)?;
    let after = match pagination::decode_cursor(q.cursor.as_deref(), &sort)? {
        Some(p) => Some((p.time()?, p.id)),
        None => None,
    };
    let rows = state
        .read(move |conn| {
            let scope = scope_of(conn, &user)?;
            Ok(customers::deleted_since(
                conn,
                &scope,
                q.since,
                after,
                limit + 1,
                now_utc(),
            )?)
        })
        .await?;
    let (rows, next_cursor) = pagination::finish(rows, limit, &sort, |(id, t)| (time_key(*t), *id));
    let data = rows
        .into_iter()
        .map(|(id, t)| DeletedId {
            id,
            deleted_at: t.and_utc(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(DeletedPage { data, next_cursor }))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeCustomer {
    /// The duplicate to fold into this customer; it is deleted and remembers `merged_into`.
    pub from_customer_id: i64,
}

/// Merges a duplicate customer into this one (admin), in one transaction:
/// contacts and tags move to the survivor, which also takes the duplicate's
/// credit code, phone and e-mail where it has none.
#[utoipa::path(
    tag = "customers",
    request_body = MergeCustomer,
    params(("id" = i64, Path, description = "The surviving customer")),
    responses(
        (status = 200, body = CustomerDto),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/customers/{id}/merge")]
pub async fn merge_customer(
    state: web::Data<AppState>,
    admin: crate::caller::AdminUser,
    id: PathId,
    body: Json<MergeCustomer>,
) -> Result<HttpResponse, ApiError> {
    let from = body.0.from_customer_id;
    if from == id.0 {
        return Err(ApiError::invalid_field(
            "from_customer_id",
            "same_customer",
            "a customer cannot merge into itself",
        ));
    }
    let dto = state
        .write(move |conn| {
            let scope = DataScope::All;
            let survivor = visible(conn, &scope, id.0, true)?;
            let loser = visible(conn, &scope, from, true).map_err(|_| {
                ApiError::invalid_field(
                    "from_customer_id",
                    "not_found",
                    format!("there is no live customer {from}"),
                )
            })?;
            let now = now_utc();
            let merged = customers::merge(conn, &survivor, &loser, now).map_err(map_unique)?;
            let detail = json!({"merged_from": loser.id, "name": loser.name, "owner_id": loser.owner_id}).to_string();
            audit::record(conn, "customer", survivor.id, "merged", Some(admin.0.id), &detail, now)?;
            let detail = json!({"merged_into": survivor.id}).to_string();
            audit::record(
                conn,
                "customer",
                loser.id,
                "merged_into",
                Some(admin.0.id),
                &detail,
                now,
            )?;
            dto_for(conn, merged)
        })
        .await?;
    Ok(respond(dto))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEvent {
    pub id: i64,
    /// `created`, `updated`, `transferred`, `shared`, `unshared`, `deleted`, `restored`, `merged`, `merged_into`.
    pub action: String,
    pub actor_id: Option<i64>,
    /// What changed: `{"field": [before, after]}` or the facts of the action.
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    pub at: DateTime<Utc>,
}

/// The change history of a customer: owner, name, grade and status changes, who and when.
#[utoipa::path(
    tag = "customers",
    params(("id" = i64, Path, description = "Customer id")),
    responses(
        (status = 200, body = Vec<AuditEvent>),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/customers/{id}/audit")]
pub async fn list_customer_audit(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let events = state
        .read(move |conn| {
            let scope = scope_of(conn, &user)?;
            visible(conn, &scope, id.0, false)?;
            Ok(audit::for_entity(conn, "customer", id.0)?)
        })
        .await?;
    let list: Vec<AuditEvent> = events
        .into_iter()
        .map(|e| AuditEvent {
            id: e.id,
            action: e.action,
            actor_id: e.actor_id,
            detail: serde_json::from_str(&e.detail).unwrap_or(serde_json::Value::Null),
            at: e.at.and_utc(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(list))
}
