//! Commission plans and monthly statements: a statement is computed from the
//! same actuals as target progress while its month is open, frozen when a
//! manager approves the month; a later change to an approved month is paid
//! as an adjustment in the next month approved.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use diesel::prelude::*;
use domain::commissions::{Base, Bonus, Plan, Tier};

use crate::schema::{commission_plans as cp, departments, users};
use crate::scope::Principal;
use crate::{DbConn, RepoError, audit, naive};

pub mod awards;
mod statements;

pub use statements::{StatementRow, approve, statement};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cp)]
pub struct PlanRow {
    pub id: i64,
    pub name: String,
    pub base: String,
    pub tiers: String,
    pub bonus_at_bp: Option<i32>,
    pub bonus_amount: Option<i64>,
    pub department_id: Option<i64>,
    pub user_id: Option<i64>,
    pub valid_from: NaiveDate,
    pub created_by: Option<i64>,
    pub created_at: chrono::NaiveDateTime,
}

impl PlanRow {
    pub fn plan(&self) -> Result<Plan, RepoError> {
        let base = match self.base.as_str() {
            "contract_amount" => Base::ContractAmount,
            "collected_amount" => Base::CollectedAmount,
            other => return Err(RepoError::Corrupt(format!("unknown commission base `{other}`"))),
        };
        let tiers: Vec<Tier> = serde_json::from_str(&self.tiers)
            .map_err(|e| RepoError::Corrupt(format!("unreadable commission tiers: {e}")))?;
        let bonus = match (self.bonus_at_bp, self.bonus_amount) {
            (Some(at), Some(amount)) => Some(Bonus {
                at_bp: u32::try_from(at).unwrap_or(0),
                amount,
            }),
            _ => None,
        };
        Ok(Plan { base, tiers, bonus })
    }
}

/// A plan to store: for a rep, a department (and its subtree) or everyone,
/// from the first day of a month.
#[derive(Debug, Clone)]
pub struct NewPlan {
    pub name: String,
    pub plan: Plan,
    pub department_id: Option<i64>,
    pub user_id: Option<i64>,
    pub valid_from: NaiveDate,
}

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("there is no department {0}")]
    NoSuchDepartment(i64),
    #[error("there is no user {0}")]
    NoSuchUser(i64),
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl crate::Explain for PlanError {
    fn explain(self) -> std::result::Result<domain::problem::Refused, RepoError> {
        use PlanError as E;
        use domain::problem::Refused;
        use domain::vocabulary::FieldCode;
        Ok(match self {
            E::NoSuchDepartment(_) => Refused::field("department_id", FieldCode::NotFound, "no such department"),
            E::NoSuchUser(_) => Refused::field("user_id", FieldCode::NotFound, "no such user"),
            E::Repo(e) => return Err(e),
        })
    }
}

impl From<diesel::result::Error> for PlanError {
    fn from(e: diesel::result::Error) -> Self {
        PlanError::Repo(e.into())
    }
}

/// Adds a commission plan for an existing department or user (or everyone).
pub fn create_plan(conn: &mut DbConn, new: &NewPlan, actor: i64, now: DateTime<Utc>) -> Result<PlanRow, PlanError> {
    if let Some(d) = new.department_id
        && !crate::departments::exists(conn, d)?
    {
        return Err(PlanError::NoSuchDepartment(d));
    }
    if let Some(u) = new.user_id {
        match crate::users::find(conn, u) {
            Ok(_) => {}
            Err(RepoError::NotFound) => return Err(PlanError::NoSuchUser(u)),
            Err(e) => return Err(e.into()),
        }
    }
    let tiers = serde_json::to_string(&new.plan.tiers).map_err(|e| RepoError::Corrupt(e.to_string()))?;
    let month = new.valid_from.with_day(1).unwrap_or(new.valid_from);
    let id: i64 = diesel::insert_into(cp::table)
        .values((
            cp::name.eq(&new.name),
            cp::base.eq(new.plan.base.as_str()),
            cp::tiers.eq(tiers),
            cp::bonus_at_bp.eq(new.plan.bonus.map(|b| i32::try_from(b.at_bp).unwrap_or(i32::MAX))),
            cp::bonus_amount.eq(new.plan.bonus.map(|b| b.amount)),
            cp::department_id.eq(new.department_id),
            cp::user_id.eq(new.user_id),
            cp::valid_from.eq(month),
            cp::created_by.eq(Some(actor)),
            cp::created_at.eq(naive(now)),
        ))
        .returning(cp::id)
        .get_result(conn)?;
    audit::record(conn, "commission_plan", id, "created", Some(actor), &new.name, now)?;
    Ok(cp::table.find(id).select(PlanRow::as_select()).first(conn)?)
}

/// The plans the caller may read (`domain::commissions::may_see_plan`):
/// personal pay terms are not everyone's business.
pub fn plans(conn: &mut DbConn, by: &Principal) -> Result<Vec<PlanRow>, RepoError> {
    let scope = by.scope(conn)?;
    let all: Vec<PlanRow> = cp::table.order(cp::id.asc()).select(PlanRow::as_select()).load(conn)?;
    let tree = crate::departments::parent_map(conn)?;
    let own_chain = by
        .department_id
        .map(|d| domain::org::chain(&tree, d))
        .unwrap_or_default();
    let holders: Vec<i64> = all.iter().filter_map(|p| p.user_id).collect();
    let departments: std::collections::HashMap<i64, Option<i64>> = users::table
        .filter(users::id.eq_any(&holders))
        .select((users::id, users::department_id))
        .load::<(i64, Option<i64>)>(conn)?
        .into_iter()
        .collect();
    Ok(all
        .into_iter()
        .filter(|p| {
            let holder = domain::commissions::PlanHolder {
                user_id: p.user_id,
                user_department: p.user_id.and_then(|u| departments.get(&u).copied().flatten()),
                department_id: p.department_id,
            };
            domain::commissions::may_see_plan(&scope, &own_chain, &holder)
        })
        .collect())
}

/// The plan in force for `user` in `month`: the user's own, else their
/// nearest department's (up the tree), else the organisation's; the latest
/// valid from on or before the month.
pub fn plan_for(conn: &mut DbConn, user: i64, month: NaiveDate) -> Result<Option<PlanRow>, RepoError> {
    let all: Vec<PlanRow> = cp::table
        .filter(cp::valid_from.le(month))
        .order((cp::valid_from.desc(), cp::id.desc()))
        .select(PlanRow::as_select())
        .load(conn)?;
    if let Some(p) = all.iter().find(|p| p.user_id == Some(user)) {
        return Ok(Some(p.clone()));
    }
    let mut dept: Option<i64> = users::table.find(user).select(users::department_id).first(conn)?;
    let mut seen = 0;
    while let Some(d) = dept {
        if let Some(p) = all.iter().find(|p| p.user_id.is_none() && p.department_id == Some(d)) {
            return Ok(Some(p.clone()));
        }
        dept = departments::table.find(d).select(departments::parent_id).first(conn)?;
        seen += 1;
        if seen > 64 {
            break;
        }
    }
    Ok(all
        .into_iter()
        .find(|p| p.user_id.is_none() && p.department_id.is_none()))
}
