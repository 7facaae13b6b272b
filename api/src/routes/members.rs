//! Team members of a customer (协作人): the owner, their manager or an admin
//! shares a customer with colleagues, read-write or read-only, optionally
//! until a date. Members see it in their lists; read-write members edit it.

use actix_web::{HttpRequest, HttpResponse, delete, get, put, web};
use chrono::{DateTime, Utc};
use persistence::customers;
use persistence::now_utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::caller::AuthUser;
use crate::error::ApiError;
use crate::extract::{Json, PathId, path_id};
use crate::routes::customers::UserRef;
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MemberAccess {
    ReadWrite,
    ReadOnly,
}

crate::words::same_words!(MemberAccess, domain::vocabulary::MemberAccess, [ReadWrite, ReadOnly]);

#[derive(Debug, Serialize, ToSchema)]
pub struct Member {
    pub user: UserRef,
    pub access: MemberAccess,
    /// Access ends at this time; `null` for no end.
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutMember {
    pub access: MemberAccess,
    pub expires_at: Option<DateTime<Utc>>,
}

fn to_member(customers::Member { row: m, name }: customers::Member) -> Result<Member, ApiError> {
    Ok(Member {
        user: UserRef {
            id: m.user_id,
            name: name.unwrap_or_default(),
        },
        access: crate::words::stored::<domain::vocabulary::MemberAccess>(&m.access)?.into(),
        expires_at: m.expires_at.map(|t| t.and_utc()),
        created_at: m.created_at.and_utc(),
    })
}

/// Lists a customer's team members.
#[utoipa::path(
    tag = "customers",
    params(("id" = i64, Path, description = "Customer id")),
    responses(
        (status = 200, body = Vec<Member>),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/customers/{id}/members")]
pub async fn list_members(state: web::Data<AppState>, user: AuthUser, id: PathId) -> Result<HttpResponse, ApiError> {
    let by = user.principal();
    let team = state
        .read(move |conn| customers::team(conn, &by, id.0, now_utc()).map_err(ApiError::refused))
        .await?;
    let list = team.into_iter().map(to_member).collect::<Result<Vec<_>, _>>()?;
    Ok(HttpResponse::Ok().json(list))
}

/// Shares a customer with a colleague, or changes their access. Reps share
/// with their own department, managers within their subtree, admins with anyone.
#[utoipa::path(
    tag = "customers",
    request_body = PutMember,
    params(("id" = i64, Path, description = "Customer id"), ("user_id" = i64, Path, description = "The colleague")),
    responses(
        (status = 200, body = Member),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[put("/customers/{id}/members/{user_id}")]
pub async fn put_member(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    body: Json<PutMember>,
) -> Result<HttpResponse, ApiError> {
    let (id, member) = (path_id(&req, "id")?, path_id(&req, "user_id")?);
    let b = body.0;
    let by = user.principal();
    let m = state
        .write(move |conn| {
            customers::share(conn, &by, id, member, b.access.as_str(), b.expires_at, now_utc())
                .map_err(ApiError::refused)
        })
        .await?;
    let m = to_member(m)?;
    Ok(HttpResponse::Ok().json(m))
}

/// Stops sharing a customer with a colleague.
#[utoipa::path(
    tag = "customers",
    params(("id" = i64, Path, description = "Customer id"), ("user_id" = i64, Path, description = "The colleague")),
    responses(
        (status = 204, description = "No longer shared"),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
    ),
    security(("bearer" = []))
)]
#[delete("/customers/{id}/members/{user_id}")]
pub async fn delete_member(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (id, member) = (path_id(&req, "id")?, path_id(&req, "user_id")?);
    let by = user.principal();
    state
        .write(move |conn| customers::unshare(conn, &by, id, member, now_utc()).map_err(ApiError::refused))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
