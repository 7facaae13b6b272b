//! Process KPIs (过程指标, seed 004): what reps do, computed from the
//! records, never typed in: calls and visits per working day against a daily
//! target, new customers, effective customers (met the key person on a
//! visit), customers held, B/C -> A upgrades, first-contact SLA kept.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use super::funnel::rate_bp;
use crate::calendar::Dates;

/// Daily activity targets per rep (organisation setting); `None`: no target.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ActivityTargets {
    pub visits_per_day: Option<u32>,
    pub calls_per_day: Option<u32>,
}

/// The most a daily target may ask.
pub const MAX_DAILY: u32 = 1000;

impl ActivityTargets {
    /// The fields out of range.
    pub fn check(&self) -> Vec<&'static str> {
        [
            ("visits_per_day", self.visits_per_day),
            ("calls_per_day", self.calls_per_day),
        ]
        .into_iter()
        .filter(|(_, v)| v.is_some_and(|v| v > MAX_DAILY))
        .map(|(f, _)| f)
        .collect()
    }
}

/// One rep's records in a period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KpiFacts {
    pub user_id: i64,
    pub calls: u64,
    pub visits: u64,
    /// Customers created by the rep in the period.
    pub new_customers: u64,
    /// Distinct customers visited in the period with the key person met.
    pub effective_customers: u64,
    /// Live customers the rep owns now.
    pub held: u64,
    /// Grade changes from B or C to A on the rep's customers in the period.
    pub upgrades_to_a: u64,
    /// Leads whose first-contact deadline fell in the period, and of those
    /// contacted by the deadline.
    pub sla_due: u64,
    pub sla_kept: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Kpi {
    pub facts: KpiFacts,
    pub calls_per_day: f64,
    pub visits_per_day: f64,
    /// Actual / (daily target x working days) in basis points.
    pub calls_completion_bp: Option<u32>,
    pub visits_completion_bp: Option<u32>,
    pub sla_kept_bp: Option<u32>,
}

/// Monday to Friday of `dates` up to and including `today` (the days that
/// have been worked so far).
pub fn working_days(dates: Dates, today: NaiveDate) -> u32 {
    let end = dates.end.min(today + Duration::days(1));
    let mut n = 0;
    let mut d = dates.start;
    while d < end {
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            n += 1;
        }
        d += Duration::days(1);
    }
    n
}

fn per_day(count: u64, days: u32) -> f64 {
    if days == 0 {
        return 0.0;
    }
    (count as f64 / f64::from(days) * 100.0).round() / 100.0
}

fn completion(actual: u64, per_day: Option<u32>, days: u32) -> Option<u32> {
    per_day
        .filter(|t| *t > 0)
        .and_then(|t| rate_bp(actual, u64::from(t) * u64::from(days)))
}

/// The KPIs of `facts` over `days` working days against `targets`.
pub fn kpi(facts: KpiFacts, days: u32, targets: ActivityTargets) -> Kpi {
    Kpi {
        calls_per_day: per_day(facts.calls, days),
        visits_per_day: per_day(facts.visits, days),
        calls_completion_bp: completion(facts.calls, targets.calls_per_day, days),
        visits_completion_bp: completion(facts.visits, targets.visits_per_day, days),
        sla_kept_bp: rate_bp(facts.sla_kept, facts.sla_due),
        facts,
    }
}

/// The sum of several reps' facts (a department's).
pub fn total(all: &[KpiFacts]) -> KpiFacts {
    all.iter().fold(KpiFacts::default(), |mut t, f| {
        t.calls += f.calls;
        t.visits += f.visits;
        t.new_customers += f.new_customers;
        t.effective_customers += f.effective_customers;
        t.held += f.held;
        t.upgrades_to_a += f.upgrades_to_a;
        t.sla_due += f.sla_due;
        t.sla_kept += f.sla_kept;
        t
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{Period, period_of};

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).expect("a date")
    }

    #[test]
    fn working_days_are_weekdays_so_far() {
        let week = period_of(Period::Week, day(11, 25)); // Mon 23 - Sun 29
        assert_eq!(working_days(week, day(11, 29)), 5);
        assert_eq!(working_days(week, day(11, 25)), 3, "Mon-Wed so far");
        assert_eq!(working_days(week, day(11, 20)), 0, "not begun");
        assert_eq!(working_days(period_of(Period::Month, day(11, 1)), day(12, 31)), 21);
    }

    #[test]
    fn completion_against_four_visits_a_day() {
        let facts = KpiFacts {
            user_id: 1,
            visits: 18,
            calls: 7,
            sla_due: 4,
            sla_kept: 3,
            ..KpiFacts::default()
        };
        let targets = ActivityTargets {
            visits_per_day: Some(4),
            calls_per_day: None,
        };
        let k = kpi(facts, 5, targets);
        assert_eq!(k.visits_per_day, 3.6);
        assert_eq!(k.visits_completion_bp, Some(9000), "18 of 20");
        assert_eq!(k.calls_per_day, 1.4);
        assert_eq!(k.calls_completion_bp, None);
        assert_eq!(k.sla_kept_bp, Some(7500));
        let none = kpi(KpiFacts::default(), 0, targets);
        assert_eq!((none.visits_per_day, none.visits_completion_bp), (0.0, None));
    }

    #[test]
    fn targets_are_bounded_and_totals_add_up() {
        let t = ActivityTargets {
            visits_per_day: Some(MAX_DAILY + 1),
            calls_per_day: Some(MAX_DAILY),
        };
        assert_eq!(t.check(), ["visits_per_day"]);
        let a = KpiFacts {
            calls: 2,
            held: 5,
            ..KpiFacts::default()
        };
        let b = KpiFacts {
            calls: 3,
            upgrades_to_a: 1,
            ..KpiFacts::default()
        };
        let sum = total(&[a, b]);
        assert_eq!((sum.calls, sum.held, sum.upgrades_to_a), (5, 5, 1));
    }
}
