//! Unit and property tests of the stage-transition rule.

use super::*;
use chrono::{Duration, TimeZone};
use proptest::prelude::*;

/// The default funnel: 1 初次沟通 → 2 了解需求 → 3 方案制定 (amount, date) → 4 商务谈判 → 5 合同签订, 6 赢单, 7 输单.
fn funnel() -> Vec<Stage> {
    let open = |id, requires: Vec<Requirement>| Stage {
        id,
        position: id as i32 * 10,
        kind: StageKind::Open,
        requires,
    };
    vec![
        open(1, vec![]),
        open(2, vec![]),
        open(3, vec![Requirement::Amount, Requirement::ExpectedCloseDate]),
        open(4, vec![]),
        open(5, vec![]),
        Stage {
            id: 6,
            position: 60,
            kind: StageKind::Won,
            requires: vec![],
        },
        Stage {
            id: 7,
            position: 70,
            kind: StageKind::Lost,
            requires: vec![],
        },
    ]
}

const STRICT: Policy = Policy {
    allow_skip: false,
    allow_back: true,
};

fn deal(stage_id: i64, amount: Option<i64>, date: bool) -> DealFacts {
    DealFacts {
        stage_id,
        amount,
        has_expected_close_date: date,
        has_contact: false,
    }
}

fn to(stage: i64) -> MoveRequest<'static> {
    MoveRequest {
        to_stage: stage,
        lost_reason: None,
        by_manager: false,
    }
}

#[test]
fn entering_a_stage_needs_its_fields() {
    let e = transition(&funnel(), STRICT, &deal(2, None, false), &to(3))
        .err()
        .unwrap_or_default();
    assert_eq!(
        e,
        vec![
            MoveError::Missing(Requirement::Amount),
            MoveError::Missing(Requirement::ExpectedCloseDate)
        ]
    );
    assert_eq!(e[0].field(), "amount");
    assert_eq!(
        transition(&funnel(), STRICT, &deal(2, Some(100), true), &to(3)),
        Ok(Status::Open)
    );
    assert!(
        transition(&funnel(), STRICT, &deal(2, Some(0), true), &to(3)).is_err(),
        "zero is no amount"
    );
}

#[test]
fn skipping_is_refused_in_a_no_skip_pipeline_and_passes_requirements_otherwise() {
    assert_eq!(
        transition(&funnel(), STRICT, &deal(1, None, false), &to(2)),
        Ok(Status::Open)
    );
    assert_eq!(
        transition(&funnel(), STRICT, &deal(1, Some(5), true), &to(4)),
        Err(vec![MoveError::SkipNotAllowed])
    );
    let free = Policy {
        allow_skip: true,
        allow_back: true,
    };
    assert_eq!(
        transition(&funnel(), free, &deal(1, Some(5), true), &to(4)),
        Ok(Status::Open)
    );
    // skipping over 方案制定 still needs what it needs
    assert_eq!(
        transition(&funnel(), free, &deal(1, None, true), &to(5)),
        Err(vec![MoveError::Missing(Requirement::Amount)])
    );
}

#[test]
fn moving_back_follows_the_policy() {
    assert_eq!(
        transition(&funnel(), STRICT, &deal(4, None, false), &to(2)),
        Ok(Status::Open)
    );
    let forward_only = Policy {
        allow_skip: false,
        allow_back: false,
    };
    assert_eq!(
        transition(&funnel(), forward_only, &deal(4, None, false), &to(2)),
        Err(vec![MoveError::BackNotAllowed])
    );
}

#[test]
fn won_needs_an_amount_and_the_last_stage_in_a_no_skip_pipeline() {
    assert_eq!(
        transition(&funnel(), STRICT, &deal(5, Some(9), true), &to(6)),
        Ok(Status::Won)
    );
    assert_eq!(
        transition(&funnel(), STRICT, &deal(5, None, true), &to(6)),
        Err(vec![MoveError::WonNeedsAmount])
    );
    assert_eq!(
        transition(&funnel(), STRICT, &deal(4, Some(9), true), &to(6)),
        Err(vec![MoveError::SkipNotAllowed])
    );
    let free = Policy {
        allow_skip: true,
        allow_back: true,
    };
    assert_eq!(
        transition(&funnel(), free, &deal(1, Some(9), true), &to(6)),
        Ok(Status::Won)
    );
}

#[test]
fn lost_needs_a_reason_from_any_stage() {
    assert_eq!(
        transition(&funnel(), STRICT, &deal(1, None, false), &to(7)),
        Err(vec![MoveError::LostNeedsReason])
    );
    let req = MoveRequest {
        lost_reason: Some("  "),
        ..to(7)
    };
    assert_eq!(
        transition(&funnel(), STRICT, &deal(1, None, false), &req),
        Err(vec![MoveError::LostNeedsReason])
    );
    let req = MoveRequest {
        lost_reason: Some("价格太高"),
        ..to(7)
    };
    assert_eq!(
        transition(&funnel(), STRICT, &deal(1, None, false), &req),
        Ok(Status::Lost)
    );
}

