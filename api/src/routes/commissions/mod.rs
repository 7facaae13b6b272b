//! Commission plans (提成方案, admin) and monthly statements (提成单) in the
//! caller's reach; a manager approves a month, which freezes it.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use domain::commissions::{Base, Bonus, Plan, Tier};
use persistence::commissions::{self, NewPlan, PlanRow};
use persistence::now_utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::caller::{AdminUser, AuthUser};
use crate::error::{ApiError, FieldError};
use crate::extract::Json;
use crate::state::AppState;

mod awards;
mod statements;

pub use awards::{create_award, list_awards};
pub use statements::{
    AdjustmentDto, AwardLineDto, LineDto, StatementDto, Statements, approve_statements, get_statement, list_statements,
    statements_csv,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BaseDto {
    /// Approved contracts by signing date.
    ContractAmount,
    /// Payments by date received.
    CollectedAmount,
}

impl From<BaseDto> for Base {
    fn from(b: BaseDto) -> Self {
        match b {
            BaseDto::ContractAmount => Base::ContractAmount,
            BaseDto::CollectedAmount => Base::CollectedAmount,
        }
    }
}

impl From<Base> for BaseDto {
    fn from(b: Base) -> Self {
        match b {
            Base::ContractAmount => BaseDto::ContractAmount,
            Base::CollectedAmount => BaseDto::CollectedAmount,
        }
    }
}

/// A tier: `rate_bp` on the part of the actual up to `up_to_bp` of the month's target (null: above).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TierDto {
    #[schema(example = 10000, maximum = 100000)]
    pub up_to_bp: Option<u32>,
    #[schema(example = 300, maximum = 10000)]
    pub rate_bp: u32,
}

/// A bonus (minor units) once the actual reaches `at_bp` of the target.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BonusDto {
    #[schema(example = 10000, minimum = 1, maximum = 100000)]
    pub at_bp: u32,
    #[schema(example = 200000, minimum = 0, maximum = 1_000_000_000_000_000_i64)]
    pub amount: i64,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePlan {
    #[validate(length(min = 1, max = 100))]
    #[schema(example = "2027 销售提成", min_length = 1, max_length = 100)]
    pub name: String,
    pub base: BaseDto,
    /// Ascending; only the last may be open-ended. Marginal: each rate applies to the part inside its tier.
    #[schema(min_items = 1, max_items = 10)]
    pub tiers: Vec<TierDto>,
    pub bonus: Option<BonusDto>,
    /// For one department and its subtree (else the organisation's), unless `user_id` is given.
    pub department_id: Option<i64>,
    /// For one rep.
    pub user_id: Option<i64>,
    /// In force from this month (its first day); the latest plan valid for a month applies.
    pub valid_from: NaiveDate,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommissionPlanDto {
    pub id: i64,
    pub name: String,
    pub base: BaseDto,
    pub tiers: Vec<TierDto>,
    pub bonus: Option<BonusDto>,
    pub department_id: Option<i64>,
    pub user_id: Option<i64>,
    pub valid_from: NaiveDate,
    pub created_at: DateTime<Utc>,
}

fn plan_dto(r: PlanRow) -> Result<CommissionPlanDto, ApiError> {
    let p = r.plan()?;
    Ok(CommissionPlanDto {
        id: r.id,
        name: r.name,
        base: p.base.into(),
        tiers: p
            .tiers
            .iter()
            .map(|t| TierDto {
                up_to_bp: t.up_to_bp,
                rate_bp: t.rate_bp,
            })
            .collect(),
        bonus: p.bonus.map(|b| BonusDto {
            at_bp: b.at_bp,
            amount: b.amount,
        }),
        department_id: r.department_id,
        user_id: r.user_id,
        valid_from: r.valid_from,
        created_at: r.created_at.and_utc(),
    })
}

/// Creates a commission plan (admin).
#[utoipa::path(
    tag = "commissions",
    request_body = CreatePlan,
    responses(
        (status = 201, body = CommissionPlanDto),
        (status = 401, response = crate::responses::Unauthorized),
        (status = 403, response = crate::responses::Forbidden),
        (status = 422, response = crate::responses::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/commissions/plans")]
pub async fn create_plan(
    state: web::Data<AppState>,
    admin: AdminUser,
    body: Json<CreatePlan>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let plan = Plan {
        base: b.base.into(),
        tiers: b
            .tiers
            .iter()
            .map(|t| Tier {
                up_to_bp: t.up_to_bp,
                rate_bp: t.rate_bp,
            })
            .collect(),
        bonus: b.bonus.map(|x| Bonus {
            at_bp: x.at_bp,
            amount: x.amount,
        }),
    };
    plan.check()
        .map_err(|e| ApiError::validation(vec![FieldError::new(e.field, e.code, e.message)]))?;
    let new = NewPlan {
        name: b.name.trim().to_owned(),
        plan,
        department_id: b.department_id,
        user_id: b.user_id,
        valid_from: b.valid_from,
    };
    let row = state
        .write(move |conn| commissions::create_plan(conn, &new, admin.0.id, now_utc()).map_err(ApiError::refused))
        .await?;
    Ok(HttpResponse::Created().json(plan_dto(row)?))
}

/// Lists the commission plans the caller may read.
///
/// An admin reads every plan, a manager those that can apply to their
/// subtree, a rep the company's, their department chain's and their own.
#[utoipa::path(
    tag = "commissions",
    responses((status = 200, body = Vec<CommissionPlanDto>), (status = 401, response = crate::responses::Unauthorized)),
    security(("bearer" = []))
)]
#[get("/commissions/plans")]
pub async fn list_plans(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let rows = state
        .read(move |conn| Ok(commissions::plans(conn, &user.principal())?))
        .await?;
    let list: Vec<CommissionPlanDto> = rows.into_iter().map(plan_dto).collect::<Result<_, _>>()?;
    Ok(HttpResponse::Ok().json(list))
}
