//! The case library (案例分享): won and lost deals written up as lessons,
//! linked to the deal, for the whole organisation to learn from.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use persistence::cases::{self, CaseRow};
use persistence::now_utc;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::caller::AuthUser;
use crate::error::ApiError;
use crate::extract::{Json, Query};
use crate::pagination;
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Won,
    Lost,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    /// A won or lost deal the author may see.
    pub opportunity_id: i64,
    #[validate(length(min = 1, max = 200))]
    #[schema(example = "三轮谈判拿下年度框架合同", min_length = 1, max_length = 200)]
    pub title: String,
    #[validate(length(min = 1, max = 20000))]
    #[schema(min_length = 1, max_length = 20000)]
    pub lesson: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseDto {
    pub id: i64,
    pub opportunity_id: i64,
    pub outcome: Outcome,
    pub title: String,
    pub lesson: String,
    pub author_id: i64,
    pub created_at: DateTime<Utc>,
}

fn dto(c: CaseRow) -> Result<CaseDto, ApiError> {
    Ok(CaseDto {
        id: c.id,
        opportunity_id: c.opportunity_id,
        outcome: if c.outcome == "won" {
            Outcome::Won
        } else {
            Outcome::Lost
        },
        title: c.title,
        lesson: c.lesson,
        author_id: c.author_id,
        created_at: c.created_at.and_utc(),
    })
}

/// Writes up a won or lost deal the caller may see; one case per deal.
#[utoipa::path(
    tag = "team",
    request_body = NewCase,
    responses(
        (status = 201, body = CaseDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 409, response = crate::responses::Conflict),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/cases")]
pub async fn write_case(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<NewCase>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let row = state
        .write(move |conn| {
            cases::write(
                conn,
                &user.principal(),
                b.opportunity_id,
                b.title.trim(),
                b.lesson.trim(),
                now_utc(),
            )
            .map_err(ApiError::refused)
        })
        .await?;
    Ok(HttpResponse::Created().json(dto(row)?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CasesQuery {
    pub outcome: Option<Outcome>,
    /// At most 200 (default 50).
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CasePage {
    pub data: Vec<CaseDto>,
    pub next_cursor: Option<String>,
}

/// The case library: every case, for every user to learn from.
#[utoipa::path(
    tag = "team",
    params(CasesQuery),
    responses(
        (status = 200, body = CasePage),
        (status = 401, response = crate::responses::Unauthorized),
    ),
    security(("bearer" = []))
)]
#[get("/cases")]
pub async fn list_cases(
    state: web::Data<AppState>,
    _user: AuthUser,
    query: Query<CasesQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let (limit, after) = pagination::by_id_start(q.limit, q.cursor.as_deref())?;
    let outcome = q.outcome.map(|o| match o {
        Outcome::Won => "won",
        Outcome::Lost => "lost",
    });
    let rows = state
        .read(move |conn| Ok(cases::list(conn, outcome, after, limit + 1)?))
        .await?;
    let (data, next_cursor) = pagination::by_id_page(rows, limit, |r| r.id, dto)?;
    Ok(HttpResponse::Ok().json(CasePage { data, next_cursor }))
}
