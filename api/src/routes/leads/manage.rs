//! Creating, listing, reading, changing and assigning leads.

use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use domain::auth::ApiScope;
use domain::org::Role;
use domain::vocabulary::FieldCode;
use persistence::leads::{self, LeadChangeset, LeadFilter};
use persistence::now_utc;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::caller::{AuthUser, Caller};
use crate::error::ApiError;
use crate::extract::{IfMatch, Json, PathId, Query};
use crate::pagination;
use crate::state::AppState;

use domain::custom_fields::CustomEntity;

use super::*;
use persistence::leads::Origin;

/// Creates one lead (a user, or a key with `leads:write`). A lead matching a
/// customer or an open lead is kept and linked (`duplicate_of`) and goes to
/// that record's owner; otherwise a rep keeps the lead they entered, and the
/// assignment rules place everyone else's.
#[utoipa::path(
    tag = "leads",
    request_body = LeadInput,
    responses(
        (status = 201, body = LeadDto, headers(("ETag" = String), ("Location" = String))),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []), ("api_key" = ["leads:write"]))
)]
#[post("/leads")]
pub async fn create_lead(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<LeadInput>,
) -> Result<HttpResponse, ApiError> {
    caller.require_user_or_scope(ApiScope::LeadsWrite)?;
    let input = body.0;
    let sla = state.limits.first_contact_sla;
    let who = match &caller {
        Caller::User(u) => leads::Entering {
            origin: Origin {
                created_by: Some(u.id),
                ..Origin::default()
            },
            // a rep entering a lead keeps it; anyone else's goes through the rules
            keep_for: (u.role == Role::Rep).then_some(u.id),
        },
        Caller::Key(k) => leads::Entering {
            origin: Origin {
                api_key_id: Some(k.key_id),
                ..Origin::default()
            },
            keep_for: None,
        },
    };
    let custom = input.custom_fields.clone();
    let check = move |codes| prepare(&input, &Codes::from_list(codes)).map_err(ApiError::validation);
    let view = state
        .write(move |conn| leads::enter(conn, who, check, custom.as_ref(), sla, now_utc()))
        .await?;
    let row = (view.row, view.custom_fields);
    respond(actix_web::http::StatusCode::CREATED, row)
}

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListLeadsQuery {
    pub status: Option<LeadStatus>,
    pub owner_id: Option<i64>,
    /// Only leads in the unassigned queue.
    pub unassigned: Option<bool>,
    /// Only open leads past their first-contact deadline.
    pub overdue: Option<bool>,
    pub source: Option<String>,
    /// Part of the company, person name or e-mail.
    #[param(max_length = 200)]
    pub q: Option<String>,
    pub updated_since: Option<DateTime<Utc>>,
    /// A custom field's key, filtered with `custom_eq`, or `custom_from`/`custom_to` (numbers, money in minor units, dates).
    pub custom_field: Option<String>,
    /// Equal to (a select's option; a multi select holding it; `true`/`false`).
    pub custom_eq: Option<String>,
    /// At least (inclusive).
    pub custom_from: Option<String>,
    /// At most (inclusive).
    pub custom_to: Option<String>,
    /// `id` (default) or `-id`.
    #[param(pattern = r"^(-?id)?$")]
    pub sort: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LeadPage {
    pub data: Vec<LeadDto>,
    pub next_cursor: Option<String>,
}

/// Lists leads the caller may see: reps their own, managers the queue and their
/// subtree, admins and keys with `leads:read` everything.
#[utoipa::path(
    tag = "leads",
    params(ListLeadsQuery),
    responses(
        (status = 200, body = LeadPage),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
    ),
    security(("bearer" = []), ("api_key" = ["leads:read"]))
)]
#[get("/leads")]
pub async fn list_leads(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<ListLeadsQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require_user_or_scope(ApiScope::LeadsRead)?;
    Ok(HttpResponse::Ok().json(lead_page(state, caller, query.0).await?))
}

/// One page of the list, for the handler and for exports.
pub(crate) async fn lead_page(
    state: web::Data<AppState>,
    caller: Caller,
    q: ListLeadsQuery,
) -> Result<LeadPage, ApiError> {
    let sort = pagination::parse_sort(q.sort.as_deref(), &["id"])?;
    let limit = pagination::limit(q.limit)?;
    let after = pagination::decode_cursor(q.cursor.as_deref(), &sort)?.map(|p| p.id);
    let filter = LeadFilter {
        status: q.status.map(|s| s.as_str().to_owned()),
        owner_id: q.owner_id,
        unassigned: q.unassigned.unwrap_or(false),
        overdue: q.overdue.unwrap_or(false),
        source: clean(&q.source),
        q: clean(&q.q),
        updated_since: q.updated_since,
        custom: None,
    };
    let custom_query = crate::custom::CustomFilterQuery {
        custom_field: q.custom_field.clone(),
        custom_eq: q.custom_eq.clone(),
        custom_from: q.custom_from.clone(),
        custom_to: q.custom_to.clone(),
    };
    let descending = sort.descending;
    let now = now_utc();
    let rows = state
        .read(move |conn| {
            let mut filter = filter;
            filter.custom = custom_query.resolve(conn, CustomEntity::Lead)?;
            let rows = leads::list(conn, &caller, &filter, descending, after, limit + 1, now)?;
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            let custom = crate::custom::values(conn, CustomEntity::Lead, &ids)?;
            Ok((rows, custom))
        })
        .await?;
    let (rows, mut custom) = rows;
    let (rows, next_cursor) = pagination::finish(rows, limit, &sort, |r| (r.id.into(), r.id));
    Ok(LeadPage {
        data: rows
            .into_iter()
            .map(|r| {
                let custom_fields = custom.remove(&r.id).unwrap_or_default();
                Ok(LeadDto {
                    custom_fields,
                    ..to_dto(r, now)?
                })
            })
            .collect::<Result<_, ApiError>>()?,
        next_cursor,
    })
}

