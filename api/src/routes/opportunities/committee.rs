//! The buying committee of a deal (识别KP, #41 item 4): the customer's
//! contacts with their role in this deal and their stance; a deal from the
//! stage the admin marks (`needs_decision_maker`) on without a decision
//! maker is flagged.

use actix_web::{HttpResponse, delete, get, put, web};
use chrono::{DateTime, Utc};
use persistence::now_utc;
use persistence::opportunities::{self, Committee, Member};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::caller::AuthUser;
use crate::error::ApiError;
use crate::extract::{Json, PathId};
use crate::state::AppState;

/// A contact's role in this deal (推荐型/决策型/润滑型 and more).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CommitteeRole {
    DecisionMaker,
    Recommender,
    Influencer,
    User,
    Gatekeeper,
}

/// Where a contact stands on us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stance {
    Supporter,
    Neutral,
    Opponent,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CommitteeMemberDto {
    pub contact_id: i64,
    pub name: String,
    pub role: CommitteeRole,
    pub stance: Stance,
    pub note: Option<String>,
    pub updated_by: i64,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CommitteeDto {
    pub opportunity_id: i64,
    pub members: Vec<CommitteeMemberDto>,
    /// The deal is at or past the stage that needs a decision maker and has none.
    pub lacks_decision_maker: bool,
}

fn committee_dto(c: Committee) -> Result<CommitteeDto, ApiError> {
    Ok(CommitteeDto {
        opportunity_id: c.deal.id,
        lacks_decision_maker: c.lacks_decision_maker,
        members: c
            .members
            .into_iter()
            .map(|(m, name)| {
                Ok(CommitteeMemberDto {
                    contact_id: m.contact_id,
                    name,
                    role: crate::words::stored_as(&m.role)?,
                    stance: crate::words::stored_as(&m.stance)?,
                    note: m.note,
                    updated_by: m.updated_by,
                    updated_at: m.updated_at.and_utc(),
                })
            })
            .collect::<Result<_, ApiError>>()?,
    })
}

/// A deal's buying committee, and whether it lacks a decision maker.
#[utoipa::path(
    tag = "opportunities",
    params(("id" = i64, Path, description = "Opportunity id")),
    responses(
        (status = 200, body = CommitteeDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/opportunities/{id}/committee")]
pub async fn deal_committee(state: web::Data<AppState>, user: AuthUser, id: PathId) -> Result<HttpResponse, ApiError> {
    let by = user.principal();
    let c = state
        .read(move |conn| opportunities::committee(conn, &by, id.0).map_err(ApiError::refused))
        .await?;
    Ok(HttpResponse::Ok().json(committee_dto(c)?))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeatMember {
    pub role: CommitteeRole,
    pub stance: Stance,
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000, example = "关心实施周期，倾向我方")]
    pub note: Option<String>,
}

/// Puts a contact of the deal's customer on its committee, or changes their place.
#[utoipa::path(
    tag = "opportunities",
    params(("id" = i64, Path, description = "Opportunity id"), ("contact_id" = i64, Path, description = "Contact id")),
    request_body = SeatMember,
    responses(
        (status = 200, body = CommitteeDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[put("/opportunities/{id}/committee/{contact_id}")]
pub async fn seat_committee_member(
    state: web::Data<AppState>,
    user: AuthUser,
    req: actix_web::HttpRequest,
    body: Json<SeatMember>,
) -> Result<HttpResponse, ApiError> {
    let (id, contact) = (
        crate::extract::path_id(&req, "id")?,
        crate::extract::path_id(&req, "contact_id")?,
    );
    let b = body.0;
    let m = Member {
        role: crate::words::name_of(b.role),
        stance: crate::words::name_of(b.stance),
        note: b.note.map(|n| n.trim().to_owned()),
    };
    let by = user.principal();
    let c = state
        .write(move |conn| opportunities::seat(conn, &by, id, contact, &m, now_utc()).map_err(ApiError::refused))
        .await?;
    Ok(HttpResponse::Ok().json(committee_dto(c)?))
}

/// Takes a contact off a deal's committee.
#[utoipa::path(
    tag = "opportunities",
    params(("id" = i64, Path, description = "Opportunity id"), ("contact_id" = i64, Path, description = "Contact id")),
    responses(
        (status = 200, body = CommitteeDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 404, response = crate::responses::NotFound),
    ),
    security(("bearer" = []))
)]
#[delete("/opportunities/{id}/committee/{contact_id}")]
pub async fn unseat_committee_member(
    state: web::Data<AppState>,
    user: AuthUser,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (id, contact) = (
        crate::extract::path_id(&req, "id")?,
        crate::extract::path_id(&req, "contact_id")?,
    );
    let by = user.principal();
    let c = state
        .write(move |conn| opportunities::unseat(conn, &by, id, contact).map_err(ApiError::refused))
        .await?;
    Ok(HttpResponse::Ok().json(committee_dto(c)?))
}
