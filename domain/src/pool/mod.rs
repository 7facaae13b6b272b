//! The public pool (公海) and customer protection (DESIGN.md section 5).
//!
//! An owned customer returns to the pool when nobody followed it up for N
//! days, or when it made no deal within M days of being owned; N and M may
//! differ per grade. The owner is warned K days before. Locked (锁定) and
//! dealt (成交) customers are exempt, each switchable. Claiming from the pool
//! is limited by the claimer's owned customers, a daily claim cap, and a
//! cool-down before a previous owner may take back what they lost.
//!
//! Everything here is pure: the store loads the facts, these functions
//! decide, and [`Cutoffs`] turns a decision into bounds a query can use.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::customer::Grade;

#[cfg(test)]
mod tests;

/// Days per grade; `None` switches the rule off for that grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PerGrade {
    pub a: Option<u32>,
    pub b: Option<u32>,
    pub c: Option<u32>,
}

impl PerGrade {
    pub const fn all(days: u32) -> PerGrade {
        PerGrade {
            a: Some(days),
            b: Some(days),
            c: Some(days),
        }
    }

    pub fn get(&self, grade: Grade) -> Option<u32> {
        match grade {
            Grade::A => self.a,
            Grade::B => self.b,
            Grade::C => self.c,
        }
    }
}

/// The organisation's pool rules, edited by an admin over REST.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolPolicy {
    /// Days without a follow-up before a customer returns (from the later of
    /// owned-since and the last contact).
    pub no_follow_up_days: PerGrade,
    /// Days of ownership without a deal before a customer returns.
    pub no_deal_days: PerGrade,
    /// Days before the return at which the owner is warned.
    pub warn_days: u32,
    /// Locked customers never return.
    pub exempt_locked: bool,
    /// Customers with a deal never return.
    pub exempt_dealt: bool,
    /// Customers a rep may own (a user's own `max_customers` overrides it);
    /// `None`: no limit.
    pub max_owned: Option<u32>,
    /// Customers a rep may lock; `None`: no limit.
    pub max_locked: Option<u32>,
    /// Pool claims per rep per day (in the organisation's time zone); `None`: no limit.
    pub daily_claims: Option<u32>,
    /// Days before a previous owner may claim back a customer they lost.
    pub reclaim_cooldown_days: u32,
}

impl Default for PoolPolicy {
    fn default() -> Self {
        PoolPolicy {
            no_follow_up_days: PerGrade::all(30),
            no_deal_days: PerGrade::all(90),
            warn_days: 3,
            exempt_locked: true,
            exempt_dealt: true,
            max_owned: None,
            max_locked: Some(20),
            daily_claims: Some(20),
            reclaim_cooldown_days: 7,
        }
    }
}

/// Upper bounds of the settings: far beyond any real use, low enough that
/// date arithmetic cannot overflow.
pub const MAX_DAYS: u32 = 3650;
pub const MAX_COUNT: u32 = 1_000_000;

/// A setting out of range: the field (dotted path) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingError {
    pub field: String,
    pub message: String,
}