/// Reads one lead.
#[utoipa::path(
    tag = "leads",
    params(("id" = i64, Path, description = "Lead id")),
    responses(
        (status = 200, body = LeadDto, headers(("ETag" = String))),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
    ),
    security(("bearer" = []), ("api_key" = ["leads:read"]))
)]
#[get("/leads/{id}")]
pub async fn get_lead(state: web::Data<AppState>, caller: Caller, id: PathId) -> Result<HttpResponse, ApiError> {
    caller.require_user_or_scope(ApiScope::LeadsRead)?;
    let row = state
        .read(move |conn| {
            let row = visible_lead(conn, &caller, id.0)?;
            with_custom(conn, row)
        })
        .await?;
    respond(actix_web::http::StatusCode::OK, row)
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateLead {
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub person_name: Option<String>,
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub title: Option<String>,
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub notes: Option<String>,
    /// `contacted`, `qualified` or `disqualified` (with a reason); conversion has its own endpoint.
    pub status: Option<LeadStatus>,
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub disqualify_reason: Option<String>,
    /// Custom field values to set (`null` clears one); fields not named stay.
    #[schema(value_type = Option<HashMap<String, crate::custom::CustomValue>>)]
    pub custom_fields: crate::custom::Input,
}

/// Changes a lead's details or status. Disqualifying needs a reason.
#[utoipa::path(
    tag = "leads",
    request_body = UpdateLead,
    params(("id" = i64, Path, description = "Lead id"), ("If-Match" = Option<String>, Header, description = "ETag of the version you read")),
    responses(
        (status = 200, body = LeadDto, headers(("ETag" = String))),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
        (status = 409, response = crate::responses::Conflict),
        (status = 412, response = crate::responses::PreconditionFailed),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[patch("/leads/{id}")]
pub async fn update_lead(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
    if_match: IfMatch,
    body: Json<UpdateLead>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    match b.status {
        Some(LeadStatus::Converted | LeadStatus::New) => {
            return Err(ApiError::invalid_field(
                "status",
                FieldCode::Transition,
                "convert with POST /leads/{id}/convert; a lead cannot go back to new",
            ));
        }
        Some(LeadStatus::Disqualified) if b.disqualify_reason.is_none() => {
            return Err(ApiError::invalid_field(
                "disqualify_reason",
                FieldCode::DependsOn,
                "say why the lead is disqualified",
            ));
        }
        _ => {}
    }
    let changes = LeadChangeset {
        person_name: b.person_name.map(|s| Some(s.trim().to_owned())),
        title: b.title.map(|s| Some(s.trim().to_owned()).filter(|s| !s.is_empty())),
        notes: b.notes.map(Some),
        status: b.status.map(|s| s.as_str().to_owned()),
        disqualify_reason: b.disqualify_reason.map(Some),
        ..LeadChangeset::default()
    };
    let (by, custom) = (user.principal(), b.custom_fields);
    let view = state
        .write(move |conn| {
            leads::edit(conn, &by, id.0, if_match.0, &changes, custom.as_ref(), now_utc()).map_err(ApiError::refused)
        })
        .await?;
    let row = (view.row, view.custom_fields);
    respond(actix_web::http::StatusCode::OK, row)
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignLead {
    /// The new owner; `null` puts the lead back in the unassigned queue.
    pub user_id: Option<i64>,
}

/// Assigns or reassigns a lead by hand (managers within their subtree, admins);
/// the first-contact deadline restarts.
#[utoipa::path(
    tag = "leads",
    request_body = AssignLead,
    params(("id" = i64, Path, description = "Lead id")),
    responses(
        (status = 200, body = LeadDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/leads/{id}/assign")]
pub async fn assign_lead(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
    body: Json<AssignLead>,
) -> Result<HttpResponse, ApiError> {
    if user.role == Role::Rep {
        return Err(ApiError::forbidden("only managers and admins assign leads"));
    }
    let to = body.0.user_id;
    let sla = state.limits.first_contact_sla;
    let by = user.principal();
    let view = state
        .write(move |conn| leads::assign(conn, &by, id.0, to, sla, now_utc()).map_err(ApiError::refused))
        .await?;
    let row = (view.row, view.custom_fields);
    respond(actix_web::http::StatusCode::OK, row)
}
