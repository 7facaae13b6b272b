//! Login throttling: how many failed logins an account or a client address may
//! have before it is locked out for a while (OWASP's "account lockout" with a
//! time-based release, so an attacker cannot lock a user out for ever).

use chrono::{DateTime, Duration, Utc};

/// How strict a throttle is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Failures within `window` that lock the key.
    pub max_failures: u32,
    /// Failures older than this are forgotten.
    pub window: Duration,
    /// How long a lock lasts.
    pub lockout: Duration,
}

impl Policy {
    /// Per account: five wrong passwords in 15 minutes lock it for 15 minutes.
    pub const ACCOUNT: Policy = Policy {
        max_failures: 5,
        window: Duration::minutes(15),
        lockout: Duration::minutes(15),
    };
    /// Per client address: twenty failures (any accounts) in 15 minutes.
    pub const ADDRESS: Policy = Policy {
        max_failures: 20,
        window: Duration::minutes(15),
        lockout: Duration::minutes(15),
    };
}

/// What is remembered about one throttled key (an account or an address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct State {
    pub failures: u32,
    pub window_started_at: DateTime<Utc>,
    pub locked_until: Option<DateTime<Utc>>,
}

/// A locked key and how many whole seconds remain (for `Retry-After`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Locked {
    pub retry_after_secs: i64,
}

/// May this key try a login now?
pub fn check(state: Option<&State>, now: DateTime<Utc>) -> Result<(), Locked> {
    match state.and_then(|s| s.locked_until) {
        Some(until) if until > now => {
            let millis = (until - now).num_milliseconds();
            Err(Locked {
                retry_after_secs: (millis + 999) / 1000,
            })
        }
        _ => Ok(()),
    }
}

/// The state after one more failed login at `now`.
pub fn record_failure(state: Option<State>, now: DateTime<Utc>, policy: Policy) -> State {
    let fresh = State {
        failures: 0,
        window_started_at: now,
        locked_until: None,
    };
    let mut s = match state {
        Some(s) if s.locked_until.is_some_and(|u| u <= now) => fresh,
        Some(s) if now - s.window_started_at >= policy.window && s.locked_until.is_none() => fresh,
        Some(s) => s,
        None => fresh,
    };
    s.failures = s.failures.saturating_add(1);
    if s.failures >= policy.max_failures && s.locked_until.is_none() {
        s.locked_until = Some(now + policy.lockout);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0)
            .single()
            .expect("valid time")
    }

    #[test]
    fn the_fifth_failure_locks_the_account() {
        let mut s = None;
        for i in 1..=4 {
            let next = record_failure(s, t0() + Duration::seconds(i), Policy::ACCOUNT);
            assert_eq!(check(Some(&next), t0() + Duration::seconds(i)), Ok(()));
            s = Some(next);
        }
        let locked = record_failure(s, t0() + Duration::seconds(5), Policy::ACCOUNT);
        assert_eq!(
            check(Some(&locked), t0() + Duration::seconds(5)),
            Err(Locked { retry_after_secs: 900 })
        );
        assert_eq!(
            check(
                Some(&locked),
                t0() + Duration::seconds(5) + Duration::milliseconds(899_500)
            ),
            Err(Locked { retry_after_secs: 1 }),
            "Retry-After rounds up"
        );
        assert_eq!(check(Some(&locked), t0() + Duration::seconds(905)), Ok(()));
    }

    #[test]
    fn failures_outside_the_window_are_forgotten() {
        let s = record_failure(None, t0(), Policy::ACCOUNT);
        let s = record_failure(Some(s), t0() + Duration::minutes(1), Policy::ACCOUNT);
        assert_eq!(s.failures, 2);
        let s = record_failure(Some(s), t0() + Duration::minutes(16), Policy::ACCOUNT);
        assert_eq!(s.failures, 1);
        assert_eq!(s.window_started_at, t0() + Duration::minutes(16));
    }

    #[test]
    fn an_expired_lock_starts_a_new_count() {
        let mut s = None;
        for _ in 0..5 {
            s = Some(record_failure(s, t0(), Policy::ACCOUNT));
        }
        let after = t0() + Duration::minutes(15);
        let s = record_failure(s, after, Policy::ACCOUNT);
        assert_eq!((s.failures, s.locked_until), (1, None));
    }

    #[test]
    fn failures_during_a_lock_do_not_extend_it() {
        let mut s = None;
        for _ in 0..5 {
            s = Some(record_failure(s, t0(), Policy::ACCOUNT));
        }
        let until = s.and_then(|s| s.locked_until);
        let s = record_failure(s, t0() + Duration::minutes(10), Policy::ACCOUNT);
        assert_eq!(s.locked_until, until);
    }

    proptest! {
        /// However the failures are spread, a key is never locked before `max_failures`
        /// failures in one window, and a lock never lasts longer than the lockout.
        #[test]
        fn locks_need_enough_failures_and_end(gaps in proptest::collection::vec(0i64..1200, 1..30)) {
            let mut s: Option<State> = None;
            let mut now = t0();
            for gap in gaps {
                now += Duration::seconds(gap);
                let next = record_failure(s, now, Policy::ACCOUNT);
                if let Some(until) = next.locked_until {
                    prop_assert!(next.failures >= Policy::ACCOUNT.max_failures);
                    prop_assert!(until - now <= Policy::ACCOUNT.lockout);
                    prop_assert!(check(Some(&next), until).is_ok());
                }
                s = Some(next);
            }
        }
    }
}
