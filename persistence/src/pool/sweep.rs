//! The pool sweep: returns the customers the rules call due to the pool,
//! and warns the owners of those due within the warning days. Idempotent (a
//! returned customer has no owner; a warning is given once per clock) and
//! safe to run twice at once: every return is a conditional update that
//! reports the rows it changed, so each customer is returned once.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::dsl::{exists, not};
use diesel::prelude::*;
use diesel::sql_types::Bool;
use domain::customer::Grade;
use domain::events::EventKind;
use domain::pool::{Cutoffs, Holding, PoolPolicy, ReturnReason};
use serde_json::json;

use super::event;
use crate::schema::{customers as c, pool_events};
use crate::stamp::Stamp;
use crate::{DbConn, RepoError, audit, naive};

/// A customer the sweep put back in the pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Returned {
    pub customer_id: i64,
    pub owner_id: i64,
    pub reason: ReturnReason,
}

/// An owner told that a customer returns at `due_at` unless followed up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warned {
    pub customer_id: i64,
    pub owner_id: i64,
    pub due_at: DateTime<Utc>,
    pub reason: ReturnReason,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub returned: Vec<Returned>,
    pub warned: Vec<Warned>,
}

/// Runs the pool rules at `now` (a parameter, so tests can sweep at any date).
pub fn sweep(conn: &mut DbConn, policy: &PoolPolicy, now: DateTime<Utc>) -> Result<SweepReport, RepoError> {
    let mut report = SweepReport::default();
    for grade in Grade::ALL {
        let cut = Cutoffs::at(policy, grade, now, Duration::zero());
        if let Some(at) = cut.follow_up {
            report
                .returned
                .extend(return_quiet(conn, policy, grade, naive(at), now)?);
        }
        if let Some(at) = cut.deal {
            report
                .returned
                .extend(return_dealless(conn, policy, grade, naive(at), now)?);
        }
    }
    for r in &report.returned {
        event(
            conn,
            r.customer_id,
            "returned",
            Some(r.owner_id),
            None,
            Some(r.reason.as_str()),
            now,
        )?;
        let detail = json!({ "owner_id": [r.owner_id, null], "reason": r.reason.as_str() }).to_string();
        audit::record(conn, "customer", r.customer_id, "returned_to_pool", None, &detail, now)?;
    }
    // one batch of events per reason (a sweep may return thousands)
    let mut by_reason: std::collections::BTreeMap<&str, Vec<(i64, Option<i64>)>> = Default::default();
    for r in &report.returned {
        by_reason
            .entry(r.reason.as_str())
            .or_default()
            .push((r.customer_id, Some(r.owner_id)));
    }
    for (reason, items) in by_reason {
        let why = serde_json::json!({"reason": reason, "swept": true});
        crate::events::about_customers(conn, EventKind::CustomerReturnedToPool, &items, None, why, now)?;
    }
    report.warned = warn(conn, policy, now)?;
    Ok(report)
}

/// Exemptions as SQL: `locked = false OR <locked customers are not exempt>`.
fn exempt_clauses(policy: &PoolPolicy) -> (bool, bool) {
    (!policy.exempt_locked, !policy.exempt_dealt)
}

macro_rules! owned_of_grade {
    ($policy:expr, $grade:expr) => {{
        let (locked_ok, dealt_ok) = exempt_clauses($policy);
        c::table
            .filter(c::owner_id.is_not_null())
            .filter(c::deleted_at.is_null())
            // implied (a merged customer is deleted); lets `customers_held` serve
            .filter(c::merged_into.is_null())
            .filter(c::grade.eq($grade.as_str()))
            .filter(c::locked.eq(false).or(locked_ok.into_sql::<Bool>()))
            .filter(c::dealt.eq(false).or(dealt_ok.into_sql::<Bool>()))
    }};
}

macro_rules! return_to_pool {
    ($conn:expr, $query:expr, $reason:expr, $now:expr) => {{
        let now = naive($now);
        let rows: Vec<(i64, Option<i64>)> = diesel::update($query)
            .set((
                c::previous_owner_id.eq(c::owner_id),
                c::owner_id.eq(None::<i64>),
                c::owned_since.eq(None::<NaiveDateTime>),
                c::locked.eq(false),
                c::pooled_at.eq(Some(now)),
                c::pool_reason.eq(Some($reason.as_str())),
                c::version.eq(c::version + 1),
                c::updated_at.eq(now),
            ))
            .returning((c::id, c::previous_owner_id))
            .get_results($conn)?;
        rows.into_iter()
            .filter_map(|(customer_id, owner)| {
                owner.map(|owner_id| Returned {
                    customer_id,
                    owner_id,
                    reason: $reason,
                })
            })
            .collect::<Vec<_>>()
    }};
}

