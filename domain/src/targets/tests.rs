use proptest::prelude::*;

use super::plan::{Holder, Node, Org, Problem, Split, forecast_holder, may_see, resolve};
use super::*;

#[test]
fn a_million_yuan_over_three_departments_adds_up_to_the_fen() {
    let total = 100_000_000; // 1,000,000.00 CNY in fen
    let parts = split_equal(total, 3).expect("valid");
    assert_eq!(parts, [33_333_334, 33_333_333, 33_333_333]);
    assert_eq!(parts.iter().sum::<i64>(), total);
    let reps = split_by_weights(parts[0], &[5, 3, 2]).expect("valid");
    assert_eq!(reps, [16_666_667, 10_000_000, 6_666_667]);
    assert_eq!(reps.iter().sum::<i64>(), parts[0]);
}

#[test]
fn the_largest_remainders_get_the_leftover_units() {
    // exact shares 3.33.., 3.33.., 3.33..: the earliest gets the leftover
    assert_eq!(split_equal(10, 3).expect("valid"), [4, 3, 3]);
    // exact shares 1.4, 2.8, 5.6, 0.2: floors 1+2+5+0 = 8, remainders .8 and .6 win
    assert_eq!(split_by_weights(10, &[7, 14, 28, 1]).expect("valid"), [1, 3, 6, 0]);
    assert_eq!(split_by_weights(0, &[1, 2]).expect("valid"), [0, 0]);
    assert_eq!(split_by_weights(5, &[0, 1]).expect("valid"), [0, 5]);
}

#[test]
fn impossible_splits_are_refused() {
    assert_eq!(split_by_weights(-1, &[1]), Err(SplitError::Negative));
    assert_eq!(split_by_weights(1, &[]), Err(SplitError::NoParts));
    assert_eq!(split_by_weights(1, &[0, 0]), Err(SplitError::ZeroWeights));
    assert_eq!(split_by_weights(1, &[1, -1]), Err(SplitError::NegativeWeight));
}

#[test]
fn a_manual_split_a_fen_short_names_the_difference() {
    assert_eq!(check_manual(100, &[50, 50]), Ok(()));
    assert_eq!(
        check_manual(100_000_000, &[50_000_000, 49_999_999]),
        Err(ManualError::DoesNotAddUp(Mismatch {
            total: 100_000_000,
            sum: 99_999_999,
            difference: -1
        }))
    );
    assert_eq!(check_manual(10, &[11, -1]), Err(ManualError::Negative));
}

#[test]
fn months_and_quarters() {
    let m = months(1_200_000, None).expect("valid");
    assert!(m.iter().all(|v| *v == 100_000));
    assert_eq!(quarters(&m), [300_000; 4]);
    let season = [4, 2, 8, 8, 8, 8, 8, 8, 10, 12, 12, 12];
    let m = months(1_000_000, Some(&season)).expect("valid");
    assert_eq!(m.iter().sum::<i64>(), 1_000_000);
    assert!(m[1] < m[0] && m[0] < m[2] && m[2] < m[11]);
}

#[test]
fn completion_in_basis_points() {
    assert_eq!(completion_bp(0, 100), Some(0));
    assert_eq!(completion_bp(1, 3), Some(3333));
    assert_eq!(completion_bp(250, 200), Some(12_500));
    assert_eq!(completion_bp(5, 0), None);
}

fn node(holder: Holder, split: Split, children: Vec<Node>) -> Node {
    Node {
        holder,
        weight: None,
        value: None,
        split,
        children,
    }
}

/// 3 departments under the company, 7 reps: 3 in the first, 2 and 2.
fn org() -> Org {
    let mut o = Org::default();
    for d in 1..=3 {
        o.departments.insert(d, None);
    }
    for (u, d) in [(11, 1), (12, 1), (13, 1), (21, 2), (22, 2), (31, 3), (32, 3)] {
        o.users.insert(u, Some(d));
    }
    o
}

fn company(total: i64, split: Split, children: Vec<Node>) -> Node {
    Node {
        value: Some(total),
        ..node(Holder::Company, split, children)
    }
}

fn reps(ids: &[i64]) -> Vec<Node> {
    ids.iter()
        .map(|u| node(Holder::User(*u), Split::Equal, vec![]))
        .collect()
}

