//! Customer complaints (客户投诉): recorded on a customer, assigned, moved
//! open -> handling -> resolved -> closed with who and when, and the
//! customer's satisfaction taken at closing.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use persistence::complaints::{self, ComplaintFilter, ComplaintRow, NewComplaint, Step};
use persistence::now_utc;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::caller::AuthUser;
use crate::error::ApiError;
use crate::extract::{Json, PathId, Query, etag};
use crate::pagination;
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

crate::words::same_words!(Severity, domain::vocabulary::Severity, [Low, Medium, High, Critical]);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintStatus {
    Open,
    Handling,
    Resolved,
    Closed,
}

crate::words::same_words!(
    ComplaintStatus,
    domain::vocabulary::ComplaintStatus,
    [Open, Handling, Resolved, Closed]
);

#[derive(Debug, Serialize, ToSchema)]
pub struct ComplaintDto {
    pub id: i64,
    pub customer_id: i64,
    pub contact_id: Option<i64>,
    pub subject: String,
    pub content: Option<String>,
    pub severity: Severity,
    pub status: ComplaintStatus,
    pub assignee_id: Option<i64>,
    pub resolution: Option<String>,
    /// 1 (very unhappy) to 5 (very happy), taken at closing.
    pub satisfaction: Option<i32>,
    pub created_by: Option<i64>,
    pub handling_at: Option<DateTime<Utc>>,
    pub handling_by: Option<i64>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<i64>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<i64>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn utc(t: Option<chrono::NaiveDateTime>) -> Option<DateTime<Utc>> {
    t.map(|t| t.and_utc())
}

pub fn to_dto(r: ComplaintRow) -> Result<ComplaintDto, ApiError> {
    Ok(ComplaintDto {
        id: r.id,
        customer_id: r.customer_id,
        contact_id: r.contact_id,
        subject: r.subject,
        content: r.content,
        severity: crate::words::stored::<domain::vocabulary::Severity>(&r.severity)?.into(),
        status: crate::words::stored::<domain::vocabulary::ComplaintStatus>(&r.status)?.into(),
        assignee_id: r.assignee_id,
        resolution: r.resolution,
        satisfaction: r.satisfaction,
        created_by: r.created_by,
        handling_at: utc(r.handling_at),
        handling_by: r.handling_by,
        resolved_at: utc(r.resolved_at),
        resolved_by: r.resolved_by,
        closed_at: utc(r.closed_at),
        closed_by: r.closed_by,
        version: r.version,
        created_at: r.created_at.and_utc(),
        updated_at: r.updated_at.and_utc(),
    })
}

fn respond(status: actix_web::http::StatusCode, dto: ComplaintDto) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header(("ETag", etag(dto.version)))
        .json(dto)
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateComplaint {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub subject: String,
    #[validate(length(max = 10000))]
    #[schema(max_length = 10000)]
    pub content: Option<String>,
    pub severity: Severity,
    /// The person who complained: a contact of the customer.
    pub contact_id: Option<i64>,
    /// Default: the customer's owner (the caller for a pool customer).
    pub assignee_id: Option<i64>,
}

/// Records a complaint on a customer the caller can see.
#[utoipa::path(
    tag = "complaints",
    request_body = CreateComplaint,
    params(("id" = i64, Path, description = "Customer id")),
    responses(
        (status = 201, body = ComplaintDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/customers/{id}/complaints")]
pub async fn create_complaint(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
    body: Json<CreateComplaint>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let new = NewComplaint {
        customer_id: id.0,
        contact_id: b.contact_id,
        subject: b.subject.trim().to_owned(),
        content: b.content,
        severity: b.severity.into(),
        assignee_id: b.assignee_id,
    };
    let row = state
        .write(move |conn| {
            complaints::create(conn, &user.principal(), new, now_utc())
                .map_err(|e| ApiError::refused_about(e, "customer"))
        })
        .await?;
    Ok(respond(actix_web::http::StatusCode::CREATED, to_dto(row)?))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveComplaint {
    pub to: ComplaintStatus,
    /// Required to resolve (unless one was given before).
    #[validate(length(min = 1, max = 5000))]
    #[schema(min_length = 1, max_length = 5000)]
    pub resolution: Option<String>,
    /// The customer's satisfaction, 1-5, when closing.
    #[validate(range(min = 1, max = 5))]
    #[schema(minimum = 1, maximum = 5)]
    pub satisfaction: Option<i32>,
    /// Hand it to someone else on the way.
    pub assignee_id: Option<i64>,
}

/// Moves a complaint along its course: open -> handling -> resolved -> closed
/// (a resolved one may go back to handling; closed is final).
#[utoipa::path(
    tag = "complaints",
    request_body = MoveComplaint,
    params(("id" = i64, Path, description = "Complaint id")),
    responses(
        (status = 200, body = ComplaintDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
        (status = 412, response = crate::responses::PreconditionFailed),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/complaints/{id}/transitions")]
pub async fn move_complaint(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
    body: Json<MoveComplaint>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let step = Step {
        to: b.to.into(),
        resolution: b.resolution.map(|r| r.trim().to_owned()),
        satisfaction: b.satisfaction,
        assignee_id: b.assignee_id,
    };
    let row = state
        .write(move |conn| {
            complaints::advance(conn, &user.principal(), id.0, step, now_utc())
                .map_err(|e| ApiError::refused_about(e, "complaint"))
        })
        .await?;
    Ok(respond(actix_web::http::StatusCode::OK, to_dto(row)?))
}

/// Reads one complaint.
#[utoipa::path(
    tag = "complaints",
    params(("id" = i64, Path, description = "Complaint id")),
    responses(
        (status = 200, body = ComplaintDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/complaints/{id}")]
pub async fn get_complaint(state: web::Data<AppState>, user: AuthUser, id: PathId) -> Result<HttpResponse, ApiError> {
    let row = state
        .read(move |conn| {
            complaints::find_visible(conn, &user.principal(), id.0)?.ok_or_else(|| ApiError::not_found("complaint"))
        })
        .await?;
    Ok(respond(actix_web::http::StatusCode::OK, to_dto(row)?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListComplaintsQuery {
    pub status: Option<ComplaintStatus>,
    pub severity: Option<Severity>,
    pub assignee_id: Option<i64>,
    pub customer_id: Option<i64>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ComplaintPage {
    pub data: Vec<ComplaintDto>,
    pub next_cursor: Option<String>,
}

/// Lists the complaints the caller may see (on customers of their reach, assigned to or made by them).
#[utoipa::path(
    tag = "complaints",
    params(ListComplaintsQuery),
    responses(
        (status = 200, body = ComplaintPage),
        (status = 401, response = crate::responses::Unauthorized),
    ),
    security(("bearer" = []))
)]
#[get("/complaints")]
pub async fn list_complaints(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<ListComplaintsQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.0;
    let (limit, after) = pagination::by_id_start(q.limit, q.cursor.as_deref())?;
    let filter = ComplaintFilter {
        status: q.status.map(|s| s.as_str().to_owned()),
        severity: q.severity.map(|s| s.as_str().to_owned()),
        assignee_id: q.assignee_id,
        customer_id: q.customer_id,
        unclosed: false,
    };
    let rows = state
        .read(move |conn| Ok(complaints::list(conn, &user.principal(), &filter, after, limit + 1)?))
        .await?;
    let (data, next_cursor) = pagination::by_id_page(rows, limit, |r| r.id, to_dto)?;
    Ok(HttpResponse::Ok().json(ComplaintPage { data, next_cursor }))
}
