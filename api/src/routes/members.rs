//! Team members of a customer (协作人): the owner, their manager or an admin
//! shares a customer with colleagues, read-write or read-only, optionally
//! until a date. Members see it in their lists; read-write members edit it.

use actix_web::{HttpRequest, HttpResponse, delete, get, put, web};
use chrono::{DateTime, Utc};
use persistence::customers::{self, MemberRow};
use persistence::{audit, now_utc, users};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use validator::Validate;

use crate::caller::AuthUser;
use crate::error::ApiError;
use crate::extract::{Json, PathId, path_id};
use crate::routes::customers::{UserRef, visible};
use crate::routes::scope::scope_of;
use crate::state::AppState;
use persistence::Found;

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

fn to_member(m: MemberRow, name: Option<String>) -> Result<Member, ApiError> {
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
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/customers/{id}/members")]
pub async fn list_members(state: web::Data<AppState>, user: AuthUser, id: PathId) -> Result<HttpResponse, ApiError> {
    let list = state
        .read(move |conn| {
            let scope = scope_of(conn, &user)?;
            visible(conn, &scope, id.0, false)?;
            let rows = customers::members(conn, id.0)?;
            let ids: Vec<i64> = rows.iter().map(|m| m.user_id).collect();
            let mut names = customers::owner_names(conn, &ids)?;
            rows.into_iter()
                .map(|m| {
                    let name = names.remove(&m.user_id);
                    to_member(m, name)
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
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
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 422, response = crate::openapi::Unprocessable),
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
    let m = state
        .write(move |conn| {
            let scope = scope_of(conn, &user)?;
            let customer = visible(conn, &scope, id, true)?;
            let target = users::find(conn, member).found()?.filter(|u| u.active).ok_or_else(|| {
                ApiError::invalid_field("user_id", "not_found", format!("there is no active user {member}"))
            })?;
            if customer.owner_id == Some(member) {
                return Err(ApiError::invalid_field(
                    "user_id",
                    "owner",
                    "the owner needs no membership",
                ));
            }
            let allowed = domain::scope::may_share(&scope, user.department_id, target.department_id);
            if !allowed {
                return Err(ApiError::forbidden("you may share only with colleagues of your team"));
            }
            let now = now_utc();
            let row = customers::put_member(conn, id, member, b.access.as_str(), b.expires_at, now)?;
            let detail = json!({"user_id": member, "access": b.access.as_str()}).to_string();
            audit::record(conn, "customer", id, "shared", Some(user.id), &detail, now)?;
            to_member(row, Some(target.name))
        })
        .await?;
    Ok(HttpResponse::Ok().json(m))
}

/// Stops sharing a customer with a colleague.
#[utoipa::path(
    tag = "customers",
    params(("id" = i64, Path, description = "Customer id"), ("user_id" = i64, Path, description = "The colleague")),
    responses(
        (status = 204, description = "No longer shared"),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
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
    state
        .write(move |conn| {
            let scope = scope_of(conn, &user)?;
            visible(conn, &scope, id, true)?;
            if !customers::remove_member(conn, id, member)? {
                return Err(ApiError::not_found("member"));
            }
            let detail = json!({"user_id": member}).to_string();
            audit::record(conn, "customer", id, "unshared", Some(user.id), &detail, now_utc())?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