/// Owned since, and last contacted, at or before `at`.
fn return_quiet(
    conn: &mut DbConn,
    policy: &PoolPolicy,
    grade: Grade,
    at: NaiveDateTime,
    now: DateTime<Utc>,
) -> Result<Vec<Returned>, RepoError> {
    let due = owned_of_grade!(policy, grade)
        .filter(c::owned_since.le(at))
        .filter(c::last_contacted_at.is_null().or(c::last_contacted_at.le(at)));
    Ok(return_to_pool!(conn, due, ReturnReason::NoFollowUp, now))
}

/// No deal, and owned since at or before `at`.
fn return_dealless(
    conn: &mut DbConn,
    policy: &PoolPolicy,
    grade: Grade,
    at: NaiveDateTime,
    now: DateTime<Utc>,
) -> Result<Vec<Returned>, RepoError> {
    let due = owned_of_grade!(policy, grade)
        .filter(c::dealt.eq(false))
        .filter(c::owned_since.le(at));
    Ok(return_to_pool!(conn, due, ReturnReason::NoDeal, now))
}

type HoldingRow = (i64, i64, Stamp, Option<Stamp>, bool, bool);

/// Warns the owners of customers due within the warning days, once per
/// clock: not again until a follow-up or a new owner restarts it.
fn warn(conn: &mut DbConn, policy: &PoolPolicy, now: DateTime<Utc>) -> Result<Vec<Warned>, RepoError> {
    let soon = due_within(conn, policy, now, None, true)?;
    for w in &soon {
        diesel::insert_into(pool_events::table)
            .values((
                pool_events::customer_id.eq(w.customer_id),
                pool_events::kind.eq("warned"),
                pool_events::user_id.eq(Some(w.owner_id)),
                pool_events::reason.eq(Some(w.reason.as_str())),
                pool_events::due_at.eq(Some(naive(w.due_at))),
                pool_events::at.eq(naive(now)),
            ))
            .execute(conn)?;
    }
    Ok(soon)
}

/// The customers `owner` holds that return to the pool within the warning
/// days unless followed up, soonest first (for their reminders): the first
/// `limit`, and how many there are in all.
pub fn returning_soon(
    conn: &mut DbConn,
    policy: &PoolPolicy,
    owner: i64,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<(Vec<Warned>, usize), RepoError> {
    let mut soon = due_within(conn, policy, now, Some(owner), false)?;
    let total = soon.len();
    soon.sort_unstable_by_key(|w| (w.due_at, w.customer_id));
    soon.truncate(limit);
    Ok((soon, total))
}

/// Owned customers due within the warning days (of `owner`, or everyone's;
/// with `unwarned_only`, those not yet warned on their current clock).
fn due_within(
    conn: &mut DbConn,
    policy: &PoolPolicy,
    now: DateTime<Utc>,
    owner: Option<i64>,
    unwarned_only: bool,
) -> Result<Vec<Warned>, RepoError> {
    let ahead = Duration::days(i64::from(policy.warn_days));
    let mut out = Vec::new();
    for grade in Grade::ALL {
        let cut = Cutoffs::at(policy, grade, now, ahead);
        let mut found: BTreeMap<i64, HoldingRow> = BTreeMap::new();
        let candidates = || {
            let mut q = owned_of_grade!(policy, grade).into_boxed();
            if let Some(o) = owner {
                q = q.filter(c::owner_id.eq(o));
            }
            if unwarned_only {
                q = q.filter(not(exists(
                    pool_events::table
                        .filter(pool_events::customer_id.eq(c::id))
                        .filter(pool_events::kind.eq("warned"))
                        .filter(pool_events::at.nullable().ge(c::owned_since))
                        .filter(
                            c::last_contacted_at
                                .is_null()
                                .or(pool_events::at.nullable().ge(c::last_contacted_at)),
                        ),
                )));
            }
            q
        };
        let columns = (
            c::id,
            c::owner_id.assume_not_null(),
            c::owned_since.assume_not_null(),
            c::last_contacted_at,
            c::locked,
            c::dealt,
        );
        if let Some(at) = cut.follow_up {
            let rows: Vec<HoldingRow> = candidates()
                .filter(c::owned_since.le(naive(at)))
                .filter(c::last_contacted_at.is_null().or(c::last_contacted_at.le(naive(at))))
                .select(columns)
                .load(conn)?;
            found.extend(rows.into_iter().map(|r| (r.0, r)));
        }
        if let Some(at) = cut.deal {
            let rows: Vec<HoldingRow> = candidates()
                .filter(c::dealt.eq(false))
                .filter(c::owned_since.le(naive(at)))
                .select(columns)
                .load(conn)?;
            found.extend(rows.into_iter().map(|r| (r.0, r)));
        }
        for (id, owner, owned_since, contacted, locked, dealt) in found.into_values() {
            let holding = Holding {
                grade,
                owned_since: owned_since.utc(),
                last_contacted_at: contacted.map(Stamp::utc),
                locked,
                dealt,
            };
            if let Some((due_at, reason)) = domain::pool::returns_at(policy, &holding) {
                out.push(Warned {
                    customer_id: id,
                    owner_id: owner,
                    due_at,
                    reason,
                });
            }
        }
    }
    Ok(out)
}
