//! Users: anyone signed in (or a key with `users:read`) reads the directory;
//! only admins create, change and deactivate.

use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use domain::auth::ApiScope;
use domain::org::{Role, UserFacts, check_password_policy, check_user_change, normalize_login_email};
use persistence::Found;
use persistence::users::{self, UserAfter, UserChangeset, UserFilter, UserRow, UserSort};
use persistence::{DbConn, departments, now_utc, sessions};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::caller::{AdminUser, Caller};
use crate::error::{ApiError, ErrorCode, FieldError};
use crate::extract::{IfMatch, Json, PathId, Query, double_option, etag};
use crate::pagination::{self, time_key};
use crate::security::hash_password;
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoleDto {
    Admin,
    Manager,
    Rep,
}

impl From<RoleDto> for Role {
    fn from(r: RoleDto) -> Role {
        match r {
            RoleDto::Admin => Role::Admin,
            RoleDto::Manager => Role::Manager,
            RoleDto::Rep => Role::Rep,
        }
    }
}

impl From<Role> for RoleDto {
    fn from(r: Role) -> RoleDto {
        match r {
            Role::Admin => RoleDto::Admin,
            Role::Manager => RoleDto::Manager,
            Role::Rep => RoleDto::Rep,
        }
    }
}

/// A user as the API shows it (never the password hash).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserDto {
    pub id: i64,
    #[schema(example = "li.lei@example.com")]
    pub email: String,
    #[schema(example = "李雷")]
    pub name: String,
    pub role: RoleDto,
    pub department_id: Option<i64>,
    pub active: bool,
    /// Cap on owned customers; `null` uses the organisation default.
    pub max_customers: Option<i32>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Increases with every change; sent as the `ETag`.
    pub version: i64,
}

fn role_of(row: &UserRow) -> Role {
    row.role.parse().unwrap_or(Role::Rep)
}

impl From<UserRow> for UserDto {
    fn from(r: UserRow) -> UserDto {
        UserDto {
            role: role_of(&r).into(),
            id: r.id,
            email: r.email,
            name: r.name,
            department_id: r.department_id,
            active: r.active,
            max_customers: r.max_customers,
            last_login_at: r.last_login_at.map(|t| t.and_utc()),
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
            version: r.version,
        }
    }
}

