//! The department tree: read by everyone signed in (or a key with
//! `departments:read`), changed by admins. Moves that would make a cycle are
//! refused; a department with sub-departments or users cannot be deleted.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use domain::auth::ApiScope;
use persistence::Found;
use persistence::departments::{self, DepartmentAfter, DepartmentChangeset, DepartmentFilter, DepartmentRow};
use persistence::now_utc;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::caller::{AdminUser, Caller};
use crate::error::{ApiError, ErrorCode};
use crate::extract::{IfMatch, Json, PathId, Query, double_option, etag};
use crate::pagination;
use crate::state::AppState;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DepartmentDto {
    pub id: i64,
    #[schema(example = "华东销售部")]
    pub name: String,
    pub parent_id: Option<i64>,
    pub manager_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl From<DepartmentRow> for DepartmentDto {
    fn from(r: DepartmentRow) -> Self {
        DepartmentDto {
            id: r.id,
            name: r.name,
            parent_id: r.parent_id,
            manager_id: r.manager_id,
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
            version: r.version,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDepartment {
    #[validate(length(min = 1, max = 100))]
    #[schema(example = "华东销售部", min_length = 1, max_length = 100)]
    pub name: String,
    pub parent_id: Option<i64>,
    pub manager_id: Option<i64>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateDepartment {
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    /// `null` makes it a top-level department.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub parent_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub manager_id: Option<Option<i64>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListDepartmentsQuery {
    pub parent_id: Option<i64>,
    /// Case-insensitive part of the name.
    #[param(max_length = 200)]
    pub q: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
    /// `id` (default) or `name`; prefix `-` for descending.
    #[param(pattern = r"^(-?(id|name))?$")]
    pub sort: Option<String>,
    /// 1 to 200, default 50.
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentPage {
    pub data: Vec<DepartmentDto>,
    pub next_cursor: Option<String>,
}

fn respond(status: StatusCode, d: DepartmentDto) -> HttpResponse {
    let mut res = HttpResponse::build(status);
    res.insert_header(("ETag", etag(d.version)));
    if status == StatusCode::CREATED {
        res.insert_header(("Location", format!("/api/v1/departments/{}", d.id)));
    }
    res.json(d)
}

/// Lists departments, filtered and keyset-paginated.
#[utoipa::path(
    tag = "departments",
    params(ListDepartmentsQuery),
    responses(
        (status = 200, body = DepartmentPage),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
    ),
    security(("bearer" = []), ("api_key" = ["departments:read"]))
)]
#[get("/departments")]
pub async fn list_departments(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<ListDepartmentsQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require_user_or_scope(ApiScope::DepartmentsRead)?;
    let q = query.0;
    let sort = pagination::parse_sort(q.sort.as_deref(), &["id", "name"])?;
    let limit = pagination::limit(q.limit)?;
    let by_name = sort.field == "name";
    let after = match pagination::decode_cursor(q.cursor.as_deref(), &sort)? {
        None => None,
        Some(p) if by_name => Some(DepartmentAfter::Name(p.text()?, p.id)),
        Some(p) => Some(DepartmentAfter::Id(p.id)),
    };
    let filter = DepartmentFilter {
        parent_id: q.parent_id,
        q: q.q.filter(|s| !s.trim().is_empty()).map(|s| s.trim().to_owned()),
        updated_since: q.updated_since,
    };
    let descending = sort.descending;
    let rows = state
        .read(move |conn| {
            Ok(departments::list(
                conn,
                &filter,
                descending,
                by_name,
                after.as_ref(),
                limit + 1,
            )?)
        })
        .await?;
    let (rows, next_cursor) = pagination::finish(rows, limit, &sort, |r| {
        if by_name {
            (r.name.clone().into(), r.id)
        } else {
            (r.id.into(), r.id)
        }
    });
    Ok(HttpResponse::Ok().json(DepartmentPage {
        data: rows.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}

/// Creates a department (admin).
#[utoipa::path(
    tag = "departments",
    request_body = CreateDepartment,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for a retried request")),
    responses(
        (status = 201, body = DepartmentDto, headers(("ETag" = String), ("Location" = String))),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 409, response = crate::responses::Conflict),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/departments")]
pub async fn create_department(
    state: web::Data<AppState>,
    _admin: AdminUser,
    body: Json<CreateDepartment>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let name = b.name.trim().to_owned();
    let row = state
        .write(move |conn| {
            departments::create(conn, name, b.parent_id, b.manager_id, now_utc()).map_err(ApiError::refused)
        })
        .await?;
    Ok(respond(StatusCode::CREATED, row.into()))
}

/// Reads one department.
#[utoipa::path(
    tag = "departments",
    params(("id" = i64, Path, description = "Department id")),
    responses(
        (status = 200, body = DepartmentDto, headers(("ETag" = String))),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
    ),
    security(("bearer" = []), ("api_key" = ["departments:read"]))
)]
#[get("/departments/{id}")]
pub async fn get_department(state: web::Data<AppState>, caller: Caller, id: PathId) -> Result<HttpResponse, ApiError> {
    caller.require_user_or_scope(ApiScope::DepartmentsRead)?;
    let row = state
        .read(move |conn| {
            departments::find(conn, id.0)
                .found()?
                .ok_or_else(|| ApiError::not_found("department"))
        })
        .await?;
    Ok(respond(StatusCode::OK, row.into()))
}

/// Renames, moves or re-assigns the manager of a department (admin).
#[utoipa::path(
    tag = "departments",
    request_body = UpdateDepartment,
    params(
        ("id" = i64, Path, description = "Department id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read")
    ),
    responses(
        (status = 200, body = DepartmentDto, headers(("ETag" = String))),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
        (status = 409, response = crate::responses::Conflict),
        (status = 412, response = crate::responses::PreconditionFailed),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[patch("/departments/{id}")]
pub async fn update_department(
    state: web::Data<AppState>,
    _admin: AdminUser,
    id: PathId,
    if_match: IfMatch,
    body: Json<UpdateDepartment>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let id = id.0;
    let changes = DepartmentChangeset {
        name: b.name.map(|n| n.trim().to_owned()),
        parent_id: b.parent_id,
        manager_id: b.manager_id,
    };
    let row = state
        .write(move |conn| departments::edit(conn, id, if_match.0, &changes, now_utc()).map_err(ApiError::refused))
        .await?;
    Ok(respond(StatusCode::OK, row.into()))
}

/// Deletes an empty department (admin): 409 while it has sub-departments or users.
#[utoipa::path(
    tag = "departments",
    params(
        ("id" = i64, Path, description = "Department id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read")
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
        (status = 409, response = crate::responses::Conflict),
        (status = 412, response = crate::responses::PreconditionFailed),
    ),
    security(("bearer" = []))
)]
#[delete("/departments/{id}")]
pub async fn delete_department(
    state: web::Data<AppState>,
    _admin: AdminUser,
    id: PathId,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let id = id.0;
    state
        .write(move |conn| match departments::delete(conn, id, if_match.0) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(in_use)) => Err(ApiError::conflict(
                ErrorCode::DepartmentInUse,
                format!(
                    "the department still has {} sub-departments and {} users; move them first",
                    in_use.children, in_use.users
                ),
            )
            .with_context(serde_json::json!({"children": in_use.children, "users": in_use.users}))),
            Err(persistence::RepoError::NotFound) => Err(ApiError::not_found("department")),
            Err(e) => Err(e.into()),
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
