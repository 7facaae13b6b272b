//! The facts of a rep ranking: each rep's contracts, collections, new
//! customers, activities and closed deals in a period.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use domain::reports::rankings::RepFigures;
use domain::scope::DataScope;
use domain::vocabulary::{ContractStatus, DealStatus};

use crate::schema::{contracts, customer_wins, opportunities, payments, users};
use crate::scope::{Principal, Reach};
use crate::{DbConn, RepoError, naive};

/// A rep in a ranking.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Rep {
    pub id: i64,
    pub name: String,
    pub department_id: Option<i64>,
}

/// The active reps and managers the caller may rank: all (admin), the
/// department subtree (manager), themselves (rep).
pub fn reps(conn: &mut DbConn, by: &impl Reach) -> Result<Vec<Rep>, RepoError> {
    let scope = by.scope_in(conn)?;
    reps_in(conn, &scope)
}

/// [`reps`], narrowed to `department`'s subtree when one is named: the
/// reps a report on reps covers.
pub fn team(conn: &mut DbConn, by: &impl Reach, department: Option<i64>) -> Result<Vec<Rep>, RepoError> {
    let mut reps = reps(conn, by)?;
    if let Some(d) = department {
        let tree = crate::departments::parent_map(conn)?;
        let within = domain::org::subtree(&tree, d);
        reps.retain(|r| r.department_id.is_some_and(|rd| within.contains(&rd)));
    }
    Ok(reps)
}

/// The reps the caller manages: those of their reach (narrowed to
/// `department`), never themselves; `None` for a caller whose reach is only
/// their own records (a rep, or a manager of no department), who manages
/// nobody.
pub fn managed(conn: &mut DbConn, by: &Principal, department: Option<i64>) -> Result<Option<Vec<i64>>, RepoError> {
    let scope = by.scope(conn)?;
    if matches!(scope, DataScope::Own { .. }) {
        return Ok(None);
    }
    Ok(Some(
        team(conn, &scope, department)?
            .into_iter()
            .map(|r| r.id)
            .filter(|id| *id != by.user_id)
            .collect(),
    ))
}

fn reps_in(conn: &mut DbConn, scope: &DataScope) -> Result<Vec<Rep>, RepoError> {
    let q = users::table
        .filter(users::active.eq(true))
        .filter(users::role.ne("admin"))
        .select((users::id, users::name, users::department_id))
        .order(users::id.asc())
        .into_boxed();
    let q = match scope {
        DataScope::All => q,
        DataScope::Departments { user_id, departments } => q.filter(
            users::department_id
                .eq_any(departments.clone())
                .or(users::id.eq(*user_id)),
        ),
        DataScope::Own { user_id } => q.filter(users::id.eq(*user_id)),
    };
    Ok(q.load(conn)?)
}

/// Each of `reps`' figures for the days `[start, end)`, whose instants are `[from, to)`.
pub fn figures(
    conn: &mut DbConn,
    reps: &[i64],
    (start, end): (NaiveDate, NaiveDate),
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Result<Vec<RepFigures>, RepoError> {
    let mut out: HashMap<i64, RepFigures> = reps
        .iter()
        .map(|id| {
            (
                *id,
                RepFigures {
                    user_id: *id,
                    ..RepFigures::default()
                },
            )
        })
        .collect();
    let signed: Vec<(i64, i64)> = contracts::table
        .filter(contracts::owner_id.eq_any(reps))
        .filter(contracts::status.eq(ContractStatus::Approved.as_str()))
        .filter(contracts::signed_on.ge(start))
        .filter(contracts::signed_on.lt(end))
        .select((contracts::owner_id, contracts::amount))
        .load(conn)?;
    for (owner, amount) in signed {
        if let Some(r) = out.get_mut(&owner) {
            r.contract_amount = r.contract_amount.saturating_add(amount);
        }
    }
    let paid: Vec<(i64, i64)> = payments::table
        .filter(payments::owner_id.eq_any(reps))
        .filter(payments::received_on.ge(start))
        .filter(payments::received_on.lt(end))
        .select((payments::owner_id, payments::amount))
        .load(conn)?;
    for (owner, amount) in paid {
        if let Some(r) = out.get_mut(&owner) {
            r.collected_amount = r.collected_amount.saturating_add(amount);
        }
    }
    let won: Vec<(Option<i64>, i64)> = customer_wins::table
        .filter(customer_wins::owner_id.eq_any(reps))
        .filter(customer_wins::won_on.ge(start))
        .filter(customer_wins::won_on.lt(end))
        .group_by(customer_wins::owner_id)
        .select((customer_wins::owner_id, diesel::dsl::count_star()))
        .load(conn)?;
    for (owner, n) in won {
        if let Some(r) = owner.and_then(|o| out.get_mut(&o)) {
            r.new_customers = n;
        }
    }
    for ((author, _), n) in super::activity_counts::counts(conn, reps, (from, to), None)? {
        if let Some(r) = out.get_mut(&author) {
            r.activities += n;
        }
    }
    let closed: Vec<(i64, String, i64)> = opportunities::table
        .filter(opportunities::owner_id.eq_any(reps))
        .filter(opportunities::status.eq_any([DealStatus::Won.as_str(), DealStatus::Lost.as_str()]))
        .filter(opportunities::closed_at.ge(naive(from)))
        .filter(opportunities::closed_at.lt(naive(to)))
        .group_by((opportunities::owner_id, opportunities::status))
        .select((
            opportunities::owner_id,
            opportunities::status,
            diesel::dsl::count_star(),
        ))
        .load(conn)?;
    for (owner, status, n) in closed {
        if let Some(r) = out.get_mut(&owner) {
            let n = u64::try_from(n).unwrap_or(0);
            if status == DealStatus::Won.as_str() {
                r.won = n;
            } else {
                r.lost = n;
            }
        }
    }
    Ok(out.into_values().collect())
}
