//! Commission (提成, seed 000/003): a plan pays a rate on a base (contract
//! amount signed or amount collected) in tiers of target attainment (e.g. 3 %
//! up to 100 % of the month's target, 5 % above), plus a bonus on reaching
//! a share of the target. Tiers are marginal: each rate applies to the part
//! of the actual inside its tier. Everything is in minor units, rounded down
//! once, at the end.

use serde::{Deserialize, Serialize};

use crate::scope::DataScope;

use crate::field_code::FieldCode;

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
            && (b.amount < 0 || b.at_bp == 0 || b.at_bp > MAX_TIER_BP)
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
        self.commission + self.bonus + self.awards.iter().map(AwardLine::signed).sum::<i64>()
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
            amount: now - settled,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// 3 % up to 100 % of target, 5 % above; 2,000 bonus at 100 %.
    fn plan() -> Plan {
        Plan {
            base: Base::ContractAmount,
            tiers: vec![
                Tier {
                    up_to_bp: Some(10_000),
                    rate_bp: 300,
                },
                Tier {
                    up_to_bp: None,
                    rate_bp: 500,
                },
            ],
            bonus: Some(Bonus {
                at_bp: 10_000,
                amount: 2_000,
            }),
        }
    }

    #[test]
    fn tiers_are_marginal_and_the_bonus_comes_at_the_target() {
        let p = plan();
        // 80,000 of 100,000: 3 % of all
        assert_eq!(
            earn(&p, 80_000, Some(100_000)),
            Earned {
                commission: 2_400,
                tier: 0,
                bonus: 0,
                attainment_bp: Some(8_000)
            }
        );
        // exactly at the target: still the first tier, and the bonus
        let at = earn(&p, 100_000, Some(100_000));
        assert_eq!((at.commission, at.tier, at.bonus), (3_000, 0, 2_000));
        // 130,000: 3 % of 100,000 + 5 % of 30,000
        let above = earn(&p, 130_000, Some(100_000));
        assert_eq!(
            (above.commission, above.tier, above.attainment_bp),
            (4_500, 1, Some(13_000))
        );
        // one unit above the target: 3,000 + 0.05 rounded down
        assert_eq!(earn(&p, 100_001, Some(100_000)).commission, 3_000);
        assert_eq!(earn(&p, 100_020, Some(100_000)).commission, 3_001);
        // no target: the first rate on all, no bonus
        assert_eq!(earn(&p, 130_000, None).commission, 3_900);
        assert_eq!(earn(&p, 130_000, Some(0)).bonus, 0);
    }

    #[test]
    fn awards_add_and_penalties_take() {
        let line = |kind: &str, amount| AwardLine {
            id: 1,
            kind: kind.into(),
            reason: "r".into(),
            amount,
        };
        let body = StatementBody {
            month: "2026-11".into(),
            plan_id: None,
            plan_name: None,
            base: None,
            target: None,
            actual: 0,
            attainment_bp: None,
            tier: 0,
            commission: 4_500,
            bonus: 2_000,
            lines: Vec::new(),
            awards: vec![
                line("award", Some(1_000)),
                line("penalty", Some(300)),
                line("award", None),
            ],
            adjustments: Vec::new(),
            total: 0,
        };
        assert_eq!(body.earned(), 7_200);
    }

    #[test]
    fn each_reads_the_plans_that_can_apply_to_the_people_they_see() {
        // departments: 1 company root, 2 east under it, 3 north under it
        let company = PlanHolder {
            user_id: None,
            user_department: None,
            department_id: None,
        };
        let dept = |d| PlanHolder {
            user_id: None,
            user_department: None,
            department_id: Some(d),
        };
        let user = |u, d| PlanHolder {
            user_id: Some(u),
            user_department: Some(d),
            department_id: None,
        };
        let east_mgr = DataScope::Departments {
            user_id: 10,
            departments: vec![2],
        };
        let east_chain = [2, 1];
        let east_rep = DataScope::Own { user_id: 11 };
        for scope in [&east_mgr, &east_rep] {
            assert!(may_see_plan(scope, &east_chain, &company));
            assert!(may_see_plan(scope, &east_chain, &dept(2)));
            assert!(
                may_see_plan(scope, &east_chain, &dept(1)),
                "the root's plan applies to east"
            );
            assert!(
                !may_see_plan(scope, &east_chain, &dept(3)),
                "north's is not east's business"
            );
            assert!(
                !may_see_plan(scope, &east_chain, &user(21, 3)),
                "a north rep's personal plan"
            );
        }
        assert!(
            may_see_plan(&east_mgr, &east_chain, &user(12, 2)),
            "a rep of the manager's"
        );
        assert!(
            !may_see_plan(&east_rep, &east_chain, &user(12, 2)),
            "a colleague's personal plan"
        );
        assert!(may_see_plan(&east_rep, &east_chain, &user(11, 2)), "one's own");
        assert!(may_see_plan(&DataScope::All, &[], &user(21, 3)));
    }

    #[test]
    fn adjustments_are_the_differences() {
        let a = adjustments(&[("2026-10".into(), 3_000, 3_000), ("2026-11".into(), 2_400, 3_000)]);
        assert_eq!(
            a,
            [Adjustment {
                month: "2026-11".into(),
                amount: -600
            }]
        );
    }

    #[test]
    fn plans_are_checked() {
        assert_eq!(plan().check(), Ok(()));
        let mut p = plan();
        p.tiers[0].up_to_bp = None;
        assert_eq!(p.check().map_err(|e| e.field), Err("tiers.0.up_to_bp".to_owned()));
        let mut p = plan();
        p.tiers[1].rate_bp = 10_001;
        assert_eq!(p.check().map_err(|e| e.field), Err("tiers.1.rate_bp".to_owned()));
        let mut p = plan();
        p.tiers.insert(
            1,
            Tier {
                up_to_bp: Some(5_000),
                rate_bp: 1,
            },
        );
        assert_eq!(p.check().map_err(|e| e.field), Err("tiers.1.up_to_bp".to_owned()));
        let mut p = plan();
        p.bonus = Some(Bonus { at_bp: 0, amount: 1 });
        assert_eq!(p.check().map_err(|e| e.field), Err("bonus".to_owned()));
        p.tiers.clear();
        assert_eq!(p.check().map_err(|e| e.field), Err("tiers".to_owned()));
    }

    proptest! {
        /// More actual never earns less; the commission lies between the
        /// lowest and highest rate applied to the whole actual.
        #[test]
        fn commission_is_monotone_and_bounded(
            a in 0i64..10_000_000, more in 0i64..1_000_000, target in 1i64..5_000_000,
            r1 in 0u32..2_000, r2 in 0u32..2_000, r3 in 0u32..2_000, b1 in 1u32..20_000, step in 1u32..20_000,
        ) {
            let p = Plan {
                base: Base::CollectedAmount,
                tiers: vec![
                    Tier { up_to_bp: Some(b1), rate_bp: r1 },
                    Tier { up_to_bp: Some(b1 + step), rate_bp: r2 },
                    Tier { up_to_bp: None, rate_bp: r3 },
                ],
                bonus: Some(Bonus { at_bp: b1, amount: 100 }),
            };
            prop_assert!(p.check().is_ok());
            let low = earn(&p, a, Some(target));
            let high = earn(&p, a + more, Some(target));
            prop_assert!(high.commission + high.bonus >= low.commission + low.bonus);
            let (min_r, max_r) = (r1.min(r2).min(r3), r1.max(r2).max(r3));
            prop_assert!(i128::from(low.commission) >= i128::from(a) * i128::from(min_r) / 10_000 - 1);
            prop_assert!(i128::from(low.commission) <= i128::from(a) * i128::from(max_r) / 10_000);
        }

        /// At a tier boundary, exactly: the boundary unit is paid at the
        /// lower tier's rate and the next unit at the upper one's.
        #[test]
        fn boundaries_are_exact(target in 1i64..1_000_000, r1 in 0u32..5_000, r2 in 0u32..5_000) {
            let p = Plan {
                base: Base::ContractAmount,
                tiers: vec![Tier { up_to_bp: Some(10_000), rate_bp: r1 }, Tier { up_to_bp: None, rate_bp: r2 }],
                bonus: None,
            };
            let at = earn(&p, target, Some(target));
            prop_assert_eq!(at.tier, 0);
            prop_assert_eq!(at.commission, i64::try_from(i128::from(target) * i128::from(r1) / 10_000).unwrap_or(0));
            let over = earn(&p, target + 10_000, Some(target));
            prop_assert_eq!(over.tier, 1);
            let expected = (i128::from(target) * i128::from(r1) + 10_000 * i128::from(r2)) / 10_000;
            prop_assert_eq!(i128::from(over.commission), expected);
        }
    }
}