#[test]
fn closed_deals_reopen_only_by_a_manager() {
    assert_eq!(
        transition(&funnel(), STRICT, &deal(7, None, false), &to(2)),
        Err(vec![MoveError::ReopenNeedsManager])
    );
    let req = MoveRequest {
        by_manager: true,
        ..to(2)
    };
    assert_eq!(
        transition(&funnel(), STRICT, &deal(7, None, false), &req),
        Ok(Status::Open)
    );
    assert_eq!(
        transition(&funnel(), STRICT, &deal(6, Some(1), true), &to(6)),
        Err(vec![MoveError::SameStage])
    );
    assert_eq!(
        transition(&funnel(), STRICT, &deal(1, None, false), &to(99)),
        Err(vec![MoveError::UnknownStage(99)])
    );
}

#[test]
fn an_approved_contract_wins_an_open_deal_from_any_stage() {
    let stages = funnel();
    let won = stages.iter().find(|s| s.kind == StageKind::Won).map(|s| s.id);
    for s in stages.iter().filter(|s| s.kind == StageKind::Open) {
        let deal = DealFacts {
            stage_id: s.id,
            amount: None,
            has_expected_close_date: false,
            has_contact: false,
        };
        assert_eq!(won_by_contract(&stages, &deal), won);
    }
    for s in stages.iter().filter(|s| s.kind != StageKind::Open) {
        let deal = DealFacts {
            stage_id: s.id,
            amount: Some(1),
            has_expected_close_date: true,
            has_contact: true,
        };
        assert_eq!(won_by_contract(&stages, &deal), None);
    }
}

proptest! {
    /// For any sequence of requested moves, the accepted ones form a history
    /// whose durations add up to the deal's age and whose last entry is the
    /// current stage.
    #[test]
    fn accepted_moves_make_a_consistent_history(
        moves in proptest::collection::vec((1i64..8, 0i64..100_000, any::<bool>(), any::<bool>(), any::<bool>()), 0..40),
        allow_skip in any::<bool>(),
        allow_back in any::<bool>(),
    ) {
        let stages = funnel();
        let policy = Policy { allow_skip, allow_back };
        let created = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().expect("time");
        let mut now = created;
        let mut facts = deal(1, None, false);
        let mut entered = created;
        let mut history = vec![stage_change(None, 1, created)];
        for (target, gap, with_amount, with_reason, manager) in moves {
            now += Duration::seconds(gap);
            if with_amount {
                facts.amount = Some(100_000);
                facts.has_expected_close_date = true;
            }
            let req = MoveRequest { to_stage: target, lost_reason: with_reason.then_some("预算取消"), by_manager: manager };
            if transition(&stages, policy, &facts, &req).is_ok() {
                history.push(stage_change(Some((facts.stage_id, entered)), target, now));
                facts.stage_id = target;
                entered = now;
            }
        }
        let end = now + Duration::seconds(1);
        let spent: i64 = history.iter().map(|c| c.seconds_in_from).sum::<i64>() + (end - entered).num_seconds();
        prop_assert_eq!(spent, (end - created).num_seconds());
        prop_assert_eq!(history.last().map(|c| c.to), Some(facts.stage_id));
        for pair in history.windows(2) {
            prop_assert_eq!(pair[1].from, Some(pair[0].to));
            prop_assert!(pair[1].at >= pair[0].at);
        }
    }
}

#[test]
fn unchecked_exit_criteria_hold_forward_moves_only() {
    let open = Policy {
        allow_skip: true,
        allow_back: true,
    };
    let unchecked = vec!["已见到决策人".to_owned()];
    let held = MoveError::Unchecked(unchecked.clone());
    let at2 = deal(2, Some(100), true);
    for forward in [3, 5, 6] {
        assert_eq!(
            transition_checked(&funnel(), open, &at2, &to(forward), &unchecked),
            Err(vec![held.clone()]),
            "to {forward}"
        );
    }
    assert_eq!(
        transition_checked(&funnel(), open, &at2, &to(1), &unchecked),
        Ok(Status::Open)
    );
    let lose = MoveRequest {
        lost_reason: Some("预算取消"),
        ..to(7)
    };
    assert_eq!(
        transition_checked(&funnel(), open, &at2, &lose, &unchecked),
        Ok(Status::Lost)
    );
    assert_eq!(transition_checked(&funnel(), open, &at2, &to(3), &[]), Ok(Status::Open));
    // the hold joins the other reasons, and names its field
    let e = transition_checked(&funnel(), STRICT, &deal(2, None, false), &to(4), &unchecked)
        .expect_err("a skip with unchecked items");
    assert!(e.contains(&MoveError::SkipNotAllowed) && e.contains(&held), "{e:?}");
    assert_eq!(held.field(), "checkpoints");
    assert_eq!(held.to_string(), "check first: 已见到决策人");
}

proptest! {
    /// With nothing unchecked, the exit criteria change no decision.
    #[test]
    fn with_nothing_unchecked_the_rule_is_the_transition(from in 1i64..=7, target in 1i64..=8, amount in proptest::option::of(0i64..1000)) {
        let d = deal(from, amount, true);
        let policy = Policy { allow_skip: true, allow_back: false };
        prop_assert_eq!(
            transition_checked(&funnel(), policy, &d, &to(target), &[]),
            transition(&funnel(), policy, &d, &to(target))
        );
    }
}