#[test]
fn a_plan_over_three_departments_and_seven_reps_adds_up_to_the_fen() {
    let plan = company(
        100_000_000,
        Split::Equal,
        vec![
            node(Holder::Department(1), Split::Equal, reps(&[11, 12, 13])),
            node(Holder::Department(2), Split::Equal, reps(&[21, 22])),
            node(Holder::Department(3), Split::Equal, reps(&[31, 32])),
        ],
    );
    let figures = resolve(&plan, &org()).expect("valid plan");
    let of = |h: Holder| figures.iter().find(|f| f.0 == h).map(|f| f.1).expect("figure");
    let users: i64 = figures
        .iter()
        .filter(|f| matches!(f.0, Holder::User(_)))
        .map(|f| f.1)
        .sum();
    assert_eq!(users, 100_000_000);
    assert_eq!(of(Holder::Department(1)), 33_333_334);
    assert_eq!(
        of(Holder::User(11)) + of(Holder::User(12)) + of(Holder::User(13)),
        33_333_334
    );
}

#[test]
fn a_manual_plan_a_fen_short_is_refused_with_the_difference_and_the_shape_is_checked() {
    let mut first = node(Holder::Department(1), Split::Equal, reps(&[11]));
    first.value = Some(50_000_000);
    let mut second = node(Holder::Department(2), Split::Equal, reps(&[21]));
    second.value = Some(49_999_999);
    let e = resolve(
        &company(100_000_000, Split::Manual, vec![first.clone(), second]),
        &org(),
    )
    .expect_err("short");
    assert_eq!(e.path, "children");
    assert!(
        matches!(e.problem, Problem::DoesNotAddUp(m) if m.difference == -1),
        "{e:?}"
    );
    let stray = node(Holder::Department(1), Split::Equal, reps(&[21]));
    let e = resolve(&company(1, Split::Equal, vec![stray]), &org()).expect_err("stray");
    assert_eq!(
        (e.path.as_str(), e.problem.clone()),
        ("children.0.children.0", Problem::NotInDepartment)
    );
    let twice = company(1, Split::Equal, vec![first.clone(), first]);
    assert_eq!(resolve(&twice, &org()).expect_err("twice").problem, Problem::Twice);
    let weighted = company(10, Split::Weights, reps(&[11, 12]));
    assert_eq!(
        resolve(&weighted, &org()).expect_err("weights").path,
        "children.0.weight"
    );
}

#[test]
fn progress_is_seen_within_reach() {
    use crate::scope::DataScope;
    let manager = DataScope::Departments {
        user_id: 5,
        departments: vec![1],
    };
    let rep = DataScope::Own { user_id: 11 };
    assert!(may_see(&DataScope::All, 1, Holder::Company, None));
    assert!(!may_see(&manager, 5, Holder::Company, None));
    assert!(may_see(&manager, 5, Holder::Department(1), None));
    assert!(!may_see(&manager, 5, Holder::Department(2), None));
    assert!(may_see(&manager, 5, Holder::User(11), Some(1)));
    assert!(!may_see(&manager, 5, Holder::User(21), Some(2)));
    assert!(may_see(&rep, 11, Holder::User(11), Some(1)));
    assert!(!may_see(&rep, 11, Holder::User(12), Some(1)));
}

