//! Login throttling that cannot lock the owner out. An attacker's guesses are
//! counted per (account, address) pair and per address, and those keys are
//! locked for a while; an account's failures from everywhere together only
//! slow further attempts down (seconds, growing, capped), so nobody can lock a
//! user out by guessing their password from somewhere else.

use chrono::{DateTime, Duration, Utc};

/// What happens once a key reaches `max_failures`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Penalty {
    /// Locked for this long.
    Lockout(Duration),
    /// Each further failure makes the next attempt wait 1, 2, 4 ... seconds,
    /// at most `max_delay`: slower, never locked.
    SlowDown { max_delay: Duration },
}

/// How strict a throttle is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Failures within `window` that start the penalty.
    pub max_failures: u32,
    /// Failures older than this are forgotten.
    pub window: Duration,
    pub penalty: Penalty,
}

impl Policy {
    /// One account from one address: five wrong passwords in 15 minutes lock
    /// that pair for 15 minutes (the owner elsewhere is not affected).
    pub const PAIR: Policy = Policy {
        max_failures: 5,
        window: Duration::minutes(15),
        penalty: Penalty::Lockout(Duration::minutes(15)),
    };
    /// Per client address: twenty failures (any accounts) in 15 minutes.
    pub const ADDRESS: Policy = Policy {
        max_failures: 20,
        window: Duration::minutes(15),
        penalty: Penalty::Lockout(Duration::minutes(15)),
    };
    /// One account from everywhere (a distributed guess): from the tenth
    /// failure in 15 minutes, attempts are slowed, never locked.
    pub const ACCOUNT: Policy = Policy {
        max_failures: 10,
        window: Duration::minutes(15),
        penalty: Penalty::SlowDown {
            max_delay: Duration::seconds(60),
        },
    };
}