fn facts(r: &UserRow) -> UserFacts {
    UserFacts {
        id: r.id,
        role: role_of(r),
        active: r.active,
        department_id: r.department_id,
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    #[schema(example = "li.lei@example.com", max_length = 254)]
    pub email: String,
    #[validate(length(min = 1, max = 100))]
    #[schema(example = "李雷", min_length = 1, max_length = 100)]
    pub name: String,
    /// 10 to 128 characters.
    #[schema(min_length = 10, max_length = 128)]
    pub password: String,
    pub role: RoleDto,
    pub department_id: Option<i64>,
    #[validate(range(min = 0, max = 1_000_000))]
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub max_customers: Option<i32>,
}

/// Fields to change; absent fields stay, `null` clears a nullable field.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    pub role: Option<RoleDto>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub department_id: Option<Option<i64>>,
    pub active: Option<bool>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i32>, minimum = 0, maximum = 1_000_000)]
    pub max_customers: Option<Option<i32>>,
    /// A new password; signs the user out everywhere.
    #[schema(min_length = 10, max_length = 128)]
    pub password: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListUsersQuery {
    pub role: Option<RoleDto>,
    pub department_id: Option<i64>,
    pub active: Option<bool>,
    /// Case-insensitive part of the name or e-mail.
    pub q: Option<String>,
    /// Only users changed at or after this time (for sync).
    pub updated_since: Option<DateTime<Utc>>,
    /// `id` (default), `name` or `updated_at`; prefix `-` for descending.
    pub sort: Option<String>,
    /// 1 to 200, default 50.
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserPage {
    pub data: Vec<UserDto>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

fn with_etag(status: actix_web::http::StatusCode, user: UserDto) -> HttpResponse {
    let mut res = HttpResponse::build(status);
    res.insert_header(("ETag", etag(user.version)));
    if status == actix_web::http::StatusCode::CREATED {
        res.insert_header(("Location", format!("/api/v1/users/{}", user.id)));
    }
    res.json(user)
}

fn password_hash_of(password: Option<String>) -> Result<Option<String>, ApiError> {
    let Some(p) = password else { return Ok(None) };
    check_password_policy(&p).map_err(|e| ApiError::invalid_field("password", "password_policy", e.to_string()))?;
    hash_password(&p).map(Some).map_err(ApiError::internal)
}

fn check_department(conn: &mut DbConn, department_id: Option<i64>) -> Result<(), ApiError> {
    match department_id {
        Some(id) if !departments::exists(conn, id)? => Err(ApiError::invalid_field(
            "department_id",
            "not_found",
            format!("there is no department {id}"),
        )),
        _ => Ok(()),
    }
}

fn rule_error(e: domain::org::UserRuleError) -> ApiError {
    match e.field() {
        Some(field) => ApiError::invalid_field(field, "rule", e.to_string()),
        None => ApiError::conflict(ErrorCode::UserRule, e.to_string()),
    }
}

/// Lists users, filtered and keyset-paginated.
#[utoipa::path(
    tag = "users",
    params(ListUsersQuery),
    responses(
        (status = 200, body = UserPage),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    ),
    security(("bearer" = []), ("api_key" = ["users:read"]))
)]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<ListUsersQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require_user_or_scope(ApiScope::UsersRead)?;
    let q = query.0;
    let sort = pagination::parse_sort(q.sort.as_deref(), &["id", "name", "updated_at"])?;
    let limit = pagination::limit(q.limit)?;
    let after = match pagination::decode_cursor(q.cursor.as_deref(), &sort)? {
        None => None,
        Some(p) => Some(match sort.field {
            "name" => UserAfter::Name(p.text()?, p.id),
            "updated_at" => UserAfter::UpdatedAt(p.time()?, p.id),
            _ => UserAfter::Id(p.id),
        }),
    };
    let user_sort = match sort.field {
        "name" => UserSort::Name,
        "updated_at" => UserSort::UpdatedAt,
        _ => UserSort::Id,
    };
    let filter = UserFilter {
        role: q.role.map(|r| Role::from(r).as_str().to_owned()),
        department_id: q.department_id,
        active: q.active,
        q: q.q.filter(|s| !s.trim().is_empty()).map(|s| s.trim().to_owned()),
        updated_since: q.updated_since,
    };
    let descending = sort.descending;
    let rows = state
        .read(move |conn| {
            Ok(users::list(
                conn,
                &filter,
                user_sort,
                descending,
                after.as_ref(),
                limit + 1,
            )?)
        })
        .await?;
    let (rows, next_cursor) = pagination::finish(rows, limit, &sort, |r| match sort.field {
        "name" => (r.name.clone().into(), r.id),
        "updated_at" => (time_key(r.updated_at), r.id),
        _ => (r.id.into(), r.id),
    });
    Ok(HttpResponse::Ok().json(UserPage {
        data: rows.into_iter().map(UserDto::from).collect(),
        next_cursor,
    }))
}

/// Creates a user (admin).
#[utoipa::path(
    tag = "users",
    request_body = CreateUser,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for a retried request")),
    responses(
        (status = 201, body = UserDto, headers(("ETag" = String), ("Location" = String))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 409, response = crate::openapi::Conflict),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    _admin: AdminUser,
    body: Json<CreateUser>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let mut errors: Vec<FieldError> = Vec::new();
    let email = normalize_login_email(&b.email)
        .map_err(|e| errors.push(FieldError::new("email", "email", e.to_string())))
        .unwrap_or_default();
    if let Err(e) = check_password_policy(&b.password) {
        errors.push(FieldError::new("password", "password_policy", e.to_string()));
    }
    let role = Role::from(b.role);
    let candidate = UserFacts {
        id: 0,
        role,
        active: true,
        department_id: b.department_id,
    };
    if let Err(e) = check_user_change(0, None, &candidate, 0) {
        errors.push(FieldError::new(e.field().unwrap_or("role"), "rule", e.to_string()));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let password = b.password;
    let hash = web::block(move || hash_password(&password))
        .await?
        .map_err(ApiError::internal)?;
    let name = b.name.trim().to_owned();
    let row = state
        .write(move |conn| {
            check_department(conn, b.department_id)?;
            let now = persistence::naive_now();
            let new = users::NewUserRow {
                email,
                name,
                password_hash: hash,
                role: role.as_str().to_owned(),
                department_id: b.department_id,
                active: true,
                max_customers: b.max_customers,
                created_at: now,
                updated_at: now,
            };
            Ok(users::insert(conn, &new)?)
        })
        .await?;
    Ok(with_etag(actix_web::http::StatusCode::CREATED, row.into()))
}

/// Reads one user.
#[utoipa::path(
    tag = "users",
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 200, body = UserDto, headers(("ETag" = String))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
    ),
    security(("bearer" = []), ("api_key" = ["users:read"]))
)]
#[get("/users/{id}")]
pub async fn get_user(state: web::Data<AppState>, caller: Caller, id: PathId) -> Result<HttpResponse, ApiError> {
    caller.require_user_or_scope(ApiScope::UsersRead)?;
    let row = state
        .read(move |conn| {
            users::find(conn, id.0)
                .found()?
                .ok_or_else(|| ApiError::not_found("user"))
        })
        .await?;
    Ok(with_etag(actix_web::http::StatusCode::OK, row.into()))
}

