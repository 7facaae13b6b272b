//! Coaching a deal (#41 item 2): the rep's status analysis (目前状况分析) and
//! the comment thread between rep and manager. A comment by someone other
//! than the owner reaches the owner's notifications (`deal.commented`); an
//! analysis asking for help reaches the manager's (`deal.help_wanted`).

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use persistence::now_utc;
use persistence::opportunities::{self, AnalysisRow, CommentRow, NewAnalysis};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::caller::AuthUser;
use crate::error::ApiError;
use crate::extract::{Json, PathId, Query};
use crate::state::AppState;

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteAnalysis {
    /// Where the deal stands (目前状况).
    #[validate(length(min = 1, max = 5000))]
    #[schema(min_length = 1, max_length = 5000, example = "客户已确认预算，技术评估通过")]
    pub situation: String,
    #[validate(length(min = 1, max = 1000))]
    #[schema(min_length = 1, max_length = 1000, example = "安排决策人演示")]
    pub next_step: Option<String>,
    /// When the next step is due.
    pub next_step_on: Option<NaiveDate>,
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub risks: Option<String>,
    /// What the rep needs from their manager; tells the manager.
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000, example = "请经理陪同拜访总经理")]
    pub help_wanted: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AnalysisDto {
    pub id: i64,
    pub opportunity_id: i64,
    /// The stage the deal was in when this was written.
    pub stage_id: i64,
    pub situation: String,
    pub next_step: Option<String>,
    pub next_step_on: Option<NaiveDate>,
    pub risks: Option<String>,
    pub help_wanted: Option<String>,
    pub written_by: i64,
    pub written_at: DateTime<Utc>,
}

impl From<AnalysisRow> for AnalysisDto {
    fn from(r: AnalysisRow) -> Self {
        AnalysisDto {
            id: r.id,
            opportunity_id: r.opportunity_id,
            stage_id: r.stage_id,
            situation: r.situation,
            next_step: r.next_step,
            next_step_on: r.next_step_on,
            risks: r.risks,
            help_wanted: r.help_wanted,
            written_by: r.written_by,
            written_at: r.written_at.and_utc(),
        }
    }
}

fn text(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned())
}

/// Writes a status analysis of an open deal, kept with the stage it is in.
#[utoipa::path(
    tag = "opportunities",
    params(("id" = i64, Path, description = "Opportunity id")),
    request_body = WriteAnalysis,
    responses(
        (status = 201, body = AnalysisDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
        (status = 409, response = crate::responses::Conflict),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/opportunities/{id}/analyses")]
pub async fn write_analysis(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
    body: Json<WriteAnalysis>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let a = NewAnalysis {
        situation: b.situation.trim().to_owned(),
        next_step: text(b.next_step),
        next_step_on: b.next_step_on,
        risks: text(b.risks),
        help_wanted: text(b.help_wanted),
    };
    let by = user.principal();
    let row = state
        .write(move |conn| opportunities::analyse(conn, &by, id.0, &a, now_utc()).map_err(ApiError::refused))
        .await?;
    Ok(HttpResponse::Created().json(AnalysisDto::from(row)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AnalysesQuery {
    /// Older than this id (the next page: the last id you got).
    #[param(minimum = 1)]
    pub before: Option<i64>,
    /// 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// A deal's status analyses, newest first.
#[utoipa::path(
    tag = "opportunities",
    params(("id" = i64, Path, description = "Opportunity id"), AnalysesQuery),
    responses(
        (status = 200, body = Vec<AnalysisDto>),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/opportunities/{id}/analyses")]
pub async fn list_analyses(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
    query: Query<AnalysesQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let limit = i64::from(crate::pagination::limit(q.limit)?);
    crate::pagination::before_id(q.before, "analysis")?;
    let by = user.principal();
    let rows = state
        .read(move |conn| opportunities::analyses(conn, &by, id.0, q.before, limit).map_err(ApiError::refused))
        .await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(AnalysisDto::from).collect::<Vec<_>>()))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteComment {
    #[validate(length(min = 1, max = 5000))]
    #[schema(min_length = 1, max_length = 5000, example = "先约技术负责人，再谈价格")]
    pub body: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DealCommentDto {
    pub id: i64,
    pub opportunity_id: i64,
    pub author_id: i64,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

impl From<CommentRow> for DealCommentDto {
    fn from(r: CommentRow) -> Self {
        DealCommentDto {
            id: r.id,
            opportunity_id: r.opportunity_id,
            author_id: r.author_id,
            body: r.body,
            created_at: r.created_at.and_utc(),
        }
    }
}

/// Adds a comment to a deal's coaching thread; the owner is told when someone else writes.
#[utoipa::path(
    tag = "opportunities",
    params(("id" = i64, Path, description = "Opportunity id")),
    request_body = WriteComment,
    responses(
        (status = 201, body = DealCommentDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/opportunities/{id}/comments")]
pub async fn write_comment(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
    body: Json<WriteComment>,
) -> Result<HttpResponse, ApiError> {
    let text = body.0.body.trim().to_owned();
    let by = user.principal();
    let row = state
        .write(move |conn| opportunities::comment(conn, &by, id.0, &text, now_utc()).map_err(ApiError::refused))
        .await?;
    Ok(HttpResponse::Created().json(DealCommentDto::from(row)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CommentsQuery {
    /// Newer than this id (the next page: the last id you got).
    #[param(minimum = 1)]
    pub after: Option<i64>,
    /// 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// A deal's coaching thread, oldest first.
#[utoipa::path(
    tag = "opportunities",
    params(("id" = i64, Path, description = "Opportunity id"), CommentsQuery),
    responses(
        (status = 200, body = Vec<DealCommentDto>),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/opportunities/{id}/comments")]
pub async fn list_comments(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
    query: Query<CommentsQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let limit = i64::from(crate::pagination::limit(q.limit)?);
    crate::pagination::after_id(q.after, "comment")?;
    let by = user.principal();
    let rows = state
        .read(move |conn| opportunities::comments(conn, &by, id.0, q.after, limit).map_err(ApiError::refused))
        .await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(DealCommentDto::from).collect::<Vec<_>>()))
}
