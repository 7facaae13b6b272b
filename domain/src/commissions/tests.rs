//! Commission rules: tiers, bonus, awards, adjustments, plan visibility.

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
