//! Work reports (日报/周报/月报): `POST /work-reports` starts the caller's
//! report for a period with the figures built from the records; the rep adds
//! a summary, problems and a plan, then submits (the figures freeze); a
//! manager reads the team's, comments, and sees who has not submitted.

use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use domain::reports::work::{WorkFigures, WorkReportRefusal};
use domain::vocabulary::WorkReportKind;
use persistence::now_utc;
use persistence::work_reports::{self, CommentRow, Words, WorkReportError, WorkReportRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::caller::AuthUser;
use crate::error::{ApiError, ErrorCode};
use crate::extract::{Json, PathId, double_option};
use crate::state::AppState;

mod read;

pub use read::{list_work_reports, missing_work_reports};

/// daily (日报), weekly (周报, Monday to Sunday) or monthly (月报).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WorkReportKindDto {
    Daily,
    Weekly,
    Monthly,
}

crate::words::same_words!(
    WorkReportKindDto,
    domain::vocabulary::WorkReportKind,
    [Daily, Weekly, Monthly]
);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WorkReportStatusDto {
    Draft,
    Submitted,
}

crate::words::same_words!(
    WorkReportStatusDto,
    domain::vocabulary::WorkReportStatus,
    [Draft, Submitted]
);

#[derive(Debug, Serialize, ToSchema)]
pub struct CommentDto {
    pub id: i64,
    pub author_id: i64,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkReportDto {
    pub id: i64,
    pub user_id: i64,
    pub department_id: Option<i64>,
    pub kind: WorkReportKindDto,
    /// First day of the period.
    pub period_from: NaiveDate,
    /// Last day of the period, included.
    pub period_to: NaiveDate,
    pub status: WorkReportStatusDto,
    /// Built from the records: live while a draft, frozen once submitted. Absent in lists of drafts.
    #[schema(value_type = Option<Object>)]
    pub figures: Option<FiguresDto>,
    pub summary: Option<String>,
    pub problems: Option<String>,
    pub plan: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub comments: Vec<CommentDto>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The objective part: new customers, activities by kind, deals moved, won
/// and lost, contracts and payments with amounts in minor units, customers
/// won, effective customers, B/C -> A upgrades, and the month's
/// contract-amount target, actual and completion (basis points).
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct FiguresDto(pub WorkFigures);

pub fn to_dto(
    r: WorkReportRow,
    figures: Option<WorkFigures>,
    comments: Vec<CommentRow>,
) -> Result<WorkReportDto, ApiError> {
    let kind: WorkReportKind = crate::words::stored(&r.kind)?;
    Ok(WorkReportDto {
        id: r.id,
        user_id: r.user_id,
        department_id: r.department_id,
        kind: kind.into(),
        period_from: r.period_start,
        period_to: r.period_end.pred_opt().unwrap_or(r.period_end),
        status: r.status()?.into(),
        figures: figures.map(FiguresDto),
        summary: r.summary,
        problems: r.problems,
        plan: r.plan,
        submitted_at: r.submitted_at.map(|t| t.and_utc()),
        comments: comments
            .into_iter()
            .map(|c| CommentDto {
                id: c.id,
                author_id: c.author_id,
                body: c.body,
                created_at: c.created_at.and_utc(),
            })
            .collect(),
        version: r.version,
        created_at: r.created_at.and_utc(),
        updated_at: r.updated_at.and_utc(),
    })
}

/// The answer for a report with its figures (frozen, or built now for a draft) and comments.
pub fn answer(v: work_reports::ReportView) -> Result<WorkReportDto, ApiError> {
    to_dto(v.row, Some(v.figures), v.comments)
}

fn error(e: WorkReportError) -> ApiError {
    match e {
        WorkReportError::NotFound => ApiError::not_found("work report"),
        WorkReportError::Exists { id, kind } => ApiError::conflict(
            ErrorCode::WorkReportExists,
            format!("you have a {kind} report for this period already"),
        )
        .with_context(serde_json::json!({ "id": id })),
        WorkReportError::Refused(WorkReportRefusal::Submitted) => {
            ApiError::conflict(ErrorCode::WorkReportSubmitted, WorkReportRefusal::Submitted.to_string())
        }
        WorkReportError::Refused(WorkReportRefusal::NotAuthor) => {
            ApiError::forbidden(WorkReportRefusal::NotAuthor.to_string())
        }
        WorkReportError::Repo(e) => e.into(),
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWorkReport {
    pub kind: WorkReportKindDto,
    /// A day inside the period; default today in the organisation's time zone.
    pub date: Option<NaiveDate>,
    #[validate(length(max = 10000))]
    #[schema(example = "本周拜访 12 家，两家进入方案阶段", max_length = 10000)]
    pub summary: Option<String>,
    #[validate(length(max = 10000))]
    #[schema(max_length = 10000)]
    pub problems: Option<String>,
    #[validate(length(max = 10000))]
    #[schema(max_length = 10000)]
    pub plan: Option<String>,
}

/// Starts the caller's report of a kind for the period holding `date`.
#[utoipa::path(
    tag = "work-reports",
    request_body = CreateWorkReport,
    responses(
        (status = 201, body = WorkReportDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 409, response = crate::responses::Conflict),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/work-reports")]
pub async fn create_work_report(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<CreateWorkReport>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let kind: WorkReportKind = b.kind.into();
    let words = Words {
        summary: Some(b.summary),
        problems: Some(b.problems),
        plan: Some(b.plan),
    };
    let view = state
        .write(move |conn| work_reports::start(conn, user.id, kind, b.date, words, now_utc()).map_err(error))
        .await?;
    let dto = answer(view)?;
    Ok(HttpResponse::Created().json(dto))
}

/// Reads a report the caller may see (their own, their team's as a manager).
#[utoipa::path(
    tag = "work-reports",
    params(("id" = i64, Path, description = "Work report id")),
    responses(
        (status = 200, body = WorkReportDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/work-reports/{id}")]
pub async fn get_work_report(state: web::Data<AppState>, user: AuthUser, id: PathId) -> Result<HttpResponse, ApiError> {
    let by = user.principal();
    let view = state
        .read(move |conn| work_reports::view(conn, &by, id.0).map_err(error))
        .await?;
    let dto = answer(view)?;
    Ok(HttpResponse::Ok().json(dto))
}

/// The rep's words to change: absent fields stay, `null` clears.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeWorkReport {
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 10000))]
    #[schema(value_type = Option<String>, max_length = 10000)]
    pub summary: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 10000))]
    #[schema(value_type = Option<String>, max_length = 10000)]
    pub problems: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 10000))]
    #[schema(value_type = Option<String>, max_length = 10000)]
    pub plan: Option<Option<String>>,
}