proptest! {
    /// Any total over any weights adds up exactly, and every part is within
    /// one unit of its exact share.
    #[test]
    fn any_split_adds_up_and_stays_within_a_unit(
        total in 0i64..1_000_000_000_000_000,
        weights in proptest::collection::vec(0i64..1_000_000_000, 1..40),
    ) {
        prop_assume!(weights.iter().any(|w| *w > 0));
        let parts = split_by_weights(total, &weights).expect("valid");
        prop_assert_eq!(parts.len(), weights.len());
        prop_assert_eq!(parts.iter().map(|p| i128::from(*p)).sum::<i128>(), i128::from(total));
        let sum: i128 = weights.iter().map(|w| i128::from(*w)).sum();
        for (p, w) in parts.iter().zip(&weights) {
            let exact_num = i128::from(total) * i128::from(*w);
            let p = i128::from(*p);
            // p * sum lies within one `sum` of the exact share's numerator
            prop_assert!((p * sum - exact_num).abs() < sum);
            prop_assert!(p >= 0);
        }
    }

    /// Equal shares differ by at most one unit, larger ones first.
    #[test]
    fn equal_shares_differ_by_at_most_one(total in 0i64..10_000_000_000, n in 1usize..60) {
        let parts = split_equal(total, n).expect("valid");
        let (min, max) = (*parts.iter().min().expect("valid"), *parts.iter().max().expect("valid"));
        prop_assert!(max - min <= 1);
        prop_assert!(parts.windows(2).all(|w| w[0] >= w[1]));
    }

    /// Months and quarters agree both ways: the quarters of a year's months
    /// sum to the year, and splitting each quarter over its months by the
    /// months themselves gives them back.
    #[test]
    fn months_and_quarters_agree(total in 0i64..10_000_000_000_000, season in proptest::array::uniform12(0i64..100)) {
        prop_assume!(season.iter().any(|w| *w > 0));
        let m = months(total, Some(&season)).expect("valid");
        let q = quarters(&m);
        prop_assert_eq!(q.iter().sum::<i64>(), total);
        for (i, quarter) in q.iter().enumerate() {
            let own = &m[i * 3..i * 3 + 3];
            if own.iter().any(|v| *v > 0) {
                prop_assert_eq!(split_by_weights(*quarter, own).expect("valid"), own.to_vec());
            }
        }
    }

    /// Whatever the weights, a resolved plan's reps add up to the company total.
    #[test]
    fn a_resolved_plan_adds_up(total in 0i64..10_000_000_000_000, w in proptest::collection::vec(1i64..1000, 7)) {
        let weighted = |ids: &[i64], ws: &[i64]| -> Vec<Node> {
            ids.iter().zip(ws).map(|(u, w)| Node { weight: Some(*w), ..node(Holder::User(*u), Split::Equal, vec![]) }).collect()
        };
        let depts = vec![
            Node { weight: Some(w[0]), ..node(Holder::Department(1), Split::Weights, weighted(&[11, 12, 13], &w[0..3])) },
            Node { weight: Some(w[3]), ..node(Holder::Department(2), Split::Weights, weighted(&[21, 22], &w[3..5])) },
            Node { weight: Some(w[5]), ..node(Holder::Department(3), Split::Weights, weighted(&[31, 32], &w[5..7])) },
        ];
        let figures = resolve(&company(total, Split::Weights, depts), &org()).expect("valid");
        let users: i64 = figures.iter().filter(|f| matches!(f.0, Holder::User(_))).map(|f| f.1).sum();
        let departments: i64 = figures.iter().filter(|f| matches!(f.0, Holder::Department(_))).map(|f| f.1).sum();
        prop_assert_eq!(users, total);
        prop_assert_eq!(departments, total);
    }

    /// A manual split is accepted exactly when it adds up.
    #[test]
    fn manual_splits_are_accepted_exactly_when_they_add_up(parts in proptest::collection::vec(0i64..1_000_000, 1..20), delta in -3i64..3) {
        let sum: i64 = parts.iter().sum();
        let total = sum + delta;
        let accepted = check_manual(total, &parts).is_ok();
        prop_assert_eq!(accepted, delta == 0);
        if let Err(ManualError::DoesNotAddUp(m)) = check_manual(total, &parts) {
            prop_assert_eq!(m.difference, -delta);
        }
    }
}

#[test]
fn a_forecast_is_set_against_the_filter_or_the_callers_own_reach() {
    use crate::scope::DataScope;
    let team = DataScope::Departments {
        user_id: 7,
        departments: vec![3],
    };
    let own = DataScope::Own { user_id: 7 };
    assert_eq!(forecast_holder(Some(9), Some(4), &own, 7, Some(3)), Holder::User(9));
    assert_eq!(forecast_holder(None, Some(4), &own, 7, Some(3)), Holder::Department(4));
    assert_eq!(
        forecast_holder(None, None, &DataScope::All, 7, Some(3)),
        Holder::Company
    );
    assert_eq!(forecast_holder(None, None, &team, 7, Some(3)), Holder::Department(3));
    assert_eq!(forecast_holder(None, None, &team, 7, None), Holder::User(7));
    assert_eq!(forecast_holder(None, None, &own, 7, Some(3)), Holder::User(7));
}
