//! Milestones of a deal (#41 item 7, 里程碑): dated steps with an owner and
//! a done date; those past their date and not done are the owner's
//! reminders (`/me/reminders`, the workbench).

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use persistence::now_utc;
use persistence::opportunities::{self, MilestoneChange, MilestoneRow, NewMilestone};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::caller::AuthUser;
use crate::error::ApiError;
use crate::extract::{Json, PathId, double_option};
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MilestoneKind {
    Demo,
    Proposal,
    Trial,
    Tender,
    Signing,
    Other,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MilestoneDto {
    pub id: i64,
    pub opportunity_id: i64,
    pub kind: MilestoneKind,
    #[schema(example = "产品演示")]
    pub title: String,
    pub due_on: NaiveDate,
    pub owner_id: i64,
    /// `null` while not done.
    pub done_on: Option<NaiveDate>,
    pub created_by: i64,
    pub updated_at: DateTime<Utc>,
}

pub fn milestone_dto(r: MilestoneRow) -> Result<MilestoneDto, ApiError> {
    Ok(MilestoneDto {
        kind: crate::words::stored_as(&r.kind)?,
        id: r.id,
        opportunity_id: r.opportunity_id,
        title: r.title,
        due_on: r.due_on,
        owner_id: r.owner_id,
        done_on: r.done_on,
        created_by: r.created_by,
        updated_at: r.updated_at.and_utc(),
    })
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddMilestone {
    pub kind: MilestoneKind,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200, example = "产品演示")]
    pub title: String,
    pub due_on: NaiveDate,
    /// Default: the caller. Reps name themselves, managers their subtree.
    pub owner_id: Option<i64>,
}

fn path(req: &actix_web::HttpRequest) -> Result<(i64, i64), ApiError> {
    Ok((
        crate::extract::path_id(req, "id")?,
        crate::extract::path_id(req, "milestone_id")?,
    ))
}

/// Adds a milestone to a deal.
#[utoipa::path(
    tag = "opportunities",
    params(("id" = i64, Path, description = "Opportunity id")),
    request_body = AddMilestone,
    responses(
        (status = 201, body = MilestoneDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/opportunities/{id}/milestones")]
pub async fn add_milestone(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
    body: Json<AddMilestone>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let m = NewMilestone {
        kind: crate::words::name_of(b.kind),
        title: b.title.trim().to_owned(),
        due_on: b.due_on,
        owner_id: b.owner_id,
    };
    let by = user.principal();
    let row = state
        .write(move |conn| opportunities::add_milestone(conn, &by, id.0, &m, now_utc()).map_err(ApiError::refused))
        .await?;
    Ok(HttpResponse::Created().json(milestone_dto(row)?))
}

/// A deal's milestones, by date.
#[utoipa::path(
    tag = "opportunities",
    params(("id" = i64, Path, description = "Opportunity id")),
    responses(
        (status = 200, body = Vec<MilestoneDto>),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/opportunities/{id}/milestones")]
pub async fn list_milestones(state: web::Data<AppState>, user: AuthUser, id: PathId) -> Result<HttpResponse, ApiError> {
    let by = user.principal();
    let rows = state
        .read(move |conn| opportunities::milestones(conn, &by, id.0).map_err(ApiError::refused))
        .await?;
    let data: Vec<MilestoneDto> = rows.into_iter().map(milestone_dto).collect::<Result<_, _>>()?;
    Ok(HttpResponse::Ok().json(data))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeMilestone {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    pub due_on: Option<NaiveDate>,
    pub owner_id: Option<i64>,
    /// The day it was done; `null` reopens it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub done_on: Option<Option<NaiveDate>>,
}

/// Changes a milestone: its title, date, owner, or marks it done.
#[utoipa::path(
    tag = "opportunities",
    params(("id" = i64, Path, description = "Opportunity id"), ("milestone_id" = i64, Path, description = "Milestone id")),
    request_body = ChangeMilestone,
    responses(
        (status = 200, body = MilestoneDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[patch("/opportunities/{id}/milestones/{milestone_id}")]
pub async fn change_milestone(
    state: web::Data<AppState>,
    user: AuthUser,
    req: actix_web::HttpRequest,
    body: Json<ChangeMilestone>,
) -> Result<HttpResponse, ApiError> {
    let (id, milestone) = path(&req)?;
    let b = body.0;
    let c = MilestoneChange {
        title: b.title.map(|t| t.trim().to_owned()),
        due_on: b.due_on,
        owner_id: b.owner_id,
        done_on: b.done_on,
    };
    let by = user.principal();
    let row = state
        .write(move |conn| {
            opportunities::change_milestone(conn, &by, id, milestone, &c, now_utc()).map_err(ApiError::refused)
        })
        .await?;
    Ok(HttpResponse::Ok().json(milestone_dto(row)?))
}

/// Removes a milestone.
#[utoipa::path(
    tag = "opportunities",
    params(("id" = i64, Path, description = "Opportunity id"), ("milestone_id" = i64, Path, description = "Milestone id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
    ),
    security(("bearer" = []))
)]
#[delete("/opportunities/{id}/milestones/{milestone_id}")]
pub async fn remove_milestone(
    state: web::Data<AppState>,
    user: AuthUser,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (id, milestone) = path(&req)?;
    let by = user.principal();
    state
        .write(move |conn| opportunities::remove_milestone(conn, &by, id, milestone).map_err(ApiError::refused))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
