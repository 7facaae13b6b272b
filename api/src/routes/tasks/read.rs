//! Reading tasks: the list the caller may see, and their calendar.

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Duration, Utc};
use domain::vocabulary::FieldCode;
use persistence::now_utc;
use persistence::tasks::{self, TaskFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{TaskDto, TaskKind, to_dto};
use crate::caller::AuthUser;
use crate::error::ApiError;
use crate::extract::Query;
use crate::pagination;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListTasksQuery {
    pub assignee_id: Option<i64>,
    pub customer_id: Option<i64>,
    pub kind: Option<TaskKind>,
    pub done: Option<bool>,
    /// Due (or starting) before this time; with `done=false`, what is due or overdue.
    pub before: Option<DateTime<Utc>>,
    pub updated_since: Option<DateTime<Utc>>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskPage {
    pub data: Vec<TaskDto>,
    pub next_cursor: Option<String>,
}

/// Lists the tasks the caller may see (their own; a manager's team's; all for an admin).
#[utoipa::path(
    tag = "tasks",
    params(ListTasksQuery),
    responses(
        (status = 200, body = TaskPage),
        (status = 401, response = crate::responses::Unauthorized),
    ),
    security(("bearer" = []))
)]
#[get("/tasks")]
pub async fn list_tasks(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<ListTasksQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let (limit, after) = pagination::by_id_start(q.limit, q.cursor.as_deref())?;
    let filter = TaskFilter {
        assignee_id: q.assignee_id,
        customer_id: q.customer_id,
        kind: q.kind.map(|k| k.as_str().to_owned()),
        done: q.done,
        before: q.before,
        updated_since: q.updated_since,
    };
    let rows = state
        .read(move |conn| Ok(tasks::list(conn, &user.principal(), &filter, after, limit + 1)?))
        .await?;
    let (data, next_cursor) = pagination::by_id_page(rows, limit, |r| r.id, to_dto)?;
    Ok(HttpResponse::Ok().json(TaskPage { data, next_cursor }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CalendarQuery {
    /// Default: now.
    pub from: Option<DateTime<Utc>>,
    /// Default: seven days after `from`; at most 62 days after it.
    pub to: Option<DateTime<Utc>>,
}

/// The caller's calendar: tasks due and appointments overlapping the window, in time order.
#[utoipa::path(
    tag = "tasks",
    params(CalendarQuery),
    responses(
        (status = 200, body = Vec<TaskDto>),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[get("/me/calendar")]
pub async fn my_calendar(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<CalendarQuery>,
) -> Result<HttpResponse, ApiError> {
    let from = query.0.from.unwrap_or_else(now_utc);
    let to = query.0.to.unwrap_or(from + Duration::days(7));
    if to <= from || to - from > Duration::days(62) {
        return Err(ApiError::invalid_field(
            "to",
            FieldCode::DependsOn,
            "`to` is after `from`, at most 62 days later",
        ));
    }
    let rows = state
        .read(move |conn| Ok(tasks::calendar(conn, user.id, from, to)?))
        .await?;
    let data: Vec<TaskDto> = rows.into_iter().map(to_dto).collect::<Result<_, _>>()?;
    Ok(HttpResponse::Ok().json(data))
}
