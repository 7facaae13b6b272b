//! The team's activities: an admin reads all, a manager their department
//! subtree's, a rep their own and those they came along on. Filtered,
//! keyset-paged, with `updated_since` and a deleted-ids feed for mobile sync.

use actix_web::{HttpResponse, delete, get, web};
use chrono::{DateTime, Utc};
use persistence::activities::{self, ActivityAfter, ActivityFilter, ActivitySort};
use persistence::now_utc;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{ActivityKind, ActivityPage, to_dtos};
use crate::caller::AuthUser;
use crate::error::ApiError;
use crate::extract::{PathId, Query};
use crate::pagination::{self, time_key};
use crate::state::AppState;

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListActivitiesQuery {
    pub kind: Option<ActivityKind>,
    pub customer_id: Option<i64>,
    /// The author.
    pub created_by: Option<i64>,
    /// Happened at or after this time.
    pub occurred_from: Option<DateTime<Utc>>,
    /// Happened before this time.
    pub occurred_before: Option<DateTime<Utc>>,
    /// Created or changed at or after this time (mobile sync).
    pub updated_since: Option<DateTime<Utc>>,
    /// `id` (default), `occurred_at` or `updated_at`; prefix `-` for descending.
    #[param(pattern = r"^(-?(id|occurred_at|updated_at))?$")]
    pub sort: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Lists the activities the caller may read.
#[utoipa::path(
    tag = "activities",
    params(ListActivitiesQuery),
    responses(
        (status = 200, body = ActivityPage),
        (status = 401, response = crate::responses::Unauthorized),
    ),
    security(("bearer" = []))
)]
#[get("/activities")]
pub async fn list_activities(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<ListActivitiesQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(activity_page(state, user, query.0).await?))
}

/// One page of the list, for the handler and for exports.
pub(crate) async fn activity_page(
    state: web::Data<AppState>,
    user: AuthUser,
    q: ListActivitiesQuery,
) -> Result<ActivityPage, ApiError> {
    let sort = pagination::parse_sort(q.sort.as_deref(), &["id", "occurred_at", "updated_at"])?;
    let limit = pagination::limit(q.limit)?;
    let after = match pagination::decode_cursor(q.cursor.as_deref(), &sort)? {
        None => None,
        Some(p) => Some(match sort.field {
            "occurred_at" => ActivityAfter::OccurredAt(p.time()?, p.id),
            "updated_at" => ActivityAfter::UpdatedAt(p.time()?, p.id),
            _ => ActivityAfter::Id(p.id),
        }),
    };
    let by = match sort.field {
        "occurred_at" => ActivitySort::OccurredAt,
        "updated_at" => ActivitySort::UpdatedAt,
        _ => ActivitySort::Id,
    };
    let filter = ActivityFilter {
        kind: q.kind.map(|k| k.as_str().to_owned()),
        customer_id: q.customer_id,
        created_by: q.created_by,
        occurred_from: q.occurred_from,
        occurred_before: q.occurred_before,
        updated_since: q.updated_since,
    };
    let (data, next_cursor) = state
        .read(move |conn| {
            let rows = activities::list(conn, &user.principal(), &filter, by, sort.descending, after, limit + 1)?;
            let (rows, next) = pagination::finish(rows, limit, &sort, |r| match sort.field {
                "occurred_at" => (time_key(r.occurred_at), r.id),
                "updated_at" => (time_key(r.updated_at.unwrap_or(r.created_at)), r.id),
                _ => (r.id.into(), r.id),
            });
            Ok((to_dtos(conn, rows)?, next))
        })
        .await?;
    Ok(ActivityPage { data, next_cursor })
}

/// Ids of activities deleted since a time, for mobile sync (oldest first).
#[utoipa::path(
    tag = "activities",
    params(crate::routes::customers::DeletedQuery),
    responses(
        (status = 200, body = pagination::DeletedPage),
        (status = 401, response = crate::responses::Unauthorized),
    ),
    security(("bearer" = []))
)]
#[get("/activities/deleted")]
pub async fn list_deleted_activities(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<crate::routes::customers::DeletedQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let (limit, after) = pagination::deleted_feed_start(q.limit, q.cursor.as_deref())?;
    let rows = state
        .read(move |conn| {
            Ok(activities::deleted_since(
                conn,
                &user.principal(),
                q.since,
                after,
                limit + 1,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(pagination::deleted_page(rows, limit)))
}

/// Deletes an activity: its author, or a manager or admin who may read it.
#[utoipa::path(
    tag = "activities",
    params(("id" = i64, Path, description = "Activity id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
    ),
    security(("bearer" = []))
)]
#[delete("/activities/{id}")]
pub async fn delete_activity(state: web::Data<AppState>, user: AuthUser, id: PathId) -> Result<HttpResponse, ApiError> {
    state
        .write(move |conn| {
            activities::delete(conn, &user.principal(), id.0, now_utc())
                .map_err(|e| ApiError::refused_about(e, "activity"))
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