impl PoolPolicy {
    /// Every setting out of range, by field.
    pub fn check(&self) -> Result<(), Vec<SettingError>> {
        let mut errors = Vec::new();
        let mut days = |field: String, v: Option<u32>, min: u32| {
            if let Some(d) = v
                && !(min..=MAX_DAYS).contains(&d)
            {
                errors.push(SettingError {
                    field,
                    message: format!("must be between {min} and {MAX_DAYS} days, or null to switch the rule off"),
                });
            }
        };
        for (name, per) in [
            ("no_follow_up_days", self.no_follow_up_days),
            ("no_deal_days", self.no_deal_days),
        ] {
            for g in Grade::ALL {
                days(format!("{name}.{}", g.as_str().to_lowercase()), per.get(g), 1);
            }
        }
        days("warn_days".into(), Some(self.warn_days), 0);
        days("reclaim_cooldown_days".into(), Some(self.reclaim_cooldown_days), 0);
        for (field, v) in [
            ("max_owned", self.max_owned),
            ("max_locked", self.max_locked),
            ("daily_claims", self.daily_claims),
        ] {
            if let Some(n) = v
                && n > MAX_COUNT
            {
                errors.push(SettingError {
                    field: field.into(),
                    message: format!("must be at most {MAX_COUNT}, or null for no limit"),
                });
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}

/// Why a customer returns to the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnReason {
    /// No follow-up for too long.
    NoFollowUp,
    /// No deal within the days allowed since it was owned.
    NoDeal,
}

impl ReturnReason {
    pub fn as_str(self) -> &'static str {
        match self {
            ReturnReason::NoFollowUp => "no_follow_up",
            ReturnReason::NoDeal => "no_deal",
        }
    }
}

/// What the pool rules need to know of an owned customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holding {
    pub grade: Grade,
    pub owned_since: DateTime<Utc>,
    pub last_contacted_at: Option<DateTime<Utc>>,
    pub locked: bool,
    pub dealt: bool,
}

/// Where an owned customer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Exempt, or its return is further off than the warning period.
    Safe,
    /// It returns at `at` unless someone follows it up (or it makes a deal).
    Warned { at: DateTime<Utc>, reason: ReturnReason },
    /// It is due back in the pool.
    Due { reason: ReturnReason },
}

fn days(n: u32) -> Duration {
    Duration::days(i64::from(n))
}

/// When a customer returns to the pool and why, or `None` when it never
/// does (exempt, or both rules off for its grade). When both rules give the
/// same moment, no follow-up is named.
pub fn returns_at(policy: &PoolPolicy, h: &Holding) -> Option<(DateTime<Utc>, ReturnReason)> {
    if (h.locked && policy.exempt_locked) || (h.dealt && policy.exempt_dealt) {
        return None;
    }
    let clock = h.last_contacted_at.map_or(h.owned_since, |c| c.max(h.owned_since));
    let follow_up = policy
        .no_follow_up_days
        .get(h.grade)
        .map(|n| (clock + days(n), ReturnReason::NoFollowUp));
    let deal = policy
        .no_deal_days
        .get(h.grade)
        .filter(|_| !h.dealt)
        .map(|n| (h.owned_since + days(n), ReturnReason::NoDeal));
    match (follow_up, deal) {
        (Some(f), Some(d)) => Some(if d.0 < f.0 { d } else { f }),
        (f, d) => f.or(d),
    }
}

/// Where a customer stands at `now`.
pub fn standing(policy: &PoolPolicy, h: &Holding, now: DateTime<Utc>) -> Standing {
    match returns_at(policy, h) {
        Some((at, reason)) if now >= at => Standing::Due { reason },
        Some((at, reason)) if now >= at - days(policy.warn_days) => Standing::Warned { at, reason },
        _ => Standing::Safe,
    }
}

/// The same rule as bounds on stored times, for one grade: a customer of
/// that grade is due when it is not exempt and either its owned-since and
/// last contact both lie at or before `follow_up`, or it has no deal and its
/// owned-since lies at or before `deal`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cutoffs {
    pub follow_up: Option<DateTime<Utc>>,
    pub deal: Option<DateTime<Utc>>,
}

impl Cutoffs {
    /// Bounds for customers due at `now`; with `ahead`, those due by `now + ahead`.
    pub fn at(policy: &PoolPolicy, grade: Grade, now: DateTime<Utc>, ahead: Duration) -> Cutoffs {
        let edge = now + ahead;
        Cutoffs {
            follow_up: policy.no_follow_up_days.get(grade).map(|n| edge - days(n)),
            deal: policy.no_deal_days.get(grade).map(|n| edge - days(n)),
        }
    }

