//! Follow-ups on a lead: logging one marks first contact.

use actix_web::{HttpResponse, get, post, web};
use domain::leads::is_contact;
use persistence::leads::{self, LeadChangeset};
use persistence::now_utc;

use crate::caller::AuthUser;
use crate::error::ApiError;
use crate::extract::{Json, PathId};
use crate::routes::scope::scope_of;
use crate::state::AppState;

use super::*;
use crate::routes::activities::{ActivityDto, ActivityTarget, CreateActivity, log_activity};

/// Logs a follow-up on a lead. A call, e-mail, meeting, visit or WeChat is first
/// contact: it sets `first_contacted_at` and moves a new lead to `contacted`.
#[utoipa::path(
    tag = "leads",
    request_body = CreateActivity,
    params(("id" = i64, Path, description = "Lead id")),
    responses(
        (status = 201, body = ActivityDto),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
        (status = 422, response = crate::openapi::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/leads/{id}/activities")]
pub async fn create_lead_activity(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
    body: Json<CreateActivity>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let activity = state
        .write(move |conn| {
            let scope = scope_of(conn, &user)?;
            let lead = visible(conn, &scope, id.0)?;
            let now = now_utc();
            let target = ActivityTarget {
                lead_id: Some(lead.id),
                customer_id: lead.converted_customer_id,
                opportunity_id: None,
            };
            let (row, occurred) = log_activity(conn, b, target, user.id, now)?;
            if is_contact(&row.kind) && lead.first_contacted_at.is_none() {
                let changes = LeadChangeset {
                    first_contacted_at: Some(Some(occurred.naive_utc())),
                    status: (lead.status == "new").then(|| "contacted".to_owned()),
                    ..LeadChangeset::default()
                };
                leads::update(conn, lead.id, None, &changes, now)?;
            }
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(ActivityDto::from(activity)))
}

/// A lead's follow-ups, oldest first.
#[utoipa::path(
    tag = "leads",
    params(("id" = i64, Path, description = "Lead id")),
    responses(
        (status = 200, body = Vec<ActivityDto>),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/leads/{id}/activities")]
pub async fn list_lead_activities(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    let list = state
        .read(move |conn| {
            let scope = scope_of(conn, &user)?;
            visible(conn, &scope, id.0)?;
            Ok(leads::activities_of_lead(conn, id.0)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(list.into_iter().map(ActivityDto::from).collect::<Vec<_>>()))
}
