use chrono::{Duration, TimeZone, Utc};
use proptest::prelude::*;

use super::*;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

fn held(days_ago: i64, contacted_days_ago: Option<i64>) -> Holding {
    Holding {
        grade: Grade::B,
        owned_since: t0() - Duration::days(days_ago),
        last_contacted_at: contacted_days_ago.map(|d| t0() - Duration::days(d)),
        locked: false,
        dealt: false,
    }
}

#[test]
fn defaults_are_those_of_the_design() {
    let p = PoolPolicy::default();
    assert_eq!(p.no_follow_up_days, PerGrade::all(30));
    assert_eq!(p.no_deal_days, PerGrade::all(90));
    assert_eq!(p.warn_days, 3);
    assert_eq!(p.reclaim_cooldown_days, 7);
    assert!(p.exempt_locked && p.exempt_dealt);
    assert_eq!(p.check(), Ok(()));
}

#[test]
fn a_neglected_customer_returns_after_thirty_days_without_follow_up() {
    let p = PoolPolicy::default();
    assert_eq!(standing(&p, &held(40, Some(20)), t0()), Standing::Safe);
    assert!(matches!(
        standing(&p, &held(40, Some(29)), t0()),
        Standing::Warned { .. }
    ));
    assert_eq!(
        standing(&p, &held(40, Some(30)), t0()),
        Standing::Due {
            reason: ReturnReason::NoFollowUp
        }
    );
    // never contacted: the clock runs from the day it was owned
    assert_eq!(
        standing(&p, &held(31, None), t0()),
        Standing::Due {
            reason: ReturnReason::NoFollowUp
        }
    );
}

#[test]
fn a_contact_before_the_customer_was_owned_does_not_reset_the_clock_backwards() {
    let p = PoolPolicy::default();
    // contacted 60 days ago by the previous owner, claimed 10 days ago
    assert_eq!(standing(&p, &held(10, Some(60)), t0()), Standing::Safe);
}

#[test]
fn no_deal_within_ninety_days_returns_even_a_followed_up_customer() {
    let p = PoolPolicy::default();
    assert_eq!(
        standing(&p, &held(90, Some(1)), t0()),
        Standing::Due {
            reason: ReturnReason::NoDeal
        }
    );
    assert_eq!(standing(&p, &held(80, Some(1)), t0()), Standing::Safe);
}

#[test]
fn the_owner_is_warned_within_the_warning_days() {
    let p = PoolPolicy::default();
    let h = held(28, None);
    assert_eq!(
        standing(&p, &h, t0()),
        Standing::Warned {
            at: t0() + Duration::days(2),
            reason: ReturnReason::NoFollowUp
        }
    );
    assert_eq!(standing(&p, &held(26, None), t0()), Standing::Safe);
}

#[test]
fn locked_and_dealt_customers_are_exempt_unless_switched_off() {
    let mut p = PoolPolicy::default();
    let locked = Holding {
        locked: true,
        ..held(400, None)
    };
    let dealt = Holding {
        dealt: true,
        ..held(400, None)
    };
    assert_eq!(standing(&p, &locked, t0()), Standing::Safe);
    assert_eq!(standing(&p, &dealt, t0()), Standing::Safe);
    p.exempt_locked = false;
    p.exempt_dealt = false;
    assert!(matches!(standing(&p, &locked, t0()), Standing::Due { .. }));
    // a dealt customer is never returned for want of a deal
    let dealt_recent = Holding {
        dealt: true,
        ..held(400, Some(1))
    };
    assert_eq!(standing(&p, &dealt_recent, t0()), Standing::Safe);
}

#[test]
fn rules_differ_per_grade_and_can_be_switched_off() {
    let p = PoolPolicy {
        no_follow_up_days: PerGrade {
            a: Some(60),
            b: Some(30),
            c: None,
        },
        no_deal_days: PerGrade {
            a: None,
            b: Some(90),
            c: None,
        },
        ..PoolPolicy::default()
    };
    let a = Holding {
        grade: Grade::A,
        ..held(500, Some(45))
    };
    let c = Holding {
        grade: Grade::C,
        ..held(500, None)
    };
    assert_eq!(standing(&p, &a, t0()), Standing::Safe);
    assert_eq!(returns_at(&p, &c), None);
}

#[test]
fn settings_out_of_range_are_named() {
    let mut p = PoolPolicy::default();
    p.no_follow_up_days.c = Some(0);
    p.warn_days = 5000;
    p.daily_claims = Some(MAX_COUNT + 1);
    let errors = p.check().expect_err("out of range");
    let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["no_follow_up_days.c", "warn_days", "daily_claims"]);
}

