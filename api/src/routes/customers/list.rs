//! Reading customers: filtered keyset pages, one customer, and the
//! deleted-ids feed for mobile sync.

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use domain::custom_fields::CustomEntity;
use persistence::customers::{self, CustomerAfter, CustomerFilter, CustomerSort};
use persistence::now_utc;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::caller::{Acting, AuthUser, scope};
use crate::error::ApiError;
use crate::extract::{PathId, Query};
use crate::pagination::{self, time_key};
use crate::state::AppState;

use super::*;

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
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
    #[param(max_length = 200)]
    pub q: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
    /// A custom field's key, filtered with `custom_eq`, or `custom_from`/`custom_to` (numbers, money in minor units, dates).
    pub custom_field: Option<String>,
    /// Equal to (a select's option; a multi select holding it; `true`/`false`).
    pub custom_eq: Option<String>,
    /// At least (inclusive).
    pub custom_from: Option<String>,
    /// At most (inclusive).
    pub custom_to: Option<String>,
    /// `id` (default), `name` or `updated_at`; prefix `-` for descending.
    #[param(pattern = r"^(-?(id|name|updated_at))?$")]
    pub sort: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerPage {
    pub data: Vec<CustomerDto>,
    pub next_cursor: Option<String>,
}

/// Lists the customers the caller may see, filtered and keyset-paginated.
#[utoipa::path(
    tag = "customers",
    params(ListCustomersQuery),
    responses(
        (status = 200, body = CustomerPage),
        (status = 401, response = crate::responses::Unauthorized),
    ),
    security(("bearer" = []), ("api_key" = ["customers:read"]))
)]
#[get("/customers")]
pub async fn list_customers(
    state: web::Data<AppState>,
    Acting(user, _): Acting<scope::CustomersRead>,
    query: Query<ListCustomersQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(page(state, user, query.0).await?))
}

/// One page of the customers the caller may see.
pub(crate) async fn page(
    state: web::Data<AppState>,
    user: AuthUser,
    q: ListCustomersQuery,
) -> Result<CustomerPage, ApiError> {
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
        custom: None,
    };
    let custom_query = crate::custom::CustomFilterQuery {
        custom_field: q.custom_field,
        custom_eq: q.custom_eq,
        custom_from: q.custom_from,
        custom_to: q.custom_to,
    };
    let descending = sort.descending;
    let mut filter = filter;
    let (rows, owners, tags, custom, masking) = state
        .read(move |conn| {
            filter.custom = custom_query.resolve(conn, CustomEntity::Customer)?;
            let page = customers::CustomerPageRequest {
                sort: by,
                descending,
                after,
                limit: limit + 1,
            };
            let (rows, masking) = customers::list(conn, &user.principal(), &filter, &page, now_utc())?;
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            let owner_ids: Vec<i64> = rows.iter().filter_map(|r| r.owner_id).collect();
            let owners = customers::owner_names(conn, &owner_ids)?;
            let tags = customers::tags_of(conn, &ids)?;
            let custom = crate::custom::values(conn, CustomEntity::Customer, &ids)?;
            Ok((rows, owners, tags, custom, masking))
        })
        .await?;
    let (rows, next_cursor) = pagination::finish(rows, limit, &sort, |r| match sort.field {
        "name" => (r.name.clone().into(), r.id),
        "updated_at" => (time_key(r.updated_at), r.id),
        _ => (r.id.into(), r.id),
    });
    let (mut tags, mut custom) = (tags, custom);
    let data = rows
        .into_iter()
        .map(|r| {
            let owner = r.owner_id.and_then(|o| owners.get(&o).cloned());
            let t = tags.remove(&r.id).unwrap_or_default();
            let custom_fields = custom.remove(&r.id).unwrap_or_default();
            let masked = masking.masks(r.owner_id);
            CustomerDto {
                custom_fields,
                ..to_dto(r, owner, t)
            }
            .masked_if(masked)
        })
        .collect();
    Ok(CustomerPage { data, next_cursor })
}

/// Reads one customer (404 when it is not one the caller may see).
#[utoipa::path(
    tag = "customers",
    params(("id" = i64, Path, description = "Customer id")),
    responses(
        (status = 200, body = CustomerDto, headers(("ETag" = String))),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
    ),
    security(("bearer" = []), ("api_key" = ["customers:read"]))
)]
#[get("/customers/{id}")]
pub async fn get_customer(
    state: web::Data<AppState>,
    Acting(user, _): Acting<scope::CustomersRead>,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let capped = user.role != domain::org::Role::Admin;
    let load = move |conn: &mut persistence::DbConn| {
        let found = visible_named(conn, &user.principal(), id.0, false)?;
        if capped {
            // counted only when the record is one the caller may see
            crate::caps::take_one(conn, &user, domain::guard::Counted::DetailRead, now_utc())?;
        }
        Ok(dto_named(conn, found.row, found.owner_name)?.masked_if(found.masked))
    };
    let dto = if capped {
        state.write(load).await?
    } else {
        state.read(load).await?
    };
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

/// Ids of customers deleted since a time, for mobile sync (oldest first).
#[utoipa::path(
    tag = "customers",
    params(DeletedQuery),
    responses(
        (status = 200, body = pagination::DeletedPage),
        (status = 401, response = crate::responses::Unauthorized),
    ),
    security(("bearer" = []), ("api_key" = ["customers:read"]))
)]
#[get("/customers/deleted")]
pub async fn list_deleted_customers(
    state: web::Data<AppState>,
    Acting(user, _): Acting<scope::CustomersRead>,
    query: Query<DeletedQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let (limit, after) = pagination::deleted_feed_start(q.limit, q.cursor.as_deref())?;
    let rows = state
        .read(move |conn| {
            Ok(customers::deleted_since(
                conn,
                &user.principal(),
                q.since,
                after,
                limit + 1,
                now_utc(),
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(pagination::deleted_page(rows, limit)))
}
