//! The pieces of a user's workbench (工作台) that no other list gives: the
//! hottest deals, customers not contacted lately, contracts to approve or
//! about to expire, and a manager's department figures. Each is one query,
//! whatever the data size.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use domain::scope::DataScope;
use domain::vocabulary::{ContractStatus, DealStatus};

use crate::contracts::{self, ContractRow};
use crate::schema::{contracts as k, customers, leads, opportunities as deals, stages, users};
use crate::{DbConn, RepoError, naive};

/// An open deal with its stage's probability.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct HotDeal {
    pub id: i64,
    pub title: String,
    pub customer_id: i64,
    pub stage_id: i64,
    pub stage_name: String,
    pub probability: i32,
    pub amount: Option<i64>,
    pub currency: String,
    pub expected_close_date: Option<NaiveDate>,
}

/// `owner`'s open deals with the largest amount x probability, closing soonest first among equals.
pub fn hottest_deals(conn: &mut DbConn, owner: i64, limit: i64) -> Result<Vec<HotDeal>, RepoError> {
    Ok(deals::table
        .inner_join(stages::table.on(stages::id.eq(deals::stage_id)))
        .filter(deals::owner_id.eq(owner))
        .filter(deals::status.eq(DealStatus::Open.as_str()))
        .order((
            sql::<BigInt>("COALESCE(opportunities.amount, 0) * stages.probability DESC"),
            deals::expected_close_date.asc(),
            deals::id.asc(),
        ))
        .limit(limit)
        .select((
            deals::id,
            deals::title,
            deals::customer_id,
            stages::id,
            stages::name,
            stages::probability,
            deals::amount,
            deals::currency,
            deals::expected_close_date,
        ))
        .load(conn)?)
}

/// Whose customers a count covers.
#[derive(Debug, Clone, Copy)]
pub enum Owners<'a> {
    User(i64),
    Users(&'a [i64]),
}

/// Live customers of `owners` with no contact (or, never contacted, owned)
/// for at least each of `days` days before `now`: one scan for all five.
pub fn not_contacted(
    conn: &mut DbConn,
    owners: Owners<'_>,
    days: [i64; 5],
    now: DateTime<Utc>,
) -> Result<[i64; 5], RepoError> {
    let bucket = |d: i64| {
        sql::<BigInt>("COALESCE(SUM(CASE WHEN COALESCE(customers.last_contacted_at, customers.owned_since) < ")
            .bind::<diesel::sql_types::Timestamp, _>(naive(now - Duration::days(d)))
            .sql(" THEN 1 ELSE 0 END), 0)")
    };
    let q = customers::table
        .filter(customers::deleted_at.is_null())
        .filter(customers::merged_into.is_null())
        .into_boxed();
    let q = match owners {
        Owners::User(u) => q.filter(customers::owner_id.eq(u)),
        Owners::Users(us) => q.filter(customers::owner_id.eq_any(us.to_vec())),
    };
    let (a, b, c, d, e) = q
        .select((
            bucket(days[0]),
            bucket(days[1]),
            bucket(days[2]),
            bucket(days[3]),
            bucket(days[4]),
        ))
        .get_result::<(i64, i64, i64, i64, i64)>(conn)?;
    Ok([a, b, c, d, e])
}

/// Contracts pending approval that `me` (with `scope`) may decide, oldest first.
pub fn awaiting_approval(conn: &mut DbConn, scope: &DataScope, limit: u32) -> Result<Vec<ContractRow>, RepoError> {
    if matches!(scope, DataScope::Own { .. }) {
        return Ok(Vec::new());
    }
    let mut q =
        contracts::scoped(k::table.into_boxed(), scope).filter(k::status.eq(ContractStatus::PendingApproval.as_str()));
    if let DataScope::Departments { user_id, .. } = scope {
        q = q.filter(k::owner_id.ne(*user_id));
    }
    let rows: Vec<ContractRow> = q
        .order((k::submitted_at.asc(), k::id.asc()))
        .limit(i64::from(limit))
        .select(ContractRow::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|c| domain::scope::may_approve(scope, c.owner_id, c.department_id))
        .collect())
}

/// `owner`'s approved contracts ending between `today` and `until`, soonest first.
pub fn expiring(
    conn: &mut DbConn,
    owner: i64,
    today: NaiveDate,
    until: NaiveDate,
    limit: i64,
) -> Result<Vec<ContractRow>, RepoError> {
    Ok(k::table
        .filter(k::owner_id.eq(owner))
        .filter(k::status.eq(ContractStatus::Approved.as_str()))
        .filter(k::ends_on.ge(today))
        .filter(k::ends_on.le(until))
        .order((k::ends_on.asc(), k::id.asc()))
        .limit(limit)
        .select(ContractRow::as_select())
        .load(conn)?)
}