/// Who is signing in, as the throttle sees it (OWASP's device cookies): a
/// client that signed in to this account before holds a device token for
/// it, and is judged by that token's own failures only, so guesses from
/// anywhere else never refuse it; any other client is judged per account,
/// per address and per account and address together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Client<'a> {
    /// A valid device token for this account, named by its nonce.
    Known { device: &'a str },
    /// No device token (or none valid for this account), from this address.
    Unknown { address: &'a str },
}

/// The throttle keys a sign-in of `email` by `client` is checked against and
/// counts its failure on, each with its policy. A known device: its own key,
/// locked after five failures (a stolen token guesses no faster than a
/// client from one address). An unknown client: the pair, the address and
/// the account (slowed from the tenth failure for every unknown client,
/// which is what guessing from many addresses meets).
pub fn keys(email: &str, client: Client<'_>) -> Vec<(String, Policy)> {
    match client {
        Client::Known { device } => vec![(format!("device:{device}"), Policy::PAIR)],
        Client::Unknown { address } => vec![
            (format!("pair:{email}|{address}"), Policy::PAIR),
            (format!("address:{address}"), Policy::ADDRESS),
            (format!("account:{email}"), Policy::ACCOUNT),
        ],
    }
}

/// The keys a successful sign-in clears: all but the address's, whose
/// failures were for other accounts too.
pub fn cleared_on_success(keys: &[(String, Policy)]) -> impl Iterator<Item = &str> {
    keys.iter()
        .map(|(k, _)| k.as_str())
        .filter(|k| !k.starts_with("address:"))
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
    let lockout = matches!(policy.penalty, Penalty::Lockout(_));
    let mut s = match state {
        Some(s) if lockout && s.locked_until.is_some_and(|u| u <= now) => fresh,
        Some(s) if now - s.window_started_at >= policy.window && s.locked_until.is_none_or(|u| u <= now) => fresh,
        Some(s) => s,
        None => fresh,
    };
    s.failures = s.failures.saturating_add(1);
    if s.failures >= policy.max_failures {
        match policy.penalty {
            Penalty::Lockout(d) if s.locked_until.is_none() => s.locked_until = Some(now + d),
            Penalty::Lockout(_) => {}
            Penalty::SlowDown { max_delay } => {
                let doublings = (s.failures - policy.max_failures).min(30);
                let delay = Duration::seconds(1i64 << doublings).min(max_delay);
                s.locked_until = Some(now + delay);
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_device_is_judged_by_its_own_failures_only() {
        let known = keys("a@x.cn", Client::Known { device: "n1" });
        assert_eq!(known, vec![("device:n1".to_owned(), Policy::PAIR)]);
        let unknown = keys("a@x.cn", Client::Unknown { address: "1.2.3.4" });
        let names: Vec<&str> = unknown.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["pair:a@x.cn|1.2.3.4", "address:1.2.3.4", "account:a@x.cn"]);
        let cleared: Vec<&str> = cleared_on_success(&unknown).collect();
        assert_eq!(cleared, ["pair:a@x.cn|1.2.3.4", "account:a@x.cn"]);
        assert_eq!(cleared_on_success(&known).collect::<Vec<_>>(), ["device:n1"]);
    }
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0)
            .single()
            .expect("valid time")
    }

    #[test]
    fn the_fifth_failure_locks_the_pair() {
        let mut s = None;
        for i in 1..=4 {
            let next = record_failure(s, t0() + Duration::seconds(i), Policy::PAIR);
            assert_eq!(check(Some(&next), t0() + Duration::seconds(i)), Ok(()));
            s = Some(next);
        }
        let locked = record_failure(s, t0() + Duration::seconds(5), Policy::PAIR);
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
        let s = record_failure(None, t0(), Policy::PAIR);
        let s = record_failure(Some(s), t0() + Duration::minutes(1), Policy::PAIR);
        assert_eq!(s.failures, 2);
        let s = record_failure(Some(s), t0() + Duration::minutes(16), Policy::PAIR);
        assert_eq!(s.failures, 1);
        assert_eq!(s.window_started_at, t0() + Duration::minutes(16));
    }

    #[test]
    fn an_expired_lock_starts_a_new_count() {
        let mut s = None;
        for _ in 0..5 {
            s = Some(record_failure(s, t0(), Policy::PAIR));
        }
        let after = t0() + Duration::minutes(15);
        let s = record_failure(s, after, Policy::PAIR);
        assert_eq!((s.failures, s.locked_until), (1, None));
    }

    #[test]
    fn failures_during_a_lock_do_not_extend_it() {
        let mut s = None;
        for _ in 0..5 {
            s = Some(record_failure(s, t0(), Policy::PAIR));
        }
        let until = s.and_then(|s| s.locked_until);
        let s = record_failure(s, t0() + Duration::minutes(10), Policy::PAIR);
        assert_eq!(s.locked_until, until);
    }

    #[test]
    fn an_account_guessed_from_everywhere_is_slowed_never_locked() {
        let mut s = None;
        let mut now = t0();
        for i in 1..=9 {
            now += Duration::seconds(1);
            let next = record_failure(s, now, Policy::ACCOUNT);
            assert_eq!(check(Some(&next), now), Ok(()), "failure {i} is free");
            s = Some(next);
        }
        let mut delays = Vec::new();
        for _ in 0..10 {
            let next = record_failure(s, now, Policy::ACCOUNT);
            let wait = check(Some(&next), now).err().map_or(0, |l| l.retry_after_secs);
            delays.push(wait);
            now += Duration::seconds(wait);
            assert_eq!(check(Some(&next), now), Ok(()), "after the wait, a try is allowed");
            s = Some(next);
        }
        assert_eq!(delays, [1, 2, 4, 8, 16, 32, 60, 60, 60, 60]);
    }

    proptest! {
        /// However failures of one account are spread, the owner never waits
        /// longer than the slow-down's cap.
        #[test]
        fn slowing_down_never_exceeds_its_cap(gaps in proptest::collection::vec(0i64..120, 1..60)) {
            let mut s: Option<State> = None;
            let mut now = t0();
            for gap in gaps {
                now += Duration::seconds(gap);
                let next = record_failure(s, now, Policy::ACCOUNT);
                if let Err(l) = check(Some(&next), now) {
                    prop_assert!(l.retry_after_secs <= 60);
                }
                s = Some(next);
            }
        }
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
                let next = record_failure(s, now, Policy::PAIR);
                if let Some(until) = next.locked_until {
                    prop_assert!(next.failures >= Policy::PAIR.max_failures);
                    prop_assert!(until - now <= Duration::minutes(15));
                    prop_assert!(check(Some(&next), until).is_ok());
                }
                s = Some(next);
            }
        }
    }
}