/// Changes a draft (its author only).
#[utoipa::path(
    tag = "work-reports",
    params(("id" = i64, Path, description = "Work report id")),
    request_body = ChangeWorkReport,
    responses(
        (status = 200, body = WorkReportDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
        (status = 409, response = crate::responses::Conflict),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[patch("/work-reports/{id}")]
pub async fn update_work_report(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
    body: Json<ChangeWorkReport>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let words = Words {
        summary: b.summary,
        problems: b.problems,
        plan: b.plan,
    };
    let by = user.principal();
    let view = state
        .write(move |conn| work_reports::revise(conn, &by, id.0, words, now_utc()).map_err(error))
        .await?;
    let dto = answer(view)?;
    Ok(HttpResponse::Ok().json(dto))
}

/// Submits a draft (its author only): the figures are built now and frozen.
#[utoipa::path(
    tag = "work-reports",
    params(("id" = i64, Path, description = "Work report id")),
    responses(
        (status = 200, body = WorkReportDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
        (status = 409, response = crate::responses::Conflict),
    ),
    security(("bearer" = []))
)]
#[post("/work-reports/{id}/submit")]
pub async fn submit_work_report(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let by = user.principal();
    let view = state
        .write(move |conn| work_reports::hand_in(conn, &by, id.0, now_utc()).map_err(error))
        .await?;
    let dto = answer(view)?;
    Ok(HttpResponse::Ok().json(dto))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewComment {
    #[validate(length(min = 1, max = 2000))]
    #[schema(example = "客户甲的报价再压一压", min_length = 1, max_length = 2000)]
    pub body: String,
}

/// Comments on a report the caller may see (typically their manager).
#[utoipa::path(
    tag = "work-reports",
    params(("id" = i64, Path, description = "Work report id")),
    request_body = NewComment,
    responses(
        (status = 201, body = CommentDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/work-reports/{id}/comments")]
pub async fn comment_work_report(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
    body: Json<NewComment>,
) -> Result<HttpResponse, ApiError> {
    let text = body.0.body;
    let c = state
        .write(move |conn| {
            work_reports::comment(conn, &user.principal(), user.id, id.0, text.trim(), now_utc()).map_err(error)
        })
        .await?;
    Ok(HttpResponse::Created().json(CommentDto {
        id: c.id,
        author_id: c.author_id,
        body: c.body,
        created_at: c.created_at.and_utc(),
    }))
}