    /// The reason the store's predicate names for these facts, as the sweep's
    /// query applies it (exemptions first, then no follow-up, then no deal).
    pub fn reason(&self, policy: &PoolPolicy, h: &Holding) -> Option<ReturnReason> {
        if (h.locked && policy.exempt_locked) || (h.dealt && policy.exempt_dealt) {
            return None;
        }
        let quiet = self
            .follow_up
            .is_some_and(|c| h.owned_since <= c && h.last_contacted_at.is_none_or(|l| l <= c));
        let no_deal = self.deal.is_some_and(|c| !h.dealt && h.owned_since <= c);
        if quiet {
            Some(ReturnReason::NoFollowUp)
        } else if no_deal {
            Some(ReturnReason::NoDeal)
        } else {
            None
        }
    }
}

/// What the claim rules need to know of the claimer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Claimant {
    pub user_id: i64,
    /// Live customers they own now.
    pub owned: u32,
    /// Their own limit (`users.max_customers`), overriding the policy's.
    pub max_owned: Option<u32>,
    /// Pool claims they made today.
    pub claims_last_day: u32,
}

/// What the claim rules need to know of the pool customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolEntry {
    pub previous_owner_id: Option<i64>,
    /// When it entered the pool (`None`: it was created there).
    pub pooled_at: Option<DateTime<Utc>>,
}

/// Why a claim is refused; each names the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimRefusal {
    /// They already own `limit` customers.
    MaxOwned { limit: u32 },
    /// They made `limit` claims today.
    DailyClaims { limit: u32 },
    /// They lost this customer recently; they may claim it from `until`.
    CoolDown { until: DateTime<Utc> },
}

/// May this claimer take this customer from the pool now?
pub fn may_claim(
    policy: &PoolPolicy,
    who: &Claimant,
    entry: &PoolEntry,
    now: DateTime<Utc>,
) -> Result<(), ClaimRefusal> {
    may_own_one_more(policy, who)?;
    if let Some(limit) = policy.daily_claims
        && who.claims_last_day >= limit
    {
        return Err(ClaimRefusal::DailyClaims { limit });
    }
    if entry.previous_owner_id == Some(who.user_id)
        && let Some(pooled) = entry.pooled_at
    {
        let until = pooled + days(policy.reclaim_cooldown_days);
        if now < until {
            return Err(ClaimRefusal::CoolDown { until });
        }
    }
    Ok(())
}

/// May this user take on one more customer (a claim, or a lead converted
/// into a new customer)?
pub fn may_own_one_more(policy: &PoolPolicy, who: &Claimant) -> Result<(), ClaimRefusal> {
    match who.max_owned.or(policy.max_owned) {
        Some(limit) if who.owned >= limit => Err(ClaimRefusal::MaxOwned { limit }),
        _ => Ok(()),
    }
}

/// May an owner lock one more customer, holding `locked` already?
pub fn may_lock(policy: &PoolPolicy, locked: u32) -> Result<(), u32> {
    match policy.max_locked {
        Some(limit) if locked >= limit => Err(limit),
        _ => Ok(()),
    }
}

/// How long after a claim a losing claimer is told the customer is taken.
pub const CLAIM_RACE_WINDOW_HOURS: i64 = 24;

/// May a refused claim of a customer `owner` holds say "already claimed"
/// (rather than "not found")? To the owner, or when the owner claimed it
/// from the pool within the race window (`claimed_at`): the claimer saw it
/// there. Otherwise a claim would tell anyone another team's customer exists.
pub fn tells_taken(owner: i64, claimer: i64, claimed_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    owner == claimer || claimed_at.is_some_and(|t| now - t <= Duration::hours(CLAIM_RACE_WINDOW_HOURS))
}

/// The window the daily claim cap counts: since the start of today in the
/// organisation's time zone.
pub fn claim_window_start(now: DateTime<Utc>, tz: crate::calendar::Tz) -> DateTime<Utc> {
    crate::calendar::day_start(crate::calendar::today(now, tz), tz)
}
