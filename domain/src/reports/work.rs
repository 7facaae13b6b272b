//! Work reports (日报/周报/月报): the objective part is built from the
//! records for the report's period (a week report covers Monday to Sunday,
//! all seven days) and frozen on submission; only drafts change.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::calendar::{Dates, Period, period_of};
use crate::vocabulary::{WorkReportKind, WorkReportStatus};

/// The period a report of `kind` covering `day` is about.
pub fn period(kind: WorkReportKind, day: NaiveDate) -> Dates {
    period_of(
        match kind {
            WorkReportKind::Daily => Period::Day,
            WorkReportKind::Weekly => Period::Week,
            WorkReportKind::Monthly => Period::Month,
        },
        day,
    )
}

/// The objective part of a report, from the records.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WorkFigures {
    /// Customers the rep created in the period.
    pub new_customers: u64,
    /// Activities logged in the period, by kind.
    pub activities: BTreeMap<String, u64>,
    /// Stage moves the rep made on deals in the period.
    pub deals_moved: u64,
    pub deals_won: u64,
    pub deals_lost: u64,
    /// Approved contracts signed in the period and their amount.
    pub contracts_signed: u64,
    pub contract_amount: i64,
    /// Payments received in the period and their amount.
    pub payments: u64,
    pub collected_amount: i64,
    /// Customers won for the first time in the period.
    pub customers_won: u64,
    /// Visits with the key person met (distinct customers).
    pub effective_customers: u64,
    pub upgrades_to_a: u64,
    /// The contract-amount target of the month the period starts in, the
    /// month's actual so far and the completion in basis points.
    pub month: String,
    pub month_target: Option<i64>,
    pub month_actual: i64,
    pub month_completion_bp: Option<i64>,
}

/// Why a report may not be changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WorkReportRefusal {
    #[error("the report is submitted and can no longer change")]
    Submitted,
    #[error("only the report's author may change it")]
    NotAuthor,
}

/// May `me` change or submit a report of `author` in `status`?
pub fn may_edit(me: i64, author: i64, status: WorkReportStatus) -> Result<(), WorkReportRefusal> {
    if me != author {
        return Err(WorkReportRefusal::NotAuthor);
    }
    match status {
        WorkReportStatus::Draft => Ok(()),
        WorkReportStatus::Submitted => Err(WorkReportRefusal::Submitted),
    }
}

/// The working day (Monday to Friday) before `day`.
pub fn previous_working_day(day: NaiveDate) -> NaiveDate {
    let mut d = day - chrono::Duration::days(1);
    while matches!(d.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun) {
        d -= chrono::Duration::days(1);
    }
    d
}

/// The people of `team` who have not submitted (`submitted` holds who has).
pub fn missing(team: &[i64], submitted: &[i64]) -> Vec<i64> {
    team.iter().copied().filter(|u| !submitted.contains(u)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).expect("a date")
    }

    #[test]
    fn a_weekly_report_covers_all_seven_days() {
        let w = period(WorkReportKind::Weekly, day(11, 28));
        assert_eq!((w.start, w.end, w.days()), (day(11, 23), day(11, 30), 7));
        assert_eq!(period(WorkReportKind::Daily, day(11, 28)).days(), 1);
        let m = period(WorkReportKind::Monthly, day(2, 14));
        assert_eq!((m.start, m.days()), (day(2, 1), 28));
    }

    #[test]
    fn only_the_author_changes_a_draft() {
        use WorkReportStatus::*;
        assert_eq!(may_edit(1, 1, Draft), Ok(()));
        assert_eq!(may_edit(2, 1, Draft), Err(WorkReportRefusal::NotAuthor));
        assert_eq!(may_edit(1, 1, Submitted), Err(WorkReportRefusal::Submitted));
        assert_eq!(missing(&[1, 2, 3], &[2]), [1, 3]);
        assert_eq!(previous_working_day(day(11, 30)), day(11, 27), "Monday -> Friday");
        assert_eq!(previous_working_day(day(11, 28)), day(11, 27), "Saturday -> Friday");
        assert_eq!(previous_working_day(day(11, 26)), day(11, 25));
    }

    #[test]
    fn figures_read_back_from_older_json() {
        let f: WorkFigures = serde_json::from_str(r#"{"new_customers": 2}"#).expect("json");
        assert_eq!((f.new_customers, f.month_target), (2, None));
    }
}
