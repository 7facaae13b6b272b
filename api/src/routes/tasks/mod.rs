//! To-dos (待办) and appointments (约见): create, change (mark done), delete,
//! list, and the caller's calendar. Appointments may lie in the future
//! (activities may not); times follow `domain::tasks`.

use actix_web::{HttpResponse, delete, patch, post, web};
use chrono::{DateTime, Utc};
use domain::tasks::Times;
use domain::vocabulary::FieldCode;
use persistence::now_utc;
use persistence::tasks::{self, NewTask, TaskChange, TaskRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::caller::AuthUser;
use crate::error::ApiError;
use crate::extract::{IfMatch, Json, PathId, double_option, etag};
use crate::state::AppState;

mod read;

pub use read::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    Task,
    Appointment,
}

crate::words::same_words!(TaskKind, domain::vocabulary::TaskKind, [Task, Appointment]);

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskDto {
    pub id: i64,
    pub kind: TaskKind,
    pub title: String,
    pub notes: Option<String>,
    pub location: Option<String>,
    pub assignee_id: i64,
    pub created_by: Option<i64>,
    pub customer_id: Option<i64>,
    pub lead_id: Option<i64>,
    pub opportunity_id: Option<i64>,
    /// The follow-up whose next action made this task.
    pub activity_id: Option<i64>,
    pub due_at: Option<DateTime<Utc>>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub remind_minutes_before: Option<i32>,
    /// When to remind the assignee.
    pub remind_at: Option<DateTime<Utc>>,
    pub done: bool,
    pub done_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub fn to_dto(r: TaskRow) -> Result<TaskDto, ApiError> {
    let times = r.times();
    Ok(TaskDto {
        id: r.id,
        kind: crate::words::stored::<domain::vocabulary::TaskKind>(&r.kind)?.into(),
        title: r.title,
        notes: r.notes,
        location: r.location,
        assignee_id: r.assignee_id,
        created_by: r.created_by,
        customer_id: r.customer_id,
        lead_id: r.lead_id,
        opportunity_id: r.opportunity_id,
        activity_id: r.activity_id,
        due_at: times.due_at,
        starts_at: times.starts_at,
        ends_at: times.ends_at,
        remind_minutes_before: times.remind_minutes_before,
        remind_at: domain::tasks::remind_at(&times),
        done: r.done_at.is_some(),
        done_at: r.done_at.map(|t| t.and_utc()),
        version: r.version,
        created_at: r.created_at.and_utc(),
        updated_at: r.updated_at.and_utc(),
    })
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTask {
    pub kind: TaskKind,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub notes: Option<String>,
    #[validate(length(max = 300))]
    #[schema(max_length = 300)]
    pub location: Option<String>,
    /// Default: the caller. Reps assign only themselves, managers their subtree.
    pub assignee_id: Option<i64>,
    pub customer_id: Option<i64>,
    pub lead_id: Option<i64>,
    pub opportunity_id: Option<i64>,
    /// A task's due time.
    pub due_at: Option<DateTime<Utc>>,
    /// An appointment's start.
    pub starts_at: Option<DateTime<Utc>>,
    /// An appointment's end (after its start, within seven days).
    pub ends_at: Option<DateTime<Utc>>,
    #[validate(range(min = 0, max = 10080))]
    #[schema(minimum = 0, maximum = 10080)]
    pub remind_minutes_before: Option<i32>,
}

fn respond(status: actix_web::http::StatusCode, dto: TaskDto) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(("ETag", etag(dto.version)))
        .json(dto)
}

/// Creates a to-do or an appointment.
#[utoipa::path(
    tag = "tasks",
    request_body = CreateTask,
    responses(
        (status = 201, body = TaskDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/tasks")]
pub async fn create_task(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<CreateTask>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let new = NewTask {
        kind: b.kind.into(),
        title: b.title.trim().to_owned(),
        notes: b.notes,
        location: b.location,
        assignee_id: b.assignee_id,
        customer_id: b.customer_id,
        lead_id: b.lead_id,
        opportunity_id: b.opportunity_id,
        times: Times {
            due_at: b.due_at,
            starts_at: b.starts_at,
            ends_at: b.ends_at,
            remind_minutes_before: b.remind_minutes_before,
        },
    };
    let row = state
        .write(move |conn| tasks::create(conn, &user.principal(), new, now_utc()).map_err(ApiError::refused))
        .await?;
    Ok(respond(actix_web::http::StatusCode::CREATED, to_dto(row)?))
}

/// Fields to change; absent fields stay, `null` clears.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTask {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 5000)]
    #[validate(length(max = 5000))]
    pub notes: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 300)]
    #[validate(length(max = 300))]
    pub location: Option<Option<String>>,
    pub assignee_id: Option<i64>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub due_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub starts_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub ends_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i32>, minimum = 0, maximum = 10080)]
    pub remind_minutes_before: Option<Option<i32>>,
    /// Mark done (`true`) or open again (`false`).
    pub done: Option<bool>,
}

fn too_long(v: &Option<Option<String>>, max: usize) -> bool {
    v.as_ref()
        .and_then(|o| o.as_ref())
        .is_some_and(|s| s.chars().count() > max)
}

/// Changes a task: reschedule, reassign, mark done. Send `If-Match` to avoid
/// overwriting someone else's change (412 when stale).
#[utoipa::path(
    tag = "tasks",
    request_body = UpdateTask,
    params(
        ("id" = i64, Path, description = "Task id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you read")
    ),
    responses(
        (status = 200, body = TaskDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
        (status = 412, response = crate::responses::PreconditionFailed),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[patch("/tasks/{id}")]
pub async fn update_task(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
    if_match: IfMatch,
    body: Json<UpdateTask>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    if too_long(&b.notes, 5000) {
        return Err(ApiError::invalid_field(
            "notes",
            FieldCode::Length,
            "at most 5000 characters",
        ));
    }
    if too_long(&b.location, 300) {
        return Err(ApiError::invalid_field(
            "location",
            FieldCode::Length,
            "at most 300 characters",
        ));
    }
    if b.remind_minutes_before
        .flatten()
        .is_some_and(|m| !(0..=10080).contains(&m))
    {
        return Err(ApiError::invalid_field(
            "remind_minutes_before",
            FieldCode::Range,
            "0 to 10080 minutes",
        ));
    }
    let change = TaskChange {
        title: b.title.map(|t| t.trim().to_owned()),
        notes: b.notes,
        location: b.location,
        assignee_id: b.assignee_id,
        due_at: b.due_at,
        starts_at: b.starts_at,
        ends_at: b.ends_at,
        remind_minutes_before: b.remind_minutes_before,
        done: b.done,
    };
    let row = state
        .write(move |conn| {
            tasks::change(conn, &user.principal(), id.0, if_match.0, change, now_utc()).map_err(ApiError::refused)
        })
        .await?;
    Ok(respond(actix_web::http::StatusCode::OK, to_dto(row)?))
}

/// Deletes a task.
#[utoipa::path(
    tag = "tasks",
    params(("id" = i64, Path, description = "Task id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
    ),
    security(("bearer" = []))
)]
#[delete("/tasks/{id}")]
pub async fn delete_task(state: web::Data<AppState>, user: AuthUser, id: PathId) -> Result<HttpResponse, ApiError> {
    state
        .write(move |conn| tasks::delete(conn, &user.principal(), id.0, now_utc()).map_err(ApiError::refused))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
