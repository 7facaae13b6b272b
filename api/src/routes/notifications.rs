//! The change feed (通知): owner changes, returns to the pool, won and lost
//! deals, contracts waiting for approval, within the caller's scope: a
//! manager sees their department subtree, a rep their own records.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use persistence::events::{EventRow, feed};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::caller::AuthUser;
use crate::error::ApiError;
use crate::extract::{Json, Query};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationDto {
    pub id: i64,
    #[schema(example = "customer.owner_changed")]
    pub event: String,
    pub entity: String,
    pub entity_id: i64,
    #[schema(example = "客户负责人变更：北京字节跳动科技有限公司")]
    pub summary: String,
    pub owner_id: Option<i64>,
    pub actor_id: Option<i64>,
    /// The facts (as in the webhook body's `data`).
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    pub occurred_at: DateTime<Utc>,
    pub read: bool,
}

fn dto(e: EventRow, last_read: i64) -> NotificationDto {
    NotificationDto {
        read: e.id <= last_read,
        data: serde_json::from_str(&e.data).unwrap_or_default(),
        id: e.id,
        event: e.kind,
        entity: e.entity,
        entity_id: e.entity_id,
        summary: e.summary,
        owner_id: e.owner_id,
        actor_id: e.actor_id,
        occurred_at: e.occurred_at.and_utc(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationPage {
    pub data: Vec<NotificationDto>,
    /// Unread notifications in all (not only on this page).
    pub unread: i64,
    /// Everything up to this id is read.
    pub last_read_id: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NotificationsQuery {
    /// Only unread ones (default false).
    pub unread: Option<bool>,
    /// Older than this id (the next page: the last id you got).
    #[param(minimum = 1)]
    pub before: Option<i64>,
    /// 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// The caller's change feed, newest first, with the unread count.
#[utoipa::path(
    tag = "notifications",
    params(NotificationsQuery),
    responses(
        (status = 200, body = NotificationPage),
        (status = 401, response = crate::responses::Unauthorized),
    ),
    security(("bearer" = []))
)]
#[get("/notifications")]
pub async fn list_notifications(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<NotificationsQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let limit = i64::from(crate::pagination::limit(Some(q.limit.unwrap_or(50)))?);
    crate::pagination::before_id(q.before, "notification")?;
    let page = state
        .read(move |conn| {
            let (rows, last_read_id, unread) = feed::page(
                conn,
                &user.principal(),
                user.id,
                q.unread.unwrap_or(false),
                q.before,
                limit,
            )?;
            Ok(NotificationPage {
                data: rows.into_iter().map(|e| dto(e, last_read_id)).collect(),
                unread,
                last_read_id,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnreadCount {
    pub unread: i64,
    pub last_read_id: i64,
}

/// How many notifications the caller has not read (for a badge).
#[utoipa::path(
    tag = "notifications",
    responses(
        (status = 200, body = UnreadCount),
        (status = 401, response = crate::responses::Unauthorized),
    ),
    security(("bearer" = []))
)]
#[get("/notifications/unread-count")]
pub async fn unread_count(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let count = state
        .read(move |conn| {
            Ok(UnreadCount {
                unread: feed::unread_count(conn, &user.principal(), user.id)?,
                last_read_id: feed::last_read(conn, user.id)?,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(count))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkRead {
    /// Mark read up to this id; everything when absent.
    #[validate(range(min = 1))]
    #[schema(minimum = 1)]
    pub up_to: Option<i64>,
}

/// Marks the feed read up to an id, or all of it. The mark never moves back.
#[utoipa::path(
    tag = "notifications",
    request_body = MarkRead,
    responses(
        (status = 200, body = UnreadCount),
        (status = 401, response = crate::responses::Unauthorized),
    ),
    security(("bearer" = []))
)]
#[post("/notifications/read")]
pub async fn mark_read(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<MarkRead>,
) -> Result<HttpResponse, ApiError> {
    let up_to = body.0.up_to.map(|i| i.max(0));
    let count = state
        .write(move |conn| {
            let (last_read_id, unread) = feed::mark_read(conn, &user.principal(), user.id, up_to)?;
            Ok(UnreadCount { unread, last_read_id })
        })
        .await?;
    Ok(HttpResponse::Ok().json(count))
}