/// Users of the departments in `scope` (a manager's subtree).
pub fn team(conn: &mut DbConn, departments: &[i64]) -> Result<Vec<i64>, RepoError> {
    Ok(users::table
        .filter(users::department_id.eq_any(departments.to_vec()))
        .select(users::id)
        .load(conn)?)
}

/// Open deals of `owners`: how many, and their amount x probability.
pub fn open_pipeline(conn: &mut DbConn, owners: &[i64]) -> Result<(i64, i64), RepoError> {
    let (count, weighted): (i64, Option<String>) = deals::table
        .inner_join(stages::table.on(stages::id.eq(deals::stage_id)))
        .filter(deals::owner_id.eq_any(owners.to_vec()))
        .filter(deals::status.eq(DealStatus::Open.as_str()))
        .select((
            diesel::dsl::count_star(),
            super::wide_sum("COALESCE(opportunities.amount, 0) * stages.probability / 100"),
        ))
        .first(conn)?;
    Ok((count, super::wide(weighted)))
}

/// Open leads of `owners` past their first-contact deadline and not contacted.
pub fn overdue_leads(conn: &mut DbConn, owners: &[i64], now: DateTime<Utc>) -> Result<i64, RepoError> {
    Ok(leads::table
        .filter(leads::owner_id.eq_any(owners.to_vec()))
        .filter(leads::status.eq_any(crate::leads::OPEN))
        .filter(leads::first_contacted_at.is_null())
        .filter(leads::first_contact_due_at.lt(naive(now)))
        .count()
        .get_result(conn)?)
}

/// A manager's department (subtree) at a glance, as [`scoped`] reads it.
#[derive(Debug, Clone)]
pub struct Team {
    /// The users of the subtree, in id order.
    pub members: Vec<i64>,
    /// Open instalments of the team's approved contracts due before the
    /// date given to [`scoped`], overdue ones included.
    pub receivables: Vec<(contracts::PlanState, ContractRow)>,
    /// Open deals of the team, and their amount x probability.
    pub open_deals: i64,
    pub weighted_pipeline: i64,
    /// The team's customers not contacted for each of the given days.
    pub not_contacted: [i64; 5],
    /// Open leads of the team past their first-contact deadline.
    pub overdue_leads: i64,
    /// The previous working day, and who of `members` submitted a daily report for it.
    pub report_day: NaiveDate,
    pub reported: Vec<i64>,
}

/// The part of a workbench the caller's scope decides, with that scope
/// resolved once, here.
#[derive(Debug, Clone)]
pub struct Scoped {
    /// Contracts pending approval that the caller may decide, oldest first.
    pub awaiting_approval: Vec<ContractRow>,
    /// A manager's department; `None` for reps and admins.
    pub team: Option<Team>,
}

/// What `caller`'s workbench shows beyond their own records: approvals and,
/// for a manager, the department's figures (receivables due before
/// `due_before`, customers not contacted for each of `days`).
pub fn scoped(
    conn: &mut DbConn,
    caller: &crate::scope::Principal,
    today: NaiveDate,
    due_before: NaiveDate,
    days: [i64; 5],
    now: DateTime<Utc>,
) -> Result<Scoped, RepoError> {
    const APPROVALS: u32 = 50;
    let scope = caller.scope(conn)?;
    let awaiting_approval = awaiting_approval(conn, &scope, APPROVALS)?;
    let DataScope::Departments { departments, .. } = &scope else {
        return Ok(Scoped {
            awaiting_approval,
            team: None,
        });
    };
    let mut members = team(conn, departments)?;
    members.sort_unstable();
    let receivables = contracts::receivables(
        conn,
        &scope,
        &contracts::ReceivableFilter {
            due_before: Some(due_before),
            ..contracts::ReceivableFilter::default()
        },
        today,
        i64::MAX,
    )?;
    let (open_deals, weighted_pipeline) = open_pipeline(conn, &members)?;
    let report_day = domain::reports::work::previous_working_day(today);
    let team = Team {
        receivables,
        open_deals,
        weighted_pipeline,
        not_contacted: not_contacted(conn, Owners::Users(&members), days, now)?,
        overdue_leads: overdue_leads(conn, &members, now)?,
        report_day,
        reported: crate::work_reports::submitted_by(
            conn,
            &members,
            domain::vocabulary::WorkReportKind::Daily,
            report_day,
        )?,
        members,
    };
    Ok(Scoped {
        awaiting_approval,
        team: Some(team),
    })
}
