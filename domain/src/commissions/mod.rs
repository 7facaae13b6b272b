//! Commission (提成, seed 000/003): a plan pays a rate on a base (contract
//! amount signed or amount collected) in tiers of target attainment (e.g. 3 %
//! up to 100 % of the month's target, 5 % above), plus a bonus on reaching
//! a share of the target. Tiers are marginal: each rate applies to the part
//! of the actual inside its tier. Everything is in minor units, rounded down
//! once, at the end.

use serde::{Deserialize, Serialize};

use crate::scope::DataScope;

use crate::vocabulary::FieldCode;

/// What a plan pays on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Base {
    /// Approved contracts by signing date.
    ContractAmount,
    /// Payments by date received.
    CollectedAmount,
}

impl Base {
    pub fn as_str(self) -> &'static str {
        match self {
            Base::ContractAmount => "contract_amount",
            Base::CollectedAmount => "collected_amount",
        }
    }
}

/// One tier: the rate paid on the part of the actual up to `up_to_bp` of
/// the target (`None`: everything above the previous tier).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tier {
    pub up_to_bp: Option<u32>,
    pub rate_bp: u32,
}

/// A bonus paid once the actual reaches `at_bp` of the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bonus {
    pub at_bp: u32,
    pub amount: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub base: Base,
    pub tiers: Vec<Tier>,
    pub bonus: Option<Bonus>,
}

/// A plan that cannot be computed, naming the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanError {
    pub field: String,
    /// `range` for a value out of bounds; `relation` for tiers out of order.
    pub code: FieldCode,
    pub message: &'static str,
}

/// The highest rate (100 %) and bonus threshold (1000 % of target) a plan may have.
pub const MAX_RATE_BP: u32 = 10_000;
pub const MAX_TIER_BP: u32 = 100_000;

impl Plan {
    /// Tiers ascend, only the last is open-ended, rates are 0-100 %, a bonus is not negative.
    pub fn check(&self) -> Result<(), PlanError> {
        let bad = |field: String, message| {
            Err(PlanError {
                field,
                code: FieldCode::Range,
                message,
            })
        };
        let order = |field: String, message| {
            Err(PlanError {
                field,
                code: FieldCode::Relation,
                message,
            })
        };
        if self.tiers.is_empty() || self.tiers.len() > 10 {
            return bad("tiers".into(), "between one and ten tiers");
        }
        let mut last = 0;
        for (i, t) in self.tiers.iter().enumerate() {
            if t.rate_bp > MAX_RATE_BP {
                return bad(format!("tiers.{i}.rate_bp"), "a rate of at most 10000 (100 %)");
            }
            let is_last = i + 1 == self.tiers.len();
            match (t.up_to_bp, is_last) {
                (None, true) => {}
                (None, false) => return order(format!("tiers.{i}.up_to_bp"), "only the last tier is open-ended"),
                (Some(u), _) if u > MAX_TIER_BP => {
                    return bad(format!("tiers.{i}.up_to_bp"), "tiers ascend, up to 100000 (1000 %)");
                }
                (Some(u), _) if u <= last => {
                    return order(format!("tiers.{i}.up_to_bp"), "tiers ascend, up to 100000 (1000 %)");
                }
                (Some(u), _) => last = u,
            }
        }
        if let Some(b) = self.bonus
            && (!(0..=crate::money::MAX_AMOUNT).contains(&b.amount) || b.at_bp == 0 || b.at_bp > MAX_TIER_BP)
        {
            return bad(
                "bonus".into(),
                "a bonus of zero or more, at 1 to 100000 basis points of the target",
            );
        }
        Ok(())
    }
}

/// Whom a stored plan is for: one user (of a department), a department and
/// its subtree, or (neither) everyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanHolder {
    pub user_id: Option<i64>,
    pub user_department: Option<i64>,
    pub department_id: Option<i64>,
}

/// May a caller with `scope`, whose department and its ancestors are
/// `own_chain`, read a plan for `holder`? Plans are personal pay terms, so
/// each reads those that can apply to the people they see: an admin every
/// plan; a manager the company's, those of a department in their subtree
/// or above it, and those of a user in their subtree (or their own); a rep
/// the company's, their department chain's and their own.
pub fn may_see_plan(scope: &DataScope, own_chain: &[i64], holder: &PlanHolder) -> bool {
    match (scope, holder.user_id, holder.department_id) {
        (DataScope::All, _, _) => true,
        (DataScope::Departments { user_id, departments }, Some(u), _) => {
            u == *user_id || holder.user_department.is_some_and(|d| departments.contains(&d))
        }
        (DataScope::Departments { departments, .. }, None, Some(d)) => {
            departments.contains(&d) || own_chain.contains(&d)
        }
        (DataScope::Own { user_id }, Some(u), _) => u == *user_id,
        (DataScope::Own { .. }, None, Some(d)) => own_chain.contains(&d),
        (_, None, None) => true,
    }
}

