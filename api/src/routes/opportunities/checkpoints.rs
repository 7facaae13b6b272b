//! Exit criteria (#41 item 6): each stage's checklist (kept by the admin)
//! and each deal's checks of it. A deal moves forward out of a stage only
//! once that stage's required items are checked
//! (`domain::pipeline::transition_checked`); who checked what and when is kept.

use actix_web::{HttpResponse, get, put, web};
use chrono::{DateTime, Utc};
use persistence::now_utc;
use persistence::opportunities::{self, CheckpointInput, CheckpointRow, DealCheck};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::caller::{AdminUser, AuthUser};
use crate::error::ApiError;
use crate::extract::{Json, PathId};
use crate::state::AppState;

/// One item of a stage's exit checklist.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CheckpointDto {
    pub id: i64,
    pub stage_id: i64,
    #[schema(example = "已见到决策人")]
    pub label: String,
    /// A deal leaves the stage forward only once this is checked.
    pub required: bool,
}

impl From<CheckpointRow> for CheckpointDto {
    fn from(r: CheckpointRow) -> Self {
        CheckpointDto {
            id: r.id,
            stage_id: r.stage_id,
            label: r.label,
            required: r.required,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckpointItem {
    /// An existing item of this stage to keep (its deals' checks stay); omit for a new one.
    pub id: Option<i64>,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200, example = "需求已确认")]
    pub label: String,
    #[serde(default)]
    pub required: bool,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetChecklist {
    /// The whole checklist, in order; items not named are retired.
    #[validate(length(max = 50), nested)]
    #[schema(max_items = 50)]
    pub checkpoints: Vec<CheckpointItem>,
}

fn stage_path(req: &actix_web::HttpRequest) -> Result<(i64, i64), ApiError> {
    Ok((
        crate::extract::path_id(req, "id")?,
        crate::extract::path_id(req, "stage_id")?,
    ))
}

/// A stage's exit checklist, in order.
#[utoipa::path(
    tag = "opportunities",
    params(("id" = i64, Path, description = "Pipeline id"), ("stage_id" = i64, Path, description = "Stage id")),
    responses(
        (status = 200, body = Vec<CheckpointDto>),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/pipelines/{id}/stages/{stage_id}/checkpoints")]
pub async fn stage_checklist(
    state: web::Data<AppState>,
    _user: AuthUser,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (pipeline, stage) = stage_path(&req)?;
    let rows = state
        .read(move |conn| opportunities::checklist(conn, pipeline, stage).map_err(ApiError::refused))
        .await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(CheckpointDto::from).collect::<Vec<_>>()))
}

/// Replaces a stage's exit checklist (admin): items sent with their id are
/// kept (renamed, required or not, reordered), new ones added, the rest retired.
#[utoipa::path(
    tag = "opportunities",
    params(("id" = i64, Path, description = "Pipeline id"), ("stage_id" = i64, Path, description = "Stage id")),
    request_body = SetChecklist,
    responses(
        (status = 200, body = Vec<CheckpointDto>),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[put("/pipelines/{id}/stages/{stage_id}/checkpoints")]
pub async fn set_stage_checklist(
    state: web::Data<AppState>,
    admin: AdminUser,
    req: actix_web::HttpRequest,
    body: Json<SetChecklist>,
) -> Result<HttpResponse, ApiError> {
    let (pipeline, stage) = stage_path(&req)?;
    let items: Vec<CheckpointInput> = body
        .0
        .checkpoints
        .into_iter()
        .map(|c| CheckpointInput {
            id: c.id,
            label: c.label.trim().to_owned(),
            required: c.required,
        })
        .collect();
    let rows = state
        .write(move |conn| {
            opportunities::set_checklist(conn, pipeline, stage, &items, admin.0.id, now_utc())
                .map_err(ApiError::refused)
        })
        .await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(CheckpointDto::from).collect::<Vec<_>>()))
}

/// A checklist item with the deal's check of it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DealCheckDto {
    pub checkpoint: CheckpointDto,
    pub checked: bool,
    pub checked_by: Option<i64>,
    pub checked_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
}

impl From<DealCheck> for DealCheckDto {
    fn from(d: DealCheck) -> Self {
        DealCheckDto {
            checked: d.check.is_some(),
            checked_by: d.check.as_ref().map(|c| c.checked_by),
            checked_at: d.check.as_ref().map(|c| c.checked_at.and_utc()),
            note: d.check.and_then(|c| c.note),
            checkpoint: d.checkpoint.into(),
        }
    }
}

/// The exit checklist of a deal's current stage.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DealChecklist {
    pub stage_id: i64,
    /// The required items still unchecked: what holds the deal in its stage.
    pub holding: usize,
    pub items: Vec<DealCheckDto>,
}

/// The exit checklist of the deal's current stage, each item with its check.
#[utoipa::path(
    tag = "opportunities",
    params(("id" = i64, Path, description = "Opportunity id")),
    responses(
        (status = 200, body = DealChecklist),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/opportunities/{id}/checkpoints")]
pub async fn deal_checklist(state: web::Data<AppState>, user: AuthUser, id: PathId) -> Result<HttpResponse, ApiError> {
    let by = user.principal();
    let (deal, items) = state
        .read(move |conn| opportunities::checks_of(conn, &by, id.0).map_err(ApiError::refused))
        .await?;
    let items: Vec<DealCheckDto> = items.into_iter().map(DealCheckDto::from).collect();
    Ok(HttpResponse::Ok().json(DealChecklist {
        stage_id: deal.stage_id,
        holding: items.iter().filter(|i| i.checkpoint.required && !i.checked).count(),
        items,
    }))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckItem {
    /// `true` checks the item, `false` unchecks it (the earlier check stays on record).
    pub checked: bool,
    /// What shows it (the meeting, the document).
    #[validate(length(min = 1, max = 1000))]
    #[schema(min_length = 1, max_length = 1000)]
    pub note: Option<String>,
}

/// Checks or unchecks an item of the exit checklist of any stage of an open
/// deal's pipeline; who and when are kept.
#[utoipa::path(
    tag = "opportunities",
    params(("id" = i64, Path, description = "Opportunity id"), ("checkpoint_id" = i64, Path, description = "Checkpoint id")),
    request_body = CheckItem,
    responses(
        (status = 200, body = DealCheckDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
        (status = 409, response = crate::responses::Conflict),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[put("/opportunities/{id}/checkpoints/{checkpoint_id}")]
pub async fn check_deal_checkpoint(
    state: web::Data<AppState>,
    user: AuthUser,
    req: actix_web::HttpRequest,
    body: Json<CheckItem>,
) -> Result<HttpResponse, ApiError> {
    let (id, checkpoint) = (
        crate::extract::path_id(&req, "id")?,
        crate::extract::path_id(&req, "checkpoint_id")?,
    );
    let b = body.0;
    let by = user.principal();
    let done = state
        .write(move |conn| {
            opportunities::check(conn, &by, id, checkpoint, b.checked, b.note.as_deref(), now_utc())
                .map_err(ApiError::refused)
        })
        .await?;
    Ok(HttpResponse::Ok().json(DealCheckDto::from(done)))
}
