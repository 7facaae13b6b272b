//! The objective part of a work report, built from the records of one rep
//! for one period.

use chrono::{DateTime, Datelike, Utc};
use diesel::prelude::*;
use domain::calendar::Dates;
use domain::reports::work::WorkFigures;
use domain::targets::plan::Holder;
use domain::vocabulary::{ContractStatus, Metric};

use crate::reports::{kpi, rankings};
use crate::schema::{activities, contracts, payments, stage_changes};
use crate::{DbConn, RepoError, naive, targets};

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// `user`'s figures for `dates`, whose instants are `[from, to)`.
pub fn build(
    conn: &mut DbConn,
    user: i64,
    dates: Dates,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Result<WorkFigures, RepoError> {
    let kpis = kpi::facts(conn, &[user], (from, to))?.pop().unwrap_or_default();
    let results = rankings::figures(conn, &[user], (dates.start, dates.end), (from, to))?
        .pop()
        .unwrap_or_default();
    let by_kind: Vec<(String, i64)> = activities::table
        .filter(activities::created_by.eq(user))
        .filter(activities::deleted_at.is_null())
        .filter(activities::occurred_at.ge(naive(from)))
        .filter(activities::occurred_at.lt(naive(to)))
        .group_by(activities::kind)
        .select((activities::kind, diesel::dsl::count_star()))
        .load(conn)?;
    let moved: i64 = stage_changes::table
        .filter(stage_changes::changed_by.eq(user))
        .filter(stage_changes::from_stage_id.is_not_null())
        .filter(stage_changes::changed_at.ge(naive(from)))
        .filter(stage_changes::changed_at.lt(naive(to)))
        .count()
        .get_result(conn)?;
    let signed: i64 = contracts::table
        .filter(contracts::owner_id.eq(user))
        .filter(contracts::status.eq(ContractStatus::Approved.as_str()))
        .filter(contracts::signed_on.ge(dates.start))
        .filter(contracts::signed_on.lt(dates.end))
        .count()
        .get_result(conn)?;
    let paid: i64 = payments::table
        .filter(payments::owner_id.eq(user))
        .filter(payments::received_on.ge(dates.start))
        .filter(payments::received_on.lt(dates.end))
        .count()
        .get_result(conn)?;
    let (year, month) = (dates.start.year(), dates.start.month());
    let progress = targets::progress(conn, year, Metric::ContractAmount, Holder::User(user))?;
    let m = usize::try_from(month).unwrap_or(1);
    let month_target = progress.target.map(|t| t[m]);
    let month_actual = progress.actual[m];
    Ok(WorkFigures {
        new_customers: kpis.new_customers,
        activities: by_kind.into_iter().map(|(k, n)| (k, count(n))).collect(),
        deals_moved: count(moved),
        deals_won: results.won,
        deals_lost: results.lost,
        contracts_signed: count(signed),
        contract_amount: results.contract_amount,
        payments: count(paid),
        collected_amount: results.collected_amount,
        customers_won: count(results.new_customers),
        effective_customers: kpis.effective_customers,
        upgrades_to_a: kpis.upgrades_to_a,
        month: format!("{year}-{month:02}"),
        month_target,
        month_actual,
        month_completion_bp: month_target.and_then(|t| domain::targets::completion_bp(month_actual, t)),
    })
}