/// What a month earns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Earned {
    /// Commission on the actual, rounded down.
    pub commission: i64,
    /// The tier the actual reached (0-based).
    pub tier: usize,
    pub bonus: i64,
    /// actual / target in basis points; `None` without a target.
    pub attainment_bp: Option<i64>,
}

fn threshold(target: i64, bp: u32) -> i128 {
    i128::from(target) * i128::from(bp) / 10_000
}

/// The commission of `actual` against `target` under `plan`. Without a
/// (positive) target every unit is paid at the first tier's rate and no
/// bonus is due.
pub fn earn(plan: &Plan, actual: i64, target: Option<i64>) -> Earned {
    let actual = i128::from(actual.max(0));
    let Some(target) = target.filter(|t| *t > 0) else {
        let rate = plan.tiers.first().map_or(0, |t| t.rate_bp);
        return Earned {
            commission: i64::try_from(actual * i128::from(rate) / 10_000).unwrap_or(i64::MAX),
            ..Earned::default()
        };
    };
    let mut paid = 0i128; // in minor units x 10000
    let mut floor = 0i128;
    let mut tier = 0;
    for (i, t) in plan.tiers.iter().enumerate() {
        let ceiling = t.up_to_bp.map_or(i128::MAX, |u| threshold(target, u));
        if actual > floor {
            tier = i;
            paid += (actual.min(ceiling) - floor) * i128::from(t.rate_bp);
        }
        floor = ceiling;
        if actual <= ceiling {
            break;
        }
    }
    let bonus = plan
        .bonus
        .filter(|b| actual >= threshold(target, b.at_bp))
        .map_or(0, |b| b.amount);
    Earned {
        commission: i64::try_from(paid / 10_000).unwrap_or(i64::MAX),
        tier,
        bonus,
        attainment_bp: i64::try_from(actual * 10_000 / i128::from(target)).ok(),
    }
}

/// A contract or payment that counted towards a month's base.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    /// `contract` or `payment`.
    pub kind: String,
    pub id: i64,
    /// The contract's number.
    pub reference: String,
    pub date: chrono::NaiveDate,
    pub amount: i64,
}

/// A change to an approved month, paid (or taken back) in a later one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adjustment {
    /// `YYYY-MM` of the approved month that changed.
    pub month: String,
    pub amount: i64,
}

/// An award (奖) or a penalty (惩) a manager recorded for a rep's month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwardLine {
    pub id: i64,
    /// `award` or `penalty`.
    pub kind: String,
    pub reason: String,
    /// Paid with an award, taken with a penalty; `None`: recognition only.
    pub amount: Option<i64>,
}

impl AwardLine {
    /// What the line adds to the month: + for an award, - for a penalty.
    pub fn signed(&self) -> i64 {
        let a = self.amount.unwrap_or(0);
        if self.kind == "penalty" { -a } else { a }
    }
}

/// A rep's month: what counted, the tier reached, commission, bonus,
/// adjustments for earlier approved months, and the total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementBody {
    pub month: String,
    pub plan_id: Option<i64>,
    pub plan_name: Option<String>,
    pub base: Option<Base>,
    pub target: Option<i64>,
    pub actual: i64,
    pub attainment_bp: Option<i64>,
    pub tier: usize,
    pub commission: i64,
    pub bonus: i64,
    pub lines: Vec<Line>,
    /// Awards and penalties of the month.
    #[serde(default)]
    pub awards: Vec<AwardLine>,
    pub adjustments: Vec<Adjustment>,
    pub total: i64,
}

impl StatementBody {
    /// What the month itself earned (commission, bonus, awards less
    /// penalties), without adjustments for earlier ones.
    pub fn earned(&self) -> i64 {
        crate::money::sum(
            [self.commission, self.bonus]
                .into_iter()
                .chain(self.awards.iter().map(AwardLine::signed)),
        )
    }
}

/// Adjustments for earlier approved months: each month's earnings computed
/// now against what was settled for it, where they differ.
pub fn adjustments(months: &[(String, i64, i64)]) -> Vec<Adjustment> {
    months
        .iter()
        .filter(|(_, now, settled)| now != settled)
        .map(|(month, now, settled)| Adjustment {
            month: month.clone(),
            amount: crate::money::saturate(i128::from(*now) - i128::from(*settled)),
        })
        .collect()
}

#[cfg(test)]
mod tests;
