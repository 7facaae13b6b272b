//! Awards and penalties (奖惩): a manager records one for a rep of their
//! reach and a month; it shows on the rep's statement and in rankings.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Months, NaiveDate, Utc};
use persistence::commissions::awards::{self, AwardRow, NewAward};
use persistence::now_utc;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::statements::month_of;
use crate::caller::AuthUser;
use crate::error::ApiError;
use crate::extract::{Json, Query};
use crate::routes::reports::{check_managed, team_reps};
use crate::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AwardKind {
    /// Recognition (奖), optionally with an amount paid on the statement.
    Award,
    /// A penalty (惩), optionally with an amount taken from the statement.
    Penalty,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAwardBody {
    pub user_id: i64,
    pub kind: AwardKind,
    #[validate(length(min = 1, max = 500))]
    #[schema(example = "季度签约冠军", min_length = 1, max_length = 500)]
    pub reason: String,
    /// `YYYY-MM`: the statement it appears on.
    #[schema(example = "2026-11", pattern = r"^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])$")]
    pub month: String,
    /// Minor units, paid with an award or taken with a penalty; absent: recognition only.
    #[validate(range(min = 0, max = 1_000_000_000_000_000_i64))]
    #[schema(minimum = 0, maximum = 1_000_000_000_000_000_i64)]
    pub amount: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AwardDto {
    pub id: i64,
    pub user_id: i64,
    pub kind: AwardKind,
    pub reason: String,
    pub month: String,
    pub amount: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
}

fn dto(a: AwardRow) -> AwardDto {
    AwardDto {
        id: a.id,
        user_id: a.user_id,
        kind: if a.kind == "penalty" {
            AwardKind::Penalty
        } else {
            AwardKind::Award
        },
        reason: a.reason,
        month: a.month.format("%Y-%m").to_string(),
        amount: a.amount,
        created_by: a.created_by,
        created_at: a.created_at.and_utc(),
    }
}

/// Records an award or a penalty for a rep in the caller's reach (a
/// manager's subtree, never themselves; an admin's everyone).
#[utoipa::path(
    tag = "commissions",
    request_body = NewAwardBody,
    responses(
        (status = 201, body = AwardDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 404, response = crate::responses::NotFound),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/commissions/awards")]
pub async fn create_award(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<NewAwardBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let month = month_of(&b.month)?;
    let row = state
        .write(move |conn| {
            check_managed(conn, &user, b.user_id)?;
            let new = NewAward {
                user_id: b.user_id,
                kind: match b.kind {
                    AwardKind::Award => "award",
                    AwardKind::Penalty => "penalty",
                },
                reason: b.reason.trim().to_owned(),
                month,
                amount: b.amount,
            };
            Ok(awards::create(conn, &new, user.id, now_utc())?)
        })
        .await?;
    Ok(HttpResponse::Created().json(dto(row)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AwardsQuery {
    /// `YYYY-MM`.
    #[param(example = "2026-11", pattern = r"^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])$")]
    pub month: String,
}

/// The month's awards and penalties of the reps in the caller's reach.
#[utoipa::path(
    tag = "commissions",
    params(AwardsQuery),
    responses(
        (status = 200, body = Vec<AwardDto>),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[get("/commissions/awards")]
pub async fn list_awards(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<AwardsQuery>,
) -> Result<HttpResponse, ApiError> {
    let month: NaiveDate = month_of(&query.0.month)?;
    let rows = state
        .read(move |conn| {
            let ids: Vec<i64> = team_reps(conn, &user.principal(), None)?
                .into_iter()
                .map(|r| r.id)
                .collect();
            Ok(awards::list(conn, &ids, month, month + Months::new(1))?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(dto).collect::<Vec<_>>()))
}
