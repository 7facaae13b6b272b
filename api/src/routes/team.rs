//! Team development (seeds 000, 003, 004): onboarding and training records,
//! and mentoring (老带新) with the joint visits counted from activities.
//! Managers write for the reps of their subtree, admins for everyone; each
//! reads within the same reach, a rep their own.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use domain::vocabulary::FieldCode;
use persistence::now_utc;
use persistence::team::{self, NewTraining, TrainingRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::caller::AuthUser;
use crate::error::ApiError;
use crate::extract::{Json, PathId, Query};
use crate::routes::reports::check_managed;
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TrainingKind {
    Onboarding,
    Training,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTrainingBody {
    pub user_id: i64,
    pub kind: TrainingKind,
    #[validate(length(min = 1, max = 200))]
    #[schema(example = "大客户拜访技巧", min_length = 1, max_length = 200)]
    pub course: String,
    pub held_on: NaiveDate,
    #[validate(length(max = 500))]
    #[schema(example = "通过", max_length = 500)]
    pub result: Option<String>,
    #[validate(range(min = 0, max = 100))]
    #[schema(minimum = 0, maximum = 100)]
    pub score: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrainingDto {
    pub id: i64,
    pub user_id: i64,
    pub kind: TrainingKind,
    pub course: String,
    pub held_on: NaiveDate,
    pub result: Option<String>,
    pub score: Option<i32>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
}

fn training_dto(r: TrainingRow) -> TrainingDto {
    TrainingDto {
        id: r.id,
        user_id: r.user_id,
        kind: if r.kind == "onboarding" {
            TrainingKind::Onboarding
        } else {
            TrainingKind::Training
        },
        course: r.course,
        held_on: r.held_on,
        result: r.result,
        score: r.score,
        created_by: r.created_by,
        created_at: r.created_at.and_utc(),
    }
}

/// Records an onboarding or training session of a rep in the caller's reach.
#[utoipa::path(
    tag = "team",
    request_body = NewTrainingBody,
    responses(
        (status = 201, body = TrainingDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/team/training")]
pub async fn add_training(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<NewTrainingBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let row = state
        .write(move |conn| {
            check_managed(conn, &user, b.user_id)?;
            let new = NewTraining {
                user_id: b.user_id,
                kind: match b.kind {
                    TrainingKind::Onboarding => "onboarding",
                    TrainingKind::Training => "training",
                },
                course: b.course.trim().to_owned(),
                held_on: b.held_on,
                result: b.result,
                score: b.score,
            };
            Ok(team::add_training(conn, &new, user.id, now_utc())?)
        })
        .await?;
    Ok(HttpResponse::Created().json(training_dto(row)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TeamQuery {
    /// Only this user's records.
    pub user_id: Option<i64>,
}

/// Training records in the caller's reach (a rep: their own), newest first.
#[utoipa::path(
    tag = "team",
    params(TeamQuery),
    responses((status = 200, body = Vec<TrainingDto>), (status = 401, response = crate::responses::Unauthorized)),
    security(("bearer" = []))
)]
#[get("/team/training")]
pub async fn list_training(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<TeamQuery>,
) -> Result<HttpResponse, ApiError> {
    let only = query.0.user_id;
    let rows = state
        .read(move |conn| {
            let (mut ids, _) = team::reach(conn, &user.principal())?;
            ids.retain(|id| only.is_none_or(|o| o == *id));
            Ok(team::training_of(conn, &ids)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(training_dto).collect::<Vec<_>>()))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMentorship {
    pub mentor_id: i64,
    /// The new rep.
    pub mentee_id: i64,
    /// Default: today in the organisation's time zone.
    pub started_on: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MentorshipDto {
    pub id: i64,
    pub mentor_id: i64,
    pub mentee_id: i64,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    /// Visits logged by one of them with the other as a companion while it ran.
    pub joint_visits: i64,
    pub created_at: DateTime<Utc>,
}

fn mentorship_dto(team::Mentorship { row: m, joint_visits }: team::Mentorship) -> MentorshipDto {
    MentorshipDto {
        joint_visits,
        id: m.id,
        mentor_id: m.mentor_id,
        mentee_id: m.mentee_id,
        started_on: m.started_on,
        ended_on: m.ended_on,
        created_at: m.created_at.and_utc(),
    }
}

/// Pairs a new rep with a mentor (老带新); both in the caller's reach.
#[utoipa::path(
    tag = "team",
    request_body = NewMentorship,
    responses(
        (status = 201, body = MentorshipDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
        (status = 409, response = crate::responses::Conflict),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/team/mentorships")]
pub async fn start_mentorship(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<NewMentorship>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    if b.mentor_id == b.mentee_id {
        return Err(ApiError::invalid_field(
            "mentee_id",
            FieldCode::Relation,
            "a rep is not their own mentor",
        ));
    }
    let by = user.principal();
    let m = state
        .write(move |conn| {
            team::pair(conn, &by, b.mentor_id, b.mentee_id, b.started_on, now_utc()).map_err(ApiError::refused)
        })
        .await?;
    let dto = mentorship_dto(m);
    Ok(HttpResponse::Created().json(dto))
}

#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndMentorship {
    /// Default: today in the organisation's time zone.
    pub ended_on: Option<NaiveDate>,
}

/// Ends a mentorship of the caller's reach.
#[utoipa::path(
    tag = "team",
    params(("id" = i64, Path, description = "Mentorship id")),
    request_body = EndMentorship,
    responses(
        (status = 200, body = MentorshipDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/team/mentorships/{id}/end")]
pub async fn end_mentorship(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
    body: Json<EndMentorship>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let by = user.principal();
    let m = state
        .write(move |conn| team::unpair(conn, &by, id.0, b.ended_on, now_utc()).map_err(ApiError::refused))
        .await?;
    let dto = mentorship_dto(m);
    Ok(HttpResponse::Ok().json(dto))
}

/// Mentorships in the caller's reach, with their joint visits.
#[utoipa::path(
    tag = "team",
    responses((status = 200, body = Vec<MentorshipDto>), (status = 401, response = crate::responses::Unauthorized)),
    security(("bearer" = []))
)]
#[get("/team/mentorships")]
pub async fn list_mentorships(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let list = state
        .read(move |conn| {
            let (ids, _) = team::reach(conn, &user.principal())?;
            let rows = team::mentorships_of(conn, &ids)?;
            rows.into_iter()
                .filter(|m| ids.contains(&m.mentee_id))
                .map(|row| {
                    let joint_visits = team::joint_visits(conn, &row)?;
                    Ok(mentorship_dto(team::Mentorship { row, joint_visits }))
                })
                .collect::<Result<Vec<_>, ApiError>>()
        })
        .await?;
    Ok(HttpResponse::Ok().json(list))
}
