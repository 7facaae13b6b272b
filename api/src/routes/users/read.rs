//! Listing and reading users.

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use domain::auth::ApiScope;
use domain::org::Role;
use persistence::directory;
use persistence::users::{UserAfter, UserFilter, UserSort};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::caller::Caller;
use crate::error::ApiError;
use crate::extract::{PathId, Query};
use crate::pagination::{self, time_key};
use crate::state::AppState;

use super::*;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListUsersQuery {
    pub role: Option<RoleDto>,
    pub department_id: Option<i64>,
    pub active: Option<bool>,
    /// Case-insensitive part of the name or e-mail.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// Only users changed at or after this time (for sync).
    pub updated_since: Option<DateTime<Utc>>,
    /// `id` (default), `name` or `updated_at`; prefix `-` for descending.
    #[param(pattern = r"^(-?(id|name|updated_at))?$")]
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

/// Lists users, filtered and keyset-paginated.
///
/// Everyone sees names, roles and departments; e-mails and last sign-in only
/// within the caller's scope (`q` matches e-mails only for admins and keys).
#[utoipa::path(
    tag = "users",
    params(ListUsersQuery),
    responses(
        (status = 200, body = UserPage),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
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
        q_matches_email: false,
        updated_since: q.updated_since,
    };
    let descending = sort.descending;
    let (rows, viewer) = state
        .read(move |conn| {
            Ok(directory::list(
                conn,
                &caller,
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
        data: rows
            .into_iter()
            .map(|r| UserDto::try_from(r).map(|u| u.for_viewer(&viewer)))
            .collect::<Result<_, _>>()?,
        next_cursor,
    }))
}

/// Reads one user.
#[utoipa::path(
    tag = "users",
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 200, body = UserDto, headers(("ETag" = String))),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
    ),
    security(("bearer" = []), ("api_key" = ["users:read"]))
)]
#[get("/users/{id}")]
pub async fn get_user(state: web::Data<AppState>, caller: Caller, id: PathId) -> Result<HttpResponse, ApiError> {
    caller.require_user_or_scope(ApiScope::UsersRead)?;
    let (row, viewer) = state
        .read(move |conn| directory::find(conn, &caller, id.0)?.ok_or_else(|| ApiError::not_found("user")))
        .await?;
    let dto = UserDto::try_from(row)?.for_viewer(&viewer);
    Ok(with_etag(actix_web::http::StatusCode::OK, dto))
}