/// Applies an admin's change to a user, enforcing the user rules; revokes the
/// user's sessions when deactivated or given a new password.
async fn change_user(
    state: &AppState,
    actor: i64,
    id: i64,
    version: Option<i64>,
    change: UpdateUser,
) -> Result<UserRow, ApiError> {
    let password = change.password.clone();
    let hash = web::block(move || password_hash_of(password)).await??;
    state
        .write(move |conn| {
            let before = users::find(conn, id)
                .found()?
                .ok_or_else(|| ApiError::not_found("user"))?;
            let after = UserFacts {
                id,
                role: change.role.map_or_else(|| role_of(&before), Role::from),
                active: change.active.unwrap_or(before.active),
                department_id: change.department_id.unwrap_or(before.department_id),
            };
            check_user_change(actor, Some(&facts(&before)), &after, users::count_active_admins(conn)?)
                .map_err(rule_error)?;
            if change.department_id.is_some() {
                check_department(conn, after.department_id)?;
            }
            if before.active && !after.active {
                let owned = persistence::customers::count_owned(conn, id)?;
                if owned > 0 {
                    return Err(ApiError::conflict(
                        ErrorCode::UserOwnsCustomers,
                        format!("{} still owns {owned} customers: transfer them first", before.name),
                    )
                    .with_context(serde_json::json!({"customers": owned})));
                }
            }
            let revoke = (before.active && !after.active) || hash.is_some();
            let changes = UserChangeset {
                name: change.name.map(|n| n.trim().to_owned()),
                role: change.role.map(|r| Role::from(r).as_str().to_owned()),
                department_id: change.department_id,
                active: change.active,
                max_customers: change.max_customers,
                password_hash: hash,
            };
            let now = now_utc();
            let row = users::update(conn, id, version, &changes, now)?;
            if revoke {
                sessions::revoke_user(conn, id, now)?;
            }
            Ok(row)
        })
        .await
        .inspect(|_| state.auth_cache.forget(id))
}

/// Changes a user (admin). Send `If-Match` with the ETag you read to avoid
/// overwriting someone else's change (412 when stale).
#[utoipa::path(
    tag = "users",
    request_body = UpdateUser,
    params(
        ("id" = i64, Path, description = "User id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read")
    ),
    responses(
        (status = 200, body = UserDto, headers(("ETag" = String))),
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
#[patch("/users/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    admin: AdminUser,
    id: PathId,
    if_match: IfMatch,
    body: Json<UpdateUser>,
) -> Result<HttpResponse, ApiError> {
    let row = change_user(&state, admin.0.id, id.0, if_match.0, body.0).await?;
    Ok(with_etag(actix_web::http::StatusCode::OK, row.into()))
}

/// Deactivates a user (admin): they can no longer sign in and their sessions end.
#[utoipa::path(
    tag = "users",
    params(
        ("id" = i64, Path, description = "User id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read")
    ),
    responses(
        (status = 200, body = UserDto, headers(("ETag" = String))),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 412, response = crate::openapi::PreconditionFailed),
    ),
    security(("bearer" = []))
)]
#[post("/users/{id}/deactivate")]
pub async fn deactivate_user(
    state: web::Data<AppState>,
    admin: AdminUser,
    id: PathId,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let change = UpdateUser {
        active: Some(false),
        ..UpdateUser::default()
    };
    let row = change_user(&state, admin.0.id, id.0, if_match.0, change).await?;
    Ok(with_etag(actix_web::http::StatusCode::OK, row.into()))
}