#[test]
fn claims_are_limited_by_owned_customers_daily_cap_and_cool_down() {
    let p = PoolPolicy {
        max_owned: Some(5),
        daily_claims: Some(2),
        ..PoolPolicy::default()
    };
    let me = Claimant {
        user_id: 7,
        owned: 4,
        max_owned: None,
        claims_last_day: 1,
    };
    let fresh = PoolEntry {
        previous_owner_id: None,
        pooled_at: None,
    };
    assert_eq!(may_claim(&p, &me, &fresh, t0()), Ok(()));
    let full = Claimant { owned: 5, ..me };
    assert_eq!(
        may_claim(&p, &full, &fresh, t0()),
        Err(ClaimRefusal::MaxOwned { limit: 5 })
    );
    // a user's own limit overrides the organisation's
    let roomy = Claimant {
        owned: 5,
        max_owned: Some(10),
        ..me
    };
    assert_eq!(may_claim(&p, &roomy, &fresh, t0()), Ok(()));
    let busy = Claimant {
        claims_last_day: 2,
        ..me
    };
    assert_eq!(
        may_claim(&p, &busy, &fresh, t0()),
        Err(ClaimRefusal::DailyClaims { limit: 2 })
    );
    let lost = PoolEntry {
        previous_owner_id: Some(7),
        pooled_at: Some(t0() - Duration::days(6)),
    };
    assert_eq!(
        may_claim(&p, &me, &lost, t0()),
        Err(ClaimRefusal::CoolDown {
            until: t0() + Duration::days(1)
        })
    );
    let long_ago = PoolEntry {
        pooled_at: Some(t0() - Duration::days(7)),
        ..lost
    };
    assert_eq!(may_claim(&p, &me, &long_ago, t0()), Ok(()));
    // someone else's lost customer is no cool-down of mine
    let theirs = PoolEntry {
        previous_owner_id: Some(8),
        ..lost
    };
    assert_eq!(may_claim(&p, &me, &theirs, t0()), Ok(()));
}

#[test]
fn locks_are_capped() {
    let p = PoolPolicy::default();
    assert_eq!(may_lock(&p, 19), Ok(()));
    assert_eq!(may_lock(&p, 20), Err(20));
    let open = PoolPolicy { max_locked: None, ..p };
    assert_eq!(may_lock(&open, 10_000), Ok(()));
}

fn per_grade() -> impl Strategy<Value = PerGrade> {
    let d = proptest::option::of(1u32..200);
    (d.clone(), d.clone(), d).prop_map(|(a, b, c)| PerGrade { a, b, c })
}

fn policy() -> impl Strategy<Value = PoolPolicy> {
    (per_grade(), per_grade(), 0u32..10, any::<bool>(), any::<bool>()).prop_map(|(f, d, w, el, ed)| PoolPolicy {
        no_follow_up_days: f,
        no_deal_days: d,
        warn_days: w,
        exempt_locked: el,
        exempt_dealt: ed,
        ..PoolPolicy::default()
    })
}

fn holding() -> impl Strategy<Value = Holding> {
    (
        0usize..3,
        0i64..400 * 24,
        proptest::option::of(-100i64..400 * 24),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(g, owned_h, contacted_h, locked, dealt)| Holding {
            grade: Grade::ALL[g],
            owned_since: t0() - Duration::hours(owned_h),
            last_contacted_at: contacted_h.map(|h| t0() - Duration::hours(h)),
            locked,
            dealt,
        })
}

#[test]
fn a_refused_claim_names_the_owner_only_to_them_or_within_the_race_window() {
    let now = t0();
    assert!(tells_taken(7, 7, None, now), "the owner learns it is theirs");
    assert!(!tells_taken(7, 8, None, now), "never claimed from the pool: not found");
    assert!(tells_taken(7, 8, Some(now - Duration::hours(24)), now));
    assert!(!tells_taken(
        7,
        8,
        Some(now - Duration::hours(24) - Duration::seconds(1)),
        now
    ));
}

proptest! {
    /// The query's bounds and the rule agree on every customer: the sweep
    /// returns exactly the customers the rule calls due.
    #[test]
    fn cutoffs_select_exactly_the_due_customers(p in policy(), h in holding()) {
        let due = matches!(standing(&p, &h, t0()), Standing::Due { .. });
        let cut = Cutoffs::at(&p, h.grade, t0(), Duration::zero());
        prop_assert_eq!(cut.reason(&p, &h).is_some(), due);
        // and looking ahead by the warning days finds the due and the warned
        let warned_or_due = !matches!(standing(&p, &h, t0()), Standing::Safe);
        let ahead = Cutoffs::at(&p, h.grade, t0(), Duration::days(i64::from(p.warn_days)));
        prop_assert_eq!(ahead.reason(&p, &h).is_some(), warned_or_due);
    }

    /// Time only moves a customer towards the pool: once due, due later too
    /// (with no new follow-up), and a follow-up never makes it due sooner.
    #[test]
    fn due_stays_due_and_contact_only_helps(p in policy(), h in holding(), later in 0i64..2000, touch in 0i64..2000) {
        let now = t0();
        if matches!(standing(&p, &h, now), Standing::Due { .. }) {
            let then = now + Duration::hours(later);
            let is_due_later = matches!(standing(&p, &h, then), Standing::Due { .. });
            prop_assert!(is_due_later);
        }
        let contacted = Holding { last_contacted_at: Some(now - Duration::hours(touch)), ..h };
        if let (Some((before, _)), Some((after, _))) = (returns_at(&p, &h), returns_at(&p, &contacted))
            && contacted.last_contacted_at >= h.last_contacted_at
        {
            prop_assert!(after >= before);
        }
    }
}
