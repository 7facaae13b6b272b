//! Changing and deactivating a user (admin); ending sessions with them.

use actix_web::{HttpResponse, patch, post, web};
use domain::org::Role;
use persistence::now_utc;
use persistence::user_change;
use persistence::users::UserRow;
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::caller::AdminUser;
use crate::error::ApiError;
use crate::extract::{IfMatch, Json, PathId, double_option};
use crate::state::AppState;

use super::*;

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
    #[validate(range(min = 0, max = 1_000_000))]
    #[schema(value_type = Option<i32>, minimum = 0, maximum = 1_000_000)]
    pub max_customers: Option<Option<i32>>,
    /// A new password; signs the user out everywhere.
    #[schema(min_length = 10, max_length = 128)]
    pub password: Option<String>,
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
    let change = user_change::UserChange {
        name: change.name.map(|n| n.trim().to_owned()),
        role: change.role.map(Role::from),
        department_id: change.department_id,
        active: change.active,
        max_customers: change.max_customers,
        password_hash: hash,
    };
    state
        .write(move |conn| user_change::change(conn, actor, id, version, change, now_utc()).map_err(ApiError::refused))
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
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
        (status = 409, response = crate::responses::Conflict),
        (status = 412, response = crate::responses::PreconditionFailed),
        (status = 422, response = crate::responses::Unprocessable),
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
    Ok(with_etag(actix_web::http::StatusCode::OK, row.try_into()?))
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
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
        (status = 409, response = crate::responses::Conflict),
        (status = 412, response = crate::responses::PreconditionFailed),
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
    Ok(with_etag(actix_web::http::StatusCode::OK, row.try_into()?))
}
