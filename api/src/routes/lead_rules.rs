//! Lead assignment rules (admin): ordered; each matches on region, industry and
//! source and names a user or a department served round-robin.

use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use domain::vocabulary::FieldCode;
use persistence::leads::{self, RuleRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::caller::AdminUser;
use crate::error::ApiError;
use crate::extract::{Json, PathId};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct LeadRule {
    pub id: i64,
    /// Rules are tried in ascending position.
    pub position: i32,
    pub name: String,
    pub region: Option<String>,
    pub industry: Option<String>,
    pub source: Option<String>,
    pub target_user_id: Option<i64>,
    pub target_department_id: Option<i64>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

impl From<RuleRow> for LeadRule {
    fn from(r: RuleRow) -> Self {
        LeadRule {
            id: r.id,
            position: r.position,
            name: r.name,
            region: r.region,
            industry: r.industry,
            source: r.source,
            target_user_id: r.target_user_id,
            target_department_id: r.target_department_id,
            active: r.active,
            created_at: r.created_at.and_utc(),
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateLeadRule {
    #[validate(length(min = 1, max = 100))]
    #[schema(example = "华东官网线索", min_length = 1, max_length = 100)]
    pub name: String,
    /// Default: after the existing rules.
    pub position: Option<i32>,
    pub region: Option<String>,
    pub industry: Option<String>,
    pub source: Option<String>,
    /// Exactly one of target_user_id and target_department_id.
    pub target_user_id: Option<i64>,
    pub target_department_id: Option<i64>,
}

/// Lists the assignment rules in the order they are tried (admin).
#[utoipa::path(
    tag = "leads",
    responses((status = 200, body = Vec<LeadRule>), (status = 401, response = crate::responses::Unauthorized), (status = 403, response = crate::responses::Forbidden)),
    security(("bearer" = []))
)]
#[get("/lead-rules")]
pub async fn list_lead_rules(state: web::Data<AppState>, _admin: AdminUser) -> Result<HttpResponse, ApiError> {
    let rows = state.read(|conn| Ok(leads::rules(conn, false)?)).await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(LeadRule::from).collect::<Vec<_>>()))
}

/// Adds an assignment rule (admin).
#[utoipa::path(
    tag = "leads",
    request_body = CreateLeadRule,
    responses(
        (status = 201, body = LeadRule),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/lead-rules")]
pub async fn create_lead_rule(
    state: web::Data<AppState>,
    _admin: AdminUser,
    body: Json<CreateLeadRule>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    if b.target_user_id.is_some() == b.target_department_id.is_some() {
        return Err(ApiError::invalid_field(
            "target_user_id",
            FieldCode::OneOf,
            "give exactly one of target_user_id and target_department_id",
        ));
    }
    let new = leads::NewRule {
        position: b.position,
        name: b.name.trim().to_owned(),
        region: b.region,
        industry: b.industry,
        source: b.source,
        target_user_id: b.target_user_id,
        target_department_id: b.target_department_id,
    };
    let row = state
        .write(move |conn| leads::add_rule(conn, new, persistence::now_utc()).map_err(ApiError::refused))
        .await?;
    Ok(HttpResponse::Created().json(LeadRule::from(row)))
}

/// Deletes an assignment rule (admin).
#[utoipa::path(
    tag = "leads",
    params(("id" = i64, Path, description = "Rule id")),
    responses((status = 204, description = "Deleted"), (status = 401, response = crate::responses::Unauthorized), (status = 403, response = crate::responses::Forbidden), (status = 404, response = crate::responses::NotFound)),
    security(("bearer" = []))
)]
#[delete("/lead-rules/{id}")]
pub async fn delete_lead_rule(
    state: web::Data<AppState>,
    _admin: AdminUser,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    state
        .write(move |conn| {
            if leads::delete_rule(conn, id.0)? {
                Ok(())
            } else {
                Err(ApiError::not_found("rule"))
            }
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
